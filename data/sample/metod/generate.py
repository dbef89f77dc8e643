"""Generate the synthetic method-evaluation sample data (deterministic, seeded).

Everything here is invented: the municipalities, studies and numbers are fictional and
only meant to exercise the Metodutvärdering notebook. Run from the project root:

    .venv/bin/python data/sample/metod/generate.py

Writes ``utvarderingar.csv`` (evaluations of four preventive methods; binary outcome,
measure RR) and ``dialogserie_sjoviken.csv`` (one local before/after survey, PRE_POST).
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20261124

# study, method, year, municipality, design, setting, follow-up months,
# n intervention, n comparison, control risk, true RR, reported as (raw | given)
STUDIES = [
    ("Älvstad 2019", "Mentorskap", 2019, "Älvstads kommun", "comparison_group", "skola", 12, 84, 90, 0.30, 0.70, "raw"),
    ("Norrbacka 2020", "Mentorskap", 2020, "Norrbacka kommun", "before_after", "socialtjänst", 12, 46, 0, 0.0, 0.0, "pre_post_counts"),
    ("Sjövik-studien 2021", "Mentorskap", 2021, "Älvstads kommun", "rct", "skola", 24, 150, 148, 0.26, 0.72, "raw"),
    ("Bergslunda 2022", "Mentorskap", 2022, "Bergslunda kommun", "quasi_matched", "socialtjänst", 18, 120, 240, 0.34, 0.82, "raw"),
    ("Nordisk mentorstudie 2023", "Mentorskap", 2023, "flera kommuner", "rct", "förening", 24, 410, 402, 0.22, 0.80, "given"),
    ("Östra Hagen 2024", "Mentorskap", 2024, "Älvstads kommun", "comparison_group", "skola", 12, 62, 58, 0.29, 0.95, "raw"),
    ("Föräldrastöd Norrbacka 2018", "Föräldrastöd", 2018, "Norrbacka kommun", "rct", "socialtjänst", 24, 210, 205, 0.24, 0.62, "raw"),
    ("Föräldrastöd Älvstad 2020", "Föräldrastöd", 2020, "Älvstads kommun", "rct", "socialtjänst", 24, 180, 176, 0.28, 0.66, "raw"),
    ("Hemma-studien 2022", "Föräldrastöd", 2022, "Kvarnby kommun", "quasi_matched", "skola", 12, 96, 180, 0.25, 0.78, "raw"),
    ("Europeisk familjestudie 2023", "Föräldrastöd", 2023, "flera länder", "rct", "socialtjänst", 36, 520, 515, 0.20, 0.74, "given"),
    ("Dialogsamtal Centrum 2021", "Dialogsamtal", 2021, "Älvstads kommun", "before_after", "förening", 6, 38, 0, 0.0, 0.0, "pre_post_counts"),
    ("Dialogsamtal Sjöviken 2023", "Dialogsamtal", 2023, "Älvstads kommun", "comparison_group", "skola", 6, 55, 60, 0.40, 0.92, "raw"),
    ("Dialog i skolan 2024", "Dialogsamtal", 2024, "Norrbacka kommun", "correlational", "skola", 0, 140, 160, 0.35, 0.85, "raw"),
    ("Avhopparprogram Mellansverige 2017", "Avhopparprogram", 2017, "flera kommuner", "comparison_group", "socialtjänst", 24, 44, 40, 0.45, 0.62, "raw"),
    ("Avhoppare Älvstad 2020", "Avhopparprogram", 2020, "Älvstads kommun", "before_after", "socialtjänst", 12, 21, 0, 0.0, 0.0, "pre_post_counts"),
    ("Avhopparstudien Norrbacka 2022", "Avhopparprogram", 2022, "Norrbacka kommun", "quasi_matched", "socialtjänst", 24, 18, 20, 0.20, 0.30, "zero"),
    ("Nordiskt exitprogram 2024", "Avhopparprogram", 2024, "flera länder", "comparison_group", "socialtjänst", 36, 95, 110, 0.38, 0.70, "raw"),
]

OUTCOME = "registrerat våldsbrott eller återfall under uppföljningen"
FIELDS = ["study", "method", "year", "municipality", "design", "setting", "follow_up_months",
          "outcome", "ai", "n1i", "ci", "n2i", "yi", "sei", "comment"]


def _atomic_write(path: Path, rows: list[dict], fields: list[str]) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; sample data is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def evaluations(rng: np.random.Generator) -> list[dict]:
    rows = []
    for (study, method, year, place, design, setting, months, n1, n2, p0, rr, kind) in STUDIES:
        row = {"study": study, "method": method, "year": year, "municipality": place,
               "design": design, "setting": setting, "follow_up_months": months,
               "outcome": OUTCOME, "ai": "", "n1i": "", "ci": "", "n2i": "", "yi": "",
               "sei": "", "comment": ""}
        if kind == "raw":
            row["ai"] = int(rng.binomial(n1, p0 * rr))
            row["ci"] = int(rng.binomial(n2, p0))
            row["n1i"], row["n2i"] = n1, n2
        elif kind == "zero":
            # a small study in which nobody in the programme relapsed: a zero cell
            row["ai"], row["n1i"] = 0, n1
            row["ci"], row["n2i"] = int(rng.binomial(n2, p0)), n2
            row["comment"] = "ingen i programgruppen återföll"
        elif kind == "given":
            # a published trial reporting the log risk ratio and its standard error
            a = rng.binomial(n1, p0 * rr)
            c = rng.binomial(n2, p0)
            yi = math.log((a / n1) / (c / n2))
            sei = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
            row["yi"], row["sei"] = round(yi, 4), round(sei, 4)
            row["comment"] = "publicerad studie; log RR och SE enligt artikeln"
        else:
            # before/after without comparison group: the same group's risk before vs after,
            # entered as two "groups" as such reports usually do (weak design, SMS level 2)
            before = int(rng.binomial(n1, 0.45))
            after = int(rng.binomial(n1, 0.45 * 0.75))
            row["ai"], row["n1i"], row["ci"], row["n2i"] = after, n1, before, n1
            row["comment"] = "samma grupp före och efter insatsen; ingen jämförelsegrupp"
        rows.append(row)
    return rows


def local_before_after(rng: np.random.Generator) -> list[dict]:
    """One local dialogue series in Sjöviken: a survey before and after (index 1–5)."""
    n = 64
    pre = np.clip(rng.normal(2.6, 0.8, n), 1, 5)
    post = np.clip(pre - 0.25 + rng.normal(0, 0.55, n), 1, 5)
    r = float(np.corrcoef(pre, post)[0, 1])
    return [{
        "study": "Dialogserie i Sjöviken 2025", "method": "Dialogserie i Sjöviken",
        "year": 2025, "municipality": "Älvstads kommun", "design": "before_after",
        "setting": "förening", "outcome": "acceptans av våld (index 1–5, lägre är bättre)",
        "ni": n, "m_pre": round(float(pre.mean()), 3), "m_post": round(float(post.mean()), 3),
        "sd_pre": round(float(pre.std(ddof=1)), 3), "sd_post": round(float(post.std(ddof=1)), 3),
        "ri": round(r, 3),
        "comment": "enkät till deltagarna före första och efter sista träffen; 64 svarade båda gångerna",
    }]


def main() -> None:
    rng = np.random.default_rng(SEED)
    _atomic_write(HERE / "utvarderingar.csv", evaluations(rng), FIELDS)
    local = local_before_after(rng)
    _atomic_write(HERE / "dialogserie_sjoviken.csv", local, list(local[0].keys()))


if __name__ == "__main__":
    main()
