"""Tests for research.literature.screening: metrics, simulation, screening log, ranking, widget, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.literature import screening
from research.errors import InputDataError, ParameterError

# ---------------------------------------------------------------------------------------
# metrics, hand-computed (asreview-insights definitions)

SMALL = [1, 1, 0, 1, 0]  # 5 records, 3 relevant: the asreview-insights "sparse" example


def test_recall_small_case() -> None:
    x, y = screening.recall_values(SMALL)
    assert x.tolist() == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert y.tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1, 1])
    assert screening.recall_at(SMALL, 0.1) == 0  # not even one record screened
    assert screening.recall_at(SMALL, 0.5) == pytest.approx(2 / 3)
    assert screening.recall_at(SMALL, 0.8) == 1


def test_wss_small_case() -> None:
    # random order finds 1, 2, 3 relevant after 2, 3, 5 records (round(linspace(0,3,5)) =
    # [0, 1, 2, 2, 3]); this order after 1, 2, 4: one record saved at each level
    x, y = screening.wss_values(SMALL)
    assert x.tolist() == pytest.approx([1 / 3, 2 / 3, 1])
    assert y.tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert screening.wss_at(SMALL, 0.95) == pytest.approx(0.2)
    assert screening.wss_at(SMALL, 1.0) == pytest.approx(0.2)


def test_wss_perfect_order_of_ten() -> None:
    labels = [1, 1] + [0] * 8
    # random: round(linspace(0, 2, 10)) reaches 1 at index 3 and 2 at index 7
    assert screening.wss_at(labels, 1.0) == pytest.approx(0.6)
    assert screening.wss_at(labels, 0.95) == pytest.approx(0.3)  # value at recall 0.5


def test_time_to_discovery_and_atd() -> None:
    assert screening.time_to_discovery(SMALL).tolist() == [1, 2, 4]
    assert screening.average_time_to_discovery(SMALL) == pytest.approx(7 / 3)


def test_loss_hand_computed() -> None:
    # trapezoid AUC of cumsum [1,2,2,3,3] = 11 - (1+3)/2 = 9; best 15 - 5 = 10; worst 4.5
    assert screening.loss(SMALL) == pytest.approx(1 / 5.5)
    assert screening.loss([1, 1, 1, 0, 0]) == pytest.approx(0.0)
    assert screening.loss([0, 0, 1, 1, 1]) == pytest.approx(1.0)


def test_screening_metrics_bundle() -> None:
    metrics = screening.screening_metrics(SMALL)
    assert metrics["n_records"] == 5 and metrics["n_relevant"] == 3
    assert metrics["atd_fraction"] == pytest.approx(7 / 15)


@pytest.mark.parametrize("bad", [[], [0, 0, 0], [1, 2], [[1, 0]]])
def test_metrics_reject_bad_labels(bad: list) -> None:
    with pytest.raises(ParameterError):
        screening.screening_metrics(bad)


# ---------------------------------------------------------------------------------------
# simulation


def toy_collection(n_relevant: int = 6, n_irrelevant: int = 40) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(3)
    relevant_words = ["skola", "mentor", "utvärdering", "elever", "förebyggande"]
    other_words = ["trafik", "budget", "vatten", "parkering", "avfall", "belysning", "cykel",
                   "buss", "snöröjning", "bibliotek", "bygglov", "taxa", "park", "gata",
                   "hamn", "skatt", "val", "arkiv", "brandskydd", "lantmäteri"]
    texts, labels = [], []
    for i in range(n_relevant):
        texts.append(" ".join(rng.choice(relevant_words, 6)) + f" post{i}")
        labels.append(1)
    for i in range(n_irrelevant):  # a record number of its own (the features keep digits)
        texts.append(" ".join(rng.choice(other_words, 6)) + f" post{n_relevant + i}")
        labels.append(0)
    return texts, np.array(labels)


def test_naive_bayes_simulation_runs() -> None:
    texts, labels = toy_collection()
    features = screening.build_features(texts)
    result = screening.simulate(features, labels, seed=1, model="nb", pseudo_negatives=0)
    assert result.labels.sum() == 5 and result.metrics["wss100"] > 0.3


@pytest.mark.parametrize("model", ["logistic", "svm", "ensemble"])
def test_simulation_finds_separable_relevant_first(model: str) -> None:
    texts, labels = toy_collection()
    features = screening.build_features(texts)
    result = screening.simulate(features, labels, seed=1, model=model, pseudo_negatives=0)
    # 5 relevant left after the prior; all found in the first 5 screened
    assert result.labels[:5].tolist() == [1] * 5
    assert result.metrics["wss100"] > 0.75
    assert result.metrics["loss"] == pytest.approx(0.0)
    assert len(result.labels) == len(labels) - 2  # priors excluded, padded with zeros
    assert set(result.priors.tolist()).isdisjoint(result.order.tolist())


def test_default_simulation_with_pseudo_negatives() -> None:
    texts, labels = toy_collection(n_relevant=10, n_irrelevant=200)
    features = screening.build_features(texts)
    result = screening.simulate(features, labels, seed=2)  # svm + 100 pseudo-negatives
    assert result.labels[:9].sum() >= 8
    assert result.metrics["wss95"] > 0.7


def test_simulation_is_reproducible_and_batch_mode_runs() -> None:
    texts, labels = toy_collection()
    features = screening.build_features(texts)
    a = screening.simulate(features, labels, seed=4)
    b = screening.simulate(features, labels, seed=4)
    assert a.order.tolist() == b.order.tolist()
    c = screening.simulate(features, labels, seed=4, batch_fraction=0.5,
                           stop_when_all_found=False)
    assert c.n_trainings < len(labels) - 2
    assert sorted(c.order.tolist() + c.priors.tolist()) == list(range(len(labels)))


def test_simulate_many_and_summary() -> None:
    texts, labels = toy_collection()
    table, results = screening.simulate_many(texts, labels, seeds=3)
    assert table["seed"].tolist() == [0, 1, 2] and len(results) == 3
    summary = screening.summarise_simulation(table)
    assert set(summary["metric"]) >= {"wss95", "wss100", "rrf10", "atd", "loss"}
    fig = screening.recall_curve_figure(results)
    from research.report import get_alt

    assert "95 %" in get_alt(fig) or "%" in get_alt(fig)


def test_simulation_needs_priors() -> None:
    texts, labels = toy_collection()
    features = screening.build_features(texts)
    with pytest.raises(ParameterError):
        screening.simulate(features, labels, prior_included=10)
    with pytest.raises(ParameterError):
        screening.simulate(features, labels, prior_excluded=0)


def test_nudging_reference_range(shared_data: Path) -> None:
    """Published ASReview result on nudging.csv: WSS@95 71.7 %, RRF@10 65.3 % (15 seeds).

    The full 15-seed replay lives in benchmarks/screening_simulation.py (where the default
    model beats those numbers); here two seeds with batched retraining check that we are in
    the same range, so the test stays fast.
    """
    texts, labels = screening.read_labelled_file(
        shared_data / "literature" / "nudging.csv", "included")
    assert len(labels) == 1847 and labels.sum() == 100
    table, _ = screening.simulate_many(texts, labels, seeds=[0, 1], batch_fraction=0.05)
    assert table["wss95"].mean() > 0.68
    assert table["rrf10"].mean() > 0.58


# ---------------------------------------------------------------------------------------
# labelled files


def test_read_labelled_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("title,abstract,label\nA,x,1\nB,y,kanske\n", encoding="utf-8")
    with pytest.raises(InputDataError) as info:
        screening.read_labelled_file(path, "label")
    assert info.value.fields["row"] == 3 and "l.csv" in str(info.value)
    with pytest.raises(InputDataError, match="not found"):
        screening.read_labelled_file(path, "included")
    path.write_text("title,abstract,label\nA,x,1\nB,y,1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="both"):
        screening.read_labelled_file(path, "label")


def test_read_labelled_file_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("title;abstract;label\nSkolans förebyggande;ö;ja\nB;y;nej\n"
                     .encode("cp1252"))
    texts, labels = screening.read_labelled_file(path, "label")
    assert labels.tolist() == [1, 0] and "förebyggande" in texts[0]


# ---------------------------------------------------------------------------------------
# screening log


def test_append_creates_and_never_loses_rows(tmp_path: Path) -> None:
    log = tmp_path / "sub" / "log.csv"
    screening.append_decision(log, "a", "include", reviewer="ML")
    screening.append_decision(log, "b", "exkludera")
    screening.append_decision(log, "a", "unsure")
    rows, problems = screening.read_screening_log(log)
    assert problems.empty
    assert rows["record_id"].tolist() == ["a", "b", "a"]
    assert rows["decision"].tolist() == ["include", "exclude", "unsure"]
    assert screening.latest_decisions(rows).to_dict() == {"a": "unsure", "b": "exclude"}


def test_append_after_file_without_trailing_newline(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("record_id,decision\nx,include", encoding="utf-8")
    screening.append_decision(log, "y", "exclude")
    rows, problems = screening.read_screening_log(log)
    assert rows["record_id"].tolist() == ["x", "y"] and problems.empty


def test_corrupt_rows_are_reported_not_dropped(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes("\ufeffrecord_id,decision,time,reviewer\nx,include\n"
                    ",exclude,,\ny,perhaps,,\nz,exclude,,,extra,field\nw,osäker,,\n"
                    .encode("utf-8"))
    rows, problems = screening.read_screening_log(log)
    assert rows["record_id"].tolist() == ["x", "w"]
    assert problems["line"].tolist() == [3, 4, 5]
    assert rows.loc[1, "decision"] == "unsure"


def test_log_cp1252_and_bad_header(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes("record_id,decision,reviewer\nå1,osäker,Östen\n".encode("cp1252"))
    rows, _ = screening.read_screening_log(log)
    assert rows.loc[0, "record_id"] == "å1" and rows.loc[0, "decision"] == "unsure"
    screening.append_decision(log, "ö2", "include", reviewer="Åsa")  # appended as UTF-8
    rows, problems = screening.read_screening_log(log)
    assert rows["record_id"].tolist() == ["å1", "ö2"] and problems.empty
    log.write_text("id,beslut\n1,include\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="header"):
        screening.read_screening_log(log)


def test_missing_log_is_empty_and_ensure_creates_header(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    rows, problems = screening.read_screening_log(log)
    assert rows.empty and problems.empty
    screening.ensure_screening_log(log)
    assert log.read_text(encoding="utf-8").startswith("record_id,decision,time,reviewer")
    screening.append_decision(log, "a", "include")
    screening.ensure_screening_log(log)  # never rewrites an existing log
    assert screening.read_screening_log(log)[0]["record_id"].tolist() == ["a"]


def test_bad_decision(tmp_path: Path) -> None:
    with pytest.raises(ParameterError):
        screening.append_decision(tmp_path / "log.csv", "a", "maybe-not")
    with pytest.raises(ParameterError):
        screening.append_decision(tmp_path / "log.csv", " ", "include")


# ---------------------------------------------------------------------------------------
# ranking, progress and the widget


def toy_records() -> pd.DataFrame:
    texts, labels = toy_collection()
    return pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "title": texts,
                         "abstract": ["<script>alert(1)</script>"] * len(texts),
                         "year": 2020, "truth": labels})


def test_screening_state_ranks_relevant_first() -> None:
    records = toy_records()
    log = pd.DataFrame({"record_id": ["r0", "r10", "r11"],
                        "decision": ["include", "exclude", "exclude"]})
    state = screening.screening_state(records, log, top=5, pseudo_negatives=0)
    top_ids = state.ranking["record_id"].tolist()
    truth = dict(zip(records["record_id"], records["truth"]))
    assert all(truth[r] == 1 for r in top_ids)
    default = screening.screening_state(records, log, top=5)  # with pseudo-negatives
    assert sum(truth[r] for r in default.ranking["record_id"]) >= 3
    assert not set(top_ids) & {"r0", "r10", "r11"}
    assert state.summary["n_screened"] == 3 and state.summary["n_included"] == 1
    assert 0 < state.summary["estimated_relevant_left"] < len(records)
    assert "Fortsätt" in state.summary["suggestion"]


def test_screening_state_without_decisions() -> None:
    records = toy_records()
    state = screening.screening_state(records, pd.DataFrame(columns=["record_id",
                                                                     "decision"]))
    assert state.summary["n_screened"] == 0
    assert state.ranking["rank"].tolist()[:3] == [1, 2, 3]
    assert "Börja" in state.summary["suggestion"]


def test_widget_appends_decisions(tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets")
    records = toy_records()
    log = tmp_path / "log.csv"
    panel = screening.screening_widget(records, log, reviewer="EB")
    heading, body, buttons, shortcut, status = panel.children
    assert "&lt;script&gt;" in body.value and "<script>" not in body.value
    buttons.children[0].click()  # Inkludera
    shortcut.value = "e"  # keyboard shortcut for Exkludera
    rows, _ = screening.read_screening_log(log)
    assert rows["decision"].tolist() == ["include", "exclude"]
    assert rows["reviewer"].tolist() == ["EB", "EB"]
    assert rows["record_id"].nunique() == 2


# ---------------------------------------------------------------------------------------
# CLI


def labelled_file(tmp_path: Path) -> Path:
    texts, labels = toy_collection()
    path = tmp_path / "labelled.csv"
    pd.DataFrame({"title": texts, "abstract": "", "included": labels}).to_csv(path,
                                                                            index=False)
    return path


def test_cli_simulate_json_and_figure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    path = labelled_file(tmp_path)
    figure = tmp_path / "recall.png"
    code = main(["literature", "simulate", str(path), "--label-column", "included",
                 "--seeds", "2", "--json", "--figure", str(figure)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["seeds"] == 2 and len(payload["runs"]) == 2
    assert 0 <= payload["summary"]["wss95"]["mean"] <= 1
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_cli_simulate_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    code = main(["literature", "simulate", str(labelled_file(tmp_path)), "--label-column",
                 "included", "--seeds", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "WSS@95" in out and "RRF@10" in out


def test_cli_bad_input_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    code = main(["literature", "simulate", str(labelled_file(tmp_path)), "--label-column",
                 "nope"])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_decisions_are_never_written_into_the_shipped_sample(tmp_path) -> None:
    from pathlib import Path

    from research.errors import InputDataError
    from research.paths import project_root
    from research.literature.screening import append_decision

    sample_log = project_root() / "data" / "sample" / "litteratur" / "screening_log.csv"
    before = sample_log.read_bytes()
    with pytest.raises(InputDataError, match="never modified") as err:
        append_decision(sample_log, "r1", "include")
    assert "screening_log" in err.value.hint
    assert sample_log.read_bytes() == before
    own = Path(tmp_path) / "log.csv"
    append_decision(own, "r1", "include")
    assert "r1,include" in own.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------
# the log under concurrent use (issue 15)


def test_concurrent_appends_keep_every_row_intact(tmp_path: Path) -> None:
    import threading

    log = tmp_path / "delad" / "log.csv"

    def reviewer(name: str) -> None:
        for number in range(15):
            screening.append_decision(log, f"{name}-{number}", "exclude", reviewer=name)

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("A", "B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "record_id,decision,time,reviewer"
    assert len(lines) == 46 and lines.count(lines[0]) == 1
    decisions, problems = screening.read_screening_log(log)
    assert len(decisions) == 45 and problems.empty


def test_ensure_never_replaces_a_log_that_exists(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("record_id,decision\nx,include\n", encoding="utf-8")
    screening.ensure_screening_log(log)
    assert log.read_text(encoding="utf-8") == "record_id,decision\nx,include\n"
    assert not list(tmp_path.glob("*.tmp"))
    screening.append_decision(log, "y", "exclude")  # keeps the file's own columns
    assert log.read_text(encoding="utf-8").splitlines()[-1] == "y,exclude"


def test_stopping_rules_on_known_orders() -> None:
    found_early = [1] * 20 + [0] * 480
    # 20 relevant first: slope ratio (20/20) / (1/(s-20)) reaches 156 - 20 at s = 156
    assert screening.knee_stop(found_early) == 156
    spread = [1, 0] * 250
    assert screening.knee_stop(spread) is None
    assert screening.run_stop([1] + [0] * 60, 100) == 51
    result = screening.evaluate_stopping([1] * 5 + [0] * 100 + [1] + [0] * 50, "run")
    assert result["stop_at"] == 55 and result["recall"] == pytest.approx(5 / 6)
    assert result["screened"] == pytest.approx(55 / 156)
    stop, text = screening.stopping_advice(found_early[:200], 10000)
    assert not stop and "efter 1000 i rad" in text
    stop, text = screening.stopping_advice(found_early[:200], 1000)
    assert stop and text.startswith("Överväg att avsluta: 180 poster i rad utan relevant post (gräns 100)")
    assert "på fyra publicerade dataset" in text
    assert "relevanta poster kan alltså finnas kvar" in text
    assert not screening.stopping_advice([], 10)[0]
    assert "ingen relevant" in screening.stopping_advice([0, 0], 10)[1]
    assert screening.evaluate_stopping([1] + [0] * 150, "run10")["stop_at"] == 101
    with pytest.raises(ParameterError):
        screening.evaluate_stopping([1, 0], "magic")


def test_sigkill_during_appends_leaves_a_readable_log(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    log = tmp_path / "log.csv"
    script = ("import sys\nfrom research.literature.screening import append_decision\n"
              "for n in range(100000):\n"
              "    append_decision(sys.argv[1], f'rec-{n}', 'exclude', reviewer='A')\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(log)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or log.stat().st_size < 2000):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    decisions, problems = screening.read_screening_log(log)
    assert log.read_text(encoding="utf-8").startswith("record_id,decision,time,reviewer")
    assert len(decisions) >= 20 and len(problems) <= 1  # at most the row being written
    assert decisions["record_id"].tolist() == [f"rec-{n}" for n in range(len(decisions))]
    screening.append_decision(log, "after", "include")  # the log goes on after the crash
    assert screening.read_screening_log(log)[0]["record_id"].iloc[-1] == "after"


@pytest.mark.parametrize("name,label,floor", [
    ("virus.csv", "included", 0.65),
    ("Bannach-Brown_2019.csv", "label_included", 0.36),
    ("Kitchenham_2010.csv", "label_included", 0.55),
])
def test_default_model_on_the_other_development_sets(shared_data: Path, name: str, label: str,
                                                     floor: float) -> None:
    """The default was chosen across four labelled sets (benchmarks/README.md, 10 seeds:
    WSS@95 73.4 / 42.6 / 65.6 %); one seed with coarser batched retraining stays in range."""
    texts, labels = screening.read_labelled_file(shared_data / "literature" / name, label)
    table, results = screening.simulate_many(texts, labels, seeds=[0], batch_fraction=0.05)
    assert table["wss95"].iloc[0] > floor, table.to_dict("records")
    full = np.concatenate([labels[results[0].priors], results[0].labels])
    assert screening.evaluate_stopping(full, "run10")["recall"] >= 0.9


@pytest.mark.parametrize("option", [
    ["--c", "0"], ["--c", "nan"], ["--c", "x"], ["--alpha", "-1"], ["--seeds", "0"],
    ["--seeds", "1.5"], ["--prior-included", "0"], ["--pseudo-negatives", "-1"],
    ["--batch-fraction", "1"], ["--ngram-max", "0"], ["--figure", "x.foo"],
    ["--figure", "."], ["--model", "forest"],
])
def test_cli_bad_option_values_exit_2_with_a_message(tmp_path: Path, option: list[str],
                                                     capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    with pytest.raises(SystemExit) as info:
        main(["literature", "simulate", str(labelled_file(tmp_path)), "--label-column",
              "included", *option])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert option[0] in err and "Traceback" not in err


def test_cli_unwritable_figure_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from research.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code = main(["literature", "simulate", str(labelled_file(tmp_path)), "--label-column",
                 "included", "--seeds", "1", "--figure", str(blocker / "recall.svg")])
    err = capsys.readouterr().err
    assert code == 2 and "figure" in err and "Traceback" not in err
