"""Finding centers: a `CenterFilter` goes in, `ResultRow`s come out.

    from directory_app.core.search import CenterFilter, search

`shapes` (the request and result types, light to import), `criteria` (each criterion as SQL and
as an explanation), `sql` (the search tables, the one dialect-aware place), `distance_rank`
(exact distances for the bounding box's survivors), `rows` (result rows), `query` (the search).

The names below are loaded on first use: the window imports `shapes` before its first paint,
and an eager `query` import would pull the ORM in with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from directory_app.core.search.query import count_centers, search
    from directory_app.core.search.shapes import CenterFilter, ResultRow

__all__ = ["CenterFilter", "ResultRow", "count_centers", "search"]

_HOMES = {
    "CenterFilter": "shapes",
    "ResultRow": "shapes",
    "count_centers": "query",
    "search": "query",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
