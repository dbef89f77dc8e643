"""Group comparisons: design-based cross-tables with the Rao–Scott test, rank tests and
effect sizes, one row per question × background variable."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError
from .codebook import Codebook
from .design import SurveyDesign
from .disclosure import MARKER, protect_table
from .tables import group_column

__all__ = [
    "compare_groups",
    "crosstabs_table",
    "group_tests",
]


def compare_groups(data: pd.DataFrame, column: str, group: str, *, min_cell: int = 5
                   ) -> dict[str, Any]:
    """Compare an ordinal/numeric ``column`` between groups (unweighted).

    Two groups: Mann–Whitney U with rank-biserial correlation; more: Kruskal–Wallis H
    with ε² = H / (n − 1). Groups under ``min_cell`` respondents are left out.

    Returns a dict with ``test``, ``statistic``, ``p_value``, ``effect_size``,
    ``effect_measure``, ``groups`` and ``n``.
    """
    frame = data[[column, group]].dropna()
    sizes = frame[group].value_counts()
    keep = sizes[sizes >= min_cell].index
    frame = frame[frame[group].isin(keep)]
    samples = [g[column].to_numpy(dtype=float) for _, g in frame.groupby(group, sort=True)]
    n = int(len(frame))
    if len(samples) < 2:
        return {"test": "–", "statistic": math.nan, "p_value": math.nan,
                "effect_size": math.nan, "effect_measure": "–", "groups": len(samples), "n": n}
    if len(samples) == 2:
        u, p = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
        effect = 1 - 2 * u / (len(samples[0]) * len(samples[1]))
        return {"test": "Mann–Whitney U", "statistic": float(u), "p_value": float(p),
                "effect_size": float(effect), "effect_measure": "rangbiserial r",
                "groups": 2, "n": n}
    if all(np.ptp(s) == 0 for s in samples) and len({s[0] for s in samples}) == 1:
        return {"test": "Kruskal–Wallis H", "statistic": 0.0, "p_value": 1.0,
                "effect_size": 0.0, "effect_measure": "ε²", "groups": len(samples), "n": n}
    h, p = stats.kruskal(*samples)
    return {"test": "Kruskal–Wallis H", "statistic": float(h), "p_value": float(p),
            "effect_size": float(h / (n - 1)), "effect_measure": "ε²",
            "groups": len(samples), "n": n}


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
            compare = compare_groups(design.data, item, column, min_cell=min_cell)
            tests = {"Rao–Scott F": round(result.statistic, 2),
                     "p (Rao–Scott)": round(result.p_value, 4),
                     "Cramérs V": round(result.cramers_v, 3), "Rangtest": compare["test"],
                     "p (rangtest)": round(compare["p_value"], 4),
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


def group_tests(crosstabs: pd.DataFrame) -> pd.DataFrame:
    """One row per question × background variable: the tests of :func:`crosstabs_table`,
    sorted by Rao–Scott p-value (the smallest first)."""
    if crosstabs.empty:
        return pd.DataFrame(columns=["Fråga", "Bakgrundsvariabel"])
    columns = ["Fråga", "Bakgrundsvariabel", "Rao–Scott F", "p (Rao–Scott)", "Cramérs V",
               "Rangtest", "p (rangtest)", "Effektstorlek", "Effektmått"]
    tests = crosstabs[columns].drop_duplicates(subset=["Fråga", "Bakgrundsvariabel"])
    return tests.sort_values("p (Rao–Scott)").reset_index(drop=True)

