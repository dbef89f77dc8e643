"""Tests for research.literature: readers, de-duplication, PRISMA counts, map, notebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from research import literature, report
from research.errors import InputDataError, ParameterError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample" / "litteratur"

RIS = """TY  - JOUR
TI  - Skolans roll i förebyggande arbete
AU  - Lindqvist, Maja
AU  - Öberg, Erik
PY  - 2019
T2  - Nordisk tidskrift för prevention
AB  - En studie om skolor i Älvstads kommun.
KW  - skola
KW  - prevention
DO  - https://doi.org/10.99999/ABC.1
LA  - Swedish
DB  - Scopus
AN  - 2-s2.0-1
ER  - 

TY  - JOUR
T1  - Exit work in Norrbacka
A1  - Haddad, Leila
Y1  - 2021///
N2  - An English abstract.
KW  - exit
ER  - 
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------------------
# RIS


def test_ris_variants_and_repeated_tags(tmp_path: Path) -> None:
    records, problems = literature.read_ris(write(tmp_path, "a.ris", RIS))
    assert problems == []
    first, second = records
    assert first["title"] == "Skolans roll i förebyggande arbete"
    assert first["authors"] == "Lindqvist, Maja; Öberg, Erik"
    assert first["keywords"] == "skola; prevention"
    assert first["year"] == 2019 and first["doi"] == "10.99999/abc.1"
    assert first["language"] == "sv" and first["database"] == "Scopus"
    assert first["record_id"] == "scopus:2-s2.0-1" and first["type"] == "JOUR"
    # T1 / A1 / Y1 / N2 variants
    assert second["title"] == "Exit work in Norrbacka"
    assert second["authors"] == "Haddad, Leila"
    assert second["year"] == 2021 and second["abstract"] == "An English abstract."
    assert second["language"] == "en"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_ris_encodings(tmp_path: Path, encoding: str) -> None:
    records, _ = literature.read_ris(write(tmp_path, "a.ris", RIS, encoding))
    assert records[0]["title"] == "Skolans roll i förebyggande arbete"
    assert records[0]["authors"].endswith("Öberg, Erik")


def test_ris_broken_record_is_reported_and_others_kept(tmp_path: Path) -> None:
    broken = RIS.replace("ER  - \n\nTY  - JOUR\nT1", "TY  - JOUR\nT1", 1)
    broken += "TY  - JOUR\nAU  - Utan, Titel\nER  - \n"
    records, problems = literature.read_ris(write(tmp_path, "b.ris", broken))
    assert [r["title"] for r in records] == ["Exit work in Norrbacka"]
    lines = {p["line"]: p["problem"] for p in problems}
    assert 1 in lines and "ER" in lines[1]
    assert any("utan titel" in p for p in lines.values())


def test_ris_without_records_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputDataError) as info:
        literature.read_ris(write(tmp_path, "empty.ris", ""))
    assert "empty.ris" in str(info.value)


# ---------------------------------------------------------------------------------------
# BibTeX

BIB = r"""@article{berg2020,
  author = {Bergstr{\"o}m, Karin and Ahmadi, Ali},
  title = {Samverkan i {\AA}lvstad},
  journal = {Tidskrift f{\"o}r samhällsskydd},
  year = {2020},
  abstract = {Om samverkan.},
  keywords = {samverkan; kommun},
  doi = {10.99999/X.2}
}

@article{broken{key,
  title = {Never parsed}
}

@article{ok2021,
  title = {Second record},
  year = {2021}
}
"""


def test_bibtex_latex_decoded_and_failed_blocks_reported(tmp_path: Path) -> None:
    records, problems = literature.read_bibtex(write(tmp_path, "a.bib", BIB))
    assert [r["title"] for r in records] == ["Samverkan i Ålvstad", "Second record"]
    assert records[0]["authors"] == "Bergström, Karin; Ahmadi, Ali"
    assert records[0]["source"] == "Tidskrift för samhällsskydd"
    assert records[0]["keywords"] == "samverkan; kommun"
    assert records[0]["record_id"] == "bibtex:berg2020"
    assert len(problems) == 1 and problems[0]["line"] == 11
    assert problems[0]["file"] == "a.bib"


# ---------------------------------------------------------------------------------------
# table exports


def test_diva_csv_detected(tmp_path: Path) -> None:
    text = ("PID,Name,Title,Year,PublicationType,Journal,DOI,Abstract,Keywords,Language\n"
            'diva2:1,"Holm, Per (Älvstads universitet);Falk, Sara (Norrbacka högskola)",'
            "Trygghet i Sjöviken,2018,Rapport,,,Sammanfattning,trygghet;polis,swe\n")
    records, problems = literature.read_table_export(write(tmp_path, "diva.csv", text))
    assert problems == []
    record = records[0]
    assert record["database"] == "DiVA" and record["record_id"] == "diva:diva2:1"
    assert record["authors"] == "Holm, Per; Falk, Sara"
    assert record["language"] == "sv" and record["keywords"] == "trygghet; polis"


def test_scopus_wos_pubmed_swepub_detected(tmp_path: Path) -> None:
    scopus = ("Authors,Title,Year,Source title,DOI,Abstract,Author Keywords,"
              "Language of Original Document,EID\n"
              '"Holm P., Falk S.",A title,2020,J Prev,10.99999/s.1,Abs,a; b,English,2-s2.0-9\n')
    wos = ("AU\tTI\tSO\tPY\tDI\tAB\tDE\tLA\tUT\n"
           "Holm, P\tWoS title\tJ Prev\t2019\t\tAbs\tx; y\tEnglish\tWOS:0001\n")
    pubmed = ("PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,"
              "Create Date,PMCID,NIHMS ID,DOI\n"
              '123,Pub title,"Holm P, Falk S",cit,Holm P,J Prev,2017,2017/01/01,,,\n')
    swepub = ("Swepub ID;Titel;Upphov;Publiceringsår;Värdpublikation;DOI;Språk\n"
              "sp1;SwePub-titel;Holm, Per;2016;Tidskrift;;swe\n")
    expected = {"scopus.csv": ("Scopus", scopus), "wos.txt": ("Web of Science", wos),
                "pubmed.csv": ("PubMed", pubmed), "swepub.csv": ("SwePub", swepub)}
    for name, (database, text) in expected.items():
        records, problems = literature.read_table_export(write(tmp_path, name, text))
        assert records[0]["database"] == database, name
        assert problems == []
    assert literature.read_table_export(tmp_path / "pubmed.csv")[0][0]["authors"] == \
        "Holm P; Falk S"


def test_xlsx_export(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    pd.DataFrame({"Title": ["Excel-titel"], "Year": ["2022"], "Abstract": ["Text"]}) \
        .to_excel(path, index=False)
    records, _ = literature.read_table_export(path)
    assert records[0]["title"] == "Excel-titel" and records[0]["year"] == 2022


def test_broken_xlsx_and_cp1252_diva(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    with pytest.raises(InputDataError) as info:
        literature.read_records([broken])
    assert "broken.xlsx" in str(info.value)
    text = ("\ufeffPID;Name;Title;Year;PublicationType;Language\n"
            "diva2:9;Åkesson, Åsa (Lövåsa);Förtroende i Östra Hagen;2020;Rapport;swe\n")
    records, _ = literature.read_table_export(write(tmp_path, "d.csv", text))  # BOM
    assert records[0]["title"] == "Förtroende i Östra Hagen"
    records, _ = literature.read_table_export(
        write(tmp_path, "d1252.csv", text.lstrip("\ufeff"), "cp1252"))
    assert records[0]["authors"] == "Åkesson, Åsa" and records[0]["database"] == "DiVA"


def test_table_without_title_column_names_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputDataError) as info:
        literature.read_table_export(write(tmp_path, "x.csv", "Rubrik,År\nA,2020\n"))
    assert "x.csv" in str(info.value) and info.value.fields["column"] == "title"


def test_stated_columns_override_detection(tmp_path: Path) -> None:
    records, _ = literature.read_table_export(
        write(tmp_path, "x.csv", "Rubrik,År\nA,2020\n"), columns={"title": "Rubrik",
                                                              "year": "År"})
    assert records[0]["title"] == "A" and records[0]["year"] == 2020


def test_row_without_title_is_reported_with_line(tmp_path: Path) -> None:
    records, problems = literature.read_table_export(
        write(tmp_path, "x.csv", "title,year\nA,2020\n,2021\nB,2022\n"))
    assert [r["title"] for r in records] == ["A", "B"]
    assert problems == [{"file": "x.csv", "line": 3, "problem": "rad utan titel; hoppades över"}]


def test_malformed_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputDataError) as info:
        literature.read_table_export(write(tmp_path, "bad.csv", 'title,year\nA,2020,x\n'))
    assert "bad.csv" in str(info.value)


@pytest.mark.parametrize("name,content", [("empty.csv", ""), ("weird.pdf", "x"),
                                          ("bin.csv", "a\x00b")])
def test_bad_files(tmp_path: Path, name: str, content: str) -> None:
    with pytest.raises(InputDataError) as info:
        literature.read_records([write(tmp_path, name, content)])
    assert name in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="not found"):
        literature.read_records([tmp_path / "nope.ris"])
    with pytest.raises(ParameterError):
        literature.read_records([])


def test_txt_export_can_be_ris(tmp_path: Path) -> None:
    result = literature.read_records([write(tmp_path, "export.txt", RIS)])
    assert len(result.records) == 2 and result.records.loc[0, "database"] == "Scopus"


def test_read_records_combines_and_keeps_ids_unique(tmp_path: Path) -> None:
    a = write(tmp_path, "a.ris", RIS)
    result = literature.read_records([a, a])
    assert list(result.records.columns) == literature.RECORD_COLUMNS
    assert result.records["record_id"].is_unique
    assert len(result.records) == 4


def test_hostile_abstract_is_shown_as_text(tmp_path: Path) -> None:
    hostile = RIS.replace("En studie om skolor i Älvstads kommun.",
                          "<script>alert('x')</script><img src=x onerror=alert(1)>")
    result = literature.read_records([write(tmp_path, "h.ris", hostile)])
    assert "<script>" in result.records.loc[0, "abstract"]  # data is kept as it was
    html = report.table_html(result.records, "Poster")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert" in html


# ---------------------------------------------------------------------------------------
# de-duplication


def frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    for column in literature.RECORD_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table["year"] = table["year"].replace("", None).astype("Int64")
    return table[literature.RECORD_COLUMNS]


BASE = {"title": "Mentorship against radicalisation: an evaluation from Sjöviken",
        "authors": "Lindqvist, Maja; Holm, Per", "year": 2019, "doi": "10.99999/m.1",
        "abstract": "Text", "database": "Scopus"}


@pytest.mark.parametrize("variant", [
    {"doi": "https://doi.org/10.99999/M.1", "title": BASE["title"].upper()},
    {"title": BASE["title"].upper(), "doi": ""},
    {"title": "Mentorship against radicalisation - an evaluation from Sjoviken", "doi": ""},
    {"year": 2020, "doi": "", "title": "Mentorship against radicalization: an evaluation "
                                       "from Sjöviken"},
    {"authors": "Lindqvist, M.; Holm, P.", "doi": "", "abstract": ""},
])
def test_duplicates_found(variant: dict) -> None:
    other = {**BASE, "database": "DiVA", **variant}
    records = frame([{**BASE, "record_id": "a"}, {**other, "record_id": "b"}])
    result = literature.deduplicate(records)
    assert result.n_removed == 1
    assert len(result.groups) == 2 and result.groups["group"].nunique() == 1
    kept = result.records.iloc[0]
    assert kept["record_id"] == "a"  # the more complete record
    assert kept["duplicates"] == "b" and kept["databases"] == "Scopus; DiVA"


@pytest.mark.parametrize("variant", [
    {"title": "Mentorship against radicalisation: an evaluation from Lövåsa", "doi": "",
     "authors": "Haddad, Leila"},
    {"doi": "10.99999/m.2"},  # same title, conflicting DOI (e.g. report and article)
    {"doi": "https://doi.org/10.99999/M.1", "title": "Something else entirely"},  # DOI only
    {"year": 2023, "doi": ""},
    {"title": "Exit work in Norrbacka", "doi": ""},
])
def test_non_duplicates_kept(variant: dict) -> None:
    records = frame([{**BASE, "record_id": "a"}, {**BASE, **variant, "record_id": "b"}])
    result = literature.deduplicate(records)
    assert result.n_removed == 0 and result.groups.empty
    assert list(result.records["record_id"]) == ["a", "b"]


def test_sample_exports_dedup_is_pure() -> None:
    files = [SAMPLE / "scopus.ris", SAMPLE / "webofscience.bib", SAMPLE / "diva.csv"]
    imported = literature.read_records(files)
    assert imported.problems.empty
    result = literature.deduplicate(imported.records)
    truth = pd.read_csv(SAMPLE / "labelled.csv")
    assert len(result.records) >= len(truth)  # never merges two different works
    assert len(result.records) <= len(truth) + 6  # finds nearly all duplicates


# ---------------------------------------------------------------------------------------
# PRISMA, decisions on duplicates, map


def test_prisma_counts_and_map_to_kept() -> None:
    records = frame([{**BASE, "record_id": "a"}, {**BASE, "record_id": "b", "database": "DiVA"},
                     {**BASE, "record_id": "c", "title": "Other work", "doi": "",
                      "authors": "Falk, Sara"}])
    result = literature.deduplicate(records)
    log = pd.DataFrame({"record_id": ["b", "c"], "decision": ["include", "exclude"]})
    mapped = literature.screening.map_to_kept(log, result.records)
    assert mapped["record_id"].tolist() == ["a", "c"]
    counts = literature.prisma_counts(records, result.records,
                                      mapped.set_index("record_id")["decision"])
    lookup = {(r["steg"], r["del"]): r["antal"] for r in counts.to_dict("records")}
    assert lookup[("Identifierade", "Totalt")] == 3
    assert lookup[("Identifierade", "Scopus")] == 2
    assert lookup[("Dubbletter borttagna", "")] == 1
    assert lookup[("Granskade (titel/abstrakt)", "")] == 2
    assert lookup[("Inkluderade", "")] == 1 and lookup[("Exkluderade", "")] == 1
    assert lookup[("Ej granskade ännu", "")] == 0


def corpus() -> pd.DataFrame:
    rows = []
    for i in range(12):
        rows.append({"record_id": f"s{i}", "title": f"Skola och lärare {i}",
                     "abstract": "Elever, lärare och rektorer i skolan arbetar förebyggande.",
                     "year": 2015 + i % 3, "language": "sv", "keywords": "skola; lärare",
                     "authors": "Holm, Per", "source": "Tidskrift A"})
        rows.append({"record_id": f"p{i}", "title": f"Police trust study {i}",
                     "abstract": "Residents trust the police and public authorities less.",
                     "year": 2018 + i % 3, "language": "en", "keywords": "police; trust",
                     "authors": "Falk, Sara", "source": "Journal B"})
    return frame(rows)


def test_topics_separate_clear_themes() -> None:
    records = corpus()
    topics = literature.fit_topics(records, 2, seed=0)
    assert len(topics.topics) == 2
    assert topics.topics["antal"].sum() == len(records)
    by_prefix = pd.Series(topics.dominant, index=records["record_id"].str[0])
    assert by_prefix["s"].nunique() == 1 and by_prefix["p"].nunique() == 1
    assert by_prefix["s"].iloc[0] != by_prefix["p"].iloc[0]
    trends = literature.topic_trends(records, topics)
    assert trends.drop(columns="år").to_numpy().sum() == len(records)
    with pytest.raises(ParameterError):
        literature.fit_topics(records, 0)
    with pytest.raises(ParameterError):
        literature.fit_topics(records.head(3), 2)


def test_map_tables_and_figures_have_alt() -> None:
    records = corpus()
    assert literature.top_keywords(records).iloc[0]["antal"] == 12
    assert set(literature.language_split(records)["språk"]) == {"svenska", "engelska"}
    assert literature.top_sources(records, 1)["antal"].tolist() == [12]
    per_year = literature.records_per_year(records)
    assert per_year["totalt"].sum() == len(records)
    topics = literature.fit_topics(records, 2, seed=0)
    for fig in (literature.year_figure(per_year),
                literature.keyword_figure(literature.top_keywords(records)),
                literature.topic_trend_figure(literature.topic_trends(records, topics))):
        alt = report.get_alt(fig)
        assert alt and "Diagram" != alt and any(ch.isdigit() for ch in alt)


# ---------------------------------------------------------------------------------------
# the notebook, end to end


@pytest.mark.e2e
def test_notebook_end_to_end(tmp_path: Path) -> None:
    from research.runs import run_notebook

    hostile = tmp_path / "hostile.ris"
    hostile.write_text(RIS.replace("En studie om skolor i Älvstads kommun.",
                                   "<script>alert('abstract')</script>"), encoding="utf-8")
    log = tmp_path / "log.csv"  # missing: created by the notebook
    result = run_notebook(
        PROJECT_ROOT / "notebooks" / "litteraturanalys.ipynb",
        parameter_files=[PROJECT_ROOT / "parameters" / "litteraturanalys" / "default.yaml"],
        overrides={"records": [str(SAMPLE / "scopus.ris"), str(SAMPLE / "diva.csv"),
                               str(hostile)],
                   "screening_log": str(log), "n_topics": 4},
        publish=False)
    assert result.status == "succeeded", result.error
    run_dir = Path(result.run_dir)
    for name in ("records", "duplicates", "topics", "ranking", "screening_progress", "prisma"):
        assert (run_dir / "tables" / f"{name}.csv").is_file(), name
    html = (run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "<script>alert('abstract')" not in html
    assert log.read_text(encoding="utf-8").startswith("record_id,decision")
    prisma = pd.read_csv(run_dir / "tables" / "prisma.csv")
    assert int(prisma.loc[prisma["steg"] == "Granskade (titel/abstrakt)", "antal"].iloc[0]) == 0


def test_sample_files_are_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLE.iterdir() if p.is_file())
    assert total < 1_000_000


def test_period_text_spans_publication_years() -> None:
    import pandas as pd

    from research.literature import period_text

    assert period_text(pd.DataFrame({"year": [2019, "2008", None, 2025]})) == "publicerat 2008–2025"
    assert period_text(pd.DataFrame({"year": [2020]})) == "publicerat 2020"
    assert period_text(pd.DataFrame({"title": ["x"]})) == "publiceringsår saknas"


# ---------------------------------------------------------------------------------------
# broken and empty exports among good ones: reported skips, 0 in PRISMA (issue 15)


def test_empty_zero_hit_and_truncated_exports_are_reported_skips(tmp_path: Path) -> None:
    good = write(tmp_path, "scopus.ris", RIS)
    empty = write(tmp_path, "pubmed.ris", "")
    header_only = write(tmp_path, "swepub.csv", "Record ID,Title,Publication year,Creator\n")
    truncated = tmp_path / "diva.xlsx"
    truncated.write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a zip header cut short
    html = write(tmp_path, "wos.ris", "<html><body>Session expired</body></html>")
    imported = literature.read_records([good, empty, header_only, truncated, html])
    assert len(imported.records) == 2
    files = imported.files.set_index("fil")
    assert files.loc["scopus.ris", "status"] == "läst" and files.loc["scopus.ris", "poster"] == 2
    assert files.loc["pubmed.ris", "status"] == "tom export"
    assert files.loc["swepub.csv", "status"] == "tom export"
    assert files.loc["swepub.csv", "databas"] == "SwePub"
    assert files.loc["diva.xlsx", "status"] == "hoppades över"
    assert files.loc["wos.ris", "status"] == "hoppades över"
    assert set(imported.problems["file"]) == {"pubmed.ris", "swepub.csv", "diva.xlsx", "wos.ris"}
    unique = literature.deduplicate(imported.records).records
    prisma = literature.prisma_counts(imported.records, unique, files=imported.files)
    identified = prisma[prisma["steg"] == "Identifierade"].set_index("del")["antal"]
    assert identified["PubMed"] == 0 and identified["SwePub"] == 0 and identified["DiVA"] == 0
    assert identified["Scopus"] == 1 and identified["Totalt"] == 2  # one record names no DB


def test_nothing_readable_is_an_error_naming_the_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "pubmed.ris", "")
    header_only = write(tmp_path, "scopus.csv", "EID,Title,Source title\n")
    with pytest.raises(InputDataError) as info:
        literature.read_records([empty, header_only])
    assert "pubmed.ris" in str(info.value) and "scopus.csv" in str(info.value)
    with pytest.raises(InputDataError):  # a wrong path is a mistake, not a skip
        literature.read_records([write(tmp_path, "a.ris", RIS), tmp_path / "nosuch.ris"])


def test_single_reader_on_an_empty_export_says_zero_hits(tmp_path: Path) -> None:
    with pytest.raises(literature.EmptyExportError):
        literature.read_table_export(write(tmp_path, "s.csv", "EID,Title,Source title\n"))


def test_export_limits_just_under_and_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from research.literature import readers

    path = write(tmp_path, "a.ris", RIS)  # two records
    monkeypatch.setattr(readers, "LIMITS", readers.ExportLimits(max_records=2))
    assert len(literature.read_ris(path)[0]) == 2
    monkeypatch.setattr(readers, "LIMITS", readers.ExportLimits(max_records=1))
    with pytest.raises(InputDataError) as info:
        literature.read_ris(path)
    assert info.value.fields["limit"] == "max_records"
    size = path.stat().st_size
    monkeypatch.setattr(readers, "LIMITS", readers.ExportLimits(max_bytes=size))
    assert len(literature.read_ris(path)[0]) == 2
    monkeypatch.setattr(readers, "LIMITS", readers.ExportLimits(max_bytes=size - 1))
    with pytest.raises(InputDataError) as info:
        literature.read_ris(path)
    assert info.value.fields["limit"] == "max_bytes" and "a.ris" in str(info.value)
    with pytest.raises(InputDataError):  # the only file is over the limit: nothing readable
        literature.read_records([path])


@pytest.mark.parametrize("kwargs,parameter", [
    ({"paths": [5]}, "records"), ({"paths": "x.ris", "screening_log": 3}, "screening_log"),
    ({"paths": "x.ris", "dedup_log": ["a"]}, "dedup_log"),
    ({"paths": "x.ris", "merge_conference": "ja"}, "merge_conference"),
])
def test_analyse_refuses_wrong_parameter_types(tmp_path: Path, kwargs: dict,
                                               parameter: str) -> None:
    arguments = {"screening_log": str(tmp_path / "log.csv"), **kwargs}
    paths = arguments.pop("paths")
    with pytest.raises(ParameterError) as info:
        literature.analyse(paths, **arguments)
    assert info.value.fields["parameter"] == parameter


def test_generic_table_takes_the_first_filled_candidate_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bib.csv", "ID,ENTRYTYPE,title,author,year,journal,booktitle,number\n"
                 "a1,article,One,\"Lind, M. and Holm, P.\",2020,Nordic Journal,,3\n"
                 "c1,inproceedings,Two,\"Lind, M.\",2021,,Nordic Conference,\n")
    records, problems = literature.read_table_export(path)
    assert problems == []
    assert [r["source"] for r in records] == ["Nordic Journal", "Nordic Conference"]
    assert [r["type"] for r in records] == ["article", "inproceedings"]
    assert records[0]["authors"] == "Lind, M.; Holm, P." and records[0]["issue"] == "3"
