"""One table reader and one table writer for every domain.

:func:`read_table` reads CSV, TSV, TXT, XLSX and SAV files into a DataFrame of **text cells**
(``""`` for an empty cell; nothing converted yet), with the same rules for every notebook:

- encoding: a byte-order mark (UTF-8/16/32), UTF-8, cp1252 (Swedish Excel), then a guess
  (:func:`research.io.files.decode_text`);
- delimiter: ``;``, tab, ``|`` or ``,`` — the one that splits the header into the most fields
  *consistently* over the first records (so decimal commas and commas in free text do not
  fool it);
- strict shape: a data row with more fields than the header is an error naming its line;
  shorter rows are padded with empty cells; blank lines are dropped;
- the raw header is checked **before** any renaming: empty or duplicate column names are
  refused, naming the columns (pandas would silently rename ``q1`` to ``q1.1``);
- limits (:data:`LIMITS`): file size, rows, columns and cell length, each with a clear error.

Numbers: :func:`to_number` converts a text column, accepting a decimal comma and space or
non-breaking-space thousands separators (``"1 234,5"``); :func:`decimal_separator` says which
decimal mark a table uses.

:func:`write_table` is the one writer of published tables (CSV, and XLSX): text cells that a
spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage
return; OWASP's CSV-injection guidance) are prefixed with ``'``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputDataError
from .files import decode_text, write_text_atomic

__all__ = [
    "LIMITS",
    "TableLimits",
    "TABLE_SUFFIXES",
    "read_table",
    "read_sav",
    "to_number",
    "decimal_separator",
    "neutralise_formula",
    "neutralise_frame",
    "write_table",
]


@dataclass(frozen=True)
class TableLimits:
    """Limits every table read obeys (a larger file is refused with a clear error)."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 2_000
    max_cell_chars: int = 100_000
    max_unpacked_bytes: int = 1024 * 1024 * 1024  # an XLSX is a zip: its parts, unpacked


LIMITS = TableLimits()
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav")
_DELIMITERS = (";", "\t", "|", ",")


def _error(message: str, path: Path, *, hint: str, **fields: Any) -> InputDataError:
    return InputDataError(f"{path}: {message}", hint=hint, file=str(path), **fields)


def read_table(path: str | os.PathLike[str], *, what: str = "table", parameter: str | None = None,
               limits: TableLimits = LIMITS, allow_empty: bool = False) -> pd.DataFrame:
    """Read a CSV/TSV/TXT/XLSX/SAV file as a DataFrame of text cells.

    Parameters
    ----------
    path
        The file. It is only read, never changed.
    what
        What the file is, for messages ("survey data", "reports file" …).
    parameter
        The notebook parameter that named the file, for messages.
    limits
        Size, row, column and cell-length limits.
    allow_empty
        Return an empty frame (with the header's columns) instead of raising when the file has
        a header but no data rows (e.g. a zero-hit database export).

    Returns
    -------
    pandas.DataFrame
        Text cells, stripped of surrounding spaces; ``attrs`` holds ``delimiter``,
        ``encoding`` and ``decimal`` (``","`` or ``"."``).

    Raises
    ------
    InputDataError
        Missing, unreadable, empty, oversized or malformed file; duplicate or empty column
        names. The message names the file, the line or column and what to do.
    """
    target = Path(path)
    fields = {"parameter": parameter} if parameter else {}
    if not target.is_file():
        hint = f"check the '{parameter}' parameter (paths are relative to the project root)" \
            if parameter else "check the path"
        raise InputDataError(f"{what.capitalize()} not found: {target}", hint=hint,
                             file=str(target), **fields)
    size = target.stat().st_size
    if size > limits.max_bytes:
        raise _error(f"the file is {size:,} bytes, more than the limit of {limits.max_bytes:,}.",
                     target, hint="split the file or raise the limit (research.io.tables.LIMITS)",
                     limit="max_bytes", **fields)
    suffix = target.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, rows, attrs = _read_xlsx(target, limits)
    elif suffix == ".sav":
        frame, _ = read_sav(target)
        frame = frame.apply(lambda column: column.map(_cell_text))
        header, rows, attrs = list(frame.columns), frame.values.tolist(), {"encoding": "sav"}
    elif suffix in (".csv", ".tsv", ".txt"):
        header, rows, attrs = _read_csv(target, limits)
    else:
        raise _error(f"unsupported file type {suffix or '(none)'!r}.", target,
                     hint=f"use one of {', '.join(TABLE_SUFFIXES)}", **fields)
    _check_header(header, target, **fields)
    _check_shape(header, rows, target, limits)
    frame = pd.DataFrame(rows, columns=[str(c).strip() for c in header], dtype=object)
    frame = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    if len(frame):
        frame = frame.loc[~(frame == "").all(axis=1)].reset_index(drop=True)
    if frame.empty and not allow_empty:
        raise _error("the file has a header but no data rows.", target,
                     hint=f"export the {what} again with its data", **fields)
    frame.attrs.update(attrs)
    frame.attrs["decimal"] = decimal_separator(frame)
    frame.attrs["source"] = str(target)
    return frame


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html)\b", re.IGNORECASE)


def _read_csv(path: Path, limits: TableLimits) -> tuple[list[str], list[list[str]], dict]:
    text, encoding = decode_text(path.read_bytes(), name=str(path))
    if not text.strip():
        raise _error("the file is empty.", path, hint="export it again with a header row")
    if _HTML_START.match(text[:2000]):  # a login or error page saved under the export's name
        raise _error("the file is a web page (HTML), not a table.", path,
                     hint="download the export itself (CSV or XLSX), not the page showing it")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    csv.field_size_limit(max(limits.max_cell_chars + 1, 131072))
    records = _csv_records(text, delimiter, limits, path)
    if not records:
        raise _error("the file is empty.", path, hint="export it again with a header row")
    header, rows = records[0], records[1:]
    width = len(header)
    short: list[int] = []  # records padded with empty cells (attrs["short_rows"])
    for number, row in enumerate(rows, start=2):
        while len(row) > width and not row[-1].strip():
            row.pop()
        if len(row) > width:
            raise _error(f"row {number} (counting the header as row 1) has {len(row)} "
                         f"fields, the header {width}.", path,
                         hint=f"check for an extra or unquoted delimiter ({delimiter!r}) in "
                         "that row", row=number)
        if len(row) < width:
            short.append(number)
            row.extend([""] * (width - len(row)))
    return header, rows, {"delimiter": delimiter, "encoding": encoding, "short_rows": short}


def _csv_records(text: str, delimiter: str, limits: TableLimits, path: Path, *,
                 strict: bool = True) -> list[list[str]]:
    """The non-blank records. Parsed strictly first, only to catch a quote that is never
    closed (which would silently turn every later line into one cell); other quirks
    (text after a closing quote) are then read leniently, as before, except that a record
    over several lines is then refused (a stray quote swallowing rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    records: list[list[str]] = []
    last_line = 0  # where the previous record ended
    try:
        for record in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if not strict and last_line > first_line:  # quoting is already broken here:
                # a cell over several lines is then lines swallowed by a stray quote
                raise _error(f"a quote (\") in line {first_line} is not balanced: lines "
                             f"{first_line}–{last_line} would be read as one row.", path,
                             hint="close or remove the stray quote in that line",
                             row=first_line)
            records.append(record)
            if len(records) > limits.max_rows + 1:
                raise _error(f"more than {limits.max_rows:,} rows.", path,
                             hint="split the file or raise the limit", limit="max_rows")
    except csv.Error as exc:
        if strict and "unexpected end of data" in str(exc):
            raise _error(f"the quote (\") that opens a cell in line {last_line + 1} is never "
                         "closed, so every line after it would be read as that one cell.", path,
                         hint="close that quote or remove it", row=last_line + 1) from exc
        if strict:
            return _csv_records(text, delimiter, limits, path, strict=False)
        raise _error(f"broken CSV at line {reader.line_num}: {exc}.", path,
                     hint="a quote may be missing; quote text that contains the delimiter",
                     row=reader.line_num) from exc
    return records


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most fields consistently over the
    first 50 records; falls back to the header's most frequent candidate."""
    best, best_fields = ",", 1
    sample = "\n".join(text.splitlines()[:200])
    for delimiter in _DELIMITERS:
        try:
            records = [r for _, r in zip(range(51), csv.reader(io.StringIO(sample),
                                                               delimiter=delimiter)) if r]
        except csv.Error:
            continue
        if not records:
            continue
        fields = len(records[0])
        if fields > best_fields and all(len(r) == fields for r in records[:-1]):
            best, best_fields = delimiter, fields
    if best_fields == 1:
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get) if max(counts.values()) else ","
    return best


def _read_xlsx(path: Path, limits: TableLimits) -> tuple[list[str], list[list[Any]], dict]:
    try:  # a zip bomb (e.g. a huge shared-strings part) is refused before openpyxl unpacks it
        with zipfile.ZipFile(path) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError):
        unpacked = 0  # openpyxl's error below names the broken workbook
    if unpacked > limits.max_unpacked_bytes:
        raise _error(f"the workbook unpacks to {unpacked:,} bytes, more than the limit of "
                     f"{limits.max_unpacked_bytes:,}.", path, hint="save it again from Excel, "
                     "or export CSV UTF-8", limit="max_unpacked_bytes")
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken or truncated files
        raise _error(f"cannot read the Excel workbook ({type(exc).__name__}).", path,
                     hint="open it in Excel and save it again as .xlsx, or export CSV UTF-8"
                     ) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > limits.max_rows + 1:
                raise _error(f"more than {limits.max_rows:,} rows.", path,
                             hint="split the workbook or raise the limit", limit="max_rows")
            if len(row) > limits.max_columns:
                raise _error(f"more than {limits.max_columns:,} columns.", path,
                             hint="remove unused columns", limit="max_columns")
            if any(value not in (None, "") for value in row):
                rows.append([_cell_text(value) for value in row])
    except InputDataError:
        raise
    except Exception as exc:
        raise _error(f"cannot read the Excel workbook ({type(exc).__name__}).", path,
                     hint="open it in Excel and save it again as .xlsx") from exc
    finally:
        book.close()
    if not rows:
        raise _error("the workbook's first sheet is empty.", path,
                     hint="put the table on the first sheet with a header row")
    header = rows[0]
    while header and header[-1] == "" and all(len(r) < len(header) or r[len(header) - 1] == ""
                                               for r in rows[1:]):
        header = header[:-1]
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return header, body, {"delimiter": None, "encoding": "xlsx"}


def read_sav(path: str | os.PathLike[str], *, metadata_only: bool = False) -> tuple[pd.DataFrame, Any]:
    """Read an SPSS .sav file with pyreadstat: ``(frame, metadata)`` (codes, not labels)."""
    import pyreadstat

    target = Path(path)
    if not target.is_file():
        raise InputDataError(f"SPSS file not found: {target}", hint="check the path",
                             file=str(target))
    size = target.stat().st_size  # read_survey calls this directly for .sav files
    if size > LIMITS.max_bytes:
        raise _error(f"the file is {size:,} bytes, more than the limit of {LIMITS.max_bytes:,}.",
                     target, hint="split the file or raise the limit (research.io.tables.LIMITS)",
                     limit="max_bytes")
    try:
        empty, meta = pyreadstat.read_sav(str(target), metadataonly=True,
                                          apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise _error(f"cannot read the SPSS file ({exc}).", target,
                     hint="check that it is an uncorrupted .sav file") from exc
    rows, columns = int(meta.number_rows or 0), int(meta.number_columns or 0)
    if rows > LIMITS.max_rows or columns > LIMITS.max_columns:
        which, count, limit = (("rows", rows, LIMITS.max_rows) if rows > LIMITS.max_rows
                               else ("columns", columns, LIMITS.max_columns))
        raise _error(f"{count:,} {which}, more than the limit of {limit:,}.", target,
                     hint="split the file or raise the limit (research.io.tables.LIMITS)",
                     limit=f"max_{which}")
    if metadata_only:
        return empty, meta
    try:
        return pyreadstat.read_sav(str(target), apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise _error(f"cannot read the SPSS file ({exc}).", target,
                     hint="check that it is an uncorrupted .sav file") from exc


def _check_header(header: list[Any], path: Path, **fields: Any) -> None:
    names = [str(c).strip() for c in header]
    empty = [i + 1 for i, name in enumerate(names) if not name]
    if empty:
        raise _error(f"column(s) {', '.join(map(str, empty))} have no name in the header.",
                     path, hint="give every column a name (or delete the empty column)",
                     column=empty[0], **fields)
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    duplicated = [name for name, count in seen.items() if count > 1]
    if duplicated:
        raise _error(f"duplicate column name(s) {', '.join(repr(d) for d in duplicated)}.",
                     path, hint="give every column a unique name; nothing was renamed or "
                     "dropped", column=duplicated[0], **fields)


def _check_shape(header: list[Any], rows: list[list[Any]], path: Path,
                 limits: TableLimits) -> None:
    if len(header) > limits.max_columns:
        raise _error(f"{len(header):,} columns, more than the limit of "
                     f"{limits.max_columns:,}.", path, hint="remove unused columns",
                     limit="max_columns")
    if len(rows) > limits.max_rows:
        raise _error(f"{len(rows):,} rows, more than the limit of {limits.max_rows:,}.",
                     path, hint="split the file or raise the limit", limit="max_rows")
    for number, row in enumerate(rows, start=2):
        for column, cell in zip(header, row):
            if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                raise _error(f"row {number}, column {column!r} holds {len(cell):,} "
                             f"characters, more than the limit of {limits.max_cell_chars:,}.",
                             path, hint="shorten that cell", row=number, column=str(column),
                             limit="max_cell_chars")


_COMMA_NUMBER = re.compile(r"^[-+−]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*,\d+$|^[-+−]?\d+,\d+$")
_POINT_NUMBER = re.compile(r"^[-+−]?\d+\.\d+$")


def decimal_separator(frame: pd.DataFrame) -> str:
    """``","`` when the table's decimal numbers use a decimal comma, else ``"."``."""
    comma = point = 0
    for column in frame.columns:
        values = frame[column].astype(str).head(500)
        comma += int(values.str.match(_COMMA_NUMBER).sum())
        point += int(values.str.match(_POINT_NUMBER).sum())
    return "," if comma > point else "."


def to_number(values: pd.Series, *, decimal: str | None = None) -> pd.Series:
    """Text cells to floats: decimal comma or point, space/NBSP thousands separators,
    Unicode minus; empty cells become NaN, anything else that is not a number too (check
    with ``isna()`` against the text to report it)."""
    decimal = decimal or decimal_separator(values.to_frame())
    text = values.astype(str).str.strip().str.replace("\u2212", "-", regex=False)
    text = text.str.replace(r"[ \u00a0\u202f]", "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(text.where(text != ""), errors="coerce")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value.replace(",", "."))
            return value  # "-3" or "+1,5" is a number written as text, not a formula
        except ValueError:
            return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) if isinstance(c, str) else c for c in out.columns]
    if isinstance(out.index, pd.MultiIndex) or out.index.dtype == object:
        out.index = out.index.map(lambda v: tuple(neutralise_formula(x) for x in v)
                                  if isinstance(v, tuple) else neutralise_formula(v))
    return out


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False,
                **csv_options: Mapping[str, Any]) -> Path:
    """Write a published table atomically as CSV (UTF-8, comma, point decimals) or XLSX
    (by suffix), with formula-leading text neutralised."""
    target = Path(path)
    safe = neutralise_frame(frame)
    if target.suffix.lower() == ".xlsx":
        import tempfile

        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".xlsx")
        os.close(handle)
        try:
            safe.to_excel(tmp, index=index, engine="openpyxl")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
    return write_text_atomic(target, safe.to_csv(index=index, **csv_options))


def is_number(value: Any) -> bool:
    """True for real numbers (not bools)."""
    return isinstance(value, numbers.Number) and not isinstance(value, bool)
