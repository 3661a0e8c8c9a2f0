"""Look a clinic up: in the FDA letters (by name or website) and in the directory.

What a patient advocate does when a patient brings a clinic's brochure. Matching is
conservative: names are compared after folding and dropping legal forms ("LLC", "Inc."), and
a partial name counts only when the shorter name has at least three words and appears whole in
the longer ("US Stem Cell Clinic" in "US Stem Cell Clinic of Sunrise"). A red flag is attached
to a directory center only when its name matches a letter's firm AND it is in the letter's city
and state; a letter without a city is shown by "check a clinic" but attached to no center.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from directory_app.core.clinic_check.letters import RegulatorLetter, bundled_letters, firm_key
from directory_app.core.registry.names import fold

#: Shortest name (in words) that may match as part of a longer one.
MIN_PARTIAL_WORDS = 3
_DOMAIN_IN_TEXT = re.compile(r"\b(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|us|co))\b")


def name_match(a: str, b: str) -> str | None:
    """'same name', 'part of the name' or None, comparing two firm or center names."""
    return _keys_match(firm_key(a), firm_key(b))


@lru_cache(maxsize=256)
def _name_keys(letter: RegulatorLetter) -> tuple[str, ...]:
    """The letter's firm names reduced once: every center shown is compared with them."""
    return tuple(firm_key(n) for n in letter.names)


def _keys_match(ka: str, kb: str) -> str | None:
    if not ka or not kb:
        return None
    if ka == kb:
        return "same name"
    short, long_ = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    if short not in long_:  # the usual answer, found without splitting either name
        return None
    if len(short.split()) >= MIN_PARTIAL_WORDS and f" {short} " in f" {long_} ":
        return "part of the name"
    return None


def domain_of(website: str) -> str:
    """'https://www.Example.com/x' or 'example.com' -> 'example.com' ('' when none)."""
    text = website.strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def _letter_domains(letter: RegulatorLetter) -> set[str]:
    return {m.group(1) for m in _DOMAIN_IN_TEXT.finditer(
        f"{letter.product} {letter.evidence_quote}".lower())}  # fmt: skip


def _domain_names_firm(domain: str, letter: RegulatorLetter) -> bool:
    """The site's name is the firm's name run together: usstemcellclinic.com."""
    label = domain.split(".")[0].replace("-", "")
    return any(firm_key(n).replace(" ", "") == label for n in letter.names) and len(label) > 5


@dataclass(frozen=True)
class LetterMatch:
    letter: RegulatorLetter
    how: str  # "same name", "part of the name", "website named in the letter", ...


@dataclass(frozen=True)
class CenterMatch:
    center: Mapping[str, Any]
    how: str
    #: The letters whose firm has this center's name AND is in its city (`letters_at`).
    letters: tuple[RegulatorLetter, ...] = ()


def letters_for(
    name: str = "", website: str = "", letters: Iterable[RegulatorLetter] | None = None
) -> list[LetterMatch]:
    """The letters whose firm has this name, or whose text or firm name is this website."""
    found: list[LetterMatch] = []
    domain = domain_of(website)
    key = firm_key(name) if name.strip() else ""
    for letter in bundled_letters() if letters is None else letters:
        how = None
        if key:
            how = next((h for k in _name_keys(letter) if (h := _keys_match(key, k))), None)
        if how is None and domain:
            if domain in _letter_domains(letter):
                how = "website named in the letter"
            elif _domain_names_firm(domain, letter):
                how = "website carries the firm's name"
        if how:
            found.append(LetterMatch(letter, how))
    return sorted(found, key=lambda m: m.letter.letter_date, reverse=True)


def centers_for(
    centers: Iterable[Mapping[str, Any]], name: str = "", website: str = ""
) -> list[CenterMatch]:
    """Directory centers (dicts with name, city, region, website, and optionally `aliases`:
    the other names it is registered under) with this name or website."""
    domain = domain_of(website)
    found = []
    for center in centers:
        how = name_match(name, str(center.get("name") or "")) if name.strip() else None
        for alias in center.get("aliases") or () if how is None and name.strip() else ():
            if (by_alias := name_match(name, str(alias))) is not None:
                how = f"{by_alias} (another name it is registered under: {alias})"
                break
        if how is None and domain and domain_of(str(center.get("website") or "")) == domain:
            how = "same website"
        if how:
            found.append(CenterMatch(center, how, tuple(letters_at(center))))
    return found


def _same_place(letter: RegulatorLetter, center: Mapping[str, Any]) -> bool:
    if not letter.city:
        return False
    if fold(letter.city).strip() != fold(str(center.get("city") or "")).strip():
        return False
    region = fold(str(center.get("region") or "")).strip()
    return letter.state is None or region in ("", fold(letter.state).strip())


def letters_at(
    center: Mapping[str, Any], letters: Iterable[RegulatorLetter] | None = None
) -> list[RegulatorLetter]:
    """The letters (newest first) whose firm has the center's name and is in its city and
    state: the only letters that may stand as a red flag on the center."""
    name = str(center.get("name") or "")
    return [m.letter for m in letters_for(name, letters=letters) if _same_place(m.letter, center)]


_NOT_A_VERDICT = " A warning letter is an allegation by FDA, not a court finding."


def regulator_flags(
    center: Mapping[str, Any], letters: Iterable[RegulatorLetter] | None = None
) -> list[dict[str, Any]]:
    """Red flags (the exchange form's dicts) for a center whose name AND place match a letter.

    The description states the letter and its date, never a verdict; the link is the source.
    """
    return [{
        "kind": "regulator_warning",
        "description": f"{letter.summary}: {letter.product} ({letter.firm}, "
        f"{letter.place}).{'' if letter.court_action else _NOT_A_VERDICT}",
        "evidence_url": letter.source_url,
        "source": "fda", "source_ref": letter.letter_date.isoformat(),
        "verified_on": None,
    } for letter in letters_at(center, letters)]  # fmt: skip
