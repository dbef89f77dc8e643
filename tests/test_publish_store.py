"""Publishing at catalogue scale: every briefing's site folder is made once in a store shared
by all builds (a publish touches only new and changed runs), and a run that may no longer be
published leaves the site at once."""

from __future__ import annotations

import os
from pathlib import Path

from research.publish import RUN_STORE, publish

from test_publish import VALID_PNR, fake_run


def _store_file(reports: Path, run_id: str) -> Path:
    return reports / RUN_STORE / "mall" / "default" / run_id / "manifest.json"


def test_unchanged_runs_are_not_made_again_and_builds_share_them(isolated_reports):
    fake_run(isolated_reports, "mall", "r1")
    publish(isolated_reports)
    first = _store_file(isolated_reports, "r1").stat().st_ino
    fake_run(isolated_reports, "mall", "r2")
    publish(isolated_reports)
    assert _store_file(isolated_reports, "r1").stat().st_ino == first  # left as it was
    site = isolated_reports / "site"
    assert (site / "briefings").is_symlink()
    assert (site / "briefings" / "mall" / "default" / "r2" / "index.html").is_file()
    for build in (isolated_reports / ".site-builds").iterdir():  # no per-run folders
        assert (build / "briefings").is_symlink()


def test_a_changed_run_is_made_again_and_a_withheld_one_leaves_the_site(isolated_reports):
    run = fake_run(isolated_reports, "mall", "r1")
    fake_run(isolated_reports, "mall", "r2")
    publish(isolated_reports)
    page = isolated_reports / "site" / "briefings" / "mall" / "default" / "r1" / "index.html"
    assert page.is_file()
    (run / "briefing.html").unlink()  # re-rendered, now with a personal identity number
    (run / "briefing.html").write_text(f"<html lang='sv'><p>{VALID_PNR}</p></html>",
                                       encoding="utf-8")
    report = publish(isolated_reports)
    assert "r1" in report.withheld_runs
    assert not page.exists() and not (isolated_reports / RUN_STORE / "mall" / "default" /
                                      "r1").exists()
    leftovers = [p.name for p in (isolated_reports / RUN_STORE / "mall" / "default").iterdir()]
    assert leftovers == ["r2"]  # no staging folders left behind
    assert os.readlink(isolated_reports / "site").startswith(".site-builds")
