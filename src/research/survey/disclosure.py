"""Disclosure control for the survey's tables: the one door to :mod:`research.privacy`.

Every call from :mod:`research.survey` into ``research.privacy`` (cell suppression, masking
of identifiers) goes through this module, so that the rules applied to the briefing's
tables can be read — and later changed, e.g. to suppress linked tables together — in one
place. The functions are small on purpose:

- :func:`protect_table` — a table of counts with primary and complementary suppression
  (:func:`research.privacy.suppress_counts`), rows with a total under the threshold hidden
  whole, and a display copy with ``".."``;
- :func:`protect_counts` — one list of counts with a public total
  (:func:`research.privacy.suppress_series`);
- :func:`suppressed_estimates`, :func:`agreement_hidden` — which estimate rows to blank;
- :func:`combine_small_groups` — never break a group down below the threshold;
- :func:`mask_text` — personal identifiers and listed names masked in free text;
- :class:`SurveyCounts` / :class:`SurveyProtection` — **every count table of one run
  suppressed together** (Likert distributions, cross-tables, item response, response
  rates, respondents per index and group, respondents behind each α, free-text themes
  share margins), with the inequalities a reader knows between them (a group's answers
  never exceed its respondents), with :func:`research.privacy.protect`, and registered
  for the run's independent audit.

Coordinates of the linked cells: :data:`QUESTION` (question or index label),
:data:`OPTION` (response label), :data:`OUTCOME` (:data:`ANSWERED` for substantive
answers, a missing-code label, :data:`INDEX` for respondents with an index value), one
dimension per background variable (its label) and :data:`RESPONSE_GROUP` /
:data:`THEME`. A dimension summed over is absent. The published tables use the same
coordinates (see :func:`research.survey.tables.table_specs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..privacy import (
    Key,
    LinkedSuppression,
    LinkedTables,
    Relation,
    SuppressionResult,
    TableSpec,
    cell_key,
    checking,
    mask_identifiers,
    protect,
    suppress_counts,
    suppress_series,
)

__all__ = [
    "OTHER_GROUPS_LABEL",
    "MARKER",
    "ProtectedTable",
    "protect_table",
    "protect_counts",
    "suppressed_estimates",
    "agreement_hidden",
    "combine_small_groups",
    "mask_text",
    "hide_small_rows",
    "marked_counts",
    "QUESTION",
    "OPTION",
    "OUTCOME",
    "ANSWERED",
    "INDEX",
    "RESPONSE_GROUP",
    "THEME",
    "RELIABILITY",
    "RELIABILITY_REST",
    "MISSING_GROUP_LABEL",
    "SurveyCounts",
    "SurveyProtection",
]

MARKER = ".."
OTHER_GROUPS_LABEL = "Övriga grupper"
QUESTION = "fråga"
OPTION = "svarsalternativ"
OUTCOME = "utfall"
ANSWERED = "Svar"
INDEX = "Index"
RESPONSE_GROUP = "svarsgrupp"
THEME = "tema"
#: Respondents behind an index's Cronbach's α (the reliability table) and the others.
RELIABILITY = "Underlag för alfa"
RELIABILITY_REST = "Utanför alfa"
#: Respondents whose background value is missing: a group of the linked tables that is
#: never published (hidden, so the published groups do not add up to the total).
MISSING_GROUP_LABEL = "Uppgift saknas"


@dataclass
class ProtectedTable:
    """A table of counts after disclosure control.

    Attributes
    ----------
    table
        Counts with a ``Totalt`` row and column (as :func:`research.privacy.suppress_counts`).
    hidden
        True where a cell is not published (primary, complementary, or in a small row).
    marked
        Whole-number counts for display and CSV, ``".."`` where hidden.
    """

    table: pd.DataFrame
    hidden: pd.DataFrame
    marked: pd.DataFrame


def protect_table(counts: pd.DataFrame, min_cell: int) -> ProtectedTable:
    """Suppress a rows × columns table of respondent counts for publication.

    Cells under ``min_cell`` are suppressed with complements so that no hidden cell can be
    recovered from the row and column totals; every cell of a row whose total is under
    ``min_cell`` is hidden too (:func:`hide_small_rows`).
    """
    result = suppress_counts(counts, min_cell)
    hidden = hide_small_rows(result.suppressed, counts, min_cell)
    return ProtectedTable(table=result.table, hidden=hidden,
                          marked=marked_counts(result.table, hidden))


def protect_counts(counts: pd.Series, min_cell: int) -> SuppressionResult:
    """Suppress one list of counts whose total is published (the total is the last
    entry of the result; :func:`research.privacy.suppress_series`)."""
    return suppress_series(counts, min_cell)


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with personnummer, phone numbers, e-mail and street addresses and the
    listed ``names`` masked (:func:`research.privacy.mask_identifiers`)."""
    return mask_identifiers(text, list(names))


def combine_small_groups(groups: pd.Series, min_cell: int = 5, *,
                         label: str = OTHER_GROUPS_LABEL) -> pd.Series:
    """Merge groups with fewer than ``min_cell`` respondents so no group is broken down
    below the threshold.

    Small groups are merged into ``label``; if that merged group is still smaller than
    ``min_cell``, the smallest remaining group joins it. Missing values stay missing.
    """
    groups = groups.astype(object)
    counts = groups.value_counts()
    small = list(counts[counts < min_cell].index)
    if not small:
        return groups
    merged = int(counts[small].sum())
    rest = counts.drop(small).sort_values()
    if merged < min_cell and len(rest):
        small.append(rest.index[0])
    result = groups.where(~groups.isin(small), label)
    if (result == label).sum() < min_cell:  # everything is small: no breakdown at all
        return groups.where(groups.isna(), label)
    return result


def suppressed_estimates(estimates: pd.DataFrame, min_cell: int = 5, *,
                         count_column: str = "n",
                         value_columns: Sequence[str] = ("estimate", "se", "ci_low",
                                                         "ci_high")) -> pd.DataFrame:
    """Blank the estimates of rows based on fewer than ``min_cell`` respondents.

    The respondent counts go through :func:`research.privacy.suppress_series` (with a
    total, so a single suppressed count is complemented); estimates and ``n`` of every
    suppressed row become missing. A ``suppressed`` column says which rows.
    """
    out = estimates.copy().reset_index(drop=True)
    counts = pd.Series(out[count_column].fillna(0).astype(int).to_numpy(), name="n")
    result = protect_counts(counts, min_cell)
    mask = result.suppressed.iloc[:-1].to_numpy()
    for column in [*value_columns, count_column]:
        if column in out.columns:
            out[column] = out[column].astype(float).where(~mask)
    out["suppressed"] = mask
    return out


def hide_small_rows(suppressed: pd.DataFrame, counts: pd.DataFrame, min_cell: int
                    ) -> pd.DataFrame:
    """Also hide every cell (zeros too) of a row whose total is under ``min_cell``: its
    zeros would tell what the few in it answered. Hiding more never reveals more."""
    out = suppressed.copy()
    small = counts.index[(counts.sum(axis=1) > 0) & (counts.sum(axis=1) < min_cell)]
    out.loc[small, :] = True
    return out


def marked_counts(table: pd.DataFrame, suppressed: pd.DataFrame, marker: str = MARKER
                  ) -> pd.DataFrame:
    """Whole-number counts for display, ``marker`` where suppressed."""
    values = [[marker if hidden else int(value) for value, hidden in zip(row, mask)]
              for row, mask in zip(table.fillna(0).to_numpy(), suppressed.to_numpy())]
    return pd.DataFrame(values, index=table.index, columns=table.columns, dtype=object)


def agreement_hidden(data: pd.DataFrame, column: str, group: str | None,
                     min_cell: int) -> pd.Series:
    """Which estimate rows (by group, or the one overall row) to suppress for a 0/1
    column: either the count of 1s or of 0s under ``min_cell`` (p reveals both)."""
    values = data[column]
    valid = values.notna()
    if group is None:
        counts = pd.DataFrame({"ja": [int((values[valid] == 1).sum())],
                               "nej": [int((values[valid] == 0).sum())]}, index=[None])
        result = suppress_counts(counts, min_cell, totals=False)
        return result.suppressed.any(axis=1)
    frame = pd.DataFrame({"g": data[group], "v": values})[valid & data[group].notna()]
    counts = pd.crosstab(frame["g"], frame["v"]).reindex(columns=[0.0, 1.0], fill_value=0)
    result = suppress_counts(counts, min_cell)
    return result.suppressed.drop(index="Totalt").drop(columns="Totalt").any(axis=1)



# ---------------------------------------------------------------------------------------
# All count tables of one run, suppressed together


class SurveyCounts:
    """The unsuppressed count tables of one Enkätanalys run, as one set of linked cells
    (:class:`research.privacy.LinkedTables`): a cell published in two tables (a question's
    answers in the Likert table, the item-response table and every cross-table) is one
    cell, so complementary suppression and the audit see every shared margin."""

    def __init__(self) -> None:
        self.linked = LinkedTables()
        self._unpublished: list[Key] = []
        self._public: list[Key] = []

    def public(self, coordinates: Mapping[str, Any]) -> None:
        """A cell the briefing publishes anyway (the number of respondents): never chosen
        as a complement unless nothing else can protect a cell."""
        self._public.append(cell_key(coordinates))

    def _name(self, kind: str) -> str:
        return f"{kind}:{len(self.linked.tables)}"

    def likert(self, question: str, counts: pd.Series) -> None:
        """Substantive answers of one question per response option (total: its answers)."""
        self.linked.add_series(self._name("likert"), counts.astype(float),
                               fixed={OUTCOME: ANSWERED, QUESTION: question}, dim=OPTION)

    def crosstab(self, question: str, group: str, counts: pd.DataFrame) -> None:
        """Groups × options of one question (totals: the group's answers, the option's
        answers, the question's answers); a :data:`MISSING_GROUP_LABEL` row is never
        published."""
        self.linked.add_table(self._name("crosstab"), counts.astype(float),
                              fixed={OUTCOME: ANSWERED, QUESTION: question}, row_dim=group,
                              column_dim=OPTION)
        if MISSING_GROUP_LABEL in counts.index:
            base = {OUTCOME: ANSWERED, QUESTION: question, group: MISSING_GROUP_LABEL}
            self._unpublished.append(cell_key(base))
            self._unpublished += [cell_key({**base, OPTION: c}) for c in counts.columns]

    def series(self, counts: pd.Series, dim: str, fixed: Mapping[str, Any] | None = None,
               *, unpublished: Iterable[Any] = ()) -> None:
        """A one-way table with its total (item response, respondents per group, themes);
        entries in ``unpublished`` are never shown."""
        fixed = dict(fixed or {})
        self.linked.add_series(self._name(dim), counts.astype(float), fixed=fixed, dim=dim)
        self._unpublished += [cell_key({**fixed, dim: v}) for v in unpublished]

    def relate(self, relations: Iterable[Relation]) -> None:
        """Inequalities a reader knows between the tables (a group's answers to a question
        are at most its respondents): alternative tables keep them."""
        for relation in relations:
            self.linked.relate(relation)

    def protect(self, min_cell: int = 5, protection: int | None = None) -> SurveyProtection:
        """Suppress every table at once (:func:`research.privacy.protect`)."""
        position = {key: i for i, key in enumerate(self.linked.keys)}
        force = [position[key] for key in self._unpublished if key in position]
        keep = [position[key] for key in self._public if key in position]
        return SurveyProtection(protect(self.linked, min_cell, protection, force=force,
                                        keep=keep), position)


@dataclass
class SurveyProtection:
    """Which linked cells are hidden, for building the published tables, and their
    registration for the run's audit."""

    suppression: LinkedSuppression
    position: dict[Key, int] = field(repr=False)

    @property
    def min_cell(self) -> int:
        return self.suppression.min_cell

    @property
    def passed(self) -> bool:
        return self.suppression.passed

    def hidden(self, coordinates: Mapping[str, Any]) -> bool:
        """Whether the cell at ``coordinates`` is hidden (a cell the tables do not hold
        is hidden too: nothing unprotected is published)."""
        index = self.position.get(cell_key(coordinates))
        return True if index is None else bool(self.suppression.hidden[index])

    def value(self, coordinates: Mapping[str, Any]) -> float:
        """The true count at ``coordinates`` (for computing published shares)."""
        return float(self.suppression.linked.values[self.position[cell_key(coordinates)]])

    def marked(self, coordinates: Mapping[str, Any]) -> int | str:
        """The published form of a cell: its count, or :data:`MARKER`."""
        return MARKER if self.hidden(coordinates) else int(self.value(coordinates))

    def register(self, specs: Iterable[TableSpec], *, relations: Iterable[Relation] = (),
                 without_counts: Iterable[str] = ()) -> None:
        """Register the published tables' descriptions, the relations a reader knows
        between them, the tables that hold no counts, which hidden cells are small or
        zero, and the alternative tables found, for
        :func:`research.privacy.checking.check_run`."""
        result = self.suppression
        checking.register(specs, primary=result.primary_keys(), zeros=result.zero_keys(),
                          min_cell=result.min_cell, protection=result.protection,
                          hidden=result.counts(), witnesses=result.witnesses(),
                          relations=relations, without_counts=without_counts)

    def counts(self) -> dict[str, int]:
        """Cells hidden (primary, secondary) over all linked tables."""
        return self.suppression.counts()

