"""Features and the relevance model.

- Features: TF-IDF over title + abstract, fitted once on the whole collection (as ASReview
  does). By default two TF-IDF matrices side by side: the words as written (lower-cased,
  digits kept) and the words lemmatised with simplemma, each with uni- and bigrams,
  sub-linear term frequency and no stop-word list; one of the two alone, a Swedish and
  English stop-word list and a doubled title are options.
- Model: a linear classifier with sklearn conventions (see :class:`RelevanceModel`),
  retrained on the decisions so far, with the relevant class weighted ``ratio`` times the
  irrelevant one in total; :data:`DEFAULT_MODEL` is the setting chosen across the
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
    "WORD_FORMS",
    "DEFAULT_MODEL",
    "FEATURE_OPTIONS",
    "feature_options",
    "features_description_sv",
    "FEATURES_SV",
    "record_texts",
    "build_features",
    "balance_weights",
    "RelevanceModel",
]

MODELS = ("logistic", "svm", "nb", "ensemble", "svm-nb")
WORD_FORMS = ("raw", "lemma", "raw+lemma")
# The default screening setting, chosen by simulation across four labelled development sets
# (benchmarks/screening_simulation.py, figures in benchmarks/README.md).
DEFAULT_MODEL: dict[str, Any] = {"model": "svm", "C": 0.11, "ratio": 9.8, "ngram_max": 2,
                                 "words": "raw+lemma", "stop_words": False, "title_twice": False,
                                 "min_df": 1, "max_df": 0.95,
                                 "pseudo_negatives": 100, "pseudo_until": 0.25}
# The keys of DEFAULT_MODEL that belong to the features (build_features / record_texts)
FEATURE_OPTIONS = ("ngram_max", "words", "stop_words", "min_df", "max_df")


def feature_options(settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The :func:`build_features` keyword arguments in ``settings`` (default
    :data:`DEFAULT_MODEL`)."""
    settings = DEFAULT_MODEL if settings is None else settings
    return {k: settings[k] for k in FEATURE_OPTIONS if k in settings}


def features_description_sv(settings: dict[str, Any] | None = None) -> str:
    """What the features are, in Swedish for the briefing (default :data:`DEFAULT_MODEL`)."""
    settings = DEFAULT_MODEL if settings is None else settings
    unit = "ord och ordpar" if settings.get("ngram_max", 1) >= 2 else "ord"
    form = {"lemma": "lemmatiserade " + unit,
            "raw+lemma": unit + " både som de står och lemmatiserade"}.get(
        settings.get("words", "raw"), unit + " som de står")
    parts = [form + " i titel och sammanfattning"]
    parts.append("svenska och engelska stoppord borttagna" if settings.get("stop_words")
                 else "utan stoppordslista")
    if settings.get("title_twice"):
        parts.append("titeln räknad två gånger")
    return ", ".join(parts)


FEATURES_SV = features_description_sv()


def record_texts(records: pd.DataFrame, *,
                 title_twice: bool = DEFAULT_MODEL["title_twice"]) -> list[str]:
    """Title + abstract of each record as one string (missing parts are empty); the title
    twice when ``title_twice``."""
    for column in ("title",):
        if column not in records.columns:
            raise InputDataError(f"The records have no {column!r} column.",
                                 hint="a screening table needs at least a title column",
                                 column=column)
    title = records["title"].fillna("").astype(str)
    abstract = (records["abstract"].fillna("").astype(str) if "abstract" in records.columns
                else pd.Series("", index=records.index))
    head = title + " " + title if title_twice else title
    return (head + " " + abstract).str.strip().tolist()


def _lemmatised_text(text: str, stop_words: bool) -> str:
    language = "sv" if guess_language(text) == "sv" else "en"
    return " ".join(lemma(token, language) for token in tokenize(text)
                    if len(token) > 1 and not (stop_words and token in STOP_WORDS))


def build_features(texts: Sequence[str], *, ngram_max: int = DEFAULT_MODEL["ngram_max"],
                   min_df: int = DEFAULT_MODEL["min_df"],
                   max_df: float = DEFAULT_MODEL["max_df"],
                   words: str = DEFAULT_MODEL["words"],
                   stop_words: bool = DEFAULT_MODEL["stop_words"],
                   lemmatize: bool | None = None) -> Any:
    """TF-IDF matrix (sparse, L2-normalised rows) over ``texts``.

    ``words="raw"``: lower-cased words of two or more letters or digits as written;
    ``"lemma"``: words lemmatised with simplemma (language guessed per text);
    ``"raw+lemma"``: both side by side (each row still of unit length).
    ``stop_words`` drops the Swedish/English stop words; n-grams up to ``ngram_max``;
    sub-linear term frequency; terms in fewer than ``min_df`` texts or more than ``max_df``
    of them are dropped (``min_df`` falls back to 1 and ``max_df`` to 1.0 for tiny
    collections). ``lemmatize`` (older spelling) overrides ``words`` when given.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if lemmatize is not None:
        words = "lemma" if lemmatize else "raw"
    if words not in WORD_FORMS:
        raise ParameterError(f"Unknown word form {words!r}.",
                             hint=f"use one of {', '.join(WORD_FORMS)}", parameter="words")
    for name, value, low in (("ngram_max", ngram_max, 1), ("min_df", min_df, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{name} must be a whole number ≥ {low}, got {value!r}.",
                                 parameter=name)
    if isinstance(max_df, bool) or not isinstance(max_df, (int, float)) or \
            not 0 < max_df <= 1:
        raise ParameterError(f"max_df must be a share in (0, 1], got {max_df!r}.",
                             hint="e.g. 0.95", parameter="max_df")
    if words == "raw+lemma":
        from scipy.sparse import hstack

        parts = [build_features(texts, ngram_max=ngram_max, min_df=min_df, max_df=max_df,
                                words=form, stop_words=stop_words) for form in ("raw", "lemma")]
        return (hstack(parts).tocsr() / np.sqrt(2.0)).astype(np.float64)
    documents = [str(t) for t in texts]
    if words == "lemma":
        documents = [_lemmatised_text(t, stop_words) for t in documents]
        options: dict[str, Any] = {"token_pattern": r"\S+", "lowercase": False}
    else:
        options = {"token_pattern": r"(?u)\b\w\w+\b", "lowercase": True}
        if stop_words:
            options["stop_words"] = sorted(w for w in STOP_WORDS if w.isalpha())
    for low, high in ((min_df, max_df), (1, 1.0)):
        vectorizer = TfidfVectorizer(ngram_range=(1, ngram_max), min_df=low, max_df=high,
                                     sublinear_tf=True, dtype=np.float64, **options)
        try:
            return vectorizer.fit_transform(documents)
        except ValueError:  # empty vocabulary after pruning
            continue
    raise InputDataError("No words to learn from in the titles and abstracts.",
                         hint="check that the records have titles or abstracts")


def balance_weights(labels: Sequence[int], ratio: float | None) -> np.ndarray:
    """Sample weights that give the relevant records ``ratio`` times the total weight of
    the irrelevant ones (``None``: equal totals, sklearn's "balanced"); they sum to the
    number of records.

    Few relevant records among many irrelevant ones would otherwise teach a classifier to
    call everything irrelevant; ASReview's "balanced" strategy weights the same way.
    """
    y = np.asarray(labels, dtype=int)
    n_relevant, n_irrelevant = int(y.sum()), int(len(y) - y.sum())
    share = 1.0 if ratio is None else float(ratio)
    weights = np.where(y == 1, 1.0, n_relevant / (share * n_irrelevant))
    return weights * (len(y) / weights.sum())


class RelevanceModel:
    """A linear relevance classifier with sklearn conventions.

    Parameters
    ----------
    model
        ``"svm"`` (linear SVM, default), ``"logistic"`` (logistic regression), ``"nb"``
        (multinomial naive Bayes), ``"ensemble"`` (mean rank of logistic regression and
        naive Bayes) or ``"svm-nb"`` (mean rank of the linear SVM and naive Bayes).
    C
        Inverse regularisation strength for ``svm`` and ``logistic``.
    seed
        Random state for the solver.
    alpha
        Smoothing of naive Bayes.
    ratio
        Total weight of the relevant records over that of the irrelevant ones in training
        (see :func:`balance_weights`; ``None`` = equal totals).
    """

    def __init__(self, model: str = DEFAULT_MODEL["model"], C: float = DEFAULT_MODEL["C"],
                 seed: int = 0, alpha: float = 3.822,
                 ratio: float | None = DEFAULT_MODEL["ratio"]) -> None:
        self.model = model
        self.C = C
        self.seed = seed
        self.alpha = alpha
        self.ratio = ratio

    def _estimator(self) -> Any:
        if self.model == "logistic":
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=self.C, solver="liblinear", random_state=self.seed)
        if self.model == "svm":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=self.C, random_state=self.seed)
        if self.model == "nb":
            from sklearn.naive_bayes import MultinomialNB

            return MultinomialNB(alpha=self.alpha)
        raise ParameterError(f"Unknown model {self.model!r}.", hint=f"use one of {MODELS}",
                             parameter="model")

    def check(self) -> RelevanceModel:
        """Refuse an unknown model or a non-positive ``C``/``alpha``/``ratio``
        (ParameterError)."""
        if self.model not in MODELS:
            raise ParameterError(f"Unknown model {self.model!r}.",
                                 hint=f"use one of {', '.join(MODELS)}", parameter="model")
        for name in ("C", "alpha", "ratio"):
            value = getattr(self, name)
            if name == "ratio" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not np.isfinite(value) or value <= 0:
                hint = {"C": "e.g. C=0.11", "ratio": "e.g. ratio=9.8, or None for equal "
                        "weight of both classes"}.get(name)
                raise ParameterError(f"{name} must be a positive number, got {value!r}.",
                                     hint=hint, parameter=name)
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
            first = RelevanceModel("logistic", C=10.0, seed=self.seed, ratio=self.ratio) \
                if self.model == "ensemble" else \
                RelevanceModel("svm", C=self.C, seed=self.seed, ratio=self.ratio)
            self.members_ = [first.fit(features, y),
                             RelevanceModel("nb", alpha=self.alpha, seed=self.seed,
                                            ratio=self.ratio).fit(features, y)]
            return self
        estimator = self._estimator()
        estimator.fit(features, y, sample_weight=balance_weights(y, self.ratio))
        self.estimator_ = estimator
        return self

    def score(self, features: Any) -> np.ndarray:
        """Relevance score per row (higher = more likely relevant)."""
        if self.model in ("ensemble", "svm-nb"):
            from scipy.stats import rankdata

            ranks = [rankdata(m.score(features)) for m in self.members_]
            return np.mean(ranks, axis=0) / max(1, features.shape[0])
        if self.model == "nb":
            log_proba = self.estimator_.predict_log_proba(features)
            return log_proba[:, 1] - log_proba[:, 0]
        return np.asarray(self.estimator_.decision_function(features), dtype=float)
