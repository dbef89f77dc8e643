"""National synthesis: honest ranges where municipalities hid cells, the union audit,
coverage, stratified survey estimates and themes rising in several Kunskapshus."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from research.national import (
    audit_union,
    national_table,
    range_text,
    rising_everywhere,
    stratified_estimate,
    theme_total_bounds,
)


def _block(house: str, period: str, cells: dict[tuple[str, str], str]) -> pd.DataFrame:
    return pd.DataFrame([{"kunskapshus": house, "Period": period, "Stadsdel": a, "Tema": t,
                          "Antal": v} for (a, t), v in cells.items()])


def _published(true: np.ndarray, hidden: set[tuple[int, int]], areas: list[str],
               themes: list[str], hide_margins: set[str] = frozenset()) -> dict:
    """A municipality's table: inner cells, row totals, column totals and the grand total."""
    cells = {}
    for (i, area), (j, theme) in itertools.product(enumerate(areas), enumerate(themes)):
        cells[(area, theme)] = ".." if (i, j) in hidden else str(true[i, j])
    for i, area in enumerate(areas):
        cells[(area, "Totalt")] = str(true[i].sum())
    for j, theme in enumerate(themes):
        cells[("Totalt", theme)] = ".." if theme in hide_margins else str(true[:, j].sum())
    cells[("Totalt", "Totalt")] = str(true.sum())
    return cells


def _brute_force_bounds(true: np.ndarray, hidden: set, theme: int, hide_margins: set,
                        themes: list[str], limit: int = 30) -> tuple[int, int]:
    """Enumerate every integer table (hidden cells 1..limit) consistent with what is
    published and return the range of one theme total: the attacker's view, by brute force."""
    cells = sorted(hidden)
    values = []
    for combo in itertools.product(range(1, limit + 1), repeat=len(cells)):
        table = true.copy()
        for (i, j), v in zip(cells, combo):
            table[i, j] = v
        if not np.array_equal(table.sum(axis=1), true.sum(axis=1)):
            continue
        if any(table[:, j].sum() != true[:, j].sum() for j, name in enumerate(themes)
               if name not in hide_margins):
            continue
        if table.sum() != true.sum():
            continue
        values.append(int(table[:, theme].sum()))
    return min(values), max(values)


def test_hidden_theme_total_is_a_range_matching_brute_force() -> None:
    areas, themes = ["Centrum", "Hamnen"], ["A", "B", "C"]
    true = np.array([[7, 2, 9], [6, 3, 1]])
    hidden = {(0, 1), (1, 1), (1, 2), (0, 2)}
    cells = _published(true, hidden, areas, themes, hide_margins={"B", "C"})
    bounds = theme_total_bounds(_block("K", "2026 K1", cells).drop(columns=["kunskapshus"]))
    assert bounds["A"].exact and bounds["A"].low == 13
    expected = _brute_force_bounds(true, hidden, 1, {"B", "C"}, themes)
    assert (bounds["B"].low, bounds["B"].high) == expected
    assert bounds["B"].low < bounds["B"].high  # a range, not the true value 5


def test_national_sums_bounds_over_kunskapshus_and_regions() -> None:
    areas, themes = ["X", "Y"], ["A", "B"]
    one = _published(np.array([[4, 1], [5, 2]]), {(0, 1), (1, 1)}, areas, themes, {"B"})
    two = _published(np.array([[3, 3], [2, 8]]), set(), areas, themes)
    counts = pd.concat([_block("K1", "2026 K1", one), _block("K2", "2026 K1", two)])
    table = national_table(counts, {"K1": "Norr", "K2": "Syd"})
    whole = table.loc[table["Region"] == "Hela landet"].set_index("Tema")
    assert whole.loc["A", "Minst"] == whole.loc["A", "Högst"] == 14
    low, high = whole.loc["B", "Minst"], whole.loc["B", "Högst"]
    assert (low, high) == (3 + 11, 3 + 11)  # row totals pin K1's hidden B cells: 1 and 2
    norr = table.loc[(table["Region"] == "Norr") & (table["Tema"] == "A")]
    assert norr["Minst"].item() == 9 and norr["Kunskapshus"].item() == 1
    assert audit_union(counts, table) == []


def test_audit_union_refuses_a_national_figure_narrower_than_the_municipal_tables() -> None:
    areas, themes = ["X", "Y"], ["A", "B", "C"]
    cells = _published(np.array([[4, 1, 2], [5, 2, 2]]), {(0, 1), (1, 1), (0, 2), (1, 2)},
                       areas, themes, {"B", "C"})
    counts = _block("K1", "2026 K1", cells)
    table = national_table(counts)
    assert audit_union(counts, table) == []
    leaky = table.copy()
    row = (leaky["Region"] == "Hela landet") & (leaky["Tema"] == "B")
    assert leaky.loc[row, "Minst"].item() < leaky.loc[row, "Högst"].item()
    leaky.loc[row, "Minst"] = leaky.loc[row, "Högst"]  # would reveal the true total
    assert audit_union(counts, leaky)


def test_range_text_is_swedish() -> None:
    assert range_text(42, 42) == "42"
    assert range_text(4, 8) == "minst 4, högst 8"
    assert range_text(1234, 1240) == "minst 1\u00a0234, högst 1\u00a0240"


def test_stratified_estimate_matches_the_formula() -> None:
    indices = pd.DataFrame({"kunskapshus": ["K1", "K2"], "index": ["kunskap", "kunskap"],
                            "estimate": [3.2, 3.8], "se": [0.1, 0.2],
                            "population": [300.0, 100.0]})
    (row,) = stratified_estimate(indices).to_dict("records")
    assert row["estimate"] == pytest.approx(0.75 * 3.2 + 0.25 * 3.8)
    assert row["se"] == pytest.approx(np.sqrt(0.75 ** 2 * 0.01 + 0.25 ** 2 * 0.04))
    missing = indices.assign(population=[300.0, np.nan])
    assert stratified_estimate(missing).empty  # no national figure without known populations


def test_rising_everywhere_counts_kunskapshus() -> None:
    themes = pd.DataFrame({"kunskapshus": ["K1", "K2", "K3", "K1"],
                           "theme": ["online", "online", "online", "hot"],
                           "label": ["Radikalisering online"] * 3 + ["Hot och hat"],
                           "change": ["3.1", "2.0", "0.8", "4"],
                           "significance": ["0.001", "0.02", "0.001", "0.4"]})
    table = rising_everywhere(themes)
    assert table.to_dict("records") == [{"theme": "online", "label": "Radikalisering online",
                                         "houses": 2, "kunskapshus": "K1, K2"}]


def test_coverage_marks_missing_and_stale(tmp_path) -> None:
    from research.national.inbox import Inbox, coverage

    bundles = pd.DataFrame({"kunskapshus": ["K1", "K2"], "notebook": ["lagesbild"] * 2,
                            "parameter_set": ["default"] * 2, "period": ["q", "q"],
                            "created": ["2026-11-20T10:00:00+00:00", "2026-05-01T10:00:00+00:00"],
                            "sha256": ["a" * 64, "b" * 64], "file": ["a.zip", "b.zip"],
                            "run_id": ["r1", "r2"]})
    table = coverage(Inbox(tmp_path, bundles), ["K1", "K2", "K3"], as_of=dt.date(2026, 11, 30))
    status = dict(zip(table["Kunskapshus"], table["Status"]))
    assert status == {"K1": "aktuell", "K2": "inaktuell", "K3": "saknas"}


def test_missing_inbox_is_a_clear_error(tmp_path) -> None:
    from research.errors import InputDataError
    from research.national import analyse

    with pytest.raises(InputDataError, match="Inbox not found"):
        analyse(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputDataError, match="holds no bundles"):
        analyse(tmp_path / "empty")
