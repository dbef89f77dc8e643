"""What a notebook shows: display helpers, figures, Swedish formatting, HTML safety."""

from .display import *  # noqa: F401,F403
from .display import __all__ as _display_all

__all__ = list(_display_all)
