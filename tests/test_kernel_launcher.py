"""Our kernels start without ipykernel's debugger support (debugpy, a third or more of a
kernel's start-up): a run's output is exactly that of ipykernel's own launcher, nothing
of debugpy is loaded, and a cell can still import debugpy itself."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

from research import execute as ex

from notebook_factory import code_outputs as _code_outputs, make_notebook, tiny_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("no_spare_kernels")]

PROBE = ("code", "import sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] in "
                 "('debugpy', '_pydevd_bundle', 'ipykernel')))\nprint(len(In), sorted(globals()))")


def _shown(path: Path) -> str:
    return "".join(o.get("text", "") for _, outs in _code_outputs(path) for o in outs)


def test_the_launcher_replaces_only_ipykernels_standard_command() -> None:
    class Spec:
        argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    class Manager:
        kernel_spec = Spec()

    manager = Manager()
    ex._without_debugger(manager)
    assert manager.kernel_spec.argv == ["/usr/bin/python3", "-c", ex.KERNEL_LAUNCHER, "-f",
                                        "{connection_file}"]
    other = Manager()
    other.kernel_spec = type("Spec", (), {"argv": ["R", "--slave", "-e", "IRkernel::main()"]})()
    ex._without_debugger(other)
    assert other.kernel_spec.argv == ["R", "--slave", "-e", "IRkernel::main()"]


def test_a_run_is_exactly_what_ipykernels_own_launcher_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = tiny_notebook(tmp_path)  # pandas, matplotlib, research.report; table, figure
    cells = nbformat.read(str(notebook), as_version=4)
    cells.cells.append(nbformat.v4.new_code_cell(
        "import sys\nprint(len(In), sorted(globals()))\n"
        "print(sorted(m for m in sys.modules if m.startswith('research')))"))
    nbformat.write(cells, str(notebook))
    ours_dir = tmp_path / "ours"
    ours_dir.mkdir()
    outcome = ex.execute(notebook, ours_dir / "notebook.ipynb", {}, run_dir=ours_dir)
    assert outcome.succeeded, outcome
    # the same run with the kernel spec as ipykernel installs it: python -m ipykernel_launcher
    launched = []
    monkeypatch.setattr(ex, "_without_debugger", lambda manager: launched.append(
        list(manager.kernel_spec.argv)))
    stock_dir = tmp_path / "stock"
    stock_dir.mkdir()
    outcome = ex.execute(notebook, stock_dir / "notebook.ipynb", {}, run_dir=stock_dir)
    assert outcome.succeeded, outcome
    assert launched and launched[0][1:3] == ["-m", "ipykernel_launcher"]
    assert _code_outputs(ours_dir / "notebook.ipynb") == _code_outputs(stock_dir / "notebook.ipynb")
    ours = nbformat.read(str(ours_dir / "notebook.ipynb"), as_version=4).metadata
    stock = nbformat.read(str(stock_dir / "notebook.ipynb"), as_version=4).metadata
    assert ours["language_info"] == stock["language_info"]


def test_no_debugpy_is_loaded_and_a_cell_can_still_import_it(tmp_path: Path) -> None:
    if importlib.util.find_spec("debugpy") is None:
        pytest.skip("debugpy is not installed here (nothing to leave out)")
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [
        PROBE, ("code", "import debugpy\nprint('debugpy', debugpy.__version__ != '')")])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    outcome = ex.execute(notebook, run_dir / "notebook.ipynb", {}, run_dir=run_dir)
    assert outcome.succeeded, outcome
    shown = _shown(run_dir / "notebook.ipynb")
    loaded = json.loads(shown.splitlines()[0].replace("'", '"'))
    assert "ipykernel.debugger" in loaded  # ipykernel looked, and found no debugger
    assert not [m for m in loaded if m.split(".")[0] in ("debugpy", "_pydevd_bundle")]
    assert "debugpy True" in shown


def test_an_early_kernel_is_adopted_only_if_started_as_jupyter_client_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    ex.spawn_kernel_early()
    early = ex._EARLY
    ex.prestart_kernel()
    assert ex._SPARES[0].manager.provisioner.process.pid == early.process.pid  # taken over
    ex.discard_spare_kernel()
    assert not os.path.exists(early.connection_file)

    ex.spawn_kernel_early()
    early = ex._EARLY
    monkeypatch.setenv("RESEARCH_EXTRA_SETTING", "set after the early kernel started")
    ex.prestart_kernel()
    assert ex._SPARES[0].manager.provisioner.process.pid != early.process.pid
    assert early.process.poll() is not None  # stopped; its connection file is the new one's
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [
        ("code", "import os\nprint(os.environ.get('RESEARCH_EXTRA_SETTING'))")])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert ex.execute(notebook, run_dir / "notebook.ipynb", {}, run_dir=run_dir).succeeded
    assert "set after" in _shown(run_dir / "notebook.ipynb")
    assert not os.path.exists(early.connection_file)
