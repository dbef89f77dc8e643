"""Privacy: identifiers, masking, suppression and the disclosure audit."""

from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all
from .identity import *  # noqa: F401,F403
from .identity import __all__ as _identity_all

__all__ = list(_core_all) + list(_identity_all)
