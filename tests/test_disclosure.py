"""Disclosure control judged by an attacker: the audit (research.privacy.audit), the
suppression it judges, the run's disclosure.json and the publisher's guard.

The attacker here is this file's own implementation (dense matrices, scipy's integer
programming): it reads published grids as a reader would and never calls
research.privacy's suppression or audit code.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from research import privacy, situation
from research.errors import InputDataError, ParameterError
from research.io.files import write_json_atomic
from research.privacy import checking

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "data" / "sample" / "lagesbild" / "rapporter.csv"
MIN_CELL, PROTECTION = 5, 4


@pytest.fixture(autouse=True)
def _fresh_session():
    checking.reset()
    yield
    checking.reset()


# ---------------------------------------------------------------------------------------
# the attacker (independent of the package)


class Attack:
    """Unknowns = hidden cells; every published line total is an equation; a hidden cell
    is ≥ 1 (zeros are shown) unless declared a hidden zero. Bounds by integer programs."""

    def __init__(self) -> None:
        self.names: dict[object, int] = {}
        self.known: dict[object, float] = {}
        self.equations: list[tuple[dict[object, float], float]] = []
        self.zero: set[object] = set()

    def cell(self, name: object, text: object) -> None:
        text = str(text)
        if text == "..":
            if name not in self.known:
                self.names.setdefault(name, len(self.names))
        else:
            self.known[name] = float(text)
            self.names.pop(name, None)

    def line(self, total: object, parts: list[object]) -> None:
        self.equations.append(({total: 1.0, **{p: -1.0 for p in parts}}, 0.0))

    def grid(self, prefix: tuple, frame: pd.DataFrame, label: str) -> None:
        """A published wide table with a Totalt row and column (first column = labels)."""
        rows = list(frame[label])
        cols = [c for c in frame.columns if c != label]
        for _, record in frame.iterrows():
            for col in cols:
                self.cell(prefix + (record[label], col), record[col])
        inner_rows = [r for r in rows if r != "Totalt"]
        inner_cols = [c for c in cols if c != "Totalt"]
        for r in rows:
            self.line(prefix + (r, "Totalt"), [prefix + (r, c) for c in inner_cols])
        for c in cols:
            self.line(prefix + ("Totalt", c), [prefix + (r, c) for r in inner_rows])

    def bounds(self, name: object) -> tuple[float, float]:
        return self._optimise({name: 1.0})

    def _system(self):
        names = {n: i for n, i in self.names.items() if n not in self.known}
        order = {n: k for k, n in enumerate(names)}
        rows, rhs = [], []
        for coefficients, value in self.equations:
            row = np.zeros(len(order))
            constant = value
            for name, a in coefficients.items():
                if name in order:
                    row[order[name]] += a
                else:
                    constant -= a * self.known[name]
            if row.any():
                rows.append(row)
                rhs.append(constant)
        return order, np.array(rows), np.array(rhs)

    def _optimise(self, objective: dict[object, float]) -> tuple[float, float]:
        order, a, b = self._system()
        c = np.zeros(len(order))
        for name, weight in objective.items():
            c[order[name]] = weight
        lower = np.array([0.0 if n in self.zero else 1.0 for n in order])
        upper = np.full(len(order), 1e7)
        constraints = [LinearConstraint(a, b, b)] if len(a) else []
        out = []
        for sign in (1.0, -1.0):
            result = milp(sign * c, constraints=constraints, integrality=np.ones(len(c)),
                          bounds=Bounds(lower, upper))
            assert result.status == 0, "the published tables are inconsistent"
            out.append(sign * result.fun)
        return out[0], (math.inf if out[1] > 1e6 else out[1])

    def line_sum_max(self, parts: list[object]) -> float:
        hidden = [p for p in parts if p in self.names and p not in self.known]
        if not hidden:
            return math.inf
        return self._optimise({p: 1.0 for p in hidden})[1]


def assert_protected(attack: Attack, primary: set[object], lines: list[list[object]] = ()):
    for name in list(attack.names):
        low, high = attack.bounds(name)
        assert not (high - low < 0.5 and low < MIN_CELL), f"{name} is pinned"
        if name in primary:
            assert high - low >= PROTECTION, f"{name} narrowed to [{low}, {high}]"
    for parts in lines:
        assert attack.line_sum_max(parts) >= MIN_CELL, f"line {parts[:2]} holds too few"


def grid_attack(result: privacy.SuppressionResult, label: str = "rad") -> Attack:
    attack = Attack()
    marked = result.marked()
    marked.index.name = label
    attack.grid((), marked.reset_index(), label)
    return attack


def primary_names(result: privacy.SuppressionResult) -> set[tuple]:
    return {(r, c) for r in result.primary.index for c in result.primary.columns
            if result.primary.loc[r, c]}


def zero_names(result: privacy.SuppressionResult, counts_with_totals: pd.DataFrame) -> set:
    return {(r, c) for r in result.suppressed.index for c in result.suppressed.columns
            if result.suppressed.loc[r, c] and counts_with_totals.loc[r, c] == 0}


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    full = counts.copy()
    full["Totalt"] = full.sum(axis=1)
    full.loc["Totalt"] = full.sum(axis=0)
    return full


# ---------------------------------------------------------------------------------------
# the audit is independent and an attack in its own right


def test_audit_module_does_not_use_the_suppression_code():
    source = (PROJECT / "src" / "research" / "privacy" / "audit.py").read_text(encoding="utf-8")
    imported = [node.module or "" for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom)]
    assert not any("suppression" in module or "situation" in module for module in imported)


def test_vastra_dalen_is_a_known_failure_of_the_old_method():
    """2025 K1, Västra Dalen in the shipped sample: total 13, visible 6 and 5, two hidden
    cells. Zeros are shown, so each hidden cell is at least 1: both are exactly 1."""
    published = pd.DataFrame({"Tema": ["Västra Dalen"], "Kriminella nätverk": ["6"],
                              "Radikalisering online": ["5"], "Skola och unga": [".."],
                              "Hot och hat": [".."], "Anhörigstöd": ["0"], "Totalt": ["13"]})
    attack = Attack()
    names = [c for c in published.columns if c not in ("Tema", "Totalt")]
    for column in published.columns[1:]:
        attack.cell(("VD", column), published.loc[0, column])
    attack.line(("VD", "Totalt"), [("VD", c) for c in names])
    assert attack.bounds(("VD", "Skola och unga")) == (1, 1)
    assert attack.bounds(("VD", "Hot och hat")) == (1, 1)
    spec = privacy.TableSpec.wide("row", {"Tema": "stadsdel"}, "kategori",
                                  published.columns[1:])
    audit = privacy.audit_tables({"row": published}, [spec], min_cell=5)
    assert not audit.passed
    assert {f.kind for f in audit.findings} >= {"pinned", "line"}
    assert all(f.table == "row" and f.line == 2 for f in audit.findings)


def test_vastra_dalen_is_protected_now():
    picture = situation.build_picture(situation.load_reports(SAMPLE, as_of="2026-09-30"))
    table = picture.area_tables[pd.Period("2025Q1", freq="Q")]
    row = table.marked().loc["Västra Dalen"]
    assert row["skola_och_unga"] == ".." and row["hot_och_hat"] == ".."
    hidden_in_row = [c for c in table.table.columns[:-1] if row[c] == ".."]
    if row["Totalt"] != "..":
        visible = sum(int(row[c]) for c in table.table.columns[:-1] if row[c] != "..")
        assert int(row["Totalt"]) - visible >= MIN_CELL  # the hidden cells hold ≥ 5 together
    assert len(hidden_in_row) >= 3


def _true_grid(rows: pd.DataFrame, index: str, columns: str, index_values, column_values,
               labels) -> dict:
    table = pd.crosstab(rows[index], rows[columns]).reindex(
        index=index_values, columns=column_values, fill_value=0)
    table["Totalt"] = table.sum(axis=1)
    table.loc["Totalt"] = table.sum(axis=0)
    return {(labels.get(r, r), c): int(table.loc[r, c]) for r in table.index
            for c in table.columns}


def test_sample_run_survives_the_attack_on_every_linked_table():
    """Every period's published area × theme table (from counts.csv), and for the current
    period also unit × theme and the concern table, which share its theme totals and grand
    total: no hidden cell is pinned below 5 and every small hidden cell keeps an interval
    at least 4 wide. The truth is counted here from the reports, not taken from the
    suppression."""
    lagesbild = situation.analyse(SAMPLE, as_of="2026-09-30")
    picture = lagesbild.picture
    labels = picture.theme_labels
    data = picture.reports.data.copy()
    data["p"] = data["datum"].dt.to_period("Q")
    counts = lagesbild.counts_table()
    order = [labels[t] for t in picture.themes] + ["Totalt"]
    checked = small = 0
    for period in picture.periods:
        code = situation.period_code(period)
        attack = Attack()
        wide = counts[counts["Period"] == code].pivot(index="Tema", columns="Stadsdel",
                                                      values="Antal")
        attack.grid((), wide.reindex(index=order, columns=[*picture.areas, "Totalt"])
                    .reset_index(), "Tema")
        rows = data[data["p"] == period]
        truth = _true_grid(rows, "kategori", "stadsdel", picture.themes, picture.areas, labels)
        if period == picture.current:
            attack.grid((), lagesbild.unit_table(), "Tema")  # shares the theme totals
            truth.update(_true_grid(rows, "kategori", "forvaltning", picture.themes,
                                    picture.units, labels))
            concern = lagesbild.concern_table()
            for level, value in zip(concern["Orosnivå"], concern["Antal rapporter"]):
                name = ("Totalt", "Totalt") if level == "Totalt" else ("oro", level)
                attack.cell(name, value)
                truth[name] = int((rows["oroniva"] == level).sum()) if level != "Totalt" \
                    else len(rows)
            attack.line(("Totalt", "Totalt"), [("oro", lv) for lv in concern["Orosnivå"]
                                               if lv != "Totalt"])
        attack.zero = {n for n in attack.names if truth[n] == 0}
        for name in list(attack.names):
            low, high = attack.bounds(name)
            assert low <= truth[name] <= high  # the attack is sound
            assert not (high - low < 0.5 and low < MIN_CELL), (code, name)
            if 0 < truth[name] < MIN_CELL:
                small += 1
                assert high - low >= PROTECTION, (code, name, low, high)
            checked += 1
    assert small > 100 and checked > small  # the sample has many small cells


def test_old_attacker_assumption_is_not_enough():
    """The old project test let hidden cells be 0 and asked only for width > 0.5; with the
    published zeros a reader knows better (≥ 1), and the audit uses that bound."""
    published = pd.DataFrame({"r": ["x", "y", "Totalt"], "a": ["..", "..", "7"],
                              "b": ["..", "..", "9"], "Totalt": ["4", "12", "16"]})
    spec = privacy.TableSpec.wide("t", {"r": "rad"}, "kolumn", ["a", "b", "Totalt"])
    audit = privacy.audit_tables({"t": published}, [spec], min_cell=5, exact=True)
    low, high = audit.intervals[privacy.cell_key({"rad": "x", "kolumn": "a"})]
    assert (low, high) == (1, 3)  # with ≥ 0 it would look like 0–4
    assert not audit.passed


# ---------------------------------------------------------------------------------------
# suppression: generated tables of many shapes and sparsities


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_pass_the_independent_attack(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    rate = float(rng.choice([0.5, 2.0, 6.0, 15.0]))
    counts = pd.DataFrame(rng.poisson(rate, shape), index=[f"r{i}" for i in range(shape[0])],
                          columns=[f"c{j}" for j in range(shape[1])])
    result = privacy.suppress_counts(counts, MIN_CELL)
    assert result.audit.passed, result.audit.findings
    assert (result.primary.to_numpy()[:-1, :-1] == ((counts > 0) & (counts < MIN_CELL))
            .to_numpy()).all()
    attack = grid_attack(result)
    attack.zero = zero_names(result, with_totals(counts))
    marked = result.marked()
    lines = [[(r, c) for c in marked.columns[:-1]] for r in marked.index] + \
            [[(r, c) for r in marked.index[:-1]] for c in marked.columns]
    assert_protected(attack, primary_names(result), lines)


@pytest.mark.parametrize("seed", range(6))
def test_rectangle_search_for_large_tables_passes_the_attack(seed, monkeypatch):
    """Large two-way tables take the rectangle (hypercube) search instead of one program
    per cell; forced here onto small tables so that the attack can check every cell."""
    import research.privacy.suppression as suppression

    monkeypatch.setattr(suppression, "RECTANGLE_ABOVE", 0)
    rng = np.random.default_rng(100 + seed)
    shape = (int(rng.integers(2, 8)), int(rng.integers(2, 6)))
    counts = pd.DataFrame(rng.poisson(float(rng.choice([1.0, 3.0, 8.0])), shape),
                          index=[f"r{i}" for i in range(shape[0])],
                          columns=[f"c{j}" for j in range(shape[1])])
    result = privacy.suppress_counts(counts, MIN_CELL)
    assert result.audit.passed, result.audit.findings
    attack = grid_attack(result)
    attack.zero = zero_names(result, with_totals(counts))
    assert_protected(attack, primary_names(result))


def test_linked_tables_are_protected_together():
    """Area × theme and unit × theme share the theme totals: suppressing them one by one
    lets the shared totals pin cells; together they pass the attack on both at once."""
    rng = np.random.default_rng(3)
    areas = pd.DataFrame(rng.poisson(3, (4, 5)), index=list("ABCD"), columns=list("tuvwx"))
    units = pd.DataFrame(0, index=["s1", "s2", "s3"], columns=list("tuvwx"))
    for theme in areas.columns:  # the same reports, split by unit instead of area
        total = int(areas[theme].sum())
        split = rng.multinomial(total, [0.5, 0.3, 0.2])
        units[theme] = split
    areas.index.name, areas.columns.name = "stadsdel", "kategori"
    units.index.name, units.columns.name = "enhet", "kategori"
    linked = privacy.LinkedTables()
    linked.add_table("areas", areas)
    linked.add_table("units", units)
    result = privacy.protect(linked, MIN_CELL)
    assert result.passed
    attack = Attack()
    primary, zero = set(), set()
    for name, counts in (("areas", areas), ("units", units)):
        table = result.result(name)
        marked = table.marked()
        marked.index.name = "rad"
        full = with_totals(counts)
        for r in marked.index:
            for c in marked.columns:
                key = ("T", c) if r == "Totalt" else (name, r, c)  # theme totals are shared
                if r == "Totalt" and c == "Totalt":
                    key = ("T", "all")
                attack.cell(key, marked.loc[r, c])
                if table.primary.loc[r, c]:
                    primary.add(key)
                if table.suppressed.loc[r, c] and full.loc[r, c] == 0:
                    zero.add(key)
        for r in counts.index:
            attack.line((name, r, "Totalt"), [(name, r, c) for c in counts.columns])
        for c in counts.columns:
            attack.line(("T", c), [(name, r, c) for r in counts.index])
        attack.line(("T", "all"), [(name, r, "Totalt") for r in counts.index])
    attack.line(("T", "all"), [("T", c) for c in areas.columns])
    attack.zero = zero
    assert_protected(attack, primary)


def test_zero_complements_are_declared_and_protected():
    counts = pd.DataFrame({"a": [3, 0], "b": [0, 9], "c": [8, 7]}, index=["x", "y"])
    result = privacy.suppress_counts(counts, MIN_CELL)
    assert result.audit.passed
    attack = grid_attack(result)
    attack.zero = zero_names(result, with_totals(counts))
    assert_protected(attack, primary_names(result))


def test_audit_fails_primary_suppression_alone():
    counts = pd.DataFrame({"a": [10, 3, 20], "b": [12, 15, 8], "c": [30, 25, 2]},
                          index=["x", "y", "z"])
    result = privacy.suppress_counts(counts, MIN_CELL, totals=False)
    marked = result.marked().astype(str)
    marked["Totalt"] = [str(v) for v in counts.sum(axis=1)]
    marked.index.name = "r"
    published = marked.reset_index()
    spec = privacy.TableSpec.wide("t", {"r": "rad"}, "kolumn", ["a", "b", "c", "Totalt"])
    audit = privacy.audit_tables({"t": published}, [spec], min_cell=5)
    assert not audit.passed and {f.kind for f in audit.findings} == {"pinned", "line"}
    for finding in audit.findings:  # structure only: table, line, column — never a value
        assert re.fullmatch(r"table t, line \d, column '(a|b|c|Totalt)': [a-z ]+", finding.describe())


def test_differences_and_shares_are_equations_for_the_attacker():
    """A change column and a rounded share can each recover a hidden cell."""
    changes = pd.DataFrame({"Tema": ["a"], "2026 K3": [".."], "2026 K2": ["10"],
                            "Förändring mot 2026 K2": ["-7"]})
    spec = privacy.TableSpec("changes", {"Tema": "kategori"}, (
        privacy.Measure("2026 K3", fixed={"period": "2026 K3"}),
        privacy.Measure("2026 K2", fixed={"period": "2026 K2"}),
        privacy.Measure("Förändring mot 2026 K2", "difference", of=("2026 K3", "2026 K2"))))
    audit = privacy.audit_tables({"changes": changes}, [spec], min_cell=5)
    assert not audit.passed and audit.findings[0].kind == "pinned"
    shares = pd.DataFrame({"Tema": ["a", "b", "Totalt"], "n": ["..", "40", "43"],
                           "Andel (%)": ["7.0", "93.0", ""]})
    spec = privacy.TableSpec("shares", {"Tema": "kategori"}, (
        privacy.Measure("n"), privacy.Measure("Andel (%)", "share", of=("n",), over=("kategori",))))
    audit = privacy.audit_tables({"shares": shares}, [spec], min_cell=5, exact=True)
    assert not audit.passed


def test_a_hidden_cell_in_an_undescribed_table_fails():
    frame = pd.DataFrame({"x": ["a"], "n": [".."]})
    audit = privacy.audit_tables({"mystery": frame}, [], min_cell=5)
    assert not audit.passed and audit.findings[0].kind == "undescribed"


def test_linked_tables_must_agree_and_parameters_are_checked():
    linked = privacy.LinkedTables()
    linked.add_table("a", pd.DataFrame({"t": [3, 4]}, index=["x", "y"]))
    with pytest.raises(InputDataError, match="disagree"):
        linked.add_table("b", pd.DataFrame({"t": [1, 1]}, index=["u", "v"]))
    with pytest.raises(ParameterError):
        privacy.protect(linked, 0)
    with pytest.raises(ParameterError):
        privacy.protect(linked, 5, protection=-1)


# ---------------------------------------------------------------------------------------
# the run's output check, show_table(min_cell=…) and the publisher


def test_show_table_with_min_cell_protects_and_records(tmp_path, monkeypatch):
    from research import report

    run = tmp_path / "runs" / "mall" / "r1"
    (run / "tables").mkdir(parents=True)
    monkeypatch.setenv("RESEARCH_RUN_DIR", str(run))
    monkeypatch.setattr("research.report.display._display", lambda *a, **k: None)
    own = pd.DataFrame({"Grupp": ["A", "B", "C"], "ja": [10, 3, 20], "nej": [12, 15, 8],
                        "vet ej": [30, 25, 2]})
    report.show_table(own, "egen", "Svar per grupp", min_cell=5)
    saved = pd.read_csv(run / "tables" / "egen.csv", dtype=str)
    assert (saved == "..").to_numpy().sum() == 4 and "3" not in saved["ja"].tolist()
    disclosure = json.loads((run / "disclosure.json").read_text(encoding="utf-8"))
    assert disclosure["verdict"] == "pass"
    assert disclosure["cells_hidden"] == {"primary": 2, "secondary": 2}
    assert disclosure["parameters"]["min_cell"] == 5
    assert checking.unaudited_tables(run) == []
    assert checking.disclosure_summary(run)["verdict"] == "pass"
    (run / "tables" / "egen.csv").write_text(saved.to_csv(index=False).replace("..", "3", 1),
                                             encoding="utf-8")
    assert "did not check" in checking.unaudited_tables(run)[0]


def test_the_swedish_note_says_what_the_audit_found():
    own = pd.DataFrame({"Grupp": ["A", "B", "C"], "ja": [10, 3, 20], "nej": [12, 15, 8]})
    published = checking.protect_table(own, "egen", min_cell=5)
    note = checking.check_run({"egen": published, "lista": pd.DataFrame({"x": ["a"]})}).note()
    assert note.startswith("Granskning av röjanderisk: den publicerade tabellen med antal")
    assert "(1 tabell utan antal ingick inte.)" in note and "minst 4 brett" in note
    checking.reset()
    checking.register([privacy.TableSpec.wide("egen", {"Grupp": "Grupp"}, "kolumn",
                                              ["ja", "nej", "Totalt"])], min_cell=5)
    leaky = pd.DataFrame({"Grupp": ["A", "B", "C", "Totalt"], "ja": ["10", "..", "20", "33"],
                          "nej": ["12", "15", "8", "35"], "Totalt": ["22", "18", "28", "68"]})
    failed = checking.check_run({"egen": leaky})
    assert not failed.passed and "godkändes inte" in failed.note()
    assert "15" not in failed.note() and "18" not in failed.note()


def fake_run(reports: Path, run_id: str, table: str, disclosure: dict | None,
             started: str) -> Path:
    run_dir = reports / "runs" / "lagesbild" / run_id
    (run_dir / "tables").mkdir(parents=True)
    (run_dir / "briefing.html").write_text(
        f'<!DOCTYPE html><html lang="sv"><head><title>{run_id}</title></head><body><main>'
        f"<h1>{run_id}</h1></main></body></html>", encoding="utf-8")
    (run_dir / "tables" / "counts.csv").write_text(table, encoding="utf-8")
    if disclosure is not None:
        write_json_atomic(run_dir / "disclosure.json", disclosure)
    write_json_atomic(run_dir / "manifest.json", {
        "notebook_stem": "lagesbild", "run_id": run_id, "label": "default",
        "status": "succeeded", "started": started, "parameters": {},
        "briefing": {"kunskapshus": "Älvstad"}})
    return run_dir


def test_publish_refuses_hidden_cells_without_a_passing_audit(isolated_reports, monkeypatch):
    import hashlib

    from research.publish import publish

    monkeypatch.setenv("RESEARCH_PDF", "0")
    good_table = "Tema,A,Totalt\nx,..,12\ny,..,9\nTotalt,21,21\n"
    digest = hashlib.sha256(good_table.encode()).hexdigest()
    fake_run(isolated_reports, "good", good_table,
             {"verdict": "pass", "files": {"counts.csv": digest}, "findings": []},
             "2026-11-01T10:00:00+01:00")
    bad_table = "Tema,A,Totalt\nx,6,13\ny,..,2\nTotalt,..,15\n"
    fake_run(isolated_reports, "failed", bad_table,
             {"verdict": "fail", "files": {"counts.csv": hashlib.sha256(bad_table.encode())
                                          .hexdigest()},
              "findings": [{"kind": "pinned", "table": "counts", "line": 3, "column": "A"}]},
             "2026-11-08T10:00:00+01:00")
    fake_run(isolated_reports, "unaudited", bad_table, None, "2026-11-15T10:00:00+01:00")
    report = publish(isolated_reports)
    assert report.published_runs == {"good"}
    assert {"failed", "unaudited"} <= report.withheld_runs
    messages = " ".join(report.messages)
    assert "lagesbild/failed: table counts.csv failed the disclosure audit (line 3" in messages
    assert "lagesbild/unaudited: table counts.csv, line 3 has suppressed cells" in messages
    assert " 2," not in messages and "13" not in messages  # never a value
    site = isolated_reports / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "briefings/lagesbild/default/good/index.html" in index  # the last good one stays
    assert "integritetskontrollen" in index
    assert not (site / "briefings" / "lagesbild" / "default" / "failed").exists()


@pytest.mark.parametrize("leak", ["Ring 070-123 45 67 efter skolan", "mejla anna.svensson@example.se"])
def test_publish_finds_phone_numbers_and_email_in_quotes(isolated_reports, monkeypatch, leak):
    from research.publish import publish

    monkeypatch.setenv("RESEARCH_PDF", "0")
    run = fake_run(isolated_reports, "quote", f"Citat\n{leak}\n", None, "2026-11-01T10:00:00+01:00")
    report = publish(isolated_reports)
    assert "quote" in report.withheld_runs
    assert any("counts.csv at line 2" in m for m in report.messages)
    assert not any(leak.split()[-1] in m for m in report.messages)
    assert run.exists()


def test_publish_scans_the_published_manifest(isolated_reports, monkeypatch):
    from research.publish import publish

    monkeypatch.setenv("RESEARCH_PDF", "0")
    run = fake_run(isolated_reports, "meta", "a,b\n1,2\n", None, "2026-11-01T10:00:00+01:00")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["parameters"] = {"title": "Ärende 811218-9876"}
    write_json_atomic(run / "manifest.json", manifest)
    report = publish(isolated_reports)
    assert "meta" in report.withheld_runs
    assert any("manifest.json" in m and "811218" not in m for m in report.messages)


# ---------------------------------------------------------------------------------------
# Inequalities between tables: a group's answers never exceed its respondents


def _group_tables(seed: int) -> tuple[pd.Series, dict[str, pd.DataFrame]]:
    """Respondents per group (one small group of 5) and two questions' group × option
    counts whose rows never exceed them."""
    rng = np.random.default_rng(seed)
    respondents = pd.Series([5, 31, 44, 12, 20], index=pd.Index(list("ABCDE"), name="grupp"))
    questions = {}
    for q in ("q1", "q2"):
        rows = []
        for n in respondents:
            answered = int(n - rng.integers(0, 2))
            rows.append(rng.multinomial(answered, rng.dirichlet(np.ones(5))))
        questions[q] = pd.DataFrame(rows, index=pd.Index(respondents.index, name="grupp"),
                                    columns=pd.Index(list("abcde"), name="svar"))
    return respondents, questions


def _linked_groups(respondents, questions, relations: bool) -> privacy.LinkedTables:
    linked = privacy.LinkedTables()
    linked.add_series("svarande", respondents.astype(float), fixed={"tabell": "svarande"},
                      dim="grupp")
    for q, frame in questions.items():
        linked.add_table(q, frame.astype(float), fixed={"fråga": q})
        if relations:
            for g in respondents.index:
                linked.at_most({"fråga": q, "grupp": g}, {"tabell": "svarande", "grupp": g})
    return linked


def _inequality_attack(result: privacy.LinkedSuppression, respondents, questions
                       ) -> dict[tuple, tuple[float, float]]:
    """This file's own attacker on the published (marked) tables, with the inequalities:
    every hidden cell's integer interval."""
    names: dict[tuple, int] = {}
    known: dict[tuple, float] = {}

    def cell(key, text):
        if str(text) == "..":
            names.setdefault(key, len(names))
        else:
            known[key] = float(text)

    equations, inequalities = [], []  # ({key: a}, value); ({key: a}) ≥ 0
    shown = result.result("svarande").marked()
    for g, text in shown.items():
        cell(("n", g), text)
    equations.append(({("n", "Totalt"): 1.0, **{("n", g): -1.0 for g in respondents.index}}, 0.0))
    for q in questions:
        grid = result.result(q).marked()
        for g in grid.index:
            for o in grid.columns:
                cell((q, g, o), grid.loc[g, o])
        for g in grid.index:
            equations.append(({(q, g, "Totalt"): 1.0,
                               **{(q, g, o): -1.0 for o in grid.columns if o != "Totalt"}}, 0.0))
        for o in grid.columns:
            equations.append(({(q, "Totalt", o): 1.0,
                               **{(q, g, o): -1.0 for g in grid.index if g != "Totalt"}}, 0.0))
        for g in respondents.index:
            inequalities.append({("n", g): 1.0, (q, g, "Totalt"): -1.0})
    n = len(names)
    rows, low, high = [], [], []
    for coefficients, bound_low, bound_high in [(c, v, v) for c, v in equations] + [
            (c, 0.0, np.inf) for c in inequalities]:
        row, constant = np.zeros(n), 0.0
        for key, a in coefficients.items():
            if key in names:
                row[names[key]] += a
            else:
                constant += a * known[key]
        if row.any():
            rows.append(row)
            low.append(bound_low - constant)
            high.append(bound_high - constant)
    values = dict(zip(result.linked.keys, result.linked.values))
    floors = np.ones(n)  # zeros are shown; a hidden zero may be 0
    for key, i in names.items():
        if key[0] == "n":
            truth = values[privacy.cell_key({"tabell": "svarande"} if key[1] == "Totalt"
                                            else {"tabell": "svarande", "grupp": key[1]})]
        else:
            coordinates = {"fråga": key[0]}
            if key[1] != "Totalt":
                coordinates["grupp"] = key[1]
            if key[2] != "Totalt":
                coordinates["svar"] = key[2]
            truth = values[privacy.cell_key(coordinates)]
        floors[i] = 0.0 if truth == 0 else 1.0
    constraint = LinearConstraint(np.array(rows), low, high)
    out = {}
    for key, i in names.items():
        c = np.zeros(n)
        c[i] = 1.0
        bounds = Bounds(floors, np.full(n, 1e6))
        lo = milp(c, constraints=constraint, integrality=np.ones(n), bounds=bounds)
        hi = milp(-c, constraints=constraint, integrality=np.ones(n), bounds=bounds)
        assert lo.status == 0 and hi.status == 0
        out[key] = (round(lo.x[i]), round(hi.x[i]))
    return out


def _narrowed(result, intervals) -> list[tuple]:
    values = dict(zip(result.linked.keys, result.linked.values))
    bad = []
    for key, (lo, hi) in intervals.items():
        if key[0] == "n" or "Totalt" in key:
            continue
        truth = values[privacy.cell_key({"fråga": key[0], "grupp": key[1], "svar": key[2]})]
        if (lo == hi and lo < MIN_CELL) or (0 < truth < MIN_CELL and (
                hi - lo < PROTECTION or hi < MIN_CELL)):
            bad.append(key)
    return bad


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_suppression_keeps_inequalities_between_tables(seed):
    respondents, questions = _group_tables(seed)
    result = privacy.protect(_linked_groups(respondents, questions, True), MIN_CELL)
    assert result.passed, [f.describe() for f in result.audit.findings]
    assert result.audit.parameters["relations"] == 2 * len(respondents)
    assert _narrowed(result, _inequality_attack(result, respondents, questions)) == []


def test_without_inequalities_the_small_group_is_narrowed_and_the_audit_sees_it():
    respondents, questions = _group_tables(1)
    plain = privacy.protect(_linked_groups(respondents, questions, False), MIN_CELL)
    assert plain.passed  # the audit without the relations is satisfied …
    assert _narrowed(plain, _inequality_attack(plain, respondents, questions))  # … wrongly
    related = _linked_groups(respondents, questions, True)
    audit = privacy.audit_system(related.published(plain.hidden), MIN_CELL,
                                 primary=plain.primary_keys(), zeros=plain.zero_keys())
    assert not audit.passed


def test_a_relation_the_counts_break_is_refused():
    linked = privacy.LinkedTables()
    linked.add_series("a", pd.Series([3.0, 9.0], index=pd.Index(["x", "y"], name="g")))
    with pytest.raises(InputDataError, match="relation"):
        linked.at_most({"g": "y"}, {"g": "x"})
    linked.at_most({"g": "x"}, {"g": "nowhere"})  # names no cell: ignored
    assert linked.relations == []


def test_relations_round_trip_and_reach_the_audit_of_published_tables():
    relation = privacy.Relation.at_most({"fråga": "q", "grupp": "A"}, {"grupp": "A"})
    assert privacy.Relation.from_dict(json.loads(json.dumps(relation.to_dict()))) == relation
    # a reader who knows that A's answers (hidden) are at most A's respondents (3, shown)
    # narrows A's hidden cells to 1–2: the audit with the relation fails, without it passes
    answers = pd.DataFrame({"Grupp": ["A", "B", "Totalt"], "ja": ["..", "..", "20"],
                            "nej": ["..", "..", "10"], "Totalt": ["..", "..", "30"]})
    people = pd.DataFrame({"Grupp": ["A", "B", "Totalt"], "Svarande": ["3", "27", "30"]})
    specs = [privacy.TableSpec.wide("svar", {"Grupp": "grupp"}, "svar", ["ja", "nej", "Totalt"],
                                    fixed={"fråga": "q"}),
             privacy.TableSpec("svarande", {"Grupp": "grupp"}, (privacy.Measure("Svarande"),))]
    tables = {"svar": answers, "svarande": people}
    assert privacy.audit_tables(tables, specs, min_cell=5).passed
    relations = [privacy.Relation.at_most({"fråga": "q", "grupp": g}, {"grupp": g})
                 for g in ("A", "B")]
    relations.append(privacy.Relation.at_most({"fråga": "q", "grupp": "C"}, {"grupp": "C"}))
    with_relations = privacy.audit_tables(tables, specs, min_cell=5, relations=relations)
    assert with_relations.parameters["relations"] == 2  # C's cells are published nowhere
    assert not with_relations.passed
    assert {(f.kind, f.table, f.line) for f in with_relations.findings} >= {("narrow", "svar", 2)}
