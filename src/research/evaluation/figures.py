"""Forest and funnel plots with Swedish labels and alt text, from the figure factory.

Every figure comes from :func:`research.report.figures.new_figure` (a
``matplotlib.figure.Figure``; never pyplot), colours from Okabe–Ito paired with shapes and
line styles, legends outside the data.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from ..report.figures import (COLUMN_WIDTH_IN, HOUSE_FONT_PT, NARROW_WIDTH_IN, OKABE_ITO,
                              attach_alt, attach_caption, attach_phone, legend_outside,
                              new_figure, placed_by_hand, text_width)
from ..report.formatting import format_number, format_p
from .effects import MEASURE_LABELS, MEASURE_SHORT, RATIO_MEASURES, transform_for
from .meta import MetaAnalysisResult, format_level
from .robustness import egger_test

__all__ = [
    "heterogeneity_label",
    "direction_sentence",
    "forest_plot",
    "forest_plot_phone",
    "forest_caption",
    "forest_alt_text",
    "funnel_plot",
]

_COLOUR = dict(zip(("blue", "orange", "green", "vermillion", "purple", "sky", "yellow",
                    "black"), OKABE_ITO))
_NICE_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0,
                     10.0, 20.0, 50.0, 100.0)


def _fmt(value: float, decimals: int = 2) -> str:
    return format_number(value, decimals)


def _plain(text: object, limit: int = 48) -> str:
    """Label text safe for matplotlib (no mathtext) and short enough for a row."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def heterogeneity_label(i2: float) -> str:
    """Swedish word for the size of I² (låg < 25 %, måttlig < 50 %, betydande < 75 %)."""
    if not math.isfinite(i2):
        return "kan inte bedömas"
    if i2 < 25:
        return "låg"
    if i2 < 50:
        return "måttlig"
    if i2 < 75:
        return "betydande"
    return "mycket stor"


def direction_sentence(result: MetaAnalysisResult, favourable: str | None) -> str:
    """One Swedish sentence: is the pooled effect significant, and in which direction?"""
    significant = result.ci_low > 0 or result.ci_high < 0
    if not significant:
        return ("Konfidensintervallet omfattar även värdet för ingen effekt, så effekten är "
                "inte statistiskt säkerställd.")
    if favourable not in ("lower", "higher"):
        return "Resultatet är statistiskt säkerställt (konfidensintervallet utesluter ingen effekt)."
    good = (result.ci_high < 0) == (favourable == "lower")
    return ("Resultatet är statistiskt säkerställt och går åt gynnsamt håll." if good else
            "Resultatet är statistiskt säkerställt men går åt ogynnsamt håll – utfallet blev "
            "sämre med insatsen.")


def _ratio_axis(ax: Any, values: np.ndarray) -> None:
    """Log scale with readable Swedish tick labels for ratio measures."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    values = values[np.isfinite(values) & (values > 0)]
    low, high = float(values.min()) / 1.15, float(values.max()) * 1.15
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    decades = math.log10(high / low)
    if decades > 1.5:
        candidates: tuple[float, ...] = (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)
    elif decades > 0.8:
        candidates = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
    else:
        candidates = _NICE_RATIO_TICKS
    ticks = [t for t in candidates if low <= t <= high]
    if len(ticks) > 7:
        ticks = [t for t in ticks if t not in (0.25, 0.75, 1.5, 3.0, 4.0, 0.02, 20.0)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(x, 2 if x < 1 else 1)))


def _linear_axis(axis: Any) -> None:
    """Swedish tick labels with as many decimals as the step needs."""
    from matplotlib.ticker import FuncFormatter

    ticks = np.asarray(axis.get_majorticklocs(), dtype=float)
    steps = np.diff(np.sort(ticks))
    step = float(steps[steps > 0].min()) if np.any(steps > 0) else 1.0
    decimals = max(0, min(4, -math.floor(math.log10(step) + 1e-9)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(x, decimals)))


def _axis_label(measure: str, favourable: str | None = None, *, phone: bool = False) -> str:
    label = MEASURE_LABELS.get(measure, "effekt")
    text = label[0].upper() + label[1:] + (", logaritmisk skala" if measure in RATIO_MEASURES
                                           else "")
    if phone:
        text = textwrap.fill(text, 34)
    if favourable == "lower":
        text += ("\n← gynnsamt   |   ogynnsamt →" if phone else
                 "\n← gynnsamt för insatsen   |   ogynnsamt →")
    elif favourable == "higher":
        text += ("\n← ogynnsamt   |   gynnsamt →" if phone else
                 "\n← ogynnsamt   |   gynnsamt för insatsen →")
    return text


def _forest_marks(ax: Any, effects: pd.DataFrame, result: MetaAnalysisResult,
                  ys: np.ndarray, back: Any, *, square: float = 1.0, pooled_y: float = 1.0,
                  interval_y: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from matplotlib.patches import Polygon

    lo = back(effects["ci_low"].to_numpy(float))
    hi = back(effects["ci_high"].to_numpy(float))
    est = back(effects["yi"].to_numpy(float))
    weights = np.asarray(result.weights, dtype=float)
    for y, low, high in zip(ys, lo, hi):
        ax.plot([low, high], [y, y], color=_COLOUR["black"], linewidth=1.4,
                solid_capstyle="butt")
    ax.scatter(est, ys, s=square * (30 + 190 * np.sqrt(weights / weights.max())), marker="s",
               color=_COLOUR["black"], zorder=3)
    e, (cl, ch) = result.effect, result.effect_ci
    p = pooled_y
    ax.add_patch(Polygon([(cl, p), (e, p + 0.3), (ch, p), (e, p - 0.3)], closed=True,
                         facecolor=_COLOUR["blue"], edgecolor=_COLOUR["black"], zorder=3))
    if result.has_prediction_interval:
        pl, ph = result.effect_pi
        ax.plot([pl, ph], [interval_y] * 2, color=_COLOUR["vermillion"],
                linestyle=(0, (4, 2)), linewidth=2.2)
        for end in (pl, ph):
            ax.plot([end, end], [interval_y - 0.2, interval_y + 0.2],
                    color=_COLOUR["vermillion"], linewidth=2.2)
    return lo, hi, est


def _forest_rows(effects: pd.DataFrame, result: MetaAnalysisResult,
                 columns: tuple[np.ndarray, np.ndarray, np.ndarray], ys: np.ndarray, *,
                 pooled_y: float = 1.0, interval_y: float = 0.1) -> list[dict[str, Any]]:
    """The text of the forest plot's rows: label, estimate [CI], weight, y, bold."""
    lo, hi, est = columns
    rows = [{"label": _plain(name, 40), "estimate": f"{_fmt(e)} [{_fmt(low)}; {_fmt(high)}]",
             "weight": f"{_fmt(w, 1)} %", "y": y, "bold": False}
            for y, name, e, low, high, w in zip(ys, effects["study"], est, lo, hi,
                                                result.weights)]
    model = "fix effekt" if result.method == "FE" else f"slumpeffekt ({result.method})"
    cl, ch = result.effect_ci
    rows.append({"label": f"Sammanvägt, {model}" if result.k > 1 else
                 "Resultat (en utvärdering)",
                 "estimate": f"{_fmt(result.effect)} [{_fmt(cl)}; {_fmt(ch)}]",
                 "weight": "100 %", "y": pooled_y, "bold": True})
    if result.has_prediction_interval:
        pl, ph = result.effect_pi
        rows.append({"label": "Prediktionsintervall", "estimate": f"[{_fmt(pl)}; {_fmt(ph)}]",
                     "weight": "", "y": interval_y, "bold": False})
    return rows


def _fit(text: str, room: float, bold: bool = False) -> str:
    """``text`` shortened with "…" until it is at most ``room`` points wide."""
    while text_width(text, HOUSE_FONT_PT, bold=bold) > room and len(text) > 8:
        text = text[:-2].rstrip() + "…"
    return text


def _forest_axis(ax: Any, measure: str, result: MetaAnalysisResult,
                 columns: tuple[np.ndarray, np.ndarray, np.ndarray], top: float) -> None:
    null = 1.0 if measure in RATIO_MEASURES else 0.0
    ax.axvline(null, color=_COLOUR["black"], linewidth=1, linestyle=":")
    ax.set_ylim(-0.5, top)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    if measure in RATIO_MEASURES:
        pi = list(result.effect_pi) if result.has_prediction_interval else []
        _ratio_axis(ax, np.concatenate([columns[0], columns[1], [*pi, null]]))
    else:
        _linear_axis(ax.xaxis)


def forest_plot(effects: pd.DataFrame, result: MetaAnalysisResult, *, method_name: str = "",
                favourable: str | None = None) -> Any:
    """An accessible forest plot: one row per evaluation, pooled diamond, prediction interval.

    Drawn for the text column: study labels on the left; effect with CI (decimal comma) and
    weight on the right, in columns as wide as their text; squares sized by weight; a
    diamond for the pooled effect and a dashed line for the prediction interval (Higgins, t
    with k − 2 df); a dotted vertical line at no effect. Ratio measures on a log scale with
    back-transformed labels. The phone drawing (:func:`forest_plot_phone`) puts each label
    above its row. The heterogeneity statistics are the caption; Swedish alt text attached.
    """
    from matplotlib.transforms import blended_transform_factory

    measure = result.measure or effects.attrs.get("measure") or "MD"
    k = len(effects)
    ys = np.arange(k, 0, -1) + 2.0
    back = transform_for(measure)
    size = HOUSE_FONT_PT
    rows_probe = _forest_rows(effects, result, (back(effects["ci_low"].to_numpy(float)),
                                                back(effects["ci_high"].to_numpy(float)),
                                                back(effects["yi"].to_numpy(float))), ys)
    short = MEASURE_SHORT.get(measure, "effekt")
    head_estimate = f"{short} [{format_level(result.level)} % KI]"
    estimate_w = max(max(text_width(r["estimate"], size, bold=r["bold"]) for r in rows_probe),
                     text_width(head_estimate, size, bold=True)) + 6
    weight_w = text_width("100,0 %", size) + 14
    width = COLUMN_WIDTH_IN * 72  # points; the columns are placed by hand for this width
    room = width - 8 - estimate_w - weight_w - 12 - 150  # the plot keeps 150 pt at least
    label_w = max(max(text_width(_fit(r["label"], room, r["bold"]), size, bold=r["bold"])
                      for r in rows_probe), text_width("Utvärdering", size, bold=True)) + 6
    plot_w = width - 8 - label_w - estimate_w - weight_w - 12
    units = k + 3.9  # the y range: -0.5 … k + 3.4
    bottom, top = 56.0, 26.0  # points: tick labels and a two-line axis label; the title
    height = (bottom + top + 22.0 * units) / 72
    fig, ax = new_figure(width=COLUMN_WIDTH_IN, height=height)
    placed_by_hand(fig)
    x0 = 4 + label_w + 6
    ax.set_position((x0 / width, bottom / (height * 72), plot_w / width,
                     22.0 * units / (height * 72)))
    columns = _forest_marks(ax, effects, result, ys, back)
    rows = _forest_rows(effects, result, columns, ys)
    _forest_axis(ax, measure, result, columns, k + 3.4)
    place = blended_transform_factory(fig.transFigure, ax.transData)  # x: figure, y: rows
    label_x, estimate_x, weight_x = (x0 - 6) / width, (x0 + plot_w + 10) / width, \
        (width - 4) / width

    def put(x: float, y: float, text: str, ha: str, bold: bool = False) -> None:
        ax.text(x, y, text, ha=ha, va="center", fontweight="bold" if bold else "normal",
                fontsize=size, transform=place)

    header_y = k + 2.9
    put(label_x, header_y, "Utvärdering", "right", True)
    put(estimate_x, header_y, head_estimate, "left", True)
    put(weight_x, header_y, "Vikt", "right", True)
    for row in rows:
        put(label_x, row["y"], _fit(row["label"], room, row["bold"]), "right", row["bold"])
        put(estimate_x, row["y"], row["estimate"], "left", row["bold"])
        if row["weight"]:
            put(weight_x, row["y"], row["weight"], "right")
    ax.set_xlabel(_axis_label(measure, favourable))
    fig.suptitle(_forest_title(method_name, k), x=4 / width, y=1 - 6 / (height * 72),
                 ha="left", va="top", fontsize=10.5, fontweight="bold")
    attach_caption(fig, forest_caption(result))
    attach_phone(fig, lambda: forest_plot_phone(effects, result, method_name=method_name,
                                                favourable=favourable))
    return attach_alt(fig, forest_alt_text(result, method_name=method_name,
                                           favourable=favourable))


def _forest_title(method_name: str, k: int) -> str:
    title = f"{method_name}: " if method_name else ""
    return f"{title}{k} utvärdering{'ar' if k != 1 else ''}"


def forest_caption(result: MetaAnalysisResult) -> str:
    """The heterogeneity statistics under a forest plot, in Swedish."""
    if result.k < 2:
        return "En utvärdering: heterogenitet mellan utvärderingar kan inte bedömas."
    return (f"Heterogenitet mellan utvärderingarna: {heterogeneity_label(result.i2)} "
            f"(I² = {_fmt(result.i2, 0)} %, τ² = {_fmt(result.tau2, 3)}, Q-test "
            f"{format_p(result.q_p, 2)}).")


def forest_plot_phone(effects: pd.DataFrame, result: MetaAnalysisResult, *,
                      method_name: str = "", favourable: str | None = None) -> Any:
    """The forest plot drawn for a phone: each evaluation's name and weight on a line above
    its row, the plot beside a column with the estimate and its interval."""
    measure = result.measure or effects.attrs.get("measure") or "MD"
    k = len(effects)
    size = HOUSE_FONT_PT
    back = transform_for(measure)
    # every row takes two slots: its name (and weight) above, its marks below
    interval = result.has_prediction_interval
    pooled_y = 1.7 if interval else 0.0
    ys = pooled_y + 0.5 + 1.7 * np.arange(k, 0, -1)
    places = {"pooled_y": pooled_y, "interval_y": 0.0}
    probe = _forest_rows(effects, result, (back(effects["ci_low"].to_numpy(float)),
                                           back(effects["ci_high"].to_numpy(float)),
                                           back(effects["yi"].to_numpy(float))), ys, **places)
    short = MEASURE_SHORT.get(measure, "effekt")
    head_estimate = f"{short} [{format_level(result.level)} % KI]"
    estimate_w = max(max(text_width(r["estimate"], size, bold=r["bold"]) for r in probe),
                     text_width(head_estimate, size, bold=True)) + 4
    total = NARROW_WIDTH_IN * 72 - 8
    top = (float(ys[0]) if k else pooled_y) + 2.0
    height = 1.5 + 0.27 * (top + 0.6)
    fig, (ax, numbers) = new_figure(
        ncols=2, width=NARROW_WIDTH_IN, height=height, sharey=True,
        gridspec_kw={"width_ratios": [total - estimate_w, estimate_w], "wspace": 0.03})
    columns = _forest_marks(ax, effects, result, ys, back, square=0.45, **places)
    rows = _forest_rows(effects, result, columns, ys, **places)
    _forest_axis(ax, measure, result, columns, top)
    ax.set_ylim(-0.6, top)
    numbers.axis("off")
    numbers.text(0.0, top - 0.45, head_estimate, ha="left", va="center", fontweight="bold",
                 fontsize=size, transform=numbers.get_yaxis_transform())
    room = total - 4
    for row in rows:
        weight = "bold" if row["bold"] else "normal"
        numbers.text(0.0, row["y"], row["estimate"], ha="left", va="center",
                     fontweight=weight, fontsize=size, transform=numbers.get_yaxis_transform())
        label = row["label"]
        if row["weight"] and not row["bold"]:
            label += f", vikt {row['weight']}"
        ax.text(0.0, row["y"] + 0.75, _fit(label, room, row["bold"]), ha="left",
                va="center", fontweight=weight, fontsize=size,
                transform=ax.get_yaxis_transform(), clip_on=False, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0}
                ).set_in_layout(False)
    ax.set_xlabel(_axis_label(measure, favourable, phone=True))
    fig.suptitle(textwrap.fill(_forest_title(method_name, k), 38), x=0.01, ha="left",
                 fontsize=10.5, fontweight="bold")
    return fig


def forest_alt_text(result: MetaAnalysisResult, *, method_name: str = "",
                    favourable: str | None = None) -> str:
    """Swedish alt text stating the pooled effect and heterogeneity of a forest plot."""
    label = MEASURE_LABELS.get(result.measure or "MD", "effekt")
    pct = format_level(result.level)
    cl, ch = result.effect_ci
    subject = f" av {method_name}" if method_name else ""
    text = f"Skogsdiagram över {result.k} utvärdering{'ar' if result.k != 1 else ''}{subject}. "
    lead = "Den enda utvärderingen visar" if result.k == 1 else "Sammanvägd"
    text += (f"{lead} {label} {_fmt(result.effect)} ({pct} % KI {_fmt(cl)} till {_fmt(ch)}). "
             + direction_sentence(result, favourable) + " ")
    if result.k > 1:
        text += (f"Heterogeniteten är {heterogeneity_label(result.i2)} "
                 f"(I² = {_fmt(result.i2, 0)} %)")
        if result.has_prediction_interval:
            pl, ph = result.effect_pi
            text += f"; prediktionsintervallet går från {_fmt(pl)} till {_fmt(ph)}"
        text += "."
    return text.strip()


def funnel_plot(effects: pd.DataFrame, result: MetaAnalysisResult, *,
                method_name: str = "") -> Any:
    """Funnel plot: effect against standard error (inverted), with the pseudo 95 % region.

    The legend sits below the axes, outside the data; the alt text cautions when k < 10.
    """
    measure = result.measure or effects.attrs.get("measure") or "MD"
    back = transform_for(measure)
    se = np.sqrt(effects["vi"].to_numpy(float))
    y = effects["yi"].to_numpy(float)
    fig, ax = new_figure(aspect=0.75)
    se_max = max(float(se.max()) * 1.1, 1e-6)
    grid = np.linspace(0, se_max, 50)
    left, right = back(result.estimate - 1.96 * grid), back(result.estimate + 1.96 * grid)
    ax.fill_betweenx(grid, left, right, color=_COLOUR["sky"], alpha=0.25,
                     label="Förväntat område (95 %) utan bias")
    ax.plot(left, grid, color=_COLOUR["blue"], linestyle="--", linewidth=1)
    ax.plot(right, grid, color=_COLOUR["blue"], linestyle="--", linewidth=1)
    ax.axvline(back(result.estimate), color=_COLOUR["black"], linewidth=1,
               label="Sammanvägd effekt")
    ax.scatter(back(y), se, marker="o", facecolor="white", edgecolor=_COLOUR["black"], s=45,
               zorder=3, label="Utvärdering")
    ax.set_ylim(se_max, 0)
    if measure in RATIO_MEASURES:
        _ratio_axis(ax, np.concatenate([back(y), left, right]))
    else:
        _linear_axis(ax.xaxis)
    _linear_axis(ax.yaxis)
    ax.set_xlabel(_axis_label(measure))
    ax.set_ylabel("Standardfel (mindre = större studie)")
    legend_outside(ax, where="below")
    ax.set_title(f"{method_name}: trattdiagram" if method_name else "Trattdiagram", loc="left",
                 fontweight="bold")
    return attach_alt(fig, _funnel_alt(effects))


def _funnel_alt(effects: pd.DataFrame) -> str:
    k = len(effects)
    egger = egger_test(effects["yi"], effects["vi"])
    alt = (f"Trattdiagram med {k} utvärdering{'ar' if k != 1 else ''}: varje utvärderings "
           "effekt mot dess standardfel, med det område där studierna förväntas ligga om det "
           "inte finns publiceringsbias. ")
    if math.isfinite(egger.p):
        alt += (f"Egger-testet ger p = {_fmt(egger.p, 2)}"
                + (", vilket tyder på asymmetri. " if egger.p < 0.10 else
                   ", ingen tydlig asymmetri. "))
    if k < 10:
        alt += "Med färre än tio utvärderingar går asymmetri inte att bedöma säkert."
    return alt.strip()
