"""Command line: ``research run | new | params | render | publish`` (+ batch, schedule,
literature, survey). Parses arguments, sets up logging, calls the library and maps errors
to exit codes: 0 ok, 1 a run failed, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..errors import ResearchError

__all__ = [
    "PLUGINS",
    "QUIET_LOGGERS",
    "log",
    "build_parser",
    "main",
]

# Commands whose modules load heavy libraries (dask, scikit-learn, scipy): imported only
# when that command is asked for, so `research run` starts fast.
PLUGINS = {
    "batch": ("batch", "run many parameter sets in parallel (processes or Dask)"),
    "schedule": ("batch", "scheduled runs: list jobs, or run one pass"),
    "literature": ("literature", "literature tools (screening simulation)"),
    "survey": ("survey", "survey tools (codebook from an SPSS file)"),
    "scanning": ("scanning", "horizon-scanning tools (source lists to and from OPML)"),
    "export": ("exchange", "write bundles of published runs for the national platform"),
    "import": ("exchange", "verify bundles and store them in the national inbox"),
}
log = logging.getLogger("research")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its wording short
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _cmd_run(args: argparse.Namespace) -> int:
    from ..execute import spawn_kernel_early

    spawn_kernel_early()  # boots while everything below loads; adopted by prestart_kernel
    from ..errors import ResearchError
    from ..execute import discard_spare_kernel, prestart_kernel, setup_imports
    from ..paths import resolve_notebook

    # The kernel boots while the runner loads, the parameters are validated and the inputs
    # hashed, and imports the setup cell's modules meanwhile (the run's output is exactly a
    # cold run's; a module that prints or fails on import makes the run start a cold kernel
    # and show it).
    notebook = args.notebook
    try:
        notebook = resolve_notebook(notebook)
        imports = setup_imports(notebook)
    except ResearchError:  # run_notebook says what is wrong with the notebook's name
        imports = ()
    prestart_kernel(imports=imports)
    from ..runs import run_notebook
    try:
        result = run_notebook(
            notebook,
            args.file or [],
            raw_overrides=[(name, value) for name, value in (args.param or [])],
            run_id=args.run_id,
            label=args.label,
            publish=not args.no_publish,
            timeout=args.timeout,
        )
    finally:
        discard_spare_kernel()  # still there only when the run stopped before it started
    for message in result.publish_messages:
        print(f"publish: {message}", file=sys.stderr)
    if result.publish_error:
        print(f"research run: the catalogue was not rebuilt: {result.publish_error}",
              file=sys.stderr)
    if not result.succeeded:
        print(f"research run: {result.manifest.get('notebook')}: {result.error}", file=sys.stderr)
        print("The executed notebook, its manifest and a briefing showing the error are kept "
              "in the run directory.", file=sys.stderr)
    elif result.draft and not args.no_publish:
        print("research run: a draft (no declared parameter set, or parameters changed with "
              "-p): listed on the catalogue's drafts page (utkast.html), not on its index.",
              file=sys.stderr)
    print(result.run_dir)
    return 0 if result.succeeded and not result.publish_error else 1


def _cmd_params(args: argparse.Namespace) -> int:
    from ..parameters import LABEL_KEY, notebook_parameters
    from ..runs import resolve_notebook

    specs = notebook_parameters(resolve_notebook(args.notebook))
    if not specs:
        print("(no parameters cell)")
        return 0
    width = max(len(s.name) for s in specs.values())
    type_width = max(len(s.type + ("?" if s.optional else "")) for s in specs.values())
    for spec in specs.values():
        kind = spec.type + ("?" if spec.optional else "")
        line = f"{spec.name:<{width}}  {kind:<{type_width}}  = {spec.default}"
        print(f"{line}  # {spec.help}" if spec.help else line)
    print(f"(a parameter file may also give '{LABEL_KEY}: …', the set's name for readers on "
          "catalogue cards, in feeds and in the briefing's header; it is not passed to the "
          "notebook)", file=sys.stderr)
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from ..render import render

    print(render(args.run_dir))
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from ..publish import publish

    report = publish(args.reports, base_url=args.base_url)
    for message in report.messages:
        print(f"publish: {message}", file=sys.stderr)
    print(report.site / "index.html")
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from ..scaffold import new_notebook_type

    created = new_notebook_type(args.name, kind=args.kind, description=args.description or "",
                                audience=args.audience or "")
    print(f"Created {created.notebook} and {created.parameters}.", file=sys.stderr)
    print(f"Next: edit notebooks/{args.name}.ipynb (or its working copy lab/{args.name}.ipynb "
          f"after make lab, copied back), then: research run {args.name} "
          f"-f parameters/{args.name}/default.yaml",
          file=sys.stderr)
    print(created.notebook)
    return 0


def _requested_command(argv: Sequence[str] | None) -> str | None:
    for token in (sys.argv[1:] if argv is None else argv):
        if not token.startswith("-"):
            return token
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; a plugin command's module is imported only when it is asked for."""
    parser = _Parser(prog="research", description="Kunskapshus Research: run parameterised "
                     "notebooks into Swedish briefings and publish the catalogue.")
    parser.add_argument("--version", action="version", version=f"research {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser("run", help="run a notebook with a parameter set")
    run.add_argument("notebook", help="path to a .ipynb, or a name in notebooks/ (e.g. mall)")
    run.add_argument("-f", "--file", action="append", metavar="PARAMS.yaml",
                     help="YAML parameter set (repeatable; later files win)")
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="one parameter; VALUE is read as a YAML scalar (repeatable)")
    run.add_argument("--run-id", help="name of the run directory (default: timestamp-label)")
    run.add_argument("--label", help="parameter set label in the catalogue "
                     "(default: the last parameter file's name)")
    run.add_argument("--timeout", type=int, metavar="SECONDS",
                     help="per-cell execution timeout (default: none)")
    run.add_argument("--no-publish", action="store_true", help="do not rebuild the catalogue")
    run.set_defaults(handler=_cmd_run)

    new = commands.add_parser("new", help="a new briefing type from the template (mall)")
    new.add_argument("name", help="file name without .ipynb: a-z, 0-9, _ (no å/ä/ö)")
    new.add_argument("--kind", help="the kind's Swedish name (default: from NAME)")
    new.add_argument("--description", help="one sentence: what the briefing shows")
    new.add_argument("--audience", help="who reads it (default: coordinators and management)")
    new.set_defaults(handler=_cmd_new)

    params = commands.add_parser("params", help="list a notebook's parameters")
    params.add_argument("notebook")
    params.set_defaults(handler=_cmd_params)

    render = commands.add_parser("render", help="(re-)render a run's briefing.html")
    render.add_argument("run_dir")
    render.set_defaults(handler=_cmd_render)

    publish = commands.add_parser("publish", help="rebuild the catalogue site reports/site/")
    publish.add_argument("--reports", help="reports folder (default: reports/)")
    publish.add_argument("--base-url", help="public URL of the site, for absolute feed links")
    publish.set_defaults(handler=_cmd_publish)

    requested = _requested_command(argv)
    if requested in PLUGINS:
        module_name = PLUGINS[requested][0]
        importlib.import_module(f".{module_name}", __package__).add_parser(commands)
    else:
        for name, (module_name, help_text) in PLUGINS.items():
            if importlib.util.find_spec(f".{module_name}", __package__) is not None:
                commands.add_parser(name, help=help_text)
    return parser


# Libraries that log what the run's outcome already says (a timeout, a dead kernel) or
# report clean-up noise; shown with --verbose.
QUIET_LOGGERS = ("papermill", "asyncio", "nbclient", "traitlets", "jupyter_client")


def _quiet_unraisable(previous: Any) -> Any:
    """An unraisable-exception hook that drops the event loop clean-up noise some
    libraries leave for interpreter exit (``BaseEventLoop.__del__`` … ``Invalid file
    descriptor: -1``); anything else goes to the previous hook."""

    def hook(unraisable: Any) -> None:
        where = getattr(unraisable.object, "__qualname__", "") or repr(unraisable.object)
        if "EventLoop.__del__" in where or isinstance(unraisable.exc_value, ResourceWarning):
            return
        previous(unraisable)

    return hook


def _close_event_loop() -> None:
    """Close the event loop jupyter_client kept for this thread (left open, it is
    collected at exit, sometimes with a traceback)."""
    try:
        from jupyter_core.utils import _loop
    except ImportError:
        return
    loop = _loop.get()
    if loop is not None and not loop.is_closed() and not loop.is_running():
        try:
            loop.close()
        except Exception:  # already half-closed by a library: nothing left to release
            pass
        _loop.set(None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``research`` console script."""
    given = list(sys.argv[1:] if argv is None else argv)
    for position, value in enumerate(given, 1):
        if "\x00" in value:  # no path or value may hold one (the system refuses them)
            print(f"research: error: argument {position} ({value!r}) contains a NUL "
                  "character\n  hint: remove it; no file name or value can contain one",
                  file=sys.stderr)
            return 2
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        sys.unraisablehook = _quiet_unraisable(sys.unraisablehook)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args) or 0)
    except ResearchError as exc:
        print(f"research: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("research: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a path the system refuses (too long, a folder, no permission)
        if args.verbose:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"research: error: {exc.strerror or exc}{where}\n  hint: check the path "
              "and its permissions", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not the user's mistake: no traceback unless asked
        if args.verbose:
            raise
        print(f"research: internal error: {type(exc).__name__}: {exc}\n"
              "  hint: this is a bug in research; run again with -v for the details and "
              "report them", file=sys.stderr)
        return 1
    finally:
        _close_event_loop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
