"""Batches: one notebook, many parameter sets, run in parallel, locally or on a Dask cluster.

Every run goes through :func:`research.runs.run_notebook` (the one run path); this module
only decides *where* and *when* each run happens:

- **local** (default): a small pool of long-lived worker processes started with ``spawn``
  (papermill is process-safe, not thread-safe). Each attempt has a wall-clock limit; a run
  that exceeds it is stopped by killing its worker's whole process tree (kernel included)
  and a fresh worker takes its place, so a hanging run never blocks the others.
- **dask**: the runs are submitted to an existing ``distributed`` cluster. Each worker runs
  the notebook into a worker-local temporary reports folder and sends the run directory
  back as a compressed tar archive; the client unpacks it atomically into
  ``<reports>/runs/<notebook>/<run-id>/``. Workers need not share a file system with the
  client, only the same project checkout (package, notebooks, sample data).

Retries: a run whose kernel died (``DeadKernelError``), whose worker process died, or that
hit the whole-run wall-clock limit is retried with exponential back-off, up to ``retries``
times. Ordinary cell errors and cell timeouts are the notebook's own result and are not
retried. Bad parameters (:class:`~research.errors.ParameterError`) are reported as status
``invalid`` without a retry. Whatever happens to one run, the others go on.

Runs are executed with ``publish=False``; the catalogue is published once at the end.
"""

from __future__ import annotations

import glob
import io
import multiprocessing
import os
import shutil
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_connections
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import ConfigError, ParameterError
from ..paths import project_root, reports_dir

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

#: Error names (from the run's manifest) that mean the kernel, not the notebook, failed.
RETRYABLE_ERRORS = frozenset({"DeadKernelError", "KernelDiedError", "WorkerDied", "Timeout"})
STATUSES = ("succeeded", "failed", "timeout", "invalid", "crashed")

Runner = Callable[..., Any]


# ---------------------------------------------------------------------------------------
# what to run and what came out


@dataclass(frozen=True)
class BatchTask:
    """One parameter set of a batch.

    Parameters
    ----------
    notebook
        Path of the notebook (or its name in ``notebooks/``).
    parameter_files
        YAML files merged in order into one parameter set (usually one file).
    overrides
        Parameter values applied on top of the files (the same for every set of a batch).
    label
        The parameter set's name in the summary and the catalogue.
    """

    notebook: str
    parameter_files: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = "standard"


@dataclass
class TaskResult:
    """The outcome of one parameter set, after all its attempts."""

    label: str
    status: str
    duration: float
    attempts: int
    run_dir: Path | None = None
    error: str | None = None
    error_name: str | None = None
    parameter_files: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass
class BatchResult:
    """All outcomes of a batch, in the order the parameter sets were given."""

    results: list[TaskResult]
    duration: float
    published: bool = False
    publish_messages: list[str] = field(default_factory=list)
    publish_error: str | None = None

    @property
    def failed(self) -> list[TaskResult]:
        """The parameter sets that did not succeed."""
        return [r for r in self.results if not r.succeeded]

    @property
    def succeeded(self) -> bool:
        """True when every run succeeded and publishing (if asked) worked."""
        return not self.failed and self.publish_error is None

    def to_frame(self):  # -> pandas.DataFrame (imported lazily)
        """The summary as a DataFrame (one row per parameter set)."""
        import pandas as pd

        return pd.DataFrame(
            [{"parameter_set": r.label, "status": r.status, "duration_s": round(r.duration, 1),
              "attempts": r.attempts, "run_dir": str(r.run_dir) if r.run_dir else "",
              "error": r.error or ""} for r in self.results])

    def summary_table(self) -> str:
        """A plain-text table: parameter set, status, duration, attempts, run directory."""
        header = ("parameter set", "status", "duration", "attempts", "run directory")
        rows = [(r.label, r.status, f"{r.duration:.1f} s", str(r.attempts),
                 str(r.run_dir) if r.run_dir else "-") for r in self.results]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
                  for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        ok = sum(r.succeeded for r in self.results)
        lines.append(f"{ok} of {len(self.results)} succeeded in {self.duration:.1f} s")
        for r in self.failed:
            if r.error:
                error = " ".join(r.error.split())
                error = error if len(error) <= 300 else error[:299] + "…"
                lines.append(f"{r.label}: {r.status}: {error}")
        if self.publish_error:
            lines.append(f"publish failed: {self.publish_error}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# building tasks


def expand_parameter_files(patterns: Iterable[str | os.PathLike[str]],
                           *, base: Path | None = None) -> list[Path]:
    """Expand files and glob patterns (relative to ``base``, default the project root).

    A plain path that exists relative to the current directory is taken as it is (as the
    shell would); other relative paths and all globs are resolved against the project root.

    Raises
    ------
    ConfigError
        When a file does not exist or a pattern matches nothing.
    """
    base = base or project_root()
    found: list[Path] = []
    for pattern in patterns:
        text = os.fspath(pattern)
        if glob.has_magic(text):
            root = Path(text).expanduser()
            full = root if root.is_absolute() else base / root
            matches = sorted(Path(p) for p in glob.glob(str(full), recursive=True)
                             if Path(p).is_file())
            if not matches:
                raise ConfigError(f"No parameter files match {text!r} (under {base}).",
                                  hint="check the pattern, e.g. parameters/mall/*.yaml",
                                  file=text)
            found.extend(matches)
            continue
        path = Path(text).expanduser()
        for candidate in ([path] if path.is_absolute() else [Path.cwd() / path, base / path]):
            if candidate.is_file():
                found.append(candidate.resolve())
                break
        else:
            raise ConfigError(f"Parameter file not found: {text}",
                              hint="give an existing YAML file or a glob such as "
                                   "'parameters/mall/*.yaml'", file=text)
    return found


def _display_path(path: Path) -> str:
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def make_tasks(notebook: str | os.PathLike[str], parameter_files: Sequence[str | os.PathLike[str]],
               overrides: Mapping[str, Any] | None = None) -> list[BatchTask]:
    """One task per parameter file (globs expanded); no files → one task with the defaults.

    Labels are the files' stems; when two files share a stem (``a/default.yaml``,
    ``b/default.yaml``) the parent folder is added so every label is unique.
    """
    files = expand_parameter_files(parameter_files) if parameter_files else []
    overrides = dict(overrides or {})
    if not files:
        return [BatchTask(os.fspath(notebook), (), overrides, "standard")]
    stems = [f.stem for f in files]
    tasks = []
    seen: dict[str, int] = {}
    for file, stem in zip(files, stems):
        label = stem if stems.count(stem) == 1 else f"{file.parent.name}-{stem}"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}-{seen[label]}"
        tasks.append(BatchTask(os.fspath(notebook), (_display_path(file),), overrides, label))
    return tasks


# ---------------------------------------------------------------------------------------
# one attempt (runs in a worker process: local pool or Dask worker)


def _default_runner(*args: Any, **kwargs: Any) -> Any:
    from ..runs import run_notebook

    return run_notebook(*args, **kwargs)


def _attempt(task: BatchTask, runner: Runner | None, cell_timeout: int | None,
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


def _worker_main(conn: Any) -> None:
    """Loop of a local worker process: receive a job, run it, send the outcome back."""
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if os.environ.get("RESEARCH_BATCH_WORKER_OUTPUT") != "inherit":
        # kernels inherit these descriptors: keep their chatter off the progress bar;
        # what matters (errors, outputs) is in each run's notebook and manifest
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        except Exception as exc:  # the task could not be unpickled (e.g. runner not importable)
            try:
                conn.send({"status": "failed", "error_name": type(exc).__name__,
                           "error": f"the worker could not load the run: {exc}",
                           "retryable": False, "duration": 0.0})
            except (BrokenPipeError, OSError):
                return
            continue
        if message is None:
            return
        task, runner, cell_timeout, reports = message
        try:
            outcome = _attempt(task, runner, cell_timeout, reports)
        except BaseException as exc:  # noqa: BLE001 - report, never die silently
            outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                       "error_name": type(exc).__name__, "retryable": False, "duration": 0.0}
        try:
            conn.send(outcome)
        except (BrokenPipeError, EOFError, OSError):
            return


def kill_process_tree(pid: int, *, grace: float = 2.0) -> None:
    """Terminate a process and all its descendants (kernels included), then kill stragglers."""
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    try:
        processes = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        processes = [parent]
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


# ---------------------------------------------------------------------------------------
# the scheduler shared by both backends


@dataclass
class _State:
    task: BatchTask
    index: int
    attempts: int = 0
    not_before: float = 0.0
    first_started: float | None = None
    elapsed: float = 0.0


def _backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off before retry ``attempt`` (1 → base, 2 → 2·base, ...)."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


class _Progress:
    def __init__(self, total: int, enabled: bool, description: str) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=description, unit="run", file=sys.stderr,
                             dynamic_ncols=True, leave=True)

    def update(self, result: TaskResult) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"{result.label}: {result.status}", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class _Local:
    """A pool of spawn worker processes with per-attempt wall-clock deadlines."""

    def __init__(self, size: int, reports: Path) -> None:
        self._reports = reports
        self._context = multiprocessing.get_context("spawn")
        self._size = size
        self._idle: list[tuple[Any, Any]] = []
        self._busy: dict[Any, tuple[Any, _State, float, float | None]] = {}

    def _start(self) -> tuple[Any, Any]:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child_end,),
                                        name="research-batch-worker", daemon=False)
        process.start()
        child_end.close()
        return process, parent_end

    def capacity(self) -> int:
        return self._size - len(self._busy)

    def submit(self, state: _State, runner: Runner | None, cell_timeout: int | None,
               reports: str, deadline: float | None) -> None:
        process, conn = self._idle.pop() if self._idle else self._start()
        try:
            conn.send((state.task, runner, cell_timeout, reports))
        except (BrokenPipeError, EOFError, OSError):  # an idle worker died: use a new one
            kill_process_tree(process.pid)
            conn.close()
            process, conn = self._start()
            conn.send((state.task, runner, cell_timeout, reports))
        self._busy[conn] = (process, state, time.monotonic(), deadline)

    def poll(self, wait: float) -> list[tuple[_State, dict[str, Any], float]]:
        """Wait up to ``wait`` seconds; return finished attempts (state, outcome, seconds)."""
        if not self._busy:
            time.sleep(max(0.0, wait))
            return []
        now = time.monotonic()
        deadlines = [d for (_, _, _, d) in self._busy.values() if d is not None]
        if deadlines:
            wait = max(0.0, min(wait, min(deadlines) - now))
        ready = wait_connections(list(self._busy), timeout=wait)
        done = []
        for conn in ready:
            process, state, started, _ = self._busy.pop(conn)
            try:
                outcome = conn.recv()
                self._idle.append((process, conn))
            except (EOFError, OSError):
                process.join(5)
                if process.is_alive():
                    kill_process_tree(process.pid)
                    process.join(5)
                conn.close()
                code = process.exitcode
                outcome = {"status": "crashed", "error_name": "WorkerDied", "retryable": True,
                           "error": f"the worker process died (exit code {code})"}
            done.append((state, outcome, time.monotonic() - started))
        now = time.monotonic()
        for conn, (process, state, started, deadline) in list(self._busy.items()):
            if deadline is not None and now >= deadline:
                del self._busy[conn]
                wall_started = time.time() - (time.monotonic() - started)
                kill_process_tree(process.pid)
                process.join(5)
                conn.close()
                outcome = {"status": "timeout", "error_name": "Timeout", "retryable": True,
                           "error": f"stopped after {now - started:.0f} s (wall-clock limit)"}
                evidence = _mark_killed_run(state.task, wall_started, now - started,
                                            self._reports)
                if evidence is not None:
                    outcome["run_dir"] = str(evidence)
                done.append((state, outcome, now - started))
        return done

    def close(self) -> None:
        for process, conn in self._idle:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for process, conn in self._idle:
            process.join(10)
            if process.is_alive():
                kill_process_tree(process.pid)
            conn.close()
        for conn, (process, *_rest) in self._busy.items():
            kill_process_tree(process.pid)
            process.join(5)
            conn.close()
        self._idle.clear()
        self._busy.clear()


def _mark_killed_run(task: BatchTask, wall_started: float, seconds: float,
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


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"Cannot connect to the Dask scheduler at {address}: {exc}",
                          hint="start it with 'dask scheduler' and give its address, "
                               "e.g. tcp://10.0.0.5:8786", parameter="dask") from exc


_PAPERMILL_LOCK = threading.Lock()


def _read_shipped(path_text: str) -> tuple[str, bytes | None]:
    """(path relative to the project root when inside it, file content) for shipping."""
    path = Path(path_text)
    root = project_root()
    full = path if path.is_absolute() else root / path
    if not full.is_file() and not path.is_absolute():
        full = Path.cwd() / path
    data = full.read_bytes() if full.is_file() else None
    full = full.resolve()
    relative = str(full.relative_to(root)) if full.is_relative_to(root) else full.name
    return relative, data


def _materialise(relative: str, data: bytes | None, scratch: Path) -> str:
    """Use the worker's own copy when identical, else write the shipped bytes to scratch."""
    local = project_root() / relative
    if data is None or (local.is_file() and local.read_bytes() == data):
        return str(local)
    target = scratch / "inputs" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)


def dask_attempt(task: BatchTask, shipped: Mapping[str, Any], runner: Runner | None,
                 cell_timeout: int | None) -> dict[str, Any]:
    """Run one attempt on a Dask worker and return its outcome with the run directory packed.

    The run goes into a worker-local temporary reports folder that is removed afterwards;
    ``outcome["archive"]`` holds the run directory as a gzip-compressed tar and
    ``outcome["relative"]`` its place under the reports folder (``runs/<stem>/<run-id>``).
    Attempts in one worker process are serialised (papermill is not thread-safe).
    """
    with _PAPERMILL_LOCK:
        scratch = Path(tempfile.mkdtemp(prefix="research-dask-"))
        try:
            notebook = _materialise(shipped["notebook"][0], shipped["notebook"][1], scratch)
            files = tuple(_materialise(rel, data, scratch) for rel, data in shipped["files"])
            local_task = BatchTask(notebook, files, task.overrides, task.label)
            reports = scratch / "reports"
            outcome = _attempt(local_task, runner, cell_timeout, str(reports))
            run_dir = outcome.get("run_dir")
            if run_dir and Path(run_dir).is_dir():
                run_path = Path(run_dir)
                buffer = io.BytesIO()
                with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                    archive.add(str(run_path), arcname=run_path.name)
                outcome["archive"] = buffer.getvalue()
                outcome["relative"] = run_path.relative_to(reports).as_posix()
            outcome["worker_run_dir"] = run_dir
            outcome.pop("run_dir", None)
            return outcome
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def unpack_run(archive: bytes, relative: str, reports: Path) -> Path:
    """Extract a run directory sent by a worker into ``reports/relative``, atomically.

    The archive is extracted into a hidden temporary folder next to its destination, then
    renamed into place, so a reader never sees a half-extracted run. An existing run
    directory is never overwritten (a suffix is added instead).
    """
    parts = PurePosixPath(relative).parts
    if (len(parts) != 3 or parts[0] != "runs" or any(p in ("", ".", "..") for p in parts)):
        raise ConfigError(f"Unexpected run directory {relative!r} from a worker.",
                          hint="the worker and the client must run the same version")
    destination = reports.joinpath(*parts)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".incoming-{parts[2]}-", dir=destination.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")
        source = staging / parts[2]
        if not source.is_dir():
            raise ConfigError(f"The archive for {relative!r} holds no run directory.",
                              hint="the worker and the client must run the same version")
        target = destination
        suffix = 1
        while True:
            try:
                os.rename(source, target)  # fails if target exists and is not empty
                break
            except OSError:
                if not target.exists():
                    raise
                suffix += 1
                target = destination.with_name(f"{parts[2]}-{suffix}")
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Dask:
    """Submit attempts to a distributed cluster; collect finished ones as they come."""

    def __init__(self, address: str | Any, size: int, reports: Path) -> None:
        self._own_client = isinstance(address, str)
        self._client = _connect(address) if isinstance(address, str) else address
        self._reports = reports
        self._size = size
        self._busy: dict[Any, tuple[_State, float, float | None]] = {}
        self._shipped: dict[str, Any] = {}

    def capacity(self) -> int:
        return self._size - len(self._busy)

    def _ship(self, task: BatchTask) -> dict[str, Any]:
        from ..runs import resolve_notebook

        key = (task.notebook, task.parameter_files)
        if key not in self._shipped:
            notebook = _read_shipped(str(resolve_notebook(task.notebook)))
            files = [_read_shipped(f) for f in task.parameter_files]
            self._shipped[key] = {"notebook": notebook, "files": files}
        return self._shipped[key]

    def submit(self, state: _State, runner: Runner | None, cell_timeout: int | None,
               reports: str, deadline: float | None) -> None:
        future = self._client.submit(dask_attempt, state.task, self._ship(state.task), runner,
                                     cell_timeout, pure=False,
                                     key=f"research-{state.task.label}-{uuid.uuid4().hex[:8]}")
        self._busy[future] = (state, time.monotonic(), deadline)

    def poll(self, wait: float) -> list[tuple[_State, dict[str, Any], float]]:
        if not self._busy:
            time.sleep(max(0.0, wait))
            return []
        now = time.monotonic()
        deadlines = [d for (_, _, d) in self._busy.values() if d is not None]
        if deadlines:
            wait = max(0.0, min(wait, min(deadlines) - now))
        until = now + wait
        while not any(f.done() for f in self._busy) and time.monotonic() < until:
            time.sleep(0.05)
        done = []
        for future, (state, started, deadline) in list(self._busy.items()):
            seconds = time.monotonic() - started
            if future.done():
                del self._busy[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died or the task could not run
                    outcome = {"status": "crashed", "error_name": "WorkerDied",
                               "retryable": True, "error": f"{type(exc).__name__}: {exc}"}
                archive = outcome.pop("archive", None)
                if archive is not None:
                    outcome["run_dir"] = str(unpack_run(archive, outcome["relative"],
                                                        self._reports))
                done.append((state, outcome, seconds))
            elif deadline is not None and time.monotonic() >= deadline:
                del self._busy[future]
                future.cancel()
                done.append((state, {"status": "timeout", "error_name": "Timeout",
                                     "retryable": True,
                                     "error": f"no result after {seconds:.0f} s "
                                              "(wall-clock limit)"}, seconds))
        return done

    def close(self) -> None:
        for future in self._busy:
            future.cancel()
        self._busy.clear()
        if self._own_client:
            self._client.close()


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
    runner: Runner | None = None,
) -> BatchResult:
    """Run ``notebook`` once per parameter set, in parallel, and publish once at the end.

    Parameters
    ----------
    notebook
        Path of the notebook (or its name in ``notebooks/``).
    parameter_files
        YAML files or glob patterns; each file is one parameter set. None → one run with
        the notebook's defaults.
    overrides
        Parameter values applied to every set.
    tasks
        Ready-made :class:`BatchTask` objects instead of ``notebook``/``parameter_files``.
    jobs
        Runs at the same time (default: the number of CPUs; with Dask, the number of
        worker threads in the cluster).
    timeout
        Wall-clock limit in seconds for one attempt of one run (None: no limit). A local
        run that exceeds it is killed with its kernel; it counts as a retryable failure.
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
        Show a progress bar on stderr.
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
        or the Dask scheduler cannot be reached.
    """
    started = time.monotonic()
    if tasks is None:
        if runner is None:
            from ..runs import resolve_notebook

            notebook = resolve_notebook(notebook)  # ParameterError before anything starts
        tasks = make_tasks(notebook, parameter_files, overrides)
    tasks = list(tasks)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"Invalid number of parallel runs: {jobs!r}.",
                          hint="give -j 1 or more", parameter="jobs")
    if retries is None or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"Invalid retries: {retries!r}.", hint="give 0 or more",
                          parameter="retries")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"Invalid timeout: {timeout!r}.", hint="give seconds > 0",
                          parameter="timeout")
    if cell_timeout is None and timeout is not None:
        cell_timeout = max(1, int(-(-timeout // 1)))
    wall_limit = None if timeout is None else float(timeout) + max(0.0, kill_grace)
    base = Path(reports).resolve() if reports else reports_dir()
    base.mkdir(parents=True, exist_ok=True)

    if dask is not None:
        backend: _Local | _Dask = _Dask(dask, 1, base)
        size = jobs or _dask_threads(backend._client) or 2
        backend._size = size
    else:
        if runner is not None:
            import pickle

            try:
                pickle.dumps(runner)
            except Exception as exc:
                raise ConfigError(f"The runner {runner!r} cannot be sent to worker processes.",
                                  hint="use a function defined at module level",
                                  parameter="runner") from exc
        size = min(jobs or os.cpu_count() or 1, max(1, len(tasks)))
        backend = _Local(size, base)

    pending: deque[_State] = deque(_State(task, i) for i, task in enumerate(tasks))
    finished: dict[int, TaskResult] = {}
    bar = _Progress(len(tasks), progress, Path(os.fspath(notebook)).stem if tasks else "batch")
    try:
        while pending or backend.capacity() < size:
            now = time.monotonic()
            for _ in range(len(pending)):
                if backend.capacity() <= 0:
                    break
                state = pending.popleft()
                if state.not_before > now:
                    pending.append(state)
                    continue
                state.attempts += 1
                state.first_started = state.first_started or now
                deadline = None if wall_limit is None else now + wall_limit
                backend.submit(state, runner, cell_timeout, str(base), deadline)
            waits = [s.not_before - now for s in pending if s.not_before > now]
            wait = min([0.5, *waits]) if waits else 0.5
            for state, outcome, seconds in backend.poll(wait):
                state.elapsed += seconds
                if outcome.get("retryable") and state.attempts <= retries:
                    state.not_before = time.monotonic() + _backoff_delay(state.attempts, backoff,
                                                                         backoff_cap)
                    pending.append(state)
                    continue
                run_dir = outcome.get("run_dir")
                result = TaskResult(
                    label=state.task.label, status=outcome.get("status", "failed"),
                    duration=state.elapsed, attempts=state.attempts,
                    run_dir=Path(run_dir) if run_dir else None, error=outcome.get("error"),
                    error_name=outcome.get("error_name"),
                    parameter_files=state.task.parameter_files)
                finished[state.index] = result
                bar.update(result)
    finally:
        bar.close()
        backend.close()

    batch = BatchResult([finished[i] for i in range(len(tasks))], time.monotonic() - started)
    if publish and any(r.succeeded for r in batch.results):
        from ..publish import publish_reporting

        batch.published, batch.publish_messages, batch.publish_error = publish_reporting(base)
    return batch


def _dask_threads(client: Any) -> int:
    try:
        return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    except Exception:  # an unusual scheduler: fall back to the default
        return 0
