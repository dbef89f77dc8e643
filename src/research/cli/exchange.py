"""``research export`` and ``research import``: bundles for the national platform.

Argument parsing only; the work is :mod:`research.exchange`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser"]


def _cmd_export(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..exchange import draft_schema, export_bundle, export_latest

    if args.draft_schema:
        print(json.dumps(draft_schema(Path(args.draft_schema)), ensure_ascii=False, indent=2))
        return 0
    if bool(args.run_dirs) == bool(args.latest):
        raise ParameterError("Give run directories or --latest (not both, not neither).",
                             hint="e.g. research export --latest --kunskapshus "
                             "'Kunskapshus Älvstad'", parameter="run_dirs")
    if args.kunskapshus and not args.latest:
        raise ParameterError("--kunskapshus goes with --latest.", parameter="kunskapshus",
                             hint="add --latest, or leave out --kunskapshus")
    out = Path(args.out) if args.out else None
    if args.latest:
        bundles, messages = export_latest(Path(args.reports) if args.reports else None, out,
                                          kunskapshus=args.kunskapshus)
    else:
        from ..paths import reports_dir

        bundles, messages = [], []
        for run_dir in args.run_dirs:
            try:
                bundles.append(export_bundle(run_dir, out or reports_dir() / "bundles"))
            except Exception as exc:  # noqa: BLE001 - every refusal is reported, none aborts
                from ..errors import ResearchError

                if not isinstance(exc, ResearchError):
                    raise
                messages.append(str(exc))
    for message in messages:
        print(f"not exported: {message}", file=sys.stderr)
    if not bundles and not messages:
        where = f" for {args.kunskapshus}" if args.kunskapshus else ""
        print(f"research: nothing to export: no succeeded run{where} in the reports folder",
              file=sys.stderr)
    for bundle in bundles:
        print(bundle)
    return 0 if bundles and not messages else (1 if bundles else 2)


def _cmd_import(args: argparse.Namespace) -> int:
    from ..exchange import import_bundles

    report = import_bundles(args.bundles, args.inbox)
    for line in report.lines():
        print(line)
    print(f"{len(report.taken)} taken, {len(report.refused)} refused; inbox {report.inbox}")
    return 0 if not report.refused else 1


def add_parser(subparsers: Any) -> None:
    """Add ``export`` and ``import`` to the ``research`` command line."""
    export = subparsers.add_parser(
        "export", help="write bundles of published runs for the national platform",
        description="Write one zip bundle per run: tables, briefing, manifests, disclosure "
                    "report. A run that would not be published is refused with a reason.")
    export.add_argument("run_dirs", nargs="*", metavar="RUN_DIR", help="run directories")
    export.add_argument("--latest", action="store_true",
                        help="the latest good run of every notebook x parameter set")
    export.add_argument("--kunskapshus", metavar="NAME", help="with --latest: only this one")
    export.add_argument("--out", metavar="DIR", help="where bundles go (default reports/bundles)")
    export.add_argument("--reports", metavar="DIR", help="reports folder (default reports/)")
    export.add_argument("--draft-schema", metavar="RUN_DIR",
                        help="print a starting table schema (YAML-compatible JSON) for a run")
    export.set_defaults(handler=_cmd_export)

    imp = subparsers.add_parser(
        "import", help="verify bundles and store them in the national inbox",
        description="Verify each bundle (hashes, schema versions, notebook kind, identity "
                    "numbers, disclosure audit) and store it unchanged; refusals say why.")
    imp.add_argument("bundles", nargs="+", metavar="BUNDLE.zip")
    imp.add_argument("--inbox", metavar="DIR", help="inbox folder (default reports/inbox)")
    imp.set_defaults(handler=_cmd_import)
