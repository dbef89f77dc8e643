"""The one path that runs a notebook, whoever asks (CLI, batch, scheduler, tests):

validate parameters → execute with papermill → write manifest → render → publish.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ParameterError, ResearchError
from .execute import close_thread_loop as _close_thread_loop, execute, stop_kernel
from .io.files import write_json_atomic
from .manifest import git_commit, input_files, mark_changed_inputs, package_versions
from .parameters import collect_set
from .paths import project_root, reports_dir, resolve, resolve_notebook
from .report.display import read_briefing_info

__all__ = [
    "RUN_ID",
    "LABEL",
    "RunResult",
    "default_label",
    "declared_parameter_set",
    "notebook_info",
    "new_run_id",
    "resolve_notebook",
    "run_notebook",
]

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,120}$")
LABEL = re.compile(r"[^A-Za-z0-9._\-]+")


@dataclass
class RunResult:
    """The outcome of one run."""

    run_dir: Path
    status: str
    manifest: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    label: str = ""
    published: bool = False
    publish_messages: list[str] = field(default_factory=list)
    publish_error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def draft(self) -> bool:
        """A run of no declared parameter set: kept, never on the coordinators' index."""
        return not self.manifest.get("parameter_set")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).astimezone()


def default_label(parameter_files: Sequence[str | Path]) -> str:
    """The parameter set's label: the stem of the last parameter file, else 'standard'."""
    return Path(parameter_files[-1]).stem if parameter_files else "standard"


def declared_parameter_set(stem: str, files: Sequence[Path], customised: bool,
                           notebook: Path | None = None) -> str | None:
    """The catalogue entry a run belongs to: the name of ``parameters/<stem>/<name>.yaml``
    when the run used exactly that file and nothing else (no overrides) on the shipped
    notebook ``notebooks/<stem>.ipynb``; otherwise None, and the run is a draft (a working
    copy such as ``lab/<stem>.ipynb`` makes a draft too)."""
    if customised or len(files) != 1:
        return None
    shipped = (project_root() / "notebooks" / f"{stem}.ipynb").resolve()
    if notebook is not None and Path(notebook).resolve() != shipped:
        return None
    file = Path(files[0]).resolve()
    folder = (project_root() / "parameters" / stem).resolve()
    if file.parent != folder or file.suffix not in (".yaml", ".yml") or not file.is_file():
        return None
    return file.stem


def notebook_info(notebook: Path) -> dict[str, str]:
    """What the notebook declares about itself (``metadata.research``: kind, description,
    audience); the kind falls back to the file name."""
    from .render import notebook_kind

    try:
        metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata")
    except (OSError, ValueError, AttributeError):
        metadata = None
    return notebook_kind(metadata if isinstance(metadata, Mapping) else None, notebook.stem)


def new_run_id(label: str, when: dt.datetime | None = None) -> str:
    """A unique, sortable run id: ``20261124T143001Z-default-3f9a``."""
    stamp = (when or _now()).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    ascii_label = label.translate(str.maketrans("åäöÅÄÖéÉüÜ", "aaoAAOeEuU"))
    safe = LABEL.sub("-", ascii_label).strip("-")[:40] or "run"
    return f"{stamp}-{safe}-{secrets.token_hex(2)}"


def _resolve_files(files: Iterable[str | Path]) -> list[Path]:
    resolved = []
    for file in files:
        path = Path(file).expanduser()
        if not path.is_absolute():
            path = path if (Path.cwd() / path).is_file() else resolve(path)
        resolved.append(path)
    return resolved


def _error_text(manifest: Mapping[str, Any]) -> str:
    error = manifest.get("error") or {}
    cell = error.get("cell_index")
    where = f"cell {cell + 1} of the executed notebook" if isinstance(cell, int) else \
        "the notebook"
    return f"{where} failed: {error.get('name')}: {error.get('message')}"


def _provenance(parameters: Mapping[str, Any], extra: Sequence[Path], root: Path,
                paths: Sequence[Path]) -> dict[str, Any]:
    """Inputs (hashed before the kernel starts, so no cell can have changed them yet),
    versions and the git state of a run."""
    return {"inputs": input_files(parameters, extra=extra), "versions": package_versions(),
            "git": git_commit(root, paths)}


def _warm_up() -> None:
    """Load the renderer and the publisher while the kernel works (rendering afterwards is
    then cheap)."""
    from . import publish  # noqa: F401  (loaded now, used after the run)
    from .render import warm_up

    warm_up()


def _stop_kernel_and_loop(kernel: Any) -> None:
    """Stop a kernel from a worker thread, then close that thread's event loop: left open,
    it would be collected at interpreter exit and print a stray traceback."""
    try:
        stop_kernel(kernel)
    finally:
        _close_thread_loop()


def run_notebook(
    notebook: str | Path,
    parameter_files: Sequence[str | Path] = (),
    overrides: Mapping[str, Any] | None = None,
    *,
    raw_overrides: Iterable[tuple[str, str]] = (),
    run_id: str | None = None,
    label: str | None = None,
    publish: bool = True,
    timeout: int | None = None,
    reports: str | Path | None = None,
) -> RunResult:
    """Run one notebook with one parameter set and keep everything it produced.

    Parameters
    ----------
    notebook
        Path to the notebook, or its name in ``notebooks/``.
    parameter_files
        YAML parameter sets, merged in order.
    overrides
        Parameter values given as Python values (win over the files).
    raw_overrides
        ``(name, text)`` pairs as typed with ``-p``; parsed as YAML scalars (win over all).
    run_id
        The run directory's name; default: a new timestamped id. Never reused.
    label
        The parameter set's label in the catalogue; default: the last file's stem.
    publish
        Rebuild the catalogue site afterwards (a failed run is never published).
    timeout
        Per-cell execution timeout in seconds (None: no limit).
    reports
        The reports folder (default: ``$RESEARCH_REPORTS_DIR`` or ``<root>/reports``).

    Raises
    ------
    ParameterError
        Before any kernel starts, for an unknown parameter or a value of the wrong type.
    """
    notebook_path = resolve_notebook(notebook)
    files = _resolve_files(parameter_files)
    raw_overrides = list(raw_overrides)
    collected = collect_set(notebook_path, files, overrides, raw_overrides)
    parameters, specs = collected.values, collected.specs
    parameter_set = declared_parameter_set(notebook_path.stem, files,
                                           bool(overrides) or bool(raw_overrides), notebook_path)
    label = label or parameter_set or default_label(files)
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        raise ParameterError(f"Invalid timeout {timeout!r}.", hint="give whole seconds > 0",
                             parameter="timeout")
    stem = notebook_path.stem
    base = Path(reports).resolve() if reports else reports_dir()
    run_id = run_id or new_run_id(label)
    if not RUN_ID.match(run_id):
        raise ParameterError(f"Invalid run id {run_id!r}.",
                             hint="use letters, digits, '.', '_' or '-' (no slashes)",
                             parameter="run_id")
    run_dir = base / "runs" / stem / run_id
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except FileExistsError as exc:
        raise ParameterError(f"Run directory already exists: {run_dir}",
                             hint="choose another --run-id; earlier runs are never overwritten",
                             parameter="run_id") from exc

    root = project_root()
    started = _now()
    manifest: dict[str, Any] = {
        "notebook": str(notebook_path.relative_to(root)) if notebook_path.is_relative_to(root)
        else str(notebook_path),
        "notebook_stem": stem,
        "run_id": run_id,
        "label": label,
        "parameter_set": parameter_set,
        "parameter_set_label": collected.label,  # for readers: 'label:' in the file
        "notebook_info": notebook_info(notebook_path),
        "parameter_files": [str(f) for f in files],
        "parameters": parameters,
        "status": "running",
        "started": started.isoformat(timespec="seconds"),
    }
    write_json_atomic(run_dir / "manifest.json", manifest)
    try:
        return _run(notebook_path, files, parameters, specs, manifest, run_dir, root, timeout,
                    label, run_id, base, publish)
    except Exception as exc:  # whatever broke, the run directory tells the truth
        _fail(manifest, "InternalError", f"{type(exc).__name__}: {exc}")
        manifest["finished"] = _now().isoformat(timespec="seconds")
        write_json_atomic(run_dir / "manifest.json", manifest)
        return RunResult(run_dir, "failed", manifest, _error_text(manifest), label)


def _run(notebook_path: Path, files: Sequence[Path], parameters: Mapping[str, Any],
         specs: Mapping[str, Any], manifest: dict[str, Any], run_dir: Path, root: Path,
         timeout: int | None, label: str, run_id: str, base: Path, publish: bool) -> RunResult:
    """Describe the inputs, execute, then finish (the run directory exists)."""
    # Inputs are described before the kernel starts (a cell may write to an archive or a
    # log it also reads) and hashed again afterwards, to flag what the run changed. The
    # notebook's own defaults count: a data file named only there is an input too.
    effective = {name: spec.default_value for name, spec in specs.items()}
    effective.update(parameters)
    described = _provenance(effective, [notebook_path, *files], root, [notebook_path, *files])
    t0 = time.perf_counter()
    output = run_dir / "notebook.ipynb"
    # While the kernel works, this process mostly waits on a socket: load the renderer
    # then. Afterwards the kernel is stopped while the briefing is rendered.
    # papermill (with nbformat, nbclient and jupyter_client) is imported in this thread
    # before the renderer loads in the other: nbformat's modules import each other, and two
    # threads importing it at once can get it half-initialised ("cannot import name
    # 'get_version' from partially initialized module 'nbformat.reader'"). execute() would
    # import it first thing anyway.
    import papermill  # noqa: F401

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="research-prepare")
    kernels: list[Any] = []
    stopping = []
    try:
        warming = pool.submit(_warm_up)
        outcome = execute(notebook_path, output, parameters, run_dir=run_dir, timeout=timeout,
                          stop_later=kernels)
        duration = time.perf_counter() - t0
        stopping = [pool.submit(_stop_kernel_and_loop, kernel) for kernel in kernels]
        mark_changed_inputs(described["inputs"])
        warming.result()
        return _finish(run_dir, output, notebook_path, manifest, outcome, duration, described,
                       label, run_id, base, publish)
    finally:  # never leave a kernel behind, whatever happened above
        if not stopping:
            for kernel in kernels:
                stop_kernel(kernel)
        for future in stopping:
            future.result()
        pool.shutdown(wait=True)
        _close_thread_loop()


def _finish(run_dir: Path, output: Path, notebook_path: Path, manifest: dict[str, Any],
            outcome: Any, duration: float, described: Mapping[str, Any], label: str,
            run_id: str, base: Path, publish: bool) -> RunResult:
    """Complete the manifest, render the briefing and publish (the kernel may still be
    shutting down in the background)."""
    if not output.is_file():  # the kernel never started: keep the audit trail anyway
        shutil.copyfile(notebook_path, output)

    manifest.update({
        "status": "succeeded" if outcome.succeeded else "failed",
        "finished": _now().isoformat(timespec="seconds"),
        "duration_seconds": round(duration, 3),
        **described,
        "tables": sorted(p.name for p in (run_dir / "tables").glob("*.csv")),
    })
    from .privacy.checking import disclosure_summary

    disclosure = disclosure_summary(run_dir)  # the output check the kernel wrote, if any
    if disclosure is not None:
        manifest["disclosure"] = disclosure
    from .render import read_executed, render, split_title

    executed = None
    try:
        executed = read_executed(output)
        manifest["briefing"] = read_briefing_info(executed)
        if not manifest["briefing"].get("title"):  # the catalogue shows the title cell's
            title = split_title(executed)[0]
            if title:
                manifest["briefing"]["title"] = title
    except Exception as exc:  # an unreadable executed notebook must not hide the outcome
        manifest["briefing"] = {}
        if outcome.succeeded:
            _fail(manifest, "UnreadableNotebook",
                  f"the executed notebook could not be read: {type(exc).__name__}: {exc}")
    if not outcome.succeeded:
        manifest["error"] = {"name": outcome.error_name, "message": outcome.error_message,
                             "cell_index": outcome.cell_index}
    write_json_atomic(run_dir / "manifest.json", manifest)

    try:
        if executed is not None:
            render(run_dir, executed)
    except Exception as exc:  # the manifest must say what happened, never "succeeded"
        _fail(manifest, "RenderError",
              f"the briefing could not be rendered: {type(exc).__name__}: {exc}")
        write_json_atomic(run_dir / "manifest.json", manifest)
        executed = None
    if executed is None:  # a briefing that says the run failed, without the notebook's cells
        try:
            import nbformat

            render(run_dir, nbformat.v4.new_notebook())
        except Exception:  # the manifest and the executed notebook are the evidence then
            pass
    failed = manifest["status"] != "succeeded"
    result = RunResult(run_dir, manifest["status"], manifest,
                       _error_text(manifest) if failed else None, label)
    if publish:
        from .publish import publish as publish_site

        try:
            report = publish_site(base)
        except ResearchError as exc:  # the run is done and kept; the catalogue is not
            result.publish_error = str(exc)
        else:
            result.published = (not failed and not result.draft
                                and run_id in report.published_runs)
            result.publish_messages = report.messages
    return result


def _fail(manifest: dict[str, Any], name: str, message: str) -> None:
    manifest["status"] = "failed"
    manifest["error"] = {"name": name, "message": message[:500], "cell_index": None}
