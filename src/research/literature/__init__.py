"""Literature analysis: bibliographic import, de-duplication with review, PRISMA counts, a
literature map and topics; screening in :mod:`research.literature.screening`.

Modules: :mod:`.fields` (normalisation, author parsing), :mod:`.readers` (RIS, BibTeX,
tables), :mod:`.dedup` (pairwise evidence and non-transitive groups), :mod:`.dedup_review`
(uncertain pairs and the decision log), :mod:`.dedup_widget`, :mod:`.prisma`,
:mod:`.topics`, :mod:`.figures`, and :mod:`.briefing` with the notebook entry point
:func:`analyse`.
"""

from . import screening
from .briefing import *  # noqa: F401,F403
from .briefing import __all__ as _briefing
from .dedup import *  # noqa: F401,F403
from .dedup import __all__ as _dedup
from .dedup_review import *  # noqa: F401,F403
from .dedup_review import __all__ as _dedup_review
from .dedup_widget import *  # noqa: F401,F403
from .dedup_widget import __all__ as _dedup_widget
from .fields import *  # noqa: F401,F403
from .fields import __all__ as _fields
from .figures import *  # noqa: F401,F403
from .figures import __all__ as _figures
from .prisma import *  # noqa: F401,F403
from .prisma import __all__ as _prisma
from .readers import *  # noqa: F401,F403
from .readers import __all__ as _readers
from .topics import *  # noqa: F401,F403
from .topics import __all__ as _topics

__all__ = ["screening", *_fields, *_readers, *_dedup, *_dedup_review, *_dedup_widget,
           *_prisma, *_topics, *_figures, *_briefing]
