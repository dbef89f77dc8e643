"""Reading evaluation tables through the one table reader (:mod:`research.io.tables`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from ..io.tables import read_table

__all__ = ["read_evaluations", "select_method"]


def read_evaluations(path: str | Path) -> pd.DataFrame:
    """Read an evaluations table (CSV, TSV, XLSX …), one row per study or evaluation.

    Encoding, delimiter, decimal comma, duplicate or empty column names and size limits are
    handled by :func:`research.io.tables.read_table`; cells stay text (numbers are converted
    by :func:`research.evaluation.effect_sizes`, with the table's decimal mark). A column
    ``source_row`` holds each row's number as a spreadsheet shows it (header = row 1);
    ``attrs["file"]`` the path, ``attrs["decimal"]`` the decimal mark.

    Raises
    ------
    InputDataError
        The file is missing, unreadable, of an unknown type, malformed or has no rows.
    """
    path = Path(path)
    df = read_table(path, what="evaluations file", parameter="evaluations")
    df.insert(0, "source_row", np.arange(len(df)) + 2)
    df.attrs["file"] = str(path)
    return df


def select_method(df: pd.DataFrame, method_name: str | None, *,
                  column: str = "method") -> pd.DataFrame:
    """The rows of ``df`` that evaluate ``method_name`` (all rows if no name or no column).

    Matching ignores case and surrounding spaces; :class:`InputDataError` lists the methods
    present when nothing matches.
    """
    if not method_name or column not in df.columns:
        return df
    names = df[column].astype(str).str.strip()
    chosen = df[names.str.casefold() == str(method_name).strip().casefold()]
    if chosen.empty:
        present = ", ".join(sorted(set(names) - {""}))
        raise InputDataError(
            f"No evaluations of '{method_name}' in column '{column}' of "
            f"{df.attrs.get('file', 'the evaluations table')}.",
            hint=f"set 'method_name' to one of: {present}", column=column,
            parameter="method_name", file=df.attrs.get("file"))
    chosen = chosen.copy()
    chosen.attrs = dict(df.attrs)
    return chosen
