"""Free-text answers: masked for identifiers first, then themes (Swedish lemmas,
TF-IDF, NMF) with counts and typical quotes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .disclosure import MARKER, mask_text

__all__ = [
    "Themes",
    "mask_answers",
    "free_text_themes",
    "tokenize_words",
]


@dataclass
class Themes:
    """Themes of free-text answers.

    Attributes
    ----------
    table
        One row per theme: ``Tema`` (label from top terms), ``Nyckelord``, ``Antal svar``
        (suppressed under ``min_cell``), ``Citat`` (masked quotes).
    assignments
        The dominant theme of each answer (−1: no theme), aligned with the answers.
    n_answers
        Non-empty answers analysed.
    """

    table: pd.DataFrame
    assignments: np.ndarray
    n_answers: int


def mask_answers(answers: Iterable[Any], names: Iterable[str] = ()) -> list[str | None]:
    """Mask personal identifiers (see :func:`research.survey.disclosure.mask_text`) in every
    answer; empty answers become None."""
    names = list(names)
    out: list[str | None] = []
    for answer in answers:
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            out.append(None)
            continue
        text = str(answer).strip()
        out.append(mask_text(text, names) if text else None)
    return out


def free_text_themes(answers: Sequence[Any], *, n_themes: int = 5, names: Iterable[str] = (),
                     quotes: int = 2, min_cell: int = 5, seed: int = 0,
                     max_quote_chars: int = 240) -> Themes:
    """Themes of open answers: Swedish lemmas without stop words, TF-IDF, NMF.

    Answers are masked for personal identifiers *before* anything else, so neither the
    keywords nor the quotes can hold a personnummer, phone number, e-mail address or a
    listed name. A theme with fewer than ``min_cell`` answers shows no count and no quote.

    Parameters
    ----------
    answers
        The open answers (None/NaN/empty are skipped).
    n_themes
        Number of themes (reduced when there are few answers).
    names
        Names to mask in quotes (e.g. staff or places that identify someone).
    quotes
        Quotes per theme: the answers most typical of it.
    seed
        NMF initialisation seed.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..text.core import content_tokens

    masked = mask_answers(answers, names)
    positions = [i for i, a in enumerate(masked) if a]
    texts = [masked[i] for i in positions]
    assignments = np.full(len(masked), -1)
    columns = ["Tema", "Nyckelord", "Antal svar", "Citat"]
    if len(texts) < 3:
        return Themes(pd.DataFrame(columns=columns), assignments, len(texts))
    # placeholders such as [telefonnummer] are not themes
    docs = [" ".join(t for t in content_tokens(re.sub(r"\[[^\]]+\]", " ", text))) for text in texts]
    vectorizer = TfidfVectorizer(min_df=2 if len(texts) >= 20 else 1, max_df=0.9,
                                 token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:
        return Themes(pd.DataFrame(columns=columns), assignments, len(texts))
    k = max(1, min(n_themes, matrix.shape[0] // 3, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = np.array(vectorizer.get_feature_names_out())
    dominant = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    assignments[positions] = dominant
    rows = []
    for theme in range(k):
        top = terms[np.argsort(model.components_[theme])[::-1][:6]]
        members = np.flatnonzero(dominant == theme)
        count = len(members)
        order = members[np.argsort(weights[members, theme])[::-1]]
        chosen = _distinct_quotes([texts[i] for i in order], quotes, max_quote_chars)
        small = count < min_cell
        rows.append({"Tema": ", ".join(top[:3]), "Nyckelord": ", ".join(top),
                     "Antal svar": MARKER if small else count,
                     "Citat": "" if small else " | ".join(f"”{q}”" for q in chosen),
                     "_count": count})
    table = pd.DataFrame(rows).sort_values("_count", ascending=False).drop(columns="_count")
    return Themes(table.reset_index(drop=True), assignments, len(texts))


def _distinct_quotes(candidates: Sequence[str], count: int, limit: int) -> list[str]:
    """The first ``count`` candidates that do not repeat an earlier one (same opening
    words or ≥ 80 % similar, rapidfuzz), shortened to ``limit`` characters."""
    from rapidfuzz import fuzz

    chosen: list[str] = []
    for text in candidates:
        opening = " ".join(tokenize_words(text)[:5])
        if any(opening == " ".join(tokenize_words(c)[:5]) or fuzz.ratio(text, c) >= 80
               for c in chosen):
            continue
        chosen.append(text)
        if len(chosen) == count:
            break
    return [_shorten(text, limit) for text in chosen]


def tokenize_words(text: str) -> list[str]:
    """Lower-case words of ``text`` (see :func:`research.text.tokenize`)."""
    from ..text.core import tokenize

    return tokenize(text)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"

