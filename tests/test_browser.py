"""Real briefings and the real index in headless Chromium: no request leaves the page, no
script from data runs, axe-core finds no WCAG 2.1 A/AA violation, readable at 360 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import axe_violations, external_requests, open_page, require_browser
from conftest import reports_folder
from notebook_factory import failing_notebook, tiny_notebook
from research.runs import run_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HOSTILE = ("<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"
           "<a href=\"javascript:window.__pwned=3\">klick</a>")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One successful hostile-parameter run and one failed run, published."""
    require_browser()
    folder = tmp_path_factory.mktemp("nb")
    with reports_folder(tmp_path_factory.mktemp("reports")) as reports:
        ok = run_notebook(tiny_notebook(folder), overrides={"note": HOSTILE}, run_id="ok",
                          publish=False)
        assert ok.succeeded, ok.error
        bad = run_notebook(failing_notebook(folder), run_id="bad", publish=True)
        assert not bad.succeeded
    return reports


def _pages(reports: Path) -> dict[str, Path]:
    site = reports / "site"
    return {
        "briefing": site / "briefings" / "tiny" / "standard" / "ok" / "index.html",
        "failed": reports / "runs" / "failing" / "bad" / "briefing.html",
        "index": site / "index.html",
        "archive": site / "arkiv.html",
    }


@pytest.mark.parametrize("which", ["briefing", "failed", "index", "archive"])
def test_page_is_self_contained_safe_and_accessible(published: Path, chromium,
                                                    which: str) -> None:
    path = _pages(published)[which]
    assert path.is_file(), path
    url = path.resolve().as_uri()
    with open_page(url, browser=chromium) as (page, requests, dialogs):
        assert external_requests(requests, url) == []
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
        assert page.evaluate("document.documentElement.lang") == "sv"
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        assert page.title()
        assert page.evaluate("document.querySelectorAll('main').length") == 1
        violations = axe_violations(page)
        assert violations == [], violations


def test_hostile_text_shows_as_text(published: Path, chromium) -> None:
    url = _pages(published)["briefing"].resolve().as_uri()
    with open_page(url, browser=chromium) as (page, _, dialogs):
        text = page.inner_text("main")
        assert "<script>window.__pwned=1</script>" in text
        assert page.evaluate("document.querySelectorAll('main script, main img[onerror], "
                             "a[href^=\"javascript\"]').length") == 0
        assert page.evaluate("window.__pwned") is None and dialogs == []


def test_figures_have_swedish_alt_text(published: Path, chromium) -> None:
    url = _pages(published)["briefing"].resolve().as_uri()
    with open_page(url, browser=chromium) as (page, _, _):
        alts = page.evaluate("[...document.querySelectorAll('figure svg[role=img]')]"
                             ".map(s => s.getAttribute('aria-label'))")
        assert alts and all(a.startswith("Linjediagram") for a in alts)
        # real text in the drawing, named once more by its <title>
        assert page.evaluate("document.querySelectorAll('figure svg text').length") > 0
        assert page.evaluate("[...document.querySelectorAll('figure svg > title')]"
                             ".every(t => t.textContent.startsWith('Linjediagram'))")
        assert "No description has been provided" not in page.content()


def test_readable_on_a_360px_phone(published: Path, chromium) -> None:
    url = _pages(published)["briefing"].resolve().as_uri()
    with open_page(url, width=360, browser=chromium) as (page, _, _):
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, f"page is {overflow}px wide on a 360px screen"
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('.toc')).display") == "none"
