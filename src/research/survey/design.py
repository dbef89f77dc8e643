"""Design-based estimation (Taylor linearisation), the estimator of R's ``survey``.

:class:`SurveyDesign` holds a stratified, weighted sample with one-stage clusters and a
finite population correction; :meth:`~SurveyDesign.mean`, :meth:`~SurveyDesign.total`,
:meth:`~SurveyDesign.proportion` and :meth:`~SurveyDesign.crosstab` correspond to R's
``svymean``, ``svytotal``, ``svyciprop`` and ``svychisq``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError, ParameterError
from .validation import cell_number

__all__ = [
    "LONELY_PSU_RULES",
    "CrosstabResult",
    "SurveyDesign",
    "design_from_parameters",
]

LONELY_PSU_RULES = ("fail", "certainty", "remove", "adjust")



@dataclass
class CrosstabResult:
    """A design-based two-way table with the Rao–Scott corrected Pearson test.

    Attributes
    ----------
    proportions
        Estimated population cell proportions (rows × columns, summing to 1).
    counts
        Unweighted respondent counts per cell (for disclosure control).
    pearson
        Pearson's X² of the weighted table scaled to the sample size (R: ``svytable(...,
        Ntotal=n)``).
    statistic, ndf, ddf, p_value
        Second-order Rao–Scott F = X² / tr(Δ) on (d₀, d₀·ν) degrees of freedom, with
        d₀ = tr(Δ)² / tr(Δ²) and ν = #PSU − #strata (R: ``svychisq(statistic="F")``).
    chisq_first_order, p_first_order
        First-order Rao–Scott X²/mean eigenvalue on (r−1)(c−1) df (R: ``"Chisq"``).
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
    cramers_v: float


class SurveyDesign:
    """A stratified one-stage cluster sample with weights and finite population
    correction; estimates by Taylor linearisation, as R's ``survey`` package.

    Parameters
    ----------
    data
        One row per respondent.
    weights
        Column with sampling weights (default: all 1).
    strata
        Column with strata (default: one stratum).
    clusters
        Column with primary sampling units for one-stage cluster sampling (default: each
        respondent is its own unit).
    fpc
        Finite population correction: a column name or a number. Values > 1 are
        population sizes (units, or clusters when ``clusters`` is given, per stratum),
        values ≤ 1 sampling fractions — as ``svydesign(fpc=)``.
    lonely_psu
        What to do with a stratum holding one sampling unit: ``"fail"`` (R's default),
        ``"certainty"``/``"remove"`` (contributes no variance) or ``"adjust"`` (centred at
        the grand mean).

    Notes
    -----
    Variance of a linearised total: ``Σ_h (1 − f_h) n_h/(n_h − 1) Σ_j (z_hj − z̄_h)²`` over
    the PSU totals ``z_hj``. Means are ratio estimators; subgroups (``by=``) and missing
    values are domains of the full design (R: ``svyby``, ``na.rm=TRUE``). Confidence
    intervals: means and totals Wald with the normal quantile (R ``confint(svymean)``);
    proportions on the logit scale with t on ``degf`` degrees of freedom (R
    ``svyciprop(method="logit")``), or ``method="wald"`` (R ``svymean`` on a factor).
    """

    def __init__(self, data: pd.DataFrame, weights: str | None = None,
                 strata: str | None = None, clusters: str | None = None,
                 fpc: str | float | None = None, *, lonely_psu: str = "fail") -> None:
        self.data = data
        self.weights = weights
        self.strata = strata
        self.clusters = clusters
        self.fpc = fpc
        self.lonely_psu = lonely_psu
        if not isinstance(data, pd.DataFrame) or data.empty:
            raise InputDataError("The survey design needs a non-empty table of respondents.")
        if lonely_psu not in LONELY_PSU_RULES:
            raise ParameterError(f"Unknown lonely_psu {lonely_psu!r}.",
                                 hint="use fail, certainty, remove or adjust",
                                 parameter="lonely_psu")
        n = len(data)
        self.weights_ = self._numeric_column(weights, "weight") if weights else np.ones(n)
        if (self.weights_ <= 0).any() or np.isnan(self.weights_).any():
            row = int(np.flatnonzero(~(self.weights_ > 0))[0])
            raise InputDataError(f"Weight column {weights!r} has a missing or non-positive "
                                 f"value in data row {row + 1}.", hint="every respondent needs "
                                 "a positive weight", column=weights, row=row + 1,
                                 parameter="weight")
        self.strata_ = self._labels(strata, "strata") if strata else np.zeros(n, dtype=int)
        self.clusters_ = self._labels(clusters, "cluster") if clusters else np.arange(n)
        # PSUs are identified within strata
        psu_keys = pd.MultiIndex.from_arrays([self.strata_, self.clusters_])
        self.psu_, _ = pd.factorize(psu_keys)
        self._strata_codes, self._strata_levels = pd.factorize(pd.Series(self.strata_))
        self._psu_stratum = np.zeros(self.psu_.max() + 1, dtype=int)
        self._psu_stratum[self.psu_] = self._strata_codes
        self.n_psu_ = np.bincount(self._psu_stratum, minlength=len(self._strata_levels))
        self.fraction_ = self._fractions(fpc)
        if (self.n_psu_ < 2).any() and lonely_psu == "fail":
            lonely = self._strata_levels[int(np.flatnonzero(self.n_psu_ < 2)[0])]
            raise InputDataError(f"Stratum {lonely!r} has only one sampling unit; its "
                                 "variance cannot be estimated.",
                                 hint="merge it with a similar stratum, or set "
                                 "lonely_psu='adjust' or 'certainty'", column=strata)
        self.degf_ = int(self.n_psu_.sum() - len(self.n_psu_))

    # -- construction helpers -----------------------------------------------------------

    def _column(self, name: str, role: str) -> pd.Series:
        if name not in self.data.columns:
            raise ParameterError(f"The {role} column {name!r} is not in the data.",
                                 hint=f"columns: {', '.join(map(str, self.data.columns[:30]))}",
                                 parameter=role, column=name)
        return self.data[name]

    def _numeric_column(self, name: str, role: str) -> np.ndarray:
        column = self._column(name, role)
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & column.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputDataError(f"The {role} column {name!r} holds a non-number "
                                 f"{column.iloc[row]!r} in data row {row + 1}.",
                                 column=name, row=row + 1, parameter=role)
        return values

    def _labels(self, name: str, role: str) -> np.ndarray:
        column = self._column(name, role)
        if column.isna().any():
            row = int(np.flatnonzero(column.isna().to_numpy())[0])
            raise InputDataError(f"The {role} column {name!r} is empty in data row {row + 1}.",
                                 hint=f"every respondent needs a {role}", column=name,
                                 row=row + 1, parameter=role)
        return column.to_numpy()

    def _fractions(self, fpc: str | float | None) -> np.ndarray:
        n_strata = len(self._strata_levels)
        if fpc is None:
            return np.zeros(n_strata)
        if isinstance(fpc, str):
            values = self._numeric_column(fpc, "fpc")
            fractions = np.zeros(n_strata)
            for h in range(n_strata):
                in_h = values[self._strata_codes == h]
                if np.isnan(in_h).any() or np.ptp(in_h) > 0:
                    raise InputDataError(f"The fpc column {fpc!r} must be constant and present "
                                         f"within stratum {self._strata_levels[h]!r}.",
                                         column=fpc, parameter="fpc")
                fractions[h] = self._fraction(float(in_h[0]), h)
            return fractions
        if isinstance(fpc, (int, float)) and not isinstance(fpc, bool):
            return np.array([self._fraction(float(fpc), h) for h in range(n_strata)])
        raise ParameterError(f"fpc must be a column name or a number, got {fpc!r}.",
                             parameter="fpc")

    def _fraction(self, value: float, h: int) -> float:
        if value <= 0:
            raise InputDataError(f"fpc must be positive (stratum {self._strata_levels[h]!r}).",
                                 parameter="fpc")
        if value <= 1:
            return value
        if value < self.n_psu_[h]:
            raise InputDataError(f"Population size {value:g} is smaller than the sample "
                                 f"({self.n_psu_[h]} units) in stratum "
                                 f"{self._strata_levels[h]!r}.", parameter="fpc")
        return self.n_psu_[h] / value

    # -- variance -----------------------------------------------------------------------

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Design variance–covariance of the totals of linearised values ``z`` (n × k)."""
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        n_psu_total = self.psu_.max() + 1
        totals = np.zeros((n_psu_total, z.shape[1]))
        np.add.at(totals, self.psu_, z)
        k = z.shape[1]
        result = np.zeros((k, k))
        grand_mean = totals.mean(axis=0)
        for h in range(len(self.n_psu_)):
            t_h = totals[self._psu_stratum == h]
            n_h = len(t_h)
            if n_h < 2:
                if self.lonely_psu == "adjust":
                    dev = t_h - grand_mean
                    result += (1 - self.fraction_[h]) * dev.T @ dev
                continue
            dev = t_h - t_h.mean(axis=0)
            result += (1 - self.fraction_[h]) * n_h / (n_h - 1) * dev.T @ dev
        return result

    def _values(self, column: str) -> np.ndarray:
        return self._numeric_column(column, "variable")

    def _domains(self, by: str | None) -> list[tuple[Any, np.ndarray]]:
        if by is None:
            return [(None, np.ones(len(self.data), dtype=bool))]
        groups = self._column(by, "group_by")
        levels = [g for g in pd.unique(groups) if pd.notna(g)]
        try:
            levels = sorted(levels)
        except TypeError:
            pass
        return [(g, (groups == g).to_numpy()) for g in levels]

    def _frame(self, rows: list[dict[str, Any]], by: str | None) -> pd.DataFrame:
        frame = pd.DataFrame(rows)
        if by is None and "group" in frame.columns:
            frame = frame.drop(columns="group")
        elif by is not None:
            frame = frame.rename(columns={"group": by})
        return frame

    def mean(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Weighted mean of ``column`` (missing values excluded as a domain).

        Returns a DataFrame with ``variable``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``n`` (respondents with a value), and the group column when ``by``.
        """
        y = self._values(column)
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            w = np.where(inside, self.weights_, 0.0)
            total_w = w.sum()
            if not inside.any():
                rows.append({"group": group, "variable": column, "estimate": np.nan,
                             "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0})
                continue
            y0 = np.where(inside, y, 0.0)
            estimate = (w * y0).sum() / total_w
            z = w * (y0 - estimate) / total_w
            se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def total(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Estimated population total of ``column``; same columns as :meth:`mean`."""
        y = self._values(column)
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            z = np.where(inside, self.weights_ * np.where(inside, y, 0.0), 0.0)
            estimate = z.sum()
            se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def proportion(self, column: str, *, by: str | None = None, level: float = 0.95,
                   method: str = "logit", levels: Sequence[Any] | None = None) -> pd.DataFrame:
        """Estimated share of each value of ``column`` (missing values excluded).

        ``method="logit"`` (default) gives R's ``svyciprop`` interval (logit scale, t on
        the design degrees of freedom; never outside [0, 1]); ``"wald"`` gives
        ``confint(svymean(~factor(x)))``. ``n`` counts respondents in the value (the
        count that disclosure control looks at); ``n_valid`` those with any value.
        """
        if method not in ("logit", "wald"):
            raise ParameterError(f"Unknown method {method!r}.", hint="use 'logit' or 'wald'",
                                 parameter="method")
        values = self._column(column, "variable")
        if levels is None:
            levels = [v for v in pd.unique(values) if pd.notna(v)]
            try:
                levels = sorted(levels)
            except TypeError:
                pass
        rows = []
        t_quantile = stats.t.ppf(0.5 + level / 2, max(self.degf_, 1))
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        valid_all = values.notna().to_numpy()
        for group, domain in self._domains(by):
            inside = domain & valid_all
            w = np.where(inside, self.weights_, 0.0)
            total_w = w.sum()
            for value in levels:
                hit = inside & (values == value).to_numpy()
                if total_w == 0:
                    p, se = np.nan, np.nan
                else:
                    p = w[hit].sum() / total_w
                    z = w * (hit.astype(float) - p) / total_w
                    se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
                low, high = _proportion_ci(p, se, method, t_quantile, z_quantile)
                rows.append({"group": group, "variable": column, "level": value,
                             "estimate": p, "se": se, "ci_low": low, "ci_high": high,
                             "n": int(hit.sum()), "n_valid": int(inside.sum())})
        return self._frame(rows, by)

    def crosstab(self, row: str, col: str) -> CrosstabResult:
        """Two-way table of ``row`` × ``col`` with the Rao–Scott corrected test.

        Respondents missing either variable are a domain excluded from the table (their
        sampling units still count for the variance).
        """
        a = self._column(row, "row")
        b = self._column(col, "column")
        valid = (a.notna() & b.notna()).to_numpy()
        row_levels = _sorted_levels(a[valid])
        col_levels = _sorted_levels(b[valid])
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
        w = np.where(valid, self.weights_, 0.0)
        total_w = w.sum()
        mean = (w[:, None] * indicator).sum(axis=0) / total_w
        z = w[:, None] * (indicator - mean) / total_w
        variance = self.variance(z)
        n = int(valid.sum())
        # Pearson X² on the weighted table scaled to n
        table = mean.reshape(c, r).T * n
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            pearson = float(np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected,
                                               0.0)))
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
        trace = float(np.trace(delta))
        trace2 = float(np.trace(delta @ delta))
        d0 = trace ** 2 / trace2 if trace2 > 0 else float((r - 1) * (c - 1))
        f_stat = pearson / trace if trace > 0 else math.nan
        ddf = d0 * self.degf_
        p_value = float(stats.f.sf(f_stat, d0, ddf)) if ddf > 0 else math.nan
        df = (r - 1) * (c - 1)
        first = pearson / (trace / df) if trace > 0 else math.nan
        counts = pd.crosstab(pd.Categorical(a[valid], categories=row_levels),
                             pd.Categorical(b[valid], categories=col_levels), dropna=False)
        counts.index = pd.Index(row_levels, name=row)
        counts.columns = pd.Index(col_levels, name=col)
        proportions = pd.DataFrame(mean.reshape(c, r).T, index=counts.index,
                                   columns=counts.columns)
        cramers_v = math.sqrt(pearson / n / min(r - 1, c - 1))
        return CrosstabResult(proportions=proportions, counts=counts, pearson=pearson,
                              statistic=f_stat, ndf=d0, ddf=ddf, p_value=p_value,
                              chisq_first_order=first,
                              p_first_order=float(stats.chi2.sf(first, df)),
                              cramers_v=cramers_v)


def _sorted_levels(values: pd.Series) -> list[Any]:
    levels = list(pd.unique(values))
    try:
        return sorted(levels)
    except TypeError:
        return levels


def _proportion_ci(p: float, se: float, method: str, t_quantile: float,
                   z_quantile: float) -> tuple[float, float]:
    if not np.isfinite(p) or not np.isfinite(se):
        return math.nan, math.nan
    if method == "wald":
        return p - z_quantile * se, p + z_quantile * se
    if p <= 0 or p >= 1 or se == 0:
        return p, p
    logit = math.log(p / (1 - p))
    se_logit = se / (p * (1 - p))
    return (1 / (1 + math.exp(-(logit - t_quantile * se_logit))),
            1 / (1 + math.exp(-(logit + t_quantile * se_logit))))


def design_from_parameters(data: pd.DataFrame, weight: str | None = None,
                           strata: str | None = None, cluster: str | None = None,
                           fpc: str | float | None = None) -> SurveyDesign:
    """A :class:`SurveyDesign` from notebook parameters (empty strings mean "none")."""
    def clean(value: Any) -> Any:
        return None if value in ("", None) else value

    fpc = clean(fpc)
    if isinstance(fpc, str) and fpc not in data.columns:
        number = cell_number(fpc)
        if number is not None and not math.isnan(number):
            fpc = number  # "1500" typed as text: a population size
    return SurveyDesign(data, weights=clean(weight), strata=clean(strata),
                        clusters=clean(cluster), fpc=fpc, lonely_psu="certainty")
