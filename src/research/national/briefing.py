"""The national synthesis briefing (nationell syntes): what the notebook calls.

``analyse(inbox, …)`` reads the bundles the Kunskapshus shared and returns a
:class:`NationalSynthesis` whose tables, figures and Swedish sentences the notebook shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.files import read_yaml
from ..report.formatting import format_date, format_number
from . import disclosure as _disclosure
from .inbox import Inbox, coverage, load_inbox
from .pooling import method_evaluations, rising_everywhere, stratified_estimate, survey_indices
from .situation import HIDDEN, audit_union, national_table, select_blocks

__all__ = ["NationalSynthesis", "analyse", "range_text"]


def range_text(low: float, high: float) -> str:
    """``"42"`` for an exact figure, ``"minst 4, högst 8"`` for a range."""
    if low == high:
        return format_number(low, 0)
    upper = "okänt" if high == float("inf") else format_number(high, 0)
    return f"minst {format_number(low, 0)}, högst {upper}"


@dataclass
class NationalSynthesis:
    """Everything the national briefing shows."""

    inbox: Inbox
    coverage: pd.DataFrame
    situation: pd.DataFrame
    situation_audit: list[str]
    evaluations: pd.DataFrame
    situation_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    pooled: list[Any] = field(default_factory=list)
    indices: pd.DataFrame = field(default_factory=pd.DataFrame)
    national_indices: pd.DataFrame = field(default_factory=pd.DataFrame)
    rising: pd.DataFrame = field(default_factory=pd.DataFrame)
    as_of: dt.date = field(default_factory=dt.date.today)
    regions: dict[str, str] = field(default_factory=dict)
    min_cell: int = 5
    disclosure: Any = None  # research.privacy.checking.DisclosureCheck, after check_disclosure
    points: dict = field(default_factory=dict)  # feasible tables per block, for the audit
    range_problems: list[str] = field(default_factory=list)

    # -- lägesbild -----------------------------------------------------------------------
    def latest_period(self) -> str | None:
        periods = sorted(set(self.situation["Period"])) if len(self.situation) else []
        return periods[-1] if periods else None

    def situation_display(self) -> pd.DataFrame:
        """Latest period: theme × region, each cell exact or "minst …, högst …"."""
        period = self.latest_period()
        if period is None:
            return pd.DataFrame(columns=["Tema"])
        latest = self.situation.loc[self.situation["Period"] == period].copy()
        latest["Värde"] = [range_text(lo, hi) for lo, hi in zip(latest["Minst"], latest["Högst"])]
        wide = latest.pivot_table(index="Tema", columns="Region", values="Värde",
                                  aggfunc="first", sort=False)
        regions = set(self.situation["Region"])
        order = ["Hela landet"] + sorted(r for r in regions if r != "Hela landet")
        wide = wide.reindex(columns=order).fillna("uppgift saknas")
        return wide.reset_index().rename_axis(columns=None)

    def situation_all(self) -> pd.DataFrame:
        """Every period (newest first), theme and region with the count (``..`` where a
        municipality hid a contribution) and its bounds."""
        table = self.situation.copy()
        table.insert(3, "Antal", [str(int(lo)) if exact else HIDDEN
                                  for lo, exact in zip(table["Minst"], table["Exakt"])])
        for column in ("Minst", "Högst"):
            table[column] = table[column].map(lambda v: v if v == float("inf") else int(v))
        order = {p: i for i, p in enumerate(sorted(set(table["Period"]), reverse=True))}
        table["_order"] = table["Period"].map(order)
        table["_region"] = table["Region"] != "Hela landet"
        return (table.sort_values(["_order", "_region", "Region"], kind="stable")
                .drop(columns=["_order", "_region"]).reset_index(drop=True))

    def counts_table(self) -> pd.DataFrame:
        """The municipalities' published counts the national figures are built from, with
        the region and national theme totals (``national_counts``)."""
        return _disclosure.pooled_counts(self.situation_counts, self.situation, self.regions)

    def region_columns(self) -> list[str]:
        return sorted(r for r in set(self.situation["Region"]) if r != "Hela landet")

    def published_tables(self) -> dict[str, pd.DataFrame]:
        """The national count tables by saved name (for an audit outside a run)."""
        return {_disclosure.LATEST_TABLE: self.situation_display(),
                _disclosure.ALL_TABLE: self.situation_all(),
                _disclosure.COUNTS_TABLE: self.counts_table()}

    def check_disclosure(self) -> Any:
        """Audit every table the run has published together with the municipal tables it
        pools (``tables/*.csv``; in JupyterLab the tables in memory) and write
        ``disclosure.json`` (see :mod:`research.national.disclosure`); the verdict goes into
        :meth:`disclosure_note` and :meth:`method_notes`.

        Raises
        ------
        PrivacyError
            A published range (minst … högst …) excludes a value the audit found possible:
            it would tell a reader more than the municipal tables do, so the run must fail.
        """
        from ..errors import PrivacyError

        tables = self.published_tables()
        hidden = int((tables[_disclosure.COUNTS_TABLE]["Antal"] == HIDDEN).sum())
        _disclosure.register(self.situation_counts, self.situation, self.latest_period(),
                             self.regions, self.region_columns(), min_cell=self.min_cell,
                             hidden=hidden, points=self.points)
        self.disclosure = _disclosure.check_disclosure(tables)
        self.range_problems = _disclosure.range_problems(self.situation, self.disclosure.audit)
        if self.range_problems:
            raise PrivacyError(f"{len(self.range_problems)} national range(s) are narrower "
                               f"than the published counts allow: {self.range_problems[0]}.",
                               hint="this is a defect of the national synthesis; do not "
                               "publish the briefing")
        return self.disclosure

    def disclosure_note(self) -> str:
        """A true Swedish note on the audit for "Om underlaget" (after
        :meth:`check_disclosure`)."""
        check = self.disclosure
        if check is None:
            return "Röjanderisken har inte granskats i den här körningen."
        tables = len(check.audit.tables)
        if not check.passed:
            return (f"Granskning av röjanderisk: granskningen av de {tables} tabellerna med "
                    f"antal godkändes inte ({len(check.audit.findings)} problem); briefingen "
                    "får inte publiceras förrän det är åtgärdat.")
        min_cell = check.audit.parameters["min_cell"]
        return (f"Granskning av röjanderisk: de {tables} nationella tabellerna med antal "
                "prövades tillsammans med kommunernas publicerade antal som de bygger på, så "
                "som en angripare skulle göra: varje summa per kommun, region och hela landet "
                "är en ekvation och en dold cell är minst 1 (minst 0 där kommunen kan ha dolt "
                "en nolla), löst med linjärprogrammering. Ingen dold cell kan räknas fram "
                f"till ett värde under {min_cell}, ingen rad eller kolumn visar att de dolda "
                f"cellerna tillsammans rymmer färre än {min_cell}, och varje intervall "
                "(minst … högst …) omfattar alla värden som granskningen fann möjliga. Hur "
                "brett intervallet för ett enskilt dolt litet antal är prövade varje "
                "Kunskapshus i sin egen granskning.")

    def situation_caption(self) -> str:
        period = self.latest_period()
        return (f"Rapporter per tema och region, {period}" if period else
                "Rapporter per tema och region (ingen lägesbild har delats)")

    def period_text(self) -> str:
        period = self.latest_period()
        return f"{period} (lägesbild), sammanställd {format_date(self.as_of)}" if period else \
            f"sammanställd {format_date(self.as_of)}"

    def coverage_table(self) -> pd.DataFrame:
        """Deliveries per Kunskapshus, with the latest lägesbild period each one covers."""
        table = self.coverage.drop(columns=["Förväntad"])
        latest = {}
        if len(self.situation_counts):
            for house, frame in self.situation_counts.groupby("kunskapshus"):
                latest[house] = max(frame["Period"])
        newest = self.latest_period()
        table["Senaste kvartal i lägesbilden"] = [
            (latest[h] + ("" if latest[h] == newest else " (saknar senare)")) if h in latest
            else "–" for h in table["Kunskapshus"]]
        return table

    def has(self, part: str) -> bool:
        """Whether a part of the briefing has anything to show (``methods``, ``indices``,
        ``rising``, ``situation``)."""
        return bool(len({"methods": self.pooled, "indices": self.indices,
                         "rising": self.rising, "situation": self.situation}[part]))

    # -- enkäter och omvärld ---------------------------------------------------------------
    def indices_table(self) -> pd.DataFrame:
        if self.indices.empty:
            return pd.DataFrame({"Index": [], "Kunskapshus": [], "Skattning": [],
                                 "Nedre gräns": [], "Övre gräns": []})
        rows = self.indices.rename(columns={"index": "Index", "kunskapshus": "Kunskapshus",
                                            "estimate": "Skattning", "ci_low": "Nedre gräns",
                                            "ci_high": "Övre gräns"})
        table = rows[["Index", "Kunskapshus", "Skattning", "Nedre gräns", "Övre gräns"]]
        if len(self.national_indices):
            national = self.national_indices.rename(columns={
                "index": "Index", "estimate": "Skattning", "ci_low": "Nedre gräns",
                "ci_high": "Övre gräns"})
            national["Kunskapshus"] = "Hela landet (Kunskapshus som strata)"
            table = pd.concat([table, national[table.columns]], ignore_index=True)
        return table.sort_values(["Index", "Kunskapshus"]).reset_index(drop=True)

    def rising_table(self) -> pd.DataFrame:
        return self.rising.rename(columns={"label": "Tema", "houses": "Antal Kunskapshus",
                                           "kunskapshus": "Kunskapshus"}).drop(
            columns=["theme"], errors="ignore")

    # -- metoder -------------------------------------------------------------------------
    def methods_figure(self) -> Any:
        """Each local evaluation's effect with its 95 % interval, grouped by Kunskapshus."""
        from ..report.figures import attach_alt, empty_figure, new_figure, number_axis

        frame = self.evaluations
        if frame.empty:
            return empty_figure("Inga utvärderingar har delats ännu.")
        frame = frame.sort_values(["method", "kunskapshus", "evaluation"]).reset_index(drop=True)
        fig, ax = new_figure(height=max(2.5, 0.32 * len(frame) + 1.2))
        half = 1.959963984540054 * frame["vi"] ** 0.5
        positions = list(range(len(frame)))[::-1]
        houses = list(dict.fromkeys(frame["kunskapshus"]))
        from ..report.figures import OKABE_ITO

        for number, house in enumerate(houses):
            own = frame["kunskapshus"] == house
            ax.errorbar(frame.loc[own, "yi"], [positions[i] for i in frame.index[own]],
                        xerr=half[own], fmt="os^Dv<>"[number % 7], color=OKABE_ITO[number % 8],
                        label=house.replace("Kunskapshus ", ""), capsize=2)
        ax.axvline(0, color="#444444", linewidth=0.8, linestyle="--")
        for method, result in self.pooled:
            ax.axvspan(result.ci_low, result.ci_high, color="#999999", alpha=0.25, linewidth=0,
                       label=f"Sammanvägt ({method}), 95 % KI")
        ax.set_yticks(positions, [str(e) for e in frame["evaluation"]])
        ax.set_xlabel("Effekt på analysskalan (0 = ingen skillnad)")
        number_axis(ax.xaxis)
        from ..report.figures import legend_outside

        legend_outside(ax)
        pooled = "; ".join(f"sammanvägt för {m}: {format_number(r.estimate, 2)} "
                           f"[{format_number(r.ci_low, 2)}; {format_number(r.ci_high, 2)}]"
                           for m, r in self.pooled)
        alt = (f"Diagram över {len(frame)} lokala utvärderingar från {len(houses)} Kunskapshus "
               f"({', '.join(houses)}), med effekt på analysskalan och 95 % "
               f"konfidensintervall; {int((frame['yi'] < 0).sum())} ligger under noll"
               + (f"; {pooled}." if pooled else "."))
        return attach_alt(fig, alt)

    METHOD_PRIORITY = ("Metod", "Sammanvägd effekt", "Nedre gräns", "Övre gräns")

    def methods_table(self) -> pd.DataFrame:
        """Per pooled method: effect with CI and how much of the variation lies between
        Kunskapshus (the share of the total variance at that level, I²)."""
        rows = []
        for method, result in self.pooled:
            low, high = result.effect_ci
            rows.append({
                "Metod": method, "Effektmått": result.measure or "",
                "Utvärderingar": result.k, "Kunskapshus": result.n_clusters,
                "Sammanvägd effekt": result.effect, "Nedre gräns": low, "Övre gräns": high,
                "p-värde": result.p,
                "Variation mellan Kunskapshus (%)": result.i2_cluster,
                "Variation inom Kunskapshus (%)": result.i2_evaluation})
        return pd.DataFrame(rows, columns=[
            "Metod", "Effektmått", "Utvärderingar", "Kunskapshus", "Sammanvägd effekt",
            "Nedre gräns", "Övre gräns", "p-värde", "Variation mellan Kunskapshus (%)",
            "Variation inom Kunskapshus (%)"])

    # -- sammanfattning ------------------------------------------------------------------
    def findings(self) -> list[str]:
        present = self.coverage.loc[self.coverage["Status"] != "saknas"]
        missing = self.coverage.loc[self.coverage["Status"] == "saknas", "Kunskapshus"]
        stale = self.coverage.loc[self.coverage["Status"] == "inaktuell", "Kunskapshus"]
        out = [f"Underlaget kommer från {len(present)} Kunskapshus"
               + (f"; {len(missing)} har inte skickat något ({', '.join(missing)})."
                  if len(missing) else ".")]
        if len(stale):
            out.append(f"Underlaget från {', '.join(stale)} är inaktuellt.")
        behind = [h for h, p in self._latest_by_house().items() if p != self.latest_period()]
        if behind:
            out.append(f"Lägesbilden för {self.latest_period()} saknas från "
                       f"{', '.join(behind)}; siffrorna för regionen gäller utan dem.")
        period = self.latest_period()
        if period is not None:
            whole = self.situation.loc[(self.situation["Period"] == period)
                                       & (self.situation["Region"] == "Hela landet")]
            top = whole.sort_values("Minst", ascending=False).head(1)
            if len(top):
                row = top.iloc[0]
                out.append(f"Flest rapporter i {period} gällde {row['Tema'].lower()} "
                           f"({range_text(row['Minst'], row['Högst'])} i hela landet).")
        if len(self.rising):
            row = self.rising.iloc[0]
            out.append(f"{row['label']} ökar i omvärldsbevakningen hos {row['houses']} "
                       f"Kunskapshus samtidigt ({row['kunskapshus']}).")
        return out[:5]

    def _latest_by_house(self) -> dict[str, str]:
        if self.situation_counts.empty:
            return {}
        return {h: max(f["Period"]) for h, f in self.situation_counts.groupby("kunskapshus")}

    def key_figures(self) -> dict[str, object]:
        present = int((self.coverage["Status"] != "saknas").sum())
        return {"Kunskapshus med underlag": present,
                "Bundlar": len(self.inbox.bundles),
                "Utvärderingar i landet": len(self.evaluations)}

    def sources_table(self) -> pd.DataFrame:
        """Which bundles the briefing is built from (Om underlaget)."""
        frame = self.inbox.bundles.copy()
        return pd.DataFrame({"Kunskapshus": frame["kunskapshus"], "Briefingtyp": frame["notebook"],
                             "Parameteruppsättning": frame["parameter_set"],
                             "Period": frame["period"],
                             "Skapad": frame["created"].astype(str).str[:10],
                             "SHA-256 (början)": frame["sha256"].astype(str).str[:16]})

    def method_notes(self) -> list[str]:
        notes = [
            "Varje Kunskapshus delar sina publicerade tabeller som en bundle (research export); "
            "den nationella plattformen kontrollerar kontrollsummor, tabellscheman, "
            "personnummer och röjandekontroll innan en bundle tas emot (research import).",
            "Lägesbilden summerar kommunernas egna totaler per tema, från en bundle per "
            "Kunskapshus och kvartal. Där en kommun har dolt en total visas ett "
            "intervall: det minsta och största värde som kommunens publicerade antal "
            "tillåter (en dold cell är minst 1, eller minst 0 där kommunen kan ha dolt en "
            "nolla), och antalet visas som .. i tabellerna med antal",
        ]
        notes[-1] += ("." if not self.situation_audit else
                      " – men summeringen stämmer inte med kommunernas tabeller; tabellen ska "
                      "inte publiceras.")
        if len(self.evaluations):
            notes.append("Metoder som utvärderats i flera Kunskapshus vägs samman i en "
                         "trenivåmodell (utvärderingar inom Kunskapshus, REML), som metafor:s "
                         "rma.mv med random = ~ 1 | kunskapshus/utvärdering.")
        notes.append("En nationell skattning av ett enkätindex görs bara när varje "
                     "Kunskapshus enkät har en känd populationsstorlek: Kunskapshusen "
                     "behandlas då som strata i en gemensam design."
                     + ("" if len(self.national_indices) or self.indices.empty else
                        " De delade enkäterna anger inte populationens storlek, så här visas "
                        "indexen per Kunskapshus men ingen nationell skattning."))
        notes.append(f"Sammanställningen gjordes {format_date(self.as_of)}.")
        return notes


def _mapping(path: str | None, what: str, parameter: str) -> dict[str, str]:
    if not path:
        return {}
    raw = read_yaml(path, what=what, parameter=parameter)
    return {str(k): str(v) for k, v in (raw or {}).items()}


def analyse(inbox: str | Path, *, expected: Sequence[str] = (), regions: str | None = None,
            as_of: str | dt.date | None = None, stale_days: int = 120,
            pool_methods: bool = True, min_cell: int = 5) -> NationalSynthesis:
    """Build the national synthesis from an inbox folder.

    Parameters
    ----------
    inbox
        The inbox made by ``research import``.
    expected
        Kunskapshus expected to deliver (missing ones are listed).
    regions
        YAML file mapping Kunskapshus → region (län).
    as_of
        Date of the synthesis (default today): bundles older than ``stale_days`` are stale.
    min_cell
        Smallest count the disclosure audit lets a reader work out (default 5).
    """
    from ..paths import resolve

    box = load_inbox(resolve(inbox))
    regions = str(resolve(regions)) if regions else None
    day = dt.date.fromisoformat(str(as_of)) if as_of else dt.date.today()
    region_map = _mapping(regions, "Region file", "regions")
    _disclosure.check_region_names(region_map, str(regions))
    counts = _situation_counts(box)
    points: dict = {}
    bounds: dict = {}
    situation = (national_table(counts, region_map, points, int(min_cell), bounds)
                 if len(counts) else pd.DataFrame(columns=["Region", "Period", "Tema", "Minst",
                                                           "Högst", "Exakt", "Kunskapshus"]))
    audit = audit_union(counts, situation, bounds) if len(counts) else []
    effects = box.table("metodutvardering", "effect_sizes")
    methods, measures = {}, {}
    for _, row in box.of("metodutvardering").iterrows():
        params = box.manifest(row).get("parameters") or {}
        methods[row["sha256"][:12]] = str(params.get("method_name") or "okänd metod")
        measures[row["sha256"][:12]] = str(params.get("measure") or "")
    evaluations = method_evaluations(effects, pd.Series(methods, dtype=object),
                                     pd.Series(measures, dtype=object))
    pooled = _pool(evaluations) if pool_methods else []
    estimates = box.table("enkatanalys", "estimates")
    indices = survey_indices(estimates) if len(estimates) else pd.DataFrame()
    themes = box.table("omvarldsbevakning", "themes")
    return NationalSynthesis(
        inbox=box, coverage=coverage(box, list(expected), as_of=day, stale_days=stale_days),
        situation=situation, situation_audit=audit, evaluations=evaluations, pooled=pooled,
        situation_counts=counts,
        indices=indices,
        national_indices=stratified_estimate(indices) if len(indices) else pd.DataFrame(),
        rising=rising_everywhere(themes), as_of=day, regions=region_map,
        min_cell=int(min_cell), points=points)


def _situation_counts(box: Inbox) -> pd.DataFrame:
    """The lägesbild ``counts`` of one bundle per Kunskapshus × quarter
    (:func:`~research.national.situation.select_blocks`), each row with the ``floor`` a
    reader can assume for its hidden cells (from the bundle's disclosure report)."""
    counts = box.table("lagesbild", "counts")
    if counts.empty:
        return counts
    counts = select_blocks(counts, box.bundles)
    zeros = {}
    for _, row in box.of("lagesbild").iterrows():
        report = box.manifest(row).get("disclosure") or {}
        zeros[str(row["sha256"])[:12]] = (report.get("parameters") or {}).get("hidden_zeros")
    counts["floor"] = counts["bundle"].map(_disclosure.hidden_floors(zeros))
    return counts


def _pool(evaluations: pd.DataFrame) -> list[Any]:
    """A three-level model per method (and effect measure) evaluated in at least two
    Kunskapshus with at least three evaluations; fewer is shown per Kunskapshus only."""
    from ..evaluation import three_level_meta_analysis

    out = []
    for (method, measure), frame in evaluations.groupby(["method", "measure"], sort=True):
        if frame["kunskapshus"].nunique() >= 2 and len(frame) >= 3:
            result = three_level_meta_analysis(frame, cluster="kunskapshus",
                                               evaluation="evaluation", measure=measure or None)
            out.append((method, result))
    return out
