"""ClinicalTrials.gov studies into the directory: trials, their sites, and the centers behind them.

The importer streams `StudyRecord`s (`ctgov.iter_studies`) and works in chunks of studies, so a
file of any size costs the memory of one chunk plus a small index of centers. Per chunk it
1. finds each site's center (`import_match.CenterIndex`), creating new centers with the shared
   rules of `sites.new_center` - the rules the bundled seed was built with;
2. decides what changes: new trials; for known trials, registry fields that differ (a record
   older than the stored one changes nothing; an empty value never blanks a stored one, as a
   format that lacks a field - the current CSV has no ages - says nothing about it); site
   status; facts inferred for the centers; a better position for a center (a v2 geoPoint beats
   HIFLD, HIFLD beats a gazetteer city, anything beats none) and HIFLD contact details it lacks;
3. writes it all in bulk (`import_writes.ChunkWriter`), journalling previous values for undo.

Respect for people's work: a center field listed in `Center.edited_fields`, a location whose
source is "verified", or a fact list a person edited is never changed by the registry; the
report lists the difference instead. Existing facts are never modified or removed (a verified
fact stays verified); the registry only adds facts that are missing.

Which studies: the directory is about autoimmune disease, so by default only studies that name
an autoimmune or immune-mediated condition (`classify.is_autoimmune_study`) are imported, as
for the bundled directory; a general MSC export would otherwise flood it with ARDS, COVID and
osteoarthritis trials. `all_conditions=True` keeps every study. A study already in the directory
is always updated, whatever its conditions. Skipped studies are counted in the report.

An update from the registry (`checked_on` given) also stamps every trial it read with that
date, and, for a record that carries the registry's whole site list (`sites_complete`, API v2),
marks the directory's sites of that trial the record no longer lists as "removed" rather than
keeping them as active; both are journalled, so "undo last import" takes them back too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Trial, TrialSite
from directory_app.core.directory.vocab import CenterKind, Provenance, TrialStatus
from directory_app.core.importing.report import (
    LISTED,
    Difference,
    ImportReport,
    TrialChange,
    UnplacedSite,
)
from directory_app.core.importing.site_matching import CenterIndex, CenterRef, place_words
from directory_app.core.importing.study_rules import (
    BEST_LOCATION,
    LOCATION_RANK,
    StudyFacts,
    is_older,
    site_contacts,
    trial_changes,
    trial_row,
)
from directory_app.core.importing.writes import (
    TRACKED,
    CenterState,
    ChunkWriter,
    Journal,
    TrialRef,
    chunks,
    fact_key,
    load_states,
)
from directory_app.core.registry.classify import kind_from_facility
from directory_app.core.registry.fields import SiteRecord, StudyRecord
from directory_app.core.registry.sites import Placement, center_key, new_center, place_site

CHUNK_STUDIES = 500
REMOVED = TrialStatus.REMOVED.value
#: A trial link already stored: its id, site status and registry contacts.
_Link = tuple[int, str | None, list[dict[str, Any]] | None]

ProgressFn = Callable[[int, str], None]


class RegistryImport:
    """One import of registry studies into the session's database (the caller's transaction)."""

    def __init__(
        self,
        session: Session,
        batch_id: int,
        report: ImportReport,
        *,
        all_conditions: bool = False,
        progress: ProgressFn | None = None,
        checked_on: date | None = None,
    ) -> None:
        self.session = session
        self.checked_on = checked_on
        self.report = report
        self.all_conditions = all_conditions
        self.progress = progress
        self.index = CenterIndex.load(session)
        self.journal = Journal()
        self.writer = ChunkWriter(session, batch_id, self.journal, self.index)
        self._keys: dict[tuple[str, str, str], str] = {}
        self._places: dict[tuple[Any, ...], Placement | None] = {}
        self._kinds: dict[str, CenterKind | None] = {}
        self._unplaced: dict[int, CenterState] = {}
        self._changes: dict[str, TrialChange] = {}  # per existing trial, in import order
        self._updated: set[int] = set()  # pre-existing centers whose fields changed

    # -- driving -----------------------------------------------------------------------------
    def run(self, studies: Iterable[StudyRecord]) -> None:
        chunk: list[StudyRecord] = []
        in_chunk: set[str] = set()
        for study in studies:
            self.report.studies_read += 1
            if study.nct_id in in_chunk:  # listed twice: the first must be written first
                self._chunk(chunk)
                chunk, in_chunk = [], set()
            chunk.append(study)
            in_chunk.add(study.nct_id)
            if len(chunk) >= CHUNK_STUDIES:
                self._chunk(chunk)
                chunk, in_chunk = [], set()
        if chunk:
            self._chunk(chunk)
        self.writer.finish()
        self._finish()

    def _chunk(self, studies: list[StudyRecord]) -> None:
        trials = self._existing_trials([s.nct_id for s in studies])
        links = self._existing_links([t.id for t in trials.values()])
        by_trial: dict[int, list[int]] = defaultdict(list)
        for trial_id, center_id in links:
            by_trial[trial_id].append(center_id)
        work: list[tuple[StudyRecord, StudyFacts, Trial | None, list[tuple[SiteRecord, CenterRef]]]]
        work = []
        for study in studies:
            trial = trials.get(study.nct_id)
            inferred = StudyFacts.of(study)
            if trial is None and not (self.all_conditions or inferred.autoimmune):
                self.report.studies_skipped += 1
                continue
            if trial is not None and is_older(study, trial):
                self.report.trials_older += 1
                self._checked(trial)
                continue
            pairs = [self._resolve(site, study) for site in self._sites(study)]
            work.append((study, inferred, trial, pairs))
        load_states(self.session, [ref for *_, pairs in work for _, ref in pairs])
        for study, inferred, trial, pairs in work:
            trial_ref = self._trial(study, trial)
            seen: set[int] = set()
            for site, ref in pairs:
                state = ref.state
                assert isinstance(state, CenterState)
                if id(ref) in seen:
                    continue  # two listed sites of one study turned out to be one center
                seen.add(id(ref))
                self._facts(state, inferred, study.nct_id)
                self._improve(state, site, study)
                self._link(trial_ref, ref, site, links)
                if state.values["latitude"] is None and state.unplaced is None:
                    state.unplaced = UnplacedSite(
                        site.facility, site.city, site.country, study.nct_id
                    )
                    self._unplaced[id(state)] = state
            if trial is not None and study.sites_complete and self.checked_on is not None:
                listed = {ref.id for _, ref in pairs if ref.id is not None}
                for center_id in by_trial.get(trial.id, ()):
                    if center_id not in listed:
                        self._remove_site(trial.nct_id, links, (trial.id, center_id))
        self.writer.flush()
        if self.progress is not None:
            self.progress(self.report.studies_read, f"{self.report.studies_read:,} studies read")

    def _remove_site(
        self,
        nct_id: str,
        links: dict[tuple[int, int], _Link],
        key: tuple[int, int],
    ) -> None:
        """Mark a site the registry's full record no longer lists (kept, not deleted: its
        history stays visible and undo can put the previous status back)."""
        link_id, before, contacts = links[key]
        if before == REMOVED:
            return
        self.writer.site_status(link_id, before, REMOVED)
        links[key] = (link_id, REMOVED, contacts)
        self.report.sites_removed += 1
        self._changes.setdefault(nct_id, TrialChange(nct_id)).sites_removed += 1

    def _checked(self, trial: Trial) -> None:
        """Stamp a trial the update read with the day it was checked (journalled for undo)."""
        if self.checked_on is None or trial.checked_on == self.checked_on:
            return
        self.journal.record(
            "trials", trial.id, {"checked_on": trial.checked_on}, {"checked_on": self.checked_on}
        )
        trial.checked_on = self.checked_on

    def _sites(self, study: StudyRecord) -> list[SiteRecord]:
        kept = []
        for site in study.sites:
            self.report.sites_read += 1
            if site.facility.strip():
                kept.append(site)
            else:
                self.report.sites_without_facility += 1
        return kept

    def _finish(self) -> None:
        self.report.centers_updated = len(self._updated)
        unplaced = [s for s in self._unplaced.values() if s.values["latitude"] is None]
        self.report.sites_unplaced = len(unplaced)
        self.report.unplaced = [s.unplaced for s in unplaced if s.unplaced is not None][:LISTED]
        changed = [c for c in self._changes.values() if c.changed()]
        self.report.trial_changes = changed[:LISTED]

    # -- trials --------------------------------------------------------------------------------
    def _existing_trials(self, nct_ids: list[str]) -> dict[str, Trial]:
        return {
            t.nct_id: t
            for t in self.session.scalars(select(Trial).where(Trial.nct_id.in_(nct_ids)))
        }

    def _existing_links(self, trial_ids: list[int]) -> dict[tuple[int, int], _Link]:
        found: dict[tuple[int, int], _Link] = {}
        for ids in chunks(trial_ids):
            stmt = select(
                TrialSite.id,
                TrialSite.trial_id,
                TrialSite.center_id,
                TrialSite.site_status,
                TrialSite.contacts,
            )
            for row in self.session.execute(stmt.where(TrialSite.trial_id.in_(ids))):
                found[(row.trial_id, row.center_id)] = (row.id, row.site_status, row.contacts)
        return found

    def _trial(self, study: StudyRecord, trial: Trial | None) -> TrialRef:
        if trial is None:
            ref = TrialRef(study.nct_id)
            self.writer.new_trial(ref, {**trial_row(study), "checked_on": self.checked_on})
            self.report.trials_new += 1
            return ref
        changes = trial_changes(study, trial)
        change = self._changes.setdefault(trial.nct_id, TrialChange(trial.nct_id))
        if "status" in changes:
            change.status = [trial.status, changes["status"]]
        if "phases" in changes:
            change.phases = [list(trial.phases or []), list(changes["phases"])]
        if changes:
            self.journal.record(
                "trials", trial.id, {f: getattr(trial, f) for f in changes}, changes
            )
            for f, value in changes.items():
                setattr(trial, f, value)
            self.report.trials_updated += 1
        else:
            self.report.trials_unchanged += 1
        self._checked(trial)
        return TrialRef(trial.nct_id, trial.id)

    def _link(
        self,
        trial: TrialRef,
        center: CenterRef,
        site: SiteRecord,
        links: dict[tuple[int, int], _Link],
    ) -> None:
        status = site.status.value if site.status else None
        contacts = site_contacts(site)
        existing = links.get((trial.id, center.id)) if trial.id and center.id else None
        if existing is None:
            self.writer.link(
                trial,
                center,
                {
                    "site_status": status,
                    "facility": site.facility,
                    "city": site.city or None,
                    "region": site.region,
                    "country": site.country or None,
                    "contacts": contacts,
                },
            )
            self.report.links_new += 1
            if trial.id is not None and trial.nct_id in self._changes:
                self._changes[trial.nct_id].sites_added += 1
            return
        link_id, before, before_contacts = existing
        key = (trial.id, center.id)
        if status is None and before == REMOVED:
            status = None  # listed again, without a site status of its own
            self.writer.site_status(link_id, before, status)
            links[key] = (link_id, status, before_contacts)  # type: ignore[index]
            before = status
            self.report.links_updated += 1
            if trial.nct_id in self._changes:
                self._changes[trial.nct_id].site_statuses_changed += 1
        if status is not None and status != before:
            self.writer.site_status(link_id, before, status)
            links[key] = (link_id, status, before_contacts)  # type: ignore[index]
            self.report.links_updated += 1
            if trial.nct_id in self._changes:
                self._changes[trial.nct_id].site_statuses_changed += 1
        # A format without contacts (the CSVs) says nothing about them: keep what is stored.
        if contacts is not None and contacts != before_contacts:
            self.writer.site_contacts(link_id, before_contacts, contacts)
            links[key] = (link_id, links[key][1], contacts)  # type: ignore[index]

    # -- centers -------------------------------------------------------------------------------
    def _key(self, site: SiteRecord) -> str:
        triple = (site.facility, site.city, site.country)
        key = self._keys.get(triple)
        if key is None:
            key = self._keys[triple] = center_key(site)
        return key

    def _kind(self, facility: str) -> CenterKind | None:
        """`classify.kind_from_facility`, once per facility name within an import."""
        if facility not in self._kinds:
            self._kinds[facility] = kind_from_facility(facility)
        return self._kinds[facility]

    def _place(self, site: SiteRecord) -> Placement | None:
        """`sites.place_site`, once per distinct site description within an import."""
        triple = (
            site.facility,
            site.city,
            site.region,
            site.country,
            site.latitude,
            site.longitude,
        )
        if triple not in self._places:
            self._places[triple] = place_site(site)
        return self._places[triple]

    def _resolve(self, site: SiteRecord, study: StudyRecord) -> tuple[SiteRecord, CenterRef]:
        key = self._key(site)
        ref = self.index.find(key)
        if ref is None:
            placement = self._place(site)
            if placement is not None:
                ref = self.index.near(
                    placement.latitude, placement.longitude, site.facility, place_words(site)
                )
                if ref is not None:
                    self.index.alias(key, ref)
            if ref is None:
                ref = self._create(key, site, study, placement)
                self.report.centers_new += 1
        if ref.new:
            self.report.sites_on_new_centers += 1
        else:
            self.report.sites_matched += 1
        return site, ref

    def _create(
        self, key: str, site: SiteRecord, study: StudyRecord, placement: Placement | None
    ) -> CenterRef:
        row = new_center(site, study, placement=placement)
        ref = CenterRef(None, row["uid"], row["name"], row["latitude"], row["longitude"], new=True)
        values = {f: row.get(f) for f in TRACKED}
        ref.state = CenterState(ref=ref, values=values, edited=frozenset(), facts=set(), row=row)
        self.writer.new_center(ref.state)
        self.writer.touch(ref.state)
        self.index.add(key, ref)
        return ref

    def _facts(self, state: CenterState, inferred: StudyFacts, nct_id: str) -> None:
        for kind, row in inferred.facts:
            key = fact_key(kind, row)
            if key in state.facts:
                continue
            if kind in state.edited:
                self._differ(state, kind, None, key[1], nct_id)
                continue
            state.facts.add(key)
            state.new_facts.append((kind, row))
            self.writer.touch(state)
            if state.preexisting:
                self.report.facts_added += 1

    def _improve(self, state: CenterState, site: SiteRecord, study: StudyRecord) -> None:
        """Fill what the center lacks and upgrade its position, within what people left open."""
        values = state.values
        if values["kind"] is None:
            kind = self._kind(site.facility)
            if kind is not None:
                self._set(
                    state,
                    {
                        "kind": kind.value,
                        "kind_source": Provenance.REGISTRY.value,
                        "kind_source_ref": study.nct_id,
                    },
                    study.nct_id,
                )
        source = values["location_source"]
        has_point = site.latitude is not None and site.longitude is not None
        if source == Provenance.VERIFIED.value or {"latitude", "longitude"} & state.edited:
            if has_point:
                self._point_differs(state, site, study.nct_id)
            return
        rank = LOCATION_RANK.get(source, 99)  # an unknown source is kept as it is
        if rank >= BEST_LOCATION or (rank > 0 and not has_point):
            return
        placement = self._place(site)
        if placement is None:
            return
        found = str(
            placement.source.value if isinstance(placement.source, Provenance) else placement.source
        )
        if LOCATION_RANK.get(found, 0) > rank:
            lat, lon = round(placement.latitude, 6), round(placement.longitude, 6)
            self._set(
                state, {"latitude": lat, "longitude": lon, "location_source": found}, study.nct_id
            )
            self.index.moved(state.ref, lat, lon)
        if placement.hospital_id is not None:
            details = {
                "address": placement.address,
                "phone": placement.phone,
                "website": placement.website,
                "postal_code": placement.postal_code or site.postal_code,
            }
            details = {f: v for f, v in details.items() if v and values[f] is None}
            ref_text = values["source_ref"] or ""
            if details and "HIFLD hospital" not in ref_text:
                hifld = f"HIFLD hospital {placement.hospital_id}"
                details["source_ref"] = f"{ref_text}; {hifld}" if ref_text else hifld
            self._set(state, details, study.nct_id)

    def _point_differs(self, state: CenterState, site: SiteRecord, nct_id: str) -> None:
        assert site.latitude is not None and site.longitude is not None
        mine = (state.values["latitude"], state.values["longitude"])
        theirs = (round(site.latitude, 6), round(site.longitude, 6))
        if (
            mine[0] is None
            or mine[1] is None
            or any(
                abs(a - b) > 1e-4
                for a, b in zip(mine, theirs, strict=True)
            )
        ):
            self._differ(state, "location", mine, theirs, nct_id)

    def _set(self, state: CenterState, changes: dict[str, Any], source: str) -> None:
        """Apply registry values a person has not claimed; list the claimed ones that differ."""
        for f in changes:
            if f in state.edited and state.values[f] != changes[f] and not f.endswith("_ref"):
                self._differ(state, f, state.values[f], changes[f], source)
        applied = {
            f: v for f, v in changes.items() if f not in state.edited and state.values[f] != v
        }
        if not applied:
            return
        state.values.update(applied)
        if state.row is not None:
            state.row.update(applied)
        else:
            state.dirty.update(applied)
        self.writer.touch(state)
        if state.preexisting:
            self._updated.add(id(state))

    def _differ(self, state: CenterState, field: str, mine: Any, theirs: Any, source: str) -> None:
        self.report.keep_difference(
            Difference(state.ref.uid, state.ref.name, field, mine, theirs, source)
        )
