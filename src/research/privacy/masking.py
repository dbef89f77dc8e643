"""Direct identifiers in free text: Swedish personal identity numbers, telephone numbers,
e-mail addresses, street addresses and listed names — found by position and masked with
Swedish placeholders.

Nothing here imports pandas, so the publisher can scan every published file with it.
Personal identity numbers come from :mod:`research.privacy.identity`. Spans hold positions
and kinds, never the matched text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .identity import find_personal_numbers

__all__ = [
    "PHONE_PATTERN",
    "EMAIL_PATTERN",
    "ADDRESS_PATTERN",
    "ADDRESS_HEAD",
    "PLACEHOLDERS",
    "TextSpan",
    "find_identifier_spans",
    "find_contact_details",
    "mask_identifiers",
]

PHONE_PATTERN = re.compile(
    r"(?<![\w+\-./:,])"
    r"(?P<number>"
    r"(?:(?:\+|00)46[\s\-]?(?:\(0\)[\s\-]?)?[1-9]\d{0,2}"  # international: +46 70 / 0046 8
    r"|\(0[1-9]\d{0,2}\)"  # (08)
    r"|0[1-9]\d{0,2})"  # national: 070, 08, 031, 0660
    r"(?:\s?[\-/–]?\s?\d{1,4}){1,4}"  # subscriber number in groups
    r")"
    r"(?![\w\-]|[.,]\d)"
)
EMAIL_PATTERN = re.compile(
    r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])"
)
_STREET_SUFFIXES = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allén|allé|backen|backe|stigen|stig|"
    "leden|esplanaden|promenaden|kajen|gången|stråket|slingan|ringen|platsen|"
    "kroken|liden|höjden|terrassen"
)
#: Suffixes that also stand as a separate word after a proper noun ("Sjövikens väg 3").
_STREET_WORDS = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allén|allé|backen|backe|stigen|stig|"
    "platsen|plats|kajen|kaj|esplanaden|promenaden|stranden|strand"
)
ADDRESS_PATTERN = re.compile(
    r"(?<![\w])"
    r"(?:"
    # one compound word ending in a street suffix: Storgatan, Sjövägen, Kyrkogränd
    rf"[^\W\d_]{{2,}}(?:{_STREET_SUFFIXES})"
    r"|"
    # a capitalised word + separate street word: Sjövikens väg, Lilla torget, Norra allén
    rf"[A-ZÅÄÖÉÜ][^\W\d_]+\s+(?:{_STREET_WORDS})"
    r")"
    # a house number of 1–3 digits (a year such as 2030 is not one), optional letter/range
    r"\s+\d{1,3}(?-i:[A-Za-z]|\s[A-Z])?(?:\s?[-–]\s?\d{1,3})?"
    r"(?![\w]|[.,:]\d|\s*%)",
    re.IGNORECASE,
)
ADDRESS_HEAD = re.compile(r"[A-ZÅÄÖÉÜ]")
PLACEHOLDERS = {
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "telefonnummer": "[telefonnummer]",
    "e-post": "[e-post]",
    "namn": "[namn]",
    "gatuadress": "[gatuadress]",
}
@dataclass(frozen=True)
class TextSpan:
    """A span of text holding an identifier of ``kind`` (never the identifier itself)."""

    kind: str
    start: int
    end: int


#: A date such as 03/04/2025 or 03-04-2025 (area code 03 + two groups) is not a phone number.
_DATE_LIKE = re.compile(r"(?:0?[1-9]|[12]\d|3[01])([/.\-])(?:0?[1-9]|[12]\d|3[01])\1"
                        r"(?:19|20)\d{2}")


def _phone_spans(text: str) -> list[TextSpan]:
    spans = []
    for match in PHONE_PATTERN.finditer(text):
        raw = match.group("number")
        if _DATE_LIKE.fullmatch(raw):
            continue
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("+") or raw.startswith("00"):
            digits = "0" + digits[4 if raw.startswith("00") else 2 :].lstrip("0")
        if 8 <= len(digits) <= 10 and len(set(digits[1:])) > 1:
            spans.append(TextSpan("telefonnummer", match.start(), match.end()))
    return spans


def _address_spans(text: str) -> list[TextSpan]:
    spans = []
    for match in ADDRESS_PATTERN.finditer(text):
        if ADDRESS_HEAD.match(match.group(0)):  # street names are proper nouns
            spans.append(TextSpan("gatuadress", match.start(), match.end()))
    return spans


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = sorted({" ".join(str(n).split()) for n in names if str(n).strip()}, key=len,
                     reverse=True)
    if not cleaned:
        return None
    parts = [r"\s+".join(re.escape(word) for word in name.split(" ")) for name in cleaned]
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


def find_identifier_spans(
    text: str,
    names: Iterable[str] | re.Pattern[str] | None = (),
    *,
    addresses: bool = True,
) -> list[TextSpan]:
    """Find direct identifiers in ``text``: personnummer, samordningsnummer, telephone
    numbers, e-mail addresses, street addresses and the given ``names``.

    Overlapping hits are resolved in that order of precedence (a valid personnummer is
    never also reported as a phone number). Returns spans sorted by position; the spans
    hold positions and kinds, never the matched text.
    """
    pattern = names if isinstance(names, re.Pattern) else _name_pattern(names or ())
    candidates: list[TextSpan] = [
        TextSpan(hit.kind, hit.start, hit.end) for hit in find_personal_numbers(text)
    ]
    candidates += [TextSpan("e-post", m.start(), m.end()) for m in EMAIL_PATTERN.finditer(text)]
    candidates += _phone_spans(text)
    if addresses:
        candidates += _address_spans(text)
    if pattern is not None:
        candidates += [TextSpan("namn", m.start(), m.end()) for m in pattern.finditer(text)]
    chosen: list[TextSpan] = []
    for span in candidates:  # earlier kinds win on overlap
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def mask_identifiers(text: str, names: Iterable[str] = ()) -> str:
    """Mask direct identifiers in free text with Swedish placeholders.

    Personnummer and samordningsnummer (valid check digit, see
    :func:`find_personal_numbers`) become ``[personnummer]``/``[samordningsnummer]``,
    Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``, ``08-123 456 78`` …)
    ``[telefonnummer]``, e-mail addresses ``[e-post]``, street addresses with a number
    (``Storgatan 12B``) ``[gatuadress]`` and every name in ``names`` (whole words,
    case-insensitive, Swedish letters) ``[namn]``.

    Parameters
    ----------
    text
        Free text; ``None``/NaN are returned unchanged.
    names
        Names to mask, e.g. first names and surnames from a stated list.
    """
    if not isinstance(text, str):
        return text
    for span in reversed(find_identifier_spans(text, names)):
        text = text[: span.start] + PLACEHOLDERS[span.kind] + text[span.end :]
    return text


def find_contact_details(text: str) -> list[TextSpan]:
    """Telephone numbers and e-mail addresses in ``text`` (what the publisher looks for in
    free-text quotes besides personal identity numbers), sorted by position."""
    spans = [TextSpan("e-post", m.start(), m.end()) for m in EMAIL_PATTERN.finditer(text)]
    spans += [span for span in _phone_spans(text)
              if all(span.end <= other.start or span.start >= other.end for other in spans)]
    return sorted(spans, key=lambda s: s.start)
