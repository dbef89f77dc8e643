"""Benchmark: horizon scanning (dedup + themes + emerging) vs a bare TfidfVectorizer fit.

Generates N synthetic Swedish items (default 100,000) over 16 weeks from the sample
generator's sentence pools, with near-duplicate copies and a rising theme, then times in
one process:

- ours: tokenise into a corpus, match the default taxonomy's themes (lemmas, compounds,
  phrases), group near-duplicates (MinHash + LSH), theme trends and emerging terms (G²);
- peer: ``sklearn.feature_extraction.text.TfidfVectorizer().fit(texts)`` on the same texts.

Loading the taxonomy (which loads simplemma's dictionaries, about 1–2 s once per process)
is timed separately and left out of the ratio, like the imports. Each round times the peer, ours, and the peer
again (the machine is shared, so ours is compared with the mean of the peer just before
and just after); the median ratio over ``--repeat`` rounds (target ≤ 3×) and the
process's peak resident memory after our first pipeline run (target ≤ 2 GB) are printed.

    .venv/bin/python benchmarks/scanning.py            # 100,000 items
    .venv/bin/python benchmarks/scanning.py --items 20000
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "omvarld_generate", ROOT / "data" / "sample" / "omvarld" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_items(count: int, seed: int = 7) -> tuple[list[str], pd.Series]:
    generator = load_generator()
    rng = random.Random(seed)
    end = pd.Timestamp("2026-11-22", tz="UTC")
    keys = list(generator.THEMES)
    texts: list[str] = []
    dates: list[pd.Timestamp] = []
    while len(texts) < count:
        age = rng.uniform(0, 16 * 7)
        weights = [6.0 if (k == "radikalisering_online" and age < 7) else 1.0 for k in keys]
        theme = rng.choices(keys, weights=weights)[0]
        titles, pool = generator.THEMES[theme]
        sentences = [generator.fill(s, rng) for s in rng.sample(pool, 2)]
        sentences.insert(1, generator.fill(rng.choice(generator.DETAILS), rng))
        sentences.append(generator.fill(rng.choice(generator.GENERIC), rng))
        title = generator.fill(rng.choice(titles), rng)
        text = f"{title}. {' '.join(sentences)}"
        date = end - pd.Timedelta(days=age)
        copies = rng.choices([1, 2, 3], weights=[80, 14, 6])[0]
        for copy in range(copies):
            texts.append(text if copy == 0 else text.replace(" har ", " har nu ", 1) + " Uppgifter.")
            dates.append(date + pd.Timedelta(hours=copy * 5))
    return texts[:count], pd.Series(dates[:count])


def ours(texts: list[str], dates: pd.Series) -> dict[str, float]:
    from research import scanning

    times: dict[str, float] = {}
    mark = time.perf_counter()
    taxonomy = scanning.load_taxonomy()  # loads simplemma's sv/en dictionaries once
    times["setup"] = time.perf_counter() - mark
    start = time.perf_counter()
    corpus = scanning.build_corpus(texts)
    times["tokenise"] = time.perf_counter() - start
    mark = time.perf_counter()
    themes = scanning.match_themes(corpus, taxonomy)
    times["themes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    groups = scanning.group_stories(corpus, dates=dates)
    times["dedup"] = time.perf_counter() - mark
    mark = time.perf_counter()
    window = scanning.Window.make("2026-11-22", 7, 84)
    trends = scanning.theme_trends(themes, dates, window, taxonomy)
    terms = scanning.emerging_terms(corpus, dates, window)
    times["emerging"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["groups"] = float(len(set(groups.tolist())))
    times["rising_themes"] = float(trends["rising"].sum())
    times["rising_terms"] = float(len(terms))
    return times


def peer(texts: list[str]) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer

    start = time.perf_counter()
    TfidfVectorizer().fit(texts)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of peer, ours, peer (the median ratio is reported)")
    parser.add_argument("--themes-only", action="store_true",
                        help="only the per-theme precision/recall table")
    args = parser.parse_args(argv)
    if args.themes_only:
        theme_table()
        return 0
    texts, dates = synthetic_items(args.items)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts):,} items, {words / len(texts):.0f} words per item")
    import research.scanning  # noqa: F401  (imports are not timed)
    import sklearn.feature_extraction.text  # noqa: F401

    ratios, peak_mb, setup = [], 0.0, None
    for round_number in range(1, args.repeat + 1):
        before = peer(texts)
        result = ours(texts, dates)
        setup = result["setup"] if setup is None else setup
        peak_mb = peak_mb or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        after = peer(texts)
        tfidf = (before + after) / 2
        ratios.append(result["total"] / tfidf)
        print(f"round {round_number}: ours {result['total']:.2f} s (tokenise "
              f"{result['tokenise']:.2f}, themes {result['themes']:.2f}, dedup "
              f"{result['dedup']:.2f}, emerging {result['emerging']:.2f}); TfidfVectorizer().fit "
              f"{before:.2f} s before, {after:.2f} s after; ratio {ratios[-1]:.2f}x")
    print(f"setup: {setup:.2f} s (taxonomy + lemma dictionaries, once per process; "
          "not in the ratio)")
    print(f"{result['groups']:,.0f} story groups, {result['rising_themes']:.0f} rising "
          f"theme(s), {result['rising_terms']:.0f} rising term(s)")
    print(f"ratio (median of {len(ratios)} rounds): {statistics.median(ratios):.2f}x "
          "(target <= 3x)")
    print(f"peak RSS after our pipeline (first round): {peak_mb:,.0f} MB (target <= 2048 MB)")
    check_cost(texts, tfidf)
    theme_table()
    return 0


def check_cost(texts: list[str], tfidf: float) -> None:
    """Time the classifier's check of the themes (research.scanning.check, on in the
    shipped parameter sets), once, beside the pipeline: training on the development corpus
    and checking every item."""
    from research import scanning
    from research.scanning.validation import DEV_CORPUS, HELD_OUT

    taxonomy = scanning.load_taxonomy()
    start = time.perf_counter()
    check = scanning.load_theme_check(ROOT / DEV_CORPUS, taxonomy, exclude_split=HELD_OUT)
    trained = time.perf_counter() - start
    matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
    start = time.perf_counter()
    check.apply(matched, texts, taxonomy)
    applied = time.perf_counter() - start
    print(f"theme check (optional, not in the ratio): training on {check.n_texts:,} labelled "
          f"texts {trained:.2f} s, checking {len(texts):,} items {applied:.2f} s "
          f"({applied / tfidf:.1f}x the TfidfVectorizer fit)")


#: The corpus's splits, as reported: (split, what it is).
SPLITS = (("utveckling", "tuning half (used while tuning the taxonomy)"),
          ("utvardering", "old held-out half (looked at after four tuning rounds: not clean)"),
          ("utvardering2", "tenth batch (measured once, then the taxonomy was tuned on its "
                           "errors, v5: not clean)"),
          ("utvardering3", "eleventh batch (measured once, then the taxonomy was tuned on its "
                           "errors, v6: not clean)"),
          ("utvardering4", "twelfth batch, by an independent author (measured once, then "
                           "the taxonomy was tuned on its errors, v7: not clean)"),
          ("utvardering5", "thirteenth batch, by another independent author (measured once, "
                           "then the taxonomy was tuned on its errors, v8: not clean)"),
          ("utvardering6", "fourteenth batch, by a fourth independent author (measured "
                           "once, then the taxonomy was tuned on its errors, v9: not clean)"),
          ("utvardering7", "fifteenth batch, by a fifth independent author (measured once, "
                           "then the taxonomy and the check were tuned on its errors, v10: "
                           "not clean)"),
          ("utvardering8", "sixteenth and seventeenth batches, by a sixth and a seventh "
                           "independent author (measured once, then the taxonomy was tuned "
                           "on their errors, v11: not clean)"),
          ("utvardering9", "eighteenth and nineteenth batches, by an eighth and a ninth "
                           "independent author (measured once, then the taxonomy and the "
                           "check were tuned on their errors, v12: not clean)"),
          ("utvardering10", "twentieth and twenty-first batches, by a tenth and an "
                            "eleventh independent author (measured once with v12; not tuned "
                            "on, but in the classifier's training since)"),
          ("utvardering11", "twenty-second and twenty-third batches, by a twelfth and a "
                            "thirteenth independent author (measured once with v12 at "
                            "0.2/0.6, then the taxonomy and the check were tuned on their "
                            "errors, v13 at 0.3/0.7: not clean)"),
          ("utvardering12", "twenty-fourth and twenty-fifth batches, by a fourteenth and a "
                            "fifteenth independent author (measured once with v12 at 0.2/0.6 "
                            "and v13 at 0.3/0.7, then the check was tuned on their errors: "
                            "not clean)"),
          ("utvardering13", "twenty-sixth and twenty-seventh batches, by a sixteenth and a "
                            "seventeenth independent author (measured once with v12 at "
                            "0.2/0.6 and the tenth round's candidate, then labelled a second "
                            "time and its errors read: not clean)"),
          ("utvardering14", "fresh held-out batches (the twenty-eighth and twenty-ninth, "
                            "written by an eighteenth and a nineteenth author, each alone, who "
                            "had not seen the taxonomy, before the matcher ran on them; "
                            "measured once)"))
FRESH = SPLITS[-1][0]
#: The fresh split's batches by author: first and last id.
FRESH_AUTHORS = {"eighteenth author (d4000-d4199)": ("d4000", "d4199"),
                 "nineteenth author (d4200-d4399)": ("d4200", "d4399")}


def evaluation_themes(taxonomy, texts: list[str]) -> list[list[str]]:
    """The taxonomy's themes of ``texts``."""
    from research import scanning

    return scanning.match_themes(scanning.build_corpus(texts), taxonomy)["themes"].tolist()


def theme_table() -> None:
    """Per split of the hand-labelled corpus: each theme's precision, recall and rate on
    unrelated texts for the taxonomy and the trained classifier, the taxonomy's confusion
    summary and how many themes meet the targets. The classifier learns from what the
    taxonomy was tuned on (every split but the fresh one): it is trained on all of them
    for the fresh batch and scored out of fold (4 folds over them) on each of them."""
    from research import scanning
    from research.scanning.validation import ThemeEvaluation, read_labelled_corpus

    taxonomy = scanning.load_taxonomy()
    corpus = read_labelled_corpus(split=None)
    seen = corpus[corpus["split"] != FRESH].reset_index(drop=True)
    seen_texts = (seen["title"] + ". " + seen["text"]).tolist()

    def classifier() -> scanning.ThemeClassifier:
        return scanning.ThemeClassifier(taxonomy.keys, min_examples=3, seed=1)

    fitted = classifier().fit(seen_texts, seen["labels"].tolist())
    out_of_fold = _out_of_fold(classifier, seen_texts, seen["labels"].tolist())
    for split, what in SPLITS:
        evaluation = scanning.evaluate_themes(taxonomy, split=split)
        test = read_labelled_corpus(split=split)
        texts = (test["title"] + ". " + test["text"]).tolist()
        if split == FRESH:
            predicted = fitted.predict(texts)
        else:
            predicted = [out_of_fold[i] for i in np.flatnonzero(seen["split"] == split)]
        trained = ThemeEvaluation(test["labels"].tolist(), predicted, taxonomy).per_theme
        print(f"\n== {split}: {what}\n{evaluation.n_documents} documents, "
              f"{evaluation.n_unrelated} unrelated: taxonomy | trained classifier")
        print("theme | labelled | precision | recall | on unrelated | clf precision | "
              "clf recall | clf on unrelated")
        for row, other in zip(evaluation.per_theme.itertuples(), trained.itertuples()):
            print(f"{row.theme} | {row.labelled} | {row.precision:.2f} | {row.recall:.2f} | "
                  f"{100 * row.unrelated_rate:.1f} % | {other.precision:.2f} | "
                  f"{other.recall:.2f} | {100 * other.unrelated_rate:.1f} %")
        print("confusion (taxonomy): theme | false alarms (on unrelated) | missed | hand "
              "labels of the false alarms")
        for row in evaluation.confusion.itertuples():
            print(f"{row.theme} | {row.false_alarms} ({row.false_alarms_unrelated}) | "
                  f"{row.missed} | {row.false_alarm_true_themes or '-'}")
        tables = [("taxonomy", evaluation.per_theme), ("classifier", trained)]
        if split == FRESH:  # the two together (rules fixed on the batch before this one)
            tables += _combined(taxonomy, fitted, texts, test["labels"].tolist())
            themes = evaluation_themes(taxonomy, texts)  # matched once for both authors
            for author, (first, last) in FRESH_AUTHORS.items():  # each author's batch
                mine = ((test["id"] >= first) & (test["id"] <= last)).to_numpy()
                labels = [row for row, keep in zip(test["labels"], mine) if keep]
                alone = ThemeEvaluation(
                    labels, [row for row, keep in zip(themes, mine) if keep],
                    taxonomy).per_theme
                both = _combined(taxonomy, fitted, [t for t, k in zip(texts, mine) if k],
                                 labels)[-1][1]
                tables += [(f"taxonomy, {author} only", alone),
                           (f"taxonomy and check, {author} only", both)]
        if split == FRESH:  # other rules (OTHER_RULES) on the same texts
            tables += _other_rules(fitted, seen_texts, seen["labels"].tolist(), texts,
                                   test["labels"].tolist())
        if split == FRESH:  # the briefing's checked themes, per theme
            checked = next(t for n, t in tables if n.startswith(CHECKED))
            print(f"checked (the briefing), {split}: theme | labelled | precision | recall | "
                  "on unrelated | errors")
            for row in checked.itertuples():
                print(f"{row.theme} | {row.labelled} | {row.precision:.2f} | {row.recall:.2f} | "
                      f"{100 * row.unrelated_rate:.1f} % | "
                      f"{row.predicted + row.labelled - 2 * row.correct}")
        for name, table in tables:
            print(f"targets ({name}, {split}): precision >= 0.85 for "
                  f"{int((table['precision'] >= 0.85).sum())} of {len(table)} themes, "
                  f"recall >= 0.80 for {int((table['recall'] >= 0.80).sum())}, on unrelated "
                  f"<= 5 % for {int((table['unrelated_rate'] <= 0.05).sum())}; mean precision "
                  f"{table['precision'].mean():.2f}, mean recall {table['recall'].mean():.2f}; "
                  f"errors (false alarms + misses) {_errors(table)}")


#: Taxonomy and classifier together (research.scanning.check): a theme the taxonomy
#: assigns is dropped where the classifier gives it a probability under VETO; with ADD,
#: one it gives at least ADD is added. First chosen on the fourteenth batch (utvardering6)
#: with taxonomy v8; then, with taxonomy v10 and again with v12, the pair with the fewest
#: errors on the independent authors' batches (each left out of the classifier's training
#: in turn), before the fresh batches were measured (research.scanning.check.VETO, ADD).


#: How the name of the briefing's own rule (the default ThemeCheck) begins in the tables.
CHECKED = "taxonomy unless p < "


def _combined(taxonomy, fitted, texts: list[str], labels: list[list[str]]) -> list:
    """The briefing's check (research.scanning.check.ThemeCheck) with the benchmark's
    classifier, and its vetoes alone (nothing added)."""
    from research import scanning
    from research.scanning.check import ADD, VETO, ThemeCheck
    from research.scanning.validation import ThemeEvaluation

    matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
    rows = []
    for name, check in ((f"taxonomy unless classifier p < {VETO}",
                         ThemeCheck(fitted, "", 0, add=float("inf"))),
                        ("classifier leads (its thresholds), taxonomy's words as evidence",
                         ThemeCheck(fitted, "", 0, lead=True)),
                        (f"{CHECKED}{VETO}, plus classifier p >= {ADD}",
                         ThemeCheck(fitted, "", 0))):
        checked = check.apply(matched, texts, taxonomy)["themes"].tolist()
        rows.append((name, ThemeEvaluation(labels, checked, taxonomy).per_theme))
    return rows


#: Other rules measured beside the briefing's on the fresh split in the same run (the
#: candidates of the rounds on themes, benchmarks/README.md): name, taxonomy file (None: the
#: shipped one), veto, add, the check classifier's regularisation C.
#: - the ninth round's (taxonomy v13, kept here, checked at 0.3/0.7), which had more errors
#:   than the default on utvardering12 and was not adopted;
#: - the tenth round's (the shipped taxonomy at 0.2/0.6, the classifier at C=100), which
#:   had as many errors as the default on utvardering13 and was not adopted then; it is the
#:   eleventh round's candidate unchanged, decided on utvardering13 and utvardering14 pooled.
OTHER_RULES = (("ninth round's candidate, not adopted",
                ROOT / "benchmarks" / "taxonomy_v13.yaml", 0.3, 0.7, 10.0),
               ("eleventh round's candidate (the tenth's unchanged)", None, 0.2, 0.6, 100.0))


def _other_rules(fitted, seen_texts: list[str], seen_labels: list[list[str]],
                 texts: list[str], labels: list[list[str]]) -> list:
    """Each of :data:`OTHER_RULES` on ``texts``: its taxonomy checked at its cut-offs by the
    benchmark's fitted classifier, or, for another C, by one fitted on the same texts."""
    from research import scanning
    from research.scanning.check import ThemeCheck, fit_model
    from research.scanning.validation import ThemeEvaluation

    rows = []
    for name, path, veto, add, c in OTHER_RULES:
        taxonomy = scanning.load_taxonomy(path)
        model = fitted if c == fitted.c else fit_model(seen_texts, seen_labels,
                                                       taxonomy.keys, c=c)
        matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
        checked = ThemeCheck(model, "", 0, veto=veto, add=add).apply(matched, texts, taxonomy)
        version = "shipped" if path is None else path.stem.split("_")[-1]
        rows.append((f"{name}: taxonomy {version} checked at {veto}/{add}, classifier C={c:g}",
                     ThemeEvaluation(labels, checked["themes"].tolist(), taxonomy).per_theme))
    return rows


def _errors(table: pd.DataFrame) -> int:
    """False alarms plus misses, summed over the themes of a per-theme table."""
    return int(((table["predicted"] - table["correct"])
                + (table["labelled"] - table["correct"])).sum())


def _out_of_fold(make, texts: list[str], labels: list[list[str]], folds: int = 4
                 ) -> list[list[str]]:
    """Each text's themes predicted by a classifier trained on the other folds."""
    predicted: list[list[str]] = [[] for _ in texts]
    for fold in range(folds):
        held = [i for i in range(len(texts)) if i % folds == fold]
        kept = [i for i in range(len(texts)) if i % folds != fold]
        model = make().fit([texts[i] for i in kept], [labels[i] for i in kept])
        for i, themes in zip(held, model.predict([texts[i] for i in held])):
            predicted[i] = themes
    return predicted


if __name__ == "__main__":
    sys.exit(main())
