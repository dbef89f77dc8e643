"""Shared file ground: decoding, atomic writes, YAML with limits, one table reader/writer.

:mod:`research.io.tables` (pandas) is loaded only when one of its names is used, so the
runner, which needs only :mod:`research.io.files`, starts without pandas.
"""

from importlib import import_module
from typing import Any

from .files import *  # noqa: F401,F403
from .files import __all__ as _files_all

_TABLE_NAMES = ("LIMITS", "TableLimits", "TABLE_SUFFIXES", "read_table", "read_sav",
                "to_number", "decimal_separator", "neutralise_formula", "neutralise_frame",
                "write_table")

__all__ = list(_files_all) + list(_TABLE_NAMES)


def __getattr__(name: str) -> Any:
    if name in _TABLE_NAMES:
        return getattr(import_module(".tables", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
