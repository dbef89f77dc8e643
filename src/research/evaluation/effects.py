"""Effect sizes from raw study numbers, the way R's metafor ``escalc`` computes them.

One row per evaluation goes in (as from :func:`research.evaluation.readers.read_evaluations`);
out comes the same row with ``yi`` (effect size on the analysis scale), ``vi`` (sampling
variance) and a per-study confidence interval. Measures and their metafor names:

========== ============ =====================================================================
ours       metafor      needs
========== ============ =====================================================================
RR, OR, RD RR, OR, RD   2×2 counts ``ai, bi, ci, di`` (or ``ai, n1i, ci, n2i``)
SMD        SMD          ``m1i, m2i, sd1i, sd2i, n1i, n2i`` (Hedges' g, exact correction)
MD         MD           the same
PRE_POST   SMCR         ``m_post, m_pre, sd_pre, ni`` and the pre–post correlation ``ri``
ZCOR       ZCOR         ``ri, ni`` (Fisher's z)
========== ============ =====================================================================

A row may instead give a ready effect size ``yi`` with ``vi`` or ``sei``.

The input rule (stated in the briefing by :data:`INPUT_RULE`): a study that lacks what the
measure needs — a group with n = 0, a missing variance, missing raw numbers, or (RR/OR with
``drop00``) no events or only events in both groups — is **dropped and reported**, as
metafor omits studies whose ``yi``/``vi`` are missing. Impossible values (text where a
number belongs, infinite numbers, negative or fractional counts, more events than persons,
SD or variance ≤ 0, |r| ≥ 1) stop the analysis with an error naming file, row and column.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputDataError, ParameterError, SchemaError
from ..io.tables import to_number
from ..report.formatting import format_number

__all__ = [
    "MEASURES",
    "RATIO_MEASURES",
    "METAFOR_MEASURE",
    "MEASURE_LABELS",
    "MEASURE_SHORT",
    "INPUT_RULE",
    "check_measure",
    "check_level",
    "transform_for",
    "effect_sizes",
    "join_swedish",
]

MEASURES = ("SMD", "MD", "RR", "OR", "RD", "ZCOR", "PRE_POST")
RATIO_MEASURES = ("RR", "OR")
METAFOR_MEASURE = {"SMD": "SMD", "MD": "MD", "RR": "RR", "OR": "OR", "RD": "RD",
                   "ZCOR": "ZCOR", "PRE_POST": "SMCR"}

MEASURE_LABELS = {
    "SMD": "standardiserad medelvärdesskillnad (Hedges g)",
    "MD": "medelvärdesskillnad",
    "RR": "riskkvot (RR)",
    "OR": "oddskvot (OR)",
    "RD": "riskskillnad (RD)",
    "ZCOR": "korrelation (r)",
    "PRE_POST": "standardiserad förändring före–efter (g)",
}
MEASURE_SHORT = {
    "SMD": "g", "MD": "MD", "RR": "RR", "OR": "OR", "RD": "RD", "ZCOR": "r", "PRE_POST": "g",
}

INPUT_RULE = (
    "Regel för underlaget: en utvärdering som saknar det som behövs för att beräkna "
    "effektstorlek och varians – en grupp med n = 0, en saknad varians eller saknade rådata, "
    "eller (för RR och OR) inga händelser eller bara händelser i båda grupperna – tas bort ur "
    "analysen och redovisas, så som R-paketet metafor utesluter sådana studier. Orimliga "
    "värden (text där ett tal ska stå, negativa antal, fler händelser än personer, "
    "standardavvikelse eller varians ≤ 0, |r| ≥ 1) stoppar analysen med ett felmeddelande."
)

# Columns each role may come from, tried in order (metafor's names first).
_ROLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ai": ("ai",), "bi": ("bi",), "ci": ("ci",), "di": ("di",),
    "n1i": ("n1i",), "n2i": ("n2i",),
    "m1i": ("m1i",), "m2i": ("m2i",), "sd1i": ("sd1i",), "sd2i": ("sd2i",),
    "ni": ("ni", "n"), "ri": ("ri", "r"),
    "yi": ("yi",), "vi": ("vi",), "sei": ("sei", "se"),
}
_PRE_POST_COLUMNS: dict[str, tuple[str, ...]] = {
    "m1i": ("m_post", "m1i"), "m2i": ("m_pre", "m2i"), "sd1i": ("sd_pre", "sd1i"),
}
_RAW_ROLES: dict[str, tuple[str, ...]] = {
    "RR": ("ai", "bi", "ci", "di", "n1i", "n2i"),
    "OR": ("ai", "bi", "ci", "di", "n1i", "n2i"),
    "RD": ("ai", "bi", "ci", "di", "n1i", "n2i"),
    "SMD": ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"),
    "MD": ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"),
    "PRE_POST": ("m1i", "m2i", "sd1i", "ni", "ri"),
    "ZCOR": ("ri", "ni"),
}
_MISSING_TEXT = {"na", "nan", "n/a"}


def check_measure(measure: str) -> str:
    """The measure in upper case; :class:`ParameterError` if it is not one of :data:`MEASURES`."""
    value = str(measure).strip().upper()
    if value not in MEASURES:
        raise ParameterError(f"Unknown measure '{measure}'.",
                             hint=f"use one of {', '.join(MEASURES)}", parameter="measure")
    return value


def transform_for(measure: str) -> Callable[[Any], Any]:
    """The back-transformation from the analysis scale to the reader's scale.

    ``exp`` for RR and OR (log scale), ``tanh`` for ZCOR (Fisher z → r), identity otherwise.
    """
    measure = check_measure(measure)
    if measure in RATIO_MEASURES:
        return np.exp
    if measure == "ZCOR":
        return np.tanh
    return lambda x: x


def join_swedish(items: Sequence[object]) -> str:
    """``"a, b och c"``."""
    texts = [str(i) for i in items]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " och " + texts[-1]


def _small_sample_correction(m: np.ndarray | float) -> np.ndarray:
    """metafor's exact bias correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2))."""
    m = np.asarray(m, dtype=float)
    return np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))


# ---------------------------------------------------------------------------------------
# one row


@dataclass
class _Row:
    """The numbers of one evaluation and where they came from (for messages)."""

    file: str
    row: int
    measure: str
    columns: Mapping[str, str | None]
    values: dict[str, float]

    def column(self, role: str) -> str:
        name = self.columns.get(role)
        if name:
            return name
        if self.measure == "PRE_POST" and role in _PRE_POST_COLUMNS:
            return _PRE_POST_COLUMNS[role][0]
        return _ROLE_COLUMNS[role][0]

    def present(self, *roles: str) -> bool:
        return all(not math.isnan(self.values[r]) for r in roles)

    def error(self, role: str, problem: str, hint: str) -> InputDataError:
        return _row_error(self.file, self.row, self.column(role), problem, hint)


@dataclass
class _Drop:
    """A study left out of the analysis, with the reason in Swedish."""

    reason: str


@dataclass
class _Effect:
    yi: float
    vi: float
    corrected: bool = False
    default_r: bool = False


def _row_error(file: str, row: int, column: str, problem: str, hint: str) -> InputDataError:
    return InputDataError(f"{file}, row {row}, column '{column}': {problem}", hint=hint,
                          file=file, row=row, column=column)


def _two_by_two(r: _Row, *, add: float, drop00: bool | None, **_: Any) -> _Effect | _Drop | None:
    """RR, OR, RD from 2×2 counts (metafor: ``add=1/2, to="only0"``)."""
    if not r.present("ai", "ci"):
        return None
    for role in ("ai", "bi", "ci", "di", "n1i", "n2i"):
        value = r.values[role]
        if not math.isnan(value) and (value < 0 or not float(value).is_integer()):
            raise r.error(role, f"{value:g} is not a count (a whole number ≥ 0)",
                          "counts of persons must be whole numbers, 0 or more")
    bi = _non_events(r, "ai", "bi", "n1i")
    di = _non_events(r, "ci", "di", "n2i")
    if bi is None or di is None:
        return None
    ai, ci = r.values["ai"], r.values["ci"]
    if ai + bi == 0 or ci + di == 0:
        return _Drop("en grupp har inga deltagare (n = 0)")
    if drop00 is None:
        drop00 = r.measure in RATIO_MEASURES
    if drop00 and ((ai == 0 and ci == 0) or (bi == 0 and di == 0)):
        return _Drop("inga händelser (eller bara händelser) i båda grupperna"
                     + (", så en kvot kan inte beräknas" if r.measure in RATIO_MEASURES else ""))
    corrected = min(ai, bi, ci, di) == 0
    if corrected:
        ai, bi, ci, di = ai + add, bi + add, ci + add, di + add
    n1, n2 = ai + bi, ci + di
    if r.measure == "RR":
        return _Effect(math.log((ai / n1) / (ci / n2)), 1 / ai - 1 / n1 + 1 / ci - 1 / n2,
                       corrected)
    if r.measure == "OR":
        return _Effect(math.log((ai * di) / (bi * ci)), 1 / ai + 1 / bi + 1 / ci + 1 / di,
                       corrected)
    p1, p2 = ai / n1, ci / n2
    return _Effect(p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, corrected)


def _non_events(r: _Row, events: str, rest: str, total: str) -> float | None:
    """One group's non-events, given directly or as the group total minus its events."""
    v = r.values
    if r.present(rest):
        if r.present(total) and v[total] != v[events] + v[rest]:
            raise r.error(total, f"{total} = {v[total]:g} differs from {events} + {rest} = "
                          f"{v[events] + v[rest]:g}", f"give either {rest} or {total}, or "
                          "make them agree")
        return v[rest]
    if r.present(total):
        if v[total] < v[events]:
            raise r.error(events, f"{v[events]:g} events exceed the group size {total} = "
                          f"{v[total]:g}", "the number of events cannot be larger than the group")
        return v[total] - v[events]
    return None


def _mean_difference(r: _Row, **_: Any) -> _Effect | _Drop | None:
    """MD, and SMD as Hedges' g with metafor's exact correction and ``vtype="LS"``."""
    if not r.present("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"):
        return None
    v = r.values
    if v["n1i"] == 0 or v["n2i"] == 0:
        return _Drop("en grupp har inga deltagare (n = 0)")
    for role in ("n1i", "n2i"):
        if v[role] <= 1:
            raise r.error(role, f"group size {v[role]:g} is too small (n must be > 1)",
                          "a mean difference needs at least two persons per group")
    for role in ("sd1i", "sd2i"):
        if v[role] <= 0:
            raise r.error(role, f"standard deviation {v[role]:g} is not positive",
                          "an SD must be greater than 0; check the source")
    n1, n2, m1, m2, s1, s2 = (v[k] for k in ("n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i"))
    if r.measure == "MD":
        return _Effect(m1 - m2, s1**2 / n1 + s2**2 / n2)
    if n1 + n2 - 2 < 2:
        raise r.error("n1i", "too few persons for Hedges' correction (n1 + n2 − 2 < 2)",
                      "SMD needs at least four persons in total")
    sd_pooled = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    yi = float(_small_sample_correction(n1 + n2 - 2)) * (m1 - m2) / sd_pooled
    return _Effect(yi, 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2)))


def _pre_post(r: _Row, *, pre_post_r: float | None, **_: Any) -> _Effect | _Drop | None:
    """metafor's SMCR: standardised by the SD before, with the pre–post correlation."""
    if not r.present("m1i", "m2i", "sd1i", "ni"):
        return None
    v = r.values
    n = v["ni"]
    if n == 0:
        return _Drop("inga deltagare (n = 0)")
    if n <= 2:
        raise r.error("ni", f"sample size {n:g} is too small (n must be > 2)",
                      "a pre/post comparison needs at least three persons")
    if v["sd1i"] <= 0:
        raise r.error("sd1i", f"standard deviation {v['sd1i']:g} is not positive",
                      "an SD must be greater than 0; check the source")
    default_r = math.isnan(v["ri"])
    rho = (0.5 if pre_post_r is None else float(pre_post_r)) if default_r else v["ri"]
    if not -1 < rho < 1:
        raise r.error("ri", f"the pre–post correlation {rho:g} is outside (−1, 1)",
                      "give the correlation between the before and after measurements")
    yi = float(_small_sample_correction(n - 1)) * (v["m1i"] - v["m2i"]) / v["sd1i"]
    return _Effect(yi, 2 * (1 - rho) / n + yi**2 / (2 * n), default_r=default_r)


def _fisher_z(r: _Row, **_: Any) -> _Effect | _Drop | None:
    if not r.present("ri", "ni"):
        return None
    v = r.values
    if v["ni"] == 0:
        return _Drop("inga deltagare (n = 0)")
    if v["ni"] <= 3:
        raise r.error("ni", f"sample size {v['ni']:g} is too small (n must be > 3)",
                      "Fisher's z needs at least four persons")
    if not -1 < v["ri"] < 1:
        raise r.error("ri", f"correlation {v['ri']:g} is outside (−1, 1)",
                      "a correlation lies strictly between −1 and 1")
    return _Effect(math.atanh(v["ri"]), 1 / (v["ni"] - 3))


_RAW_EFFECTS: dict[str, Callable[..., _Effect | _Drop | None]] = {
    "RR": _two_by_two, "OR": _two_by_two, "RD": _two_by_two, "SMD": _mean_difference,
    "MD": _mean_difference, "PRE_POST": _pre_post, "ZCOR": _fisher_z,
}


def _given_effect(r: _Row) -> _Effect | _Drop:
    """A ready effect size ``yi`` with ``vi`` or ``sei``; dropped when something is missing."""
    if not r.present("yi"):
        missing = _missing_raw(r)
        return _Drop("varken fullständiga rådata (saknas: " + ", ".join(missing) + ") eller "
                     "en färdig effektstorlek (yi med vi eller sei)")
    yi, vi, sei = r.values["yi"], r.values["vi"], r.values["sei"]
    if not math.isnan(vi):
        if vi <= 0:
            raise r.error("vi", f"the sampling variance {vi:g} is not positive",
                          "a variance must be greater than 0; check the source")
        return _Effect(yi, vi)
    if not math.isnan(sei):
        if sei <= 0:
            raise r.error("sei", f"the standard error {sei:g} is not positive",
                          "a standard error must be greater than 0")
        return _Effect(yi, sei**2)
    return _Drop(f"effektstorleken finns ({r.column('yi')}) men varken varians "
                 f"({r.column('vi')}) eller standardfel ({r.column('sei')})")


def _missing_raw(r: _Row) -> list[str]:
    if r.measure in ("RR", "OR", "RD"):
        need = ["ai", "ci",
                "bi" if r.present("bi") or not r.present("n1i") else "n1i",
                "di" if r.present("di") or not r.present("n2i") else "n2i"]
    elif r.measure == "PRE_POST":
        need = ["m1i", "m2i", "sd1i", "ni"]
    else:
        need = [role for role in _RAW_ROLES[r.measure]]
    return [r.column(role) for role in need if not r.present(role)]


# ---------------------------------------------------------------------------------------
# the table


def _role_column(df: pd.DataFrame, role: str, measure: str,
                 columns: Mapping[str, str]) -> str | None:
    if role in columns:
        name = columns[role]
        if name not in df.columns:
            raise SchemaError(
                f"Column '{name}' (given for '{role}') is not in "
                f"{df.attrs.get('file', 'the evaluations table')}.",
                hint=f"columns present: {', '.join(map(str, df.columns))}", column=name,
                file=df.attrs.get("file"))
        return name
    candidates = _ROLE_COLUMNS.get(role, ())
    if measure == "PRE_POST" and role in _PRE_POST_COLUMNS:
        candidates = _PRE_POST_COLUMNS[role]
    return next((name for name in candidates if name in df.columns), None)


def _numeric_columns(df: pd.DataFrame, role_cols: Mapping[str, str | None], file: str,
                     rows: Sequence[int]) -> dict[str, np.ndarray]:
    """Each role's column as floats (decimal comma as the table uses it); text that is not
    a number, or an infinite number, is an error naming the row and column."""
    decimal = df.attrs.get("decimal")
    out: dict[str, np.ndarray] = {}
    for role, name in role_cols.items():
        if name is None:
            out[role] = np.full(len(df), math.nan)
            continue
        raw = df[name]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            values = raw.to_numpy(dtype=float)
            text = raw.astype(str)
        else:
            text = raw.map(lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x))
                           else str(x).strip())
            text = text.where(~text.str.lower().isin(_MISSING_TEXT), "")
            values = to_number(text, decimal=decimal).to_numpy(dtype=float)
            bad = np.flatnonzero(np.isnan(values) & (text != "").to_numpy())
            if bad.size:
                i = int(bad[0])
                raise _row_error(file, rows[i], name, f"{str(raw.iloc[i])[:40]!r} is not a number",
                                 "write a number (decimal point or decimal comma) or leave the "
                                 "cell empty")
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            i = int(infinite[0])
            raise _row_error(file, rows[i], name, f"{text.iloc[i][:40]!r} is not a finite number",
                             "write an ordinary number; an infinite effect size or variance "
                             "usually means a calculation error in the source spreadsheet")
        out[role] = values
    return out


def effect_sizes(
    df: pd.DataFrame,
    measure: str,
    *,
    columns: Mapping[str, str] | None = None,
    study: str = "study",
    pre_post_r: float | None = None,
    level: float = 0.95,
    add: float = 0.5,
    drop00: bool | None = None,
) -> pd.DataFrame:
    """Compute effect sizes ``yi`` and sampling variances ``vi``, one row per evaluation.

    Parameters
    ----------
    df
        Evaluations, as from :func:`read_evaluations`. Each row has either the raw numbers
        the measure needs or a ready effect size ``yi`` with ``vi`` or ``sei`` (on the
        analysis scale: log RR, log OR, Fisher z …).
    measure
        One of :data:`MEASURES` (see the module docstring for the columns each needs).
    columns
        Map a role (``"ai"``, ``"m1i"``, ``"yi"``, ``"sei"`` …) to a column with another
        name, e.g. ``{"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}``.
    study
        Column with the study label (``"Utvärdering <row>"`` if absent or empty).
    pre_post_r
        Pre–post correlation for PRE_POST rows without ``ri``; ``None`` uses 0.5 with a note.
    level
        Confidence level of the per-study intervals, a fraction (0.95, not 95).
    add
        Added to all four cells of a 2×2 table that has a zero cell (metafor's
        ``add=1/2, to="only0"``).
    drop00
        Drop 2×2 studies with no events (or only events) in both groups, as metafor's
        ``drop00=TRUE``. ``None`` (default) drops them for RR and OR, where no ratio can be
        estimated, and keeps them for RD; ``False`` keeps them with the correction (metafor's
        own default).

    Returns
    -------
    pandas.DataFrame
        The kept rows with ``study``, ``yi``, ``vi``, ``sei``, ``ci_low``, ``ci_high``,
        ``effect*`` (back-transformed for RR/OR/ZCOR), ``estimate_source`` (``"rådata"`` or
        ``"angiven"``) and ``corrected``. ``attrs``: ``file``, ``measure``, ``level``,
        ``notes`` (Swedish), ``dropped`` (list of dicts: study, source_row, reason).

    Raises
    ------
    ParameterError
        Unknown measure, or a level that is not a fraction.
    InputDataError
        Impossible values (naming file, row and column), or no usable study at all.
    """
    measure = check_measure(measure)
    level = check_level(level)
    if df is None or len(df) == 0:
        raise InputDataError("There are no evaluations to compute effect sizes from.",
                             hint="check the evaluations file and the 'method_name' filter")
    columns = dict(columns or {})
    file = str(df.attrs.get("file", "evaluations table"))
    rows = (pd.to_numeric(df["source_row"]).astype(int).tolist() if "source_row" in df.columns
            else list(range(2, len(df) + 2)))
    role_cols = {r: _role_column(df, r, measure, columns)
                 for r in (*_RAW_ROLES[measure], "yi", "vi", "sei")}
    numbers = _numeric_columns(df, role_cols, file, rows)
    labels = _labels(df, study, rows)
    kept, effects, dropped = [], [], []
    for position in range(len(df)):
        r = _Row(file, rows[position], measure, role_cols,
                 {role: float(values[position]) for role, values in numbers.items()})
        outcome = _RAW_EFFECTS[measure](r, add=add, drop00=drop00, pre_post_r=pre_post_r)
        source = "rådata"
        if outcome is None:
            outcome, source = _given_effect(r), "angiven"
        if isinstance(outcome, _Drop):
            dropped.append({"study": labels[position], "source_row": rows[position],
                            "reason": outcome.reason})
            continue
        kept.append(position)
        effects.append((outcome, source))
    if not kept:
        reasons = join_swedish(sorted({d["reason"] for d in dropped}))
        raise InputDataError(
            f"No usable evaluations in {file}: every row was left out ({reasons}).",
            hint=_requirement_hint(measure), file=file, parameter="evaluations")
    return _effect_frame(df, kept, effects, labels, dropped, measure=measure, level=level,
                         add=add, pre_post_r=pre_post_r, file=file)


def check_level(level: float) -> float:
    """A confidence level as a fraction; 95 (a percentage) is a clear error."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ParameterError(f"Confidence level {level!r} is not a number.",
                             hint="give it as a fraction, e.g. 0.95", parameter="level") from None
    if 50 <= value < 100:
        raise ParameterError(f"Confidence level {value:g} looks like a percentage.",
                             hint=f"give it as a fraction: {value / 100:g} instead of {value:g}",
                             parameter="level")
    if not 0 < value < 1:
        raise ParameterError(f"Confidence level {value:g} must lie between 0 and 1.",
                             hint="e.g. 0.95", parameter="level")
    return value


def _labels(df: pd.DataFrame, study: str, rows: Sequence[int]) -> list[str]:
    if study not in df.columns:
        return [f"Utvärdering {r}" for r in rows]
    names = df[study].map(lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x))
                          else str(x).strip())
    return [name or f"Utvärdering {r}" for name, r in zip(names, rows)]


def _effect_frame(df: pd.DataFrame, kept: list[int], effects: list[tuple[_Effect, str]],
                  labels: list[str], dropped: list[dict[str, Any]], *, measure: str,
                  level: float, add: float, pre_post_r: float | None, file: str) -> pd.DataFrame:
    z = float(stats.norm.ppf(0.5 + level / 2))
    out = df.iloc[kept].copy().reset_index(drop=True)
    yi = np.array([e.yi for e, _ in effects])
    vi = np.array([e.vi for e, _ in effects])
    out["study"] = [labels[i] for i in kept]
    out["yi"], out["vi"], out["sei"] = yi, vi, np.sqrt(vi)
    out["ci_low"], out["ci_high"] = yi - z * np.sqrt(vi), yi + z * np.sqrt(vi)
    out["estimate_source"] = [source for _, source in effects]
    out["corrected"] = [e.corrected for e, _ in effects]
    back = transform_for(measure)
    out["effect"] = back(out["yi"])
    out["effect_ci_low"] = back(out["ci_low"])
    out["effect_ci_high"] = back(out["ci_high"])
    rows = out["source_row"].tolist() if "source_row" in out else [i + 2 for i in kept]
    default_r = [row for row, (e, _) in zip(rows, effects) if e.default_r]
    notes = _notes(out, dropped, default_r, add=add, pre_post_r=pre_post_r)
    out.attrs = {"file": file, "measure": measure, "notes": notes, "dropped": dropped,
                 "level": level}
    return out


def _notes(out: pd.DataFrame, dropped: list[dict[str, Any]], default_r: list[int], *,
           add: float, pre_post_r: float | None) -> list[str]:
    notes: list[str] = []
    corrected = out.loc[out["corrected"], "study"].tolist()
    if corrected:
        notes.append(f"{format_number(add, 1)} lades till i alla fyra cellerna för "
                     f"{join_swedish(corrected)} eftersom en cell var noll (som metafor gör).")
    for item in dropped:
        notes.append(f"{item['study']} (rad {item['source_row']}) togs bort ur analysen: "
                     f"{item['reason']}.")
    if default_r:
        r_used = 0.5 if pre_post_r is None else pre_post_r
        notes.append(f"Korrelationen mellan före- och eftermätning saknades (rad "
                     f"{', '.join(map(str, default_r))}); r = {format_number(r_used, 2)} "
                     "antogs. Effektens osäkerhet beror på det antagandet.")
    given = int((out["estimate_source"] == "angiven").sum())
    if given:
        notes.append(f"{given} {'effektstorlek' if given == 1 else 'effektstorlekar'} togs som "
                     "de rapporterades (yi med varians eller standardfel) i stället för att "
                     "beräknas från rådata.")
    return notes


def _requirement_hint(measure: str) -> str:
    needs = {
        "RR": "ai, bi, ci, di (or ai, n1i, ci, n2i)",
        "OR": "ai, bi, ci, di (or ai, n1i, ci, n2i)",
        "RD": "ai, bi, ci, di (or ai, n1i, ci, n2i)",
        "SMD": "m1i, m2i, sd1i, sd2i, n1i, n2i", "MD": "m1i, m2i, sd1i, sd2i, n1i, n2i",
        "PRE_POST": "m_post, m_pre, sd_pre, ni and ri (pre-post correlation)",
        "ZCOR": "ri and ni",
    }[measure]
    return (f"fill in {needs}, or give a ready effect size in 'yi' with 'vi' or 'sei' "
            "(analysis scale); check that 'measure' matches the file")
