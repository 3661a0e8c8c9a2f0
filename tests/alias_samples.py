"""A center as the bundled directory leaves a merge of two registry names (for the alias,
split and undo tests of the core and the window). Invented names and trial numbers: no test
states a fact about a real institution."""

from __future__ import annotations

from datetime import date
from typing import Any

from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    ConditionTreated,
    TherapyOffering,
    Trial,
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
