"""Tools → Check a clinic…: what is on record about a clinic a patient brings up.

A patient brings a clinic's brochure; the advocate types its name and/or website and sees,
from the same `core.clinic_check.report.check_clinic` that `directory-app check-clinic` runs:
the FDA warning and untitled letters (and court actions) whose firm has that name or website,
each as "FDA warning letter dated ..." with its link, press reports marked as such; the
directory's centers of that name or website (a click shows one in Results); and the warning
signs FDA and ISSCR publish for patients as a checklist, each with its link. "Copy as text"
copies exactly what the command line prints.

Nothing here calls a clinic fraudulent: a letter is FDA's allegation and a match is by name or
website, which the dialog says next to each result.

    dialog = ClinicCheckDialog(store, parent)
    dialog.centerChosen.connect(show_center)   # emitted with a directory center's id
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.clinic_check.letters import bundled_letters
from directory_app.core.clinic_check.report import (
    LETTER_NOTE,
    MATCHES_PLACE,
    NO_LETTER_NOTE,
    SIGNS_TITLE,
    CheckError,
    ClinicCheck,
    as_text,
    check_clinic,
)
from directory_app.report import pages

from .detail_view import STYLE, link, open_external

if TYPE_CHECKING:
    from directory_app.core.clinic_check.lookup import LetterMatch
    from directory_app.core.storage.engine import Store

#: Links to a directory center inside the result ("center:12").
CENTER_SCHEME = "center"
INTRO = ("Type the clinic's name as its brochure or website gives it, and/or its website. "
         "The name is looked up in the bundled FDA letters to stem cell firms and in this "
         "directory; the warning signs below apply to any clinic.")
PRESS_NOTE = "press report of the letter, not the letter itself"
BOX = "\N{BALLOT BOX}"


def _link(url: str, shown: str, printed: bool) -> str:
    """On screen the site's name links the page; on paper the whole address is printed."""
    return link(url, None if printed else shown)


def _letter_html(match: LetterMatch, printed: bool) -> str:
    letter = match.letter
    marks = []
    if letter.press_reported:
        marks.append(f"<span class='badge-stale'>&nbsp;{PRESS_NOTE}&nbsp;</span>")
    return (
        f"<li><b>{escape(letter.summary)}</b> ({_link(letter.source_url, letter.outlet, printed)})"
        + (" " + " ".join(marks) if marks else "")
        + f"<br>{escape(letter.firm)}, {escape(letter.place)}; product: "
        f"{escape(letter.product)}<br><span class='prov'>matched by {escape(match.how)}"
        "</span></li>"
    )


def result_html(result: ClinicCheck, printed_on: date | None = None) -> str:
    """The check as the dialog shows it, or (with `printed_on`) as its PDF prints it, whole
    addresses and the date included; pure, so tests can read it without a widget."""
    printed = printed_on is not None
    parts = [f"<style>{STYLE}</style>", f"<h3>{escape(result.headline)}</h3>"]
    if printed_on is not None:
        newest = max(x.letter_date for x in bundled_letters()).isoformat()
        parts.insert(1, f"<h2>Check a clinic</h2><p class='muted'>Checked on "
                        f"{printed_on.isoformat()} with the FDA letters bundled with this app "
                        f"(newest {newest}).</p>")
    if result.letters:
        parts.append("<ul>" + "".join(_letter_html(m, printed) for m in result.letters)
                     + "</ul>")
        parts.append(f"<p class='note'>{escape(LETTER_NOTE)}</p>")
    else:
        parts.append(f"<p class='note'>{escape(NO_LETTER_NOTE)}</p>")
    parts.append("<h3>In this directory</h3>")
    if result.centers:
        items = []
        for c in result.centers:
            center = c.center
            place = ", ".join(str(p) for p in (center.get("city"), center.get("region")) if p)
            flags = int(center.get("red_flags") or 0)
            note = (f"; <span class='badge-flag'>&nbsp;{flags} red flag{'s' * (flags != 1)}"
                    "&nbsp;</span>" if flags else "")  # fmt: skip
            name = escape(str(center["name"]))
            shown = (f"{name} (center {int(center['id'])})" if printed else
                     f"<a href='{CENTER_SCHEME}:{int(center['id'])}'>{name}</a>")
            items.append(
                f"<li>{shown} ({escape(place or 'place unknown')}), "
                f"<span class='prov'>matched by {escape(c.how)}</span>{note}"
                + "".join(f"<br>{escape(MATCHES_PLACE)}: <b>{escape(x.summary)}</b>"
                          for x in c.letters)
                + "</li>"
            )
        parts.append("<ul>" + "".join(items) + "</ul>")
    else:
        parts.append("<p class='muted'>No center with this name or website.</p>")
    parts.append(f"<h3>{escape(SIGNS_TITLE)}</h3>")
    parts.append("<p class='muted'>A yes to any of these is a reason to ask more before a "
                 "patient pays or travels.</p>")  # fmt: skip
    signs = "".join(
        f"<tr><td>{BOX}</td><td>{escape(s.text)}<br><span class='prov'>source: "
        + (f"{escape(s.source)}, {link(s.url)}" if printed else link(s.url, s.source))
        + "</span></td></tr>"
        for s in result.signs
    )
    parts.append(f"<table>{signs}</table>")
    return "".join(parts)


class ClinicCheckDialog(QDialog):
    """Name and website fields, Check, and the result (letters, directory, warning signs)."""

    centerChosen = Signal(int)

    def __init__(self, store: Store | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.last_check: ClinicCheck | None = None
        self.setWindowTitle("Check a clinic")
        self.resize(760, 640)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. US Stem Cell Clinic")
        self.name_edit.setAccessibleName("Clinic name")
        self.website_edit = QLineEdit()
        self.website_edit.setPlaceholderText("e.g. www.example-clinic.com")
        self.website_edit.setAccessibleName("Clinic website")
        form = QFormLayout()
        name_label, site_label = QLabel("Clinic &name:"), QLabel("&Website:")
        name_label.setBuddy(self.name_edit)
        site_label.setBuddy(self.website_edit)
        form.addRow(name_label, self.name_edit)
        form.addRow(site_label, self.website_edit)
        self.view = QTextBrowser()
        self.view.setAccessibleName("What is on record about the clinic")
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._follow)
        self.message = QLabel()
        self.message.setStyleSheet("color: #a50e0e;")
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = QPushButton("&Check")
        self.check_button.setDefault(True)
        self.copy_button = QPushButton("C&opy as text")
        self.copy_button.setEnabled(False)
        self.pdf_button = QPushButton("Save as &PDF…")
        self.pdf_button.setEnabled(False)
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.check_button.clicked.connect(self.run_check)
        self.copy_button.clicked.connect(self.copy_text)
        self.pdf_button.clicked.connect(lambda _checked=False: self.save_pdf())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.name_edit.setFocus()

    def run_check(self) -> None:
        """Look the fields up and show the result; an empty question says what to type."""
        try:
            if self.store is None:
                result = check_clinic(None, self.name_edit.text(), self.website_edit.text())
            else:
                with self.store.session() as session:
                    result = check_clinic(session, self.name_edit.text(),
                                          self.website_edit.text())
        except CheckError as exc:
            self.message.setText(f"Nothing to check: {exc}.")
            self.message.show()
            self.name_edit.setFocus()
            return
        self.message.hide()
        self.last_check = result
        self.view.setHtml(result_html(result))
        self.copy_button.setEnabled(True)
        self.pdf_button.setEnabled(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter checks (from either field or a button) and never closes the dialog."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.run_check()
            event.accept()
            return
        super().keyPressEvent(event)

    def copy_text(self) -> None:
        """Put the check on the clipboard as `directory-app check-clinic` prints it."""
        if self.last_check is not None:
            QGuiApplication.clipboard().setText(as_text(self.last_check))

    def save_pdf(self, path: str | None = None) -> int:
        """Write the check (with whole addresses and today's date) to a PDF to hand to the
        patient; asks where unless `path` is given. Returns the page count (0: not saved)."""
        if self.last_check is None:
            return 0
        if path is None:
            path, _chosen = QFileDialog.getSaveFileName(
                self, "Save the check as PDF", "clinic-check.pdf", "PDF (*.pdf)")
            if not path:
                return 0
        try:
            count = pages.write_pdf(result_html(self.last_check, date.today()), path,
                                    title="Check a clinic")
        except OSError as exc:
            self.message.setText(f"Could not save {path}: {exc.strerror or exc}.")
            self.message.show()
            return 0
        self.message.hide()
        return count

    def _follow(self, url: QUrl) -> None:
        if url.scheme() == CENTER_SCHEME:
            self.centerChosen.emit(int(url.path()))
        else:
            open_external(url)
