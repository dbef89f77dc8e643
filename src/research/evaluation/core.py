"""Method evaluation: effect sizes, meta-analysis, robustness, figures and evidence grading.

A researcher gathers the evaluations of one preventive method (a local before/after
follow-up, comparison-group studies, published trials) and asks how large the effect is,
how certain it is and how strong the evidence is. This module answers with:

- :func:`read_evaluations` and :func:`effect_sizes`: one row per evaluation, effect sizes
  computed from raw numbers (2×2 counts, group means/SDs, pre/post means, correlations) the
  way metafor's ``escalc`` does, or taken as given (``yi`` with ``vi`` or ``sei``);
- :func:`meta_analysis`: fixed effect and random effects (REML, DerSimonian–Laird,
  Paule–Mandel), Knapp–Hartung, prediction interval, Q-profile CI for τ², and I²/H² the
  way metafor computes them for each estimator (checked against metafor on the BCG data);
- robustness: :func:`subgroup_analysis`, :func:`meta_regression`, :func:`leave_one_out`,
  :func:`egger_test`, collected by :func:`sensitivity_table`;
- figures: :func:`forest_plot` and :func:`funnel_plot` with Swedish labels and alt text;
- evidence grading on the Maryland Scientific Methods Scale (Sherman et al. 1997/2002):
  :func:`sms_level`, :func:`evidence_table`, :func:`grade_evidence`, and a method register
  (:func:`load_register`, :func:`register_table`).

Everything a reader sees is Swedish; code and messages for researchers are English.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import ConfigError, InputDataError, ParameterError, SchemaError
from ..io.files import decode_text, read_yaml
from ..report.formatting import format_number, format_percent

__all__ = [
    "MEASURES",
    "METHODS",
    "RATIO_MEASURES",
    "MEASURE_LABELS",
    "MEASURE_SHORT",
    "METHOD_LABELS",
    "OKABE_ITO",
    "read_evaluations",
    "select_method",
    "transform_for",
    "effect_sizes",
    "MetaAnalysisResult",
    "meta_analysis",
    "meta_analysis_from_effects",
    "MetaRegressionResult",
    "meta_regression",
    "SubgroupResult",
    "subgroup_analysis",
    "leave_one_out",
    "EggerResult",
    "egger_test",
    "sensitivity_table",
    "heterogeneity_label",
    "FONT_SIZE",
    "forest_plot",
    "forest_alt_text",
    "direction_sentence",
    "funnel_plot",
    "SMS_BY_DESIGN",
    "SMS_DESCRIPTIONS",
    "DESIGN_LABELS",
    "GRADES",
    "GRADE_DEFINITIONS",
    "sms_level",
    "evidence_table",
    "EvidenceGrade",
    "grade_evidence",
    "grading_rules",
    "DESIGN_LIMITS",
    "evidence_limits",
    "summary_findings",
    "key_figures",
    "heterogeneity_note",
    "small_study_caution",
    "local_evaluation_text",
    "data_notes",
    "effect_table",
    "period_label",
    "REGISTER_FIELDS",
    "load_register",
    "register_table",
]

MEASURES = ("SMD", "MD", "RR", "OR", "RD", "ZCOR", "PRE_POST")
METHODS = ("REML", "DL", "PM", "FE")
RATIO_MEASURES = ("RR", "OR")

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
METHOD_LABELS = {
    "REML": "slumpeffektmodell, τ² skattad med REML",
    "DL": "slumpeffektmodell, τ² skattad med DerSimonian–Laird",
    "PM": "slumpeffektmodell, τ² skattad med Paule–Mandel",
    "FE": "fixeffektmodell (inverterad varians)",
}

# Okabe–Ito colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}

# Columns each measure needs; alternatives are tried in order (metafor's names first).
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
_ROLE_MEANING = {
    "ai": "events in the intervention group", "bi": "non-events in the intervention group",
    "ci": "events in the comparison group", "di": "non-events in the comparison group",
    "n1i": "size of the intervention group", "n2i": "size of the comparison group",
    "m1i": "mean of the intervention group (PRE_POST: mean after)",
    "m2i": "mean of the comparison group (PRE_POST: mean before)",
    "sd1i": "SD of the intervention group (PRE_POST: SD before)",
    "sd2i": "SD of the comparison group", "ni": "sample size",
    "ri": "correlation (PRE_POST: pre–post correlation)",
    "yi": "a ready effect size", "vi": "its sampling variance", "sei": "its standard error",
}


# =======================================================================================
# reading


def read_evaluations(path: str | Path) -> pd.DataFrame:
    """Read an evaluations table (CSV or XLSX), one row per study/evaluation.

    CSV files may be UTF-8 (with or without BOM) or cp1252, separated by ``,``, ``;`` or
    tabs; semicolon files are read with a decimal comma (Swedish Excel export). A column
    ``source_row`` is added holding each row's line number as a spreadsheet shows it
    (the header is row 1), so errors can name the row; ``attrs["file"]`` keeps the path.

    Raises
    ------
    InputDataError
        The file is missing, unreadable, of an unknown type or has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(
            f"Evaluations file not found: {path}",
            hint="check the 'evaluations' parameter (paths are relative to the project root)",
            file=str(path), parameter="evaluations",
        )
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, engine="openpyxl", dtype=object)
        elif suffix in (".csv", ".tsv", ".txt"):
            df = _read_csv(path)
        else:
            raise InputDataError(
                f"Unsupported evaluations file type '{suffix}': {path}",
                hint="save the table as CSV (UTF-8) or XLSX", file=str(path),
            )
    except InputDataError:
        raise
    except Exception as exc:  # parser errors of every kind become one clear message
        raise InputDataError(
            f"Could not read the evaluations file {path}: {type(exc).__name__}: {exc}",
            hint="open the file in a spreadsheet program and save it again as CSV (UTF-8) "
            "or XLSX", file=str(path),
        ) from exc
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df = df.dropna(how="all").reset_index(drop=True)
    if df.empty:
        raise InputDataError(
            f"The evaluations file {path} has no data rows.",
            hint="add one row per evaluation under the header row", file=str(path),
        )
    df = df.replace({"": np.nan})
    df.insert(0, "source_row", np.arange(len(df)) + 2)
    df.attrs["file"] = str(path)
    return df


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputDataError(
            f"The evaluations file {path} is empty.",
            hint="add a header row and one row per evaluation", file=str(path),
        )
    text, _ = decode_text(raw, name=str(path))
    first_line = text.splitlines()[0] if text.splitlines() else ""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        sep = ","
    decimal = "," if sep == ";" else "."
    return pd.read_csv(
        io.StringIO(text), sep=sep, decimal=decimal, dtype=str, keep_default_na=True,
        skipinitialspace=True, quoting=csv.QUOTE_MINIMAL,
    )


def select_method(
    df: pd.DataFrame, method_name: str | None, *, column: str = "method"
) -> pd.DataFrame:
    """Return the rows of ``df`` that evaluate ``method_name`` (all rows if no such column).

    Matching ignores case and surrounding spaces. Raises :class:`InputDataError` listing
    the methods present when nothing matches.
    """
    if not method_name or column not in df.columns:
        return df
    names = df[column].astype(str).str.strip()
    chosen = df[names.str.casefold() == str(method_name).strip().casefold()]
    if chosen.empty:
        present = ", ".join(sorted(set(names.dropna())))
        raise InputDataError(
            f"No evaluations of '{method_name}' in column '{column}' of "
            f"{df.attrs.get('file', 'the evaluations table')}.",
            hint=f"set 'method_name' to one of: {present}", column=column,
            parameter="method_name",
        )
    chosen = chosen.copy()
    chosen.attrs = dict(df.attrs)
    return chosen


# =======================================================================================
# effect sizes


def _check_measure(measure: str) -> str:
    value = str(measure).strip().upper()
    if value not in MEASURES:
        raise ParameterError(
            f"Unknown measure '{measure}'.",
            hint=f"use one of {', '.join(MEASURES)}", parameter="measure",
        )
    return value


def _check_method(method: str) -> str:
    value = str(method).strip().upper()
    if value == "EE":
        value = "FE"
    if value not in METHODS:
        raise ParameterError(
            f"Unknown meta-analysis method '{method}'.",
            hint=f"use one of {', '.join(METHODS)}", parameter="method",
        )
    return value


def _role_column(
    df: pd.DataFrame, role: str, measure: str, columns: Mapping[str, str]
) -> str | None:
    if role in columns:
        name = columns[role]
        if name not in df.columns:
            raise SchemaError(
                f"Column '{name}' (given for '{role}') is not in "
                f"{df.attrs.get('file', 'the evaluations table')}.",
                hint=f"columns present: {', '.join(map(str, df.columns))}", column=name,
                file=df.attrs.get("file"),
            )
        return name
    candidates = _ROLE_COLUMNS.get(role, ())
    if measure == "PRE_POST" and role in _PRE_POST_COLUMNS:
        candidates = _PRE_POST_COLUMNS[role]
    for name in candidates:
        if name in df.columns:
            return name
    return None


def _row_error(
    file: str, row: int, column: str, problem: str, hint: str, *, schema: bool = False
) -> InputDataError:
    cls = SchemaError if schema else InputDataError
    return cls(f"{file}, row {row}, column '{column}': {problem}", hint=hint,
               file=file, row=row, column=column)


def _numeric(value: Any, *, file: str, row: int, column: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if text == "" or text.lower() in ("na", "nan"):
        return math.nan
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        shown = str(value)[:40]
        raise _row_error(file, row, column, f"{shown!r} is not a number",
                         "write a number (decimal point or decimal comma) or leave the cell "
                         "empty") from None


def _small_sample_correction(m: np.ndarray | float) -> np.ndarray:
    """metafor's exact bias correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2))."""
    m = np.asarray(m, dtype=float)
    return np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))


def transform_for(measure: str) -> Callable[[Any], Any]:
    """The back-transformation from the analysis scale to the reader's scale.

    ``exp`` for RR and OR (log scale), ``tanh`` for ZCOR (Fisher z → r), identity otherwise.
    """
    measure = _check_measure(measure)
    if measure in RATIO_MEASURES:
        return np.exp
    if measure == "ZCOR":
        return np.tanh
    return lambda x: x


def effect_sizes(
    df: pd.DataFrame,
    measure: str,
    *,
    columns: Mapping[str, str] | None = None,
    study: str = "study",
    pre_post_r: float | None = None,
    level: float = 0.95,
    add: float = 0.5,
) -> pd.DataFrame:
    """Compute effect sizes ``yi`` and sampling variances ``vi``, one row per evaluation.

    Parameters
    ----------
    df
        Evaluations, as from :func:`read_evaluations`. Each row has either the raw numbers
        the measure needs or a ready effect size ``yi`` with ``vi`` or ``sei`` (on the
        analysis scale: log RR, log OR, Fisher z ...).
    measure
        ``"RR"``, ``"OR"``, ``"RD"`` (2×2 counts ``ai``, ``bi``, ``ci``, ``di`` — or
        ``ai``, ``n1i``, ``ci``, ``n2i``); ``"SMD"`` (Hedges' g with metafor's exact
        small-sample correction and variance) and ``"MD"`` (``m1i``, ``m2i``, ``sd1i``,
        ``sd2i``, ``n1i``, ``n2i``); ``"PRE_POST"`` (metafor's SMCR: ``m_post``, ``m_pre``,
        ``sd_pre``, ``ni`` and the pre–post correlation ``ri``); ``"ZCOR"`` (``ri``, ``ni``).
    columns
        Map a role (``"ai"``, ``"m1i"``, ``"yi"``, ``"sei"`` …) to a column with another
        name, e.g. ``{"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}``.
    study
        Column with the study label (a label "Utvärdering <row>" is made if absent).
    pre_post_r
        Pre–post correlation used for PRE_POST rows without ``ri``; when ``None`` such rows
        use 0.5 and a note says so.
    level
        Confidence level of the per-study intervals.
    add
        Added to all four cells of a 2×2 table that has a zero cell (metafor's
        ``add=1/2, to="only0"``). Studies with no events (or only events) in both groups
        are dropped for RR and OR, with a note.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``study``, ``yi``, ``vi``, ``sei``, ``ci_low``, ``ci_high``,
        ``effect``, ``effect_ci_low``, ``effect_ci_high`` (back-transformed for RR/OR/ZCOR),
        ``estimate_source`` (``"rådata"``/``"angiven"``) and ``corrected``.
        ``attrs["notes"]`` holds Swedish notes for the briefing, ``attrs["dropped"]`` the
        dropped rows, ``attrs["measure"]`` the measure.

    Raises
    ------
    SchemaError, InputDataError
        A row lacks what the measure needs, or holds impossible values (negative counts,
        counts above n, n ≤ 1, SD ≤ 0, variance ≤ 0, |r| ≥ 1 ...). The message names the
        file, the row (as numbered in the spreadsheet) and the column.
    """
    measure = _check_measure(measure)
    columns = dict(columns or {})
    if not 0 < level < 1:
        raise ParameterError("level must be between 0 and 1.", hint="e.g. 0.95",
                             parameter="level")
    if df is None or len(df) == 0:
        raise InputDataError("There are no evaluations to compute effect sizes from.",
                             hint="check the evaluations file and the 'method_name' filter")
    file = str(df.attrs.get("file", "evaluations table"))
    rows = (df["source_row"].astype(int).tolist() if "source_row" in df.columns
            else list(range(2, len(df) + 2)))

    raw_roles = {
        "RR": ("ai", "bi", "ci", "di", "n1i", "n2i"), "OR": ("ai", "bi", "ci", "di", "n1i", "n2i"),
        "RD": ("ai", "bi", "ci", "di", "n1i", "n2i"),
        "SMD": ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"),
        "MD": ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"),
        "PRE_POST": ("m1i", "m2i", "sd1i", "ni", "ri"), "ZCOR": ("ri", "ni"),
    }[measure]
    role_cols = {r: _role_column(df, r, measure, columns) for r in (*raw_roles, "yi", "vi", "sei")}
    z = stats.norm.ppf(0.5 + level / 2)
    notes: list[str] = []
    dropped: list[dict[str, Any]] = []
    out_rows: list[dict[str, Any]] = []
    default_r_rows: list[int] = []
    corrected_rows: list[str] = []

    labels = (df[study].astype(str).str.strip().tolist() if study in df.columns
              else [f"Utvärdering {r}" for r in rows])

    for position, (_, record) in enumerate(df.iterrows()):
        row = rows[position]
        label = labels[position] if labels[position] not in ("", "nan") else f"Utvärdering {row}"

        def get(role: str) -> float:
            name = role_cols.get(role)
            if name is None:
                return math.nan
            return _numeric(record[name], file=file, row=row, column=name)

        values = {role: get(role) for role in role_cols}
        result = _raw_effect(measure, values, role_cols, file, row, add=add,
                             pre_post_r=pre_post_r)
        source = "rådata"
        corrected = False
        if result is None:
            yi, vi, sei = values["yi"], values["vi"], values["sei"]
            if math.isnan(yi) or (math.isnan(vi) and math.isnan(sei)):
                missing = _missing_roles(measure, values, role_cols)
                column = missing[0] if missing else "yi"
                raise _row_error(
                    file, row, column,
                    f"the row has neither the raw numbers measure {measure} needs "
                    f"(missing: {', '.join(missing)}) nor a ready effect size with its "
                    "variance or standard error (yi with vi or sei)",
                    _requirement_hint(measure), schema=True,
                )
            if not math.isnan(vi):
                if vi <= 0:
                    raise _row_error(file, row, role_cols["vi"] or "vi",
                                     f"the sampling variance {vi:g} is not positive",
                                     "a variance must be greater than 0; check the source")
            else:
                if sei <= 0:
                    raise _row_error(file, row, role_cols["sei"] or "sei",
                                     f"the standard error {sei:g} is not positive",
                                     "a standard error must be greater than 0")
                vi = sei**2
            source = "angiven"
        elif result == "drop":
            dropped.append({"study": label, "source_row": row,
                            "reason": "inga händelser (eller bara händelser) i båda grupperna"})
            continue
        else:
            yi, vi, corrected, used_default_r = result
            if corrected:
                corrected_rows.append(label)
            if used_default_r:
                default_r_rows.append(row)
        sei = math.sqrt(vi)
        out = dict(record)
        out.update({"study": label, "yi": yi, "vi": vi, "sei": sei,
                    "ci_low": yi - z * sei, "ci_high": yi + z * sei,
                    "estimate_source": source, "corrected": corrected})
        out_rows.append(out)

    if not out_rows:
        raise InputDataError(
            f"No usable evaluations in {file}: every study had no events in both groups.",
            hint="RR and OR need at least one event in one group; use RD for such studies",
            file=file,
        )
    result_df = pd.DataFrame(out_rows)
    back = transform_for(measure)
    result_df["effect"] = back(result_df["yi"])
    result_df["effect_ci_low"] = back(result_df["ci_low"])
    result_df["effect_ci_high"] = back(result_df["ci_high"])
    if corrected_rows:
        notes.append(
            f"{format_number(add, 1)} lades till i alla fyra cellerna för "
            f"{_join_sv(corrected_rows)} eftersom en cell var noll (som metafor gör)."
        )
    for item in dropped:
        notes.append(
            f"{item['study']} (rad {item['source_row']}) togs bort ur analysen: "
            f"{item['reason']}, så en kvot kan inte beräknas."
        )
    if default_r_rows:
        r_used = 0.5 if pre_post_r is None else pre_post_r
        notes.append(
            f"Korrelationen mellan före- och eftermätning saknades (rad "
            f"{', '.join(map(str, default_r_rows))}); r = {format_number(r_used, 2)} antogs. "
            "Effektens osäkerhet beror på det antagandet."
        )
    given = int((result_df["estimate_source"] == "angiven").sum())
    if given:
        notes.append(f"{given} {'effektstorlek' if given == 1 else 'effektstorlekar'} togs som "
                     "de rapporterades (yi med varians eller standardfel) i stället för att "
                     "beräknas från rådata.")
    result_df.attrs = {"file": file, "measure": measure, "notes": notes, "dropped": dropped,
                       "level": level}
    return result_df.reset_index(drop=True)


def _join_sv(items: Sequence[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


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
            "(analysis scale); remove the row if the study reports neither")


def _missing_roles(measure: str, values: Mapping[str, float],
                   role_cols: Mapping[str, str | None]) -> list[str]:
    def missing(role: str) -> bool:
        return math.isnan(values.get(role, math.nan))

    def name(role: str) -> str:
        return role_cols.get(role) or _default_name(measure, role)

    if measure in ("RR", "OR", "RD"):
        need = ["ai", "ci"]
        need.append("bi" if not missing("bi") or missing("n1i") else "n1i")
        need.append("di" if not missing("di") or missing("n2i") else "n2i")
        need = [r for r in need if missing(r)]
    elif measure in ("SMD", "MD"):
        need = [r for r in ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i") if missing(r)]
    elif measure == "PRE_POST":
        need = [r for r in ("m1i", "m2i", "sd1i", "ni") if missing(r)]
    else:
        need = [r for r in ("ri", "ni") if missing(r)]
    return [name(r) for r in need]


def _default_name(measure: str, role: str) -> str:
    if measure == "PRE_POST" and role in _PRE_POST_COLUMNS:
        return _PRE_POST_COLUMNS[role][0]
    return _ROLE_COLUMNS[role][0]


def _raw_effect(
    measure: str, v: Mapping[str, float], role_cols: Mapping[str, str | None],
    file: str, row: int, *, add: float, pre_post_r: float | None,
) -> tuple[float, float, bool, bool] | str | None:
    """Effect size from the raw numbers of one row; ``None`` if they are not all there."""

    def col(role: str) -> str:
        return role_cols.get(role) or _default_name(measure, role)

    def present(*roles: str) -> bool:
        return all(not math.isnan(v[r]) for r in roles)

    def fail(role: str, problem: str, hint: str) -> InputDataError:
        return _row_error(file, row, col(role), problem, hint)

    def non_events(events: str, rest: str, total: str) -> float | None:
        """One group's non-events, given directly or as the group total minus its events;
        None when neither is given but a ready effect size is."""
        if present(rest):
            if present(total) and abs(v[total] - (v[events] + v[rest])) > 0:
                raise fail(total, f"{total} = {v[total]:g} differs from {events} + {rest} = "
                           f"{v[events] + v[rest]:g}", f"give either {rest} or {total}, "
                           "or make them agree")
            return v[rest]
        if present(total):
            value = v[total] - v[events]
            if value < 0:
                raise fail(events, f"{v[events]:g} events exceed the group size {total} = "
                           f"{v[total]:g}", "the number of events cannot be larger than the group")
            return value
        if present("yi"):
            return None
        raise _row_error(file, row, col(rest), f"neither {rest} nor {total} is given",
                         _requirement_hint(measure), schema=True)

    if measure in ("RR", "OR", "RD"):
        if not present("ai", "ci"):
            if present("ai") or present("ci"):
                missing = "ci" if present("ai") else "ai"
                if not present("yi"):
                    raise _row_error(file, row, col(missing), "the count is missing",
                                     _requirement_hint(measure), schema=True)
            return None
        ai, ci = v["ai"], v["ci"]
        for role in ("ai", "bi", "ci", "di", "n1i", "n2i"):
            value = v[role]
            if not math.isnan(value) and (value < 0 or not float(value).is_integer()):
                raise fail(role, f"{value:g} is not a count (a whole number ≥ 0)",
                           "counts of persons must be whole numbers, 0 or more")
        bi = non_events("ai", "bi", "n1i")
        if bi is None:
            return None
        di = non_events("ci", "di", "n2i")
        if di is None:
            return None
        if ai + bi == 0:
            raise fail("ai", "the intervention group is empty (ai + bi = 0)",
                       "each group needs at least one person")
        if ci + di == 0:
            raise fail("ci", "the comparison group is empty (ci + di = 0)",
                       "each group needs at least one person")
        if measure in RATIO_MEASURES and ((ai == 0 and ci == 0) or (bi == 0 and di == 0)):
            return "drop"
        corrected = min(ai, bi, ci, di) == 0
        if corrected:
            ai, bi, ci, di = ai + add, bi + add, ci + add, di + add
        n1, n2 = ai + bi, ci + di
        if measure == "RR":
            yi = math.log((ai / n1) / (ci / n2))
            vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
        elif measure == "OR":
            yi = math.log((ai * di) / (bi * ci))
            vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
        else:
            p1, p2 = ai / n1, ci / n2
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        return yi, vi, corrected, False

    if measure in ("SMD", "MD"):
        roles = ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i")
        if not present(*roles):
            if any(present(r) for r in roles) and not present("yi"):
                missing = [r for r in roles if not present(r)][0]
                raise _row_error(file, row, col(missing), "the value is missing",
                                 _requirement_hint(measure), schema=True)
            return None
        for role in ("n1i", "n2i"):
            if v[role] <= 1:
                raise fail(role, f"group size {v[role]:g} is too small (n must be > 1)",
                           "a mean difference needs at least two persons per group")
        for role in ("sd1i", "sd2i"):
            if v[role] <= 0:
                raise fail(role, f"standard deviation {v[role]:g} is not positive",
                           "an SD must be greater than 0; check the source")
        n1, n2, m1, m2, s1, s2 = (v["n1i"], v["n2i"], v["m1i"], v["m2i"], v["sd1i"], v["sd2i"])
        if measure == "MD":
            return m1 - m2, s1**2 / n1 + s2**2 / n2, False, False
        sd_pooled = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
        if n1 + n2 - 2 < 2:
            raise fail("n1i", "too few persons for Hedges' correction (n1 + n2 − 2 < 2)",
                       "SMD needs at least four persons in total")
        yi = float(_small_sample_correction(n1 + n2 - 2)) * (m1 - m2) / sd_pooled
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
        return yi, vi, False, False

    if measure == "PRE_POST":
        roles = ("m1i", "m2i", "sd1i", "ni")
        if not present(*roles):
            if any(present(r) for r in roles) and not present("yi"):
                missing = [r for r in roles if not present(r)][0]
                raise _row_error(file, row, col(missing), "the value is missing",
                                 _requirement_hint(measure), schema=True)
            return None
        n = v["ni"]
        if n <= 2:
            raise fail("ni", f"sample size {n:g} is too small (n must be > 2)",
                       "a pre/post comparison needs at least three persons")
        if v["sd1i"] <= 0:
            raise fail("sd1i", f"standard deviation {v['sd1i']:g} is not positive",
                       "an SD must be greater than 0; check the source")
        used_default = math.isnan(v["ri"])
        r = (0.5 if pre_post_r is None else float(pre_post_r)) if used_default else v["ri"]
        if not -1 < r < 1:
            raise fail("ri", f"the pre–post correlation {r:g} is outside (−1, 1)",
                       "give the correlation between the before and after measurements")
        yi = float(_small_sample_correction(n - 1)) * (v["m1i"] - v["m2i"]) / v["sd1i"]
        vi = 2 * (1 - r) / n + yi**2 / (2 * n)
        return yi, vi, False, used_default

    # ZCOR
    if not present("ri", "ni"):
        if (present("ri") or present("ni")) and not present("yi"):
            missing = "ni" if present("ri") else "ri"
            raise _row_error(file, row, col(missing), "the value is missing",
                             _requirement_hint(measure), schema=True)
        return None
    if v["ni"] <= 3:
        raise fail("ni", f"sample size {v['ni']:g} is too small (n must be > 3)",
                   "Fisher's z needs at least four persons")
    if not -1 < v["ri"] < 1:
        raise fail("ri", f"correlation {v['ri']:g} is outside (−1, 1)",
                   "a correlation lies strictly between −1 and 1")
    return math.atanh(v["ri"]), 1 / (v["ni"] - 3), False, False


# =======================================================================================
# meta-analysis engine (matrix form, so meta-regression shares it)


def _wls(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    w = 1 / (v + tau2)
    XtW = X.T * w
    vb = np.linalg.inv(XtW @ X)
    beta = vb @ (XtW @ y)
    return beta, vb


def _p_traces(v: np.ndarray, X: np.ndarray, tau2: float) -> tuple[float, float]:
    """tr(P) and tr(PP) for P = W − WX(X'WX)⁻¹X'W, W = diag(1/(v+τ²)), without forming P.

    Only p×p matrices are built, so the cost is linear in k.
    """
    w = 1 / (v + tau2)
    a_inv = np.linalg.inv((X.T * w) @ X)
    b2 = (X.T * w**2) @ X
    b3 = (X.T * w**3) @ X
    a_b2 = a_inv @ b2
    trace_p = float(w.sum() - np.trace(a_b2))
    trace_pp = float(np.sum(w**2) - 2 * np.trace(a_inv @ b3) + np.trace(a_b2 @ a_b2))
    return trace_p, trace_pp


def _q_generalised(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Generalised Q: Σ (y − Xβ̂(τ²))² / (v + τ²)."""
    if X.shape[1] == 1:  # one column (intercept-only model): no matrix inverse needed
        w = 1 / (v + tau2)
        x = X[:, 0]
        b = float(np.sum(w * x * y) / np.sum(w * x * x))
        return float(np.sum(w * (y - x * b) ** 2))
    beta, _ = _wls(y, v, X, tau2)
    resid = y - X @ beta
    return float(np.sum(resid**2 / (v + tau2)))


def _tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    q = _q_generalised(0.0, y, v, X)
    trace, _ = _p_traces(v, X, 0.0)
    return max(0.0, (q - (k - p)) / trace)


def _tau2_pm(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape

    def target(t2: float) -> float:
        return _q_generalised(t2, y, v, X) - (k - p)

    if target(0.0) <= 0:
        return 0.0
    upper = max(100.0, 10 * _tau2_dl(y, v, X))
    while target(upper) > 0:
        upper *= 10
        if upper > 1e12:
            raise InputDataError("Paule–Mandel estimate of τ² did not converge.",
                                 hint="try method='REML' or 'DL'")
    return float(optimize.brentq(target, 0.0, upper, xtol=1e-12, rtol=1e-12))


def _tau2_reml(y: np.ndarray, v: np.ndarray, X: np.ndarray, *, tol: float = 1e-10,
               max_iter: int = 1000) -> float:
    """REML by Fisher scoring with step halving, as metafor's rma.uni does."""
    k, p = X.shape
    # metafor starts from the Hedges (HE) estimate
    beta_ols = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ beta_ols
    hat = X @ np.linalg.pinv(X.T @ X) @ X.T
    tau2 = max(0.0, (float(resid @ resid) - float(np.sum(v * (1 - np.diag(hat))))) / (k - p))
    for _ in range(max_iter):
        beta, _ = _wls(y, v, X, tau2)
        py = (y - X @ beta) / (v + tau2)  # P y without forming P
        trace_p, trace_pp = _p_traces(v, X, tau2)
        adj = (float(py @ py) - trace_p) / trace_pp
        while tau2 + adj < 0:
            adj /= 2
            if abs(adj) < 1e-16:
                adj = -tau2
                break
        new = tau2 + adj
        if abs(new - tau2) < tol:
            return max(0.0, new)
        tau2 = new
    raise InputDataError("REML estimate of τ² did not converge.",
                         hint="try method='DL' or 'PM', or check the effect sizes for errors")


def _estimate_tau2(method: str, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    if method == "FE":
        return 0.0
    if method == "DL":
        return _tau2_dl(y, v, X)
    if method == "PM":
        return _tau2_pm(y, v, X)
    return _tau2_reml(y, v, X)


def _tau2_qprofile(y: np.ndarray, v: np.ndarray, X: np.ndarray, level: float
                   ) -> tuple[float, float]:
    """Q-profile confidence interval for τ² (Viechtbauer 2007), as metafor's confint."""
    k, p = X.shape
    df = k - p
    if df < 1:
        return math.nan, math.nan
    alpha = 1 - level
    crit_upper_q = stats.chi2.ppf(1 - alpha / 2, df)  # gives the lower bound of τ²
    crit_lower_q = stats.chi2.ppf(alpha / 2, df)      # gives the upper bound of τ²
    q0 = _q_generalised(0.0, y, v, X)

    def solve(crit: float) -> float:
        if q0 < crit:
            return 0.0
        upper = max(100.0, 10 * _tau2_dl(y, v, X))
        while _q_generalised(upper, y, v, X) > crit:
            upper *= 10
            if upper > 1e12:
                return math.inf
        return float(optimize.brentq(lambda t: _q_generalised(t, y, v, X) - crit, 0.0, upper,
                                     xtol=1e-12, rtol=1e-12))

    return solve(crit_upper_q), solve(crit_lower_q)


def _typical_variance(v: np.ndarray, X: np.ndarray) -> float:
    """metafor's 'typical' within-study variance s² = (k − p) / tr(P) with W = 1/vi."""
    k, p = X.shape
    return (k - p) / _p_traces(v, X, 0.0)[0]


@dataclass
class MetaAnalysisResult:
    """The result of :func:`meta_analysis` (analysis scale; ``effect_*`` back-transformed)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    statistic_name: str
    df: float
    p: float
    tau2: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    i2_ci_low: float
    i2_ci_high: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    k: int
    method: str
    requested_method: str
    knapp_hartung: bool
    measure: str | None
    level: float
    weights: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def z(self) -> float:
        """The test statistic (a z value, or a t value under Knapp–Hartung)."""
        return self.statistic

    @property
    def t(self) -> float:
        """Alias of :attr:`statistic`."""
        return self.statistic

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    def _back(self, value: float) -> float:
        if self.measure is None:
            return value
        return float(transform_for(self.measure)(value))

    @property
    def effect(self) -> float:
        """The pooled effect on the reader's scale (RR/OR exponentiated, r for ZCOR)."""
        return self._back(self.estimate)

    @property
    def effect_ci(self) -> tuple[float, float]:
        return self._back(self.ci_low), self._back(self.ci_high)

    @property
    def effect_pi(self) -> tuple[float, float]:
        return self._back(self.pi_low), self._back(self.pi_high)

    def to_frame(self) -> pd.DataFrame:
        """One row with every statistic (English column names, analysis scale plus
        back-transformed ``effect*`` columns)."""
        row = {
            "k": self.k, "method": self.method, "knapp_hartung": self.knapp_hartung,
            "measure": self.measure or "", "estimate": self.estimate, "se": self.se,
            "ci_low": self.ci_low, "ci_high": self.ci_high,
            "statistic_name": self.statistic_name, "statistic": self.statistic,
            "df": self.df, "p": self.p, "tau2": self.tau2, "tau2_ci_low": self.tau2_ci_low,
            "tau2_ci_high": self.tau2_ci_high, "i2": self.i2, "i2_ci_low": self.i2_ci_low,
            "i2_ci_high": self.i2_ci_high, "h2": self.h2, "q": self.q, "q_df": self.q_df,
            "q_p": self.q_p, "pi_low": self.pi_low, "pi_high": self.pi_high,
            "effect": self.effect, "effect_ci_low": self.effect_ci[0],
            "effect_ci_high": self.effect_ci[1], "effect_pi_low": self.effect_pi[0],
            "effect_pi_high": self.effect_pi[1],
        }
        return pd.DataFrame([row])

    def summary_table(self) -> pd.DataFrame:
        """A Swedish long table for the briefing: Storhet, Skattning, Nedre, Övre."""
        pct = int(round(self.level * 100))
        short = MEASURE_SHORT.get(self.measure or "", "effekt")
        rows: list[tuple[str, float, float, float]] = []
        if self.measure in RATIO_MEASURES:
            rows.append((f"Sammanvägd effekt, log {short}", self.estimate, self.ci_low,
                         self.ci_high))
        elif self.measure == "ZCOR":
            rows.append(("Sammanvägd effekt, Fishers z", self.estimate, self.ci_low,
                         self.ci_high))
        rows.append((f"Sammanvägd effekt ({short})", self.effect, *self.effect_ci))
        rows.append((f"Prediktionsintervall ({short})", math.nan, *self.effect_pi))
        rows.append(("Standardfel (analysskala)", self.se, math.nan, math.nan))
        label = "t" if self.statistic_name == "t" else "z"
        rows.append((f"Testvärde {label}", self.statistic, math.nan, math.nan))
        rows.append(("p-värde för effekten", self.p, math.nan, math.nan))
        rows.append(("τ² (variation mellan studier)", self.tau2, self.tau2_ci_low,
                     self.tau2_ci_high))
        rows.append(("I² (%)", self.i2, self.i2_ci_low, self.i2_ci_high))
        rows.append(("H²", self.h2, math.nan, math.nan))
        rows.append((f"Q (df = {self.q_df})", self.q, math.nan, math.nan))
        rows.append(("p-värde för Q", self.q_p, math.nan, math.nan))
        return pd.DataFrame(rows, columns=["Storhet", "Skattning", f"Nedre gräns ({pct} %)",
                                           f"Övre gräns ({pct} %)"])


def meta_analysis(
    yi: Iterable[float],
    vi: Iterable[float],
    method: str = "REML",
    knapp_hartung: bool = False,
    *,
    measure: str | None = None,
    level: float = 0.95,
) -> MetaAnalysisResult:
    """Pool effect sizes with a fixed-effect or random-effects model, like metafor's ``rma``.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances on the analysis scale.
    method
        ``"REML"`` (default; Fisher scoring as in metafor), ``"DL"`` (DerSimonian–Laird),
        ``"PM"`` (Paule–Mandel) or ``"FE"`` (fixed effect, inverse variance).
    knapp_hartung
        Use the Knapp–Hartung adjustment: SE multiplied by √(Σw(y−μ̂)²/(k−1)) without
        truncation, t distribution with k − 1 df for the test, the CI and the prediction
        interval (as metafor's ``test="knha"``).
    measure
        The effect-size measure, used for back-transformation (exp for RR/OR, tanh for ZCOR).
    level
        Confidence level.

    Returns
    -------
    MetaAnalysisResult
        Estimate, SE, CI, z or t, p; τ² with its Q-profile CI; I² and H² (for random effects
        from τ² and the typical within-study variance, for fixed effect from Q, as metafor);
        Q with df and p; the prediction interval μ̂ ± crit·√(SE² + τ²) with crit from the
        normal distribution (t with k − 1 df under Knapp–Hartung); weights in percent;
        ``notes`` in Swedish (k = 1, k = 2 ...).

    Raises
    ------
    ParameterError, InputDataError
        Unknown method, no studies, missing or non-positive variances.
    """
    requested = _check_method(method)
    if measure is not None:
        measure = _check_measure(measure)
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    if y.shape != v.shape:
        raise ParameterError("yi and vi must have the same length.", hint="pass one variance "
                             "per effect size")
    k = len(y)
    if k == 0:
        raise InputDataError("There are no effect sizes to pool.",
                             hint="check the evaluations file and the 'method_name' filter")
    bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(v))
    if bad.size:
        raise InputDataError(
            f"Effect size or variance missing for study number {', '.join(str(i + 1) for i in bad)}.",
            hint="every study needs yi and a positive vi (or SE); compute them with "
            "effect_sizes()",
        )
    if np.any(v <= 0):
        bad = np.flatnonzero(v <= 0)
        raise InputDataError(
            f"Sampling variance not positive for study number {', '.join(str(i + 1) for i in bad)}.",
            hint="a variance must be greater than 0",
        )
    notes: list[str] = []
    method = requested
    if k == 1:
        method = "FE"
        notes.append("Bara en utvärdering: ingen sammanvägning och ingen skattning av "
                     "variation mellan studier är möjlig; resultatet är den enda studiens.")
    elif k == 2 and method != "FE":
        notes.append("Bara två utvärderingar: skattningen av variationen mellan studier (τ²) "
                     "är mycket osäker, och slumpeffektmodellens resultat bör läsas med "
                     "försiktighet.")
    X = np.ones((k, 1))
    tau2 = _estimate_tau2(method, y, v, X)
    beta, vb = _wls(y, v, X, tau2)
    estimate = float(beta[0])
    se = math.sqrt(float(vb[0, 0]))
    q = _q_generalised(0.0, y, v, X)
    q_df = k - 1
    q_p = float(stats.chi2.sf(q, q_df)) if q_df > 0 else math.nan
    use_kh = bool(knapp_hartung) and k > 1
    if knapp_hartung and k == 1:
        notes.append("Knapp–Hartung-justeringen kräver minst två studier och användes inte.")
    if use_kh:
        w = 1 / (v + tau2)
        s2 = float(np.sum(w * (y - estimate) ** 2)) / (k - 1)
        se = se * math.sqrt(s2)
        dof: float = k - 1
        crit = float(stats.t.ppf(0.5 + level / 2, dof))
        statistic = estimate / se
        p = float(2 * stats.t.sf(abs(statistic), dof))
        name = "t"
    else:
        dof = math.inf
        crit = float(stats.norm.ppf(0.5 + level / 2))
        statistic = estimate / se
        p = float(2 * stats.norm.sf(abs(statistic)))
        name = "z"
    if method == "FE":
        i2 = max(0.0, 100 * (q - q_df) / q) if q > 0 and q_df > 0 else (0.0 if q_df > 0 else math.nan)
        h2 = q / q_df if q_df > 0 else math.nan
        tau2_ci = (math.nan, math.nan)
        i2_ci = (math.nan, math.nan)
    else:
        s2_typical = _typical_variance(v, X)
        i2 = 100 * tau2 / (tau2 + s2_typical)
        h2 = (tau2 + s2_typical) / s2_typical
        tau2_ci = _tau2_qprofile(y, v, X, level)
        i2_ci = tuple(100 * t / (t + s2_typical) if math.isfinite(t) else math.nan
                      for t in tau2_ci)
    pi_half = crit * math.sqrt(se**2 + tau2)
    weights = (1 / (v + tau2)) / np.sum(1 / (v + tau2)) * 100
    return MetaAnalysisResult(
        estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        statistic=statistic, statistic_name=name, df=dof, p=p, tau2=tau2,
        tau2_ci_low=tau2_ci[0], tau2_ci_high=tau2_ci[1], i2=i2, i2_ci_low=i2_ci[0],
        i2_ci_high=i2_ci[1], h2=h2, q=q, q_df=q_df, q_p=q_p,
        pi_low=estimate - pi_half, pi_high=estimate + pi_half, k=k, method=method,
        requested_method=requested, knapp_hartung=use_kh, measure=measure, level=level,
        weights=weights, notes=notes,
    )


def meta_analysis_from_effects(effects: pd.DataFrame, method: str = "REML",
                               knapp_hartung: bool = False) -> MetaAnalysisResult:
    """:func:`meta_analysis` on the output of :func:`effect_sizes` (measure from attrs)."""
    return meta_analysis(effects["yi"], effects["vi"], method=method,
                         knapp_hartung=knapp_hartung, measure=effects.attrs.get("measure"),
                         level=effects.attrs.get("level", 0.95))


# =======================================================================================
# robustness


@dataclass
class MetaRegressionResult:
    """Mixed-effects meta-regression on one moderator (metafor ``rma(yi, vi, mods=~x)``)."""

    moderator: str
    coefficients: pd.DataFrame
    qm: float
    qm_df: int
    qm_p: float
    tau2: float
    r2: float
    qe: float
    qe_df: int
    qe_p: float
    k: int
    method: str
    test: str


def _design_matrix(values: pd.Series, name: str) -> tuple[np.ndarray, list[str]]:
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return np.column_stack([np.ones(len(values)), numeric.to_numpy(float)]), [
            "Konstant", str(name)]
    levels = sorted(values.astype(str).unique())
    columns = [np.ones(len(values))]
    names = [f"Konstant ({levels[0]})"]
    for level in levels[1:]:
        columns.append((values.astype(str) == level).to_numpy(float))
        names.append(f"{name}: {level}")
    return np.column_stack(columns), names


def meta_regression(
    yi: Iterable[float], vi: Iterable[float], moderator: Iterable[Any], *,
    name: str = "moderator", method: str = "REML", knapp_hartung: bool = False,
    level: float = 0.95,
) -> MetaRegressionResult:
    """Meta-regression on one moderator (numeric, or categorical with dummy coding).

    τ² is estimated with ``method`` from the residuals; the omnibus test ``QM`` of the
    moderator is a χ² test (an F test with Knapp–Hartung); ``r2`` is metafor's
    pseudo-R² = (τ²(no moderator) − τ²(moderator)) / τ²(no moderator), in percent.
    """
    method = _check_method(method)
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    mod = pd.Series(list(moderator))
    missing = mod.isna() | (mod.astype(str).str.strip() == "")
    if missing.any():
        positions = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy()))
        raise InputDataError(f"Moderator '{name}' missing for study number {positions}.",
                             hint="fill in the moderator for every evaluation or leave "
                             "'moderator' empty", column=name)
    X, names = _design_matrix(mod, name)
    k, p = X.shape
    if k - p < 1:
        raise InputDataError(
            f"Too few evaluations ({k}) for a meta-regression on '{name}' with {p - 1} "
            "coefficient(s).", hint="a meta-regression needs more studies than coefficients",
            column=name)
    if np.linalg.matrix_rank(X) < p:
        raise InputDataError(f"Moderator '{name}' does not vary between the evaluations.",
                             hint="choose a moderator that differs between studies", column=name)
    tau2 = _estimate_tau2(method, y, v, X)
    beta, vb = _wls(y, v, X, tau2)
    qe = _q_generalised(0.0, y, v, X)
    dfe = k - p
    if knapp_hartung:
        w = 1 / (v + tau2)
        s2 = float(np.sum(w * (y - X @ beta) ** 2)) / dfe
        vb = vb * s2
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    if knapp_hartung:
        pvals = 2 * stats.t.sf(np.abs(stat), dfe)
        crit = stats.t.ppf(0.5 + level / 2, dfe)
    else:
        pvals = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + level / 2)
    b = beta[1:]
    qm = float(b @ np.linalg.inv(vb[1:, 1:]) @ b)
    m = p - 1
    if knapp_hartung:
        qm = qm / m
        qm_p = float(stats.f.sf(qm, m, dfe))
    else:
        qm_p = float(stats.chi2.sf(qm, m))
    tau2_null = _estimate_tau2(method, y, v, np.ones((k, 1)))
    r2 = max(0.0, 100 * (tau2_null - tau2) / tau2_null) if tau2_null > 0 else 0.0
    coefficients = pd.DataFrame({
        "term": names, "estimate": beta, "se": se, "statistic": stat, "p": pvals,
        "ci_low": beta - crit * se, "ci_high": beta + crit * se,
    })
    return MetaRegressionResult(
        moderator=str(name), coefficients=coefficients, qm=qm, qm_df=m, qm_p=qm_p,
        tau2=tau2, r2=r2, qe=qe, qe_df=dfe, qe_p=float(stats.chi2.sf(qe, dfe)), k=k,
        method=method, test="F" if knapp_hartung else "chi2",
    )


@dataclass
class SubgroupResult:
    """Separate meta-analyses per subgroup and a test of subgroup difference."""

    moderator: str
    table: pd.DataFrame
    results: dict[str, MetaAnalysisResult]
    q_between: float
    df: int
    p: float


def subgroup_analysis(
    effects: pd.DataFrame, moderator: str, *, method: str = "REML",
    knapp_hartung: bool = False,
) -> SubgroupResult:
    """Pool each subgroup of ``moderator`` separately and test whether they differ.

    Each subgroup gets its own τ² (as in RevMan and metafor's separate-fits approach); the
    test of subgroup difference is Q_between = Σ w_g (μ̂_g − μ̂_w)² with w_g = 1/SE_g², a
    χ² test with G − 1 df.
    """
    if moderator not in effects.columns:
        raise SchemaError(
            f"Moderator column '{moderator}' is not in "
            f"{effects.attrs.get('file', 'the evaluations table')}.",
            hint=f"columns present: {', '.join(map(str, effects.columns))}", column=moderator,
            parameter="moderator")
    groups = effects[moderator].astype(str).str.strip()
    empty = effects[moderator].isna() | (groups == "")
    if empty.any():
        rows = effects.loc[empty, "source_row"].tolist() if "source_row" in effects else []
        raise InputDataError(
            f"Moderator '{moderator}' is empty in row(s) {', '.join(map(str, rows))} of "
            f"{effects.attrs.get('file', 'the evaluations table')}.",
            hint="fill in the moderator for every evaluation", column=moderator)
    results: dict[str, MetaAnalysisResult] = {}
    rows = []
    measure = effects.attrs.get("measure")
    for name in sorted(groups.unique()):
        part = effects[groups == name]
        res = meta_analysis(part["yi"], part["vi"], method=method,
                            knapp_hartung=knapp_hartung, measure=measure)
        results[name] = res
        rows.append({"subgroup": name, "k": res.k, "estimate": res.estimate, "se": res.se,
                     "ci_low": res.ci_low, "ci_high": res.ci_high, "effect": res.effect,
                     "effect_ci_low": res.effect_ci[0], "effect_ci_high": res.effect_ci[1],
                     "tau2": res.tau2, "i2": res.i2})
    table = pd.DataFrame(rows)
    if len(table) > 1:
        w = 1 / table["se"].to_numpy() ** 2
        est = table["estimate"].to_numpy()
        pooled = float(np.sum(w * est) / np.sum(w))
        q_between = float(np.sum(w * (est - pooled) ** 2))
        dof = len(table) - 1
        p = float(stats.chi2.sf(q_between, dof))
    else:
        q_between, dof, p = math.nan, 0, math.nan
    return SubgroupResult(moderator=moderator, table=table, results=results,
                          q_between=q_between, df=dof, p=p)


def leave_one_out(
    effects: pd.DataFrame, *, method: str = "REML", knapp_hartung: bool = False,
) -> pd.DataFrame:
    """Refit the meta-analysis leaving out each evaluation in turn.

    Returns one row per omitted study: ``study``, ``k``, ``estimate``, ``ci_low``,
    ``ci_high``, back-transformed ``effect*``, ``p``, ``tau2``, ``i2``, ``q``. Empty when
    there are fewer than two evaluations.
    """
    measure = effects.attrs.get("measure")
    rows = []
    if len(effects) < 2:
        return pd.DataFrame(columns=["study", "k", "estimate", "ci_low", "ci_high", "effect",
                                     "effect_ci_low", "effect_ci_high", "p", "tau2", "i2", "q"])
    for position in range(len(effects)):
        rest = effects.drop(effects.index[position])
        res = meta_analysis(rest["yi"], rest["vi"], method=method,
                            knapp_hartung=knapp_hartung, measure=measure)
        rows.append({"study": effects["study"].iloc[position], "k": res.k,
                     "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high,
                     "effect": res.effect, "effect_ci_low": res.effect_ci[0],
                     "effect_ci_high": res.effect_ci[1], "p": res.p, "tau2": res.tau2,
                     "i2": res.i2, "q": res.q})
    return pd.DataFrame(rows)


@dataclass
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry."""

    intercept: float
    slope: float
    se: float
    statistic: float
    df: float
    p: float
    k: int
    model: str
    note: str


def egger_test(yi: Iterable[float], vi: Iterable[float], *, model: str = "lm",
               method: str = "REML") -> EggerResult:
    """Egger's regression test for small-study effects (funnel-plot asymmetry).

    ``model="lm"`` is the classic test (Egger et al. 1997; metafor ``regtest(model="lm")``):
    weighted least squares of yi on its standard error with weights 1/vi and a
    multiplicative dispersion term, t test of the slope with k − 2 df (fitted with
    statsmodels). ``model="rma"`` uses a random-effects meta-regression on the standard
    error (metafor's default) with a z test. ``slope`` is the asymmetry coefficient,
    ``intercept`` the limit estimate for a study with SE 0. Needs k ≥ 3; with k < 10 the
    note cautions that the test has little power.
    """
    y = np.asarray(list(yi), dtype=float)
    v = np.asarray(list(vi), dtype=float)
    k = len(y)
    if k < 3:
        return EggerResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, k, model,
                           "Egger-testet kräver minst tre utvärderingar och gjordes inte.")
    sei = np.sqrt(v)
    if model == "lm":
        import statsmodels.api as sm

        fit = sm.WLS(y, sm.add_constant(sei, has_constant="add"), weights=1 / v).fit()
        intercept, slope = (float(x) for x in fit.params)
        se = float(fit.bse[1])
        statistic = float(fit.tvalues[1])
        dof = float(fit.df_resid)
        p = float(fit.pvalues[1])
    elif model == "rma":
        reg = meta_regression(y, v, sei, name="sei", method=method)
        row = reg.coefficients.iloc[1]
        intercept = float(reg.coefficients.iloc[0]["estimate"])
        slope, se, statistic, p = (float(row[c]) for c in ("estimate", "se", "statistic", "p"))
        dof = math.inf
    else:
        raise ParameterError(f"Unknown Egger model '{model}'.", hint="use 'lm' or 'rma'",
                             parameter="model")
    note = ""
    if k < 10:
        note = (f"Med bara {k} utvärderingar har Egger-testet och trattdiagrammet låg styrka; "
                "ett icke-signifikant test betyder inte att publiceringsbias saknas "
                "(Cochrane rekommenderar minst tio studier).")
    return EggerResult(intercept, slope, se, statistic, dof, p, k, model, note)


def sensitivity_table(
    effects: pd.DataFrame, *, method: str = "REML", knapp_hartung: bool = False,
    moderator: str | None = None,
) -> pd.DataFrame:
    """All robustness checks in one Swedish table (saved as ``sensitivity.csv``).

    Rows: the main analysis; a fixed-effect and the other random-effects estimators;
    only evaluations with SMS level ≥ 3 (when a ``design`` column exists); leave-one-out;
    subgroups of ``moderator`` with the test of subgroup difference and a meta-regression
    on it; Egger's test. Columns: Analys, k, Skattning, Nedre, Övre, p-värde, Kommentar
    (effects back-transformed for ratio measures).
    """
    method = _check_method(method)
    measure = effects.attrs.get("measure")
    short = MEASURE_SHORT.get(measure or "", "effekt")
    rows: list[dict[str, Any]] = []

    def add(name: str, res: MetaAnalysisResult | None, comment: str = "",
            p: float | None = None) -> None:
        if res is None:
            rows.append({"Analys": name, "k": math.nan, f"Skattning ({short})": math.nan,
                         "Nedre gräns": math.nan, "Övre gräns": math.nan,
                         "p-värde": math.nan if p is None else p, "Kommentar": comment})
            return
        rows.append({"Analys": name, "k": res.k, f"Skattning ({short})": res.effect,
                     "Nedre gräns": res.effect_ci[0], "Övre gräns": res.effect_ci[1],
                     "p-värde": res.p if p is None else p, "Kommentar": comment})

    main = meta_analysis_from_effects(effects, method=method, knapp_hartung=knapp_hartung)
    add("Huvudanalys", main, METHOD_LABELS[main.method])
    if len(effects) < 2:
        add("Känslighetsanalyser", None, "Kräver minst två utvärderingar; inte möjligt här.")
        return pd.DataFrame(rows)
    for other in METHODS:
        if other != main.method:
            res = meta_analysis_from_effects(effects, method=other, knapp_hartung=knapp_hartung)
            add(f"Annan modell: {other}", res, METHOD_LABELS[other])
    if not knapp_hartung:
        res = meta_analysis_from_effects(effects, method=method, knapp_hartung=True)
        add("Knapp–Hartung-justering", res, "t-fördelning med k − 1 frihetsgrader")
    if "design" in effects.columns:
        levels = effects["design"].map(lambda d: sms_level(d, strict=False))
        strong = effects[levels >= 3]
        if 0 < len(strong) < len(effects):
            strong = strong.copy()
            strong.attrs = dict(effects.attrs)
            res = meta_analysis_from_effects(strong, method=method, knapp_hartung=knapp_hartung)
            add("Endast SMS-nivå 3–5", res, "utvärderingar med jämförbar kontrollgrupp")
    loo = leave_one_out(effects, method=method, knapp_hartung=knapp_hartung)
    for _, r in loo.iterrows():
        rows.append({"Analys": f"Utan {r['study']}", "k": r["k"],
                     f"Skattning ({short})": r["effect"], "Nedre gräns": r["effect_ci_low"],
                     "Övre gräns": r["effect_ci_high"], "p-värde": r["p"],
                     "Kommentar": f"I² = {format_number(r['i2'], 1)} %"})
    if moderator:
        sub = subgroup_analysis(effects, moderator, method=method, knapp_hartung=knapp_hartung)
        for name, res in sub.results.items():
            add(f"Delgrupp {moderator} = {name}", res,
                f"I² = {format_number(res.i2, 1)} %" if res.k > 1 else "en utvärdering")
        if sub.df > 0:
            add(f"Skillnad mellan delgrupper ({moderator})", None,
                f"Q = {format_number(sub.q_between, 2)}, df = {sub.df}", p=sub.p)
            try:
                reg = meta_regression(effects["yi"], effects["vi"], effects[moderator],
                                      name=moderator, method=method,
                                      knapp_hartung=knapp_hartung)
                add(f"Metaregression på {moderator}", None,
                    f"QM = {format_number(reg.qm, 2)} (df = {reg.qm_df}), förklarad "
                    f"heterogenitet R² = {format_number(reg.r2, 1)} %", p=reg.qm_p)
            except InputDataError as exc:
                add(f"Metaregression på {moderator}", None, f"inte möjlig: {exc.message}")
    egger = egger_test(effects["yi"], effects["vi"])
    add("Egger-test (asymmetri i trattdiagram)", None,
        (f"lutning = {format_number(egger.slope, 2)}. " if math.isfinite(egger.slope) else "")
        + egger.note, p=egger.p)
    return pd.DataFrame(rows)


# =======================================================================================
# figures


def _plain(text: object, limit: int = 48) -> str:
    """Label text safe for matplotlib (no mathtext) and short enough for a row."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _fmt(value: float, decimals: int = 2) -> str:
    return format_number(value, decimals)


def heterogeneity_label(i2: float) -> str:
    """Swedish word for the size of I² (låg < 25 %, måttlig < 50 %, betydande < 75 %)."""
    if not math.isfinite(i2):
        return "kan inte bedömas"
    if i2 < 25:
        return "låg"
    if i2 < 50:
        return "måttlig"
    if i2 < 75:
        return "betydande"
    return "mycket stor"


_NICE_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0,
                     10.0, 20.0, 50.0, 100.0)
FONT_SIZE = 12


def _ratio_axis(ax: Any, values: np.ndarray) -> None:
    """Log scale with readable Swedish tick labels for ratio measures."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    values = values[np.isfinite(values) & (values > 0)]
    low, high = float(values.min()) / 1.15, float(values.max()) * 1.15
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    decades = math.log10(high / low)
    if decades > 1.5:
        candidates: tuple[float, ...] = (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)
    elif decades > 0.8:
        candidates = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
    else:
        candidates = _NICE_RATIO_TICKS
    ticks = [t for t in candidates if low <= t <= high]
    if len(ticks) > 7:
        ticks = [t for t in ticks if t not in (0.25, 0.75, 1.5, 3.0, 4.0, 0.02, 20.0)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(x, 2 if x < 1 else 1)))


def _linear_axis(axis: Any) -> None:
    """Swedish tick labels (decimal comma, minus sign) with as many decimals as the step needs."""
    from matplotlib.ticker import FuncFormatter

    ticks = np.asarray(axis.get_majorticklocs(), dtype=float)
    steps = np.diff(np.sort(ticks))
    step = float(steps[steps > 0].min()) if np.any(steps > 0) else 1.0
    decimals = max(0, min(4, -math.floor(math.log10(step) + 1e-9)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(x, decimals)))


def _design_label(design: object) -> str:
    level = sms_level(design, strict=False)
    return DESIGN_LABELS.get(level, str(design))


def forest_plot(
    effects: pd.DataFrame, result: MetaAnalysisResult, *, method_name: str = "",
    favourable: str | None = None,
) -> Any:
    """An accessible forest plot: one row per evaluation, pooled diamond, prediction interval.

    Study labels on the left; effect with CI (decimal comma) and weight on the right; squares
    sized by weight; a diamond for the pooled effect and a dashed line for the prediction
    interval; a dotted vertical line at no effect. Ratio measures are drawn on a log scale
    with back-transformed labels. Returns a matplotlib Figure with Swedish alt text attached.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon
    from matplotlib.transforms import blended_transform_factory

    from ..report.display import attach_alt

    measure = result.measure or effects.attrs.get("measure") or "MD"
    back = transform_for(measure)
    ratio = measure in RATIO_MEASURES
    k = len(effects)
    show_pi = result.k > 1 and result.method != "FE"
    rows = k + 4
    height = 2.2 + 0.48 * rows
    fig = Figure(figsize=(10.5, height))
    bottom = 1.5 / height
    ax = fig.add_axes((0.33, bottom, 0.33, 1 - bottom - 0.55 / height))
    weights = np.asarray(result.weights, dtype=float)
    ys = np.arange(k, 0, -1) + 2.0
    lo = back(effects["ci_low"].to_numpy(float))
    hi = back(effects["ci_high"].to_numpy(float))
    est = back(effects["yi"].to_numpy(float))
    black, blue, vermillion = OKABE_ITO["black"], OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    for y, l, h in zip(ys, lo, hi):
        ax.plot([l, h], [y, y], color=black, linewidth=1.4, solid_capstyle="butt")
    sizes = 40 + 260 * np.sqrt(weights / weights.max())
    ax.scatter(est, ys, s=sizes, marker="s", color=black, zorder=3)
    pooled_y = 1.0
    e, (cl, ch) = result.effect, result.effect_ci
    ax.add_patch(Polygon([(cl, pooled_y), (e, pooled_y + 0.38), (ch, pooled_y),
                          (e, pooled_y - 0.38)], closed=True, facecolor=blue,
                         edgecolor=black, zorder=3))
    pl, ph = result.effect_pi
    pi_y = 0.1
    if show_pi:
        ax.plot([pl, ph], [pi_y, pi_y], color=vermillion, linestyle=(0, (4, 2)), linewidth=2.2)
        for end in (pl, ph):
            ax.plot([end, end], [pi_y - 0.18, pi_y + 0.18], color=vermillion, linewidth=2.2)
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color=black, linewidth=1, linestyle=":")
    ax.set_ylim(-0.5, k + 3.3)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if ratio:
        _ratio_axis(ax, np.concatenate([lo, hi, [pl, ph, null]]))
    else:
        _linear_axis(ax.xaxis)
    ax.tick_params(labelsize=FONT_SIZE - 1)
    label = MEASURE_LABELS.get(measure, "effekt")
    xlabel = label[0].upper() + label[1:] + (", logaritmisk skala" if ratio else "")
    if favourable in ("lower", "higher"):
        xlabel += ("\n← gynnsamt för insatsen   |   ogynnsamt →" if favourable == "lower"
                   else "\n← ogynnsamt   |   gynnsamt för insatsen →")
    ax.set_xlabel(xlabel, fontsize=FONT_SIZE)
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    header_y = k + 2.9
    pct = int(round(result.level * 100))
    short = MEASURE_SHORT.get(measure, "effekt")
    text_kw = {"transform": trans, "va": "center", "fontsize": FONT_SIZE}
    ax.text(-0.04, header_y, "Utvärdering", ha="right", fontweight="bold", **text_kw)
    ax.text(1.04, header_y, f"{short} [{pct} % KI]", ha="left", fontweight="bold", **text_kw)
    ax.text(1.92, header_y, "Vikt", ha="right", fontweight="bold", **text_kw)
    for y, name, e_i, l_i, h_i, w in zip(ys, effects["study"], est, lo, hi, weights):
        ax.text(-0.04, y, _plain(name, 34), ha="right", **text_kw)
        ax.text(1.04, y, f"{_fmt(e_i)} [{_fmt(l_i)}; {_fmt(h_i)}]", ha="left", **text_kw)
        ax.text(1.92, y, f"{_fmt(w, 1)} %", ha="right", **text_kw)
    model = "fix effekt" if result.method == "FE" else f"slumpeffekt ({result.method})"
    pooled_label = f"Sammanvägt, {model}" if result.k > 1 else "Resultat (en utvärdering)"
    ax.text(-0.04, pooled_y, pooled_label, ha="right", fontweight="bold", **text_kw)
    ax.text(1.04, pooled_y, f"{_fmt(e)} [{_fmt(cl)}; {_fmt(ch)}]", ha="left",
            fontweight="bold", **text_kw)
    ax.text(1.92, pooled_y, "100 %", ha="right", **text_kw)
    if show_pi:
        ax.text(-0.04, pi_y, "Prediktionsintervall", ha="right", **text_kw)
        ax.text(1.04, pi_y, f"[{_fmt(pl)}; {_fmt(ph)}]", ha="left", **text_kw)
    if result.k > 1:
        het = (f"I² = {_fmt(result.i2, 0)} %, τ² = {_fmt(result.tau2, 3)}, "
               f"Q-test p = {_fmt(result.q_p, 2)}")
    else:
        het = "En utvärdering: ingen heterogenitet"
    ax.text(-0.04, -0.45, het, ha="right", **{**text_kw, "fontsize": FONT_SIZE - 2})
    title = f"{method_name}: " if method_name else ""
    fig.suptitle(f"{title}{k} utvärdering{'ar' if k != 1 else ''}", x=0.02, ha="left",
                 fontsize=FONT_SIZE + 2, fontweight="bold")
    attach_alt(fig, forest_alt_text(result, method_name=method_name, favourable=favourable))
    return fig


def forest_alt_text(result: MetaAnalysisResult, *, method_name: str = "",
                    favourable: str | None = None) -> str:
    """Swedish alt text stating the pooled effect and heterogeneity of a forest plot."""
    measure = result.measure or "MD"
    label = MEASURE_LABELS.get(measure, "effekt")
    pct = int(round(result.level * 100))
    cl, ch = result.effect_ci
    subject = f" av {method_name}" if method_name else ""
    text = (f"Skogsdiagram över {result.k} utvärdering{'ar' if result.k != 1 else ''}{subject}. ")
    if result.k == 1:
        text += (f"Den enda utvärderingen visar {label} {_fmt(result.effect)} "
                 f"({pct} % KI {_fmt(cl)} till {_fmt(ch)}). ")
    else:
        text += (f"Sammanvägd {label} {_fmt(result.effect)} ({pct} % KI {_fmt(cl)} till "
                 f"{_fmt(ch)}). ")
    text += direction_sentence(result, favourable) + " "
    if result.k > 1:
        text += (f"Heterogeniteten är {heterogeneity_label(result.i2)} "
                 f"(I² = {_fmt(result.i2, 0)} %)")
        if result.method != "FE":
            pl, ph = result.effect_pi
            text += f"; prediktionsintervallet går från {_fmt(pl)} till {_fmt(ph)}"
        text += "."
    return text.strip()


def direction_sentence(result: MetaAnalysisResult, favourable: str | None) -> str:
    """One Swedish sentence: is the pooled effect significant, and in which direction?"""
    null = 0.0
    significant = result.ci_low > null or result.ci_high < null
    if not significant:
        return ("Konfidensintervallet omfattar även värdet för ingen effekt, så effekten är "
                "inte statistiskt säkerställd.")
    lower = result.ci_high < null
    if favourable not in ("lower", "higher"):
        return "Resultatet är statistiskt säkerställt (konfidensintervallet utesluter ingen effekt)."
    good = lower == (favourable == "lower")
    return ("Resultatet är statistiskt säkerställt och går åt gynnsamt håll." if good else
            "Resultatet är statistiskt säkerställt men går åt ogynnsamt håll – utfallet blev "
            "sämre med insatsen.")


def funnel_plot(effects: pd.DataFrame, result: MetaAnalysisResult, *, method_name: str = "") -> Any:
    """Funnel plot: effect against standard error (inverted), with the pseudo 95 % region.

    Returns a Figure with Swedish alt text; the alt text and a caution mention when k < 10.
    """
    from matplotlib.figure import Figure

    from ..report.display import attach_alt

    measure = result.measure or effects.attrs.get("measure") or "MD"
    back = transform_for(measure)
    ratio = measure in RATIO_MEASURES
    se = np.sqrt(effects["vi"].to_numpy(float))
    y = effects["yi"].to_numpy(float)
    fig = Figure(figsize=(8.5, 6))
    ax = fig.add_subplot(1, 1, 1)
    se_max = max(float(se.max()) * 1.1, 1e-6)
    grid = np.linspace(0, se_max, 50)
    centre = result.estimate
    ax.fill_betweenx(grid, back(centre - 1.96 * grid), back(centre + 1.96 * grid),
                     color=OKABE_ITO["sky"], alpha=0.25, label="Förväntat område (95 %) utan bias")
    ax.plot(back(centre - 1.96 * grid), grid, color=OKABE_ITO["blue"], linestyle="--", linewidth=1)
    ax.plot(back(centre + 1.96 * grid), grid, color=OKABE_ITO["blue"], linestyle="--", linewidth=1)
    ax.axvline(back(centre), color=OKABE_ITO["black"], linewidth=1,
               label="Sammanvägd effekt")
    ax.scatter(back(y), se, marker="o", facecolor="white", edgecolor=OKABE_ITO["black"],
               s=45, zorder=3, label="Utvärdering")
    ax.set_ylim(se_max, 0)
    if ratio:
        _ratio_axis(ax, np.concatenate([back(y), back(centre - 1.96 * grid),
                                        back(centre + 1.96 * grid)]))
    else:
        _linear_axis(ax.xaxis)
    _linear_axis(ax.yaxis)
    label = MEASURE_LABELS.get(measure, "effekt")
    ax.set_xlabel(label[0].upper() + label[1:] + (", logaritmisk skala" if ratio else ""),
                  fontsize=FONT_SIZE)
    ax.set_ylabel("Standardfel (mindre = större studie)", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE - 1)
    ax.legend(loc="lower right", fontsize=FONT_SIZE - 2, frameon=True)
    title = f"{method_name}: trattdiagram" if method_name else "Trattdiagram"
    ax.set_title(title, loc="left", fontweight="bold", fontsize=FONT_SIZE + 1)
    egger = egger_test(effects["yi"], effects["vi"])
    alt = (f"Trattdiagram med {len(effects)} utvärdering{'ar' if len(effects) != 1 else ''}: "
           "varje utvärderings effekt mot dess standardfel, med det område där studierna "
           "förväntas ligga om det inte finns publiceringsbias. ")
    if math.isfinite(egger.p):
        alt += (f"Egger-testet ger p = {_fmt(egger.p, 2)}"
                + (", vilket tyder på asymmetri. " if egger.p < 0.10 else
                   ", ingen tydlig asymmetri. "))
    if len(effects) < 10:
        alt += "Med färre än tio utvärderingar går asymmetri inte att bedöma säkert."
    attach_alt(fig, alt.strip())
    return fig


# =======================================================================================
# evidence grading (Maryland Scientific Methods Scale, Sherman et al. 1997/2002)

SMS_BY_DESIGN: dict[str, int] = {
    "correlational": 1, "cross_sectional": 1, "korrelation": 1, "tvarsnitt": 1,
    "before_after": 2, "pre_post": 2, "fore_efter": 2, "post_only_comparison": 2,
    "comparison_group": 3, "jamforelsegrupp": 3, "controlled_before_after": 3,
    "quasi_matched": 4, "matched": 4, "quasi_experimental": 4, "matchad": 4,
    "rct": 5, "randomised": 5, "randomized": 5, "randomiserad": 5,
}
SMS_DESCRIPTIONS: dict[int, str] = {
    1: "Nivå 1: samband vid ett tillfälle (ingen tidsordning, ingen jämförelsegrupp)",
    2: "Nivå 2: före–efter utan jämförelsegrupp, eller jämförelse utan förmätning",
    3: "Nivå 3: före–efter med jämförbar jämförelsegrupp",
    4: "Nivå 4: flera jämförelsegrupper eller matchning/kontroll för andra faktorer",
    5: "Nivå 5: slumpmässig fördelning (randomiserad studie)",
}
DESIGN_LABELS: dict[int, str] = {
    1: "sambandsstudie (nivå 1)",
    2: "före–efter utan jämförelsegrupp (nivå 2)",
    3: "jämförelsegrupp (nivå 3)",
    4: "matchad jämförelse (nivå 4)",
    5: "randomiserad studie (nivå 5)",
}
GRADES = ("effektiv", "lovande", "oklar", "ej belagd")
GRADE_DEFINITIONS: dict[str, str] = {
    "effektiv": ("Effektiv: minst två utvärderingar på nivå 3 eller högre visar en statistiskt "
                 "säkerställd gynnsam effekt, och tyngden av underlaget talar för metoden: den "
                 "sammanvägda effekten av alla utvärderingar på nivå 3–5 är statistiskt "
                 "säkerställd och gynnsam."),
    "lovande": ("Lovande: minst en utvärdering på nivå 3 eller högre visar en statistiskt "
                "säkerställd gynnsam effekt, eller den sammanvägda effekten på nivå 3–5 är "
                "säkerställd och gynnsam; den sammanvägda effekten pekar åt gynnsamt håll och "
                "ingen utvärdering på nivå 3 eller högre visar säkerställd skada."),
    "ej belagd": ("Ej belagd: minst två utvärderingar på nivå 3 eller högre visar ingen "
                  "säkerställd gynnsam effekt, och tyngden av underlaget talar inte för "
                  "metoden: den sammanvägda effekten på nivå 3–5 är inte säkerställd gynnsam."),
    "oklar": ("Oklar: underlaget räcker inte för någon av de andra graderna, till exempel för "
              "att det saknas utvärderingar på nivå 3 eller högre."),
}


def sms_level(design: object, *, strict: bool = True) -> int:
    """Maryland Scientific Methods Scale level (1–5) of a design code.

    Codes: ``correlational`` (1), ``before_after`` (2), ``comparison_group`` (3),
    ``quasi_matched`` (4), ``rct`` (5), plus a few synonyms (Swedish ones without å/ä/ö)
    and the digits 1–5. With ``strict=False`` an unknown code gives 0 instead of an error.
    """
    text = str(design).strip().lower().replace("-", "_").replace(" ", "_")
    text = text.replace("å", "a").replace("ä", "a").replace("ö", "o")
    if text in SMS_BY_DESIGN:
        return SMS_BY_DESIGN[text]
    if text in ("1", "2", "3", "4", "5", "1.0", "2.0", "3.0", "4.0", "5.0"):
        return int(float(text))
    if strict:
        raise InputDataError(
            f"Unknown design '{str(design)[:40]}'.",
            hint="use one of correlational, before_after, comparison_group, quasi_matched, "
            "rct (or an SMS level 1–5)", column="design")
    return 0


def _favourable(favourable: str) -> str:
    value = str(favourable).strip().lower()
    mapping = {"lower": "lower", "lägre": "lower", "lagre": "lower", "higher": "higher",
               "högre": "higher", "hogre": "higher"}
    if value not in mapping:
        raise ParameterError(
            f"Unknown favourable direction '{favourable}'.",
            hint="use 'lower' (a lower value is better, e.g. relapse) or 'higher'",
            parameter="favourable")
    return mapping[value]


def evidence_table(effects: pd.DataFrame, *, favourable: str = "lower") -> pd.DataFrame:
    """Each evaluation with its design, SMS level and result, in Swedish (``evidence.csv``).

    The result is "gynnsam effekt" when the CI excludes no effect in the favourable
    direction, "ogynnsam effekt" when it excludes it in the other, else "ingen säkerställd
    effekt".
    """
    favourable = _favourable(favourable)
    file = effects.attrs.get("file", "evaluations table")
    if "design" not in effects.columns:
        raise SchemaError(f"{file} has no 'design' column; evidence grading needs it.",
                          hint="add a column 'design' with rct, quasi_matched, "
                          "comparison_group, before_after or correlational", column="design",
                          file=file)
    levels = []
    for _, r in effects.iterrows():
        try:
            levels.append(sms_level(r["design"]))
        except InputDataError as exc:
            row = r.get("source_row", "?")
            raise InputDataError(f"{file}, row {row}, column 'design': {exc.message}",
                                 hint=exc.hint, file=file, row=row, column="design") from None
    measure = effects.attrs.get("measure")
    short = MEASURE_SHORT.get(measure or "", "effekt")
    verdicts = [_verdict(lo, hi, favourable) for lo, hi in zip(effects["ci_low"], effects["ci_high"])]
    table = pd.DataFrame({
        "Utvärdering": effects["study"].astype(str).to_numpy(),
        "Design": [_design_label(d) for d in effects["design"]],
        "SMS-nivå": levels,
        f"Effekt ({short})": effects["effect"].to_numpy(float),
        "Nedre gräns": effects["effect_ci_low"].to_numpy(float),
        "Övre gräns": effects["effect_ci_high"].to_numpy(float),
        "Resultat": verdicts,
    })
    return table


def _verdict(ci_low: float, ci_high: float, favourable: str) -> str:
    if ci_high < 0:
        return "gynnsam effekt" if favourable == "lower" else "ogynnsam effekt"
    if ci_low > 0:
        return "gynnsam effekt" if favourable == "higher" else "ogynnsam effekt"
    return "ingen säkerställd effekt"


def _point_favourable(yi: float, favourable: str) -> bool:
    return yi < 0 if favourable == "lower" else yi > 0


@dataclass
class EvidenceGrade:
    """The grade of one method with the counts behind it and a Swedish statement."""

    grade: str
    statement: str
    n_evaluations: int
    n_level3: int
    n_level3_favourable: int
    n_level3_harmful: int
    max_level: int
    rule: str
    pooled_level3: MetaAnalysisResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "n_evaluations": self.n_evaluations,
                "n_level3": self.n_level3, "n_level3_favourable": self.n_level3_favourable,
                "n_level3_harmful": self.n_level3_harmful, "max_level": self.max_level}


def grade_evidence(effects: pd.DataFrame, *, favourable: str = "lower",
                   method_name: str = "", method: str = "REML") -> EvidenceGrade:
    """Grade a method "effektiv", "lovande", "oklar" or "ej belagd".

    The rule follows Sherman et al. (1997, 2002) on the Maryland Scientific Methods Scale,
    made explicit (see :data:`GRADE_DEFINITIONS`): an evaluation "shows an effect" when its
    own confidence interval excludes no effect; "level 3+" means SMS level ≥ 3; "the weight
    of evidence" is the meta-analysis (``method``) of the level-3+ evaluations. The grades
    are checked in Sherman's order: effektiv, ej belagd, lovande, else oklar.
    """
    favourable = _favourable(favourable)
    table = evidence_table(effects, favourable=favourable)
    strong_mask = (table["SMS-nivå"] >= 3).to_numpy()
    strong = table[strong_mask]
    n3 = len(strong)
    fav = int((strong["Resultat"] == "gynnsam effekt").sum())
    harm = int((strong["Resultat"] == "ogynnsam effekt").sum())
    not_fav = n3 - fav
    pooled: MetaAnalysisResult | None = None
    pooled_sig_fav = pooled_point_fav = False
    if n3:
        part = effects[strong_mask]
        pooled = meta_analysis(part["yi"], part["vi"], method=method,
                               measure=effects.attrs.get("measure"))
        pooled_sig_fav = _verdict(pooled.ci_low, pooled.ci_high, favourable) == "gynnsam effekt"
        pooled_point_fav = _point_favourable(pooled.estimate, favourable)
    if fav >= 2 and pooled_sig_fav:
        grade = "effektiv"
    elif not_fav >= 2 and not pooled_sig_fav:
        grade = "ej belagd"
    elif harm == 0 and pooled_point_fav and (fav >= 1 or pooled_sig_fav):
        grade = "lovande"
    else:
        grade = "oklar"
    subject = method_name or "Metoden"
    statement = (
        f"{subject} bedöms som ”{grade}”. Av {len(table)} utvärdering"
        f"{'ar' if len(table) != 1 else ''} har {n3} nivå 3 eller högre på Maryland-skalan; "
        f"{fav} av dem visar en statistiskt säkerställd gynnsam effekt"
        + (f" och {harm} en säkerställd ogynnsam effekt" if harm else "") + "."
    )
    if pooled is not None:
        short = MEASURE_SHORT.get(pooled.measure or "", "effekt")
        cl, ch = pooled.effect_ci
        statement += (f" Sammanvägt på nivå 3–5: {short} {_fmt(pooled.effect)} "
                      f"({_fmt(cl)} till {_fmt(ch)}), "
                      + ("statistiskt säkerställd och gynnsam." if pooled_sig_fav else
                         "inte statistiskt säkerställd som gynnsam."))
    statement += " " + GRADE_DEFINITIONS[grade]
    return EvidenceGrade(grade=grade, statement=statement, n_evaluations=len(table),
                         n_level3=n3, n_level3_favourable=fav, n_level3_harmful=harm,
                         max_level=int(table["SMS-nivå"].max()), rule=GRADE_DEFINITIONS[grade],
                         pooled_level3=pooled)


def grading_rules() -> list[str]:
    """The grading rule in Swedish, for the briefing."""
    return [
        "Varje utvärdering placeras på Maryland Scientific Methods Scale (Sherman m.fl. "
        "1997, 2002) efter sin design: " + "; ".join(
            SMS_DESCRIPTIONS[i] for i in range(1, 6)) + ".",
        "En utvärdering räknas som att den visar effekt när dess 95-procentiga "
        "konfidensintervall utesluter ingen effekt.",
        "Tyngden av underlaget mäts som den sammanvägda effekten (metaanalys) av "
        "utvärderingarna på nivå 3–5. Graderna prövas i ordningen effektiv, ej belagd, "
        "lovande; annars blir graden oklar.",
        *[GRADE_DEFINITIONS[g] for g in ("effektiv", "lovande", "ej belagd", "oklar")],
    ]


DESIGN_LIMITS: dict[int, str] = {
    1: ("Samband vid ett enda tillfälle visar inte vad som kom först; skillnaderna kan bero "
        "på vilka som deltog snarare än på insatsen."),
    2: ("Utan jämförelsegrupp går det inte att skilja insatsens effekt från annat som hände "
        "samtidigt: att deltagarna blev äldre och mognade, andra insatser eller händelser i "
        "området, att en extrem utgångsnivå av sig själv går tillbaka mot det normala, "
        "eller att de som svarade båda gångerna skiljer sig från dem som föll bort."),
    3: ("En jämförelsegrupp som inte lottats kan skilja sig från deltagarna på sätt som inte "
        "mätts; effekten kan delvis bero på vilka som valde eller valdes till insatsen."),
    4: ("Matchning tar bara hänsyn till de faktorer som mätts; okända skillnader mellan "
        "grupperna kan finnas kvar."),
    5: ("Även en randomiserad studie säger mest om just de deltagare, den tid och det sätt "
        "insatsen genomfördes på; resultatet behöver inte gälla i en annan kommun."),
}


def evidence_limits(effects: pd.DataFrame, result: MetaAnalysisResult,
                    grade: EvidenceGrade | None = None, *,
                    favourable: str | None = None) -> list[str]:
    """Short Swedish statements on what this evidence cannot say.

    For a single evaluation (k = 1) the list starts with :func:`local_evaluation_text`:
    the effect with its CI and an honest statement of what the design cannot show.
    """
    notes: list[str] = []
    levels = effects["design"].map(lambda d: sms_level(d, strict=False)) if "design" in effects \
        else pd.Series([0] * len(effects))
    weak = int((levels < 3).sum())
    if result.k == 1:
        notes.extend(local_evaluation_text(effects, result, favourable=favourable))
        notes.append("Underlaget är en enda utvärdering. Det säger något om just den "
                     "insatsen, på den platsen och vid den tiden – inte om metoden i allmänhet.")
    else:
        if weak:
            notes.append(f"{weak} av {result.k} utvärderingar saknar jämförbar jämförelsegrupp "
                         f"(nivå 1–2). {DESIGN_LIMITS[2]}")
        if result.k < 10:
            notes.append(f"Med {result.k} utvärderingar går det inte att säkert bedöma om "
                         "studier med svaga resultat aldrig publicerats (publiceringsbias).")
        if math.isfinite(result.i2) and result.i2 >= 50 and result.method != "FE":
            pl, ph = result.effect_pi
            notes.append(f"Effekten varierar mycket mellan utvärderingarna (I² = "
                         f"{_fmt(result.i2, 0)} %). Prediktionsintervallet ({_fmt(pl)} till "
                         f"{_fmt(ph)}) visar spännvidden för vad en ny insats kan ge.")
        if result.k == 2:
            notes.append("Med två utvärderingar är variationen mellan studier nästan "
                         "omöjlig att skatta.")
    notes.append("Utvärderingarna mäter det utfall som valts i dem (till exempel registrerad "
                 "brottslighet eller självrapporterade attityder); effekter på annat, och på "
                 "sikt, är okända.")
    notes.append("Resultaten gäller de sammanhang där metoden prövats och kan inte utan "
                 "vidare överföras till en annan kommun, målgrupp eller genomförandekvalitet.")
    if grade is not None and grade.grade in ("oklar", "ej belagd"):
        notes.append("”Ej belagd” och ”oklar” betyder inte att metoden bevisat saknar effekt; "
                     "underlaget kan vara för litet eller för svagt för att visa den.")
    return notes


# =======================================================================================
# briefing text


def summary_findings(effects: pd.DataFrame, result: MetaAnalysisResult,
                     grade: EvidenceGrade | None, *, method_name: str = "",
                     favourable: str | None = None) -> list[str]:
    """3–5 plain Swedish key findings for the 'Sammanfattning' section."""
    measure = result.measure or "MD"
    label = MEASURE_LABELS.get(measure, "effekt")
    pct = int(round(result.level * 100))
    cl, ch = result.effect_ci
    subject = method_name or "Metoden"
    findings = []
    if result.k == 1:
        findings.append(f"{subject} har en utvärdering: {label} {_fmt(result.effect)} "
                        f"({pct} % KI {_fmt(cl)} till {_fmt(ch)}).")
    else:
        name = (method_name[:1].lower() + method_name[1:]) if method_name else "metoden"
        findings.append(f"{result.k} utvärderingar av {name} "
                        f"väger samman till {label} {_fmt(result.effect)} ({pct} % KI "
                        f"{_fmt(cl)} till {_fmt(ch)}).")
    findings.append(direction_sentence(result, favourable))
    levels = ([sms_level(d, strict=False) for d in effects["design"]]
              if "design" in effects.columns else [])
    if result.k == 1 and levels and 0 < levels[0] < 3:
        findings.append("Uppföljningen saknar jämförelsegrupp: den visar en förändring bland "
                        "deltagarna men inte att insatsen orsakade den.")
    if measure in RATIO_MEASURES and math.isfinite(result.effect):
        change = (result.effect - 1) * 100
        word = "lägre" if change < 0 else "högre"
        findings.append(f"Det motsvarar ungefär {format_number(abs(change), 0)} procent "
                        f"{word} risk för utfallet i insatsgruppen än i jämförelsegruppen.")
    if result.k > 1:
        text = (f"Variationen mellan utvärderingarna är "
                f"{heterogeneity_label(result.i2)} (I² = {_fmt(result.i2, 0)} %)")
        if result.method != "FE":
            pl, ph = result.effect_pi
            text += f"; en ny insats kan väntas ge ett resultat mellan {_fmt(pl)} och {_fmt(ph)}"
        findings.append(text + ".")
    if grade is not None:
        findings.append(f"Evidensgrad: {grade.grade} ({grade.n_level3} av "
                        f"{grade.n_evaluations} utvärderingar har jämförbar jämförelsegrupp, "
                        f"nivå 3–5).")
    return findings[:5]


def key_figures(result: MetaAnalysisResult, grade: EvidenceGrade | None = None) -> dict[str, object]:
    """Key figures for the summary, formatted the Swedish way."""
    short = MEASURE_SHORT.get(result.measure or "", "effekt")
    cl, ch = result.effect_ci
    figures: dict[str, object] = {
        "Antal utvärderingar": result.k,
        f"Sammanvägd effekt ({short})": _fmt(result.effect),
        "95 % konfidensintervall": f"{_fmt(cl)} till {_fmt(ch)}",
    }
    if result.k > 1:
        figures["Heterogenitet (I²)"] = format_percent(result.i2, 0, ratio=False)
    if grade is not None:
        figures["Evidensgrad"] = grade.grade
    return figures


def heterogeneity_note(result: MetaAnalysisResult) -> str:
    """A Swedish note on heterogeneity, with the k = 1 / k = 2 cautions."""
    if result.notes:
        return " ".join(result.notes)
    if result.method == "FE":
        return ("Fixeffektmodellen antar att alla utvärderingar skattar samma effekt; "
                f"I² = {_fmt(result.i2, 0)} % beräknas från Q.")
    tl, th = result.tau2_ci_low, result.tau2_ci_high
    return (f"Variationen mellan utvärderingarna är {heterogeneity_label(result.i2)}: "
            f"τ² = {_fmt(result.tau2, 3)} (95 % KI {_fmt(tl, 3)} till {_fmt(th, 3)}), "
            f"I² = {_fmt(result.i2, 0)} %. Prediktionsintervallet visar var effekten av en ny, "
            "liknande insats sannolikt hamnar.")


def small_study_caution(effects: pd.DataFrame) -> str:
    """A Swedish caution about Egger's test and the funnel plot."""
    egger = egger_test(effects["yi"], effects["vi"])
    if not math.isfinite(egger.p):
        return egger.note + " Trattdiagrammet visas bara för översikt."
    text = (f"Egger-testet: lutning {_fmt(egger.slope)} (p = {_fmt(egger.p, 2)}). ")
    return (text + egger.note).strip()


def local_evaluation_text(effects: pd.DataFrame, result: MetaAnalysisResult, *,
                          favourable: str | None = None) -> list[str]:
    """For a single (local) evaluation: the effect with CI and an honest statement of limits."""
    measure = result.measure or "MD"
    label = MEASURE_LABELS.get(measure, "effekt")
    first = effects.iloc[0]
    pct = int(round(result.level * 100))
    level = sms_level(first.get("design", ""), strict=False)
    cl, ch = result.effect_ci
    lines = [f"{first['study']}: {label} {_fmt(result.effect)} ({pct} % KI {_fmt(cl)} till "
             f"{_fmt(ch)}). {direction_sentence(result, favourable)}"]
    if measure in ("SMD", "PRE_POST"):
        size = round(abs(result.effect), 2)
        word = ("mycket liten" if size < 0.2 else "liten" if size < 0.5 else
                "medelstor" if size < 0.8 else "stor")
        lines.append(f"En standardiserad förändring på {_fmt(size)} räknas enligt Cohens "
                     f"tumregel som {word}; tumregeln säger inget om den praktiska betydelsen.")
    if level in DESIGN_LIMITS:
        lines.append(f"Designen är nivå {level} på Maryland-skalan. {DESIGN_LIMITS[level]}")
    if level and level < 3:
        lines.append("Resultatet kan därför beskriva en förändring bland deltagarna, men inte "
                     "visa att insatsen orsakade den. Det skulle kräva en jämförelsegrupp, till "
                     "exempel en liknande stadsdel eller grupp som inte fick insatsen, mätt "
                     "vid samma tillfällen.")
    return lines


def data_notes(effects: pd.DataFrame, result: MetaAnalysisResult) -> list[str]:
    """Swedish method and data notes for 'Om underlaget'."""
    measure = result.measure or "MD"
    notes = [
        f"Underlag: {Path(str(effects.attrs.get('file', ''))).name or 'utvärderingstabellen'}, "
        f"{result.k} utvärdering{'ar' if result.k != 1 else ''}.",
        f"Effektmått: {MEASURE_LABELS.get(measure, measure)}, beräknat som i R-paketet "
        "metafor (escalc).",
        f"Modell: {METHOD_LABELS[result.method]}"
        + (", med Knapp–Hartung-justering (t-fördelning)" if result.knapp_hartung else "")
        + ". I² och H² beräknas som i metafor; τ²:s konfidensintervall med Q-profilmetoden; "
        "prediktionsintervallet med "
        + ("t-fördelning med k − 1 frihetsgrader." if result.knapp_hartung
           else "normalfördelning."),
        "Evidensgraden följer Sherman m.fl. (1997, 2002) och Maryland Scientific Methods Scale.",
    ]
    notes.extend(effects.attrs.get("notes", []))
    notes.extend(result.notes)
    return notes


def effect_table(effects: pd.DataFrame, result: MetaAnalysisResult) -> pd.DataFrame:
    """Swedish table of effect sizes per evaluation (saved as ``effect_sizes.csv``)."""
    measure = result.measure or effects.attrs.get("measure") or "MD"
    short = MEASURE_SHORT.get(measure, "effekt")
    table = pd.DataFrame({
        "Utvärdering": effects["study"].astype(str).to_numpy(),
        "Rad i filen": (effects["source_row"].to_numpy() if "source_row" in effects
                        else np.arange(len(effects)) + 2),
        "yi (analysskala)": effects["yi"].to_numpy(float),
        "vi (varians)": effects["vi"].to_numpy(float),
        f"Effekt ({short})": effects["effect"].to_numpy(float),
        "Nedre gräns": effects["effect_ci_low"].to_numpy(float),
        "Övre gräns": effects["effect_ci_high"].to_numpy(float),
        "Vikt (%)": np.asarray(result.weights, dtype=float),
        "Källa": effects["estimate_source"].to_numpy(),
    })
    if "design" in effects.columns:
        table.insert(1, "Design", [_design_label(d) for d in effects["design"]])
    return table


def period_label(effects: pd.DataFrame, column: str = "year") -> str:
    """"2016–2025" from a year column, or an empty string."""
    if column not in effects.columns:
        return ""
    years = pd.to_numeric(effects[column], errors="coerce").dropna().astype(int)
    if years.empty:
        return ""
    low, high = int(years.min()), int(years.max())
    return str(low) if low == high else f"{low}–{high}"


# =======================================================================================
# method register


REGISTER_FIELDS = ("method", "target_group", "outcome", "where_used", "evaluations")


def load_register(path: str | Path) -> list[dict[str, Any]]:
    """Load a method register (``data/sample/metoder.yaml`` format) and validate it.

    Each entry: ``method``, ``target_group``, ``outcome``, ``where_used`` (list),
    ``evaluations`` (``file``, ``measure``, ``favourable`` and optionally ``method_column``,
    ``select`` — the value in that column, default the method name). Raises
    :class:`ConfigError` naming the entry and field.
    """
    path = Path(path)
    data = read_yaml(path, what="Method register", parameter="register",
                     missing_hint="check the 'register' parameter")
    entries = data.get("methods") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"The method register {path} has no 'methods' list.",
                          hint="start the file with 'methods:' and one entry per method",
                          file=str(path))
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: entry {number} is not a mapping.",
                              hint="each method is a block of 'field: value' lines",
                              file=str(path))
        for name in REGISTER_FIELDS:
            if name not in entry or entry[name] in (None, ""):
                raise ConfigError(f"{path}: entry {number} ({entry.get('method', '?')}) lacks "
                                  f"'{name}'.", hint=f"add '{name}:' to the entry",
                                  file=str(path), field=name)
        ev = entry["evaluations"]
        if not isinstance(ev, dict) or "file" not in ev:
            raise ConfigError(f"{path}: entry {number} ({entry['method']}): 'evaluations' "
                              "needs 'file', 'measure' and 'favourable'.",
                              hint="e.g. evaluations: {file: data/sample/metod/utvarderingar.csv, "
                              "measure: RR, favourable: lower}", file=str(path),
                              field="evaluations")
        try:
            _check_measure(ev.get("measure", ""))
            _favourable(ev.get("favourable", ""))
        except ParameterError as exc:
            raise ConfigError(f"{path}: entry {number} ({entry['method']}): {exc.message}",
                              hint=exc.hint, file=str(path), field="evaluations") from None
    return entries


def register_table(path: str | Path, *, method: str = "REML",
                   base: Path | None = None) -> pd.DataFrame:
    """Grade every method in the register and return a Swedish table.

    Columns: Metod, Målgrupp, Utfall, Används i, Utvärderingar, Högsta SMS-nivå,
    Sammanvägd effekt, Evidensgrad. Evaluation files are resolved against ``base``
    (default: the project root).
    """
    from ..paths import resolve

    rows = []
    for entry in load_register(path):
        ev = entry["evaluations"]
        data = read_evaluations(resolve(ev["file"], base))
        data = select_method(data, ev.get("select", entry["method"]),
                             column=ev.get("method_column", "method"))
        effects = effect_sizes(data, ev["measure"])
        res = meta_analysis_from_effects(effects, method=method)
        grade = grade_evidence(effects, favourable=ev["favourable"], method=method)
        short = MEASURE_SHORT[_check_measure(ev["measure"])]
        cl, ch = res.effect_ci
        where = entry["where_used"]
        rows.append({
            "Metod": str(entry["method"]), "Målgrupp": str(entry["target_group"]),
            "Utfall": str(entry["outcome"]),
            "Används i": ", ".join(map(str, where)) if isinstance(where, list) else str(where),
            "Utvärderingar": res.k, "Högsta SMS-nivå": grade.max_level,
            "Sammanvägd effekt": f"{short} {_fmt(res.effect)} [{_fmt(cl)}; {_fmt(ch)}]",
            "Evidensgrad": grade.grade,
        })
    return pd.DataFrame(rows)
