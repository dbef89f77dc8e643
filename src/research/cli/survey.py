"""``research survey codebook FILE.sav [-o OUT.yaml] [--force]``: write a starting
codebook (YAML) from an SPSS file's variable labels, value labels and missing codes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputDataError, ParameterError
from ..io.files import write_text_atomic
from ..survey.codebook import codebook_from_sav

__all__ = [
    "HEADER",
    "add_parser",
]

HEADER = (
    "# Startkodbok skapad av `research survey codebook` från {source}.\n"
    "# Granska typerna (likert/categorical/numeric/text/id), lägg till 'reverse: true' för\n"
    "# omvända frågor och fyll i blocks, indices, background och free_text.\n"
)


def add_parser(subparsers: Any) -> None:
    """Add the ``survey`` command (with its ``codebook`` sub-command) to the CLI."""
    survey = subparsers.add_parser("survey", help="survey analysis tools (Enkätanalys)")
    commands = survey.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
    codebook = commands.add_parser("codebook", help="write a starting codebook from a .sav file")
    codebook.add_argument("file", metavar="FILE.sav", help="SPSS data file")
    codebook.add_argument("-o", "--output", metavar="OUT.yaml",
                          help="codebook to write (default: FILE.yaml next to the data)")
    codebook.add_argument("--force", action="store_true",
                          help="overwrite an existing codebook")
    codebook.set_defaults(handler=_cmd_codebook)
    survey.set_defaults(handler=_cmd_survey_help, survey_parser=survey)


def _cmd_survey_help(args: argparse.Namespace) -> int:
    args.survey_parser.print_help()
    return 2


def _cmd_codebook(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if source.suffix.lower() != ".sav":
        raise ParameterError(f"{source}: expected an SPSS .sav file.",
                             hint="CSV and Excel files carry no labels; write the codebook by "
                             "hand (see data/sample/enkat/kodbok.yaml)", parameter="FILE")
    if not source.is_file():
        raise InputDataError(f"File not found: {source}", file=str(source))
    target = Path(args.output) if args.output else source.with_suffix(".yaml")
    if target.exists() and not args.force:
        raise ParameterError(f"{target} already exists; it was not overwritten.",
                             hint="choose another -o OUT.yaml or add --force", parameter="output")
    codebook = codebook_from_sav(source)
    text = HEADER.format(source=source.name) + yaml.safe_dump(
        codebook.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    write_text_atomic(target, text)
    print(f"Wrote {target} ({len(codebook.variables)} variables)")
    return 0
