"""Readers for horizon scanning: RSS/Atom feeds, web pages and folders of documents.

Every reader takes a :class:`Source` and returns a :class:`ReadResult`: a DataFrame of
items (one row per entry, page or document) and one or more :class:`SourceStatus` records
saying whether the source could be read and, if not, why (in Swedish, plus the technical
cause). A source that cannot be read never stops the run: it becomes a status ``error``.

Content from sources is untrusted. Titles, summaries, authors and tags are reduced to plain
text (:func:`research.htmlsafe.strip_html`) and links keep only http/https targets
(:func:`research.htmlsafe.safe_url`); the briefing escapes everything again when it shows
it.

HTTP sources are fetched with :mod:`urllib.request`, a clear User-Agent, a timeout, a size
limit and conditional requests (``If-None-Match`` / ``If-Modified-Since``); a ``304 Not
Modified`` answer means "no new items", status ``ok``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import io
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import yaml

from ..errors import ConfigError, InputDataError
from ..io.files import decode_text as decode_bytes  # noqa: F401  (public name of this module)
from ..io.files import safe_load_limited
from ..report.htmlsafe import safe_url, strip_html
from ..paths import resolve
from ..text.core import guess_language
from .sourcelist import KINDS, Source, load_sources

__all__ = [
    "USER_AGENT",
    "DEFAULT_TIMEOUT",
    "MAX_BYTES",
    "ReaderLimits",
    "LIMITS",
    "check_xml",
    "KINDS",
    "DOCUMENT_SUFFIXES",
    "ITEM_COLUMNS",
    "STATUS_COLUMNS",
    "TRACKING_PARAMS",
    "Source",
    "SourceStatus",
    "ReadResult",
    "FetchResult",
    "SourceReadError",
    "load_sources",
    "canonical_url",
    "item_id",
    "empty_items",
    "is_url",
    "fetch",
    "read_feed",
    "read_page",
    "read_folder",
    "FRONT_MATTER",
    "read_document",
    "DOCUMENT_READERS",
    "READERS",
    "read_source",
    "read_sources",
    "status_table",
]

USER_AGENT = "KunskapshusResearch/0.1 (+omvärldsbevakning)"
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ReaderLimits:
    """Limits every source reader obeys; a source over a limit becomes a status ``error``
    that names the limit (the other sources are still read).

    ``max_bytes`` caps an HTTP answer after decompression and a local feed, page or
    document file; ``max_seconds`` is the whole time one HTTP answer may take (a server that
    trickles bytes is cut off even though each read is within ``timeout``);
    ``max_redirects`` redirects are followed, to http(s) only. XML (feeds, OPML) with a
    ``<!DOCTYPE`` that declares entities is refused (no external entities, no entity
    expansion), and nesting deeper than ``max_xml_depth`` is refused. PDFs over
    ``max_pdf_pages`` pages, DOCX files whose parts unpack to more than
    ``max_docx_unpacked`` bytes or hold more than ``max_docx_parts`` parts (zip bombs) are
    refused; extracted text is cut at ``max_text_chars`` characters.
    """

    max_bytes: int = MAX_BYTES
    max_seconds: float = 120.0
    max_redirects: int = 5
    max_xml_depth: int = 100
    max_pdf_pages: int = 500
    max_docx_unpacked: int = 200 * 1024 * 1024
    max_docx_parts: int = 2_000
    max_text_chars: int = 2_000_000


LIMITS = ReaderLimits()
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
ITEM_COLUMNS = [
    "item_id", "source", "kind", "category", "title", "summary", "text", "url", "author",
    "tags", "published", "language",
]
STATUS_COLUMNS = ["source", "kind", "category", "status", "items", "error", "cause"]
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|ref_src)$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------
# records


@dataclass
class SourceStatus:
    """How reading one source (or one file of a folder) went.

    ``status`` is ``ok``, ``empty`` or ``error``; ``error`` is a Swedish explanation for the
    coordinator and ``cause`` the technical cause. ``etag``/``last_modified`` are the HTTP
    validators to remember for the next conditional request.
    """

    source: str
    kind: str
    category: str = ""
    status: str = "ok"
    items: int = 0
    error: str = ""
    cause: str = ""
    etag: str | None = None
    last_modified: str | None = None

    def as_row(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in STATUS_COLUMNS}


@dataclass
class ReadResult:
    """Items read from one source and the status records describing the reading."""

    items: pd.DataFrame
    statuses: list[SourceStatus] = field(default_factory=list)


@dataclass
class FetchResult:
    """The answer to one HTTP request."""

    content: bytes
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    url: str = ""


class SourceReadError(Exception):
    """Internal: a source could not be read; carries the Swedish message and the cause."""

    def __init__(self, message: str, cause: object = "") -> None:
        super().__init__(message)
        self.message = message
        self.cause = str(cause)


# ---------------------------------------------------------------------------------------
# configuration


# ---------------------------------------------------------------------------------------
# text helpers


def canonical_url(url: object) -> str | None:
    """Return the canonical form of an http(s) URL, or ``None`` for anything else.

    Lower-case scheme and host, default ports dropped, fragment dropped, tracking
    parameters (``utm_*``, ``fbclid``, ``gclid`` …) dropped, remaining query sorted,
    trailing slash of the path dropped.
    """
    safe = safe_url(url)
    if safe is None:
        return None
    parts = urlsplit(safe)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and (scheme, parts.port) not in (("http", 80),
                                                                     ("https", 443)) else None
    netloc = f"{host}:{port}" if port else host
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not TRACKING_PARAMS.match(k))
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def item_id(url: object = None, text: object = "") -> str:
    """Stable item id: a hash of the canonical URL, else of the normalised content."""
    canonical = canonical_url(url)
    basis = f"url:{canonical}" if canonical else "text:" + " ".join(str(text or "").split()).lower()
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def _plain(value: object, limit: int | None = None) -> str:
    text = " ".join(strip_html(value).split()) if value else ""
    return text[:limit] if limit else text


def _timestamp(value: object) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, time.struct_time):
            stamp = pd.Timestamp(dt.datetime(*value[:6]), tz="UTC")
        else:
            stamp = pd.Timestamp(value)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp


def _items_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    frame["published"] = pd.to_datetime(frame["published"], utc=True)
    return frame


def empty_items() -> pd.DataFrame:
    """An empty item frame with the reader columns."""
    return _items_frame([])


def _item(source: Source, *, title: str, summary: str = "", text: str = "",
          url: object = None, author: str = "", tags: str = "", published: object = None,
          identity: str | None = None) -> dict[str, Any]:
    link = safe_url(url)
    body = (text or summary)[:LIMITS.max_text_chars]
    return {
        "item_id": item_id(link, identity if identity is not None else f"{title}\n{body}"),
        "source": source.name, "kind": source.kind, "category": source.category,
        "title": title or "(utan rubrik)", "summary": summary, "text": body, "url": link,
        "author": author, "tags": tags, "published": _timestamp(published),
        "language": guess_language(f"{title} {body[:2000]}"),
    }


# ---------------------------------------------------------------------------------------
# HTTP


def is_url(location: str) -> bool:
    """True when ``location`` is an http(s) URL (otherwise it is a local path)."""
    return urlsplit(location).scheme.lower() in ("http", "https")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow at most ``LIMITS.max_redirects`` redirects, and only to http(s)."""

    max_redirections = LIMITS.max_redirects

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        if safe_url(newurl) is None:
            raise SourceReadError("Källan skickade vidare till en adress som inte är http(s).",
                                  f"redirect {code} to {newurl!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_Redirects)
_NOT_TEXT = ("image/", "audio/", "video/", "application/pdf", "application/zip",
             "application/octet-stream", "font/")


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_BYTES,
          max_seconds: float | None = None) -> FetchResult:
    """GET ``url`` as feed readers do: our User-Agent, conditional-request headers
    (``If-None-Match``/``If-Modified-Since``; a ``304`` gives ``not_modified``), gzip or
    deflate compression, redirects (to http(s) only, at most ``LIMITS.max_redirects``),
    ``timeout`` seconds per network read and ``max_seconds`` for the whole answer, and at
    most ``max_bytes`` bytes after decompression.

    Raises
    ------
    SourceReadError
        Unreachable host, TLS failure, timeout, an HTTP error status, a too large or too
        slow answer, or broken compression (Swedish message, technical cause).
    """
    if safe_url(url) is None:
        raise SourceReadError("Adressen är inte en giltig http(s)-adress.", url)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
               "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                         "text/html;q=0.8, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + (LIMITS.max_seconds if max_seconds is None else max_seconds)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceReadError("Svaret är för stort för att läsas.",
                                      f"Content-Length {length} > limit {max_bytes}")
            raw = _read_body(response, max_bytes, deadline)
            content = _decompress(raw, response.headers.get("Content-Encoding", ""),
                                  max_bytes)
            return FetchResult(content, False, response.headers.get("ETag"),
                               response.headers.get("Last-Modified"),
                               response.headers.get("Content-Type", ""), response.geturl())
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(b"", True, exc.headers.get("ETag") or etag,
                               exc.headers.get("Last-Modified") or last_modified, "", url)
        if 300 <= exc.code < 400 and "not allowed" in str(exc.reason):  # urllib: file://
            raise SourceReadError("Källan skickade vidare till en adress som inte är http(s).",
                                  f"HTTP {exc.code}: {exc.reason}") from exc
        if 300 <= exc.code < 400:
            raise SourceReadError("Källan skickar vidare för många gånger (omdirigeringar).",
                                  f"HTTP {exc.code}: {exc.reason}") from exc
        raise SourceReadError(f"Servern svarade med felkod {exc.code}.",
                              f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise _network_error(exc.reason) from exc
    except (socket.timeout, TimeoutError) as exc:
        raise SourceReadError("Källan svarade inte i tid.", f"timeout: {exc}") from exc
    except ssl.SSLError as exc:
        raise _network_error(exc) from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise SourceReadError("Källan gick inte att nå.", f"{type(exc).__name__}: {exc}") from exc


def _network_error(reason: object) -> SourceReadError:
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return SourceReadError("Källan svarade inte i tid.", f"timeout: {reason}")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return SourceReadError("Säker anslutning (TLS) misslyckades: källans certifikat "
                               "kunde inte verifieras.", f"TLS: {reason}")
    if isinstance(reason, ssl.SSLError):
        return SourceReadError("Säker anslutning (TLS) misslyckades.", f"TLS: {reason}")
    return SourceReadError("Källan gick inte att nå.", f"URLError: {reason}")


def _read_body(response: Any, max_bytes: int, deadline: float) -> bytes:
    """Read an answer in chunks, stopping at ``max_bytes`` or at the deadline."""
    chunks, total = [], 0
    while True:
        if time.monotonic() > deadline:
            raise SourceReadError("Källan svarade för långsamt (tidsgränsen för hela svaret "
                                  "överskreds).", "max_seconds exceeded")
        chunk = response.read1(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise SourceReadError("Svaret är för stort för att läsas.",
                                  f"more than {max_bytes} bytes")
        chunks.append(chunk)


def _decompress(raw: bytes, encoding: str, max_bytes: int) -> bytes:
    """Undo gzip or deflate content encoding, refusing output over ``max_bytes``."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise SourceReadError("Svaret är komprimerat på ett sätt som inte stöds.",
                              f"Content-Encoding {encoding}")
    modes = [16 + zlib.MAX_WBITS] if "gzip" in encoding else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    for mode in modes:  # deflate: zlib-wrapped as the standard says, or raw as some send
        try:
            decoder = zlib.decompressobj(mode)
            content = decoder.decompress(raw, max_bytes + 1)
        except zlib.error as exc:
            error = exc
            continue
        if len(content) > max_bytes or decoder.unconsumed_tail:
            raise SourceReadError("Svaret är för stort för att läsas (uppackat).",
                                  f"more than {max_bytes} bytes after {encoding}")
        return content
    raise SourceReadError("Svaret är trasigt komprimerat.", f"{encoding}: {error}")


def check_xml(content: bytes, *, limits: ReaderLimits | None = None) -> None:
    """Refuse XML that declares entities (XXE, "billion laughs") or nests too deeply.

    Raises
    ------
    SourceReadError
        Naming the limit (``entities``, ``max_xml_depth``).
    """
    import xml.parsers.expat

    limits = limits or LIMITS
    refused = SourceReadError("Dokumentet deklarerar XML-entiteter och läses inte av "
                              "säkerhetsskäl.", "limit entities: <!ENTITY> in the DTD")
    if b"<!ENTITY" in content[:1_000_000].upper():
        raise refused
    depth = [0]

    def start(*_: Any) -> None:
        depth[0] += 1
        if depth[0] > limits.max_xml_depth:
            raise SourceReadError("Dokumentet är för djupt nästlat för att läsas.",
                                  f"limit max_xml_depth: more than {limits.max_xml_depth}")

    def end(*_: Any) -> None:
        depth[0] -= 1

    def entity(*_: Any) -> None:
        raise refused

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(content, True)
    except xml.parsers.expat.ExpatError:
        return  # broken XML: feedparser reports it (and keeps what it can)


def _load(source: Source, http_state: Mapping[str, Any] | None, timeout: float,
          status: SourceStatus, headers: dict[str, str] | None = None) -> bytes | None:
    """Bytes of a feed or page, from HTTP or a local file; ``None`` when not modified.

    For HTTP, the answer's Content-Type is put into ``headers`` (feedparser reads the
    charset from it).
    """
    if is_url(source.location):
        state = dict(http_state or {})
        answer = fetch(source.location, etag=state.get("etag"),
                       last_modified=state.get("last_modified"), timeout=timeout)
        status.etag, status.last_modified = answer.etag, answer.last_modified
        if headers is not None and answer.content_type:
            headers["content-type"] = answer.content_type
        return None if answer.not_modified else answer.content
    return _read_file(resolve(source.location))


def _read_file(path: Path, limits: ReaderLimits | None = None) -> bytes:
    """A local file's bytes, refusing a missing file or one over ``limits.max_bytes``."""
    limits = limits or LIMITS
    if not path.is_file():
        raise SourceReadError("Filen finns inte.", f"file not found: {path}")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise SourceReadError("Filen är för stor för att läsas.",
                                  f"limit max_bytes: {size} > {limits.max_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise SourceReadError("Filen gick inte att läsa.", exc) from exc


# ---------------------------------------------------------------------------------------
# readers


def read_feed(source: Source, *, http_state: Mapping[str, Any] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> ReadResult:
    """Read an RSS 0.9x/1.0/2.0 or Atom feed (URL or local file) with feedparser."""
    import feedparser

    status = SourceStatus(source.name, source.kind, source.category)
    headers: dict[str, str] = {}
    try:
        content = _load(source, http_state, timeout, status, headers)
        if content is None:
            status.status = "ok"
            status.error = "Oförändrad sedan förra körningen (HTTP 304)."
            return ReadResult(empty_items(), [status])
        if not content.strip():
            raise SourceReadError("Flödet är tomt (inga data).", "empty document")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type.startswith(_NOT_TEXT):
            raise SourceReadError(f"Svaret har fel innehållstyp ({content_type}); ett flöde "
                                  "är XML.", f"Content-Type {content_type}")
        check_xml(content)
        parsed = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False,
                                  response_headers=headers or None)
        exception = parsed.get("bozo_exception")
        encoding_trouble = isinstance(exception, (feedparser.CharacterEncodingOverride,
                                                  feedparser.CharacterEncodingUnknown,
                                                  UnicodeError))
        if encoding_trouble and not parsed.entries:
            text, _ = decode_bytes(content, name=source.name)
            text = re.sub(r"^<\?xml[^>]*\?>", '<?xml version="1.0"?>', text.lstrip())
            parsed = feedparser.parse(text, sanitize_html=True, resolve_relative_uris=False)
            exception = parsed.get("bozo_exception")
            encoding_trouble = isinstance(exception, (feedparser.CharacterEncodingOverride,
                                                      feedparser.CharacterEncodingUnknown,
                                                      UnicodeError))
    except SourceReadError as exc:
        status.status, status.error, status.cause = "error", exc.message, exc.cause
        return ReadResult(empty_items(), [status])
    except InputDataError as exc:
        status.status, status.error, status.cause = "error", "Okänd teckenkodning.", exc.message
        return ReadResult(empty_items(), [status])
    entries = parsed.entries
    html = headers.get("content-type", "").lower().startswith("text/html") or \
        content.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))
    if not entries:
        if html:
            status.status = "error"
            status.error = ("Adressen gav en webbsida (HTML), inte ett RSS- eller Atom-flöde; "
                            "ange flödets adress eller typen page.")
            status.cause = f"content type {headers.get('content-type', 'text/html')}"
        elif exception is not None and not encoding_trouble:
            status.status = "error"
            status.error = "Flödet gick inte att tolka (trasig eller ogiltig XML)."
            status.cause = f"{type(exception).__name__}: {exception}"
        elif not parsed.get("version"):
            status.status = "error"
            status.error = "Dokumentet är inte ett RSS- eller Atom-flöde."
            status.cause = "feedparser found no feed version"
        else:
            status.status, status.error = "empty", "Flödet innehåller inga poster."
        return ReadResult(empty_items(), [status])
    rows = [_feed_entry(source, entry) for entry in entries]
    status.items = len(rows)
    if exception is not None and not isinstance(exception, feedparser.CharacterEncodingOverride):
        status.error = "Flödet är delvis felaktigt; de poster som gick att läsa är med."
        status.cause = f"{type(exception).__name__}: {exception}"
    return ReadResult(_items_frame(rows), [status])


def _feed_entry(source: Source, entry: Mapping[str, Any]) -> dict[str, Any]:
    title = _plain(entry.get("title"), 500)
    summary = _plain(entry.get("summary"), 5000)
    content = entry.get("content") or []
    body = " ".join(_plain(part.get("value")) for part in content if isinstance(part, Mapping))
    tags = "; ".join(_plain(tag.get("term"), 100) for tag in entry.get("tags") or []
                     if isinstance(tag, Mapping) and tag.get("term"))
    published = (entry.get("published_parsed") or entry.get("updated_parsed")
                 or entry.get("created_parsed"))
    link = entry.get("link")
    identity = None if safe_url(link) else (entry.get("id") or None)
    return _item(source, title=title, summary=summary, text=body or summary, url=link,
                 author=_plain(entry.get("author"), 200), tags=tags, published=published,
                 identity=f"guid:{identity}" if identity else None)


def read_page(source: Source, *, http_state: Mapping[str, Any] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> ReadResult:
    """Read one web page (URL or local HTML file); main text extracted with trafilatura.

    A page is one item whose id is the hash of its URL *and* its text, so a changed page
    is reported as new.
    """
    status = SourceStatus(source.name, source.kind, source.category)
    try:
        content = _load(source, http_state, timeout, status)
        if content is None:
            status.error = "Oförändrad sedan förra körningen (HTTP 304)."
            return ReadResult(empty_items(), [status])
        html_text, _ = decode_bytes(content, name=source.name)
        page = _html_document(html_text)
    except SourceReadError as exc:
        status.status, status.error, status.cause = "error", exc.message, exc.cause
        return ReadResult(empty_items(), [status])
    except InputDataError as exc:
        status.status, status.error, status.cause = "error", "Okänd teckenkodning.", exc.message
        return ReadResult(empty_items(), [status])
    if not page["text"]:
        status.status, status.error = "empty", "Sidan har ingen läsbar text."
        return ReadResult(empty_items(), [status])
    url = source.location if is_url(source.location) else page["url"]
    row = _item(source, title=page["title"], summary=page["text"][:400], text=page["text"],
                url=url, author=page["author"], published=page["date"],
                identity=f"{canonical_url(url)}\n{page['text']}")
    row["item_id"] = item_id(None, f"page:{canonical_url(url)}\n{page['text']}")
    status.items = 1
    return ReadResult(_items_frame([row]), [status])


def _html_document(html_text: str) -> dict[str, str]:
    import trafilatura

    try:
        document = trafilatura.bare_extraction(html_text, with_metadata=True,
                                               include_comments=False, as_dict=False)
    except Exception as exc:  # trafilatura raises various parser errors
        raise SourceReadError("Sidan gick inte att tolka som HTML.",
                              f"{type(exc).__name__}: {exc}") from exc
    if document is None:
        return {"title": "", "text": "", "url": "", "author": "", "date": ""}
    get = (lambda key: getattr(document, key, None) or "")
    return {"title": _plain(get("title"), 500), "text": " ".join(str(get("text")).split()),
            "url": safe_url(get("url")) or "", "author": _plain(get("author"), 200),
            "date": get("date")}


def read_folder(source: Source, **_: Any) -> ReadResult:
    """Read every PDF, DOCX, HTML, TXT and Markdown file under a folder (recursively).

    A file that cannot be read (corrupt PDF/DOCX, unknown encoding) gets its own status
    row ``error`` named ``<source> / <file>``; the other files are still read.
    """
    status = SourceStatus(source.name, source.kind, source.category)
    folder = resolve(source.location)
    if not folder.is_dir():
        status.status, status.error = "error", "Mappen finns inte."
        status.cause = f"not a directory: {folder}"
        return ReadResult(empty_items(), [status])
    rows: list[dict[str, Any]] = []
    statuses = [status]
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    for path in files:
        relative = path.relative_to(folder).as_posix()
        try:
            document = read_document(path)
        except SourceReadError as exc:
            statuses.append(SourceStatus(f"{source.name} / {relative}", "fil", source.category,
                                         "error", 0, exc.message, exc.cause))
            continue
        if not document["text"]:
            statuses.append(SourceStatus(f"{source.name} / {relative}", "fil", source.category,
                                         "empty", 0, "Dokumentet har ingen text.", ""))
            continue
        rows.append(_item(source, title=document["title"] or path.stem,
                          summary=document["text"][:400], text=document["text"],
                          url=document["url"], author=document["author"],
                          published=document["date"] or _mtime(path),
                          identity=document["text"]))
    status.items = len(rows)
    if not files:
        status.status, status.error = "empty", "Mappen innehåller inga läsbara dokument."
    elif not rows:
        status.status, status.error = "error", "Inget dokument i mappen gick att läsa."
    elif len(statuses) > 1:
        status.error = f"{len(statuses) - 1} av {len(files)} filer kunde inte läsas."
    return ReadResult(_items_frame(rows), statuses)


def _mtime(path: Path) -> pd.Timestamp:
    return pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC")


FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def read_document(path: str | Path) -> dict[str, str]:
    """Read one document into ``{"title", "text", "url", "author", "date"}``.

    TXT and Markdown may start with a YAML front matter (``title``, ``date``, ``url``,
    ``author``); otherwise the first line (without ``#``) is the title.

    Raises
    ------
    SourceReadError
        The file is corrupt, encrypted, of unknown encoding or cannot be opened.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = DOCUMENT_READERS.get(suffix)
    if reader is None:
        raise SourceReadError("Filtypen stöds inte.", f"unsupported suffix {suffix}")
    return reader(_read_file(path), str(path))


def _text_document(data: bytes, name: str) -> dict[str, str]:
    try:
        text, _ = decode_bytes(data, name=name)
    except InputDataError as exc:
        raise SourceReadError("Okänd teckenkodning.", exc.message) from exc
    meta: dict[str, Any] = {}
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = safe_load_limited(match.group(1), name=f"front matter of {name}")
            meta = loaded if isinstance(loaded, dict) else {}
        except (yaml.YAMLError, ConfigError, ValueError):
            meta = {}
        text = text[match.end():]
    lines = [line.strip() for line in text.strip().splitlines()]
    title = _plain(meta.get("title"), 500)
    if not title and lines:
        title = _plain(lines[0].lstrip("#").strip(), 500)
        lines = lines[1:]
    body = _plain(" ".join(line.lstrip("#").strip() for line in lines))
    return {"title": title, "text": body, "url": safe_url(meta.get("url")) or "",
            "author": _plain(meta.get("author"), 200), "date": str(meta.get("date") or "")}


def _html_file(data: bytes, name: str) -> dict[str, str]:
    try:
        text, _ = decode_bytes(data, name=name)
    except InputDataError as exc:
        raise SourceReadError("Okänd teckenkodning.", exc.message) from exc
    return _html_document(text)


def _pdf_document(data: bytes, name: str) -> dict[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SourceReadError("PDF-filen är krypterad.", "encrypted PDF")
        pages = len(reader.pages)
        if pages > LIMITS.max_pdf_pages:
            raise SourceReadError(f"PDF-filen har för många sidor ({pages}).",
                                  f"limit max_pdf_pages: {pages} > {LIMITS.max_pdf_pages}")
        text = " ".join((page.extract_text() or "") for page in reader.pages)
        meta = reader.metadata or {}
        title = _plain(meta.get("/Title"), 500)
        created = getattr(reader.metadata, "creation_date", None) if reader.metadata else None
    except SourceReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, OSError, RecursionError) as exc:
        raise SourceReadError("PDF-filen är skadad eller går inte att läsa.",
                              f"{type(exc).__name__}: {exc}") from exc
    return {"title": title, "text": " ".join(text.split()), "url": "",
            "author": _plain(meta.get("/Author"), 200),
            "date": created.isoformat() if created else ""}


def _docx_document(data: bytes, name: str) -> dict[str, str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_docx_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceReadError("Word-filen är skadad eller går inte att läsa.",
                              f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # lxml and zip errors of many kinds
        raise SourceReadError("Word-filen är skadad eller går inte att läsa.",
                              f"{type(exc).__name__}: {exc}") from exc
    paragraphs = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    props = document.core_properties
    title = _plain(props.title, 500) or (paragraphs[0][:500] if paragraphs else "")
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    created = props.created
    return {"title": title, "text": " ".join(" ".join(paragraphs).split()), "url": "",
            "author": _plain(props.author, 200), "date": created.isoformat() if created else ""}


def _check_docx_package(data: bytes, limits: ReaderLimits | None = None) -> None:
    """Refuse a DOCX (a zip package) with too many parts or parts that unpack too large,
    before python-docx unpacks anything; its XML parts must not declare entities."""
    limits = limits or LIMITS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            if len(parts) > limits.max_docx_parts:
                raise SourceReadError("Word-filen har för många delar för att läsas.",
                                      f"limit max_docx_parts: {len(parts)}")
            unpacked = sum(part.file_size for part in parts)
            if unpacked > limits.max_docx_unpacked:
                raise SourceReadError("Word-filen packas upp till för mycket data för att "
                                      "läsas.", f"limit max_docx_unpacked: {unpacked} bytes")
            for part in parts:
                if part.filename.endswith(".xml"):
                    with package.open(part) as stream:
                        if b"<!ENTITY" in stream.read(65_536).upper():
                            raise SourceReadError("Word-filen deklarerar XML-entiteter och "
                                                  "läses inte av säkerhetsskäl.",
                                                  f"limit entities in {part.filename}")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceReadError("Word-filen är skadad eller går inte att läsa.",
                              f"{type(exc).__name__}: {exc}") from exc


DOCUMENT_READERS: dict[str, Callable[[bytes, str], dict[str, str]]] = {
    ".txt": _text_document, ".md": _text_document, ".html": _html_file, ".htm": _html_file,
    ".pdf": _pdf_document, ".docx": _docx_document,
}
READERS: dict[str, Callable[..., ReadResult]] = {
    "feed": read_feed, "page": read_page, "folder": read_folder,
}


def read_source(source: Source, *, http_state: Mapping[str, Any] | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> ReadResult:
    """Read one source with the reader registered for its kind; never raises for bad data."""
    reader = READERS.get(source.kind)
    if reader is None:
        status = SourceStatus(source.name, source.kind, source.category, "error", 0,
                              "Okänd typ av källa.", f"kind {source.kind!r}")
        return ReadResult(empty_items(), [status])
    try:
        return reader(source, http_state=http_state, timeout=timeout)
    except Exception as exc:  # a reader bug must not stop the other sources
        status = SourceStatus(source.name, source.kind, source.category, "error", 0,
                              "Källan gick inte att läsa (oväntat fel).",
                              f"{type(exc).__name__}: {exc}")
        return ReadResult(empty_items(), [status])


def read_sources(sources: Iterable[Source], *,
                 http_states: Mapping[str, Mapping[str, Any]] | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> tuple[pd.DataFrame, list[SourceStatus]]:
    """Read all sources; returns the items (duplicates by id dropped) and all statuses."""
    frames: list[pd.DataFrame] = []
    statuses: list[SourceStatus] = []
    states = dict(http_states or {})
    for source in sources:
        result = read_source(source, http_state=states.get(source.name), timeout=timeout)
        if len(result.items):
            frames.append(result.items)
        statuses.extend(result.statuses)
    items = pd.concat(frames, ignore_index=True) if frames else empty_items()
    items = items.drop_duplicates("item_id", keep="first").reset_index(drop=True)
    return items, statuses


def status_table(statuses: Iterable[SourceStatus]) -> pd.DataFrame:
    """Status records as a DataFrame with :data:`STATUS_COLUMNS`."""
    return pd.DataFrame([s.as_row() for s in statuses], columns=STATUS_COLUMNS)
