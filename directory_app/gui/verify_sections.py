"""The editor's "I verified this section today" boxes, one per page, and "Mark all as verified".

Saving only a corrected phone number must not make a never-verified center look verified, so
the editor asks what the person actually confirmed: each page starts with a box naming when its
section was last verified, and only ticked sections get today's date
(`core.directory.verification`). "Mark all as verified" is the explicit choice for having
checked the whole record. A new center starts with every box ticked: the person just entered
all of it; they can untick what they copied without checking.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QVBoxLayout, QWidget

from directory_app.core.directory.verification import SECTIONS, section_dates

BAR_STYLE = "QFrame#verifyBar { background: #eef3f8; border-bottom: 1px solid #c9d6e3; }"


class SectionChecks(QObject):
    """The per-section boxes and the "Mark all as verified" box, kept in step."""

    changed = Signal()

    def __init__(self, original: dict[str, Any], parent: QWidget) -> None:
        super().__init__(parent)
        self._new = not original
        self._dates = section_dates(original.get("verified_sections"),
                                    original.get("last_verified"))
        self.boxes: dict[str, QCheckBox] = {}
        self.mark_all = QCheckBox("Mark all as verified", parent)
        self.mark_all.setToolTip("Tick when you checked every section of this record today")
        self.mark_all.toggled.connect(self._set_all)

    def wrap(self, page: QWidget, index: int) -> QWidget:
        """`page` under a bar holding its section's box (pages in `SECTIONS` order)."""
        key, label = SECTIONS[index]
        when = self._dates[key]
        shown = label.replace("&", "&&")  # "Identity & place", not a mnemonic on "p"
        box = QCheckBox(f"I verified “{shown}” today — last verified: "
                        f"{when.isoformat() if when else 'never'}")
        box.setAccessibleName(f"Verified {label} today")
        box.setChecked(self._new)
        box.toggled.connect(self._section_toggled)
        self.boxes[key] = box
        bar = QFrame()
        bar.setObjectName("verifyBar")
        bar.setStyleSheet(BAR_STYLE)
        QVBoxLayout(bar).addWidget(box)
        bar.layout().setContentsMargins(8, 3, 8, 3)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(page, 1)
        self._sync_all()
        return holder

    def checked(self) -> list[str]:
        """The sections ticked, in page order (what `save_center(verified=...)` takes)."""
        return [key for key, _label in SECTIONS if key in self.boxes and
                self.boxes[key].isChecked()]

    def _set_all(self, on: bool) -> None:
        for box in self.boxes.values():
            with QSignalBlocker(box):
                box.setChecked(on)
        self.changed.emit()

    def _section_toggled(self) -> None:
        self._sync_all()
        self.changed.emit()

    def _sync_all(self) -> None:
        with QSignalBlocker(self.mark_all):
            self.mark_all.setChecked(bool(self.boxes) and all(
                box.isChecked() for box in self.boxes.values()))
