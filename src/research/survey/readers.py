"""Readers: survey data (CSV, TSV, XLSX, SPSS ``.sav``) and name lists.

Files are read by the one table reader, :func:`research.io.tables.read_table` (encoding,
delimiter, decimal comma, duplicate or empty column names, limits), or
:func:`research.io.tables.read_sav`, then validated against a
:class:`~research.survey.codebook.Codebook` (:func:`~research.survey.validation.validate`).
Every input error names the file and, where there is one, the row and the column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputDataError, ParameterError
from ..io.files import check_size, decode_text
from ..io import tables
from .codebook import Codebook, codebook_from_metadata, load_codebook, same_code
from .validation import validate

__all__ = [
    "Survey",
    "read_table",
    "read_survey",
    "read_names",
]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV/TSV/XLSX file of survey answers as text cells, unvalidated.

    Uses :func:`research.io.tables.read_table`; in addition a row with fewer fields than
    the header is refused (it is broken, not a row of empty answers).

    Raises
    ------
    InputDataError
        Missing, empty, undecodable or malformed file, duplicate or empty column names, a
        short row, or a header without data rows; naming the file (and row or column).
    """
    path = Path(path)
    frame = tables.read_table(path, what="survey data", parameter="data", allow_empty=True)
    short = frame.attrs.get("short_rows") or []
    if short:
        listed = ", ".join(map(str, short[:10])) + (" …" if len(short) > 10 else "")
        raise InputDataError(
            f"{path}: {len(short)} row(s) have fewer fields than the header (record "
            f"{listed}, counting the header as record 1).", file=str(path), row=short[0],
            hint="check for a missing delimiter "
            f"({frame.attrs.get('delimiter')!r}) in that row, or export the file again")
    return frame


def _check_header(frame: pd.DataFrame, book: Codebook, path: Path) -> None:
    """Refuse a table that shares no column with the codebook (a wrong, binary or
    garbled file) and one without data rows, each with its own message."""
    columns = [str(c) for c in frame.columns]
    if book.variables and not any(name in columns for name in book.variables):
        shown = ", ".join(repr(c[:30]) for c in columns[:5])
        garbled = any(not ch.isprintable() or ch == "\ufffd" for c in columns for ch in c)
        raise InputDataError(
            f"{path}: no column of the codebook ({book.source}) is in the file's header "
            f"(it reads {shown}{' …' if len(columns) > 5 else ''})"
            + ("; the file does not look like a text table (binary or mis-encoded bytes)."
               if garbled else "."), file=str(path), column=columns[0] if columns else None,
            hint="check that 'data' names the survey's CSV/XLSX/SAV export with a header row "
            "of column names, and that 'codebook' belongs to it")
    if frame.empty:
        raise InputDataError(f"{path}: the file has a header but no data rows.",
                             file=str(path), hint="export the survey again with its answers")


@dataclass
class Survey:
    """A validated survey: analysis data, the codebook and what was declared missing.

    Attributes
    ----------
    data
        One row per respondent; Likert/categorical/numeric columns are floats with declared
        missing codes set to NaN; text columns strings.
    codebook
        The codebook the data were validated against.
    missing
        Per column, the count of each declared missing code and of empty answers
        (columns ``variable``, ``code``, ``label``, ``n``).
    source
        The data file.
    """

    data: pd.DataFrame
    codebook: Codebook
    missing: pd.DataFrame
    source: str


def read_survey(data: str | Path, codebook: str | Path | Codebook | None = None) -> Survey:
    """Read and validate survey data.

    Parameters
    ----------
    data
        A ``.csv``, ``.xlsx`` or ``.sav`` file.
    codebook
        A codebook YAML file or :class:`Codebook` (copied, never changed); optional for
        ``.sav``, whose variable labels, value labels and user-missing codes are used.

    Raises
    ------
    InputDataError, SchemaError
        Naming file, column, row and value for each problem.
    """
    path = Path(data)
    meta_codebook = None
    if path.suffix.lower() == ".sav":
        frame, meta = tables.read_sav(path)
        meta_codebook = codebook_from_metadata(meta, path)
        row_offset = 1  # SPSS cases are numbered from 1
    else:
        frame = read_table(path)
        row_offset = 2  # the header is line 1
    if isinstance(codebook, Codebook):
        book = copy.deepcopy(codebook)  # the caller's codebook is never changed
    elif codebook:
        book = load_codebook(codebook)
    elif meta_codebook is not None:
        book = meta_codebook
    else:
        raise ParameterError(f"{path}: a codebook is needed for {path.suffix} files.",
                             hint="give the 'codebook' parameter (YAML); only .sav files carry "
                             "their own labels", parameter="codebook")
    if meta_codebook is not None and book is not meta_codebook:
        _fill_labels(book, meta_codebook)
    _check_header(frame, book, path)
    clean, missing = validate(frame, book, source=str(path), row_offset=row_offset)
    clean.attrs.update(source=str(path), row_offset=row_offset)  # for the design's messages
    return Survey(data=clean, codebook=book, missing=missing, source=str(path))


def _fill_labels(book: Codebook, meta: Codebook) -> None:
    """Take question texts and user-missing codes from the .sav file where the YAML
    codebook has none (a code declared missing in SPSS stays missing)."""
    for name, variable in book.variables.items():
        other = meta.variables.get(name)
        if other is None:
            continue
        if not variable.label:
            variable.label = other.label
        if variable.type in ("likert", "categorical", "numeric"):
            for code, label in other.missing.items():
                if not any(same_code(code, known) for known in variable.missing):
                    variable.missing[code] = label


NAMES_MAX_BYTES = 1024 * 1024  # a list of names to mask; far larger means the wrong file


def read_names(path: str | Path | None) -> list[str]:
    """Names to mask, one per line, from a UTF-8/cp1252 text file (``#`` starts a comment).

    Keeping the names in a file keeps them out of the run's parameters, which the
    briefing's provenance section shows. ``None``/empty path gives no names.
    """
    if not path:
        return []
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"Name list not found: {path}", hint="check the "
                             "'mask_names_file' parameter", file=str(path),
                             parameter="mask_names_file")
    check_size(path, NAMES_MAX_BYTES, what="name list", parameter="mask_names_file")
    names = []
    text, _ = decode_text(path.read_bytes(), name=str(path))
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names

