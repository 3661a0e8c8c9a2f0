"""A full disk or a read-only place while the window writes: one plain line in a message box,
never a traceback, and nothing stored is lost.

As in tests/core/test_storage_failures.py the situations are SQLite's own: `PRAGMA
max_page_count` caps the file, and SQLite then fails a write with "database or disk is full"
exactly as on a full disk; `PRAGMA query_only` refuses every write as a read-only database does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from directory_app.core.directory.editing import load_center
from directory_app.core.directory.models import Center, Trial
from directory_app.core.directory.shortlist import get_shortlist
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store
from directory_app.gui.import_dialog import ImportDialog
from directory_app.gui.main_window import MainWindow
from directory_app.gui.undo import EditCenterCommand

from .center_factory import small_directory

DATA = Path(__file__).parents[1] / "data" / "ctgov"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    store = open_store(path, seed=False)
    with store.session() as s:
        small_directory(s)
    store.close()
    return path


def _on_connect(pragma: str) -> Iterator[None]:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(pragma)

    event.listen(Engine, "connect", apply)
    try:
        yield
    finally:
        event.remove(Engine, "connect", apply)


def _open_with(db: Path, pragma: str) -> Iterator[Store]:
    for _ in _on_connect(pragma):
        store = open_store(db, seed=False)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def full_store(db: Path) -> Iterator[Store]:
    """The directory on a disk with no room left: not one more page may be added."""
    with sqlite3.connect(db) as con:
        pages = int(con.execute("PRAGMA page_count").fetchone()[0])
    yield from _open_with(db, f"PRAGMA max_page_count = {pages}")


@pytest.fixture
def refusing_store(db: Path) -> Iterator[Store]:
    """The directory where SQLite refuses every write, as in a read-only place it did not
    recognise when opening."""
    yield from _open_with(db, "PRAGMA query_only = ON")


@pytest.fixture
def warnings(monkeypatch) -> list[tuple[str, str]]:
    """The message boxes the window shows (a modal box cannot run in a test)."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, title, text, *_a: shown.append((title, text)))  # fmt: skip
    return shown


def _counts(db: Path) -> tuple[int, int]:
    store = open_store(db, seed=False)
    try:
        with store.session() as s:
            return (s.scalar(select(func.count()).select_from(Center)) or 0,
                    s.scalar(select(func.count()).select_from(Trial)) or 0)  # fmt: skip
    finally:
        store.close()


def _one_plain_line(text: str) -> None:
    assert "\n" not in text and "Traceback" not in text
    assert "SQL" not in text and "sqlalche.me" not in text and "OperationalError" not in text


def test_an_import_onto_a_full_disk_says_so_in_one_line_and_a_message_box(
    qtbot, db: Path, full_store: Store, warnings
) -> None:
    before = _counts(db)
    dialog = ImportDialog(full_store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_path(DATA / "v2-page.json")
    dialog.all_conditions.setChecked(True)
    dialog.run(dry_run=False)
    qtbot.waitUntil(lambda: bool(warnings), timeout=15000)
    [(title, text)] = warnings
    assert title == "Import" and text.startswith("Import failed: the disk is full")
    _one_plain_line(text)
    assert dialog.status.text() == text
    assert dialog.check_button.isEnabled(), "the dialog is usable again"
    assert _counts(db) == before


def test_adding_to_the_shortlist_where_writes_are_refused_is_a_message_not_an_exception(
    qtbot, tmp_path: Path, refusing_store: Store
) -> None:
    window = MainWindow(refusing_store, QSettings(str(tmp_path / "s.ini"),
                                                  QSettings.Format.IniFormat))  # fmt: skip
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    shown: list[str] = []
    window.show_message = lambda title, text, *a, **k: shown.append(text)  # type: ignore[method-assign]
    window.table.selectRow(0)
    window.center_actions.add_to_shortlist()
    [text] = shown
    assert text.startswith("Not added to the shortlist: the database is read-only here")
    _one_plain_line(text)
    with refusing_store.session() as s:
        assert list(get_shortlist(s)) == []
    window.close()


def test_an_edit_on_a_full_disk_is_refused_in_plain_words(
    qtbot, db: Path, full_store: Store
) -> None:
    with full_store.session() as s:
        center_id = s.scalars(select(Center.id).order_by(Center.id)).first()
        assert center_id is not None
        before = load_center(s, center_id)
    errors: list[str] = []
    long_notes = "Checked with the referral office. " * 400  # more than the free room
    command = EditCenterCommand(full_store, before, {**before, "notes": long_notes},
                                lambda _id: None, errors.append, today=date(2026, 3, 2),
                                verified_by="J. Chen")  # fmt: skip
    command.redo()
    [text] = errors
    assert text.startswith("The disk is full") and text.endswith(".")
    _one_plain_line(text)
    with full_store.session() as s:
        assert load_center(s, center_id)["notes"] == before["notes"]
