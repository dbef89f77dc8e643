"""Lägesbild nationellt: themes × period × region from the municipalities' published tables.

Each Kunskapshus publishes ``counts`` (Period, Stadsdel, Tema, Temanyckel, Antal) with its own
disclosure control: ``".."`` is a hidden cell, zeros are shown as 0, and totals are rows
named ``Totalt``. A national figure is the sum of the municipal theme totals, taken from one
bundle per Kunskapshus and quarter (:func:`select_blocks`). Where a municipality hid its
theme total, the figure is an honest range: for that municipality and period the smallest
and largest value the total can take given **everything its counts table publishes** (area ×
theme cells, row and column totals, a hidden cell ≥ 1 — or ≥ 0 where its disclosure report
says a zero may be hidden), computed by linear programming (HiGHS). Municipalities share no
cell, so the per-municipality bounds add up to the national range, which is therefore implied
by what is already public. That is not taken on trust: the run's tables go through the
independent audit of :mod:`research.privacy` (see :mod:`research.national.disclosure`);
:func:`audit_union` only re-checks the aggregation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..privacy.highs import silent_highs

__all__ = ["TOTAL", "HIDDEN", "TotalBounds", "theme_total_bounds", "national_table",
           "audit_union", "select_blocks", "block_floor"]

TOTAL = "Totalt"
HIDDEN = ".."
_NEEDED = ("Period", "Stadsdel", "Tema", "Antal", "kunskapshus")


@dataclass(frozen=True)
class TotalBounds:
    """What the published tables imply for one theme total of one municipality."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


def _cells(block: pd.DataFrame) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    areas = list(dict.fromkeys(block["Stadsdel"]))
    themes = list(dict.fromkeys(block["Tema"]))
    values = {(a, t): v for a, t, v in zip(block["Stadsdel"], block["Tema"], block["Antal"])}
    return areas, themes, values




def theme_total_bounds(block: pd.DataFrame, floor: float = 1.0,
                       points: list | None = None, settle: float = 5.0
                       ) -> dict[str, TotalBounds]:
    """Bounds of every theme's municipal total in one municipality × period block.

    One linear program per block (HiGHS via highspy): the hidden cells are the variables
    (≥ ``floor``: 1 where the municipality shows its zeros as 0 and hides none, 0 where its
    disclosure report says a zero may be hidden), every published row and column total an
    equation; each hidden theme total is minimised and maximised in turn on the same model.

    With ``points`` (a list), feasible tables are collected for the disclosure audit's
    witnesses: ``points`` gets the hidden cells' names ``(area, theme)`` and a matrix whose
    columns are tables the published totals allow (the vertices found above, then the
    cells below ``settle`` that no earlier table moved, pushed up or down).
    The audit checks every such table itself; they only save it linear programs.
    """
    import highspy

    areas, themes, values = _cells(block)
    inner_areas = [a for a in areas if a != TOTAL]
    inner_themes = [t for t in themes if t != TOTAL]
    names = [(a, t) for a in areas for t in themes if values.get((a, t), "") == HIDDEN]
    position = {name: i for i, name in enumerate(names)}
    equations: list[tuple[np.ndarray, np.ndarray, float]] = []

    def equation(total: tuple[str, str], parts: list[tuple[str, str]]) -> None:
        cells = [total, *parts]
        if any(c not in values for c in cells):
            return
        coefficients: dict[int, float] = {}
        constant = 0.0
        for sign, cell in [(1.0, total)] + [(-1.0, p) for p in parts]:
            if cell in position:
                coefficients[position[cell]] = coefficients.get(position[cell], 0.0) + sign
            else:
                constant -= sign * float(values[cell])
        if coefficients:
            index = np.fromiter(coefficients, dtype=np.int32)
            equations.append((index, np.array([coefficients[i] for i in index]), constant))

    for area in areas:
        equation((area, TOTAL), [(area, t) for t in inner_themes])
    for theme in themes:
        equation((TOTAL, theme), [(a, theme) for a in inner_areas])
    result: dict[str, TotalBounds] = {}
    solver = None
    found: list[np.ndarray] = []
    count = len(names)
    shown = [float(v) for v in values.values() if v != HIDDEN and _is_number(v)]
    cap = 10.0 * (sum(shown) + 10.0)  # far above any count the block can hold if bounded
    every = np.arange(count, dtype=np.int32)

    def model() -> Any:
        nonlocal solver
        if solver is None:
            solver = silent_highs()
            solver.addVars(count, np.full(count, float(floor)), np.full(count, highspy.kHighsInf))
            for index, coefficients, constant in equations:
                solver.addRow(constant, constant, len(index), index, coefficients)
        return solver

    def solve(cost: np.ndarray, sense: Any) -> float:
        model().changeColsCost(count, every, cost)
        solver.changeObjectiveSense(sense)
        solver.run()
        status = solver.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            if points is not None:
                found.append(np.asarray(solver.getSolution().col_value, dtype=float))
            return float(round(solver.getInfo().objective_function_value))
        if status == highspy.HighsModelStatus.kUnbounded:
            if points is not None:  # a feasible table far out in the unbounded direction
                solver.changeColsBounds(count, every, np.full(count, float(floor)),
                                        np.full(count, cap))
                solver.run()
                if solver.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                    found.append(np.asarray(solver.getSolution().col_value, dtype=float))
                solver.changeColsBounds(count, every, np.full(count, float(floor)),
                                        np.full(count, highspy.kHighsInf))
            return np.inf
        house = block["kunskapshus"].iloc[0] if "kunskapshus" in block else "a Kunskapshus"
        period = block["Period"].iloc[0] if "Period" in block else "a period"
        raise SchemaError(f"The published counts of {house} for {period} do not add up "
                          "(no table fits their totals).",
                          hint="ask the Kunskapshus to export the bundle again")

    for theme in inner_themes:
        cell = (TOTAL, theme)
        if cell not in values:
            continue
        if cell not in position:
            number = float(values[cell])
            result[theme] = TotalBounds(number, number)
            continue
        cost = np.zeros(count)
        cost[position[cell]] = 1.0
        result[theme] = TotalBounds(solve(cost, highspy.ObjSense.kMinimize),
                                    solve(cost, highspy.ObjSense.kMaximize))
    if points is not None and count:
        _more_points(count, found, solve, highspy.ObjSense, settle)
        points.extend([names, np.column_stack(found) if found else np.zeros((count, 0))])
    return result


def _more_points(count: int, found: list[np.ndarray], solve: Any, sense: Any,
                 settle: float) -> None:
    """Feasible tables until every hidden cell below ``settle`` takes two values in them (or
    cannot): the cells that have not moved are pushed up together, then down together, and
    those still unmoved one by one. A cell at ``settle`` or above needs no second value (the
    audit accepts it pinned)."""

    def unmoved() -> np.ndarray:
        if not found:
            return np.arange(count)
        seen = np.column_stack(found)
        return np.flatnonzero((seen.max(axis=1) - seen.min(axis=1) < 0.5)
                              & (seen.min(axis=1) < settle))

    for direction in (sense.kMaximize, sense.kMinimize):
        while True:
            before = unmoved()
            if not len(before):
                return
            cost = np.zeros(count)
            cost[before] = 1.0
            solve(cost, direction)
            if len(unmoved()) >= len(before):
                break
    for k in unmoved():
        unit = np.zeros(count)
        unit[k] = 1.0
        solve(unit, sense.kMaximize)
        if k in unmoved():
            solve(unit, sense.kMinimize)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def select_blocks(counts: pd.DataFrame, bundles: pd.DataFrame) -> pd.DataFrame:
    """One block per Kunskapshus × period: the rows of the bundle that the national figures
    use for it — the parameter set ``default`` before others, then the newest bundle.

    A Kunskapshus that delivered several lägesbild bundles (a new quarter each time, or
    several parameter sets) publishes the same quarter more than once; summing them would
    count its reports twice, and mixing rows of two bundles would mix two suppressions.
    ``counts`` carries the ``bundle`` column of :meth:`~research.national.inbox.Inbox.table`;
    ``bundles`` is :attr:`~research.national.inbox.Inbox.bundles`.
    """
    if counts.empty or "bundle" not in counts.columns:
        return counts
    created = dict(zip(bundles["sha256"].astype(str).str[:12], bundles["created"].astype(str)))
    order = pd.DataFrame({"bundle": counts["bundle"].unique()})
    order["created"] = order["bundle"].map(created).fillna("")
    sets = counts.drop_duplicates("bundle").set_index("bundle")["parameter_set"]
    order["other_set"] = order["bundle"].map(sets).ne("default")
    order = order.sort_values(["other_set", "created"], ascending=[True, False])
    rank = {b: i for i, b in enumerate(order["bundle"])}
    ranked = counts.assign(_rank=counts["bundle"].map(rank))
    best = ranked.groupby(["kunskapshus", "Period"], sort=False)["_rank"].transform("min")
    return counts.loc[ranked["_rank"] == best].reset_index(drop=True)


def block_floor(block: pd.DataFrame) -> float:
    """The smallest value a hidden cell of ``block`` can have for a reader: 0 where the
    block's ``floor`` column says its bundle may hide zeros, otherwise 1."""
    if "floor" in block.columns and len(block):
        return float(pd.to_numeric(block["floor"], errors="coerce").fillna(0.0).min())
    return 1.0


def national_table(counts: pd.DataFrame, regions: Mapping[str, str] | None = None,
                   points: dict | None = None, min_cell: int = 5,
                   bounds: dict | None = None) -> pd.DataFrame:
    """Theme × period × region (and Hela landet): low, high, whether exact, contributors.

    Parameters
    ----------
    counts
        The stacked ``counts`` tables of the lägesbild bundles (see
        :meth:`research.national.inbox.Inbox.table`).
    regions
        Kunskapshus → region; unmapped Kunskapshus form the region "Övriga".
    points
        If given, filled with ``(kunskapshus, period) → [names, matrix]`` of feasible
        tables per block (see :func:`theme_total_bounds`), for the disclosure audit, until
        every hidden cell below ``min_cell`` takes two values (where it can).
    bounds
        If given, filled with ``(kunskapshus, period, theme) → (low, high)``, the
        per-municipality bounds (for :func:`audit_union`, which then need not solve them
        again).
    """
    missing = [c for c in _NEEDED if c not in counts.columns]
    if missing:
        raise SchemaError(f"Lägesbild bundles lack column(s) {', '.join(missing)}.",
                          hint="import bundles made with a current lagesbild notebook",
                          column=missing[0])
    regions = dict(regions or {})
    records = []
    for (house, period), block in counts.groupby(["kunskapshus", "Period"], sort=False):
        found = None if points is None else points.setdefault((house, str(period)), [])
        for theme, bound in theme_total_bounds(block, block_floor(block), found,
                                                  min_cell).items():
            if bounds is not None:
                bounds[(house, str(period), theme)] = (bound.low, bound.high)
            records.append({"kunskapshus": house, "Period": period, "Tema": theme,
                            "low": bound.low, "high": bound.high,
                            "region": regions.get(house, "Övriga")})
    per_house = pd.DataFrame(records)
    if per_house.empty:
        return pd.DataFrame(columns=["Region", "Period", "Tema", "Minst", "Högst", "Exakt",
                                     "Kunskapshus"])
    out = []
    for label, frame in (("Hela landet", per_house), *per_house.groupby("region")):
        grouped = frame.groupby(["Period", "Tema"], sort=False).agg(
            Minst=("low", "sum"), Högst=("high", "sum"), Kunskapshus=("kunskapshus", "nunique"))
        grouped.insert(0, "Region", label)
        out.append(grouped.reset_index())
    table = pd.concat(out, ignore_index=True)
    table["Exakt"] = table["Minst"] == table["Högst"]
    return table[["Region", "Period", "Tema", "Minst", "Högst", "Exakt", "Kunskapshus"]]


def audit_union(counts: pd.DataFrame, national: pd.DataFrame,
                bounds: Mapping[tuple[str, str, str], tuple[float, float]] | None = None
                ) -> list[str]:
    """Problems (empty: passes) of publishing ``national`` beside the municipal tables.

    It takes, per municipality, what the municipal tables alone imply (the same bounds,
    :func:`theme_total_bounds`, checked against brute-force enumeration in the tests)
    and sums them itself, separately from :func:`national_table`'s regional aggregation; the
    national figure must be exactly that implication — an exact value only where every
    contribution is public, a range never narrower than the municipal tables allow. Such a
    table adds no constraint that could narrow a hidden municipal cell. (It guards the
    aggregation and the published table, not the bounds themselves; ``bounds`` from
    :func:`national_table` saves solving them twice. The disclosure audit of
    :mod:`research.national.disclosure` judges the published tables independently.)
    """
    problems = []
    implied: dict[tuple[str, str, str], tuple[float, float]] = dict(bounds or {})
    if bounds is None:
        for (house, period), block in counts.groupby(["kunskapshus", "Period"], sort=False):
            for theme, bound in theme_total_bounds(block, block_floor(block)).items():
                implied[(house, str(period), theme)] = (bound.low, bound.high)
    whole = national.loc[national["Region"] == "Hela landet"]
    for row in whole.itertuples():
        parts = [v for (h, p, t), v in implied.items() if p == str(row.Period) and t == row.Tema]
        low, high = sum(v[0] for v in parts), sum(v[1] for v in parts)
        if (row.Minst, row.Högst) != (low, high):
            problems.append(f"{row.Period} / {row.Tema}: national [{row.Minst}, {row.Högst}] "
                            f"differs from what the municipal tables imply [{low}, {high}]")
    return problems
