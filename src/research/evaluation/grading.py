"""Evidence grading on the Maryland Scientific Methods Scale, and the method register.

Each evaluation gets an SMS level (Sherman et al. 1997, 2002) from its design; a method gets
one of :data:`GRADES` by the rule in :data:`GRADE_DEFINITIONS`. The rule weighs the
**pooled** effect of the level 3–5 evaluations: a single study whose confidence interval
includes no effect is not counted as evidence against the method (no vote counting).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, InputDataError, ParameterError, SchemaError
from ..io.files import read_yaml
from ..report.formatting import format_number
from .effects import MEASURE_SHORT, check_measure, effect_sizes
from .meta import MetaAnalysisResult, format_level, meta_analysis, meta_analysis_from_effects
from .readers import read_evaluations, select_method

__all__ = [
    "SMS_BY_DESIGN",
    "SMS_DESCRIPTIONS",
    "DESIGN_LABELS",
    "GRADES",
    "GRADE_DEFINITIONS",
    "NO_VOTE_COUNTING",
    "sms_level",
    "design_label",
    "check_favourable",
    "verdict",
    "evidence_table",
    "EvidenceGrade",
    "grade_evidence",
    "grading_rules",
    "REGISTER_FIELDS",
    "load_register",
    "register_table",
]

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
    "effektiv": ("Effektiv: minst två utvärderingar på nivå 3 eller högre, och deras "
                 "sammanvägda effekt är statistiskt säkerställd och gynnsam."),
    "lovande": ("Lovande: den sammanvägda effekten av utvärderingarna på nivå 3–5 pekar åt "
                "gynnsamt håll, minst en av dem visar en statistiskt säkerställd gynnsam "
                "effekt och ingen visar säkerställd skada – men underlaget räcker inte för "
                "”effektiv”."),
    "ej belagd": ("Ej belagd: minst två utvärderingar på nivå 3 eller högre finns, men deras "
                  "sammanvägda effekt är inte statistiskt säkerställd som gynnsam."),
    "oklar": ("Oklar: underlaget räcker inte för någon av de andra graderna, till exempel för "
              "att det saknas utvärderingar på nivå 3 eller högre."),
}
NO_VOTE_COUNTING = (
    "Ingen rösträkning: en utvärdering vars konfidensintervall omfattar ingen effekt räknas "
    "inte som belägg mot metoden – den kunde bara inte avgöra frågan. Det som avgör är den "
    "sammanvägda effekten (metaanalysen) av utvärderingarna på nivå 3–5; bara en statistiskt "
    "säkerställd ogynnsam effekt räknas som belägg mot."
)


def sms_level(design: object, *, strict: bool = True) -> int:
    """Maryland Scientific Methods Scale level (1–5) of a design code.

    Codes: ``correlational`` (1), ``before_after`` (2), ``comparison_group`` (3),
    ``quasi_matched`` (4), ``rct`` (5), a few synonyms (Swedish ones without å/ä/ö) and the
    digits 1–5. With ``strict=False`` an unknown code gives 0 instead of an error.
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


def design_label(design: object) -> str:
    """Swedish label of a design code, with its SMS level."""
    return DESIGN_LABELS.get(sms_level(design, strict=False), str(design))


def check_favourable(favourable: str) -> str:
    """``"lower"`` or ``"higher"`` (Swedish spellings accepted)."""
    value = str(favourable).strip().lower()
    mapping = {"lower": "lower", "lägre": "lower", "lagre": "lower", "higher": "higher",
               "högre": "higher", "hogre": "higher"}
    if value not in mapping:
        raise ParameterError(
            f"Unknown favourable direction '{favourable}'.",
            hint="use 'lower' (a lower value is better, e.g. relapse) or 'higher'",
            parameter="favourable")
    return mapping[value]


def verdict(ci_low: float, ci_high: float, favourable: str) -> str:
    """"gynnsam effekt", "ogynnsam effekt" or "ingen säkerställd effekt" (analysis scale,
    where 0 is no effect)."""
    if ci_high < 0:
        return "gynnsam effekt" if favourable == "lower" else "ogynnsam effekt"
    if ci_low > 0:
        return "gynnsam effekt" if favourable == "higher" else "ogynnsam effekt"
    return "ingen säkerställd effekt"


def _levels(effects: pd.DataFrame) -> list[int]:
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
    return levels


def evidence_table(effects: pd.DataFrame, *, favourable: str = "lower") -> pd.DataFrame:
    """Each evaluation with its design, SMS level and result, in Swedish (``evidence.csv``)."""
    favourable = check_favourable(favourable)
    levels = _levels(effects)
    short = MEASURE_SHORT.get(effects.attrs.get("measure") or "", "effekt")
    return pd.DataFrame({
        "Utvärdering": effects["study"].astype(str).to_numpy(),
        "Design": [design_label(d) for d in effects["design"]],
        "SMS-nivå": levels,
        f"Effekt ({short})": effects["effect"].to_numpy(float),
        "Nedre gräns": effects["effect_ci_low"].to_numpy(float),
        "Övre gräns": effects["effect_ci_high"].to_numpy(float),
        "Resultat": [verdict(lo, hi, favourable)
                     for lo, hi in zip(effects["ci_low"], effects["ci_high"])],
    })


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
        """The grade and its counts."""
        return {"grade": self.grade, "n_evaluations": self.n_evaluations,
                "n_level3": self.n_level3, "n_level3_favourable": self.n_level3_favourable,
                "n_level3_harmful": self.n_level3_harmful, "max_level": self.max_level}


def _grade(n3: int, fav: int, harm: int, pooled: MetaAnalysisResult | None,
           favourable: str) -> str:
    if pooled is None:
        return "oklar"
    pooled_verdict = verdict(pooled.ci_low, pooled.ci_high, favourable)
    points_favourable = pooled.estimate < 0 if favourable == "lower" else pooled.estimate > 0
    if n3 >= 2 and pooled_verdict == "gynnsam effekt":
        return "effektiv"
    if harm == 0 and points_favourable and (fav >= 1 or pooled_verdict == "gynnsam effekt"):
        return "lovande"
    if n3 >= 2:
        return "ej belagd"
    return "oklar"


def grade_evidence(effects: pd.DataFrame, *, favourable: str = "lower",
                   method_name: str = "", method: str = "REML") -> EvidenceGrade:
    """Grade a method "effektiv", "lovande", "oklar" or "ej belagd" (:data:`GRADE_DEFINITIONS`).

    "Level 3+" means SMS level ≥ 3; the weight of evidence is the meta-analysis (``method``)
    of the level-3+ evaluations. Non-significant evaluations are not votes against.
    """
    favourable = check_favourable(favourable)
    table = evidence_table(effects, favourable=favourable)
    strong_mask = (table["SMS-nivå"] >= 3).to_numpy()
    strong = table[strong_mask]
    n3 = len(strong)
    fav = int((strong["Resultat"] == "gynnsam effekt").sum())
    harm = int((strong["Resultat"] == "ogynnsam effekt").sum())
    pooled = None
    if n3:
        part = effects[strong_mask]
        pooled = meta_analysis(part["yi"], part["vi"], method=method,
                               measure=effects.attrs.get("measure"),
                               level=effects.attrs.get("level", 0.95))
    grade = _grade(n3, fav, harm, pooled, favourable)
    statement = _statement(method_name or "Metoden", grade, len(table), n3, fav, harm, pooled,
                           favourable)
    return EvidenceGrade(grade=grade, statement=statement, n_evaluations=len(table),
                         n_level3=n3, n_level3_favourable=fav, n_level3_harmful=harm,
                         max_level=int(table["SMS-nivå"].max()), rule=GRADE_DEFINITIONS[grade],
                         pooled_level3=pooled)


def _statement(subject: str, grade: str, n: int, n3: int, fav: int, harm: int,
               pooled: MetaAnalysisResult | None, favourable: str) -> str:
    text = (f"{subject} bedöms som ”{grade}”. Av {n} utvärdering{'ar' if n != 1 else ''} har "
            f"{n3} nivå 3 eller högre på Maryland-skalan; {fav} av dem visar var för sig en "
            "statistiskt säkerställd gynnsam effekt"
            + (f" och {harm} en säkerställd ogynnsam effekt" if harm else "") + ".")
    if pooled is not None:
        short = MEASURE_SHORT.get(pooled.measure or "", "effekt")
        cl, ch = pooled.effect_ci
        result = verdict(pooled.ci_low, pooled.ci_high, favourable)
        judged = {"gynnsam effekt": "statistiskt säkerställd och gynnsam.",
                  "ogynnsam effekt": "statistiskt säkerställd men ogynnsam.",
                  "ingen säkerställd effekt": "inte statistiskt säkerställd."}[result]
        text += (f" Sammanvägt på nivå 3–5: {short} {format_number(pooled.effect, 2)} "
                 f"({format_level(pooled.level)} % KI {format_number(cl, 2)} till "
                 f"{format_number(ch, 2)}), {judged}")
    return text + " " + GRADE_DEFINITIONS[grade]


def grading_rules() -> list[str]:
    """The grading rule in Swedish, for the briefing."""
    return [
        "Varje utvärdering placeras på Maryland Scientific Methods Scale (Sherman m.fl. "
        "1997, 2002) efter sin design: " + "; ".join(
            SMS_DESCRIPTIONS[i] for i in range(1, 6)) + ".",
        "En utvärdering visar var för sig en effekt när dess 95-procentiga "
        "konfidensintervall utesluter ingen effekt.",
        NO_VOTE_COUNTING,
        "Graderna prövas i ordningen effektiv, lovande, ej belagd; annars blir graden oklar.",
        *[GRADE_DEFINITIONS[g] for g in ("effektiv", "lovande", "ej belagd", "oklar")],
    ]


# ---------------------------------------------------------------------------------------
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
        _check_entry(path, number, entry)
    return entries


def _check_entry(path: Path, number: int, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: entry {number} is not a mapping.",
                          hint="each method is a block of 'field: value' lines", file=str(path))
    for name in REGISTER_FIELDS:
        if name not in entry or entry[name] in (None, ""):
            raise ConfigError(f"{path}: entry {number} ({entry.get('method', '?')}) lacks "
                              f"'{name}'.", hint=f"add '{name}:' to the entry",
                              file=str(path), field=name)
    ev = entry["evaluations"]
    if not isinstance(ev, dict) or "file" not in ev:
        raise ConfigError(f"{path}: entry {number} ({entry['method']}): 'evaluations' needs "
                          "'file', 'measure' and 'favourable'.",
                          hint="e.g. evaluations: {file: data/sample/metod/utvarderingar.csv, "
                          "measure: RR, favourable: lower}", file=str(path), field="evaluations")
    try:
        check_measure(ev.get("measure", ""))
        check_favourable(ev.get("favourable", ""))
    except ParameterError as exc:
        raise ConfigError(f"{path}: entry {number} ({entry['method']}): {exc.message}",
                          hint=exc.hint, file=str(path), field="evaluations") from None


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
        short = MEASURE_SHORT[check_measure(ev["measure"])]
        cl, ch = res.effect_ci
        where = entry["where_used"]
        rows.append({
            "Metod": str(entry["method"]), "Målgrupp": str(entry["target_group"]),
            "Utfall": str(entry["outcome"]),
            "Används i": ", ".join(map(str, where)) if isinstance(where, list) else str(where),
            "Utvärderingar": res.k, "Högsta SMS-nivå": grade.max_level,
            "Sammanvägd effekt": (f"{short} {format_number(res.effect, 2)} "
                                  f"[{format_number(cl, 2)}; {format_number(ch, 2)}]"),
            "Evidensgrad": grade.grade,
        })
    return pd.DataFrame(rows)
