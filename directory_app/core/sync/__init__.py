"""Merging two copies of the directory: decisions in `merge`, writes in `writes`."""
