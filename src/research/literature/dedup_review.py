"""The researcher's de-duplication decisions: a review table and an append-only log.

Uncertain pairs (see :mod:`research.literature.dedup`) are never merged silently. The review
table shows each pair side by side; a decision ("same" = the same work, "different" = keep
apart) is appended to a CSV log (``left_id, right_id, decision, time, reviewer``) under a file
lock and re-applied on every later run — the latest decision on a pair wins.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from ..errors import InputDataError, ParameterError
from ..io.files import check_size, decode_text
from .fields import PROBLEM_COLUMNS
from .screening.log import append_log_row, log_rows, refuse_shipped_sample

__all__ = [
    "DEDUP_LOG_COLUMNS",
    "DEDUP_DECISIONS",
    "normalise_dedup_decision",
    "read_dedup_decisions",
    "append_dedup_decision",
    "review_table",
]

LOG_MAX_BYTES = 100 * 1024 * 1024  # a decision log; far larger means the wrong file
DEDUP_LOG_COLUMNS = ("left_id", "right_id", "decision", "time", "reviewer")
DEDUP_DECISIONS = {
    "same": "same", "samma": "same", "duplicate": "same", "dubblett": "same", "ja": "same",
    "different": "different", "olika": "different", "distinct": "different", "nej": "different",
}


def normalise_dedup_decision(value: object) -> str | None:
    """"same" or "different" (English or Swedish); ``None`` when unknown."""
    return DEDUP_DECISIONS.get(str(value).strip().lower()) if value is not None else None


def read_dedup_decisions(path: str | os.PathLike[str] | None
                         ) -> tuple[dict[frozenset[str], str], pd.DataFrame]:
    """Latest decision per pair and the log rows that could not be used.

    Returns ``({frozenset({left_id, right_id}): "same"|"different"}, problems)`` where
    ``problems`` has the columns ``file, line, problem``. A missing log (or ``None``) has no
    decisions.
    """
    empty = pd.DataFrame(columns=PROBLEM_COLUMNS)
    if path is None or not Path(path).is_file():
        return {}, empty
    target = Path(path)
    check_size(target, LOG_MAX_BYTES, what="de-duplication log", parameter="dedup_log")
    text = decode_text(target.read_bytes(), name=str(target))[0]
    parsed = log_rows(target, text, parameter="dedup_log",
                      required=("left_id", "right_id", "decision"), columns=DEDUP_LOG_COLUMNS)
    if parsed is None:
        return {}, empty
    header, rows = parsed
    where = {name: header.index(name) for name in ("left_id", "right_id", "decision")}
    decisions: dict[frozenset[str], str] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(where.values()):
            problems.append({"file": target.name, "line": number,
                             "problem": "för få fält i dubblettloggen"})
            continue
        left, right = row[where["left_id"]].strip(), row[where["right_id"]].strip()
        decision = normalise_dedup_decision(row[where["decision"]])
        if not left or not right or left == right or decision is None:
            problems.append({"file": target.name, "line": number,
                             "problem": "oläsbart beslut i dubblettloggen: "
                                        + ",".join(row)[:120]})
            continue
        decisions[frozenset((left, right))] = decision
    return decisions, pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def append_dedup_decision(path: str | os.PathLike[str], left_id: str, right_id: str,
                          decision: str, *, reviewer: str | None = None,
                          when: dt.datetime | None = None) -> dict[str, str]:
    """Append one pair decision to the de-duplication log (created when missing)."""
    canonical = normalise_dedup_decision(decision)
    if canonical is None:
        raise ParameterError(f"Unknown decision {decision!r}.", hint="use same or different",
                             parameter="decision")
    left, right = str(left_id).strip(), str(right_id).strip()
    if not left or not right or left == right:
        raise ParameterError("A decision needs two different record ids.",
                             parameter="record_id")
    target = Path(path)
    refuse_shipped_sample(target, parameter="dedup_log")
    stamp = (when or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    row = {"left_id": left, "right_id": right, "decision": canonical, "time": stamp,
           "reviewer": (reviewer or "").strip()}
    append_log_row(target, DEDUP_LOG_COLUMNS, row, required=("left_id", "right_id",
                                                             "decision"))
    return row


def review_table(review: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The uncertain pairs side by side, in Swedish, for the researcher to decide."""
    columns = ["par", "post A", "post B", "titel A", "titel B", "år A", "år B", "källa A",
               "källa B", "titellikhet", "stämmer", "skiljer sig", "bedömning"]
    if review.empty:
        return pd.DataFrame(columns=columns)
    by_id = records.set_index("record_id")

    def field(record_id: str, name: str) -> str:
        if name not in by_id.columns or record_id not in by_id.index:
            return ""
        value = by_id.at[record_id, name]
        return "" if pd.isna(value) else str(value)

    rows = []
    for number, pair in enumerate(review.itertuples(index=False), start=1):
        rows.append({
            "par": number, "post A": pair.left_id, "post B": pair.right_id,
            "titel A": field(pair.left_id, "title"), "titel B": field(pair.right_id, "title"),
            "år A": field(pair.left_id, "year"), "år B": field(pair.right_id, "year"),
            "källa A": field(pair.left_id, "source"),
            "källa B": field(pair.right_id, "source"),
            "titellikhet": pair.title_score, "stämmer": pair.agree,
            "skiljer sig": pair.conflict, "bedömning": pair.reason})
    return pd.DataFrame(rows, columns=columns)
