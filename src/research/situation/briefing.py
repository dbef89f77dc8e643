"""The lägesbild briefing: one call (:func:`analyse`) from the notebook's parameters to a
results object whose methods give every table, figure, sentence and note the notebook
shows, in Swedish, built from published cells only."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import resolve
from ..privacy import TOTAL_LABEL, checking
from ..report.formatting import NBSP, format_number, format_percent, month_label
from . import figures, tables
from .picture import SituationPicture, build_picture, period_code, unit_words
from .readers import DATE, WHOLE_MUNICIPALITY, load_reports, read_scanning_themes
from .wording import NO_CHANGES_TEXT, largest_changes, lower_first

__all__ = ["TABLE_NAMES", "Lagesbild", "analyse", "summary", "data_notes", "changes_reading",
           "periods_reading", "reading_options"]

#: The names the published tables are saved under (``tables/<name>.csv``).
TABLE_NAMES = {"current": "counts_current", "unit": "by_unit", "changes": "changes",
               "concern": "concern", "age_gender": "age_gender",
               "comparison": "scanning_comparison", "counts": "counts"}


def _signed_percent(value: float) -> str:
    text = format_percent(value, 0, ratio=False)
    return ("+" + text) if value > 0 else text


def summary(picture: SituationPicture) -> tuple[list[str], dict[str, object]]:
    """3–5 key findings in plain Swedish and the key figures, from published cells only."""
    noun, previous_word, year_word = unit_words(picture.period)
    label = picture.current_label
    now = picture.total(picture.current)
    before = picture.total(picture.previous)
    year = picture.total(picture.last_year)
    findings: list[str] = []
    figures: dict[str, object] = {}
    if math.isnan(now):
        findings.append(f"Färre än {picture.min_cell} rapporter kom in under {label}; "
                        "antalet redovisas därför inte.")
    else:
        sentence = f"Under {label} kom {format_number(now)} rapporter in"
        if not picture.complete:
            sentence += f" (till och med {picture.as_of.isoformat()})"
        if not math.isnan(before) and before:
            change = (now - before) / before * 100
            direction = "fler" if now > before else "färre" if now < before else "lika många"
            if direction == "lika många":
                sentence += f", lika många som under {previous_word}"
            else:
                sentence += (f", {format_percent(abs(change), 0, ratio=False)} {direction} än "
                             f"under {previous_word} ({format_number(before)})")
        findings.append(sentence + ".")
        figures[f"Rapporter {label}"] = int(now)
    for word, then in ((previous_word, before), (year_word, year)):
        if not math.isnan(now) and not math.isnan(then) and then:
            figures[f"Förändring mot {word}"] = _signed_percent((now - then) / then * 100)
    theme_totals = {t: picture.total(picture.current, TOTAL_LABEL, t) for t in picture.themes}
    published = {t: v for t, v in theme_totals.items() if not math.isnan(v) and v > 0}
    if published and not math.isnan(now) and now:
        top = max(published, key=lambda t: (published[t], t))
        findings.append(
            f"Flest rapporter gällde {lower_first(picture.theme_labels[top])}: "
            f"{format_number(published[top])} av {format_number(now)} "
            f"({format_percent(published[top] / now, 0)}).")
    area_totals = {a: picture.total(picture.current, a) for a in picture.areas
                   if a != WHOLE_MUNICIPALITY}
    area_published = {a: v for a, v in area_totals.items() if not math.isnan(v) and v > 0}
    if area_published:
        top_area = max(area_published, key=lambda a: (area_published[a], a))
        findings.append(f"Flest rapporter om en enskild stadsdel gällde {top_area} "
                        f"({format_number(area_published[top_area])}).")
    changes = largest_changes(picture, 1)
    if changes:
        findings.append("Störst förändring: " + lower_first(changes[0]))
    hidden = picture.suppressed_cells()
    cells = len(picture.areas) * len(picture.themes)
    figures["Dolda celler"] = f"{format_number(hidden)} av {format_number(cells)}"
    if hidden:
        findings.append(
            f"{format_number(hidden)} av {format_number(cells)} celler i tabellen över "
            "stadsdel och tema döljs (..) "
            f"eftersom de bygger på färre än {picture.min_cell} rapporter eller skulle kunna "
            "räknas fram ur andra celler.")
    return findings[:5], figures


def data_notes(picture: SituationPicture) -> list[str]:
    """Swedish notes on data and method for 'Om underlaget'."""
    reports = picture.reports
    noun, _, _ = unit_words(picture.period)
    first = reports.data[DATE].min().date().isoformat()
    notes = [
        f"Underlaget är filen {reports.source} med {format_number(reports.rows_read)} "
        f"anonymiserade rapporter från kommunens verksamheter, daterade {first} till "
        f"{reports.data[DATE].max().date().isoformat()}.",
        f"Lägesbilden avser {picture.current_label} (till och med "
        f"{picture.as_of.isoformat()}) och redovisas per {noun}.",
        "Varje rapport räknas en gång. En person kan förekomma i flera rapporter och flera "
        "verksamheter kan rapportera samma händelse, så antalen beskriver rapporter, inte "
        "personer.",
        f"Röjandekontroll: celler med 1–{picture.min_cell - 1} rapporter döljs (..), även "
        "summor. Ytterligare celler döljs (sekundär undertryckning) för alla tabeller i "
        "briefingen på en gång, eftersom de delar summor: för varje litet antal väljs de "
        "celler som är billigast att dölja (i första hand få och små celler, i sista hand "
        "summor) så att antalet kan vara minst "
        f"{picture.suppression.protection if picture.suppression else picture.min_cell - 1} "
        "högre utan att någon publicerad siffra ändras. Förändringar och andelar visas bara "
        "när alla antal de bygger på redovisas. Diagram och meningar bygger enbart på de "
        "redovisade cellerna.",
        "Filen kontrollerades före all bearbetning: personnummer, samordningsnummer, namn "
        "från en fastställd lista, e-postadresser, telefonnummer och gatuadresser stoppar "
        "körningen. Fritexten i underlaget används inte i lägesbilden.",
        f"Schema: {reports.schema.name}.",
    ]
    if reports.excluded_after_as_of:
        notes.insert(2, f"{format_number(reports.excluded_after_as_of)} rapporter daterade "
                        f"efter {picture.as_of.isoformat()} ingår inte.")
    if not picture.complete:
        notes.insert(2, f"{picture.current_label.capitalize()} är inte avslutat; jämförelser "
                        "med hela perioder kan därför visa en minskning som inte är verklig.")
    return notes


def _signed(value: object, percent: bool = False) -> str:
    """"+12", "−3", "+10,5 %": a change reads with its sign."""
    number = float(value)  # type: ignore[arg-type]
    text = format_number(number, 1 if percent else 0) + (f"{NBSP}%" if percent else "")
    return ("+" + text) if number > 0 else text


def _period_header(picture: SituationPicture, code: str) -> str:
    """A period as a column header: "2026 K3" for quarters, "sept. 2026" for months."""
    return month_label(code, short=True) if picture.period == "month" else code


def changes_reading(picture: SituationPicture, table: pd.DataFrame) -> pd.DataFrame:
    """The change table as a phone reads it: the whole municipality's rows (per area are in
    the CSV), without the constant area column, periods named as readers say them."""
    shown = table[table["Stadsdel"] == TOTAL_LABEL].drop(columns=["Stadsdel"])
    rename = {}
    for each in (picture.current, picture.previous, picture.last_year):
        code = period_code(each)
        name = _period_header(picture, code)
        rename[code] = name
        if each != picture.current:
            rename[f"Förändring mot {code}"] = f"Ändring mot {name}"
            rename[f"Förändring mot {code} (%)"] = f"Ändring mot {name} (%)"
    return shown.rename(columns=rename).reset_index(drop=True)


def periods_reading(picture: SituationPicture, table: pd.DataFrame,
                    periods: int = 8) -> pd.DataFrame:
    """The long all-periods table as a reader compares it: one row per theme for the whole
    municipality, one column per period, the latest ``periods`` periods, newest first.
    Every cell is a cell of the saved table (hidden ones stay "..")."""
    from ..report.tables import wide_table

    whole = table[table["Stadsdel"] == TOTAL_LABEL]
    codes = list(dict.fromkeys(whole["Period"]))[:periods]  # the table is newest first
    wide = wide_table(whole[whole["Period"].isin(codes)], "Tema", "Period", "Antal",
                      order=codes)
    return wide.rename(columns={c: _period_header(picture, c) for c in codes})


def reading_options(picture: SituationPicture, name: str,
                    table: pd.DataFrame | None = None) -> dict[str, Any]:
    """What ``report.show_table`` needs to show the lägesbild table ``name`` for reading:
    the columns a reader compares first, signed changes, month names, program keys left to
    the CSV. The saved CSV (what the disclosure audit checks) is not changed."""
    if name in (TABLE_NAMES["current"], TABLE_NAMES["unit"]):
        return {"priority": ["Tema", TOTAL_LABEL], "note": ".. = dolt av integritetsskäl"}
    if name == TABLE_NAMES["changes"]:
        if table is None:
            raise ValueError("the change table's reading needs the table")
        shown = changes_reading(picture, table)
        now = _period_header(picture, period_code(picture.current))
        before = _period_header(picture, period_code(picture.previous))
        year = _period_header(picture, period_code(picture.last_year))
        signed = {c: (lambda v, pct=c.endswith("(%)"): _signed(v, pct))
                  for c in shown.columns if str(c).startswith("Ändring")}
        return {"shown": shown, "formatters": signed,
                "priority": ["Tema", now, f"Ändring mot {before} (%)", before,
                             f"Ändring mot {year} (%)", year],
                "note": ".. = dolt av integritetsskäl; tom cell = kan inte beräknas."}
    if name == TABLE_NAMES["counts"]:
        if table is None:
            raise ValueError("the counts table's reading needs the table")
        shown = periods_reading(picture, table)
        return {"shown": shown, "priority": list(shown.columns),
                "note": ".. = dolt av integritetsskäl. Antalen per stadsdel och alla perioder "
                        "finns i hela tabellen."}
    if name == TABLE_NAMES["comparison"]:
        return {"priority": ["Tema", "Andel lokalt (%)", "Andel i omvärldsbevakningen (%)"],
                "display_columns": {"Andel i omvärldsbevakningen (%)":
                                    "Andel i omvärlds\u00adbevakningen (%)"},
                "decimals": {"Andel lokalt (%)": 1, "Andel i omvärldsbevakningen (%)": 1}}
    if name == TABLE_NAMES["concern"]:
        return {"note": ".. = dolt av integritetsskäl"}
    return {}


@dataclass
class Lagesbild:
    """Everything the lägesbild notebook shows, from one :func:`analyse` call."""

    picture: SituationPicture
    comparison: pd.DataFrame | None = None
    disclosure: checking.DisclosureCheck | None = field(default=None, repr=False)

    # --- text -------------------------------------------------------------------------
    @property
    def period_label(self) -> str:
        return self.picture.current_label

    def findings(self) -> list[str]:
        """3–5 key findings in plain Swedish."""
        return summary(self.picture)[0]

    def key_figures(self) -> dict[str, object]:
        return summary(self.picture)[1]

    def largest_changes(self, n: int = 3) -> list[str]:
        """The ``n`` largest changes against the previous period (or why there are none)."""
        return largest_changes(self.picture, n) or [NO_CHANGES_TEXT]

    def method_notes(self) -> list[str]:
        """'Om underlaget': data, method and — after :meth:`check_disclosure` — the audit."""
        notes = data_notes(self.picture)
        if self.disclosure is not None:
            notes.insert(-1, self.disclosure.note())
        return notes

    # --- tables -----------------------------------------------------------------------
    def current_table(self) -> pd.DataFrame:
        return tables.current_table(self.picture)

    def unit_table(self) -> pd.DataFrame:
        return tables.unit_table(self.picture)

    def changes_table(self) -> pd.DataFrame:
        return tables.changes_table(self.picture)

    def counts_table(self) -> pd.DataFrame:
        return tables.counts_table(self.picture)

    def concern_table(self) -> pd.DataFrame:
        return tables.concern_table(self.picture)

    def age_gender_table(self) -> tuple[pd.DataFrame | None, str]:
        return tables.age_gender_table(self.picture)

    def comparison_table(self) -> pd.DataFrame | None:
        return self.comparison

    def reading(self, name: str) -> dict[str, Any]:
        """Options for ``report.show_table`` that make the table saved as ``name`` readable
        on a phone and on paper: ``report.show_table(t, name, caption, **lagesbild.reading(name))``."""
        table = (self.changes_table() if name == TABLE_NAMES["changes"] else
                 self.counts_table() if name == TABLE_NAMES["counts"] else None)
        return reading_options(self.picture, name, table)

    # --- figures ----------------------------------------------------------------------
    def heatmap(self) -> Any:
        return figures.heatmap_figure(self.picture)

    def trend(self) -> Any:
        return figures.trend_figure(self.picture)

    def comparison_figure(self) -> Any | None:
        if self.comparison is None:
            return None
        return figures.comparison_figure(self.comparison, self.picture)

    # --- disclosure -------------------------------------------------------------------
    def published_tables(self) -> dict[str, pd.DataFrame]:
        """The tables the notebook publishes, by saved name (for an audit outside a run)."""
        shown = {TABLE_NAMES["current"]: self.current_table(),
                 TABLE_NAMES["unit"]: self.unit_table(),
                 TABLE_NAMES["changes"]: self.changes_table(),
                 TABLE_NAMES["concern"]: self.concern_table(),
                 TABLE_NAMES["counts"]: self.counts_table()}
        age_gender, _ = self.age_gender_table()
        if age_gender is not None:
            shown[TABLE_NAMES["age_gender"]] = age_gender
        if self.comparison is not None:
            shown[TABLE_NAMES["comparison"]] = self.comparison
        return shown

    def check_disclosure(self) -> checking.DisclosureCheck:
        """Audit every table the run has published (``tables/*.csv``; in JupyterLab the
        tables in memory) and write ``disclosure.json``; the verdict goes into
        :meth:`method_notes`."""
        picture = self.picture
        suppression = picture.suppression
        specs = tables.table_specs(picture, TABLE_NAMES, self.comparison)
        checking.register(
            specs,
            primary=[tables.published_key(picture, k) for k in suppression.primary_keys()],
            zeros=[tables.published_key(picture, k) for k in suppression.zero_keys()],
            min_cell=picture.min_cell, protection=suppression.protection,
            hidden=suppression.counts(),
            witnesses=[{tables.published_key(picture, k): v for k, v in point.items()}
                       for point in suppression.witnesses()])
        self.disclosure = checking.check_run(self.published_tables())
        return self.disclosure


def analyse(
    reports: str | Path,
    schema: str | Path | None = None,
    *,
    period: str = "quarter",
    as_of: str | dt.date | None = None,
    min_cell: int = 5,
    protection: int | None = None,
    compare_scanning: str | Path | None = None,
) -> Lagesbild:
    """Read, privacy-check and validate the reports, count them with disclosure control
    over all linked tables, and compare with a scanning run's themes when one is given.

    Relative paths are resolved against the project root. Stops with a
    :class:`~research.errors.PrivacyError` before anything is computed if the file holds
    direct personal identifiers.
    """
    loaded = load_reports(resolve(reports), schema=schema or None, as_of=as_of or None)
    picture = build_picture(loaded, period=period, min_cell=min_cell, protection=protection)
    comparison = None
    if compare_scanning:
        themes = read_scanning_themes(resolve(compare_scanning))
        comparison = tables.compare_with_scanning(picture, themes)
    return Lagesbild(picture, comparison)
