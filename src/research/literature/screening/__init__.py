"""Active-learning title/abstract screening: metrics, model, simulation, stopping rules,
the screening log, the ranking state and the JupyterLab widget."""

from .figures import *  # noqa: F401,F403
from .figures import __all__ as _figures
from .log import *  # noqa: F401,F403
from .log import __all__ as _log
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics
from .model import *  # noqa: F401,F403
from .model import __all__ as _model
from .simulation import *  # noqa: F401,F403
from .simulation import __all__ as _simulation
from .state import *  # noqa: F401,F403
from .state import __all__ as _state
from .stopping import *  # noqa: F401,F403
from .stopping import __all__ as _stopping
from .widget import *  # noqa: F401,F403
from .widget import __all__ as _widget

__all__ = [*_metrics, *_model, *_simulation, *_stopping, *_log, *_state, *_figures, *_widget]
