"""Ranking and progress of a real screening, computed from records and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputDataError
from .log import latest_decisions
from .model import (DEFAULT_MODEL, FEATURES_SV, RelevanceModel, build_features, feature_options,
                    record_texts)
from .stopping import stopping_advice

__all__ = ["ScreeningState", "screening_state"]

_MODEL_NAMES = {"svm": "linjär SVM, viktade klasser",
                "logistic": "logistisk regression, viktade klasser",
                "nb": "naiv Bayes", "ensemble": "ensemble av logistisk regression och naiv Bayes"}


@dataclass
class ScreeningState:
    """Ranking and progress of a screening, computed from records and decisions."""

    ranking: pd.DataFrame
    progress: pd.DataFrame
    summary: dict[str, Any]


def _train_and_score(features: Any, y_known: np.ndarray, screened: np.ndarray, *,
                     model: str, C: float, seed: int, pseudo_negatives: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Relevance scores from the model and calibrated probabilities (logistic, unweighted)."""
    from sklearn.linear_model import LogisticRegression

    trainable = y_known >= 0
    train_index = np.flatnonzero(trainable)
    train_y = y_known[trainable]
    if pseudo_negatives > 0 and screened.sum() < 0.25 * len(screened):
        # early on, random unscreened records stand in as presumed irrelevant
        pool = np.flatnonzero(~screened)
        extra = np.random.default_rng(seed).choice(
            pool, min(pseudo_negatives, len(pool) // 4), replace=False)
        train_index = np.concatenate([train_index, extra])
        train_y = np.concatenate([train_y, np.zeros(len(extra), dtype=int)])
    learner = RelevanceModel(model=model, C=C, seed=seed,
                             alpha=DEFAULT_MODEL.get("alpha", 3.822),
                             ratio=DEFAULT_MODEL["ratio"]).fit(features[train_index], train_y)
    calibrator = LogisticRegression(C=1.0, solver="liblinear", random_state=seed)
    calibrator.fit(features[trainable], y_known[trainable])
    return learner.score(features), calibrator.predict_proba(features)[:, 1]


def _decision_sequence(log: pd.DataFrame, known_ids: set[str]) -> list[str]:
    """Each record's latest decision, in the order those decisions were made."""
    if log.empty:
        return []
    latest = log[log["record_id"].isin(known_ids)].drop_duplicates("record_id", keep="last")
    return latest["decision"].tolist()


def screening_state(
    records: pd.DataFrame,
    log: pd.DataFrame,
    *,
    top: int = 20,
    model: str = DEFAULT_MODEL["model"],
    C: float = DEFAULT_MODEL["C"],
    seed: int = 0,
    pseudo_negatives: int = DEFAULT_MODEL["pseudo_negatives"],
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
    if n_total and n_included >= 1 and n_excluded >= 1:
        if features is None:
            features = build_features(texts, **feature_options())
        scores, probabilities = _train_and_score(
            features, y_known, screened, model=model, C=C, seed=seed,
            pseudo_negatives=pseudo_negatives)
        method = f"TF-IDF ({FEATURES_SV}) + " + _MODEL_NAMES.get(model, model)
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
    sequence = _decision_sequence(log, known_ids)
    since_last = 0
    for decision in reversed(sequence):
        if decision == "include":
            break
        since_last += 1
    stop, suggestion = stopping_advice([int(d != "exclude") for d in sequence], n_total)
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
               "suggestion": suggestion, "stop_suggested": stop, "method": method}
    return ScreeningState(ranking=ranking, progress=progress, summary=summary)
