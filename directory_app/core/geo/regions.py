"""Place-name knowledge shared by the registry parser and the hospital matcher.

ClinicalTrials.gov's classic CSV writes each site as one string, "Facility, City, [State,]
Country", and facility names may themselves contain commas. Splitting such a string from the
right needs to know which country names contain a comma ("Korea, Republic of"), which tokens are
U.S. states, and which tokens look like a region rather than a city. Those tables live here so
that the parser and the HIFLD matcher (which keys hospitals by two-letter state) agree.
"""

from __future__ import annotations

import re
import unicodedata

US_COUNTRY = "United States"

#: U.S. state (and territory) names as ClinicalTrials.gov writes them → USPS code, as HIFLD uses.
US_STATES: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Puerto Rico": "PR", "Guam": "GU", "Virgin Islands": "VI", "American Samoa": "AS",
    "Northern Mariana Islands": "MP",
}  # fmt: skip

_STATE_LOOKUP: dict[str, str] = {}
for _name, _code in US_STATES.items():
    _STATE_LOOKUP[_name.casefold()] = _code
    _STATE_LOOKUP[_code.casefold()] = _code
_STATE_LOOKUP["washington dc"] = _STATE_LOOKUP["washington d.c."] = "DC"


def us_state_code(text: str | None) -> str | None:
    """Two-letter code for a U.S. state given by name or code ("Minnesota", "MN"), else None."""
    if not text:
        return None
    return _STATE_LOOKUP.get(" ".join(text.split()).casefold())


# A trailing token like "Republic of" means the country name itself contained a comma.
_COUNTRY_TAIL = re.compile(
    r"^(?:the\s+)?(?:[\w'\s]*\b(?:republic|state|states|territory|province)\s+of(?:\s+the)?"
    r"|province of china|occupied|sar|the)$",
    re.IGNORECASE,
)


def is_country_tail(token: str) -> bool:
    """True for the second half of a comma-containing country name ("Islamic Republic of")."""
    return bool(_COUNTRY_TAIL.match(token.strip()))


# Regions that ClinicalTrials.gov sites commonly name as their "State" outside the U.S. (folded:
# lower case, no accents). Not exhaustive; it backs up the shape heuristics in `looks_like_region`.
_KNOWN_REGIONS = """
anhui; beijing; chongqing; fujian; gansu; guangdong; guangxi; guizhou; hainan; hebei;
heilongjiang; henan; hubei; hunan; inner mongolia; jiangsu; jiangxi; jilin; liaoning; ningxia;
qinghai; shaanxi; shandong; shanghai; shanxi; sichuan; tianjin; tibet; xinjiang; yunnan;
zhejiang; hong kong;
alberta; british columbia; manitoba; new brunswick; newfoundland and labrador; nova scotia;
ontario; prince edward island; quebec; saskatchewan;
new south wales; queensland; south australia; tasmania; victoria; western australia;
australian capital territory; northern territory;
andhra pradesh; assam; bihar; delhi; goa; gujarat; haryana; karnataka; kerala; madhya pradesh;
maharashtra; odisha; punjab; rajasthan; tamil nadu; telangana; uttar pradesh; uttarakhand;
west bengal; chandigarh;
sao paulo; rio de janeiro; rio grande do sul; parana; bahia; minas gerais; santa catarina;
pernambuco; ceara; goias; distrito federal;
andalucia; andalusia; aragon; asturias; cantabria; castilla y leon; castilla-leon;
castilla-la mancha; cataluna; catalonia; comunidad valenciana; comunidad de madrid;
extremadura; galicia; la rioja; murcia; navarra; pais vasco; basque country; bizkaia;
gipuzkoa; baleares; islas baleares; canarias; las palmas; santa cruz de tenerife; ciudad real;
baden-wurttemberg; bavaria; bayern; brandenburg; hessen; hesse; mecklenburg-vorpommern;
niedersachsen; lower saxony; nordrhein-westfalen; north rhine-westphalia; rheinland-pfalz;
saarland; sachsen; saxony; sachsen-anhalt; schleswig-holstein; thuringen; thuringia;
lombardia; lombardy; lazio; toscana; tuscany; piemonte; veneto; emilia-romagna; campania;
sicilia; puglia; ile-de-france;
gyeonggi-do; gangwon-do; chungcheongbuk-do; chungcheongnam-do; jeollabuk-do; jeollanam-do;
gyeongsangbuk-do; gyeongsangnam-do; jeju-do; kyunggido; kyonggi-do; kangwon-do;
dki jakarta; jawa barat; jawa tengah; jawa timur; west java; central java; east java;
selangor; johor; kedah; kelantan; melaka; negeri sembilan; pahang; perak; perlis;
pulau pinang; sabah; sarawak; terengganu; wilayah persekutuan;
england; scotland; wales; northern ireland;
region metropolitana; baja california; jalisco; nuevo leon; antioquia; cundinamarca;
fars; khorasan; razavi khorasan
"""
KNOWN_REGIONS: frozenset[str] = frozenset(
    " ".join(name.split()) for name in _KNOWN_REGIONS.split(";") if name.strip()
)

_REGION_SUFFIX = re.compile(
    r"(?:-do|\bprovince|\bprov\.?|\boblast|\bstate|\bregion|\bprefecture|\bpref\.?|\bkrai"
    r"|\bcounty|\bdistrict|\bterritory|\bmetropolitan)$",
    re.IGNORECASE,
)

#: Words that mark a token as (part of) an institution, a department, a street or a person
#: rather than a place. Matched against the accent-folded, lower-case token.
_FACILITY_WORDS = re.compile(
    r"hospit|hopit|ospedal|klinik|clinic|clinica|krankenhaus|universi|college|facult|school"
    r"|institut|center|centre|centro|zentrum|departe?ment|dept|division|servic|sektion|section"
    r"|\bunit\b|laborator|foundation|fundaci|fondazione|medical|medicine|health|research|campus"
    r"|pavilion|building|\bward\b|azienda|policlinico|\bchu\b|\bchr\b|\binc\b|\bllc\b|\bltd\b"
    r"|gmbh|\bp\.?a\.?$|associates|group|practice|praxis|ambulanz|\bsite\b|cancer|society"
    r"|academy|trust|\bnhs\b|olog(?:y|ie|ia|ies|ical)\b|surg|chir|cirug|transplant"
    r"|\bprof|\bdr\b|\bmd\b|\bphd\b"
    r"|\b(?:ave|avenue|street|str|road|rd|blvd|calle|av|lu|s/n)\b"
)
_ACRONYM = re.compile(r"[A-Z]{3,}|[A-Z]+[a-z]*[A-Z]{2,}")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def looks_like_facility(token: str) -> bool:
    """True if the token reads like an institution (hospital, university, department ...)."""
    token = token.strip()
    return bool(_FACILITY_WORDS.search(_fold(token)) or _ACRONYM.fullmatch(token))


def looks_like_region(token: str, before: str | None, country: str, *, room: bool) -> bool:
    """Decide whether `token` (just left of the country) is a state/province, not the city.

    `before` is the token to its left (the city, if `token` is a region); `room` says whether a
    token would still be left for the facility. A known region name, a region-shaped suffix
    ("Gyeonggi-do", "Sverdlovsk Oblast") or a repeated name ("Tianjin, Tianjin") settles it. With
    room for a facility, two plain place names in a row ("Alcázar De San Juan, Ciudad Real") are
    also read as city then region — but never when the left one reads like an institution or a
    street address, because a site string always names its city.
    """
    if country == US_COUNTRY:
        return us_state_code(token) is not None
    if before is None or not token.strip():
        return False
    folded = _fold(token).rstrip(". ")
    before_folded = _fold(before)
    if before_folded == folded:
        return True
    if looks_like_facility(before):
        return False
    if folded in KNOWN_REGIONS or _REGION_SUFFIX.search(folded):
        return True
    if not room or looks_like_facility(token):
        return False
    return not any(ch.isdigit() for ch in before + token)
