"""Provenance at batch speed: the git state from one call to git, package versions read once
per process — and both still tell the truth."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import research.manifest as manifest
from research.manifest import git_commit, package_versions


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.org")
    _git(repo, "config", "user.name", "Test")
    return repo


def test_git_state_matches_git_itself(repo: Path) -> None:
    assert git_commit(repo) is None  # no commit yet
    (repo / "a.txt").write_text("ett\n", encoding="utf-8")
    _git(repo, "add", "a.txt")
    _git(repo, "commit", "-q", "-m", "first")
    state = git_commit(repo, [repo / "a.txt"])
    assert state == {"commit": _git(repo, "rev-parse", "HEAD"), "dirty": False}
    (repo / "a.txt").write_text("två\n", encoding="utf-8")  # a tracked file changed
    state = git_commit(repo)
    assert state["dirty"] and state["commit"] == _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "--", "a.txt")
    (repo / "new.ipynb").write_text("{}", encoding="utf-8")  # untracked: clean unless used
    assert git_commit(repo)["dirty"] is False
    assert git_commit(repo, [repo / "new.ipynb"])["untracked"] == ["new.ipynb"]


def test_package_versions_are_read_again_when_an_install_folder_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.setattr(manifest, "_install_folders", lambda: [str(folder)])
    monkeypatch.setattr(manifest, "_VERSIONS", {})
    reads: list[str] = []
    real = manifest.metadata.version
    monkeypatch.setattr(manifest.metadata, "version",
                        lambda name: reads.append(name) or real(name))
    first = package_versions(("nbformat",))
    assert first["nbformat"] == real("nbformat") and reads == ["nbformat"]
    assert package_versions(("nbformat",)) == first and reads == ["nbformat"]
    stat = folder.stat()
    os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # an install
    assert package_versions(("nbformat",)) == first and reads == ["nbformat", "nbformat"]
