"""The optional supervised theme classifier, trained on items coordinators have labelled.

TF-IDF on word keys (lemmas, ``-ism`` families folded) and one-vs-rest logistic
regression; cross-validated per theme so the briefing can show how well it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, SchemaError
from ..io.tables import read_table
from ..paths import resolve
from ..text.core import STOP_WORDS
from .corpus import item_texts, tokens
from .themes import Taxonomy, word_key

__all__ = ["read_labelled_items", "ThemeClassifier", "classifier_report"]


def read_labelled_items(path: str | Path, taxonomy: Taxonomy) -> pd.DataFrame:
    """Read a labelled CSV of earlier items: ``title``, ``text`` (or ``summary``), ``themes``.

    ``themes`` holds theme keys separated by ``;`` (empty = no theme). UTF-8, UTF-8 with BOM
    and cp1252 are accepted; comma, semicolon or tab separated, or XLSX
    (:func:`research.io.tables.read_table`).

    Raises
    ------
    InputDataError
        Missing or unreadable file (see :func:`research.io.tables.read_table`).
    SchemaError
        Missing columns, or an unknown theme key (naming the row and the key).
    """
    target = resolve(path)
    frame = read_table(target, what="labelled items", parameter="classifier_labels")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    body = "text" if "text" in frame.columns else "summary"
    for column in ("title", body, "themes"):
        if column not in frame.columns:
            raise SchemaError(f"{target} has no column '{column}'.",
                              hint="the labelled CSV needs the columns title, text, themes",
                              file=str(target), column=column)
    labels: list[list[str]] = []
    for row, value in enumerate(frame["themes"], start=2):
        keys = [k.strip() for k in str(value).replace(",", ";").split(";") if k.strip()]
        unknown = [k for k in keys if k not in taxonomy.themes]
        if unknown:
            raise SchemaError(f"{target}, row {row}: unknown theme key {unknown[0]!r}.",
                              hint=f"use the taxonomy's keys: {', '.join(taxonomy.keys)}",
                              file=str(target), row=row, column="themes")
        labels.append(keys)
    return pd.DataFrame({"text": (frame["title"] + ". " + frame[body]).tolist(),
                         "themes": labels})


class ThemeClassifier:
    """A supervised multi-label theme classifier (TF-IDF + one-vs-rest logistic regression).

    Parameters
    ----------
    keys
        The theme keys to learn (themes with fewer than ``min_examples`` positive examples
        are left out and reported).
    min_examples
        Fewest labelled items per theme needed to train and evaluate it.
    seed
        Random state of the cross-validation folds and the solver.
    """

    def __init__(self, keys: Sequence[str], *, min_examples: int = 5, seed: int = 1) -> None:
        self.keys = list(keys)
        self.min_examples = min_examples
        self.seed = seed

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(analyzer=_lemma_analyzer, sublinear_tf=True, min_df=1),
            OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=1000,
                                                   random_state=self.seed)))

    def _matrix(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        matrix = np.array([[k in set(row) for k in self.keys] for row in labels], dtype=int)
        counts = matrix.sum(axis=0)
        self.trained_keys_ = [k for k, c in zip(self.keys, counts)
                              if self.min_examples <= c <= len(labels) - self.min_examples]
        return matrix[:, [self.keys.index(k) for k in self.trained_keys_]]

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> ThemeClassifier:
        """Train on texts and their theme keys; returns ``self``."""
        target = self._matrix(labels)
        if not self.trained_keys_:
            raise ParameterError("No theme has enough labelled examples to train on.",
                                 hint=f"label at least {self.min_examples} items per theme",
                                 parameter="classifier_labels")
        self.model_ = self._pipeline().fit(list(texts), target)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Predicted theme keys per text."""
        predicted = np.asarray(self.model_.predict(list(texts)))
        return [[k for k, on in zip(self.trained_keys_, row) if on] for row in predicted]

    def cross_validate(self, texts: Sequence[str], labels: Sequence[Sequence[str]], *,
                       folds: int = 5) -> pd.DataFrame:
        """Cross-validated precision, recall and F1 per theme (stratification-free K-fold).

        Columns: theme, examples, precision, recall, f1.
        """
        from sklearn.metrics import precision_recall_fscore_support
        from sklearn.model_selection import KFold, cross_val_predict

        target = self._matrix(labels)
        if not self.trained_keys_:
            return pd.DataFrame(columns=["theme", "examples", "precision", "recall", "f1"])
        splitter = KFold(n_splits=min(folds, len(texts)), shuffle=True, random_state=self.seed)
        predicted = cross_val_predict(self._pipeline(), list(texts), target, cv=splitter)
        precision, recall, f1, support = precision_recall_fscore_support(
            target, predicted, average=None, zero_division=0)
        return pd.DataFrame({"theme": self.trained_keys_, "examples": support.astype(int),
                             "precision": precision.round(3), "recall": recall.round(3),
                             "f1": f1.round(3)})


def _lemma_analyzer(text: str) -> list[str]:
    return [word_key(t) for t in tokens(text) if len(t) > 2 and t not in STOP_WORDS]


def classifier_report(path: str | Path | None, items: pd.DataFrame, taxonomy: Taxonomy, *,
                      seed: int = 1) -> tuple[pd.DataFrame, pd.Series | None]:
    """Train the classifier from a labelled CSV, cross-validate it and predict ``items``.

    Returns the per-theme metrics (with Swedish ``label``) and the predicted theme keys
    per item (``None`` when no path is given).
    """
    empty = pd.DataFrame(columns=["theme", "label", "examples", "precision", "recall", "f1"])
    if path is None or str(path).strip() == "":
        return empty, None
    labelled = read_labelled_items(path, taxonomy)
    classifier = ThemeClassifier(taxonomy.keys, seed=seed)
    metrics = classifier.cross_validate(labelled["text"].tolist(), labelled["themes"].tolist())
    metrics.insert(1, "label", [taxonomy.label(k) for k in metrics["theme"]])
    classifier.fit(labelled["text"].tolist(), labelled["themes"].tolist())
    predicted = pd.Series(classifier.predict(item_texts(items)) if len(items) else [],
                          index=items.index, dtype=object)
    return metrics, predicted

