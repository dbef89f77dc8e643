"""A real client: JupyterLab from .venv-lab (as `make lab` starts it) driven by Chromium.

Each shipped notebook is opened from a working folder, Run All runs it, and it is saved:
no cell may end in an error, and the committed notebook must not change. In the
litteraturanalys notebook the screening log points at a temporary file; clicking
Inkludera and Exkludera must put both decisions in it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from browser import CHROMIUM_ARGS, require_browser
from conftest import unavailable

pytestmark = [pytest.mark.lab, pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
LAB_VENV = ROOT / ".venv-lab"
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb"))
RUN_TIMEOUT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on a free loopback port, serving a working folder of copies."""
    jupyter = LAB_VENV / "bin" / "jupyter"
    if not jupyter.is_file():
        unavailable("JupyterLab venv missing: make .venv-lab/.installed-stamp")
    require_browser()
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "ipykernel", "install",
                    "--prefix", str(LAB_VENV), "--name", "python3", "--display-name",
                    "Python 3 (Kunskapshus Research)"], check=True, capture_output=True)
    base = tmp_path_factory.mktemp("lab")
    work = base / "lab"
    work.mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, work / notebook.name)
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(base / "config"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"), "RESEARCH_PROJECT_ROOT": str(ROOT),
           "RESEARCH_REPORTS_DIR": str(base / "reports")}
    env.pop("RESEARCH_RUN_DIR", None)
    command = [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={work}", f"--LabApp.workspaces_dir={base / 'workspaces'}",
               f"--LabApp.user_settings_dir={base / 'settings'}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (base / "server.log").open("w")
    server = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((base / "server.log").read_text(encoding="utf-8")[-2000:])
                time.sleep(0.2)
        else:
            pytest.fail("JupyterLab did not start in 60 s")
        yield url, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser_page(lab: tuple[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            yield page
        finally:
            browser.close()


def _run_all_and_save(page, url: str, name: str) -> None:
    page.goto(f"{url}/lab/tree/{name}?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    _kernel_ready(page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # done when every code cell has run (a number in its prompt), or when the kernel is idle
    # with nothing queued (Run All stops at the first error; the saved file shows it)
    page.wait_for_function("""() => {
        const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .map(p => p.textContent);
        if (prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p))) return true;
        const status = document.querySelector('#jp-main-statusbar')?.textContent || '';
        const stopped = /\\| Idle/.test(status) && !prompts.some(p => p.includes('*'))
            && prompts.some(p => /\\[\\d+\\]/.test(p));
        window.__researchStopped = stopped ? (window.__researchStopped || Date.now()) : 0;
        return stopped && Date.now() - window.__researchStopped > 3000;
    }""", timeout=RUN_TIMEOUT_MS, polling=500)
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)


def _kernel_ready(page) -> None:
    """Accept the kernel choice JupyterLab may ask for (the project's kernel is preselected)
    and wait until the kernel is idle."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():
            accept.first.click()
        status = page.locator("#jp-main-statusbar").text_content() or ""
        if "| Idle" in status:
            return
        page.wait_for_timeout(250)
    pytest.fail("the kernel did not become idle")


def _errors(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_run_all_in_jupyterlab_leaves_the_committed_notebook_alone(
        notebook: Path, lab: tuple[str, Path], browser_page) -> None:
    url, work = lab
    committed = notebook.read_bytes()
    _run_all_and_save(browser_page, url, notebook.name)
    saved = work / notebook.name
    assert _errors(saved) == []
    nb = nbformat.read(str(saved), as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "saved with outputs"
    assert notebook.read_bytes() == committed


def test_screening_decisions_reach_the_log(lab: tuple[str, Path], browser_page,
                                           tmp_path: Path) -> None:
    url, work = lab
    log = tmp_path / "granskningslogg.csv"
    name = "litteraturanalys_granskning.ipynb"
    nb = nbformat.read(str(ROOT / "notebooks" / "litteraturanalys.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = cell.source.splitlines()
    cell.source = "\n".join(f"screening_log = {json.dumps(str(log))}  # tillfällig logg"
                            if line.startswith("screening_log") else line for line in lines)
    nbformat.write(nb, str(work / name))
    page = browser_page
    _run_all_and_save(page, url, name)
    assert _errors(work / name) == []
    for label in ("Inkludera", "Exkludera"):
        button = page.locator(".jupyter-widgets button", has_text=label).first
        button.scroll_into_view_if_needed()
        button.click()
        page.wait_for_timeout(1500)
    deadline = time.monotonic() + 30
    decisions: list[str] = []
    while time.monotonic() < deadline:
        if log.is_file():
            with log.open(encoding="utf-8", newline="") as stream:
                decisions = [row.get("decision", "") for row in csv.DictReader(stream)]
            if {"include", "exclude"} <= set(decisions):
                break
        time.sleep(0.5)
    assert {"include", "exclude"} <= set(decisions), decisions
