"""Placing a registry trial site whose city the gazetteer does not know under the name given.

ClinicalTrials.gov sites are typed by study staff, and a few spellings defeat an exact lookup:
German transliterations ("Tuebingen"), split names ("In Cheon"), French postal suffixes ("Pierre
Benite Cedex"), city and region swapped by the "City, State" split ("Navarra", "Pamplona" or
"P. R. China", "Beijing"), hospital suburbs too small for the gazetteer ("Herston" in
Brisbane), and the odd misspelling in a record ("Xi Ail" for Xi'an); each suburb or spelling is
a hand-kept row of localities.csv with its reason. Each rescue here is narrow, so a site is
never placed in a far-away namesake: every lookup stays inside the site's country, and a
region is read as a city only when it is not a region name of that country, or when the city
field holds the country or a region instead.
"""

from __future__ import annotations

import csv
import re
import threading

from directory_app.core.geo import places
from directory_app.core.geo.gazetteer import GAZETTEER_DIR, fold, gazetteer

LOCALITIES_FILE = GAZETTEER_DIR / "localities.csv"

# "Pierre Benite Cedex", "Lyon Cedex 03": CEDEX is a French mail-sorting suffix, not a place.
_CEDEX = re.compile(r"\s+cedex(?:\s+\d+)?$")
# German umlauts typed without the diacritic: "Tuebingen", "Koeln", "Muenchen".
_UMLAUT_SPELLINGS = (("ue", "u"), ("oe", "o"), ("ae", "a"))

_LOCK = threading.Lock()
_LOCALITIES: dict[tuple[str, str], str] | None = None


def locate_site(city: str, region: str | None, country: str | None) -> places.Place | None:
    """Where a trial site lies, or None: the exact gazetteer lookup first, then the rescues in
    the module docstring, in order of how little each one assumes."""
    found = places.locate_city(city, region, country)
    if found is not None or not city or not isinstance(city, str):
        return found
    code = places.country_code(country) if country else None
    if code is None or code == "US":
        # U.S. sites carry Postal Service city names, which the gazetteer holds in full; a miss
        # there is a typo that guessing would only hide.
        return None
    for spelling in _spellings(city):
        found = places.locate_city(spelling, region, country)
        if found is not None:
            return found
    table = _localities()
    for spelling in (fold(city), *_spellings(city)):
        locality = table.get((fold(spelling), code))
        if locality is not None:
            return places.locate_city(locality, None, country)
    if region and _region_is_a_city(city, region, code):
        return places.locate_city(region, None, country)
    return None


def _spellings(city: str) -> list[str]:
    """Other ways of writing `city` that a registry entry may have meant."""
    key = fold(city)
    out: list[str] = []
    if _CEDEX.search(key):
        out.append(_CEDEX.sub("", key))
    if " " in key:
        out.append(key.replace(" ", ""))
    german = key
    for typed, meant in _UMLAUT_SPELLINGS:
        german = german.replace(typed, meant)
    if german != key:
        out.append(german)
    return [s for s in out if s]


def _region_is_a_city(city: str, region: str, country: str) -> bool:
    """Whether the region field should be read as the site's city: when the city field holds the
    country or a region ("Iran", "Tehran"; "Navarra", "Pamplona"), or when the region is no
    region of the country and so names the town the site belongs to ("Shubra", "Cairo")."""
    g = gazetteer()
    key = fold(city)
    named = fold(g.country_names.get(country, country))
    if places.country_code(city) == country or key.endswith(" " + named):
        return True  # "Iran", "P. R. China"
    if any(cc == country for cc, _code in g.admin1_by_key.get(key, ())):
        return True
    return not any(cc == country for cc, _code in g.admin1_by_key.get(fold(region), ()))


def _localities() -> dict[tuple[str, str], str]:
    """(folded locality, country code) -> the gazetteer city that contains it, from the hand-kept
    localities.csv: suburbs and hospital campuses that registries name instead of the city."""
    global _LOCALITIES
    if _LOCALITIES is None:
        with _LOCK:
            if _LOCALITIES is None:
                table: dict[tuple[str, str], str] = {}
                if LOCALITIES_FILE.is_file():
                    for locality, country, city, _note in _rows():
                        table[(fold(locality), country)] = city
                _LOCALITIES = table
    return _LOCALITIES


def _rows() -> list[list[str]]:
    with LOCALITIES_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [row for row in reader if row]
