"""Kunskapshus Research: parameterised notebooks rendered into Swedish briefings.

The public API a notebook uses is small::

    from research import report, survey          # display helpers + one domain
    from research.paths import resolve            # data paths relative to the project root
    analysis = survey.analyse(...)                # every domain's entry point is analyse()

Domains (``activities``, ``evaluation``, ``literature``, ``national``, ``scanning``,
``situation``, ``survey``) and the shared ground (``report``, ``privacy``, ``io``, ``text``)
are subpackages, loaded only when first used, so ``import research`` (and the runner) stays
light. The runner is flat: :mod:`research.runs` is the one run path, over
:mod:`~research.parameters`, :mod:`~research.execute`, :mod:`~research.render`,
:mod:`~research.manifest` and :mod:`~research.publish`.
"""

from importlib import import_module
from typing import Any

from .errors import ResearchError

__version__ = "0.2.0"

_SUBPACKAGES = ("activities", "evaluation", "literature", "national", "scanning", "situation",
                "survey", "report", "privacy", "io", "text", "exchange", "runs")

__all__ = ["__version__", "ResearchError", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
