"""Design-based tests of association: the cross-table tests of R's ``svychisq`` (Rao–Scott
F and χ², adjusted Wald) and the rank tests of ``svyranktest`` (Wilcoxon for two groups,
Kruskal–Wallis for more), both using the full design of a :class:`SurveyDesign`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError

if TYPE_CHECKING:  # pragma: no cover
    from .design import SurveyDesign

__all__ = [
    "CrosstabResult",
    "RankTestResult",
    "crosstab",
    "rank_test",
]


@dataclass
class CrosstabResult:
    """A design-based two-way table with its tests of association.

    Attributes
    ----------
    proportions
        Estimated population cell proportions (rows × columns, summing to 1).
    counts
        Unweighted respondent counts per cell (for disclosure control).
    pearson
        Pearson's X² of the weighted table scaled to the number of rows of the design
        (R: ``svytable(..., Ntotal=N)``, the ``X-squared`` that ``svychisq`` prints).
    statistic, ndf, ddf, p_value
        Second-order Rao–Scott F = X² / tr(Δ) on (d₀, d₀·ν) degrees of freedom, with
        d₀ = tr(Δ)² / tr(Δ²) and ν = #PSU − #strata (R: ``svychisq(statistic="F")``).
    chisq_first_order, p_first_order
        First-order Rao–Scott X² / mean eigenvalue on (r−1)(c−1) df; its p-value is R's
        ``statistic="Chisq"``.
    wald, wald_ndf, wald_ddf, wald_p_value
        Adjusted Wald F on ((r−1)(c−1), ν − (r−1)(c−1) + 1) df (R: ``"adjWald"``).
    cramers_v
        Cramér's V from the weighted proportions (effect size).
    """

    proportions: pd.DataFrame
    counts: pd.DataFrame
    pearson: float
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    chisq_first_order: float
    p_first_order: float
    wald: float
    wald_ndf: float
    wald_ddf: float
    wald_p_value: float
    cramers_v: float


@dataclass
class RankTestResult:
    """A design-based rank test (R's ``svyranktest``, Wilcoxon/Kruskal–Wallis scores).

    Attributes
    ----------
    test
        ``"wilcoxon"`` (two groups: t on ``ddf``) or ``"kruskal-wallis"`` (more: F on
        ``ndf``, ``ddf``).
    statistic, ndf, ddf, p_value
        The t (two groups) or F = χ²/ndf statistic, its degrees of freedom and p-value.
    estimate
        Two groups: the difference in mean rank score (second group − first), which is
        P(second > first) − ½ in the population; NaN otherwise.
    effect_size, effect_measure
        Two groups: the rank-biserial correlation 2 × estimate; more: ε², the share of the
        weighted rank-score variance between the groups.
    groups, n
        Number of groups and of respondents in the test.
    """

    test: str
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    estimate: float
    effect_size: float
    effect_measure: str
    groups: int
    n: int


def crosstab(design: SurveyDesign, row: str, col: str) -> CrosstabResult:
    """Two-way table of ``row`` × ``col`` with the Rao–Scott and adjusted Wald tests.

    Respondents missing either variable are a domain excluded from the table (their
    sampling units still count for the variance).
    """
    from .design import sorted_levels

    a = design._column(row, "row")
    b = design._column(col, "column")
    valid = (a.notna() & b.notna()).to_numpy()
    row_levels, col_levels = sorted_levels(a[valid]), sorted_levels(b[valid])
    r, c = len(row_levels), len(col_levels)
    if r < 2 or c < 2:
        raise InputDataError(f"A cross-table of {row!r} × {col!r} needs at least two "
                             "values in each.", column=row if r < 2 else col)
    # cells in R's order: rows vary fastest (interaction(rows, cols))
    a_codes = pd.Categorical(a, categories=row_levels).codes
    b_codes = pd.Categorical(b, categories=col_levels).codes
    cell = np.where(valid, a_codes + r * b_codes, -1)
    indicator = np.zeros((len(cell), r * c))
    indicator[valid, cell[valid]] = 1.0
    w = np.where(valid, design.weights_, 0.0)
    mean = (w[:, None] * indicator).sum(axis=0) / w.sum()
    variance = design.variance(w[:, None] * (indicator - mean) / w.sum())
    n_rows = len(design.data)  # R: N = nrow of the model matrix (all rows)
    table = mean.reshape(c, r).T * n_rows
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n_rows
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected,
                                           0.0)))
    trace, trace2 = _design_effects(mean, variance, r, c, n_rows)
    df = (r - 1) * (c - 1)
    d0 = trace ** 2 / trace2 if trace2 > 0 else float(df)
    f_stat = pearson / trace if trace > 0 else math.nan
    ddf = d0 * design.degf_
    first = pearson / (trace / df) if trace > 0 else math.nan
    wald, wald_ndf, wald_ddf = _adjusted_wald(design, indicator, valid, r, c)
    counts = pd.DataFrame(np.bincount(cell[valid], minlength=r * c).reshape(c, r).T,
                          index=pd.Index(row_levels, name=row),
                          columns=pd.Index(col_levels, name=col))
    proportions = pd.DataFrame(mean.reshape(c, r).T, index=counts.index,
                               columns=counts.columns)
    return CrosstabResult(
        proportions=proportions, counts=counts, pearson=pearson, statistic=f_stat, ndf=d0,
        ddf=ddf, p_value=float(stats.f.sf(f_stat, d0, ddf)) if ddf > 0 else math.nan,
        chisq_first_order=first, p_first_order=float(stats.chi2.sf(first, df)),
        wald=wald, wald_ndf=wald_ndf, wald_ddf=wald_ddf,
        wald_p_value=(float(stats.f.sf(wald, wald_ndf, wald_ddf))
                      if wald_ddf > 0 and np.isfinite(wald) else math.nan),
        cramers_v=math.sqrt(pearson / n_rows / min(r - 1, c - 1)))


def _design_effects(mean: np.ndarray, variance: np.ndarray, r: int, c: int,
                    n: int) -> tuple[float, float]:
    """tr(Δ) and tr(Δ²) of the generalised design effects of the interaction contrasts."""
    rows_index = np.tile(np.arange(r), c)
    cols_index = np.repeat(np.arange(c), r)
    x1 = np.column_stack([np.ones(r * c)]
                         + [(rows_index == i).astype(float) for i in range(1, r)]
                         + [(cols_index == j).astype(float) for j in range(1, c)])
    x12 = np.column_stack([((rows_index == i) & (cols_index == j)).astype(float)
                           for j in range(1, c) for i in range(1, r)])
    q, _ = np.linalg.qr(x1)
    contrast = x12 - q @ (q.T @ x12)
    inverse = np.diag(np.where(mean > 0, 1.0 / np.where(mean > 0, mean, 1.0), 0.0))
    denominator = contrast.T @ (inverse / n) @ contrast
    numerator = contrast.T @ inverse @ variance @ inverse @ contrast
    try:
        delta = np.linalg.solve(denominator, numerator)
    except np.linalg.LinAlgError:  # empty cells can make the SRS matrix singular
        delta = np.linalg.pinv(denominator) @ numerator
    return float(np.trace(delta)), float(np.trace(delta @ delta))


def _adjusted_wald(design: SurveyDesign, indicator: np.ndarray, valid: np.ndarray, r: int,
                   c: int) -> tuple[float, float, float]:
    """R's ``svychisq(statistic="adjWald")``: Wald test of cell total − row × column
    total / total on the (r−1)(c−1) cells outside the first row and column."""
    rows_index = np.tile(np.arange(r), c)
    cols_index = np.repeat(np.arange(c), r)
    row_margin = indicator @ (rows_index[:, None] == np.arange(r)).astype(float)
    col_margin = indicator @ (cols_index[:, None] == np.arange(c)).astype(float)
    x = np.column_stack([indicator, row_margin, col_margin, valid.astype(float)])
    z = np.where(valid, design.weights_, 0.0)[:, None] * x
    totals = z.sum(axis=0)
    variance = design.variance(z)
    cells, row_t, col_t, grand = (totals[:r * c], totals[r * c:r * c + r],
                                  totals[r * c + r:r * c + r + c], totals[-1])
    jacobian = np.column_stack([
        np.eye(r * c),
        -(rows_index[:, None] == np.arange(r)).astype(float) * (col_t[cols_index] / grand)[:, None],
        -(cols_index[:, None] == np.arange(c)).astype(float) * (row_t[rows_index] / grand)[:, None],
        row_t[rows_index] * col_t[cols_index] / grand ** 2])
    y = cells - row_t[rows_index] * col_t[cols_index] / grand
    v = jacobian @ variance @ jacobian.T
    use = (rows_index > 0) & (cols_index > 0)
    df = (r - 1) * (c - 1)
    nu = design.degf_
    try:
        statistic = float(y[use] @ np.linalg.solve(v[np.ix_(use, use)], y[use]))
    except np.linalg.LinAlgError:
        return math.nan, float(df), float(nu - df + 1)
    return statistic * (nu - df + 1) / (df * nu), float(df), float(nu - df + 1)


def rank_test(design: SurveyDesign, column: str, group: str, *,
              rows: np.ndarray | None = None) -> RankTestResult:
    """Design-based rank test of ``column`` between the groups of ``group``.

    R's ``svyranktest(column ~ group, design)`` with Wilcoxon (Kruskal–Wallis) scores: the
    weighted mid-ranks, divided by the estimated population size, are regressed on the
    groups by weighted least squares; the coefficients' design variance comes from the
    linearised estimating functions. Two groups: t on degf − 1; more: F = χ²/(g − 1) on
    (g − 1, degf − g + 1), with the domain's degrees of freedom.

    Parameters
    ----------
    rows
        Optional mask of the respondents to include (a subset design, e.g. groups large
        enough to report); respondents missing ``column`` or ``group`` are always left out.
    """
    from .design import sorted_levels

    y = design._numeric_column(column, "variable")
    groups = design._column(group, "group")
    valid = ~np.isnan(y) & groups.notna().to_numpy()
    if rows is not None:
        valid &= np.asarray(rows, dtype=bool)
    levels = sorted_levels(groups[valid])
    if len(levels) < 2:
        return RankTestResult("–", math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
                              "–", len(levels), int(valid.sum()))
    w = design.weights_[valid]
    score = _rank_scores(y[valid], w)
    codes = pd.Categorical(groups[valid], categories=levels).codes
    x = np.column_stack([np.ones(len(codes))] + [(codes == g).astype(float)
                                                  for g in range(1, len(levels))])
    bread = np.linalg.inv(x.T @ (x * w[:, None]))
    beta = bread @ (x.T @ (w * score))
    residual = score - x @ beta
    z = np.zeros((len(y), x.shape[1]))
    z[valid] = (w * residual)[:, None] * x @ bread
    variance = design.variance(z)
    degf = design.domain_degf(valid)
    fitted = x @ beta
    centre = np.average(score, weights=w)
    between = float(np.sum(w * (fitted - centre) ** 2))
    total = float(np.sum(w * (score - centre) ** 2))
    if total <= 0:  # every answer the same: no difference to test
        return RankTestResult("wilcoxon" if len(levels) == 2 else "kruskal-wallis", 0.0,
                              float(len(levels) - 1), float(degf - len(levels) + 1), 1.0,
                              0.0 if len(levels) == 2 else math.nan, 0.0,
                              "rangbiserial r" if len(levels) == 2 else "ε²", len(levels),
                              int(valid.sum()))
    if len(levels) == 2:
        t = float(beta[1] / math.sqrt(variance[1, 1])) if variance[1, 1] > 0 else math.nan
        ddf = degf - 1
        p = float(2 * stats.t.sf(abs(t), ddf)) if ddf > 0 and np.isfinite(t) else math.nan
        return RankTestResult("wilcoxon", t, 1.0, float(ddf), p, float(beta[1]),
                              float(2 * beta[1]), "rangbiserial r", 2, int(valid.sum()))
    ndf = len(levels) - 1
    try:
        chisq = float(beta[1:] @ np.linalg.solve(variance[1:, 1:], beta[1:]))
    except np.linalg.LinAlgError:
        chisq = math.nan
    ddf = degf - ndf
    f_stat = chisq / ndf
    p = float(stats.f.sf(f_stat, ndf, ddf)) if ddf > 0 and np.isfinite(f_stat) else math.nan
    return RankTestResult("kruskal-wallis", f_stat, float(ndf), float(ddf), p, math.nan,
                          between / total if total > 0 else 0.0, "ε²", len(levels),
                          int(valid.sum()))


def _rank_scores(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mid-ranks / estimated population size (ties share their mean rank)."""
    order = np.argsort(y, kind="mergesort")
    ranks = np.cumsum(w[order]) - w[order] / 2
    _, tie, counts = np.unique(y[order], return_inverse=True, return_counts=True)
    ranks = (np.bincount(tie, weights=ranks) / counts)[tie]
    out = np.empty(len(y))
    out[order] = ranks / w.sum()
    return out
