"""The figure factory: house style, Swedish axes and alt text, without pyplot.

Domain ``figures`` modules make every figure with :func:`new_figure` (a
``matplotlib.figure.Figure`` — never pyplot, so a JupyterLab session's backend is never
switched and nothing global is left open), format axes with :func:`count_axis`,
:func:`number_axis` or :func:`percent_axis` (decimal comma, whole-number ticks for counts,
non-breaking-space thousands), colour with :data:`OKABE_ITO` (colour-blind safe; never colour
alone — pair it with labels, markers or hatching), keep legends outside the data with
:func:`legend_outside`, and describe the figure in Swedish with :func:`attach_alt`.

Sizes are for the briefing's text column: :data:`COLUMN_WIDTH_IN` inches at
:data:`CSS_DPI` CSS pixels per inch; :func:`research.report.show_figure` renders at
``PIXEL_RATIO`` × that, so text set in points here appears at that size in CSS pixels.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OKABE_ITO",
    "COLUMN_WIDTH_IN",
    "CSS_DPI",
    "PIXEL_RATIO",
    "HOUSE_STYLE",
    "new_figure",
    "attach_alt",
    "get_alt",
    "count_axis",
    "number_axis",
    "percent_axis",
    "legend_outside",
    "empty_figure",
    "swedish_tick",
]

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
COLUMN_WIDTH_IN = 7.0   # the briefing's text column (≈ 672 CSS px at 96 CSS px per inch)
CSS_DPI = 96
PIXEL_RATIO = 2          # PNGs are drawn at 2× for sharp text on phones and in print
ALT_ATTRIBUTE = "_research_alt"

HOUSE_STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11.5,
    "ytick.labelsize": 11.5,
    "legend.fontsize": 11.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": None,  # set below (needs cycler)
    "figure.facecolor": "white",
    "axes.formatter.use_locale": False,
}


def _style() -> dict[str, Any]:
    from cycler import cycler

    style = dict(HOUSE_STYLE)
    style["axes.prop_cycle"] = cycler(color=list(OKABE_ITO))
    return style


def new_figure(*, nrows: int = 1, ncols: int = 1, width: float = COLUMN_WIDTH_IN,
               height: float | None = None, aspect: float = 0.6, **subplot_kw: Any
               ) -> tuple[Any, Any]:
    """A new ``Figure`` in the house style and its axes (like ``plt.subplots``).

    ``width`` in inches (default the text column), ``height`` defaults to
    ``width * aspect * nrows / max(ncols, 1) ** 0.5``.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    if height is None:
        height = width * aspect * nrows / max(ncols, 1) ** 0.5
    with mpl.rc_context(_style()):
        fig = Figure(figsize=(width, height), dpi=CSS_DPI, layout="constrained")
        axes = fig.subplots(nrows=nrows, ncols=ncols, squeeze=True, **subplot_kw)
    fig._research_style = _style()  # re-applied when text is added later (see styled)
    return fig, axes


def attach_alt(fig: Any, alt: str) -> Any:
    """Attach a Swedish alt text to a figure; returns the figure."""
    setattr(fig, ALT_ATTRIBUTE, str(alt))
    return fig


def get_alt(fig: Any) -> str | None:
    """The alt text attached by :func:`attach_alt`, if any."""
    return getattr(fig, ALT_ATTRIBUTE, None)


def swedish_tick(value: float, decimals: int = 0, *, percent: bool = False) -> str:
    """One tick label: decimal comma, non-breaking-space thousands, Unicode minus."""
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    text = text.replace("-", "\u2212")
    return f"{text}\u00a0%" if percent else text


def count_axis(axis: Any) -> Any:
    """Whole-number ticks only (counts), Swedish format."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))
    axis.set_major_formatter(FuncFormatter(lambda v, _: swedish_tick(v, 0)))
    return axis


def number_axis(axis: Any, decimals: int | None = None) -> Any:
    """Decimal-comma ticks; decimals chosen from the tick spacing unless given."""
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _: Any) -> str:
        places = decimals
        if places is None:
            ticks = axis.get_majorticklocs()
            step = min((abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a), default=1)
            places = 0 if step >= 1 else min(3, len(f"{step:.10f}".rstrip("0").split(".")[1]))
        return swedish_tick(value, places)

    axis.set_major_formatter(FuncFormatter(label))
    return axis


def percent_axis(axis: Any, *, scale: float = 1.0) -> Any:
    """Percent ticks ("25 %"); ``scale=100`` when the data are shares 0–1."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: swedish_tick(v * scale, 0,
                                                                     percent=True)))
    return axis


def legend_outside(ax: Any, *, where: str = "below", ncols: int | None = None, **kw: Any) -> Any:
    """A legend outside the plotting area (below it by default), so it never hides data."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if where == "right":
        return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                         frameon=False, **kw)
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14),
                     ncols=ncols or min(len(labels), 3), frameon=False, **kw)


def empty_figure(message: str, *, alt: str | None = None) -> Any:
    """A small figure that says in Swedish why there is nothing to draw."""
    fig, ax = new_figure(height=1.2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    return attach_alt(fig, alt or message)
