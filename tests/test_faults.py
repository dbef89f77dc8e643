"""Fault injection: a publish killed with SIGKILL in the middle loses nothing.

The catalogue is swapped in through a symlink, so a process killed at any point leaves the
previous site whole, and the next publish succeeds (the file lock dies with its holder).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from research.publish import publish

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _fake_run(reports: Path, run_id: str, started: str, text: str) -> Path:
    run = reports / "runs" / "mall" / run_id
    (run / "tables").mkdir(parents=True)
    (run / "briefing.html").write_text(f"<!doctype html><html lang='sv'><title>{text}</title>"
                                       f"<h1>{text}</h1></html>", encoding="utf-8")
    (run / "tables" / "by_month.csv").write_text("Månad,Antal\n2026-01,3\n", encoding="utf-8")
    manifest = {"notebook": "notebooks/mall.ipynb", "notebook_stem": "mall", "run_id": run_id,
                "label": "default", "parameter_files": ["parameters/mall/default.yaml"],
                "status": "succeeded", "started": started, "finished": started,
                "parameters": {"kunskapshus": "Kunskapshus Älvstad"},
                "briefing": {"kunskapshus": "Kunskapshus Älvstad", "title": text}}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run


KILLER = r"""
import sys, time
from pathlib import Path
import research.publish as publish
marker = Path(sys.argv[2])
original = publish._write
def slow_write(path, content):
    original(path, content)
    marker.write_text("in the middle")
    time.sleep(60)
publish._write = slow_write
publish.publish(sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_publish_killed_mid_build_keeps_the_last_good_site(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    _fake_run(reports, "20261101T100000Z-default-1", "2026-11-01T10:00:00+00:00", "Första")
    publish(reports)
    site = reports / "site"
    before = {p.relative_to(site.resolve()): p.read_bytes()
              for p in site.resolve().rglob("*") if p.is_file()}
    assert any(b"F\xc3\xb6rsta" in data for data in before.values())

    _fake_run(reports, "20261102T100000Z-default-2", "2026-11-02T10:00:00+00:00", "Andra")
    marker = tmp_path / "marker"
    env = dict(os.environ, RESEARCH_PROJECT_ROOT=str(PROJECT_ROOT),
               RESEARCH_REPORTS_DIR=str(reports))
    process = subprocess.Popen([sys.executable, "-c", KILLER, str(reports), str(marker)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "publish never reached the middle"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    after = {p.relative_to(site.resolve()): p.read_bytes()
             for p in site.resolve().rglob("*") if p.is_file()}
    assert after == before  # the live site is exactly the last good one
    result = publish(reports)  # the lock died with the killed process
    index = (result.site / "index.html").read_text(encoding="utf-8")
    assert "Andra" in index or any("Andra" in p.read_text(encoding="utf-8", errors="replace")
                                   for p in result.site.resolve().rglob("*.html"))
