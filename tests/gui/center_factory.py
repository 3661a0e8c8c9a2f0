"""Small, readable test directories for the main-window tests, built with the ORM."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from PySide6.QtWidgets import QApplication, QWidget

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    Contact,
    RedFlag,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)

CLEVELAND = (41.4993, -81.6944)
ROCHESTER_MN = (44.0225, -92.4699)
SEATTLE = (47.6062, -122.3321)


def center(**fields: Any) -> Center:
    """A verified center with sensible defaults; pass fields to override."""
    values: dict[str, Any] = {
        "name": "Test Center", "kind": "academic_hospital", "city": "Cleveland", "region": "OH",
        "country": "United States", "latitude": CLEVELAND[0], "longitude": CLEVELAND[1],
        "source": "verified", "last_verified": date(2026, 3, 2), "verified_by": "A. Reviewer",
    }  # fmt: skip
    values.update(fields)
    return Center(**values)


def small_directory(session: Any) -> dict[str, int]:
    """Five centers: three near Cleveland, one in Rochester MN, one in Seattle. Returns ids."""
    trial = Trial(nct_id="NCT01234567", title="Autologous HSCT for systemic sclerosis",
                  status="recruiting", phases=["phase2"], last_update=date(2026, 1, 10))
    rows = {
        "cleveland_clinic": center(
            name="Lakeside Autoimmune Institute",
            therapies=[TherapyOffering(therapy="hsct_autologous", source="verified",
                                       verified_on=date(2026, 3, 2))],
            conditions=[ConditionTreated(condition="systemic_sclerosis")],
            team=[TeamMember(role="specialty", discipline="rheumatology"),
                  TeamMember(role="specialty", discipline="hematology_transplant"),
                  TeamMember(role="service", discipline="nurse_navigator")],
            insurance_accepted=True,
        ),
        "akron": center(
            name="Akron Transplant Center", kind="transplant_center", city="Akron",
            latitude=41.0814, longitude=-81.5190,
            therapies=[TherapyOffering(therapy="hsct_allogeneic", source="registry",
                                       source_ref="NCT01234567")],
        ),
        "sandusky": center(
            name="Sandusky Cell Clinic", kind="autoimmune_clinic", city="Sandusky",
            latitude=41.4489, longitude=-82.7080, last_verified=date(2023, 1, 5),
            therapies=[TherapyOffering(therapy="msc_adipose")],
            red_flags=[RedFlag(kind="unproven_marketing", description="Advertises cures",
                               evidence_url="https://www.fda.gov/warning-letter")],
        ),
        "rochester": center(
            name="Rochester Neuro-Immunology", city="Rochester", region="MN",
            latitude=ROCHESTER_MN[0], longitude=ROCHESTER_MN[1],
            therapies=[TherapyOffering(therapy="hsct_autologous")],
            conditions=[ConditionTreated(condition="multiple_sclerosis")],
        ),
        "seattle": center(
            name="Puget Sound Sample Clinic", kind=None, city="Seattle", region="WA",
            latitude=SEATTLE[0], longitude=SEATTLE[1], source="sample", last_verified=None,
            verified_by=None,
        ),
    }
    session.add(trial)
    rows["cleveland_clinic"].trial_sites.append(
        TrialSite(trial=trial, site_status="recruiting", facility="Lakeside Hospital"))
    session.add_all(rows.values())
    session.flush()
    return {key: c.id for key, c in rows.items()}


def rich_center(session: Any) -> int:
    """One center with every field and fact kind filled in (for the detail pane)."""
    trial = Trial(nct_id="NCT07654321", title="MSC infusion in refractory lupus",
                  status="active_not_recruiting", phases=["phase1", "phase2"],
                  last_update=date(2025, 11, 3))
    c = center(
        name="Rich Center", address="9500 Euclid Ave", postal_code="44195",
        phone="+1 216 555 0100", email="referrals@example.org",
        website="https://example.org/stem-cells", setting="inpatient", typical_stay_days=28,
        age_min=18, age_max=65, requires_failed_conventional=True,
        eligibility_notes="Refractory disease after two lines of therapy",
        cost_min_usd=125000, cost_max_usd=200000, insurance_accepted=True, payment_plans=None,
        financial_assistance=False, accreditation="fact", accreditation_scope="Adult HSCT",
        notes="Call the coordinator first.", last_verified=date(2026, 3, 2),
        therapies=[TherapyOffering(therapy="hsct_autologous", delivery="intravenous",
                                   source="verified", verified_on=date(2026, 3, 2)),
                   TherapyOffering(therapy="msc_bone_marrow", source="registry",
                                   source_ref="NCT07654321")],
        conditions=[ConditionTreated(condition="lupus", source="registry",
                                     source_ref="NCT07654321")],
        team=[TeamMember(role="specialty", discipline="rheumatology", source="hifld")],
        contacts=[Contact(role="coordinator", name="Dana Lee", phone="+1 216 555 0101")],
        red_flags=[RedFlag(kind="regulator_warning", description="FDA letter in 2019",
                           evidence_url="javascript:alert(1)")],
    )
    c.trial_sites.append(TrialSite(trial=trial, site_status="active_not_recruiting",
                                   facility="Rich Hospital"))
    session.add_all([trial, c])
    session.flush()
    return c.id


W = TypeVar("W", bound=QWidget)


def shown_dialog(kind: type[W]) -> W | None:
    """The visible top-level widget of this type (a dialog the window opened), if any."""
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None
