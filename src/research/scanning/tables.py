"""The briefing's tables: new items, story groups, source health, theme trends.

Each table exists twice where readers see it: the machine-readable frame that becomes a
``tables/*.csv`` (English column names, theme keys) and a ``swedish_*`` view with Swedish
column names for the briefing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..report.formatting import format_number
from .sources import status_table
from .themes import NO_THEME, Taxonomy, format_evidence

__all__ = [
    "new_items_table",
    "new_items_by_theme",
    "story_table",
    "sources_table",
    "format_p",
    "KIND_LABELS",
    "STATUS_LABELS",
    "swedish_sources",
    "swedish_themes",
    "swedish_terms",
    "swedish_stories",
    "themes_csv",
    "swedish_classifier",
]


def new_items_table(items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """``new_items.csv``: item_id, title, source, published, url, themes, story_id, evidence
    (then ``vetoed_themes``, the taxonomy's themes a check took away, and
    ``predicted_themes``, a local classifier's, when there are such)."""
    frame = pd.DataFrame({
        "item_id": items["item_id"],
        "title": items["title"].fillna(""),
        "source": items["source"],
        "published": pd.to_datetime(items["date"], utc=True).dt.strftime("%Y-%m-%d"),
        "url": items["url"].where(items["url"].notna(), ""),
        "themes": ["; ".join(t) for t in items["themes"]],
        "story_id": items["story_id"],
        "evidence": [format_evidence(e, taxonomy) for e in items["evidence"]],
    })
    if "vetoed" in items:  # themes of the taxonomy the classifier's check took away
        frame["vetoed_themes"] = ["; ".join(t) for t in items["vetoed"]]
    if "predicted_themes" in items:
        frame["predicted_themes"] = ["; ".join(t) for t in items["predicted_themes"]]
    return frame.sort_values(["published", "title"], ascending=[False, True]) \
        .reset_index(drop=True)


def new_items_by_theme(new_items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """New items listed under each of their themes, with Swedish column names.

    Items without a theme come last under "Övrigt (inget tema)". ``Belägg`` lists the
    words that gave the item this theme. The URL column ``Länk`` is meant as the link
    target of ``Rubrik`` (it is hidden when shown that way).
    """
    if new_items.empty:
        return pd.DataFrame(columns=["Tema", "Rubrik", "Belägg", "Källa", "Publicerad",
                                     "Länk"])
    exploded = new_items.assign(theme=new_items["themes"].astype(str).str.split("; ")) \
        .explode("theme")
    exploded["theme"] = exploded["theme"].replace("", NO_THEME).fillna(NO_THEME)
    order = {k: i for i, k in enumerate([*taxonomy.keys, NO_THEME])}
    exploded["order"] = exploded["theme"].map(order).fillna(len(order))
    exploded = exploded.sort_values(["order", "published", "title"],
                                    ascending=[True, False, True])
    labels = exploded["theme"].map(taxonomy.label)
    evidence = [_evidence_of(text, label) for text, label in zip(exploded["evidence"], labels)] \
        if "evidence" in exploded else [""] * len(exploded)
    return pd.DataFrame({
        "Tema": labels,
        "Rubrik": exploded["title"],
        "Belägg": evidence,
        "Källa": exploded["source"],
        "Publicerad": exploded["published"],
        "Länk": exploded["url"],
    }).reset_index(drop=True)


def _evidence_of(evidence: object, label: str) -> str:
    """The terms for one theme label out of :func:`format_evidence`'s text."""
    for part in str(evidence or "").split("; "):
        name, _, terms = part.partition(": ")
        if name == label:
            return terms
    return ""


def story_table(items: pd.DataFrame, *, min_sources: int = 2) -> pd.DataFrame:
    """Story groups carried by at least ``min_sources`` sources.

    Stories with an item in the current period (``current``, from the items' ``in_period``)
    come first, then by number of sources. Columns: story_id, title (of the earliest
    item), sources (count), items, source_names, first_published, last_published, url,
    current.
    """
    columns = ["story_id", "title", "sources", "items", "source_names", "first_published",
               "last_published", "url", "current"]
    if items.empty:
        return pd.DataFrame(columns=columns)
    ordered = items.sort_values(["date", "item_id"])
    grouped = ordered.groupby("story_id", sort=False)
    frame = pd.DataFrame({
        "title": grouped["title"].first(),
        "sources": grouped["source"].nunique(),
        "items": grouped.size(),
        "source_names": grouped["source"].agg(lambda s: ", ".join(sorted(set(s)))),
        "first_published": grouped["date"].min().dt.strftime("%Y-%m-%d"),
        "last_published": grouped["date"].max().dt.strftime("%Y-%m-%d"),
        "url": grouped["url"].agg(lambda s: next((u for u in s if isinstance(u, str) and u), "")),
        "current": (grouped["in_period"].any() if "in_period" in ordered
                    else pd.Series(False, index=grouped.size().index)),
    }).reset_index()
    frame = frame[frame["sources"] >= min_sources]
    return frame.sort_values(["current", "sources", "items", "last_published"],
                             ascending=[False, False, False, False],
                             kind="stable")[columns].reset_index(drop=True)


def sources_table(statuses: Iterable[Any]) -> pd.DataFrame:
    """``sources.csv``: source, status, items, error (Swedish + technical cause), kind,
    category."""
    table = status_table(statuses)
    error = table["error"].fillna("")
    cause = table["cause"].fillna("")
    combined = [f"{e} ({c})" if e and c else (e or c) for e, c in zip(error, cause)]
    return pd.DataFrame({"source": table["source"], "status": table["status"],
                         "items": table["items"].astype(int), "error": combined,
                         "kind": table["kind"], "category": table["category"]})


def format_p(value: float) -> str:
    """A p-value for readers: ``"< 0,001"`` or three decimals with a decimal comma."""
    if value is None or not np.isfinite(value):
        return "–"
    return "< 0,001" if value < 0.001 else format_number(value, 3)


KIND_LABELS = {"feed": "flöde", "page": "webbsida", "folder": "mapp", "fil": "fil"}
STATUS_LABELS = {"ok": "OK", "empty": "Tom", "error": "Fel"}


def swedish_sources(sources: pd.DataFrame) -> pd.DataFrame:
    """The source health table with Swedish column names and status words."""
    return pd.DataFrame({"Källa": sources["source"],
                         "Typ": sources["kind"].map(KIND_LABELS).fillna(sources["kind"]),
                         "Status": sources["status"].map(STATUS_LABELS).fillna(sources["status"]),
                         "Poster": sources["items"], "Fel eller anmärkning": sources["error"]})


def swedish_themes(themes: pd.DataFrame) -> pd.DataFrame:
    """The theme trend table with Swedish column names."""
    return pd.DataFrame({
        "Tema": themes["label"], "Perioden": themes["current"],
        "Baslinjen": themes["baseline"], "Förväntat per period": themes["expected"].round(1),
        "Förändring (andel, ×)": themes["change"],
        "p-värde": themes["significance"].map(format_p),
        "Ökar signifikant": themes["rising"]})


def swedish_terms(terms: pd.DataFrame) -> pd.DataFrame:
    """The emerging-term table with Swedish column names."""
    return pd.DataFrame({
        "Ord (grundform)": terms["term"], "Perioden": terms["current"],
        "Baslinjen": terms["baseline"], "Förväntat per period": terms["expected"].round(1),
        "Förändring (andel, ×)": terms["change"], "G²": terms["g2"],
        "p-värde": terms["significance"].map(format_p)})


def swedish_stories(stories: pd.DataFrame) -> pd.DataFrame:
    """The story-group table with Swedish column names (``Länk`` is the link target)."""
    return pd.DataFrame({
        "Rubrik": stories["title"], "Källor": stories["sources"], "Poster": stories["items"],
        "Vilka källor": stories["source_names"], "Först": stories["first_published"],
        "Senast": stories["last_published"], "I perioden": stories["current"].astype(bool),
        "Länk": stories["url"]})


def themes_csv(themes: pd.DataFrame) -> pd.DataFrame:
    """``themes.csv``: theme (key), current, baseline, change, significance, label."""
    return themes[["theme", "current", "baseline", "change", "significance", "label"]]


def swedish_classifier(metrics: pd.DataFrame) -> pd.DataFrame:
    """Classifier metrics with Swedish column names."""
    return pd.DataFrame({"Tema": metrics["label"], "Märkta exempel": metrics["examples"],
                         "Precision": metrics["precision"], "Täckning (recall)": metrics["recall"],
                         "F1": metrics["f1"]})

