"""Bundles: how a Kunskapshus shares a run's published results with the national platform.

A **bundle** is one zip per run holding exactly what the catalogue would publish of it:

- ``bundle.json`` — the bundle manifest: format version, producing package version,
  Kunskapshus, notebook, briefing kind, parameter set, period, run id, creation time, the
  SHA-256 and size of every other file, and the **schema version of every table**;
- ``manifest.json`` — the run's manifest with private parameters masked, as published;
- ``disclosure.json`` — the run's disclosure-control report (required when a table hides
  cells);
- ``tables/*.csv`` — the key tables, each checked against the notebook's declared schema
  (``schemas/<notebook>.yaml``);
- ``briefing.html`` (and ``briefing.pdf`` where one was built).

:func:`export_bundle` refuses a run that failed, whose files hold a personal identity number,
whose tables carry hidden cells without a passing disclosure audit, or whose tables do not
match their schema. :func:`import_bundles` verifies each bundle again (zip structure and
limits, hashes, schema versions, notebook kind, identity numbers, audit) and stores it
**unchanged** in an inbox keyed by Kunskapshus × notebook × parameter set × period. A
tampered, duplicate, older-than-stored or unknown bundle is refused with a reason; each bundle
is taken whole or not at all (written to a temporary file, renamed into place, the inbox index
replaced atomically under a file lock).

This module is runner-level: it knows notebooks by their declared schemas, never a domain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import __version__
from .errors import ConfigError, InputDataError, PrivacyError, ResearchError
from .io.files import read_yaml, write_bytes_atomic, write_json_atomic
from .manifest import read_manifest
from .paths import project_root, reports_dir

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_FORMAT_VERSION",
    "BUNDLE_LIMITS",
    "BundleError",
    "TableSchema",
    "NotebookSchema",
    "load_schema",
    "known_notebooks",
    "check_table",
    "check_run_tables",
    "draft_schema",
    "export_bundle",
    "export_latest",
    "verify_bundle",
    "ImportOutcome",
    "ImportReport",
    "import_bundles",
    "read_inbox",
    "bundle_key",
]

BUNDLE_FORMAT = "kunskapshus-research-bundle"
BUNDLE_FORMAT_VERSION = 1
BUNDLE_LIMITS = {"max_bytes": 100 * 1024 * 1024, "max_files": 500,
                 "max_unpacked_bytes": 500 * 1024 * 1024}
SUPPRESSED = ".."
_TYPES = ("text", "count", "number", "percent", "bool", "date", "period")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INDEX_NAME = "index.json"


class BundleError(ResearchError):
    """A bundle cannot be exported or imported (the message says which and why)."""

    exit_code = 2


# ---------------------------------------------------------------------------------------
# Schemas: what each notebook publishes for aggregation


@dataclass(frozen=True)
class TableSchema:
    """The declared shape of one published table."""

    name: str
    version: int
    columns: dict[str, dict[str, Any]]
    keys: tuple[str, ...] = ()
    other_columns: dict[str, Any] | None = None  # wide tables: columns named by the data
    description: str = ""

    def column_spec(self, column: str) -> dict[str, Any] | None:
        return self.columns.get(column) or self.other_columns


@dataclass(frozen=True)
class NotebookSchema:
    """All tables one notebook publishes."""

    notebook: str
    tables: dict[str, TableSchema]
    source: str
    supported: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def versions(self) -> dict[str, int]:
        return {name: table.version for name, table in self.tables.items()}


def schemas_dir() -> Path:
    """``schemas/`` in the project root."""
    return project_root() / "schemas"


def known_notebooks(folder: Path | None = None) -> list[str]:
    """Notebooks that declare their tables (``schemas/<notebook>.yaml``)."""
    return sorted(p.stem for p in (folder or schemas_dir()).glob("*.yaml"))


def _column(spec: Any, where: str, source: str) -> dict[str, Any]:
    spec = {"type": spec} if isinstance(spec, str) else dict(spec or {})
    if spec.get("type") not in _TYPES:
        raise ConfigError(f"{source}: {where} has type {spec.get('type')!r}.",
                          hint=f"use one of {', '.join(_TYPES)}", file=source)
    return spec


def load_schema(notebook: str, folder: Path | None = None) -> NotebookSchema:
    """Read ``schemas/<notebook>.yaml``.

    Raises
    ------
    ConfigError
        The file is missing or malformed (names the file and the table).
    """
    path = (folder or schemas_dir()) / f"{notebook}.yaml"
    raw = read_yaml(path, what="Table schema file", missing_hint=(
        f"declare the tables of notebook {notebook!r} in schemas/{notebook}.yaml "
        "(`research export --draft-schema RUN_DIR` writes a starting point)"))
    if not isinstance(raw, Mapping) or not isinstance(raw.get("tables"), Mapping):
        raise ConfigError(f"{path}: expected a mapping with 'tables'.", file=str(path),
                          hint="see schemas/README.md")
    tables: dict[str, TableSchema] = {}
    supported: dict[str, tuple[int, ...]] = {}
    for name, spec in raw["tables"].items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("version"), int):
            raise ConfigError(f"{path}: table {name!r} needs a whole-number 'version'.",
                              file=str(path), hint="e.g. version: 1")
        columns = {str(c): _column(s, f"column {c!r} of table {name!r}", str(path))
                   for c, s in (spec.get("columns") or {}).items()}
        other = spec.get("other_columns")
        tables[str(name)] = TableSchema(
            name=str(name), version=int(spec["version"]), columns=columns,
            keys=tuple(str(k) for k in spec.get("keys") or ()),
            other_columns=_column(other, f"other_columns of {name!r}", str(path))
            if other is not None else None, description=str(spec.get("description") or ""))
        supported[str(name)] = tuple(int(v) for v in spec.get("supported_versions")
                                     or (spec["version"],))
    return NotebookSchema(notebook=notebook, tables=tables, source=str(path),
                          supported=supported)


def _valid_cell(value: str, spec: Mapping[str, Any]) -> bool:
    if value == "":
        return bool(spec.get("optional", True))
    if value == SUPPRESSED:
        return bool(spec.get("suppressible", False))
    kind = spec["type"]
    try:
        if kind == "count":
            number = float(value)
            return number >= 0 and number.is_integer()
        if kind in ("number", "percent"):
            float(value)
            return True
    except ValueError:
        return False
    if kind == "bool":
        return value in ("True", "False", "true", "false", "0", "1")
    if kind == "date":
        return bool(_DATE.match(value))
    return True


def check_table(path: Path, schema: TableSchema, *, version: int | None = None,
                max_problems: int = 5) -> list[str]:
    """Problems of a published CSV against its schema (empty list: it matches).

    ``version``: the schema version the table was written with (default the current one);
    columns declared ``since`` a later version are not required of it.
    """
    version = schema.version if version is None else version
    required = [c for c, spec in schema.columns.items() if int(spec.get("since", 1)) <= version]
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [f"{path.name}: not readable as UTF-8 CSV ({exc})"]
    if not rows:
        return [f"{path.name}: empty (no header)"]
    header, problems = rows[0], []
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:  # pandas would read the second one as 'name.1' in the national inbox
        problems.append(f"{path.name}: duplicate column name(s) {', '.join(duplicated)}")
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(f"{path.name}: missing column(s) {', '.join(missing)}")
    extra = [c for c in header if c not in schema.columns]
    if extra and schema.other_columns is None:
        problems.append(f"{path.name}: undeclared column(s) {', '.join(extra)}")
    for number, row in enumerate(rows[1:], start=2):
        for column, value in zip(header, row):
            spec = schema.column_spec(column)
            if spec is not None and not _valid_cell(value, spec):
                problems.append(f"{path.name}: line {number}, column {column!r} is not "
                                f"a valid {spec['type']}")
                if len(problems) >= max_problems:
                    return problems
    return problems


def check_run_tables(run_dir: Path, schema: NotebookSchema) -> list[str]:
    """Problems of every table of a run against the notebook's schema."""
    problems = []
    tables = sorted((run_dir / "tables").glob("*.csv"))
    for path in tables:
        spec = schema.tables.get(path.stem)
        if spec is None:
            problems.append(f"{path.name}: not declared in {schema.source}")
        else:
            problems.extend(check_table(path, spec))
    return problems


def draft_schema(run_dir: Path) -> dict[str, Any]:
    """A starting schema for a run's tables, guessed from their cells (review it)."""
    import csv

    tables: dict[str, Any] = {}
    for path in sorted((Path(run_dir) / "tables").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        if not rows:
            continue
        columns = {}
        for index, column in enumerate(rows[0]):
            values = [r[index] for r in rows[1:] if index < len(r) and r[index] != ""]
            columns[column] = _guess_type(values)
        tables[path.stem] = {"version": 1, "columns": columns}
    return {"tables": tables}


def _guess_type(values: Sequence[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "text"}
    plain = [v for v in values if v != SUPPRESSED]
    if len(plain) < len(values):
        spec["suppressible"] = True
    for kind in ("count", "number", "bool", "date"):
        if plain and all(_valid_cell(v, {"type": kind}) for v in plain):
            spec["type"] = kind
            break
    return spec


# ---------------------------------------------------------------------------------------
# Checks shared by export and import


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x"


def bundle_key(meta: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """Kunskapshus × notebook × parameter set × period of a bundle manifest."""
    return (str(meta.get("kunskapshus") or ""), str(meta.get("notebook") or ""),
            str(meta.get("parameter_set") or ""), str(meta.get("period") or ""))


def _public_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    from .render import is_private_parameter

    public = dict(manifest)
    public["parameters"] = {k: ("(dolt)" if is_private_parameter(k) else v)
                            for k, v in (manifest.get("parameters") or {}).items()}
    public.pop("inputs", None)  # local file paths and hashes of raw data stay local
    return public


# ---------------------------------------------------------------------------------------
# Export


def _run_files(run_dir: Path, manifest: Mapping[str, Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "manifest.json": (json.dumps(_public_manifest(manifest), ensure_ascii=False, indent=2,
                                     default=str) + "\n").encode("utf-8")}
    for name in ("briefing.html", "briefing.pdf", "disclosure.json"):
        if (run_dir / name).is_file():
            files[name] = (run_dir / name).read_bytes()
    for table in sorted((run_dir / "tables").glob("*.csv")):
        files[f"tables/{table.name}"] = table.read_bytes()
    return files


def export_bundle(run_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                  schema_folder: Path | None = None,
                  now: dt.datetime | None = None) -> Path:
    """Write ``<out_dir>/<kunskapshus>__<notebook>__<set>__<period>__<run-id>.zip``.

    Raises
    ------
    BundleError
        The run failed or is incomplete, a file holds a personal identity number (position
        only, never the number), hidden cells lack a passing disclosure audit, or a table
        does not match its declared schema.
    """
    run = Path(run_dir)
    manifest = read_manifest(run)
    if not manifest:
        raise BundleError(f"{run}: no manifest.json: not a run directory.",
                          hint="pass a folder under reports/runs/<notebook>/", file=str(run))
    if manifest.get("status") != "succeeded":
        raise BundleError(f"{run}: the run did not succeed (status "
                          f"{manifest.get('status')!r}); only good runs are shared.",
                          hint="fix the run and run it again", file=str(run))
    notebook = str(manifest.get("notebook_stem") or run.parent.name)
    schema = load_schema(notebook, schema_folder)
    files = _run_files(run, manifest)
    _refuse_unpublishable(str(run), files, schema)
    info = manifest.get("briefing") or {}
    params = manifest.get("parameters") or {}
    meta = {
        "format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION,
        "producer": {"package": "research", "version": __version__},
        "created": (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "kunskapshus": str(info.get("kunskapshus") or params.get("kunskapshus") or ""),
        "notebook": notebook, "kind": str(info.get("kind") or notebook),
        "parameter_set": str(manifest.get("label") or ""),
        "period": str(info.get("period") or params.get("period") or ""),
        "run_id": str(manifest.get("run_id") or run.name),
        "run_finished": str(manifest.get("finished") or ""),
        "tables": {PurePosixPath(n).stem: {"schema_version": schema.tables[PurePosixPath(n).stem]
                                           .version}
                   for n in files if n.startswith("tables/")},
        "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                  for n, d in sorted(files.items())},
    }
    if not meta["kunskapshus"]:
        raise BundleError(f"{run}: the run names no Kunskapshus.", file=str(run),
                          hint="set the notebook's `kunskapshus` parameter")
    target_dir = Path(out_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = "__".join(_slug(p) for p in (meta["kunskapshus"], notebook, meta["parameter_set"],
                                        meta["period"], meta["run_id"])) + ".zip"
    payload = _zip_bytes(meta, files)
    return write_bytes_atomic(target_dir / name, payload)


def _refuse_unpublishable(where: str, files: Mapping[str, bytes], schema: NotebookSchema,
                          versions: Mapping[str, int] | None = None) -> None:
    """The publisher's own checks on exactly the files that leave: identity numbers (and
    telephone numbers, e-mail addresses) in every text file, the disclosure guard of
    :func:`research.privacy.checking.unaudited_tables`, then the table schemas."""
    import tempfile

    from .privacy.checking import unaudited_tables
    from .publish import scan_text_for_identifiers

    hits = [f"{name}: {hit}" for name, data in sorted(files.items()) if not name.endswith(".pdf")
            for hit in scan_text_for_identifiers(data.decode("utf-8", errors="replace"))]
    if hits:
        raise BundleError(f"{where}: identifying details (personal identity number, telephone "
                          f"number or e-mail address) at {'; '.join(hits[:5])}.",
                          hint="remove them from the data and run again; nothing was shared")
    unknown = [n for n in files if n.startswith("tables/")
               and PurePosixPath(n).stem not in schema.tables]
    if unknown:
        raise BundleError(f"{where}: table(s) {', '.join(unknown)} are not declared in "
                          f"{schema.source}.", hint="declare them (columns, types, keys, "
                          "version) before sharing")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / schema.notebook / "bundle"
        (run / "tables").mkdir(parents=True)
        for name, data in files.items():
            (run / name).write_bytes(data)
        guard = unaudited_tables(run)
        if guard:
            raise BundleError(f"{where}: {'; '.join(guard[:3])}.", hint="only tables whose "
                              "disclosure audit passed are shared; run the notebook again with "
                              "this version")
        problems = [problem for name in files if name.startswith("tables/")
                    for problem in check_table(run / name,
                                               schema.tables[PurePosixPath(name).stem],
                                               version=(versions or {}).get(
                                                   PurePosixPath(name).stem))]
    if problems:
        raise BundleError(f"{where}: tables do not match {schema.source}: "
                          f"{'; '.join(problems[:5])}.", hint="fix the notebook's tables or "
                          "raise the table's schema version")


def _zip_bytes(meta: Mapping[str, Any], files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("bundle.json", stamp)
        archive.writestr(info, json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                         compress_type=zipfile.ZIP_DEFLATED)
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, stamp), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def export_latest(reports: Path | None = None, out_dir: Path | None = None, *,
                  kunskapshus: str | None = None,
                  schema_folder: Path | None = None) -> tuple[list[Path], list[str]]:
    """Export the latest succeeded run of every notebook × parameter set (optionally of
    one Kunskapshus); returns ``(bundles, messages about runs that were not exported)``."""
    reports = Path(reports or reports_dir())
    latest: dict[tuple[str, str], tuple[str, Path]] = {}
    for path in sorted((reports / "runs").glob("*/*/manifest.json")):
        manifest = read_manifest(path.parent)
        if not manifest or manifest.get("status") != "succeeded":
            continue
        house = str((manifest.get("briefing") or {}).get("kunskapshus")
                    or (manifest.get("parameters") or {}).get("kunskapshus") or "")
        if kunskapshus and house != kunskapshus:
            continue
        key = (path.parent.parent.name, str(manifest.get("label") or ""))
        stamp = str(manifest.get("started") or "")
        if key not in latest or stamp > latest[key][0]:
            latest[key] = (stamp, path.parent)
    out = Path(out_dir or reports / "bundles")
    bundles, messages = [], []
    for _, run_dir in sorted(latest.values()):
        try:
            bundles.append(export_bundle(run_dir, out, schema_folder=schema_folder))
        except ResearchError as exc:
            messages.append(exc.message if hasattr(exc, "message") else str(exc))
    return bundles, messages


# ---------------------------------------------------------------------------------------
# Import


def _read_zip(path: Path) -> tuple[dict[str, Any], dict[str, bytes], bytes]:
    if not path.is_file():
        raise BundleError(f"{path}: not found.", hint="check the path", file=str(path))
    size = path.stat().st_size
    if size > BUNDLE_LIMITS["max_bytes"]:
        raise BundleError(f"{path}: {size:,} bytes, more than the bundle limit of "
                          f"{BUNDLE_LIMITS['max_bytes']:,}.", file=str(path), limit="max_bytes",
                          hint="a bundle holds tables and a briefing; check the file")
    raw = path.read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise BundleError(f"{path}: not a zip file or truncated ({exc}).", file=str(path),
                          hint="export the bundle again") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > BUNDLE_LIMITS["max_files"]:
            raise BundleError(f"{path}: {len(infos)} files, more than "
                              f"{BUNDLE_LIMITS['max_files']}.", file=str(path),
                              limit="max_files", hint="export the bundle again")
        if sum(i.file_size for i in infos) > BUNDLE_LIMITS["max_unpacked_bytes"]:
            raise BundleError(f"{path}: unpacks to more than "
                              f"{BUNDLE_LIMITS['max_unpacked_bytes']:,} bytes.", file=str(path),
                              limit="max_unpacked_bytes", hint="refused as a zip bomb")
        files: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts or "\\" in name or info.is_dir():
                raise BundleError(f"{path}: unsafe member name {name!r}.", file=str(path),
                                  hint="refused; export the bundle again with research export")
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise BundleError(f"{path}: member {name!r} is corrupt ({exc}).",
                                  file=str(path), hint="export the bundle again") from exc
    if "bundle.json" not in files:
        raise BundleError(f"{path}: no bundle.json: not a Kunskapshus Research bundle.",
                          file=str(path), hint="create bundles with `research export`")
    try:
        meta = json.loads(files.pop("bundle.json"))
    except ValueError as exc:
        raise BundleError(f"{path}: bundle.json is not valid JSON.", file=str(path),
                          hint="export the bundle again") from exc
    return meta, files, raw


def verify_bundle(path: str | os.PathLike[str], *,
                  schema_folder: Path | None = None) -> dict[str, Any]:
    """Check a bundle and return its manifest (``bundle.json``).

    Raises
    ------
    BundleError
        Structure, hashes, schema versions, notebook kind, identity numbers or the
        disclosure audit do not hold; the message says which.
    """
    target = Path(path)
    meta, files, _ = _read_zip(target)
    if meta.get("format") != BUNDLE_FORMAT or not isinstance(meta.get("files"), Mapping):
        raise BundleError(f"{target}: unknown bundle format {meta.get('format')!r}.",
                          file=str(target), hint="create bundles with `research export`")
    if int(meta.get("format_version") or 0) > BUNDLE_FORMAT_VERSION:
        raise BundleError(f"{target}: bundle format version {meta.get('format_version')} is "
                          f"newer than this version understands ({BUNDLE_FORMAT_VERSION}).",
                          file=str(target), hint="update Kunskapshus Research")
    listed = dict(meta["files"])
    if set(listed) != set(files):
        odd = sorted(set(listed) ^ set(files))
        raise BundleError(f"{target}: files differ from bundle.json ({', '.join(odd[:5])}): "
                          "tampered or truncated.", file=str(target),
                          hint="ask the Kunskapshus to export it again")
    for name, data in files.items():
        if hashlib.sha256(data).hexdigest() != str(listed[name].get("sha256")):
            raise BundleError(f"{target}: {name} does not match its SHA-256 in bundle.json: "
                              "tampered or corrupted.", file=str(target),
                              hint="ask the Kunskapshus to export it again")
    notebook = str(meta.get("notebook") or "")
    if notebook not in known_notebooks(schema_folder):
        raise BundleError(f"{target}: unknown notebook kind {notebook!r}.", file=str(target),
                          hint=f"known: {', '.join(known_notebooks(schema_folder))}")
    schema = load_schema(notebook, schema_folder)
    for table, spec in (meta.get("tables") or {}).items():
        version = int((spec or {}).get("schema_version") or 0)
        if table not in schema.tables or version not in schema.supported.get(table, ()):
            raise BundleError(f"{target}: table {table!r} has schema version {version}, which "
                              f"this platform does not understand (supported: "
                              f"{list(schema.supported.get(table, ()))}).", file=str(target),
                              hint="export again with a current version of the notebook")
    if not bundle_key(meta)[0]:
        raise BundleError(f"{target}: the bundle names no Kunskapshus.", file=str(target),
                          hint="export it again from a run with `kunskapshus` set")
    versions = {name: int((spec or {}).get("schema_version") or 0)
                for name, spec in (meta.get("tables") or {}).items()}
    _refuse_unpublishable(str(target), files, schema, versions)
    return meta


@dataclass
class ImportOutcome:
    """What happened to one bundle."""

    bundle: str
    taken: bool
    reason: str
    key: tuple[str, str, str, str] | None = None
    stored: str | None = None


@dataclass
class ImportReport:
    """What an import took and refused, and why."""

    inbox: Path
    outcomes: list[ImportOutcome] = field(default_factory=list)

    @property
    def taken(self) -> list[ImportOutcome]:
        return [o for o in self.outcomes if o.taken]

    @property
    def refused(self) -> list[ImportOutcome]:
        return [o for o in self.outcomes if not o.taken]

    def lines(self) -> list[str]:
        return [f"{'taken' if o.taken else 'refused'}: {o.bundle}: {o.reason}"
                for o in self.outcomes]


def read_inbox(inbox: str | os.PathLike[str]) -> dict[str, Any]:
    """The inbox index: ``{"bundles": {key-string: entry}}`` (empty when new)."""
    path = Path(inbox) / INDEX_NAME
    if not path.is_file():
        return {"format_version": 1, "bundles": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputDataError(f"{path}: the inbox index is not valid JSON.", file=str(path),
                             hint="restore it from backup; bundles themselves are intact "
                             "beside it") from exc


def _key_text(key: tuple[str, str, str, str]) -> str:
    return " | ".join(key)


def import_bundles(paths: Iterable[str | os.PathLike[str]],
                   inbox: str | os.PathLike[str] | None = None, *,
                   schema_folder: Path | None = None) -> ImportReport:
    """Verify and store bundles in the inbox; never half-imports (see module docstring)."""
    from filelock import FileLock

    folder = Path(inbox or reports_dir() / "inbox")
    folder.mkdir(parents=True, exist_ok=True)
    report = ImportReport(inbox=folder)
    with FileLock(str(folder / ".lock"), timeout=60):
        index = read_inbox(folder)
        for raw_path in paths:
            report.outcomes.append(_import_one(Path(raw_path), folder, index, schema_folder))
        write_json_atomic(folder / INDEX_NAME, index)
    return report


def _import_one(path: Path, folder: Path, index: dict[str, Any],
                schema_folder: Path | None) -> ImportOutcome:
    try:
        meta = verify_bundle(path, schema_folder=schema_folder)
    except (BundleError, ConfigError, PrivacyError, InputDataError) as exc:
        return ImportOutcome(str(path), False, getattr(exc, "message", str(exc)))
    key = bundle_key(meta)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    current = index["bundles"].get(_key_text(key))
    if current and current.get("sha256") == digest:
        return ImportOutcome(str(path), False, "duplicate: this bundle is already in the inbox",
                             key)
    if current and str(current.get("created", "")) >= str(meta.get("created", "")):
        return ImportOutcome(str(path), False, "older than (or as old as) the stored bundle "
                             f"for {_key_text(key)} (stored {current.get('created')}, this "
                             f"{meta.get('created')})", key)
    relative = "/".join(_slug(p) for p in key) + ".zip"
    target = folder / relative
    write_bytes_atomic(target, path.read_bytes())
    index["bundles"][_key_text(key)] = {
        "file": relative, "sha256": digest, "created": meta.get("created"),
        "kunskapshus": key[0], "notebook": key[1], "parameter_set": key[2], "period": key[3],
        "run_id": meta.get("run_id"), "tables": meta.get("tables"),
        "producer": meta.get("producer"),
        "imported": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    verb = "replaced an older bundle" if current else "new"
    return ImportOutcome(str(path), True, verb, key, relative)
