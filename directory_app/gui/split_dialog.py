"""Edit → Split off a registered name…: undo one merge of the bundled directory by hand.

The bundled directory makes one center of registry sites that name one institution and keeps
each other registered name as an alias (`core.registry.institutions`). When a coordinator knows
a name is in fact another place ("the Westlake building is not the main hospital"), this dialog
lists the center's other names, each with the registry record it came from and the trials the
registry listed under it, and splits the chosen one off (`gui.undo.SplitCenterCommand`, so
Ctrl+Z merges it back).

    dialog = SplitDialog(center, parent)      # center: `load_center` form, with aliases
    dialog.accepted.connect(lambda: split(dialog.chosen_alias()))
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.importing.site_matching import site_key

EXPLANATION = (
    "The registry lists this institution under several names, and the bundled directory keeps "
    "them as one center. If one of these names is really a different place, split it off: it "
    "becomes a center of its own in the same city, with the trials the registry listed under "
    "that name, and each center's registry facts are inferred again from its own trials. "
    "Facts a person verified stay where they are. Ctrl+Z merges it back."
)


def _trials_under(center: dict[str, Any], name: str) -> list[str]:
    """The NCT ids of the center's trial links whose facility the registry wrote as `name`."""
    key = site_key(name, center.get("city") or "", center.get("country"))
    return sorted({
        link["nct_id"] for link in center.get("trials") or []
        if site_key(link.get("facility") or "", link.get("city") or center.get("city") or "",
                    link.get("country") or center.get("country")) == key
    })  # fmt: skip


def alias_line(center: dict[str, Any], alias: dict[str, Any]) -> str:
    """One row of the list: the name, where it came from, the trials listed under it."""
    trials = _trials_under(center, alias["name"])
    source = alias.get("source_ref") or alias.get("source") or "source not recorded"
    listed = ", ".join(trials) if trials else "no trial link of its own"
    return f"{alias['name']}\n    from {source}; trials: {listed}"


class SplitDialog(QDialog):
    """Choose which of a center's other registered names becomes a center of its own."""

    def __init__(self, center: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Split off a registered name")
        self.center = center
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{escape(center.get('name') or '')}</b> — {escape(_place(center))}")
        title.setWordWrap(True)
        layout.addWidget(title)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        layout.addWidget(text)
        heading = QLabel("&Other registered names:")
        layout.addWidget(heading)
        self.names = QListWidget()
        heading.setBuddy(self.names)
        self.names.setAccessibleName("Other registered names")
        for alias in center.get("aliases") or []:
            item = QListWidgetItem(alias_line(center, alias))
            item.setData(Qt.ItemDataRole.UserRole, alias["name"])
            self.names.addItem(item)
        self.names.setCurrentRow(0)
        self.names.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.names, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.split_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.split_button.setText("&Split off")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.names.currentRowChanged.connect(
            lambda row: self.split_button.setEnabled(row >= 0))
        self.split_button.setEnabled(self.names.currentRow() >= 0)
        self.names.setFocus()
        self.resize(620, 380)

    def chosen_alias(self) -> str | None:
        """The name chosen to split off (None when nothing is selected)."""
        item = self.names.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))


def _place(center: dict[str, Any]) -> str:
    return ", ".join(str(p) for p in (center.get("city"), center.get("region"),
                                      center.get("country")) if p)  # fmt: skip

