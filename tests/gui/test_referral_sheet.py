"""The referral sheet: what it says about each center, and a real PDF from Qt's own writer."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory_app.cli import main
from directory_app.core.directory.models import Center, Contact
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store
from directory_app.report.referral_sheet import (
    TRIAL_NOTE,
    load_shortlist,
    origin_for,
    referral_html,
    write_pdf,
)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled directory loaded once for this module; each test gets a copy."""
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
def shortlist(seeded_store) -> list[int]:
    """Two seeded centers; the first given contacts, costs and a verification as a person would."""
    with seeded_store.session() as s:
        mayo = s.scalars(
            select(Center).where(Center.name == "Mayo Clinic in Rochester",
                                 Center.city == "Rochester")
        ).one()
        other = s.scalars(
            select(Center).where(Center.country == "Spain").order_by(Center.id)
        ).first()
        # Invented facts go on a renamed copy: no test states costs for a real institution.
        mayo.name = "Sample Center (test data)"
        mayo.cost_min_usd, mayo.cost_max_usd = 125_000, 150_000
        mayo.insurance_accepted, mayo.financial_assistance = True, True
        mayo.last_verified, mayo.verified_by = date(2026, 1, 5), "A. Coordinator"
        mayo.contacts += [
            Contact(role="financial_counselor", name="John Roe", phone="507-555-0199"),
            Contact(
                role="coordinator",
                name="Jane <Doe>",
                phone="507-555-0100",
                email="jane@example.org",
            ),
        ]
        return [mayo.id, other.id]


def test_sheet_lists_contacts_by_role_trials_costs_provenance_and_distance(seeded_store, shortlist):
    with seeded_store.session() as s:
        centers = load_shortlist(s, shortlist)
    html = referral_html(centers, origin_for("Chicago, IL"), prepared=date(2026, 2, 1))
    assert html.count(TRIAL_NOTE) >= 2
    assert "Prepared 2026-02-01" in html and "distances from Chicago, IL" in html
    mayo = html.split("<h2>2.")[0]
    assert mayo.index("Referral coordinator") < mayo.index("Financial counselor")  # by role
    assert "Jane &lt;Doe&gt;" in mayo  # escaped, never markup
    assert "$125,000 – $150,000" in mayo and "Financial assistance</td><td>Yes" in mayo
    # Every status carries its registry record's date; the bundled 2022 records are stale.
    assert re.search(
        r"NCT\d{8}</b></td><td><span class='stale'>(Recruiting|Completed|Unknown status) "
        r"\(as of 20\d\d-\d\d-\d\d; stale, check the registry\)</span>",
        mayo,
    )
    assert "Last verified by a person: 2026-01-05 by A. Coordinator" in mayo
    assert re.search(r"<b>[\d,]+ mi</b> \([\d,]+ km\)", mayo)
    spain = html.split("<h2>2.")[1]
    assert "Not yet verified by a person" in spain and "No named contacts on file" in spain


def test_sheet_keeps_the_order_given_and_refuses_unknown_ids(seeded_store, shortlist):
    with seeded_store.session() as s:
        assert [c["id"] for c in load_shortlist(s, shortlist[::-1])] == shortlist[::-1]
        with pytest.raises(LookupError, match="999999"):
            load_shortlist(s, [shortlist[0], 999999])


def pdf_pages(html: str, out: Path) -> int:
    write_pdf(html, out, page="a4")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type\s*/Page\b", data))


def test_pdf_starts_each_center_on_a_page_of_its_own(qapp, seeded_store, shortlist, tmp_path):
    with seeded_store.session() as s:
        small = list(s.scalars(
            select(Center.id).join(Center.trial_sites).where(Center.country == "Spain")
            .group_by(Center.id).having(func.count() == 1).order_by(Center.id).limit(2)
        ))  # fmt: skip
        two_small = referral_html(load_shortlist(s, small))
        with_mayo = referral_html(load_shortlist(s, shortlist))
    out = tmp_path / "out" / "sheet.pdf"
    out.parent.mkdir()
    assert len(small) == 2 and pdf_pages(two_small, out) == 2  # one page each
    # Mayo Clinic in Rochester lists 11 trials: it runs over, and the next center still
    # starts a page of its own.
    assert pdf_pages(with_mayo, out) == 3
    assert [p.name for p in out.parent.iterdir()] == ["sheet.pdf"]  # no temporary file left


def test_cli_referral_writes_a_pdf_and_reports_bad_ids(seeded_store, shortlist, tmp_path, capsys):
    db = str(seeded_store.path)
    out = tmp_path / "referral.pdf"
    assert (
        main(
            [
                "--db",
                db,
                "referral",
                "--ids",
                ",".join(map(str, shortlist)),
                "--near",
                "55905",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF") and "2 centers" in capsys.readouterr().out
    assert main(["--db", db, "referral", "--ids", "1,x", str(out)]) == 2
    assert main(["--db", db, "referral", "--ids", "999999", str(out)]) == 2
    assert "no center with id 999999" in capsys.readouterr().err


def test_cli_imports_qt_only_for_the_referral_command():
    code = (
        "import sys; from directory_app.cli import build_parser; build_parser(); "
        "import directory_app.core.importing.importer, directory_app.core.exchange.export; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_referral_module_is_importable_without_qt_loaded():
    code = (
        "import sys; import directory_app.report.referral_sheet; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
