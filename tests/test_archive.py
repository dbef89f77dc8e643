"""The SQLite item archive: new-since, idempotence, crash mid-write, concurrent runs."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pandas as pd
import pytest

from research.scanning import archive as archive_module
from research.scanning.archive import Archive
from research.errors import InputDataError
from research.scanning.sources import item_id


def items(*names: str, source: str = "Tidning") -> pd.DataFrame:
    rows = []
    for number, name in enumerate(names):
        url = f"https://t.example.se/{name}"
        rows.append({"item_id": item_id(url), "source": source, "kind": "feed",
                     "category": "media", "title": f"Rubrik {name}", "summary": "",
                     "text": f"Text om {name} i Älvstad", "url": url, "author": "", "tags": "",
                     "published": pd.Timestamp("2026-11-10", tz="UTC") + pd.Timedelta(days=number),
                     "language": "sv"})
    return pd.DataFrame(rows)


def test_new_since_previous_run_and_idempotence(tmp_path: Path) -> None:
    path = tmp_path / "a" / "arkiv.sqlite"
    with Archive(path) as store:
        first = store.record_run(items("a", "b"), as_of="2026-11-22")
        assert first.previous_run_id is None and len(first.new_ids) == 2
        second = store.record_run(items("b", "c"))
        assert second.previous_run_id == first.run_id
        assert second.new_ids == (item_id("https://t.example.se/c"),)
        third = store.record_run(items("a", "b", "c"))
        assert third.new_ids == ()
        assert store.count() == 3
        runs = store.runs()
        assert list(runs["items_new"]) == [2, 1, 0]
        stored = store.items(run_id=second.run_id)
        assert list(stored["title"]) == ["Rubrik c"]
        assert str(stored["published"].iloc[0].date()) == "2026-11-11"
    with Archive(path) as reopened:  # survives closing
        assert reopened.count() == 3


def test_same_item_through_tracking_url_is_not_new(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as store:
        store.record_run(items("a"))
        again = items("a")
        again["item_id"] = item_id("https://T.example.se/a/?utm_source=rss#x")
        assert store.record_run(again).new_ids == ()


def test_crash_mid_write_leaves_archive_unchanged(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.sqlite"
    with Archive(path) as store:
        store.record_run(items("a"), http_states={"Tidning": {"etag": '"1"'}})

        def crash(*args: object, **kwargs: object) -> None:
            raise RuntimeError("simulated crash after the items were inserted")

        monkeypatch.setattr(Archive, "_store_http_states", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.record_run(items("b", "c"), http_states={"Tidning": {"etag": '"2"'}})
    monkeypatch.undo()
    with Archive(path) as store:
        assert store.count() == 1
        assert len(store.runs()) == 1
        assert store.http_states() == {"Tidning": {"etag": '"1"', "last_modified": None}}
        # and the next run still works and reports b, c as new
        assert len(store.record_run(items("a", "b", "c")).new_ids) == 2


def test_item_without_source_is_refused_before_writing(tmp_path: Path) -> None:
    bad = items("a", "b")
    bad["source"] = bad["source"].astype(object)
    bad.loc[1, "source"] = None
    with Archive(tmp_path / "a.sqlite") as store:
        with pytest.raises(InputDataError) as error:
            store.record_run(bad)
        assert error.value.fields == {"row": 2, "column": "source"}
        assert store.count() == 0 and store.runs().empty


def test_two_runs_at_once_are_serialised(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    Archive(path).close()
    errors: list[BaseException] = []
    batches = [items(*[f"x{i}" for i in range(300)], source="A"),
               items(*[f"x{i}" for i in range(150, 450)], source="B")]

    def run(batch: pd.DataFrame) -> None:
        try:
            with Archive(path, timeout=30) as store:
                for _ in range(3):
                    store.record_run(batch)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with Archive(path) as store:
        assert store.count() == 450
        runs = store.runs()
        assert len(runs) == 6
        assert runs["items_new"].sum() == 450  # every item counted as new exactly once
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_items_window_and_http_states(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as store:
        batch = items("a", "b", "c")
        batch.loc[2, "published"] = pd.NaT
        store.record_run(batch, http_states={"Tidning": {"etag": '"e"', "last_modified": "x"},
                                             "Tom": {}})
        window = store.items(published_from="2026-11-11", published_to="2026-11-30")
        assert set(window["title"]) == {"Rubrik b", "Rubrik c"}  # undated items are kept
        assert store.http_states() == {"Tidning": {"etag": '"e"', "last_modified": "x"}}


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(InputDataError) as error:
        Archive(path)
    assert error.value.fields["parameter"] == "archive"


def test_items_need_ids(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as store:
        with pytest.raises(InputDataError, match="item_id"):
            store.record_run(pd.DataFrame({"title": ["x"]}))


def test_schema_version_recorded(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite"):
        pass
    connection = sqlite3.connect(tmp_path / "a.sqlite")
    value = connection.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    connection.close()
    assert value == str(archive_module.SCHEMA_VERSION)


def test_archive_path_maps_reports_to_the_reports_folder(isolated_reports: Path) -> None:
    from research.paths import project_root

    assert archive_module.archive_path("reports/archive/x.sqlite") == \
        isolated_reports / "archive" / "x.sqlite"
    assert archive_module.archive_path("data/x.sqlite") == project_root() / "data" / "x.sqlite"
    with Archive("reports/archive/x.sqlite") as store:
        assert store.path == isolated_reports / "archive" / "x.sqlite"
    assert (isolated_reports / "archive" / "x.sqlite").is_file()


def test_one_archive_shared_by_many_threads(tmp_path: Path) -> None:
    """One Archive object used from eight threads at once: every call under the lock."""
    errors: list[BaseException] = []
    with Archive(tmp_path / "a.sqlite") as store:

        def work(number: int) -> None:
            try:
                for round_number in range(5):
                    store.record_run(items(*[f"t{number}-{round_number}-{i}" for i in range(20)]))
                    store.items(published_from="2026-11-01")
                    store.count()
                    store.http_states()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors
        assert store.count() == 8 * 5 * 20 and len(store.runs()) == 40


def test_newer_or_broken_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    with Archive(path) as store:
        store.record_run(items("a"))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                       (str(archive_module.SCHEMA_VERSION + 1),))
    connection.commit()
    connection.close()
    with pytest.raises(InputDataError, match="newer version") as error:
        Archive(path)
    assert error.value.fields["limit"] == "schema_version"
    legacy = tmp_path / "gammal.sqlite"
    connection = sqlite3.connect(legacy)
    connection.execute("CREATE TABLE items (item_id TEXT PRIMARY KEY)")
    connection.close()
    with pytest.raises(InputDataError, match="no schema version"):
        Archive(legacy)


def test_older_schema_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.sqlite"
    with Archive(path) as store:
        store.record_run(items("a"))
    monkeypatch.setattr(archive_module, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(archive_module, "MIGRATIONS",
                        {**archive_module.MIGRATIONS,
                         2: (3, ["ALTER TABLE items ADD COLUMN score REAL"])})
    with Archive(path) as store:
        assert store.count() == 1
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT value FROM meta").fetchone()[0] == "3"
    assert "score" in [row[1] for row in connection.execute("PRAGMA table_info(items)")]
    connection.close()
    monkeypatch.setattr(archive_module, "SCHEMA_VERSION", 4)
    with pytest.raises(InputDataError, match="no migration from schema 3"):
        Archive(path)


def test_rollback_journal_for_network_folders(tmp_path: Path) -> None:
    from research.errors import ParameterError

    path = tmp_path / "delad" / "a.sqlite"
    with Archive(path, journal="delete") as store:
        store.record_run(items("a", "b"))
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    connection.close()
    assert not (path.parent / "a.sqlite-wal").exists()
    with pytest.raises(ParameterError) as error:
        Archive(path, journal="memory")
    assert error.value.fields["parameter"] == "archive_journal"


_WRITER = """
import sys
import pandas as pd
from research.scanning.archive import Archive

path, journal = sys.argv[1], sys.argv[2]

def batch(prefix, count):
    return pd.DataFrame({"item_id": [f"{prefix}{i}" for i in range(count)],
                         "source": "Tidning", "title": "Rubrik", "text": "x" * 400})

with Archive(path, journal=journal) as store:
    store.record_run(batch("a", 100))
    print("committed", flush=True)
    while True:  # big runs until killed
        store.record_run(batch(f"b{store.count()}-", 200_000))
"""


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_sigkill_mid_archive_write_leaves_the_archive_intact(tmp_path: Path,
                                                             journal: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "a.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER, encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script), str(path), journal],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "committed"
        time.sleep(1.5)  # well inside the first 200,000-item transaction
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    with Archive(path, journal=journal) as store:
        count, runs = store.count(), store.runs()
        # only whole runs: the first one, plus any big run that committed before the kill
        assert count == 100 + 200_000 * (len(runs) - 1)
        assert list(runs["items_new"])[:1] == [100]
        assert len(store.record_run(items("efter")).new_ids) == 1  # and it still works
