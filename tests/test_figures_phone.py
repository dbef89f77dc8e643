"""Every shipped figure, drawn for the 672 px column and for a 360 px phone, checked where a
reader sees it: in headless Chromium (text size as rendered, the drawing not shrunk to fit)
and on the drawn matplotlib figure (Swedish tick labels, no duplicated count ticks, legends
off the data, Okabe–Ito colours). The figures come from the shipped notebooks' own code
cells, run in this process with each shipped parameter set, so a new figure in a notebook is
checked without a line here.

The browser layout test (tests/test_briefing_layout.py) measures the same text in the
published briefings; this one names the figure and the drawing that fails, in seconds.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest


ROOT = Path(__file__).resolve().parents[1]
PHONE_COLUMN, DESKTOP_COLUMN = 340.8, 928  # CSS px: research.css at 360 px and at 1280 px
MIN_TEXT = {"narrow": 11.0, "wide": 12.0}
# needs the national sources over the network: its figures are checked from a table below
NETWORK = {"omvarldsbevakning/nationella_kallor"}


def _parameter_sets() -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in sorted((ROOT / "parameters").glob("*/*.yaml"))
            if (ROOT / "notebooks" / f"{p.parent.name}.ipynb").is_file()
            and f"{p.parent.name}/{p.stem}" not in NETWORK]


def _shown_figures(monkeypatch: pytest.MonkeyPatch, name: str) -> list[dict[str, Any]]:
    """Run the notebook's code cells with the parameter set; every show_figure call gives
    its alt text, both SVG drawings and the drawn Figure objects."""
    import matplotlib
    import yaml

    matplotlib.use("Agg")
    import research.report.display as display
    import research.report.figures as figures

    notebook, parameter_set = name.split("/")
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    overrides = yaml.safe_load((ROOT / "parameters" / notebook / f"{parameter_set}.yaml")
                               .read_text(encoding="utf-8")) or {}
    shown: list[dict[str, Any]] = []
    drawn: list[tuple[str, Any]] = []
    real_svg = figures.figure_svg

    def figure_svg(fig: Any, **kw: Any) -> str:
        drawn.append((kw.get("key", ""), fig))
        return real_svg(fig, **kw)

    def capture(bundle: Any, metadata: Any = None) -> None:
        svg = (metadata or {}).get("image/svg+xml")
        if isinstance(svg, dict) and svg.get(display.FIGURE_METADATA):
            shown.append({"alt": svg["alt"], "wide": bundle["image/svg+xml"],
                          "narrow": svg["narrow"], "figures": dict(drawn[-2:])})

    monkeypatch.setattr(figures, "figure_svg", figure_svg)
    monkeypatch.setattr(display, "_display", capture)
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    for cell in cells["cells"]:
        if cell["cell_type"] != "code":
            continue
        exec(compile("".join(cell["source"]), f"{notebook}.ipynb", "exec"), namespace)
        if "parameters" in (cell["metadata"].get("tags") or []):
            namespace.update(overrides)
    return shown


MEASURE = r"""
() => [...document.querySelectorAll('div.drawing')].map(d => {
  const svg = d.querySelector('svg');
  let min = null, text = '';
  for (const t of svg.querySelectorAll('text, tspan')) {
    if (!t.textContent.trim() || !t.getClientRects().length) continue;
    const m = t.getScreenCTM();
    const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (min === null || size < min) { min = size; text = t.textContent.trim().slice(0, 40); }
  }
  return {id: d.id, min, text, natural: parseFloat(svg.getAttribute('width')),
          shown: svg.getBoundingClientRect().width};
})
"""


def _measure(shown: list[dict[str, Any]], tmp_path: Path, chromium: Any
             ) -> dict[str, dict[str, Any]]:
    """Both drawings of every figure in the briefing's columns, measured in Chromium."""
    parts = ["<!doctype html><html lang='sv'><head><meta charset='utf-8'><style>"
             "body{margin:0} svg{display:block;max-width:100%;height:auto}</style></head><body>"]
    for i, figure in enumerate(shown):
        parts.append(f"<div class='drawing' id='wide-{i}' style='width:{DESKTOP_COLUMN}px'>"
                     f"{figure['wide']}</div>")
        parts.append(f"<div class='drawing' id='narrow-{i}' style='width:{PHONE_COLUMN}px'>"
                     f"{figure['narrow']}</div>")
    page_path = tmp_path / "figures.html"
    page_path.write_text("".join(parts) + "</body></html>", encoding="utf-8")
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(page_path.as_uri())
        return {m["id"]: m for m in page.evaluate(MEASURE)}
    finally:
        page.close()


_DECIMAL_POINT = re.compile(r"\d\.\d")
_HYPHEN_MINUS = re.compile(r"(^|[\s(\[])-\d")


def _axis_problems(fig: Any) -> list[str]:
    """English number formats and duplicated tick labels (fractional ticks on a count axis)
    on the drawn figure."""
    problems = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t.get_text() for t in axis.get_ticklabels()
                      if t.get_visible() and t.get_text().strip()]
            for label in labels:
                if _DECIMAL_POINT.search(label) or _HYPHEN_MINUS.search(label):
                    problems.append(f"{which} tick {label!r} is not in Swedish format")
            if any(a == b for a, b in zip(labels, labels[1:])):
                problems.append(f"{which} ticks repeat: {labels}")
    return problems


def _overlaps(a: Any, b: Any) -> bool:
    return a.x0 < b.x1 - 1 and a.x1 > b.x0 + 1 and a.y0 < b.y1 - 1 and a.y1 > b.y0 + 1


def _legend_problems(fig: Any) -> list[str]:
    """Legends that cover an axes' plotting area."""
    renderer = fig._get_renderer()
    areas = [ax.get_window_extent(renderer) for ax in fig.axes
             if ax.get_visible() and ax.axison and getattr(ax, "_colorbar", None) is None]
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [f"a legend ({[t.get_text() for t in legend.get_texts()][:3]}) covers data"
            for legend in legends
            if any(_overlaps(legend.get_window_extent(renderer), area) for area in areas)]


def _colour_problems(fig: Any) -> list[str]:
    """Lines, bars and markers coloured outside Okabe–Ito (greys, black and white aside;
    a figure with a colour scale colours its cells from the scale)."""
    from matplotlib.colors import to_hex, to_rgb

    from research.report.figures import OKABE_ITO

    allowed = {c.lower() for c in OKABE_ITO}

    def neutral(colour: Any) -> bool:
        r, g, b = to_rgb(colour)
        return max(r, g, b) - min(r, g, b) < 0.02

    def tint(colour: Any) -> bool:  # an Okabe–Ito colour mixed with white
        c = np.array(to_rgb(colour))
        for base in (np.array(to_rgb(o)) for o in OKABE_ITO):
            room = 1 - base
            t = [(c[i] - base[i]) / room[i] for i in range(3) if room[i] > 0.05]
            if t and 0 <= min(t) and max(t) - min(t) < 0.03 and \
                    all(abs(c[i] - base[i]) < 0.02 for i in range(3) if room[i] <= 0.05):
                return True
        return False

    used = []
    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None or any(
                getattr(a, "_colorbar", None) is not None for a in fig.axes):
            continue
        used += [line.get_color() for line in ax.get_lines()]
        for container in ax.containers:
            used += [patch.get_facecolor() for patch in getattr(container, "patches", [])]
        for collection in ax.collections:
            used += list(np.atleast_2d(collection.get_facecolor()))
    return sorted({f"colour {to_hex(c)}" for c in used
                   if len(np.atleast_1d(c)) and not (
                       isinstance(c, np.ndarray) and c.size == 0)
                   and to_hex(c) not in allowed and not neutral(c) and not tint(c)})


@pytest.mark.browser
@pytest.mark.parametrize("name", _parameter_sets())
def test_every_shipped_figure_reads_on_phone_and_desktop(name: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         chromium: Any) -> None:
    shown = _shown_figures(monkeypatch, name)
    assert shown, f"{name}: the notebook shows no figure"
    measured = _measure(shown, tmp_path, chromium)
    problems = []
    for i, figure in enumerate(shown):
        label = f"{name}, figure {i + 1} ({figure['alt'][:40]}…)"
        for drawing in ("wide", "narrow"):
            m = measured[f"{drawing}-{i}"]
            if m["min"] is not None and m["min"] < MIN_TEXT[drawing] - 0.05:
                problems.append(f"{label}, {drawing}: text {m['min']:.1f} px ({m['text']!r})")
            if m["shown"] < m["natural"] * 0.99 - 1:  # drawn for its column, not shrunk
                problems.append(f"{label}, {drawing}: drawn {m['natural']:.0f} px wide, "
                                f"shrunk to {m['shown']:.0f} px")
            fig = figure["figures"].get(drawing)
            assert fig is not None, f"{label}: no {drawing} drawing was made"
            problems += [f"{label}, {drawing}: {p}" for p in
                         _axis_problems(fig) + _legend_problems(fig) + _colour_problems(fig)]
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------
# figures with their own phone drawing


def _themes(current: list[int], expected: list[float]) -> pd.DataFrame:
    labels = ["Radikalisering online", "Skola och unga", "Avhoppare och avhopparverksamhet"]
    return pd.DataFrame({"theme": ["a", "b", "c"], "label": labels, "current": current,
                         "expected": expected, "rising": [False, False, False]})


def test_a_theme_overview_without_items_says_so_instead_of_drawing_zeros() -> None:
    from research.report import get_alt
    from research.scanning.figures import plot_theme_overview

    fig = plot_theme_overview(_themes([0, 0, 0], [0.0, 0.0, 0.0]))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("Inga poster" in t for t in texts) and "Inga poster" in get_alt(fig)
    fig = plot_theme_overview(_themes([3, 0, 1], [1.5, 0.0, 0.5]))
    assert fig.axes[0].get_xlim()[1] >= 3  # the value labels stay inside the axes


def test_count_axes_never_label_fractional_ticks() -> None:
    from research.report.figures import count_axis, new_figure

    fig, ax = new_figure()
    ax.plot([0, 1, 2], [0, 0, 0])
    count_axis(ax.yaxis)
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and len(set(labels)) == len(labels) and set(labels) <= {"0", "1", "\u22121"}


def _picture():
    from research import situation
    from research.paths import resolve

    reports = situation.load_reports(resolve("data/sample/lagesbild/rapporter.csv"),
                                     schema="", as_of="2026-09-30")
    return situation.build_picture(reports, period="quarter", min_cell=5)


def test_the_heatmap_phone_drawing_shows_the_same_cells_and_hides_the_same() -> None:
    from research.report.figures import phone_drawing
    from research.situation.figures import heatmap_figure

    picture = _picture()
    fig = heatmap_figure(picture)
    phone = phone_drawing(fig)
    assert phone is not None and phone is not fig

    def cells(figure: Any) -> list[str]:
        return sorted(t.get_text() for t in figure.axes[0].texts
                      if re.fullmatch(r"\.\.|\d+|–", t.get_text()))

    hidden = int(picture.area_tables[picture.current].suppressed.loc[
        picture.areas, picture.themes].to_numpy().sum())
    assert cells(phone) == cells(fig) and cells(phone).count("..") == hidden
    assert len(cells(phone)) == len(picture.areas) * len(picture.themes)


def test_the_forest_plot_phone_drawing_keeps_every_row_and_the_caption_the_statistics() -> None:
    from research import evaluation
    from research.report.figures import get_caption, phone_drawing

    analysis = evaluation.analyse(str(ROOT / "data/sample/metod/utvarderingar.csv"),
                                  measure="RR", method="REML", knapp_hartung=False,
                                  moderator="setting", method_name="Mentorskap",
                                  favourable="lower",
                                  register=str(ROOT / "data/sample/metoder.yaml"))
    fig = analysis.forest_plot()
    phone = phone_drawing(fig)
    studies = list(analysis.effects["study"])
    for drawing in (fig, phone):
        texts = " ".join(t.get_text() for ax in drawing.axes for t in ax.texts)
        assert all(study in texts for study in studies), texts
        assert "Sammanvägt" in texts and "I²" not in texts
    caption = get_caption(fig)
    assert caption.startswith("Heterogenitet") and "I² =" in caption and "p" in caption
    assert math.isfinite(analysis.result.i2)


def test_show_figure_lays_a_dozen_panels_out_few_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed of show_figure is its number of layout passes (each measures every label):
    a 12-panel chart drawn for the column and the phone needs at most eight."""
    import research.report.display as display
    from matplotlib.figure import Figure

    from research.situation.figures import trend_figure

    monkeypatch.setattr(display, "_display", lambda *a, **k: None)
    fig = trend_figure(_picture())
    draws = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1),
                                                                real(self, renderer))[1])
    display.show_figure(fig)
    assert len(draws) <= 8, len(draws)


def test_show_figure_uses_the_attached_phone_drawing_and_caption(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import research.report.display as display
    from research.report.figures import attach_alt, attach_caption, attach_phone, new_figure

    def drawing(title: str) -> Any:
        fig, ax = new_figure()
        ax.plot([1, 2, 3], [2, 1, 3])
        ax.set_title(title)
        return fig

    made: list[Any] = []

    def phone() -> Any:
        made.append(drawing("Telefonritning"))
        return made[-1]

    fig = attach_caption(attach_phone(attach_alt(drawing("Spaltritning"), "Ett linjediagram."),
                                      phone), "I² = 12 %, τ² = 0,010")
    shown: list[tuple[Any, Any]] = []
    monkeypatch.setattr(display, "_display", lambda bundle, metadata=None:
                        shown.append((bundle, metadata)))
    display.show_figure(fig)
    (figure, metadata), (caption, _) = shown
    assert "Spaltritning" in figure["image/svg+xml"]
    narrow = metadata["image/svg+xml"]["narrow"]
    assert "Telefonritning" in narrow and "Spaltritning" not in narrow and len(made) == 1
    assert caption["text/html"] == '<p class="figure-caption">I² = 12 %, τ² = 0,010</p>'
