"""Scheduled runs: the schedule file, cron logic, the ledger, the lock and one pass.

``parameters/schedule.yaml`` lists jobs (a notebook, its parameter sets, a cron expression
in a time zone). Something outside calls one *pass* regularly (cron, a systemd timer;
see ``docs/scheduling.md``); a pass runs every job that became due since that job was last
checked, exactly once:

- **due**: a cron slot lies in ``(checked_until, now]``, where ``checked_until`` is the time
  of the previous pass that looked at the job (kept per job in the ledger);
- **missed slots** (the machine was off): all slots in the window collapse into ONE run;
  the ledger records how many were missed;
- **first sight**: a job the ledger has never seen is registered and runs at its first
  slot *after* that pass — never a catch-up run for slots before the scheduler knew it;
- **double pass**: a second pass at the same time finds ``checked_until == now`` and runs
  nothing;
- **concurrent passes**: a pass holds ``<reports>/schedule/pass.lock`` (filelock) for its
  whole duration; a second pass that cannot get it within ``lock_timeout`` (default 0 s)
  *skips* (does nothing, exits 0). Nothing is lost: the next pass still sees the slots;
- **crash**: a job is marked ``in_progress`` before it starts and ``checked_until`` moves
  only after it finished, so a pass that dies mid-run is redone by the next pass
  (at-least-once after a crash, exactly-once otherwise).

Times are computed on the local wall clock of the job's time zone (zoneinfo), so daylight
saving time is handled the way people expect: ``30 2 * * *`` runs once on the autumn night
when 02:30 occurs twice, and at 03:00 on the spring night when 02:30 does not exist.

The ledger ``<reports>/schedule/ledger.json`` is rewritten atomically (temp file +
``os.replace``) and keeps the last passes and runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


from ..errors import ConfigError, ResearchError
from ..io.files import read_yaml, write_json_atomic
from ..paths import project_root, reports_dir, resolve

__all__ = [
    "DEFAULT_TIMEZONE",
    "LEDGER_VERSION",
    "KEEP_PASSES",
    "KEEP_RUNS",
    "MAX_COUNTED_SLOTS",
    "JOB_NAME",
    "JOB_KEYS",
    "Job",
    "default_schedule_path",
    "load_schedule",
    "to_aware",
    "next_runs",
    "slots_between",
    "latest_slot",
    "ledger_path",
    "read_ledger",
    "write_ledger",
    "JobRun",
    "PassResult",
    "BatchRunner",
    "run_pass",
    "describe_jobs",
]

DEFAULT_TIMEZONE = "Europe/Stockholm"
LEDGER_VERSION = 1
KEEP_PASSES = 500
KEEP_RUNS = 2000
MAX_COUNTED_SLOTS = 10_000
JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,80}$")
JOB_KEYS = {"name", "notebook", "parameters", "cron", "timezone", "timeout", "retries",
            "publish", "dask", "parallel", "enabled", "description"}


# ---------------------------------------------------------------------------------------
# the schedule file


@dataclass(frozen=True)
class Job:
    """One scheduled job.

    Parameters
    ----------
    name
        Unique name (letters, digits, ``-``, ``_``, ``.``), used in the ledger.
    notebook
        The notebook (path relative to the project root, or a name in ``notebooks/``).
    parameters
        Parameter files and/or globs relative to the project root; each file is one
        parameter set. Empty: one run with the notebook's defaults.
    cron
        Five-field cron expression (minute hour day-of-month month day-of-week).
    timezone
        IANA time zone the cron expression is read in (default Europe/Stockholm).
    timeout
        Wall-clock limit in seconds for one run (None: no limit).
    retries
        Further attempts for a run whose kernel died or that was killed.
    publish
        Rebuild the catalogue after the pass when this job ran.
    dask
        Address of a Dask scheduler to run on (None: local processes).
    parallel
        Runs at the same time (None: number of CPUs, or the cluster's threads).
    enabled
        False keeps the job in the file without running it.
    """

    name: str
    notebook: str
    cron: str
    parameters: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    timeout: float | None = None
    retries: int = 1
    publish: bool = True
    dask: str | None = None
    parallel: int | None = None
    enabled: bool = True
    description: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _job_error(file: Path, index: int, name: str | None, message: str, hint: str,
               **fields: Any) -> ConfigError:
    where = f"job {index + 1}" + (f" ({name!r})" if name else "")
    return ConfigError(f"{file}: {where}: {message}", hint=hint, file=str(file), job=name,
                       **fields)


def _parse_job(raw: Any, index: int, file: Path, defaults: Mapping[str, Any]) -> Job:
    from croniter import croniter

    if not isinstance(raw, Mapping):
        raise _job_error(file, index, None, f"a job must be a mapping, not {type(raw).__name__}",
                         "write each job as '- name: ...' with notebook, cron, ...")
    data = {**defaults, **raw}
    name = data.get("name")
    unknown = sorted(set(data) - JOB_KEYS)
    if unknown:
        raise _job_error(file, index, name, f"unknown key(s) {', '.join(map(str, unknown))}",
                         f"known keys: {', '.join(sorted(JOB_KEYS))}", key=unknown[0])
    if not isinstance(name, str) or not JOB_NAME.match(name):
        raise _job_error(file, index, None, f"invalid or missing name {name!r}",
                         "give a name of letters, digits, '-', '_' or '.'", key="name")
    for key in ("notebook", "cron"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _job_error(file, index, name, f"missing '{key}'",
                             "every job needs 'notebook' and 'cron'", key=key)
    cron = " ".join(data["cron"].split())
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise _job_error(file, index, name, f"invalid cron expression {data['cron']!r}",
                         "use five fields: minute hour day-of-month month day-of-week, "
                         "e.g. '0 6 * * 1' for Mondays at 06:00", key="cron")
    timezone = data.get("timezone") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _job_error(file, index, name, f"unknown time zone {timezone!r}",
                         "use an IANA name such as Europe/Stockholm", key="timezone") from exc
    parameters = data.get("parameters") or []
    if isinstance(parameters, str):
        parameters = [parameters]
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
        raise _job_error(file, index, name, "'parameters' must be a file, a glob or a list "
                         "of them", "e.g. parameters: parameters/mall/*.yaml", key="parameters")
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or timeout <= 0):
        raise _job_error(file, index, name, f"invalid timeout {timeout!r}",
                         "give the limit for one run in seconds, e.g. timeout: 1800",
                         key="timeout")
    retries = data.get("retries", 1)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise _job_error(file, index, name, f"invalid retries {retries!r}",
                         "give 0 or more, e.g. retries: 2", key="retries")
    parallel = data.get("parallel")
    if parallel is not None and (isinstance(parallel, bool) or not isinstance(parallel, int)
                                 or parallel < 1):
        raise _job_error(file, index, name, f"invalid parallel {parallel!r}",
                         "give 1 or more runs at the same time", key="parallel")
    for key in ("publish", "enabled"):
        if key in data and not isinstance(data[key], bool):
            raise _job_error(file, index, name, f"'{key}' must be true or false",
                             f"write {key}: true or {key}: false", key=key)
    dask = data.get("dask")
    if dask is not None and (not isinstance(dask, str) or not dask.strip()):
        raise _job_error(file, index, name, f"invalid dask address {dask!r}",
                         "e.g. dask: tcp://10.0.0.5:8786", key="dask")
    return Job(name=name, notebook=data["notebook"].strip(), cron=cron,
               parameters=tuple(parameters), timezone=str(timezone), timeout=timeout,
               retries=retries, publish=data.get("publish", True), dask=dask,
               parallel=parallel, enabled=data.get("enabled", True),
               description=str(data.get("description") or ""))


def default_schedule_path() -> Path:
    """``<project root>/parameters/schedule.yaml``."""
    return project_root() / "parameters" / "schedule.yaml"


def load_schedule(path: str | os.PathLike[str] | None = None) -> list[Job]:
    """Read and validate the schedule file.

    The file holds ``jobs:`` (a list) and optionally ``defaults:`` (keys applied to every
    job unless the job sets them).

    Raises
    ------
    ConfigError
        Naming the file, the job and the key for anything that is wrong.
    """
    file = resolve(path) if path else default_schedule_path()
    data = read_yaml(file, what="Schedule file",
                     missing_hint="create parameters/schedule.yaml or give --schedule PATH")
    if data is None:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs", []), list):
        raise ConfigError(f"Schedule file {file} must be a mapping with a list 'jobs:'.",
                          hint="start the file with 'jobs:' and list jobs as '- name: ...'",
                          file=str(file))
    unknown = sorted(set(data) - {"jobs", "defaults"})
    if unknown:
        raise ConfigError(f"Schedule file {file}: unknown top-level key(s) "
                          f"{', '.join(map(str, unknown))}.",
                          hint="only 'jobs' and 'defaults' are allowed", file=str(file))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping) or "name" in defaults:
        raise ConfigError(f"Schedule file {file}: 'defaults' must be a mapping without 'name'.",
                          hint="e.g. defaults: {timezone: Europe/Stockholm, retries: 1}",
                          file=str(file))
    jobs = [_parse_job(raw, i, file, defaults) for i, raw in enumerate(data.get("jobs") or [])]
    seen: set[str] = set()
    for index, job in enumerate(jobs):
        if job.name in seen:
            raise _job_error(file, index, job.name, "duplicate job name",
                             "give every job its own name", key="name")
        seen.add(job.name)
    return jobs


# ---------------------------------------------------------------------------------------
# cron on the local wall clock


def to_aware(when: dt.datetime | str | None, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
    """An aware datetime: naive values and ISO strings without offset are read in ``timezone``.

    ``None`` means now.

    Raises
    ------
    ConfigError
        For text that is not an ISO 8601 date-time.
    """
    if when is None:
        return dt.datetime.now(dt.timezone.utc)
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when.strip())
        except ValueError as exc:
            raise ConfigError(f"Invalid time {when!r}.",
                              hint="give an ISO 8601 time such as 2026-11-24T06:00 or "
                                   "2026-11-24T06:00+01:00", parameter="at") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    return when


def _exists(naive: dt.datetime, zone: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None) == naive


def _slots(job: Job, start: dt.datetime) -> Iterator[dt.datetime]:
    """Cron slots after ``start`` (aware), in order, each local wall-clock time once."""
    from croniter import croniter

    zone = job.zone
    local = start.astimezone(zone)
    # iterate the naive local wall clock from before any DST fold the start may sit in
    cursor = local.replace(tzinfo=None) - dt.timedelta(hours=3)
    iterator = croniter(job.cron, cursor)
    last: dt.datetime | None = None
    while True:
        naive = iterator.get_next(dt.datetime)
        if _exists(naive, zone):
            aware = naive.replace(tzinfo=zone, fold=0)  # the first of a repeated time
        else:  # a time skipped in spring: run when the clock has jumped (e.g. 03:00)
            aware = _gap_end(naive, zone)
        if last is not None and aware <= last:
            continue  # slots swallowed by one spring gap run once
        last = aware
        if aware > start:
            yield aware


def _gap_end(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant after the DST gap that swallowed the local time ``naive``."""
    before = naive.replace(tzinfo=zone, fold=0).astimezone(dt.timezone.utc)
    after = naive.replace(tzinfo=zone, fold=1).astimezone(dt.timezone.utc)
    low, high = min(before, after), max(before, after)
    # the transition lies between the two readings; step to the first valid local minute
    probe = low
    while probe < high:
        local = probe.astimezone(zone)
        if local.replace(tzinfo=None) > naive:
            return local
        probe += dt.timedelta(minutes=1)
    return high.astimezone(zone)


def next_runs(job: Job, after: dt.datetime | None = None, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` run times of ``job`` after ``after`` (default now), local time."""
    start = to_aware(after, job.timezone)
    result = []
    for slot in _slots(job, start):
        result.append(slot)
        if len(result) >= count:
            break
    return result


def slots_between(job: Job, start: dt.datetime, end: dt.datetime,
                  limit: int = MAX_COUNTED_SLOTS) -> list[dt.datetime]:
    """Cron slots in ``(start, end]`` (at most ``limit`` of them, the earliest)."""
    found: list[dt.datetime] = []
    if end <= start:
        return found
    for slot in _slots(job, start):
        if slot > end or len(found) >= limit:
            break
        found.append(slot)
    return found


def latest_slot(job: Job, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime | None, int]:
    """The latest slot in ``(start, end]`` and how many slots lie there (capped)."""
    slots = slots_between(job, start, end)
    if not slots:
        return None, 0
    if len(slots) >= MAX_COUNTED_SLOTS:  # long downtime of a frequent job: find the last
        recent = slots_between(job, max(start, end - dt.timedelta(days=2)), end)
        if recent:
            return recent[-1], len(slots)
    return slots[-1], len(slots)


# ---------------------------------------------------------------------------------------
# the ledger


def ledger_path(reports: Path) -> Path:
    return reports / "schedule" / "ledger.json"


def read_ledger(reports: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The ledger (an empty one when there is none yet).

    Raises
    ------
    ConfigError
        When the ledger exists but cannot be read (it is never silently replaced).
    """
    base = Path(reports).resolve() if reports else reports_dir()
    path = ledger_path(base)
    if not path.is_file():
        return {"version": LEDGER_VERSION, "jobs": {}, "passes": [], "runs": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The schedule ledger {path} cannot be read: {exc}",
                          hint="restore it from a backup or move it aside (the next pass "
                               "then treats every job as new and waits for its next slot)",
                          file=str(path)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise ConfigError(f"The schedule ledger {path} has an unexpected shape.",
                          hint="move it aside; the next pass starts a new one",
                          file=str(path))
    data.setdefault("passes", [])
    data.setdefault("runs", [])
    return data


def write_ledger(reports: Path, ledger: Mapping[str, Any]) -> None:
    """Write the ledger atomically (temp file in the same folder + os.replace)."""
    path = ledger_path(reports)
    path.parent.mkdir(parents=True, exist_ok=True)
    trimmed = dict(ledger)
    trimmed["passes"] = list(ledger.get("passes", []))[-KEEP_PASSES:]
    trimmed["runs"] = list(ledger.get("runs", []))[-KEEP_RUNS:]
    write_json_atomic(path, trimmed, indent=1)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


def _parse_iso(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError as exc:
        raise ConfigError(f"The schedule ledger holds an invalid time {text!r}.",
                          hint="fix or remove that entry in reports/schedule/ledger.json "
                               "(a job without an entry is treated as new)") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------
# one pass


@dataclass
class JobRun:
    """A job that a pass ran (or tried to)."""

    job: str
    slot: dt.datetime
    missed: int
    status: str
    batch: Any = None  # research.batch.BatchResult
    error: str | None = None


@dataclass
class PassResult:
    """What one pass did."""

    at: dt.datetime
    skipped: bool = False
    reason: str = ""
    ran: list[JobRun] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    published: bool = False
    publish_messages: list[str] = field(default_factory=list)
    publish_error: str | None = None

    @property
    def succeeded(self) -> bool:
        return (all(r.status == "succeeded" for r in self.ran)
                and self.publish_error is None)


BatchRunner = Callable[[Job, Path], Any]


def _run_job_batch(job: Job, reports: Path, *, progress: bool = False) -> Any:
    from .batch import run_batch

    return run_batch(job.notebook, list(job.parameters), jobs=job.parallel,
                     timeout=job.timeout, retries=job.retries, dask=job.dask,
                     publish=False, reports=reports, progress=progress)


def run_pass(
    schedule: str | os.PathLike[str] | list[Job] | None = None,
    *,
    now: dt.datetime | str | None = None,
    reports: str | os.PathLike[str] | None = None,
    lock_timeout: float = 0.0,
    batch_runner: BatchRunner | None = None,
    progress: bool = False,
) -> PassResult:
    """One scheduler pass: run every job due since it was last checked, exactly once.

    Parameters
    ----------
    schedule
        The schedule file (default ``parameters/schedule.yaml``) or already loaded jobs.
    now
        The pass's time (default: the clock). Naive values and ISO strings without offset
        are read as Europe/Stockholm. For tests and ``--at``.
    reports
        Reports folder holding ``schedule/ledger.json`` and the runs.
    lock_timeout
        Seconds to wait for another pass to finish; after that this pass skips.
    batch_runner
        ``f(job, reports) -> BatchResult`` (default: :func:`research.batch.run_batch` with
        the job's settings). For tests.
    progress
        Show progress bars on stderr.

    Returns
    -------
    PassResult
        The jobs that ran (with their batch results), the ones seen for the first time,
        or ``skipped=True`` when another pass held the lock.
    """
    from filelock import FileLock, Timeout

    jobs = schedule if isinstance(schedule, list) else load_schedule(schedule)
    at = to_aware(now)
    base = Path(reports).resolve() if reports else reports_dir()
    (base / "schedule").mkdir(parents=True, exist_ok=True)
    result = PassResult(at=at)
    lock = FileLock(str(base / "schedule" / "pass.lock"), timeout=lock_timeout)
    try:
        lock.acquire()
    except Timeout:
        result.skipped = True
        result.reason = "another pass is running (lock held); this pass did nothing"
        return result
    try:
        _locked_pass(jobs, at, base, result, batch_runner, progress)
    finally:
        lock.release()
    return result


def _locked_pass(jobs: list[Job], at: dt.datetime, base: Path, result: PassResult,
                 batch_runner: BatchRunner | None, progress: bool) -> None:
    ledger = read_ledger(base)
    started = dt.datetime.now(dt.timezone.utc)
    states = ledger["jobs"]
    due: list[tuple[Job, dt.datetime, int]] = []
    for job in jobs:
        state = states.get(job.name)
        if state is None:
            states[job.name] = {"first_seen": _iso(at), "checked_until": _iso(at)}
            result.registered.append(job.name)
            continue
        checked = _parse_iso(state.get("checked_until")) or at
        if not job.enabled:
            state["checked_until"] = _iso(max(checked, at))
            continue
        slot, count = latest_slot(job, checked, at)
        if slot is not None:
            due.append((job, slot, count))
        elif at > checked:
            state["checked_until"] = _iso(at)
    write_ledger(base, ledger)

    runner = batch_runner or (lambda job, reports: _run_job_batch(job, reports,
                                                                   progress=progress))
    for job, slot, count in due:
        state = states[job.name]
        state["in_progress"] = {"slot": _iso(slot), "started": _iso(dt.datetime.now(
            dt.timezone.utc))}
        write_ledger(base, ledger)
        run_started = dt.datetime.now(dt.timezone.utc)
        try:
            batch = runner(job, base)
            status = "succeeded" if batch.succeeded else "failed"
            error = None
        except ResearchError as exc:  # a missing parameter file, an unreachable cluster
            batch, status, error = None, "error", str(exc)
        run = JobRun(job.name, slot, max(0, count - 1), status, batch, error)
        result.ran.append(run)
        entry = {"job": job.name, "slot": _iso(slot), "missed": run.missed,
                 "pass_at": _iso(at), "started": _iso(run_started),
                 "finished": _iso(dt.datetime.now(dt.timezone.utc)), "status": status,
                 "error": error, "results": [
                     {"parameter_set": r.label, "status": r.status,
                      "attempts": r.attempts, "duration_s": round(r.duration, 1),
                      "run_dir": _relative(r.run_dir, base)}
                     for r in (batch.results if batch is not None else [])]}
        ledger["runs"].append(entry)
        state.pop("in_progress", None)
        state.update({"checked_until": _iso(max(at, _parse_iso(state["checked_until"]))),
                      "last_slot": _iso(slot), "last_status": status,
                      "last_finished": entry["finished"]})
        write_ledger(base, ledger)

    publish_jobs = {job.name for job in jobs if job.publish}
    if any(r.job in publish_jobs and r.batch is not None and
           any(x.succeeded for x in r.batch.results) for r in result.ran):
        from ..publish import publish_reporting

        result.published, result.publish_messages, result.publish_error = \
            publish_reporting(base)
    ledger["passes"].append({
        "at": _iso(at), "started": _iso(started),
        "finished": _iso(dt.datetime.now(dt.timezone.utc)),
        "ran": [r.job for r in result.ran], "registered": result.registered,
        "published": result.published})
    write_ledger(base, ledger)


def _relative(path: Path | None, base: Path) -> str | None:
    if path is None:
        return None
    path = Path(path)
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def describe_jobs(jobs: list[Job], *, now: dt.datetime | str | None = None, count: int = 3,
                  reports: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """One row per job: name, cron, time zone, next ``count`` runs (local), last run."""
    at = to_aware(now)
    try:
        states = read_ledger(reports)["jobs"]
    except ConfigError:
        states = {}
    rows = []
    for job in jobs:
        state = states.get(job.name, {})
        rows.append({
            "job": job.name, "notebook": job.notebook, "cron": job.cron,
            "timezone": job.timezone, "enabled": job.enabled,
            "next": next_runs(job, at, count) if job.enabled else [],
            "last_slot": state.get("last_slot"), "last_status": state.get("last_status"),
            "registered": job.name in states,
        })
    return rows
