"""Horizon scanning (omvärldsbevakning): sources, archive, themes, stories, trends.

The notebook calls :func:`analyse` (in :mod:`.briefing`); the pure computation lives in
:mod:`.corpus`, :mod:`.themes`, :mod:`.stories`, :mod:`.trends`, :mod:`.analysis`,
:mod:`.classifier`, :mod:`.check` and :mod:`.tables`, the figures in :mod:`.figures`, reading in
:mod:`.sources` and the memory between runs in :mod:`.archive`.
"""

from . import (analysis, briefing, check, classifier, corpus, figures, stories, tables,
               themes, trends, validation)
from .analysis import *  # noqa: F401,F403
from .briefing import *  # noqa: F401,F403
from .check import *  # noqa: F401,F403
from .classifier import *  # noqa: F401,F403
from .corpus import *  # noqa: F401,F403
from .figures import *  # noqa: F401,F403
from .stories import *  # noqa: F401,F403
from .tables import *  # noqa: F401,F403
from .themes import *  # noqa: F401,F403
from .trends import *  # noqa: F401,F403
from .validation import *  # noqa: F401,F403

__all__ = [
    *analysis.__all__, *briefing.__all__, *check.__all__, *classifier.__all__, *corpus.__all__,
    *figures.__all__, *stories.__all__, *tables.__all__, *themes.__all__, *trends.__all__,
    *validation.__all__,
]
