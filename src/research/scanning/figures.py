"""Figures of the horizon-scanning briefing, made with the figure factory (no pyplot).

Each function takes the analysis tables and returns a ``matplotlib.figure.Figure`` with a
Swedish alt text attached (:func:`research.report.figures.attach_alt`). Colour is never the
only cue: lines carry markers, the baseline bars are hatched and labelled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..report.figures import (HOUSE_FONT_PT, MIN_FONT_PT, NARROW_WIDTH_IN, OKABE_ITO,
                              attach_alt, attach_phone, count_axis, empty_figure,
                              legend_outside, new_figure)
from ..report.formatting import format_number
from .themes import Taxonomy

__all__ = ["MARKERS", "lower_first", "plot_rising_themes", "plot_theme_overview",
           "plot_theme_overview_phone"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def lower_first(label: str) -> str:
    """Lower-case a label's first letter for running text, keeping acronyms ("IOP")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def plot_rising_themes(themes: pd.DataFrame, weekly: pd.DataFrame, taxonomy: Taxonomy, *,
                       fallback: int = 2) -> Any:
    """Items per period for each rising theme (one panel each), the current period marked.

    Without a rising theme, the ``fallback`` themes with most items are drawn and the
    alt text says that none rose significantly.
    """
    rising = themes[themes["rising"]]
    chosen = rising if len(rising) else themes.sort_values("current", ascending=False) \
        .head(fallback)
    keys = list(chosen["theme"])
    panels = max(len(keys), 1)
    fig, axes = new_figure(nrows=panels, height=2.3 * panels + 0.8, sharex=True)
    axes = np.atleast_1d(axes)
    labels = [f"v. {d.isocalendar()[1]}" for d in weekly.index]
    x = np.arange(len(weekly))
    sentences = []
    for number, (axis, key) in enumerate(zip(axes, keys)):
        values = weekly[key].to_numpy() if key in weekly else np.zeros(len(x))
        label = taxonomy.label(key)
        axis.plot(x, values, marker=MARKERS[number % len(MARKERS)],
                  color=OKABE_ITO[number % len(OKABE_ITO)], linewidth=2, label=label)
        axis.axvspan(x[-1] - 0.5, x[-1] + 0.5, color="#999999", alpha=0.25, hatch="//",
                     label="Aktuell period")
        baseline_mean = values[:-1].mean() if len(values) > 1 else 0.0
        axis.axhline(baseline_mean, color="#000000", linestyle="--", linewidth=1,
                     label="Snitt i baslinjen")
        axis.set_title(label, loc="left")
        axis.set_ylabel("Poster")
        axis.set_ylim(0, max(float(np.max(values, initial=0)), baseline_mean, 1.0) * 1.15)
        count_axis(axis.yaxis)
        axis.grid(axis="y", alpha=0.3)
        sentences.append(f"{label}: {format_number(values[-1])} poster den senaste perioden "
                         f"mot i snitt {format_number(baseline_mean, 1)} per period i "
                         "baslinjen")
    axes[-1].set_xticks(x, labels, rotation=45, ha="right", fontsize=9)
    legend_outside(axes[-1], where="below")
    if len(rising):
        alt = "Antal poster per vecka för teman som ökar. " + "; ".join(sentences) + "."
    else:
        alt = ("Inget tema ökar signifikant. Diagrammet visar de största temana per vecka: "
               + "; ".join(sentences) + ".")
    return attach_alt(fig, alt)


def _overview_bars(axis: Any, table: pd.DataFrame, y: np.ndarray, top_value: float, *,
                   legend_columns: int = 2) -> None:
    """The period's bar above the baseline's (hatched), the period's count at its end."""
    axis.barh(y + 0.2, table["current"], height=0.4, color=OKABE_ITO[0], label="Perioden")
    axis.barh(y - 0.2, table["expected"], height=0.4, color=OKABE_ITO[1], hatch="///",
              edgecolor="white", label="Snitt per period i baslinjen")
    for position, value, rising in zip(y, table["current"], table["rising"]):
        axis.annotate(f"{value}{' ▲ ökar' if rising else ''}", (value, position + 0.2),
                      xytext=(3, 0), textcoords="offset points", va="center",
                      fontsize=MIN_FONT_PT)
    axis.set_xlabel("Poster")
    axis.set_xlim(0, top_value * 1.25)  # room for the value labels inside the axes
    count_axis(axis.xaxis)
    legend_outside(axis, where="below", ncols=legend_columns)


def _overview_top(table: pd.DataFrame) -> float:
    return float(max(table["current"].max(), table["expected"].max(), 0)) if len(table) \
        else 0.0


def plot_theme_overview_phone(themes: pd.DataFrame) -> Any:
    """The theme overview drawn for a phone: each theme's name on a line above its bars,
    so the bars use the phone's whole width."""
    table = themes.sort_values("current")
    top_value = _overview_top(table)
    fig, axis = new_figure(width=NARROW_WIDTH_IN, height=0.42 * len(table) + 1.5)
    y = 1.7 * np.arange(len(table))
    _overview_bars(axis, table, y, top_value, legend_columns=1)
    for position, label in zip(y, table["label"]):
        axis.text(0, position + 0.75, str(label), ha="left", va="center",
                  fontsize=HOUSE_FONT_PT, transform=axis.get_yaxis_transform())
    axis.set_yticks([])
    axis.set_ylim(-0.5, (y[-1] if len(y) else 0) + 1.1)
    axis.spines["left"].set_visible(False)
    return fig


def plot_theme_overview(themes: pd.DataFrame) -> Any:
    """Horizontal bars: items per theme this period vs the baseline's average per period
    (its phone drawing: :func:`plot_theme_overview_phone`)."""
    table = themes.sort_values("current")
    top_value = _overview_top(table)
    if top_value <= 0:
        message = ("Inga poster under perioden eller i baslinjen, så det finns inga teman att "
                   "jämföra. Se tabellen över källorna: kanske kunde ingen källa läsas.")
        return empty_figure(message, alt="Diagrammet över teman är tomt: " + message)
    fig, axis = new_figure(height=0.42 * len(table) + 1.6)
    y = np.arange(len(table), dtype=float)
    _overview_bars(axis, table, y, top_value)
    axis.set_yticks(y, table["label"], fontsize=HOUSE_FONT_PT)
    attach_phone(fig, lambda: plot_theme_overview_phone(themes))
    top = themes.sort_values("current", ascending=False).iloc[0] if len(table) else None
    rising = themes[themes["rising"]]["label"].tolist()
    alt = "Antal poster per tema under perioden jämfört med baslinjens snitt per period. "
    if top is not None and top["current"] > 0:
        alt += (f"Störst är {lower_first(top['label'])} med "
                f"{format_number(top['current'])} poster. ")
    elif top is not None:
        alt += "Inget tema har poster under perioden. "
    alt += (f"Signifikant ökning: {', '.join(lower_first(l) for l in rising)}." if rising
            else "Inget tema ökar signifikant.")
    return attach_alt(fig, alt)
