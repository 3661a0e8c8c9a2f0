"""A synthetic directory for benchmarks: any number of centers, placed and equipped the way the
real directory is (clustered in cities, most in the U.S., many abroad; hospitals with large care
teams and trials, clinics with few), built with bulk inserts in seconds.

Every center's name starts with "[SYNTHETIC]" and every trial title ends with "(synthetic)", so a
synthetic row can never be mistaken for a real one. The same seed always builds the same
directory.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    RedFlag,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.directory.vocab import Condition, Specialty, SupportService
from directory_app.core.search.sql import optimize_search_index
from directory_app.core.storage.engine import Store

NAME_PREFIX = "[SYNTHETIC]"
US = "United States"

# Metro areas: city|region|country|latitude|longitude|population in millions.
_US_TABLE = """
New York|NY|United States|40.7128|-74.006|19.5
Los Angeles|CA|United States|34.0522|-118.2437|13.0
Chicago|IL|United States|41.8781|-87.6298|9.4
Dallas|TX|United States|32.7767|-96.797|7.6
Houston|TX|United States|29.7604|-95.3698|7.1
Washington|DC|United States|38.9072|-77.0369|6.3
Philadelphia|PA|United States|39.9526|-75.1652|6.2
Miami|FL|United States|25.7617|-80.1918|6.1
Atlanta|GA|United States|33.749|-84.388|6.1
Boston|MA|United States|42.3601|-71.0589|4.9
Phoenix|AZ|United States|33.4484|-112.074|4.9
San Francisco|CA|United States|37.7749|-122.4194|4.7
Detroit|MI|United States|42.3314|-83.0458|4.3
Seattle|WA|United States|47.6062|-122.3321|4.0
Minneapolis|MN|United States|44.9778|-93.265|3.7
San Diego|CA|United States|32.7157|-117.1611|3.3
Tampa|FL|United States|27.9506|-82.4572|3.2
Denver|CO|United States|39.7392|-104.9903|3.0
Baltimore|MD|United States|39.2904|-76.6122|2.8
St. Louis|MO|United States|38.627|-90.1994|2.8
Orlando|FL|United States|28.5383|-81.3792|2.7
Charlotte|NC|United States|35.2271|-80.8431|2.7
San Antonio|TX|United States|29.4241|-98.4936|2.6
Portland|OR|United States|45.5152|-122.6784|2.5
Pittsburgh|PA|United States|40.4406|-79.9959|2.4
Sacramento|CA|United States|38.5816|-121.4944|2.4
Austin|TX|United States|30.2672|-97.7431|2.3
Las Vegas|NV|United States|36.1699|-115.1398|2.3
Cincinnati|OH|United States|39.1031|-84.512|2.3
Kansas City|MO|United States|39.0997|-94.5786|2.2
Columbus|OH|United States|39.9612|-82.9988|2.1
Indianapolis|IN|United States|39.7684|-86.1581|2.1
Cleveland|OH|United States|41.4993|-81.6944|2.1
Nashville|TN|United States|36.1627|-86.7816|2.0
Milwaukee|WI|United States|43.0389|-87.9065|1.6
Jacksonville|FL|United States|30.3322|-81.6557|1.6
Oklahoma City|OK|United States|35.4676|-97.5164|1.4
Raleigh|NC|United States|35.7796|-78.6382|1.4
Salt Lake City|UT|United States|40.7608|-111.891|1.3
Memphis|TN|United States|35.1495|-90.049|1.3
Louisville|KY|United States|38.2527|-85.7585|1.3
New Orleans|LA|United States|29.9511|-90.0715|1.3
Birmingham|AL|United States|33.5186|-86.8104|1.1
Buffalo|NY|United States|42.8864|-78.8784|1.1
Rochester|MN|United States|44.0121|-92.4802|1.0
Honolulu|HI|United States|21.3069|-157.8583|1.0
Omaha|NE|United States|41.2565|-95.9345|1.0
Albuquerque|NM|United States|35.0844|-106.6504|0.9
Boise|ID|United States|43.615|-116.2023|0.8
Des Moines|IA|United States|41.5868|-93.625|0.7
Madison|WI|United States|43.0731|-89.4012|0.7
Spokane|WA|United States|47.6588|-117.426|0.6
Anchorage|AK|United States|61.2181|-149.9003|0.4
Billings|MT|United States|45.7833|-108.5007|0.2
"""
_WORLD_TABLE = """
Toronto|Ontario|Canada|43.6532|-79.3832|6.2
Montreal|Quebec|Canada|45.5019|-73.5674|4.3
Vancouver|British Columbia|Canada|49.2827|-123.1207|2.6
Mexico City|CDMX|Mexico|19.4326|-99.1332|21.8
Monterrey|Nuevo Leon|Mexico|25.6866|-100.3161|5.3
Sao Paulo|SP|Brazil|-23.5505|-46.6333|22.0
Buenos Aires||Argentina|-34.6037|-58.3816|15.0
London|England|United Kingdom|51.5074|-0.1278|9.5
Manchester|England|United Kingdom|53.4808|-2.2426|2.8
Paris|Ile-de-France|France|48.8566|2.3522|11.0
Berlin||Germany|52.52|13.405|3.6
Munich|Bavaria|Germany|48.1351|11.582|2.6
Madrid||Spain|40.4168|-3.7038|6.7
Barcelona|Catalonia|Spain|41.3874|2.1686|5.6
Milan|Lombardy|Italy|45.4642|9.19|4.3
Rome|Lazio|Italy|41.9028|12.4964|4.3
Amsterdam||Netherlands|52.3676|4.9041|2.5
Stockholm||Sweden|59.3293|18.0686|2.4
Uppsala||Sweden|59.8586|17.6389|0.4
Copenhagen||Denmark|55.6761|12.5683|2.0
Zurich||Switzerland|47.3769|8.5417|1.4
Vienna||Austria|48.2082|16.3738|1.9
Warsaw||Poland|52.2297|21.0122|1.8
Tel Aviv||Israel|32.0853|34.7818|4.1
Istanbul||Turkey|41.0082|28.9784|15.6
Beijing||China|39.9042|116.4074|21.0
Shanghai||China|31.2304|121.4737|27.0
Tokyo||Japan|35.6762|139.6503|37.0
Seoul||South Korea|37.5665|126.978|25.0
Delhi||India|28.7041|77.1025|31.0
Mumbai|Maharashtra|India|19.076|72.8777|20.0
Singapore||Singapore|1.3521|103.8198|5.9
Sydney|NSW|Australia|-33.8688|151.2093|5.3
Melbourne|Victoria|Australia|-37.8136|144.9631|5.1
Johannesburg|Gauteng|South Africa|-26.2041|28.0473|5.8
Dubai||United Arab Emirates|25.2048|55.2708|3.3
"""


def _metros(table: str) -> tuple[tuple[str, str, str, float, float, float], ...]:
    rows = (line.split("|") for line in table.strip().splitlines())
    return tuple((c, r, n, float(la), float(lo), float(p)) for c, r, n, la, lo, p in rows)


US_METROS = _metros(_US_TABLE)
WORLD_METROS = _metros(_WORLD_TABLE)
TOWNS = (
    "Springfield", "Franklin", "Greenville", "Clinton", "Fairview", "Salem", "Georgetown",
    "Madison", "Oxford", "Riverton", "Lebanon", "Ashland", "Milford", "Dover", "Jackson",
)  # fmt: skip
KINDS = {
    "academic_hospital": ("University Hospital", "Medical Center", "Academic Health System"),
    "transplant_center": (
        "Blood & Marrow Transplant Program", "Transplant & Cellular Therapy Center",
    ),
    "autoimmune_clinic": (
        "Autoimmune Clinic", "Rheumatology & Immunology Clinic", "Regenerative Clinic",
    ),
}  # fmt: skip
NAME_WORDS = (
    "Lakeside", "Northview", "Riverside", "Summit", "Harbor", "Pinecrest", "Meridian",
    "Westbrook", "Cedar", "Granite", "Silverleaf", "Bayview", "Highland", "Prairie",
)  # fmt: skip
NOTES = (
    "Scleroderma program with a dedicated transplant nurse.", "Pediatric and adult programs.",
    "Neuromyelitis optica referrals accepted.", "Lodging near campus for families.",
    "Telehealth follow-up after discharge.", "Spanish-speaking coordinators.",
    "Multi-agent conditioning regimens.", "Fertility preservation counselling offered.",
    "Clinical research unit on site.", "Multidisciplinary board reviews every referral.",
)  # fmt: skip
THERAPY_ODDS = {
    "academic_hospital": {"hsct_autologous": 0.5, "hsct_allogeneic": 0.4, "msc_bone_marrow": 0.25,
                          "other_cell_therapy": 0.2},
    "transplant_center": {"hsct_autologous": 0.8, "hsct_allogeneic": 0.7, "msc_bone_marrow": 0.2},
    "autoimmune_clinic": {"msc_adipose": 0.4, "msc_umbilical_cord": 0.35, "msc_bone_marrow": 0.25,
                          "msc_unspecified": 0.2, "hsct_autologous": 0.05},
}  # fmt: skip
# (specialties low, high, services low, high, trial links mean)
TEAM_SIZE = {"academic_hospital": (3, 8, 2, 6, 1.2), "transplant_center": (1, 4, 1, 5, 0.9),
             "autoimmune_clinic": (0, 2, 0, 2, 0.05)}  # fmt: skip
STATUSES = (("recruiting", 35), ("active_not_recruiting", 15), ("not_yet_recruiting", 5),
            ("completed", 35), ("terminated", 5), ("unknown", 5))  # fmt: skip
CHUNK = 5000
CONDITIONS = tuple(Condition.codes())
SPECIALTIES = tuple(Specialty.codes())
SERVICES = tuple(SupportService.codes())


@dataclass
class _Ids:
    center: int
    trial: int


def _place(rng: random.Random) -> tuple[str, str, str, float | None, float | None]:
    """City, region, country and coordinates: 1% unlocated; 65% U.S., mostly in metros."""
    if rng.random() < 0.01:
        return rng.choice(TOWNS), "", US, None, None
    if rng.random() < 0.65:
        if rng.random() < 0.15:  # rural: anywhere within a few hundred km of a metro
            city, region, country, lat, lon, _pop = rng.choice(US_METROS)
            city, sigma = rng.choice(TOWNS), 150.0
        else:
            city, region, country, lat, lon, pop = rng.choices(US_METROS, _US_WEIGHTS)[0]
            sigma = 12 + 10 * math.sqrt(pop)
    else:
        city, region, country, lat, lon, pop = rng.choices(WORLD_METROS, _WORLD_WEIGHTS)[0]
        sigma = 10 + 8 * math.sqrt(pop)
    dy, dx = rng.gauss(0, sigma), rng.gauss(0, sigma)
    lat = max(-89.0, min(89.0, lat + dy / 111.32))
    lon = lon + dx / (111.32 * math.cos(math.radians(lat)))
    lon = (lon + 180) % 360 - 180
    return city, region, country, round(lat, 6), round(lon, 6)


_US_WEIGHTS = [m[5] for m in US_METROS]
_WORLD_WEIGHTS = [math.sqrt(m[5]) for m in WORLD_METROS]


def _maybe(rng: random.Random, value: Any, known: float = 0.7) -> Any:
    """`value` with probability `known`, else None (unknown)."""
    return value if rng.random() < known else None


def _source(rng: random.Random, verified: float) -> str:
    return "verified" if rng.random() < verified else "registry"


def _center(rng: random.Random, cid: int, today: date, now: datetime) -> dict[str, Any]:
    kind = rng.choices(list(KINDS) + [None], (35, 20, 40, 5))[0]
    city, region, country, lat, lon = _place(rng)
    label = rng.choice(KINDS[kind or "autoimmune_clinic"])
    clinic = kind == "autoimmune_clinic"
    low, high = (5_000, 50_000) if clinic else (40_000, 200_000)
    cost = rng.randrange(low, high, 500)
    ages = rng.choice(((18, 65), (18, 70), (0, 21), (12, 75), (18, 80)))
    notes = " ".join(rng.sample(NOTES, rng.randint(0, 3)))
    verified = today - timedelta(days=rng.randrange(0, 1100))
    return {
        "id": cid, "uid": f"{rng.getrandbits(128):032x}",
        "name": f"{NAME_PREFIX} {rng.choice(NAME_WORDS)} {label} #{cid:06d}",
        "kind": kind, "city": city, "region": region or None, "country": country,
        "latitude": lat, "longitude": lon, "location_source": "sample",
        "setting": _maybe(rng, rng.choice(("outpatient", "inpatient", "both"))),
        "age_min": _maybe(rng, ages[0], 0.6), "age_max": _maybe(rng, ages[1], 0.6),
        "cost_min_usd": _maybe(rng, cost, 0.5), "cost_max_usd": None,
        "insurance_accepted": _maybe(rng, rng.random() < (0.2 if clinic else 0.8)),
        "financial_assistance": _maybe(rng, rng.random() < 0.5, 0.5),
        "accreditation": "fact" if kind == "transplant_center" and rng.random() < 0.6 else None,
        "notes": f"Synthetic record for benchmarks. {notes}".strip(),
        "source": "sample", "last_verified": _maybe(rng, verified),
        "edited_fields": [], "created_at": now, "updated_at": now, "version": 1,
    }  # fmt: skip


def _facts(rng: random.Random, c: dict[str, Any], trial_ids: range) -> dict[str, list[Any]]:
    """Therapy, condition, team, red-flag and trial-link rows for one center."""
    cid, kind = c["id"], c["kind"] or "autoimmune_clinic"
    out: dict[str, list[Any]] = {"therapy": [], "condition": [], "team": [], "flag": [], "site": []}
    for therapy, odds in THERAPY_ODDS[kind].items():
        if rng.random() < odds:
            out["therapy"].append(
                {"center_id": cid, "therapy": therapy, "source": _source(rng, 0.55)}
            )
    for condition in rng.sample(CONDITIONS, rng.randint(0, 5)):
        out["condition"].append(
            {"center_id": cid, "condition": condition, "source": _source(rng, 0.6)}
        )
    s_lo, s_hi, v_lo, v_hi, trials = TEAM_SIZE[kind]
    specialties = rng.sample(SPECIALTIES, rng.randint(s_lo, s_hi))
    if kind == "transplant_center" and "hematology_transplant" not in specialties:
        specialties.append("hematology_transplant")
    team = [("specialty", d) for d in specialties]
    team += [("service", d) for d in rng.sample(SERVICES, rng.randint(v_lo, v_hi))]
    for role, discipline in team:
        out["team"].append(
            {"center_id": cid, "role": role, "discipline": discipline,
             "source": _source(rng, 0.65)}
        )  # fmt: skip
    if rng.random() < (0.1 if kind == "autoimmune_clinic" else 0.01):
        out["flag"].append(
            {"center_id": cid, "kind": "unproven_marketing", "source": "verified",
             "description": "Synthetic red flag: markets an unproven treatment."}
        )  # fmt: skip
    links = min(len(trial_ids), int(rng.expovariate(1 / trials))) if trials else 0
    for trial_id in rng.sample(trial_ids, links):
        out["site"].append(
            {"trial_id": trial_id, "center_id": cid, "facility": c["name"],
             "site_status": _maybe(rng, "recruiting", 0.4), "city": c["city"],
             "region": c["region"], "country": c["country"]}
        )  # fmt: skip
    return out


def _trials(rng: random.Random, first_id: int, n: int) -> Iterator[dict[str, Any]]:
    statuses, weights = zip(*STATUSES, strict=True)
    interventions = ("Autologous HSCT", "Allogeneic HSCT", "Mesenchymal Stromal Cells",
                     "CAR-T Cells", "Umbilical Cord MSC", "Adipose-derived MSC")  # fmt: skip
    for i in range(n):
        condition = rng.choice(list(Condition)).label
        phase = rng.choice(("Phase 1", "Phase 2", "Phase 1/2", "Phase 3"))
        title = f"{phase} Study of {rng.choice(interventions)} in {condition} (synthetic)"
        yield {
            "id": first_id + i, "nct_id": f"NCT9{first_id + i:07d}", "title": title,
            "status": rng.choices(statuses, weights)[0], "phases": [], "conditions": [condition],
            "interventions": [], "sponsor": "Synthetic Sponsor",
            **_eligibility(random.Random(first_id + i)),
        }  # fmt: skip


def _eligibility(rng: random.Random) -> dict[str, Any]:
    """A trial's eligibility (ages, sex, criteria lists), some of it unknown as in the registry.
    Drawn from the trial's own generator so the rest of the directory stays as it was."""
    low, high = rng.choice(((18, 55), (18, 65), (18, 70), (12, 60), (None, None), (18, None)))
    return {
        "min_age_years": low, "max_age_years": high,
        "sex": rng.choices(("all", "female", "male", None), (80, 8, 4, 8))[0],
        "healthy_volunteers": rng.choice((False, False, True, None)),
        "inclusion_criteria": ["Synthetic inclusion criterion"] * rng.randint(1, 6),
        "exclusion_criteria": ["Synthetic exclusion criterion"] * rng.randint(0, 6),
    }  # fmt: skip


def _table(model: type[Any]) -> Table:
    """The Core table of a model: Core executemany skips the ORM's per-row bookkeeping."""
    table: Table = model.__table__
    return table


def _insert_chunk(
    session: Session, centers: list[dict[str, Any]], facts: list[tuple[type[Any], list[Any]]]
) -> None:
    """Insert centers and their facts. On SQLite the facts go first, foreign keys checked at
    commit: each fact's search-index trigger then finds no search row to rewrite, and the
    center's own insert trigger folds all its facts at once - about twice as fast as a
    rewrite per fact. Elsewhere (constraints are not deferrable) centers go first."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        order = [*facts, (Center, centers)]
    else:
        order = [(Center, centers), *facts]
    for model, rows in order:
        if rows:
            session.execute(insert(_table(model)), rows)


def build_synthetic(store: Store, n_centers: int, seed: int = 1) -> dict[str, float]:
    """Add `n_centers` synthetic centers (and about one trial per 25 centers) to `store`.

    Rows go in with executemany in chunks of 5,000 centers, one transaction per chunk, so memory
    stays flat however large the directory. Returns counts and the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today, now = date.today(), datetime.now().replace(microsecond=0)
    with store.session() as s:
        ids = _Ids(
            center=(s.scalar(select(func.max(Center.id))) or 0) + 1,
            trial=(s.scalar(select(func.max(Trial.id))) or 0) + 1,
        )
        n_trials = max(20, n_centers // 25)
        s.execute(insert(_table(Trial)), list(_trials(rng, ids.trial, n_trials)))
    trial_ids = range(ids.trial, ids.trial + n_trials)
    totals = {"centers": 0, "trials": n_trials, "trial_sites": 0, "team_members": 0}
    tables = {"therapy": TherapyOffering, "condition": ConditionTreated, "team": TeamMember,
              "flag": RedFlag, "site": TrialSite}  # fmt: skip
    for start in range(0, n_centers, CHUNK):
        centers = [
            _center(rng, ids.center + i, today, now)
            for i in range(start, min(n_centers, start + CHUNK))
        ]
        facts: dict[str, list[Any]] = {key: [] for key in tables}
        for c in centers:
            for key, rows in _facts(rng, c, trial_ids).items():
                facts[key].extend(rows)
        with store.session() as s:
            _insert_chunk(s, centers, [(tables[key], rows) for key, rows in facts.items()])
        totals["centers"] += len(centers)
        totals["trial_sites"] += len(facts["site"])
        totals["team_members"] += len(facts["team"])
    with store.session() as s:
        optimize_search_index(s)
    return {**totals, "seconds": round(time.perf_counter() - started, 1)}
