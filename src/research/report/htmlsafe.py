"""Making text from outside safe to show in a briefing.

Feeds, abstracts, free-text answers and data values are untrusted. Plain text is escaped;
HTML that must keep some formatting passes an allow-list sanitizer (nh3); links keep only
``http``/``https`` targets.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

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
