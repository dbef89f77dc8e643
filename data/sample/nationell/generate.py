"""Generate the national sample inbox: bundles from five fictional Kunskapshus.

For each fictional Kunskapshus this script makes its own raw data from the shipped Älvstad
samples (resampled with a seed, scaled to the municipality's size, areas renamed), runs the
real notebooks on it with ``research run`` (so suppression, the disclosure audit and the
identity-number scan are the product's own), exports one bundle per run with
``research export`` and imports them with ``research import`` into ``--inbox``.

Varied on purpose: Kunskapshus Dalby delivers no lägesbild for its latest quarter (a missing
quarter), Kunskapshus Bergslunda has only a method evaluation, delivered in June (stale by
the synthesis date), and the Kunskapshus Sjöviken
metodutvärdering bundle was written by version 0.1, with the older table-schema version
1 of ``effect_sizes`` (no Källa column).

Run from the project root (takes about a minute):
    .venv/bin/python data/sample/nationell/generate.py [--inbox data/sample/nationell/inbox]
Everything is invented; no row describes a real person, place or event.
"""

from __future__ import annotations

import argparse
import datetime as dt
import csv
import hashlib
import io
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"
SEED = 20261201

HOUSES = {
    # name: (size relative to Älvstad, area names, drop the latest quarter, notebooks)
    "Kunskapshus Älvstad": (1.0, None, False, ("lagesbild", "metodutvardering",
                                                "omvarldsbevakning", "enkatanalys")),
    "Kunskapshus Norrbacka": (0.6, ["Norra staden", "Hamnen", "Lövåsen", "Kyrkbyn",
                                    "Ängarna", "Backen", "Hela kommunen"], False,
                              ("lagesbild", "metodutvardering", "omvarldsbevakning",
                               "enkatanalys")),
    "Kunskapshus Sjöviken": (0.35, ["Centrala Sjöviken", "Strandbyn", "Tallmon", "Älvnäs",
                                    "Björkvik", "Udden", "Hela kommunen"], False,
                             ("lagesbild", "metodutvardering")),
    "Kunskapshus Dalby": (0.8, ["Dalby centrum", "Västra fältet", "Kvarnbacken", "Solhem",
                                "Granlunda", "Ekudden", "Hela kommunen"], True,
                          ("lagesbild",)),
    "Kunskapshus Bergslunda": (0.5, None, False, ("metodutvardering",)),
}
OLDER_SCHEMA = "Kunskapshus Sjöviken"
STALE = "Kunskapshus Bergslunda"  # delivered its bundle in June: stale by the end of November
STALE_DATE = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.timezone.utc)


def _reports(rng: np.random.Generator, size: float, areas: list[str] | None,
             drop_last_quarter: bool, target: Path) -> None:
    with (SAMPLE / "lagesbild" / "rapporter.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    original = list(dict.fromkeys(r["stadsdel"] for r in rows))
    rename = dict(zip(original, areas)) if areas else {}
    keep = rng.random(len(rows)) < size
    chosen = [dict(r, stadsdel=rename.get(r["stadsdel"], r["stadsdel"]))
              for r, k in zip(rows, keep) if k]
    if drop_last_quarter:
        chosen = [r for r in chosen if r["datum"] < "2026-07-01"]
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)


def area_schema(areas: list[str], target: Path) -> Path:
    """A lägesbild schema like the shipped one but with this municipality's own areas
    (a Kunskapshus configures its areas in its schema file)."""
    import yaml

    from research.situation.readers import default_schema_path

    schema = yaml.safe_load(default_schema_path().read_text(encoding="utf-8"))
    for column in schema["columns"]:
        if column["name"] == "stadsdel":
            column["allowed"] = list(areas)
    target.write_text(yaml.safe_dump(schema, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    return target


def _survey(rng: np.random.Generator, target: Path) -> None:
    """Another municipality's staff survey: the Älvstad answers resampled with
    replacement (same codebook, design columns and weights), new respondent ids."""
    from research.io.files import decode_text

    text, _ = decode_text((SAMPLE / "enkat" / "enkat.csv").read_bytes())
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, rows = records[0], records[1:]
    picked = rng.choice(len(rows), size=int(len(rows) * 0.8), replace=True)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(header)
        for number, index in enumerate(picked):
            writer.writerow([str(5001 + number), *rows[index][1:]])


def _evaluations(rng: np.random.Generator, house: str, target: Path) -> None:
    with (SAMPLE / "metod" / "utvarderingar.csv").open(encoding="utf-8", newline="") as stream:
        rows = [r for r in csv.DictReader(stream) if r["method"] == "Mentorskap"]
    place = house.replace("Kunskapshus ", "")
    out = []
    for index, row in enumerate(rows):
        if rng.random() < 0.5:
            continue
        new = dict(row, study=f"{place} {row['year']}-{index + 1}",
                   municipality=f"{place}s kommun")
        for arm in ("ai", "ci"):
            if row[arm]:
                new[arm] = str(max(1, int(round(int(row[arm]) * rng.uniform(0.8, 1.25)))))
        out.append(new)
    if len(out) < 2:
        out = [dict(rows[0], study=f"{place} A"), dict(rows[2], study=f"{place} B")]
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(out)


def _older_schema(bundle: Path) -> None:
    """Rewrite a metodutvärdering bundle as the earlier version 0.1 wrote it: its
    effect_sizes table had schema version 1, without the column Källa (added in version 2).
    That table holds no hidden cell, so the disclosure audit is not involved."""
    with zipfile.ZipFile(bundle) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    meta = json.loads(files["bundle.json"])
    name = "tables/effect_sizes.csv"
    rows = list(csv.reader(files[name].decode("utf-8").splitlines()))
    drop = rows[0].index("Källa")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [c for i, c in enumerate(r) if i != drop] for r in rows)
    files[name] = buffer.getvalue().encode("utf-8")
    meta["files"][name] = {"sha256": hashlib.sha256(files[name]).hexdigest(),
                           "size": len(files[name])}
    meta["tables"]["effect_sizes"]["schema_version"] = 1
    meta["producer"]["version"] = "0.1.0"
    files["bundle.json"] = (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode()
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(zipfile.ZipInfo(member, (1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", default=str(SAMPLE / "nationell" / "inbox"))
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary runs")
    args = parser.parse_args(argv)
    from research.exchange import export_bundle, import_bundles
    from research.execute import keep_spare_kernel
    from research.runs import run_notebook

    rng = np.random.default_rng(SEED)
    work = Path(tempfile.mkdtemp(prefix="national-demo-"))
    reports = work / "reports"
    bundles: list[Path] = []
    runs: list[tuple[str, str, dict]] = []  # (house, notebook, overrides), in HOUSES order
    keep_spare_kernel(True)  # as a batch worker: the next run's kernel boots meanwhile
    try:
        for house, (size, areas, drop, notebooks) in HOUSES.items():
            slug = hashlib.sha1(house.encode()).hexdigest()[:8]
            folder = work / slug
            folder.mkdir()
            overrides: dict[str, dict] = {
                "lagesbild": {"reports": str(folder / "rapporter.csv"), "kunskapshus": house},
                "metodutvardering": {"evaluations": str(folder / "utvarderingar.csv"),
                                     "kunskapshus": house},
                "omvarldsbevakning": {"kunskapshus": house},
                "enkatanalys": {"kunskapshus": house},
            }
            if drop:  # the missing quarter: this Kunskapshus' picture ends a quarter earlier
                overrides["lagesbild"]["as_of"] = "2026-06-30"
            if "enkatanalys" in notebooks and house != "Kunskapshus Älvstad":
                _survey(rng, folder / "enkat.csv")
                overrides["enkatanalys"]["data"] = str(folder / "enkat.csv")
            if "lagesbild" in notebooks:
                _reports(rng, size, areas, drop, folder / "rapporter.csv")
                if house != "Kunskapshus Älvstad":
                    overrides["lagesbild"]["compare_scanning"] = ""
                if areas:
                    overrides["lagesbild"]["schema"] = str(area_schema(areas,
                                                                       folder / "schema.yaml"))
            if "metodutvardering" in notebooks:
                _evaluations(rng, house, folder / "utvarderingar.csv")
            runs.extend((house, notebook, overrides[notebook]) for notebook in notebooks)
        # one notebook after another (a waiting kernel has imported that notebook's setup
        # modules), the bundles in the order above
        made: dict[tuple[str, str], Path] = {}
        for house, notebook, values in sorted(runs, key=lambda run: run[1]):
            result = run_notebook(notebook, [ROOT / "parameters" / notebook / "default.yaml"],
                                  values, label="default", publish=False, reports=reports)
            if result.status != "succeeded":
                print(f"{house} / {notebook}: run failed: {result.error}", file=sys.stderr)
                return 1
            bundle = export_bundle(result.run_dir, work / "bundles",
                                   now=STALE_DATE if house == STALE else None)
            if house == OLDER_SCHEMA and notebook == "metodutvardering":
                _older_schema(bundle)
            made[house, notebook] = bundle
        for house, notebook, _ in runs:
            bundles.append(made[house, notebook])
            print(f"{house} / {notebook}: {made[house, notebook].name}")
        inbox = Path(args.inbox)
        if inbox.exists():
            shutil.rmtree(inbox)
        report = import_bundles(bundles, inbox)
        for line in report.lines():
            print(line)
        return 0 if not report.refused else 1
    finally:
        keep_spare_kernel(False)
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
