"""What a notebook shows: display helpers, the figure factory, Swedish formatting, HTML safety.

Display helpers (:mod:`.display`) are the names a notebook calls (``report.show_table``,
``report.show_figure`` …); :mod:`.figures` is the figure factory domain ``figures`` modules use;
:mod:`.tables` reshapes tables for reading (``report.wide_table``); :mod:`.formatting` and
:mod:`.htmlsafe` are shared by everything that writes for a reader.
"""

from .display import *  # noqa: F401,F403
from .display import __all__ as _display_all
from .formatting import explain_error, format_p_value
from .tables import pull_constants, wide_table

__all__ = [*_display_all, "wide_table", "pull_constants", "explain_error", "format_p_value"]
