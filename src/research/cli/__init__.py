"""Command line: argument parsing only; maps errors to exit codes 0/1/2."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
