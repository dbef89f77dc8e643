"""Method evaluation (kvalitetssäkring av lokala insatser): effect sizes, meta-analysis,
robustness, evidence grading, and the metodutvärdering briefing.

Where things live:

- :mod:`.readers` — :func:`read_evaluations`, :func:`select_method`
- :mod:`.effects` — :func:`effect_sizes` (metafor ``escalc``)
- :mod:`.meta` — :func:`meta_analysis` (metafor ``rma``: FE/DL/REML/PM, Knapp–Hartung,
  Q-profile, prediction intervals)
- :mod:`.regression` — :func:`meta_regression`, :func:`subgroup_analysis`
- :mod:`.robustness` — :func:`leave_one_out`, :func:`egger_test`, :func:`sensitivity_table`
- :mod:`.multilevel` — :func:`three_level_meta_analysis` (metafor ``rma.mv``)
- :mod:`.grading` — SMS levels, :func:`grade_evidence`, the method register
- :mod:`.figures` — :func:`forest_plot`, :func:`funnel_plot`
- :mod:`.briefing` — :func:`analyse`, the notebook's entry point, and the Swedish wording
"""

from . import briefing, effects, figures, grading, meta, multilevel, readers, regression, \
    robustness
from .briefing import *  # noqa: F401,F403
from .effects import *  # noqa: F401,F403
from .figures import *  # noqa: F401,F403
from .grading import *  # noqa: F401,F403
from .meta import *  # noqa: F401,F403
from .multilevel import *  # noqa: F401,F403
from .readers import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .robustness import *  # noqa: F401,F403

__all__ = [
    *readers.__all__, *effects.__all__, *meta.__all__, *regression.__all__,
    *robustness.__all__, *multilevel.__all__, *grading.__all__, *figures.__all__,
    *briefing.__all__,
]
