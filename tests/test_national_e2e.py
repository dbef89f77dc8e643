"""From runs to the national briefing: real notebook runs of five fictional Kunskapshus are
exported, imported and synthesised; the briefing is opened in Chromium."""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from research.exchange import check_run_tables, known_notebooks, load_schema, read_inbox
from research.runs import run_notebook

from browser import axe_violations, external_requests, open_page
from conftest import reports_folder

PROJECT_ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location(
        "national_sample", PROJECT_ROOT / "data" / "sample" / "nationell" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    folder = tmp_path_factory.mktemp("national") / "inbox"
    # the runs' archives and scratch copies go to a folder of this module, never reports/
    with reports_folder(tmp_path_factory.mktemp("national-runs")):
        assert generator.main(["--inbox", str(folder)]) == 0
    return folder


def test_every_bundle_of_the_demo_is_taken(inbox: Path) -> None:
    bundles = read_inbox(inbox)["bundles"].values()
    houses = {b["kunskapshus"] for b in bundles}
    assert houses == {"Kunskapshus Älvstad", "Kunskapshus Norrbacka", "Kunskapshus Sjöviken",
                      "Kunskapshus Dalby", "Kunskapshus Bergslunda"}
    older = [b for b in bundles if b["kunskapshus"] == "Kunskapshus Sjöviken"
             and b["notebook"] == "metodutvardering"]
    assert older and older[0]["tables"]["effect_sizes"]["schema_version"] == 1
    dalby = [b for b in bundles if b["kunskapshus"] == "Kunskapshus Dalby"]
    assert [b["notebook"] for b in dalby] == ["lagesbild"]
    for entry in bundles:  # stored unchanged: the zip still verifies its own hashes
        with zipfile.ZipFile(inbox / entry["file"]) as archive:
            meta = json.loads(archive.read("bundle.json"))
            assert set(meta["files"]) <= set(archive.namelist())


@pytest.fixture(scope="module")
def national(inbox: Path, tmp_path_factory: pytest.TempPathFactory):
    """The national synthesis of the inbox, run once for this module; read-only (a test that
    changes it works on a copy)."""
    with reports_folder(tmp_path_factory.mktemp("national-reports")):
        return run_notebook("nationell_syntes",
                            [PROJECT_ROOT / "parameters" / "nationell_syntes" / "default.yaml"],
                            {"inbox": str(inbox)}, publish=False)


def test_national_briefing_end_to_end(national, inbox: Path, isolated_reports: Path) -> None:
    result = national
    assert result.status == "succeeded", result.error
    tables = result.run_dir / "tables"
    situation = (tables / "national_situation_all.csv").read_text(encoding="utf-8")
    assert "Hela landet" in situation and "Region Mitt" in situation
    coverage = (tables / "national_coverage.csv").read_text(encoding="utf-8")
    assert "Kunskapshus Ekeby" in coverage and "saknas" in coverage  # expected, never delivered
    assert "inaktuell" in coverage  # Bergslunda delivered in June
    assert "saknar senare" in coverage  # Dalby's lägesbild lacks the latest quarter
    methods = (tables / "national_methods.csv").read_text(encoding="utf-8")
    assert "Mentorskap" in methods
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "minst" in html and "högst" in html  # honest ranges where municipalities hid cells
    assert check_run_tables(result.run_dir, load_schema("nationell_syntes")) == []
    own = isolated_reports / "runs" / "nationell_syntes" / result.run_dir.name
    shutil.copytree(result.run_dir, own)  # the audit check below changes a table
    _the_run_is_audited_and_an_attacker_finds_nothing(own, inbox)


def _the_run_is_audited_and_an_attacker_finds_nothing(run_dir: Path, inbox: Path) -> None:
    """disclosure.json covers the national count tables and passes; the manifest carries
    it; the publisher's guard accepts the run and refuses it once a table changes; and the
    tests' own attacker (scipy, no product code) finds nothing in the published CSVs
    together with the municipalities' published tables."""
    from research.privacy.checking import unaudited_tables

    from test_national_attack import attack, municipal_tables

    report = json.loads((run_dir / "disclosure.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass"
    assert {"national_counts", "national_situation_all", "national_situation"} <= set(
        report["tables"])
    assert "national_counts.csv" in report["files"]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["disclosure"]["verdict"] == "pass"
    assert unaudited_tables(run_dir) == []
    html = (run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Granskning av röjanderisk" in html
    tables = {p.stem: p.read_text(encoding="utf-8-sig") for p in (run_dir / "tables").glob("*.csv")}
    municipal, floors = municipal_tables(inbox)
    verdict = attack(municipal, floors, tables, sample=8)
    assert verdict.findings == []
    counts = run_dir / "tables" / "national_counts.csv"
    counts.write_text(counts.read_text(encoding="utf-8").replace(",..\n", ",1\n", 1),
                      encoding="utf-8")
    assert any("national_counts.csv" in m for m in unaudited_tables(run_dir))


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_national_briefing_in_chromium(national, chromium, width: int) -> None:
    result = national
    assert result.status == "succeeded", result.error
    url = (result.run_dir / "briefing.html").as_uri()
    with open_page(url, width=width, browser=chromium) as (page, requests, dialogs):
        assert page.locator("h1").count() == 1
        assert axe_violations(page) == []
        assert external_requests(requests, url) == []
        assert not dialogs


def test_every_notebook_declares_its_tables() -> None:
    notebooks = sorted(p.stem for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert set(notebooks) <= set(known_notebooks()), "declare the tables in schemas/<nb>.yaml"
