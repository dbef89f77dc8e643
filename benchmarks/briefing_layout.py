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
- A4 print: pages printed (``page.pdf``) and how far content reaches beyond the page width;
- the page's full height at 360 px and at 1280 px (how far a reader scrolls).

Command: ``.venv/bin/python benchmarks/briefing_layout.py --reports /tmp/layout/after``

``--figure-speed REV`` instead times ``show_figure`` (both drawings, CPU seconds, best of
three, and the layout passes it makes) on the heaviest shipped figures, for the tree at git
revision ``REV`` and for this tree, one after the other in one run, and prints the ratio.
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


SPEED_SCRIPT = r"""
import json, time, warnings
warnings.simplefilter("ignore")
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
import research.report.display as display
from research import evaluation, situation
from research.paths import resolve

display._display = lambda *args, **kwargs: None
draws = [0]
real_draw = Figure.draw


def counted(self, renderer):
    draws[0] += 1
    return real_draw(self, renderer)


Figure.draw = counted
reports = situation.load_reports(resolve("data/sample/lagesbild/rapporter.csv"), schema="",
                                 as_of="2026-09-30")
picture = situation.build_picture(reports, period="quarter", min_cell=5)
analysis = evaluation.analyse(resolve("data/sample/metod/utvarderingar.csv"), measure="RR",
                              method="REML", knapp_hartung=False, moderator="setting",
                              method_name="Mentorskap", favourable="lower",
                              register=resolve("data/sample/metoder.yaml"))
figures = {"lägesbild trend chart, 12 panels": lambda: situation.trend_figure(picture),
           "lägesbild heatmap": lambda: situation.heatmap_figure(picture),
           "metodutvärdering forest plot": analysis.forest_plot,
           "metodutvärdering funnel plot": analysis.funnel_plot}
result = {}
for name, make in figures.items():
    best = None
    for _ in range(3):
        fig = make()
        draws[0] = 0
        start = time.process_time()
        display.show_figure(fig)
        seconds = time.process_time() - start
        best = seconds if best is None else min(best, seconds)
    result[name] = [best, draws[0]]
print(json.dumps(result))
"""


def figure_speed(revision: str) -> None:
    """show_figure's CPU time and layout passes at ``revision`` and in this tree."""
    import json
    import subprocess
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        archive = subprocess.run(["git", "archive", revision, "src/research"], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        import io

        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(scratch, filter="data")
        timings = {}
        for label, source in ((revision, Path(scratch) / "src"), ("this tree", ROOT / "src")):
            env = {**os.environ, "PYTHONPATH": str(source), "RESEARCH_PROJECT_ROOT": str(ROOT)}
            done = subprocess.run([sys.executable, "-c", SPEED_SCRIPT], env=env, check=True,
                                  capture_output=True, text=True)
            timings[label] = json.loads(done.stdout.strip().splitlines()[-1])
    old, new = timings[revision], timings["this tree"]
    print(f"| figure | {revision}: CPU s (layout passes) | this tree: CPU s (layout passes) "
          "| ratio |")
    print("| --- | --- | --- | --- |")
    for name in new:
        (a, a_draws), (b, b_draws) = old[name], new[name]
        print(f"| {name} | {fmt(a, 2)} ({a_draws}) | {fmt(b, 2)} ({b_draws}) "
              f"| {fmt(b / a, 2)} |")


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def figure_text(m: dict) -> str:
    if m["svgMin"] is not None:
        return f"{fmt(m['svgMin'])} ({m['svgMinText'][:18]!r})"
    if m["images"]:
        scale = min(i["shown"] / i["natural"] for i in m["images"] if i["natural"])
        return f"≈ {fmt(10 * 2 * scale)} (PNG ×{fmt(scale, 2)})"
    return "–"


#: The page's full height in CSS px (how far a reader scrolls).
PAGE_HEIGHT = "document.documentElement.scrollHeight"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--no-run", action="store_true", help="measure the published site as is")
    parser.add_argument("--figure-speed", metavar="REV",
                        help="time show_figure at git revision REV and in this tree instead")
    args = parser.parse_args()
    if args.figure_speed:
        figure_speed(args.figure_speed)
        return
    if args.reports is None:
        parser.error("--reports is required (or --figure-speed REV)")
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
            phone_height = page.evaluate(PAGE_HEIGHT)
            problems = csv_link_problems(path, phone["csv"])
            overflow = print_overflow(page)
            pages = pdf_pages(page.pdf(format="A4", print_background=True,
                                       prefer_css_page_size=True))
            page.set_viewport_size({"width": 1280, "height": 800})
            desktop = measure_layout(page)
            desktop_height = page.evaluate(PAGE_HEIGHT)
            page.close()
            tables = phone["tables"]
            scrolling = sum(t["scrolls"] for t in tables)
            narrow = [f"{t['fit']}/{t['columns']}" for t in tables if t["fit"] < t["columns"]]
            rows.append((name, figure_text(phone), figure_text(desktop),
                         fmt(phone["firstFinding"], 0), f"{scrolling}/{len(tables)}",
                         ", ".join(narrow[:6]) or "all", f"{len(problems)}/{len(phone['csv'])}",
                         str(pages), str(overflow["overflow"]),
                         f"{phone_height:,} / {desktop_height:,}".replace(",", "\u00a0")))
        for name in ("index.html", "arkiv.html"):
            page = browser.new_page(viewport={"width": 360, "height": 780})
            page.goto((site / name).resolve().as_uri())
            m = measure_layout(page)
            rows.append((name, "–", "–", "–",
                         f"{sum(t['scrolls'] for t in m['tables'])}/{len(m['tables'])}",
                         f"page {m['scrollWidth']} px wide", "–", "–", "–", "–"))
            page.close()
        browser.close()
    header = ("briefing", "min figure text 360 px", "min figure text 1280 px",
              "first finding ends (px, 360×780)", "tables scrolling sideways (360 px)",
              "columns visible / all, cut tables", "CSV mentions not linked / all",
              "A4 pages", "print overflow (px)", "page height 360 / 1280 px")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
