"""Texts as one integer-coded corpus, so the expensive steps run once per distinct word.

A :class:`Corpus` holds every text's tokens as ids into one vocabulary; theme matching,
MinHash signatures and emerging-term counts work on it with bulk NumPy/SciPy operations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["tokens", "Corpus", "build_corpus", "item_texts"]

_WORD = re.compile(r"[^\W\d_]+")
#: The end of a text's first sentence (its title, or the lead of a text without one).
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n")


_ONES = ["", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva",
         "tolv", "tretton", "fjorton", "femton", "sexton", "sjutton", "arton", "nitton"]
_TENS = ["", "", "tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "nittio"]
#: An age written with digits: "15-åring", "16-årig", "13–15-åringar", "20-årsåldern".
_AGE = re.compile(r"(?<!\d)(\d{1,3})\s?[-\u2010\u2011\u2013](år(?:ing|ig|sålder)\w*)")


def _number_word(n: int) -> str:
    """A Swedish number word (1–199) as written in compounds: 15 → "femton", 42 →
    "fyrtiotvå", 100 → "hundra"."""
    if n >= 100:
        return "hundra" + (_number_word(n - 100) if n > 100 else "")
    if n < 20:
        return _ONES[n]
    return _TENS[n // 10] + _ONES[n % 10]


def _age_words(match: re.Match[str]) -> str:
    n = int(match.group(1))
    return (_number_word(n) + match.group(2)) if 0 < n < 200 else match.group(0)


def tokens(text: object) -> list[str]:
    """Lower-case NFC word tokens; hyphenated words are split ("vit makt-musik" → three).

    Ages written with digits become the words a text would otherwise use ("en 15-årig
    pojke" → "femtonårig", "13–15-åringar" → "femtonåringar"), so a taxonomy can name
    them; other numbers are not words and are dropped.
    """
    return _WORD.findall(_normalised(text))


def _normalised(text: object) -> str:
    """The text as :func:`tokens` reads it: NFC, lower case, ages as words."""
    value = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    value = unicodedata.normalize("NFC", value).lower()
    if "-år" in value or "\u2013år" in value or "\u2011år" in value or "\u2010år" in value:
        value = _AGE.sub(_age_words, value)  # (the cheap test first: most texts have none)
    return value


@dataclass
class Corpus:
    """Tokens of many texts as ids into one vocabulary.

    ``token_ids`` holds all texts' tokens end to end; text ``i`` is
    ``token_ids[offsets[i]:offsets[i + 1]]``. ``leads`` (optional) holds the number of
    tokens of each text's first sentence — its title when the text is "title. body" —
    where the subject of a news item or a press release is named.
    """

    vocabulary: list[str]
    token_ids: np.ndarray
    offsets: np.ndarray
    leads: np.ndarray | None = None

    @property
    def n_texts(self) -> int:
        return len(self.offsets) - 1

    def doc_of_position(self) -> np.ndarray:
        """The text index of every token position."""
        return np.repeat(np.arange(self.n_texts), np.diff(self.offsets))

    def counts(self) -> sparse.csr_matrix:
        """Text × vocabulary matrix of occurrence counts (int32)."""
        data = np.ones(len(self.token_ids), dtype=np.int32)
        matrix = sparse.csr_matrix((data, self.token_ids, self.offsets),
                                   shape=(self.n_texts, len(self.vocabulary)))
        matrix.sum_duplicates()
        return matrix

    def presence(self) -> sparse.csr_matrix:
        """Binary text × vocabulary matrix."""
        data = np.ones(len(self.token_ids), dtype=np.int8)
        matrix = sparse.csr_matrix((data, self.token_ids, self.offsets),
                                   shape=(self.n_texts, len(self.vocabulary)))
        matrix.sum_duplicates()
        matrix.data[:] = 1
        return matrix


def build_corpus(texts: Iterable[object]) -> Corpus:
    """Tokenise texts (lower-case letters, NFC) into a :class:`Corpus`, with the length of
    each text's first sentence (:attr:`Corpus.leads`)."""
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    leads: list[int] = []
    setdefault = vocabulary.setdefault
    findall, sentence_end = _WORD.findall, _SENTENCE_END.search
    for text in texts:
        value = _normalised(text)
        words = findall(value)
        ids.extend([setdefault(t, len(vocabulary)) for t in words])
        offsets.append(len(ids))
        end = sentence_end(value)
        leads.append(len(words) if end is None else len(findall(value, 0, end.start())))
    return Corpus(list(vocabulary), np.asarray(ids, dtype=np.int64),
                  np.asarray(offsets, dtype=np.int64), np.asarray(leads, dtype=np.int64))


def item_texts(items: pd.DataFrame) -> list[str]:
    """Title and body of each item joined into one text (what themes and dedup read)."""
    title = items.get("title", pd.Series("", index=items.index)).fillna("").astype(str)
    body = items.get("text", pd.Series("", index=items.index)).fillna("").astype(str)
    summary = items.get("summary", pd.Series("", index=items.index)).fillna("").astype(str)
    body = body.where(body.str.len() > 0, summary)
    return (title + ". " + body).tolist()

