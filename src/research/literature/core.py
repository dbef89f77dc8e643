"""Literature analysis: bibliographic import, de-duplication, PRISMA counts and a map.

Readers (a registry keyed by file suffix) turn RIS, BibTeX and CSV/XLSX exports of
Scopus, Web of Science, PubMed, DiVA and SwePub into one table with the columns in
:data:`RECORD_COLUMNS`. Problems in a file (a broken BibTeX block, a RIS record without
``ER``, a row without a title) are collected in a *problems* table naming file and line,
never dropped silently; a file that cannot be read at all raises :class:`InputDataError`.

De-duplication runs in three passes — DOI, normalised title + year, fuzzy title
(rapidfuzz, blocked by year) confirmed by first-author surname — and links every removed
record to the record kept for its group.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, ParameterError
from ..io.files import decode_text

__all__ = [
    "RECORD_COLUMNS",
    "PROBLEM_COLUMNS",
    "decode_bytes",
    "YEAR",
    "DOI",
    "LANGUAGES",
    "normalise_doi",
    "parse_year",
    "normalise_language",
    "RIS_TAG",
    "RIS_FIELDS",
    "read_ris",
    "read_bibtex",
    "TABLE_SOURCES",
    "LIST_SEPARATORS",
    "read_table_file",
    "detect_table_source",
    "read_table_export",
    "read_text_export",
    "READERS",
    "ImportResult",
    "read_records",
    "normalise_title",
    "duplicate_pairs",
    "DedupResult",
    "deduplicate",
    "map_to_kept",
    "prisma_counts",
    "records_per_year",
    "top_sources",
    "top_authors",
    "top_keywords",
    "LANGUAGE_NAMES",
    "language_split",
    "TopicResult",
    "ACADEMIC_STOP_WORDS",
    "fit_topics",
    "topic_trends",
    "OKABE_ITO",
    "MARKERS",
    "year_figure",
    "topic_trend_figure",
    "keyword_figure",
    "SWEDISH_COLUMNS",
    "LiteratureAnalysis",
    "analyse",
    "period_text",
]

RECORD_COLUMNS = [
    "record_id", "title", "abstract", "authors", "year", "source", "doi", "keywords",
    "language", "database", "file",
]
PROBLEM_COLUMNS = ["file", "line", "problem"]

# ---------------------------------------------------------------------------------------
# text decoding


def decode_bytes(raw: bytes, *, file: str = "") -> str:
    """Decode an export's bytes (BOM, UTF-8, cp1252, then detection); see
    :func:`research.fileio.decode_text`."""
    return decode_text(raw, name=file)[0]


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputDataError(f"{path}: file not found.", hint="check the path (relative paths "
                             "are read from the project root)",
                             file=str(path))
    if path.is_dir():
        raise InputDataError(f"{path}: is a folder, not an export file.", file=str(path))
    text = decode_bytes(path.read_bytes(), file=str(path))
    if "\x00" in text:
        raise InputDataError(f"{path}: looks like a binary file, not a text export.",
                             hint="export as RIS, BibTeX, CSV or XLSX", file=str(path))
    return text


# ---------------------------------------------------------------------------------------
# field normalisation

YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")
DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
LANGUAGES = {
    "sv": "sv", "swe": "sv", "swedish": "sv", "svenska": "sv", "svensk": "sv",
    "en": "en", "eng": "en", "english": "en", "engelska": "en",
    "no": "no", "nor": "no", "norwegian": "no", "norska": "no", "nob": "no",
    "da": "da", "dan": "da", "danish": "da", "danska": "da",
    "de": "de", "ger": "de", "deu": "de", "german": "de", "tyska": "de",
    "fi": "fi", "fin": "fi", "finnish": "fi", "finska": "fi",
    "fr": "fr", "fre": "fr", "fra": "fr", "french": "fr", "franska": "fr",
}


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_clean(v) for v in value).strip()
    return " ".join(str(value).split())


def normalise_doi(value: object) -> str:
    """Lower-case bare DOI (``10.x/y``) from a DOI, ``doi:`` string or doi.org URL."""
    match = DOI.search(_clean(value))
    if not match:
        return ""
    return match.group(0).rstrip(".,;)]").lower()


def parse_year(value: object) -> int | None:
    """First plausible four-digit year in ``value``."""
    match = YEAR.search(_clean(value))
    return int(match.group(1)) if match else None


def normalise_language(value: object, text: str = "") -> str:
    """ISO 639-1 code for a language name/code; guessed from ``text`` when empty."""
    key = _clean(value).lower().split(";")[0].strip()
    if key in LANGUAGES:
        return LANGUAGES[key]
    if key:
        return key[:3]
    from ..text.core import guess_language

    guessed = guess_language(text)
    return guessed if guessed != "und" else ""


def _split_list(value: object, separators: str = ";") -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [_clean(v) for v in value]
    else:
        items = re.split(f"[{re.escape(separators)}]", _clean(value))
    return [i.strip() for i in items if i and i.strip()]


def _join(items: Iterable[str]) -> str:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return "; ".join(seen)


def _record(file: Path, database: str, native_id: str, position: int, **fields: Any) -> dict:
    title = _clean(fields.get("title"))
    abstract = _clean(fields.get("abstract"))
    authors = fields.get("authors") or []
    keywords = fields.get("keywords") or []
    prefix = re.sub(r"[^a-z0-9]+", "", database.lower()) or "rec"
    if native_id:
        record_id = f"{prefix}:{re.sub(r'[^A-Za-z0-9_.:/-]+', '-', native_id.strip())}"
    else:
        digest = hashlib.sha1(f"{file.name}|{position}|{title}".encode()).hexdigest()[:10]
        record_id = f"{prefix}:{digest}"
    return {
        "record_id": record_id,
        "title": title,
        "abstract": abstract,
        "authors": _join(_clean(a) for a in authors),
        "year": parse_year(fields.get("year")),
        "source": _clean(fields.get("source")),
        "doi": normalise_doi(fields.get("doi")),
        "keywords": _join(_clean(k) for k in keywords),
        "language": normalise_language(fields.get("language"), f"{title} {abstract}"),
        "database": database,
        "file": file.name,
    }


# ---------------------------------------------------------------------------------------
# RIS

RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
RIS_FIELDS = {
    "title": ("TI", "T1", "CT", "BT"), "abstract": ("AB", "N2"),
    "authors": ("AU", "A1"), "year": ("PY", "Y1", "DA"),
    "source": ("T2", "JO", "JF", "JA", "J2", "T3"), "doi": ("DO",),
    "keywords": ("KW",), "language": ("LA",), "database": ("DB", "DP"),
    "id": ("AN", "ID", "U1"), "url": ("UR", "L2"),
}


def read_ris(path: str | Path, *, database: str | None = None) -> tuple[list[dict], list[dict]]:
    """Read a RIS file (rispy; every tag kept as a list, so repeated tags survive).

    ``TI``/``T1``, ``AB``/``N2``, ``PY``/``Y1`` are read as alternatives. Records are
    split at ``ER`` lines first so a broken record is reported with its line number and
    the others are kept.
    """
    import rispy

    file = Path(path)
    text = _read_text(file)
    lines = text.splitlines()
    chunks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    problems: list[dict] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.rstrip()
        if stripped.startswith("TY  -"):
            if current:
                problems.append({"file": file.name, "line": start,
                                 "problem": "RIS-post utan ER-rad; posten hoppades över"})
            current, start = [stripped], number
        elif stripped.startswith("ER  -"):
            if current:
                current.append("ER  - ")
                chunks.append((start, current))
            current = []
        elif current:
            current.append(stripped)
        elif stripped.strip():
            problems.append({"file": file.name, "line": number,
                             "problem": "text utanför en RIS-post (saknar TY-rad)"})
    if current:
        problems.append({"file": file.name, "line": start,
                         "problem": "sista RIS-posten saknar ER-rad; posten hoppades över"})
    if not chunks and not problems:
        raise InputDataError(f"{file}: no RIS records found.",
                             hint="a RIS record starts with 'TY  - ' and ends with 'ER  - '",
                             file=str(file))
    tags = sorted({t for group in RIS_FIELDS.values() for t in group} | {"TY"})
    mapping = {t: t for t in tags}
    records = []
    for position, (start_line, chunk) in enumerate(chunks):
        try:
            entries = rispy.loads("\n".join(chunk), mapping=mapping,
                                  list_tags=[t for t in tags if t != "TY"],
                                  skip_unknown_tags=True)
        except Exception as error:  # rispy raises plain IOError/ValueError on bad input
            problems.append({"file": file.name, "line": start_line,
                             "problem": f"RIS-posten kunde inte läsas: {error}"})
            continue
        if not entries:
            continue
        entry = entries[0]

        def first(field: str, entry: dict = entry) -> str:
            for tag in RIS_FIELDS[field]:
                values = entry.get(tag) or []
                if values and _clean(values[0]):
                    return _clean(values[0])
            return ""

        def every(field: str, entry: dict = entry) -> list[str]:
            return [v for tag in RIS_FIELDS[field] for v in (entry.get(tag) or [])]

        title = first("title")
        if not title:
            problems.append({"file": file.name, "line": start_line,
                             "problem": "RIS-post utan titel (TI/T1); posten hoppades över"})
            continue
        doi = first("doi") or next((u for u in every("url") if normalise_doi(u)), "")
        records.append(_record(
            file, database or first("database") or "RIS", first("id"), position,
            title=title, abstract=" ".join(dict.fromkeys(_clean(v) for v in every("abstract"))),
            authors=every("authors"),
            year=first("year"), source=first("source"), doi=doi,
            keywords=[k for v in every("keywords") for k in _split_list(v)],
            language=first("language")))
    return records, problems


# ---------------------------------------------------------------------------------------
# BibTeX


def read_bibtex(path: str | Path, *,
                database: str | None = None) -> tuple[list[dict], list[dict]]:
    """Read a BibTeX file with bibtexparser v2 (LaTeX decoded). Failed blocks are
    reported with their line number, not dropped silently."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    file = Path(path)
    text = _read_text(file)
    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    except Exception as error:
        raise InputDataError(f"{file}: the BibTeX file could not be parsed ({error}).",
                             hint="check the file in a reference manager", file=str(file))
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
    records = []
    for position, entry in enumerate(library.entries):
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}

        def get(name: str, fields: dict = fields) -> str:
            field = fields.get(name)
            return _clean(str(field.value).replace("{", "").replace("}", "")) if field else ""

        title = get("title")
        if not title:
            problems.append({"file": file.name, "line": (entry.start_line or 0) + 1,
                             "problem": f"BibTeX-post {entry.key!r} utan titel; hoppades över"})
            continue
        authors = [a.strip() for a in re.split(r"\s+and\s+", get("author")) if a.strip()]
        unique_id = get("unique-id")
        records.append(_record(
            file, database or get("database")
            or ("Web of Science" if unique_id.upper().startswith("WOS:") else "BibTeX"),
            unique_id or entry.key, position,
            title=title, abstract=get("abstract"), authors=authors, year=get("year"),
            source=get("journal") or get("booktitle") or get("publisher"),
            doi=get("doi") or get("url"), keywords=_split_list(get("keywords"), ";,"),
            language=get("language") or get("langid")))
    return records, problems


# ---------------------------------------------------------------------------------------
# table exports (CSV/TSV/XLSX) of Scopus, Web of Science, PubMed, DiVA, SwePub

# Column names per source; the first present column wins for each field.
TABLE_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "DiVA": {
        "id": ("PID",), "title": ("Title",), "abstract": ("Abstract",),
        "authors": ("Name",), "year": ("Year",), "source": ("Journal", "HostPublication"),
        "doi": ("DOI",), "keywords": ("Keywords",), "language": ("Language",),
        "_signature": ("PID", "Name", "PublicationType"),
    },
    "SwePub": {
        "id": ("Record ID", "Swepub ID", "ID"), "title": ("Title", "Titel"),
        "abstract": ("Abstract", "Sammanfattning"), "authors": ("Creator", "Authors",
                                                                  "Upphov", "Författare"),
        "year": ("Publication year", "Publiceringsår", "Year"),
        "source": ("Source title", "Värdpublikation", "Publication channel"),
        "doi": ("DOI",), "keywords": ("Keywords", "Subject keywords", "Nyckelord"),
        "language": ("Language", "Språk"),
        "_signature": ("Publication year",), "_any": ("Swepub ID", "Upphov", "Värdpublikation",
                                                      "Publiceringsår", "Creator"),
    },
    "Scopus": {
        "id": ("EID",), "title": ("Title",), "abstract": ("Abstract",),
        "authors": ("Authors", "Author full names"), "year": ("Year",),
        "source": ("Source title",), "doi": ("DOI",),
        "keywords": ("Author Keywords", "Index Keywords"),
        "language": ("Language of Original Document",),
        "_signature": ("Source title", "EID"),
    },
    "Web of Science": {
        "id": ("UT (Unique WOS ID)", "UT"), "title": ("Article Title", "TI"),
        "abstract": ("Abstract", "AB"), "authors": ("Author Full Names", "Authors", "AF", "AU"),
        "year": ("Publication Year", "PY"), "source": ("Source Title", "SO"),
        "doi": ("DOI", "DI"), "keywords": ("Author Keywords", "Keywords Plus", "DE", "ID"),
        "language": ("Language", "LA"), "_signature": ("UT (Unique WOS ID)",),
        "_any": ("UT", "TI", "SO"),
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
        "authors": ("authors", "Authors", "author", "Författare"),
        "year": ("year", "Year", "År", "år"), "source": ("source", "journal", "Journal"),
        "doi": ("doi", "DOI"), "keywords": ("keywords", "Keywords", "Nyckelord"),
        "language": ("language", "Language", "Språk"), "_signature": (),
    },
}
LIST_SEPARATORS = {"authors": ";", "keywords": ";"}


def read_table_file(path: Path) -> pd.DataFrame:
    """Read a CSV/TSV/TXT (delimiter sniffed, encoding detected) or XLSX file as text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        if not path.exists():
            raise InputDataError(f"{path}: file not found.", file=str(path))
        try:
            frame = pd.read_excel(path, dtype=str)
        except Exception as error:
            raise InputDataError(f"{path}: the spreadsheet could not be read ({error}).",
                                 hint="save it again as .xlsx or export CSV",
                                 file=str(path)) from error
        return frame
    text = _read_text(path)
    if not text.strip():
        raise InputDataError(f"{path}: the file is empty.", file=str(path))
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if suffix in (".tsv", ".txt") else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                           on_bad_lines="error", engine="python")
    except (pd.errors.ParserError, csv.Error) as error:
        line = re.search(r"line (\d+)", str(error))
        raise InputDataError(
            f"{path}: malformed table ({error}).",
            hint="check quotes and the number of fields on that line",
            file=str(path), row=int(line.group(1)) if line else None) from error


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


def read_table_export(path: str | Path, *, database: str | None = None,
                      columns: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """Read a CSV/XLSX export (Scopus, Web of Science, PubMed, DiVA, SwePub or generic).

    Parameters
    ----------
    database
        The source, when the automatic detection from column names should be overridden.
    columns
        Explicit mapping ``{field: column}`` for fields of :data:`RECORD_COLUMNS`.
    """
    file = Path(path)
    frame = read_table_file(file)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    source = database or detect_table_source(frame.columns)
    spec = TABLE_SOURCES.get(source, TABLE_SOURCES["Tabell"])
    chosen: dict[str, str] = {}
    for field_name, candidates in spec.items():
        if field_name.startswith("_"):
            continue
        for candidate in candidates:
            if candidate in frame.columns:
                chosen[field_name] = candidate
                break
    chosen.update(dict(columns or {}))
    if "title" not in chosen or chosen["title"] not in frame.columns:
        raise InputDataError(
            f"{file}: no title column found (detected source: {source}).",
            hint="state the columns, e.g. columns={'title': 'Titel'}; present: "
                 + ", ".join(frame.columns[:15]), file=str(file), column="title")
    records, problems = [], []
    for position, row in enumerate(frame.to_dict("records")):
        line = position + 2
        title = _clean(row.get(chosen["title"]))
        if not title:
            problems.append({"file": file.name, "line": line,
                             "problem": "rad utan titel; hoppades över"})
            continue

        def value(field_name: str, row: dict = row) -> Any:
            column = chosen.get(field_name)
            return row.get(column, "") if column else ""

        authors = _split_list(value("authors"), ";")
        if source == "DiVA":  # "Efternamn, Förnamn (Organisation)"
            authors = [re.sub(r"\s*\([^)]*\)", "", a).strip() for a in authors]
        elif len(authors) == 1 and "," in authors[0] and source in ("PubMed", "Scopus"):
            authors = [a.strip() for a in authors[0].split(",")]
        keyword_columns = [c for c in spec.get("keywords", ()) if c in frame.columns]
        keywords = [k for c in keyword_columns for k in _split_list(row.get(c), ";")]
        records.append(_record(
            file, source if source != "Tabell" else (database or file.stem),
            _clean(value("id")), position, title=title, abstract=value("abstract"),
            authors=authors, year=value("year"), source=value("source"), doi=value("doi"),
            keywords=keywords, language=value("language")))
    if not records and not problems:
        raise InputDataError(f"{file}: the table has no rows.", file=str(file))
    return records, problems


def read_text_export(path: str | Path, *,
                     database: str | None = None) -> tuple[list[dict], list[dict]]:
    """A ``.txt`` export: RIS when it starts with a ``TY  -`` line, else a table
    (Web of Science tab-delimited)."""
    head = _read_text(Path(path)).lstrip()[:200]
    if RIS_TAG.match(head.splitlines()[0] if head else "") and head.startswith("TY  -"):
        return read_ris(path, database=database)
    return read_table_export(path, database=database)


READERS: dict[str, Callable[..., tuple[list[dict], list[dict]]]] = {
    ".ris": read_ris, ".bib": read_bibtex, ".bibtex": read_bibtex,
    ".csv": read_table_export, ".tsv": read_table_export, ".txt": read_text_export,
    ".xlsx": read_table_export, ".xls": read_table_export,
}


@dataclass
class ImportResult:
    """Imported records and the problems found while reading them."""

    records: pd.DataFrame
    problems: pd.DataFrame


def read_records(paths: str | Path | Iterable[str | Path], *,
                 databases: Mapping[str, str] | None = None) -> ImportResult:
    """Read exports into one table (:data:`RECORD_COLUMNS`).

    Parameters
    ----------
    paths
        Export files (``.ris``, ``.bib``, ``.csv``, ``.tsv``, ``.txt``, ``.xlsx``).
    databases
        Optional ``{file name: database}`` when the database cannot be detected.

    Record ids that repeat (the same record exported twice) get a ``~2`` suffix so each
    row stays addressable in the screening log.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ParameterError("No export files given.", hint="set `records` to a list of files",
                             parameter="records")
    records: list[dict] = []
    problems: list[dict] = []
    for path in paths:
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise InputDataError(
                f"{path}: unknown file type {path.suffix!r}.",
                hint="use RIS (.ris), BibTeX (.bib), CSV/TSV or XLSX exports", file=str(path))
        database = (databases or {}).get(path.name)
        found, issues = reader(path, database=database)
        records.extend(found)
        problems.extend(issues)
    frame = pd.DataFrame(records, columns=RECORD_COLUMNS)
    if frame.empty:
        raise InputDataError("No usable records in the export files.",
                             hint="see the problems reported for each file",
                             file=", ".join(p.name for p in paths))
    counts = frame.groupby("record_id").cumcount()
    frame.loc[counts > 0, "record_id"] = (frame.loc[counts > 0, "record_id"] + "~"
                                          + (counts[counts > 0] + 1).astype(str))
    frame["year"] = frame["year"].astype("Int64")
    return ImportResult(frame, pd.DataFrame(problems, columns=PROBLEM_COLUMNS))


# ---------------------------------------------------------------------------------------
# de-duplication


def normalise_title(title: object) -> str:
    """Title key: lower case, diacritics folded, HTML tags and punctuation removed."""
    text = re.sub(r"<[^>]+>", " ", _clean(title))
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def _main_title(title: object) -> str:
    parts = re.split(r"\s*[:?.!]\s+|\s+[-–—]\s+", _clean(title), maxsplit=1)
    return normalise_title(parts[0])


def _first_author_key(authors: object) -> str:
    first = _clean(authors).split(";")[0].strip()
    if not first:
        return ""
    surname = first.split(",")[0] if "," in first else first.split()[-1]
    return normalise_title(surname).replace(" ", "")


def _surnames(authors: object) -> str:
    names = []
    for author in _clean(authors).split(";"):
        author = author.strip()
        if author:
            surname = author.split(",")[0] if "," in author else author.split()[-1]
            names.append(normalise_title(surname).replace(" ", ""))
    return " ".join(names)


def _completeness(row: pd.Series) -> int:
    return sum(bool(_clean(row.get(c))) for c in ("abstract", "doi", "authors", "keywords",
                                                   "source", "language")) + \
        (row.get("year") is not None and not pd.isna(row.get("year")))


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_pairs(records: pd.DataFrame, *, title_threshold: float = 90.0,
                    author_threshold: float = 0.85) -> pd.DataFrame:
    """Candidate duplicate pairs with the rule that matched.

    Rules, in order:

    1. ``doi``: same normalised DOI;
    2. ``title+year``: same normalised title and same year (or one year missing);
    3. ``subtitle``: one title is the other's main title (before a colon), with the same
       author surnames and years at most one apart;
    4. ``fuzzy``: titles with rapidfuzz ``ratio`` ≥ ``title_threshold`` (or one main title,
       before a colon, equal to the other's with ≥ 4 words), years at most one apart,
       first-author surnames Jaro–Winkler ≥ ``author_threshold`` (or one missing) and no
       conflicting DOIs. Comparisons are blocked by publication year (±1).

    Returns columns ``left, right`` (row positions), ``rule`` and ``score``.
    """
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import JaroWinkler

    n = len(records)
    titles = [normalise_title(t) for t in records["title"]]
    mains = [_main_title(t) for t in records["title"]]
    dois = [normalise_doi(d) for d in records["doi"]]
    years = [None if pd.isna(y) else int(y) for y in records["year"]]
    authors = [_first_author_key(a) for a in records["authors"]]
    pairs: dict[tuple[int, int], tuple[str, float]] = {}

    def add(i: int, j: int, rule: str, score: float) -> None:
        key = (min(i, j), max(i, j))
        if key not in pairs:
            pairs[key] = (rule, score)

    by_doi: dict[str, list[int]] = {}
    for i, doi in enumerate(dois):
        if doi:
            by_doi.setdefault(doi, []).append(i)
    for members in by_doi.values():
        for j in members[1:]:
            add(members[0], j, "doi", 100.0)
    by_title: dict[str, list[int]] = {}
    for i, title in enumerate(titles):
        if title:
            by_title.setdefault(title, []).append(i)
    for members in by_title.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                if (years[a] is None or years[b] is None or years[a] == years[b]) and \
                        not (dois[a] and dois[b] and dois[a] != dois[b]):
                    add(a, b, "title+year", 100.0)

    # dropped subtitle: one title is exactly the other's main title (before a colon);
    # needs the same author surnames (every author) and years at most one apart
    surnames = [_surnames(a) for a in records["authors"]]
    by_main: dict[str, list[int]] = {}
    for i, main in enumerate(mains):
        if len(main.split()) >= 3:
            by_main.setdefault(main, []).append(i)
    for main, members in by_main.items():
        short = [i for i in members if titles[i] == main]
        for i in short:
            for j in members:
                if i == j or titles[j] == main:
                    continue
                if not surnames[i] or not surnames[j] or \
                        fuzz.token_sort_ratio(surnames[i], surnames[j]) < 90:
                    continue
                if years[i] is not None and years[j] is not None and \
                        abs(years[i] - years[j]) > 1:
                    continue
                if dois[i] and dois[j] and dois[i] != dois[j]:
                    continue
                add(i, j, "subtitle", 100.0)

    # fuzzy, blocked by year: each year block is compared with itself and the next year;
    # records without a year are compared with everyone
    year_values = sorted({y for y in years if y is not None})
    blocks = {y: [i for i in range(n) if years[i] == y] for y in year_values}
    missing = [i for i in range(n) if years[i] is None]
    comparisons: list[tuple[list[int], list[int]]] = []
    for y in year_values:
        comparisons.append((blocks[y], blocks[y] + blocks.get(y + 1, [])))
    if missing:
        comparisons.append((missing, list(range(n))))
    for left, right in comparisons:
        if not left or not right:
            continue
        scores = process.cdist([titles[i] for i in left], [titles[j] for j in right],
                               scorer=fuzz.ratio, score_cutoff=min(title_threshold, 80.0),
                               workers=1)
        rows, cols = np.nonzero(scores)
        left_set = set(left)
        for r, c in zip(rows.tolist(), cols.tolist()):
            i, j = left[r], right[c]
            if i >= j and j in left_set:
                continue
            if i == j:
                continue
            score = float(scores[r, c])
            shorter, longer = sorted((titles[i], titles[j]), key=len)
            same_main = (len(shorter.split()) >= 5 and longer.startswith(shorter)
                         and (mains[i] == mains[j]))
            if score < title_threshold and not same_main:
                continue
            if dois[i] and dois[j] and dois[i] != dois[j]:
                continue
            if authors[i] and authors[j] and \
                    JaroWinkler.similarity(authors[i], authors[j]) < author_threshold:
                continue
            add(i, j, "fuzzy", round(score, 1))
    table = pd.DataFrame([(a, b, rule, score) for (a, b), (rule, score) in pairs.items()],
                         columns=["left", "right", "rule", "score"])
    return table.sort_values(["left", "right"]).reset_index(drop=True)


@dataclass
class DedupResult:
    """Unique records (the kept record of each group) and the merged groups."""

    records: pd.DataFrame
    groups: pd.DataFrame
    n_removed: int


def deduplicate(records: pd.DataFrame, **options: Any) -> DedupResult:
    """Merge duplicate records across databases.

    The kept record of a group is the most complete one (abstract, DOI, authors ...;
    the earliest row on ties). Kept records get ``duplicates`` (ids of the removed records)
    and ``databases`` (every database the record was found in). ``groups`` lists every
    record of every merged group with ``group``, ``kept``, ``kept_record_id``, ``rule``
    and ``score`` for checking. ``options`` go to :func:`duplicate_pairs`.
    """
    frame = records.reset_index(drop=True)
    pairs = duplicate_pairs(frame, **options)
    union = _UnionFind(len(frame))
    how: dict[int, tuple[str, float]] = {}
    for left, right, rule, score in pairs.itertuples(index=False):
        union.union(int(left), int(right))
        how.setdefault(int(right), (rule, score))
        how.setdefault(int(left), (rule, score))
    members: dict[int, list[int]] = {}
    for i in range(len(frame)):
        members.setdefault(union.find(i), []).append(i)
    keep = np.zeros(len(frame), dtype=bool)
    group_rows = []
    unique = frame.copy()
    unique["duplicates"] = ""
    unique["databases"] = unique["database"]
    group_number = 0
    for root, rows in members.items():
        best = max(rows, key=lambda i: (_completeness(frame.iloc[i]), -i))
        keep[best] = True
        if len(rows) == 1:
            continue
        group_number += 1
        others = [i for i in rows if i != best]
        unique.at[best, "duplicates"] = "; ".join(frame.loc[others, "record_id"])
        unique.at[best, "databases"] = _join(frame.loc[rows, "database"].tolist())
        for i in rows:
            rule, score = how.get(i, ("", np.nan))
            group_rows.append({
                "group": group_number, "record_id": frame.at[i, "record_id"],
                "kept": i == best, "kept_record_id": frame.at[best, "record_id"],
                "rule": rule, "score": score, "title": frame.at[i, "title"],
                "year": frame.at[i, "year"], "database": frame.at[i, "database"],
                "doi": frame.at[i, "doi"],
            })
    groups = pd.DataFrame(group_rows, columns=["group", "record_id", "kept", "kept_record_id",
                                               "rule", "score", "title", "year", "database",
                                               "doi"])
    result = unique[keep].reset_index(drop=True)
    return DedupResult(records=result, groups=groups, n_removed=int((~keep).sum()))


# ---------------------------------------------------------------------------------------
# PRISMA


def map_to_kept(log: pd.DataFrame, unique: pd.DataFrame) -> pd.DataFrame:
    """Rewrite screening-log record ids of removed duplicates to the id of the kept record,
    so a decision made on any copy counts for the work (the raw log is not modified)."""
    lookup: dict[str, str] = {}
    for rid, dups in zip(unique["record_id"], unique.get("duplicates", pd.Series(dtype=str))):
        for dup in str(dups or "").split(";"):
            if dup.strip():
                lookup[dup.strip()] = rid
    mapped = log.copy()
    if not mapped.empty:
        mapped["record_id"] = mapped["record_id"].map(lambda r: lookup.get(r, r))
    return mapped


def prisma_counts(records: pd.DataFrame, unique: pd.DataFrame,
                  decisions: pd.Series | None = None) -> pd.DataFrame:
    """PRISMA-style counts: identified per database, duplicates removed, screened,
    excluded, unsure, included, not yet screened.

    ``decisions`` is the latest decision per record id (see
    :func:`research.screening.latest_decisions`); decisions on removed duplicates count
    for the kept record.
    """
    rows = [{"steg": "Identifierade", "del": db, "antal": int(count)}
            for db, count in records["database"].value_counts().sort_index().items()]
    rows.append({"steg": "Identifierade", "del": "Totalt", "antal": len(records)})
    rows.append({"steg": "Dubbletter borttagna", "del": "",
                 "antal": len(records) - len(unique)})
    rows.append({"steg": "Unika poster", "del": "", "antal": len(unique)})
    decided = pd.Series(index=unique["record_id"], dtype=object)
    if decisions is not None and len(decisions):
        lookup = dict(decisions)
        for rid, dups in zip(unique["record_id"], unique.get("duplicates", "")):
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


# ---------------------------------------------------------------------------------------
# literature map


def records_per_year(records: pd.DataFrame) -> pd.DataFrame:
    """Number of records per publication year and language (``år``, ``språk``, ``antal``)."""
    frame = records.dropna(subset=["year"])
    table = frame.groupby(["year", "language"]).size().unstack(fill_value=0)
    table.index = table.index.astype(int)
    table.index.name = "år"
    table["totalt"] = table.sum(axis=1)
    return table.reset_index()


def _top(values: Iterable[str], n: int, label: str) -> pd.DataFrame:
    series = pd.Series([v for v in values if v])
    if series.empty:
        return pd.DataFrame(columns=[label, "antal"])
    counts = series.value_counts().head(n)
    return pd.DataFrame({label: counts.index, "antal": counts.to_numpy()})


def top_sources(records: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Most frequent journals/sources."""
    return _top(records["source"].fillna(""), n, "källa")


def top_authors(records: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Most frequent authors (as written in the exports)."""
    names = [a.strip() for value in records["authors"].fillna("") for a in value.split(";")]
    return _top(names, n, "författare")


def top_keywords(records: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Most frequent keywords (case-folded)."""
    words = [k.strip().lower() for value in records["keywords"].fillna("")
             for k in value.split(";")]
    return _top(words, n, "nyckelord")


LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska", "no": "norska", "da": "danska",
                  "de": "tyska", "fi": "finska", "fr": "franska", "": "okänt"}


def language_split(records: pd.DataFrame) -> pd.DataFrame:
    """Records per language with share."""
    counts = records["language"].fillna("").map(lambda c: LANGUAGE_NAMES.get(c, c)) \
        .value_counts()
    return pd.DataFrame({"språk": counts.index, "antal": counts.to_numpy(),
                         "andel": (counts.to_numpy() / max(1, counts.sum())).round(3)})


@dataclass
class TopicResult:
    """NMF topics: the topic table, the record → topic weights and the dominant topic."""

    topics: pd.DataFrame
    weights: np.ndarray
    dominant: np.ndarray


# generic words of scientific abstracts that say nothing about the topic
ACADEMIC_STOP_WORDS = frozenset("""
    studie studien studier studium handla syfte syftet resultat resultaten visa tyda
    slutsats artikel
    artikeln diskutera data metod analys behov behövs finnas person informant enkät
    study studies aim result results show suggest conclusion article discuss data method
    analysis need use used using paper research finding findings indicate respondent
    participant informant survey interview concern
    """.split())


def _lemmatised(records: pd.DataFrame) -> list[str]:
    from ..text.core import content_tokens

    texts = []
    for title, abstract, language in zip(records["title"].fillna(""),
                                         records["abstract"].fillna(""),
                                         records["language"].fillna("")):
        lang = "en" if language == "en" else "sv"
        tokens = content_tokens(f"{title} {abstract}", lang=lang)
        texts.append(" ".join(t for t in tokens if t not in ACADEMIC_STOP_WORDS))
    return texts


def fit_topics(records: pd.DataFrame, n_topics: int = 6, *, seed: int = 0,
               n_terms: int = 8, n_titles: int = 3) -> TopicResult:
    """NMF topics over lemmatised title + abstract (TF-IDF, Swedish/English stop words).

    Returns a table with ``ämne`` (1..k), ``etikett`` (three top terms), ``toppord``,
    ``antal`` (records whose dominant topic it is) and ``representativa titlar``.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(n_topics, (int, np.integer)) or n_topics < 1:
        raise ParameterError(f"n_topics must be a positive integer, got {n_topics!r}.",
                             parameter="n_topics")
    if len(records) < n_topics * 2:
        raise ParameterError(f"Too few records ({len(records)}) for {n_topics} topics.",
                             hint="lower n_topics", parameter="n_topics")
    texts = _lemmatised(records)
    vectorizer = TfidfVectorizer(analyzer=str.split, min_df=2, max_df=0.6, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError as error:
        raise InputDataError("Too little text for topics.", hint="lower n_topics") from error
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = np.asarray(vectorizer.get_feature_names_out())
    dominant = weights.argmax(axis=1)
    rows = []
    for k, component in enumerate(model.components_):
        top = terms[np.argsort(component)[::-1][:n_terms]].tolist()
        best = np.argsort(weights[:, k])[::-1][:n_titles]
        rows.append({
            "ämne": k + 1, "etikett": ", ".join(top[:3]), "toppord": ", ".join(top),
            "antal": int((dominant == k).sum()),
            "representativa titlar": " | ".join(records["title"].iloc[best].tolist()),
        })
    return TopicResult(pd.DataFrame(rows), weights, dominant)


def topic_trends(records: pd.DataFrame, topics: TopicResult) -> pd.DataFrame:
    """Records per year and dominant topic (wide: ``år`` + one column per topic label)."""
    labels = topics.topics.set_index("ämne")["etikett"]
    frame = pd.DataFrame({"år": records["year"].to_numpy(),
                          "ämne": [f"{k + 1}: {labels[k + 1]}" for k in topics.dominant]})
    frame = frame.dropna(subset=["år"])
    table = frame.groupby(["år", "ämne"]).size().unstack(fill_value=0)
    table.index = table.index.astype(int)
    return table.reset_index()


OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _integer_years(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def year_figure(per_year: pd.DataFrame) -> Any:
    """Bar chart of records per year, stacked by language with hatching; Swedish alt."""
    from ..report.display import attach_alt

    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    languages = [c for c in per_year.columns if c not in ("år", "totalt")]
    bottom = np.zeros(len(per_year))
    hatches = ["", "//", "..", "xx", "\\\\", "oo"]
    for position, language in enumerate(languages):
        values = per_year[language].to_numpy()
        ax.bar(per_year["år"], values, bottom=bottom, color=OKABE_ITO[position % 8],
               hatch=hatches[position % len(hatches)], edgecolor="black", linewidth=0.4,
               label=LANGUAGE_NAMES.get(language, language))
        bottom += values
    ax.set_xlabel("Publiceringsår")
    ax.set_ylabel("Antal poster")
    _integer_years(ax)
    ax.legend(frameon=False, title="Språk")
    fig.tight_layout()
    if per_year.empty:
        return attach_alt(fig, "Inga poster med publiceringsår.")
    peak = per_year.loc[per_year["totalt"].idxmax()]
    first, last = int(per_year["år"].min()), int(per_year["år"].max())
    alt = (f"Stapeldiagram över antal poster per publiceringsår {first}–{last}, uppdelat på "
           f"språk. Flest poster kom {int(peak['år'])} ({int(peak['totalt'])} poster).")
    return attach_alt(fig, alt)


def topic_trend_figure(trends: pd.DataFrame) -> Any:
    """Line chart of records per year and topic (markers and colours); Swedish alt."""
    from ..report.display import attach_alt

    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 5.2))
    topic_columns = [c for c in trends.columns if c != "år"]
    for position, column in enumerate(topic_columns):
        ax.plot(trends["år"], trends[column], marker=MARKERS[position % 8],
                color=OKABE_ITO[position % 8], label=str(column), linewidth=1.5)
    ax.set_xlabel("Publiceringsår")
    ax.set_ylabel("Antal poster (dominerande ämne)")
    _integer_years(ax)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=2)
    fig.tight_layout()
    if trends.empty or not topic_columns:
        return attach_alt(fig, "Inga ämnen att visa över tid.")
    recent = trends[trends["år"] >= trends["år"].max() - 2][topic_columns].sum()
    totals = trends[topic_columns].sum()
    alt = (f"Linjediagram över antal poster per år för {len(topic_columns)} ämnen. "
           f"Störst totalt är ämnet {totals.idxmax()} ({int(totals.max())} poster); "
           f"de tre senaste åren dominerar {recent.idxmax()}.")
    return attach_alt(fig, alt)


def keyword_figure(keywords: pd.DataFrame) -> Any:
    """Horizontal bar chart of the most frequent keywords with value labels; Swedish alt."""
    from ..report.display import attach_alt

    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(keywords) + 1)))
    data = keywords.iloc[::-1]
    bars = ax.barh(data["nyckelord"], data["antal"], color=OKABE_ITO[4], edgecolor="black",
                   linewidth=0.4)
    ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_xlabel("Antal poster")
    fig.tight_layout()
    if keywords.empty:
        return attach_alt(fig, "Inga nyckelord i underlaget.")
    top = keywords.iloc[0]
    alt = (f"Liggande stapeldiagram över de {len(keywords)} vanligaste nyckelorden. "
           f"Vanligast är ”{top['nyckelord']}” med {int(top['antal'])} poster.")
    return attach_alt(fig, alt)


# ---------------------------------------------------------------------------------------
# the whole analysis, as the notebook uses it


SWEDISH_COLUMNS = {
    "record_id": "post-id", "title": "titel", "abstract": "sammanfattning",
    "authors": "författare", "year": "år", "source": "källa", "doi": "doi",
    "keywords": "nyckelord", "language": "språk", "database": "databas", "file": "fil",
    "kept_record_id": "behållen post", "kept": "behålls", "duplicates": "dubbletter",
    "databases": "databaser",
}


def _year_text(table: pd.DataFrame) -> pd.DataFrame:
    copy = table.copy()
    if "year" in copy.columns:
        copy["year"] = copy["year"].map(lambda y: "" if pd.isna(y) else str(int(y)))
    return copy


@dataclass
class LiteratureAnalysis:
    """Everything the literature briefing shows, computed once from the parameters."""

    imported: ImportResult
    dedup: DedupResult
    all_records: pd.DataFrame
    log: pd.DataFrame
    log_problems: pd.DataFrame
    state: Any
    prisma: pd.DataFrame
    topics: TopicResult
    per_year: pd.DataFrame
    trends: pd.DataFrame
    files: pd.DataFrame
    title: str
    query_description: str

    def key_figures(self) -> dict[str, object]:
        """Key figures for the summary (Swedish labels)."""
        summary = self.state.summary
        left = summary["estimated_relevant_left"]
        return {
            "Identifierade poster": len(self.imported.records),
            "Dubbletter borttagna": self.dedup.n_removed,
            "Unika poster": len(self.dedup.records),
            "Granskade": summary["n_screened"],
            "Inkluderade": summary["n_included"],
            "Uppskattat relevanta kvar": "–" if left is None else round(left),
        }

    def findings(self) -> list[str]:
        """Three to five plain-Swedish findings built from the numbers."""
        from ..report.formatting import format_number, format_percent

        unique = self.dedup.records
        summary = self.state.summary
        databases = self.imported.records["database"].nunique()
        findings = [
            f"Sökningarna gav {format_number(len(self.imported.records))} poster från "
            f"{databases} databaser; efter att {format_number(self.dedup.n_removed)} "
            f"dubbletter tagits bort återstår {format_number(len(unique))} unika poster.",
        ]
        if summary["n_screened"]:
            findings.append(
                f"{format_number(summary['n_screened'])} poster är granskade "
                f"({format_percent(summary['n_screened'] / max(1, len(unique)))}); "
                f"{format_number(summary['n_included'])} har inkluderats. "
                f"{summary['suggestion']}")
        else:
            findings.append("Ingen post är granskad ännu. " + summary["suggestion"])
        shares = unique["language"].value_counts(normalize=True)
        if not shares.empty:
            findings.append(
                f"{format_percent(shares.get('sv', 0.0))} av de unika posterna är på svenska "
                f"och {format_percent(shares.get('en', 0.0))} på engelska.")
        biggest = self.topics.topics.sort_values("antal", ascending=False).iloc[0]
        findings.append(f"Det största ämnet i litteraturen handlar om {biggest['etikett']} "
                        f"({format_number(int(biggest['antal']))} poster).")
        if not self.per_year.empty:
            peak = self.per_year.loc[self.per_year["totalt"].idxmax()]
            findings.append(f"Flest poster publicerades {int(peak['år'])} "
                            f"({format_number(int(peak['totalt']))} poster).")
        return findings[:5]

    def records_table(self) -> pd.DataFrame:
        """All imported records with whether each was kept and which record it duplicates
        (Swedish column names; years as text so they show without a thousands space)."""
        table = _year_text(self.all_records)
        table["kept"] = table["kept"].map({True: "ja", False: "nej"})
        return table.rename(columns=SWEDISH_COLUMNS)

    def problems_table(self) -> pd.DataFrame:
        """Import problems and unreadable screening-log rows (file, line, problem)."""
        log_rows = self.log_problems.rename(columns={"reason": "problem"})[
            ["file", "line", "problem"]] if len(self.log_problems) else None
        frames = [self.imported.problems] + ([log_rows] if log_rows is not None else [])
        table = pd.concat(frames, ignore_index=True)
        return table.rename(columns={"file": "fil", "line": "rad"})

    def problems_note(self) -> str:
        """A note under the problems table."""
        if self.problems_table().empty:
            return "Inga problem: alla poster och alla rader i granskningsloggen kunde läsas."
        return "Rättade exportfiler kan läsas in på nytt; inget annat har ändrats."

    def ranking_table(self) -> pd.DataFrame:
        """Top-ranked unscreened records with Swedish column names."""
        return _year_text(self.state.ranking).rename(columns={
            "rank": "rang", "record_id": "post-id", "title": "titel", "year": "år",
            "database": "databas", "score": "poäng", "probability": "sannolikhet"})

    def progress_table(self) -> pd.DataFrame:
        """Screening progress (Swedish labels)."""
        return self.state.progress.rename(columns={"measure": "mått", "value": "värde"})

    def duplicates_table(self) -> pd.DataFrame:
        """Merged duplicate groups (Swedish column names)."""
        rules = {"doi": "DOI", "title+year": "titel + år", "fuzzy": "likartad titel",
                 "subtitle": "titel utan undertitel"}
        table = _year_text(self.dedup.groups)
        table["rule"] = table["rule"].map(lambda r: rules.get(r, r))
        table["kept"] = table["kept"].map({True: "ja", False: "nej"})
        return table.rename(columns={
            "group": "grupp", "record_id": "post-id", "kept": "behålls",
            "kept_record_id": "behållen post", "rule": "regel", "score": "likhet",
            "title": "titel", "year": "år", "database": "databas", "doi": "doi"})

    def method_notes(self) -> list[str]:
        """Method and data notes for 'Om underlaget'."""
        from ..report.formatting import format_number

        problems = len(self.imported.problems) + len(self.log_problems)
        return [
            f"Sökningar: {self.query_description}",
            "Inlästa filer: " + "; ".join(f"{row.fil} ({row.databas}, "
                                           f"{format_number(row.poster)} poster)"
                                           for row in self.files.itertuples(index=False)),
            "Dubbletter: samma DOI, samma normaliserade titel och år, samma huvudtitel där "
            "undertiteln saknats (samma författare), eller likartad titel (rapidfuzz, minst "
            "90 av 100) med samma förstaförfattare och högst ett års skillnad. Den mest "
            "kompletta posten i varje grupp behålls.",
            "Rangordning: TF-IDF över lemmatiserade ord i titel och sammanfattning (svenska "
            "och engelska stoppord) och en linjär SVM med viktade klasser, omtränad på alla "
            "beslut hittills; den mest sannolikt relevanta posten visas först. Så länge "
            "färre än 25 % är granskade används 100 slumpvis valda ogranskade poster som "
            "antagna irrelevanta exempel.",
            "Uppskattningen av relevanta poster kvar bygger på en oviktad logistisk "
            "regression och är grov; förslaget att avsluta följer regeln om minst "
            "max(50, 5 % av posterna) granskade i rad utan relevant post.",
            "Ämnen: NMF över lemmatiserade ord (simplemma) i titel och sammanfattning.",
            f"Rader som inte kunde läsas: {format_number(problems)} (se tabellen över "
            "inläsningsproblem).",
        ]


def analyse(
    paths: Iterable[str | Path],
    screening_log: str | Path,
    *,
    n_topics: int = 6,
    seed: int = 0,
    title: str = "",
    query_description: str = "",
    top: int = 20,
) -> LiteratureAnalysis:
    """Import, de-duplicate, rank, count and map a literature search in one call.

    Relative paths are resolved against the project root (as the notebook's parameters
    give them). The screening log is created (header only) when missing; it is never
    rewritten.
    """
    from . import screening
    from ..paths import resolve

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [resolve(path) for path in paths]
    if not paths:
        raise ParameterError("`records` is empty.", hint="list at least one export file",
                             parameter="records")
    imported = read_records(paths)
    dedup = deduplicate(imported.records)
    log_path = screening.ensure_screening_log(screening_log)
    raw_log, log_problems = screening.read_screening_log(log_path)
    log = map_to_kept(raw_log, dedup.records)
    state = screening.screening_state(dedup.records, log, top=top, seed=seed)
    prisma = prisma_counts(imported.records, dedup.records, screening.latest_decisions(log))
    topics = fit_topics(dedup.records, n_topics, seed=seed)
    per_year = records_per_year(dedup.records)
    trends = topic_trends(dedup.records, topics)
    kept_of: dict[str, str] = {}
    for _, row in dedup.groups.iterrows():
        kept_of[row["record_id"]] = row["kept_record_id"]
    all_records = imported.records.copy()
    all_records["kept_record_id"] = all_records["record_id"].map(
        lambda r: kept_of.get(r, r))
    all_records["kept"] = all_records["kept_record_id"] == all_records["record_id"]
    files = imported.records.groupby(["file", "database"]).size().reset_index(name="poster")
    files = files.rename(columns={"file": "fil", "database": "databas"})
    skipped = imported.problems.groupby("file").size()
    files["problem"] = files["fil"].map(skipped).fillna(0).astype(int)
    return LiteratureAnalysis(
        imported=imported, dedup=dedup, all_records=all_records, log=log,
        log_problems=log_problems, state=state, prisma=prisma, topics=topics,
        per_year=per_year, trends=trends, files=files, title=title,
        query_description=query_description)


def period_text(records: pd.DataFrame) -> str:
    """The publication years the records span, for the catalogue ("publicerat 2008–2025")."""
    years = pd.to_numeric(records.get("year", pd.Series(dtype=float)), errors="coerce").dropna()
    if years.empty:
        return "publiceringsår saknas"
    first, last = int(years.min()), int(years.max())
    return f"publicerat {first}" if first == last else f"publicerat {first}–{last}"
