"""Registry facts converge: two copies that learnt a center or a trial from registry records merge
what they learnt instead of calling it a conflict; a difference that no rule settles is reported.

Two directories that imported registry downloads on their own (the same download, two formats of
it, or one a newer download) disagree about nothing a person said, yet a center's digest differs:
one side has the v2 geoPoint and the other the gazetteer's city centre, one has the postal code
the current CSV carries, one a trial link the other's download lacked. The sync merges such
centers with the importer's own rules, so both sides end as one import of both downloads would:

- an empty value never blanks a known one (a format lacking a field says nothing about it);
- the better location wins by its source (`LOCATION_RANK`: a geoPoint beats HIFLD beats a
  gazetteer city), as a group of latitude, longitude and source;
- facts (therapies, conditions, ...) and trial links are united: an import only ever adds them;
  a link known to both sides takes the side whose trial record is newer;
- which record first named a fact (`source_ref` and the like) is provenance, not a fact: the
  smaller reference is kept on both sides, so the choice is the same whichever side syncs first.

Whatever a person did is not the registry's to settle: a field in either side's
`edited_fields`, a verification stamp, a "verified" location, or two different non-empty values
that no rule orders, is a true difference - the center stays a conflict listed with those fields.

Trials follow the same rule: the newer `last_update` wins; with the same date (or none), the
records are filled from each other and two different non-empty values are a trial conflict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from directory_app.core.directory.vocab import Provenance
from directory_app.core.exchange.directory_form import CHILDREN
from directory_app.core.importing.study_rules import LOCATION_RANK

#: Local bookkeeping, never compared.
LOCAL = frozenset({"id", "version"})
#: Stamps of a person's work: different on the two sides is always a true difference.
PERSON_MARKS = frozenset({"last_verified", "verified_by", "verified_sections"})
#: Which record or list a fact came from: kept as the smaller reference on both sides.
PROVENANCE = frozenset({"source_ref", "kind_source", "kind_source_ref", "contact_source",
                        "record_source"})  # fmt: skip
LOCATION = ("latitude", "longitude", "location_source")
LINK_KEY = ("nct_id", "facility")

#: For a trial link known to both sides: > 0 when the first side's record of that trial is
#: newer, < 0 when the second side's is, 0 when neither is.
Newer = Callable[[str], int]


def empty(value: Any) -> bool:
    """Nothing known: None, an empty text, an empty list or mapping."""
    return value is None or value == "" or value == [] or value == {}


def same(a: Any, b: Any) -> bool:
    return a == b or (empty(a) and empty(b))


def _order(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def fill(a: dict[str, Any], b: dict[str, Any], *, provenance: frozenset[str] = PROVENANCE
         ) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """`a` with every empty value taken from `b`; returns it and the fields where both say
    something different (provenance fields take the smaller value instead)."""
    out: dict[str, Any] = {}
    differ: list[str] = []
    for key in sorted(a.keys() | b.keys()):
        x, y = a.get(key), b.get(key)
        if same(x, y):
            out[key] = x if key in a else y
        elif empty(x):
            out[key] = y
        elif empty(y):
            out[key] = x
        elif key in provenance:
            out[key] = min(x, y, key=_order)
        else:
            out[key] = x
            differ.append(key)
    return out, differ


def merge_trial_values(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One trial's record as both sides hold it (same last update, or none): the record filled
    from both, and the fields whose values truly differ (empty when they converge)."""
    return fill(a, b)


def _fact_pick(x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
    """The same fact on both sides with different provenance: the verified one, else the one
    from the smaller record reference; None when both were verified differently."""
    if empty(x.get("verified_on")) != empty(y.get("verified_on")):
        return x if not empty(x.get("verified_on")) else y
    if not empty(x.get("verified_on")):
        return None
    return min(x, y, key=_order)


def _unite(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]], key: tuple[str, ...],
           pick: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]
           ) -> list[dict[str, Any]] | None:  # fmt: skip
    """Rows of both sides by `key`, sorted as `center_to_dict` sorts them; None if `pick`
    cannot settle a row both sides hold differently."""
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows_a:
        rows[tuple(str(row.get(f)) for f in key)] = row
    for row in rows_b:
        k = tuple(str(row.get(f)) for f in key)
        mine = rows.get(k)
        if mine is None:
            rows[k] = row
        elif mine != row:
            chosen = pick(mine, row)
            if chosen is None:
                return None
            rows[k] = chosen
    return [rows[k] for k in sorted(rows)]


def _link_pick(newer: Newer) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]:
    def pick(x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any] | None:
        order = newer(str(x.get("nct_id")))
        first, second = (y, x) if order < 0 else (x, y)
        merged, differ = fill(first, second)
        return merged if order != 0 or not differ else None

    return pick


def _location(da: dict[str, Any], db: dict[str, Any]) -> dict[str, Any] | None:
    """The better of the two locations, as a group; None when no rule orders them."""
    la = {f: da.get(f) for f in LOCATION}
    lb = {f: db.get(f) for f in LOCATION}
    if all(same(la[f], lb[f]) for f in LOCATION):
        return la
    verified = Provenance.VERIFIED.value
    if verified in (la["location_source"], lb["location_source"]):
        return None
    known_a = not empty(la["latitude"]) and not empty(la["longitude"])
    known_b = not empty(lb["latitude"]) and not empty(lb["longitude"])
    if known_a != known_b:
        return la if known_a else lb
    rank_a = LOCATION_RANK.get(la["location_source"], 0)
    rank_b = LOCATION_RANK.get(lb["location_source"], 0)
    if rank_a == rank_b:
        return None
    return la if rank_a > rank_b else lb


def merge_centers(da: dict[str, Any], db: dict[str, Any], newer: Newer
                  ) -> tuple[dict[str, Any] | None, list[str]]:  # fmt: skip
    """One center as both sides hold it (exchange form, `center_to_dict`): the merged center,
    or None and the fields that truly differ (see the module docstring)."""
    person = set(da.get("edited_fields") or []) | set(db.get("edited_fields") or [])
    out: dict[str, Any] = {}
    differ: list[str] = []
    for key in sorted((da.keys() | db.keys()) - LOCAL - set(LOCATION)):
        x, y = da.get(key), db.get(key)
        if same(x, y):
            out[key] = x if key in da else y
        elif key == "edited_fields":
            out[key] = sorted(set(x or []) | set(y or []))
        elif key in PERSON_MARKS or key in person:
            differ.append(key)
        elif key in CHILDREN:
            rows = _unite(x or [], y or [], CHILDREN[key][1], _fact_pick)
            if rows is None:
                differ.append(key)
            out[key] = rows
        elif key == "trials":
            links = _unite(x or [], y or [], LINK_KEY, _link_pick(newer))
            if links is None:
                differ.append(key)
            out[key] = links
        elif empty(x) or empty(y):
            out[key] = y if empty(x) else x
        elif key in PROVENANCE:
            out[key] = min(x, y, key=_order)
        else:
            differ.append(key)
    if all(same(da.get(f), db.get(f)) for f in LOCATION):
        location: dict[str, Any] | None = {f: da.get(f) for f in LOCATION}
    else:
        location = None if person & set(LOCATION) else _location(da, db)
    if location is None:
        differ.extend(f for f in LOCATION if not same(da.get(f), db.get(f)))
    else:
        out.update(location)
    if differ:
        return None, sorted(differ)
    return out, []
