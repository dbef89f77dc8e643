"""The published tables of the lägesbild (Swedish column names), built from suppressed
tables only, and what each one means for the disclosure audit.

A change or share is computed only where every count it uses is published, so it adds no
equation about a hidden cell; :func:`table_specs` still lists them, and the audit checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ..privacy import (
    DEFAULT_MARKER,
    TOTAL_LABEL,
    Key,
    Measure,
    SuppressionResult,
    TableSpec,
    cell_key,
)
from .picture import PERIOD, SituationPicture, period_code
from .readers import AGE, AREA, CONCERN, GENDER, THEME, THEME_LABELS, UNIT

__all__ = [
    "current_table",
    "unit_table",
    "counts_table",
    "changes_table",
    "table_decimals",
    "age_gender_table",
    "concern_table",
    "compare_with_scanning",
    "table_specs",
    "published_key",
]


def _by_theme(result: SuppressionResult, picture: SituationPicture,
              marker: str = DEFAULT_MARKER) -> pd.DataFrame:
    """One row per theme (Swedish label), one column per area/unit, then "Totalt"."""
    marked = result.marked(marker).T
    labels = picture.theme_labels
    marked.index = [labels.get(key, key) for key in marked.index]
    marked.index.name = "Tema"
    marked.columns.name = None
    return marked.reset_index()


def current_table(picture: SituationPicture) -> pd.DataFrame:
    """Theme × area counts of the current period, suppressed cells as ".."."""
    return _by_theme(picture.area_tables[picture.current], picture)


def unit_table(picture: SituationPicture) -> pd.DataFrame:
    """Theme × reporting unit counts of the current period (``by_unit.csv``)."""
    return _by_theme(picture.unit_table, picture)


def counts_table(picture: SituationPicture) -> pd.DataFrame:
    """Every period × area × theme count, newest period first (``counts.csv``).

    Columns: Period, Stadsdel, Tema, Temanyckel, Antal (".." where suppressed — never
    the value), Dold (ja/nej). Totals appear as "Totalt".
    """
    labels = picture.theme_labels
    frames = []
    for each in reversed(picture.periods):
        result = picture.area_tables[each]
        marked = result.marked().stack(future_stack=True).rename("Antal")
        hidden = result.suppressed.stack(future_stack=True).rename("Dold")
        long = pd.concat([marked, hidden], axis=1).reset_index()
        long.columns = ["Stadsdel", "Temanyckel", "Antal", "Dold"]
        long.insert(0, "Period", period_code(each))
        long.insert(2, "Tema", long["Temanyckel"].map(lambda k: labels.get(k, k)))
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def _change(now: float, then: float) -> tuple[float, float]:
    if math.isnan(now) or math.isnan(then):
        return math.nan, math.nan
    return now - then, (now - then) / then * 100 if then else math.nan


def changes_table(picture: SituationPicture) -> pd.DataFrame:
    """Change per area × theme (and totals) against the previous period and the same
    period last year: absolute and relative (%). Built from published cells only; a
    comparison with a suppressed cell shows ".."."""
    labels = picture.theme_labels
    rows = []
    for area in [TOTAL_LABEL, *picture.areas]:
        for theme in [TOTAL_LABEL, *picture.themes]:
            now = picture.total(picture.current, area, theme)
            before = picture.total(picture.previous, area, theme)
            year = picture.total(picture.last_year, area, theme)
            change, relative = _change(now, before)
            change_year, relative_year = _change(now, year)
            previous_code = period_code(picture.previous)
            year_code = period_code(picture.last_year)
            rows.append({
                "Stadsdel": area,
                "Tema": labels.get(theme, theme),
                period_code(picture.current): now,
                previous_code: before,
                f"Förändring mot {previous_code}": change,
                f"Förändring mot {previous_code} (%)": relative,
                year_code: year,
                f"Förändring mot {year_code}": change_year,
                f"Förändring mot {year_code} (%)": relative_year,
            })
    table = pd.DataFrame(rows)
    suppressed_marker = DEFAULT_MARKER
    value_columns = [period_code(picture.current), period_code(picture.previous),
                     period_code(picture.last_year)]
    out = table.astype(object)
    for column in table.columns[2:]:
        if column in value_columns:
            out[column] = pd.Series(
                [suppressed_marker if pd.isna(v) else int(v) for v in table[column]],
                dtype=object)
        else:
            out[column] = pd.Series(
                [None if pd.isna(v) else (round(float(v), 1) if "%" in column else int(v))
                 for v in table[column]], dtype=object)
    return out


def table_decimals(table: pd.DataFrame) -> dict[str, int]:
    """Decimals for display: one for percentage columns (names ending in "(%)")."""
    return {column: 1 for column in table.columns if str(column).endswith("(%)")}


def age_gender_table(picture: SituationPicture) -> tuple[pd.DataFrame | None, str]:
    """Age band × gender for the current period, only when no cell of it is small and none
    had to be hidden to protect other cells (it shares the period's total).

    Returns ``(table, "")`` or ``(None, reason)`` with a Swedish reason to show instead.
    Zero cells pass (they say nothing about anyone).
    """
    schema = picture.reports.schema
    if not (schema.has(AGE) and schema.has(GENDER)):
        return None, "Underlaget saknar åldersgrupp eller kön."
    if picture.age_gender is None:
        return None, (
            f"Fördelningen på åldersgrupp och kön visas inte för {picture.current_label}: "
            f"minst en kombination har färre än {picture.min_cell} rapporter eller skulle "
            "behöva döljas för att skydda andra celler, och en sådan uppdelning kan peka ut "
            "enskilda personer.")
    table = picture.age_gender.marked()
    table.index.name = "Åldersgrupp"
    table.columns.name = None
    return table.reset_index(), ""


def concern_table(picture: SituationPicture) -> pd.DataFrame:
    """Reports per level of concern in the current period (suppressed); empty when the
    schema has no concern column."""
    if picture.concern is None:
        return pd.DataFrame({"Orosnivå": [], "Antal rapporter": []})
    marked = picture.concern.marked()
    return pd.DataFrame({"Orosnivå": marked.index, "Antal rapporter": list(marked)})


def compare_with_scanning(picture: SituationPicture, themes: pd.DataFrame) -> pd.DataFrame:
    """Local report counts per theme (current period, published totals) beside the
    horizon-scanning counts, both also as shares of their own total over the shared
    themes.

    Local counts that are suppressed show ".." and get no share.
    """
    scanning = themes.groupby("theme")["current"].sum()
    keys = [key for key in THEME_LABELS if key in picture.themes or key in scanning.index]
    local = {k: picture.total(picture.current, TOTAL_LABEL, k) if k in picture.themes else 0.0
             for k in keys}
    local_total = picture.total(picture.current)
    scanning_total = float(scanning.reindex(keys).fillna(0).sum())
    rows = []
    for key in keys:
        value = local[key]
        hits = float(scanning.get(key, 0))
        rows.append({
            "Tema": THEME_LABELS[key],
            "Lokala rapporter": DEFAULT_MARKER if math.isnan(value) else int(value),
            "Andel lokalt (%)": None if (math.isnan(value) or not local_total
                                        or math.isnan(local_total))
            else round(value / local_total * 100, 1),
            "Omvärldsbevakning (träffar)": int(hits),
            "Andel i omvärldsbevakningen (%)": round(hits / scanning_total * 100, 1)
            if scanning_total else None,
        })
    return pd.DataFrame(rows)


# =======================================================================================
# What each published table means (for the independent disclosure audit)


def table_specs(picture: SituationPicture, names: Mapping[str, str],
                comparison: pd.DataFrame | None = None) -> list[TableSpec]:
    """Describe the published tables for :mod:`research.privacy.audit`: which column holds
    which dimension and which columns are counts, differences, relative changes or shares.

    ``names`` maps the tables (``current``, ``unit``, ``changes``, ``concern``,
    ``age_gender``, ``comparison``, ``counts``) to the names they are saved under.
    """
    current = {PERIOD: period_code(picture.current)}
    specs = []
    if "current" in names:
        specs.append(TableSpec.wide(names["current"], {"Tema": THEME}, AREA,
                                    [*picture.areas, TOTAL_LABEL], fixed=current))
    if "unit" in names:
        specs.append(TableSpec.wide(names["unit"], {"Tema": THEME}, UNIT,
                                    [*picture.units, TOTAL_LABEL], fixed=current))
    if "changes" in names:
        codes = [period_code(p) for p in (picture.current, picture.previous, picture.last_year)]
        measures = [Measure(code, fixed={PERIOD: code}) for code in codes]
        for code in codes[1:]:
            measures.append(Measure(f"Förändring mot {code}", "difference", of=(codes[0], code)))
            measures.append(Measure(f"Förändring mot {code} (%)", "relative",
                                    of=(codes[0], code)))
        specs.append(TableSpec(names["changes"], {"Stadsdel": AREA, "Tema": THEME},
                               tuple(measures)))
    if "concern" in names and picture.concern is not None:
        specs.append(TableSpec(names["concern"], {"Orosnivå": CONCERN},
                               (Measure("Antal rapporter"),), current))
    if "age_gender" in names and picture.age_gender is not None:
        genders = list(picture.age_gender.table.columns)
        specs.append(TableSpec.wide(names["age_gender"], {"Åldersgrupp": AGE}, GENDER,
                                    genders, fixed=current))
    if "comparison" in names and comparison is not None:
        specs.append(TableSpec(names["comparison"], {"Tema": THEME}, (
            Measure("Lokala rapporter"),
            Measure("Andel lokalt (%)", "share", of=("Lokala rapporter",), over=(THEME,)),
        ), current))
    if "counts" in names:
        specs.append(TableSpec(names["counts"], {"Period": PERIOD, "Stadsdel": AREA,
                                                 "Tema": THEME}, (Measure("Antal"),)))
    return specs


def published_key(picture: SituationPicture, key: Key) -> Key:
    """A suppression key as the published tables name it (themes by their label)."""
    labels = picture.theme_labels
    return cell_key({dim: labels.get(value, value) if dim == THEME else value
                     for dim, value in key})
