"""Lokal lägesbild: the local situation picture from anonymised reports.

Reports from the municipality's operations (one row each: date, reporting unit, area,
theme, level of concern, age band, gender, optional free text) become counts per period,
area, theme and unit, changes against the previous period and the same period last year,
a heatmap, trend lines and a comparison with horizon-scanning themes.

Privacy comes first: :func:`load_reports` refuses a file holding direct personal
identifiers before anything is computed, and every published number comes from tables that
went through disclosure control (:func:`research.privacy.suppress_counts`). Charts,
sentences and comparisons are built from the suppressed tables only, so nothing shown can
reveal a suppressed cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ConfigError, InputDataError, ParameterError, SchemaError
from ..io.files import decode_text, read_yaml
from ..report.formatting import MONTHS, format_number, format_percent
from ..paths import resolve
from ..privacy.core import (
    DEFAULT_MARKER,
    TOTAL_LABEL,
    SuppressionResult,
    refuse_identifiable,
    suppress_counts,
    suppress_series,
)

__all__ = [
    "THEME_LABELS",
    "PERIOD_FREQUENCIES",
    "COLUMN_TYPES",
    "REQUIRED_ROLES",
    "WHOLE_MUNICIPALITY",
    "MIN_CELL_FLOOR",
    "NO_CHANGES_TEXT",
    "MAX_LISTED",
    "OKABE_ITO",
    "ColumnSpec",
    "Schema",
    "default_schema_path",
    "load_schema",
    "read_table",
    "ReportSet",
    "validate_reports",
    "load_reports",
    "period_label",
    "period_code",
    "SituationPicture",
    "build_picture",
    "current_table",
    "unit_table",
    "counts_table",
    "changes_table",
    "table_decimals",
    "largest_changes",
    "age_gender_table",
    "concern_table",
    "summary",
    "data_notes",
    "heatmap_figure",
    "trend_figure",
    "SCANNING_SWEDISH_COLUMNS",
    "read_scanning_themes",
    "compare_with_scanning",
    "comparison_figure",
]

def _shared_theme_labels() -> dict[str, str]:
    """The theme keys and Swedish labels of the shipped scanning taxonomy: one list, shared
    by the horizon scanning and the situation picture."""
    taxonomy = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "taxonomy.yaml")
                              .read_text(encoding="utf-8"))
    return {str(key): str(theme["label"]) for key, theme in taxonomy["themes"].items()}


#: The shared theme keys (contract with the horizon-scanning taxonomy) and their labels.
THEME_LABELS: dict[str, str] = _shared_theme_labels()
PERIOD_FREQUENCIES = {"month": "M", "quarter": "Q"}
COLUMN_TYPES = {"date", "category", "text", "int"}
DATE, UNIT, AREA, THEME, CONCERN, AGE, GENDER = (
    "datum", "forvaltning", "stadsdel", "kategori", "oroniva", "aldersgrupp", "kon",
)
REQUIRED_ROLES = (DATE, UNIT, AREA, THEME)
WHOLE_MUNICIPALITY = "Hela kommunen"
MIN_CELL_FLOOR = 3
NO_CHANGES_TEXT = ("Inga förändringar kan beskrivas utan att röja dolda celler eller så "
                   "saknas jämförbara perioder.")
MAX_LISTED = 10

# Okabe–Ito colour-blind-safe palette
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
}


# =======================================================================================
# Schema


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the report schema."""

    name: str
    type: str
    required: bool = True
    label: str = ""
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    missing: str | None = None

    def display(self, value: str) -> str:
        """The Swedish label readers see for a stored value."""
        return self.labels.get(value, value)


@dataclass(frozen=True)
class Schema:
    """The report schema: columns, allowed values, date rules, identifier rules."""

    columns: tuple[ColumnSpec, ...]
    name: str = ""
    earliest: dt.date | None = None
    after_as_of: str = "exclude"
    names: tuple[str, ...] = ()
    address_columns: tuple[str, ...] | None = None
    source: str = ""

    def column(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return any(spec.name == name for spec in self.columns)


def default_schema_path() -> Path:
    """The schema shipped with the package (``research/data/lagesbild_schema.yaml``)."""
    return Path(str(resources.files("research").joinpath("data/lagesbild_schema.yaml")))


def load_schema(path: str | Path | None = None) -> Schema:
    """Load a report schema from YAML; ``None`` or ``""`` loads the shipped default.

    A relative path is resolved against the project root.

    Raises
    ------
    ConfigError
        When the file is missing, not YAML or lacks required keys.
    """
    source = default_schema_path() if not path else resolve(path)
    data = read_yaml(source, what="Schema file", parameter="schema",
                     missing_hint="set `schema` to a YAML file like "
                     "src/research/data/lagesbild_schema.yaml, or leave it empty for the default")
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise ConfigError(f"Schema {source.name} has no `columns` list.",
                          hint="see the shipped lagesbild_schema.yaml", file=str(source))
    columns = []
    for number, raw in enumerate(data["columns"], start=1):
        if not isinstance(raw, dict) or not raw.get("name"):
            raise ConfigError(f"Schema {source.name}: column {number} has no name.",
                              hint="every column needs `name` and `type`", file=str(source))
        kind = str(raw.get("type", "text"))
        if kind not in COLUMN_TYPES:
            raise ConfigError(
                f"Schema {source.name}: column '{raw['name']}' has unknown type '{kind}'.",
                hint=f"use one of {', '.join(sorted(COLUMN_TYPES))}", file=str(source),
            )
        columns.append(ColumnSpec(
            name=str(raw["name"]),
            type=kind,
            required=bool(raw.get("required", True)),
            label=str(raw.get("label", raw["name"])),
            aliases=tuple(str(a) for a in raw.get("aliases", []) or []),
            allowed=tuple(str(a) for a in raw.get("allowed", []) or []),
            value_aliases={str(k): str(v) for k, v in (raw.get("aliases_values") or {}).items()},
            labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
            missing=None if raw.get("missing") is None else str(raw["missing"]),
        ))
    names = {spec.name for spec in columns}
    missing_roles = [role for role in REQUIRED_ROLES if role not in names]
    if missing_roles:
        raise ConfigError(
            f"Schema {source.name} lacks the column(s) {', '.join(missing_roles)}.",
            hint="a lägesbild needs date, unit, area and theme columns", file=str(source),
        )
    theme = next(spec for spec in columns if spec.name == THEME)
    unknown = [key for key in theme.allowed if key not in THEME_LABELS]
    if unknown:
        raise ConfigError(
            f"Schema {source.name}: theme key(s) {', '.join(unknown)} are not shared theme "
            "keys.",
            hint="use the keys of the scanning taxonomy: " + ", ".join(THEME_LABELS),
            file=str(source),
        )
    if not theme.labels:
        columns[[s.name for s in columns].index(THEME)] = ColumnSpec(
            **{**theme.__dict__, "labels": dict(THEME_LABELS)})
    dates = data.get("dates") or {}
    earliest = dates.get("earliest")
    after = str(dates.get("after_as_of", "exclude"))
    if after not in ("exclude", "error"):
        raise ConfigError(f"Schema {source.name}: dates.after_as_of must be 'exclude' or "
                          "'error'.", hint="choose one", file=str(source))
    identifiers = data.get("identifiers") or {}
    address_columns = identifiers.get("address_columns") or None
    try:
        earliest_date = dt.date.fromisoformat(str(earliest)) if earliest else None
    except ValueError as error:
        raise ConfigError(f"Schema {source.name}: dates.earliest is not an ISO date.",
                          hint="write it as 2015-01-01", file=str(source)) from error
    return Schema(
        columns=tuple(columns),
        name=str(data.get("name", source.stem)),
        earliest=earliest_date,
        after_as_of=after,
        names=tuple(str(n) for n in identifiers.get("names", []) or []),
        address_columns=None if address_columns is None else tuple(map(str, address_columns)),
        source=str(source),
    )


# =======================================================================================
# Reading


def _decode(data: bytes, source: str) -> str:
    """Text of an export of unknown encoding (see :func:`research.fileio.decode_text`)."""
    return decode_text(data, name=source)[0]


def _parse_csv(text: str, delimiter: str, source: str) -> pd.DataFrame:
    """Parse CSV text strictly: every row must have as many fields as the header (empty
    trailing fields aside), so that no value silently lands in the wrong column."""
    records = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)
               if any(cell.strip() for cell in row)]
    if not records:
        raise InputDataError(f"{source} is empty.", hint="export the reports again",
                             file=source)
    header = records[0]
    width = len(header)
    ragged = []
    for number, row in enumerate(records[1:], start=1):
        while len(row) > width and not row[-1].strip():
            row.pop()
        if len(row) > width:
            ragged.append(number)
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
    if ragged:
        raise InputDataError(
            f"{source} could not be read as a table: data row(s) {_rows(ragged)} have more "
            f"fields than the header ({width}).",
            hint="check separators and quoting in those rows (row 1 = first row after the "
            "header); a separator inside a text must be quoted",
            file=source, rows=ragged,
        )
    if len(set(header)) != len(header):
        raise InputDataError(f"{source}: the header has repeated column names.",
                             hint="give every column its own name", file=source)
    return pd.DataFrame(records[1:], columns=header, dtype=str)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells (nothing is converted yet).

    CSV files may be UTF-8 (with or without BOM), UTF-16 or cp1252, separated by comma,
    semicolon or tab. Every cell is a string with surrounding spaces stripped; empty cells
    are ``""``. The file is only read, never changed.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, empty or not a table.
    """
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise InputDataError(
            f"Reports file not found: {path}",
            hint="set `reports` to a CSV or XLSX file, relative to the project root",
            file=str(path),
        )
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        elif suffix in (".csv", ".txt", ".tsv"):
            text = _decode(path.read_bytes(), source)
            if not text.strip():
                raise InputDataError(f"{source} is empty.", hint="export the reports again",
                                     file=source)
            sample = text[:4096]
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
            frame = _parse_csv(text, delimiter, source)
        else:
            raise InputDataError(
                f"{source}: unsupported file type '{suffix}'.",
                hint="use a .csv or .xlsx file", file=source,
            )
    except InputDataError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError,
            KeyError, UnicodeDecodeError) as error:
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise InputDataError(
            f"{source} could not be read as a table: {detail}",
            hint="check that every row has as many separators as the header row",
            file=source,
        ) from error
    except Exception as error:  # openpyxl raises many types for a broken workbook
        raise InputDataError(
            f"{source} could not be read as an Excel workbook ({type(error).__name__}).",
            hint="open and save it again in Excel, or export it as CSV UTF-8",
            file=source,
        ) from error
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda column: column.astype(str).str.strip())
    frame = frame.loc[~(frame == "").all(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise InputDataError(f"{source} holds no reports (only a header or empty rows).",
                             hint="export the reports again", file=source)
    return frame


# =======================================================================================
# Validation


@dataclass(frozen=True)
class ReportSet:
    """Validated reports, ready for counting.

    Attributes
    ----------
    data
        One row per report: ``datum`` (Timestamp) and the schema's categorical columns
        with canonical values (free text is dropped: it is never counted or shown).
    schema
        The schema used.
    source
        The file name.
    as_of
        The reference date (reports after it are excluded).
    rows_read
        Rows in the file.
    excluded_after_as_of
        Reports dated after ``as_of`` (left out).
    """

    data: pd.DataFrame
    schema: Schema
    source: str
    as_of: dt.date
    rows_read: int
    excluded_after_as_of: int = 0


def _key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _short(value: str, limit: int = 40) -> str:
    value = str(value)
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _rows(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED])
    return shown + (f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else "")


def _parse_as_of(as_of: str | dt.date | None, dates: pd.Series) -> dt.date:
    if as_of in (None, ""):
        return dates.max().date()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError as error:
        raise ParameterError(
            f"as_of {str(as_of)!r} is not a date.",
            hint="write it as YYYY-MM-DD (e.g. 2026-09-30) or leave it empty for the latest "
            "report date", parameter="as_of",
        ) from error


def _match_columns(frame: pd.DataFrame, schema: Schema, source: str) -> dict[str, str]:
    """Map schema column names to the file's headers (case-insensitive, with aliases)."""
    headers = {_key(h): h for h in frame.columns}
    mapping: dict[str, str] = {}
    missing = []
    for spec in schema.columns:
        found = [headers[_key(n)] for n in (spec.name, *spec.aliases) if _key(n) in headers]
        found = list(dict.fromkeys(found))
        if len(found) > 1:
            raise SchemaError(
                f"{source}: columns {', '.join(repr(f) for f in found)} all mean "
                f"'{spec.name}'.",
                hint="keep one of them", file=source, column=spec.name,
            )
        if found:
            mapping[spec.name] = found[0]
        elif spec.required:
            missing.append(spec.name)
    if missing:
        raise SchemaError(
            f"{source}: missing required column(s) {', '.join(repr(m) for m in missing)}; "
            f"the file has {', '.join(repr(str(c)) for c in frame.columns)}.",
            hint="rename the headers to the schema's column names (see the schema file) or "
            "add the columns",
            file=source, columns=missing,
        )
    return mapping


def validate_reports(
    frame: pd.DataFrame,
    schema: Schema,
    *,
    source: str = "reports",
    as_of: str | dt.date | None = None,
    today: dt.date | None = None,
) -> ReportSet:
    """Check reports against the schema and return canonical data.

    Every problem found is collected and reported at once (at most ten per kind): missing
    columns, empty required values, unknown categories (naming column, data row and
    value), unreadable dates, dates before the schema's earliest date or in the future.
    Reports dated after ``as_of`` are excluded (or an error with
    ``dates.after_as_of: error``).

    Raises
    ------
    SchemaError
        Naming the file, column(s), row numbers (1 = first row after the header) and
        values, with a hint on what to do.
    """
    today = today or dt.date.today()
    mapping = _match_columns(frame, schema, source)
    problems: list[str] = []
    clean = pd.DataFrame(index=frame.index)
    for spec in schema.columns:
        if spec.type == "text" or spec.name not in mapping:
            if spec.type != "text" and spec.name not in mapping and spec.missing is not None:
                clean[spec.name] = spec.missing
            continue
        values = frame[mapping[spec.name]].astype(str).str.strip()
        header = mapping[spec.name]
        empty = values == ""
        if spec.required and empty.any():
            rows = [int(i) + 1 for i in np.flatnonzero(empty.to_numpy())]
            problems.append(f"column '{header}' is empty in row(s) {_rows(rows)}")
        if spec.type == "date":
            parsed = pd.to_datetime(values.where(~empty), format="ISO8601", errors="coerce")
            bad = parsed.isna() & ~empty
            if bad.any():
                rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
                example = values[bad].iloc[0]
                problems.append(
                    f"column '{header}' has dates that are not YYYY-MM-DD in row(s) "
                    f"{_rows(rows)} (e.g. {_short(example)})")
            parsed = parsed.dt.normalize()
            too_early = parsed.notna() & (schema.earliest is not None) & (
                parsed < pd.Timestamp(schema.earliest or dt.date.min))
            future = parsed.notna() & (parsed > pd.Timestamp(today))
            for mask, what in ((too_early, f"before {schema.earliest}"), (future,
                                                                          "in the future")):
                if mask.any():
                    rows = [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]
                    problems.append(f"column '{header}' has dates {what} in row(s) "
                                    f"{_rows(rows)}")
            clean[spec.name] = parsed
        elif spec.type == "int":
            numbers = pd.to_numeric(values.where(~empty), errors="coerce")
            bad = numbers.isna() & ~empty
            if bad.any():
                rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
                problems.append(f"column '{header}' has non-numbers in row(s) {_rows(rows)}")
            clean[spec.name] = numbers
        else:  # category
            lookup = {_key(a): a for a in spec.allowed}
            lookup.update({_key(k): v for k, v in spec.value_aliases.items()})
            lookup.update({_key(label): key for key, label in spec.labels.items()})
            normalised = values.str.replace(r"^(\d+)\.0$", r"\1", regex=True).map(_key)
            canonical = normalised.map(lookup)
            if spec.missing is not None:
                canonical = canonical.where(~empty, spec.missing)
            unknown = canonical.isna() & ~empty
            if unknown.any() and spec.allowed:
                for value, positions in values[unknown].groupby(values[unknown]).indices.items():
                    rows = [int(values[unknown].index[p]) + 1 for p in positions]
                    problems.append(
                        f"column '{header}' has unknown value {_short(value)} in row(s) "
                        f"{_rows(rows)}")
            elif not spec.allowed:
                canonical = values.where(~empty)
            clean[spec.name] = canonical
    if problems:
        more = len(problems) - MAX_LISTED
        listed = "; ".join(problems[:MAX_LISTED]) + (f"; and {more} more problems"
                                                     if more > 0 else "")
        raise SchemaError(
            f"{source} does not match the schema: {listed}.",
            hint="correct the rows in the source system or extend the schema's allowed "
            "values (row 1 = first row after the header); see "
            f"{Path(schema.source).name or 'the schema'} for the allowed values",
            file=source, problems=problems,
        )
    reference = _parse_as_of(as_of, clean[DATE])
    after = clean[DATE] > pd.Timestamp(reference)
    if after.any() and schema.after_as_of == "error":
        rows = [int(i) + 1 for i in np.flatnonzero(after.to_numpy())]
        raise SchemaError(
            f"{source}: reports dated after as_of {reference} in row(s) {_rows(rows)}.",
            hint="set as_of to a later date or remove the rows", file=source,
        )
    data = clean.loc[~after].reset_index(drop=True)
    if data.empty:
        raise InputDataError(
            f"{source} holds no reports dated on or before {reference}.",
            hint="check as_of and the date column", file=source,
        )
    return ReportSet(data=data, schema=schema, source=source, as_of=reference,
                     rows_read=len(frame), excluded_after_as_of=int(after.sum()))


def load_reports(
    path: str | Path,
    schema: Schema | str | Path | None = None,
    *,
    as_of: str | dt.date | None = None,
) -> ReportSet:
    """Read, privacy-check and validate a reports file — in that order.

    The file is first scanned for direct personal identifiers (personnummer and
    samordningsnummer with a valid check digit, the schema's stated names, e-mail,
    phone numbers, exact street addresses); if any is found a
    :class:`~research.errors.PrivacyError` naming the columns and rows (never the value)
    is raised before anything is computed or written. Then the schema is checked.
    """
    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    frame = read_table(path)
    source = Path(path).name
    refuse_identifiable(frame, names=schema.names, source=source,
                        address_columns=schema.address_columns)
    return validate_reports(frame, schema, source=source, as_of=as_of)


# =======================================================================================
# Periods


def _check_period(period: str) -> str:
    if period not in PERIOD_FREQUENCIES:
        raise ParameterError(
            f"period must be 'month' or 'quarter', got {period!r}.",
            hint="set period = 'quarter' (kvartal) or 'month' (månad)", parameter="period",
        )
    return period


def period_label(period: pd.Period) -> str:
    """Swedish label for running text: ``"kvartal 3 2026"``, ``"september 2026"``."""
    if period.freqstr.startswith("Q"):
        return f"kvartal {period.quarter} {period.year}"
    return f"{MONTHS[period.month - 1]} {period.year}"


def period_code(period: pd.Period) -> str:
    """Short label for tables and axes: ``"2026 K3"``, ``"2026-09"``."""
    if period.freqstr.startswith("Q"):
        return f"{period.year} K{period.quarter}"
    return f"{period.year}-{period.month:02d}"


def _unit_word(period: str) -> tuple[str, str, str]:
    """(noun, 'föregående …', 'samma … förra året') in Swedish."""
    if period == "quarter":
        return "kvartal", "föregående kvartal", "samma kvartal förra året"
    return "månad", "föregående månad", "samma månad förra året"


# =======================================================================================
# The picture


@dataclass
class SituationPicture:
    """Counts per period after disclosure control, and what is built from them.

    Attributes
    ----------
    period
        ``"month"`` or ``"quarter"``.
    current, previous, last_year
        The current period (containing ``as_of``), the one before it and the same period
        one year earlier.
    periods
        Every period from the first report to ``current``.
    area_tables
        Area × theme counts per period after suppression (with totals).
    unit_table
        Unit × theme counts of the current period after suppression (with totals).
    concern
        Reports per level of concern in the current period after suppression.
    complete
        False when ``as_of`` falls before the end of the current period.
    """

    period: str
    as_of: dt.date
    min_cell: int
    current: pd.Period
    previous: pd.Period
    last_year: pd.Period
    periods: list[pd.Period]
    areas: list[str]
    themes: list[str]
    units: list[str]
    area_tables: dict[pd.Period, SuppressionResult]
    unit_table: SuppressionResult
    concern: SuppressionResult | None
    complete: bool
    reports: ReportSet

    # --- labels -----------------------------------------------------------------------
    @property
    def current_label(self) -> str:
        return period_label(self.current)

    @property
    def theme_labels(self) -> dict[str, str]:
        spec = self.reports.schema.column(THEME)
        return {key: spec.display(key) for key in self.themes}

    def total(self, period: pd.Period, area: str = TOTAL_LABEL,
              theme: str = TOTAL_LABEL) -> float:
        """A published count (NaN when suppressed or outside the data)."""
        table = self.area_tables.get(period)
        if table is None:
            return math.nan
        return float(table.table.loc[area, theme])

    def suppressed_cells(self) -> int:
        """Suppressed inner cells (area × theme) of the current period's table."""
        hidden = self.area_tables[self.current].suppressed.loc[self.areas, self.themes]
        return int(hidden.to_numpy().sum())


def _crosstab(data: pd.DataFrame, rows: str, columns: str, row_values: list[str],
              column_values: list[str]) -> pd.DataFrame:
    table = pd.crosstab(data[rows], data[columns]) if not data.empty else pd.DataFrame()
    table = table.reindex(index=row_values, columns=column_values, fill_value=0)
    table.index.name, table.columns.name = rows, columns
    return table.fillna(0).astype(int)


def _linked(tables: list[pd.DataFrame], min_cell: int) -> list[SuppressionResult]:
    """Suppress tables that share their column totals (the "Totalt" row) consistently: a
    shared total suppressed in one table is suppressed in all, until stable."""
    force: pd.DataFrame | None = None
    results: list[SuppressionResult] = []
    for _ in range(20):
        results = [suppress_counts(t, min_cell, force=force) for t in tables]
        shared = np.zeros(results[0].suppressed.shape[1], dtype=bool)
        for result in results:
            shared |= result.suppressed.loc[TOTAL_LABEL].to_numpy()
        new = pd.DataFrame([shared], index=[TOTAL_LABEL], columns=results[0].table.columns)
        if force is not None and new.equals(force):
            break
        if force is None and not shared.any():
            break
        force = new
    return results


def build_picture(
    reports: ReportSet,
    period: str = "quarter",
    min_cell: int = 5,
) -> SituationPicture:
    """Count reports per period × area × theme and per unit, with disclosure control.

    Each period's area × theme table (with totals) is suppressed with
    :func:`research.privacy.suppress_counts`; the current period's unit × theme table is
    suppressed consistently with it (they share the theme totals).

    Parameters
    ----------
    reports
        From :func:`load_reports`.
    period
        ``"quarter"`` or ``"month"``.
    min_cell
        Smallest count published (at least 3; default 5).
    """
    period = _check_period(period)
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or (
            min_cell < MIN_CELL_FLOOR):
        raise ParameterError(
            f"min_cell must be a whole number of at least {MIN_CELL_FLOOR}, got {min_cell!r}.",
            hint="the usual threshold is 5", parameter="min_cell",
        )
    freq = PERIOD_FREQUENCIES[period]
    data = reports.data.copy()
    data["period"] = data[DATE].dt.to_period(freq)
    current = pd.Period(reports.as_of, freq=freq)
    previous = current - 1
    last_year = current - (4 if period == "quarter" else 12)
    first = min(data["period"].min(), last_year)
    periods = list(pd.period_range(first, current, freq=freq))
    schema = reports.schema

    def ordered(column: str) -> list[str]:
        seen = set(data[column].dropna())
        spec = schema.column(column)
        listed = [v for v in spec.allowed if v in seen]
        return listed + sorted(seen - set(listed))

    areas, themes, units = ordered(AREA), ordered(THEME), ordered(UNIT)
    area_tables: dict[pd.Period, SuppressionResult] = {}
    unit_table: SuppressionResult | None = None
    for each in periods:
        rows = data.loc[data["period"] == each]
        area_counts = _crosstab(rows, AREA, THEME, areas, themes)
        if each == current:
            unit_counts = _crosstab(rows, UNIT, THEME, units, themes)
            area_tables[each], unit_table = _linked([area_counts, unit_counts], min_cell)
        else:
            area_tables[each] = suppress_counts(area_counts, min_cell)
    assert unit_table is not None
    concern = None
    if schema.has(CONCERN) and CONCERN in data:
        levels = schema.column(CONCERN).allowed or sorted(data[CONCERN].dropna().unique())
        now = data.loc[data["period"] == current, CONCERN]
        concern = suppress_series(now.value_counts().reindex(levels, fill_value=0), min_cell)
    end = current.end_time.date()
    return SituationPicture(
        period=period, as_of=reports.as_of, min_cell=int(min_cell), current=current,
        previous=previous, last_year=last_year, periods=periods, areas=areas, themes=themes,
        units=units, area_tables=area_tables, unit_table=unit_table, concern=concern,
        complete=reports.as_of >= end, reports=reports,
    )


# =======================================================================================
# Tables for the briefing (all from suppressed tables; Swedish column names)


def _by_theme(result: SuppressionResult, picture: SituationPicture,
              marker: str = DEFAULT_MARKER) -> pd.DataFrame:
    """One row per theme (Swedish label), one column per area/unit, then "Totalt"."""
    marked = result.marked(marker).T
    labels = picture.theme_labels
    marked.index = [labels.get(key, key) for key in marked.index]
    marked.index.name = "Tema"
    marked.columns.name = None
    return marked.reset_index()


def current_table(picture: SituationPicture) -> pd.DataFrame:
    """Theme × area counts of the current period, suppressed cells as ".."."""
    return _by_theme(picture.area_tables[picture.current], picture)


def unit_table(picture: SituationPicture) -> pd.DataFrame:
    """Theme × reporting unit counts of the current period (``by_unit.csv``)."""
    return _by_theme(picture.unit_table, picture)


def counts_table(picture: SituationPicture) -> pd.DataFrame:
    """Every period × area × theme count, newest period first (``counts.csv``).

    Columns: Period, Stadsdel, Tema, Temanyckel, Antal (".." where suppressed — never
    the value), Dold (ja/nej). Totals appear as "Totalt".
    """
    labels = picture.theme_labels
    frames = []
    for each in reversed(picture.periods):
        result = picture.area_tables[each]
        marked = result.marked().stack(future_stack=True).rename("Antal")
        hidden = result.suppressed.stack(future_stack=True).rename("Dold")
        long = pd.concat([marked, hidden], axis=1).reset_index()
        long.columns = ["Stadsdel", "Temanyckel", "Antal", "Dold"]
        long.insert(0, "Period", period_code(each))
        long.insert(2, "Tema", long["Temanyckel"].map(lambda k: labels.get(k, k)))
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def _change(now: float, then: float) -> tuple[float, float]:
    if math.isnan(now) or math.isnan(then):
        return math.nan, math.nan
    return now - then, (now - then) / then * 100 if then else math.nan


def changes_table(picture: SituationPicture) -> pd.DataFrame:
    """Change per area × theme (and totals) against the previous period and the same
    period last year: absolute and relative (%). Built from published cells only; a
    comparison with a suppressed cell shows ".."."""
    labels = picture.theme_labels
    rows = []
    for area in [TOTAL_LABEL, *picture.areas]:
        for theme in [TOTAL_LABEL, *picture.themes]:
            now = picture.total(picture.current, area, theme)
            before = picture.total(picture.previous, area, theme)
            year = picture.total(picture.last_year, area, theme)
            change, relative = _change(now, before)
            change_year, relative_year = _change(now, year)
            previous_code = period_code(picture.previous)
            year_code = period_code(picture.last_year)
            rows.append({
                "Stadsdel": area,
                "Tema": labels.get(theme, theme),
                period_code(picture.current): now,
                previous_code: before,
                f"Förändring mot {previous_code}": change,
                f"Förändring mot {previous_code} (%)": relative,
                year_code: year,
                f"Förändring mot {year_code}": change_year,
                f"Förändring mot {year_code} (%)": relative_year,
            })
    table = pd.DataFrame(rows)
    suppressed_marker = DEFAULT_MARKER
    value_columns = [period_code(picture.current), period_code(picture.previous),
                     period_code(picture.last_year)]
    out = table.astype(object)
    for column in table.columns[2:]:
        if column in value_columns:
            out[column] = pd.Series(
                [suppressed_marker if pd.isna(v) else int(v) for v in table[column]],
                dtype=object)
        else:
            out[column] = pd.Series(
                [None if pd.isna(v) else (round(float(v), 1) if "%" in column else int(v))
                 for v in table[column]], dtype=object)
    return out


def table_decimals(table: pd.DataFrame) -> dict[str, int]:
    """Decimals for display: one for percentage columns (names ending in "(%)")."""
    return {column: 1 for column in table.columns if str(column).endswith("(%)")}


def largest_changes(picture: SituationPicture, n: int = 3) -> list[str]:
    """The ``n`` largest changes against the previous period in plain Swedish.

    Only cells published in both periods (never a suppressed cell) are used; ranked by
    absolute change.
    """
    _, previous_word, _ = _unit_word(picture.period)
    candidates = []
    for area in picture.areas:
        for theme in picture.themes:
            now = picture.total(picture.current, area, theme)
            before = picture.total(picture.previous, area, theme)
            if math.isnan(now) or math.isnan(before) or now == before:
                continue
            candidates.append((abs(now - before), now, before, area, theme))
    candidates.sort(key=lambda item: (-item[0], item[3], item[4]))
    sentences = []
    for _, now, before, area, theme in candidates[:n]:
        sentences.append(_change_sentence(picture, area, theme, now, before, previous_word))
    return sentences


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _place(area: str) -> str:
    if area == WHOLE_MUNICIPALITY:
        return "som gäller hela kommunen"
    if area == TOTAL_LABEL:
        return "i hela kommunen"
    return f"i {area}"


def _change_sentence(picture: SituationPicture, area: str, theme: str, now: float,
                     before: float, comparison: str) -> str:
    label = _lower_first(picture.theme_labels.get(theme, theme))
    verb = "ökade" if now > before else "minskade"
    return (f"Rapporter om {label} {_place(area)} {verb} från {format_number(before)} till "
            f"{format_number(now)} jämfört med {comparison}.")


def age_gender_table(picture: SituationPicture) -> tuple[pd.DataFrame | None, str]:
    """Age band × gender for the current period, only when every cell passes ``min_cell``.

    Returns ``(table, "")`` or ``(None, reason)`` with a Swedish reason to show instead.
    Zero cells pass (they say nothing about anyone).
    """
    schema = picture.reports.schema
    if not (schema.has(AGE) and schema.has(GENDER)):
        return None, "Underlaget saknar åldersgrupp eller kön."
    data = picture.reports.data
    rows = data.loc[data[DATE].dt.to_period(PERIOD_FREQUENCIES[picture.period])
                    == picture.current]
    ages = [a for a in schema.column(AGE).allowed if a in set(rows[AGE])]
    genders = [g for g in schema.column(GENDER).allowed if g in set(rows[GENDER])]
    table = _crosstab(rows, AGE, GENDER, ages, genders)
    small = ((table > 0) & (table < picture.min_cell)).to_numpy().sum()
    if table.empty or small:
        return None, (
            f"Fördelningen på åldersgrupp och kön visas inte för {picture.current_label}: "
            f"minst en kombination har färre än {picture.min_cell} rapporter, och en sådan "
            "uppdelning kan peka ut enskilda personer.")
    table = table.copy()
    table[TOTAL_LABEL] = table.sum(axis=1)
    table.loc[TOTAL_LABEL] = table.sum(axis=0)
    table.index.name = "Åldersgrupp"
    table.columns.name = None
    return table.reset_index(), ""


def concern_table(picture: SituationPicture) -> pd.DataFrame:
    """Reports per level of concern in the current period (suppressed); empty when the
    schema has no concern column."""
    if picture.concern is None:
        return pd.DataFrame({"Orosnivå": [], "Antal rapporter": []})
    marked = picture.concern.marked()
    return pd.DataFrame({"Orosnivå": marked.index, "Antal rapporter": list(marked)})


# =======================================================================================
# Summary and notes


def _signed_percent(value: float) -> str:
    text = format_percent(value, 0, ratio=False)
    return ("+" + text) if value > 0 else text


def summary(picture: SituationPicture) -> tuple[list[str], dict[str, object]]:
    """3–5 key findings in plain Swedish and the key figures, from published cells only."""
    noun, previous_word, year_word = _unit_word(picture.period)
    label = picture.current_label
    now = picture.total(picture.current)
    before = picture.total(picture.previous)
    year = picture.total(picture.last_year)
    findings: list[str] = []
    figures: dict[str, object] = {}
    if math.isnan(now):
        findings.append(f"Färre än {picture.min_cell} rapporter kom in under {label}; "
                        "antalet redovisas därför inte.")
    else:
        sentence = f"Under {label} kom {format_number(now)} rapporter in"
        if not picture.complete:
            sentence += f" (till och med {picture.as_of.isoformat()})"
        if not math.isnan(before) and before:
            change = (now - before) / before * 100
            direction = "fler" if now > before else "färre" if now < before else "lika många"
            if direction == "lika många":
                sentence += f", lika många som under {previous_word}"
            else:
                sentence += (f", {format_percent(abs(change), 0, ratio=False)} {direction} än "
                             f"under {previous_word} ({format_number(before)})")
        findings.append(sentence + ".")
        figures[f"Rapporter {label}"] = int(now)
    for word, then in ((previous_word, before), (year_word, year)):
        if not math.isnan(now) and not math.isnan(then) and then:
            figures[f"Förändring mot {word}"] = _signed_percent((now - then) / then * 100)
    theme_totals = {t: picture.total(picture.current, TOTAL_LABEL, t) for t in picture.themes}
    published = {t: v for t, v in theme_totals.items() if not math.isnan(v) and v > 0}
    if published and not math.isnan(now) and now:
        top = max(published, key=lambda t: (published[t], t))
        findings.append(
            f"Flest rapporter gällde {_lower_first(picture.theme_labels[top])}: "
            f"{format_number(published[top])} av {format_number(now)} "
            f"({format_percent(published[top] / now, 0)}).")
    area_totals = {a: picture.total(picture.current, a) for a in picture.areas
                   if a != WHOLE_MUNICIPALITY}
    area_published = {a: v for a, v in area_totals.items() if not math.isnan(v) and v > 0}
    if area_published:
        top_area = max(area_published, key=lambda a: (area_published[a], a))
        findings.append(f"Flest rapporter om en enskild stadsdel gällde {top_area} "
                        f"({format_number(area_published[top_area])}).")
    changes = largest_changes(picture, 1)
    if changes:
        findings.append("Störst förändring: " + _lower_first(changes[0]))
    hidden = picture.suppressed_cells()
    cells = len(picture.areas) * len(picture.themes)
    figures["Dolda celler"] = f"{format_number(hidden)} av {format_number(cells)}"
    if hidden:
        findings.append(
            f"{format_number(hidden)} av {format_number(cells)} celler i tabellen över "
            "stadsdel och tema döljs (..) "
            f"eftersom de bygger på färre än {picture.min_cell} rapporter eller skulle kunna "
            "räknas fram ur andra celler.")
    return findings[:5], figures


def data_notes(picture: SituationPicture) -> list[str]:
    """Swedish notes on data and method for 'Om underlaget'."""
    reports = picture.reports
    noun, _, _ = _unit_word(picture.period)
    first = reports.data[DATE].min().date().isoformat()
    notes = [
        f"Underlaget är filen {reports.source} med {format_number(reports.rows_read)} "
        f"anonymiserade rapporter från kommunens verksamheter, daterade {first} till "
        f"{reports.data[DATE].max().date().isoformat()}.",
        f"Lägesbilden avser {picture.current_label} (till och med "
        f"{picture.as_of.isoformat()}) och redovisas per {noun}.",
        "Varje rapport räknas en gång. En person kan förekomma i flera rapporter och flera "
        "verksamheter kan rapportera samma händelse, så antalen beskriver rapporter, inte "
        "personer.",
        f"Röjandekontroll: celler med 1–{picture.min_cell - 1} rapporter döljs (..). "
        "Ytterligare celler döljs så att ingen dold cell kan räknas fram ur rad- och "
        "kolumnsummor (sekundär undertryckning). Nollor visas. Diagram och meningar bygger "
        "enbart på de redovisade cellerna.",
        "Filen kontrollerades före all bearbetning: personnummer, samordningsnummer, namn "
        "från en fastställd lista, e-postadresser, telefonnummer och gatuadresser stoppar "
        "körningen. Fritexten i underlaget används inte i lägesbilden.",
        f"Schema: {reports.schema.name}.",
    ]
    if reports.excluded_after_as_of:
        notes.insert(2, f"{format_number(reports.excluded_after_as_of)} rapporter daterade "
                        f"efter {picture.as_of.isoformat()} ingår inte.")
    if not picture.complete:
        notes.insert(2, f"{picture.current_label.capitalize()} är inte avslutat; jämförelser "
                        "med hela perioder kan därför visa en minskning som inte är verklig.")
    return notes


# =======================================================================================
# Figures (from suppressed tables only)


def _wrap(text: str, width: int = 16) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def heatmap_figure(picture: SituationPicture) -> Any:
    """Heatmap of the current period: one row per theme, one column per area (as in
    :func:`current_table`), suppressed cells hatched with "..".

    Every cell carries its number (never colour alone); the sequential colour map is
    reversed cividis (light = few, dark = many; readable with colour-vision deficiencies);
    zero cells are white.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ..report.display import attach_alt

    result = picture.area_tables[picture.current]
    values = result.table.loc[picture.areas, picture.themes].to_numpy(dtype=float).T
    hidden = result.suppressed.loc[picture.areas, picture.themes].to_numpy().T
    labels = [picture.theme_labels[t] for t in picture.themes]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.05 * len(picture.areas) + 4.2),
                                    max(3.0, 0.48 * len(labels) + 1.6)))
    top = max(float(np.nanmax(values)) if np.isfinite(values).any() else 1.0, 1.0)
    image = ax.imshow(np.ma.masked_where(~np.isfinite(values) | (values == 0), values),
                      cmap="cividis_r", vmin=0, vmax=top, aspect="auto")
    cmap = image.get_cmap()
    for (i, j), value in np.ndenumerate(values):
        if hidden[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="white",
                                   edgecolor="#555555", hatch="///", linewidth=0.5))
            ax.text(j, i, "..", ha="center", va="center", fontsize=10, fontweight="bold",
                    color="black", bbox={"facecolor": "white", "edgecolor": "none", "pad": 2})
        elif value == 0:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="white",
                                   edgecolor="#bbbbbb", linewidth=0.5))
            ax.text(j, i, "0", ha="center", va="center", fontsize=9, color="#333333")
        else:
            r, g, b, _ = cmap(value / top)
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
            ax.text(j, i, format_number(value), ha="center", va="center", fontsize=9,
                    color="black" if light else "white")
    ax.set_xticks(range(len(picture.areas)), [_wrap(a, 12) for a in picture.areas],
                  fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), [_wrap(label, 34) for label in labels], fontsize=8)
    ax.set_title(f"Rapporter per tema och stadsdel, {picture.current_label}", pad=28)
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("Antal rapporter")
    fig.tight_layout()
    finite = np.where(hidden, -1, np.nan_to_num(values, nan=-1))
    i, j = np.unravel_index(int(np.argmax(finite)), finite.shape)
    if finite[i, j] > 0:
        main = (f"Flest rapporter: {_lower_first(picture.theme_labels[picture.themes[i]])} "
                f"{_place(picture.areas[j])} ({format_number(finite[i, j])}).")
    else:
        main = "Inga redovisade celler har rapporter."
    alt = (f"Värmekarta över antal rapporter per tema och stadsdel under "
           f"{picture.current_label}. {main} {int(hidden.sum())} celler är dolda (..) av "
           "integritetsskäl och visas randiga utan färg.")
    return attach_alt(fig, alt)


def trend_figure(picture: SituationPicture, max_periods: int | None = None) -> Any:
    """Small multiples: reports per theme and period (published theme totals only).

    A suppressed total leaves a gap marked "..". The current period is marked with a
    larger orange diamond; lines are blue with round markers (never colour alone).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..report.display import attach_alt

    periods = picture.periods[-max_periods:] if max_periods else picture.periods
    codes = [period_code(p) for p in periods]
    themes = picture.themes
    columns = 3 if len(themes) > 4 else max(1, len(themes))
    rows = math.ceil(len(themes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.3 * rows + 0.6),
                             sharex=True, squeeze=False)
    rising: list[tuple[float, str]] = []
    for k, theme in enumerate(themes):
        ax = axes[k // columns][k % columns]
        values = np.array([picture.total(p, TOTAL_LABEL, theme) for p in periods])
        x = np.arange(len(periods))
        ax.plot(x, values, color=OKABE_ITO["blue"], marker="o", markersize=3.5, linewidth=1.6)
        if not math.isnan(values[-1]):
            ax.plot(x[-1], values[-1], marker="D", markersize=7, color=OKABE_ITO["orange"],
                    markeredgecolor="black", linestyle="none")
        for position in np.flatnonzero(np.isnan(values)):
            ax.text(x[position], 0, "..", ha="center", va="bottom", fontsize=8)
        ax.set_title(_wrap(picture.theme_labels[theme], 30), fontsize=9)
        ax.set_ylim(bottom=0, top=max(np.nanmax(values) * 1.2, 5) if np.isfinite(values).any()
                    else 5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.tick_params(labelsize=7)
        step = max(1, len(periods) // 4)
        ax.set_xticks(x[::step], [codes[i] for i in range(0, len(codes), step)], rotation=30)
        if len(values) >= 2 and not math.isnan(values[-1]) and not math.isnan(values[-2]):
            rising.append((values[-1] - values[-2], theme))
    for k in range(len(themes), rows * columns):
        axes[k // columns][k % columns].set_visible(False)
    fig.suptitle(f"Rapporter per tema och {_unit_word(picture.period)[0]}, "
                 f"{period_label(periods[0])}–{picture.current_label}", fontsize=11)
    fig.supylabel("Antal rapporter", fontsize=9)
    fig.tight_layout()
    if rising:
        change, theme = max(rising, key=lambda item: (item[0], item[1]))
        fall, fall_theme = min(rising, key=lambda item: (item[0], item[1]))
        main = (f"Störst ökning senaste {_unit_word(picture.period)[0]}et: "
                f"{_lower_first(picture.theme_labels[theme])} ({'+' if change > 0 else ''}"
                f"{format_number(change)}). Störst minskning: "
                f"{_lower_first(picture.theme_labels[fall_theme])} ({format_number(fall)}).")
    else:
        main = "Det finns för få redovisade perioder för att beskriva förändringen."
    alt = (f"Linjediagram i {len(themes)} små rutor, en per tema, med antal rapporter per "
           f"{_unit_word(picture.period)[0]} från {period_label(periods[0])} till "
           f"{picture.current_label}; den senaste perioden är markerad med en orange romb. "
           + main)
    return attach_alt(fig, alt)


# =======================================================================================
# Comparison with horizon scanning


SCANNING_SWEDISH_COLUMNS = {"tema": "theme", "perioden": "current", "baslinjen": "baseline"}


def read_scanning_themes(path: str | Path) -> pd.DataFrame:
    """Read an omvärldsbevakning run's ``themes.csv``.

    The contract is the columns ``theme`` (shared key), ``current``, ``baseline``,
    ``change``, ``significance``; only ``theme`` and ``current`` are required. The Swedish
    display table (``Tema`` as label, ``Perioden``, ``Baslinjen``) is accepted too, its
    labels mapped back to the shared keys. Rows whose theme is not a shared key (e.g.
    "övrigt") are dropped.
    """
    frame = read_table(path)
    source = Path(path).name
    columns = {c.strip().casefold(): c for c in frame.columns}
    if "theme" not in columns and "tema" in columns:
        columns = {SCANNING_SWEDISH_COLUMNS.get(k, k): v for k, v in columns.items()}
    missing = [c for c in ("theme", "current") if c not in columns]
    if missing:
        raise SchemaError(
            f"{source}: missing column(s) {', '.join(missing)}; the file has "
            f"{', '.join(repr(c) for c in frame.columns)}.",
            hint="compare_scanning must point at themes.csv from an omvärldsbevakning run",
            file=source, columns=missing,
        )
    frame = frame.rename(columns={v: k for k, v in columns.items()})
    current = pd.to_numeric(frame["current"], errors="coerce")
    bad = current.isna() | (current < 0)
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
        raise SchemaError(f"{source}: column 'current' is not a count in row(s) {_rows(rows)}.",
                          hint="use the themes.csv written by the scanning notebook",
                          file=source, column="current")
    frame["current"] = current
    by_label = {_key(label): key for key, label in THEME_LABELS.items()}
    by_label.update({_key(key): key for key in THEME_LABELS})
    frame["theme"] = frame["theme"].map(lambda value: by_label.get(_key(value)))
    frame = frame.loc[frame["theme"].notna()].reset_index(drop=True)
    if frame.empty:
        raise SchemaError(
            f"{source} holds none of the shared theme keys.",
            hint="the scanning taxonomy and the lägesbild must use the same theme keys: "
            + ", ".join(THEME_LABELS), file=source,
        )
    return frame


def compare_with_scanning(picture: SituationPicture, themes: pd.DataFrame) -> pd.DataFrame:
    """Local report counts per theme (current period, published totals) beside the
    horizon-scanning counts, both also as shares of their own total over the shared
    themes.

    Local counts that are suppressed show ".." and get no share.
    """
    scanning = themes.groupby("theme")["current"].sum()
    keys = [key for key in THEME_LABELS if key in picture.themes or key in scanning.index]
    local = {k: picture.total(picture.current, TOTAL_LABEL, k) if k in picture.themes else 0.0
             for k in keys}
    local_total = picture.total(picture.current)
    scanning_total = float(scanning.reindex(keys).fillna(0).sum())
    rows = []
    for key in keys:
        value = local[key]
        hits = float(scanning.get(key, 0))
        rows.append({
            "Tema": THEME_LABELS[key],
            "Lokala rapporter": DEFAULT_MARKER if math.isnan(value) else int(value),
            "Andel lokalt (%)": None if (math.isnan(value) or not local_total
                                        or math.isnan(local_total))
            else round(value / local_total * 100, 1),
            "Omvärldsbevakning (träffar)": int(hits),
            "Andel i omvärldsbevakningen (%)": round(hits / scanning_total * 100, 1)
            if scanning_total else None,
        })
    return pd.DataFrame(rows)


def comparison_figure(comparison: pd.DataFrame, picture: SituationPicture) -> Any:
    """Paired horizontal bars: share of local reports vs share of scanning hits per theme.

    Local bars are solid blue, scanning bars orange with hatching, each bar labelled with
    its value; suppressed local shares are marked "..".
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..report.display import attach_alt

    table = comparison.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(table))
    local = pd.to_numeric(table["Andel lokalt (%)"], errors="coerce").to_numpy(dtype=float)
    scan = pd.to_numeric(table["Andel i omvärldsbevakningen (%)"],
                         errors="coerce").to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.6))
    ax.barh(y + 0.2, np.nan_to_num(local), height=0.38, color=OKABE_ITO["blue"],
            label="Lokala rapporter")
    ax.barh(y - 0.2, np.nan_to_num(scan), height=0.38, color=OKABE_ITO["orange"],
            hatch="//", edgecolor="black", linewidth=0.4, label="Omvärldsbevakning")
    for position, (a, b) in enumerate(zip(local, scan)):
        ax.text((0 if math.isnan(a) else a) + 0.5, position + 0.2,
                ".." if math.isnan(a) else format_percent(a, 0, ratio=False),
                va="center", fontsize=7)
        ax.text((0 if math.isnan(b) else b) + 0.5, position - 0.2,
                "–" if math.isnan(b) else format_percent(b, 0, ratio=False),
                va="center", fontsize=7)
    ax.set_yticks(y, [_wrap(t, 34) for t in table["Tema"]], fontsize=8)
    ax.set_xlabel("Andel av respektive källa (%)")
    ax.set_title(f"Lokala rapporter och omvärldsbevakning per tema, {picture.current_label}")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, max(np.nanmax(np.r_[local, scan, 1]) * 1.2, 5))
    fig.tight_layout()
    gaps = [(abs(a - b), t, a, b) for t, a, b in zip(table["Tema"], local, scan)
            if not (math.isnan(a) or math.isnan(b))]
    if gaps:
        _, theme, a, b = max(gaps)
        main = (f"Störst skillnad gäller {_lower_first(theme)}: "
                f"{format_percent(a, 0, ratio=False)} av de lokala rapporterna mot "
                f"{format_percent(b, 0, ratio=False)} av träffarna i omvärldsbevakningen.")
    else:
        main = "Inga teman kan jämföras."
    alt = ("Liggande stapeldiagram som för varje tema jämför andelen lokala rapporter "
           "(blå, hel) med andelen träffar i omvärldsbevakningen (orange, randig). " + main)
    return attach_alt(fig, alt)
