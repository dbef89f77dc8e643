"""Generated parameter sets for trying out large batches: fictional Swedish municipalities.

The names are put together from common place-name parts (``Älvstad``, ``Björkviken``); a
few combinations that are real municipalities are left out, though a generated name can
still coincide with a real village. Used by the batch benchmark and tests, and handy for a
dry run of a national batch: ``write_parameter_sets("params/", 290)``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..io.files import write_text_atomic

__all__ = [
    "fictional_municipalities",
    "write_parameter_sets",
]

_FIRST = ("Älv", "Björk", "Sjö", "Norr", "Kors", "Ek", "Gran", "Lind", "Berg", "Sand",
          "Ström", "Hög", "Väster", "Öster", "Sol", "Ros", "Lugn", "Mo", "Tall", "Asp",
          "Hassel", "Ljung", "Kvarn", "Bäck")
_LAST = ("stad", "backa", "viken", "hamn", "berga", "by", "fors", "dal", "holm", "näs",
         "ås", "lund", "torp", "mark", "sala", "vik", "ryd", "bro", "tuna", "hed")
_REAL = frozenset({"Sandviken", "Lindesberg", "Sollund", "Moheda", "Lund", "Ljungby",
                   "Högsby", "Bergsala"})  # real municipalities or towns


def fictional_municipalities(count: int, *, seed: int = 0) -> list[str]:
    """``count`` distinct fictional municipality names, in a reproducible random order.

    Raises
    ------
    ValueError
        When more names are asked for than the parts can make (over 450).
    """
    names = sorted({first + last for first in _FIRST for last in _LAST} - _REAL)
    if not 0 <= count <= len(names):
        raise ValueError(f"count must be between 0 and {len(names)}, got {count}")
    random.Random(seed).shuffle(names)
    return [name.capitalize() for name in names[:count]]


def _slug(name: str) -> str:
    return name.lower().translate(str.maketrans("åäöé", "aaoe"))


def _default_set(index: int, name: str) -> dict[str, Any]:
    return {"kunskapshus": f"Kunskapshus {name}", "value": index + 1}


def write_parameter_sets(folder: str | os.PathLike[str], count: int, *, seed: int = 0,
                         build: Callable[[int, str], Mapping[str, Any]] = _default_set
                         ) -> list[Path]:
    """Write one YAML parameter file per fictional municipality into ``folder``.

    ``build(index, name)`` returns the parameters of one set (default: ``kunskapshus`` and
    ``value``, the parameters of the test notebook ``tests/fixtures/batch/ok.ipynb``). Files
    are named after the municipality (``alvstad.yaml``).
    """
    import yaml

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for index, name in enumerate(fictional_municipalities(count, seed=seed)):
        path = target / f"{_slug(name)}.yaml"
        text = yaml.safe_dump(dict(build(index, name)), allow_unicode=True, sort_keys=False)
        written.append(write_text_atomic(path, text))
    return written
