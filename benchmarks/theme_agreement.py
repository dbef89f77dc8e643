"""How well two people agree on the themes of the development corpus, beside the taxonomy.

The thirteenth and fourteenth batches of ``data/dev/omvarld_teman/dokument.csv`` (splits
``utvardering5`` and ``utvardering6``) and the twenty-sixth and twenty-seventh
(``utvardering13``) were labelled by their authors and, independently and from the same
theme definitions, by a second labeller who saw neither the authors' labels nor the
taxonomy (``andra_markning.csv``; ``--splits`` chooses among them). Per theme and batch this prints the second
labeller's precision and recall against the author and Cohen's kappa between them
(``sklearn.metrics.cohen_kappa_score``), the share of texts with exactly the same set of
themes, and the same figures for the taxonomy against each labeller — a ceiling for what a
matcher can be expected to reach against one person's labels. The briefing's checked themes
(the split and the batches measured after it left out of the check's training,
``validation.measured_since``) are compared with both labellings, and a
matcher's disagreements with the author are split into those on decisions the two people
made alike and those they made differently, with each theme's precision and recall on the
consensus decisions alone.

    .venv/bin/python benchmarks/theme_agreement.py
    .venv/bin/python benchmarks/theme_agreement.py --src /path/to/other/checkout/src
    .venv/bin/python benchmarks/theme_agreement.py --splits utvardering5,utvardering13

``--src`` measures the taxonomy and matcher of another checkout (e.g. the commit a batch
was measured with, when it was still clean); the labels are always read from this one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data/dev/omvarld_teman/dokument.csv"
SECOND = ROOT / "data/dev/omvarld_teman/andra_markning.csv"


def _sets(column: pd.Series) -> list[set[str]]:
    return [{k for k in str(v).split(";") if k} for v in column]


def _compare(truth: list[set[str]], other: list[set[str]], key: str) -> tuple[float, ...]:
    from sklearn.metrics import cohen_kappa_score

    t = np.array([key in x for x in truth])
    o = np.array([key in x for x in other])
    both = int((t & o).sum())
    precision = both / o.sum() if o.any() else float("nan")
    recall = both / t.sum() if t.any() else float("nan")
    kappa = cohen_kappa_score(t, o) if t.any() or o.any() else float("nan")
    return precision, recall, kappa


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the src folder whose taxonomy and matcher to measure")
    parser.add_argument("--splits", default="utvardering5,utvardering6,utvardering13",
                        help="comma-separated splits with a second labelling")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.src.resolve()))
    from research import scanning

    taxonomy = scanning.load_taxonomy()
    corpus = pd.read_csv(CORPUS, keep_default_na=False).set_index("id")
    second = pd.read_csv(SECOND, keep_default_na=False).set_index("id")
    print(f"taxonomy version {_version(args.src)} from {args.src}")
    for split in [x.strip() for x in args.splits.split(",") if x.strip()]:
        batch = corpus[corpus["split"] == split]
        if batch.empty:
            print(f"== {split}: no such split in {CORPUS.name}; skipped")
            continue
        labelled = second.reindex(batch.index)
        if labelled["themes"].isna().any():
            print(f"== {split}: the second labelling misses "
                  f"{int(labelled['themes'].isna().sum())} texts; skipped")
            continue
        author, other = _sets(batch["themes"]), _sets(labelled["themes"])
        texts = (batch["title"] + ". " + batch["text"]).tolist()
        frame = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
        matched = [set(t) for t in frame["themes"]]
        print(f"\n== {split}: {len(batch)} texts")
        print("theme | second vs author: precision | recall | kappa | taxonomy vs author: "
              "precision | recall | kappa | taxonomy vs second: precision | recall | kappa")
        for key in taxonomy.keys:
            cells = [*_compare(author, other, key), *_compare(author, matched, key),
                     *_compare(other, matched, key)]
            print(f"{key} | " + " | ".join(f"{v:.2f}" for v in cells))
        same = np.mean([a == b for a, b in zip(author, other)])
        same_taxonomy = np.mean([a == m for a, m in zip(author, matched)])
        print(f"same set of themes: second and author {100 * same:.1f} % of texts, taxonomy "
              f"and author {100 * same_taxonomy:.1f} %")
        rows = [("second labeller", other, author), ("taxonomy", matched, author),
                ("taxonomy", matched, other)]
        guesses = {"taxonomy": matched}
        # the briefing's checked themes too, from a check trained without the split and
        # without the batches measured after it, as when it was measured (a --src from
        # before the check existed has none)
        if hasattr(scanning, "load_theme_check"):
            since = getattr(scanning.validation, "measured_since", lambda s: s)
            check = scanning.load_theme_check(CORPUS, taxonomy, exclude_split=since(split))
            checked = [set(t) for t in check.apply(frame, texts, taxonomy)["themes"]]
            guesses["taxonomy and check (the briefing)"] = checked
            rows += [("taxonomy and check (the briefing)", checked, author),
                     ("taxonomy and check (the briefing)", checked, other)]
        else:
            print(f"{args.src} has no theme check (research.scanning.load_theme_check): "
                  "the checked themes are left out")
        print("disagreements (false alarms + misses summed over the themes): "
              + "; ".join(f"{name} vs {'author' if truth is author else 'second'} "
                          f"{_disagreements(truth, guess, taxonomy.keys)}"
                          for name, guess, truth in rows))
        _consensus(author, other, guesses, taxonomy.keys, split)
    return 0


def _consensus(author: list[set[str]], other: list[set[str]],
               guesses: dict[str, list[set[str]]], keys: list[str], split: str) -> None:
    """Where the two people agree and where they do not: a matcher's disagreements with the
    author split into those on decisions both people made alike (consensus) and those on
    decisions they made differently (contested, where any answer disagrees with one of
    them); and per theme, precision and recall on the consensus decisions only."""
    contested = [(a ^ o) & set(keys) for a, o in zip(author, other)]
    print(f"theme decisions of {split}: {len(author) * len(keys)}, contested by the two "
          f"people {sum(map(len, contested))}")
    for name, guess in guesses.items():
        on_contested = sum(len((a ^ g) & c) for a, g, c in zip(author, guess, contested))
        total = _disagreements(author, guess, keys)
        print(f"{name} vs author: {total} disagreements, {total - on_contested} on consensus "
              f"decisions, {on_contested} on contested ones")
        print(f"{name} on the consensus decisions only: theme | positives | precision | "
              "recall")
        meets_p = meets_r = 0
        for k in keys:
            agreed = [i for i, c in enumerate(contested) if k not in c]
            truth, found = [author[i] for i in agreed], [guess[i] for i in agreed]
            precision, recall, _ = _compare(truth, found, k)
            meets_p += precision >= 0.85
            meets_r += recall >= 0.80
            print(f"{k} | {sum(k in t for t in truth)} | {precision:.2f} | {recall:.2f}")
        print(f"{name} on the consensus decisions: precision >= 0.85 for {meets_p} of "
              f"{len(keys)} themes, recall >= 0.80 for {meets_r}")


def _disagreements(truth: list[set[str]], guess: list[set[str]], keys: list[str]) -> int:
    """Theme decisions on which two labellings differ, summed over texts and themes."""
    return sum(len((t ^ g) & set(keys)) for t, g in zip(truth, guess))


def _version(src: Path) -> str:
    import yaml

    path = src / "research/data/taxonomy.yaml"
    return str(yaml.safe_load(path.read_text(encoding="utf-8")).get("version", "?"))


if __name__ == "__main__":
    sys.exit(main())
