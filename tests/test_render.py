"""Preparing and rendering notebooks into briefings (no kernel needed)."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from research.render import prepare, render_notebook, sanitize_output_html


def _nb() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("# Min **titel**\n\nIngress."),
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
        new_code_cell("import os", metadata={"tags": ["setup"]},
                      outputs=[new_output("stream", name="stdout", text="setup noise")]),
        new_markdown_cell("## Avsnitt ett\n\n# Ännu en etta"),
        new_code_cell("print('x')", outputs=[
            new_output("stream", name="stderr", text="UserWarning: noisy"),
            new_output("stream", name="stdout", text="synlig text"),
            new_output("display_data", data={"text/html": "<p onclick='x'>ok<script>bad()</script></p>",
                                             "text/plain": "ok"}),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"},
                       metadata={"image/png": {"alt": "Ett diagram"}}),
            new_output("display_data", data={"application/vnd.research.briefing-info+json":
                                             {"kunskapshus": "Älvstad"}, "text/plain": "{}"}),
        ]),
        new_code_cell("secret()", metadata={"tags": ["hide"]},
                      outputs=[new_output("stream", name="stdout", text="hemligt")]),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_prepare_drops_hidden_cells_inputs_and_stderr() -> None:
    prepared, learned = prepare(_nb())
    assert learned["title"] == "Min titel"
    assert [t for _, t in learned["toc"]] == ["Avsnitt ett", "Ännu en etta"]
    text = str(prepared)
    assert "setup noise" not in text and "hemligt" not in text and "UserWarning" not in text
    assert "x = 2" not in text and "print('x')" not in text
    assert "briefing-info" not in text


def test_rendered_briefing_has_one_h1_no_script_and_real_alt() -> None:
    html, learned = render_notebook(_nb(), {"status": "succeeded", "label": "default",
                                            "started": "2026-11-24T10:00:00+01:00"}, "mall")
    assert html.count("<h1") == 1 and "<h1>Min titel</h1>" in html
    assert "<script" not in html and "onclick" not in html
    assert 'alt="Ett diagram"' in html and "No description has been provided" not in html
    assert "synlig text" in html and "24 november 2026" in html
    assert 'lang="sv"' in html and "Kunskapshus Älvstad" not in html
    assert "Älvstad" in html  # kunskapshus from briefing info in the header
    assert not re.search(r'(src|href)="https?://', html.split("<main")[0])
    assert learned["info"] == {"kunskapshus": "Älvstad"}


def test_failed_run_shows_error_banner() -> None:
    nb = _nb()
    nb.cells.append(new_code_cell("1/0", outputs=[new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["\x1b[31mTraceback\x1b[0m", "ZeroDivisionError: division by zero"])]))
    html, _ = render_notebook(nb, {"status": "failed", "error": {
        "name": "ZeroDivisionError", "message": "division by zero", "cell_index": 7}}, "mall")
    assert "Körningen misslyckades" in html and "i cell 8" in html and 'role="alert"' in html
    assert "\x1b[" not in html


def test_output_sanitizer_keeps_tables_and_drops_script() -> None:
    html = sanitize_output_html('<div class="table-wrap" role="region" tabindex="0"><table>'
                                '<caption>c</caption><tr><th scope="col">a</th></tr></table>'
                                '<img src=x onerror=alert(1)><iframe src="https://x"></iframe></div>')
    assert "<caption>c</caption>" in html and 'scope="col"' in html
    assert "<img" not in html and "iframe" not in html


def test_private_parameters_are_never_shown() -> None:
    html, _ = render_notebook(_nb(), {"status": "succeeded", "parameters": {
        "mask_names": ["Kalle Nordin"], "private_key": "hemlig", "title": "Synlig"}}, "mall")
    assert "Kalle Nordin" not in html and "hemlig" not in html and "Synlig" in html


def test_the_kind_is_read_from_the_notebook_metadata() -> None:
    from research.render import notebook_kind

    nb = _nb()
    nb.metadata["research"] = {"kind": "Skolenkät", "description": "d", "audience": "a"}
    html, _ = render_notebook(nb, {"status": "succeeded"}, "skolenkat")
    assert '<p class="kicker">Skolenkät' in html
    assert notebook_kind({}, "min_nya_typ")["kind"] == "Min nya typ"
    assert notebook_kind({"research": "fel"}, "x")["kind"] == "X"
    # the manifest's record (from the run) wins over the notebook's
    html, _ = render_notebook(nb, {"status": "succeeded", "notebook_info": {"kind": "Annan"}}, "x")
    assert '<p class="kicker">Annan' in html


def test_markdown_images_from_elsewhere_show_their_description() -> None:
    nb = new_notebook(cells=[new_markdown_cell(
        "# T\n\n![diagram](https://example.org/a.png) ![lokal](bild.png \"titel\") "
        '<img src="http://x/y.png" alt="html"> ![inbäddad](data:image/png;base64,iVBORw0KGgo=)')])
    html, _ = render_notebook(nb, {"status": "succeeded"}, "x")
    main = html.split("<main", 1)[1]
    assert "(Bild: diagram)" in main and "(Bild: lokal)" in main and "(Bild: html)" in main
    assert "example.org" not in main and "bild.png" not in main
    assert 'alt="inbäddad"' in main
