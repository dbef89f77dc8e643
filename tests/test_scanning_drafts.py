"""Draft copies of the archive (``<reports>/scratch/utkast-<run id>/``): removed when the
draft's scan is done with them (also when it fails), and left-over copies — of a finished
draft run at once, of a gone process after a day unchanged — removed by the next draft,
while copies of running processes and recent ones stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from research import scanning
from research.errors import InputDataError
from research.scanning.archive import (ORPHAN_AGE, Archive, archive_path, release_draft_copy,
                                       remove_orphaned_copies)
from test_scanning_runs import enter_run, finish_run, write_feed

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


def test_a_draft_copy_is_removed_when_the_scan_is_done_with_it(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = shared_archive(isolated_reports)
    enter_run(monkeypatch, isolated_reports, "utkast-7", None)
    copy = archive_path(SHARED)
    assert copy.is_file() and copy.parent.name == "utkast-utkast-7"
    result = scanning.analyse(write_feed(tmp_path, range(0, 2)), copy, as_of="2026-11-22")
    assert len(result.new_items) == 2
    assert not copy.parent.exists() and shared.is_file()
    # also when the scan fails while the copy is open
    from research.scanning import briefing

    def broken(*args: object, **kwargs: object) -> None:
        raise InputDataError("the source broke")

    monkeypatch.setattr(briefing, "read_sources", broken)
    copy = archive_path(SHARED)
    assert copy.is_file()
    with pytest.raises(InputDataError):
        scanning.analyse(write_feed(tmp_path, range(0, 2)), copy, as_of="2026-11-22")
    assert not copy.parent.exists()


def test_only_the_current_drafts_copy_is_released(
        isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = shared_archive(isolated_reports)
    assert release_draft_copy(shared) is False  # no run: nothing
    enter_run(monkeypatch, isolated_reports, "r1", "default")  # a declared set
    assert archive_path(SHARED) == shared and release_draft_copy(shared) is False
    enter_run(monkeypatch, isolated_reports, "utkast-9", None)
    other = isolated_reports / "scratch" / "utkast-other" / "omvarld.sqlite"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"x")
    assert release_draft_copy(other) is False and other.exists()
    assert release_draft_copy(shared) is False and shared.exists()
    copy = archive_path(SHARED)
    assert release_draft_copy(copy) is True and not copy.parent.exists()


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

    finished_dir = enter_run(monkeypatch, isolated_reports, "u-done", None)
    finish_run(finished_dir, "failed")
    finished = folder("utkast-u-done", os.getpid())  # its run has finished: goes at once
    still_running = folder("utkast-u-running", os.getpid())
    enter_run(monkeypatch, isolated_reports, "u-running", None)
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
    assert not finished.exists() and still_running.exists()
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
