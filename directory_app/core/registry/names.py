"""Normalised facility and city names, and a conservative similarity between facility names.

The registry lists the same center under many spellings ("St. Mary's Hosp., Dept. of
Neurology", "Saint Marys Hospital"), and the HIFLD hospital list spells it in capitals again.
Two registry sites are the same center when their normalised facility and normalised city are
equal; `name_similarity` backs the fuzzier HIFLD matching. Normalised names are keys, not
display text: they drop case, accents, punctuation, a leading "The" and department suffixes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_ABBREVIATIONS: dict[str, str] = {
    "univ": "university", "universty": "university", "st": "saint", "ste": "sainte",
    "ctr": "center", "cntr": "center", "centre": "center", "hosp": "hospital",
    "hosps": "hospitals", "med": "medical", "mt": "mount", "ft": "fort", "natl": "national",
    "inst": "institute", "hlth": "health", "sch": "school", "mem": "memorial",
    "assoc": "associates", "dept": "department", "gen": "general", "reg": "regional",
    "hsp": "hospital", "clin": "clinic", "intl": "international", "sys": "system",
    "ped": "pediatric", "peds": "pediatric", "sci": "sciences",
    "paediatric": "pediatric", "orthopaedic": "orthopedic", "haematology": "hematology",
    # Misspellings common enough in the registry to be worth undoing.
    "univeristy": "university", "universtiy": "university", "unversity": "university",
    "hosptial": "hospital", "hosptials": "hospitals", "hopsital": "hospital",
}  # fmt: skip

#: Unambiguous institutional acronyms, spelled out so "UCSF" and "University of California, San
#: Francisco" compare equal. Ambiguous ones (USC, OSU, UW, UT) are deliberately left alone.
_ACRONYMS: dict[str, str] = {
    "ucsf": "university of california san francisco",
    "ucla": "university of california los angeles",
    "ucsd": "university of california san diego",
    "uci": "university of california irvine",
    "uab": "university of alabama at birmingham",
    "unc": "university of north carolina",
    "musc": "medical university of south carolina",
    "ohsu": "oregon health and science university",
    "upmc": "university of pittsburgh medical center",
    "upenn": "university of pennsylvania",
    "vcu": "virginia commonwealth university",
    "utmb": "university of texas medical branch",
    "nyu": "new york university",
    "lsu": "louisiana state university",
    "umass": "university of massachusetts",
    "mskcc": "memorial sloan kettering cancer center",
    "mgh": "massachusetts general hospital",
    "chop": "childrens hospital of philadelphia",
    "jhu": "johns hopkins university",
    "mcw": "medical college of wisconsin",
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words too common in hospital names to tell two centers apart on their own.
GENERIC_WORDS: frozenset[str] = _word_set(
    """hospital hospitals medical center centers university health healthcare care clinic clinics
    institute system systems college school medicine general regional foundation clinical
    sciences science campus services service national community inc llc main specialty network
    memorial saint state universitario universitaria universitari universitaire"""
)  # "university" in the registry's other languages: "Hospital Universitari Vall d'Hebron"
#: Words that tell two hospitals apart ("Mount Sinai West") but do not by themselves show that
#: two names mean the same place ("Greater Chesapeake" is not "Greater Baltimore").
WEAK_WORDS: frozenset[str] = _word_set(
    """greater north south east west northern southern eastern western central upper lower mid
    new good"""
)
#: Words naming a kind of facility: a "Children's Hospital" or "Cancer Center" is a different
#: place from the general hospital of the same name.
TYPE_WORDS: frozenset[str] = _word_set(
    """childrens children pediatric womens women cancer oncology heart cardiac cardiovascular
    transplant rehabilitation rehab psychiatric behavioral orthopedic eye ear spine surgical
    surgery kidney dialysis hospice veterans va military shriners diabetes endocrinology
    gastroenterology digestive rheumatology neurology dermatology arthritis liver lung foot
    ankle sports research studies trials associates practice partners specialists physicians
    group"""
)
STOPWORDS: frozenset[str] = _word_set(
    "of the and at for in de la le del di du des y et und a an on"
)

# A comma/dash/slash-separated part that names a department rather than the institution.
_DEPARTMENT_PART = re.compile(
    r"^(?:the\s+)?(?:(?:department|dept|dpt|division|div|section|service|unit|laboratory|lab"
    r"|program|programme|servicio|servizio|departamento|departement|abteilung|unidad|unita)\b"
    r"\.?\s*(?:of|for|de|di)?\b|.*\b(?:department|dept|division|section)\.?$)"
)
# A department tail inside one part: "Mayo Clinic Division of Rheumatology".
_DEPARTMENT_TAIL = re.compile(r"\s+(?:department|dept\.?|division|section)\s+(?:of|for)\s.*$")
_PARENTHETICAL = re.compile(r"\([^)]*\)")
_DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
#: Every apostrophe a registry or a hand-typed record uses ("Vall d’Hebron", "Vall dʼHebron").
_APOSTROPHES = re.compile(r"['’‘`´ʼʹ′＇]")
#: An elided article ("d'", "l'": Catalan, French, Italian) before a name: "Vall d'Hebron",
#: typed without its apostrophe as "Vall dHebron" (a lone small "d" glued to a capital).
_ELISION = re.compile(r"\b[dDlL]['’‘`´ʼʹ′＇](?=\w)|\bd(?=[A-Z][a-z])")


def _without_apostrophes(text: str) -> str:
    """Drop elided articles, then every apostrophe, before accents are folded: "Vall d'Hebron",
    "Vall D´Hebron", "Vall dHebron" and "Vall Hebron" all read "Vall Hebron". (Folding first
    would turn the acute accent ´ into a space: "Vall D Hebron".)"""
    return _APOSTROPHES.sub("", _ELISION.sub("", text))


def fold(text: str) -> str:
    """Lower case without accents ("Sjögren" → "sjogren"), the base of every key here."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    text = re.sub(r"[^a-z0-9]+", " ", text)
    # Initials written apart ("M D Anderson") join up, as dotted ones ("M.D.") did above.
    words = re.sub(r"\b([a-z]) (?=[a-z]\b)", r"\1", text).split()
    out: list[str] = []
    for word in words:
        out.extend(
            _ACRONYMS[word].split() if word in _ACRONYMS else [_ABBREVIATIONS.get(word, word)]
        )
    return out


def names_department(part: str) -> bool:
    """Whether one comma-separated part of a facility name names a department or unit
    ("Department of Hematopoietic Stem Cell Transplantation") rather than an institution."""
    return bool(_DEPARTMENT_PART.match(fold(_without_apostrophes(part)).strip()))


def normalize_facility(name: str) -> str:
    """Key for a facility name: "The Univ. of X Hosp., Dept. of Neurology" → "university of x
    hospital". Department parts are dropped only when something else names the institution."""
    text = _PARENTHETICAL.sub(" ", fold(_without_apostrophes(name)))
    parts = [p.strip() for p in re.split(r",|;|\s[-–—/]\s|/", text) if p.strip()]
    kept = [p for p in parts if not _DEPARTMENT_PART.match(p)] or parts
    trimmed = []
    for part in kept:
        cut = _DEPARTMENT_TAIL.sub("", part)
        trimmed.append(cut if cut.strip() else part)
    words = _words(" ".join(trimmed))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


_CITY_ALIASES = {"nyc": "new york", "new york city": "new york", "washington dc": "washington",
                 "washington d c": "washington"}  # fmt: skip


def normalize_city(name: str) -> str:
    """Key for a city: "St. Louis" and "Saint Louis" agree, as do "Changhua City" and "Changhua"."""
    words = _words(fold(_without_apostrophes(name)))
    text = " ".join(words)
    text = _CITY_ALIASES.get(text, text)
    if text.endswith(" city") and text.count(" ") >= 1:
        text = text[: -len(" city")]
    return text


def stem(word: str) -> str:
    """Undo a plural or possessive "s" ("Cedars" ~ "Cedar", "Childrens" ~ "Children")."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_words(name: str) -> list[str]:
    """Meaningful words of a facility name in order: normalised, stemmed, stopwords dropped."""
    return [stem(w) for w in normalize_facility(name).split() if w not in STOPWORDS]


def name_tokens(name: str) -> set[str]:
    """The set of `name_words`."""
    return set(name_words(name))


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_WORDS)
_TYPE_STEMS = frozenset(stem(w) for w in TYPE_WORDS)


def is_generic(token: str) -> bool:
    """True for words that do not identify a center ("hospital", "medical", one letter)."""
    return token in _GENERIC_STEMS or token in STOPWORDS or len(token) < 2


def is_type_word(token: str) -> bool:
    """True for words that name a kind of facility ("children", "cancer", "rehabilitation")."""
    return token in _TYPE_STEMS


def distinctive_tokens(tokens: Iterable[str], ignore: Iterable[str] = ()) -> set[str]:
    """Words that identify a particular center: not generic, not a facility type, not in
    `ignore` (the words of its city and state)."""
    skip = set(ignore)
    return {t for t in tokens if not is_generic(t) and not is_type_word(t) and t not in skip}


def _weight(token: str) -> float:
    return 0.5 if is_generic(token) else 1.0


def name_similarity(a: str, b: str) -> float:
    """Token-based similarity in 0..1 (weighted Dice over normalised words).

    Generic words ("hospital", "medical", "center") count half, so two names sharing only
    those stay well below the 0.8 that matching treats as "same place"; word order and
    punctuation do not matter.
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    shared = sum(_weight(t) for t in ta & tb)
    total = sum(_weight(t) for t in ta) + sum(_weight(t) for t in tb)
    return round(2 * shared / total, 6)
