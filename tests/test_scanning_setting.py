"""Subject and setting in theme matching: a setting theme beside another theme needs
evidence in the title or lead (or three times the evidence), a multi-word term inside a
longer one counts once, and the first sentence of each text is known to the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from research import scanning

from test_scanning_themes import themes_of

TAXONOMY = """
themes:
  nazi:
    label: Nazism
    terms: [nazistisk, nazist]
  school:
    label: Skola
    terms: [=skola, =skolan, rektor, elev, elever]
    setting: true
  centre:
    label: Centret
    terms: [våldsbejakande extremism, center mot våldsbejakande extremism]
    min_evidence: 2
"""


@pytest.fixture
def taxonomy(tmp_path: Path) -> scanning.Taxonomy:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(TAXONOMY, encoding="utf-8")
    return scanning.load_taxonomy(path)


def test_a_setting_theme_beside_another_needs_the_title_or_three_times_the_evidence(
        taxonomy: scanning.Taxonomy) -> None:
    assert themes_of(
        taxonomy,
        # the school is where it happened: only in the body, beside another theme
        "Nazistiska flygblad i centrum. Flygbladen delades också ut vid skolan.",
        # the school is the subject: in the title
        "Skolan polisanmäler nazistiska flygblad. Rektorn informerade.",
        # no other theme: the setting theme stands on its own evidence
        "Nytt läsår. Eleverna i skolan fick nya böcker.",
        # three times the evidence in the body
        "Nazistiska flygblad. Rektor, elever och skolan: elev efter elev berättade för "
        "rektor.",
    ) == [["nazi"], ["nazi", "school"], ["school"], ["nazi", "school"]]


def test_a_term_inside_a_longer_term_of_the_same_theme_counts_once(
        taxonomy: scanning.Taxonomy) -> None:
    assert themes_of(
        taxonomy,
        "Center mot våldsbejakande extremism informerade kommunen.",
        "Våldsbejakande extremism: Center mot våldsbejakande extremism informerade.",
    ) == [[], ["centre"]]


def test_the_corpus_knows_each_texts_first_sentence() -> None:
    corpus = scanning.build_corpus(["Säpo: hotet ökar. Brödtext om hotet.",
                                    "En text utan slutpunkt", "Fråga? Svar.", "", None])
    assert corpus.leads.tolist() == [3, 4, 1, 0, 0]


def test_shipped_taxonomy_subject_and_setting() -> None:
    taxonomy = scanning.load_taxonomy()
    frame = scanning.match_themes(scanning.build_corpus([
        # a group of friends is no gang
        "Gängen från tre byar möttes i fotbollsturneringen i Lillby i helgen.",
        # the ideology names the subject: not also general terrorism
        "Vänsterextrem grupp tar på sig brandattentat mot polisbilar i Västerby.",
        # leaflets outside a school: right-wing extremism, the school is the setting
        "Nazistisk grupp delade flygblad i centrum. Några flygblad hittades senare "
        "utanför ett gymnasium.",
    ]), taxonomy)
    assert frame["themes"].tolist() == [[], ["vansterextremism"], ["hogerextremism"]]


def test_the_quality_note_names_themes_over_the_unrelated_target(
        taxonomy: scanning.Taxonomy) -> None:
    from types import SimpleNamespace

    from research.scanning.briefing import ScanResult
    from research.scanning.validation import ThemeEvaluation

    labels = [["nazi"], ["school"]] + [[] for _ in range(10)]
    predicted = [["nazi"], ["school"], ["school"]] + [[] for _ in range(9)]
    evaluation = ThemeEvaluation(labels, predicted, taxonomy)
    note = ScanResult.theme_quality_note(SimpleNamespace(evaluation=evaluation,
                                                         taxonomy=taxonomy,
                                                         check_note=lambda: ""))
    assert "Under målen (precision 0,85, täckning 0,80): skola" in note
    assert note.endswith("Över målet på högst 5 % av texterna utan tema: skola (10,0 %).")
    assert "Alla teman når målen" not in note
    # every theme on target: the note says so, with how little one text can move it
    perfect = ThemeEvaluation(labels, labels, taxonomy)
    note = ScanResult.theme_quality_note(SimpleNamespace(evaluation=perfect,
                                                         taxonomy=taxonomy,
                                                         check_note=lambda: ""))
    assert "Under målen" not in note and "Över målet" not in note
    assert "Alla teman når målen på de här texterna" in note
    assert note.endswith("Det är en mätning på 12 texter: för temat med minst märkta texter "
                         "(1) flyttar en text mer eller mindre täckningen med 1,00.")
