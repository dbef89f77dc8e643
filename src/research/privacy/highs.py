"""One HiGHS instance for programs that are re-solved many times (highspy directly).

:func:`scipy.optimize.linprog` builds and discards a model per call, which for the small
programs of suppression and bounds costs several times what HiGHS itself needs; a model kept
in one instance and re-solved from its last basis, with only costs or bounds changed, avoids
that. Shared by the suppression (:mod:`research.privacy.suppression`) and open to any caller
that re-solves small programs (the national synthesis' bounds do the same).
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["silent_highs"]

_BANNER_SHOWN = False


def silent_highs() -> Any:
    """A ``highspy.Highs`` with its log off, presolve off (small programs re-solved warm)
    and the simplex solver. The first instance of a process prints a banner on the C-level
    standard output, which a kernel would show in the notebook: fd 1 points at /dev/null
    while it is made."""
    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        solver = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("presolve", "off")
    solver.setOptionValue("solver", "simplex")
    return solver
