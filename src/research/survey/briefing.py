"""The Enkätanalys briefing: :func:`analyse` runs the whole analysis on a validated survey
and returns a :class:`SurveyAnalysis` whose methods give what each notebook cell shows
(findings, key figures, tables, figures, method notes) — the Swedish wording lives here."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..privacy import Relation, TableSpec, checking
from ..report.formatting import format_number, format_percent
from ..report.tables import wide_table
from .codebook import Codebook, default_blocks
from .comparisons import ADJUSTED_P, crosstabs_table, group_tests
from .design import SurveyDesign, design_from_parameters
from .disclosure import OTHER_GROUPS_LABEL, SurveyProtection
from .freetext import Themes, free_text_themes
from .likert import LikertTable, add_agreement_columns, likert_table
from .readers import Survey
from .scales import compute_indices, reliability_table
from .tables import (WHOLE_INDEX, add_group_columns, constant_weights, count_relations,
                     estimates_table, group_column, item_counts, item_response,
                     linked_crosstabs, linked_reliability, linked_themes, response_rates,
                     survey_counts, table_specs)

#: The names the notebook saves the tables under (``tables/<name>.csv``).
TABLE_NAMES = {"response": "response_rates", "items": "item_response", "likert": "likert",
               "estimates": "estimates", "tests": "group_tests", "top": "crosstab_top",
               "crosstabs": "crosstabs", "reliability": "reliability",
               "themes": "free_text_themes"}

__all__ = [
    "TABLE_NAMES",
    "SurveyAnalysis",
    "analyse",
    "summary_findings",
]


@dataclass
class SurveyAnalysis:
    """Everything the Enkätanalys briefing shows; every table is already suppressed."""

    survey: Survey
    data: pd.DataFrame
    design: SurveyDesign
    group_by: list[str]
    min_cell: int
    estimates: pd.DataFrame
    likert: dict[str, LikertTable]
    reliability: pd.DataFrame
    crosstabs: pd.DataFrame
    tests: pd.DataFrame
    themes: Themes
    response: pd.DataFrame
    items: pd.DataFrame
    nan_policy: str = "pairwise"
    protection: SurveyProtection | None = field(default=None, repr=False)
    disclosure: checking.DisclosureCheck | None = field(default=None, repr=False)
    relations: list[Relation] = field(default_factory=list, repr=False)

    @property
    def likert_frame(self) -> pd.DataFrame:
        """All Likert blocks in one table (for ``likert.csv``)."""
        frames = []
        for block, table in self.likert.items():
            frame = table.to_long()
            frame.insert(0, "Block", self.survey.codebook.blocks[block]["label"])
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["Block", "Fråga", "Svarsalternativ", "Antal",
                                         "Andel (%)", "Antal svar"])
        return pd.concat(frames, ignore_index=True)

    def likert_wide(self) -> pd.DataFrame:
        """The Likert distributions for reading: one row per statement, the share (%) of
        each response option as columns, then the statement's answers — the same values
        as :attr:`likert_frame` (the CSV, long: block, statement, option, count, share),
        which is what is saved and audited."""
        frame = self.likert_frame
        if frame.empty:
            return pd.DataFrame(columns=["Påstående", "Antal svar"])
        options = list(dict.fromkeys(frame["Svarsalternativ"]))
        wide = wide_table(frame, "Fråga", "Svarsalternativ", "Andel (%)", order=options)
        wide = wide.rename(columns={"Fråga": "Påstående", **{o: f"{o} (%)" for o in options}})
        wide["Antal svar"] = list(frame.groupby("Fråga", sort=False)["Antal svar"].first()
                                  .reindex(wide["Påstående"]))
        return wide.astype(object)

    def crosstabs_wide(self) -> pd.DataFrame:
        """The cross-tables for reading: one row per statement and group, the weighted
        share (%) of each response option as columns and the group's answers; the test
        statistics are left out (they are the test table's, said once per statement and
        background variable) and so are the whole-sample rows (the Likert table's), and
        the background variable's name when no group label belongs to two of them. The
        CSV (:attr:`crosstabs`) keeps the long form with every column."""
        frame = self.crosstabs
        if frame.empty:
            return pd.DataFrame(columns=["Påstående", "Bakgrundsvariabel", "Grupp"])
        frame = frame[frame["Grupp"] != "Totalt"]
        options = list(dict.fromkeys(frame["Svarsalternativ"]))
        keys = ["Fråga", "Bakgrundsvariabel", "Grupp"]
        wide = wide_table(frame, keys, "Svarsalternativ", "Andel (%)", order=options)
        answers = frame.groupby(keys, sort=False)["Antal svar i gruppen"].first()
        wide["Antal svar"] = [answers[tuple(k)] for k in wide[keys].itertuples(index=False)]
        wide = wide.rename(columns={"Fråga": "Påstående", **{o: f"{o} (%)" for o in options}})
        if (frame.groupby("Grupp")["Bakgrundsvariabel"].nunique() <= 1).all():
            wide = wide.drop(columns="Bakgrundsvariabel")  # each group names its variable
        return wide.astype(object)

    def reading_priority(self, table: str) -> list[str]:
        """The columns a phone shows first for the briefing's reading tables (``likert``,
        ``crosstabs``, ``tests``, ``response``, ``items``, ``estimates``, ``reliability``)."""
        if table == "likert":
            return ["Påstående", *[c for c in self.likert_wide().columns if c.endswith("(%)")]]
        if table == "crosstabs":
            return ["Påstående", "Grupp",
                    *[c for c in self.crosstabs_wide().columns if c.endswith("(%)")]]
        if table == "tests":
            return ["Fråga", ADJUSTED_P, "Bakgrundsvariabel", "Cramérs V"]
        if table == "response":
            return ["Grupp", "Svarsfrekvens (%)", "Svarande"]
        if table == "items":
            return ["Fråga", "Svar", "Svarsandel (%)"]
        if table == "estimates":
            return ["Fråga/index", "Värde", "Skattning", "KI nedre (95 %)", "KI övre (95 %)"]
        if table == "reliability":
            return ["Index", "Fråga", "Cronbachs alfa", "Alfa om frågan tas bort"]
        return []

    def top_difference(self) -> pd.DataFrame:
        """The cross-table (weighted row %, suppressed) of the question and background
        variable with the smallest Benjamini–Hochberg adjusted Rao–Scott p-value, one row
        per group (see :meth:`top_difference_caption`)."""
        if self.tests.empty:
            return pd.DataFrame(columns=["Grupp"])
        top = self.tests.iloc[0]
        rows = self.crosstabs[(self.crosstabs["Fråga"] == top["Fråga"])
                              & (self.crosstabs["Bakgrundsvariabel"] == top["Bakgrundsvariabel"])
                              & (self.crosstabs["Grupp"] != "Totalt")]
        wide = rows.pivot(index="Grupp", columns="Svarsalternativ", values="Andel (%)")
        order = list(dict.fromkeys(rows["Svarsalternativ"]))
        wide = wide[order].rename(columns=lambda c: f"{c} (%)")
        wide["Antal svar"] = rows.groupby("Grupp", sort=False)["Antal svar i gruppen"].first()
        wide = wide.loc[list(dict.fromkeys(rows["Grupp"]))].reset_index()
        return wide.astype(object)

    def top_difference_caption(self) -> str:
        """The Swedish caption of :meth:`top_difference`: whether that difference holds
        after the adjustment for the number of tests."""
        if self.tests.empty:
            return "Gruppskillnader: inga grupper att jämföra"
        top = self.tests.iloc[0]
        count = format_number(int(self.tests[ADJUSTED_P].notna().sum()))
        where = f"”{top['Fråga']}” per ”{top['Bakgrundsvariabel']}”"
        if pd.notna(top[ADJUSTED_P]) and top[ADJUSTED_P] < 0.05:
            return (f"Tydligaste gruppskillnaden (säkerställd efter justering för {count} test): "
                    f"{where}, svarsfördelning per grupp")
        return (f"Största gruppskillnaden, inte statistiskt säkerställd efter justering för "
                f"{count} test: {where}, svarsfördelning per grupp")

    def likert_panels(self) -> dict[str, LikertTable]:
        """``{block label: LikertTable}`` for :func:`likert_figure`."""
        return {self.survey.codebook.blocks[block]["label"]: table
                for block, table in self.likert.items()}

    def key_figures(self) -> dict[str, str]:
        """Key figures for the summary (Swedish labels, formatted values)."""
        figures = {"Svarande": format_number(len(self.data))}
        total = self.response[self.response["Grupp"] == "Totalt"] if len(self.response) else []
        if len(total) and total.iloc[0]["Svarsfrekvens (%)"] != "..":
            figures["Svarsfrekvens"] = format_percent(total.iloc[0]["Svarsfrekvens (%)"],
                                                      ratio=False)
        overall = self.estimates[(self.estimates["Grupp"] == "Alla")
                                 & (self.estimates["Mått"] == "Medelvärde")]
        for _, row in overall.iterrows():
            if pd.notna(row["Skattning"]):
                figures[row["Fråga/index"]] = format_number(row["Skattning"], 2)
        return figures

    def findings(self) -> list[str]:
        """3–5 plain Swedish key findings."""
        book = self.survey.codebook
        scales = {spec["label"]: book.scale_range(name) for name, spec in book.indices.items()}
        return summary_findings(self.estimates, self.likert, self.reliability, self.themes,
                                len(self.data), self.tests, scales=scales)

    def method_notes(self) -> list[str]:
        """Data and method notes for "Om underlaget" (Swedish)."""
        parts = [f"Underlag: {Path(self.survey.source).name} med "
                 f"{format_number(len(self.data))} svarande, validerat mot kodboken "
                 f"({Path(self.survey.codebook.source).name}).",
                 _design_note(self.design)]
        alpha = ("parvis fullständiga kovarianser (som R-paketet psych och pingouin: varje "
                 "frågepar beräknas på dem som besvarat båda)" if self.nan_policy == "pairwise"
                 else "svarande som besvarat alla frågor i indexet (listvis uteslutning)")
        parts.append("Index är medelvärdet av frågorna (omvända frågor vänds) för svarande som "
                     "besvarat tillräckligt många av dem. Tillförlitligheten anges med "
                     f"Cronbachs alfa, beräknat från {alpha}, med Feldts konfidensintervall. "
                     "Andelar som instämmer har Korn–Graubards konfidensintervall (som "
                     "svyciprop med method = \"beta\" i R); vid 0 % eller 100 % är det ett "
                     "exakt Clopper–Pearson-intervall, aldrig en punkt.")
        parts.append("Gruppskillnader prövas med Pearsons chitvåtest med Rao–Scotts korrigering "
                     "(andra ordningen, F-test) och med ett designbaserat rangtest (Wilcoxon "
                     "eller Kruskal–Wallis, som svyranktest i R), båda med hänsyn till vikter "
                     "och urvalsdesign; effektstorlek som Cramérs V, rangbiserial korrelation "
                     "eller ε². Eftersom många test görs justeras Rao–Scott-testens p-värden "
                     "för antalet test med Benjamini–Hochbergs metod (högst 5 % falska "
                     "upptäckter); den tydligaste skillnaden väljs efter det justerade "
                     "p-värdet.")
        parts.append(f"Röjandeskydd: celler med färre än {self.min_cell} svarande visas inte "
                     "(”..”). Alla tabeller med antal – svarsfördelningar, korstabeller, svar "
                     "per påstående, svarsfrekvenser, antal svarande bakom skattningarna och "
                     "bakom Cronbachs alfa samt teman i fritextsvaren – delar summor och "
                     "skyddas därför tillsammans: fler "
                     "celler döljs, även nollor, så att inget dolt antal kan räknas fram ur "
                     "summor, andelar eller andra tabeller – inte heller med vetskapen att en "
                     "grupp inte kan ha fler svar på en fråga än den har svarande. Därför kan "
                     "även en större grupps antal svarande vara dolt. En andel visas bara där både "
                     "antalet och summan den räknas på visas, och en skattning bara där inget "
                     "av antalen den bygger på är dolt. Grupper med färre än "
                     f"{self.min_cell} svarande slås ihop till ”{OTHER_GROUPS_LABEL}” och "
                     "redovisas aldrig var för sig.")
        parts.append("Svaren ”Vet ej” räknas som saknade värden. Citat ur fritextsvaren har "
                     "personnummer, telefonnummer, e-postadresser, adresser och angivna namn "
                     "maskerade innan de visas.")
        return parts

    # --- disclosure -------------------------------------------------------------------
    def published_tables(self) -> dict[str, pd.DataFrame]:
        """The tables the notebook publishes, by saved name (for an audit outside a run)."""
        return {TABLE_NAMES["response"]: self.response, TABLE_NAMES["items"]: self.items,
                TABLE_NAMES["likert"]: self.likert_frame,
                TABLE_NAMES["estimates"]: self.estimates, TABLE_NAMES["tests"]: self.tests,
                TABLE_NAMES["top"]: self.top_difference(),
                TABLE_NAMES["crosstabs"]: self.crosstabs,
                TABLE_NAMES["reliability"]: self.reliability,
                TABLE_NAMES["themes"]: self.themes.table}

    def table_specs(self) -> list[TableSpec]:
        """What every published count table means, for the independent audit."""
        book = self.survey.codebook
        outcomes = list(dict.fromkeys(k for item in book.likert_items()
                                      for k in item_counts(self.survey, item)))
        top = None
        if not self.tests.empty:
            top = (str(self.tests.iloc[0]["Fråga"]), str(self.tests.iloc[0]["Bakgrundsvariabel"]))
        return table_specs(
            TABLE_NAMES, outcomes=outcomes, groups=[book.label(g) for g in self.group_by],
            constant={book.label(g): constant_weights(self.design, g) for g in self.group_by},
            incomplete=[book.label(g) for g in self.group_by
                        if self.data[group_column(g)].isna().any()],
            top=top, themes=not self.themes.table.empty)

    def check_disclosure(self) -> checking.DisclosureCheck:
        """Register the tables with the run's output checking, audit every table the run
        has published (``tables/*.csv``; in JupyterLab the tables in memory) and write
        ``disclosure.json``; the verdict goes into :meth:`method_notes`."""
        if self.protection is None:
            raise ParameterError("This analysis was made without linked disclosure control.",
                                 hint="use research.survey.analyse(...)")
        # the test table holds statistics only (F, p-values, effect sizes): no counts
        self.protection.register(self.table_specs(), relations=self.relations,
                                 without_counts=[TABLE_NAMES["tests"]])
        self.disclosure = checking.check_run(self.published_tables())
        return self.disclosure


_LONELY_NOTES = {
    "certainty": "Ett stratum med bara en urvalsenhet bidrar inte till variansen (regeln "
                 "”certainty” i R-paketet survey).",
    "remove": "Ett stratum med bara en urvalsenhet bidrar inte till variansen (regeln "
              "”remove” i R-paketet survey).",
    "adjust": "Ett stratum med bara en urvalsenhet jämförs med populationsmedelvärdet i "
              "stället för stratumets eget (regeln ”adjust” i R-paketet survey).",
    "fail": "Varje stratum har minst två urvalsenheter (annars avbryts analysen).",
}


def _names(columns: Sequence[Any] | Any) -> str:
    return " → ".join(map(str, columns if isinstance(columns, (list, tuple)) else [columns]))


def _design_note(design: SurveyDesign) -> str:
    """The sampling design in one Swedish paragraph."""
    described = []
    if design.weights:
        described.append(f"vikter ({design.weights})")
    elif design.popsize_ is not None:
        described.append("vikter härledda ur ändlighetskorrektionen (populationsstorlek / "
                         "antal i urvalet, i varje steg)")
    if design.strata_columns_:
        described.append(f"{format_number(len(design.n_psu_))} strata "
                         f"({_names(design.strata_columns_)})")
    stages = len(design.cluster_columns_)
    if stages:
        described.append(f"kluster i {'ett steg' if stages == 1 else f'{stages} steg'} "
                         f"({_names(design.cluster_columns_)})")
    if design.fpc is not None:
        described.append(f"ändlighetskorrektion ({_names(design.fpc)})")
    return ("Skattningarna tar hänsyn till urvalsdesignen: "
            + (", ".join(described) if described else "obundet slumpmässigt urval")
            + ". Medelfel beräknas med Taylorlinjärisering (som R-paketet survey); 95 % "
            "konfidensintervall för medelvärden är normalapproximerade. "
            + _LONELY_NOTES[design.lonely_psu])


def analyse(survey: Survey, *, weight: str | None = None,
            strata: str | Sequence[str] | None = None,
            cluster: str | Sequence[str] | None = None,
            fpc: str | float | Sequence[str | float] | None = None,
            group_by: Sequence[str] = (), min_cell: int = 5, names: Iterable[str] = (),
            n_themes: int = 5, seed: int = 0, lonely_psu: str = "certainty",
            nan_policy: str = "pairwise") -> SurveyAnalysis:
    """Run the whole Enkätanalys on a validated survey (what the notebook shows).

    ``cluster`` and ``fpc`` may be lists, one per sampling stage (R's ``id=~a+b,
    fpc=~f1+f2``); without ``weight`` the weights are derived from the fpc.
    ``lonely_psu`` is the rule for a stratum with one sampling unit (stated in the
    method notes); ``nan_policy`` the missing-answer rule of Cronbach's α. The survey's
    codebook is copied, never changed.

    Raises
    ------
    ParameterError
        For an unknown group/design column or an invalid ``min_cell``.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise ParameterError(f"min_cell must be a whole number ≥ 1, got {min_cell!r}.",
                             hint="the usual threshold is 5", parameter="min_cell")
    if isinstance(group_by, str):
        group_by = [group_by] if group_by else []
    group_by = [g for g in group_by if g]
    book = copy.deepcopy(survey.codebook)  # the caller's codebook is never changed
    if not book.blocks:
        book.blocks = default_blocks(book)
    if not book.free_text:
        book.free_text = [n for n, v in book.variables.items() if v.type == "text"]
    survey = Survey(data=survey.data, codebook=book, missing=survey.missing,
                    source=survey.source)
    data = add_group_columns(survey.data, book, group_by, min_cell)
    data = compute_indices(add_agreement_columns(data, book), book)
    design = design_from_parameters(data, weight, strata, cluster, fpc,
                                    lonely_psu=lonely_psu)
    blocks = {block: spec["items"] for block, spec in book.blocks.items()
              if all(book.variables[i].type == "likert" for i in spec["items"])}
    texts = pd.concat([data[c] for c in book.free_text], ignore_index=True) \
        if book.free_text else pd.Series([], dtype=object)
    themes = free_text_themes(list(texts), n_themes=n_themes, names=names, min_cell=min_cell,
                              seed=seed)
    reliability = reliability_table(data, book, min_cell=min_cell, nan_policy=nan_policy)
    alpha_respondents = {} if reliability.empty else {
        str(row["Index"]): int(row["Antal svarande"])
        for _, row in reliability[reliability["Fråga"] == WHOLE_INDEX].iterrows()}
    relations = count_relations(data, book, group_by, reliability=alpha_respondents,
                                nan_policy=nan_policy)
    protection = _protect(survey, data, book, blocks, group_by, themes, min_cell,
                          alpha_respondents, relations)
    likert = {block: likert_table(data, book, items, min_cell, protection)
              for block, items in blocks.items()}
    crosstabs = crosstabs_table(design, book, book.likert_items(), group_by, min_cell=min_cell)
    crosstabs = linked_crosstabs(crosstabs, data, book, group_by, protection)
    return SurveyAnalysis(
        survey=survey, data=data, design=design, group_by=group_by, min_cell=min_cell,
        nan_policy=nan_policy,
        estimates=estimates_table(design, book, group_by=group_by, min_cell=min_cell,
                                  protection=protection),
        likert=likert, reliability=linked_reliability(reliability, protection),
        crosstabs=crosstabs, tests=group_tests(crosstabs),
        themes=Themes(linked_themes(themes.table, protection), themes.assignments,
                      themes.n_answers),
        response=response_rates(data, book, min_cell=min_cell, protection=protection,
                                group_by=group_by),
        items=item_response(survey, book.likert_items(), min_cell=min_cell,
                            protection=protection),
        protection=protection, relations=relations,
    )


def _protect(survey: Survey, data: pd.DataFrame, book: Codebook,
             blocks: Mapping[str, Sequence[str]],
             group_by: Sequence[str], themes: Themes, min_cell: int,
             reliability: Mapping[str, int], relations: Sequence[Relation]
             ) -> SurveyProtection:
    """Suppress every count table of the run together, keeping ``relations``. The themes
    table is sorted by answers (largest first), so the sorted counts per theme are its
    rows' counts."""
    theme_counts = None
    if len(themes.table):
        sizes = sorted((float((themes.assignments == k).sum())
                        for k in range(len(themes.table))), reverse=True)
        theme_counts = pd.Series(sizes, index=list(themes.table["Tema"]))
    return survey_counts(survey, data, book, blocks, group_by, theme_counts,
                         themes.n_answers, reliability=reliability,
                         relations=relations).protect(min_cell)


def summary_findings(estimates: pd.DataFrame, likert: Mapping[str, LikertTable],
                     reliability: pd.DataFrame, themes: Themes, n_respondents: int,
                     tests: pd.DataFrame | None = None, *,
                     scales: Mapping[str, tuple[float, float] | None] | None = None
                     ) -> list[str]:
    """3–5 plain Swedish key findings from the published (suppressed) tables.

    ``scales`` maps index labels to their score range (from the codebook); a difference
    between groups is reported only when its Benjamini–Hochberg adjusted p-value is under
    0.05, and the text says that it was adjusted.
    """
    findings = []
    overall = estimates[(estimates["Grupp"] == "Alla") & (estimates["Mått"] == "Medelvärde")]
    overall = overall[overall["Skattning"].notna()]
    if len(overall):
        findings.append(_means_finding(overall, scales or {}))
    agree = estimates[(estimates["Grupp"] == "Alla")
                      & (estimates["Mått"] == "Andel som instämmer")].dropna(subset=["Skattning"])
    if len(agree):
        top = agree.loc[agree["Skattning"].idxmax()]
        low = agree.loc[agree["Skattning"].idxmin()]
        findings.append(f"Flest instämmer i ”{top['Fråga/index']}” "
                        f"({format_percent(top['Skattning'] / 100, 0)}), färst i "
                        f"”{low['Fråga/index']}” ({format_percent(low['Skattning'] / 100, 0)}).")
    if tests is not None and len(tests) and ADJUSTED_P in tests.columns:
        findings.append(_difference_finding(tests))
    if len(themes.table):
        findings.append(f"De {format_number(themes.n_answers)} fritextsvaren handlar oftast om "
                        f"temat ”{themes.table.iloc[0]['Tema']}”.")
    whole = reliability[reliability["Fråga"] == "Hela indexet"] if len(reliability) else []
    if len(whole):
        parts = [f"{r['Index']} {format_number(r['Cronbachs alfa'], 2)}"
                 for _, r in whole.iterrows()]
        findings.append("Tillförlitlighet (Cronbachs alfa): " + "; ".join(parts) + ".")
    return findings[:5] or [f"{format_number(n_respondents)} personer besvarade enkäten."]



def _range_text(scale: tuple[float, float] | None) -> str | None:
    return None if scale is None else f"{format_number(scale[0])}–{format_number(scale[1])}"


def _means_finding(overall: pd.DataFrame, scales: Mapping[str, tuple[float, float] | None]
                   ) -> str:
    ranges = {_range_text(scales.get(label)) for label in overall["Fråga/index"]}
    common = ranges.pop() if len(ranges) == 1 else None
    parts = []
    for _, row in overall.iterrows():
        own = None if common else _range_text(scales.get(row["Fråga/index"]))
        parts.append(f"{row['Fråga/index']} {format_number(row['Skattning'], 2)} "
                     + (f"på skalan {own} " if own else "")
                     + f"(95 % KI {format_number(row['KI nedre (95 %)'], 2)}–"
                     f"{format_number(row['KI övre (95 %)'], 2)})")
    head = f"Skattade medelvärden på skalan {common}: " if common else "Skattade medelvärden: "
    return head + "; ".join(parts) + "."


def _p_text(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {format_number(p, 3)}"


def _difference_finding(tests: pd.DataFrame) -> str:
    """The clearest difference after the Benjamini–Hochberg adjustment, or that none is."""
    count = int(tests[ADJUSTED_P].notna().sum())
    top = tests.iloc[0]
    adjusted = top[ADJUSTED_P]
    if pd.notna(adjusted) and adjusted < 0.05:
        return (f"Tydligast skillnad mellan grupper gäller ”{top['Fråga']}”, uppdelat efter "
                f"”{top['Bakgrundsvariabel']}” (Rao–Scott {_p_text(top['p (Rao–Scott)'])}; "
                f"justerat för {format_number(count)} test med Benjamini–Hochbergs metod "
                f"{_p_text(adjusted)}; Cramérs V = {format_number(top['Cramérs V'], 2)}).")
    return (f"Ingen skillnad mellan grupper är statistiskt säkerställd när p-värdena för de "
            f"{format_number(count)} testen justeras med Benjamini–Hochbergs metod (5 %).")
