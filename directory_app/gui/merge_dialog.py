"""Edit → Merge into another center…: one institution listed as two centers, made one.

The selected center is the duplicate: the dialog lists the other centers of its city (most
trials first, with their other registered names) and merges it into the chosen one
(`gui.undo.MergeCenterCommand`; Ctrl+Z brings it back). The duplicate's name stays findable
as another name of the center, and Edit → Split off a registered name… takes it off again.

    dialog = MergeDialog(duplicate, candidates, parent)   # `merge_center.merge_candidates`
    dialog.accepted.connect(lambda: merge(dialog.chosen_id()))
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.importing.merge_center import LIKELY_SAME, Candidate

EXPLANATION = (
    "Merge when both are one institution. This center's name (and its other names) become "
    "other names of the center you choose, so the search still finds it; its trials, and each "
    "fact the other center lacks, move there, with their sources; then this center is deleted. "
    "Ctrl+Z brings it back; Edit → Split off a registered name… takes the name off again."
)


def candidate_line(candidate: Candidate) -> str:
    """One row: the name, its trial count, and the other names it already has."""
    trials = f"{candidate.trials} trial{'s' * (candidate.trials != 1)}"
    line = f"{candidate.name}  ({trials})"
    if candidate.other_names:
        line += "\n    also registered as: " + "; ".join(candidate.other_names)
    return line


class MergeDialog(QDialog):
    """Choose the center a duplicate is merged into (from `merge_candidates`, most alike
    first)."""

    def __init__(self, duplicate: dict[str, Any], candidates: Sequence[Candidate],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge into another center")
        layout = QVBoxLayout(self)
        place = ", ".join(str(p) for p in (duplicate.get("city"), duplicate.get("region"))
                          if p) or "its city"  # fmt: skip
        title = QLabel(f"Merge <b>{escape(duplicate.get('name') or '')}</b> into another "
                       f"center of {escape(place)}")  # fmt: skip
        title.setWordWrap(True)
        layout.addWidget(title)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        layout.addWidget(text)
        heading = QLabel("&Centers of the same city:")
        layout.addWidget(heading)
        self.centers = QListWidget()
        self.centers.setAccessibleName("Centers of the same city")
        heading.setBuddy(self.centers)
        for candidate in candidates:
            item = QListWidgetItem(candidate_line(candidate))
            item.setData(Qt.ItemDataRole.UserRole, candidate.id)
            self.centers.addItem(item)
        self.centers.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.centers, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.merge_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.merge_button.setText("&Merge")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # The most alike by name is listed first, and chosen only when its name is alike
        # enough (`LIKELY_SAME`): a merge deletes a center, so an unrelated hospital of the
        # city is never one Enter away. The arrow keys or a click choose.
        self.centers.setWordWrap(True)
        self.centers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.centers.setCurrentRow(0)
        if not candidates or candidates[0].likeness < LIKELY_SAME:
            self.centers.clearSelection()
        self.centers.itemSelectionChanged.connect(
            lambda: self.merge_button.setEnabled(self.chosen_id() is not None))
        self.merge_button.setEnabled(self.chosen_id() is not None)
        self.centers.setFocus()
        self.resize(620, 400)

    def chosen_id(self) -> int | None:
        """The center chosen to merge into (None when nothing is selected)."""
        chosen = self.centers.selectedItems()
        return int(chosen[0].data(Qt.ItemDataRole.UserRole)) if chosen else None
