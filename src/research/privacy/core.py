"""Privacy: Swedish personal identity numbers, other direct identifiers, and disclosure
control (cell suppression) shared by every notebook.

Personal identity numbers (personnummer, samordningsnummer) are found by
:mod:`research.identity`, re-exported here. Nothing here ever returns or logs an
identifier itself: hits are reported by position, column and row only.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputDataError, ParameterError, PrivacyError
from .identity import (  # noqa: F401  (part of this module's public API)
    PERSONAL_NUMBER_PATTERN,
    IdentifierHit,
    classify_personal_number,
    find_personal_numbers,
    luhn_valid,
    mask_personal_numbers,
)

__all__ = [
    "PHONE_PATTERN",
    "EMAIL_PATTERN",
    "ADDRESS_PATTERN",
    "ADDRESS_HEAD",
    "PLACEHOLDERS",
    "IDENTIFIER_HEADERS",
    "TextSpan",
    "find_identifier_spans",
    "mask_identifiers",
    "IdentifierFinding",
    "IDENTIFIER_HEADER_WORDS",
    "find_identifiers_in_frame",
    "refuse_identifiable",
    "TOTAL_LABEL",
    "DEFAULT_MARKER",
    "SuppressionResult",
    "suppress_counts",
    "suppress_series",
]

PHONE_PATTERN = re.compile(
    r"(?<![\w+\-./:,])"
    r"(?P<number>"
    r"(?:(?:\+|00)46[\s\-]?(?:\(0\)[\s\-]?)?[1-9]\d{0,2}"  # international: +46 70 / 0046 8
    r"|\(0[1-9]\d{0,2}\)"  # (08)
    r"|0[1-9]\d{0,2})"  # national: 070, 08, 031, 0660
    r"(?:\s?[\-/–]?\s?\d{1,4}){1,4}"  # subscriber number in groups
    r")"
    r"(?![\w\-]|[.,]\d)"
)
EMAIL_PATTERN = re.compile(
    r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])"
)
_STREET_SUFFIXES = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allén|allé|backen|backe|stigen|stig|"
    "leden|esplanaden|promenaden|kajen|gången|stråket|slingan|ringen|platsen|"
    "kroken|liden|höjden|terrassen"
)
#: Suffixes that also stand as a separate word after a proper noun ("Sjövikens väg 3").
_STREET_WORDS = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|allén|allé|backen|backe|stigen|stig|"
    "platsen|plats|kajen|kaj|esplanaden|promenaden|stranden|strand"
)
ADDRESS_PATTERN = re.compile(
    r"(?<![\w])"
    r"(?:"
    # one compound word ending in a street suffix: Storgatan, Sjövägen, Kyrkogränd
    rf"[^\W\d_]{{2,}}(?:{_STREET_SUFFIXES})"
    r"|"
    # a capitalised word + separate street word: Sjövikens väg, Lilla torget, Norra allén
    rf"[A-ZÅÄÖÉÜ][^\W\d_]+\s+(?:{_STREET_WORDS})"
    r")"
    # a house number of 1–3 digits (a year such as 2030 is not one), optional letter/range
    r"\s+\d{1,3}(?-i:[A-Za-z]|\s[A-Z])?(?:\s?[-–]\s?\d{1,3})?"
    r"(?![\w]|[.,:]\d|\s*%)",
    re.IGNORECASE,
)
ADDRESS_HEAD = re.compile(r"[A-ZÅÄÖÉÜ]")
PLACEHOLDERS = {
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "telefonnummer": "[telefonnummer]",
    "e-post": "[e-post]",
    "namn": "[namn]",
    "gatuadress": "[gatuadress]",
}
#: Column headers that on their own say a column holds direct identifiers.
IDENTIFIER_HEADERS: dict[str, str] = {
    "personnummer": "personnummer", "pnr": "personnummer", "personnr": "personnummer",
    "person_nummer": "personnummer", "ssn": "personnummer", "personal_number": "personnummer",
    "personal_identity_number": "personnummer", "samordningsnummer": "samordningsnummer",
    "snr": "samordningsnummer",
    "namn": "namn", "name": "namn", "fornamn": "namn", "förnamn": "namn",
    "efternamn": "namn", "first_name": "namn", "last_name": "namn", "surname": "namn",
    "full_name": "namn", "fullname": "namn", "fullständigt_namn": "namn",
    "epost": "e-post", "e_post": "e-post", "e-post": "e-post", "email": "e-post",
    "e-mail": "e-post", "e_mail": "e-post", "mejl": "e-post", "mail": "e-post",
    "telefon": "telefonnummer", "telefonnummer": "telefonnummer", "tel": "telefonnummer",
    "mobil": "telefonnummer", "mobilnummer": "telefonnummer", "phone": "telefonnummer",
    "phone_number": "telefonnummer", "mobile": "telefonnummer",
    "adress": "gatuadress", "gatuadress": "gatuadress", "address": "gatuadress",
    "street_address": "gatuadress", "bostadsadress": "gatuadress", "hemadress": "gatuadress",
    "folkbokföringsadress": "gatuadress",
}


@dataclass(frozen=True)
class TextSpan:
    """A span of text holding an identifier of ``kind`` (never the identifier itself)."""

    kind: str
    start: int
    end: int


def _phone_spans(text: str) -> list[TextSpan]:
    spans = []
    for match in PHONE_PATTERN.finditer(text):
        raw = match.group("number")
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("+") or raw.startswith("00"):
            digits = "0" + digits[4 if raw.startswith("00") else 2 :].lstrip("0")
        if 8 <= len(digits) <= 10 and len(set(digits[1:])) > 1:
            spans.append(TextSpan("telefonnummer", match.start(), match.end()))
    return spans


def _address_spans(text: str) -> list[TextSpan]:
    spans = []
    for match in ADDRESS_PATTERN.finditer(text):
        if ADDRESS_HEAD.match(match.group(0)):  # street names are proper nouns
            spans.append(TextSpan("gatuadress", match.start(), match.end()))
    return spans


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = sorted({" ".join(str(n).split()) for n in names if str(n).strip()}, key=len,
                     reverse=True)
    if not cleaned:
        return None
    parts = [r"\s+".join(re.escape(word) for word in name.split(" ")) for name in cleaned]
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


def find_identifier_spans(
    text: str,
    names: Iterable[str] | re.Pattern[str] | None = (),
    *,
    addresses: bool = True,
) -> list[TextSpan]:
    """Find direct identifiers in ``text``: personnummer, samordningsnummer, telephone
    numbers, e-mail addresses, street addresses and the given ``names``.

    Overlapping hits are resolved in that order of precedence (a valid personnummer is
    never also reported as a phone number). Returns spans sorted by position; the spans
    hold positions and kinds, never the matched text.
    """
    pattern = names if isinstance(names, re.Pattern) else _name_pattern(names or ())
    candidates: list[TextSpan] = [
        TextSpan(hit.kind, hit.start, hit.end) for hit in find_personal_numbers(text)
    ]
    candidates += [TextSpan("e-post", m.start(), m.end()) for m in EMAIL_PATTERN.finditer(text)]
    candidates += _phone_spans(text)
    if addresses:
        candidates += _address_spans(text)
    if pattern is not None:
        candidates += [TextSpan("namn", m.start(), m.end()) for m in pattern.finditer(text)]
    chosen: list[TextSpan] = []
    for span in candidates:  # earlier kinds win on overlap
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def mask_identifiers(text: str, names: Iterable[str] = ()) -> str:
    """Mask direct identifiers in free text with Swedish placeholders.

    Personnummer and samordningsnummer (valid check digit, see
    :func:`find_personal_numbers`) become ``[personnummer]``/``[samordningsnummer]``,
    Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``, ``08-123 456 78`` …)
    ``[telefonnummer]``, e-mail addresses ``[e-post]``, street addresses with a number
    (``Storgatan 12B``) ``[gatuadress]`` and every name in ``names`` (whole words,
    case-insensitive, Swedish letters) ``[namn]``.

    Parameters
    ----------
    text
        Free text; ``None``/NaN are returned unchanged.
    names
        Names to mask, e.g. first names and surnames from a stated list.
    """
    if not isinstance(text, str):
        return text
    for span in reversed(find_identifier_spans(text, names)):
        text = text[: span.start] + PLACEHOLDERS[span.kind] + text[span.end :]
    return text


# =======================================================================================
# Identifiers in tables


@dataclass(frozen=True)
class IdentifierFinding:
    """Identifiers of one ``kind`` in one ``column`` of a table.

    ``rows`` are 1-based data row numbers (1 = the first row after the header); an empty
    ``rows`` with ``header=True`` means the column name itself says the column holds
    identifiers. The identifier values are never stored.
    """

    kind: str
    column: str
    rows: tuple[int, ...] = ()
    header: bool = False


#: Words that mark a column as identifying wherever they stand in its header
#: ("elevens_personnummer", "Kontakt e-post"); "namn" is not one ("stadsdelsnamn").
IDENTIFIER_HEADER_WORDS = {
    word: IDENTIFIER_HEADERS[word] for word in (
        "personnummer", "pnr", "personnr", "samordningsnummer", "epost", "e-post", "email",
        "e-mail", "mejl", "telefon", "telefonnummer", "mobilnummer", "gatuadress",
        "hemadress", "bostadsadress", "förnamn", "fornamn", "efternamn",
    )
}


def _header_kind(column: str) -> str | None:
    key = re.sub(r"[\s.]+", "_", str(column).strip().lower())
    if key in IDENTIFIER_HEADERS:
        return IDENTIFIER_HEADERS[key]
    for word in re.split(r"[_/()]+", key):
        if word in IDENTIFIER_HEADER_WORDS:
            return IDENTIFIER_HEADER_WORDS[word]
    if find_personal_numbers(str(column)):
        return "personnummer"
    return None


def find_identifiers_in_frame(
    df: pd.DataFrame,
    names: Iterable[str] = (),
    *,
    address_columns: Iterable[str] | None = None,
) -> list[IdentifierFinding]:
    """Scan a table for direct personal identifiers.

    Every column is scanned as text (numbers too: a personnummer stored as an integer is
    found). Column headers that name an identifier (``personnummer``, ``namn``,
    ``e-post``, ``telefon``, ``adress`` …) are findings of their own.

    Parameters
    ----------
    df
        The table as read from the file.
    names
        Names from a stated list (first names, surnames); matched as whole words,
        case-insensitively.
    address_columns
        Columns scanned for exact street addresses (street name + number). ``None``
        (default) scans every column.

    Returns
    -------
    list of IdentifierFinding
        One finding per (kind, column), rows as 1-based data row numbers; never values.
    """
    pattern = _name_pattern(names)
    address_set = None if address_columns is None else {str(c) for c in address_columns}
    findings: list[IdentifierFinding] = []
    for position, column in enumerate(df.columns):
        label = str(column)
        kind = _header_kind(label)
        if kind:
            findings.append(IdentifierFinding(kind, label, (), header=True))
        series = df.iloc[:, position]
        if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_float_dtype(series):
            series = series.map(lambda v: f"{v:.0f}" if pd.notna(v) and float(v).is_integer()
                                else v)
        text = series.astype("string")
        rows_by_kind: dict[str, list[int]] = {}
        scan_addresses = address_set is None or label in address_set
        for value, positions in text.groupby(text, sort=False).indices.items():
            spans = find_identifier_spans(str(value), pattern, addresses=scan_addresses)
            for found in {span.kind for span in spans}:
                rows_by_kind.setdefault(found, []).extend(int(p) + 1 for p in positions)
        for found, rows in sorted(rows_by_kind.items()):
            findings.append(IdentifierFinding(found, label, tuple(sorted(rows))))
    return findings


def _row_list(rows: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def refuse_identifiable(
    df: pd.DataFrame,
    names: Iterable[str] = (),
    source: str = "file.csv",
    *,
    address_columns: Iterable[str] | None = None,
) -> None:
    """Raise :class:`PrivacyError` when ``df`` holds direct personal identifiers.

    The message names the file, the column(s), the kind of identifier and the data row
    numbers (at most ten per column, then "and N more"), never the identifier itself.
    Call it before anything is computed, displayed or written.
    """
    findings = find_identifiers_in_frame(df, names, address_columns=address_columns)
    if not findings:
        return
    parts = []
    for finding in findings:
        if finding.header:
            parts.append(f"column '{finding.column}' is named as a {finding.kind} column")
        else:
            parts.append(
                f"column '{finding.column}' holds what looks like {finding.kind} in data "
                f"row(s) {_row_list(finding.rows)}"
            )
    raise PrivacyError(
        f"{source} looks identifiable and was not processed: " + "; ".join(parts) + ".",
        hint=(
            "remove or pseudonymise the identifying columns/values at the source and send "
            "only anonymised reports (row 1 = first row after the header); nothing from this "
            "file was computed or saved"
        ),
        file=str(source),
        columns=sorted({f.column for f in findings}),
        kinds=sorted({f.kind for f in findings}),
        findings=findings,
    )


# =======================================================================================
# Disclosure control: primary and secondary cell suppression

TOTAL_LABEL = "Totalt"
DEFAULT_MARKER = ".."


@dataclass(frozen=True)
class SuppressionResult:
    """A count table after disclosure control.

    Attributes
    ----------
    table
        Float counts, ``NaN`` where suppressed; with a ``"Totalt"`` row and column (or,
        for one-way tables, a ``"Totalt"`` entry) when totals were requested.
    suppressed
        True for every suppressed cell (primary and secondary), same shape as ``table``.
    primary
        True for the cells suppressed because 0 < n < ``min_cell``.
    min_cell
        The threshold that was applied.
    """

    table: pd.DataFrame | pd.Series
    suppressed: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series
    min_cell: int

    @property
    def secondary(self) -> pd.DataFrame | pd.Series:
        """Cells suppressed only to protect others."""
        return self.suppressed & ~self.primary

    def marked(self, marker: str = DEFAULT_MARKER) -> pd.DataFrame | pd.Series:
        """The table for display or CSV: integers, ``marker`` where suppressed (object
        dtype). Suppressed values are never present."""
        shown = self.table.astype(object)
        values = self.table.to_numpy()
        hidden = self.suppressed.to_numpy()
        flat = [marker if s else int(v) for v, s in zip(values.ravel(), hidden.ravel())]
        data = np.array(flat, dtype=object).reshape(values.shape)
        if isinstance(shown, pd.Series):
            return pd.Series(data, index=shown.index, name=shown.name, dtype=object)
        return pd.DataFrame(data, index=shown.index, columns=shown.columns, dtype=object)


def _as_counts(counts: pd.DataFrame | pd.Series, what: str) -> np.ndarray:
    try:
        values = counts.to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise InputDataError(
            f"The {what} for disclosure control holds non-numeric values.",
            hint="pass a table of non-negative whole-number counts",
        ) from error
    if np.isnan(values).any():
        raise InputDataError(
            f"The {what} for disclosure control has missing cells.",
            hint="fill empty cells with 0 (e.g. DataFrame.fillna(0)) before suppressing",
        )
    if (values < 0).any() or (values != np.round(values)).any():
        raise InputDataError(
            f"The {what} for disclosure control must hold non-negative whole numbers.",
            hint="suppress raw counts, not shares, means or differences",
        )
    return values


def _check_min_cell(min_cell: int) -> int:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ParameterError(
            f"min_cell must be a whole number ≥ 1, got {min_cell!r}.",
            hint="the usual threshold is 5 (min_cell = 5)",
            parameter="min_cell",
        )
    return int(min_cell)


def _bridges(edges: list[tuple[int, int]], n_rows: int) -> list[tuple[int, int]]:
    """Bridges of the bipartite graph rows↔columns whose edges are suppressed cells.

    A suppressed cell is exactly recoverable from the published margins and cells iff its
    edge is a bridge: it lies on no cycle of suppressed cells, so no alternating change of
    the unknowns keeps every row and column sum. (Tarjan's algorithm, iterative.)
    """
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for index, (r, c) in enumerate(edges):
        adjacency.setdefault(r, []).append((n_rows + c, index))
        adjacency.setdefault(n_rows + c, []).append((r, index))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: list[tuple[int, int]] = []
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for other, index in neighbours:
                if index == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, index, iter(adjacency[other])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(edges[via])
    return found


def _protect(values: np.ndarray, suppressed: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Add complementary suppressions until no suppressed cell is a bridge.

    ``values``/``suppressed``/``cost`` cover the table *including* its margins (the
    margins enter as cells with the opposite sign, which makes every line sum to zero, so
    rows and columns are the two sides of a bipartite graph whose edges are cells). For
    each bridge the cheapest path of non-zero cells that closes a cycle through it is
    suppressed (Dijkstra; already suppressed cells cost nothing). Complements are non-zero
    cells only: a suppressed true zero could be pinned by non-negativity. The greedy pass
    runs with a few bridge orders, drops complements that turn out unnecessary, and the
    cheapest outcome (suppressed total, then number of cells) wins; deterministic.
    """
    best: np.ndarray | None = None
    best_key: tuple[float, int] | None = None
    for order in ("first", "last", "largest", "smallest"):
        result = _prune(_protect_greedy(values, suppressed, cost, order), suppressed, cost)
        key = (float(cost[result & ~suppressed].sum()), int(result.sum()))
        if best_key is None or key < best_key:
            best, best_key = result, key
    assert best is not None
    return best


def _protect_greedy(
    values: np.ndarray, suppressed: np.ndarray, cost: np.ndarray, order: str
) -> np.ndarray:
    suppressed = suppressed.copy()
    n_rows = values.shape[0]
    usable = values > 0
    for _ in range(values.size + 1):
        edges = [(int(r), int(c)) for r, c in np.argwhere(suppressed)]
        bridges = _bridges(edges, n_rows)
        if not bridges:
            return suppressed
        bridges.sort()
        if order == "last":
            bridges.reverse()
        elif order in ("largest", "smallest"):
            bridges.sort(key=lambda cell: values[cell], reverse=order == "largest")
        path = _cheapest_cycle_path(bridges[0], usable | suppressed, suppressed, cost)
        if not path:  # nothing can hide this cell: hide every non-zero cell
            return suppressed | usable
        for cell in path:
            suppressed[cell] = True
    return suppressed


def _prune(result: np.ndarray, required: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Drop complementary cells (most expensive first) that no protection needs."""
    result = result.copy()
    n_rows = result.shape[0]
    extra = sorted(((float(cost[r, c]), int(r), int(c)) for r, c in
                    np.argwhere(result & ~required)), reverse=True)
    for _, r, c in extra:
        result[r, c] = False
        edges = [(int(i), int(j)) for i, j in np.argwhere(result)]
        if _bridges(edges, n_rows):
            result[r, c] = True
    return result


def _cheapest_cycle_path(
    bridge: tuple[int, int], allowed: np.ndarray, suppressed: np.ndarray, cost: np.ndarray
) -> list[tuple[int, int]]:
    """Cells to add so that ``bridge`` lies on a cycle: the cheapest path from its row to
    its column over allowed cells other than the bridge itself."""
    n_rows, n_cols = allowed.shape
    r0, c0 = bridge
    start, goal = ("r", r0), ("c", c0)
    best: dict[tuple[str, int], float] = {start: 0.0}
    previous: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int]]] = {}
    queue: list[tuple[float, int, tuple[str, int]]] = [(0.0, 0, start)]
    tie = 0
    while queue:
        distance, _, node = heapq.heappop(queue)
        if node == goal:
            break
        if distance > best.get(node, np.inf):
            continue
        side, k = node
        if side == "r":
            steps = [(("c", c), (k, c)) for c in np.flatnonzero(allowed[k, :])]
        else:
            steps = [(("r", r), (r, k)) for r in np.flatnonzero(allowed[:, k])]
        for other, cell in steps:
            cell = (int(cell[0]), int(cell[1]))
            other = (other[0], int(other[1]))
            if cell == (r0, c0):
                continue
            weight = 0.0 if suppressed[cell] else float(cost[cell])
            if distance + weight < best.get(other, np.inf):
                best[other] = distance + weight
                previous[other] = (node, cell)
                tie += 1
                heapq.heappush(queue, (distance + weight, tie, other))
    if goal not in previous:
        return []
    cells, node = [], goal
    while node != start:
        node, cell = previous[node]
        if not suppressed[cell]:
            cells.append(cell)
    return cells


def _forced(force: pd.DataFrame | None, index: list, columns: list) -> np.ndarray:
    if force is None:
        return np.zeros((len(index), len(columns)), dtype=bool)
    aligned = force.reindex(index=index, columns=columns).fillna(False).astype(bool)
    return aligned.to_numpy()


def suppress_counts(
    counts: pd.DataFrame,
    min_cell: int = 5,
    *,
    totals: bool = True,
    force: pd.DataFrame | None = None,
) -> SuppressionResult:
    """Suppress small cells of a two-way count table so that no small count can be read
    off or recovered from the published table and its totals.

    Primary suppression hides every cell with ``0 < n < min_cell`` — totals included: a
    row total of 3 reveals a small group as much as a cell of 3. True zeros are **not**
    suppressed (an empty cell says nothing about any person) and are never used as
    complements. Secondary (complementary) suppression then hides further cells so that no
    suppressed value can be recovered exactly from the published cells, the row and
    column totals and the grand total: in every row and column (the totals row/column
    included) a suppressed cell has at least one other suppressed cell, and, more
    strictly, every suppressed cell lies on a closed cycle of suppressed cells, so the
    linear system of published margins always leaves it undetermined. Complements are the
    smallest non-zero cells; a total is suppressed only when no inner cell can protect
    (for example a row whose only other cell is its total).

    Parameters
    ----------
    counts
        Rows × columns of non-negative whole-number counts (no totals).
    min_cell
        Smallest count that may be published (default 5).
    totals
        Add and protect a ``"Totalt"`` row and column (and grand total). Without totals
        primary suppression suffices unless the same counts are published elsewhere.
    force
        Optional boolean table (labels as in the result, ``"Totalt"`` included) of cells
        that must be suppressed as well, e.g. a total that a linked table published
        elsewhere had to suppress. They are protected like primary cells but not marked
        as primary.

    Returns
    -------
    SuppressionResult
        ``.table`` (float, NaN where suppressed), ``.suppressed``, ``.primary`` and
        ``.marked(marker="..")`` for display and CSV.

    Raises
    ------
    InputDataError
        When the table holds missing, negative, fractional or non-numeric values.
    """
    min_cell = _check_min_cell(min_cell)
    if not isinstance(counts, pd.DataFrame):
        raise InputDataError("suppress_counts expects a DataFrame (rows × columns).",
                             hint="use suppress_series for a one-way table")
    if isinstance(counts.index, pd.MultiIndex) or isinstance(counts.columns, pd.MultiIndex):
        raise InputDataError("suppress_counts expects a flat two-way table.",
                             hint="unstack to one row and one column dimension first")
    values = _as_counts(counts, "table")
    primary = (values > 0) & (values < min_cell)
    if totals:
        n_rows, n_cols = values.shape
        full = np.zeros((n_rows + 1, n_cols + 1))
        full[:n_rows, :n_cols] = values
        full[:n_rows, n_cols] = values.sum(axis=1)
        full[n_rows, :n_cols] = values.sum(axis=0)
        full[n_rows, n_cols] = values.sum()
        prim_full = (full > 0) & (full < min_cell)  # a small total is a small count too
        penalty = full.sum() + 1.0  # prefer any inner cell over a total
        cost = full.copy()
        cost[n_rows, :] += penalty
        cost[:, n_cols] += penalty
        cost[n_rows, n_cols] += penalty
        index = list(counts.index) + [TOTAL_LABEL]
        columns = list(counts.columns) + [TOTAL_LABEL]
        seeds = prim_full | _forced(force, index, columns)
        supp_full = _protect(full, seeds, cost) if seeds.any() else seeds
        values, primary, supp = full, prim_full, supp_full
    else:
        index, columns = list(counts.index), list(counts.columns)
        supp = primary | _forced(force, index, columns)
    idx = pd.Index(index, name=counts.index.name)
    cols = pd.Index(columns, name=counts.columns.name)
    table = pd.DataFrame(np.where(supp, np.nan, values), index=idx, columns=cols)
    return SuppressionResult(
        table=table,
        suppressed=pd.DataFrame(supp, index=idx, columns=cols),
        primary=pd.DataFrame(primary, index=idx, columns=cols),
        min_cell=min_cell,
    )


def suppress_series(
    counts: pd.Series,
    min_cell: int = 5,
    *,
    total: bool = True,
) -> SuppressionResult:
    """Suppress small cells of a one-way count table (e.g. answers per option).

    Cells with ``0 < n < min_cell`` are suppressed (true zeros are not), and so is a total
    under ``min_cell``. When a total is shown and any cell is suppressed, at least two
    cells are suppressed (the next smallest non-zero cell as complement) so the total
    cannot reveal one; if there is no other non-zero cell to use, the total is suppressed
    too.

    Returns
    -------
    SuppressionResult
        Whose ``table``, ``suppressed`` and ``primary`` are Series (with a ``"Totalt"``
        entry when ``total=True``) and whose ``marked()`` returns an object Series.
    """
    min_cell = _check_min_cell(min_cell)
    if isinstance(counts, pd.DataFrame):
        raise InputDataError("suppress_series expects a Series (one-way table).",
                             hint="use suppress_counts for a two-way table")
    values = _as_counts(pd.Series(counts), "series")
    primary = (values > 0) & (values < min_cell)
    supp = primary.copy()
    total_suppressed = False
    if total and 0 < values.sum() < min_cell:
        total_suppressed = True  # every non-zero cell is primary as well
    elif total and supp.sum() == 1:
        cost = np.where((values > 0) & ~supp, values, np.inf)
        if np.isfinite(cost).any():
            supp[int(np.argmin(cost))] = True
        else:
            total_suppressed = True
    index = list(counts.index)
    if total:
        primary = np.append(primary, 0 < values.sum() < min_cell)
        values = np.append(values, values.sum())
        supp = np.append(supp, total_suppressed)
        index.append(TOTAL_LABEL)
    idx = pd.Index(index, name=counts.index.name)
    return SuppressionResult(
        table=pd.Series(np.where(supp, np.nan, values), index=idx, name=counts.name),
        suppressed=pd.Series(supp, index=idx, name=counts.name),
        primary=pd.Series(primary, index=idx, name=counts.name),
        min_cell=min_cell,
    )
