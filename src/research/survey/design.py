"""Design-based estimation (Taylor linearisation), the estimator of R's ``survey``.

:class:`SurveyDesign` holds a weighted sample with strata, one or more stages of clusters
and finite population corrections — R's ``svydesign(id=~a+b, strata=~s, weights=~w,
fpc=~f1+f2)``. :meth:`~SurveyDesign.mean`, :meth:`~SurveyDesign.total` and
:meth:`~SurveyDesign.proportion` correspond to ``svymean``, ``svytotal`` and ``svyciprop``
(also by domain, as ``svyby``); the tests of association (``svychisq``, ``svyranktest``)
are in :mod:`research.survey.association`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..errors import InputDataError, ParameterError
from .validation import cell_number

__all__ = [
    "LONELY_PSU_RULES",
    "PROPORTION_METHODS",
    "SurveyDesign",
    "check_level",
    "design_from_parameters",
]

LONELY_PSU_RULES = ("fail", "certainty", "remove", "adjust")
PROPORTION_METHODS = ("logit", "beta", "wald")
_CERTAINTY = 1e-7  # R: a stratum whose finite population correction is below this is a census


def check_level(level: Any, parameter: str = "level") -> float:
    """A confidence level as a fraction in (0, 1); 95 instead of 0.95 is a clear error."""
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        hint = (f"write {level / 100:g} for {level:g} %" if isinstance(level, (int, float))
                and not isinstance(level, bool) and 1 < level < 100
                else "give a fraction between 0 and 1, e.g. 0.95")
        raise ParameterError(f"Confidence level must be a fraction between 0 and 1, got "
                             f"{level!r}.", hint=hint, parameter=parameter)
    return float(level)


def _as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if not (v is None or (isinstance(v, str) and not v.strip()))]
    return [value]


class SurveyDesign:
    """A weighted sample with strata, stages of clusters and finite population corrections;
    estimates by Taylor linearisation, as R's ``survey`` package.

    Parameters
    ----------
    data
        One row per respondent.
    weights
        Column with sampling weights. Default: derived from ``fpc`` (the product over the
        stages of population size / sample size, as R does), else all 1.
    strata
        Column with strata of the first stage, or a list with one column per stage
        (default: one stratum).
    clusters
        Column with the primary sampling units, or a list of columns, one per stage
        (``["forvaltning_enhet", "arbetsplats"]`` is R's ``id=~a+b``). Units are nested:
        a unit is identified within its stratum and the unit of the stage above. Default:
        each respondent is its own unit.
    fpc
        Finite population correction per stage: a column name or a number, or a list with
        one per stage of ``clusters``. Values > 1 are population sizes (of the units of
        that stage, per stratum and per unit of the stage above), values ≤ 1 sampling
        fractions — as ``svydesign(fpc=)``; one kind for all stages.
    lonely_psu
        A stratum holding one sampling unit (R's ``options(survey.lonely.psu=)``):
        ``"fail"`` (R's default), ``"certainty"``/``"remove"`` (contributes no variance)
        or ``"adjust"`` (its unit total is centred at zero, i.e. the population mean of
        the linearised values).

    Notes
    -----
    Stage variance of linearised totals: ``Σ_h (1 − n_h/N_h) n_h/(n_h − 1) Σ_j (z_hj −
    z̄_h)²`` over the unit totals ``z_hj``; with population sizes at every stage the
    variance of stage k + 1 within each unit is added, multiplied by the sampling
    fractions of the stages above (R's ``multistage``); without an fpc only the first
    stage counts (ultimate clusters, with replacement). Means are ratio estimators;
    subgroups (``by=``) and missing values are domains of the full design (``svyby``,
    ``na.rm=TRUE``). Degrees of freedom: first-stage units − first-stage strata (of the
    domain, for the intervals of a domain, as ``degf`` of a subset design).
    """

    def __init__(self, data: pd.DataFrame, weights: str | None = None,
                 strata: str | Sequence[str] | None = None,
                 clusters: str | Sequence[str] | None = None,
                 fpc: str | float | Sequence[str | float] | None = None, *,
                 lonely_psu: str = "fail") -> None:
        self.data = data
        self.weights = weights or None
        self.strata = strata
        self.clusters = clusters
        self.fpc = fpc
        self.lonely_psu = lonely_psu
        if not isinstance(data, pd.DataFrame) or data.empty:
            raise InputDataError("The survey design needs a non-empty table of respondents.")
        if lonely_psu not in LONELY_PSU_RULES:
            raise ParameterError(f"Unknown lonely_psu {lonely_psu!r}.",
                                 hint="use " + ", ".join(LONELY_PSU_RULES),
                                 parameter="lonely_psu")
        self.cluster_columns_ = _as_list(clusters)
        self.strata_columns_ = _as_list(strata)
        fpcs = _as_list(fpc)
        stages = max(1, len(self.cluster_columns_))
        if fpcs and len(fpcs) != stages:
            raise ParameterError(f"fpc has {len(fpcs)} entr{'y' if len(fpcs) == 1 else 'ies'} "
                                 f"but the design has {stages} stage(s) of clusters.",
                                 hint="give one fpc (column or number) per cluster column, "
                                 "as svydesign(id=~a+b, fpc=~f1+f2)", parameter="fpc")
        if len(self.strata_columns_) > stages:
            raise ParameterError("More strata columns than stages of clusters.",
                                 hint="give one strata column per stage at most",
                                 parameter="strata")
        self._build_stages(stages)
        self.popsize_ = self._population_sizes(fpcs) if fpcs else None
        self.weights_ = self._weights()
        self._check_lonely()
        first = self.stage_units_[0]
        self.psu_ = first
        self.n_psu_ = np.bincount(self._unit_stratum[0], minlength=self._n_strata[0])
        self.fraction_ = (np.zeros(self._n_strata[0]) if self.popsize_ is None else
                          self._stratum_fraction(0))
        self.degf_ = self.domain_degf(np.ones(len(data), dtype=bool))

    # -- construction ------------------------------------------------------------------

    def _where(self, position: int) -> tuple[str, int]:
        """A data row numbered as in the user's file (``attrs["row_offset"]``: 2 for a CSV
        with a header, set by :func:`research.survey.read_survey`)."""
        number = position + int(self.data.attrs.get("row_offset", 1))
        return f"row {number}", number

    def _error(self, message: str, *, hint: str | None = None, **fields: Any) -> InputDataError:
        """An input error naming the data file (``attrs["source"]``) when it is known."""
        source = self.data.attrs.get("source")
        if source:
            message = f"{source}: {message}"
            fields.setdefault("file", source)
        return InputDataError(message, hint=hint, **fields)

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
            position = int(np.flatnonzero(bad)[0])
            where, number = self._where(position)
            raise self._error(f"The {role} column {name!r} holds a non-number "
                              f"{column.iloc[position]!r} in {where}.",
                              column=name, row=number, parameter=role)
        return values

    def _labels(self, name: str, role: str) -> np.ndarray:
        column = self._column(name, role)
        if column.isna().any():
            where, number = self._where(int(np.flatnonzero(column.isna().to_numpy())[0]))
            raise self._error(f"The {role} column {name!r} is empty in {where}.",
                              hint=f"every respondent needs a {role}", column=name,
                              row=number, parameter=role)
        return pd.factorize(column)[0]

    def _build_stages(self, stages: int) -> None:
        """Unit and stratum codes per stage (units nested in strata and in the unit above)."""
        n = len(self.data)
        strata = [self._labels(s, "strata") for s in self.strata_columns_]
        ids = [self._labels(c, "cluster") for c in self.cluster_columns_] or [np.arange(n)]
        self.stage_units_: list[np.ndarray] = []
        self.stage_strata_: list[np.ndarray] = []
        self._unit_stratum: list[np.ndarray] = []
        self._n_strata: list[int] = []
        above = np.zeros(n, dtype=int)
        self._sums: list[Any] = []
        for k in range(stages):
            own = strata[k] if k < len(strata) else np.zeros(n, dtype=int)
            stratum = _pair_codes(above, own)
            unit = _pair_codes(stratum, ids[k])
            unit_stratum = np.zeros(unit.max() + 1, dtype=int)
            unit_stratum[unit] = stratum
            self.stage_units_.append(unit)
            self.stage_strata_.append(stratum)
            self._unit_stratum.append(unit_stratum)
            self._n_strata.append(int(stratum.max()) + 1)
            self._sums.append(sparse.csr_matrix((np.ones(n), (unit, np.arange(n))),
                                                shape=(len(unit_stratum), n)))
            above = unit
        self.strata_ = self.stage_strata_[0]
        self.clusters_ = self.stage_units_[0]

    def _sample_sizes(self, k: int) -> np.ndarray:
        """Per row: the number of sampled units of stage ``k`` in the row's stratum."""
        per_stratum = np.bincount(self._unit_stratum[k], minlength=self._n_strata[k])
        return per_stratum[self.stage_strata_[k]].astype(float)

    def _population_sizes(self, fpcs: list[Any]) -> list[np.ndarray]:
        values = []
        for k, spec in enumerate(fpcs):
            if isinstance(spec, str):
                column = self._numeric_column(spec, "fpc")
                if np.isnan(column).any():
                    where, number = self._where(int(np.flatnonzero(np.isnan(column))[0]))
                    raise self._error(f"The fpc column {spec!r} is empty in {where}.",
                                      column=spec, row=number, parameter="fpc")
            elif isinstance(spec, (int, float)) and not isinstance(spec, bool):
                column = np.full(len(self.data), float(spec))
            else:
                raise ParameterError(f"fpc must be a column name or a number, got {spec!r}.",
                                     parameter="fpc")
            self._check_constant(column, k, spec)
            values.append(column)
        every = np.concatenate(values)
        if (every <= 0).any():
            raise self._error("fpc values must be positive.", parameter="fpc")
        counts = every.max() > 1
        if counts and (every < 1).any():
            raise self._error("fpc mixes population sizes (> 1) and sampling fractions "
                                 "(< 1).", hint="use one kind for every stage, as R's "
                                 "svydesign requires", parameter="fpc")
        sizes = []
        for k, column in enumerate(values):
            sample = self._sample_sizes(k)
            size = column if counts else sample / column
            if (size < sample - 1e-9).any():
                row = int(np.flatnonzero(size < sample - 1e-9)[0])
                where, number = self._where(row)
                raise self._error(f"Population size {size[row]:g} is smaller than the "
                                  f"sample ({sample[row]:g} units) at stage {k + 1} "
                                  f"({where}).", parameter="fpc", row=number,
                                  column=fpcs[k] if isinstance(fpcs[k], str) else None)
            sizes.append(size)
        return sizes

    def _check_constant(self, column: np.ndarray, k: int, spec: Any) -> None:
        stratum = self.stage_strata_[k]
        low = np.full(self._n_strata[k], np.inf)
        high = np.full(self._n_strata[k], -np.inf)
        np.minimum.at(low, stratum, column)
        np.maximum.at(high, stratum, column)
        if (high - low > 1e-9 * np.maximum(1.0, np.abs(high))).any():
            h = int(np.flatnonzero(high - low > 1e-9 * np.maximum(1.0, np.abs(high)))[0])
            where, number = self._where(int(np.flatnonzero(stratum == h)[0]))
            raise self._error(f"The fpc {spec!r} must be constant within each stratum at "
                              f"stage {k + 1}; it varies in the stratum of {where}.",
                              column=spec if isinstance(spec, str) else None,
                              row=number, parameter="fpc")

    def _weights(self) -> np.ndarray:
        n = len(self.data)
        if self.weights:
            weights = self._numeric_column(self.weights, "weight")
        elif self.popsize_ is not None:  # R: weights from the fpc, stage by stage
            weights = np.ones(n)
            for k, size in enumerate(self.popsize_):
                weights = weights * size / self._sample_sizes(k)
        else:
            weights = np.ones(n)
        if (weights <= 0).any() or np.isnan(weights).any():
            where, number = self._where(int(np.flatnonzero(~(weights > 0))[0]))
            raise self._error(f"Weight column {self.weights!r} has a missing or "
                              f"non-positive value in {where}.",
                              hint="every respondent needs a positive weight",
                              column=self.weights, row=number, parameter="weight")
        return weights

    def _stratum_fraction(self, k: int) -> np.ndarray:
        """Sampling fraction n/N per stratum of stage ``k`` (0 without an fpc)."""
        fraction = np.zeros(self._n_strata[k])
        if self.popsize_ is not None:
            fraction[self.stage_strata_[k]] = self._sample_sizes(k) / self.popsize_[k]
        return fraction

    def _check_lonely(self) -> None:
        if self.lonely_psu != "fail":
            return
        for k in range(len(self.stage_units_) if self.popsize_ is not None else 1):
            counts = np.bincount(self._unit_stratum[k], minlength=self._n_strata[k])
            lonely = (counts < 2) & (1 - self._stratum_fraction(k) >= _CERTAINTY)
            if lonely.any():
                row = int(np.flatnonzero(self.stage_strata_[k] == np.flatnonzero(lonely)[0])[0])
                line, number = self._where(row)
                where = (f"stratum {self.data[self.strata_columns_[0]].iloc[row]!r}"
                         if k == 0 and self.strata_columns_ else f"the stratum of {line}")
                raise self._error(f"At stage {k + 1}, {where} has only one sampling unit; "
                                  "its variance cannot be estimated.",
                                  hint="merge it with a similar stratum, give its fpc if it "
                                  "was fully sampled, or set lonely_psu='adjust' or "
                                  "'certainty'", row=number,
                                  column=(self.strata_columns_ or [None])[0])

    # -- variance ------------------------------------------------------------------------

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Design variance–covariance of the totals of linearised values ``z`` (n × k)."""
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        result = np.zeros((z.shape[1], z.shape[1]))
        multiplier = np.ones(len(z))
        for k in range(len(self.stage_units_)):
            result += self._stage_variance(z, k, multiplier)
            if self.popsize_ is None:
                break  # without population sizes only the first stage counts (as R)
            multiplier = multiplier * self._sample_sizes(k) / self.popsize_[k]
        return result

    def _stage_variance(self, z: np.ndarray, k: int, multiplier: np.ndarray) -> np.ndarray:
        unit_stratum = self._unit_stratum[k]
        totals = np.asarray(self._sums[k] @ z)  # unit totals (a sparse indicator product)
        n_h = np.bincount(unit_stratum, minlength=self._n_strata[k]).astype(float)
        sums = np.column_stack([np.bincount(unit_stratum, weights=totals[:, j],
                                            minlength=self._n_strata[k])
                                for j in range(z.shape[1])])
        means = sums / np.maximum(n_h, 1)[:, None]
        finite = 1 - self._stratum_fraction(k)
        weight_h = np.zeros(self._n_strata[k])
        weight_h[self.stage_strata_[k]] = multiplier
        scale = np.where(n_h > 1, finite * n_h / np.maximum(n_h - 1, 1), finite) * weight_h
        scale = np.where(finite < _CERTAINTY, 0.0, scale)
        deviations = totals - means[unit_stratum]
        if self.lonely_psu == "adjust":  # R: a lonely unit is not centred
            lonely_units = n_h[unit_stratum] < 2
            deviations[lonely_units] = totals[lonely_units]
        else:
            scale = np.where(n_h > 1, scale, 0.0)
        unit_scale = scale[unit_stratum]
        return deviations.T @ (deviations * unit_scale[:, None])

    def domain_degf(self, rows: np.ndarray) -> int:
        """Degrees of freedom of a domain: its first-stage units − its first-stage strata
        (R's ``degf`` of a subset design)."""
        rows = np.asarray(rows, dtype=bool)
        if not rows.any():
            return 0
        return int(len(np.unique(self.stage_units_[0][rows]))
                   - len(np.unique(self.stage_strata_[0][rows])))

    # -- estimates -----------------------------------------------------------------------

    def _values(self, column: str) -> np.ndarray:
        return self._numeric_column(column, "variable")

    def _domains(self, by: str | None) -> list[tuple[Any, np.ndarray]]:
        if by is None:
            return [(None, np.ones(len(self.data), dtype=bool))]
        groups = self._column(by, "group_by")
        return [(g, (groups == g).to_numpy()) for g in sorted_levels(groups.dropna())]

    def _frame(self, rows: list[dict[str, Any]], by: str | None) -> pd.DataFrame:
        frame = pd.DataFrame(rows)
        if by is None and "group" in frame.columns:
            frame = frame.drop(columns="group")
        elif by is not None:
            frame = frame.rename(columns={"group": by})
        return frame

    def _se(self, z: np.ndarray) -> float:
        return math.sqrt(max(self.variance(z)[0, 0], 0.0))

    def mean(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Weighted mean of ``column`` (missing values excluded as a domain), R's
        ``svymean(~y, design, na.rm=TRUE)`` with ``confint`` (normal quantile).

        Returns a DataFrame with ``variable``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``n`` (respondents with a value), and the group column when ``by``.
        """
        z_quantile = stats.norm.ppf(0.5 + check_level(level) / 2)
        y = self._values(column)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            estimate = se = math.nan
            if inside.any():
                w = np.where(inside, self.weights_, 0.0)
                y0 = np.where(inside, y, 0.0)
                estimate = (w * y0).sum() / w.sum()
                se = self._se(w * (y0 - estimate) / w.sum())
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def total(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Estimated population total of ``column`` (R's ``svytotal``); same columns as
        :meth:`mean`."""
        z_quantile = stats.norm.ppf(0.5 + check_level(level) / 2)
        y = self._values(column)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            z = np.where(inside, self.weights_ * np.where(inside, y, 0.0), 0.0)
            estimate, se = z.sum(), self._se(z)
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def proportion(self, column: str, *, by: str | None = None, level: float = 0.95,
                   method: str = "logit", levels: Sequence[Any] | None = None) -> pd.DataFrame:
        """Estimated share of each value of ``column`` (missing values excluded).

        Methods (R's ``svyciprop``): ``"logit"`` (default; logit scale, t on the design
        degrees of freedom), ``"beta"`` (Korn–Graubard: a Clopper–Pearson interval with
        the effective sample size); ``"wald"`` is ``confint(svymean(~factor(x)))``. At
        0 % or 100 % (no variance) the logit and beta intervals are Clopper–Pearson
        intervals on the respondents with an answer, never a point. ``n`` counts
        respondents in the value (what disclosure control looks at); ``n_valid`` those
        with any value.
        """
        if method not in PROPORTION_METHODS:
            raise ParameterError(f"Unknown method {method!r}.",
                                 hint="use " + ", ".join(PROPORTION_METHODS),
                                 parameter="method")
        level = check_level(level)
        values = self._column(column, "variable")
        levels = sorted_levels(values.dropna()) if levels is None else list(levels)
        valid_all = values.notna().to_numpy()
        rows = []
        for group, domain in self._domains(by):
            inside = domain & valid_all
            w = np.where(inside, self.weights_, 0.0)
            degf = self.degf_ if by is None else self.domain_degf(domain)
            for value in levels:
                hit = inside & (values == value).to_numpy()
                p = se = math.nan
                if w.sum() > 0:
                    p = w[hit].sum() / w.sum()
                    se = self._se(w * (hit.astype(float) - p) / w.sum())
                low, high = proportion_interval(p, se, method=method, level=level, degf=degf,
                                                n_rows=int(domain.sum()),
                                                n_valid=int(inside.sum()))
                rows.append({"group": group, "variable": column, "level": value,
                             "estimate": p, "se": se, "ci_low": low, "ci_high": high,
                             "n": int(hit.sum()), "n_valid": int(inside.sum())})
        return self._frame(rows, by)

    def crosstab(self, row: str, col: str) -> Any:
        """Two-way table with the Rao–Scott and Wald tests; see
        :func:`research.survey.association.crosstab`."""
        from .association import crosstab

        return crosstab(self, row, col)

    def rank_test(self, column: str, group: str, **options: Any) -> Any:
        """Design-based rank test; see :func:`research.survey.association.rank_test`."""
        from .association import rank_test

        return rank_test(self, column, group, **options)


def _pair_codes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Codes of the pairs (first, second) of two integer code arrays, in order of appearance."""
    combined = first.astype(np.int64) * (int(second.max()) + 1) + second.astype(np.int64)
    return pd.factorize(combined)[0]


def sorted_levels(values: pd.Series) -> list[Any]:
    """The distinct values in sorted order (in order of appearance when unsortable)."""
    levels = list(pd.unique(values))
    try:
        return sorted(levels)
    except TypeError:
        return levels


def proportion_interval(p: float, se: float, *, method: str, level: float, degf: int,
                        n_rows: int, n_valid: int) -> tuple[float, float]:
    """Confidence interval of a proportion ``p`` with design standard error ``se``.

    ``degf``: design degrees of freedom; ``n_rows``: rows of the (domain) design, as R's
    ``nrow(design)`` in the Korn–Graubard degrees-of-freedom correction; ``n_valid``:
    respondents with an answer, the sample size of the Clopper–Pearson interval used when
    there is no variance (p = 0 or 1).
    """
    if not np.isfinite(p) or not np.isfinite(se):
        return math.nan, math.nan
    alpha = 1 - level
    if method == "wald":
        z = stats.norm.ppf(1 - alpha / 2)
        return p - z * se, p + z * se
    if se <= 1e-12 or p <= 1e-12 or p >= 1 - 1e-12:  # no variance: exact, on the respondents
        return _clopper_pearson(round(p * n_valid), n_valid, alpha)
    if method == "logit":
        t = stats.t.ppf(1 - alpha / 2, max(degf, 1))
        centre, half = math.log(p / (1 - p)), t * se / (p * (1 - p))
        return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))
    n_eff = p * (1 - p) / se ** 2
    if degf > 0 and n_rows > 1:
        n_eff *= (stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, degf)) ** 2
    return _clopper_pearson(p * n_eff, n_eff, alpha)


def _clopper_pearson(x: float, n: float, alpha: float) -> tuple[float, float]:
    if n <= 0:
        return math.nan, math.nan
    low = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    high = 1.0 if x >= n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def design_from_parameters(data: pd.DataFrame, weight: str | None = None,
                           strata: str | Sequence[str] | None = None,
                           cluster: str | Sequence[str] | None = None,
                           fpc: str | float | Sequence[str | float] | None = None, *,
                           lonely_psu: str = "certainty") -> SurveyDesign:
    """A :class:`SurveyDesign` from notebook parameters: empty strings mean "none";
    ``cluster`` and ``fpc`` may be lists (one per stage); an fpc typed as text that is
    not a column but a number (``"1500"``) is a population size."""
    def fpc_value(value: Any) -> Any:
        if isinstance(value, str) and value not in data.columns:
            number = cell_number(value)
            if number is not None and not math.isnan(number):
                return number
        return value

    fpcs = [fpc_value(v) for v in _as_list(fpc)]
    return SurveyDesign(data, weights=weight or None, strata=_as_list(strata) or None,
                        clusters=_as_list(cluster) or None, fpc=fpcs or None,
                        lonely_psu=lonely_psu)
