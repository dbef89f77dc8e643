"""Benchmark: the theme check's rule chosen by leaving out one independent author's batch.

For each batch written by an author who had not seen the taxonomy (batches 12-27 of the
development corpus, ``data/dev/omvarld_teman/README.md``), the classifier is fitted on
every other labelled text (that batch left out, every other split kept), and the
candidate rules that combine it with the taxonomy's themes are applied to the batch. The
errors (false alarms + misses over the 14 themes) are summed over the batches, and the
targets (precision >= 0.85, recall >= 0.80, <= 5 % on unrelated texts) counted on the
pooled out-of-batch predictions.

Candidates:

- ``global V/A``: the check as in the briefing, a taxonomy theme dropped under V, a theme
  added at A or more (0.2/0.6 was the rule of the eighth round, 0.3/0.7 of the ninth);
- ``global, chosen in folds``: the (V, A) pair with the fewest errors on the other
  batches, chosen anew for each batch left out;
- ``per theme, chosen in folds``: each theme's (V, A) with the fewest errors on the other
  batches, chosen anew for each batch left out
  (:func:`research.scanning.check.choose_cutoffs`).

The cut-offs of a fold are chosen on the other batches' out-of-batch probabilities; those
came from classifiers that did see the left-out batch's texts in training, so the choice
is nested for the cut-offs but not for the classifier's weights (an inner leave-one-out
would take 132 fits).

    .venv/bin/python benchmarks/theme_cv.py
    .venv/bin/python benchmarks/theme_cv.py --taxonomy OTHER.yaml --c 100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: Batches by independent authors: name, first id, last id (the corpus README). The
#: twenty-fourth and twenty-fifth (utvardering12) were the ninth round's fresh set and were
#: tuned on in the tenth; a batch joins here only after it has been measured once (the
#: twenty-sixth and twenty-seventh, utvardering13, joined after the tenth round; the
#: twenty-eighth and twenty-ninth, utvardering14, are the held-out set now, left out of
#: every fold).
BATCHES = (("12", "d656", "d821"), ("13", "d900", "d1082"), ("14", "d1100", "d1288"),
           ("15", "d1300", "d1501"), ("16", "d1600", "d1787"), ("17", "d1800", "d1995"),
           ("18", "d2000", "d2199"), ("19", "d2200", "d2399"), ("20", "d2400", "d2599"),
           ("21", "d2600", "d2797"), ("22", "d2800", "d2999"), ("23", "d3000", "d3199"),
           ("24", "d3200", "d3399"), ("25", "d3400", "d3599"), ("26", "d3600", "d3799"),
           ("27", "d3800", "d3999"))

#: The global pairs compared.
GRID_VETO = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
GRID_ADD = (0.5, 0.55, 0.6, 0.65, 0.7, 0.8, float("inf"))


def _id_number(value: str) -> int:
    return int(str(value).lstrip("d"))


def out_of_batch(taxonomy_path: str | None, c: float | None = None):
    """Per batch: hand labels (bool matrix), taxonomy matches (bool), classifier
    probabilities from a fit without the batch."""
    from research import scanning
    from research.scanning.check import fit_model
    from research.scanning.validation import HELD_OUT, read_labelled_corpus

    taxonomy = scanning.load_taxonomy(taxonomy_path)
    corpus = read_labelled_corpus(split=None)
    # the fresh held-out set stays out of every fold's training: what is chosen here must
    # not have seen it
    corpus = corpus[corpus["split"] != HELD_OUT].reset_index(drop=True)
    texts = (corpus["title"] + ". " + corpus["text"]).tolist()
    numbers = np.array([_id_number(i) for i in corpus["id"]])
    matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)["themes"].tolist()
    keys = taxonomy.keys
    folds = []
    for name, first, last in BATCHES:
        inside = (numbers >= _id_number(first)) & (numbers <= _id_number(last))
        if not inside.any():
            continue
        start = time.perf_counter()
        model = fit_model([t for t, k in zip(texts, inside) if not k],
                          [row for row, k in zip(corpus["labels"], inside) if not k],
                          keys, c=c)
        index = np.flatnonzero(inside)
        proba = model.predict_proba([texts[i] for i in index])
        truth = np.array([[k in corpus["labels"][i] for k in keys] for i in index])
        found = np.array([[k in matched[i] for k in keys] for i in index])
        folds.append((name, truth, found, proba))
        print(f"batch {name}: {len(index)} texts, fit {time.perf_counter() - start:.1f} s",
              flush=True)
    return keys, folds


def main(argv: list[str] | None = None) -> int:
    from research.scanning.check import ADD, VETO, choose_cutoffs, combine, count_errors

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", default=None, help="taxonomy YAML (default: shipped)")
    parser.add_argument("--c", type=float, default=None,
                        help="the classifier's regularisation C (default: check.CHECK_C)")
    args = parser.parse_args(argv)
    keys, folds = out_of_batch(args.taxonomy, args.c)
    n_themes = len(keys)

    def report(name: str, decide) -> int:
        """``decide(fold_index)`` gives (veto, add) arrays for that fold."""
        per_batch, pooled_truth, pooled_guess = [], [], []
        for j, (_, truth, found, proba) in enumerate(folds):
            veto, add = decide(j)
            guess = combine(found, proba, veto, add)
            per_batch.append(int(count_errors(truth, guess).sum()))
            pooled_truth.append(truth)
            pooled_guess.append(guess)
        truth, guess = np.vstack(pooled_truth), np.vstack(pooled_guess)
        correct = (truth & guess).sum(0)
        precision = np.where(guess.sum(0) > 0, correct / np.maximum(guess.sum(0), 1), np.nan)
        recall = correct / np.maximum(truth.sum(0), 1)
        unrelated = ~truth.any(1)
        rate = guess[unrelated].mean(0)
        total = sum(per_batch)
        print(f"{name} | {' '.join(str(e) for e in per_batch)} | {total} | "
              f"{int((precision >= 0.85).sum())}/{int((recall >= 0.80).sum())}/"
              f"{int((rate <= 0.05).sum())} of {n_themes} | "
              f"{np.nanmean(precision):.2f}/{recall.mean():.2f}")
        return total

    print("\nrule | errors per batch (" + " ".join(f[0] for f in folds) + ") | summed "
          "errors | targets P/R/unrelated (pooled) | mean P/R (pooled)")
    totals = {}
    totals["taxonomy alone"] = report(
        "taxonomy alone", lambda j: (np.zeros(n_themes), np.full(n_themes, np.inf)))
    totals["classifier alone (p >= 0.5)"] = report(
        "classifier alone (p >= 0.5)",
        lambda j: (np.full(n_themes, np.inf), np.full(n_themes, 0.5)))
    for v in GRID_VETO:
        for a in GRID_ADD:
            name = f"global {v}/{a}"
            totals[name] = report(name, lambda j, v=v, a=a: (np.full(n_themes, v),
                                                            np.full(n_themes, a)))

    def others(j: int):
        rest = [f for i, f in enumerate(folds) if i != j]
        return (np.vstack([f[1] for f in rest]), np.vstack([f[2] for f in rest]),
                np.vstack([f[3] for f in rest]))

    def global_in_folds(j: int):
        truth, found, proba = others(j)
        best = min(((int(count_errors(truth, combine(found, proba, np.full(n_themes, v),
                                                     np.full(n_themes, a))).sum()), -v, a)
                    for v in GRID_VETO for a in GRID_ADD))
        return np.full(n_themes, -best[1]), np.full(n_themes, best[2])

    totals["global, chosen in folds"] = report("global, chosen in folds", global_in_folds)
    totals["per theme, chosen in folds"] = report(
        "per theme, chosen in folds", lambda j: choose_cutoffs(*others(j)))
    shrunk = f"per theme, shrunk to {VETO}/{ADD}, chosen in folds"
    totals[shrunk] = report(shrunk, lambda j: choose_cutoffs(*others(j), prior=(VETO, ADD)))
    best = min(totals, key=totals.get)
    print(f"\nfewest summed errors: {best} ({totals[best]}); current check "
          f"{VETO}/{ADD}: {totals[f'global {VETO}/{ADD}']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
