"""Generate the synthetic lägesbild sample (deterministic, seed 20261124).

Fictional "Älvstads kommun": anonymised reports from the municipality's operations,
1 October 2024 – 30 September 2026 (eight quarters), several areas and units, some small
cells, and a visible change in the latest quarter (more reports about criminal networks in
Östra Hagen and about online radicalisation, fewer about threats against elected
representatives). Also a small themes.csv as an omvärldsbevakning run would write it.

Run from the project root:  .venv/bin/python data/sample/lagesbild/generate.py
Everything here is invented; no row describes a real person or event.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path

import numpy as np

SEED = 20261124
HERE = Path(__file__).resolve().parent
START = dt.date(2024, 10, 1)
QUARTERS = 8
PER_QUARTER = 235

AREAS = {
    "Centrum": 0.30, "Östra Hagen": 0.29, "Sjöviken": 0.22, "Norrbacka": 0.10,
    "Västra Dalen": 0.06, "Björkudden": 0.02, "Hela kommunen": 0.01,
}
THEMES = {
    "kriminella_natverk": 0.29, "skola_och_unga": 0.22, "radikalisering_online": 0.17,
    "hogerextremism": 0.10, "hot_och_hat": 0.07, "anhorigstod": 0.05, "avhoppare": 0.03,
    "islamism": 0.02, "samverkan_lagesbild": 0.02, "vansterextremism": 0.01,
    "demokratiframjande": 0.01, "ideburen_sektor": 0.01,
}
UNITS = ["Socialtjänsten", "Skolförvaltningen", "Fritidsförvaltningen", "Polisen (samverkan)",
         "Räddningstjänsten", "Kultur och bibliotek", "Bostadsbolaget"]
# which units tend to report which themes (weights over UNITS)
UNIT_MIX = {
    "kriminella_natverk": [5, 2, 2, 6, 1, 0.3, 1.5],
    "skola_och_unga": [3, 7, 3, 1, 0.3, 0.5, 0.3],
    "radikalisering_online": [2, 5, 2, 2, 0, 1, 0],
    "hogerextremism": [2, 2, 1, 4, 0.2, 1, 0.5],
    "hot_och_hat": [0.5, 0.5, 0.5, 5, 0.2, 1.5, 0.5],
    "anhorigstod": [7, 2, 1, 0.5, 0, 0.2, 0.3],
    "avhoppare": [6, 0.5, 0.5, 3, 0, 0, 0.5],
    "islamism": [2, 2, 1, 4, 0, 0.5, 0.3],
    "samverkan_lagesbild": [2, 1, 1, 2, 1, 1, 1],
    "vansterextremism": [1, 1, 0.5, 4, 0.2, 0.5, 0.3],
    "demokratiframjande": [0.5, 3, 3, 0, 0, 3, 0.5],
    "ideburen_sektor": [1, 0.5, 4, 0, 0, 2, 0.5],
}
CONCERN = {"låg": 0.45, "medel": 0.38, "hög": 0.17}
AGES = ["0-12", "13-15", "16-17", "18-20", "21-25", "26-", "uppgift saknas"]
AGE_MIX = {
    "skola_och_unga": [2, 6, 3, 0.5, 0, 0, 1],
    "kriminella_natverk": [0.3, 3, 4, 3, 2, 1, 1.5],
    "radikalisering_online": [0.3, 4, 4, 2, 1, 0.5, 1.5],
}
DEFAULT_AGES = [0.1, 1, 1.5, 2, 2, 3, 2]
GENDERS = ["flicka/kvinna", "pojke/man", "annat", "uppgift saknas"]
SUMMARIES = {
    "kriminella_natverk": [
        "Oro för att unga rekryteras som springpojkar kring centrumhuset.",
        "Uppgifter om konflikt mellan grupperingar efter en skjutning i grannkommunen.",
        "Föräldrar beskriver att barn erbjuds pengar för att förvara saker.",
        "Ökad närvaro av äldre ungdomar vid fritidsgården på kvällstid.",
    ],
    "skola_och_unga": [
        "Elever uttrycker otrygghet på väg till och från skolan.",
        "Hög frånvaro i en årskurs, elevhälsan har kopplats in.",
        "Skolan beskriver hot mellan elevgrupper i sociala medier.",
    ],
    "radikalisering_online": [
        "Elev delar våldsförhärligande filmer i klassens chattgrupp.",
        "Fritidsledare har sett extremistisk propaganda i spelchattar.",
        "Oro för ung person som isolerat sig och följer radikala kanaler.",
    ],
    "hogerextremism": [
        "Klistermärken med vit makt-symboler uppsatta vid busshållplatser.",
        "Flygblad från en våldsbejakande organisation i brevlådor.",
    ],
    "hot_och_hat": [
        "Förtroendevald har fått hotfulla meddelanden efter ett beslut i nämnden.",
        "Hatiska kommentarer riktade mot politiker på kommunens sida.",
    ],
    "anhorigstod": [
        "Förälder söker stöd kring sitt barns nya umgänge.",
        "Syskon till ung person i kriminell miljö önskar samtal.",
    ],
    "avhoppare": [
        "Person vill lämna kriminell miljö och behöver skyddat boende.",
        "Kontakt förmedlad till avhopparverksamheten.",
    ],
    "islamism": [
        "Oro för våldsbejakande budskap i en studiecirkel.",
        "Anhörig oroar sig för en ung persons kontakter utomlands.",
    ],
    "samverkan_lagesbild": [
        "Gemensam genomgång av lägesbilden med polis och socialtjänst.",
        "Behov av tydligare rutin för informationsdelning mellan förvaltningar.",
    ],
    "vansterextremism": [
        "Klotter med hot mot en namngiven grupp på en gång- och cykelbro.",
        "Uppgifter om planerad konfrontation vid en demonstration.",
    ],
    "demokratiframjande": [
        "Skolan efterfrågar stöd för samtal om demokrati och källkritik.",
        "Biblioteket planerar samtalskvällar om polarisering.",
    ],
    "ideburen_sektor": [
        "Förening vill samverka kring kvällsvandringar.",
        "Frågor om villkor för idéburet offentligt partnerskap.",
    ],
}


def quarter_start(index: int) -> dt.date:
    month = START.month - 1 + 3 * index
    return dt.date(START.year + month // 12, month % 12 + 1, 1)


def multiplier(theme: str, area: str, quarter: int) -> float:
    factor = 1.0
    if theme == "radikalisering_online":
        factor *= 1.0 + 0.08 * quarter  # steady rise over the two years
    if quarter == QUARTERS - 1:  # the latest quarter
        if theme == "kriminella_natverk" and area == "Östra Hagen":
            factor *= 1.8
        if theme == "hot_och_hat":
            factor *= 0.55
    if theme == "skola_och_unga" and quarter_start(quarter).month == 7:
        factor *= 0.85  # summer holidays
    return factor


def build(rng: np.random.Generator) -> list[dict[str, str]]:
    rows = []
    for quarter in range(QUARTERS):
        first = quarter_start(quarter)
        last = quarter_start(quarter + 1) - dt.timedelta(days=1)
        span = (last - first).days + 1
        for area, area_weight in AREAS.items():
            for theme, theme_weight in THEMES.items():
                rate = PER_QUARTER * area_weight * theme_weight * multiplier(theme, area, quarter)
                for _ in range(rng.poisson(rate)):
                    date = first + dt.timedelta(days=int(rng.integers(span)))
                    unit_weights = np.array(UNIT_MIX[theme], dtype=float)
                    ages = np.array(AGE_MIX.get(theme, DEFAULT_AGES), dtype=float)
                    summary = ""
                    if rng.random() < 0.7:
                        summary = str(rng.choice(SUMMARIES[theme]))
                    rows.append({
                        "datum": date.isoformat(),
                        "forvaltning": str(rng.choice(UNITS, p=unit_weights / unit_weights.sum())),
                        "stadsdel": area,
                        "kategori": theme,
                        "oroniva": str(rng.choice(list(CONCERN), p=list(CONCERN.values()))),
                        "aldersgrupp": str(rng.choice(AGES, p=ages / ages.sum())),
                        "kon": str(rng.choice(GENDERS, p=[0.34, 0.56, 0.02, 0.08])),
                        "sammanfattning": summary,
                    })
    rows.sort(key=lambda row: (row["datum"], row["stadsdel"], row["kategori"]))
    return rows


def scanning_themes(rng: np.random.Generator) -> list[dict[str, object]]:
    rows = []
    for theme in THEMES:
        baseline = int(rng.integers(4, 40))
        current = max(0, int(baseline + rng.integers(-8, 15)))
        change = current - baseline
        rows.append({"theme": theme, "current": current, "baseline": baseline,
                     "change": change, "significance": round(float(rng.uniform(0, 1)), 3)})
    return rows


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main() -> None:
    rng = np.random.default_rng(SEED)
    reports = build(rng)
    write_csv(HERE / "rapporter.csv", reports, list(reports[0]))
    themes = scanning_themes(rng)
    write_csv(HERE / "omvarldsbevakning_themes.csv", themes, list(themes[0]))


if __name__ == "__main__":
    main()
