"""National scale: export + import + synthesis for N fictional municipalities × 8 quarters.

Setup (not timed; cached under benchmarks/results/national/<N>/): for each of N fictional
municipalities (names from research.orchestration.samples) a lägesbild run directory is made
in process with the product's own code — reports resampled from the Älvstad sample and
scaled to the municipality's size, situation.analyse (linked suppression), the published
tables written with the one table writer, and the disclosure audit (privacy.checking) writing
disclosure.json. Timed, in one run: ``export_bundle`` for every run (identity scan,
disclosure guard, schema check), ``import_bundles`` into a fresh inbox (hashes, schema
versions, the same guards again), ``national.analyse`` on the inbox (the LP bounds for
every hidden theme total) and the national disclosure audit (``check_disclosure``: the
independent audit of research.privacy over the national tables and the pooled municipal
tables, as the run does before it may be published).

    .venv/bin/python benchmarks/national.py [--municipalities 290]

Goal (issue 19): export + import + synthesis ≤ 60 s for 290 municipalities on this machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "national"


def _generator():
    """The national sample generator (its area_schema helper), loaded from its path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "national_sample", ROOT / "data" / "sample" / "nationell" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reports(rng: np.random.Generator, name: str, target: Path) -> None:
    with (ROOT / "data/sample/lagesbild/rapporter.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    areas = list(dict.fromkeys(r["stadsdel"] for r in rows))
    count = int(rng.integers(3, len(areas) + 1))
    mapping = {a: (f"Område {'ABCDEF'[i]}" if i < 6 else "Hela kommunen")
               for i, a in enumerate(areas)}
    keep_areas = set(areas[:count - 1]) | {"Hela kommunen"}
    _generator().area_schema([mapping[a] for a in areas], target.with_name("schema.yaml"))
    size = float(rng.uniform(0.15, 1.4))
    chosen = []
    for row in rows:
        if row["stadsdel"] in keep_areas and rng.random() < min(size, 1.0):
            chosen.append(dict(row, stadsdel=mapping[row["stadsdel"]]))
            if size > 1 and rng.random() < size - 1:
                chosen.append(dict(row, stadsdel=mapping[row["stadsdel"]]))
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)


def setup(count: int) -> Path:
    """Make (or reuse) ``count`` protected lägesbild runs; returns the reports folder."""
    from research import situation
    from research.io.tables import write_table
    from research.orchestration.samples import fictional_municipalities
    from research.paths import RUN_DIR_ENV
    from research.privacy import checking

    folder = RESULTS / str(count)
    reports = folder / "reports"
    done = folder / "complete"
    if done.is_file():
        return reports
    started = time.perf_counter()
    for index, name in enumerate(fictional_municipalities(count, seed=1)):
        rng = np.random.default_rng([2026, index])
        house = f"Kunskapshus {name}"
        run = reports / "runs" / "lagesbild" / f"20261130T120000Z-default-{index:04d}"
        if (run / "manifest.json").is_file():
            continue  # made by an earlier, interrupted setup
        shutil.rmtree(run, ignore_errors=True)
        (run / "tables").mkdir(parents=True)
        _reports(rng, name, run / "rapporter.csv")
        checking.reset()
        os.environ[RUN_DIR_ENV] = str(run)
        try:
            picture = situation.analyse(run / "rapporter.csv", run / "schema.yaml",
                                        as_of="2026-09-30", min_cell=5)
            for table_name, frame in picture.published_tables().items():
                write_table(frame, run / "tables" / f"{table_name}.csv")
            verdict = picture.check_disclosure().to_dict().get("verdict")
        finally:
            os.environ.pop(RUN_DIR_ENV, None)
        (run / "schema.yaml").unlink()
        (run / "rapporter.csv").unlink()  # raw data never leaves; keep only what a run publishes
        manifest = {"notebook_stem": "lagesbild", "run_id": run.name, "label": "default",
                    "status": "succeeded", "started": "2026-11-30T12:00:00+00:00",
                    "finished": "2026-11-30T12:00:03+00:00",
                    "parameters": {"kunskapshus": house, "min_cell": 5},
                    "briefing": {"kunskapshus": house, "period": "kvartal 3 2026",
                                 "title": "Lokal lägesbild"}}
        (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                           encoding="utf-8")
        if verdict != "pass":
            print(f"  {house}: audit verdict {verdict}", file=sys.stderr)
        if (index + 1) % 25 == 0:
            print(f"  setup: {index + 1}/{count} municipalities "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    done.write_text("ok\n", encoding="utf-8")
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=290)
    args = parser.parse_args(argv)
    os.environ.setdefault("RESEARCH_PROJECT_ROOT", str(ROOT))
    from research import national
    from research.exchange import export_bundle, import_bundles

    t0 = time.perf_counter()
    reports = setup(args.municipalities)
    setup_seconds = time.perf_counter() - t0
    runs = sorted((reports / "runs" / "lagesbild").iterdir())
    work = RESULTS / str(args.municipalities) / "timed"
    shutil.rmtree(work, ignore_errors=True)
    t1, c1 = time.perf_counter(), time.process_time()
    bundles, refused = [], []
    for run in runs:
        try:
            bundles.append(export_bundle(run, work / "bundles"))
        except Exception as exc:  # noqa: BLE001 - a refusal is counted and reported
            refused.append(f"{run.name}: {exc}")
    t2 = time.perf_counter()
    report = import_bundles(bundles, work / "inbox")
    t3, c3 = time.perf_counter(), time.process_time()
    synthesis = national.analyse(work / "inbox", as_of="2026-11-30")
    t4, c4 = time.perf_counter(), time.process_time()
    from research.privacy import checking

    checking.reset()
    check = synthesis.check_disclosure()  # outside a run: the tables in memory
    t5, c5 = time.perf_counter(), time.process_time()
    ranges = int((~synthesis.situation["Exakt"]).sum()) if len(synthesis.situation) else 0
    print(f"municipalities: {len(runs)}; bundles exported {len(bundles)}, refused at export "
          f"{len(refused)}; imported {len(report.taken)}, refused at import {len(report.refused)}")
    print(f"national cells: {len(synthesis.situation)} (ranges {ranges}); aggregation check "
          f"{'passes' if not synthesis.situation_audit else 'FAILS'}")
    print(f"disclosure audit: verdict {check.audit.verdict}, {len(check.audit.tables)} tables, "
          f"{check.audit.hidden} hidden cells, {check.audit.programs} linear programs, "
          f"{len(check.audit.findings)} findings, {len(synthesis.range_problems)} range problems")
    print(f"setup (municipal runs, cached after the first time): {setup_seconds:.1f} s")
    print(f"export {t2 - t1:.1f} s | import {t3 - t2:.1f} s | synthesis {t4 - t3:.1f} s | "
          f"disclosure audit {t5 - t4:.1f} s | total {t5 - t1:.1f} s (goal <= 60 s)")
    print(f"CPU time of this process (export and import {c3 - c1:.1f} s, synthesis "
          f"{c4 - c3:.1f} s, disclosure audit {c5 - c4:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f})")
    for message in refused[:5]:
        print(f"  refused: {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
