"""The ``research literature`` command: ``simulate`` replays a labelled screening data set.

``research literature simulate FILE --label-column COL [--seeds N] [--prior-included K]
[--prior-excluded K] [--json] [--figure PATH]`` runs active-learning screening on a fully
labelled CSV/XLSX and reports WSS@95, WSS@100, RRF@10, ATD and loss (asreview-insights
definitions) as mean and spread over seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import ParameterError

__all__ = [
    "METRIC_LABELS",
    "add_parser",
    "run_simulate",
]

METRIC_LABELS = {
    "wss95": "WSS@95",
    "wss100": "WSS@100",
    "rrf10": "RRF@10",
    "atd": "ATD (poster/records)",
    "atd_fraction": "ATD (andel/fraction)",
    "loss": "Loss",
    "seconds": "Sekunder/seconds",
}


def add_parser(subparsers: Any) -> None:
    """Add ``literature`` with its ``simulate`` sub-command to an argparse sub-parsers object."""
    literature = subparsers.add_parser(
        "literature", help="litteraturanalys: simulering av aktiv inlärning (screening)")
    commands = literature.add_subparsers(dest="literature_command", metavar="COMMAND")
    literature.set_defaults(handler=_missing_command(literature))
    simulate = commands.add_parser(
        "simulate", help="replay a fully labelled data set and report WSS, RRF, ATD, loss")
    simulate.add_argument("file", type=Path, help="labelled CSV/XLSX (title, abstract, label)")
    simulate.add_argument("--label-column", required=True,
                          help="column with 0/1 (or include/exclude) labels")
    simulate.add_argument("--title-column", default="title")
    simulate.add_argument("--abstract-column", default="abstract")
    simulate.add_argument("--seeds", type=int, default=15, help="number of runs (default 15)")
    simulate.add_argument("--prior-included", type=int, default=1,
                          help="random relevant prior records per run (default 1)")
    simulate.add_argument("--prior-excluded", type=int, default=1,
                          help="random irrelevant prior records per run (default 1)")
    simulate.add_argument("--model", choices=("svm", "logistic", "nb", "ensemble"),
                          default="svm", help="classifier (default: linear SVM)")
    simulate.add_argument("--c", type=float, default=0.3, dest="C",
                          help="regularisation C for svm/logistic (default 0.3)")
    simulate.add_argument("--pseudo-negatives", type=int, default=100,
                          help="random unscreened records used as presumed irrelevant "
                               "while < 25 %% is screened (default 100; 0 = off)")
    simulate.add_argument("--batch-fraction", type=float, default=0.0,
                          help="retrain after this fraction of labelled records "
                               "(0 = after every record, the default)")
    simulate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    simulate.add_argument("--figure", type=Path, default=None,
                          help="save the recall curve figure (PNG/SVG/PDF)")
    simulate.set_defaults(handler=run_simulate)


def _missing_command(parser: argparse.ArgumentParser) -> Any:
    def handler(args: argparse.Namespace) -> int:
        raise ParameterError("No literature command given.",
                             hint="try: research literature simulate FILE --label-column COL")

    return handler


def _finite(value: Any) -> Any:
    """Replace NaN/inf (e.g. the spread of a single run) by None so the JSON is valid."""
    import math

    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def run_simulate(args: argparse.Namespace, stdout: Any = None) -> int:
    """Run the simulation described by ``args``; print a table or JSON; return 0."""
    from ..literature import screening
    from ..report.display import figure_png

    out = stdout or sys.stdout
    if args.seeds < 1:
        raise ParameterError("--seeds must be at least 1.", parameter="seeds")
    if args.prior_included < 1 or args.prior_excluded < 1:
        raise ParameterError("--prior-included and --prior-excluded must be at least 1.",
                             parameter="prior_included")
    texts, labels = screening.read_labelled_file(
        args.file, args.label_column, title_column=args.title_column,
        abstract_column=args.abstract_column)
    table, results = screening.simulate_many(
        texts, labels, seeds=args.seeds, prior_included=args.prior_included,
        prior_excluded=args.prior_excluded, model=args.model, C=args.C,
        batch_fraction=args.batch_fraction, pseudo_negatives=args.pseudo_negatives)
    summary = screening.summarise_simulation(table)
    screened = float(table["records_screened"].sum())
    per_thousand = float(table["seconds"].sum()) / screened * 1000 if screened else 0.0
    if args.figure is not None:
        fig = screening.recall_curve_figure(results)
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        suffix = args.figure.suffix.lower().lstrip(".") or "png"
        if suffix == "png":
            args.figure.write_bytes(figure_png(fig))
        else:
            fig.savefig(args.figure, format=suffix, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
    if args.json:
        payload = {
            "file": str(args.file), "n_records": int(len(labels)),
            "n_relevant": int(labels.sum()), "seeds": args.seeds,
            "prior_included": args.prior_included, "prior_excluded": args.prior_excluded,
            "model": args.model, "C": args.C, "pseudo_negatives": args.pseudo_negatives,
            "batch_fraction": args.batch_fraction,
            "seconds_per_1000_screened": per_thousand,
            "summary": _finite(summary.set_index("metric").to_dict("index")),
            "runs": _finite(table.to_dict("records")),
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2, default=float,
                              allow_nan=False) + "\n")
        return 0
    out.write(f"Simulering / simulation: {args.file} — {len(labels)} poster/records, "
              f"{int(labels.sum())} relevanta/relevant, {args.seeds} frön/seeds, "
              f"priors {args.prior_included}+{args.prior_excluded}, modell/model "
              f"{args.model}\n\n")
    out.write(f"{'mått/metric':<24}{'medel/mean':>12}{'sd':>10}{'min':>10}{'max':>10}\n")
    for row in summary.to_dict("records"):
        label = METRIC_LABELS.get(row["metric"], row["metric"])
        percent = row["metric"] in ("wss95", "wss100", "rrf10", "atd_fraction")
        scale = 100.0 if percent else 1.0
        values = [row[k] * scale for k in ("mean", "std", "min", "max")]
        suffix = " %" if percent else ""
        out.write(f"{label + suffix:<24}{values[0]:>12.2f}{values[1]:>10.2f}"
                  f"{values[2]:>10.2f}{values[3]:>10.2f}\n")
    out.write(f"\nSekunder per 1 000 granskade poster / seconds per 1,000 records screened: "
              f"{per_thousand:.2f}\n")
    return 0
