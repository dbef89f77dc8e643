"""Survey analysis: codebook, readers, design-based estimates, Likert tables, scales, free text."""

from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all

__all__ = list(_core_all)
