"""What a batch runs and what came out: tasks (one per parameter set), their results, the
batch summary, and the expansion of files, globs and folders into tasks."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..paths import project_root

__all__ = [
    "BatchTask",
    "TaskResult",
    "BatchResult",
    "expand_parameter_files",
    "make_tasks",
    "task_key",
]

@dataclass(frozen=True)
class BatchTask:
    """One parameter set of a batch.

    Parameters
    ----------
    notebook
        Path of the notebook (or its name in ``notebooks/``).
    parameter_files
        YAML files merged in order into one parameter set (usually one file).
    overrides
        Parameter values applied on top of the files (the same for every set of a batch).
    label
        The parameter set's name in the summary and the catalogue.
    """

    notebook: str
    parameter_files: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = "standard"


@dataclass
class TaskResult:
    """The outcome of one parameter set, after all its attempts."""

    label: str
    status: str
    duration: float
    attempts: int
    run_dir: Path | None = None
    error: str | None = None
    error_name: str | None = None
    parameter_files: tuple[str, ...] = ()
    resumed: bool = False  # finished in an earlier, interrupted batch (from the ledger)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass
class BatchResult:
    """All outcomes of a batch, in the order the parameter sets were given."""

    results: list[TaskResult]
    duration: float
    published: bool = False
    publish_messages: list[str] = field(default_factory=list)
    publish_error: str | None = None

    @property
    def failed(self) -> list[TaskResult]:
        """The parameter sets that did not succeed."""
        return [r for r in self.results if not r.succeeded]

    @property
    def succeeded(self) -> bool:
        """True when every run succeeded and publishing (if asked) worked."""
        return not self.failed and self.publish_error is None

    def to_frame(self):  # -> pandas.DataFrame (imported lazily)
        """The summary as a DataFrame (one row per parameter set)."""
        import pandas as pd

        return pd.DataFrame(
            [{"parameter_set": r.label, "status": r.status, "duration_s": round(r.duration, 1),
              "attempts": r.attempts, "run_dir": str(r.run_dir) if r.run_dir else "",
              "resumed": r.resumed, "error": r.error or ""} for r in self.results])

    def summary_table(self) -> str:
        """A plain-text table: parameter set, status, duration, attempts, run directory."""
        header = ("parameter set", "status", "duration", "attempts", "run directory")
        rows = [(r.label, r.status + (" (earlier)" if r.resumed else ""),
                 f"{r.duration:.1f} s", str(r.attempts),
                 str(r.run_dir) if r.run_dir else "-") for r in self.results]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
                  for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        ok = sum(r.succeeded for r in self.results)
        earlier = sum(r.resumed for r in self.results)
        note = f" ({earlier} finished by an earlier, interrupted batch)" if earlier else ""
        lines.append(f"{ok} of {len(self.results)} succeeded{note} in {self.duration:.1f} s")
        counts = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        if len(counts) > 1:
            lines.append(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
        for r in self.failed:
            if r.error:
                error = " ".join(r.error.split())
                error = error if len(error) <= 300 else error[:299] + "…"
                lines.append(f"{r.label}: {r.status}: {error}")
        if self.publish_error:
            lines.append(f"publish failed: {self.publish_error}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# building tasks


def expand_parameter_files(patterns: Iterable[str | os.PathLike[str]],
                           *, base: Path | None = None) -> list[Path]:
    """Expand files, folders and glob patterns (relative to ``base``, default the project root).

    A plain path that exists relative to the current directory is taken as it is (as the
    shell would); other relative paths and all globs are resolved against the project root.
    A folder stands for the ``*.yaml``/``*.yml`` files directly in it, sorted by name.

    Raises
    ------
    ConfigError
        When a file does not exist, a pattern matches nothing or a folder holds no YAML.
    """
    base = base or project_root()
    found: list[Path] = []
    for pattern in patterns:
        text = os.fspath(pattern)
        if glob.has_magic(text):
            root = Path(text).expanduser()
            full = root if root.is_absolute() else base / root
            matches = sorted(Path(p) for p in glob.glob(str(full), recursive=True)
                             if Path(p).is_file())
            if not matches:
                raise ConfigError(f"No parameter files match {text!r} (under {base}).",
                                  hint="check the pattern, e.g. parameters/mall/*.yaml",
                                  file=text)
            found.extend(matches)
            continue
        path = Path(text).expanduser()
        for candidate in ([path] if path.is_absolute() else [Path.cwd() / path, base / path]):
            if candidate.is_file():
                found.append(candidate.resolve())
                break
            if candidate.is_dir():
                found.extend(_folder_files(candidate, text))
                break
        else:
            raise ConfigError(f"Parameter file not found: {text}",
                              hint="give an existing YAML file or a glob such as "
                                   "'parameters/mall/*.yaml'", file=text)
    return found


def _display_path(path: Path) -> str:
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def make_tasks(notebook: str | os.PathLike[str], parameter_files: Sequence[str | os.PathLike[str]],
               overrides: Mapping[str, Any] | None = None) -> list[BatchTask]:
    """One task per parameter file (globs expanded); no files → one task with the defaults.

    Labels are the files' stems; when two files share a stem (``a/default.yaml``,
    ``b/default.yaml``) the parent folder is added so every label is unique.
    """
    files = expand_parameter_files(parameter_files) if parameter_files else []
    overrides = dict(overrides or {})
    if not files:
        return [BatchTask(os.fspath(notebook), (), overrides, "standard")]
    stems = [f.stem for f in files]
    tasks = []
    seen: dict[str, int] = {}
    for file, stem in zip(files, stems):
        label = stem if stems.count(stem) == 1 else f"{file.parent.name}-{stem}"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}-{seen[label]}"
        tasks.append(BatchTask(os.fspath(notebook), (_display_path(file),), overrides, label))
    return tasks


def _folder_files(folder: Path, text: str) -> list[Path]:
    files = sorted(p.resolve() for p in folder.iterdir()
                   if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    if not files:
        raise ConfigError(f"The folder {text} holds no parameter files (*.yaml).",
                          hint="give a folder with one YAML file per parameter set", file=text)
    return files


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def task_key(task: BatchTask, notebook: Path) -> str:
    """What makes two runs the same run: the notebook's and the parameter files' contents,
    the overrides and the label (a hex digest)."""
    root = project_root()
    files = []
    for name in task.parameter_files:
        path = Path(name) if Path(name).is_absolute() else root / name
        files.append([name, _file_digest(path)])
    text = json.dumps([_file_digest(notebook), files, task.label,
                       sorted((k, repr(v)) for k, v in task.overrides.items())],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
