"""The dialog for adding or editing one center, with every fact the directory keeps about it.

It edits the exchange form (`core.exchange.center_to_dict`) and returns it from `result_data()`;
saving, verification stamps and conflicts belong to `core.editing`, run by the window through an
undo command. Validation is `core.validation`, run on every change: invalid fields get a red
border, the problems are listed under the tabs (activate one to jump to its field), and Save
stays disabled until there are none.
"""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory import vocab
from directory_app.core.directory.validation import FieldError, validate_center
from directory_app.core.exchange.directory_form import CHILDREN

from .edit_pages import TAB_TITLES, CenterPages
from .edit_widgets import CodeCombo, NumberEdit, TriStateCombo
from .verify_sections import SectionChecks
from .wheel_guard import install_wheel_guard

INVALID_STYLE = """
*[invalid="true"] { border: 2px solid #c62828; border-radius: 3px; }
QLabel#fieldHint { font-style: italic; }
QLabel#fieldMessage { color: #b71c1c; }
QLabel#privacyHint { background: #fff4ce; color: #3d3000; border: 1px solid #e0c060;
                     border-radius: 4px; padding: 6px 8px; }
"""
CHILD_RE = re.compile(r"(\w+)\[(\d+)\](?:\.(\w+))?")
CHILD_NOUNS = {"therapies": "Therapy", "conditions": "Condition", "team": "Care team",
               "contacts": "Contact", "red_flags": "Red flag", "trials": "Trial link"}


class CenterEditDialog(QDialog):
    """Add (`data=None`) or edit one center; read the outcome with `result_data()`."""

    def __init__(self, data: dict[str, Any] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_wheel_guard()  # scrolling a long page never changes a drop-down on it
        self._original: dict[str, Any] = deepcopy(data) if data else {}
        self._errors: list[FieldError] = []
        self._marked: list[QWidget] = []  # widgets now shown with a red border
        self.setWindowTitle(f"Edit {data.get('name') or 'center'}" if data else "New center")
        self.setStyleSheet(INVALID_STYLE)

        form = CenterPages()
        self._fields = form.fields
        self._names = form.names
        self._messages = form.messages
        self.therapies, self.conditions = form.therapies, form.conditions
        self.specialties, self.services = form.specialties, form.services
        self.contacts, self.red_flags = form.contacts, form.red_flags
        self.tabs = QTabWidget(self)
        self.verify = SectionChecks(self._original, self)  # what the person confirmed
        for index, (page, title) in enumerate(zip(form.pages, TAB_TITLES, strict=True)):
            self.tabs.addTab(self.verify.wrap(page, index), title)
        self.tabs.tabBar().setToolTip("Ctrl+Tab and Ctrl+Shift+Tab switch between tabs")

        self.problems = QListWidget(self)
        self.problems.setAccessibleName("Problems to fix before saving")
        self.problems.itemActivated.connect(self._go_to_problem)
        self.problems.itemClicked.connect(self._go_to_problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self._header())
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.verify.mark_all)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        self._load(self._original)
        self._connect_changes()
        self._revalidate()
        self._fields["name"].setFocus(Qt.FocusReason.OtherFocusReason)  # typing starts there
        # Never narrower than the tab titles (with room for problem icons): scrolling tabs hide
        # pages, and a hidden page can hold the problem that keeps Save disabled.
        icon_room = 3 * (self.tabs.iconSize().width() + 4)
        self.setMinimumWidth(self.tabs.tabBar().sizeHint().width() + icon_room + 40)
        width, height = max(1040, self.minimumWidth()), 700
        if parent is not None:  # a 1024 px window gets a dialog it can hold, not 1040 px
            width = max(self.minimumWidth(), min(width, parent.window().width() - 16))
            height = min(height, max(parent.window().height() - 40, 500))
        self.resize(width, height)

    def _header(self) -> QLabel:
        o = self._original
        today = date.today().strftime("%d %b %Y")
        if not o:
            text = (f"<b>New center</b> — the sections ticked are saved as verified today "
                    f"({today}).")
        else:
            source = vocab.Provenance(o["source"]).label if o.get("source") in \
                vocab.Provenance.codes() else (o.get("source") or "unknown")
            verified = o.get("last_verified") or "never"
            text = (f"<b>{_html(o.get('name') or '')}</b> — version {o.get('version')} · record "
                    f"source: {_html(source)} · last verified: {verified}<br>"
                    f"Only the sections you tick as verified get today's date ({today}); the "
                    "record counts as verified from its least recently verified section.")
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        return label

    # --- data in and out ------------------------------------------------------------------

    def _load(self, o: dict[str, Any]) -> None:
        for field, w in self._fields.items():
            value = o.get(field)
            if isinstance(w, CodeCombo | TriStateCombo | NumberEdit):
                w.set_value(value)
            elif isinstance(w, QLineEdit):
                w.setText(value or "")
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(value or "")
            if isinstance(w, QLineEdit):
                w.setCursorPosition(0)  # show the start of long text, not its end
        self.therapies.set_rows(o.get("therapies", []))
        self.conditions.set_checked(r["condition"] for r in o.get("conditions", []))
        team = o.get("team", [])
        self.specialties.set_checked(r["discipline"] for r in team if r["role"] == "specialty")
        self.services.set_checked(r["discipline"] for r in team if r["role"] == "service")
        self.contacts.set_rows(o.get("contacts", []))
        self.red_flags.set_rows(o.get("red_flags", []))
        self._show_provenance(o)

    def _show_provenance(self, o: dict[str, Any]) -> None:
        """Tell, on each checkbox, where a fact not verified by a person came from."""
        boxes = [("therapies", "therapy", self.therapies.boxes),
                 ("conditions", "condition", self.conditions.boxes)]
        for key, field, by_code in boxes:
            for row in o.get(key, []):
                box = by_code.get(row[field])
                if box is not None and row.get("source") not in (None, "verified"):
                    ref = f" ({row['source_ref']})" if row.get("source_ref") else ""
                    box.setToolTip(f"Not yet verified: from {row['source']}{ref}")

    def result_data(self) -> dict[str, Any]:
        """The edited center in exchange form, keeping id, uid, version and the provenance of
        facts left as they were; `core.editing.save_center` stamps what changed."""
        data = deepcopy(self._original)
        for field, w in self._fields.items():
            if isinstance(w, CodeCombo | TriStateCombo | NumberEdit):
                data[field] = w.value()
            elif isinstance(w, QLineEdit):
                data[field] = w.text().strip() or None
            elif isinstance(w, QPlainTextEdit):
                data[field] = w.toPlainText().strip() or None
        team = [{"role": "specialty", "discipline": c} for c in self.specialties.checked()]
        team += [{"role": "service", "discipline": c} for c in self.services.checked()]
        edited = {
            "therapies": self.therapies.rows(),
            "conditions": [{"condition": c} for c in self.conditions.checked()],
            "team": team,
            "contacts": self.contacts.rows(),
            "red_flags": self.red_flags.rows(),
        }
        for key, rows in edited.items():
            if key in ("therapies", "conditions", "team"):  # checkboxes: order means nothing
                rows = sorted(rows, key=partial(_sort_key, key))
            data[key] = _keep_provenance(rows, self._original.get(key, []))
        return data

    # --- validation -----------------------------------------------------------------------

    def _connect_changes(self) -> None:
        for w in self._fields.values():
            if isinstance(w, QComboBox):
                w.currentIndexChanged.connect(self._revalidate)
            elif isinstance(w, QLineEdit):
                w.textChanged.connect(self._revalidate)
            elif isinstance(w, QPlainTextEdit):
                w.textChanged.connect(self._revalidate)
                w.setTabChangesFocus(True)
        for editor in (self.therapies, self.conditions, self.specialties, self.services,
                       self.contacts, self.red_flags):
            editor.changed.connect(self._revalidate)

    def verified_sections(self) -> list[str]:
        """The sections the person ticked as verified today (`save_center(verified=...)`)."""
        return self.verify.checked()

    def errors(self) -> list[FieldError]:
        """The problems shown now (empty when the center can be saved)."""
        return list(self._errors)

    def _revalidate(self) -> None:
        data = self.result_data()
        self._errors = validate_center(data)
        for marked in self._marked:
            _mark(marked, False)
        self._marked = []
        self.problems.clear()
        self._say_under_fields(data)
        per_tab = [0] * self.tabs.count()
        for error in self._errors:
            w = self._widget_for(error.field, data)
            item = QListWidgetItem(f"{self._describe(error.field, data)} {error.message}.")
            if w is not None:
                _mark(w, True, error.message)
                self._marked.append(w)
                item.setData(Qt.ItemDataRole.UserRole, w)
                per_tab[self._tab_of(w)] += 1
            self.problems.addItem(item)
        warn = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for i, count in enumerate(per_tab):
            self.tabs.setTabIcon(i, warn if count else QIcon())
            self.tabs.setTabToolTip(i, f"{count} problem(s) on this tab" if count else "")
        self.problems.setVisible(bool(self._errors))
        if self._errors:
            for row in range(self.problems.count()):
                self.problems.item(row).setIcon(warn)
            rows = min(len(self._errors), 4)
            frame = 2 * self.problems.frameWidth()
            self.problems.setFixedHeight(rows * self.problems.sizeHintForRow(0) + frame + 2)
        n = len(self._errors)
        self.status.setText(f"{n} problem{'s' if n != 1 else ''} to fix before saving." if n
                            else "Ready to save.")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not self._errors)

    def _say_under_fields(self, data: dict[str, Any]) -> None:
        """Put each refusal's reason right under its field (or under its contact/red-flag row),
        so it is read where the typing happens, not only in a tooltip or the list below."""
        said: dict[str, list[str]] = {}
        rows: dict[tuple[str, int], list[str]] = {}
        for error in self._errors:
            m = CHILD_RE.fullmatch(error.field)
            if m is None:
                said.setdefault(error.field, []).append(error.message)
            elif m.group(1) in ("contacts", "red_flags"):
                sub = self._describe(error.field, data).split(" ", 2)[2:] or [""]
                text = f"{sub[0].capitalize()} {error.message}" if sub[0] else error.message
                rows.setdefault((m.group(1), int(m.group(2))), []).append(text)
        for field, message in self._messages.items():
            message.say("; ".join(_sentence(t) for t in said.get(field, [])))
        for key, editor in (("contacts", self.contacts), ("red_flags", self.red_flags)):
            for index in range(len(editor.rows())):
                editor.say(index, "; ".join(_sentence(t) for t in rows.get((key, index), [])))

    def _widget_for(self, field: str, data: dict[str, Any]) -> QWidget | None:
        m = CHILD_RE.fullmatch(field)
        if m is None:
            return self._fields.get(field)
        key, index, sub = m.group(1), int(m.group(2)), m.group(3)
        if key in ("contacts", "red_flags"):
            editor = self.contacts if key == "contacts" else self.red_flags
            return editor.widget_for(index, sub)
        rows = data.get(key) or []
        row = rows[index] if index < len(rows) else {}
        if key == "therapies":
            return self.therapies.boxes.get(str(row.get("therapy")))
        if key == "conditions":
            return self.conditions.boxes.get(str(row.get("condition")))
        if key == "team":
            grid = self.specialties if row.get("role") == "specialty" else self.services
            return grid.boxes.get(str(row.get("discipline")))
        return None

    def _describe(self, field: str, data: dict[str, Any]) -> str:
        m = CHILD_RE.fullmatch(field)
        if m is None:
            return self._names.get(field, field)
        key, sub = m.group(1), m.group(3) or ""
        noun = CHILD_NOUNS.get(key, key)
        editor = {"contacts": self.contacts, "red_flags": self.red_flags}.get(key)
        headers = {c.field: c.header.lower() for c in editor.columns} if editor else {}
        sub = f" {headers.get(sub, sub.replace('_', ' '))}" if sub else ""
        return f"{noun} {int(m.group(2)) + 1}{sub}"

    def _tab_of(self, w: QWidget) -> int:
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if page is not None and page.isAncestorOf(w):
                return i
        return 0

    def _go_to_problem(self, item: QListWidgetItem) -> None:
        w = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(w, QWidget):
            self.tabs.setCurrentIndex(self._tab_of(w))
            w.setFocus(Qt.FocusReason.OtherFocusReason)

    def accept(self) -> None:
        if not self._errors:
            super().accept()


def _sentence(text: str) -> str:
    """A message as it reads on its own under a field: "Needs ten digits …"."""
    return text[:1].upper() + text[1:] if text else text


def _mark(w: QWidget, invalid: bool, message: str = "") -> None:
    """Red border via the `invalid` property; the message also goes to tooltip and screen
    readers, so colour is never the only sign."""
    if w.property("baseToolTip") is None:
        w.setProperty("baseToolTip", w.toolTip())
    w.setProperty("invalid", invalid)
    w.setToolTip(message if invalid else w.property("baseToolTip"))
    w.setAccessibleDescription(message)
    w.style().unpolish(w)
    w.style().polish(w)


def _keep_provenance(rows: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Carry source/source_ref/verified_on over to rows the person left exactly as they were."""
    out = []
    pool = list(old)
    for row in rows:
        match = next((o for o in pool if all(o.get(k) == v for k, v in row.items())), None)
        if match is not None:
            pool.remove(match)
            row = {**row, **{k: match.get(k) for k in ("source", "source_ref", "verified_on")}}
        out.append(row)
    return out


def _sort_key(key: str, row: dict[str, Any]) -> list[str]:
    """The order `center_to_dict` gives child rows, so an unchanged center round-trips."""
    return [str(row[f]) for f in CHILDREN[key][1]]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
