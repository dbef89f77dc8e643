"""The recall-curve figure of simulated screenings (figure factory, no pyplot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import ParameterError
from ...report.figures import attach_alt, legend_outside, new_figure, percent_axis
from ...report.formatting import format_percent
from .metrics import recall_values
from .simulation import SimulationResult

__all__ = ["recall_curve_figure"]


def recall_curve_figure(results: Sequence[SimulationResult], *, title: str | None = None) -> Any:
    """Recall curves of simulated runs against random screening, with Swedish alt text."""
    if not results:
        raise ParameterError("No simulation results to plot.", parameter="results")
    fig, ax = new_figure(aspect=0.65)
    for position, result in enumerate(results):
        x, y = recall_values(result.labels)
        ax.plot(x * 100, y * 100, color="#0072B2", alpha=0.35, linewidth=1,
                label="Aktiv inlärning (en körning per frö)" if position == 0 else None)
    ax.plot([0, 100], [0, 100], color="#000000", linestyle="--", linewidth=1.2,
            label="Slumpmässig ordning")
    ax.axhline(95, color="#D55E00", linestyle=":", linewidth=1.2, label="95 % återfunna")
    ax.set_xlabel("Granskade poster")
    ax.set_ylabel("Återfunna relevanta poster")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    legend_outside(ax, ncols=1)
    if title:
        ax.set_title(title)
    wss95 = float(np.mean([r.metrics["wss95"] for r in results]))
    rrf10 = float(np.mean([r.metrics["rrf10"] for r in results]))
    alt = (f"Återfunna relevanta poster mot andel granskade poster i {len(results)} "
           f"simulerade granskningar. Efter 10 % granskade poster har i medeltal "
           f"{format_percent(rrf10)} av de relevanta hittats; för att nå 95 % behövs "
           f"{format_percent(wss95)} färre poster än vid slumpmässig ordning.")
    return attach_alt(fig, alt)
