"""Cell suppression for count tables published together (primary and complementary).

**Primary suppression** hides every count with ``0 < n < min_cell`` — totals included.
**Complementary suppression** works on all linked tables of a run at once
(:class:`LinkedTables`: e.g. area × theme and unit × theme of a period share their theme
totals and grand total; a one-way table shares the grand total), with the inequalities a
reader knows between tables that no table sums (:meth:`LinkedTables.at_most`: a group's
answers to a question are at most its respondents). A cell that must be
protected needs an alternative table that agrees with everything published and in which the
cell is ``max(min_cell, n + protection)`` (the true table is the other end of the
interval, so the reader's interval is at least ``protection`` wide and reaches
``min_cell``). For each such target one linear program
(HiGHS) finds the cheapest change of the table that reaches it while keeping every
published cell and total; the cells it has to change are hidden. This is the incremental
linear-programming heuristic of Fischetti and Salazar-González, the family of τ-ARGUS'
and sdcTable's optimal methods, applied to a hypercube of linked tables; each program is
small because the tables split into independent parts (periods).

**What is minimised**: a weighted count of hidden cells — a hidden inner cell costs
1 + its share of the largest count (small cells first, zeros allowed as complements), a
total costs 2 more per dimension it sums over — through the programs' linear relaxation
(so close to, not provably, the fewest cells).

Then the **independent audit** (:mod:`research.privacy.audit`, which never calls this
module) attacks the result; every cell or line it can narrow becomes a new target, until
it passes or ``max_rounds`` is reached (the result then carries the failing audit, so the
caller can refuse to publish and say why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, ParameterError
from .audit import (AuditResult, Constraint, Key, PublishedSystem, Relation, add_relations,
                    audit_system, cell_key)
from .highs import silent_highs

__all__ = [
    "TOTAL_LABEL",
    "DEFAULT_MARKER",
    "SuppressionResult",
    "LinkedTables",
    "LinkedSuppression",
    "RECTANGLE_ABOVE",
    "protect",
    "suppress_counts",
    "suppress_series",
]

TOTAL_LABEL = "Totalt"
DEFAULT_MARKER = ".."


@dataclass(frozen=True)
class SuppressionResult:
    """A count table after disclosure control.

    Attributes
    ----------
    table
        Float counts, ``NaN`` where suppressed; with a ``"Totalt"`` row and column (or,
        for one-way tables, a ``"Totalt"`` entry) when totals were requested.
    suppressed
        True for every suppressed cell (primary and secondary), same shape as ``table``.
    primary
        True for the cells suppressed because 0 < n < ``min_cell``.
    min_cell
        The threshold that was applied.
    audit
        The audit of the tables this one was suppressed with (``None`` without totals).
    """

    table: pd.DataFrame | pd.Series
    suppressed: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series
    min_cell: int
    audit: AuditResult | None = None

    @property
    def secondary(self) -> pd.DataFrame | pd.Series:
        """Cells suppressed only to protect others."""
        return self.suppressed & ~self.primary

    def marked(self, marker: str = DEFAULT_MARKER) -> pd.DataFrame | pd.Series:
        """The table for display or CSV: integers, ``marker`` where suppressed (object
        dtype). Suppressed values are never present."""
        values = self.table.to_numpy()
        hidden = self.suppressed.to_numpy()
        flat = [marker if s else int(v) for v, s in zip(values.ravel(), hidden.ravel())]
        data = np.array(flat, dtype=object).reshape(values.shape)
        if isinstance(self.table, pd.Series):
            return pd.Series(data, index=self.table.index, name=self.table.name, dtype=object)
        return pd.DataFrame(data, index=self.table.index, columns=self.table.columns,
                            dtype=object)


def _as_counts(counts: pd.DataFrame | pd.Series, what: str) -> np.ndarray:
    try:
        values = counts.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise InputDataError(
            f"The {what} for disclosure control holds non-numeric values.",
            hint="pass a table of non-negative whole-number counts",
        ) from error
    if np.isnan(values).any():
        raise InputDataError(
            f"The {what} for disclosure control has missing cells.",
            hint="fill empty cells with 0 (e.g. DataFrame.fillna(0)) before suppressing",
        )
    if (values < 0).any() or (values != np.round(values)).any():
        raise InputDataError(
            f"The {what} for disclosure control must hold non-negative whole numbers.",
            hint="suppress raw counts, not shares, means or differences",
        )
    return values


def _check_whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(
            f"{name} must be a whole number ≥ {minimum}, got {value!r}.",
            hint="the usual threshold is min_cell = 5 (protection defaults to min_cell − 1)",
            parameter=name,
        )
    return int(value)


# ---------------------------------------------------------------------------------------
# Linked tables


@dataclass
class _Table:
    index: list[Any]
    columns: list[Any] | None  # None: a one-way table
    cells: np.ndarray  # cell number per position
    name: Any = None
    index_name: Any = None
    columns_name: Any = None


@dataclass
class LinkedTables:
    """Count tables that share cells (margins), as one set of cells and lines.

    A cell is identified by its coordinates (:func:`research.privacy.audit.cell_key`): the
    dimensions it is fixed on, with summed dimensions absent. Tables that show the same
    coordinates (the theme totals of area × theme and unit × theme) share those cells.
    """

    keys: list[Key] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lines: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    tables: dict[str, _Table] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    _index: dict[Key, int] = field(default_factory=dict)

    def _cell(self, coordinates: Mapping[str, Any], value: float) -> int:
        key = cell_key(coordinates)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.keys)
            self.keys.append(key)
            self.values.append(float(value))
        elif abs(self.values[index] - value) > 1e-9:
            raise InputDataError(
                f"Linked tables disagree on the cell {dict(key)}.",
                hint="tables suppressed together must be counted from the same records",
            )
        return index

    def add_table(self, name: str, counts: pd.DataFrame, *, fixed: Mapping[str, Any] | None = None,
                  totals: bool = True, row_dim: str | None = None,
                  column_dim: str | None = None) -> None:
        """Add a two-way table (rows × columns, no totals); with ``totals`` its row,
        column and grand totals are cells too, and every line is a sum."""
        if not isinstance(counts, pd.DataFrame):
            raise InputDataError("suppress_counts expects a DataFrame (rows × columns).",
                                 hint="use suppress_series for a one-way table")
        if isinstance(counts.index, pd.MultiIndex) or isinstance(counts.columns, pd.MultiIndex):
            raise InputDataError("suppress_counts expects a flat two-way table.",
                                 hint="unstack to one row and one column dimension first")
        values = _as_counts(counts, "table")
        fixed = dict(fixed or {})
        rows = str(row_dim or counts.index.name or "rad")
        cols = str(column_dim or counts.columns.name or "kolumn")
        n_rows, n_cols = values.shape
        index, columns = list(counts.index), list(counts.columns)
        shape = (n_rows + 1, n_cols + 1) if totals else (n_rows, n_cols)
        cells = np.zeros(shape, dtype=int)
        for i, row in enumerate(index):
            for j, column in enumerate(columns):
                cells[i, j] = self._cell({**fixed, rows: row, cols: column}, values[i, j])
        if totals:
            for i, row in enumerate(index):
                cells[i, n_cols] = self._cell({**fixed, rows: row}, values[i].sum())
                self.lines.append((int(cells[i, n_cols]), tuple(map(int, cells[i, :n_cols]))))
            for j, column in enumerate(columns):
                cells[n_rows, j] = self._cell({**fixed, cols: column}, values[:, j].sum())
                self.lines.append((int(cells[n_rows, j]), tuple(map(int, cells[:n_rows, j]))))
            cells[n_rows, n_cols] = self._cell(fixed, values.sum())
            grand = int(cells[n_rows, n_cols])
            self.lines.append((grand, tuple(map(int, cells[n_rows, :n_cols]))))
            self.lines.append((grand, tuple(map(int, cells[:n_rows, n_cols]))))
            index, columns = index + [TOTAL_LABEL], columns + [TOTAL_LABEL]
        self.tables[name] = _Table(index, columns, cells, None, counts.index.name,
                                   counts.columns.name)

    def add_series(self, name: str, counts: pd.Series, *, fixed: Mapping[str, Any] | None = None,
                   total: bool = True, dim: str | None = None) -> None:
        """Add a one-way table; with ``total`` its total is a cell and the sum a line."""
        if isinstance(counts, pd.DataFrame):
            raise InputDataError("suppress_series expects a Series (one-way table).",
                                 hint="use suppress_counts for a two-way table")
        counts = pd.Series(counts)
        values = _as_counts(counts, "series")
        fixed = dict(fixed or {})
        dimension = str(dim or counts.index.name or "kategori")
        cells = [self._cell({**fixed, dimension: label}, v) for label, v in zip(counts.index, values)]
        index = list(counts.index)
        if total:
            grand = self._cell(fixed, values.sum())
            self.lines.append((grand, tuple(cells)))
            cells.append(grand)
            index.append(TOTAL_LABEL)
        self.tables[name] = _Table(index, None, np.array(cells, dtype=int), counts.name,
                                   counts.index.name)

    def equal(self, first: Mapping[str, Any], second: Mapping[str, Any]) -> None:
        """Declare that two cells already added are the same count published twice (e.g.
        an item's answers per group and the group's respondents, when everyone answered)."""
        a, b = (self._index.get(cell_key(c)) for c in (first, second))
        if a is None or b is None:
            raise InputDataError("equal() names a cell that no table holds.",
                                 hint="add both tables before linking their cells")
        if abs(self.values[a] - self.values[b]) > 1e-9:
            raise InputDataError(f"Linked tables disagree on the cell {dict(self.keys[a])}.",
                                 hint="tables suppressed together must be counted from the "
                                      "same records")
        self.lines.append((a, (b,)))

    def at_most(self, smaller: Mapping[str, Any], larger: Mapping[str, Any], *,
                name: str = "at most") -> None:
        """Declare that a reader knows the cell at ``smaller`` is at most the cell at
        ``larger`` although no table sums them (a group's answers to a question and the
        group's respondents). Alternative tables then keep it, and the audit uses it. A
        relation naming a cell no table holds is ignored."""
        self.relate(Relation.at_most(smaller, larger, name=name))

    def relate(self, relation: Relation) -> None:
        """Declare a linear :class:`~research.privacy.audit.Relation` between cells."""
        indices = [self._index.get(key) for key, _ in relation.terms]
        if any(i is None for i in indices):
            return
        values = sum(a * self.values[i] for i, (_, a) in zip(indices, relation.terms))
        if not relation.lower - 1e-9 <= values <= relation.upper + 1e-9:
            raise InputDataError(f"The counts break the declared relation {relation.name!r}.",
                                 hint="declare only relations that hold for every table "
                                      "counted from the records")
        self.relations.append(relation)

    def relation_rows(self) -> list[tuple[dict[int, float], float, float]]:
        """The relations as ``(coefficients by cell number, lower, upper)``."""
        rows = []
        for relation in self.relations:
            coefficients: dict[int, float] = {}
            for key, a in relation.terms:
                index = self._index[key]
                coefficients[index] = coefficients.get(index, 0.0) + float(a)
            rows.append((coefficients, float(relation.lower), float(relation.upper)))
        return rows

    def published(self, hidden: np.ndarray) -> PublishedSystem:
        """The cells and lines as a reader sees them (for the audit); places name cell
        numbers and line numbers so findings lead back here."""
        system = PublishedSystem()
        for index, key in enumerate(self.keys):
            system.cell(key, None if hidden[index] else self.values[index], ("cell", index, ""))
        for number, (total, children) in enumerate(self.lines):
            where = ("line", number, "")
            system.lines.append((total, children, where))
            coefficients = {total: 1.0}
            for child in children:
                coefficients[child] = coefficients.get(child, 0.0) - 1.0
            system.constraints.append(Constraint(coefficients, 0.0, 0.0, where))
        add_relations(system, self.relations)
        system.tables = list(self.tables)
        return system


# ---------------------------------------------------------------------------------------
# Protection


@dataclass
class LinkedSuppression:
    """Which cells of linked tables are hidden, and the audit's verdict on it."""

    linked: LinkedTables
    hidden: np.ndarray
    primary: np.ndarray
    min_cell: int
    protection: int
    audit: AuditResult
    rounds: int
    parts: list[_Part] = field(default_factory=list, repr=False)

    @property
    def passed(self) -> bool:
        return self.audit.passed

    def counts(self) -> dict[str, int]:
        """Cells hidden: primary and secondary (complementary)."""
        return {"primary": int(self.primary.sum()),
                "secondary": int((self.hidden & ~self.primary).sum())}

    def primary_keys(self) -> list[Key]:
        return [self.linked.keys[i] for i in np.flatnonzero(self.primary)]

    def zero_keys(self) -> list[Key]:
        values = np.asarray(self.linked.values)
        return [self.linked.keys[i] for i in np.flatnonzero(self.hidden & (values == 0))]

    def witnesses(self) -> list[dict[Key, float]]:
        """Candidate points for an audit: the true table and every alternative table found
        (values of hidden cells by key). An audit must check them, never trust them."""
        return _points(self.linked, self.parts, self.hidden)

    def result(self, name: str) -> SuppressionResult:
        """One table of the set, as :class:`SuppressionResult`."""
        table = self.linked.tables[name]
        values = np.asarray(self.linked.values)[table.cells]
        hidden, primary = self.hidden[table.cells], self.primary[table.cells]
        if table.columns is None:
            index = pd.Index(table.index, name=table.index_name)
            make = lambda data: pd.Series(data, index=index, name=table.name)  # noqa: E731
        else:
            index = pd.Index(table.index, name=table.index_name)
            columns = pd.Index(table.columns, name=table.columns_name)
            make = lambda data: pd.DataFrame(data, index=index, columns=columns)  # noqa: E731
        return SuppressionResult(make(np.where(hidden, np.nan, values)), make(hidden),
                                 make(primary), self.min_cell, self.audit)


class _Part:
    """One independent part of the linked tables (cells joined by lines) as the matrix of
    its lines, for the alternative-table programs."""

    def __init__(self, cells: np.ndarray, lines: list[tuple[int, tuple[int, ...]]],
                 relations: list[tuple[dict[int, float], float, float]] = ()) -> None:
        from scipy.sparse import csr_matrix, hstack

        self.cells = cells
        self.position = {int(c): k for k, c in enumerate(cells)}
        data, rows, cols = [], [], []
        for number, (total, children) in enumerate(lines):
            entries = {self.position[total]: 1.0}
            for child in children:
                entries[self.position[child]] = entries.get(self.position[child], 0.0) - 1.0
            for col, value in entries.items():
                data.append(value), rows.append(number), cols.append(col)
        self.lines = csr_matrix((data, (rows, cols)), shape=(len(lines), len(cells)))
        self.both = hstack([self.lines, -self.lines]).tocsr()
        self.zeros = np.zeros(len(lines))
        # relations a reader knows (lower ≤ r·x ≤ upper), as ≤ rows over the cells
        data, rows, cols, self.relation_bounds = [], [], [], []
        for coefficients, lower, upper in relations:
            for sign, bound in ((1.0, upper), (-1.0, -lower)):
                if not np.isfinite(bound):
                    continue
                for cell, a in coefficients.items():
                    data.append(sign * a), rows.append(len(self.relation_bounds))
                    cols.append(self.position[cell])
                self.relation_bounds.append(bound)
        self.relation_bounds = np.array(self.relation_bounds, dtype=float)
        self.relation_rows = csr_matrix((data, (rows, cols)),
                                        shape=(len(self.relation_bounds), len(cells)))
        self.relation_both = hstack([self.relation_rows, -self.relation_rows]).tocsr() \
            if len(self.relation_bounds) else None
        self.grid: np.ndarray | None = None  # cell numbers when the part is one 2-D table
        self.witnesses: list[tuple[np.ndarray, np.ndarray]] = []  # (cells, new values)
        self.reached: dict[int, float] = {}  # highest value an alternative gave each cell
        self._model: _Model | None = None

    def model(self, a: np.ndarray, floors: np.ndarray) -> _Model:
        """The part's alternative-table program, built on first use (the counts and their
        lower bounds do not change while one set of tables is protected)."""
        if self._model is None:
            self._model = _Model(self, a, floors)
        return self._model

    def record(self, cells: np.ndarray, new: np.ndarray) -> None:
        self.witnesses.append((cells, new))
        for cell, value in zip(cells.tolist(), new.tolist()):
            self.reached[cell] = max(self.reached.get(cell, -np.inf), value)


def _parts(linked: LinkedTables) -> tuple[list[_Part], np.ndarray]:
    n = len(linked.keys)
    parent = np.arange(n)

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return int(v)

    relations = linked.relation_rows()
    for total, children in [*linked.lines, *((min(c), tuple(c)) for c, _, _ in relations)]:
        for child in children:
            a, b = find(total), find(child)
            if a != b:
                parent[a] = b
    roots = np.array([find(v) for v in range(n)])
    by_root: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for line in linked.lines:
        by_root.setdefault(int(roots[line[0]]), []).append(line)
    related: dict[int, list[tuple[dict[int, float], float, float]]] = {}
    for relation in relations:
        related.setdefault(int(roots[min(relation[0])]), []).append(relation)
    parts, part_of = [], np.full(n, -1)
    for root in sorted(set(roots.tolist())):
        cells = np.flatnonzero(roots == root)
        part_of[cells] = len(parts)
        parts.append(_Part(cells, by_root.get(root, []), related.get(root, [])))
    for table in linked.tables.values():  # a large part that is one two-way table
        if table.columns is None or table.cells.ndim != 2:
            continue
        part = parts[part_of[int(table.cells[0, 0])]]
        if part.relation_both is not None:
            continue  # the rectangle search knows no relations
        if len(part.cells) == table.cells.size and \
                set(part.cells.tolist()) == set(table.cells.ravel().tolist()):
            part.grid = table.cells
    return parts, part_of


def _costs(linked: LinkedTables) -> np.ndarray:
    values = np.asarray(linked.values, dtype=float)
    level = np.zeros(len(values))
    dims: dict[int, set[str]] = {}
    for total, children in linked.lines:
        if children:
            summed = set(dict(linked.keys[children[0]])) - set(dict(linked.keys[total]))
            dims.setdefault(total, set()).update(summed)
    for total, summed in dims.items():
        level[total] = len(summed)
    return 1.0 + 2.0 * level + values / (1.0 + values.max(initial=0.0))


def _alternative(part: _Part, values: np.ndarray, floors: np.ndarray, hidden: np.ndarray,
                 costs: np.ndarray, cell: int, target: float) -> np.ndarray | None:
    """The cheapest alternative table of ``part`` with ``cell`` at ``target`` that keeps
    every published cell; returns the alternative's values (or ``None``).

    Variables are the upward and downward changes of every cell of the part; the lines
    must still add up, the declared relations (:meth:`LinkedTables.at_most`) still hold, a
    cell may not go below its lower bound, and the target cell's change is fixed through
    its bounds. One HiGHS model per part is built once and re-solved from its last basis:
    between programs only the costs (what is hidden already is cheap) and the target
    cell's bounds change."""
    n = len(part.cells)
    a = values[part.cells]
    k = part.position[cell]
    if part.lines.shape[0] == 0 and part.relation_both is None:  # nothing else has to change
        return part.cells[[k]], np.array([float(target)])
    model = part.model(a, floors[part.cells])
    weight = np.where(hidden[part.cells], 1e-4, costs[part.cells])
    change = target - a[k]
    x = model.solve(np.concatenate([weight, weight]), k, max(change, 0.0), max(-change, 0.0))
    if x is None:
        return None
    moved = x[:n] - x[n:]
    changed = np.flatnonzero(np.abs(moved) > 1e-7)
    return part.cells[changed], a[changed] + moved[changed]


class _Model:
    """A part's alternative-table program as one HiGHS model (highspy), kept between
    programs: columns are the upward then downward changes of the part's cells."""

    def __init__(self, part: _Part, a: np.ndarray, floors: np.ndarray) -> None:
        import highspy

        self.n = n = len(part.cells)
        self.inf = highspy.kHighsInf
        self.optimal = highspy.HighsModelStatus.kOptimal
        self.solver = solver = silent_highs()
        self.upper = np.concatenate([np.full(n, self.inf), a - floors])
        solver.addVars(2 * n, np.zeros(2 * n), self.upper)
        for matrix, lower, upper in _row_blocks(part, a):
            matrix = matrix.tocsr()
            solver.addRows(matrix.shape[0], lower, upper, matrix.nnz,
                           matrix.indptr[:-1].astype(np.int32), matrix.indices.astype(np.int32),
                           matrix.data.astype(float))
        self.columns = np.arange(2 * n, dtype=np.int32)

    def solve(self, cost: np.ndarray, k: int, up: float, down: float) -> np.ndarray | None:
        solver, n = self.solver, self.n
        solver.changeColsCost(2 * n, self.columns, cost)
        pair = np.array([k, n + k], dtype=np.int32)
        fixed = np.array([up, down])
        solver.changeColsBounds(2, pair, fixed, fixed)
        solver.run()
        ok = solver.getModelStatus() == self.optimal
        x = np.asarray(solver.getSolution().col_value) if ok else None
        solver.changeColsBounds(2, pair, np.zeros(2), self.upper[pair])
        return x


def _row_blocks(part: _Part, a: np.ndarray) -> list[tuple[Any, np.ndarray, np.ndarray]]:
    """The rows of a part's program: every line keeps its sum (change 0), every declared
    relation keeps holding (``r·(a + u − d) ≤ bound``)."""
    blocks = []
    if part.lines.shape[0]:
        blocks.append((part.both, part.zeros, part.zeros))
    if part.relation_both is not None:
        bound = part.relation_bounds - part.relation_rows @ a
        blocks.append((part.relation_both, np.full(len(bound), -np.inf), bound))
    return blocks


#: Parts with more cells than this that are one two-way table use the rectangle search;
#: smaller ones take a rectangle only when all its corners are hidden already.
RECTANGLE_ABOVE = 1000


def _rectangle(grid: np.ndarray, values: np.ndarray, floors: np.ndarray, hidden: np.ndarray,
               costs: np.ndarray, cell: int, target: float
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """The cheapest rectangle of a two-way table with margins (last row and column) that
    moves ``cell`` to ``target``: four corners change by ±the same amount, every line
    keeps its sum (the hypercube method's two-dimensional case), no corner goes below its
    lower bound. ``None`` when no rectangle can."""
    a, low = values[grid], floors[grid]
    price = np.where(hidden[grid], 1e-4, costs[grid])
    sign = np.ones(grid.shape)
    sign[-1, :] *= -1.0
    sign[:, -1] *= -1.0
    i, j = (int(x) for x in np.argwhere(grid == cell)[0])
    delta = sign[i, j] * (target - a[i, j])  # the move in signed space, where lines sum to 0
    row, column, opposite = -delta * sign[i, :], -delta * sign[:, j], delta * sign
    ok = (((row >= 0) | (a[i, :] - low[i, :] >= -row - 1e-9))[None, :]
          & ((column >= 0) | (a[:, j] - low[:, j] >= -column - 1e-9))[:, None]
          & ((opposite >= 0) | (a - low >= -opposite - 1e-9)))
    ok[i, :] = False
    ok[:, j] = False
    if not ok.any():
        return None
    total = np.where(ok, price[i, :][None, :] + price[:, j][:, None] + price, np.inf)
    ip, jp = (int(x) for x in np.unravel_index(int(np.argmin(total)), total.shape))
    cells = np.array([grid[i, j], grid[i, jp], grid[ip, j], grid[ip, jp]])
    new = np.array([target, a[i, jp] + row[jp], a[ip, j] + column[ip],
                    a[ip, jp] + opposite[ip, jp]])
    return cells, new


def _targets(values: np.ndarray, floors: np.ndarray, cell: int, small: bool, min_cell: int,
             protection: int) -> list[float]:
    if small:  # an alternative table with the cell ``protection`` higher, reaching min_cell
        return [max(float(min_cell), values[cell] + protection)]
    return [values[cell] + 1]


def _reach(parts: list[_Part], part_of: np.ndarray, values: np.ndarray, floors: np.ndarray,
           hidden: np.ndarray, costs: np.ndarray, targets: Iterable[tuple[int, float]]) -> None:
    """Hide what each target's alternative table changes (in place)."""
    for cell, target in targets:
        part = parts[part_of[cell]]
        if part.reached.get(cell, -np.inf) >= target - 1e-9:
            continue  # an earlier alternative already takes the cell there
        found = None
        if part.grid is not None:
            found = _rectangle(part.grid, values, floors, hidden, costs, cell, target)
            if found is not None and len(part.cells) <= RECTANGLE_ABOVE and \
                    not hidden[found[0]].all():
                found = None  # small table: a rectangle is taken only if it hides nothing new
        if found is None:
            found = _alternative(part, values, floors, hidden, costs, cell, target)
        if found is None:
            continue
        part.record(*found)
        hidden[found[0]] = True


def protect(linked: LinkedTables, min_cell: int = 5, protection: int | None = None, *,
            force: Iterable[int] = (), keep: Iterable[int] = (),
            max_rounds: int = 10) -> LinkedSuppression:
    """Suppress ``linked`` so that the audit passes (or say, through the returned audit,
    why it could not in ``max_rounds`` rounds).

    Parameters
    ----------
    linked
        The tables published together.
    min_cell
        Smallest count that may be published (default 5).
    protection
        Width a small hidden cell's feasible interval must have (default ``min_cell − 1``).
    force
        Cell numbers that must be hidden as well (protected like primary cells when they are
        small, otherwise kept from being pinned).
    keep
        Cell numbers that are public anyway (e.g. the number of respondents): they are
        chosen as complements only when nothing else protects a cell (then the audit, which
        sees them published, fails and says so).
    """
    min_cell = _check_whole(min_cell, "min_cell", 1)
    protection = min_cell - 1 if protection is None else _check_whole(protection, "protection", 0)
    values = np.asarray(linked.values, dtype=float)
    primary = (values > 0) & (values < min_cell)
    hidden = primary.copy()
    hidden[list(force)] = True
    floors = np.where(values >= 1, 1.0, 0.0)
    costs = _costs(linked)
    costs[list(keep)] += 1e6
    parts, part_of = _parts(linked)
    targets = [(int(c), t) for c in np.flatnonzero(hidden)
               for t in _targets(values, floors, int(c), bool(primary[c]) or values[c] < min_cell,
                                 min_cell, protection)]
    targets.sort(key=lambda item: (values[item[0]], item[0]))
    audit: AuditResult | None = None
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        _reach(parts, part_of, values, floors, hidden, costs, targets)
        audit = audit_system(linked.published(hidden), min_cell, protection,
                             primary=[linked.keys[i] for i in np.flatnonzero(primary)],
                             zeros=[linked.keys[i] for i in np.flatnonzero(hidden & (values == 0))],
                             witnesses=_points(linked, parts, hidden))
        if audit.passed:
            break
        targets = _repairs(linked, audit, values, floors, hidden, primary, costs, min_cell,
                           protection)
        if not targets and not audit.passed:
            break
    assert audit is not None
    return LinkedSuppression(linked, hidden, primary, min_cell, protection, audit, rounds, parts)


def _points(linked: LinkedTables, parts: list[_Part], hidden: np.ndarray
            ) -> list[dict[Key, float]]:
    """The true table (hidden cells) and every alternative found (only the cells it
    changes), as candidate points for the audit, which checks each one itself."""
    keys, values = linked.keys, linked.values
    points = [{keys[i]: values[i] for i in np.flatnonzero(hidden)}]
    for part in parts:
        for cells, new in part.witnesses:
            points.append({keys[int(c)]: float(v) for c, v in zip(cells, new)})
    return points


def _repairs(linked: LinkedTables, audit: AuditResult, values: np.ndarray, floors: np.ndarray,
             hidden: np.ndarray, primary: np.ndarray, costs: np.ndarray, min_cell: int,
             protection: int) -> list[tuple[int, float]]:
    """New targets from the audit's findings: narrow or pinned cells get alternatives
    again (witnesses are dropped: they did not suffice); a line whose hidden cells hold too
    few hides its cheapest published cell too."""
    targets: list[tuple[int, float]] = []
    for finding in audit.findings:
        if finding.table == "cell":
            cell = finding.line
            targets += [(cell, t) for t in _targets(values, floors, cell,
                                                    bool(primary[cell]) or values[cell] < min_cell,
                                                    min_cell, protection)]
        elif finding.table == "line":
            total, children = linked.lines[finding.line]
            candidates = [c for c in (*children, total) if not hidden[c] and values[c] > 0]
            if not candidates:
                candidates = [c for c in (*children, total) if not hidden[c]]
            if candidates:
                chosen = min(candidates, key=lambda c: (costs[c], c))
                hidden[chosen] = True
                targets.append((chosen, values[chosen] + 1))
    return targets


# ---------------------------------------------------------------------------------------
# One table at a time


def _forced(force: pd.DataFrame | None, table: _Table) -> list[int]:
    if force is None:
        return []
    aligned = force.reindex(index=table.index, columns=table.columns).fillna(False)
    return [int(c) for c in table.cells[aligned.to_numpy(dtype=bool)]]


def suppress_counts(
    counts: pd.DataFrame,
    min_cell: int = 5,
    *,
    totals: bool = True,
    force: pd.DataFrame | None = None,
    protection: int | None = None,
) -> SuppressionResult:
    """Suppress small cells of a two-way count table so that no small count can be read
    off or worked out from the published table and its totals.

    Primary suppression hides every cell with ``0 < n < min_cell`` — totals included.
    Zeros are shown unless one is needed as a complement. Complementary cells are chosen
    with :func:`protect` and judged by the independent audit: every hidden small cell can be
    anything from 1 to at least ``min_cell`` (``protection`` wide) as far as the published
    cells and totals tell.

    Parameters
    ----------
    counts
        Rows × columns of non-negative whole-number counts (no totals).
    min_cell
        Smallest count that may be published (default 5).
    totals
        Add and protect a ``"Totalt"`` row and column (and grand total). Without totals
        primary suppression suffices unless the same counts are published elsewhere.
    force
        Optional boolean table (labels as in the result, ``"Totalt"`` included) of cells
        that must be hidden as well.
    protection
        Width of a hidden small cell's interval (default ``min_cell − 1``).

    Raises
    ------
    InputDataError
        When the table holds missing, negative, fractional or non-numeric values.
    """
    min_cell = _check_whole(min_cell, "min_cell", 1)
    linked = LinkedTables()
    linked.add_table("table", counts, totals=totals)
    forced = _forced(force, linked.tables["table"])
    if not totals:
        values = np.asarray(linked.values)
        primary = (values > 0) & (values < min_cell)
        hidden = primary.copy()
        hidden[forced] = True
        audit = audit_system(linked.published(hidden), min_cell, protection)
        return LinkedSuppression(linked, hidden, primary, min_cell,
                                 min_cell - 1 if protection is None else protection, audit,
                                 0).result("table")
    return protect(linked, min_cell, protection, force=forced).result("table")


def suppress_series(
    counts: pd.Series,
    min_cell: int = 5,
    *,
    total: bool = True,
    protection: int | None = None,
) -> SuppressionResult:
    """Suppress small cells of a one-way count table (e.g. answers per option) and, when a
    total is shown, enough further cells that no hidden small cell can be worked out or
    narrowed from it (see :func:`suppress_counts`)."""
    min_cell = _check_whole(min_cell, "min_cell", 1)
    linked = LinkedTables()
    linked.add_series("series", counts, total=total)
    if not total:
        values = np.asarray(linked.values)
        primary = (values > 0) & (values < min_cell)
        audit = audit_system(linked.published(primary), min_cell, protection)
        return LinkedSuppression(linked, primary.copy(), primary, min_cell,
                                 min_cell - 1 if protection is None else protection, audit,
                                 0).result("series")
    return protect(linked, min_cell, protection).result("series")
