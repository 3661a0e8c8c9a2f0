"""Side-by-side comparison of 2-4 centers: one column per center, one row per fact.

The rows come from `core.shortlist.compare_rows`, so the text here is the same the referral
sheet and tests see; this module only paints them. A row whose values differ is shaded and its
label bold (bold, so colour is never the only sign), and can be shown alone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory.comparison import NOT_KNOWN_LABEL, TRIALS_LABEL, comparison
from directory_app.core.directory.shortlist import compare_as_text, compare_rows

DIFF_BACKGROUND = QColor("#fff1c2")
DIFF_FOREGROUND = QColor("#1f1f1f")
LABEL_WIDTH = 230


class CompareDialog(QDialog):
    """Compare the given centers (exchange form, 2-4 of them)."""

    def __init__(
        self, centers: list[dict[str, Any]], parent: QWidget | None = None, *,
        origin: tuple[float, float] | None = None, units: str = "mi",
    ) -> None:
        """`origin` (the search's place) adds each center's distance from it."""
        super().__init__(parent)
        self.setWindowTitle(f"Compare {len(centers)} centers")
        self.names = [c.get("name") or "(unnamed)" for c in centers]
        self.rows, self.folded = comparison(centers, compare_rows(centers), origin, units)

        self.only_differences = QCheckBox("Show only &differences", self)
        self.only_differences.toggled.connect(self._apply_filter)
        differing = sum(r.differs for r in self.rows)
        folded = (f" {len(self.folded)} rows unknown for every center are folded into the "
                  "last line." if self.folded else "")
        summary = QLabel(
            f"{differing} of {len(self.rows)} rows differ; they are shaded with a bold label."
            + folded, self,
        )
        summary.setWordWrap(True)
        self.copy_button = QPushButton("&Copy as text", self)
        self.copy_button.setToolTip("Copy the rows shown, tab-separated, for a spreadsheet")
        self.copy_button.clicked.connect(self.copy_to_clipboard)

        self.table = QTableWidget(len(self.rows), len(centers) + 1, self)
        self.table.setAccessibleName("Comparison of centers")
        self._fill()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.only_differences)
        top.addSpacing(12)
        top.addWidget(summary, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        width = min(max(LABEL_WIDTH + 250 * len(centers) + 60, 820), 1240)
        height = 740
        if parent is not None:  # a tall window gets a tall comparison: trials take room
            width = min(width, max(parent.width() - 40, 600))
            height = min(max(parent.height() - 60, 500), 1000)
        self.resize(width, height)

    def _fill(self) -> None:
        t = self.table
        t.setHorizontalHeaderLabels(["", *self.names])
        for col, name in enumerate(self.names, 1):
            self._header_item(col).setToolTip(name)
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        t.setWordWrap(True)
        t.setTextElideMode(Qt.TextElideMode.ElideNone)
        t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.setStyleSheet("QTableWidget::item { padding: 3px 6px; }")
        bold = QFont(t.font())
        bold.setBold(True)
        for r, row in enumerate(self.rows):
            label = QTableWidgetItem(row.label)
            cells = [label] + [QTableWidgetItem(_cell_text(row.label, v)) for v in row.values]
            for c, item in enumerate(cells):
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                if row.differs:
                    item.setBackground(QBrush(DIFF_BACKGROUND))
                    item.setForeground(QBrush(DIFF_FOREGROUND))
                t.setItem(r, c, item)
            if row.label == NOT_KNOWN_LABEL:  # one line for all the unknown rows
                t.setSpan(r, 1, 1, len(self.names))
                for item in cells:
                    item.setForeground(QBrush(QColor("#5f5f5f")))
            if row.differs:
                label.setFont(bold)
                label.setToolTip("Differs between these centers")
                label.setData(Qt.ItemDataRole.AccessibleDescriptionRole, "differs")
        header = t.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        t.setColumnWidth(0, LABEL_WIDTH)
        for col in range(1, t.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Wrapped text must be re-measured whenever the columns change width; a zero-delay
        # timer folds the burst of resize signals into one pass.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(0)
        self._relayout_timer.timeout.connect(self._relayout)
        header.sectionResized.connect(lambda *_: self._relayout_timer.start())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._relayout_timer.start()

    def _relayout(self) -> None:
        """Wrap long center names onto two header lines, then fit rows to their text."""
        t = self.table
        metrics = QFontMetrics(t.horizontalHeader().font())
        for col, name in enumerate(self.names, 1):
            width = max(t.columnWidth(col) - 16, 60)
            self._header_item(col).setText(_two_lines(name, width, metrics))
        # Measured here rather than by resizeRowsToContents: with the cell padding of the
        # style sheet Qt under-measures wrapped text (a center's last trials were cut off) and
        # measures a spanned cell at one column's width (the folded line stood far too tall).
        for r in range(t.rowCount()):
            t.setRowHeight(r, self.fitting_height(r))

    def text_room(self, row: int, col: int, height: int) -> tuple[int, int]:
        """(width, height) the item delegate wraps and paints a cell's text in, were the row
        `height` pixels tall: the cell (with its span) less the style's padding and margins."""
        t = self.table
        span = t.columnSpan(row, col)
        width = sum(t.columnWidth(col + k) for k in range(span))
        option = QStyleOptionViewItem()
        option.initFrom(t.viewport())
        option.rect = QRect(0, 0, width, height)
        option.features = QStyleOptionViewItem.ViewItemFeature.WrapText
        option.text = "x"
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        text = t.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, t)
        margin = t.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, t) + 1
        return text.width() - 2 * margin, text.height()

    def text_height(self, row: int, col: int, width: int) -> int:
        """Height of a cell's text wrapped at `width` pixels, in the cell's font."""
        item = self.table.item(row, col)
        if item is None or not item.text():
            return 0
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                    | Qt.TextFlag.TextWordWrap)
        metrics = QFontMetrics(item.font())
        return metrics.boundingRect(QRect(0, 0, max(width, 1), 1_000_000), flags,
                                    item.text()).height()

    def fitting_height(self, row: int) -> int:
        """The row height that shows every cell's wrapped text whole, and no more."""
        t = self.table
        probe = 1000
        need = QFontMetrics(t.font()).height()
        col = 0
        while col < t.columnCount():
            width, room = self.text_room(row, col, probe)
            need = max(need, self.text_height(row, col, width) + probe - room)
            col += max(1, t.columnSpan(row, col))
        return need + 2  # the grid line and a pixel of air

    def _header_item(self, col: int) -> QTableWidgetItem:
        item = self.table.horizontalHeaderItem(col)
        assert item is not None  # set by setHorizontalHeaderLabels
        return item

    def _apply_filter(self, only_differences: bool) -> None:
        for r, row in enumerate(self.rows):
            self.table.setRowHidden(r, only_differences and not row.differs)

    def visible_rows(self) -> list[int]:
        return [r for r in range(len(self.rows)) if not self.table.isRowHidden(r)]

    def as_text(self) -> str:
        """The rows shown, as tab-separated text with the center names as header."""
        return compare_as_text(self.names, [self.rows[r] for r in self.visible_rows()])

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.as_text())


def _cell_text(label: str, value: str) -> str:
    """A cell as painted: two or more trials each start with a bullet, so where one trial's
    wrapped line ends and the next begins is plain to see."""
    lines = value.split("\n")
    if label == TRIALS_LABEL and len(lines) > 1:
        return "\n".join(f"• {line}" for line in lines)
    return value


def _two_lines(text: str, width: int, metrics: QFontMetrics) -> str:
    """`text` broken at spaces to fit `width` pixels, on at most two lines (the second elided)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split()
    first = words.pop(0)
    while words and metrics.horizontalAdvance(f"{first} {words[0]}") <= width:
        first += f" {words.pop(0)}"
    rest = " ".join(words)
    elide = Qt.TextElideMode.ElideRight
    if not rest:
        return metrics.elidedText(first, elide, width)
    return f"{metrics.elidedText(first, elide, width)}\n{metrics.elidedText(rest, elide, width)}"
