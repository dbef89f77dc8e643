"""Readers: RIS, BibTeX and CSV/TSV/XLSX exports into one validated record table.

A registry (:data:`READERS`, keyed by file suffix) turns exports of Scopus, Web of Science,
PubMed, DiVA and SwePub into rows with the columns in
:data:`~research.literature.fields.RECORD_COLUMNS`. Problems inside a file (a broken BibTeX
block, a RIS record without ``ER``, a row without a title) are collected in a *problems* table
naming file and line, never dropped silently.

A whole file that cannot be used — empty, a zero-hit export with a header only, a truncated
workbook, an HTML page saved as ``.ris`` — is a *reported skip*: :func:`read_records` lists it
with 0 records (a zero-hit search is a normal PRISMA fact) and goes on with the other files; it
fails only when no file gives a record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputDataError, ParameterError
from ..io.files import decode_text
from ..io.tables import read_table
from .fields import (PROBLEM_COLUMNS, RECORD_COLUMNS, clean, make_record, normalise_doi,
                     parse_authors, split_list)

__all__ = [
    "ExportLimits",
    "LIMITS",
    "EmptyExportError",
    "RIS_TAG",
    "RIS_FIELDS",
    "read_ris",
    "read_bibtex",
    "TABLE_SOURCES",
    "detect_table_source",
    "read_table_export",
    "read_text_export",
    "READERS",
    "FILE_COLUMNS",
    "ImportResult",
    "guess_database",
    "read_records",
]

@dataclass(frozen=True)
class ExportLimits:
    """Limits of the RIS/BibTeX readers (tables use :data:`research.io.tables.LIMITS`)."""

    max_bytes: int = 200 * 1024 * 1024
    max_records: int = 200_000


LIMITS = ExportLimits()


class EmptyExportError(InputDataError):
    """An export without any record (a zero-hit search): :func:`read_records` counts it as 0
    records and reports it; a single reader call raises it."""


def _empty(file: Path, what: str) -> EmptyExportError:
    return EmptyExportError(f"{file}: {what}", hint="a zero-hit search exports no records; "
                            "read_records counts such a file as 0", file=str(file))


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputDataError(f"{path}: file not found.", hint="check the path (relative paths "
                             "are read from the project root)", file=str(path))
    if path.is_dir():
        raise InputDataError(f"{path}: is a folder, not an export file.", file=str(path))
    size = path.stat().st_size
    if size > LIMITS.max_bytes:
        raise InputDataError(f"{path}: the file is {size:,} bytes, more than the limit of "
                             f"{LIMITS.max_bytes:,}.", hint="split the export",
                             file=str(path), limit="max_bytes")
    text = decode_text(path.read_bytes(), name=str(path))[0]
    if "\x00" in text:
        raise InputDataError(f"{path}: looks like a binary file, not a text export.",
                             hint="export as RIS, BibTeX, CSV or XLSX", file=str(path))
    return text


def _check_count(file: Path, count: int) -> None:
    if count > LIMITS.max_records:
        raise InputDataError(f"{file}: {count:,} records, more than the limit of "
                             f"{LIMITS.max_records:,}.", hint="split the export",
                             file=str(file), limit="max_records")


# ---------------------------------------------------------------------------------------
# RIS

RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
RIS_FIELDS = {
    "title": ("TI", "T1", "CT", "BT"), "abstract": ("AB", "N2"),
    "authors": ("AU", "A1"), "year": ("PY", "Y1", "DA"),
    "source": ("T2", "JO", "JF", "JA", "J2", "T3"), "doi": ("DO",),
    "keywords": ("KW",), "language": ("LA",), "database": ("DB", "DP"),
    "id": ("AN", "ID", "U1"), "url": ("UR", "L2"), "type": ("TY",), "volume": ("VL",),
    "issue": ("IS",), "start": ("SP",), "end": ("EP",), "isbn": ("SN",),
}


def _ris_chunks(file: Path, text: str) -> tuple[list[tuple[int, list[str]]], list[dict]]:
    """Split RIS text at TY/ER lines; records without ER and stray text are problems."""
    chunks: list[tuple[int, list[str]]] = []
    problems: list[dict] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if stripped.startswith("TY  -"):
            if current:
                problems.append({"file": file.name, "line": start,
                                 "problem": "RIS-post utan ER-rad; posten hoppades över"})
            current, start = [stripped], number
        elif stripped.startswith("ER  -"):
            if current:
                chunks.append((start, current + ["ER  - "]))
            current = []
        elif current:
            current.append(stripped)
        elif stripped.strip():
            problems.append({"file": file.name, "line": number,
                             "problem": "text utanför en RIS-post (saknar TY-rad)"})
    if current:
        problems.append({"file": file.name, "line": start,
                         "problem": "sista RIS-posten saknar ER-rad; posten hoppades över"})
    return chunks, problems


def _ris_record(file: Path, entry: dict, position: int, database: str | None) -> dict | None:
    def values(tag: str) -> list[str]:
        found = entry.get(tag) or []
        return [found] if isinstance(found, str) else list(found)  # rispy keeps TY a string

    def first(field: str) -> str:
        for tag in RIS_FIELDS[field]:
            found = values(tag)
            if found and clean(found[0]):
                return clean(found[0])
        return ""

    def every(field: str) -> list[str]:
        return [v for tag in RIS_FIELDS[field] for v in values(tag)]

    title = first("title")
    if not title:
        return None
    doi = first("doi") or next((u for u in every("url") if normalise_doi(u)), "")
    start, end = first("start"), first("end")
    return make_record(
        file, database or first("database") or "RIS", first("id"), position,
        title=title, abstract=" ".join(dict.fromkeys(clean(v) for v in every("abstract"))),
        authors=every("authors"), year=first("year"), source=first("source"), doi=doi,
        keywords=[k for v in every("keywords") for k in split_list(v)],
        language=first("language"), type=first("type"), volume=first("volume"),
        issue=first("issue"), pages=f"{start}-{end}" if start and end else start,
        isbn=first("isbn"))


def read_ris(path: str | Path, *, database: str | None = None) -> tuple[list[dict], list[dict]]:
    """Read a RIS file (rispy; every tag kept as a list, so repeated tags survive).

    ``TI``/``T1``, ``AB``/``N2``, ``PY``/``Y1`` are read as alternatives. Records are split at
    ``ER`` lines first, so a broken record is reported with its line number and the others
    are kept. A file with no text at all is a zero-hit export (no records, no error); text
    without any RIS record is an error.
    """
    import rispy

    file = Path(path)
    text = _read_text(file)
    if not text.strip():
        raise _empty(file, "the file is empty (0 records).")
    chunks, problems = _ris_chunks(file, text)
    _check_count(file, len(chunks))
    if not chunks and not any("ER-rad" in p["problem"] for p in problems):
        raise InputDataError(f"{file}: no RIS records found.",
                             hint="a RIS record starts with 'TY  - ' and ends with 'ER  - '",
                             file=str(file))
    tags = sorted({t for group in RIS_FIELDS.values() for t in group})
    mapping = {t: t for t in tags}
    records = []
    for position, (start_line, chunk) in enumerate(chunks):
        try:
            entries = rispy.loads("\n".join(chunk), mapping=mapping, list_tags=tags,
                                  skip_unknown_tags=True)
        except Exception as error:  # rispy raises plain IOError/ValueError on bad input
            problems.append({"file": file.name, "line": start_line,
                             "problem": f"RIS-posten kunde inte läsas: {error}"})
            continue
        record = _ris_record(file, entries[0], position, database) if entries else None
        if record is None:
            problems.append({"file": file.name, "line": start_line,
                             "problem": "RIS-post utan titel (TI/T1); posten hoppades över"})
            continue
        records.append(record)
    return records, problems


# ---------------------------------------------------------------------------------------
# BibTeX


def _bibtex_record(file: Path, entry: Any, position: int, database: str | None) -> dict:
    fields = {k.lower(): v for k, v in entry.fields_dict.items()}

    def get(name: str) -> str:
        field = fields.get(name)
        return clean(str(field.value).replace("{", "").replace("}", "")) if field else ""

    unique_id = get("unique-id")
    source = database or get("database") or (
        "Web of Science" if unique_id.upper().startswith("WOS:") else "BibTeX")
    return make_record(
        file, source, unique_id or entry.key, position,
        title=get("title"), abstract=get("abstract"), authors=get("author"), year=get("year"),
        source=get("journal") or get("booktitle") or get("publisher"),
        doi=get("doi") or get("url"), keywords=split_list(get("keywords"), ";,"),
        language=get("language") or get("langid"), type=entry.entry_type,
        volume=get("volume"), issue=get("number"), pages=get("pages"), isbn=get("isbn"))


def read_bibtex(path: str | Path, *,
                database: str | None = None) -> tuple[list[dict], list[dict]]:
    """Read a BibTeX file with bibtexparser v2 (LaTeX decoded).

    bibtexparser puts unparsable entries in ``library.failed_blocks`` without raising; each
    is reported with its line number, as are duplicate keys and entries without a title.
    """
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    file = Path(path)
    text = _read_text(file)
    if not text.strip():
        raise _empty(file, "the file is empty (0 records).")
    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    except Exception as error:  # bibtexparser raises assorted errors on hostile input
        raise InputDataError(f"{file}: the BibTeX file could not be parsed ({error}).",
                             hint="check the file in a reference manager",
                             file=str(file)) from error
    problems = [
        {"file": file.name, "line": (block.start_line or 0) + 1,
         "problem": "BibTeX-block kunde inte läsas: "
                    f"{(str(block.error) or type(block.error).__name__)[:160]}"}
        for block in library.failed_blocks
    ]
    for block in getattr(library, "duplicate_keys", []) or []:
        problems.append({"file": file.name, "line": (block.start_line or 0) + 1,
                         "problem": "dubblerad BibTeX-nyckel"})
    if not library.entries and not problems:
        raise InputDataError(f"{file}: no BibTeX entries found.",
                             hint="entries look like @article{key, title = {...}}",
                             file=str(file))
    _check_count(file, len(library.entries))
    records = []
    for position, entry in enumerate(library.entries):
        record = _bibtex_record(file, entry, position, database)
        if not record["title"]:
            problems.append({"file": file.name, "line": (entry.start_line or 0) + 1,
                             "problem": f"BibTeX-post {entry.key!r} utan titel; hoppades över"})
            continue
        records.append(record)
    return records, problems


# ---------------------------------------------------------------------------------------
# table exports (CSV/TSV/XLSX) of Scopus, Web of Science, PubMed, DiVA, SwePub

# Column names per source; the first present column wins for each field.
TABLE_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "DiVA": {
        "id": ("PID",), "title": ("Title",), "abstract": ("Abstract",),
        "authors": ("Name",), "year": ("Year",), "source": ("Journal", "HostPublication"),
        "doi": ("DOI",), "keywords": ("Keywords",), "language": ("Language",),
        "type": ("PublicationType",), "volume": ("Volume",), "issue": ("Issue",),
        "start": ("StartPage",), "end": ("EndPage",), "isbn": ("ISBN",),
        "_signature": ("PID", "Name", "PublicationType"),
    },
    "SwePub": {
        "id": ("Record ID", "Swepub ID", "ID"), "title": ("Title", "Titel"),
        "abstract": ("Abstract", "Sammanfattning"), "authors": ("Creator", "Authors",
                                                                  "Upphov", "Författare"),
        "year": ("Publication year", "Publiceringsår", "Year"),
        "source": ("Source title", "Värdpublikation", "Publication channel"),
        "doi": ("DOI",), "keywords": ("Keywords", "Subject keywords", "Nyckelord"),
        "language": ("Language", "Språk"), "type": ("Publication type", "Publikationstyp"),
        "volume": ("Volume", "Volym"), "issue": ("Issue", "Nummer"),
        "pages": ("Pages", "Sidor"), "isbn": ("ISBN",),
        "_signature": ("Publication year",), "_any": ("Swepub ID", "Upphov", "Värdpublikation",
                                                      "Publiceringsår", "Creator"),
    },
    "Scopus": {
        "id": ("EID",), "title": ("Title",), "abstract": ("Abstract",),
        "authors": ("Authors", "Author full names"), "year": ("Year",),
        "source": ("Source title",), "doi": ("DOI",),
        "keywords": ("Author Keywords", "Index Keywords"),
        "language": ("Language of Original Document",), "type": ("Document Type",),
        "volume": ("Volume",), "issue": ("Issue",), "start": ("Page start",),
        "end": ("Page end",), "isbn": ("ISBN",),
        "_signature": ("Source title", "EID"),
    },
    "Web of Science": {
        "id": ("UT (Unique WOS ID)", "UT"), "title": ("Article Title", "TI"),
        "abstract": ("Abstract", "AB"), "authors": ("Author Full Names", "Authors", "AF", "AU"),
        "year": ("Publication Year", "PY"), "source": ("Source Title", "SO"),
        "doi": ("DOI", "DI"), "keywords": ("Author Keywords", "Keywords Plus", "DE", "ID"),
        "language": ("Language", "LA"), "type": ("Document Type", "DT"),
        "volume": ("Volume", "VL"), "issue": ("Issue", "IS"), "start": ("Start Page", "BP"),
        "end": ("End Page", "EP"), "isbn": ("ISBN", "BN"),
        "_signature": ("UT (Unique WOS ID)",), "_any": ("UT", "TI", "SO"),
    },
    "PubMed": {
        "id": ("PMID",), "title": ("Title",), "abstract": ("Abstract",),
        "authors": ("Authors",), "year": ("Publication Year", "Create Date"),
        "source": ("Journal/Book",), "doi": ("DOI",), "keywords": ("Keywords", "MeSH"),
        "language": ("Language",), "_signature": ("PMID", "Journal/Book"),
    },
    "Tabell": {
        "id": ("record_id", "id", "ID"), "title": ("title", "Title", "Titel", "titel"),
        "abstract": ("abstract", "Abstract", "Sammanfattning", "sammanfattning"),
        "authors": ("authors", "author", "Authors", "Author", "Författare"),
        "year": ("year", "Year", "År", "år"),
        "source": ("source", "journal", "Journal", "booktitle"),
        "doi": ("doi", "DOI"), "keywords": ("keywords", "Keywords", "Nyckelord"),
        "language": ("language", "Language", "Språk"),
        "type": ("type", "ENTRYTYPE", "Type"), "volume": ("volume", "Volume"),
        "issue": ("issue", "number", "Issue"), "pages": ("pages", "Pages"),
        "isbn": ("isbn", "ISBN"), "database": ("database", "Database"),
        "_signature": (),
    },
}
_FIELDS = ("id", "title", "abstract", "authors", "year", "source", "doi", "language", "type",
           "volume", "issue", "pages", "start", "end", "isbn", "database")


def detect_table_source(columns: Sequence[str]) -> str:
    """Guess which database exported a table from its column names."""
    present = set(map(str, columns))
    for name, spec in TABLE_SOURCES.items():
        if name == "Tabell":
            continue
        signature = spec.get("_signature", ())
        if signature and all(c in present for c in signature):
            return name
        if "_any" in spec and sum(c in present for c in spec["_any"]) >= 2:
            return name
    return "Tabell"


def _choose_columns(frame: pd.DataFrame, spec: Mapping[str, Sequence[str]],
                    columns: Mapping[str, str] | None) -> dict[str, list[str]]:
    """Per field the present candidate columns in order (a row takes the first non-empty
    one, e.g. ``journal`` then ``booktitle``); a stated column is the only one."""
    chosen: dict[str, list[str]] = {}
    for field_name in _FIELDS:
        present = [c for c in spec.get(field_name, ()) if c in frame.columns]
        if present:
            chosen[field_name] = present
    chosen.update({k: [v] for k, v in dict(columns or {}).items()})
    return chosen


def read_table_export(path: str | Path, *, database: str | None = None,
                      columns: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """Read a CSV/TSV/XLSX export (Scopus, Web of Science, PubMed, DiVA, SwePub or generic)
    through :func:`research.io.tables.read_table`.

    Parameters
    ----------
    database
        The source, when the automatic detection from column names should be overridden.
    columns
        Explicit mapping ``{field: column}`` for fields of ``RECORD_COLUMNS``.
    """
    file = Path(path)
    frame = read_table(file, what="literature export", allow_empty=True)
    source = database or detect_table_source(frame.columns)
    spec = TABLE_SOURCES.get(source, TABLE_SOURCES["Tabell"])
    chosen = _choose_columns(frame, spec, columns)
    if "title" not in chosen or chosen["title"][0] not in frame.columns:
        raise InputDataError(
            f"{file}: no title column found (detected source: {source}).",
            hint="state the columns, e.g. columns={'title': 'Titel'}; present: "
                 + ", ".join(frame.columns[:15]), file=str(file), column="title")
    if frame.empty:
        raise _empty(file, "the export has a header row only (0 records).")
    keyword_columns = [c for c in spec.get("keywords", ()) if c in frame.columns]
    records, problems = [], []
    for position, row in enumerate(frame.to_dict("records")):
        def value(field_name: str, row: dict = row) -> str:
            return next((row[c] for c in chosen.get(field_name, ()) if row.get(c)), "")

        if not clean(value("title")):
            problems.append({"file": file.name, "line": position + 2,
                             "problem": "rad utan titel; hoppades över"})
            continue
        start, end = clean(value("start")), clean(value("end"))
        name = source if source != "Tabell" else (database or clean(value("database"))
                                                  or file.stem)
        records.append(make_record(
            file, name, clean(value("id")), position, title=value("title"),
            abstract=value("abstract"), authors=parse_authors(value("authors")),
            year=value("year"), source=value("source"), doi=value("doi"),
            keywords=[k for c in keyword_columns for k in split_list(row.get(c), ";")],
            language=value("language"), type=value("type"), volume=value("volume"),
            issue=value("issue"), isbn=value("isbn"),
            pages=value("pages") or (f"{start}-{end}" if start and end else start)))
    return records, problems


def read_text_export(path: str | Path, *,
                     database: str | None = None) -> tuple[list[dict], list[dict]]:
    """A ``.txt`` export: RIS when it starts with a ``TY  -`` line, else a table
    (Web of Science tab-delimited)."""
    head = _read_text(Path(path)).lstrip()[:200]
    if not head:
        raise _empty(Path(path), "the file is empty (0 records).")
    if RIS_TAG.match(head.splitlines()[0]) and head.startswith("TY  -"):
        return read_ris(path, database=database)
    return read_table_export(path, database=database)


READERS: dict[str, Callable[..., tuple[list[dict], list[dict]]]] = {
    ".ris": read_ris, ".bib": read_bibtex, ".bibtex": read_bibtex,
    ".csv": read_table_export, ".tsv": read_table_export, ".txt": read_text_export,
    ".xlsx": read_table_export, ".xlsm": read_table_export,
}

FILE_COLUMNS = ["fil", "databas", "poster", "problem", "status"]
_DATABASE_NAMES = {"scopus": "Scopus", "webofscience": "Web of Science", "wos": "Web of Science",
                   "pubmed": "PubMed", "diva": "DiVA", "swepub": "SwePub"}


def guess_database(path: Path) -> str:
    """The database a file name suggests ("scopus_2025.ris" → "Scopus"), else its stem."""
    key = re.sub(r"[^a-z]", "", path.stem.lower())
    for fragment, name in _DATABASE_NAMES.items():
        if fragment in key:
            return name
    return path.stem


@dataclass
class ImportResult:
    """Imported records, the problems found while reading them, and one row per file
    (``fil, databas, poster, problem, status``; a skipped file has 0 records)."""

    records: pd.DataFrame
    problems: pd.DataFrame
    files: pd.DataFrame


def _read_one(path: Path, database: str | None) -> tuple[list[dict], list[dict], str]:
    """Records, problems and status of one file; a file-level failure becomes a skip."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputDataError(
            f"{path}: unknown file type {path.suffix!r}.",
            hint="use RIS (.ris), BibTeX (.bib), CSV/TSV or XLSX exports", file=str(path))
    if not path.is_file():  # a wrong path is a mistake in the parameters, not a skip
        raise InputDataError(f"{path}: file not found.", hint="check the 'records' parameter "
                             "(relative paths are read from the project root)",
                             file=str(path), parameter="records")
    try:
        found, issues = reader(path, database=database)
    except EmptyExportError as empty:
        what = "bara rubrikrad" if "header" in empty.message else "tom fil"
        return [], [{"file": path.name, "line": None,
                     "problem": f"{what}: 0 poster (räknas som 0 i PRISMA)"}], "tom export"
    except InputDataError as error:
        problem = f"filen kunde inte läsas och hoppades över: {error.message}"
        if error.hint:
            problem += f" ({error.hint})"
        return [], [{"file": path.name, "line": error.fields.get("row"),
                     "problem": problem}], "hoppades över"
    return found, issues, "läst"


def read_records(paths: str | Path | Iterable[str | Path], *,
                 databases: Mapping[str, str] | None = None) -> ImportResult:
    """Read exports into one table (``RECORD_COLUMNS``).

    Parameters
    ----------
    paths
        Export files (``.ris``, ``.bib``, ``.csv``, ``.tsv``, ``.txt``, ``.xlsx``).
    databases
        Optional ``{file name: database}`` when the database cannot be detected.

    Record ids that repeat (the same record exported twice) get a ``~2`` suffix so each row
    stays addressable in the screening log. An empty or unreadable file is skipped and
    reported; an error is raised only when no file gives any record.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ParameterError("No export files given.", hint="set `records` to a list of files",
                             parameter="records")
    records: list[dict] = []
    problems: list[dict] = []
    files = []
    for path in paths:
        database = (databases or {}).get(path.name)
        found, issues, status = _read_one(path, database)
        records.extend(found)
        problems.extend(issues)
        name = found[0]["database"] if found else (database or guess_database(path))
        files.append({"fil": path.name, "databas": name, "poster": len(found),
                      "problem": len(issues), "status": status})
    frame = pd.DataFrame(records, columns=RECORD_COLUMNS)
    problem_frame = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    if frame.empty:
        details = "; ".join(f"{p['file']}: {p['problem']}" for p in problems[:5])
        raise InputDataError("No usable records in the export files.",
                             hint=f"see the problems for each file — {details}"[:600],
                             file=", ".join(p.name for p in paths), parameter="records")
    counts = frame.groupby("record_id").cumcount()
    frame.loc[counts > 0, "record_id"] = (frame.loc[counts > 0, "record_id"] + "~"
                                          + (counts[counts > 0] + 1).astype(str))
    frame["year"] = frame["year"].astype("Int64")
    problem_frame["line"] = problem_frame["line"].astype("Int64")
    return ImportResult(frame, problem_frame, pd.DataFrame(files, columns=FILE_COLUMNS))
