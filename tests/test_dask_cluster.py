"""A real Dask cluster, started from the command line as an operator would: ``dask scheduler``
and two ``dask worker`` processes with nannies, on loopback only. A batch runs through
``research batch --dask``; a worker killed mid-run has its run finished elsewhere; a hung
run is stopped on the worker (kernel killed at the deadline), and a worker whose run does
not return even then exits and is restarted by its nanny."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from research.cli.main import main
from research.orchestration.batch import BatchTask, run_batch

from conftest import FIXTURES, PROJECT_ROOT, unavailable
from notebook_factory import make_notebook

pytestmark = pytest.mark.e2e

BATCH = FIXTURES / "batch"


def hang_runner(notebook, parameter_files, overrides, *, label, publish, timeout, reports):
    """A run whose worker thread never returns (no kernel to kill): only an exit helps."""
    time.sleep(3600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(client) -> dict[str, int]:
    """Worker address → worker process id, asked of every worker the scheduler knows and
    that answers (a worker that is exiting at that moment is left out, not an error)."""
    return client.run(os.getpid, on_error="ignore")


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(15)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        import distributed
    except ImportError:
        unavailable("the 'dask' extra (dask, distributed) is not installed")
    dask_cli = Path(sys.executable).with_name("dask")
    if not dask_cli.is_file():
        unavailable(f"the dask command line is missing ({dask_cli})")
    folder = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key != "RESEARCH_REPORTS_DIR"}
    env.update({"RESEARCH_PROJECT_ROOT": str(PROJECT_ROOT),
                "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                               env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    processes = []

    def start(name: str, *arguments: str) -> subprocess.Popen:
        log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([str(dask_cli), *arguments], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        processes.append(process)
        return process

    start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port),
          "--no-dashboard")
    nannies = [start(f"worker{n}", "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                     "--nthreads", "1", "--nanny", "--no-dashboard", "--name", f"w{n}",
                     "--local-directory", str(folder / f"w{n}"),
                     *(["--preload", "research.orchestration.dask_preload"] if n == 1 else []))
               for n in (1, 2)]
    client = None
    try:
        deadline = time.monotonic() + 60
        while client is None:
            try:
                client = distributed.Client(address, timeout="5s", set_as_default=False)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        client.wait_for_workers(2, timeout=90)
        yield SimpleNamespace(address=address, client=client, nannies=nannies, logs=folder)
    finally:
        if client is not None:
            client.close()
        for process in reversed(processes):
            _stop(process)


def test_a_worker_started_with_the_preload_has_its_kernel_template_before_any_run(cluster):
    # first in this module: no attempt has run on either worker yet
    def state(dask_worker) -> tuple[str, bool]:
        from research import execute

        template = execute._TEMPLATE
        return dask_worker.name, template is not None and template.process.poll() is None

    seen = dict(cluster.client.run(state).values())
    assert seen == {"w1": True, "w2": False}


def test_cli_batch_runs_on_the_cluster_and_brings_runs_home(cluster, tmp_path,
                                                            isolated_reports, capsys):
    from research.orchestration.samples import write_parameter_sets

    write_parameter_sets(tmp_path / "sets", 4)
    code = main(["batch", str(BATCH / "ok.ipynb"), "-f", str(tmp_path / "sets"),
                 "--dask", cluster.address, "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "4 of 4 succeeded" in out
    runs = sorted((isolated_reports / "runs" / "ok").iterdir())
    assert len(runs) == 4
    for run_dir in runs:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "succeeded"
        assert (run_dir / "briefing.html").is_file()
    assert (isolated_reports / "site" / "index.html").is_file()


def test_a_worker_killed_mid_run_has_its_run_finished_elsewhere(cluster, tmp_path,
                                                                 isolated_reports):
    notebook = make_notebook(
        tmp_path / "sover.ipynb",
        'pid_file = ""  # fil där kärnan skriver sin arbetsprocess\nseconds = 1.0  # väntetid',
        # the kernel's ancestors: its worker is its parent, or its grandparent when the
        # kernel was forked from the worker's kernel template (research.kernel_fork)
        [("code", "import psutil, time\nwith open(pid_file, 'a') as handle:\n"
                  "    handle.write(' '.join(str(p.pid) for p in psutil.Process().parents())"
                  " + '\\n')\ntime.sleep(seconds)")])
    pid_file = tmp_path / "workers.txt"
    before = _workers(cluster.client)
    killed: list[int] = []

    def kill_the_worker_running_it() -> None:
        _wait_until(lambda: pid_file.is_file() and pid_file.read_text().strip(), 120,
                    "the run to start")
        ancestors = [int(p) for p in pid_file.read_text().splitlines()[0].split()]
        pid = next(p for p in ancestors if p in before.values())
        killed.append(pid)
        os.kill(pid, signal.SIGKILL)  # the worker process, not its nanny

    killer = threading.Thread(target=kill_the_worker_running_it, daemon=True)
    killer.start()
    result = run_batch(notebook, tasks=[BatchTask(str(notebook), (),
                                                  {"pid_file": str(pid_file), "seconds": 4.0},
                                                  "sover")],
                       dask=cluster.address, publish=False)
    killer.join(5)
    run = result.results[0]
    assert run.status == "succeeded", run.error
    first, second = ([int(p) for p in line.split()]
                     for line in pid_file.read_text().splitlines())
    assert len(killed) == 1 and killed[0] in first
    # finished under another worker process: the surviving one, or — when the scheduler
    # hands the retry out after the nanny has restarted the killed one (seen under load in
    # CI) — the fresh process in its place; never under the killed process
    workers = set(before.values()) | set(_workers(cluster.client).values())
    assert killed[0] not in second and workers & set(second)
    manifest = json.loads((run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    # the nanny starts a fresh worker in place of the killed one
    _wait_until(lambda: len(_workers(cluster.client)) == 2
                and killed[0] not in _workers(cluster.client).values(), 90, "the nanny's restart")


def test_a_hung_run_is_stopped_on_the_worker_at_its_deadline(cluster, tmp_path,
                                                             isolated_reports):
    pid_file = tmp_path / "kernel.pid"
    before = set(_workers(cluster.client).values())
    started = time.monotonic()
    result = run_batch(BATCH / "hanging.ipynb",
                       tasks=[BatchTask(str(BATCH / "hanging.ipynb"), (),
                                        {"pid_file": str(pid_file)}, "hanger")],
                       dask=cluster.address, timeout=4, cell_timeout=600, kill_grace=0,
                       retries=0, publish=False)
    hung = result.results[0]
    assert (hung.status, hung.error_name) == ("timeout", "Timeout")
    assert "stopped on the worker" in hung.error
    assert time.monotonic() - started < 60  # not the cell's 3600 s, nor its 600 s limit
    kernel = int(pid_file.read_text())
    assert not psutil.pid_exists(kernel) or \
        psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE
    manifest = json.loads((hung.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["error"]["name"] == "Timeout"
    # killing the kernel was enough: both workers are the ones from before
    assert set(_workers(cluster.client).values()) == before


def test_a_worker_stuck_past_its_deadline_exits_and_its_nanny_restarts_it(cluster,
                                                                          isolated_reports):
    before = _workers(cluster.client)
    result = run_batch("ok", tasks=[BatchTask(str(BATCH / "ok.ipynb"), (), {}, "stuck")],
                       dask=cluster.address, timeout=1, kill_grace=0, retries=0,
                       publish=False, runner=hang_runner)
    stuck = result.results[0]
    assert (stuck.status, stuck.error_name) == ("timeout", "Timeout")
    assert "wall-clock limit" in stuck.error

    def replaced() -> bool:
        now = _workers(cluster.client)
        return len(now) == 2 and len(set(now.values()) & set(before.values())) == 1

    _wait_until(replaced, 90, "the stuck worker to exit and be restarted by its nanny")
