"""Benchmark research.survey against its peers, side by side in one run.

- ``cronbach_alpha`` vs ``pingouin.cronbach_alpha`` (same estimator and Feldt CI) on
  simulated item scores (n respondents × k items), checking that both agree;
- ``SurveyDesign`` (build, ``mean``, ``crosstab`` with Rao–Scott, design-based rank test) on a
  stratified one-stage cluster design and a two-stage design with fpc, of growing size, side
  by side with R's ``survey`` (``svydesign``, ``svymean``, ``svychisq``, ``svyranktest``),
  timed inside R with ``system.time`` (best of 3) so R's start-up is not counted; skipped
  when ``Rscript`` is not installed. Agreement with R is tested in
  ``tests/test_survey_oracle.py``.

Run from the project root: ``.venv/bin/python benchmarks/survey.py``
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

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
        "stratum": strata, "cluster": strata * 100 + rng.integers(0, 40, n),
        "unit": rng.integers(0, 8, n), "N1": 1000, "N2": 20,
        "w": 1 + strata * 0.5, "fpc": 1000,
        "y": rng.normal(3, 1, n), "a": rng.integers(0, 3, n), "b": rng.integers(0, 5, n),
        "two": rng.integers(0, 2, n),
    })


DESIGNS = {  # name: (our keyword arguments, R's svydesign arguments)
    "one-stage": ({"weights": "w", "strata": "stratum", "clusters": "cluster", "fpc": "fpc"},
                  "ids=~cluster, strata=~stratum, weights=~w, fpc=~fpc"),
    "two-stage": ({"strata": "stratum", "clusters": ["cluster", "unit"], "fpc": ["N1", "N2"],
                   "lonely_psu": "certainty"},
                  "ids=~cluster+unit, strata=~stratum, fpc=~N1+N2"),
}

R_TIMING = """
suppressMessages(library(survey))
options(survey.lonely.psu = "certainty")
data <- read.csv(commandArgs(TRUE)[1])
best <- function(expr) min(replicate(3, system.time(eval(expr, globalenv()))[["elapsed"]]))
cat(best(quote(d <- svydesign(%s, data=data, nest=TRUE))),
    best(quote(svymean(~y, d))),
    best(quote(svychisq(~a+b, d))),
    best(quote(svyranktest(y~two, d))), "\n")
"""


def r_times(data: pd.DataFrame, arguments: str) -> list[float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        data.to_csv(path, index=False)
        script = Path(folder) / "time.R"
        script.write_text(R_TIMING % arguments, encoding="utf-8")
        run = subprocess.run([rscript, str(script), str(path)], capture_output=True, text=True)
    return [float(v) for v in run.stdout.split()] if run.returncode == 0 else None


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
    print("\nSurveyDesign vs R survey (ms, best of 3; R timed inside R)")
    print(f"{'design':>10} {'n':>8} {'build':>14} {'mean':>14} {'crosstab 3×5':>14} "
          f"{'rank test':>14}")
    for name, (ours_kw, r_arguments) in DESIGNS.items():
        for n in [1_000, 10_000, 100_000]:
            data = design_data(n)
            build = best_of(lambda: SurveyDesign(data, **ours_kw), 3)
            design = SurveyDesign(data, **ours_kw)
            ours = [build, best_of(lambda: design.mean("y"), 3),
                    best_of(lambda: design.crosstab("a", "b"), 3),
                    best_of(lambda: design.rank_test("y", "two"), 3)]
            theirs = r_times(data, r_arguments) or [float("nan")] * 4
            cells = [f"{o * 1e3:6.1f} / {t * 1e3:6.1f}" for o, t in zip(ours, theirs)]
            print(f"{name:>10} {n:>8} " + " ".join(f"{c:>14}" for c in cells))
    print("(each cell: ours / R)")


if __name__ == "__main__":
    main()
