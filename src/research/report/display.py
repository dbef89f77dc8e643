"""Helpers that notebooks call to show results in a briefing.

Each helper displays one thing the way the briefing template expects it and, where it
matters for aggregation, saves it too:

- :func:`show_table` displays a DataFrame with a Swedish caption (escaped, Swedish number
  format, scrollable on phones) **and** saves it as ``tables/<name>.csv`` in the run
  directory, so the national platform can aggregate without scraping HTML;
- :func:`show_figure` displays a matplotlib figure as an embedded PNG carrying its Swedish
  alt text (attached by the code that made the figure with :func:`attach_alt`);
- :func:`show_summary`, :func:`show_key_figures`, :func:`show_text`, :func:`show_notice`
  build the short Swedish narrative pieces from data, escaping everything;
- :func:`set_briefing_info` records what the catalogue shows about the briefing
  (Kunskapshus, period), read back by the runner from the executed notebook.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from .figures import ALT_ATTRIBUTE, attach_alt, get_alt  # noqa: F401  (re-exported)
from .formatting import format_value
from .htmlsafe import escape, link, sanitize_html
from ..io.files import write_text_atomic
from ..paths import current_run_dir

__all__ = [
    "BRIEFING_INFO_MIMETYPE",
    "TABLE_NAME",
    "ALT_ATTRIBUTE",
    "SUPPRESSED_MARKER",
    "table_html",
    "save_table",
    "show_table",
    "attach_alt",
    "get_alt",
    "figure_png",
    "show_figure",
    "show_text",
    "show_list",
    "show_html",
    "show_notice",
    "show_key_figures",
    "show_summary",
    "set_briefing_info",
    "read_briefing_info",
]

if TYPE_CHECKING:  # pandas is imported by the kernel anyway; the runner does not need it
    import pandas as pd

BRIEFING_INFO_MIMETYPE = "application/vnd.research.briefing-info+json"
TABLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
SUPPRESSED_MARKER = ".."  # how disclosure control marks a hidden cell


def _display(bundle: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
    from IPython.display import display

    display(dict(bundle), raw=True, metadata=dict(metadata or {}))


# ---------------------------------------------------------------------------------------
# tables


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    index: bool = False,
    decimals: Mapping[str, int] | int | None = None,
    links: Mapping[str, str] | None = None,
    html_columns: Iterable[str] = (),
    max_rows: int | None = None,
    note: str | None = None,
) -> str:
    """Return an accessible, escaped HTML table for ``df``.

    Parameters
    ----------
    df
        The table. Column names become header cells; values are escaped.
    caption
        Swedish caption (``<caption>``), required for every table.
    index
        Show the index as the first column (row headers).
    decimals
        Decimals for numeric columns: one number for all, or per column.
    links
        ``{"title": "url"}`` shows the ``title`` cell as a link to the row's ``url`` value
        (http/https only; other schemes show as plain text).
    html_columns
        Columns whose values are HTML fragments; they pass the allow-list sanitizer.
    max_rows
        Show at most this many rows (the saved CSV always has all), with a note.
    note
        A short Swedish note under the table.
    """
    if not caption:
        raise ParameterError("Every table needs a Swedish caption.", hint="pass caption='…'")
    links = dict(links or {})
    html_columns = set(html_columns)
    shown = df.reset_index() if index else df
    hidden_link_targets = set(links.values()) - set(links.keys())
    columns = [c for c in shown.columns if c not in hidden_link_targets]
    total = len(shown)
    if max_rows is not None and total > max_rows:
        shown = shown.head(max_rows)
    parts = [
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{escape(caption)}">',
        '<table class="research-table">',
        f"<caption>{escape(caption)}</caption>",
        "<thead><tr>",
    ]
    parts += [f'<th scope="col">{escape(c)}</th>' for c in columns]
    parts.append("</tr></thead><tbody>")
    for _, row in shown.iterrows():
        parts.append("<tr>")
        for position, column in enumerate(columns):
            value = row[column]
            if column in html_columns:
                content = sanitize_html(value)
            else:
                digits = decimals.get(column) if isinstance(decimals, Mapping) else decimals
                text = format_value(value, digits)
                content = link(text, row[links[column]]) if column in links else escape(text)
            numeric = (isinstance(value, (int, float)) and not isinstance(value, bool)) \
                or (isinstance(value, str) and value == SUPPRESSED_MARKER)
            cls = ' class="num"' if numeric else ""
            if index and position == 0:
                parts.append(f'<th scope="row"{cls}>{content}</th>')
            else:
                parts.append(f"<td{cls}>{content}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    if max_rows is not None and total > max_rows:
        parts.append(
            f'<p class="table-note">Visar {max_rows} av {total} rader; '
            "hela tabellen finns som CSV-fil.</p>"
        )
    if note:
        parts.append(f'<p class="table-note">{escape(note)}</p>')
    return "".join(parts)


def save_table(df: pd.DataFrame, name: str, *, index: bool = False) -> Path | None:
    """Save ``df`` as ``tables/<name>.csv`` in the current run directory.

    Outside a papermill run started by ``research run`` (for example in JupyterLab) there
    is no run directory and nothing is written; ``None`` is returned.
    """
    if not TABLE_NAME.match(name or ""):
        raise ParameterError(
            f"Invalid table name {name!r}.",
            hint="use lower-case letters, digits, '_' or '-', e.g. 'new_items'",
            parameter="name",
        )
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    target = run_dir / "tables" / f"{name}.csv"
    from ..io.tables import write_table  # pandas only when a table is saved

    write_table(df, target, index=index)
    return target


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str,
    *,
    index: bool = False,
    save: bool = True,
    display_columns: Mapping[str, str] | None = None,
    **html_options: Any,
) -> None:
    """Display ``df`` with its Swedish caption and save it as ``tables/<name>.csv``.

    ``display_columns`` renames columns for readers only (``{"published": "Publicerad"}``);
    the saved CSV keeps the original names, which other programs rely on. ``html_options``
    go to :func:`table_html` (``decimals``, ``links``, ``html_columns``, ``max_rows``,
    ``note``), naming columns by their original names. Returns nothing, so the table is not shown a second time as
    the cell's value.
    """
    if save:
        save_table(df, name, index=index)
    if display_columns:  # the CSV keeps its stable (English) names; readers see Swedish ones
        df = df.rename(columns=dict(display_columns))
        for option in ("links", "decimals"):
            if isinstance(html_options.get(option), Mapping):
                html_options[option] = {display_columns.get(k, k): display_columns.get(v, v)
                                        if option == "links" else v
                                        for k, v in html_options[option].items()}
        if "html_columns" in html_options:
            html_options["html_columns"] = [display_columns.get(c, c)
                                            for c in html_options["html_columns"]]
    html = table_html(df, caption, index=index, **html_options)
    _display({"text/html": html, "text/plain": f"{caption}\n{df.to_string(max_rows=20)}"})


# ---------------------------------------------------------------------------------------
# figures


def figure_png(fig: Any, dpi: int = 144) -> bytes:
    """Render a matplotlib figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _close(fig: Any) -> None:
    """Release a figure: a pyplot figure is closed in pyplot; a ``Figure`` made by
    :func:`research.report.figures.new_figure` belongs to no manager and is just dropped."""
    manager = getattr(getattr(fig, "canvas", None), "manager", None)
    if manager is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)


def show_figure(fig: Any, alt: str | None = None, *, caption: str | None = None) -> None:
    """Display a figure as an embedded PNG with its alt text, then close it.

    The alt text is ``alt`` or the one attached with :func:`attach_alt`; a figure without
    one is an error, because every figure in a briefing must be described.
    """
    text = alt or get_alt(fig)
    if not text:
        raise ParameterError(
            "A figure has no alt text.",
            hint="attach one with research.report.attach_alt(fig, '…') or pass alt='…'",
        )
    png = base64.b64encode(figure_png(fig)).decode("ascii")
    width, height = (fig.get_size_inches() * 72).round().astype(int)
    _display(
        {"image/png": png, "text/plain": f"<Figur: {text}>"},
        {"image/png": {"alt": text, "width": int(width), "height": int(height)}},
    )
    _close(fig)
    if caption:
        _display({"text/html": f'<p class="figure-caption">{escape(caption)}</p>',
                  "text/plain": caption})


# ---------------------------------------------------------------------------------------
# narrative


def show_text(text: str, *, css_class: str | None = None) -> None:
    """Display a paragraph of plain text built from data (escaped)."""
    cls = f' class="{escape(css_class)}"' if css_class else ""
    _display({"text/html": f"<p{cls}>{escape(text)}</p>", "text/plain": text})


def show_list(items: Iterable[str], *, heading: str | None = None) -> None:
    """Display a bulleted list of plain-text items (escaped)."""
    items = [str(i) for i in items]
    head = f"<p><strong>{escape(heading)}</strong></p>" if heading else ""
    body = "".join(f"<li>{escape(i)}</li>" for i in items)
    _display({"text/html": f"{head}<ul>{body}</ul>", "text/plain": "\n".join(items)})


def show_html(fragment: str) -> None:
    """Display an HTML fragment after the allow-list sanitizer."""
    _display({"text/html": sanitize_html(fragment), "text/plain": fragment})


def show_notice(text: str, *, kind: str = "info") -> None:
    """Display a notice box; ``kind`` is ``"info"`` or ``"warning"`` (a caution)."""
    label = {"info": "Observera", "warning": "Varning"}.get(kind, "Observera")
    html = (
        f'<div class="notice notice-{escape(kind)}" role="note">'
        f"<strong>{label}:</strong> {escape(text)}</div>"
    )
    _display({"text/html": html, "text/plain": f"{label}: {text}"})


def show_key_figures(figures: Mapping[str, object]) -> None:
    """Display key figures as a definition list: ``{"Nya poster": 42, ...}``."""
    items = "".join(
        f'<div class="key-figure"><dt>{escape(k)}</dt><dd>{escape(format_value(v))}</dd></div>'
        for k, v in figures.items()
    )
    plain = "\n".join(f"{k}: {format_value(v)}" for k, v in figures.items())
    _display({"text/html": f'<dl class="key-figures">{items}</dl>', "text/plain": plain})


def show_summary(findings: Iterable[str], key_figures: Mapping[str, object] | None = None) -> None:
    """Display the 'Sammanfattning' findings (3–5 plain Swedish sentences) and key figures."""
    if key_figures:
        show_key_figures(key_figures)
    show_list(findings)


def set_briefing_info(**info: object) -> None:
    """Record catalogue information about this briefing (e.g. ``kunskapshus``, ``period``).

    Shown nowhere in the briefing body; the runner reads it from the executed notebook
    into ``manifest.json`` and the catalogue shows it.
    """
    clean = {str(k): ("" if v is None else str(v)) for k, v in info.items()}
    # what a researcher sees in JupyterLab; the briefing drops this output
    plain = "Katalogen: " + "; ".join(f"{k}: {v}" for k, v in clean.items() if v)
    _display({BRIEFING_INFO_MIMETYPE: clean, "text/plain": plain})


def read_briefing_info(notebook: Mapping[str, Any]) -> dict[str, str]:
    """Collect what :func:`set_briefing_info` recorded in an executed notebook."""
    info: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {}) if isinstance(output, Mapping) else {}
            if BRIEFING_INFO_MIMETYPE in data:
                value = data[BRIEFING_INFO_MIMETYPE]
                if isinstance(value, str):
                    value = json.loads(value)
                info.update({str(k): str(v) for k, v in dict(value).items()})
    return info
