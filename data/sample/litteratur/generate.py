"""Generate the synthetic literature exports in this folder (deterministic, seeded).

Fictional research on preventing violent extremism, in Swedish and English, exported as
if from three databases with cross-database duplicates:

- ``scopus.ris``        RIS export (Scopus-style tags, some TI/T1, AB/N2, PY/Y1 variants)
- ``webofscience.bib``  BibTeX export (Web of Science-style, LaTeX-encoded characters)
- ``diva.csv``          DiVA-style CSV (PID, Name, Title, Year, PublicationType, ...)
- ``screening_log.csv`` a partial screening log (decisions on some unique works)
- ``labelled.csv``      every unique work with its true relevance, for simulations

Everything here is invented: names, places, journals, DOIs (prefix 10.99999) and findings.
Run: ``python data/sample/litteratur/generate.py``
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261124

TOPICS = {
    "skola": {
        "sv": ("förebyggande arbete mot radikalisering i skolan", "skolpersonal",
               ["skola", "radikalisering", "lärare", "prevention"]),
        "en": ("school-based prevention of radicalisation", "school staff",
               ["school", "radicalisation", "teachers", "prevention"]),
    },
    "online": {
        "sv": ("radikalisering i sociala medier och spelmiljöer", "unga internetanvändare",
               ["sociala medier", "onlineradikalisering", "spel", "unga"]),
        "en": ("online radicalisation in social media and gaming spaces", "young internet users",
               ["social media", "online radicalisation", "gaming", "youth"]),
    },
    "exit": {
        "sv": ("avhopparverksamhet och stöd till personer som lämnar extremistmiljöer",
               "avhoppare", ["avhopp", "exit", "återanpassning", "stöd"]),
        "en": ("exit work and support for people leaving extremist milieus", "formers",
               ["disengagement", "exit programmes", "reintegration", "support"]),
    },
    "samverkan": {
        "sv": ("kommunal samverkan mot våldsbejakande extremism", "samordnare och socialtjänst",
               ["samverkan", "kommun", "socialtjänst", "våldsbejakande extremism"]),
        "en": ("multi-agency collaboration against violent extremism in municipalities",
               "coordinators and social services",
               ["multi-agency", "municipality", "social services", "violent extremism"]),
    },
    "familj": {
        "sv": ("stöd till anhöriga och föräldrar vid oro för radikalisering", "föräldrar",
               ["anhörigstöd", "föräldrar", "familj", "radikalisering"]),
        "en": ("support for families and parents concerned about radicalisation", "parents",
               ["family support", "parents", "family", "radicalisation"]),
    },
    "höger": {
        "sv": ("våldsbejakande högerextremism och dess nätverk", "aktivister",
               ["högerextremism", "nätverk", "propaganda", "våld"]),
        "en": ("violent right-wing extremism and its networks", "activists",
               ["right-wing extremism", "networks", "propaganda", "violence"]),
    },
    "islamism": {
        "sv": ("våldsbejakande islamism och rekrytering", "unga män",
               ["islamism", "rekrytering", "konfliktresenärer", "våld"]),
        "en": ("violent Islamism and recruitment", "young men",
               ["Islamism", "recruitment", "foreign fighters", "violence"]),
    },
    "gang": {
        "sv": ("ungdomsvåld, kriminella nätverk och gränsen mot extremism", "unga i riskzon",
               ["ungdomsvåld", "kriminella nätverk", "gäng", "risk"]),
        "en": ("youth violence, criminal networks and the boundary to extremism",
               "young people at risk",
               ["youth violence", "criminal networks", "gangs", "risk"]),
    },
    "tillit": {
        "sv": ("förtroende för polis och myndigheter i utsatta områden", "boende",
               ["förtroende", "polis", "utsatta områden", "legitimitet"]),
        "en": ("trust in police and public authorities in deprived neighbourhoods", "residents",
               ["trust", "police", "deprived areas", "legitimacy"]),
    },
}
RELEVANT_TOPICS = {"skola", "samverkan", "familj", "exit", "online"}

STUDY = {
    "utvardering": {
        "sv": ("en utvärdering av {ins}", "Syftet var att utvärdera effekterna av {ins}.",
               "utvärdering"),
        "en": ("an evaluation of {ins}", "The aim was to evaluate the effects of {ins}.",
               "evaluation"),
    },
    "fallstudie": {
        "sv": ("en fallstudie", "Syftet var att beskriva hur arbetet organiseras i praktiken.",
               "fallstudie"),
        "en": ("a case study", "The aim was to describe how the work is organised in practice.",
               "case study"),
    },
    "oversikt": {
        "sv": ("en systematisk översikt", "Syftet var att sammanställa forskningsläget.",
               "forskningsöversikt"),
        "en": ("a systematic review", "The aim was to synthesise the state of research.",
               "systematic review"),
    },
    "teori": {
        "sv": ("ett teoretiskt perspektiv", "Artikeln diskuterar begrepp och teoretiska "
               "utgångspunkter.", "teori"),
        "en": ("a theoretical perspective", "The article discusses concepts and theoretical "
               "starting points.", "theory"),
    },
}
INTERVENTIONS = {
    "sv": ["ett mentorsprogram", "en utbildning för lärare", "ett samtalsstöd för unga",
           "en lokal samverkansmodell", "ett föräldrastödsprogram", "ett dialogforum",
           "en digital uppsökande insats", "ett avhopparprogram"],
    "en": ["a mentoring programme", "a teacher training course", "a counselling service for "
           "young people", "a local collaboration model", "a parenting support programme",
           "a dialogue forum", "a digital outreach intervention", "an exit programme"],
}
METHODS = {
    "sv": ["Data samlades in genom intervjuer med {n} informanter.",
           "En enkät besvarades av {n} personer.",
           "Studien bygger på registerdata för {n} personer och en jämförelsegrupp.",
           "Ett kvasiexperimentellt upplägg med {n} deltagare användes."],
    "en": ["Data were collected through interviews with {n} informants.",
           "A survey was answered by {n} respondents.",
           "The study uses register data on {n} individuals and a comparison group.",
           "A quasi-experimental design with {n} participants was used."],
}
RESULTS = {
    "sv": ["Resultaten visar att {grp} upplevde ökad trygghet och bättre kontakt med vuxna.",
           "Resultaten tyder på små men positiva effekter, särskilt för {grp}.",
           "Resultaten visar brister i informationsdelning mellan aktörerna.",
           "Resultaten pekar på att {grp} sällan nås av befintliga insatser."],
    "en": ["The results show that {grp} reported greater safety and better contact with adults.",
           "The results suggest small but positive effects, especially for {grp}.",
           "The results show gaps in information sharing between the actors.",
           "The results indicate that {grp} are rarely reached by existing measures."],
}
CONCLUSIONS = {
    "sv": ["Studien diskuterar vad detta innebär för kommunernas förebyggande arbete.",
           "Fler studier med kontrollgrupp behövs.",
           "Slutsatsen är att långsiktig finansiering är avgörande."],
    "en": ["The study discusses the implications for local prevention work.",
           "More controlled studies are needed.",
           "The conclusion is that long-term funding is crucial."],
}
PLACES = ["Älvstads kommun", "Norrbacka kommun", "Bergsala kommun", "Granby kommun",
          "stadsdelen Östra Hagen", "Sjöviken", "Lövåsa", "Centrum i Älvstad"]
PLACES_EN = ["Älvstad municipality", "Norrbacka municipality", "Bergsala", "Granby",
             "the Östra Hagen district", "Sjöviken", "three Nordic cities", "Lövåsa"]
SURNAMES = ["Lindqvist", "Bergström", "Haddad", "Nyström", "Karlsson", "Öberg", "Ahmadi",
            "Sandberg", "Wikström", "Jönsson", "Ekdahl", "Mäkinen", "Holm", "Strand", "Larsen",
            "Åkesson", "Nilsson", "Rahimi", "Falk", "Dahlgren", "Sjöberg", "Hedlund"]
GIVEN = ["Maja", "Erik", "Leila", "Johan", "Sara", "Anders", "Fatima", "Karin", "Oskar",
         "Elin", "Mehmet", "Ingrid", "Jonas", "Amira", "Per", "Hanna", "Ali", "Sofia"]
JOURNALS_SV = ["Nordisk tidskrift för prevention", "Tidskrift för samhällsskydd och trygghet",
               "Socialvetenskaplig tidskrift för praktik"]
JOURNALS_EN = ["Scandinavian Journal of Violence Prevention", "Nordic Review of Extremism "
               "Research", "Journal of Local Prevention Practice",
               "International Journal of Radicalisation Studies"]
UNIVERSITIES = ["Älvstads universitet", "Norrbacka högskola"]
DIVA_TYPES = ["Artikel i tidskrift", "Rapport", "Doktorsavhandling, sammanläggning",
              "Kapitel i bok, del av antologi"]


def make_works(rng: random.Random, n: int = 260) -> list[dict]:
    works, titles = [], set()
    while len(works) < n:
        topic = rng.choice(list(TOPICS))
        study = rng.choices(list(STUDY), weights=[4, 3, 1.5, 1.5])[0]
        lang = "sv" if rng.random() < 0.45 else "en"
        phrase, group, keywords = TOPICS[topic][lang]
        ins = rng.choice(INTERVENTIONS[lang])
        place = rng.choice(PLACES if lang == "sv" else PLACES_EN)
        study_title, aim, study_kw = STUDY[study][lang]
        study_title = study_title.format(ins=ins)
        if lang == "sv":
            title = f"{phrase[0].upper()}{phrase[1:]}: {study_title} i {place}"
        else:
            title = f"{phrase[0].upper()}{phrase[1:]}: {study_title} from {place}"
        if title in titles:
            continue
        titles.add(title)
        sentences = [
            (f"Denna studie handlar om {phrase}." if lang == "sv"
             else f"This study concerns {phrase}."),
            aim.format(ins=ins),
            rng.choice(METHODS[lang]).format(n=rng.randint(12, 900)),
            rng.choice(RESULTS[lang]).format(grp=group),
            rng.choice(CONCLUSIONS[lang]),
        ]
        if study in ("oversikt", "teori"):
            del sentences[2]
        n_authors = rng.randint(1, 4)
        authors = [(rng.choice(SURNAMES), rng.choice(GIVEN)) for _ in range(n_authors)]
        year = rng.randint(2008, 2025)
        journal = rng.choice(JOURNALS_SV if lang == "sv" else JOURNALS_EN)
        works.append({
            "title": title, "abstract": " ".join(sentences), "authors": authors, "year": year,
            "journal": journal, "doi": (f"10.99999/prev.{year}.{len(works) + 1:04d}"
                                        if rng.random() < 0.75 else ""),
            "keywords": keywords[:rng.randint(2, 4)] + [study_kw], "language": lang,
            "relevant": int(topic in RELEVANT_TOPICS and study == "utvardering"),
            "work": len(works) + 1,
        })
    return works


def perturb(work: dict, rng: random.Random) -> dict:
    """A duplicate as another database would export it."""
    copy = dict(work)
    change = rng.choice(["case", "subtitle", "nodoi", "year", "punct", "initials", "none"])
    if change == "case":
        copy["title"] = work["title"].upper() if rng.random() < 0.3 else work["title"].lower()
    elif change == "subtitle" and ":" in work["title"]:
        copy["title"] = work["title"].split(":")[0]
    elif change == "nodoi":
        copy["doi"] = ""
    elif change == "year":
        copy["year"] = work["year"] + 1
    elif change == "punct":
        copy["title"] = work["title"].replace(":", " -").replace(",", "")
    elif change == "initials":
        copy["authors"] = [(s, g[0] + ".") for s, g in work["authors"]]
    copy["change"] = change
    return copy


def bib_escape(text: str) -> str:
    table = {"å": r"{\aa}", "Å": r"{\AA}", "ä": r"{\"a}", "Ä": r"{\"A}", "ö": r"{\"o}",
             "Ö": r"{\"O}", "é": r"{\'e}", "&": r"\&", "%": r"\%"}
    return "".join(table.get(ch, ch) for ch in text)


def write_ris(path: Path, works: list[dict], rng: random.Random) -> None:
    lines = []
    for position, work in enumerate(works):
        title_tag = "TI" if position % 3 else "T1"
        abstract_tag = "AB" if position % 4 else "N2"
        year_tag = "PY" if position % 5 else "Y1"
        lines.append("TY  - JOUR")
        lines.append(f"{title_tag}  - {work['title']}")
        for surname, given in work["authors"]:
            lines.append(f"AU  - {surname}, {given}")
        year_value = work["year"] if year_tag == "PY" else f"{work['year']}///"
        lines.append(f"{year_tag}  - {year_value}")
        lines.append(f"T2  - {work['journal']}")
        lines.append(f"{abstract_tag}  - {work['abstract']}")
        for keyword in work["keywords"]:
            lines.append(f"KW  - {keyword}")
        if work["doi"]:
            lines.append(f"DO  - {work['doi']}")
        lines.append(f"LA  - {'Swedish' if work['language'] == 'sv' else 'English'}")
        lines.append("DB  - Scopus")
        lines.append(f"AN  - 2-s2.0-85{work['work']:08d}")
        lines.append("ER  - ")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def write_bib(path: Path, works: list[dict]) -> None:
    parts = []
    for work in works:
        surname = work["authors"][0][0].translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
        key = f"{surname}{work['year']}w{work['work']}"
        authors = " and ".join(f"{s}, {g}" for s, g in work["authors"])
        fields = [
            ("author", authors), ("title", work["title"]), ("journal", work["journal"]),
            ("year", str(work["year"])), ("abstract", work["abstract"]),
            ("keywords", "; ".join(work["keywords"])),
            ("language", "Swedish" if work["language"] == "sv" else "English"),
            ("unique-id", f"WOS:000{work['work']:09d}"),
        ]
        if work["doi"]:
            fields.append(("doi", work["doi"]))
        body = ",\n".join(f"  {name} = {{{bib_escape(value)}}}" for name, value in fields)
        parts.append(f"@article{{{key},\n{body}\n}}\n")
    path.write_text("\n".join(parts), encoding="utf-8")


# Records that show what de-duplication keeps apart: a conference abstract of work 8 (the
# journal article is in scopus.ris) and two reports of a monthly series whose titles differ
# only in the month. Their PIDs (1600901–1600903) are works of their own.
DIVA_EXTRAS = [
    ["diva2:1600901", "Dahlgren, Elin (Älvstads universitet);Ahmadi, Leila (Norrbacka högskola)",
     "Exit work and support for people leaving extremist milieus: an evaluation of a local "
     "collaboration model from Älvstad municipality", "2015", "Konferensbidrag",
     "Nordisk konferens om våldsförebyggande arbete", "",
     "Abstract of a conference presentation on exit work in Älvstad municipality.",
     "exit work;conference", "eng", ""],
    ["diva2:1600902", "Holm, Anders (Älvstads universitet)",
     "Lägesbild över våldsbejakande extremism i Älvstad: januari 2024", "2024", "Rapport",
     "Älvstads kommuns rapportserie", "", "Månatlig lägesbild för januari.",
     "lägesbild;våldsbejakande extremism", "swe", "Älvstads kommun"],
    ["diva2:1600903", "Holm, Anders (Älvstads universitet)",
     "Lägesbild över våldsbejakande extremism i Älvstad: februari 2024", "2024", "Rapport",
     "Älvstads kommuns rapportserie", "", "Månatlig lägesbild för februari.",
     "lägesbild;våldsbejakande extremism", "swe", "Älvstads kommun"],
]


def write_diva(path: Path, works: list[dict], rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["PID", "Name", "Title", "Year", "PublicationType", "Journal", "DOI",
                         "Abstract", "Keywords", "Language", "Publisher"])
        for work in works:
            names = ";".join(f"{s}, {g} ({rng.choice(UNIVERSITIES)})"
                             for s, g in work["authors"])
            writer.writerow([
                f"diva2:{1600000 + work['work']}", names, work["title"], work["year"],
                rng.choice(DIVA_TYPES), work["journal"], work["doi"], work["abstract"],
                ";".join(work["keywords"]), "swe" if work["language"] == "sv" else "eng", "",
            ])
        writer.writerows(DIVA_EXTRAS)


def main() -> None:
    rng = random.Random(SEED)
    works = make_works(rng)
    order = list(range(len(works)))
    rng.shuffle(order)
    # each work goes to one "home" database, ~45 % also appear in a second or third one
    ris, bib, diva = [], [], []
    homes = [ris, bib, diva]
    for index in order:
        work = works[index]
        home = rng.randrange(3)
        homes[home].append(work)
        for other in range(3):
            if other != home and rng.random() < 0.22:
                homes[other].append(perturb(work, rng))
    write_ris(HERE / "scopus.ris", ris, rng)
    write_bib(HERE / "webofscience.bib", bib)
    write_diva(HERE / "diva.csv", diva, rng)
    # labelled unique works (for simulation examples)
    with (HERE / "labelled.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["work", "title", "abstract", "included"])
        for work in works:
            writer.writerow([work["work"], work["title"], work["abstract"], work["relevant"]])
    # a partial screening log: 50 decisions on DiVA records, by two reviewers
    log_rows = []
    chosen = rng.sample(diva, 50)
    for position, work in enumerate(chosen):
        decision = "include" if work["relevant"] else "exclude"
        if rng.random() < 0.06:
            decision = "unsure"
        log_rows.append([f"diva:diva2:{1600000 + work['work']}", decision,
                         f"2026-11-{10 + position // 10:02d}T09:{position:02d}:00+00:00",
                         "ML" if position % 2 else "EB"])
    with (HERE / "screening_log.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["record_id", "decision", "time", "reviewer"])
        writer.writerows(log_rows)


if __name__ == "__main__":
    main()
