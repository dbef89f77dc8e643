"""Screening metrics with the asreview-insights definitions: recall (RRF@x), work saved over
sampling (WSS@r), time to discovery (TD/ATD) and normalised loss."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...errors import ParameterError

__all__ = [
    "recall_values",
    "recall_at",
    "wss_values",
    "wss_at",
    "time_to_discovery",
    "average_time_to_discovery",
    "loss",
    "screening_metrics",
]


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
