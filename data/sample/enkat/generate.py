"""Generate the synthetic survey "Kunskapsbehov om våldsbejakande extremism bland
yrkesverksamma" (fictional Älvstads kommun) as CSV (cp1252, semicolon, decimal comma),
codebook YAML, SPSS .sav and the list of names to mask. Everything here is invented,
including the planted identifiers (personnummer with valid check digits, a phone number,
an e-mail address and a listed name) that must never reach a briefing. Run from the
project root:

    .venv/bin/python data/sample/enkat/generate.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

SEED = 20261124
HERE = Path(__file__).resolve().parent

# stratum: (code, label, population size, invited, respondents, knowledge shift)
STRATA = [
    (1, "Utbildningsförvaltningen", 1400, 260, 160, 0.0),
    (2, "Socialförvaltningen", 520, 170, 100, 0.45),
    (3, "Kultur- och fritidsförvaltningen", 180, 95, 60, -0.2),
    (4, "Polisen, lokalpolisområde Älvstad", 90, 60, 40, 0.6),
    (5, "Civilsamhällets organisationer", 150, 70, 35, -0.1),
    (6, "Stadsbyggnadsförvaltningen", 250, 20, 3, -0.6),
    (7, "Miljöförvaltningen", 120, 15, 2, -0.5),
]
STADSDELAR = ["Centrum", "Östra Hagen", "Sjöviken", "Norrbacka", "Västra Ängen"]
LIKERT = {1: "Instämmer inte alls", 2: "Instämmer delvis inte", 3: "Varken eller",
          4: "Instämmer delvis", 5: "Instämmer helt"}
KNOWLEDGE = {
    "k1": "Jag vet vad våldsbejakande extremism innebär",
    "k2": "Jag känner igen tecken på att en ung person dras till våldsbejakande miljöer",
    "k3": "Jag vet vart jag ska vända mig om jag känner oro för någon",
    "k4": "Jag är osäker på hur jag ska agera när jag känner oro",
    "k5": "Jag känner till kommunens handlingsplan mot våldsbejakande extremism",
}
SUPPORT = {
    "s1": "Min arbetsplats har tydliga rutiner vid oro för radikalisering",
    "s2": "Samverkan med Kunskapshuset fungerar bra",
    "s3": "Jag får det stöd jag behöver från min chef",
    "s4": "Jag har tillgång till den utbildning jag behöver",
}
THEMES = {
    "utbildning": [
        "Jag skulle vilja gå en utbildning om hur radikalisering går till",
        "Mer fortbildning för hela arbetslaget om våldsbejakande miljöer",
        "En föreläsning om tecken på radikalisering bland unga vore bra",
        "Utbildning för nyanställda om extremism och vårt uppdrag",
    ],
    "samverkan": [
        "Tydligare kontaktvägar till Kunskapshuset och polisen",
        "Bättre samverkan mellan skola och socialtjänst när vi känner oro",
        "Vi behöver veta vem vi ska ringa i kommunen vid oro",
        "Regelbundna samverkansmöten med polisen och socialtjänsten",
    ],
    "digitalt": [
        "Kunskap om propaganda och rekrytering i sociala medier och spel",
        "Hur unga påverkas av extremistiska budskap på nätet",
        "Stöd i att förstå digitala miljöer där unga radikaliseras",
        "Vi behöver lära oss mer om memes, chattar och nätforum",
    ],
    "rutiner": [
        "En enkel checklista för hur man gör en orosanmälan",
        "Tydliga rutiner på arbetsplatsen när någon uttrycker våldsbejakande åsikter",
        "Handlingsplanen behöver bli känd och lätt att hitta",
        "Vi saknar en rutin för att dokumentera oro och vem som ansvarar",
    ],
    "foraldrar": [
        "Material till föräldrar som oroar sig för sina barn",
        "Stöd i samtal med unga och deras föräldrar om extremism",
        "Hur vi når föräldrar och anhöriga på ett bra sätt",
        "Samtalsstöd för att prata med ungdomar om våld och extremism",
    ],
}
ENDINGS = ["", ".", " i vår verksamhet.", " så snart som möjligt.", ", gärna på svenska och arabiska.",
           " för både chefer och medarbetare.", " – det saknas idag."]


def luhn_check_digit(nine: str) -> int:
    total = 0
    for position, char in enumerate(nine):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def fake_personnummer(rng: np.random.Generator, coordination: bool = False) -> str:
    """A made-up number with a valid check digit (a samordningsnummer adds 60 to the day)."""
    yy, mm, dd = rng.integers(60, 99), rng.integers(1, 13), rng.integers(1, 28)
    dd += 60 if coordination else 0
    serial = rng.integers(100, 999)
    nine = f"{yy:02d}{mm:02d}{dd:02d}{serial:03d}"
    return f"{yy:02d}{mm:02d}{dd:02d}-{serial:03d}{luhn_check_digit(nine)}"


def likert_answer(rng: np.random.Generator, latent: float, dont_know: float) -> float:
    draw = rng.random()
    if draw < 0.02:
        return np.nan  # left empty
    if draw < 0.02 + dont_know:
        return 99.0  # Vet ej
    return float(np.clip(np.rint(latent + rng.normal(0, 0.8)), 1, 5))


def build(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    respondent = 1000
    for code, _, population, _, n, shift in STRATA:
        for _ in range(n):
            respondent += 1
            trained = rng.random() < 0.35 + 0.1 * (shift > 0)
            knowledge = 3.0 + shift + 0.5 * trained + rng.normal(0, 0.6)
            support = 2.9 + 0.6 * shift + 0.3 * trained + rng.normal(0, 0.6)
            row = {
                "resp_id": respondent,
                "forvaltning": code,
                "roll": 1 if rng.random() < 0.18 else 2,
                "stadsdel": int(rng.integers(1, len(STADSDELAR) + 1)),
                "ar_i_yrket": int(np.clip(rng.gamma(2.2, 5.0), 0, 45)),
                "utbildning": 1 if trained else 2,
            }
            for item in KNOWLEDGE:
                latent = (6 - knowledge) if item == "k4" else knowledge
                row[item] = likert_answer(rng, latent, 0.05 if item != "k5" else 0.10)
            for item in SUPPORT:
                row[item] = likert_answer(rng, support, 0.06 if item == "s2" else 0.03)
            row["fritext_behov"] = free_text(rng) if rng.random() < 0.6 else ""
            row["vikt"] = round(population / n, 4)
            row["population"] = population
            rows.append(row)
    frame = pd.DataFrame(rows)
    plant_identifiers(frame, rng)
    return frame


def free_text(rng: np.random.Generator) -> str:
    themes = list(THEMES)
    first = themes[int(rng.integers(len(themes)))]
    text = THEMES[first][int(rng.integers(4))] + ENDINGS[int(rng.integers(len(ENDINGS)))]
    if rng.random() < 0.25:
        second = themes[int(rng.integers(len(themes)))]
        text = text.rstrip(".") + ". Dessutom: " + THEMES[second][int(rng.integers(4))].lower()
    return text.strip()


def plant_identifiers(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """A few answers with identifiers that must never reach a briefing (all fake)."""
    answered = frame.index[frame["fritext_behov"] != ""].to_list()
    chosen = rng.choice(answered, size=6, replace=False)
    planted = [
        f"Ring mig gärna på 070-{rng.integers(100, 999)} {rng.integers(10, 99)} "
        f"{rng.integers(10, 99)} om ni vill veta mer om vår skolas behov",
        f"Det gäller en elev med personnummer {fake_personnummer(rng)} som vi oroar oss för",
        "Kontakta mig på kalle.nordin@alvstad.example.se för samverkan kring utbildning",
        "Kalle Nordin på fritidsgården vet mest om samverkan med polisen",
        f"Samordningsnummer {fake_personnummer(rng, coordination=True)} stod i anmälan, vi behöver en tydlig rutin",
        "Mer utbildning till oss på Östra Hagens skola, fråga efter Kalle Nordin",
    ]
    for index, text in zip(chosen, planted):
        frame.loc[index, "fritext_behov"] = text


CODEBOOK = """\
# Kodbok för den syntetiska enkäten i data/sample/enkat (genererad av generate.py).
title: Kunskapsbehov om våldsbejakande extremism bland yrkesverksamma – Älvstads kommun 2026

# Koder som betyder "saknas" för alla Likert-, kategori- och numeriska frågor
missing:
  99: Vet ej

value_sets:
  instammer:
    1: Instämmer inte alls
    2: Instämmer delvis inte
    3: Varken eller
    4: Instämmer delvis
    5: Instämmer helt

variables:
  resp_id: {label: Respondent-id, type: id}
  forvaltning:
    label: Förvaltning/organisation
    type: categorical
    values:
{strata}
  roll:
    label: Roll
    type: categorical
    values: {1: Chef, 2: Medarbetare}
  stadsdel:
    label: Stadsdel där du arbetar
    type: categorical
    values:
{stadsdelar}
  ar_i_yrket: {label: Antal år i yrket, type: numeric, min: 0, max: 60}
  utbildning:
    label: "Har du gått en utbildning om våldsbejakande extremism?"
    type: categorical
    values: {1: Ja, 2: Nej}
{likert}
  fritext_behov: {label: "Vilket kunskapsstöd behöver du mest?", type: text}
  vikt: {label: Designvikt (populationsstorlek / antal svarande), type: numeric, min: 0}
  population: {label: Antal anställda i förvaltningen (populationsstorlek), type: numeric, min: 1}

blocks:
  kunskap:
    label: Kunskap om våldsbejakande extremism
    items: [k1, k2, k3, k4, k5]
  stod:
    label: Stöd och samverkan
    items: [s1, s2, s3, s4]

indices:
  kunskapsindex:
    label: Kunskapsindex
    items: [k1, k2, k3, k4, k5]
    min_items: 3
  stodindex:
    label: Stöd- och samverkansindex
    items: [s1, s2, s3, s4]
    min_items: 3

background: [forvaltning, roll, stadsdel, utbildning]
free_text: [fritext_behov]

# Antal inbjudna per förvaltning, för svarsfrekvensen
invited:
  variable: forvaltning
  counts:
{invited}
"""


NAMES = "# Namn som maskeras i citat ur fritextsvaren (ett per rad). Fiktiva.\nKalle Nordin\n"


def codebook_text() -> str:
    strata = "\n".join(f"      {c}: {label}" for c, label, *_ in STRATA)
    stadsdelar = "\n".join(f"      {i + 1}: {s}" for i, s in enumerate(STADSDELAR))
    likert = []
    for item, text in KNOWLEDGE.items():
        reverse = ", reverse: true" if item == "k4" else ""
        likert.append(f"  {item}: {{label: \"{text}\", type: likert, values: instammer{reverse}}}")
    for item, text in SUPPORT.items():
        likert.append(f"  {item}: {{label: \"{text}\", type: likert, values: instammer}}")
    invited = "\n".join(f"    {c}: {inv}" for c, _, _, inv, *_ in STRATA)
    return (CODEBOOK.replace("{strata}", strata).replace("{stadsdelar}", stadsdelar)
            .replace("{likert}", "\n".join(likert)).replace("{invited}", invited))


def atomic_write(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if column in ("vikt",):
            out[column] = out[column].map(lambda v: f"{v:.4f}".replace(".", ","))
        elif out[column].dtype.kind == "f":
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    text = out.to_csv(sep=";", index=False, lineterminator="\r\n")
    return text.encode("cp1252")


def write_sav(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    labels = {"resp_id": "Respondent-id", "forvaltning": "Förvaltning/organisation",
              "roll": "Roll", "stadsdel": "Stadsdel där du arbetar",
              "ar_i_yrket": "Antal år i yrket",
              "utbildning": "Har du gått en utbildning om våldsbejakande extremism?",
              "fritext_behov": "Vilket kunskapsstöd behöver du mest?",
              "vikt": "Designvikt", "population": "Antal anställda i förvaltningen",
              **KNOWLEDGE, **SUPPORT}
    value_labels = {"forvaltning": {c: label for c, label, *_ in STRATA},
                    "roll": {1: "Chef", 2: "Medarbetare"},
                    "stadsdel": {i + 1: s for i, s in enumerate(STADSDELAR)},
                    "utbildning": {1: "Ja", 2: "Nej"}}
    missing = {}
    for item in [*KNOWLEDGE, *SUPPORT]:
        value_labels[item] = {**LIKERT, 99: "Vet ej"}
        missing[item] = [99]
    tmp = path.with_name(f".{path.name}.tmp")
    pyreadstat.write_sav(out, str(tmp), file_label="Kunskapsbehov om våldsbejakande extremism",
                         column_labels=labels, variable_value_labels=value_labels,
                         missing_ranges=missing, row_compress=True)
    # SPSS headers carry the creation date and time (bytes 92–108): fix them so the file
    # is byte-for-byte reproducible
    with open(tmp, "r+b") as stream:
        stream.seek(92)
        assert len(stream.read(17)) == 17
        stream.seek(92)
        stream.write(b"24 Nov 2612:00:00")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main() -> None:
    rng = np.random.default_rng(SEED)
    frame = build(rng)
    atomic_write(HERE / "enkat.csv", to_csv_bytes(frame))
    atomic_write(HERE / "kodbok.yaml", codebook_text().encode("utf-8"))
    write_sav(frame, HERE / "enkat.sav")
    atomic_write(HERE / "namn.txt", NAMES.encode("utf-8"))


if __name__ == "__main__":
    main()
