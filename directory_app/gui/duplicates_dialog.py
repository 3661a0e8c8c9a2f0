"""Tools → Find duplicate centers…: what the build's merge rules would make one, to check.

A directory made before the bundled directory merged one institution's sites, or centers
added since (an import under a new spelling, a hand-made entry), can list one institution
twice. This dialog lists each pair `core.importing.merge_center.suggest_merges` finds (same
HIFLD hospital, same CMS number, same address, same institution name, same named cancer
center, always within one city), with the rule, and merges the chosen one when the person
says so (`merge` is given by the window: an undoable command, Ctrl+Z brings it back). Nothing
is merged on its own.

    dialog = DuplicatesDialog(suggestions, merge, parent)   # merge(s: Suggestion) -> bool
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.importing.merge_center import Suggestion

INTRO = (
    "Each line is a center that seems to be another listing of a center of its city, found by "
    "the rules the bundled directory is built with. Check each one (the rule says why it was "
    "found) and merge only what you know is one institution: the duplicate's name stays "
    "findable as another name, and Ctrl+Z in the main window brings it back."
)
NONE_FOUND = "No two centers of one city name the same institution by these rules."


def suggestion_line(s: Suggestion) -> str:
    """One row: the duplicate, the center it would join, the city and the rule."""
    return (f"“{s.duplicate_name}” (center {s.duplicate_id})\n    into “{s.into_name}” "
            f"(center {s.into_id}), {s.city}: {s.rule}")


class DuplicatesDialog(QDialog):
    """The suggested merges, one merged at a time on the person's word."""

    def __init__(self, suggestions: Sequence[Suggestion], merge: Callable[[Suggestion], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find duplicate centers")
        self._merge = merge
        self._suggestions = list(suggestions)  # rows keep an index into it
        layout = QVBoxLayout(self)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        self.list = QListWidget()
        self.list.setAccessibleName("Possible duplicates")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.count_label.setBuddy(self.list)
        for index, suggestion in enumerate(self._suggestions):
            item = QListWidgetItem(suggestion_line(suggestion))
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.merge_button = QPushButton("&Merge the selected one")
        self.buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.merge_button.clicked.connect(self.merge_selected)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.list.itemSelectionChanged.connect(self._update)
        # Nothing is chosen for the person: each merge deletes a center.
        self.list.clearSelection()
        self._update()
        self.list.setFocus()
        self.resize(680, 460)

    def _update(self) -> None:
        n = self.list.count()
        self.count_label.setText(
            f"&{n} possible duplicate{'s' * (n != 1)}:" if n else NONE_FOUND)
        self.merge_button.setEnabled(self.selected() is not None)

    def selected(self) -> Suggestion | None:
        chosen = self.list.selectedItems()
        return self._at(chosen[0]) if chosen else None

    def _at(self, item: QListWidgetItem) -> Suggestion:
        return self._suggestions[int(item.data(Qt.ItemDataRole.UserRole))]

    def merge_selected(self) -> None:
        """Merge the selected pair (through the window's undo stack); its row goes away, and so
        do other rows that named the center now gone."""
        suggestion = self.selected()
        if suggestion is None or not self._merge(suggestion):
            return
        gone = suggestion.duplicate_id
        for row in reversed(range(self.list.count())):
            other = self._at(self.list.item(row))
            if gone in (other.duplicate_id, other.into_id):
                self.list.takeItem(row)
        self.list.clearSelection()
        self._update()
