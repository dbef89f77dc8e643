"""End to end: real notebooks, real kernel, through the one run path and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from notebook_factory import failing_notebook, tiny_notebook
from research.cli import main
from research.runs import run_notebook

pytestmark = pytest.mark.e2e

HOSTILE = "\"'; import os; os.system('touch /tmp/pwned') #\n<script>window.__pwned=1</script><img src=x onerror=alert(1)>"


def test_successful_run_keeps_every_artefact(tmp_path: Path, isolated_reports: Path) -> None:
    nb = tiny_notebook(tmp_path)
    result = run_notebook(nb, overrides={"n": 4}, publish=False)
    assert result.status == "succeeded", result.error
    run_dir = result.run_dir
    assert run_dir.parent == isolated_reports / "runs" / "tiny"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    assert manifest["parameters"] == {"n": 4}
    assert manifest["duration_seconds"] > 0 and manifest["started"] <= manifest["finished"]
    assert {"python", "papermill", "nbconvert", "pandas"} <= set(manifest["versions"])
    assert manifest["briefing"]["kunskapshus"] == "Kunskapshus Älvstad"
    assert any(i["path"].endswith("tiny.ipynb") and len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["tables"] == ["tabell.csv"]
    table = (run_dir / "tables" / "tabell.csv").read_text(encoding="utf-8").splitlines()
    assert table[0] == "Namn,Värde" and len(table) == 1 + 4 + 1
    assert (run_dir / "notebook.ipynb").is_file()
    html = (run_dir / "briefing.html").read_text(encoding="utf-8")
    assert html.count("<h1") == 1 and 'lang="sv"' in html


def test_input_files_named_by_parameters_are_hashed(tmp_path: Path) -> None:
    nb = tiny_notebook(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_notebook(nb, overrides={"note": str(data)}, publish=False)
    inputs = {Path(i["path"]).name: i for i in result.manifest["inputs"]}
    assert inputs["data.csv"]["size"] == 8 and inputs["data.csv"]["parameter"] == "note"


def test_failing_cell_keeps_evidence_and_reports_the_cell(tmp_path: Path) -> None:
    result = run_notebook(failing_notebook(tmp_path), publish=False)
    assert result.status == "failed"
    error = result.manifest["error"]
    assert error["name"] == "ValueError" and "avsiktligt fel" in error["message"]
    assert isinstance(error["cell_index"], int)
    assert "avsiktligt fel" in result.error
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Körningen misslyckades" in html and "avsiktligt fel" in html
    assert "Efter felet" not in html


def test_hostile_string_parameter_never_becomes_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = HOSTILE.replace("/tmp/pwned", str(marker))
    result = run_notebook(tiny_notebook(tmp_path), overrides={"note": hostile}, publish=False)
    assert result.status == "succeeded", result.error
    assert not marker.exists()
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and not re.search(r"<img[^>]*onerror", html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_cli_run_prints_run_dir_last_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    isolated_reports: Path) -> None:
    nb = tiny_notebook(tmp_path)
    params = tmp_path / "vecka47.yaml"
    params.write_text("title: 'Vecka 47'\nn: 2\n", encoding="utf-8")
    assert main(["run", str(nb), "-f", str(params), "-p", "n", "3", "--run-id", "r1"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    run_dir = Path(out[-1])
    assert run_dir == isolated_reports / "runs" / "tiny" / "r1"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"] == {"title": "Vecka 47", "n": 3}
    assert manifest["label"] == "vecka47"
    assert (isolated_reports / "site" / "index.html").is_file()
    # the same run id again: refused, nothing overwritten
    assert main(["run", str(nb), "--run-id", "r1", "--no-publish"]) == 2
    assert "already exists" in capsys.readouterr().err
    # a failing notebook: exit 1, run dir still printed
    assert main(["run", str(failing_notebook(tmp_path)), "--no-publish"]) == 1
    captured = capsys.readouterr()
    assert "ValueError" in captured.err and Path(captured.out.strip().splitlines()[-1]).is_dir()


def test_bad_parameters_exit_2_before_any_kernel(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 isolated_reports: Path) -> None:
    nb = tiny_notebook(tmp_path)
    assert main(["run", str(nb), "-p", "n", "många"]) == 2
    err = capsys.readouterr().err
    assert "'n'" in err and "'många'" in err and "whole number" in err
    assert main(["run", str(nb), "-p", "bogus", "1"]) == 2
    assert "Unknown parameter 'bogus'" in capsys.readouterr().err
    assert not (isolated_reports / "runs").exists()


def test_params_command_lists_types_defaults_and_help(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["params", str(tiny_notebook(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "n" in out and "int" in out and "antal rader" in out and "ratio" in out


def test_render_command_rerenders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_notebook(tiny_notebook(tmp_path), publish=False)
    (result.run_dir / "briefing.html").unlink()
    assert main(["render", str(result.run_dir)]) == 0
    assert (result.run_dir / "briefing.html").is_file()
    assert main(["render", str(tmp_path)]) == 2


def test_run_ids_are_safe_for_swedish_labels() -> None:
    from research.runs import RUN_ID, new_run_id

    for label in ("sjöviken", "Östra Hagen", "../../etc", ""):
        run_id = new_run_id(label)
        assert RUN_ID.match(run_id) and "/" not in run_id


def test_no_kernel_is_left_behind_when_finishing_fails(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    import research.runs as runs

    def broken(*args, **kwargs):
        raise RuntimeError("crash while hashing the inputs again")

    monkeypatch.setattr(runs, "mark_changed_inputs", broken)
    result = run_notebook(tiny_notebook(tmp_path), publish=False)
    # the run directory tells the truth about the crash
    assert result.status == "failed" and "crash while hashing" in result.error
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["error"]["name"] == "InternalError"
    children = [c for c in psutil.Process().children(recursive=True) if c.is_running()
                and c.status() != psutil.STATUS_ZOMBIE]
    assert not [c for c in children if "ipykernel" in " ".join(c.cmdline())]


def test_inputs_are_hashed_before_the_kernel_and_changes_are_flagged(tmp_path: Path) -> None:
    from notebook_factory import make_notebook

    data = tmp_path / "logg.csv"
    data.write_text("rad\n", encoding="utf-8")
    nb = make_notebook(tmp_path / "writer.ipynb", f"log = {str(data)!r}  # loggfil", [
        ("code", "with open(log, 'a', encoding='utf-8') as f:\n    f.write('ny rad\\n')"),
    ])
    result = run_notebook(nb, publish=False)  # the file is named by the default only
    assert result.succeeded, result.error
    record = next(i for i in result.manifest["inputs"] if i["path"].endswith("logg.csv"))
    assert record["parameter"] == "log" and record["size"] == 4
    import hashlib

    assert record["sha256"] == hashlib.sha256(b"rad\n").hexdigest()
    assert record["changed_by_run"] is True
    assert record["sha256_after"] == hashlib.sha256(b"rad\nny rad\n").hexdigest()
    notebook_record = next(i for i in result.manifest["inputs"] if i["path"].endswith("writer.ipynb"))
    assert "changed_by_run" not in notebook_record


def test_a_notebook_git_does_not_hold_makes_the_git_state_dirty(tmp_path: Path) -> None:
    from research.manifest import git_commit
    from research.paths import project_root

    root = project_root()
    state = git_commit(root, [tmp_path / "elsewhere.ipynb"])
    if state is None:
        pytest.skip("not a git checkout")
    assert state["dirty"] and str(tmp_path / "elsewhere.ipynb") in state["untracked"]
    scratch = root / "notebooks" / f".untracked-test-{tmp_path.name}.ipynb"
    scratch.write_text("{}", encoding="utf-8")
    try:
        state = git_commit(root, [scratch])
        assert state["dirty"] and f"notebooks/{scratch.name}" in state["untracked"]
    finally:
        scratch.unlink()
    ignored = root / "lab" / f".working-copy-test-{tmp_path.name}.ipynb"  # lab/ is git-ignored
    made = not ignored.parent.exists()
    ignored.parent.mkdir(exist_ok=True)
    ignored.write_text("{}", encoding="utf-8")
    try:
        state = git_commit(root, [ignored])
        assert state["dirty"] and f"lab/{ignored.name}" in state["untracked"]
    finally:
        ignored.unlink()
        if made:
            ignored.parent.rmdir()


def test_declared_parameter_sets_are_catalogue_entries_and_the_rest_drafts(tmp_path: Path) -> None:
    from research.paths import project_root
    from research.runs import declared_parameter_set

    folder = project_root() / "parameters" / "mall"
    default = folder / "default.yaml"
    assert declared_parameter_set("mall", [default], False) == "default"
    assert declared_parameter_set("mall", [default], True) is None  # -p changes the set
    assert declared_parameter_set("mall", [], False) is None
    assert declared_parameter_set("mall", [default, default], False) is None
    other = tmp_path / "default.yaml"
    other.write_text("kunskapshus: X\n", encoding="utf-8")
    assert declared_parameter_set("mall", [other], False) is None
    assert declared_parameter_set("enkatanalys", [default], False) is None
    shipped = project_root() / "notebooks" / "mall.ipynb"
    assert declared_parameter_set("mall", [default], False, shipped) == "default"
    working_copy = tmp_path / "lab" / "mall.ipynb"
    assert declared_parameter_set("mall", [default], False, working_copy) is None


def test_a_trial_run_is_a_draft_and_never_marks_an_entry_failed(tmp_path: Path,
                                                                isolated_reports: Path) -> None:
    from research.io.files import write_json_atomic
    from research.publish import publish

    good = isolated_reports / "runs" / "tiny" / "good"
    good.mkdir(parents=True)
    (good / "briefing.html").write_text("<html><body>ok</body></html>", encoding="utf-8")
    write_json_atomic(good / "manifest.json", {
        "notebook_stem": "tiny", "run_id": "good", "label": "sjoviken", "parameter_set": "sjoviken",
        "status": "succeeded", "started": "2026-11-20T10:00:00+01:00",
        "notebook_info": {"kind": "Liten briefing"}, "briefing": {"title": "Sjöviken"}})
    trial = run_notebook(failing_notebook(tmp_path), run_id="trial", label="sjoviken",
                         publish=False)
    assert trial.draft and trial.manifest["parameter_set"] is None
    draft = run_notebook(tiny_notebook(tmp_path), run_id="draft", publish=True)
    assert draft.succeeded and draft.draft and not draft.published
    site = isolated_reports / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Sjöviken" in index and "Liten briefing" in index
    assert "misslyckades" not in index and "Testbriefing" not in index
    drafts = (site / "utkast.html").read_text(encoding="utf-8")
    assert "Testbriefing" in drafts and "draft" in drafts
    assert "draft" not in (site / "feed.xml").read_text(encoding="utf-8")
    assert "draft" not in (site / "arkiv.html").read_text(encoding="utf-8")
    assert publish(isolated_reports).published_runs >= {"good", "draft"}


def test_the_kind_comes_from_the_notebook_itself(tmp_path: Path) -> None:
    import nbformat

    path = tiny_notebook(tmp_path, "egen_typ")
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["research"] = {"kind": "Egen briefingtyp", "description": "d", "audience": "a"}
    nbformat.write(nb, str(path))
    result = run_notebook(path, publish=False)
    assert result.manifest["notebook_info"] == {"kind": "Egen briefingtyp", "description": "d",
                                                "audience": "a"}
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Egen briefingtyp" in html
    plain = run_notebook(tiny_notebook(tmp_path, "utan_typ"), publish=False)
    assert plain.manifest["notebook_info"]["kind"] == "Utan typ"


def test_interactive_sessions_work_on_scratch_copies(tmp_path: Path, isolated_reports: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython

    from research import paths

    shared = tmp_path / "arkiv.sqlite"
    shared.write_bytes(b"delat")
    assert not paths.is_interactive()  # a test or script names its own files
    assert paths.scratch_copy(shared) == shared

    class ZMQInteractiveShell:  # what a JupyterLab kernel runs
        pass

    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    monkeypatch.setattr(paths, "_SCRATCH", {})
    assert paths.is_interactive()
    copy = paths.scratch_copy(shared)
    assert copy != shared and copy.read_bytes() == b"delat"
    assert isolated_reports / "scratch" in copy.parents
    copy.write_bytes(b"andrad i sessionen")
    assert paths.scratch_copy(shared) == copy and paths.scratch_copy(copy) == copy
    assert shared.read_bytes() == b"delat"
    assert paths.scratch_copy(tmp_path / "ny.sqlite").exists() is False  # starts empty
    assert "Interaktiv körning" in paths.interactive_notice("postarkivet")
    monkeypatch.setenv("RESEARCH_RUN_DIR", str(tmp_path))  # inside `research run`
    assert not paths.is_interactive() and paths.scratch_copy(shared) == shared


def test_a_kernel_knows_its_run_and_parameter_set(tmp_path: Path) -> None:
    from notebook_factory import make_notebook
    from research.paths import project_root

    out = tmp_path / "seen.json"
    nb = make_notebook(tmp_path / "which.ipynb", f"out = {str(out)!r}  # utfil", [
        ("code", "import json\nfrom research.paths import current_run, is_interactive\n"
                 "json.dump({'run': current_run(), 'interactive': is_interactive()}, "
                 "open(out, 'w'))"),
    ])
    assert run_notebook(nb, run_id="r1", publish=False).succeeded
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen == {"run": {"run_id": "r1", "notebook_stem": "which", "label": "standard",
                            "parameter_set": None}, "interactive": False}
    from research.paths import current_run

    assert current_run() is None
    assert project_root()  # unchanged by the run


def test_papermill_is_imported_before_the_renderer_loads_in_a_thread(tmp_path: Path) -> None:
    """Two threads importing nbformat at once can see it half-initialised ("cannot import
    name 'get_version' from partially initialized module 'nbformat.reader'", seen in a
    `make demo`): the run imports papermill (and nbformat with it) in its own thread
    before the warm-up thread starts loading the renderer."""
    import subprocess
    import sys

    notebook = tiny_notebook(tmp_path)
    script = f"""
import sys
from research import runs
seen = []
original = runs._warm_up
def watched():
    seen.append(all(name in sys.modules for name in ("papermill", "nbformat", "nbclient")))
    original()
runs._warm_up = watched
result = runs.run_notebook({str(notebook)!r})
print(result.status, seen)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["succeeded", "[True]"], done.stdout
