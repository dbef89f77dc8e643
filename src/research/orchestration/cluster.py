"""The Dask backend: attempts on an existing ``distributed`` cluster (the ``dask`` extra).

Each worker runs the notebook into a worker-local temporary reports folder and sends the
run directory back as a compressed tar archive; the client unpacks it atomically into
``<reports>/runs/<notebook>/<run-id>/``. Workers need not share a file system with the
client, only the same project checkout (package, notebooks, sample data).

Deadlines are kept **on the worker**: an attempt still running at its wall-clock limit has
its kernel killed there (the run ends as ``timeout``, evidence kept); if the worker thread
itself is stuck, the worker process exits ``WORKER_EXIT_GRACE`` seconds later and its nanny
starts a fresh one. The client stops waiting a little after the limit and cancels the task,
so a stopped attempt is not started again by the scheduler (the batch's own retries apply).
A worker that dies mid-run (killed, out of memory) is handled by Dask: the scheduler runs
the task again on another worker.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import ConfigError
from ..paths import project_root
from .local import attempt
from .tasks import BatchTask

__all__ = [
    "WORKER_EXIT_GRACE",
    "CLIENT_GRACE",
    "DaskPool",
    "connect",
    "dask_attempt",
    "unpack_run",
]

#: Seconds after the wall-clock limit before a worker whose run does not end exits.
WORKER_EXIT_GRACE = 30.0
#: Seconds after the wall-clock limit before the client gives up on an attempt and cancels
#: it. Long enough for a worker that stopped the run itself (kernel killed, evidence packed
#: and sent back: seconds on a busy machine) to report first; shorter than the worker's own
#: exit, so the scheduler never hands a stuck attempt to a second worker.
CLIENT_GRACE = 20.0

Runner = Callable[..., Any]

_PAPERMILL_LOCK = threading.Lock()
_WORKER_READY = False


def connect(address: str) -> Any:
    """A ``distributed.Client`` for ``address``; clear errors when Dask is missing or down."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError("Running on a Dask cluster needs the 'dask' extra "
                          "(dask and distributed).",
                          hint="install it with: pip install -e '.[dask]' (make install "
                               "includes it)", parameter="dask") from exc
    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"Cannot connect to the Dask scheduler at {address}: {exc}",
                          hint="start it with 'dask scheduler' and give its address, "
                               "e.g. tcp://10.0.0.5:8786", parameter="dask") from exc


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


class _Watchdog:
    """The worker-side deadline of one attempt: kill its kernel at the limit, and end the
    worker process (its nanny restarts it) if the attempt still has not returned later."""

    def __init__(self, limit: float | None, exit_grace: float) -> None:
        self.fired = False
        self._timers = []
        if limit is not None:
            self._timers = [threading.Timer(limit, self._stop_kernels),
                            threading.Timer(limit + exit_grace, self._exit_worker)]
            for timer in self._timers:
                timer.daemon = True
                timer.start()

    def _stop_kernels(self) -> None:
        from ..execute import kernel_pids
        from .local import kill_process_tree

        self.fired = True
        for pid in kernel_pids():
            kill_process_tree(pid, grace=1.0)

    @staticmethod
    def _exit_worker() -> None:
        os._exit(75)  # the nanny sees the worker die and starts a fresh one

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _prepare_worker(runner: Runner | None, notebook: Path) -> None:
    """Once per worker process: keep the next runs' kernels booting between runs, forked
    from a kernel template (:mod:`research.kernel_fork`), the first one already now."""
    global _WORKER_READY
    if _WORKER_READY:
        return
    _WORKER_READY = True
    if runner is None:
        from ..execute import keep_spare_kernel, prestart_kernel, setup_imports

        keep_spare_kernel(True)
        prestart_kernel(imports=setup_imports(notebook))


def dask_attempt(task: BatchTask, shipped: Mapping[str, Any], runner: Runner | None,
                 cell_timeout: int | None, wall_limit: float | None = None,
                 exit_grace: float = WORKER_EXIT_GRACE) -> dict[str, Any]:
    """Run one attempt on a Dask worker and return its outcome with the run directory packed.

    The run goes into a worker-local temporary reports folder that is removed afterwards;
    ``outcome["archive"]`` holds the run directory as a gzip-compressed tar and
    ``outcome["relative"]`` its place under the reports folder (``runs/<stem>/<run-id>``).
    Attempts in one worker process are serialised (papermill is not thread-safe). At
    ``wall_limit`` seconds the attempt's kernel is killed (status ``timeout``); if the
    attempt has not returned ``exit_grace`` seconds later, the worker process exits.
    """
    with _PAPERMILL_LOCK:
        scratch = Path(tempfile.mkdtemp(prefix="research-dask-"))
        watchdog = _Watchdog(wall_limit, exit_grace)
        try:
            notebook = _materialise(shipped["notebook"][0], shipped["notebook"][1], scratch)
            _prepare_worker(runner, notebook)
            files = tuple(_materialise(rel, data, scratch) for rel, data in shipped["files"])
            local_task = BatchTask(notebook, files, task.overrides, task.label)
            reports = scratch / "reports"
            outcome = attempt(local_task, runner, cell_timeout, str(reports))
            watchdog.cancel()
            if watchdog.fired:
                outcome.update({"status": "timeout", "error_name": "Timeout", "retryable": True,
                                "error": f"stopped on the worker after {wall_limit:.0f} s "
                                         "(wall-clock limit); its kernel was killed"})
            outcome["worker_pid"] = os.getpid()
            run_dir = outcome.pop("run_dir", None)
            if run_dir and Path(run_dir).is_dir():
                run_path = Path(run_dir)
                if watchdog.fired:
                    _mark_stopped(run_path, outcome["error"])
                buffer = io.BytesIO()
                # level 1: the briefing's figures are compressed already; loopback or LAN
                with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
                    archive.add(str(run_path), arcname=run_path.name)
                outcome["archive"] = buffer.getvalue()
                outcome["relative"] = run_path.relative_to(reports).as_posix()
            return outcome
        finally:
            watchdog.cancel()
            shutil.rmtree(scratch, ignore_errors=True)


def _mark_stopped(run_dir: Path, message: str) -> None:
    from ..io.files import write_json_atomic
    from ..manifest import read_manifest

    manifest = read_manifest(run_dir) or {}
    manifest.update({"status": "failed", "error": {"name": "Timeout", "cell_index": None,
                                                   "message": message}})
    write_json_atomic(run_dir / "manifest.json", manifest)


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


class DaskPool:
    """Submit attempts to a distributed cluster; collect finished ones as they come.

    Parameters
    ----------
    address
        ``tcp://host:port`` of the scheduler, or a ``distributed.Client``.
    reports
        Where the run directories sent back by the workers are unpacked.
    """

    def __init__(self, address: str | Any, reports: Path, *, queue_ahead: bool = False) -> None:
        # With queue_ahead (only without a wall-clock limit, which the client counts from
        # submission), each worker slot gets its next attempt before the current one ends,
        # so a worker never idles while a result travels back; attempts in one worker
        # process still run one at a time.
        self._queue_ahead = queue_ahead
        self._finished = threading.Event()
        self._own_client = isinstance(address, str)
        self._client = connect(address) if isinstance(address, str) else address
        self._reports = reports
        self._size = 1
        self._busy: dict[Any, tuple[Any, float, float | None]] = {}
        self._shipped: dict[Any, dict[str, Any]] = {}

    def threads(self) -> int:
        """Worker threads in the cluster (0 when the scheduler does not say)."""
        try:
            workers = self._client.scheduler_info()["workers"].values()
            return sum(w.get("nthreads", 1) for w in workers)
        except Exception:
            return 0

    def resize(self, size: int) -> None:
        self._size = size

    def capacity(self) -> int:
        return self._size * (2 if self._queue_ahead else 1) - len(self._busy)

    def idle(self) -> bool:
        return not self._busy

    def _ship(self, task: BatchTask) -> dict[str, Any]:
        from ..runs import resolve_notebook

        key = (task.notebook, task.parameter_files)
        if key not in self._shipped:
            notebook = _read_shipped(str(resolve_notebook(task.notebook)))
            files = [_read_shipped(f) for f in task.parameter_files]
            self._shipped[key] = {"notebook": notebook, "files": files}
        return self._shipped[key]

    def submit(self, state: Any, runner: Runner | None, cell_timeout: int | None,
               reports: str, wall_limit: float | None) -> None:
        future = self._client.submit(dask_attempt, state.task, self._ship(state.task), runner,
                                     cell_timeout, wall_limit, pure=False,
                                     key=f"research-{state.task.label}-{uuid.uuid4().hex[:8]}")
        give_up = None if wall_limit is None else time.monotonic() + wall_limit + CLIENT_GRACE
        self._busy[future] = (state, time.monotonic(), give_up)
        future.add_done_callback(lambda _: self._finished.set())

    def poll(self, wait: float) -> list[tuple[Any, dict[str, Any], float]]:
        if not self._busy:
            time.sleep(max(0.0, wait))
            return []
        now = time.monotonic()
        deadlines = [d for (_, _, d) in self._busy.values() if d is not None]
        if deadlines:
            wait = max(0.0, min(wait, min(deadlines) - now))
        if not any(f.done() for f in self._busy):
            self._finished.wait(wait)  # set by the futures' done callbacks
        self._finished.clear()
        done = []
        for future, (state, started, give_up) in list(self._busy.items()):
            seconds = time.monotonic() - started
            if future.done():
                del self._busy[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died too often or the task could not run
                    outcome = {"status": "crashed", "error_name": "WorkerDied",
                               "retryable": True, "error": f"{type(exc).__name__}: {exc}"}
                archive = outcome.pop("archive", None)
                if archive is not None:
                    outcome["run_dir"] = str(unpack_run(archive, outcome["relative"],
                                                        self._reports))
                done.append((state, outcome, seconds))
            elif give_up is not None and time.monotonic() >= give_up:
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
