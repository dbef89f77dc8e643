"""R's metafor as the oracle for research.evaluation.

``tests/reference/metafor_reference.R`` is run with Rscript in a temporary folder: it reads
the BCG trials from ../shared/data, generates meta-analyses of varied shape with ``set.seed``
(small k, zero and double-zero cells, homogeneous and heterogeneous sets, moderators, nested
clusters) and writes its inputs and metafor's results as long CSV files. Every test here
feeds the same inputs to our code and compares with what R just computed, at a relative
tolerance of 1e-6 (the three-level model: see its test). The committed copies of the two
files must equal the fresh ones, so a reader can look the numbers up without R.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED_DATA, unavailable
from research import evaluation as ev

pytestmark = pytest.mark.oracle

REFERENCE = Path(__file__).resolve().parent / "reference"
SCRIPT = REFERENCE / "metafor_reference.R"
REL = 1e-6
ABS = 1e-10


class Reference:
    """The inputs and results one run of the R script wrote."""

    def __init__(self, folder: Path) -> None:
        data = pd.read_csv(folder / "metafor_reference_data.csv", dtype=str,
                           keep_default_na=False)
        results = pd.read_csv(folder / "metafor_reference.csv", dtype=str,
                              keep_default_na=False)
        self.data = {case: part.pivot(index="row", columns="column", values="value")
                     for case, part in data.groupby("case")}
        self.results = {key: pd.to_numeric(part.sort_values("index")["value"], errors="coerce")
                        .to_numpy(float) for key, part in results.groupby(["case", "quantity"])}
        self.raw = results

    def frame(self, case: str, numeric: bool = True) -> pd.DataFrame:
        df = self.data[case].sort_index().reset_index(drop=True)
        df.columns.name = None
        if numeric:
            for column in df.columns:
                converted = pd.to_numeric(df[column], errors="coerce")
                if converted.notna().all():
                    df[column] = converted
        return df

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        return self.results[key]

    def one(self, case: str, quantity: str) -> float:
        return float(self.results[(case, quantity)][0])

    def cases(self, prefix: str) -> list[str]:
        return sorted({case for case, _ in self.results if case.startswith(prefix)})


@pytest.fixture(scope="module")
def r_reference(rscript: str, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    bcg = SHARED_DATA / "stats" / "dat_bcg.csv"
    if not bcg.is_file():
        unavailable(f"shared reference data not found at {bcg}")
    out = tmp_path_factory.mktemp("metafor")
    run = subprocess.run([rscript, str(SCRIPT), str(bcg), str(out)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "metafor 3.8" in run.stdout, run.stdout
    return Reference(out)


def close(ours: float, theirs: float, rel: float = REL, abs_: float = ABS) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    return ours == pytest.approx(theirs, rel=rel, abs=abs_)


def assert_close(label: str, ours: object, theirs: object, rel: float = REL,
                 abs_: float = ABS) -> None:
    ours_a = np.atleast_1d(np.asarray(ours, dtype=float))
    theirs_a = np.atleast_1d(np.asarray(theirs, dtype=float))
    assert ours_a.shape == theirs_a.shape, f"{label}: shape {ours_a.shape} vs R {theirs_a.shape}"
    for i, (a, b) in enumerate(zip(ours_a, theirs_a)):
        assert close(float(a), float(b), rel, abs_), f"{label}[{i}]: ours {a!r}, R {b!r}"


def test_committed_reference_equals_a_fresh_r_run(r_reference: Reference) -> None:
    committed = Reference(REFERENCE)
    assert set(committed.results) == set(r_reference.results)
    for key, values in r_reference.results.items():
        assert_close(f"{key}", committed[key], values, rel=1e-9, abs_=1e-14)
    assert set(committed.data) == set(r_reference.data)


# ---------------------------------------------------------------------------------------
# escalc


def with_rows(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df.insert(0, "source_row", np.arange(len(df)) + 2)
    df.attrs["file"] = "r.csv"
    return df


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
@pytest.mark.parametrize("drop00", [False, True])
def test_escalc_two_by_two_with_zero_cells(r_reference: Reference, measure: str,
                                           drop00: bool) -> None:
    counts = with_rows(r_reference.frame("counts"))
    out = ev.effect_sizes(counts, measure, drop00=drop00)
    case = f"escalc_{measure}" + ("_drop00" if drop00 else "")
    yi, vi = r_reference[(case, "yi")], r_reference[(case, "vi")]
    kept = np.flatnonzero(~np.isnan(yi))
    assert (out["source_row"].to_numpy() - 2).tolist() == kept.tolist()
    assert [d["source_row"] - 2 for d in out.attrs["dropped"]] == \
        np.flatnonzero(np.isnan(yi)).tolist()
    assert_close(f"{case} yi", out["yi"], yi[kept])
    assert_close(f"{case} vi", out["vi"], vi[kept])


def test_escalc_default_drops_double_zero_only_for_ratios(r_reference: Reference) -> None:
    counts = with_rows(r_reference.frame("counts"))
    assert len(ev.effect_sizes(counts, "RR")) == int(np.sum(~np.isnan(
        r_reference[("escalc_RR_drop00", "yi")])))
    assert len(ev.effect_sizes(counts, "RD")) == len(counts)


@pytest.mark.parametrize(("measure", "case", "r_case"), [
    ("SMD", "means", "escalc_SMD"), ("MD", "means", "escalc_MD"),
    ("PRE_POST", "prepost", "escalc_SMCR"), ("ZCOR", "correlations", "escalc_ZCOR"),
])
def test_escalc_continuous_measures(r_reference: Reference, measure: str, case: str,
                                    r_case: str) -> None:
    out = ev.effect_sizes(with_rows(r_reference.frame(case)), measure)
    assert_close(f"{r_case} yi", out["yi"], r_reference[(r_case, "yi")])
    assert_close(f"{r_case} vi", out["vi"], r_reference[(r_case, "vi")])


def test_escalc_reads_text_cells_like_a_csv_file(r_reference: Reference) -> None:
    text = with_rows(r_reference.frame("means", numeric=False))
    out = ev.effect_sizes(text, "SMD")
    assert_close("SMD from text", out["yi"], r_reference[("escalc_SMD", "yi")])


# ---------------------------------------------------------------------------------------
# rma, confint, predict


META_CASES = ["bcg", "k2", "k3", "k5_homogeneous", "k20_heterogeneous"]


@pytest.mark.parametrize("name", META_CASES)
@pytest.mark.parametrize("method", ["FE", "DL", "REML", "PM"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_rma_confint_predict(r_reference: Reference, name: str, method: str, test: str) -> None:
    d = r_reference.frame(f"meta_{name}")
    res = ev.meta_analysis(d["yi"], d["vi"], method=method, knapp_hartung=test == "knha")
    case = f"rma_{name}_{method}_{test}"
    r = r_reference
    for ours, quantity in ((res.estimate, "b"), (res.se, "se"), (res.statistic, "zval"),
                           (res.p, "pval"), (res.ci_low, "ci.lb"), (res.ci_high, "ci.ub"),
                           (res.tau2, "tau2"), (res.i2, "I2"), (res.h2, "H2"), (res.q, "QE"),
                           (res.q_p, "QEp")):
        assert_close(f"{case} {quantity}", ours, r.one(case, quantity))
    if method == "FE":
        assert math.isnan(r.one(case, "pi.lb"))  # metafor's predict gives no PI for FE
        return
    assert_close(f"{case} pi.lb", res.pi_low, r.one(case, "pi.lb"))
    assert_close(f"{case} pi.ub", res.pi_high, r.one(case, "pi.ub"))
    assert_close(f"{case} tau2.lb", res.tau2_ci_low, r.one(case, "tau2.lb"))
    assert_close(f"{case} I2.lb", res.i2_ci_low, r.one(case, "I2.lb"))
    censor = max(100.0, 10 * r.one(case, "tau2"))
    if r.one(case, "tau2.ub") == censor:
        # metafor stops its search at tau2.max = max(100, 10 τ²) and reports that limit; we
        # report the root of the Q-profile equation itself, which lies beyond it
        from scipy import stats

        assert res.tau2_ci_high > censor
        q = ev.q_generalised(res.tau2_ci_high, d["yi"].to_numpy(), d["vi"].to_numpy(),
                             np.ones((len(d), 1)))
        assert q == pytest.approx(stats.chi2.ppf(0.025, len(d) - 1), rel=1e-9)
        return
    assert_close(f"{case} tau2.ub", res.tau2_ci_high, r.one(case, "tau2.ub"))
    assert_close(f"{case} I2.ub", res.i2_ci_high, r.one(case, "I2.ub"))


def test_higgins_prediction_interval_uses_t_with_k_minus_2(r_reference: Reference) -> None:
    from scipy import stats

    d = r_reference.frame("meta_bcg")
    res = ev.meta_analysis(d["yi"], d["vi"])
    tau2 = r_reference.one("rma_bcg_REML_z", "tau2")
    se = r_reference.one("rma_bcg_REML_z", "se")
    mu = r_reference.one("rma_bcg_REML_z", "b")
    half = stats.t.ppf(0.975, 11) * math.sqrt(se**2 + tau2)
    assert_close("Higgins PI", res.prediction_interval(), (mu - half, mu + half))
    assert_close("metafor PI", res.prediction_interval("metafor"),
                 (r_reference.one("rma_bcg_REML_z", "pi.lb"),
                  r_reference.one("rma_bcg_REML_z", "pi.ub")))


# ---------------------------------------------------------------------------------------
# regtest, leave1out, meta-regression


@pytest.mark.parametrize("name", ["bcg", "k20_heterogeneous"])
@pytest.mark.parametrize("model", ["rma", "lm"])
def test_regtest(r_reference: Reference, name: str, model: str) -> None:
    d = r_reference.frame(f"meta_{name}")
    egger = ev.egger_test(d["yi"], d["vi"], model=model)
    case = f"regtest_{name}_{model}"
    assert_close(f"{case} zval", egger.statistic, r_reference.one(case, "zval"))
    assert_close(f"{case} pval", egger.p, r_reference.one(case, "pval"))
    assert_close(f"{case} est", egger.intercept, r_reference.one(case, "est"))
    if model == "lm":
        assert egger.df == r_reference.one(case, "dfs") == len(d) - 2


@pytest.mark.parametrize("name", ["bcg", "k20_heterogeneous"])
@pytest.mark.parametrize("method", ["REML", "DL"])
def test_leave1out(r_reference: Reference, name: str, method: str) -> None:
    d = r_reference.frame(f"meta_{name}")
    d["study"] = [f"S{i}" for i in range(len(d))]
    loo = ev.leave_one_out(d, method=method)
    case = f"leave1out_{name}_{method}"
    for ours, theirs in (("estimate", "estimate"), ("se", "se"), ("statistic", "zval"),
                         ("p", "pval"), ("ci_low", "ci.lb"), ("ci_high", "ci.ub"),
                         ("q", "Q"), ("q_p", "Qp"), ("tau2", "tau2"), ("i2", "I2"),
                         ("h2", "H2")):
        assert_close(f"{case} {theirs}", loo[ours], r_reference[(case, theirs)])


REGRESSIONS = {
    "bcg_ablat_REML_z": ("meta_bcg", "ablat", "REML", False),
    "bcg_ablat_REML_knha": ("meta_bcg", "ablat", "REML", True),
    "bcg_ablat_DL_z": ("meta_bcg", "ablat", "DL", False),
    "bcg_alloc_REML_z": ("meta_bcg", "alloc", "REML", False),
    "k20_x_REML_z": ("meta_k20_heterogeneous", "x", "REML", False),
    "k20_x_PM_knha": ("meta_k20_heterogeneous", "x", "PM", True),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_meta_regression(r_reference: Reference, name: str) -> None:
    data, moderator, method, knha = REGRESSIONS[name]
    d = r_reference.frame(data)
    reg = ev.meta_regression(d["yi"], d["vi"], d[moderator], name=moderator, method=method,
                             knapp_hartung=knha)
    case = f"metareg_{name}"
    coef = reg.coefficients
    for ours, theirs in (("estimate", "b"), ("se", "se"), ("statistic", "zval"), ("p", "pval")):
        assert_close(f"{case} {theirs}", coef[ours], r_reference[(case, theirs)])
    for ours, theirs in ((reg.qm, "QM"), (reg.qm_p, "QMp"), (reg.qe, "QE"), (reg.qe_p, "QEp"),
                         (reg.tau2, "tau2"), (reg.r2, "R2")):
        assert_close(f"{case} {theirs}", ours, r_reference.one(case, theirs))


def test_bcg_ablat_is_what_metafor_prints(r_reference: Reference) -> None:
    # the values README/ARCHITECTURE quote: QM(df = 1) = 16.3571, τ² = 0.0764
    assert round(r_reference.one("metareg_bcg_ablat_REML_z", "QM"), 4) == 16.3571
    assert round(r_reference.one("metareg_bcg_ablat_REML_z", "tau2"), 4) == 0.0764


# ---------------------------------------------------------------------------------------
# three-level model (rma.mv)


@pytest.mark.parametrize("name", ["konstantopoulos2011", "generated", "small", "repeated"])
def test_three_level_model_matches_rma_mv(r_reference: Reference, name: str) -> None:
    d = r_reference.frame(f"mv_{name}", numeric=False)
    d["yi"], d["vi"] = pd.to_numeric(d["yi"]), pd.to_numeric(d["vi"])
    res = ev.three_level_meta_analysis(d, cluster="cluster")
    case = f"rma.mv_{name}"
    r = r_reference
    # rma.mv maximises the likelihood numerically (nlminb, default tolerances): on these data
    # the variance components agree to 2e-6 relative or better, the fixed effect to 1e-7;
    # the tolerance leaves room for R's optimiser, the log-likelihood is checked tightly
    assert_close(f"{case} sigma2", (res.sigma2_cluster, res.sigma2_evaluation),
                 r[(case, "sigma2")], rel=2e-5, abs_=1e-7)
    for ours, quantity in ((res.estimate, "b"), (res.se, "se"), (res.z, "zval"),
                           (res.p, "pval"), (res.ci_low, "ci.lb"), (res.ci_high, "ci.ub"),
                           (res.pi_low, "pi.lb"), (res.pi_high, "pi.ub")):
        assert_close(f"{case} {quantity}", ours, r.one(case, quantity), rel=1e-5, abs_=1e-8)
    assert_close(f"{case} QE", res.q, r.one(case, "QE"))
    assert_close(f"{case} QEp", res.q_p, r.one(case, "QEp"))
    assert_close(f"{case} logLik", res.log_likelihood, r.one(case, "logLik"), rel=1e-8)
    assert_close(f"{case} I2", (res.i2_cluster, res.i2_evaluation), r[(case, "I2")], rel=2e-5,
                 abs_=1e-6)
    assert res.converged
    assert res.k == len(d) and res.n_clusters == d["cluster"].nunique()
    frame = res.to_frame()
    assert frame.loc[0, "sigma2_cluster"] == res.sigma2_cluster
