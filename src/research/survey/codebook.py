"""The codebook: what a survey's columns mean (question texts, scales, missing codes,
Likert blocks and indices), read from YAML or taken from an SPSS file's metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError, SchemaError
from ..io.files import read_yaml
from ..io.tables import read_sav

__all__ = [
    "VARIABLE_TYPES",
    "MISSING_LABEL",
    "LIKERT_WORDS",
    "Variable",
    "Codebook",
    "parse_codebook",
    "load_codebook",
    "codebook_from_sav",
    "codebook_from_metadata",
    "default_blocks",
    "code_key",
    "code_text",
    "same_code",
]

VARIABLE_TYPES = ("likert", "categorical", "numeric", "text", "id")
MISSING_LABEL = "Ej svar"
LIKERT_WORDS = re.compile(
    r"instämmer|håller med|nöjd|missnöjd|varken|ganska|mycket|aldrig|ibland|ofta|alltid|"
    r"bra|dålig|viktig|sannolik|agree|satisfied|never|often|always", re.IGNORECASE)




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
                if same_code(key, code):
                    return text
        return code_text(code)

    def scale_range(self, index: str) -> tuple[float, float] | None:
        """The lowest and highest possible score of an index (from its items' codes, or
        ``min``/``max`` of numeric items); None when the codebook does not say."""
        lows, highs = [], []
        for item in self.indices.get(index, {}).get("items", []):
            variable = self.variables[item]
            codes = [c for c in (code_key(k) for k in variable.values) if isinstance(c, float)]
            low = min(codes) if codes else variable.minimum
            high = max(codes) if codes else variable.maximum
            if low is None or high is None:
                return None
            lows.append(low)
            highs.append(high)
        return (min(lows), max(highs)) if lows else None

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


def code_text(code: Any) -> str:
    """A code as text: ``2.0`` → ``"2"``."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def same_code(a: Any, b: Any) -> bool:
    """True when two codes are equal as numbers (or, failing that, as text)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def code_key(value: Any) -> Any:
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
        return {code_key(k): str(v) for k, v in raw.items()}
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
    meta = read_sav(path, metadata_only=True)[1]
    return codebook_from_metadata(meta, Path(path))


def codebook_from_metadata(meta: Any, path: Path) -> Codebook:
    """A codebook from pyreadstat metadata (see :func:`codebook_from_sav`)."""
    variables: dict[str, Variable] = {}
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    for name in meta.column_names:
        value_labels = {code_key(k): str(v)
                        for k, v in (meta.variable_value_labels.get(name) or {}).items()}
        missing_codes: dict[Any, str] = {}
        for item in (meta.missing_ranges or {}).get(name, []) or []:
            lo, hi = item.get("lo"), item.get("hi")
            if lo is not None and lo == hi:
                key = code_key(lo)
                missing_codes[key] = value_labels.pop(key, MISSING_LABEL)
        for item in (meta.missing_user_values or {}).get(name, []) or []:
            key = code_key(item)
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



def default_blocks(codebook: Codebook) -> dict[str, dict[str, Any]]:
    """Likert blocks when the codebook has none: consecutive items sharing one scale."""
    blocks: dict[str, dict[str, Any]] = {}
    current: list[str] = []
    scale: list[Any] | None = None
    for item in codebook.likert_items():
        codes = [code_key(c) for c in codebook.variables[item].codes]
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

