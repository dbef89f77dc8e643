"""Build tiny notebooks for tests, in the house layout (title, parameters, setup, body)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def make_notebook(path: Path, parameters: str, body: list[tuple[str, str]],
                  title: str = "# Testbriefing\n\nEn liten briefing för tester.") -> Path:
    """Write a notebook: title cell, tagged parameters cell, then (kind, source) cells."""
    cells = [new_markdown_cell(title),
             new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    for kind, source in body:
        if kind == "md":
            cells.append(new_markdown_cell(source))
        elif kind == "setup":
            cells.append(new_code_cell(source, metadata={"tags": ["setup"]}))
        else:
            cells.append(new_code_cell(source))
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                            "display_name": "Python 3",
                                                            "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


TINY_PARAMETERS = '''n = 3  # antal rader
title = "Testbriefing"  # rubrik
ratio: float = 0.5  # en andel
tags = []  # etiketter
flag = False  # en flagga
note = ""  # fritext som visas i briefingen'''

TINY_BODY = [
    ("setup", "import warnings, sys\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
              "from research import report\nreport.set_briefing_info(kunskapshus='Kunskapshus Älvstad', "
              "period='vecka 47 2026', title=title)\nwarnings.warn('hidden warning')\n"
              "print('setup output', file=sys.stderr)"),
    ("md", "## Sammanfattning\n\nKort text."),
    ("code", "report.show_summary(['Första fyndet.', 'Andra fyndet.'], {'Rader': n})"),
    ("md", "## Tabell"),
    ("code", "df = pd.DataFrame({'Namn': ['a' * (i + 1) for i in range(n)] + [note], "
             "'Värde': list(range(n)) + [1.5]})\n"
             "report.show_table(df, 'tabell', 'En tabell med värden')"),
    ("md", "## Figur"),
    ("code", "fig, ax = plt.subplots()\nax.plot(range(n))\n"
             "report.attach_alt(fig, 'Linjediagram som stiger från 0 till ' + str(n - 1))\n"
             "report.show_figure(fig)"),
    ("code", "import sys\nprint('to stderr', file=sys.stderr)\nreport.show_text('Anteckning: ' + note)"),
    ("md", "## Om underlaget\n\nTestdata."),
]


def tiny_notebook(folder: Path, name: str = "tiny") -> Path:
    """The standard tiny notebook: summary, table, figure, hostile-safe text."""
    return make_notebook(folder / f"{name}.ipynb", TINY_PARAMETERS, TINY_BODY)


def failing_notebook(folder: Path) -> Path:
    """A notebook whose third code cell raises."""
    return make_notebook(folder / "failing.ipynb", "n = 1  # antal", [
        ("setup", "from research import report"),
        ("md", "## Början"),
        ("code", "report.show_text('Före felet')"),
        ("code", "raise ValueError('avsiktligt fel i testet')"),
        ("code", "report.show_text('Efter felet')"),
    ])


def code_outputs(path: Path) -> list[tuple[int | None, list[dict]]]:
    """Execution counts and outputs of every code cell of a saved notebook, consecutive
    pieces of one stream joined as Jupyter and the briefing show them (a busy kernel may
    send one ``print`` as two messages)."""
    from research.render import _coalesce

    notebook = nbformat.read(str(path), as_version=4)
    return [(cell.get("execution_count"),
             [dict(o) for o in _coalesce(list(cell.get("outputs", [])))])
            for cell in notebook.cells if cell.cell_type == "code"]
