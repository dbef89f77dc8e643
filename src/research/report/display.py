"""Helpers that notebooks call to show results in a briefing.

Each helper displays one thing the way the briefing template expects it and, where it
matters for aggregation, saves it too:

- :func:`show_table` displays a DataFrame with a Swedish caption (escaped, Swedish number
  format, on a phone the columns that fit or one card per row) **and** saves it as
  ``tables/<name>.csv`` in the run directory, so the national platform can aggregate
  without scraping HTML;
- :func:`show_figure` displays a matplotlib figure as inline SVG with real text, drawn once
  for the desktop/A4 column and once for a phone, carrying its Swedish alt text (attached
  by the code that made the figure with :func:`attach_alt`);
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
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from .figures import ALT_ATTRIBUTE, attach_alt, get_alt  # noqa: F401  (re-exported)
from .formatting import column_header, explain_error, format_p_value, format_value
from .htmlsafe import escape, link, sanitize_html
from ..io.files import write_text_atomic
from ..paths import current_run_dir

__all__ = [
    "BRIEFING_INFO_MIMETYPE",
    "TABLE_NAME",
    "ALT_ATTRIBUTE",
    "SUPPRESSED_MARKER",
    "PHONE_COLUMN_PX",
    "LONG_TEXT_CHARS",
    "PHONE_LAYOUTS",
    "phone_layout",
    "table_html",
    "error_html",
    "save_table",
    "show_table",
    "attach_alt",
    "get_alt",
    "figure_png",
    "FIGURE_METADATA",
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


PHONE_COLUMN_PX = 320     # a 360 px phone's text column (340 px) less slack for the estimate
LONG_TEXT_CHARS = 160     # longer text cells are cut (the CSV keeps them whole)
ERROR_COLUMN = re.compile(r"^(fel|felmeddelande|fel eller anmärkning|error|errors|"
                          r"problem)$", re.IGNORECASE)  # shown with error_html unasked
TECHNICAL = re.compile(r"[A-Z]\w*(Error|Exception)\b|Traceback|errno|\bHTTP\s?\d{3}\b|"
                       r"<unknown>|\w+\.\w+Error|^\w+: ", re.MULTILINE)
P_COLUMN = re.compile(r"^p(-?värde|[-_ ]?value)?(\s*\(.*\))?$", re.IGNORECASE)
_WORDED_NUMBER = re.compile(r"^[−+-]?\d[\d\u00a0\u202f ]*(,\d+)?(\u00a0?%)?$|^<\u00a0?0,0*1$")
_NUMBER_TEXT = re.compile(r"^[−+-]?[\d\u00a0\u202f ]+(,\d+)?(\u00a0?%)?$|^\.\.$|^–$|^$|^<\u00a0?0,0*1$")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return head.rstrip(" ,.;:") + "…"


# where a browser may break a line: spaces, soft hyphens, after a hyphen or an en dash
_WORD_BREAKS = re.compile(r"[\s\u00ad]+|(?<=[-–])")


# Advance widths (em) of DejaVu Sans, the widest of the fonts system-ui gives (Debian's
# Chromium); phones' fonts are narrower, so what fits here fits there.
_EM = {**dict(zip("abcdefghijklmnopqrstuvwxyz",
                  (.613, .635, .550, .635, .615, .352, .635, .634, .278, .278, .579, .278,
                   .974, .634, .612, .635, .635, .411, .521, .392, .634, .592, .818, .592,
                   .592, .525))),
       **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  (.684, .686, .698, .770, .632, .575, .775, .752, .295, .295, .656, .557,
                   .863, .748, .787, .603, .787, .695, .635, .611, .732, .684, .989, .685,
                   .611, .685))),
       **{d: .636 for d in "0123456789"}, "å": .613, "ä": .613, "ö": .612, "é": .615,
       "ü": .634, "Å": .684, "Ä": .684, "Ö": .787, " ": .318, "\u00a0": .318, ",": .318,
       ".": .318, ":": .337, ";": .337, "−": .838, "-": .361, "–": .5, "%": .950, "(": .390,
       ")": .390, "[": .390, "]": .390, "/": .337, "²": .401, "'": .275, "…": 1.0}
_TABLE_FONT_PX = 14.08    # .88 rem on a phone (research.css)
_CELL_PADDING_PX = 20     # .5 rem each side, and slack


def _text_px(text: str, bold: bool = False) -> float:
    """How wide ``text`` is drawn in a phone table cell, in CSS px."""
    em = sum(_EM.get(ch, .62) for ch in text)
    return em * _TABLE_FONT_PX * (1.1 if bold else 1.0)


def _min_width(header: str, cells: list[str], numeric: bool, row_header: bool) -> float:
    """A column's narrowest width in CSS px on a phone (words do not break, numbers do not
    wrap), from the letters' widths: what decides whether the table scrolls sideways."""
    width = max((_text_px(w, bold=True) for w in _WORD_BREAKS.split(header)), default=0.0)
    for cell in cells:
        if numeric:
            width = max(width, _text_px(cell))
        else:  # words of more than 24 letters may break (paths, identifiers)
            width = max(width, max((_text_px(w[:24]) for w in _WORD_BREAKS.split(cell)),
                                   default=0.0))
    return max(width + _CELL_PADDING_PX, 88 if row_header else 56)


def _width_class(width: float) -> str:
    """A text column's narrowest width as a class (``mw-28`` = 7 rem, in quarter-rem steps,
    rounded down, so the columns counted on for a phone fit; research.css)."""
    return f"mw-{max(14, min(56, int(width // 4)))}"


PHONE_LAYOUTS = ("auto", "columns", "cards")


def _check_phone(phone: str) -> None:
    if phone not in PHONE_LAYOUTS:
        raise ParameterError(f"table_html: unknown phone layout {phone!r}.",
                             hint=f"use one of {', '.join(PHONE_LAYOUTS)}", parameter="phone")


def phone_layout(phone: str, *, fitting: int, total: int, rows: int = 1) -> str:
    """The layout a phone gets: ``"columns"`` or ``"cards"``.

    ``phone`` is :func:`table_html`'s option; ``fitting`` how many of the ``total`` shown
    columns fit a 360 px phone beside each other (``priority`` first), ``rows`` how many rows
    the table shows. ``"auto"`` chooses cards when a phone would show at most half of the
    columns (1 of 2, 2 of 4, 3 of 6 or 3 of 8): the reader would otherwise see a table of
    which most is missing and have to open "Visa alla kolumner" and scroll sideways to read
    a row. A table of which a phone shows more than half (3 of 5, 4 of 7) stays a table,
    its last (least wanted) columns behind "Visa alla kolumner"; so does an empty table,
    which has no rows to draw as cards.
    """
    _check_phone(phone)
    if phone != "auto":
        return phone
    return "cards" if rows > 0 and fitting < total and 2 * fitting <= total else "columns"


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
    priority: Iterable[str] = (),
    errors: Iterable[str] = (),
    csv: str | None = None,
    max_chars: int = LONG_TEXT_CHARS,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
    hide: Iterable[str] = (),
    more_in_csv: Iterable[str] = (),
    phone: str = "auto",
) -> str:
    """Return an accessible, escaped HTML table for ``df``, made for reading on a phone.

    Parameters
    ----------
    df
        The table. Column names become header cells (capitalised); values are escaped.
    caption
        Swedish caption (``<caption>``), required for every table.
    index
        Show the index as the first column (row headers).
    decimals
        Decimals for numeric columns: one number for all, or per column. Columns named
        like p-values ("p", "p-värde") show "p < 0,001" style values.
    links
        ``{"title": "url"}`` shows the ``title`` cell as a link to the row's ``url`` value
        (http/https only; other schemes show as plain text).
    html_columns
        Columns whose values are HTML fragments; they pass the allow-list sanitizer.
    max_rows
        Show at most this many rows (the saved CSV always has all), with a note.
    note
        A short Swedish note under the table.
    priority
        Columns a phone shows first (and the order of every view). In the ``"columns"``
        layout the columns that do not fit a 360 px phone beside them are hidden there and
        the whole table is behind "Visa alla kolumner" (a ``<details>``, no script); as
        cards they come first on each card. Wider screens and paper show every column.
    errors
        Columns holding technical error texts (columns named "Fel", "Felmeddelande",
        "Fel eller anmärkning", "error" count without being named): shown as a Swedish cause
        (:func:`research.report.formatting.explain_error`), the technical text behind
        ``<details>``.
    csv
        Where the table's CSV file is, relative to the briefing (``tables/<name>.csv``); a
        table that shows fewer rows, or cut text, links to it.
    max_chars
        Longer text cells are cut at a word with "…" (the CSV keeps the full value).
    formatters
        ``{"Månad": month_label}``: how a column's cells read (the CSV keeps the values),
        e.g. month names for "2026-01" or percentages for shares.
    hide
        Columns kept out of the page (technical columns a reader does not need: variances,
        keys, abstracts); the table then links to its CSV, which has them.
    more_in_csv
        ``("rader",)``, ``("kolumner",)`` or both: what the CSV has beyond ``df`` when ``df``
        is a reading form of it (:func:`show_table`'s ``shown``); the table links to it.
    phone
        How a phone (a screen up to 44 rem wide) shows the table: ``"columns"`` the
        columns that fit (``priority`` first, the rest behind "Visa alla kolumner");
        ``"cards"`` every row as a card, each cell under its column's name (``data-label``)
        so nothing is hidden and nothing scrolls sideways; ``"auto"`` (the default) cards
        when a phone would show at most half of the columns, else columns
        (:func:`phone_layout`). Either way the page holds one real ``<table>`` with header
        cells (cards add the ARIA table roles, which a browser may drop from a table drawn
        as blocks); wider screens and paper show the table as a table.
    """
    if not caption:
        raise ParameterError("Every table needs a Swedish caption.", hint="pass caption='…'")
    _check_phone(phone)  # before any work
    links = dict(links or {})
    html_columns, errors = set(html_columns), set(errors)
    errors |= {c for c in df.columns if ERROR_COLUMN.match(str(c)) and c not in html_columns
               and getattr(df[c], "dtype", None) is not None and df[c].dtype.kind not in "iuf"}
    shown = df.reset_index() if index else df
    columns, cut_columns = _column_order(list(shown.columns), index=index, links=links,
                                         hide=set(hide), priority=priority)
    total = len(shown)
    cut_rows = max_rows is not None and total > max_rows
    if cut_rows:
        shown = shown.head(max_rows)
    cells, numeric, cut_text = _cells(shown, columns, html_columns=html_columns,
                                      errors=errors, decimals=decimals,
                                      formatters=dict(formatters or {}), max_chars=max_chars)
    widths, fitting = _phone_columns(columns, cells, numeric, opaque=html_columns | errors,
                                     index=index)
    extra = [c for c in columns if c not in fitting]
    cards = phone_layout(phone, fitting=len(fitting), total=len(columns),
                         rows=len(shown)) == "cards"
    grid = _Grid(shown, columns, cells, numeric, widths, index=index, links=links,
                 raw=html_columns | errors)
    if cards:  # every cell on the phone: nothing to hide, nothing behind "Visa alla"
        parts = grid.markup(caption, extra=[], cards=True)
    else:
        parts = grid.markup(caption, extra=extra)
        if extra and len(shown):  # an empty table has nothing more to show
            parts.append(f'<details class="table-all"><summary>Visa alla kolumner '
                         f"({len(columns)})</summary>")
            parts += grid.markup(f"{caption} (alla kolumner)", extra=[])
            parts.append("</details>")
    more = [w for w in ("rader", "kolumner") if w in set(more_in_csv)
            or (w == "kolumner" and cut_columns)]
    parts += _table_notes(shown=len(shown) if cut_rows else None, total=total,
                          cut_text=cut_text, more=more, csv=csv, note=note)
    return "".join(parts)


def _column_order(names: list[Any], *, index: bool, links: Mapping[str, str], hide: set[Any],
                  priority: Iterable[str]) -> tuple[list[Any], bool]:
    """The columns shown, in order (the index first, then ``priority``, then the rest;
    link targets and hidden columns left out), and whether any was hidden."""
    hidden_link_targets = set(links.values()) - set(links.keys())
    columns = [c for c in names if c not in hidden_link_targets and c not in hide]
    first = columns[:1] if index else []
    wanted = [c for c in priority if c in columns and c not in first]
    ordered = first + wanted + [c for c in columns if c not in first and c not in wanted]
    return ordered, any(c in hide for c in names)


def _cells(shown: pd.DataFrame, columns: list[Any], *, html_columns: set[Any],
           errors: set[Any], decimals: Mapping[str, int] | int | None,
           formatters: Mapping[Any, Callable[[Any], str]], max_chars: int,
           ) -> tuple[dict[Any, list[str]], dict[Any, bool], bool]:
    """Each column's cells as text (HTML for ``html_columns`` and ``errors``), whether the
    column reads as numbers, and whether a long text was cut."""
    cells: dict[Any, list[str]] = {}
    numeric: dict[Any, bool] = {}
    cut_text = False
    for column in columns:
        values = list(shown[column])
        if column in html_columns or column in errors:
            render = sanitize_html if column in html_columns else error_html
            cells[column], numeric[column] = [render(v) for v in values], False
            continue
        digits = decimals.get(column) if isinstance(decimals, Mapping) else decimals
        cells[column], numeric[column], cut = _column_texts(
            values, pvalues=bool(P_COLUMN.match(str(column))), digits=digits,
            formatter=formatters.get(column), max_chars=max_chars)
        cut_text = cut_text or cut
    return cells, numeric, cut_text


def _column_texts(values: list[Any], *, pvalues: bool, digits: int | None,
                  formatter: Callable[[Any], str] | None, max_chars: int,
                  ) -> tuple[list[str], bool, bool]:
    """One column's cells as Swedish text, whether they read as numbers (right-aligned),
    and whether a long text was cut at ``max_chars``."""
    texts, cut = [], False
    for value in values:
        if formatter is not None and not _missing(value):
            text = str(formatter(value))
        elif pvalues and _is_number(value):
            text = format_p_value(value)
        else:
            text = format_value(value, digits)
        if not _is_number(value) and len(text) > max_chars:
            text, cut = _cut(text, max_chars), True
        texts.append(text)
    numeric = bool(texts) and all(_is_number(v) or _NUMBER_TEXT.match(t) or
                                  (pvalues and t.startswith(("<", "p")))
                                  for v, t in zip(values, texts)) \
        and any(_is_number(v) or (isinstance(v, str) and _WORDED_NUMBER.match(v))
                for v in values)
    return texts, numeric, cut


def _phone_columns(columns: list[Any], cells: Mapping[Any, list[str]],
                   numeric: Mapping[Any, bool], *, opaque: set[Any], index: bool,
                   ) -> tuple[dict[Any, float], list[Any]]:
    """Each column's narrowest phone width (HTML cells, ``opaque``, counted as 12 letters)
    and the columns, in order, that fit a 360 px phone beside each other (at least one)."""
    widths = {column: _min_width(column_header(column), cells[column]
                                 if column not in opaque else ["x" * 12],
                                 numeric[column], index and position == 0)
              for position, column in enumerate(columns)}
    budget, fitting = PHONE_COLUMN_PX, []
    for column in columns:
        if fitting and budget - widths[column] < 0:
            break
        budget -= widths[column]
        fitting.append(column)
    return widths, fitting


class _Grid:
    """The formatted cells of a table and how to write them as one ``<table>``."""

    def __init__(self, shown: pd.DataFrame, columns: list[Any], cells: Mapping[Any, list[str]],
                 numeric: Mapping[Any, bool], widths: Mapping[Any, float], *, index: bool,
                 links: Mapping[str, str], raw: set[Any]) -> None:
        self.shown, self.columns, self.cells = shown, columns, cells
        self.numeric, self.widths, self.index = numeric, widths, index
        self.links, self.raw = links, raw

    def _classes(self, column: Any, extra: list[Any], header: bool = False) -> str:
        names = (["num"] if self.numeric[column] else []) + \
            (["col-extra"] if column in extra else [])
        if header and not self.numeric[column]:  # the width the estimate counted on, so a
            names.append(_width_class(self.widths[column]))  # browser keeps words whole
        return f' class="{" ".join(names)}"' if names else ""

    def _content(self, column: Any, row: int) -> str:
        text = self.cells[column][row]
        if column in self.links:
            return link(text, self.shown[self.links[column]].iloc[row])
        return text if column in self.raw else escape(text)

    def markup(self, label: str, *, extra: list[Any], cards: bool = False) -> list[str]:
        """The table (in a scrollable, labelled region); ``extra`` columns are hidden on a
        phone; ``cards`` draws each row as a card there (research.css ``.cards``)."""
        def role(name: str) -> str:  # kept for assistive technology when drawn as blocks
            return f' role="{name}"' if cards else ""

        classes = "research-table" + (" wide" if len(self.columns) > 7 else "") + \
            (" cards" if cards else "")
        parts = [f'<div class="table-wrap" role="region" tabindex="0" '
                 f'aria-label="{escape(label)}">',
                 f'<table class="{classes}"{role("table")}>',
                 f"<caption>{escape(label)}</caption>",
                 f"<thead{role('rowgroup')}><tr{role('row')}>"]
        parts += [f'<th scope="col"{role("columnheader")}{self._classes(c, extra, header=True)}>'
                  f"{escape(column_header(c))}</th>" for c in self.columns]
        parts.append(f"</tr></thead><tbody{role('rowgroup')}>")
        for row in range(len(self.shown)):
            parts.append(f"<tr{role('row')}>")
            for position, column in enumerate(self.columns):
                header = self.index and position == 0
                tag = "th" if header else "td"
                attributes = (' scope="row"' if header else "") + \
                    role("rowheader" if header else "cell") + self._classes(column, extra)
                if cards:
                    attributes += f' data-label="{escape(column_header(column))}"'
                parts.append(f"<{tag}{attributes}>{self._content(column, row)}</{tag}>")
            parts.append("</tr>")
        parts.append("</tbody></table></div>")
        return parts


def _table_notes(*, shown: int | None, total: int, cut_text: bool, more: list[str],
                 csv: str | None, note: str | None) -> list[str]:
    """The notes under a table: rows shown of all (``shown``), cut texts, the CSV link
    (every mention of the CSV file is its link), then the caller's ``note``."""
    notes = []
    if shown is not None:
        notes.append(f"Visar {format_value(shown)} av {format_value(total)} rader.")
    if cut_text:
        notes.append("Långa texter är förkortade (…).")
    whole = f"Hela tabellen, med fler {' och '.join(more)}," if more else "Hela tabellen"
    if (notes or more) and csv:
        notes.append(f'<a href="{escape(csv)}" download>{whole} som CSV-fil</a>.')
    elif notes or more:
        notes.append("Hela tabellen sparas som CSV-fil när briefingen körs med "
                     "<code>research run</code>.")
    parts = [f'<p class="table-note">{" ".join(notes)}</p>'] if notes else []
    if note:
        parts.append(f'<p class="table-note">{escape(note)}</p>')
    return parts


def error_html(text: object) -> str:
    """A technical error as a reader sees it: the Swedish cause, the original behind
    ``<details>`` (for the analyst)."""
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    if not raw.strip():
        return ""
    if not TECHNICAL.search(raw):  # already words for a reader ("3 poster utan datum")
        return escape(raw)
    cause = explain_error(raw)
    return (f"{escape(cause)}<details><summary>Teknisk information</summary>"
            f"<code>{escape(raw)}</code></details>")


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
    min_cell: int | None = None,
    shown: pd.DataFrame | None = None,
    **html_options: Any,
) -> None:
    """Display ``df`` with its Swedish caption and save it as ``tables/<name>.csv``.

    With ``min_cell`` (e.g. 5) ``df`` is a count table that gets the same protection as the
    briefings' own tables: cells under ``min_cell`` and enough complementary cells are
    hidden (``..``, with totals added), and the run's disclosure audit
    (:mod:`research.privacy.checking`) checks it before the briefing may be published.

    ``display_columns`` renames columns for readers only (``{"published": "Publicerad"}``);
    the saved CSV keeps the original names, which other programs rely on. ``html_options``
    go to :func:`table_html` (``decimals``, ``links``, ``html_columns``, ``max_rows``,
    ``note``, ``priority``, ``errors``, ``max_chars``, ``formatters``, ``hide``,
    ``phone``), naming columns by their original names. A table that shows fewer rows or
    columns, or cut text, links to its CSV; with ``save=False`` such a table is saved anyway, so the link works.

    ``shown`` is the form of ``df`` readers see when it differs from the saved one: fewer
    rows or columns (a test statistic taken out to be said once, the whole-municipality
    rows of a long table), cells already worded. It must be a part of ``df``, never more,
    because only ``df`` is checked; it links to the CSV. Returns nothing, so the table is
    not shown a second time as the cell's value.
    """
    if shown is not None and min_cell is not None:
        raise ParameterError("show_table: a protected table (min_cell) is shown as saved.",
                             hint="leave out shown=… or min_cell=…", parameter="shown")
    if min_cell is not None:  # the CSV and the page only ever hold the protected table
        from ..privacy.checking import protect_table

        df, index = protect_table(df, name, min_cell=min_cell, index=index), False
        html_options.setdefault("note", ".. = dolt av integritetsskäl")
    from pandas.api.types import is_string_dtype

    max_rows = html_options.get("max_rows")
    limit = html_options.get("max_chars", LONG_TEXT_CHARS)
    cut = (max_rows is not None and len(df) > max_rows) or \
        any(c in df.columns for c in html_options.get("hide", ())) or any(
        df[c].map(lambda v: isinstance(v, str) and len(v) > limit).any()
        for c in df.columns  # text columns: object, or pandas' own string dtype ("str")
        if df[c].dtype == object or is_string_dtype(df[c]))
    if shown is not None:
        more = (["rader"] if len(shown) < len(df) else []) + \
            (["kolumner"] if len(shown.columns) < len(df.columns) else [])
        html_options.setdefault("more_in_csv", more)
        cut = cut or bool(more)
    saved = save_table(df, name, index=index) if save or cut else None
    if saved is not None:
        html_options.setdefault("csv", f"tables/{saved.name}")
    if min_cell is not None:
        from ..privacy.checking import check_run

        check_run({name: df})
    if shown is not None:
        df = shown
    if display_columns:  # the CSV keeps its stable (English) names; readers see Swedish ones
        rename = dict(display_columns)
        df = df.rename(columns=rename)
        for option in ("links", "decimals", "formatters"):
            if isinstance(html_options.get(option), Mapping):
                html_options[option] = {rename.get(k, k): rename.get(v, v)
                                        if option == "links" else v
                                        for k, v in html_options[option].items()}
        for option in ("html_columns", "priority", "errors", "hide"):
            if option in html_options:
                html_options[option] = [rename.get(c, c) for c in html_options[option]]
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


FIGURE_METADATA = "research-figure"  # marks an SVG drawn by show_figure (inlined by the template)


def show_figure(fig: Any, alt: str | None = None, *, caption: str | None = None,
                narrow: Any = None) -> None:
    """Display a figure as inline SVG drawn for the desktop column and for a phone.

    The desktop drawing is :data:`~research.report.figures.COLUMN_WIDTH_IN` wide (also the
    A4 text width), the phone drawing :data:`~research.report.figures.NARROW_WIDTH_IN`; both
    are shown at their natural size, so figure text is as large on screen as it was set
    (at least 12 CSS px; see :func:`research.report.figures.fit_to_width`). ``narrow`` is an
    optional figure drawn for the phone by the caller, else the one attached with
    :func:`~research.report.figures.attach_phone`; without either the phone drawing is
    derived from ``fig`` (small multiples reflow, labels wrap, legends move below).

    The alt text is ``alt`` or the one attached with :func:`attach_alt`; a figure without
    one is an error, because every figure in a briefing must be described. ``caption`` (or
    the one attached with :func:`~research.report.figures.attach_caption`) is shown as text
    under the figure. The figures are closed afterwards.
    """
    from .figures import (COLUMN_WIDTH_IN, CSS_DPI, NARROW_WIDTH_IN, figure_svg, fit_to_width,
                          get_caption, phone_drawing)

    text = alt or get_alt(fig)
    if not text:
        raise ParameterError(
            "A figure has no alt text.",
            hint="attach one with research.report.attach_alt(fig, '…') or pass alt='…'",
        )
    caption = caption or get_caption(fig)
    phone = narrow if narrow is not None else phone_drawing(fig)
    wide = figure_svg(fit_to_width(fig, COLUMN_WIDTH_IN), alt=text,
                      css_width=round(COLUMN_WIDTH_IN * CSS_DPI), key="wide")
    # a phone drawing made for the phone is only fitted; the desktop one is redrawn for it
    small = figure_svg(fit_to_width(fig, NARROW_WIDTH_IN, narrow=True) if phone is None
                       else fit_to_width(phone, NARROW_WIDTH_IN), alt=text,
                       css_width=round(NARROW_WIDTH_IN * CSS_DPI), key="narrow")
    _display(
        {"image/svg+xml": wide, "text/plain": f"<Figur: {text}>"},
        {"image/svg+xml": {"alt": text, FIGURE_METADATA: True, "narrow": small}},
    )
    _close(fig)
    if phone is not None:
        _close(phone)
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
