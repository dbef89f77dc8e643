"""The disclosure audit: what an attacker can work out from everything a run publishes.

The audit never calls the suppression code. It reads the published tables as a reader
would — text cells, ``..`` for a hidden cell — together with a description of what each
table's cells mean (:class:`TableSpec`: which column holds which dimension, which columns
are counts, differences, relative changes or shares), and turns every published number
into a linear constraint on the hidden cells:

- a total ("Totalt") equals the sum of the cells of its line, in every table that shows it;
- a cell shown in two tables is one unknown (a value shown in one table is known in all);
- a difference ``a − b`` is an equation, a rounded relative change or share an interval
  (``30,4 %`` means 30,35–30,45 %);
- a hidden cell is at least 1 when the run shows its zeros as ``0`` (at least 0 for a
  hidden cell the caller declares to be a hidden zero);
- a :class:`Relation` the reader knows between cells of different tables, which no table
  shows as a sum, is an inequality (a group's answers to a question never exceed the
  group's respondents in the response table).

For every hidden cell the feasible interval is then found with HiGHS
(:func:`scipy.optimize.linprog`; :func:`scipy.optimize.milp` where rounded shares make the
linear relaxation weaker than an integer attack). A run **passes** only if

1. no hidden cell is pinned to one value below ``min_cell``;
2. every primary cell (true count 1 … ``min_cell − 1``; without that knowledge, every hidden
   cell the attacker cannot prove to be at least ``min_cell``) has an interval at least
   ``protection`` wide (default ``min_cell − 1``) whose upper end reaches ``min_cell``;
3. no line's hidden cells can together hold at most ``min_cell − 1`` reports.

Feasible points found along the way (vertices of random objectives) certify most cells
without solving two programs each; every cell they do not certify gets its exact interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "TOTAL",
    "MARKER",
    "Key",
    "cell_key",
    "Measure",
    "TableSpec",
    "Relation",
    "Constraint",
    "PublishedSystem",
    "build_system",
    "add_relations",
    "Finding",
    "AuditResult",
    "audit_system",
    "audit_tables",
]

TOTAL = "Totalt"
MARKER = ".."
Key = tuple[tuple[str, str], ...]
_NUMBER = re.compile(r"^[+\-\u2212]?\d+(?:[.,](\d+))?$")
_EPS = 1e-6


def cell_key(coordinates: Mapping[str, Any]) -> Key:
    """The identity of a cell: its (dimension, value) pairs, sorted; a dimension summed
    over (a total) is absent."""
    return tuple(sorted((str(d), str(v)) for d, v in coordinates.items()))


# ---------------------------------------------------------------------------------------
# What a published table means


@dataclass(frozen=True)
class Measure:
    """One value column of a published table.

    ``kind`` is ``"count"`` (the cell at the row's coordinates plus ``fixed``),
    ``"difference"`` (``of[0] − of[1]``, two count columns of the same row), ``"relative"``
    (``(of[0] − of[1]) / of[1]`` in percent) or ``"share"`` (``of[0]`` as a percentage of
    the same cell with the dimensions in ``over`` summed).
    """

    column: str
    kind: str = "count"
    fixed: Mapping[str, str] = field(default_factory=dict)
    of: tuple[str, ...] = ()
    over: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "fixed": dict(self.fixed),
                "of": list(self.of), "over": list(self.over)}


@dataclass(frozen=True)
class TableSpec:
    """What the cells of one published table (``tables/<name>.csv``) mean.

    ``rows`` maps key columns to dimensions (the value ``total_label`` in a key column means
    the dimension is summed); ``fixed`` holds coordinates shared by every cell (e.g. the
    period); columns that are neither keys nor measures are ignored. A measure's ``fixed``
    value equal to ``total_label`` means that dimension is summed (e.g. a long table's
    "answers in the group" column beside its per-option counts). ``where`` keeps only the
    rows whose column holds one of the listed values, so one file may have several specs
    (e.g. one per background variable of a long cross-table).
    """

    name: str
    rows: Mapping[str, str]
    measures: tuple[Measure, ...]
    fixed: Mapping[str, str] = field(default_factory=dict)
    total_label: str = TOTAL
    marker: str = MARKER
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def wide(cls, name: str, rows: Mapping[str, str], column_dim: str,
             columns: Iterable[str], *, fixed: Mapping[str, str] | None = None,
             total_label: str = TOTAL) -> TableSpec:
        """A table whose value columns are the values of one dimension (plus a total)."""
        measures = tuple(Measure(str(c), fixed={} if str(c) == total_label
                                 else {column_dim: str(c)}) for c in columns)
        return cls(name, dict(rows), measures, dict(fixed or {}), total_label)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": dict(self.rows), "fixed": dict(self.fixed),
                "total_label": self.total_label, "marker": self.marker,
                "measures": [m.to_dict() for m in self.measures],
                "where": {k: list(v) for k, v in self.where.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableSpec:
        measures = tuple(Measure(str(m["column"]), str(m.get("kind", "count")),
                                 dict(m.get("fixed") or {}), tuple(m.get("of") or ()),
                                 tuple(m.get("over") or ())) for m in data["measures"])
        return cls(str(data["name"]), dict(data["rows"]), measures, dict(data.get("fixed") or {}),
                   str(data.get("total_label", TOTAL)), str(data.get("marker", MARKER)),
                   {str(k): tuple(map(str, v)) for k, v in (data.get("where") or {}).items()})


@dataclass(frozen=True)
class Relation:
    """``lower ≤ Σ coefficient·cell ≤ upper`` between published cells (by their keys, see
    :func:`cell_key`) that a reader knows although no table shows it as a sum — e.g. that a
    group's answers to one question are at most the group's respondents in another table
    (:meth:`at_most`). A relation is used when every cell it names is published (shown or
    hidden); ``name`` says what it is in findings."""

    terms: tuple[tuple[Key, float], ...]
    lower: float = 0.0
    upper: float = math.inf
    name: str = "relation"

    @classmethod
    def at_most(cls, smaller: Mapping[str, Any], larger: Mapping[str, Any], *,
                name: str = "at most") -> Relation:
        """The cell at ``smaller`` is at most the cell at ``larger``."""
        return cls(((cell_key(larger), 1.0), (cell_key(smaller), -1.0)), 0.0, math.inf, name)

    def to_dict(self) -> dict[str, Any]:
        return {"terms": [[[list(pair) for pair in key], a] for key, a in self.terms],
                "lower": self.lower, "upper": None if math.isinf(self.upper) else self.upper,
                "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Relation:
        terms = tuple((tuple((str(d), str(v)) for d, v in key), float(a))
                      for key, a in data["terms"])
        upper = data.get("upper")
        return cls(terms, float(data.get("lower", 0.0)),
                   math.inf if upper is None else float(upper), str(data.get("name", "relation")))


@dataclass
class Constraint:
    """``lower ≤ Σ coefficient·cell ≤ upper`` over cell indices."""

    coefficients: dict[int, float]
    lower: float
    upper: float
    where: tuple[str, int, str]  # (table, CSV line, column)


@dataclass
class PublishedSystem:
    """Every cell a run publishes and every relation between them."""

    keys: list[Key] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)  # None: hidden everywhere
    places: list[tuple[str, int, str]] = field(default_factory=list)  # first hidden place
    lines: list[tuple[int, tuple[int, ...], tuple[str, int, str]]] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, int, str]] = field(default_factory=list)
    _index: dict[Key, int] = field(default_factory=dict)

    def cell(self, key: Key, value: float | None, place: tuple[str, int, str]) -> int:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.keys)
            self.keys.append(key)
            self.values.append(value)
            self.places.append(place)
        elif value is not None:
            known = self.values[index]
            if known is None:
                self.values[index] = value  # shown elsewhere: the attacker knows it
            elif abs(known - value) > _EPS:
                self.conflicts.append(place)
        return index

    def index(self, key: Key) -> int | None:
        return self._index.get(key)


def _parse(text: str, marker: str) -> tuple[str, float, int]:
    """('hidden'|'value'|'empty', number, decimals shown)."""
    text = str(text).strip().lstrip("'")
    if text == marker:
        return "hidden", math.nan, 0
    match = _NUMBER.match(text)
    if not match:
        return "empty", math.nan, 0
    decimals = len(match.group(1) or "")
    return "value", float(text.replace(",", ".").replace("\u2212", "-")), decimals


def build_system(tables: Mapping[str, pd.DataFrame], specs: Iterable[TableSpec],
                 relations: Iterable[Relation] = ()) -> PublishedSystem:
    """Read published tables (text cells, as in their CSV files) into one system, with the
    ``relations`` a reader knows between their cells.

    Tables without a spec are left out (the caller decides whether that is allowed).
    """
    system = PublishedSystem()
    for spec in specs:
        if spec.name not in tables:
            continue
        if spec.name not in system.tables:
            system.tables.append(spec.name)
        _add_table(system, tables[spec.name], spec)
    add_relations(system, relations)
    return system


def add_relations(system: PublishedSystem, relations: Iterable[Relation]) -> int:
    """Add every relation whose cells are all published as a constraint; returns how many
    were added. A relation naming a cell no table publishes tells a reader nothing more
    than the tables do (that cell is unknown and unbounded) and is left out."""
    added = 0
    for number, relation in enumerate(relations):
        indices = [system.index(key) for key, _ in relation.terms]
        if any(i is None for i in indices):
            continue
        coefficients: dict[int, float] = {}
        for index, (_, a) in zip(indices, relation.terms):
            coefficients[index] = coefficients.get(index, 0.0) + float(a)
        system.constraints.append(Constraint(coefficients, float(relation.lower),
                                             float(relation.upper),
                                             ("relation", number, relation.name)))
        added += 1
    return added


def _add_table(system: PublishedSystem, frame: pd.DataFrame, spec: TableSpec) -> None:
    counts = {m.column for m in spec.measures if m.kind == "count"}
    in_table: dict[Key, int] = {}
    for position, row in enumerate(frame.to_dict("records")):
        line = position + 2  # the CSV header is line 1
        if any(str(row.get(column, "")).strip() not in allowed
               for column, allowed in spec.where.items()):
            continue
        base = dict(spec.fixed)
        for column, dim in spec.rows.items():
            value = str(row.get(column, "")).strip()
            if value != spec.total_label:
                base[dim] = value
        row_cells: dict[str, tuple[int, str, float, int]] = {}
        for measure in spec.measures:
            if measure.column not in frame.columns:
                continue
            state, number, decimals = _parse(row[measure.column], spec.marker)
            if measure.kind == "count":
                if state == "empty":
                    continue
                key = cell_key({d: v for d, v in {**base, **measure.fixed}.items()
                                if v != spec.total_label})
                place = (spec.name, line, measure.column)
                index = system.cell(key, None if state == "hidden" else number, place)
                if state == "hidden" and system.places[index][0] == "":
                    system.places[index] = place
                in_table[key] = index
                row_cells[measure.column] = (index, state, number, decimals)
        for measure in spec.measures:
            if measure.kind == "count" or measure.column not in frame.columns:
                continue
            state, number, decimals = _parse(row[measure.column], spec.marker)
            if state != "value":
                continue
            where = (spec.name, line, measure.column)
            _add_derived(system, measure, number, decimals, row_cells, base, where, counts)
    _add_lines(system, in_table, spec.name)


def _add_derived(system: PublishedSystem, measure: Measure, number: float, decimals: int,
                 row_cells: Mapping[str, tuple[int, str, float, int]], base: Mapping[str, str],
                 where: tuple[str, int, str], counts: set[str]) -> None:
    half = 0.5 * 10.0 ** (-decimals) if decimals else 0.5
    if measure.kind == "difference" and len(measure.of) == 2:
        a, b = (row_cells.get(c) for c in measure.of)
        if a and b:
            system.constraints.append(Constraint({a[0]: 1.0, b[0]: -1.0} if a[0] != b[0]
                                                 else {}, number, number, where))
    elif measure.kind == "relative" and len(measure.of) == 2:
        a, b = (row_cells.get(c) for c in measure.of)
        if a and b and a[0] != b[0]:
            for bound, sign in ((number + half, 1), (number - half, -1)):
                coefficients = {a[0]: 1.0, b[0]: -(1.0 + bound / 100.0)}
                system.constraints.append(Constraint(
                    coefficients, -math.inf if sign > 0 else 0.0,
                    0.0 if sign > 0 else math.inf, where))
    elif measure.kind == "share" and measure.of:
        numerator = row_cells.get(measure.of[0])
        source = next((m for m in counts if m == measure.of[0]), None)
        if numerator is None or source is None:
            return
        key = dict(system.keys[numerator[0]])
        for dim in measure.over:
            key.pop(dim, None)
        denominator = system.index(cell_key(key))
        if denominator is None or denominator == numerator[0]:
            return
        for bound, sign in ((number + half, 1), (number - half, -1)):
            coefficients = {numerator[0]: 1.0, denominator: -bound / 100.0}
            system.constraints.append(Constraint(
                coefficients, -math.inf if sign > 0 else 0.0, 0.0 if sign > 0 else math.inf,
                where))


def _add_lines(system: PublishedSystem, in_table: Mapping[Key, int], table: str) -> None:
    """Every line of one table: a cell whose key lacks one dimension that other cells of
    the same table have is their total."""
    groups: dict[tuple[Key, str], list[int]] = {}
    for key, index in in_table.items():
        for position, (dim, _) in enumerate(key):
            parent = key[:position] + key[position + 1:]
            if parent in in_table:
                groups.setdefault((parent, dim), []).append(index)
    for (parent, _), children in groups.items():
        total = in_table[parent]
        place = system.places[total]
        where = (table, place[1] if place[0] == table else 0, place[2])
        system.lines.append((total, tuple(children), where))
        coefficients = {total: 1.0}
        for child in children:
            coefficients[child] = coefficients.get(child, 0.0) - 1.0
        system.constraints.append(Constraint(coefficients, 0.0, 0.0, where))


# ---------------------------------------------------------------------------------------
# The attack


@dataclass(frozen=True)
class Finding:
    """Why a run fails: ``kind`` is ``"pinned"`` (a hidden cell has one possible value
    below ``min_cell``), ``"narrow"`` (a small hidden cell's interval is narrower than the
    protection), ``"line"`` (a line's hidden cells hold fewer than ``min_cell`` together),
    ``"inconsistent"`` or ``"infeasible"`` (the published tables contradict each other or
    the bounds). Names the table, CSV line and column — never a value."""

    kind: str
    table: str
    line: int
    column: str

    def describe(self) -> str:
        what = {"pinned": "a hidden cell can be worked out exactly",
                "narrow": "a hidden small cell can be narrowed down too far",
                "line": "the hidden cells of a line hold fewer than the threshold together",
                "inconsistent": "a cell is published with two different values",
                "infeasible": "the published tables contradict the bounds of hidden cells",
                }.get(self.kind, self.kind)
        return f"table {self.table}, line {self.line}, column '{self.column}': {what}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "line": self.line,
                "column": self.column}


@dataclass
class AuditResult:
    """The audit's verdict and what it is based on.

    ``intervals`` maps each hidden cell's key to ``(low, high)`` (``high`` may be ``inf``):
    exact where ``exact[key]`` is True, otherwise a range that feasible tables were found to
    span (the true interval is at least as wide). Intervals stay in memory: they are what
    an attacker could compute, and are never written to ``disclosure.json``.
    """

    passed: bool
    findings: list[Finding]
    intervals: dict[Key, tuple[float, float]]
    exact: dict[Key, bool]
    hidden: int
    tables: list[str]
    parameters: dict[str, Any]
    programs: int = 0
    failing_keys: list[Key] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "tables": list(self.tables),
                "hidden_cells": self.hidden, "findings": [f.to_dict() for f in self.findings],
                "parameters": dict(self.parameters), "programs_solved": self.programs,
                "method": "linear programs (HiGHS via scipy.optimize) on every published "
                          "total, difference, relative change and share, and every "
                          "inequality a reader knows between tables"}


class _Component:
    """The hidden cells tied together by constraints, as one linear program."""

    def __init__(self, variables: list[int], rows: list[tuple[dict[int, float], float, float]],
                 floors: np.ndarray, integral: bool) -> None:
        from scipy.sparse import csr_matrix

        self.variables = variables
        self.position = {v: k for k, v in enumerate(variables)}
        self.floors = floors
        self.integral = integral
        eq_data, eq_rows, eq_cols, eq_rhs = [], [], [], []
        ub_data, ub_rows, ub_cols, ub_rhs = [], [], [], []
        for coefficients, lower, upper in rows:
            if abs(upper - lower) <= _EPS:
                for v, a in coefficients.items():
                    eq_data.append(a), eq_rows.append(len(eq_rhs)), eq_cols.append(self.position[v])
                eq_rhs.append(lower)
                continue
            if math.isfinite(upper):
                for v, a in coefficients.items():
                    ub_data.append(a), ub_rows.append(len(ub_rhs)), ub_cols.append(self.position[v])
                ub_rhs.append(upper)
            if math.isfinite(lower):
                for v, a in coefficients.items():
                    ub_data.append(-a), ub_rows.append(len(ub_rhs)), ub_cols.append(self.position[v])
                ub_rhs.append(-lower)
        n = len(variables)
        self.a_eq = csr_matrix((eq_data, (eq_rows, eq_cols)), shape=(len(eq_rhs), n)) \
            if eq_rhs else None
        self.b_eq = np.array(eq_rhs) if eq_rhs else None
        self.a_ub = csr_matrix((ub_data, (ub_rows, ub_cols)), shape=(len(ub_rhs), n)) \
            if ub_rhs else None
        self.b_ub = np.array(ub_rhs) if ub_rhs else None
        self.solved = 0

    def solve(self, objective: np.ndarray, cap: float | None = None
              ) -> tuple[str, np.ndarray | None]:
        """Minimise ``objective · x``; ``('optimal', x)``, ``('unbounded', None)`` or
        ``('infeasible', None)``."""
        from scipy.optimize import linprog

        self.solved += 1
        bounds = [(float(f), cap) for f in self.floors]
        if self.integral:
            return self._solve_integer(objective, cap)
        result = linprog(objective, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq,
                         b_eq=self.b_eq, bounds=bounds, method="highs")
        if result.status == 0:
            return "optimal", np.asarray(result.x)
        return ("unbounded" if result.status == 3 else "infeasible"), None

    def _solve_integer(self, objective: np.ndarray, cap: float | None
                       ) -> tuple[str, np.ndarray | None]:
        from scipy.optimize import Bounds, LinearConstraint, milp

        constraints = []
        if self.a_eq is not None:
            constraints.append(LinearConstraint(self.a_eq, self.b_eq, self.b_eq))
        if self.a_ub is not None:
            constraints.append(LinearConstraint(self.a_ub, -np.inf, self.b_ub))
        upper = np.full(len(self.variables), 1e9 if cap is None else cap)
        result = milp(objective, constraints=constraints, integrality=np.ones(len(objective)),
                      bounds=Bounds(self.floors, upper))
        if result.status == 0 and result.x is not None:
            x = np.asarray(result.x)
            if cap is None and np.any(x[objective < 0] > 1e9 - 1):
                return "unbounded", None
            return "optimal", x
        return "infeasible", None


@dataclass
class _State:
    """What the attack on the components has found so far."""

    system: PublishedSystem
    floors: Mapping[int, float]
    candidates: list[dict[Key, float]]
    primary: set[Key] | None
    min_cell: int
    protection: int
    exact_all: bool
    random_points: int
    rng: np.random.Generator
    findings: list[Finding] = field(default_factory=list)
    failing: list[Key] = field(default_factory=list)
    intervals: dict[Key, tuple[float, float]] = field(default_factory=dict)
    exact: dict[Key, bool] = field(default_factory=dict)
    seen_high: dict[int, float] = field(default_factory=dict)
    programs: int = 0
    changes: dict[Key, list[tuple[int, float]]] | None = None

    def attack(self, variables: list[int], rows: list) -> None:
        """Certify or bound every hidden cell of one component and judge it."""
        system = self.system
        integral = any(abs(abs(a) - 1.0) > 1e-12 for c, _, _ in rows for a in c.values())
        component = _Component(variables, rows, np.array([self.floors[v] for v in variables]),
                               integral)
        keys = [system.keys[v] for v in variables]
        small = [(key in self.primary) if self.primary is not None else None for key in keys]
        if self.changes is None:
            self.changes = _changes(self.candidates)
        given = _verified(component, keys, self.candidates, self.changes)
        observed = _witness(component, given, self.random_points, self.rng, self.exact_all,
                            small, self.min_cell, self.protection)
        if observed is None:
            self.findings.append(Finding("infeasible", *system.places[variables[0]]))
            self.failing.extend(keys)
            self.programs += component.solved
            return
        low, high = observed
        for k, v in enumerate(variables):
            self.seen_high[v] = float(high[k])
            lo, hi, is_exact = low[k], high[k], False
            if self.exact_all or not _certified(lo, hi, small[k], self.min_cell,
                                                self.protection):
                (lo, hi), is_exact = _interval(component, k), True
            self.intervals[keys[k]], self.exact[keys[k]] = (lo, hi), is_exact
            kind = _judge(lo, hi, small[k], self.min_cell, self.protection)
            if kind:
                self.findings.append(Finding(kind, *system.places[v]))
                self.failing.append(keys[k])
        self.programs += component.solved


def audit_system(
    system: PublishedSystem,
    min_cell: int = 5,
    protection: int | None = None,
    *,
    primary: Iterable[Key] | None = None,
    zeros: Iterable[Key] = (),
    exact: bool = False,
    witnesses: Iterable[Mapping[Key, float]] = (),
    random_points: int = 6,
    seed: int = 0,
) -> AuditResult:
    """Attack ``system`` and judge it (see the module docstring for the rules).

    Parameters
    ----------
    system
        From :func:`build_system`.
    min_cell
        Smallest count that may be known (default 5).
    protection
        Required width of a small hidden cell's interval (default ``min_cell − 1``).
    primary
        Keys of hidden cells whose true count is 1 … ``min_cell − 1``. ``None``: treat
        every hidden cell that cannot be proved to be at least ``min_cell`` as small.
    zeros
        Keys of hidden cells whose true count is 0 (their lower bound is 0, not 1).
    exact
        Compute every hidden cell's exact interval (otherwise feasible points certify most
        cells and only the rest get exact programs).
    witnesses
        Candidate tables (values of hidden cells by key), e.g. the true table and the
        alternatives a suppression method found; after the first, a candidate may list only
        the cells it changes. Each is **checked** against every constraint and bound here;
        only those that satisfy them all are used as feasible points. Nothing else about
        them is trusted.
    random_points, seed
        How many random objectives give further feasible points, and their seed.
    """
    candidates = [dict(w) for w in witnesses]
    protection = min_cell - 1 if protection is None else int(protection)
    primary_set = None if primary is None else set(primary)
    zero_set = set(zeros)
    hidden = [i for i, v in enumerate(system.values) if v is None]
    floors = {i: (0.0 if system.keys[i] in zero_set else 1.0) for i in hidden}
    findings: list[Finding] = [Finding("inconsistent", *place) for place in system.conflicts]
    rows = _reduce(system, findings)
    components = _components(hidden, rows)
    state = _State(system, floors, candidates, primary_set, min_cell, protection, exact,
                   random_points, np.random.default_rng(seed))
    for variables, component_rows in components:
        state.attack(variables, component_rows)
    findings += state.findings
    failing, programs = state.failing, state.programs
    intervals, exact_flags, seen_high = state.intervals, state.exact, state.seen_high
    line_findings, line_programs = _check_lines(system, components, floors, min_cell, seen_high)
    findings += line_findings
    programs += line_programs
    findings = list(dict.fromkeys(findings))
    return AuditResult(
        passed=not findings, findings=findings, intervals=intervals, exact=exact_flags,
        hidden=len(hidden), tables=list(system.tables), programs=programs,
        failing_keys=list(dict.fromkeys(failing)),
        parameters={"min_cell": int(min_cell), "protection": protection,
                    "hidden_lower_bound": "1 (0 for a declared hidden zero)",
                    "hidden_zeros": len(zero_set & {system.keys[i] for i in hidden}),
                    "relations": sum(c.where[0] == "relation" for c in system.constraints),
                    "primary_known": primary_set is not None},
    )


def _reduce(system: PublishedSystem, findings: list[Finding]
            ) -> list[tuple[dict[int, float], float, float, tuple[str, int, str]]]:
    """Substitute known cells; constraints left without a hidden cell are checks."""
    reduced = []
    for constraint in system.constraints:
        known = 0.0
        coefficients: dict[int, float] = {}
        for index, a in constraint.coefficients.items():
            value = system.values[index]
            if value is None:
                if abs(a) > 0:
                    coefficients[index] = a
            else:
                known += a * value
        lower, upper = constraint.lower - known, constraint.upper - known
        if not coefficients:
            if lower > 1e-6 or upper < -1e-6:
                findings.append(Finding("inconsistent", *constraint.where))
            continue
        reduced.append((coefficients, lower, upper, constraint.where))
    return reduced


def _components(hidden: list[int], rows: list) -> list[tuple[list[int], list]]:
    parent = {v: v for v in hidden}

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for coefficients, *_ in rows:
        members = list(coefficients)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = {}
    for v in hidden:
        groups.setdefault(find(v), []).append(v)
    by_root: dict[int, list] = {root: [] for root in groups}
    for row in rows:
        by_root[find(next(iter(row[0])))].append(row[:3])
    return [(variables, by_root[root]) for root, variables in groups.items()]


def _verified(component: _Component, keys: list[Key], candidates: list[dict[Key, float]],
              changes: Mapping[Key, list[tuple[int, float]]] | None = None) -> np.ndarray:
    """Columns = the candidate points that satisfy every constraint and bound of
    ``component``. The first candidate must give every cell; a later one may list only
    the cells it changes (the others keep the first one's values). ``changes`` is
    :func:`_changes` of ``candidates`` (made once for all components)."""
    n = len(keys)
    if not candidates or not all(key in candidates[0] for key in keys):
        return np.zeros((n, 0))
    if changes is None:
        changes = _changes(candidates)
    base = np.array([float(candidates[0][key]) for key in keys])
    touched: dict[int, list[tuple[int, float]]] = {}
    for k, key in enumerate(keys):
        for number, value in changes.get(key, ()):
            touched.setdefault(number, []).append((k, value))
    columns = [base]
    for number in sorted(touched):
        x = base.copy()
        for k, value in touched[number]:
            x[k] = value
        columns.append(x)
    points = np.column_stack(columns)
    ok = np.all(points >= component.floors[:, None] - 1e-7, axis=0)
    if component.a_eq is not None:
        ok &= np.all(np.abs(component.a_eq @ points - component.b_eq[:, None]) <= 1e-6, axis=0)
    if component.a_ub is not None:
        ok &= np.all(component.a_ub @ points <= component.b_ub[:, None] + 1e-6, axis=0)
    return points[:, ok]


def _changes(candidates: list[dict[Key, float]]) -> dict[Key, list[tuple[int, float]]]:
    """For each cell, the later candidates that change it: ``[(candidate number, value)]``."""
    changes: dict[Key, list[tuple[int, float]]] = {}
    for number, candidate in enumerate(candidates[1:], start=1):
        for key, value in candidate.items():
            changes.setdefault(key, []).append((number, float(value)))
    return changes


def _witness(component: _Component, given: np.ndarray, count: int,
             rng: np.random.Generator, exact: bool, small: list[bool | None], min_cell: int,
             protection: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Observed per-cell minima and maxima over feasible points: the verified ``given``
    ones, then (while a cell is not certified) vertices of capped random objectives;
    ``None`` if nothing is feasible."""
    n = len(component.variables)
    if component.a_eq is None and component.a_ub is None:
        return component.floors.copy(), np.full(n, math.inf)
    cap = 1e6
    low = given.min(axis=1) if given.shape[1] else np.full(n, math.inf)
    high = given.max(axis=1) if given.shape[1] else np.full(n, -math.inf)

    def done() -> bool:
        return not exact and all(_certified(low[k], high[k], small[k], min_cell, protection)
                                 for k in range(n))

    if given.shape[1] and done():
        return low, high
    objectives = [np.ones(n), -np.ones(n)]
    objectives += [rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.5, n)
                   for _ in range(0 if exact else count)]
    for objective in objectives:
        status, x = component.solve(objective, cap)
        if status == "infeasible":
            return None
        if x is None:
            continue
        low, high = np.minimum(low, x), np.maximum(high, x)
        if done():
            break
    high = np.where(high >= cap - 1, math.inf, high)
    return low, high


def _interval(component: _Component, k: int) -> tuple[float, float]:
    n = len(component.variables)
    unit = np.zeros(n)
    unit[k] = 1.0
    _, x_low = component.solve(unit)
    status, x_high = component.solve(-unit)
    low = float(component.floors[k]) if x_low is None else math.ceil(x_low[k] - 1e-6)
    high = math.inf if status == "unbounded" or x_high is None else math.floor(x_high[k] + 1e-6)
    return float(low), float(high)


def _certified(lo: float, hi: float, small: bool | None, min_cell: int, protection: int
               ) -> bool:
    """The observed range already proves the cell passes (the true range is wider)."""
    return _judge(lo, hi, small, min_cell, protection, observed=True) is None


def _judge(lo: float, hi: float, small: bool | None, min_cell: int, protection: int,
           *, observed: bool = False) -> str | None:
    width = hi - lo
    if width < 0.5 and lo < min_cell:
        return "pinned"
    if small is None:  # unknown truth: anything that may be small must look like ≥ min_cell
        if (observed or lo < min_cell) and (width < protection or hi < min_cell):
            return "narrow"
        return None
    if small and width < protection:
        return "narrow"
    return None


def _check_lines(system: PublishedSystem, components: list, floors: Mapping[int, float],
                 min_cell: int, seen_high: Mapping[int, float]) -> tuple[list[Finding], int]:
    """Lines whose hidden cells can hold at most ``min_cell − 1`` reports together.

    A feasible point where one member reaches ``h`` makes the members' sum at least ``h``
    plus the others' lower bounds; only lines that this does not settle get a program."""
    where_component: dict[int, int] = {}
    for number, (variables, _) in enumerate(components):
        for v in variables:
            where_component[v] = number
    built: dict[int, _Component] = {}
    findings = []
    for total, children, place in system.lines:
        members = [c for c in children if system.values[c] is None]
        if not members:
            continue
        known_total = system.values[total]
        visible = sum(system.values[c] for c in children if system.values[c] is not None)
        if known_total is not None:
            if known_total - visible >= min_cell - _EPS:
                continue
            findings.append(Finding("line", *place))
            continue
        floor_sum = sum(floors[m] for m in members)
        if max(seen_high.get(m, -math.inf) - floors[m] for m in members) + floor_sum \
                >= min_cell - _EPS:
            continue
        number = where_component[members[0]]
        if number not in built:
            variables, rows = components[number]
            built[number] = _Component(variables, rows,
                                       np.array([floors[v] for v in variables]), False)
        component = built[number]
        objective = np.zeros(len(component.variables))
        for member in members:
            objective[component.position[member]] = -1.0
        status, x = component.solve(objective)
        if status == "unbounded" or (x is not None and -objective @ x >= min_cell - _EPS):
            continue
        findings.append(Finding("line", *place))
    return findings, sum(c.solved for c in built.values())


def audit_tables(tables: Mapping[str, pd.DataFrame], specs: Iterable[TableSpec], *,
                 relations: Iterable[Relation] = (), **options: Any) -> AuditResult:
    """Build the system from published tables (text cells) and the ``relations`` between
    their cells, and attack it; tables that hold a hidden cell but have no spec fail the
    audit (they cannot be checked)."""
    specs = list(specs)
    described = {spec.name for spec in specs}
    result = audit_system(build_system(tables, specs, relations), **options)
    for name, frame in tables.items():
        if name in described:
            continue
        text = frame.astype(str).map(lambda v: v.strip().lstrip("'"))
        hits = np.argwhere(text.to_numpy() == MARKER)
        if len(hits):
            row, column = hits[0]
            result.findings.append(Finding("undescribed", name, int(row) + 2,
                                           str(frame.columns[column])))
            result.passed = False
    return result
