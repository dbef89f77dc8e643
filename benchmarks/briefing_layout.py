"""How the shipped briefings look on a phone, a desktop and A4 paper (issue 16).

Runs every notebook with every parameter set under ``parameters/`` into a scratch reports
folder (``--reports``; skipped with ``--no-run`` when the folder already holds a published
site), publishes the catalogue, then opens each published briefing in headless Chromium:

- smallest rendered figure text in CSS px at 360 px and 1280 px (inline SVG text measured
  as drawn; for raster figures the shrink factor natural → shown, and the text size it gives
  for 10 pt text drawn at 144 dpi, the old default);
- where the first finding ends at 360 × 780 (visible without scrolling when ≤ 780);
- tables at 360 px: how many need sideways scrolling, and the columns visible before it;
- mentions of "CSV" that are not a working link;
- A4 print: pages printed (``page.pdf``) and how far content reaches beyond the page width.

Command: ``.venv/bin/python benchmarks/briefing_layout.py --reports /tmp/layout/after``
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import (CHROMIUM_ARGS, chromium_path, csv_link_problems, measure_layout,  # noqa: E402
                     pdf_pages, print_overflow)


def run_all(reports: Path) -> None:
    os.environ["RESEARCH_REPORTS_DIR"] = str(reports)
    from research.publish import publish
    from research.runs import run_notebook

    for params in sorted((ROOT / "parameters").glob("*/*.yaml")):
        notebook = ROOT / "notebooks" / f"{params.parent.name}.ipynb"
        if notebook.is_file():
            outcome = run_notebook(notebook, parameter_files=[params], publish=False)
            print(f"ran {params.relative_to(ROOT)}: {'ok' if outcome.succeeded else outcome.error}")
    publish(reports)


def briefings(reports: Path) -> dict[str, Path]:
    """The newest successful run's briefing per notebook and parameter set (measured in the
    run directory, where its tables are too: publishing may withhold a run)."""
    import json

    found: dict[str, Path] = {}
    for manifest in sorted((reports / "runs").glob("*/*/manifest.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("status") == "succeeded" and (manifest.parent / "briefing.html").is_file():
            name = f"{manifest.parent.parent.name}/{data.get('parameter_set') or data.get('label')}"
            found[name] = manifest.parent / "briefing.html"  # run ids sort by time
    return dict(sorted(found.items()))


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def figure_text(m: dict) -> str:
    if m["svgMin"] is not None:
        return f"{fmt(m['svgMin'])} ({m['svgMinText'][:18]!r})"
    if m["images"]:
        scale = min(i["shown"] / i["natural"] for i in m["images"] if i["natural"])
        return f"≈ {fmt(10 * 2 * scale)} (PNG ×{fmt(scale, 2)})"
    return "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, required=True)
    parser.add_argument("--no-run", action="store_true", help="measure the published site as is")
    args = parser.parse_args()
    if not args.no_run:
        run_all(args.reports.resolve())
    site = args.reports / "site"
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for name, path in briefings(args.reports).items():
            page = browser.new_page(viewport={"width": 360, "height": 780})
            page.goto(path.resolve().as_uri())
            phone = measure_layout(page)
            problems = csv_link_problems(path, phone["csv"])
            overflow = print_overflow(page)
            pages = pdf_pages(page.pdf(format="A4", print_background=True,
                                       prefer_css_page_size=True))
            page.set_viewport_size({"width": 1280, "height": 800})
            desktop = measure_layout(page)
            page.close()
            tables = phone["tables"]
            scrolling = sum(t["scrolls"] for t in tables)
            narrow = [f"{t['fit']}/{t['columns']}" for t in tables if t["fit"] < t["columns"]]
            rows.append((name, figure_text(phone), figure_text(desktop),
                         fmt(phone["firstFinding"], 0), f"{scrolling}/{len(tables)}",
                         ", ".join(narrow[:6]) or "all", f"{len(problems)}/{len(phone['csv'])}",
                         str(pages), str(overflow["overflow"])))
        for name in ("index.html", "arkiv.html"):
            page = browser.new_page(viewport={"width": 360, "height": 780})
            page.goto((site / name).resolve().as_uri())
            m = measure_layout(page)
            rows.append((name, "–", "–", "–",
                         f"{sum(t['scrolls'] for t in m['tables'])}/{len(m['tables'])}",
                         f"page {m['scrollWidth']} px wide", "–", "–", "–"))
            page.close()
        browser.close()
    header = ("briefing", "min figure text 360 px", "min figure text 1280 px",
              "first finding ends (px, 360×780)", "tables scrolling sideways (360 px)",
              "columns visible / all, cut tables", "CSV mentions not linked / all",
              "A4 pages", "print overflow (px)")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
