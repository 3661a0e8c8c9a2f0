"""Small input widgets for the center editor, each holding one value in the exchange form.

They share two promises: unknown round-trips (an empty number field or an "Unknown" choice reads
back as None, never as 0 or False), and a value the widget cannot show (a code from a newer
vocabulary, text that is not a number) is kept and handed to validation rather than dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory.vocab import Vocab

UNKNOWN = "Unknown"


def plain(text: str) -> str:
    """A label without its mnemonic marker, for accessible names and messages."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class CodeCombo(QComboBox):
    """A choice from a vocabulary, with a first entry meaning "not known" (None)."""

    def __init__(
        self, codes: type[Vocab], none_label: str = UNKNOWN, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.addItem(none_label, None)
        for member in codes:
            self.addItem(member.label, member.value)

    def value(self) -> str | None:
        data = self.currentData()
        return None if data is None else str(data)

    def set_value(self, code: str | None) -> None:
        index = self.findData(code) if code is not None else 0
        if index < 0:  # a code this version does not know: keep it visible and unchanged
            self.addItem(code or "", code)
            index = self.count() - 1
        self.setCurrentIndex(index)


class TriStateCombo(QComboBox):
    """Yes / No / Unknown for a nullable boolean; Unknown is None, never False."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for text, value in ((UNKNOWN, None), ("Yes", True), ("No", False)):
            self.addItem(text, value)

    def value(self) -> bool | None:
        return [None, True, False][self.currentIndex()]

    def set_value(self, value: bool | None) -> None:
        self.setCurrentIndex(0 if value is None else (1 if value else 2))


class NumberEdit(QLineEdit):
    """A number typed as text: empty is unknown (None), text that is no number is returned as
    typed so validation can say what is wrong with it. Accepts "80,000" and "$80000"."""

    def __init__(
        self, *, integer: bool, grouped: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.integer = integer
        self.grouped = grouped
        self.setPlaceholderText("unknown")
        self.setClearButtonEnabled(True)

    def value(self) -> int | float | str | None:
        text = self.text().strip().replace(",", "").replace("$", "").replace(" ", "")
        if not text:
            return None
        try:
            return int(text) if self.integer else float(text)
        except ValueError:
            return self.text().strip()

    def set_value(self, value: Any) -> None:
        if value is None:
            text = ""
        elif isinstance(value, float):
            text = repr(value)  # every digit the database holds: a coordinate must not drift
        elif isinstance(value, int) and self.grouped:
            text = f"{value:,}"
        else:
            text = str(value)
        self.setText(text)


class CheckGrid(QWidget):
    """One checkbox per vocabulary member, in columns; codes it does not know are kept."""

    changed = Signal()

    def __init__(self, codes: type[Vocab], columns: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(4)
        members = list(codes)
        per_column = -(-len(members) // columns)
        self.boxes: dict[str, QCheckBox] = {}
        for i, member in enumerate(members):
            box = QCheckBox(member.label.replace("&", "&&"), self)
            box.setAccessibleName(member.label)
            box.toggled.connect(self.changed)
            grid.addWidget(box, i % per_column, i // per_column)
            self.boxes[member.value] = box
        grid.setRowStretch(per_column, 1)
        self._extra: list[str] = []

    def checked(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()] + self._extra

    def set_checked(self, codes: Iterable[str]) -> None:
        wanted = list(codes)
        for code, box in self.boxes.items():
            box.setChecked(code in wanted)
        self._extra = [c for c in wanted if c not in self.boxes]


@dataclass(frozen=True)
class Column:
    """One column of a RowsEditor: a text field, or a choice when `codes` is given."""

    field: str
    header: str
    codes: type[Vocab] | None = None
    stretch: int = 2
    placeholder: str = ""


class _Row(QWidget):
    def __init__(self, editor: RowsEditor, number: int) -> None:
        super().__init__(editor)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        #: Why a field of this row is refused, right under the row (hidden when all is fine).
        self.message = QLabel(self)
        self.message.setObjectName("fieldMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)
        self.widgets: dict[str, QWidget] = {}
        for col in editor.columns:
            w: QWidget
            if col.codes is not None:
                combo = QComboBox(self)
                for member in col.codes:
                    combo.addItem(member.label, member.value)
                combo.currentIndexChanged.connect(editor.changed)
                w = combo
            else:
                edit = QLineEdit(self)
                edit.setPlaceholderText(col.placeholder)
                edit.textChanged.connect(editor.changed)
                w = edit
            w.setAccessibleName(f"{editor.noun} {number} {col.header.lower()}")
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            layout.addWidget(w, col.stretch)
            self.widgets[col.field] = w
        self.remove = QPushButton("Remove", self)
        self.remove.setAccessibleName(f"Remove {editor.noun.lower()} {number}")
        self.remove.setToolTip(f"Remove this {editor.noun.lower()}")
        layout.addWidget(self.remove, 0)


class RowsEditor(QWidget):
    """A short list of records (contacts, red flags) edited as rows of fields, with an add
    button below and a Remove button on each row. Every field is a Tab stop, in row order."""

    changed = Signal()

    def __init__(
        self, noun: str, columns: list[Column], add_text: str, empty_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.noun = noun
        self.columns = columns
        self._rows: list[_Row] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        for col in columns:
            label = QLabel(col.header, self)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            header.addWidget(label, col.stretch)
        self._remove_width = QPushButton("Remove").sizeHint().width()
        header.addSpacing(self._remove_width + header.spacing())
        self._header = QWidget(self)
        self._header.setLayout(header)
        header.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._header)
        self._rows_box = QVBoxLayout()
        outer.addLayout(self._rows_box)
        self._empty = QLabel(empty_text, self)
        self._empty.setEnabled(False)
        outer.addWidget(self._empty)
        self.add_button = QPushButton(add_text, self)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self._sync()

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for row in self._rows:
            values: dict[str, Any] = {}
            for field, w in row.widgets.items():
                if isinstance(w, QComboBox):
                    values[field] = w.currentData()
                elif isinstance(w, QLineEdit):
                    values[field] = w.text().strip() or None
            out.append(values)
        return out

    def set_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in list(self._rows):
            self._drop(row)
        for values in rows:
            self.add_row(values)
        self.changed.emit()

    def add_row(self, values: dict[str, Any] | None = None, *, focus: bool = False) -> None:
        row = _Row(self, len(self._rows) + 1)
        for field, w in row.widgets.items():
            value = (values or {}).get(field)
            if isinstance(w, QComboBox) and value is not None:
                index = w.findData(value)
                if index < 0:
                    w.addItem(str(value), value)
                    index = w.count() - 1
                w.setCurrentIndex(index)
            elif isinstance(w, QLineEdit):
                w.setText("" if value is None else str(value))
                w.setCursorPosition(0)
        row.remove.clicked.connect(lambda: self.remove_row(self._rows.index(row)))
        self._rows.append(row)
        self._rows_box.addWidget(row)
        self._sync()
        if focus:
            next(iter(row.widgets.values())).setFocus(Qt.FocusReason.TabFocusReason)
            self.changed.emit()

    def remove_row(self, index: int) -> None:
        self._drop(self._rows[index])
        self._sync()
        target = self._rows[min(index, len(self._rows) - 1)].remove if self._rows else None
        (target or self.add_button).setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit()

    def widget_for(self, index: int, field: str | None = None) -> QWidget | None:
        """The field widget of row `index` (its first field when `field` is None)."""
        if not 0 <= index < len(self._rows):
            return None
        widgets = self._rows[index].widgets
        return widgets.get(field) if field else next(iter(widgets.values()))

    def say(self, index: int, text: str) -> None:
        """Show under row `index` why one of its fields is refused ('' hides the line)."""
        if 0 <= index < len(self._rows):
            self._rows[index].message.setText(text)
            self._rows[index].message.setVisible(bool(text))

    def _drop(self, row: _Row) -> None:
        self._rows.remove(row)
        row.setParent(None)  # leaves the focus chain now, not at the next event loop turn
        row.deleteLater()

    def _sync(self) -> None:
        """Show the header or the empty text, renumber accessible names, and put the rows'
        fields in the Tab order between what precedes the editor and its add button."""
        self._header.setVisible(bool(self._rows))
        self._empty.setVisible(not self._rows)
        for number, row in enumerate(self._rows, 1):
            for col in self.columns:
                name = f"{self.noun} {number} {col.header.lower()}"
                row.widgets[col.field].setAccessibleName(name)
            row.remove.setAccessibleName(f"Remove {self.noun.lower()} {number}")
        anchor = self.add_button.previousInFocusChain()
        while anchor is not None and anchor is not self.add_button and (
            self.isAncestorOf(anchor) or not anchor.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            anchor = anchor.previousInFocusChain()  # the last Tab stop before this editor
        chain = [w for row in self._rows for w in [*row.widgets.values(), row.remove]]
        chain.append(self.add_button)
        if anchor is None or anchor is self.add_button:
            return
        for first, second in zip([anchor, *chain[:-1]], chain, strict=True):
            QWidget.setTabOrder(first, second)


class TherapyGrid(QWidget):
    """One checkbox per therapy, each with its delivery route (enabled once checked)."""

    changed = Signal()

    def __init__(self, codes: type[Vocab], delivery: type[Vocab], parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(0, 1)
        grid.addWidget(QLabel("Therapy", self), 0, 0)
        grid.addWidget(QLabel("Delivery", self), 0, 1)
        self.boxes: dict[str, QCheckBox] = {}
        self.routes: dict[str, CodeCombo] = {}
        for i, member in enumerate(codes, 1):
            box = QCheckBox(member.label.replace("&", "&&"), self)
            box.setAccessibleName(member.label)
            route = CodeCombo(delivery, "Not stated", self)
            route.setAccessibleName(f"{member.label} delivery")
            route.setEnabled(False)
            box.toggled.connect(route.setEnabled)
            box.toggled.connect(self.changed)
            route.currentIndexChanged.connect(self.changed)
            grid.addWidget(box, i, 0)
            grid.addWidget(route, i, 1)
            self.boxes[member.value] = box
            self.routes[member.value] = route
        grid.setRowStretch(len(self.boxes) + 1, 1)
        self._extra: list[dict[str, Any]] = []

    def rows(self) -> list[dict[str, Any]]:
        chosen = [
            {"therapy": code, "delivery": self.routes[code].value()}
            for code, box in self.boxes.items()
            if box.isChecked()
        ]
        return chosen + [dict(r) for r in self._extra]

    def set_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        by_code = {r.get("therapy"): r for r in rows}
        for code, box in self.boxes.items():
            box.setChecked(code in by_code)
            self.routes[code].set_value(by_code.get(code, {}).get("delivery"))
        self._extra = [
            {"therapy": c, "delivery": r.get("delivery")}
            for c, r in by_code.items()
            if c not in self.boxes
        ]
