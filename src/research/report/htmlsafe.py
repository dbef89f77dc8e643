"""Making text from outside safe to show in a briefing.

Feeds, abstracts, free-text answers and data values are untrusted. Plain text is escaped;
HTML that must keep some formatting passes an allow-list sanitizer (nh3); links keep only
``http``/``https`` targets.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit
from xml.parsers import expat

import nh3

__all__ = [
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "SAFE_SCHEMES",
    "escape",
    "safe_url",
    "sanitize_html",
    "strip_html",
    "link",
    "SVG_ELEMENTS",
    "sanitize_svg",
]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre",
    "q", "small", "strong", "sub", "sup", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
SAFE_SCHEMES = {"http", "https"}


def escape(text: object) -> str:
    """Escape any value for use as HTML text or attribute content."""
    return html.escape("" if text is None else str(text), quote=True)


def safe_url(url: object) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL, else ``None``."""
    if url is None:
        return None
    text = str(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    if any(ch in text for ch in "\x00\n\r\t<>\"'` "):
        return None
    return text


def sanitize_html(fragment: object) -> str:
    """Clean an HTML fragment with an allow-list: no script, no forms, no event handlers,
    only http(s) links (which get ``rel="noopener noreferrer"``)."""
    return nh3.clean(
        "" if fragment is None else str(fragment),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def strip_html(fragment: object) -> str:
    """Return the plain text of an HTML fragment (all tags removed, entities decoded)."""
    cleaned = nh3.clean("" if fragment is None else str(fragment), tags=set(), strip_comments=True)
    return html.unescape(cleaned).strip()


def link(text: object, url: object) -> str:
    """Return an escaped ``<a>`` element, or the escaped text alone for unsafe URLs."""
    target = safe_url(url)
    if target is None:
        return escape(text)
    return f'<a href="{escape(target)}" rel="noopener noreferrer">{escape(text)}</a>'


# What an inline SVG figure may contain: matplotlib's vocabulary, nothing that runs or loads.
SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "path", "use", "clipPath", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "title", "desc", "style", "image", "linearGradient",
    "radialGradient", "stop", "pattern", "mask", "marker", "symbol",
})
_SVG_ATTRIBUTES = frozenset({
    "xmlns", "xmlns:xlink", "version", "viewBox", "width", "height", "x", "y", "x1", "y1",
    "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "transform", "style", "id",
    "class", "clip-path", "mask", "fill", "stroke", "opacity", "offset", "stop-color",
    "stop-opacity", "gradientUnits", "gradientTransform", "patternUnits", "patternTransform",
    "markerWidth", "markerHeight", "refX", "refY", "orient", "preserveAspectRatio",
    "text-anchor", "dominant-baseline", "font-size", "font-family", "font-weight",
    "font-style", "role", "aria-label", "href", "xlink:href", "clipPathUnits", "overflow",
})
_SVG_URL = re.compile(r"url\(\s*(?!#)[^)]*\)|@import|expression\s*\(|javascript:", re.I)
_SVG_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]+$")


def _svg_href(element: str, value: str) -> bool:
    if value.startswith("#"):
        return True
    return element == "image" and bool(_SVG_IMAGE.match(value))


def sanitize_svg(svg: object) -> str:
    """Check an SVG drawing against an allow-list and return it re-serialised.

    Only drawing elements (:data:`SVG_ELEMENTS`) and their presentation attributes pass;
    event handlers, scripts, ``foreignObject``, external references (``href`` other than
    ``#id`` or an embedded PNG/JPEG, ``url()`` other than ``url(#id)``) and DTDs are removed
    with everything inside them. Text is re-escaped.
    """
    text = "" if svg is None else str(svg)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if "<!" in text.replace("<![CDATA[", ""):
        text = re.sub(r"<!(?!\[CDATA\[)[^>]*>", "", text)  # DOCTYPE, comments: no entities
    out: list[str] = []
    skipping = 0  # depth inside a removed element
    stack: list[str] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal skipping
        stack.append(name)
        if skipping or name not in SVG_ELEMENTS:
            skipping += 1
            return
        kept = []
        for key, value in attributes.items():
            if key not in _SVG_ATTRIBUTES or key.lower().startswith("on"):
                continue
            if key in ("href", "xlink:href") and not _svg_href(name, value):
                continue
            if _SVG_URL.search(value):
                continue
            kept.append(f' {key}="{html.escape(value, quote=True)}"')
        out.append(f"<{name}{''.join(kept)}>")

    def end(name: str) -> None:
        nonlocal skipping
        stack.pop()
        if skipping:
            skipping -= 1
            return
        out.append(f"</{name}>")

    def data(chunk: str) -> None:
        if skipping:
            return
        if stack and stack[-1] == "style" and _SVG_URL.search(chunk):
            return
        out.append(html.escape(chunk, quote=False))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text, True)
    except expat.ExpatError:
        return ""
    return "".join(out)
