"""Simulation: replay screening of a fully labelled collection with active learning and
compute the metrics on the screening order without the prior records."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputDataError, ParameterError
from ...io.tables import read_table
from .metrics import screening_metrics
from .model import (DEFAULT_MODEL, FEATURE_OPTIONS, RelevanceModel, build_features,
                    record_texts)

__all__ = [
    "SimulationResult",
    "simulate",
    "simulate_many",
    "summarise_simulation",
    "read_labelled_file",
]


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


def _check_settings(*, batch_fraction: float, pseudo_negatives: int,
                    pseudo_until: float) -> None:
    if not isinstance(batch_fraction, (int, float)) or not 0 <= batch_fraction < 1:
        raise ParameterError(f"batch_fraction must be in [0, 1), got {batch_fraction!r}.",
                             hint="0 retrains after every record", parameter="batch_fraction")
    if isinstance(pseudo_negatives, bool) or not isinstance(pseudo_negatives, int) or \
            pseudo_negatives < 0:
        raise ParameterError(f"pseudo_negatives must be a whole number ≥ 0, got "
                             f"{pseudo_negatives!r}.", parameter="pseudo_negatives")
    if not isinstance(pseudo_until, (int, float)) or not 0 <= pseudo_until <= 1:
        raise ParameterError(f"pseudo_until must be in [0, 1], got {pseudo_until!r}.",
                             parameter="pseudo_until")


def _retrain_step(n_labelled: int, batch_fraction: float) -> int:
    return max(1, int(n_labelled * batch_fraction))


def simulate(
    features: Any,
    labels: Sequence[int],
    *,
    seed: int = 0,
    prior_included: int = 1,
    prior_excluded: int = 1,
    model: str = DEFAULT_MODEL["model"],
    C: float = DEFAULT_MODEL["C"],
    alpha: float = DEFAULT_MODEL.get("alpha", 3.822),
    ratio: float | None = DEFAULT_MODEL["ratio"],
    batch_fraction: float = 0.0,
    stop_when_all_found: bool = True,
    pseudo_negatives: int = DEFAULT_MODEL["pseudo_negatives"],
    pseudo_until: float = DEFAULT_MODEL["pseudo_until"],
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
    model, C, alpha, ratio
        See :class:`RelevanceModel`; the defaults are :data:`DEFAULT_MODEL`.
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
    _check_settings(batch_fraction=batch_fraction, pseudo_negatives=pseudo_negatives,
                    pseudo_until=pseudo_until)
    learner = RelevanceModel(model=model, C=C, seed=seed, alpha=alpha, ratio=ratio).check()
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
    model: str = DEFAULT_MODEL["model"],
    C: float = DEFAULT_MODEL["C"],
    alpha: float = DEFAULT_MODEL.get("alpha", 3.822),
    ratio: float | None = DEFAULT_MODEL["ratio"],
    ngram_max: int = DEFAULT_MODEL["ngram_max"],
    batch_fraction: float = 0.0,
    pseudo_negatives: int = DEFAULT_MODEL["pseudo_negatives"],
    pseudo_until: float = DEFAULT_MODEL["pseudo_until"],
    **features_options: Any,
) -> tuple[pd.DataFrame, list[SimulationResult]]:
    """Run :func:`simulate` for several seeds on the same texts.

    ``features_options`` go to :func:`build_features` (``words``, ``stop_words``,
    ``min_df``, ``max_df``; the defaults are :data:`DEFAULT_MODEL`'s). Returns a table
    with one row per seed (the metrics) and the individual results.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ParameterError("At least one seed is needed.", parameter="seeds")
    y = np.asarray(labels, dtype=int)
    if len(texts) != len(y):
        raise ParameterError("texts and labels differ in length.", parameter="labels")
    unknown = sorted(set(features_options) - set(FEATURE_OPTIONS))
    if unknown:
        raise ParameterError(f"Unknown feature option {unknown[0]!r}.",
                             hint=f"use {', '.join(FEATURE_OPTIONS)}", parameter=unknown[0])
    features = build_features(texts, ngram_max=ngram_max, **features_options)
    results = [
        simulate(features, y, seed=s, prior_included=prior_included,
                 prior_excluded=prior_excluded, model=model, C=C, alpha=alpha, ratio=ratio,
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
                       abstract_column: str = "abstract",
                       title_twice: bool = DEFAULT_MODEL["title_twice"]
                       ) -> tuple[list[str], np.ndarray]:
    """Read a fully labelled CSV/XLSX for simulation: texts (see :func:`record_texts`)
    and 0/1 labels.

    Labels may be 0/1, true/false or include/exclude (and Swedish aliases). A row with
    an unreadable label is an error naming the row.
    """
    frame = read_table(Path(path), what="labelled data set", parameter="file")
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
                                               abstract_column: "abstract"}),
                         title_twice=title_twice)
    return texts, labels_array
