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
def open_page(url: str, *, width: int = 1024) -> Iterator[tuple[Any, list[str], list[str]]]:
    """Open ``url``; yield the page, the list of requests made and of dialogs opened."""
    from playwright.sync_api import sync_playwright

    executable = require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            requests: list[str] = []
            dialogs: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url)
            page.wait_for_load_state("load")
            yield page, requests, dialogs
        finally:
            browser.close()


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
