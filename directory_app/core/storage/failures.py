"""Storage failures in plain words: a full disk or a read-only place is the person's situation,
not a bug, and is told in one line they can act on - never a traceback, never "damaged".

Kept apart from `engine` (and free of SQLAlchemy) so the windows can word a failure without
loading the database layer; the messages match SQLite's, PostgreSQL's and the OS's words.
"""

from __future__ import annotations

import os

#: Words of a storage failure (SQLite, PostgreSQL or the OS) -> what the user can do about it.
_STORAGE_FAILURES = (
    (("database or disk is full", "no space left", "disk full", "could not extend file"),
     "the disk is full (or the database reached its size limit); nothing was saved. "
     "Free some space and try again"),
    (("readonly database", "read-only file system", "read only"),
     "the database is read-only here; nothing was saved. Searching and exporting still work; "
     "to make changes, use a copy in a writable folder"),
)  # fmt: skip


def storage_failure(exc: BaseException) -> str | None:
    """One line for a storage error raised while writing (disk full, read-only place), or None
    when `exc` is not one: those are the user's environment, not a bug, and must not end in a
    traceback nor be mistaken for a damaged database."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if isinstance(exc, OSError):
        text = os.strerror(exc.errno).lower() if exc.errno else text
    for needles, message in _STORAGE_FAILURES:
        if any(n in text for n in needles):
            return message
    return None


def failure_text(exc: BaseException) -> str:
    """The one line a person is told when an action failed: the storage line for a full disk or
    a read-only place, else the error's own first line - a database error without the SQL and
    the "background on this error" link SQLAlchemy appends, which say nothing to a person."""
    plain = storage_failure(exc)
    if plain is not None:
        return plain
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
