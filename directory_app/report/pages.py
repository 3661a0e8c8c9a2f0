"""Printable sheets laid out on pages: each block kept on one page, no page holding a scrap.

Qt's rich text breaks pages wherever a line falls: a three-center referral sheet, one center per
page, took four pages, the fourth holding only the last center's two-line source note. Qt knows
"page break before" but not "keep this together", so `lay_out` does it itself: it lays the
sheet out on the real page (the PDF writer's size and resolution, 2 cm margins), and before each
block that would run across a page boundary but fits on one page, it breaks the page. Blocks
share pages when they fit, so three short centers take one or two pages, not three or four.

A sheet is a head (title, notes) and a list of blocks in HTML; any sheet built that way (a
center per block today, a patient section later) gets the same treatment from `lay_out`,
`write_pdf` and `render_pages`. Each block should start with a heading or paragraph, not a
table: that first line carries the block's page break.

Qt is imported inside the functions: the command line imports the report package without Qt
(only `referral` needs it, and importing Qt costs a noticeable part of a second).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from directory_app.core.storage.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from PySide6.QtGui import QImage, QPagedPaintDevice, QTextBlock, QTextDocument

#: Qt's PDF writer crashes when two threads lay out documents at once: one sheet at a time.
#: Re-entrant, so a caller may hold it around a whole job that ends in `write_pdf`.
PDF_LOCK = threading.RLock()
RESOLUTION = 300  # dots per inch of the PDF (and of the layout)
MARGIN_CM = 2.0
BLOCK_ANCHOR = "sheet-block-"
PART_ANCHOR = "sheet-part"
FOOTER_PT = 8


@dataclass(frozen=True)
class Sheet:
    """A printable sheet: a `style` sheet, a `head` and the `blocks` laid out below it."""

    head: str
    blocks: Sequence[str]
    style: str = ""
    title: str = ""

    def html(self) -> str:
        """The sheet as one HTML text, each block marked so `lay_out` can find where it starts."""
        body = "".join(f"<div><a name='{BLOCK_ANCHOR}{i}'></a>{block}</div>"
                       for i, block in enumerate(self.blocks))
        return (f"<html><head><style>{self.style}</style></head>"
                f"<body>{self.head}{body}</body></html>")


def _page_size_id(page: str) -> Any:
    from PySide6.QtGui import QPageSize

    return QPageSize.PageSizeId.A4 if page.lower() == "a4" else QPageSize.PageSizeId.Letter


def _writer(target: Any, page: str, title: str = "") -> QPagedPaintDevice:
    """A PDF writer on `target` (a QIODevice) for `page`, no margins of its own."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    writer = QPdfWriter(target)
    writer.setPageLayout(QPageLayout(QPageSize(_page_size_id(page)),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(RESOLUTION)
    writer.setTitle(title)
    writer.setCreator("Stem Cell Center Directory")
    return writer


def _document(html: str, device: QPagedPaintDevice) -> QTextDocument:
    """The text laid out on `device`'s pages (its own size and resolution), 2 cm margins."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    document.setHtml(html)
    frame = document.rootFrame().frameFormat()
    # In Qt's 96 dpi units; the layout scales them to the device, as QTextDocument.print_ does.
    frame.setMargin(MARGIN_CM / 2.54 * 96)
    document.rootFrame().setFrameFormat(frame)
    document.setPageSize(QSizeF(device.width(), device.height()))
    return document


def keep_together(html: str) -> str:
    """Mark a part of a block (a heading with its table, a table with its note) that stays on
    one page when the block as a whole is too tall for one: it then breaks before the part."""
    return f"<div><a name='{PART_ANCHOR}'></a>{html}</div>"


def _markers(document: QTextDocument) -> list[tuple[QTextBlock, bool]]:
    """The first text block of each marked block (True) and part (False), in document order."""
    found: list[tuple[QTextBlock, bool]] = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        names: list[str] = []
        while not it.atEnd():
            names += it.fragment().charFormat().anchorNames()
            it += 1
        if any(n.startswith(BLOCK_ANCHOR) for n in names):
            found.append((block, True))
        elif PART_ANCHOR in names:
            found.append((block, False))
        block = block.next()
    return found


def _break_before(block: QTextBlock) -> None:
    from PySide6.QtGui import QTextCursor, QTextFormat

    document = block.document()
    cursor = QTextCursor(block)
    fmt = block.blockFormat()
    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
    cursor.setBlockFormat(fmt)
    # Lay everything out afresh: lines placed before the break keep stale positions
    # otherwise, are measured wrong and are not painted.
    document.markContentsDirty(0, document.characterCount())


def _extent(document: QTextDocument, first: QTextBlock, end: QTextBlock | None
            ) -> tuple[float, float]:
    """Top and bottom (document units) of the text from `first` up to `end` (exclusive)."""
    layout = document.documentLayout()
    top = layout.blockBoundingRect(first).top()
    last = end.previous() if end is not None else document.lastBlock()
    while last.isValid() and last != first and not last.text().strip():
        last = last.previous()  # trailing empty blocks (a table's end) take no room
    return top, max(layout.blockBoundingRect(last).bottom(), top)


def _keep_blocks_together(document: QTextDocument) -> None:
    """Break the page before each block that would run across a page boundary but fits on one
    page. A block taller than a page starts on a new page unless half the current page is
    still free, and then its marked parts are kept together the same way, so its last lines
    (a note, a costs table) never stand alone on a page."""
    markers = _markers(document)
    page_height = document.pageSize().height()
    scale = document.documentLayout().paintDevice().logicalDpiY() / 96
    margin = document.rootFrame().frameFormat().topMargin() * scale
    body = page_height - 2 * margin
    whole_block_fits = False
    for i, (first, is_block) in enumerate(markers):
        if not is_block and whole_block_fits:
            continue
        following = markers[i + 1:]
        if is_block:
            following = [m for m in following if m[1]]
        end = following[0][0] if following else None
        top, bottom = _extent(document, first, end)
        if is_block:
            whole_block_fits = bottom - top <= body
        first_page, last_page = int(top // page_height), int((bottom - 1) // page_height)
        if first_page == last_page:
            continue
        room = (first_page + 1) * page_height - margin - top
        if bottom - top <= body or (is_block and room < body / 2):
            _break_before(first)


def _html(sheet: Sheet | str) -> str:
    return sheet if isinstance(sheet, str) else sheet.html()


def lay_out(sheet: Sheet | str, device: QPagedPaintDevice) -> QTextDocument:
    """The sheet (or its `Sheet.html`) laid out on `device`'s pages, blocks kept together."""
    document = _document(_html(sheet), device)
    _keep_blocks_together(document)
    return document


def _paint_page(document: QTextDocument, painter: Any, number: int) -> None:
    """Page `number`'s slice of the document, with 'Page i of n' in its bottom margin."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont

    size = document.pageSize()
    scale = document.documentLayout().paintDevice().logicalDpiY() / 96
    margin = document.rootFrame().frameFormat().bottomMargin() * scale
    painter.save()
    painter.translate(0, -number * size.height())
    document.drawContents(painter, QRectF(0, number * size.height(), size.width(),
                                          size.height()))
    painter.restore()
    painter.save()
    font = QFont(document.defaultFont())
    # In the document's own units (device pixels of the PDF), so an image of the page shows
    # the footer at the size it has on paper.
    font.setPixelSize(round(FOOTER_PT * scale * 96 / 72))
    painter.setFont(font)
    painter.setPen(QColor("#5f6368"))
    footer = QRectF(margin, size.height() - margin * 0.8, size.width() - 2 * margin,
                    margin * 0.5)
    painter.drawText(footer, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                     f"Page {number + 1} of {document.pageCount()}")
    painter.restore()


def pdf_bytes(sheet: Sheet | str, page: str = "letter", title: str = "") -> tuple[bytes, int]:
    """The sheet as a PDF and its page count. Needs a QGuiApplication."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPainter

    with PDF_LOCK:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = _writer(buffer, page, title or getattr(sheet, "title", ""))
        document = lay_out(sheet, writer)
        count = document.pageCount()
        painter = QPainter(writer)
        for number in range(count):
            if number:
                writer.newPage()
            _paint_page(document, painter, number)
        painter.end()
        del document, painter
        del writer  # finishes the PDF into the buffer
        buffer.close()
        return bytes(data.data()), count


def write_pdf(sheet: Sheet | str, path: str | Path, *, page: str = "letter",
              title: str = "") -> int:
    """Write the sheet's PDF atomically; returns its page count."""
    data, count = pdf_bytes(sheet, page, title)
    atomic_write_bytes(path, data)
    return count


def page_count(sheet: Sheet | str, page: str = "letter") -> int:
    """How many pages the sheet takes on `page` paper."""
    from PySide6.QtCore import QBuffer, QIODevice

    with PDF_LOCK:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = _writer(buffer, page)
        count = lay_out(sheet, writer).pageCount()
        del writer
        return count


def page_texts(sheet: Sheet | str, page: str = "letter") -> list[str]:
    """The plain text on each page, in order: what a reader finds on that sheet of paper."""
    from PySide6.QtCore import QBuffer, QIODevice

    with PDF_LOCK:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = _writer(buffer, page)
        document = lay_out(sheet, writer)
        height = document.pageSize().height()
        pages = [""] * document.pageCount()
        layout = document.documentLayout()
        block = document.begin()
        while block.isValid():
            rect = layout.blockBoundingRect(block)
            number = min(int(rect.top() // height), len(pages) - 1)
            if block.text().strip():
                pages[number] += block.text() + "\n"
            block = block.next()
        del writer
        return pages


def render_pages(sheet: Sheet | str, page: str = "letter", width: int = 850) -> list[QImage]:
    """Each page as an image `width` pixels wide, laid out exactly as in the PDF."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter

    with PDF_LOCK:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = _writer(buffer, page)
        document = lay_out(sheet, writer)
        size = document.pageSize()
        factor = width / size.width()
        images: list[QImage] = []
        for number in range(document.pageCount()):
            image = QImage(width, int(size.height() * factor), QImage.Format.Format_RGB32)
            image.fill(Qt.GlobalColor.white)
            painter = QPainter(image)
            painter.scale(factor, factor)
            _paint_page(document, painter, number)
            painter.end()
            images.append(image)
        del writer
        return images
