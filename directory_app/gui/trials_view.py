"""The Trials tab: the trials behind the current search, each with the sites the directory
knows of, nearest first.

It shows what `core.search.trials` returns, nothing more: a trial's status with the date of
its record, how many of the registry's sites are known, and its sites: a named facility (its
center can be selected in Results), or "site in Chicago, IL" for a site the registry names
only by its city, with a center beside it only where the link was inferred (said so). The
tab follows the search's condition, therapy, "recruiting" and origin/radius.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from directory_app.core.directory.vocab import TrialStatus

if TYPE_CHECKING:  # the window paints before SQLAlchemy is imported
    from sqlalchemy.orm import Session

    from directory_app.core.search.shapes import CenterFilter
    from directory_app.core.search.trials import SiteRow, TrialFilter, TrialRow

COLUMNS = ("Trial / site", "Distance", "Status (record date)", "Sites", "Center")
HEADER_TIPS = (
    "The trial, and under it each site the directory knows of, nearest first",
    "Distance from the search's place to the nearest site (trial) or to this site",
    "The trial's status as its registry record said on the record's date",
    "Sites known here, of the sites the registry lists",
    "The directory's center for this site, and how the link was made",
)
CENTER_ROLE = Qt.ItemDataRole.UserRole + 1


def trial_filter_for(flt: CenterFilter) -> TrialFilter:
    """The trial list that matches a center search: its conditions and therapies, recruiting
    when the search asks for recruiting trials, and its origin and radius."""
    from directory_app.core.search.trials import TrialFilter  # with the tab, see `load_trials`

    return TrialFilter(
        conditions=flt.conditions,
        therapies=flt.therapies,
        status="recruiting" if flt.trials == "recruiting" else "any",
        origin=flt.origin,
        radius_km=flt.radius_km if flt.origin is not None else None,
    )


def load_trials(session: Session, flt: CenterFilter, today: date | None = None) -> list[TrialRow]:
    """The tab's rows for a center search (read when the tab is shown)."""
    # In the function: the window's first paint must not wait for SQLAlchemy.
    from directory_app.core.search.trials import find_trials

    return find_trials(session, trial_filter_for(flt), today)


def _status(row: TrialRow) -> str:
    when = f"as of {row.status_as_of.isoformat()}" if row.status_as_of else "date unknown"
    stale = ", stale" if row.status_stale else ""
    return f"{row.status_label} ({when}{stale})"


def _sites(row: TrialRow) -> str:
    if row.sites_listed is None:
        return f"{row.sites_known} known"
    return f"{row.sites_known} of {row.sites_listed}"


def _distance(km: float | None, units: str) -> str:
    if km is None:
        return ""
    value = km if units == "km" else km / 1.609344
    return f"{value:,.0f} {units}"


def _center(site: SiteRow) -> str:
    if site.center_id is None:
        return "" if site.named else "not a center in the directory"
    if site.inferred_from:
        return f"{site.center_name} ({site.link_note})"
    return site.center_name or ""


class TrialsView(QWidget):
    """A tree of trials (top level) and their known sites (children)."""

    #: A site's center was chosen (double-click or Enter): the window selects it in Results.
    centerActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.summary = QLabel()
        self.summary.setAccessibleName("Trials shown")
        self.summary.setWordWrap(True)
        self.summary.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Trials and their sites")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        header = self.tree.headerItem()
        for column, tip in enumerate(HEADER_TIPS):
            header.setToolTip(column, tip)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(False)
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree, 1)
        self.rows: list[TrialRow] = []

    def show_trials(self, rows: Sequence[TrialRow], units: str = "mi", where: str = "") -> None:
        """Replace the tree with these trials (expanded, so every site shows)."""
        self.rows = list(rows)
        self.tree.clear()
        items = []
        for row in rows:
            item = QTreeWidgetItem([
                f"{row.nct_id} — {row.title}", _distance(row.nearest_km, units),
                _status(row), _sites(row), "",
            ])  # fmt: skip
            item.setToolTip(0, row.title)
            if row.status_stale:
                item.setToolTip(2, "The registry record is over 12 months old: check the "
                                "registry for the current status.")  # fmt: skip
            item.setToolTip(3, "Sites the directory knows of, of those the registry lists")
            for site in row.sites:
                child = QTreeWidgetItem([
                    site.label, _distance(site.distance_km, units),
                    TrialStatus.label_of(site.site_status, "") if site.site_status else "",
                    "", _center(site),
                ])  # fmt: skip
                if site.latitude is None:
                    child.setText(1, "location unknown")
                child.setToolTip(4, _center(site))
                if site.center_id is not None:
                    child.setData(0, CENTER_ROLE, site.center_id)
                item.addChild(child)
            items.append(item)
        self.tree.addTopLevelItems(items)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(1)
        self.tree.resizeColumnToContents(2)
        self.tree.resizeColumnToContents(3)
        self.tree.setColumnWidth(0, max(260, min(360, self.tree.sizeHintForColumn(0))))
        count = f"{len(rows):,} trial{'s' * (len(rows) != 1)}"
        self.summary.setText(
            f"{count}{where}. “Site in CITY”: the registry names that site only by its "
            "city. Double-click a site with a center to show the center."
        )

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        center_id = item.data(0, CENTER_ROLE)
        if isinstance(center_id, int):
            self.centerActivated.emit(center_id)
