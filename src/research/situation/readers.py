"""Readers for the lägesbild: the report schema, the reports file and a scanning run's
themes — each returned as validated data, nothing computed or written.

Files are read by the one table reader (:func:`research.io.tables.read_table`); a reports
file is scanned for direct personal identifiers before anything else is done with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import ConfigError, InputDataError, ParameterError, SchemaError
from ..io.files import read_yaml
from ..io.tables import read_table as _read_any_table
from ..paths import resolve
from ..privacy import refuse_identifiable

__all__ = [
    "THEME_LABELS",
    "PERIOD_FREQUENCIES",
    "COLUMN_TYPES",
    "DATE",
    "UNIT",
    "AREA",
    "THEME",
    "CONCERN",
    "AGE",
    "GENDER",
    "REQUIRED_ROLES",
    "WHOLE_MUNICIPALITY",
    "MIN_CELL_FLOOR",
    "MAX_LISTED",
    "ColumnSpec",
    "Schema",
    "default_schema_path",
    "load_schema",
    "read_table",
    "ReportSet",
    "validate_reports",
    "load_reports",
    "SCANNING_SWEDISH_COLUMNS",
    "read_scanning_themes",
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
MAX_LISTED = 10


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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a reports file (CSV, TSV, XLSX …) as text cells with the one table reader
    (:func:`research.io.tables.read_table`: encoding, delimiter, strict shape, duplicate
    headers and limits handled there). The file is only read, never changed.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, empty or not a table.
    """
    return _read_any_table(path, what="reports file", parameter="reports")


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


def _row_numbers(mask: pd.Series) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]


def _dates(values: pd.Series, empty: pd.Series, header: str, spec: ColumnSpec, schema: Schema,
           today: dt.date, problems: list[str]) -> pd.Series:
    """ISO dates, none before the schema's earliest date or in the future."""
    parsed = pd.to_datetime(values.where(~empty), format="ISO8601", errors="coerce")
    bad = parsed.isna() & ~empty
    if bad.any():
        problems.append(f"column '{header}' has dates that are not YYYY-MM-DD in row(s) "
                        f"{_rows(_row_numbers(bad))} (e.g. {_short(values[bad].iloc[0])})")
    parsed = parsed.dt.normalize()
    too_early = parsed.notna() & (schema.earliest is not None) & (
        parsed < pd.Timestamp(schema.earliest or dt.date.min))
    future = parsed.notna() & (parsed > pd.Timestamp(today))
    for mask, what in ((too_early, f"before {schema.earliest}"), (future, "in the future")):
        if mask.any():
            problems.append(f"column '{header}' has dates {what} in row(s) "
                            f"{_rows(_row_numbers(mask))}")
    return parsed


def _integers(values: pd.Series, empty: pd.Series, header: str, spec: ColumnSpec,
              schema: Schema, today: dt.date, problems: list[str]) -> pd.Series:
    numbers = pd.to_numeric(values.where(~empty), errors="coerce")
    bad = numbers.isna() & ~empty
    if bad.any():
        problems.append(f"column '{header}' has non-numbers in row(s) "
                        f"{_rows(_row_numbers(bad))}")
    return numbers


def _categories(values: pd.Series, empty: pd.Series, header: str, spec: ColumnSpec,
                schema: Schema, today: dt.date, problems: list[str]) -> pd.Series:
    """Canonical category values (allowed values, their aliases and labels)."""
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
            problems.append(f"column '{header}' has unknown value {_short(value)} in row(s) "
                            f"{_rows(rows)}")
    elif not spec.allowed:
        canonical = values.where(~empty)
    return canonical


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
        checker = {"date": _dates, "int": _integers}.get(spec.type, _categories)
        clean[spec.name] = checker(values, empty, header, spec, schema, today, problems)
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
    frame = read_table(path)  # the reports file: messages name the 'reports' parameter
    source = Path(path).name
    refuse_identifiable(frame, names=schema.names, source=source,
                        address_columns=schema.address_columns)
    return validate_reports(frame, schema, source=source, as_of=as_of)


# =======================================================================================
# A scanning run's themes


SCANNING_SWEDISH_COLUMNS = {"tema": "theme", "perioden": "current", "baslinjen": "baseline"}


def read_scanning_themes(path: str | Path) -> pd.DataFrame:
    """Read an omvärldsbevakning run's ``themes.csv``.

    The contract is the columns ``theme`` (shared key), ``current``, ``baseline``,
    ``change``, ``significance``; only ``theme`` and ``current`` are required. The Swedish
    display table (``Tema`` as label, ``Perioden``, ``Baslinjen``) is accepted too, its
    labels mapped back to the shared keys. Rows whose theme is not a shared key (e.g.
    "övrigt") are dropped.
    """
    frame = _read_any_table(path, what="scanning themes file", parameter="compare_scanning")
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
