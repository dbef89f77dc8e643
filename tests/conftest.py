"""Shared fixtures: every test gets its own reports folder; nothing reads reports/.

The shipped notebooks' sample runs are made once per session (:func:`shipped_runs`) in a
session folder of their own and shared read-only; a test that changes a run or publishes
copies the run into its own folder first (:meth:`ShippedRuns.copy_run`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _point_at(patch: pytest.MonkeyPatch, reports: Path) -> None:
    patch.setenv("RESEARCH_REPORTS_DIR", str(reports))
    patch.setenv("RESEARCH_PROJECT_ROOT", str(PROJECT_ROOT))
    patch.delenv("RESEARCH_RUN_DIR", raising=False)


@pytest.fixture(autouse=True)
def isolated_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point RESEARCH_REPORTS_DIR at a temporary folder for every test."""
    reports = tmp_path / "reports"
    _point_at(monkeypatch, reports)
    return reports


@contextmanager
def reports_folder(reports: Path) -> Iterator[Path]:
    """RESEARCH_REPORTS_DIR at ``reports`` for the block, restored after it: for module- and
    session-scoped fixtures, which are set up before (and outside) a test's own
    :func:`isolated_reports`."""
    with pytest.MonkeyPatch.context() as patch:
        _point_at(patch, reports)
        yield reports


# ---------------------------------------------------------------------------------------
# the shipped notebooks run once on their sample data, shared read-only


def shipped_parameter_sets() -> list[str]:
    """``notebook/set`` for every shipped parameter file that has its notebook."""
    return sorted(f"{p.parent.name}/{p.stem}"
                  for p in (PROJECT_ROOT / "parameters").glob("*/*.yaml")
                  if (PROJECT_ROOT / "notebooks" / f"{p.parent.name}.ipynb").is_file())


def _digests(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


class ShippedRuns:
    """The shipped notebooks, each parameter set run once by the real runner
    (``research.runs.run_notebook``, as ``research run -f parameters/<nb>/<set>.yaml``) into
    one session reports folder, on first use; the catalogue published once from all of them
    (PDFs printed). Everything here is read-only for tests: the folder's files are hashed
    after every run and publish, and the session fails at its end if a test changed one."""

    def __init__(self, reports: Path) -> None:
        self.reports = reports
        self._runs: dict[str, Any] = {}
        self._files: dict[str, list[Path]] = {}  # what each run wrote (before publishing)
        self._published: Any = None
        self._sealed: dict[str, str] = {}

    def run(self, name: str) -> Any:
        """The :class:`research.runs.RunResult` of ``notebook/set`` (run now if not yet)."""
        if name not in self._runs:
            if name not in shipped_parameter_sets():
                raise KeyError(f"{name} is no shipped parameter set: {shipped_parameter_sets()}")
            assert self._published is None, "every shipped run is made before publishing"
            self._check()
            from research.runs import run_notebook

            notebook, parameter_set = name.split("/")
            with reports_folder(self.reports):
                result = run_notebook(PROJECT_ROOT / "notebooks" / f"{notebook}.ipynb",
                                      [PROJECT_ROOT / "parameters" / notebook /
                                       f"{parameter_set}.yaml"], publish=False, timeout=600)
            self._runs[name] = result
            self._files[name] = sorted(p for p in result.run_dir.rglob("*") if p.is_file())
            self._seal()
        return self._runs[name]

    def briefing(self, name: str) -> Path:
        """The briefing of a successful run of ``notebook/set``."""
        result = self.run(name)
        assert result.succeeded, f"{name}: {result.error}"
        return result.run_dir / "briefing.html"

    def runs(self) -> dict[str, Any]:
        """Every shipped parameter set's run, by ``notebook/set``. Those not made yet are
        made as a batch worker makes them (the next kernel forked and importing the
        notebook's setup modules while a run executes; sets of one notebook one after
        another); no spare kernel is left afterwards."""
        from research.execute import keep_spare_kernel

        pending = [name for name in shipped_parameter_sets() if name not in self._runs]
        if len(pending) > 1:
            keep_spare_kernel(True)
        try:
            return {name: self.run(name) for name in shipped_parameter_sets()}
        finally:
            keep_spare_kernel(False)

    def published(self) -> Any:
        """The :class:`research.publish.PublishReport` of publishing every run (once)."""
        if self._published is None:
            from research.publish import publish

            self.runs()
            self._check()
            with reports_folder(self.reports):
                report = publish(self.reports, pdf=True)
            self._seal()
            failed = [m for m in report.messages if "could not print" in m]
            # e.g. published while a test's own Playwright is open (it cannot start twice)
            assert not failed, f"the shared catalogue's PDFs were not printed: {failed}"
            self._published = report
        return self._published

    def site(self) -> Path:
        """The published catalogue site of every shipped run."""
        return self.published().site

    def copy_run(self, name: str, reports: Path) -> Path:
        """A private copy of the run of ``notebook/set`` in ``reports/runs/…``, as the runner
        left it (without what publishing the shared catalogue added), for a test that
        changes it or publishes it."""
        result = self.run(name)
        target = reports / "runs" / result.run_dir.parent.name / result.run_dir.name
        for path in self._files[name]:
            destination = target / path.relative_to(result.run_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        return target

    def _seal(self) -> None:
        self._sealed = _digests(self.reports)

    def _check(self) -> None:
        changed = self.changed()
        assert not changed, ("a test changed the shared shipped runs (copy_run them first): "
                             f"{changed[:10]}")

    def changed(self) -> list[str]:
        """Files of the shared folder that differ from what the runs and publishing wrote."""
        now = _digests(self.reports)
        return sorted(name for name in set(now) | set(self._sealed)
                      if now.get(name) != self._sealed.get(name))


@pytest.fixture(scope="session")
def shipped_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShippedRuns]:
    """Every shipped notebook × parameter set, run once per session (see
    :class:`ShippedRuns`); read-only: copy a run with ``copy_run`` before changing it."""
    shared = ShippedRuns(tmp_path_factory.mktemp("shipped") / "reports")
    yield shared
    shared._check()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a test module (tests/browser.py's launch): each test opens
    its pages in contexts of their own (``browser.new_page``, or ``open_page(url,
    browser=chromium)``). While it is open, Playwright cannot start again in this process
    (a publish printing PDFs would skip them): list it after fixtures that publish."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM_ARGS, require_browser

    executable = require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def unavailable(reason: str) -> None:
    """Skip with ``reason`` on a developer machine; fail in CI (``CI`` set), where R, the
    browser and the shared reference data must be present."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    """The shared reference data folder; skips (fails in CI) when it is absent."""
    if not SHARED_DATA.is_dir():
        unavailable(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA


def rscript_path() -> str:
    """``Rscript`` with survey, metafor and psych; skips (fails in CI) when missing."""
    import shutil
    import subprocess

    path = shutil.which("Rscript")
    if path is None:
        unavailable("Rscript not found (apt-get install r-base-core r-cran-survey "
                    "r-cran-metafor r-cran-psych)")
    check = subprocess.run([path, "-e", "suppressMessages({library(survey); library(metafor); "
                            "library(psych)})"], capture_output=True, text=True)
    if check.returncode != 0:
        unavailable(f"R packages survey/metafor/psych missing: {check.stderr.strip()[:200]}")
    return path


@pytest.fixture(scope="session")
def rscript() -> str:
    """Path of ``Rscript`` (see :func:`rscript_path`)."""
    return rscript_path()


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake run directory, as if inside a papermill run started by `research run`."""
    folder = tmp_path / "run"
    folder.mkdir()
    monkeypatch.setenv("RESEARCH_RUN_DIR", str(folder))
    return folder


@pytest.fixture
def no_spare_kernels() -> Iterator[None]:
    """No spare kernel (nor kernel template) of this process before the test, and none left
    after it: every kernel it started is stopped."""
    from research import execute

    execute.discard_spare_kernel()
    yield
    execute.keep_spare_kernel(False)
    assert execute._PIDS == set()


# ---------------------------------------------------------------------------------------
# parallel runs (pytest-xdist, ``-n 2 --dist loadgroup`` in the Makefile)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep what shares a costly fixture on one worker: every test of the shipped sample
    runs (session-scoped, built once per worker) in one group, every other test with its
    module (module-scoped fixtures such as the national inbox are built once)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if "shipped_runs" in getattr(item, "fixturenames", ()):
            group = "shipped-runs"
        else:
            group = item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
