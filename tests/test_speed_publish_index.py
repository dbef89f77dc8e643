"""Publishing at catalogue scale: the catalogue index (``reports/.catalogue-index.json``)
stands in for reading every run again, pages that did not change are not rendered again,
and neither ever weakens the publishing guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import research.publish as publish_module
from research.publish import INDEX_FILE, publish

from test_publish import VALID_PNR, age, fake_run


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESEARCH_PDF", "0")


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run folders whose manifest the publisher reads (and files it scans) from now on."""
    reads: list[str] = []
    original_read = publish_module.read_manifest
    original_scan = publish_module.scan_file_for_personal_numbers
    monkeypatch.setattr(publish_module, "read_manifest",
                        lambda run_dir: reads.append(run_dir.name) or original_read(run_dir))
    monkeypatch.setattr(publish_module, "scan_file_for_personal_numbers",
                        lambda path: reads.append(path.name) or original_scan(path))
    return reads


def _pages(site: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(site.glob("*.html"))}


def _catalogue(reports: Path) -> None:
    for number, house in enumerate(["Kunskapshus Älvstad", "Kunskapshus Sjöviken"]):
        age(fake_run(reports, "mall", f"m{number}", label=f"set{number}",
                     started=f"2026-11-0{number + 1}T10:00:00+01:00",
                     info={"kunskapshus": house, "title": f"Aktiviteter {number}"}))
        age(fake_run(reports, "lagesbild", f"l{number}", label=f"set{number}",
                     started=f"2026-11-1{number + 1}T10:00:00+01:00",
                     info={"kunskapshus": house, "title": f"Lägesbild {number}"}))


def test_an_unchanged_catalogue_is_published_from_the_index(isolated_reports, monkeypatch):
    _catalogue(isolated_reports)
    first = publish(isolated_reports)
    assert (isolated_reports / INDEX_FILE).is_file()
    pages = _pages(isolated_reports / "site")
    reads = _count_reads(monkeypatch)
    again = publish(isolated_reports)
    assert reads == []  # no manifest read, no file scanned
    assert again.published_runs == first.published_runs
    assert _pages(isolated_reports / "site") == pages


def test_unchanged_pages_are_linked_from_the_live_build_and_changed_ones_rendered(
        isolated_reports):
    _catalogue(isolated_reports)
    publish(isolated_reports)
    before = isolated_reports / "site"
    inode = {name: (before / name).stat().st_ino for name in
             ("kunskapshus-alvstad.html", "kunskapshus-sjoviken.html", "index.html")}
    age(fake_run(isolated_reports, "mall", "new", label="set0",
                 started="2026-11-20T10:00:00+01:00",
                 info={"kunskapshus": "Kunskapshus Älvstad", "title": "Aktiviteter ny"}))
    publish(isolated_reports)
    site = isolated_reports / "site"
    assert (site / "kunskapshus-sjoviken.html").stat().st_ino == inode["kunskapshus-sjoviken.html"]
    assert (site / "kunskapshus-alvstad.html").stat().st_ino != inode["kunskapshus-alvstad.html"]
    assert "Aktiviteter ny" in (site / "kunskapshus-alvstad.html").read_text(encoding="utf-8")
    assert "Aktiviteter ny" in (site / "index.html").read_text(encoding="utf-8")
    # a page gone from the live build is rendered again, not lost
    (site / "kunskapshus-sjoviken.html").unlink()
    publish(isolated_reports)
    assert "Lägesbild 1" in (isolated_reports / "site" / "kunskapshus-sjoviken.html").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("damage", ["missing", "garbage", "other-code", "other-format"])
def test_a_missing_or_stale_index_is_rebuilt_with_the_same_site(isolated_reports, damage):
    _catalogue(isolated_reports)
    publish(isolated_reports)
    pages = _pages(isolated_reports / "site")
    index = isolated_reports / INDEX_FILE
    data = json.loads(index.read_text(encoding="utf-8"))
    if damage == "missing":
        index.unlink()
    elif damage == "garbage":
        index.write_bytes(b"\x00{not json")
    else:  # an index written by other code (or format) is not trusted, whatever it says
        data["code" if damage == "other-code" else "format"] = ["older"]
        for record in data["runs"].values():
            record["verdict"] = {"withheld": True, "messages": ["from the old index"]}
        index.write_text(json.dumps(data), encoding="utf-8")
    report = publish(isolated_reports)
    assert "from the old index" not in " ".join(report.messages)
    assert report.published_runs == {"m0", "m1", "l0", "l1"}
    rebuilt = json.loads(index.read_text(encoding="utf-8"))
    assert set(rebuilt["runs"]) == {"mall/m0", "mall/m1", "lagesbild/l0", "lagesbild/l1"}
    assert {k: v.split("Uppdaterad")[1].split("<main")[1] for k, v in _pages(
        isolated_reports / "site").items()} == {
        k: v.split("Uppdaterad")[1].split("<main")[1] for k, v in pages.items()}


@pytest.mark.parametrize("where", ["briefing.html", "tables/t.csv", "manifest.json"])
def test_a_run_changed_after_it_was_indexed_is_examined_again(isolated_reports, where):
    run = age(fake_run(isolated_reports, "mall", "r1"))
    age(fake_run(isolated_reports, "mall", "r0", started="2026-11-01T10:00:00+01:00"))
    assert "r1" in publish(isolated_reports).published_runs
    target = run / where
    if where == "manifest.json":  # the identity number arrives in a parameter
        manifest = json.loads(target.read_text(encoding="utf-8"))
        manifest["parameters"] = {"note": f"ärende {VALID_PNR}"}
        target.write_text(json.dumps(manifest), encoding="utf-8")
    else:  # written in place: same inode, same folder, only size and mtime tell
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("1", VALID_PNR.replace("-", ""), 1) if where.endswith(
            ".csv") else text.replace("Innehåll", f"Ärende {VALID_PNR}"), encoding="utf-8")
    report = publish(isolated_reports)
    assert "r1" in report.withheld_runs and "r1" not in report.published_runs
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    assert "briefings/mall/default/r0/index.html" in index  # the last good one stays
    assert "integritetskontrollen" in index


def test_a_file_changed_within_its_mtime_granularity_is_not_trusted(isolated_reports):
    """Same size, same mtime, new content: possible for a file written moments before it
    was scanned (file times are coarse). Such a file is examined again next time."""
    import os

    run = fake_run(isolated_reports, "mall", "r1", table="a,b\n1,2\n")  # just written
    assert "r1" in publish(isolated_reports).published_runs
    table = run / "tables" / "t.csv"
    stat = table.stat()
    table.write_text("a@b.se\n\n", encoding="utf-8")  # an e-mail address, also 8 bytes
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (table.stat().st_size, table.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    report = publish(isolated_reports)
    assert "r1" in report.withheld_runs
    assert any("t.csv at line 1, column 1" in m for m in report.messages)


def test_records_of_deleted_runs_leave_the_index(isolated_reports):
    import shutil

    _catalogue(isolated_reports)
    publish(isolated_reports)
    shutil.rmtree(isolated_reports / "runs" / "mall" / "m0")
    report = publish(isolated_reports)
    assert "m0" not in report.published_runs
    runs = json.loads((isolated_reports / INDEX_FILE).read_text(encoding="utf-8"))["runs"]
    assert "mall/m0" not in runs and "mall/m1" in runs


def test_a_failed_run_after_an_indexed_good_one_never_replaces_it(isolated_reports):
    age(fake_run(isolated_reports, "mall", "good", started="2026-11-01T10:00:00+01:00"))
    publish(isolated_reports)
    age(fake_run(isolated_reports, "mall", "bad", status="failed",
                 started="2026-11-08T10:00:00+01:00"))
    publish(isolated_reports)
    report = publish(isolated_reports)  # the failed run now comes from the index too
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    assert "briefings/mall/default/good/index.html" in index and "misslyckades" in index
    assert "bad" not in report.published_runs
