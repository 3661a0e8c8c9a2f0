"""Checking a clinic a patient brings up: FDA letters, the directory, published warning signs."""
