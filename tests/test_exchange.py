"""Bundles for the national platform: export refuses what would not be published, import
verifies and never half-imports."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from research.cli import main
from research.exchange import (
    BundleError,
    check_run_tables,
    draft_schema,
    export_bundle,
    import_bundles,
    load_schema,
    read_inbox,
    verify_bundle,
)

SCHEMA = """\
tables:
  counts:
    version: 2
    supported_versions: [1, 2]
    keys: [Period, Tema]
    columns:
      Period: text
      Tema: text
      Antal: {type: count, suppressible: true, unit: rapporter}
  notes:
    version: 1
    columns:
      Text: text
"""


def _run(tmp: Path, name: str = "r1", *, counts: str = "Period,Tema,Antal\n2026 K1,A,7\n",
         started: str = "2026-10-01T10:00:00+00:00", disclosure: dict | None = None,
         status: str = "succeeded", kunskapshus: str = "Kunskapshus Älvstad") -> Path:
    run = tmp / "reports" / "runs" / "demo" / name
    (run / "tables").mkdir(parents=True)
    (run / "tables" / "counts.csv").write_text(counts, encoding="utf-8")
    (run / "tables" / "notes.csv").write_text("Text\nhej\n", encoding="utf-8")
    (run / "briefing.html").write_text("<html lang='sv'><h1>Demo</h1></html>", encoding="utf-8")
    manifest = {"notebook_stem": "demo", "run_id": name, "label": "default", "status": status,
                "started": started, "finished": started,
                "parameters": {"kunskapshus": kunskapshus, "private_names": "x.txt",
                               "data": "data/raw.csv"},
                "inputs": [{"path": "data/raw.csv", "sha256": "0" * 64}],
                "briefing": {"kunskapshus": kunskapshus, "period": "kvartal 1 2026"}}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if disclosure is not None:  # as research.privacy.checking.check_run writes it
        files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted((run / "tables").glob("*.csv"))}
        (run / "disclosure.json").write_text(json.dumps({"files": files, **disclosure}),
                                             encoding="utf-8")
    return run


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "demo.yaml").write_text(SCHEMA, encoding="utf-8")
    return folder


def _rezip(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    change(files)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def test_export_then_import_round_trip(tmp_path: Path, schemas: Path) -> None:
    bundle = export_bundle(_run(tmp_path), tmp_path / "out", schema_folder=schemas)
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        meta = json.loads(archive.read("bundle.json"))
        public = json.loads(archive.read("manifest.json"))
        for name, entry in meta["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    assert names == {"bundle.json", "manifest.json", "briefing.html", "tables/counts.csv",
                     "tables/notes.csv"}
    assert meta["tables"] == {"counts": {"schema_version": 2}, "notes": {"schema_version": 1}}
    assert meta["kunskapshus"] == "Kunskapshus Älvstad" and meta["notebook"] == "demo"
    assert public["parameters"]["private_names"] == "(dolt)"
    assert "inputs" not in public  # raw data paths and hashes stay local
    report = import_bundles([bundle], tmp_path / "inbox", schema_folder=schemas)
    assert [o.taken for o in report.outcomes] == [True]
    index = read_inbox(tmp_path / "inbox")
    (entry,) = index["bundles"].values()
    stored = tmp_path / "inbox" / entry["file"]
    assert stored.read_bytes() == bundle.read_bytes()  # stored unchanged


def test_duplicate_and_older_bundles_are_refused(tmp_path: Path, schemas: Path) -> None:
    new = export_bundle(_run(tmp_path, "new", started="2026-10-02T00:00:00+00:00"),
                        tmp_path / "a", schema_folder=schemas)
    import_bundles([new], tmp_path / "inbox", schema_folder=schemas)
    again = import_bundles([new], tmp_path / "inbox", schema_folder=schemas)
    assert not again.outcomes[0].taken and "duplicate" in again.outcomes[0].reason
    older_meta = json.loads(zipfile.ZipFile(new).read("bundle.json"))
    import datetime as dt

    older = export_bundle(_run(tmp_path, "old"), tmp_path / "b", schema_folder=schemas,
                          now=dt.datetime.fromisoformat(older_meta["created"])
                          - dt.timedelta(days=3))
    refused = import_bundles([older], tmp_path / "inbox", schema_folder=schemas)
    assert not refused.outcomes[0].taken and "older" in refused.outcomes[0].reason


@pytest.mark.parametrize("case", ["tampered", "truncated", "extra_file", "traversal",
                                  "not_zip", "no_manifest"])
def test_broken_bundles_are_refused_and_inbox_untouched(tmp_path: Path, schemas: Path,
                                                        case: str) -> None:
    good = export_bundle(_run(tmp_path), tmp_path / "out", schema_folder=schemas)
    bad = tmp_path / f"{case}.zip"
    if case == "tampered":
        _rezip(good, bad, lambda f: f.__setitem__("tables/counts.csv",
                                                  b"Period,Tema,Antal\n2026 K1,A,70\n"))
    elif case == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "extra_file":
        _rezip(good, bad, lambda f: f.__setitem__("tables/raw.csv", b"namn\nAnna\n"))
    elif case == "traversal":
        _rezip(good, bad, lambda f: f.__setitem__("../evil.txt", b"x"))
    elif case == "not_zip":
        bad.write_text("<html>not a bundle</html>", encoding="utf-8")
    else:
        _rezip(good, bad, lambda f: f.pop("bundle.json"))
    report = import_bundles([bad], tmp_path / "inbox", schema_folder=schemas)
    assert not report.outcomes[0].taken and report.outcomes[0].reason
    assert read_inbox(tmp_path / "inbox")["bundles"] == {}
    assert not list((tmp_path / "inbox").rglob("*.zip"))


def test_unknown_schema_version_and_notebook_are_refused(tmp_path: Path, schemas: Path) -> None:
    good = export_bundle(_run(tmp_path), tmp_path / "out", schema_folder=schemas)

    def newer(files: dict) -> None:
        meta = json.loads(files["bundle.json"])
        meta["tables"]["counts"]["schema_version"] = 9
        files["bundle.json"] = json.dumps(meta).encode()

    with pytest.raises(BundleError, match="schema version 9"):
        verify_bundle(_rezip(good, tmp_path / "v9.zip", newer), schema_folder=schemas)

    def other(files: dict) -> None:
        meta = json.loads(files["bundle.json"])
        meta["notebook"] = "okand"
        files["bundle.json"] = json.dumps(meta).encode()

    with pytest.raises(BundleError, match="unknown notebook kind"):
        verify_bundle(_rezip(good, tmp_path / "nb.zip", other), schema_folder=schemas)


def test_export_refuses_identity_numbers_without_showing_them(tmp_path: Path,
                                                               schemas: Path) -> None:
    run = _run(tmp_path)
    (run / "tables" / "notes.csv").write_text("Text\nring 19811218-9876 nu\n", encoding="utf-8")
    with pytest.raises(BundleError) as caught:
        export_bundle(run, tmp_path / "out", schema_folder=schemas)
    assert "tables/notes.csv: line 2" in str(caught.value)
    assert "9876" not in str(caught.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_import_rescans_a_planted_identity_number(tmp_path: Path, schemas: Path) -> None:
    good = export_bundle(_run(tmp_path), tmp_path / "out", schema_folder=schemas)

    def plant(files: dict) -> None:
        files["tables/notes.csv"] = "Text\n19811218-9876\n".encode()
        meta = json.loads(files["bundle.json"])
        meta["files"]["tables/notes.csv"]["sha256"] = hashlib.sha256(
            files["tables/notes.csv"]).hexdigest()
        files["bundle.json"] = json.dumps(meta).encode()

    report = import_bundles([_rezip(good, tmp_path / "pnr.zip", plant)], tmp_path / "inbox",
                            schema_folder=schemas)
    assert not report.outcomes[0].taken and "identifying details" in report.outcomes[0].reason
    assert "9876" not in report.outcomes[0].reason


@pytest.mark.parametrize("disclosure", [None, {"verdict": "fail"}])
def test_hidden_cells_need_a_passing_audit(tmp_path: Path, schemas: Path,
                                           disclosure: dict | None) -> None:
    run = _run(tmp_path, counts="Period,Tema,Antal\n2026 K1,A,..\n2026 K1,B,..\n",
               disclosure=disclosure)
    with pytest.raises(BundleError, match="no disclosure audit|failed the disclosure audit"):
        export_bundle(run, tmp_path / "out", schema_folder=schemas)


def test_hidden_cells_with_a_passing_audit_are_exported(tmp_path: Path, schemas: Path) -> None:
    run = _run(tmp_path, counts="Period,Tema,Antal\n2026 K1,A,..\n2026 K1,B,..\n",
               disclosure={"verdict": "pass"})
    bundle = export_bundle(run, tmp_path / "out", schema_folder=schemas)
    assert "disclosure.json" in zipfile.ZipFile(bundle).namelist()
    # a table changed after its audit is refused, at export and (tampered bundle) at import
    (run / "tables" / "counts.csv").write_text("Period,Tema,Antal\n2026 K1,A,..\n2026 K1,B,3\n",
                                               encoding="utf-8")
    with pytest.raises(BundleError, match="did not check"):
        export_bundle(run, tmp_path / "out2", schema_folder=schemas)


def test_tables_must_match_their_schema(tmp_path: Path, schemas: Path) -> None:
    run = _run(tmp_path, counts="Period,Tema,Antal\n2026 K1,A,sju\n")
    problems = check_run_tables(run, load_schema("demo", schemas))
    assert problems == ["counts.csv: line 2, column 'Antal' is not a valid count"]
    with pytest.raises(BundleError, match="do not match"):
        export_bundle(run, tmp_path / "out", schema_folder=schemas)
    (run / "tables" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    assert "extra.csv: not declared" in check_run_tables(run, load_schema("demo", schemas))[-1]


def test_failed_run_is_not_exported(tmp_path: Path, schemas: Path) -> None:
    with pytest.raises(BundleError, match="did not succeed"):
        export_bundle(_run(tmp_path, status="failed"), tmp_path / "out", schema_folder=schemas)


def test_draft_schema_guesses_types(tmp_path: Path) -> None:
    run = _run(tmp_path, counts="Period,Tema,Antal\n2026 K1,A,..\n2026 K2,A,4\n")
    draft = draft_schema(run)["tables"]["counts"]["columns"]
    assert draft["Antal"] == {"type": "count", "suppressible": True}
    assert draft["Tema"] == {"type": "text"}


def test_cli_export_and_import(tmp_path: Path, schemas: Path, monkeypatch, capsys) -> None:
    import research.exchange as exchange

    monkeypatch.setattr(exchange, "schemas_dir", lambda: schemas)
    run = _run(tmp_path)
    assert main(["export", str(run), "--out", str(tmp_path / "out")]) == 0
    bundle = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["import", str(bundle), "--inbox", str(tmp_path / "inbox")]) == 0
    assert "1 taken, 0 refused" in capsys.readouterr().out
    assert main(["import", str(bundle), "--inbox", str(tmp_path / "inbox")]) == 1
    assert main(["export"]) == 2
    assert "Give run directories or --latest" in capsys.readouterr().err
