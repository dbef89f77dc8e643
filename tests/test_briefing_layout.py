"""Every shipped briefing and the catalogue, as a coordinator reads them: on a 360 px phone,
at 1280 px and printed on A4 (headless Chromium). Measured, not eyeballed:

- the smallest rendered figure text (≥ 11 CSS px at 360 px, ≥ 12 CSS px at 1280 px), in every
  figure of every briefing, and figure numbers in Swedish format (decimal comma, minus sign);
- the first finding of "Sammanfattning" on the first 360 × 780 screen;
- tables show the columns that fit before sideways scrolling (no table scrolls at 360 px);
- every mention of "CSV" is a link to a CSV file published beside the briefing;
- printed, nothing reaches beyond the A4 text width; the PDF is tagged, Swedish, titled;
- axe-core finds no WCAG 2.1 A/AA violation at either width.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from browser import (A4_CONTENT_WIDTH_PX, axe_violations, csv_link_problems,
                     measure_layout, print_overflow, require_browser)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
MIN_TEXT = {360: 11.0, 1280: 12.0}
# figure text that is no Swedish number: a decimal point, or a hyphen-minus before a digit
FIGURE_TEXT_SCRIPT = r"""
() => [...document.querySelectorAll('figure svg text, figure svg tspan')]
  .filter(t => t.getClientRects().length && t.children.length === 0)
  .map(t => t.textContent.trim())
  .filter(t => /\d\.\d/.test(t) || /(^|[\s(\[])-\d/.test(t))
"""


OUTCOMES: dict[str, str] = {}  # parameter set → "ok", the run's error, or "withheld"


@pytest.fixture(scope="module")
def site(shipped_runs) -> Path:
    """Every notebook with every shipped parameter set, published (PDFs printed): the
    session's shared runs (tests/conftest.py), read-only."""
    require_browser()
    report = shipped_runs.published()
    for name, outcome in shipped_runs.runs().items():
        OUTCOMES[name] = "ok" if outcome.succeeded else f"failed: {outcome.error}"
        if outcome.run_dir.name in report.withheld_runs:
            OUTCOMES[name] = "withheld: " + "; ".join(m for m in report.messages
                                                    if outcome.run_dir.name in m)[:300]
    return report.site


def _briefings(site: Path) -> list[Path]:
    import re

    index = (site / "index.html").read_text(encoding="utf-8")
    return [site / h for h in sorted(set(re.findall(r'href="(briefings/[^"]+/index\.html)"',
                                                     index)))]


def test_every_good_sample_run_is_published(site: Path) -> None:
    """Sample runs that fail or that publishing withholds are other modules' business
    (test_notebooks, the disclosure audit); every other one must be on the site."""
    published = {"/".join(p.relative_to(site).parts[1:3]) for p in _briefings(site)}
    assert published, f"nothing was published: {OUTCOMES}"
    good = {name for name, outcome in OUTCOMES.items() if outcome == "ok"}
    assert good <= published, {n: OUTCOMES[n] for n in good - published}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_briefings_read_on_phone_and_desktop(site: Path, chromium, viewport: dict) -> None:
    problems = []
    for path in _briefings(site):
        name = "/".join(path.relative_to(site).parts[1:3])
        page = chromium.new_page(viewport=viewport)
        page.goto(path.resolve().as_uri())
        m = measure_layout(page)
        width = viewport["width"]
        if not m["svgCount"]:
            problems.append(f"{name}: no figure text measured (every briefing has figures)")
        if m["svgMin"] is not None and m["svgMin"] < MIN_TEXT[width] - 0.05:
            problems.append(f"{name}: figure text {m['svgMin']:.1f} px "
                            f"({m['svgMinText']!r}) at {width} px")
        problems += [f"{name}: figure text {t!r} is not in Swedish number format"
                     for t in page.evaluate(FIGURE_TEXT_SCRIPT)]
        assert not m["images"], f"{name}: raster figures {m['images']}"
        if width == 360:
            assert m["scrollWidth"] <= 360, f"{name}: page is {m['scrollWidth']} px wide"
            if m["firstFinding"] is None:
                problems.append(f"{name}: no first finding under 'Sammanfattning'")
            elif m["firstFinding"] > viewport["height"]:
                problems.append(f"{name}: first finding ends at {m['firstFinding']:.0f} px")
            problems += [f"{name}: table {t['caption']!r} scrolls sideways "
                         f"({t['fit']} of {t['rendered']} columns fit)"
                         for t in m["tables"] if t["scrolls"]]
        problems += [f"{name}: {p}" for p in csv_link_problems(path, m["csv"])]
        violations = axe_violations(page)
        problems += [f"{name}: axe {v['id']} {v['nodes'][:1]}" for v in violations]
        page.close()
    assert problems == [], "\n".join(problems)


def test_printed_briefings_fit_the_page(site: Path, chromium) -> None:
    problems = []
    for path in _briefings(site):
        page = chromium.new_page(viewport={"width": A4_CONTENT_WIDTH_PX, "height": 1000})
        page.goto(path.resolve().as_uri())
        overflow = print_overflow(page)
        if overflow["overflow"] > 2:
            problems.append(f"{path.relative_to(site)}: {overflow}")
        page.close()
    assert problems == [], "\n".join(problems)


def test_published_pdf_is_a4_tagged_swedish_and_titled(site: Path) -> None:
    from pypdf import PdfReader

    pdfs = sorted(site.glob("briefings/*/*/*/briefing.pdf"))
    assert len(pdfs) == len(_briefings(site))
    index = (site / "index.html").read_text(encoding="utf-8")
    for pdf in pdfs:
        reader = PdfReader(io.BytesIO(pdf.read_bytes()))
        root = reader.trailer["/Root"]
        assert root.get("/Lang") == "sv" and root.get("/MarkInfo", {}).get("/Marked")
        assert reader.metadata.title and "default" not in reader.metadata.title
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
        first = reader.pages[0].extract_text()
        assert reader.metadata.title[:30] in first.replace("\n", " ")  # running header
        assert f'href="{pdf.relative_to(site).as_posix()}"' in index


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_catalogue_pages_are_accessible_and_fit(site: Path, chromium, viewport: dict) -> None:
    pages = [site / "index.html", site / "arkiv.html", *sorted(site.glob("kunskapshus-*.html")),
             *sorted(site.glob("typ-*.html"))]
    assert any("kunskapshus-" in p.name for p in pages) and any("typ-" in p.name for p in pages)
    for path in pages:
        page = chromium.new_page(viewport=viewport)
        page.goto(path.resolve().as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        # no word broken inside a card's label ("Kunskapshu s:")
        broken = page.evaluate("""() => [...document.querySelectorAll('.entry dt')].filter(dt => {
            const words = document.createRange();
            words.selectNodeContents(dt);
            return words.getClientRects().length > 1;  // the label runs over two lines
        }).map(dt => dt.textContent)""")
        assert broken == [], (path.name, broken)
        assert axe_violations(page) == [], path.name
        page.close()
