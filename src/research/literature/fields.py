"""Field normalisation shared by the readers and de-duplication.

One record is a dict with the columns in :data:`RECORD_COLUMNS`. The functions here clean a
value from any export (DOI as URL or ``doi:`` string, years inside dates, language names in
Swedish or English) and parse author lists written in the conventions of RIS, BibTeX,
EndNote, Scopus, Web of Science, PubMed, DiVA and SwePub.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..text.core import guess_language

__all__ = [
    "RECORD_COLUMNS",
    "PROBLEM_COLUMNS",
    "YEAR",
    "DOI",
    "LANGUAGES",
    "clean",
    "normalise_doi",
    "parse_year",
    "normalise_language",
    "split_list",
    "join_unique",
    "normalise_title",
    "parse_authors",
    "surname_key",
    "make_record",
]

RECORD_COLUMNS = [
    "record_id", "title", "abstract", "authors", "year", "source", "doi", "keywords",
    "language", "type", "volume", "issue", "pages", "isbn", "database", "file",
]
PROBLEM_COLUMNS = ["file", "line", "problem"]

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


def clean(value: object) -> str:
    """Text of a cell with runs of white space collapsed (``""`` for None/NaN)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(clean(v) for v in value).strip()
    return " ".join(str(value).split())


def normalise_doi(value: object) -> str:
    """Lower-case bare DOI (``10.x/y``) from a DOI, ``doi:`` string or doi.org URL."""
    match = DOI.search(clean(value))
    if not match:
        return ""
    return match.group(0).rstrip(".,;)]").lower()


def parse_year(value: object) -> int | None:
    """First plausible four-digit year in ``value``."""
    match = YEAR.search(clean(value))
    return int(match.group(1)) if match else None


def normalise_language(value: object, text: str = "") -> str:
    """ISO 639-1 code for a language name/code; guessed from ``text`` when empty."""
    key = clean(value).lower().split(";")[0].strip()
    if key in LANGUAGES:
        return LANGUAGES[key]
    if key:
        return key[:3]
    guessed = guess_language(text)
    return guessed if guessed != "und" else ""


def split_list(value: object, separators: str = ";") -> list[str]:
    """Items of a list cell (or a list), stripped, empty items dropped."""
    if isinstance(value, (list, tuple)):
        items = [clean(v) for v in value]
    else:
        items = re.split(f"[{re.escape(separators)}]", clean(value))
    return [i.strip() for i in items if i and i.strip()]


def join_unique(items: Iterable[str]) -> str:
    """``"; "``-joined items in first-seen order without repeats or empties."""
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return "; ".join(seen)


def normalise_title(title: object) -> str:
    """Title key: lower case, diacritics folded, HTML tags and punctuation removed."""
    text = re.sub(r"<[^>]+>", " ", clean(title))
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ").replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


# "Surname I." / "Surname IJ" / "Surname I.J." (Scopus, PubMed, EndNote); also hyphenated
_INITIALS = r"(?:[A-Z](?:[a-z]?\.)?[\s.-]*){1,4}"
_SURNAME_INITIALS = re.compile(rf"^[^\W\d_][^\s,]*(?:[\s-][^\W\d_][^\s,]+)*\s+{_INITIALS}$")
# EndNote/Scopus copy-paste without separators: "Adeli K.Lewis G. F." — a full stop directly
# followed by a capital that starts a word of at least two letters
_RUN_TOGETHER = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z\u00C0-\u024F])")


def _split_names(text: str) -> list[str]:
    if ";" in text:
        return [p for p in (s.strip() for s in text.split(";")) if p]
    if re.search(r"\s+and\s+", text):
        return [p for p in (s.strip() for s in re.split(r"\s+and\s+", text)) if p]
    if "|" in text:
        return [p for p in (s.strip() for s in text.split("|")) if p]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    # PubMed/old Scopus: "Smith J, Jones KL, Brown A." — every comma part is "Surname I"
    if len(parts) > 1 and all(_SURNAME_INITIALS.match(p) for p in parts):
        return parts
    if len(parts) > 2 and len(parts) % 2 == 0:
        # "Lindqvist, M., Öberg, E." (surname, given, surname, given …): pair them up
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    return [text.strip()]


def parse_authors(value: object) -> list[str]:
    """Author names from one cell or a list of cells, in any common export convention.

    Handles ``;`` (Scopus, WoS, DiVA, SwePub), BibTeX's ``and``, PubMed's ``Smith J, Jones K``,
    EndNote's run-together ``Adeli K.Lewis G. F.``, DiVA's ``Name (Organisation)`` and
    ``[Author]`` markers. Names are returned as written (trimmed), one per author.
    """
    cells = value if isinstance(value, (list, tuple)) else [value]
    names: list[str] = []
    for cell in cells:
        text = clean(cell)
        if not text:
            continue
        text = re.sub(r"\s*\([^)]*\)", "", text)          # DiVA: "(Malmö universitet)"
        text = re.sub(r"\s*\[[^\]]*\]", "", text)         # "[Author]", "[Editor]"
        text = _RUN_TOGETHER.sub("; ", text) if ";" not in text and " and " not in text \
            else text
        for name in _split_names(text):
            name = name.strip(" ,")
            if name and name.lower() not in ("et al", "et al.", "others", "anonymous"):
                names.append(name)
    return names


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", "", text)


def surname_key(name: str) -> str:
    """Folded surname of one author name ("Öberg, E." → "oberg"; "Smith JA" → "smith";
    "Maja Lindqvist" → "lindqvist")."""
    name = clean(name)
    if not name:
        return ""
    if "," in name:
        return _fold(name.split(",")[0])
    if _SURNAME_INITIALS.match(name):
        tokens = name.split()
        while len(tokens) > 1 and re.fullmatch(_INITIALS, tokens[-1]):
            tokens.pop()
        return _fold("".join(tokens))
    return _fold(name.split()[-1])


def make_record(file: Path, database: str, native_id: str, position: int,
                **fields: Any) -> dict:
    """One record (:data:`RECORD_COLUMNS`) from raw fields; the id is ``database:native``
    or a stable hash of file, position and title."""
    title = clean(fields.get("title"))
    abstract = clean(fields.get("abstract"))
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
        "authors": join_unique(clean(a) for a in parse_authors(authors)),
        "year": parse_year(fields.get("year")),
        "source": clean(fields.get("source")),
        "doi": normalise_doi(fields.get("doi")),
        "keywords": join_unique(clean(k) for k in keywords),
        "language": normalise_language(fields.get("language"), f"{title} {abstract}"),
        "type": clean(fields.get("type")),
        "volume": clean(fields.get("volume")),
        "issue": clean(fields.get("issue")),
        "pages": clean(fields.get("pages")),
        "isbn": clean(fields.get("isbn")),
        "database": database,
        "file": file.name,
    }
