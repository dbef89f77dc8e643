"""Benchmark: the briefing's checked themes pooled over the clean fresh sets.

Each fresh set of the development corpus was measured once with the classifier of the check
trained on every split that existed then (``benchmarks/scanning.py --themes-only``). Here
each set is measured the same way again — the classifier trained without it and without
every set written after it — and the per-theme counts are pooled, so that a theme's
precision and recall rest on twice as many texts as one set gives. Only sets on which the
rules compared were both still clean (fixed before the set was merged) are pooled: the
eleventh round's rule decides on ``utvardering13`` and ``utvardering14`` together
(``benchmarks/README.md``).

    .venv/bin/python benchmarks/theme_pooled.py            # the default check (C = 10)
    .venv/bin/python benchmarks/theme_pooled.py --c 100    # the eleventh round's candidate
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: The clean fresh sets pooled, oldest first: each is measured with the classifier trained
#: without it and without every later one.
FRESH_SETS = ("utvardering13", "utvardering14")


def main(argv: list[str] | None = None) -> int:
    from research import scanning
    from research.scanning.check import ThemeCheck, fit_model
    from research.scanning.validation import read_labelled_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=None,
                        help="the check classifier's regularisation C (default: CHECK_C)")
    args = parser.parse_args(argv)
    taxonomy = scanning.load_taxonomy()
    keys = taxonomy.keys
    corpus = read_labelled_corpus(split=None)
    texts = (corpus["title"] + ". " + corpus["text"]).tolist()
    counts = {k: dict(labelled=0, predicted=0, correct=0, unrelated=0) for k in keys}
    n_unrelated = errors = 0
    for position, split in enumerate(FRESH_SETS):
        train = ~corpus["split"].isin(FRESH_SETS[position:]).to_numpy()
        test = (corpus["split"] == split).to_numpy()
        model = fit_model([t for t, k in zip(texts, train) if k],
                          [row for row, k in zip(corpus["labels"], train) if k], keys,
                          c=args.c)
        chosen = [t for t, k in zip(texts, test) if k]
        labels = [set(row) for row, k in zip(corpus["labels"], test) if k]
        matched = scanning.match_themes(scanning.build_corpus(chosen), taxonomy)
        checked = [set(row) for row in
                   ThemeCheck(model, "", 0).apply(matched, chosen, taxonomy)["themes"]]
        mine = sum(len(a ^ b) for a, b in zip(labels, checked))
        errors += mine
        n_unrelated += sum(not row for row in labels)
        print(f"{split}: {len(chosen)} texts, classifier trained on {int(train.sum())}, "
              f"errors (false alarms + misses) {mine}")
        for key in keys:
            entry = counts[key]
            for truth, guess in zip(labels, checked):
                entry["labelled"] += key in truth
                entry["predicted"] += key in guess
                entry["correct"] += key in truth and key in guess
                entry["unrelated"] += not truth and key in guess
    print(f"\npooled over {', '.join(FRESH_SETS)}: errors {errors}\n"
          "theme | labelled | precision | recall | on unrelated")
    meets = [0, 0, 0]
    for key, e in counts.items():
        precision = e["correct"] / e["predicted"] if e["predicted"] else float("nan")
        recall = e["correct"] / e["labelled"]
        rate = e["unrelated"] / n_unrelated
        meets[0] += precision >= 0.85
        meets[1] += recall >= 0.80
        meets[2] += rate <= 0.05
        print(f"{key} | {e['labelled']} | {precision:.2f} ({e['correct']}/{e['predicted']}) | "
              f"{recall:.2f} | {100 * rate:.1f} %")
    print(f"targets pooled: precision >= 0.85 for {meets[0]} of {len(keys)} themes, recall "
          f">= 0.80 for {meets[1]}, on unrelated <= 5 % for {meets[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
