"""An attacker on the national synthesis, written for the tests only.

It reads published CSV text — each municipality's lägesbild tables (``counts``,
``counts_current``, ``by_unit``, ``changes``, ``concern``, ``scanning_comparison``) and the
national run's ``national_counts``, ``national_situation_all`` and ``national_situation`` —
turns every published number into a linear constraint on the hidden cells and solves with
``scipy.optimize.linprog``. The attacker (everything above "The tests") imports nothing from
``research``: not the suppression, not the audit, not the national code; the tests use the
product only to make the national tables it attacks.

What it proves: the national tables tell a reader nothing the municipal tables do not already
say. The municipalities' tables share no cell, so what they allow for one municipality's
theme total is independent of the others, and the range of a sum of theme totals is the sum
of their ranges. If every national figure (an exact count, ``..`` with ``Minst``/``Högst``,
or the text ``minst a, högst b``) contains that implied range, each national equation is
satisfied by every table the municipal publications allow, so adding them narrows no hidden
cell. The attacker also solves the full union directly for a sample of hidden cells and
compares, and checks that no hidden cell is pinned below ``min_cell``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

TOTAL = "Totalt"
HIDDEN = ".."
NATIONAL = "Hela landet"
_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")
_PERIOD = re.compile(r"^\d{4} (?:K[1-4]|\d{2})$")


def read_csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _value(text: str) -> tuple[str, float, int]:
    """('hidden'|'value'|'none', number, decimals)."""
    text = str(text).strip().lstrip("'").replace("\u2212", "-")
    if text == HIDDEN:
        return "hidden", math.nan, 0
    match = _NUMBER.match(text)
    if not match:
        return "none", math.nan, 0
    return "value", float(text), len(match.group(1) or "")


@dataclass
class System:
    """Cells (known or hidden) and linear constraints ``lo ≤ Σ a·x ≤ hi``."""

    index: dict[tuple, int] = field(default_factory=dict)
    known: dict[int, float] = field(default_factory=dict)
    floor: dict[int, float] = field(default_factory=dict)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)
    conflicts: list[tuple] = field(default_factory=list)

    def cell(self, key: tuple, text: str, floor: float) -> int | None:
        state, number, _ = _value(text)
        if state == "none":
            return None
        i = self.index.setdefault(key, len(self.index))
        if state == "value":
            if i in self.known and abs(self.known[i] - number) > 1e-9:
                self.conflicts.append(key)
            self.known[i] = number
        else:
            self.floor[i] = min(self.floor.get(i, floor), floor)
        return i

    def equal(self, total: int | None, parts: Iterable[int | None]) -> None:
        parts = list(parts)
        if total is None or any(p is None for p in parts) or not parts:
            return
        coefficients = {total: 1.0}
        for p in parts:
            coefficients[p] = coefficients.get(p, 0.0) - 1.0
        self.rows.append((coefficients, 0.0, 0.0))

    def hidden(self) -> list[int]:
        return [i for i in self.index.values() if i not in self.known]

    def solver(self) -> Solver:
        return Solver(self)


class Solver:
    """The hidden cells of a system as one LP (known cells substituted)."""

    def __init__(self, system: System) -> None:
        self.variables = system.hidden()
        self.position = {v: k for k, v in enumerate(self.variables)}
        eq, eq_b, ub, ub_b = [], [], [], []
        for coefficients, lo, hi in system.rows:
            known = sum(a * system.known[i] for i, a in coefficients.items() if i in system.known)
            free = {self.position[i]: a for i, a in coefficients.items() if i not in system.known}
            if not free:
                if lo - 1e-6 > known or known > hi + 1e-6:
                    raise ValueError("the published tables contradict each other")
                continue
            if hi - lo < 1e-12:
                eq.append(free), eq_b.append(lo - known)
            else:
                if math.isfinite(hi):
                    ub.append(free), ub_b.append(hi - known)
                if math.isfinite(lo):
                    ub.append({k: -a for k, a in free.items()}), ub_b.append(known - lo)
        n = len(self.variables)
        self.a_eq, self.b_eq = self._matrix(eq, n), (np.array(eq_b) if eq else None)
        self.a_ub, self.b_ub = self._matrix(ub, n), (np.array(ub_b) if ub else None)
        self.bounds = [(system.floor.get(v, 1.0), None) for v in self.variables]

    @staticmethod
    def _matrix(rows: list[dict[int, float]], n: int) -> csr_matrix | None:
        if not rows:
            return None
        data, r, c = [], [], []
        for number, row in enumerate(rows):
            for k, a in row.items():
                data.append(a), r.append(number), c.append(k)
        return csr_matrix((data, (r, c)), shape=(len(rows), n))

    def extreme(self, objective: Mapping[int, float], sense: float) -> float:
        """min (sense = 1) or max (sense = −1) of Σ objective·x; inf when unbounded."""
        c = np.zeros(len(self.variables))
        for v, a in objective.items():
            c[self.position[v]] = sense * a
        result = linprog(c, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                         bounds=self.bounds, method="highs")
        if result.status == 3:
            return -sense * math.inf
        if result.status != 0:
            raise ValueError(f"the published tables admit no table ({result.message})")
        return sense * float(result.fun)

    def interval(self, variable: int) -> tuple[float, float]:
        lo = self.extreme({variable: 1.0}, 1.0)
        hi = self.extreme({variable: 1.0}, -1.0)
        return math.ceil(lo - 1e-6), (hi if math.isinf(hi) else math.floor(hi + 1e-6))


# ---------------------------------------------------------------------------------------
# Reading the tables into cells: (house, period, dimension, value, theme); a total is "*"


def _key(house: str, period: str, dim: str, value: str, theme: str) -> tuple:
    return (house, period, "*" if value == TOTAL else dim, "*" if value == TOTAL else value,
            theme)


def add_municipal(system: System, house: str, tables: Mapping[str, str], floor: float) -> None:
    """One municipality's published lägesbild tables (CSV text by table name)."""
    counts = read_csv_text(tables["counts"])
    periods = sorted({r["Period"] for r in counts})
    changes = read_csv_text(tables["changes"]) if "changes" in tables else []
    change_periods = [c for c in (changes[0].keys() if changes else []) if _PERIOD.match(c)]
    current = change_periods[0] if change_periods else periods[-1]

    def grid(rows: list[tuple[str, str, str, str]], dim: str) -> None:
        """(period, value of dim, theme, text) cells and every row/column sum of them."""
        cells = {}
        for period, value, theme, text in rows:
            cells[(period, value, theme)] = system.cell(_key(house, period, dim, value, theme),
                                                        text, floor)
        for period in {p for p, _, _ in cells}:
            values = {v for p, v, _ in cells if p == period}
            themes = {t for p, _, t in cells if p == period}
            for v in values:
                if (period, v, TOTAL) in cells:
                    system.equal(cells[(period, v, TOTAL)],
                                 [cells.get((period, v, t)) for t in themes if t != TOTAL])
            for t in themes:
                if (period, TOTAL, t) in cells:
                    system.equal(cells[(period, TOTAL, t)],
                                 [cells.get((period, v, t)) for v in values if v != TOTAL])

    grid([(r["Period"], r["Stadsdel"], r["Tema"], r["Antal"]) for r in counts], "area")
    for name, dim in (("counts_current", "area"), ("by_unit", "unit")):
        if name in tables:
            rows = read_csv_text(tables[name])
            grid([(current, column, r["Tema"], text) for r in rows for column, text in r.items()
                  if column != "Tema"], dim)
    for row in changes:
        cells = {p: system.cell(_key(house, p, "area", row["Stadsdel"], row["Tema"]), row[p],
                                floor) for p in change_periods}
        for p in change_periods[1:]:
            a, b = cells[current], cells[p]
            state, number, decimals = _value(row.get(f"Förändring mot {p}", ""))
            if state == "value" and a is not None and b is not None:
                system.rows.append(({a: 1.0, b: -1.0}, number, number))
            state, number, decimals = _value(row.get(f"Förändring mot {p} (%)", ""))
            if state == "value" and a is not None and b is not None:
                half = 0.5 * 10.0 ** -decimals
                system.rows.append(({a: 1.0, b: -(1 + (number + half) / 100)}, -math.inf, 0.0))
                system.rows.append(({a: 1.0, b: -(1 + (number - half) / 100)}, 0.0, math.inf))
    if "concern" in tables:
        rows = read_csv_text(tables["concern"])
        cells = {r["Orosnivå"]: system.cell(_key(house, current, "concern", r["Orosnivå"],
                                                 TOTAL), r["Antal rapporter"], floor)
                 for r in rows}
        system.equal(cells.get(TOTAL), [c for level, c in cells.items() if level != TOTAL])
    if "scanning_comparison" in tables:
        grand = system.index.get(_key(house, current, "area", TOTAL, TOTAL))
        for r in read_csv_text(tables["scanning_comparison"]):
            theme = system.cell(_key(house, current, "area", TOTAL, r["Tema"]),
                                r["Lokala rapporter"], floor)
            state, number, decimals = _value(r.get("Andel lokalt (%)", ""))
            if state == "value" and theme is not None and grand is not None:
                half = 0.5 * 10.0 ** -decimals
                system.rows.append(({theme: 1.0, grand: -(number + half) / 100}, -math.inf, 0.0))
                system.rows.append(({theme: 1.0, grand: -(number - half) / 100}, 0.0, math.inf))


def _swedish_number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def national_figures(tables: Mapping[str, str]) -> dict[tuple, tuple[float, float]]:
    """(region or NATIONAL, period, theme) → what the national tables state about the figure:
    ``(v, v)`` for an exact count, ``(Minst, Högst)`` for a range (intersected over tables)."""
    stated: dict[tuple, tuple[float, float]] = {}

    def state(key: tuple, low: float, high: float) -> None:
        old = stated.get(key, (-math.inf, math.inf))
        stated[key] = (max(old[0], low), min(old[1], high))

    for r in read_csv_text(tables["national_situation_all"]):
        key = (r["Region"], r["Period"], r["Tema"])
        kind, number, _ = _value(r["Antal"])
        if kind == "value":
            state(key, number, number)
        high = math.inf if r["Högst"].strip() in {"inf", ""} else float(r["Högst"])
        state(key, float(r["Minst"]), high)
    for r in read_csv_text(tables["national_counts"]):
        if r["Kunskapshus"] != TOTAL:
            continue
        region = NATIONAL if r["Region"] == TOTAL else r["Region"]
        kind, number, _ = _value(r["Antal"])
        if kind == "value":
            state((region, r["Period"], r["Tema"]), number, number)
    latest = read_csv_text(tables.get("national_situation", ""))
    periods = sorted({k[1] for k in stated})
    for r in latest:
        for region, text in r.items():
            if region == "Tema":
                continue
            key = (region, periods[-1], r["Tema"])
            match = re.match(r"^minst (.+), högst (.+)$", text.strip())
            if match:
                high = math.inf if match.group(2) == "okänt" else _swedish_number(match.group(2))
                state(key, _swedish_number(match.group(1)), high)
            elif re.match(r"^[\d\u00a0 ]+$", text.strip()):
                number = _swedish_number(text)
                state(key, number, number)
    return stated


def add_national(system: System, tables: Mapping[str, str]) -> dict[tuple, int]:
    """The national tables as cells and constraints; returns the national cells."""
    members: dict[tuple, list[int]] = {}
    for r in read_csv_text(tables["national_counts"]):
        if r["Kunskapshus"] == TOTAL:
            continue
        i = system.cell(_key(r["Kunskapshus"], r["Period"], "area", r["Stadsdel"], r["Tema"]),
                        r["Antal"], 1.0)
        if r["Stadsdel"] == TOTAL and r["Tema"] != TOTAL and i is not None:
            for region in (r["Region"], NATIONAL):
                members.setdefault((region, r["Period"], r["Tema"]), []).append(i)
    cells = {}
    for key, (low, high) in national_figures(tables).items():
        i = system.index.setdefault(("national",) + key, len(system.index))
        cells[key] = i
        if low == high:
            system.known[i] = low
        else:
            system.floor[i] = 0.0
            system.rows.append(({i: 1.0}, low, high))
        system.equal(i, members.get(key, []))
    return cells


# ---------------------------------------------------------------------------------------
# The attack


@dataclass
class Verdict:
    findings: list[str]
    checked_cells: int
    national_figures: int


def attack(municipal: Mapping[str, Mapping[str, str]], floors: Mapping[str, float],
           national: Mapping[str, str], *, min_cell: int = 5, sample: int = 25,
           seed: int = 0) -> Verdict:
    """Attack the union; ``municipal`` maps each Kunskapshus to its tables' CSV text."""
    findings: list[str] = []
    per_house = {}
    for house, tables in municipal.items():
        system = System()
        add_municipal(system, house, tables, floors.get(house, 0.0))
        if system.conflicts:
            findings.append(f"{house}: a cell is published with two values")
        per_house[house] = (system, system.solver())
    # what the municipal tables imply for each theme total, and for each national figure
    union = System()
    for house, tables in municipal.items():
        add_municipal(union, house, tables, floors.get(house, 0.0))
    national_cells = add_national(union, national)
    if union.conflicts:
        findings.append(f"the national tables publish a municipal cell differently: "
                        f"{union.conflicts[0][:2]}")
    regions = {}
    for r in read_csv_text(national["national_counts"]):
        if r["Kunskapshus"] != TOTAL:
            regions[r["Kunskapshus"]] = r["Region"]
    for house, (system, _) in per_house.items():
        for key, i in system.index.items():
            j = union.index[key]
            if i not in system.known and j in union.known:
                findings.append(f"{key}: hidden by the municipality, shown nationally")
    implied: dict[tuple, list[float]] = {}
    intervals: dict[str, dict[int, tuple[float, float]]] = {}
    for house, (system, solver) in per_house.items():
        own = intervals.setdefault(house, {})
        themes = {(k[1], k[4]) for k in system.index if k[2] == "*" and k[4] != TOTAL}
        for period, theme in themes:
            i = system.index[_key(house, period, "area", TOTAL, theme)]
            if i in system.known:
                low = high = system.known[i]
            else:
                low, high = own[i] = solver.interval(i)
            if house not in regions:
                continue  # not pooled nationally
            for region in (regions[house], NATIONAL):
                bounds = implied.setdefault((region, period, theme), [0.0, 0.0])
                bounds[0] += low
                bounds[1] += high
    for key, i in national_cells.items():
        low, high = implied.get(key, (0.0, 0.0))
        stated = ((union.known[i],) * 2 if i in union.known else
                  next((lo, hi) for c, lo, hi in union.rows if c == {i: 1.0}))
        if stated[0] > low + 1e-6 or stated[1] < high - 1e-6:
            findings.append(f"{key}: the national figure {stated} is narrower than what the "
                            f"municipal tables allow ({low}, {high})")
    # the union solved directly for a sample of hidden cells (and every hidden theme total
    # already bounded above): none narrower than the municipal tables alone allow, none
    # pinned to a value below min_cell
    rng = np.random.default_rng(seed)
    checked = 0
    try:
        union_solver = union.solver()
        union_solver.extreme({}, 1.0)
    except ValueError as exc:
        findings.append(f"the union of the tables admits no table: {exc}")
        return Verdict(findings, checked, len(national_cells))
    for house, (system, solver) in per_house.items():
        keys = {v: k for k, v in system.index.items()}
        own = intervals[house]
        hidden = system.hidden()
        for i in list(rng.permutation(hidden))[:sample]:
            own.setdefault(int(i), solver.interval(int(i)))
        for i, (low, high) in own.items():
            if high - low < 0.5 and low < min_cell:
                findings.append(f"{keys[i]}: pinned to one value below {min_cell}")
        totals = [i for i in own if keys[i][2] == "*"]
        others = [i for i in own if keys[i][2] != "*"]
        for i in list(rng.permutation(totals))[:sample] + others:
            checked += 1
            j = union.index[keys[int(i)]]
            if j in union.known:
                continue  # reported above
            found = union_solver.interval(j)
            if found != own[int(i)]:
                findings.append(f"{keys[int(i)]}: the national tables narrow it from "
                                f"{own[int(i)]} to {found}")
    return Verdict(findings, checked, len(national_cells))


# ---------------------------------------------------------------------------------------
# The tests

import json  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_INBOX = PROJECT_ROOT / "data" / "sample" / "nationell" / "inbox"
SAMPLE_REGIONS = PROJECT_ROOT / "data" / "sample" / "nationell" / "regioner.yaml"


def municipal_tables(inbox: Path) -> tuple[dict[str, dict[str, str]], dict[str, float]]:
    """Every lägesbild bundle's published tables (CSV text) and the lower bound a reader
    can assume for its hidden cells (its disclosure report says whether zeros are hidden)."""
    index = json.loads((inbox / "index.json").read_text(encoding="utf-8"))
    tables, floors = {}, {}
    for entry in index["bundles"].values():
        if entry["notebook"] != "lagesbild":
            continue
        with zipfile.ZipFile(inbox / entry["file"]) as archive:
            house = entry["kunskapshus"]
            assert house not in tables, "one lägesbild bundle per Kunskapshus in these cases"
            tables[house] = {Path(n).stem: archive.read(n).decode("utf-8-sig")
                             for n in archive.namelist()
                             if n.startswith("tables/") and n.endswith(".csv")}
            report = json.loads(archive.read("disclosure.json"))
            floors[house] = 1.0 if report["parameters"].get("hidden_zeros") == 0 else 0.0
    return tables, floors


def published_csv(frames: Mapping[str, pd.DataFrame], folder: Path) -> dict[str, str]:
    """The national tables as the run writes them (the product's one table writer)."""
    from research.io.tables import write_table

    out = {}
    for name, frame in frames.items():
        path = write_table(frame, folder / f"{name}.csv")
        out[name] = path.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    from research import national

    synthesis = national.analyse(SAMPLE_INBOX, regions=str(SAMPLE_REGIONS), as_of="2026-11-30")
    folder = tmp_path_factory.mktemp("national_tables")
    return (*municipal_tables(SAMPLE_INBOX),
            published_csv(synthesis.published_tables(), folder))


def national_findings(verdict: Verdict) -> list[str]:
    return [f for f in verdict.findings if "pinned" not in f]


def test_the_attacker_finds_nothing_on_the_sample_inbox(sample: tuple) -> None:
    municipal, floors, national = sample
    assert len(municipal) == 4
    verdict = attack(municipal, floors, national, sample=12)
    assert verdict.findings == []
    assert verdict.national_figures > 50 and verdict.checked_cells > 40


def test_the_attacker_has_teeth_a_narrowed_national_range(sample: tuple) -> None:
    municipal, floors, national = sample
    rows = read_csv_text(national["national_situation_all"])
    target = next(r for r in rows if r["Antal"] == HIDDEN and r["Högst"] != "inf"
                  and float(r["Minst"]) < float(r["Högst"]))
    target["Högst"] = target["Minst"]  # would tell a reader the municipal totals' sum
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    leaky = dict(national, national_situation_all=buffer.getvalue())
    found = national_findings(attack(municipal, floors, leaky, sample=0))
    assert any(target["Tema"] in f and "narrower" in f for f in found)


def test_the_attacker_has_teeth_a_hidden_cell_republished(sample: tuple) -> None:
    municipal, floors, national = sample
    rows = read_csv_text(national["national_counts"])
    target = next(r for r in rows if r["Antal"] == HIDDEN and r["Kunskapshus"] != TOTAL)
    target["Antal"] = "2"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    verdict = attack(municipal, floors, dict(national, national_counts=buffer.getvalue()),
                     sample=0)
    assert verdict.findings  # the value becomes known: the union contradicts or pins


def _generated(seed: int) -> tuple[pd.DataFrame, dict, dict, dict[str, dict[str, str]]]:
    """Several municipalities' counts tables, hidden with a simple rule of the test's own
    (cells 1–4, random complements, sometimes a theme total or a zero)."""
    rng = np.random.default_rng(seed)
    houses = [f"K{i}" for i in range(int(rng.integers(2, 6)))]
    regions = {h: ("Norr" if rng.random() < 0.5 else "Syd") for h in houses}
    themes = ["Tema A", "Tema B", "Tema C", "Tema D"][: int(rng.integers(2, 5))]
    rows, floors, texts = [], {}, {}
    for house in houses:
        areas = [f"Område {c}" for c in "ABCDE"[: int(rng.integers(2, 5))]]
        floors[house] = 1.0
        lines = []
        for period in ("2026 K1", "2026 K2"):
            true = rng.poisson(rng.uniform(0.5, 6), size=(len(areas), len(themes)))
            hide = ((true > 0) & (true < 5)) | (rng.random(true.shape) < 0.15)
            for j, theme in enumerate(themes):
                if hide[:, j].sum() == 1:  # a single hidden cell in a column is solvable
                    hide[int(rng.integers(len(areas))), j] = True
            if (hide & (true == 0)).any():
                floors[house] = 0.0  # a hidden zero: a reader must allow 0
            for i, area in enumerate(areas):
                for j, theme in enumerate(themes):
                    lines.append((period, area, theme, HIDDEN if hide[i, j] else str(true[i, j])))
                lines.append((period, area, TOTAL, str(true[i].sum())))
            for j, theme in enumerate(themes):
                total = true[:, j].sum()
                hidden = 0 < total < 5 or (hide[:, j].any() and rng.random() < 0.3)
                lines.append((period, TOTAL, theme, HIDDEN if hidden else str(total)))
            lines.append((period, TOTAL, TOTAL, str(true.sum())))
        frame = pd.DataFrame(lines, columns=["Period", "Stadsdel", "Tema", "Antal"])
        texts[house] = {"counts": frame.to_csv(index=False)}
        rows.append(frame.assign(kunskapshus=house, floor=floors[house]))
    return pd.concat(rows, ignore_index=True), regions, floors, texts


@pytest.mark.parametrize("seed", range(12))
def test_the_attacker_finds_nothing_on_generated_cases(seed: int, tmp_path: Path) -> None:
    from research.national import NationalSynthesis, national_table

    counts, regions, floors, municipal = _generated(seed)
    synthesis = NationalSynthesis(inbox=None, coverage=pd.DataFrame(),
                                  situation=national_table(counts, regions), situation_audit=[],
                                  evaluations=pd.DataFrame(), situation_counts=counts,
                                  regions=regions)
    national = published_csv(synthesis.published_tables(), tmp_path)
    verdict = attack(municipal, floors, national, sample=6, seed=seed)
    assert national_findings(verdict) == []
    assert verdict.national_figures > 0


def test_the_attacker_finds_nothing_on_generated_municipal_runs(tmp_path: Path) -> None:
    """Three municipalities made with the lägesbild's own suppression (reports resampled
    from the sample with a seed and a size each), all six of their tables attacked together
    with the national tables built from them."""
    from research import situation
    from research.national import NationalSynthesis, national_table
    from research.privacy import checking

    source = PROJECT_ROOT / "data" / "sample" / "lagesbild" / "rapporter.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    municipal, floors, frames = {}, {}, []
    regions = {"Kunskapshus Ett": "Norr", "Kunskapshus Två": "Norr", "Kunskapshus Tre": "Syd"}
    for number, (house, size) in enumerate(zip(regions, (0.25, 0.5, 0.8))):
        rng = np.random.default_rng([2026, number])
        reports = tmp_path / f"reports{number}.csv"
        reports.write_text(lines[0] + "".join(l for l in lines[1:] if rng.random() < size),
                           encoding="utf-8")
        checking.reset()
        picture = situation.analyse(reports, as_of="2026-09-30", min_cell=5)
        check = picture.check_disclosure()
        assert check.passed
        floors[house] = 1.0 if check.audit.parameters["hidden_zeros"] == 0 else 0.0
        municipal[house] = published_csv(picture.published_tables(), tmp_path / house)
        counts = pd.read_csv(io.StringIO(municipal[house]["counts"]), dtype=str,
                             keep_default_na=False)
        frames.append(counts.assign(kunskapshus=house, floor=floors[house]))
    checking.reset()
    counts = pd.concat(frames, ignore_index=True)
    synthesis = NationalSynthesis(inbox=None, coverage=pd.DataFrame(),
                                  situation=national_table(counts, regions), situation_audit=[],
                                  evaluations=pd.DataFrame(), situation_counts=counts,
                                  regions=regions)
    national = published_csv(synthesis.published_tables(), tmp_path / "national")
    verdict = attack(municipal, floors, national, sample=8)
    assert verdict.findings == []
    assert verdict.national_figures > 50
