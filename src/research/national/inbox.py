"""Reading the national inbox: which bundles are there, and their tables as DataFrames.

The inbox is written by :func:`research.exchange.import_bundles`; this module only reads it.
Tables come back as text cells (``".."`` marks a cell the Kunskapshus hid) with the bundle's
Kunskapshus, parameter set and period added as columns.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputDataError
from ..exchange import read_inbox

__all__ = ["Inbox", "load_inbox", "coverage"]


@dataclass
class Inbox:
    """The bundles of an inbox (one row each) and a reader for their tables."""

    folder: Path
    bundles: pd.DataFrame  # kunskapshus, notebook, parameter_set, period, created, sha256, file

    def of(self, notebook: str) -> pd.DataFrame:
        """Bundles of one notebook."""
        return self.bundles.loc[self.bundles["notebook"] == notebook]

    def table(self, notebook: str, table: str) -> pd.DataFrame:
        """One table of every bundle of ``notebook``, stacked, as text cells.

        Added columns: ``kunskapshus``, ``parameter_set``, ``bundle_period``, ``bundle``.
        """
        frames = []
        for row in self.of(notebook).itertuples():
            path = self.folder / row.file
            try:
                with zipfile.ZipFile(path) as archive:
                    data = archive.read(f"tables/{table}.csv")
            except KeyError:
                continue  # the bundle does not publish this table
            except (OSError, zipfile.BadZipFile) as exc:
                raise InputDataError(f"{path}: cannot read the stored bundle ({exc}).",
                                     file=str(path), hint="import the bundle again") from exc
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            frame["kunskapshus"] = row.kunskapshus
            frame["parameter_set"] = row.parameter_set
            frame["bundle_period"] = row.period
            frame["bundle"] = row.sha256[:12]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def manifest(self, row: pd.Series) -> dict:
        """The public run manifest inside one stored bundle."""
        import json

        with zipfile.ZipFile(self.folder / row["file"]) as archive:
            return json.loads(archive.read("manifest.json"))


def load_inbox(folder: str | Path) -> Inbox:
    """Read an inbox folder (made by ``research import``).

    Raises
    ------
    InputDataError
        The folder does not exist or holds no bundles.
    """
    path = Path(folder)
    if not path.is_dir():
        raise InputDataError(f"Inbox not found: {path}", file=str(path), parameter="inbox",
                             hint="import bundles first: research import BUNDLE.zip --inbox "
                             f"{path}")
    entries = list(read_inbox(path).get("bundles", {}).values())
    columns = ["kunskapshus", "notebook", "parameter_set", "period", "created", "sha256",
               "file", "run_id"]
    bundles = pd.DataFrame([{c: e.get(c) for c in columns} for e in entries], columns=columns)
    if bundles.empty:
        raise InputDataError(f"The inbox {path} holds no bundles.", file=str(path),
                             parameter="inbox", hint="import bundles with research import")
    return Inbox(path, bundles.sort_values(["kunskapshus", "notebook", "period"])
                 .reset_index(drop=True))


def coverage(inbox: Inbox, expected: Sequence[str], *, as_of: dt.date,
             stale_days: int = 120) -> pd.DataFrame:
    """Per expected Kunskapshus: bundles present per notebook, newest bundle date, and
    whether it is missing or stale (older than ``stale_days`` before ``as_of``)."""
    rows = []
    houses = list(dict.fromkeys([*expected, *inbox.bundles["kunskapshus"]]))
    for house in houses:
        own = inbox.bundles.loc[inbox.bundles["kunskapshus"] == house]
        created = pd.to_datetime(own["created"], utc=True, errors="coerce")
        newest = created.max() if len(own) else pd.NaT
        age = (pd.Timestamp(as_of, tz="UTC") - newest).days if pd.notna(newest) else None
        rows.append({"Kunskapshus": house,
                     "Bundlar": len(own),
                     "Briefingtyper": ", ".join(sorted(set(own["notebook"]))) or "–",
                     "Senaste bundle": newest.date().isoformat() if pd.notna(newest) else "–",
                     "Status": "saknas" if own.empty else
                     ("inaktuell" if age is not None and age > stale_days else "aktuell"),
                     "Förväntad": house in expected})
    return pd.DataFrame(rows)
