"""The main window (placeholder-free minimal version: a list of centers)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QTableWidget, QTableWidgetItem

from ..core.exchange import load_centers
from ..core.store import Store


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle("Stem Cell Center Directory")
        self.resize(1280, 800)
        table = QTableWidget(self)
        with store.session() as s:
            centers = load_centers(s)
        table.setColumnCount(3)
        table.setHorizontalHeaderLabels(["Name", "City", "Country"])
        table.setRowCount(len(centers))
        for i, c in enumerate(centers):
            for j, v in enumerate((c.name, c.city, c.country)):
                table.setItem(i, j, QTableWidgetItem(v or ""))
        self.setCentralWidget(table)
