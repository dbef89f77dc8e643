"""``research scanning export-opml|import-opml``: source lists to and from OPML, with clear
errors for what a user can get wrong. The OPML written is read back with the standard
library's XML parser, not only with our reader."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from research.cli.main import main
from research.scanning.sourcelist import load_sources, read_opml

PROJECT = Path(__file__).resolve().parents[1]
NATIONAL = PROJECT / "parameters" / "omvarldsbevakning" / "kallor" / "nationella_kallor.yaml"

LIST = """sources:
  - name: Polisen – nyheter
    kind: feed
    location: https://polisen.example.se/rss?a=1&b=2
    category: polis
  - name: CVE
    kind: page
    location: https://cve.example.se/nyheter
    category: myndighet
  - name: Egna rapporter
    kind: folder
    location: data/sample/omvarld/rapporter
"""


def source_list(tmp_path: Path, text: str = LIST) -> Path:
    path = tmp_path / "kallor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_export_opml_writes_feeds_by_category_and_names_left_out_folders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = source_list(tmp_path)
    assert main(["scanning", "export-opml", str(path), "--title", "Älvstad"]) == 0
    out = capsys.readouterr().out
    assert "(2 sources)" in out and "Left out" in out and "Egna rapporter" in out
    written = tmp_path / "kallor.opml"
    root = ET.parse(written).getroot()  # the standard library's parser, not ours
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title").text == "Älvstad"
    groups = {o.get("text"): o for o in root.find("body")}
    assert set(groups) == {"polis", "myndighet"}
    feed = groups["polis"].find("outline")
    assert feed.get("type") == "rss" and feed.get("xmlUrl") == \
        "https://polisen.example.se/rss?a=1&b=2"
    assert groups["myndighet"].find("outline").get("type") == "link"
    assert [(s.name, s.kind, s.location, s.category) for s in read_opml(written)] == \
        [(s.name, s.kind, s.location, s.category) for s in load_sources(path)[:2]]


def test_the_shipped_national_opml_is_the_export_of_the_yaml(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scanning", "export-opml", str(NATIONAL), "-o", "-",
                 "--title", "Nationella källor för Kunskapshus"]) == 0
    exported = capsys.readouterr().out
    assert exported == NATIONAL.with_suffix(".opml").read_text(encoding="utf-8")


def test_import_opml_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    opml = NATIONAL.with_suffix(".opml")
    target = tmp_path / "importerade.yaml"
    assert main(["scanning", "import-opml", str(opml), "-o", str(target)]) == 0
    assert "sources)" in capsys.readouterr().out
    entries = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert {e["kind"] for e in entries} <= {"feed", "page"}
    assert sorted(load_sources(target), key=str) == \
        sorted((s for s in load_sources(NATIONAL) if s.kind != "folder"), key=str)


@pytest.mark.parametrize("arguments, message", [
    (["export-opml", "{missing}"], "not found"),
    (["export-opml", "{list}", "-o", "{out}.txt"], "should end in .opml"),
    (["export-opml", "{existing}"], "already exists"),
    (["export-opml", "{folders}"], "every source is a folder"),
    (["export-opml", "{bad}"], "entry 1 lacks kind, location"),
    (["export-opml", "{opml}"], "already OPML"),
    (["import-opml", "{opml}", "-o", "{opml_as_yaml}"], "already exists"),
    (["import-opml", "{list}"], "not valid XML"),
    (["import-opml", "{hostile}"], "refused"),
    (["import-opml", "{opml}", "-o", "{folder}"], "should end in .yaml"),
])
def test_bad_input_exits_2_with_a_clear_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str],
        message: str) -> None:
    listed = source_list(tmp_path)
    (tmp_path / "kallor.opml").write_text("<opml/>", encoding="utf-8")  # {existing}
    folders = tmp_path / "mappar.yaml"
    folders.write_text("- {name: A, kind: folder, location: data}\n", encoding="utf-8")
    bad = tmp_path / "trasig.yaml"
    bad.write_text("- name: Utan typ\n", encoding="utf-8")
    opml = tmp_path / "flöden.opml"
    opml.write_text('<opml version="2.0"><body>'
                    '<outline text="A" xmlUrl="https://a.example.se/rss"/></body></opml>',
                    encoding="utf-8")
    opml.with_suffix(".yaml").write_text("- {}\n", encoding="utf-8")
    hostile = tmp_path / "bomb.opml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]>'
                       '<opml><body><outline xmlUrl="&a;"/></body></opml>', encoding="utf-8")
    (tmp_path / "mapp").mkdir()
    fields = {"missing": tmp_path / "saknas.yaml", "list": listed, "out": tmp_path / "ut",
              "existing": listed, "folders": folders, "bad": bad, "opml": opml,
              "opml_as_yaml": opml.with_suffix(".yaml"), "hostile": hostile,
              "folder": tmp_path / "mapp"}
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code = main(["scanning", *[a.format(**fields) for a in arguments]])
    error = capsys.readouterr().err
    assert code == 2, error
    assert message in error and "hint:" in error
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_scanning_without_a_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scanning"]) == 2
    assert "export-opml" in capsys.readouterr().out
