"""The backups folder beside a SQLite database: how backups are named, listed and rotated.

Several databases may share one folder (and so one backups folder), so every backup's name
starts with the name of its database file, and listing and rotation only ever look at one
database's backups: rotating one must never delete another's, nor "latest backup" point at it.

Pure file-name bookkeeping, kept apart from taking and restoring a backup (`backup`) so the
file check that suggests "the latest backup is ..." (`health`) can use it without a cycle.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BACKUP_DIR_NAME = "backups"
#: Rotation keeps this many newest backups, plus the newest one of every ISO week.
KEEP_LAST = 10
PARTIAL_PREFIX = ".directory-backup-"
PARTIAL_MAX_AGE_S = 3600.0
_STAMP_AND_REASON = r"-(\d{8}-\d{6})-([a-z0-9][a-z0-9-]*)\.db$"


def _name_re(stem: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(stem) + _STAMP_AND_REASON)

@dataclass(frozen=True)
class BackupInfo:
    """One automatically named backup in a backups folder."""

    path: Path
    taken: datetime
    reason: str
    size: int


def backup_dir(db_path: Path) -> Path:
    """Automatic backups live next to the database, so they move with it."""
    return db_path.parent / BACKUP_DIR_NAME


def backup_name(stem: str, reason: str, when: datetime | None = None) -> str:
    """`<stem>-YYYYmmdd-HHMMSS-<reason>.db` in local time, `stem` being the database file's name
    without ".db" (so "directory" for directory.db); the reason becomes a slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
    return f"{stem}-{(when or datetime.now()):%Y%m%d-%H%M%S}-{slug}.db"


def list_backups(folder: Path, stem: str) -> list[BackupInfo]:
    """The automatically named backups of database `stem` in `folder`, newest first. Other
    files, including other databases' backups, are ignored."""
    found = []
    pattern = _name_re(stem)
    for entry in folder.iterdir() if folder.is_dir() else ():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            try:
                taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
            except ValueError:
                continue
            found.append(BackupInfo(entry, taken, match.group(2), entry.stat().st_size))
    return sorted(found, key=lambda b: (b.taken, b.path.name), reverse=True)


def backups_of(db_path: Path) -> list[BackupInfo]:
    """The automatic backups of the database at `db_path`, newest first."""
    return list_backups(backup_dir(db_path), db_path.stem)


def latest_backup(db_path: Path) -> Path | None:
    backups = backups_of(db_path)
    return backups[0].path if backups else None


def unique_target(folder: Path, stem: str, reason: str) -> Path:
    base = backup_name(stem, reason).removesuffix(".db")
    target, n = folder / f"{base}.db", 2
    while target.exists():  # two backups within one second: keep both
        target, n = folder / f"{base}-{n}.db", n + 1
    return target


def plan_rotation(
    backups: Iterable[tuple[str, datetime]], keep_last: int = KEEP_LAST
) -> tuple[list[str], list[str]]:
    """Split backup names into (keep, delete), both newest first.

    The rule: keep the `keep_last` newest backups; additionally keep the newest backup of every
    ISO week (by the time in its name), so a long history thins out to one per week instead of
    vanishing. Everything else is deleted. Pure, so the rule can be tested with made-up names."""
    keep: list[str] = []
    delete: list[str] = []
    weeks_seen: set[tuple[int, int]] = set()
    ordered = sorted(backups, key=lambda b: (b[1], b[0]), reverse=True)
    for index, (name, taken) in enumerate(ordered):
        year, week, _day = taken.isocalendar()
        (keep if index < keep_last or (year, week) not in weeks_seen else delete).append(name)
        weeks_seen.add((year, week))
    return keep, delete


def rotate(folder: Path, stem: str, keep_last: int = KEEP_LAST) -> list[Path]:
    """Apply `plan_rotation` to database `stem`'s automatic backups in `folder` (no other
    database's); returns the deleted paths."""
    mine = ((b.path.name, b.taken) for b in list_backups(folder, stem))
    _keep, delete = plan_rotation(mine, keep_last)
    for name in delete:
        (folder / name).unlink(missing_ok=True)
    return [folder / name for name in delete]


def prune_partials(folder: Path, max_age_s: float = PARTIAL_MAX_AGE_S) -> list[Path]:
    """Remove what a killed backup left (with its -journal); a live one is never that old."""
    limit = time.time() - max_age_s
    stale = [
        entry
        for entry in (folder.glob(f"{PARTIAL_PREFIX}*") if folder.is_dir() else ())
        if entry.stat().st_mtime <= limit
    ]
    for entry in stale:
        entry.unlink(missing_ok=True)
    return stale
