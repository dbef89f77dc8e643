"""Survey analysis (Enkätanalys): codebook, readers, validation, the design-based
estimator, Likert tables, scales, free text, disclosure control, figures and the briefing.

The notebook entry point is :func:`analyse` (in :mod:`.briefing`); the estimator is
:class:`SurveyDesign` (in :mod:`.design`).
"""

from .association import *  # noqa: F401,F403
from .association import __all__ as _association_all
from .briefing import *  # noqa: F401,F403
from .briefing import __all__ as _briefing_all
from .codebook import *  # noqa: F401,F403
from .codebook import __all__ as _codebook_all
from .comparisons import *  # noqa: F401,F403
from .comparisons import __all__ as _comparisons_all
from .design import *  # noqa: F401,F403
from .design import __all__ as _design_all
from .disclosure import *  # noqa: F401,F403
from .disclosure import __all__ as _disclosure_all
from .figures import *  # noqa: F401,F403
from .figures import __all__ as _figures_all
from .freetext import *  # noqa: F401,F403
from .freetext import __all__ as _freetext_all
from .likert import *  # noqa: F401,F403
from .likert import __all__ as _likert_all
from .readers import *  # noqa: F401,F403
from .readers import __all__ as _readers_all
from .scales import *  # noqa: F401,F403
from .scales import __all__ as _scales_all
from .tables import *  # noqa: F401,F403
from .tables import __all__ as _tables_all
from .validation import *  # noqa: F401,F403
from .validation import __all__ as _validation_all

__all__ = [*_codebook_all, *_readers_all, *_validation_all, *_design_all, *_association_all, *_disclosure_all,
           *_likert_all, *_scales_all, *_comparisons_all, *_tables_all, *_freetext_all,
           *_figures_all, *_briefing_all]
