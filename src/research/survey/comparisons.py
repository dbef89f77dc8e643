"""Group comparisons: design-based cross-tables with the Rao–Scott test, rank tests and
effect sizes, one row per question × background variable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError
from .codebook import Codebook
from .association import rank_test
from .design import SurveyDesign
from .disclosure import MARKER, protect_table
from .tables import group_column

__all__ = [
    "RANK_TEST_NAMES",
    "ADJUSTED_P",
    "adjust_p_values",
    "compare_groups",
    "crosstabs_table",
    "group_tests",
]


RANK_TEST_NAMES = {"wilcoxon": "Designbaserat Wilcoxontest",
                   "kruskal-wallis": "Designbaserat Kruskal–Wallistest", "–": "–"}


def compare_groups(design: SurveyDesign | pd.DataFrame, column: str, group: str, *,
                   min_cell: int = 5) -> dict[str, Any]:
    """Compare an ordinal/numeric ``column`` between groups with the design-based rank
    test (:func:`research.survey.association.rank_test`, R's ``svyranktest``).

    Groups under ``min_cell`` respondents are left out (a subset of the design). A
    DataFrame is analysed as a simple random sample.

    Returns a dict with ``test`` (Swedish name), ``statistic``, ``p_value``,
    ``effect_size``, ``effect_measure``, ``groups`` and ``n``.
    """
    if isinstance(design, pd.DataFrame):
        design = SurveyDesign(design)
    data = design.data
    answered = data[column].notna() & data[group].notna()
    sizes = data.loc[answered, group].value_counts()
    keep = data[group].isin(sizes[sizes >= min_cell].index).to_numpy()
    result = rank_test(design, column, group, rows=keep)
    return {"test": RANK_TEST_NAMES[result.test], "statistic": result.statistic,
            "p_value": result.p_value, "effect_size": result.effect_size,
            "effect_measure": result.effect_measure, "groups": result.groups, "n": result.n}


def crosstabs_table(design: SurveyDesign, codebook: Codebook, items: Sequence[str],
                    group_by: Sequence[str], *, min_cell: int = 5) -> pd.DataFrame:
    """Every Likert item by every background variable in ``group_by`` (combined groups,
    see :func:`add_group_columns`), in long form: one row per question × group ×
    response option with the respondent count (suppressed with
    :func:`research.survey.disclosure.protect_table`), the weighted row percentage of published
    cells, and per question the Rao–Scott F test, Cramér's V and the rank test
    (Mann–Whitney or Kruskal–Wallis) with its effect size."""
    rows = []
    for by in group_by:
        column = group_column(by)
        if design.data[column].nunique() < 2:
            continue
        for item in items:
            try:
                result = design.crosstab(column, item)
            except InputDataError:
                continue
            counts = result.counts.copy()
            labels = [codebook.value_label(item, c) for c in counts.columns]
            counts.columns = labels
            protected = protect_table(counts, min_cell)
            hidden_cells, marked = protected.hidden, protected.marked
            row_share = result.proportions.div(result.proportions.sum(axis=1), axis=0)
            compare = compare_groups(design, item, column, min_cell=min_cell)
            tests = {"Rao–Scott F": round(result.statistic, 2),
                     "p (Rao–Scott)": round(result.p_value, 6),
                     "Cramérs V": round(result.cramers_v, 3), "Rangtest": compare["test"],
                     "p (rangtest)": round(compare["p_value"], 6),
                     "Effektstorlek": round(compare["effect_size"], 3),
                     "Effektmått": compare["effect_measure"]}
            for position, level in enumerate(counts.index):
                for j, label in enumerate(labels):
                    hidden = bool(hidden_cells.iloc[position, j])
                    rows.append({
                        "Fråga": codebook.label(item), "Bakgrundsvariabel": codebook.label(by),
                        "Grupp": str(level), "Svarsalternativ": label,
                        "Antal": marked.iloc[position, j],
                        "Andel (%)": MARKER if hidden else round(
                            100 * float(row_share.iloc[position, j]), 1),
                        "Antal svar i gruppen": marked.iloc[position, -1], **tests})
    return pd.DataFrame(rows)


ADJUSTED_P = "p (Rao–Scott, BH-justerat)"


def adjust_p_values(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (``scipy.stats.false_discovery_control``);
    missing p-values stay missing and do not count as tests."""
    values = np.asarray(p_values, dtype=float)
    out = np.full(len(values), np.nan)
    finite = np.isfinite(values)
    if finite.any():
        out[finite] = stats.false_discovery_control(np.clip(values[finite], 0, 1), method="bh")
    return out


def group_tests(crosstabs: pd.DataFrame) -> pd.DataFrame:
    """One row per question × background variable: the tests of :func:`crosstabs_table`
    with the Rao–Scott p-values adjusted for the number of tests (Benjamini–Hochberg,
    column :data:`ADJUSTED_P`), sorted by the adjusted p-value (the smallest first)."""
    if crosstabs.empty:
        return pd.DataFrame(columns=["Fråga", "Bakgrundsvariabel", ADJUSTED_P])
    columns = ["Fråga", "Bakgrundsvariabel", "Rao–Scott F", "p (Rao–Scott)", "Cramérs V",
               "Rangtest", "p (rangtest)", "Effektstorlek", "Effektmått"]
    tests = crosstabs[columns].drop_duplicates(subset=["Fråga", "Bakgrundsvariabel"])
    tests.insert(4, ADJUSTED_P, np.round(adjust_p_values(tests["p (Rao–Scott)"]), 4))
    return tests.sort_values([ADJUSTED_P, "p (Rao–Scott)"]).reset_index(drop=True)
