"""The command line never answers with a traceback: every subcommand and option, fed
arbitrary and bad values (hypothesis), exits 0, 1 or 2 with a message."""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.cli import main
from research.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
# Options that would reach out of the machine (a Dask scheduler address) are left out.
SKIPPED_OPTIONS = {"--dask", "-h", "--help", "--version"}
# Known: `research export` with nothing to export exits 2 without a word (reported).
SILENT_REFUSALS: set[str] = set()
BAD_VALUES = ["0", "-1", "-5", "1e309", "nan", "x", "", " ", "3.5", "99999999999999999999",
              "ja", "--", "x.foo", "../../etc/passwd", "nonexistent.ipynb", "saknas.yaml",
              "Skolenkät", "a/b", "[1, 2", "{a: 1}", "\x00", "ö" * 300, "mall"]


def _commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every (sub)command path and its parser."""
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        found[path] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(path + (name,), sub)

    top = build_parser([])
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name in action.choices:
                walk((name,), _subparser(build_parser([name]), name))
    return found


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


COMMANDS = _commands()


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(o for a in parser._actions for o in a.option_strings if o not in SKIPPED_OPTIONS)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    path = draw(st.sampled_from(sorted(COMMANDS)))
    options = _options(COMMANDS[path])
    tokens = st.one_of(st.sampled_from(BAD_VALUES), st.sampled_from(options or BAD_VALUES),
                       st.text(min_size=0, max_size=8))
    return list(path) + draw(st.lists(tokens, max_size=6))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny project (the template notebook and its parameters) for the CLI to act on."""
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text("[project]\nname = 'sandbox'\n", encoding="utf-8")
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "mall.ipynb", root / "notebooks" / "mall.ipynb")
    (root / "parameters" / "mall").mkdir(parents=True)
    shutil.copy(ROOT / "parameters" / "mall" / "default.yaml", root / "parameters" / "mall")
    (root / "broken.ipynb").write_text("{not json", encoding="utf-8")
    return root


def _run(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
    # a message on stderr, or the usage shown on stdout, counts as saying what to do
    return code, err.getvalue() or out.getvalue()


def test_every_command_is_covered() -> None:
    assert {"run", "new", "params", "render", "publish", "batch", "schedule",
            "literature"} <= {path[0] for path in COMMANDS}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_no_command_line_ends_in_a_traceback(argv: list[str], sandbox: Path,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    reports = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESEARCH_PROJECT_ROOT", str(sandbox))
        patch.setenv("RESEARCH_REPORTS_DIR", str(reports))
        patch.chdir(sandbox)
        # a command line that would really run the template gets no kernel: the run path is
        # tested elsewhere; here only argument handling is
        patch.setattr("research.runs.execute", _no_kernel)
        code, err = _run(argv)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    if code == 2 and argv[0] not in SILENT_REFUSALS:
        assert err.strip(), (argv, "exit 2 without a message")


def _no_kernel(notebook, output, parameters, **kwargs):
    from research.execute import ExecutionOutcome

    return ExecutionOutcome(False, "NoKernelInThisTest", "not executed", None)


@pytest.mark.parametrize("argv", [
    ["literature", "simulate", "x.csv", "--label-column", "l", "--c", "0"],
    ["literature", "simulate", "x.csv", "--label-column", "l", "--figure", "x.foo"],
    ["run", "mall", "--timeout", "0"],
    ["run", "mall", "--timeout", "-3"],
    ["run", "mall", "--run-id", "../x"],
    ["run", "mall", "-p", "kunskapshus", "[1, 2]"],
    ["run", "mall", "-p", "okand", "1"],
    ["new", "Skolenkät"],
    ["new", "mall"],
    ["render", "nowhere"],
    ["params", "broken.ipynb"],
    ["batch", "mall", "-j", "0"],
    ["batch", "mall", "--retries", "-1"],
])
def test_known_bad_values_exit_2_with_a_message(argv: list[str], sandbox: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESEARCH_PROJECT_ROOT", str(sandbox))
    monkeypatch.chdir(sandbox)
    monkeypatch.setattr("research.runs.execute", _no_kernel)
    code, err = _run(argv)
    assert code == 2, (argv, err)
    assert "Traceback" not in err and err.strip()


def test_research_new_makes_a_briefing_type_that_validates(sandbox: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    from research.parameters import collect

    monkeypatch.setenv("RESEARCH_PROJECT_ROOT", str(sandbox))
    code, err = _run(["new", "skolenkat", "--kind", "Skolenkät", "--description",
                      "Elevernas svar på skolenkäten."])
    assert code == 0, err
    notebook = sandbox / "notebooks" / "skolenkat.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    assert nb.metadata["research"]["kind"] == "Skolenkät"
    assert nb.cells[0].source.startswith("# Skolenkät\n")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    values, specs = collect(notebook, [sandbox / "parameters" / "skolenkat" / "default.yaml"])
    assert all(specs[k].default_value == v for k, v in values.items())
    code, err = _run(["new", "skolenkat"])  # taken: refused, nothing overwritten
    assert code == 2 and "already exists" in err


def test_a_nul_character_in_an_argument_is_a_clear_error() -> None:
    code, err = _run(["import", "--inbox", "\x00", "0"])
    assert code == 2 and "argument 3" in err and "NUL" in err and "internal" not in err
