"""The item archive: every item ever seen by horizon scanning, kept in SQLite.

The archive is what gives scanning a memory between runs: each item is stored once under
its stable id (canonical URL, else content hash; see :func:`research.sources.item_id`) with
its source, first-seen time, published time, URL and text. Each run is a row in ``runs``;
items first stored by a run carry its ``run_id``, so "new since the previous run" is exact,
and a second run on the same input stores (and reports) nothing new.

Writes happen in one ``BEGIN IMMEDIATE`` transaction per run with a busy timeout: an
exception inside the transaction — or the process being killed — leaves the archive as it
was, and two runs at once are serialised by SQLite's lock instead of corrupting the file.
HTTP validators (ETag, Last-Modified) per source are stored in the same transaction.

Journal: WAL by default; ``journal="delete"`` (SQLite's rollback journal, with
``synchronous = FULL``) for archives on network folders (SMB/NFS), where WAL's shared
memory does not work across machines. The schema version in ``meta`` is checked on every
open (see :class:`Archive`).
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import sqlite3
import time
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..errors import InputDataError, ParameterError
from ..paths import current_run, current_run_dir, is_interactive, reports_dir, resolve, scratch_copy

__all__ = [
    "SCHEMA_VERSION",
    "ITEM_FIELDS",
    "SCHEMA",
    "JOURNAL_MODES",
    "MIGRATIONS",
    "RunRecord",
    "ORPHAN_AGE",
    "release_draft_copy",
    "remove_orphaned_copies",
    "archive_path",
    "RunContext",
    "run_context",
    "Archive",
]

SCHEMA_VERSION = 2
ITEM_FIELDS = [
    "item_id", "source", "kind", "category", "title", "summary", "text", "url", "author",
    "tags", "published", "language",
]
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    as_of TEXT,
    items_read INTEGER NOT NULL DEFAULT 0,
    items_new INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    parameter_set TEXT,
    research_run TEXT
);
CREATE TABLE IF NOT EXISTS items (
    item_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT,
    category TEXT,
    title TEXT,
    summary TEXT,
    text TEXT,
    url TEXT,
    author TEXT,
    tags TEXT,
    published TEXT,
    language TEXT,
    first_seen TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(run_id)
);
CREATE INDEX IF NOT EXISTS items_run ON items(run_id);
CREATE INDEX IF NOT EXISTS items_published ON items(published);
CREATE TABLE IF NOT EXISTS http_cache (
    source TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    updated TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RunRecord:
    """What one recorded run stored: its id, time, and the ids of the new items."""

    run_id: int
    started: str
    previous_run_id: int | None  # the baseline: the last published run of the same set
    new_ids: tuple[str, ...]


def archive_path(path: str | Path) -> Path:
    """Where an archive parameter points — and the file a run may write.

    A relative path under ``reports/`` (the default ``reports/archive/omvarld.sqlite``)
    lives in the reports folder — ``$RESEARCH_REPORTS_DIR`` when set, so tests and other
    deployments never touch the project's own ``reports/`` — and any other relative path is
    resolved against the project root (:func:`research.paths.resolve`).

    The shared archive belongs to the declared parameter sets: only a ``research run`` of
    one of them writes it. An interactive session (JupyterLab) works on a private copy
    (:func:`research.paths.scratch_copy`), and so does a draft (a ``research run`` of no
    declared parameter set: ``-p`` overrides, a file elsewhere): its copy is
    ``<reports>/scratch/utkast-<run id>/``, so a draft never changes what the next
    scheduled briefing reports as new. :func:`research.scanning.analyse` removes the copy
    when it is done with it (:func:`release_draft_copy`); copies a killed or failed draft
    left behind are removed by the next draft (:func:`remove_orphaned_copies`).
    """
    candidate = Path(path).expanduser()
    if not candidate.is_absolute() and candidate.parts[:1] == ("reports",):
        target = reports_dir().joinpath(*candidate.parts[1:])
    else:
        target = resolve(candidate)
    context = run_context()
    if context.draft:
        return _draft_copy(target, str(context.research_run))
    return scratch_copy(target)


#: A scratch copy is orphaned when its process is gone and it is older than this (seconds).
ORPHAN_AGE = 24 * 3600
_OWNER = "owner.pid"


def _draft_copy(target: Path, run_id: str) -> Path:
    """The draft run's private copy of ``target`` (made once, with SQLite's backup so a
    WAL archive is copied with its committed pages; empty when ``target`` is missing).

    The folder records the process that made it; making a new one first removes the
    orphaned copies of earlier drafts."""
    folder = reports_dir() / "scratch" / f"utkast-{run_id}"
    if folder in target.parents:  # already the copy
        return target
    copy = folder / target.name
    if not folder.is_dir():
        remove_orphaned_copies(folder.parent)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _OWNER).write_text(str(os.getpid()), encoding="ascii")
    if copy.exists() or not target.is_file():
        return copy
    partial = copy.with_name(copy.name + ".part")
    try:
        source = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise InputDataError(
            f"The archive {target} cannot be opened as an SQLite database ({exc}).",
            hint="point 'archive' at a new file name, or restore the file from a backup",
            file=str(target), parameter="archive") from exc
    os.replace(partial, copy)
    return copy


def release_draft_copy(path: str | Path) -> bool:
    """Remove the current draft run's private archive copy (its ``utkast-<run id>``
    folder) once the run is done with it; ``False`` (nothing removed) for any other path,
    outside a draft, or for the shared archive itself."""
    context = run_context()
    if not context.draft:
        return False
    folder = reports_dir() / "scratch" / f"utkast-{context.research_run}"
    if folder not in Path(path).parents or not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def remove_orphaned_copies(scratch: Path, *, max_age: float = ORPHAN_AGE,
                           now: float | None = None) -> list[Path]:
    """Remove the draft copies (``utkast-<run id>``) and session copies (``<process id>``)
    under ``scratch`` that are left over; returns the removed folders.

    A draft's copy goes as soon as its run has finished (its manifest under
    ``<reports>/runs/`` says succeeded or failed); any copy goes when its process is no
    longer running and nobody has changed it for ``max_age`` seconds. A copy whose process
    still runs, or that changed recently, is kept."""
    if not scratch.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(scratch.iterdir()):
        if not folder.is_dir() or not (folder.name.startswith("utkast-")
                                       or folder.name.isdigit()):
            continue
        if folder.name.startswith("utkast-") and _run_finished(folder.name[len("utkast-"):]):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            continue
        owner = folder.name if folder.name.isdigit() else _read_owner(folder / _OWNER)
        if owner is not None and _alive(int(owner)):
            continue
        try:
            newest = max([folder.stat().st_mtime]
                         + [p.stat().st_mtime for p in folder.rglob("*")])
        except OSError:  # removed meanwhile
            continue
        if now - newest > max_age:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _run_finished(run_id: str) -> bool:
    """Whether the run ``run_id`` of any notebook has a manifest that says it finished."""
    if not run_id or "/" in run_id or "\\" in run_id or run_id.startswith("."):
        return False
    from ..manifest import read_manifest

    for run_dir in (reports_dir() / "runs").glob(f"*/{glob.escape(run_id)}"):
        manifest = read_manifest(run_dir)
        if isinstance(manifest, dict) and manifest.get("status") in ("succeeded", "failed"):
            return True
    return False


def _read_owner(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.isdigit() else None


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or undecidable: keep its copy
    return True


@dataclass(frozen=True)
class RunContext:
    """What the run a scan belongs to means for the shared archive.

    ``parameter_set`` is the declared set of the ``research run`` (None for a draft, a
    session or a script), ``research_run`` its run id (None outside ``research run``),
    ``draft`` true for a ``research run`` of no declared set and ``interactive`` true in
    JupyterLab.
    """

    parameter_set: str | None = None
    research_run: str | None = None
    draft: bool = False
    interactive: bool = False
    runs_folder: Path | None = None

    def published(self, research_run: str) -> bool:
        """Whether an earlier ``research run`` of this notebook is in the catalogue.

        Once the catalogue has been built for this notebook (``<reports>/site/briefings/
        <notebook>/``), that is whether the run's briefing is on the site: a failed run, a
        run kept off the site by the publishing guards (an identity number) and a run
        made with ``--no-publish`` and not published since all are not. Before the first
        publish, a run that succeeded counts (it is what the next publish shows).
        """
        if self.runs_folder is None:
            return True
        try:
            manifest = json.loads((self.runs_folder / research_run / "manifest.json")
                                  .read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(manifest, dict) or manifest.get("status") != "succeeded":
            return False
        site = self.runs_folder.parent.parent / "site" / "briefings" / self.runs_folder.name
        if not site.is_dir():
            return True
        label = str(manifest.get("parameter_set") or manifest.get("label") or "standard")
        return any((site / name / research_run / "index.html").is_file()
                   for name in {label, quote(label)})


def run_context() -> RunContext:
    """The :class:`RunContext` of this process (see :func:`research.paths.current_run`)."""
    info = current_run()
    if info is None:
        return RunContext(interactive=is_interactive())
    run_dir = current_run_dir()
    parameter_set = info.get("parameter_set") or None
    return RunContext(parameter_set=None if parameter_set is None else str(parameter_set),
                      research_run=str(info.get("run_id") or (run_dir.name if run_dir else "")),
                      draft=parameter_set is None,
                      runs_folder=run_dir.parent if run_dir is not None else None)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.isoformat()


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


JOURNAL_MODES = ("wal", "delete")
#: ``{from_version: (to_version, [SQL statements])}``. Version 2 records which declared
#: parameter set and which ``research run`` each archive run belongs to.
MIGRATIONS: dict[int, tuple[int, list[str]]] = {
    1: (2, ["ALTER TABLE runs ADD COLUMN parameter_set TEXT",
            "ALTER TABLE runs ADD COLUMN research_run TEXT"]),
}


class Archive:
    """A SQLite archive of scanned items.

    Parameters
    ----------
    path
        The database file (see :func:`archive_path` for relative paths); its folder and
        the file are created when missing.
    timeout
        Seconds to wait for another run's lock before giving up.
    journal
        ``"wal"`` (default: write-ahead log, readers never wait for a writer) or
        ``"delete"`` (SQLite's rollback journal). Use ``"delete"`` when the archive lives on
        a network folder (SMB/NFS): WAL needs shared memory between the processes that open
        the file, which network file systems do not give, and can then corrupt it.

    One connection is shared by the threads that use the archive, each call under a lock
    (SQLite connections are not safe to use from two threads at once). The schema version
    is checked on open: an older archive is migrated (:data:`MIGRATIONS`), an archive
    from a newer version of the program is refused rather than misread.

    Use as a context manager (``with Archive(path) as archive: ...``) or call
    :meth:`close`.
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0,
                 journal: str = "wal") -> None:
        self.path = archive_path(path)
        self.timeout = timeout
        self.journal = str(journal or "wal").strip().lower()
        if self.journal not in JOURNAL_MODES:
            raise ParameterError(f"Unknown archive journal mode {journal!r}.",
                                 hint="use 'wal', or 'delete' for an archive on a network "
                                      "folder (SMB/NFS)", parameter="archive_journal")
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path, timeout=timeout,
                                               isolation_level=None, check_same_thread=False)
            self._open()
        except sqlite3.DatabaseError as exc:
            raise InputDataError(
                f"The archive {self.path} cannot be opened as an SQLite database ({exc}).",
                hint="point 'archive' at a new file name, or restore the file from a backup",
                file=str(self.path), parameter="archive",
            ) from exc

    def _open(self) -> None:
        """Set the pragmas, create the tables, check and migrate the schema version."""
        try:
            self._connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            self._connection.execute(f"PRAGMA journal_mode = {self.journal.upper()}")
            self._connection.execute("PRAGMA synchronous = "
                                     + ("NORMAL" if self.journal == "wal" else "FULL"))
            self._connection.execute("PRAGMA foreign_keys = ON")
            with self._transaction() as connection:
                version = self._schema_version(connection)
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                self._migrate(connection, version)
        except BaseException:
            self._connection.close()
            raise

    def _schema_version(self, connection: sqlite3.Connection) -> int | None:
        """The stored schema version (``None`` for a new, empty database)."""
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables & {"items", "runs"}:
                self._refuse("it has item tables but no schema version")
            return None
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'") \
            .fetchone()
        if row is None or not str(row[0]).isdigit():
            self._refuse(f"its schema version is {row[0] if row else 'missing'!r}")
        return int(row[0])

    def _migrate(self, connection: sqlite3.Connection, version: int | None) -> None:
        if version is None:
            connection.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)",
                               (str(SCHEMA_VERSION),))
            return
        if version > SCHEMA_VERSION:
            self._refuse(f"it was written by a newer version of the program (schema "
                         f"{version}, this version reads {SCHEMA_VERSION})",
                         hint="update the program, or point 'archive' at another file")
        while version < SCHEMA_VERSION:
            if version not in MIGRATIONS:
                self._refuse(f"no migration from schema {version} to {SCHEMA_VERSION}")
            version, statements = MIGRATIONS[version]
            for statement in statements:
                connection.execute(statement)
            connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                               (str(version),))

    def _refuse(self, reason: str, hint: str | None = None) -> None:
        raise InputDataError(f"The archive {self.path} cannot be used: {reason}.",
                             hint=hint or "point 'archive' at a new file name, or restore "
                             "the file from a backup", file=str(self.path),
                             parameter="archive", limit="schema_version")

    # -- connection ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection, self._lock)

    def _query(self, sql: str, arguments: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, arguments).fetchall()

    def _frame(self, sql: str, arguments: Sequence[Any] = ()) -> pd.DataFrame:
        with self._lock:
            return pd.read_sql_query(sql, self._connection, params=list(arguments))

    # -- writing -------------------------------------------------------------------------

    def record_run(
        self,
        items: pd.DataFrame,
        *,
        as_of: dt.date | str | None = None,
        http_states: Mapping[str, Mapping[str, Any]] | None = None,
        seen_at: dt.datetime | None = None,
        note: str = "",
        parameter_set: str | None = None,
        research_run: str | None = None,
        published: Callable[[str], bool] | None = None,
    ) -> RunRecord:
        """Store one run and its items in a single transaction.

        Items whose ``item_id`` is already archived are left untouched (``INSERT OR
        IGNORE``); the others are stored with ``first_seen = seen_at`` and this run's id.

        "New" is counted from the **last published run** of the same declared parameter
        set (``previous_run_id``), not from whatever ran last: the items read now that the
        archive first stored after that run, and those stored by later runs of the set
        whose briefing was never published (a failed run; read now or not, e.g. when a
        source then answered 304 Not Modified). Without ``parameter_set`` (scripts, tests,
        drafts) the last published run of any set counts. An archive run made by a
        ``research run`` (``research_run`` is its run id) counts as published when
        ``published(research_run)`` is true; one made outside ``research run`` always does.

        Parameters
        ----------
        items
            Items as read by :mod:`research.sources` (needs ``item_id`` and ``source``).
        as_of
            The briefing date of this run (recorded).
        http_states
            ``{source: {"etag": …, "last_modified": …}}`` to remember for the next run.
        seen_at
            The run's time (default: now, UTC).
        note
            Free text recorded with the run.
        parameter_set
            The declared parameter set of the ``research run`` (None for a draft or a
            script).
        research_run
            The run id of the ``research run`` this archive run belongs to.
        published
            Whether an earlier ``research run`` (by run id) was published; default: every
            earlier run counts.

        Returns
        -------
        RunRecord
            The new run's id, the baseline run's id and the ids of the new items.
        """
        missing = [c for c in ("item_id", "source") if c not in items.columns]
        if missing:
            raise InputDataError(f"Items lack the column(s) {', '.join(missing)}.",
                                 hint="pass items read by research.sources", column=missing[0])
        for column in ("item_id", "source"):
            blank = items[column].isna() | (items[column].astype(str).str.strip() == "")
            if blank.any():
                row = int(blank.to_numpy().nonzero()[0][0]) + 1
                raise InputDataError(f"Item {row} has no {column}.",
                                     hint="every item needs an id and a source name",
                                     row=row, column=column)
        started = (seen_at or _utc_now()).isoformat()
        rows = [
            tuple(_iso(row.get(f)) if f == "published" else _text(row.get(f))
                  for f in ITEM_FIELDS)
            for row in items.to_dict("records")
        ]
        with self._transaction() as connection:
            earlier = connection.execute(
                "SELECT run_id, parameter_set, research_run FROM runs ORDER BY run_id DESC"
            ).fetchall()
            previous, unpublished = _baseline(earlier, parameter_set, published)
            cursor = connection.execute(
                "INSERT INTO runs(started, as_of, items_read, note, parameter_set, research_run)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (started, None if as_of is None else str(as_of), len(rows), note,
                 parameter_set, research_run))
            run_id = int(cursor.lastrowid)
            placeholders = ", ".join("?" * (len(ITEM_FIELDS) + 2))
            connection.executemany(
                f"INSERT OR IGNORE INTO items({', '.join(ITEM_FIELDS)}, first_seen, run_id) "
                f"VALUES ({placeholders})",
                (row + (started, run_id) for row in rows))
            stored = connection.execute("SELECT COUNT(*) FROM items WHERE run_id = ?",
                                        (run_id,)).fetchone()[0]
            read_now = {row[0] for row in rows}
            unpublished.add(run_id)
            new_ids = tuple(
                item for item, stored_by in connection.execute(
                    "SELECT item_id, run_id FROM items WHERE run_id > ? ORDER BY rowid",
                    (previous or 0,))
                if item in read_now or stored_by in unpublished)
            connection.execute("UPDATE runs SET items_new = ? WHERE run_id = ?",
                               (int(stored), run_id))
            self._store_http_states(connection, http_states or {}, started)
        return RunRecord(run_id, started, previous, new_ids)

    def _store_http_states(self, connection: sqlite3.Connection,
                           states: Mapping[str, Mapping[str, Any]], when: str) -> None:
        for source, state in states.items():
            if not state or not (state.get("etag") or state.get("last_modified")):
                continue
            connection.execute(
                "INSERT INTO http_cache(source, etag, last_modified, updated) VALUES (?,?,?,?) "
                "ON CONFLICT(source) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, updated = excluded.updated",
                (source, state.get("etag"), state.get("last_modified"), when))

    # -- reading -------------------------------------------------------------------------

    def http_states(self) -> dict[str, dict[str, str | None]]:
        """The remembered HTTP validators per source name."""
        rows = self._query("SELECT source, etag, last_modified FROM http_cache")
        return {s: {"etag": e, "last_modified": m} for s, e, m in rows}

    def runs(self) -> pd.DataFrame:
        """All recorded runs, oldest first."""
        return self._frame("SELECT * FROM runs ORDER BY run_id")

    def items(self, *, run_id: int | None = None,
              published_from: Any = None, published_to: Any = None,
              ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Archived items, optionally only those first stored by ``run_id``, published
        in ``[published_from, published_to]`` (items without a date are kept) or with
        the given ids. ``published``/``first_seen`` come back as UTC timestamps."""
        clauses, arguments = [], []
        if run_id is not None:
            clauses.append("run_id = ?")
            arguments.append(run_id)
        if published_from is not None:
            clauses.append("(published IS NULL OR published >= ?)")
            arguments.append(_iso(published_from))
        if published_to is not None:
            clauses.append("(published IS NULL OR published <= ?)")
            arguments.append(_iso(published_to))
        query = "SELECT * FROM items"
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        frame = self._frame(query + " ORDER BY published, item_id", arguments)
        if ids is not None:
            wanted = set(ids)
            frame = frame[frame["item_id"].isin(wanted)].reset_index(drop=True)
        for column in ("published", "first_seen"):
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        return frame

    def count(self) -> int:
        """Number of archived items."""
        return int(self._query("SELECT COUNT(*) FROM items")[0][0])


def _baseline(earlier: Sequence[tuple[Any, ...]], parameter_set: str | None,
              published: Callable[[str], bool] | None) -> tuple[int | None, set[int]]:
    """The last published archive run of ``parameter_set`` (any set when None) among
    ``earlier`` (``run_id, parameter_set, research_run``, newest first), and the runs of
    the set after it whose briefing was not published."""
    unpublished: set[int] = set()
    for run_id, run_set, research_run in earlier:
        if parameter_set is not None and run_set != parameter_set:
            continue
        if research_run is None or published is None or published(str(research_run)):
            return int(run_id), unpublished
        unpublished.add(int(run_id))
    return None, unpublished


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception, holding the
    archive's thread lock throughout."""

    def __init__(self, connection: sqlite3.Connection, lock: threading.RLock) -> None:
        self.connection = connection
        self.lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.connection

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.connection.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.lock.release()
