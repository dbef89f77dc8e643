"""Benchmark research.survey against its peers, side by side in one run.

- ``cronbach_alpha`` vs ``pingouin.cronbach_alpha`` (same estimator and Feldt CI) on
  simulated item scores (n respondents × k items), checking that both agree;
- ``SurveyDesign.mean``/``crosstab`` on a stratified cluster design of growing size
  (R's ``survey`` package, the reference implementation, is not installed on these
  machines, so only our absolute times are printed for it).

Run from the project root: ``.venv/bin/python benchmarks/survey.py``
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from research.survey import SurveyDesign, cronbach_alpha


def best_of(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def items(n: int, k: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    scores = np.clip(np.rint(3 + latent + rng.normal(scale=1.0, size=(n, k))), 1, 5)
    return pd.DataFrame(scores, columns=[f"q{i}" for i in range(k)])


def design_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 10, n)
    return pd.DataFrame({
        "stratum": strata, "cluster": rng.integers(0, 40, n),
        "w": 1 + strata * 0.5, "fpc": 1000,
        "y": rng.normal(3, 1, n), "a": rng.integers(0, 3, n), "b": rng.integers(0, 5, n),
    })


def main() -> None:
    warnings.simplefilter("ignore")
    try:
        import pingouin
    except ImportError:  # the peer is a benchmark-only dependency
        pingouin = None
        print("pingouin is not installed (.venv/bin/pip install pingouin): peer skipped\n")
    if pingouin is not None:
        compare_alpha(pingouin)
    time_design()


def compare_alpha(pingouin) -> None:
    print("cronbach_alpha vs pingouin.cronbach_alpha (best of 5)")
    print(f"{'n × k':>12} {'ours (ms)':>10} {'pingouin (ms)':>14} {'ratio':>7} {'|Δα|':>9}")
    for n, k in [(15, 10), (400, 5), (10_000, 20), (100_000, 20)]:
        data = items(n, k)
        ours = best_of(lambda: cronbach_alpha(data))
        theirs = best_of(lambda: pingouin.cronbach_alpha(data))
        delta = abs(cronbach_alpha(data).alpha - pingouin.cronbach_alpha(data)[0])
        print(f"{f'{n} × {k}':>12} {ours * 1e3:10.2f} {theirs * 1e3:14.2f} "
              f"{ours / theirs:7.2f} {delta:9.1e}")


def time_design() -> None:
    print("\nSurveyDesign (stratified one-stage cluster design, fpc), best of 3")
    print(f"{'n':>9} {'design (ms)':>12} {'mean (ms)':>10} {'crosstab 3×5 (ms)':>18}")
    for n in [1_000, 10_000, 100_000]:
        data = design_data(n)
        build = best_of(lambda: SurveyDesign(data, weights="w", strata="stratum",
                                             clusters="cluster", fpc="fpc"), 3)
        design = SurveyDesign(data, weights="w", strata="stratum", clusters="cluster",
                              fpc="fpc")
        mean = best_of(lambda: design.mean("y"), 3)
        cross = best_of(lambda: design.crosstab("a", "b"), 3)
        print(f"{n:>9} {build * 1e3:12.1f} {mean * 1e3:10.1f} {cross * 1e3:18.1f}")


if __name__ == "__main__":
    main()
