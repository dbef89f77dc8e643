"""Emerging themes and terms: Dunning's G² on shares of items, period vs baseline.

The log-likelihood ratio G² on the 2×2 table (items with / without the theme or term, in
the current period / in the baseline) gives a p-value from χ²(1), Bonferroni-corrected
(or Benjamini–Hochberg for terms), with a minimum count. It compares *shares* of items, so
a week with more items overall does not make every theme "rise".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import chi2, false_discovery_control

from ..errors import ParameterError
from ..report.formatting import to_date
from ..text.core import STOP_WORDS, lemma
from .corpus import Corpus
from .themes import INFLECTIONS, Taxonomy

__all__ = ["log_likelihood", "Window", "theme_trends", "emerging_terms", "weekly_counts"]


def log_likelihood(current: np.ndarray, current_total: int, baseline: np.ndarray,
                   baseline_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Dunning's G² and its χ²(1) p-value for counts in two periods (vectorised).

    Each count is the number of items *with* a feature among ``current_total`` and
    ``baseline_total`` items; the 2×2 table compares the shares. Matches
    ``scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")``.
    """
    a = np.asarray(current, dtype=float)
    b = np.asarray(baseline, dtype=float)
    c = current_total - a
    d = baseline_total - b
    total = current_total + baseline_total
    observed = np.stack([a, b, c, d])
    with_feature = a + b
    without = c + d
    expected = np.stack([with_feature * current_total, with_feature * baseline_total,
                         without * current_total, without * baseline_total]) / max(total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    g2 = np.maximum(2.0 * terms.sum(axis=0), 0.0)
    return g2, chi2.sf(g2, 1)


@dataclass(frozen=True)
class Window:
    """The current period ``(start, end]`` and the baseline ``(baseline_start, start]``."""

    as_of: dt.date
    end: pd.Timestamp
    start: pd.Timestamp
    baseline_start: pd.Timestamp
    period_days: int
    baseline_days: int

    @classmethod
    def make(cls, as_of: object = None, period_days: int = 7, baseline_days: int = 84) -> Window:
        """Build a window; ``as_of`` empty means today."""
        if int(period_days) < 1:
            raise ParameterError(f"period_days must be at least 1, got {period_days}.",
                                 hint="use e.g. 7 for a weekly briefing", parameter="period_days")
        if int(baseline_days) < int(period_days):
            raise ParameterError(
                f"baseline_days ({baseline_days}) must be at least period_days ({period_days}).",
                hint="use e.g. baseline_days = 84 (twelve weeks)", parameter="baseline_days")
        if as_of is None or str(as_of).strip() == "":
            date = dt.date.today()
        else:
            try:
                date = to_date(as_of)
            except ValueError as exc:
                raise ParameterError(f"as_of {as_of!r} is not a date (YYYY-MM-DD).",
                                     hint="write e.g. as_of = \"2026-11-24\" or leave it empty",
                                     parameter="as_of") from exc
        end = pd.Timestamp(date, tz="UTC") + pd.Timedelta(days=1)
        start = end - pd.Timedelta(days=int(period_days))
        return cls(date, end, start, start - pd.Timedelta(days=int(baseline_days)),
                   int(period_days), int(baseline_days))

    def bins(self, dates: pd.Series) -> pd.Series:
        """Period number of each date: 0 = current period, 1 = the one before, …"""
        delta = (self.end - dates).dt.total_seconds() / 86400.0
        return np.floor((delta - 1e-9) / self.period_days).astype("Int64")


def theme_trends(themes: pd.DataFrame, dates: pd.Series, window: Window,
                 taxonomy: Taxonomy, *, alpha: float = 0.05, min_count: int = 3) -> pd.DataFrame:
    """Theme counts in the current period vs the baseline, with the G² test.

    Columns: ``theme`` (key), ``label``, ``current``, ``baseline``, ``expected`` (baseline
    count scaled to one period), ``change`` (ratio of the current to the baseline share,
    +0.5 smoothing), ``significance`` (p-value of G²), ``g2``, ``rising`` (share up,
    p below ``alpha`` / number of themes (Bonferroni), and at least ``min_count`` items).
    """
    current_mask = ((dates > window.start) & (dates <= window.end)).to_numpy()
    baseline_mask = ((dates > window.baseline_start) & (dates <= window.start)).to_numpy()
    keys = taxonomy.keys
    matrix = themes[keys].to_numpy(dtype=bool) if len(themes) else np.zeros((0, len(keys)), bool)
    current = matrix[current_mask].sum(axis=0)
    baseline = matrix[baseline_mask].sum(axis=0)
    return _trend_table(keys, current, int(current_mask.sum()), baseline,
                        int(baseline_mask.sum()), window, alpha, min_count,
                        labels=[taxonomy.label(k) for k in keys], name="theme")


def _trend_table(names: Sequence[str], current: np.ndarray, current_total: int,
                 baseline: np.ndarray, baseline_total: int, window: Window, alpha: float,
                 min_count: int, *, labels: Sequence[str] | None, name: str,
                 correction: str = "bonferroni") -> pd.DataFrame:
    g2, p = log_likelihood(current, current_total, baseline, baseline_total)
    share_now = (current + 0.5) / (current_total + 1)
    share_before = (baseline + 0.5) / (baseline_total + 1)
    change = share_now / share_before
    candidate = (change > 1) & (np.asarray(current) >= min_count)
    significant = np.zeros(len(p), dtype=bool)
    if candidate.any():
        # tested: every feature with enough items in the period (rising or not)
        tested = np.asarray(current) >= min_count
        if correction == "fdr_bh":
            significant[tested] = false_discovery_control(p[tested], method="bh") <= alpha
        else:
            significant = p < alpha / max(int(tested.sum()), 1)
    rising = candidate & significant
    if current_total == 0 or baseline_total == 0:
        rising[:] = False
    frame = pd.DataFrame({
        name: list(names),
        "current": np.asarray(current, dtype=int),
        "baseline": np.asarray(baseline, dtype=int),
        "expected": np.asarray(baseline, dtype=float) * window.period_days / window.baseline_days,
        "change": np.round(change, 2),
        "significance": p,
        "g2": np.round(g2, 2),
        "rising": rising,
    })
    if labels is not None:
        frame.insert(1, "label", list(labels))
    return frame.sort_values(["rising", "g2", name], ascending=[False, False, True],
                             kind="stable").reset_index(drop=True)


def emerging_terms(corpus: Corpus, dates: pd.Series, window: Window, *, alpha: float = 0.05,
                   min_count: int = 5, top: int = 25, groups: np.ndarray | None = None,
                   correction: str = "bonferroni") -> pd.DataFrame:
    """Words (lemmas, stop words removed) whose share of items rose in the current period.

    Same G² test as :func:`theme_trends`, corrected over all words seen at least
    ``min_count`` times in the current period: Bonferroni by default, or
    ``correction="fdr_bh"`` (Benjamini–Hochberg false discovery rate). With ``groups`` (story numbers from
    :func:`group_stories`) the counting unit is the story, dated by its first item, so
    one story carried by many sources counts once (more robust, but with a few dozen
    stories a week it rarely reaches significance). Returns the rising words, strongest
    first (at most ``top``), with columns ``term``, ``current``, ``baseline``,
    ``expected``, ``change``, ``significance``, ``g2``, ``rising``.
    """
    lemma_ids: dict[str, int] = {}
    column = np.full(len(corpus.vocabulary), -1, dtype=np.int64)
    known = set(corpus.vocabulary)
    for position, word in enumerate(corpus.vocabulary):
        if len(word) > 2 and word not in STOP_WORDS:
            base = _merge_inflection(word, known)
            if base not in STOP_WORDS and len(base) > 2:
                column[position] = lemma_ids.setdefault(base, len(lemma_ids))
    keep = column >= 0
    mapping = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int32), (np.flatnonzero(keep), column[keep])),
        shape=(len(corpus.vocabulary), max(len(lemma_ids), 1)))
    presence = corpus.presence().astype(np.int32) @ mapping
    if groups is not None and len(groups):
        codes, inverse = np.unique(np.asarray(groups), return_inverse=True)
        member = sparse.csr_matrix((np.ones(len(inverse), dtype=np.int32),
                                    (inverse, np.arange(len(inverse)))),
                                   shape=(len(codes), len(inverse)))
        presence = member @ presence
        dates = pd.Series(np.asarray(dates)).groupby(inverse).min().reset_index(drop=True)
        dates = pd.to_datetime(dates, utc=True)
    presence = sparse.csr_matrix(presence)
    presence.data[:] = 1
    current_mask = ((dates > window.start) & (dates <= window.end)).to_numpy()
    baseline_mask = ((dates > window.baseline_start) & (dates <= window.start)).to_numpy()
    current = np.asarray(presence[current_mask].sum(axis=0)).ravel()
    baseline = np.asarray(presence[baseline_mask].sum(axis=0)).ravel()
    names = sorted(lemma_ids, key=lemma_ids.get)
    table = _trend_table(names, current[:len(names)], int(current_mask.sum()),
                         baseline[:len(names)], int(baseline_mask.sum()), window, alpha,
                         min_count, labels=None, name="term", correction=correction)
    return table[table["rising"]].head(top).reset_index(drop=True)


def _merge_inflection(word: str, known: set[str]) -> str:
    """Lemma of ``word``; for a word simplemma does not know, the lemma of its shortest
    form in ``known`` that differs only by a Swedish inflection ending
    ("spelplattformarna" → "spelplattformar" when both occur)."""
    base = lemma(word, "sv")
    if base != word:
        return base
    for cut in range(max(len(word) - 5, 4), len(word)):
        if word[cut:] in INFLECTIONS and word[:cut] in known:
            return lemma(word[:cut], "sv")
    return base


def weekly_counts(themes: pd.DataFrame, dates: pd.Series, window: Window,
                  keys: Sequence[str]) -> pd.DataFrame:
    """Items per theme in each period of the window (oldest first), for the figures.

    Index: the end date of each period; columns: theme keys plus ``total``.
    """
    bins = window.bins(dates)
    n_bins = int(np.ceil((window.baseline_days + window.period_days) / window.period_days))
    inside = bins.notna() & (bins >= 0) & (bins < n_bins)
    frame = themes.loc[inside.to_numpy(), list(keys)].astype(int)
    frame["total"] = 1
    counts = frame.groupby(bins[inside].astype(int).to_numpy()).sum()
    counts = counts.reindex(range(n_bins), fill_value=0).sort_index(ascending=False)
    counts.index = [(window.end - pd.Timedelta(days=window.period_days * int(i) + 1)).date()
                    for i in counts.index]
    counts.index.name = "period_end"
    return counts

