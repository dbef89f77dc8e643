"""Validation of survey data against its codebook: codes, numbers, ranges, ids.

Every problem names the file, the column, the row (as in the file) and the value; up to
:data:`MAX_ERRORS_SHOWN` problems are listed in one error.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from .codebook import MISSING_LABEL, Codebook, Variable, code_key, code_text

__all__ = [
    "MAX_ERRORS_SHOWN",
    "DECIMAL_COMMA",
    "NUMBER",
    "cell_number",
    "validate",
]

MAX_ERRORS_SHOWN = 10
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def cell_number(value: Any) -> float | None:
    """A cell as a float; None when it is not a number. Decimal comma accepted."""
    if value is None:
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text == "" or text.lower() == "nan":
        return math.nan
    if DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    if NUMBER.match(text):
        return float(text)
    return None


def _cell_text(value: Any) -> str | None:
    """A text cell, stripped; None for empty or missing."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating))
                                           and math.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def validate(frame: pd.DataFrame, codebook: Codebook, *, source: str = "data",
             row_offset: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check ``frame`` against ``codebook`` and return analysis data and missing counts.

    Every coded column must exist; Likert/categorical cells must be a labelled or a
    declared missing code; numeric cells numbers within ``min``/``max``. Declared missing
    codes become NaN (and are counted). Columns not in the codebook are kept unchanged.

    Raises
    ------
    SchemaError
        Listing up to ten problems; the first names file, column, row and value. Row
        numbers are as in the file (``row_offset``: 2 for a CSV/XLSX header row).
    """
    missing_columns = [n for n, v in codebook.variables.items() if n not in frame.columns]
    if missing_columns:
        raise SchemaError(
            f"{source}: column(s) {', '.join(repr(c) for c in missing_columns)} from the "
            "codebook are missing in the data.",
            hint="check the column names (and the delimiter) or update the codebook",
            file=source, column=missing_columns[0], columns=missing_columns)
    clean = frame.copy()
    problems: list[dict[str, Any]] = []
    missing_rows: list[dict[str, Any]] = []
    for name, variable in codebook.variables.items():
        if variable.type in ("text", "id"):
            clean[name] = _text_column(frame[name], variable, row_offset, problems)
        else:
            clean[name] = _coded_column(frame[name], variable, row_offset, problems,
                                        missing_rows)
    if problems:
        _raise_problems(problems, source)
    missing = pd.DataFrame(missing_rows, columns=["variable", "code", "label", "n"])
    return clean, missing


def _text_column(column: pd.Series, variable: Variable, row_offset: int,
                 problems: list[dict[str, Any]]) -> pd.Series:
    """A text or id column, stripped; a repeated respondent id is a problem."""
    values = pd.Series([_cell_text(v) for v in column.to_numpy()], index=column.index,
                       dtype=object)
    if variable.type == "id" and values.dropna().duplicated().any():
        position = int(np.flatnonzero(values.duplicated(keep="first") & values.notna())[0])
        problems.append({"column": variable.name, "row": position + row_offset,
                         "value": values.iloc[position], "why": "duplicate respondent id"})
    return values


def _coded_column(column: pd.Series, variable: Variable, row_offset: int,
                  problems: list[dict[str, Any]], missing_rows: list[dict[str, Any]]
                  ) -> np.ndarray:
    """A Likert/categorical/numeric column as floats (missing codes NaN and counted)."""
    name = variable.name
    numbers = np.full(len(column), np.nan)
    missing_codes = {code_key(k): t for k, t in variable.missing.items()}
    valid_codes = {code_key(k) for k in variable.values}
    counted: dict[Any, int] = {}
    empty = 0
    for position, raw in enumerate(column.to_numpy()):
        number = cell_number(raw)
        why = None
        if number is None:
            why = "not a number"
        elif math.isnan(number):
            empty += 1
            continue
        elif code_key(number) in missing_codes:
            counted[code_key(number)] = counted.get(code_key(number), 0) + 1
            continue
        elif (variable.type in ("likert", "categorical") and variable.values
              and code_key(number) not in valid_codes):
            why = (f"unknown code (allowed: {', '.join(code_text(k) for k in variable.values)}"
                   + (", missing: " + ", ".join(code_text(k) for k in missing_codes)
                      if missing_codes else "") + ")")
        elif (variable.minimum is not None and number < variable.minimum) or (
                variable.maximum is not None and number > variable.maximum):
            why = f"out of range [{variable.minimum}, {variable.maximum}]"
        if why:
            problems.append({"column": name, "row": position + row_offset, "value": raw,
                             "why": why})
            continue
        numbers[position] = number
    for key, n in counted.items():
        missing_rows.append({"variable": name, "code": code_text(key),
                             "label": missing_codes[key], "n": n})
    if empty:
        missing_rows.append({"variable": name, "code": "", "label": MISSING_LABEL, "n": empty})
    return numbers


def _raise_problems(problems: list[dict[str, Any]], source: str) -> None:
    first = problems[0]
    listed = "; ".join(f"column {p['column']!r} row {p['row']}: {p['value']!r} "
                       f"({p['why']})" for p in problems[:MAX_ERRORS_SHOWN])
    more = len(problems) - MAX_ERRORS_SHOWN
    raise SchemaError(
        f"{source}: {len(problems)} value(s) do not match the codebook: {listed}"
        + (f" and {more} more" if more > 0 else "") + ".",
        hint="correct the data, or declare the code in the codebook (values/missing)",
        file=source, column=first["column"], row=first["row"], value=first["value"],
        problems=problems)
