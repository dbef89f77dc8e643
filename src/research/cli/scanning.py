"""``research scanning export-opml|import-opml``: the horizon scanning's source lists to and
from OPML, the feed readers' exchange format.

- ``research scanning export-opml SOURCES.yaml [-o OUT.opml] [--title T] [--force]`` writes
  the feeds and pages of a source list as OPML 2.0, grouped by category (folders, which OPML
  cannot describe, are left out and named);
- ``research scanning import-opml FEEDS.opml [-o OUT.yaml] [--force]`` writes a feed
  reader's export as a source list for the notebook's ``sources`` parameter.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ParameterError
from ..io.files import write_text_atomic
from ..scanning.sourcelist import load_sources, read_opml, sources_to_opml

__all__ = ["YAML_HEADER", "add_parser"]

YAML_HEADER = (
    "# Källor för omvärldsbevakningen, importerade av `research scanning import-opml` från\n"
    "# {source}. Varje källa: name, kind (feed, page eller folder), location och category.\n"
)


def add_parser(subparsers: Any) -> None:
    """Add the ``scanning`` command (``export-opml``, ``import-opml``) to the CLI."""
    scanning = subparsers.add_parser("scanning", help="horizon-scanning tools (Omvärldsbevakning)")
    commands = scanning.add_subparsers(dest="scanning_command", metavar="SUBCOMMAND")
    export = commands.add_parser("export-opml", help="write a source list as OPML for a feed "
                                                     "reader")
    export.add_argument("sources", metavar="SOURCES.yaml",
                        help="source list (YAML, as the notebook's 'sources' parameter)")
    export.add_argument("-o", "--output", metavar="OUT.opml",
                        help="OPML file to write (default: SOURCES.opml next to the list; "
                             "'-' writes to standard output)")
    export.add_argument("--title", default="Omvärldsbevakning",
                        help="the OPML document's title (default: %(default)s)")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    export.set_defaults(handler=_cmd_export)
    imported = commands.add_parser("import-opml", help="write a feed reader's OPML export as "
                                                       "a source list (YAML)")
    imported.add_argument("opml", metavar="FEEDS.opml", help="OPML file from a feed reader")
    imported.add_argument("-o", "--output", metavar="OUT.yaml",
                          help="source list to write (default: FEEDS.yaml next to the OPML "
                               "file; '-' writes to standard output)")
    imported.add_argument("--force", action="store_true", help="overwrite an existing file")
    imported.set_defaults(handler=_cmd_import)
    scanning.set_defaults(handler=_cmd_help, scanning_parser=scanning)


def _cmd_help(args: argparse.Namespace) -> int:
    args.scanning_parser.print_help()
    return 2


def _target(source: Path, output: str | None, suffix: str, force: bool) -> Path | None:
    """Where to write (None: standard output); refuses to overwrite without ``--force``
    and to write over the input itself."""
    if output == "-":
        return None
    target = Path(output) if output else source.with_suffix(suffix)
    if target.suffix.lower() != suffix:
        raise ParameterError(f"{target}: the output should end in {suffix}.",
                             hint=f"give -o NAME{suffix}, or '-' for standard output",
                             parameter="output")
    if target.exists() and target.resolve() == source.resolve():
        raise ParameterError(f"{target} is the input file; it was not overwritten.",
                             hint="choose another -o", parameter="output")
    if target.is_dir():
        raise ParameterError(f"{target} is a folder.", hint=f"give -o NAME{suffix}",
                             parameter="output")
    if target.exists() and not force:
        raise ParameterError(f"{target} already exists; it was not overwritten.",
                             hint="choose another -o or add --force", parameter="output")
    return target


def _write(target: Path | None, text: str) -> None:
    if target is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(target, text)


def _cmd_export(args: argparse.Namespace) -> int:
    source = Path(args.sources)
    if source.suffix.lower() == ".opml":
        raise ParameterError(f"{source} is already OPML.",
                             hint="give the YAML source list (e.g. "
                                  "parameters/omvarldsbevakning/kallor/nationella_kallor.yaml)",
                             parameter="SOURCES")
    sources = load_sources(source)
    target = _target(source, args.output, ".opml", args.force)
    text, skipped = sources_to_opml(sources, title=args.title)
    if len(skipped) == len(sources):
        raise ConfigError(f"{source}: every source is a folder; OPML has no way to describe "
                          "folders, so there is nothing to export.",
                          hint="add feeds or pages (kind: feed or page)", file=str(source))
    _write(target, text)
    report = sys.stderr if target is None else sys.stdout
    print(f"Wrote {target or 'standard output'} ({len(sources) - len(skipped)} sources)",
          file=report)
    if skipped:
        print(f"Left out (folders cannot be written as OPML): {', '.join(skipped)}",
              file=report)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.opml)
    sources = read_opml(source)
    target = _target(source, args.output, ".yaml", args.force)
    entries = [{"name": s.name, "kind": s.kind, "location": s.location,
                **({"category": s.category} if s.category else {})} for s in sources]
    text = YAML_HEADER.format(source=source.name) + yaml.safe_dump(
        entries, allow_unicode=True, sort_keys=False, width=100)
    _write(target, text)
    report = sys.stderr if target is None else sys.stdout
    print(f"Wrote {target or 'standard output'} ({len(entries)} sources)", file=report)
    return 0
