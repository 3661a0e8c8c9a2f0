"""Write `resources/gazetteer/extents.csv`: the lon/lat boxes that hold each country's and each
US state's territory, computed from the bundled map outlines and gazetteer cities.

Run it after `build_gazetteer.py` or `build_map.py`: `python db/build_extents.py`. A test checks
that the bundled file matches what this computes from the bundled data.
"""

from __future__ import annotations

from directory_app.core.geo.country_reach import EXTENTS_FILE, write_extents


def main() -> None:
    count = write_extents(EXTENTS_FILE)
    print(f"wrote {count:,} boxes to {EXTENTS_FILE}")


if __name__ == "__main__":
    main()
