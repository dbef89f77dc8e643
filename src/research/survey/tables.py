"""Tables for the briefing: design-based estimates, response rates and item response,
each already through disclosure control; decimals for showing them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .codebook import MISSING_LABEL, Codebook, code_key, code_text, same_code
from .design import SurveyDesign
from .disclosure import (agreement_hidden, combine_small_groups, protect_counts,
                         suppressed_estimates)
from .readers import Survey

__all__ = [
    "group_column",
    "add_group_columns",
    "estimates_table",
    "table_decimals",
    "response_rates",
    "item_response",
]


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
                    group_by: Sequence[str] = (), min_cell: int = 5) -> pd.DataFrame:
    """Design-based estimates for the briefing: the mean of every index and the share
    that agrees with every Likert item, overall and by each background variable in
    ``group_by`` (use :func:`add_group_columns` first), with disclosure control.

    Rows based on fewer than ``min_cell`` respondents are blanked (with complementary
    suppression, :func:`suppressed_estimates`); a share is also blanked when fewer than
    ``min_cell`` respondents agree or disagree (the share would reveal them).
    """
    data = design.data
    pieces = []
    targets = [(name, "Medelvärde", codebook.indices[name]["label"])
               for name in codebook.indices if name in data.columns]
    targets += [(f"_agree_{item}", "Andel som instämmer", codebook.label(item))
                for item in codebook.likert_items() if f"_agree_{item}" in data.columns]
    for column, kind, label in targets:
        for by in [None, *group_by]:
            by_column = None if by is None else group_column(by)
            if kind == "Andel som instämmer":  # Korn–Graubard, as svyciprop(method="beta")
                frame = design.proportion(column, by=by_column, levels=[1.0], method="beta")
                frame["n"] = frame["n_valid"]
                frame = frame.drop(columns=["level", "n_valid"])
            else:
                frame = design.mean(column, by=by_column)
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


def response_rates(data: pd.DataFrame, codebook: Codebook, *, min_cell: int = 5
                   ) -> pd.DataFrame:
    """Unit response rate per group from the codebook's ``invited`` section (respondent
    counts under ``min_cell`` suppressed), with the total."""
    invited = codebook.invited or {}
    variable = invited.get("variable")
    counts = invited.get("counts") or {}
    if not variable or not counts or variable not in data.columns:
        return pd.DataFrame(columns=["Grupp", "Inbjudna", "Svarande", "Svarsfrekvens (%)"])
    answered = data[variable].value_counts()
    respondents = pd.Series({k: int(answered.get(_match_key(answered.index, k), 0))
                             for k in counts})
    suppressed = protect_counts(respondents, min_cell)
    rows = []
    for key in list(counts) + ["Totalt"]:
        hidden = bool(suppressed.suppressed[key])
        n_invited = int(sum(counts.values())) if key == "Totalt" else int(counts[key])
        n_answered = float(suppressed.table[key]) if not hidden else math.nan
        label = "Totalt" if key == "Totalt" else codebook.value_label(variable, key)
        rows.append({"Grupp": label, "Inbjudna": n_invited,
                     "Svarande": ".." if hidden else int(n_answered),
                     "Svarsfrekvens (%)": ".." if hidden else round(100 * n_answered /
                                                                    n_invited, 1)})
    return pd.DataFrame(rows)


def _match_key(index: Iterable[Any], key: Any) -> Any:
    for value in index:
        if same_code(value, key):
            return value
    return key


def item_response(survey: Survey, items: Sequence[str], *, min_cell: int = 5) -> pd.DataFrame:
    """Substantive answers, declared missing codes ("Vet ej") and empty answers per item,
    each row suppressed with :func:`research.survey.disclosure.protect_counts` (the row total, the
    number of respondents, is public)."""
    rows = []
    total = len(survey.data)
    missing = survey.missing
    for item in items:
        variable = survey.codebook.variables[item]
        counts: dict[str, int] = {"Svar": int(survey.data[item].notna().sum())}
        for code, label in variable.missing.items():
            text = code_text(code_key(code))
            counts[f"{label} ({text})"] = int(missing[(missing["variable"] == item)
                                                      & (missing["code"] == text)]["n"].sum())
        counts[MISSING_LABEL] = int(missing[(missing["variable"] == item)
                                            & (missing["code"] == "")]["n"].sum())
        marked = protect_counts(pd.Series(counts), min_cell).marked()
        row: dict[str, Any] = {"Fråga": survey.codebook.label(item)}
        row.update({k: marked[k] for k in counts})
        row["Svarsandel (%)"] = (round(100 * counts["Svar"] / total, 1)
                                 if marked["Svar"] != ".." and total else "..")
        rows.append(row)
    return pd.DataFrame(rows)

