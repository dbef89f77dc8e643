"""Shared file ground: decoding, atomic writes, YAML with limits, tables."""

from .files import *  # noqa: F401,F403
from .files import __all__ as _files_all

__all__ = list(_files_all)
