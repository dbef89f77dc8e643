"""Swedish conventions for readers: numbers, percentages, dates and weeks.

Decimal comma and a non-breaking space as thousands separator ("1 234,5", "12,5 %"),
dates as "24 november 2026" in text and ISO in tables, ISO week numbers ("vecka 47"), file
sizes in decimal units ("4,2 kB").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from numbers import Number

__all__ = [
    "NBSP",
    "MONTHS",
    "format_number",
    "format_percent",
    "format_date",
    "week_label",
    "to_date",
    "format_value",
    "format_p_value",
    "format_p",
    "month_label",
    "MONTHS_SHORT",
    "column_header",
    "ERROR_CAUSES",
    "explain_error",
    "FILE_SIZE_UNITS",
    "format_file_size",
    "format_byte_count",
]

NBSP = "\u00a0"
MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """Format a number the Swedish way: ``1234.5`` → ``"1 234,5"`` (NBSP as separator).

    Missing values (None, NaN) become an en dash.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals:
        text = f"{float(value):,.{decimals}f}"
    else:  # a whole number stays exact however large (a float would round it)
        text = f"{value if isinstance(value, int) else round(float(value)):,d}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
    if text.startswith("-"):
        text = "\u2212" + text[1:]
    return text


def format_percent(value: float | None, decimals: int = 1, *, ratio: bool = True) -> str:
    """Format a share as a Swedish percentage: ``0.125`` → ``"12,5 %"``.

    With ``ratio=False`` the value is already in percent.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{format_number(value * 100 if ratio else value, decimals)}{NBSP}%"


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    """Format a date for running text: ``2026-11-24`` → ``"24 november 2026"``."""
    if value is None or value == "":
        return "–"
    date = to_date(value)
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def week_label(value: dt.date | dt.datetime | str) -> str:
    """Return the ISO week as Swedish readers say it: ``"vecka 48 2026"``."""
    year, week, _ = to_date(value).isocalendar()
    return f"vecka {week} {year}"


def to_date(value: dt.date | dt.datetime | str) -> dt.date:
    """Coerce a date, datetime or ISO string to a :class:`datetime.date`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    return dt.date.fromisoformat(str(value)[:10])


def format_value(value: object, decimals: int | None = None) -> str:
    """Format any table cell for display (numbers Swedish, dates ISO, text unchanged)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (dt.datetime,)) or hasattr(value, "to_pydatetime"):
        try:
            stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        except (ValueError, TypeError):
            return ""
        if stamp.hour == stamp.minute == stamp.second == 0:
            return stamp.date().isoformat()
        return stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Number):
        number = float(value)  # type: ignore[arg-type]
        if math.isnan(number):
            return ""
        if decimals is None:
            decimals = 0 if number.is_integer() else 2
        return format_number(number, decimals)
    return str(value)


def format_p_value(value: float | None, decimals: int = 3) -> str:
    """A p-value as Swedish reports write it: ``0.0000`` → ``"< 0,001"``, ``0.0412`` → ``"0,041"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    floor = 10 ** -decimals
    if float(value) < floor:
        return f"<{NBSP}{format_number(floor, decimals)}"
    return format_number(float(value), decimals)


def format_p(value: float | None, decimals: int = 3) -> str:
    """A p-value for running text: ``"p < 0,001"``, ``"p = 0,041"`` (never ``"p = 0,000"``)."""
    text = format_p_value(value, decimals)
    if text == "–":
        return "p saknas"
    return f"p{NBSP}{text}" if text.startswith("<") else f"p{NBSP}={NBSP}{text}"


#: The units of :func:`format_file_size`, each 1000 times the one before (SI prefixes).
FILE_SIZE_UNITS = ("byte", "kB", "MB", "GB", "TB", "PB")


def _byte_count(value: object) -> int | None:
    """``value`` as a whole number of bytes; ``None`` for a missing value (``None``, ``""``,
    NaN). A negative, fractional, infinite or non-numeric value is an error: a file size
    cannot be one, so it is never shown as if it were."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, Number):
        raise TypeError(f"a file size is a number of bytes, not {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return None
    if math.isinf(number) or not number.is_integer():
        raise ValueError(f"a file size is a whole number of bytes, not {value!r}")
    count = int(value) if isinstance(value, int) else int(number)
    if count < 0:
        raise ValueError(f"a file size cannot be negative: {value!r}")
    return count


def format_file_size(value: object) -> str:
    """A file size as Swedish readers expect it: ``812`` → ``"812 byte"``, ``4200`` →
    ``"4,2 kB"``, ``1_300_000`` → ``"1,3 MB"``, ``2 * 10**9`` → ``"2,0 GB"``.

    Decimal (SI) units throughout, chosen once for every size a reader sees: 1 kB =
    1000 byte, 1 MB = 1000 kB, and so on up to PB (``FILE_SIZE_UNITS``), as the SI prefixes
    k, M and G mean everywhere else; sizes in powers of 1024 would need the binary prefixes
    (KiB, MiB, GiB), which readers seldom meet. So 1024 byte is "1,0 kB", 1536 byte
    "1,5 kB". Below 1000 the exact count is shown ("1 byte", "999 byte"; "byte" is the same
    in the plural); from 1000 one decimal, rounded half up, moving to the next unit when
    the rounding reaches 1000 ("999 950 byte" → "1,0 MB", never "1 000,0 kB"). Sizes beyond
    the petabytes stay in PB with a thousands separator. A decimal comma and a
    non-breaking space before the unit, as :func:`format_number` writes numbers.

    A missing size (``None``, ``""``, NaN) is an en dash, as in the tables. A negative,
    fractional or non-numeric size raises (``ValueError``/``TypeError``). The exact count,
    for a title attribute or a CSV file, is :func:`format_byte_count`.
    """
    count = _byte_count(value)
    if count is None:
        return "–"
    if count < 1000:
        return f"{count}{NBSP}byte"
    for unit in range(1, len(FILE_SIZE_UNITS)):
        # tenths of the unit, rounded half up in integers (round() takes 4,25 to 4,2)
        tenths = (20 * count + 1000 ** unit) // (2 * 1000 ** unit)
        if tenths < 10_000:  # below 1000,0 of this unit
            break
    whole, tenth = divmod(tenths, 10)
    return f"{format_number(whole)},{tenth}{NBSP}{FILE_SIZE_UNITS[unit]}"


def format_byte_count(value: object) -> str:
    """The exact size of a file in bytes, Swedish style: ``259864`` → ``"259 864 byte"``
    (non-breaking spaces); a missing size is an en dash. Raises as :func:`format_file_size`."""
    count = _byte_count(value)
    if count is None:
        return "–"
    return f"{format_number(count)}{NBSP}byte"


_MONTH_CODE = re.compile(r"^(\d{4})-(\d{2})$")


# Språkrådet's abbreviations, for column headers on a phone
MONTHS_SHORT = ["jan.", "febr.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sept.", "okt.",
                "nov.", "dec."]


def month_label(value: object, *, short: bool = False) -> str:
    """A month as readers say it: ``"2026-01"`` (or a date, or a pandas monthly Period) →
    ``"januari 2026"`` (``short``: ``"jan. 2026"``, for column headers). Anything that is not
    a month is returned as text, unchanged."""
    names = MONTHS_SHORT if short else MONTHS
    if hasattr(value, "start_time") and hasattr(value, "freqstr"):  # pandas Period
        value = value.start_time
    if isinstance(value, (dt.date, dt.datetime)) or hasattr(value, "to_pydatetime"):
        date = to_date(value)  # type: ignore[arg-type]
        return f"{names[date.month - 1]} {date.year}"
    text = "" if value is None else str(value)
    match = _MONTH_CODE.match(text.strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{names[int(match.group(2)) - 1]} {match.group(1)}"
    return text


# Column names that are symbols or acronyms: kept as statisticians and librarians write them.
SYMBOLS = frozenset({"n", "k", "p", "q", "r", "t", "z", "b", "d", "g", "df", "se", "sd", "yi", "vi"})
ACRONYMS = {"doi": "DOI", "isbn": "ISBN", "issn": "ISSN", "id": "ID", "url": "URL",
            "sms": "SMS", "pdf": "PDF", "csv": "CSV"}
_FIRST_WORD = re.compile(r"^([a-zåäöéü]+)(?=$|[^a-zåäöéü])", re.IGNORECASE)


def column_header(name: object) -> str:
    """A column name as a header: first letter capital ("år" → "År", "post-id" → "Post-id"),
    acronyms in capitals ("doi" → "DOI"); statistical symbols ("n", "k", "p", "df"), Greek
    letters (τ², I²) and names that already start with a capital or a digit stay as they are."""
    text = str(name)
    match = _FIRST_WORD.match(text)
    if not match:
        return text
    word = match.group(1)
    if word.lower() in ACRONYMS and word == word.lower():
        return ACRONYMS[word.lower()] + text[len(word):]
    if word in SYMBOLS or not word[0].islower():
        return text
    return text[0].upper() + text[1:]


# What a technical error means, in words a coordinator understands: first match wins.
ERROR_CAUSES: tuple[tuple[str, str], ...] = (
    (r"timed? ?out|timeout|read timed out", "Källan svarade inte i tid."),
    (r"\b404\b|not found", "Adressen finns inte (längre) hos källan."),
    (r"\b40[13]\b|forbidden|unauthori[sz]ed", "Källan nekade åtkomst."),
    (r"\b5\d\d\b|server error|service unavailable", "Källans server hade ett fel."),
    (r"ssl|certificate", "Källans säkerhetscertifikat kunde inte godtas."),
    (r"name or service not known|getaddrinfo|nodename|dns|resolve",
     "Källans adress kunde inte slås upp."),
    (r"connection|refused|unreachable|network|urlerror",
     "Källan gick inte att nå."),
    (r"saxparse|not well-formed|xml|parseerror|mismatched tag|syntax error",
     "Flödet är inte giltig XML: filen är trasig eller är inte ett nyhetsflöde."),
    (r"pdf", "PDF-filen är skadad eller ofullständig."),
    (r"unicode|codec|decode|encoding", "Texten har en teckenkodning som inte kunde läsas."),
    (r"too large|size limit|limit exceeded|too many", "Filen är större än vad som tillåts."),
    (r"no such file|filenotfound|does not exist|missing", "Filen finns inte."),
    (r"permission", "Filen får inte läsas (behörighet saknas)."),
    (r"empty|no data|no entries", "Källan innehöll inga poster."),
)


def explain_error(text: object) -> str:
    """The cause of a technical error (``"SAXParseException: <unknown>:4:0: not well-formed"``)
    in plain Swedish; unknown errors get a general sentence. The technical text belongs in
    the CSV or behind ``<details>`` (see :func:`research.report.display.error_html`)."""
    raw = "" if text is None else str(text)
    for pattern, cause in ERROR_CAUSES:
        if re.search(pattern, raw, re.IGNORECASE):
            return cause
    return "Ett tekniskt fel uppstod när källan lästes."
