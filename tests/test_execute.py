"""Kernels started ahead: a spare kernel gives exactly the output of a cold start, one that
no longer fits is replaced, none is left behind."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import psutil
import pytest

from research import execute as ex

from notebook_factory import make_notebook

pytestmark = pytest.mark.e2e

# What a cell can observe about its kernel: the run directory, the environment it was
# started with, the history, execution counts, modules already loaded, what was displayed.
PROBE = [
    ("setup", "import os, sys\nfrom research.paths import current_run_dir"),
    ("code", "print(current_run_dir().name, os.environ.get('MPLBACKEND'))"),
    ("code", "print(len(In), sorted(k for k in globals() if not k.startswith('_')))"),
    ("code", "print('pandas' in sys.modules, 'research.report' in sys.modules)"),
    ("code", "from IPython.display import display\ndisplay({'text/plain': 'visat'}, raw=True)"),
    ("code", "value * 2"),
]


def _outputs(path: Path) -> list[tuple[int | None, list[dict]]]:
    """Execution counts and outputs of every code cell (metadata such as timings left out)."""
    notebook = nbformat.read(str(path), as_version=4)
    return [(cell.get("execution_count"), [dict(o) for o in cell.get("outputs", [])])
            for cell in notebook.cells if cell.cell_type == "code"]


def _first_print(path: Path) -> str:
    return next(o["text"] for _, outs in _outputs(path) for o in outs if "text" in o)


def _spare_pid() -> int:
    return ex._SPARES[0].manager.provisioner.process.pid


def _kernel_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and \
                    "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "probe.ipynb", "value = 1  # ett tal", PROBE)


def _run(notebook: Path, folder: Path, name: str) -> Path:
    run_dir = folder / name
    run_dir.mkdir()
    outcome = ex.execute(notebook, run_dir / "notebook.ipynb", {"value": 21}, run_dir=run_dir)
    assert outcome.succeeded, outcome
    return run_dir / "notebook.ipynb"


def test_spare_kernel_output_is_identical_to_a_cold_start(probe: Path, tmp_path: Path) -> None:
    ex.discard_spare_kernel()
    cold = _run(probe, tmp_path, "run")
    (tmp_path / "cold").mkdir()
    cold = cold.rename(tmp_path / "cold" / "notebook.ipynb")
    (tmp_path / "run").rmdir()
    ex.prestart_kernel()
    assert ex.kernel_pids() == []  # a spare runs nothing yet
    spare_pid = _spare_pid()
    warm = _run(probe, tmp_path, "run")
    assert spare_pid not in ex._PIDS  # taken and stopped with its run
    assert _outputs(warm) == _outputs(cold)
    texts = [o.get("text", "") for _, outs in _outputs(warm) for o in outs]
    assert texts[0].split() == ["run", "module://matplotlib_inline.backend_inline"]
    assert _outputs(warm)[-1][1][0]["data"] == {"text/plain": "42"}
    assert [count for count, _ in _outputs(warm)] == list(range(1, 9))


def test_batch_workers_keep_fresh_kernels_booting_for_the_next_runs(probe: Path,
                                                                    tmp_path: Path) -> None:
    ex.keep_spare_kernel(True)
    try:
        first = _run(probe, tmp_path, "a")
        waiting = _spare_pid()  # the next runs' kernels are already booting
        booting = {spare.manager.provisioner.process.pid for spare in ex._SPARES}
        assert len(booting) == ex.SPARE_DEPTH == 2 and ex._PIDS == booting
        assert ex.kernel_pids() == []  # spares run nothing
        second = _run(probe, tmp_path, "b")
        assert waiting not in ex._PIDS and len(ex._PIDS) == ex.SPARE_DEPTH
        assert booting - {waiting} <= ex._PIDS  # the other one is the next run's
        # never reused: the second run saw a fresh kernel, its own run directory
        same = [i for i in range(len(_outputs(first))) if i != 3]  # 3: the run directory
        assert [_outputs(first)[i] for i in same] == [_outputs(second)[i] for i in same]
        assert _first_print(first).startswith("a ") and _first_print(second).startswith("b ")
    finally:
        ex.keep_spare_kernel(False)
    assert ex._PIDS == set() and _kernel_children() == []


def test_a_spare_that_no_longer_fits_is_replaced(probe: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ex.prestart_kernel()
    stale = _spare_pid()
    monkeypatch.setenv("RESEARCH_EXTRA_SETTING", "changed after the kernel started")
    notebook = make_notebook(tmp_path / "env.ipynb", "value = 1  # ett tal",
                             [("code", "import os\nprint(os.environ['RESEARCH_EXTRA_SETTING'])")])
    out = _run(notebook, tmp_path, "run")
    assert stale not in ex._PIDS
    assert "changed after" in _first_print(out)
    assert _kernel_children() == []


def test_a_dead_spare_is_replaced_by_a_fresh_kernel(probe: Path, tmp_path: Path) -> None:
    ex.prestart_kernel()
    psutil.Process(_spare_pid()).kill()
    out = _run(probe, tmp_path, "run")
    assert _first_print(out).startswith("run ")
    assert _kernel_children() == []


def test_discard_stops_the_spare(tmp_path: Path) -> None:
    ex.prestart_kernel()
    pid = _spare_pid()
    ex.discard_spare_kernel()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert ex._PIDS == set() and os.environ.get("RESEARCH_RUN_DIR") is None
