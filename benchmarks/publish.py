"""Benchmark: ``research publish`` as the catalogue grows (target: ≤ 2 s with 10,000 runs).

Makes one real run of ``tests/fixtures/batch/ok.ipynb`` with ``research run``, then fills a
temporary reports folder with ``--runs`` copies of it: 290 fictional municipalities × a few
notebook kinds, declared parameter sets, start times spread over two years, 3 % failed
runs, 5 % drafts. Briefings are hard links of the real one (the publisher links them into
the site anyway), and every run already has its ``briefing.pdf`` (a placeholder file), as
in a catalogue where each run was printed when it was first published (the files are
left 2.5 s to settle, as the publisher never trusts a file changed in the last two seconds
to its caches). Times the whole
``research publish --reports …`` command (a subprocess, start-up included): the first
publish (every briefing scanned for personal identity numbers, caches written), then
``--repeat`` more publishes of the unchanged catalogue (wall and CPU time of each), then
one publish after ``--new``
new runs without a PDF (Chromium prints them: the cost per new run).

    .venv/bin/python benchmarks/publish.py [--runs 10000] [--repeat 3] [--new 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESEARCH = str(Path(sys.executable).with_name("research"))
KINDS = ("lagesbild", "enkatanalys", "omvarldsbevakning", "metodutvardering")


def _template_run(work: Path) -> Path:
    reports = work / "template"
    env = {**os.environ, "RESEARCH_REPORTS_DIR": str(reports)}
    subprocess.run([RESEARCH, "run", str(ROOT / "tests/fixtures/batch/ok.ipynb"),
                    "--no-publish"], check=True, env=env, capture_output=True)
    return next((reports / "runs" / "ok").iterdir())


def fill(reports: Path, template: Path, runs: int, *, first: int = 0, pdf: bool = True) -> None:
    """``runs`` run directories under ``reports/runs`` made from ``template`` (numbered from
    ``first``; with a placeholder ``briefing.pdf`` unless ``pdf`` is false)."""
    sys.path.insert(0, str(ROOT / "src"))
    from research.orchestration.samples import fictional_municipalities

    towns = fictional_municipalities(290)
    manifest = json.loads((template / "manifest.json").read_text(encoding="utf-8"))
    start = dt.datetime(2025, 1, 1, 6, tzinfo=dt.timezone.utc)
    placeholder = template.parent / "placeholder.pdf"
    if not placeholder.exists():
        placeholder.write_bytes(b"%PDF-1.4\n% placeholder for the benchmark\n%%EOF\n")
    for number in range(first, first + runs):
        town = towns[number % len(towns)]
        kind = KINDS[(number // len(towns)) % len(KINDS)]
        when = start + dt.timedelta(minutes=105 * number)
        run_id = f"{when:%Y%m%dT%H%M%SZ}-{town.lower()}-{number:05d}"
        run_dir = reports / "runs" / kind / run_id
        run_dir.mkdir(parents=True)
        os.link(template / "briefing.html", run_dir / "briefing.html")
        os.link(template / "notebook.ipynb", run_dir / "notebook.ipynb")
        if pdf:
            os.link(placeholder, run_dir / "briefing.pdf")
        draft = number % 20 == 7
        entry = dict(manifest, run_id=run_id, notebook_stem=kind, label=town,
                     parameter_set=None if draft else town,
                     status="failed" if number % 33 == 5 else "succeeded",
                     started=when.isoformat(timespec="seconds"),
                     finished=(when + dt.timedelta(seconds=40)).isoformat(timespec="seconds"),
                     parameters={"kunskapshus": f"Kunskapshus {town}"},
                     briefing=dict(manifest.get("briefing") or {},
                                   kunskapshus=f"Kunskapshus {town}"))
        if entry["status"] == "failed":
            entry["error"] = {"name": "ValueError", "message": "avsiktligt fel", "cell_index": 4}
        (run_dir / "manifest.json").write_text(json.dumps(entry, ensure_ascii=False),
                                               encoding="utf-8")


CPU: list[float] = []  # CPU seconds (user + system) of each publish, beside its wall time


def timed_publish(reports: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([RESEARCH, "publish", "--reports", str(reports)],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"research publish failed:\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--new", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as temp:
        work = Path(temp)
        template = _template_run(work)
        reports = work / "reports"
        t0 = time.perf_counter()
        fill(reports, template, args.runs)
        print(f"made {args.runs} runs in {time.perf_counter() - t0:.1f} s", flush=True)
        # a real catalogue's runs were written long before; files changed in the last two
        # seconds are never trusted to the publisher's caches (research.publish.settled)
        time.sleep(2.5)
        first = timed_publish(reports)
        print(f"first publish (scans every briefing, writes caches): {first:.2f} s", flush=True)
        again = [timed_publish(reports) for _ in range(args.repeat)]
        print("each: " + ", ".join(f"{t:.2f} s" for t in again) + " (CPU: " +
              ", ".join(f"{t:.2f} s" for t in CPU[-len(again):]) + "; on a busy machine "
              "the wall time is mostly waiting for a core)", flush=True)
        print(f"publish again, unchanged catalogue: median {statistics.median(again):.2f} s "
              f"(min {min(again):.2f}, max {max(again):.2f}; target <= 2 s)", flush=True)
        if args.new:
            fill(reports, template, args.new, first=args.runs, pdf=False)
            with_new = timed_publish(reports)
            print(f"publish after {args.new} new runs (Chromium prints their PDFs): "
                  f"{with_new:.2f} s, {(with_new - statistics.median(again)) / args.new:.2f} s "
                  "more per new run")
        site = reports / "site"
        pages = sum(1 for _ in site.rglob("*.html"))
        print(f"site: {pages} HTML pages")
        shutil.rmtree(reports, ignore_errors=True)


if __name__ == "__main__":
    main()
