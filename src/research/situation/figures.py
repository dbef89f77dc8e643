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
    HOUSE_FONT_PT,
    MIN_FONT_PT,
    NARROW_WIDTH_IN,
    OKABE_ITO,
    attach_alt,
    attach_phone,
    count_axis,
    legend_outside,
    month_tick,
    new_figure,
    percent_axis,
)
from ..report.formatting import format_number, format_percent
from .picture import SituationPicture, period_code, period_label, unit_words
from .wording import lower_first, place

__all__ = ["heatmap_figure", "heatmap_phone", "trend_figure", "comparison_figure"]

BLUE, ORANGE = OKABE_ITO[0], OKABE_ITO[1]


def _wrap(text: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _cell(ax: Any, x: float, y: float, value: float, hidden: bool, top: float, cmap: Any, *,
          height: float = 1.0) -> None:
    """One heatmap cell centred on (x, y): its number on its colour, ".." hatched when
    suppressed, white with a grey edge for zero."""
    from matplotlib.patches import Rectangle

    corner = (x - 0.5, y - height / 2)
    if hidden:
        ax.add_patch(Rectangle(corner, 1, height, facecolor="white", edgecolor="#555555",
                               hatch="///", linewidth=0.5))
        ax.text(x, y, "..", ha="center", va="center", fontsize=HOUSE_FONT_PT,
                fontweight="bold", color="black",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    elif not np.isfinite(value) or value == 0:
        ax.add_patch(Rectangle(corner, 1, height, facecolor="white", edgecolor="#bbbbbb",
                               linewidth=0.5))
        ax.text(x, y, "0" if np.isfinite(value) else "–", ha="center", va="center",
                fontsize=HOUSE_FONT_PT, color="#333333")
    else:
        r, g, b, _ = cmap(value / top)
        ax.add_patch(Rectangle(corner, 1, height, facecolor=(r, g, b), edgecolor="white",
                               linewidth=0.5))
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
        ax.text(x, y, format_number(value), ha="center", va="center", fontsize=HOUSE_FONT_PT,
                color="black" if light else "white")


def _heatmap_data(picture: SituationPicture) -> tuple[np.ndarray, np.ndarray, list[str], float]:
    result = picture.area_tables[picture.current]
    values = result.table.loc[picture.areas, picture.themes].to_numpy(dtype=float).T
    hidden = result.suppressed.loc[picture.areas, picture.themes].to_numpy().T
    labels = [picture.theme_labels[t] for t in picture.themes]
    top = max(float(np.nanmax(values)) if np.isfinite(values).any() else 1.0, 1.0)
    return values, hidden, labels, top


def _colour_scale(fig: Any, ax: Any, top: float, **kw: Any) -> Any:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    scale = fig.colorbar(ScalarMappable(Normalize(0, top), "cividis_r"), ax=ax, **kw)
    scale.set_label("Antal rapporter")
    count_axis(scale.ax.xaxis if kw.get("orientation") == "horizontal" else scale.ax.yaxis)
    return scale


def heatmap_figure(picture: SituationPicture) -> Any:
    """Heatmap of the current period: one row per theme, one column per area (as in
    :func:`current_table`), suppressed cells hatched with "..".

    Every cell carries its number (never colour alone); the sequential colour map is
    reversed cividis (light = few, dark = many; readable with colour-vision deficiencies);
    zero cells are white. The phone drawing (:func:`heatmap_phone`) puts each theme's name
    on a line above its cells, so the cells can use the phone's whole width.
    """
    import matplotlib as mpl

    values, hidden, labels, top = _heatmap_data(picture)
    fig, ax = new_figure(width=COLUMN_WIDTH_IN, height=max(3.0, 0.4 * len(labels) + 2.2))
    cmap = mpl.colormaps["cividis_r"]
    for (i, j), value in np.ndenumerate(values):
        _cell(ax, j, i, value, bool(hidden[i, j]), top, cmap)
    ax.set_xlim(-0.5, len(picture.areas) - 0.5)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xticks(range(len(picture.areas)), picture.areas, rotation=40, ha="left",
                  rotation_mode="anchor", fontsize=HOUSE_FONT_PT)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), [_wrap(label, 34) for label in labels],
                  fontsize=HOUSE_FONT_PT)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Rapporter per tema och stadsdel, {picture.current_label}")
    _colour_scale(fig, ax, top, shrink=0.6)
    attach_phone(fig, lambda: heatmap_phone(picture))
    return attach_alt(fig, _heatmap_alt(picture, values, hidden))


def heatmap_phone(picture: SituationPicture) -> Any:
    """The heatmap drawn for a phone: each theme's name above its row of cells, the areas'
    names upright-sideways over the columns, the colour scale below."""
    import matplotlib as mpl

    values, hidden, labels, top = _heatmap_data(picture)
    rows = len(labels)
    fig, ax = new_figure(width=NARROW_WIDTH_IN, height=0.5 * rows + 2.6)
    cmap = mpl.colormaps["cividis_r"]
    for i, label in enumerate(labels):
        ax.text(-0.5, 2 * i + 0.35, textwrap.shorten(label, 44, placeholder="…"), ha="left",
                va="center", fontsize=HOUSE_FONT_PT)
        for j, value in enumerate(values[i]):
            _cell(ax, j, 2 * i + 1.2, value, bool(hidden[i, j]), top, cmap, height=1.0)
    ax.set_xlim(-0.5, len(picture.areas) - 0.5)
    ax.set_ylim(2 * rows - 0.2, -0.2)
    ax.set_xticks(range(len(picture.areas)), picture.areas, rotation=90,
                  fontsize=HOUSE_FONT_PT)
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Rapporter per tema och stadsdel,\n{picture.current_label}")
    _colour_scale(fig, ax, top, orientation="horizontal", location="bottom", shrink=0.8,
                  aspect=30)
    return fig


def _heatmap_alt(picture: SituationPicture, values: np.ndarray, hidden: np.ndarray) -> str:
    finite = np.where(hidden, -1, np.nan_to_num(values, nan=-1))
    i, j = np.unravel_index(int(np.argmax(finite)), finite.shape)
    if finite[i, j] > 0:
        main = (f"Flest rapporter: {lower_first(picture.theme_labels[picture.themes[i]])} "
                f"{place(picture.areas[j])} ({format_number(finite[i, j])}).")
    else:
        main = "Inga redovisade celler har rapporter."
    return (f"Värmekarta över antal rapporter per tema och stadsdel under "
            f"{picture.current_label}. {main} {int(hidden.sum())} celler är dolda (..) av "
            "integritetsskäl och visas randiga utan färg.")


def trend_figure(picture: SituationPicture, max_periods: int | None = None) -> Any:
    """Small multiples: reports per theme and period (published theme totals only).

    A suppressed total leaves a gap marked "..". The current period is marked with a
    larger orange diamond; lines are blue with round markers (never colour alone).
    """
    periods = picture.periods[-max_periods:] if max_periods else picture.periods
    codes = [month_tick(period_code(p)) for p in periods]  # "okt 2024", "2024 K4"
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
            ax.text(x[position], 0, "..", ha="center", va="bottom", fontsize=MIN_FONT_PT)
        ax.set_title(_wrap(picture.theme_labels[theme], 30), fontsize=HOUSE_FONT_PT)
        ax.set_ylim(bottom=0, top=max(np.nanmax(values) * 1.2, 5) if np.isfinite(values).any()
                    else 5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.tick_params(labelsize=MIN_FONT_PT)
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
                va="center", fontsize=MIN_FONT_PT)
        ax.text((0 if math.isnan(b) else b) + 0.5, position - 0.2,
                "–" if math.isnan(b) else format_percent(b, 0, ratio=False),
                va="center", fontsize=MIN_FONT_PT)
    ax.set_yticks(y, [_wrap(t, 34) for t in table["Tema"]], fontsize=HOUSE_FONT_PT)
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
