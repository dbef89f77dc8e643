"""The figure factory: house style, Swedish axes and alt text, without pyplot.

Domain ``figures`` modules make every figure with :func:`new_figure` (a
``matplotlib.figure.Figure`` — never pyplot, so a JupyterLab session's backend is never
switched and nothing global is left open), format axes with :func:`count_axis`,
:func:`number_axis`, :func:`percent_axis` or :func:`date_axis` (decimal comma, whole-number
ticks for counts, non-breaking-space thousands, Swedish month names), colour with
:data:`OKABE_ITO` (colour-blind safe; never colour alone — pair it with labels, markers or
hatching), keep legends outside the data with :func:`legend_outside`, and describe the
figure in Swedish with :func:`attach_alt`. A figure whose text cannot reflow brings its own
phone drawing (:func:`attach_phone`); statistics a reader should read as text go in a caption
(:func:`attach_caption`) rather than in small figure text.

**Figures are drawn for where they are shown.** :func:`research.report.show_figure` embeds
a figure as inline SVG with real text (searchable, sharp in print, measured by the browser
tests) in two drawings: one for the desktop and paper text column
(:data:`COLUMN_WIDTH_IN`, 672 CSS px) and one for a 360 px phone
(:data:`NARROW_WIDTH_IN`, 340 CSS px), each shown at its natural size. An SVG unit is a
point, shown at 96/72 CSS px, so a font of :data:`MIN_FONT_PT` (9 pt) is 12 CSS px on
both screens. :func:`fit_to_width` makes the phone drawing from the desktop one: small
multiples reflow to one or two columns, long category labels wrap, legends move below the
plot with fewer columns, text under the minimum is raised to it, and axes that were left
with matplotlib's English defaults get Swedish number and month formats.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
from collections.abc import Callable
from typing import Any

__all__ = [
    "OKABE_ITO",
    "COLUMN_WIDTH_IN",
    "NARROW_WIDTH_IN",
    "CSS_DPI",
    "MIN_FONT_PT",
    "HOUSE_STYLE",
    "ALT_ATTRIBUTE",
    "MONTH_ABBREVIATIONS",
    "new_figure",
    "attach_alt",
    "get_alt",
    "attach_phone",
    "phone_drawing",
    "attach_caption",
    "placed_by_hand",
    "get_caption",
    "text_width",
    "HOUSE_FONT_PT",
    "count_axis",
    "number_axis",
    "percent_axis",
    "date_axis",
    "legend_outside",
    "empty_figure",
    "swedish_tick",
    "month_tick",
    "fit_to_width",
    "figure_svg",
]

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
CSS_DPI = 96
COLUMN_WIDTH_IN = 7.0            # the briefing's text column: 672 CSS px, also A4's text width
NARROW_WIDTH_IN = 340 / CSS_DPI  # a 360 px phone's text column: 340 CSS px
MIN_FONT_PT = 9.0                # 12 CSS px: the smallest text a figure may carry
HOUSE_FONT_PT = 9.5              # the house text size: 12.7 CSS px
ALT_ATTRIBUTE = "_research_alt"
PHONE_ATTRIBUTE = "_research_phone"
CAPTION_ATTRIBUTE = "_research_caption"
PLACED_ATTRIBUTE = "_research_placed"
_DRAWN = "_research_drawn"       # the size a figure was last laid out and drawn at
_DRAWN_ONCE = "_research_drawn_once"
MONTH_ABBREVIATIONS = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt",
                       "nov", "dec")

HOUSE_STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    # DejaVu draws the figure; readers without it get Verdana (same metrics family) or Arial
    "font.sans-serif": ["DejaVu Sans", "Verdana", "Arial"],
    "font.size": 9.5,            # points = SVG units: 9.5 pt shows as 12.7 CSS px
    "axes.titlesize": 10.5,
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": None,     # set in _style (needs cycler)
    "figure.facecolor": "white",
    "axes.formatter.use_locale": False,
    "svg.fonttype": "none",      # real text in the SVG, not glyph outlines
    "svg.hashsalt": "kunskapshus-research",  # stable ids: the same figure gives the same SVG
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

    ``width`` in inches (default the text column; :func:`research.report.show_figure`
    redraws it at the column's and a phone's width anyway), ``height`` defaults to
    ``width * aspect * nrows / max(ncols, 1) ** 0.5``.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    if height is None:
        height = width * aspect * nrows / max(ncols, 1) ** 0.5
    with mpl.rc_context(_style()):
        fig = Figure(figsize=(width, height), dpi=CSS_DPI, layout="constrained")
        axes = fig.subplots(nrows=nrows, ncols=ncols, squeeze=True, **subplot_kw)
    return fig, axes


def attach_alt(fig: Any, alt: str) -> Any:
    """Attach a Swedish alt text to a figure; returns the figure."""
    setattr(fig, ALT_ATTRIBUTE, str(alt))
    return fig


def get_alt(fig: Any) -> str | None:
    """The alt text attached by :func:`attach_alt`, if any."""
    return getattr(fig, ALT_ATTRIBUTE, None)


def attach_phone(fig: Any, draw: Callable[[], Any]) -> Any:
    """Attach the figure's own phone drawing: ``draw()`` makes a figure drawn for
    :data:`NARROW_WIDTH_IN` (called by :func:`research.report.show_figure` instead of deriving
    the phone drawing from ``fig``); returns ``fig``. For figures whose text cannot reflow
    (a forest plot's columns, a heatmap's cells)."""
    setattr(fig, PHONE_ATTRIBUTE, draw)
    return fig


def phone_drawing(fig: Any) -> Any | None:
    """The phone drawing attached with :func:`attach_phone`, drawn now (or ``None``)."""
    draw = getattr(fig, PHONE_ATTRIBUTE, None)
    return draw() if draw is not None else None


def placed_by_hand(fig: Any) -> Any:
    """Mark a figure whose axes and text the domain placed itself for its width (no layout
    engine): :func:`fit_to_width` then leaves its layout alone; returns ``fig``."""
    fig.set_layout_engine("none")
    setattr(fig, PLACED_ATTRIBUTE, True)
    return fig


def attach_caption(fig: Any, caption: str) -> Any:
    """A Swedish caption shown as page text under the figure (both drawings) by
    :func:`research.report.show_figure`: for statistics a reader should be able to search,
    copy and read at the page's text size, rather than as small figure text."""
    setattr(fig, CAPTION_ATTRIBUTE, str(caption))
    return fig


def get_caption(fig: Any) -> str | None:
    """The caption attached by :func:`attach_caption`, if any."""
    return getattr(fig, CAPTION_ATTRIBUTE, None)


def text_width(text: str, size: float = HOUSE_FONT_PT, *, bold: bool = False) -> float:
    """Width in points of ``text`` set in the house font at ``size`` points (its longest
    line): for domain figures that place columns of text themselves."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family=HOUSE_STYLE["font.sans-serif"][0], size=size,
                          weight="bold" if bold else "normal")
    return max((TextPath((0, 0), line, prop=prop).get_extents().width if line.strip() else 0.0
                for line in str(text).splitlines() or [""]), default=0.0)


def swedish_tick(value: float, decimals: int = 0, *, percent: bool = False) -> str:
    """One tick label: decimal comma, non-breaking-space thousands, Unicode minus."""
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    if text.lstrip("-").strip("0,\u00a0") == "":
        text = text.lstrip("-")  # no "−0"
    text = text.replace("-", "\u2212")
    return f"{text}\u00a0%" if percent else text


def month_tick(value: object) -> str:
    """A month as a tick label: ``"2026-01"`` (or a date, or a monthly Period) → ``"jan 2026"``;
    anything that is not a month is returned as text, unchanged."""
    from .formatting import MONTHS, month_label

    text = month_label(value)
    name, _, year = text.partition(" ")
    return f"{MONTH_ABBREVIATIONS[MONTHS.index(name)]} {year}" if name in MONTHS else text


def count_axis(axis: Any) -> Any:
    """Whole-number ticks only (counts), Swedish format."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))
    # a range narrower than one count still gets fractional ticks: they stay unlabelled
    axis.set_major_formatter(FuncFormatter(
        lambda v, _: swedish_tick(v, 0) if abs(v - round(v)) < 1e-9 else ""))
    return axis


def _decimals_for(axis: Any) -> int:
    ticks = list(axis.get_majorticklocs())
    steps = [abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a]
    step = min(steps, default=1.0)
    if step >= 1 or step <= 0:
        return 0
    return min(3, max(0, -math.floor(math.log10(step) + 1e-9)))


def number_axis(axis: Any, decimals: int | None = None) -> Any:
    """Decimal-comma ticks; decimals chosen from the tick spacing unless given."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(
        lambda value, _: swedish_tick(value, _decimals_for(axis) if decimals is None
                                      else decimals)))
    return axis


def percent_axis(axis: Any, *, scale: float = 1.0) -> Any:
    """Percent ticks ("25 %"); ``scale=100`` when the data are shares 0–1."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: swedish_tick(v * scale, 0,
                                                                     percent=True)))
    return axis


def date_axis(axis: Any) -> Any:
    """Date ticks in Swedish: "3 mars", "mars 2026" or "2026", from the tick spacing."""
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.ticker import FuncFormatter

    if not isinstance(axis.get_major_locator(), AutoDateLocator):
        axis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))

    def label(value: float, _: Any) -> str:
        ticks = list(axis.get_majorticklocs())
        step = min((abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a), default=1.0)
        day = num2date(value)
        if step < 27:
            return f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]}"
        if step < 360:
            return f"{MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"
        return str(day.year)

    axis.set_major_formatter(FuncFormatter(label))
    return axis


def legend_outside(ax: Any, *, where: str = "below", ncols: int | None = None, **kw: Any) -> Any:
    """A legend outside the plotting area, so it never hides data.

    A figure legend placed by the layout engine below the axes (``where="below"``) or to
    their right (``where="right"``); on a phone :func:`fit_to_width` moves it below.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    fig = ax.get_figure()
    kw.setdefault("frameon", False)
    if where == "right":
        return fig.legend(handles, labels, loc="outside right upper", **kw)
    return fig.legend(handles, labels, loc="outside lower center",
                      ncols=ncols or min(len(labels), 3), **kw)


def empty_figure(message: str, *, alt: str | None = None) -> Any:
    """A small figure that says in Swedish why there is nothing to draw."""
    fig, ax = new_figure(height=1.2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    return attach_alt(fig, alt or message)


# ---------------------------------------------------------------------------------------
# drawing a figure for one width


def _panels(fig: Any) -> list[Any]:
    """Axes laid out on a grid (colour bars and insets have no grid position)."""
    panels = []
    for ax in fig.axes:
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        if spec is None or getattr(ax, "_colorbar", None) is not None:
            continue
        if not ax.get_visible() or (not ax.axison and not ax.has_data() and not ax.texts):
            continue
        panels.append(ax)
    return panels


def _reflow(fig: Any, columns: int) -> float:
    """Put the grid's panels in ``columns`` columns in reading order; returns the factor
    by which the figure must grow in height to keep each panel's height."""
    panels = _panels(fig)
    if len(panels) < 2:
        return 1.0
    grid = panels[0].get_subplotspec().get_gridspec()
    old_rows, old_cols = grid.get_geometry()
    if old_cols <= columns or any(ax.get_subplotspec().get_gridspec() is not grid
                                  for ax in panels):
        return 1.0
    order = sorted(panels, key=lambda ax: (ax.get_subplotspec().rowspan.start,
                                           ax.get_subplotspec().colspan.start))
    rows = math.ceil(len(order) / columns)
    new_grid = fig.add_gridspec(rows, columns)
    for position, ax in enumerate(order):
        ax.set_subplotspec(new_grid[position // columns, position % columns])
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.yaxis.set_tick_params(labelleft=True)
    return rows / old_rows


def _wrap_labels(axis: Any, width: int) -> bool:
    """Wrap the axis's text labels (categories: statements, themes) at ``width`` characters."""
    from matplotlib.ticker import FuncFormatter

    labels = [t.get_text() for t in axis.get_ticklabels()]
    if not any(len(t) > width and " " in t and re.search(r"[^\W\d_]{3}", t) for t in labels):
        return False
    formatter = axis.get_major_formatter()

    def wrapped(value: float, position: Any) -> str:
        text = str(formatter(value, position))
        return textwrap.fill(text, width) if len(text) > width else text

    axis.set_major_formatter(FuncFormatter(wrapped))
    return True


def _draw(fig: Any) -> None:
    """Lay the figure out and draw it without rendering; remember the size it was drawn at,
    so that :func:`figure_svg` need not draw it again (see :func:`_is_drawn`)."""
    fig.draw_without_rendering()
    setattr(fig, _DRAWN, tuple(fig.get_size_inches()))
    setattr(fig, _DRAWN_ONCE, True)


def _is_drawn(fig: Any) -> bool:
    """Whether the last :func:`_draw` is current: set by it, cleared by :func:`_changed`."""
    return getattr(fig, _DRAWN, None) == tuple(fig.get_size_inches())


def _changed(fig: Any) -> None:
    setattr(fig, _DRAWN, None)


def _grow_for_labels(fig: Any, *, drawn: bool = False) -> None:
    """Make the figure taller until wrapped y labels no longer overlap their neighbours."""
    for _ in range(3):
        if not drawn:
            _draw(fig)
        drawn = False
        renderer = fig._get_renderer()
        factor = 1.0
        for ax in fig.axes:
            boxes = sorted((t.get_window_extent(renderer) for t in ax.get_yticklabels()
                            if t.get_visible() and t.get_text()), key=lambda b: b.y0)
            for low, high in zip(boxes, boxes[1:]):
                spacing = (high.y0 + high.y1) / 2 - (low.y0 + low.y1) / 2
                needed = (low.height + high.height) / 2 + 3
                if spacing > 0:
                    factor = max(factor, needed / spacing)
        if factor <= 1.02:
            return
        _changed(fig)
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, height * min(factor * 1.05, 3.0))
    _draw(fig)


def _untangle(ax: Any) -> bool:
    """Turn x labels upright-sideways (90°) when neighbours overlap; whether it did."""
    renderer = ax.get_figure()._get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()
             if t.get_visible() and t.get_text()]
    if any(a.x1 > b.x0 + 1 for a, b in zip(boxes, boxes[1:])):
        ax.tick_params(axis="x", labelrotation=90)
        return True
    return False


def _wrap_titles(fig: Any, width: float) -> bool:
    """Wrap titles, axis labels and free text wider than the figure."""
    from matplotlib.text import Text

    changed = False
    owned = {id(t) for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title,
                                                 ax.xaxis.label)}
    for text in fig.findobj(Text):
        content = text.get_text()
        if not content or " " not in content or text.get_rotation() not in (0, 0.0):
            continue
        # text of an axes (titles, axis labels) has the axes' width, beside its tick labels
        room = width * (0.6 if id(text) in owned or getattr(text, "axes", None) is not None
                        else 0.98)
        per_line = max(12, int(room * 72 / (0.56 * text.get_fontsize())))
        if max(len(line) for line in content.splitlines()) > per_line:
            text.set_text(textwrap.fill(" ".join(content.split()), per_line))
            changed = True
    return changed


def _integer_data(ax: Any, which: str) -> bool:
    """Whether everything drawn along ``which`` ('x' or 'y') is a whole number (counts)."""
    values: list[float] = []
    for line in ax.lines:
        values.extend(line.get_ydata() if which == "y" else line.get_xdata())
    for patch in ax.patches:
        if hasattr(patch, "get_height"):
            values.append(patch.get_height() if which == "y" else patch.get_width())
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    numbers = [v for v in numbers if math.isfinite(v)]
    return bool(numbers) and all(v == round(v) for v in numbers) and max(map(abs, numbers)) > 0


def _swedish_defaults(ax: Any) -> None:
    """Give axes still on matplotlib's English defaults Swedish formats."""
    from matplotlib.dates import AutoDateFormatter, ConciseDateFormatter, DateFormatter
    from matplotlib.ticker import AutoLocator, MaxNLocator, ScalarFormatter

    for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        formatter = axis.get_major_formatter()
        if isinstance(formatter, (AutoDateFormatter, ConciseDateFormatter, DateFormatter)):
            date_axis(axis)
        elif type(formatter) is ScalarFormatter and axis.get_scale() == "linear":
            if type(axis.get_major_locator()) is AutoLocator and _integer_data(ax, which):
                axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))
            number_axis(axis)


def _raise_small_text(fig: Any) -> None:
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in (*axis.get_major_ticks(), *axis.get_minor_ticks()):
                if tick.label1.get_fontsize() < MIN_FONT_PT:
                    axis.set_tick_params(which="both", labelsize=MIN_FONT_PT)
                    break


def _legends_off_the_data(fig: Any) -> None:
    """A legend drawn inside an axes (``ax.legend()``, "best") may cover data: it becomes a
    figure legend below the plot."""
    if not any(ax.get_legend() is not None for ax in fig.axes):
        return
    _draw(fig)
    renderer = fig._get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or getattr(ax, "_colorbar", None) is not None:
            continue
        box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        inside = box.x0 < area.x1 and box.x1 > area.x0 and box.y0 < area.y1 and box.y1 > area.y0
        if not inside:
            continue
        handles = list(legend.legend_handles)
        labels = [t.get_text() for t in legend.get_texts()]
        title = legend.get_title().get_text()
        legend.remove()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)),
                   frameon=False, title=title or None)
        _changed(fig)


def _legends_below(fig: Any, width_in: float) -> bool:
    """Figure legends go below the plot with as many columns as fit the width."""
    from matplotlib.legend import Legend

    renderer = fig._get_renderer()
    changed = bool(fig.legends)
    for legend in list(fig.legends):
        handles = list(legend.legend_handles)
        labels = [t.get_text() for t in legend.get_texts()]
        widest = max((t.get_window_extent(renderer).width for t in legend.get_texts()),
                     default=0) / fig.dpi + 0.5
        columns = max(1, min(len(labels), int(width_in * 0.95 // max(widest, 0.1))))
        title = legend.get_title().get_text()
        size = legend.get_texts()[0].get_fontsize() if labels else None
        legend.remove()
        fig.legend(handles, labels, loc="outside lower center", ncols=columns,
                   frameon=False, title=title or None, fontsize=size)
    for ax in fig.axes:
        legend = ax.get_legend()
        if isinstance(legend, Legend) and legend.get_bbox_to_anchor().x0 > \
                ax.get_window_extent(renderer).x1:
            handles = list(legend.legend_handles)
            labels = [t.get_text() for t in legend.get_texts()]
            legend.remove()
            fig.legend(handles, labels, loc="outside lower center", frameon=False,
                       ncols=min(2, len(labels)))
            changed = True
    return changed


def fit_to_width(fig: Any, width: float = COLUMN_WIDTH_IN, *, narrow: bool = False) -> Any:
    """Make ``fig`` fit a text column ``width`` inches wide; returns the figure.

    The figure keeps its height (fonts do not scale, so text stays at its size) unless a
    grid of small multiples reflows, which adds rows. With ``narrow=True`` (a phone) grids
    wider than one column reflow to one column (two for more than six panels), long
    category labels wrap and legends move below the plot. Text under :data:`MIN_FONT_PT`
    is raised to it and English default tick formats become Swedish.
    """
    import matplotlib as mpl

    with mpl.rc_context(_style()):
        _changed(fig)
        height = fig.get_size_inches()[1]
        if narrow:
            panels = len(_panels(fig))
            height *= _reflow(fig, 2 if panels > 6 else 1)
        for ax in fig.axes:
            _swedish_defaults(ax)
        _raise_small_text(fig)
        fig.set_size_inches(width, height)
        _use_layout(fig)
        _legends_off_the_data(fig)
        if narrow:
            _fewer_ticks(fig)
            if not getattr(fig, _DRAWN_ONCE, False):
                _draw(fig)  # tick labels have their text after a draw (at any width)
            wrapped_y = [_wrap_labels(ax.yaxis, 18) for ax in fig.axes]
            wrapped_x = [_wrap_labels(ax.xaxis, 12) for ax in fig.axes]
            titles = _wrap_titles(fig, width)
            if _legends_below(fig, width) or titles or any(wrapped_y) or any(wrapped_x):
                _draw(fig)
            untangled = [_untangle(ax) for ax in fig.axes]
            _grow_for_labels(fig, drawn=not any(untangled))
    return fig


def _fewer_ticks(fig: Any) -> None:
    """On a phone a value axis across the figure gets at most five ticks (automatic tick
    choice fills a short axis with touching labels)."""
    from matplotlib.ticker import AutoLocator, MaxNLocator

    for ax in fig.axes:
        locator = ax.xaxis.get_major_locator()
        if isinstance(locator, (MaxNLocator, AutoLocator)) and ax.xaxis.get_scale() == "linear":
            locator.set_params(nbins=4)


def _use_layout(fig: Any) -> None:
    """A layout engine that re-lays the figure out at its new size (constrained where the
    figure allows it; tight after a one-off ``tight_layout`` with a colour bar)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    if getattr(fig, PLACED_ATTRIBUTE, False) or isinstance(
            fig.get_layout_engine(), (ConstrainedLayoutEngine, TightLayoutEngine)):
        return
    for name in ("constrained", "tight"):
        try:
            fig.set_layout_engine(name)
            return
        except RuntimeError:
            continue


def _within(fig: Any, width: float) -> Any:
    """Narrow the figure by what its labels reach beyond ``width`` inches (text outside the
    axes that the layout engine does not know about), so it is shown unshrunk; returns the
    drawn figure's tight bounding box (inches)."""
    for _ in range(4):
        if not _is_drawn(fig):
            _draw(fig)
        _changed(fig)  # measuring ticks' extents may update them: the next call draws again
        box = fig.get_tightbbox(fig._get_renderer())
        excess = box.width - width
        current = fig.get_size_inches()
        if excess <= width * 0.01 or current[0] - excess < width * 0.5:
            return box
        fig.set_size_inches(current[0] - excess, current[1])
    _draw(fig)
    _changed(fig)
    return fig.get_tightbbox(fig._get_renderer())


# ---------------------------------------------------------------------------------------
# SVG for a briefing

_ID = re.compile(r'\bid="([^"]+)"')


def figure_svg(fig: Any, *, alt: str, css_width: int, key: str = "") -> str:
    """The figure as an inline ``<svg>`` element for HTML.

    No XML prolog, DOCTYPE or metadata; ``width`` in CSS px (the height follows from the
    ``viewBox``: its natural size, about ``css_width``; CSS shrinks it only where the
    column is narrower); ``role="img"`` with ``aria-label`` and ``<title>`` holding ``alt``; every
    ``id`` prefixed with ``key`` (plus a digest of the drawing) so several figures, and the
    phone and desktop drawing of one, can share a page. The result has passed
    :func:`research.report.htmlsafe.sanitize_svg`.
    """
    import matplotlib as mpl

    from .htmlsafe import escape, sanitize_svg

    buffer = io.StringIO()
    with mpl.rc_context(_style()):
        box = _within(fig, css_width / CSS_DPI - 2 * 0.02)
        # laid out and measured by _within: without a layout engine, savefig renders the
        # figure as laid out, without another layout pass and draw of its own
        engine, fig._layout_engine = fig.get_layout_engine(), None
        try:
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None,
                                                        "Format": None, "Type": None},
                        facecolor="white", bbox_inches=box.padded(0.02))
        finally:
            fig._layout_engine = engine
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    prefix = "f" + hashlib.sha1((key + text).encode("utf-8")).hexdigest()[:8] + "-"
    ids = set(_ID.findall(text))
    if ids:
        pattern = re.compile(r'(\bid="|#)(' + "|".join(map(re.escape, sorted(ids, key=len,
                                                                                reverse=True)))
                             + r')(?=["\)])')
        text = pattern.sub(lambda m: m.group(1) + prefix + m.group(2), text)
    box = re.search(r'viewBox="0 0 ([\d.]+) ', text)
    natural = round(float(box.group(1)) * CSS_DPI / 72) if box else css_width
    text = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\s+height="[^"]*"',
                  lambda m: f'<svg{m.group(1)} width="{natural}"', text, count=1)
    text = text.replace("<svg", f'<svg role="img" aria-label="{escape(alt)}"', 1)
    text = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + f"<title>{escape(alt)}</title>",
                  text, count=1)
    return sanitize_svg(text)
