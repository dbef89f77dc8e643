"""Tables for the briefing: design-based estimates, response rates and item response,
each already through disclosure control; decimals for showing them.

:func:`survey_counts` gathers every count table of a run (unsuppressed) so that they are
suppressed together; the table builders then take the resulting
:class:`~research.survey.disclosure.SurveyProtection`, and :func:`table_specs` describes
the published tables to the independent audit (:mod:`research.privacy.audit`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..privacy import TOTAL_LABEL, Measure, Relation, TableSpec
from .codebook import MISSING_LABEL, Codebook, code_key, code_text, same_code
from .design import SurveyDesign
from .disclosure import (ANSWERED, INDEX, MARKER, MISSING_GROUP_LABEL, OPTION, OUTCOME,
                         QUESTION, RELIABILITY, RELIABILITY_REST, RESPONSE_GROUP, THEME,
                         SurveyCounts, SurveyProtection, agreement_hidden,
                         combine_small_groups, protect_counts, suppressed_estimates)
from .likert import likert_counts
from .readers import Survey

__all__ = [
    "group_column",
    "add_group_columns",
    "estimates_table",
    "table_decimals",
    "response_rates",
    "item_response",
    "item_counts",
    "crosstab_counts",
    "survey_counts",
    "linked_crosstabs",
    "linked_themes",
    "constant_weights",
    "table_specs",
    "count_relations",
    "linked_reliability",
    "WHOLE_INDEX",
]

#: The reliability table's row for the whole index
#: (:func:`research.survey.scales.reliability_table`).
WHOLE_INDEX = "Hela indexet"


def group_column(name: str) -> str:
    """The analysis column holding the (small-groups-combined) labels of ``name``."""
    return f"grupp_{name}"


def add_group_columns(data: pd.DataFrame, codebook: Codebook, group_by: Sequence[str],
                      min_cell: int = 5) -> pd.DataFrame:
    """``data`` with a ``grupp_<name>`` column per background variable: value labels,
    groups under ``min_cell`` respondents combined (:func:`combine_small_groups`)."""
    out = data.copy()
    for name in group_by:
        if name not in data.columns:
            raise ParameterError(f"group_by: {name!r} is not a column of the survey.",
                                 hint="use background variables from the codebook, e.g. "
                                 + ", ".join(codebook.background[:5]), parameter="group_by")
        labels = data[name].map(lambda v, n=name: None if pd.isna(v) else
                                codebook.value_label(n, v))
        out[group_column(name)] = combine_small_groups(labels, min_cell)
    return out


def estimates_table(design: SurveyDesign, codebook: Codebook, *,
                    group_by: Sequence[str] = (), min_cell: int = 5,
                    protection: SurveyProtection | None = None) -> pd.DataFrame:
    """Design-based estimates for the briefing: the mean of every index and the share
    that agrees with every Likert item, overall and by each background variable in
    ``group_by`` (use :func:`add_group_columns` first), with disclosure control.

    Rows based on fewer than ``min_cell`` respondents are blanked; a share is also blanked
    when fewer than ``min_cell`` respondents agree or disagree (the share would reveal
    them). With ``protection`` (the run's linked suppression) a row's respondent count is
    the linked cell — hidden where the linked suppression hides it — and a share is blanked
    whenever any count of its distribution is hidden (a share of agreeing answers is a sum
    of those counts divided by the row's answers); without, the counts of each estimate
    are suppressed on their own (:func:`suppressed_estimates`).
    """
    data = design.data
    pieces = []
    targets = [(name, "Medelvärde", codebook.indices[name]["label"], None)
               for name in codebook.indices if name in data.columns]
    targets += [(f"_agree_{item}", "Andel som instämmer", codebook.label(item), item)
                for item in codebook.likert_items() if f"_agree_{item}" in data.columns]
    for column, kind, label, item in targets:
        for by in [None, *group_by]:
            by_column = None if by is None else group_column(by)
            if kind == "Andel som instämmer":  # Korn–Graubard, as svyciprop(method="beta")
                frame = design.proportion(column, by=by_column, levels=[1.0], method="beta")
                frame["n"] = frame["n_valid"]
                frame = frame.drop(columns=["level", "n_valid"])
            else:
                frame = design.mean(column, by=by_column)
            if protection is not None:
                frame = _linked_estimates(frame, codebook, label, item, by, protection)
            else:
                frame = suppressed_estimates(frame, min_cell)
            if kind == "Andel som instämmer":
                hidden = agreement_hidden(data, column, by_column, min_cell)
                keys = [None] * len(frame) if by is None else list(frame[by_column])
                mask = np.array([bool(hidden.get(k, False)) for k in keys])
                for name in ("estimate", "se", "ci_low", "ci_high"):
                    frame[name] = frame[name].where(~mask)
                frame["suppressed"] = frame["suppressed"] | mask
            frame.insert(0, "Mått", kind)
            frame.insert(1, "Fråga/index", label)
            frame.insert(2, "Grupp", "Alla" if by is None else codebook.label(by))
            frame.insert(3, "Värde", "Alla" if by is None else frame[by_column].astype(str))
            frame = frame.drop(columns=[c for c in ("variable", by_column) if c and c in
                                        frame.columns])
            pieces.append(frame)
    table = pd.concat(pieces, ignore_index=True)
    share = table["Mått"] == "Andel som instämmer"
    for column in ("estimate", "se", "ci_low", "ci_high"):
        table[column] = table[column].astype(float)
        table.loc[share, column] = table.loc[share, column] * 100
        table[column] = table[column].round(2)
    table["n"] = table["n"].map(lambda v: ".." if pd.isna(v) else int(v)).astype(object)
    table["suppressed"] = table["suppressed"].map({True: "ja", False: "nej"})
    return table.rename(columns={"estimate": "Skattning", "se": "Medelfel",
                                 "ci_low": "KI nedre (95 %)", "ci_high": "KI övre (95 %)",
                                 "n": "Antal svarande", "suppressed": "Undertryckt"})


def _linked_estimates(frame: pd.DataFrame, codebook: Codebook, label: str, item: str | None,
                      by: str | None, protection: SurveyProtection) -> pd.DataFrame:
    """Blank the estimate rows whose respondent count (or, for a share, any count of the
    distribution it is computed from) the run's linked suppression hides; the count itself
    is shown wherever its linked cell is."""
    out = frame.copy().reset_index(drop=True)
    options = ([] if item is None else
               [codebook.value_label(item, c) for c in codebook.variables[item].codes])
    mask, count_hidden = [], []
    for _, row in out.iterrows():
        base = {OUTCOME: INDEX if item is None else ANSWERED, QUESTION: label}
        if by is not None:
            base[codebook.label(by)] = str(row[group_column(by)])
        count_hidden.append(protection.hidden(base))
        mask.append(count_hidden[-1] or any(protection.hidden({**base, OPTION: o})
                                            for o in options))
    mask = np.array(mask, dtype=bool)
    for column in ("estimate", "se", "ci_low", "ci_high"):
        if column in out.columns:
            out[column] = out[column].astype(float).where(~mask)
    out["n"] = out["n"].astype(float).where(~np.array(count_hidden, dtype=bool))
    out["suppressed"] = mask
    return out


def table_decimals(frame: pd.DataFrame) -> dict[str, int]:
    """Decimals for showing a table of this module: percentages 1, p-values 4, α and
    effect sizes 3, other decimal numbers 2, counts none (for
    ``report.show_table(decimals=...)``)."""
    three = {"Cramérs V", "Effektstorlek", "Cronbachs alfa", "Standardiserat alfa",
             "KI nedre", "KI övre", "Alfa om frågan tas bort"}
    decimals = {}
    for column in frame.columns:
        name = str(column)
        if "(%)" in name:
            decimals[name] = 1
        elif name.startswith("p ("):
            decimals[name] = 4
        elif name in three:
            decimals[name] = 3
        elif pd.api.types.is_float_dtype(frame[column]):
            decimals[name] = 2
    return decimals


def _respondents(data: pd.DataFrame, codebook: Codebook, group_by: Sequence[str] = ()
                 ) -> tuple[str | None, pd.Series, pd.Series]:
    """The ``invited`` section's variable, invited and responding counts per group label.

    When the variable is also a background variable in ``group_by``, its groups are the
    combined ones of :func:`add_group_columns` (``data`` holds them): a group too small to
    be shown on its own is never listed on its own here either, not even as ".."."""
    invited = codebook.invited or {}
    variable = invited.get("variable")
    counts = invited.get("counts") or {}
    if not variable or not counts or variable not in data.columns:
        return None, pd.Series(dtype=float), pd.Series(dtype=float)
    answered = data[variable].value_counts()
    labels = {k: codebook.value_label(variable, k) for k in counts}
    if variable in group_by and group_column(variable) in data.columns:
        combined = data[group_column(variable)]
        for key in counts:
            rows = data[variable].map(lambda v, k=key: pd.notna(v) and same_code(v, k))
            if rows.any() and pd.notna(combined[rows].iloc[0]):
                labels[key] = str(combined[rows].iloc[0])
    order = list(dict.fromkeys(labels.values()))
    invited_counts = pd.Series({label: 0 for label in order}, dtype=int)
    respondents = pd.Series({label: 0 for label in order}, dtype=int)
    for key, n_invited in counts.items():
        invited_counts[labels[key]] += int(n_invited)
        respondents[labels[key]] += int(answered.get(_match_key(answered.index, key), 0))
    return variable, invited_counts, respondents


def response_rates(data: pd.DataFrame, codebook: Codebook, *, min_cell: int = 5,
                   protection: SurveyProtection | None = None,
                   group_by: Sequence[str] = ()) -> pd.DataFrame:
    """Unit response rate per group from the codebook's ``invited`` section (respondent
    counts under ``min_cell`` suppressed — with ``protection`` as the run's linked
    suppression decided), with the total. A rate is shown only where its count is. With
    the invited variable in ``group_by`` the combined groups are used (see
    :func:`_respondents`)."""
    variable, invited, respondents = _respondents(data, codebook, group_by)
    if variable is None:
        return pd.DataFrame(columns=["Grupp", "Inbjudna", "Svarande", "Svarsfrekvens (%)"])
    if protection is None:
        suppressed = protect_counts(respondents, min_cell)
        hidden = {key: bool(suppressed.suppressed[key]) for key in [*invited.index, "Totalt"]}
    else:
        hidden = {key: protection.hidden({RESPONSE_GROUP: key}) for key in invited.index}
        hidden["Totalt"] = protection.hidden({})
    rows = []
    for key in [*invited.index, "Totalt"]:
        total = key == "Totalt"
        n_invited = int(invited.sum() if total else invited[key])
        n_answered = float(respondents.sum() if total else respondents[key])
        rows.append({"Grupp": key, "Inbjudna": n_invited,
                     "Svarande": MARKER if hidden[key] else int(n_answered),
                     "Svarsfrekvens (%)": MARKER if hidden[key] else round(
                         100 * n_answered / n_invited, 1)})
    return pd.DataFrame(rows)


def _match_key(index: Iterable[Any], key: Any) -> Any:
    for value in index:
        if same_code(value, key):
            return value
    return key


def item_counts(survey: Survey, item: str) -> dict[str, int]:
    """Substantive answers (``Svar``), each declared missing code ("Vet ej (99)") and empty
    answers of one item; together the number of respondents."""
    variable = survey.codebook.variables[item]
    missing = survey.missing
    counts: dict[str, int] = {ANSWERED: int(survey.data[item].notna().sum())}
    for code, label in variable.missing.items():
        text = code_text(code_key(code))
        counts[f"{label} ({text})"] = int(missing[(missing["variable"] == item)
                                                  & (missing["code"] == text)]["n"].sum())
    counts[MISSING_LABEL] = int(missing[(missing["variable"] == item)
                                        & (missing["code"] == "")]["n"].sum())
    return counts


def item_response(survey: Survey, items: Sequence[str], *, min_cell: int = 5,
                  protection: SurveyProtection | None = None) -> pd.DataFrame:
    """Substantive answers, declared missing codes ("Vet ej") and empty answers per item,
    with the number of respondents (``Svarande``, their sum, public). Each row is
    suppressed with :func:`research.survey.disclosure.protect_counts`, or — with
    ``protection`` — as the run's linked suppression decided. The response share is shown
    only where the answers are."""
    rows = []
    total = len(survey.data)
    for item in items:
        counts = item_counts(survey, item)
        question = survey.codebook.label(item)
        if protection is None:
            marked = protect_counts(pd.Series(counts), min_cell).marked()
        else:
            marked = {k: protection.marked({QUESTION: question, OUTCOME: k}) for k in counts}
        row: dict[str, Any] = {"Fråga": question}
        row.update({k: marked[k] for k in counts})
        row["Svarande"] = total  # a key figure of the briefing
        row["Svarsandel (%)"] = (round(100 * counts[ANSWERED] / total, 1)
                                 if marked[ANSWERED] != MARKER and total else MARKER)
        rows.append(row)
    return pd.DataFrame(rows)


def crosstab_counts(data: pd.DataFrame, codebook: Codebook, item: str, by: str
                    ) -> pd.DataFrame | None:
    """Unweighted groups × options counts of one Likert item by one background variable
    (the combined groups of :func:`add_group_columns`); respondents who answered but have
    no group value form a :data:`~research.survey.disclosure.MISSING_GROUP_LABEL` row (never
    published). ``None`` when there are fewer than two groups."""
    groups = data[group_column(by)]
    if groups.nunique() < 2:
        return None
    codes = codebook.variables[item].codes
    labels = [codebook.value_label(item, c) for c in codes]
    values = data[item]
    answered = values.notna()
    levels = sorted(map(str, groups[answered].dropna().unique()))
    if (answered & groups.isna()).any():
        levels.append(MISSING_GROUP_LABEL)
    table = pd.DataFrame(0, index=levels, columns=labels)
    named = groups.astype(object).where(groups.notna(), MISSING_GROUP_LABEL).astype(str)
    for code, label in zip(codes, labels):
        counted = named[values == float(code_key(code))].value_counts()
        table[label] = counted.reindex(levels, fill_value=0).astype(int)
    return table


def _group_series(values: pd.Series, groups: pd.Series) -> tuple[pd.Series, list[str]]:
    """Respondents with a value per group (a missing-group entry, unpublished, when
    needed) and the unpublished entries."""
    valid = values.notna()
    counts = groups[valid].dropna().astype(str).value_counts().sort_index()
    missing = int((valid & groups.isna()).sum())
    if missing:
        counts[MISSING_GROUP_LABEL] = missing
        return counts, [MISSING_GROUP_LABEL]
    return counts, []


def survey_counts(survey: Survey, data: pd.DataFrame, codebook: Codebook,
                  blocks: Mapping[str, Sequence[str]], group_by: Sequence[str],
                  theme_counts: pd.Series | None = None, answers: int | None = None, *,
                  reliability: Mapping[str, int] | None = None,
                  relations: Iterable[Relation] = ()) -> SurveyCounts:
    """Every count table one Enkätanalys run publishes, unsuppressed and linked: Likert
    distributions, cross-tables (question × group × option), item response, respondents
    per index and group (the estimates' counts), response per invited group, respondents
    behind each index's α (``reliability``: index label → respondents; the others are an
    unpublished cell, so that with all respondents public a small rest is protected) and
    answers per free-text theme (with their total ``answers`` when every answer has a
    theme); ``relations`` (:func:`count_relations`) are the inequalities between them."""
    counts = SurveyCounts()
    for items in blocks.values():
        frame = likert_counts(data, codebook, items)
        for question in frame.index:
            counts.likert(question, frame.loc[question])
    for item in codebook.likert_items():
        counts.series(pd.Series(item_counts(survey, item)), OUTCOME,
                      {QUESTION: codebook.label(item)})
        counts.public({QUESTION: codebook.label(item)})  # all respondents, a key figure
        for by in group_by:
            table = crosstab_counts(data, codebook, item, by)
            if table is not None:
                counts.crosstab(codebook.label(item), codebook.label(by), table)
    for name, spec in codebook.indices.items():
        if name not in data.columns:
            continue
        fixed = {OUTCOME: INDEX, QUESTION: spec["label"]}
        if not group_by:
            counts.linked.add_series(f"index:{name}", pd.Series(
                {spec["label"]: float(data[name].notna().sum())}), fixed={OUTCOME: INDEX},
                total=False, dim=QUESTION)
        for by in group_by:
            series, unpublished = _group_series(data[name], data[group_column(by)])
            counts.series(series, codebook.label(by), fixed, unpublished=unpublished)
    for label, n in (reliability or {}).items():
        counts.series(pd.Series({RELIABILITY: float(n), RELIABILITY_REST: float(len(data) - n)}),
                      OUTCOME, {QUESTION: label})
        counts.public({QUESTION: label})  # all respondents, a key figure
    variable, _, respondents = _respondents(data, codebook, group_by)
    if variable is not None:
        counts.series(respondents, RESPONSE_GROUP)
        if int(respondents.sum()) == len(data):
            counts.public({})
    if theme_counts is not None and len(theme_counts):
        if answers is not None and int(theme_counts.sum()) == answers:
            counts.series(theme_counts, THEME, {OUTCOME: "Fritext"})
        else:
            counts.linked.add_series("themes", theme_counts.astype(float),
                                     fixed={OUTCOME: "Fritext"}, total=False, dim=THEME)
    counts.relate(relations)
    return counts


def count_relations(data: pd.DataFrame, codebook: Codebook, group_by: Sequence[str], *,
                    reliability: Iterable[str] = (), nan_policy: str = "pairwise"
                    ) -> list[Relation]:
    """The inequalities a reader knows between the published count tables, which no table
    shows as a sum:

    - for the background variable whose respondents per group the response table shows
      (the codebook's ``invited`` variable), a group's answers to each question and its
      respondents with an index value are at most the group's respondents;
    - the respondents behind an index's α (``reliability``: index labels in the
      reliability table) are at least each of its questions' answers and the respondents
      with an index value (``nan_policy="pairwise"``: everyone who answered one of its
      questions), or at most those (``"listwise"``: everyone who answered all of them).

    The suppression keeps them in every alternative table and the audit uses them; a
    relation naming a cell no table publishes is left out by both."""
    relations: list[Relation] = []
    variable = (codebook.invited or {}).get("variable")
    items = codebook.likert_items()
    indices = {name: spec for name, spec in codebook.indices.items() if name in data.columns}
    if variable in group_by and group_column(variable) in data.columns:
        background = codebook.label(variable)
        for group in map(str, data[group_column(variable)].dropna().unique()):
            respondents = {RESPONSE_GROUP: group}
            for item in items:
                relations.append(Relation.at_most(
                    {OUTCOME: ANSWERED, QUESTION: codebook.label(item), background: group},
                    respondents, name="a group's answers ≤ its respondents"))
            for spec in indices.values():
                relations.append(Relation.at_most(
                    {OUTCOME: INDEX, QUESTION: spec["label"], background: group},
                    respondents, name="a group's index values ≤ its respondents"))
    labels = set(reliability)
    for spec in indices.values():
        if spec["label"] not in labels:
            continue
        base = {OUTCOME: RELIABILITY, QUESTION: spec["label"]}
        below = [{OUTCOME: ANSWERED, QUESTION: codebook.label(i)} for i in spec["items"]
                 if i in items]
        below.append({OUTCOME: INDEX, QUESTION: spec["label"]})
        for other in below:
            pair = (other, base) if nan_policy == "pairwise" else (base, other)
            relations.append(Relation.at_most(*pair, name="respondents behind α"))
    return relations


def linked_reliability(table: pd.DataFrame, protection: SurveyProtection) -> pd.DataFrame:
    """The reliability table with each index's respondents as the linked suppression
    decided (``..`` where hidden: with all respondents public, a few who answered none of
    an index's questions would otherwise be told)."""
    if table.empty:
        return table
    out = table.copy()
    whole = out["Fråga"] == WHOLE_INDEX
    out.loc[whole, "Antal svarande"] = [
        protection.marked({OUTCOME: RELIABILITY, QUESTION: label})
        for label in out.loc[whole, "Index"]]
    return out


def constant_weights(design: SurveyDesign, by: str) -> bool:
    """Whether every group of ``by`` has one weight: then its weighted row shares are
    plain shares of the counts (and are described to the audit as such)."""
    weights = pd.Series(np.asarray(design.weights_, dtype=float), index=design.data.index)
    groups = design.data[group_column(by)]
    return bool((weights.groupby(groups).nunique() <= 1).all())


def linked_crosstabs(crosstabs: pd.DataFrame, data: pd.DataFrame, codebook: Codebook,
                     group_by: Sequence[str], protection: SurveyProtection) -> pd.DataFrame:
    """The cross-tables with the run's linked suppression: counts and group totals as it
    decided, the weighted share only where the count and the group's answers are both
    published, and per question and background variable a ``Totalt`` row (the question's
    answers per option, as in the Likert table) when every respondent has a group value.

    The test columns stay as computed."""
    if crosstabs.empty:
        return crosstabs
    labels = {codebook.label(by): by for by in group_by}
    items = {codebook.label(item): item for item in codebook.likert_items()}
    pieces = []
    for (question, background), rows in crosstabs.groupby(["Fråga", "Bakgrundsvariabel"],
                                                           sort=False):
        rows = rows.copy()
        base = {OUTCOME: ANSWERED, QUESTION: question}
        cells = [{**base, background: g, OPTION: o}
                 for g, o in zip(rows["Grupp"], rows["Svarsalternativ"])]
        groups = [{**base, background: g} for g in rows["Grupp"]]
        count_hidden = [protection.hidden(c) for c in cells]
        group_hidden = [protection.hidden(g) for g in groups]
        rows["Antal"] = [protection.marked(c) for c in cells]
        rows["Antal svar i gruppen"] = [protection.marked(g) for g in groups]
        rows["Andel (%)"] = [MARKER if a or b else share for a, b, share in
                             zip(count_hidden, group_hidden, rows["Andel (%)"])]
        pieces.append(rows)
        table = crosstab_counts(data, codebook, items[question], labels[background])
        if table is None or MISSING_GROUP_LABEL in table.index:
            continue
        first = rows.iloc[0].to_dict()
        total_rows = []
        for option in dict.fromkeys(rows["Svarsalternativ"]):
            total_rows.append({**first, "Grupp": TOTAL_LABEL, "Svarsalternativ": option,
                               "Antal": protection.marked({**base, OPTION: option}),
                               "Andel (%)": None,
                               "Antal svar i gruppen": protection.marked(base)})
        pieces.append(pd.DataFrame(total_rows, columns=rows.columns))
    return pd.concat(pieces, ignore_index=True)


def linked_themes(table: pd.DataFrame, protection: SurveyProtection) -> pd.DataFrame:
    """The free-text themes with their answer counts as the linked suppression decided
    (no quotes where a count is hidden), and a ``Totalt`` row when every answer has a
    theme (the total is published in the findings)."""
    if table.empty:
        return table
    out = table.copy()
    base = {OUTCOME: "Fritext"}
    hidden = [protection.hidden({**base, THEME: t}) for t in out["Tema"]]
    out["Antal svar"] = [protection.marked({**base, THEME: t}) for t in out["Tema"]]
    if "Citat" in out.columns:
        out["Citat"] = ["" if h else q for h, q in zip(hidden, out["Citat"])]
    if protection.position.get(tuple(sorted(base.items()))) is not None:
        total = {column: "" for column in out.columns}
        total.update({"Tema": TOTAL_LABEL, "Antal svar": protection.marked(base)})
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out


SHARE_KIND = "Andel som instämmer"
MEAN_KIND = "Medelvärde"


def table_specs(names: Mapping[str, str], *, outcomes: Sequence[str],
                groups: Sequence[str], constant: Mapping[str, bool],
                incomplete: Iterable[str] = (), top: tuple[str, str] | None = None,
                themes: bool = False) -> list[TableSpec]:
    """Describe the published count tables to the independent audit
    (:mod:`research.privacy.audit`): which column holds which coordinate, which columns
    are counts and which are shares of a published total.

    ``names`` maps ``response``, ``items``, ``likert``, ``estimates``, ``crosstabs``,
    ``top`` and ``themes`` to the saved table names; ``outcomes`` are the item-response
    count columns; ``groups`` the background variables' labels; ``constant`` says per
    background variable whether its groups have one weight each (then the weighted row
    shares of the cross-table are plain shares and are described as such — otherwise they
    are not linear in the counts and are left out, and they are only shown where their
    count and the group's answers are); ``incomplete`` are background variables with
    missing values (their groups do not add up to the total, so no line is claimed);
    ``top`` is the (question, background variable) of the top-difference table.
    """
    incomplete = set(incomplete)
    answered = {OUTCOME: ANSWERED}
    specs = [
        TableSpec(names["response"], {"Grupp": RESPONSE_GROUP}, (Measure("Svarande"),)),
        TableSpec(names["items"], {"Fråga": QUESTION}, (
            *(Measure(k, fixed={OUTCOME: k}) for k in outcomes), Measure("Svarande"),
            Measure("Svarsandel (%)", "share", of=(ANSWERED,), over=(OUTCOME,)))),
        TableSpec(names["likert"], {"Fråga": QUESTION, "Svarsalternativ": OPTION}, (
            Measure("Antal"), Measure("Antal svar", fixed={OPTION: TOTAL_LABEL}),
            Measure("Andel (%)", "share", of=("Antal",), over=(OPTION,))), answered),
    ]
    for kind, outcome in ((SHARE_KIND, ANSWERED), (MEAN_KIND, INDEX)):
        specs.append(TableSpec(names["estimates"], {"Fråga/index": QUESTION},
                               (Measure("Antal svarande"),), {OUTCOME: outcome}, "Alla",
                               where={"Mått": (kind,), "Grupp": ("Alla",)}))
        for group in groups:
            shown = (group,) if group in incomplete else (group, "Alla")
            specs.append(TableSpec(names["estimates"], {"Fråga/index": QUESTION, "Värde": group},
                                   (Measure("Antal svarande"),), {OUTCOME: outcome}, "Alla",
                                   where={"Mått": (kind,), "Grupp": shown}))
    for group in groups:
        measures = [Measure("Antal"),
                    Measure("Antal svar i gruppen", fixed={OPTION: TOTAL_LABEL})]
        if constant.get(group):
            measures.append(Measure("Andel (%)", "share", of=("Antal",), over=(OPTION,)))
        specs.append(TableSpec(names["crosstabs"], {"Fråga": QUESTION, "Grupp": group,
                                                    "Svarsalternativ": OPTION},
                               tuple(measures), answered,
                               where={"Bakgrundsvariabel": (group,)}))
    if top is not None:
        specs.append(TableSpec(names["top"], {"Grupp": top[1]}, (Measure("Antal svar"),),
                               {**answered, QUESTION: top[0]}))
    if themes:
        specs.append(TableSpec(names["themes"], {"Tema": THEME}, (Measure("Antal svar"),),
                               {OUTCOME: "Fritext"}))
    if "reliability" in names:
        specs.append(TableSpec(names["reliability"], {"Index": QUESTION},
                               (Measure("Antal svarande", fixed={OUTCOME: RELIABILITY}),),
                               where={"Fråga": (WHOLE_INDEX,)}))
    return specs
