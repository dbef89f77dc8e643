"""Direct identifiers in tables: columns whose header names an identifier and cells that
hold one (personnummer, samordningsnummer, phone numbers, e-mail, street addresses, listed
names), reported by column and row number — never by value — and refused before anything is
computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ..errors import PrivacyError
from .identity import find_personal_numbers
from .masking import _name_pattern, find_identifier_spans

__all__ = [
    "IDENTIFIER_HEADERS",
    "IDENTIFIER_HEADER_WORDS",
    "IdentifierFinding",
    "find_identifiers_in_frame",
    "refuse_identifiable",
]

#: Column headers that on their own say a column holds direct identifiers.
IDENTIFIER_HEADERS: dict[str, str] = {
    "personnummer": "personnummer", "pnr": "personnummer", "personnr": "personnummer",
    "person_nummer": "personnummer", "ssn": "personnummer", "personal_number": "personnummer",
    "personal_identity_number": "personnummer", "samordningsnummer": "samordningsnummer",
    "snr": "samordningsnummer",
    "namn": "namn", "name": "namn", "fornamn": "namn", "förnamn": "namn",
    "efternamn": "namn", "first_name": "namn", "last_name": "namn", "surname": "namn",
    "full_name": "namn", "fullname": "namn", "fullständigt_namn": "namn",
    "epost": "e-post", "e_post": "e-post", "e-post": "e-post", "email": "e-post",
    "e-mail": "e-post", "e_mail": "e-post", "mejl": "e-post", "mail": "e-post",
    "telefon": "telefonnummer", "telefonnummer": "telefonnummer", "tel": "telefonnummer",
    "mobil": "telefonnummer", "mobilnummer": "telefonnummer", "phone": "telefonnummer",
    "phone_number": "telefonnummer", "mobile": "telefonnummer",
    "adress": "gatuadress", "gatuadress": "gatuadress", "address": "gatuadress",
    "street_address": "gatuadress", "bostadsadress": "gatuadress", "hemadress": "gatuadress",
    "folkbokföringsadress": "gatuadress",
}


@dataclass(frozen=True)
class IdentifierFinding:
    """Identifiers of one ``kind`` in one ``column`` of a table.

    ``rows`` are 1-based data row numbers (1 = the first row after the header); an empty
    ``rows`` with ``header=True`` means the column name itself says the column holds
    identifiers. The identifier values are never stored.
    """

    kind: str
    column: str
    rows: tuple[int, ...] = ()
    header: bool = False


#: Words that mark a column as identifying wherever they stand in its header
#: ("elevens_personnummer", "Kontakt e-post"); "namn" is not one ("stadsdelsnamn").
IDENTIFIER_HEADER_WORDS = {
    word: IDENTIFIER_HEADERS[word] for word in (
        "personnummer", "pnr", "personnr", "samordningsnummer", "epost", "e-post", "email",
        "e-mail", "mejl", "telefon", "telefonnummer", "mobilnummer", "gatuadress",
        "hemadress", "bostadsadress", "förnamn", "fornamn", "efternamn",
    )
}


def _header_kind(column: str) -> str | None:
    key = re.sub(r"[\s.]+", "_", str(column).strip().lower())
    if key in IDENTIFIER_HEADERS:
        return IDENTIFIER_HEADERS[key]
    for word in re.split(r"[_/()]+", key):
        if word in IDENTIFIER_HEADER_WORDS:
            return IDENTIFIER_HEADER_WORDS[word]
    if find_personal_numbers(str(column)):
        return "personnummer"
    return None


def find_identifiers_in_frame(
    df: pd.DataFrame,
    names: Iterable[str] = (),
    *,
    address_columns: Iterable[str] | None = None,
) -> list[IdentifierFinding]:
    """Scan a table for direct personal identifiers.

    Every column is scanned as text (numbers too: a personnummer stored as an integer is
    found). Column headers that name an identifier (``personnummer``, ``namn``,
    ``e-post``, ``telefon``, ``adress`` …) are findings of their own.

    Parameters
    ----------
    df
        The table as read from the file.
    names
        Names from a stated list (first names, surnames); matched as whole words,
        case-insensitively.
    address_columns
        Columns scanned for exact street addresses (street name + number). ``None``
        (default) scans every column.

    Returns
    -------
    list of IdentifierFinding
        One finding per (kind, column), rows as 1-based data row numbers; never values.
    """
    pattern = _name_pattern(names)
    address_set = None if address_columns is None else {str(c) for c in address_columns}
    findings: list[IdentifierFinding] = []
    for position, column in enumerate(df.columns):
        label = str(column)
        kind = _header_kind(label)
        if kind:
            findings.append(IdentifierFinding(kind, label, (), header=True))
        series = df.iloc[:, position]
        if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_float_dtype(series):
            series = series.map(lambda v: f"{v:.0f}" if pd.notna(v) and float(v).is_integer()
                                else v)
        text = series.astype("string")
        rows_by_kind: dict[str, list[int]] = {}
        scan_addresses = address_set is None or label in address_set
        for value, positions in text.groupby(text, sort=False).indices.items():
            spans = find_identifier_spans(str(value), pattern, addresses=scan_addresses)
            for found in {span.kind for span in spans}:
                rows_by_kind.setdefault(found, []).extend(int(p) + 1 for p in positions)
        for found, rows in sorted(rows_by_kind.items()):
            findings.append(IdentifierFinding(found, label, tuple(sorted(rows))))
    return findings


def _row_list(rows: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def refuse_identifiable(
    df: pd.DataFrame,
    names: Iterable[str] = (),
    source: str = "file.csv",
    *,
    address_columns: Iterable[str] | None = None,
) -> None:
    """Raise :class:`PrivacyError` when ``df`` holds direct personal identifiers.

    The message names the file, the column(s), the kind of identifier and the data row
    numbers (at most ten per column, then "and N more"), never the identifier itself.
    Call it before anything is computed, displayed or written.
    """
    findings = find_identifiers_in_frame(df, names, address_columns=address_columns)
    if not findings:
        return
    parts = []
    for finding in findings:
        if finding.header:
            parts.append(f"column '{finding.column}' is named as a {finding.kind} column")
        else:
            parts.append(
                f"column '{finding.column}' holds what looks like {finding.kind} in data "
                f"row(s) {_row_list(finding.rows)}"
            )
    raise PrivacyError(
        f"{source} looks identifiable and was not processed: " + "; ".join(parts) + ".",
        hint=(
            "remove or pseudonymise the identifying columns/values at the source and send "
            "only anonymised reports (row 1 = first row after the header); nothing from this "
            "file was computed or saved"
        ),
        file=str(source),
        columns=sorted({f.column for f in findings}),
        kinds=sorted({f.kind for f in findings}),
        findings=findings,
    )
