"""Where things live: the project root, the reports folder, and path resolution.

JupyterLab starts kernels in ``notebooks/`` while papermill starts them in the caller's
working directory, so relative data paths in parameters are resolved against the project
root, never against the current directory.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

__all__ = [
    "ROOT_ENV",
    "REPORTS_ENV",
    "RUN_DIR_ENV",
    "project_root",
    "reports_dir",
    "resolve",
    "resolve_notebook",
    "current_run_dir",
    "current_run",
    "is_interactive",
    "scratch_copy",
    "interactive_notice",
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


def current_run() -> dict[str, object] | None:
    """What ``research run`` recorded about the run this kernel belongs to, before the
    kernel started: ``run_id``, ``notebook_stem``, ``label`` and ``parameter_set`` (the
    declared set ``parameters/<notebook>/<name>.yaml`` it runs, or None for a draft).
    None outside a run. Domain code uses it to keep per-parameter-set state ("new since the
    last run of this set") apart, and to leave shared state alone in drafts."""
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    return {key: manifest.get(key) for key in ("run_id", "notebook_stem", "label",
                                               "parameter_set")}


def is_interactive() -> bool:
    """True in a Jupyter kernel that is not part of ``research run`` (JupyterLab, a
    notebook opened by hand).

    ``research run`` (and every batch or scheduled run, which go through it) sets
    ``$RESEARCH_RUN_DIR`` for its kernel; a JupyterLab kernel has no run directory. Plain
    scripts and tests are not interactive: they name their files themselves.
    """
    if current_run_dir() is not None:
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") \
        else None
    return type(shell).__name__ == "ZMQInteractiveShell"


_SCRATCH: dict[Path, Path] = {}


def scratch_copy(path: str | os.PathLike[str]) -> Path:
    """The file to use for shared state (an archive, a ledger) that belongs to the declared
    parameter sets, so that an interactive run never changes it.

    In a ``research run`` this is ``path`` itself (resolved against the project root).
    Interactively it is a private copy under ``<reports>/scratch/<process id>/``, made from
    ``path`` the first time it is asked for in this session (an empty start when ``path``
    does not exist yet); later calls in the same session return the same copy, so a session
    sees its own changes and the shared file is never touched.
    """
    original = resolve(path)
    if not is_interactive() or original in _SCRATCH.values():  # already the copy
        return original
    if original in _SCRATCH:
        return _SCRATCH[original]
    folder = reports_dir() / "scratch" / str(os.getpid())
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{len(_SCRATCH) + 1}-{original.name}"
    if original.is_file():
        shutil.copy2(original, copy)
    _SCRATCH[original] = copy
    return copy


def interactive_notice(what: str) -> str:
    """One Swedish line telling a JupyterLab user that ``what`` (e.g. "arkivet") is a
    private copy in this session, so running the notebook here changes nothing shared."""
    return (f"Interaktiv körning: {what} används som en privat kopia i den här sessionen. "
            "Inget som de publicerade briefingarna bygger på ändras; kör med "
            "`research run` för en körning som räknas.")


def resolve_notebook(notebook: str | Path) -> Path:
    """Find a notebook by path, or by name in ``notebooks/`` (``mall`` → notebooks/mall.ipynb)."""
    candidates = [Path(notebook).expanduser()]
    if not candidates[0].is_absolute():
        candidates = [Path.cwd() / notebook, project_root() / notebook]
    name = Path(notebook).name
    if not name.endswith(".ipynb"):
        candidates.append(project_root() / "notebooks" / f"{name}.ipynb")
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate.resolve()
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte
            continue
    from .errors import ParameterError

    raise ParameterError(f"Notebook not found: {notebook}",
                         hint="give a path to a .ipynb file or a name from notebooks/, e.g. 'mall'",
                         parameter="NOTEBOOK")
