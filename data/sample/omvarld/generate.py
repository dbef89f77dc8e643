"""Generate the synthetic horizon-scanning sample (fictional places and organisations).

Run from the project root:  .venv/bin/python data/sample/omvarld/generate.py

Writes feeds (RSS 0.92, 1.0, 2.0, Atom; one in windows-1252; one broken), a folder of
documents (PDF, DOCX, HTML, TXT in cp1252, Markdown, one corrupt PDF), one web page and
``sources.yaml``. Everything is written by us, seeded and deterministic. About 20 items a
week over 18 weeks end on 2026-11-22; "Radikalisering online" rises in the last two weeks;
a quarter of the stories are carried by several sources with light edits.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
END = dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.timezone.utc)
WEEKS = 18
SEED = 20261122
ROOT_RELATIVE = "data/sample/omvarld"

PLACES = ["Älvstad", "Norrbacka", "Sjöviken", "Östra Hagen", "Centrum", "Björkdalen",
          "Västerhamn", "Granlunda", "Åsbro", "Lövnäs"]
MUNICIPALITIES = ["Älvstads kommun", "Norrbacka kommun", "Sjövikens kommun", "Granlunda kommun"]
ACTORS = ["socialtjänsten", "polisen", "skolan", "fritidsförvaltningen", "regionen",
          "kommunens säkerhetssamordnare", "ett studieförbund", "civilsamhället"]

# theme -> (title templates, sentence pool); {place}, {kommun}, {n}, {actor} are slots
THEMES: dict[str, tuple[list[str], list[str]]] = {
    "hogerextremism": (
        ["Flygblad från vit makt-miljön delades ut i {place}",
         "Högerextrema grupper försöker värva unga i {place}",
         "Ny rapport om nynazistisk propaganda i {kommun}",
         "Nordiska motståndsrörelsen höll möte nära {place}"],
        ["Enligt {actor} har högerextremistiska budskap synts på {n} platser under hösten.",
         "Propagandan riktar sig ofta till pojkar i högstadiet och sprids via klistermärken.",
         "Forskare beskriver hur den högerextrema miljön använder humor för att sänka trösklar.",
         "Kommunen har tagit bort symboler kopplade till vit makt-rörelsen från busskurer.",
         "Accelerationistiska idéer har enligt bedömare fått fäste i mindre nätverk.",
         "Rasideologisk musik används fortfarande som inkörsport till miljön."]),
    "vansterextremism": (
        ["Autonoma nätverk bakom skadegörelse i {place}",
         "Vänsterextrem miljö i fokus för ny kartläggning",
         "Militant aktivism mot byggprojekt i {kommun}"],
        ["{actor} beskriver en vänsterextremistisk miljö med ett tiotal aktiva personer.",
         "Hot mot enskilda tjänstepersoner har förekommit i samband med protesterna.",
         "Den autonoma miljön organiserar sig i slutna grupper och undviker öppna möten.",
         "Kartläggningen visar att miljön är liten men har en hög aktivitetsnivå lokalt.",
         "Flera händelser har polisanmälts som skadegörelse och olaga hot."]),
    "islamism": (
        ["Jihadistisk propaganda riktad till unga i {place}",
         "Ny lägesrapport om våldsbejakande islamism",
         "Insamling till terrororganisation stoppad i {kommun}"],
        ["Enligt {actor} sprids jihadistiskt material i slutna kanaler på nätet.",
         "Rapporten beskriver hur islamistiska nätverk använder religiösa argument för våld.",
         "Trossamfund i {place} har bjudits in till samtal om hur unga kan skyddas.",
         "Materialet glorifierar våld och uppmanar till resor till konfliktområden.",
         "Säkerhetspolisen bedömer att hotet från enskilda aktörer kvarstår."]),
    "kriminella_natverk": (
        ["Kriminella nätverk rekryterar allt yngre i {place}",
         "Skjutning i {place} kopplas till konflikt mellan gäng",
         "{kommun} satsar på insatser mot gängkriminalitet",
         "Våldsbrott på beställning oroar {actor}"],
        ["{actor} uppger att {n} unga har kontaktats av personer i kriminella nätverk.",
         "Rekryteringen sker ofta via sociala medier där uppdrag annonseras öppet.",
         "Sprängningen i trapphuset orsakade stora skador men ingen skadades.",
         "Polisen har infört visitationszoner i området under två veckor.",
         "Organiserad brottslighet tjänar pengar på välfärdsbrott och narkotikahandel.",
         "Föräldrar i {place} har startat nattvandringar efter händelserna."]),
    "avhoppare": (
        ["Fler söker stöd för att lämna våldsbejakande miljöer",
         "Avhopparverksamheten i {kommun} utvärderas",
         "Exitprogram ger resultat enligt ny studie"],
        ["Under året har {n} personer tagit kontakt med avhopparverksamheten.",
         "Stödet omfattar boende, sysselsättning och samtal med en kontaktperson.",
         "Utvärderingen visar att relationen till kontaktpersonen är avgörande för avhoppet.",
         "Flera avhoppare berättar att familjen var det viktigaste skälet att lämna.",
         "{actor} vill att avhoppare ska få stöd även efter att insatsen avslutats."]),
    "anhorigstod": (
        ["Anhöriga till radikaliserade får eget stöd i {place}",
         "Oroliga föräldrar kan nu ringa stödlinje",
         "Föräldrastöd när barnet dras in i extrema miljöer"],
        ["Stödlinjen för anhöriga har tagit emot {n} samtal sedan starten.",
         "Många föräldrar vet inte vart de ska vända sig när de ser oroande tecken.",
         "Anhörigstödet bygger på samtal i grupp och individuell rådgivning.",
         "{actor} betonar att familjen är en viktig skyddsfaktor.",
         "Syskon och mor- och farföräldrar söker också stöd i allt högre grad."]),
    "radikalisering_online": (
        ["Spelplattformar används för att sprida extrem propaganda",
         "Unga radikaliseras i chattgrupper på nätet",
         "Algoritmer leder unga till våldsbejakande innehåll",
         "Memes och kortvideor sänker tröskeln till extremism",
         "Radikalisering online ökar bland barn i {place}"],
        ["{actor} ser en ökning av ärenden där radikaliseringen skett på spelplattformar.",
         "Chattgrupperna kopplade till spelplattformarna samlar barn ner till tolv års ålder.",
         "Propagandan sprids som memes och korta videoklipp som delas vidare i chattgrupper.",
         "Rekommendationsalgoritmer förstärker flödet av extremt innehåll på sociala medier.",
         "Skolor i {place} har fått material om digital radikalisering och källkritik.",
         "Moderatorer på spelplattformarna hinner inte ta bort innehållet i tid."]),
    "hot_och_hat": (
        ["Hot och hat mot förtroendevalda ökar i {kommun}",
         "Förtroendevalda i {place} avstår från att debattera",
         "Näthat drabbar lokalpolitiker"],
        ["Var fjärde förtroendevald uppger att de utsatts för hot eller trakasserier.",
         "{actor} erbjuder stöd till politiker som utsatts för näthat.",
         "Flera ledamöter har valt att lämna sina uppdrag efter hot mot familjen.",
         "Hatbrott mot förtroendevalda polisanmäls sällan enligt undersökningen.",
         "Otillåten påverkan riskerar att urholka det lokala demokratiska samtalet."]),
    "demokratiframjande": (
        ["Demokrativeckan samlade {n} deltagare i {place}",
         "Nytt demokratifrämjande arbete i skolor",
         "Medborgardialog om trygghet i {place}"],
        ["Satsningen syftar till att stärka demokratisk delaktighet bland unga vuxna.",
         "Deltagarna diskuterade mänskliga rättigheter och yttrandefrihetens gränser.",
         "{actor} har tagit fram ett material om källkritik för gymnasiet.",
         "Medborgardialogen visade att många saknar mötesplatser i stadsdelen.",
         "Demokratiarbetet ska följas upp med en enkät till alla elever i årskurs nio."]),
    "ideburen_sektor": (
        ["Idéburet offentligt partnerskap tecknat i {kommun}",
         "Föreningar får stöd för förebyggande arbete",
         "Civilsamhället en nyckel i det förebyggande arbetet"],
        ["Partnerskapet med {n} föreningar gäller i tre år och omfattar fritidsverksamhet.",
         "Idéburna organisationer når grupper som kommunen har svårt att nå.",
         "Studieförbunden erbjuder cirklar om demokrati och samhällsfrågor.",
         "{actor} vill använda IOP som modell för fler insatser.",
         "Föreningslivet i {place} har fått ökade bidrag för kvällsöppen verksamhet."]),
    "skola_och_unga": (
        ["Elevhälsan i {place} utbildas om våldsbejakande extremism",
         "Fritidsgårdar håller öppet längre i {place}",
         "Lärare efterfrågar stöd i svåra samtal"],
        ["Rektorer vittnar om att elever allt oftare uttrycker extrema åsikter i klassrummet.",
         "Fritidsgårdarna i {place} har nu öppet till klockan tjugotre på fredagar.",
         "Utbildningen riktar sig till lärare, kuratorer och skolsköterskor.",
         "{actor} har tagit fram stödmaterial för samtal med ungdomar om våld.",
         "Många lärare känner sig osäkra på när de ska göra en orosanmälan."]),
    "samverkan_lagesbild": (
        ["Ny lokal lägesbild över våldsbejakande extremism i {kommun}",
         "Samverkansöverenskommelse mellan kommun och polis förnyad",
         "Samordnare för förebyggande arbete anställd i {kommun}"],
        ["Lägesbilden bygger på underlag från {n} verksamheter i kommunen.",
         "Samverkan mellan skola, socialtjänst och polis lyfts som den viktigaste framgångsfaktorn.",
         "Den nya handlingsplanen gäller till och med år tjugotrettio.",
         "{actor} ansvarar för att informationsdelningen sker enligt gällande regler.",
         "Kunskapshuset samordnar omvärldsbevakningen och sprider den till verksamheterna."]),
}
GENERIC = [
    "Arbetet följs upp under våren.",
    "Frågan ska diskuteras på nästa möte i kommunstyrelsen.",
    "Insatsen finansieras delvis med statliga medel.",
    "Representanter för {actor} deltog i mötet.",
    "Fler åtgärder planeras i {place} under nästa år.",
    "Det förebyggande arbetet behöver långsiktighet enligt flera bedömare.",
    "Resultaten presenteras i sin helhet i en rapport i december.",
    "Kommunen ser allvarligt på utvecklingen.",
]
DETAILS = [
    "Mötet i {place} hölls en {day} och samlade {n} personer från {actor}.",
    "Uppgifterna gäller {n} fall som {actor} känner till i {place} sedan {month}.",
    "I {place} har {actor} sedan {month} haft kontakt med {n} familjer.",
    "En talesperson för {actor} säger att läget i {place} har förändrats sedan {month}.",
    "Redan i {month} larmade {actor} om {n} händelser i {place}.",
    "Totalt {n} personer i {place} berörs enligt en sammanställning från {month}.",
]
DAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"]
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober"]
EDITS = [("enligt", "uppger"), ("ökning", "tydlig ökning"), ("unga", "ungdomar"),
         ("har", "har nu"), ("Flera", "Många"), ("visar", "pekar på")]

ENGLISH = {
    "radikalisering_online": (
        ["Gaming platforms exploited for extremist recruitment",
         "Online radicalisation of minors rises across Europe"],
        ["Researchers found extremist groups using gaming platforms and chat servers to reach minors.",
         "Memes and short videos lower the threshold to violent extremist content online.",
         "Platform moderators struggle to remove propaganda before it spreads."]),
    "hogerextremism": (
        ["Far-right extremism network mapped in new report",
         "Right-wing extremism and white supremacy music scenes"],
        ["The report describes how far-right extremism groups recruit through music and sports.",
         "White supremacy symbols are increasingly coded to avoid moderation."]),
    "avhoppare": (
        ["Exit programmes: what works in disengagement",
         "Evaluation of disengagement support published"],
        ["The evaluation concludes that trusted mentors are central to disengagement.",
         "Family support and housing were the most requested services."]),
    "samverkan_lagesbild": (
        ["Multi-agency cooperation key to prevention, study finds",
         "Local situational awareness tools compared"],
        ["Multi-agency cooperation between schools, police and social services reduced risk.",
         "Situational awareness improved when municipalities shared information regularly."]),
}

SOURCES = [
    # key, name, category, format, file
    ("plattform", "Kunskapsplattformen Trygg Demokrati", "myndighet", "rss20", "plattformen.xml"),
    ("tidning", "Älvstads Tidning", "media", "rss20", "alvstads_tidning.xml"),
    ("kuriren", "Norrbacka-Kuriren", "media", "atom", "norrbacka_kuriren.atom"),
    ("forskning", "Forskarnätverket Extremism och samhälle", "forskning", "rss10",
     "forskarnatverket.rdf"),
    ("kommun", "Älvstads kommun – nyheter", "kommun", "rss20-cp1252", "alvstads_kommun.xml"),
    ("civil", "Samverkansrådet för civilsamhället", "civilsamhälle", "rss092",
     "samverkansradet.xml"),
    ("europe", "European Prevention Forum (fiktivt)", "forskning", "atom", "prevention_forum.atom"),
]


def fill(template: str, rng: random.Random) -> str:
    return template.format(place=rng.choice(PLACES), kommun=rng.choice(MUNICIPALITIES),
                           n=rng.randint(3, 148), actor=rng.choice(ACTORS),
                           day=rng.choice(DAYS), month=rng.choice(MONTHS))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def theme_weights(week: int) -> dict[str, float]:
    weights = {key: 1.0 for key in THEMES}
    weights["kriminella_natverk"] = 1.6
    weights["samverkan_lagesbild"] = 1.3
    weights["vansterextremism"] = 0.5
    if week >= WEEKS - 2:  # the last two weeks
        weights["radikalisering_online"] = 10.0 if week == WEEKS - 1 else 5.0
    return weights


def make_stories(rng: random.Random) -> list[dict]:
    stories = []
    source_keys = [s[0] for s in SOURCES if s[0] != "europe"]
    for week in range(WEEKS):
        weights = theme_weights(week)
        keys = list(weights)
        for number in range(15):
            theme = rng.choices(keys, weights=[weights[k] for k in keys])[0]
            titles, pool = THEMES[theme]
            sentences = [capitalise(fill(s, rng)) for s in rng.sample(pool, 2)]
            sentences.insert(1, capitalise(fill(rng.choice(DETAILS), rng)))
            sentences.append(fill(rng.choice(GENERIC), rng))
            published = END - dt.timedelta(days=7 * (WEEKS - 1 - week) + rng.uniform(0, 6.9))
            carriers = rng.sample(source_keys, rng.choices([1, 2, 3, 4],
                                                           weights=[60, 20, 12, 8])[0])
            stories.append({"id": f"{week}-{number}", "theme": theme,
                            "title": capitalise(fill(rng.choice(titles), rng)),
                            "sentences": sentences, "published": published,
                            "carriers": carriers, "lang": "sv"})
        for number in range(2):
            theme = rng.choice(list(ENGLISH)) if week < WEEKS - 2 else "radikalisering_online"
            titles, pool = ENGLISH[theme]
            stories.append({"id": f"{week}-en{number}", "theme": theme,
                            "title": rng.choice(titles),
                            "sentences": rng.sample(pool, 2),
                            "published": END - dt.timedelta(days=7 * (WEEKS - 1 - week)
                                                            + rng.uniform(0, 6.9)),
                            "carriers": ["europe"], "lang": "en"})
    return stories


def edited(story: dict, carrier_index: int, rng: random.Random) -> tuple[str, str]:
    """A lightly edited version of a story for its second, third … source."""
    title, sentences = story["title"], list(story["sentences"])
    if carrier_index == 0:
        return title, " ".join(sentences)
    old, new = rng.choice(EDITS)
    sentences = [s.replace(f" {old} ", f" {new} ", 1) for s in sentences]
    if carrier_index >= 2:
        sentences = sentences[:-1] + ["Det uppger källor till redaktionen."]
    if rng.random() < 0.5:
        title = title.replace(" i ", " i centrala ", 1) if " i " in title else title + " – nu"
    return title, " ".join(sentences)


def slug(text: str) -> str:
    table = str.maketrans("åäöÅÄÖé", "aaoAAOe")
    return "-".join("".join(c for c in w if c.isalnum()) for w in text.translate(table).lower()
                    .split())[:60]


def write_feeds(stories: list[dict], rng: random.Random) -> int:
    entries: dict[str, list[dict]] = {s[0]: [] for s in SOURCES}
    for story in stories:
        for index, carrier in enumerate(story["carriers"]):
            title, body = edited(story, index, rng)
            shift = dt.timedelta(hours=rng.randint(0, 30) if index else 0)
            url = (f"https://{carrier}.example.se/nyheter/{story['published']:%Y/%m}/"
                   f"{slug(title)}-{story['id'].replace('-', '')}")
            if carrier != "forskning" and rng.random() < 0.3:
                url += "?utm_source=rss&utm_medium=feed"
            entries[carrier].append({"title": title, "body": body, "url": url,
                                     "published": story["published"] + shift,
                                     "theme": story["theme"]})
    hostile = {"title": "Varning för falska utskick <script>alert('xss')</script>",
               "body": 'Klicka inte på länkar i mejl. <img src="x" onerror="alert(1)">'
                       '<a href="javascript:alert(2)">Läs mer</a> <b>Var försiktig.</b>',
               "url": "javascript:alert(3)", "published": END - dt.timedelta(days=2),
               "theme": ""}
    entries["tidning"].append(hostile)
    feeds = HERE / "feeds"
    feeds.mkdir(exist_ok=True)
    total = 0
    for key, name, _, kind, filename in SOURCES:
        items = sorted(entries[key], key=lambda e: e["published"], reverse=True)
        total += len(items)
        writer = {"rss20": _rss20, "rss20-cp1252": _rss20, "atom": _atom, "rss10": _rss10,
                  "rss092": _rss092}[kind]
        text = writer(name, key, items)
        if kind == "rss20-cp1252":
            text = text.replace('encoding="utf-8"', 'encoding="windows-1252"')
            (feeds / filename).write_bytes(text.encode("cp1252"))
        else:
            (feeds / filename).write_text(text, encoding="utf-8")
    broken = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
              "<title>Länsstyrelsen i Norrbacka län (fiktiv)</title>\n<description>Ny "
              "vägledning om <b>samverkan</description\n<<< avbruten överföring \x01")
    (feeds / "lansstyrelsen_trasig.xml").write_text(broken, encoding="utf-8")
    return total


def _rss20(name: str, key: str, items: list[dict]) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
             f"<title>{escape(name)}</title><link>https://{key}.example.se/</link>",
             "<description>Nyheter (syntetiska exempeldata)</description><language>sv</language>"]
    for item in items:
        title = (f"<![CDATA[{item['title']}]]>" if "<" in item["title"]
                 else escape(item["title"]))
        parts.append(
            f"<item><title>{title}</title><link>{escape(item['url'])}</link>"
            f"<description>{escape(item['body'])}</description>"
            f"<pubDate>{format_datetime(item['published'])}</pubDate>"
            f"<guid isPermaLink=\"false\">{escape(item['url'])}</guid>"
            f"<category>{escape(item['theme'])}</category></item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def _rss092(name: str, key: str, items: list[dict]) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="0.92"><channel>',
             f"<title>{escape(name)}</title><link>https://{key}.example.se/</link>",
             "<description>Nyheter från civilsamhället (syntetiska)</description>"]
    for item in items:
        parts.append(f"<item><title>{escape(item['title'])}</title>"
                     f"<link>{escape(item['url'])}</link>"
                     f"<description>{escape(item['body'])}</description>"
                     f"<pubDate>{format_datetime(item['published'])}</pubDate></item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def _atom(name: str, key: str, items: list[dict]) -> str:
    updated = items[0]["published"].isoformat() if items else END.isoformat()
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"<title>{escape(name)}</title><id>https://{key}.example.se/</id>"
             f"<updated>{updated}</updated>"]
    for item in items:
        parts.append(
            f"<entry><title>{escape(item['title'])}</title>"
            f'<link href="{escape(item["url"])}"/><id>{escape(item["url"])}</id>'
            f"<updated>{item['published'].isoformat()}</updated>"
            f"<author><name>Redaktionen</name></author>"
            f'<summary type="text">{escape(item["body"])}</summary></entry>')
    parts.append("</feed>")
    return "\n".join(parts)


def _rss10(name: str, key: str, items: list[dict]) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
             f'<channel rdf:about="https://{key}.example.se/"><title>{escape(name)}</title>'
             f"<link>https://{key}.example.se/</link><description>Forskningsnyheter"
             "</description><items><rdf:Seq>"]
    parts += [f'<rdf:li rdf:resource="{escape(i["url"])}"/>' for i in items]
    parts.append("</rdf:Seq></items></channel>")
    for item in items:
        parts.append(
            f'<item rdf:about="{escape(item["url"])}"><title>{escape(item["title"])}</title>'
            f"<link>{escape(item['url'])}</link>"
            f"<description>{escape(item['body'])}</description>"
            f"<dc:date>{item['published'].isoformat()}</dc:date>"
            f"<dc:creator>Forskarnätverket</dc:creator></item>")
    parts.append("</rdf:RDF>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------
# documents

DOCUMENTS = [
    ("pdf", "lagesrapport_radikalisering_online.pdf",
     "Lägesrapport: radikalisering online bland barn och unga",
     ["Rapporten sammanfattar kunskapsläget om radikalisering online hösten 2026.",
      "Spelplattformar och chattgrupper används för att nå barn ner till tolv års ålder.",
      "Memes och kortvideor sänker tröskeln till våldsbejakande innehåll.",
      "Kunskapshuset rekommenderar att skolor arbetar med källkritik och digital delaktighet."],
     END - dt.timedelta(days=3)),
    ("docx", "pm_avhopparverksamhet.docx", "PM om avhopparverksamhetens första år",
     ["Avhopparverksamheten i Norrbacka kommun har tagit emot elva ärenden.",
      "Stödet till avhoppare omfattar boende, sysselsättning och samtal.",
      "Samverkan med polisen har fungerat väl enligt verksamhetens egen uppföljning."],
     END - dt.timedelta(days=40)),
    ("docx", "minnesanteckningar_samverkansgrupp.docx",
     "Minnesanteckningar från samverkansgruppen",
     ["Samverkansgruppen gick igenom den lokala lägesbilden för Östra Hagen.",
      "Polisen redogjorde för oro kring kriminella nätverk som rekryterar unga.",
      "Nästa möte ägnas åt handlingsplanen mot våldsbejakande extremism."],
     END - dt.timedelta(days=5)),
    ("html", "nyhetsbrev_oktober.html", "Nyhetsbrev från kunskapshuset, oktober",
     ["Under oktober har kunskapshuset utbildat personal på tre fritidsgårdar.",
      "Anhörigstödet har fått ett nytt telefonnummer och längre öppettider.",
      "Ett idéburet offentligt partnerskap med två föreningar har tecknats."],
     END - dt.timedelta(days=35)),
    ("txt", "anteckning_skolforum.txt", "Anteckning från skolforum i Sjöviken",
     ["Rektorer och elevhälsa träffades för att diskutera extrema åsikter i klassrummet.",
      "Lärare efterfrågar stöd i samtal om våld, hot och näthat.",
      "Fritidsgården i Sjöviken föreslås få utökade öppettider."],
     END - dt.timedelta(days=12)),
    ("md", "omvarldsspaning_demokrati.md", "Omvärldsspaning: demokratifrämjande arbete",
     ["Flera kommuner har startat demokrativeckor för unga vuxna.",
      "Medborgardialoger används för att fånga upp oro i stadsdelar.",
      "Källkritik och mänskliga rättigheter är återkommande teman i skolornas arbete."],
     END - dt.timedelta(days=20)),
    ("md", "seminarium_hot_och_hat.md", "Seminarium om hot och hat mot förtroendevalda",
     ["Seminariet samlade förtroendevalda från fyra kommuner.",
      "Var fjärde förtroendevald har utsatts för hot eller trakasserier det senaste året.",
      "Deltagarna efterfrågade tydligare rutiner för polisanmälan av hatbrott."],
     END - dt.timedelta(days=9)),
]


def _pdf_bytes(title: str, lines: list[str], created: dt.datetime) -> bytes:
    """A minimal valid PDF with Helvetica text in WinAnsi (cp1252) encoding."""
    def pdf_string(text: str) -> bytes:
        raw = text.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    stream = b"BT /F1 16 Tf 50 790 Td " + pdf_string(title) + b" Tj /F1 11 Tf"
    for line in lines:
        stream += b" 0 -22 Td " + pdf_string(line) + b" Tj"
    stream += b" ET"
    date = created.strftime("D:%Y%m%d%H%M%SZ").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 "
        b"4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title " + pdf_string(title) + b" /Author (Kunskapshuset) /CreationDate ("
        + date + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe5\xe4\xf6\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def _docx_bytes(title: str, lines: list[str], created: dt.datetime) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Kunskapshuset"
    document.core_properties.created = created.replace(tzinfo=None)
    document.core_properties.modified = created.replace(tzinfo=None)
    document.add_heading(title, level=1)
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    # rewrite the zip with fixed timestamps so the file is byte-for-byte reproducible
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            clone = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            clone.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(clone, source.read(info.filename))
    return fixed.getvalue()


def write_documents() -> int:
    folder = HERE / "dokument"
    folder.mkdir(exist_ok=True)
    for kind, filename, title, lines, created in DOCUMENTS:
        path = folder / filename
        if kind == "pdf":
            path.write_bytes(_pdf_bytes(title, lines, created))
        elif kind == "docx":
            path.write_bytes(_docx_bytes(title, lines, created))
        elif kind == "html":
            body = "".join(f"<p>{escape(line)}</p>" for line in lines)
            path.write_text(
                f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
                f"<title>{escape(title)}</title>"
                f'<meta name="date" content="{created:%Y-%m-%d}"></head><body><article>'
                f"<h1>{escape(title)}</h1>{body}</article></body></html>", encoding="utf-8")
        elif kind == "txt":  # Windows-1252, as saved by an older office program
            text = f"{title}\r\n\r\nDatum: {created:%Y-%m-%d}\r\n\r\n" + "\r\n".join(lines)
            text = f"---\r\ntitle: {title}\r\ndate: {created:%Y-%m-%d}\r\n---\r\n" + text
            path.write_bytes(text.replace("\r\n", "\n").encode("cp1252"))
        else:
            text = (f"---\ntitle: {title}\ndate: {created:%Y-%m-%d}\n---\n# {title}\n\n"
                    + "\n\n".join(lines) + "\n")
            path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # with a BOM
    (folder / "skadad_rapport.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n% avbruten fil\x00\x13")
    return len(DOCUMENTS)


def write_page() -> None:
    lines = ["Kunskapshuset i Älvstad publicerar en lägesbild varje kvartal.",
             "Den senaste lägesbilden visar en ökning av ärenden som rör radikalisering online "
             "och spelplattformar, medan ärenden om högerextremism ligger på samma nivå.",
             "Samverkan mellan skola, socialtjänst och polis har stärkts under hösten.",
             "Lägesbilden används som underlag för handlingsplanen och för "
             "omvärldsbevakningen."]
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    (HERE / "sida_lagesbild.html").write_text(
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        "<title>Lägesbild hösten 2026 – Kunskapshuset Älvstad</title>"
        f'<meta name="date" content="{(END - dt.timedelta(days=1)):%Y-%m-%d}">'
        '<link rel="canonical" href="https://kunskapshus.alvstad.example.se/lagesbild">'
        "</head><body><nav><a href='/'>Start</a> | <a href='/om'>Om oss</a></nav><main>"
        "<article><h1>Lägesbild hösten 2026</h1>" + body + "</article></main>"
        "<footer>Kunskapshuset Älvstad, Storgatan 1</footer></body></html>",
        encoding="utf-8")


def write_labelled(rng: random.Random) -> int:
    """Earlier items that a coordinator labelled by hand (one or two theme keys each)."""
    import csv

    rows = []
    keys = list(THEMES)
    for number in range(240):
        theme = keys[number % len(keys)]
        titles, pool = THEMES[theme]
        themes = [theme]
        sentences = [capitalise(fill(s, rng)) for s in rng.sample(pool, 2)]
        if rng.random() < 0.2:
            other = rng.choice([k for k in keys if k != theme])
            sentences.append(capitalise(fill(rng.choice(THEMES[other][1]), rng)))
            themes.append(other)
        sentences.append(fill(rng.choice(GENERIC), rng))
        rows.append({"title": capitalise(fill(rng.choice(titles), rng)),
                     "text": " ".join(sentences), "themes": ";".join(themes)})
    with open(HERE / "markta_poster.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["title", "text", "themes"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def write_sources() -> None:
    lines = ["# Källor för omvärldsbevakningens exempeldata (alla fiktiva).",
             "# kind: feed (RSS/Atom, adress eller fil), folder (mapp med dokument), "
             "page (webbsida)."]
    for key, name, category, _, filename in SOURCES:
        lines += [f"- name: {name}", "  kind: feed",
                  f"  location: {ROOT_RELATIVE}/feeds/{filename}", f"  category: {category}"]
    lines += ["- name: Länsstyrelsen i Norrbacka län (fiktiv)", "  kind: feed",
              f"  location: {ROOT_RELATIVE}/feeds/lansstyrelsen_trasig.xml",
              "  category: myndighet",
              "- name: Kunskapshusets dokument", "  kind: folder",
              f"  location: {ROOT_RELATIVE}/dokument", "  category: kommun",
              "- name: Kunskapshusets lägesbildssida", "  kind: page",
              f"  location: {ROOT_RELATIVE}/sida_lagesbild.html", "  category: kommun"]
    (HERE / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    stories = make_stories(rng)
    items = write_feeds(stories, rng)
    documents = write_documents()
    write_page()
    write_sources()
    write_labelled(random.Random(SEED + 1))
    print(f"{len(stories)} stories, {items} feed items, {documents} documents")


if __name__ == "__main__":
    main()
