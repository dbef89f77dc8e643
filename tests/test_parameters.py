"""Parameter validation against the notebook's parameters cell, before any kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from notebook_factory import make_notebook, tiny_notebook
from research.errors import ParameterError
from research.parameters import collect, load_parameter_file, notebook_parameters, parse_override


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    return tiny_notebook(tmp_path)


def test_types_are_inferred_from_defaults_and_annotations(notebook: Path) -> None:
    specs = notebook_parameters(notebook)
    assert {n: s.type for n, s in specs.items()} == {
        "n": "int", "title": "str", "ratio": "float", "tags": "list", "flag": "bool", "note": "str"}
    assert specs["n"].help == "antal rader"


def test_help_with_equals_sign_is_still_a_parameter(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "x.ipynb", 'title = ""  # rubrik; tom = standard\nk: int = 2', [])
    specs = notebook_parameters(nb)
    assert specs["title"].type == "str" and specs["title"].help.startswith("rubrik")
    assert specs["k"].type == "int"


def test_type_comment(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "x.ipynb", "as_of = None  # type: str", [])
    assert notebook_parameters(nb)["as_of"].type == "str"
    assert notebook_parameters(nb)["as_of"].optional


@pytest.mark.parametrize(("text", "expected"), [
    ("5", 5), ("2.5", 2.5), ("true", True), ("'Vecka 47'", "Vecka 47"), ("Vecka 47", "Vecka 47"),
    ("[a, b]", ["a", "b"]), ("", ""),
])
def test_overrides_are_yaml_scalars(text: str, expected: object) -> None:
    assert parse_override("x", text) == expected


def test_valid_values_are_converted(notebook: Path) -> None:
    values, _ = collect(notebook, raw_overrides=[("n", "5"), ("ratio", "1"), ("title", "2024"),
                                                  ("tags", "[a, b]"), ("flag", "yes")])
    assert values == {"n": 5, "ratio": 1.0, "title": "2024", "tags": ["a", "b"], "flag": True}


def test_unknown_parameter_names_the_closest(notebook: Path) -> None:
    with pytest.raises(ParameterError) as err:
        collect(notebook, raw_overrides=[("titel", "x")])
    assert "titel" in str(err.value) and "'title'" in str(err.value)
    assert err.value.fields["parameter"] == "titel"


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("n", "fem", "int"), ("n", "2.5", "int"), ("flag", "7", "bool"), ("ratio", "hög", "float"),
    ("tags", "a", "list"),
])
def test_wrong_type_names_parameter_given_and_expected(notebook: Path, name: str, text: str,
                                                       expected: str) -> None:
    with pytest.raises(ParameterError) as err:
        collect(notebook, raw_overrides=[(name, text)])
    message = str(err.value)
    assert f"'{name}'" in message and "expected" in message and "got" in message
    assert err.value.fields["expected"] == expected


def test_yaml_number_for_text_parameter_says_quote_it(notebook: Path, tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("title: 2024\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="quote it"):
        collect(notebook, [params])


def test_yaml_dates_become_iso_text(notebook: Path, tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("title: 2026-11-24\n", encoding="utf-8")
    values, _ = collect(notebook, [params])
    assert values["title"] == "2026-11-24"


def test_later_files_and_overrides_win(notebook: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("n: 1\ntitle: A\n", encoding="utf-8")
    second.write_text("n: 2\n", encoding="utf-8")
    values, _ = collect(notebook, [first, second], raw_overrides=[("title", "C")])
    assert values == {"n": 2, "title": "C"}


@pytest.mark.parametrize(("content", "message"), [
    ("n: [1, 2\n", "not valid YAML at line"),
    ("- a\n- b\n", "must be a mapping"),
])
def test_broken_parameter_files(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ParameterError, match=message) as err:
        load_parameter_file(file)
    assert "bad.yaml" in str(err.value)


def test_parameter_file_not_utf8_and_with_bom(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"  # e.g. saved by an old Windows editor
    latin.write_bytes("title: Älvstad\n".encode("cp1252"))
    assert load_parameter_file(latin) == {"title": "Älvstad"}
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x00\x01\xff\xfe\x00title")
    with pytest.raises(ParameterError, match="not readable text") as err:
        load_parameter_file(binary)
    assert "binary.yaml" in str(err.value)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("title: Älvstad\n".encode("utf-8-sig"))
    assert load_parameter_file(bom) == {"title": "Älvstad"}


def test_missing_notebook_and_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="not found"):
        notebook_parameters(tmp_path / "nope.ipynb")
    with pytest.raises(ParameterError, match="not found"):
        load_parameter_file(tmp_path / "nope.yaml")


def test_cli_start_up_does_not_load_heavy_plugins() -> None:
    import subprocess
    import sys

    code = ("import sys; from research.cli import build_parser; build_parser(['run', 'x']); "
            "print(sorted(m for m in ('scipy', 'sklearn', 'dask', 'distributed', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_our_parameter_parser_agrees_with_papermill(path: Path) -> None:
    import logging

    import papermill

    from research.parameters import _parse_cell

    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    theirs = papermill.inspect_notebook(str(path))
    ours = _parse_cell(path)
    assert ours is not None and set(theirs) <= set(ours)
    for name, info in theirs.items():
        assert ours[name]["default"] == info["default"], name
        assert ours[name]["help"] == info["help"], name
        assert ours[name]["inferred_type_name"] == info["inferred_type_name"], name


def test_a_cell_python_cannot_parse_falls_back_to_papermill(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "x.ipynb", "n = 1  # antal\nthis is not python", [])
    assert notebook_parameters(nb)["n"].type == "int"


def test_unreadable_notebook_is_a_parameter_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ParameterError, match="Cannot read notebook"):
        notebook_parameters(broken)


def test_impossible_dates_are_clear_errors_not_tracebacks(notebook: Path, tmp_path: Path) -> None:
    assert parse_override("title", "2026-13-01") == "2026-13-01"  # kept as the text typed
    values, _ = collect(notebook, raw_overrides=[("title", "2026-13-01")])
    assert values["title"] == "2026-13-01"
    params = tmp_path / "p.yaml"
    params.write_text("title: 2026-13-01\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="looks like a date") as err:
        load_parameter_file(params)
    assert "p.yaml" in str(err.value)
