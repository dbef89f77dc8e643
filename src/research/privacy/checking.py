"""Output checking for a run (as ACRO does in trusted research environments).

Code that publishes counts registers what its tables mean (:class:`TableSpec`) and which
hidden cells are small or zero (:func:`register`); :func:`check_run` then audits **every**
``tables/*.csv`` the run has written, as a reader would read them, and writes
``disclosure.json`` beside them: tables checked, cells hidden (primary/secondary), the
audit's verdict and findings (table, line, column — never a value), the parameters and a
SHA-256 of each table file. The publisher (:func:`unaudited_tables`) refuses a run whose
tables hold a hidden cell that no passing audit covers. Outside a run (JupyterLab) the
tables given in memory are audited and nothing is written.

:func:`unaudited_tables` and :func:`disclosure_summary` need no pandas: the runner and the
publisher call them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the audit needs pandas; the publisher's guard below must not load it
    from .audit import AuditResult, Key, Relation, TableSpec

MARKER = ".."  # how a hidden cell is published (research.privacy.audit.MARKER)

__all__ = [
    "DISCLOSURE_FILE",
    "DisclosureCheck",
    "register",
    "registered",
    "reset",
    "check_run",
    "protect_table",
    "unaudited_tables",
    "disclosure_summary",
]

DISCLOSURE_FILE = "disclosure.json"


@dataclass
class _Registration:
    specs: list[TableSpec]
    primary: set[Key]
    zeros: set[Key]
    min_cell: int
    protection: int
    hidden: dict[str, int]
    witnesses: list[dict[Key, float]]
    relations: list[Relation] = field(default_factory=list)
    without_counts: set[str] = field(default_factory=set)


_SESSION: list[_Registration] = []


def register(specs: Iterable[TableSpec], *, primary: Iterable[Key] = (), zeros: Iterable[Key] = (),
             min_cell: int = 5, protection: int | None = None,
             hidden: Mapping[str, int] | None = None,
             witnesses: Iterable[Mapping[Key, float]] = (),
             relations: Iterable[Relation] = (), without_counts: Iterable[str] = ()) -> None:
    """Record, for this kernel's run, what some published tables mean and which of their
    hidden cells are small (``primary``) or zero (``zeros``); ``hidden`` counts the cells
    hidden as ``{"primary": n, "secondary": m}``; ``witnesses`` are candidate tables the
    audit may use as feasible points after checking them; ``relations`` are inequalities a
    reader knows between cells of different tables (:class:`~research.privacy.audit.Relation`);
    ``without_counts`` names published tables that hold no counts at all (test statistics,
    say): they are listed as such, and one that shows a hidden cell fails the audit. A
    table registered again replaces the earlier description."""
    specs = list(specs)
    names = {spec.name for spec in specs}
    for entry in _SESSION:
        entry.specs = [spec for spec in entry.specs if spec.name not in names]
    _SESSION.append(_Registration(specs, set(primary), set(zeros), int(min_cell),
                                  int(min_cell - 1 if protection is None else protection),
                                  dict(hidden or {}), [dict(w) for w in witnesses],
                                  list(relations), set(without_counts) - names))


def registered() -> list[TableSpec]:
    """Every table description registered in this kernel."""
    return [spec for entry in _SESSION for spec in entry.specs]


def reset() -> None:
    """Forget every registration (a new run in the same kernel, or a test)."""
    _SESSION.clear()


@dataclass
class DisclosureCheck:
    """The outcome of :func:`check_run`."""

    audit: AuditResult
    files: dict[str, str] = field(default_factory=dict)
    undescribed: list[str] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)
    path: Path | None = None
    without_counts: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.audit.passed

    def to_dict(self) -> dict[str, Any]:
        data = self.audit.to_dict()
        data["cells_hidden"] = {"primary": int(self.hidden.get("primary", 0)),
                                "secondary": int(self.hidden.get("secondary", 0))}
        data["files"] = dict(sorted(self.files.items()))
        data["tables_without_description"] = list(self.undescribed)
        data["tables_without_counts"] = list(self.without_counts)
        return data

    def note(self) -> str:
        """A true Swedish sentence on the audit for "Om underlaget"."""
        parameters = self.audit.parameters
        min_cell, protection = parameters["min_cell"], parameters["protection"]
        tables = len(self.audit.tables)
        hidden = self.audit.hidden
        if not hidden:
            return (f"Granskning av röjanderisk: {tables} "
                    f"{'tabell' if tables == 1 else 'tabeller'} med antal kontrollerades; "
                    "ingen cell behövde döljas.")
        zeros = (" Även en nolla kan vara dold, för att skydda andra celler."
                 if parameters.get("hidden_zeros") else "")
        others = len(self.undescribed) + len(self.without_counts)
        relations = (" och de olikheter mellan tabellerna som en läsare känner till"
                     if parameters.get("relations") else "")
        skipped = (f" ({others} {'tabell' if others == 1 else 'tabeller'} utan antal ingick "
                   "inte.)" if others else "")
        which = ("den publicerade tabellen med antal prövades" if tables == 1 else
                 f"alla {tables} publicerade tabeller med antal prövades tillsammans")
        if self.passed:
            return (f"Granskning av röjanderisk: {which} som en angripare skulle göra, med "
                    "alla summor, förändringar och andelar som ekvationer"
                    f"{relations} (linjärprogrammering).{skipped} Ingen dold cell kan räknas "
                    "fram till ett "
                    f"värde under {min_cell}, varje dolt litet antal kan för en läsare vara "
                    "vilket värde som helst i ett intervall som är minst "
                    f"{protection} brett, och ingen rad eller kolumn visar att de dolda "
                    f"cellerna tillsammans rymmer färre än {min_cell}." + zeros)
        return (f"Granskning av röjanderisk: granskningen av de {tables} tabellerna godkändes "
                f"inte ({len(self.audit.findings)} problem); briefingen får inte publiceras "
                "förrän det är åtgärdat.")


def _joined(groups: list[list[dict[Key, float]]]) -> list[dict[Key, float]]:
    """Candidate points of several registrations: each group's first point (its true
    table) joined with the others', then every other point as the cells it changes (the
    audit takes the rest from the first point)."""
    truth: dict[Key, float] = {}
    for group in groups:
        if group:
            truth.update(group[0])
    points = [truth] if truth else []
    for group in groups:
        points += [dict(point) for point in group[1:]]
    return points


def _text_frames(tables: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, frame in tables.items():
        text = frame.astype(object).where(frame.notna(), "")
        out[name] = text.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer()
                             else str(v))
    return out


def check_run(tables: Mapping[str, Any] | None = None, *, run_dir: str | Path | None = None
              ) -> DisclosureCheck:
    """Audit every published table of the run against all registered descriptions and
    write ``disclosure.json`` (see the module docstring).

    Parameters
    ----------
    tables
        Published tables in memory, used outside a run (``{name: DataFrame}`` as shown).
    run_dir
        The run directory (default: the current run's, if any).
    """
    from ..io.files import write_json_atomic
    from ..io.tables import read_table
    from ..paths import current_run_dir
    from .audit import audit_tables

    target = Path(run_dir) if run_dir else current_run_dir()
    frames: dict[str, Any] = {}
    files: dict[str, str] = {}
    if target is not None and (target / "tables").is_dir():
        for path in sorted((target / "tables").glob("*.csv")):
            frames[path.stem] = read_table(path, what="published table", allow_empty=True)
            files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    elif tables:
        frames = _text_frames(tables)
    specs = registered()
    primary = set().union(*(e.primary for e in _SESSION)) if _SESSION else set()
    zeros = set().union(*(e.zeros for e in _SESSION)) if _SESSION else set()
    min_cell = max((e.min_cell for e in _SESSION), default=5)
    protection = max((e.protection for e in _SESSION), default=min_cell - 1)
    audit = audit_tables(frames, specs, min_cell=min_cell, protection=protection,
                         primary=primary, zeros=zeros,
                         witnesses=_joined([e.witnesses for e in _SESSION]),
                         relations=[r for e in _SESSION for r in e.relations])
    hidden = {"primary": sum(e.hidden.get("primary", 0) for e in _SESSION),
              "secondary": sum(e.hidden.get("secondary", 0) for e in _SESSION)}
    described = {spec.name for spec in specs}
    countless = (set().union(*(e.without_counts for e in _SESSION)) - described) & set(frames)
    check = DisclosureCheck(audit, files, sorted(set(frames) - described - countless), hidden,
                            without_counts=sorted(countless))
    if target is not None:
        check.path = target / DISCLOSURE_FILE
        write_json_atomic(check.path, check.to_dict())
    return check


def protect_table(frame: Any, name: str, *, min_cell: int = 5, protection: int | None = None,
                  index: bool = False) -> Any:
    """Suppress a researcher's own count table for publishing and register it for the
    run's audit (what :func:`research.report.show_table` does with ``min_cell``).

    The table's text columns (or, with ``index=True`` or none, its index) label the rows;
    every numeric column is a count. Returns the table with a ``Totalt`` row and column and
    ``..`` for hidden cells.
    """
    import pandas as pd

    from .suppression import LinkedTables, protect

    table = frame.reset_index() if index or frame.select_dtypes(exclude="number").empty \
        else frame.copy()
    labels = list(table.select_dtypes(exclude="number").columns)
    label = str(labels[0]) if labels else "Rad"
    if not labels:
        table.insert(0, label, range(1, len(table) + 1))
    counts = table.set_index(label)[[c for c in table.columns if c not in labels and c != label]]
    counts.index = counts.index.map(str)
    counts.columns = [str(c) for c in counts.columns]
    column_dim = str(frame.columns.name or "kolumn")
    linked = LinkedTables()
    linked.add_table(name, counts, row_dim=label, column_dim=column_dim)
    result = protect(linked, min_cell, protection)
    from .audit import TableSpec

    register([TableSpec.wide(name, {label: label}, column_dim, [*counts.columns, "Totalt"])],
             primary=result.primary_keys(), zeros=result.zero_keys(), min_cell=min_cell,
             protection=result.protection, hidden=result.counts(),
             witnesses=result.witnesses())
    marked = result.result(name).marked()
    marked.index.name = label
    marked.columns.name = None
    return pd.DataFrame(marked).reset_index()


# ---------------------------------------------------------------------------------------
# For the runner and the publisher (no pandas)


def _first_hidden_line(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number > 1 and any(cell.strip().lstrip("'") == MARKER for cell in row):
            return number
    return None


def unaudited_tables(run_dir: str | Path) -> list[str]:
    """Messages for every table of a run that holds a hidden cell (``..``) without a
    passing audit in ``disclosure.json`` covering exactly that file. Names the run, the
    table and the line; never a value."""
    run_dir = Path(run_dir)
    label = f"run {run_dir.parent.name}/{run_dir.name}"
    try:
        report = json.loads((run_dir / DISCLOSURE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    messages = []
    for path in sorted((run_dir / "tables").glob("*.csv")):
        line = _first_hidden_line(path)
        if line is None:
            continue
        where = f"{label}: table {path.name}, line {line}"
        if not isinstance(report, dict):
            messages.append(f"{where} has suppressed cells but the run has no disclosure audit")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if (report.get("files") or {}).get(path.name) != digest:
            messages.append(f"{where} has suppressed cells that the disclosure audit did not "
                            "check (the table changed or was written after it)")
        elif report.get("verdict") != "pass":
            failing = [f for f in report.get("findings") or [] if f.get("table") == path.stem]
            detail = (f" (line {failing[0].get('line')}, column '{failing[0].get('column')}')"
                      if failing else "")
            messages.append(f"{label}: table {path.name} failed the disclosure audit{detail}")
    return messages


def disclosure_summary(run_dir: str | Path) -> dict[str, Any] | None:
    """The summary of ``disclosure.json`` for ``manifest.json`` (``None`` without one)."""
    try:
        report = json.loads((Path(run_dir) / DISCLOSURE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict):
        return None
    return {key: report.get(key) for key in ("verdict", "tables", "hidden_cells",
                                             "cells_hidden", "parameters")} | {
        "findings": len(report.get("findings") or []), "file": DISCLOSURE_FILE}
