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


def read_labelled_items(path: str | Path, taxonomy: Taxonomy, *,
                        parameter: str = "classifier_labels") -> pd.DataFrame:
    """Read a labelled CSV of earlier items: ``title``, ``text`` (or ``summary``), ``themes``.

    ``themes`` holds theme keys separated by ``;`` (empty = no theme). UTF-8, UTF-8 with BOM
    and cp1252 are accepted; comma, semicolon or tab separated, or XLSX
    (:func:`research.io.tables.read_table`). ``parameter`` is the parameter an error names.

    Raises
    ------
    InputDataError
        Missing or unreadable file (see :func:`research.io.tables.read_table`).
    SchemaError
        Missing columns, or an unknown theme key (naming the row and the key).
    """
    target = resolve(path)
    frame = read_table(target, what="labelled items", parameter=parameter)
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
    result = pd.DataFrame({"text": (frame["title"] + ". " + frame[body]).tolist(),
                           "themes": labels})
    if "split" in frame.columns:  # a development corpus's splits (see validation)
        result["split"] = frame["split"].astype(str).tolist()
    return result


class ThemeClassifier:
    """A supervised multi-label theme classifier with a decision threshold per theme.

    Features: TF-IDF of word keys (lemmas, ``-ism`` families folded) and of character
    3–5-grams within words, so that the parts of Swedish compounds ("gängkriminaliteten",
    "terrorhotnivån") count; one logistic regression per theme (class weights balanced).
    With a few labelled examples per theme, a probability of 0.5 is the wrong cut-off (it
    gave recall 0.00–0.43 on the development corpus), so each theme's threshold is chosen
    on out-of-fold probabilities of the training data: the one with the best F1, the higher
    one on a tie. :meth:`cross_validate` chooses the thresholds inside each fold (nested),
    so its figures never see the texts they score.

    Parameters
    ----------
    keys
        The theme keys to learn (themes with fewer than ``min_examples`` positive examples
        are left out and reported).
    min_examples
        Fewest labelled items per theme needed to train and evaluate it.
    seed
        Random state of the cross-validation folds and the solver.
    folds
        Folds of the inner cross-validation that chooses the thresholds (1: none, every
        threshold 0.5).
    parameter
        The parameter whose labelled file trains it (named in its errors).
    c
        Inverse regularisation strength of the logistic regressions (scikit-learn's
        ``C``); larger trusts the training texts more.
    """

    def __init__(self, keys: Sequence[str], *, min_examples: int = 5, seed: int = 1,
                 folds: int = 4, parameter: str = "classifier_labels", c: float = 10.0
                 ) -> None:
        if not c > 0:
            raise ParameterError(f"The classifier's regularisation c must be positive, not {c}.",
                                 parameter=parameter)
        self.c = float(c)
        self.keys = list(keys)
        self.min_examples = min_examples
        self.seed = seed
        self.folds = folds
        self.parameter = parameter

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline, make_union

        return make_pipeline(
            make_union(TfidfVectorizer(analyzer=_lemma_analyzer, sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                       sublinear_tf=True, min_df=2, lowercase=True)),
            OneVsRestClassifier(LogisticRegression(C=self.c,
                                                   class_weight="balanced",
                                                   solver="liblinear",
                                                   random_state=self.seed)))

    def _matrix(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        matrix = np.array([[k in set(row) for k in self.keys] for row in labels], dtype=int)
        counts = matrix.sum(axis=0)
        self.trained_keys_ = [k for k, c in zip(self.keys, counts)
                              if self.min_examples <= c <= len(labels) - self.min_examples]
        return matrix[:, [self.keys.index(k) for k in self.trained_keys_]]

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> ThemeClassifier:
        """Train on texts and their theme keys, choosing each theme's threshold on
        out-of-fold probabilities; returns ``self``."""
        from sklearn.model_selection import KFold, cross_val_predict

        texts = list(texts)
        target = self._matrix(labels)
        if not self.trained_keys_:
            raise ParameterError("No theme has enough labelled examples to train on.",
                                 hint=f"label at least {self.min_examples} items per theme",
                                 parameter=self.parameter)
        folds = min(self.folds, len(texts))
        if folds >= 2:
            splitter = KFold(n_splits=folds, shuffle=True, random_state=self.seed)
            with _quiet_fits():
                scores = _positive(cross_val_predict(self._pipeline(), texts,
                                                     _fit_target(target), cv=splitter,
                                                     method="predict_proba"),
                                   target.shape[1])
            self.thresholds_ = np.array([_best_threshold(target[:, j], scores[:, j])
                                         for j in range(target.shape[1])])
        else:
            self.thresholds_ = np.full(target.shape[1], 0.5)
        with _quiet_fits():
            self.model_ = self._pipeline().fit(texts, _fit_target(target))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability per text (rows) and trained theme (columns, ``trained_keys_``)."""
        return _positive(np.asarray(self.model_.predict_proba(list(texts))),
                         len(self.trained_keys_))

    def top_words(self, text: str, key: str, n: int | None = 3) -> list[str]:
        """The word keys of ``text`` that weighed most towards theme ``key`` (its lemma
        features times their coefficients, positive ones only), heaviest first; ``n=None``
        gives all of them."""
        union, forest = self.model_.steps[0][1], self.model_.steps[1][1]
        lemmas = union.transformer_list[0][1]
        if not hasattr(self, "_lemma_names"):
            self._lemma_names = lemmas.get_feature_names_out()
        coef = forest.estimators_[self.trained_keys_.index(key)].coef_.ravel()
        row = lemmas.transform([text]).tocoo()
        weights = row.data * coef[:len(self._lemma_names)][row.col]
        order = [j for j in np.argsort(-weights) if weights[j] > 0]
        return [str(self._lemma_names[row.col[j]]) for j in order[:n]]

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Predicted theme keys per text."""
        if not len(texts):
            return []
        on = self.predict_proba(texts) >= self.thresholds_
        return [[k for k, hit in zip(self.trained_keys_, row) if hit] for row in on]

    def cross_validate(self, texts: Sequence[str], labels: Sequence[Sequence[str]], *,
                       folds: int = 5) -> pd.DataFrame:
        """Cross-validated precision, recall and F1 per theme (stratification-free K-fold;
        thresholds chosen inside each training fold).

        Columns: theme, examples, precision, recall, f1.
        """
        from sklearn.metrics import precision_recall_fscore_support
        from sklearn.model_selection import KFold

        texts, labels = list(texts), [list(row) for row in labels]
        target = self._matrix(labels)
        keys = list(self.trained_keys_)
        if not keys:
            return pd.DataFrame(columns=["theme", "examples", "precision", "recall", "f1"])
        predicted = np.zeros_like(target)
        splitter = KFold(n_splits=min(folds, len(texts)), shuffle=True, random_state=self.seed)
        for train, test in splitter.split(texts):
            inner = ThemeClassifier(keys, min_examples=1, seed=self.seed, folds=self.folds,
                                    c=self.c)
            try:
                inner.fit([texts[i] for i in train], [labels[i] for i in train])
            except ParameterError:  # no theme in this fold's training part
                continue
            rows = inner.predict([texts[i] for i in test])
            for i, row in zip(test, rows):
                predicted[i] = [k in row for k in keys]
        self.trained_keys_ = keys
        precision, recall, f1, support = precision_recall_fscore_support(
            target, predicted, average=None, zero_division=0)
        return pd.DataFrame({"theme": keys, "examples": support.astype(int),
                             "precision": precision.round(3), "recall": recall.round(3),
                             "f1": f1.round(3)})


def _fit_target(target: np.ndarray) -> np.ndarray:
    """The label matrix as scikit-learn takes it: a single theme as one binary vector."""
    return target[:, 0] if target.shape[1] == 1 else target


def _positive(proba: np.ndarray, n_keys: int) -> np.ndarray:
    """Probabilities per trained theme. With a single theme scikit-learn sees a binary
    problem and gives two columns (absent, present): the second is the theme's."""
    if n_keys == 1 and proba.ndim == 2 and proba.shape[1] == 2:
        return proba[:, 1:]
    return proba


def _best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The probability cut-off with the best F1 on ``scores``: of the cut-offs with the
    best F1 the highest, moved half-way down to the next lower score (a margin, not the
    edge of the lowest positive); 0.5 when the theme has no positive example."""
    if truth.sum() == 0:
        return 0.5
    cuts = sorted(set(scores.tolist()), reverse=True)
    best, best_f1 = 0, -1.0
    for number, cut in enumerate(cuts):
        guess = scores >= cut
        correct = float((guess & (truth == 1)).sum())
        f1 = 2 * correct / (guess.sum() + truth.sum())
        if f1 > best_f1 + 1e-12:
            best, best_f1 = number, f1
    below = cuts[best + 1] if best + 1 < len(cuts) else 0.0
    return float((cuts[best] + below) / 2)


class _quiet_fits:
    """Silence scikit-learn's warnings about a theme absent from one fold (the
    one-vs-rest model then predicts it never, which is what the fold shows)."""

    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.filterwarnings("ignore", message=".*Label not .* present.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)


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

