"""Reading the activity log: a table of dated activities, validated row by row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from ..io.tables import read_table

__all__ = ["COLUMNS", "ACTIVITY_LABELS", "read_activities"]

COLUMNS = {"datum": "date", "aktivitet": "category", "malgrupp": "category",
           "deltagare": "int"}
ACTIVITY_LABELS = {
    "utbildning": "Utbildning",
    "konsultation": "Konsultation",
    "samverkansmote": "Samverkansmöte",
    "anhorigstod": "Anhörigstöd",
    "dialogmote": "Dialogmöte",
}


def read_activities(path: str | Path) -> pd.DataFrame:
    """Read and validate an activity log (CSV in UTF-8, UTF-8 with BOM or cp1252 with ``,``
    or ``;``, or XLSX: :func:`research.io.tables.read_table`).

    Columns: ``datum`` (ISO date), ``aktivitet`` (one of :data:`ACTIVITY_LABELS`),
    ``malgrupp`` (free category), ``deltagare`` (whole number ≥ 0).
    """
    path = Path(path)
    df = read_table(path, what="activity log", parameter="data")
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {', '.join(missing)}.",
                          hint=f"the file needs the columns {', '.join(COLUMNS)}", file=str(path),
                          column=missing[0])
    out = pd.DataFrame(index=df.index)
    dates = pd.to_datetime(df["datum"].str.strip(), format="%Y-%m-%d", errors="coerce")
    bad_dates = [int(index) + 2 for index in df.index[dates.isna()]]
    if bad_dates:  # every bad row at once, so a file of 03/04/2025 dates is fixed in one go
        rows = ", ".join(map(str, bad_dates[:10])) + (" …" if len(bad_dates) > 10 else "")
        where = f"row {rows}" if len(bad_dates) == 1 else f"rows {rows}"
        more = f" ({len(bad_dates)} rows in all)" if len(bad_dates) > 1 else ""
        raise SchemaError(f"{path}, {where}, column 'datum': {df.at[bad_dates[0] - 2, 'datum']!r} "
                          f"is not a date{more}.", hint="write dates as YYYY-MM-DD",
                          file=str(path), row=bad_dates[0], rows=bad_dates, column="datum")
    out["datum"] = dates
    activity = df["aktivitet"].str.strip().str.lower()
    for index in df.index[~activity.isin(list(ACTIVITY_LABELS))]:
        raise SchemaError(f"{path}, row {index + 2}, column 'aktivitet': unknown activity "
                          f"{df.at[index, 'aktivitet']!r}.",
                          hint=f"use one of {', '.join(ACTIVITY_LABELS)}", file=str(path),
                          row=index + 2, column="aktivitet")
    out["aktivitet"] = activity
    out["malgrupp"] = df["malgrupp"].str.strip()
    participants = pd.to_numeric(df["deltagare"].str.strip(), errors="coerce")
    bad = participants.isna() | (participants < 0) | (participants % 1 != 0)
    for index in df.index[bad]:
        raise SchemaError(f"{path}, row {index + 2}, column 'deltagare': "
                          f"{df.at[index, 'deltagare']!r} is not a whole number ≥ 0.",
                          hint="write the number of participants, e.g. 12", file=str(path),
                          row=index + 2, column="deltagare")
    out["deltagare"] = participants.astype(int)
    return out.reset_index(drop=True)
