"""Batches: task building, retries with back-off, wall-clock kills, the summary, the CLI,
real notebooks (ok, failing, hanging, kernel-dying) and a Dask LocalCluster."""

from __future__ import annotations

import argparse
import io
import json
import os
import tarfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from research.orchestration import batch
from research.orchestration.batch import BatchResult, BatchTask, TaskResult, make_tasks, run_batch
from research.orchestration import cluster, ledger as ledger_module
from research.errors import ConfigError, ParameterError, ResearchError

from conftest import FIXTURES

BATCH = FIXTURES / "batch"
PARAMS = BATCH / "params"


# ---------------------------------------------------------------------------------------
# fake runners: module level so that spawned workers can import them by reference


def _fake_result(reports, label, status="succeeded", error_name=None):
    run_dir = Path(reports) / "runs" / "fake" / f"run-{label}-{os.getpid()}-{time.time_ns()}"
    run_dir.mkdir(parents=True)
    manifest = {"status": status, "label": label}
    if error_name:
        manifest["error"] = {"name": error_name, "message": "x", "cell_index": 1}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return SimpleNamespace(run_dir=run_dir, status=status, manifest=manifest,
                           error=None if status == "succeeded" else f"{error_name}: x")


def fake_runner(notebook, parameter_files, overrides, *, label, publish, timeout, reports):
    """Behaves as the overrides say: ok, fail, die once (marker file), hang, crash, invalid."""
    assert publish is False
    if overrides.get("calls"):  # one line per attempt, to show what was (not) redone
        with open(Path(overrides["calls"]) / f"{label}.txt", "a", encoding="utf-8") as handle:
            handle.write("x\n")
    time.sleep(float(overrides.get("sleep", 0)))
    mode = overrides.get("mode", "ok")
    if mode == "invalid":
        raise ParameterError("Unknown parameter 'perod_days'.", hint="did you mean 'period_days'?")
    if mode == "fail":
        return _fake_result(reports, label, "failed", "ValueError")
    if mode == "die-once":
        marker = Path(overrides["marker"])
        if not marker.exists():
            marker.write_text("died", encoding="utf-8")
            return _fake_result(reports, label, "failed", "DeadKernelError")
    if mode == "die-always":
        return _fake_result(reports, label, "failed", "DeadKernelError")
    if mode == "hang":
        time.sleep(600)
    if mode == "crash":
        os._exit(3)
    return _fake_result(reports, label)


def task(label: str, **overrides) -> BatchTask:
    return BatchTask("fake.ipynb", (), overrides, label)


# ---------------------------------------------------------------------------------------
# building tasks


def test_make_tasks_expands_globs_in_order_with_unique_labels(tmp_path):
    tasks = make_tasks("notebooks/mall.ipynb", ["tests/fixtures/batch/params/*.yaml"],
                       {"value": 5})
    assert [t.label for t in tasks] == ["alvstad", "norrbacka", "sjoviken"]
    assert tasks[0].parameter_files == ("tests/fixtures/batch/params/alvstad.yaml",)
    assert all(t.overrides == {"value": 5} for t in tasks)
    for town in ("a", "b"):
        (tmp_path / town).mkdir()
        (tmp_path / town / "default.yaml").write_text("value: 1\n", encoding="utf-8")
    tasks = make_tasks("x.ipynb", [str(tmp_path / "*" / "default.yaml")])
    assert [t.label for t in tasks] == ["a-default", "b-default"]
    assert [t.label for t in make_tasks("x.ipynb", [])] == ["standard"]


def test_missing_parameter_file_and_empty_glob_are_config_errors():
    with pytest.raises(ConfigError, match="not found: parameters/finns-inte.yaml") as info:
        make_tasks("x.ipynb", ["parameters/finns-inte.yaml"])
    assert info.value.hint and info.value.fields["file"] == "parameters/finns-inte.yaml"
    with pytest.raises(ConfigError, match="No parameter files match"):
        make_tasks("x.ipynb", ["parameters/saknas/*.yaml"])


def test_bad_options_are_refused_before_anything_runs():
    with pytest.raises(ConfigError, match="parallel runs"):
        run_batch("x", tasks=[task("a")], jobs=0, runner=fake_runner)
    with pytest.raises(ConfigError, match="retries"):
        run_batch("x", tasks=[task("a")], retries=-1, runner=fake_runner)
    with pytest.raises(ConfigError, match="timeout"):
        run_batch("x", tasks=[task("a")], timeout=0, runner=fake_runner)
    with pytest.raises(ConfigError, match="cannot be sent to worker processes"):
        run_batch("x", tasks=[task("a")], runner=lambda *a, **k: None, publish=False)
    with pytest.raises(ParameterError, match="Notebook not found"):
        run_batch("tests/fixtures/batch/finns-inte.ipynb", [])


def test_backoff_doubles_up_to_the_cap():
    assert [batch._backoff_delay(n, 2.0, 10.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 10.0]


def test_summary_table_lists_every_set_and_the_errors():
    result = BatchResult([TaskResult("alvstad", "succeeded", 2.04, 1, Path("/r/runs/nb/1")),
                          TaskResult("norrbacka", "failed", 3.0, 2, Path("/r/runs/nb/2"),
                                     "cell 4 failed: ValueError: <script>x</script>")], 5.0)
    text = result.summary_table()
    lines = text.splitlines()
    assert lines[0].split() == ["parameter", "set", "status", "duration", "attempts", "run",
                                "directory"]
    assert "alvstad" in lines[2] and "2.0 s" in lines[2] and "/r/runs/nb/1" in lines[2]
    assert "1 of 2 succeeded" in text and "norrbacka: failed: cell 4" in text
    assert not result.succeeded and [r.label for r in result.failed] == ["norrbacka"]
    frame = result.to_frame()
    assert list(frame["status"]) == ["succeeded", "failed"]


# ---------------------------------------------------------------------------------------
# the local pool with fake runners (real processes, no kernels)


def test_failures_never_stop_the_others_and_dead_kernels_are_retried(tmp_path, isolated_reports):
    tasks = [task("ok1"), task("fel", mode="fail"), task("ogiltig", mode="invalid"),
             task("dör-en-gång", mode="die-once", marker=str(tmp_path / "marker")),
             task("dör-alltid", mode="die-always"), task("ok2")]
    result = run_batch("fake", tasks=tasks, jobs=2, retries=2, backoff=0.05,
                       publish=False, runner=fake_runner)
    got = {r.label: (r.status, r.attempts) for r in result.results}
    assert got == {"ok1": ("succeeded", 1), "fel": ("failed", 1), "ogiltig": ("invalid", 1),
                   "dör-en-gång": ("succeeded", 2), "dör-alltid": ("failed", 3),
                   "ok2": ("succeeded", 1)}
    assert [r.label for r in result.results] == [t.label for t in tasks]  # given order
    assert "perod_days" in result.results[2].error and result.results[2].run_dir is None
    assert all(r.run_dir.is_dir() for r in result.results if r.status != "invalid")
    # evidence of every attempt is kept: the dead-kernel attempts have run directories too
    assert len(list((isolated_reports / "runs" / "fake").iterdir())) == 1 + 1 + 2 + 3 + 1


def test_hanging_run_is_killed_and_others_finish(isolated_reports):
    tasks = [task("hänger", mode="hang"), task("ok1"), task("ok2"), task("ok3")]
    started = time.monotonic()
    result = run_batch("fake", tasks=tasks, jobs=2, timeout=1, kill_grace=0.5, retries=1,
                       backoff=0.05, publish=False, runner=fake_runner)
    statuses = {r.label: r.status for r in result.results}
    assert statuses == {"hänger": "timeout", "ok1": "succeeded", "ok2": "succeeded",
                        "ok3": "succeeded"}
    hung = result.results[0]
    assert hung.attempts == 2 and "wall-clock" in hung.error
    assert time.monotonic() - started < 120  # generous: proves nothing waited for 600 s


def test_worker_process_that_dies_is_replaced_and_reported(isolated_reports):
    tasks = [task("kraschar", mode="crash"), task("ok")]
    result = run_batch("fake", tasks=tasks, jobs=1, retries=1, backoff=0.05, publish=False,
                       runner=fake_runner)
    crashed, ok = result.results
    assert (crashed.status, crashed.attempts) == ("crashed", 2)
    assert "exit code 3" in crashed.error
    assert ok.status == "succeeded"


# ---------------------------------------------------------------------------------------
# moving run directories from workers


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_unpack_run_is_atomic_and_never_overwrites(tmp_path):
    data = _archive({"r1/manifest.json": b"{}", "r1/tables/a.csv": b"x\n1\n"})
    first = cluster.unpack_run(data, "runs/nb/r1", tmp_path)
    assert first == tmp_path / "runs" / "nb" / "r1"
    assert (first / "tables" / "a.csv").read_bytes() == b"x\n1\n"
    second = cluster.unpack_run(data, "runs/nb/r1", tmp_path)
    assert second.name == "r1-2" and (first / "manifest.json").is_file()
    assert [p.name for p in (tmp_path / "runs" / "nb").iterdir() if p.name.startswith(".")] \
        == []


@pytest.mark.parametrize("relative, members", [
    ("../../etc/r1", {"r1/x": b""}),
    ("runs/nb/..", {"r1/x": b""}),
    ("runs/nb/r1", {"../../evil": b"x"}),
    ("runs/nb/r1", {"other/x": b""}),
])
def test_unpack_run_rejects_hostile_archives(tmp_path, relative, members):
    with pytest.raises((ConfigError, tarfile.TarError)):
        cluster.unpack_run(_archive(members), relative, tmp_path / "reports")
    assert not (tmp_path / "evil").exists()


# ---------------------------------------------------------------------------------------
# command line


def cli(argv: list[str]) -> int:
    from research.cli.batch import add_parser

    parser = argparse.ArgumentParser(prog="research")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_batch_missing_params_is_a_research_error():
    with pytest.raises(ResearchError, match="No parameter files match"):
        cli(["batch", "tests/fixtures/batch/ok.ipynb", "tests/fixtures/batch/saknas/*.yaml"])


def test_cli_batch_rejects_bad_jobs(capsys):
    with pytest.raises(SystemExit):
        cli(["batch", "tests/fixtures/batch/ok.ipynb", "-j", "0"])
    assert "expected 1 or more" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# real notebooks, real kernels


@pytest.mark.e2e
def test_batch_of_ok_failing_hanging_and_dying_notebooks(tmp_path, isolated_reports):
    tasks = [BatchTask(str(BATCH / "ok.ipynb"), (str(PARAMS / "alvstad.yaml"),), {}, "ok"),
             BatchTask(str(BATCH / "failing.ipynb"), (), {}, "failing"),
             BatchTask(str(BATCH / "hanging.ipynb"), (), {}, "hanging"),
             BatchTask(str(BATCH / "dying.ipynb"), (), {"marker": str(tmp_path / "m")},
                       "dying")]
    result = run_batch("batch", tasks=tasks, jobs=2, timeout=4, retries=1, backoff=0.1,
                       publish=True)
    got = {r.label: (r.status, r.attempts) for r in result.results}
    assert got == {"ok": ("succeeded", 1), "failing": ("failed", 1),
                   "hanging": ("timeout", 1), "dying": ("succeeded", 2)}
    ok, failing, hanging, dying = result.results
    for r in result.results:
        assert r.run_dir.parent.parent == isolated_reports / "runs"
        assert (r.run_dir / "notebook.ipynb").is_file() and (r.run_dir / "briefing.html").is_file()
    manifest = json.loads((failing.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["error"]["name"] == "ValueError" and "avsiktligt fel" in failing.error
    assert "CellTimeoutError" in hanging.error
    assert result.published and (isolated_reports / "site" / "index.html").is_file()


@pytest.mark.e2e
def test_wall_clock_limit_kills_the_kernel_and_keeps_evidence(tmp_path, isolated_reports):
    psutil = pytest.importorskip("psutil")
    pid_file = tmp_path / "kernel.pid"
    tasks = [BatchTask(str(BATCH / "hanging.ipynb"), (), {"pid_file": str(pid_file)}, "hanger")]
    # 10 s: the kernel must get past its imports to the cell that writes its pid first,
    # which takes seconds on a loaded machine (3 s failed CI once)
    result = run_batch("batch", tasks=tasks, jobs=1, timeout=10, cell_timeout=600,
                       kill_grace=0, retries=0, publish=False)
    hung = result.results[0]
    assert (hung.status, hung.error_name) == ("timeout", "Timeout")
    kernel_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(kernel_pid) and time.monotonic() < deadline:
        try:
            if psutil.Process(kernel_pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    alive = psutil.pid_exists(kernel_pid) and \
        psutil.Process(kernel_pid).status() != psutil.STATUS_ZOMBIE
    assert not alive, "the hanging kernel survived the wall-clock kill"
    manifest = json.loads((hung.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["error"]["name"] == "Timeout"


@pytest.mark.e2e
def test_cli_batch_with_glob_and_an_invalid_set_exits_1(isolated_reports, capsys):
    code = cli(["batch", "tests/fixtures/batch/ok.ipynb", "tests/fixtures/batch/params/*.yaml",
                "tests/fixtures/batch/bad/bad_type.yaml", "tests/fixtures/batch/bad/cp1252.yaml",
                "-j", "2", "--no-publish", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    # a parameter file saved in cp1252 by mistake is read like UTF-8; a wrong type is not
    assert "4 of 5 succeeded" in out and "bad_type: invalid: Parameter 'value'" in out
    runs = sorted(p.name for p in (isolated_reports / "runs" / "ok").iterdir())
    assert len(runs) == 4 and {r.split("-")[1] for r in runs} == {"alvstad", "norrbacka",
                                                                  "sjoviken", "cp1252"}
    manifest = json.loads((isolated_reports / "runs" / "ok" / next(r for r in runs if "cp1252" in r)
                           / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["kunskapshus"] == "Kunskapshus Älvstad"
    assert not (isolated_reports / "site").exists()


@pytest.mark.e2e
def test_dask_local_cluster_batch_brings_artefacts_home(isolated_reports, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        result = run_batch(BATCH / "ok.ipynb", ["tests/fixtures/batch/params/*.yaml"],
                           dask=cluster.scheduler_address, retries=1, backoff=0.1,
                           publish=True)
        failing = run_batch(BATCH / "failing.ipynb", [], dask=cluster.scheduler_address,
                            publish=False)
    assert [(r.label, r.status) for r in result.results] == [
        ("alvstad", "succeeded"), ("norrbacka", "succeeded"), ("sjoviken", "succeeded")]
    for r in result.results:
        assert r.run_dir.parent == isolated_reports / "runs" / "ok"
        assert {"notebook.ipynb", "briefing.html", "manifest.json"} <= \
            {p.name for p in r.run_dir.iterdir()}
        manifest = json.loads((r.run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "succeeded" and manifest["label"] == r.label
    html = (result.results[1].run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Norrbacka" in html
    assert result.published and (isolated_reports / "site" / "index.html").is_file()
    assert failing.results[0].status == "failed" and failing.results[0].run_dir.is_dir()
    leftovers = [p for p in (isolated_reports / "runs" / "ok").iterdir()
                 if p.name.startswith(".")]
    assert leftovers == []


# ---------------------------------------------------------------------------------------
# folders of parameter sets, the ledger, resuming after a crash


def test_a_folder_stands_for_its_yaml_files(tmp_path):
    from research.orchestration.samples import write_parameter_sets

    files = write_parameter_sets(tmp_path / "sets", 5)
    (tmp_path / "sets" / "notes.txt").write_text("not a parameter set", encoding="utf-8")
    tasks = make_tasks("x.ipynb", [str(tmp_path / "sets")])
    assert [t.label for t in tasks] == sorted(f.stem for f in files)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="holds no parameter files"):
        make_tasks("x.ipynb", [str(tmp_path / "empty")])


def test_fictional_municipalities_are_distinct_swedish_and_reproducible(tmp_path):
    import yaml

    from research.orchestration.samples import fictional_municipalities, write_parameter_sets

    names = fictional_municipalities(290)
    assert len(set(names)) == 290 and names == fictional_municipalities(290)
    assert names != fictional_municipalities(290, seed=1)
    assert any(ch in "".join(names) for ch in "åäö")
    with pytest.raises(ValueError):
        fictional_municipalities(10_000)
    files = write_parameter_sets(tmp_path, 3)
    data = yaml.safe_load(files[0].read_text(encoding="utf-8"))
    assert data == {"kunskapshus": f"Kunskapshus {names[0]}", "value": 1}
    assert all(f.name.isascii() for f in files)


def test_ledger_ignores_a_line_cut_off_by_a_crash(tmp_path):
    run_dir = tmp_path / "runs" / "nb" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text("{}", encoding="utf-8")
    ledger = ledger_module.Ledger(tmp_path / "batches" / "nb-x.jsonl", tmp_path)
    ledger.record("k1", "a", "succeeded", run_dir, 1.0, 1)
    ledger.record("k2", "b", "failed", run_dir, 1.0, 1)
    with open(ledger.path, "ab") as handle:
        handle.write(b'{"task": "k3", "label": "c", "stat')  # power cut mid-write
    ledger.record("k4", "d", "succeeded", tmp_path / "runs" / "nb" / "gone", 1.0, 1)
    ledger.record("k5", "e", "succeeded", run_dir, 2.0, 2)
    finished = ledger.finished()
    # failed runs and runs whose folder is gone are run again; the torn line is skipped
    assert sorted(finished) == ["k1", "k5"] and finished["k5"]["attempts"] == 2
    assert ledger.run_dir(finished["k1"]) == run_dir
    assert ledger.path.read_text(encoding="utf-8").count("\n") == 5


def test_the_same_batch_cannot_run_twice_at_once(tmp_path):
    ledger = ledger_module.Ledger(tmp_path / "batches" / "nb-x.jsonl", tmp_path)
    with ledger:
        with pytest.raises(ConfigError, match="Another batch"):
            with ledger_module.Ledger(ledger.path, tmp_path):
                pass


def test_a_finished_batch_is_closed_and_runs_again_in_full(tmp_path, isolated_reports):
    calls = tmp_path / "calls"
    calls.mkdir()
    tasks = [task(f"k{i}", calls=str(calls)) for i in range(3)]
    first = run_batch("fake", tasks=tasks, jobs=2, publish=False, runner=fake_runner)
    second = run_batch("fake", tasks=tasks, jobs=2, publish=False, runner=fake_runner)
    assert first.succeeded and second.succeeded
    assert not any(r.resumed for r in second.results)
    assert all((calls / f"k{i}.txt").read_text().count("x") == 2 for i in range(3))
    done = sorted(p.name for p in (isolated_reports / "batches").glob("*.done.jsonl"))
    open_ledgers = [p for p in (isolated_reports / "batches").glob("*.jsonl")
                    if ".done." not in p.name]
    assert len(done) == 2 and open_ledgers == []


BATCH_SCRIPT = """
import sys
from research.orchestration.batch import run_batch, BatchTask
from test_batch import fake_runner
calls = sys.argv[1]
tasks = [BatchTask("fake.ipynb", (), {"calls": calls, "sleep": 0.4}, f"kommun{i:02d}")
         for i in range(12)]
run_batch("fake", tasks=tasks, jobs=2, publish=False, runner=fake_runner)
"""


def test_a_batch_killed_mid_run_resumes_without_redoing_finished_runs(tmp_path,
                                                                      isolated_reports):
    import signal
    import subprocess
    import sys

    calls = tmp_path / "calls"
    calls.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    process = subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, str(calls)], env=env,
                               start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    folder = isolated_reports / "batches"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until a few runs are in the ledger
        ledgers = list(folder.glob("*.jsonl")) if folder.is_dir() else []
        if ledgers and ledgers[0].read_text(encoding="utf-8").count("\n") >= 3:
            break
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # a power cut: client and workers at once
    process.wait(30)
    recorded = [json.loads(line)["label"] for line in
                ledgers[0].read_text(encoding="utf-8").splitlines()]
    assert 3 <= len(recorded) < 12

    tasks = [BatchTask("fake.ipynb", (), {"calls": str(calls), "sleep": 0.4}, f"kommun{i:02d}")
             for i in range(12)]
    result = run_batch("fake", tasks=tasks, jobs=2, publish=False, runner=fake_runner)
    assert result.succeeded and len(result.results) == 12
    resumed = {r.label for r in result.results if r.resumed}
    assert resumed == set(recorded)
    for label in recorded:  # finished before the crash: not run again
        assert (calls / f"{label}.txt").read_text().count("x") == 1
    for r in result.results:
        assert (calls / f"{r.label}.txt").is_file() and r.run_dir.is_dir()
    assert f"({len(recorded)} finished by an earlier, interrupted batch)" in \
        result.summary_table()
    fresh = run_batch("fake", tasks=tasks, jobs=2, publish=False, runner=fake_runner)
    assert not any(r.resumed for r in fresh.results)
