"""The national synthesis's disclosure control: its count tables go through the independent
audit (research.privacy), which refuses a national figure that narrows a hidden municipal
total; a range narrower than the published counts allow stops the run; one bundle per
Kunskapshus and quarter; hidden cells may be 0 where a bundle hides zeros."""

from __future__ import annotations

import pandas as pd
import pytest

from research.errors import PrivacyError, SchemaError
from research.national import NationalSynthesis, national_table
from research.national.situation import select_blocks, theme_total_bounds
from research.privacy import checking


def _block(house: str, period: str, rows: list[list[str]], **extra: object) -> pd.DataFrame:
    """rows: area, then one value per theme A, B, C and the row total."""
    themes = ["A", "B", "C", "Totalt"]
    records = [{"kunskapshus": house, "Period": period, "Stadsdel": r[0], "Tema": t,
                "Antal": v, **extra} for r in rows for t, v in zip(themes, r[1:])]
    return pd.DataFrame(records)


# true table: X = 4 1 5 (10), Y = 5 2 4 (11); B and C hidden in both areas and in the
# margin: a reader knows B + C = 12 and B ∈ [2, 10] (true 3)
ROWS = [["X", "4", "..", "..", "10"], ["Y", "5", "..", "..", "11"],
        ["Totalt", "9", "..", "..", "21"]]


def _synthesis(counts: pd.DataFrame, regions: dict | None = None) -> NationalSynthesis:
    points: dict = {}
    situation = national_table(counts, regions or {}, points)
    return NationalSynthesis(inbox=None, coverage=pd.DataFrame(), situation=situation,
                             situation_audit=[], evaluations=pd.DataFrame(),
                             situation_counts=counts, regions=dict(regions or {}),
                             points=points)


@pytest.fixture(autouse=True)
def _fresh_registrations():
    checking.reset()
    yield
    checking.reset()


def test_the_national_tables_pass_the_independent_audit() -> None:
    counts = pd.concat([_block("K1", "2026 K1", ROWS, floor=1.0),
                        _block("K2", "2026 K1", [["X", "6", "7", "8", "21"],
                                                 ["Totalt", "6", "7", "8", "21"]], floor=1.0)])
    synthesis = _synthesis(counts, {"K1": "Norr", "K2": "Syd"})
    check = synthesis.check_disclosure()
    assert check.passed, check.audit.findings
    assert set(check.audit.tables) == {"national_counts", "national_situation_all",
                                       "national_situation"}
    whole = synthesis.situation.set_index(["Region", "Tema"])
    assert (whole.loc[("Hela landet", "B"), "Minst"], whole.loc[("Hela landet", "B"), "Högst"]) \
        == (2 + 7, 10 + 7)
    assert "Granskning av röjanderisk" in synthesis.disclosure_note()
    pooled = synthesis.counts_table()
    national = pooled.loc[(pooled["Region"] == "Totalt") & (pooled["Tema"] == "B"), "Antal"]
    assert national.tolist() == [".."]  # a hidden contribution: the national count is hidden


def test_the_audit_refuses_an_exact_national_figure_over_a_hidden_total() -> None:
    synthesis = _synthesis(_block("K1", "2026 K1", ROWS, floor=1.0))
    row = synthesis.situation["Tema"] == "B"
    synthesis.situation.loc[row, ["Minst", "Högst"]] = 3.0  # the true total, published
    synthesis.situation.loc[row, "Exakt"] = True
    check = synthesis.check_disclosure()
    assert not check.passed
    assert {f.kind for f in check.audit.findings} & {"pinned", "line"}
    assert "godkändes inte" in synthesis.disclosure_note()


def test_a_range_narrower_than_the_counts_allow_stops_the_run() -> None:
    synthesis = _synthesis(_block("K1", "2026 K1", ROWS, floor=1.0))
    row = synthesis.situation["Tema"] == "B"
    synthesis.situation.loc[row, "Minst"] = 4.0  # the counts allow 2
    with pytest.raises(PrivacyError, match="narrower than the published counts allow"):
        synthesis.check_disclosure()


def test_a_bundle_that_may_hide_zeros_widens_the_range_to_zero() -> None:
    rows = [["X", "4", "..", "..", "6"], ["Totalt", "4", "..", "..", "6"]]
    strict = theme_total_bounds(_block("K1", "2026 K1", rows), floor=1.0)
    zeros = theme_total_bounds(_block("K1", "2026 K1", rows), floor=0.0)
    assert (strict["B"].low, strict["B"].high) == (1, 1)  # ≥ 1 each: B + C = 2
    assert (zeros["B"].low, zeros["B"].high) == (0, 2)  # a hidden zero: B may be 0


def test_one_bundle_per_kunskapshus_and_quarter() -> None:
    old = _block("K1", "2026 K1", [["X", "1", "2", "3", "6"], ["Totalt", "1", "2", "3", "6"]],
                 bundle="a" * 12, parameter_set="default")
    new = _block("K1", "2026 K1", [["X", "2", "2", "3", "7"], ["Totalt", "2", "2", "3", "7"]],
                 bundle="b" * 12, parameter_set="default")
    other = _block("K1", "2026 K1", [["X", "9", "9", "9", "27"], ["Totalt", "9", "9", "9", "27"]],
                   bundle="c" * 12, parameter_set="skolor")
    bundles = pd.DataFrame({"sha256": ["a" * 64, "b" * 64, "c" * 64],
                            "created": ["2026-04-02T10:00:00+00:00", "2026-07-02T10:00:00+00:00",
                                        "2026-08-01T10:00:00+00:00"]})
    chosen = select_blocks(pd.concat([old, new, other], ignore_index=True), bundles)
    assert set(chosen["bundle"]) == {"b" * 12}  # the newest of the default parameter set
    table = national_table(chosen)
    whole = table.loc[(table["Region"] == "Hela landet") & (table["Tema"] == "A")]
    assert whole["Minst"].tolist() == [2.0]  # counted once


def test_a_region_named_like_a_total_is_refused() -> None:
    from research.national.disclosure import check_region_names

    with pytest.raises(SchemaError, match="name of a total"):
        check_region_names({"K1": "Hela landet"}, "regioner.yaml")
