"""The screening log: an append-only CSV (``record_id, decision, time, reviewer``).

Earlier rows are never rewritten; a corrupt row is reported, never dropped silently. Appends
run under a file lock (``filelock``), and a new log is created with ``open(…, "x")``, so two
reviewers or a double click can neither interleave rows nor overwrite a log just created.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ...errors import InputDataError, ParameterError
from ...io.files import check_size
from ...paths import project_root

__all__ = [
    "log_rows",
    "DECISIONS",
    "DECISION_ALIASES",
    "LOG_COLUMNS",
    "normalise_decision",
    "read_screening_log",
    "latest_decisions",
    "map_to_kept",
    "refuse_shipped_sample",
    "append_log_row",
    "append_decision",
    "ensure_screening_log",
]

DECISIONS = ("include", "exclude", "unsure")
DECISION_ALIASES = {
    "include": "include", "included": "include", "inkludera": "include", "ja": "include",
    "yes": "include", "1": "include", "relevant": "include",
    "exclude": "exclude", "excluded": "exclude", "exkludera": "exclude", "nej": "exclude",
    "no": "exclude", "0": "exclude", "irrelevant": "exclude",
    "unsure": "unsure", "osäker": "unsure", "maybe": "unsure", "kanske": "unsure",
}
LOG_MAX_BYTES = 100 * 1024 * 1024  # a decision log; far larger means the wrong file
LOG_COLUMNS = ("record_id", "decision", "time", "reviewer")


def normalise_decision(value: object) -> str | None:
    """Map a decision (English or Swedish) to include/exclude/unsure; ``None`` if unknown."""
    return DECISION_ALIASES.get(str(value).strip().lower()) if value is not None else None


def log_rows(target: Path, text: str, *, parameter: str, required: Sequence[str],
             columns: Sequence[str]) -> tuple[list[str], list[list[str]]] | None:
    """A decision log's header (lower-case) and rows, or ``None`` for an empty log.

    Shared by the screening log and the de-duplication log. Raises
    :class:`~research.errors.InputDataError` naming the file and ``parameter`` for broken
    CSV, duplicate column names (``header.index`` would silently use the first) and a
    header without the ``required`` columns.
    """
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # e.g. a cell over the csv module's field size limit
        raise InputDataError(f"{target}: broken CSV ({exc}).", hint="repair or shorten the "
                             "offending line", file=str(target), parameter=parameter) from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        return None
    header = [h.strip().lower() for h in rows[0]]
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise InputDataError(
            f"{target}: duplicate column name(s) {', '.join(map(repr, duplicated))}.",
            hint="give every column a unique name; nothing was renamed or dropped",
            file=str(target), row=1, column=duplicated[0], parameter=parameter)
    if any(name not in header for name in required):
        names = ", ".join(required[:-1]) + f" and {required[-1]}" if len(required) > 1 \
            else required[0]
        raise InputDataError(f"{target}: line 1 must be a header with {names}.",
                             hint="columns: " + ",".join(columns), file=str(target), row=1,
                             parameter=parameter)
    return header, rows


def read_screening_log(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a screening log CSV.

    Returns ``(log, problems)``: the valid rows (columns ``record_id, decision, time,
    reviewer, line``) and a table of rows that could not be used (``file, line, reason,
    content``), which the caller reports. A missing file is an empty log. Encoding:
    UTF-8 (with or without BOM), falling back to cp1252.
    """
    target = Path(path)
    empty = pd.DataFrame(columns=[*LOG_COLUMNS, "line"])
    no_problems = pd.DataFrame(columns=["file", "line", "reason", "content"])
    if not target.exists():
        return empty, no_problems
    check_size(target, LOG_MAX_BYTES, what="screening log", parameter="screening_log")
    raw = target.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # decoded line by line: a log started in cp1252 (Excel) and continued in UTF-8 by
    # append_decision stays readable
    lines = []
    for line in raw.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
    text = "\n".join(lines)
    parsed = log_rows(target, text, parameter="screening_log",
                      required=("record_id", "decision"), columns=LOG_COLUMNS)
    if parsed is None:
        return empty, no_problems
    header, rows = parsed
    positions = {name: header.index(name) for name in LOG_COLUMNS if name in header}
    good, bad = [], []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        content = ",".join(row)
        required = max(positions["record_id"], positions["decision"]) + 1
        if len(row) < required or len(row) > len(header):
            bad.append({"file": str(target), "line": line_number,
                        "reason": f"{len(row)} fält i stället för {len(header)}",
                        "content": content})
            continue
        record_id = row[positions["record_id"]].strip()
        decision = normalise_decision(row[positions["decision"]])
        if not record_id:
            bad.append({"file": str(target), "line": line_number,
                        "reason": "record_id saknas", "content": content})
            continue
        if decision is None:
            bad.append({"file": str(target), "line": line_number,
                        "reason": f"okänt beslut {row[positions['decision']]!r}",
                        "content": content})
            continue

        def cell(name: str) -> str:
            index = positions.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        good.append({"record_id": record_id, "decision": decision, "time": cell("time"),
                     "reviewer": cell("reviewer"), "line": line_number})
    log = pd.DataFrame(good, columns=[*LOG_COLUMNS, "line"]) if good else empty
    problems = pd.DataFrame(bad, columns=no_problems.columns) if bad else no_problems
    return log, problems


def latest_decisions(log: pd.DataFrame) -> pd.Series:
    """The latest decision per record id (later rows override earlier ones)."""
    if log.empty:
        return pd.Series(dtype=object, name="decision")
    return log.drop_duplicates("record_id", keep="last").set_index("record_id")["decision"]


def map_to_kept(log: pd.DataFrame, unique: pd.DataFrame) -> pd.DataFrame:
    """Rewrite log record ids of removed duplicates to the id of the kept record, so a
    decision made on any copy counts for the work (the raw log is not modified).

    ``unique`` holds the kept records with their ``duplicates`` column ("id; id")."""
    lookup: dict[str, str] = {}
    duplicates = unique["duplicates"] if "duplicates" in unique.columns else [""] * len(unique)
    for rid, dups in zip(unique["record_id"], duplicates):
        for dup in str(dups or "").split(";"):
            if dup.strip():
                lookup[dup.strip()] = rid
    mapped = log.copy()
    if not mapped.empty:
        mapped["record_id"] = mapped["record_id"].map(lambda r: lookup.get(r, r))
    return mapped


def refuse_shipped_sample(target: Path, parameter: str = "screening_log") -> None:
    """The shipped sample data is never written to: decisions go to a log of one's own."""
    sample = (project_root() / "data" / "sample").resolve()
    if target.resolve().is_relative_to(sample):
        raise InputDataError(
            f"{target} is shipped sample data and is never modified.",
            hint="copy it to a folder of your own (e.g. reports/litteratur/"
                 f"{target.name}) and set the '{parameter}' parameter to the copy",
            file=str(target), parameter=parameter)


def _lock(target: Path) -> object:
    from filelock import FileLock

    return FileLock(str(target.with_name(f".{target.name}.lock")), timeout=15)


def _write_new(target: Path, columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> bool:
    """Create ``target`` with a header (and rows) unless it exists; True if created."""
    try:
        stream = open(target, "x", encoding="utf-8", newline="")
    except FileExistsError:
        return False
    with stream:
        writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore",
                                restval="")
        writer.writeheader()
        writer.writerows(rows)
        stream.flush()
        os.fsync(stream.fileno())
    return True


def append_log_row(target: Path, columns: Sequence[str], row: Mapping[str, str],
                   required: Sequence[str]) -> None:
    """Append one row to a CSV log under a file lock; a missing (or empty) log is created
    with ``columns`` as header. An existing log keeps its own column order; its header must
    name every column in ``required``."""
    from filelock import Timeout

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _lock(target):
            if _write_new(target, columns, [row]):
                return
            with open(target, "rb") as existing:
                first_line = existing.readline()
                existing.seek(0, os.SEEK_END)
                empty = existing.tell() == 0
                if not empty:
                    existing.seek(-1, os.SEEK_END)
                needs_newline = not empty and existing.read(1) not in (b"\n", b"\r")
            header = [h.strip().lower() for h in next(csv.reader(
                [first_line.decode("utf-8-sig", errors="replace")]), [])]
            if not empty and any(name not in header for name in required):
                raise InputDataError(
                    f"{target}: line 1 must be a header with {', '.join(required)}.",
                    hint="columns: " + ",".join(columns), file=str(target), row=1)
            with open(target, "a", encoding="utf-8", newline="") as stream:
                if needs_newline:
                    stream.write("\r\n")
                writer = csv.DictWriter(stream, fieldnames=header if not empty else
                                        list(columns), extrasaction="ignore", restval="")
                if empty:
                    writer.writeheader()
                writer.writerow(row)
                stream.flush()
                os.fsync(stream.fileno())
    except Timeout as error:
        raise InputDataError(f"{target}: the log is locked by another process.",
                             hint="wait a moment and try again", file=str(target)) from error


def append_decision(
    path: str | os.PathLike[str],
    record_id: str,
    decision: str,
    *,
    reviewer: str | None = None,
    when: dt.datetime | None = None,
) -> dict[str, str]:
    """Append one decision to the screening log (created with a header when missing).

    The row is appended under a file lock, flushed and fsynced; earlier rows are never
    rewritten, so a crash can at worst lose the row being written.
    """
    canonical = normalise_decision(decision)
    if canonical is None:
        raise ParameterError(f"Unknown decision {decision!r}.",
                             hint="use include, exclude or unsure", parameter="decision")
    if not str(record_id).strip():
        raise ParameterError("record_id is empty.", parameter="record_id")
    target = Path(path)
    refuse_shipped_sample(target)
    stamp = (when or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    row = {"record_id": str(record_id).strip(), "decision": canonical, "time": stamp,
           "reviewer": (reviewer or "").strip()}
    append_log_row(target, LOG_COLUMNS, row, required=("record_id", "decision"))
    return row


def ensure_screening_log(path: str | os.PathLike[str]) -> Path:
    """Create an empty screening log (header only) when missing, with ``open(…, "x")`` so
    an existing log — even one created a moment ago by someone else — is never touched."""
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_new(target, LOG_COLUMNS, [])
    return target
