"""Real-world notebook content through `research run`: each fixture in
tests/fixtures/conformance/ gives a briefing, or a failed run with its error shown, the
right exit code, a manifest that tells the truth and the run directory on stdout."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from research.cli import main
from research.render import read_executed, render_notebook

CONFORMANCE = Path(__file__).resolve().parent / "fixtures" / "conformance"

# fixture → (exit code, text that must be in the briefing, text that must not be)
CASES = {
    "streams": (0, ["hej", "rad ett\nrad två\nrad tre", "första\nandra\ntredje",
                    "efter stderr", "förlopp 100 %", "röd text", "caf\ufffd"],
                ["till stderr", "förlopp 25 %", "\x1b["]),
    "rich_outputs": (0, ["Sjöviken", "<caption>Antal per kommun</caption>", "<strong>Fet</strong>",
                         "data:image/svg+xml;base64,", "data:image/png;base64,",
                         "data:image/jpeg;base64,", '"kommun": "Älvstad"',
                         "HTML-utdata", "(Bild: extern)"],
                     ["<script", "window.x", "https://example.org", "IPython.core.display"]),
    "markdown": (0, ["(Bild: en extern bild)", "(Bild: en lokal bild)", "(Bild: html-bild)",
                     'alt="en inbäddad bild"', "e^{i\\pi}", "efter markdown"],
                 ["https://example.org", "bilder/saknas.png"]),
    "figures": (0, ["data:image/png;base64,"], ["Figure size", "No description has been"]),
    "clear_output": (0, ["står kvar", "klar"], ["försvinner", "väntar"]),
    "widgets": (0, ["efter widgetar"], ["IntSlider", "VBox", "widget-view"]),
    "long_output": (0, ["rad 0\n", "utdata förkortad"], ["rad 29999"]),
    "exception": (1, ["Körningen misslyckades", "KeyError", "kolumnen saknas: kommun",
                      "före felet"], ["efter felet"]),
    "kernel_death": (1, ["Körningen misslyckades", "DeadKernelError"], ["efter kraschen"]),
    "cell_timeout": (1, ["Körningen misslyckades", "CellTimeoutError"], ["efter väntan"]),
}


def test_every_fixture_has_a_case() -> None:
    assert {p.stem for p in CONFORMANCE.glob("*.ipynb")} == set(CASES)


@pytest.mark.e2e
@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_gives_a_briefing_or_a_clear_failure(case: str, capsys: pytest.CaptureFixture[str],
                                                     isolated_reports: Path) -> None:
    code, present, absent = CASES[case]
    assert main(["run", str(CONFORMANCE / f"{case}.ipynb"), "--no-publish",
                 "--timeout", "3"]) == code
    captured = capsys.readouterr()
    run_dir = Path(captured.out.strip().splitlines()[-1])
    assert run_dir.parent == isolated_reports / "runs" / case
    assert "Traceback" not in captured.err
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == ("succeeded" if code == 0 else "failed")
    if code:
        assert manifest["error"]["name"] in captured.err
    html = (run_dir / "briefing.html").read_text(encoding="utf-8")
    text = unescape(html)
    for expected in present:
        assert expected in text, (case, expected)
    for unexpected in absent:
        assert unexpected not in text, (case, unexpected)
    assert "<script" not in html.lower()
    assert html.count("<h1") == 1
    assert not re.search(r'<img[^>]+src="(?!data:)', html)


def _executed_on_disk(path: Path) -> Path:
    """A notebook as papermill leaves it: multi-line text stored as lists of lines."""
    nb = new_notebook(cells=[
        new_markdown_cell("# Titel\n\nIngress på\ntvå rader."),
        new_code_cell("print('a')\nprint('b')", outputs=[
            new_output("stream", name="stdout", text="a\nb\n"),
            new_output("stream", name="stdout", text="c\rd\n"),
            new_output("display_data", data={"text/plain": "x\ny", "text/html": "<p>x</p>\n<p>y</p>"}),
            new_output("error", ename="ValueError", evalue="fel", traceback=["rad 1", "rad 2"]),
        ]),
    ])
    nbformat.write(nb, str(path))
    return path


def test_reading_an_executed_notebook_agrees_with_nbformat(tmp_path: Path) -> None:
    path = _executed_on_disk(tmp_path / "executed.ipynb")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(raw["cells"][1]["outputs"][0]["text"], list)  # the on-disk form
    assert read_executed(path) == nbformat.read(str(path), as_version=4)


def test_list_form_text_renders_even_without_normalisation(tmp_path: Path) -> None:
    raw = json.loads(_executed_on_disk(tmp_path / "executed.ipynb").read_text(encoding="utf-8"))
    html, _ = render_notebook(nbformat.from_dict(raw), {"status": "succeeded"}, "x")
    assert "a\nb\nd\n" in html and "<p>x</p>" in html and "ValueError" in html


def test_an_unrenderable_run_is_recorded_as_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import research.render as render

    def broken(*args, **kwargs):
        raise AttributeError("'list' object has no attribute 'strip'")

    notebook = CONFORMANCE / "streams.ipynb"
    monkeypatch.setattr(render, "render", broken)
    assert main(["run", str(notebook), "--no-publish"]) == 1
    captured = capsys.readouterr()
    run_dir = Path(captured.out.strip().splitlines()[-1])
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["error"]["name"] == "RenderError"
    assert "RenderError" in captured.err and "Traceback" not in captured.err
    assert (run_dir / "notebook.ipynb").is_file()


@pytest.mark.e2e
@pytest.mark.parametrize("case", ["kernel_death", "cell_timeout", "exception"])
def test_a_failed_run_leaves_no_traceback_at_interpreter_exit(case: str, tmp_path: Path) -> None:
    """The real console script, in its own process: after the run's message, nothing —
    not even the event loop clean-up noise some libraries leave for exit."""
    import os
    import subprocess
    import sys

    script = Path(sys.executable).with_name("research")
    env = {**os.environ, "RESEARCH_REPORTS_DIR": str(tmp_path / "reports")}
    env.pop("RESEARCH_RUN_DIR", None)
    done = subprocess.run([str(script), "run", str(CONFORMANCE / f"{case}.ipynb"),
                           "--no-publish", "--timeout", "3"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 1
    assert Path(done.stdout.strip().splitlines()[-1]).is_dir()
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "ERROR" not in done.stderr and "Task was destroyed" not in done.stderr, done.stderr
