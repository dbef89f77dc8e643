"""The catalogue site: latest good briefing per notebook × parameter set, atomic swap,
personal-identity-number guard."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from research.io.files import write_json_atomic
from research.publish import publish, scan_file_for_personal_numbers

VALID_PNR = "811218-9876"  # valid check digit, made up


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Printing PDFs starts Chromium; only the PDF tests ask for it."""
    monkeypatch.setenv("RESEARCH_PDF", "0")


def fake_run(reports: Path, stem: str, run_id: str, *, status: str = "succeeded",
             label: str = "default", started: str = "2026-11-20T10:00:00+01:00",
             body: str = "<p>Innehåll</p>", table: str | None = "a,b\n1,2\n",
             info: dict | None = None) -> Path:
    run_dir = reports / "runs" / stem / run_id
    run_dir.mkdir(parents=True)
    (run_dir / "briefing.html").write_text(
        f'<!DOCTYPE html><html lang="sv"><head><title>{run_id}</title></head>'
        f"<body><main><h1>{run_id}</h1>{body}</main></body></html>", encoding="utf-8")
    if table is not None:
        (run_dir / "tables").mkdir()
        (run_dir / "tables" / "t.csv").write_text(table, encoding="utf-8")
    write_json_atomic(run_dir / "manifest.json", {
        "notebook_stem": stem, "run_id": run_id, "label": label, "status": status,
        "started": started, "parameters": {}, "briefing": info or {"kunskapshus": "Älvstad"}})
    return run_dir


def age(run_dir: Path, seconds: float = 3600) -> Path:
    """Date a run's files back: a file changed in the last seconds is never trusted to a
    cache (its mtime could stay the same through another change)."""
    import time

    for path in run_dir.rglob("*"):
        stamp = time.time() - seconds
        os.utime(path, (stamp, stamp))
    return run_dir


def test_index_lists_latest_success_per_notebook_and_label(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1", started="2026-11-01T10:00:00+01:00")
    fake_run(isolated_reports, "mall", "r2", started="2026-11-08T10:00:00+01:00")
    fake_run(isolated_reports, "mall", "r3", started="2026-11-15T10:00:00+01:00", status="failed")
    fake_run(isolated_reports, "mall", "n1", label="norrbacka", started="2026-11-02T10:00:00+01:00")
    report = publish(isolated_reports)
    site = isolated_reports / "site"
    assert site.is_symlink()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "briefings/mall/default/r2/index.html" in index
    assert "briefings/mall/default/r1/index.html" not in index
    assert "misslyckades" in index  # the latest run r3 failed and is marked
    assert "briefings/mall/norrbacka/n1/index.html" in index
    assert not (site / "briefings" / "mall" / "default" / "r3").exists()
    assert (site / "briefings" / "mall" / "default" / "r1" / "index.html").is_file()  # archive
    assert (site / "briefings" / "mall" / "default" / "r2" / "tables" / "t.csv").is_file()
    archive = (site / "arkiv.html").read_text(encoding="utf-8")
    assert archive.count("<tr>") == 1 + 3
    assert report.published_runs == {"r1", "r2", "n1"}


def test_feed_is_valid_atom_with_new_briefings(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1", info={"title": "Vecka <47> & mer", "period": "v47"})
    publish(isolated_reports, base_url="https://example.org/katalog/")
    root = ET.parse(isolated_reports / "site" / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text.startswith("Vecka <47> & mer")
    assert entries[0].find("a:link", ns).get("href") == \
        "https://example.org/katalog/briefings/mall/default/r1/index.html"


def test_data_in_index_is_escaped(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1",
             info={"title": "<script>alert(1)</script>", "kunskapshus": "<img src=x onerror=1>"})
    publish(isolated_reports)
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "<img src=x" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


@pytest.mark.parametrize("where", ["briefing", "table"])
def test_personal_identity_number_keeps_briefing_off_the_site(isolated_reports: Path, where: str) -> None:
    fake_run(isolated_reports, "mall", "good", started="2026-11-01T10:00:00+01:00")
    body = f"<p>Ärende {VALID_PNR}</p>" if where == "briefing" else "<p>ok</p>"
    table = f"id,x\n{VALID_PNR.replace('-', '')},1\n" if where == "table" else "a\n1\n"
    fake_run(isolated_reports, "mall", "leak", started="2026-11-08T10:00:00+01:00", body=body,
             table=table)
    report = publish(isolated_reports)
    assert "leak" in report.withheld_runs and "leak" not in report.published_runs
    assert report.messages and all(VALID_PNR not in m and VALID_PNR.replace("-", "") not in m
                                   for m in report.messages)
    assert any("mall/leak" in m and ("briefing.html" in m or "t.csv" in m) and "line" in m
               for m in report.messages)
    site = isolated_reports / "site"
    assert not (site / "briefings" / "mall" / "default" / "leak").exists()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "briefings/mall/default/good/index.html" in index and "integritetskontrollen" in index


def test_invalid_check_digit_and_base64_do_not_trigger(tmp_path: Path) -> None:
    page = tmp_path / "b.html"
    page.write_text('<p>811218-9875 20260101-1234</p><img src="data:image/png;base64,'
                    'AAAA/8112189876+BBBB">', encoding="utf-8")
    assert scan_file_for_personal_numbers(page) == []


def test_crash_mid_publish_leaves_previous_site(isolated_reports: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fake_run(isolated_reports, "mall", "r1")
    publish(isolated_reports)
    before = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    fake_run(isolated_reports, "mall", "r2", started="2026-11-21T10:00:00+01:00")

    def boom(*args, **kwargs):
        raise RuntimeError("crash while building")

    monkeypatch.setattr("research.publish._atom", boom)
    with pytest.raises(RuntimeError):
        publish(isolated_reports)
    assert (isolated_reports / "site" / "index.html").read_text(encoding="utf-8") == before
    monkeypatch.undo()
    publish(isolated_reports)
    assert "r2" in (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")


def test_running_and_unreadable_runs_are_ignored(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "running", status="running")
    broken = isolated_reports / "runs" / "mall" / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    report = publish(isolated_reports)
    assert report.published_runs == set()
    assert "Inga briefingar" in (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")


def test_old_builds_are_pruned(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1")
    for _ in range(4):
        publish(isolated_reports)
    builds = [p for p in (isolated_reports / ".site-builds").iterdir() if p.is_dir()]
    assert 1 <= len(builds) <= 2
    assert os.readlink(isolated_reports / "site").endswith(max(b.name for b in builds))


def test_index_styles_are_not_html_escaped(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1")
    publish(isolated_reports)
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    style = index.split("<style>")[1].split("</style>")[0]
    assert '"Segoe UI"' in style and "&#34;" not in style and "&quot;" not in style


def test_privacy_scan_is_cached_and_redone_when_a_file_changes(isolated_reports: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import research.publish as publish_module

    run = age(fake_run(isolated_reports, "mall", "r1"))
    publish(isolated_reports)
    calls = []
    original = publish_module.scan_file_for_personal_numbers
    monkeypatch.setattr(publish_module, "scan_file_for_personal_numbers",
                        lambda path: calls.append(path.name) or original(path))
    publish(isolated_reports)
    assert calls == []  # nothing changed: nothing rescanned
    (run / "tables" / "t.csv").write_text(f"id\n{VALID_PNR}\n", encoding="utf-8")
    report = publish(isolated_reports)
    assert calls == ["t.csv"] and "r1" in report.withheld_runs


def test_published_files_are_links_not_copies(isolated_reports: Path) -> None:
    run = fake_run(isolated_reports, "mall", "r1")
    publish(isolated_reports)
    page = isolated_reports / "site" / "briefings" / "mall" / "default" / "r1" / "index.html"
    assert page.stat().st_ino == (run / "briefing.html").stat().st_ino
    # re-rendering replaces the run's file; the live site keeps what was published
    (run / "briefing.html").unlink()
    (run / "briefing.html").write_text("<html lang='sv'><title>ny</title></html>", encoding="utf-8")
    assert "Innehåll" in page.read_text(encoding="utf-8")


def test_catalogue_pages_per_kunskapshus_and_type_newest_first(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "a1", label="alvstad", started="2026-11-01T10:00:00+01:00",
             info={"kunskapshus": "Kunskapshus Älvstad", "title": "Aktiviteter Älvstad"})
    fake_run(isolated_reports, "lagesbild", "a2", label="alvstad", started="2026-11-09T10:00:00+01:00",
             info={"kunskapshus": "Kunskapshus Älvstad", "title": "Lägesbild Älvstad"})
    fake_run(isolated_reports, "mall", "s1", label="sjoviken", started="2026-11-05T10:00:00+01:00",
             info={"kunskapshus": "Kunskapshus Sjöviken", "title": "Aktiviteter Sjöviken"})
    publish(isolated_reports)
    site = isolated_reports / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="kunskapshus-alvstad.html"' in index
    assert 'href="kunskapshus-sjoviken.html"' in index
    assert 'href="typ-mall.html"' in index
    house = (site / "kunskapshus-alvstad.html").read_text(encoding="utf-8")
    assert "Sjöviken" not in house.split("<main")[1]
    assert house.index("Lägesbild Älvstad") < house.index("Aktiviteter Älvstad")  # newest first
    kind = (site / "typ-mall.html").read_text(encoding="utf-8")
    assert kind.index("Aktiviteter Sjöviken") < kind.index("Aktiviteter Älvstad")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(site / "flode-alvstad.xml").getroot()
    assert [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)] == [
        "Lägesbild Älvstad – Kunskapshus Älvstad", "Aktiviteter Älvstad – Kunskapshus Älvstad"]
    self_link = [link for link in feed.findall("a:link", ns) if link.get("rel") == "self"]
    assert self_link and self_link[0].get("href") == "flode-alvstad.xml"
    main = ET.parse(site / "feed.xml").getroot()
    assert any(link.get("rel") == "self" for link in main.findall("a:link", ns))


def test_cards_and_feed_never_say_default(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "mall", "r1", label="default", info={"title": "Aktiviteter"})
    fake_run(isolated_reports, "mall", "r2", label="standard", started="2026-11-21T10:00:00+01:00",
             info={"title": "Aktiviteter per månad"})
    publish(isolated_reports)
    site = isolated_reports / "site"
    for page in ("index.html", "typ-mall.html", "feed.xml"):
        text = (site / page).read_text(encoding="utf-8").split("<main")[-1]
        visible = re.sub(r'href="[^"]*"', "", text)
        assert "default" not in visible and "standard" not in visible, page


def test_label_shown_only_to_tell_equal_titles_apart(isolated_reports: Path) -> None:
    fake_run(isolated_reports, "lagesbild", "r1", label="default", info={"title": "Lägesbild"})
    fake_run(isolated_reports, "lagesbild", "r2", label="manad", info={"title": "Lägesbild"})
    publish(isolated_reports)
    index = (isolated_reports / "site" / "index.html").read_text(encoding="utf-8")
    assert "<dt>Variant</dt><dd>manad</dd>" in index and "<dd>default</dd>" not in index


def test_pdf_skipped_with_a_note_without_chromium(isolated_reports: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import research.publish as publish_module

    monkeypatch.setattr(publish_module, "_chromium", lambda: None)
    fake_run(isolated_reports, "mall", "r1")
    report = publish(isolated_reports, pdf=True)
    assert any("briefing.pdf skipped" in m and "Chromium" in m for m in report.messages)
    site = isolated_reports / "site"
    assert not (site / "briefings" / "mall" / "default" / "r1" / "briefing.pdf").exists()
    assert "PDF" not in (site / "index.html").read_text(encoding="utf-8").split("<main")[1]


def test_existing_pdf_is_published_and_linked(isolated_reports: Path) -> None:
    run = fake_run(isolated_reports, "mall", "r1")
    (run / "briefing.pdf").write_bytes(b"%PDF-1.4 test")
    publish(isolated_reports)  # RESEARCH_PDF=0: nothing printed, what exists is published
    site = isolated_reports / "site"
    assert (site / "briefings" / "mall" / "default" / "r1" / "briefing.pdf").read_bytes() == \
        b"%PDF-1.4 test"
    assert 'href="briefings/mall/default/r1/briefing.pdf"' in \
        (site / "index.html").read_text(encoding="utf-8")


def test_slugs_are_ascii_file_names() -> None:
    from research.publish import slug

    assert slug("Kunskapshus Älvstad") == "kunskapshus-alvstad"
    assert slug("../../etc") == "etc" and slug("") == "ovrigt"
