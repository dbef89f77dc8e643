"""Running many notebooks: the batch pool, Dask and the schedule."""


__all__ = []
