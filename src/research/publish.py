"""The catalogue site: the latest good briefing of every notebook × parameter set.

``reports/site`` is a symbolic link to a complete build under ``reports/.site-builds/``.
A new build is written aside and the link is swapped atomically, so a crash mid-publish
leaves the previous site intact and readers never see a half-written one.

The site: ``index.html`` (the newest briefings per type, and links to one page per
Kunskapshus ``kunskapshus-<namn>.html`` and per briefing type ``typ-<namn>.html``, all
newest first), ``arkiv.html``, ``utkast.html``, ``feed.xml`` and one Atom feed per
Kunskapshus (``flode-<namn>.xml``). Each briefing sits in ``briefings/<nb>/<set>/<run>/``
with its tables as CSV and, when Chromium is installed, ``briefing.pdf`` (printed once
per run into the run directory, see :func:`print_pdf`; without Chromium the PDF is
skipped with a note in the report).

Before anything is copied in, each briefing and its tables are scanned for Swedish
personal identity numbers; a hit keeps that run off the site (the previous good briefing
stays) and the message names the run, file and position, never the number. The same
scan covers the published manifest and looks for telephone numbers and e-mail addresses
(free-text quotes). A run whose tables hold hidden cells (``..``) is kept off the site the
same way unless its ``disclosure.json`` records a passing disclosure audit of exactly those
files (:func:`research.privacy.checking.unaudited_tables`).

At 10,000 runs a publish reads one catalogue index (:class:`CatalogueIndex`) instead of
every run's manifest, scan caches and tables: a run is examined again only when one of its
files changed (size or mtime) or changed so recently that its mtime cannot be trusted
(:func:`settled`); pages whose content did not change are linked from the live build
(:class:`_Pages`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from filelock import FileLock
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .errors import PublishError
from .report.formatting import format_date
from .io.files import write_json_atomic
from .manifest import read_manifest
from .paths import reports_dir
from .privacy.checking import unaudited_tables
from .privacy.identity import find_personal_numbers
from .privacy.masking import find_contact_details
from .render import TEMPLATES, is_private_parameter, notebook_kind

__all__ = [
    "DATA_URI",
    "ATOM",
    "KEEP_BUILDS",
    "Entry",
    "PublishReport",
    "scan_file_for_personal_numbers",
    "scan_text_for_identifiers",
    "SCAN_CACHE",
    "privacy_findings",
    "collect_entries",
    "PDF_NAME",
    "pdf_enabled",
    "print_pdf",
    "slug",
    "publish",
    "publish_reporting",
]

PDF_NAME = "briefing.pdf"
PDF_SKIPPED = ".pdf-skipped"  # a run whose briefing could not be printed is not retried
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
ATOM = "http://www.w3.org/2005/Atom"
KEEP_BUILDS = 2


@dataclass
class Entry:
    """One run as the catalogue sees it.

    ``manifest`` is the whole ``manifest.json`` when the run was examined in this publish,
    or the summary the catalogue index keeps of it (``complete`` false); ``files`` are the
    run's files as they were when examined (name → size and mtime)."""

    stem: str
    label: str
    run_id: str
    run_dir: Path
    manifest: dict[str, Any]
    files: dict[str, tuple[int, int]] | None = None
    complete: bool = True

    @property
    def started(self) -> str:
        return str(self.manifest.get("started") or "")

    @property
    def status(self) -> str:
        return str(self.manifest.get("status") or "")

    @property
    def info(self) -> dict[str, str]:
        return dict(self.manifest.get("briefing") or {})

    @property
    def kind(self) -> str:
        declared = self.manifest.get("notebook_info") or {}
        return str(declared.get("kind") or "") or notebook_kind(None, self.stem)["kind"]

    @property
    def draft(self) -> bool:
        """A run of no declared parameter set (``parameters/<notebook>/*.yaml``): listed on
        the drafts page only, never on the index, in the archive or the feed."""
        return "parameter_set" in self.manifest and not self.manifest["parameter_set"]

    @property
    def title(self) -> str:
        params = self.manifest.get("parameters") or {}
        return self.info.get("title") or str(params.get("title") or "") or self.kind

    @property
    def label_text(self) -> str:
        """The parameter set's label for readers (``label:`` in its file), or ''."""
        return str(self.manifest.get("parameter_set_label") or "")

    @property
    def rel_dir(self) -> str:
        return f"briefings/{_quoted(self.stem)}/{_quoted(self.label)}/{_quote(self.run_id)}"

    @property
    def has_pdf(self) -> bool:
        if self.files is not None:
            return PDF_NAME in self.files
        return (self.run_dir / PDF_NAME).is_file()

    def full_manifest(self) -> dict[str, Any]:
        """The whole ``manifest.json`` (read now when only the index's summary is held)."""
        if self.complete:
            return self.manifest
        return read_manifest(self.run_dir) or dict(self.manifest)

    def view(self) -> dict[str, Any]:
        """What the site's pages show of this run (a fresh copy; computed once per publish,
        after the PDFs were printed — every page lists runs, 10,000 of them at scale)."""
        cached = self.__dict__.get("_view")
        if cached is None:
            cached = self.__dict__["_view"] = self._make_view()
        return dict(cached)

    def _make_view(self) -> dict[str, Any]:
        rel_dir = self.rel_dir
        return {
            "title": self.title, "kind": self.kind, "label": self.label,
            "kunskapshus": self.info.get("kunskapshus", "") or
            str((self.manifest.get("parameters") or {}).get("kunskapshus") or ""),
            "period": self.info.get("period", ""),
            "date_text": format_date(self.started[:10]) if self.started else "–",
            "date_iso": self.started[:10],
            "href": f"{rel_dir}/index.html",
            "pdf_href": f"{rel_dir}/{PDF_NAME}" if self.has_pdf else None,
            "label_text": self.label_text,
        }


@functools.lru_cache(maxsize=4096)
def _quoted(part: str) -> str:
    """A notebook's or parameter set's folder name in a link (the same few thousand names
    recur across 10,000 runs)."""
    return _quote(part)


_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]*")


def _quote(part: str) -> str:
    """``urllib.parse.quote``, at once for the plain names run ids are."""
    return part if _URL_SAFE.fullmatch(part) else quote(part)


@dataclass
class PublishReport:
    """What a publish did."""

    site: Path
    published_runs: set[str] = field(default_factory=set)
    withheld_runs: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)


def scan_file_for_personal_numbers(path: Path) -> list[str]:
    """Positions (``line L, column C``) of personal identity numbers — and of telephone
    numbers and e-mail addresses, e.g. in free-text quotes — in a text file.

    Embedded images (``data:`` URIs) are blanked first so base64 cannot cause false hits;
    positions still refer to the original file.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return scan_text_for_identifiers(text)


def scan_text_for_identifiers(text: str) -> list[str]:
    """Positions (``line L, column C (kind)``) of personal identity numbers, telephone
    numbers and e-mail addresses in ``text`` (never the text found)."""
    text = DATA_URI.sub(lambda m: " " * len(m.group(0)), text)
    found = [(h.line, h.column, h.kind) for h in find_personal_numbers(text)]
    taken = [(h.start, h.end) for h in find_personal_numbers(text)]
    for span in find_contact_details(text):
        if all(span.end <= a or span.start >= b for a, b in taken):
            line = text.count("\n", 0, span.start) + 1
            column = span.start - (text.rfind("\n", 0, span.start) + 1) + 1
            found.append((line, column, span.kind))
    return [f"line {line}, column {column} ({kind})" for line, column, kind in sorted(found)]


SCAN_CACHE = ".privacy-scan.json"
RACY_NS = 2_000_000_000


def settled(mtime_ns: int) -> bool:
    """Whether a file's size and mtime may stand for its content in a cache: file times
    are coarse (a few ms), so a file changed within the last two seconds could change
    again without a new mtime; such a file is examined again next time ("racy git")."""
    return mtime_ns < time.time_ns() - RACY_NS



def privacy_findings(run_dir: Path) -> list[str]:
    """Messages for every personal identity number in a run's briefing and tables.

    Results are kept in the run directory (``.privacy-scan.json``), keyed by each file's
    size and modification time, so a publish rescans only what changed since: publishing
    stays fast when the catalogue holds hundreds of runs.
    """
    files = [run_dir / "briefing.html", *sorted((run_dir / "tables").glob("*.csv"))]
    cache_path = run_dir / SCAN_CACHE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    fresh: dict[str, Any] = {}
    messages = []
    for file in files:
        key = str(file.relative_to(run_dir))
        try:
            stat = file.stat()
        except OSError:
            continue
        stamp = [stat.st_size, stat.st_mtime_ns] if settled(stat.st_mtime_ns) else None
        known = cache.get(key) if isinstance(cache, dict) else None
        if stamp is not None and isinstance(known, dict) and known.get("stamp") == stamp:
            positions = list(known.get("positions", []))
        else:
            positions = scan_file_for_personal_numbers(file)
        fresh[key] = {"stamp": stamp, "positions": positions}
        messages.extend(f"run {run_dir.parent.name}/{run_dir.name}: {file.name} at {position}"
                        for position in positions)
    if fresh != cache:
        try:  # a cache that cannot be written only costs a rescan next time
            write_json_atomic(cache_path, fresh)
        except OSError:
            pass
    return messages


MANIFEST_SCAN_CACHE = ".manifest-scan.json"


def _manifest_findings(entry: Entry) -> list[str]:
    """:func:`scan_text_for_identifiers` of the published manifest, kept in the run directory
    (keyed by the manifest's size and modification time) like :func:`privacy_findings`."""
    cache_path = entry.run_dir / MANIFEST_SCAN_CACHE
    try:
        stat = (entry.run_dir / "manifest.json").stat()
        stamp = [stat.st_size, stat.st_mtime_ns] if settled(stat.st_mtime_ns) else None
    except OSError:
        stamp = None
    try:
        cached = json.loads(cache_path.read_text(encoding="utf-8"))
        if stamp is not None and cached.get("stamp") == stamp:
            return list(cached.get("positions", []))
    except (OSError, ValueError, AttributeError):
        pass
    positions = scan_text_for_identifiers(_public_manifest(entry.full_manifest()))
    if stamp is not None:
        try:  # a cache that cannot be written only costs a rescan next time
            write_json_atomic(cache_path, {"stamp": stamp, "positions": positions})
        except OSError:
            pass
    return positions


def collect_entries(reports: Path, index: CatalogueIndex | None = None) -> list[Entry]:
    """Every finished run under ``reports/runs`` (newest first).

    With ``index``, a run whose files are unchanged since it was last examined is taken from
    the index (its manifest is not read); the others are read and put in the index."""
    entries = []
    for stem, run_dir, files in _scan_runs(reports / "runs"):
        if "manifest.json" not in files:
            continue
        key = f"{stem}/{run_dir.name}"
        record = index.get(key, files) if index is not None else None
        if record is not None:
            if record.get("skip"):
                continue
            entries.append(Entry(stem, str(record["label"]), run_dir.name, run_dir,
                                 record["summary"], files, complete=False))
            continue
        manifest = read_manifest(run_dir)
        if not manifest or manifest.get("status") not in ("succeeded", "failed"):
            if index is not None:
                index.put(key, files, {"skip": True})
            continue
        label = manifest.get("parameter_set") or manifest.get("label") or "standard"
        entry = Entry(stem, str(label), run_dir.name, run_dir, manifest, files)
        if index is not None:
            index.put(key, files, {"label": entry.label, "summary": _summary(manifest)})
        entries.append(entry)
    entries.sort(key=lambda e: (e.started, e.run_id), reverse=True)
    return entries


# ---------------------------------------------------------------------------------------
# the catalogue index: what a publish knows of every run without reading it again

INDEX_FILE = ".catalogue-index.json"
INDEX_FORMAT = 2
SUMMARY_KEYS = ("started", "status", "briefing", "parameter_set", "label",
                "parameter_set_label")
VERDICT_FILES = ("manifest.json", "briefing.html", "disclosure.json")  # and tables/*.csv


def _scan_runs(runs: Path) -> Iterable[tuple[str, Path, dict[str, tuple[int, int]]]]:
    """``(notebook, run folder, files)`` for every ``runs/<notebook>/<run>/``; files are the
    run's manifest, briefing, PDF, disclosure audit and tables with size and mtime (one
    directory listing per run, no file opened)."""
    try:
        stems = sorted((e for e in os.scandir(runs) if e.is_dir()), key=lambda e: e.name)
    except OSError:
        return
    for stem in stems:
        try:
            runs_of_stem = sorted((e for e in os.scandir(stem.path) if e.is_dir()),
                                  key=lambda e: e.name)
        except OSError:
            continue
        for run in runs_of_stem:
            yield stem.name, Path(run.path), _run_files(run.path)


_RUN_FILES = frozenset((*VERDICT_FILES, PDF_NAME))


def _run_files(run_dir: str | Path) -> dict[str, tuple[int, int]]:
    files: dict[str, tuple[int, int]] = {}
    try:
        listing = list(os.scandir(run_dir))
    except OSError:
        return files
    for item in listing:
        try:
            if item.name in _RUN_FILES and item.is_file():
                stat = item.stat()
                files[item.name] = (stat.st_size, stat.st_mtime_ns)
            elif item.name == "tables" and item.is_dir():
                for table in os.scandir(item.path):
                    if table.name.endswith(".csv") and table.is_file():
                        stat = table.stat()
                        files[f"tables/{table.name}"] = (stat.st_size, stat.st_mtime_ns)
        except OSError:  # removed while listed: the next publish sees the change
            continue
    return files


def _verdict_stamp(files: dict[str, tuple[int, int]]) -> list[Any]:
    """What the privacy and disclosure verdict of a run depends on (not its PDF, which is
    printed from the scanned briefing)."""
    return sorted([name, *value] for name, value in files.items() if name != PDF_NAME)


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """The part of a manifest the catalogue pages need (kept in the index)."""
    summary = {key: manifest[key] for key in SUMMARY_KEYS if key in manifest}
    declared = manifest.get("notebook_info")
    if isinstance(declared, dict) and declared.get("kind"):
        summary["notebook_info"] = {"kind": declared["kind"]}
    params = manifest.get("parameters") or {}
    summary["parameters"] = {k: params[k] for k in ("title", "kunskapshus") if k in params}
    return summary


def _code_stamp() -> list[str]:
    """The code that decides what the index records (this module, the renderer's private
    parameters, the identifier scan, the disclosure check): a change to any of it
    rebuilds the index."""
    from .privacy import checking, identity, masking
    from . import render

    stamp = []
    for module in (__file__, render.__file__, checking.__file__, identity.__file__,
                   masking.__file__):
        try:
            stat = os.stat(module)
            stamp.append(f"{Path(module).name}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            stamp.append(f"{Path(module).name}:-")
    return stamp


class CatalogueIndex:
    """``reports/.catalogue-index.json``: per run, the stamps (size, mtime) of the files its
    catalogue entry was made from, the manifest's summary, the publishing guards' verdict
    and the stamp of its folder in the store; beside it ``.catalogue-pages.json``, what the
    live build's pages were made of (:class:`_Pages`).

    A record is used only while every stamp still matches the run's files; the whole index
    is dropped when it is missing, unreadable, of another format or made by other code
    (:func:`_code_stamp`) — then every run is examined again, with the per-run scan caches
    (``.privacy-scan.json``) keeping that cheap. The index is only ever written whole, to a
    temporary file renamed over it, under the publish lock (no fsync: a file lost in a
    crash is rebuilt); losing it costs time, never a wrong verdict.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pages_path = path.with_name(PAGES_FILE)
        self.code = _code_stamp()
        self.records: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, Any] = {}
        self.seen: set[str] = set()
        self.changed = False
        data = _read_json(path)
        if (isinstance(data, dict) and data.get("format") == INDEX_FORMAT
                and data.get("code") == self.code and isinstance(data.get("runs"), dict)):
            self.records = data["runs"]
            pages = _read_json(self.pages_path)
            self.pages = pages if isinstance(pages, dict) else {}
        else:
            self.changed = True

    def get(self, key: str, files: dict[str, tuple[int, int]]) -> dict[str, Any] | None:
        """The record of run ``key`` if it was made from exactly these files."""
        self.seen.add(key)
        record = self.records.get(key)
        if isinstance(record, dict) and record.get("stamp") is not None and \
                record["stamp"] == _verdict_stamp(files):
            return record
        return None

    def put(self, key: str, files: dict[str, tuple[int, int]], record: dict[str, Any]) -> None:
        """Record run ``key`` as made from ``files``; a run with a file changed in the last
        seconds (:func:`settled`) gets no stamp and is examined again next time."""
        self.seen.add(key)
        stamp = _verdict_stamp(files) if all(settled(mtime) for _, mtime in files.values()) \
            else None
        self.records[key] = {"stamp": stamp, **record}
        self.changed = True

    def update(self, key: str, **values: Any) -> None:
        record = self.records.get(key)
        if record is not None and any(record.get(k) != v for k, v in values.items()):
            record.update(values)
            self.changed = True

    def set_pages(self, pages: dict[str, Any]) -> None:
        """What the live build's pages were made of (its name and, per page, the digest and
        time, see :class:`_Pages`)."""
        self.pages = dict(pages)
        _write_json_quick(self.pages_path, self.pages)

    def save(self) -> None:
        """Write the index (records of runs that are gone are dropped)."""
        gone = set(self.records) - self.seen
        for key in gone:
            del self.records[key]
        if self.changed or gone:
            _write_json_quick(self.path, {"format": INDEX_FORMAT, "code": self.code,
                                          "runs": self.records})


PAGES_FILE = ".catalogue-pages.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _write_json_quick(path: Path, data: Any) -> None:
    """Write a cache file whole (temporary file, rename), without fsync; a cache that
    cannot be written only costs a slower publish next time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                        .encode("utf-8"))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _index_key(entry: Entry) -> str:
    return f"{entry.stem}/{entry.run_id}"


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES / "site")),
                       autoescape=select_autoescape(["html", "j2"]))


def _feed_items(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """What a feed lists of each run (plain data: the page writer compares it)."""
    return [{"view": e.view(), "id": f"{e.stem}:{e.run_id}", "started": e.started}
            for e in entries]


def _atom(items: Iterable[dict[str, Any]], updated: dt.datetime, base_url: str | None, *,
          title: str = "Kunskapshus Research – nya briefingar", name: str = "feed.xml",
          page: str = "index.html", key: str = "catalogue") -> bytes:
    """An Atom feed of ``items`` (:func:`_feed_items`), with ``rel="self"``."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "sv"})
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:kunskapshus-research:{key}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat(timespec="seconds")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Kunskapshus Research"
    prefix = (base_url.rstrip("/") + "/") if base_url else ""
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml",
                                            "href": f"{prefix}{name}"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                            "href": f"{prefix}{page}"})
    for entry in items:
        view = entry["view"]
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}title").text = view["title"] + \
            (f" ({view['label_text']})" if view["label_text"] else "") + \
            (f" – {view['kunskapshus']}" if view["kunskapshus"] else "")
        ET.SubElement(item, f"{{{ATOM}}}id").text = f"urn:kunskapshus-research:{entry['id']}"
        ET.SubElement(item, f"{{{ATOM}}}updated").text = entry["started"] or \
            updated.isoformat(timespec="seconds")
        ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                                "href": prefix + view["href"]})
        summary = f"{view['kind']}, {view['date_text']}"
        if view["kunskapshus"]:
            summary += f", {view['kunskapshus']}"
        if view["period"]:
            summary += f", period {view['period']}"
        ET.SubElement(item, f"{{{ATOM}}}summary").text = summary
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


class _Pages:
    """Writes the catalogue's pages and feeds into a new build, each made again only when
    what it shows changed.

    Every page is identified by a digest of its template, the stamps of the templates, the
    stylesheet and the code that writes pages (:func:`_code_stamp`) and everything it shows; a page whose digest is the one recorded for the live
    build is hard-linked from there (the build stays complete on its own) and keeps its
    "Uppdaterad" time: the time its content last changed. At 10,000 runs an unchanged
    catalogue then costs no rendering, and one new run re-renders the few pages that list it.
    """

    def __init__(self, build: Path, previous: Path | None, known: dict[str, Any],
                 now: dt.datetime, base_url: str | None, code: list[str]) -> None:
        self.build, self.previous, self.known = build, previous, known
        self.now, self.base_url = now, base_url
        self.env = _environment()
        self.css = (TEMPLATES / "research.css").read_text(encoding="utf-8")
        self.made: dict[str, list[str]] = {}
        stamps = []
        for file in sorted((TEMPLATES / "site").glob("*.j2")) + [TEMPLATES / "research.css"]:
            stat = file.stat()
            stamps.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
        self.templates = stamps + list(code)  # and the code that writes them

    def _reused(self, name: str, digest: str) -> bool:
        known = self.known.get(name)
        if self.previous is None or not isinstance(known, list) or known[:1] != [digest]:
            return False
        try:
            os.link(self.previous / name, self.build / name)
        except OSError:
            return False
        self.made[name] = known
        return True

    def _digest(self, *parts: Any) -> str:
        # the pages' data is built in the same order every time: no key sorting needed
        text = json.dumps([self.templates, self.base_url, *parts], ensure_ascii=False,
                          separators=(",", ":"), default=str)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def page(self, name: str, template: str, **context: Any) -> None:
        digest = self._digest(name, template, context)
        if self._reused(name, digest):
            return
        updated = format_date(self.now.date()) + self.now.strftime(" kl. %H:%M")
        _write(self.build / name, self.env.get_template(template).render(
            css=self.css, updated_text=updated, **context))
        self.made[name] = [digest, updated]

    def feed(self, name: str, items: list[dict[str, Any]], **options: Any) -> None:
        digest = self._digest(name, "atom", items, options)
        if self._reused(name, digest):
            return
        _write(self.build / name, _atom(items, self.now, self.base_url, name=name, **options))
        self.made[name] = [digest, self.now.isoformat(timespec="seconds")]


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a finished run's file into the build (no copy; run files are replaced,
    never edited in place), or copy it where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _public_manifest(manifest: dict[str, Any]) -> str:
    """The manifest as the site publishes it (private parameters hidden)."""
    public = dict(manifest)
    public["parameters"] = {k: ("(dolt)" if is_private_parameter(k) else v)
                            for k, v in (manifest.get("parameters") or {}).items()}
    return json.dumps(public, ensure_ascii=False, indent=2, default=str) + "\n"


RUN_STORE = ".site-runs"  # the briefings' folders, shared by every build (see _store_runs)
STORE_STAMP = ".published"


def _run_stamp(entry: Entry) -> str:
    """What a run's published folder is made of: size and mtime of its manifest, briefing,
    PDF and tables (a changed file makes the folder again)."""
    files = entry.files if entry.files is not None else _run_files(entry.run_dir)
    names = ["manifest.json", "briefing.html", PDF_NAME,
             *sorted(name for name in files if name.startswith("tables/"))]
    parts = []
    for name in names:
        known = files.get(name)
        short = name.rsplit("/", 1)[-1]
        parts.append(f"{short}:{known[0]}:{known[1]}" if known else f"{short}:-")
    return "\n".join(parts)


def _store_listing(store: Path) -> dict[str, set[str]]:
    """The store's folders: ``<store>/<nb>/<set>`` → the run folders in it."""
    listing: dict[str, set[str]] = {}
    try:
        stems = [e for e in os.scandir(store) if e.is_dir()]
    except OSError:
        return listing
    for stem in stems:
        try:
            for label in os.scandir(stem.path):
                if label.is_dir():
                    listing[label.path] = set(os.listdir(label.path))
        except OSError:
            continue
    return listing


def _store_runs(reports: Path, build: Path, publishable: Iterable[Entry],
                index: CatalogueIndex | None = None) -> None:
    """Put every publishable run's folder in ``reports/.site-runs`` and link the build's
    ``briefings`` to it.

    A run's folder is made once (in a staging folder, renamed into place) and made again
    only when one of its files changed; folders of runs no longer publishable (withheld,
    deleted) are removed. Each publish thus touches only new and changed runs instead of
    linking and later deleting every briefing of the catalogue (10,000 runs: seconds). The
    catalogue index remembers what each folder was made of, so an unchanged run costs no
    file read at all.
    """
    store = reports / RUN_STORE
    existing = _store_listing(store)
    keep: dict[str, set[str]] = {}
    for entry in publishable:
        folder = os.path.join(store, entry.stem, entry.label)  # (no Path: 10,000 runs)
        keep.setdefault(folder, set()).add(entry.run_id)
        stamp = _run_stamp(entry)
        digest = hashlib.blake2b(stamp.encode("utf-8"), digest_size=12).hexdigest()
        key = _index_key(entry)
        target = Path(folder, entry.run_id)
        if entry.run_id in existing.get(folder, ()):
            record = index.records.get(key) if index is not None else None
            if record is not None and record.get("stored") == digest:
                continue
            try:
                if (target / STORE_STAMP).read_text(encoding="utf-8") == stamp:
                    if index is not None:
                        index.update(key, stored=digest)
                    continue
            except OSError:
                pass
        staging = target.with_name(f".{entry.run_id}.{os.getpid()}.new")
        shutil.rmtree(staging, ignore_errors=True)
        _copy_run(entry, staging)
        (staging / STORE_STAMP).write_text(stamp, encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{entry.run_id}.{os.getpid()}.old")
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
        if index is not None:
            index.update(key, stored=digest)
    for folder, names in existing.items():
        for name in names - keep.get(folder, set()):
            shutil.rmtree(Path(folder) / name, ignore_errors=True)
    store.mkdir(parents=True, exist_ok=True)
    (build / "briefings").symlink_to(os.path.relpath(store, build), target_is_directory=True)


def _copy_run(entry: Entry, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    _link_or_copy(entry.run_dir / "briefing.html", target / "index.html")
    if (entry.run_dir / PDF_NAME).is_file():
        _link_or_copy(entry.run_dir / PDF_NAME, target / PDF_NAME)
    # the build is not live until the swap, which is the commit point: no fsync per file
    (target / "manifest.json").write_text(_public_manifest(entry.full_manifest()),
                                          encoding="utf-8")
    tables = entry.run_dir / "tables"
    if tables.is_dir():
        (target / "tables").mkdir(exist_ok=True)
        for table in sorted(tables.glob("*.csv")):
            _link_or_copy(table, target / "tables" / table.name)


def _swap(reports: Path, build: Path) -> Path:
    """Point ``reports/site`` at ``build`` atomically; return the link."""
    link = reports / "site"
    if link.exists() and not link.is_symlink():  # a plain folder from elsewhere: keep it aside
        link.rename(reports / f".site-replaced-{dt.datetime.now():%Y%m%d%H%M%S}")
    tmp = reports / f".site-link-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path(".site-builds") / build.name, target_is_directory=True)
    os.replace(tmp, link)
    return link


def _prune(builds: Path, keep: Iterable[str]) -> None:
    keep = set(keep)
    existing = sorted((p for p in builds.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in existing[:-KEEP_BUILDS]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def publish(reports: str | Path | None = None, *, base_url: str | None = None,
            feed_size: int = 50, pdf: bool | None = None) -> PublishReport:
    """Build the catalogue site from the runs under ``reports`` and swap it in.

    Parameters
    ----------
    reports
        The reports folder (default: ``research.paths.reports_dir()``).
    base_url
        Where the site will be served, for absolute links in ``feed.xml`` (optional).
    feed_size
        How many of the newest briefings the Atom feed lists.
    pdf
        Print ``briefing.pdf`` for index entries that have none yet (default: unless the
        environment sets ``RESEARCH_PDF=0``); needs Chromium, else skipped with a note.
    """
    reports = Path(reports).resolve() if reports else reports_dir()
    reports.mkdir(parents=True, exist_ok=True)
    with FileLock(str(reports / ".publish.lock"), timeout=600):
        return _publish_locked(reports, base_url, feed_size,
                               pdf_enabled() if pdf is None else pdf)


def _verdict(entry: Entry) -> dict[str, Any]:
    """The publishing guards on one run: ``{"withheld": bool, "messages": [...]}`` (kept in
    the catalogue index until one of the run's files changes)."""
    files = entry.files if entry.files is not None else _run_files(entry.run_dir)
    if "briefing.html" not in files:
        return {"withheld": True,
                "messages": [f"run {entry.stem}/{entry.run_id}: no briefing.html; not published"]}
    findings = privacy_findings(entry.run_dir)
    findings += [f"run {entry.stem}/{entry.run_id}: manifest.json at {position}"
                 for position in _manifest_findings(entry)]
    if findings:
        return {"withheld": True,
                "messages": [f"personal identifier found, not published: {f}" for f in findings]}
    unaudited = unaudited_tables(entry.run_dir)
    if unaudited:  # hidden cells without a passing disclosure audit: like the guard above
        return {"withheld": True, "messages": [f"not published: {m}" for m in unaudited]}
    return {"withheld": False, "messages": []}


def _publish_locked(reports: Path, base_url: str | None, feed_size: int,
                    pdf: bool = False) -> PublishReport:
    now = dt.datetime.now(dt.timezone.utc).astimezone()
    builds = reports / ".site-builds"
    build = builds / f"{now:%Y%m%dT%H%M%S%f}-{os.getpid()}"
    report = PublishReport(site=reports / "site")
    index = CatalogueIndex(reports / INDEX_FILE)
    entries = collect_entries(reports, index)

    publishable: list[Entry] = []
    for entry in entries:
        if entry.status != "succeeded":
            continue
        key = _index_key(entry)
        verdict = (index.records.get(key) or {}).get("verdict")
        if not isinstance(verdict, dict):
            verdict = _verdict(entry)
            index.update(key, verdict=verdict)
        report.messages.extend(verdict["messages"])
        if verdict["withheld"]:
            report.withheld_runs.add(entry.run_id)
            continue
        publishable.append(entry)
    report.published_runs = {e.run_id for e in publishable}
    catalogue = [e for e in publishable if not e.draft]

    groups: dict[tuple[str, str], dict[str, Any]] = {}
    publishable_ids = {id(e) for e in publishable}  # (a list lookup is slow at 10,000 runs)
    for entry in entries:  # newest first; a draft never marks a catalogue entry
        if entry.draft:
            continue
        group = groups.setdefault((entry.stem, entry.label), {"latest": entry, "good": None})
        if group["good"] is None and id(entry) in publishable_ids:
            group["good"] = entry

    if pdf:
        good = [g["good"] for g in groups.values() if g["good"] is not None]
        report.messages.extend(print_pdf([e.run_dir for e in good if not e.has_pdf]))
        for entry in good:  # the PDFs just printed are published with their runs
            if not entry.has_pdf and (entry.run_dir / PDF_NAME).is_file():
                entry.files = _run_files(entry.run_dir)
    try:
        build.mkdir(parents=True)
        _store_runs(reports, build, publishable, index)
        live = reports / "site"
        previous = live.resolve() if live.is_symlink() else None
        known = index.pages.get("pages") if previous is not None and \
            index.pages.get("build") == previous.name else None
        pages = _Pages(build, previous, known or {}, now, base_url, index.code)
        views = []
        for (stem, label), group in groups.items():
            latest, good = group["latest"], group["good"]
            shown = good or latest
            view = shown.view()
            view["started"] = shown.started
            if good is None:
                view["href"] = None
                view["latest_note"] = "Ingen lyckad körning finns publicerad ännu."
            elif latest is not good:
                reason = "stoppades av integritetskontrollen" if latest.run_id in \
                    report.withheld_runs else "misslyckades"
                view["latest_note"] = (f"Senaste körningen ({format_date(latest.started[:10])}) "
                                       f"{reason}; länken ovan går till den senast lyckade "
                                       "briefingen.")
            else:
                view["latest_note"] = ""
            views.append(view)
        views.sort(key=lambda v: (v["started"], v["title"]), reverse=True)  # newest first
        _label_where_needed(views)
        _write_catalogue(pages, views, catalogue, feed_size)
        pages.page("arkiv.html", "archive.html.j2",
                   page_title="Arkiv – Kunskapshus Research", heading="Arkiv", current="archive",
                   rows=[e.view() for e in catalogue])
        pages.page("utkast.html", "drafts.html.j2",
                   page_title="Utkast – Kunskapshus Research", heading="Utkast", current="drafts",
                   rows=[dict(e.view(), run_id=e.run_id) for e in publishable if e.draft])
        link = _swap(reports, build)
        index.set_pages({"build": build.name, "pages": pages.made})
    except BaseException as exc:
        shutil.rmtree(build, ignore_errors=True)
        if not isinstance(exc, OSError):
            raise
        raise PublishError(f"Could not build the catalogue site in {reports}: {exc}",
                           hint="check free disk space and permissions; the previous site is "
                                "unchanged") from exc
    index.save()
    _prune(builds, keep=[build.name])
    report.site = link
    return report


def publish_reporting(reports: str | Path | None = None) -> tuple[bool, list[str], str | None]:
    """Publish after a batch or a scheduled pass, where a catalogue that cannot be built
    must not hide the runs' own outcomes: returns ``(published, messages, error)``."""
    from .errors import ResearchError

    try:
        report = publish(reports)
    except ResearchError as exc:
        return False, [], str(exc)
    return True, list(report.messages), None


# ---------------------------------------------------------------------------------------
# catalogue pages


def slug(text: str) -> str:
    """A file-name part for a Kunskapshus or briefing type: ``Kunskapshus Älvstad`` →
    ``kunskapshus-alvstad``."""
    ascii_text = str(text).lower().translate(str.maketrans("åäöéèüæø", "aaoeeuao"))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "ovrigt"


def _label_where_needed(views: list[dict[str, Any]]) -> None:
    """A parameter set's label is shown when its file gives one for readers (``label:``);
    a file name means nothing to a reader, so it is shown only when two entries of one
    type and Kunskapshus would otherwise look the same (never "default"/"standard")."""
    seen: dict[tuple[str, str, str], int] = {}
    for view in views:
        key = (view["kind"], view["kunskapshus"], view["title"])
        seen[key] = seen.get(key, 0) + 1
    for view in views:
        if not view["label_text"] and \
                seen[(view["kind"], view["kunskapshus"], view["title"])] > 1 and \
                view["label"] not in ("default", "standard"):
            view["label_text"] = view["label"].replace("_", " ")


def house_slug(name: str) -> str:
    """The file-name part of a Kunskapshus' page and feed: ``Kunskapshus Älvstad`` →
    ``alvstad`` (the page is ``kunskapshus-alvstad.html``, not ``kunskapshus-kunskapshus-…``)."""
    text = slug(name)
    return text.removeprefix("kunskapshus-") if text != "kunskapshus" else text


def _write_catalogue(pages: _Pages, views: list[dict[str, Any]], catalogue: list[Entry],
                     feed_size: int) -> None:
    """The index, one page per Kunskapshus and per type, and the feeds."""
    houses: dict[str, list[dict[str, Any]]] = {}
    kinds: dict[str, list[dict[str, Any]]] = {}
    for view in views:
        houses.setdefault(view["kunskapshus"] or "Utan Kunskapshus", []).append(view)
        kinds.setdefault(view["kind"], []).append(view)
    taken: set[str] = set()
    house_links = []
    for name, items in sorted(houses.items()):
        part = _unique(house_slug(name), taken)
        house_links.append({"name": name, "href": f"kunskapshus-{part}.html",
                            "feed": f"flode-{part}.xml", "count": len(items), "slug": part})
    taken = set()
    kind_links = [{"name": name, "href": f"typ-{_unique(slug(name), taken)}.html",
                   "count": len(items)} for name, items in sorted(kinds.items())]
    pages.page("index.html", "index.html.j2",
               page_title="Briefingar – Kunskapshus Research", heading="Briefingar",
               current="index",
               groups=[(k["name"], kinds[k["name"]][:INDEX_PER_KIND], k) for k in kind_links],
               houses=house_links, kinds=kind_links)
    for link in kind_links:
        pages.page(link["href"], "list.html.j2",
                   page_title=f"{link['name']} – Kunskapshus Research", heading=link["name"],
                   current="kind", intro=f"Alla briefingar av typen {link['name']}, nyaste först.",
                   entries=kinds[link["name"]], feed=None)
    by_house: dict[str, list[Entry]] = {}
    for entry in catalogue:
        by_house.setdefault(entry.view()["kunskapshus"] or "Utan Kunskapshus", []).append(entry)
    for link in house_links:
        pages.page(link["href"], "list.html.j2",
                   page_title=f"{link['name']} – Kunskapshus Research", heading=link["name"],
                   current="house",
                   intro=f"De senaste briefingarna från {link['name']}, nyaste först.",
                   entries=houses[link["name"]], feed=link["feed"])
        pages.feed(link["feed"], _feed_items(by_house.get(link["name"], [])[:feed_size]),
                   title=f"{link['name']} – nya briefingar", page=link["href"],
                   key=f"kunskapshus:{link['slug']}")
    pages.feed("feed.xml", _feed_items(catalogue[:feed_size]))


def _unique(part: str, taken: set[str]) -> str:
    """``part``, or ``part-2``, ``part-3`` … when another name gave the same file name."""
    candidate, number = part, 1
    while candidate in taken:
        number += 1
        candidate = f"{part}-{number}"
    taken.add(candidate)
    return candidate


INDEX_PER_KIND = 12  # the index shows this many per type; the type's page has them all


# ---------------------------------------------------------------------------------------
# PDF


def pdf_enabled() -> bool:
    """Whether publishing prints PDFs: yes, unless ``RESEARCH_PDF=0`` is set."""
    return os.environ.get("RESEARCH_PDF", "1").strip().lower() not in ("0", "no", "false", "")


def _chromium() -> str | None:
    for candidate in (os.environ.get("RESEARCH_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync")


def print_pdf(run_dirs: Iterable[Path]) -> list[str]:
    """Print ``briefing.pdf`` (A4, tagged, with the briefing's title and language) into each
    run directory that has none yet, with Chromium's own print (Playwright). Each run is
    printed once; one that fails is marked and not retried. Returns notes for the publish
    report: nothing to do, or why PDFs were skipped (no Playwright, no Chromium)."""
    todo = [d for d in run_dirs if (d / "briefing.html").is_file() and
            not (d / PDF_NAME).exists() and not (d / PDF_SKIPPED).exists()]
    if not todo:
        return []
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [f"briefing.pdf skipped for {len(todo)} run(s): Playwright is not installed"]
    if executable is None:
        return [f"briefing.pdf skipped for {len(todo)} run(s): Chromium is not installed "
                "(apt-get install chromium, or set RESEARCH_CHROMIUM)"]
    notes = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable,
                                                 args=list(CHROMIUM_ARGS), timeout=60_000)
            try:
                for run_dir in todo:
                    notes.extend(_print_one(browser, run_dir))
            finally:
                browser.close()
    except Exception as exc:  # a browser that cannot start must not stop the catalogue
        notes.append(f"briefing.pdf skipped: Chromium could not print ({type(exc).__name__}: "
                     f"{str(exc).splitlines()[0] if str(exc) else ''})")
    return notes


def _print_one(browser: Any, run_dir: Path) -> list[str]:
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("file:", "data:")) else route.abort())  # nothing leaves the machine
        page.goto((run_dir / "briefing.html").resolve().as_uri(), timeout=60_000)
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True,
                       tagged=True, outline=True)
    except Exception as exc:
        (run_dir / PDF_SKIPPED).write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        return [f"run {run_dir.parent.name}/{run_dir.name}: briefing.pdf could not be "
                f"printed ({type(exc).__name__})"]
    finally:
        page.close()
    tmp = run_dir / f".{PDF_NAME}.tmp"
    tmp.write_bytes(pdf)
    os.replace(tmp, run_dir / PDF_NAME)
    return []
