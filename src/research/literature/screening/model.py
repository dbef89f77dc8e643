"""Features and the relevance model.

- Features: TF-IDF over title (counted twice) + abstract, words lemmatised with simplemma,
  Swedish and English stop words removed, fitted once on the whole collection (as ASReview
  does).
- Model: a linear classifier with sklearn conventions (see :class:`RelevanceModel`),
  retrained on the decisions so far; :data:`DEFAULT_MODEL` is the setting chosen across the
  development sets (``benchmarks/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputDataError, ParameterError
from ...text.core import STOP_WORDS, guess_language, lemma, tokenize

__all__ = [
    "MODELS",
    "DEFAULT_MODEL",
    "record_texts",
    "build_features",
    "RelevanceModel",
]

MODELS = ("logistic", "svm", "nb", "ensemble", "svm-nb")
# The default screening setting, chosen by simulation across four labelled development sets
# (benchmarks/screening_simulation.py, figures in benchmarks/README.md).
DEFAULT_MODEL: dict[str, Any] = {"model": "svm", "C": 0.2, "ngram_max": 1,
                                 "pseudo_negatives": 100, "pseudo_until": 0.25}


def record_texts(records: pd.DataFrame) -> list[str]:
    """Title + abstract of each record as one string (missing parts are empty)."""
    for column in ("title",):
        if column not in records.columns:
            raise InputDataError(f"The records have no {column!r} column.",
                                 hint="a screening table needs at least a title column",
                                 column=column)
    title = records["title"].fillna("").astype(str)
    abstract = (records["abstract"].fillna("").astype(str) if "abstract" in records.columns
                else pd.Series("", index=records.index))
    return (title + " " + title + " " + abstract).str.strip().tolist()


def _lemmatised_text(text: str) -> str:
    language = "sv" if guess_language(text) == "sv" else "en"
    return " ".join(lemma(token, language) for token in tokenize(text)
                    if len(token) > 1 and token not in STOP_WORDS)


def build_features(texts: Sequence[str], *, ngram_max: int = 1, min_df: int = 2,
                   max_df: float = 0.5, lemmatize: bool = True) -> Any:
    """TF-IDF matrix (sparse, L2-normalised rows) over ``texts``.

    Tokens are lower-case words without Swedish/English stop words, lemmatised with
    simplemma (language guessed per text) unless ``lemmatize=False``; n-grams up to
    ``ngram_max``; sub-linear term frequency; terms in fewer than ``min_df`` texts or
    more than ``max_df`` of them are dropped (``min_df`` falls back to 1 for tiny
    collections).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [str(t) for t in texts]
    if lemmatize:
        documents = [_lemmatised_text(t) for t in documents]
        options: dict[str, Any] = {"token_pattern": r"\S+", "lowercase": False}
    else:
        options = {"stop_words": sorted(w for w in STOP_WORDS if w.isalpha()),
                   "token_pattern": r"(?u)\b[^\W\d_][^\W\d_]+\b", "lowercase": True}
    for low in (min_df, 1):
        vectorizer = TfidfVectorizer(ngram_range=(1, ngram_max), min_df=low,
                                     max_df=max_df if low > 1 else 1.0, sublinear_tf=True,
                                     dtype=np.float64, **options)
        try:
            return vectorizer.fit_transform(documents)
        except ValueError:  # empty vocabulary after pruning
            continue
    raise InputDataError("No words to learn from in the titles and abstracts.",
                         hint="check that the records have titles or abstracts")


class RelevanceModel:
    """A linear relevance classifier with sklearn conventions.

    Parameters
    ----------
    model
        ``"svm"`` (linear SVM, default), ``"logistic"`` (logistic regression), both with
        balanced class weights; ``"nb"`` (multinomial naive Bayes with balanced sample
        weights), ``"ensemble"`` (mean rank of logistic regression and naive Bayes) or
        ``"svm-nb"`` (mean rank of the linear SVM and naive Bayes).
    C
        Inverse regularisation strength for ``svm`` and ``logistic``.
    seed
        Random state for the solver.
    alpha
        Smoothing of naive Bayes.
    """

    def __init__(self, model: str = "svm", C: float = 0.2, seed: int = 0,
                 alpha: float = 3.822) -> None:
        self.model = model
        self.C = C
        self.seed = seed
        self.alpha = alpha

    def _estimator(self) -> Any:
        if self.model == "logistic":
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear",
                                      random_state=self.seed)
        if self.model == "svm":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        if self.model == "nb":
            from sklearn.naive_bayes import MultinomialNB

            return MultinomialNB(alpha=self.alpha)
        raise ParameterError(f"Unknown model {self.model!r}.", hint=f"use one of {MODELS}",
                             parameter="model")

    def check(self) -> RelevanceModel:
        """Refuse an unknown model or a non-positive ``C``/``alpha`` (ParameterError)."""
        if self.model not in MODELS:
            raise ParameterError(f"Unknown model {self.model!r}.",
                                 hint=f"use one of {', '.join(MODELS)}", parameter="model")
        for name in ("C", "alpha"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not np.isfinite(value) or value <= 0:
                raise ParameterError(f"{name} must be a positive number, got {value!r}.",
                                     hint=f"e.g. {name}=0.2" if name == "C" else None,
                                     parameter=name)
        return self

    def fit(self, features: Any, labels: Sequence[int]) -> RelevanceModel:
        """Fit on labelled rows (``labels`` 0/1); needs both classes."""
        self.check()
        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ParameterError("The model needs at least one included and one excluded "
                                 "record.", hint="screen a few records first",
                                 parameter="labels")
        if self.model in ("ensemble", "svm-nb"):
            first = RelevanceModel("logistic", C=10.0, seed=self.seed) \
                if self.model == "ensemble" else RelevanceModel("svm", C=self.C, seed=self.seed)
            self.members_ = [first.fit(features, y),
                             RelevanceModel("nb", alpha=self.alpha, seed=self.seed).fit(features, y)]
            return self
        estimator = self._estimator()
        if self.model == "nb":
            weights = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
            estimator.fit(features, y, sample_weight=weights)
        else:
            estimator.fit(features, y)
        self.estimator_ = estimator
        return self

    def score(self, features: Any) -> np.ndarray:
        """Relevance score per row (higher = more likely relevant)."""
        if self.model in ("ensemble", "svm-nb"):
            from scipy.stats import rankdata

            ranks = [rankdata(m.score(features)) for m in self.members_]
            return np.mean(ranks, axis=0) / max(1, features.shape[0])
        if self.model == "nb":
            return self.estimator_.predict_log_proba(features)[:, 1] - \
                self.estimator_.predict_log_proba(features)[:, 0]
        return np.asarray(self.estimator_.decision_function(features), dtype=float)
