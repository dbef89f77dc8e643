"""Title/abstract screening with active learning.

- Features: TF-IDF over title (counted twice) + abstract, words lemmatised with simplemma,
  Swedish and English stop words removed, fitted once on the whole collection (as ASReview
  does).
- Model: a linear classifier (linear SVM with balanced class weights by default; logistic
  regression, naive Bayes and an ensemble are available) retrained on the decisions so
  far. While less than 25 % is screened, 100 random unscreened records are added as
  presumed irrelevant (the AutoTAR/BMI idea), which steadies the first rankings.
- Query: certainty-based ("max"): the unscreened record with the highest predicted
  relevance is shown next.
- The screening log is an append-only CSV (``record_id, decision, time, reviewer``);
  earlier rows are never rewritten, a corrupt row is reported, never dropped silently.
- Simulation replays a fully labelled data set and computes the asreview-insights metrics
  (WSS@r, RRF@x, TD/ATD, loss) on the screening order without the prior records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputDataError, ParameterError, ResearchError

__all__ = [
    "DECISIONS",
    "DECISION_ALIASES",
    "LOG_COLUMNS",
    "MODELS",
    "DEFAULT_SIMULATION",
    "recall_values",
    "recall_at",
    "wss_values",
    "wss_at",
    "time_to_discovery",
    "average_time_to_discovery",
    "loss",
    "screening_metrics",
    "record_texts",
    "build_features",
    "RelevanceModel",
    "SimulationResult",
    "simulate",
    "simulate_many",
    "summarise_simulation",
    "read_labelled_file",
    "recall_curve_figure",
    "normalise_decision",
    "read_screening_log",
    "latest_decisions",
    "append_decision",
    "ensure_screening_log",
    "ScreeningState",
    "screening_state",
    "screening_widget",
]

DECISIONS = ("include", "exclude", "unsure")
DECISION_ALIASES = {
    "include": "include", "included": "include", "inkludera": "include", "ja": "include",
    "yes": "include", "1": "include", "relevant": "include",
    "exclude": "exclude", "excluded": "exclude", "exkludera": "exclude", "nej": "exclude",
    "no": "exclude", "0": "exclude", "irrelevant": "exclude",
    "unsure": "unsure", "osäker": "unsure", "maybe": "unsure", "kanske": "unsure",
}
LOG_COLUMNS = ("record_id", "decision", "time", "reviewer")
MODELS = ("logistic", "svm", "nb", "ensemble")
# The default screening model, chosen on nudging.csv (benchmarks/README.md): lemmatised
# TF-IDF unigrams, linear SVM with balanced class weights, and 100 random unscreened
# records as presumed-irrelevant training examples while less than 25 % is screened.
DEFAULT_SIMULATION: dict[str, Any] = {"model": "svm", "C": 0.3, "pseudo_negatives": 100,
                                      "pseudo_until": 0.25}

# ---------------------------------------------------------------------------------------
# metrics (asreview-insights definitions)


def _as_labels(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(labels, dtype=int)
    if array.ndim != 1 or array.size == 0:
        raise ParameterError("labels must be a non-empty 1-D sequence of 0/1 values.",
                             hint="pass the labels in screening order", parameter="labels")
    if not np.isin(array, (0, 1)).all():
        raise ParameterError("labels may only contain 0 and 1.", parameter="labels")
    if array.sum() == 0:
        raise ParameterError("labels contain no relevant record; the metrics are undefined.",
                             hint="a simulation needs at least one included record",
                             parameter="labels")
    return array


def _slice_metric(x: np.ndarray, y: np.ndarray, intercept: float) -> float:
    # asreview-insights: the value at the last x that is <= intercept
    i = int(np.searchsorted(x, intercept, side="right"))
    return float(y[i - 1])


def recall_values(labels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Recall curve: fraction screened (x) against fraction of relevant found (y)."""
    array = _as_labels(labels)
    n_docs = len(array)
    x = np.arange(1, n_docs + 1) / n_docs
    return x, np.cumsum(array) / array.sum()


def recall_at(labels: Sequence[int], fraction: float) -> float:
    """RRF@x: share of relevant records found after screening ``fraction`` of records.

    As in asreview-insights, the value at the largest screened fraction not above
    ``fraction`` (0 when even one record is more than ``fraction``).
    """
    x, y = recall_values(labels)
    if fraction < x[0]:
        return 0.0
    return _slice_metric(x, y, fraction)


def wss_values(labels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """WSS curve as in asreview-insights: recall level (x) against work saved (y).

    For each k = 1..n_relevant the number of records a random order needs to find k
    relevant records (``round(linspace(0, n_relevant, n))``) minus the number the
    given order needs, divided by the number of records.
    """
    array = _as_labels(labels)
    n_docs, n_pos = len(array), int(array.sum())
    found = np.cumsum(array)
    found_random = np.round(np.linspace(0, n_pos, n_docs))
    targets = np.arange(1, n_pos + 1)
    when = np.searchsorted(found, targets)
    when_random = np.searchsorted(found_random, targets)
    return targets / n_pos, (when_random - when) / n_docs


def wss_at(labels: Sequence[int], recall: float) -> float:
    """WSS@r (work saved over sampling at recall ``r``, e.g. 0.95), asreview-insights."""
    x, y = wss_values(labels)
    return _slice_metric(x, y, recall)


def time_to_discovery(labels: Sequence[int]) -> np.ndarray:
    """TD: 1-based screening position at which each relevant record was found."""
    array = _as_labels(labels)
    return np.flatnonzero(array == 1) + 1


def average_time_to_discovery(labels: Sequence[int]) -> float:
    """ATD: mean of :func:`time_to_discovery` (in records)."""
    return float(np.mean(time_to_discovery(labels)))


def loss(labels: Sequence[int]) -> float:
    """Normalised loss (asreview-insights): area between the perfect recall curve and the
    actual one, divided by the area between the perfect and the worst curve.

    Areas use absolute axes and the trapezoidal rule; 0 is a perfect order, 1 the worst.
    """
    array = _as_labels(labels)
    n_x, n_y = len(array), int(array.sum())
    if n_x == n_y:
        raise ParameterError("loss is undefined when every record is relevant.",
                             parameter="labels")
    y = np.cumsum(array).astype(float)
    best_auc = n_x * n_y - ((n_y * n_y) / 2 + 0.5)
    actual_auc = float(np.sum(y) - (y[0] + y[-1]) / 2)
    worst_auc = (n_y * n_y) / 2
    return float((best_auc - actual_auc) / (best_auc - worst_auc))


def screening_metrics(labels: Sequence[int]) -> dict[str, float]:
    """All simulation metrics for one screening order (priors excluded).

    Returns ``wss95``, ``wss100``, ``rrf10``, ``atd`` (records), ``atd_fraction``
    (ATD / number of records), ``loss``, ``n_records`` and ``n_relevant``.
    """
    array = _as_labels(labels)
    atd = average_time_to_discovery(array)
    return {
        "wss95": wss_at(array, 0.95),
        "wss100": wss_at(array, 1.0),
        "rrf10": recall_at(array, 0.10),
        "atd": atd,
        "atd_fraction": atd / len(array),
        "loss": loss(array),
        "n_records": int(len(array)),
        "n_relevant": int(array.sum()),
    }


# ---------------------------------------------------------------------------------------
# features and model


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
    from ...text.core import STOP_WORDS, guess_language, lemma, tokenize

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

    from ...text.core import STOP_WORDS

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
        weights) or ``"ensemble"`` (mean rank of logistic regression and naive Bayes).
    C
        Inverse regularisation strength for ``svm`` and ``logistic``.
    seed
        Random state for the solver.
    alpha
        Smoothing of naive Bayes.
    """

    def __init__(self, model: str = "svm", C: float = 0.3, seed: int = 0,
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

    def fit(self, features: Any, labels: Sequence[int]) -> RelevanceModel:
        """Fit on labelled rows (``labels`` 0/1); needs both classes."""
        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ParameterError("The model needs at least one included and one excluded "
                                 "record.", hint="screen a few records first",
                                 parameter="labels")
        if self.model == "ensemble":
            self.members_ = [
                RelevanceModel("logistic", C=10.0, seed=self.seed).fit(features, y),
                RelevanceModel("nb", alpha=self.alpha, seed=self.seed).fit(features, y),
            ]
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
        if self.model == "ensemble":
            from scipy.stats import rankdata

            ranks = [rankdata(m.score(features)) for m in self.members_]
            return np.mean(ranks, axis=0) / max(1, features.shape[0])
        if self.model == "nb":
            return self.estimator_.predict_log_proba(features)[:, 1] - \
                self.estimator_.predict_log_proba(features)[:, 0]
        return np.asarray(self.estimator_.decision_function(features), dtype=float)


# ---------------------------------------------------------------------------------------
# simulation


@dataclass
class SimulationResult:
    """One simulated screening run.

    ``labels`` are the labels in screening order without the prior records (the input of
    the metrics), ``order`` the row positions in that order, ``priors`` the prior rows.
    """

    seed: int
    labels: np.ndarray
    order: np.ndarray
    priors: np.ndarray
    seconds: float
    n_trainings: int
    metrics: dict[str, float] = field(default_factory=dict)


def _retrain_step(n_labelled: int, batch_fraction: float) -> int:
    return max(1, int(n_labelled * batch_fraction))


def simulate(
    features: Any,
    labels: Sequence[int],
    *,
    seed: int = 0,
    prior_included: int = 1,
    prior_excluded: int = 1,
    model: str = "svm",
    C: float = 0.3,
    batch_fraction: float = 0.0,
    stop_when_all_found: bool = True,
    pseudo_negatives: int = 100,
    pseudo_until: float = 0.25,
) -> SimulationResult:
    """Replay screening of a fully labelled collection with active learning.

    Parameters
    ----------
    features
        Feature matrix (rows = records), e.g. from :func:`build_features`.
    labels
        True 0/1 labels per row.
    seed
        Chooses the random prior records.
    prior_included, prior_excluded
        Number of random relevant / irrelevant records known before screening starts.
    model, C
        See :class:`RelevanceModel`; the defaults are :data:`DEFAULT_SIMULATION`.
    batch_fraction
        0 retrains after every record (like ASReview). A value such as 0.02 retrains
        after ``max(1, 2 % of the labelled records)`` records, which is much cheaper on
        large collections.
    stop_when_all_found
        Stop once every relevant record is found; the rest of the order is irrelevant
        records, which does not change any metric.
    pseudo_negatives
        Add this many random *unscreened* records, presumed irrelevant, to each training
        set (as in Cormack & Grossman's AutoTAR/BMI; at most a quarter of the unscreened
        records). Most records in a search are
        irrelevant, so this steadies the model while few decisions exist. The records stay
        unscreened and can still be queried.
    pseudo_until
        Use pseudo-negatives only while fewer than this fraction of the records are
        screened (default 0.25; 1.0 = always).
    """
    y = np.asarray(labels, dtype=int)
    n = len(y)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(positives) < prior_included or len(negatives) < prior_excluded:
        raise ParameterError("Not enough included/excluded records for the prior records.",
                             parameter="prior_included")
    if prior_included < 1 or prior_excluded < 1:
        raise ParameterError("At least one included and one excluded prior record is "
                             "needed.", parameter="prior_included")
    rng = np.random.default_rng(seed)
    priors = np.concatenate([rng.choice(positives, prior_included, replace=False),
                             rng.choice(negatives, prior_excluded, replace=False)])
    labelled = np.zeros(n, dtype=bool)
    labelled[priors] = True
    order: list[int] = []
    learner = RelevanceModel(model=model, C=C, seed=seed)
    remaining_relevant = int(y.sum()) - int(y[priors].sum())
    started = time.perf_counter()
    trainings = 0
    while not labelled.all():
        if stop_when_all_found and remaining_relevant == 0:
            break
        index = np.flatnonzero(labelled)
        train_y = y[index]
        if pseudo_negatives > 0 and len(index) < pseudo_until * n:
            pool = np.flatnonzero(~labelled)
            extra = rng.choice(pool, min(pseudo_negatives, len(pool) // 4), replace=False)
            index = np.concatenate([index, extra])
            train_y = np.concatenate([train_y, np.zeros(len(extra), dtype=int)])
        learner.fit(features[index], train_y)
        trainings += 1
        candidates = np.flatnonzero(~labelled)
        scores = learner.score(features[candidates])
        step = _retrain_step(len(index), batch_fraction) if batch_fraction > 0 else 1
        # stable tie-break on row position keeps runs reproducible
        ranked = candidates[np.lexsort((candidates, -scores))][:step]
        for row in ranked:
            labelled[row] = True
            order.append(int(row))
            remaining_relevant -= int(y[row])
            if stop_when_all_found and remaining_relevant == 0:
                break
    seconds = time.perf_counter() - started
    order_array = np.asarray(order, dtype=int)
    padded = np.zeros(n - len(priors), dtype=int)
    padded[: len(order_array)] = y[order_array]
    result = SimulationResult(seed=seed, labels=padded, order=order_array, priors=priors,
                              seconds=seconds, n_trainings=trainings)
    result.metrics = screening_metrics(padded)
    result.metrics["records_screened"] = int(len(order_array))
    result.metrics["seconds"] = seconds
    return result


def simulate_many(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    seeds: int | Iterable[int] = 15,
    prior_included: int = 1,
    prior_excluded: int = 1,
    model: str = "svm",
    C: float = 0.3,
    ngram_max: int = 1,
    batch_fraction: float = 0.0,
    pseudo_negatives: int = 100,
    pseudo_until: float = 0.25,
) -> tuple[pd.DataFrame, list[SimulationResult]]:
    """Run :func:`simulate` for several seeds on the same texts.

    Returns a table with one row per seed (the metrics) and the individual results.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ParameterError("At least one seed is needed.", parameter="seeds")
    y = np.asarray(labels, dtype=int)
    if len(texts) != len(y):
        raise ParameterError("texts and labels differ in length.", parameter="labels")
    features = build_features(texts, ngram_max=ngram_max)
    results = [
        simulate(features, y, seed=s, prior_included=prior_included,
                 prior_excluded=prior_excluded, model=model, C=C,
                 batch_fraction=batch_fraction, pseudo_negatives=pseudo_negatives,
                 pseudo_until=pseudo_until)
        for s in seed_list
    ]
    table = pd.DataFrame([{"seed": r.seed, **r.metrics} for r in results])
    return table, results


def summarise_simulation(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, minimum and maximum per metric over seeds."""
    columns = ["wss95", "wss100", "rrf10", "atd", "atd_fraction", "loss", "seconds"]
    present = [c for c in columns if c in table.columns]
    summary = table[present].agg(["mean", "std", "min", "max"]).T
    summary.index.name = "metric"
    return summary.reset_index()


def read_labelled_file(path: str | os.PathLike[str], label_column: str,
                       *, title_column: str = "title",
                       abstract_column: str = "abstract") -> tuple[list[str], np.ndarray]:
    """Read a fully labelled CSV/XLSX for simulation: texts and 0/1 labels.

    Labels may be 0/1, true/false or include/exclude (and Swedish aliases). A row with
    an unreadable label is an error naming the row.
    """
    from ..core import read_table_file

    frame = read_table_file(Path(path))
    missing = [c for c in (label_column, title_column) if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{path}: column {missing[0]!r} not found.",
            hint=f"available columns: {', '.join(map(str, frame.columns))}",
            file=str(path), column=missing[0])
    labels = []
    for position, value in enumerate(frame[label_column].tolist()):
        text = str(value).strip().lower()
        if text in ("1", "1.0", "true", "include", "included", "inkludera", "ja", "yes"):
            labels.append(1)
        elif text in ("0", "0.0", "false", "exclude", "excluded", "exkludera", "nej", "no"):
            labels.append(0)
        else:
            raise InputDataError(
                f"{path}, row {position + 2}: label {value!r} in column {label_column!r} "
                "is not 0/1.", hint="a simulation needs every record labelled 0 or 1",
                file=str(path), row=position + 2, column=label_column)
    labels_array = np.asarray(labels, dtype=int)
    if labels_array.sum() < 1 or labels_array.sum() == len(labels_array):
        raise InputDataError(f"{path}: the labels need both included and excluded records.",
                             file=str(path), column=label_column)
    texts = record_texts(frame.rename(columns={title_column: "title",
                                               abstract_column: "abstract"}))
    return texts, labels_array


def recall_curve_figure(results: Sequence[SimulationResult], *, title: str | None = None) -> Any:
    """Recall curves of simulated runs against random screening, with Swedish alt text."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ...report.formatting import format_percent
    from ...report.display import attach_alt

    if not results:
        raise ParameterError("No simulation results to plot.", parameter="results")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for position, result in enumerate(results):
        x, y = recall_values(result.labels)
        ax.plot(x * 100, y * 100, color="#0072B2", alpha=0.35, linewidth=1,
                label="Aktiv inlärning (en körning per frö)" if position == 0 else None)
    ax.plot([0, 100], [0, 100], color="#000000", linestyle="--", linewidth=1.2,
            label="Slumpmässig ordning")
    ax.axhline(95, color="#D55E00", linestyle=":", linewidth=1.2, label="95 % återfunna")
    ax.set_xlabel("Granskade poster (%)")
    ax.set_ylabel("Återfunna relevanta poster (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.legend(loc="lower right", frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    wss95 = float(np.mean([r.metrics["wss95"] for r in results]))
    rrf10 = float(np.mean([r.metrics["rrf10"] for r in results]))
    alt = (f"Återfunna relevanta poster mot andel granskade poster i {len(results)} "
           f"simulerade granskningar. Efter 10 % granskade poster har i medeltal "
           f"{format_percent(rrf10)} av de relevanta hittats; för att nå 95 % behövs "
           f"{format_percent(wss95)} färre poster än vid slumpmässig ordning.")
    return attach_alt(fig, alt)


# ---------------------------------------------------------------------------------------
# screening log


def normalise_decision(value: object) -> str | None:
    """Map a decision (English or Swedish) to include/exclude/unsure; ``None`` if unknown."""
    return DECISION_ALIASES.get(str(value).strip().lower()) if value is not None else None


def read_screening_log(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a screening log CSV.

    Returns ``(log, problems)``: the valid rows (columns ``record_id, decision, time,
    reviewer, line``) and a table of rows that could not be used (``file, line, reason,
    content``), which the caller reports. A missing file is an empty log. Encoding:
    UTF-8 (with or without BOM), falling back to cp1252.
    """
    target = Path(path)
    empty = pd.DataFrame(columns=[*LOG_COLUMNS, "line"])
    no_problems = pd.DataFrame(columns=["file", "line", "reason", "content"])
    if not target.exists():
        return empty, no_problems
    raw = target.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # decoded line by line: a log started in cp1252 (Excel) and continued in UTF-8 by
    # append_decision stays readable
    lines = []
    for line in raw.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
    text = "\n".join(lines)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        return empty, no_problems
    header = [h.strip().lower() for h in rows[0]]
    if "record_id" not in header or "decision" not in header:
        raise InputDataError(
            f"{target}: line 1 must be a header with record_id and decision.",
            hint="columns: record_id,decision,time,reviewer", file=str(target), row=1)
    positions = {name: header.index(name) for name in LOG_COLUMNS if name in header}
    good, bad = [], []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        content = ",".join(row)
        required = max(positions["record_id"], positions["decision"]) + 1
        if len(row) < required or len(row) > len(header):
            bad.append({"file": str(target), "line": line_number,
                        "reason": f"{len(row)} fält i stället för {len(header)}",
                        "content": content})
            continue
        record_id = row[positions["record_id"]].strip()
        decision = normalise_decision(row[positions["decision"]])
        if not record_id:
            bad.append({"file": str(target), "line": line_number,
                        "reason": "record_id saknas", "content": content})
            continue
        if decision is None:
            bad.append({"file": str(target), "line": line_number,
                        "reason": f"okänt beslut {row[positions['decision']]!r}",
                        "content": content})
            continue

        def cell(name: str) -> str:
            index = positions.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        good.append({"record_id": record_id, "decision": decision, "time": cell("time"),
                     "reviewer": cell("reviewer"), "line": line_number})
    log = pd.DataFrame(good, columns=[*LOG_COLUMNS, "line"]) if good else empty
    problems = pd.DataFrame(bad, columns=no_problems.columns) if bad else no_problems
    return log, problems


def latest_decisions(log: pd.DataFrame) -> pd.Series:
    """The latest decision per record id (later rows override earlier ones)."""
    if log.empty:
        return pd.Series(dtype=object, name="decision")
    return log.drop_duplicates("record_id", keep="last").set_index("record_id")["decision"]


def _refuse_shipped_sample(target: Path) -> None:
    """The shipped sample data is never written to: decisions go to a log of one's own."""
    from ...paths import project_root

    sample = (project_root() / "data" / "sample").resolve()
    if target.resolve().is_relative_to(sample):
        raise InputDataError(
            f"{target} is shipped sample data and is never modified.",
            hint="copy it to a folder of your own (e.g. reports/litteratur/screening_log.csv) "
                 "and set the 'screening_log' parameter to the copy",
            file=str(target), parameter="screening_log")


def append_decision(
    path: str | os.PathLike[str],
    record_id: str,
    decision: str,
    *,
    reviewer: str | None = None,
    when: dt.datetime | None = None,
) -> dict[str, str]:
    """Append one decision to the screening log (created with a header when missing).

    The row is appended (``"a"`` mode), flushed and fsynced; earlier rows are never
    rewritten, so a crash can at worst lose the row being written.
    """
    canonical = normalise_decision(decision)
    if canonical is None:
        raise ParameterError(f"Unknown decision {decision!r}.",
                             hint="use include, exclude or unsure", parameter="decision")
    if not str(record_id).strip():
        raise ParameterError("record_id is empty.", parameter="record_id")
    target = Path(path)
    _refuse_shipped_sample(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = (when or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    row = {"record_id": str(record_id).strip(), "decision": canonical, "time": stamp,
           "reviewer": (reviewer or "").strip()}
    new_file = not target.exists() or target.stat().st_size == 0
    needs_newline = False
    fieldnames = list(LOG_COLUMNS)
    if not new_file:
        with open(target, "rb") as existing:
            first_line = existing.readline()
            existing.seek(-1, os.SEEK_END)
            needs_newline = existing.read(1) not in (b"\n", b"\r")
        header = [h.strip().lower() for h in next(csv.reader(
            [first_line.decode("utf-8-sig", errors="replace")]), [])]
        if "record_id" not in header or "decision" not in header:
            raise InputDataError(
                f"{target}: line 1 must be a header with record_id and decision.",
                hint="columns: record_id,decision,time,reviewer", file=str(target), row=1)
        fieldnames = header  # keep the existing file's column order
    with open(target, "a", encoding="utf-8", newline="") as stream:
        if needs_newline:
            stream.write("\r\n")
        writer = csv.DictWriter(stream, fieldnames=fieldnames, extrasaction="ignore",
                                restval="")
        if new_file:
            writer.writeheader()
        writer.writerow(row)
        stream.flush()
        os.fsync(stream.fileno())
    return row


def ensure_screening_log(path: str | os.PathLike[str]) -> Path:
    """Create an empty screening log (header only) when missing; never touches an
    existing one. Returns the path."""
    target = Path(path)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(",".join(LOG_COLUMNS) + "\r\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


# ---------------------------------------------------------------------------------------
# ranking and progress for a real screening


@dataclass
class ScreeningState:
    """Ranking and progress of a screening, computed from records and decisions."""

    ranking: pd.DataFrame
    progress: pd.DataFrame
    summary: dict[str, Any]


def _stopping_suggestion(n_screened: int, n_total: int, since_last_include: int,
                         estimated_left: float | None, n_included: int) -> str:
    if n_screened == 0:
        return "Börja granska: inga beslut finns ännu."
    if n_included == 0:
        return "Fortsätt: ingen relevant post har hittats ännu, modellen kan inte rangordna."
    threshold = max(50, int(np.ceil(0.05 * n_total)))
    if n_screened >= n_total:
        return "Klart: alla poster är granskade."
    if since_last_include >= threshold and (estimated_left is None or estimated_left < 1):
        return (f"Överväg att avsluta: {since_last_include} poster i rad utan relevant "
                f"post (gräns {threshold}) och uppskattningsvis färre än en relevant kvar.")
    return (f"Fortsätt: {since_last_include} poster i rad utan relevant post; "
            f"föreslagen gräns för att avsluta är {threshold} i rad.")


def screening_state(
    records: pd.DataFrame,
    log: pd.DataFrame,
    *,
    top: int = 20,
    model: str = "svm",
    C: float = 0.3,
    seed: int = 0,
    pseudo_negatives: int = 100,
    features: Any = None,
) -> ScreeningState:
    """Rank unscreened records by predicted relevance and summarise progress.

    Parameters
    ----------
    records
        Records with ``record_id``, ``title`` and (optionally) ``abstract``.
    log
        Screening log as returned by :func:`read_screening_log`.
    top
        Number of top-ranked unscreened records in the ranking table.
    features
        A precomputed :func:`build_features` matrix for ``records`` (the widget reuses
        one between decisions); computed when ``None``.

    Notes
    -----
    The estimate of relevant records left is the sum of predicted probabilities over
    unscreened records from a logistic model *without* class balancing, trained on the
    screened records; because active learning screens likely records first, it is a
    rough upper-side estimate, shown as such. "unsure" decisions count as screened but
    are not used to train the model.
    """
    if "record_id" not in records.columns:
        raise InputDataError("The records have no 'record_id' column.", column="record_id")
    decisions = latest_decisions(log)
    known_ids = set(records["record_id"].astype(str))
    decisions = decisions[decisions.index.isin(known_ids)]
    record_ids = records["record_id"].astype(str).to_numpy()
    decided = pd.Series(record_ids).map(decisions).to_numpy()
    screened = pd.notna(decided)
    y_known = np.where(decided == "include", 1, np.where(decided == "exclude", 0, -1))
    n_total = len(records)
    n_included = int((decided == "include").sum())
    n_excluded = int((decided == "exclude").sum())
    n_unsure = int((decided == "unsure").sum())
    n_screened = int(screened.sum())
    texts = record_texts(records)
    scores = np.zeros(n_total)
    probabilities = np.full(n_total, np.nan)
    method = "ingen modell (för få beslut): ordning som i filen"
    trainable = y_known >= 0
    if n_total and n_included >= 1 and n_excluded >= 1:
        if features is None:
            features = build_features(texts)
        train_index = np.flatnonzero(trainable)
        train_y = y_known[trainable]
        if pseudo_negatives > 0 and n_screened < 0.25 * n_total:
            # early on, random unscreened records stand in as presumed irrelevant
            pool = np.flatnonzero(~screened)
            extra = np.random.default_rng(seed).choice(
                pool, min(pseudo_negatives, len(pool) // 4), replace=False)
            train_index = np.concatenate([train_index, extra])
            train_y = np.concatenate([train_y, np.zeros(len(extra), dtype=int)])
        learner = RelevanceModel(model=model, C=C, seed=seed).fit(
            features[train_index], train_y)
        scores = learner.score(features)
        from sklearn.linear_model import LogisticRegression

        calibrator = LogisticRegression(C=1.0, solver="liblinear", random_state=seed)
        calibrator.fit(features[trainable], y_known[trainable])
        probabilities = calibrator.predict_proba(features)[:, 1]
        method = "TF-IDF (lemmatiserade ord) + linjär SVM, viktade klasser"
    unscreened = np.flatnonzero(~screened)
    order = unscreened[np.lexsort((unscreened, -scores[unscreened]))]
    ranking = records.iloc[order][[c for c in ("record_id", "title", "year", "database")
                                   if c in records.columns]].copy()
    ranking.insert(0, "rank", np.arange(1, len(order) + 1))
    ranking["score"] = np.round(scores[order], 4)
    ranking["probability"] = np.round(probabilities[order], 4)
    ranking = ranking.head(top).reset_index(drop=True)
    estimated_left = (float(np.nansum(probabilities[unscreened]))
                      if not np.isnan(probabilities).all() else None)
    # records screened in log order since the last include
    ordered = latest_decisions(log)
    ordered = ordered[ordered.index.isin(known_ids)]
    sequence = log[log["record_id"].isin(ordered.index)].drop_duplicates(
        "record_id", keep="last")["decision"].tolist() if not log.empty else []
    since_last = 0
    for decision in reversed(sequence):
        if decision == "include":
            break
        since_last += 1
    suggestion = _stopping_suggestion(n_screened, n_total, since_last, estimated_left,
                                      n_included)
    progress = pd.DataFrame([
        {"measure": "Poster totalt", "value": n_total},
        {"measure": "Granskade", "value": n_screened},
        {"measure": "Inkluderade", "value": n_included},
        {"measure": "Exkluderade", "value": n_excluded},
        {"measure": "Osäkra", "value": n_unsure},
        {"measure": "Kvar att granska", "value": n_total - n_screened},
        {"measure": "Granskade i rad sedan senaste inkluderade", "value": since_last},
        {"measure": "Uppskattat antal relevanta kvar",
         "value": round(estimated_left, 1) if estimated_left is not None else "–"},
    ], dtype=object)
    summary = {"n_total": n_total, "n_screened": n_screened, "n_included": n_included,
               "n_excluded": n_excluded, "n_unsure": n_unsure,
               "estimated_relevant_left": estimated_left, "since_last_include": since_last,
               "suggestion": suggestion, "method": method}
    return ScreeningState(ranking=ranking, progress=progress, summary=summary)


# ---------------------------------------------------------------------------------------
# the JupyterLab widget


def screening_widget(
    records: pd.DataFrame,
    log_path: str | os.PathLike[str],
    *,
    reviewer: str | None = None,
    model: str = "svm",
    seed: int = 0,
) -> Any:
    """An ipywidgets screening panel for JupyterLab.

    Shows the highest-ranked unscreened record (title, abstract as escaped text) with
    buttons Inkludera / Exkludera / Osäker. Keyboard: Tab to a button and press Enter or
    Space, or type ``i``, ``e`` or ``o`` in the shortcut field and press Enter. Every
    decision is appended to ``log_path`` at once (:func:`append_decision`) and the ranking
    is recomputed. Nothing blocks: under papermill the widget is only displayed.
    """
    import ipywidgets as widgets

    from ...report.htmlsafe import escape

    log_file = Path(log_path)
    heading = widgets.HTML()
    body = widgets.HTML(layout=widgets.Layout(max_height="18em", overflow="auto"))
    status = widgets.HTML()
    buttons = {
        "include": widgets.Button(description="Inkludera", button_style="success",
                                  icon="check", tooltip="Inkludera (i)"),
        "exclude": widgets.Button(description="Exkludera", button_style="danger",
                                  icon="times", tooltip="Exkludera (e)"),
        "unsure": widgets.Button(description="Osäker", button_style="warning",
                                 icon="question", tooltip="Osäker (o)"),
    }
    shortcut = widgets.Text(placeholder="i / e / o + Enter", description="Kortkommando:",
                            continuous_update=False,
                            style={"description_width": "initial"})
    current: dict[str, str | None] = {"record_id": None}
    cache: dict[str, Any] = {}

    def refresh() -> None:
        log, problems = read_screening_log(log_file)
        if "duplicates" in records.columns:  # decisions made on a removed duplicate count
            from ..core import map_to_kept

            log = map_to_kept(log, records)
        if cache.get("features") is None:
            cache["features"] = build_features(record_texts(records))
        state = screening_state(records, log, top=1, model=model, seed=seed,
                                features=cache["features"])
        summary = state.summary
        note = (f" {len(problems)} rader i loggen kunde inte läsas." if len(problems) else "")
        status.value = (f"<p>Granskade {summary['n_screened']} av {summary['n_total']}; "
                        f"inkluderade {summary['n_included']}. "
                        f"{escape(summary['suggestion'])}{escape(note)}</p>")
        if state.ranking.empty:
            current["record_id"] = None
            heading.value = "<h3>Alla poster är granskade.</h3>"
            body.value = ""
            return
        record_id = str(state.ranking.iloc[0]["record_id"])
        current["record_id"] = record_id
        row = records[records["record_id"].astype(str) == record_id].iloc[0]
        abstract = row.get("abstract", "")
        heading.value = f"<h3>{escape(row.get('title', ''))}</h3>"
        body.value = (f"<p><small>{escape(record_id)} · {escape(row.get('year', ''))} · "
                      f"{escape(row.get('source', ''))}</small></p>"
                      f"<p>{escape('' if pd.isna(abstract) else abstract)}</p>")

    def decide(decision: str) -> None:
        if current["record_id"] is None:
            return
        try:
            append_decision(log_file, current["record_id"], decision, reviewer=reviewer)
        except ResearchError as exc:  # shown in the panel, not lost in a log
            status.value = (f"<p role=\"alert\"><strong>Beslutet sparades inte:</strong> "
                            f"{escape(exc.message)} {escape(exc.hint or '')}</p>")
            return
        refresh()

    for decision, button in buttons.items():
        button.on_click(lambda _button, d=decision: decide(d))

    def on_shortcut(change: dict[str, Any]) -> None:
        key = str(change.get("new", "")).strip().lower()[:1]
        shortcut.value = ""
        mapping = {"i": "include", "e": "exclude", "o": "unsure", "u": "unsure"}
        if key in mapping:
            decide(mapping[key])

    shortcut.observe(on_shortcut, names="value")
    refresh()
    return widgets.VBox([heading, body, widgets.HBox(list(buttons.values())), shortcut,
                         status])
