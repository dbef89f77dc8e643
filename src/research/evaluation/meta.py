"""The meta-analysis engine, as R's metafor ``rma.uni``: FE, DL, REML, PM, Knapp–Hartung.

Everything is written in matrix form (``y``, ``v``, design ``X``), so meta-regression
(:mod:`.regression`) shares it. The estimators follow metafor 3.8 step by step, including its
stopping rules, so the numbers agree with R to its printed precision and beyond:

- REML by Fisher scoring from the Hedges starting value, step halving at τ² = 0, stopping when
  τ² changes by at most :data:`REML_THRESHOLD` (metafor's ``control$threshold``, 1e-5);
- DerSimonian–Laird in closed form; Paule–Mandel by root finding on the generalised Q;
- Q-profile CI for τ² (Viechtbauer 2007), as ``confint`` — except that metafor reports its
  search limit ``max(100, 10 τ²)`` when the upper bound lies beyond it (k = 2, say), where
  we report the root itself;
- I² and H² from τ² and the "typical" within-study variance (for FE from Q), as metafor;
- the prediction interval twice: metafor's (``predict``: z, or t with k − 1 df under
  Knapp–Hartung) and Higgins et al. (2009), t with k − 2 df, which the briefing uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import InputDataError, ParameterError
from .effects import MEASURE_SHORT, RATIO_MEASURES, check_level, check_measure, transform_for

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "REML_THRESHOLD",
    "check_method",
    "MetaAnalysisResult",
    "meta_analysis",
    "meta_analysis_from_effects",
    "wls",
    "q_generalised",
    "estimate_tau2",
    "format_level",
]

METHODS = ("REML", "DL", "PM", "FE")
METHOD_LABELS = {
    "REML": "slumpeffektmodell, τ² skattad med REML",
    "DL": "slumpeffektmodell, τ² skattad med DerSimonian–Laird",
    "PM": "slumpeffektmodell, τ² skattad med Paule–Mandel",
    "FE": "fixeffektmodell (inverterad varians)",
}
REML_THRESHOLD = 1e-5   # metafor rma.uni control$threshold
REML_MAX_ITER = 100     # metafor rma.uni control$maxiter


def check_method(method: str) -> str:
    """The method in upper case (``EE`` is metafor's name for FE)."""
    value = str(method).strip().upper()
    if value == "EE":
        value = "FE"
    if value not in METHODS:
        raise ParameterError(f"Unknown meta-analysis method '{method}'.",
                             hint=f"use one of {', '.join(METHODS)}", parameter="method")
    return value


# ---------------------------------------------------------------------------------------
# engine


def wls(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares with weights 1/(v + τ²): coefficients and their covariance."""
    w = 1 / (v + tau2)
    xtw = X.T * w
    vb = np.linalg.inv(xtw @ X)
    return vb @ (xtw @ y), vb


def _p_traces(v: np.ndarray, X: np.ndarray, tau2: float) -> tuple[float, float]:
    """tr(P) and tr(PP) for P = W − WX(X'WX)⁻¹X'W, W = diag(1/(v+τ²)), without forming P."""
    w = 1 / (v + tau2)
    a_inv = np.linalg.inv((X.T * w) @ X)
    b2 = (X.T * w**2) @ X
    b3 = (X.T * w**3) @ X
    a_b2 = a_inv @ b2
    trace_p = float(w.sum() - np.trace(a_b2))
    trace_pp = float(np.sum(w**2) - 2 * np.trace(a_inv @ b3) + np.trace(a_b2 @ a_b2))
    return trace_p, trace_pp


def q_generalised(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Generalised Q: Σ (y − Xβ̂(τ²))² / (v + τ²); Cochran's Q at τ² = 0."""
    beta, _ = wls(y, v, X, tau2)
    return float(np.sum((y - X @ beta) ** 2 / (v + tau2)))


def _tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    return max(0.0, (q_generalised(0.0, y, v, X) - (k - p)) / _p_traces(v, X, 0.0)[0])


def _upper_bracket(fn, start: float) -> float:
    upper = start
    while fn(upper) > 0:
        upper *= 10
        if upper > 1e12:
            return math.inf
    return upper


def _tau2_pm(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape

    def target(t2: float) -> float:
        return q_generalised(t2, y, v, X) - (k - p)

    if target(0.0) <= 0:
        return 0.0
    upper = _upper_bracket(target, max(100.0, 10 * _tau2_dl(y, v, X)))
    if not math.isfinite(upper):
        raise InputDataError("Paule–Mandel estimate of τ² did not converge.",
                             hint="try method='REML' or 'DL'", parameter="method")
    return float(optimize.brentq(target, 0.0, upper, xtol=1e-12, rtol=1e-12))


def _tau2_reml(y: np.ndarray, v: np.ndarray, X: np.ndarray, *,
               threshold: float = REML_THRESHOLD, max_iter: int = REML_MAX_ITER) -> float:
    """REML by Fisher scoring with step halving, exactly as metafor's rma.uni iterates."""
    k, p = X.shape
    hat = X @ np.linalg.pinv(X.T @ X) @ X.T           # Hedges (HE) starting value
    resid = y - hat @ y
    tau2 = max(0.0, (float(resid @ resid) - float(np.sum(v * (1 - np.diag(hat))))) / (k - p))
    for _ in range(max_iter + 1):
        beta, _ = wls(y, v, X, tau2)
        py = (y - X @ beta) / (v + tau2)  # P y without forming P
        trace_p, trace_pp = _p_traces(v, X, tau2)
        adj = (float(py @ py) - trace_p) / trace_pp
        while tau2 + adj < 0:
            adj /= 2
        new = tau2 + adj
        if abs(new - tau2) <= threshold:
            return max(0.0, new)
        tau2 = new
    raise InputDataError("REML estimate of τ² did not converge.", parameter="method",
                         hint="try method='DL' or 'PM', or check the effect sizes for errors")


def estimate_tau2(method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """τ² by ``method`` (FE gives 0)."""
    if method == "FE":
        return 0.0
    if method == "DL":
        return _tau2_dl(y, v, X)
    if method == "PM":
        return _tau2_pm(y, v, X)
    return _tau2_reml(y, v, X)


def _tau2_qprofile(y: np.ndarray, v: np.ndarray, X: np.ndarray, level: float
                   ) -> tuple[float, float]:
    """Q-profile confidence interval for τ² (Viechtbauer 2007), as metafor's ``confint``."""
    k, p = X.shape
    df = k - p
    if df < 1:
        return math.nan, math.nan
    alpha = 1 - level
    q0 = q_generalised(0.0, y, v, X)

    def solve(crit: float) -> float:
        if q0 < crit:
            return 0.0
        upper = _upper_bracket(lambda t: q_generalised(t, y, v, X) - crit,
                               max(100.0, 10 * _tau2_dl(y, v, X)))
        if not math.isfinite(upper):
            return math.inf
        return float(optimize.brentq(lambda t: q_generalised(t, y, v, X) - crit, 0.0, upper,
                                     xtol=1e-12, rtol=1e-12))

    return solve(stats.chi2.ppf(1 - alpha / 2, df)), solve(stats.chi2.ppf(alpha / 2, df))


def _typical_variance(v: np.ndarray, X: np.ndarray) -> float:
    """metafor's 'typical' within-study variance s² = (k − p) / tr(P) with W = 1/vi."""
    k, p = X.shape
    return (k - p) / _p_traces(v, X, 0.0)[0]


# ---------------------------------------------------------------------------------------
# result


@dataclass
class MetaAnalysisResult:
    """The result of :func:`meta_analysis` (analysis scale; ``effect*`` back-transformed).

    ``pi_low``/``pi_high`` are metafor's prediction interval (``predict``: z, or t with
    k − 1 df under Knapp–Hartung); ``pi_t_low``/``pi_t_high`` the interval of Higgins et al.
    (2009) with t on k − 2 df, NaN for k < 3, which the briefing shows.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    statistic_name: str
    df: float
    p: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    i2_ci_low: float
    i2_ci_high: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    pi_t_low: float
    pi_t_high: float
    k: int
    method: str
    requested_method: str
    knapp_hartung: bool
    measure: str | None
    level: float
    weights: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def tau(self) -> float:
        """√τ²."""
        return math.sqrt(self.tau2)

    def _back(self, value: float) -> float:
        if self.measure is None or not math.isfinite(value):
            return value
        return float(transform_for(self.measure)(value))

    @property
    def effect(self) -> float:
        """The pooled effect on the reader's scale (RR/OR exponentiated, r for ZCOR)."""
        return self._back(self.estimate)

    @property
    def effect_ci(self) -> tuple[float, float]:
        """The confidence interval on the reader's scale."""
        return self._back(self.ci_low), self._back(self.ci_high)

    def prediction_interval(self, kind: str = "higgins") -> tuple[float, float]:
        """Prediction interval on the analysis scale: ``"higgins"`` (t, k − 2 df) or
        ``"metafor"`` (as ``predict.rma``)."""
        if kind == "metafor":
            return self.pi_low, self.pi_high
        if kind == "higgins":
            return self.pi_t_low, self.pi_t_high
        raise ParameterError(f"Unknown prediction interval '{kind}'.",
                             hint="use 'higgins' or 'metafor'", parameter="kind")

    @property
    def effect_pi(self) -> tuple[float, float]:
        """Higgins' prediction interval on the reader's scale (NaN for k < 3)."""
        return self._back(self.pi_t_low), self._back(self.pi_t_high)

    @property
    def effect_pi_metafor(self) -> tuple[float, float]:
        """metafor's prediction interval on the reader's scale."""
        return self._back(self.pi_low), self._back(self.pi_high)

    @property
    def has_prediction_interval(self) -> bool:
        """True when the briefing's prediction interval exists (random effects, k ≥ 3)."""
        return self.method != "FE" and math.isfinite(self.pi_t_low)

    def to_frame(self) -> pd.DataFrame:
        """One row with every statistic (English column names)."""
        names = ("k", "method", "knapp_hartung", "estimate", "se", "ci_low", "ci_high",
                 "statistic_name", "statistic", "df", "p", "tau2", "tau2_ci_low",
                 "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "h2", "q", "q_df", "q_p",
                 "pi_low", "pi_high", "pi_t_low", "pi_t_high", "level")
        row = {name: getattr(self, name) for name in names}
        row["measure"] = self.measure or ""
        row["effect"] = self.effect
        row["effect_ci_low"], row["effect_ci_high"] = self.effect_ci
        row["effect_pi_low"], row["effect_pi_high"] = self.effect_pi
        return pd.DataFrame([row])

    def summary_table(self) -> pd.DataFrame:
        """A Swedish long table for the briefing: Storhet, Skattning, Nedre, Övre."""
        pct = format_level(self.level)
        short = MEASURE_SHORT.get(self.measure or "", "effekt")
        nan = math.nan
        rows: list[tuple[str, float, float, float]] = []
        if self.measure in RATIO_MEASURES:
            rows.append((f"Sammanvägd effekt, log {short}", self.estimate, self.ci_low,
                         self.ci_high))
        elif self.measure == "ZCOR":
            rows.append(("Sammanvägd effekt, Fishers z", self.estimate, self.ci_low,
                         self.ci_high))
        rows.append((f"Sammanvägd effekt ({short})", self.effect, *self.effect_ci))
        if self.has_prediction_interval:
            rows.append((f"Prediktionsintervall ({short}; t med k − 2 frihetsgrader)", nan,
                         *self.effect_pi))
        rows += [("Standardfel (analysskala)", self.se, nan, nan),
                 (f"Testvärde {'t' if self.statistic_name == 't' else 'z'}", self.statistic,
                  nan, nan),
                 ("p-värde för effekten", self.p, nan, nan),
                 ("τ² (variation mellan studier)", self.tau2, self.tau2_ci_low,
                  self.tau2_ci_high),
                 ("I² (%)", self.i2, self.i2_ci_low, self.i2_ci_high),
                 ("H²", self.h2, nan, nan),
                 (f"Q (df = {self.q_df})", self.q, nan, nan),
                 ("p-värde för Q", self.q_p, nan, nan)]
        return pd.DataFrame(rows, columns=["Storhet", "Skattning", f"Nedre gräns ({pct} %)",
                                           f"Övre gräns ({pct} %)"])


def format_level(level: float) -> str:
    """0.95 → "95", 0.9 → "90", 0.975 → "97,5"."""
    pct = round(level * 100, 1)
    return str(int(pct)) if float(pct).is_integer() else str(pct).replace(".", ",")



# ---------------------------------------------------------------------------------------
# the pooled estimate


def _validated(yi: Iterable[float], vi: Iterable[float], source: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    if y.shape != v.shape:
        raise ParameterError("yi and vi must have the same length.",
                             hint="pass one variance per effect size")
    if len(y) == 0:
        raise InputDataError(f"There are no effect sizes to pool in {source}.",
                             hint="check the evaluations file and the 'method_name' filter")
    bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(v))
    if bad.size:
        numbers = ", ".join(str(i + 1) for i in bad)
        raise InputDataError(
            f"Effect size or variance missing or infinite for study number {numbers} in "
            f"{source}.", hint="every study needs a finite effect size and a positive, finite "
            "variance; check those rows in the file")
    if np.any(v <= 0):
        numbers = ", ".join(str(i + 1) for i in np.flatnonzero(v <= 0))
        raise InputDataError(f"Sampling variance not positive for study number {numbers} in "
                             f"{source}.", hint="a variance must be greater than 0")
    return y, v


def _small_k_notes(k: int, method: str, knapp_hartung: bool) -> list[str]:
    notes = []
    if k == 1:
        notes.append("Bara en utvärdering: ingen sammanvägning och ingen skattning av "
                     "variation mellan studier är möjlig; resultatet är den enda studiens.")
        if knapp_hartung:
            notes.append("Knapp–Hartung-justeringen kräver minst två studier och användes inte.")
    elif k == 2 and method != "FE":
        notes.append("Bara två utvärderingar: skattningen av variationen mellan studier (τ²) "
                     "är mycket osäker, slumpeffektmodellens resultat bör läsas med "
                     "försiktighet och ett prediktionsintervall kan inte beräknas.")
    return notes


def meta_analysis(
    yi: Iterable[float],
    vi: Iterable[float],
    method: str = "REML",
    knapp_hartung: bool = False,
    *,
    measure: str | None = None,
    level: float = 0.95,
    source: str = "the effect sizes",
) -> MetaAnalysisResult:
    """Pool effect sizes with a fixed-effect or random-effects model, like metafor's ``rma``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances on the analysis scale.
    method
        ``"REML"`` (default), ``"DL"``, ``"PM"`` or ``"FE"``.
    knapp_hartung
        metafor's ``test="knha"``: SE × √(Σw(y−μ̂)²/(k−1)) without truncation, t with k − 1
        df for the test, the CI and metafor's prediction interval.
    measure
        The effect-size measure, for back-transformation (exp for RR/OR, tanh for ZCOR).
    level
        Confidence level as a fraction (0.95; 95 is refused).
    source
        What the numbers come from (a file name), for messages.

    Returns
    -------
    MetaAnalysisResult
    """
    requested = check_method(method)
    measure = check_measure(measure) if measure is not None else None
    level = check_level(level)
    y, v = _validated(yi, vi, source)
    k = len(y)
    method = "FE" if k == 1 else requested
    notes = _small_k_notes(k, method, knapp_hartung)
    X = np.ones((k, 1))
    tau2 = estimate_tau2(method, y, v, X)
    beta, vb = wls(y, v, X, tau2)
    estimate, se = float(beta[0]), math.sqrt(float(vb[0, 0]))
    q = q_generalised(0.0, y, v, X)
    q_df = k - 1
    use_kh = bool(knapp_hartung) and k > 1
    if use_kh:
        s2 = float(np.sum((y - estimate) ** 2 / (v + tau2))) / (k - 1)
        se *= math.sqrt(s2)
        dof: float = k - 1
        crit = float(stats.t.ppf(0.5 + level / 2, dof))
        p = float(2 * stats.t.sf(abs(estimate / se), dof))
    else:
        dof = math.inf
        crit = float(stats.norm.ppf(0.5 + level / 2))
        p = float(2 * stats.norm.sf(abs(estimate / se)))
    i2, h2, tau2_ci, i2_ci = _heterogeneity(method, y, v, X, tau2, q, q_df, level)
    pi_half = crit * math.sqrt(se**2 + tau2)
    pi_t = (float(stats.t.ppf(0.5 + level / 2, k - 2)) * math.sqrt(se**2 + tau2)
            if k >= 3 else math.nan)
    weights = (1 / (v + tau2)) / np.sum(1 / (v + tau2)) * 100
    return MetaAnalysisResult(
        estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        statistic=estimate / se, statistic_name="t" if use_kh else "z", df=dof, p=p,
        tau2=tau2, tau2_ci_low=tau2_ci[0], tau2_ci_high=tau2_ci[1], i2=i2,
        i2_ci_low=i2_ci[0], i2_ci_high=i2_ci[1], h2=h2, q=q, q_df=q_df,
        q_p=float(stats.chi2.sf(q, q_df)) if q_df > 0 else math.nan,
        pi_low=estimate - pi_half, pi_high=estimate + pi_half,
        pi_t_low=estimate - pi_t, pi_t_high=estimate + pi_t, k=k, method=method,
        requested_method=requested, knapp_hartung=use_kh, measure=measure, level=level,
        weights=weights, notes=notes,
    )


def _heterogeneity(method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float,
                   q: float, q_df: int, level: float):
    """I², H², the Q-profile CI of τ² and the matching CI of I² (as metafor)."""
    nan2 = (math.nan, math.nan)
    if method == "FE":
        if q_df == 0:
            return math.nan, math.nan, nan2, nan2
        i2 = max(0.0, 100 * (q - q_df) / q) if q > 0 else 0.0
        return i2, q / q_df, nan2, nan2
    s2 = _typical_variance(v, X)
    tau2_ci = _tau2_qprofile(y, v, X, level)
    i2_ci = tuple(100 * t / (t + s2) if math.isfinite(t) else math.nan for t in tau2_ci)
    return 100 * tau2 / (tau2 + s2), (tau2 + s2) / s2, tau2_ci, i2_ci


def meta_analysis_from_effects(effects: pd.DataFrame, method: str = "REML",
                               knapp_hartung: bool = False) -> MetaAnalysisResult:
    """:func:`meta_analysis` on the output of :func:`effect_sizes` (measure, level, file
    from its ``attrs``)."""
    return meta_analysis(effects["yi"], effects["vi"], method=method,
                         knapp_hartung=knapp_hartung, measure=effects.attrs.get("measure"),
                         level=effects.attrs.get("level", 0.95),
                         source=str(effects.attrs.get("file", "the effect sizes")))
