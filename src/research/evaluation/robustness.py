"""Robustness: leave-one-out, Egger's regression test and the sensitivity table.

Leave-one-out is metafor's ``leave1out``; Egger's test is ``regtest`` (``model="lm"``: the
classic weighted regression of yi on its standard error with a multiplicative dispersion,
fitted here by numpy weighted least squares; ``model="rma"``: a random-effects
meta-regression on the standard error, metafor's default).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError, ParameterError
from ..report.formatting import format_number
from .effects import MEASURE_SHORT
from .grading import sms_level
from .meta import METHOD_LABELS, METHODS, MetaAnalysisResult, check_method, meta_analysis, \
    meta_analysis_from_effects
from .regression import meta_regression, subgroup_analysis

__all__ = [
    "leave_one_out",
    "EggerResult",
    "egger_test",
    "sensitivity_table",
]

_LOO_COLUMNS = ["study", "k", "estimate", "se", "ci_low", "ci_high", "effect", "effect_ci_low",
                "effect_ci_high", "statistic", "p", "q", "q_p", "tau2", "i2", "h2"]


def leave_one_out(
    effects: pd.DataFrame, *, method: str = "REML", knapp_hartung: bool = False,
) -> pd.DataFrame:
    """Refit the meta-analysis leaving out each evaluation in turn (metafor ``leave1out``).

    One row per omitted study with the columns of :data:`_LOO_COLUMNS`; empty when there
    are fewer than two evaluations.
    """
    if len(effects) < 2:
        return pd.DataFrame(columns=_LOO_COLUMNS)
    measure = effects.attrs.get("measure")
    rows = []
    for position in range(len(effects)):
        rest = effects.drop(effects.index[position])
        res = meta_analysis(rest["yi"], rest["vi"], method=method,
                            knapp_hartung=knapp_hartung, measure=measure)
        rows.append({"study": effects["study"].iloc[position], "k": res.k,
                     "estimate": res.estimate, "se": res.se, "ci_low": res.ci_low,
                     "ci_high": res.ci_high, "effect": res.effect,
                     "effect_ci_low": res.effect_ci[0], "effect_ci_high": res.effect_ci[1],
                     "statistic": res.statistic, "p": res.p, "q": res.q, "q_p": res.q_p,
                     "tau2": res.tau2, "i2": res.i2, "h2": res.h2})
    return pd.DataFrame(rows, columns=_LOO_COLUMNS)


@dataclass
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry (``slope`` is the coefficient on
    the standard error, ``intercept`` the limit estimate as SE → 0)."""

    intercept: float
    slope: float
    se: float
    statistic: float
    df: float
    p: float
    k: int
    model: str
    note: str


def _weighted_lm(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Weighted least squares as R's ``lm(weights = w)``: coefficients, covariance (with
    the residual variance σ̂² = Σ w e² / (n − p)) and residual df."""
    xtw = X.T * w
    inv = np.linalg.inv(xtw @ X)
    beta = inv @ (xtw @ y)
    dof = len(y) - X.shape[1]
    sigma2 = float(np.sum(w * (y - X @ beta) ** 2)) / dof
    return beta, sigma2 * inv, dof


def egger_test(yi: Iterable[float], vi: Iterable[float], *, model: str = "lm",
               method: str = "REML") -> EggerResult:
    """Egger's regression test for small-study effects (metafor ``regtest``).

    ``model="lm"``: the classic test (Egger et al. 1997), t test with k − 2 df.
    ``model="rma"``: random-effects meta-regression on the SE (τ² by ``method``), z test.
    Needs k ≥ 3; with k < 10 the note cautions that the test has little power.
    """
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    k = len(y)
    if model not in ("lm", "rma"):
        raise ParameterError(f"Unknown Egger model '{model}'.", hint="use 'lm' or 'rma'",
                             parameter="model")
    if k < 3:
        return EggerResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, k, model,
                           "Egger-testet kräver minst tre utvärderingar och gjordes inte.")
    sei = np.sqrt(v)
    if np.ptp(sei) <= 1e-12 * float(np.max(sei)):
        return EggerResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, k, model,
                           "Egger-testet kräver att utvärderingarna har olika standardfel och "
                           "gjordes inte.")
    if model == "lm":
        beta, cov, dof = _weighted_lm(y, np.column_stack([np.ones(k), sei]), 1 / v)
        intercept, slope, se = float(beta[0]), float(beta[1]), math.sqrt(float(cov[1, 1]))
        statistic = slope / se
        p = float(2 * stats.t.sf(abs(statistic), dof))
        df: float = float(dof)
    else:
        reg = meta_regression(y, v, sei, name="sei", method=method)
        row = reg.coefficients.iloc[1]
        intercept = float(reg.coefficients.iloc[0]["estimate"])
        slope, se, statistic, p = (float(row[c]) for c in ("estimate", "se", "statistic", "p"))
        df = math.inf
    note = ""
    if k < 10:
        note = (f"Med bara {k} utvärderingar har Egger-testet och trattdiagrammet låg styrka; "
                "ett icke-signifikant test betyder inte att publiceringsbias saknas "
                "(Cochrane rekommenderar minst tio studier).")
    return EggerResult(intercept, slope, se, statistic, df, p, k, model, note)


class _Rows:
    """Collects the rows of the sensitivity table."""

    def __init__(self, short: str) -> None:
        self.short = short
        self.rows: list[dict[str, Any]] = []

    def add(self, name: str, res: MetaAnalysisResult | None, comment: str = "",
            p: float | None = None) -> None:
        estimate = (res.effect, *res.effect_ci) if res is not None else (math.nan,) * 3
        self.rows.append({"Analys": name, "k": res.k if res is not None else math.nan,
                          f"Skattning ({self.short})": estimate[0], "Nedre gräns": estimate[1],
                          "Övre gräns": estimate[2],
                          "p-värde": (res.p if res is not None else math.nan) if p is None else p,
                          "Kommentar": comment})


def sensitivity_table(
    effects: pd.DataFrame, *, method: str = "REML", knapp_hartung: bool = False,
    moderator: str | None = None,
) -> pd.DataFrame:
    """All robustness checks in one Swedish table (saved as ``sensitivity.csv``).

    Rows: the main analysis; the other estimators; Knapp–Hartung; only SMS level ≥ 3
    (when a ``design`` column exists); leave-one-out; subgroups of ``moderator`` with the
    test of subgroup difference and a meta-regression; Egger's test.
    """
    method = check_method(method)
    rows = _Rows(MEASURE_SHORT.get(effects.attrs.get("measure") or "", "effekt"))
    main = meta_analysis_from_effects(effects, method=method, knapp_hartung=knapp_hartung)
    rows.add("Huvudanalys", main, METHOD_LABELS[main.method])
    if len(effects) < 2:
        rows.add("Känslighetsanalyser", None, "Kräver minst två utvärderingar; inte möjligt här.")
        return pd.DataFrame(rows.rows)
    for other in METHODS:
        if other != main.method:
            rows.add(f"Annan modell: {other}", meta_analysis_from_effects(
                effects, method=other, knapp_hartung=knapp_hartung), METHOD_LABELS[other])
    if not knapp_hartung:
        rows.add("Knapp–Hartung-justering", meta_analysis_from_effects(
            effects, method=method, knapp_hartung=True), "t-fördelning med k − 1 frihetsgrader")
    _strong_designs(rows, effects, method, knapp_hartung)
    for _, r in leave_one_out(effects, method=method, knapp_hartung=knapp_hartung).iterrows():
        rows.rows.append({"Analys": f"Utan {r['study']}", "k": r["k"],
                          f"Skattning ({rows.short})": r["effect"],
                          "Nedre gräns": r["effect_ci_low"], "Övre gräns": r["effect_ci_high"],
                          "p-värde": r["p"], "Kommentar": f"I² = {format_number(r['i2'], 1)} %"})
    if moderator:
        _moderator_rows(rows, effects, moderator, method, knapp_hartung)
    egger = egger_test(effects["yi"], effects["vi"])
    rows.add("Egger-test (asymmetri i trattdiagram)", None,
             (f"lutning = {format_number(egger.slope, 2)}. " if math.isfinite(egger.slope)
              else "") + egger.note, p=egger.p)
    return pd.DataFrame(rows.rows)


def _strong_designs(rows: _Rows, effects: pd.DataFrame, method: str,
                    knapp_hartung: bool) -> None:
    if "design" not in effects.columns:
        return
    levels = effects["design"].map(lambda d: sms_level(d, strict=False))
    strong = effects[levels >= 3]
    if 0 < len(strong) < len(effects):
        strong = strong.copy()
        strong.attrs = dict(effects.attrs)
        rows.add("Endast SMS-nivå 3–5", meta_analysis_from_effects(
            strong, method=method, knapp_hartung=knapp_hartung),
            "utvärderingar med jämförbar kontrollgrupp")


def _moderator_rows(rows: _Rows, effects: pd.DataFrame, moderator: str, method: str,
                    knapp_hartung: bool) -> None:
    """Subgroups and meta-regression on the evaluations that have a moderator value (as
    metafor omits rows with a missing moderator), saying how many were left out."""
    if moderator not in effects.columns:
        subgroup_analysis(effects, moderator)  # raises the clear SchemaError
    values = effects[moderator].map(lambda x: "" if pd.isna(x) else str(x).strip())
    missing = effects.loc[values == "", "study"].astype(str).tolist()
    if missing:
        rows.add(f"Delgrupper efter {moderator}", None,
                 f"{len(missing)} utvärdering{'ar' if len(missing) != 1 else ''} saknar värde "
                 f"för {moderator} och ingår inte i delgruppsanalysen: {', '.join(missing)}")
        kept = effects[values != ""].copy()
        kept.attrs = dict(effects.attrs)
        effects = kept
    if len(effects) < 2:
        return
    sub = subgroup_analysis(effects, moderator, method=method, knapp_hartung=knapp_hartung)
    for name, res in sub.results.items():
        rows.add(f"Delgrupp {moderator} = {name}", res,
                 f"I² = {format_number(res.i2, 1)} %" if res.k > 1 else "en utvärdering")
    if sub.df == 0:
        return
    rows.add(f"Skillnad mellan delgrupper ({moderator})", None,
             f"Q = {format_number(sub.q_between, 2)}, df = {sub.df}", p=sub.p)
    try:
        reg = meta_regression(effects["yi"], effects["vi"], effects[moderator], name=moderator,
                              method=method, knapp_hartung=knapp_hartung)
    except InputDataError as exc:
        rows.add(f"Metaregression på {moderator}", None, f"inte möjlig: {exc.message}")
        return
    rows.add(f"Metaregression på {moderator}", None,
             f"QM = {format_number(reg.qm, 2)} (df = {reg.qm_df}), förklarad heterogenitet "
             f"R² = {format_number(reg.r2, 1)} %", p=reg.qm_p)
