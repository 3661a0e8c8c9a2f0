"""The referral sheet on real pages: each center's block kept on one page when it fits, short
centers sharing a page, no page left holding only a trailing note, every status dated.

Laid out by Qt on the PDF writer's own page (Letter, 300 dpi, 2 cm margins), exactly as
printed; page counts are read from the written PDF as well as from the layout."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from directory_app.core.directory.models import Center
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store
from directory_app.report import pages
from directory_app.report.referral_sheet import (
    load_shortlist,
    origin_for,
    referral_html,
    referral_sheet,
    write_pdf,
)

#: Three bundled centers whose sheet took four pages, the last holding only a source note.
THREE = (("Cleveland Clinic", "Cleveland"), ("Asan Medical Center", "Seoul"),
         ("Saint-Louis Hospital", "Paris"))
NOTE_START = ("Not yet verified by a person", "Last verified by a person")
PREPARED = date(2026, 12, 4)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    open_store(path).close()
    return path


@pytest.fixture
def seeded_store(seeded_file: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "seeded.db"
    shutil.copyfile(seeded_file, target)
    store = open_store(target)
    yield store
    store.close()


@pytest.fixture
def three(seeded_store: Store) -> list[dict]:
    with seeded_store.session() as s:
        ids = [s.scalars(select(Center.id).where(Center.name == name, Center.city == city)).one()
               for name, city in THREE]
        return load_shortlist(s, ids)


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def only_notes(text: str) -> bool:
    """A page that opens with a center's closing source note and holds no other center."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and lines[0].startswith(NOTE_START) and not any(
        re.match(r"\d+\. ", line) for line in lines)


def test_three_centers_take_three_pages_and_no_page_holds_only_a_note(qapp, three, tmp_path):
    html = referral_html(three, origin_for("Chicago, IL"), prepared=PREPARED)
    out = tmp_path / "sheet.pdf"
    write_pdf(html, out)
    assert pdf_pages(out) == pages.page_count(html) == 3
    texts = pages.page_texts(html)
    assert len(texts) == 3
    for text in texts:
        assert not only_notes(text)
        # every page opens with a center or a section heading, never a stray line
        assert re.match(r"(Referral sheet|\d+\. |Costs and financial help|Registered trials)",
                        text)
    # The two centers that fit on a page are each on one page, heading to closing note.
    for number, (name, _city) in enumerate(THREE[1:], start=2):
        (page,) = [t for t in texts if f"{number}. {name}" in t]
        block = page.split(f"{number}. {name}")[1]
        assert block.count("Record source:") >= 1
    # Every status shows the date of its registry record.
    assert all("as of 20" in t for t in texts if "NCT0" in t)


def test_short_centers_share_pages_and_each_stays_whole(qapp):
    centers = [{"name": f"Sample Center {i} (test data)", "source": "sample", "city": "Akron",
                "region": "OH", "country": "United States", "phone": f"330-555-01{i:02d}",
                "trials": [], "therapies": [{"therapy": "hsct_autologous"}]}
               for i in range(1, 9)]
    sheet = referral_sheet(centers, prepared=PREPARED)
    texts = pages.page_texts(sheet)
    assert 1 < len(texts) < len(centers)  # shared pages, not one per center
    for i in range(1, 9):
        (page,) = [t for t in texts if f"{i}. Sample Center {i} " in t]
        assert "Record source" in page.split(f"{i}. Sample Center {i} ")[1]


def test_a_block_taller_than_a_page_keeps_its_costs_with_its_note(qapp):
    trials = [{"nct_id": f"NCT0{i:07d}", "site_status": "recruiting"} for i in range(40)]
    records = {t["nct_id"]: {"title": "Sample trial (test data) " * 4, "status": "recruiting",
                             "phases": ["phase2"], "last_update": "2026-06-01"}
               for t in trials}
    tall = {"name": "Tall Sample Center (test data)", "source": "sample", "trials": trials,
            "trial_records": records}
    sheet = referral_sheet([tall, {"name": "Next Sample Center (test data)", "trials": []}],
                           prepared=PREPARED)
    texts = pages.page_texts(sheet)
    assert len(texts) >= 3
    # the tall center's closing note shares its page with its costs table
    (note_page,) = [t for t in texts if "Record source" in t.split("2. Next")[0]]
    assert "1. Tall" not in note_page
    assert note_page.index("Costs and financial help") < note_page.index("Record source")
    assert not any(only_notes(t) for t in texts)


def test_rendered_pages_are_images_of_the_pdf_pages(qapp):
    sheet = referral_sheet([{"name": "Sample Center (test data)", "trials": []}],
                           prepared=PREPARED)
    (image,) = pages.render_pages(sheet, width=425)
    assert image.width() == 425 and image.height() == 550  # Letter, 8.5 x 11
    # something is drawn: not all white
    assert any(image.pixelColor(x, y).lightness() < 200
               for x in range(0, 425, 5) for y in range(0, 200, 5))
