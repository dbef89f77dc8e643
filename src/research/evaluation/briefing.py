"""The metodutvärdering briefing: one entry point, :func:`analyse`, and its Swedish wording.

The notebook calls ``evaluation.analyse(...)`` once and shows what the returned
:class:`MethodEvaluation` offers (findings, key figures, tables, figures, method notes), one
result per cell. Everything a reader sees is written here; the numbers come from the pure
modules (:mod:`.effects`, :mod:`.meta`, :mod:`.regression`, :mod:`.robustness`,
:mod:`.grading`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..report.formatting import NBSP, format_number, format_p, format_percent
from .effects import INPUT_RULE, MEASURE_LABELS, MEASURE_SHORT, METAFOR_MEASURE, RATIO_MEASURES, \
    effect_sizes
from .figures import direction_sentence, forest_plot, funnel_plot, heterogeneity_label
from .grading import (EvidenceGrade, check_favourable, design_label, evidence_table,
                      grade_evidence, grading_rules, register_table, sms_level)
from .meta import METHOD_LABELS, MetaAnalysisResult, check_method, format_level, \
    meta_analysis_from_effects
from .readers import read_evaluations, select_method
from .robustness import egger_test, sensitivity_table

__all__ = [
    "DESIGN_LIMITS",
    "MethodEvaluation",
    "analyse",
    "summary_findings",
    "key_figures",
    "heterogeneity_note",
    "small_study_caution",
    "local_evaluation_text",
    "evidence_limits",
    "data_notes",
    "dropped_notes",
    "effect_table",
    "period_label",
    "GLOSSARY",
    "summary_reading",
    "summary_tests",
    "sensitivity_reading",
    "sensitivity_tests",
    "reading_options",
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


def _fmt(value: float, decimals: int = 2) -> str:
    return format_number(value, decimals)


def _ratio_sentence(result: MetaAnalysisResult) -> str | None:
    """RR as a change in risk; OR as a change in odds (an odds ratio is not a risk ratio)."""
    if result.measure not in RATIO_MEASURES or not math.isfinite(result.effect):
        return None
    change = abs(result.effect - 1) * 100
    word = "lägre" if result.effect < 1 else "högre"
    if result.measure == "RR":
        return (f"Det motsvarar ungefär {format_number(change, 0)} procent {word} risk för "
                "utfallet i insatsgruppen än i jämförelsegruppen.")
    return (f"Oddsen för utfallet är ungefär {format_number(change, 0)} procent {word} i "
            "insatsgruppen än i jämförelsegruppen. En oddskvot är inte en riskkvot: när utfallet "
            "är vanligt överdriver oddskvoten hur mycket sannolikheten för utfallet ändras.")


def _prediction_sentence(result: MetaAnalysisResult) -> str:
    if result.has_prediction_interval:
        pl, ph = result.effect_pi
        return f"; en ny, liknande insats kan väntas ge ett resultat mellan {_fmt(pl)} och {_fmt(ph)}"
    if result.method != "FE" and result.k == 2:
        return "; med två utvärderingar går inget prediktionsintervall att beräkna"
    return ""


def summary_findings(effects: pd.DataFrame, result: MetaAnalysisResult,
                     grade: EvidenceGrade | None, *, method_name: str = "",
                     favourable: str | None = None) -> list[str]:
    """3–5 plain Swedish key findings for the 'Sammanfattning' section."""
    label = MEASURE_LABELS.get(result.measure or "MD", "effekt")
    pct = format_level(result.level)
    cl, ch = result.effect_ci
    if result.k == 1:
        first = (f"{method_name or 'Metoden'} har en utvärdering: {label} {_fmt(result.effect)} "
                 f"({pct} % KI {_fmt(cl)} till {_fmt(ch)}).")
    else:
        name = (method_name[:1].lower() + method_name[1:]) if method_name else "metoden"
        first = (f"{result.k} utvärderingar av {name} väger samman till {label} "
                 f"{_fmt(result.effect)} ({pct} % KI {_fmt(cl)} till {_fmt(ch)}).")
    findings = [first, direction_sentence(result, favourable)]
    levels = ([sms_level(d, strict=False) for d in effects["design"]]
              if "design" in effects.columns else [])
    if result.k == 1 and levels and 0 < levels[0] < 3:
        findings.append("Uppföljningen saknar jämförelsegrupp: den visar en förändring bland "
                        "deltagarna men inte att insatsen orsakade den.")
    ratio = _ratio_sentence(result)
    if ratio:
        findings.append(ratio)
    if result.k > 1:
        findings.append(f"Variationen mellan utvärderingarna är {heterogeneity_label(result.i2)} "
                        f"(I² = {_fmt(result.i2, 0)} %){_prediction_sentence(result)}.")
    if grade is not None:
        word = "utvärdering" if grade.n_evaluations == 1 else "utvärderingar"
        findings.append(f"Evidensgrad: {grade.grade} ({grade.n_level3} av "
                        f"{grade.n_evaluations} {word} har jämförbar jämförelsegrupp, "
                        "nivå 3–5).")
    dropped = effects.attrs.get("dropped", [])
    if dropped:
        findings.insert(2, f"{len(dropped)} utvärdering{'ar' if len(dropped) != 1 else ''} "
                        "kunde inte ingå i analysen (se ”Utvärderingar som inte kunde ingå”).")
    return findings[:5]


def key_figures(result: MetaAnalysisResult, grade: EvidenceGrade | None = None) -> dict[str, object]:
    """Key figures for the summary, formatted the Swedish way."""
    short = MEASURE_SHORT.get(result.measure or "", "effekt")
    cl, ch = result.effect_ci
    figures: dict[str, object] = {
        "Antal utvärderingar": result.k,
        f"Sammanvägd effekt ({short})": _fmt(result.effect),
        f"{format_level(result.level)} % konfidensintervall": f"{_fmt(cl)} till {_fmt(ch)}",
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
            f"τ² = {_fmt(result.tau2, 3)} ({format_level(result.level)} % KI {_fmt(tl, 3)} till "
            f"{_fmt(th, 3)}), I² = {_fmt(result.i2, 0)} %. Prediktionsintervallet visar var "
            "effekten av en ny, liknande insats sannolikt hamnar; det tar hänsyn till att "
            "variationen mellan studier själv är osäker (t-fördelning med k − 2 frihetsgrader).")


def small_study_caution(effects: pd.DataFrame) -> str:
    """A Swedish caution about Egger's test and the funnel plot."""
    egger = egger_test(effects["yi"], effects["vi"])
    if not math.isfinite(egger.p):
        return egger.note + " Trattdiagrammet visas bara för översikt."
    return (f"Egger-testet: lutning {_fmt(egger.slope)} ({format_p(egger.p)}). "
            + egger.note).strip()


def local_evaluation_text(effects: pd.DataFrame, result: MetaAnalysisResult, *,
                          favourable: str | None = None) -> list[str]:
    """For a single (local) evaluation: the effect with CI and an honest statement of limits."""
    measure = result.measure or "MD"
    first = effects.iloc[0]
    level = sms_level(first.get("design", ""), strict=False)
    cl, ch = result.effect_ci
    lines = [f"{first['study']}: {MEASURE_LABELS.get(measure, 'effekt')} {_fmt(result.effect)} "
             f"({format_level(result.level)} % KI {_fmt(cl)} till {_fmt(ch)}). "
             f"{direction_sentence(result, favourable)}"]
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


def evidence_limits(effects: pd.DataFrame, result: MetaAnalysisResult,
                    grade: EvidenceGrade | None = None, *,
                    favourable: str | None = None) -> list[str]:
    """Short Swedish statements on what this evidence cannot say."""
    notes: list[str] = []
    if result.k == 1:
        notes.extend(local_evaluation_text(effects, result, favourable=favourable))
        notes.append("Underlaget är en enda utvärdering. Det säger något om just den "
                     "insatsen, på den platsen och vid den tiden – inte om metoden i allmänhet.")
    else:
        levels = (effects["design"].map(lambda d: sms_level(d, strict=False))
                  if "design" in effects else pd.Series([0] * len(effects)))
        weak = int((levels < 3).sum())
        if weak:
            notes.append(f"{weak} av {result.k} utvärderingar saknar jämförbar jämförelsegrupp "
                         f"(nivå 1–2). {DESIGN_LIMITS[2]}")
        if result.k < 10:
            notes.append(f"Med {result.k} utvärderingar går det inte att säkert bedöma om "
                         "studier med svaga resultat aldrig publicerats (publiceringsbias).")
        if math.isfinite(result.i2) and result.i2 >= 50 and result.has_prediction_interval:
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


def dropped_notes(effects: pd.DataFrame) -> list[str]:
    """The studies left out of the analysis and why, then the rule (Swedish)."""
    dropped = effects.attrs.get("dropped", [])
    lines = [f"{d['study']} (rad {d['source_row']}): {d['reason']}." for d in dropped]
    if not lines:
        lines.append("Alla utvärderingar i filen kunde ingå i analysen.")
    return [*lines, INPUT_RULE]


def data_notes(effects: pd.DataFrame, result: MetaAnalysisResult) -> list[str]:
    """Swedish method and data notes for 'Om underlaget'."""
    measure = result.measure or "MD"
    random = result.method != "FE" and result.k > 1
    model = (f"Modell: {METHOD_LABELS[result.method]}"
             + (", med Knapp–Hartung-justering (t-fördelning)" if result.knapp_hartung else "")
             + ".")
    if random:
        model += " I² och H² beräknas som i metafor; τ²:s konfidensintervall med Q-profilmetoden."
    notes = [
        f"Underlag: {Path(str(effects.attrs.get('file', ''))).name or 'utvärderingstabellen'}, "
        f"{result.k} utvärdering{'ar' if result.k != 1 else ''}"
        + (f" ({len(effects.attrs.get('dropped', []))} till togs bort, se ovan)"
           if effects.attrs.get("dropped") else "") + ".",
        f"Effektmått: {MEASURE_LABELS.get(measure, measure)}, beräknat som i R-paketet metafor "
        f"(escalc, measure = \"{METAFOR_MEASURE.get(measure, measure)}\").",
        model,
    ]
    if random and result.has_prediction_interval:
        pl, ph = result.effect_pi_metafor
        notes.append("Prediktionsintervallet beräknas med t-fördelning med k − 2 frihetsgrader "
                     "(Higgins m.fl. 2009, som Cochrane-handboken rekommenderar); metafors "
                     f"intervall (predict, {'t med k − 1' if result.knapp_hartung else 'normalfördelning'}"
                     f") är {_fmt(pl)} till {_fmt(ph)}.")
    elif random:
        notes.append("Inget prediktionsintervall: det kräver minst tre utvärderingar "
                     "(t-fördelning med k − 2 frihetsgrader, Higgins m.fl. 2009).")
    notes.append("Evidensgraden följer Sherman m.fl. (1997, 2002) och Maryland Scientific "
                 "Methods Scale, utan rösträkning av icke-signifikanta studier.")
    notes.extend(n for n in effects.attrs.get("notes", []) if "togs bort ur analysen" not in n)
    notes.extend(result.notes)
    return [*notes, *GLOSSARY]


#: What the statistical words in the briefing mean, for "Om underlaget" (plain Swedish).
GLOSSARY: tuple[str, ...] = (
    "Ordlista – konfidensintervall (KI, nedre och övre gräns): det intervall som med 95 % "
    "säkerhet innehåller den verkliga effekten i de utvärderingar som ingår.",
    "Ordlista – prediktionsintervall: där effekten av en ny, liknande insats sannolikt "
    "hamnar; bredare än konfidensintervallet eftersom insatser skiljer sig åt.",
    "Ordlista – vikt: hur mycket en utvärdering betyder i sammanvägningen; större och "
    "säkrare utvärderingar väger tyngre.",
    "Ordlista – τ² (tau-två): hur mycket de verkliga effekterna varierar mellan "
    "utvärderingarna. I² (i-två): hur stor del av skillnaderna mellan utvärderingarna som "
    "beror på verkliga skillnader och inte på slumpen (0 % = inga verkliga skillnader). H² "
    "och Q mäter samma sak på andra sätt; ett litet p-värde för Q tyder på verkliga "
    "skillnader.",
    "Ordlista – p-värde: hur vanligt ett lika stort eller större utslag vore om insatsen "
    "inte hade någon effekt; under 0,05 räknas som statistiskt säkerställt. z och t är "
    "testvärdena bakom p-värdet.",
    "Ordlista – analysskala, yi och vi: metaanalysen räknar på logaritmen av kvoter (log RR, "
    "log OR); yi är effekten och vi dess varians (osäkerhet) på den skalan. De visas inte "
    "på sidan men finns i den nedladdningsbara tabellen över effekterna.",
    "Ordlista – k: antalet utvärderingar i en analys. Slumpeffekt- och fixeffektmodell: "
    "om utvärderingarna antas skatta olika (slumpeffekt) eller samma (fixeffekt) verkliga "
    "effekt; REML, DL och PM är sätt att skatta τ², Knapp–Hartung en försiktigare beräkning "
    "av konfidensintervallet.",
    "Ordlista – Egger-test och trattdiagram: söker tecken på att små utvärderingar med "
    "svaga resultat saknas (publiceringsbias). SMS-nivå: nivå 1–5 på Maryland Scientific "
    "Methods Scale, hur väl designen kan visa orsak och verkan.",
)


# ---------------------------------------------------------------------------------------
# the tables as a coordinator reads them (the CSV files keep every row and column)


def _text(value: float, decimals: int = 2) -> str:
    return "" if value is None or not math.isfinite(value) else format_number(value, decimals)


def summary_reading(result: MetaAnalysisResult) -> pd.DataFrame:
    """The meta-analysis as a reader compares it: effects with their intervals, variation
    in words; the test statistics are said once by :func:`summary_tests`."""
    short = MEASURE_SHORT.get(result.measure or "", "effekt")
    pct = format_level(result.level)
    rows = [(f"Sammanvägd effekt ({short})", _text(result.effect),
             *(_text(v) for v in result.effect_ci))]
    if result.has_prediction_interval:
        rows.append((f"En ny, liknande insats (prediktions\u00adintervall, {short})", "",
                     *(_text(v) for v in result.effect_pi)))
    if result.k > 1 and result.method != "FE":
        rows.append(("Variation mellan studierna (τ²)", _text(result.tau2, 3),
                     _text(result.tau2_ci_low, 3), _text(result.tau2_ci_high, 3)))
    if result.k > 1:
        def percent(value: float) -> str:
            return "" if not math.isfinite(value) else f"{format_number(value, 0)}{NBSP}%"
        rows.append(("Andel av skillnaderna som är verkliga (I²)", percent(result.i2),
                     percent(result.i2_ci_low), percent(result.i2_ci_high)))
    return pd.DataFrame(rows, columns=["Mått", "Värde", f"Nedre gräns ({pct} %)",
                                       f"Övre gräns ({pct} %)"])


def summary_tests(result: MetaAnalysisResult) -> str:
    """The test statistics of the meta-analysis, once, in a sentence under its table."""
    statistic = "t" if result.statistic_name == "t" else "z"
    text = (f"Test av den sammanvägda effekten: {statistic} = {_fmt(result.statistic)}, "
            f"{format_p(result.p)} (standardfel {_fmt(result.se, 3)} på analysskalan).")
    if result.k > 1:
        text += (f" Skillnader mellan utvärderingarna: Q = {_fmt(result.q)} med "
                 f"{result.q_df} frihetsgrader, {format_p(result.q_p)}; H² = {_fmt(result.h2)}.")
    return text


def _is_test(row: pd.Series, estimate: str) -> bool:
    value = row.get(estimate)
    return value is None or (isinstance(value, float) and math.isnan(value))


def sensitivity_reading(table: pd.DataFrame) -> pd.DataFrame:
    """The robustness checks that give an estimate, one row each, labels a phone can wrap;
    the tests without an estimate (subgroup difference, meta-regression, Egger) are said
    once by :func:`sensitivity_tests`."""
    estimate = next((c for c in table.columns if str(c).startswith("Skattning")), None)
    if estimate is None:
        return table
    keep = [not _is_test(row, estimate) for _, row in table.iterrows()]
    shown = table[keep].copy()
    shown["Analys"] = shown["Analys"].replace({"Knapp–Hartung-justering": "Knapp–Hartung"}) \
        .str.replace(r"^Delgrupp .+? = ", "Delgrupp: ", regex=True)
    shown["k"] = shown["k"].astype(int)
    return shown.rename(columns={estimate: estimate.replace("Skattning", "Effekt"),
                                 "k": "Utvärderingar"}).reset_index(drop=True)


def sensitivity_tests(table: pd.DataFrame) -> list[str]:
    """The tests in the robustness table (no estimate of their own), one sentence each."""
    estimate = next((c for c in table.columns if str(c).startswith("Skattning")), None)
    lines = []
    for _, row in table.iterrows():
        if estimate is not None and not _is_test(row, estimate):
            continue
        p = row.get("p-värde")
        has_p = isinstance(p, (int, float)) and math.isfinite(p)
        comment = str(row.get("Kommentar") or "").strip()
        text = f"{row['Analys']}: " + (format_p(p) if has_p else "")
        if comment and has_p and len(comment) < 70:
            text += f" ({comment.rstrip('.')})"
        elif comment:
            text += (". " if has_p else "") + comment[:1].upper() + comment[1:]
        lines.append(text.rstrip(".") + ".")
    return lines


def reading_options(name: str, result: MetaAnalysisResult,
                    effects: pd.DataFrame | None = None) -> dict[str, Any]:
    """What :func:`research.report.show_table` needs to show the metodutvärdering table
    ``name`` for reading (priority columns first, technical columns left to the CSV)."""
    short = MEASURE_SHORT.get(result.measure or "", "effekt")
    if name == "effect_sizes":
        return {"priority": ["Utvärdering", f"Effekt ({short})", "Nedre gräns", "Övre gräns",
                             "Vikt (%)"],
                "hide": ["yi (analysskala)", "vi (varians)"], "decimals": {"Vikt (%)": 1}}
    if name == "evidence":
        return {"priority": ["Utvärdering", "SMS-nivå", "Resultat"],
                "display_columns": {"SMS-nivå": "Nivå (SMS)"}}
    if name == "method_register":
        # long texts beside each other (target group, outcome, where used): on a phone
        # only the method and its grade would fit, so each method is a card there
        return {"priority": ["Metod", "Evidensgrad", "Sammanvägd effekt"],
                "display_columns": {"Sammanvägd effekt": "Effekt [95 % KI]"}, "phone": "cards"}
    if name == "meta_analysis":
        return {"shown": summary_reading(result), "note": summary_tests(result)}
    if name == "sensitivity":
        if effects is None:
            raise ValueError("the sensitivity table's reading needs the table")
        return {"shown": sensitivity_reading(effects), "decimals": {"p-värde": 3},
                "priority": ["Analys", f"Effekt ({short})", "Nedre gräns", "Övre gräns"]}
    return {}


def effect_table(effects: pd.DataFrame, result: MetaAnalysisResult) -> pd.DataFrame:
    """Swedish table of effect sizes per evaluation (saved as ``effect_sizes.csv``)."""
    short = MEASURE_SHORT.get(result.measure or effects.attrs.get("measure") or "MD", "effekt")
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
        table.insert(1, "Design", [design_label(d) for d in effects["design"]])
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


# ---------------------------------------------------------------------------------------
# the entry point


@dataclass
class MethodEvaluation:
    """Everything the metodutvärdering briefing shows, computed once by :func:`analyse`."""

    effects: pd.DataFrame
    result: MetaAnalysisResult
    grade: EvidenceGrade | None
    method_name: str = ""
    favourable: str = "lower"
    method: str = "REML"
    knapp_hartung: bool = False
    moderator: str = ""
    register: Path | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def period(self) -> str:
        """The years the evaluations span ("2016–2025")."""
        return period_label(self.effects)

    def findings(self) -> list[str]:
        """3–5 key findings for 'Sammanfattning'."""
        return summary_findings(self.effects, self.result, self.grade,
                                method_name=self.method_name, favourable=self.favourable)

    def key_figures(self) -> dict[str, object]:
        """Key figures for 'Sammanfattning'."""
        return key_figures(self.result, self.grade)

    def effect_table(self) -> pd.DataFrame:
        """Effect size per evaluation (``effect_sizes.csv``)."""
        return effect_table(self.effects, self.result)

    def summary_table(self) -> pd.DataFrame:
        """The meta-analysis in one table (``meta_analysis.csv``)."""
        return self.result.summary_table()

    def reading(self, name: str) -> dict[str, Any]:
        """Options for ``report.show_table`` that make the table ``name`` readable on a
        phone and on paper: ``report.show_table(t, name, caption, **analysis.reading(name))``."""
        table = self.sensitivity_table() if name == "sensitivity" else None
        return reading_options(name, self.result, table)

    def sensitivity_tests(self) -> list[str]:
        """The tests of the robustness checks (subgroups, meta-regression, Egger), once."""
        return sensitivity_tests(self.sensitivity_table())

    def heterogeneity_note(self) -> str:
        """How much the evaluations differ."""
        return heterogeneity_note(self.result)

    def sensitivity_table(self) -> pd.DataFrame:
        """All robustness checks (``sensitivity.csv``)."""
        if "sensitivity" not in self._cache:
            self._cache["sensitivity"] = sensitivity_table(
                self.effects, method=self.method, knapp_hartung=self.knapp_hartung,
                moderator=self.moderator or None)
        return self._cache["sensitivity"]

    def forest_plot(self) -> Any:
        """The forest plot."""
        return forest_plot(self.effects, self.result, method_name=self.method_name,
                           favourable=self.favourable)

    def funnel_plot(self) -> Any:
        """The funnel plot."""
        return funnel_plot(self.effects, self.result, method_name=self.method_name)

    def small_study_caution(self) -> str:
        """Caution on Egger's test and the funnel plot."""
        return small_study_caution(self.effects)

    def grading_rules(self) -> list[str]:
        """The grading rule, stated."""
        return grading_rules()

    def evidence_table(self) -> pd.DataFrame:
        """Design, SMS level and result per evaluation (``evidence.csv``)."""
        return evidence_table(self.effects, favourable=self.favourable)

    def grade_statement(self) -> str:
        """The method's grade in one paragraph."""
        if self.grade is None:
            return ("Ingen evidensgrad: utvärderingstabellen saknar kolumnen design, så "
                    "utvärderingarnas design är okänd.")
        return self.grade.statement

    def limits(self) -> list[str]:
        """What this evidence cannot say."""
        return evidence_limits(self.effects, self.result, self.grade, favourable=self.favourable)

    def dropped(self) -> list[str]:
        """The studies left out, why, and the rule."""
        return dropped_notes(self.effects)

    def register_table(self) -> pd.DataFrame:
        """The method register with each method's grade (``method_register.csv``)."""
        if self.register is None:
            return pd.DataFrame(columns=["Metod", "Evidensgrad"])
        return register_table(self.register, method=self.method)

    def method_notes(self) -> list[str]:
        """Data and method notes for 'Om underlaget'."""
        return data_notes(self.effects, self.result)


def analyse(evaluations: str | Path, *, measure: str = "RR", method: str = "REML",
            knapp_hartung: bool = False, moderator: str = "", method_name: str = "",
            favourable: str = "lower", register: str | Path | None = None,
            level: float = 0.95) -> MethodEvaluation:
    """Read, compute and grade one method's evaluations: the notebook's one call.

    Parameters
    ----------
    evaluations
        The evaluations table (CSV/XLSX), relative to the project root or absolute.
    measure, method, knapp_hartung, level
        Effect-size measure, τ² estimator, Knapp–Hartung adjustment, confidence level.
    moderator
        A column for subgroups and meta-regression (``""`` for none).
    method_name
        The method evaluated: the value in the file's ``method`` column ("" for all rows).
    favourable
        ``"lower"`` or ``"higher"``: which direction is good for the participants.
    register
        The method register (YAML), or ``None``.
    """
    from ..paths import resolve

    method = check_method(method)
    favourable = check_favourable(favourable)
    data = select_method(read_evaluations(resolve(evaluations)), method_name)
    moderator = str(moderator or "").strip()
    if moderator and moderator not in data.columns:
        raise SchemaError(f"Moderator column '{moderator}' is not in {data.attrs['file']}.",
                          hint=f"columns present: {', '.join(map(str, data.columns[1:]))}; "
                          "or set moderator = \"\"", column=moderator, parameter="moderator",
                          file=data.attrs["file"])
    effects = effect_sizes(data, measure, level=level)
    result = meta_analysis_from_effects(effects, method=method, knapp_hartung=knapp_hartung)
    grade = (grade_evidence(effects, favourable=favourable, method_name=method_name,
                            method=method) if "design" in effects.columns else None)
    return MethodEvaluation(effects=effects, result=result, grade=grade,
                            method_name=method_name, favourable=favourable, method=method,
                            knapp_hartung=bool(knapp_hartung), moderator=moderator,
                            register=resolve(register) if register else None)
