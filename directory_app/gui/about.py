"""The About box (what the app is, where its data came from and when) and the report of
Tools → Check database.

The data sources and dates are read from the database (`core.seed.seed_meta`), so the box
describes the directory actually open, not the one the app shipped with.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.paths import bundled_data_date

from .. import __version__
from .app_icon import icon_pixmap
from .detail_view import TRIAL_NOTE, link, open_external

APP_TITLE = "Stem Cell Center Directory"
ICON_PX = 64  # the About box's picture of the application icon
PURPOSE = (
    "An offline directory of hospitals, transplant centers and clinics that offer or research "
    "stem cell therapy for severe autoimmune disease, with the facts a referral coordinator "
    "needs and where each fact came from."
)
CAUTION = (
    "This directory is not medical advice and does not endorse any center. Check every fact "
    "with the center before a referral. " + TRIAL_NOTE
)


def about_html(meta: dict[str, Any], counts: dict[str, int] | None = None) -> str:
    """The About text: purpose, caution, counts and each data source with its date and licence."""
    parts = [
        f"<h2>{APP_TITLE}</h2><p>Version {escape(__version__)}, "
        f"bundled data of {escape(bundled_data_date())}</p>",
        f"<p>{escape(PURPOSE)}</p><p><b>{escape(CAUTION)}</b></p>",
    ]
    age = meta.get("registry_age")  # core.search.staleness.RegistryAge.as_json(), if any
    if isinstance(age, dict):
        if age.get("warning"):
            parts.append(f"<p style='color:#9a5b00'><b>⚠ {escape(str(age['warning']))}</b></p>")
        elif age.get("newest_record"):
            parts.append(f"<p>Newest registry record: {escape(str(age['newest_record']))}.</p>")
    if counts:
        parts.append(
            "<p>This database holds "
            + ", ".join(f"{n:,} {escape(k.replace('_', ' '))}" for k, n in counts.items())
            + ".</p>"
        )
    sources = meta.get("sources") or []
    parts.append("<h3>Data sources</h3>")
    if not sources:
        parts.append("<p>No bundled data: this database was filled by hand or by import.</p>")
    else:
        rows = "".join(
            "<tr><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                escape(str(s.get("name") or "unknown")),
                link(s.get("url")) if s.get("url") else "",
                # HIFLD and CMS publish their files without a release date inside them
                escape(str(s.get("date") or "not stated in the file")),
                escape(str(s.get("licence") or s.get("license") or "unknown")),
                escape(str(s.get("note") or "")),
            )
            for s in sources
            if isinstance(s, dict)
        )
        parts.append(
            "<table cellspacing='0' cellpadding='3'><tr><th align='left'>Source</th>"
            "<th align='left'>Date</th><th align='left'>Licence</th>"
            "<th align='left' width='45%'>Used for</th></tr>"
            f"{rows}</table>"
        )
    if meta.get("generated"):
        parts.append(f"<p>Directory built {escape(str(meta['generated']))}.</p>")
    return "".join(parts)


class AboutDialog(QDialog):
    """Non-blocking About box (shown with `open()`); links go through `open_external`."""

    def __init__(
        self, meta: dict[str, Any], counts: dict[str, int] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_TITLE}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 560)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setPixmap(icon_pixmap(ICON_PX))
        self.icon.setAccessibleName("Application icon")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        top.addWidget(self.icon)
        self.text = QTextBrowser()
        self.text.setAccessibleName("About this directory")
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(open_external)
        self.text.setHtml(about_html(meta, counts))
        top.addWidget(self.text, 1)
        layout.addLayout(top)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def check_report(
    problems: Sequence[Any], limit: int = 25, unlocated: Sequence[Any] = ()
) -> tuple[str, str]:
    """(summary, details) for Tools → Check database: what is wrong and what can be repaired,
    then the centers without a known location (`integrity.unlocated_centers`), which are no
    fault but which a radius search leaves out, so a person can place them."""
    lines: list[str] = []
    if not problems:
        summary = "The database passed every check."
    else:
        repairable = sum(1 for p in problems if getattr(p, "repairable", False))
        summary = (
            f"{len(problems)} problem{'s' * (len(problems) != 1)} found"
            f" ({repairable} can be repaired automatically)."
        )
        lines = [
            f"{getattr(p, 'table', '?')} {getattr(p, 'row_id', '')}: {getattr(p, 'message', p)}"
            for p in problems[:limit]
        ]
        if len(problems) > limit:
            lines.append(f"… and {len(problems) - limit} more")
    if unlocated:
        n = len(unlocated)
        many = n != 1
        summary += (f" {n} center{'s' * many} {'have' if many else 'has'} no known location:"
                    f" radius searches leave {'them' if many else 'it'} out until a place is"
                    " given.")  # fmt: skip
        if lines:
            lines.append("")
        lines.append("Centers without a known location:")
        lines += [f"center {u.id}: {u.name} - {u.place}" for u in unlocated[:limit]]
        if n > limit:
            lines.append(f"… and {n - limit} more")
    return summary, "\n".join(lines)
