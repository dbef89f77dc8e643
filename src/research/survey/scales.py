"""Scales: reverse coding, indices (means of items) and Cronbach's α."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError, ParameterError
from .codebook import Codebook, Variable, code_key
from .design import check_level

__all__ = [
    "NAN_POLICIES",
    "AlphaResult",
    "cronbach_alpha",
    "reverse_code",
    "scale_items",
    "compute_indices",
    "reliability_table",
]


NAN_POLICIES = ("pairwise", "listwise")


@dataclass
class AlphaResult:
    """Cronbach's α (raw and standardised) with its Feldt confidence interval.

    Attributes
    ----------
    alpha, ci_low, ci_high
        Raw α (from covariances) and its Feldt interval.
    std_alpha
        Standardised α (from correlations), psych's ``std.alpha``.
    n, k
        Respondents (all rows for ``"pairwise"``, complete rows for ``"listwise"``) and
        items.
    if_deleted, std_if_deleted
        Raw and standardised α of the other items, per item (psych's ``alpha.drop``).
    nan_policy
        How missing answers were handled.
    """

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    if_deleted: pd.Series
    std_alpha: float = math.nan
    std_if_deleted: pd.Series | None = None
    nan_policy: str = "pairwise"

    def as_tuple(self) -> tuple[float, tuple[float, float]]:
        """``(alpha, (ci_low, ci_high))`` as pingouin returns it (CI unrounded)."""
        return self.alpha, (self.ci_low, self.ci_high)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or total <= 0:
        return math.nan
    return k / (k - 1) * (1 - np.trace(cov) / total)


def _alpha_if_deleted(cov: np.ndarray) -> np.ndarray:
    """α of the other k − 1 items, for each item, from one covariance matrix."""
    k = cov.shape[0]
    if k < 3:
        return np.full(k, np.nan)
    diagonal = np.diag(cov)
    totals = cov.sum() - 2 * cov.sum(axis=1) + diagonal
    traces = diagonal.sum() - diagonal
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = (k - 1) / (k - 2) * (1 - traces / totals)
    return np.where(totals > 0, alphas, np.nan)


def _item_values(items: pd.DataFrame) -> np.ndarray:
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise ParameterError("Cronbach's α needs at least two item columns.",
                             parameter="items")
    try:
        return items.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise InputDataError(f"Cronbach's α needs numeric item scores ({error}).",
                             hint="convert the answers to numbers first") from error


def cronbach_alpha(items: pd.DataFrame, *, ci: float = 0.95, nan_policy: str = "pairwise"
                   ) -> AlphaResult:
    """Cronbach's α of the item columns of ``items`` (rows: respondents).

    α = k/(k−1)·(1 − tr(C) / ΣC) from the item covariance matrix C; standardised α from
    the correlation matrix; α if item deleted from the same matrices — psych's
    ``alpha()`` (``raw_alpha``, ``std.alpha``, ``alpha.drop``). 95 % CI by Feldt (1965):
    ``1 − (1 − α)·F`` with F quantiles on (n − 1, (n − 1)(k − 1)) df, as
    ``pingouin.cronbach_alpha``.

    Parameters
    ----------
    items
        Numeric item scores, reverse-coded already where needed.
    ci
        Confidence level of the Feldt interval (a fraction, e.g. 0.95).
    nan_policy
        ``"pairwise"`` (default, as psych and pingouin: pairwise-complete covariances;
        n counts all rows) or ``"listwise"`` (respondents with any missing item dropped).

    Returns
    -------
    AlphaResult
    """
    ci = check_level(ci, "ci")
    values = _item_values(items)
    if nan_policy == "listwise":
        values = values[~np.isnan(values).any(axis=1)]
    elif nan_policy != "pairwise":
        raise ParameterError(f"Unknown nan_policy {nan_policy!r}.",
                             hint="use 'pairwise' or 'listwise'", parameter="nan_policy")
    n, k = values.shape
    if n < 3:
        raise InputDataError(f"Cronbach's α needs at least three respondents (got {n}).")
    frame = pd.DataFrame(values)
    cov = frame.cov().to_numpy()
    scale = np.sqrt(np.diag(cov))
    corr = cov / np.outer(scale, scale)  # psych: cov2cor of the pairwise covariances
    alpha = _alpha_from_cov(cov)
    df1 = n - 1
    df2 = df1 * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf((1 - ci) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - (1 - ci) / 2, df1, df2)
    return AlphaResult(
        alpha=float(alpha), ci_low=float(low), ci_high=float(high), n=n, k=k,
        if_deleted=pd.Series(_alpha_if_deleted(cov), index=items.columns,
                             name="alpha_if_deleted"),
        std_alpha=float(_alpha_from_cov(corr)),
        std_if_deleted=pd.Series(_alpha_if_deleted(corr), index=items.columns,
                                 name="std_alpha_if_deleted"),
        nan_policy=nan_policy)


def reverse_code(values: pd.Series, variable: Variable) -> pd.Series:
    """Reverse a Likert item: lowest code ↔ highest code."""
    codes = [float(code_key(c)) for c in variable.codes]
    return (min(codes) + max(codes)) - values


def scale_items(data: pd.DataFrame, codebook: Codebook, index: str) -> pd.DataFrame:
    """The items of an index, reverse-coded where the codebook says so."""
    if index not in codebook.indices:
        raise ParameterError(f"Unknown index {index!r}.",
                             hint=f"known: {', '.join(codebook.indices) or 'none'}",
                             parameter="index")
    columns = {}
    for item in codebook.indices[index]["items"]:
        variable = codebook.variables[item]
        values = data[item].astype(float)
        columns[item] = reverse_code(values, variable) if variable.reverse else values
    return pd.DataFrame(columns, index=data.index)


def compute_indices(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``data`` with one column per codebook index: the mean of its (reverse-coded) items
    for respondents answering at least ``min_items`` of them, else NaN."""
    out = data.copy()
    for name, spec in codebook.indices.items():
        items = scale_items(data, codebook, name)
        answered = items.notna().sum(axis=1)
        out[name] = items.mean(axis=1).where(answered >= spec["min_items"])
    return out


def reliability_table(data: pd.DataFrame, codebook: Codebook, *, min_cell: int = 5,
                      nan_policy: str = "pairwise") -> pd.DataFrame:
    """Cronbach's α (raw and standardised) with Feldt CI and α if item deleted for every
    index (Swedish column names, one row per index and item). Respondents who answered
    none of an index's items are not counted; an index with fewer than ``min_cell``
    respondents is left out."""
    rows = []
    for name, spec in codebook.indices.items():
        items = scale_items(data, codebook, name).dropna(how="all")
        try:
            result = cronbach_alpha(items, nan_policy=nan_policy)
        except InputDataError:
            continue
        if result.n < min_cell:
            continue
        rows.append({"Index": spec["label"], "Fråga": "Hela indexet", "Antal frågor": result.k,
                     "Antal svarande": result.n, "Cronbachs alfa": round(result.alpha, 3),
                     "Standardiserat alfa": round(result.std_alpha, 3),
                     "KI nedre": round(result.ci_low, 3), "KI övre": round(result.ci_high, 3),
                     "Alfa om frågan tas bort": None})
        for item, value in result.if_deleted.items():
            label = codebook.label(item) + (" (omvänd)" if codebook.variables[item].reverse
                                            else "")
            rows.append({"Index": spec["label"], "Fråga": label, "Antal frågor": None,
                         "Antal svarande": None, "Cronbachs alfa": None,
                         "Standardiserat alfa": None, "KI nedre": None,
                         "KI övre": None, "Alfa om frågan tas bort": round(float(value), 3)})
    table = pd.DataFrame(rows, columns=["Index", "Fråga", "Antal frågor", "Antal svarande",
                                        "Cronbachs alfa", "Standardiserat alfa", "KI nedre",
                                        "KI övre",
                                        "Alfa om frågan tas bort"])
    for column in ("Antal frågor", "Antal svarande"):  # whole numbers, blank when n/a
        table[column] = pd.Series([None if pd.isna(v) else int(v) for v in table[column]],
                                  index=table.index, dtype=object)
    return table

