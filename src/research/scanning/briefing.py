"""The Omvärldsbevakning briefing: :func:`analyse` and the Swedish wording of its results.

:func:`analyse` is the notebook's entry point: it reads every source, stores new items in
the archive, analyses the window (themes, story groups, rising themes and terms) and
returns a :class:`ScanResult` whose methods give the findings, key figures, tables,
figures and method notes in Swedish — one call per notebook cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import resolve
from ..report.formatting import format_date, format_number
from .analysis import analyse_items
from ..paths import interactive_notice
from .archive import (Archive, RunContext, RunRecord, archive_path, release_draft_copy,
                      run_context)
from .check import ThemeCheck, load_theme_check
from .classifier import classifier_report
from .figures import lower_first, plot_rising_themes, plot_theme_overview
from .sources import load_sources, read_sources
from .tables import new_items_by_theme, new_items_table, sources_table, story_table
from .themes import Taxonomy, load_taxonomy
from .trends import Window
from .validation import DEV_CORPUS, HELD_OUT, ThemeEvaluation, evaluate_themes

__all__ = ["ScanResult", "analyse"]


@dataclass
class ScanResult:
    """Everything the briefing shows, from :func:`analyse`.

    Tables are attributes (``new_items``, ``themes``, ``emerging_terms``, ``stories``,
    ``sources``, ``weekly``, ``classifier``); the methods word them for readers.
    """

    window: Window
    taxonomy: Taxonomy
    run: RunRecord
    first_run: bool
    items: pd.DataFrame
    new_items: pd.DataFrame
    themes: pd.DataFrame
    emerging_terms: pd.DataFrame
    stories: pd.DataFrame
    sources: pd.DataFrame
    weekly: pd.DataFrame
    archive_size: int
    classifier: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation: ThemeEvaluation | None = None
    context: RunContext = field(default_factory=RunContext)
    check: ThemeCheck | None = None

    def notices(self) -> list[str]:
        """Notices to show above the summary (Swedish): that this session or draft works
        on a private copy of the archive, so its "new" changes nothing shared."""
        if self.context.interactive:
            return [interactive_notice("postarkivet")]
        if self.context.draft:
            return ["Utkast: körningen hör inte till någon deklarerad parameteruppsättning, "
                    "så postarkivet används som en privat kopia. Det som de publicerade "
                    "briefingarna räknar som nytt ändras inte."]
        return []

    def show_notices(self) -> None:
        """Show the :meth:`notices` in the briefing (the summary cell's first call)."""
        from ..report.display import show_notice

        for notice in self.notices():
            show_notice(notice)

    # -- summary ---------------------------------------------------------------------------

    def _current_stories(self) -> pd.DataFrame:
        if self.stories.empty:
            return self.stories
        return self.stories[self.stories["current"].astype(bool)]

    def _failed_sources(self) -> pd.DataFrame:
        return self.sources[self.sources["status"] == "error"]

    def findings(self, *, top: int = 3) -> list[str]:
        """The 'Sammanfattning': at most six plain Swedish findings."""
        findings = [self._news_finding()]
        counts = self.themes.sort_values("current", ascending=False)
        counts = counts[counts["current"] > 0].head(top)
        if len(counts):
            listed = ", ".join(f"{lower_first(l)} ({format_number(c)})"
                               for l, c in zip(counts["label"], counts["current"]))
            findings.append(f"Vanligaste teman under perioden: {listed}.")
        rising = self.themes[self.themes["rising"]]
        if len(rising):
            listed = ", ".join(f"{lower_first(l)} (×{format_number(ch, 1)})"
                               for l, ch in zip(rising["label"], rising["change"]))
            findings.append(f"Teman som ökar signifikant jämfört med baslinjen: {listed}.")
        else:
            findings.append("Inget tema ökar signifikant jämfört med baslinjen.")
        if len(self.emerging_terms):
            words = ", ".join(self.emerging_terms["term"].head(5))
            findings.append(f"Ord som blivit vanligare: {words}.")
        wide = self._current_stories()
        if len(wide):
            top_story = wide.iloc[0]
            findings.append(
                f"{format_number(len(wide))} nyheter under perioden bärs av flera källor; mest "
                f"spridd: ”{top_story['title']}” ({format_number(top_story['sources'])} "
                "källor).")
        failed = self._failed_sources()
        if len(failed):
            what = "källa eller fil" if len(failed) == 1 else "källor eller filer"
            findings.append(f"{format_number(len(failed))} {what} kunde inte läsas: "
                            f"{', '.join(failed['source'].head(4))}.")
        return findings[:6]

    def _news_finding(self) -> str:
        new_count = len(self.new_items)
        if self.first_run:
            return (f"Arkivet var tomt före den här körningen: "
                    f"{format_number(len(self.run.new_ids))} poster sparades, varav "
                    f"{format_number(new_count)} från perioden {self.period_text('–')} "
                    "visas som nya.")
        text = (f"{format_number(new_count)} nya poster sedan förra briefingen."
                if new_count else "Inga nya poster sedan förra briefingen.")
        shown = int(self.items["is_new"].sum()) if len(self.items) else 0
        outside = len(self.run.new_ids) - shown
        if outside > 0:
            text += (f" Ytterligare {format_number(outside)} nya poster i arkivet har "
                     "publiceringsdatum utanför perioden och baslinjen och visas inte.")
        return text

    def key_figures(self) -> dict[str, object]:
        """The key figures shown next to the findings."""
        current = self.items[self.items["in_period"]] if len(self.items) else self.items
        return {
            "Nya poster": len(self.new_items),
            "Poster i perioden": len(current),
            "Teman som ökar": int(self.themes["rising"].sum()),
            "Nyheter i flera källor": len(self._current_stories()),
            "Källor med fel": len(self._failed_sources()),
        }

    # -- tables and figures ---------------------------------------------------------------

    def new_items_by_theme(self) -> pd.DataFrame:
        """New items under each of their themes, with the evidence, in Swedish."""
        return new_items_by_theme(self.new_items, self.taxonomy)

    def theme_overview_figure(self) -> Any:
        """Bars: items per theme, period vs baseline (alt text attached)."""
        return plot_theme_overview(self.themes)

    def rising_themes_figure(self) -> Any:
        """Lines: items per week for the rising themes (alt text attached)."""
        return plot_rising_themes(self.themes, self.weekly, self.taxonomy)

    def theme_quality(self) -> pd.DataFrame:
        """Per-theme precision and recall of the taxonomy on the fresh held-out batch of
        the hand-labelled development corpus, with Swedish column names."""
        columns = ["Tema", "Märkta texter", "Precision", "Täckning (recall)",
                   "Andel av orelaterade texter (%)"]
        if self.evaluation is None:
            return pd.DataFrame(columns=columns)
        table = self.evaluation.per_theme
        return pd.DataFrame({
            columns[0]: table["label"], columns[1]: table["labelled"],
            columns[2]: table["precision"].round(2), columns[3]: table["recall"].round(2),
            columns[4]: (table["unrelated_rate"] * 100).round(1)})

    def theme_confusion(self) -> pd.DataFrame:
        """Per theme, in Swedish: the missed texts, the false alarms (and how many of them
        were outside every theme) and the hand-labelled themes of the false alarms."""
        columns = ["Tema", "Missade", "Felaktigt tilldelade", "Varav utan tema",
                   "Felaktigt tilldelade texters rätta teman"]
        if self.evaluation is None:
            return pd.DataFrame(columns=columns)
        table = self.evaluation.confusion
        labels = [", ".join(self.taxonomy.label(k) for k in keys.split("; ") if k) or "–"
                  for keys in table["false_alarm_true_themes"]]
        return pd.DataFrame({
            columns[0]: [self.taxonomy.label(k) for k in table["theme"]],
            columns[1]: table["missed"], columns[2]: table["false_alarms"],
            columns[3]: table["false_alarms_unrelated"], columns[4]: labels})

    def check_note(self) -> str:
        """How the themes were checked by a classifier (Swedish; empty without one)."""
        check = self.check
        if check is None:
            return ""
        return (f"Temana är kontrollerade av en klassificerare som tränats på "
                f"{format_number(check.n_texts)} handmärkta texter ({check.source}, utan "
                "texterna som mäter den här): ett tema som taxonomin ger tas bort där "
                f"klassificeraren ger det under {format_number(100 * check.veto)} % "
                "sannolikhet, och ett tema som den ger minst "
                f"{format_number(100 * check.add)} % läggs till, med klassificeraren och de "
                "ord som vägde tyngst som belägg. ")

    def theme_quality_note(self) -> str:
        """What the theme-quality table measured, in Swedish."""
        if self.evaluation is None:
            return ("Den handmärkta utvärderingskorpusen finns inte i den här installationen, "
                    "så taxonomins träffsäkerhet kunde inte mätas i körningen.")
        table = self.evaluation.per_theme
        below = table[(table["precision"] < 0.85) | (table["recall"] < 0.80)]["label"]
        text = (f"Mätt i den här körningen på {format_number(self.evaluation.n_documents)} "
                f"texter som skrivits och märkts för hand (varav "
                f"{format_number(self.evaluation.n_unrelated)} utan tema inom fältet, många "
                "med ord som lätt missförstås: skola, hot, nätverk, unga). "
                + ("De skrevs efter den senaste justeringen av taxonomin, av personer som "
                   "inte hade sett den, och har inte använts för att justera den; se "
                   "data/dev/omvarld_teman/README.md. " if self.taxonomy.shipped else
                   "Körningen använder en egen taxonomi: texterna skrevs för att mäta den "
                   "medföljande, och om den egna taxonomin skrevs med dem framför sig säger "
                   "siffrorna mindre; se data/dev/omvarld_teman/README.md. ")
                + self.check_note()
                + "Precision är andelen tilldelade teman som var rätt, täckning andelen av de "
                "rätta temana som hittades.")
        broad = table[table["unrelated_rate"] > 0.05]
        if len(below):
            text += (" Under målen (precision 0,85, täckning 0,80): "
                     + ", ".join(lower_first(l) for l in below) + "; läs de temana med "
                     "beläggen i tabellen ovan.")
        elif not len(broad):
            fewest = int(table.loc[table["labelled"] > 0, "labelled"].min())
            text += (" Alla teman når målen på de här texterna: precision minst 0,85, "
                     "täckning minst 0,80 och högst 5 % av texterna utan tema. Det är en "
                     f"mätning på {format_number(self.evaluation.n_documents)} texter: för "
                     f"temat med minst märkta texter ({format_number(fewest)}) flyttar en "
                     "text mer eller mindre täckningen med "
                     f"{format_number(1 / fewest, 2)}.")
        if len(broad):
            parts = [f"{lower_first(row.label)} ({format_number(100 * row.unrelated_rate, 1)} %)"
                     for row in broad.itertuples()]
            listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]
            text += f" Över målet på högst 5 % av texterna utan tema: {listed}."
        return text

    # -- notes ----------------------------------------------------------------------------

    def period_text(self, dash: str = " – ") -> str:
        """The period as Swedish text: ``"16 november 2026 – 22 november 2026"``."""
        last = (self.window.end - pd.Timedelta(days=1)).date()
        return f"{format_date(self.window.start.date())}{dash}{format_date(last)}"

    def provenance_text(self) -> str:
        """One Swedish paragraph on what this run read and compared."""
        window = self.window
        baseline_last = (window.start - pd.Timedelta(days=1)).date()
        read = int(self.sources.loc[self.sources["status"] != "error", "items"].sum())
        return (
            f"Perioden är {self.period_text()} och baslinjen "
            f"{format_date(window.baseline_start.date())} – {format_date(baseline_last)}. "
            f"Körningen läste {format_number(read)} poster från "
            f"{format_number(len(self.sources))} källor och filer; "
            f"{format_number(len(self.run.new_ids))} av dem var nya för arkivet, som nu har "
            f"{format_number(self.archive_size)} poster (körning nummer "
            f"{format_number(self.run.run_id)}). Analysen omfattar "
            f"{format_number(len(self.items))} poster publicerade i perioden och baslinjen. "
            f"Taxonomin har {format_number(len(self.taxonomy.themes))} teman."
        )

    def method_notes(self) -> list[str]:
        """The run-dependent data and method notes (Swedish): what was read and compared,
        and how well the taxonomy in use did on the hand-labelled corpus."""
        return [self.provenance_text(), self.theme_quality_note()]

    def classifier_note(self) -> str:
        """A Swedish note under the classifier table: what was trained, or why nothing was."""
        metrics = self.classifier
        if metrics is None or metrics.empty:
            return ("Ingen märkt data angavs (parametern classifier_labels), så ingen "
                    "klassificerare tränades; teman kommer enbart från taxonomin.")
        return ("Klassificeraren (TF-IDF på grundformer och på bokstavsföljder inom orden, så "
                "att delar av sammansatta ord räknas, och logistisk regression, ett tema i "
                "taget, med en egen tröskel per tema som väljs i korsvalidering på "
                "träningsdatan) tränades på märkta poster och utvärderades med femfaldig "
                f"korsvalidering för {format_number(len(metrics))} teman med minst fem "
                "exempel; trösklarna valdes inom varje del, så siffrorna bygger aldrig på de "
                "poster de mäter. Dess förslag per post finns i kolumnen predicted_themes i "
                "new_items.csv, bredvid taxonomins teman.")


def analyse(sources: str | Path, archive: str | Path, taxonomy: str | Path | None = None, *,
            as_of: object = None, period_days: int = 7, baseline_days: int = 84,
            classifier_labels: str | Path | None = None, timeout: float = 20.0,
            journal: str = "wal", evaluation_corpus: str | Path | None = DEV_CORPUS,
            theme_check: str | Path | None = None, seed: int = 1) -> ScanResult:
    """Read all sources, store new items in the archive and analyse the window.

    "New" are the items this run stored for the first time. On the very first run (an
    empty archive) everything is new, so only those published in the current period are
    listed as new; the older ones form the baseline. Items without a published date are
    placed by the time they were first seen.

    With ``classifier_labels`` (a labelled CSV, see
    :func:`research.scanning.classifier.read_labelled_items`) a supervised classifier is
    cross-validated and its predictions are added to the items (``predicted_themes``) next
    to the taxonomy's themes. ``journal`` is the archive's SQLite journal (``"delete"`` on
    network folders, see :class:`~research.scanning.archive.Archive`). The taxonomy is
    measured on the fresh held-out batch of ``evaluation_corpus`` (split
    :data:`~research.scanning.validation.HELD_OUT`) when that file exists. With
    ``theme_check`` (a labelled CSV, e.g. the development corpus) the taxonomy's themes are
    checked by a classifier trained on it (:mod:`research.scanning.check`; its held-out
    split left out), everywhere: counts, trends, new items and the measurement.

    Raises
    ------
    ConfigError
        A missing or invalid sources list or taxonomy.
    ParameterError
        An invalid window (``as_of``, ``period_days``, ``baseline_days``).
    """
    window = Window.make(as_of, period_days, baseline_days)
    theme_taxonomy = load_taxonomy(taxonomy)
    source_list = load_sources(sources)
    check = load_theme_check(theme_check, theme_taxonomy, exclude_split=HELD_OUT, seed=seed)
    context = run_context()
    target = archive_path(archive)  # a draft's or a session's private copy, or the file
    try:
        with Archive(target, journal=journal) as store:
            read, statuses = read_sources(source_list, http_states=store.http_states(),
                                          timeout=timeout)
            validators = {s.source: {"etag": s.etag, "last_modified": s.last_modified}
                          for s in statuses if s.etag or s.last_modified}
            run = store.record_run(read, as_of=window.as_of, http_states=validators,
                                   parameter_set=context.parameter_set,
                                   research_run=context.research_run,
                                   published=context.published)
            window_items = store.items(published_from=window.baseline_start,
                                       published_to=window.end)
            size = store.count()
    finally:
        release_draft_copy(target)  # a draft's private copy has served its purpose
    first_run = run.previous_run_id is None
    analysed = analyse_items(window_items, theme_taxonomy, window, new_ids=run.new_ids,
                             seed=seed, check=check)
    items = analysed["items"]
    items = items[(items["date"] > window.baseline_start) & (items["date"] <= window.end)]
    new_mask = items["is_new"] & (items["in_period"] if first_run else True)
    metrics, predicted = classifier_report(classifier_labels, items, theme_taxonomy, seed=seed)
    if predicted is not None:
        items = items.assign(predicted_themes=predicted)
    return ScanResult(
        window=window, taxonomy=theme_taxonomy, run=run, first_run=first_run, items=items,
        new_items=new_items_table(items[new_mask], theme_taxonomy),
        themes=analysed["themes"], emerging_terms=analysed["emerging_terms"],
        stories=story_table(items), sources=sources_table(statuses),
        weekly=analysed["weekly"], archive_size=size, classifier=metrics,
        evaluation=_evaluation(theme_taxonomy, evaluation_corpus, check), context=context,
        check=check)


def _evaluation(taxonomy: Taxonomy, path: str | Path | None, check: ThemeCheck | None
                ) -> ThemeEvaluation | None:
    if path is None or str(path).strip() == "" or not resolve(path).is_file():
        return None
    return evaluate_themes(taxonomy, path, check=check)
