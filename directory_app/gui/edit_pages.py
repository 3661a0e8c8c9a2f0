"""The eight pages of the center editor, built once and then only read and written by
`edit_dialog.CenterEditDialog`.

Every labelled field is registered under its exchange-form name with its label's words, so the
dialog can load and read fields generically, name them in problem messages, and give screen
readers the same words a sighted user reads. Labels carry mnemonics chosen not to clash with
each other or with the tab titles on the same page (a test checks this).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory import vocab

from .edit_widgets import (
    CheckGrid,
    CodeCombo,
    Column,
    NumberEdit,
    RowsEditor,
    TherapyGrid,
    TriStateCombo,
    plain,
)

PRIVACY_HINT = "No patient identifiers: this directory describes centers, not patients."
TAB_TITLES = (
    "&Identity && place", "Co&ntact", "&Treatment", "Care t&eam", "&Setting && eligibility",
    "&Costs && insurance", "&Accreditation && red flags", "N&otes",
)  # fmt: skip


class FieldMessage(QLabel):
    """The reason a field's value is refused, shown right under the field (not only in a
    tooltip); its form row takes no room while there is nothing to say."""

    def __init__(self, form: QFormLayout, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldMessage")
        # One line: a wrapped label in a form row is given too little height and clips.
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._form = form
        form.addRow(QLabel("", parent), self)
        form.setRowVisible(self, False)

    def say(self, text: str) -> None:
        """Show `text` under the field, or take the row away when `text` is empty."""
        self.setText(text)
        self._form.setRowVisible(self, bool(text))


class CenterPages:
    """Builds the editor's pages; `fields` maps field names to their input widgets."""

    def __init__(self) -> None:
        self.fields: dict[str, QWidget] = {}
        self.names: dict[str, str] = {}
        #: Under each field, the line that says why its value is refused (row hidden when fine).
        self.messages: dict[str, FieldMessage] = {}
        self.pages: list[QWidget] = [
            self.identity_page(), self.contact_page(), self.treatment_page(), self.team_page(),
            self.setting_page(), self.costs_page(), self.quality_page(), self.notes_page(),
        ]  # fmt: skip

    def _register(self, form: QFormLayout, field: str, label: str, widget: QWidget) -> None:
        """Add a labelled row: the label's mnemonic focuses the field, and the field is known
        by the label's words to screen readers and in problem messages."""
        caption = QLabel(label, widget.parentWidget())
        caption.setBuddy(widget)
        form.addRow(caption, widget)
        widget.setAccessibleName(plain(label))
        self.fields[field] = widget
        self.names[field] = plain(label)
        self.messages[field] = FieldMessage(form, widget.parentWidget())

    def _form_page(self, *, fill: bool = False) -> tuple[QWidget, QFormLayout]:
        """A page holding a form; rows stay together at the top unless a field should `fill`
        the height (a notes box)."""
        page = QWidget()
        outer = QVBoxLayout(page)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(form, 1 if fill else 0)
        if not fill:
            outer.addStretch(1)
        return page, form

    @staticmethod
    def _scrolling(page: QWidget) -> QScrollArea:
        """Pages whose rows grow (contacts, red flags) scroll instead of squeezing."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        scroll.viewport().setAutoFillBackground(False)
        page.setAutoFillBackground(False)
        return scroll

    def _line(self, page: QWidget, placeholder: str = "", width: int | None = None) -> QLineEdit:
        edit = QLineEdit(page)
        edit.setPlaceholderText(placeholder)
        if width:
            edit.setMaximumWidth(width)
        return edit

    def identity_page(self) -> QWidget:
        page, form = self._form_page()
        self._register(form, "name", "Na&me", self._line(page, "required"))
        self._register(form, "kind", "&Kind", CodeCombo(vocab.CenterKind, parent=page))
        self._register(form, "address", "Add&ress", self._line(page, "street and number"))
        self._register(form, "city", "Cit&y", self._line(page, width=360))
        self._register(form, "region", "State / re&gion", self._line(page, width=360))
        self._register(form, "postal_code", "&Postal code", self._line(page, width=160))
        self._register(form, "country", "Co&untry", self._line(page, width=360))
        for field, label, example in (("latitude", "&Latitude", "41.8955"),
                                      ("longitude", "Longitu&de", "-87.6217")):
            edit = NumberEdit(integer=False, parent=page)
            edit.setMaximumWidth(160)
            edit.setToolTip(f"Decimal degrees, e.g. {example}; leave both empty if unknown")
            self._register(form, field, label, edit)
        hint = QLabel("Decimal degrees: latitude −90 to 90, longitude −180 to 180. Leave both "
                      "empty if unknown;\ndistance searches then leave this center out.", page)
        hint.setObjectName("fieldHint")
        form.addRow("", hint)
        return page

    def contact_page(self) -> QWidget:
        page, form = self._form_page()
        self._register(form, "phone", "P&hone", self._line(page, "+1 312 555 0100", width=260))
        self._register(form, "email", "E&mail", self._line(page, "referrals@example.org"))
        self._register(form, "website", "&Website", self._line(page, "https://…"))
        self.contacts = RowsEditor(
            "Contact",
            [Column("role", "Role", vocab.ContactRole, 2), Column("name", "Name", stretch=3),
             Column("phone", "Phone", stretch=2), Column("email", "Email", stretch=3)],
            "A&dd contact", "No named contacts yet.", page,
        )  # fmt: skip
        box = QGroupBox("People to contact", page)
        QVBoxLayout(box).addWidget(self.contacts)
        form.addRow(box)
        return self._scrolling(page)

    def treatment_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QGroupBox("Therapies offered", page)
        self.therapies = TherapyGrid(vocab.Therapy, vocab.Delivery, left)
        QVBoxLayout(left).addWidget(self.therapies)
        right = QGroupBox("Conditions treated", page)
        self.conditions = CheckGrid(vocab.Condition, columns=2, parent=right)
        QVBoxLayout(right).addWidget(self.conditions)
        layout.addWidget(left, 2)
        layout.addWidget(right, 3)
        return page

    def team_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QGroupBox("Specialties on the care team", page)
        self.specialties = CheckGrid(vocab.Specialty, columns=1, parent=left)
        QVBoxLayout(left).addWidget(self.specialties)
        right = QGroupBox("Support services", page)
        self.services = CheckGrid(vocab.SupportService, columns=1, parent=right)
        QVBoxLayout(right).addWidget(self.services)
        layout.addWidget(left)
        layout.addWidget(right)
        return page

    def setting_page(self) -> QWidget:
        page, form = self._form_page(fill=True)
        self._register(form, "setting", "Settin&g", CodeCombo(vocab.Setting, parent=page))
        for field, label in (("typical_stay_days", "T&ypical stay (days)"),
                             ("age_min", "Minimu&m age (years)"),
                             ("age_max", "Ma&ximum age (years)")):
            edit = NumberEdit(integer=True, parent=page)
            edit.setMaximumWidth(120)
            self._register(form, field, label, edit)
        self._register(form, "requires_failed_conventional",
                       "&Requires failed conventional treatment", TriStateCombo(page))
        notes = QPlainTextEdit(page)
        notes.setPlaceholderText("Criteria in the center's words; no patient details")
        self._register(form, "eligibility_notes", "E&ligibility notes", notes)
        return page

    def costs_page(self) -> QWidget:
        page, form = self._form_page()
        for field, label in (("cost_min_usd", "&Lowest cost (USD)"),
                             ("cost_max_usd", "&Highest cost (USD)")):
            edit = NumberEdit(integer=True, grouped=True, parent=page)
            edit.setMaximumWidth(160)
            self._register(form, field, label, edit)
        self._register(form, "insurance_accepted", "Ins&urance accepted", TriStateCombo(page))
        notes = QPlainTextEdit(page)
        notes.setPlaceholderText("Which insurers or plans, prior authorisation, …")
        notes.setMaximumHeight(110)
        self._register(form, "insurance_notes", "Insurance &details", notes)
        self._register(form, "payment_plans", "&Payment plans", TriStateCombo(page))
        self._register(form, "financial_assistance", "&Financial assistance", TriStateCombo(page))
        self._register(form, "trial_reduced_cost", "Reduced cost in t&rials", TriStateCombo(page))
        return page

    def quality_page(self) -> QWidget:
        page, form = self._form_page()
        self._register(form, "accreditation", "Accre&ditation",
                       CodeCombo(vocab.Accreditation, "None known", page))
        self._register(form, "accreditation_scope", "Sco&pe",
                       self._line(page, "e.g. adult autologous and allogeneic HSCT"))
        self.red_flags = RowsEditor(
            "Red flag",
            [Column("kind", "Concern", vocab.RedFlagKind, 3),
             Column("description", "What was found", stretch=5),
             Column("evidence_url", "Evidence link", stretch=4, placeholder="https://…")],
            "Add red &flag", "No red flags recorded.", page,
        )  # fmt: skip
        box = QGroupBox("Red flags (warnings a coordinator should see)", page)
        QVBoxLayout(box).addWidget(self.red_flags)
        form.addRow(box)
        return self._scrolling(page)

    def notes_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = QLabel(PRIVACY_HINT, page)
        hint.setObjectName("privacyHint")
        hint.setWordWrap(True)
        icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        hint.setAccessibleName(PRIVACY_HINT)
        caption = QLabel("Notes a&bout the center", page)
        notes = QPlainTextEdit(page)
        caption.setBuddy(notes)
        notes.setAccessibleName("Notes about the center")
        notes.setAccessibleDescription(PRIVACY_HINT)
        self.fields["notes"] = notes
        self.names["notes"] = "Notes"
        row = QHBoxLayout()
        pic = QLabel(page)
        pic.setPixmap(icon.pixmap(20, 20))
        row.addWidget(pic)
        row.addWidget(hint, 1)
        layout.addLayout(row)
        layout.addWidget(caption)
        layout.addWidget(notes, 1)
        return page
