"""House rules for the committed notebooks, and every shipped parameter set runs."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

from research.parameters import collect

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PARAMETER_SETS = sorted(p for p in (ROOT / "parameters").glob("*/*.yaml"))


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def committed(path: Path) -> nbformat.NotebookNode:
    """The notebook as committed (``git show HEAD:…``), not a researcher's working file;
    the working file when git does not know it yet (a new notebook before its commit)."""
    relative = path.resolve().relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{relative}"],
                           capture_output=True, text=True)
    if shown.returncode != 0:
        return nbformat.read(str(path), as_version=4)
    return nbformat.reads(shown.stdout, as_version=4)


def test_there_are_notebooks() -> None:
    assert any(nb.stem == "mall" for nb in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = committed(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code), f"{path.name}: strip outputs (nbstripout)"
    assert all(c.get("execution_count") is None for c in code), f"{path.name}: execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_house_layout(path: Path) -> None:
    nb = committed(path)
    declared = nb.metadata.get("research") or {}
    assert declared.get("kind") and declared.get("description") and declared.get("audience"), \
        f"{path.name}: declare kind, description and audience in metadata.research"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    parameters = [c for c in nb.cells if "parameters" in _tags(c)]
    assert len(parameters) == 1 and nb.cells[1] is parameters[0]
    assert any("setup" in _tags(c) for c in nb.cells), "a setup cell tagged 'setup'"
    for line in parameters[0].source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "#" in line, f"{path.name}: parameter line without help comment: {line}"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Sammanfattning" in markdown and "## Om underlaget" in markdown
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef,
                                                                   ast.AsyncFunctionDef))]
            assert not defs, f"{path.name}: move def/class into src/research"


@pytest.mark.parametrize("params", PARAMETER_SETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_parameter_sets_validate_against_their_notebook(params: Path) -> None:
    notebook = ROOT / "notebooks" / f"{params.parent.name}.ipynb"
    assert notebook.is_file(), f"{params} has no notebook {notebook.name}"
    collect(notebook, [params])


@pytest.mark.parametrize("params", [p for p in PARAMETER_SETS if p.stem == "default"],
                         ids=lambda p: p.parent.name)
def test_notebook_defaults_equal_its_default_parameter_set(params: Path) -> None:
    """Run All in JupyterLab and `research run -f default.yaml` compute the same briefing."""
    notebook = ROOT / "notebooks" / f"{params.parent.name}.ipynb"
    values, specs = collect(notebook, [params])
    differing = {name: (specs[name].default, value) for name, value in values.items()
                 if specs[name].default_value != value}
    assert not differing, f"{notebook.name}: defaults differ from {params.name}: {differing}"


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("params", [p for p in PARAMETER_SETS if p.stem == "default"],
                         ids=lambda p: p.parent.name)
def test_default_parameter_set_runs_into_an_accessible_briefing(params: Path, shipped_runs,
                                                                 request) -> None:
    """The session's shared run of the default set (tests/conftest.py: `research run`'s
    runner, read-only here)."""
    from browser import axe_violations, external_requests, open_page

    result = shipped_runs.run(f"{params.parent.name}/{params.stem}")
    assert result.succeeded, result.error
    briefing = result.run_dir / "briefing.html"
    html = briefing.read_text(encoding="utf-8")
    assert "No description has been provided" not in html and "Traceback" not in html
    assert "(beskrivning saknas)" not in html
    assert result.manifest["tables"], "a briefing saves its key tables"
    url = briefing.resolve().as_uri()
    chromium = request.getfixturevalue("chromium")  # the run is checked even without one
    with open_page(url, width=360, browser=chromium) as (page, requests, dialogs):
        assert external_requests(requests, url) == [] and dialogs == []
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert axe_violations(page) == []


@pytest.mark.e2e
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_as_is_from_the_notebooks_folder(path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """As in JupyterLab: kernel in notebooks/, no parameters injected, no run directory."""
    from nbclient import NotebookClient

    monkeypatch.delenv("RESEARCH_PROJECT_ROOT", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    reports = Path(os.environ["RESEARCH_REPORTS_DIR"])
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert not (ROOT / "notebooks" / "tables").exists()
    # an interactive run moves no shared state: at most private scratch copies
    written = [p for p in reports.rglob("*") if p.is_file()] if reports.exists() else []
    assert all("scratch" in p.relative_to(reports).parts for p in written), written
