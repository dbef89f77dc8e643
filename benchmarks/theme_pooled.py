"""Benchmark: the briefing's checked themes pooled over the clean fresh sets.

Each fresh set of the development corpus was measured once with the classifier of the check
trained on every split that existed then (``benchmarks/scanning.py --themes-only``). Here
each set is measured the same way again — the classifier trained without it and without
every batch measured after it (``validation.measured_since``) — and the texts of the sets
are pooled, so that a theme's precision and recall rest on twice as many texts as one set
gives. Only sets on which the rules compared were both still clean (fixed before the set
was merged) are pooled: the eleventh round's rule decides on ``utvardering13`` and
``utvardering14`` together (``benchmarks/README.md``).

    .venv/bin/python benchmarks/theme_pooled.py            # the default check (C = 10)
    .venv/bin/python benchmarks/theme_pooled.py --c 100    # the eleventh round's candidate
"""

from __future__ import annotations

import argparse
import sys

#: The clean fresh sets pooled.
FRESH_SETS = ("utvardering13", "utvardering14")


def main(argv: list[str] | None = None) -> int:
    from research import scanning
    from research.scanning.check import ThemeCheck, fit_model
    from research.scanning.validation import (ThemeEvaluation, measured_since,
                                              read_labelled_corpus)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=None,
                        help="the check classifier's regularisation C (default: CHECK_C)")
    args = parser.parse_args(argv)
    taxonomy = scanning.load_taxonomy()
    corpus = read_labelled_corpus(split=None)
    texts = (corpus["title"] + ". " + corpus["text"]).tolist()
    labels, checked = [], []
    for split in FRESH_SETS:
        train = ~corpus["split"].isin(measured_since(split)).to_numpy()
        test = (corpus["split"] == split).to_numpy()
        model = fit_model([t for t, k in zip(texts, train) if k],
                          [row for row, k in zip(corpus["labels"], train) if k],
                          taxonomy.keys, c=args.c)
        chosen = [t for t, k in zip(texts, test) if k]
        truth = [row for row, k in zip(corpus["labels"], test) if k]
        matched = scanning.match_themes(scanning.build_corpus(chosen), taxonomy)
        guess = ThemeCheck(model, "", 0).apply(matched, chosen, taxonomy)["themes"].tolist()
        errors = sum(len(set(a) ^ set(b)) for a, b in zip(truth, guess))
        print(f"{split}: {len(chosen)} texts, classifier trained on {int(train.sum())}, "
              f"errors (false alarms + misses) {errors}")
        labels += truth
        checked += guess
    table = ThemeEvaluation(labels, checked, taxonomy).per_theme
    errors = int((table["predicted"] + table["labelled"] - 2 * table["correct"]).sum())
    print(f"\npooled over {', '.join(FRESH_SETS)}: errors {errors}\n"
          "theme | labelled | precision | recall | on unrelated")
    for row in table.itertuples():
        print(f"{row.theme} | {row.labelled} | {row.precision:.2f} ({row.correct}/"
              f"{row.predicted}) | {row.recall:.2f} | {100 * row.unrelated_rate:.1f} %")
    print(f"targets pooled: precision >= 0.85 for {int((table['precision'] >= 0.85).sum())} "
          f"of {len(table)} themes, recall >= 0.80 for {int((table['recall'] >= 0.80).sum())}"
          f", on unrelated <= 5 % for {int((table['unrelated_rate'] <= 0.05).sum())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
