"""One clinic checked: its FDA letters, its directory entries, and the warning signs to ask.

`check_clinic` is what the command line (`check-clinic`) and the GUI dialog show, so both say
the same: letters as "FDA warning letter dated ... (link)", how each match was made, and the
published warning signs as a checklist. It never calls a clinic fraudulent: a letter is FDA's
allegation, a match is by name or website, and the reader decides.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.clinic_check.letters import RegulatorLetter
from directory_app.core.clinic_check.lookup import (
    CenterMatch,
    LetterMatch,
    centers_for,
    domain_of,
    letters_for,
)
from directory_app.core.clinic_check.warning_signs import WARNING_SIGNS, WarningSign
from directory_app.core.directory.models import Center, CenterAlias, RedFlag

#: Said under the letters found, and when none is found; the dialog says the same.
LETTER_NOTE = ("A warning letter is an allegation by FDA, not a court finding; the firm may have "
               "answered or changed since.")
NO_LETTER_NOTE = ("The list holds only the letters FDA and the press published about stem cell "
                  "firms; no letter found is not a clearance.")
#: Said of a directory center whose name and city match a letter (so it carries it as a flag).
MATCHES_PLACE = "its name, city and state match the letter's"
SIGNS_TITLE = "Warning signs to ask about (from FDA and ISSCR guidance for patients)"


class CheckError(ValueError):
    """Nothing to look up (no name and no website)."""


@dataclass(frozen=True)
class ClinicCheck:
    name: str
    website: str
    letters: tuple[LetterMatch, ...]
    centers: tuple[CenterMatch, ...]
    signs: tuple[WarningSign, ...] = WARNING_SIGNS

    @property
    def headline(self) -> str:
        asked = " / ".join(p for p in (self.name, domain_of(self.website)) if p)
        n = len(self.letters)
        found = (f"{n} FDA letter{'s' if n != 1 else ''} or court action{'s' if n != 1 else ''}"
                 if n else "No FDA warning letter found")  # fmt: skip
        return f"{found} for {asked!r} in the bundled list of FDA letters to stem cell firms"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "website": self.website,
            "letters": [_letter_json(m.letter, m.how) for m in self.letters],
            "directory": [{**dict(m.center), "matched_by": m.how,
                           "letters_matching_name_and_place": [
                               _letter_json(x, "name and place") for x in m.letters]}
                          for m in self.centers],
            "warning_signs": [{"text": s.text, "source": s.source, "url": s.url}
                              for s in self.signs],
        }  # fmt: skip


def _letter_json(letter: RegulatorLetter, how: str) -> dict[str, Any]:
    return {
        "summary": letter.summary, "firm": letter.firm, "city": letter.city,
        "state": letter.state, "date": letter.letter_date.isoformat(),
        "letter_type": letter.letter_type, "product": letter.product,
        "source_url": letter.source_url, "press_reported": letter.press_reported,
        "court_action": letter.court_action, "quote": letter.evidence_quote, "matched_by": how,
    }  # fmt: skip


def directory_centers(session: Session) -> list[dict[str, Any]]:
    """Every center as the lookup reads it (id, name, place, website, its other registered
    names, the links of its stored
    red flags, `_flag_urls`, which `with_flag_count` turns into the count the table shows)."""
    urls: dict[int, list[str | None]] = {}
    for cid, url in session.execute(select(RedFlag.center_id, RedFlag.evidence_url)):
        urls.setdefault(cid, []).append(url)
    aliases: dict[int, list[str]] = {}
    for cid, alias in session.execute(
            select(CenterAlias.center_id, CenterAlias.name).order_by(CenterAlias.name)):
        aliases.setdefault(cid, []).append(alias)
    rows = session.execute(select(Center.id, Center.name, Center.city, Center.region,
                                  Center.country, Center.website).order_by(Center.id))
    return [{"id": r.id, "name": r.name, "city": r.city, "region": r.region,
             "country": r.country, "website": r.website, "aliases": aliases.get(r.id, []),
             "_flag_urls": urls.get(r.id, [])}
            for r in rows]  # fmt: skip


def with_flag_count(match: CenterMatch) -> CenterMatch:
    """The match with the center's red-flag count as the results table counts it: its stored
    flags, and each letter matching its name and place that is not one of them (a stored flag
    with the letter's link is the same flag)."""
    center = dict(match.center)
    stored = center.pop("_flag_urls", [])
    extra = sum(1 for letter in match.letters if letter.source_url not in stored)
    center["red_flags"] = len(stored) + extra
    return replace(match, center=center)


def check_clinic(session: Session | None, name: str = "", website: str = "") -> ClinicCheck:
    """Look `name` and/or `website` up in the bundled FDA letters and (with a session) the
    directory. Raises CheckError when both are empty."""
    name, website = " ".join(name.split()), website.strip()
    if not name and not domain_of(website):
        raise CheckError("give a clinic name or its website")
    centers = directory_centers(session) if session is not None else []
    return ClinicCheck(
        name=name, website=website, letters=tuple(letters_for(name, website)),
        centers=tuple(with_flag_count(m) for m in centers_for(centers, name, website)),
    )


def as_text(result: ClinicCheck) -> str:
    """The check as plain text: what `check-clinic` prints and the dialog copies."""
    lines = [result.headline]
    for m in result.letters:
        letter = m.letter
        lines.append(f"- {letter.summary} ({letter.source_url})")
        lines.append(f"    {letter.firm}, {letter.place}; product: {letter.product}")
        lines.append(f"    matched by {m.how}")
    if not result.letters:
        lines.append(f"  {NO_LETTER_NOTE}")
    else:
        lines.append(f"  {LETTER_NOTE}")
    lines.append("")
    if result.centers:
        lines.append("In this directory:")
        for c in result.centers:
            place = ", ".join(str(p) for p in (c.center.get("city"), c.center.get("region")) if p)
            flags = c.center.get("red_flags") or 0
            note = f"; {flags} red flag{'s' if flags != 1 else ''}" if flags else ""
            place = place or "place unknown"
            lines.append(f"- center {c.center['id']}: {c.center['name']} ({place}), "
                         f"matched by {c.how}{note}")  # fmt: skip
            lines.extend(f"    {MATCHES_PLACE}: {x.summary} ({x.source_url})" for x in c.letters)
    else:
        lines.append("In this directory: no center with this name or website.")
    lines.append("")
    lines.append(f"{SIGNS_TITLE}:")
    for sign in result.signs:
        lines.extend(textwrap.wrap(f"[ ] {sign.text}", 96, subsequent_indent="    "))
        lines.append(f"    source: {sign.source}, {sign.url}")
    return "\n".join(lines)
