"""R as the oracle: research.survey against R's survey and psych packages.

R computes every reference number while the test runs (``tests/reference/survey_oracle.R``
and ``tests/reference/psych_oracle.R``), on the public apistrat data and on generated
designs of varied shape: strata, one-stage clusters, two- and three-stage designs, fpc as
population sizes and as sampling fractions, fpc without a weight column (R derives the
weights), missing values, domains, lonely PSUs, zero cells. Without Rscript or the shared
data these tests skip locally and fail in CI (see ``tests/conftest.py``).
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED_DATA, unavailable
from research import survey

pytestmark = pytest.mark.oracle

REFERENCE = Path(__file__).resolve().parent / "reference"
RTOL = 1e-6


# ---------------------------------------------------------------------------------------
# designs: (case, ids, strata, weights, fpc, lonely) as R formula text


def _outcomes(rng: np.random.Generator, n: int, unit_effect: np.ndarray) -> dict:
    y = 50 + 8 * unit_effect + rng.normal(0, 10, n)
    y[rng.random(n) < 0.08] = np.nan
    event = (rng.random(n) < 0.25 + 0.1 * (unit_effect > 0)).astype(float)
    event[rng.random(n) < 0.05] = np.nan
    a = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]).astype(object)
    a[rng.random(n) < 0.05] = None
    b = np.where(rng.random(n) < 0.4 + 0.15 * (unit_effect > 0), "ja", "nej")
    o = np.clip(np.rint(3 + unit_effect + rng.normal(0, 1.2, n)), 1, 5)
    g = rng.choice(["g1", "g2", "g3"], n)
    return {"y": y, "event": event, "a": a, "b": b, "o": o, "g": g}


def stratified(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes, populations = [8, 15, 30, 47], [40, 300, 90, 1000]
    s = np.repeat(np.arange(4), sizes)
    frame = pd.DataFrame({"s": s, "N": np.array(populations)[s]})
    frame["w"] = frame["N"] / np.array(sizes)[s] * rng.uniform(0.8, 1.25, len(s))
    frame["f"] = np.array(sizes)[s] / frame["N"]
    return frame.assign(**_outcomes(rng, len(s), rng.normal(0, 1, 4)[s]))


def one_stage_clusters(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for stratum, (n_psu, n_pop) in enumerate([(4, 10), (5, 12), (6, 30)]):
        for psu in range(n_psu):
            for _ in range(rng.integers(2, 9)):
                rows.append({"s": stratum, "psu": f"k{stratum}{psu}", "f": n_psu / n_pop,
                             "w": n_pop / n_psu * 3.0})
    frame = pd.DataFrame(rows)
    effect = pd.Series(rng.normal(0, 1, frame["psu"].nunique()), frame["psu"].unique())
    return frame.assign(**_outcomes(rng, len(frame), effect[frame["psu"]].to_numpy()))


def two_stage(seed: int, *, strata: bool = False) -> pd.DataFrame:
    """PSUs (förvaltningar) → SSUs (enheter) → respondents; one PSU fully enumerates a
    single unit (a certainty unit at stage 2)."""
    rng = np.random.default_rng(seed)
    rows = []
    for psu in range(9):
        stratum = psu % 2 if strata else 0
        n_ssu = 1 if psu == 0 else int(rng.integers(2, 5))
        n_pop = 1 if psu == 0 else n_ssu + int(rng.integers(0, 6))
        for ssu in range(n_ssu):
            for _ in range(rng.integers(1, 6)):
                rows.append({"s": stratum, "psu": psu, "ssu": ssu, "N1": 20 + 10 * stratum,
                             "N2": n_pop, "f1": (5 if strata else 9) / (20 + 10 * stratum),
                             "f2": n_ssu / n_pop})
    frame = pd.DataFrame(rows)
    effect = rng.normal(0, 1, 9)[frame["psu"]] + rng.normal(0, 0.5, len(frame))
    return frame.assign(**_outcomes(rng, len(frame), effect))


def three_stage(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for psu in range(6):
        for ssu in range(int(rng.integers(2, 4))):
            n_tsu = int(rng.integers(2, 4))
            for tsu in range(n_tsu):
                for _ in range(rng.integers(1, 4)):
                    rows.append({"psu": psu, "ssu": ssu, "tsu": tsu, "N1": 15, "N2": 6,
                                 "N3": n_tsu + 2})
    frame = pd.DataFrame(rows)
    effect = rng.normal(0, 1, 6)[frame["psu"]]
    return frame.assign(**_outcomes(rng, len(frame), effect))


def lonely(seed: int) -> pd.DataFrame:
    """Stratum 2 holds one PSU (not a census)."""
    frame = one_stage_clusters(seed)
    keep = (frame["s"] != 2) | (frame["psu"] == "k20")
    return frame[keep].reset_index(drop=True)


def extremes(seed: int) -> pd.DataFrame:
    """0 % and 100 % in two domains (exact intervals) and an empty cell in the a × b table."""
    frame = stratified(seed)
    frame.loc[frame["g"] == "g3", "event"] = 0.0
    frame.loc[frame["g"] == "g2", "event"] = 1.0
    frame.loc[frame["a"] == "z", "b"] = "nej"
    return frame


def apistrat(shared: Path) -> pd.DataFrame:
    api = pd.read_csv(shared / "stats" / "apistrat.csv")
    return api.assign(y=api["api00"], event=(api["awards"] == "Yes").astype(float),
                      a=api["stype"], b=api["sch.wide"], o=api["growth"], g=api["stype"])


def _cases(shared: Path) -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    def spec(ids="~1", strata="", weights="", fpc="", lonely_rule="fail"):
        return {"ids": ids, "strata": strata, "weights": weights, "fpc": fpc,
                "lonely": lonely_rule}

    api = apistrat(shared)
    return {
        "api_weights": (api, spec(strata="~stype", weights="~pw", fpc="~fpc")),
        "api_fpc_only": (api, spec(strata="~stype", fpc="~fpc")),
        "api_no_fpc": (api, spec(strata="~stype", weights="~pw")),
        "strata_counts": (stratified(1), spec(strata="~s", weights="~w", fpc="~N")),
        "strata_fractions": (stratified(2), spec(strata="~s", weights="~w", fpc="~f")),
        "strata_fpc_only": (stratified(3), spec(strata="~s", fpc="~N")),
        "srs": (stratified(4), spec()),
        "extremes": (extremes(13), spec(strata="~s", weights="~w", fpc="~N")),
        "clusters": (one_stage_clusters(5), spec(ids="~psu", strata="~s", weights="~w",
                                                 fpc="~f")),
        "clusters_no_fpc": (one_stage_clusters(6), spec(ids="~psu", strata="~s",
                                                        weights="~w")),
        "two_stage_counts": (two_stage(7), spec(ids="~psu+ssu", fpc="~N1+N2")),
        "two_stage_fractions": (two_stage(8), spec(ids="~psu+ssu", fpc="~f1+f2")),
        "two_stage_strata": (two_stage(9, strata=True), spec(ids="~psu+ssu", strata="~s",
                                                             fpc="~N1+N2")),
        "two_stage_no_fpc": (two_stage(10), spec(ids="~psu+ssu")),
        "three_stage": (three_stage(11), spec(ids="~psu+ssu+tsu", fpc="~N1+N2+N3")),
        "lonely_certainty": (lonely(12), spec(ids="~psu", strata="~s", fpc="~f",
                                              lonely_rule="certainty")),
        "lonely_adjust": (lonely(12), spec(ids="~psu", strata="~s", fpc="~f",
                                           lonely_rule="adjust")),
        "lonely_remove": (lonely(12), spec(ids="~psu", strata="~s", weights="~w",
                                           lonely_rule="remove")),
    }


def _terms(text: str) -> list[str]:
    return [t.strip() for t in text.lstrip("~").split("+") if t.strip() and t.strip() != "1"]


def _design(data: pd.DataFrame, spec: dict[str, str]) -> survey.SurveyDesign:
    ids, strata, fpc = _terms(spec["ids"]), _terms(spec["strata"]), _terms(spec["fpc"])
    return survey.SurveyDesign(data, weights=(_terms(spec["weights"]) or [None])[0],
                               strata=strata or None, clusters=ids or None, fpc=fpc or None,
                               lonely_psu=spec["lonely"])


def _shared() -> Path:
    if not SHARED_DATA.is_dir():
        unavailable(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="module")
def oracle(tmp_path_factory, rscript):
    shared_data = _shared()
    folder = tmp_path_factory.mktemp("survey_oracle")
    cases = _cases(shared_data)
    rows = []
    for name, (data, spec) in cases.items():
        data.to_csv(folder / f"{name}.csv", index=False)
        rows.append({"case": name, **spec})
    pd.DataFrame(rows).to_csv(folder / "cases.csv", index=False)
    run = subprocess.run([rscript, str(REFERENCE / "survey_oracle.R"), str(folder)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    results = pd.read_csv(folder / "results.csv", keep_default_na=False)
    reference = {(r.case, r.key): float(r.value) for r in results.itertuples()}
    return cases, reference


CASES = ["api_weights", "api_fpc_only", "api_no_fpc", "strata_counts", "strata_fractions",
         "strata_fpc_only", "srs", "extremes", "clusters", "clusters_no_fpc", "two_stage_counts",
         "two_stage_fractions", "two_stage_strata", "two_stage_no_fpc", "three_stage",
         "lonely_certainty", "lonely_adjust", "lonely_remove"]


def check(ours: float, theirs: float, what: str, rel: float = RTOL, abs: float = 1e-12
          ) -> None:
    if math.isnan(theirs):
        assert math.isnan(ours), f"{what}: R gives NaN, we give {ours}"
        return
    assert ours == pytest.approx(theirs, rel=rel, abs=abs), f"{what}: ours {ours}, R {theirs}"


@pytest.mark.parametrize("case", CASES)
def test_means_totals_and_domains_match_r(oracle, case):
    cases, r = oracle
    data, spec = cases[case]
    design = _design(data, spec)
    check(design.weights_.sum(), r[case, "weight_sum"], "sum of weights")
    check(design.degf_, r[case, "degf"], "degrees of freedom")
    mean = design.mean("y").iloc[0]
    check(mean["estimate"], r[case, "mean"], "svymean")
    check(mean["se"], r[case, "mean_se"], "svymean SE")
    total = design.total("y").iloc[0]
    check(total["estimate"], r[case, "total"], "svytotal")
    check(total["se"], r[case, "total_se"], "svytotal SE")
    for _, row in design.mean("y", by="g").iterrows():
        check(row["estimate"], r[case, f"by_mean_{row['g']}"], f"svyby mean {row['g']}")
        check(row["se"], r[case, f"by_mean_se_{row['g']}"], f"svyby SE {row['g']}")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", ["logit", "beta"])
def test_proportion_intervals_match_svyciprop(oracle, case, method):
    cases, r = oracle
    data, spec = cases[case]
    design = _design(data, spec)
    overall = design.proportion("event", levels=[1.0], method=method).iloc[0]
    check(overall["estimate"], r[case, f"prop_{method}"], "svyciprop", abs=1e-9)
    check(overall["ci_low"], r[case, f"prop_{method}_low"], "svyciprop lower")
    check(overall["ci_high"], r[case, f"prop_{method}_high"], "svyciprop upper")
    for _, row in design.proportion("event", by="g", levels=[1.0], method=method).iterrows():
        key = f"by_prop_{method}_{row['g']}"
        # at 0 % svyciprop(method="logit") reports expit(glm coefficient) ≈ 1e-11
        check(row["estimate"], r[case, key], key, abs=1e-9)
        check(row["ci_low"], r[case, f"{key}_low"], f"{key} lower")
        check(row["ci_high"], r[case, f"{key}_high"], f"{key} upper")


@pytest.mark.parametrize("case", CASES)
def test_svychisq_f_chisq_and_adjusted_wald_match_r(oracle, case):
    cases, r = oracle
    data, spec = cases[case]
    result = _design(data, spec).crosstab("a", "b")
    check(result.statistic, r[case, "chisq_F"], "Rao-Scott F")
    check(result.ndf, r[case, "chisq_F_ndf"], "F ndf")
    check(result.ddf, r[case, "chisq_F_ddf"], "F ddf")
    check(result.p_value, r[case, "chisq_F_p"], "F p")
    check(result.pearson, r[case, "chisq_Chisq"], "Pearson X-squared")
    check(result.p_first_order, r[case, "chisq_Chisq_p"], "first-order p")
    check(result.wald, r[case, "chisq_adjWald"], "adjusted Wald F")
    check(result.wald_ndf, r[case, "chisq_adjWald_ndf"], "adjWald ndf")
    check(result.wald_ddf, r[case, "chisq_adjWald_ddf"], "adjWald ddf")
    check(result.wald_p_value, r[case, "chisq_adjWald_p"], "adjWald p")


@pytest.mark.parametrize("case", CASES)
def test_svyranktest_matches_r(oracle, case):
    cases, r = oracle
    data, spec = cases[case]
    design = _design(data, spec)
    two = design.rank_test("o", "b")
    check(two.statistic, r[case, "rank2_t"], "Wilcoxon t")
    check(two.ddf, r[case, "rank2_df"], "Wilcoxon df")
    check(two.p_value, r[case, "rank2_p"], "Wilcoxon p")
    check(two.estimate, r[case, "rank2_estimate"], "difference in mean rank score")
    three = design.rank_test("o", "g")
    check(three.statistic * three.ndf, r[case, "rank3_chisq"], "Kruskal-Wallis chi-square")
    check(three.ndf, r[case, "rank3_ndf"], "Kruskal-Wallis ndf")
    check(three.ddf, r[case, "rank3_ddf"], "Kruskal-Wallis ddf")
    check(three.p_value, r[case, "rank3_p"], "Kruskal-Wallis p")


def test_fpc_without_weights_is_r_s_apistrat_result(oracle):
    """The issue's figures: svydesign(id=~1, strata=~stype, fpc=~fpc, data=apistrat)."""
    cases, r = oracle
    mean = _design(*cases["api_fpc_only"]).mean("y").iloc[0]
    assert round(mean["estimate"], 2) == 662.29 and round(mean["se"], 4) == 9.4089
    check(mean["estimate"], r["api_fpc_only", "mean"], "apistrat mean")


# ---------------------------------------------------------------------------------------
# psych::alpha


def items_with_missing(seed: int, n: int = 60, k: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(0, 1, (n, 1))
    scores = np.clip(np.rint(3 + latent + rng.normal(0, 1, (n, k))), 1, 5)
    scores[rng.random((n, k)) < 0.12] = np.nan
    scores[:, -1] = 6 - scores[:, -1]  # one item reversed in the data: α still as psych
    return pd.DataFrame(scores, columns=[f"q{i + 1}" for i in range(k)])


@pytest.fixture(scope="module")
def psych_oracle(tmp_path_factory, rscript):
    shared_data = _shared()
    folder = tmp_path_factory.mktemp("psych_oracle")
    long = pd.read_csv(shared_data / "stats" / "pingouin_cronbach_alpha.csv")
    frames = {"pingouin": long.pivot(index="Subj", columns="Items", values="Scores"),
              "generated": items_with_missing(1), "generated_small": items_with_missing(2, 15, 4)}
    for name, frame in frames.items():
        frame.to_csv(folder / f"items_{name}.csv", index=False)
    run = subprocess.run([rscript, str(REFERENCE / "psych_oracle.R"), str(folder),
                          *frames], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    frames["bfi"] = pd.read_csv(folder / "items_bfi.csv")  # written by R from psych::bfi
    results = pd.read_csv(folder / "results.csv", keep_default_na=False)
    return frames, {(r.case, r.key): float(r.value) for r in results.itertuples()}


@pytest.mark.parametrize("case", ["pingouin", "generated", "generated_small", "bfi"])
def test_cronbach_alpha_matches_psych(psych_oracle, case):
    frames, r = psych_oracle
    items = frames[case]
    result = survey.cronbach_alpha(items)  # pairwise by default, as psych
    check(result.alpha, r[case, "raw_alpha"], "raw alpha")
    check(result.std_alpha, r[case, "std_alpha"], "standardised alpha")
    for item in items.columns:
        check(result.if_deleted[item], r[case, f"drop_raw_{item}"], f"raw alpha without {item}")
        check(result.std_if_deleted[item], r[case, f"drop_std_{item}"],
              f"standardised alpha without {item}")


def test_listwise_alpha_is_psych_on_complete_rows(psych_oracle):
    frames, r = psych_oracle
    result = survey.cronbach_alpha(frames["generated"], nan_policy="listwise")
    check(result.alpha, r["generated", "listwise_raw_alpha"], "listwise raw alpha")
    assert result.n == int(r["generated", "complete_rows"])
