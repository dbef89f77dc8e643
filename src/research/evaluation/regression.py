"""Moderators: meta-regression (metafor ``rma(yi, vi, mods = ~ x)``) and subgroup analysis."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError, SchemaError
from .meta import (MetaAnalysisResult, check_method, estimate_tau2, meta_analysis,
                   q_generalised, wls)

__all__ = [
    "MetaRegressionResult",
    "meta_regression",
    "SubgroupResult",
    "subgroup_analysis",
]


@dataclass
class MetaRegressionResult:
    """Mixed-effects meta-regression on one moderator.

    ``qm`` is the omnibus test of the moderator (χ² with ``qm_df`` df; an F statistic with
    (``qm_df``, ``qe_df``) df under Knapp–Hartung); ``r2`` metafor's pseudo-R² in percent.
    """

    moderator: str
    coefficients: pd.DataFrame
    qm: float
    qm_df: int
    qm_p: float
    tau2: float
    r2: float
    qe: float
    qe_df: int
    qe_p: float
    k: int
    method: str
    test: str

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the model statistics repeated on each row."""
        table = self.coefficients.copy()
        for name in ("moderator", "qm", "qm_df", "qm_p", "tau2", "r2", "qe", "qe_df", "qe_p",
                     "k", "method", "test"):
            table[name] = getattr(self, name)
        return table


def _design_matrix(values: pd.Series, name: str) -> tuple[np.ndarray, list[str]]:
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return np.column_stack([np.ones(len(values)), numeric.to_numpy(float)]), [
            "Konstant", str(name)]
    levels = sorted(values.astype(str).unique())
    columns = [np.ones(len(values))]
    names = [f"Konstant ({levels[0]})"]
    for level in levels[1:]:
        columns.append((values.astype(str) == level).to_numpy(float))
        names.append(f"{name}: {level}")
    return np.column_stack(columns), names


def meta_regression(
    yi: Iterable[float], vi: Iterable[float], moderator: Iterable[Any], *,
    name: str = "moderator", method: str = "REML", knapp_hartung: bool = False,
    level: float = 0.95,
) -> MetaRegressionResult:
    """Meta-regression on one moderator (numeric, or categorical with dummy coding).

    τ² is estimated with ``method`` from the residuals (as metafor, REML stopping at its
    threshold); ``r2`` = (τ²(no moderator) − τ²(moderator)) / τ²(no moderator), in percent,
    truncated at 0.
    """
    method = check_method(method)
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    mod = pd.Series(list(moderator))
    missing = mod.isna() | (mod.astype(str).str.strip() == "")
    if missing.any():
        positions = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy()))
        raise InputDataError(f"Moderator '{name}' missing for study number {positions}.",
                             hint="fill in the moderator for every evaluation or leave "
                             "'moderator' empty", column=name, parameter="moderator")
    X, names = _design_matrix(mod, name)
    k, p = X.shape
    if k - p < 1:
        raise InputDataError(
            f"Too few evaluations ({k}) for a meta-regression on '{name}' with {p - 1} "
            "coefficient(s).", hint="a meta-regression needs more studies than coefficients",
            column=name, parameter="moderator")
    if np.linalg.matrix_rank(X) < p:
        raise InputDataError(f"Moderator '{name}' does not vary between the evaluations.",
                             hint="choose a moderator that differs between studies",
                             column=name, parameter="moderator")
    tau2 = estimate_tau2(method, y, v, X)
    beta, vb = wls(y, v, X, tau2)
    dfe = k - p
    if knapp_hartung:
        vb = vb * float(np.sum((y - X @ beta) ** 2 / (v + tau2))) / dfe
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    if knapp_hartung:
        pvals = 2 * stats.t.sf(np.abs(stat), dfe)
        crit = stats.t.ppf(0.5 + level / 2, dfe)
    else:
        pvals = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + level / 2)
    b = beta[1:]
    m = p - 1
    qm = float(b @ np.linalg.inv(vb[1:, 1:]) @ b)
    if knapp_hartung:
        qm /= m
        qm_p = float(stats.f.sf(qm, m, dfe))
    else:
        qm_p = float(stats.chi2.sf(qm, m))
    tau2_null = estimate_tau2(method, y, v, np.ones((k, 1)))
    r2 = max(0.0, 100 * (tau2_null - tau2) / tau2_null) if tau2_null > 0 else 0.0
    qe = q_generalised(0.0, y, v, X)
    coefficients = pd.DataFrame({
        "term": names, "estimate": beta, "se": se, "statistic": stat, "p": pvals,
        "ci_low": beta - crit * se, "ci_high": beta + crit * se,
    })
    return MetaRegressionResult(
        moderator=str(name), coefficients=coefficients, qm=qm, qm_df=m, qm_p=qm_p,
        tau2=tau2, r2=r2, qe=qe, qe_df=dfe, qe_p=float(stats.chi2.sf(qe, dfe)), k=k,
        method=method, test="F" if knapp_hartung else "chi2",
    )


@dataclass
class SubgroupResult:
    """Separate meta-analyses per subgroup and a test of subgroup difference."""

    moderator: str
    table: pd.DataFrame
    results: dict[str, MetaAnalysisResult]
    q_between: float
    df: int
    p: float


def subgroup_analysis(
    effects: pd.DataFrame, moderator: str, *, method: str = "REML",
    knapp_hartung: bool = False,
) -> SubgroupResult:
    """Pool each subgroup of ``moderator`` separately and test whether they differ.

    Each subgroup gets its own τ² (separate fits, as RevMan); the test of subgroup
    difference is Q_between = Σ w_g (μ̂_g − μ̂_w)² with w_g = 1/SE_g², χ² with G − 1 df.
    """
    file = effects.attrs.get("file", "the evaluations table")
    if moderator not in effects.columns:
        raise SchemaError(f"Moderator column '{moderator}' is not in {file}.",
                          hint=f"columns present: {', '.join(map(str, effects.columns))}",
                          column=moderator, parameter="moderator")
    groups = effects[moderator].astype(str).str.strip()
    empty = effects[moderator].isna() | groups.isin(["", "nan"])
    if empty.any():
        rows = effects.loc[empty, "source_row"].tolist() if "source_row" in effects else []
        raise InputDataError(
            f"Moderator '{moderator}' is empty in row(s) {', '.join(map(str, rows))} of {file}.",
            hint="fill in the moderator for every evaluation", column=moderator,
            parameter="moderator")
    results: dict[str, MetaAnalysisResult] = {}
    rows = []
    for name in sorted(groups.unique()):
        part = effects[groups == name]
        res = meta_analysis(part["yi"], part["vi"], method=method, knapp_hartung=knapp_hartung,
                            measure=effects.attrs.get("measure"))
        results[name] = res
        rows.append({"subgroup": name, "k": res.k, "estimate": res.estimate, "se": res.se,
                     "ci_low": res.ci_low, "ci_high": res.ci_high, "effect": res.effect,
                     "effect_ci_low": res.effect_ci[0], "effect_ci_high": res.effect_ci[1],
                     "tau2": res.tau2, "i2": res.i2})
    table = pd.DataFrame(rows)
    q_between, dof, p = math.nan, 0, math.nan
    if len(table) > 1:
        w = 1 / table["se"].to_numpy() ** 2
        est = table["estimate"].to_numpy()
        q_between = float(np.sum(w * (est - np.sum(w * est) / np.sum(w)) ** 2))
        dof = len(table) - 1
        p = float(stats.chi2.sf(q_between, dof))
    return SubgroupResult(moderator=moderator, table=table, results=results,
                          q_between=q_between, df=dof, p=p)
