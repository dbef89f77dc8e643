"""Benchmark disclosure control: suppression over linked tables plus the independent audit.

Three cases (issue 12):

1. the shipped lägesbild sample (8 quarters × 7 areas × 12 themes, plus unit × theme,
   concern and age × gender of the current quarter): ``build_picture`` (suppression with
   its audit loop) and ``check_disclosure`` (the audit of every published table, as the
   notebook runs it);
2. a national table, 290 fictional municipalities × 12 themes × 8 quarters with
   population-scaled counts (many small cells), each quarter with its totals;
3. the shipped enkät sample (every count table of the default run, linked, with the
   inequalities between them) and its audit; a survey: 10 groups × 9 items × 5 options,
   every item's group × option table sharing the groups' respondent counts; and the same
   with some respondents not answering each item, so a group's answers are only **at
   most** its respondents (90 inequalities between the tables,
   :meth:`research.privacy.LinkedTables.at_most`).

For each: cells, primary and secondary cells hidden, rounds, the verdict, programs the
audit solved and wall time. Goals: the sample's run-time cost ≤ 2 s, the national table
≤ 60 s.

Run:  .venv/bin/python benchmarks/disclosure.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def report(name: str, cells: int, result, seconds: float) -> None:
    hidden = result.counts()
    print(f"{name}: {cells} cells, hidden {hidden['primary']} primary + "
          f"{hidden['secondary']} secondary, rounds {result.rounds}, audit "
          f"{result.audit.verdict} ({result.audit.programs} programs), {seconds:.2f} s")


def sample() -> None:
    from research import privacy, situation

    sample_path = ROOT / "data" / "sample" / "lagesbild" / "rapporter.csv"
    load, reports = timed(situation.load_reports, sample_path, as_of="2026-09-30")
    build, picture = timed(situation.build_picture, reports, "quarter", 5)
    lagesbild = situation.Lagesbild(picture)
    privacy.checking.reset()
    check, outcome = timed(lagesbild.check_disclosure)
    report("sample lägesbild, suppression + audit", len(picture.suppression.linked.keys),
           picture.suppression, build)
    print(f"sample lägesbild, audit of the {len(outcome.audit.tables)} published tables: "
          f"{outcome.audit.hidden} hidden cells, {outcome.audit.verdict} "
          f"({outcome.audit.programs} programs), {check:.2f} s")
    exact, strict = timed(privacy.audit_tables, lagesbild.published_tables(),
                          privacy.checking.registered(), min_cell=5, exact=True)
    print(f"sample lägesbild, exact truth-free audit (every hidden cell, no hints): "
          f"{strict.verdict} ({strict.programs} programs), {exact:.2f} s")
    print(f"sample lägesbild, run-time cost (load + suppression + audit): "
          f"{load + build + check:.2f} s")


def survey_sample() -> None:
    import yaml

    from research import privacy, survey
    from research.survey.briefing import _protect

    parameters = yaml.safe_load((ROOT / "parameters" / "enkatanalys" / "default.yaml")
                                .read_text(encoding="utf-8"))
    data = survey.read_survey(ROOT / parameters["data"], ROOT / parameters["codebook"])
    analysis = survey.analyse(data, weight=parameters["weight"], strata=parameters["strata"],
                              fpc=parameters["fpc"], group_by=parameters["group_by"],
                              min_cell=parameters["min_cell"])
    book = analysis.survey.codebook
    blocks = {b: spec["items"] for b, spec in book.blocks.items()}
    alpha = {str(r["Index"]): int(r["Antal svarande"])
             for _, r in analysis.reliability[analysis.reliability["Fråga"] == "Hela indexet"]
             .iterrows() if str(r["Antal svarande"]) != ".."}
    seconds, protection = timed(_protect, analysis.survey, analysis.data, book, blocks,
                                analysis.group_by, analysis.themes, analysis.min_cell, alpha,
                                analysis.relations)
    result = protection.suppression
    report(f"sample enkät, all count tables with {len(result.linked.relations)} inequalities",
           len(result.linked.keys), result, seconds)
    privacy.checking.reset()
    check, outcome = timed(analysis.check_disclosure)
    print(f"sample enkät, audit of the {len(outcome.audit.tables)} published tables: "
          f"{outcome.audit.hidden} hidden cells, {outcome.audit.verdict} "
          f"({outcome.audit.programs} programs), {check:.2f} s")


def national(seed: int = 11) -> None:
    from research import privacy

    rng = np.random.default_rng(seed)
    population = np.exp(rng.normal(9.7, 1.0, 290)).round()  # ≈ 16 000 median
    rates = rng.uniform(0.2, 3.0, 12) / 10_000
    linked = privacy.LinkedTables()
    for quarter in range(8):
        counts = rng.poisson(np.outer(population, rates) * rng.uniform(0.8, 1.2))
        frame = pd.DataFrame(counts, index=[f"kommun {i:03d}" for i in range(290)],
                             columns=[f"tema {j:02d}" for j in range(12)])
        frame.index.name, frame.columns.name = "kommun", "tema"
        linked.add_table(f"q{quarter}", frame, fixed={"period": f"2025 K{quarter + 1}"})
    seconds, result = timed(privacy.protect, linked, 5)
    report("national 290 × 12 × 8", len(linked.keys), result, seconds)


def survey(seed: int = 5) -> None:
    from research import privacy

    rng = np.random.default_rng(seed)
    groups = [f"grupp {g}" for g in range(10)]
    respondents = rng.integers(8, 60, len(groups))
    linked = privacy.LinkedTables()
    per_group = pd.Series(respondents, index=pd.Index(groups, name="grupp"))
    linked.add_series("n", per_group, dim="grupp")
    for item in range(9):
        shares = rng.dirichlet(np.ones(5) * 1.5, len(groups))
        counts = np.array([rng.multinomial(n, p) for n, p in zip(respondents, shares)])
        frame = pd.DataFrame(counts, index=pd.Index(groups, name="grupp"),
                             columns=pd.Index([f"svar {o}" for o in range(1, 6)], name="svar"))
        linked.add_table(f"fråga {item}", frame, fixed={"fråga": str(item)})
        for group in groups:
            linked.equal({"fråga": str(item), "grupp": group}, {"grupp": group})
        linked.equal({"fråga": str(item)}, {})
    seconds, result = timed(privacy.protect, linked, 5)
    report("survey 10 groups × 9 items × 5 options", len(linked.keys), result, seconds)


def survey_inequalities(seed: int = 5) -> None:
    from research import privacy

    rng = np.random.default_rng(seed)
    groups = [f"grupp {g}" for g in range(10)]
    respondents = rng.integers(8, 60, len(groups))
    linked = privacy.LinkedTables()
    linked.add_series("n", pd.Series(respondents, index=pd.Index(groups, name="grupp")),
                      fixed={"tabell": "svarande"}, dim="grupp")
    for item in range(9):
        shares = rng.dirichlet(np.ones(5) * 1.5, len(groups))
        answered = respondents - rng.binomial(respondents, 0.06)
        counts = np.array([rng.multinomial(n, p) for n, p in zip(answered, shares)])
        frame = pd.DataFrame(counts, index=pd.Index(groups, name="grupp"),
                             columns=pd.Index([f"svar {o}" for o in range(1, 6)], name="svar"))
        linked.add_table(f"fråga {item}", frame, fixed={"fråga": str(item)})
        for group in groups:
            linked.at_most({"fråga": str(item), "grupp": group},
                           {"tabell": "svarande", "grupp": group})
    seconds, result = timed(privacy.protect, linked, 5)
    report(f"survey with {len(linked.relations)} inequalities (answers ≤ respondents)",
           len(linked.keys), result, seconds)


if __name__ == "__main__":
    import scipy.optimize  # noqa: F401  (imported once, as in a kernel; ≈ 1 s here)

    sample()
    survey()
    survey_inequalities()
    survey_sample()
    national()
