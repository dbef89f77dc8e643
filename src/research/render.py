"""Rendering: an executed notebook → one self-contained, accessible Swedish briefing.

In-process nbconvert :class:`~nbconvert.HTMLExporter` with our own template
(``templates/briefing``). Before the template sees the notebook we prepare it: hidden and
setup cells go, inputs go, stderr and warnings go, catalogue metadata goes, every HTML
output passes an allow-list sanitizer, and the title cell becomes the page's only ``<h1>``.
"""

from __future__ import annotations

import copy
import functools
import datetime as dt
import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import nh3

from .errors import InputDataError
from .io.files import write_text_atomic
from .report.formatting import format_byte_count, format_date, format_file_size
from .manifest import read_manifest
from .report.display import BRIEFING_INFO_MIMETYPE, read_briefing_info

if TYPE_CHECKING:  # nbformat loads on first use: the publisher needs none of it
    import nbformat

__all__ = [
    "TEMPLATES",
    "HIDDEN_TAGS",
    "HIDDEN_OUTPUT_TAGS",
    "DROPPED_MIMETYPES",
    "MAX_TEXT_CHARS",
    "OUTPUT_TAGS",
    "OUTPUT_ATTRIBUTES",
    "notebook_kind",
    "sanitize_output_html",
    "split_title",
    "prepare",
    "warm_up",
    "PRIVATE_PREFIXES",
    "is_private_parameter",
    "briefing_context",
    "render_notebook",
    "read_executed",
    "render",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "setup", "hide", "hide-cell",
                         "remove-cell", "remove_cell"})
HIDDEN_OUTPUT_TAGS = frozenset({"hide-output", "remove-output", "remove_output"})
DROPPED_MIMETYPES = frozenset({BRIEFING_INFO_MIMETYPE, "application/javascript",
                               "application/vnd.jupyter.widget-view+json",
                               "application/vnd.jupyter.widget-state+json"})
_SHOWN_BEFORE_JSON = {"text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml"}
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml")
MAX_TEXT_CHARS = 20_000  # longer stream or text output is cut, with a note in Swedish

# What HTML outputs may contain: structure, tables, text formatting, links. No script,
# no style attributes, no forms, no images in HTML (figures come as image/png outputs).
OUTPUT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
OUTPUT_ATTRIBUTES = {
    "*": {"class", "id", "role", "title", "lang", "aria-label", "aria-labelledby",
          "aria-describedby", "tabindex"},
    "a": {"href"},
    "td": {"colspan", "rowspan", "headers", "data-label"},  # data-label: a card's cell
    "th": {"colspan", "rowspan", "scope", "headers", "data-label"},  # name (research.css)
    "col": {"span"},
    "colgroup": {"span"},
}



def notebook_kind(metadata: Mapping[str, Any] | None, stem: str = "") -> dict[str, str]:
    """What a notebook says about itself in ``metadata.research``: ``kind`` (its Swedish
    display name), ``description`` and ``audience``. Without a kind, the file name stands in
    (``min_briefing`` → "Min briefing")."""
    declared = (metadata or {}).get("research") or {}
    declared = declared if isinstance(declared, Mapping) else {}
    info = {key: str(declared.get(key) or "").strip() for key in ("kind", "description",
                                                                    "audience")}
    if not info["kind"]:
        info["kind"] = stem.replace("_", " ").replace("-", " ").strip().capitalize()
    return info


def sanitize_output_html(fragment: str) -> str:
    """Clean an HTML output with the briefing allow-list (http/https/mailto links only)."""
    return nh3.clean(fragment, tags=OUTPUT_TAGS, attributes=OUTPUT_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                     strip_comments=True)


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def split_title(nb: Mapping[str, Any]) -> tuple[str | None, int | None, str]:
    """Find the title cell: the first markdown cell whose first line is ``# …``.

    Returns the title text, the cell index and the rest of that cell's markdown.
    """
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        lines = _source(cell).strip().splitlines()
        if lines and re.match(r"^#\s+\S", lines[0]):
            title = re.sub(r"^#\s+", "", lines[0]).strip()
            return _plain_markdown(title), index, "\n".join(lines[1:]).strip()
        return None, None, ""
    return None, None, ""


def _plain_markdown(text: str) -> str:
    text = re.sub(r"[*_`]", "", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _text(value: Any) -> str:
    """Multi-line text as nbformat keeps it in memory (on disk it may be a list of lines)."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _shorten(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    rest = len(text) - MAX_TEXT_CHARS
    return text[:MAX_TEXT_CHARS] + f"\n… (utdata förkortad: {rest} tecken till " \
        "finns i körningens notebook.ipynb)"


def _terminal_text(text: str) -> str:
    """What a terminal shows: a carriage return overwrites its line (progress bars)."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n"))


def _clean_output(output: Mapping[str, Any]) -> dict[str, Any] | None:
    import nbformat

    kind = output.get("output_type")
    if kind == "stream":
        text = _terminal_text(_text(output.get("text")))
        if output.get("name") != "stdout" or not text.strip():
            return None
        return nbformat.from_dict({**output, "text": _shorten(text)})
    if kind == "error":
        return nbformat.from_dict({**output, "ename": _text(output.get("ename")),
                                   "evalue": _text(output.get("evalue")),
                                   "traceback": [_text(t) for t in output.get("traceback") or []]})
    if kind not in ("display_data", "execute_result"):
        return None
    data = dict(output.get("data") or {})
    if not data or set(data) & DROPPED_MIMETYPES:
        return None
    for mimetype in TEXT_MIMETYPES:
        if mimetype in data:
            data[mimetype] = _text(data[mimetype])
    if "application/json" in data and not set(data) & _SHOWN_BEFORE_JSON:
        data = {"text/plain": json.dumps(data["application/json"], ensure_ascii=False, indent=2,
                                         default=str)}
    if "text/markdown" in data:
        data["text/markdown"] = _local_markdown(data["text/markdown"])
    if "text/plain" in data:
        data["text/plain"] = _shorten(data["text/plain"])
    if "text/html" in data:
        data["text/html"] = sanitize_output_html(data["text/html"])
    for mimetype in ("image/png", "image/jpeg"):
        if mimetype in data:
            data[mimetype] = _text(data[mimetype]).replace("\n", "")
    output = copy.deepcopy(dict(output))
    output["data"] = data
    return nbformat.from_dict(output)


def _coalesce(outputs: list[Any]) -> list[Any]:
    """Join consecutive stream outputs of the same stream, as Jupyter shows them (a
    progress line printed with ``\\r`` arrives in many pieces)."""
    joined: list[Any] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if output.get("output_type") == "stream" and previous is not None and \
                previous.get("output_type") == "stream" and \
                previous.get("name") == output.get("name"):
            text = _text(previous.get("text")) + _text(output.get("text"))
            joined[-1] = {**previous, "text": text}
        else:
            joined.append(output)
    return joined


# A markdown image that is neither embedded (data:) nor a notebook attachment would be
# fetched from elsewhere (or be missing): the briefing shows its description instead.
_MARKDOWN_IMAGE = re.compile(
    r"!\[([^\]]*)\]\(\s*<?(?!data:|attachment:)[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _image_text(alt: str) -> str:
    alt = alt.strip()
    return f"*(Bild: {alt})*" if alt else "*(Bild utan beskrivning)*"


def _local_markdown(text: str) -> str:
    """Replace images the briefing cannot embed by their description."""
    text = _MARKDOWN_IMAGE.sub(lambda m: _image_text(m.group(1)), text)

    def html_image(match: re.Match[str]) -> str:
        if re.search(r"""\bsrc\s*=\s*["']?data:""", match.group(0), re.IGNORECASE):
            return match.group(0)
        alt = _HTML_ALT.search(match.group(0))
        return _image_text(html.unescape((alt.group(1) or alt.group(2) or "") if alt else ""))

    return _HTML_IMAGE.sub(html_image, text)


def prepare(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """Return a copy of ``nb`` ready for the template, and what was learned from it.

    Learned: ``title`` (from the title cell), ``toc`` (the level-2 headings) and
    ``missing_alt`` (figures without alt text).
    """
    nb = copy.deepcopy(nb)
    title, title_index, rest = split_title(nb)
    cells = []
    missing_alt = 0
    toc: list[tuple[str, str]] = []
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        if tags & HIDDEN_TAGS:
            continue
        if cell.cell_type == "markdown":
            text = _local_markdown(rest if index == title_index else _source(cell))
            # one <h1> per page: demote any further level-1 heading
            text = re.sub(r"(?m)^#(\s)", r"##\1", text)
            if not text.strip():
                continue
            cell.source = text
            for heading in re.findall(r"(?m)^##\s+(.+?)\s*#*\s*$", text):
                plain = _plain_markdown(heading)
                toc.append((plain.replace(" ", "-"), plain))
            cells.append(cell)
        elif cell.cell_type == "code":
            if tags & HIDDEN_OUTPUT_TAGS:
                continue
            outputs = [o for o in (_clean_output(o) for o in _coalesce(cell.get("outputs", [])))
                       if o]
            for output in outputs:
                if output.get("output_type") in ("display_data", "execute_result"):
                    data = output.get("data", {})
                    if "image/png" in data and "text/html" not in data and not \
                            output.get("metadata", {}).get("image/png", {}).get("alt"):
                        missing_alt += 1
            cell.outputs = outputs
            cell.source = ""
            if outputs:
                cells.append(cell)
    nb.cells = cells
    return nb, {"title": title, "toc": toc, "missing_alt": missing_alt}


def warm_up() -> None:
    """Load nbconvert and everything its first conversion imports (markdown, HTML parser),
    by rendering a tiny notebook; the runner calls this while the kernel works."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    tiny = new_notebook(cells=[
        new_markdown_cell("# Uppvärmning\n\n## Avsnitt\n\nText med [länk](https://example.org)."),
        new_code_cell("", outputs=[new_output("display_data", data={"text/html": "<p>x</p>",
                                                                    "text/plain": "x"})]),
    ])
    render_notebook(tiny, {}, "")


@functools.lru_cache(maxsize=1)
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="briefing",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("strip_ansi", _strip_ansi)
    exporter.template  # compile now (the template is cached on the exporter)
    return exporter


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text or "")


PRIVATE_PREFIXES = ("mask_", "private_")


def is_private_parameter(name: str) -> bool:
    """Parameters named ``mask_*`` or ``private_*`` (e.g. names to mask) are never shown."""
    return name.startswith(PRIVATE_PREFIXES)


class ProvenanceInput(NamedTuple):
    """An input file as the provenance lists it: ``path, size, digest`` as the manifest
    has them (``size`` in bytes), and the size as a reader reads it."""

    path: str
    size: Any
    digest: str

    @property
    def size_text(self) -> str:
        """``"259,9 kB"`` (:func:`research.report.formatting.format_file_size`); a size
        that is no byte count is shown as the manifest has it."""
        try:
            return format_file_size(self.size)
        except (TypeError, ValueError):
            return str(self.size)

    @property
    def size_exact(self) -> str:
        """``"259 864 byte"``, for the size's title (the exact count is also in
        ``manifest.json``)."""
        try:
            return format_byte_count(self.size)
        except (TypeError, ValueError):
            return str(self.size)


def _provenance(manifest: Mapping[str, Any]) -> dict[str, Any]:
    facts = []
    if manifest.get("notebook"):
        facts.append(("Notebook", str(manifest["notebook"])))
    if manifest.get("run_id"):
        facts.append(("Körning", str(manifest["run_id"])))
    if manifest.get("parameter_set") or manifest.get("label"):
        facts.append(("Parameteruppsättning",
                      str(manifest.get("parameter_set") or manifest.get("label"))))
    if manifest.get("started"):
        facts.append(("Startad", str(manifest["started"])))
    if manifest.get("duration_seconds") is not None:
        seconds = float(manifest["duration_seconds"])
        facts.append(("Körtid", f"{seconds:.1f} s".replace(".", ",")))
    git = manifest.get("git") or {}
    if git.get("commit"):
        facts.append(("Version (git)", git["commit"][:12] + (" med lokala ändringar" if git.get("dirty") else "")))
    versions = manifest.get("versions") or {}
    if versions:
        facts.append(("Programvara", ", ".join(f"{k} {v}" for k, v in versions.items())))
    parameters = [(k, "(dolt)" if is_private_parameter(k) else
                   json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
                  for k, v in (manifest.get("parameters") or {}).items()]
    inputs = [ProvenanceInput(i.get("path", ""), i.get("size", ""), i.get("sha256") or "")
              for i in manifest.get("inputs") or []]
    limit = 40
    return {"facts": facts, "parameters": parameters, "inputs": inputs[:limit],
            "inputs_more": max(0, len(inputs) - limit)}


def briefing_context(manifest: Mapping[str, Any] | None, learned: Mapping[str, Any],
                     info: Mapping[str, str], notebook_stem: str,
                     notebook_metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template's header, banner and provenance need (the kind's name from
    the manifest, else from the notebook's own ``metadata.research``)."""
    manifest = manifest or {}
    declared = manifest.get("notebook_info") or notebook_kind(notebook_metadata, notebook_stem)
    kind = declared.get("kind") or notebook_kind(None, notebook_stem)["kind"]
    title = info.get("title") or learned.get("title") or kind
    started = manifest.get("started")
    date_text = format_date(started[:10]) if started else format_date(dt.date.today())
    label = manifest.get("label")
    label_text = str(manifest.get("parameter_set_label") or "")
    meta = [("Datum", date_text)]
    if info.get("period"):
        meta.append(("Period", info["period"]))
    if label_text:  # the set's name for readers ('label:' in its parameter file)
        meta.append(("Variant", label_text))
    failed = manifest.get("status") == "failed"
    failure_text = ""
    if failed:
        error = manifest.get("error") or {}
        cell = error.get("cell_index")
        where = f"i cell {cell + 1}" if isinstance(cell, int) else "under körningen"
        failure_text = f"Ett fel uppstod {where}: {error.get('name', 'Fel')}: {error.get('message', '')}"
    return {
        "title": title,
        "kind": kind,
        "kunskapshus": info.get("kunskapshus", ""),
        "label_text": label_text,
        "meta": meta,
        "toc": learned.get("toc", []),
        "failed": failed,
        "failure_text": failure_text,
        "provenance": _provenance(manifest) if manifest else None,
        "generated": date_text,
        "run_id": manifest.get("run_id", ""),
    }


def render_notebook(nb: nbformat.NotebookNode, manifest: Mapping[str, Any] | None = None,
                    notebook_stem: str = "") -> tuple[str, dict[str, Any]]:
    """Render an executed notebook to briefing HTML; returns the HTML and what was learned."""
    info = read_briefing_info(nb)
    prepared, learned = prepare(nb)
    resources = {
        "briefing": briefing_context(manifest, learned, info, notebook_stem, nb.get("metadata")),
        "briefing_css": (TEMPLATES / "research.css").read_text(encoding="utf-8"),
    }
    body, _ = _exporter().from_notebook_node(prepared, resources=resources)
    learned = dict(learned, title=resources["briefing"]["title"], info=info)
    return body, learned


def read_executed(path: Path) -> nbformat.NotebookNode:
    """Read an executed notebook as nbformat itself would (multi-line text stored on disk as
    lists of lines is joined, transient fields dropped), without re-validating it against
    the schema: papermill wrote it, and validation costs more than the rest of rendering."""
    import nbformat

    nb = nbformat.reader.reads(path.read_text(encoding="utf-8"))
    if nb.get("nbformat") != 4:
        nb = nbformat.convert(nb, 4)
    return nb


def render(run_dir: str | Path, notebook: nbformat.NotebookNode | None = None) -> Path:
    """(Re-)render ``briefing.html`` of a run directory from its executed notebook
    (``notebook``: that notebook, already read by the caller)."""
    run_dir = Path(run_dir)
    source = run_dir / "notebook.ipynb"
    if not source.is_file():
        raise InputDataError(f"No executed notebook in {run_dir}.",
                             hint="give a run directory made by 'research run' "
                                  "(reports/runs/<notebook>/<run-id>/)", file=str(source))
    try:
        nb = notebook if notebook is not None else read_executed(source)
    except Exception as exc:
        raise InputDataError(f"Cannot read {source}: {exc}", file=str(source)) from exc
    manifest = read_manifest(run_dir)
    stem = (manifest or {}).get("notebook_stem") or run_dir.parent.name
    body, _ = render_notebook(nb, manifest, stem)
    target = run_dir / "briefing.html"
    write_text_atomic(target, body)
    return target
