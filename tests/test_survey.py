"""Tests for research.survey (Enkätanalys) and the `research survey codebook` command."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research import survey
from research.errors import InputDataError, ParameterError, SchemaError
from research.privacy import luhn_valid

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample" / "enkat"

CODEBOOK_YAML = """\
title: Testenkät
missing: {99: Vet ej}
value_sets:
  likert: {1: Instämmer inte alls, 2: Instämmer delvis inte, 3: Varken eller,
           4: Instämmer delvis, 5: Instämmer helt}
variables:
  id: {label: Id, type: id}
  grupp: {label: Grupp, type: categorical, values: {1: Skola, 2: Socialtjänst, 3: Fritid}}
  q1: {label: Fråga ett, type: likert, values: likert}
  q2: {label: Fråga två, type: likert, values: likert, reverse: true}
  q3: {label: Fråga tre, type: likert, values: likert}
  ar: {label: År i yrket, type: numeric, min: 0, max: 60}
  vikt: {label: Vikt, type: numeric, min: 0}
  fritext: {label: Fritext, type: text}
blocks:
  b1: {label: Block ett, items: [q1, q2, q3]}
indices:
  idx: {label: Index, items: [q1, q2, q3], min_items: 2}
background: [grupp]
free_text: [fritext]
"""

CSV_ROWS = [
    "id;grupp;q1;q2;q3;ar;vikt;fritext",
    "1;1;4;2;5;3;1,5;Mer utbildning om nätet",
    "2;2;5;1;4;10;2,25;Samverkan med polisen",
    "3;3;99;3;3;;1,5;",
    "4;1;2;4;2;25;1,5;Rutiner för orosanmälan på skolan",
]


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "kodbok.yaml"
    path.write_text(CODEBOOK_YAML, encoding="utf-8")
    return path


def write_csv(tmp_path: Path, rows: list[str], encoding: str = "cp1252",
              name: str = "enkat.csv") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(rows).encode(encoding))
    return path


# ---------------------------------------------------------------------------------------
# readers and codebook validation


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_read_csv_encodings_delimiter_and_decimal_comma(tmp_path, codebook_file, encoding):
    rows = [*CSV_ROWS[:-1], "4;1;2;4;2;25;1,5;Förälder på Östra Hagen – ”viktigt”"]
    result = survey.read_survey(write_csv(tmp_path, rows, encoding), codebook_file)
    assert result.data["vikt"].tolist() == [1.5, 2.25, 1.5, 1.5]
    assert result.data.loc[3, "fritext"] == "Förälder på Östra Hagen – ”viktigt”"
    # 99 = "Vet ej" is missing, and counted as such
    assert math.isnan(result.data.loc[2, "q1"])
    vet_ej = result.missing[(result.missing["variable"] == "q1") & (result.missing["code"] == "99")]
    assert vet_ej["n"].tolist() == [1] and vet_ej["label"].tolist() == ["Vet ej"]
    empty = result.missing[(result.missing["variable"] == "ar") & (result.missing["code"] == "")]
    assert empty["n"].tolist() == [1]


def test_read_comma_separated_with_decimal_point(tmp_path, codebook_file):
    rows = [r.replace(",", ".").replace(";", ",") for r in CSV_ROWS]
    result = survey.read_survey(write_csv(tmp_path, rows, "utf-8"), codebook_file)
    assert result.data["vikt"].tolist() == [1.5, 2.25, 1.5, 1.5]


def test_delimiter_detection_is_not_fooled_by_commas_in_text(tmp_path, codebook_file):
    rows = [*CSV_ROWS[:-1], '4;1;2;4;2;25;1,5;"Mer stöd, tid, pengar, utbildning; och samverkan"']
    result = survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    assert result.data.loc[3, "fritext"] == "Mer stöd, tid, pengar, utbildning; och samverkan"
    tabbed = write_csv(tmp_path, [r.replace(";", "\t") for r in CSV_ROWS], name="tab.csv")
    assert survey.read_survey(tabbed, codebook_file).data["vikt"].tolist() == [1.5, 2.25, 1.5, 1.5]


def test_unknown_code_names_column_row_and_value(tmp_path, codebook_file):
    rows = [*CSV_ROWS[:3], "3;3;7;3;3;;1,5;"]
    with pytest.raises(SchemaError) as info:
        survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    error = info.value
    assert error.fields["column"] == "q1" and error.fields["row"] == 4
    assert error.fields["value"] == "7"
    assert "q1" in str(error) and "row 4" in str(error) and "'7'" in str(error)


def test_out_of_range_and_non_number_are_reported_together(tmp_path, codebook_file):
    rows = [*CSV_ROWS[:2], "2;2;5;1;4;99x;2,25;", "3;3;3;3;3;75;1,5;"]
    with pytest.raises(SchemaError) as info:
        survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    problems = info.value.fields["problems"]
    assert [(p["column"], p["row"]) for p in problems] == [("ar", 3), ("ar", 4)]
    assert "not a number" in problems[0]["why"] and "out of range" in problems[1]["why"]


def test_missing_column_is_named(tmp_path, codebook_file):
    rows = [r.rsplit(";", 1)[0] for r in CSV_ROWS]  # drop "fritext"
    with pytest.raises(SchemaError, match="fritext") as info:
        survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    assert info.value.fields["column"] == "fritext"


def test_broken_empty_and_undecodable_files(tmp_path, codebook_file):
    ragged = write_csv(tmp_path, [*CSV_ROWS, "5;1;2;3"], name="ragged.csv")
    with pytest.raises(InputDataError):  # a short row is not silently padded into valid data
        survey.read_survey(ragged, codebook_file)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputDataError, match="empty"):
        survey.read_survey(empty, codebook_file)
    header_only = write_csv(tmp_path, CSV_ROWS[:1], name="header.csv")
    with pytest.raises(InputDataError, match="no data rows"):
        survey.read_survey(header_only, codebook_file)
    garbage = tmp_path / "garbage.csv"  # undecodable bytes in a coded column
    garbage.write_bytes(("\r\n".join(CSV_ROWS[:2]) + "\r\n").encode("cp1252")
                        + b"2;\x81\x8d\x90;5;1;4;10;2,25;\r\n")
    with pytest.raises(SchemaError) as info:
        survey.read_survey(garbage, codebook_file)
    assert info.value.fields["column"] == "grupp" and info.value.fields["row"] == 3
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputDataError, match="binary"):
        survey.read_survey(binary, codebook_file)
    fake_xlsx = tmp_path / "enkat.xlsx"
    fake_xlsx.write_bytes(b"not a zip file")
    with pytest.raises(InputDataError, match="Excel"):
        survey.read_survey(fake_xlsx, codebook_file)
    fake_sav = tmp_path / "enkat.sav"
    fake_sav.write_bytes(b"$FL2 broken")
    with pytest.raises(InputDataError, match="SPSS"):
        survey.read_survey(fake_sav, codebook_file)
    with pytest.raises(InputDataError, match="not found"):
        survey.read_survey(tmp_path / "saknas.csv", codebook_file)
    with pytest.raises(ParameterError, match="codebook"):
        survey.read_survey(write_csv(tmp_path, CSV_ROWS))


def test_duplicate_columns_are_refused_naming_them(tmp_path, codebook_file):
    # pandas would rename the second q1 to q1.1 and the duplicate check would never fire
    rows = [CSV_ROWS[0].replace("q3", "q1")] + CSV_ROWS[1:]
    with pytest.raises(InputDataError, match="'q1'") as info:
        survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    assert "duplicate" in str(info.value) and info.value.fields["column"] == "q1"
    assert info.value.fields["file"].endswith("enkat.csv")


def test_short_row_is_named(tmp_path, codebook_file):
    with pytest.raises(InputDataError, match="fewer fields") as info:
        survey.read_survey(write_csv(tmp_path, [*CSV_ROWS[:3], "3;3;3", *CSV_ROWS[3:]]),
                           codebook_file)
    assert info.value.fields["row"] == 4 and "enkat.csv" in str(info.value)


def test_random_text_is_not_reported_as_a_header_only_file(tmp_path, codebook_file):
    rng = np.random.default_rng(7)
    noise = bytes(rng.integers(0x21, 0x7f, 400).astype(np.uint8)).replace(b";", b"x")
    path = tmp_path / "brus.csv"
    path.write_bytes(noise)
    with pytest.raises(InputDataError, match="no column of the codebook") as info:
        survey.read_survey(path, codebook_file)
    assert "header but no data rows" not in str(info.value)
    assert info.value.fields["file"] == str(path)


def test_xlsx_reader(tmp_path, codebook_file):
    frame = pd.DataFrame([r.split(";") for r in CSV_ROWS[1:]], columns=CSV_ROWS[0].split(";"))
    frame["vikt"] = [1.5, 2.25, 1.5, 1.5]
    path = tmp_path / "enkat.xlsx"
    frame.to_excel(path, index=False)
    result = survey.read_survey(path, codebook_file)
    assert result.data["q2"].tolist() == [2.0, 1.0, 3.0, 4.0]


@pytest.mark.parametrize("text, message", [
    ("variables: {q: {type: weird}}", "unknown type"),
    ("variables: {q: {type: likert, values: nosuchset}}", "unknown value set"),
    ("variables: {q: {type: numeric}}\nindices: {i: {items: [q, x]}}", "unknown variable"),
    ("title: utan variabler", "no 'variables'"),
    ("variables: [unclosed", "not valid YAML"),
])
def test_bad_codebooks(tmp_path, text, message):
    path = tmp_path / "kodbok.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=message):
        survey.load_codebook(path)


def test_sample_sav_equals_csv_and_carries_labels():
    from_csv = survey.read_survey(SAMPLE / "enkat.csv", SAMPLE / "kodbok.yaml")
    from_sav = survey.read_survey(SAMPLE / "enkat.sav")  # labels from the .sav file itself
    assert from_sav.codebook.variables["k1"].missing == {99.0: "Vet ej"}
    assert from_sav.codebook.variables["k1"].type == "likert"
    assert from_sav.codebook.value_label("forvaltning", 2) == "Socialförvaltningen"
    columns = ["k1", "k4", "s2", "vikt", "population"]
    pd.testing.assert_frame_equal(from_csv.data[columns], from_sav.data[columns])
    assert from_csv.data["fritext_behov"].tolist() == from_sav.data["fritext_behov"].tolist()
    assert len(from_csv.data) == 400
    # a YAML codebook without missing codes still treats SPSS user-missing 99 as missing
    book = survey.load_codebook(SAMPLE / "kodbok.yaml")
    book.variables["k1"].missing = {}
    combined = survey.read_survey(SAMPLE / "enkat.sav", book)
    assert combined.data["k1"].isna().sum() == from_csv.data["k1"].isna().sum()


# ---------------------------------------------------------------------------------------
# design-based estimates (R survey reference values)


def test_apistrat_matches_r_survey(shared_data):
    api = pd.read_csv(shared_data / "stats" / "apistrat.csv")
    design = survey.SurveyDesign(api, weights="pw", strata="stype", fpc="fpc")
    mean = design.mean("api00").iloc[0]
    assert mean["estimate"] == pytest.approx(662.29, abs=0.005)
    assert mean["se"] == pytest.approx(9.4089, rel=1e-4)
    assert mean["n"] == 200
    assert mean["ci_low"] == pytest.approx(662.2874 - 1.959964 * 9.408941, rel=1e-6)
    total = design.total("enroll").iloc[0]
    assert total["estimate"] == pytest.approx(3_687_178, rel=1e-6)
    assert total["se"] == pytest.approx(114_642, rel=1e-5)
    # without the fpc the standard error grows (fpc < 1 shrinks the variance)
    no_fpc = survey.SurveyDesign(api, weights="pw", strata="stype").mean("api00").iloc[0]
    assert no_fpc["se"] > mean["se"]


def test_one_stage_cluster_design_against_hand_computed_taylor_variance():
    # one stratum, 3 sampled clusters out of N = 10, equal weights 10/3 per unit
    data = pd.DataFrame({
        "cluster": ["a", "a", "b", "b", "b", "c"],
        "y": [1.0, 3.0, 2.0, 2.0, 5.0, 4.0],
        "w": [10 / 3] * 6,
        "N": [10] * 6,
    })
    design = survey.SurveyDesign(data, weights="w", clusters="cluster", fpc="N")
    w = 10 / 3
    total_w = 6 * w
    mean = (w * data["y"].sum()) / total_w  # 17 / 6
    z = {"a": w * ((1 - mean) + (3 - mean)) / total_w,
         "b": w * ((2 - mean) + (2 - mean) + (5 - mean)) / total_w,
         "c": w * (4 - mean) / total_w}
    zbar = sum(z.values()) / 3
    variance = (1 - 3 / 10) * 3 / 2 * sum((v - zbar) ** 2 for v in z.values())
    result = design.mean("y").iloc[0]
    assert result["estimate"] == pytest.approx(17 / 6)
    assert result["se"] == pytest.approx(math.sqrt(variance), rel=1e-12)
    assert design.degf_ == 2
    totals = {"a": w * 4, "b": w * 9, "c": w * 4}
    tbar = sum(totals.values()) / 3
    total_var = (1 - 0.3) * 1.5 * sum((v - tbar) ** 2 for v in totals.values())
    assert design.total("y").iloc[0]["se"] == pytest.approx(math.sqrt(total_var), rel=1e-12)


def test_domain_estimates_keep_the_full_design():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, np.nan, 6.0],
                         "g": ["x", "x", "y", "y", "y", "x"]})
    design = survey.SurveyDesign(data)
    by = design.mean("y", by="g").set_index("g")
    assert by.loc["x", "estimate"] == pytest.approx(3.0)
    assert by.loc["y", "estimate"] == pytest.approx(3.5)
    assert by.loc["y", "n"] == 2  # the missing value is outside the domain
    # SRS domain variance: n/(n-1) * sum(z^2), z = I*(y - ybar)/n_d
    z = np.array([1 - 3, 2 - 3, 0, 0, 0, 6 - 3]) / 3
    assert by.loc["x", "se"] == pytest.approx(math.sqrt(6 / 5 * (z ** 2).sum()))


def test_proportion_confidence_intervals():
    values = ["ja"] * 30 + ["nej"] * 70
    design = survey.SurveyDesign(pd.DataFrame({"svar": values}))
    logit = design.proportion("svar").set_index("level")
    wald = design.proportion("svar", method="wald").set_index("level")
    p, n = 0.3, 100
    se = math.sqrt(p * (1 - p) / (n - 1))  # SRS: s²/n with s² on n−1
    assert logit.loc["ja", "estimate"] == pytest.approx(p)
    assert logit.loc["ja", "se"] == pytest.approx(se)
    assert wald.loc["ja", "ci_low"] == pytest.approx(p - stats.norm.ppf(0.975) * se)
    # svyciprop(method = "logit"): logit(p) ± t(df = n − 1) · se / (p(1 − p))
    t = stats.t.ppf(0.975, n - 1)
    centre, half = math.log(p / (1 - p)), t * se / (p * (1 - p))
    assert logit.loc["ja", "ci_low"] == pytest.approx(1 / (1 + math.exp(-(centre - half))))
    assert logit.loc["ja", "ci_high"] == pytest.approx(1 / (1 + math.exp(-(centre + half))))
    tiny = survey.SurveyDesign(pd.DataFrame({"svar": ["ja"] + ["nej"] * 9}))
    low = tiny.proportion("svar").set_index("level").loc["ja", "ci_low"]
    assert 0 < low < 0.1  # the logit interval never leaves [0, 1]; Wald would
    assert tiny.proportion("svar", method="wald").set_index("level").loc["ja", "ci_low"] < 0


def test_rao_scott_equals_scaled_pearson_under_simple_random_sampling():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"a": rng.integers(0, 3, 120), "b": rng.integers(0, 2, 120)})
    result = survey.SurveyDesign(data).crosstab("a", "b")
    table = pd.crosstab(data["a"], data["b"]).to_numpy()
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    n, df = 120, 2
    assert result.pearson == pytest.approx(chi2)
    # under SRS the design effects are all n/(n-1): F = X² / (df · n/(n−1)), d0 = df
    assert result.statistic == pytest.approx(chi2 / df * (n - 1) / n)
    assert result.ndf == pytest.approx(df)
    assert result.ddf == pytest.approx(df * (n - 1))
    assert result.p_value == pytest.approx(stats.f.sf(result.statistic, df, df * (n - 1)))
    assert result.chisq_first_order == pytest.approx(chi2 * (n - 1) / n)
    assert result.counts.to_numpy().sum() == n


def test_rao_scott_is_invariant_to_weight_scale_and_uses_the_design():
    rng = np.random.default_rng(5)
    n = 200
    data = pd.DataFrame({"s": rng.integers(0, 4, n), "c": rng.integers(0, 10, n),
                         "a": rng.integers(0, 2, n), "b": rng.integers(0, 3, n)})
    data["w"] = 1 + data["s"]
    data["w10"] = data["w"] * 10
    first = survey.SurveyDesign(data, weights="w", strata="s", clusters="c").crosstab("a", "b")
    scaled = survey.SurveyDesign(data, weights="w10", strata="s", clusters="c").crosstab("a", "b")
    assert scaled.statistic == pytest.approx(first.statistic)
    assert scaled.p_value == pytest.approx(first.p_value)
    assert first.proportions.to_numpy().sum() == pytest.approx(1.0)
    # nu = number of clusters (within strata) − number of strata
    nu = data.groupby(["s", "c"]).ngroups - 4
    assert first.ddf == pytest.approx(first.ndf * nu)


def test_design_input_errors():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "w": [1.0, 0.0, 2.0], "s": ["a", "a", "b"]})
    with pytest.raises(InputDataError, match="non-positive"):
        survey.SurveyDesign(data, weights="w")
    with pytest.raises(InputDataError, match="only one sampling unit"):
        survey.SurveyDesign(data, strata="s")
    assert survey.SurveyDesign(data, strata="s", lonely_psu="certainty").degf_ == 1
    with pytest.raises(ParameterError, match="not in the data"):
        survey.SurveyDesign(data, weights="vikt")
    with pytest.raises(InputDataError, match="smaller than the sample"):
        survey.SurveyDesign(data, fpc=2)


def test_multistage_and_fpc_input_errors():
    data = pd.DataFrame({"a": [1, 1, 2, 2, 3, 3], "b": [1, 2, 1, 2, 1, 2],
                         "N1": [10] * 6, "N2": [4] * 6, "f": [0.5] * 6, "y": [1.0] * 6})
    design = survey.SurveyDesign(data, clusters=["a", "b"], fpc=["N1", "N2"])
    assert design.weights_.tolist() == [10 / 3 * 2] * 6  # (N1/n1)·(N2/n2), as R
    with pytest.raises(ParameterError, match="one fpc"):
        survey.SurveyDesign(data, clusters=["a", "b"], fpc="N1")
    with pytest.raises(InputDataError, match="mixes"):
        survey.SurveyDesign(data, clusters=["a", "b"], fpc=["N1", "f"])
    varying = data.assign(N2=[4, 5, 4, 4, 4, 4])
    with pytest.raises(InputDataError, match="constant within each stratum at stage 2"):
        survey.SurveyDesign(varying, clusters=["a", "b"], fpc=["N1", "N2"])
    listed = survey.design_from_parameters(data, "", "", ["a", "b"], ["N1", "N2"])
    assert listed.cluster_columns_ == ["a", "b"] and listed.lonely_psu == "certainty"
    assert survey.design_from_parameters(data, fpc="25").popsize_[0].tolist() == [25.0] * 6


def test_design_errors_name_the_file_row_and_column(tmp_path, codebook_file):
    rows = [*CSV_ROWS[:3], "3;3;99;3;3;;0;", *CSV_ROWS[4:]]  # weight 0 in file row 4
    result = survey.read_survey(write_csv(tmp_path, rows), codebook_file)
    with pytest.raises(InputDataError) as info:
        survey.analyse(result, weight="vikt")
    error = info.value
    assert error.fields["file"].endswith("enkat.csv") and error.fields["row"] == 4
    assert error.fields["column"] == "vikt" and "row 4" in str(error)


@pytest.mark.parametrize("level", [95, 1.0, 0, -0.5, True, "0.95"])
def test_confidence_level_must_be_a_fraction(level):
    design = survey.SurveyDesign(pd.DataFrame({"y": [1.0, 2.0, 3.0]}))
    with pytest.raises(ParameterError, match="fraction") as info:
        design.mean("y", level=level)
    if level == 95:
        assert "0.95" in info.value.hint
    with pytest.raises(ParameterError):
        survey.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 4]}), ci=level)


def test_proportions_at_0_and_100_percent_are_real_intervals():
    design = survey.SurveyDesign(pd.DataFrame({"svar": [1.0] * 12}))
    for method in ("logit", "beta"):
        row = design.proportion("svar", method=method).iloc[0]
        assert row["estimate"] == 1.0 and row["ci_high"] == 1.0
        # Clopper–Pearson: (α/2)^(1/n) for 12 of 12
        assert row["ci_low"] == pytest.approx(0.025 ** (1 / 12))


# ---------------------------------------------------------------------------------------
# scales


def test_cronbach_alpha_matches_pingouin(shared_data):
    long = pd.read_csv(shared_data / "stats" / "pingouin_cronbach_alpha.csv")
    items = long.pivot(index="Subj", columns="Items", values="Scores")
    result = survey.cronbach_alpha(items)
    assert result.alpha == pytest.approx(0.5917188485995826, rel=1e-10)
    assert round(result.ci_low, 3) == 0.195 and round(result.ci_high, 3) == 0.840
    assert result.n == 15 and result.k == 10
    # alpha if item deleted equals alpha of the other nine items
    assert result.if_deleted["Q1"] == pytest.approx(
        survey.cronbach_alpha(items.drop(columns="Q1")).alpha)


def test_alpha_defaults_to_pairwise_covariances_with_listwise_as_option():
    items = pd.DataFrame({"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 2, 3, 5, 4, 1],
                          "c": [1, 3, 3, 4, np.nan, 2]})
    pairwise = survey.cronbach_alpha(items)
    assert pairwise.nan_policy == "pairwise" and pairwise.n == 6
    cov = items.cov().to_numpy()  # pandas: pairwise-complete, as psych's cov(use="pairwise")
    assert pairwise.alpha == pytest.approx(1.5 * (1 - np.trace(cov) / cov.sum()))
    listwise = survey.cronbach_alpha(items, nan_policy="listwise")
    assert listwise.n == 4 and listwise.alpha != pytest.approx(pairwise.alpha)
    with pytest.raises(ParameterError, match="nan_policy"):
        survey.cronbach_alpha(items, nan_policy="mean")


def test_reverse_coding_and_index(codebook_file, tmp_path):
    result = survey.read_survey(write_csv(tmp_path, CSV_ROWS), codebook_file)
    items = survey.scale_items(result.data, result.codebook, "idx")
    assert items["q2"].tolist() == [4.0, 5.0, 3.0, 2.0]  # 6 − x
    scored = survey.compute_indices(result.data, result.codebook)
    assert scored["idx"].tolist() == pytest.approx([13 / 3, 14 / 3, 3.0, 2.0])
    with pytest.raises(ParameterError):
        survey.cronbach_alpha(items[["q1"]])


# ---------------------------------------------------------------------------------------
# disclosure control (through research.privacy)


def test_likert_table_suppresses_primary_and_secondary_cells():
    book = survey.parse_codebook({
        "value_sets": {"l": {1: "Nej", 2: "Kanske", 3: "Ja"}},
        "variables": {"q1": {"label": "Första", "type": "likert", "values": "l"},
                      "q2": {"label": "Andra", "type": "likert", "values": "l"}},
    })
    # q1: 2 × "Nej" (small) – naive suppression of that one cell leaks through the row total
    data = pd.DataFrame({"q1": [1.0] * 2 + [2.0] * 10 + [3.0] * 20,
                         "q2": [1.0] * 8 + [2.0] * 12 + [3.0] * 12})
    table = survey.likert_table(data, book, ["q1", "q2"], min_cell=5)
    inner = table.suppressed.loc[["Första", "Andra"], ["Nej", "Kanske", "Ja"]]
    assert inner.loc["Första", "Nej"]
    assert inner.loc["Första"].sum() >= 2  # a complement in the same row
    assert inner["Nej"].sum() >= 2  # and in the same column
    frame = table.to_frame()
    assert frame.loc[0, "Nej"] == ".." and frame.loc[0, "Andel Nej (%)"] == ".."
    assert 2 not in set(frame.loc[0, ["Nej", "Kanske", "Ja"]])
    # the chart is drawn from the suppressed shares only
    assert np.isnan(table.shares.loc["Första", "Nej"])
    fig = survey.likert_figure(table, title="Test")
    from research.report import get_alt
    assert "instämmer" in get_alt(fig)


def test_figures_survive_hostile_labels():
    from research.report import figure_png, get_alt

    book = survey.parse_codebook({
        "value_sets": {"l": {1: "Nej $x^", 2: "Ja <b>"}},
        "variables": {"q": {"label": "<script>alert(1)</script> kostar $5 och ^{ $", "type": "likert",
                            "values": "l"}},
    })
    data = pd.DataFrame({"q": [1.0] * 10 + [2.0] * 12})
    fig = survey.likert_figure({"Block $": survey.likert_table(data, book, ["q"])})
    assert figure_png(fig)[:4] == b"\x89PNG"  # mathtext would fail on unbalanced "$"
    assert "<script>" in get_alt(fig)  # plain text; the renderer escapes alt attributes
    estimates = pd.DataFrame({"Värde": ["A $", "B"], "estimate": [3.0, float("nan")],
                              "ci_low": [2.5, float("nan")], "ci_high": [3.5, float("nan")],
                              "n": [40, ".."]})
    chart = survey.estimates_figure(estimates, label_column="Värde", title="Index $")
    assert figure_png(chart)[:4] == b"\x89PNG"
    assert "B" not in get_alt(chart).split("högst")[1]  # a suppressed row is not described


def test_a_row_under_min_cell_hides_its_zeros_too():
    book = survey.parse_codebook({
        "value_sets": {"l": {1: "Nej", 2: "Kanske", 3: "Ja"}},
        "variables": {"q1": {"label": "Få svar", "type": "likert", "values": "l"},
                      "q2": {"label": "Många svar", "type": "likert", "values": "l"}},
    })
    data = pd.DataFrame({"q1": [3.0] * 3 + [np.nan] * 27,
                         "q2": [1.0] * 10 + [2.0] * 10 + [3.0] * 10})
    frame = survey.likert_table(data, book, ["q1", "q2"], min_cell=5).to_frame()
    few = frame[frame["Fråga"] == "Få svar"].iloc[0]
    # without this, "0, 0, .." would say that all three answered "Ja"
    assert set(few.drop("Fråga")) == {".."}


def test_small_groups_are_never_broken_down():
    groups = pd.Series(["Skola"] * 20 + ["Fritid"] * 7 + ["Miljö"] * 2 + ["Kultur"] * 1)
    combined = survey.combine_small_groups(groups, 5)
    counts = combined.value_counts()
    assert counts.min() >= 5
    # 3 small respondents are not enough alone: the smallest other group joins them
    assert counts[survey.OTHER_GROUPS_LABEL] == 10 and "Fritid" not in counts


def test_suppressed_estimates_complement_a_single_small_group():
    estimates = pd.DataFrame({"group": ["a", "b", "c"], "estimate": [3.0, 2.0, 4.0],
                              "se": [0.1, 0.2, 0.3], "ci_low": [2.8, 1.6, 3.4],
                              "ci_high": [3.2, 2.4, 4.6], "n": [40, 3, 12]})
    out = survey.suppressed_estimates(estimates, 5)
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[1, "estimate"] != out.loc[1, "estimate"]  # NaN
    assert out.loc[2, "n"] != out.loc[2, "n"]


# ---------------------------------------------------------------------------------------
# free text


def _valid_personnummer() -> str:
    for serial in range(1000):
        candidate = f"850709{serial:03d}"
        for check in range(10):
            if luhn_valid(candidate + str(check)):
                return f"850709-{serial:03d}{check}"
    raise AssertionError("no valid number")


def test_free_text_themes_mask_identifiers_before_quotes():
    number = _valid_personnummer()
    answers = ["Mer utbildning om radikalisering på nätet för personalen"] * 6 + \
        ["Bättre samverkan med polisen och socialtjänsten vid oro"] * 6 + [
        f"Utbildning om radikalisering, min elev {number} behöver stöd",
        "Samverkan med polisen, ring 070-123 45 67 eller anna.berg@example.se",
        "Samverkan med polisen fungerar bra tack vare Kalle Nordin",
        "<script>alert(1)</script> utbildning om radikalisering",
        None, "", float("nan"),
    ]
    themes = survey.free_text_themes(answers, n_themes=2, names=["Kalle Nordin"], quotes=10,
                                     seed=0)
    text = themes.table.to_csv()
    for secret in (number, number.replace("-", ""), "070-123 45 67", "anna.berg",
                   "Nordin", "Kalle"):
        assert secret not in text
    assert themes.n_answers == 16
    assert len(themes.table) == 2
    # hostile text is escaped when the table reaches HTML
    from research.report import table_html
    html = table_html(themes.table, "Teman")
    assert "<script>" not in html


def test_small_themes_show_no_count_and_no_quote():
    answers = ["utbildning om extremism"] * 12 + ["föräldrar stöd samtal"] * 3
    themes = survey.free_text_themes(answers, n_themes=2, min_cell=5, seed=0)
    small = themes.table[themes.table["Antal svar"] == ".."]
    assert len(small) == 1 and small.iloc[0]["Citat"] == ""


def test_compare_groups_effect_sizes():
    data = pd.DataFrame({"y": [1, 1, 2, 2, 2, 4, 4, 5, 5, 5], "g": ["a"] * 5 + ["b"] * 5})
    result = survey.compare_groups(data, "y", "g")
    assert result["test"] == "Designbaserat Wilcoxontest"  # R: svyranktest
    assert result["effect_size"] == pytest.approx(1.0)  # group a is always lower
    three = pd.DataFrame({"y": list(range(15)), "g": ["a"] * 5 + ["b"] * 5 + ["c"] * 5})
    kw = survey.compare_groups(three, "y", "g")
    h = stats.kruskal(range(5), range(5, 10), range(10, 15)).statistic
    assert kw["effect_size"] == pytest.approx(h / 14)  # ε² = H / (n − 1) without weights
    # weights count: the design-based test is not the unweighted one
    data["w"] = [1.0] * 5 + [9.0] * 5
    weighted = survey.compare_groups(survey.SurveyDesign(data, weights="w"), "y", "g")
    assert weighted["p_value"] != pytest.approx(result["p_value"])
    constant = survey.compare_groups(pd.DataFrame({"y": [3] * 10, "g": ["a", "b"] * 5}),
                                     "y", "g")
    assert constant["p_value"] == 1.0


# ---------------------------------------------------------------------------------------
# the whole analysis


def test_analyse_tiny_survey_suppresses_instead_of_failing(tmp_path, codebook_file):
    result = survey.read_survey(write_csv(tmp_path, CSV_ROWS), codebook_file)
    analysis = survey.analyse(result, weight="vikt", group_by=["grupp"], min_cell=5)
    # four respondents: no group of its own, every small count hidden
    assert set(analysis.data[survey.group_column("grupp")]) == {survey.OTHER_GROUPS_LABEL}
    likert = analysis.likert_frame
    assert set(likert["Antal"]) <= {"..", 0}
    shown = analysis.estimates.dropna(subset=["Skattning"])
    assert (shown["Antal svarande"].astype(int) >= 5).all()
    assert analysis.reliability.empty  # fewer than min_cell respondents
    assert 1 <= len(analysis.findings()) <= 5
    assert all(isinstance(note, str) for note in analysis.method_notes())


def test_analyse_does_not_change_the_callers_codebook(tmp_path, codebook_file):
    book = survey.load_codebook(codebook_file)
    book.blocks, book.free_text = {}, []
    before = book.to_dict()
    result = survey.read_survey(write_csv(tmp_path, CSV_ROWS), book)
    analysis = survey.analyse(result, group_by=["grupp"])
    assert book.to_dict() == before and result.codebook.blocks == {}
    assert analysis.survey.codebook.blocks  # defaults were made on a copy


def test_analyse_rejects_unknown_group_and_bad_min_cell(tmp_path, codebook_file):
    result = survey.read_survey(write_csv(tmp_path, CSV_ROWS), codebook_file)
    with pytest.raises(ParameterError, match="kommun"):
        survey.analyse(result, group_by=["kommun"])
    with pytest.raises(ParameterError, match="min_cell"):
        survey.analyse(result, min_cell=0)


def test_clearest_difference_is_chosen_after_benjamini_hochberg():
    tests = pd.DataFrame({"Fråga": ["A", "B", "C"], "Bakgrundsvariabel": ["g"] * 3,
                          "Rao–Scott F": [5.0, 4.0, 1.0], "p (Rao–Scott)": [0.02, 0.03, 0.04],
                          "Cramérs V": [0.2, 0.1, 0.1], "Rangtest": ["–"] * 3,
                          "p (rangtest)": [0.1] * 3, "Effektstorlek": [0.1] * 3,
                          "Effektmått": ["–"] * 3})
    ranked = survey.group_tests(tests.assign(Grupp="x"))
    adjusted = ranked[survey.ADJUSTED_P].tolist()
    assert adjusted == pytest.approx([0.04, 0.04, 0.04])  # BH: min over k of p_(k)·m/k
    empty_themes = survey.Themes(pd.DataFrame(columns=["Tema"]), np.array([]), 0)
    text = " ".join(survey.summary_findings(pd.DataFrame(columns=["Grupp", "Mått", "Skattning"]), {},
                                            pd.DataFrame(), empty_themes, 10, ranked))
    assert "Benjamini–Hochberg" in text and "3 test" in text and "”A”" in text
    many = pd.concat([tests] * 10, ignore_index=True).assign(Grupp="x")
    many["Fråga"] = [f"Q{i}" for i in range(len(many))]
    many["p (Rao–Scott)"] = [0.02] + [0.5] * 29  # 0.02 alone is not a finding among 30 tests
    none = survey.summary_findings(pd.DataFrame(columns=["Grupp", "Mått", "Skattning"]), {},
                                   pd.DataFrame(), empty_themes, 10, survey.group_tests(many))
    assert any("Ingen skillnad" in f and "30 testen" in f for f in none)


def test_scale_range_comes_from_the_codebook(tmp_path, codebook_file):
    book = survey.load_codebook(codebook_file)
    assert book.scale_range("idx") == (1.0, 5.0)
    estimates = pd.DataFrame({"Mått": ["Medelvärde"], "Fråga/index": ["Index"], "Grupp": ["Alla"],
                              "Skattning": [3.25], "KI nedre (95 %)": [3.0],
                              "KI övre (95 %)": [3.5]})
    themes = survey.Themes(pd.DataFrame(columns=["Tema"]), np.array([]), 0)
    text = survey.summary_findings(estimates, {}, pd.DataFrame(), themes, 10,
                                   scales={"Index": (0.0, 10.0)})[0]
    assert "skalan 0–10" in text and "1–5" not in text


def test_method_notes_state_the_lonely_psu_rule_and_alpha_choice(tmp_path, codebook_file):
    result = survey.read_survey(write_csv(tmp_path, CSV_ROWS), codebook_file)
    notes = " ".join(survey.analyse(result, lonely_psu="adjust").method_notes())
    assert "”adjust”" in notes and "parvis" in notes and "Korn–Graubard" in notes
    analysis = survey.analyse(result, group_by=["grupp"])
    assert analysis.top_difference_caption().startswith("Gruppskillnader: inga grupper")
    notes = " ".join(survey.analyse(result, nan_policy="listwise").method_notes())
    assert "”certainty”" in notes and "listvis" in notes
    staged = survey.analyse(result, cluster=["grupp", "id"], fpc=[10, 20])  # notebook lists
    notes = " ".join(staged.method_notes())
    assert "kluster i 2 steg (grupp → id)" in notes and "härledda" in notes
    assert staged.design.weights_.tolist() == pytest.approx([10 / 3 * 20 / 2, 10 / 3 * 20,
                                                             10 / 3 * 20, 10 / 3 * 20 / 2])


def test_response_rates_suppress_small_groups():
    book = survey.parse_codebook({
        "variables": {"g": {"type": "categorical", "values": {1: "Stor", 2: "Liten", 3: "Mellan"}}},
        "invited": {"variable": "g", "counts": {1: 40, 2: 10, 3: 20}},
    })
    data = pd.DataFrame({"g": [1.0] * 30 + [2.0] * 2 + [3.0] * 12})
    table = survey.response_rates(data, book, min_cell=5).set_index("Grupp")
    assert table.loc["Liten", "Svarande"] == ".." and table.loc["Liten", "Svarsfrekvens (%)"] == ".."
    # the complement keeps the total from revealing the small group
    assert table.loc["Mellan", "Svarande"] == ".."
    assert table.loc["Totalt", "Svarande"] == 44
    assert table.loc["Stor", "Svarsfrekvens (%)"] == 75.0


def test_table_decimals():
    frame = pd.DataFrame({"Andel (%)": [1.25], "p (Rao–Scott)": [0.01], "Cramérs V": [0.2],
                          "Skattning": [3.14159], "Antal": [12]})
    assert survey.table_decimals(frame) == {"Andel (%)": 1, "p (Rao–Scott)": 4,
                                            "Cramérs V": 3, "Skattning": 2}


def test_notebook_follows_the_house_conventions():
    import nbformat

    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "enkatanalys.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.cells[1].metadata.get("tags") == ["parameters"]
    assert nb.cells[2].metadata.get("tags") == ["setup"]
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert headings[1] == "## Sammanfattning" and headings[-1] == "## Om underlaget"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "def " not in cell.source and "for " not in cell.source
            assert "print(" not in cell.source
    parameters = nb.cells[1].source
    for name in ("data", "codebook", "weight", "strata", "cluster", "fpc", "group_by",
                 "min_cell", "title", "kunskapshus"):
        assert f"\n{name} = " in "\n" + parameters


# ---------------------------------------------------------------------------------------
# CLI


def test_cli_codebook_writes_and_never_overwrites(tmp_path, capsys):
    from research.cli import main

    target = tmp_path / "kodbok.yaml"
    assert main(["survey", "codebook", str(SAMPLE / "enkat.sav"), "-o", str(target)]) == 0
    book = survey.load_codebook(target)
    assert book.variables["k1"].type == "likert"
    assert book.variables["k1"].missing == {99.0: "Vet ej"}
    assert book.variables["forvaltning"].type == "categorical"
    before = target.read_bytes()
    assert main(["survey", "codebook", str(SAMPLE / "enkat.sav"), "-o", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert main(["survey", "codebook", str(SAMPLE / "enkat.sav"), "-o", str(target),
                 "--force"]) == 0
    assert main(["survey", "codebook", str(SAMPLE / "enkat.csv"), "-o",
                 str(tmp_path / "x.yaml")]) == 2
    # the generated codebook reads the .sav file
    assert len(survey.read_survey(SAMPLE / "enkat.sav", target).data) == 400


# ---------------------------------------------------------------------------------------
# end to end


@pytest.mark.e2e
def test_notebook_end_to_end_publishes_nothing_identifying(shipped_runs):
    result = shipped_runs.run("enkatanalys/default")  # shared, read-only
    assert result.status == "succeeded", result.error
    tables = {p.name for p in (result.run_dir / "tables").glob("*.csv")}
    assert {"estimates.csv", "likert.csv", "reliability.csv", "crosstabs.csv",
            "free_text_themes.csv"} <= tables
    briefing = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Sammanfattning" in briefing and "Om underlaget" in briefing
    assert "No description has been provided" not in briefing
    raw = pd.read_csv(SAMPLE / "enkat.csv", sep=";", encoding="cp1252", dtype=str)
    planted = [a for a in raw["fritext_behov"].dropna() if "Nordin" in a or "@" in a
               or any(ch.isdigit() for ch in a)]
    assert len(planted) >= 5
    published = [briefing] + [p.read_text(encoding="utf-8")
                              for p in (result.run_dir / "tables").glob("*.csv")]
    from research.privacy import find_identifier_spans
    for text in published:
        assert "Nordin" not in text and "@alvstad" not in text
        assert not [s for s in find_identifier_spans(text) if s.kind != "gatuadress"]
    # small förvaltningar (3 and 2 respondents) never appear as groups of their own
    crosstabs = pd.read_csv(result.run_dir / "tables" / "crosstabs.csv")
    assert "Miljöförvaltningen" not in set(crosstabs["Grupp"])
    assert survey.OTHER_GROUPS_LABEL in set(crosstabs["Grupp"])
