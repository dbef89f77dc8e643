"""Tables a coordinator reads on a 360 px phone (follow-up of issue 16): the enkät response
table and the metod register as cards, the lägesbild, litteraturanalys and omvärldsbevakning
tables of which a phone would show at most half the columns as cards too, and the
provenance's paths and hashes.

Unit tests pin the markup (one real ``<table>``, ARIA table roles, each cell's column name
in ``data-label``, when a table becomes cards). Browser tests run the shipped notebooks,
open the briefings in headless Chromium at 360 px and check what a reader sees: every cell
of the two tables is on the screen, inside the page's width, under its column's name, with
nothing scrolling sideways; Chromium's accessibility tree still has the table with its
column headers and cells; at 1280 px and in print the tables are tables as before. In
every table of the shipped lägesbild, litteraturanalys and omvärldsbevakning briefings a
phone reader reads every cell without opening "Visa alla kolumner". The
provenance's file paths break only after their separators, and the shortened hash opens to
the whole SHA-256, compared with the input file's own hash (hashlib).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from browser import CHROMIUM_ARGS, axe_violations, measure_layout, require_browser
from research import report
from research.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
RESPONSE = "Svarsfrekvens per grupp"
REGISTER = "Metodregistret: metoder och deras evidensgrad"


# ---------------------------------------------------------------------------------------
# markup


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody")[1].split("</tbody>")[0]
    return [re.findall(r"<t[dh]([^>]*)>", row) for row in body.split("<tr")[2:]]


def test_cards_keep_one_table_with_roles_and_a_label_on_every_cell() -> None:
    df = pd.DataFrame({"Grupp": ["Utbildningsförvaltningen", "Övriga <grupper>"],
                       "Svarsfrekvens (%)": [61.5, 50.0], "Svarande": [160, 35]})
    html = report.table_html(df, "Svarsfrekvens", phone="cards")
    assert html.count("<table") == 1 and "Visa alla kolumner" not in html
    assert '<table class="research-table cards" role="table">' in html
    head = html.split("<tbody")[0]
    assert re.findall(r'<th scope="col" role="columnheader"[^>]*>([^<]*)</th>', head) == \
        ["Grupp", "Svarsfrekvens (%)", "Svarande"]
    for row in _rows(html):
        labels = [re.search(r'data-label="([^"]*)"', cell).group(1) for cell in row]
        assert labels == ["Grupp", "Svarsfrekvens (%)", "Svarande"]
        assert all('role="cell"' in cell for cell in row)
    assert "Övriga &lt;grupper&gt;" in html  # values are still escaped
    # row headers keep their scope and get the row header role
    indexed = report.table_html(df.set_index("Grupp"), "Svarsfrekvens", index=True,
                                phone="cards")
    assert '<th scope="row" role="rowheader" data-label="Grupp">Utbildningsförvaltningen' \
        in indexed


def test_a_table_becomes_cards_when_a_phone_would_show_at_most_half_its_columns() -> None:
    long_name = pd.DataFrame({"Grupp": ["Utbildningsförvaltningen"], "Svarsfrekvens (%)": [61.5],
                              "Svarande": [160], "Inbjudna": [260]})
    assert " cards" in report.table_html(long_name, "Svar")  # only "Grupp" would fit
    assert " cards" not in report.table_html(long_name, "Svar", phone="columns")
    short = pd.DataFrame({"Grupp": ["Skola"], "Svarande": [160], "Inbjudna": [260]})
    assert " cards" not in report.table_html(short, "Svar")  # every column fits
    assert "data-label" not in report.table_html(short, "Svar")


def _wide(columns: int) -> pd.DataFrame:
    """A table with a theme column and ``columns - 1`` count columns named like areas."""
    areas = ["Centrum", "Östra Hagen", "Sjöviken", "Norrbacka", "Västra Dalen", "Björkudden",
             "Hela kommunen", "Övriga"]
    return pd.DataFrame({"Tema": ["Våldsbejakande högerextremism", "Övrigt"],
                         "Totalt": [282, 12],
                         **{area: [21, 3] for area in areas[:columns - 2]}})


def _shown_on_a_phone(html: str) -> tuple[int, int]:
    head = html.split("<tbody")[0]
    headers = re.findall(r"<th scope=\"col\"[^>]*>", head)
    return sum("col-extra" not in h for h in headers), len(headers)


def test_a_theme_by_area_table_is_cards() -> None:
    """The lägesbild's theme × area table: a phone fitted "Tema" and "Totalt" of nine columns
    and hid the areas behind "Visa alla kolumner"; now every row is a card."""
    table = _wide(9)
    columns = report.table_html(table, "Rapporter per tema och stadsdel", phone="columns",
                                priority=["Tema", "Totalt"])
    fitting, total = _shown_on_a_phone(columns)
    assert total == 9 and 2 <= fitting <= 4 and "Visa alla kolumner (9)" in columns
    cards = report.table_html(table, "Rapporter per tema och stadsdel",
                              priority=["Tema", "Totalt"])
    assert " cards" in cards and "Visa alla kolumner" not in cards and "col-extra" not in cards
    assert cards.count('data-label="Centrum"') == 2 and cards.count("<table") == 1


@pytest.mark.parametrize(("fitting", "total", "rows", "layout"), [
    (1, 1, 3, "columns"),   # everything fits: a table
    (3, 3, 3, "columns"),
    (1, 2, 3, "cards"),     # one of two (the rule before: only the first column)
    (1, 4, 3, "cards"),
    (2, 3, 3, "columns"),   # more than half: a table, one column behind "Visa alla"
    (2, 4, 3, "cards"),     # half: cards (≤ 2 of ≥ 4)
    (2, 5, 3, "cards"),
    (2, 9, 13, "cards"),    # the lägesbild's theme × area tables
    (3, 5, 3, "columns"),
    (3, 6, 3, "cards"),
    (3, 7, 3, "cards"),
    (3, 8, 13, "cards"),    # the lägesbild's change table
    (4, 7, 3, "columns"),
    (4, 8, 3, "cards"),
    (5, 9, 3, "columns"),
    (2, 9, 0, "columns"),   # no rows to draw as cards
])
def test_the_auto_rule(fitting: int, total: int, rows: int, layout: str) -> None:
    assert report.phone_layout("auto", fitting=fitting, total=total, rows=rows) == layout
    # an explicit layout is kept, whatever fits
    assert report.phone_layout("columns", fitting=fitting, total=total, rows=rows) == "columns"
    assert report.phone_layout("cards", fitting=fitting, total=total, rows=rows) == "cards"


@pytest.mark.parametrize(("columns", "layout"), [(3, "columns"), (4, "columns"), (9, "cards")])
def test_table_html_follows_the_rule(columns: int, layout: str) -> None:
    html = report.table_html(_wide(columns), "Rapporter")
    fitting, total = _shown_on_a_phone(html) if " cards" not in html else (None, columns)
    assert (" cards" in html) == (layout == "cards"), (fitting, total)
    if layout == "columns":
        assert 2 * fitting > total


def test_more_than_half_stays_a_table_with_the_rest_behind_details() -> None:
    table = pd.DataFrame({"Fil": ["webofscience.bib"], "Poster": [114], "Status": ["läst"],
                          "Databas": ["Web of Science"], "Problem": [0]})
    html = report.table_html(table, "Inlästa exportfiler")
    assert _shown_on_a_phone(html) == (3, 5) and " cards" not in html
    assert "Visa alla kolumner (5)" in html


def test_an_empty_table_has_nothing_behind_details() -> None:
    table = _wide(9).head(0)
    html = report.table_html(table, "Rapporter", priority=["Tema", "Totalt"])
    assert " cards" not in html and "Visa alla kolumner" not in html
    assert "col-extra" in html  # the headers that do not fit stay off the phone


def test_an_unknown_phone_layout_is_refused_by_name() -> None:
    with pytest.raises(ParameterError, match="phone layout 'kort'") as err:
        report.table_html(pd.DataFrame({"a": [1]}), "Tabell", phone="kort")
    assert err.value.fields["parameter"] == "phone"


def test_the_renderer_keeps_the_card_labels_and_roles() -> None:
    from research.render import sanitize_output_html

    html = report.table_html(pd.DataFrame({"Grupp": ["A"], "n": [1]}), "T", phone="cards")
    clean = sanitize_output_html(html)
    assert 'data-label="Grupp"' in clean and 'role="cell"' in clean


# ---------------------------------------------------------------------------------------
# in Chromium


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The enkät and metod briefings of the shipped default parameter sets."""
    require_browser()
    from research.runs import run_notebook

    reports = tmp_path_factory.mktemp("reports")
    old = os.environ.get("RESEARCH_REPORTS_DIR")
    os.environ["RESEARCH_REPORTS_DIR"] = str(reports)
    try:
        found = {}
        for notebook in ("enkatanalys", "metodutvardering"):
            outcome = run_notebook(ROOT / "notebooks" / f"{notebook}.ipynb",
                                   parameter_files=[ROOT / "parameters" / notebook /
                                                    "default.yaml"], publish=False)
            assert outcome.succeeded, outcome.error
            found[notebook] = outcome.run_dir
    finally:
        if old is None:
            os.environ.pop("RESEARCH_REPORTS_DIR", None)
        else:
            os.environ["RESEARCH_REPORTS_DIR"] = old
    return found


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_browser(),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


CELLS_SCRIPT = r"""
(caption) => {
  const table = [...document.querySelectorAll('table')].find(t =>
    t.caption && t.caption.textContent.trim() === caption && !t.closest('details'));
  if (!table) return null;
  const wrap = table.closest('.table-wrap');
  const heads = [...table.querySelectorAll('thead th')].map(h => h.textContent.trim());
  const headerBoxes = [...table.querySelectorAll('thead th')].map(h => h.getBoundingClientRect());
  const rows = [];
  for (const tr of table.querySelectorAll('tbody tr')) {
    rows.push([...tr.children].map((cell, i) => {
      const box = cell.getBoundingClientRect(), style = getComputedStyle(cell);
      const before = getComputedStyle(cell, '::before');
      return {text: cell.textContent.trim(), header: heads[i], left: box.left,
              right: box.right, top: Math.round(box.top), width: box.width,
              height: box.height, display: style.display, visibility: style.visibility,
              clipped: cell.scrollWidth > cell.clientWidth + 1,
              label: before.content, labelShown: before.display !== 'none'};
    }));
  }
  return {heads, rows, tableDisplay: getComputedStyle(table).display,
          headerWidths: headerBoxes.map(b => b.width),
          scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
          wrapLeft: wrap.getBoundingClientRect().left,
          wrapRight: wrap.getBoundingClientRect().right,
          pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth};
}
"""


def _cells(page, caption: str) -> dict:
    found = page.evaluate(CELLS_SCRIPT, caption)
    assert found is not None, f"no table {caption!r}"
    return found


def _open(chromium, path: Path, width: int):
    page = chromium.new_page(viewport={"width": width, "height": 780})
    page.goto(path.resolve().as_uri())
    return page


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize(("notebook", "caption"), [("enkatanalys", RESPONSE),
                                                   ("metodutvardering", REGISTER)])
def test_every_cell_is_read_on_a_phone_without_scrolling_sideways(runs, chromium, notebook,
                                                                  caption) -> None:
    page = _open(chromium, runs[notebook] / "briefing.html", 360)
    try:
        table = _cells(page, caption)
        layout = measure_layout(page)
        snapshot = page.locator("table", has=page.locator("caption", has_text=caption)) \
            .first.aria_snapshot()
        violations = axe_violations(page)
    finally:
        page.close()
    assert table["pageWidth"] <= 360 and not table["scrolls"], table["pageWidth"]
    assert len(table["heads"]) >= 4 and len(table["rows"]) >= 5
    problems = []
    for number, row in enumerate(table["rows"], 1):
        assert len(row) == len(table["heads"]), f"row {number}: {len(row)} cells"
        for cell in row:
            where = f"row {number} {cell['header']!r} ({cell['text'][:30]!r})"
            if cell["display"] == "none" or cell["visibility"] == "hidden" or \
                    cell["width"] < 1 or cell["height"] < 1:
                problems.append(f"{where}: not shown")
            if cell["left"] < table["wrapLeft"] - 0.5 or cell["right"] > table["wrapRight"] + 0.5 \
                    or cell["right"] > 360:
                problems.append(f"{where}: outside the screen ({cell['left']:.0f}–"
                                f"{cell['right']:.0f} px)")
            if cell["clipped"]:
                problems.append(f"{where}: text cut")
            # the column's name shown above the value, with "" as its alternative text
            if not cell["labelShown"] or cell["label"] not in (f'"{cell["header"]}" / ""',
                                                               f'"{cell["header"]}"'):
                problems.append(f"{where}: label {cell['label']!r}")
    assert problems == [], "\n".join(problems)
    # what the layout benchmark and test_briefing_layout measure agrees
    measured = [t for t in layout["tables"] if t["caption"] == caption[:70]]
    assert measured and not measured[0]["scrolls"]
    # the accessibility tree still holds a table: its caption, column headers and cells
    assert f'table "{caption}"' in snapshot.splitlines()[0], snapshot[:200]  # YAML may quote
    for header in table["heads"]:
        assert f'columnheader "{header}"' in snapshot, header
    # each cell named by its value alone: the shown column name is not read a second time
    first = table["rows"][0][0]["text"]
    assert re.search(rf'- (cell|rowheader) "{re.escape(first)}"', snapshot), snapshot[:600]
    assert violations == [], violations


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize(("notebook", "caption"), [("enkatanalys", RESPONSE),
                                                   ("metodutvardering", REGISTER)])
def test_on_a_desktop_and_in_print_the_cards_are_a_table(runs, chromium, notebook,
                                                         caption) -> None:
    page = _open(chromium, runs[notebook] / "briefing.html", 1280)
    try:
        desktop = _cells(page, caption)
        page.emulate_media(media="print")
        printed = _cells(page, caption)
    finally:
        page.close()
    for view in (desktop, printed):
        assert view["tableDisplay"] == "table"
        assert min(view["headerWidths"]) > 20  # the header row is shown
        for row in view["rows"]:
            assert len({cell["top"] for cell in row}) == 1  # one line of cells per row
            assert all(not cell["labelShown"] or cell["label"] in ("none", "normal")
                       for cell in row)


PATHS_SCRIPT = r"""
() => {
  const out = {broken: [], paths: 0, digests: []};
  for (const cell of document.querySelectorAll('.provenance td.path')) {
    out.paths += 1;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      // a text node ends at a <wbr> after a separator: each of its words stays on one line
      for (const m of n.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 1)
                             .map(r => Math.round(r.top)));
        if (tops.size > 1) out.broken.push(m[0]);
      }
    }
  }
  for (const details of document.querySelectorAll('.provenance details.digest')) {
    const row = details.closest('tr');
    const code = details.querySelector('summary code');
    const lines = new Set([...code.getClientRects()].map(r => Math.round(r.top))).size;
    details.open = true;
    const whole = details.querySelector(':scope > code');
    const box = whole.getBoundingClientRect();
    out.digests.push({path: row.querySelector('td.path').textContent, shown: code.textContent,
                      title: code.getAttribute('title'), whole: whole.textContent,
                      lines, right: box.right});
    details.open = false;
  }
  out.pageWidth = document.documentElement.scrollWidth;
  return out;
}
"""


@pytest.mark.e2e
@pytest.mark.browser
def test_provenance_paths_break_after_separators_and_hashes_open_whole(runs, chromium) -> None:
    import json

    run = runs["enkatanalys"]
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    page = _open(chromium, run / "briefing.html", 360)
    try:
        found = page.evaluate(PATHS_SCRIPT)
    finally:
        page.close()
    assert found["paths"] >= 3 and found["broken"] == [], found["broken"]
    assert found["pageWidth"] <= 360
    assert len(found["digests"]) == len(manifest["inputs"])
    for digest in found["digests"]:
        # the file's own SHA-256, not the manifest's copy of it
        path = Path(digest["path"])
        whole = hashlib.sha256((path if path.is_absolute() else ROOT / path).read_bytes())
        assert digest["whole"] == digest["title"] == whole.hexdigest(), digest["path"]
        assert digest["shown"] == whole.hexdigest()[:8] + "…" and digest["lines"] == 1
        assert digest["right"] <= 360, digest


# ---------------------------------------------------------------------------------------
# the shipped lägesbild, litteraturanalys and omvärldsbevakning briefings (shared runs)

PHONE_BRIEFINGS = ["lagesbild/default", "lagesbild/manad", "litteraturanalys/default",
                   "omvarldsbevakning/default", "omvarldsbevakning/nationella_kallor"]

# Tables of which a 360 px phone showed at most half the columns (2 of 9, 3 of 8, 2 of 5 …)
# with the rest behind "Visa alla kolumner", or hid what the caption promises: now cards
# (caption starts).
NOW_CARDS = {
    "lagesbild/default": ["Rapporter per tema och stadsdel", "Förändring per tema",
                          "Rapporter per tema och rapporterande verksamhet",
                          "Lokala rapporter och omvärldsbevakning per tema",
                          "Rapporter per tema i hela kommunen, de senaste perioderna"],
    "lagesbild/manad": ["Rapporter per tema och stadsdel", "Förändring per tema",
                        "Rapporter per tema och rapporterande verksamhet",
                        "Rapporter per tema i hela kommunen, de senaste perioderna"],
    "litteraturanalys/default": ["Inlästa exportfiler", "Alla inlästa poster",
                                 "Sammanslagna dubblettgrupper", "Osäkra dubblettpar",
                                 "Högst rangordnade", "Ämnen med toppord"],
    "omvarldsbevakning/default": ["Poster per tema: perioden mot baslinjen", "Ord som ökar",
                                  "Nyheter som bärs av minst två källor",
                                  "Klassificerarens korsvaliderade", "Källornas status",
                                  "Temanas precision", "Var temana missade"],
    "omvarldsbevakning/nationella_kallor": ["Poster per tema: perioden mot baslinjen",
                                            "Källornas status", "Temanas precision",
                                            "Var temana missade"],
}
# caption start → columns a phone may leave behind "Visa alla kolumner" (truly secondary):
# none in these briefings
SECONDARY: dict[str, set[str]] = {}

PHONE_SCRIPT = r"""
() => {
  const out = [];
  for (const table of document.querySelectorAll('table.research-table')) {
    if (table.closest('details')) continue;
    const wrap = table.closest('.table-wrap');
    const cards = table.classList.contains('cards');
    const heads = [...table.querySelectorAll('thead th')];
    const shown = heads.filter(h => getComputedStyle(h).display !== 'none');
    const wrapBox = wrap.getBoundingClientRect();
    const cells = [];
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((cell, i) => {
        const box = cell.getBoundingClientRect(), style = getComputedStyle(cell);
        cells.push({header: heads[i] ? heads[i].textContent.trim() : '',
                    text: cell.textContent.trim(), display: style.display,
                    width: box.width, left: box.left, right: box.right,
                    clipped: cell.scrollWidth > cell.clientWidth + 1,
                    label: getComputedStyle(cell, '::before').content});
      });
    }
    out.push({caption: table.caption ? table.caption.textContent.trim() : '', cards,
              heads: heads.map(h => h.textContent.trim()),
              shown: shown.map(h => h.textContent.trim()),
              rows: table.querySelectorAll('tbody tr').length,
              details: !!(wrap.nextElementSibling &&
                          wrap.nextElementSibling.matches('details.table-all')),
              display: getComputedStyle(table).display,
              rowTops: [...table.querySelectorAll('tbody tr')].map(tr =>
                new Set([...tr.children].map(c => Math.round(c.getBoundingClientRect().top))).size),
              scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
              wrapLeft: wrapBox.left, wrapRight: wrapBox.right, cells});
  }
  return {tables: out, pageWidth: document.documentElement.scrollWidth};
}
"""


def _phone_tables(chromium, path: Path, width: int, *, print_media: bool = False) -> dict:
    page = _open(chromium, path, width)
    try:
        if print_media:
            page.emulate_media(media="print")
        return page.evaluate(PHONE_SCRIPT)
    finally:
        page.close()


def _by_caption(tables: list[dict], start: str) -> dict:
    found = [t for t in tables if t["caption"].startswith(start)]
    assert found, f"no table {start!r} in {[t['caption'][:40] for t in tables]}"
    return found[0]


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("name", PHONE_BRIEFINGS)
def test_a_phone_reader_reads_every_cell_without_opening_details(shipped_runs, chromium,
                                                                 name) -> None:
    found = _phone_tables(chromium, shipped_runs.briefing(name), 360)
    assert found["pageWidth"] <= 360, found["pageWidth"]
    problems = []
    for table in found["tables"]:
        caption = table["caption"][:50]
        if table["scrolls"]:
            problems.append(f"{caption}: scrolls sideways")
        if not table["rows"]:
            continue  # nothing to read; an empty table has no "Visa alla kolumner" either
        hidden = [] if table["cards"] else \
            [h for h in table["heads"] if h not in table["shown"]]
        allowed = next((c for s, c in SECONDARY.items() if table["caption"].startswith(s)),
                       set())
        if hidden and (2 * len(table["shown"]) <= len(table["heads"]) or
                       not set(hidden) <= allowed):
            problems.append(f"{caption}: a phone shows {len(table['shown'])} of "
                            f"{len(table['heads'])} columns, {hidden} behind 'Visa alla'")
        for cell in table["cells"]:
            where = f"{caption}: {cell['header']!r} ({cell['text'][:25]!r})"
            if cell["display"] == "none" or cell["width"] < 1:
                if cell["header"] not in allowed:
                    problems.append(f"{where}: not shown")
                continue
            if cell["left"] < table["wrapLeft"] - 0.5 or cell["right"] > table["wrapRight"] + 0.5 \
                    or cell["right"] > 360:
                problems.append(f"{where}: outside the screen")
            if cell["clipped"]:
                problems.append(f"{where}: text cut")
            if table["cards"] and cell["label"] not in (f'"{cell["header"]}" / ""',
                                                        f'"{cell["header"]}"'):
                problems.append(f"{where}: label {cell['label']!r}")
    for start in NOW_CARDS[name]:
        table = _by_caption(found["tables"], start)
        if not table["cards"] or table["details"]:
            problems.append(f"{start}: not cards on a phone")
    assert problems == [], "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("name", ["lagesbild/default", "litteraturanalys/default",
                                  "omvarldsbevakning/default"])
def test_on_a_desktop_and_in_print_the_new_cards_are_tables(shipped_runs, chromium,
                                                            name) -> None:
    path = shipped_runs.briefing(name)
    for view in (_phone_tables(chromium, path, 1280),
                 _phone_tables(chromium, path, 1280, print_media=True)):
        for start in NOW_CARDS[name]:
            table = _by_caption(view["tables"], start)
            assert table["display"] == "table", start
            assert table["shown"] == table["heads"], start  # every column, as before
            assert set(table["rowTops"]) == {1}, start  # one line of cells per row
            assert all(cell["label"] in ("none", "normal") for cell in table["cells"]), start
