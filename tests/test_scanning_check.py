"""The classifier's second opinion on the taxonomy's themes (research.scanning.check)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from research import scanning
from research.errors import InputDataError, ParameterError, SchemaError
from research.scanning.check import ADD, VETO, ThemeCheck, load_theme_check
from research.scanning.validation import DEV_CORPUS, HELD_OUT, evaluate_themes

PROJECT = Path(__file__).resolve().parents[1]


class FixedModel:
    """Stands in for a fitted ThemeClassifier: fixed probabilities per text."""

    def __init__(self, keys: list[str], proba: list[list[float]]) -> None:
        self.trained_keys_ = keys
        self._proba = np.array(proba)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self._proba[:len(texts)]


def test_the_check_drops_unlikely_themes_and_adds_near_certain_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    taxonomy = scanning.load_taxonomy()
    texts = ["Skottlossning i Västerby – polisen ser en konflikt mellan kriminella nätverk.",
             "Kommunens skola får ny matsal; eleverna äter lunch i två omgångar.",
             "Föräldrar till unga i gängmiljö får en egen stödlinje."]
    matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
    keys = ["kriminella_natverk", "skola_och_unga", "anhorigstod"]
    proba = [[0.95, 0.02, 0.01],         # the taxonomy's theme confirmed
             [0.01, VETO - 0.01, 0.01],  # a taxonomy theme (if any) under VETO goes
             [0.30, 0.01, ADD]]          # anhörigstöd added at ADD, gangs kept by p >= VETO
    check = ThemeCheck(FixedModel(keys, proba), "märkta.csv", 100)
    monkeypatch.setattr(ThemeCheck, "_top_words", lambda self, text, key: ["stödlinje"])
    result = check.apply(matched, texts, taxonomy)
    assert result.loc[0, "themes"] == ["kriminella_natverk"] and result.loc[0, "vetoed"] == []
    assert "skola_och_unga" not in result.loc[1, "themes"]
    assert set(result.loc[1, "vetoed"]) == set(matched.loc[1, "themes"])
    assert "anhorigstod" in result.loc[2, "themes"]
    assert result.loc[2, "evidence"]["anhorigstod"] == [f"klassificeraren {round(100 * ADD)} %", "stödlinje"]
    # the boolean columns follow; themes the classifier was not trained on are left alone
    assert bool(result.loc[2, "anhorigstod"]) and not bool(result.loc[1, "skola_och_unga"])
    lonely = ThemeCheck(FixedModel(["avhoppare"], [[0.0]] * 3), "x.csv", 100)
    assert lonely.apply(matched, texts, taxonomy)["themes"].tolist() == \
        matched["themes"].tolist()


def test_when_the_classifier_leads_each_theme_follows_its_own_threshold(
        monkeypatch: pytest.MonkeyPatch) -> None:
    taxonomy = scanning.load_taxonomy()
    texts = ["Skottlossning i Västerby – polisen ser en konflikt mellan kriminella nätverk.",
             "Föräldrar till unga i gängmiljö får en egen stödlinje."]
    matched = scanning.match_themes(scanning.build_corpus(texts), taxonomy)
    assert "kriminella_natverk" in matched.loc[0, "themes"]
    keys = ["kriminella_natverk", "anhorigstod"]
    model = FixedModel(keys, [[0.40, 0.10], [0.30, 0.35]])
    model.thresholds_ = np.array([0.35, 0.30])
    monkeypatch.setattr(ThemeCheck, "_top_words", lambda self, text, key: ["stödlinje"])
    led = ThemeCheck(model, "märkta.csv", 100, lead=True).apply(matched, texts, taxonomy)
    # 0.40 >= 0.35: the taxonomy's gang theme stays, with the taxonomy's words as evidence
    assert "kriminella_natverk" in led.loc[0, "themes"]
    assert led.loc[0, "evidence"]["kriminella_natverk"] == \
        matched.loc[0, "evidence"]["kriminella_natverk"]
    # 0.30 < 0.35 drops gangs from the second text whatever the taxonomy found; 0.35 >= 0.30
    # puts relatives' support on, with the classifier as evidence
    assert "kriminella_natverk" not in led.loc[1, "themes"]
    assert led.loc[1, "evidence"]["anhorigstod"][0] == "klassificeraren 35 %" or \
        "anhorigstod" in matched.loc[1, "themes"]
    # the same probabilities under the fixed cut-offs (0.2 / 0.6) keep gangs, add nothing
    checked = ThemeCheck(model, "märkta.csv", 100).apply(matched, texts, taxonomy)
    assert ("kriminella_natverk" in checked.loc[1, "themes"]) == \
        ("kriminella_natverk" in matched.loc[1, "themes"])


def test_the_check_on_the_development_corpus_leaves_the_held_out_batch_out() -> None:
    taxonomy = scanning.load_taxonomy()
    corpus = pd.read_csv(PROJECT / DEV_CORPUS, keep_default_na=False)
    check = load_theme_check(PROJECT / DEV_CORPUS, taxonomy, exclude_split=HELD_OUT)
    assert check.n_texts == int((corpus["split"] != HELD_OUT).sum())
    alone = evaluate_themes(taxonomy, PROJECT / DEV_CORPUS).per_theme
    checked = evaluate_themes(taxonomy, PROJECT / DEV_CORPUS, check=check).per_theme
    # measured once on the fresh batch (benchmarks/README.md): the check raises both the
    # mean precision and the mean recall, and keeps every theme off the unrelated texts
    assert checked["precision"].mean() > alone["precision"].mean()
    assert checked["recall"].mean() > alone["recall"].mean()
    assert (checked["unrelated_rate"] <= 0.05).all()
    text = "Mammor i Östra Hagen startar en grupp för föräldrar till gängkriminella söner."
    found = check.apply(scanning.match_themes(scanning.build_corpus([text]), taxonomy),
                        [text], taxonomy)
    added = [v for v in found.loc[0, "evidence"].values() if v[0].startswith("klassific")]
    assert all("östra" not in words for words in added)  # a place is no evidence


def test_the_check_leaves_out_one_split_or_several(tmp_path: Path) -> None:
    from research.scanning.validation import MEASURED, TUNED_ON_ERRORS, measured_since

    taxonomy = scanning.load_taxonomy()
    rows = ["split,title,text,themes"]
    for n, split in enumerate(("a", "b", "c") * 20):
        theme = "avhoppare" if n % 2 else "islamism"
        rows.append(f"{split},Text {n},Om {theme} nummer {n} i {split},{theme}")
    path = tmp_path / "märkta.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert load_theme_check(path, taxonomy).n_texts == 60
    assert load_theme_check(path, taxonomy, exclude_split="a").n_texts == 40
    assert load_theme_check(path, taxonomy, exclude_split=["c"]).n_texts == 40
    assert load_theme_check(path, taxonomy, exclude_split=("a", "b", "x")).n_texts == 20
    with pytest.raises(ParameterError, match="has 0 labelled texts; the check needs at least"):
        load_theme_check(path, taxonomy, exclude_split={"a", "b", "c"})
    # a batch is measured without itself and every batch measured after it
    assert measured_since(HELD_OUT) == (HELD_OUT,)
    assert measured_since(TUNED_ON_ERRORS[-1]) == (TUNED_ON_ERRORS[-1], HELD_OUT)
    assert measured_since(MEASURED[0]) == MEASURED
    assert measured_since("utveckling") == ("utveckling",)


def test_bad_theme_check_files_are_named(tmp_path: Path) -> None:
    taxonomy = scanning.load_taxonomy()
    assert load_theme_check("", taxonomy) is None
    # the shipped parameter sets name the development corpus; an installation without it
    # runs on the taxonomy alone, while a file of one's own that is missing is an error
    from research.paths import ROOT_ENV

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ROOT_ENV, str(tmp_path))
        patch.chdir(tmp_path)
        assert load_theme_check(DEV_CORPUS, taxonomy) is None
    with pytest.raises(InputDataError) as missing:
        load_theme_check(tmp_path / "saknas.csv", taxonomy)
    assert "saknas.csv" in str(missing.value)
    few = tmp_path / "få.csv"
    few.write_text("title,text,themes\nEtt,två,avhoppare\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="at least 20") as small:
        load_theme_check(few, taxonomy)
    assert small.value.fields["parameter"] == "theme_check"
    wrong = tmp_path / "fel.csv"
    wrong.write_text("title,text,themes\nEtt,två,okänt_tema\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="okänt_tema"):
        load_theme_check(wrong, taxonomy)


def test_the_quality_note_says_how_the_themes_were_checked() -> None:
    from research.scanning.briefing import ScanResult

    check = SimpleNamespace(n_texts=1193, source="data/dev/omvarld_teman/dokument.csv",
                            veto=VETO, add=ADD)
    note = ScanResult.check_note(SimpleNamespace(check=check))
    assert "1\u00a0193 handmärkta texter" in note
    assert f"under {VETO:.0%}".replace("%", " %") in note and f"{ADD:.0%}".replace("%", " %") in note
    assert ScanResult.check_note(SimpleNamespace(check=None)) == ""


def test_errors_in_the_check_file_name_the_theme_check_parameter(tmp_path: Path) -> None:
    taxonomy = scanning.load_taxonomy()
    with pytest.raises(InputDataError) as missing:
        load_theme_check(tmp_path / "saknas.csv", taxonomy)
    assert missing.value.fields["parameter"] == "theme_check"
    rows = "\n".join(f"Rubrik {i},Text {i} om något helt annat," for i in range(25))
    unlabelled = tmp_path / "omärkta.csv"
    unlabelled.write_text("title,text,themes\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="enough labelled examples") as none:
        load_theme_check(unlabelled, taxonomy)
    assert none.value.fields["parameter"] == "theme_check"


def test_a_fitted_check_is_kept_and_a_broken_copy_is_fitted_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from research.scanning import check as check_module

    monkeypatch.setenv(check_module.CACHE_ENV, str(tmp_path / "cache"))
    taxonomy = scanning.load_taxonomy()
    rows = ["id,title,text,themes"]
    for i in range(30):
        if i % 2:
            rows.append(f"{i},Skjutning {i},En skjutning i en konflikt mellan gäng nummer {i}.,"
                        "kriminella_natverk")
        else:
            rows.append(f"{i},Matsal {i},Skolan bygger en ny matsal för {i} elever.,")
    labelled = tmp_path / "märkta.csv"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fresh = load_theme_check(labelled, taxonomy)
    kept = list((tmp_path / "cache" / "theme_check").glob("*.pickle"))
    assert len(kept) == 1
    again = load_theme_check(labelled, taxonomy)
    texts = ["Gängen skjuter igen.", "Ny matsal i skolan."]
    assert np.array_equal(fresh.model.predict_proba(texts), again.model.predict_proba(texts))
    kept[0].write_bytes(kept[0].read_bytes()[:-10])  # torn: fitted again, no error
    assert np.array_equal(load_theme_check(labelled, taxonomy).model.predict_proba(texts),
                          fresh.model.predict_proba(texts))
    # other labels are another model
    labelled.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    load_theme_check(labelled, taxonomy)
    assert len(list((tmp_path / "cache" / "theme_check").glob("*.pickle"))) == 2


def test_the_rule_on_matrices_keeps_vetoes_and_adds_as_the_check_does() -> None:
    from research.scanning.check import combine, count_errors

    found = np.array([[True, False], [True, True], [False, False]])
    proba = np.array([[0.25, 0.65], [0.35, 0.9], [0.1, 0.75]])
    guess = combine(found, proba, 0.3, 0.7)
    # under the veto goes, a found theme at the veto stays, a new one needs the add
    assert guess.tolist() == [[False, False], [True, True], [False, True]]
    truth = np.array([[True, False], [True, False], [False, True]])
    assert count_errors(truth, guess).tolist() == [1, 1]
    with pytest.raises(ParameterError, match="differ") as error:
        combine(found, proba[:2], 0.3, 0.7)
    assert error.value.fields["parameter"] == "theme_check"


def test_cut_offs_per_theme_are_the_ones_with_fewest_errors_and_keep_a_prior_on_a_tie(
        ) -> None:
    from research.scanning.check import choose_cutoffs

    # theme 0: the taxonomy's finds at p 0.05 are all wrong, the rest right -> a veto
    # above 0.05; theme 1: the classifier's 0.58 is right where the taxonomy found nothing
    truth = np.array([[False, True], [True, True], [False, False], [True, False]])
    found = np.array([[True, False], [True, True], [False, False], [True, False]])
    proba = np.array([[0.05, 0.58], [0.6, 0.9], [0.01, 0.2], [0.5, 0.1]])
    veto, add = choose_cutoffs(truth, found, proba)
    assert 0.05 < veto[0] <= 0.5 and add[1] <= 0.58
    # with a prior the theme keeps it unless another pair is at least two errors better
    veto, add = choose_cutoffs(truth, found, proba, prior=(0.0, float("inf")))
    assert (veto[1], add[1]) == (0.0, float("inf")) and veto[0] == 0.0
    with pytest.raises(ParameterError, match="no labelled texts"):
        choose_cutoffs(truth[:0], found[:0], proba[:0])
    with pytest.raises(ParameterError, match="one shape"):
        choose_cutoffs(truth, found[:, :1], proba)


def test_the_cache_keeps_only_the_most_recently_used_fitted_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from research.scanning import check as check_module

    monkeypatch.setenv(check_module.CACHE_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "theme_check"
    folder.mkdir(parents=True)
    old = []
    for i in range(6):  # six earlier fits, the oldest first; another file is left alone
        path = folder / f"{i:064x}.pickle"
        path.write_bytes(b"x" * 40)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
        old.append(path)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    os.utime(old[0], None)  # the oldest was just used: it stays
    taxonomy = scanning.load_taxonomy()
    rows = ["id,title,text,themes"] + [
        f"{i},Rubrik {i},{'En skjutning mellan gäng' if i % 2 else 'En ny matsal'} nr {i}.,"
        + ("kriminella_natverk" if i % 2 else "") for i in range(20)]
    labelled = tmp_path / "märkta.csv"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    load_theme_check(labelled, taxonomy)
    kept = sorted(p.name for p in folder.glob("*.pickle"))
    assert len(kept) == check_module.CACHE_KEEP
    assert old[0].name in kept and old[5].name in kept and old[4].name in kept
    assert not old[1].exists() and not old[2].exists() and not old[3].exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_classifier_regularisation_is_checked_and_used() -> None:
    from research.scanning.check import CHECK_C, fit_model

    with pytest.raises(ParameterError, match="must be positive") as error:
        scanning.ThemeClassifier(["avhoppare"], c=0, parameter="theme_check")
    assert error.value.fields["parameter"] == "theme_check"
    texts = [f"Avhoppare nummer {i} lämnar gänget." if i % 2 else f"Ny busslinje {i}."
             for i in range(12)]
    labels = [["avhoppare"] if i % 2 else [] for i in range(12)]
    loose = fit_model(texts, labels, ["avhoppare"], c=100.0)
    tight = fit_model(texts, labels, ["avhoppare"])
    assert tight.c == CHECK_C and loose.c == 100.0
    sure = [loose.predict_proba(texts)[1, 0], tight.predict_proba(texts)[1, 0]]
    assert sure[0] > sure[1] > 0.5  # less regularised: surer on what it was trained on


def test_a_classifier_of_a_single_theme_gives_that_themes_probability() -> None:
    """With one theme scikit-learn sees a binary problem (two columns: absent, present);
    the probabilities and the threshold chosen in folds are the theme's own, not their
    complement."""
    texts = [f"Avhoppare nummer {i} lämnar gänget i Vretmora." if i % 2 else
             f"Ny busslinje {i} till Vretmora." for i in range(24)]
    labels = [["avhoppare"] if i % 2 else [] for i in range(24)]
    model = scanning.ThemeClassifier(["avhoppare", "islamism"], min_examples=3).fit(
        texts, labels)
    assert model.trained_keys_ == ["avhoppare"]
    proba = model.predict_proba(["En avhoppare lämnar gänget.", "Busslinjen dras om."])
    assert proba.shape == (2, 1) and proba[0, 0] > 0.5 > proba[1, 0]
    assert model.predict(["En avhoppare lämnar gänget.", "Busslinjen dras om."]) == [
        ["avhoppare"], []]
