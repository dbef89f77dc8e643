"""The JupyterLab panel for uncertain duplicate pairs (ipywidgets), like the screening one."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..errors import ResearchError
from ..paths import resolve
from ..report.htmlsafe import escape
from .dedup_review import append_dedup_decision, read_dedup_decisions, review_table
from .screening.widget import not_saved_html

__all__ = ["dedup_widget"]


def _card(pair: pd.Series, side: str) -> str:
    return (f"<div style=\"flex:1;min-width:16em\"><h4>Post {side}: "
            f"{escape(pair[f'post {side}'])}</h4><p><strong>{escape(pair[f'titel {side}'])}"
            f"</strong></p><p><small>{escape(pair[f'år {side}'])} · "
            f"{escape(pair[f'källa {side}'])}</small></p></div>")


def dedup_widget(review: pd.DataFrame, records: pd.DataFrame,
                 log_path: str | os.PathLike[str] | None, *, reviewer: str | None = None) -> Any:
    """A panel that shows one uncertain pair at a time with the buttons "Samma arbete",
    "Olika arbeten" and "Hoppa över".

    ``review`` is :attr:`DedupResult.review`, ``records`` all imported records. Each decision
    is appended to ``log_path`` at once (relative paths are read from the project root) and
    used the next time the analysis runs; pairs that already have a decision in the log are not
    shown again. Without a log (``None`` or ``""``) the panel says so and saves nothing.
    """
    try:
        import ipywidgets as widgets
    except ImportError as exc:  # an optional extra
        raise ResearchError("The duplicate review panel needs ipywidgets (the 'widgets' extra).",
                            hint="install it with: pip install -e '.[widgets]' "
                                 "(make install includes it)") from exc

    table = review_table(review, records)
    log_file = resolve(log_path) if log_path not in (None, "") else None
    pair_html = widgets.HTML()
    status = widgets.HTML()
    buttons = {
        "same": widgets.Button(description="Samma arbete", button_style="success",
                               icon="link", tooltip="Slå ihop posterna"),
        "different": widgets.Button(description="Olika arbeten", button_style="danger",
                                    icon="unlink", tooltip="Håll isär posterna"),
        "skip": widgets.Button(description="Hoppa över", icon="forward",
                               tooltip="Visa nästa par"),
    }
    state: dict[str, int] = {"position": 0}

    def pending() -> pd.DataFrame:
        decided, _ = read_dedup_decisions(log_file) if log_file else ({}, None)
        keep = [frozenset((a, b)) not in decided for a, b in zip(table["post A"],
                                                                 table["post B"])]
        return table[keep].reset_index(drop=True)

    def refresh() -> None:
        open_pairs = pending()
        if open_pairs.empty:
            pair_html.value = "<h3>Inga osäkra dubblettpar kvar att bedöma.</h3>"
            status.value = ("<p>Besluten används nästa gång analysen körs.</p>")
            for button in buttons.values():
                button.disabled = True
            return
        position = state["position"] % len(open_pairs)
        pair = open_pairs.iloc[position]
        pair_html.value = (f"<h3>Är det samma arbete? (par {position + 1} av "
                           f"{len(open_pairs)})</h3><p>{escape(pair['bedömning'])}; "
                           f"titellikhet {escape(pair['titellikhet'])}.</p>"
                           f"<div style=\"display:flex;gap:1em;flex-wrap:wrap\">"
                           f"{_card(pair, 'A')}{_card(pair, 'B')}</div>")

    def decide(decision: str) -> None:
        open_pairs = pending()
        if open_pairs.empty:
            return
        if decision == "skip":
            state["position"] += 1
            refresh()
            return
        pair = open_pairs.iloc[state["position"] % len(open_pairs)]
        if log_file is None:
            status.value = ("<p role=\"alert\"><strong>Beslutet sparades inte:</strong> "
                            "ange en dubblettlogg i parametern dedup_log.</p>")
            return
        try:
            append_dedup_decision(log_file, pair["post A"], pair["post B"], decision,
                                  reviewer=reviewer)
        except (ResearchError, OSError) as exc:  # shown in the panel, not lost in a log
            status.value = not_saved_html(exc, log_file)
            return
        status.value = "<p>Sparat. Besluten används nästa gång analysen körs.</p>"
        refresh()

    for decision, button in buttons.items():
        button.on_click(lambda _button, d=decision: decide(d))
    refresh()
    return widgets.VBox([pair_html, widgets.HBox(list(buttons.values())), status])
