"""The ``research literature`` command: ``simulate`` replays a labelled screening data set.

``research literature simulate FILE --label-column COL [--seeds N] [--prior-included K]
[--prior-excluded K] [--json] [--figure PATH]`` runs active-learning screening on a fully
labelled CSV/XLSX and reports WSS@95, WSS@100, RRF@10, ATD and loss (asreview-insights
definitions) as mean and spread over seeds.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .arguments import number_in, positive_number, whole_number
from ..io.files import write_bytes_atomic
from ..literature import screening

__all__ = [
    "FIGURE_FORMATS",
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


FIGURE_FORMATS = ("png", "svg", "pdf")


_whole = whole_number
_positive = positive_number


_fraction = number_in(lambda value: 0 <= value < 1, "at least 0 and below 1")
_share = number_in(lambda value: 0 < value <= 1, "above 0 and at most 1")


def _ratio(text: str) -> float | None:
    if text.strip().lower() in ("none", "balanced"):
        return None
    return _positive(text)


def _figure_path(text: str) -> Path:
    path = Path(text)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the figure must end in {', '.join('.' + f for f in FIGURE_FORMATS)}")
    if path.exists() and path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder")
    return path


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
    defaults = screening.DEFAULT_MODEL
    simulate.add_argument("--seeds", type=_whole(1), default=15,
                          help="number of runs (default 15)")
    simulate.add_argument("--prior-included", type=_whole(1), default=1,
                          help="random relevant prior records per run (default 1)")
    simulate.add_argument("--prior-excluded", type=_whole(1), default=1,
                          help="random irrelevant prior records per run (default 1)")
    simulate.add_argument("--model", choices=screening.MODELS, default=defaults["model"],
                          help=f"classifier (default {defaults['model']})")
    simulate.add_argument("--c", type=_positive, default=defaults["C"], dest="C",
                          help=f"regularisation C for svm/logistic (default {defaults['C']})")
    simulate.add_argument("--alpha", type=_positive, default=defaults.get("alpha", 3.822),
                          help="smoothing of naive Bayes")
    simulate.add_argument("--ratio", type=_ratio, default=defaults["ratio"],
                          help="total weight of relevant over irrelevant records in training "
                               f"('none' = equal; default {defaults['ratio']})")
    simulate.add_argument("--ngram-max", type=_whole(1), default=defaults["ngram_max"],
                          help="longest word n-gram in the features (2 = bigrams)")
    simulate.add_argument("--words", choices=screening.WORD_FORMS, default=defaults["words"],
                          help=f"word forms in the features (default {defaults['words']})")
    simulate.add_argument("--stop-words", action=argparse.BooleanOptionalAction,
                          default=defaults["stop_words"],
                          help="drop Swedish and English stop words")
    simulate.add_argument("--title-twice", action=argparse.BooleanOptionalAction,
                          default=defaults["title_twice"], help="count the title twice")
    simulate.add_argument("--min-df", type=_whole(1), default=defaults["min_df"],
                          help="drop terms in fewer records than this")
    simulate.add_argument("--max-df", type=_share, default=defaults["max_df"],
                          help="drop terms in more than this share of records")
    simulate.add_argument("--pseudo-negatives", type=_whole(0),
                          default=defaults["pseudo_negatives"],
                          help="random unscreened records used as presumed irrelevant "
                               "while < 25 %% is screened (0 = off)")
    simulate.add_argument("--batch-fraction", type=_fraction, default=0.0,
                          help="retrain after this fraction of labelled records "
                               "(0 = after every record, the default)")
    simulate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    simulate.add_argument("--figure", type=_figure_path, default=None,
                          help="save the recall curve figure (.png, .svg or .pdf)")
    simulate.set_defaults(handler=run_simulate)


def _missing_command(parser: argparse.ArgumentParser) -> Any:
    def handler(args: argparse.Namespace) -> int:
        raise ParameterError("No literature command given.",
                             hint="try: research literature simulate FILE --label-column COL")

    return handler


def _finite(value: Any) -> Any:
    """Replace NaN/inf (e.g. the spread of a single run) by None so the JSON is valid."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _save_figure(fig: Any, path: Path) -> None:
    """Write the figure atomically (a temporary file, then a rename)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lower().lstrip("."), dpi=144, bbox_inches="tight",
                facecolor="white")
    try:
        write_bytes_atomic(path, buffer.getvalue())
    except OSError as error:
        raise ParameterError(f"Cannot write the figure to {path}: {error.strerror}.",
                             hint="choose a folder you can write to",
                             parameter="figure") from error


def run_simulate(args: argparse.Namespace, stdout: Any = None) -> int:
    """Run the simulation described by ``args``; print a table or JSON; return 0."""
    out = stdout or sys.stdout
    texts, labels = screening.read_labelled_file(
        args.file, args.label_column, title_column=args.title_column,
        abstract_column=args.abstract_column, title_twice=args.title_twice)
    table, results = screening.simulate_many(
        texts, labels, seeds=args.seeds, prior_included=args.prior_included,
        prior_excluded=args.prior_excluded, model=args.model, C=args.C, alpha=args.alpha,
        ratio=args.ratio, ngram_max=args.ngram_max, batch_fraction=args.batch_fraction,
        pseudo_negatives=args.pseudo_negatives, words=args.words, stop_words=args.stop_words,
        min_df=args.min_df, max_df=args.max_df)
    summary = screening.summarise_simulation(table)
    screened = float(table["records_screened"].sum())
    per_thousand = float(table["seconds"].sum()) / screened * 1000 if screened else 0.0
    if args.figure is not None:
        _save_figure(screening.recall_curve_figure(results), args.figure)
    if args.json:
        payload = {
            "file": str(args.file), "n_records": int(len(labels)),
            "n_relevant": int(labels.sum()), "seeds": args.seeds,
            "prior_included": args.prior_included, "prior_excluded": args.prior_excluded,
            "model": args.model, "C": args.C, "ratio": args.ratio,
            "features": {"ngram_max": args.ngram_max, "words": args.words,
                         "stop_words": args.stop_words, "title_twice": args.title_twice,
                         "min_df": args.min_df, "max_df": args.max_df},
            "pseudo_negatives": args.pseudo_negatives,
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
