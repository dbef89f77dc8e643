"""A Dask worker preload: ``dask worker ADDRESS --preload research.orchestration.dask_preload``.

The worker starts its kernel template (:mod:`research.kernel_fork`) as soon as it starts,
as a local batch worker does, instead of during its first attempt: the first runs a
freshly (re)started worker takes then get forked kernels too. Without the preload a worker
works the same, only its first attempt waits for the template.
"""

from __future__ import annotations

from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any = None) -> None:  # noqa: ARG001 - Dask's preload signature
    """Called by Dask in the worker process when the worker starts."""
    from ..execute import keep_spare_kernel

    keep_spare_kernel(True)  # starts the template
