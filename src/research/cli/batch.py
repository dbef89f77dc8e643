"""Command line for batches and the scheduler: ``research batch`` and
``research schedule list|run``. Parses arguments, calls :mod:`research.orchestration.batch`
and :mod:`research.orchestration.schedule`, prints the summary; bad input raises a
``ResearchError`` that the main CLI maps to exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..errors import ConfigError
from .arguments import positive_number, whole_number

__all__ = [
    "add_parser",
]


_positive_int = whole_number(1)
_non_negative_int = whole_number(0)
_positive_float = positive_number


def _progress_wanted(args: argparse.Namespace) -> bool:
    if args.no_progress:
        return False
    return True if args.progress else sys.stderr.isatty()


def _cmd_batch(args: argparse.Namespace) -> int:
    from ..orchestration.batch import run_batch
    from ..parameters import parse_override

    overrides = {name: parse_override(name, value) for name, value in (args.param or [])}
    result = run_batch(
        args.notebook, [*args.params, *(args.file or [])], overrides, jobs=args.jobs,
        timeout=args.timeout, retries=args.retries, backoff=args.backoff, dask=args.dask,
        publish=not args.no_publish, reports=args.reports, progress=_progress_wanted(args),
        resume=not args.fresh)
    print(result.summary_table())
    for message in result.publish_messages:
        print(f"publish: {message}", file=sys.stderr)
    return 0 if result.succeeded else 1


def _format_time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z") if value is not None else "-"


def _cmd_schedule_list(args: argparse.Namespace) -> int:
    from ..orchestration.schedule import describe_jobs, load_schedule

    jobs = load_schedule(args.schedule)
    if not jobs:
        print("(no jobs in the schedule)")
        return 0
    rows = describe_jobs(jobs, now=args.at, count=args.count, reports=args.reports)
    for row in rows:
        state = "" if row["enabled"] else "  [disabled]"
        print(f"{row['job']}  ({row['notebook']})  cron '{row['cron']}' in "
              f"{row['timezone']}{state}")
        for when in row["next"]:
            print(f"    next: {_format_time(when)}")
        if row["last_slot"]:
            print(f"    last: slot {row['last_slot']}, {row['last_status']}")
        elif not row["registered"]:
            print("    last: never (registered at the next pass; runs from its first slot "
                  "after that)")
    return 0


def _cmd_schedule_run(args: argparse.Namespace) -> int:
    from ..orchestration.schedule import run_pass

    result = run_pass(args.schedule, now=args.at, reports=args.reports,
                      lock_timeout=args.wait, progress=_progress_wanted(args))
    when = result.at.isoformat(timespec="seconds")
    if result.skipped:
        print(f"pass at {when}: skipped: {result.reason}")
        return 0
    for name in result.registered:
        print(f"pass at {when}: new job {name!r} registered; it runs from its next slot")
    if not result.ran:
        print(f"pass at {when}: nothing due")
    for run in result.ran:
        missed = f" ({run.missed} earlier missed slot(s) folded in)" if run.missed else ""
        print(f"== {run.job}: slot {run.slot.isoformat(timespec='minutes')}{missed}: "
              f"{run.status}")
        if run.batch is not None:
            print(run.batch.summary_table())
        if run.error:
            print(f"{run.job}: {run.error}")
    for message in result.publish_messages:
        print(f"publish: {message}", file=sys.stderr)
    if result.publish_error:
        print(f"publish failed: {result.publish_error}", file=sys.stderr)
    return 0 if result.succeeded else 1


def add_parser(subparsers: Any) -> None:
    """Add ``batch`` and ``schedule`` (``list``, ``run``) to the ``research`` command line."""
    batch = subparsers.add_parser(
        "batch", help="run a notebook for many parameter sets in parallel",
        description="Run NOTEBOOK once per parameter file (files, folders, globs) in "
                    "separate processes or on a Dask cluster; print a summary; exit 1 if any "
                    "failed. An interrupted batch started again resumes: runs that finished "
                    "are not redone.")
    batch.add_argument("notebook", help="path to a .ipynb, or a name in notebooks/")
    batch.add_argument("params", nargs="*", metavar="PARAMS.yaml",
                       help="parameter files, folders or quoted globs "
                            "('parameters/mall/*.yaml'); each file is one run. "
                            "None: one run with the defaults")
    batch.add_argument("-f", "--file", action="append", metavar="PATH",
                       help="a parameter file, a folder of them (every *.yaml in it) or a "
                            "quoted glob (repeatable)")
    batch.add_argument("-j", "--jobs", type=_positive_int, metavar="N",
                       help="runs at the same time (default: CPUs, or the cluster's threads)")
    batch.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                       help="a parameter for every run; VALUE is read as YAML (repeatable)")
    batch.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                       help="limit for one run (cells get the same limit; a run still going "
                            "30 s later is killed with its kernel). Default: none")
    batch.add_argument("--retries", type=_non_negative_int, default=1, metavar="N",
                       help="retries for a run whose kernel died or that was killed "
                            "(default 1)")
    batch.add_argument("--backoff", type=_positive_float, default=5.0, metavar="SECONDS",
                       help="wait before the first retry, doubled each time (default 5)")
    batch.add_argument("--dask", metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    batch.add_argument("--reports", help="reports folder (default: reports/)")
    batch.add_argument("--no-publish", action="store_true",
                       help="do not rebuild the catalogue at the end")
    batch.add_argument("--fresh", action="store_true",
                       help="run every set again, even those an interrupted start of the "
                            "same batch already finished (default: resume)")
    _progress_options(batch)
    batch.set_defaults(handler=_cmd_batch)

    schedule = subparsers.add_parser("schedule", help="scheduled runs (list, run)")
    commands = schedule.add_subparsers(dest="schedule_command", metavar="COMMAND")
    schedule.set_defaults(handler=_missing_subcommand)

    listing = commands.add_parser("list", help="show every job with its next run times")
    _schedule_options(listing)
    listing.add_argument("--at", metavar="ISO-TIME",
                         help="list from this time instead of now (Europe/Stockholm if no "
                              "offset)")
    listing.add_argument("--count", type=_positive_int, default=3, metavar="N",
                         help="how many next run times (default 3)")
    listing.set_defaults(handler=_cmd_schedule_list)

    run = commands.add_parser("run", help="one pass: run every job due since the last pass "
                                          "(for cron or a systemd timer)")
    _schedule_options(run)
    run.add_argument("--at", metavar="ISO-TIME",
                     help="pretend the pass happens at this time (Europe/Stockholm if no "
                          "offset)")
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="wait this long for a pass that is still running, then skip "
                          "(default 0: skip at once)")
    _progress_options(run)
    run.set_defaults(handler=_cmd_schedule_run)


def _schedule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schedule", metavar="PATH",
                        default=os.environ.get("RESEARCH_SCHEDULE"),
                        help="schedule file (default: parameters/schedule.yaml)")
    parser.add_argument("--reports", help="reports folder (default: reports/)")


def _progress_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", action="store_true",
                       help="always show a progress bar on stderr")
    group.add_argument("--no-progress", action="store_true",
                       help="never show a progress bar (default: only on a terminal)")


def _missing_subcommand(args: argparse.Namespace) -> int:
    raise ConfigError("research schedule needs a command: list or run.",
                      hint="e.g. 'research schedule list' or 'research schedule run'")
