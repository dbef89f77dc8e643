"""Disclosure control of the Enkätanalys: every count table of a run is suppressed together,
described to the audit and checked; an attacker's own linear program (written here, never
calling the suppression or the audit) cannot pin or narrow a hidden count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from research import survey
from research.privacy import checking
from research.survey.codebook import code_key

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample" / "enkat"
HIDDEN = ".."


@pytest.fixture(autouse=True)
def _fresh_registrations():
    checking.reset()
    yield
    checking.reset()


@pytest.fixture(scope="module")
def default_analysis():
    parameters = yaml.safe_load((PROJECT_ROOT / "parameters" / "enkatanalys" / "default.yaml")
                                .read_text(encoding="utf-8"))
    data = survey.read_survey(PROJECT_ROOT / parameters["data"],
                              PROJECT_ROOT / parameters["codebook"])
    return survey.analyse(data, weight=parameters["weight"], strata=parameters["strata"],
                          fpc=parameters["fpc"], group_by=parameters["group_by"],
                          min_cell=parameters["min_cell"])


# ---------------------------------------------------------------------------------------
# The attacker: reads the published tables as text and solves its own integer programs


class Attack:
    """Unknowns for hidden cells, known values for shown ones, and equations."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.known: dict[tuple, float] = {}
        self.equations: list[tuple[dict[tuple, float], float]] = []
        self.inequalities: list[tuple[tuple, tuple]] = []  # (larger, smaller)

    def at_least(self, larger: tuple, smaller: tuple) -> None:
        self.inequalities.append((larger, smaller))

    def cell(self, key: tuple, text) -> None:
        text = str(text).strip()
        if text == HIDDEN:
            self.index.setdefault(key, len(self.index))
        elif text not in ("", "None", "nan"):
            self.known[key] = float(text)

    def total(self, total: tuple, parts: list[tuple]) -> None:
        self.equations.append(({total: 1.0, **{p: -1.0 for p in parts}}, 0.0))

    def intervals(self, lower: dict[tuple, float]) -> dict[tuple, tuple[float, float]]:
        n = len(self.index)
        rows, rhs, upper = [], [], []
        for coefficients, value, high in [(c, v, v) for c, v in self.equations] + [
                ({big: 1.0, small: -1.0}, 0.0, np.inf) for big, small in self.inequalities]:
            row, known = np.zeros(n), value
            for key, a in coefficients.items():
                if key in self.index:
                    row[self.index[key]] += a
                elif key in self.known:
                    known -= a * self.known[key]
                else:  # a cell no table shows: unknown, no bounds
                    row = None
                    break
            if row is not None and row.any():
                rows.append(row)
                rhs.append(known)
                upper.append(known + (high - value))
        constraint = LinearConstraint(np.array(rows), rhs, upper)
        floors = np.array([lower.get(k, 0.0) for k in self.index])
        bounds = Bounds(floors, np.full(n, 1e6))
        out = {}
        for key, i in self.index.items():
            objective = np.zeros(n)
            objective[i] = 1.0
            low = milp(objective, constraints=constraint, integrality=np.ones(n), bounds=bounds)
            high = milp(-objective, constraints=constraint, integrality=np.ones(n), bounds=bounds)
            assert low.status == 0 and high.status == 0, "the published tables are infeasible"
            out[key] = (round(low.x[i]), round(high.x[i]))
        return out


def attack(tables: dict[str, pd.DataFrame], respondents: int, bounds: bool = False) -> Attack:
    """Every published count and every sum a reader can see, in the attacker's own terms;
    with ``bounds`` also that a group's respondents are at least those who answered a
    question or have an index value in it."""
    a = Attack()
    a.known[("N",)] = float(respondents)  # a key figure of the briefing
    likert = tables["likert"]
    for question, rows in likert.groupby("Fråga", sort=False):
        for _, row in rows.iterrows():
            a.cell(("opt", question, row["Svarsalternativ"]), row["Antal"])
        a.cell(("n", question), rows["Antal svar"].iloc[0])
        a.total(("n", question), [("opt", question, o) for o in rows["Svarsalternativ"]])
    cross = tables["crosstabs"]
    complete: set[str] = set()
    for (question, background), block in cross.groupby(["Fråga", "Bakgrundsvariabel"]):
        groups = block[block["Grupp"] != "Totalt"]
        for _, row in groups.iterrows():
            a.cell(("go", question, background, row["Grupp"], row["Svarsalternativ"]),
                   row["Antal"])
            a.cell(("g", question, background, row["Grupp"]), row["Antal svar i gruppen"])
        for _, row in block[block["Grupp"] == "Totalt"].iterrows():
            a.cell(("opt", question, row["Svarsalternativ"]), row["Antal"])
        names, options = list(dict.fromkeys(groups["Grupp"])), list(
            dict.fromkeys(groups["Svarsalternativ"]))
        for g in names:
            a.total(("g", question, background, g),
                    [("go", question, background, g, o) for o in options])
        if "Totalt" not in set(block["Grupp"]):
            continue  # some respondents have no group: the groups do not add up
        complete.add(background)
        for o in options:
            a.total(("opt", question, o), [("go", question, background, g, o) for g in names])
        a.total(("n", question), [("g", question, background, g) for g in names])
    items = tables["item_response"]
    outcomes = [c for c in items.columns if c not in ("Fråga", "Svarande", "Svarsandel (%)")]
    for _, row in items.iterrows():
        for outcome in outcomes:
            a.cell(("item", row["Fråga"], outcome), row[outcome])
        a.equations.append(({("item", row["Fråga"], "Svar"): 1.0, ("n", row["Fråga"]): -1.0},
                            0.0))
        a.total(("N",), [("item", row["Fråga"], o) for o in outcomes])
    estimates = tables["estimates"]
    for (kind, label), rows in estimates.groupby(["Mått", "Fråga/index"]):
        for _, row in rows.iterrows():
            overall = row["Grupp"] == "Alla"
            if kind == "Medelvärde":
                key = ("idx", label) if overall else ("idxg", label, row["Grupp"], row["Värde"])
            else:
                key = ("n", label) if overall else ("g", label, row["Grupp"], row["Värde"])
            a.cell(key, row["Antal svarande"])
        if kind == "Medelvärde":
            for background, groups in rows[rows["Grupp"].isin(complete)].groupby("Grupp"):
                a.total(("idx", label), [("idxg", label, background, v) for v in groups["Värde"]])
    response = tables["response_rates"]
    for _, row in response.iterrows():
        a.cell(("resp", row["Grupp"]), row["Svarande"])
    a.total(("resp", "Totalt"), [("resp", g) for g in response["Grupp"] if g != "Totalt"])
    a.equations.append(({("resp", "Totalt"): 1.0}, float(respondents)))
    # a group's respondents are at least those who answered a question or have an index
    for key in list(a.index) + list(a.known) if bounds else []:
        if key[0] in ("g", "idxg") and ("resp", key[-1]) in {**a.index, **a.known}:
            a.at_least(("resp", key[-1]), key)
    themes = tables["free_text_themes"]
    for _, row in themes.iterrows():
        a.cell(("theme", row["Tema"]), row["Antal svar"])
    if "Totalt" in set(themes["Tema"]):
        a.total(("theme", "Totalt"), [("theme", t) for t in themes["Tema"] if t != "Totalt"])
    return a


def truth(analysis) -> dict[tuple, float]:
    """The true counts of the Likert and cross-table cells, counted here from the data."""
    book, data = analysis.survey.codebook, analysis.data
    values = {}
    for item in book.likert_items():
        question = book.label(item)
        codes = book.variables[item].codes
        values[("n", question)] = float(data[item].notna().sum())
        for code in codes:
            chosen = data[item] == float(code_key(code))
            option = book.value_label(item, code)
            values[("opt", question, option)] = float(chosen.sum())
            for by in analysis.group_by:
                groups = data[f"grupp_{by}"]
                for g in groups.dropna().unique():
                    values[("go", question, book.label(by), str(g), option)] = float(
                        (chosen & (groups == g)).sum())
                    values[("g", question, book.label(by), str(g))] = float(
                        (data[item].notna() & (groups == g)).sum())
    return values


def assert_attack_fails(analysis, min_cell: int = 5, tables=None, bounds: bool = False) -> int:
    protection = min_cell - 1
    tables = analysis.published_tables() if tables is None else tables
    a = attack(tables, len(analysis.data), bounds)
    true = truth(analysis)
    lower = {k: 1.0 for k in a.index if true.get(k, 0.0) >= 1}
    intervals = a.intervals(lower)
    for key, (low, high) in intervals.items():
        assert not (low == high and low < min_cell), f"{key} is pinned"
        value = true.get(key)
        if value is not None and 0 < value < min_cell:
            assert high - low >= protection and high >= min_cell, f"{key} is narrowed"
        elif value is None and low < min_cell:  # unknown truth: must look like ≥ min_cell
            assert high >= min_cell and high - low >= protection, f"{key} may be small"
    return len(intervals)


def assert_shares_only_beside_published_counts(tables: dict[str, pd.DataFrame]) -> None:
    """A share is shown only where its count and its total are (so it adds nothing)."""
    likert = tables["likert"]
    shown = likert["Andel (%)"].astype(str) != HIDDEN
    assert (likert.loc[shown, "Antal"].astype(str) != HIDDEN).all()
    assert (likert.loc[shown, "Antal svar"].astype(str) != HIDDEN).all()
    cross = tables["crosstabs"]
    shown = cross["Andel (%)"].map(lambda v: v is not None and v == v and str(v) != HIDDEN)
    assert (cross.loc[shown, "Antal"].astype(str) != HIDDEN).all()
    assert (cross.loc[shown, "Antal svar i gruppen"].astype(str) != HIDDEN).all()
    items = tables["item_response"]
    assert ((items["Svarsandel (%)"].astype(str) == HIDDEN)
            == (items["Svar"].astype(str) == HIDDEN)).all()
    rates = tables["response_rates"]
    assert ((rates["Svarsfrekvens (%)"].astype(str) == HIDDEN)
            == (rates["Svarande"].astype(str) == HIDDEN)).all()
    estimates = tables["estimates"]
    shares = estimates[(estimates["Mått"] == "Andel som instämmer") & estimates["Skattning"].notna()]
    assert (shares["Antal svarande"].astype(str) != HIDDEN).all()
    for _, row in shares[shares["Grupp"] != "Alla"].iterrows():
        cells = cross[(cross["Fråga"] == row["Fråga/index"]) & (cross["Grupp"] == row["Värde"])
                      & (cross["Bakgrundsvariabel"] == row["Grupp"])]
        assert (cells["Antal"].astype(str) != HIDDEN).all()  # the share is a sum of them


# ---------------------------------------------------------------------------------------
# The shipped sample


def test_default_run_tables_pass_the_audit(default_analysis):
    check = default_analysis.check_disclosure()
    assert check.passed, [f.describe() for f in check.audit.findings]
    assert set(check.audit.tables) == {"response_rates", "item_response", "likert", "estimates",
                                       "crosstabs", "crosstab_top", "free_text_themes",
                                       "reliability"}
    assert check.undescribed == [] and check.without_counts == ["group_tests"]
    assert check.audit.parameters["relations"] > 0
    assert check.audit.hidden > 0 and check.hidden["secondary"] > 0
    note = check.note()
    assert note.startswith("Granskning av röjanderisk: alla 8 publicerade tabeller")
    assert "olikheter" in note
    assert "minst 4 brett" in note and "färre än 5" in note


def test_an_attackers_own_program_cannot_narrow_the_sample(default_analysis):
    tables = default_analysis.published_tables()
    assert_shares_only_beside_published_counts(tables)
    assert assert_attack_fails(default_analysis) > 50  # many hidden cells were attacked


def test_inequalities_between_tables_do_not_narrow_the_sample(default_analysis):
    """A group's respondents (response table) bound its answers to every question and its
    index respondents from above: the attacker uses that too, and still cannot narrow the
    combined group "Övriga grupper" (5 respondents) or any other hidden count."""
    assert assert_attack_fails(default_analysis, bounds=True) > 50


def group_size_attack(analysis) -> list[tuple]:
    """A stronger attacker: every group of every background variable has an unknown number
    of respondents (published or not, ≥ 0) that bounds its answers to each question and its
    index respondents; where every respondent has a group, the groups' respondents add up
    to all respondents. Returns the hidden cells it narrows."""
    tables = analysis.published_tables()
    a = attack(tables, len(analysis.data), bounds=True)
    true = truth(analysis)
    cross = tables["crosstabs"]
    complete = set(cross.loc[cross["Grupp"] == "Totalt", "Bakgrundsvariabel"])
    sizes: dict[str, list[tuple]] = {}
    for background, group in cross.loc[cross["Grupp"] != "Totalt", ["Bakgrundsvariabel", "Grupp"]
                                       ].drop_duplicates().itertuples(index=False):
        size = ("size", background, group)
        a.index.setdefault(size, len(a.index))
        sizes.setdefault(background, []).append(size)
        for key in list(a.index) + list(a.known):
            if key[0] in ("g", "idxg") and key[2:4] == (background, group):
                a.at_least(size, key)
    for background, keys in sizes.items():
        if background in complete:
            a.total(("N",), keys)
    lower = {k: 1.0 for k in a.index if true.get(k, 0.0) >= 1}
    narrowed = []
    for key, (low, high) in a.intervals(lower).items():
        value = true.get(key)
        if key[0] == "size":
            continue
        if (low == high and low < 5) or (value is not None and 0 < value < 5 and (
                high - low < 4 or high < 5)) or (value is None and low < 5 and (
                high < 5 or high - low < 4)):
            narrowed.append(key)
    return narrowed


def test_unpublished_group_sizes_do_not_narrow_the_sample(default_analysis):
    """Known limit of what is modelled: the relations name only published cells, so the
    size of a group whose respondents no table shows (Utbildning: Ja/Nej) is not an unknown
    of the audit. An attacker who makes it one, bounded by every answer count of the group
    and summing to all respondents, still narrows nothing in the sample."""
    assert group_size_attack(default_analysis) == []


def test_without_the_relations_both_attackers_narrow_the_small_group(monkeypatch):
    """The attackers above are not toothless: suppressed without the inequalities (the
    state before they were modelled), the sample's combined group "Övriga grupper" (5
    respondents) is narrowed by both."""
    monkeypatch.setattr("research.survey.briefing.count_relations", lambda *a, **k: [])
    parameters = yaml.safe_load((PROJECT_ROOT / "parameters" / "enkatanalys" / "default.yaml")
                                .read_text(encoding="utf-8"))
    data = survey.read_survey(PROJECT_ROOT / parameters["data"],
                              PROJECT_ROOT / parameters["codebook"])
    plain = survey.analyse(data, weight=parameters["weight"], strata=parameters["strata"],
                           fpc=parameters["fpc"], group_by=parameters["group_by"],
                           min_cell=parameters["min_cell"])
    assert plain.relations == []
    narrowed = group_size_attack(plain)
    assert narrowed and all(survey.OTHER_GROUPS_LABEL in key for key in narrowed)
    with pytest.raises(AssertionError, match="narrowed|pinned|may be small"):
        assert_attack_fails(plain, bounds=True)


def test_the_inequalities_are_what_protects_the_small_group(default_analysis):
    """Without the relations the suppression chose too few cells: audited with them (the
    run-level relations the survey registers), the old choice fails — so the relations are
    not decoration."""
    from research import privacy

    suppression = default_analysis.protection.suppression
    linked = privacy.LinkedTables()
    linked.keys, linked.values = suppression.linked.keys, suppression.linked.values
    linked.lines, linked.tables = suppression.linked.lines, suppression.linked.tables
    linked._index = suppression.linked._index
    plain = privacy.protect(linked, 5)
    assert plain.passed  # what the audit without inequalities accepted
    linked.relations = list(default_analysis.relations)
    audit = privacy.audit_system(linked.published(plain.hidden), 5,
                                 primary=plain.primary_keys(), zeros=plain.zero_keys())
    assert not audit.passed and {f.kind for f in audit.findings} & {"narrow", "pinned"}


def test_the_attack_finds_a_planted_leak(default_analysis):
    """The attacker is not toothless: reveal the other hidden cells of a line that holds a
    small hidden count, and it is pinned."""
    tables = {k: v.copy() for k, v in default_analysis.published_tables().items()}
    true = truth(default_analysis)
    cross = tables["crosstabs"]
    key = lambda row: ("go", row["Fråga"], row["Bakgrundsvariabel"], row["Grupp"],  # noqa: E731
                       row["Svarsalternativ"])
    hidden = cross[(cross["Antal"].astype(str) == HIDDEN) & (cross["Grupp"] != "Totalt")
                   & (cross["Antal svar i gruppen"].astype(str) != HIDDEN)]
    target = next(i for i, row in hidden.iterrows() if 0 < true[key(row)] < 5)
    line = ["Fråga", "Bakgrundsvariabel", "Grupp"]
    for i, row in hidden.iterrows():
        if i != target and (row[line] == cross.loc[target, line]).all():
            cross.loc[i, "Antal"] = int(true[key(row)])
    with pytest.raises(AssertionError, match="pinned|narrowed"):
        assert_attack_fails(default_analysis, tables=tables)


def test_cells_shared_by_tables_are_hidden_alike(default_analysis):
    tables = default_analysis.published_tables()
    likert = tables["likert"].set_index(["Fråga", "Svarsalternativ"])["Antal"].astype(str)
    cross = tables["crosstabs"]
    totals = cross[cross["Grupp"] == "Totalt"].set_index(["Fråga", "Svarsalternativ"])["Antal"]
    for key, value in totals.astype(str).items():
        assert value == likert[key]
    items = tables["item_response"].set_index("Fråga")["Svar"].astype(str)
    answers = tables["likert"].groupby("Fråga")["Antal svar"].first().astype(str)
    assert (items[answers.index] == answers).all()


def test_weighted_shares_are_not_described_as_counts(default_analysis):
    specs = default_analysis.table_specs()
    crosstab = [s for s in specs if s.name == "crosstabs"]
    by_group = {s.where["Bakgrundsvariabel"][0]: {m.kind for m in s.measures} for s in crosstab}
    book, data = default_analysis.survey.codebook, default_analysis.data
    for by in ("forvaltning", "utbildning"):
        # one weight per group: the weighted row shares are plain shares of the counts
        one_weight = (data.groupby(f"grupp_{by}")["vikt"].nunique() == 1).all()
        assert ("share" in by_group[book.label(by)]) == one_weight
    # "Övriga grupper" joins two strata with different weights
    assert "share" not in by_group[book.label("utbildning")]
    assert "share" not in by_group[book.label("forvaltning")]


# ---------------------------------------------------------------------------------------
# A generated survey with many small groups

GENERATED_CODEBOOK = """\
title: Genererad enkät
missing: {99: Vet ej}
value_sets:
  likert: {1: Instämmer inte alls, 2: Instämmer delvis inte, 3: Varken eller,
           4: Instämmer delvis, 5: Instämmer helt}
variables:
  id: {label: Id, type: id}
  enhet: {label: Enhet, type: categorical, values: {%s}}
  kon: {label: Kön, type: categorical, values: {1: Kvinna, 2: Man}}
  q1: {label: Fråga ett, type: likert, values: likert}
  q2: {label: Fråga två, type: likert, values: likert}
  q3: {label: Fråga tre, type: likert, values: likert}
  q4: {label: Fråga fyra, type: likert, values: likert}
blocks:
  b1: {label: Block ett, items: [q1, q2, q3, q4]}
indices:
  idx: {label: Index, items: [q1, q2, q3, q4], min_items: 3}
background: [enhet, kon]
invited:
  variable: enhet
  counts: {%s}
"""


def generated_survey(tmp_path: Path, seed: int, missing_gender: int = 0):
    rng = np.random.default_rng(seed)
    sizes = [40, 25, 12, 7, 6, 5, 4, 3, 2, 2, 1, 9]
    values = ", ".join(f"{i + 1}: Enhet {chr(65 + i)}" for i in range(len(sizes)))
    invited = ", ".join(f"{i + 1}: {s + int(rng.integers(0, 10))}" for i, s in enumerate(sizes))
    (tmp_path / "kodbok.yaml").write_text(GENERATED_CODEBOOK % (values, invited),
                                          encoding="utf-8")
    rows = ["id;enhet;kon;q1;q2;q3;q4"]
    number = 0
    for unit, size in enumerate(sizes, start=1):
        for _ in range(size):
            number += 1
            answers = [str(int(rng.choice([1, 2, 3, 4, 5, 99], p=[.08, .17, .3, .3, .1, .05])))
                       for _ in range(4)]
            gender = "" if number <= missing_gender else str(int(rng.integers(1, 3)))
            rows.append(f"{number};{unit};{gender};" + ";".join(answers))
    (tmp_path / "enkat.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return survey.read_survey(tmp_path / "enkat.csv", tmp_path / "kodbok.yaml")


@pytest.mark.parametrize(("seed", "missing_gender"), [(1, 0), (2, 0), (3, 7)])
def test_generated_survey_with_many_small_groups(tmp_path, seed, missing_gender):
    analysis = survey.analyse(generated_survey(tmp_path, seed, missing_gender),
                              group_by=["enhet", "kon"])
    check = analysis.check_disclosure()
    assert check.passed, [f.describe() for f in check.audit.findings]
    tables = analysis.published_tables()
    assert_shares_only_beside_published_counts(tables)
    assert assert_attack_fails(analysis) > 0
    assert assert_attack_fails(analysis, bounds=True) > 0
    groups = set(tables["crosstabs"]["Grupp"])
    assert "Enhet K" not in groups and survey.OTHER_GROUPS_LABEL in groups
    # the response table lists the same (combined) groups: no small unit on its own
    cross = tables["crosstabs"]
    units = set(cross.loc[cross["Bakgrundsvariabel"] == "Enhet", "Grupp"])
    assert set(tables["response_rates"]["Grupp"]) - {"Totalt"} == units - {"Totalt"}


def test_check_disclosure_needs_the_linked_analysis(default_analysis):
    import copy

    from research.errors import ParameterError

    bare = copy.copy(default_analysis)
    bare.protection = None
    with pytest.raises(ParameterError, match="linked disclosure control"):
        bare.check_disclosure()


# ---------------------------------------------------------------------------------------
# End to end: the run writes a passing audit and the publisher accepts it


@pytest.mark.e2e
def test_publish_accepts_the_default_enkatanalys_run(isolated_reports, monkeypatch,
                                                    shipped_runs):
    from research.publish import publish

    monkeypatch.setenv("RESEARCH_PDF", "0")
    result = shipped_runs.run("enkatanalys/default")  # shared: copied below to publish it
    assert result.status == "succeeded", result.error
    run_dir = shipped_runs.copy_run("enkatanalys/default", isolated_reports)
    report = json.loads((run_dir / "disclosure.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass" and report["findings"] == []
    files = {p.name for p in (run_dir / "tables").glob("*.csv")}
    assert {"likert.csv", "crosstabs.csv", "item_response.csv"} <= set(report["files"]) <= files
    assert checking.unaudited_tables(run_dir) == []
    briefing = (run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Granskning av röjanderisk" in briefing
    published = publish(isolated_reports)
    assert run_dir.name in published.published_runs, published.messages
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    assert "briefings/enkatanalys/" in index


# ---------------------------------------------------------------------------------------
# Tables for reading: the briefing shows wide forms of the long, audited CSVs


def test_the_likert_reading_table_is_one_row_per_statement_with_the_csvs_values(
        default_analysis):
    long = default_analysis.likert_frame
    wide = default_analysis.likert_wide()
    assert len(wide) == long["Fråga"].nunique() and wide["Påstående"].is_unique
    options = list(dict.fromkeys(long["Svarsalternativ"]))
    assert list(wide.columns) == ["Påstående", *[f"{o} (%)" for o in options], "Antal svar"]
    for _, row in long.iterrows():  # every shown value is the CSV's, nothing more
        shown = wide.loc[wide["Påstående"] == row["Fråga"]].iloc[0]
        assert str(shown[f"{row['Svarsalternativ']} (%)"]) == str(row["Andel (%)"])
        assert str(shown["Antal svar"]) == str(row["Antal svar"])
    assert set(default_analysis.reading_priority("likert")) <= set(wide.columns)


def test_the_crosstab_reading_table_states_no_test_statistic(default_analysis):
    long = default_analysis.crosstabs
    wide = default_analysis.crosstabs_wide()
    statistics = set(default_analysis.tests.columns) - {"Fråga", "Bakgrundsvariabel"}
    assert statistics & set(long.columns)  # the CSV keeps them, row by row …
    assert not statistics & set(wide.columns)  # … the reading table leaves them to the tests
    groups = long[long["Grupp"] != "Totalt"]
    assert len(wide) == len(groups.drop_duplicates(["Fråga", "Bakgrundsvariabel", "Grupp"]))
    assert "Bakgrundsvariabel" not in wide.columns  # every group label names its variable
    for _, row in groups.iterrows():
        shown = wide[(wide["Påstående"] == row["Fråga"]) & (wide["Grupp"] == row["Grupp"])]
        assert len(shown) == 1
        shown = shown.iloc[0]
        assert str(shown[f"{row['Svarsalternativ']} (%)"]) == str(row["Andel (%)"])
        assert str(shown["Antal svar"]) == str(row["Antal svar i gruppen"])


def test_a_few_who_skipped_a_whole_index_hide_the_respondents_behind_alpha(tmp_path):
    generated_survey(tmp_path, 4)
    lines = (tmp_path / "enkat.csv").read_text(encoding="utf-8").splitlines()
    for number in (1, 2):  # two respondents answer none of the index's questions
        lines[number] = ";".join(lines[number].split(";")[:3] + [""] * 4)
    (tmp_path / "enkat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = survey.read_survey(tmp_path / "enkat.csv", tmp_path / "kodbok.yaml")
    analysis = survey.analyse(data, group_by=["enhet", "kon"])
    whole = analysis.reliability[analysis.reliability["Fråga"] == "Hela indexet"]
    assert (whole["Antal svarande"].astype(str) == HIDDEN).all()  # N − 2 would tell the 2
    check = analysis.check_disclosure()
    assert check.passed, [f.describe() for f in check.audit.findings]
    assert "reliability" in check.audit.tables
