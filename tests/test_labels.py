"""Parameter-set labels: ``label:`` in a parameter file names the set for readers. It is
metadata, never a notebook parameter, and shows on catalogue cards, in feed titles and in
the briefing's header only when a file gives one."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from research.errors import ParameterError
from research.parameters import LABEL_MAX, collect, collect_set, read_parameter_set
from research.publish import publish

from test_publish import fake_run

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "tests" / "fixtures" / "batch"


def _file(tmp_path: Path, text: str, name: str = "set.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_label_is_read_apart_from_the_parameters(tmp_path: Path) -> None:
    path = _file(tmp_path, "value: 3\nlabel: '  Per månad  '\n")
    assert read_parameter_set(path) == ({"value": 3}, "Per månad")
    assert read_parameter_set(_file(tmp_path, "value: 3\n", "plain.yaml")) == ({"value": 3}, None)


def test_the_label_is_not_a_notebook_parameter(tmp_path: Path) -> None:
    path = _file(tmp_path, "value: 3\nlabel: Per månad\n")
    collected = collect_set(BATCH / "ok.ipynb", [path])
    assert collected.label == "Per månad" and "label" not in collected.values
    values, _ = collect(BATCH / "ok.ipynb", [path])
    assert "label" not in values
    # the last file that gives a label wins, like values do
    second = _file(tmp_path, "label: Andra\n", "second.yaml")
    assert collect_set(BATCH / "ok.ipynb", [path, second]).label == "Andra"
    assert collect_set(BATCH / "ok.ipynb", [second, _file(tmp_path, "value: 1\n", "x.yaml")]
                       ).label == "Andra"


@pytest.mark.parametrize("text, message", [
    ("label: 2026\n", r"key 'label': got 2026 \(int\), expected text"),
    ("label: [a, b]\n", r"key 'label': got \['a', 'b'\] \(list\), expected text"),
    ("label:\n", r"key 'label': got nothing, expected text"),
    ("label: '   '\n", r"key 'label' is empty"),
    ("label: \"rad ett\\nrad två\"\n", r"key 'label': the label must be a single line"),
    (f"label: {'x' * (LABEL_MAX + 1)}\n", rf"key 'label': the label is {LABEL_MAX + 1} "
                                          rf"characters long, more than {LABEL_MAX}"),
])
def test_a_bad_label_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, "value: 1\n" + text)
    with pytest.raises(ParameterError, match=message) as info:
        collect(BATCH / "ok.ipynb", [path])
    assert str(path) in str(info.value) and "hint:" in str(info.value)
    assert info.value.fields.get("parameter") == "label"


def test_label_is_no_override_and_no_parameter_name(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"'-p label' is not a parameter") as info:
        collect(BATCH / "ok.ipynb", raw_overrides=[("label", "x")])
    assert "parameter file" in str(info.value)
    notebook = json.loads((BATCH / "ok.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = "label = 'x'\n"
    reserved = tmp_path / "reserved.ipynb"
    reserved.write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"declares a parameter 'label', a name reserved"):
        collect(reserved)


@pytest.mark.parametrize("path", sorted((ROOT / "parameters").glob("*/*.yaml")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shipped_labels_are_valid_and_only_where_they_mean_something(path: Path) -> None:
    _, label = read_parameter_set(path)
    if path.stem == "default":
        assert label is None  # the main set of a type needs no name
    if label is not None:
        assert label.lower() not in ("default", "standard") and label != path.stem


@pytest.mark.e2e
def test_a_run_records_the_label_and_its_briefing_shows_it(isolated_reports: Path,
                                                           tmp_path: Path) -> None:
    from research.runs import run_notebook

    path = _file(tmp_path, "label: Per månad\n")
    result = run_notebook(BATCH / "ok.ipynb", [path], publish=False)
    assert result.succeeded, result.error
    assert result.manifest["parameter_set_label"] == "Per månad"
    executed = json.loads((result.run_dir / "notebook.ipynb").read_text(encoding="utf-8"))
    injected = [c for c in executed["cells"]
                if "injected-parameters" in c["metadata"].get("tags", [])]
    assert all("label" not in "".join(c["source"]) for c in injected)
    header = (result.run_dir / "briefing.html").read_text(encoding="utf-8").split("</header>")[0]
    assert "<dt>Variant</dt><dd>Per månad</dd>" in header
    plain = run_notebook(BATCH / "ok.ipynb", [_file(tmp_path, "value: 1\n", "plain.yaml")],
                         publish=False)
    header = (plain.run_dir / "briefing.html").read_text(encoding="utf-8").split("</header>")[0]
    assert "Variant" not in header and "plain" not in header and "standard" not in header


def test_cards_and_feeds_show_the_label_only_when_the_file_gives_one(isolated_reports: Path):
    labelled = fake_run(isolated_reports, "lagesbild", "m1", label="manad",
                        info={"title": "Lägesbild", "kunskapshus": "Kunskapshus Älvstad"})
    manifest = json.loads((labelled / "manifest.json").read_text(encoding="utf-8"))
    manifest["parameter_set_label"] = "Per <månad>"
    (labelled / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    fake_run(isolated_reports, "mall", "d1", label="default", started="2026-11-19T10:00:00+01:00",
             info={"title": "Aktiviteter", "kunskapshus": "Kunskapshus Älvstad"})
    publish(isolated_reports)
    site = isolated_reports / "site"
    for page in ("index.html", "kunskapshus-alvstad.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "<dt>Variant</dt><dd>Per &lt;månad&gt;</dd>" in text, page
        assert text.count("<dt>Variant</dt>") == 1, page  # the default set has none
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for feed in ("feed.xml", "flode-alvstad.xml"):
        titles = [e.find("a:title", ns).text for e in
                  ET.parse(site / feed).getroot().findall("a:entry", ns)]
        assert "Lägesbild (Per <månad>) – Kunskapshus Älvstad" in titles, feed
        assert "Aktiviteter – Kunskapshus Älvstad" in titles, feed
        visible = re.sub(r'href="[^"]*"', "", (site / feed).read_text(encoding="utf-8"))
        assert "default" not in visible
