"""Screening features and the class balance (issue 18): the options the defaults were chosen
from, their errors, and the weights checked against sklearn's own sample-weight code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.errors import ParameterError
from research.literature import screening

TEXTS = [
    "The studies of 2019 reviewed nudges in schools",
    "A study of the nudge in school canteens, 2020",
    "Traffic budget and parking fees in the city",
    "Parking and traffic: a budget study",
]


@pytest.mark.parametrize("ratio", [1.0, 9.8, 0.5])
def test_balance_weights_match_sklearn_sample_weights(ratio: float) -> None:
    """The relevant records get ``ratio`` times the irrelevant ones' total weight, computed
    independently with sklearn's compute_sample_weight and renormalised to sum to n."""
    from sklearn.utils.class_weight import compute_sample_weight

    y = np.array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    ours = screening.balance_weights(y, ratio)
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    reference = compute_sample_weight({1: 1.0, 0: n1 / (ratio * n0)}, y)
    reference = reference * len(y) / reference.sum()
    np.testing.assert_allclose(ours, reference)
    assert ours[y == 1].sum() == pytest.approx(ratio * ours[y == 0].sum())
    assert ours.sum() == pytest.approx(len(y))


def test_balance_weights_none_is_sklearn_balanced() -> None:
    from sklearn.utils.class_weight import compute_sample_weight

    y = np.array([1, 0, 0, 0, 1, 0, 0])
    np.testing.assert_allclose(screening.balance_weights(y, None),
                               compute_sample_weight("balanced", y))


@pytest.mark.parametrize("ratio", [0, -1, float("nan"), True, "9.8"])
def test_model_refuses_a_bad_ratio(ratio: object) -> None:
    with pytest.raises(ParameterError) as info:
        screening.RelevanceModel(ratio=ratio).check()  # type: ignore[arg-type]
    assert info.value.fields["parameter"] == "ratio"


def test_weighting_towards_relevant_moves_the_boundary() -> None:
    """With 9.8 : 1 towards the relevant class an ambiguous record scores higher than with
    equal totals (the point of the weighting: few relevant among many irrelevant)."""
    texts = ["skola mentor"] * 2 + ["trafik budget"] * 20 + ["skola trafik"]
    y = np.array([1, 1] + [0] * 20)
    features = screening.build_features(texts, words="raw")
    scores = {}
    for ratio in (None, 9.8):
        model = screening.RelevanceModel("svm", C=0.11, ratio=ratio).fit(features[:22], y)
        scores[ratio] = model.score(features[22:])[0]
    assert scores[9.8] > scores[None]


def test_raw_words_keep_digits_and_the_stop_word_option_drops_them() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    raw = screening.build_features(TEXTS, words="raw", ngram_max=1, min_df=1, max_df=1.0)
    reference = TfidfVectorizer(sublinear_tf=True).fit(TEXTS)  # sklearn's own tokens
    assert raw.shape == (len(TEXTS), len(reference.vocabulary_))
    assert {"2019", "the", "of"} <= set(reference.vocabulary_)
    stopped = screening.build_features(TEXTS, words="raw", ngram_max=1, min_df=1,
                                       max_df=1.0, stop_words=True)
    assert stopped.shape[1] == raw.shape[1] - len({"the", "of", "in", "and", "a"} &
                                                  set(reference.vocabulary_))
    bigrams = screening.build_features(TEXTS, words="raw", ngram_max=2, min_df=1, max_df=1.0)
    assert bigrams.shape[1] > raw.shape[1]


def test_lemmatised_words_merge_inflections() -> None:
    raw = screening.build_features(TEXTS, words="raw", ngram_max=1, min_df=2, max_df=1.0)
    lemmas = screening.build_features(TEXTS, words="lemma", ngram_max=1, min_df=2,
                                      max_df=1.0)
    # "study"/"studies", "nudge"/"nudges", "school"/"schools" only agree once lemmatised
    assert lemmas.shape[1] > raw.shape[1]
    assert screening.build_features(TEXTS, lemmatize=True, ngram_max=1, min_df=2,
                                    max_df=1.0).shape == lemmas.shape


@pytest.mark.parametrize("option,value", [("words", "stem"), ("ngram_max", 0),
                                          ("min_df", 1.5), ("max_df", 0), ("max_df", 1.5),
                                          ("max_df", True)])
def test_build_features_refuses_bad_options(option: str, value: object) -> None:
    with pytest.raises(ParameterError) as info:
        screening.build_features(TEXTS, **{option: value})
    assert info.value.fields["parameter"] == option


def test_record_texts_title_twice() -> None:
    records = pd.DataFrame({"title": ["T"], "abstract": ["A"]})
    assert screening.record_texts(records, title_twice=False) == ["T A"]
    assert screening.record_texts(records, title_twice=True) == ["T T A"]


def test_feature_options_and_swedish_description() -> None:
    options = screening.feature_options()
    assert set(options) == set(screening.FEATURE_OPTIONS)
    assert screening.build_features(TEXTS, **options).shape[0] == len(TEXTS)
    described = screening.features_description_sv(
        {"words": "raw", "ngram_max": 1, "stop_words": True, "title_twice": True})
    assert described.startswith("ord som de står") and "stoppord borttagna" in described
    assert "titeln räknad två gånger" in described
    assert "lemmatiserade" in screening.features_description_sv({"words": "lemma"})


def test_simulate_many_rejects_an_unknown_feature_option() -> None:
    with pytest.raises(ParameterError) as info:
        screening.simulate_many(TEXTS, [1, 1, 0, 0], seeds=1, stemming=True)
    assert info.value.fields["parameter"] == "stemming"


def test_cli_passes_the_feature_and_balance_options(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    rng = np.random.default_rng(0)
    titles = [" ".join(rng.choice(["skola", "mentor", "elever"], 4)) for _ in range(6)] + \
        [" ".join(rng.choice(["trafik", "budget", "park", "taxa"], 4)) for _ in range(30)]
    path = tmp_path / "l.csv"
    pd.DataFrame({"title": titles, "abstract": "", "included": [1] * 6 + [0] * 30}).to_csv(
        path, index=False)
    code = main(["literature", "simulate", str(path), "--label-column", "included",
                 "--seeds", "1", "--json", "--ratio", "none", "--words", "raw",
                 "--stop-words", "--title-twice", "--min-df", "1", "--max-df", "0.9"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["ratio"] is None
    assert payload["features"] == {"ngram_max": screening.DEFAULT_MODEL["ngram_max"],
                                   "words": "raw", "stop_words": True, "title_twice": True,
                                   "min_df": 1, "max_df": 0.9}


@pytest.mark.parametrize("option", [["--ratio", "0"], ["--ratio", "x"], ["--max-df", "0"],
                                    ["--max-df", "2"], ["--min-df", "0"],
                                    ["--words", "stem"]])
def test_cli_bad_feature_options_exit_2(tmp_path: Path, option: list[str],
                                        capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    path = tmp_path / "l.csv"
    pd.DataFrame({"title": ["a b", "c d"], "abstract": "", "included": [1, 0]}).to_csv(
        path, index=False)
    with pytest.raises(SystemExit) as info:
        main(["literature", "simulate", str(path), "--label-column", "included", *option])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert option[0] in err and "Traceback" not in err
