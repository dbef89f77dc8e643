"""Swedish personal identity numbers: the one check every publish runs.

A *personnummer* is ``YYMMDD-NNNC`` (``+`` after the 100th birthday) or ``YYYYMMDDNNNC``;
a *samordningsnummer* is the same with 60 added to the day. The last digit is a Luhn check
digit over the ten-digit form. Nothing here ever returns or logs the number itself: hits
are reported by position and kind only. Kept free of pandas so that publishing stays light;
:mod:`research.privacy` builds the rest of disclosure control on it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

__all__ = [
    "PERSONAL_NUMBER_PATTERN",
    "IdentifierHit",
    "luhn_valid",
    "classify_personal_number",
    "find_personal_numbers",
    "mask_personal_numbers",
]

PERSONAL_NUMBER_PATTERN = re.compile(
    r"(?<![\d\w])"
    r"(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})"
    r"(?P<sep>[-+]?)"
    r"(?P<serial>\d{3})(?P<check>\d)"
    r"(?![\d\w])"
)


@dataclass(frozen=True)
class IdentifierHit:
    """Where an identifier was found; never holds the identifier itself."""

    kind: str
    start: int
    end: int
    line: int
    column: int


def luhn_valid(digits: str) -> bool:
    """Return True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _date_possible(year: int | None, month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    if year is None:  # ten-digit form: allow 29 February in any year
        return 1 <= day <= (29 if month == 2 else calendar.monthrange(2001, month)[1])
    return 1 <= day <= calendar.monthrange(year, month)[1]


def classify_personal_number(candidate: str) -> str | None:
    """Return ``"personnummer"``, ``"samordningsnummer"`` or ``None`` for a string."""
    match = PERSONAL_NUMBER_PATTERN.fullmatch(candidate.strip())
    return _classify(match) if match else None


def _classify(match: re.Match[str]) -> str | None:
    century = match.group("century")
    yy, mm, dd = match.group("yy"), int(match.group("mm")), int(match.group("dd"))
    if century is not None and match.group("sep") == "+":
        return None
    year = int(century + yy) if century is not None else None
    if century is not None and not 18 <= int(century) <= 20:
        return None
    kind = "personnummer"
    if dd > 60:
        dd -= 60
        kind = "samordningsnummer"
    if not _date_possible(year, mm, dd):
        return None
    ten = f"{yy}{match.group('mm')}{match.group('dd')}{match.group('serial')}{match.group('check')}"
    return kind if luhn_valid(ten) else None


def find_personal_numbers(text: str) -> list[IdentifierHit]:
    """Find valid personnummer and samordningsnummer in ``text`` (10 or 12 digits, with
    or without separator, valid date and check digit)."""
    hits: list[IdentifierHit] = []
    for match in PERSONAL_NUMBER_PATTERN.finditer(text):
        kind = _classify(match)
        if kind:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            hits.append(IdentifierHit(kind, match.start(), match.end(), line, column))
    return hits


def mask_personal_numbers(text: str, replacement: str = "[personnummer borttaget]") -> str:
    """Replace every valid personnummer/samordningsnummer in ``text`` with ``replacement``."""
    hits = find_personal_numbers(text)
    for hit in reversed(hits):
        text = text[: hit.start] + replacement + text[hit.end :]
    return text


# =======================================================================================
# Other direct identifiers: phone numbers, e-mail, names, street addresses
