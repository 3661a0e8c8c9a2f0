"""Samples for the alias, split, merge and undo tests of the core and the window: a center as
the bundled directory leaves a merge of two registry names (`merged_center`), and one
institution listed as two centers of one city (`two_centers`). Invented names and trial
numbers: no test states a fact about a real institution."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from directory_app.core.directory.editing import load_center
from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    ConditionTreated,
    Contact,
    RedFlag,
    TherapyOffering,
    Trial,
    TrialPlace,
    TrialSite,
)

CLEVELAND = (41.5051, -81.6934)
MAIN = "Lakeside University Hospitals Medical Center"
OTHER = "LUH Lakeside Hospitals"


def merged_center(store: Any) -> int:
    """One center as the seed build leaves a merge: two trials, each linked under the facility
    name the registry gave it, the other name kept as an alias."""
    with store.session() as s:
        lupus = Trial(nct_id="NCT09900001", title="Umbilical cord MSC for lupus nephritis",
                      conditions=["Lupus Nephritis"], interventions=["Umbilical cord MSC"],
                      status="recruiting", last_update=date(2025, 6, 1))
        ms = Trial(nct_id="NCT09900002", title="Autologous HSCT in multiple sclerosis",
                   conditions=["Multiple Sclerosis"],
                   interventions=["Autologous hematopoietic stem cell transplantation"],
                   status="recruiting", last_update=date(2025, 6, 1))
        c = Center(name=MAIN, city="Cleveland", region="OH", country="United States",
                   latitude=CLEVELAND[0], longitude=CLEVELAND[1], location_source="hifld",
                   source="registry", source_ref="ClinicalTrials.gov NCT09900001")
        c.trial_sites = [
            TrialSite(trial=lupus, facility=MAIN, city="Cleveland", country="United States"),
            TrialSite(trial=ms, facility=OTHER, city="Cleveland", country="United States"),
        ]
        c.conditions = [
            ConditionTreated(condition="lupus", source="registry", source_ref="NCT09900001"),
            ConditionTreated(condition="multiple_sclerosis", source="registry",
                             source_ref="NCT09900002"),
        ]
        c.therapies = [
            TherapyOffering(therapy="msc_umbilical_cord", source="registry",
                            source_ref="NCT09900001"),
            TherapyOffering(therapy="hsct_autologous", source="registry",
                            source_ref="NCT09900002"),
        ]
        c.aliases = [CenterAlias(name=OTHER, source="registry",
                                 source_ref="ClinicalTrials.gov NCT09900002")]
        s.add(c)
        s.flush()
        return c.id


def comparable(center: dict[str, Any]) -> dict[str, Any]:
    """A loaded center without what every write changes (its version and time stamp)."""
    return {k: v for k, v in center.items() if k not in ("version", "updated_at")}


KEPT = "Lakeside University Hospitals Medical Center"
DUPLICATE = "LUH Main Campus"
TODAY = date(2026, 6, 1)


def two_centers(store: Any) -> tuple[int, int]:
    """One institution as two centers of one city (invented names and trial numbers)."""
    with store.session() as s:
        lupus = Trial(nct_id="NCT09900011", title="MSC for lupus", status="recruiting")
        ms = Trial(nct_id="NCT09900012", title="HSCT for MS", status="recruiting")
        kept = Center(name=KEPT, city="Cleveland", region="OH", country="United States",
                      latitude=41.5, longitude=-81.6, location_source="gazetteer",
                      source="registry", source_ref="ClinicalTrials.gov NCT09900011")
        kept.trial_sites = [TrialSite(trial=lupus, facility=KEPT)]
        kept.conditions = [ConditionTreated(condition="lupus", source="registry",
                                            source_ref="NCT09900011")]
        other = Center(name=DUPLICATE, city="Cleveland", region="OH", country="United States",
                       phone="+1 216 555 0142", address="1 Lakeside Way", postal_code="44106",
                       contact_source="verified", cost_min_usd=90000,
                       source="registry", source_ref="ClinicalTrials.gov NCT09900012")
        other.trial_sites = [TrialSite(trial=ms, facility=DUPLICATE),
                             TrialSite(trial=lupus, facility=DUPLICATE)]
        other.conditions = [
            ConditionTreated(condition="lupus", source="verified", verified_on=TODAY),
            ConditionTreated(condition="multiple_sclerosis", source="registry",
                             source_ref="NCT09900012"),
        ]
        other.contacts = [Contact(role="coordinator", name="Dana Lee", source="verified")]
        other.red_flags = [RedFlag(kind="other", description="ask about costs", source="verified")]
        other.aliases = [CenterAlias(name="LUH", source="registry", source_ref="NCT09900012")]
        s.add_all([kept, other])
        s.flush()
        s.add(TrialPlace(trial=ms, city="Cleveland", country="United States",
                         center_id=other.id, inferred_from="sponsor_city"))
        return kept.id, other.id


def stored(store: Any, center_id: int) -> dict[str, Any]:
    """The center as `load_center` reads it now."""
    with store.session() as s:
        return load_center(s, center_id)


def names(store: Any) -> list[str]:
    """Every center's name, sorted."""
    with store.session() as s:
        return sorted(s.scalars(select(Center.name)))
