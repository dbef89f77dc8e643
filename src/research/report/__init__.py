"""What a notebook shows: display helpers, the figure factory, Swedish formatting, HTML safety.

Display helpers (:mod:`.display`) are the names a notebook calls (``report.show_table``,
``report.show_figure`` …); :mod:`.figures` is the figure factory domain ``figures`` modules use;
:mod:`.formatting` and :mod:`.htmlsafe` are shared by everything that writes for a reader.
"""

from .display import *  # noqa: F401,F403
from .display import __all__ as _display_all

__all__ = list(_display_all)
