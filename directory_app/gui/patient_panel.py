"""The Patient tab: "who can take this patient?" A profile in, ranked centers and trial sites
out, each row with its fits / does not fit / unknown summary and, below, the per-criterion
explanation with sources and the trials' eligibility lists.

The profile lives in the form only. Nothing of it is written anywhere (not the settings, not
the database) unless the user presses "Save profile…" and picks a file, and a profile has no
name field: the app holds no patient identity. Matching and its words are core's
(`core.matching`); this widget only lays them out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory.vocab import Condition
from directory_app.core.matching.profile import SEXES, MatchError, PatientProfile

if TYPE_CHECKING:  # the window paints before SQLAlchemy is imported
    from directory_app.core.matching.matcher import CenterMatch
    from directory_app.core.storage.opening import Store

COLUMNS = ("#", "Center or trial site", "Distance", "Fit", "Trials that fit")
PRIVACY_NOTE = (
    "Nothing about the patient is kept: the profile is forgotten when the app closes unless "
    "you save it to a file. A profile has no name."
)
MATCH_LIMIT = 50
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def _spin(name: str, maximum: int, special: str, step: int = 1, prefix: str = "") -> QSpinBox:
    """A spin box whose minimum means 'not given' (shown as `special`)."""
    spin = QSpinBox()
    spin.setAccessibleName(name)
    spin.setRange(-1, maximum)
    spin.setSingleStep(step)
    spin.setSpecialValueText(special)
    spin.setPrefix(prefix)
    spin.setValue(-1)
    return spin


def _given(spin: QSpinBox) -> int | None:
    return None if spin.value() < 0 else spin.value()


def _matching() -> Any:
    """The matcher and its words, imported on first use."""
    # In the function: both load SQLAlchemy, and the window paints before it.
    from directory_app.core.matching import explain, matcher

    return matcher, explain


class PatientPanel(QWidget):
    """Profile form on the left; ranked answers and the selected one's explanation on the
    right. `centerActivated` carries a center's id when a center row is double-clicked."""

    centerActivated = Signal(int)
    matched = Signal(int)  # how many answers the last match gave
    sheetWritten = Signal(str, int)  # the referral sheet's path and page count

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.results: list[CenterMatch] = []
        self.units = "mi"
        self.save_path_chooser: Callable[[], str] = self._choose_save_path
        self.open_path_chooser: Callable[[], str] = self._choose_open_path
        self.sheet_path_chooser: Callable[[], str] = self._choose_sheet_path
        self._matched_profile: PatientProfile | None = None
        self._build()

    # ------------------------------------------------------------------------- layout
    def _build(self) -> None:
        form_page = QWidget()
        form = QFormLayout(form_page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.age = _spin("Patient age in years", 120, "not given")
        form.addRow("&Age", self.age)
        self.sex = QComboBox()
        self.sex.setAccessibleName("Patient sex")
        self.sex.addItem("not given", None)
        for s in SEXES:
            self.sex.addItem(s.capitalize(), s)
        form.addRow("&Sex", self.sex)
        self.condition = QComboBox()
        self.condition.setAccessibleName("Condition")
        self.condition.addItem("not given", None)
        for code in Condition.codes():
            self.condition.addItem(Condition.label_of(code), code)
        form.addRow("&Condition", self.condition)
        self.failed = _spin("Conventional treatments that failed", 30, "not given")
        form.addRow("&Failed treatments", self.failed)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Disease course and severity")
        self.notes.setPlaceholderText("Course, severity (e.g. relapsing, EDSS 4); "
                                      "no names or dates of birth")  # fmt: skip
        self.notes.setFixedHeight(64)
        form.addRow("Course / &notes", self.notes)
        self.place = QLineEdit()
        self.place.setAccessibleName("Where the patient lives")
        self.place.setPlaceholderText("ZIP, 'City, ST' or 'lat, lon'")
        form.addRow("&Lives in", self.place)
        self.place_message = QLabel()
        self.place_message.setWordWrap(True)
        self.place_message.setStyleSheet("color: #b71c1c;")
        self.place_message.hide()
        form.addRow(self.place_message)
        travel = QHBoxLayout()
        self.radius = _spin("How far the patient can travel", 10_000, "any distance", 50)
        self.unit = QComboBox()
        self.unit.setAccessibleName("Distance unit")
        self.unit.addItems(["mi", "km"])
        travel.addWidget(self.radius, 1)
        travel.addWidget(self.unit)
        travel_label = QLabel("Can t&ravel")
        travel_label.setBuddy(self.radius)
        form.addRow(travel_label, travel)
        self.insurance = QCheckBox("Wants to use &insurance")
        form.addRow(self.insurance)
        self.max_cost = _spin("Most the patient can pay out of pocket", 10_000_000, "not given",
                              1000, "$")  # fmt: skip
        self.max_cost.setGroupSeparatorShown(True)
        form.addRow("&Most they can pay", self.max_cost)
        self.match_button = QPushButton("&Find who can take this patient")
        self.match_button.setDefault(True)
        self.match_button.clicked.connect(self.run_match)
        form.addRow(self.match_button)
        files = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.save_button = QPushButton("Save profile…")
        self.save_button.setToolTip("Save the profile's fields (no name) to a file you choose")
        self.save_button.clicked.connect(self.save_profile)
        self.open_button = QPushButton("Open profile…")
        self.open_button.clicked.connect(self.open_profile)
        for b in (self.clear_button, self.save_button, self.open_button):
            files.addWidget(b)
        form.addRow(files)
        self.sheet_button = QPushButton("Referral &sheet for this patient…")
        self.sheet_button.setEnabled(False)
        self.sheet_button.clicked.connect(self.write_sheet)
        form.addRow(self.sheet_button)
        note = QLabel(PRIVACY_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        form.addRow(note)
        scroll = QScrollArea()
        scroll.setWidget(form_page)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)
        scroll.setMaximumWidth(380)
        scroll.setAccessibleName("Patient profile")

        self.heading = QLabel("Fill in what is known about the patient, then Find.")
        self.heading.setWordWrap(True)
        self.heading.setContentsMargins(6, 4, 6, 4)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Centers and trial sites for this patient")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.currentItemChanged.connect(self._selected)
        self.tree.itemDoubleClicked.connect(self._activated)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col, width in enumerate((30, 230, 76, 210)):
            header.resizeSection(col, width)
        self.explanation = QTextBrowser()
        self.explanation.setAccessibleName("Why this answer fits or not")
        self.explanation.setOpenExternalLinks(False)
        self.explanation.setPlaceholderText("Select an answer to see each criterion, its "
                                            "source, and the trials' eligibility.")  # fmt: skip
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.explanation)
        split.setSizes([260, 340])
        box.addWidget(split, 1)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        outer.addWidget(right, 1)

    # -------------------------------------------------------------------------- profile
    def values(self) -> dict[str, Any]:
        """The form as a saved profile's fields (see `explain.PROFILE_KEYS`)."""
        return {
            "age": _given(self.age), "sex": self.sex.currentData(),
            "condition": self.condition.currentData(), "failed_treatments": _given(self.failed),
            "notes": self.notes.toPlainText(), "place": self.place.text().strip(),
            "radius": _given(self.radius) or None, "units": self.unit.currentText(),
            "insurance": self.insurance.isChecked(), "max_cost_usd": _given(self.max_cost),
        }  # fmt: skip

    def set_values(self, v: dict[str, Any]) -> None:
        self.age.setValue(-1 if v.get("age") is None else int(v["age"]))
        self.sex.setCurrentIndex(max(0, self.sex.findData(v.get("sex"))))
        self.condition.setCurrentIndex(max(0, self.condition.findData(v.get("condition"))))
        failed = v.get("failed_treatments")
        self.failed.setValue(-1 if failed is None else int(failed))
        self.notes.setPlainText(str(v.get("notes") or ""))
        self.place.setText(str(v.get("place") or ""))
        self.radius.setValue(int(v.get("radius") or -1))
        self.unit.setCurrentText(str(v.get("units") or "mi"))
        self.insurance.setChecked(bool(v.get("insurance")))
        cost = v.get("max_cost_usd")
        self.max_cost.setValue(-1 if cost is None else int(cost))

    def profile(self) -> PatientProfile:
        """The profile the form describes; MatchError (shown under the place) when the place
        cannot be found."""
        v = self.values()
        origin, radius_km = None, None
        self.place_message.hide()
        if v["place"]:
            # In the function: the gazetteer loads after the window's first paint.
            from directory_app.core.geo import places as geo

            try:
                p = geo.resolve_place(v["place"])
            except (geo.PlaceError, OSError) as exc:
                self.place_message.setText(str(exc))
                self.place_message.show()
                raise MatchError(f"place: {exc}") from None
            origin = (p.latitude, p.longitude)
            if v["radius"]:
                radius_km = v["radius"] * (1.0 if v["units"] == "km" else geo.KM_PER_MILE)
        return PatientProfile(
            age=v["age"], sex=v["sex"], condition=v["condition"],
            failed_treatments=v["failed_treatments"], notes=v["notes"], origin=origin,
            radius_km=radius_km, insurance=v["insurance"], max_cost_usd=v["max_cost_usd"],
        )  # fmt: skip

    def clear(self) -> None:
        self.set_values({})
        self.results = []
        self.tree.clear()
        self.explanation.clear()
        self.sheet_button.setEnabled(False)
        self._matched_profile = None
        self.heading.setText("Fill in what is known about the patient, then Find.")

    def save_profile(self) -> None:
        path = self.save_path_chooser()
        if path:
            _matching()[1].write_profile_file(path, self.values())
            self.heading.setText(f"Profile saved (no name) to {path}.")

    def open_profile(self) -> None:
        path = self.open_path_chooser()
        if not path:
            return
        try:
            self.set_values(_matching()[1].read_profile_file(path))
        except MatchError as exc:
            self.heading.setText(f"<span style='color:#b71c1c'>{exc}</span>")

    def write_sheet(self) -> None:
        """The patient's referral sheet (PDF) for the chosen answers (see `chosen`), with
        the profile that was matched, to a file the user picks."""
        chosen = self.chosen()
        if self.store is None or not chosen or self._matched_profile is None:
            return
        path = self.sheet_path_chooser()
        if not path:
            return
        # In the function: the PDF writer and its layout load only when a sheet is made.
        from directory_app.report import patient_sheet as ps

        lines = ps.profile_lines(self._matched_profile, self.place.text().strip(), self.units)
        with self.store.session() as s:
            sheet = ps.build_patient_sheet(s, chosen, lines, units=self.units)
        count = ps.write_patient_sheet(sheet, path)
        self.heading.setText(f"Referral sheet for {len(chosen)} answers written to {path} "
                             f"({count} page{'s' * (count != 1)}).")  # fmt: skip
        self.sheetWritten.emit(path, count)

    def _choose_sheet_path(self) -> str:
        return QFileDialog.getSaveFileName(self, "Referral sheet for this patient",
                                           "referral-sheet.pdf", "PDF (*.pdf)")[0]  # fmt: skip

    def _choose_save_path(self) -> str:
        return QFileDialog.getSaveFileName(self, "Save patient profile", "profile.json",
                                           "Profile (*.json)")[0]  # fmt: skip

    def _choose_open_path(self) -> str:
        return QFileDialog.getOpenFileName(self, "Open patient profile", "",
                                           "Profile (*.json)")[0]  # fmt: skip

    # ---------------------------------------------------------------------------- match
    def run_match(self) -> None:
        """Match the profile against the directory and list the answers, best fit first."""
        if self.store is None:
            return
        matcher, explain = _matching()
        try:
            profile = self.profile()
            self.units = self.unit.currentText()
            with self.store.session() as s:
                self.results = matcher.match(s, profile, limit=MATCH_LIMIT, units=self.units)
            self._matched_profile = profile
        except MatchError as exc:
            self.heading.setText(f"<span style='color:#b71c1c'>{exc}</span>")
            return
        self.tree.clear()
        for i, m in enumerate(self.results, 1):
            fitting = ", ".join(t.nct_id for t in m.fitting_trials) or "—"
            item = QTreeWidgetItem([str(i), m.name, explain.distance_text(m, self.units),
                                    explain.summary(m), fitting])  # fmt: skip
            item.setData(0, ROW_ROLE, i - 1)
            item.setToolTip(1, m.name)
            if m.fails:
                item.setForeground(3, Qt.GlobalColor.darkRed)
            self.tree.addTopLevelItem(item)
        clean = sum(1 for m in self.results if not m.fails)
        self.heading.setText(
            f"<b>{len(self.results)}</b> answers, best fit first: <b>{clean}</b> with nothing "
            "that does not fit. Unknown means the record cannot say: ask the center."
            if self.results else "No center or trial site in reach links to this condition."
        )
        self.sheet_button.setEnabled(bool(self.results))
        if self.results:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.matched.emit(len(self.results))

    def chosen(self) -> list[CenterMatch]:
        """The answers selected for the referral sheet: the selected rows, else those with
        nothing that does not fit (at most ten)."""
        rows = [self.results[i.data(0, ROW_ROLE)] for i in self.tree.selectedItems()]
        if len(rows) > 1:
            return rows
        return [m for m in self.results if not m.fails][:10] or rows

    def _selected(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            self.explanation.clear()
            return
        m = self.results[item.data(0, ROW_ROLE)]
        self.explanation.setHtml(_matching()[1].explanation_html(m, self.units))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        m = self.results[item.data(0, ROW_ROLE)]
        if m.center_id is not None:
            self.centerActivated.emit(m.center_id)
