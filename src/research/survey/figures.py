"""Figures of the Enkätanalys briefing, made with the figure factory
(:func:`research.report.figures.new_figure`: a ``matplotlib.figure.Figure``, never pyplot),
each with a Swedish alt text. They draw already suppressed tables only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..report.figures import attach_alt, empty_figure, new_figure, number_axis
from ..report.formatting import format_number, format_percent
from .likert import LikertTable

__all__ = [
    "DIVERGING_PALETTES",
    "LINE_COLOURS",
    "likert_figure",
    "estimates_figure",
    "index_figure",
]

# Diverging from Okabe–Ito (colour-blind safe): vermillion and orange for disagreeing, blue
# and sky blue for agreeing, light tints of orange and sky blue as third steps, grey neutral.
DIVERGING_PALETTES = {
    2: ["#D55E00", "#0072B2"],
    3: ["#D55E00", "#D9D9D9", "#0072B2"],
    4: ["#D55E00", "#E69F00", "#56B4E9", "#0072B2"],
    5: ["#D55E00", "#E69F00", "#D9D9D9", "#56B4E9", "#0072B2"],
    6: ["#D55E00", "#E69F00", "#F4D48C", "#B3DDF5", "#56B4E9", "#0072B2"],
    7: ["#D55E00", "#E69F00", "#F4D48C", "#D9D9D9", "#B3DDF5", "#56B4E9", "#0072B2"],
}
# Okabe–Ito, for categorical series.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000")
# Okabe–Ito without yellow, for lines and markers on white
LINE_COLOURS = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"]


def likert_figure(tables: LikertTable | Mapping[str, LikertTable], *,
                  title: str | None = None) -> Any:
    """Diverging stacked horizontal bars, one panel per Likert block.

    Disagreement lies left of zero and agreement right, the neutral option centred on
    zero; ``n`` is shown per question; suppressed cells are not drawn (the question is
    marked with *). Colour-blind-safe ColorBrewer PuOr with hatching and percentage
    labels, so colour is never the only cue.

    Parameters
    ----------
    tables
        One :class:`LikertTable` or ``{panel title: LikertTable}`` (already suppressed).
    """
    from matplotlib.patches import Patch

    panels = {title or "": tables} if isinstance(tables, LikertTable) else dict(tables)
    if not panels:
        return empty_figure("Enkäten har inga Likertfrågor att visa.")
    sizes = [max(1, len(t.shares.index)) for t in panels.values()]
    fig, axes = new_figure(nrows=len(panels), height=2.2 + 0.62 * sum(sizes)
                           + 0.5 * len(panels), gridspec_kw={"height_ratios": sizes})
    axes = np.atleast_1d(axes)
    any_hidden = False
    limit = max(_likert_extent(t) for t in panels.values())
    for ax, (panel_title, table) in zip(axes, panels.items()):
        any_hidden |= _likert_panel(ax, table, panel_title, limit)
    first = next(iter(panels.values()))
    labels = first.labels
    k = len(labels)
    palette, hatches = _likert_style(k)
    handles = [Patch(facecolor=palette[j], edgecolor="#333333", hatch=hatches[j],
                     label=_plain(labels[j])) for j in range(k)]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(k, 3), fontsize=9,
               frameon=False)
    if title and not isinstance(tables, LikertTable):
        fig.suptitle(_plain(title), fontsize=12, x=0.01, ha="left")
    if any_hidden:
        axes[-1].set_xlabel(axes[-1].get_xlabel() + "\n* Svarsalternativ med färre än "
                            f"{first.min_cell} svar visas inte.", fontsize=9)
    alt = " ".join(_likert_alt(t, name) for name, t in panels.items())
    return attach_alt(fig, alt)


def _likert_style(k: int) -> tuple[list[str], list[str]]:
    palette = DIVERGING_PALETTES.get(k) or [OKABE_ITO[i % 8] for i in range(k)]
    negative = ["////", "//", "/"][: k // 2][::-1] if k // 2 <= 3 else ["/"] * (k // 2)
    negative = ["////", "//", "/"][-(k // 2):] if 0 < k // 2 <= 3 else negative
    positive = ["\\", "\\\\", "xx"][: k // 2]
    hatches = negative + ([""] if k % 2 else []) + positive
    return palette, (hatches + [""] * k)[:k]


def _likert_extent(table: LikertTable) -> float:
    """Half-width of the x axis (in %) that holds every bar, in steps of 10, ≥ 50."""
    shares = table.shares.fillna(0.0).to_numpy() * 100
    k = len(table.labels)
    neutral = shares[:, k // 2] / 2 if k % 2 else 0
    left = shares[:, :k // 2].sum(axis=1) + neutral
    right = shares[:, k - k // 2:].sum(axis=1) + neutral
    widest = float(np.max(np.r_[left, right])) if len(shares) else 0.0
    return max(50.0, float(np.ceil(widest / 10) * 10))


def _likert_panel(ax: Any, table: LikertTable, title: str, limit: float) -> bool:
    labels = table.labels
    k = len(labels)
    palette, hatches = _likert_style(k)
    questions = list(table.shares.index)
    shares = table.shares.fillna(0.0).to_numpy() * 100
    n_neg = k // 2
    neutral = k % 2 == 1
    y = np.arange(len(questions))[::-1]
    starts = -shares[:, :n_neg].sum(axis=1) - (shares[:, n_neg] / 2 if neutral else 0)
    left = starts.copy()
    dark_colours = {"#0072B2"}  # white numbers on blue; black on the rest (≥ 4.5:1)
    for j, label in enumerate(labels):
        width = shares[:, j]
        bars = ax.barh(y, width, left=left, color=palette[j], edgecolor="#333333",
                       linewidth=0.5, hatch=hatches[j], label=_plain(label))
        for bar, value in zip(bars, width):
            if value >= 7:
                dark = palette[j] in dark_colours
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                        format_number(value), ha="center", va="center", fontsize=9,
                        color="white" if dark else "black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": palette[j], "ec": "none"})
        left = left + width
    ax.axvline(0, color="#333333", linewidth=1)
    names = []
    hidden_any = False
    for question in questions:
        n = table.n.get(question)
        n_text = f"n = {format_number(n)}" if pd.notna(n) else "n = .."
        hidden = bool(table.suppressed.loc[question].any())
        hidden_any |= hidden
        names.append(f"{_wrap(question, 40)}\n({n_text}){' *' if hidden else ''}")
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlim(-limit, limit)
    step = 10 if limit <= 60 else 20
    half = np.arange(step, limit + 1, step)
    ticks = np.r_[-half[::-1], 0, half]
    ax.set_xticks(ticks, [f"{abs(int(t))} %" for t in ticks], fontsize=9)
    ax.set_xlabel("Andel svarande – vänster: instämmer inte, höger: instämmer", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(_plain(title), fontsize=10, loc="left")
    return hidden_any


def _plain(text: object) -> str:
    """Text for matplotlib without mathtext: ``$`` is shown as a dollar sign."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return _plain("\n".join(textwrap.wrap(str(text), width)) or str(text))


def _likert_alt(table: LikertTable, title: str | None) -> str:
    labels = table.labels
    k = len(labels)
    agree = table.shares[labels[k - k // 2:]].sum(axis=1, min_count=1)
    disagree = table.shares[labels[:k // 2]].sum(axis=1, min_count=1)
    head = f"Stapeldiagram{': ' + title if title else ''} med {len(table.shares)} påståenden. "
    if agree.notna().any():
        top = agree.idxmax()
        low = agree.idxmin()
        text = (f"Störst andel som instämmer ({format_percent(agree[top], 0)}) gäller "
                f"”{top}”; minst ({format_percent(agree[low], 0)}) gäller ”{low}”.")
        worst = disagree.idxmax() if disagree.notna().any() else None
        if worst is not None:
            text += (f" Flest som inte instämmer ({format_percent(disagree[worst], 0)}) "
                     f"gäller ”{worst}”.")
        return head + text
    return head + "Alla värden är undertryckta på grund av få svar."


def estimates_figure(estimates: pd.DataFrame, *, label_column: str, title: str,
                     value_label: str = "Medelvärde", panel_column: str | None = None) -> Any:
    """Dot-and-whisker chart of estimates with 95 % CI (one row per group, one panel per
    value of ``panel_column``), from an already suppressed table: rows without an
    estimate are listed under the chart as not shown. Columns used: ``estimate``,
    ``ci_low``, ``ci_high``, ``n`` and ``label_column``."""
    from matplotlib.ticker import MaxNLocator

    if estimates.empty:
        return empty_figure(f"{title}: inga skattningar att visa.")
    groups = ([(None, estimates)] if panel_column is None
              else list(estimates.groupby(panel_column, sort=False)))
    rows_max = max(1, max(len(g) for _, g in groups))
    fig, axes = new_figure(ncols=len(groups), width=max(7.0, 3.4 * len(groups) + 2.0),
                           height=1.8 + 0.45 * rows_max, sharey=True)
    axes = np.atleast_1d(axes)
    markers = ["o", "s", "D", "^", "v", "P", "X", "*"]
    labels = list(dict.fromkeys(estimates[label_column]))
    y_of = {label: len(labels) - 1 - i for i, label in enumerate(labels)}
    alt_parts = []
    hidden_labels: set[str] = set()
    for ax, (panel, frame) in zip(axes, groups):
        shown = frame[pd.to_numeric(frame["estimate"], errors="coerce").notna()]
        hidden_labels |= set(map(str, frame.loc[~frame.index.isin(shown.index), label_column]))
        for position, (_, row) in enumerate(shown.iterrows()):
            marker = markers[labels.index(row[label_column]) % len(markers)]
            colour = LINE_COLOURS[labels.index(row[label_column]) % len(LINE_COLOURS)]
            estimate, low, high = (float(row["estimate"]), float(row["ci_low"]),
                                   float(row["ci_high"]))
            ax.errorbar(estimate, y_of[row[label_column]], xerr=[[estimate - low],
                                                                 [high - estimate]],
                        fmt=marker, color=colour, capsize=4, markersize=7,
                        markeredgecolor="black")
            ax.text(high, y_of[row[label_column]], f"  {format_number(estimate, 2)}",
                    va="center", fontsize=9)
        ax.set_title(_plain(str(panel) if panel is not None else title), fontsize=10,
                     loc="left")
        ax.set_xlabel(f"{value_label} (95 % KI)", fontsize=9)
        # ticks at 1, 2 or 5 × 10^k, so one decimal is exact (a 0,25 step would show 2,75 as 2,8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        number_axis(ax.xaxis)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#dddddd")
        if len(shown):
            top = shown.loc[pd.to_numeric(shown["estimate"]).idxmax()]
            low_row = shown.loc[pd.to_numeric(shown["estimate"]).idxmin()]
            alt_parts.append(
                f"{panel or title}: högst för {top[label_column]} "
                f"({format_number(float(top['estimate']), 2)}), lägst för "
                f"{low_row[label_column]} ({format_number(float(low_row['estimate']), 2)})")
    n_by_label = {}
    for _, row in estimates.iterrows():
        n_by_label.setdefault(row[label_column], row["n"])
    tick_labels = []
    for label in y_of:
        n = n_by_label[label]
        n_text = format_number(n) if isinstance(n, (int, float)) and not pd.isna(n) else ".."
        tick_labels.append(_plain(f"{label} (n = {n_text})"))
    axes[0].set_yticks(list(y_of.values()), tick_labels, fontsize=9)
    if panel_column is not None:
        fig.suptitle(_plain(title), fontsize=12, x=0.01, ha="left")
    if hidden_labels:
        fig.supxlabel(_plain("Visas inte (för få svarande): " + ", ".join(sorted(hidden_labels))),
                      fontsize=9, x=0.01, ha="left")
    alt = (f"Punktdiagram med konfidensintervall: {title}. " + "; ".join(alt_parts) + "."
           if alt_parts else f"Punktdiagram: {title}. Inga grupper har tillräckligt många "
           "svarande för att visas.")
    return attach_alt(fig, alt)


def index_figure(analysis: Any, group: str | None = None) -> Any:
    """Index means with 95 % CI by the groups of ``group`` (default: the first
    ``group_by`` variable), one panel per index, from the suppressed estimates of a
    :class:`research.survey.briefing.SurveyAnalysis`."""
    group = group or (analysis.group_by[0] if analysis.group_by else None)
    table = analysis.estimates[analysis.estimates["Mått"] == "Medelvärde"]
    if group is not None:
        label = analysis.survey.codebook.label(group)
        table = table[table["Grupp"].isin(["Alla", label])]
    frame = table.rename(columns={"Skattning": "estimate", "KI nedre (95 %)": "ci_low",
                                  "KI övre (95 %)": "ci_high", "Antal svarande": "n"})
    title = "Index per grupp" if group is None else \
        f"Index per {analysis.survey.codebook.label(group).lower()}"
    return estimates_figure(frame, label_column="Värde", title=title, panel_column="Fråga/index")

