"""The template notebook's data: the Kunskapshus activity log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from research import activities
from research.errors import InputDataError, SchemaError
from research.report import get_alt

HEADER = "datum,aktivitet,malgrupp,deltagare\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_utf8_bom_semicolon_and_cp1252(tmp_path: Path) -> None:
    rows = "2026-01-02;utbildning;Skolpersonal;12\n2026-02-03;Anhorigstod;Anhöriga;2\n"
    bom = activities.read_activities(write(tmp_path, HEADER.replace(",", ";") + rows, "utf-8-sig"))
    latin = activities.read_activities(write(tmp_path, HEADER.replace(",", ";") + rows, "cp1252",
                                             "latin.csv"))
    assert bom.equals(latin)
    assert list(bom["aktivitet"]) == ["utbildning", "anhorigstod"]
    assert bom.loc[1, "malgrupp"] == "Anhöriga" and bom["deltagare"].tolist() == [12, 2]


@pytest.mark.parametrize(("row", "column", "message"), [
    ("2026-13-01,utbildning,Skola,3", "datum", "not a date"),
    ("2026-01-01,föreläsning,Skola,3", "aktivitet", "unknown activity"),
    ("2026-01-01,utbildning,Skola,-2", "deltagare", "whole number"),
    ("2026-01-01,utbildning,Skola,2.5", "deltagare", "whole number"),
])
def test_bad_rows_name_row_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    good = "2026-01-01,konsultation,Skola,1\n"
    with pytest.raises(SchemaError, match=message) as err:
        activities.read_activities(write(tmp_path, HEADER + good + row + "\n"))
    assert err.value.fields["row"] == 3 and err.value.fields["column"] == column
    assert "row 3" in str(err.value)


def test_missing_column_empty_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="deltagare"):
        activities.read_activities(write(tmp_path, "datum,aktivitet,malgrupp\n2026-01-01,utbildning,x\n"))
    with pytest.raises(InputDataError, match="empty"):
        activities.read_activities(write(tmp_path, "", name="empty.csv"))
    with pytest.raises(InputDataError, match="not found"):
        activities.read_activities(tmp_path / "nope.csv")


def test_period_summaries_and_figure() -> None:
    log = activities.read_activities(Path(__file__).resolve().parents[1] / "data" / "sample" /
                                     "mall" / "aktiviteter.csv")
    period = activities.select_period(log, "2026-01-01", "2026-03-31")
    assert period["datum"].min().month == 1 and period["datum"].max().month <= 3
    table = activities.by_activity(period)
    assert table["Antal tillfällen"].sum() == len(period)
    assert table["Andel av tillfällen (%)"].sum() == pytest.approx(100, abs=0.5)
    monthly = activities.by_month(period)
    assert list(monthly.index) == ["2026-01", "2026-02", "2026-03"]
    assert int(monthly.to_numpy().sum()) == len(period)
    findings = activities.findings(period, "2026-01-01", "2026-03-31")
    assert 3 <= len(findings) <= 5 and findings[0].startswith("Kunskapshuset genomförde")
    alt = get_alt(activities.plot_by_month(monthly))
    assert alt and "januari 2026" in alt and "mars 2026" in alt
    assert not re.search(r"\d{4}-\d{2}", alt), alt  # month names, as on the axis
    with pytest.raises(InputDataError, match="after it ends"):
        activities.select_period(log, "2026-03-01", "2026-01-01")
    assert "Inga aktiviteter" in activities.findings(period.iloc[0:0], "2026-01-01", "2026-01-02")[0]


@pytest.mark.parametrize("bad", ["2026-13-01", "igår", ""])
def test_period_dates_are_checked(bad: str) -> None:
    log = activities.read_activities(Path(__file__).resolve().parents[1] / "data" / "sample" /
                                     "mall" / "aktiviteter.csv")
    with pytest.raises(InputDataError, match="period_start") as err:
        activities.select_period(log, bad, "2026-03-31")
    assert err.value.fields["parameter"] == "period_start"


def test_figure_comes_from_the_figure_factory_not_pyplot() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    import pandas as pd

    table = pd.DataFrame({"Utbildning": [2, 1]}, index=pd.Index(["2026-01", "2026-02"],
                                                                 name="Månad"))
    before = plt.get_fignums()
    fig = activities.plot_by_month(table)
    assert isinstance(fig, Figure) and plt.get_fignums() == before


def test_analyse_gives_everything_the_notebook_shows() -> None:
    result = activities.analyse("data/sample/mall/aktiviteter.csv", "2026-01-01", "2026-03-31")
    assert result.key_figures()["Aktiviteter"] == len(result.activities)
    assert result.findings()[0].startswith("Kunskapshuset genomförde")
    assert result.by_activity()["Antal tillfällen"].sum() == len(result.activities)
    assert list(result.by_month().index) == ["2026-01", "2026-02", "2026-03"]
    assert get_alt(result.figure())
    assert result.period_text() == "1 januari 2026 – 31 mars 2026"
    assert any("per tillfälle" in note for note in result.method_notes())
    with pytest.raises(InputDataError) as err:
        activities.analyse("data/sample/mall/saknas.csv", "2026-01-01", "2026-03-31")
    assert err.value.fields["parameter"] == "data"
