"""Metoder, enkäter och omvärld i landet: pooling what several Kunskapshus published.

- :func:`method_evaluations` gathers the local evaluations of each method (by the method
  register id / ``method_name`` parameter of the metodutvärdering runs), one row per
  evaluation with its Kunskapshus, ready for a three-level meta-analysis (evaluations within
  Kunskapshus, as metafor's ``rma.mv(yi, vi, random = ~ 1 | kunskapshus/evaluation)``).
- :func:`survey_indices` puts the same index per Kunskapshus side by side, and
  :func:`stratified_estimate` combines them only where the designs allow it: each Kunskapshus a
  stratum of a combined design with known population sizes, ``Σ W_h ȳ_h`` with
  ``SE = √(Σ W_h² SE_h²)``.
- :func:`rising_everywhere` counts the Kunskapshus where a theme is rising at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SchemaError

__all__ = ["method_evaluations", "survey_indices", "stratified_estimate", "rising_everywhere"]


def _column(frame: pd.DataFrame, candidates: Sequence[str], what: str) -> str:
    for name in candidates:
        if name in frame.columns:
            return name
    raise SchemaError(f"The bundles' {what} table has none of the columns "
                      f"{', '.join(candidates)}.", hint="import bundles made with a current "
                      "version of the notebook", column=candidates[0])


def method_evaluations(effects: pd.DataFrame, methods: pd.Series,
                       measures: pd.Series | None = None) -> pd.DataFrame:
    """One row per local evaluation: method, measure, kunskapshus, evaluation, yi, vi.

    ``methods`` (and ``measures``) map each bundle id (``effects["bundle"]``) to the method
    evaluated (and its effect measure, e.g. ``RR``). An
    evaluation reported by two Kunskapshus (same name and effect) is kept once, with the
    first Kunskapshus.
    """
    if effects.empty:
        return pd.DataFrame(columns=["method", "measure", "kunskapshus", "evaluation", "yi",
                                     "vi"])
    name = _column(effects, ("Utvärdering", "evaluation", "study"), "effect_sizes")
    yi = _column(effects, ("yi", "yi (analysskala)", "Effekt (analysskala)"), "effect_sizes")
    vi = _column(effects, ("vi", "vi (varians)", "Varians"), "effect_sizes")
    out = pd.DataFrame({
        "method": effects["bundle"].map(methods),
        "measure": effects["bundle"].map(measures) if measures is not None else "",
        "kunskapshus": effects["kunskapshus"],
        "evaluation": effects[name],
        "yi": pd.to_numeric(effects[yi], errors="coerce"),
        "vi": pd.to_numeric(effects[vi], errors="coerce"),
    }).dropna(subset=["yi", "vi"])
    return out.drop_duplicates(subset=["method", "measure", "evaluation", "yi", "vi"]).reset_index(drop=True)


def survey_indices(estimates: pd.DataFrame) -> pd.DataFrame:
    """Index estimates for the whole population of each Kunskapshus' survey (the rows for
    all respondents, not the groups): index, estimate, CI, SE, population (if published)."""
    label = _column(estimates, ("Fråga/index", "Index", "Storhet"), "estimates")
    value = _column(estimates, ("Skattning", "Medelvärde", "estimate"), "estimates")
    low = _column(estimates, ("KI nedre (95 %)", "Nedre gräns", "ci_low"), "estimates")
    high = _column(estimates, ("KI övre (95 %)", "Övre gräns", "ci_high"), "estimates")
    rows = estimates
    if "Grupp" in rows.columns:
        rows = rows.loc[rows["Grupp"] == "Alla"]
    if "Mått" in rows.columns:
        rows = rows.loc[rows["Mått"] == "Medelvärde"]
    if "Undertryckt" in rows.columns:
        rows = rows.loc[rows["Undertryckt"] != "ja"]
    out = pd.DataFrame({"kunskapshus": rows["kunskapshus"], "index": rows[label],
                        "estimate": pd.to_numeric(rows[value], errors="coerce"),
                        "ci_low": pd.to_numeric(rows[low], errors="coerce"),
                        "ci_high": pd.to_numeric(rows[high], errors="coerce")})
    se_name = next((c for c in ("Medelfel", "SE", "se") if c in rows.columns), None)
    out["se"] = (pd.to_numeric(rows[se_name], errors="coerce") if se_name
                 else (out["ci_high"] - out["ci_low"]) / (2 * 1.959963984540054))
    pop = next((c for c in ("Population", "Populationsstorlek", "population")
                if c in rows.columns), None)
    out["population"] = pd.to_numeric(rows[pop], errors="coerce") if pop else np.nan
    return out.dropna(subset=["estimate"]).reset_index(drop=True)


def stratified_estimate(indices: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """National estimate per index with each Kunskapshus a stratum (independent samples,
    known population sizes); an index lacking a population size anywhere gets none."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for index, frame in indices.groupby("index", sort=False):
        if frame["population"].isna().any() or frame["population"].le(0).any():
            continue
        weights = frame["population"] / frame["population"].sum()
        estimate = float((weights * frame["estimate"]).sum())
        se = float(np.sqrt((weights ** 2 * frame["se"] ** 2).sum()))
        rows.append({"index": index, "estimate": estimate, "se": se,
                     "ci_low": estimate - z * se, "ci_high": estimate + z * se,
                     "strata": len(frame), "population": float(frame["population"].sum())})
    return pd.DataFrame(rows, columns=["index", "estimate", "se", "ci_low", "ci_high", "strata",
                                       "population"])


def rising_everywhere(themes: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Themes rising (more than expected, significant at ``alpha``) per Kunskapshus, and
    in how many Kunskapshus at once."""
    if themes.empty:
        return pd.DataFrame(columns=["theme", "label", "houses", "kunskapshus"])
    label = _column(themes, ("label", "Tema"), "themes")
    key = _column(themes, ("theme", "Temanyckel"), "themes")
    change = pd.to_numeric(themes[_column(themes, ("change", "Förändring"), "themes")],
                           errors="coerce")
    significance = pd.to_numeric(themes[_column(themes, ("significance", "p"), "themes")],
                                 errors="coerce")
    rising = themes.loc[(change > 1) & (significance <= alpha)]
    grouped = rising.groupby([key, label]).agg(
        houses=("kunskapshus", "nunique"),
        kunskapshus=("kunskapshus", lambda s: ", ".join(sorted(set(s)))))
    return (grouped.reset_index().rename(columns={key: "theme", label: "label"})
            .sort_values(["houses", "label"], ascending=[False, True]).reset_index(drop=True))
