"""The shortlist panel: centers the coordinator collects while searching, to compare them or to
put them on a referral sheet.

The panel holds only ids and labels; the window stores the list (`core.shortlist`) and answers
the signals. Whenever the person changes the list here the panel emits `shortlistChanged` with
the ids in their new order (remove, clear, drag to reorder), so the window can save it with
`core.shortlist.set_shortlist`; `removeRequested(id)` also fires for each center taken off.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MIN_COMPARE, MAX_COMPARE = 2, 4
EMPTY_TEXT = (
    "Nothing on the shortlist yet.\n"
    "Add centers from the results to compare them side by side or to print a referral sheet."
)


class ShortlistPanel(QWidget):
    """An ordered list of centers with Remove, Clear, Compare and Referral sheet buttons."""

    centerActivated = Signal(int)  # noqa: N815 - Qt signal naming
    compareRequested = Signal(list)  # noqa: N815
    referralSheetRequested = Signal(list)  # noqa: N815
    #: One center the person took off the list (Remove, Delete key or Clear).
    removeRequested = Signal(int)  # noqa: N815
    #: The person removed, cleared or reordered centers; ids in their new order.
    shortlistChanged = Signal(list)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Shortlist", self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)

        self.list = QListWidget(self)
        self.list.setAccessibleName("Shortlisted centers")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        # Long hospital names wrap rather than hide behind a horizontal scroll bar.
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setAlternatingRowColors(True)  # tells wrapped names apart
        self.list.setToolTip("Enter opens a center; Delete removes it; drag to reorder")
        self.list.itemActivated.connect(self._activated)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.model().rowsMoved.connect(lambda *_: self._changed())

        # Delete is handled as a key press, not a shortcut: the window's own Delete shortcut
        # (delete a center!) must never fire while the shortlist has focus.
        self.list.installEventFilter(self)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for text, slot in (("Open", self._open_current), ("Remove from shortlist",
                                                          self.remove_selected)):
            action = QAction(text, self.list)
            action.triggered.connect(slot)
            self.list.addAction(action)

        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.remove_button = QPushButton("Remove", self)
        self.clear_button = QPushButton("Clear", self)
        self.compare_button = QPushButton("Compare", self)
        self.sheet_button = QPushButton("Referral sheet…", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear)
        self.compare_button.clicked.connect(
            lambda: self.compareRequested.emit(self.compare_ids())
        )
        self.sheet_button.clicked.connect(
            lambda: self.referralSheetRequested.emit(self.target_ids())
        )

        # Wide (docked under the results): title and the four buttons on one line above the
        # list, so a 170 px dock shows list rows rather than two rows of buttons. Narrow
        # (docked beside them): the buttons two by two under the list.
        self._buttons = (self.compare_button, self.sheet_button, self.remove_button,
                         self.clear_button)
        self._header = QHBoxLayout()
        self._header.addWidget(self.title)
        self._header.addStretch(1)
        self._grid = QGridLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(self._header)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(self._grid)
        self._wide: bool | None = None
        self._arrange(wide=False)
        self._update_buttons()

    @property
    def wide(self) -> bool:
        """Whether the buttons sit on the title's line (tests read this)."""
        return bool(self._wide)

    def _wide_enough(self) -> int:
        """The width at which the title and all four buttons fit on one line."""
        spacing = max(self._header.spacing(), 6)
        margins = self.layout().contentsMargins()
        return (self.title.sizeHint().width() + 24 + margins.left() + margins.right()
                + sum(b.sizeHint().width() + spacing for b in self._buttons))

    def _arrange(self, wide: bool) -> None:
        if wide == self._wide:
            return
        self._wide = wide
        for button in self._buttons:
            self._header.removeWidget(button)
            self._grid.removeWidget(button)
        if wide:
            for button in self._buttons:
                self._header.addWidget(button)
        else:
            for i, button in enumerate(self._buttons):
                self._grid.addWidget(button, i // 2, i % 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._arrange(self.width() >= self._wide_enough())

    # --- contents -------------------------------------------------------------------------

    def set_items(self, items: list[tuple[int, str]]) -> None:
        """Show these centers (id, label) in this order, keeping the selection where it can."""
        selected = set(self.selected_ids())
        self.list.blockSignals(True)
        self.list.clear()
        for center_id, label in items:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, center_id)
            item.setToolTip(label)
            self.list.addItem(item)
            item.setSelected(center_id in selected)
        self.list.blockSignals(False)
        self._update_buttons()

    def ids(self) -> list[int]:
        return [int(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())]

    def selected_ids(self) -> list[int]:
        """Selected centers in list order (not in the order they were clicked)."""
        return [int(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count()) if self.list.item(i).isSelected()]

    def target_ids(self) -> list[int]:
        """What the buttons act on: the selection, or the whole list when nothing is selected."""
        return self.selected_ids() or self.ids()

    def compare_ids(self) -> list[int]:
        """Two or more selected centers, else the whole list; empty if that is not 2-4."""
        selected = self.selected_ids()
        wanted = selected if len(selected) >= MIN_COMPARE else self.ids()
        return wanted if MIN_COMPARE <= len(wanted) <= MAX_COMPARE else []

    # --- actions --------------------------------------------------------------------------

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        if not rows:
            return
        removed = [int(self.list.takeItem(row).data(Qt.ItemDataRole.UserRole)) for row in rows]
        if self.list.count():
            self.list.setCurrentRow(min(rows[-1], self.list.count() - 1))
        self._changed(removed[::-1])

    def clear(self) -> None:
        """Empty the list, after asking when there is more than one center to lose."""
        if not self.list.count():
            return
        if self.list.count() > 1:
            answer = QMessageBox.question(
                self,
                "Clear shortlist",
                f"Remove all {self.list.count()} centers from the shortlist?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        removed = self.ids()
        self.list.clear()
        self._changed(removed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.list.selectedItems()
        ):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)

    def _open_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._activated(item)

    def _activated(self, item: QListWidgetItem) -> None:
        self.centerActivated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _changed(self, removed: list[int] | None = None) -> None:
        ids = self.ids()
        self._update_buttons()
        for center_id in removed or []:
            self.removeRequested.emit(center_id)
        self.shortlistChanged.emit(ids)

    def _update_buttons(self) -> None:
        count = self.list.count()
        self.title.setText(f"Shortlist ({count})" if count else "Shortlist")
        self.list.setVisible(bool(count))
        self.empty.setVisible(not count)
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        self.clear_button.setEnabled(bool(count))
        self.sheet_button.setEnabled(bool(count))
        can_compare = bool(self.compare_ids())
        self.compare_button.setEnabled(can_compare)
        self.compare_button.setToolTip(
            "Compare the selected centers side by side" if can_compare
            else "Select 2 to 4 centers (or keep 2 to 4 on the list) to compare them"
        )
