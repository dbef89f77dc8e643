"""PRISMA-style counts: identified per database (0 for a zero-hit or skipped export),
duplicates removed, screened, excluded, unsure, included, not yet screened."""

from __future__ import annotations

import pandas as pd

__all__ = ["prisma_counts"]


def _identified(records: pd.DataFrame, files: pd.DataFrame | None) -> list[dict]:
    counts = records["database"].value_counts()
    if files is not None and len(files):
        for database in files["databas"]:
            counts = counts.reindex(counts.index.union([database]), fill_value=0)
    return [{"steg": "Identifierade", "del": db, "antal": int(count)}
            for db, count in counts.sort_index().items()]


def prisma_counts(records: pd.DataFrame, unique: pd.DataFrame,
                  decisions: pd.Series | None = None,
                  files: pd.DataFrame | None = None) -> pd.DataFrame:
    """PRISMA-style counts (columns ``steg, del, antal``).

    Parameters
    ----------
    records, unique
        All imported records and the unique (kept) records.
    decisions
        The latest decision per record id (see
        :func:`research.literature.screening.latest_decisions`); decisions on removed
        duplicates count for the kept record.
    files
        The per-file table of :class:`~research.literature.readers.ImportResult`; a
        database whose export gave no record is listed with 0.
    """
    rows = _identified(records, files)
    rows.append({"steg": "Identifierade", "del": "Totalt", "antal": len(records)})
    rows.append({"steg": "Dubbletter borttagna", "del": "",
                 "antal": len(records) - len(unique)})
    rows.append({"steg": "Unika poster", "del": "", "antal": len(unique)})
    decided = pd.Series(index=unique["record_id"], dtype=object)
    if decisions is not None and len(decisions):
        lookup = dict(decisions)
        duplicates = unique["duplicates"] if "duplicates" in unique.columns else [""] * len(unique)
        for rid, dups in zip(unique["record_id"], duplicates):
            for candidate in [rid, *[d.strip() for d in str(dups or "").split(";") if d.strip()]]:
                if candidate in lookup:
                    decided[rid] = lookup[candidate]
    counts = decided.value_counts()
    screened = int(decided.notna().sum())
    rows += [
        {"steg": "Granskade (titel/abstrakt)", "del": "", "antal": screened},
        {"steg": "Exkluderade", "del": "", "antal": int(counts.get("exclude", 0))},
        {"steg": "Osäkra", "del": "", "antal": int(counts.get("unsure", 0))},
        {"steg": "Inkluderade", "del": "", "antal": int(counts.get("include", 0))},
        {"steg": "Ej granskade ännu", "del": "", "antal": len(unique) - screened},
    ]
    return pd.DataFrame(rows)
