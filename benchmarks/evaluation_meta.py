"""Benchmark: research.evaluation's meta-analysis engine against R's metafor.

Side by side in one run: the time per call of our ``meta_analysis`` (REML, DL, PM) and of
metafor's ``rma`` (the same data written to a temporary CSV, timed inside R with
``system.time`` over many calls, so R's start-up is not counted), on the BCG trials (k = 13,
if ../shared/data is present) and on synthetic data (k = 50 and 500, seeded); then the
three-level model (``three_level_meta_analysis`` vs ``rma.mv``) for 290 fictional Kunskapshus
with 2–6 evaluations each. Our call also computes the Q-profile CI for τ² and both prediction
intervals, which ``rma`` alone does not; the ratio includes that work. The agreement of the
numbers is tested in tests/test_evaluation_oracle.py, not here.

Run from the project root:

    .venv/bin/python benchmarks/evaluation_meta.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

from research import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]
BCG = ROOT.parent / "shared" / "data" / "stats" / "dat_bcg.csv"


def datasets() -> dict[str, pd.DataFrame]:
    found: dict[str, pd.DataFrame] = {}
    if BCG.is_file():
        effects = ev.effect_sizes(ev.read_evaluations(BCG), "RR",
                                  columns={"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"})
        found["BCG (k=13)"] = effects[["yi", "vi"]].reset_index(drop=True)
    rng = np.random.default_rng(2026)
    for k in (50, 500):
        vi = rng.uniform(0.01, 0.2, k)
        found[f"synthetic (k={k})"] = pd.DataFrame({"yi": rng.normal(-0.3, np.sqrt(vi + 0.05)),
                                                    "vi": vi})
    return found


def nested(clusters: int = 290, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 7, clusters)
    cluster = np.repeat([f"Kunskapshus {i:03d}" for i in range(clusters)], sizes)
    between = np.repeat(rng.normal(0, 0.2, clusters), sizes)
    vi = rng.uniform(0.01, 0.08, len(cluster))
    return pd.DataFrame({"kunskapshus": cluster, "study": [f"U{i}" for i in range(len(vi))],
                         "yi": -0.25 + between + rng.normal(0, np.sqrt(0.02 + vi)), "vi": vi})


def per_call(fn, repeat: int = 5) -> float:
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def r_per_call(csv: Path, call: str, number: int, warm_up: bool = True) -> float:
    """Seconds per call of ``call`` in R (metafor loaded, data read once)."""
    script = (f"suppressMessages(library(metafor)); d <- read.csv('{csv}'); "
              + (f"invisible({call}); " if warm_up else "")
              + f"t <- system.time(for (i in 1:{number}) {call})[['elapsed']]; "
              "cat(t / " + str(number) + ")")
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1])


def main() -> int:
    have_r = shutil.which("Rscript") is not None
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, data in datasets().items():
            csv = Path(folder) / "d.csv"
            data.to_csv(csv, index=False)
            for method in ("REML", "DL", "PM"):
                ours = per_call(lambda: ev.meta_analysis(data["yi"], data["vi"], method=method))
                theirs = (r_per_call(csv, f"rma(yi, vi, data = d, method = '{method}')", 200)
                          if have_r else float("nan"))
                rows.append({"data": name, "model": f"rma {method}", "ours ms": ours * 1e3,
                             "metafor ms": theirs * 1e3, "ratio ours/metafor": ours / theirs})
        data = nested()
        csv = Path(folder) / "nested.csv"
        data.to_csv(csv, index=False)
        ours = per_call(lambda: ev.three_level_meta_analysis(data), repeat=3)
        # rma.mv works with dense k × k matrices: one call takes minutes here, so it is timed once
        theirs = (r_per_call(csv, "rma.mv(yi, vi, random = ~ 1 | kunskapshus/study, data = d)", 1,
                             warm_up=False) if have_r else float("nan"))
        rows.append({"data": f"290 Kunskapshus, {len(data)} evaluations", "model": "rma.mv REML",
                     "ours ms": ours * 1e3, "metafor ms": theirs * 1e3,
                     "ratio ours/metafor": ours / theirs})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 140, "display.float_format", "{:.3g}".format):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
