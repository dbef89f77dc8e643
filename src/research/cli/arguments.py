"""Argument types shared by the command-line modules: a bad value is an argparse error
(exit 2 with a message naming the option), never a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["whole_number", "positive_number", "number_in"]


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {minimum} or more, got {value}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_number(text: str) -> float:
    """An argparse type: a finite number above 0 (seconds, a penalty …)."""
    value = _number(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def number_in(accept: Callable[[float], bool], wording: str) -> Callable[[str], float]:
    """An argparse type: a number for which ``accept`` holds; ``wording`` says which in the
    error (e.g. ``"at least 0 and below 1"``)."""
    def parse(text: str) -> float:
        value = _number(text)
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {wording}, got {text}")
        return value

    return parse
