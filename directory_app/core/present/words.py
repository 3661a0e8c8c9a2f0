"""The words every view uses for a missing fact, a yes/no answer and a fact's provenance.

The detail pane, the comparison, the referral sheet, the HSDS export and the command line used
to say "unknown", "yes" or "Yes" and "verified 2026-03-02" with or without "by ..." each in
their own way; a coordinator reading two of them side by side could not tell whether they
disagreed about the facts or only about the wording. They now all take these words from here:
the same "Yes" / "No" / "Unknown" the editor's drop-downs offer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from directory_app.core.directory.vocab import Provenance, Vocab

UNKNOWN = "Unknown"
YES = "Yes"
NO = "No"
NONE_RECORDED = "None recorded"
NEVER = "never"


def as_date(value: Any) -> date | None:
    """A date from a date or its ISO text (the exchange form's), None for anything else."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def is_missing(value: Any) -> bool:
    """None, or text with nothing but spaces: a fact nobody recorded."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """The value as text, or UNKNOWN when nobody recorded it."""
    return UNKNOWN if is_missing(value) else str(value)


def yes_no(value: bool | None) -> str:
    """YES / NO, and UNKNOWN for an answer nobody checked (never read as No)."""
    return UNKNOWN if value is None else (YES if value else NO)


def label(vocab: type[Vocab], code: str | None) -> str:
    """The vocabulary label of a stored code, UNKNOWN without one."""
    return vocab.label_of(code, UNKNOWN)


def provenance(source: Any, ref: Any = None, verified: Any = None, by: Any = None) -> str:
    """Where a fact came from and, for a checked one, when and by whom: "verified 2026-03-02 by
    A. Reviewer", "inferred from NCT01234567", "HIFLD hospital list (ref)". Plain text; an HTML
    view links the NCT numbers in it."""
    if source == Provenance.VERIFIED:
        when = as_date(verified)
        phrase = f"verified {when.isoformat()}" if when else "verified (date not recorded)"
        who = by or ref
        return phrase + (f" by {who}" if who else "")
    if source == Provenance.REGISTRY:
        return "inferred from " + (str(ref) if ref else "a trial registry")
    if source == Provenance.HIFLD:
        return "HIFLD hospital list" + (f" ({ref})" if ref else "")
    if source == Provenance.GAZETTEER:
        return "offline gazetteer"
    if source == Provenance.CMS:
        return "CMS Hospital General Information" + (f" ({ref})" if ref else "")
    if source == Provenance.SAMPLE:
        return "sample data (not a real center)"
    if not source:
        return "source unknown"
    return label(Provenance, str(source))


def money_range(low: int | None, high: int | None) -> str:
    """'$80,000 – $150,000', 'up to $90,000', 'from $80,000' (US dollars), UNKNOWN without."""
    return number_range(low, high, "${:,}")


def number_range(low: Any, high: Any, fmt: str = "{}") -> str:
    """'18 – 65', 'up to 65', 'from 18', one number when both ends agree; UNKNOWN without."""
    if low is None and high is None:
        return UNKNOWN
    if high is None:
        return f"from {fmt.format(low)}"
    if low is None:
        return f"up to {fmt.format(high)}"
    if low == high:
        return fmt.format(low)
    return f"{fmt.format(low)} – {fmt.format(high)}"
