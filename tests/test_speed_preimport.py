"""Batch workers import the setup cell's modules in the spare kernel before the next run's
parameters are injected: the run's output is exactly a cold run's, and a kernel whose
importing failed or printed anything is never used."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from research import execute as ex

from notebook_factory import code_outputs as _outputs, make_notebook, tiny_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("no_spare_kernels")]

# everything a cell can see of its kernel's history and namespace, and what it loaded
NAMESPACE = ("code", "import sys\nprint(len(In), sorted(globals()))\n"
                     "print(sorted(m for m in sys.modules if m.startswith('research')))")


def _run(notebook: Path, folder: Path, name: str, parameters: dict | None = None) -> Path:
    run_dir = folder / name
    run_dir.mkdir()
    ex.execute(notebook, run_dir / "notebook.ipynb", parameters or {}, run_dir=run_dir)
    return run_dir / "notebook.ipynb"


def _modules_in_spare(names: list[str]) -> dict[str, bool]:
    """Which of ``names`` the waiting spare kernel has loaded (asked silently, binding no
    name: a user expression)."""
    from jupyter_core.utils import run_sync

    spare = ex._SPARES[0]
    spare.preparing.join(timeout=120)
    client = spare.manager.__dict__["_research_ready_client"]
    expression = f"[n in __import__('sys').modules for n in {names!r}]"
    msg_id = client.execute("pass", silent=True, store_history=False,
                            user_expressions={"loaded": expression})
    reply = run_sync(client._async_recv_reply)(msg_id, timeout=60)
    assert "user_expressions" in reply["content"], reply["content"]
    value = reply["content"]["user_expressions"]["loaded"]["data"]["text/plain"]
    return dict(zip(names, json.loads(value.replace("True", "true").replace("False", "false"))))


def test_setup_imports_are_read_from_the_setup_cell(tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [
        ("code", "import json"),  # not the setup cell
        ("setup", "import os.path, sys\nfrom research import report, paths as p\n"
                  "from research.paths import resolve\nfrom x import *\nvalue = 1")])
    assert ex.setup_imports(notebook) == (
        "os.path", "sys", "research", "research.report", "research.paths",
        "research.paths.resolve", "x")
    magic = make_notebook(tmp_path / "magic.ipynb", "n = 1", [("setup", "%matplotlib inline")])
    assert ex.setup_imports(magic) == ()


def test_a_preimported_spare_gives_exactly_a_cold_runs_output(tmp_path: Path) -> None:
    notebook = tiny_notebook(tmp_path)  # pandas, matplotlib, research.report; table, figure
    cells = nbformat.read(str(notebook), as_version=4)
    cells.cells.append(nbformat.v4.new_code_cell(NAMESPACE[1]))
    nbformat.write(cells, str(notebook))
    cold = _run(notebook, tmp_path, "cold")
    ex.keep_spare_kernel(True)
    first = _run(notebook, tmp_path, "first")  # the spare for the next run imports meanwhile
    assert ex._SPARES[0].imports == ex.setup_imports(notebook)
    assert _modules_in_spare(["pandas", "matplotlib.pyplot", "research.report"]) == {
        "pandas": True, "matplotlib.pyplot": True, "research.report": True}
    spare_pid = ex._SPARES[0].manager.provisioner.process.pid
    warm = _run(notebook, tmp_path, "warm")
    assert spare_pid not in ex._PIDS  # the pre-imported kernel ran it and was stopped
    assert ex._SPARES and ex._SPARES[0].manager.provisioner.process.pid != spare_pid
    assert _outputs(warm) == _outputs(cold) == _outputs(first)


def test_a_spare_that_imported_for_another_notebook_is_not_used(tmp_path: Path) -> None:
    one = make_notebook(tmp_path / "one.ipynb", "n = 1", [("setup", "import json"), NAMESPACE])
    other = make_notebook(tmp_path / "other.ipynb", "n = 1", [("setup", "import csv"),
                                                              NAMESPACE])
    ex.keep_spare_kernel(True)
    _run(one, tmp_path, "one")
    spare_pid = ex._SPARES[0].manager.provisioner.process.pid
    out = _run(other, tmp_path, "other")
    assert spare_pid not in ex._PIDS
    shown = "".join(o.get("text", "") for _, outs in _outputs(out) for o in outs)
    assert "'json'" not in shown and "'csv'" in shown


@pytest.mark.parametrize("module, expected", [
    ("print('hej vid import')\n", "hej vid import"),
    ("raise RuntimeError('trasig modul')\n", "trasig modul"),
])
def test_a_module_that_prints_or_fails_on_import_gets_a_cold_kernel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, expected: str) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "bullrig.py").write_text(module, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "lib"))
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [("setup", "import bullrig"),
                                                             ("code", "print('efter')")])
    ex.keep_spare_kernel(True)
    first = _run(notebook, tmp_path, "first")
    ex._SPARES[0].preparing.join(timeout=120)
    assert ex._SPARES[0].prepared is False  # printed or failed: not usable
    spare_pid = ex._SPARES[0].manager.provisioner.process.pid
    second = _run(notebook, tmp_path, "second")
    assert spare_pid not in ex._PIDS
    assert _outputs(second) == _outputs(first)
    assert expected in json.dumps(_outputs(second), ensure_ascii=False)


def _research_run(notebook: Path, reports: Path, env_extra: dict | None = None) -> Path:
    """`research run` as a user types it; the executed notebook of the run."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, RESEARCH_REPORTS_DIR=str(reports), **(env_extra or {}))
    done = subprocess.run([str(Path(sys.executable).parent / "research"), "run", str(notebook),
                           "--no-publish"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1]) / "notebook.ipynb"


def test_research_run_imports_in_advance_and_gives_exactly_a_cold_runs_output(
        tmp_path: Path) -> None:
    notebook = tiny_notebook(tmp_path)
    cells = nbformat.read(str(notebook), as_version=4)
    cells.cells.append(nbformat.v4.new_code_cell(NAMESPACE[1]))
    nbformat.write(cells, str(notebook))
    cold = _run(notebook, tmp_path, "cold")  # no spare kernel: started and imported in the run
    by_hand = _research_run(notebook, tmp_path / "reports")
    assert _outputs(by_hand) == _outputs(cold)


def test_research_run_shows_what_a_setup_module_prints_on_import(
        tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "pratsam.py").write_text("print('hej vid import')\n", encoding="utf-8")
    notebook = make_notebook(tmp_path / "nb.ipynb", "n = 1", [("setup", "import pratsam"),
                                                             ("code", "print('efter')")])
    out = _research_run(notebook, tmp_path / "reports", {"PYTHONPATH": str(tmp_path / "lib")})
    shown = json.dumps(_outputs(out), ensure_ascii=False)
    assert "hej vid import" in shown and "efter" in shown


def test_research_runs_early_kernel_sees_what_a_cold_kernel_sees(tmp_path: Path) -> None:
    """`research run` spawns its kernel before loading the runner (and adopts it only if
    it was started as jupyter_client would): environment, arguments, folder and path are
    a cold kernel's."""
    probe = ("import os, sys\n"
             "print(sorted((k, v) for k, v in os.environ.items() "
             "if k not in ('JPY_PARENT_PID', 'RESEARCH_RUN_DIR')))\n"
             "print(sys.argv[1:2], os.getcwd(), sys.path, sys.executable)")
    notebook = make_notebook(tmp_path / "env.ipynb", "n = 1", [("code", probe)])
    cold = _run(notebook, tmp_path, "cold")
    by_hand = _research_run(notebook, tmp_path / "reports")
    assert _outputs(by_hand) == _outputs(cold)
