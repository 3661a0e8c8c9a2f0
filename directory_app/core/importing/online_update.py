"""Update from ClinicalTrials.gov: download the standing query and the known trials, then import.

    result = run_update(store, api_base=..., dry_run=False)

The two halves never mix, which is what makes a failed or cancelled update change nothing:
1. download (`registry.http_fetch`) every page of the standing query and of the refresh of all
   NCT ids already in the directory into a cache folder - the database is only read;
2. only when every page is in, the ordinary importer (`importer.run_import`) imports the folder:
   one transaction, backup first, its report and "undo last import". A bad page rolls it back.
The cache folder is removed after a successful import (a dry run keeps it, so the real run that
follows does not download again); an interrupted download resumes from it.

With the online setting off (`online_setting`), `run_update` raises `OnlineNotAllowed` before
anything else - no HTTP client is even imported.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from directory_app.core.directory.models import Trial
from directory_app.core.importing.importer import ProgressFn, run_import
from directory_app.core.importing.report import ImportReport
from directory_app.core.registry import standing_query
from directory_app.core.registry.online_setting import APP_NAME, is_online_allowed
from directory_app.core.storage.engine import Store

if TYPE_CHECKING:  # the HTTP client is imported only once the user allowed going online
    from directory_app.core.registry.http_fetch import FetchPolicy

__all__ = [
    "CheckedSummary",
    "OnlineNotAllowed",
    "UpdateResult",
    "checked_summary",
    "default_cache_dir",
    "known_nct_ids",
    "run_update",
]


class OnlineNotAllowed(Exception):
    """The user has not allowed the app to contact clinicaltrials.gov."""


@dataclass
class UpdateResult:
    """What an update did: the requests and pages it fetched and the import's report."""

    api_base: str
    requests: int
    pages: int
    report: ImportReport

    def as_dict(self) -> dict[str, object]:
        return {"api_base": self.api_base, "requests": self.requests, "pages": self.pages,
                "import": self.report.as_dict()}  # fmt: skip


def default_cache_dir() -> Path:
    """Where unfinished downloads wait (the user's cache folder)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False)) / "updates"


def known_nct_ids(store: Store) -> list[str]:
    """Every trial already in the directory, so its status and full site list come back."""
    with store.session() as session:
        return sorted(session.scalars(select(Trial.nct_id)))


@dataclass(frozen=True)
class CheckedSummary:
    """How current the directory's trials are: how many an update has checked, and when."""

    trials: int
    checked: int
    oldest: date | None
    newest: date | None

    def text(self) -> str:
        if not self.checked:
            return f"Trials checked with the registry: none of {self.trials:,} yet"
        return (f"Trials checked with the registry: {self.checked:,} of {self.trials:,} "
                f"(last {self.newest}, oldest check {self.oldest})")  # fmt: skip


def checked_summary(store: Store) -> CheckedSummary:
    with store.session() as session:
        total, checked, oldest, newest = session.execute(
            select(
                func.count(Trial.id),
                func.count(Trial.checked_on),
                func.min(Trial.checked_on),
                func.max(Trial.checked_on),
            )
        ).one()
    return CheckedSummary(int(total), int(checked), oldest, newest)


def run_update(
    store: Store,
    *,
    api_base: str = standing_query.DEFAULT_API_BASE,
    dry_run: bool = False,
    cache_dir: Path | None = None,
    policy: FetchPolicy | None = None,
    progress: ProgressFn | None = None,
    page_size: int = standing_query.PAGE_SIZE,
    today: date | None = None,
) -> UpdateResult:
    """Download, then import all-or-nothing. Raises OnlineNotAllowed, or `http_fetch.FetchError`
    (one line) when the download cannot complete; the database is then untouched. Every trial
    the download holds is stamped as checked with the registry `today` (default: the date)."""
    if not is_online_allowed():
        raise OnlineNotAllowed("contacting clinicaltrials.gov is not allowed on this computer")
    # In the function: the HTTP client's module loads only once going online is allowed.
    from directory_app.core.registry import http_fetch

    requests = standing_query.requests_for(known_nct_ids(store), page_size)
    folder = (cache_dir or default_cache_dir()) / http_fetch.cache_key(api_base, requests)
    folder, pages = http_fetch.download(
        api_base, requests, folder, policy=policy, progress=progress
    )
    checked = today or date.today()
    report = run_import(store, folder, dry_run=dry_run, progress=progress, checked_on=checked)
    if not dry_run or not report.ok:
        shutil.rmtree(folder, ignore_errors=True)
    report.file = f"update from {api_base}"
    return UpdateResult(api_base, len(requests), pages, report)
