"""First run: fill an empty database with the bundled directory (`db/seed/directory.json`).

The seed is built from public records only (see `db/build_seed.py`); its `meta` block says where
each part came from and when, and is kept in `app_settings` for the About box and `info`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core import paths
from directory_app.core.directory.models import Center, Setting
from directory_app.core.storage.engine import Store
from directory_app.core.storage.locks import import_lock

META_KEY = "seed_meta"


def read_seed(path: Path = paths.SEED_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def seed_if_empty(store: Store, path: Path = paths.SEED_FILE) -> bool:
    """Load the bundled directory into a database that has no centers yet; True if it did."""
    if not path.exists():
        return False
    def has_centers(s: Session) -> bool:
        # The table, not the mapped class: an ORM query would configure every mapper first,
        # a tenth of a command's start-up, and most commands then query tables only.
        return s.scalar(select(Center.__table__.c.id).limit(1)) is not None

    with store.session() as s:
        if has_centers(s):  # every start but the first: no writer lock, no waiting on imports
            return False
    with store.session() as s:
        # Two copies of the app opening a fresh shared database at once must not both seed it:
        # take the import lock, then look again.
        import_lock(s, what="first-start load of the bundled directory")
        if has_centers(s):
            return False
        # In the function (start-up time): the directory reader is needed on a first start only.
        from directory_app.core.exchange.directory_form import add_directory

        data = read_seed(path)
        add_directory(s, data)
        s.merge(Setting(key=META_KEY, value=json.dumps(data.get("meta", {}), sort_keys=True)))
    return True


def seed_meta(store: Store) -> dict[str, Any]:
    """What the bundled directory says about its sources and dates (empty if never seeded)."""
    with store.session() as s:
        row = s.get(Setting, META_KEY)
        return json.loads(row.value) if row else {}
