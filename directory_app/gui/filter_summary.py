"""The active filters in one line above the results, each a chip that removes its filter.

At 1280×800 the trial and care-team filters sit below the fold of the filter panel, so a search
narrowed there looked unfiltered. The line "Multiple sclerosis ✕ · recruiting ✕ · within 300 mi
✕" says what narrows the results wherever it was set; clicking a chip removes that one filter,
and "Reset filters" clears them all. Chips that do not fit are gathered under "+N more", a menu
whose entries remove theirs too, so the summary stays one line at any width.

`active_filters` reads the panel's JSON-able state (the same dict saved searches keep), so it
never depends on how a control draws itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    Specialty,
    SupportService,
    Therapy,
    Vocab,
)

#: Lists of codes: one chip per code, labelled from its vocabulary.
CODE_LISTS: dict[str, type[Vocab]] = {
    "conditions": Condition, "therapies": Therapy, "kinds": CenterKind,
    "specialties": Specialty, "services": SupportService, "accreditations": Accreditation,
}  # fmt: skip
TRIAL_WORDS = {"any": "in a registered trial", "recruiting": "recruiting",
               "none": "no registered trials"}  # fmt: skip
#: Yes/no filters and the words of their chip.
SWITCHES = {
    "verified_only": "verified facts only", "outpatient_only": "outpatient",
    "insurance": "accepts insurance", "financial_assistance": "financial assistance",
    "exclude_red_flags": "no red flags",
}  # fmt: skip
NARROW = 560  # below this width the "Filters:" caption gives its room to the chips
CHIP_STYLE = """
QToolButton#filterChip { border: 1px solid #9fb3c8; border-radius: 10px; padding: 1px 8px;
                         background: #eef3f8; color: #1c2b39; }
QToolButton#filterChip:hover { background: #dbe6f1; border-color: #5b7a99; }
"""


@dataclass(frozen=True)
class ActiveFilter:
    """One chip: its words, and the state change (`key` set to `cleared`) that removes it."""

    key: str
    text: str
    cleared: Any


def active_filters(state: dict[str, Any], defaults: dict[str, Any]) -> list[ActiveFilter]:
    """The filters set in `state` that differ from `defaults`, in the order a person reads a
    search: what, where, then the narrowing details. Sort order and units are not filters."""
    out: list[ActiveFilter] = []
    text = str(state.get("text") or "").strip()
    if text:
        out.append(ActiveFilter("text", f"“{text}”", ""))
    for key in ("conditions", "therapies"):
        out += _codes(state, key)
    if state.get("trials") and state["trials"] != defaults.get("trials"):
        words = TRIAL_WORDS.get(str(state["trials"]), str(state["trials"]))
        out.append(ActiveFilter("trials", words, defaults.get("trials")))
    place = str(state.get("place") or "").strip()
    radius = float(state.get("radius") or 0)
    if place and radius > 0:  # a place alone only measures distances: it narrows nothing
        unit = state.get("unit", "mi")
        out.append(ActiveFilter("radius", f"within {radius:,.0f} {unit} of {place}", 0))
    for key in ("kinds", "specialties", "services", "accreditations"):
        out += _codes(state, key)
    if int(state.get("min_disciplines") or 0) > 0:
        out.append(ActiveFilter("min_disciplines", f"≥ {state['min_disciplines']} disciplines", 0))
    if state.get("max_cost_usd") is not None:
        out.append(ActiveFilter("max_cost_usd", f"cost ≤ ${state['max_cost_usd']:,}", None))
    if state.get("age") is not None:
        out.append(ActiveFilter("age", f"age {state['age']}", None))
    out += [ActiveFilter(key, words, False) for key, words in SWITCHES.items() if state.get(key)]
    if state.get("verified_within_months"):
        out.append(ActiveFilter("verified_within_months",
                                f"verified in {state['verified_within_months']} months", None))
    if state.get("fresh_within_months"):
        out.append(ActiveFilter("fresh_within_months",
                                f"trial record ≤ {state['fresh_within_months']} months old", None))
    if state.get("unknown") not in (None, defaults.get("unknown")):
        out.append(ActiveFilter("unknown", "unknown values left out", defaults.get("unknown")))
    return out


def _codes(state: dict[str, Any], key: str) -> list[ActiveFilter]:
    """One chip per checked code; removing it keeps the others checked."""
    codes = list(state.get(key) or [])
    vocab = CODE_LISTS[key]
    return [ActiveFilter(key, vocab.label_of(code), [c for c in codes if c != code])
            for code in codes]


class FilterChips(QWidget):
    """The one-line summary; emits `removeRequested(key, cleared)` or `resetRequested()`."""

    removeRequested = Signal(str, object)
    resetRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Active filters")
        self.setStyleSheet(CHIP_STYLE)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.setSpacing(4)
        # Chips never widen the results pane: those that do not fit go under "+N more".
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.caption = QLabel("Filters:", self)
        self._layout.addWidget(self.caption)
        self.more = QToolButton(self)
        self.more.setObjectName("filterChip")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(QMenu(self.more))
        self.reset = QToolButton(self)
        self.reset.setText("Reset filters")
        self.reset.setAutoRaise(True)
        self.reset.setToolTip("Clear every filter (Ctrl+Shift+R)")
        self.reset.clicked.connect(self.resetRequested)
        self.filters: list[ActiveFilter] = []
        self.chips: list[QToolButton] = []
        self._layout.addWidget(self.more)
        self._layout.addStretch(1)
        self._layout.addWidget(self.reset)
        self.setVisible(False)

    def show_filters(self, filters: list[ActiveFilter]) -> None:
        """Replace the chips; the line hides itself when no filter is set."""
        if filters == self.filters:
            return
        for chip in self.chips:
            chip.setParent(None)
            chip.deleteLater()
        self.filters, self.chips = list(filters), []
        for index, active in enumerate(filters):
            chip = QToolButton(self)
            chip.setObjectName("filterChip")
            chip.setText(f"{active.text}  ✕")
            chip.setToolTip(f"Remove this filter: {active.text}")
            chip.setAccessibleName(f"Remove filter {active.text}")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _c=False, a=active: self._remove(a))
            self._layout.insertWidget(1 + index, chip)
            self.chips.append(chip)
        self.setVisible(bool(filters))
        self._fit(self.width())

    def _remove(self, active: ActiveFilter) -> None:
        self.removeRequested.emit(active.key, active.cleared)

    def visible_chips(self) -> list[QToolButton]:
        return [chip for chip in self.chips if not chip.isHidden()]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        """Show the chips that fit in one line; gather the rest under '+N more'."""
        margins = self._layout.contentsMargins()
        spacing = self._layout.spacing()
        self.caption.setVisible(width >= NARROW)  # narrow: the chips need the room more
        caption = self.caption.sizeHint().width() + spacing if width >= NARROW else 0
        room = width - margins.left() - margins.right() - caption
        room -= self.reset.sizeHint().width() + 2 * spacing
        more_width = self.more.sizeHint().width() + spacing
        hidden: list[ActiveFilter] = []
        used = 0
        for i, (chip, active) in enumerate(zip(self.chips, self.filters, strict=True)):
            need = chip.sizeHint().width() + spacing
            last = i == len(self.chips) - 1
            fits = not hidden and used + need + (0 if last else more_width) <= room
            chip.setVisible(fits)
            if fits:
                used += need
            else:
                hidden.append(active)
        menu = self.more.menu()
        menu.clear()
        for active in hidden:
            action = menu.addAction(f"Remove: {active.text}")
            action.triggered.connect(lambda _c=False, a=active: self._remove(a))
        self.more.setText(f"+{len(hidden)} more")
        self.more.setVisible(bool(hidden))
