"""Source lists: which feeds, pages and folders a scan reads, as YAML or OPML.

A source list is a YAML list of ``name``, ``kind`` (``feed``, ``page`` or ``folder``),
``location`` (URL or path) and ``category``, or an OPML file — the feed readers' exchange
format — whose ``outline`` elements with an ``xmlUrl`` are feeds (a parent outline without
one is the category). :func:`write_opml` exports a list for a feed reader; folders, which
OPML cannot describe, are left out and named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..errors import ConfigError
from ..io.files import read_yaml, write_text_atomic
from ..paths import resolve

__all__ = ["KINDS", "Source", "load_sources", "read_opml", "sources_to_opml", "write_opml"]

KINDS = ("feed", "page", "folder")
MAX_OPML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One configured source: ``kind`` is ``feed``, ``page`` or ``folder``."""

    name: str
    kind: str
    location: str
    category: str = ""


def load_sources(path: str | Path) -> list[Source]:
    """Load the YAML list of sources (``name``, ``kind``, ``location``, ``category``).

    The file is either a list or a mapping with a ``sources`` list, or an OPML file
    (``.opml``, see :func:`read_opml`). Relative ``location``
    paths of files and folders are resolved against the project root.

    Raises
    ------
    ConfigError
        The file is missing, is not valid YAML, or an entry lacks a field, has an unknown
        ``kind`` or repeats a name (the message names the entry).
    """
    target = resolve(path)
    if target.suffix.lower() == ".opml":
        return read_opml(target)
    data = read_yaml(target, what="Source list", parameter="sources",
                     missing_hint="give the path of a YAML list of sources in the 'sources' "
                     "parameter; each source is a '- name: …' entry")
    entries = data.get("sources") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"{target} holds no list of sources.",
            hint="write a YAML list of entries with name, kind, location (and category)",
            file=str(target),
        )
    sources: list[Source] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{target}, entry {number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} is not a mapping.", hint="use 'name:', 'kind:', "
                              "'location:' keys", file=str(target), row=number)
        missing = [k for k in ("name", "kind", "location") if not entry.get(k)]
        if missing:
            raise ConfigError(
                f"{where} lacks {', '.join(missing)}.",
                hint="every source needs name, kind (feed, page or folder) and location",
                file=str(target), row=number, column=missing[0],
            )
        kind = str(entry["kind"]).strip().lower()
        if kind not in KINDS:
            raise ConfigError(
                f"{where}: unknown kind {entry['kind']!r}.",
                hint=f"use one of {', '.join(KINDS)}", file=str(target), row=number,
                column="kind",
            )
        name = str(entry["name"]).strip()
        if name in seen:
            raise ConfigError(f"{where}: the name {name!r} is used twice.",
                              hint="give every source its own name", file=str(target),
                              row=number, column="name")
        seen.add(name)
        sources.append(Source(name, kind, str(entry["location"]).strip(),
                              str(entry.get("category") or "").strip()))
    return sources


def _opml_error(target: Path, message: str, hint: str) -> ConfigError:
    return ConfigError(f"{target}: {message}", hint=hint, file=str(target),
                       parameter="sources")


def read_opml(path: str | Path) -> list[Source]:
    """Read an OPML source list: every ``outline`` with an ``xmlUrl`` is a feed named by its
    ``title`` or ``text``; its category is its ``category`` attribute or the text of the
    outline it sits in. DTDs and entities are refused (defusedxml), like the file's size
    over 5 MB.

    Raises
    ------
    ConfigError
        Missing, oversized, malformed or hostile file, or one without feeds.
    """
    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    target = resolve(path)
    if not target.is_file():
        raise _opml_error(target, "OPML file not found.", "check the 'sources' parameter")
    if target.stat().st_size > MAX_OPML_BYTES:
        raise _opml_error(target, f"the file is larger than {MAX_OPML_BYTES:,} bytes.",
                          "an OPML source list should be small; check the file")
    try:
        root = safe_xml.fromstring(target.read_bytes(), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _opml_error(target, f"refused: it declares a DTD or entities ({exc}).",
                          "export the list again from the feed reader") from exc
    except safe_xml.ParseError as exc:
        raise _opml_error(target, f"not valid XML ({exc}).",
                          "export the list again from the feed reader") from exc
    body = root.find("body") if root.tag == "opml" else None
    if body is None:
        raise _opml_error(target, "not an OPML document (no <opml><body>).",
                          "give an OPML file exported by a feed reader, or a YAML list")
    sources: list[Source] = []
    seen: set[str] = set()
    _walk_outlines(body, "", sources, seen)
    if not sources:
        raise _opml_error(target, "holds no feeds (no outline with an xmlUrl).",
                          "export the subscriptions again, or write a YAML list")
    return sources


def _walk_outlines(parent: object, category: str, sources: list[Source], seen: set[str],
                   depth: int = 0) -> None:
    if depth > 20:
        return
    for outline in parent.findall("outline"):  # type: ignore[attr-defined]
        name = (outline.get("title") or outline.get("text") or "").strip()
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            unique, number = name or url, 2
            while unique in seen:  # two feeds of the same name in one export
                unique, number = f"{name} ({number})", number + 1
            seen.add(unique)
            kind = "page" if outline.get("type") == "link" else "feed"
            sources.append(Source(unique, kind, url,
                                  (outline.get("category") or category).strip()))
        _walk_outlines(outline, name if not url else category, sources, seen, depth + 1)


def sources_to_opml(sources: Iterable[Source], *, title: str = "Omvärldsbevakning"
                    ) -> tuple[str, list[str]]:
    """An OPML 2.0 document of the feeds and pages, grouped by category, and the names of
    the sources left out (folders)."""
    groups: dict[str, list[Source]] = {}
    skipped: list[str] = []
    for source in sources:
        if source.kind == "folder":
            skipped.append(source.name)
            continue
        groups.setdefault(source.category, []).append(source)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{_text(title)}</title></head>", "  <body>"]
    for category, members in groups.items():
        indent = "    "
        if category:
            lines.append(f"    <outline text={quoteattr(category)}>")
            indent = "      "
        for source in members:
            kind = "rss" if source.kind == "feed" else "link"
            attribute = "xmlUrl" if source.kind == "feed" else "url"
            extra = f" xmlUrl={quoteattr(source.location)}" if kind == "link" else ""
            lines.append(f"{indent}<outline type={quoteattr(kind)} text={quoteattr(source.name)} "
                         f"title={quoteattr(source.name)} {attribute}={quoteattr(source.location)}"
                         f"{extra} category={quoteattr(source.category)}/>")
        if category:
            lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines), skipped


def _text(value: str) -> str:
    return quoteattr(value)[1:-1]


def write_opml(sources: Iterable[Source], path: str | Path, *,
               title: str = "Omvärldsbevakning") -> list[str]:
    """Write the sources as OPML (atomically); returns the names left out (folders)."""
    text, skipped = sources_to_opml(sources, title=title)
    write_text_atomic(path, text)
    return skipped
