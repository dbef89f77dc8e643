"""How well a taxonomy assigns themes on hand-labelled text: precision, recall, false alarms.

The development corpus (``data/dev/omvarld_teman/dokument.csv``) holds short Swedish texts
written in the styles of the sources (news, press releases, reports, meeting notes) and
labelled by hand per theme, with fixed splits: ``utveckling`` (used while tuning the
taxonomy), ``utvardering`` (the first held-out half, looked at after several tuning rounds),
``utvardering2`` to ``utvardering13`` (held-out batches measured once each; the taxonomy
or the check was tuned on the errors of most, and the classifier trains on all of them;
the last eleven by independent authors) — none of them a clean test any more — and
``utvardering14`` (fresh batches written by an eighteenth and a nineteenth author, each
alone and without having seen the taxonomy or the matcher, after the last tuning,
measured once: :data:`HELD_OUT`, what the briefing reports). Documents with no label are the unrelated ones, many of them hard
negatives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..io.tables import read_table
from ..paths import resolve
from .corpus import build_corpus
from .themes import Taxonomy, match_themes

__all__ = ["DEV_CORPUS", "TUNING", "OLD_HELD_OUT", "TUNED_ON_ERRORS", "HELD_OUT", "MEASURED",
           "measured_since",
           "read_labelled_corpus",
           "ThemeEvaluation", "evaluate_themes"]

DEV_CORPUS = "data/dev/omvarld_teman/dokument.csv"
#: The corpus's splits: tuned on; held out but looked at; fresh, measured once.
TUNING, OLD_HELD_OUT, HELD_OUT = "utveckling", "utvardering", "utvardering14"
#: Each measured once as the fresh batch, then its errors were read and the taxonomy tuned
#: on them (v5 on the first, v6 on the second … v12 on the eighth, v13 on the tenth); the
#: ninth was not read but chose the check's cut-offs with the others (batches left out in
#: turn, ``benchmarks/theme_cv.py``); the eleventh was read and chose the tenth round's
#: candidate; the twelfth was read after its second labelling and fixes tried on it (none
#: adopted).
TUNED_ON_ERRORS = ("utvardering2", "utvardering3", "utvardering4", "utvardering5",
                   "utvardering6", "utvardering7", "utvardering8", "utvardering9",
                   "utvardering10", "utvardering11", "utvardering12", "utvardering13")
#: The held-out batches in the order they were measured, the fresh one last.
MEASURED = (*TUNED_ON_ERRORS, HELD_OUT)


def measured_since(split: str) -> tuple[str, ...]:
    """``split`` and every batch measured after it (:data:`MEASURED`): what a classifier
    must be trained without to measure ``split`` as it was measured then, before the later
    batches existed (just ``split`` for one that is not a measured batch)."""
    return MEASURED[MEASURED.index(split):] if split in MEASURED else (split,)


def read_labelled_corpus(path: str | Path = DEV_CORPUS, *, split: str | None = None
                         ) -> pd.DataFrame:
    """Read a labelled corpus (``id, split, style, themes, title, text``); ``themes`` holds
    theme keys separated by ``;``. ``split`` keeps one split (e.g. :data:`HELD_OUT`)."""
    frame = read_table(resolve(path), what="labelled corpus", parameter="evaluation_corpus")
    for column in ("themes", "title", "text"):
        if column not in frame.columns:
            raise SchemaError(f"{path} has no column '{column}'.",
                              hint="the corpus needs id, split, themes, title and text",
                              file=str(path), column=column)
    if split is not None and "split" in frame.columns:
        frame = frame[frame["split"] == split].reset_index(drop=True)
    frame["labels"] = [[k for k in value.split(";") if k] for value in frame["themes"]]
    return frame


class ThemeEvaluation:
    """Per-theme precision and recall of predicted against hand-labelled themes.

    Attributes
    ----------
    per_theme : DataFrame
        theme, label, labelled (positives), predicted, correct, precision, recall,
        unrelated_rate (share of the unlabelled documents that got the theme).
    confusion : DataFrame
        For each theme, the predicted themes of its missed and its wrongly tagged documents.
    """

    def __init__(self, labels: list[list[str]], predicted: list[list[str]],
                 taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        unrelated = np.array([not row for row in labels])
        rows, confusion = [], []
        for key in taxonomy.keys:
            truth = np.array([key in row for row in labels])
            guess = np.array([key in row for row in predicted])
            correct = int((truth & guess).sum())
            rows.append({
                "theme": key, "label": taxonomy.label(key), "labelled": int(truth.sum()),
                "predicted": int(guess.sum()), "correct": correct,
                "precision": correct / guess.sum() if guess.any() else np.nan,
                "recall": correct / truth.sum() if truth.any() else np.nan,
                "unrelated_rate": guess[unrelated].mean() if unrelated.any() else np.nan,
            })
            false_alarms = [labels[i] for i in np.flatnonzero(guess & ~truth)]
            confusion.append({
                "theme": key, "missed": int((truth & ~guess).sum()),
                "false_alarms": int((guess & ~truth).sum()),
                "false_alarms_unrelated": int((guess & unrelated).sum()),
                "false_alarm_true_themes": "; ".join(sorted({k for row in false_alarms
                                                             for k in row})),
            })
        self.per_theme = pd.DataFrame(rows)
        self.confusion = pd.DataFrame(confusion)
        self.n_documents = len(labels)
        self.n_unrelated = int(unrelated.sum())


def evaluate_themes(taxonomy: Taxonomy, path: str | Path = DEV_CORPUS, *,
                    split: str | None = HELD_OUT, check: Any = None) -> ThemeEvaluation:
    """Match ``taxonomy`` on a labelled corpus and compare with the hand labels (with
    ``check``, a :class:`~research.scanning.check.ThemeCheck`, the checked themes)."""
    corpus = read_labelled_corpus(path, split=split)
    texts = (corpus["title"] + ". " + corpus["text"]).tolist()
    matched = match_themes(build_corpus(texts), taxonomy)
    if check is not None:
        matched = check.apply(matched, texts, taxonomy)
    return ThemeEvaluation(corpus["labels"].tolist(), matched["themes"].tolist(), taxonomy)
