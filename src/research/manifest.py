"""Provenance: what a run was given, what it read, what it ran with, how it ended."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from .paths import project_root

__all__ = [
    "KEY_PACKAGES",
    "MAX_FILES_PER_FOLDER",
    "sha256_file",
    "input_files",
    "mark_changed_inputs",
    "package_versions",
    "git_commit",
    "read_manifest",
]

KEY_PACKAGES = (
    "research", "papermill", "nbconvert", "nbformat", "ipykernel", "pandas", "numpy",
    "scipy", "highspy", "matplotlib", "scikit-learn", "pyreadstat", "rispy",
)
MAX_FILES_PER_FOLDER = 2000


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _candidate_paths(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value and len(value) < 4096 and "\n" not in value and "://" not in value:
            yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _candidate_paths(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _candidate_paths(item)


def input_files(parameters: Mapping[str, Any], extra: Iterable[Path] = ()) -> list[dict[str, Any]]:
    """Describe every existing file (or file inside a named folder) the parameters name."""
    root = project_root()
    found: dict[Path, str] = {}
    for name, value in parameters.items():
        for text in _candidate_paths(value):
            path = Path(text).expanduser()
            path = path if path.is_absolute() else root / path
            try:
                if path.is_file():
                    found.setdefault(path.resolve(), name)
                elif path.is_dir():
                    files = sorted(p for p in path.rglob("*") if p.is_file())
                    for file in files[:MAX_FILES_PER_FOLDER]:
                        found.setdefault(file.resolve(), name)
            except OSError:
                continue
    for path in extra:
        if path.is_file():
            found.setdefault(path.resolve(), "")
    records = []
    for path, parameter in sorted(found.items()):
        try:
            records.append({"path": _display_path(path, root), "parameter": parameter,
                            "size": path.stat().st_size, "sha256": sha256_file(path)})
        except OSError as exc:
            records.append({"path": _display_path(path, root), "parameter": parameter,
                            "error": str(exc)})
    return records


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str]:
    """Versions of Python and the key packages.

    Reading package metadata costs ≈ 30 ms per run, so the answer is kept for this process
    and asked again only when an install folder changed (installing or removing a package
    changes its folder's mtime): a batch worker's hundreds of runs read it once.
    """
    names = tuple(names)
    stamp = tuple(_folder_stamp(folder) for folder in _install_folders())
    cached = _VERSIONS.get(names)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    _VERSIONS[names] = (stamp, versions)
    return dict(versions)


_VERSIONS: dict[tuple[str, ...], tuple[tuple[Any, ...], dict[str, str]]] = {}


def _install_folders() -> list[str]:
    import sys

    return [entry for entry in sys.path if entry and not entry.endswith(".zip")]


def _folder_stamp(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def mark_changed_inputs(records: list[dict[str, Any]]) -> list[str]:
    """Hash the inputs again after a run and flag each file the run changed (or removed).

    Each changed record gets ``changed_by_run: true`` and ``sha256_after`` (None when the
    file is gone); the ``sha256`` recorded before the kernel started stays. Returns the
    changed paths.
    """
    root = project_root()
    changed = []
    for record in records:
        if "sha256" not in record:
            continue
        path = Path(record["path"])
        path = path if path.is_absolute() else root / path
        try:
            after = sha256_file(path)
        except OSError:
            after = None
        if after != record["sha256"]:
            record["changed_by_run"] = True
            record["sha256_after"] = after
            changed.append(record["path"])
    return changed


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=10, check=True).stdout.strip()


def git_commit(root: Path | None = None, paths: Iterable[Path] = ()) -> dict[str, Any] | None:
    """The project's git commit and whether the run used anything git does not hold.

    ``dirty`` is true when tracked files have changes, or when one of ``paths`` (the
    notebook, the parameter files) is untracked (or outside the project) or modified; those
    are listed under ``untracked`` and ``modified``.
    """
    root = (root or project_root()).resolve()
    inside, outside = [], []
    for path in paths:
        try:
            inside.append(str(Path(path).resolve().relative_to(root)))
        except ValueError:  # outside the project: git knows nothing about it
            outside.append(str(Path(path).resolve()))
    try:  # one call gives the commit and the tracked changes (porcelain v2 headers)
        summary = _git(root, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
        status = _git(root, "status", "--porcelain", "--untracked-files=all", "--ignored",
                      "--", *inside) if inside else ""
    except (OSError, subprocess.SubprocessError):
        return None
    commit = next((line.split()[2] for line in summary.splitlines()
                   if line.startswith("# branch.oid ")), "")
    if commit == "(initial)":
        commit = ""
    dirty = any(line and not line.startswith("#") for line in summary.splitlines())
    if not commit:
        return None
    # "??" untracked, "!!" ignored (e.g. a working copy in lab/): git holds neither
    untracked = sorted([line[3:] for line in status.splitlines() if line[:2] in ("??", "!!")]
                       + outside)
    modified = sorted(line[3:] for line in status.splitlines() if line and
                      line[:2] not in ("??", "!!"))
    described: dict[str, Any] = {"commit": commit, "dirty": dirty or bool(untracked or modified)}
    if untracked:
        described["untracked"] = untracked
    if modified:
        described["modified"] = modified
    return described


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """Read ``manifest.json`` of a run directory (None when missing or unreadable)."""
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
