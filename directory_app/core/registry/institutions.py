"""One institution, one center: registry sites that name the same institution are merged.

The registry spells one hospital many ways, and `sites.center_key` only joins spellings that
normalise to the same words. So the bundled directory had "UH Hospitals Cleveland" and
"University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center" as two
centers in one city. Two centers of the same city and country are merged here when
- the HIFLD hospital list matched both to the same hospital (`HIFLD hospital ID` in their
  source), or the CMS list gave both the same CCN (`rules=(BY_CCN,)`, after the CMS step),
- they have the same street address and postal code (which came from HIFLD or CMS), or
- their institution names are equal: the normalised name of the first part that is not a
  department (the rest names a unit: ", Case Comprehensive Cancer Center"), with the Cleveland
  "UH"/"UHHS" abbreviations spelled out, a repeated word dropped ("University Hospitals
  Hospitals") and a closing "Medical Center" / "Hospital(s)" left off. A name whose words tell
  a different kind of place apart ("Children's", "Cancer") keeps those words, so it stays its
  own center; a name that is only a department ("Department of Hematopoietic Stem Cell
  Transplantation") names no institution and is never merged by name, or
- their institution names name the same cancer center by its own name ("Ireland Cancer Center
  at University Hospitals ..." and "Lake/University Ireland Cancer Center"): the word before
  "Cancer Center" / "Cancer Institute" that is not a generic one ("Comprehensive").

Merging is conservative for the reason `importing.site_matching` gives: a wrong merge hides a
center behind another's name; a missed one leaves a duplicate a person can see. Every merged
name is kept as an alias of the center (found by the text search, source the registry record
it came from), the trial links keep the facility as the registry wrote it, and the build
prints every merge, so a person can check each and split a center again
(`importing.split_center.split_alias`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from directory_app.core.directory.vocab import Provenance
from directory_app.core.geo import places as geo
from directory_app.core.registry.names import (
    GENERIC_WORDS,
    STOPWORDS,
    TYPE_WORDS,
    names_department,
    normalize_city,
    normalize_facility,
)

BY_HOSPITAL = "same HIFLD hospital"
BY_ADDRESS = "same address"
BY_NAME = "same institution name"
BY_CANCER_CENTER = "same named cancer center"
BY_CCN = "same CMS hospital"

_HIFLD_REF = re.compile(r"HIFLD hospital (\S+)")
_CANCER_CENTER = re.compile(r"(?:^|\s)cancer (?:center|centre|centers|institute)(?:\s|$)")
#: Words before "Cancer Center" that do not name it ("Comprehensive Cancer Center").
_NOT_A_CANCER_CENTER_NAME = frozenset({"comprehensive", "clinical", "cancer", "oncology"})
#: Abbreviations of one health system, spelled out only within the institution key.
_SYSTEM_ABBREVIATIONS = {"uh": "university hospitals", "uhhs": "university hospitals"}
#: Closing words that only say what kind of building the institution is.
_CLOSING = (("medical", "center"), ("hospitals",), ("hospital",), ("health", "system"))


@dataclass(frozen=True)
class Merge:
    """Centers folded into `kept`: each merged name with the rule that joined it."""

    kept: str
    city: str
    merged: tuple[tuple[str, str], ...]

    def line(self) -> str:
        names = "; ".join(f"'{name}' ({rule})" for name, rule in self.merged)
        return f"merged into '{self.kept}' ({self.city}): {names}"


def institution_part(name: str) -> str | None:
    """The part of a facility name that names the institution: the first comma- or
    semicolon-separated part that is not a department, or None when every part is one."""
    for part in re.split(r"[,;]", name):
        if part.strip() and not names_department(part):
            return part.strip()
    return None


def institution_key(name: str) -> str:
    """The institution a facility name names, for comparing names within one city ("" when
    the name names only a department)."""
    first = institution_part(name)
    if first is None:
        return ""
    words: list[str] = []
    for word in normalize_facility(first).split():
        for part in _SYSTEM_ABBREVIATIONS.get(word, word).split():
            if not words or words[-1] != part:
                words.append(part)
    for closing in _CLOSING:
        n = len(closing)
        if len(words) > n + 1 and tuple(words[-n:]) == closing:
            words = words[:-n]
            break
    return " ".join(words)


def cancer_center_name(name: str) -> str | None:
    """The own name of the cancer center a facility name's institution part names ("ireland"
    for "Lake/University Ireland Cancer Center"), or None when it names none by its own name."""
    first = institution_part(name)
    if first is None:
        return None
    text = normalize_facility(first.replace("/", " "))
    found = _CANCER_CENTER.search(text)
    if found is None:
        return None
    for word in reversed(text[: found.start()].split()):
        if word in _NOT_A_CANCER_CENTER_NAME:
            continue
        if word in GENERIC_WORDS or word in STOPWORDS or word in TYPE_WORDS or len(word) < 3:
            return None
        return word
    return None


def _name_key(name: str) -> str | None:
    """The institution key with the name's facility-type words, or None when the name has no
    word of its own ("University Hospital"), which would join unrelated hospitals."""
    key = institution_key(name)
    if not key or not set(key.split()) - GENERIC_WORDS - STOPWORDS:
        return None
    return key + "|" + ",".join(sorted(_types(name)))


def _hospital(center: dict[str, Any]) -> str | None:
    found = _HIFLD_REF.search(center.get("source_ref") or "")
    return found.group(1) if found else None


def _address(center: dict[str, Any]) -> str | None:
    address, postal = center.get("address"), center.get("postal_code")
    if not address or not postal:
        return None
    return f"{' '.join(str(address).lower().split())}|{str(postal)[:5]}"


def place_key(city: str | None, country: str | None) -> str:
    """The city and country two centers must share to be one institution ("St. Louis" and
    "Saint Louis" agree, as do "USA" and "United States")."""
    code = geo.country_code(country or "") or (country or "")
    return f"{normalize_city(city or '')}|{code.lower()}"


def _types(name: str) -> frozenset[str]:
    """The facility-type words of the institution part of a name."""
    first = institution_part(name) or name
    return frozenset(normalize_facility(first).split()) & TYPE_WORDS


class _Groups:
    """Union-find over center indexes."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.rule: dict[int, str] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int, rule: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        self.rule.setdefault(a, rule)
        self.rule.setdefault(b, rule)


def _rank(center: dict[str, Any]) -> tuple[int, int, int, int, str]:
    """Which center of a group keeps its name and id: a hospital-list match first, then the
    most trials, then the fullest institution name ("University Hospitals Cleveland Medical
    Center" before "UH Hospitals Cleveland"), then the shorter whole name, then the id (so the
    choice is reproducible)."""
    first = re.split(r"[,;]", center["name"], maxsplit=1)[0].strip()
    return (-(_hospital(center) is not None), -len(center["trials"]), -len(first),
            len(center["name"]), center["uid"])  # fmt: skip


#: The rules `merge_same_institution` applies by default (the CCN comes later, from CMS).
REGISTRY_RULES = (BY_HOSPITAL, BY_ADDRESS, BY_NAME, BY_CANCER_CENTER)


def _candidates(center: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(rule, value) pairs: two centers of one place with an equal pair name one institution."""
    names = [center["name"], *(a["name"] for a in center.get("aliases") or [])]
    return [
        (BY_HOSPITAL, _hospital(center)),
        (BY_CCN, center.get("ccn")),
        (BY_ADDRESS, _address(center)),
        *((BY_NAME, _name_key(name)) for name in names),
        *((BY_CANCER_CENTER, cancer_center_name(name)) for name in names),
    ]


def find_merges(
    centers: list[dict[str, Any]], rules: Iterable[str] = REGISTRY_RULES
) -> list[list[tuple[int, str]]]:
    """Groups of 2+ centers (by index, with the rule that joined each) naming one institution."""
    groups = _Groups(len(centers))
    keys: dict[tuple[str, str, str], int] = {}
    wanted = frozenset(rules)
    for i, center in enumerate(centers):
        place = place_key(center.get("city"), center.get("country"))
        for rule, value in _candidates(center):
            if not value or rule not in wanted:
                continue
            first = keys.setdefault((rule, place, value), i)
            if first != i:
                groups.join(first, i, rule)
    members: dict[int, list[int]] = {}
    for i in range(len(centers)):
        members.setdefault(groups.find(i), []).append(i)
    out = []
    for group in members.values():
        if len(group) > 1:
            out.append([(i, groups.rule.get(i, "")) for i in group])
    return out


def _union(
    mine: list[dict[str, Any]], theirs: Iterable[dict[str, Any]], key: tuple[str, ...]
) -> None:
    have = {tuple(row.get(k) for k in key) for row in mine}
    for row in theirs:
        if tuple(row.get(k) for k in key) not in have:
            mine.append(row)
            have.add(tuple(row.get(k) for k in key))


def _first_ref(center: dict[str, Any]) -> str:
    return str(center.get("source_ref") or "").split(";")[0].strip()


def absorb(kept: dict[str, Any], other: dict[str, Any]) -> None:
    """Fold `other` into `kept`, in place: its name and aliases become aliases of `kept`, its
    trial links and facts are added where `kept` lacks them, and what `kept` does not know
    (kind, location, contacts) is taken from `other` with its source."""
    aliases = kept.setdefault("aliases", [])
    names = {a["name"] for a in aliases} | {kept["name"]}
    for alias in [{"name": other["name"], "source": Provenance.REGISTRY.value,
                   "source_ref": _first_ref(other), "verified_on": None},
                  *other.get("aliases", [])]:  # fmt: skip
        if alias["name"] not in names:
            aliases.append(alias)
            names.add(alias["name"])
    aliases.sort(key=lambda a: a["name"])
    _union(kept["trials"], other["trials"], ("nct_id",))
    kept["trials"].sort(key=lambda t: t["nct_id"])
    _union(kept["conditions"], other["conditions"], ("condition",))
    _union(kept["therapies"], other["therapies"], ("therapy",))
    _union(kept["team"], other["team"], ("role", "discipline"))
    _union(kept["contacts"], other["contacts"], ("role", "name", "phone", "email"))
    _union(kept["red_flags"], other["red_flags"], ("kind", "evidence_url"))
    if kept.get("kind") is None and other.get("kind") is not None:
        for field in ("kind", "kind_source", "kind_source_ref"):
            kept[field] = other.get(field)
    taken = False
    if kept.get("latitude") is None and other.get("latitude") is not None:
        for field in ("latitude", "longitude", "location_source"):
            kept[field] = other.get(field)
        taken = True
    if kept.get("address") is None and other.get("address") is not None:
        for field in ("address", "postal_code", "phone", "website", "contact_source"):
            kept[field] = other.get(field)
        taken = True
    if kept.get("ccn") is None and other.get("ccn") is not None:
        for field in ("ccn", "hospital_type"):
            kept[field] = other.get(field)
        taken = True
    if taken:  # what came from the other center's hospital-list match keeps its reference
        refs = [r.strip() for r in str(kept.get("source_ref") or "").split(";") if r.strip()]
        for ref in str(other.get("source_ref") or "").split(";")[1:]:
            if ref.strip() and ref.strip() not in refs:
                refs.append(ref.strip())
        kept["source_ref"] = "; ".join(refs)


#: Every rule, the CMS number included (for a directory whose centers already carry it).
ALL_RULES = (*REGISTRY_RULES, BY_CCN)


def plan_merges(
    centers: list[dict[str, Any]], rules: Iterable[str] = REGISTRY_RULES
) -> list[tuple[int, tuple[tuple[int, str], ...]]]:
    """Per institution named by several centers (by index): the center that keeps its name
    and id (`_rank`), and each other with the rule that joined it. Changes nothing."""
    plan = []
    for group in find_merges(centers, rules):
        ordered = sorted(group, key=lambda item: _rank(centers[item[0]]))
        plan.append((ordered[0][0], tuple((i, rule or BY_NAME) for i, rule in ordered[1:])))
    return plan


def merge_same_institution(
    centers: dict[str, dict[str, Any]], rules: Iterable[str] = REGISTRY_RULES
) -> tuple[list[Merge], dict[str, str]]:
    """Merge, in place, the centers of `centers` (key -> exchange form) that name one
    institution by any of `rules`. Returns the merges (for the build output) and merged uid ->
    kept uid."""
    keys = list(centers)
    rows = [centers[k] for k in keys]
    merges: list[Merge] = []
    moved: dict[str, str] = {}
    for kept_index, others in plan_merges(rows, rules):
        kept = rows[kept_index]
        merged = []
        for i, rule in others:
            other = rows[i]
            absorb(kept, other)
            moved[other["uid"]] = kept["uid"]
            merged.append((other["name"], rule))
            del centers[keys[i]]
        city = ", ".join(p for p in (kept.get("city"), kept.get("region")) if p)
        merges.append(Merge(kept["name"], city, tuple(sorted(merged))))
    merges.sort(key=lambda m: (m.city, m.kept))
    return merges, moved
