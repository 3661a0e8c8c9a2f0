"""Which directory center a registry site belongs to: the matching half of the importer.

A site joins an existing center when
1. its identity (`sites.center_key`: normalised facility | city | country) is the identity of a
   center's name, of a facility the registry listed for that center before, or the one its
   registry-derived uid was made from (`sites.center_uid`) - so the bundled seed, built with the
   same rules, is matched exactly and an import of the same records adds no duplicates; or
2. its position is within `NEAR_KM` of a center's and the names are close (`names_close`):
   e.g. "University of Chicago" and "University of Chicago Hospitals", placed at one point.
Otherwise the importer creates a new center and registers it here, so later sites of the same
file find it.

"Close" is deliberately conservative. A wrong merge would hide a center behind another's name
and send a patient to the wrong building; a missed merge only leaves a duplicate a person can
see and delete. So besides a high token similarity, neither name may have an identifying word
the other lacks ("Gangdong Kyung Hee University Hospital" is not "Kyung Hee University
Hospital") nor a facility-type word ("Children's", "Cancer").

The index holds small entries only (id, name, position), so a directory of 100,000 centers
costs a few tens of megabytes; what the importer needs to update a center is loaded only for
the centers a file touches.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, CenterAlias, TrialSite
from directory_app.core.geo import places as geo
from directory_app.core.registry.fields import SiteRecord
from directory_app.core.registry.names import (
    distinctive_tokens,
    is_generic,
    is_type_word,
    name_tokens,
    normalize_city,
)
from directory_app.core.registry.sites import center_key, center_uid

#: Two sites this close (kilometres) with close names are one center.
NEAR_KM = 2.0
#: Similarity (`names.name_similarity`) at which two names of one place count as the same.
CLOSE_SIMILARITY = 0.8
#: Grid cell size in degrees of latitude for the proximity lookup (about 2.2 km).
_CELL_DEG = 0.02
_KM_PER_DEG = 111.32
#: Grid columns per half turn of longitude (cells wrap around at the antimeridian).
_HALF_TURN = round(180 / _CELL_DEG)


@dataclass(slots=True, eq=False)
class CenterRef:
    """A center as matching knows it. `id` is None while a center created by this import waits
    to be inserted; `new` marks those created by this import; `state` is attached by the
    importer once the center is touched."""

    id: int | None
    uid: str
    name: str
    latitude: float | None
    longitude: float | None
    new: bool = False
    state: Any = None


def site_key(facility: str, city: str | None, country: str | None) -> str:
    """`sites.center_key` for a facility/city/country triple (a center row, a stored link)."""
    return center_key(SiteRecord(facility=facility, city=city or "", country=country or ""))


def place_words(site: SiteRecord) -> set[str]:
    """Normalised words of the site's city, region and country: a place name shared by two
    facility names ("Seoul") does not show they are the same center."""
    words: set[str] = set()
    for part in (site.city, site.region, site.country):
        if part:
            words.update(normalize_city(part).split())
    return words


def names_close(a: str, b: str, place: set[str] | frozenset[str] = frozenset()) -> bool:
    """True when two facility names plausibly name one center (see the module docstring)."""
    return tokens_close(name_tokens(a), name_tokens(b), place)


def similarity(ta: frozenset[str] | set[str], tb: frozenset[str] | set[str]) -> float:
    """`names.name_similarity` computed from token sets already at hand (the index keeps each
    center's tokens, so matching does not re-normalise every neighbour's name for every site).
    A test holds the two equal."""
    if not ta or not tb:
        return 0.0

    def weight(token: str) -> float:
        return 0.5 if is_generic(token) else 1.0

    shared = sum(weight(t) for t in ta & tb)
    total = sum(weight(t) for t in ta) + sum(weight(t) for t in tb)
    return round(2 * shared / total, 6)


def tokens_close(
    ta: frozenset[str] | set[str], tb: frozenset[str] | set[str], place: set[str] | frozenset[str]
) -> bool:
    """`names_close` on token sets (`names.name_tokens`)."""
    if not ta or not tb:
        return False
    differing = ta ^ tb
    if any(is_type_word(t) for t in differing):
        return False
    if distinctive_tokens(differing, ignore=place):
        return False
    return similarity(ta, tb) >= CLOSE_SIMILARITY


class CenterIndex:
    """Every center of the directory by identity key, uid and grid cell."""

    def __init__(self) -> None:
        self._by_key: dict[str, CenterRef] = {}
        self._by_uid: dict[str, CenterRef] = {}
        self._by_id: dict[int, CenterRef] = {}
        self._grid: dict[tuple[int, int], list[CenterRef]] = defaultdict(list)
        self._tokens: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls, session: Session) -> CenterIndex:
        """Index the directory: each center by its own name and by every facility name the
        registry listed for it. Ties go to the lowest id, so matching is deterministic."""
        index = cls()
        rows = session.execute(
            select(
                Center.id,
                Center.uid,
                Center.name,
                Center.city,
                Center.country,
                Center.latitude,
                Center.longitude,
            ).order_by(Center.id)
        )
        keys: dict[tuple[str, str | None, str | None], str] = {}
        for row in rows:
            ref = CenterRef(row.id, row.uid, row.name, row.latitude, row.longitude)
            index._by_id[row.id] = ref
            index._by_uid[row.uid] = ref
            triple = (row.name, row.city, row.country)
            key = keys.get(triple) or keys.setdefault(triple, site_key(*triple))
            index._by_key.setdefault(key, ref)
            index._place(ref)
        links = session.execute(
            select(TrialSite.facility, TrialSite.city, TrialSite.country, TrialSite.center_id)
            .distinct()
            .order_by(TrialSite.center_id)
        )
        for facility, city, country, center_id in links:
            triple = (facility, city, country)
            key = keys.get(triple) or keys.setdefault(triple, site_key(*triple))
            index._by_key.setdefault(key, index._by_id[center_id])
        # The other names a center is registered under (sites merged as one institution):
        # a site of that name, in the center's city, is the center.
        aliases = session.execute(
            select(CenterAlias.name, Center.city, Center.country, CenterAlias.center_id)
            .join(Center, Center.id == CenterAlias.center_id)
            .order_by(CenterAlias.center_id, CenterAlias.name)
        )
        for name, city, country, center_id in aliases:
            index._by_key.setdefault(site_key(name, city, country), index._by_id[center_id])
        return index

    def __len__(self) -> int:
        return len(self._by_uid)

    def find(self, key: str) -> CenterRef | None:
        """The center with this identity, by name, listed facility or derived uid."""
        return self._by_key.get(key) or self._by_uid.get(center_uid(key))

    def near(
        self, latitude: float, longitude: float, facility: str, place: set[str]
    ) -> CenterRef | None:
        """The closest center within NEAR_KM whose name is close to `facility`, if any."""
        best: tuple[float, int, CenterRef] | None = None
        mine = self.tokens(facility)
        for ref in self._neighbours(latitude, longitude):
            assert ref.latitude is not None and ref.longitude is not None
            km = geo.haversine_km(latitude, longitude, ref.latitude, ref.longitude)
            if km > NEAR_KM or not tokens_close(mine, self.tokens(ref.name), place):
                continue
            rank = (km, ref.id if ref.id is not None else 1 << 62, ref)
            if best is None or rank[:2] < best[:2]:
                best = rank
        return best[2] if best else None

    def tokens(self, name: str) -> frozenset[str]:
        """`names.name_tokens`, computed once per name."""
        found = self._tokens.get(name)
        if found is None:
            found = self._tokens[name] = frozenset(name_tokens(name))
        return found

    def add(self, key: str, ref: CenterRef) -> None:
        """Register a center created by this import, so later sites find it."""
        self._by_key.setdefault(key, ref)
        self._by_uid.setdefault(ref.uid, ref)
        self._place(ref)

    def alias(self, key: str, ref: CenterRef) -> None:
        """Remember that sites with this identity belong to `ref` (matched by proximity)."""
        self._by_key.setdefault(key, ref)

    def inserted(self, ref: CenterRef) -> None:
        """A new center got its database id."""
        if ref.id is not None:
            self._by_id[ref.id] = ref

    def moved(self, ref: CenterRef, latitude: float, longitude: float) -> None:
        """A center's position changed (a better placement); keep the grid in step."""
        if ref.latitude is not None and ref.longitude is not None:
            cell = self._grid.get(self._cell(ref.latitude, ref.longitude))
            if cell is not None and ref in cell:
                cell.remove(ref)
        ref.latitude, ref.longitude = latitude, longitude
        self._place(ref)

    # -- grid ------------------------------------------------------------------------------
    @staticmethod
    def _cell(latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude / _CELL_DEG), math.floor(longitude / _CELL_DEG)

    def _place(self, ref: CenterRef) -> None:
        if ref.latitude is not None and ref.longitude is not None:
            self._grid[self._cell(ref.latitude, ref.longitude)].append(ref)

    def _neighbours(self, latitude: float, longitude: float) -> list[CenterRef]:
        row, col = self._cell(latitude, longitude)
        rows = math.ceil(NEAR_KM / (_KM_PER_DEG * _CELL_DEG))
        shrink = max(math.cos(math.radians(min(abs(latitude) + _CELL_DEG, 89.9))), 1e-3)
        cols = min(math.ceil(rows / shrink), math.ceil(360 / _CELL_DEG))
        found: list[CenterRef] = []
        for r in range(row - rows, row + rows + 1):
            for c in range(col - cols, col + cols + 1):
                found.extend(
                    self._grid.get((r, (c + _HALF_TURN) % (2 * _HALF_TURN) - _HALF_TURN), ())
                )
        return found
