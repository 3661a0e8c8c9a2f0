"""The filter panel: one control per `CenterFilter` criterion, and the place box.

The panel's whole state is a small JSON-able dict (`state()` / `set_state()`), which is what saved
searches and "restore the last search" store: the place is kept as the text the user typed and
resolved again when re-run, so a saved search never holds stale coordinates.

The place box resolves offline (`core.geo`) as the user types; an ambiguous or unknown place is
shown inline under the box — with the candidates as links to pick from — and the search runs
without distance meanwhile, never crashing and never guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    Specialty,
    SupportService,
    Therapy,
)
from directory_app.core.search.shapes import CenterFilter

TRIALS = [("Any", None), ("In a registered trial (any status)", "any"),
          ("A trial recruiting here (registry)", "recruiting"),
          ("No registered trials", "none")]  # fmt: skip
VERIFIED_WITHIN = [("Any time", None), ("Last 6 months", 6), ("Last 12 months", 12),
                   ("Last 24 months", 24)]
#: "Trial record updated in the last N months" (`CenterFilter.fresh_within_months`).
FRESH_WITHIN = [("Any date", None), ("Last 6 months", 6), ("Last 12 months", 12),
                ("Last 24 months", 24)]  # fmt: skip
UNKNOWN_VALUES = [("Keep, marked unknown", "keep"), ("Leave out", "drop")]
SORTS = [("Distance", "distance"), ("Name", "name"), ("Recently verified", "verified"),
         ("Most active trials", "trials")]
_log = logging.getLogger(__name__)
MAX_CANDIDATES = 8
#: State keys that are CenterFilter fields of the same name and meaning.
PASSED_THROUGH = (
    "kinds", "therapies", "conditions", "trials", "specialties", "services", "min_disciplines",
    "verified_only", "accreditations", "outpatient_only", "max_cost_usd", "insurance",
    "financial_assistance", "age", "exclude_red_flags", "verified_within_months",
    "fresh_within_months", "unknown",
    "sort",
)  # fmt: skip
KM_PER_MILE = 1.609344

if TYPE_CHECKING:
    from directory_app.core.geo import places as geo


def _geo() -> Any:
    """The offline gazetteer module, imported on first use: the window paints before it."""
    # In the function: the gazetteer loads after the window's first paint.
    from directory_app.core.geo import places as geo

    return geo


def _combo(name: str, choices: list[tuple[str, Any]]) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for text, value in choices:
        box.addItem(text, value)
    return box


def _check(text: str, name: str = "") -> QCheckBox:
    box = QCheckBox(text)
    box.setAccessibleName(name or text)
    return box


def _line(placeholder: str, name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.setAccessibleName(name)
    return edit


def _set_combo(box: QComboBox, value: Any) -> None:
    index = box.findData(value)
    box.setCurrentIndex(max(index, 0))


def _any_spin(name: str, maximum: int, special: str, step: int = 1, prefix: str = "") -> QSpinBox:
    """A spin box whose minimum means 'no limit' (shown as `special`)."""
    spin = QSpinBox()
    spin.setAccessibleName(name)
    spin.setRange(-1, maximum)
    spin.setSingleStep(step)
    spin.setSpecialValueText(special)
    spin.setPrefix(prefix)
    spin.setValue(-1)
    return spin


class CheckList(QListWidget):
    """A compact list of checkable vocabulary items (checked codes are the criterion)."""

    def __init__(self, name: str, vocab: Iterable[Any], visible_rows: int = 0) -> None:
        """`visible_rows` (0 = all) sets the height; longer lists scroll."""
        super().__init__()
        self.setAccessibleName(name)
        self.setUniformItemSizes(True)
        for member in vocab:
            item = QListWidgetItem(member.label)
            item.setData(Qt.ItemDataRole.UserRole, member.value)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        rows = min(visible_rows or self.count(), self.count())
        self.setFixedHeight(rows * max(self.sizeHintForRow(0), 1) + 2 * self.frameWidth() + 2)

    def checked(self) -> list[str]:
        return [str(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def mark_counts(self, labels: dict[str, str], counts: dict[str, int]) -> None:
        """Mark options no center in this directory carries: 'HSCT (allogeneic) (0)'.
        Signals are blocked: a relabelled item is not an edit and must not start a search."""
        blocker = QSignalBlocker(self)
        for i in range(self.count()):
            item = self.item(i)
            code = str(item.data(Qt.ItemDataRole.UserRole))
            empty = counts.get(code, 1) == 0
            item.setText(labels[code] + (" (0)" if empty else ""))
            item.setToolTip("No center in this directory lists this" if empty else "")
        del blocker

    def set_checked(self, codes: Iterable[str]) -> None:
        wanted = set(codes)
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class CheckRow(QWidget):
    """A few checkboxes in a row, for vocabularies of two or three members."""

    def __init__(self, name: str, vocab: Iterable[Any]) -> None:
        super().__init__()
        self.setAccessibleName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        for member in vocab:
            box = QCheckBox(member.label)
            box.setAccessibleName(f"{name}: {member.label}")
            layout.addWidget(box)
            self.boxes[member.value] = box

    def checked(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set_checked(self, codes: Iterable[str]) -> None:
        wanted = set(codes)
        for code, box in self.boxes.items():
            box.setChecked(code in wanted)


class FilterPanel(QWidget):
    """Every search criterion. Emits `changed` on any edit (the window debounces)."""

    changed = Signal()
    unitChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.place: geo.Place | None = None  # set by resolve_place()
        self.place_error: str | None = None
        self._resolved_text: str | None = None
        self._candidates: list[str] = []
        self._unit = "mi"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self._build_search())
        outer.addWidget(self._build_center())
        outer.addWidget(self._build_team())
        outer.addWidget(self._build_practical())
        outer.addWidget(self._build_quality())
        self.reset_button = QPushButton("Clear all filters")
        self.reset_button.setAccessibleName("Clear all filters")
        self.reset_button.clicked.connect(self.reset)
        outer.addWidget(self.reset_button)
        outer.addStretch(1)
        self._defaults = self.state()
        self._connect_changes()

    # ------------------------------------------------------------------- construction
    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return box, form

    @staticmethod
    def _titled(form: QFormLayout, checklist: CheckList) -> CheckList:
        """A checklist under its own title line (the full panel width is the list's)."""
        form.addRow(QLabel(checklist.accessibleName()))
        form.addRow(checklist)
        return checklist

    def _build_search(self) -> QGroupBox:
        box, form = self._group("Search")
        self.text_edit = _line("Name, city, therapy or condition", "Search text")
        form.addRow("&Text", self.text_edit)
        self.place_edit = _line("ZIP, city or 'lat, lon'", "Near place")
        self._completions = QStringListModel(self)
        completer = QCompleter(self._completions, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.place_edit.setCompleter(completer)
        self.place_edit.textEdited.connect(self._complete)
        form.addRow("&Near", self.place_edit)
        self.place_message = QLabel()
        self.place_message.setWordWrap(True)
        self.place_message.setTextFormat(Qt.TextFormat.RichText)
        self.place_message.setAccessibleName("Place message")
        self.place_message.setStyleSheet("color: #8a4b00;")
        self.place_message.linkActivated.connect(self._pick_candidate)
        self.place_message.hide()
        form.addRow(self.place_message)
        row = QHBoxLayout()
        self.radius_spin = QDoubleSpinBox()
        self.radius_spin.setAccessibleName("Radius")
        self.radius_spin.setRange(0, 20000)
        self.radius_spin.setDecimals(0)
        self.radius_spin.setSingleStep(25)
        self.radius_spin.setSpecialValueText("any distance")
        self.unit_combo = _combo("Distance unit", [("mi", "mi"), ("km", "km")])
        row.addWidget(self.radius_spin, 1)
        row.addWidget(self.unit_combo)
        within = QLabel("&Within")
        within.setBuddy(self.radius_spin)
        form.addRow(within, row)
        self.sort_combo = _combo("Sort by", SORTS)
        form.addRow("&Sort by", self.sort_combo)
        return box

    def _build_center(self) -> QGroupBox:
        box, form = self._group("Center and treatment")
        self.kinds = CheckRow("Center kind", CenterKind)
        form.addRow("Kind", self.kinds)
        self.therapies = self._titled(form, CheckList("Therapies (any of)", Therapy))
        self.conditions = self._titled(form, CheckList("Conditions (any of)", Condition, 7))
        self.trials_combo = _combo("Trial participation", TRIALS)
        form.addRow("T&rials", self.trials_combo)
        return box

    def _build_team(self) -> QGroupBox:
        box, form = self._group("Multidisciplinary care")
        self.specialties = self._titled(form, CheckList("Specialties (has all of)", Specialty, 6))
        self.services = self._titled(
            form, CheckList("Support services (has all of)", SupportService, 6))
        self.min_disciplines = QSpinBox()
        self.min_disciplines.setAccessibleName("At least this many disciplines")
        self.min_disciplines.setRange(0, 20)
        self.min_disciplines.setSpecialValueText("any number")
        self.min_disciplines.setSuffix(" disciplines")
        form.addRow("At least", self.min_disciplines)
        self.verified_only = _check("Count verified facts only")
        form.addRow(self.verified_only)
        self.accreditations = CheckRow("Accreditation", Accreditation)
        form.addRow("Accreditation", self.accreditations)
        return box

    def _build_practical(self) -> QGroupBox:
        box, form = self._group("Setting, cost and eligibility")
        self.outpatient_only = _check("Outpatient treatment", "Outpatient treatment only")
        form.addRow(self.outpatient_only)
        self.max_cost = _any_spin("Maximum cost in US dollars", 2_000_000, "any cost", 5000, "$")
        form.addRow("Cost up to", self.max_cost)
        self.insurance = _check("Accepts insurance")
        self.financial = _check("Offers financial assistance")
        form.addRow(self.insurance)
        form.addRow(self.financial)
        self.age_spin = _any_spin("Patient age in years", 120, "any age")
        form.addRow("Patient &age", self.age_spin)
        return box

    def _build_quality(self) -> QGroupBox:
        box, form = self._group("Safety and data quality")
        self.exclude_flags = _check("Hide centers with red flags")
        form.addRow(self.exclude_flags)
        self.verified_within = _combo("Verified within", VERIFIED_WITHIN)
        form.addRow("Verified", self.verified_within)
        self.fresh_within = _combo("Trial record updated in the last", FRESH_WITHIN)
        self.fresh_within.setToolTip(
            "Keep only centers with a trial whose registry record was updated in this time: a "
            "status from an older record may have changed since"
        )
        form.addRow("Trial record", self.fresh_within)
        self.unknown_combo = _combo("Centers with unknown values", UNKNOWN_VALUES)
        form.addRow("If unknown", self.unknown_combo)
        return box

    def _connect_changes(self) -> None:
        def emit(*_args: object) -> None:
            self.changed.emit()

        for edit in (self.text_edit, self.place_edit):
            edit.textChanged.connect(emit)
        for spin in (self.radius_spin, self.min_disciplines, self.max_cost, self.age_spin):
            spin.valueChanged.connect(emit)
        for combo in (self.sort_combo, self.trials_combo, self.verified_within,
                      self.fresh_within, self.unknown_combo):
            combo.currentIndexChanged.connect(emit)
        for check in (self.verified_only, self.outpatient_only, self.insurance, self.financial,
                      self.exclude_flags, *self.kinds.boxes.values(),
                      *self.accreditations.boxes.values()):
            check.toggled.connect(emit)
        for lst in (self.therapies, self.conditions, self.specialties, self.services):
            lst.itemChanged.connect(emit)
        self.unit_combo.currentIndexChanged.connect(self._unit_changed)

    # ----------------------------------------------------------------------- state
    @property
    def unit(self) -> str:
        return self._unit

    def _bindings(self) -> dict[str, tuple[Callable[[], Any], Callable[[Any], None]]]:
        """State key -> (read the control, set the control); one line per criterion."""
        def text(edit: QLineEdit) -> tuple[Callable[[], Any], Callable[[Any], None]]:
            return edit.text, lambda v: edit.setText(str(v or ""))

        def check(box: QCheckBox) -> tuple[Callable[[], Any], Callable[[Any], None]]:
            return box.isChecked, lambda v: box.setChecked(bool(v))

        def combo(box: QComboBox) -> tuple[Callable[[], Any], Callable[[Any], None]]:
            return box.currentData, lambda v: _set_combo(box, v)

        def codes(w: CheckList | CheckRow) -> tuple[Callable[[], Any], Callable[[Any], None]]:
            return w.checked, lambda v: w.set_checked(v or [])

        def optional(spin: QSpinBox) -> tuple[Callable[[], Any], Callable[[Any], None]]:
            return (lambda: None if spin.value() < 0 else spin.value(),
                    lambda v: spin.setValue(-1 if v is None else int(v)))

        r, m = self.radius_spin, self.min_disciplines
        return {  # "unit" before "radius": setting the unit must not convert a stored radius
            "text": text(self.text_edit), "place": text(self.place_edit),
            "unit": combo(self.unit_combo), "radius": (r.value, lambda v: r.setValue(v or 0)),
            "sort": combo(self.sort_combo), "kinds": codes(self.kinds),
            "therapies": codes(self.therapies), "conditions": codes(self.conditions),
            "trials": combo(self.trials_combo), "specialties": codes(self.specialties),
            "services": codes(self.services),
            "min_disciplines": (m.value, lambda v: m.setValue(int(v or 0))),
            "verified_only": check(self.verified_only),
            "accreditations": codes(self.accreditations),
            "outpatient_only": check(self.outpatient_only), "max_cost_usd": optional(self.max_cost),
            "insurance": check(self.insurance), "financial_assistance": check(self.financial),
            "age": optional(self.age_spin), "exclude_red_flags": check(self.exclude_flags),
            "verified_within_months": combo(self.verified_within),
            "fresh_within_months": combo(self.fresh_within),
            "unknown": combo(self.unknown_combo),
        }

    def state(self) -> dict[str, Any]:
        """Everything the user set, as JSON-able values (what saved searches store)."""
        return {key: get() for key, (get, _set) in self._bindings().items()}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a state (missing keys take their defaults); emits `changed` once."""
        values = {**getattr(self, "_defaults", {}), **state}
        blockers = [QSignalBlocker(w) for w in self.findChildren(QWidget)]
        try:
            for key, (_get, set_value) in self._bindings().items():
                if key in values:
                    set_value(values[key])
            self._unit = str(self.unit_combo.currentData())
        finally:
            del blockers
        self.unitChanged.emit(self._unit)
        self.changed.emit()

    @property
    def defaults(self) -> dict[str, Any]:
        """The state of an untouched panel (what 'Reset filters' returns to)."""
        return dict(self._defaults)

    def reset(self) -> None:
        self.set_state(self._defaults)

    def mark_empty_options(self, counts: dict[str, dict[str, int]]) -> None:
        """Mark, in each fact list, the options that match no center (`relax.option_counts`)."""
        for name, vocab in (("therapies", Therapy), ("conditions", Condition),
                            ("specialties", Specialty), ("services", SupportService)):  # fmt: skip
            labels = {m.value: m.label for m in vocab}
            getattr(self, name).mark_counts(labels, counts.get(name, {}))

    def relax(self, field: str, value: Any) -> None:
        """Set one criterion as a relax suggestion changed it (`core.search.relax`): a
        CenterFilter field and its new value; emits `changed` once."""
        state = self.state()
        if field == "radius_km":
            unit_km = KM_PER_MILE if self._unit == "mi" else 1.0
            state["radius"] = 0 if value is None else round(float(value) / unit_km)
        elif field in state:
            state[field] = sorted(value) if isinstance(value, frozenset) else value
        else:
            return
        self.set_state(state)

    def filter(self, limit: int | None = None) -> CenterFilter:
        """The CenterFilter for the current controls (the place resolved offline, if it can)."""
        s = self.state()
        place = self.resolve_place()
        radius = float(s["radius"])
        radius_km = radius * KM_PER_MILE if s["unit"] == "mi" else radius
        return CenterFilter(
            text=s["text"].strip(),
            origin=(place.latitude, place.longitude) if place else None,
            radius_km=radius_km if place and radius > 0 else None,
            limit=limit, units=s["unit"], **{key: s[key] for key in PASSED_THROUGH},
        )

    # ----------------------------------------------------------------------- place
    def resolve_place(self) -> geo.Place | None:
        """Resolve the place box (cached per text); show what went wrong under the box."""
        text = self.place_edit.text().strip()
        if text == self._resolved_text:
            return self.place
        self._resolved_text, self.place, self.place_error = text, None, None
        self._candidates = []
        if text:
            geo = _geo()
            try:
                self.place = geo.resolve_place(text)
            except geo.AmbiguousPlace as exc:
                self._candidates = [c.label for c in exc.candidates[:MAX_CANDIDATES]]
                self.place_error = f"{text!r} matches several places"
            except (geo.PlaceError, OSError) as exc:
                self.place_error = str(exc)
            except Exception:  # a bug in the lookup must not take the window down
                _log.exception("place box: cannot resolve %r", text)
                self.place_error = f"cannot look up {text!r}; try a ZIP code or 'lat, lon'"
        self._show_place_message()
        return self.place

    def _show_place_message(self) -> None:
        if self.place_error is None:
            self.place_message.hide()
            return
        from html import escape

        if self._candidates:
            links = ", ".join(f'<a href="pick:{i}">{escape(c)}</a>'
                              for i, c in enumerate(self._candidates))
            body = f"{escape(self.place_error)} — choose one: {links}"
        else:
            body = escape(self.place_error)
        self.place_message.setText(body + "<br><i>Showing results without distance.</i>")
        self.place_message.show()

    def _pick_candidate(self, href: str) -> None:
        try:
            choice = self._candidates[int(href.removeprefix("pick:"))]
        except (ValueError, IndexError):
            return
        self.place_edit.setText(choice)

    def _complete(self, text: str) -> None:
        geo = _geo()
        try:
            self._completions.setStringList(geo.complete_place(text, limit=10))
        except Exception:  # no suggestions is an acceptable answer to anything
            self._completions.setStringList([])

    def _unit_changed(self) -> None:
        unit = str(self.unit_combo.currentData())
        if unit == self._unit:
            return
        factor = KM_PER_MILE if unit == "km" else 1 / KM_PER_MILE
        self._unit = unit
        with QSignalBlocker(self.radius_spin):
            self.radius_spin.setValue(round(self.radius_spin.value() * factor))
        self.unitChanged.emit(unit)
        self.changed.emit()
