"""Benchmark: de-duplication sensitivity/specificity on labelled duplicates.

Labelled duplicates are constructed from the titles and abstracts of
``../shared/data/literature/nudging.csv`` (1,847 real records): every record gets synthetic
authors, a year and (for 70 %) a DOI; about 35 % get one or two duplicates as another
database would export them, with realistic perturbations (case, punctuation, diacritics,
truncated subtitle, missing DOI or DOI as URL, year off by one, author initials, missing
abstract). The synthetic sample exports in ``data/sample/litteratur`` (truth known from
the generator) are measured too.

Record-level measures as in DedupEndNote's validation: sensitivity = duplicate records
removed / duplicate records that should be removed; specificity = distinct works kept
distinct / distinct works. A naive peer (exact DOI or exact normalised title) runs side by
side. Target: sensitivity ≥ 0.97 at specificity ≥ 0.995 (DedupEndNote reports 95–97 %).

Run: ``.venv/bin/python benchmarks/literature_dedup.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from research import literature  # noqa: E402

SURNAMES = ["Smith", "Jensen", "Müller", "García", "Lindqvist", "Nguyen", "Öberg", "Kowalski",
            "Brown", "Dubois", "Haddad", "Johansson", "Rossi", "Novák", "Sato", "Clarke"]
GIVEN = ["Anna", "Peter", "Maria", "José", "Li", "Hanna", "Erik", "Sofia", "Omar", "Eva"]


def fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def perturb(row: dict, rng: random.Random) -> dict:
    copy = dict(row)
    for change in rng.sample(["case", "punct", "diacritics", "subtitle", "nodoi", "doiurl",
                              "year", "initials", "noabstract", "none"], 2):
        if change == "case":
            copy["title"] = copy["title"].upper() if rng.random() < 0.3 else copy["title"].lower()
        elif change == "punct":
            copy["title"] = re.sub(r"[:,.;]", lambda m: rng.choice(["", " -", ","]),
                                   copy["title"])
        elif change == "diacritics":
            copy["title"] = fold(copy["title"])
            copy["authors"] = fold(copy["authors"])
        elif change == "subtitle" and ":" in copy["title"]:
            copy["title"] = copy["title"].split(":")[0]
        elif change == "nodoi":
            copy["doi"] = ""
        elif change == "doiurl" and copy["doi"]:
            copy["doi"] = "https://doi.org/" + copy["doi"].upper()
        elif change == "year" and copy["year"]:
            copy["year"] = int(copy["year"]) + rng.choice([-1, 1])
        elif change == "initials":
            copy["authors"] = "; ".join(
                f"{a.split(',')[0]}, {a.split(',')[1].strip()[0]}." if "," in a else a
                for a in copy["authors"].split("; "))
        elif change == "noabstract":
            copy["abstract"] = ""
    return copy


def labelled_from_nudging(path: Path, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    data = pd.read_csv(path)
    rows = []
    for position, item in enumerate(data.itertuples(index=False)):
        authors = "; ".join(f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}"
                            for _ in range(rng.randint(1, 4)))
        base = {"title": str(item.title).strip(), "abstract": "" if pd.isna(item.abstract)
                else str(item.abstract), "authors": authors, "year": rng.randint(1995, 2019),
                "doi": f"10.99999/nudge.{position}" if rng.random() < 0.7 else "",
                "truth": position, "database": "A"}
        rows.append(base)
        if rng.random() < 0.35:
            for copy_number in range(rng.choice([1, 1, 1, 2])):
                rows.append({**perturb(base, rng), "database": "BC"[copy_number]})
    frame = pd.DataFrame(rows)
    frame["record_id"] = [f"r{i}" for i in range(len(frame))]
    for column in literature.RECORD_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame["year"] = frame["year"].astype("Int64")
    return frame


def labelled_from_sample() -> pd.DataFrame:
    folder = ROOT / "data" / "sample" / "litteratur"
    imported = literature.read_records([folder / "scopus.ris", folder / "webofscience.bib",
                                        folder / "diva.csv"]).records

    def work(record_id: str) -> int:
        number = int(re.search(r"(\d+)$", record_id.split("~")[0]).group(1))
        if record_id.startswith("diva"):
            return number - 1600000
        if record_id.startswith("scopus"):
            return number - 8500000000
        return number

    imported["truth"] = [work(r) for r in imported["record_id"]]
    return imported


def exact_peer(records: pd.DataFrame) -> list[list[int]]:
    """Naive peer: exact DOI or exact normalised title."""
    union = literature._UnionFind(len(records))
    for key in ("doi", "title"):
        seen: dict[str, int] = {}
        for i, value in enumerate(records[key]):
            norm = (literature.normalise_doi(value) if key == "doi"
                    else literature.normalise_title(value))
            if not norm:
                continue
            if norm in seen:
                union.union(seen[norm], i)
            else:
                seen[norm] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(records)):
        groups.setdefault(union.find(i), []).append(i)
    return list(groups.values())


def ours(records: pd.DataFrame) -> list[list[int]]:
    result = literature.deduplicate(records.drop(columns=["truth"]))
    position = {rid: i for i, rid in enumerate(records["record_id"])}
    groups: dict[str, list[int]] = {}
    for row in result.groups.itertuples(index=False):
        groups.setdefault(row.kept_record_id, []).append(position[row.record_id])
    grouped = {i for members in groups.values() for i in members}
    return list(groups.values()) + [[i] for i in range(len(records)) if i not in grouped]


def score(records: pd.DataFrame, groups: list[list[int]]) -> dict[str, float]:
    truth = records["truth"].tolist()
    n_works = len(set(truth))
    to_remove = len(records) - n_works
    tp = fp = 0
    for members in groups:
        distinct = len({truth[i] for i in members})
        tp += len(members) - distinct
        fp += distinct - 1
    return {"records": len(records), "duplicates": to_remove,
            "sensitivity": tp / to_remove if to_remove else 1.0,
            "specificity": 1 - fp / n_works, "false_merges": fp, "missed": to_remove - tp}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    sets = {"sample": labelled_from_sample()}
    nudging = args.shared / "literature" / "nudging.csv"
    if nudging.is_file():
        sets["nudging+perturbed"] = labelled_from_nudging(nudging)
    else:
        print(f"(skipping nudging: {nudging} not found)")
    print(f"{'data':<20}{'method':<10}{'records':>8}{'dups':>6}{'sens':>8}{'spec':>8}"
          f"{'falsem':>8}{'missed':>8}{'sec':>8}")
    for name, records in sets.items():
        results = {}
        for method, function in (("ours", ours), ("exact", exact_peer)):
            started = time.perf_counter()
            groups = function(records)
            seconds = time.perf_counter() - started
            results[method] = score(records, groups)
            r = results[method]
            print(f"{name:<20}{method:<10}{r['records']:>8}{r['duplicates']:>6}"
                  f"{r['sensitivity']:>8.4f}{r['specificity']:>8.4f}{r['false_merges']:>8}"
                  f"{r['missed']:>8}{seconds:>8.2f}")
        ratio = results["ours"]["sensitivity"] / max(1e-9, results["exact"]["sensitivity"])
        print(f"{name:<20}sensitivity ratio ours/exact = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
