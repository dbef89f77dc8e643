"""Schedule file, cron logic (DST), ledger and passes with a fake clock and a fake batch."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest

from research.orchestration import schedule
from research.orchestration.batch import BatchResult, TaskResult
from research.errors import ConfigError, ResearchError
from research.orchestration.schedule import Job, load_schedule, next_runs, run_pass, to_aware

from conftest import PROJECT_ROOT


def at(text: str) -> dt.datetime:
    return to_aware(text)


class FakeBatch:
    """Records which jobs ran; returns a BatchResult like run_batch would."""

    def __init__(self, status: str = "succeeded", delay: float = 0.0) -> None:
        self.calls: list[str] = []
        self.status = status
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, job: Job, reports: Path) -> BatchResult:
        with self._lock:
            self.calls.append(job.name)
        if self.delay:
            time.sleep(self.delay)
        run_dir = reports / "runs" / "nb" / f"run-{job.name}-{len(self.calls)}"
        return BatchResult([TaskResult("standard", self.status, 1.0, 1, run_dir)], 1.0)


def weekly(name: str = "veckovis", cron: str = "0 6 * * 1", **kwargs) -> Job:
    return Job(name=name, notebook="notebooks/mall.ipynb", cron=cron, publish=False, **kwargs)


# ---------------------------------------------------------------------------------------
# schedule file


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_bytes(text.encode(encoding))
    return path


def test_project_schedule_file_loads():
    jobs = load_schedule(PROJECT_ROOT / "parameters" / "schedule.yaml")
    assert jobs and all(job.timezone == "Europe/Stockholm" for job in jobs)
    assert {job.name for job in jobs} >= {"verksamhet-veckovis"}


def test_schedule_file_with_defaults_glob_and_list(tmp_path):
    path = write(tmp_path, """
defaults:
  retries: 2
  timeout: 600
jobs:
  - name: a
    notebook: notebooks/mall.ipynb
    parameters: parameters/mall/*.yaml
    cron: "0 6 * * 1"
  - name: b
    notebook: notebooks/mall.ipynb
    parameters: [parameters/mall/default.yaml]
    cron: "*/15   * * * *"
    timezone: UTC
    retries: 0
    publish: false
    dask: tcp://127.0.0.1:8786
    parallel: 4
""")
    a, b = load_schedule(path)
    assert (a.retries, a.timeout, a.parameters, a.timezone) == \
        (2, 600, ("parameters/mall/*.yaml",), "Europe/Stockholm")
    assert (b.retries, b.publish, b.dask, b.parallel, b.cron) == \
        (0, False, "tcp://127.0.0.1:8786", 4, "*/15 * * * *")


def test_empty_schedule_and_bom(tmp_path):
    assert load_schedule(write(tmp_path, "")) == []
    bom = write(tmp_path, "\ufeffjobs:\n  - name: ö-jobb\n    notebook: x.ipynb\n"
                "    cron: '0 6 * * *'\n", "utf-8")
    with pytest.raises(ConfigError, match="invalid or missing name"):
        load_schedule(bom)  # å/ä/ö are not allowed in job names (they name ledger keys)


@pytest.mark.parametrize("text, match", [
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '61 * * * *'\n", "invalid cron"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * *'\n", "invalid cron"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n", "missing 'cron'"),
    ("jobs:\n  - name: a\n    cron: '0 6 * * *'\n", "missing 'notebook'"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n    cronn: 1\n",
     "unknown key"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n"
     "    timezone: Europe/Stokholm\n", "unknown time zone"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n    timeout: -5\n",
     "invalid timeout"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n    retries: två\n",
     "invalid retries"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n    publish: ja\n",
     "'publish' must be true or false"),
    ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n"
     "  - name: a\n    notebook: y.ipynb\n    cron: '0 7 * * *'\n", "duplicate job name"),
    ("jobs:\n  - name: '<script>alert(1)</script>'\n    notebook: x.ipynb\n"
     "    cron: '0 6 * * *'\n", "invalid or missing name"),
    ("jobs:\n  - just a string\n", "must be a mapping"),
    ("jobs: {a: 1}\n", "list 'jobs:'"),
    ("tasks: []\n", "unknown top-level"),
    ("jobs:\n  - name: a\n   notebook: x\n", "not valid YAML at line"),
])
def test_bad_schedule_files_name_the_problem(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_schedule(path)
    assert str(path) in str(info.value)
    assert info.value.hint


def test_schedule_in_cp1252_is_read_like_utf8(tmp_path):
    text = ("jobs:\n  - name: a\n    notebook: x.ipynb\n    cron: '0 6 * * *'\n"
            "    description: Lägesbild för Älvstad\n")
    from_cp1252 = load_schedule(write(tmp_path, text, "cp1252"))
    (tmp_path / "utf8").mkdir()
    from_utf8 = load_schedule(write(tmp_path / "utf8", text))
    assert from_cp1252[0].description == from_utf8[0].description == "Lägesbild för Älvstad"


def test_missing_schedule_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_schedule(tmp_path / "nope.yaml")


# ---------------------------------------------------------------------------------------
# cron in Europe/Stockholm


def test_next_runs_weekly_local_time():
    runs = next_runs(weekly(), at("2026-11-24T12:00"), 3)
    assert [r.isoformat() for r in runs] == ["2026-11-30T06:00:00+01:00",
                                            "2026-12-07T06:00:00+01:00",
                                            "2026-12-14T06:00:00+01:00"]


def test_daily_job_runs_once_when_autumn_repeats_the_hour():
    job = weekly(cron="30 2 * * *")
    slots = schedule.slots_between(job, at("2026-10-24T12:00"), at("2026-10-26T12:00"))
    assert [s.isoformat() for s in slots] == ["2026-10-25T02:30:00+02:00",
                                             "2026-10-26T02:30:00+01:00"]


def test_slot_in_spring_gap_runs_once_after_the_jump():
    job = weekly(cron="30 2 * * *")
    slots = schedule.slots_between(job, at("2026-03-28T12:00"), at("2026-03-30T12:00"))
    assert [s.isoformat() for s in slots] == ["2026-03-29T03:00:00+02:00",
                                             "2026-03-30T02:30:00+02:00"]
    half_hourly = weekly(cron="*/30 * * * *")
    slots = schedule.slots_between(half_hourly, at("2026-03-29T01:10"), at("2026-03-29T03:40"))
    assert [s.strftime("%H:%M%z") for s in slots] == ["01:30+0100", "03:00+0200",
                                                     "03:30+0200"]


def test_to_aware_reads_naive_time_in_stockholm_and_rejects_garbage():
    assert to_aware("2026-07-01T06:00").utcoffset() == dt.timedelta(hours=2)
    assert to_aware("2026-07-01T06:00+00:00").utcoffset() == dt.timedelta(0)
    with pytest.raises(ConfigError, match="Invalid time"):
        to_aware("next monday")


# ---------------------------------------------------------------------------------------
# passes with a fake clock


def test_first_pass_registers_and_runs_nothing(isolated_reports):
    fake = FakeBatch()
    result = run_pass([weekly()], now="2026-11-23T06:30", reports=isolated_reports,
                      batch_runner=fake)
    assert result.registered == ["veckovis"] and result.ran == [] and fake.calls == []
    ledger = schedule.read_ledger(isolated_reports)
    assert ledger["jobs"]["veckovis"]["checked_until"].startswith("2026-11-23T06:30")


def test_due_job_runs_exactly_once_and_double_pass_runs_nothing(isolated_reports):
    fake = FakeBatch()
    jobs = [weekly(), weekly("daglig", cron="0 7 * * *")]
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    assert run_pass(jobs, now="2026-11-30T05:59", reports=isolated_reports,
                    batch_runner=fake).ran == []
    result = run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports,
                      batch_runner=fake)
    assert [(r.job, r.slot.isoformat(), r.missed, r.status) for r in result.ran] == \
        [("veckovis", "2026-11-30T06:00:00+01:00", 0, "succeeded")]
    again = run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports, batch_runner=fake)
    assert again.ran == [] and fake.calls == ["veckovis"]
    later = run_pass(jobs, now="2026-11-30T07:05", reports=isolated_reports, batch_runner=fake)
    assert [r.job for r in later.ran] == ["daglig"]
    assert fake.calls == ["veckovis", "daglig"]
    ledger = schedule.read_ledger(isolated_reports)
    assert [r["job"] for r in ledger["runs"]] == ["veckovis", "daglig"]
    assert ledger["runs"][0]["results"][0]["run_dir"] == "runs/nb/run-veckovis-1"
    assert len(ledger["passes"]) == 5


def test_missed_slots_after_downtime_collapse_into_one_run(isolated_reports):
    fake = FakeBatch()
    job = weekly("halvtimme", cron="*/30 * * * *")
    run_pass([job], now="2026-11-20T08:10", reports=isolated_reports, batch_runner=fake)
    result = run_pass([job], now="2026-11-22T08:10", reports=isolated_reports,
                      batch_runner=fake)
    assert len(result.ran) == 1 and fake.calls == ["halvtimme"]
    assert result.ran[0].slot.isoformat() == "2026-11-22T08:00:00+01:00"
    assert result.ran[0].missed == 2 * 48 - 1
    assert schedule.read_ledger(isolated_reports)["runs"][0]["missed"] == 95


def test_clock_going_backwards_runs_nothing_and_keeps_the_ledger(isolated_reports):
    fake = FakeBatch()
    run_pass([weekly()], now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    run_pass([weekly()], now="2026-11-30T06:01", reports=isolated_reports, batch_runner=fake)
    assert run_pass([weekly()], now="2026-11-30T05:00", reports=isolated_reports,
                    batch_runner=fake).ran == []
    state = schedule.read_ledger(isolated_reports)["jobs"]["veckovis"]
    assert state["checked_until"].startswith("2026-11-30T06:01")
    assert fake.calls == ["veckovis"]


def test_disabled_job_does_not_run_nor_catch_up(isolated_reports):
    fake = FakeBatch()
    job = weekly()
    off = Job(**{**job.__dict__, "enabled": False})
    run_pass([job], now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    assert run_pass([off], now="2026-12-01T12:00", reports=isolated_reports,
                    batch_runner=fake).ran == []
    assert run_pass([job], now="2026-12-02T12:00", reports=isolated_reports,
                    batch_runner=fake).ran == []
    assert fake.calls == []


def test_concurrent_passes_cannot_both_run_a_job(isolated_reports):
    fake = FakeBatch(delay=1.0)
    jobs = [weekly()]
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    results = []
    barrier = threading.Barrier(2)

    def one_pass():
        barrier.wait()
        results.append(run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports,
                                batch_runner=fake))

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.calls == ["veckovis"]
    assert sorted(r.skipped for r in results) == [False, True]
    skipped = next(r for r in results if r.skipped)
    assert "another pass" in skipped.reason
    # the skipped pass lost nothing: a later pass at the same time finds nothing left to do
    assert run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports,
                    batch_runner=fake).ran == []


def _slow_recording_runner(job, reports):
    with open(reports / "calls.txt", "a", encoding="utf-8") as stream:
        stream.write(f"{job.name}\n")
    time.sleep(1.5)
    return BatchResult([TaskResult("standard", "succeeded", 1.5, 1, None)], 1.5)


def _pass_in_another_process(reports: str, queue) -> None:
    result = run_pass([weekly()], now="2026-11-30T06:00", reports=reports,
                      batch_runner=_slow_recording_runner)
    queue.put((result.skipped, [r.job for r in result.ran]))


def test_two_processes_passing_at_once_run_the_job_once(isolated_reports):
    import multiprocessing

    run_pass([weekly()], now="2026-11-29T12:00", reports=isolated_reports,
             batch_runner=FakeBatch())
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_pass_in_another_process,
                                 args=(str(isolated_reports), queue)) for _ in range(2)]
    for process in processes:
        process.start()
    outcomes = sorted(queue.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(30)
    # usually one pass skips (lock held); on a very loaded machine the second may start
    # after the first finished and then finds nothing due — either way: exactly one run
    assert sorted(ran for _, ran in outcomes) == [[], ["veckovis"]]
    assert (isolated_reports / "calls.txt").read_text(encoding="utf-8") == "veckovis\n"


def test_waiting_pass_sees_the_first_pass_work_and_runs_nothing(isolated_reports):
    fake = FakeBatch(delay=0.5)
    jobs = [weekly()]
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    results = []
    first = threading.Thread(target=lambda: results.append(
        run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports, batch_runner=fake)))
    first.start()
    time.sleep(0.2)
    second = run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports,
                      batch_runner=fake, lock_timeout=30)
    first.join()
    assert not second.skipped and second.ran == [] and fake.calls == ["veckovis"]


def test_crashed_pass_is_redone_by_the_next_pass(isolated_reports):
    def crash(job, reports):
        raise RuntimeError("the machine lost power")

    jobs = [weekly()]
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=FakeBatch())
    with pytest.raises(RuntimeError):
        run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports, batch_runner=crash)
    state = schedule.read_ledger(isolated_reports)["jobs"]["veckovis"]
    assert state["in_progress"]["slot"].startswith("2026-11-30T06:00")
    fake = FakeBatch()
    result = run_pass(jobs, now="2026-11-30T06:05", reports=isolated_reports, batch_runner=fake)
    assert [r.job for r in result.ran] == ["veckovis"] and fake.calls == ["veckovis"]
    assert "in_progress" not in schedule.read_ledger(isolated_reports)["jobs"]["veckovis"]


def test_job_with_bad_input_is_recorded_and_others_still_run(isolated_reports):
    def runner(job, reports):
        if job.name == "trasig":
            raise ConfigError("No parameter files match 'parameters/saknas/*.yaml'.",
                              hint="check the pattern")
        return FakeBatch()(job, reports)

    jobs = [weekly("trasig"), weekly()]
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=runner)
    result = run_pass(jobs, now="2026-11-30T06:00", reports=isolated_reports,
                      batch_runner=runner)
    assert [(r.job, r.status) for r in result.ran] == [("trasig", "error"),
                                                     ("veckovis", "succeeded")]
    assert "parameters/saknas" in result.ran[0].error and not result.succeeded
    failed = FakeBatch(status="failed")
    run_pass(jobs, now="2026-12-07T06:00", reports=isolated_reports, batch_runner=failed)
    assert schedule.read_ledger(isolated_reports)["jobs"]["veckovis"]["last_status"] == "failed"


def test_publish_once_per_pass_only_for_publishing_jobs(isolated_reports, monkeypatch):
    calls = []

    class Report:
        messages: list[str] = []

    monkeypatch.setattr("research.publish.publish", lambda reports=None, **kw:
                        calls.append(reports) or Report())
    jobs = [Job("a", "x.ipynb", "0 6 * * *", publish=True),
            Job("b", "x.ipynb", "0 6 * * *", publish=True),
            Job("c", "x.ipynb", "0 7 * * *", publish=False)]
    fake = FakeBatch()
    run_pass(jobs, now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    result = run_pass(jobs, now="2026-11-30T06:30", reports=isolated_reports,
                      batch_runner=fake)
    assert result.published and calls == [isolated_reports]
    run_pass(jobs, now="2026-11-30T07:30", reports=isolated_reports, batch_runner=fake)
    assert len(calls) == 1  # only the non-publishing job ran


def test_broken_ledger_is_never_silently_replaced(isolated_reports):
    path = schedule.ledger_path(isolated_reports)
    path.parent.mkdir(parents=True)
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read") as info:
        run_pass([weekly()], now="2026-11-30T06:00", reports=isolated_reports,
                 batch_runner=FakeBatch())
    assert info.value.hint
    assert path.read_text(encoding="utf-8") == "{ not json"


def test_ledger_with_an_invalid_time_is_a_clear_error(isolated_reports):
    path = schedule.ledger_path(isolated_reports)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"jobs": {"veckovis": {"checked_until": "måndag"}}}),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid time 'måndag'"):
        run_pass([weekly()], now="2026-11-30T06:00", reports=isolated_reports,
                 batch_runner=FakeBatch())


def test_ledger_is_valid_json_without_temp_files(isolated_reports):
    fake = FakeBatch()
    run_pass([weekly()], now="2026-11-29T12:00", reports=isolated_reports, batch_runner=fake)
    run_pass([weekly()], now="2026-11-30T06:00", reports=isolated_reports, batch_runner=fake)
    folder = isolated_reports / "schedule"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["ledger.json",
                                                                       "pass.lock"]
    data = json.loads((folder / "ledger.json").read_text(encoding="utf-8"))
    assert data["version"] == 1


# ---------------------------------------------------------------------------------------
# command line


def cli(argv: list[str]) -> int:
    from research.cli.batch import add_parser

    parser = argparse.ArgumentParser(prog="research")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_schedule_list_shows_next_three_runs(tmp_path, capsys):
    path = write(tmp_path, "jobs:\n  - name: veckovis\n    notebook: notebooks/mall.ipynb\n"
                 "    cron: '0 6 * * 1'\n")
    assert cli(["schedule", "list", "--schedule", str(path), "--at", "2026-11-24T12:00"]) == 0
    out = capsys.readouterr().out
    assert "veckovis" in out and out.count("next:") == 3
    assert "2026-11-30 06:00 CET" in out and "2026-12-14 06:00 CET" in out


def test_cli_schedule_run_at_fake_time(tmp_path, capsys, isolated_reports, monkeypatch):
    fake = FakeBatch()
    monkeypatch.setattr(schedule, "_run_job_batch", lambda job, reports, progress=False:
                        fake(job, reports))
    path = write(tmp_path, "jobs:\n  - name: veckovis\n    notebook: notebooks/mall.ipynb\n"
                 "    cron: '0 6 * * 1'\n    publish: false\n")
    assert cli(["schedule", "run", "--schedule", str(path), "--at", "2026-11-29T12:00"]) == 0
    assert "registered" in capsys.readouterr().out
    assert cli(["schedule", "run", "--schedule", str(path), "--at", "2026-11-30T06:00"]) == 0
    out = capsys.readouterr().out
    assert "veckovis: slot 2026-11-30T06:00" in out and "succeeded" in out
    assert cli(["schedule", "run", "--schedule", str(path), "--at", "2026-11-30T06:00"]) == 0
    assert "nothing due" in capsys.readouterr().out
    fake.status = "failed"
    assert cli(["schedule", "run", "--schedule", str(path), "--at", "2026-12-07T06:00"]) == 1


def test_cli_schedule_bad_time_is_a_research_error(tmp_path):
    path = write(tmp_path, "jobs: []\n")
    with pytest.raises(ResearchError, match="Invalid time"):
        cli(["schedule", "run", "--schedule", str(path), "--at", "igår"])


@pytest.mark.e2e
def test_real_pass_runs_the_notebook_once_and_publishes(tmp_path, isolated_reports):
    path = write(tmp_path, "jobs:\n  - name: test-ok\n    notebook: tests/fixtures/batch/ok.ipynb\n"
                 "    parameters: tests/fixtures/batch/params/alvstad.yaml\n"
                 "    cron: '0 6 * * 1'\n    timeout: 120\n    retries: 0\n")
    assert run_pass(path, now="2026-11-29T12:00").registered == ["test-ok"]
    result = run_pass(path, now="2026-11-30T06:00")
    (run,) = result.ran
    assert run.status == "succeeded" and result.published
    (task,) = run.batch.results
    assert task.run_dir.parent == isolated_reports / "runs" / "ok"
    assert (task.run_dir / "briefing.html").is_file()
    assert run_pass(path, now="2026-11-30T06:00").ran == []
    ledger = schedule.read_ledger()
    assert ledger["runs"][0]["results"][0]["run_dir"] == \
        str(task.run_dir.relative_to(isolated_reports))
