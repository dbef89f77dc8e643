"""Shared fixtures: every test gets its own reports folder; nothing reads reports/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point RESEARCH_REPORTS_DIR at a temporary folder for every test."""
    reports = tmp_path / "reports"
    monkeypatch.setenv("RESEARCH_REPORTS_DIR", str(reports))
    monkeypatch.setenv("RESEARCH_PROJECT_ROOT", str(PROJECT_ROOT))
    monkeypatch.delenv("RESEARCH_RUN_DIR", raising=False)
    return reports


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
