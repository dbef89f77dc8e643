"""Display helpers, Swedish formatting and HTML safety."""

from __future__ import annotations

import datetime as dt
import re
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
    meta = metadata["image/svg+xml"]
    assert meta["alt"] == "Stapeldiagram som visar en ökning" and meta["research-figure"]
    for svg in (bundle["image/svg+xml"], meta["narrow"]):
        assert svg.startswith("<svg") and 'role="img"' in svg
        assert 'aria-label="Stapeldiagram som visar en ökning"' in svg and "<title>" in svg
    assert "Källa: test" in shown[1][0]["text/html"]


def _svg_texts(svg: str) -> list[tuple[float, str]]:
    import re

    return [(float(size), text) for size, text in
            re.findall(r'<text[^>]*font-size: ([\d.]+)px[^>]*>([^<]*)</text>', svg)]


def _shown_svgs(monkeypatch: pytest.MonkeyPatch, fig) -> tuple[str, str]:
    shown = []
    monkeypatch.setattr(report.display, "_display", lambda b, m=None: shown.append((b, m)))
    report.show_figure(fig)
    bundle, metadata = shown[0]
    return bundle["image/svg+xml"], metadata["image/svg+xml"]["narrow"]


def test_figures_are_drawn_for_the_column_and_the_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from research.report.figures import MIN_FONT_PT, attach_alt, legend_outside, new_figure

    fig, axes = new_figure(ncols=3, width=12, height=2.5)
    for number, ax in enumerate(axes):
        ax.plot([0, 1, 2], [0.5, 1.5, 2.5 + number], label=f"Serie {number}")
        ax.set_title(f"Område {number}", fontsize=6)  # too small: raised
    legend_outside(axes[0])
    wide, narrow = _shown_svgs(monkeypatch, attach_alt(fig, "Tre linjer"))
    def width(svg: str) -> int:
        return int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))

    assert 620 <= width(wide) <= 700 and 300 <= width(narrow) <= 350  # shown at natural size
    for svg in (wide, narrow):
        texts = _svg_texts(svg)
        assert texts and min(size for size, _ in texts) >= MIN_FONT_PT
        labels = {text for _, text in texts}
        assert "1,5" in labels and "1.5" not in labels  # Swedish decimal comma
        assert {"Område 0", "Område 2", "Serie 0"} <= labels  # real text, searchable
    # the phone drawing stacks the three panels: taller than wide
    box_width, box_height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', narrow).groups())
    assert box_height > box_width


def test_counts_get_whole_number_ticks_and_ids_are_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from research.report.figures import attach_alt, new_figure

    fig, ax = new_figure()
    ax.bar(["a", "b"], [2, 3])
    wide, narrow = _shown_svgs(monkeypatch, attach_alt(fig, "Staplar"))
    numbers = [text for _, text in _svg_texts(wide) if re.fullmatch(r"[\d,]+", text)]
    assert numbers and all("," not in n for n in numbers)  # 0, 1, 2, 3 – not 0,5
    ids = re.findall(r'\bid="([^"]+)"', wide + narrow)
    assert len(ids) == len(set(ids))


def test_svg_sanitizer_removes_what_runs_or_loads() -> None:
    from research.report.htmlsafe import sanitize_svg

    dirty = ('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>alert(1)</script>'
             '<foreignObject><p>x</p></foreignObject><a href="javascript:y"><text>t</text></a>'
             '<image href="https://evil.example/i.png"/><rect style="fill: url(https://e.x/a)"/>'
             '<use href="#ok"/><text x="1">&lt;b&gt; Älv</text></svg>')
    clean = sanitize_svg(dirty)
    for bad in ("onload", "script", "foreignObject", "javascript", "evil.example", "e.x/a"):
        assert bad not in clean
    assert '<use href="#ok">' in clean and "&lt;b&gt; Älv" in clean
    assert sanitize_svg('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>') == ""


def test_tables_fit_a_phone_and_the_rest_is_behind_details() -> None:
    df = pd.DataFrame({
        "Grupp": ["Socialtjänst", "Skola"], "Svarande": [120, 80], "Svarsfrekvens (%)": [61.5, 48.0],
        "Kommentar från förvaltningen om underlaget": ["Bra", "Bra"],
        "Ytterligare upplysningar": ["Ingen", "Ingen"], "Jämförelse med föregående år": [1.5, 2.0],
    })
    html = report.table_html(df, "Svarsfrekvens", priority=["Svarsfrekvens (%)"], phone="columns")
    head = html.split("<tbody>")[0]
    # priority column right after the first; numbers right-aligned in header and cells
    assert head.index("Svarsfrekvens (%)") < head.index("Svarande")
    assert re.search(r'<th scope="col" class="num( col-extra)?">Svarande</th>', head)
    assert "col-extra" in head and '<details class="table-all"><summary>Visa alla kolumner (6)' in html
    full = html.split('<details class="table-all">')[1]
    assert "col-extra" not in full and "(alla kolumner)" in full


def test_cut_tables_link_to_their_csv(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr(report.display, "_display", lambda bundle, metadata=None: shown.append(bundle))
    df = pd.DataFrame({"Text": ["kort", "lång " * 60], "n": [1, 2]})
    report.show_table(df, "long_text", "Långa texter", save=False, max_rows=1)
    html = shown[0]["text/html"]
    assert 'Visar 1 av 2 rader.' in html
    assert '<a href="tables/long_text.csv" download>Hela tabellen som CSV-fil</a>' in html
    assert (run_dir / "tables" / "long_text.csv").is_file()  # saved so that the link works
    report.show_table(df, "whole", "Hela", max_chars=40)
    assert "…" in shown[1]["text/html"] and "tables/whole.csv" in shown[1]["text/html"]
    assert "CSV" not in report.table_html(df.head(1), "Kort")
    # text cut alone, in pandas' string dtype: saved all the same, so the link works
    texts = pd.DataFrame({"Tema": ["A"], "Teman": [", ".join(["Kriminella nätverk"] * 12)]})
    report.show_table(texts, "cut_text_only", "Teman", save=False)
    assert "…" in shown[2]["text/html"]
    assert '<a href="tables/cut_text_only.csv" download>' in shown[2]["text/html"]
    assert (run_dir / "tables" / "cut_text_only.csv").is_file()


def test_p_values_headers_and_errors_for_readers() -> None:
    df = pd.DataFrame({"påstående": ["A", "B"], "p-värde": [0.00001, 0.0412], "n": [10, 12],
                       "fel": ["SAXParseException: <unknown>:4:0: not well-formed", ""]})
    html = report.table_html(df, "Test", errors=["fel"])
    assert ">Påstående<" in html and ">n<" in html and ">Fel<" in html
    assert "&lt;\u00a00,001" in html and "0,041" in html
    assert "Flödet är inte giltig XML" in html
    assert "<details><summary>Teknisk information</summary><code>SAXParseException" in html


def test_wide_table_one_row_per_statement() -> None:
    long = pd.DataFrame({"Block": ["K", "K", "K", "K"], "Påstående": ["A", "A", "B", "B"],
                         "Svar": ["Nej", "Ja", "Ja", "Nej"], "Procent": [40.0, 60.0, 70.0, 30.0],
                         "Test": ["χ²", "χ²", "χ²", "χ²"]})
    wide = report.wide_table(long, ["Block", "Påstående"], "Svar", "Procent", order=["Ja", "Nej"])
    assert list(wide.columns) == ["Block", "Påstående", "Ja", "Nej"]
    assert wide.to_dict("records")[1] == {"Block": "K", "Påstående": "B", "Ja": 70.0, "Nej": 30.0}
    rest, constants = report.pull_constants(long, ["Test", "Block"])
    assert constants == {"Test": "χ²", "Block": "K"} and "Test" not in rest
    with pytest.raises(ParameterError, match="no column"):
        report.wide_table(long, "Saknas", "Svar", "Procent")


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
