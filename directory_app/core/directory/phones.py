"""Telephone numbers as a coordinator types them, checked before they are saved.

A referral call to a wrong number wastes a patient's time, so the check is stricter than "looks
like digits": a number in the North American Numbering Plan (the United States, Canada and the
Caribbean countries that share +1) needs exactly ten digits — area code and number — before any
extension, so "216-844-11x1" (a typo whose "x" reads as an extension) is refused. Numbers written
with a "+" and another country code follow the international limit of 15 digits.

A number written without "+" is read by the center's country; a center with no country is read
as North American, the directory's home. Foreign numbers are written with "+" and their country
code, as the edit dialog's placeholder shows.
"""

from __future__ import annotations

import re

#: The main number, then an optional extension ("ext. 12", "ext12", "extension 12", "x12").
PHONE_RE = re.compile(
    r"(?P<main>\+?[0-9()./\- ]+?)\s*(?:(?:extension|ext\.?|x)\s*(?P<ext>\d{1,6}))?",
    re.IGNORECASE,
)
#: Countries of the North American Numbering Plan (country code +1), by the names the registry
#: and the directory use, lower-cased.
NANP_COUNTRIES = frozenset({
    "united states", "us", "usa", "united states of america", "canada", "puerto rico",
    "american samoa", "anguilla", "antigua and barbuda", "bahamas", "barbados", "bermuda",
    "british virgin islands", "virgin islands, british", "cayman islands", "dominica",
    "dominican republic", "grenada", "guam", "jamaica", "montserrat",
    "northern mariana islands", "saint kitts and nevis", "saint lucia",
    "saint vincent and the grenadines", "sint maarten", "trinidad and tobago",
    "turks and caicos islands", "u.s. virgin islands", "virgin islands, u.s.",
})  # fmt: skip
NANP_DIGITS = 10
INTERNATIONAL_DIGITS = (7, 15)  # after the "+", country code included
LOCAL_DIGITS = (5, 15)  # a non-North-American number written without its country code
CHARACTERS = "may hold only digits, spaces, + ( ) - . / and an extension (ext. 12)"


def is_north_american(country: str | None) -> bool:
    """Whether numbers written without "+" in `country` are North American (blank counts)."""
    name = (country or "").strip().lower()
    return not name or name in NANP_COUNTRIES


def phone_problem(text: str, country: str | None = None) -> str | None:
    """Why `text` is not a usable phone number for a center in `country`, or None if it is.

    The message completes a sentence that starts with the field's name ("Phone ...")."""
    m = PHONE_RE.fullmatch(text.strip())
    if m is None:
        return CHARACTERS
    main = m.group("main").strip()
    digits = [ch for ch in main if ch.isdigit()]
    plus = main.startswith("+")
    leading_one = digits[:1] == ["1"]
    if (plus and leading_one) or (not plus and is_north_american(country)):
        # "+1 312 ...", and "1 800 ..." dialled with the long-distance 1, drop that 1.
        with_one = leading_one and (plus or len(digits) == NANP_DIGITS + 1)
        national = digits[1:] if with_one else digits
        if len(national) != NANP_DIGITS:
            before = " before the extension" if m.group("ext") else ""
            return (f"needs ten digits{before} for a North American number (area code and "
                    f"number); it has {len(national)}")
        return None
    low, high = INTERNATIONAL_DIGITS if plus else LOCAL_DIGITS
    if not low <= len(digits) <= high:
        where = "after the +" if plus else ""
        return f"needs {low} to {high} digits {where}".rstrip() + f"; it has {len(digits)}"
    return None


def is_phone(text: str, country: str | None = None) -> bool:
    """Whether `text` is a usable phone number for a center in `country`."""
    return phone_problem(text, country) is None
