"""Where things live: the project root, the reports folder, and path resolution.

JupyterLab starts kernels in ``notebooks/`` while papermill starts them in the caller's
working directory, so relative data paths in parameters are resolved against the project
root, never against the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ROOT_ENV",
    "REPORTS_ENV",
    "RUN_DIR_ENV",
    "project_root",
    "reports_dir",
    "resolve",
    "current_run_dir",
]

ROOT_ENV = "RESEARCH_PROJECT_ROOT"
REPORTS_ENV = "RESEARCH_REPORTS_DIR"
RUN_DIR_ENV = "RESEARCH_RUN_DIR"


def project_root(start: Path | None = None) -> Path:
    """Return the project root.

    ``$RESEARCH_PROJECT_ROOT`` wins; otherwise the nearest parent of ``start`` (default:
    the current directory, then this package's location) holding a ``pyproject.toml`` next
    to a ``notebooks/`` folder.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    candidates = [Path(start or Path.cwd()).resolve(), Path(__file__).resolve().parent]
    for candidate in candidates:
        for folder in (candidate, *candidate.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
                return folder
    return Path.cwd().resolve()


def reports_dir() -> Path:
    """Return the reports folder (``$RESEARCH_REPORTS_DIR`` or ``<root>/reports``)."""
    env = os.environ.get(REPORTS_ENV)
    return Path(env).resolve() if env else project_root() / "reports"


def resolve(path: str | os.PathLike[str], base: Path | None = None) -> Path:
    """Resolve ``path`` against ``base`` (default: the project root) unless absolute."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return ((base or project_root()) / p).resolve()


def current_run_dir() -> Path | None:
    """Return the run directory of the papermill run this kernel belongs to, if any."""
    env = os.environ.get(RUN_DIR_ENV)
    return Path(env) if env else None
