"""Execution: run a notebook with papermill, in-process, into a run directory.

papermill is process-safe but not thread-safe (it changes the working directory), so runs
in parallel use separate processes (see :mod:`research.batch`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import ROOT_ENV, RUN_DIR_ENV, project_root

__all__ = [
    "ExecutionOutcome",
    "execute",
    "KERNEL_ARGUMENTS",
    "stop_kernel",
]


def _install_safe_translator() -> None:
    """Inject string parameters with ``repr()``: a value can never become code."""
    from papermill.translators import PythonTranslator, papermill_translators

    class ReprPythonTranslator(PythonTranslator):
        @classmethod
        def translate_escaped_str(cls, str_val: Any) -> str:
            return repr(str(str_val))

        @classmethod
        def translate_str(cls, val: Any) -> str:
            return repr(str(val))

    papermill_translators.register("python", ReprPythonTranslator)


@dataclass
class ExecutionOutcome:
    """What happened when a notebook ran."""

    succeeded: bool
    error_name: str | None = None
    error_message: str | None = None
    cell_index: int | None = None
    cell_source: str | None = None


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def execute(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    run_dir: Path,
    timeout: int | None = None,
    kernel_name: str | None = None,
    stop_later: list[Any] | None = None,
) -> ExecutionOutcome:
    """Execute ``notebook`` with ``parameters`` into ``output`` and report the outcome.

    The kernel runs in the project root (so relative data paths mean the same as in the
    README), with ``RESEARCH_RUN_DIR`` pointing at ``run_dir`` (where tables are saved) and
    a non-interactive matplotlib backend (figures appear only through the report helpers).
    A cell error never raises: the executed notebook is saved either way. With
    ``stop_later`` (a list), a kernel this function started is appended to it instead of
    being stopped, for the caller to stop with :func:`stop_kernel` (e.g. in parallel with
    rendering).
    """
    root = project_root()
    env = {RUN_DIR_ENV: str(run_dir), ROOT_ENV: str(root), "MPLBACKEND": "Agg",
           "PYTHONWARNINGS": "ignore", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    # Start the kernel first: it boots while this process imports papermill and nbclient.
    kernel = _start_kernel(kernel_name or "python3", root, env)
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _install_safe_translator()
    # papermill re-reads the parameters line by line only to warn; we validated them already
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    engine_options = {"km": kernel} if kernel is not None else {
        "extra_arguments": KERNEL_ARGUMENTS}
    try:
        with _environment(env):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                cwd=str(root),
                kernel_name=kernel_name or "python3",
                execution_timeout=timeout,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                **engine_options,
            )
    except PapermillExecutionError as exc:
        return ExecutionOutcome(False, exc.ename, _first_line(exc.evalue), exc.cell_index,
                                exc.source)
    except Exception as exc:  # dead kernel, timeout, unreadable notebook ...
        cell_index = _failed_cell(output)
        return ExecutionOutcome(False, type(exc).__name__, _first_line(str(exc)) or repr(exc),
                                cell_index)
    finally:
        if stop_later is not None and kernel is not None:
            _close_clients(kernel)  # zmq sockets belong to this thread: close them here
            stop_later.append(kernel)  # the caller stops the process while it renders
        else:
            stop_kernel(kernel)
    return ExecutionOutcome(True)


# The kernel talks to this process over loopback only; keep its own log to real errors.
# No IPython history database: runs in parallel would contend for one SQLite file.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:"]


def _start_kernel(kernel_name: str, cwd: Path, env: Mapping[str, str]) -> Any:
    """Start a kernel in the background and return its manager (None: let papermill do it)."""
    try:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        class TrackingKernelManager(AsyncKernelManager):
            """Remembers the clients it hands out, so they can be closed with the kernel."""

            def client(self, **kwargs: Any) -> Any:
                created = super().client(**kwargs)
                self.__dict__.setdefault("_research_clients", []).append(created)
                return created

        manager = TrackingKernelManager(kernel_name=kernel_name)
        run_sync(manager.start_kernel)(cwd=str(cwd), env={**os.environ, **env},
                                       extra_arguments=list(KERNEL_ARGUMENTS))
        return manager
    except Exception:  # no such kernel etc.: papermill reports it the usual way
        return None


def _close_clients(manager: Any) -> None:
    """Close the channels of the clients handed out for this kernel (once)."""
    clients = manager.__dict__.pop("_research_clients", [])
    for client in clients:
        try:
            client.stop_channels()
            client.context.destroy(linger=0)
        except Exception:
            pass


def stop_kernel(manager: Any) -> None:
    """Close the clients of a kernel started by :func:`execute` and kill it."""
    if manager is None:
        return
    from jupyter_core.utils import run_sync

    _close_clients(manager)
    # Every output has arrived; nothing in the kernel needs a graceful exit. Kill the
    # process and reap it directly (jupyter_client's own wait polls in 0.1 s steps), then
    # let the manager remove its connection file and sockets.
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    try:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
        else:
            run_sync(manager._async_cleanup_resources)()
    except Exception:
        try:
            run_sync(manager.shutdown_kernel)(now=True)
        except Exception:
            pass


def _first_line(text: str | None, limit: int = 500) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failed_cell(output: Path) -> int | None:
    """Find the cell papermill marked as failed in a saved notebook, if any."""
    import nbformat

    if not output.is_file():
        return None
    try:
        nb = nbformat.read(str(output), as_version=4)
    except Exception:
        return None
    for index, cell in enumerate(nb.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status in ("failed", "running"):
            return index
    return None
