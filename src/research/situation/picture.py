"""The situation picture: counts per period, area, theme and unit after disclosure
control over all linked tables of the run at once.

Every period's area × theme table and the current period's unit × theme, concern and
age × gender tables are one set of linked tables (:class:`research.privacy.LinkedTables`):
they share theme totals and grand totals, so their complementary cells are chosen together
(:func:`research.privacy.protect`) and judged by the independent audit. Changes and shares
are computed later from published cells only, so they add no equation about a hidden cell.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..privacy import LinkedSuppression, LinkedTables, SuppressionResult, TOTAL_LABEL, protect
from ..report.formatting import MONTHS
from .readers import (
    AGE,
    AREA,
    CONCERN,
    DATE,
    GENDER,
    MIN_CELL_FLOOR,
    PERIOD_FREQUENCIES,
    THEME,
    UNIT,
    ReportSet,
)

__all__ = [
    "PERIOD",
    "period_label",
    "period_code",
    "unit_words",
    "SituationPicture",
    "build_picture",
]

PERIOD = "period"  # the dimension name of periods in the linked tables


# =======================================================================================
# Periods


def _check_period(period: str) -> str:
    if period not in PERIOD_FREQUENCIES:
        raise ParameterError(
            f"period must be 'month' or 'quarter', got {period!r}.",
            hint="set period = 'quarter' (kvartal) or 'month' (månad)", parameter="period",
        )
    return period


def period_label(period: pd.Period) -> str:
    """Swedish label for running text: ``"kvartal 3 2026"``, ``"september 2026"``."""
    if period.freqstr.startswith("Q"):
        return f"kvartal {period.quarter} {period.year}"
    return f"{MONTHS[period.month - 1]} {period.year}"


def period_code(period: pd.Period) -> str:
    """Short label for tables and axes: ``"2026 K3"``, ``"2026-09"``."""
    if period.freqstr.startswith("Q"):
        return f"{period.year} K{period.quarter}"
    return f"{period.year}-{period.month:02d}"


def unit_words(period: str) -> tuple[str, str, str]:
    """(noun, 'föregående …', 'samma … förra året') in Swedish."""
    if period == "quarter":
        return "kvartal", "föregående kvartal", "samma kvartal förra året"
    return "månad", "föregående månad", "samma månad förra året"


@dataclass
class SituationPicture:
    """Counts per period after disclosure control, and what is built from them.

    Attributes
    ----------
    period
        ``"month"`` or ``"quarter"``.
    current, previous, last_year
        The current period (containing ``as_of``), the one before it and the same period
        one year earlier.
    periods
        Every period from the first report to ``current``.
    area_tables
        Area × theme counts per period after suppression (with totals).
    unit_table
        Unit × theme counts of the current period after suppression (with totals).
    concern
        Reports per level of concern in the current period after suppression.
    age_gender
        Age band × gender of the current period, when it has no small cell and nothing in
        it had to be hidden to protect other cells (else ``None``).
    suppression
        The suppression of all these tables together, with the audit's verdict.
    complete
        False when ``as_of`` falls before the end of the current period.
    """

    period: str
    as_of: dt.date
    min_cell: int
    current: pd.Period
    previous: pd.Period
    last_year: pd.Period
    periods: list[pd.Period]
    areas: list[str]
    themes: list[str]
    units: list[str]
    area_tables: dict[pd.Period, SuppressionResult]
    unit_table: SuppressionResult
    concern: SuppressionResult | None
    complete: bool
    reports: ReportSet
    age_gender: SuppressionResult | None = None
    suppression: LinkedSuppression | None = None

    # --- labels -----------------------------------------------------------------------
    @property
    def current_label(self) -> str:
        return period_label(self.current)

    @property
    def theme_labels(self) -> dict[str, str]:
        spec = self.reports.schema.column(THEME)
        return {key: spec.display(key) for key in self.themes}

    def total(self, period: pd.Period, area: str = TOTAL_LABEL,
              theme: str = TOTAL_LABEL) -> float:
        """A published count (NaN when suppressed or outside the data)."""
        table = self.area_tables.get(period)
        if table is None:
            return math.nan
        return float(table.table.loc[area, theme])

    def suppressed_cells(self) -> int:
        """Suppressed inner cells (area × theme) of the current period's table."""
        hidden = self.area_tables[self.current].suppressed.loc[self.areas, self.themes]
        return int(hidden.to_numpy().sum())




def _crosstab(data: pd.DataFrame, rows: str, columns: str, row_values: list[str],
              column_values: list[str]) -> pd.DataFrame:
    table = pd.crosstab(data[rows], data[columns]) if not data.empty else pd.DataFrame()
    table = table.reindex(index=row_values, columns=column_values, fill_value=0)
    table.index.name, table.columns.name = rows, columns
    return table.fillna(0).astype(int)




def _check_min_cell(min_cell: int) -> int:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or (
            min_cell < MIN_CELL_FLOOR):
        raise ParameterError(
            f"min_cell must be a whole number of at least {MIN_CELL_FLOOR}, got {min_cell!r}.",
            hint="the usual threshold is 5", parameter="min_cell",
        )
    return int(min_cell)


def _ordered(data: pd.DataFrame, reports: ReportSet, column: str) -> list[str]:
    seen = set(data[column].dropna())
    listed = [v for v in reports.schema.column(column).allowed if v in seen]
    return listed + sorted(seen - set(listed))


def build_picture(
    reports: ReportSet,
    period: str = "quarter",
    min_cell: int = 5,
    protection: int | None = None,
) -> SituationPicture:
    """Count reports per period × area × theme and per unit, with disclosure control.

    Parameters
    ----------
    reports
        From :func:`research.situation.load_reports`.
    period
        ``"quarter"`` or ``"month"``.
    min_cell
        Smallest count published (at least 3; default 5).
    protection
        Width a hidden small count's feasible interval must have for a reader (default
        ``min_cell − 1``).
    """
    period = _check_period(period)
    min_cell = _check_min_cell(min_cell)
    freq = PERIOD_FREQUENCIES[period]
    data = reports.data.copy()
    data["period"] = data[DATE].dt.to_period(freq)
    current = pd.Period(reports.as_of, freq=freq)
    last_year = current - (4 if period == "quarter" else 12)
    first = min(data["period"].min(), last_year)
    periods = list(pd.period_range(first, current, freq=freq))
    areas, themes, units = (_ordered(data, reports, c) for c in (AREA, THEME, UNIT))
    linked = LinkedTables()
    for each in periods:
        rows = data.loc[data["period"] == each]
        fixed = {PERIOD: period_code(each)}
        linked.add_table(f"area:{each}", _crosstab(rows, AREA, THEME, areas, themes), fixed=fixed)
    now = data.loc[data["period"] == current]
    fixed = {PERIOD: period_code(current)}
    linked.add_table("unit", _crosstab(now, UNIT, THEME, units, themes), fixed=fixed)
    schema = reports.schema
    if schema.has(CONCERN) and CONCERN in data:
        levels = list(schema.column(CONCERN).allowed) or sorted(data[CONCERN].dropna().unique())
        counts = now[CONCERN].value_counts().reindex(levels, fill_value=0)
        counts.index.name = CONCERN
        linked.add_series("concern", counts, fixed=fixed, dim=CONCERN)
    ages = _age_gender_counts(now, reports)
    if ages is not None and not ((ages > 0) & (ages < min_cell)).to_numpy().any():
        linked.add_table("age_gender", ages, fixed=fixed)
    result = protect(linked, min_cell, protection)
    age_gender = result.result("age_gender") if "age_gender" in linked.tables else None
    if age_gender is not None and age_gender.suppressed.to_numpy().any():
        age_gender = None  # a cell had to be hidden for others: the breakdown is not shown
    return SituationPicture(
        period=period, as_of=reports.as_of, min_cell=min_cell, current=current,
        previous=current - 1, last_year=last_year, periods=periods, areas=areas,
        themes=themes, units=units,
        area_tables={each: result.result(f"area:{each}") for each in periods},
        unit_table=result.result("unit"),
        concern=result.result("concern") if "concern" in linked.tables else None,
        complete=reports.as_of >= current.end_time.date(), reports=reports,
        age_gender=age_gender, suppression=result,
    )


def _age_gender_counts(rows: pd.DataFrame, reports: ReportSet) -> pd.DataFrame | None:
    """Age band × gender counts, or ``None`` when the schema lacks them or some report has
    no value (the table's total would then differ from the period's)."""
    schema = reports.schema
    if not (schema.has(AGE) and schema.has(GENDER)) or rows.empty:
        return None
    if rows[AGE].isna().any() or rows[GENDER].isna().any():
        return None
    ages = [a for a in schema.column(AGE).allowed if a in set(rows[AGE])]
    ages += sorted(set(rows[AGE]) - set(ages))
    genders = [g for g in schema.column(GENDER).allowed if g in set(rows[GENDER])]
    genders += sorted(set(rows[GENDER]) - set(genders))
    return _crosstab(rows, AGE, GENDER, ages, genders)
