"""The one table reader and writer, and YAML with limits: the dialect, encoding, decimal,
header and limit rules every domain relies on, tested once here — with hostile input."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from research.errors import ConfigError, InputDataError
from research.io import files as io_files
from research.io.files import read_yaml, safe_load_limited
from research.io.tables import (
    TableLimits,
    decimal_separator,
    neutralise_formula,
    read_table,
    to_number,
    write_table,
)

SWEDISH = "namn;kommun;värde\nÅsa;Älvstad;1,5\nÖrjan;Sjöviken;2\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_give_the_same_table(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(SWEDISH.encode(encoding))
    frame = read_table(path)
    assert list(frame.columns) == ["namn", "kommun", "värde"]
    assert frame.loc[1, "namn"] == "Örjan" and frame.attrs["delimiter"] == ";"
    assert frame.attrs["decimal"] == ","


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_detected_consistently(tmp_path: Path, delimiter: str) -> None:
    rows = [["id", "text", "n"], ["1", "hej, hopp", "3"], ["2", "nej", "4"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path = tmp_path / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    frame = read_table(path)
    assert frame.attrs["delimiter"] == delimiter
    assert frame["text"].tolist() == ["hej, hopp", "nej"]


def test_decimal_comma_does_not_fool_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1,5;2,25\n3,0;4,5\n", encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["a", "b"]
    assert to_number(frame["b"]).tolist() == [2.25, 4.5]


def test_to_number_handles_swedish_formats() -> None:
    values = pd.Series(["1\u00a0234,5", "−2,5", "", "x", "12"])
    out = to_number(values, decimal=",")
    assert out.iloc[0] == 1234.5 and out.iloc[1] == -2.5 and out.iloc[4] == 12
    assert out.iloc[2:4].isna().all()
    assert decimal_separator(pd.DataFrame({"v": ["1.5", "2.75"]})) == "."


@pytest.mark.parametrize("header", ["q1,q2,q1", "q1,q1,q1"])
def test_duplicate_columns_are_refused_before_any_renaming(tmp_path: Path, header: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="duplicate column name.*'q1'") as caught:
        read_table(path)
    assert caught.value.fields.get("column") == "q1" or "q1" in str(caught.value)
    assert "q1.1" not in str(caught.value)


def test_empty_column_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="column\\(s\\) 2 have no name"):
        read_table(path)


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="row 3 \\(counting the header as row 1\\) has 3 fields"):
        read_table(path)


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"a,b\n", "no data rows"), (b"\x00\x01\x02binary\xff\xfe\x00", "binary"),
])
def test_empty_header_only_and_binary_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(InputDataError, match=message):
        read_table(path)


def test_header_only_allowed_for_zero_hit_exports(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("title,year\n", encoding="utf-8")
    frame = read_table(path, allow_empty=True)
    assert frame.empty and list(frame.columns) == ["title", "year"]


def test_limits_just_under_and_just_over(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n" + "x" * 10 + "\n", encoding="utf-8")
    assert read_table(path, limits=TableLimits(max_cell_chars=10)).loc[0, "a"] == "x" * 10
    with pytest.raises(InputDataError, match="more than the limit of 9"):
        read_table(path, limits=TableLimits(max_cell_chars=9))
    path.write_text("a\n1\n2\n3\n", encoding="utf-8")
    assert len(read_table(path, limits=TableLimits(max_rows=3))) == 3
    with pytest.raises(InputDataError, match="rows"):
        read_table(path, limits=TableLimits(max_rows=2))
    size = path.stat().st_size
    with pytest.raises(InputDataError, match="bytes, more than the limit"):
        read_table(path, limits=TableLimits(max_bytes=size - 1))


def test_xlsx_round_trip_and_truncated_workbook(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_table(pd.DataFrame({"namn": ["Åsa", "=1+1"], "n": [1, 2]}), path)
    frame = read_table(path)
    assert frame["namn"].tolist() == ["Åsa", "'=1+1"] and frame["n"].tolist() == ["1", "2"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InputDataError, match="cannot read the Excel workbook"):
        read_table(broken)
    html = tmp_path / "page.xlsx"
    html.write_text("<html>not a workbook</html>", encoding="utf-8")
    with pytest.raises(InputDataError, match="Excel"):
        read_table(html)


def test_xlsx_duplicate_header_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["q1", "q1"])
    book.active.append([1, 2])
    path = tmp_path / "dup.xlsx"
    book.save(path)
    with pytest.raises(InputDataError, match="duplicate column"):
        read_table(path)


def test_missing_file_and_wrong_type_name_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="Survey data not found") as caught:
        read_table(tmp_path / "nope.csv", what="survey data", parameter="data")
    assert "'data' parameter" in caught.value.hint
    other = tmp_path / "t.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InputDataError, match="unsupported file type '.json'"):
        read_table(other)


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"), ("-3", "-3"), ("+1,5", "+1,5"),
    ("vanlig text", "vanlig text"), (-3, -3), (2.5, 2.5),
])
def test_formula_neutralisation(value, expected) -> None:
    assert neutralise_formula(value) == expected


def test_written_csv_is_safe_and_numbers_stay_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"titel": ["=HYPERLINK(\"x\")", "ok"], "n": [-1, 3], "andel": [0.5, -0.25]})
    path = write_table(frame, tmp_path / "out.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-1", "0.5"]
    assert rows[2] == ["ok", "3", "-0.25"]
    assert not list(tmp_path.glob(".*.tmp"))  # atomic: no temporary file left


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError, match="refused: more than .* values once its aliases") as caught:
        read_yaml(path, what="Sources file", parameter="sources")
    assert caught.value.fields.get("parameter") == "sources"
    assert str(path) in str(caught.value)


def test_yaml_small_aliases_still_work_and_python_tags_are_refused() -> None:
    assert safe_load_limited("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    import yaml

    with pytest.raises(yaml.YAMLError):
        safe_load_limited("!!python/object/apply:os.system ['echo hi']")


def test_yaml_depth_and_size_limits(tmp_path: Path, monkeypatch) -> None:
    deep = "a: " + "[" * 70 + "]" * 70
    with pytest.raises(ConfigError, match="nesting deeper"):
        safe_load_limited(deep)
    monkeypatch.setitem(io_files.YAML_LIMITS, "max_chars", 10)
    path = tmp_path / "big.yaml"
    path.write_text("a: 12345678901", encoding="utf-8")
    with pytest.raises(ConfigError, match="more than the limit of 10"):
        read_yaml(path, what="Parameter file")


def test_reader_never_modifies_the_input(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    data = SWEDISH.encode("cp1252")
    path.write_bytes(data)
    read_table(path)
    assert path.read_bytes() == data


def test_zip_named_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x" * 100)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputDataError):
        read_table(path)


def test_sav_row_and_column_limits(tmp_path: Path, monkeypatch) -> None:
    import pyreadstat

    from research.io import tables

    path = tmp_path / "t.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]}), str(path))
    monkeypatch.setattr(tables, "LIMITS", TableLimits(max_rows=3, max_columns=2))
    frame, _ = tables.read_sav(path)
    assert len(frame) == 3
    monkeypatch.setattr(tables, "LIMITS", TableLimits(max_rows=2))
    with pytest.raises(InputDataError, match="3 rows, more than the limit of 2"):
        tables.read_sav(path)
    monkeypatch.setattr(tables, "LIMITS", TableLimits(max_columns=1))
    with pytest.raises(InputDataError, match="2 columns, more than the limit of 1"):
        tables.read_sav(path)


def test_name_list_and_decision_logs_have_size_limits(tmp_path: Path, monkeypatch) -> None:
    from research.literature import dedup_review
    from research.literature.screening import log as screening_log
    from research.survey import readers

    names = tmp_path / "namn.txt"
    names.write_text("Anna\nOlle\n", encoding="utf-8")
    monkeypatch.setattr(readers, "NAMES_MAX_BYTES", names.stat().st_size)
    assert readers.read_names(names) == ["Anna", "Olle"]
    monkeypatch.setattr(readers, "NAMES_MAX_BYTES", names.stat().st_size - 1)
    with pytest.raises(InputDataError, match="name list is .* more than the limit") as caught:
        readers.read_names(names)
    assert caught.value.fields.get("parameter") == "mask_names_file"
    log = tmp_path / "log.csv"
    log.write_text("record_id,decision,time,reviewer\n1,include,2026-01-01T00:00:00,A\n",
                   encoding="utf-8")
    monkeypatch.setattr(screening_log, "LOG_MAX_BYTES", 10)
    with pytest.raises(InputDataError, match="screening log is .* more than the limit"):
        screening_log.read_screening_log(log)
    monkeypatch.setattr(dedup_review, "LOG_MAX_BYTES", 10)
    with pytest.raises(InputDataError, match="de-duplication log is .* more than the limit"):
        dedup_review.read_dedup_decisions(log)
