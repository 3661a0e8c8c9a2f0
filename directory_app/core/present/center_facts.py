"""One presenter of a center's facts: labelled rows with their provenance and staleness.

The detail pane, the comparison, the referral sheet, the HSDS export and `directory-app show`
all show the same facts about a center. Each used to format them with helpers of its own, and
they drifted apart ("yes" here, "Yes" there; a cost "$90,000" in one view that was "up to
$90,000" in another; provenance with and without "by ..."). `center_facts` turns a center in
exchange form (`center_to_dict`, with `trial_records` attached by the loaders) into plain rows;
the views only lay them out (HTML, a table, PDF, text), so they cannot disagree about a fact.

Everything is plain text (no markup), so each view escapes for its own medium.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from directory_app.core.clinic_check.lookup import regulator_flags
from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    ContactRole,
    Delivery,
    Phase,
    Provenance,
    RedFlagKind,
    Setting,
    Specialty,
    SupportService,
    Therapy,
    TrialStatus,
)
from directory_app.core.present.words import (
    NEVER,
    NONE_RECORDED,
    UNKNOWN,
    as_date,
    is_missing,
    label,
    money_range,
    number_range,
    provenance,
    text,
    yes_no,
)
from directory_app.core.search.shapes import is_stale
from directory_app.core.search.staleness import status_stale, status_text

CTGOV_STUDY = "https://clinicaltrials.gov/study/"
TRIAL_NOTE = "A registered trial is not an approved treatment."


@dataclass(frozen=True)
class Fact:
    """One labelled row: `value` is UNKNOWN (or NONE_RECORDED for an empty list) when nothing
    is recorded, `source` says where the fact came from. `item` marks one entry of a list
    (all a section's items with one label form that list); `url` is a web address the row
    points to (a website, a red flag's evidence)."""

    key: str
    label: str
    value: str
    known: bool = True
    source: str = ""
    url: str | None = None
    item: bool = False


@dataclass(frozen=True)
class TrialFact:
    """One registered trial at the center, its statuses dated by the registry record."""

    nct_id: str
    title: str
    #: the status that applies to this center: the site's, else the trial's; with its date
    status: str
    status_label: str
    stale: bool
    trial_status: str
    site_status: str | None
    phases: str
    conditions: tuple[str, ...]
    facility: str
    last_update: date | None
    checked_on: str | None
    url: str


@dataclass(frozen=True)
class Section:
    """A titled group of facts, in the order a coordinator reads them."""

    key: str
    title: str
    facts: tuple[Fact, ...]

    def get(self, key: str) -> Fact:
        """The first fact with `key`; KeyError when the section has none."""
        for fact in self.facts:
            if fact.key == key:
                return fact
        raise KeyError(key)

    def items(self, key: str) -> list[Fact]:
        """The known entries of the list `key` (empty when only NONE_RECORDED stands there)."""
        return [f for f in self.facts if f.key == key and f.item and f.known]


@dataclass(frozen=True)
class CenterFacts:
    """Everything the views show about one center."""

    name: str
    kind: Fact
    sample: bool
    last_verified: date | None
    #: not verified by a person within STALE_AFTER_MONTHS (or never)
    stale: bool
    #: where the record as a whole came from (its `source`), and who last checked it
    record_source: str
    sections: tuple[Section, ...]
    trials: tuple[TrialFact, ...] = field(default=())
    #: the other names it is registered under, each with its source (see `_aliases`)
    aliases: tuple[tuple[str, str], ...] = field(default=())

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def fact(self, key: str) -> Fact:
        """The fact `key`, from whichever section holds it."""
        for s in self.sections:
            for f in s.facts:
                if f.key == key:
                    return f
        raise KeyError(key)

    @property
    def red_flags(self) -> list[Fact]:
        return self.section("red_flags").items("red_flag")


def _value(key: str, name: str, value: Any) -> Fact:
    return Fact(key, name, text(value), known=not is_missing(value))


def _answer(key: str, name: str, value: bool | None) -> Fact:
    return Fact(key, name, yes_no(value), known=value is not None)


def _fact_source(fact: Mapping[str, Any]) -> str:
    return provenance(fact.get("source"), fact.get("source_ref"), fact.get("verified_on"))


def _items(key: str, name: str, facts: Iterable[Fact]) -> list[Fact]:
    """The list's entries, or one NONE_RECORDED row standing for an empty list."""
    found = list(facts)
    return found or [Fact(key, name, NONE_RECORDED, known=False, item=True)]


def _role_order(person: Mapping[str, Any]) -> tuple[int, str]:
    codes = ContactRole.codes()
    role = person.get("role")
    return (codes.index(role) if role in codes else len(codes), str(person.get("name") or ""))


def contact_line(person: Mapping[str, Any]) -> str:
    """'Pat Rivera · 312-555-0101 · pat@example.org': the parts on record, UNKNOWN without."""
    parts = [str(person[k]) for k in ("name", "phone", "email") if not is_missing(person.get(k))]
    return " · ".join(parts) if parts else UNKNOWN


def _place(c: Mapping[str, Any]) -> str:
    region = " ".join(str(p) for p in (c.get("region"), c.get("postal_code")) if p)
    parts = [str(p) for p in (c.get("city"), region, c.get("country")) if p]
    return ", ".join(parts) if parts else UNKNOWN


def _contact(c: Mapping[str, Any]) -> Section:
    loc = c.get("location_source")
    located = (f"located by {provenance(loc)}"
               if loc and c.get("latitude") is not None else "")
    address = c.get("address")
    people = [
        Fact("person", label(ContactRole, p.get("role")), contact_line(p),
             source=_fact_source(p), item=True)
        for p in sorted(c.get("contacts") or [], key=_role_order)
    ]
    website = c.get("website")
    # Address and phone from a hospital list say so; the rest come from the center's source.
    contact_from = c.get("contact_source")
    ccn = c.get("ccn")
    contact_ref = f"CCN {ccn}" if ccn and contact_from == Provenance.CMS else None
    contact_note = provenance(contact_from, contact_ref) if contact_from else ""
    phone = _value("phone", "Phone", c.get("phone"))
    if contact_note and phone.known:
        phone = replace(phone, source=contact_note)
    hospital = (
        (Fact("hospital", "Certified hospital",
              "; ".join(str(p) for p in (c.get("hospital_type"), f"CCN {ccn}") if p),
              source=provenance(Provenance.CMS.value)),)
        if ccn else ()
    )  # fmt: skip
    return Section("contact", "Contact and roles", (
        Fact("address", "Address", text(address), known=not is_missing(address),
             source=contact_note if not is_missing(address) else ""),
        Fact("place", "Place", _place(c), known=_place(c) != UNKNOWN, source=located),
        phone,
        *hospital,
        _value("email", "Email", c.get("email")),
        Fact("website", "Website", text(website), known=not is_missing(website),
             url=None if is_missing(website) else str(website)),
        *_items("person", "People to contact", people),
    ))


def therapy_text(t: Mapping[str, Any]) -> str:
    """'HSCT (autologous) — intravenous'."""
    name = label(Therapy, t.get("therapy"))
    return name + (f" — {label(Delivery, t['delivery']).lower()}" if t.get("delivery") else "")


def _treatment(c: Mapping[str, Any]) -> tuple[Section, Section]:
    therapies = [Fact("therapy", "Therapy", therapy_text(t), source=_fact_source(t), item=True)
                 for t in c.get("therapies") or []]
    conditions = [Fact("condition", "Condition", label(Condition, x.get("condition")),
                       source=_fact_source(x), item=True) for x in c.get("conditions") or []]
    return (Section("therapies", "Therapies", tuple(_items("therapy", "Therapy", therapies))),
            Section("conditions", "Conditions treated",
                    tuple(_items("condition", "Condition", conditions))))


def _team(c: Mapping[str, Any]) -> Section:
    team = c.get("team") or []
    specialties = [Fact("specialty", "Specialties", label(Specialty, m.get("discipline")),
                        source=_fact_source(m), item=True)
                   for m in team if m.get("role") == "specialty"]
    services = [Fact("service", "Support services", label(SupportService, m.get("discipline")),
                     source=_fact_source(m), item=True)
                for m in team if m.get("role") == "service"]
    return Section("team", "Care team", (*_items("specialty", "Specialties", specialties),
                                         *_items("service", "Support services", services)))


def _setting(c: Mapping[str, Any]) -> Section:
    stay = c.get("typical_stay_days")
    stay_text = UNKNOWN if stay is None else f"{int(stay)} day{'s' * (int(stay) != 1)}"
    return Section("setting", "Setting", (
        Fact("setting", "Setting", label(Setting, c.get("setting")),
             known=bool(c.get("setting"))),
        Fact("typical_stay", "Typical stay", stay_text, known=stay is not None),
    ))


def _eligibility(c: Mapping[str, Any]) -> Section:
    lo, hi = c.get("age_min"), c.get("age_max")
    return Section("eligibility", "Eligibility", (
        Fact("ages", "Age range (years)", number_range(lo, hi),
             known=lo is not None or hi is not None),
        _answer("requires_failed_conventional", "Requires failed conventional treatment",
                c.get("requires_failed_conventional")),
        _value("eligibility_notes", "Eligibility notes", c.get("eligibility_notes")),
    ))


def _costs(c: Mapping[str, Any]) -> Section:
    lo, hi = c.get("cost_min_usd"), c.get("cost_max_usd")
    return Section("costs", "Costs and financial help", (
        Fact("cost", "Cost (USD)", money_range(lo, hi), known=lo is not None or hi is not None),
        _answer("insurance_accepted", "Insurance accepted", c.get("insurance_accepted")),
        _value("insurance_notes", "Insurance notes", c.get("insurance_notes")),
        _answer("payment_plans", "Payment plans", c.get("payment_plans")),
        _answer("financial_assistance", "Financial assistance", c.get("financial_assistance")),
        _answer("trial_reduced_cost", "Reduced cost in trials", c.get("trial_reduced_cost")),
    ))


def _accreditation(c: Mapping[str, Any]) -> Section:
    return Section("accreditation", "Accreditation", (
        Fact("accreditation", "Accreditation", label(Accreditation, c.get("accreditation")),
             known=bool(c.get("accreditation"))),
        _value("accreditation_scope", "Scope", c.get("accreditation_scope")),
    ))


#: Where a letter matched when the center is shown (not a stored flag) says it came from.
LETTER_MATCH_SOURCE = "bundled FDA letters list; the letter's firm and city match this center"


def _red_flags(c: Mapping[str, Any]) -> Section:
    """The stored red flags, then any FDA letter whose firm and place match the center.

    Letters are matched here as well as at the seed build, so a center added or imported
    later, or renamed, shows its letter too; the same name-and-place rule
    (`clinic_check.lookup.regulator_flags`) decides, and a letter already stored is not
    repeated."""
    stored = list(c.get("red_flags") or [])
    flags = [
        Fact("red_flag", label(RedFlagKind, f.get("kind")), text(f.get("description")),
             source=_fact_source(f), url=f.get("evidence_url") or None, item=True)
        for f in stored
    ]
    known_urls = {f.get("evidence_url") for f in stored}
    flags += [
        Fact("red_flag", label(RedFlagKind, f["kind"]), f["description"],
             source=LETTER_MATCH_SOURCE, url=f["evidence_url"], item=True)
        for f in regulator_flags(c) if f["evidence_url"] not in known_urls
    ]
    return Section("red_flags", "Red flags", tuple(_items("red_flag", "Red flags", flags)))


def _aliases(c: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The other names the center is registered under (registry sites merged as one
    institution), each with where it came from ("inferred from ClinicalTrials.gov NCT...")."""
    return tuple(
        (str(a["name"]), _fact_source(a)) for a in c.get("aliases") or [] if a.get("name")
    )


def _record(c: Mapping[str, Any]) -> Section:
    when = as_date(c.get("last_verified"))
    return Section("record", "Record", (
        Fact("last_verified", "Last verified", when.isoformat() if when else NEVER,
             known=when is not None),
        _value("verified_by", "Verified by", c.get("verified_by")),
        Fact("source", "Source", provenance(c.get("source"), c.get("source_ref")),
             known=bool(c.get("source"))),
        _value("source_ref", "Source reference", c.get("source_ref")),
        _value("notes", "Notes", c.get("notes")),
    ))


def _trial(site: Mapping[str, Any], record: Mapping[str, Any], today: date) -> TrialFact:
    nct = str(site.get("nct_id") or "")
    updated = as_date(record.get("last_update") or site.get("last_update"))
    trial_code = record.get("status") or site.get("trial_status")
    site_code = site.get("site_status")
    trial_status = status_text(label(TrialStatus, trial_code), updated, today)
    site_status = status_text(label(TrialStatus, site_code), updated, today) if site_code \
        else None
    applies = site_code or trial_code
    phases = record.get("phases") or site.get("phases") or []
    checked = record.get("checked_on")
    return TrialFact(
        nct_id=nct,
        title=str(record.get("title") or site.get("title") or ""),
        status=status_text(label(TrialStatus, applies), updated, today),
        status_label=label(TrialStatus, applies),
        stale=status_stale(updated, today),
        trial_status=trial_status,
        site_status=site_status,
        phases=", ".join(label(Phase, p) for p in phases),
        conditions=tuple(str(x) for x in record.get("conditions") or ()),
        facility=str(site.get("facility") or ""),
        last_update=updated,
        checked_on=str(checked) if checked else None,
        url=CTGOV_STUDY + nct,
    )


def trial_facts(c: Mapping[str, Any], today: date | None = None) -> tuple[TrialFact, ...]:
    """The center's trial links with their registry records (`trial_records`, by NCT number)."""
    day = today or date.today()
    records: Mapping[str, Any] = c.get("trial_records") or {}
    return tuple(_trial(site, records.get(str(site.get("nct_id"))) or {}, day)
                 for site in c.get("trials") or [])


def center_facts(c: Mapping[str, Any], today: date | None = None) -> CenterFacts:
    """The labelled rows of a center's facts, each with provenance; staleness judged on
    `today` (12 months for a person's verification and for a registry status)."""
    day = today or date.today()
    when = as_date(c.get("last_verified"))
    kind_code = c.get("kind")
    kind = Fact("kind", "Kind", label(CenterKind, kind_code), known=bool(kind_code),
                source=provenance(c.get("kind_source"), c.get("kind_source_ref"))
                if c.get("kind_source") else "")
    therapies, conditions = _treatment(c)
    return CenterFacts(
        name=text(c.get("name")),
        kind=kind,
        sample=c.get("source") == Provenance.SAMPLE,
        last_verified=when,
        stale=is_stale(when, day),
        record_source=provenance(c.get("source"), c.get("source_ref"), c.get("last_verified"),
                                 c.get("verified_by")),
        aliases=_aliases(c),
        sections=(
            _red_flags(c),
            _contact(c),
            therapies,
            conditions,
            _team(c),
            _setting(c),
            _eligibility(c),
            _costs(c),
            _accreditation(c),
            _record(c),
        ),
        trials=trial_facts(c, day),
    )
