"""Horizon scanning and the shared archive: "new" since the last *published* briefing of
the same parameter set, and drafts and JupyterLab sessions that never move shared state."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from email.utils import format_datetime
from pathlib import Path

import pytest

from research import scanning
from research.scanning import archive as archive_module
from research.scanning.archive import Archive, archive_path, run_context

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tidning</title><link>https://t.example.se/</link>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://t.example.se/{n}</link>
<description>{text}</description><pubDate>{date}</pubDate></item>"""


def write_feed(folder: Path, numbers: range) -> Path:
    body = "".join(ITEM.format(
        title=f"Nyhet {n} om avhoppare", text=f"Avhopparverksamheten i Älvstad del {n}", n=n,
        date=format_datetime(dt.datetime(2026, 11, 16 + n % 6, 10, tzinfo=dt.timezone.utc)))
        for n in numbers)
    (folder / "feed.xml").write_text(FEED.format(items=body), encoding="utf-8")
    sources = folder / "sources.yaml"
    sources.write_text(f"- name: Tidning\n  kind: feed\n  location: {folder / 'feed.xml'}\n",
                       encoding="utf-8")
    return sources


def enter_run(monkeypatch: pytest.MonkeyPatch, reports: Path, run_id: str,
              parameter_set: str | None, status: str = "running") -> Path:
    """Make this process look like the kernel of `research run` (what the runner writes
    before the kernel starts: the run directory and its manifest)."""
    run_dir = reports / "runs" / "omvarldsbevakning" / run_id
    run_dir.mkdir(parents=True)
    manifest = {"run_id": run_id, "notebook_stem": "omvarldsbevakning", "label": run_id,
                "parameter_set": parameter_set, "status": status}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("RESEARCH_RUN_DIR", str(run_dir))
    return run_dir


def finish_run(run_dir: Path, status: str) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["status"] = status
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_new_is_counted_from_the_last_published_run_of_the_same_set(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = write_feed(tmp_path, range(0, 4))
    shared = "reports/archive/omvarld.sqlite"
    first_dir = enter_run(monkeypatch, isolated_reports, "r1", "default")
    first = scanning.analyse(sources, shared, as_of="2026-11-22")
    assert first.first_run and len(first.new_items) == 4
    finish_run(first_dir, "succeeded")

    # a second run of the set reads two more items, then fails (never published)
    write_feed(tmp_path, range(0, 6))
    failed_dir = enter_run(monkeypatch, isolated_reports, "r2", "default")
    failed = scanning.analyse(sources, shared, as_of="2026-11-22")
    assert failed.run.previous_run_id == first.run.run_id and len(failed.new_items) == 2
    finish_run(failed_dir, "failed")

    # another declared set on the same archive does not move the default set's "new"
    other_dir = enter_run(monkeypatch, isolated_reports, "r3", "nationella_kallor")
    other = scanning.analyse(sources, shared, as_of="2026-11-22")
    assert other.first_run and len(other.new_items) == 6
    finish_run(other_dir, "succeeded")

    # the next run of the set reports what the failed run stored, though it stored it
    # itself, and only that: the baseline is the last published run r1
    enter_run(monkeypatch, isolated_reports, "r4", "default")
    again = scanning.analyse(sources, shared, as_of="2026-11-22")
    assert again.run.previous_run_id == first.run.run_id
    assert sorted(again.new_items["title"]) == ["Nyhet 4 om avhoppare", "Nyhet 5 om avhoppare"]
    with Archive(isolated_reports / "archive" / "omvarld.sqlite") as store:
        runs = store.runs()
    assert list(runs["parameter_set"]) == ["default", "default", "nationella_kallor", "default"]
    assert list(runs["research_run"]) == ["r1", "r2", "r3", "r4"]
    assert list(runs["items_new"]) == [4, 2, 0, 0]


def test_items_a_failed_run_stored_are_new_even_when_the_source_then_says_304(
        tmp_path: Path) -> None:
    from test_archive import items

    published = {"r1": True, "r2": False}.__getitem__
    with Archive(tmp_path / "a.sqlite") as store:
        first = store.record_run(items("a"), parameter_set="default", research_run="r1")
        failed = store.record_run(items("a", "b"), parameter_set="default",
                                  research_run="r2", published=published)
        assert len(failed.new_ids) == 1
        # the feed answers 304 Not Modified: nothing read, yet "b" was never published
        quiet = store.record_run(items("a").iloc[:0],
                                 parameter_set="default", research_run="r3",
                                 published=published)
        assert quiet.previous_run_id == first.run_id and quiet.new_ids == failed.new_ids
        # a script (no research run) counts from the last run of any set, as before
        script = store.record_run(items("a", "b"))
        assert script.previous_run_id == quiet.run_id and script.new_ids == ()


def test_a_draft_never_writes_the_shared_archive(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = write_feed(tmp_path, range(0, 3))
    shared_path = isolated_reports / "archive" / "omvarld.sqlite"
    run_dir = enter_run(monkeypatch, isolated_reports, "r1", "default")
    scanning.analyse(sources, "reports/archive/omvarld.sqlite", as_of="2026-11-22")
    finish_run(run_dir, "succeeded")
    before = shared_path.read_bytes()

    write_feed(tmp_path, range(0, 5))
    enter_run(monkeypatch, isolated_reports, "utkast-1", None)  # -p overrides: a draft
    context = run_context()
    assert context.draft and context.parameter_set is None
    copy = archive_path("reports/archive/omvarld.sqlite")
    assert copy != shared_path and isolated_reports / "scratch" in copy.parents
    draft = scanning.analyse(sources, "reports/archive/omvarld.sqlite", as_of="2026-11-22")
    # the draft sees what is new since the last published briefing, in its own copy …
    assert sorted(draft.new_items["title"]) == ["Nyhet 3 om avhoppare", "Nyhet 4 om avhoppare"]
    assert "Utkast" in draft.notices()[0]
    # … which the scan removes when it is done with it
    assert not copy.parent.exists()
    assert shared_path.read_bytes() == before
    # a second call in the same draft run starts again from the shared archive
    again = archive_path("reports/archive/omvarld.sqlite")
    assert again == copy and archive_path(again) == again
    with Archive(again) as store:
        assert store.count() == 3

    # the next declared run still reports the two items as new
    enter_run(monkeypatch, isolated_reports, "r2", "default")
    declared = scanning.analyse(sources, "reports/archive/omvarld.sqlite", as_of="2026-11-22")
    assert len(declared.new_items) == 2 and declared.notices() == []


def test_an_interactive_session_works_on_a_copy_and_says_so(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython

    sources = write_feed(tmp_path, range(0, 3))
    shared_path = isolated_reports / "archive" / "omvarld.sqlite"
    scanning.analyse(sources, shared_path, as_of="2026-11-22")  # a script names its file
    before = shared_path.read_bytes()

    class ZMQInteractiveShell:  # what a JupyterLab kernel runs
        pass

    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell(), raising=False)
    write_feed(tmp_path, range(0, 4))
    session = scanning.analyse(sources, archive_path(shared_path), as_of="2026-11-22")
    assert len(session.new_items) == 1
    assert session.notices() and "Interaktiv körning: postarkivet" in session.notices()[0]
    assert shared_path.read_bytes() == before


def test_an_older_archive_is_migrated_to_record_parameter_sets(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(archive_module.SCHEMA.replace(
        ",\n    parameter_set TEXT,\n    research_run TEXT", ""))
    connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    connection.execute("INSERT INTO runs(started) VALUES ('2026-11-01T00:00:00+00:00')")
    connection.commit()
    connection.close()
    with Archive(path) as store:
        runs = store.runs()
        assert list(runs["run_id"]) == [1] and runs["parameter_set"].isna().all()
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT value FROM meta").fetchone()[0] == "2"
    connection.close()


def test_a_draft_copy_holds_what_an_open_wal_archive_committed(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft's copy is made with SQLite's backup, so items committed to the write-ahead
    log but not yet written into the main file (another run still has it open) are in it."""
    from test_archive import items

    shared = tmp_path / "delat.sqlite"
    with Archive(shared) as open_elsewhere:
        open_elsewhere.record_run(items("a", "b", "c"))
        assert Path(f"{shared}-wal").stat().st_size > 0  # not checkpointed yet
        enter_run(monkeypatch, isolated_reports, "utkast-2", None)
        copy = archive_path(shared)
        with Archive(copy) as store:
            assert store.count() == 3
        assert open_elsewhere.count() == 3
    not_a_database = tmp_path / "trasig.sqlite"
    not_a_database.write_bytes(b"inte en databas" * 100)
    from research.errors import InputDataError

    with pytest.raises(InputDataError, match="cannot be opened") as error:
        archive_path(not_a_database)  # named as the user gave it, not as the draft's copy
    assert error.value.fields["file"] == str(not_a_database)


def test_published_means_on_the_site_once_the_catalogue_exists(
        tmp_path: Path, isolated_reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against the real catalogue build (research.publish): a succeeded run is published
    once it is on the site; one the identity-number guard keeps off is not."""
    from research.publish import publish

    def finished_run(run_id: str, body: str) -> Path:
        run_dir = enter_run(monkeypatch, isolated_reports, run_id, "default", "succeeded")
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        manifest.update(started=f"2026-11-2{run_id[-1]}T08:00:00+00:00",
                        notebook_info={"kind": "Omvärldsbevakning"})
        (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        (run_dir / "briefing.html").write_text(f"<html><body><p>{body}</p></body></html>",
                                               encoding="utf-8")
        return run_dir

    finished_run("r1", "Veckans omvärldsbevakning.")
    assert run_context().published("r1")  # no catalogue yet: succeeded counts
    assert not run_context().published("saknas")
    publish(isolated_reports, pdf=False)
    assert (isolated_reports / "site" / "briefings" / "omvarldsbevakning").is_dir()
    assert run_context().published("r1")
    finished_run("r2", "Kontakt: 19121212-1212.")  # a valid personnummer: kept off the site
    finished_run("r3", "Nästa vecka.")
    publish(isolated_reports, pdf=False)
    finished_run("r4", "Efter publiceringen.")  # succeeded, not published (--no-publish)
    context = run_context()
    assert context.published("r1") and not context.published("r2")
    assert context.published("r3") and not context.published("r4")
