"""Disclosure control of the national lägesbild: the union of what the run and the
municipalities publish, judged by the independent audit (:mod:`research.privacy.audit`).

The national run publishes three tables with counts:

- ``national_counts``: the municipalities' own published ``counts`` cells (the blocks the
  national figures are built from, ``..`` kept), pooled with a Region and a Kunskapshus
  column, and the region and national theme totals as margins (``Totalt``) — one table, so
  every published sum is a line the audit sees;
- ``national_situation_all``: every quarter × theme × region (and *Hela landet*) with the
  national count (``Antal``, ``..`` where a municipality hid a contribution) beside the
  honest range (``Minst``, ``Högst``);
- ``national_situation``: the latest quarter, theme × region, as text.

:func:`table_specs` says what their cells mean: a cell is one unknown wherever it appears,
so a region total and the municipal totals it sums are tied together across municipalities.
:func:`register` hands that description to :func:`research.privacy.checking.register`;
:func:`check_disclosure` then runs :func:`research.privacy.checking.check_run` on every
``tables/*.csv`` of the run, which writes ``disclosure.json`` (the manifest carries its
summary and ``research publish`` refuses the run unless the verdict is *pass*).

What a reader knows about a hidden municipal cell: at least 1 where that municipality hides
no zeros, at least 0 where its disclosure report says a zero may be hidden
(:func:`hidden_floors`); those cells are declared to the audit as possible zeros. No
municipal cell is known to be small (the municipalities' own audits judged that with the
truth), so the union audit finds every hidden cell the combined tables pin to a value below
``min_cell`` and every line whose hidden cells hold fewer than ``min_cell`` together.

The ranges (``Minst``/``Högst``) are no linear equation the audit reads; :func:`range_problems`
checks them against the audit's result: a published range that excludes a value the
attacker found feasible would narrow the cell, and fails the run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..errors import SchemaError
from .situation import HIDDEN, TOTAL, block_floor

__all__ = ["COUNTS_TABLE", "ALL_TABLE", "LATEST_TABLE", "NATIONAL", "pooled_counts",
           "table_specs", "register", "check_disclosure", "range_problems", "hidden_floors"]

COUNTS_TABLE = "national_counts"
ALL_TABLE = "national_situation_all"
LATEST_TABLE = "national_situation"
NATIONAL = "Hela landet"
OTHERS = "Övriga"

REGION, HOUSE, PERIOD, AREA, THEME = "region", "kunskapshus", "period", "stadsdel", "tema"
_COLUMNS = ["Region", "Kunskapshus", "Period", "Stadsdel", "Tema", "Antal"]


def hidden_floors(hidden_zeros: Mapping[str, Any]) -> dict[str, float]:
    """Bundle id → the lower bound of its hidden cells: 1 when its disclosure report says
    it hid no zero, 0 otherwise (also when the report does not say)."""
    out = {}
    for bundle, zeros in hidden_zeros.items():
        try:
            out[bundle] = 1.0 if int(zeros) == 0 else 0.0
        except (TypeError, ValueError):
            out[bundle] = 0.0
    return out


def _count_text(low: float, exact: bool) -> str:
    return str(int(low)) if exact else HIDDEN


def check_region_names(regions: Mapping[str, str], source: str = "regions") -> None:
    """A region may not be called like a total (it would merge with the national figure)."""
    for house, region in regions.items():
        if str(region).strip() in {NATIONAL, TOTAL}:
            raise SchemaError(f"{source}: the region of {house} is called {region!r}, which is "
                              "the name of a total.", parameter="regions",
                              hint=f"rename the region (not '{NATIONAL}' or '{TOTAL}')")


def pooled_counts(counts: pd.DataFrame, situation: pd.DataFrame,
                  regions: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The ``national_counts`` table: municipal cells as published, then the region and the
    national theme totals (exact or ``..``), as text cells."""
    regions = dict(regions or {})
    if counts.empty:
        return pd.DataFrame(columns=_COLUMNS)
    municipal = pd.DataFrame({
        "Region": counts["kunskapshus"].map(lambda h: regions.get(h, OTHERS)),
        "Kunskapshus": counts["kunskapshus"], "Period": counts["Period"],
        "Stadsdel": counts["Stadsdel"], "Tema": counts["Tema"],
        "Antal": counts["Antal"].astype(str).str.strip()})
    margins = situation.copy()
    margins["Antal"] = [_count_text(lo, ex) for lo, ex in zip(margins["Minst"], margins["Exakt"])]
    margins["Region"] = margins["Region"].where(margins["Region"] != NATIONAL, TOTAL)
    margins["Kunskapshus"] = TOTAL
    margins["Stadsdel"] = TOTAL
    return pd.concat([municipal, margins[_COLUMNS]], ignore_index=True)


def table_specs(latest_period: str | None, region_columns: Iterable[str]) -> list[Any]:
    """What the cells of the three national count tables mean (see the module docstring)."""
    from ..privacy.audit import Measure, TableSpec

    specs = [
        TableSpec(COUNTS_TABLE, {"Region": REGION, "Kunskapshus": HOUSE, "Period": PERIOD,
                                 "Stadsdel": AREA, "Tema": THEME}, (Measure("Antal"),)),
        TableSpec(ALL_TABLE, {"Region": REGION, "Period": PERIOD, "Tema": THEME},
                  (Measure("Antal"),), total_label=NATIONAL),
    ]
    if latest_period is not None:
        specs.append(TableSpec.wide(LATEST_TABLE, {"Tema": THEME}, REGION,
                                    [NATIONAL, *region_columns],
                                    fixed={PERIOD: str(latest_period)}, total_label=NATIONAL))
    return specs


def _key(region: str, house: str, period: str, area: str, theme: str) -> Any:
    from ..privacy.audit import cell_key

    coordinates = {REGION: region, HOUSE: house, PERIOD: period, AREA: area, THEME: theme}
    return cell_key({d: v for d, v in coordinates.items() if v != TOTAL})


def possible_zeros(counts: pd.DataFrame, situation: pd.DataFrame,
                   regions: Mapping[str, str]) -> list[Any]:
    """Keys of the hidden cells a reader must allow to be 0: every hidden cell of a block
    whose bundle may hide zeros, and every hidden margin whose range starts at 0."""
    zeros = []
    if len(counts):
        floor = (pd.to_numeric(counts["floor"], errors="coerce").fillna(0.0)
                 if "floor" in counts.columns else pd.Series(1.0, index=counts.index))
        mask = (counts["Antal"].astype(str).str.strip() == HIDDEN) & (floor <= 0)
        hidden = counts.loc[mask]
        zeros += [_key(regions.get(house, OTHERS), house, str(period), area, theme)
                  for house, period, area, theme in zip(hidden["kunskapshus"], hidden["Period"],
                                                        hidden["Stadsdel"], hidden["Tema"])]
    for region, period, theme, low, exact in zip(situation["Region"], situation["Period"],
                                                  situation["Tema"], situation["Minst"],
                                                  situation["Exakt"]):
        if not exact and low < 1:
            zeros.append(_key(TOTAL if region == NATIONAL else region, TOTAL, str(period),
                              TOTAL, theme))
    return zeros


def _extremes(matrix: Any) -> Any:
    """The columns (feasible tables) where some cell takes its smallest or largest value
    among all of them: the others certify nothing more."""
    import numpy as np

    keep = sorted(set(np.argmin(matrix, axis=1)) | set(np.argmax(matrix, axis=1)))
    return matrix[:, keep]


def witnesses(points: Mapping[tuple[str, str], list], counts: pd.DataFrame,
              situation: pd.DataFrame, regions: Mapping[str, str]) -> list[dict[Any, float]]:
    """Candidate tables for the audit from the feasible tables of each municipality ×
    quarter (:func:`~research.national.situation.national_table`'s ``points``): table *j*
    takes every block's *j*-th feasible table (the blocks share no cell, so together they
    are feasible) and the region and national totals they add up to. The audit checks each
    candidate against every published equation and bound before it uses it."""
    blocks = [(house, period, names, _extremes(matrix)) for (house, period), (names, matrix)
              in ((k, v) for k, v in points.items() if len(v) == 2) if matrix.shape[1]]
    if not blocks:
        return []
    width = max(matrix.shape[1] for *_, matrix in blocks)
    known: dict[tuple[str, str, str], float] = {}
    theme_totals = counts.loc[(counts["Stadsdel"] == TOTAL) & (counts["Tema"] != TOTAL)]
    for house, period, theme, text in zip(theme_totals["kunskapshus"], theme_totals["Period"],
                                          theme_totals["Tema"], theme_totals["Antal"]):
        if str(text).strip() != HIDDEN:
            known[(house, str(period), theme)] = float(text)
    margins = [(TOTAL if r == NATIONAL else r, str(p), t) for r, p, t, exact in
               zip(situation["Region"], situation["Period"], situation["Tema"],
                   situation["Exakt"]) if not exact]
    keyed = []
    for house, period, names, matrix in blocks:
        region = regions.get(house, OTHERS)
        keys = [_key(region, house, period, area, theme) for area, theme in names]
        totals = [(k, (house, period, theme)) for k, (area, theme) in enumerate(names)
                  if area == TOTAL and theme != TOTAL]
        keyed.append((keys, totals, matrix, region))
    margin_keys = [(_key(region, TOTAL, period, TOTAL, theme), (region, period, theme))
                   for region, period, theme in margins]
    fixed: dict[tuple[str, str, str], float] = {}
    for (house, period, theme), value in known.items():
        for region in (regions.get(house, OTHERS), TOTAL):
            fixed[(region, period, theme)] = fixed.get((region, period, theme), 0.0) + value
    out = []
    for j in range(width):
        point: dict[Any, float] = {}
        sums = dict(fixed)
        for keys, totals, matrix, region in keyed:
            column = matrix[:, j % matrix.shape[1]].tolist()
            point.update(zip(keys, column))
            for k, (house, period, theme) in totals:
                for where in ((region, period, theme), (TOTAL, period, theme)):
                    sums[where] = sums.get(where, 0.0) + column[k]
        for key, where in margin_keys:
            point[key] = sums.get(where, 0.0)
        out.append(point)
    return out


def register(counts: pd.DataFrame, situation: pd.DataFrame, latest_period: str | None,
             regions: Mapping[str, str], region_columns: Iterable[str], *, min_cell: int,
             protection: int | None = None, hidden: int = 0,
             points: Mapping[tuple[str, str], list] | None = None) -> None:
    """Describe the national count tables to the run's output check; ``hidden`` is the
    number of hidden cells the national count tables show, ``points`` the feasible tables
    per block that become the audit's candidate tables (:func:`witnesses`)."""
    from ..privacy import checking

    checking.register(table_specs(latest_period, region_columns),
                      zeros=possible_zeros(counts, situation, regions),
                      min_cell=min_cell, protection=protection,
                      hidden={"primary": 0, "secondary": int(hidden)},
                      witnesses=witnesses(points or {}, counts, situation, regions))


def range_problems(situation: pd.DataFrame, audit: Any) -> list[str]:
    """National ranges that are narrower than what the audit found feasible (each would tell
    a reader more than the published counts do). Names region, period and theme only."""
    problems = []
    intervals = getattr(audit, "intervals", {}) or {}
    for row in situation.itertuples(index=False):
        if row.Exakt:
            continue
        region = TOTAL if row.Region == NATIONAL else row.Region
        found = intervals.get(_key(region, TOTAL, str(row.Period), TOTAL, row.Tema))
        if found is None:
            problems.append(f"{row.Region}, {row.Period}, {row.Tema}: the audit saw no hidden "
                            "national cell")
            continue
        low, high = found
        top = math.inf if row.Högst == math.inf else float(row.Högst)
        if low < float(row.Minst) - 1e-6 or high > top + 1e-6:
            problems.append(f"{row.Region}, {row.Period}, {row.Tema}: the published range is "
                            "narrower than the published counts allow")
    return problems


def check_disclosure(tables: Mapping[str, pd.DataFrame]) -> Any:
    """Run the output check (:func:`research.privacy.checking.check_run`) after
    :func:`register`: every ``tables/*.csv`` of the run, or ``tables`` outside a run."""
    from ..privacy import checking

    return checking.check_run(dict(tables))
