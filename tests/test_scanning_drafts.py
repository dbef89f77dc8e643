"""Draft copies of the archive (``<reports>/scratch/utkast-<run id>/``): removed when the
draft's process exits, and orphaned copies (process gone, unchanged for a day) removed by
the next draft, while copies of running processes and recent ones stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from research.scanning.archive import ORPHAN_AGE, Archive, archive_path, remove_orphaned_copies
from test_scanning_runs import enter_run

SHARED = "reports/archive/omvarld.sqlite"


def shared_archive(reports: Path) -> Path:
    path = reports / "archive" / "omvarld.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    with Archive(path):
        pass
    return path


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def aged(folder: Path, seconds: float) -> Path:
    stamp = time.time() - seconds
    for path in [*folder.rglob("*"), folder]:
        os.utime(path, (stamp, stamp))
    return folder


def test_a_draft_copy_is_removed_when_the_draft_process_exits(
        isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared_archive(isolated_reports)
    run_dir = enter_run(monkeypatch, isolated_reports, "utkast-7", None)
    code = ("from research.scanning.archive import archive_path\n"
            f"copy = archive_path({SHARED!r})\n"
            "assert copy.is_file(), copy\n"
            "print(copy)\n")
    env = {**os.environ, "RESEARCH_RUN_DIR": str(run_dir),
           "RESEARCH_REPORTS_DIR": str(isolated_reports)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    copy = Path(result.stdout.strip().splitlines()[-1])
    assert copy.parent.name == "utkast-utkast-7"
    assert isolated_reports / "scratch" in copy.parents
    assert not copy.parent.exists()  # gone with the process
    assert (isolated_reports / "archive" / "omvarld.sqlite").is_file()  # shared one kept


def test_the_next_draft_removes_orphaned_copies_only(
        isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared_archive(isolated_reports)
    scratch = isolated_reports / "scratch"
    day = ORPHAN_AGE + 3600

    def folder(name: str, owner: int | None) -> Path:
        path = scratch / name
        path.mkdir(parents=True)
        (path / "omvarld.sqlite").write_bytes(b"x")
        if owner is not None:
            (path / "owner.pid").write_text(str(owner), encoding="ascii")
        return path

    orphan = aged(folder("utkast-old", dead_pid()), day)
    no_owner = aged(folder("utkast-older", None), day)  # made before owners were recorded
    running = aged(folder("utkast-running", os.getpid()), day)
    recent = folder("utkast-recent", dead_pid())
    session = aged(folder(str(dead_pid()), None), day)  # a JupyterLab session's copies
    own_session = aged(folder(str(os.getpid()), None), day)
    other = aged(folder("notes", None), day)  # not a copy

    enter_run(monkeypatch, isolated_reports, "utkast-8", None)
    copy = archive_path(SHARED)
    assert copy.is_file() and copy.parent.name == "utkast-utkast-8"
    assert (copy.parent / "owner.pid").read_text(encoding="ascii") == str(os.getpid())
    assert not orphan.exists() and not no_owner.exists() and not session.exists()
    assert running.exists() and recent.exists() and own_session.exists() and other.exists()


def test_remove_orphaned_copies_by_age(tmp_path: Path) -> None:
    assert remove_orphaned_copies(tmp_path / "missing") == []
    copy = tmp_path / "utkast-1"
    copy.mkdir()
    (copy / "owner.pid").write_text(str(dead_pid()), encoding="ascii")
    now = time.time()
    assert remove_orphaned_copies(tmp_path, now=now + ORPHAN_AGE - 60) == []
    assert copy.exists()
    assert remove_orphaned_copies(tmp_path, now=now + ORPHAN_AGE + 60) == [copy]
    assert not copy.exists()
