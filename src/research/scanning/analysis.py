"""The pure analysis of one window of archived items: themes, stories, trends, terms."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .check import ThemeCheck
from .corpus import build_corpus, item_texts
from .stories import group_stories, story_ids
from .themes import Taxonomy, match_themes
from .trends import Window, emerging_terms, theme_trends, weekly_counts

__all__ = ["analyse_items"]


def analyse_items(items: pd.DataFrame, taxonomy: Taxonomy, window: Window, *,
                  new_ids: Iterable[str] = (), seed: int = 1,
                  check: ThemeCheck | None = None) -> dict[str, pd.DataFrame]:
    """Themes, stories, trends and emerging terms for archived items (pure function).

    ``items`` are the items of the baseline and current periods (``item_id``, ``title``,
    ``text``, ``source``, ``published``; ``first_seen`` used when ``published`` is empty).
    With ``check`` the taxonomy's themes are checked by a classifier (:mod:`.check`)
    before anything is counted.
    """
    items = items.reset_index(drop=True).copy()
    dates = pd.to_datetime(items["published"], utc=True)
    if "first_seen" in items:
        dates = dates.fillna(pd.to_datetime(items["first_seen"], utc=True))
    items["date"] = dates
    texts = item_texts(items)
    corpus = build_corpus(texts)
    matched = match_themes(corpus, taxonomy)
    if check is not None:
        matched = check.apply(matched, texts, taxonomy)
    items = pd.concat([items, matched], axis=1)
    groups = group_stories(corpus, seed=seed, dates=dates) if len(items) \
        else np.zeros(0, dtype=np.int64)
    items["story_id"] = story_ids(items, groups) if len(items) else pd.Series(dtype=str)
    new = set(new_ids)
    items["is_new"] = items["item_id"].isin(new)
    items["in_period"] = (dates > window.start) & (dates <= window.end)
    trends = theme_trends(matched, dates, window, taxonomy)
    terms = emerging_terms(corpus, dates, window)
    weekly = weekly_counts(matched, dates, window, taxonomy.keys)
    return {"items": items, "themes": trends, "emerging_terms": terms, "weekly": weekly}

