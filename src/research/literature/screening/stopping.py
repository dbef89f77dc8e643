"""When may screening stop? Two published heuristics, evaluated by simulation.

- **Knee method** (Cormack & Grossman 2016, "Engineering quality and reliability in
  technology-assisted review", SIGIR): after ``s`` screened records with ``r`` relevant found,
  the knee ``k`` is the point of the gain curve farthest above the line from the origin to
  ``(s, r)``; the slope ratio is ``(r_k / k) / ((r - r_k + 1) / (s - k))``. Stop when it
  reaches ``156 - min(r, 150)`` and at least 150 records are screened.
- **A fixed run of irrelevant records**: stop after ``max(50, 5 % of the records)`` (rule
  ``"run"``) or ``max(100, 10 %)`` (``"run10"``) screened in a row without a relevant one.

:func:`evaluate_stopping` gives the recall at the suggested stop and the share screened for
a simulated screening order (``benchmarks/screening_simulation.py`` reports them per data
set). On the four development sets the knee method fired only when nearly everything was
screened on three of them; a run of max(50, 5 %) stopped after a third but found only 73 % of
the relevant records on one set (earlier default); with the current default a run of
max(100, 10 %) found 97.6 % of the relevant records on average (lowest set 95.1 %, 10 seeds).
:func:`stopping_advice` therefore uses the longer run (:data:`ADVICE_RULE`) and says in Swedish
what its suggestion means, quoting those figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...errors import ParameterError
from ...report.formatting import format_percent

__all__ = [
    "KNEE_MIN_SCREENED",
    "knee_slope_ratio",
    "knee_stop",
    "run_threshold",
    "run_stop",
    "STOPPING_RULES",
    "ADVICE_RULE",
    "RUN_RULE_EVIDENCE",
    "evaluate_stopping",
    "stopping_advice",
]

KNEE_MIN_SCREENED = 150
_KNEE_OFFSET = 156
_KNEE_CAP = 150


def _labels(labels: Sequence[int]) -> np.ndarray:
    array = np.asarray(labels, dtype=int)
    if array.ndim != 1 or not np.isin(array, (0, 1)).all():
        raise ParameterError("labels must be a 1-D sequence of 0/1 values in screening order.",
                             parameter="labels")
    return array


def knee_slope_ratio(found: np.ndarray, screened: int) -> tuple[float, int]:
    """Slope ratio and knee position after ``screened`` records (``found`` = cumulative
    relevant count per position, 1-based positions)."""
    s = int(screened)
    r = int(found[s - 1])
    x = np.arange(1, s + 1)
    # farthest above the chord from (0, 0) to (s, r): maximise s*y - r*x
    k = int(np.argmax(s * found[:s] - r * x)) + 1
    r_k = int(found[k - 1])
    if k >= s or r_k == 0:
        return 0.0, k
    return (r_k / k) / ((r - r_k + 1) / (s - k)), k


def knee_stop(labels: Sequence[int], *, min_screened: int = KNEE_MIN_SCREENED,
              step: int = 1) -> int | None:
    """First number of screened records at which the knee rule says stop (``None``: never)."""
    array = _labels(labels)
    found = np.cumsum(array)
    for s in range(max(min_screened, 2), len(array) + 1, max(1, step)):
        r = int(found[s - 1])
        if r == 0:
            continue
        ratio, _ = knee_slope_ratio(found, s)
        if ratio >= _KNEE_OFFSET - min(r, _KNEE_CAP):
            return s
    return None


def run_threshold(n_total: int, *, share: float = 0.05, minimum: int = 50) -> int:
    """Length of the run of irrelevant records after which the fixed-run rule stops:
    ``max(minimum, share × records)``."""
    return max(minimum, int(np.ceil(share * n_total)))


def run_stop(labels: Sequence[int], n_total: int | None = None, *, share: float = 0.05,
             minimum: int = 50) -> int | None:
    """First number of screened records that ends a run of ``run_threshold`` irrelevant
    records after at least one relevant one (``None``: never)."""
    array = _labels(labels)
    threshold = run_threshold(n_total if n_total is not None else len(array), share=share,
                              minimum=minimum)
    run, seen_relevant = 0, False
    for position, label in enumerate(array, start=1):
        if label:
            run, seen_relevant = 0, True
        else:
            run += 1
            if seen_relevant and run >= threshold:
                return position
    return None


STOPPING_RULES = {
    "knee": knee_stop,
    "run": run_stop,
    "run10": lambda labels: run_stop(labels, share=0.10, minimum=100),
}
# The rule the advice uses, and the recall at its stop and the share screened by then with
# the default model: means over four development sets × 10 seeds and the lowest set mean
# (benchmarks/screening_simulation.py, setting raw-lemma-svm; benchmarks/README.md)
ADVICE_RULE = {"share": 0.10, "minimum": 100}
RUN_RULE_EVIDENCE = {"sets": "fyra", "recall": 0.976, "recall_min": 0.951, "screened": 0.461,
                     "screened_min": 0.356, "screened_max": 0.555}


def evaluate_stopping(labels: Sequence[int], rule: str = "knee") -> dict[str, float]:
    """Recall at the suggested stop and the share of records screened by then.

    ``labels`` is the whole collection in screening order (priors first); a rule that never
    fires screens everything (recall 1, share 1).
    """
    if rule not in STOPPING_RULES:
        raise ParameterError(f"Unknown stopping rule {rule!r}.",
                             hint=f"use one of {', '.join(STOPPING_RULES)}", parameter="rule")
    array = _labels(labels)
    total = int(array.sum())
    if total == 0:
        raise ParameterError("labels contain no relevant record.", parameter="labels")
    stop = STOPPING_RULES[rule](array)
    stop = len(array) if stop is None else stop
    return {"stop_at": int(stop), "recall": float(array[:stop].sum() / total),
            "screened": float(stop / len(array))}


def _percent(share: float) -> str:
    return format_percent(share, 1 if round(share * 100, 1) % 1 else 0)


def stopping_advice(decisions: Sequence[int], n_total: int) -> tuple[bool, str]:
    """What the fixed-run rule says for a real screening, in Swedish, with the evidence.

    ``decisions`` are 0/1 in screening order (1 = included or unsure). Returns whether the
    rule suggests stopping and a sentence that says what that means for the review; the
    figures quoted come from :data:`RUN_RULE_EVIDENCE` (simulations on the development sets).
    """
    array = _labels(decisions)
    n = len(array)
    if n == 0:
        return False, "Börja granska: inga beslut finns ännu."
    if n >= n_total:
        return True, "Klart: alla poster är granskade."
    if array.sum() == 0:
        return False, ("Fortsätt: ingen relevant post har hittats ännu, så modellen kan inte "
                       "rangordna och ingen stoppregel gäller.")
    threshold = run_threshold(n_total, **ADVICE_RULE)
    relevant_at = np.flatnonzero(array)
    run = n - 1 - int(relevant_at[-1])
    evidence = RUN_RULE_EVIDENCE
    if run >= threshold:
        return True, (f"Överväg att avsluta: {run} poster i rad utan relevant post (gräns "
                      f"{threshold}). I simuleringar på {evidence['sets']} publicerade dataset "
                      f"hade man vid den punkten hittat i medel {_percent(evidence['recall'])} "
                      f"av de relevanta posterna (lägst {_percent(evidence['recall_min'])}) "
                      f"efter att ha granskat {_percent(evidence['screened_min'])}–"
                      f"{_percent(evidence['screened_max'])} av posterna. Några relevanta "
                      "poster kan alltså finnas kvar; läs gärna de högst rangordnade som "
                      "återstår innan ni avslutar.")
    return False, (f"Fortsätt: {run} poster i rad utan relevant post; regeln föreslår att "
                   f"avsluta efter {threshold} i rad.")
