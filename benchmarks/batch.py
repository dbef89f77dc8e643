"""Benchmark: 16 runs of a small notebook, ``research batch -j 2`` and a Dask LocalCluster
with 2 workers, against 16 sequential ``papermill`` CLI runs (the peer).

Usage::

    .venv/bin/python benchmarks/batch.py [--runs 16] [--jobs 2] [--repeat 3] [--skip-dask]

Prints the wall-clock time of each and the ratios (target: batch / papermill ≤ 0.55).
Everything is written to a temporary folder that is removed afterwards. Our runs do more
than the peer: each also writes a manifest and renders the HTML briefing, and the batch
publishes the catalogue once at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "fixtures" / "batch" / "ok.ipynb"
PYTHON = sys.executable
PAPERMILL = str(Path(PYTHON).with_name("papermill"))


def _parameter_sets(folder: Path, runs: int) -> list[Path]:
    folder.mkdir(parents=True)
    files = []
    for number in range(runs):
        path = folder / f"kommun{number:02d}.yaml"
        path.write_text(f"kunskapshus: Kunskapshus nr {number}\nvalue: {number}\n",
                        encoding="utf-8")
        files.append(path)
    return files


def papermill_sequential(files: list[Path], work: Path) -> float:
    out = work / "papermill"
    out.mkdir()
    env = {**os.environ, "RESEARCH_PROJECT_ROOT": str(ROOT), "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    for file in files:
        run_dir = out / file.stem
        run_dir.mkdir()
        subprocess.run([PAPERMILL, str(NOTEBOOK), str(run_dir / "notebook.ipynb"), "-f",
                        str(file), "--cwd", str(ROOT), "--no-progress-bar"],
                       check=True, env={**env, "RESEARCH_RUN_DIR": str(run_dir)},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def research_batch(files: list[Path], work: Path, jobs: int) -> float:
    reports = work / "reports-local"
    env = {**os.environ, "RESEARCH_PROJECT_ROOT": str(ROOT), "RESEARCH_REPORTS_DIR": str(reports)}
    started = time.perf_counter()
    result = subprocess.run([PYTHON, "-m", "research", "batch", str(NOTEBOOK),
                             *map(str, files), "-j", str(jobs), "--no-progress"],
                            env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"research batch failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def dask_batch(files: list[Path], work: Path, workers: int) -> tuple[float, float]:
    """(seconds for the batch on an already running cluster, seconds to start the cluster)."""
    from distributed import LocalCluster

    from research.orchestration.batch import run_batch

    os.environ["RESEARCH_PROJECT_ROOT"] = str(ROOT)
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster:
        startup = time.perf_counter() - t0
        started = time.perf_counter()
        result = run_batch(NOTEBOOK, files, dask=cluster.scheduler_address,
                           reports=work / "reports-dask", publish=True)
        elapsed = time.perf_counter() - started
    if not result.succeeded:
        raise SystemExit(result.summary_table())
    return elapsed, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate peer and ours this many times; report the medians "
                             "(helps on a machine shared with other work)")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    peers, locals_, dasks = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        for round_number in range(args.repeat):
            work = Path(temp) / f"round{round_number}"
            files = _parameter_sets(work / "params", args.runs)
            peer = papermill_sequential(files, work)
            ours = research_batch(files, work, args.jobs)
            line = (f"round {round_number + 1}: papermill CLI sequential {peer:5.1f} s, "
                    f"research batch -j {args.jobs} {ours:5.1f} s (ratio {ours / peer:.2f})")
            peers.append(peer)
            locals_.append(ours)
            if not args.skip_dask:
                elapsed, startup = dask_batch(files, work, args.jobs)
                dasks.append(elapsed)
                line += f", Dask {args.jobs} workers {elapsed:5.1f} s (ratio {elapsed / peer:.2f})"
            print(line, flush=True)
    peer = statistics.median(peers)
    print(f"\n{args.runs} runs of {NOTEBOOK.relative_to(ROOT)}, median of {args.repeat}:")
    print(f"  papermill CLI, one after another: {peer:6.1f} s")
    ratios = sorted(o / p for o, p in zip(locals_, peers))
    print(f"  research batch -j {args.jobs}:             {statistics.median(locals_):6.1f} s"
          f"   ratio {statistics.median(ratios):.2f} (target <= 0.55)")
    if dasks:
        ratios = sorted(d / p for d, p in zip(dasks, peers))
        print(f"  Dask LocalCluster, {args.jobs} workers:    {statistics.median(dasks):6.1f} s"
              f"   ratio {statistics.median(ratios):.2f} (cluster start not included)")


if __name__ == "__main__":
    main()
