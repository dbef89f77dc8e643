"""Benchmark: choose the screening defaults by simulation across labelled development sets.

Replays every set in ``../shared/data/literature/`` (nudging, virus, Bannach-Brown_2019,
Kitchenham_2010; 1 relevant + 1 irrelevant random prior record per seed) with several
feature/model settings and reports per set WSS@95, RRF@10 and ATD (asreview-insights
definitions, priors excluded) beside ASReview's published figure where one exists
(``../shared/data/README.md``), plus two stopping heuristics (knee method, fixed run of
irrelevant records): recall at the suggested stop and the share of records screened.

The setting with the highest mean WSS@95 over the sets is printed as the choice (with its
lowest WSS@95 and the mean rank over sets beside it);
:data:`research.literature.screening.DEFAULT_MODEL` holds it.

Run (modest compute: few seeds, batched retraining, one process)::

    nice .venv/bin/python benchmarks/screening_simulation.py --seeds 3 --batch-fraction 0.01 \
        [--settings svm,svm-bigram] [--sets nudging,virus] [--jsonl runs.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from research.literature import screening  # noqa: E402

SETS = {
    "nudging": ("nudging.csv", "included"),
    "virus": ("virus.csv", "included"),
    "Bannach-Brown_2019": ("Bannach-Brown_2019.csv", "label_included"),
    "Kitchenham_2010": ("Kitchenham_2010.csv", "label_included"),
}
# ASReview's published NB + TF-IDF result on exactly these files (README of shared data)
PUBLISHED = {
    "nudging": {"wss95": 0.717, "rrf10": 0.653, "atd_fraction": 0.094},
    "virus": {"wss95": 0.712, "rrf10": 0.739, "atd_fraction": 0.082},
}
SETTINGS = {
    "svm": {"model": "svm", "C": 0.3, "ngram_max": 1},
    "svm-bigram": {"model": "svm", "C": 0.3, "ngram_max": 2},
    "svm-c1": {"model": "svm", "C": 1.0, "ngram_max": 1},
    "svm-c01": {"model": "svm", "C": 0.1, "ngram_max": 1},
    "svm-c02": {"model": "svm", "C": 0.2, "ngram_max": 1},
    "logistic": {"model": "logistic", "C": 10.0, "ngram_max": 1},
    "nb": {"model": "nb", "alpha": 3.822, "ngram_max": 1},
    "nb-bigram": {"model": "nb", "alpha": 3.822, "ngram_max": 2},
    "ensemble": {"model": "ensemble", "ngram_max": 1},
    "svm-nb": {"model": "svm-nb", "C": 0.3, "alpha": 3.822, "ngram_max": 1},
}


def run(shared: Path, sets: list[str], settings: list[str], seeds: int,
        batch_fraction: float, jsonl: Path | None) -> pd.DataFrame:
    rows = []
    for name in sets:
        file, label = SETS[name]
        texts, labels = screening.read_labelled_file(shared / "literature" / file, label)
        features: dict[int, object] = {}
        for setting in settings:
            options = dict(SETTINGS[setting])
            ngram = options.pop("ngram_max")
            if ngram not in features:
                features[ngram] = screening.build_features(texts, ngram_max=ngram)
            for seed in range(seeds):
                started = time.perf_counter()
                result = screening.simulate(features[ngram], labels, seed=seed,
                                            batch_fraction=batch_fraction, **options)
                full = np.concatenate([labels[result.priors], result.labels])
                row = {"set": name, "setting": setting, "seed": seed,
                       "seconds": time.perf_counter() - started,
                       **{k: result.metrics[k] for k in ("wss95", "rrf10", "atd_fraction")}}
                for rule in ("knee", "run", "run10"):
                    stop = screening.evaluate_stopping(full, rule)
                    row[f"{rule}_recall"] = stop["recall"]
                    row[f"{rule}_screened"] = stop["screened"]
                rows.append(row)
                print(json.dumps(row), flush=True)
                if jsonl is not None:
                    with open(jsonl, "a", encoding="utf-8") as stream:
                        stream.write(json.dumps(row) + "\n")
    return pd.DataFrame(rows)


def report(table: pd.DataFrame) -> str:
    metrics = [m for m in ("wss95", "rrf10", "atd_fraction", "knee_recall", "knee_screened",
                           "run_recall", "run_screened", "run10_recall", "run10_screened")
               if m in table.columns]
    means = table.groupby(["set", "setting"])[metrics].mean()
    ranks = means.groupby(level="set")[["wss95", "rrf10"]].rank(ascending=False)
    rank = (ranks["wss95"] + 0.5 * ranks["rrf10"]).groupby(level="setting").mean()
    wss = means["wss95"].groupby(level="setting")
    order = wss.mean().sort_values(ascending=False)
    lines = ["| set | setting | WSS@95 | RRF@10 | ATD | knee: recall / screened | "
             "run: recall / screened | ASReview published WSS@95 / RRF@10 / ATD |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (name, setting), row in means.iterrows():
        published = PUBLISHED.get(name)
        ref = (f"{published['wss95']:.1%} / {published['rrf10']:.1%} / "
               f"{published['atd_fraction']:.1%}" if published else "–")
        lines.append(f"| {name} | {setting} | {row.wss95:.1%} | {row.rrf10:.1%} | "
                     f"{row.atd_fraction:.1%} | {row.knee_recall:.1%} / "
                     f"{row.knee_screened:.1%} | {row.run_recall:.1%} / {row.run_screened:.1%}"
                     f" | {ref} |")
    lines.append("")
    lines.append("| setting | mean WSS@95 over sets | lowest WSS@95 | mean rank (WSS@95 + ½ RRF@10) |")
    lines.append("| --- | --- | --- | --- |")
    for setting, value in order.items():
        lines.append(f"| {setting} | {value:.1%} | {wss.min()[setting]:.1%} | "
                     f"{rank[setting]:.2f} |")
    if "run10_recall" in means.columns:
        lines.append("")
        lines.append("fixed run max(100, 10 %): recall / screened per set and setting")
        for (name, setting), row in means.iterrows():
            if pd.notna(row.get("run10_recall")):
                lines.append(f"  {name} {setting}: {row.run10_recall:.1%} / "
                             f"{row.run10_screened:.1%}")
    lines.append(f"choice (highest mean WSS@95 over sets): {order.index[0]}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-fraction", type=float, default=0.01)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--jsonl", type=Path, default=None,
                        help="append each run as a JSON line (and read earlier lines first)")
    parser.add_argument("--report-only", action="store_true",
                        help="only summarise the runs already in --jsonl")
    args = parser.parse_args()
    if args.report_only:
        table = pd.read_json(args.jsonl, lines=True)
    else:
        table = run(args.shared, args.sets.split(","), args.settings.split(","), args.seeds,
                    args.batch_fraction, args.jsonl)
    print(report(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
