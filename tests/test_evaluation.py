"""Tests for research.evaluation: effect sizes, meta-analysis, robustness, figures, grading."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research import evaluation as ev
from research.report.formatting import format_number
from research.errors import ConfigError, InputDataError, ParameterError, SchemaError
from research.report import get_alt, table_html

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample" / "metod" / "utvarderingar.csv"
LOCAL = PROJECT_ROOT / "data" / "sample" / "metod" / "dialogserie_sjoviken.csv"
REGISTER = PROJECT_ROOT / "data" / "sample" / "metoder.yaml"
NOTEBOOK = PROJECT_ROOT / "notebooks" / "metodutvardering.ipynb"
BCG_COLUMNS = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}


def frame(rows: list[dict], file: str = "test.csv") -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "source_row", np.arange(len(df)) + 2)
    df.attrs["file"] = file
    return df


@pytest.fixture
def bcg(shared_data: Path) -> pd.DataFrame:
    data = ev.read_evaluations(shared_data / "stats" / "dat_bcg.csv")
    return ev.effect_sizes(data, "RR", columns=BCG_COLUMNS, study="author")


# ---------------------------------------------------------------------------------------
# metafor reference values (../shared/data/README.md)


def test_bcg_reml_matches_metafor(bcg: pd.DataFrame) -> None:
    res = ev.meta_analysis(bcg["yi"], bcg["vi"], method="REML", measure="RR")
    assert res.k == 13
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.se == pytest.approx(0.1798, abs=5e-5)
    assert res.ci_low == pytest.approx(-1.0669, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.3622, abs=5e-5)
    assert res.tau2 == pytest.approx(0.313243325980895, abs=5e-5)
    assert res.i2 == pytest.approx(92.22, abs=5e-3)
    assert res.h2 == pytest.approx(12.86, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-5)
    assert res.q_df == 12
    low, high = res.effect_pi_metafor
    assert low == pytest.approx(0.1546, abs=5e-5)
    assert high == pytest.approx(1.5490, abs=5e-5)
    assert res.statistic_name == "z"


def test_bcg_dl_and_fixed_effect_match_metafor(bcg: pd.DataFrame) -> None:
    dl = ev.meta_analysis(bcg["yi"], bcg["vi"], method="DL")
    assert dl.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert dl.ci_low == pytest.approx(-1.0644, abs=5e-5)
    assert dl.ci_high == pytest.approx(-0.3638, abs=5e-5)
    assert dl.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert dl.i2 == pytest.approx(92.1173, abs=5e-5)
    assert dl.h2 == pytest.approx(12.6861, abs=5e-5)
    fe = ev.meta_analysis(bcg["yi"], bcg["vi"], method="FE")
    assert fe.estimate == pytest.approx(-0.4303, abs=5e-5)
    assert fe.ci_low == pytest.approx(-0.5097, abs=5e-5)
    assert fe.ci_high == pytest.approx(-0.3509, abs=5e-5)
    assert fe.tau2 == 0.0
    # fixed effect: I² and H² from Q, as metafor does
    assert fe.i2 == pytest.approx(100 * (fe.q - 12) / fe.q)
    assert fe.h2 == pytest.approx(fe.q / 12)


def metafor(case: str, quantity: str, index: int = 1) -> float:
    """A value from tests/reference/metafor_reference.csv, written by the checked-in
    tests/reference/metafor_reference.R (re-run and compared in test_evaluation_oracle.py)."""
    table = pd.read_csv(PROJECT_ROOT / "tests" / "reference" / "metafor_reference.csv")
    row = table[(table["case"] == case) & (table["quantity"] == quantity)]
    return float(row.loc[row["index"] == index, "value"].iloc[0])


def test_bcg_tau2_qprofile_ci_and_i2_ci(bcg: pd.DataFrame) -> None:
    # metafor confint(rma(yi, vi, data=dat.bcg)) prints τ² 0.3132 [0.1197, 1.1115]
    res = ev.meta_analysis(bcg["yi"], bcg["vi"])
    for ours, quantity in ((res.tau2_ci_low, "tau2.lb"), (res.tau2_ci_high, "tau2.ub"),
                           (res.i2_ci_low, "I2.lb"), (res.i2_ci_high, "I2.ub")):
        assert ours == pytest.approx(metafor("rma_bcg_REML_z", quantity), rel=1e-6)
    # the bounds solve the generalised Q equation against χ² quantiles
    y, v = bcg["yi"].to_numpy(), bcg["vi"].to_numpy()
    X = np.ones((13, 1))
    assert ev.q_generalised(res.tau2_ci_low, y, v, X) == pytest.approx(stats.chi2.ppf(0.975, 12))
    assert ev.q_generalised(res.tau2_ci_high, y, v, X) == pytest.approx(stats.chi2.ppf(0.025, 12))


def test_bcg_meta_regression_and_egger_match_metafor(bcg: pd.DataFrame) -> None:
    # metafor: rma(yi, vi, mods = ~ ablat, data = dat.bcg); regtest(rma(yi, vi))
    reg = ev.meta_regression(bcg["yi"], bcg["vi"], bcg["ablat"], name="ablat")
    assert reg.coefficients["estimate"].iloc[0] == pytest.approx(0.2515, abs=5e-5)
    assert reg.coefficients["estimate"].iloc[1] == pytest.approx(-0.0291, abs=5e-5)
    for i in (1, 2):
        assert reg.coefficients["estimate"].iloc[i - 1] == pytest.approx(
            metafor("metareg_bcg_ablat_REML_z", "b", i), rel=1e-6)
    # metafor 3.8-1 prints QM(df = 1) = 16.3571, τ² = 0.0764 (its REML stops when τ² changes
    # by ≤ 1e-5; we follow that rule)
    assert reg.qm == pytest.approx(16.3571, abs=5e-5)
    assert reg.tau2 == pytest.approx(0.0764, abs=5e-5)
    for ours, quantity in ((reg.qm, "QM"), (reg.tau2, "tau2"), (reg.r2, "R2")):
        assert ours == pytest.approx(metafor("metareg_bcg_ablat_REML_z", quantity), rel=1e-6)
    egger = ev.egger_test(bcg["yi"], bcg["vi"], model="rma")
    assert egger.statistic == pytest.approx(metafor("regtest_bcg_rma", "zval"), rel=1e-6)
    assert egger.p == pytest.approx(metafor("regtest_bcg_rma", "pval"), rel=1e-6)


def test_knapp_hartung_uses_t_with_k_minus_1_df(bcg: pd.DataFrame) -> None:
    y, v = bcg["yi"].to_numpy(), bcg["vi"].to_numpy()
    plain = ev.meta_analysis(y, v)
    kh = ev.meta_analysis(y, v, knapp_hartung=True)
    w = 1 / (v + plain.tau2)
    s2 = np.sum(w * (y - plain.estimate) ** 2) / 12
    assert kh.se == pytest.approx(plain.se * math.sqrt(s2))
    assert kh.statistic_name == "t" and kh.df == 12
    crit = stats.t.ppf(0.975, 12)
    assert kh.ci_high - kh.estimate == pytest.approx(crit * kh.se)
    assert kh.pi_high - kh.estimate == pytest.approx(crit * math.sqrt(kh.se**2 + kh.tau2))
    # without KH metafor's prediction interval uses z; the briefing's (Higgins) t on k − 2
    assert plain.pi_high - plain.estimate == pytest.approx(
        stats.norm.ppf(0.975) * math.sqrt(plain.se**2 + plain.tau2))
    assert plain.pi_t_high - plain.estimate == pytest.approx(
        stats.t.ppf(0.975, 11) * math.sqrt(plain.se**2 + plain.tau2))
    assert kh.pi_t_high - kh.estimate == pytest.approx(
        stats.t.ppf(0.975, 11) * math.sqrt(kh.se**2 + kh.tau2))


def test_to_frame_and_summary_table(bcg: pd.DataFrame) -> None:
    res = ev.meta_analysis(bcg["yi"], bcg["vi"], measure="RR")
    row = res.to_frame().iloc[0]
    for name in ("estimate", "se", "ci_low", "ci_high", "statistic", "p", "tau2", "tau2_ci_low",
                 "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high", "effect"):
        assert name in row.index
    assert row["effect"] == pytest.approx(math.exp(res.estimate))
    table = res.summary_table()
    assert "Sammanvägd effekt (RR)" in table["Storhet"].tolist()
    assert table.columns[0] == "Storhet"


# ---------------------------------------------------------------------------------------
# effect sizes, hand-checked


def test_two_by_two_effect_sizes_hand_checked() -> None:
    row = {"study": "A", "ai": 4, "bi": 119, "ci": 11, "di": 128}
    rr = ev.effect_sizes(frame([row]), "RR").iloc[0]
    assert rr["yi"] == pytest.approx(math.log((4 / 123) / (11 / 139)))
    assert rr["yi"] == pytest.approx(-0.889311, abs=1e-6)
    assert rr["vi"] == pytest.approx(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139)
    assert rr["effect"] == pytest.approx(0.410939, abs=1e-6)
    orr = ev.effect_sizes(frame([row]), "OR").iloc[0]
    assert orr["yi"] == pytest.approx(math.log(4 * 128 / (119 * 11)))
    assert orr["vi"] == pytest.approx(1 / 4 + 1 / 119 + 1 / 11 + 1 / 128)
    rd = ev.effect_sizes(frame([row]), "RD").iloc[0]
    p1, p2 = 4 / 123, 11 / 139
    assert rd["yi"] == pytest.approx(p1 - p2)
    assert rd["vi"] == pytest.approx(p1 * (1 - p1) / 123 + p2 * (1 - p2) / 139)
    # n1i/n2i instead of bi/di give the same
    alt = ev.effect_sizes(frame([{"ai": 4, "n1i": 123, "ci": 11, "n2i": 139}]), "RR").iloc[0]
    assert alt["yi"] == pytest.approx(rr["yi"])


def test_hedges_g_exact_correction_and_metafor_variance() -> None:
    row = {"m1i": 10.0, "m2i": 8.0, "sd1i": 2.0, "sd2i": 3.0, "n1i": 20, "n2i": 25}
    out = ev.effect_sizes(frame([row]), "SMD").iloc[0]
    m = 43
    j = math.exp(math.lgamma(m / 2) - 0.5 * math.log(m / 2) - math.lgamma((m - 1) / 2))
    assert j == pytest.approx(1 - 3 / (4 * m - 1), abs=1e-4)  # the usual approximation
    sp = math.sqrt((19 * 4 + 24 * 9) / 43)
    g = j * 2 / sp
    assert out["yi"] == pytest.approx(g, rel=1e-12)
    assert out["vi"] == pytest.approx(1 / 20 + 1 / 25 + g**2 / (2 * 45))
    md = ev.effect_sizes(frame([row]), "MD").iloc[0]
    assert md["yi"] == pytest.approx(2.0)
    assert md["vi"] == pytest.approx(4 / 20 + 9 / 25)


def test_pre_post_and_fisher_z() -> None:
    row = {"m_post": 2.5, "m_pre": 3.0, "sd_pre": 1.0, "ni": 30, "ri": 0.6}
    out = ev.effect_sizes(frame([row]), "PRE_POST").iloc[0]
    j = math.exp(math.lgamma(29 / 2) - 0.5 * math.log(29 / 2) - math.lgamma(28 / 2))
    assert out["yi"] == pytest.approx(-0.5 * j)
    assert out["vi"] == pytest.approx(2 * 0.4 / 30 + out["yi"] ** 2 / 60)
    z = ev.effect_sizes(frame([{"ri": 0.3, "ni": 50}]), "ZCOR").iloc[0]
    assert z["yi"] == pytest.approx(0.3095196, abs=1e-7)
    assert z["vi"] == pytest.approx(1 / 47)
    assert z["effect"] == pytest.approx(0.3)


def test_pre_post_without_correlation_uses_default_with_note() -> None:
    row = {"m_post": 2.5, "m_pre": 3.0, "sd_pre": 1.0, "ni": 30}
    out = ev.effect_sizes(frame([row]), "PRE_POST")
    assert out["vi"].iloc[0] == pytest.approx(2 * 0.5 / 30 + out["yi"].iloc[0] ** 2 / 60)
    assert any("r = 0,50 antogs" in n for n in out.attrs["notes"])


def test_given_effect_sizes_with_vi_or_se() -> None:
    rows = [{"study": "A", "yi": -0.2, "vi": 0.04}, {"study": "B", "yi": 0.1, "sei": 0.3}]
    out = ev.effect_sizes(frame(rows), "SMD")
    assert out["vi"].tolist() == pytest.approx([0.04, 0.09])
    assert set(out["estimate_source"]) == {"angiven"}


def test_zero_cell_correction_only_where_needed() -> None:
    rows = [{"study": "noll", "ai": 0, "n1i": 20, "ci": 5, "n2i": 20},
            {"study": "vanlig", "ai": 3, "n1i": 20, "ci": 5, "n2i": 20}]
    out = ev.effect_sizes(frame(rows), "RR")
    assert out["corrected"].tolist() == [True, False]
    assert out["yi"].iloc[0] == pytest.approx(math.log((0.5 / 21) / (5.5 / 21)))
    assert out["vi"].iloc[0] == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 5.5 - 1 / 21)
    assert out["yi"].iloc[1] == pytest.approx(math.log(3 / 5))
    assert any("noll" in n for n in out.attrs["notes"])


def test_double_zero_studies_dropped_for_ratios_kept_for_rd() -> None:
    rows = [{"study": "tom", "ai": 0, "n1i": 20, "ci": 0, "n2i": 25},
            {"study": "vanlig", "ai": 3, "n1i": 20, "ci": 5, "n2i": 20}]
    out = ev.effect_sizes(frame(rows), "OR")
    assert out["study"].tolist() == ["vanlig"]
    assert out.attrs["dropped"][0]["source_row"] == 2
    assert any("togs bort" in n for n in out.attrs["notes"])
    rd = ev.effect_sizes(frame(rows), "RD")
    assert len(rd) == 2 and rd["yi"].iloc[0] == pytest.approx(0.5 / 21 - 0.5 / 26)
    with pytest.raises(InputDataError, match="every row was left out") as info:
        ev.effect_sizes(frame(rows[:1], "noll.csv"), "RR")
    assert "noll.csv" in str(info.value) and "inga händelser" in str(info.value)
    # drop00=False keeps them with the ½ correction (metafor's escalc default)
    kept = ev.effect_sizes(frame(rows), "OR", drop00=False)
    assert len(kept) == 2 and kept["yi"].iloc[0] == pytest.approx(math.log(0.5 * 25.5 / (20.5 * 0.5)))


# ---------------------------------------------------------------------------------------
# small k


def test_k_equal_1_gives_the_study_and_a_note() -> None:
    res = ev.meta_analysis([0.3], [0.04], method="REML", measure="SMD")
    assert res.estimate == pytest.approx(0.3)
    assert res.se == pytest.approx(0.2)
    assert res.tau2 == 0 and res.method == "FE" and res.requested_method == "REML"
    assert math.isnan(res.q_p) and math.isnan(res.tau2_ci_low)
    assert (res.pi_low, res.pi_high) == pytest.approx((res.ci_low, res.ci_high))
    assert "Bara en utvärdering" in res.notes[0]
    assert "Bara en utvärdering" in ev.heterogeneity_note(res)
    kh = ev.meta_analysis([0.3], [0.04], knapp_hartung=True)
    assert kh.statistic_name == "z" and not kh.knapp_hartung


def test_k_equal_2_warns_about_tau2() -> None:
    res = ev.meta_analysis([0.1, 0.5], [0.02, 0.03], method="REML")
    assert res.k == 2 and math.isfinite(res.tau2)
    assert any("två utvärderingar" in n for n in res.notes)
    assert ev.egger_test([0.1, 0.5], [0.02, 0.03]).note.startswith("Egger-testet kräver")


def test_single_local_before_after_evaluation() -> None:
    effects = ev.effect_sizes(ev.read_evaluations(LOCAL), "PRE_POST")
    res = ev.meta_analysis_from_effects(effects)
    assert res.k == 1 and res.ci_low < res.estimate < res.ci_high
    text = " ".join(ev.evidence_limits(effects, res, favourable="lower"))
    assert "jämförelsegrupp" in text and "nivå 2" in text
    table = ev.sensitivity_table(effects)
    assert len(table) == 2 and "minst två" in table["Kommentar"].iloc[1]
    assert ev.grade_evidence(effects).grade == "oklar"


# ---------------------------------------------------------------------------------------
# bad input


def test_missing_variance_or_n_zero_drops_the_study_and_reports_it() -> None:
    rows = [{"study": "A", "yi": 0.2, "vi": 0.04}, {"study": "B", "yi": 0.1},
            {"study": "C", "m1i": 1, "m2i": 2, "sd1i": 1, "sd2i": 1, "n1i": 0, "n2i": 10},
            {"study": "D", "m1i": 1, "m2i": 2, "sd1i": 1, "n1i": 5, "n2i": 10}]
    out = ev.effect_sizes(frame(rows, "eval.csv"), "SMD")
    assert out["study"].tolist() == ["A"]
    dropped = {d["study"]: d for d in out.attrs["dropped"]}
    assert dropped["B"]["source_row"] == 3
    # the missing variance is named, not blamed on m1i
    assert "varians (vi)" in dropped["B"]["reason"] and "m1i" not in dropped["B"]["reason"]
    assert "n = 0" in dropped["C"]["reason"]
    assert "sd2i" in dropped["D"]["reason"]
    notes = ev.dropped_notes(out)
    assert notes[0].startswith("B (rad 3)") and notes[-1] == ev.INPUT_RULE
    with pytest.raises(InputDataError) as info:
        ev.effect_sizes(frame(rows[1:2], "eval.csv"), "SMD")
    assert "eval.csv" in str(info.value) and "varians" in str(info.value)
    with pytest.raises(InputDataError, match="study number 2"):
        ev.meta_analysis([0.1, 0.2], [0.01, float("nan")])


@pytest.mark.parametrize(
    ("measure", "row", "column", "message"),
    [
        ("SMD", {"yi": 0.1, "vi": -0.02}, "vi", "not positive"),
        ("SMD", {"yi": 0.1, "sei": 0}, "sei", "not positive"),
        ("SMD", {"m1i": 1, "m2i": 2, "sd1i": 1, "sd2i": 1, "n1i": 1, "n2i": 10}, "n1i", "too small"),
        ("MD", {"m1i": 1, "m2i": 2, "sd1i": 0, "sd2i": 1, "n1i": 5, "n2i": 10}, "sd1i", "not positive"),
        ("RR", {"ai": 30, "n1i": 20, "ci": 5, "n2i": 20}, "ai", "exceed"),
        ("RR", {"ai": -1, "bi": 20, "ci": 5, "di": 20}, "ai", "not a count"),
        ("OR", {"ai": 2.5, "bi": 20, "ci": 5, "di": 20}, "ai", "not a count"),
        ("ZCOR", {"ri": 1.2, "ni": 40}, "ri", "outside"),
        ("ZCOR", {"ri": 0.2, "ni": 3}, "ni", "too small"),
        ("PRE_POST", {"m_post": 1, "m_pre": 2, "sd_pre": 1, "ni": 20, "ri": 1.5}, "ri", "outside"),
        ("RR", {"ai": "abc", "n1i": 20, "ci": 5, "n2i": 20}, "ai", "not a number"),
        ("SMD", {"yi": "inf", "vi": 0.1}, "yi", "not a finite number"),
        ("SMD", {"yi": 0.1, "vi": "1e400"}, "vi", "not a finite number"),
    ],
)
def test_bad_rows_give_clear_errors(measure: str, row: dict, column: str, message: str) -> None:
    good = {"study": "ok", "yi": 0.1, "vi": 0.01}
    with pytest.raises(InputDataError) as info:
        ev.effect_sizes(frame([good, {"study": "bad", **row}], "u.csv"), measure)
    err = info.value
    assert err.fields["row"] == 3
    assert err.fields["column"] == column
    assert message in err.message
    assert err.hint


def test_unknown_measure_and_method_are_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="measure"):
        ev.effect_sizes(frame([{"yi": 0.1, "vi": 0.1}]), "HR")
    with pytest.raises(ParameterError, match="method"):
        ev.meta_analysis([0.1, 0.2], [0.1, 0.1], method="ML2")


def test_read_csv_cp1252_semicolon_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "utv.csv"
    text = "study;design;yi;sei\nÄlvstad ö;rct;-0,25;0,1\nSjöviken;before_after;0,05;0,2\n"
    path.write_bytes(text.encode("cp1252"))
    df = ev.read_evaluations(path)
    assert df["study"].tolist() == ["Älvstad ö", "Sjöviken"]
    assert df["source_row"].tolist() == [2, 3]
    out = ev.effect_sizes(df, "SMD")
    assert out["yi"].tolist() == pytest.approx([-0.25, 0.05])


def test_read_csv_with_bom_and_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "utv.csv"
    path.write_bytes("\ufeffstudy,yi,vi\nA,0.1,0.02\n".encode("utf-8"))
    df = ev.read_evaluations(path)
    assert list(df.columns) == ["source_row", "study", "yi", "vi"]
    xlsx = tmp_path / "utv.xlsx"
    pd.DataFrame({"study": ["A", "B"], "yi": [0.1, 0.2], "vi": [0.02, 0.03]}).to_excel(
        xlsx, index=False)
    out = ev.effect_sizes(ev.read_evaluations(xlsx), "MD")
    assert out["vi"].tolist() == pytest.approx([0.02, 0.03])


@pytest.mark.parametrize("content", [b"", b"study,yi,vi\n", b"\n\n"])
def test_empty_files_are_clear_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tom.csv"
    path.write_bytes(content)
    with pytest.raises(InputDataError) as info:
        ev.read_evaluations(path)
    assert "tom.csv" in str(info.value)


def test_missing_file_wrong_type_and_broken_xlsx(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="not found"):
        ev.read_evaluations(tmp_path / "finns_inte.csv")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputDataError, match="unsupported file type"):
        ev.read_evaluations(tmp_path / "a.pdf")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(InputDataError, match="cannot read the Excel workbook"):
        ev.read_evaluations(tmp_path / "b.xlsx")


def test_select_method_lists_available_names() -> None:
    df = ev.read_evaluations(SAMPLE)
    assert len(ev.select_method(df, " mentorskap ")) == 6
    with pytest.raises(InputDataError) as info:
        ev.select_method(df, "Yoga")
    assert "Mentorskap" in info.value.hint


def test_hostile_labels_are_escaped_and_plot_safely() -> None:
    rows = [{"study": "<script>alert(1)</script>", "design": "rct", "yi": -0.3, "vi": 0.04},
            {"study": "$\\frac{x}{0}$ studie", "design": "rct", "yi": -0.1, "vi": 0.02}]
    effects = ev.effect_sizes(frame(rows), "SMD")
    res = ev.meta_analysis_from_effects(effects)
    html = table_html(ev.effect_table(effects, res), "Tabell")
    assert "<script>" not in html and "&lt;script&gt;" in html
    fig = ev.forest_plot(effects, res)
    from research.report import figure_png

    assert figure_png(fig, dpi=40)[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------------------
# robustness


def test_subgroup_difference_equals_fixed_effect_meta_regression() -> None:
    rng = np.random.default_rng(3)
    yi = rng.normal(-0.2, 0.2, 8)
    vi = rng.uniform(0.01, 0.05, 8)
    group = ["skola"] * 4 + ["socialtjänst"] * 4
    effects = frame([{"study": f"S{i}", "yi": y, "vi": v, "setting": g}
                     for i, (y, v, g) in enumerate(zip(yi, vi, group))])
    effects = ev.effect_sizes(effects, "SMD")
    sub = ev.subgroup_analysis(effects, "setting", method="FE")
    reg = ev.meta_regression(yi, vi, group, name="setting", method="FE")
    assert sub.df == 1
    assert sub.q_between == pytest.approx(reg.qm)
    assert sub.p == pytest.approx(reg.qm_p)
    with pytest.raises(SchemaError, match="setting2"):
        ev.subgroup_analysis(effects, "setting2")


def test_leave_one_out_refits_without_each_study(bcg: pd.DataFrame) -> None:
    loo = ev.leave_one_out(bcg)
    assert len(loo) == 13 and (loo["k"] == 12).all()
    manual = ev.meta_analysis(bcg["yi"].iloc[1:], bcg["vi"].iloc[1:])
    assert loo["estimate"].iloc[0] == pytest.approx(manual.estimate)
    assert loo["study"].iloc[0] == "Aronson"


def test_egger_lm_equals_standard_normal_deviate_regression(bcg: pd.DataFrame) -> None:
    y, v = bcg["yi"].to_numpy(), bcg["vi"].to_numpy()
    egger = ev.egger_test(y, v)
    se = np.sqrt(v)
    # Egger 1997: regress y/se on 1/se; the intercept measures asymmetry
    X = np.column_stack([np.ones(13), 1 / se])
    coef, res, *_ = np.linalg.lstsq(X, y / se, rcond=None)
    sigma2 = float(res[0]) / 11
    cov = sigma2 * np.linalg.inv(X.T @ X)
    t_value = coef[0] / math.sqrt(cov[0, 0])
    assert egger.slope == pytest.approx(coef[0])
    assert egger.statistic == pytest.approx(t_value)
    assert egger.p == pytest.approx(2 * stats.t.sf(abs(t_value), 11))
    assert egger.note == ""  # k ≥ 10: no caution
    assert "tio" in ev.egger_test(y[:6], v[:6]).note


def test_missing_moderator_values_leave_those_studies_out_of_the_subgroups() -> None:
    rows = [{"study": f"S{i}", "yi": y, "vi": 0.02, "setting": g}
            for i, (y, g) in enumerate([(-0.3, "skola"), (-0.1, "skola"), (-0.5, "fritid"),
                                        (-0.2, "fritid"), (0.0, "")])]
    effects = ev.effect_sizes(frame(rows), "SMD")
    table = ev.sensitivity_table(effects, moderator="setting")
    note = table.loc[table["Analys"] == "Delgrupper efter setting", "Kommentar"].iloc[0]
    assert note.startswith("1 utvärdering saknar värde för setting") and note.endswith("S4")
    assert table.loc[table["Analys"] == "Delgrupp setting = skola", "k"].iloc[0] == 2
    assert any(a.startswith("Metaregression på setting") for a in table["Analys"])
    # equal standard errors: Egger's regression is undefined and says so
    assert "olika standardfel" in table["Kommentar"].iloc[-1]


def test_sensitivity_table_on_sample() -> None:
    effects = ev.effect_sizes(ev.select_method(ev.read_evaluations(SAMPLE), "Mentorskap"), "RR")
    table = ev.sensitivity_table(effects, moderator="setting")
    names = table["Analys"].tolist()
    assert names[0] == "Huvudanalys"
    assert sum(n.startswith("Utan ") for n in names) == 6
    assert any(n.startswith("Skillnad mellan delgrupper") for n in names)
    assert any(n.startswith("Egger") for n in names)
    assert "Endast SMS-nivå 3–5" in names


# ---------------------------------------------------------------------------------------
# figures


def test_forest_plot_has_swedish_alt_text_and_log_axis() -> None:
    effects = ev.effect_sizes(ev.select_method(ev.read_evaluations(SAMPLE), "Föräldrastöd"), "RR")
    res = ev.meta_analysis_from_effects(effects)
    fig = ev.forest_plot(effects, res, method_name="Föräldrastöd", favourable="lower")
    alt = get_alt(fig)
    assert alt.startswith("Skogsdiagram över 4 utvärderingar av Föräldrastöd")
    assert format_number(res.effect, 2) in alt and "I²" in alt
    assert "prediktionsintervallet" in alt
    assert fig.axes[0].get_xscale() == "log"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("%" in t for t in texts) and "Prediktionsintervall" in texts


def test_funnel_plot_cautions_for_small_k() -> None:
    effects = ev.effect_sizes(ev.select_method(ev.read_evaluations(SAMPLE), "Mentorskap"), "RR")
    res = ev.meta_analysis_from_effects(effects)
    alt = get_alt(ev.funnel_plot(effects, res))
    assert "Trattdiagram med 6 utvärderingar" in alt and "färre än tio" in alt


# ---------------------------------------------------------------------------------------
# evidence grading


def graded(rows: list[tuple[str, float, float]], favourable: str = "lower") -> str:
    effects = frame([{"study": f"S{i}", "design": d, "yi": y, "vi": v}
                     for i, (d, y, v) in enumerate(rows)])
    return ev.grade_evidence(ev.effect_sizes(effects, "SMD"), favourable=favourable).grade


def test_sms_levels() -> None:
    assert [ev.sms_level(d) for d in ("correlational", "before_after", "comparison_group",
                                      "quasi_matched", "rct")] == [1, 2, 3, 4, 5]
    assert ev.sms_level("Randomiserad") == 5 and ev.sms_level("3") == 3
    with pytest.raises(InputDataError, match="Unknown design"):
        ev.sms_level("anekdot")


def test_grades_follow_the_stated_rule() -> None:
    strong_fav = ("rct", -0.5, 0.01)   # CI excludes 0, favourable when lower is better
    small = ("rct", -0.1, 0.01)          # CI includes 0
    weak_fav = ("before_after", -0.5, 0.01)
    assert graded([strong_fav, strong_fav, small]) == "effektiv"
    # one level-3+ evaluation, significant: promising, not yet effective
    assert graded([strong_fav, weak_fav]) == "lovande"
    # two level-3+ evaluations whose pooled effect is not significant: not demonstrated
    assert graded([small, small]) == "ej belagd"
    assert graded([weak_fav, weak_fav]) == "oklar"
    assert graded([small]) == "oklar"
    # direction matters: the same numbers are harmful when higher is better
    assert graded([strong_fav, strong_fav, small], favourable="higher") == "ej belagd"
    # a significant harmful level-3 result blocks "lovande"
    assert graded([strong_fav, ("rct", 0.6, 0.01)]) == "ej belagd"


def test_non_significant_studies_are_not_votes_against() -> None:
    # four small trials, none significant alone (CI −0,48 to 0,08), pooled clearly favourable
    each = ("rct", -0.2, 0.02)
    effects = ev.effect_sizes(frame([{"study": f"S{i}", "design": d, "yi": y, "vi": v}
                                     for i, (d, y, v) in enumerate([each] * 4)]), "SMD")
    assert set(ev.evidence_table(effects)["Resultat"]) == {"ingen säkerställd effekt"}
    grade = ev.grade_evidence(effects)
    assert grade.grade == "effektiv" and grade.n_level3_favourable == 0
    rules = " ".join(ev.grading_rules())
    assert "Ingen rösträkning" in rules and "räknas inte som belägg mot" in rules


def test_evidence_table_and_bad_design_row() -> None:
    effects = ev.effect_sizes(frame([{"study": "A", "design": "rct", "yi": -0.4, "vi": 0.01},
                                     {"study": "B", "design": "hörsägen", "yi": 0.1,
                                      "vi": 0.01}], "e.csv"), "SMD")
    with pytest.raises(InputDataError) as info:
        ev.evidence_table(effects)
    assert info.value.fields["row"] == 3 and info.value.fields["column"] == "design"
    no_design = ev.effect_sizes(frame([{"yi": 0.1, "vi": 0.01}]), "SMD")
    with pytest.raises(SchemaError, match="design"):
        ev.evidence_table(no_design)
    table = ev.evidence_table(effects.iloc[:1].assign(design="rct"))
    assert table["Resultat"].tolist() == ["gynnsam effekt"]
    assert table["SMS-nivå"].tolist() == [5]


def test_register_table_grades_sample_methods() -> None:
    table = ev.register_table(REGISTER)
    assert table["Metod"].tolist()[:4] == ["Mentorskap", "Föräldrastöd", "Dialogsamtal",
                                           "Avhopparprogram"]
    assert set(table["Evidensgrad"]) <= set(ev.GRADES)
    assert table.set_index("Metod").loc["Dialogserie i Sjöviken", "Utvärderingar"] == 1


def test_bad_register_is_config_error(tmp_path: Path) -> None:
    path = tmp_path / "metoder.yaml"
    path.write_text("methods:\n  - method: X\n    outcome: Y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="target_group"):
        ev.load_register(path)
    path.write_text("methods: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        ev.load_register(path)
    with pytest.raises(ConfigError, match="not found"):
        ev.load_register(tmp_path / "saknas.yaml")


# ---------------------------------------------------------------------------------------
# notebook


def test_notebook_follows_conventions() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert tags[1] == ["parameters"] and tags[2] == ["setup"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    for cell in code:
        assert "def " not in cell.source and "class " not in cell.source
        assert "print(" not in cell.source and "for " not in cell.source
    import papermill

    params = papermill.inspect_notebook(str(NOTEBOOK))
    for name in ("evaluations", "measure", "method", "knapp_hartung", "moderator",
                 "method_name", "title"):
        assert name in params and params[name]["help"]
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert headings[1] == "## Sammanfattning" and headings[-1] == "## Om underlaget"


@pytest.mark.e2e
def test_notebook_runs_with_both_parameter_sets(shipped_runs) -> None:
    for name, expected in (("default", "Mentorskap"), ("lokal_fore_efter", "jämförelsegrupp")):
        result = shipped_runs.run(f"metodutvardering/{name}")  # shared, read-only
        assert result.status == "succeeded", result.error
        tables = {p.name for p in (result.run_dir / "tables").glob("*.csv")}
        assert {"effect_sizes.csv", "meta_analysis.csv", "sensitivity.csv",
                "evidence.csv"} <= tables
        html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
        assert expected in html
        assert "No description has been provided" not in html
        assert "Traceback" not in html


@pytest.mark.e2e
def test_notebook_with_hostile_cp1252_input_and_with_an_empty_file(tmp_path: Path) -> None:
    from research.runs import run_notebook

    hostile = tmp_path / "fientlig.csv"
    hostile.write_bytes(
        ("study;design;yi;sei\n<script>alert('x')</script> Älvstad;rct;-0,30;0,12\n"
         "Sjöviken <img src=x onerror=alert(1)>;comparison_group;-0,10;0,15\n").encode("cp1252"))
    result = run_notebook(NOTEBOOK, overrides={
        "evaluations": str(hostile), "measure": "SMD", "moderator": "", "method_name": "",
        "favourable": "lower"}, publish=False)
    assert result.status == "succeeded", result.error
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html

    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    failed = run_notebook(NOTEBOOK, overrides={"evaluations": str(empty)}, publish=False)
    assert failed.status == "failed"
    assert "tom.csv" in (failed.error or "")


# ---------------------------------------------------------------------------------------
# briefing honesty and the analyse() entry point


def test_confidence_level_95_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match="percentage") as info:
        ev.meta_analysis([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], level=95)
    assert "0.95" in info.value.hint
    with pytest.raises(ParameterError, match="percentage"):
        ev.effect_sizes(frame([{"yi": 0.1, "vi": 0.1}]), "SMD", level=95)
    for bad in (1.5, 0, -0.95, 100):
        with pytest.raises(ParameterError, match="between 0 and 1"):
            ev.meta_analysis([0.1, 0.2], [0.01, 0.02], level=bad)
    res = ev.meta_analysis([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], level=0.9)
    assert "90 % konfidensintervall" in ev.key_figures(res)
    assert "Nedre gräns (90 %)" in res.summary_table().columns


def test_odds_ratio_is_never_called_a_risk_reduction() -> None:
    rows = [{"study": f"S{i}", "design": "rct", "ai": 10 + i, "n1i": 100, "ci": 25, "n2i": 100}
            for i in range(4)]
    effects = ev.effect_sizes(frame(rows), "OR")
    res = ev.meta_analysis_from_effects(effects)
    text = " ".join(ev.summary_findings(effects, res, None, favourable="lower"))
    assert "lägre risk" not in text and "högre risk" not in text and "riskminskning" not in text
    assert "Oddsen för utfallet är ungefär" in text and "lägre" in text
    rr = ev.effect_sizes(frame(rows), "RR")
    rr_text = " ".join(ev.summary_findings(rr, ev.meta_analysis_from_effects(rr), None))
    assert "lägre risk för utfallet" in rr_text


def test_briefing_prediction_interval_is_higgins_and_absent_for_two_studies() -> None:
    rows = [{"study": f"S{i}", "yi": y, "vi": 0.02} for i, y in enumerate([-0.6, -0.1, -0.4, 0.1])]
    effects = ev.effect_sizes(frame(rows), "SMD")
    res = ev.meta_analysis_from_effects(effects)
    low, high = res.effect_pi
    text = " ".join(ev.summary_findings(effects, res, None))
    assert f"mellan {format_number(low, 2)} och {format_number(high, 2)}" in text
    assert (low, high) != pytest.approx(res.effect_pi_metafor)
    assert any("k − 2" in n for n in ev.data_notes(effects, res))
    two = ev.effect_sizes(frame(rows[:2]), "SMD")
    res2 = ev.meta_analysis_from_effects(two)
    assert not res2.has_prediction_interval and math.isnan(res2.pi_t_low)
    assert "går inget prediktionsintervall" in " ".join(ev.summary_findings(two, res2, None))
    assert "Prediktionsintervall" not in " ".join(res2.summary_table()["Storhet"])
    assert "prediktionsintervallet" not in ev.forest_alt_text(res2)


def test_all_infinite_effect_sizes_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "oandliga.csv"
    path.write_text("study,yi,vi\nA,inf,0.1\nB,-inf,0.2\n", encoding="utf-8")
    with pytest.raises(InputDataError) as info:
        ev.analyse(path, measure="SMD")
    err = info.value
    assert "oandliga.csv" in str(err) and err.fields["row"] == 2 and err.fields["column"] == "yi"
    assert "finite" in err.message and "spreadsheet" in err.hint
    with pytest.raises(InputDataError, match="infinite for study number 1 in x.csv"):
        ev.meta_analysis([math.inf, 0.1], [0.1, 0.1], source="x.csv")


def test_analyse_is_the_one_entry_point() -> None:
    analysis = ev.analyse(SAMPLE, measure="RR", moderator="setting", method_name="Mentorskap",
                          favourable="lower", register=REGISTER)
    assert analysis.result.k == 6 and analysis.grade is not None
    assert 3 <= len(analysis.findings()) <= 5
    assert "Evidensgrad" in analysis.key_figures()
    assert analysis.period and analysis.effect_table().shape[0] == 6
    assert analysis.sensitivity_table()["Analys"].iloc[0] == "Huvudanalys"
    assert get_alt(analysis.forest_plot()) and get_alt(analysis.funnel_plot())
    assert analysis.register_table()["Metod"].iloc[0] == "Mentorskap"
    assert analysis.dropped()[0].startswith("Alla utvärderingar")
    assert analysis.method_notes()[0].startswith("Underlag: utvarderingar.csv")
    with pytest.raises(SchemaError, match="Moderator column 'saknas'"):
        ev.analyse(SAMPLE, moderator="saknas", method_name="Mentorskap")
    with pytest.raises(ParameterError, match="favourable"):
        ev.analyse(SAMPLE, favourable="bättre")


def test_analyse_reports_dropped_studies(tmp_path: Path) -> None:
    path = tmp_path / "utv.csv"
    path.write_text("study;design;yi;vi\nA;rct;-0,3;0,02\nB;rct;-0,1;\nC;rct;-0,2;0,03\n"
                    "D;rct;-0,4;0,05\n", encoding="cp1252")
    analysis = ev.analyse(path, measure="SMD")
    assert analysis.result.k == 3
    assert analysis.dropped()[0].startswith("B (rad 3): effektstorleken finns")
    assert any("kunde inte ingå" in f for f in analysis.findings())


def test_figures_use_the_factory_and_keep_the_legend_outside() -> None:
    effects = ev.effect_sizes(ev.select_method(ev.read_evaluations(SAMPLE), "Mentorskap"), "RR")
    res = ev.meta_analysis_from_effects(effects)
    fig = ev.funnel_plot(effects, res)
    legends = [*fig.legends, *(a.get_legend() for a in fig.axes if a.get_legend())]
    assert len(legends) == 1
    legend = legends[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = legend.get_window_extent(renderer)
    axes_box = fig.axes[0].get_window_extent(renderer)
    assert box.y1 <= axes_box.y0 + 1  # below the data area
    import research.evaluation.figures as figures_module

    source = Path(figures_module.__file__).read_text(encoding="utf-8")
    assert "import pyplot" not in source and "matplotlib.use" not in source


# ---------------------------------------------------------------------------------------
# three-level model: bad input (agreement with rma.mv is in test_evaluation_oracle.py)


def nested(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"kunskapshus": c, "study": f"U{i}", "yi": y, "vi": v}
                         for i, (c, y, v) in enumerate(rows)])


def test_three_level_model_api_and_bad_input() -> None:
    data = nested([("A", -0.3, 0.02), ("A", -0.1, 0.03), ("B", -0.5, 0.02), ("B", -0.4, 0.04),
                   ("C", 0.0, 0.03)])
    data.attrs["measure"] = "SMD"
    res = ev.three_level_meta_analysis(data)
    assert res.k == 5 and res.n_clusters == 3 and res.cluster == "kunskapshus"
    assert res.sigma2_cluster >= 0 and res.sigma2_evaluation >= 0
    assert res.ci_low < res.estimate < res.ci_high and res.measure == "SMD"
    assert list(res.to_frame().columns[:5]) == ["k", "n_evaluations", "n_clusters", "cluster",
                                                "method"]
    with pytest.raises(SchemaError, match="'region'"):
        ev.three_level_meta_analysis(data, cluster="region")
    with pytest.raises(InputDataError, match="at least two"):
        ev.three_level_meta_analysis(data.assign(kunskapshus="A"))
    # rows sharing an evaluation label are effect sizes of one evaluation
    shared = ev.three_level_meta_analysis(data.assign(study=["U1", "U1", "U2", "U3", "U4"]))
    assert shared.k == 5 and shared.n_evaluations == 4 and shared.converged  # vs rma.mv: oracle
    with pytest.raises(InputDataError, match="finite yi and a positive vi"):
        ev.three_level_meta_analysis(data.assign(vi=[0.02, 0.0, 0.02, 0.04, 0.03]))
    with pytest.raises(ParameterError, match="REML"):
        ev.three_level_meta_analysis(data, method="ML")
    national = data.drop(columns="study").assign(evaluation=data["study"], measure="RR")
    national.attrs = {}
    assert ev.three_level_meta_analysis(national).measure == "RR"
    with pytest.raises(InputDataError, match="mix measures"):
        ev.three_level_meta_analysis(national.assign(measure=["RR", "OR", "RR", "RR", "RR"]))
    with pytest.raises(InputDataError, match="empty"):
        ev.three_level_meta_analysis(data.assign(kunskapshus=["A", "", "B", "B", "C"]))


def test_duplicate_columns_are_refused_before_anything_is_renamed(tmp_path: Path) -> None:
    path = tmp_path / "dubbel.csv"
    path.write_text("study,yi,vi,yi\nA,0.1,0.02,0.3\n", encoding="utf-8")
    with pytest.raises(InputDataError) as info:
        ev.read_evaluations(path)
    assert "dubbel.csv" in str(info.value) and "'yi'" in info.value.message


@pytest.mark.e2e
def test_notebook_reports_dropped_studies_in_the_briefing(tmp_path: Path) -> None:
    from research.runs import run_notebook

    path = tmp_path / "ofullstandig.csv"
    path.write_text("study,design,ai,n1i,ci,n2i\nÄlvstad,rct,4,40,9,40\nTomgrupp,rct,0,0,3,30\n"
                    "Sjöviken,comparison_group,6,50,11,48\nNoll och noll,rct,0,25,0,25\n"
                    "Norrby,rct,5,45,10,44\n", encoding="utf-8")
    result = run_notebook(NOTEBOOK, overrides={
        "evaluations": str(path), "measure": "OR", "moderator": "", "method_name": ""},
        publish=False)
    assert result.status == "succeeded", result.error
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Tomgrupp (rad 3): en grupp har inga deltagare (n = 0)" in html
    assert "Noll och noll (rad 5): inga händelser" in html
    assert "Regel för underlaget" in html
    assert "2 utvärderingar kunde inte ingå i analysen" in html
    assert "lägre risk" not in html and "Oddsen för utfallet" in html
