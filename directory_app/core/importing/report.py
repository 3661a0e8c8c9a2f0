"""What an import did (or, in a dry run, would do), in a form the CLI, the GUI and scripts share.

One `ImportReport` per run. It counts studies, trials and sites, lists the sites that could not
be placed on the map and the differences the import left alone because a person had edited or
verified the field, and carries the error that stopped the run (then nothing was written). The
same counts are kept in the import batch's summary, so "what did that import do" can be answered
later. `rows()` is the two-column table the GUI shows; `as_dict()` is the `--json` output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from directory_app.core.registry.fields import RecordError

#: How many unplaced sites and kept differences a report lists; the counts are always complete.
LISTED = 500


@dataclass
class Difference:
    """A value the registry (or an imported file) has that the directory kept, because a person
    edited or verified the directory's value."""

    center_uid: str
    center: str
    field: str
    directory: Any
    incoming: Any
    source: str  # the NCT id, or the file, the incoming value came from


@dataclass
class TrialChange:
    """What an import changed on a trial the directory already had, so a coordinator can see
    at a glance which statuses moved (status and phases as [before, after], or None)."""

    nct_id: str
    status: list[str] | None = None
    phases: list[list[str]] | None = None
    sites_added: int = 0
    site_statuses_changed: int = 0
    sites_removed: int = 0  # no longer listed by the registry's full record

    def changed(self) -> bool:
        return bool(
            self.status
            or self.phases
            or self.sites_added
            or self.site_statuses_changed
            or self.sites_removed
        )

    def text(self) -> str:
        parts = []
        if self.status:
            parts.append(f"status {self.status[0]} -> {self.status[1]}")
        if self.phases:
            before, after = (", ".join(p) or "none" for p in self.phases)
            parts.append(f"phases {before} -> {after}")
        if self.sites_added:
            parts.append(f"{self.sites_added} site(s) added")
        if self.sites_removed:
            parts.append(f"{self.sites_removed} site(s) no longer listed (marked removed)")
        if self.site_statuses_changed:
            parts.append(f"{self.site_statuses_changed} site status(es) changed")
        return f"{self.nct_id}: " + "; ".join(parts)


@dataclass
class UnplacedSite:
    """A site imported without coordinates: shown as "location unknown" until a person places it."""

    facility: str
    city: str
    country: str
    nct_id: str


@dataclass
class ImportReport:
    """Counts and lists for one import run. `kind` is "registry" or "directory"."""

    file: str
    file_format: str = ""
    kind: str = "registry"
    dry_run: bool = False
    batch_id: int | None = None
    all_conditions: bool = False
    studies_read: int = 0
    studies_skipped: int = 0  # not autoimmune (without --all-conditions), not in the directory
    trials_new: int = 0
    trials_updated: int = 0
    trials_unchanged: int = 0
    trials_older: int = 0  # the file's record is older than the directory's: kept as it is
    sites_read: int = 0
    sites_without_facility: int = 0
    sites_matched: int = 0  # joined a center the directory already had
    sites_on_new_centers: int = 0
    centers_new: int = 0
    centers_updated: int = 0
    links_new: int = 0
    links_updated: int = 0  # site recruitment status changed
    sites_removed: int = 0  # no longer listed by the registry's full record: marked removed
    facts_added: int = 0  # conditions, therapies, specialties inferred for existing centers
    centers_unchanged: int = 0  # directory files: same uid, same content
    centers_kept: int = 0  # directory files: same uid, different content, left alone
    sites_unplaced: int = 0
    unplaced: list[UnplacedSite] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    differences_total: int = 0
    trial_changes: list[TrialChange] = field(default_factory=list)
    backup: str | None = None
    #: The file held nothing the directory lacks: no batch was recorded, no backup kept.
    nothing_changed: bool = False
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def keep_difference(self, difference: Difference) -> None:
        self.differences_total += 1
        if len(self.differences) < LISTED:
            self.differences.append(difference)

    def fail(self, exc: Exception) -> None:
        """Record the error that stopped the run; nothing was written."""
        if isinstance(exc, RecordError):
            self.errors.append(
                {"file": exc.file, "row": exc.row, "field": exc.field, "message": exc.message}
            )
        else:
            self.errors.append({"file": self.file, "row": None, "field": None, "message": str(exc)})

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, Any]:
        """The scalar figures only (kept in the batch summary)."""
        data = asdict(self)
        for key in ("unplaced", "differences", "errors", "trial_changes"):
            data.pop(key)
        return data

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a two-column table, in reading order, zeros left out
        except for the headline figures."""
        verb = "would be " if self.dry_run else ""
        if self.kind == "directory":
            items: list[tuple[str, int, bool]] = [
                (f"Centers {verb}added", self.centers_new, True),
                ("Centers already present, unchanged", self.centers_unchanged, True),
                ("Centers present with other content (left alone)", self.centers_kept, True),
                (f"Trials {verb}added", self.trials_new, True),
                ("Trials already present", self.trials_unchanged, False),
            ]
        else:
            items = [
                ("Studies read", self.studies_read, True),
                ("Studies skipped (not autoimmune)", self.studies_skipped, not self.all_conditions),
                (f"Trials {verb}added", self.trials_new, True),
                (f"Trials {verb}updated", self.trials_updated, True),
                ("Trials unchanged", self.trials_unchanged, True),
                ("Trials kept (file is older)", self.trials_older, False),
                ("Sites read", self.sites_read, True),
                ("Sites matched to existing centers", self.sites_matched, True),
                (f"New centers {verb}created", self.centers_new, True),
                ("Sites at those new centers", self.sites_on_new_centers, False),
                (f"Centers {verb}updated", self.centers_updated, False),
                (f"Site statuses {verb}updated", self.links_updated, False),
                (f"Sites no longer listed by the registry ({verb}marked removed)",
                 self.sites_removed, False),  # fmt: skip
                (f"Facts {verb}added to existing centers", self.facts_added, False),
                ("Sites without a facility name (skipped)", self.sites_without_facility, False),
                ("Sites with location unknown", self.sites_unplaced, True),
            ]
        out = [(label, f"{value:,}") for label, value, always in items if always or value]
        if self.differences_total:
            out.append(("Edited or verified values kept", f"{self.differences_total:,}"))
        out.append(("Errors", f"{len(self.errors):,}"))
        return out

    def text(self) -> str:
        """The report as plain text for the terminal."""
        head = "Dry run - nothing was written." if self.dry_run else "Import finished."
        if self.nothing_changed and self.dry_run:
            head = "Dry run - nothing would change: the directory already holds this file."
        elif self.nothing_changed:
            head = ("Nothing changed: the directory already holds this file; no import batch "
                    "and no backup were recorded.")
        if self.errors:
            head = "Import failed - nothing was written."
        width = max(len(label) for label, _ in self.rows())
        lines = [f"{self.file} ({self.file_format})", head]
        lines += [f"  {label:<{width}}  {value:>9}" for label, value in self.rows()]
        for error in self.errors:
            lines.append(f"error: {format_error(error)}")
        if self.unplaced:
            lines.append("Sites with location unknown (imported; place them by editing):")
            lines += [
                f"  {u.nct_id}  {u.facility}, {u.city}, {u.country}".rstrip(", ")
                for u in self.unplaced
            ]
        if self.trial_changes:
            lines.append("What changed on trials already in the directory:")
            lines += [f"  {c.text()}" for c in self.trial_changes]
        if self.differences:
            lines.append("Kept because a person edited or verified them (directory | incoming):")
            lines += [
                f"  {d.center} - {d.field}: {d.directory!r} | {d.incoming!r} ({d.source})"
                for d in self.differences
            ]
        if self.batch_id is not None and not self.dry_run and self.ok:
            lines.append(
                f"Import batch {self.batch_id}; undo with 'directory-app import --undo-last'."
            )
        if self.backup:
            lines.append(f"Backup taken first: {self.backup}")
        return "\n".join(lines)


def format_error(error: dict[str, Any]) -> str:
    where = [str(error.get("file") or "")]
    if error.get("row") is not None:
        where.append(f"row {error['row']}")
    if error.get("field"):
        where.append(f"field {error['field']!r}")
    return f"{', '.join(w for w in where if w)}: {error.get('message')}"


@dataclass
class UndoReport:
    """What undoing an import removed and put back."""

    batch_id: int
    source_file: str
    trials_removed: int = 0
    centers_removed: int = 0
    links_removed: int = 0
    facts_removed: int = 0
    trials_restored: int = 0
    centers_restored: int = 0
    links_restored: int = 0
    #: Rows or values a person changed after the import: left as the person left them.
    kept_later_edits: list[str] = field(default_factory=list)
    backup: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        lines = [
            f"Undid import batch {self.batch_id} ({self.source_file}):",
            f"  removed {self.trials_removed} trial(s), {self.centers_removed} center(s), "
            f"{self.links_removed} trial site(s), {self.facts_removed} inferred fact(s)",
            f"  restored {self.trials_restored} trial(s), {self.centers_restored} center(s), "
            f"{self.links_restored} site status(es)",
        ]
        if self.kept_later_edits:
            lines.append("  kept because they were edited after the import:")
            lines += [f"    {item}" for item in self.kept_later_edits]
        if self.backup:
            lines.append(f"Backup taken first: {self.backup}")
        return "\n".join(lines)
