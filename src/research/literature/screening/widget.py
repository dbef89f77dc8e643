"""The JupyterLab screening panel (ipywidgets)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import ResearchError
from ...report.htmlsafe import escape
from .log import append_decision, map_to_kept, read_screening_log
from .model import DEFAULT_MODEL, build_features, feature_options, record_texts
from .state import screening_state

__all__ = ["not_saved_html", "screening_widget"]


def not_saved_html(exc: Exception, log_file: object) -> str:
    """The Swedish alert a decision panel shows when a decision could not be saved: the
    error's message and hint, or for a file-system error (a folder, a read-only share) the
    file and the system's reason."""
    if isinstance(exc, ResearchError):
        detail = f"{escape(exc.message)} {escape(exc.hint or '')}"
    else:
        detail = f"{escape(str(log_file))}: {escape(getattr(exc, 'strerror', None) or str(exc))}"
    return f"<p role=\"alert\"><strong>Beslutet sparades inte:</strong> {detail}</p>"


def screening_widget(
    records: pd.DataFrame,
    log_path: str | os.PathLike[str],
    *,
    reviewer: str | None = None,
    model: str = DEFAULT_MODEL["model"],
    seed: int = 0,
) -> Any:
    """An ipywidgets screening panel for JupyterLab.

    Shows the highest-ranked unscreened record (title, abstract as escaped text) with
    buttons Inkludera / Exkludera / Osäker. Keyboard: Tab to a button and press Enter or
    Space, or type ``i``, ``e`` or ``o`` in the shortcut field and press Enter. Every
    decision is appended to ``log_path`` at once (:func:`append_decision`) and the ranking
    is recomputed. Nothing blocks: under papermill the widget is only displayed.
    """
    try:
        import ipywidgets as widgets
    except ImportError as exc:  # an optional extra
        raise ResearchError("The screening panel needs ipywidgets (the 'widgets' extra).",
                            hint="install it with: pip install -e '.[widgets]' "
                                 "(make install includes it)") from exc

    log_file = Path(log_path)
    heading = widgets.HTML()
    body = widgets.HTML(layout=widgets.Layout(max_height="18em", overflow="auto"))
    status = widgets.HTML()
    buttons = {
        "include": widgets.Button(description="Inkludera", button_style="success",
                                  icon="check", tooltip="Inkludera (i)"),
        "exclude": widgets.Button(description="Exkludera", button_style="danger",
                                  icon="times", tooltip="Exkludera (e)"),
        "unsure": widgets.Button(description="Osäker", button_style="warning",
                                 icon="question", tooltip="Osäker (o)"),
    }
    shortcut = widgets.Text(placeholder="i / e / o + Enter", description="Kortkommando:",
                            continuous_update=False,
                            style={"description_width": "initial"})
    current: dict[str, str | None] = {"record_id": None}
    cache: dict[str, Any] = {}

    def refresh() -> None:
        log, problems = read_screening_log(log_file)
        if "duplicates" in records.columns:  # decisions made on a removed duplicate count
            log = map_to_kept(log, records)
        if cache.get("features") is None:
            cache["features"] = build_features(record_texts(records), **feature_options())
        state = screening_state(records, log, top=1, model=model, seed=seed,
                                features=cache["features"])
        summary = state.summary
        note = (f" {len(problems)} rader i loggen kunde inte läsas." if len(problems) else "")
        status.value = (f"<p>Granskade {summary['n_screened']} av {summary['n_total']}; "
                        f"inkluderade {summary['n_included']}. "
                        f"{escape(summary['suggestion'])}{escape(note)}</p>")
        if state.ranking.empty:
            current["record_id"] = None
            heading.value = "<h3>Alla poster är granskade.</h3>"
            body.value = ""
            return
        record_id = str(state.ranking.iloc[0]["record_id"])
        current["record_id"] = record_id
        row = records[records["record_id"].astype(str) == record_id].iloc[0]
        abstract = row.get("abstract", "")
        heading.value = f"<h3>{escape(row.get('title', ''))}</h3>"
        body.value = (f"<p><small>{escape(record_id)} · {escape(row.get('year', ''))} · "
                      f"{escape(row.get('source', ''))}</small></p>"
                      f"<p>{escape('' if pd.isna(abstract) else abstract)}</p>")

    def decide(decision: str) -> None:
        if current["record_id"] is None:
            return
        try:
            append_decision(log_file, current["record_id"], decision, reviewer=reviewer)
        except (ResearchError, OSError) as exc:  # shown in the panel, not lost in a log
            status.value = not_saved_html(exc, log_file)
            return
        refresh()

    for decision, button in buttons.items():
        button.on_click(lambda _button, d=decision: decide(d))

    def on_shortcut(change: dict[str, Any]) -> None:
        key = str(change.get("new", "")).strip().lower()[:1]
        shortcut.value = ""
        mapping = {"i": "include", "e": "exclude", "o": "unsure", "u": "unsure"}
        if key in mapping:
            decide(mapping[key])

    shortcut.observe(on_shortcut, names="value")
    refresh()
    return widgets.VBox([heading, body, widgets.HBox(list(buttons.values())), shortcut,
                         status])
