"""Stem Cell Center Directory: an offline directory of centers that offer or research stem cell
therapy for autoimmune disease."""

__version__ = "0.1.0"
