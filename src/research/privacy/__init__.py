"""Privacy: identifiers (in text and tables), cell suppression over linked tables, and the
independent disclosure audit that judges it."""

from . import checking  # noqa: F401  (run-level output checking)
from .audit import *  # noqa: F401,F403
from .audit import __all__ as _audit_all
from .identifiers import *  # noqa: F401,F403
from .identifiers import __all__ as _identifiers_all
from .identity import *  # noqa: F401,F403
from .identity import __all__ as _identity_all
from .masking import *  # noqa: F401,F403
from .masking import __all__ as _masking_all
from .suppression import *  # noqa: F401,F403
from .suppression import __all__ as _suppression_all

__all__ = (list(_identity_all) + list(_masking_all) + list(_identifiers_all)
           + list(_suppression_all) + list(_audit_all) + ["checking"])
