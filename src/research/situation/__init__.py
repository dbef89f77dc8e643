"""The local situation picture (lokal lägesbild) from anonymised reports.

``readers`` (schema, reports, scanning themes) → ``picture`` (counts with disclosure
control over all linked tables) → ``tables`` (published tables and what they mean for the
audit), ``figures``, ``wording``; ``briefing.analyse`` is the notebook's entry point.
"""

from .briefing import *  # noqa: F401,F403
from .briefing import __all__ as _briefing_all
from .figures import *  # noqa: F401,F403
from .figures import __all__ as _figures_all
from .picture import *  # noqa: F401,F403
from .picture import __all__ as _picture_all
from .readers import *  # noqa: F401,F403
from .readers import __all__ as _readers_all
from .tables import *  # noqa: F401,F403
from .tables import __all__ as _tables_all
from .wording import *  # noqa: F401,F403
from .wording import __all__ as _wording_all

__all__ = (list(_readers_all) + list(_picture_all) + list(_tables_all) + list(_figures_all)
           + list(_wording_all) + list(_briefing_all))
