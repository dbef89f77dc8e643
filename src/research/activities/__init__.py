"""The template briefing (mall): the Kunskapshus activity log."""

from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all

__all__ = list(_core_all)
