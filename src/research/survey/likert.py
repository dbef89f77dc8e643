"""Likert items: response distributions (suppressed for publication) and agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, SchemaError
from .codebook import Codebook, code_key
from .disclosure import (ANSWERED, OPTION, OUTCOME, QUESTION, SurveyProtection, marked_counts,
                         protect_table)

__all__ = [
    "LikertTable",
    "likert_counts",
    "likert_table",
    "agreement_share",
    "add_agreement_columns",
]


@dataclass
class LikertTable:
    """Response distributions of Likert items after disclosure control.

    Attributes
    ----------
    counts
        Suppressed counts (rows: questions; columns: response labels in scale order; a
        ``Totalt`` column and row), NaN where suppressed.
    marked
        The same for display/CSV: ``".."`` where suppressed.
    shares
        Row shares of the published cells (NaN where suppressed), without totals.
    suppressed
        True where a cell was suppressed.
    labels
        Response labels in scale order.
    n
        Respondents with a substantive answer per question (NaN if suppressed).
    min_cell
        The disclosure threshold applied.
    """

    counts: pd.DataFrame
    marked: pd.DataFrame
    shares: pd.DataFrame
    suppressed: pd.DataFrame
    labels: list[str]
    n: pd.Series
    min_cell: int

    def to_frame(self) -> pd.DataFrame:
        """Wide table: one row per question, suppressed counts then shares (%)."""
        rows = []
        for question in self.shares.index:
            row: dict[str, Any] = {"Fråga": question}
            for label in self.labels:
                row[label] = self.marked.loc[question, label]
            row["Antal svar"] = self.marked.loc[question, "Totalt"]
            for label in self.labels:
                share = self.shares.loc[question, label]
                row[f"Andel {label} (%)"] = round(100 * share, 1) if pd.notna(share) else ".."
            rows.append(row)
        return pd.DataFrame(rows)

    def to_long(self) -> pd.DataFrame:
        """Long table for ``likert.csv``: question × response option with the suppressed
        count, the share (%) and the question's number of answers."""
        rows = []
        for question in self.shares.index:
            for label in self.labels:
                share = self.shares.loc[question, label]
                rows.append({"Fråga": question, "Svarsalternativ": label,
                             "Antal": self.marked.loc[question, label],
                             "Andel (%)": round(100 * share, 1) if pd.notna(share) else "..",
                             "Antal svar": self.marked.loc[question, "Totalt"]})
        return pd.DataFrame(rows, columns=["Fråga", "Svarsalternativ", "Antal", "Andel (%)",
                                           "Antal svar"])


def likert_counts(data: pd.DataFrame, codebook: Codebook, items: Sequence[str]
                  ) -> pd.DataFrame:
    """Unsuppressed counts of each response option of Likert ``items`` (same scale): rows
    are question labels, columns response labels in scale order."""
    if not items:
        raise ParameterError("No Likert items given.", parameter="items")
    first = codebook.variables[items[0]]
    codes = first.codes
    labels = [first.values[c] for c in codes]
    counts = {}
    for item in items:
        variable = codebook.variables[item]
        if [code_key(c) for c in variable.codes] != [code_key(c) for c in codes]:
            raise SchemaError(f"Item {item!r} has another scale than {items[0]!r}; a "
                              "Likert block must share one scale.", column=item,
                              file=codebook.source)
        values = data[item]
        counts[codebook.label(item)] = [int((values == float(code_key(c))).sum())
                                        for c in codes]
    frame = pd.DataFrame.from_dict(counts, orient="index", columns=labels)
    frame.index.name = "Fråga"
    return frame


def likert_table(data: pd.DataFrame, codebook: Codebook, items: Sequence[str],
                 min_cell: int = 5, protection: SurveyProtection | None = None
                 ) -> LikertTable:
    """Counts and shares of each response option of Likert ``items`` (same scale).

    With ``protection`` (every count table of the run suppressed together, see
    :class:`research.survey.disclosure.SurveyCounts`) its hidden cells are used; without,
    the block is suppressed on its own (:func:`research.survey.disclosure.protect_table`).
    A share is shown only where its count and the question's total are both published.
    """
    frame = likert_counts(data, codebook, items)
    labels = list(frame.columns)
    if protection is None:
        protected = protect_table(frame, min_cell)
        suppressed, table = protected.hidden, protected.table
    else:
        suppressed = _linked_hidden(frame, protection)
        table = frame.assign(Totalt=frame.sum(axis=1)).astype(float)
    supp = suppressed.loc[frame.index, labels]
    raw_n = frame.sum(axis=1)
    total_hidden = suppressed.loc[frame.index, "Totalt"]
    shares = (frame.div(raw_n.where(raw_n > 0), axis=0)).where(~supp)
    shares.loc[total_hidden.to_numpy()] = np.nan
    return LikertTable(counts=table.where(~suppressed.reindex_like(table).fillna(True)),
                       marked=marked_counts(table, suppressed.reindex_like(table).fillna(True)),
                       shares=shares, suppressed=suppressed, labels=labels,
                       n=raw_n.where(~total_hidden), min_cell=min_cell)


def _linked_hidden(frame: pd.DataFrame, protection: SurveyProtection) -> pd.DataFrame:
    """Hidden cells of a questions × options table (plus its ``Totalt`` column) as the
    run's linked suppression decided."""
    hidden = pd.DataFrame(False, index=frame.index, columns=[*frame.columns, "Totalt"])
    for question in frame.index:
        base = {OUTCOME: ANSWERED, QUESTION: question}
        for label in frame.columns:
            hidden.loc[question, label] = protection.hidden({**base, OPTION: label})
        hidden.loc[question, "Totalt"] = protection.hidden(base)
    return hidden


def agreement_share(data: pd.DataFrame, codebook: Codebook, item: str) -> pd.Series:
    """1 when the answer is one of the agreeing options (upper half of the scale), 0 for
    the other substantive answers, NaN for missing — for design-based proportions."""
    variable = codebook.variables[item]
    codes = [float(code_key(c)) for c in variable.codes]
    upper = codes[len(codes) - len(codes) // 2:]
    values = data[item]
    return values.isin(upper).astype(float).where(values.notna())


def add_agreement_columns(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``data`` with ``_agree_<item>`` 0/1 columns (see :func:`agreement_share`)."""
    out = data.copy()
    for item in codebook.likert_items():
        out[f"_agree_{item}"] = agreement_share(data, codebook, item)
    return out

