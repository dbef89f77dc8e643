"""Batches: one notebook, many parameter sets, run in parallel, locally or on a Dask cluster.

Every run goes through :func:`research.runs.run_notebook` (the one run path); this module
only decides *where* and *when* each run happens:

- **local** (default): a pool of spawn worker processes (:mod:`.local`, pebble), each with
  the next run's kernel booting while the current run executes; per-attempt wall-clock
  deadlines kill a hung run with its kernel.
- **dask**: the runs go to an existing ``distributed`` cluster (:mod:`.cluster`, the ``dask``
  extra); deadlines are kept on the workers.

Retries: a run whose kernel died (``DeadKernelError``), whose worker process died, or that
hit the whole-run wall-clock limit is retried with exponential back-off, up to ``retries``
times. Ordinary cell errors and cell timeouts are the notebook's own result and are not
retried. Bad parameters (:class:`~research.errors.ParameterError`) are reported as status
``invalid`` without a retry. Whatever happens to one run, the others go on.

Resuming: every finished run is recorded in the batch's ledger (:mod:`.ledger`) as soon as
it finishes. The same batch started again after it was interrupted (a crash, a reboot,
Ctrl-C) skips the runs that succeeded and runs the rest; a batch that ran to its end is
closed, and starting it again runs everything. Runs are executed with ``publish=False``; the catalogue is
published once at the end.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..paths import reports_dir
from .cluster import DaskPool, dask_attempt, unpack_run
from .ledger import Ledger, batch_key
from .local import RETRYABLE_ERRORS, LocalPool, kill_process_tree
from .tasks import (BatchResult, BatchTask, TaskResult, expand_parameter_files, make_tasks,
                    task_key)

__all__ = [
    "RETRYABLE_ERRORS",
    "STATUSES",
    "Runner",
    "BatchTask",
    "TaskResult",
    "BatchResult",
    "expand_parameter_files",
    "make_tasks",
    "kill_process_tree",
    "dask_attempt",
    "unpack_run",
    "run_batch",
]

STATUSES = ("succeeded", "failed", "timeout", "invalid", "crashed")

Runner = Callable[..., Any]


@dataclass
class _State:
    task: BatchTask
    index: int
    key: str = ""
    attempts: int = 0
    not_before: float = 0.0
    elapsed: float = 0.0


def _backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off before retry ``attempt`` (1 → base, 2 → 2·base, ...)."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


class _Progress:
    """A tqdm bar on stderr: runs done, rate and time left (ETA), the last run's status."""

    def __init__(self, total: int, done: int, enabled: bool, description: str) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=description, unit="run",
                             file=sys.stderr, dynamic_ncols=True, leave=True, smoothing=0.1)

    def update(self, result: TaskResult) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"{result.label}: {result.status}", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _check_options(jobs: int | None, retries: int, timeout: float | None,
                   runner: Runner | None, dask: Any) -> None:
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"Invalid number of parallel runs: {jobs!r}.",
                          hint="give -j 1 or more", parameter="jobs")
    if retries is None or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"Invalid retries: {retries!r}.", hint="give 0 or more",
                          parameter="retries")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"Invalid timeout: {timeout!r}.", hint="give seconds > 0",
                          parameter="timeout")
    if runner is not None and dask is None:
        import pickle

        try:
            pickle.dumps(runner)
        except Exception as exc:
            raise ConfigError(f"The runner {runner!r} cannot be sent to worker processes.",
                              hint="use a function defined at module level",
                              parameter="runner") from exc


def _ledger_for(tasks: Sequence[BatchTask], base: Path, runner: Runner | None
                ) -> tuple[Ledger, list[str]]:
    from ..runs import resolve_notebook

    keys = []
    stem = "batch"
    for task in tasks:
        try:
            notebook = resolve_notebook(task.notebook)
            stem = notebook.stem
        except Exception:  # a missing notebook is the run's own error ("invalid")
            notebook = Path(task.notebook)
        keys.append(task_key(task, notebook) if runner is None else
                    task_key(task, notebook) + f"-{getattr(runner, '__name__', 'runner')}")
    return Ledger(base / "batches" / f"{stem}-{batch_key(keys)}.jsonl", base), keys


def run_batch(
    notebook: str | os.PathLike[str],
    parameter_files: Sequence[str | os.PathLike[str]] = (),
    overrides: Mapping[str, Any] | None = None,
    *,
    tasks: Sequence[BatchTask] | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    cell_timeout: int | None = None,
    retries: int = 0,
    backoff: float = 5.0,
    backoff_cap: float = 300.0,
    kill_grace: float = 30.0,
    dask: str | Any | None = None,
    publish: bool = True,
    reports: str | os.PathLike[str] | None = None,
    progress: bool = False,
    resume: bool = True,
    max_runs_per_worker: int = 100,
    runner: Runner | None = None,
) -> BatchResult:
    """Run ``notebook`` once per parameter set, in parallel, and publish once at the end.

    Parameters
    ----------
    notebook
        Path of the notebook (or its name in ``notebooks/``).
    parameter_files
        YAML files, folders of YAML files or glob patterns; each file is one parameter set.
        None → one run with the notebook's defaults.
    overrides
        Parameter values applied to every set.
    tasks
        Ready-made :class:`BatchTask` objects instead of ``notebook``/``parameter_files``.
    jobs
        Runs at the same time (default: the number of CPUs; with Dask, the number of
        worker threads in the cluster).
    timeout
        Wall-clock limit in seconds for one attempt of one run (None: no limit). A run that
        exceeds it is killed with its kernel; it counts as a retryable failure.
    cell_timeout
        papermill's per-cell execution timeout (default: ``timeout`` rounded up). A cell
        that exceeds it fails the run gracefully (status ``timeout``, evidence kept, no
        retry). The wall-clock kill comes ``kill_grace`` seconds after ``timeout``, so the
        graceful path gets its chance first.
    retries
        Further attempts for a run whose kernel or worker died or that was killed.
    backoff, backoff_cap
        Seconds to wait before the first retry, doubled for each further one, at most cap.
    kill_grace
        Seconds after ``timeout`` before a still-running attempt is killed.
    dask
        Address of a Dask scheduler (``tcp://host:8786``) or a ``distributed.Client``.
    publish
        Rebuild the catalogue once at the end (when at least one run succeeded).
    reports
        Reports folder (default: ``research.paths.reports_dir()``).
    progress
        Show a progress bar with the time left on stderr.
    resume
        Skip the runs that an interrupted earlier start of the same batch finished
        successfully (read from its ledger). False: run everything again.
    max_runs_per_worker
        Local workers are replaced by fresh processes after this many runs (memory stays
        bounded in long batches).
    runner
        The function that runs one notebook (default :func:`research.runs.run_notebook`);
        must be importable by the workers. For tests.

    Returns
    -------
    BatchResult
        One :class:`TaskResult` per parameter set, in the given order.

    Raises
    ------
    ConfigError
        A parameter file is missing, a glob matches nothing, an option is out of range,
        the Dask scheduler cannot be reached, or the same batch is already running.
    """
    started = time.monotonic()
    if tasks is None:
        if runner is None:
            from ..runs import resolve_notebook

            notebook = resolve_notebook(notebook)  # ParameterError before anything starts
        tasks = make_tasks(notebook, parameter_files, overrides)
    tasks = list(tasks)
    _check_options(jobs, retries, timeout, runner, dask)
    if cell_timeout is None and timeout is not None:
        cell_timeout = max(1, int(-(-timeout // 1)))
    wall_limit = None if timeout is None else float(timeout) + max(0.0, kill_grace)
    base = Path(reports).resolve() if reports else reports_dir()
    base.mkdir(parents=True, exist_ok=True)
    ledger, keys = _ledger_for(tasks, base, runner)
    with ledger:
        if not resume:
            ledger.clear()
        earlier = ledger.finished()
        finished: dict[int, TaskResult] = {}
        pending: deque[_State] = deque()
        for index, (task, key) in enumerate(zip(tasks, keys)):
            record = earlier.get(key)
            if record is not None:
                finished[index] = TaskResult(
                    task.label, "succeeded", float(record.get("duration") or 0.0),
                    int(record.get("attempts") or 1), ledger.run_dir(record),
                    parameter_files=task.parameter_files, resumed=True)
            else:
                pending.append(_State(task, index, key))
        name = Path(os.fspath(tasks[0].notebook)).stem if tasks else "batch"
        _schedule(pending, finished, ledger, base, name, jobs=jobs, dask=dask, runner=runner,
                  cell_timeout=cell_timeout, wall_limit=wall_limit, retries=retries,
                  backoff=(backoff, backoff_cap), progress=(progress, len(tasks)),
                  max_runs=max_runs_per_worker)
        ledger.complete()  # every run has its result: the next start is a new batch

    batch = BatchResult([finished[i] for i in range(len(tasks))], time.monotonic() - started)
    if publish and any(r.succeeded for r in batch.results):
        from ..publish import publish_reporting

        batch.published, batch.publish_messages, batch.publish_error = publish_reporting(base)
    return batch


def _setup_imports(notebook: str) -> tuple[str, ...]:
    """The batch notebook's setup imports, for the workers' first spare kernels."""
    from ..execute import setup_imports
    from ..runs import resolve_notebook

    try:
        return setup_imports(resolve_notebook(notebook))
    except Exception:  # the runs report a notebook that cannot be found themselves
        return ()


def _schedule(pending: deque[_State], finished: dict[int, TaskResult], ledger: Ledger,
              base: Path, name: str, *, jobs: int | None, dask: Any, runner: Runner | None,
              cell_timeout: int | None, wall_limit: float | None, retries: int,
              backoff: tuple[float, float], progress: tuple[bool, int], max_runs: int) -> None:
    """Run the pending attempts on a backend until each has a final result."""
    if not pending:
        return
    backend: LocalPool | DaskPool
    if dask is not None:
        backend = DaskPool(dask, base, queue_ahead=wall_limit is None)
        size = jobs or backend.threads() or 2
        backend.resize(size)
    else:
        size = min(jobs or os.cpu_count() or 1, len(pending))
        backend = LocalPool(size, base, prestart=runner is None, max_runs=max_runs,
                            imports=_setup_imports(pending[0].task.notebook))
    bar = _Progress(progress[1], len(finished), progress[0], name)
    try:
        while pending or not backend.idle():
            now = time.monotonic()
            for _ in range(len(pending)):
                if backend.capacity() <= 0:
                    break
                state = pending.popleft()
                if state.not_before > now:
                    pending.append(state)
                    continue
                state.attempts += 1
                backend.submit(state, runner, cell_timeout, str(base), wall_limit)
            waits = [s.not_before - now for s in pending if s.not_before > now]
            wait = min([0.5, *waits]) if waits else 0.5
            for state, outcome, seconds in backend.poll(wait):
                # the attempt's own time (not its wait in the queue), else the wall clock
                state.elapsed += float(outcome.get("duration") or seconds)
                if outcome.get("retryable") and state.attempts <= retries:
                    state.not_before = time.monotonic() + _backoff_delay(state.attempts,
                                                                         *backoff)
                    pending.append(state)
                    continue
                result = _result(state, outcome)
                ledger.record(state.key, result.label, result.status, result.run_dir,
                              result.duration, result.attempts)
                finished[state.index] = result
                bar.update(result)
    finally:
        bar.close()
        backend.close()


def _result(state: _State, outcome: Mapping[str, Any]) -> TaskResult:
    run_dir = outcome.get("run_dir")
    return TaskResult(label=state.task.label, status=outcome.get("status", "failed"),
                      duration=state.elapsed, attempts=state.attempts,
                      run_dir=Path(run_dir) if run_dir else None, error=outcome.get("error"),
                      error_name=outcome.get("error_name"),
                      parameter_files=state.task.parameter_files)
