"""Pure summaries of an activity log: the period's rows, per activity type, per month."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..errors import InputDataError
from .readers import ACTIVITY_LABELS

__all__ = ["select_period", "by_activity", "by_month"]


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
