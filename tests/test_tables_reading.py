"""Tables for reading (issue 16): the metodutvärdering, lägesbild, mall and litteraturanalys
tables as a coordinator reads them on a 360 px phone, at 1280 px and on A4.

Unit tests pin the wording and format rules (headers, p-values, months, what a table leaves
to its CSV); browser tests open real briefings, run from the shipped notebooks, in headless
Chromium and measure what a reader sees: which columns a phone shows first, that technical
columns and repeated test statistics are gone from the page, numbers right and text left,
every CSV mention a working link, and printed pages that never hold only a heading.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from research import report
from research.errors import ParameterError
from research.report.formatting import NBSP, column_header, format_p, month_label

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------
# wording and format rules


@pytest.mark.parametrize(("name", "header"), [
    ("år", "År"), ("titel", "Titel"), ("post-id", "Post-id"), ("år A", "År A"),
    ("doi", "DOI"), ("isbn", "ISBN"), ("representativa titlar", "Representativa titlar"),
    ("p-värde", "p-värde"), ("k", "k"), ("n", "n"), ("yi (analysskala)", "yi (analysskala)"),
    ("τ²", "τ²"), ("I² (%)", "I² (%)"), ("2026 K3", "2026 K3"), ("Effekt (RR)", "Effekt (RR)"),
    ("r", "r"), ("df", "df"), ("id", "ID"), ("ja", "Ja"),
    ("ämne", "Ämne"), ("över", "Över"),
])
def test_column_headers_are_capitalised_by_one_rule(name: str, header: str) -> None:
    assert column_header(name) == header


def test_p_values_read_as_swedish_reports_write_them() -> None:
    assert format_p(0.00001) == f"p{NBSP}<{NBSP}0,001"
    assert format_p(0.0412) == f"p{NBSP}={NBSP}0,041"
    assert format_p(0.0004999) == f"p{NBSP}<{NBSP}0,001"  # never "p = 0,000"
    assert format_p(float("nan")) == "p saknas"
    assert report.format_p_value(0.0) == f"<{NBSP}0,001"


@pytest.mark.parametrize(("value", "label"), [
    ("2026-01", "januari 2026"), ("2025-12", "december 2025"),
    (pd.Period("2026-03", "M"), "mars 2026"), (pd.Timestamp("2026-09-14"), "september 2026"),
    ("2026-13", "2026-13"), ("2026 K3", "2026 K3"), ("Totalt", "Totalt"),
])
def test_months_are_named(value: object, label: str) -> None:
    assert month_label(value) == label


def test_month_headers_use_the_standard_abbreviations() -> None:
    assert [month_label(f"2026-{m:02d}", short=True) for m in (1, 2, 9, 12)] == \
        ["jan. 2026", "febr. 2026", "sept. 2026", "dec. 2026"]


def _cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in body.split("<tr>")[1:]]


def test_hidden_columns_leave_the_page_and_the_note_is_the_csv_link() -> None:
    df = pd.DataFrame({"titel": ["A", "B"], "sammanfattning": ["lång " * 50, "kort"],
                       "andel": [0.548, 0.452]})
    html = report.table_html(df, "Poster", hide=["sammanfattning"], csv="tables/poster.csv",
                             formatters={"andel": lambda v: f"{round(v * 100)}{NBSP}%"})
    assert "Sammanfattning" not in html and "lång" not in html
    assert _cells(html) == [["A", f"55{NBSP}%"], ["B", f"45{NBSP}%"]]
    assert '<th scope="col" class="num">Andel</th>' in html  # a share reads as a number
    note = html.split('<p class="table-note">')[1]
    # "CSV" only inside the link: every mention of the file is the way to it
    assert "CSV" not in re.sub(r"<a [^>]*>.*?</a>", "", note)
    assert '<a href="tables/poster.csv" download>Hela tabellen, med fler kolumner, som ' \
           'CSV-fil</a>' in note


def test_worded_numbers_are_right_aligned_and_text_left() -> None:
    df = pd.DataFrame({"Mått": ["Effekt", "I²"], "Skattning": ["0,78", f"12{NBSP}%"],
                       "p-värde": [f"<{NBSP}0,001", "0,041"]})
    html = report.table_html(df, "Mått")
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert re.search(r'<th scope="col" class="mw-\d+">Mått</th>', head)
    assert '<th scope="col" class="num">Skattning</th>' in head
    assert '<th scope="col" class="num">p-värde</th>' in head


def test_shown_is_what_readers_see_and_the_csv_keeps_everything(run_dir: Path) -> None:
    full = pd.DataFrame({"Analys": ["Huvudanalys", "Egger-test"], "Skattning": [0.78, math.nan],
                         "p-värde": [0.004, 0.751]})
    report.show_table(full, "sensitivity", "Känslighet", shown=full.iloc[:1])
    saved = pd.read_csv(run_dir / "tables" / "sensitivity.csv")
    assert list(saved["Analys"]) == ["Huvudanalys", "Egger-test"]
    with pytest.raises(ParameterError, match="protected"):
        report.show_table(pd.DataFrame({"a": [1]}), "skyddad", "Skyddad", min_cell=5,
                          shown=pd.DataFrame({"a": [1]}))


# ---------------------------------------------------------------------------------------
# the domains' reading forms


@pytest.fixture(scope="module")
def metod():
    from research import evaluation

    return evaluation.analyse("data/sample/metod/utvarderingar.csv", measure="RR",
                              moderator="setting", method_name="Mentorskap",
                              register="data/sample/metoder.yaml")


def test_metod_effect_table_leaves_yi_and_vi_to_the_csv(metod) -> None:
    options = metod.reading("effect_sizes")
    table = metod.effect_table()
    assert set(options["hide"]) == {"yi (analysskala)", "vi (varians)"} <= set(table.columns)
    assert options["priority"][:2] == ["Utvärdering", "Effekt (RR)"]
    assert set(options["priority"]) <= set(table.columns)
    html = report.table_html(table, "Effekt", csv="tables/effect_sizes.csv", **options)
    assert "analysskala" not in html and "varians" not in html


def test_metod_test_statistics_are_said_once(metod) -> None:
    options = metod.reading("meta_analysis")
    shown = options["shown"]
    labels = " ".join(shown["Mått"])
    for statistic in ("Testvärde", "p-värde", "Q (df", "H²", "Standardfel", "log RR"):
        assert statistic not in labels  # not a row of the table …
    note = options["note"]
    for statistic in ("z = ", "p = 0,004", "Q = ", "H² = ", "standardfel"):
        assert statistic in note.replace(NBSP, " ")  # … but said once under it
    assert "0,000" not in note
    # I² in percent, the interval read as numbers; every number from the pooled result
    i2 = shown[shown["Mått"].str.contains("I²")].iloc[0]
    assert i2["Värde"] == f"{round(metod.result.i2)}{NBSP}%"
    effect = shown.iloc[0]
    assert effect["Värde"] == f"{metod.result.effect:.2f}".replace(".", ",")


def test_metod_sensitivity_tests_leave_the_table(metod) -> None:
    full = metod.sensitivity_table()
    shown = metod.reading("sensitivity")["shown"]
    assert len(shown) + len(metod.sensitivity_tests()) == len(full)
    assert shown["Effekt (RR)"].notna().all()
    assert not shown["Analys"].str.contains("setting =").any()  # "Delgrupp: skola"
    tests = metod.sensitivity_tests()
    assert any(t.startswith("Egger-test") for t in tests)
    assert all(re.search(r"p\s[<=]\s\d", t.replace(NBSP, " ")) for t in tests)


def test_metod_glossary_explains_every_term_the_tables_use(metod) -> None:
    notes = " ".join(metod.method_notes())
    used = ["konfidensintervall", "prediktionsintervall", "τ²", "I²", "H²", "Q", "p-värde",
            "vikt", "k:", "Egger", "SMS-nivå", "yi", "vi", "REML", "Knapp–Hartung", "z och t"]
    missing = [term for term in used if term not in notes]
    assert missing == []


def test_lagesbild_change_table_reads_per_theme_with_month_names() -> None:
    from research import situation

    picture = situation.analyse("data/sample/lagesbild/rapporter.csv", period="month",
                                as_of="2026-09-30")
    full = picture.changes_table()
    options = picture.reading("changes")
    shown = options["shown"]
    assert "Stadsdel" not in shown.columns
    assert list(shown.columns[:3]) == ["Tema", "sept. 2026", "aug. 2026"]
    assert "Ändring mot aug. 2026 (%)" in options["priority"][:3]
    # a part of the saved table, never more: the whole municipality's rows, same values
    whole = full[full["Stadsdel"] == "Totalt"].drop(columns="Stadsdel")
    assert len(shown) == len(whole) and shown.shape[1] == whole.shape[1]
    assert [list(r) for r in shown.astype(str).to_numpy()] == \
        [list(r) for r in whole.astype(str).to_numpy()]
    signed = options["formatters"]["Ändring mot aug. 2026 (%)"]
    assert signed(10.5) == f"+10,5{NBSP}%" and signed(-3.0) == f"\u22123,0{NBSP}%"


def test_mall_names_months() -> None:
    from research import activities

    result = activities.analyse("data/sample/mall/aktiviteter.csv", "2026-01-01", "2026-10-31")
    findings = " ".join(result.findings())
    assert not re.search(r"\b\d{4}-\d{2}\b", findings)
    assert re.search(r"hölls i (januari|februari|mars|april|maj|juni|juli|augusti|september|"
                     r"oktober|november|december) 2026", findings)
    options = result.reading("aktiviteter_per_manad")
    totals = result.by_month().sum()
    assert options["priority"][0] == totals.idxmax()


def test_literature_reading_names_real_columns() -> None:
    """Every column a reading option names exists in its table (a misspelt name would
    silently show the table unchanged)."""
    from research.literature.briefing import READING

    analysis = _literature()
    tables = {"files": analysis.files_table(), "records": analysis.records_table(),
              "duplicates": analysis.duplicates_table(), "dedup_review": analysis.review_table(),
              "ranking": analysis.ranking_table(), "languages": analysis.language_table(),
              "topics": analysis.topics.topics}
    for name, options in READING.items():
        named = [*options.get("priority", []), *options.get("hide", []),
                 *options.get("formatters", {})]
        assert set(named) <= set(tables[name].columns), name
    notes = " ".join(analysis.method_notes())
    for term in ("titellikhet", "poäng", "sannolikhet", "TF-IDF", "WSS@95", "NMF"):
        assert f"{term}" in notes


_LITERATURE = {}


def _literature():
    if not _LITERATURE:
        from research import literature

        _LITERATURE["a"] = literature.analyse(
            ["data/sample/litteratur/scopus.ris", "data/sample/litteratur/webofscience.bib",
             "data/sample/litteratur/diva.csv"], "data/sample/litteratur/screening_log.csv",
            dedup_log="data/sample/litteratur/dedup_decisions.csv", n_topics=6, seed=1)
    return _LITERATURE["a"]


# ---------------------------------------------------------------------------------------
# in the browser: the shipped notebooks' briefings

BRIEFINGS = {"metodutvardering": "default", "lagesbild": "manad", "mall": "default",
             "litteraturanalys": "default"}


@pytest.fixture(scope="module")
def briefings(shipped_runs) -> dict[str, Path]:
    """The briefings of the session's shared runs (tests/conftest.py), read-only."""
    from browser import require_browser

    require_browser()
    return {notebook: shipped_runs.briefing(f"{notebook}/{params}")
            for notebook, params in BRIEFINGS.items()}


TABLES_SCRIPT = r"""
() => {
  const visible = (e) => e.getClientRects().length > 0 && !e.closest('details:not([open])');
  return [...document.querySelectorAll('.table-wrap')].filter(visible).map(wrap => {
    const table = wrap.querySelector('table');
    const right = wrap.getBoundingClientRect().right + 1;
    const heads = [...table.querySelectorAll('thead th')];
    const rows = [...table.querySelectorAll('tbody tr')].map(tr => [...tr.children]);
    return {
      caption: table.caption ? table.caption.textContent.trim() : '',
      headers: heads.map(h => h.textContent.trim()),
      fit: heads.filter(h => visible(h) && h.getBoundingClientRect().right <= right)
                .map(h => h.textContent.trim()),
      scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
      align: heads.map((h, i) => ({
        header: h.textContent.trim(),
        cells: rows.filter(r => r[i] && r[i].textContent.trim())
                   .map(r => [r[i].textContent.trim(), getComputedStyle(r[i]).textAlign]),
      })),
      broken: (() => {  // words of up to 24 letters that a visible cell breaks mid-word
        const out = [];
        for (const cell of table.querySelectorAll('th, td')) {
          if (!visible(cell)) continue;
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            for (const m of n.textContent.matchAll(/[^\s\u00ad\-–]{2,24}/g)) {
              const range = document.createRange();
              range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
              // a soft hyphen shows as a sliver at the end of the line before: not a break
              const tops = new Set([...range.getClientRects()].filter(r => r.width > 6)
                                   .map(r => Math.round(r.top)));
              if (tops.size > 1) out.push(m[0]);
            }
          }
        }
        return out;
      })(),
      note: (() => {  // the notes under the table (after "Visa alla kolumner")
        let notes = '';
        for (let e = wrap.nextElementSibling; e && e.matches('details, .table-note');
             e = e.nextElementSibling) if (e.matches('.table-note')) notes += e.innerHTML;
        return notes;
      })(),
    };
  });
}
"""


def _tables(chromium, path: Path, width: int) -> list[dict]:
    page = chromium.new_page(viewport={"width": width, "height": 780})
    try:
        page.goto(path.resolve().as_uri())
        return page.evaluate(TABLES_SCRIPT)
    finally:
        page.close()


def _table(tables: list[dict], caption_start: str) -> dict:
    matches = [t for t in tables if t["caption"].startswith(caption_start)]
    assert matches, [t["caption"] for t in tables]
    return matches[0]


PHONE_FIRST = {  # briefing: caption start → the columns a 360 px phone must show first
    "metodutvardering": {
        "Effekt per utvärdering": ["Utvärdering", "Effekt (RR)", "Nedre gräns", "Övre gräns"],
        "Sammanvägd effekt": ["Mått", "Värde", "Nedre gräns (95 %)", "Övre gräns (95 %)"],
        "Känslighetsanalyser": ["Analys", "Effekt (RR)", "Nedre gräns", "Övre gräns"],
        "Utvärderingarnas design": ["Utvärdering", "Nivå (SMS)", "Resultat"],
        "Metodregistret": ["Metod", "Evidensgrad"],
    },
    "lagesbild": {
        "Rapporter per tema och stadsdel": ["Tema", "Totalt"],
        "Förändring per tema": ["Tema", "Sept. 2026", "Ändring mot aug. 2026 (%)"],
        "Rapporter per tema och rapporterande": ["Tema", "Totalt"],
        "Rapporter per tema i hela kommunen": ["Tema", "Sept. 2026", "Aug. 2026"],
    },
    "mall": {"Antal tillfällen per månad": ["Månad", "Utbildning", "Konsultation"]},
    "litteraturanalys": {
        "Alla inlästa poster": ["Titel", "År", "Databas"],
        "Osäkra dubblettpar": ["Titel A", "Titel B"],
        "Högst rangordnade": ["Rang", "Titel"],
    },
}


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("notebook", list(BRIEFINGS))
def test_a_phone_shows_the_columns_that_matter_first(briefings, chromium, notebook) -> None:
    tables = _tables(chromium, briefings[notebook], 360)
    problems = []
    for caption, columns in PHONE_FIRST[notebook].items():
        table = _table(tables, caption)
        if table["scrolls"]:
            problems.append(f"{caption}: scrolls sideways")
        if table["broken"]:
            problems.append(f"{caption}: words broken mid-word {table['broken'][:3]}")
        if table["fit"][:len(columns)] != columns:
            problems.append(f"{caption}: phone shows {table['fit']}, wanted {columns} first")
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("notebook", list(BRIEFINGS))
def test_headers_plain_numbers_right_text_left(briefings, chromium, notebook) -> None:
    tables = _tables(chromium, briefings[notebook], 1280)
    number = re.compile(r"^[−+-]?\d[\d\u00a0\u202f ]*(,\d+)?(\u00a0?%)?$|^<\u00a0?0,0*1$")
    problems = []
    for table in tables:
        if table["caption"] in ("Parametrar", "Indatafiler"):
            continue
        for header in table["headers"]:
            if header != column_header(header):
                problems.append(f"{table['caption']}: header {header!r} not capitalised")
            if re.search(r"\b(yi|vi)\b|analysskala|Storhet|Testvärde|Temanyckel", header):
                problems.append(f"{table['caption']}: technical header {header!r}")
        for column in table["align"]:
            cells = column["cells"]
            if not cells:
                continue
            numeric = all(number.match(text) or text in ("..", "–") for text, _ in cells) \
                and any(number.match(text) for text, _ in cells)
            wanted = "right" if numeric else "left"
            wrong = [text for text, align in cells if align != wanted]
            if wrong:
                problems.append(f"{table['caption']} / {column['header']}: {wrong[:2]} not "
                                f"{wanted}-aligned")
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.browser
def test_months_are_named_in_the_monthly_tables(briefings, chromium) -> None:
    months = re.compile(r"^(januari|februari|mars|april|maj|juni|juli|augusti|september|"
                        r"oktober|november|december) \d{4}$")
    mall = _table(_tables(chromium, briefings["mall"], 360), "Antal tillfällen per månad")
    first = [text for text, _ in mall["align"][0]["cells"]]
    assert len(first) == 10 and all(months.match(text) for text in first), first
    tables = _tables(chromium, briefings["lagesbild"], 360)
    for caption in ("Förändring per tema", "Rapporter per tema i hela kommunen"):
        headers = _table(tables, caption)["headers"]
        assert [h for h in headers if re.search(r"\d{4}-\d{2}", h)] == [], caption
    from research.report.formatting import MONTHS_SHORT

    short = re.compile(rf"^({'|'.join(re.escape(m) for m in MONTHS_SHORT)}) \d{{4}}$")
    periods = _table(tables, "Rapporter per tema i hela kommunen")["headers"][1:]
    assert len(periods) == 8 and all(short.match(h.lower()) for h in periods), periods


@pytest.mark.e2e
@pytest.mark.browser
def test_nothing_statistical_is_repeated_on_every_row(briefings, chromium) -> None:
    tables = _tables(chromium, briefings["metodutvardering"], 1280)
    meta = _table(tables, "Sammanvägd effekt")
    assert "Test av den sammanvägda effekten" in meta["note"]
    sensitivity = _table(tables, "Känslighetsanalyser")
    analyses = [text for text, _ in sensitivity["align"][0]["cells"]]
    assert not any(a.startswith(("Egger", "Skillnad mellan", "Metaregression"))
                   for a in analyses)
    assert 'href="tables/sensitivity.csv"' in sensitivity["note"]
    page = briefings["metodutvardering"].read_text(encoding="utf-8")
    assert page.count("Egger-test (asymmetri i trattdiagram): p") == 1


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("notebook", list(BRIEFINGS))
def test_every_csv_mention_is_a_working_link(briefings, chromium, notebook) -> None:
    from browser import csv_link_problems, measure_layout

    page = chromium.new_page(viewport={"width": 360, "height": 780})
    try:
        page.goto(briefings[notebook].resolve().as_uri())
        mentions = measure_layout(page)["csv"]
    finally:
        page.close()
    assert (bool(mentions) or notebook == "mall") and \
        csv_link_problems(briefings[notebook], mentions) == []


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("notebook", list(BRIEFINGS))
def test_printed_pages_have_a_running_header_and_no_lonely_heading(briefings, chromium,
                                                                   notebook) -> None:
    from pypdf import PdfReader

    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(briefings[notebook].resolve().as_uri())
        title = page.title()
        headings = {h.strip() for h in page.eval_on_selector_all(
            "main h2, main h3", "hs => hs.map(h => h.textContent)") if h.strip()}
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
    finally:
        page.close()
    pages = PdfReader(io.BytesIO(pdf)).pages
    problems = []
    for number, sheet in enumerate(pages, 1):
        lines = [line.strip() for line in (sheet.extract_text() or "").splitlines()
                 if line.strip()]
        # the running header (title, date) and the page number "Sida n av N"
        if not (lines and lines[0].startswith(title[:30])):
            problems.append(f"page {number}: no running title, starts {lines[:1]}")
        if f"Sida {number} av {len(pages)}" not in lines[:3]:
            problems.append(f"page {number}: no page number")
        content = [line for line in lines[2:] if not line.startswith("Sida ")]
        # a page holding a heading and its introduction only (its table or figure pushed
        # to the next page) has about five lines; the last page may hold a short table
        if len(content) < (3 if number == len(pages) else 8):
            problems.append(f"page {number}: only {content}")
        if content and content[-1] in headings:
            problems.append(f"page {number}: ends with the heading {content[-1]!r}")
    assert not problems, "\n".join(problems)
