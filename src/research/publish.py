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
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
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
    """One run as the catalogue sees it."""

    stem: str
    label: str
    run_id: str
    run_dir: Path
    manifest: dict[str, Any]

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
    def rel_dir(self) -> str:
        return f"briefings/{quote(self.stem)}/{quote(self.label)}/{quote(self.run_id)}"

    def view(self) -> dict[str, Any]:
        """What the site's pages show of this run (a fresh copy; computed once per publish,
        after the PDFs were printed — every page lists runs, 10,000 of them at scale)."""
        cached = self.__dict__.get("_view")
        if cached is None:
            cached = self.__dict__["_view"] = self._make_view()
        return dict(cached)

    def _make_view(self) -> dict[str, Any]:
        return {
            "title": self.title, "kind": self.kind, "label": self.label,
            "kunskapshus": self.info.get("kunskapshus", "") or
            str((self.manifest.get("parameters") or {}).get("kunskapshus") or ""),
            "period": self.info.get("period", ""),
            "date_text": format_date(self.started[:10]) if self.started else "–",
            "date_iso": self.started[:10],
            "href": f"{self.rel_dir}/index.html",
            "pdf_href": f"{self.rel_dir}/{PDF_NAME}" if (self.run_dir / PDF_NAME).is_file()
            else None,
            "label_text": "",
        }


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
        stamp = [stat.st_size, stat.st_mtime_ns]
        known = cache.get(key) if isinstance(cache, dict) else None
        if isinstance(known, dict) and known.get("stamp") == stamp:
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
        stamp = [stat.st_size, stat.st_mtime_ns]
    except OSError:
        stamp = None
    try:
        cached = json.loads(cache_path.read_text(encoding="utf-8"))
        if stamp is not None and cached.get("stamp") == stamp:
            return list(cached.get("positions", []))
    except (OSError, ValueError, AttributeError):
        pass
    positions = scan_text_for_identifiers(_public_manifest(entry))
    if stamp is not None:
        try:  # a cache that cannot be written only costs a rescan next time
            write_json_atomic(cache_path, {"stamp": stamp, "positions": positions})
        except OSError:
            pass
    return positions


def collect_entries(reports: Path) -> list[Entry]:
    """Every finished run under ``reports/runs`` (newest first)."""
    entries = []
    for manifest_path in sorted((reports / "runs").glob("*/*/manifest.json")):
        run_dir = manifest_path.parent
        manifest = read_manifest(run_dir)
        if not manifest or manifest.get("status") not in ("succeeded", "failed"):
            continue
        label = manifest.get("parameter_set") or manifest.get("label") or "standard"
        entries.append(Entry(run_dir.parent.name, str(label),
                             run_dir.name, run_dir, manifest))
    entries.sort(key=lambda e: (e.started, e.run_id), reverse=True)
    return entries


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES / "site")),
                       autoescape=select_autoescape(["html", "j2"]))


def _atom(entries: Iterable[Entry], updated: dt.datetime, base_url: str | None, *,
          title: str = "Kunskapshus Research – nya briefingar", name: str = "feed.xml",
          page: str = "index.html", key: str = "catalogue") -> bytes:
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
    for entry in entries:
        view = entry.view()
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(item, f"{{{ATOM}}}title").text = view["title"] + \
            (f" – {view['kunskapshus']}" if view["kunskapshus"] else "")
        ET.SubElement(item, f"{{{ATOM}}}id").text = \
            f"urn:kunskapshus-research:{entry.stem}:{entry.run_id}"
        ET.SubElement(item, f"{{{ATOM}}}updated").text = entry.started or \
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


def _public_manifest(entry: Entry) -> str:
    """The manifest as the site publishes it (private parameters hidden)."""
    public = dict(entry.manifest)
    public["parameters"] = {k: ("(dolt)" if is_private_parameter(k) else v)
                            for k, v in (entry.manifest.get("parameters") or {}).items()}
    return json.dumps(public, ensure_ascii=False, indent=2, default=str) + "\n"


RUN_STORE = ".site-runs"  # the briefings' folders, shared by every build (see _store_runs)
STORE_STAMP = ".published"


def _run_stamp(entry: Entry) -> str:
    """What a run's published folder is made of: size and mtime of its manifest, briefing,
    PDF and tables (a changed file makes the folder again)."""
    files = [entry.run_dir / "manifest.json", entry.run_dir / "briefing.html",
             entry.run_dir / PDF_NAME, *sorted((entry.run_dir / "tables").glob("*.csv"))]
    parts = []
    for file in files:
        try:
            stat = file.stat()
            parts.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{file.name}:-")
    return "\n".join(parts)


def _store_runs(reports: Path, build: Path, publishable: Iterable[Entry]) -> None:
    """Put every publishable run's folder in ``reports/.site-runs`` and link the build's
    ``briefings`` to it.

    A run's folder is made once (in a staging folder, renamed into place) and made again
    only when one of its files changed; folders of runs no longer publishable (withheld,
    deleted) are removed. Each publish thus touches only new and changed runs instead of
    linking and later deleting every briefing of the catalogue (10,000 runs: seconds).
    """
    store = reports / RUN_STORE
    keep: dict[str, set[str]] = {}
    for entry in publishable:
        target = store / entry.stem / entry.label / entry.run_id
        keep.setdefault(str(target.parent), set()).add(entry.run_id)
        stamp = _run_stamp(entry)
        try:
            if (target / STORE_STAMP).read_text(encoding="utf-8") == stamp:
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
    for stem in (p for p in store.iterdir() if p.is_dir()) if store.is_dir() else ():
        for label in (p for p in stem.iterdir() if p.is_dir()):
            wanted = keep.get(str(label), set())
            for run in label.iterdir():
                if run.name not in wanted:
                    shutil.rmtree(run, ignore_errors=True)
    store.mkdir(parents=True, exist_ok=True)
    (build / "briefings").symlink_to(os.path.relpath(store, build), target_is_directory=True)


def _copy_run(entry: Entry, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    _link_or_copy(entry.run_dir / "briefing.html", target / "index.html")
    if (entry.run_dir / PDF_NAME).is_file():
        _link_or_copy(entry.run_dir / PDF_NAME, target / PDF_NAME)
    # the build is not live until the swap, which is the commit point: no fsync per file
    (target / "manifest.json").write_text(_public_manifest(entry), encoding="utf-8")
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


def _publish_locked(reports: Path, base_url: str | None, feed_size: int,
                    pdf: bool = False) -> PublishReport:
    now = dt.datetime.now(dt.timezone.utc).astimezone()
    builds = reports / ".site-builds"
    build = builds / f"{now:%Y%m%dT%H%M%S%f}-{os.getpid()}"
    report = PublishReport(site=reports / "site")
    entries = collect_entries(reports)

    publishable: list[Entry] = []
    for entry in entries:
        if entry.status != "succeeded":
            continue
        if not (entry.run_dir / "briefing.html").is_file():
            report.messages.append(f"run {entry.stem}/{entry.run_id}: no briefing.html; not published")
            report.withheld_runs.add(entry.run_id)
            continue
        findings = privacy_findings(entry.run_dir)
        findings += [f"run {entry.stem}/{entry.run_id}: manifest.json at {position}"
                     for position in _manifest_findings(entry)]
        if findings:
            report.withheld_runs.add(entry.run_id)
            report.messages.extend(f"personal identifier found, not published: {f}"
                                   for f in findings)
            continue
        unaudited = unaudited_tables(entry.run_dir)
        if unaudited:  # hidden cells without a passing disclosure audit: like the guard above
            report.withheld_runs.add(entry.run_id)
            report.messages.extend(f"not published: {m}" for m in unaudited)
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
        report.messages.extend(print_pdf([g["good"].run_dir for g in groups.values()
                                          if g["good"] is not None]))
    try:
        build.mkdir(parents=True)
        _store_runs(reports, build, publishable)
        env = _environment()
        css = (TEMPLATES / "research.css").read_text(encoding="utf-8")
        updated_text = format_date(now.date()) + now.strftime(" kl. %H:%M")
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
        common = {"css": css, "updated_text": updated_text}
        _write_catalogue(build, env, views, catalogue, now, base_url, feed_size, common)
        _write(build / "arkiv.html", env.get_template("archive.html.j2").render(
            page_title="Arkiv – Kunskapshus Research", heading="Arkiv", current="archive",
            rows=[e.view() for e in catalogue], **common))
        _write(build / "utkast.html", env.get_template("drafts.html.j2").render(
            page_title="Utkast – Kunskapshus Research", heading="Utkast", current="drafts",
            rows=[dict(e.view(), run_id=e.run_id) for e in publishable if e.draft], **common))
        link = _swap(reports, build)
    except BaseException as exc:
        shutil.rmtree(build, ignore_errors=True)
        if not isinstance(exc, OSError):
            raise
        raise PublishError(f"Could not build the catalogue site in {reports}: {exc}",
                           hint="check free disk space and permissions; the previous site is "
                                "unchanged") from exc
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
    """A parameter set's label means nothing to a reader unless two entries of one type
    and Kunskapshus share a title: only then is it shown (never "default"/"standard")."""
    seen: dict[tuple[str, str, str], int] = {}
    for view in views:
        key = (view["kind"], view["kunskapshus"], view["title"])
        seen[key] = seen.get(key, 0) + 1
    for view in views:
        if seen[(view["kind"], view["kunskapshus"], view["title"])] > 1 and \
                view["label"] not in ("default", "standard"):
            view["label_text"] = view["label"].replace("_", " ")


def _write_catalogue(build: Path, env: Environment, views: list[dict[str, Any]],
                     catalogue: list[Entry], now: dt.datetime, base_url: str | None,
                     feed_size: int, common: dict[str, Any]) -> None:
    """The index, one page per Kunskapshus and per type, and the feeds."""
    houses: dict[str, list[dict[str, Any]]] = {}
    kinds: dict[str, list[dict[str, Any]]] = {}
    for view in views:
        houses.setdefault(view["kunskapshus"] or "Utan Kunskapshus", []).append(view)
        kinds.setdefault(view["kind"], []).append(view)
    house_links = [{"name": name, "href": f"kunskapshus-{slug(name)}.html",
                    "feed": f"flode-{slug(name)}.xml", "count": len(items)}
                   for name, items in sorted(houses.items())]
    kind_links = [{"name": name, "href": f"typ-{slug(name)}.html", "count": len(items)}
                  for name, items in sorted(kinds.items())]
    page = env.get_template("index.html.j2")
    _write(build / "index.html", page.render(
        page_title="Briefingar – Kunskapshus Research", heading="Briefingar", current="index",
        groups=[(k["name"], kinds[k["name"]][:INDEX_PER_KIND], k) for k in kind_links],
        houses=house_links, kinds=kind_links, **common))
    for link in kind_links:
        _write(build / link["href"], env.get_template("list.html.j2").render(
            page_title=f"{link['name']} – Kunskapshus Research", heading=link["name"],
            current="kind", intro=f"Alla briefingar av typen {link['name']}, nyaste först.",
            entries=kinds[link["name"]], feed=None, **common))
    by_house: dict[str, list[Entry]] = {}
    for entry in catalogue:
        by_house.setdefault(entry.view()["kunskapshus"] or "Utan Kunskapshus", []).append(entry)
    for link in house_links:
        _write(build / link["href"], env.get_template("list.html.j2").render(
            page_title=f"{link['name']} – Kunskapshus Research", heading=link["name"],
            current="house", intro=f"De senaste briefingarna från {link['name']}, nyaste först.",
            entries=houses[link["name"]], feed=link["feed"], **common))
        _write(build / link["feed"], _atom(
            by_house.get(link["name"], [])[:feed_size], now, base_url,
            title=f"{link['name']} – nya briefingar", name=link["feed"], page=link["href"],
            key=f"kunskapshus:{slug(link['name'])}"))
    _write(build / "feed.xml", _atom(catalogue[:feed_size], now, base_url))


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
