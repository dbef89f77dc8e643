"""Benchmark: de-duplication on hand-labelled real exports and on our sample.

- ``../shared/data/dedup/digital_work/`` (7,159 records of real database exports, 216
  hand-checked duplicate sets; bib-dedupe's benchmark), counted exactly as bib-dedupe's
  ``DedupeBenchmarker.compare_dedupe_id`` counts: a non-duplicate kept = TN, removed = FP; in
  each true set the first kept record = TN, every further kept record = FN, every removed
  record = TP; a set removed completely counts 1 FP and len − 1 TP. bib-dedupe's published
  result on these files: FP 0, TP 368, FN 1, TN 6,790 (sensitivity 0.9973).
- ``data/sample/litteratur`` (RIS + BibTeX + DiVA CSV; the truth is the generator's work id).

Printed per set: the counts, sensitivity TP/(TP+FN), specificity TN/(TN+FP), the number of
uncertain pairs left for the researcher, seconds; and a naive peer (exact DOI or exact
normalised title) under the same rules. Target: specificity ≥ 0.995 at sensitivity ≥ 0.97.

Run: ``.venv/bin/python benchmarks/literature_dedup.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from research import literature  # noqa: E402

PUBLISHED = {"bib-dedupe 0.10.0": {"TP": 368, "FP": 0, "FN": 1, "TN": 6790},
             "Buhos": {"TP": 306, "FP": 66, "FN": 63, "TN": 6724},
             "asreview-datatools": {"TP": 240, "FP": 217, "FN": 129, "TN": 6573}}


def digital_work(folder: Path) -> tuple[pd.DataFrame, list[list[str]]]:
    raw = pd.read_csv(folder / "records_pre_merged.csv", dtype=str, keep_default_na=False)
    sets = [s.split(";") for s in pd.read_csv(folder / "merged_record_ids.csv")["merged_ids"]]
    records = pd.DataFrame({
        "record_id": raw["ID"], "title": raw["title"], "authors": raw["author"],
        "year": raw["year"], "source": raw["journal"].where(raw["journal"] != "",
                                                            raw["booktitle"]),
        "doi": raw["doi"], "type": raw["ENTRYTYPE"],
        "volume": raw["volume"].replace("UNKNOWN", ""), "issue": raw["number"],
        "pages": raw["pages"], "isbn": raw["isbn"], "abstract": raw["abstract"]})
    return records, sets


def sample() -> tuple[pd.DataFrame, list[list[str]]]:
    folder = ROOT / "data" / "sample" / "litteratur"
    records = literature.read_records([folder / "scopus.ris", folder / "webofscience.bib",
                                       folder / "diva.csv"]).records

    def work(record_id: str) -> int:
        number = int(re.search(r"(\d+)$", record_id.split("~")[0]).group(1))
        if record_id.startswith("diva"):
            return number - 1600000
        if record_id.startswith("scopus"):
            return number - 8500000000
        return number

    works: dict[int, list[str]] = {}
    for record_id in records["record_id"]:
        works.setdefault(work(record_id), []).append(record_id)
    return records, [m for m in works.values() if len(m) > 1]


def counts(kept_of: dict[str, str], ids: list[str], sets: list[list[str]]) -> dict[str, int]:
    in_set = {i for members in sets for i in members}
    result = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for i in ids:
        if i not in in_set:
            result["TN" if kept_of.get(i, i) == i else "FP"] += 1
    for members in sets:
        kept = [i for i in members if kept_of.get(i, i) == i]
        if not kept:
            result["FP"] += 1
            result["TP"] += len(members) - 1
        else:
            result["TN"] += 1
            result["FN"] += len(kept) - 1
            result["TP"] += len(members) - len(kept)
    return result


def ours(records: pd.DataFrame) -> tuple[dict[str, str], int]:
    result = literature.deduplicate(records)
    return dict(zip(result.groups["record_id"], result.groups["kept_record_id"])), \
        len(result.review)


def exact_peer(records: pd.DataFrame) -> tuple[dict[str, str], int]:
    """Naive peer: the first record with the same DOI or the same normalised title."""
    kept_of: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for record_id, doi, title in zip(records["record_id"], records["doi"], records["title"]):
        keys = [("doi", literature.normalise_doi(doi)), ("title", literature.normalise_title(title))]
        target = next((seen[k] for k in keys if k[1] and k in seen), None)
        kept_of[record_id] = target or record_id
        for key in keys:
            if key[1]:
                seen.setdefault(key, target or record_id)
    return kept_of, 0


def line(name: str, method: str, c: dict[str, int], review: int | str, seconds: float | str
         ) -> str:
    sensitivity = c["TP"] / (c["TP"] + c["FN"])
    specificity = c["TN"] / (c["TN"] + c["FP"])
    seconds_text = f"{seconds:.1f}" if isinstance(seconds, float) else seconds
    return (f"| {name} | {method} | {c['TP']} | {c['FP']} | {c['FN']} | {c['TN']:,} | "
            f"{sensitivity:.4f} | {specificity:.4f} | {review} | {seconds_text} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    sets = {"sample": sample()}
    folder = args.shared / "dedup" / "digital_work"
    if (folder / "records_pre_merged.csv").is_file():
        sets["digital_work"] = digital_work(folder)
    else:
        print(f"(skipping digital_work: {folder} not found)")
    print("| data | method | TP | FP | FN | TN | sensitivity | specificity | pairs to review "
          "| seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, (records, truth) in sets.items():
        for method, function in (("ours", ours), ("exact DOI/title", exact_peer)):
            started = time.perf_counter()
            kept_of, review = function(records)
            seconds = time.perf_counter() - started
            print(line(name, method, counts(kept_of, records["record_id"].tolist(), truth),
                       review, seconds))
        if name == "digital_work":
            for peer, published in PUBLISHED.items():
                print(line(name, f"{peer} (published)", published, "–", "–"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
