"""Figures of the literature map, made with the figure factory (never pyplot), each with a
Swedish alt text saying what it shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..report.figures import (OKABE_ITO, attach_alt, count_axis, empty_figure, legend_outside,
                              new_figure)
from .topics import LANGUAGE_NAMES

__all__ = ["MARKERS", "HATCHES", "year_figure", "topic_trend_figure", "keyword_figure"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "oo")


def _year_axis(axis: Any) -> None:
    """Whole years without a thousands space ("2019", not "2 019")."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f}"))


def year_figure(per_year: pd.DataFrame) -> Any:
    """Bar chart of records per year, stacked by language with hatching; Swedish alt."""
    if per_year.empty:
        return empty_figure("Inga poster med publiceringsår.")
    fig, ax = new_figure(aspect=0.55)
    languages = [c for c in per_year.columns if c not in ("år", "totalt")]
    bottom = np.zeros(len(per_year))
    for position, language in enumerate(languages):
        values = per_year[language].to_numpy()
        ax.bar(per_year["år"], values, bottom=bottom, color=OKABE_ITO[position % 8],
               hatch=HATCHES[position % len(HATCHES)], edgecolor="black", linewidth=0.4,
               label=LANGUAGE_NAMES.get(language, language))
        bottom += values
    ax.set_xlabel("Publiceringsår")
    ax.set_ylabel("Antal poster")
    _year_axis(ax.xaxis)
    count_axis(ax.yaxis)
    legend_outside(ax, title="Språk")
    peak = per_year.loc[per_year["totalt"].idxmax()]
    first, last = int(per_year["år"].min()), int(per_year["år"].max())
    alt = (f"Stapeldiagram över antal poster per publiceringsår {first}–{last}, uppdelat på "
           f"språk. Flest poster kom {int(peak['år'])} ({int(peak['totalt'])} poster).")
    return attach_alt(fig, alt)


def topic_trend_figure(trends: pd.DataFrame) -> Any:
    """Line chart of records per year and topic (markers and colours); Swedish alt."""
    topic_columns = [c for c in trends.columns if c != "år"]
    if trends.empty or not topic_columns:
        return empty_figure("Inga ämnen att visa över tid.")
    fig, ax = new_figure(aspect=0.75)
    for position, column in enumerate(topic_columns):
        ax.plot(trends["år"], trends[column], marker=MARKERS[position % 8],
                color=OKABE_ITO[position % 8], label=str(column), linewidth=1.5)
    ax.set_xlabel("Publiceringsår")
    ax.set_ylabel("Antal poster (dominerande ämne)")
    _year_axis(ax.xaxis)
    count_axis(ax.yaxis)
    legend_outside(ax, ncols=2, fontsize=9)
    recent = trends[trends["år"] >= trends["år"].max() - 2][topic_columns].sum()
    totals = trends[topic_columns].sum()
    alt = (f"Linjediagram över antal poster per år för {len(topic_columns)} ämnen. "
           f"Störst totalt är ämnet {totals.idxmax()} ({int(totals.max())} poster); "
           f"de tre senaste åren dominerar {recent.idxmax()}.")
    return attach_alt(fig, alt)


def keyword_figure(keywords: pd.DataFrame) -> Any:
    """Horizontal bar chart of the most frequent keywords with value labels; Swedish alt."""
    if keywords.empty:
        return empty_figure("Inga nyckelord i underlaget.")
    fig, ax = new_figure(height=max(2.5, 0.35 * len(keywords) + 1))
    data = keywords.iloc[::-1]
    bars = ax.barh(data["nyckelord"], data["antal"], color=OKABE_ITO[0], edgecolor="black",
                   linewidth=0.4)
    ax.bar_label(bars, padding=2, fontsize=9)
    ax.set_xlabel("Antal poster")
    count_axis(ax.xaxis)
    top = keywords.iloc[0]
    alt = (f"Liggande stapeldiagram över de {len(keywords)} vanligaste nyckelorden. "
           f"Vanligast är ”{top['nyckelord']}” med {int(top['antal'])} poster.")
    return attach_alt(fig, alt)
