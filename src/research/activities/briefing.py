"""The template briefing's facade: ``analyse(...)`` gives everything the notebook shows,
with the Swedish wording, so each notebook cell is one line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import resolve
from ..report.formatting import format_date, format_number, month_label
from .figures import plot_by_month
from .readers import read_activities
from .tables import by_activity, by_month, select_period

__all__ = ["ActivityBriefing", "analyse", "findings"]


def findings(df: pd.DataFrame, start: str, end: str) -> list[str]:
    """Three to four key findings in plain Swedish."""
    if df.empty:
        return [f"Inga aktiviteter registrerades mellan {format_date(start)} och "
                f"{format_date(end)}."]
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
        f"Flest aktiviteter hölls i {month_label(busiest)} "
        f"({format_number(monthly.max())} tillfällen).",
        f"Aktiviteterna nådde {format_number(df['malgrupp'].nunique())} olika målgrupper.",
    ]


@dataclass
class ActivityBriefing:
    """The period's activities and what the briefing says about them."""

    activities: pd.DataFrame
    period_start: str
    period_end: str
    source: Path

    def findings(self) -> list[str]:
        """The key findings for "Sammanfattning"."""
        return findings(self.activities, self.period_start, self.period_end)

    def key_figures(self) -> dict[str, Any]:
        """The key figures shown next to the findings."""
        return {"Aktiviteter": len(self.activities),
                "Deltagare": int(self.activities["deltagare"].sum())}

    def by_activity(self) -> pd.DataFrame:
        """Activities and participants per activity type."""
        return by_activity(self.activities)

    def by_month(self) -> pd.DataFrame:
        """Activities per month and type."""
        return by_month(self.activities)

    def reading(self, name: str) -> dict[str, Any]:
        """Options for ``report.show_table`` that make a table readable on a phone: month
        names instead of "2026-01" (the CSV keeps the codes), the most frequent activity
        types first (a phone shows them, the rest behind "Visa alla kolumner")."""
        if name == "aktiviteter_per_manad":
            table = self.by_month()
            busiest = list(table.sum().sort_values(ascending=False, kind="stable").index)
            return {"index": True, "formatters": {"Månad": month_label}, "priority": busiest}
        if name == "aktiviteter_per_typ":
            return {"decimals": {"Andel av tillfällen (%)": 1}}
        return {}

    def figure(self) -> Any:
        """Stacked bars per month, with its Swedish alt text."""
        return plot_by_month(self.by_month())

    def period_text(self) -> str:
        """The period as the header shows it ("1 januari 2026 – 31 oktober 2026")."""
        return f"{format_date(self.period_start)} – {format_date(self.period_end)}"

    def method_notes(self) -> list[str]:
        """How the figures were counted, for "Om underlaget"."""
        return [
            f"Underlaget är aktivitetsloggen {self.source.name}: en rad per tillfälle med "
            "datum, typ, målgrupp och antal deltagare.",
            "Deltagare räknas per tillfälle, så samma person kan räknas flera gånger.",
            f"Perioden är {self.period_text()}; tillfällen utanför den räknas inte.",
        ]


def analyse(data: str | Path, period_start: str, period_end: str) -> ActivityBriefing:
    """Read the activity log ``data`` (relative paths from the project root) and keep the
    activities from ``period_start`` to ``period_end`` (ISO dates, both included).

    Raises
    ------
    InputDataError
        A missing or unreadable file, a bad row (naming row and column), or a period that
        is not two dates in order (naming the parameter).
    """
    source = resolve(data)
    period = select_period(read_activities(source), period_start, period_end)
    return ActivityBriefing(period, str(period_start), str(period_end), source)
