"""Batch workers fork each run's kernel from a template that has loaded ipykernel
(research.kernel_fork): every run still gets a fresh process no other run used, its output
is exactly a cold kernel's, and nothing is left behind when the worker stops."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from research import execute as ex
from research.kernel_fork import ForkedKernelProcess

from notebook_factory import code_outputs as _outputs, make_notebook, tiny_notebook
from test_execute import _kernel_children

pytestmark = pytest.mark.e2e

NAMESPACE = ("import sys, os\nprint(len(In), sorted(globals()))\n"
             "print(sorted(m for m in sys.modules if m.startswith('research')))\n"
             "print(os.environ['RESEARCH_RUN_DIR'] == str(__import__('research.paths', "
             "fromlist=['x']).current_run_dir()))")


def _texts(path: Path) -> list[str]:
    return [o.get("text", "") for _, outs in _outputs(path) for o in outs]


def _run(notebook: Path, folder: Path, name: str, **options) -> tuple[Path, ex.ExecutionOutcome]:
    run_dir = folder / name
    run_dir.mkdir()
    outcome = ex.execute(notebook, run_dir / "notebook.ipynb", {}, run_dir=run_dir, **options)
    return run_dir / "notebook.ipynb", outcome


def _template_ready() -> None:
    """Start the worker's template (as the first prestart does) and wait until it is ready:
    every kernel started afterwards is forked."""
    ex.keep_spare_kernel(True)  # starts the template
    assert ex._TEMPLATE.ready(wait=60)


def _forked_spares() -> list[ForkedKernelProcess]:
    return [spare.manager.provisioner.process for spare in ex._SPARES]


@pytest.fixture(autouse=True)
def _nothing_left():
    ex.keep_spare_kernel(False)
    yield
    ex.keep_spare_kernel(False)
    assert ex._PIDS == set() and ex._TEMPLATE is None
    assert _kernel_children() == []


def test_a_forked_kernel_gives_exactly_a_cold_kernels_output(tmp_path: Path) -> None:
    notebook = tiny_notebook(tmp_path)  # pandas, matplotlib, research.report; table, figure
    cells = nbformat.read(str(notebook), as_version=4)
    cells.cells.append(nbformat.v4.new_code_cell(NAMESPACE))
    nbformat.write(cells, str(notebook))
    cold, outcome = _run(notebook, tmp_path, "cold")
    assert outcome.succeeded
    _template_ready()
    ex.prestart_kernel(imports=ex.setup_imports(notebook))
    forked = _forked_spares()
    assert forked and all(isinstance(p, ForkedKernelProcess) for p in forked)
    template_pid = ex._TEMPLATE.process.pid
    assert all(psutil.Process(p.pid).ppid() == template_pid for p in forked)
    warm, outcome = _run(notebook, tmp_path, "warm")
    assert outcome.succeeded
    assert _outputs(warm) == _outputs(cold)
    assert not psutil.pid_exists(forked[0].pid) or \
        psutil.Process(forked[0].pid).status() == psutil.STATUS_ZOMBIE  # used once, ended


def test_forked_kernels_are_separate_processes_with_their_own_randomness(
        tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [
        ("code", "import os, random, subprocess, sys\n"
                 "print(os.getpid(), random.random(), os.urandom(8).hex())"),
        ("code", "import numpy\nprint(numpy.random.random())"),
        ("code", "done = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], "
                 "capture_output=True, text=True)\nprint(done.returncode, done.stdout.strip())"),
        ("code", "x = 'satt i den här körningen'"),
        ("code", "print('x' in globals(), 'x' in dir(__builtins__))")])
    _template_ready()
    ex.prestart_kernel()
    seen = []
    for name in ("a", "b", "c"):
        out, outcome = _run(notebook, tmp_path, name)
        assert outcome.succeeded, outcome
        seen.append(_texts(out))
    firsts = [texts[0] for texts in seen]
    assert len(set(firsts)) == 3  # pid, Python's random and urandom all differ
    assert len({texts[1] for texts in seen}) == 3  # numpy seeds itself in each kernel
    assert all(texts[2].strip() == "0 42" for texts in seen)  # a cell can wait for a child
    assert all(texts[3].strip() == "True False" for texts in seen)


def test_a_hung_cell_in_a_forked_kernel_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [
        ("code", "import time\ntime.sleep(120)"), ("code", "print('efter')")])
    _template_ready()
    ex.prestart_kernel()
    pid = _forked_spares()[0].pid
    started = time.monotonic()
    out, outcome = _run(notebook, tmp_path, "hung", timeout=3)
    assert not outcome.succeeded and time.monotonic() - started < 60
    assert "Timeout" in f"{outcome.error_name} {outcome.error_message}"
    assert not out.exists() or "efter" not in json.dumps(_outputs(out))
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_dead_template_means_kernels_start_as_usual(tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [("code", "print('hej')")])
    _template_ready()
    psutil.Process(ex._TEMPLATE.process.pid).kill()
    ex._TEMPLATE.process.wait(timeout=10)
    ex.TEMPLATE_WAIT, wait = 0.0, ex.TEMPLATE_WAIT
    try:
        ex.prestart_kernel()  # a new template is started; this kernel boots as usual
    finally:
        ex.TEMPLATE_WAIT = wait
    assert not any(isinstance(p, ForkedKernelProcess) for p in _forked_spares())
    out, outcome = _run(notebook, tmp_path, "run")
    assert outcome.succeeded and _texts(out) == ["hej\n"]
    assert ex._TEMPLATE.ready(wait=60)  # the new one; the next kernels are forked from it
    # (the run's own prestart may have booted the next spares before the new template was
    # ready, as it should on a loaded machine: those are not forked, so start afresh)
    while ex._SPARES:
        ex.stop_kernel(ex._SPARES.pop().manager)
    ex.prestart_kernel()
    assert any(isinstance(p, ForkedKernelProcess) for p in _forked_spares())


def test_kernels_end_when_their_template_ends(tmp_path: Path) -> None:
    _template_ready()
    ex.prestart_kernel()
    forked = _forked_spares()
    assert forked
    pids = [p.pid for p in forked]
    ex._TEMPLATE.process.kill()  # as when the worker dies: the template goes, and then
    deadline = time.monotonic() + 30  # the kernels' parent poller ends them
    while time.monotonic() < deadline and any(
            psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
            for pid in pids):
        time.sleep(0.2)
    assert not any(psutil.pid_exists(pid) and
                   psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)
    ex.discard_spare_kernel()  # their managers only have files and sockets left to close
