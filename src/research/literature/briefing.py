"""The literature briefing: one call, :func:`analyse`, and the Swedish wording of its results.

The notebook calls ``literature.analyse(...)`` once and shows each result in one line:
``findings()``, ``key_figures()``, the tables (``records_table()``, ``duplicates_table()``,
``review_table()``, ``prisma``, ``ranking_table()`` …), the figures (``year_figure()`` …) and
``method_notes()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..paths import resolve
from ..report.formatting import format_number, format_percent
from . import figures
from .dedup import DedupOptions, DedupResult, deduplicate
from .dedup_review import read_dedup_decisions, review_table
from .prisma import prisma_counts
from .readers import ImportResult, read_records
from .screening import (FEATURES_SV, ScreeningState, ensure_screening_log, latest_decisions,
                        map_to_kept,
                        read_screening_log, screening_state)
from .topics import (LANGUAGE_NAMES, TopicResult, fit_topics, language_split, records_per_year,
                     top_authors, top_keywords, top_sources, topic_trends)

__all__ = ["SWEDISH_COLUMNS", "READING", "GLOSSARY", "LiteratureAnalysis", "analyse",
           "period_text"]

SWEDISH_COLUMNS = {
    "record_id": "post-id", "title": "titel", "abstract": "sammanfattning",
    "authors": "författare", "year": "år", "source": "källa", "doi": "doi",
    "keywords": "nyckelord", "language": "språk", "type": "typ", "volume": "volym",
    "issue": "nummer", "pages": "sidor", "isbn": "isbn", "database": "databas", "file": "fil",
    "kept_record_id": "behållen post", "kept": "behålls", "duplicates": "dubbletter",
    "databases": "databaser",
}


def _percent(value: object) -> str:
    return format_percent(float(value), 0)  # type: ignore[arg-type]


def _language(code: object) -> str:
    return LANGUAGE_NAMES.get(str(code), str(code))


#: How each table reads on a phone and on paper (``report.show_table`` options, by the name
#: the table is saved under): the columns a reader compares first, long and technical
#: columns (abstracts, keywords, file names) left to the CSV, shares as percentages.
READING: dict[str, dict[str, Any]] = {
    # three rows, and a phone would hide the problems the caption names (3 of 5 fit)
    "files": {"priority": ["fil", "poster", "status", "databas"], "phone": "cards"},
    "records": {"priority": ["titel", "år", "databas", "behålls", "författare"],
                "hide": ["sammanfattning", "nyckelord", "fil"], "max_chars": 120,
                "formatters": {"språk": _language}},
    "duplicates": {"priority": ["grupp", "titel", "databas", "behålls", "skäl"],
                   "max_chars": 120},
    "dedup_review": {"priority": ["titel A", "titel B", "stämmer", "skiljer sig", "par"],
                     "max_chars": 120},
    "ranking": {"priority": ["rang", "titel", "sannolikhet", "år", "databas"],
                "formatters": {"sannolikhet": _percent}, "decimals": {"poäng": 2},
                "max_chars": 120},
    "languages": {"formatters": {"andel": _percent}},
    # the top words and titles are what a topic is: on a phone every cell, as cards
    "topics": {"priority": ["ämne", "etikett", "antal"], "max_chars": 120, "phone": "cards"},
}

#: The words of the method notes a reader may not know, for "Om underlaget".
GLOSSARY: tuple[str, ...] = (
    "Ordlista – titellikhet: hur lika två titlar är, från 0 till 100 (100 = samma titel "
    "bortsett från skiljetecken och stora och små bokstäver).",
    "Ordlista – poäng och sannolikhet i rangordningen: modellens bedömning av hur troligt "
    "det är att en ogranskad post är relevant, utifrån granskningsbesluten hittills; "
    "sannolikheten är en grov uppskattning, poängen avgör ordningen.",
    "Ordlista – TF-IDF: ett sätt att väga ord efter hur utmärkande de är för en post. "
    "WSS@95: hur stor del av granskningen som sparas när 95 % av de relevanta posterna har "
    "hittats. NMF: en metod som delar in posterna i ämnen efter vilka ord de har gemensamt.",
)


def _year_text(table: pd.DataFrame) -> pd.DataFrame:
    copy = table.copy()
    if "year" in copy.columns:
        copy["year"] = copy["year"].map(lambda y: "" if pd.isna(y) else str(int(y)))
    return copy


@dataclass
class LiteratureAnalysis:
    """Everything the literature briefing shows, computed once from the parameters."""

    imported: ImportResult
    dedup: DedupResult
    all_records: pd.DataFrame
    log: pd.DataFrame
    log_problems: pd.DataFrame
    dedup_problems: pd.DataFrame
    state: ScreeningState
    prisma: pd.DataFrame
    topics: TopicResult
    per_year: pd.DataFrame
    trends: pd.DataFrame
    title: str
    query_description: str

    @property
    def files(self) -> pd.DataFrame:
        """One row per export file: database, records, problems, status."""
        return self.imported.files

    def key_figures(self) -> dict[str, object]:
        """Key figures for the summary (Swedish labels)."""
        summary = self.state.summary
        return {
            "Identifierade poster": len(self.imported.records),
            "Dubbletter borttagna": self.dedup.n_removed,
            "Osäkra dubblettpar att bedöma": len(self.dedup.review),
            "Unika poster": len(self.dedup.records),
            "Granskade": summary["n_screened"],
            "Inkluderade": summary["n_included"],
        }

    def findings(self) -> list[str]:
        """Three to five plain-Swedish findings built from the numbers."""
        unique = self.dedup.records
        summary = self.state.summary
        databases = self.imported.records["database"].nunique()
        first = (f"Sökningarna gav {format_number(len(self.imported.records))} poster från "
                 f"{databases} databaser; efter att {format_number(self.dedup.n_removed)} "
                 f"dubbletter tagits bort återstår {format_number(len(unique))} unika poster.")
        if len(self.dedup.review):
            first += (f" {format_number(len(self.dedup.review))} par är osäkra och väntar på "
                      "forskarens bedömning; de räknas tills vidare som olika arbeten.")
        findings = [first]
        skipped = self.files[self.files["poster"] == 0]
        if len(skipped):
            findings.append(f"{format_number(len(skipped))} exportfil(er) gav inga poster "
                            f"({', '.join(skipped['fil'])}); se tabellen över inlästa filer.")
        if summary["n_screened"]:
            findings.append(
                f"{format_number(summary['n_screened'])} poster är granskade "
                f"({format_percent(summary['n_screened'] / max(1, len(unique)))}); "
                f"{format_number(summary['n_included'])} har inkluderats. "
                f"{summary['suggestion']}")
        else:
            findings.append("Ingen post är granskad ännu. " + summary["suggestion"])
        shares = unique["language"].value_counts(normalize=True)
        if not shares.empty:
            findings.append(
                f"{format_percent(shares.get('sv', 0.0))} av de unika posterna är på svenska "
                f"och {format_percent(shares.get('en', 0.0))} på engelska.")
        biggest = self.topics.topics.sort_values("antal", ascending=False).iloc[0]
        findings.append(f"Det största ämnet i litteraturen handlar om {biggest['etikett']} "
                        f"({format_number(int(biggest['antal']))} poster).")
        return findings[:5]

    def files_table(self) -> pd.DataFrame:
        """Records per export file (a zero-hit or unreadable file is listed with 0)."""
        return self.files.copy()

    def records_table(self) -> pd.DataFrame:
        """All imported records with whether each was kept and which record it duplicates
        (Swedish column names; years as text so they show without a thousands space)."""
        details = ["type", "volume", "issue", "pages", "isbn"]  # used by de-duplication only
        table = _year_text(self.all_records).drop(columns=details, errors="ignore")
        table["kept"] = table["kept"].map({True: "ja", False: "nej"})
        return table.rename(columns=SWEDISH_COLUMNS)

    def problems_table(self) -> pd.DataFrame:
        """Import problems and unreadable log rows (file, line, problem)."""
        log_rows = self.log_problems.rename(columns={"reason": "problem"})
        frames = [self.imported.problems, self.dedup_problems]
        if len(log_rows):
            frames.append(log_rows[["file", "line", "problem"]])
        table = pd.concat([f for f in frames if len(f)], ignore_index=True) \
            if any(len(f) for f in frames) else self.imported.problems
        return table.rename(columns={"file": "fil", "line": "rad"})

    def reading(self, name: str) -> dict[str, Any]:
        """Options for ``report.show_table`` that make the table saved as ``name``
        readable: ``report.show_table(t, name, caption, **analysis.reading(name))``."""
        return {key: dict(value) if isinstance(value, dict) else
                list(value) if isinstance(value, list) else value
                for key, value in READING.get(name, {}).items()}

    def problems_note(self) -> str:
        """A note under the problems table."""
        if self.problems_table().empty:
            return "Inga problem: alla poster och alla rader i loggarna kunde läsas."
        return "Rättade exportfiler kan läsas in på nytt; inget annat har ändrats."

    def ranking_table(self) -> pd.DataFrame:
        """Top-ranked unscreened records with Swedish column names."""
        return _year_text(self.state.ranking).rename(columns={
            "rank": "rang", "record_id": "post-id", "title": "titel", "year": "år",
            "database": "databas", "score": "poäng", "probability": "sannolikhet"})

    def progress_table(self) -> pd.DataFrame:
        """Screening progress (Swedish labels)."""
        return self.state.progress.rename(columns={"measure": "mått", "value": "värde"})

    def duplicates_table(self) -> pd.DataFrame:
        """Merged duplicate groups with the evidence that merged them (Swedish columns)."""
        table = _year_text(self.dedup.groups)
        table["kept"] = table["kept"].map({True: "ja", False: "nej"})
        return table.rename(columns={
            "group": "grupp", "record_id": "post-id", "kept": "behålls",
            "kept_record_id": "behållen post", "rule": "skäl", "score": "titellikhet",
            "title": "titel", "year": "år", "database": "databas", "doi": "doi"})

    def review_table(self) -> pd.DataFrame:
        """Uncertain pairs for the researcher (kept apart until decided)."""
        return review_table(self.dedup.review, self.imported.records)

    def review_note(self) -> str:
        """What the researcher does with the uncertain pairs."""
        if self.dedup.review.empty:
            return "Inga osäkra par: varje sammanslagning bekräftades av titel och minst ett " \
                   "oberoende fält."
        return ("Paren hålls isär tills någon bedömt dem. Bedöm dem i JupyterLab med rutan "
                "nedan; besluten sparas i dubblettloggen och används vid nästa körning.")

    def year_figure(self) -> Any:
        """Records per year and language."""
        return figures.year_figure(self.per_year)

    def keyword_figure(self) -> Any:
        """The most frequent keywords."""
        return figures.keyword_figure(top_keywords(self.dedup.records))

    def topic_trend_figure(self) -> Any:
        """Records per year and dominant topic."""
        return figures.topic_trend_figure(self.trends)

    def language_table(self) -> pd.DataFrame:
        """Unique records per language."""
        return language_split(self.dedup.records)

    def sources_table(self) -> pd.DataFrame:
        """The most frequent journals and series."""
        return top_sources(self.dedup.records)

    def authors_table(self) -> pd.DataFrame:
        """The most frequent authors."""
        return top_authors(self.dedup.records)

    def method_notes(self) -> list[str]:
        """Method and data notes for 'Om underlaget'."""
        problems = len(self.problems_table())
        return [
            f"Sökningar: {self.query_description}",
            "Inlästa filer: " + "; ".join(f"{row.fil} ({row.databas}, "
                                           f"{format_number(row.poster)} poster)"
                                           for row in self.files.itertuples(index=False)),
            "Dubbletter: två poster slås ihop bara när titlarna är nästan lika (rapidfuzz, "
            "minst 95 av 100; 90 med två stödjande fält; 85 med samma författare och två "
            "fält till) och minst ett oberoende fält stämmer (författare, år, sidor, volym, "
            "tidskrift), utan att något fält motsäger det (annan DOI, sida, volym, tidskrift, "
            "författare eller år). Samma DOI eller samma "
            "titel räcker aldrig ensamt. Konferensbidrag och tidskriftsartiklar hålls isär. "
            "Varje post i en grupp måste stämma med gruppens första post. Osäkra par går till "
            "forskaren. Den mest kompletta posten i varje grupp behålls.",
            "Rangordning: TF-IDF över " + FEATURES_SV + " och "
            + self.state.summary["method"].split(" + ")[-1]
            + ", omtränad på alla beslut hittills; inställningen gav högst sparat arbete i "
            "medel (WSS@95) i simuleringar på fyra publicerade, märkta dataset. Så länge färre "
            "än 25 % är granskade används 100 slumpvis valda ogranskade poster som antagna "
            "irrelevanta exempel.",
            "Förslaget om när granskningen kan avslutas: efter max(100, 10 % av posterna) "
            "granskade i rad utan relevant post. I simuleringar på fyra publicerade dataset "
            "hade man då hittat minst 95 % av de relevanta posterna; en kortare serie "
            "(max(50, 5 %)) missade en fjärdedel i ett av dataseten, och knämetoden (Cormack "
            "och Grossman 2016) föreslog oftast stopp först när nästan allt var granskat. "
            "Uppskattningen av relevanta poster kvar bygger på en oviktad logistisk "
            "regression och brukar bli för hög.",
            "Ämnen: NMF över lemmatiserade ord (simplemma) i titel och sammanfattning.",
            f"Rader som inte kunde läsas: {format_number(problems)} (se tabellen över "
            "inläsningsproblem).",
            *GLOSSARY,
        ]


def _all_records(imported: ImportResult, dedup: DedupResult) -> pd.DataFrame:
    kept_of = dict(zip(dedup.groups["record_id"], dedup.groups["kept_record_id"]))
    table = imported.records.copy()
    table["kept_record_id"] = table["record_id"].map(lambda r: kept_of.get(r, r))
    table["kept"] = table["kept_record_id"] == table["record_id"]
    return table


def _check_paths(paths: Any, screening_log: Any, dedup_log: Any) -> None:
    if not isinstance(paths, Iterable) or not all(isinstance(p, (str, Path)) and str(p).strip()
                                                  for p in paths):
        raise ParameterError(f"`records` must be a list of file paths, got {paths!r}.",
                             hint='e.g. records = ["data/sample/litteratur/scopus.ris"]',
                             parameter="records")
    for name, value in (("screening_log", screening_log), ("dedup_log", dedup_log)):
        if name == "dedup_log" and (value is None or value == ""):
            continue  # no decisions on uncertain pairs yet
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise ParameterError(f"`{name}` must be a file path, got {value!r}.",
                                 hint="a CSV file, e.g. reports/litteratur/" + name + ".csv",
                                 parameter=name)


def analyse(
    paths: Iterable[str | Path] | str | Path,
    screening_log: str | Path,
    *,
    dedup_log: str | Path | None = None,
    merge_conference: bool = False,
    n_topics: int = 6,
    seed: int = 0,
    title: str = "",
    query_description: str = "",
    top: int = 20,
) -> LiteratureAnalysis:
    """Import, de-duplicate, rank, count and map a literature search in one call.

    Relative paths are resolved against the project root (as the notebook's parameters give
    them). The screening log is created (header only) when missing; it is never rewritten.
    ``dedup_log`` holds the researcher's decisions on uncertain duplicate pairs (read only
    here; the widget appends to it); ``None`` or ``""`` means no decisions.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    _check_paths(paths, screening_log, dedup_log)
    paths = [resolve(path) for path in paths]
    if not paths:
        raise ParameterError("`records` is empty.", hint="list at least one export file",
                             parameter="records")
    if not isinstance(merge_conference, bool):
        raise ParameterError(f"merge_conference must be True or False, got "
                             f"{merge_conference!r}.", parameter="merge_conference")
    imported = read_records(paths)
    decisions, dedup_problems = read_dedup_decisions(resolve(dedup_log) if dedup_log else None)
    dedup = deduplicate(imported.records, DedupOptions(merge_conference=merge_conference),
                        decisions=decisions)
    raw_log, log_problems = read_screening_log(ensure_screening_log(resolve(screening_log)))
    log = map_to_kept(raw_log, dedup.records)
    state = screening_state(dedup.records, log, top=top, seed=seed)
    topics = fit_topics(dedup.records, n_topics, seed=seed)
    return LiteratureAnalysis(
        imported=imported, dedup=dedup, all_records=_all_records(imported, dedup), log=log,
        log_problems=log_problems, dedup_problems=dedup_problems, state=state,
        prisma=prisma_counts(imported.records, dedup.records, latest_decisions(log),
                             imported.files),
        topics=topics, per_year=records_per_year(dedup.records),
        trends=topic_trends(dedup.records, topics), title=title,
        query_description=query_description)


def period_text(records: pd.DataFrame) -> str:
    """The publication years the records span, for the catalogue ("publicerat 2008–2025")."""
    years = pd.to_numeric(records.get("year", pd.Series(dtype=float)), errors="coerce").dropna()
    if years.empty:
        return "publiceringsår saknas"
    first, last = int(years.min()), int(years.max())
    return f"publicerat {first}" if first == last else f"publicerat {first}–{last}"
