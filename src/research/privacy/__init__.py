"""Privacy: identifiers (in text and tables), cell suppression over linked tables, and the
independent disclosure audit that judges it (:mod:`.highs`: the re-solved HiGHS instance
the suppression uses).

:mod:`.identity`, :mod:`.masking` and :mod:`.checking`'s publishing guard need no pandas; the
table modules (:mod:`.identifiers`, :mod:`.suppression`, :mod:`.audit`) are loaded when one of
their names is first used, so the runner and the publisher start without pandas.
"""

from importlib import import_module
from typing import Any

from . import checking  # noqa: F401  (run-level output checking)
from .identity import *  # noqa: F401,F403
from .identity import __all__ as _identity_all
from .masking import *  # noqa: F401,F403
from .masking import __all__ as _masking_all

_LAZY = ("identifiers", "suppression", "audit")
_NAMES: dict[str, str] = {}


def _lazy_names() -> dict[str, str]:
    if not _NAMES:
        for module in _LAZY:
            for name in import_module(f".{module}", __name__).__all__:
                _NAMES[name] = module
    return _NAMES


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return import_module(f".{name}", __name__)
    module = _lazy_names().get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy_names()))


__all__ = list(_identity_all) + list(_masking_all) + ["checking", *_LAZY]
