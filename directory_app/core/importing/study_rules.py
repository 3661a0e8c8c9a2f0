"""What one registry study says, as the importer applies it: the trial's columns, the facts it
implies for every center that runs it, and how placements rank against each other.

Pure functions over `StudyRecord`s, kept apart from the importer's bookkeeping so each rule can
be read (and tested) on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from directory_app.core.directory.models import Trial
from directory_app.core.directory.vocab import Provenance
from directory_app.core.exchange.directory_form import TRIAL_FIELDS
from directory_app.core.registry.classify import (
    specialties_for_conditions,
    study_conditions,
    therapies_from_text,
)
from directory_app.core.registry.fields import SiteRecord, StudyRecord

#: How much a placement source is worth; a better one replaces a worse one. A location a person
#: set ("verified") or any source not listed here is never replaced.
LOCATION_RANK: dict[str | None, int] = {
    None: 0,
    Provenance.SAMPLE.value: 1,
    Provenance.GAZETTEER.value: 1,
    Provenance.HIFLD.value: 2,
    Provenance.REGISTRY.value: 3,
}
BEST_LOCATION = LOCATION_RANK[Provenance.REGISTRY.value]


def trial_row(study: StudyRecord) -> dict[str, Any]:
    """The trial's columns as the database stores them."""
    row = {f: getattr(study, f) for f in TRIAL_FIELDS}
    row.update(
        status=study.status.value,
        phases=[p.value for p in study.phases],
        conditions=list(study.conditions),
        interventions=list(study.interventions),
        inclusion_criteria=_list(study.inclusion_criteria),
        exclusion_criteria=_list(study.exclusion_criteria),
    )
    return row


def _list(items: tuple[str, ...] | None) -> list[str] | None:
    return None if items is None else list(items)


def site_contacts(site: SiteRecord) -> list[dict[str, str | None]] | None:
    """A site's registry contacts as stored on its trial link; None if the format has none."""
    return None if site.contacts is None else [c.as_dict() for c in site.contacts]


def trial_changes(study: StudyRecord, trial: Trial) -> dict[str, Any]:
    """Registry fields of `trial` that `study` changes. An empty value never blanks a stored
    one: a format that lacks a field (the current CSV has no ages) says nothing about it."""
    return {
        f: v
        for f, v in trial_row(study).items()
        if v not in (None, [], "") and getattr(trial, f) != v
    }


def is_older(study: StudyRecord, trial: Trial) -> bool:
    """The file's record was last updated before the one the directory holds."""
    return bool(study.last_update and trial.last_update and study.last_update < trial.last_update)


@dataclass(frozen=True, slots=True)
class StudyFacts:
    """What one study says about every center that runs it (computed once per study)."""

    autoimmune: bool
    facts: tuple[tuple[str, dict[str, Any]], ...]

    @classmethod
    def of(cls, study: StudyRecord) -> StudyFacts:
        conditions = study_conditions(study)
        therapies = therapies_from_text(study.interventions, study.title, conditions)
        specialties = specialties_for_conditions(conditions, therapies)
        ref = {"source": Provenance.REGISTRY.value, "source_ref": study.nct_id, "verified_on": None}
        facts: list[tuple[str, dict[str, Any]]] = []
        facts += [("conditions", {"condition": c.value, **ref}) for c in sorted(conditions)]
        facts += [
            ("therapies", {"therapy": t.value, "delivery": None, **ref}) for t in sorted(therapies)
        ]
        facts += [
            ("team", {"role": "specialty", "discipline": s.value, **ref})
            for s in sorted(specialties)
        ]
        # `classify.is_autoimmune_study` is exactly "names a condition we know".
        return cls(bool(conditions), tuple(facts))
