"""Errors that users can act on.

Every mistake a user can make (a parameter, a file, a row) raises a subclass of
:class:`ResearchError` that carries structured fields and a hint saying how to fix it.
The CLI maps them to exit codes; notebooks show them as a short Swedish-English message
instead of a bare traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ResearchError",
    "ParameterError",
    "InputDataError",
    "SchemaError",
    "PrivacyError",
    "PublishError",
    "ConfigError",
]


class ResearchError(Exception):
    """Base class for every error a user can act on.

    Parameters
    ----------
    message
        What went wrong, naming the file, row, column or parameter.
    hint
        What the user can do about it.
    **fields
        Structured context (``file``, ``row``, ``column``, ``parameter`` ...), kept on
        :attr:`fields` for programs and tests.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fields = fields

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ParameterError(ResearchError):
    """A parameter is unknown, of the wrong type or has an invalid value."""


class InputDataError(ResearchError):
    """An input file, row or value cannot be used (names file/row/column)."""


class SchemaError(InputDataError):
    """Input data does not match its declared schema or codebook."""


class PrivacyError(ResearchError):
    """Input or output would expose a person; never echoes the identifier."""


class PublishError(ResearchError):
    """The catalogue site could not be built."""

    exit_code = 1


class ConfigError(ResearchError):
    """A configuration file (schedule, sources, taxonomy ...) is invalid."""
