"""Reshaping tables for reading: wide formats where a reader compares.

A long table (one row per statement × response option) repeats the statement on every row;
a reader compares options side by side. :func:`wide_table` turns it into one row per
statement with the options as columns; :func:`pull_constants` takes out columns that hold
one value for the whole table (a test statistic, a method) so the caller shows them once,
in the caption or a note, rather than on every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["wide_table", "pull_constants"]


def wide_table(df: pd.DataFrame, rows: str | Sequence[str], columns: str, values: str, *,
               order: Iterable[Any] | None = None, fill: Any = None) -> pd.DataFrame:
    """One row per ``rows`` key, one column per ``columns`` value, cells from ``values``.

    Rows and columns keep the order in which they first appear in ``df`` (a codebook's
    order), unless ``order`` lists the columns (response options, e.g. from "Instämmer
    inte alls" to "Instämmer helt"). Missing combinations get ``fill``.

    Examples
    --------
    >>> long = pd.DataFrame({"Påstående": ["A", "A", "B"], "Svar": ["Ja", "Nej", "Ja"],
    ...                      "Procent": [60.0, 40.0, 100.0]})
    >>> wide_table(long, "Påstående", "Svar", "Procent")  # doctest: +NORMALIZE_WHITESPACE
      Påstående     Ja   Nej
    0         A   60.0  40.0
    1         B  100.0   NaN
    """
    import pandas as pd

    keys = [rows] if isinstance(rows, str) else list(rows)
    missing = [c for c in [*keys, columns, values] if c not in df.columns]
    if missing:
        from ..errors import ParameterError

        raise ParameterError(f"wide_table: no column {missing[0]!r} in the table.",
                             hint=f"columns are: {', '.join(map(str, df.columns))}",
                             parameter="rows" if missing[0] in keys else "columns")
    options = list(order) if order is not None else list(dict.fromkeys(df[columns]))
    key_order = list(dict.fromkeys(map(tuple, df[keys].itertuples(index=False, name=None))))
    table = df.pivot_table(index=keys, columns=columns, values=values, aggfunc="first",
                           sort=False, dropna=False)
    table = table.reindex(index=pd.MultiIndex.from_tuples(key_order, names=keys)
                          if len(keys) > 1 else [k[0] for k in key_order],
                          columns=[o for o in options])
    if fill is not None:
        table = table.fillna(fill)
    table.columns.name = None
    table = table.reset_index()
    if len(keys) == 1:
        table = table.rename(columns={"index": keys[0]})
    return table


def pull_constants(df: pd.DataFrame, columns: Iterable[str] | None = None
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Split off columns with one value on every row: ``(table without them, {name: value})``.

    ``columns`` limits which columns may be pulled (default: any). A table of one row keeps
    its columns.
    """
    if len(df) < 2:
        return df, {}
    candidates = list(df.columns) if columns is None else [c for c in columns if c in df.columns]
    constant = {c: df[c].iloc[0] for c in candidates if df[c].nunique(dropna=False) == 1}
    return df.drop(columns=list(constant)), constant
