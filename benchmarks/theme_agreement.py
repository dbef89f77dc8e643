"""How well two people agree on the themes of the development corpus, beside the taxonomy.

The thirteenth and fourteenth batches of ``data/dev/omvarld_teman/dokument.csv`` (splits
``utvardering5`` and ``utvardering6``) were labelled by their authors and, independently
and from the same written brief, by a second labeller who saw neither the authors' labels
nor the taxonomy (``andra_markning.csv``; ``--splits`` names others once they have a
second labelling). Per theme and batch this prints the second
labeller's precision and recall against the author and Cohen's kappa between them
(``sklearn.metrics.cohen_kappa_score``), the share of texts with exactly the same set of
themes, and the same figures for the taxonomy against each labeller — a ceiling for what a
matcher can be expected to reach against one person's labels.

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
    parser.add_argument("--splits", default="utvardering5,utvardering6",
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
        matched = [set(t) for t in scanning.match_themes(scanning.build_corpus(texts),
                                                         taxonomy)["themes"]]
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
        if split == scanning.validation.HELD_OUT:  # the briefing's checked themes too
            check = scanning.load_theme_check(CORPUS, taxonomy, exclude_split=split)
            checked = [set(t) for t in check.apply(
                scanning.match_themes(scanning.build_corpus(texts), taxonomy), texts,
                taxonomy)["themes"]]
            rows += [("taxonomy and check (the briefing)", checked, author),
                     ("taxonomy and check (the briefing)", checked, other)]
        print("disagreements (false alarms + misses summed over the themes): "
              + "; ".join(f"{name} vs {'author' if truth is author else 'second'} "
                          f"{_disagreements(truth, guess, taxonomy.keys)}"
                          for name, guess, truth in rows))
    return 0


def _disagreements(truth: list[set[str]], guess: list[set[str]], keys: list[str]) -> int:
    """Theme decisions on which two labellings differ, summed over texts and themes."""
    return sum(len((t ^ g) & set(keys)) for t, g in zip(truth, guess))


def _version(src: Path) -> str:
    import yaml

    path = src / "research/data/taxonomy.yaml"
    return str(yaml.safe_load(path.read_text(encoding="utf-8")).get("version", "?"))


if __name__ == "__main__":
    sys.exit(main())
