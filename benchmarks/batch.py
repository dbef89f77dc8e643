"""Benchmark: batches of a small notebook (``tests/fixtures/batch/ok.ipynb``).

1. ``--runs`` runs (default 16): 16 sequential ``papermill`` CLI runs (the peer) against
   ``research batch -j N`` (a subprocess, start-up, manifest + HTML briefing per run and one
   publish included) and against the same command with ``--dask`` on a cluster started from
   the command line (``dask scheduler`` + N ``dask worker --nthreads 1`` with nannies, on
   loopback; its start is not counted). Peer and ours alternate in each round.
2. ``--national 290``: one ``research batch -j N`` over that many generated parameter sets
   (fictional municipalities): runs per minute, and the peak memory of the whole process
   tree (client, workers, kernels; sampled every 0.2 s) and of the client alone.

    .venv/bin/python benchmarks/batch.py [--runs 16] [--jobs 2] [--repeat 1] [--skip-dask]
    .venv/bin/python benchmarks/batch.py --national 290 [--jobs 2]

Everything is written to a temporary folder that is removed afterwards. The final publish
prints no PDFs unless ``RESEARCH_PDF=1`` is set (the peer makes none).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "fixtures" / "batch" / "ok.ipynb"
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _parameter_sets(folder: Path, runs: int) -> list[Path]:
    sys.path.insert(0, str(ROOT / "src"))
    from research.orchestration.samples import write_parameter_sets

    return write_parameter_sets(folder, runs)


def papermill_sequential(files: list[Path], work: Path) -> float:
    out = work / "papermill"
    out.mkdir()
    env = {**os.environ, "RESEARCH_PROJECT_ROOT": str(ROOT)}
    started = time.perf_counter()
    for file in files:
        run_dir = out / file.stem
        run_dir.mkdir()
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(run_dir / "notebook.ipynb"),
                        "-f", str(file), "--cwd", str(ROOT), "--no-progress-bar"],
                       check=True, env={**env, "RESEARCH_RUN_DIR": str(run_dir)},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _tree_rss(pid: int) -> tuple[int, int]:
    """(RSS of the process and all its descendants, RSS of the process) in bytes."""
    import psutil

    try:
        parent = psutil.Process(pid)
        own = parent.memory_info().rss
        total = own
        for child in parent.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total, own
    except psutil.Error:
        return 0, 0


def research_batch(folder: Path, work: Path, jobs: int, *, dask: str | None = None,
                   name: str = "local") -> tuple[float, int, int]:
    """(seconds, peak tree RSS, peak client RSS) of one ``research batch`` command."""
    reports = work / f"reports-{name}"
    # no PDF printing (Chromium) in the final publish: the peer makes no PDF either
    env = {**os.environ, "RESEARCH_PROJECT_ROOT": str(ROOT), "RESEARCH_REPORTS_DIR": str(reports),
           "RESEARCH_PDF": os.environ.get("RESEARCH_PDF", "0")}
    command = [str(BIN / "research"), "batch", str(NOTEBOOK), "-f", str(folder),
               "-j", str(jobs), "--no-progress"]
    if dask:
        command += ["--dask", dask]
    peaks = [0, 0]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while process.poll() is None:
            total, own = _tree_rss(process.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], own)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join(1)
    if process.returncode != 0:
        raise SystemExit(f"research batch failed:\n{out[-3000:]}\n{err[-3000:]}")
    return elapsed, peaks[0], peaks[1]


@contextmanager
def dask_cluster(workers: int, work: Path):
    """A scheduler and ``workers`` nanny-managed workers started with the dask CLI."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "RESEARCH_PROJECT_ROOT": str(ROOT)}
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                                   "--port", str(port), "--no-dashboard"], env=env,
                                  cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)]
    for number in range(workers):
        processes.append(subprocess.Popen(
            [str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
             "--nanny", "--no-dashboard", "--local-directory", str(work / f"dask{number}"),
             "--preload", "research.orchestration.dask_preload"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s", set_as_default=False) as client:
                    client.wait_for_workers(workers, timeout=120)
                    # warm each worker once (imports), as the local pool's are warm
                    client.run(lambda: __import__("research.runs"))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)


def compare(args: argparse.Namespace) -> None:
    peers, locals_, dasks = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        for round_number in range(args.repeat):
            work = Path(temp) / f"round{round_number}"
            files = _parameter_sets(work / "params", args.runs)
            peer = papermill_sequential(files, work)
            ours = research_batch(work / "params", work, args.jobs)[0]
            line = (f"round {round_number + 1}: papermill CLI sequential {peer:5.1f} s, "
                    f"research batch -j {args.jobs} {ours:5.1f} s (ratio {ours / peer:.2f})")
            peers.append(peer)
            locals_.append(ours)
            if not args.skip_dask:
                with dask_cluster(args.jobs, work) as address:
                    elapsed = research_batch(work / "params", work, args.jobs, dask=address,
                                             name="dask")[0]
                dasks.append(elapsed)
                line += (f", --dask ({args.jobs} CLI workers) {elapsed:5.1f} s "
                         f"(÷ local {elapsed / ours:.2f})")
            print(line, flush=True)
    print(f"\n{args.runs} runs of {NOTEBOOK.relative_to(ROOT)}, median of {args.repeat}:")
    print(f"  papermill CLI, one after another: {statistics.median(peers):6.1f} s")
    ratios = [o / p for o, p in zip(locals_, peers)]
    print(f"  research batch -j {args.jobs}:             {statistics.median(locals_):6.1f} s"
          f"   ÷ papermill {statistics.median(ratios):.2f} (target <= 0.2)")
    if dasks:
        ratios = [d / o for d, o in zip(dasks, locals_)]
        print(f"  research batch --dask, {args.jobs} workers: {statistics.median(dasks):6.1f} s"
              f"   ÷ local pool {statistics.median(ratios):.2f} (target <= 1.1; cluster "
              "start not included)")


def national(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-national-") as temp:
        work = Path(temp)
        _parameter_sets(work / "params", args.national)
        elapsed, tree, own = research_batch(work / "params", work, args.jobs)
    print(f"{args.national} runs, research batch -j {args.jobs}: {elapsed:.1f} s, "
          f"{args.national / elapsed * 60:.0f} runs per minute")
    print(f"peak memory: whole process tree {tree / 2**20:.0f} MiB, "
          f"client process {own / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate peer and ours this many times; report the medians")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--national", type=int, metavar="N",
                        help="instead: one batch over N generated parameter sets")
    args = parser.parse_args()
    if args.national:
        national(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
