"""Running many notebooks, each through the one run path (:func:`research.runs.run_notebook`).

- :mod:`.batch` — ``run_batch``: one notebook, many parameter sets; retries, resuming, one
  publish at the end (the entry point of ``research batch``);
- :mod:`.tasks` — what a batch runs (``BatchTask``) and what came out (``BatchResult``);
- :mod:`.local` — the local pool (pebble, spawn workers, per-run deadlines);
- :mod:`.cluster` — a Dask cluster (the ``dask`` extra), deadlines kept on the workers;
- :mod:`.ledger` — finished runs of an interrupted batch, so it resumes;
- :mod:`.samples` — parameter sets for fictional municipalities;
- :mod:`.schedule` — cron-like passes (``research schedule``).
"""

__all__ = []
