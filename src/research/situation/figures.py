"""Figures of the lägesbild, drawn from published (suppressed) cells only, with the
figure factory (:func:`research.report.figures.new_figure`, never pyplot): whole-number
count axes, Okabe–Ito colours paired with markers, hatching and labels, Swedish alt text."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from ..privacy import TOTAL_LABEL
from ..report.figures import (
    COLUMN_WIDTH_IN,
    OKABE_ITO,
    attach_alt,
    count_axis,
    legend_outside,
    new_figure,
    percent_axis,
)
from ..report.formatting import format_number, format_percent
from .picture import SituationPicture, period_code, period_label, unit_words
from .wording import lower_first, place

__all__ = ["heatmap_figure", "trend_figure", "comparison_figure"]

BLUE, ORANGE = OKABE_ITO[0], OKABE_ITO[1]


def _wrap(text: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def heatmap_figure(picture: SituationPicture) -> Any:
    """Heatmap of the current period: one row per theme, one column per area (as in
    :func:`current_table`), suppressed cells hatched with "..".

    Every cell carries its number (never colour alone); the sequential colour map is
    reversed cividis (light = few, dark = many; readable with colour-vision deficiencies);
    zero cells are white.
    """
    from matplotlib.patches import Rectangle

    result = picture.area_tables[picture.current]
    values = result.table.loc[picture.areas, picture.themes].to_numpy(dtype=float).T
    hidden = result.suppressed.loc[picture.areas, picture.themes].to_numpy().T
    labels = [picture.theme_labels[t] for t in picture.themes]
    fig, ax = new_figure(width=max(COLUMN_WIDTH_IN, 1.05 * len(picture.areas) + 4.2),
                         height=max(3.0, 0.48 * len(labels) + 1.6))
    top = max(float(np.nanmax(values)) if np.isfinite(values).any() else 1.0, 1.0)
    image = ax.imshow(np.ma.masked_where(~np.isfinite(values) | (values == 0), values),
                      cmap="cividis_r", vmin=0, vmax=top, aspect="auto")
    cmap = image.get_cmap()
    for (i, j), value in np.ndenumerate(values):
        if hidden[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="white",
                                   edgecolor="#555555", hatch="///", linewidth=0.5))
            ax.text(j, i, "..", ha="center", va="center", fontsize=10, fontweight="bold",
                    color="black", bbox={"facecolor": "white", "edgecolor": "none", "pad": 2})
        elif value == 0:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="white",
                                   edgecolor="#bbbbbb", linewidth=0.5))
            ax.text(j, i, "0", ha="center", va="center", fontsize=9, color="#333333")
        else:
            r, g, b, _ = cmap(value / top)
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
            ax.text(j, i, format_number(value), ha="center", va="center", fontsize=9,
                    color="black" if light else "white")
    ax.set_xticks(range(len(picture.areas)), [_wrap(a, 12) for a in picture.areas],
                  fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), [_wrap(label, 34) for label in labels], fontsize=8)
    ax.set_title(f"Rapporter per tema och stadsdel, {picture.current_label}", pad=28)
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("Antal rapporter")
    count_axis(colorbar.ax.yaxis)
    finite = np.where(hidden, -1, np.nan_to_num(values, nan=-1))
    i, j = np.unravel_index(int(np.argmax(finite)), finite.shape)
    if finite[i, j] > 0:
        main = (f"Flest rapporter: {lower_first(picture.theme_labels[picture.themes[i]])} "
                f"{place(picture.areas[j])} ({format_number(finite[i, j])}).")
    else:
        main = "Inga redovisade celler har rapporter."
    alt = (f"Värmekarta över antal rapporter per tema och stadsdel under "
           f"{picture.current_label}. {main} {int(hidden.sum())} celler är dolda (..) av "
           "integritetsskäl och visas randiga utan färg.")
    return attach_alt(fig, alt)


def trend_figure(picture: SituationPicture, max_periods: int | None = None) -> Any:
    """Small multiples: reports per theme and period (published theme totals only).

    A suppressed total leaves a gap marked "..". The current period is marked with a
    larger orange diamond; lines are blue with round markers (never colour alone).
    """
    periods = picture.periods[-max_periods:] if max_periods else picture.periods
    codes = [period_code(p) for p in periods]
    themes = picture.themes
    columns = 3 if len(themes) > 4 else max(1, len(themes))
    rows = math.ceil(len(themes) / columns)
    # the same x axis in every panel, not shared: shared axes make every layout pass measure
    # every sibling's tick labels (slow with a dozen panels); only the bottom panels label it
    fig, grid = new_figure(nrows=rows, ncols=columns, width=3.4 * columns,
                           height=2.3 * rows + 0.6)
    axes = np.array(grid, dtype=object).reshape(rows, columns)
    rising: list[tuple[float, str]] = []
    for k, theme in enumerate(themes):
        ax = axes[k // columns][k % columns]
        values = np.array([picture.total(p, TOTAL_LABEL, theme) for p in periods])
        x = np.arange(len(periods))
        ax.plot(x, values, color=BLUE, marker="o", markersize=3.5, linewidth=1.6)
        if not math.isnan(values[-1]):
            ax.plot(x[-1], values[-1], marker="D", markersize=7, color=ORANGE,
                    markeredgecolor="black", linestyle="none")
        for position in np.flatnonzero(np.isnan(values)):
            ax.text(x[position], 0, "..", ha="center", va="bottom", fontsize=8)
        ax.set_title(_wrap(picture.theme_labels[theme], 30), fontsize=9)
        ax.set_ylim(bottom=0, top=max(np.nanmax(values) * 1.2, 5) if np.isfinite(values).any()
                    else 5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.tick_params(labelsize=7)
        count_axis(ax.yaxis)
        step = max(1, len(periods) // 4)
        ax.set_xticks(x[::step], [codes[i] for i in range(0, len(codes), step)], rotation=30)
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.tick_params(axis="x", labelbottom=k + columns >= len(themes))
        if len(values) >= 2 and not math.isnan(values[-1]) and not math.isnan(values[-2]):
            rising.append((values[-1] - values[-2], theme))
    for k in range(len(themes), rows * columns):
        axes[k // columns][k % columns].set_visible(False)
    fig.suptitle(f"Rapporter per tema och {unit_words(picture.period)[0]}, "
                 f"{period_label(periods[0])}–{picture.current_label}", fontsize=11)
    fig.supylabel("Antal rapporter", fontsize=9)
    if rising:
        change, theme = max(rising, key=lambda item: (item[0], item[1]))
        fall, fall_theme = min(rising, key=lambda item: (item[0], item[1]))
        main = (f"Störst ökning senaste {unit_words(picture.period)[0]}et: "
                f"{lower_first(picture.theme_labels[theme])} ({'+' if change > 0 else ''}"
                f"{format_number(change)}). Störst minskning: "
                f"{lower_first(picture.theme_labels[fall_theme])} ({format_number(fall)}).")
    else:
        main = "Det finns för få redovisade perioder för att beskriva förändringen."
    alt = (f"Linjediagram i {len(themes)} små rutor, en per tema, med antal rapporter per "
           f"{unit_words(picture.period)[0]} från {period_label(periods[0])} till "
           f"{picture.current_label}; den senaste perioden är markerad med en orange romb. "
           + main)
    return attach_alt(fig, alt)


def comparison_figure(comparison: pd.DataFrame, picture: SituationPicture) -> Any:
    """Paired horizontal bars: share of local reports vs share of scanning hits per theme.

    Local bars are solid blue, scanning bars orange with hatching, each bar labelled with
    its value; suppressed local shares are marked "..".
    """
    table = comparison.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(table))
    local = pd.to_numeric(table["Andel lokalt (%)"], errors="coerce").to_numpy(dtype=float)
    scan = pd.to_numeric(table["Andel i omvärldsbevakningen (%)"],
                         errors="coerce").to_numpy(dtype=float)
    fig, ax = new_figure(height=0.45 * len(table) + 1.6)
    ax.barh(y + 0.2, np.nan_to_num(local), height=0.38, color=BLUE,
            label="Lokala rapporter")
    ax.barh(y - 0.2, np.nan_to_num(scan), height=0.38, color=ORANGE,
            hatch="//", edgecolor="black", linewidth=0.4, label="Omvärldsbevakning")
    for position, (a, b) in enumerate(zip(local, scan)):
        ax.text((0 if math.isnan(a) else a) + 0.5, position + 0.2,
                ".." if math.isnan(a) else format_percent(a, 0, ratio=False),
                va="center", fontsize=7)
        ax.text((0 if math.isnan(b) else b) + 0.5, position - 0.2,
                "–" if math.isnan(b) else format_percent(b, 0, ratio=False),
                va="center", fontsize=7)
    ax.set_yticks(y, [_wrap(t, 34) for t in table["Tema"]], fontsize=8)
    ax.set_xlabel("Andel av respektive källa")
    percent_axis(ax.xaxis)
    ax.set_title(f"Lokala rapporter och omvärldsbevakning per tema, {picture.current_label}")
    legend_outside(ax)
    ax.set_xlim(0, max(np.nanmax(np.r_[local, scan, 1]) * 1.2, 5))
    gaps = [(abs(a - b), t, a, b) for t, a, b in zip(table["Tema"], local, scan)
            if not (math.isnan(a) or math.isnan(b))]
    if gaps:
        _, theme, a, b = max(gaps)
        main = (f"Störst skillnad gäller {lower_first(theme)}: "
                f"{format_percent(a, 0, ratio=False)} av de lokala rapporterna mot "
                f"{format_percent(b, 0, ratio=False)} av träffarna i omvärldsbevakningen.")
    else:
        main = "Inga teman kan jämföras."
    alt = ("Liggande stapeldiagram som för varje tema jämför andelen lokala rapporter "
           "(blå, hel) med andelen träffar i omvärldsbevakningen (orange, randig). " + main)
    return attach_alt(fig, alt)
