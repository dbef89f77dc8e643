"""The activity log's figure, made with the figure factory (no pyplot)."""

from __future__ import annotations

import pandas as pd

from ..report.figures import (OKABE_ITO, attach_alt, count_axis, legend_outside, month_tick,
                              new_figure)
from ..report.formatting import format_number, month_label

__all__ = ["HATCHES", "plot_by_month"]

HATCHES = ["", "//", "..", "xx", "\\\\", "++", "--", "oo"]


def plot_by_month(table: pd.DataFrame):
    """Stacked bars of activities per month (months named in Swedish); returns a Figure
    with Swedish alt text."""
    fig, ax = new_figure(aspect=0.55)
    months = [month_tick(m) for m in table.index]
    bottom = pd.Series(0, index=table.index, dtype=float)
    for position, column in enumerate(table.columns):
        ax.bar(months, table[column].to_numpy(), bottom=bottom.to_numpy(), label=column,
               color=OKABE_ITO[position % len(OKABE_ITO)], hatch=HATCHES[position % len(HATCHES)],
               edgecolor="#333333", linewidth=0.5)
        bottom += table[column]
    ax.set_xlabel("Månad")
    ax.set_ylabel("Antal tillfällen")
    ax.set_title("Aktiviteter per månad och typ")
    count_axis(ax.yaxis)
    ax.tick_params(axis="x", labelrotation=45)
    legend_outside(ax, where="right")
    totals = table.sum(axis=1)
    if not len(table):
        return attach_alt(fig, "Tomt diagram: inga aktiviteter under perioden.")
    # months in words, as the reader sees them on the axis ("januari 2026", not "2026-01")
    alt = (f"Stapeldiagram över aktiviteter per månad från {month_label(table.index[0])} till "
           f"{month_label(table.index[-1])}, uppdelat på typ av aktivitet. Flest tillfällen "
           f"({format_number(totals.max())}) var det i {month_label(totals.idxmax())}, färst "
           f"({format_number(totals.min())}) i {month_label(totals.idxmin())}.")
    return attach_alt(fig, alt)
