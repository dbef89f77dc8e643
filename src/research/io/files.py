"""Reading and writing files safely: atomic writes and text of unknown encoding.

Every artefact is written to a temporary file in the target folder and renamed over the
target, so a crash never leaves a half-written file. Text from outside (exports, feeds,
parameter files) may be UTF-8 with or without BOM, UTF-16 or cp1252 (Swedish Excel).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, InputDataError, ResearchError

__all__ = [
    "check_size",
    "write_bytes_atomic",
    "YAML_LIMITS",
    "safe_load_limited",
    "write_text_atomic",
    "write_json_atomic",
    "decode_text",
    "read_yaml",
]


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8",
                      mode: int = 0o644) -> Path:
    """Write ``text`` to ``path`` via a temporary file, fsync and an atomic rename."""
    return write_bytes_atomic(path, text.encode(encoding), mode=mode)


def check_size(path: str | os.PathLike[str], limit: int, *, what: str,
               parameter: str | None = None) -> int:
    """The size of ``path`` in bytes; :class:`InputDataError` naming the file, the limit and
    the parameter when it is larger than ``limit``."""
    target = Path(path)
    size = target.stat().st_size
    if size > limit:
        fields = {"parameter": parameter} if parameter else {}
        raise InputDataError(f"{target}: the {what} is {size:,} bytes, more than the limit of "
                             f"{limit:,}.", hint="check that the right file is named"
                             + (f" in '{parameter}'" if parameter else ""),
                             file=str(target), limit="max_bytes", **fields)
    return size


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` via a temporary file, fsync and an atomic rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_json_atomic(path: str | os.PathLike[str], data: Mapping[str, Any], *,
                      indent: int = 2) -> Path:
    """Write JSON (UTF-8, not ASCII-escaped) atomically."""
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=indent,
                                              default=str) + "\n")


def decode_text(data: bytes, *, name: str = "") -> tuple[str, str]:
    """Decode bytes of unknown encoding; returns ``(text, encoding)``.

    Order: a byte-order mark (UTF-8/16/32), strict UTF-8, then cp1252 (the Western
    European code page Swedish files use) when it gives plain Swedish/English characters,
    then charset-normalizer's best guess. (For short Swedish texts charset-normalizer alone
    often guesses cp1250, cp775 or even cp949, hence cp1252 first.)

    Raises
    ------
    InputDataError
        The bytes look binary or no encoding fits (the message names ``name``).
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _nfc(data.decode(encoding)), encoding
            except UnicodeDecodeError as exc:
                raise InputDataError(f"{name}: byte-order mark says {encoding} but the "
                                     f"text is not valid {encoding} ({exc.reason}).",
                                     hint="save the file again as UTF-8", file=name) from exc
    try:
        return _nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise InputDataError(f"{name}: the file looks binary, not text.",
                             hint="save it as UTF-8 text", file=name)
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and _looks_western(western):
        return _nfc(western), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputDataError(f"{name}: unknown text encoding.",
                             hint="save the file as UTF-8", file=name)
    return _nfc(str(best)), best.encoding


_WESTERN = re.compile(r"[A-Za-z0-9ÅÄÖåäöÉéÜüÆæØøÈèÀàÁáÍíÓóÚúÑñ\s"
                      r".,;:!?'\"()\[\]{}<>/\\&%+=_*#@$€§–—…’‘“”«»-]")


def _looks_western(text: str) -> bool:
    """True when nearly every character is one a Swedish/English text would use."""
    if not text:
        return True
    plain = len(_WESTERN.findall(text))
    return plain / len(text) >= 0.97


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)




YAML_LIMITS = {"max_chars": 5_000_000, "max_nodes": 200_000, "max_depth": 64}


def _expanded_size(node: yaml.Node, depth: int, memo: dict[int, int], limit_nodes: int) -> int:
    """Nodes a YAML graph holds once every alias is expanded (memoised, so a
    "billion laughs" document is measured in linear time, not expanded)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > YAML_LIMITS["max_depth"]:
        raise _YamlLimit("max_depth", f"nesting deeper than {YAML_LIMITS['max_depth']} levels")
    memo[key] = 1  # guards recursive aliases
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, depth + 1, memo, limit_nodes)
    elif isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                if k.value in keys:  # PyYAML would keep the last value without a word
                    raise _YamlLimit(None, f"the key {k.value!r} appears twice in one mapping "
                                     f"(line {k.start_mark.line + 1}), so one of its values "
                                     "would be lost", hint="remove or rename one of them",
                                     line=k.start_mark.line + 1)
                keys.add(k.value)
            size += _expanded_size(k, depth + 1, memo, limit_nodes)
            size += _expanded_size(v, depth + 1, memo, limit_nodes)
    if size > limit_nodes:
        raise _YamlLimit("max_nodes", f"more than {limit_nodes:,} values once its aliases "
                         "(&anchor / *alias) are expanded")
    memo[key] = size
    return size


class _YamlLimit(Exception):
    def __init__(self, limit: str | None, text: str, *, hint: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(text)
        self.limit, self.text, self.hint, self.line = limit, text, hint, line


def safe_load_limited(text: str, *, name: str = "YAML", error: type[ResearchError] | None = None,
                      **fields: Any) -> Any:
    """``yaml.safe_load`` with limits: no ``!!python`` tags (safe loader), nesting at most
    ``YAML_LIMITS["max_depth"]`` and at most ``YAML_LIMITS["max_nodes"]`` values after
    alias expansion (refuses "billion laughs" documents before expanding them)."""
    error = error or ConfigError
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            _expanded_size(node, 0, {}, YAML_LIMITS["max_nodes"])
        except _YamlLimit as exc:
            where = {"limit": exc.limit} if exc.limit else {"row": exc.line}
            raise error(f"{name} is refused: {exc.text}.", hint=exc.hint or "remove the "
                        "anchors and aliases or split the file; the limits are "
                        "research.io.files.YAML_LIMITS", **where, **fields) from None
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: str | os.PathLike[str], *, what: str, error: type[ResearchError] | None = None,
              missing_hint: str | None = None, **fields: Any) -> Any:
    """Read a YAML file of unknown encoding, with errors that name the file and position.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages ("Parameter file", "Schedule file" …).
    error
        The :class:`~research.errors.ResearchError` subclass to raise (default
        :class:`~research.errors.ConfigError`).
    missing_hint
        What to do when the file does not exist.
    **fields
        Extra structured fields for the error (e.g. ``parameter="schema"``).
    """
    error = error or ConfigError
    target = Path(path)
    if not target.is_file():
        raise error(f"{what} not found: {target}", hint=missing_hint or "check the path",
                    file=str(target), **fields)
    try:
        text, _ = decode_text(target.read_bytes(), name=str(target))
    except InputDataError as exc:
        raise error(f"{what} {target} is not readable text: {exc.message}",
                    hint="save it as UTF-8 text", file=str(target), **fields) from exc
    if len(text) > YAML_LIMITS["max_chars"]:
        raise error(f"{what} {target} has {len(text):,} characters, more than the limit of "
                    f"{YAML_LIMITS['max_chars']:,}.", hint="a configuration file should be "
                    "small; check that you named the right file", file=str(target),
                    limit="max_chars", **fields)
    try:
        return safe_load_limited(text, name=f"{what} {target}", error=error,
                                 file=str(target), **fields)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{what} {target} is not valid YAML{where}: {problem}",
                    hint="fix the YAML syntax (indentation, quotes, colons)",
                    file=str(target), **fields) from exc
    except ValueError as exc:  # YAML's date resolver: e.g. 2026-13-01 looks like a date
        raise error(f"{what} {target} has a value that looks like a date but is not one "
                    f"({exc}).", hint="write dates as YYYY-MM-DD, or quote the value if it "
                    "is text", file=str(target), **fields) from exc
