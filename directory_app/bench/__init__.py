"""Benchmarks of the directory core, run as `python -m directory_app.bench NAME`.

They are measurements to read, not timed tests: each builds its own synthetic directory
(`synthetic.build_synthetic`) in a temporary database unless given `--db`, and prints a table.
"""
