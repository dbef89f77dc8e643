"""Parameters: load YAML parameter sets, merge ``-p`` overrides, validate against the
notebook's ``parameters`` cell before any kernel starts.

A parameter file may also say what the set is called for readers: ``label: Per månad``
(text, one line, at most 80 characters). The label is metadata, not a parameter: it is
never passed to the notebook (so ``parameters/<nb>/default.yaml`` still equals the
notebook's parameters cell) and is shown on the catalogue's cards, in its feeds and in
the briefing's header. A notebook cannot declare a parameter of that name.

Types come from the cell as :func:`papermill.inspect_notebook` reports it: an annotation
(``n: int = 5``) or ``# type: int`` comment wins; otherwise the type of the literal default
(``n = 5`` → int, ``title = "x"`` → str, ``items = []`` → list, ``x = None`` → anything).
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import io
import json
import logging
import tokenize
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ParameterError
from .io.files import read_yaml, safe_load_limited
from .paths import resolve

__all__ = [
    "TYPE_LABELS",
    "LABEL_KEY",
    "LABEL_MAX",
    "ParameterSpec",
    "Collected",
    "read_parameter_set",
    "notebook_parameters",
    "load_parameter_file",
    "parse_override",
    "validate",
    "collect",
    "collect_set",
]

LABEL_KEY = "label"  # the parameter set's label for readers; never a notebook parameter
LABEL_MAX = 80

TYPE_LABELS = {
    "str": "text (str)",
    "int": "a whole number (int)",
    "float": "a number (float)",
    "bool": "true or false (bool)",
    "list": "a list",
    "dict": "a mapping (dict)",
    "any": "any value",
}


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter of a notebook: name, expected type, default (source text), help."""

    name: str
    type: str
    default: str
    help: str
    optional: bool = False

    @property
    def default_value(self) -> Any:
        """The default as a Python value (None when it is not a literal)."""
        try:
            return ast.literal_eval(self.default)
        except (ValueError, SyntaxError):
            return None


def _type_from_annotation(annotation: str) -> tuple[str, bool]:
    text = annotation.strip().replace("typing.", "")
    optional = False
    match = re.fullmatch(r"Optional\[(.*)\]", text)
    if match:
        text, optional = match.group(1), True
    parts = [p.strip() for p in text.split("|")]
    if "None" in parts:
        optional = True
        parts = [p for p in parts if p != "None"]
    if len(parts) != 1:
        return "any", optional
    base = re.split(r"\[", parts[0])[0].strip().lower()
    base = {"string": "str", "integer": "int", "boolean": "bool", "number": "float",
            "sequence": "list", "tuple": "list", "mapping": "dict"}.get(base, base)
    return (base if base in TYPE_LABELS else "any"), optional


def _type_from_default(default: str) -> str:
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return "any"
    if value is None:
        return "any"
    for name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str),
                       ("list", (list, tuple)), ("dict", dict)):
        if isinstance(value, kind):
            return name
    return "any"


def notebook_parameters(notebook: str | Path) -> dict[str, ParameterSpec]:
    """Return the parameters declared in the notebook's ``parameters`` cell."""
    path = Path(notebook)
    if not path.is_file():
        raise ParameterError(f"Notebook not found: {path}", hint="give the path of a .ipynb file")
    # The cell is parsed with Python's own parser, following papermill's conventions
    # (annotation or "# type:" comment, trailing help comment); papermill's line-based
    # inspect_notebook is the fallback for a cell Python cannot parse. Not importing
    # papermill here lets the kernel start sooner.
    raw = _parse_cell(path)
    if raw is None:
        import papermill

        try:
            logging.getLogger("papermill.translators").setLevel(logging.ERROR)
            raw = papermill.inspect_notebook(str(path))
        except Exception as exc:  # papermill raises several types for unreadable notebooks
            raise ParameterError(
                f"Cannot read the parameters of {path}: {exc}",
                hint="check that the file is a valid notebook with one cell tagged 'parameters'",
            ) from exc
    specs: dict[str, ParameterSpec] = {}
    for name, info in raw.items():
        annotated = info.get("inferred_type_name") or "None"
        default = info.get("default") or "None"
        if annotated != "None":
            kind, optional = _type_from_annotation(annotated)
        else:
            kind, optional = _type_from_default(default), False
        if default.strip() == "None":
            optional = True
        specs[name] = ParameterSpec(name, kind, default, info.get("help") or "", optional)
    return specs


def _parse_cell(path: Path) -> dict[str, dict[str, str]] | None:
    """Parse the ``parameters`` cell with :mod:`ast`: name, annotation (or ``# type:``
    comment), default source and trailing help comment, as papermill reports them.

    Returns None when the cell is not valid Python (papermill's parser is tried then).
    """
    try:  # plain JSON: validating with nbformat here would delay the kernel's start
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ParameterError(
            f"Cannot read notebook {path}: {exc}",
            hint="check that the file is a valid notebook (JSON, nbformat 4)",
        ) from exc
    cell = next((c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"
                 and "parameters" in (c.get("metadata") or {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            name, annotation = node.targets[0].id, "None"
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, annotation = node.target.id, ast.get_source_segment(source, node.annotation) or "None"
        else:
            continue
        help_text = comments.get(node.end_lineno or node.lineno, "")
        type_comment = re.match(r"type:\s*(\S+)\s*(.*)", help_text)
        if type_comment and annotation == "None":
            annotation, help_text = type_comment.group(1), type_comment.group(2)
        found[name] = {"name": name, "inferred_type_name": annotation,
                       "default": ast.get_source_segment(source, node.value) or "None",
                       "help": help_text}
    return found


def load_parameter_file(path: str | Path) -> dict[str, Any]:
    """Load one YAML parameter set (a mapping of parameter names to values); its label
    (``label:``, see :func:`read_parameter_set`) is not one of them."""
    return read_parameter_set(path)[0]


def read_parameter_set(path: str | Path) -> tuple[dict[str, Any], str | None]:
    """Load one YAML parameter set: ``(values, label)``, the label being the optional
    ``label:`` for readers (checked: text, one line, at most :data:`LABEL_MAX` characters)."""
    values = _read_mapping(path)
    if LABEL_KEY not in values:
        return values, None
    return values, _check_label(values.pop(LABEL_KEY), path)


def _check_label(value: Any, path: str | Path) -> str:
    where = f"Parameter file {path}, key '{LABEL_KEY}'"
    example = f"e.g. {LABEL_KEY}: Per månad"
    if not isinstance(value, str):
        shown = "nothing" if value is None else _describe(value)
        raise ParameterError(f"{where}: got {shown}, expected text (the parameter set's name "
                             "for readers).",
                             hint=f"write one line of text, quoted if it looks like a number or "
                                  f"a date ({example}), or remove the key", file=str(path),
                             parameter=LABEL_KEY, given=value, expected="str")
    text = value.strip()
    if not text:
        raise ParameterError(f"{where} is empty.", hint=f"give the set a name ({example}) or "
                             "remove the key", file=str(path), parameter=LABEL_KEY)
    if "\n" in text or "\r" in text or any(ord(c) < 32 for c in text):
        raise ParameterError(f"{where}: the label must be a single line of text.",
                             hint=f"write it on one line ({example})", file=str(path),
                             parameter=LABEL_KEY)
    if len(text) > LABEL_MAX:
        raise ParameterError(f"{where}: the label is {len(text)} characters long, more than "
                             f"{LABEL_MAX}.", hint="shorten it: it is shown on catalogue cards "
                             "and in feed titles (put longer text in 'title')", file=str(path),
                             parameter=LABEL_KEY, limit=LABEL_MAX)
    return text


def _read_mapping(path: str | Path) -> dict[str, Any]:
    file = resolve(path, Path.cwd())
    data = read_yaml(file, what="Parameter file", error=ParameterError,
                     missing_hint="check the path given to -f")
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ParameterError(f"Parameter file {path} must be a mapping of name: value, "
                             f"not {type(data).__name__}.", hint="write one 'name: value' per line",
                             file=str(path))
    return {str(k): v for k, v in data.items()}


def parse_override(name: str, text: str) -> Any:
    """Parse one ``-p NAME VALUE`` value as a YAML scalar (or flow list/mapping)."""
    try:  # limited: a short -p value with nested aliases must not expand into gigabytes
        return safe_load_limited(text, name=f"Value of -p {name}", error=ParameterError,
                                 parameter=name) if text.strip() else text
    except (yaml.YAMLError, ValueError):  # ValueError: a date-like value such as 2026-13-01
        return text


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _coerce(spec: ParameterSpec, value: Any, raw: str | None, origin: str) -> Any:
    """Return ``value`` converted to the spec's type, or raise ParameterError."""
    if value is None and spec.optional:
        return None
    kind = spec.type
    if isinstance(value, (dt.date, dt.datetime)) and kind in ("str", "any"):
        return value.isoformat()
    if kind == "any":
        _check_plain(spec.name, value, origin)
        return value
    if kind == "str":
        if isinstance(value, str):
            return value
        if raw is not None and not isinstance(value, (list, dict)):
            return raw  # -p title 2024 → "2024": the text as typed
    elif kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer() and raw is None:
            return int(value)
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind == "list":
        if isinstance(value, (list, tuple)):
            _check_plain(spec.name, list(value), origin)
            return list(value)
    elif kind == "dict":
        if isinstance(value, Mapping):
            _check_plain(spec.name, dict(value), origin)
            return dict(value)
    hint = f"give {TYPE_LABELS[kind]}"
    if kind == "str" and raw is None:
        hint += f", e.g. quote it in YAML: {spec.name}: '{value}'"
    if kind == "list":
        hint += f", e.g. {spec.name}: [a, b] in YAML or -p {spec.name} '[a, b]'"
    raise ParameterError(
        f"Parameter '{spec.name}' ({origin}): got {_describe(value)}, expected {TYPE_LABELS[kind]} "
        f"(default {spec.default}).",
        hint=hint,
        parameter=spec.name,
        given=value,
        expected=kind,
    )


def _check_plain(name: str, value: Any, origin: str) -> None:
    """Only plain data (str, numbers, bools, None, lists and dicts of them) may be injected."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return
    if isinstance(value, (dt.date, dt.datetime)):
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_plain(name, item, origin)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_plain(name, key, origin)
            _check_plain(name, item, origin)
        return
    raise ParameterError(f"Parameter '{name}' ({origin}): values of type "
                         f"{type(value).__name__} cannot be passed to a notebook.",
                         hint="use text, numbers, booleans, lists or mappings", parameter=name)


def _plain_dates(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain_dates(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain_dates(v) for k, v in value.items()}
    return value


def validate(
    specs: Mapping[str, ParameterSpec],
    values: Mapping[str, Any],
    *,
    raw: Mapping[str, str] | None = None,
    origins: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check names and types; return the converted values.

    Raises
    ------
    ParameterError
        For an unknown name (with the closest known names) or a value of the wrong type.
    """
    raw = raw or {}
    origins = origins or {}
    result: dict[str, Any] = {}
    for name, value in values.items():
        origin = origins.get(name, "given")
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=3)
            known = ", ".join(sorted(specs)) or "(none)"
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else \
                f"known parameters: {known}"
            raise ParameterError(f"Unknown parameter '{name}' ({origin}).", hint=hint,
                                 parameter=name, given=value)
        result[name] = _plain_dates(_coerce(specs[name], value, raw.get(name), origin))
    return result


@dataclass(frozen=True)
class Collected:
    """What a run's parameters are: the validated values, the notebook's specs and the
    parameter set's label for readers (the last file's ``label:``; None without one)."""

    values: dict[str, Any]
    specs: dict[str, ParameterSpec]
    label: str | None = None


def collect(
    notebook: str | Path,
    parameter_files: Sequence[str | Path] = (),
    overrides: Mapping[str, Any] | None = None,
    raw_overrides: Iterable[tuple[str, str]] = (),
) -> tuple[dict[str, Any], dict[str, ParameterSpec]]:
    """Merge parameter files (in order), then overrides, then ``-p`` pairs; validate.

    Returns the validated values and the notebook's parameter specs.
    """
    collected = collect_set(notebook, parameter_files, overrides, raw_overrides)
    return collected.values, collected.specs


def collect_set(
    notebook: str | Path,
    parameter_files: Sequence[str | Path] = (),
    overrides: Mapping[str, Any] | None = None,
    raw_overrides: Iterable[tuple[str, str]] = (),
) -> Collected:
    """:func:`collect`, with the parameter set's label (the last file that gives one)."""
    specs = notebook_parameters(notebook)
    if LABEL_KEY in specs:
        raise ParameterError(
            f"Notebook {notebook} declares a parameter '{LABEL_KEY}', a name reserved for "
            "the parameter set's label in parameter files.",
            hint=f"rename the parameter in the notebook's parameters cell (e.g. "
                 f"'{LABEL_KEY}_text')", parameter=LABEL_KEY)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    raw: dict[str, str] = {}
    label = None
    for file in parameter_files:
        file_values, file_label = read_parameter_set(file)
        label = file_label or label
        for name, value in file_values.items():
            values[name], origins[name] = value, f"from {file}"
            raw.pop(name, None)
    for name, value in (overrides or {}).items():
        values[name], origins[name] = value, "given"
        raw.pop(name, None)
    for name, text in raw_overrides:
        if name == LABEL_KEY:
            raise ParameterError(f"'-p {LABEL_KEY}' is not a parameter: '{LABEL_KEY}' names a "
                                 "parameter set for readers.",
                                 hint=f"write '{LABEL_KEY}: …' in the parameter file",
                                 parameter=LABEL_KEY)
        values[name], origins[name], raw[name] = parse_override(name, text), "from -p", text
    return Collected(validate(specs, values, raw=raw, origins=origins), specs, label)
