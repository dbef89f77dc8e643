"""The local backend: a pool of worker processes on this machine (pebble's ``ProcessPool``).

papermill is process-safe, not thread-safe, so every run gets a worker process of its own
while it runs. The workers are started with ``spawn`` and live for many runs (each pays the
imports of papermill and nbconvert once); every ``max_runs`` runs a worker is replaced, so a
worker's memory stays bounded however long the batch. Each worker keeps the kernel for its
next run booting while the current run executes (:func:`research.execute.keep_spare_kernel`):
a fresh kernel per run, never reused.

Deadlines are pebble's: an attempt still running ``wall_limit`` seconds after it started is
stopped by terminating its worker (SIGTERM); the worker's handler kills its kernels first, so
a hung cell never outlives its run, and pebble starts a fresh worker in its place. A worker
that dies (segfault, ``os._exit``) is reported by pebble with its exit code.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .tasks import BatchTask

__all__ = [
    "RETRYABLE_ERRORS",
    "LocalPool",
    "attempt",
    "kill_process_tree",
]

#: Error names (from the run's manifest) that mean the kernel, not the notebook, failed.
RETRYABLE_ERRORS = frozenset({"DeadKernelError", "KernelDiedError", "WorkerDied", "Timeout"})

Runner = Callable[..., Any]


def _default_runner(*args: Any, **kwargs: Any) -> Any:
    from ..runs import run_notebook

    return run_notebook(*args, **kwargs)


def attempt(task: BatchTask, runner: Runner | None, cell_timeout: int | None,
            reports: str | None) -> dict[str, Any]:
    """Run one attempt and describe its outcome with plain, picklable values."""
    runner = runner or _default_runner
    started = time.perf_counter()
    try:
        result = runner(task.notebook, list(task.parameter_files), dict(task.overrides),
                        label=task.label, publish=False, timeout=cell_timeout, reports=reports)
    except ParameterError as exc:
        return {"status": "invalid", "error": str(exc).replace("\n", " "),
                "error_name": type(exc).__name__, "retryable": False,
                "duration": time.perf_counter() - started}
    except Exception as exc:  # an unexpected failure of the run machinery itself
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                "error_name": type(exc).__name__, "retryable": False,
                "duration": time.perf_counter() - started}
    manifest = getattr(result, "manifest", None) or {}
    error_name = (manifest.get("error") or {}).get("name")
    status = result.status
    if status != "succeeded" and error_name in ("CellTimeoutError", "TimeoutError"):
        status = "timeout"
    return {"status": status, "run_dir": str(result.run_dir), "error": result.error,
            "error_name": error_name, "retryable": error_name in RETRYABLE_ERRORS,
            "duration": time.perf_counter() - started}


def kill_process_tree(pid: int, *, grace: float = 2.0, include_parent: bool = True) -> None:
    """Terminate a process and all its descendants (kernels included), then kill stragglers."""
    import psutil

    try:
        parent = psutil.Process(pid)
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return
    processes = [parent, *children] if include_parent else children
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def _stop_worker(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler
    """SIGTERM in a worker (pebble's deadline, or the pool closing): take the kernels
    along, then exit. An idle worker (the pool closing) stops its spare kernels and its
    kernel template the orderly way, which is quick: they run nothing."""
    try:
        from ..execute import kernel_pids, keep_spare_kernel

        if not kernel_pids():  # no run in progress: nothing in this process is mid-call
            keep_spare_kernel(False)
    except Exception:  # whatever is left is killed below
        pass
    try:
        kill_process_tree(os.getpid(), grace=0.5, include_parent=False)
    finally:
        os._exit(128 + signum)


def _worker_init(prestart: bool, imports: tuple[str, ...] = ()) -> None:
    """Set up a worker process: quiet descriptors, the SIGTERM handler, a spare kernel."""
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if os.environ.get("RESEARCH_BATCH_WORKER_OUTPUT") != "inherit":
        # kernels inherit these descriptors: keep their chatter off the progress bar;
        # what matters (errors, outputs) is in each run's notebook and manifest
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    signal.signal(signal.SIGTERM, _stop_worker)
    if prestart:
        from multiprocessing.util import Finalize

        from ..execute import discard_spare_kernel, keep_spare_kernel, prestart_kernel

        # the kernel template loads ipykernel while the worker loads the runner and
        # papermill; then the first runs' kernels are forked from it and import the setup
        # cell's modules
        keep_spare_kernel(True)
        Finalize(None, discard_spare_kernel, exitpriority=100)  # a worker that retires
        from .. import runs  # noqa: F401
        import papermill  # noqa: F401

        prestart_kernel(imports=imports)


class LocalPool:
    """Attempts on a pebble ``ProcessPool`` of ``size`` spawn workers.

    Parameters
    ----------
    size
        Worker processes (runs at the same time).
    reports
        The reports folder (to mark the run directory of an attempt that was stopped).
    prestart
        Keep a spare kernel booting in each worker (the real run path; off for test runners).
    max_runs
        Runs per worker before it is replaced by a fresh one (bounds its memory).
    imports
        The batch notebook's setup imports (:func:`research.execute.setup_imports`), done in
        each worker's first spare kernel.
    """

    def __init__(self, size: int, reports: Path, *, prestart: bool = True,
                 max_runs: int = 100, imports: tuple[str, ...] = ()) -> None:
        from pebble import ProcessPool

        self._size = size
        self._reports = reports
        self._pool = ProcessPool(max_workers=size, max_tasks=max_runs,
                                 initializer=_worker_init, initargs=(prestart, imports),
                                 context=multiprocessing.get_context("spawn"))
        self._busy: dict[Any, tuple[Any, float, float, float | None]] = {}

    def capacity(self) -> int:
        # one queued attempt per worker besides the running one: a worker that finishes
        # starts its next run at once instead of waiting for this process to hand it over
        return 2 * self._size - len(self._busy)

    def idle(self) -> bool:
        return not self._busy

    def submit(self, state: Any, runner: Runner | None, cell_timeout: int | None,
               reports: str, wall_limit: float | None) -> None:
        future = self._pool.schedule(attempt, args=(state.task, runner, cell_timeout, reports),
                                     timeout=wall_limit)
        self._busy[future] = (state, time.monotonic(), time.time(), wall_limit)

    def poll(self, wait: float) -> list[tuple[Any, dict[str, Any], float]]:
        """Wait up to ``wait`` seconds; return finished attempts (state, outcome, seconds)."""
        if not self._busy:
            time.sleep(max(0.0, wait))
            return []
        ready, _ = concurrent.futures.wait(list(self._busy), timeout=wait,
                                           return_when=concurrent.futures.FIRST_COMPLETED)
        done = []
        for future in ready:
            state, started, wall_started, wall_limit = self._busy.pop(future)
            seconds = time.monotonic() - started
            done.append((state, self._outcome(future, state.task, wall_started,
                                              wall_limit or seconds), seconds))
        return done

    def _outcome(self, future: Any, task: BatchTask, wall_started: float,
                 seconds: float) -> dict[str, Any]:
        from pebble import ProcessExpired

        try:
            return future.result()
        except TimeoutError:  # pebble counts the limit from the attempt's start
            outcome = {"status": "timeout", "error_name": "Timeout", "retryable": True,
                       "duration": seconds,
                       "error": f"stopped after {seconds:.0f} s (wall-clock limit)"}
            evidence = mark_killed_run(task, wall_started, seconds, self._reports)
            if evidence is not None:
                outcome["run_dir"] = str(evidence)
            return outcome
        except ProcessExpired as exc:
            return {"status": "crashed", "error_name": "WorkerDied", "retryable": True,
                    "error": f"the worker process died (exit code {exc.exitcode})"}
        except Exception as exc:  # the task could not be sent or loaded in the worker
            return {"status": "failed", "error_name": type(exc).__name__, "retryable": False,
                    "error": f"the worker could not load the run: {exc}"}

    def close(self) -> None:
        if self._busy:  # interrupted: stop the workers (their handler kills the kernels)
            for future in self._busy:
                future.cancel()
            self._pool.stop()
        else:
            self._pool.close()
        self._pool.join(timeout=30)
        self._busy.clear()


def mark_killed_run(task: BatchTask, wall_started: float, seconds: float,
                    reports: Path) -> Path | None:
    """Find the run directory a killed attempt left behind and record the kill in it.

    ``run_notebook`` writes a manifest with status ``running`` before the kernel starts; a
    run killed from outside never updates it. The newest such directory of this notebook
    and label, created during the attempt, is marked failed so the evidence stays honest.
    """
    from ..io.files import write_json_atomic
    from ..manifest import read_manifest
    from ..runs import resolve_notebook

    try:
        stem = resolve_notebook(task.notebook).stem
    except Exception:
        return None
    folder = reports / "runs" / stem
    if not folder.is_dir():
        return None
    since = wall_started - 1.0
    candidates = sorted((p for p in folder.iterdir() if p.is_dir() and
                         p.stat().st_mtime >= since), key=lambda p: p.name, reverse=True)
    for run_dir in candidates:
        manifest = read_manifest(run_dir) or {}
        if manifest.get("label") == task.label and manifest.get("status") == "running":
            manifest.update({"status": "failed", "error": {
                "name": "Timeout", "cell_index": None,
                "message": f"stopped by the batch after {seconds:.0f} s "
                           "(wall-clock limit); the kernel was killed"}})
            write_json_atomic(run_dir / "manifest.json", manifest)
            return run_dir
    return None
