"""Display helpers, Swedish formatting and HTML safety."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from research import report  # noqa: E402
from research.errors import ParameterError  # noqa: E402
from research.report.formatting import (  # noqa: E402
    format_date, format_number, format_percent, format_value, week_label)
from research.report.htmlsafe import safe_url, sanitize_html  # noqa: E402


def test_swedish_numbers_dates_and_weeks() -> None:
    assert format_number(1234.5, 1) == "1\u00a0234,5"
    assert format_number(-3) == "\u22123"
    assert format_number(float("nan")) == "–"
    assert format_percent(0.125) == "12,5\u00a0%"
    assert format_date("2026-11-24") == "24 november 2026"
    assert week_label(dt.date(2026, 11, 24)) == "vecka 48 2026"
    assert format_value(pd.Timestamp("2026-01-02")) == "2026-01-02"
    assert format_value(True) == "ja"


@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.org/a?b=1", True), ("http://x.se", True), ("javascript:alert(1)", False),
    ("data:text/html,x", False), ("//evil.example", False), ("https://x.se/\"onmouseover=1", False),
    (None, False),
])
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_sanitize_html_allow_list() -> None:
    clean = sanitize_html('<p onclick="x">a<script>b</script><a href="javascript:c">d</a>'
                          '<form><input></form><b>e</b></p>')
    assert "script" not in clean and "onclick" not in clean and "javascript" not in clean
    assert "<form" not in clean and "<b>e</b>" in clean


def test_table_html_escapes_links_and_captions(run_dir: Path) -> None:
    df = pd.DataFrame({"Titel": ["<script>x</script>", "Bra"],
                       "url": ["javascript:alert(1)", "https://example.org"], "n": [1, 2.5]})
    html = report.table_html(df, "Tabell <1>", links={"Titel": "url"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://example.org"' in html and "javascript:" not in html
    assert "<caption>Tabell &lt;1&gt;</caption>" in html and "url" not in html.split("<tbody>")[0]
    assert 'role="region" tabindex="0"' in html
    assert "2,50" in html


def test_show_table_saves_csv_in_run_dir(run_dir: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "å"]})
    assert report.show_table(df, "my_table", "Min tabell") is None
    saved = pd.read_csv(run_dir / "tables" / "my_table.csv")
    assert saved.equals(df)


def test_show_table_outside_a_run_saves_nothing(tmp_path: Path) -> None:
    assert report.save_table(pd.DataFrame({"a": [1]}), "x") is None


@pytest.mark.parametrize("name", ["../evil", "Bad Name", "", "a/b"])
def test_table_names_are_checked(name: str, run_dir: Path) -> None:
    with pytest.raises(ParameterError):
        report.save_table(pd.DataFrame({"a": [1]}), name)


def test_table_needs_a_caption() -> None:
    with pytest.raises(ParameterError, match="caption"):
        report.table_html(pd.DataFrame({"a": [1]}), "")


def test_figure_needs_alt_text_and_carries_it(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr(report.display, "_display", lambda bundle, metadata=None: shown.append((bundle, metadata)))
    fig, _ = plt.subplots()
    with pytest.raises(ParameterError, match="alt text"):
        report.show_figure(fig)
    report.show_figure(report.attach_alt(fig, "Stapeldiagram som visar en ökning"), caption="Källa: test")
    bundle, metadata = shown[0]
    assert bundle["image/png"] and metadata["image/png"]["alt"] == "Stapeldiagram som visar en ökning"
    assert "Källa: test" in shown[1][0]["text/html"]


def test_briefing_info_roundtrip(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr(report.display, "_display", lambda bundle, metadata=None: shown.append(bundle))
    report.set_briefing_info(kunskapshus="Älvstad", period="vecka 48")
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data",
                                                        "data": shown[0]}]}]}
    assert report.read_briefing_info(nb) == {"kunskapshus": "Älvstad", "period": "vecka 48"}


def test_display_columns_rename_for_readers_only(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr(report.display, "_display", lambda bundle, metadata=None: shown.append(bundle))
    df = pd.DataFrame({"title": ["Nyhet"], "url": ["https://example.org/a"], "share": [0.123]})
    report.show_table(df, "items", "Nya poster", display_columns={"title": "Rubrik", "share": "Andel"},
                      links={"title": "url"}, decimals={"share": 1})
    html = shown[0]["text/html"]
    assert ">Rubrik<" in html and ">title<" not in html and 'href="https://example.org/a"' in html
    assert "0,1<" in html
    assert list(pd.read_csv(run_dir / "tables" / "items.csv").columns) == ["title", "url", "share"]
