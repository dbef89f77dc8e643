"""The batch ledger: which runs of an interrupted batch have finished, so that the batch
started again after a crash (power cut, ``kill -9``, Ctrl-C) does not redo them.

One file per batch in progress, ``<reports>/batches/<notebook>-<key>.jsonl``, where the key
is a digest of the notebook's and every parameter file's contents, the overrides and the
labels: the same command over the same files finds the same ledger; a changed notebook or
parameter file is a new batch. Each finished run is one JSON line, appended with a single
write and flushed to disk (``fsync``) before the batch goes on: a line is either complete
or, cut off by a crash, ignored when the ledger is read. When every run of the batch has
its result the ledger is renamed to ``….<time>.done.jsonl`` (kept as a record), so the
next start of the same batch — next week's, say — runs everything again. A lock file
keeps two batches of the same key from running at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "Ledger",
    "batch_key",
]


def batch_key(task_keys: Iterable[str]) -> str:
    """The batch's identity: a digest of its tasks' keys, in order."""
    digest = hashlib.sha256()
    for key in task_keys:
        digest.update(key.encode("ascii") + b"\n")
    return digest.hexdigest()[:20]


class Ledger:
    """Finished runs of one batch, one JSON line each.

    Parameters
    ----------
    path
        The ledger file (created with its folder on the first record).
    reports
        The reports folder; run directories are recorded relative to it.
    """

    def __init__(self, path: Path, reports: Path) -> None:
        self.path = Path(path)
        self.reports = Path(reports)
        self._lock: Any = None

    def __enter__(self) -> Ledger:
        from filelock import FileLock, Timeout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock")
        try:
            lock.acquire(timeout=0)
        except Timeout as exc:
            raise ConfigError(f"Another batch over the same parameter sets is running "
                              f"(ledger {self.path}).",
                              hint="wait for it to finish; it publishes at its end",
                              file=str(self.path)) from exc
        self._lock = lock
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def finished(self) -> dict[str, dict[str, Any]]:
        """The latest record per task key whose run succeeded and whose run directory is
        still there (runs that failed, or whose folder was deleted, are run again)."""
        records: dict[str, dict[str, Any]] = {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return records
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:  # a line cut off by a crash
                continue
            if isinstance(record, dict) and isinstance(record.get("task"), str):
                records[record["task"]] = record
        return {key: record for key, record in records.items()
                if record.get("status") == "succeeded" and self.run_dir(record) is not None}

    def run_dir(self, record: Mapping[str, Any]) -> Path | None:
        """The run directory a record points at, if it still holds a manifest."""
        relative = record.get("run_dir")
        if not isinstance(relative, str) or not relative or ".." in Path(relative).parts:
            return None
        run_dir = self.reports / relative
        return run_dir if (run_dir / "manifest.json").is_file() else None

    def record(self, key: str, label: str, status: str, run_dir: Path | None,
               duration: float, attempts: int) -> None:
        """Append one finished run and flush it to disk before returning."""
        relative = None
        if run_dir is not None:
            path = Path(run_dir)
            relative = (path.relative_to(self.reports).as_posix()
                        if path.is_relative_to(self.reports) else None)
        line = json.dumps({"task": key, "label": label, "status": status, "run_dir": relative,
                           "duration": round(duration, 3), "attempts": attempts,
                           "finished": dt.datetime.now(dt.timezone.utc).isoformat(
                               timespec="seconds")}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            prefix = b""
            if os.fstat(fd).st_size and not self._ends_with_newline():
                prefix = b"\n"  # the previous writer was cut off mid-line
            os.write(fd, prefix + line.encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def complete(self) -> Path | None:
        """Close the ledger of a batch whose every run has its result (renamed aside)."""
        if not self.path.is_file():
            return None
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        done = self.path.with_name(f"{self.path.stem}.{stamp}.done.jsonl")
        os.replace(self.path, done)
        return done

    def clear(self) -> None:
        """Forget every record (a fresh start of the same batch)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
