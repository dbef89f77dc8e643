"""Execution: run a notebook with papermill, in-process, into a run directory.

papermill is process-safe but not thread-safe (it changes the working directory), so runs
in parallel use separate processes (see :mod:`research.batch`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import ROOT_ENV, RUN_DIR_ENV, project_root

__all__ = [
    "ExecutionOutcome",
    "execute",
    "KERNEL_ARGUMENTS",
    "KERNEL_LAUNCHER",
    "LOAD_IPYKERNEL",
    "discard_spare_kernel",
    "kernel_pids",
    "keep_spare_kernel",
    "prestart_kernel",
    "setup_imports",
    "spawn_kernel_early",
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
    matplotlib's inline backend, as in JupyterLab (a figure a cell leaves open is shown).
    A cell error never raises: the executed notebook is saved either way. With
    ``stop_later`` (a list), a kernel this function started is appended to it instead of
    being stopped, for the caller to stop with :func:`stop_kernel` (e.g. in parallel with
    rendering).
    """
    root = project_root()
    env = {RUN_DIR_ENV: str(run_dir), **_kernel_environment(root)}
    # A kernel started ahead (prestart_kernel) is taken if it fits; otherwise one starts now.
    # (the setup imports matter only to a waiting kernel, or to the next one a worker starts)
    imports = setup_imports(notebook) if _SPARES or _KEEP_SPARE else ()
    # papermill loads while a spare kernel finishes booting (or importing) in the background
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _install_safe_translator()
    kernel = _take_spare(kernel_name or "python3", root, run_dir, imports)
    if kernel is None:
        kernel = _start_kernel(kernel_name or "python3", root, env)
    if _KEEP_SPARE:  # batch workers: the next run's kernel boots (and imports) while this runs
        prestart_kernel(kernel_name or "python3", imports=imports)
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

#: Loads ipykernel as our kernels do: ipykernel's own launcher, except that its debugger
#: support is not loaded. Importing debugpy is a third or more of a kernel's start-up, and
#: no run is ever debugged (the debugger is JupyterLab's, whose kernels are not started
#: here). Only ipykernel's import of it is refused: a cell may import debugpy as usual. The
#: start of :data:`KERNEL_LAUNCHER` and of the batch workers' kernel template
#: (:mod:`research.kernel_fork`).
LOAD_IPYKERNEL = """\
import sys
class _NoDebugger:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition('.')[0] in ('debugpy', '_pydevd_bundle'):
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
        return None
if sys.path and sys.path[0] == '':
    del sys.path[0]
sys.meta_path.insert(0, _NoDebugger)
try:
    import ipykernel.debugger
finally:
    sys.meta_path.remove(_NoDebugger)
del _NoDebugger
from ipykernel import kernelapp as _kernelapp
"""
KERNEL_LAUNCHER = LOAD_IPYKERNEL + "_kernelapp.launch_new_instance()\n"


def _without_debugger(manager: Any) -> None:
    """Start ``manager``'s kernel with :data:`KERNEL_LAUNCHER` when its kernel spec is
    ipykernel's standard one (``python -m ipykernel_launcher``); any other spec as it is."""
    try:
        spec = manager.kernel_spec
    except Exception:  # no such kernel: starting it reports that
        return
    argv = list(getattr(spec, "argv", None) or [])
    if argv[1:3] == ["-m", "ipykernel_launcher"]:
        spec.argv = [argv[0], "-c", KERNEL_LAUNCHER, *argv[3:]]


def _kernel_environment(root: Path) -> dict[str, str]:
    """What every run's kernel gets on top of this process's environment (no run dir)."""
    # matplotlib's inline backend, as in JupyterLab: plt.show() and display(fig) give figures
    return {ROOT_ENV: str(root), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "PYTHONWARNINGS": "ignore", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


# ---------------------------------------------------------------------------------------
# kernels started ahead: a fresh, never-used kernel waits for the next run of this process


@dataclass
class _Spare:
    manager: Any
    signature: tuple[Any, ...]
    imports: tuple[str, ...] = ()
    preparing: Any = None  # the thread importing the setup cell's modules
    prepared: bool = True


#: Kernels waiting for the next runs of this process, oldest first.
_SPARES: list[_Spare] = []
_KEEP_SPARE = False
#: How many kernels a batch worker keeps booting ahead (a kernel takes longer to boot and
#: import than a small run takes: with one, each run would wait for the rest of its boot).
SPARE_DEPTH = 2
_DEPTH = 1


def _signature(kernel_name: str, root: Path) -> tuple[Any, ...]:
    """What a spare kernel must share with the run that takes it: name, folder, environment."""
    merged = {key: value for key, value in os.environ.items() if key != RUN_DIR_ENV}
    merged.update(_kernel_environment(root))
    return kernel_name, str(root), tuple(sorted(merged.items()))


def prestart_kernel(kernel_name: str = "python3", *, imports: tuple[str, ...] = ()) -> None:
    """Start a kernel now for the next :func:`execute` in this process (if none is waiting;
    a batch worker, :func:`keep_spare_kernel`, keeps :data:`SPARE_DEPTH` booting).

    It boots while the caller validates parameters, hashes inputs or runs another notebook.
    The kernel is fresh: nothing runs in it before the run that takes it, except setting
    ``RESEARCH_RUN_DIR`` (silently, outside the history) and, with ``imports`` (batch
    workers: :func:`setup_imports` of the notebook just run), importing those modules in
    the background — what the run's setup cell does first anyway. Only a run of a notebook
    with exactly those setup imports takes such a kernel; if importing failed or printed
    anything (a cold run would show it), the kernel is not used. A spare whose name,
    folder or environment no longer fits is stopped and a new kernel started instead; one
    never taken is stopped when this process exits.
    """
    root = project_root()
    signature = _signature(kernel_name, root)
    while len(_SPARES) < _DEPTH:
        manager = _start_kernel(kernel_name, root, _kernel_environment(root),
                                template=_template(signature, root))
        if manager is None:
            return
        spare = _Spare(manager, signature, tuple(imports))
        if spare.imports:
            import threading

            spare.prepared = False
            spare.preparing = threading.Thread(target=_preimport, args=(spare,), daemon=True,
                                               name="research-preimport")
            spare.preparing.start()
        _SPARES.append(spare)


_TEMPLATE: Any = None  # research.kernel_fork.Template of a batch worker


def _template(signature: tuple[Any, ...], root: Path) -> Any:
    """The batch worker's kernel template when it is ready for kernels of ``signature``
    (started on first use; None until it has loaded ipykernel, and always outside batch
    workers): see :mod:`research.kernel_fork`."""
    global _TEMPLATE
    if not _KEEP_SPARE or signature[0] != "python3":  # the template is ipykernel's
        return None
    if _TEMPLATE is not None and (_TEMPLATE.signature != signature or
                                  _TEMPLATE.process.poll() is not None):
        _TEMPLATE.stop()
        _TEMPLATE = None
    if _TEMPLATE is None:
        _start_template()
        # a kernel forked once it is ready is ready before one booted beside it would be
        # (which would also take a core from it); if it is slow, boot as usual
        return _TEMPLATE if _TEMPLATE.ready(wait=TEMPLATE_WAIT) else None
    return _TEMPLATE if _TEMPLATE.ready() else None


#: How long a batch worker's first kernel waits for the template to be ready (seconds).
TEMPLATE_WAIT = 5.0


def _start_template() -> None:
    """Start this batch worker's kernel template now (if none runs), so it loads ipykernel
    while the worker loads the runner; see :mod:`research.kernel_fork`."""
    global _TEMPLATE
    if _TEMPLATE is not None or not _KEEP_SPARE:
        return
    from .kernel_fork import Template

    root = project_root()
    _TEMPLATE = Template(_signature("python3", root), root,
                         {**os.environ, **_kernel_environment(root),
                          "JPY_PARENT_PID": str(os.getpid())})


def _stop_template() -> None:
    global _TEMPLATE
    template, _TEMPLATE = _TEMPLATE, None
    if template is not None:
        template.stop()


@dataclass
class _Early:
    """A kernel process spawned before jupyter_client was loaded (see
    :func:`spawn_kernel_early`)."""

    process: subprocess.Popen
    command: list[str]
    env: dict[str, str]
    cwd: str
    connection_file: str

    def stop(self, *, keep_file: bool = False) -> None:
        """Kill the process; remove its connection file unless a manager took it over."""
        try:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        _PIDS.discard(self.process.pid)
        if not keep_file:
            with contextlib.suppress(OSError):
                os.remove(self.connection_file)


_EARLY: _Early | None = None


def spawn_kernel_early() -> None:
    """Spawn the next run's kernel (ipykernel, :data:`KERNEL_LAUNCHER`) now, with only the
    standard library: ``research run`` calls it first thing, so the kernel boots while the
    runner and jupyter_client load. :func:`prestart_kernel` then takes the process over if
    it was started exactly as jupyter_client would start it (command, folder, environment:
    compared there); otherwise it is stopped and a kernel started as usual."""
    global _EARLY
    if _EARLY is not None or _SPARES:
        return
    import json
    import socket
    import sys
    import uuid

    from jupyter_core.paths import jupyter_runtime_dir

    root = project_root()
    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    ports = []
    for _ in range(5):  # as jupyter_client picks them: free loopback ports, released
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    info = {"shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
            "control_port": ports[3], "hb_port": ports[4], "ip": "127.0.0.1",
            "key": str(uuid.uuid4()), "transport": "tcp", "signature_scheme": "hmac-sha256",
            "kernel_name": "python3"}
    path = runtime / f"kernel-{uuid.uuid4()}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(info, handle)
    env = {**os.environ, **_kernel_environment(root)}
    env.pop("PYTHONEXECUTABLE", None)  # as jupyter_client's provisioner does for Python
    env["JPY_PARENT_PID"] = str(os.getpid())
    command = [sys.executable, "-c", KERNEL_LAUNCHER, "-f", str(path), *KERNEL_ARGUMENTS]
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=str(root), env=env,
                                   start_new_session=True)
    except OSError:
        path.unlink(missing_ok=True)
        return
    _PIDS.add(process.pid)
    _EARLY = _Early(process, command, env, str(root), str(path))


def _adopt_early(manager: Any) -> None:
    """Let ``manager`` take over the early kernel process, if there is one (see
    :func:`spawn_kernel_early`); the provisioner compares how it was started."""
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is None:
        return
    try:
        import uuid

        from .kernel_fork import adopting_provisioner_class

        manager.connection_file = early.connection_file
        manager.load_connection_file(early.connection_file)
        manager._connection_file_written = True  # the kernel reads it: never rewritten
        manager.kernel_id = manager.kernel_id or str(uuid.uuid4())
        provisioner = adopting_provisioner_class()(kernel_id=manager.kernel_id,
                                                   kernel_spec=manager.kernel_spec,
                                                   parent=manager)
        provisioner.ports_cached = True  # the early kernel's ports, not new ones
        provisioner.early = early
        manager.provisioner = provisioner
    except Exception:  # start as usual
        early.stop()


def _stop_early() -> None:
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is not None:
        early.stop()


def setup_imports(notebook: str | Path) -> tuple[str, ...]:
    """The modules the notebook's setup cells (tagged ``setup``) import at their top level,
    in order: ``import a.b`` → ``a.b``; ``from a import b`` → ``a`` and ``a.b`` (which
    is imported in advance only if it is a module). Empty when there is no setup cell or it
    is not plain Python (magics)."""
    import ast
    import json

    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    names: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or \
                "setup" not in (cell.get("metadata") or {}).get("tags", []):
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except SyntaxError:
            return ()
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append(node.module)
                names.extend(f"{node.module}.{alias.name}" for alias in node.names
                             if alias.name != "*")
    return tuple(dict.fromkeys(names))


# Runs silently in the spare kernel: leaves no name behind; an error (a module that fails to
# import) makes the kernel unusable, so the run starts cold and shows the error itself.
_PREIMPORT = """\
def __research_preimport(names):
    import importlib, importlib.util
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            found = False
        if found:
            importlib.import_module(name)
__research_preimport({names!r})
del __research_preimport
"""


def _preimport(spare: _Spare) -> None:
    """Import the setup cell's modules in the spare kernel (a thread; own client)."""
    from jupyter_core.utils import run_sync

    manager = spare.manager
    _, client_class = _kernel_classes()
    client = None
    ok = False
    try:
        # its own session (from the connection file): a session shared with the run's client
        # would record this client's IOPub signatures and make that one drop them as replays
        client = client_class(connection_file=manager.connection_file, parent=manager)
        client.load_connection_file()
        client.start_channels(hb=False)
        run_sync(client.wait_for_ready)(timeout=60)
        msg_id = client.execute(_PREIMPORT.format(names=list(spare.imports)), silent=True,
                                store_history=False, allow_stdin=False)
        reply = run_sync(client._async_recv_reply)(msg_id, timeout=300)
        ok = reply["content"].get("status") == "ok" and run_sync(_quiet)(client, msg_id)
    except Exception:  # the kernel died or did not answer: not used
        ok = False
    finally:
        if client is not None:
            try:
                client.stop_channels()
                client.context.destroy(linger=0)
            except Exception:
                pass
        close_thread_loop()
        spare.prepared = ok


async def _quiet(client: Any, msg_id: str, wait: float = 30.0) -> bool:
    """Whether the request ``msg_id`` showed nothing (no stream, display or error) before
    the kernel went idle."""
    import queue
    import time

    until = time.monotonic() + wait
    while (left := until - time.monotonic()) > 0:
        try:
            msg = await client.iopub_channel.get_msg(timeout=left)
        except queue.Empty:
            return False
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] in ("stream", "display_data", "update_display_data",
                               "execute_result", "error", "clear_output"):
            return False
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            return True
    return False


def close_thread_loop() -> None:
    """Close the event loop jupyter_core's ``run_sync`` keeps for this thread: left open,
    it would be collected at interpreter exit and print a stray traceback."""
    import asyncio

    try:
        from jupyter_core.utils import _loop  # the loop run_sync keeps for this thread
    except ImportError:  # pragma: no cover - other jupyter_core versions
        return
    loop = _loop.get()
    if loop is not None and not loop.is_closed() and not loop.is_running():
        loop.close()
        _loop.set(None)
        asyncio.set_event_loop(None)


def keep_spare_kernel(enabled: bool = True) -> None:
    """Make this process a batch worker: every :func:`execute` starts the next runs'
    kernels (:data:`SPARE_DEPTH` of them) while it runs, forked from a kernel template that
    starts now (:mod:`research.kernel_fork`). ``False``: stop the spares and the template."""
    global _KEEP_SPARE, _DEPTH
    _KEEP_SPARE = bool(enabled)
    _DEPTH = SPARE_DEPTH if enabled else 1
    if enabled:
        _start_template()
    else:
        discard_spare_kernel()


def discard_spare_kernel() -> None:
    """Stop the kernel waiting for the next run, if any."""
    while _SPARES:
        stop_kernel(_SPARES.pop().manager)
    _stop_early()
    if not _KEEP_SPARE:
        _stop_template()


def kernel_pids() -> list[int]:
    """Process ids of the kernels running a notebook in this process now (the spares are
    not among them), for watchdogs."""
    waiting = {getattr(getattr(getattr(spare.manager, "provisioner", None), "process", None),
                       "pid", None) for spare in list(_SPARES)}
    return sorted(_PIDS - waiting)


def _take_spare(kernel_name: str, root: Path, run_dir: Path,
                imports: tuple[str, ...] = ()) -> Any:
    """The oldest spare kernel that fits, ready and told its run directory; None when there
    is none (another kernel, folder or environment; other setup imports done in advance).
    Spares that do not fit are stopped."""
    while _SPARES:
        spare = _SPARES.pop(0)
        if spare.signature != _signature(kernel_name, root) or \
                (spare.imports and spare.imports != tuple(imports)):
            stop_kernel(spare.manager)
            continue
        if spare.preparing is not None:
            spare.preparing.join(timeout=300)
        if not spare.prepared:  # importing in advance failed or showed something: not used
            stop_kernel(spare.manager)
            continue
        from jupyter_core.utils import run_sync

        client = spare.manager.__dict__.get("_research_ready_client")
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            _run_silently(client,
                          f"__import__('os').environ[{RUN_DIR_ENV!r}] = {str(run_dir)!r}")
        except Exception:  # the spare died or does not answer: try the next, or start one
            stop_kernel(spare.manager)
            continue
        return spare.manager
    return None


def _run_silently(client: Any, code: str, timeout: float = 60.0) -> None:
    """Execute ``code`` without output, history or execution count; raise if it fails."""
    from jupyter_core.utils import run_sync

    msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
    reply = run_sync(client._async_recv_reply)(msg_id, timeout=timeout)
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"setting up the kernel failed: {reply['content'].get('ename')}")


@atexit.register
def _stop_spare_at_exit() -> None:
    try:
        discard_spare_kernel()
    except Exception:  # interpreter teardown: the kernel's parent poller ends it anyway
        pass


# ---------------------------------------------------------------------------------------
# starting and stopping kernels


_PIDS: set[int] = set()


def _kernel_classes() -> tuple[type, type]:
    """(manager class, client class), defined on first use (jupyter_client loads lazily)."""
    global _CLASSES
    if _CLASSES is not None:
        return _CLASSES
    import queue
    import time

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class QuickReadyClient(AsyncKernelClient):
        """A client whose readiness check returns as soon as the kernel has answered.

        jupyter_client's own check ends by waiting until IOPub has been quiet for 0.2 s,
        on every run. Here readiness is a ``kernel_info`` reply on the shell channel plus
        the kernel's ``idle`` status for that request on IOPub (which shows IOPub is
        connected); nbclient ignores IOPub messages of other requests anyway.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            limit = time.monotonic() + (60.0 if timeout is None else timeout)
            while True:
                msg_id = self.kernel_info()
                try:
                    reply = await self._async_recv_reply(msg_id, timeout=1.0)
                    # once IOPub is connected, the idle status follows the reply within
                    # milliseconds; if it was published before this client's subscription
                    # reached the kernel, ask again soon rather than wait long
                    if await self._idle_seen(msg_id, 0.1):
                        self._handle_kernel_info_reply(reply)
                        return
                except (queue.Empty, TimeoutError):
                    pass
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > limit:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        async def _idle_seen(self, msg_id: str, wait: float) -> bool:
            until = time.monotonic() + wait
            while (left := until - time.monotonic()) > 0:
                try:
                    msg = await self.iopub_channel.get_msg(timeout=left)
                except queue.Empty:
                    return False
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["msg_type"] == "status"
                        and msg["content"].get("execution_state") == "idle"):
                    return True
            return False

    class TrackingKernelManager(AsyncKernelManager):
        """Remembers the clients it hands out, so they can be closed with the kernel; the
        first client, connected right after the kernel was spawned, goes to nbclient."""

        def client(self, **kwargs: Any) -> Any:
            ready = self.__dict__.pop("_research_ready_client", None)
            if ready is not None and not kwargs:
                return ready
            options = {**self.get_connection_info(session=True),
                       "connection_file": self.connection_file, "parent": self, **kwargs}
            created = QuickReadyClient(**options)
            self.__dict__.setdefault("_research_clients", []).append(created)
            return created

    _CLASSES = (TrackingKernelManager, QuickReadyClient)
    return _CLASSES


_CLASSES: tuple[type, type] | None = None


def _start_kernel(kernel_name: str, cwd: Path, env: Mapping[str, str], *,
                  template: Any = None) -> Any:
    """Start a kernel in the background and return its manager (None: let papermill do it).

    A client is connected at once (without heartbeat, which nbclient starts): its IOPub
    subscription is in place by the time the kernel first reports, so the readiness check
    needs a single round trip. With a ``template`` (batch workers), the kernel is forked
    from it (:mod:`research.kernel_fork`); if that fails, it starts as usual.
    """
    try:
        from jupyter_core.utils import run_sync

        manager_class, _ = _kernel_classes()
        manager = manager_class(kernel_name=kernel_name)
        _without_debugger(manager)
        if template is not None and not _fork_from(manager, template):
            return _start_kernel(kernel_name, cwd, env)
        if template is None and kernel_name == "python3":
            _adopt_early(manager)
        # the kernel's own stdout/stderr (fd-level writes, crash noise) stay out of the
        # caller's terminal: what a cell prints reaches the notebook through ipykernel
        run_sync(manager.start_kernel)(cwd=str(cwd), env={**os.environ, **env},
                                       extra_arguments=list(KERNEL_ARGUMENTS),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception:  # no such kernel etc.: papermill reports it the usual way
        if template is not None:  # the template failed: a kernel of its own instead
            return _start_kernel(kernel_name, cwd, env)
        return None
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is not None:
        _PIDS.add(process.pid)
    try:
        client = manager.client()
        client.start_channels(hb=False)
        manager.__dict__["_research_ready_client"] = client
    except Exception:  # nbclient makes its own client then
        pass
    return manager


def _fork_from(manager: Any, template: Any) -> bool:
    """Make ``manager`` fork its kernel from ``template``; False when its kernel spec is not
    our standard one (:data:`KERNEL_LAUNCHER`), which the template stands in for."""
    import uuid

    from .kernel_fork import provisioner_class

    argv = list(getattr(manager.kernel_spec, "argv", None) or [])
    if argv[1:3] != ["-c", KERNEL_LAUNCHER]:
        return False
    manager.kernel_id = manager.kernel_id or str(uuid.uuid4())
    provisioner = provisioner_class()(kernel_id=manager.kernel_id,
                                      kernel_spec=manager.kernel_spec, parent=manager)
    provisioner.template = template
    manager.provisioner = provisioner
    return True


def _close_clients(manager: Any) -> None:
    """Close the channels of the clients handed out for this kernel (once)."""
    clients = manager.__dict__.pop("_research_clients", [])
    manager.__dict__.pop("_research_ready_client", None)
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
    finally:
        if process is not None:
            _PIDS.discard(process.pid)


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
