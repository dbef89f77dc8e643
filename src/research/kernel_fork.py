"""Kernels forked from a template process, for batch workers.

A batch worker runs hundreds of small notebooks, each in a fresh kernel. Booting one costs
about 0.3 s of CPU (Python, IPython, ipykernel, zmq), which on a two-core machine is most of
what a small run costs. A worker therefore starts one *template* process that has loaded
ipykernel (and nothing else: no kernel, no sockets, no threads, no user code) and forks it
for each run's kernel. Each kernel is still a process of its own that no other run ever
used; it starts from the template's memory instead of from disk. Nothing a run does can
reach the template or another kernel.

What a forked kernel shares with its template, and a cold kernel would not: the string hash
seed (``PYTHONHASHSEED``: the order of a set of strings is the same in every kernel of one
worker, as if the seed were fixed) and the template's process start time. Python's
``random`` module reseeds itself in the child; the template loads neither numpy nor pandas.

Used only where :func:`research.execute.keep_spare_kernel` is on (batch workers). A run by
hand starts its kernel as ipykernel does; so does a worker whose template is not ready yet,
died, or was started with another environment.
"""

from __future__ import annotations

import functools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .execute import LOAD_IPYKERNEL

__all__ = ["Template", "ForkedKernelProcess", "provisioner_class"]

# The template: ipykernel loaded as our kernels load it (without its debugger, see
# research.execute.KERNEL_LAUNCHER), then one fork per request line on stdin
# (a JSON list: the kernel's command-line arguments); the child's pid is the reply line.
# SIGCHLD is ignored so that ended kernels are reaped by the system, never left as zombies;
# the child restores it (a cell's subprocess.run must be able to wait). Without requests
# (the worker is gone: end of stdin), the template exits, and its kernels notice (their
# parent poller watches the template) and end too.
TEMPLATE_CODE = LOAD_IPYKERNEL + """\
import json, os, signal
import ipykernel.ipkernel, ipykernel.zmqshell, ipykernel.iostream
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
_replies = os.fdopen(os.dup(1), 'w', encoding='utf-8')
_null = os.open(os.devnull, os.O_RDWR)
os.dup2(_null, 1)
_replies.write('ready\\n')
_replies.flush()
for _line in sys.stdin:
    _arguments = json.loads(_line)
    _pid = os.fork()
    if _pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _replies.close()
        os.dup2(_null, 0)
        os.close(_null)
        sys.stdin = open(os.devnull, encoding='utf-8')
        sys.argv = ['-c', *_arguments, f'--IPKernelApp.parent_handle={os.getppid()}']
        del _line, _arguments, _pid, _replies, _null
        _kernelapp.launch_new_instance()
        raise SystemExit(0)
    _replies.write(f'{_pid}\\n')
    _replies.flush()
"""


class ForkedKernelProcess:
    """What jupyter_client's local provisioner needs of a kernel process (``poll``,
    ``wait``, ``kill``, ``terminate``, ``send_signal``), for a kernel forked by the
    template: not a child of this process, so its exit is seen by probing its pid. Its
    exit status is not known here (reported as 0, or -9 after :meth:`kill`)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._killed = False

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -signal.SIGKILL if self._killed else 0
            except PermissionError:  # the pid now belongs to someone else: ours is gone
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        until = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if until is not None and time.monotonic() > until:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self._killed = True
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Template:
    """One template process (see the module's docstring) for kernels of one environment.

    ``signature`` is what a kernel must share with it (kernel name, folder, environment:
    :func:`research.execute._signature`); :meth:`fork` is used only when it matches.
    """

    def __init__(self, signature: Any, cwd: Path, env: Mapping[str, str]) -> None:
        self.signature = signature
        self._lock = threading.Lock()
        self._ready = False
        self.process = subprocess.Popen(
            [sys.executable, "-c", TEMPLATE_CODE], cwd=str(cwd), env=dict(env),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", bufsize=1)

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the template has loaded ipykernel and takes requests (waits up to
        ``wait`` seconds); False for good once it died."""
        if self._ready:
            return self.process.poll() is None
        if self.process.poll() is not None:
            return False
        readable, _, _ = select.select([self.process.stdout], [], [], wait)
        if readable:
            self._ready = self.process.stdout.readline().strip() == "ready"
        return self._ready and self.process.poll() is None

    def fork(self, arguments: list[str], timeout: float = 10.0) -> ForkedKernelProcess:
        """Fork a kernel with these command-line arguments (``-f CONNECTION_FILE …``)."""
        with self._lock:
            if not self.ready():
                raise RuntimeError("the kernel template is not ready")
            self.process.stdin.write(json.dumps(list(arguments)) + "\n")
            self.process.stdin.flush()
            readable, _, _ = select.select([self.process.stdout], [], [], timeout)
            line = self.process.stdout.readline().strip() if readable else ""
        if not line.isdigit():
            self.stop()
            raise RuntimeError("the kernel template did not answer")
        return ForkedKernelProcess(int(line))

    def stop(self) -> None:
        """End the template (kernels forked from it notice and end within a second; the
        caller stops its own kernels first)."""
        self._ready = False
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kernel-level hang
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


@functools.cache
def provisioner_class() -> type:
    """jupyter_client's local provisioner, launching by forking a :class:`Template`
    (given as the ``template`` attribute before the kernel starts) instead of spawning."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkingProvisioner(LocalProvisioner):  # type: ignore[misc]
        template: Template | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            # cmd is [python, -c, KERNEL_LAUNCHER, -f, connection file, options…]
            self.process = self.template.fork(list(cmd[3:]))
            self.pid = self.pgid = self.process.pid
            self.cwd = kwargs.get("cwd", Path.cwd())
            return self.connection_info

    return ForkingProvisioner


@functools.cache
def adopting_provisioner_class() -> type:
    """jupyter_client's local provisioner, taking over a kernel process spawned before
    jupyter_client was loaded (``research run``: :func:`research.execute.spawn_kernel_early`)
    when it was started exactly as this provisioner would start it (the same command,
    folder and environment); otherwise that process is stopped and a kernel started as
    usual. The ``early`` attribute is set before the kernel starts."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class AdoptingProvisioner(LocalProvisioner):  # type: ignore[misc]
        early: Any = None  # research.execute._Early

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            early, self.early = self.early, None
            # jupyter_client's launcher adds JPY_PARENT_PID to the environment it is given
            env = {**(kwargs.get("env") or {}), "JPY_PARENT_PID": str(os.getpid())}
            same = (early is not None and list(cmd) == early.command and env == early.env
                    and str(kwargs.get("cwd")) == early.cwd
                    and early.process.poll() is None)
            if not same:  # a kernel of its own, on the same ports and connection file
                if early is not None:
                    early.stop(keep_file=True)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = early.process
            self.pid = self.pgid = early.process.pid
            self.cwd = early.cwd
            return self.connection_info

    return AdoptingProvisioner
