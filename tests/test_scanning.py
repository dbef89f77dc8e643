"""Horizon scanning: themes (Swedish inflections, compounds), dedup, emerging detection,
tables, and the notebook end to end (twice)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from research import scanning
from research.errors import ConfigError, ParameterError

PROJECT = Path(__file__).resolve().parents[1]
SHARED_KEYS = {
    "extremism_terrorism": "Terrorism och våldsbejakande extremism",
    "hogerextremism": "Våldsbejakande högerextremism",
    "vansterextremism": "Våldsbejakande vänsterextremism",
    "islamism": "Våldsbejakande islamism",
    "kriminella_natverk": "Kriminella nätverk",
    "avhoppare": "Avhoppare och avhopparverksamhet",
    "anhorigstod": "Anhörigstöd",
    "radikalisering_online": "Radikalisering online",
    "hot_och_hat": "Hot och hat mot förtroendevalda",
    "rasism_hatbrott": "Rasism, antisemitism och hatbrott",
    "demokratiframjande": "Demokratifrämjande arbete",
    "ideburen_sektor": "Idéburen sektor och IOP",
    "skola_och_unga": "Skola och unga",
    "samverkan_lagesbild": "Samverkan och lägesbild",
}


def taxonomy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_taxonomy(tmp_path: Path) -> scanning.Taxonomy:
    return scanning.load_taxonomy(taxonomy_file(tmp_path, """
themes:
  extremism:
    label: Extremism
    terms: [extremism, miljö, vit makt]
  avhopp:
    label: Avhopp
    terms: [avhoppare]
  skola:
    label: Skola
    terms: [skola, school]
"""))


# -- taxonomy and themes ------------------------------------------------------------------


def test_default_taxonomy_uses_the_shared_theme_keys() -> None:
    taxonomy = scanning.load_taxonomy()
    assert {k: t.label for k, t in taxonomy.themes.items()} == SHARED_KEYS
    assert all(len(t.terms) >= 3 for t in taxonomy.themes.values())


def test_word_families_and_islamic_vs_islamist() -> None:
    assert scanning.word_key("extremister") == scanning.word_key("extremism")
    assert scanning.word_key("extremistiska") == "extremism"
    assert scanning.word_key("islamistiska") == "islamism"
    assert scanning.word_key("islamisk") != "islamism"


def test_split_compound() -> None:
    assert scanning.split_compound("extremistmiljöerna", {"extremism", "miljö"}) == \
        ["extremism", "miljö"]
    assert scanning.split_compound("radikaliseringsprocessen", {"radikalisering"}) == \
        ["radikalisering"]
    assert scanning.split_compound("skolledningen", {"skola"}) == ["skola"]
    assert scanning.split_compound("hotell", {"hot"}) == []
    # a definite ending after a doubled final consonant: program|met, not "programm"
    assert scanning.split_compound("exitprogrammet", {"exitprogram"}) == ["exitprogram"]
    assert scanning.split_compound("stödgruppen", {"stödgrupp"}) == ["stödgrupp"]


@pytest.mark.parametrize(
    ("text", "themes"),
    [("Extremistmiljöerna växer i Sjöviken", ["extremism"]),
     ("Flera extremister greps", ["extremism"]),
     ("Högerextremismen och miljöerna kring den", ["extremism"]),
     ("Avhopparna berättade om sina liv", ["avhopp"]),
     ("Skolorna i Östra Hagen och skolledningen", ["skola"]),
     ("Vit makt-musik spreds på fritidsgården", ["extremism"]),
     ("The school board met on Monday", ["skola"]),
     ("Vit mat och makt", []),
     ("Hotell och restauranger i Centrum", [])],
)
def test_themes_with_inflections_and_compounds(small_taxonomy: scanning.Taxonomy, text: str,
                                               themes: list[str]) -> None:
    frame = scanning.match_themes(scanning.build_corpus([text]), small_taxonomy)
    assert frame.loc[0, "themes"] == themes


def test_theme_evidence_lists_matched_terms(small_taxonomy: scanning.Taxonomy) -> None:
    frame = scanning.match_themes(
        scanning.build_corpus(["Extremistmiljöerna och vit makt-rörelsen", "", "Avhoppare"]),
        small_taxonomy)
    # one word is one piece of evidence, even when it matches two terms of the theme
    assert frame.loc[0, "evidence"] == {"extremism": ["extremism", "vit makt"]}
    assert frame.loc[1, "themes"] == [] and frame.loc[2, "avhopp"]
    assert scanning.format_evidence(frame.loc[0, "evidence"], small_taxonomy) == \
        "Extremism: extremism, vit makt"


def test_default_taxonomy_on_swedish_news() -> None:
    taxonomy = scanning.load_taxonomy()
    texts = ["Högerextremistiska grupper värvar på spelplattformar",
             "Avhopparverksamheten i Norrbacka utvärderas",
             "Hot mot förtroendevalda ökar i kommunen",
             "Idéburet offentligt partnerskap tecknat med föreningar"]
    frame = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
    assert frame.loc[0, "themes"] == ["hogerextremism", "radikalisering_online"]
    assert frame.loc[1, "themes"] == ["avhoppare"]
    assert "hot_och_hat" in frame.loc[2, "themes"]
    assert frame.loc[3, "themes"] == ["ideburen_sektor"]


@pytest.mark.parametrize(
    ("text", "themes"),
    [("Unga i Sjöviken fick en ny mötesplats", []),
     ("Fältassistenterna mötte unga på fritidsgården efter skjutningen",
      ["kriminella_natverk", "skola_och_unga"]),
     ("Skolan bygger ny idrottshall och eleverna får nya skåp", []),
     ("Eleverna på skolan fick lära sig om terrorism", ["extremism_terrorism",
                                                         "skola_och_unga"]),
     ("Oroliga anhöriga till personer i våldsbejakande extremism kan ringa", ["anhorigstod"]),
     ("Center mot våldsbejakande extremism öppnar en stödtelefon", ["extremism_terrorism"]),
     ("Samverkan kring lägesbilden om gängkriminaliteten förbättras",
      ["kriminella_natverk", "samverkan_lagesbild"]),
     ("Bättre samverkan i kommunen", []),
     ("Lägesbild: elpriset stiger", []),
     ("Hotet mot klimatet växer", []),
     ("Nytt fibernätverk i kommunen", []),
     ("Anhörigstöd till demenssjuka", []),
     ("Kommunalrådet fick hotfulla mejl", ["hot_och_hat"]),
     ("Säkerhetspolisen har beslutat om höjd terrorhotnivå", ["extremism_terrorism"]),
     ("Möte om kommande strategi mot våldsbejakande extremism och terrorism",
      ["extremism_terrorism"]),
     ("Samtliga turer inställda och statliga vägar stängda", []),
     ("Ni ska komma till mötet", [])],
)
def test_themes_need_strong_evidence_and_context(text: str, themes: list[str]) -> None:
    frame = scanning.match_themes(scanning.build_corpus([text]), scanning.load_taxonomy())
    assert frame.loc[0, "themes"] == themes


@pytest.mark.parametrize(
    ("text", "message"),
    [("themes: [a, b", "not valid YAML"),
     ("something: else", "no 'themes'"),
     ("themes:\n  skola:\n    label: Skola\n", "needs a 'label'"),
     ("themes:\n  Skola Unga:\n    label: S\n    terms: [skola]\n", "lower-case ASCII")],
)
def test_bad_taxonomy(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        scanning.load_taxonomy(taxonomy_file(tmp_path, text))
    with pytest.raises(ConfigError, match="not found"):
        scanning.load_taxonomy(tmp_path / "saknas.yaml")


# -- near duplicates ----------------------------------------------------------------------


STORY = ("Polisen i Älvstad varnar för att kriminella nätverk rekryterar allt yngre barn via "
         "sociala medier enligt en ny rapport från kommunens samordnare som presenterades i går")
EDITED = ("Polisen i Älvstad varnar nu för att kriminella nätverk rekryterar allt yngre barn via "
          "sociala medier, enligt en ny rapport från kommunens samordnare som presenterades i går.")
OTHER = ("Demokrativeckan i Norrbacka samlade fler deltagare än väntat och föreningslivet "
         "ordnade samtal om yttrandefrihet och källkritik för unga vuxna i stadsdelen")


def shingles(text: str, k: int = 2) -> set[str]:
    words = scanning.tokens(text)
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def test_minhash_estimate_matches_exact_and_datasketch() -> None:
    from datasketch import MinHash

    texts = [STORY, EDITED, OTHER, STORY + " " + OTHER]
    corpus = scanning.build_corpus(texts)
    signature = scanning.minhash_signatures(corpus, num_perm=256)
    for first, second in [(0, 1), (0, 2), (0, 3)]:
        a, b = shingles(texts[first]), shingles(texts[second])
        exact = len(a & b) / len(a | b)
        ours = scanning.estimated_jaccard(signature, np.array([first]), np.array([second]))[0]
        reference = [MinHash(num_perm=256, seed=3) for _ in range(2)]
        reference[0].update_batch([s.encode() for s in a])
        reference[1].update_batch([s.encode() for s in b])
        assert abs(ours - exact) < 0.12
        assert abs(ours - reference[0].jaccard(reference[1])) < 0.15


def test_group_stories_joins_edited_copies_only() -> None:
    texts = [STORY, OTHER, EDITED, "", "", STORY.replace("Älvstad", "Sjöviken")]
    groups = scanning.group_stories(scanning.build_corpus(texts))
    assert groups[0] == groups[2] == groups[5]
    assert groups[1] != groups[0]
    assert len({groups[3], groups[4], groups[0], groups[1]}) == 4  # empty texts stay alone


def test_group_stories_respects_time_gap() -> None:
    dates = pd.Series(pd.to_datetime(["2026-11-01", "2026-11-03", "2026-06-01"], utc=True))
    groups = scanning.group_stories(scanning.build_corpus([STORY, EDITED, STORY]), dates=dates)
    assert groups[0] == groups[1] != groups[2]


def test_story_table_counts_sources() -> None:
    items = pd.DataFrame({
        "item_id": ["a", "b", "c", "d"], "title": ["T1", "T1b", "T1c", "T2"],
        "source": ["A", "B", "B", "A"], "url": ["https://a/1", None, "", None],
        "date": pd.to_datetime(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-02"], utc=True),
        "story_id": ["s-a", "s-a", "s-a", "s-d"]})
    table = scanning.story_table(items)
    assert table.to_dict("records") == [{
        "story_id": "s-a", "title": "T1", "sources": 2, "items": 3, "source_names": "A, B",
        "first_published": "2026-11-01", "last_published": "2026-11-03", "url": "https://a/1",
        "current": False}]
    items["in_period"] = [False, False, True, False]
    assert bool(scanning.story_table(items).loc[0, "current"])


# -- emerging -----------------------------------------------------------------------------


def test_log_likelihood_matches_scipy() -> None:
    for a, n1, b, n2 in [(12, 30, 20, 300), (0, 25, 40, 300), (5, 40, 40, 320), (3, 3, 1, 9)]:
        g2, p = scanning.log_likelihood(np.array([a]), n1, np.array([b]), n2)
        reference = chi2_contingency([[a, n1 - a], [b, n2 - b]], correction=False,
                                     lambda_="log-likelihood")
        assert g2[0] == pytest.approx(reference.statistic, rel=1e-9, abs=1e-9)
        assert p[0] == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


def synthetic_series(rise: bool, *, volume_factor: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """13 weeks of items: theme 'flat' at 20 %, theme 'rising' at 10 % then 50 % (if rise)."""
    rng = np.random.default_rng(4)
    rows, dates = [], []
    end = pd.Timestamp("2026-11-22", tz="UTC")
    for week in range(13):
        count = 30 * (volume_factor if week == 12 else 1)
        for _ in range(count):
            share = 0.5 if (rise and week == 12) else 0.1
            rows.append({"flat": rng.random() < 0.2, "rising": rng.random() < share})
            dates.append(end - pd.Timedelta(days=7 * (12 - week)) - pd.Timedelta(
                hours=float(rng.uniform(0, 160))))
    return pd.DataFrame(rows), pd.Series(dates)


@pytest.fixture
def two_themes(tmp_path: Path) -> scanning.Taxonomy:
    return scanning.load_taxonomy(taxonomy_file(tmp_path, """
themes:
  flat: {label: Jämnt, terms: [jämn]}
  rising: {label: Ökande, terms: [ökning]}
"""))


def test_theme_trends_find_a_known_rise(two_themes: scanning.Taxonomy) -> None:
    themes, dates = synthetic_series(rise=True)
    window = scanning.Window.make("2026-11-22", 7, 84)
    table = scanning.theme_trends(themes, dates, window, two_themes).set_index("theme")
    assert bool(table.loc["rising", "rising"]) and not bool(table.loc["flat", "rising"])
    assert table.loc["rising", "current"] >= 10
    assert table.loc["rising", "change"] > 3
    assert table.loc["rising", "significance"] < 0.001


def test_theme_trends_no_rise_and_more_volume(two_themes: scanning.Taxonomy) -> None:
    window = scanning.Window.make("2026-11-22", 7, 84)
    for volume in (1, 4):  # four times the items in the last week: shares unchanged
        themes, dates = synthetic_series(rise=False, volume_factor=volume)
        table = scanning.theme_trends(themes, dates, window, two_themes)
        assert not table["rising"].any()


def test_emerging_terms_on_a_known_rise() -> None:
    base = ["Kommunen informerar om samverkan och trygghet i stadsdelen"] * 120
    current = ["Chattgrupper på spelplattformar oroar föräldrarna i stadsdelen"] * 12 + \
              ["Kommunen informerar om samverkan och trygghet i stadsdelen"] * 18
    end = pd.Timestamp("2026-11-22 12:00", tz="UTC")
    dates = pd.Series([end - pd.Timedelta(days=8 + (i % 80)) for i in range(120)]
                      + [end - pd.Timedelta(hours=i) for i in range(30)])
    table = scanning.emerging_terms(scanning.build_corpus(base + current), dates,
                                    scanning.Window.make("2026-11-22", 7, 84))
    assert set(table["term"]) >= {"chattgrupp", "spelplattform"} or \
        {"chattgrupper", "spelplattformar"} & set(table["term"])
    assert "kommun" not in set(table["term"]) and "stadsdel" not in set(table["term"])


def test_window_validation() -> None:
    window = scanning.Window.make("2026-11-22", 7, 84)
    assert window.start == pd.Timestamp("2026-11-16", tz="UTC")
    assert window.baseline_start == pd.Timestamp("2026-08-24", tz="UTC")
    assert scanning.Window.make("", 7, 84).as_of == dt.date.today()
    with pytest.raises(ParameterError, match="as_of"):
        scanning.Window.make("22/11/2026")
    with pytest.raises(ParameterError, match="period_days"):
        scanning.Window.make("2026-11-22", 0, 84)
    with pytest.raises(ParameterError, match="baseline_days"):
        scanning.Window.make("2026-11-22", 14, 7)


# -- the whole scan -----------------------------------------------------------------------


FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<link>https://t.example.se/</link>{items}</channel></rss>"""
ITEM = ("<item><title>{title}</title><link>https://t.example.se/{n}</link><description>{text}"
        "</description><pubDate>{date}</pubDate></item>")


def write_sources(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    from email.utils import format_datetime

    body = "".join(ITEM.format(title=t, text=x, n=n, date=format_datetime(
        dt.datetime.fromisoformat(d).replace(tzinfo=dt.timezone.utc)))
        for n, (t, x, d) in enumerate(rows))
    (tmp_path / "feed.xml").write_text(FEED.format(items=body), encoding="utf-8")
    (tmp_path / "broken.xml").write_text("<rss><chan", encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(f"- name: Tidning\n  kind: feed\n  location: {tmp_path / 'feed.xml'}\n"
                    f"- name: Trasig\n  kind: feed\n  location: {tmp_path / 'broken.xml'}\n",
                    encoding="utf-8")
    return path


def test_run_scan_twice_reports_nothing_new(tmp_path: Path) -> None:
    rows = [(f"Nyhet {i} om avhoppare", f"Avhopparverksamheten i Älvstad del {i}",
             f"2026-11-{1 + i % 20:02d}T10:00:00") for i in range(20)]
    sources = write_sources(tmp_path, rows)
    first = scanning.analyse(sources, tmp_path / "a.sqlite", as_of="2026-11-22")
    assert first.first_run and first.run.previous_run_id is None
    assert len(first.new_items) == sum(1 for r in rows if r[2] >= "2026-11-16")
    assert list(first.new_items.columns[:7]) == ["item_id", "title", "source", "published",
                                                 "url", "themes", "story_id"]
    assert list(scanning.themes_csv(first.themes).columns[:5]) == \
        ["theme", "current", "baseline", "change", "significance"]
    statuses = first.sources.set_index("source")["status"].to_dict()
    assert statuses == {"Tidning": "ok", "Trasig": "error"}
    second = scanning.analyse(sources, tmp_path / "a.sqlite", as_of="2026-11-22")
    assert second.new_items.empty and not second.first_run
    findings, figures = second.findings(), second.key_figures()
    assert findings[0] == "Inga nya poster sedan förra briefingen."
    assert figures["Källor med fel"] == 1
    from matplotlib.figure import Figure

    from research.report import get_alt

    for figure in (second.rising_themes_figure(), second.theme_overview_figure()):
        assert isinstance(figure, Figure) and "poster" in get_alt(figure)
    notes = second.method_notes()
    assert "körning nummer 2" in notes[0] and "handmärkta" not in notes[0]
    assert "märkts för hand" in notes[1] and "inte hade sett den" in notes[1]
    # a taxonomy of one's own is measured too, without the claim made for the shipped one
    own = tmp_path / "egen.yaml"
    own.write_text("themes:\n  avhoppare:\n    label: Avhoppare\n    terms: [avhoppare]\n",
                   encoding="utf-8")
    custom = scanning.analyse(sources, tmp_path / "a.sqlite", as_of="2026-11-22",
                              taxonomy=own)
    note = custom.method_notes()[1]
    assert "egen taxonomi" in note and "inte hade sett den" not in note
    quality = second.theme_quality()
    assert list(quality["Tema"]) == [second.taxonomy.label(k) for k in second.taxonomy.keys]
    # measured on the fresh held-out batch (its hand labels, read apart from the matcher)
    labelled = pd.read_csv(PROJECT / scanning.DEV_CORPUS, keep_default_na=False)
    fresh = labelled[labelled["split"] == scanning.validation.HELD_OUT]
    assert quality["Märkta texter"].sum() == sum(len([k for k in v.split(";") if k])
                                                 for v in fresh["themes"])
    assert quality["Andel av orelaterade texter (%)"].between(0, 100).all()
    by_theme = second.new_items_by_theme()
    assert "Belägg" in by_theme.columns


def test_run_scan_bad_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        scanning.analyse(tmp_path / "saknas.yaml", tmp_path / "a.sqlite")


@pytest.mark.e2e
def test_notebook_end_to_end_twice(tmp_path: Path, isolated_reports: Path) -> None:
    """Two runs of the declared default set: the second reports nothing new. A draft
    (``-p`` override) after them works on a private copy: it says so, and the shared
    archive is unchanged."""
    from research import runs

    archive = isolated_reports / "archive" / "omvarld.sqlite"  # the default set's archive
    parameters = [PROJECT / "parameters" / "omvarldsbevakning" / "default.yaml"]
    first = runs.run_notebook("notebooks/omvarldsbevakning.ipynb", parameters, publish=False)
    assert first.status == "succeeded", first.error
    assert first.manifest["parameter_set"] == "default" and archive.is_file()
    tables = Path(first.run_dir) / "tables"
    new_items = pd.read_csv(tables / "new_items.csv")
    themes = pd.read_csv(tables / "themes.csv")
    sources = pd.read_csv(tables / "sources.csv")
    assert len(new_items) > 10
    assert set(SHARED_KEYS) == set(themes["theme"])
    assert bool(themes.set_index("theme").loc["radikalisering_online", "significance"] < 0.004)
    assert "error" in set(sources["status"])
    assert len(pd.read_csv(tables / "emerging_terms.csv")) > 0
    briefing = (Path(first.run_dir) / "briefing.html").read_text(encoding="utf-8")
    assert "alert(" not in briefing and "javascript:" not in briefing
    assert "Radikalisering online" in briefing and "Utkast:" not in briefing
    from browser import axe_violations, chromium_path, external_requests, open_page

    if chromium_path():  # the hostile feed item must not run script; axe finds nothing
        url = (Path(first.run_dir) / "briefing.html").resolve().as_uri()
        with open_page(url) as (page, requests, dialogs):
            assert external_requests(requests, url) == [] and dialogs == []
            assert axe_violations(page) == []
    second = runs.run_notebook("notebooks/omvarldsbevakning.ipynb", parameters, publish=False)
    assert second.status == "succeeded", second.error
    assert pd.read_csv(Path(second.run_dir) / "tables" / "new_items.csv").empty
    assert "Inga nya poster sedan förra briefingen" in \
        (Path(second.run_dir) / "briefing.html").read_text(encoding="utf-8")
    shared = archive.read_bytes()
    draft = runs.run_notebook("notebooks/omvarldsbevakning.ipynb", parameters,
                              overrides={"title": "Prov"}, publish=False)
    assert draft.status == "succeeded", draft.error
    assert draft.manifest["parameter_set"] is None
    assert "Utkast:" in (Path(draft.run_dir) / "briefing.html").read_text(encoding="utf-8")
    assert archive.read_bytes() == shared


# -- optional classifier ------------------------------------------------------------------


def labelled_csv(tmp_path: Path, rows: list[tuple[str, str, str]], encoding: str = "utf-8",
                 header: str = "title,text,themes") -> Path:
    path = tmp_path / "labels.csv"
    lines = [header] + [f'"{t}","{x}","{k}"' for t, x, k in rows]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def classifier_rows() -> list[tuple[str, str, str]]:
    rows = []
    for i in range(15):
        rows.append((f"Avhopp {i}", f"Avhopparen lämnade miljön med stöd nummer {i}", "avhopp"))
        rows.append((f"Skolan {i}", f"Eleverna på skolan i Sjöviken klass {i}", "skola"))
        rows.append((f"Båda {i}", f"Avhopparen besökte skolan och eleverna {i}", "avhopp;skola"))
    return rows


def test_read_labelled_items_cp1252_and_errors(tmp_path: Path,
                                               small_taxonomy: scanning.Taxonomy) -> None:
    path = labelled_csv(tmp_path, [("Föräldrar i Åsbro", "Stöd", "avhopp; skola")], "cp1252")
    frame = scanning.read_labelled_items(path, small_taxonomy)
    assert frame.loc[0, "text"] == "Föräldrar i Åsbro. Stöd"
    assert frame.loc[0, "themes"] == ["avhopp", "skola"]
    from research.errors import InputDataError, SchemaError

    with pytest.raises(SchemaError) as error:
        scanning.read_labelled_items(labelled_csv(tmp_path, [("a", "b", "skola"),
                                                             ("c", "d", "okänt")]), small_taxonomy)
    assert error.value.fields["row"] == 3 and error.value.fields["column"] == "themes"
    with pytest.raises(SchemaError, match="themes"):
        scanning.read_labelled_items(labelled_csv(tmp_path, [("a", "b", "c")],
                                                  header="title,text,tema"), small_taxonomy)
    with pytest.raises(InputDataError, match="not found"):
        scanning.read_labelled_items(tmp_path / "saknas.csv", small_taxonomy)


def test_theme_classifier_cross_validation(small_taxonomy: scanning.Taxonomy) -> None:
    rows = classifier_rows()
    texts = [f"{t}. {x}" for t, x, _ in rows]
    labels = [k.split(";") for _, _, k in rows]
    classifier = scanning.ThemeClassifier(small_taxonomy.keys, seed=3)
    metrics = classifier.cross_validate(texts, labels).set_index("theme")
    assert list(metrics.index) == ["avhopp", "skola"]  # 'extremism' has no examples
    assert (metrics["precision"] > 0.8).all() and (metrics["recall"] > 0.8).all()
    assert metrics.loc["avhopp", "examples"] == 30
    classifier.fit(texts, labels)
    assert classifier.predict(["Avhopparen fick stöd", "Eleverna på skolan"]) == \
        [["avhopp"], ["skola"]]
    with pytest.raises(ParameterError):
        scanning.ThemeClassifier(["extremism"]).fit(texts, labels)


def test_run_scan_remembers_etag_between_runs(tmp_path: Path) -> None:
    import threading
    from http.server import ThreadingHTTPServer

    from test_sources import _Handler

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"- name: Webb\n  kind: feed\n  location: {url}\n", encoding="utf-8")
        first = scanning.analyse(sources, tmp_path / "a.sqlite", as_of="2026-11-22")
        assert first.sources.loc[0, "items"] == 2 and len(first.run.new_ids) == 2
        second = scanning.analyse(sources, tmp_path / "a.sqlite", as_of="2026-11-22")
        assert second.sources.loc[0, "status"] == "ok"
        assert "304" in second.sources.loc[0, "error"]
        assert second.new_items.empty and second.archive_size == 2
        assert len(second.items) == 2  # the archive still supplies the analysis window
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_emerging_terms_counted_per_story_and_inflections_merged() -> None:
    base = ["Kommunen informerar om samverkan och trygghet i stadsdelen"] * 120
    current = ["Spelplattformarna oroar föräldrarna i stadsdelen"] * 6 + \
              ["Spelplattformar oroar föräldrarna"] * 6 + base[:18]
    end = pd.Timestamp("2026-11-22 12:00", tz="UTC")
    dates = pd.Series([end - pd.Timedelta(days=8 + (i % 80)) for i in range(120)]
                      + [end - pd.Timedelta(hours=i) for i in range(30)])
    corpus = scanning.build_corpus(base + current)
    window = scanning.Window.make("2026-11-22", 7, 84)
    per_item = scanning.emerging_terms(corpus, dates, window).set_index("term")
    assert per_item.loc["spelplattformar", "current"] == 12  # both inflections, one lemma
    one_story = np.r_[np.arange(120), np.full(12, 500), np.arange(200, 218)]
    per_story = scanning.emerging_terms(corpus, dates, window, groups=one_story)
    assert "spelplattformar" not in set(per_story["term"])  # one story, counted once
    bh = scanning.emerging_terms(corpus, dates, window, correction="fdr_bh")
    assert set(per_item.index) <= set(bh["term"])


def test_long_text_needs_more_than_one_incidental_word() -> None:
    taxonomy = scanning.load_taxonomy()
    filler = " ".join(["Kommunen redovisar budgeten för vägar och vatten i år."] * 20)
    once = scanning.match_themes(scanning.build_corpus([f"{filler} Ett gäng cyklister."]),
                                 taxonomy)
    assert once.loc[0, "themes"] == []  # about 200 words: one hit is not enough
    twice = scanning.match_themes(scanning.build_corpus(
        [f"{filler} Skjutningen i går. Gängen i konflikt."]), taxonomy)
    assert twice.loc[0, "themes"] == ["kriminella_natverk"]
    assert scanning.required_evidence(100) == 1 and scanning.required_evidence(700) == 3


def test_together_groups_and_bad_together(tmp_path: Path) -> None:
    taxonomy = scanning.load_taxonomy(taxonomy_file(tmp_path, """
themes:
  hot:
    label: Hot
    terms: [dödshot]
    together: [[hot, hota], [politiker, förtroendevald]]
"""))
    frame = scanning.match_themes(scanning.build_corpus(
        ["Politikern hotades", "Hotet mot klimatet", "Politikern talade"]), taxonomy)
    assert list(frame["themes"]) == [["hot"], [], []]
    assert frame.loc[0, "evidence"] == {"hot": ["hot + politiker"]}
    with pytest.raises(ConfigError, match="together"):
        scanning.load_taxonomy(taxonomy_file(tmp_path, """
themes:
  hot:
    label: Hot
    terms: [dödshot]
    together: [[hot]]
"""))


def test_development_corpus_figures_on_the_fresh_held_out_batch() -> None:
    """The shipped themes on the fresh held-out batch of the hand-labelled corpus
    (``utvardering14``, 400 texts by an eighteenth and a nineteenth author who had not
    seen the taxonomy; measured once, see benchmarks/README.md): no theme on more than 5 %
    of its 141 unrelated texts (the target), with and without the classifier's check; and
    — regression guards a few texts below the figures measured there, where every theme
    met the targets of 0.85 and 0.80 — the checked themes' precision at least 0.80 and
    recall at least 0.75 for every theme (measured: lowest precision 0.89, Samverkan och
    lägesbild; lowest recall 0.82, Skola och unga, 31 of 38)."""
    from research.scanning.validation import HELD_OUT, evaluate_themes

    taxonomy = scanning.load_taxonomy()
    corpus = PROJECT / scanning.DEV_CORPUS
    alone = evaluate_themes(taxonomy, corpus, split=HELD_OUT)
    check = scanning.load_theme_check(corpus, taxonomy, exclude_split=HELD_OUT)
    checked = evaluate_themes(taxonomy, corpus, split=HELD_OUT, check=check)
    assert alone.n_documents >= 150 and alone.n_unrelated >= 50
    for evaluation in (alone, checked):
        table = evaluation.per_theme.set_index("theme")
        assert (table["unrelated_rate"] <= 0.05).all()
        assert set(table.index) == set(SHARED_KEYS)
    table = checked.per_theme.set_index("theme")
    assert (table["precision"] >= 0.80).all() and (table["recall"] >= 0.75).all()


def test_taxonomy_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    lines += ["themes:", "  bomb:", "    label: Bomb", "    terms: *a8"]
    with pytest.raises(ConfigError, match="refused") as error:
        scanning.load_taxonomy(taxonomy_file(tmp_path, "\n".join(lines)))
    assert error.value.fields["limit"] == "max_nodes"
