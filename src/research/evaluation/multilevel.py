"""A three-level meta-analysis: evaluations nested in Kunskapshus (metafor ``rma.mv``).

The model of ``rma.mv(yi, vi, random = ~ 1 | kunskapshus/evaluation, method = "REML")``:

    y_ij = μ + u_i + w_ij + e_ij,   u_i ~ N(0, σ²₁), w_ij ~ N(0, σ²₂), e_ij ~ N(0, v_ij),

with i the cluster (a Kunskapshus) and j an evaluation in it. σ²₁ is the variation between
clusters, σ²₂ between evaluations within a cluster. An evaluation may report several effect
sizes (rows with the same evaluation label in one cluster): they share its w_ij, as in
rma.mv. The marginal covariance is block diagonal by cluster, and every quantity the
restricted likelihood needs has a closed form per evaluation and per cluster (two
Sherman–Morrison steps), so the cost
is linear in the number of evaluations. The two variances are found by maximising the REML
log-likelihood with its analytic gradient (L-BFGS-B, bounded at 0); μ̂ is the GLS estimate
with a z-based test and interval, as rma.mv's default ``test = "z"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import InputDataError, ParameterError, SchemaError
from .effects import check_level, check_measure, transform_for

__all__ = ["ThreeLevelResult", "three_level_meta_analysis"]


@dataclass
class ThreeLevelResult:
    """The fit of :func:`three_level_meta_analysis` (analysis scale; ``effect*`` on the
    reader's scale). ``sigma2_cluster`` and ``sigma2_evaluation`` are metafor's
    ``sigma2[1]`` and ``sigma2[2]``; ``i2_cluster``/``i2_evaluation`` the share of total
    variance at each level (%), with the typical within-study variance of metafor's FAQ;
    ``pi_low``/``pi_high`` the prediction interval for a new evaluation in a new cluster,
    μ̂ ± z·√(SE² + σ²₁ + σ²₂), as metafor's ``predict``."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float
    sigma2_cluster: float
    sigma2_evaluation: float
    i2_cluster: float
    i2_evaluation: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    k: int
    n_evaluations: int
    n_clusters: int
    cluster: str
    method: str
    measure: str | None
    level: float
    log_likelihood: float
    converged: bool

    def _back(self, value: float) -> float:
        return float(transform_for(self.measure)(value)) if self.measure else value

    @property
    def effect(self) -> float:
        """μ̂ on the reader's scale."""
        return self._back(self.estimate)

    @property
    def effect_ci(self) -> tuple[float, float]:
        """The confidence interval on the reader's scale."""
        return self._back(self.ci_low), self._back(self.ci_high)

    @property
    def effect_pi(self) -> tuple[float, float]:
        """The prediction interval on the reader's scale."""
        return self._back(self.pi_low), self._back(self.pi_high)

    def to_frame(self) -> pd.DataFrame:
        """One row with every statistic (English column names)."""
        names = ("k", "n_evaluations", "n_clusters", "cluster", "method", "estimate", "se", "ci_low", "ci_high",
                 "z", "p", "sigma2_cluster", "sigma2_evaluation", "i2_cluster",
                 "i2_evaluation", "q", "q_df", "q_p", "pi_low", "pi_high", "level",
                 "log_likelihood", "converged")
        row = {name: getattr(self, name) for name in names}
        row["measure"] = self.measure or ""
        row["effect"] = self.effect
        row["effect_ci_low"], row["effect_ci_high"] = self.effect_ci
        row["effect_pi_low"], row["effect_pi_high"] = self.effect_pi
        return pd.DataFrame([row])


class _Blocks:
    """Sums per evaluation and per cluster for the nested marginal covariance.

    V = diag(v) + σ²₂ Z₂Z₂' + σ²₁ Z₁Z₁' (Z₂: evaluations, Z₁: clusters) is inverted by two
    Sherman–Morrison steps, first within each evaluation, then within each cluster, so
    nothing larger than a vector is formed.
    """

    def __init__(self, y: np.ndarray, v: np.ndarray, clusters: np.ndarray,
                 evaluations: np.ndarray) -> None:
        self.y, self.v, self.evaluations = y, v, evaluations
        self.n_evaluations = int(evaluations.max()) + 1
        # the cluster of each evaluation
        self.cluster_of = np.zeros(self.n_evaluations, dtype=int)
        self.cluster_of[evaluations] = clusters
        self.n_clusters = int(clusters.max()) + 1
        self.big_s = self._per_evaluation(1 / v)            # S_e = Σ 1/v
        self.big_y = self._per_evaluation(y / v)            # Y_e = Σ y/v

    def _per_evaluation(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.evaluations, weights=values, minlength=self.n_evaluations)

    def _per_cluster(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.cluster_of, weights=values, minlength=self.n_clusters)

    def fit(self, s1: float, s2: float) -> dict[str, float | np.ndarray]:
        """GLS estimate, REML objective (−2 log L without constants) and its gradient."""
        scale_e = 1 + s2 * self.big_s
        s_e = self.big_s / scale_e                            # 1_e'A⁻¹1_e
        a = self._per_cluster(s_e)                            # 1'A_i⁻¹1
        scale_c = 1 + s1 * a
        info = float(np.sum(a / scale_c))                     # 1'V⁻¹1
        b_y = self._per_cluster(self.big_y / scale_e)         # 1'A_i⁻¹y
        beta = float(np.sum(b_y / scale_c)) / info
        r = self.y - beta
        big_r = self._per_evaluation(r / self.v)              # R_e = Σ r/v
        b_r = self._per_cluster(big_r / scale_e)              # 1'A_i⁻¹r
        d = s1 / scale_c
        r_a_r = float(np.sum(r * r / self.v) - np.sum(s2 / scale_e * big_r**2))
        quad = r_a_r - float(np.sum(d * b_r**2))
        logdet = float(np.sum(np.log(self.v)) + np.sum(np.log(scale_e)) + np.sum(np.log(scale_c)))
        z1py = b_r / scale_c                                   # Z₁'V⁻¹r
        z2py = big_r / scale_e - (d * b_r)[self.cluster_of] * s_e      # Z₂'V⁻¹r
        v1_c = a / scale_c                                     # 1_i'V⁻¹1
        v1_e = s_e / scale_c[self.cluster_of]                  # 1_e'V⁻¹1
        trace_1 = float(np.sum(v1_c) - np.sum(v1_c**2) / info)
        e_v_e = s_e - d[self.cluster_of] * s_e**2              # 1_e'V⁻¹1_e
        trace_2 = float(np.sum(e_v_e) - np.sum(v1_e**2) / info)
        gradient = np.array([trace_1 - float(np.sum(z1py**2)), trace_2 - float(np.sum(z2py**2))])
        return {"beta": beta, "info": info, "objective": logdet + math.log(info) + quad,
                "gradient": gradient}


def _prepare(effects: pd.DataFrame, cluster: str, evaluation: str | None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    file = effects.attrs.get("file", "the effect sizes")
    for column in ("yi", "vi", cluster):
        if column not in effects.columns:
            raise SchemaError(f"Column '{column}' is not in {file}.",
                              hint=f"columns present: {', '.join(map(str, effects.columns))}",
                              column=column, parameter="cluster" if column == cluster else None)
    labels = effects[cluster].astype(str).str.strip()
    if effects[cluster].isna().any() or (labels == "").any():
        raise InputDataError(f"Cluster column '{cluster}' is empty for some rows of {file}.",
                             hint="say for every evaluation which Kunskapshus it belongs to",
                             column=cluster)
    y = pd.to_numeric(effects["yi"], errors="coerce").to_numpy(float)
    v = pd.to_numeric(effects["vi"], errors="coerce").to_numpy(float)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise InputDataError(f"Every row of {file} needs a finite yi and a positive vi.",
                             hint="compute them with effect_sizes(), which drops and reports "
                             "studies without them")
    codes, uniques = pd.factorize(labels, sort=True)
    if len(uniques) < 2:
        raise InputDataError(f"A three-level model needs evaluations from at least two "
                             f"{cluster} values; {file} has {len(uniques)}.",
                             hint="use meta_analysis() for one Kunskapshus", column=cluster)
    if len(y) < 3:
        raise InputDataError(f"A three-level model needs at least three effect sizes; {file} "
                             f"has {len(y)}.", hint="use meta_analysis() instead")
    if evaluation and evaluation in effects.columns:
        inner = pd.Series(list(zip(labels, effects[evaluation].astype(str).str.strip())))
        evaluations = pd.factorize(inner, sort=True)[0].astype(int)
    else:
        evaluations = np.arange(len(y))
    return y, v, codes.astype(int), evaluations, len(uniques)


def _single_measure(effects: pd.DataFrame) -> str | None:
    if "measure" not in effects.columns:
        return None
    values = {str(v).strip() for v in effects["measure"].dropna()} - {""}
    if len(values) > 1:
        raise InputDataError(f"The effect sizes mix measures ({', '.join(sorted(values))}).",
                             hint="pool one measure at a time", column="measure")
    return values.pop() if values else None


def _maximise(blocks: _Blocks, start: np.ndarray) -> tuple[np.ndarray, bool]:
    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        fit = blocks.fit(float(theta[0]), float(theta[1]))
        return float(fit["objective"]), np.asarray(fit["gradient"])

    best = None
    for first in (start, start * 0.1 + 1e-4, np.array([start.sum(), 1e-8])):
        res = optimize.minimize(objective, first, jac=True, method="L-BFGS-B",
                                bounds=[(0.0, None), (0.0, None)],
                                options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 2000})
        if best is None or res.fun < best.fun:
            best = res
    theta = np.maximum(best.x, 0.0)
    gradient = np.asarray(blocks.fit(float(theta[0]), float(theta[1]))["gradient"])
    # converged: the projected gradient vanishes (L-BFGS-B may stop on its line search
    # at the optimum with tolerances this tight, and report failure)
    projected = np.where(theta > 0, np.abs(gradient), np.maximum(-gradient, 0.0))
    return theta, bool(best.success or np.all(projected < 1e-5))


def three_level_meta_analysis(effects: pd.DataFrame, cluster: str = "kunskapshus",
                              method: str = "REML", *, evaluation: str | None = None,
                              level: float = 0.95, measure: str | None = None
                              ) -> ThreeLevelResult:
    """Pool effect sizes with evaluations nested in clusters (a three-level model).

    Parameters
    ----------
    effects
        One row per effect size with ``yi``, ``vi`` and the ``cluster`` column (as from
        :func:`research.evaluation.effect_sizes`, with the Kunskapshus added).
    cluster
        The column naming each evaluation's Kunskapshus (the outer level).
    method
        ``"REML"`` (the only estimator; metafor's rma.mv default).
    evaluation
        A column identifying evaluations within a cluster; rows sharing a label are effect
        sizes of one evaluation (default: ``evaluation`` or ``study``, whichever exists;
        without one, every row is its own evaluation).
    level
        Confidence level as a fraction.
    measure
        For back-transformation; defaults to ``effects.attrs["measure"]``, or to the single
        value of a ``measure`` column.

    Returns
    -------
    ThreeLevelResult
        Estimate, SE, z, p, CI, σ² for both levels, I² per level, Cochran's Q.
    """
    if str(method).strip().upper() != "REML":
        raise ParameterError(f"Unknown method '{method}' for the three-level model.",
                             hint="use 'REML'", parameter="method")
    level = check_level(level)
    measure = measure or effects.attrs.get("measure") or _single_measure(effects)
    measure = check_measure(measure) if measure else None
    if evaluation is None:
        evaluation = next((c for c in ("evaluation", "study") if c in effects.columns), None)
    y, v, groups, evaluations, n_clusters = _prepare(effects, cluster, evaluation)
    blocks = _Blocks(y, v, groups, evaluations)
    k = len(y)
    w = 1 / v
    q = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
    start = np.full(2, max(0.01, (q - (k - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w))) / 2)
    theta, converged = _maximise(blocks, start)
    fit = blocks.fit(float(theta[0]), float(theta[1]))
    estimate, se = float(fit["beta"]), 1 / math.sqrt(float(fit["info"]))
    crit = float(stats.norm.ppf(0.5 + level / 2))
    typical = (k - 1) / (np.sum(w) - np.sum(w**2) / np.sum(w))
    total = float(theta.sum()) + typical
    pi_half = crit * math.sqrt(se**2 + float(theta.sum()))
    return ThreeLevelResult(
        estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        z=estimate / se, p=float(2 * stats.norm.sf(abs(estimate / se))),
        sigma2_cluster=float(theta[0]), sigma2_evaluation=float(theta[1]),
        i2_cluster=100 * float(theta[0]) / total, i2_evaluation=100 * float(theta[1]) / total,
        q=q, q_df=k - 1, q_p=float(stats.chi2.sf(q, k - 1)), pi_low=estimate - pi_half,
        pi_high=estimate + pi_half, k=k, n_evaluations=int(evaluations.max()) + 1,
        n_clusters=n_clusters,
        cluster=cluster, method="REML", measure=measure, level=level,
        # metafor's REML log-likelihood includes ½ log|X'X| (REMLf = TRUE); X'X = k here
        log_likelihood=-0.5 * (float(fit["objective"]) + (k - 1) * math.log(2 * math.pi))
        + 0.5 * math.log(k),
        converged=converged,
    )
