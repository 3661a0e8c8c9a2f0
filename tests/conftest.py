"""Test set-up shared by every test: Qt runs offscreen, so the suite needs no display; each test
gets its own database file in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the user's real database from a test.
os.environ.pop("DIRECTORY_APP_DB", None)


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[object]:
    """A migrated database with nothing in it."""
    from directory_app.core.store import open_store

    store = open_store(tmp_path / "empty.db", seed=False)
    yield store
    store.close()


@pytest.fixture
def seeded_store(tmp_path: Path) -> Iterator[object]:
    """A database holding the bundled directory, as a user gets it on first start."""
    from directory_app.core.store import open_store

    store = open_store(tmp_path / "seeded.db")
    yield store
    store.close()
