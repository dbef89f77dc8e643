"""Tests for research.literature de-duplication: evidence rules, author parsing, review log
and widget, and the hand-labelled public benchmark (bib-dedupe's digital_work set)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from research import literature
from research.errors import InputDataError, ParameterError


def frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    for column in literature.RECORD_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table["year"] = table["year"].replace("", None).astype("Int64")
    return table[literature.RECORD_COLUMNS]


ARTICLE = {"title": "Local prevention of violent extremism: a mixed-methods evaluation",
           "authors": "Lindqvist, Maja; Holm, Per", "year": 2019,
           "source": "Nordic Journal of Prevention", "volume": "12", "issue": "3",
           "pages": "101-118", "doi": "10.99999/p.1", "type": "JOUR", "database": "Scopus"}


# ---------------------------------------------------------------------------------------
# author names in every export convention


@pytest.mark.parametrize("cell,expected", [
    (["Lindqvist, Maja", "Öberg, Erik"], ["lindqvist", "oberg"]),             # RIS AU tags
    ("Lindqvist, M. and Öberg, E.", ["lindqvist", "oberg"]),                  # BibTeX
    ("Adeli K.Lewis G. F.", ["adeli", "lewis"]),                              # EndNote
    ("Lindqvist M.; Öberg E.", ["lindqvist", "oberg"]),                       # Scopus
    ("Lindqvist, Maja; Öberg, Erik", ["lindqvist", "oberg"]),                 # WoS / SwePub
    ("Lindqvist M, Öberg EK, van der Berg J", ["lindqvist", "oberg", "vanderberg"]),  # PubMed
    ("Lindqvist, Maja (Malmö universitet);Öberg, Erik (Älvstads universitet)",
     ["lindqvist", "oberg"]),                                                 # DiVA
    ("Maja Lindqvist", ["lindqvist"]),
    ("", []),
])
def test_author_conventions(cell: object, expected: list[str]) -> None:
    names = literature.parse_authors(cell)
    assert [literature.surname_key(n) for n in names] == expected


def test_run_together_first_author_key_is_the_surname() -> None:
    names = literature.parse_authors("Adeli K.Lewis G. F.")
    assert names == ["Adeli K.", "Lewis G. F."]


# ---------------------------------------------------------------------------------------
# what merges, what is kept apart, what goes to review


def dedup(rows: list[dict], **options: object) -> literature.DedupResult:
    return literature.deduplicate(frame([{**r, "record_id": r.get("record_id", f"r{i}")}
                                         for i, r in enumerate(rows)]), **options)


@pytest.mark.parametrize("variant", [
    {"title": ARTICLE["title"].upper(), "doi": ""},
    {"title": "Local prevention of violent extremism - a mixed methods evaluation",
     "pages": "101", "database": "Web of Science"},
    {"authors": "Lindqvist M.; Holm P.", "doi": "https://doi.org/10.99999/P.1"},
    {"source": "Nord. J. Prev.", "year": 2020, "doi": ""},  # online first, next year
])
def test_confirmed_duplicates_merge(variant: dict) -> None:
    result = dedup([ARTICLE, {**ARTICLE, "database": "DiVA", **variant}])
    assert result.n_removed == 1 and result.review.empty


def test_shared_doi_alone_never_merges() -> None:
    # conference abstracts in one supplement share the DOI of the supplement
    result = dedup([{**ARTICLE, "title": "Exit work in Norrbacka", "authors": "Haddad, L."},
                    {**ARTICLE, "title": "Mentors in Sjöviken schools", "authors": "Falk, S."}])
    assert result.n_removed == 0 and result.review.empty


def test_title_alone_goes_to_review_not_into_a_merge() -> None:
    bare = {"title": ARTICLE["title"], "database": "Scopus"}
    result = dedup([bare, {**bare, "database": "DiVA"}])
    assert result.n_removed == 0
    assert len(result.review) == 1 and result.review["verdict"].iloc[0] == "uncertain"


def test_conflicting_fields_keep_records_apart() -> None:
    result = dedup([ARTICLE, {**ARTICLE, "volume": "13", "pages": "7-20", "doi": "",
                              "year": 2020}])
    assert result.n_removed == 0


def test_conference_abstract_and_article_kept_apart_unless_asked() -> None:
    abstract = {**ARTICLE, "type": "CONF", "source": "Nordic Conference on Prevention",
                "volume": "", "pages": "", "doi": "", "year": 2018}
    kept = dedup([ARTICLE, abstract])
    assert kept.n_removed == 0 and kept.review.empty
    merged = dedup([ARTICLE, abstract], merge_conference=True)
    assert merged.n_removed == 1


def test_serial_titles_are_not_merged() -> None:
    serial = {"title": "Gateways to clinical trials: March", "authors": "Bayes, M.",
              "year": 2004, "source": "Methods Find Exp Clin Pharmacol", "volume": "26"}
    result = dedup([serial, {**serial, "title": "Gateways to clinical trials: April"}])
    assert result.n_removed == 0 and result.review.empty


def test_generic_titles_need_the_same_pages() -> None:
    editorial = {"title": "Editorial", "authors": "Weber, Ron", "year": 2002,
                 "source": "MIS Quarterly", "volume": "26"}
    assert dedup([editorial, {**editorial, "issue": "2"}]).n_removed == 0
    assert dedup([{**editorial, "pages": "iii-v"}, {**editorial, "pages": "iii-v"}]).n_removed == 1


def test_grouping_is_not_transitive() -> None:
    # b matches a and c, but a and c conflict (different first page): no chain a-b-c
    a = {**ARTICLE, "pages": "101-118"}
    b = {**ARTICLE, "pages": "", "doi": ""}
    c = {**ARTICLE, "pages": "7-20", "doi": ""}
    result = dedup([a, b, c])
    groups = result.groups.groupby("group")["record_id"].apply(set).tolist()
    assert all(not {"r0", "r2"} <= g for g in groups)
    assert result.n_removed == 1


def test_optional_columns_may_be_missing() -> None:
    records = pd.DataFrame({"record_id": ["a", "b", "c"],
                            "title": [ARTICLE["title"], ARTICLE["title"] + ".", "Other"],
                            "authors": ["Lindqvist, M.", "Lindqvist, Maja", "Falk, S."],
                            "year": [2019, 2019, 2019]})
    result = literature.deduplicate(records)
    assert result.n_removed == 1 and result.records["record_id"].tolist() == ["a", "c"]
    with pytest.raises(InputDataError):
        literature.deduplicate(records.drop(columns=["title"]))


def test_bad_thresholds_are_parameter_errors() -> None:
    with pytest.raises(ParameterError):
        literature.DedupOptions(auto_title=120)
    with pytest.raises(ParameterError):
        literature.DedupOptions(review_title=96)


# ---------------------------------------------------------------------------------------
# the researcher's decisions: log, re-applied on the next run, widget


def test_decisions_are_logged_and_reapplied(tmp_path: Path) -> None:
    bare = {"title": ARTICLE["title"], "database": "Scopus"}
    records = frame([{**bare, "record_id": "a"}, {**bare, "record_id": "b"}])
    log = tmp_path / "beslut" / "dedup.csv"
    first = literature.deduplicate(records)
    assert first.n_removed == 0 and len(first.review) == 1
    literature.append_dedup_decision(log, "b", "a", "samma", reviewer="MJ")
    decisions, problems = literature.read_dedup_decisions(log)
    assert decisions == {frozenset({"a", "b"}): "same"} and problems.empty
    again = literature.deduplicate(records, decisions=decisions)
    assert again.n_removed == 1 and again.review.empty
    assert again.groups["rule"].str.contains("granskad").all()
    # a later "different" wins, and also splits a pair the rules would merge
    literature.append_dedup_decision(log, "a", "b", "different")
    decisions, _ = literature.read_dedup_decisions(log)
    assert literature.deduplicate(records, decisions=decisions).n_removed == 0
    strong = frame([{**ARTICLE, "record_id": "a"}, {**ARTICLE, "record_id": "b"}])
    assert literature.deduplicate(strong).n_removed == 1
    assert literature.deduplicate(strong, decisions=decisions).n_removed == 0
    assert log.read_text(encoding="utf-8").splitlines()[0] == "left_id,right_id,decision,time,reviewer"


def test_decision_log_problems_are_reported(tmp_path: Path) -> None:
    log = tmp_path / "dedup.csv"
    log.write_text("left_id,right_id,decision\na,b,kanske\nc\na,a,same\nd,e,olika\n",
                   encoding="cp1252")
    decisions, problems = literature.read_dedup_decisions(log)
    assert decisions == {frozenset({"d", "e"}): "different"}
    assert problems["line"].tolist() == [2, 3, 4]
    log.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(InputDataError):
        literature.read_dedup_decisions(log)
    with pytest.raises(ParameterError):
        literature.append_dedup_decision(tmp_path / "n.csv", "a", "b", "maybe")
    assert literature.read_dedup_decisions(tmp_path / "missing.csv")[0] == {}


def test_shipped_sample_decision_log_is_never_written() -> None:
    from research.paths import project_root

    with pytest.raises(InputDataError):
        literature.append_dedup_decision(
            project_root() / "data" / "sample" / "litteratur" / "dedup_decisions.csv",
            "a", "b", "same")


def test_review_table_is_swedish_and_side_by_side() -> None:
    bare = {"title": ARTICLE["title"], "database": "Scopus", "year": 2019}
    records = frame([{**bare, "record_id": "a"}, {**bare, "record_id": "b", "year": 2020}])
    result = literature.deduplicate(records)
    table = literature.review_table(result.review, records)
    assert table.loc[0, "post A"] == "a" and table.loc[0, "post B"] == "b"
    assert {"titel A", "titel B", "bedömning"} <= set(table.columns)


def test_widget_decisions_reach_the_log(tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets")
    bare = {"title": ARTICLE["title"], "database": "Scopus"}
    records = frame([{**bare, "record_id": "a"}, {**bare, "record_id": "b"},
                     {**bare, "record_id": "c", "title": "Exit work in Norrbacka: a study"},
                     {**bare, "record_id": "d", "title": "Exit work in Norrbacka: a study"}])
    result = literature.deduplicate(records)
    assert len(result.review) == 2
    log = tmp_path / "dedup.csv"
    panel = literature.dedup_widget(result.review, records, log, reviewer="MJ")
    same, different, skip = panel.children[1].children
    skip.click()
    same.click()
    different.click()
    decisions, _ = literature.read_dedup_decisions(log)
    assert sorted(decisions.values()) == ["different", "same"]
    assert "Inga osäkra" in panel.children[0].value


# ---------------------------------------------------------------------------------------
# the public hand-labelled benchmark (bib-dedupe's counting rules)


def _benchmark_counts(kept_of: dict[str, str], ids: list[str],
                      sets: list[list[str]]) -> dict[str, int]:
    in_set = {i for members in sets for i in members}
    counts = {"TP": 0, "FP": 0, "FN": 0, "TN": 0}
    for i in ids:
        if i not in in_set:
            counts["TN" if kept_of.get(i, i) == i else "FP"] += 1
    for members in sets:
        kept = [i for i in members if kept_of.get(i, i) == i]
        if not kept:
            counts["FP"] += 1
            counts["TP"] += len(members) - 1
        else:
            counts["TN"] += 1
            counts["FN"] += len(kept) - 1
            counts["TP"] += len(members) - len(kept)
    return counts


def test_digital_work_benchmark_meets_the_targets(shared_data: Path) -> None:
    folder = shared_data / "dedup" / "digital_work"
    raw = pd.read_csv(folder / "records_pre_merged.csv", dtype=str, keep_default_na=False)
    sets = [s.split(";") for s in pd.read_csv(folder / "merged_record_ids.csv")["merged_ids"]]
    records = pd.DataFrame({
        "record_id": raw["ID"], "title": raw["title"], "authors": raw["author"],
        "year": raw["year"], "source": raw["journal"].where(raw["journal"] != "",
                                                            raw["booktitle"]),
        "doi": raw["doi"], "type": raw["ENTRYTYPE"],
        "volume": raw["volume"].replace("UNKNOWN", ""), "issue": raw["number"],
        "pages": raw["pages"], "isbn": raw["isbn"], "abstract": raw["abstract"]})
    result = literature.deduplicate(records)
    kept_of = dict(zip(result.groups["record_id"], result.groups["kept_record_id"]))
    counts = _benchmark_counts(kept_of, records["record_id"].tolist(), sets)
    assert sum(counts.values()) == 7159
    sensitivity = counts["TP"] / (counts["TP"] + counts["FN"])
    specificity = counts["TN"] / (counts["TN"] + counts["FP"])
    assert sensitivity >= 0.97, counts
    assert specificity >= 0.995, counts
    assert len(result.review) <= 60  # what a researcher is asked to look at stays small


def test_boilerplate_titles_cannot_explode_the_pairs() -> None:
    rows = [{"record_id": f"u{i}", "title": "Untitled", "year": 2020} for i in range(3000)]
    rows += [{**ARTICLE, "record_id": "a"}, {**ARTICLE, "record_id": "b"}]
    result = literature.deduplicate(pd.DataFrame(rows))
    assert result.n_removed == 1 and len(result.pairs) == 1


def test_widget_without_a_log_or_with_an_unwritable_one_says_so(tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets")
    bare = {"title": ARTICLE["title"], "database": "Scopus"}
    records = frame([{**bare, "record_id": "a"}, {**bare, "record_id": "b"}])
    review = literature.deduplicate(records).review
    panel = literature.dedup_widget(review, records, "")
    panel.children[1].children[0].click()
    assert "dedup_log" in panel.children[2].value
    panel = literature.dedup_widget(review, records, tmp_path)  # a folder
    panel.children[1].children[0].click()
    assert "sparades inte" in panel.children[2].value
