"""Forest and funnel plots with Swedish labels and alt text, from the figure factory.

Every figure comes from :func:`research.report.figures.new_figure` (a
``matplotlib.figure.Figure``; never pyplot), colours from Okabe–Ito paired with shapes and
line styles, legends outside the data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..report.figures import OKABE_ITO, attach_alt, legend_outside, new_figure
from ..report.formatting import format_number
from .effects import MEASURE_LABELS, MEASURE_SHORT, RATIO_MEASURES, transform_for
from .meta import MetaAnalysisResult, format_level
from .robustness import egger_test

__all__ = [
    "FONT_SIZE",
    "heterogeneity_label",
    "direction_sentence",
    "forest_plot",
    "forest_alt_text",
    "funnel_plot",
]

FONT_SIZE = 12
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


def _axis_label(measure: str, favourable: str | None = None) -> str:
    label = MEASURE_LABELS.get(measure, "effekt")
    text = label[0].upper() + label[1:] + (", logaritmisk skala" if measure in RATIO_MEASURES
                                           else "")
    if favourable == "lower":
        text += "\n← gynnsamt för insatsen   |   ogynnsamt →"
    elif favourable == "higher":
        text += "\n← ogynnsamt   |   gynnsamt för insatsen →"
    return text


def _forest_marks(ax: Any, effects: pd.DataFrame, result: MetaAnalysisResult,
                  ys: np.ndarray, back: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from matplotlib.patches import Polygon

    lo = back(effects["ci_low"].to_numpy(float))
    hi = back(effects["ci_high"].to_numpy(float))
    est = back(effects["yi"].to_numpy(float))
    weights = np.asarray(result.weights, dtype=float)
    for y, low, high in zip(ys, lo, hi):
        ax.plot([low, high], [y, y], color=_COLOUR["black"], linewidth=1.4,
                solid_capstyle="butt")
    ax.scatter(est, ys, s=40 + 260 * np.sqrt(weights / weights.max()), marker="s",
               color=_COLOUR["black"], zorder=3)
    e, (cl, ch) = result.effect, result.effect_ci
    ax.add_patch(Polygon([(cl, 1.0), (e, 1.38), (ch, 1.0), (e, 0.62)], closed=True,
                         facecolor=_COLOUR["blue"], edgecolor=_COLOUR["black"], zorder=3))
    if result.has_prediction_interval:
        pl, ph = result.effect_pi
        ax.plot([pl, ph], [0.1, 0.1], color=_COLOUR["vermillion"], linestyle=(0, (4, 2)),
                linewidth=2.2)
        for end in (pl, ph):
            ax.plot([end, end], [-0.08, 0.28], color=_COLOUR["vermillion"], linewidth=2.2)
    return lo, hi, est


def _forest_text(ax: Any, effects: pd.DataFrame, result: MetaAnalysisResult, ys: np.ndarray,
                 columns: tuple[np.ndarray, np.ndarray, np.ndarray], measure: str) -> None:
    from matplotlib.transforms import blended_transform_factory

    lo, hi, est = columns
    k = len(effects)
    kw = {"transform": blended_transform_factory(ax.transAxes, ax.transData),
          "va": "center", "fontsize": FONT_SIZE}
    header_y = k + 2.9
    short = MEASURE_SHORT.get(measure, "effekt")
    ax.text(-0.04, header_y, "Utvärdering", ha="right", fontweight="bold", **kw)
    ax.text(1.04, header_y, f"{short} [{format_level(result.level)} % KI]", ha="left",
            fontweight="bold", **kw)
    ax.text(1.92, header_y, "Vikt", ha="right", fontweight="bold", **kw)
    for y, name, e_i, l_i, h_i, w in zip(ys, effects["study"], est, lo, hi, result.weights):
        ax.text(-0.04, y, _plain(name, 34), ha="right", **kw)
        ax.text(1.04, y, f"{_fmt(e_i)} [{_fmt(l_i)}; {_fmt(h_i)}]", ha="left", **kw)
        ax.text(1.92, y, f"{_fmt(w, 1)} %", ha="right", **kw)
    model = "fix effekt" if result.method == "FE" else f"slumpeffekt ({result.method})"
    cl, ch = result.effect_ci
    ax.text(-0.04, 1.0, f"Sammanvägt, {model}" if result.k > 1 else "Resultat (en utvärdering)",
            ha="right", fontweight="bold", **kw)
    ax.text(1.04, 1.0, f"{_fmt(result.effect)} [{_fmt(cl)}; {_fmt(ch)}]", ha="left",
            fontweight="bold", **kw)
    ax.text(1.92, 1.0, "100 %", ha="right", **kw)
    if result.has_prediction_interval:
        pl, ph = result.effect_pi
        ax.text(-0.04, 0.1, "Prediktionsintervall", ha="right", **kw)
        ax.text(1.04, 0.1, f"[{_fmt(pl)}; {_fmt(ph)}]", ha="left", **kw)
    het = (f"I² = {_fmt(result.i2, 0)} %, τ² = {_fmt(result.tau2, 3)}, Q-test p = "
           f"{_fmt(result.q_p, 2)}" if result.k > 1 else "En utvärdering: ingen heterogenitet")
    ax.text(-0.04, -0.45, het, ha="right", **{**kw, "fontsize": FONT_SIZE - 2})


def forest_plot(effects: pd.DataFrame, result: MetaAnalysisResult, *, method_name: str = "",
                favourable: str | None = None) -> Any:
    """An accessible forest plot: one row per evaluation, pooled diamond, prediction interval.

    Study labels on the left; effect with CI (decimal comma) and weight on the right; squares
    sized by weight; a diamond for the pooled effect and a dashed line for the prediction
    interval (Higgins, t with k − 2 df); a dotted vertical line at no effect. Ratio measures
    on a log scale with back-transformed labels. Swedish alt text attached.
    """
    measure = result.measure or effects.attrs.get("measure") or "MD"
    k = len(effects)
    height = 2.2 + 0.48 * (k + 4)
    fig, ax = new_figure(width=10.5, height=height)
    fig.set_layout_engine("none")  # the text columns are placed by hand around the axes
    bottom = 1.5 / height
    ax.set_position((0.33, bottom, 0.33, 1 - bottom - 0.55 / height))
    ys = np.arange(k, 0, -1) + 2.0
    back = transform_for(measure)
    columns = _forest_marks(ax, effects, result, ys, back)
    null = 1.0 if measure in RATIO_MEASURES else 0.0
    ax.axvline(null, color=_COLOUR["black"], linewidth=1, linestyle=":")
    ax.set_ylim(-0.5, k + 3.3)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    if measure in RATIO_MEASURES:
        pi = list(result.effect_pi) if result.has_prediction_interval else []
        _ratio_axis(ax, np.concatenate([columns[0], columns[1], [*pi, null]]))
    else:
        _linear_axis(ax.xaxis)
    ax.tick_params(labelsize=FONT_SIZE - 1)
    ax.set_xlabel(_axis_label(measure, favourable), fontsize=FONT_SIZE)
    _forest_text(ax, effects, result, ys, columns, measure)
    title = f"{method_name}: " if method_name else ""
    fig.suptitle(f"{title}{k} utvärdering{'ar' if k != 1 else ''}", x=0.02, ha="left",
                 fontsize=FONT_SIZE + 2, fontweight="bold")
    return attach_alt(fig, forest_alt_text(result, method_name=method_name,
                                           favourable=favourable))


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
