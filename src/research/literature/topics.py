"""The literature map: records per year and language, frequent sources, authors and keywords,
and NMF topics over lemmatised titles and abstracts (pure tables, no plotting)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputDataError, ParameterError
from ..text.core import content_tokens
from .fields import parse_authors

__all__ = [
    "records_per_year",
    "top_sources",
    "top_authors",
    "top_keywords",
    "LANGUAGE_NAMES",
    "language_split",
    "TopicResult",
    "ACADEMIC_STOP_WORDS",
    "fit_topics",
    "topic_trends",
]


def records_per_year(records: pd.DataFrame) -> pd.DataFrame:
    """Number of records per publication year and language (``år``, ``språk``, ``antal``)."""
    frame = records.dropna(subset=["year"])
    table = frame.groupby(["year", "language"]).size().unstack(fill_value=0)
    table.index = table.index.astype(int)
    table.index.name = "år"
    table["totalt"] = table.sum(axis=1)
    return table.reset_index()


def _top(values: Iterable[str], n: int, label: str) -> pd.DataFrame:
    series = pd.Series([v for v in values if v])
    if series.empty:
        return pd.DataFrame(columns=[label, "antal"])
    counts = series.value_counts().head(n)
    return pd.DataFrame({label: counts.index, "antal": counts.to_numpy()})


def top_sources(records: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Most frequent journals/sources."""
    return _top(records["source"].fillna(""), n, "källa")


def top_authors(records: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Most frequent authors (as written in the exports)."""
    names = [a for value in records["authors"].fillna("") for a in parse_authors(value)]
    return _top(names, n, "författare")


def top_keywords(records: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Most frequent keywords (case-folded)."""
    words = [k.strip().lower() for value in records["keywords"].fillna("")
             for k in value.split(";")]
    return _top(words, n, "nyckelord")


LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska", "no": "norska", "da": "danska",
                  "de": "tyska", "fi": "finska", "fr": "franska", "": "okänt"}


def language_split(records: pd.DataFrame) -> pd.DataFrame:
    """Records per language with share."""
    counts = records["language"].fillna("").map(lambda c: LANGUAGE_NAMES.get(c, c)) \
        .value_counts()
    return pd.DataFrame({"språk": counts.index, "antal": counts.to_numpy(),
                         "andel": (counts.to_numpy() / max(1, counts.sum())).round(3)})


@dataclass
class TopicResult:
    """NMF topics: the topic table, the record → topic weights and the dominant topic."""

    topics: pd.DataFrame
    weights: np.ndarray
    dominant: np.ndarray


# generic words of scientific abstracts that say nothing about the topic
ACADEMIC_STOP_WORDS = frozenset("""
    studie studien studier studium handla syfte syftet resultat resultaten visa tyda
    slutsats artikel
    artikeln diskutera data metod analys behov behövs finnas person informant enkät
    study studies aim result results show suggest conclusion article discuss data method
    analysis need use used using paper research finding findings indicate respondent
    participant informant survey interview concern
    """.split())


def _lemmatised(records: pd.DataFrame) -> list[str]:
    texts = []
    for title, abstract, language in zip(records["title"].fillna(""),
                                         records["abstract"].fillna(""),
                                         records["language"].fillna("")):
        lang = "en" if language == "en" else "sv"
        tokens = content_tokens(f"{title} {abstract}", lang=lang)
        texts.append(" ".join(t for t in tokens if t not in ACADEMIC_STOP_WORDS))
    return texts


def fit_topics(records: pd.DataFrame, n_topics: int = 6, *, seed: int = 0,
               n_terms: int = 8, n_titles: int = 3) -> TopicResult:
    """NMF topics over lemmatised title + abstract (TF-IDF, Swedish/English stop words).

    Returns a table with ``ämne`` (1..k), ``etikett`` (three top terms), ``toppord``,
    ``antal`` (records whose dominant topic it is) and ``representativa titlar``.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(n_topics, (int, np.integer)) or n_topics < 1:
        raise ParameterError(f"n_topics must be a positive integer, got {n_topics!r}.",
                             parameter="n_topics")
    if len(records) < n_topics * 2:
        raise ParameterError(f"Too few records ({len(records)}) for {n_topics} topics.",
                             hint="lower n_topics", parameter="n_topics")
    texts = _lemmatised(records)
    vectorizer = TfidfVectorizer(analyzer=str.split, min_df=2, max_df=0.6, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError as error:
        raise InputDataError("Too little text for topics.", hint="lower n_topics") from error
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = np.asarray(vectorizer.get_feature_names_out())
    dominant = weights.argmax(axis=1)
    rows = []
    for k, component in enumerate(model.components_):
        top = terms[np.argsort(component)[::-1][:n_terms]].tolist()
        best = np.argsort(weights[:, k])[::-1][:n_titles]
        rows.append({
            "ämne": k + 1, "etikett": ", ".join(top[:3]), "toppord": ", ".join(top),
            "antal": int((dominant == k).sum()),
            "representativa titlar": " | ".join(records["title"].iloc[best].tolist()),
        })
    return TopicResult(pd.DataFrame(rows), weights, dominant)


def topic_trends(records: pd.DataFrame, topics: TopicResult) -> pd.DataFrame:
    """Records per year and dominant topic (wide: ``år`` + one column per topic label)."""
    labels = topics.topics.set_index("ämne")["etikett"]
    frame = pd.DataFrame({"år": records["year"].to_numpy(),
                          "ämne": [f"{k + 1}: {labels[k + 1]}" for k in topics.dominant]})
    frame = frame.dropna(subset=["år"])
    table = frame.groupby(["år", "ämne"]).size().unstack(fill_value=0)
    table.index = table.index.astype(int)
    return table.reset_index()
