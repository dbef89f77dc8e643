"""Verksamhetsuppföljning: the activity log of a Kunskapshus (the template notebook's data).

A small, complete example of the house conventions: a reader that validates its input
and names file, row and column on error; pure summaries; a plot with its Swedish alt text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import InputDataError, SchemaError
from ..io.tables import read_table
from ..report.figures import OKABE_ITO, attach_alt, count_axis, legend_outside, new_figure
from ..report.formatting import format_date, format_number

__all__ = [
    "COLUMNS",
    "ACTIVITY_LABELS",
    "HATCHES",
    "read_activities",
    "select_period",
    "by_activity",
    "by_month",
    "findings",
    "plot_by_month",
]

COLUMNS = {"datum": "date", "aktivitet": "category", "malgrupp": "category",
           "deltagare": "int"}
ACTIVITY_LABELS = {
    "utbildning": "Utbildning",
    "konsultation": "Konsultation",
    "samverkansmote": "Samverkansmöte",
    "anhorigstod": "Anhörigstöd",
    "dialogmote": "Dialogmöte",
}
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "--", "oo"]


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
    for index in df.index[dates.isna()]:
        raise SchemaError(f"{path}, row {index + 2}, column 'datum': {df.at[index, 'datum']!r} "
                          "is not a date.", hint="write dates as YYYY-MM-DD", file=str(path),
                          row=index + 2, column="datum")
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


def select_period(df: pd.DataFrame, start: str | dt.date, end: str | dt.date) -> pd.DataFrame:
    """Rows with ``start <= datum <= end`` (ISO dates)."""
    first = _parameter_date(start, "period_start")
    last = _parameter_date(end, "period_end")
    if first > last:
        raise InputDataError(f"The period starts ({start}) after it ends ({end}).",
                             hint="check period_start and period_end", parameter="period_start")
    return df[(df["datum"] >= first) & (df["datum"] <= last)].reset_index(drop=True)


def _parameter_date(value: str | dt.date, parameter: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        raise InputDataError(f"Parameter '{parameter}': {str(value)!r} is not a date.",
                             hint="write the date as YYYY-MM-DD, e.g. 2026-01-31",
                             parameter=parameter) from None


def by_activity(df: pd.DataFrame) -> pd.DataFrame:
    """Number of activities and participants per activity type (Swedish column names)."""
    grouped = df.groupby("aktivitet").agg(antal=("datum", "size"), deltagare=("deltagare", "sum"))
    grouped = grouped.reindex([k for k in ACTIVITY_LABELS if k in grouped.index])
    table = pd.DataFrame({
        "Aktivitet": [ACTIVITY_LABELS[k] for k in grouped.index],
        "Antal tillfällen": grouped["antal"].astype(int).to_numpy(),
        "Deltagare": grouped["deltagare"].astype(int).to_numpy(),
    })
    total = max(int(table["Antal tillfällen"].sum()), 1)
    table["Andel av tillfällen (%)"] = (100 * table["Antal tillfällen"] / total).round(1)
    return table


def by_month(df: pd.DataFrame) -> pd.DataFrame:
    """Activities per month (rows: ``YYYY-MM``) and activity type (columns)."""
    months = df["datum"].dt.to_period("M").astype(str)
    table = pd.crosstab(months, df["aktivitet"]).reindex(columns=[k for k in ACTIVITY_LABELS
                                                                  if k in set(df["aktivitet"])])
    table.index.name = "Månad"
    table.columns = [ACTIVITY_LABELS[c] for c in table.columns]
    table.columns.name = None
    return table


def findings(df: pd.DataFrame, start: str, end: str) -> list[str]:
    """Three to four key findings in plain Swedish."""
    if df.empty:
        return [f"Inga aktiviteter registrerades mellan {format_date(start)} och {format_date(end)}."]
    table = by_activity(df)
    top = table.sort_values("Antal tillfällen", ascending=False).iloc[0]
    monthly = df.groupby(df["datum"].dt.to_period("M")).size()
    busiest = monthly.idxmax()
    return [
        f"Kunskapshuset genomförde {format_number(len(df))} aktiviteter med sammanlagt "
        f"{format_number(df['deltagare'].sum())} deltagare mellan {format_date(start)} och "
        f"{format_date(end)}.",
        f"Vanligast var {top['Aktivitet'].lower()} ({format_number(top['Antal tillfällen'])} "
        f"tillfällen, {format_number(top['Andel av tillfällen (%)'], 1)} %).",
        f"Flest aktiviteter hölls i {busiest.strftime('%Y-%m')} "
        f"({format_number(monthly.max())} tillfällen).",
        f"Aktiviteterna nådde {format_number(df['malgrupp'].nunique())} olika målgrupper.",
    ]


def plot_by_month(table: pd.DataFrame):
    """Stacked bars of activities per month; returns a Figure with Swedish alt text."""
    fig, ax = new_figure(aspect=0.55)
    bottom = pd.Series(0, index=table.index, dtype=float)
    for position, column in enumerate(table.columns):
        ax.bar(table.index, table[column], bottom=bottom, label=column,
               color=OKABE_ITO[position % len(OKABE_ITO)], hatch=HATCHES[position % len(HATCHES)],
               edgecolor="#333333", linewidth=0.5)
        bottom += table[column]
    ax.set_xlabel("Månad")
    ax.set_ylabel("Antal tillfällen")
    ax.set_title("Aktiviteter per månad och typ")
    count_axis(ax.yaxis)
    ax.tick_params(axis="x", labelrotation=45)
    legend_outside(ax, where="right")
    totals = table.sum(axis=1)
    alt = (f"Stapeldiagram över aktiviteter per månad från {table.index[0]} till "
           f"{table.index[-1]}, uppdelat på typ av aktivitet. Flest tillfällen "
           f"({format_number(totals.max())}) var det i {totals.idxmax()}, färst "
           f"({format_number(totals.min())}) i {totals.idxmin()}.") if len(table) else \
        "Tomt diagram: inga aktiviteter under perioden."
    return attach_alt(fig, alt)
