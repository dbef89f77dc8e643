"""Headless Chromium for tests: Debian's chromium driven by Playwright, axe-core inside."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


def chromium_path() -> str | None:
    """Debian's Chromium (or $RESEARCH_CHROMIUM)."""
    for candidate in (os.environ.get("RESEARCH_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def axe_source() -> str:
    """axe-core: the npm package installed by .ci/run, else the copy axe-playwright-python ships."""
    npm = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if npm.is_file():
        return npm.read_text(encoding="utf-8")
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def require_browser() -> str:
    """The Chromium path; in CI a missing browser fails instead of skipping."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium not installed: apt-get install chromium")
    return path


@contextmanager
def open_page(url: str, *, width: int = 1024,
              browser: Any = None) -> Iterator[tuple[Any, list[str], list[str]]]:
    """Open ``url``; yield the page, the list of requests made and of dialogs opened.
    With ``browser`` (an open Chromium, e.g. the tests' ``chromium`` fixture) the page is
    opened there, in a new context of its own; otherwise a Chromium is started for it."""
    if browser is not None:
        page = browser.new_page(viewport={"width": width, "height": 800})
        try:
            yield _watched(page, url)
        finally:
            page.close()
        return
    from playwright.sync_api import sync_playwright

    executable = require_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield _watched(chromium.new_page(viewport={"width": width, "height": 800}), url)
        finally:
            chromium.close()


def _watched(page: Any, url: str) -> tuple[Any, list[str], list[str]]:
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests, dialogs


def external_requests(requests: list[str], url: str) -> list[str]:
    """Requests other than the page itself and inline data."""
    return [r for r in requests if r != url and not r.startswith("data:")]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core with the WCAG 2.1 A/AA rules; return the violations."""
    page.evaluate(axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"][:3]]}
            for v in result["violations"]]


# ---------------------------------------------------------------------------------------
# layout measurements shared by tests/test_briefing_layout.py and benchmarks/briefing_layout.py

A4_CONTENT_WIDTH_PX = round((210 - 2 * 16) / 25.4 * 96)  # A4 minus the 16 mm side margins
A4_LANDSCAPE_WIDTH_PX = round((297 - 2 * 16) / 25.4 * 96)

LAYOUT_SCRIPT = r"""
() => {
  const visible = (e) => {
    const closed = e.closest('details:not([open])');
    if (closed && !e.closest('summary')) return false;  // inside a closed <details>
    return e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  };
  // smallest figure text: inline SVG text measured as rendered (font size × screen scale)
  let svgMin = null, svgCount = 0, svgMinText = '';
  for (const t of document.querySelectorAll('figure svg text, figure svg tspan')) {
    if (!visible(t) || !t.textContent.trim()) continue;
    const m = t.getScreenCTM();
    if (!m) continue;
    const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    svgCount += 1;
    if (svgMin === null || size < svgMin) { svgMin = size; svgMinText = t.textContent.trim().slice(0, 40); }
  }
  // raster figures: how much the browser shrinks them (natural px → CSS px)
  const images = [...document.querySelectorAll('figure img')].filter(visible).map(i => ({
    natural: i.naturalWidth, shown: i.getBoundingClientRect().width}));
  // first finding: the first list item after the "Sammanfattning" heading
  const heading = [...document.querySelectorAll('h2')].find(
    h => h.textContent.trim().startsWith('Sammanfattning'));
  let firstFinding = null, keyFigures = null;
  if (heading) {
    const li = document.evaluate('following::li[1]', heading, null,
      XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    if (li) firstFinding = li.getBoundingClientRect().bottom + window.scrollY;
    const kf = document.evaluate('following::*[contains(@class, "key-figures")][1]', heading,
      null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    if (kf) keyFigures = kf.getBoundingClientRect().bottom + window.scrollY;
  }
  // tables: columns visible before sideways scrolling
  const tables = [];
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    if (!visible(wrap)) continue;
    const table = wrap.querySelector('table');
    if (!table) continue;
    const right = wrap.getBoundingClientRect().right + 1;
    const heads = [...table.querySelectorAll('thead tr:last-child th')];
    const shown = heads.filter(visible);
    tables.push({
      caption: (table.caption ? table.caption.textContent : '').trim().slice(0, 70),
      columns: heads.length, rendered: shown.length,
      fit: shown.filter(h => h.getBoundingClientRect().right <= right).length,
      scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
    });
  }
  // every mention of "CSV" in visible text: is it (inside) a link, and to what?
  const csv = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!/CSV/.test(n.textContent) || !n.parentElement || !visible(n.parentElement)) continue;
    if (n.parentElement.closest('script, style, code, pre')) continue;
    const a = n.parentElement.closest('a[href]');
    csv.push({text: n.textContent.trim().slice(0, 80), href: a ? a.getAttribute('href') : null});
  }
  return {svgMin, svgMinText, svgCount, images, firstFinding, keyFigures, tables, csv,
          scrollWidth: document.documentElement.scrollWidth};
}
"""

PRINT_OVERFLOW_SCRIPT = r"""
([width, landscape]) => {
  let worst = 0, what = '';
  for (const e of document.querySelectorAll('body *')) {
    if (!e.getClientRects().length) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // wide tables are printed on landscape pages (research.css: page: landscape)
    const limit = e.closest('.output-html:has(table.wide)') ? landscape : width;
    if (r.right - limit > worst) { worst = r.right - limit; what = e.tagName + '.' + e.className; }
  }
  return {overflow: Math.round(worst), what};
}
"""


def measure_layout(page: Any) -> dict[str, Any]:
    """Figure text, first finding, table columns and CSV mentions of the open page."""
    return page.evaluate(LAYOUT_SCRIPT)


def print_overflow(page: Any) -> dict[str, Any]:
    """How far (CSS px) anything reaches beyond an A4 page's text width when printed."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_CONTENT_WIDTH_PX, "height": 1000})
    try:
        return page.evaluate(PRINT_OVERFLOW_SCRIPT, [A4_CONTENT_WIDTH_PX, A4_LANDSCAPE_WIDTH_PX])
    finally:  # back to no emulation: page.pdf() after media="screen" would print screen CSS
        page.emulate_media(media="no-override")


def csv_link_problems(page_path: Path, mentions: list[dict[str, Any]]) -> list[str]:
    """Mentions of "CSV" that are no link, or link to a file that is not there."""
    problems = []
    for mention in mentions:
        href = mention.get("href")
        if not href:
            problems.append(f"no link: {mention['text']!r}")
            continue
        target = (page_path.parent / href.split("#")[0]).resolve()
        if not href.endswith(".csv") or not target.is_file():
            problems.append(f"broken link {href!r}: {mention['text']!r}")
    return problems


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
