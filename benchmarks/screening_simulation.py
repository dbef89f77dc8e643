"""Benchmark: active-learning screening simulation on nudging.csv, side by side with ASReview.

Replays ``../shared/data/literature/nudging.csv`` (1,847 records, 100 relevant) with
1 + 1 random prior records per seed and reports WSS@95, WSS@100, RRF@10, ATD and loss
(asreview-insights definitions, priors excluded) as mean and standard deviation over
seeds, plus seconds per 1,000 records screened. The published ASReview result on exactly
this file (naive Bayes + TF-IDF, max query, double balance, tuned, 15 trials) is
WSS@95 = 71.7 %, RRF@10 = 65.3 %, ATD = 9.4 % of records; ratios ours/published are printed.

With ``--asreview PYTHON`` (a Python that has ``asreview`` installed, e.g. a separate
venv, so the project's venv is not touched) ASReview's own simulation runs on the same
file and seeds and its labels go through the same metric code.

Run: ``.venv/bin/python benchmarks/screening_simulation.py [--seeds 15] [--asreview PY]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from research.literature import screening  # noqa: E402

PUBLISHED = {"wss95": 0.717, "rrf10": 0.653, "atd_fraction": 0.094}

# Runs inside the other Python: ASReview 3 simulation with its default ("ELAS u4": SVM,
# TF-IDF 1-2 grams, balanced) model,
# the given seed's priors, printing the screening order (record positions) as JSON.
ASREVIEW_SCRIPT = r"""
import json, sys
import numpy as np, pandas as pd
import asreview
from asreview.models.models import get_ai_config
path, priors = sys.argv[1], json.loads(sys.argv[2])
data = pd.read_csv(path)
labels = data["included"].to_numpy()
texts = pd.DataFrame({"title": data["title"].fillna(""),
                      "abstract": data["abstract"].fillna("")})
cycle = asreview.ActiveLearningCycle.from_meta(get_ai_config()["value"])
sim = asreview.Simulate(texts, labels, [cycle], print_progress=False)
sim.label(priors)
sim.review()
order = sim._results["record_id"].tolist()
print(json.dumps([int(r) for r in order if r not in priors]))
"""


def our_runs(texts: list[str], labels: np.ndarray, seeds: list[int],
             options: dict) -> tuple[pd.DataFrame, list]:
    return screening.simulate_many(texts, labels, seeds=seeds, **options)


def asreview_runs(python: str, path: Path, labels: np.ndarray, seeds: list[int]) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "run_asreview.py"
        script.write_text(ASREVIEW_SCRIPT, encoding="utf-8")
        for seed in seeds:
            rng = np.random.default_rng(seed)
            priors = [int(rng.choice(np.flatnonzero(labels == 1))),
                      int(rng.choice(np.flatnonzero(labels == 0)))]
            started = time.perf_counter()
            done = subprocess.run([python, str(script), str(path), json.dumps(priors)],
                                  capture_output=True, text=True, check=False,
                                  cwd=folder)  # asreview's imports write a cache file here
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"ASReview failed: {done.stderr[-2000:]}")
            order = json.loads(done.stdout.strip().splitlines()[-1])
            ordered = labels[np.asarray(order, dtype=int)]
            padded = np.zeros(len(labels) - 2, dtype=int)
            padded[: len(ordered)] = ordered
            metrics = screening.screening_metrics(padded)
            rows.append({"seed": seed, **metrics, "seconds": seconds,
                         "records_screened": len(order)})
    return pd.DataFrame(rows)


def describe(name: str, table: pd.DataFrame) -> None:
    per_thousand = table["seconds"].sum() / table["records_screened"].sum() * 1000
    parts = []
    for metric in ("wss95", "wss100", "rrf10", "atd_fraction", "loss"):
        values = table[metric]
        if metric == "loss":
            parts.append(f"loss={values.mean():.3f}±{values.std(ddof=0):.3f}")
        else:
            parts.append(f"{metric}={values.mean() * 100:.1f}±{values.std(ddof=0) * 100:.1f}")
    print(f"{name:<34}" + "  ".join(parts) + f"  s/1000={per_thousand:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=15)
    parser.add_argument("--batch-fraction", type=float, default=0.0)
    parser.add_argument("--asreview", default=None,
                        help="a Python interpreter with asreview installed")
    parser.add_argument("--asreview-seeds", type=int, default=None,
                        help="seeds for the ASReview run (default: --seeds)")
    parser.add_argument("--compare-defaults", action="store_true",
                        help="also run logistic regression, naive Bayes and the SVM without "
                             "pseudo-negatives (slower: about 8 more minutes)")
    args = parser.parse_args()
    path = args.shared / "literature" / "nudging.csv"
    if not path.is_file():
        print(f"nudging.csv not found at {path}; nothing to measure")
        return 0
    texts, labels = screening.read_labelled_file(path, "included")
    seeds = list(range(args.seeds))
    print(f"nudging.csv: {len(labels)} records, {labels.sum()} relevant, {len(seeds)} seeds, "
          "priors 1+1")
    configs = {"ours (default)": dict(screening.DEFAULT_SIMULATION,
                                      batch_fraction=args.batch_fraction)}
    if args.compare_defaults:
        configs["logistic C=10 (+pseudo-neg.)"] = dict(model="logistic", C=10.0,
                                                       batch_fraction=args.batch_fraction)
        configs["naive Bayes (+pseudo-neg.)"] = dict(model="nb",
                                                     batch_fraction=args.batch_fraction)
        configs["svm, no pseudo-negatives"] = dict(screening.DEFAULT_SIMULATION,
                                                   pseudo_negatives=0,
                                                   batch_fraction=args.batch_fraction)
    results = {}
    for name, options in configs.items():
        table, _ = our_runs(texts, labels, seeds, options)
        results[name] = table
        describe(name, table)
    ours = results["ours (default)"]
    for metric, value in PUBLISHED.items():
        print(f"ratio ours/published ASReview {metric}: {ours[metric].mean() / value:.3f} "
              f"(ours {ours[metric].mean() * 100:.1f} %, published {value * 100:.1f} %)")
    if args.asreview:
        asreview_seeds = seeds[: args.asreview_seeds] if args.asreview_seeds else seeds
        table = asreview_runs(args.asreview, path, labels, asreview_seeds)
        mine = ours[ours["seed"].isin(asreview_seeds)]
        describe(f"ours on the same {len(asreview_seeds)} seeds", mine)
        describe("ASReview (installed, default)", table)
        for metric in ("wss95", "rrf10"):
            print(f"ratio ours/ASReview-run {metric}: "
                  f"{mine[metric].mean() / table[metric].mean():.3f}")
        per_ours = mine["seconds"].sum() / mine["records_screened"].sum()
        per_theirs = table["seconds"].sum() / table["records_screened"].sum()
        print(f"ratio seconds per record ours/ASReview-run: {per_ours / per_theirs:.3f} "
              "(ASReview time includes its process start and feature extraction)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
