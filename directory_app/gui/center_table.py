"""The results table: a QAbstractTableModel over a plain list of `core.search.ResultRow`, and
the view that owns selection.

Why this shape (after Anki's browser, calibre and pymmcore-widgets):
- Columns are defined once, as an IntEnum with one `ColumnSpec` each (header, text, sort key,
  alignment, width); nothing else in the app knows a column number.
- The model only holds rows the core already computed: no query per `data()` call. Sorting by a
  header reorders that list in place (a few ms for 10,000 rows) instead of a
  QSortFilterProxyModel, and clicking the header again past descending returns to the search's
  own ranking.
- `data()` never lets an exception escape into Qt; a bad row shows "?" and is logged once.
- Resets are guarded (`beginResetModel(); try: ... finally: endResetModel()`), so a failure
  while swapping rows cannot leave views attached to a half-reset model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from directory_app.core.directory.vocab import CenterKind, Therapy
from directory_app.core.present.words import NEVER, UNKNOWN, label, yes_no
from directory_app.core.search.shapes import ResultRow

_log = logging.getLogger(__name__)

STALE_COLOUR = QColor("#9a5b00")
FLAG_COLOUR = QColor("#b00020")
Index = QModelIndex | QPersistentModelIndex
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter


def _flag_count(row: ResultRow) -> int:
    flags = row.red_flags
    return flags if isinstance(flags, int) else len(flags or ())


US_NAMES = frozenset({"united states", "usa", "us", "united states of america"})


def _place(row: ResultRow) -> str:
    """'Cleveland, OH' for the U.S. (most of the directory), 'Uppsala, Sweden' elsewhere."""
    country = None if (row.country or "").casefold() in US_NAMES else row.country
    return ", ".join(p for p in (row.city, row.region, country) if p) or UNKNOWN


def _distance(row: ResultRow, unit: str) -> str:
    value = row.distance_mi if unit == "mi" else row.distance_km
    return UNKNOWN if value is None else f"{value:,.0f} {unit}"


def _verified(row: ResultRow) -> str:
    text = row.last_verified.isoformat() if row.last_verified else NEVER
    return f"{text} (stale)" if row.stale else text


def _recruiting(row: ResultRow) -> str:
    """'Yes, as of 2022-04-05 (stale)': the registry's answer with the date it was given."""
    answer = yes_no(bool(row.recruiting))
    if not row.all_trials:
        return answer
    as_of = row.status_as_of
    when = f"as of {as_of.isoformat()}" if as_of else "date unknown"
    return f"{answer}, {when}" + (" (stale)" if row.status_stale else "")


def _therapies(row: ResultRow) -> str:
    return ", ".join(label(Therapy, t) for t in row.therapies) or UNKNOWN


def _lower(text: str | None) -> str | None:
    return text.casefold() if text else None


@dataclass(frozen=True)
class ColumnSpec:
    """Everything about one column; `sort_key` returns None for an unknown value (sorted last)."""

    header: str
    text: Callable[[ResultRow, str], str]
    sort_key: Callable[[ResultRow], Any]
    align: Qt.AlignmentFlag = ALIGN_LEFT
    width: int = 110
    tooltip: str = ""


class Column(IntEnum):
    NAME = 0
    DISTANCE = 1
    PLACE = 2
    KIND = 3
    TRIALS = 4
    RECRUITING = 5
    VERIFIED = 6
    FLAGS = 7
    THERAPIES = 8

    @property
    def spec(self) -> ColumnSpec:
        return SPECS[self]


SPECS: dict[Column, ColumnSpec] = {
    Column.NAME: ColumnSpec(
        "Center", lambda r, u: r.name or UNKNOWN, lambda r: _lower(r.name), width=220
    ),
    Column.KIND: ColumnSpec(
        "Kind", lambda r, u: label(CenterKind, r.kind), lambda r: r.kind, width=120
    ),
    Column.PLACE: ColumnSpec(
        "Location", lambda r, u: _place(r),
        lambda r: (_lower(r.country), _lower(r.region), _lower(r.city)) if r.city else None,
        width=140,
    ),
    Column.DISTANCE: ColumnSpec(
        "Distance", _distance, lambda r: r.distance_km, ALIGN_RIGHT, 72,
        "Great-circle distance from the place you entered",
    ),
    Column.TRIALS: ColumnSpec(
        "Active / all trials", lambda r, u: f"{r.active_trials} / {r.all_trials}",
        lambda r: (r.active_trials, r.all_trials), ALIGN_RIGHT, 110,
        "Registered trials at this center: active ones (recruiting, not yet recruiting, by "
        "invitation, running) / all, including completed, terminated and withdrawn",
    ),
    Column.RECRUITING: ColumnSpec(
        "Recruiting (registry)", lambda r, u: _recruiting(r),
        lambda r: bool(r.recruiting), ALIGN_LEFT, 215,
        "Whether the registry listed a trial here as recruiting, as of the record's last update;"
        " records 12 months old or more are marked stale: check the registry",
    ),
    Column.VERIFIED: ColumnSpec(
        "Last verified", lambda r, u: _verified(r), lambda r: r.last_verified, width=130,
        tooltip="When a person last checked this center; stale after 12 months",
    ),
    Column.FLAGS: ColumnSpec(
        "Red flags", lambda r, u: str(_flag_count(r)) if _flag_count(r) else "none",
        _flag_count, ALIGN_CENTER, 74,
        "Documented concerns (regulator warnings, unproven marketing); see the detail pane",
    ),
    Column.THERAPIES: ColumnSpec(
        "Therapies", lambda r, u: _therapies(r),
        lambda r: _therapies(r) if r.therapies else None, width=260,
    ),
}


def sorted_rows(
    rows: Sequence[ResultRow], column: Column, descending: bool
) -> list[ResultRow]:
    """Rows ordered by a column; unknown values go last in either direction; stable."""
    key = column.spec.sort_key
    known: list[tuple[Any, ResultRow]] = []
    unknown: list[ResultRow] = []
    for row in rows:
        value = key(row)
        (unknown.append(row) if value is None else known.append((value, row)))
    known.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _value, row in known] + unknown


def row_tooltip(row: ResultRow) -> str:
    lines = [row.name or UNKNOWN]
    if row.matched:
        lines.append("Matched: " + "; ".join(row.matched))
    if row.unknown:
        lines.append("Unknown (kept): " + "; ".join(row.unknown))
    if row.all_trials:
        as_of = row.status_as_of
        when = as_of.isoformat() if as_of else "an unknown date"
        line = f"Trial status from registry records of {when}"
        if row.status_stale:
            line += ": over 12 months old, check the registry before referring"
        lines.append(line)
    return "\n".join(lines)


class CenterTableModel(QAbstractTableModel):
    """Search results as table rows; the whole ResultRow is under Qt.UserRole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultRow] = []
        self._search_order: list[ResultRow] = []
        self._by_id: dict[int, int] = {}
        self._sort: tuple[int, bool] = (-1, False)
        self.unit = "mi"
        self._failed_once = False

    # ---------------------------------------------------------------- Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        try:
            return self._data(index, role)
        except Exception:  # never into Qt: a bad row must not take the window down
            if not self._failed_once:
                self._failed_once = True
                _log.exception("results table: cannot show row %s", index.row())
            return "?" if role == Qt.ItemDataRole.DisplayRole else None

    def _data(self, index: Index, role: int) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.spec.text(row, self.unit)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.spec.align.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row_tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.FLAGS and _flag_count(row):
                return QBrush(FLAG_COLOUR)
            if column == Column.VERIFIED and row.stale:
                return QBrush(STALE_COLOUR)
            if column == Column.RECRUITING and row.status_stale:
                return QBrush(STALE_COLOUR)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        spec = Column(section).spec
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return spec.tooltip or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows in place, keeping the selection (persistent indexes) on its rows.

        Column -1 restores the search's own ranking."""
        descending = order == Qt.SortOrder.DescendingOrder
        self._sort = (column, descending)
        self.layoutAboutToBeChanged.emit()
        try:
            old = self.persistentIndexList()
            moved = [(i, self._rows[i.row()].id) for i in old if 0 <= i.row() < len(self._rows)]
            self._rows = self._ordered(self._search_order)
            self._reindex()
            self.changePersistentIndexList(
                [i for i, _ in moved],
                [self.index(self._by_id.get(cid, -1), i.column()) for i, cid in moved],
            )
        except Exception:  # never into Qt; the rows stay in their previous order
            _log.exception("results table: sorting by column %s failed", column)
        finally:
            self.layoutChanged.emit()

    # -------------------------------------------------------------------- app interface
    def set_rows(self, rows: Sequence[ResultRow]) -> None:
        """Replace the results (keeping the user's column sort, if any)."""
        self.beginResetModel()
        try:
            self._search_order = list(rows)
            self._rows = self._ordered(self._search_order)
            self._reindex()
        finally:
            self.endResetModel()

    def extend_rows(self, rows: Sequence[ResultRow]) -> bool:
        """Take a longer answer to the same search without a reset (selection and scroll
        position stay): the tail is inserted, the held rows refreshed. Returns False, changing
        nothing, if `rows` does not start with the rows held or a column sort is active."""
        held = self._search_order
        if self._sort[0] >= 0 or len(rows) < len(held):
            return False
        if any(a.id != b.id for a, b in zip(held, rows, strict=False)):
            return False
        grows = len(rows) > len(held)
        if grows:
            self.beginInsertRows(QModelIndex(), len(held), len(rows) - 1)
        try:
            self._search_order = list(rows)
            self._rows = list(rows)
            self._reindex()
        finally:
            if grows:
                self.endInsertRows()
        if held:
            last = self.index(len(held) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        return True

    def set_unit(self, unit: str) -> None:
        if unit == self.unit:
            return
        self.unit = unit
        if self._rows:
            top = self.index(0, Column.DISTANCE)
            bottom = self.index(len(self._rows) - 1, Column.DISTANCE)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    @property
    def rows(self) -> list[ResultRow]:
        return list(self._rows)

    def row_at(self, row: int) -> ResultRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, center_id: int) -> int | None:
        return self._by_id.get(center_id)

    def _ordered(self, rows: list[ResultRow]) -> list[ResultRow]:
        column, descending = self._sort
        if not 0 <= column < len(Column):
            return list(rows)
        return sorted_rows(rows, Column(column), descending)

    def _reindex(self) -> None:
        self._by_id = {row.id: i for i, row in enumerate(self._rows)}


class CenterTableView(QTableView):
    """The results view: one selected center at a time, fast fixed-height rows."""

    centerSelected = Signal(object)  # int | None

    def __init__(self, model: CenterTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Search results")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.verticalHeader()
        vheader.setVisible(False)
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        vheader.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        for column in Column:
            self.setColumnWidth(column, column.spec.width)
        self.setSortingEnabled(True)
        self._quiet = False
        self.selectionModel().currentRowChanged.connect(self._on_current_row)

    def table_model(self) -> CenterTableModel:
        model = self.model()
        assert isinstance(model, CenterTableModel)
        return model

    def current_center_id(self) -> int | None:
        row = self.table_model().row_at(self.currentIndex().row())
        return None if row is None else int(row.id)

    def select_center(self, center_id: int | None) -> bool:
        """Select and reveal a center's row; False (selection cleared) if it is not listed."""
        model = self.table_model()
        row = None if center_id is None else model.row_of(center_id)
        if row is None:
            self.selectionModel().clear()
            return False
        index = model.index(row, Column.NAME)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().setCurrentIndex(index, flags)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def step(self, delta: int) -> None:
        """Move the selection to the next (+1) or previous (-1) result, wrapping around."""
        count = self.table_model().rowCount()
        if not count:
            return
        current = self.currentIndex().row()
        row = (0 if delta > 0 else count - 1) if current < 0 else (current + delta) % count
        self.select_center(self.table_model().rows[row].id)

    def show_rows(self, rows: Sequence[ResultRow], *, more_of_same: bool = False) -> None:
        """New results; the selected center stays selected if it is still listed, and
        `centerSelected` fires only when the selection really changed. `more_of_same` rows
        (the rest of the same search) are appended when they extend what is shown."""
        if more_of_same and self.table_model().extend_rows(rows):
            return
        keep = self.current_center_id()
        self._quiet = True
        try:
            self.table_model().set_rows(rows)
            kept = keep is not None and self.select_center(keep)
        finally:
            self._quiet = False
        if keep is not None and not kept:
            self.centerSelected.emit(None)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        row = self.table_model().row_at(current.row()) if current.isValid() else None
        self.centerSelected.emit(None if row is None else int(row.id))
