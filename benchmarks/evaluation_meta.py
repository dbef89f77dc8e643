"""Benchmark: research.evaluation.meta_analysis against statsmodels' combine_effects.

Side by side in one run, on the BCG trials (k = 13, if ../shared/data is present) and on
synthetic data sets (k = 50 and 500, seeded): agreement of the DerSimonian–Laird and
Paule–Mandel estimates and τ², and the time per call. statsmodels has no REML, so REML is
timed for our code only. Our call also computes the Q-profile CI for τ² (root finding) and
the prediction interval, which combine_effects does not; the ratio includes that work.

Run from the project root:

    .venv/bin/python benchmarks/evaluation_meta.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.meta_analysis import combine_effects

from research import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]
BCG = ROOT.parent / "shared" / "data" / "stats" / "dat_bcg.csv"


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if BCG.is_file():
        effects = ev.effect_sizes(ev.read_evaluations(BCG), "RR",
                                  columns={"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"})
        found["BCG (k=13)"] = (effects["yi"].to_numpy(), effects["vi"].to_numpy())
    rng = np.random.default_rng(2026)
    for k in (50, 500):
        vi = rng.uniform(0.01, 0.2, k)
        yi = rng.normal(-0.3, np.sqrt(vi + 0.05))
        found[f"synthetic (k={k})"] = (yi, vi)
    return found


def per_call(fn, repeat: int = 5) -> float:
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main() -> int:
    rows = []
    for name, (yi, vi) in datasets().items():
        for ours, theirs in (("DL", "dl"), ("PM", "pm")):
            mine = ev.meta_analysis(yi, vi, method=ours)
            peer = combine_effects(yi, vi, method_re=theirs)
            peer_est = float(peer.summary_frame().loc["random effect", "eff"])
            t_ours = per_call(lambda: ev.meta_analysis(yi, vi, method=ours))
            t_peer = per_call(lambda: combine_effects(yi, vi, method_re=theirs).summary_frame())
            rows.append({
                "data": name, "method": ours,
                "|Δ estimate|": abs(mine.estimate - peer_est),
                "|Δ tau2|": abs(mine.tau2 - peer.tau2),
                "ours ms": t_ours * 1e3, "statsmodels ms": t_peer * 1e3,
                "ratio ours/statsmodels": t_ours / t_peer,
            })
        t_reml = per_call(lambda: ev.meta_analysis(yi, vi, method="REML"))
        rows.append({"data": name, "method": "REML", "|Δ estimate|": np.nan,
                     "|Δ tau2|": np.nan, "ours ms": t_reml * 1e3, "statsmodels ms": np.nan,
                     "ratio ours/statsmodels": np.nan})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 140, "display.float_format", "{:.3g}".format):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
