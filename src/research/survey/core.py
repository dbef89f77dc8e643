"""Survey analysis: readers, codebook validation, design-based estimates, Likert
reporting, scales and free-text themes.

- **Readers** (:func:`read_survey`): CSV (delimiter and decimal comma detected; UTF-8,
  UTF-8 with BOM or cp1252), XLSX and SPSS ``.sav`` (value labels and user-missing codes
  read with pyreadstat). The data are validated against a :class:`Codebook`; every
  problem names the file, the column, the row and the value.
- **Estimates** (:class:`SurveyDesign`): means, totals and proportions with standard
  errors and 95 % confidence intervals under a stratified one-stage cluster design with
  weights and finite population correction, by Taylor linearisation — the estimator of
  R's ``survey`` package (``svydesign(id=, strata=, weights=, fpc=)``, ``svymean``,
  ``svytotal``, ``svyciprop(method="logit")``, ``svychisq(statistic="F")``).
- **Likert reporting**: response distributions with disclosure control, diverging stacked
  bar charts and group comparisons (Rao–Scott, Mann–Whitney/Kruskal–Wallis with effect
  sizes).
- **Scales**: indices with reverse-coded items and :func:`cronbach_alpha` (Feldt CI,
  α if item deleted), the estimator of pingouin.
- **Free text**: themes (Swedish lemmas, TF-IDF + NMF) with counts and masked quotes.

Disclosure control (cell suppression, identifier masking) is not implemented here; it is
:mod:`research.privacy`, used by every table this module produces for publication.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputDataError, ParameterError, SchemaError
from ..io.files import read_yaml
from ..report.formatting import format_number, format_percent
from ..privacy.core import mask_identifiers, suppress_counts, suppress_series

__all__ = [
    "VARIABLE_TYPES",
    "OTHER_GROUPS_LABEL",
    "MISSING_LABEL",
    "MAX_ERRORS_SHOWN",
    "LIKERT_WORDS",
    "DIVERGING_PALETTES",
    "OKABE_ITO",
    "LINE_COLOURS",
    "Variable",
    "Codebook",
    "parse_codebook",
    "load_codebook",
    "codebook_from_sav",
    "DECIMAL_COMMA",
    "NUMBER",
    "read_table",
    "Survey",
    "read_survey",
    "validate",
    "CrosstabResult",
    "SurveyDesign",
    "design_from_parameters",
    "combine_small_groups",
    "suppressed_estimates",
    "LikertTable",
    "likert_table",
    "likert_figure",
    "agreement_share",
    "compare_groups",
    "AlphaResult",
    "cronbach_alpha",
    "reverse_code",
    "scale_items",
    "compute_indices",
    "reliability_table",
    "group_column",
    "add_group_columns",
    "estimates_table",
    "table_decimals",
    "add_agreement_columns",
    "crosstabs_table",
    "group_tests",
    "response_rates",
    "item_response",
    "Themes",
    "read_names",
    "mask_answers",
    "free_text_themes",
    "tokenize_words",
    "estimates_figure",
    "SurveyAnalysis",
    "default_blocks",
    "analyse",
    "index_figure",
    "summary_findings",
]

VARIABLE_TYPES = ("likert", "categorical", "numeric", "text", "id")
OTHER_GROUPS_LABEL = "Övriga grupper"
MISSING_LABEL = "Ej svar"
MAX_ERRORS_SHOWN = 10
LIKERT_WORDS = re.compile(
    r"instämmer|håller med|nöjd|missnöjd|varken|ganska|mycket|aldrig|ibland|ofta|alltid|"
    r"bra|dålig|viktig|sannolik|agree|satisfied|never|often|always", re.IGNORECASE)

# ColorBrewer PuOr (colour-blind safe diverging), neutral in the middle.
DIVERGING_PALETTES = {
    2: ["#e66101", "#5e3c99"],
    3: ["#e66101", "#d9d9d9", "#5e3c99"],
    4: ["#e66101", "#fdb863", "#b2abd2", "#5e3c99"],
    5: ["#e66101", "#fdb863", "#d9d9d9", "#b2abd2", "#5e3c99"],
    6: ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"],
    7: ["#b35806", "#f1a340", "#fee0b6", "#d9d9d9", "#d8daeb", "#998ec3", "#542788"],
}
# Okabe–Ito, for categorical series.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"]
# Okabe–Ito without yellow, for lines and markers on white
LINE_COLOURS = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"]


# =======================================================================================
# Codebook


@dataclass
class Variable:
    """One variable (column) of a survey as described by the codebook."""

    name: str
    label: str = ""
    type: str = "categorical"
    values: dict[int | float | str, str] = field(default_factory=dict)
    missing: dict[int | float | str, str] = field(default_factory=dict)
    reverse: bool = False
    block: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def codes(self) -> list[Any]:
        """Valid substantive codes in scale order."""
        return list(self.values)


@dataclass
class Codebook:
    """What the survey's columns mean: question texts, scales, missing codes, indices.

    Attributes
    ----------
    variables
        Variables by column name, in codebook order.
    title
        The survey's title.
    blocks
        Likert blocks: ``{name: {"label": str, "items": [columns]}}``.
    indices
        Scales made of items: ``{name: {"label": str, "items": [columns],
        "min_items": int}}``.
    background
        Background variables (groups for breakdowns).
    free_text
        Columns with open answers.
    invited
        Optional response-rate information: ``{"variable": column, "counts":
        {group: invited}}``.
    """

    variables: dict[str, Variable]
    title: str = ""
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    background: list[str] = field(default_factory=list)
    free_text: list[str] = field(default_factory=list)
    invited: dict[str, Any] = field(default_factory=dict)
    source: str = "codebook"

    def label(self, name: str) -> str:
        """The question text / label of a column (its name when unknown)."""
        variable = self.variables.get(name)
        if variable is not None and variable.label:
            return variable.label
        if name in self.indices:
            return str(self.indices[name].get("label") or name)
        return name

    def value_label(self, name: str, code: Any) -> str:
        """The label of a code of a column (the code itself when unlabelled)."""
        variable = self.variables.get(name)
        if variable is None:
            return str(code)
        for mapping in (variable.values, variable.missing):
            for key, text in mapping.items():
                if _same_code(key, code):
                    return text
        return _code_text(code)

    def likert_items(self, block: str | None = None) -> list[str]:
        """Likert items, of one block or all, in codebook order."""
        if block is not None:
            if block not in self.blocks:
                raise ParameterError(f"Unknown Likert block {block!r}.",
                                     hint=f"known blocks: {', '.join(self.blocks) or 'none'}",
                                     parameter="block")
            return list(self.blocks[block]["items"])
        return [v.name for v in self.variables.values() if v.type == "likert"]

    def to_dict(self) -> dict[str, Any]:
        """A plain dictionary in the YAML layout read by :func:`load_codebook`."""
        variables: dict[str, Any] = {}
        for v in self.variables.values():
            entry: dict[str, Any] = {"label": v.label, "type": v.type}
            if v.values:
                entry["values"] = {_yaml_key(k): t for k, t in v.values.items()}
            if v.missing:
                entry["missing"] = {_yaml_key(k): t for k, t in v.missing.items()}
            if v.reverse:
                entry["reverse"] = True
            if v.minimum is not None:
                entry["min"] = v.minimum
            if v.maximum is not None:
                entry["max"] = v.maximum
            variables[v.name] = entry
        out: dict[str, Any] = {"title": self.title, "variables": variables}
        for key in ("blocks", "indices", "background", "free_text", "invited"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


def _yaml_key(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _code_text(code: Any) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _same_code(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def _code_key(value: Any) -> Any:
    """Normalise a YAML key / cell value to a comparable code (numbers as float)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def _mapping(raw: Any, where: str, source: str) -> dict[Any, str]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {_code_key(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):  # a plain list of labels: codes 1..k
        return {float(i + 1): str(v) for i, v in enumerate(raw)}
    raise SchemaError(f"{source}: {where} must be a mapping code → label.",
                      hint="write e.g. 'values: {1: Instämmer inte alls, 5: Instämmer helt}'",
                      file=source)


def parse_codebook(raw: Mapping[str, Any], source: str = "codebook") -> Codebook:
    """Build a :class:`Codebook` from the YAML structure (see ``data/sample/enkat``).

    Raises
    ------
    SchemaError
        For an unknown type, a scale or block that refers to an unknown variable, or a
        malformed section; the message names the codebook file and the entry.
    """
    if not isinstance(raw, Mapping) or not isinstance(raw.get("variables"), Mapping):
        raise SchemaError(f"{source}: the codebook has no 'variables' section.",
                          hint="start from `research survey codebook FILE.sav` or the sample "
                          "data/sample/enkat/kodbok.yaml", file=source)
    value_sets = {name: _mapping(v, f"value_sets.{name}", source)
                  for name, v in (raw.get("value_sets") or {}).items()}
    global_missing = _mapping(raw.get("missing"), "missing", source)
    variables: dict[str, Variable] = {}
    for name, spec in raw["variables"].items():
        name = str(name)
        spec = spec or {}
        if isinstance(spec, str):
            spec = {"label": spec}
        if not isinstance(spec, Mapping):
            raise SchemaError(f"{source}: variable {name!r} must be a mapping.", file=source,
                              column=name)
        kind = str(spec.get("type", "categorical"))
        if kind not in VARIABLE_TYPES:
            raise SchemaError(f"{source}: variable {name!r} has unknown type {kind!r}.",
                              hint=f"use one of {', '.join(VARIABLE_TYPES)}", file=source,
                              column=name)
        values = spec.get("values")
        if isinstance(values, str):
            if values not in value_sets:
                raise SchemaError(f"{source}: variable {name!r} refers to unknown value set "
                                  f"{values!r}.", hint="define it under 'value_sets'",
                                  file=source, column=name)
            values = dict(value_sets[values])
        else:
            values = _mapping(values, f"variables.{name}.values", source)
        missing = dict(global_missing) if kind in ("likert", "categorical", "numeric") else {}
        missing.update(_mapping(spec.get("missing"), f"variables.{name}.missing", source))
        if kind == "likert" and len(values) < 2:
            raise SchemaError(f"{source}: Likert item {name!r} needs at least two labelled "
                              "values.", hint="give 'values' or a value set", file=source,
                              column=name)
        variables[name] = Variable(
            name=name, label=str(spec.get("label", "") or ""), type=kind, values=values,
            missing=missing, reverse=bool(spec.get("reverse", False)),
            block=spec.get("block"),
            minimum=None if spec.get("min") is None else float(spec["min"]),
            maximum=None if spec.get("max") is None else float(spec["max"]),
        )
    blocks = {}
    for name, spec in (raw.get("blocks") or {}).items():
        items = list((spec or {}).get("items") or [])
        blocks[str(name)] = {"label": str((spec or {}).get("label", name)), "items": items}
    for name, variable in variables.items():  # items that name their block
        if variable.block and variable.block not in blocks:
            blocks[variable.block] = {"label": variable.block, "items": []}
        if variable.block and name not in blocks[variable.block]["items"]:
            blocks[variable.block]["items"].append(name)
    indices = {}
    for name, spec in (raw.get("indices") or raw.get("scales") or {}).items():
        spec = spec or {}
        items = list(spec.get("items") or [])
        indices[str(name)] = {"label": str(spec.get("label", name)), "items": items,
                              "min_items": int(spec.get("min_items", max(1, len(items) // 2)))}
    codebook = Codebook(
        variables=variables, title=str(raw.get("title", "") or ""), blocks=blocks,
        indices=indices, background=[str(b) for b in raw.get("background") or []],
        free_text=[str(f) for f in raw.get("free_text") or []],
        invited=dict(raw.get("invited") or {}), source=source,
    )
    _check_references(codebook)
    return codebook


def _check_references(codebook: Codebook) -> None:
    source = codebook.source
    for section, entries in (("blocks", codebook.blocks), ("indices", codebook.indices)):
        for name, spec in entries.items():
            if not spec["items"]:
                raise SchemaError(f"{source}: {section}.{name} has no items.", file=source)
            for item in spec["items"]:
                variable = codebook.variables.get(item)
                if variable is None:
                    raise SchemaError(f"{source}: {section}.{name} refers to unknown variable "
                                      f"{item!r}.", hint="list it under 'variables'",
                                      file=source, column=item)
                if section == "indices" and variable.type not in ("likert", "numeric"):
                    raise SchemaError(f"{source}: {section}.{name}: item {item!r} is not a "
                                      "Likert or numeric variable.", file=source, column=item)
    for name in [*codebook.background, *codebook.free_text]:
        if name not in codebook.variables:
            raise SchemaError(f"{source}: {name!r} is listed as background/free text but is "
                              "not under 'variables'.", file=source, column=name)


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook YAML file; see :func:`parse_codebook`."""
    path = Path(path)
    raw = read_yaml(path, what="Codebook", error=SchemaError, parameter="codebook",
                    missing_hint="check the 'codebook' parameter (relative to the project root)")
    return parse_codebook(raw or {}, source=str(path))


def codebook_from_sav(path: str | Path) -> Codebook:
    """A starting codebook from an SPSS file's variable labels, value labels and
    user-missing values (Likert items are guessed: 4–7 labelled consecutive codes)."""
    meta = _read_sav(Path(path), metadata_only=True)[1]
    return _codebook_from_meta(meta, Path(path))


def _codebook_from_meta(meta: Any, path: Path) -> Codebook:
    variables: dict[str, Variable] = {}
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    for name in meta.column_names:
        value_labels = {_code_key(k): str(v)
                        for k, v in (meta.variable_value_labels.get(name) or {}).items()}
        missing_codes: dict[Any, str] = {}
        for item in (meta.missing_ranges or {}).get(name, []) or []:
            lo, hi = item.get("lo"), item.get("hi")
            if lo is not None and lo == hi:
                key = _code_key(lo)
                missing_codes[key] = value_labels.pop(key, MISSING_LABEL)
        for item in (meta.missing_user_values or {}).get(name, []) or []:
            key = _code_key(item)
            missing_codes[key] = value_labels.pop(key, MISSING_LABEL)
        kind_raw = meta.readstat_variable_types.get(name, "double")
        if kind_raw == "string":
            kind = "text"
        elif value_labels:
            codes = sorted(k for k in value_labels if isinstance(k, float))
            consecutive = codes == [codes[0] + i for i in range(len(codes))] if codes else False
            scale_words = any(LIKERT_WORDS.search(label) for label in value_labels.values())
            likert = consecutive and 4 <= len(codes) <= 7 and (scale_words or missing_codes)
            kind = "likert" if likert else "categorical"
        else:
            kind = "numeric"
        variables[name] = Variable(name=name, label=str(labels.get(name) or ""), type=kind,
                                   values=value_labels, missing=missing_codes)
    return Codebook(variables=variables, title=str(meta.file_label or ""), source=str(path))


# =======================================================================================
# Readers


def _decode(raw: bytes, path: Path) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else cp1252; never guess silently
    between more than these: the file must be one of them."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InputDataError(
            f"{path}: the file is neither UTF-8 nor Windows-1252 text (byte "
            f"{error.start}).", hint="save it as CSV UTF-8 from Excel", file=str(path)
        ) from error
    return text


def _sniff_delimiter(text: str) -> str:
    """The delimiter (``;``, ``,``, tab or ``|``) that splits the header into the most
    fields with the same number of fields in the first 50 records; commas inside free
    text or decimal commas do not fool it."""
    best, best_fields = ",", 1
    for delimiter in (";", "\t", "|", ","):
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            records = [r for _, r in zip(range(51), reader) if r]
        except csv.Error:
            continue
        if not records:
            continue
        fields = len(records[0])
        if fields > best_fields and all(len(r) == fields for r in records):
            best, best_fields = delimiter, fields
    if best_fields == 1:  # no consistent candidate: the header decides
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in ";\t|,"}
        best = max(counts, key=counts.get) if max(counts.values()) else ","
    return best


DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _check_field_counts(text: str, delimiter: str, path: Path) -> None:
    """Every record must have as many fields as the header: a short row is broken, not
    a row of empty answers."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
        for record in reader:
            if record and len(record) != len(header):
                raise InputDataError(
                    f"{path}: line {reader.line_num} has {len(record)} fields, the header "
                    f"{len(header)}.", hint="check for a missing or extra delimiter "
                    f"({delimiter!r}) or unquoted text containing it", file=str(path),
                    row=reader.line_num)
    except csv.Error as error:
        raise InputDataError(f"{path}: broken CSV ({error}).", file=str(path)) from error


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or XLSX file into a DataFrame of strings/numbers, unvalidated.

    CSV: encoding UTF-8, UTF-8 with BOM or cp1252; delimiter ``;``, ``,``, tab or ``|``
    detected. Values are kept as text (``""`` → missing); :func:`validate` converts them.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"Survey data not found: {path}",
                             hint="check the 'data' parameter (relative to the project root)",
                             file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        except Exception as error:  # openpyxl raises many types for broken files
            raise InputDataError(f"{path}: cannot read the Excel file ({type(error).__name__}:"
                                 f" {error}).", hint="open it in Excel and save as .xlsx again",
                                 file=str(path)) from error
    elif suffix in (".csv", ".txt", ".tsv"):
        text = _decode(path.read_bytes(), path)
        if not text.strip():
            raise InputDataError(f"{path}: the file is empty.", hint="export the survey "
                                 "again with a header row", file=str(path))
        delimiter = _sniff_delimiter(text)
        _check_field_counts(text, delimiter, path)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str,
                                keep_default_na=False, na_values=[], skipinitialspace=True)
        except (pd.errors.ParserError, csv.Error) as error:
            raise InputDataError(f"{path}: broken CSV ({error}).",
                                 hint="every row must have as many fields as the header; "
                                 "quote text containing the delimiter", file=str(path)) from error
        frame.attrs["delimiter"] = delimiter
    else:
        raise InputDataError(f"{path}: unsupported file type {suffix!r}.",
                             hint="use .csv, .xlsx or .sav", file=str(path))
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if duplicated:
        raise InputDataError(f"{path}: duplicate column {duplicated[0]!r}.",
                             hint="give every column a unique name", file=str(path),
                             column=duplicated[0])
    if frame.empty:
        raise InputDataError(f"{path}: no data rows.", hint="the file has a header only",
                             file=str(path))
    return frame


def _read_sav(path: Path, metadata_only: bool = False) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    if not path.is_file():
        raise InputDataError(f"Survey data not found: {path}", file=str(path))
    try:
        return pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True,
                                   metadataonly=metadata_only)
    except Exception as error:  # pyreadstat.ReadstatError and friends
        raise InputDataError(f"{path}: cannot read the SPSS file ({error}).",
                             hint="check that it is an uncorrupted .sav file", file=str(path)
                             ) from error


@dataclass
class Survey:
    """A validated survey: analysis data, the codebook and what was declared missing.

    Attributes
    ----------
    data
        One row per respondent; Likert/categorical/numeric columns are floats with declared
        missing codes set to NaN; text columns strings.
    codebook
        The codebook the data were validated against.
    missing
        Per column, the count of each declared missing code and of empty answers
        (columns ``variable``, ``code``, ``label``, ``n``).
    source
        The data file.
    """

    data: pd.DataFrame
    codebook: Codebook
    missing: pd.DataFrame
    source: str


def read_survey(data: str | Path, codebook: str | Path | Codebook | None = None) -> Survey:
    """Read and validate survey data.

    Parameters
    ----------
    data
        A ``.csv``, ``.xlsx`` or ``.sav`` file.
    codebook
        A codebook YAML file or :class:`Codebook`; optional for ``.sav``, whose variable
        labels, value labels and user-missing codes are used.

    Raises
    ------
    InputDataError, SchemaError
        Naming file, column, row and value for each problem.
    """
    path = Path(data)
    meta_codebook = None
    if path.suffix.lower() == ".sav":
        frame, meta = _read_sav(path)
        meta_codebook = _codebook_from_meta(meta, path)
        row_offset = 1  # SPSS cases are numbered from 1
    else:
        frame = read_table(path)
        row_offset = 2  # the header is line 1
    if isinstance(codebook, Codebook):
        book = codebook
    elif codebook:
        book = load_codebook(codebook)
    elif meta_codebook is not None:
        book = meta_codebook
    else:
        raise ParameterError(f"{path}: a codebook is needed for {path.suffix} files.",
                             hint="give the 'codebook' parameter (YAML); only .sav files carry "
                             "their own labels", parameter="codebook")
    if meta_codebook is not None and book is not meta_codebook:
        _fill_labels(book, meta_codebook)
    clean, missing = validate(frame, book, source=str(path), row_offset=row_offset)
    return Survey(data=clean, codebook=book, missing=missing, source=str(path))


def _fill_labels(book: Codebook, meta: Codebook) -> None:
    """Take question texts and user-missing codes from the .sav file where the YAML
    codebook has none (a code declared missing in SPSS stays missing)."""
    for name, variable in book.variables.items():
        other = meta.variables.get(name)
        if other is None:
            continue
        if not variable.label:
            variable.label = other.label
        if variable.type in ("likert", "categorical", "numeric"):
            for code, label in other.missing.items():
                if not any(_same_code(code, known) for known in variable.missing):
                    variable.missing[code] = label


def _to_number(value: Any) -> float | None:
    """A cell as a float; None when it is not a number. Decimal comma accepted."""
    if value is None:
        return math.nan
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text == "" or text.lower() == "nan":
        return math.nan
    if DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    if NUMBER.match(text):
        return float(text)
    return None


def _cell_text(value: Any) -> str | None:
    """A text cell, stripped; None for empty or missing."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating))
                                           and math.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def validate(frame: pd.DataFrame, codebook: Codebook, *, source: str = "data",
             row_offset: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check ``frame`` against ``codebook`` and return analysis data and missing counts.

    Every coded column must exist; Likert/categorical cells must be a labelled or a
    declared missing code; numeric cells numbers within ``min``/``max``. Declared missing
    codes become NaN (and are counted). Columns not in the codebook are kept unchanged.

    Raises
    ------
    SchemaError
        Listing up to ten problems; the first names file, column, row and value. Row
        numbers are as in the file (``row_offset``: 2 for a CSV/XLSX header row).
    """
    missing_columns = [n for n, v in codebook.variables.items() if n not in frame.columns]
    if missing_columns:
        raise SchemaError(
            f"{source}: column(s) {', '.join(repr(c) for c in missing_columns)} from the "
            "codebook are missing in the data.",
            hint="check the column names (and the delimiter) or update the codebook",
            file=source, column=missing_columns[0], columns=missing_columns)
    clean = frame.copy()
    problems: list[dict[str, Any]] = []
    missing_rows: list[dict[str, Any]] = []
    for name, variable in codebook.variables.items():
        column = frame[name]
        if variable.type in ("text", "id"):
            values = pd.Series([_cell_text(v) for v in column.to_numpy()], index=column.index,
                               dtype=object)
            clean[name] = values
            if variable.type == "id" and values.dropna().duplicated().any():
                position = int(np.flatnonzero(values.duplicated(keep="first")
                                              & values.notna())[0])
                problems.append({"column": name, "row": position + row_offset,
                                 "value": values.iloc[position],
                                 "why": "duplicate respondent id"})
            continue
        numbers = np.full(len(column), np.nan)
        missing_codes = {_code_key(k): t for k, t in variable.missing.items()}
        counted: dict[Any, int] = {}
        empty = 0
        for position, raw in enumerate(column.to_numpy()):
            number = _to_number(raw)
            if number is None:
                problems.append({"column": name, "row": position + row_offset, "value": raw,
                                 "why": "not a number"})
                continue
            if math.isnan(number):
                empty += 1
                continue
            key = _code_key(number)
            if key in missing_codes:
                counted[key] = counted.get(key, 0) + 1
                continue
            if variable.type in ("likert", "categorical") and variable.values:
                if key not in {_code_key(k) for k in variable.values}:
                    allowed = ", ".join(_code_text(k) for k in variable.values)
                    problems.append({"column": name, "row": position + row_offset,
                                     "value": raw, "why": f"unknown code (allowed: {allowed}"
                                     + (", missing: " + ", ".join(_code_text(k) for k in
                                                                   missing_codes)
                                        if missing_codes else "") + ")"})
                    continue
            if (variable.minimum is not None and number < variable.minimum) or (
                    variable.maximum is not None and number > variable.maximum):
                problems.append({"column": name, "row": position + row_offset, "value": raw,
                                 "why": f"out of range [{variable.minimum}, "
                                        f"{variable.maximum}]"})
                continue
            numbers[position] = number
        clean[name] = numbers
        for key, n in counted.items():
            missing_rows.append({"variable": name, "code": _code_text(key),
                                 "label": missing_codes[key], "n": n})
        if empty:
            missing_rows.append({"variable": name, "code": "", "label": MISSING_LABEL,
                                 "n": empty})
    if problems:
        first = problems[0]
        listed = "; ".join(f"column {p['column']!r} row {p['row']}: {p['value']!r} "
                           f"({p['why']})" for p in problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        raise SchemaError(
            f"{source}: {len(problems)} value(s) do not match the codebook: {listed}"
            + (f" and {more} more" if more > 0 else "") + ".",
            hint="correct the data, or declare the code in the codebook (values/missing)",
            file=source, column=first["column"], row=first["row"], value=first["value"],
            problems=problems)
    missing = pd.DataFrame(missing_rows, columns=["variable", "code", "label", "n"])
    return clean, missing


# =======================================================================================
# Design-based estimation


@dataclass
class CrosstabResult:
    """A design-based two-way table with the Rao–Scott corrected Pearson test.

    Attributes
    ----------
    proportions
        Estimated population cell proportions (rows × columns, summing to 1).
    counts
        Unweighted respondent counts per cell (for disclosure control).
    pearson
        Pearson's X² of the weighted table scaled to the sample size (R: ``svytable(...,
        Ntotal=n)``).
    statistic, ndf, ddf, p_value
        Second-order Rao–Scott F = X² / tr(Δ) on (d₀, d₀·ν) degrees of freedom, with
        d₀ = tr(Δ)² / tr(Δ²) and ν = #PSU − #strata (R: ``svychisq(statistic="F")``).
    chisq_first_order, p_first_order
        First-order Rao–Scott X²/mean eigenvalue on (r−1)(c−1) df (R: ``"Chisq"``).
    cramers_v
        Cramér's V from the weighted proportions (effect size).
    """

    proportions: pd.DataFrame
    counts: pd.DataFrame
    pearson: float
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    chisq_first_order: float
    p_first_order: float
    cramers_v: float


class SurveyDesign:
    """A stratified one-stage cluster sample with weights and finite population
    correction; estimates by Taylor linearisation, as R's ``survey`` package.

    Parameters
    ----------
    data
        One row per respondent.
    weights
        Column with sampling weights (default: all 1).
    strata
        Column with strata (default: one stratum).
    clusters
        Column with primary sampling units for one-stage cluster sampling (default: each
        respondent is its own unit).
    fpc
        Finite population correction: a column name or a number. Values > 1 are
        population sizes (units, or clusters when ``clusters`` is given, per stratum),
        values ≤ 1 sampling fractions — as ``svydesign(fpc=)``.
    lonely_psu
        What to do with a stratum holding one sampling unit: ``"fail"`` (R's default),
        ``"certainty"``/``"remove"`` (contributes no variance) or ``"adjust"`` (centred at
        the grand mean).

    Notes
    -----
    Variance of a linearised total: ``Σ_h (1 − f_h) n_h/(n_h − 1) Σ_j (z_hj − z̄_h)²`` over
    the PSU totals ``z_hj``. Means are ratio estimators; subgroups (``by=``) and missing
    values are domains of the full design (R: ``svyby``, ``na.rm=TRUE``). Confidence
    intervals: means and totals Wald with the normal quantile (R ``confint(svymean)``);
    proportions on the logit scale with t on ``degf`` degrees of freedom (R
    ``svyciprop(method="logit")``), or ``method="wald"`` (R ``svymean`` on a factor).
    """

    def __init__(self, data: pd.DataFrame, weights: str | None = None,
                 strata: str | None = None, clusters: str | None = None,
                 fpc: str | float | None = None, *, lonely_psu: str = "fail") -> None:
        self.data = data
        self.weights = weights
        self.strata = strata
        self.clusters = clusters
        self.fpc = fpc
        self.lonely_psu = lonely_psu
        if not isinstance(data, pd.DataFrame) or data.empty:
            raise InputDataError("The survey design needs a non-empty table of respondents.")
        if lonely_psu not in ("fail", "certainty", "remove", "adjust"):
            raise ParameterError(f"Unknown lonely_psu {lonely_psu!r}.",
                                 hint="use fail, certainty, remove or adjust",
                                 parameter="lonely_psu")
        n = len(data)
        self.weights_ = self._numeric_column(weights, "weight") if weights else np.ones(n)
        if (self.weights_ <= 0).any() or np.isnan(self.weights_).any():
            row = int(np.flatnonzero(~(self.weights_ > 0))[0])
            raise InputDataError(f"Weight column {weights!r} has a missing or non-positive "
                                 f"value in data row {row + 1}.", hint="every respondent needs "
                                 "a positive weight", column=weights, row=row + 1,
                                 parameter="weight")
        self.strata_ = self._labels(strata, "strata") if strata else np.zeros(n, dtype=int)
        self.clusters_ = self._labels(clusters, "cluster") if clusters else np.arange(n)
        # PSUs are identified within strata
        psu_keys = pd.MultiIndex.from_arrays([self.strata_, self.clusters_])
        self.psu_, _ = pd.factorize(psu_keys)
        self._strata_codes, self._strata_levels = pd.factorize(pd.Series(self.strata_))
        self._psu_stratum = np.zeros(self.psu_.max() + 1, dtype=int)
        self._psu_stratum[self.psu_] = self._strata_codes
        self.n_psu_ = np.bincount(self._psu_stratum, minlength=len(self._strata_levels))
        self.fraction_ = self._fractions(fpc)
        if (self.n_psu_ < 2).any() and lonely_psu == "fail":
            lonely = self._strata_levels[int(np.flatnonzero(self.n_psu_ < 2)[0])]
            raise InputDataError(f"Stratum {lonely!r} has only one sampling unit; its "
                                 "variance cannot be estimated.",
                                 hint="merge it with a similar stratum, or set "
                                 "lonely_psu='adjust' or 'certainty'", column=strata)
        self.degf_ = int(self.n_psu_.sum() - len(self.n_psu_))

    # -- construction helpers -----------------------------------------------------------

    def _column(self, name: str, role: str) -> pd.Series:
        if name not in self.data.columns:
            raise ParameterError(f"The {role} column {name!r} is not in the data.",
                                 hint=f"columns: {', '.join(map(str, self.data.columns[:30]))}",
                                 parameter=role, column=name)
        return self.data[name]

    def _numeric_column(self, name: str, role: str) -> np.ndarray:
        column = self._column(name, role)
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & column.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputDataError(f"The {role} column {name!r} holds a non-number "
                                 f"{column.iloc[row]!r} in data row {row + 1}.",
                                 column=name, row=row + 1, parameter=role)
        return values

    def _labels(self, name: str, role: str) -> np.ndarray:
        column = self._column(name, role)
        if column.isna().any():
            row = int(np.flatnonzero(column.isna().to_numpy())[0])
            raise InputDataError(f"The {role} column {name!r} is empty in data row {row + 1}.",
                                 hint=f"every respondent needs a {role}", column=name,
                                 row=row + 1, parameter=role)
        return column.to_numpy()

    def _fractions(self, fpc: str | float | None) -> np.ndarray:
        n_strata = len(self._strata_levels)
        if fpc is None:
            return np.zeros(n_strata)
        if isinstance(fpc, str):
            values = self._numeric_column(fpc, "fpc")
            fractions = np.zeros(n_strata)
            for h in range(n_strata):
                in_h = values[self._strata_codes == h]
                if np.isnan(in_h).any() or np.ptp(in_h) > 0:
                    raise InputDataError(f"The fpc column {fpc!r} must be constant and present "
                                         f"within stratum {self._strata_levels[h]!r}.",
                                         column=fpc, parameter="fpc")
                fractions[h] = self._fraction(float(in_h[0]), h)
            return fractions
        if isinstance(fpc, (int, float)) and not isinstance(fpc, bool):
            return np.array([self._fraction(float(fpc), h) for h in range(n_strata)])
        raise ParameterError(f"fpc must be a column name or a number, got {fpc!r}.",
                             parameter="fpc")

    def _fraction(self, value: float, h: int) -> float:
        if value <= 0:
            raise InputDataError(f"fpc must be positive (stratum {self._strata_levels[h]!r}).",
                                 parameter="fpc")
        if value <= 1:
            return value
        if value < self.n_psu_[h]:
            raise InputDataError(f"Population size {value:g} is smaller than the sample "
                                 f"({self.n_psu_[h]} units) in stratum "
                                 f"{self._strata_levels[h]!r}.", parameter="fpc")
        return self.n_psu_[h] / value

    # -- variance -----------------------------------------------------------------------

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Design variance–covariance of the totals of linearised values ``z`` (n × k)."""
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        n_psu_total = self.psu_.max() + 1
        totals = np.zeros((n_psu_total, z.shape[1]))
        np.add.at(totals, self.psu_, z)
        k = z.shape[1]
        result = np.zeros((k, k))
        grand_mean = totals.mean(axis=0)
        for h in range(len(self.n_psu_)):
            t_h = totals[self._psu_stratum == h]
            n_h = len(t_h)
            if n_h < 2:
                if self.lonely_psu == "adjust":
                    dev = t_h - grand_mean
                    result += (1 - self.fraction_[h]) * dev.T @ dev
                continue
            dev = t_h - t_h.mean(axis=0)
            result += (1 - self.fraction_[h]) * n_h / (n_h - 1) * dev.T @ dev
        return result

    def _values(self, column: str) -> np.ndarray:
        return self._numeric_column(column, "variable")

    def _domains(self, by: str | None) -> list[tuple[Any, np.ndarray]]:
        if by is None:
            return [(None, np.ones(len(self.data), dtype=bool))]
        groups = self._column(by, "group_by")
        levels = [g for g in pd.unique(groups) if pd.notna(g)]
        try:
            levels = sorted(levels)
        except TypeError:
            pass
        return [(g, (groups == g).to_numpy()) for g in levels]

    def _frame(self, rows: list[dict[str, Any]], by: str | None) -> pd.DataFrame:
        frame = pd.DataFrame(rows)
        if by is None and "group" in frame.columns:
            frame = frame.drop(columns="group")
        elif by is not None:
            frame = frame.rename(columns={"group": by})
        return frame

    def mean(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Weighted mean of ``column`` (missing values excluded as a domain).

        Returns a DataFrame with ``variable``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``n`` (respondents with a value), and the group column when ``by``.
        """
        y = self._values(column)
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            w = np.where(inside, self.weights_, 0.0)
            total_w = w.sum()
            if not inside.any():
                rows.append({"group": group, "variable": column, "estimate": np.nan,
                             "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0})
                continue
            y0 = np.where(inside, y, 0.0)
            estimate = (w * y0).sum() / total_w
            z = w * (y0 - estimate) / total_w
            se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def total(self, column: str, *, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Estimated population total of ``column``; same columns as :meth:`mean`."""
        y = self._values(column)
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for group, domain in self._domains(by):
            inside = domain & ~np.isnan(y)
            z = np.where(inside, self.weights_ * np.where(inside, y, 0.0), 0.0)
            estimate = z.sum()
            se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
            rows.append({"group": group, "variable": column, "estimate": estimate, "se": se,
                         "ci_low": estimate - z_quantile * se,
                         "ci_high": estimate + z_quantile * se, "n": int(inside.sum())})
        return self._frame(rows, by)

    def proportion(self, column: str, *, by: str | None = None, level: float = 0.95,
                   method: str = "logit", levels: Sequence[Any] | None = None) -> pd.DataFrame:
        """Estimated share of each value of ``column`` (missing values excluded).

        ``method="logit"`` (default) gives R's ``svyciprop`` interval (logit scale, t on
        the design degrees of freedom; never outside [0, 1]); ``"wald"`` gives
        ``confint(svymean(~factor(x)))``. ``n`` counts respondents in the value (the
        count that disclosure control looks at); ``n_valid`` those with any value.
        """
        if method not in ("logit", "wald"):
            raise ParameterError(f"Unknown method {method!r}.", hint="use 'logit' or 'wald'",
                                 parameter="method")
        values = self._column(column, "variable")
        if levels is None:
            levels = [v for v in pd.unique(values) if pd.notna(v)]
            try:
                levels = sorted(levels)
            except TypeError:
                pass
        rows = []
        t_quantile = stats.t.ppf(0.5 + level / 2, max(self.degf_, 1))
        z_quantile = stats.norm.ppf(0.5 + level / 2)
        valid_all = values.notna().to_numpy()
        for group, domain in self._domains(by):
            inside = domain & valid_all
            w = np.where(inside, self.weights_, 0.0)
            total_w = w.sum()
            for value in levels:
                hit = inside & (values == value).to_numpy()
                if total_w == 0:
                    p, se = np.nan, np.nan
                else:
                    p = w[hit].sum() / total_w
                    z = w * (hit.astype(float) - p) / total_w
                    se = math.sqrt(max(self.variance(z)[0, 0], 0.0))
                low, high = _proportion_ci(p, se, method, t_quantile, z_quantile)
                rows.append({"group": group, "variable": column, "level": value,
                             "estimate": p, "se": se, "ci_low": low, "ci_high": high,
                             "n": int(hit.sum()), "n_valid": int(inside.sum())})
        return self._frame(rows, by)

    def crosstab(self, row: str, col: str) -> CrosstabResult:
        """Two-way table of ``row`` × ``col`` with the Rao–Scott corrected test.

        Respondents missing either variable are a domain excluded from the table (their
        sampling units still count for the variance).
        """
        a = self._column(row, "row")
        b = self._column(col, "column")
        valid = (a.notna() & b.notna()).to_numpy()
        row_levels = _sorted_levels(a[valid])
        col_levels = _sorted_levels(b[valid])
        r, c = len(row_levels), len(col_levels)
        if r < 2 or c < 2:
            raise InputDataError(f"A cross-table of {row!r} × {col!r} needs at least two "
                                 "values in each.", column=row if r < 2 else col)
        # cells in R's order: rows vary fastest (interaction(rows, cols))
        a_codes = pd.Categorical(a, categories=row_levels).codes
        b_codes = pd.Categorical(b, categories=col_levels).codes
        cell = np.where(valid, a_codes + r * b_codes, -1)
        indicator = np.zeros((len(cell), r * c))
        indicator[valid, cell[valid]] = 1.0
        w = np.where(valid, self.weights_, 0.0)
        total_w = w.sum()
        mean = (w[:, None] * indicator).sum(axis=0) / total_w
        z = w[:, None] * (indicator - mean) / total_w
        variance = self.variance(z)
        n = int(valid.sum())
        # Pearson X² on the weighted table scaled to n
        table = mean.reshape(c, r).T * n
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            pearson = float(np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected,
                                               0.0)))
        rows_index = np.tile(np.arange(r), c)
        cols_index = np.repeat(np.arange(c), r)
        x1 = np.column_stack([np.ones(r * c)]
                             + [(rows_index == i).astype(float) for i in range(1, r)]
                             + [(cols_index == j).astype(float) for j in range(1, c)])
        x12 = np.column_stack([((rows_index == i) & (cols_index == j)).astype(float)
                               for j in range(1, c) for i in range(1, r)])
        q, _ = np.linalg.qr(x1)
        contrast = x12 - q @ (q.T @ x12)
        inverse = np.diag(np.where(mean > 0, 1.0 / np.where(mean > 0, mean, 1.0), 0.0))
        denominator = contrast.T @ (inverse / n) @ contrast
        numerator = contrast.T @ inverse @ variance @ inverse @ contrast
        try:
            delta = np.linalg.solve(denominator, numerator)
        except np.linalg.LinAlgError:  # empty cells can make the SRS matrix singular
            delta = np.linalg.pinv(denominator) @ numerator
        trace = float(np.trace(delta))
        trace2 = float(np.trace(delta @ delta))
        d0 = trace ** 2 / trace2 if trace2 > 0 else float((r - 1) * (c - 1))
        f_stat = pearson / trace if trace > 0 else math.nan
        ddf = d0 * self.degf_
        p_value = float(stats.f.sf(f_stat, d0, ddf)) if ddf > 0 else math.nan
        df = (r - 1) * (c - 1)
        first = pearson / (trace / df) if trace > 0 else math.nan
        counts = pd.crosstab(pd.Categorical(a[valid], categories=row_levels),
                             pd.Categorical(b[valid], categories=col_levels), dropna=False)
        counts.index = pd.Index(row_levels, name=row)
        counts.columns = pd.Index(col_levels, name=col)
        proportions = pd.DataFrame(mean.reshape(c, r).T, index=counts.index,
                                   columns=counts.columns)
        cramers_v = math.sqrt(pearson / n / min(r - 1, c - 1))
        return CrosstabResult(proportions=proportions, counts=counts, pearson=pearson,
                              statistic=f_stat, ndf=d0, ddf=ddf, p_value=p_value,
                              chisq_first_order=first,
                              p_first_order=float(stats.chi2.sf(first, df)),
                              cramers_v=cramers_v)


def _sorted_levels(values: pd.Series) -> list[Any]:
    levels = list(pd.unique(values))
    try:
        return sorted(levels)
    except TypeError:
        return levels


def _proportion_ci(p: float, se: float, method: str, t_quantile: float,
                   z_quantile: float) -> tuple[float, float]:
    if not np.isfinite(p) or not np.isfinite(se):
        return math.nan, math.nan
    if method == "wald":
        return p - z_quantile * se, p + z_quantile * se
    if p <= 0 or p >= 1 or se == 0:
        return p, p
    logit = math.log(p / (1 - p))
    se_logit = se / (p * (1 - p))
    return (1 / (1 + math.exp(-(logit - t_quantile * se_logit))),
            1 / (1 + math.exp(-(logit + t_quantile * se_logit))))


def design_from_parameters(data: pd.DataFrame, weight: str | None = None,
                           strata: str | None = None, cluster: str | None = None,
                           fpc: str | float | None = None) -> SurveyDesign:
    """A :class:`SurveyDesign` from notebook parameters (empty strings mean "none")."""
    def clean(value: Any) -> Any:
        return None if value in ("", None) else value

    fpc = clean(fpc)
    if isinstance(fpc, str) and fpc not in data.columns:
        number = _to_number(fpc)
        if number is not None and not math.isnan(number):
            fpc = number  # "1500" typed as text: a population size
    return SurveyDesign(data, weights=clean(weight), strata=clean(strata),
                        clusters=clean(cluster), fpc=fpc, lonely_psu="certainty")


# =======================================================================================
# Groups and disclosure control helpers


def combine_small_groups(groups: pd.Series, min_cell: int = 5, *,
                         label: str = OTHER_GROUPS_LABEL) -> pd.Series:
    """Merge groups with fewer than ``min_cell`` respondents so no group is broken down
    below the threshold.

    Small groups are merged into ``label``; if that merged group is still smaller than
    ``min_cell``, the smallest remaining group joins it. Missing values stay missing.
    """
    groups = groups.astype(object)
    counts = groups.value_counts()
    small = list(counts[counts < min_cell].index)
    if not small:
        return groups
    merged = int(counts[small].sum())
    rest = counts.drop(small).sort_values()
    if merged < min_cell and len(rest):
        small.append(rest.index[0])
    result = groups.where(~groups.isin(small), label)
    if (result == label).sum() < min_cell:  # everything is small: no breakdown at all
        return groups.where(groups.isna(), label)
    return result


def suppressed_estimates(estimates: pd.DataFrame, min_cell: int = 5, *,
                         count_column: str = "n",
                         value_columns: Sequence[str] = ("estimate", "se", "ci_low",
                                                         "ci_high")) -> pd.DataFrame:
    """Blank the estimates of rows based on fewer than ``min_cell`` respondents.

    The respondent counts go through :func:`research.privacy.suppress_series` (with a
    total, so a single suppressed count is complemented); estimates and ``n`` of every
    suppressed row become missing. A ``suppressed`` column says which rows.
    """
    out = estimates.copy().reset_index(drop=True)
    counts = pd.Series(out[count_column].fillna(0).astype(int).to_numpy(), name="n")
    result = suppress_series(counts, min_cell)
    mask = result.suppressed.iloc[:-1].to_numpy()
    for column in [*value_columns, count_column]:
        if column in out.columns:
            out[column] = out[column].astype(float).where(~mask)
    out["suppressed"] = mask
    return out


# =======================================================================================
# Likert


@dataclass
class LikertTable:
    """Response distributions of Likert items after disclosure control.

    Attributes
    ----------
    counts
        Suppressed counts (rows: questions; columns: response labels in scale order; a
        ``Totalt`` column and row), NaN where suppressed.
    marked
        The same for display/CSV: ``".."`` where suppressed.
    shares
        Row shares of the published cells (NaN where suppressed), without totals.
    suppressed
        True where a cell was suppressed.
    labels
        Response labels in scale order.
    n
        Respondents with a substantive answer per question (NaN if suppressed).
    min_cell
        The disclosure threshold applied.
    """

    counts: pd.DataFrame
    marked: pd.DataFrame
    shares: pd.DataFrame
    suppressed: pd.DataFrame
    labels: list[str]
    n: pd.Series
    min_cell: int

    def to_frame(self) -> pd.DataFrame:
        """Wide table: one row per question, suppressed counts then shares (%)."""
        rows = []
        for question in self.shares.index:
            row: dict[str, Any] = {"Fråga": question}
            for label in self.labels:
                row[label] = self.marked.loc[question, label]
            row["Antal svar"] = self.marked.loc[question, "Totalt"]
            for label in self.labels:
                share = self.shares.loc[question, label]
                row[f"Andel {label} (%)"] = round(100 * share, 1) if pd.notna(share) else ".."
            rows.append(row)
        return pd.DataFrame(rows)

    def to_long(self) -> pd.DataFrame:
        """Long table for ``likert.csv``: question × response option with the suppressed
        count, the share (%) and the question's number of answers."""
        rows = []
        for question in self.shares.index:
            for label in self.labels:
                share = self.shares.loc[question, label]
                rows.append({"Fråga": question, "Svarsalternativ": label,
                             "Antal": self.marked.loc[question, label],
                             "Andel (%)": round(100 * share, 1) if pd.notna(share) else "..",
                             "Antal svar": self.marked.loc[question, "Totalt"]})
        return pd.DataFrame(rows, columns=["Fråga", "Svarsalternativ", "Antal", "Andel (%)",
                                           "Antal svar"])



def likert_table(data: pd.DataFrame, codebook: Codebook, items: Sequence[str],
                 min_cell: int = 5) -> LikertTable:
    """Counts and shares of each response option of Likert ``items`` (same scale), with
    cells under ``min_cell`` suppressed by :func:`research.privacy.suppress_counts`."""
    if not items:
        raise ParameterError("No Likert items given.", parameter="items")
    first = codebook.variables[items[0]]
    codes = first.codes
    labels = [first.values[c] for c in codes]
    counts = {}
    for item in items:
        variable = codebook.variables[item]
        if [_code_key(c) for c in variable.codes] != [_code_key(c) for c in codes]:
            raise SchemaError(f"Item {item!r} has another scale than {items[0]!r}; a "
                              "Likert block must share one scale.", column=item,
                              file=codebook.source)
        values = data[item]
        counts[codebook.label(item)] = [int((values == float(_code_key(c))).sum())
                                        for c in codes]
    frame = pd.DataFrame.from_dict(counts, orient="index", columns=labels)
    frame.index.name = "Fråga"
    result = suppress_counts(frame, min_cell)
    suppressed = _hide_small_rows(result.suppressed, frame, min_cell)
    supp = suppressed.loc[frame.index, labels]
    raw_n = frame.sum(axis=1)
    total_hidden = suppressed.loc[frame.index, "Totalt"]
    shares = (frame.div(raw_n.where(raw_n > 0), axis=0)).where(~supp)
    shares.loc[total_hidden.to_numpy()] = np.nan
    return LikertTable(counts=result.table.where(~suppressed),
                       marked=_marked(result.table, suppressed), shares=shares,
                       suppressed=suppressed, labels=labels,
                       n=raw_n.where(~total_hidden), min_cell=min_cell)


def _hide_small_rows(suppressed: pd.DataFrame, counts: pd.DataFrame, min_cell: int
                     ) -> pd.DataFrame:
    """Also hide every cell (zeros too) of a row whose total is under ``min_cell``: its
    zeros would tell what the few in it answered. Hiding more never reveals more."""
    out = suppressed.copy()
    small = counts.index[(counts.sum(axis=1) > 0) & (counts.sum(axis=1) < min_cell)]
    out.loc[small, :] = True
    return out


def _marked(table: pd.DataFrame, suppressed: pd.DataFrame, marker: str = "..") -> pd.DataFrame:
    """Whole-number counts for display, ``marker`` where suppressed."""
    values = [[marker if hidden else int(value) for value, hidden in zip(row, mask)]
              for row, mask in zip(table.fillna(0).to_numpy(), suppressed.to_numpy())]
    return pd.DataFrame(values, index=table.index, columns=table.columns, dtype=object)


def likert_figure(tables: LikertTable | Mapping[str, LikertTable], *,
                  title: str | None = None) -> Any:
    """Diverging stacked horizontal bars, one panel per Likert block.

    Disagreement lies left of zero and agreement right, the neutral option centred on
    zero; ``n`` is shown per question; suppressed cells are not drawn (the question is
    marked with *). Colour-blind-safe ColorBrewer PuOr with hatching and percentage
    labels, so colour is never the only cue.

    Parameters
    ----------
    tables
        One :class:`LikertTable` or ``{panel title: LikertTable}`` (already suppressed).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ..report.display import attach_alt

    panels = {title or "": tables} if isinstance(tables, LikertTable) else dict(tables)
    if not panels:
        return _empty_figure("Enkäten har inga Likertfrågor att visa.")
    sizes = [len(t.shares.index) for t in panels.values()]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.6 + 0.6 * sum(sizes)
                                                       + 0.5 * len(panels)),
                             gridspec_kw={"height_ratios": sizes}, squeeze=False)
    any_hidden = False
    limit = max(_likert_extent(t) for t in panels.values())
    for ax, (panel_title, table) in zip(axes[:, 0], panels.items()):
        any_hidden |= _likert_panel(ax, table, panel_title, limit)
    first = next(iter(panels.values()))
    labels = first.labels
    k = len(labels)
    palette, hatches = _likert_style(k)
    handles = [Patch(facecolor=palette[j], edgecolor="#333333", hatch=hatches[j],
                     label=_plain(labels[j])) for j in range(k)]
    fig.legend(handles=handles, loc="lower center", ncol=min(k, 3), fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, 0.0))
    if title and not isinstance(tables, LikertTable):
        fig.suptitle(_plain(title), fontsize=12, x=0.01, ha="left")
    note = f"* Svarsalternativ med färre än {first.min_cell} svar visas inte." \
        if any_hidden else ""
    if note:
        fig.text(0.99, 0.0, note, fontsize=7, ha="right")
    fig.tight_layout(rect=(0, 0.07 + 0.2 / fig.get_size_inches()[1], 1, 1))
    alt = " ".join(_likert_alt(t, name) for name, t in panels.items())
    attach_alt(fig, alt)
    return fig


def _likert_style(k: int) -> tuple[list[str], list[str]]:
    palette = DIVERGING_PALETTES.get(k) or [OKABE_ITO[i % 8] for i in range(k)]
    negative = ["////", "//", "/"][: k // 2][::-1] if k // 2 <= 3 else ["/"] * (k // 2)
    negative = ["////", "//", "/"][-(k // 2):] if 0 < k // 2 <= 3 else negative
    positive = ["\\", "\\\\", "xx"][: k // 2]
    hatches = negative + ([""] if k % 2 else []) + positive
    return palette, (hatches + [""] * k)[:k]


def _likert_extent(table: LikertTable) -> float:
    """Half-width of the x axis (in %) that holds every bar, in steps of 10, ≥ 50."""
    shares = table.shares.fillna(0.0).to_numpy() * 100
    k = len(table.labels)
    neutral = shares[:, k // 2] / 2 if k % 2 else 0
    left = shares[:, :k // 2].sum(axis=1) + neutral
    right = shares[:, k - k // 2:].sum(axis=1) + neutral
    widest = float(np.max(np.r_[left, right])) if len(shares) else 0.0
    return max(50.0, float(np.ceil(widest / 10) * 10))


def _likert_panel(ax: Any, table: LikertTable, title: str, limit: float) -> bool:
    labels = table.labels
    k = len(labels)
    palette, hatches = _likert_style(k)
    questions = list(table.shares.index)
    shares = table.shares.fillna(0.0).to_numpy() * 100
    n_neg = k // 2
    neutral = k % 2 == 1
    y = np.arange(len(questions))[::-1]
    starts = -shares[:, :n_neg].sum(axis=1) - (shares[:, n_neg] / 2 if neutral else 0)
    left = starts.copy()
    dark_colours = {"#e66101", "#5e3c99", "#b35806", "#542788"}
    for j, label in enumerate(labels):
        width = shares[:, j]
        bars = ax.barh(y, width, left=left, color=palette[j], edgecolor="#333333",
                       linewidth=0.5, hatch=hatches[j], label=_plain(label))
        for bar, value in zip(bars, width):
            if value >= 7:
                dark = palette[j] in dark_colours
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                        format_number(value), ha="center", va="center", fontsize=8,
                        color="white" if dark else "black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": palette[j], "ec": "none"})
        left = left + width
    ax.axvline(0, color="#333333", linewidth=1)
    names = []
    hidden_any = False
    for question in questions:
        n = table.n.get(question)
        n_text = f"n = {format_number(n)}" if pd.notna(n) else "n = .."
        hidden = bool(table.suppressed.loc[question].any())
        hidden_any |= hidden
        names.append(f"{_wrap(question, 48)}\n({n_text}){' *' if hidden else ''}")
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(-limit, limit)
    step = 10 if limit <= 60 else 20
    half = np.arange(step, limit + 1, step)
    ticks = np.r_[-half[::-1], 0, half]
    ax.set_xticks(ticks, [f"{abs(int(t))} %" for t in ticks], fontsize=8)
    ax.set_xlabel("Andel svarande – vänster: instämmer inte, höger: instämmer", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(_plain(title), fontsize=10, loc="left")
    return hidden_any


def _empty_figure(message: str) -> Any:
    """A small figure that says there is nothing to show (alt text says the same)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..report.display import attach_alt

    fig, ax = plt.subplots(figsize=(6, 1))
    ax.axis("off")
    ax.text(0.5, 0.5, _plain(message), ha="center", va="center", fontsize=10)
    attach_alt(fig, message)
    return fig


def _plain(text: object) -> str:
    """Text for matplotlib without mathtext: ``$`` is shown as a dollar sign."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return _plain("\n".join(textwrap.wrap(str(text), width)) or str(text))


def _likert_alt(table: LikertTable, title: str | None) -> str:
    labels = table.labels
    k = len(labels)
    agree = table.shares[labels[k - k // 2:]].sum(axis=1, min_count=1)
    disagree = table.shares[labels[:k // 2]].sum(axis=1, min_count=1)
    head = f"Stapeldiagram{': ' + title if title else ''} med {len(table.shares)} påståenden. "
    if agree.notna().any():
        top = agree.idxmax()
        low = agree.idxmin()
        text = (f"Störst andel som instämmer ({format_percent(agree[top], 0)}) gäller "
                f"”{top}”; minst ({format_percent(agree[low], 0)}) gäller ”{low}”.")
        worst = disagree.idxmax() if disagree.notna().any() else None
        if worst is not None:
            text += (f" Flest som inte instämmer ({format_percent(disagree[worst], 0)}) "
                     f"gäller ”{worst}”.")
        return head + text
    return head + "Alla värden är undertryckta på grund av få svar."


def agreement_share(data: pd.DataFrame, codebook: Codebook, item: str) -> pd.Series:
    """1 when the answer is one of the agreeing options (upper half of the scale), 0 for
    the other substantive answers, NaN for missing — for design-based proportions."""
    variable = codebook.variables[item]
    codes = [float(_code_key(c)) for c in variable.codes]
    upper = codes[len(codes) - len(codes) // 2:]
    values = data[item]
    return values.isin(upper).astype(float).where(values.notna())


# =======================================================================================
# Group comparisons


def compare_groups(data: pd.DataFrame, column: str, group: str, *, min_cell: int = 5
                   ) -> dict[str, Any]:
    """Compare an ordinal/numeric ``column`` between groups (unweighted).

    Two groups: Mann–Whitney U with rank-biserial correlation; more: Kruskal–Wallis H
    with ε² = H / (n − 1). Groups under ``min_cell`` respondents are left out.

    Returns a dict with ``test``, ``statistic``, ``p_value``, ``effect_size``,
    ``effect_measure``, ``groups`` and ``n``.
    """
    frame = data[[column, group]].dropna()
    sizes = frame[group].value_counts()
    keep = sizes[sizes >= min_cell].index
    frame = frame[frame[group].isin(keep)]
    samples = [g[column].to_numpy(dtype=float) for _, g in frame.groupby(group, sort=True)]
    n = int(len(frame))
    if len(samples) < 2:
        return {"test": "–", "statistic": math.nan, "p_value": math.nan,
                "effect_size": math.nan, "effect_measure": "–", "groups": len(samples), "n": n}
    if len(samples) == 2:
        u, p = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
        effect = 1 - 2 * u / (len(samples[0]) * len(samples[1]))
        return {"test": "Mann–Whitney U", "statistic": float(u), "p_value": float(p),
                "effect_size": float(effect), "effect_measure": "rangbiserial r",
                "groups": 2, "n": n}
    if all(np.ptp(s) == 0 for s in samples) and len({s[0] for s in samples}) == 1:
        return {"test": "Kruskal–Wallis H", "statistic": 0.0, "p_value": 1.0,
                "effect_size": 0.0, "effect_measure": "ε²", "groups": len(samples), "n": n}
    h, p = stats.kruskal(*samples)
    return {"test": "Kruskal–Wallis H", "statistic": float(h), "p_value": float(p),
            "effect_size": float(h / (n - 1)), "effect_measure": "ε²",
            "groups": len(samples), "n": n}


# =======================================================================================
# Scales


@dataclass
class AlphaResult:
    """Cronbach's α with its Feldt confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    if_deleted: pd.Series

    def as_tuple(self) -> tuple[float, tuple[float, float]]:
        """``(alpha, (ci_low, ci_high))`` as pingouin returns it (CI unrounded)."""
        return self.alpha, (self.ci_low, self.ci_high)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or total <= 0:
        return math.nan
    return k / (k - 1) * (1 - np.trace(cov) / total)


def _alpha_if_deleted(cov: np.ndarray) -> np.ndarray:
    """α of the other k − 1 items, for each item, from one covariance matrix."""
    k = cov.shape[0]
    if k < 3:
        return np.full(k, np.nan)
    diagonal = np.diag(cov)
    totals = cov.sum() - 2 * cov.sum(axis=1) + diagonal
    traces = diagonal.sum() - diagonal
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = (k - 1) / (k - 2) * (1 - traces / totals)
    return np.where(totals > 0, alphas, np.nan)


def cronbach_alpha(items: pd.DataFrame, *, ci: float = 0.95, nan_policy: str = "listwise"
                   ) -> AlphaResult:
    """Cronbach's α of the item columns of ``items`` (rows: respondents).

    α = k/(k−1)·(1 − Σ var(item) / var(sum)) from the covariance matrix; 95 % CI by
    Feldt (1965): ``1 − (1 − α)·F`` with F quantiles on (n − 1, (n − 1)(k − 1)) df — the
    estimator and interval of ``pingouin.cronbach_alpha``. α if item deleted for each
    item, from the same covariance matrix.

    Parameters
    ----------
    items
        Numeric item scores, reverse-coded already where needed.
    ci
        Confidence level of the Feldt interval.
    nan_policy
        ``"listwise"`` (default: respondents with any missing item are dropped) or
        ``"pairwise"`` (pairwise covariances; n counts all rows, as pingouin's default).

    Returns
    -------
    AlphaResult
        ``alpha``, ``ci_low``, ``ci_high``, ``n``, ``k`` and ``if_deleted`` (Series).
    """
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise ParameterError("Cronbach's α needs at least two item columns.",
                             parameter="items")
    try:
        values = items.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise InputDataError(f"Cronbach's α needs numeric item scores ({error}).",
                             hint="convert the answers to numbers first") from error
    if nan_policy == "listwise":
        values = values[~np.isnan(values).any(axis=1)]
        n, k = values.shape
        cov = np.cov(values, rowvar=False, ddof=1) if n > 1 else np.full((k, k), np.nan)
    elif nan_policy == "pairwise":
        n, k = values.shape
        cov = pd.DataFrame(values).cov().to_numpy()
    else:
        raise ParameterError(f"Unknown nan_policy {nan_policy!r}.",
                             hint="use 'listwise' or 'pairwise'", parameter="nan_policy")
    if n < 3:
        raise InputDataError(f"Cronbach's α needs at least three complete respondents "
                             f"(got {n}).")
    alpha = _alpha_from_cov(cov)
    df1 = n - 1
    df2 = df1 * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf((1 - ci) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - (1 - ci) / 2, df1, df2)
    deleted = pd.Series(_alpha_if_deleted(cov), index=items.columns, name="alpha_if_deleted")
    return AlphaResult(alpha=float(alpha), ci_low=float(low), ci_high=float(high), n=n, k=k,
                       if_deleted=deleted)


def reverse_code(values: pd.Series, variable: Variable) -> pd.Series:
    """Reverse a Likert item: lowest code ↔ highest code."""
    codes = [float(_code_key(c)) for c in variable.codes]
    return (min(codes) + max(codes)) - values


def scale_items(data: pd.DataFrame, codebook: Codebook, index: str) -> pd.DataFrame:
    """The items of an index, reverse-coded where the codebook says so."""
    if index not in codebook.indices:
        raise ParameterError(f"Unknown index {index!r}.",
                             hint=f"known: {', '.join(codebook.indices) or 'none'}",
                             parameter="index")
    columns = {}
    for item in codebook.indices[index]["items"]:
        variable = codebook.variables[item]
        values = data[item].astype(float)
        columns[item] = reverse_code(values, variable) if variable.reverse else values
    return pd.DataFrame(columns, index=data.index)


def compute_indices(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``data`` with one column per codebook index: the mean of its (reverse-coded) items
    for respondents answering at least ``min_items`` of them, else NaN."""
    out = data.copy()
    for name, spec in codebook.indices.items():
        items = scale_items(data, codebook, name)
        answered = items.notna().sum(axis=1)
        out[name] = items.mean(axis=1).where(answered >= spec["min_items"])
    return out


def reliability_table(data: pd.DataFrame, codebook: Codebook, *, min_cell: int = 5
                      ) -> pd.DataFrame:
    """Cronbach's α with Feldt CI and α if item deleted for every index (Swedish column
    names, one row per index and item)."""
    rows = []
    for name, spec in codebook.indices.items():
        items = scale_items(data, codebook, name)
        try:
            result = cronbach_alpha(items)
        except InputDataError:
            continue
        if result.n < min_cell:
            continue
        rows.append({"Index": spec["label"], "Fråga": "Hela indexet", "Antal frågor": result.k,
                     "Antal svarande": result.n, "Cronbachs alfa": round(result.alpha, 3),
                     "KI nedre": round(result.ci_low, 3), "KI övre": round(result.ci_high, 3),
                     "Alfa om frågan tas bort": None})
        for item, value in result.if_deleted.items():
            label = codebook.label(item) + (" (omvänd)" if codebook.variables[item].reverse
                                            else "")
            rows.append({"Index": spec["label"], "Fråga": label, "Antal frågor": None,
                         "Antal svarande": None, "Cronbachs alfa": None, "KI nedre": None,
                         "KI övre": None, "Alfa om frågan tas bort": round(float(value), 3)})
    table = pd.DataFrame(rows, columns=["Index", "Fråga", "Antal frågor", "Antal svarande",
                                        "Cronbachs alfa", "KI nedre", "KI övre",
                                        "Alfa om frågan tas bort"])
    for column in ("Antal frågor", "Antal svarande"):  # whole numbers, blank when n/a
        table[column] = pd.Series([None if pd.isna(v) else int(v) for v in table[column]],
                                  index=table.index, dtype=object)
    return table


# =======================================================================================
# Tables for the briefing



def group_column(name: str) -> str:
    """The analysis column holding the (small-groups-combined) labels of ``name``."""
    return f"grupp_{name}"


def add_group_columns(data: pd.DataFrame, codebook: Codebook, group_by: Sequence[str],
                      min_cell: int = 5) -> pd.DataFrame:
    """``data`` with a ``grupp_<name>`` column per background variable: value labels,
    groups under ``min_cell`` respondents combined (:func:`combine_small_groups`)."""
    out = data.copy()
    for name in group_by:
        if name not in data.columns:
            raise ParameterError(f"group_by: {name!r} is not a column of the survey.",
                                 hint="use background variables from the codebook, e.g. "
                                 + ", ".join(codebook.background[:5]), parameter="group_by")
        labels = data[name].map(lambda v, n=name: None if pd.isna(v) else
                                codebook.value_label(n, v))
        out[group_column(name)] = combine_small_groups(labels, min_cell)
    return out


def _agreement_suppression(data: pd.DataFrame, column: str, group: str | None,
                           min_cell: int) -> pd.Series:
    """Which estimate rows (by group, or the one overall row) to suppress for a 0/1
    column: either the count of 1s or of 0s under ``min_cell`` (p reveals both)."""
    values = data[column]
    valid = values.notna()
    if group is None:
        counts = pd.DataFrame({"ja": [int((values[valid] == 1).sum())],
                               "nej": [int((values[valid] == 0).sum())]}, index=[None])
        result = suppress_counts(counts, min_cell, totals=False)
        return result.suppressed.any(axis=1)
    frame = pd.DataFrame({"g": data[group], "v": values})[valid & data[group].notna()]
    counts = pd.crosstab(frame["g"], frame["v"]).reindex(columns=[0.0, 1.0], fill_value=0)
    result = suppress_counts(counts, min_cell)
    return result.suppressed.drop(index="Totalt").drop(columns="Totalt").any(axis=1)


def estimates_table(design: SurveyDesign, codebook: Codebook, *,
                    group_by: Sequence[str] = (), min_cell: int = 5) -> pd.DataFrame:
    """Design-based estimates for the briefing: the mean of every index and the share
    that agrees with every Likert item, overall and by each background variable in
    ``group_by`` (use :func:`add_group_columns` first), with disclosure control.

    Rows based on fewer than ``min_cell`` respondents are blanked (with complementary
    suppression, :func:`suppressed_estimates`); a share is also blanked when fewer than
    ``min_cell`` respondents agree or disagree (the share would reveal them).
    """
    data = design.data
    pieces = []
    targets = [(name, "Medelvärde", codebook.indices[name]["label"])
               for name in codebook.indices if name in data.columns]
    targets += [(f"_agree_{item}", "Andel som instämmer", codebook.label(item))
                for item in codebook.likert_items() if f"_agree_{item}" in data.columns]
    for column, kind, label in targets:
        for by in [None, *group_by]:
            by_column = None if by is None else group_column(by)
            if kind == "Andel som instämmer":  # logit interval, as svyciprop
                frame = design.proportion(column, by=by_column, levels=[1.0])
                frame["n"] = frame["n_valid"]
                frame = frame.drop(columns=["level", "n_valid"])
            else:
                frame = design.mean(column, by=by_column)
            frame = suppressed_estimates(frame, min_cell)
            if kind == "Andel som instämmer":
                hidden = _agreement_suppression(data, column, by_column, min_cell)
                keys = [None] * len(frame) if by is None else list(frame[by_column])
                mask = np.array([bool(hidden.get(k, False)) for k in keys])
                for name in ("estimate", "se", "ci_low", "ci_high"):
                    frame[name] = frame[name].where(~mask)
                frame["suppressed"] = frame["suppressed"] | mask
            frame.insert(0, "Mått", kind)
            frame.insert(1, "Fråga/index", label)
            frame.insert(2, "Grupp", "Alla" if by is None else codebook.label(by))
            frame.insert(3, "Värde", "Alla" if by is None else frame[by_column].astype(str))
            frame = frame.drop(columns=[c for c in ("variable", by_column) if c and c in
                                        frame.columns])
            pieces.append(frame)
    table = pd.concat(pieces, ignore_index=True)
    share = table["Mått"] == "Andel som instämmer"
    for column in ("estimate", "se", "ci_low", "ci_high"):
        table[column] = table[column].astype(float)
        table.loc[share, column] = table.loc[share, column] * 100
        table[column] = table[column].round(2)
    table["n"] = table["n"].map(lambda v: ".." if pd.isna(v) else int(v)).astype(object)
    table["suppressed"] = table["suppressed"].map({True: "ja", False: "nej"})
    return table.rename(columns={"estimate": "Skattning", "se": "Medelfel",
                                 "ci_low": "KI nedre (95 %)", "ci_high": "KI övre (95 %)",
                                 "n": "Antal svarande", "suppressed": "Undertryckt"})


def table_decimals(frame: pd.DataFrame) -> dict[str, int]:
    """Decimals for showing a table of this module: percentages 1, p-values 4, α and
    effect sizes 3, other decimal numbers 2, counts none (for
    ``report.show_table(decimals=...)``)."""
    three = {"Cramérs V", "Effektstorlek", "Cronbachs alfa", "KI nedre", "KI övre",
             "Alfa om frågan tas bort"}
    decimals = {}
    for column in frame.columns:
        name = str(column)
        if "(%)" in name:
            decimals[name] = 1
        elif name.startswith("p ("):
            decimals[name] = 4
        elif name in three:
            decimals[name] = 3
        elif pd.api.types.is_float_dtype(frame[column]):
            decimals[name] = 2
    return decimals


def add_agreement_columns(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``data`` with ``_agree_<item>`` 0/1 columns (see :func:`agreement_share`)."""
    out = data.copy()
    for item in codebook.likert_items():
        out[f"_agree_{item}"] = agreement_share(data, codebook, item)
    return out


def crosstabs_table(design: SurveyDesign, codebook: Codebook, items: Sequence[str],
                    group_by: Sequence[str], *, min_cell: int = 5) -> pd.DataFrame:
    """Every Likert item by every background variable in ``group_by`` (combined groups,
    see :func:`add_group_columns`), in long form: one row per question × group ×
    response option with the respondent count (suppressed with
    :func:`research.privacy.suppress_counts`), the weighted row percentage of published
    cells, and per question the Rao–Scott F test, Cramér's V and the rank test
    (Mann–Whitney or Kruskal–Wallis) with its effect size."""
    rows = []
    for by in group_by:
        column = group_column(by)
        if design.data[column].nunique() < 2:
            continue
        for item in items:
            try:
                result = design.crosstab(column, item)
            except InputDataError:
                continue
            counts = result.counts.copy()
            labels = [codebook.value_label(item, c) for c in counts.columns]
            counts.columns = labels
            suppressed = suppress_counts(counts, min_cell)
            hidden_cells = _hide_small_rows(suppressed.suppressed, counts, min_cell)
            marked = _marked(suppressed.table, hidden_cells)
            row_share = result.proportions.div(result.proportions.sum(axis=1), axis=0)
            compare = compare_groups(design.data, item, column, min_cell=min_cell)
            tests = {"Rao–Scott F": round(result.statistic, 2),
                     "p (Rao–Scott)": round(result.p_value, 4),
                     "Cramérs V": round(result.cramers_v, 3), "Rangtest": compare["test"],
                     "p (rangtest)": round(compare["p_value"], 4),
                     "Effektstorlek": round(compare["effect_size"], 3),
                     "Effektmått": compare["effect_measure"]}
            for position, level in enumerate(counts.index):
                for j, label in enumerate(labels):
                    hidden = bool(hidden_cells.iloc[position, j])
                    rows.append({
                        "Fråga": codebook.label(item), "Bakgrundsvariabel": codebook.label(by),
                        "Grupp": str(level), "Svarsalternativ": label,
                        "Antal": marked.iloc[position, j],
                        "Andel (%)": ".." if hidden else round(
                            100 * float(row_share.iloc[position, j]), 1),
                        "Antal svar i gruppen": marked.iloc[position, -1], **tests})
    return pd.DataFrame(rows)


def group_tests(crosstabs: pd.DataFrame) -> pd.DataFrame:
    """One row per question × background variable: the tests of :func:`crosstabs_table`,
    sorted by Rao–Scott p-value (the smallest first)."""
    if crosstabs.empty:
        return pd.DataFrame(columns=["Fråga", "Bakgrundsvariabel"])
    columns = ["Fråga", "Bakgrundsvariabel", "Rao–Scott F", "p (Rao–Scott)", "Cramérs V",
               "Rangtest", "p (rangtest)", "Effektstorlek", "Effektmått"]
    tests = crosstabs[columns].drop_duplicates(subset=["Fråga", "Bakgrundsvariabel"])
    return tests.sort_values("p (Rao–Scott)").reset_index(drop=True)


def response_rates(data: pd.DataFrame, codebook: Codebook, *, min_cell: int = 5
                   ) -> pd.DataFrame:
    """Unit response rate per group from the codebook's ``invited`` section (respondent
    counts under ``min_cell`` suppressed), with the total."""
    invited = codebook.invited or {}
    variable = invited.get("variable")
    counts = invited.get("counts") or {}
    if not variable or not counts or variable not in data.columns:
        return pd.DataFrame(columns=["Grupp", "Inbjudna", "Svarande", "Svarsfrekvens (%)"])
    answered = data[variable].value_counts()
    respondents = pd.Series({k: int(answered.get(_match_key(answered.index, k), 0))
                             for k in counts})
    suppressed = suppress_series(respondents, min_cell)
    rows = []
    for key in list(counts) + ["Totalt"]:
        hidden = bool(suppressed.suppressed[key])
        n_invited = int(sum(counts.values())) if key == "Totalt" else int(counts[key])
        n_answered = float(suppressed.table[key]) if not hidden else math.nan
        label = "Totalt" if key == "Totalt" else codebook.value_label(variable, key)
        rows.append({"Grupp": label, "Inbjudna": n_invited,
                     "Svarande": ".." if hidden else int(n_answered),
                     "Svarsfrekvens (%)": ".." if hidden else round(100 * n_answered /
                                                                    n_invited, 1)})
    return pd.DataFrame(rows)


def _match_key(index: Iterable[Any], key: Any) -> Any:
    for value in index:
        if _same_code(value, key):
            return value
    return key


def item_response(survey: Survey, items: Sequence[str], *, min_cell: int = 5) -> pd.DataFrame:
    """Substantive answers, declared missing codes ("Vet ej") and empty answers per item,
    each row suppressed with :func:`research.privacy.suppress_series` (the row total, the
    number of respondents, is public)."""
    rows = []
    total = len(survey.data)
    missing = survey.missing
    for item in items:
        variable = survey.codebook.variables[item]
        counts: dict[str, int] = {"Svar": int(survey.data[item].notna().sum())}
        for code, label in variable.missing.items():
            text = _code_text(_code_key(code))
            counts[f"{label} ({text})"] = int(missing[(missing["variable"] == item)
                                                      & (missing["code"] == text)]["n"].sum())
        counts[MISSING_LABEL] = int(missing[(missing["variable"] == item)
                                            & (missing["code"] == "")]["n"].sum())
        marked = suppress_series(pd.Series(counts), min_cell).marked()
        row: dict[str, Any] = {"Fråga": survey.codebook.label(item)}
        row.update({k: marked[k] for k in counts})
        row["Svarsandel (%)"] = (round(100 * counts["Svar"] / total, 1)
                                 if marked["Svar"] != ".." and total else "..")
        rows.append(row)
    return pd.DataFrame(rows)


# =======================================================================================
# Free text


@dataclass
class Themes:
    """Themes of free-text answers.

    Attributes
    ----------
    table
        One row per theme: ``Tema`` (label from top terms), ``Nyckelord``, ``Antal svar``
        (suppressed under ``min_cell``), ``Citat`` (masked quotes).
    assignments
        The dominant theme of each answer (−1: no theme), aligned with the answers.
    n_answers
        Non-empty answers analysed.
    """

    table: pd.DataFrame
    assignments: np.ndarray
    n_answers: int


def read_names(path: str | Path | None) -> list[str]:
    """Names to mask, one per line, from a UTF-8/cp1252 text file (``#`` starts a comment).

    Keeping the names in a file keeps them out of the run's parameters, which the
    briefing's provenance section shows. ``None``/empty path gives no names.
    """
    if not path:
        return []
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"Name list not found: {path}", hint="check the "
                             "'mask_names_file' parameter", file=str(path),
                             parameter="mask_names_file")
    names = []
    for line in _decode(path.read_bytes(), path).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def mask_answers(answers: Iterable[Any], names: Iterable[str] = ()) -> list[str | None]:
    """Mask personal identifiers (see :func:`research.privacy.mask_identifiers`) in every
    answer; empty answers become None."""
    names = list(names)
    out: list[str | None] = []
    for answer in answers:
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            out.append(None)
            continue
        text = str(answer).strip()
        out.append(mask_identifiers(text, names) if text else None)
    return out


def free_text_themes(answers: Sequence[Any], *, n_themes: int = 5, names: Iterable[str] = (),
                     quotes: int = 2, min_cell: int = 5, seed: int = 0,
                     max_quote_chars: int = 240) -> Themes:
    """Themes of open answers: Swedish lemmas without stop words, TF-IDF, NMF.

    Answers are masked for personal identifiers *before* anything else, so neither the
    keywords nor the quotes can hold a personnummer, phone number, e-mail address or a
    listed name. A theme with fewer than ``min_cell`` answers shows no count and no quote.

    Parameters
    ----------
    answers
        The open answers (None/NaN/empty are skipped).
    n_themes
        Number of themes (reduced when there are few answers).
    names
        Names to mask in quotes (e.g. staff or places that identify someone).
    quotes
        Quotes per theme: the answers most typical of it.
    seed
        NMF initialisation seed.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..text.core import content_tokens

    masked = mask_answers(answers, names)
    positions = [i for i, a in enumerate(masked) if a]
    texts = [masked[i] for i in positions]
    assignments = np.full(len(masked), -1)
    columns = ["Tema", "Nyckelord", "Antal svar", "Citat"]
    if len(texts) < 3:
        return Themes(pd.DataFrame(columns=columns), assignments, len(texts))
    # placeholders such as [telefonnummer] are not themes
    docs = [" ".join(t for t in content_tokens(re.sub(r"\[[^\]]+\]", " ", text))) for text in texts]
    vectorizer = TfidfVectorizer(min_df=2 if len(texts) >= 20 else 1, max_df=0.9,
                                 token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:
        return Themes(pd.DataFrame(columns=columns), assignments, len(texts))
    k = max(1, min(n_themes, matrix.shape[0] // 3, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = np.array(vectorizer.get_feature_names_out())
    dominant = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    assignments[positions] = dominant
    rows = []
    for theme in range(k):
        top = terms[np.argsort(model.components_[theme])[::-1][:6]]
        members = np.flatnonzero(dominant == theme)
        count = len(members)
        order = members[np.argsort(weights[members, theme])[::-1]]
        chosen = _distinct_quotes([texts[i] for i in order], quotes, max_quote_chars)
        small = count < min_cell
        rows.append({"Tema": ", ".join(top[:3]), "Nyckelord": ", ".join(top),
                     "Antal svar": ".." if small else count,
                     "Citat": "" if small else " | ".join(f"”{q}”" for q in chosen),
                     "_count": count})
    table = pd.DataFrame(rows).sort_values("_count", ascending=False).drop(columns="_count")
    return Themes(table.reset_index(drop=True), assignments, len(texts))


def _distinct_quotes(candidates: Sequence[str], count: int, limit: int) -> list[str]:
    """The first ``count`` candidates that do not repeat an earlier one (same opening
    words or ≥ 80 % similar, rapidfuzz), shortened to ``limit`` characters."""
    from rapidfuzz import fuzz

    chosen: list[str] = []
    for text in candidates:
        opening = " ".join(tokenize_words(text)[:5])
        if any(opening == " ".join(tokenize_words(c)[:5]) or fuzz.ratio(text, c) >= 80
               for c in chosen):
            continue
        chosen.append(text)
        if len(chosen) == count:
            break
    return [_shorten(text, limit) for text in chosen]


def tokenize_words(text: str) -> list[str]:
    """Lower-case words of ``text`` (see :func:`research.text.tokenize`)."""
    from ..text.core import tokenize

    return tokenize(text)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# =======================================================================================
# Figures


def estimates_figure(estimates: pd.DataFrame, *, label_column: str, title: str,
                     value_label: str = "Medelvärde", panel_column: str | None = None) -> Any:
    """Dot-and-whisker chart of estimates with 95 % CI (one row per group, one panel per
    value of ``panel_column``), from an already suppressed table: rows without an
    estimate are listed under the chart as not shown. Columns used: ``estimate``,
    ``ci_low``, ``ci_high``, ``n`` and ``label_column``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from ..report.display import attach_alt

    if estimates.empty:
        return _empty_figure(f"{title}: inga skattningar att visa.")
    groups = ([(None, estimates)] if panel_column is None
              else list(estimates.groupby(panel_column, sort=False)))
    rows_max = max(1, max(len(g) for _, g in groups))
    fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups) + 1.5,
                                                      1.4 + 0.42 * rows_max),
                             squeeze=False, sharey=True)
    markers = ["o", "s", "D", "^", "v", "P", "X", "*"]
    labels = list(dict.fromkeys(estimates[label_column]))
    y_of = {label: len(labels) - 1 - i for i, label in enumerate(labels)}
    alt_parts = []
    hidden_labels: set[str] = set()
    for ax, (panel, frame) in zip(axes[0], groups):
        shown = frame[pd.to_numeric(frame["estimate"], errors="coerce").notna()]
        hidden_labels |= set(map(str, frame.loc[~frame.index.isin(shown.index), label_column]))
        for position, (_, row) in enumerate(shown.iterrows()):
            marker = markers[labels.index(row[label_column]) % len(markers)]
            colour = LINE_COLOURS[labels.index(row[label_column]) % len(LINE_COLOURS)]
            estimate, low, high = (float(row["estimate"]), float(row["ci_low"]),
                                   float(row["ci_high"]))
            ax.errorbar(estimate, y_of[row[label_column]], xerr=[[estimate - low],
                                                                 [high - estimate]],
                        fmt=marker, color=colour, capsize=4, markersize=7,
                        markeredgecolor="black")
            ax.text(high, y_of[row[label_column]], f"  {format_number(estimate, 2)}",
                    va="center", fontsize=8)
        ax.set_title(_plain(str(panel) if panel is not None else title), fontsize=10,
                     loc="left")
        ax.set_xlabel(f"{value_label} (95 % KI)", fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_number(x, 1)))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#dddddd")
        if len(shown):
            top = shown.loc[pd.to_numeric(shown["estimate"]).idxmax()]
            low_row = shown.loc[pd.to_numeric(shown["estimate"]).idxmin()]
            alt_parts.append(
                f"{panel or title}: högst för {top[label_column]} "
                f"({format_number(float(top['estimate']), 2)}), lägst för "
                f"{low_row[label_column]} ({format_number(float(low_row['estimate']), 2)})")
    n_by_label = {}
    for _, row in estimates.iterrows():
        n_by_label.setdefault(row[label_column], row["n"])
    tick_labels = []
    for label in y_of:
        n = n_by_label[label]
        n_text = format_number(n) if isinstance(n, (int, float)) and not pd.isna(n) else ".."
        tick_labels.append(_plain(f"{label} (n = {n_text})"))
    axes[0][0].set_yticks(list(y_of.values()), tick_labels, fontsize=8)
    if panel_column is not None:
        fig.suptitle(_plain(title), fontsize=12, x=0.01, ha="left")
    if hidden_labels:
        fig.text(0.01, 0.0, _plain("Visas inte (för få svarande): "
                                   + ", ".join(sorted(hidden_labels))),
                 fontsize=7)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    alt = (f"Punktdiagram med konfidensintervall: {title}. " + "; ".join(alt_parts) + "."
           if alt_parts else f"Punktdiagram: {title}. Inga grupper har tillräckligt många "
           "svarande för att visas.")
    attach_alt(fig, alt)
    return fig


# =======================================================================================
# The whole analysis, as the notebook runs it


@dataclass
class SurveyAnalysis:
    """Everything the Enkätanalys briefing shows; every table is already suppressed."""

    survey: Survey
    data: pd.DataFrame
    design: SurveyDesign
    group_by: list[str]
    min_cell: int
    estimates: pd.DataFrame
    likert: dict[str, LikertTable]
    reliability: pd.DataFrame
    crosstabs: pd.DataFrame
    tests: pd.DataFrame
    themes: Themes
    response: pd.DataFrame
    items: pd.DataFrame

    @property
    def likert_frame(self) -> pd.DataFrame:
        """All Likert blocks in one table (for ``likert.csv``)."""
        frames = []
        for block, table in self.likert.items():
            frame = table.to_long()
            frame.insert(0, "Block", self.survey.codebook.blocks[block]["label"])
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["Block", "Fråga", "Svarsalternativ", "Antal",
                                         "Andel (%)", "Antal svar"])
        return pd.concat(frames, ignore_index=True)

    def top_difference(self) -> pd.DataFrame:
        """The cross-table (weighted row %, suppressed) of the question and background
        variable with the smallest Rao–Scott p-value, one row per group."""
        if self.tests.empty:
            return pd.DataFrame(columns=["Grupp"])
        top = self.tests.iloc[0]
        rows = self.crosstabs[(self.crosstabs["Fråga"] == top["Fråga"])
                              & (self.crosstabs["Bakgrundsvariabel"] == top["Bakgrundsvariabel"])]
        wide = rows.pivot(index="Grupp", columns="Svarsalternativ", values="Andel (%)")
        order = list(dict.fromkeys(rows["Svarsalternativ"]))
        wide = wide[order].rename(columns=lambda c: f"{c} (%)")
        wide["Antal svar"] = rows.groupby("Grupp", sort=False)["Antal svar i gruppen"].first()
        wide = wide.loc[list(dict.fromkeys(rows["Grupp"]))].reset_index()
        return wide.astype(object)

    def likert_panels(self) -> dict[str, LikertTable]:
        """``{block label: LikertTable}`` for :func:`likert_figure`."""
        return {self.survey.codebook.blocks[block]["label"]: table
                for block, table in self.likert.items()}

    def key_figures(self) -> dict[str, str]:
        """Key figures for the summary (Swedish labels, formatted values)."""
        figures = {"Svarande": format_number(len(self.data))}
        total = self.response[self.response["Grupp"] == "Totalt"] if len(self.response) else []
        if len(total) and total.iloc[0]["Svarsfrekvens (%)"] != "..":
            figures["Svarsfrekvens"] = format_percent(total.iloc[0]["Svarsfrekvens (%)"],
                                                      ratio=False)
        overall = self.estimates[(self.estimates["Grupp"] == "Alla")
                                 & (self.estimates["Mått"] == "Medelvärde")]
        for _, row in overall.iterrows():
            if pd.notna(row["Skattning"]):
                figures[row["Fråga/index"]] = format_number(row["Skattning"], 2)
        return figures

    def findings(self) -> list[str]:
        """3–5 plain Swedish key findings."""
        return summary_findings(self.estimates, self.likert, self.reliability, self.themes,
                                len(self.data), self.tests)

    def method_notes(self) -> list[str]:
        """Data and method notes for "Om underlaget" (Swedish)."""
        design = self.design
        parts = [f"Underlag: {Path(self.survey.source).name} med "
                 f"{format_number(len(self.data))} svarande, validerat mot kodboken "
                 f"({Path(self.survey.codebook.source).name})."]
        described = []
        if design.weights:
            described.append(f"vikter ({design.weights})")
        if design.strata:
            described.append(f"{format_number(len(design.n_psu_))} strata ({design.strata})")
        if design.clusters:
            described.append(f"kluster ({design.clusters}, ett steg)")
        if design.fpc is not None:
            described.append(f"ändlighetskorrektion ({design.fpc})")
        parts.append("Skattningarna tar hänsyn till urvalsdesignen: "
                     + (", ".join(described) if described else "obundet slumpmässigt urval")
                     + ". Medelfel beräknas med Taylorlinjärisering (som R-paketet survey); "
                     "95 % konfidensintervall för medelvärden är normalapproximerade.")
        parts.append("Index är medelvärdet av frågorna (omvända frågor vänds) för svarande som "
                     "besvarat tillräckligt många av dem; tillförlitligheten anges med "
                     "Cronbachs alfa och Feldts konfidensintervall. Andelar som instämmer har "
                     "konfidensintervall på logitskalan (som svyciprop i R).")
        parts.append("Gruppskillnader prövas med Pearsons chitvåtest med Rao–Scotts korrigering "
                     "(andra ordningen, F-test) och, utan vikter, med Mann–Whitney- eller "
                     "Kruskal–Wallis-test; effektstorlek som Cramérs V, rangbiserial korrelation "
                     "eller ε².")
        parts.append(f"Röjandeskydd: celler med färre än {self.min_cell} svarande visas inte "
                     "(”..”), och fler celler döljs vid behov så att de inte kan räknas fram ur "
                     f"summor. Grupper med färre än {self.min_cell} svarande slås ihop till "
                     f"”{OTHER_GROUPS_LABEL}” och redovisas aldrig var för sig.")
        parts.append("Svaren ”Vet ej” räknas som saknade värden. Citat ur fritextsvaren har "
                     "personnummer, telefonnummer, e-postadresser, adresser och angivna namn "
                     "maskerade innan de visas.")
        return parts


def default_blocks(codebook: Codebook) -> dict[str, dict[str, Any]]:
    """Likert blocks when the codebook has none: consecutive items sharing one scale."""
    blocks: dict[str, dict[str, Any]] = {}
    current: list[str] = []
    scale: list[Any] | None = None
    for item in codebook.likert_items():
        codes = [_code_key(c) for c in codebook.variables[item].codes]
        if current and codes != scale:
            blocks[f"block{len(blocks) + 1}"] = {"label": f"Påståenden {len(blocks) + 1}",
                                                 "items": current}
            current = []
        current.append(item)
        scale = codes
    if current:
        blocks[f"block{len(blocks) + 1}"] = {"label": "Påståenden" if not blocks else
                                             f"Påståenden {len(blocks) + 1}", "items": current}
    return blocks


def analyse(survey: Survey, *, weight: str | None = None, strata: str | None = None,
            cluster: str | None = None, fpc: str | float | None = None,
            group_by: Sequence[str] = (), min_cell: int = 5, names: Iterable[str] = (),
            n_themes: int = 5, seed: int = 0) -> SurveyAnalysis:
    """Run the whole Enkätanalys on a validated survey (what the notebook shows).

    Raises
    ------
    ParameterError
        For an unknown group/design column or an invalid ``min_cell``.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise ParameterError(f"min_cell must be a whole number ≥ 1, got {min_cell!r}.",
                             hint="the usual threshold is 5", parameter="min_cell")
    if isinstance(group_by, str):
        group_by = [group_by] if group_by else []
    group_by = [g for g in group_by if g]
    book = survey.codebook
    if not book.blocks:
        book.blocks = default_blocks(book)
    if not book.free_text:
        book.free_text = [n for n, v in book.variables.items() if v.type == "text"]
    data = add_group_columns(survey.data, book, group_by, min_cell)
    data = compute_indices(add_agreement_columns(data, book), book)
    design = design_from_parameters(data, weight, strata, cluster, fpc)
    likert = {block: likert_table(data, book, spec["items"], min_cell)
              for block, spec in book.blocks.items()
              if all(book.variables[i].type == "likert" for i in spec["items"])}
    crosstabs = crosstabs_table(design, book, book.likert_items(), group_by, min_cell=min_cell)
    texts = pd.concat([data[c] for c in book.free_text], ignore_index=True) \
        if book.free_text else pd.Series([], dtype=object)
    return SurveyAnalysis(
        survey=survey, data=data, design=design, group_by=group_by, min_cell=min_cell,
        estimates=estimates_table(design, book, group_by=group_by, min_cell=min_cell),
        likert=likert, reliability=reliability_table(data, book, min_cell=min_cell),
        crosstabs=crosstabs, tests=group_tests(crosstabs),
        themes=free_text_themes(list(texts), n_themes=n_themes, names=names,
                                min_cell=min_cell, seed=seed),
        response=response_rates(survey.data, book, min_cell=min_cell),
        items=item_response(survey, book.likert_items(), min_cell=min_cell),
    )


def index_figure(analysis: SurveyAnalysis, group: str | None = None) -> Any:
    """Index means with 95 % CI by the groups of ``group`` (default: the first
    ``group_by`` variable), one panel per index, from the suppressed estimates."""
    group = group or (analysis.group_by[0] if analysis.group_by else None)
    table = analysis.estimates[analysis.estimates["Mått"] == "Medelvärde"]
    if group is not None:
        label = analysis.survey.codebook.label(group)
        table = table[table["Grupp"].isin(["Alla", label])]
    frame = table.rename(columns={"Skattning": "estimate", "KI nedre (95 %)": "ci_low",
                                  "KI övre (95 %)": "ci_high", "Antal svarande": "n"})
    title = "Index per grupp" if group is None else \
        f"Index per {analysis.survey.codebook.label(group).lower()}"
    return estimates_figure(frame, label_column="Värde", title=title, panel_column="Fråga/index")


# =======================================================================================
# Summary


def summary_findings(estimates: pd.DataFrame, likert: Mapping[str, LikertTable],
                     reliability: pd.DataFrame, themes: Themes, n_respondents: int,
                     tests: pd.DataFrame | None = None) -> list[str]:
    """3–5 plain Swedish key findings from the published (suppressed) tables."""
    findings = []
    overall = estimates[(estimates["Grupp"] == "Alla") & (estimates["Mått"] == "Medelvärde")]
    parts = [f"{row['Fråga/index']} {format_number(row['Skattning'], 2)} (95 % KI "
             f"{format_number(row['KI nedre (95 %)'], 2)}–{format_number(row['KI övre (95 %)'], 2)})"
             for _, row in overall.iterrows() if pd.notna(row["Skattning"])]
    if parts:
        findings.append("Skattade medelvärden på skalan 1–5: " + "; ".join(parts) + ".")
    agree = estimates[(estimates["Grupp"] == "Alla")
                      & (estimates["Mått"] == "Andel som instämmer")].dropna(subset=["Skattning"])
    if len(agree):
        top = agree.loc[agree["Skattning"].idxmax()]
        low = agree.loc[agree["Skattning"].idxmin()]
        findings.append(f"Flest instämmer i ”{top['Fråga/index']}” "
                        f"({format_percent(top['Skattning'] / 100, 0)}), färst i "
                        f"”{low['Fråga/index']}” ({format_percent(low['Skattning'] / 100, 0)}).")
    if tests is not None and len(tests):
        top = tests.iloc[0]
        p = top["p (Rao–Scott)"]
        if pd.notna(p) and p < 0.05:
            p_text = "p < 0,001" if p < 0.001 else f"p = {format_number(p, 3)}"
            findings.append(f"Tydligast skillnad mellan grupper gäller ”{top['Fråga']}”, "
                            f"uppdelat efter ”{top['Bakgrundsvariabel']}” (Rao–Scott "
                            f"{p_text}, Cramérs V = {format_number(top['Cramérs V'], 2)}).")
    if len(themes.table):
        findings.append(f"De {format_number(themes.n_answers)} fritextsvaren handlar oftast om "
                        f"temat ”{themes.table.iloc[0]['Tema']}”.")
    whole = reliability[reliability["Fråga"] == "Hela indexet"] if len(reliability) else []
    if len(whole):
        parts = [f"{r['Index']} {format_number(r['Cronbachs alfa'], 2)}"
                 for _, r in whole.iterrows()]
        findings.append("Tillförlitlighet (Cronbachs alfa): " + "; ".join(parts) + ".")
    return findings[:5] or [f"{format_number(n_respondents)} personer besvarade enkäten."]
