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


@pytest.fixture
def shared_data() -> Path:
    """The shared reference data folder; skips the test with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake run directory, as if inside a papermill run started by `research run`."""
    folder = tmp_path / "run"
    folder.mkdir()
    monkeypatch.setenv("RESEARCH_RUN_DIR", str(folder))
    return folder
