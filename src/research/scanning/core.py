"""Horizon scanning (omvärldsbevakning): themes, story groups and emerging signals.

The analysis works on a :class:`Corpus` — every item's tokens as integer ids into one
vocabulary — so that the expensive steps run once per *distinct word* or in bulk NumPy
operations rather than once per item:

- **themes** (:func:`match_themes`): each vocabulary word is matched once against the
  taxonomy, by Swedish/English lemma (simplemma), by the ``-ism/-ist/-istisk`` word family
  ("extremister" → "extremism") and by compound parts ("extremistmiljöerna" →
  "extremism" + "miljö"); multi-word terms match as lemma sequences. Every assigned theme
  carries the matched terms as evidence.
- **story groups** (:func:`group_stories`): near-duplicates — the same story from several
  sources, lightly edited — are found with MinHash signatures over word shingles and
  locality-sensitive hashing (banding), which is sub-quadratic; items published more
  than 14 days apart are not joined. Signatures are computed for all items at once with
  NumPy — the same estimator as ``datasketch.MinHash`` (the tests compare them), but
  datasketch's per-item Python loop took ≈ 7 s for 100,000 items where a TF-IDF fit of the
  same texts took ≈ 2 s (see ``benchmarks/README.md``).
- **emerging themes and terms** (:func:`theme_trends`, :func:`emerging_terms`): Dunning's
  log-likelihood ratio G² on the 2×2 table (items with / without the theme or term, in the
  current period / in the baseline), p-value from χ²(1), Bonferroni-corrected, with a
  minimum count. It compares *shares* of items, so a week with more items overall does not
  make every theme "rise".

:func:`run_scan` ties it together with :mod:`research.sources` and
:mod:`research.archive`; the remaining functions build the briefing's tables, summary and
figures.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import sparse
from scipy.stats import chi2

from .archive import Archive, RunRecord
from ..errors import ConfigError, ParameterError
from ..report.formatting import format_date, format_number, to_date
from ..paths import resolve
from ..report.display import attach_alt
from .sources import load_sources, read_sources, status_table
from ..text.core import STOP_WORDS, lemma

__all__ = [
    "NO_THEME",
    "NO_THEME_LABEL",
    "OKABE_ITO",
    "MARKERS",
    "word_key",
    "split_compound",
    "Theme",
    "Taxonomy",
    "load_taxonomy",
    "Corpus",
    "build_corpus",
    "item_texts",
    "match_themes",
    "assign_themes",
    "format_evidence",
    "minhash_signatures",
    "estimated_jaccard",
    "group_stories",
    "story_ids",
    "log_likelihood",
    "Window",
    "theme_trends",
    "emerging_terms",
    "weekly_counts",
    "ScanResult",
    "analyse",
    "run_scan",
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
    "summary",
    "plot_rising_themes",
    "plot_theme_overview",
    "themes_csv",
    "period_text",
    "provenance_text",
    "read_labelled_items",
    "ThemeClassifier",
    "classifier_report",
    "swedish_classifier",
    "classifier_note",
]

NO_THEME = "ovrigt"
NO_THEME_LABEL = "Övrigt (inget tema)"
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_FAMILY = re.compile(r"(?:istiska|istiskt|istisk|isterna|isten|ister|ismens|ismen|ismer|"
                     r"ism|ist|ists|isms)$")
_MIN_COMPOUND = 4
_INFLECTIONS = frozenset(
    "a e n s t en et ar er or na ns ts ens ets ars ers ors arna erna orna arnas ernas ornas "
    "ande ende andet".split())


def _lower_first(label: str) -> str:
    """Lower-case a label's first letter for running text, keeping acronyms ("IOP")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


# ---------------------------------------------------------------------------------------
# word forms


@lru_cache(maxsize=200_000)
def word_key(word: str) -> str:
    """The matching key of one lower-case word: Swedish lemma, ``-ism`` family folded.

    ``"extremister"``, ``"extremistisk"`` and ``"extremismen"`` all give ``"extremism"``;
    ``"islamisk"`` (Islamic) stays apart from ``"islamism"``.
    """
    base = lemma(word, "sv")
    folded = _FAMILY.sub("ism", base)
    return folded if len(folded) >= 6 else base


@lru_cache(maxsize=200_000)
def _word_keys(word: str) -> tuple[str, ...]:
    """Keys of a word under the Swedish and the English lemmatiser."""
    keys = {word_key(word), word}
    english = lemma(word, "en")
    keys.add(_FAMILY.sub("ism", english) if len(english) >= 7 else english)
    return tuple(sorted(keys))


def split_compound(word: str, known: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """Known keys found at the start or the end of a compound word.

    ``split_compound("extremistmiljöerna", {"extremism", "miljö"})`` returns
    ``["extremism", "miljö"]``. Both parts must have at least four letters; a linking
    ``s`` and a dropped final ``a``/``e`` of the first part are handled ("skolledning" →
    "skola", "radikaliseringsprocess" → "radikalisering"), and so is a known word with
    a Swedish inflection ending the lemmatiser does not know ("spelplattformarna").
    """
    known_keys = known if isinstance(known, (set, frozenset, dict)) else set(known)
    found: list[str] = []
    for cut in range(_MIN_COMPOUND, len(word)):
        # an inflected form the lemmatiser does not know: "spelplattformarna"
        if word[cut:] in _INFLECTIONS:
            for form in (word[:cut], word[:cut] + "a", word[:cut] + "e"):
                key = word_key(form)
                for candidate in (key, form):
                    if candidate in known_keys and candidate not in found:
                        found.append(candidate)
    for cut in range(_MIN_COMPOUND, len(word) - _MIN_COMPOUND + 1):
        head, tail = word[:cut], word[cut:]
        head_forms = [head, head + "a", head + "e"]
        if head.endswith("s") and len(head) > _MIN_COMPOUND:
            head_forms.append(head[:-1])
        for form in head_forms:
            for key in (word_key(form), form):
                if key in known_keys and key not in found:
                    found.append(key)
        for key in (word_key(tail), tail):
            if key in known_keys and key not in found:
                found.append(key)
    return found


# ---------------------------------------------------------------------------------------
# taxonomy


@dataclass(frozen=True)
class Theme:
    """One theme: ASCII ``key``, Swedish ``label``, its terms and its weak terms.

    A weak term (a common word such as "unga" or "samverkan") is evidence only together
    with another term of the same theme; alone it does not assign the theme.
    """

    key: str
    label: str
    terms: tuple[str, ...]
    weak: tuple[str, ...] = ()


@dataclass
class Taxonomy:
    """A theme taxonomy with its matching tables (built by :func:`load_taxonomy`)."""

    themes: dict[str, Theme]
    single: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    compound: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], list[tuple[str, str]]] = field(default_factory=dict)
    weak: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.weak = {(t.key, term) for t in self.themes.values() for term in t.weak}
        for theme in self.themes.values():
            for term in dict.fromkeys((*theme.terms, *theme.weak)):
                words = _tokens(term)
                if not words:
                    continue
                if len(words) == 1:
                    for key in _word_keys(words[0]):
                        self.single.setdefault(key, []).append((theme.key, term))
                        if len(key) >= _MIN_COMPOUND:
                            self.compound.setdefault(key, []).append((theme.key, term))
                else:
                    self.phrases.setdefault(tuple(word_key(w) for w in words), []).append(
                        (theme.key, term))

    @property
    def keys(self) -> list[str]:
        return list(self.themes)

    def label(self, key: str) -> str:
        """Swedish label of a theme key (``"Övrigt (inget tema)"`` for none)."""
        return self.themes[key].label if key in self.themes else NO_THEME_LABEL

    def terms_of_word(self, word: str) -> tuple[tuple[str, str], ...]:
        """``(theme, term)`` pairs a single word matches, directly or as a compound."""
        return _terms_of_word(self, word)


def _terms_of_word(taxonomy: Taxonomy, word: str) -> tuple[tuple[str, str], ...]:
    cache = taxonomy.__dict__.setdefault("_word_cache", {})
    if word in cache:
        return cache[word]
    hits: list[tuple[str, str]] = []
    for key in _word_keys(word):
        hits.extend(taxonomy.single.get(key, ()))
    if not hits and len(word) >= 2 * _MIN_COMPOUND:
        for key in split_compound(word, taxonomy.compound):
            hits.extend(taxonomy.compound[key])
    result = tuple(dict.fromkeys(hits))
    cache[word] = result
    return result


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a theme taxonomy YAML (``themes: {key: {label, terms, weak}}``).

    ``weak`` (optional) lists common words that count as evidence for the theme only
    together with at least one more of its terms.

    ``None`` or an empty string loads the default shipped with the package
    (``research/data/taxonomy.yaml``).

    Raises
    ------
    ConfigError
        Missing file, invalid YAML, a theme without label or terms (naming the theme).
    """
    if path is None or str(path).strip() == "":
        text = resources.files("research").joinpath("data/taxonomy.yaml").read_text("utf-8")
        name = "research/data/taxonomy.yaml"
    else:
        target = resolve(path)
        if not target.is_file():
            raise ConfigError(f"Taxonomy not found: {target}",
                              hint="give the path of a taxonomy YAML, or leave 'taxonomy' "
                                   "empty for the shipped default",
                              file=str(target), parameter="taxonomy")
        text = target.read_bytes().decode("utf-8-sig", errors="replace")
        name = str(target)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name} is not valid YAML: {exc}",
                          hint="check indentation and brackets", file=name) from exc
    entries = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{name} has no 'themes' mapping.",
                          hint="write 'themes:' with one 'key: {label: …, terms: […]}' per "
                               "theme", file=name)
    themes: dict[str, Theme] = {}
    for key, entry in entries.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
            raise ConfigError(f"{name}: theme key {key!r} is not lower-case ASCII.",
                              hint="use keys like 'kriminella_natverk'", file=name,
                              column=str(key))
        if not isinstance(entry, dict) or not entry.get("label") or not entry.get("terms"):
            raise ConfigError(f"{name}: theme {key!r} needs a 'label' and a list of 'terms'.",
                              hint="e.g. label: Avhoppare, terms: [avhoppare, avhopp]",
                              file=name, column=str(key))
        terms = entry["terms"]
        weak = entry.get("weak") or []
        terms = [terms] if isinstance(terms, str) else list(terms)
        weak = [weak] if isinstance(weak, str) else list(weak)
        themes[str(key)] = Theme(str(key), str(entry["label"]),
                                 tuple(str(t).strip().lower() for t in terms if str(t).strip()),
                                 tuple(str(t).strip().lower() for t in weak if str(t).strip()))
    return Taxonomy(themes)


# ---------------------------------------------------------------------------------------
# corpus


_WORD = re.compile(r"[^\W\d_]+")


def _tokens(text: object) -> list[str]:
    """Lower-case NFC word tokens; hyphenated words are split ("vit makt-musik" → three)."""
    value = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    return _WORD.findall(unicodedata.normalize("NFC", value).lower())


@dataclass
class Corpus:
    """Tokens of many texts as ids into one vocabulary.

    ``token_ids`` holds all texts' tokens end to end; text ``i`` is
    ``token_ids[offsets[i]:offsets[i + 1]]``.
    """

    vocabulary: list[str]
    token_ids: np.ndarray
    offsets: np.ndarray

    @property
    def n_texts(self) -> int:
        return len(self.offsets) - 1

    def doc_of_position(self) -> np.ndarray:
        """The text index of every token position."""
        return np.repeat(np.arange(self.n_texts), np.diff(self.offsets))

    def presence(self) -> sparse.csr_matrix:
        """Binary text × vocabulary matrix."""
        data = np.ones(len(self.token_ids), dtype=np.int8)
        matrix = sparse.csr_matrix((data, self.token_ids, self.offsets),
                                   shape=(self.n_texts, len(self.vocabulary)))
        matrix.sum_duplicates()
        matrix.data[:] = 1
        return matrix


def build_corpus(texts: Iterable[object]) -> Corpus:
    """Tokenise texts (lower-case letters, NFC) into a :class:`Corpus`."""
    vocabulary: dict[str, int] = {}
    ids: list[int] = []
    offsets = [0]
    setdefault = vocabulary.setdefault
    for text in texts:
        tokens = _tokens(text)
        ids.extend([setdefault(t, len(vocabulary)) for t in tokens])
        offsets.append(len(ids))
    return Corpus(list(vocabulary), np.asarray(ids, dtype=np.int64),
                  np.asarray(offsets, dtype=np.int64))


def item_texts(items: pd.DataFrame) -> list[str]:
    """Title and body of each item joined into one text (what themes and dedup read)."""
    title = items.get("title", pd.Series("", index=items.index)).fillna("").astype(str)
    body = items.get("text", pd.Series("", index=items.index)).fillna("").astype(str)
    summary = items.get("summary", pd.Series("", index=items.index)).fillna("").astype(str)
    body = body.where(body.str.len() > 0, summary)
    return (title + ". " + body).tolist()


# ---------------------------------------------------------------------------------------
# themes


def match_themes(corpus: Corpus, taxonomy: Taxonomy) -> pd.DataFrame:
    """Assign themes to every text of ``corpus`` with the matched terms as evidence.

    Returns
    -------
    DataFrame
        One row per text: ``themes`` (list of keys, taxonomy order), ``evidence``
        (``{key: [terms]}``) and one boolean column per theme key.
    """
    term_index: dict[tuple[str, str], int] = {}
    rows, columns = [], []
    for position, word in enumerate(corpus.vocabulary):
        for pair in _terms_of_word(taxonomy, word):
            rows.append(position)
            columns.append(term_index.setdefault(pair, len(term_index)))
    for pairs in taxonomy.phrases.values():
        for pair in pairs:
            term_index.setdefault(pair, len(term_index))
    n_terms = len(term_index)
    word_terms = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, columns)),
                                   shape=(len(corpus.vocabulary), max(n_terms, 1)))
    hits = (corpus.presence().astype(np.int32) @ word_terms).tocsr()
    phrase_hits = _phrase_hits(corpus, taxonomy, term_index, max(n_terms, 1))
    if phrase_hits is not None:
        hits = (hits + phrase_hits).tocsr()
    pairs = sorted(term_index, key=term_index.get)
    order = {key: i for i, key in enumerate(taxonomy.keys)}
    # renumber columns so that ascending column order is (theme order, term)
    ranked = sorted(range(len(pairs)), key=lambda c: (order[pairs[c][0]], pairs[c][1]))
    rank = np.empty(max(len(pairs), 1), dtype=np.int64)
    rank[ranked] = np.arange(len(ranked))
    hits = hits.tocoo()
    hits = sparse.csr_matrix((np.ones(len(hits.data), dtype=np.int8),
                              (hits.row, rank[hits.col])), shape=hits.shape)
    hits.sum_duplicates()
    ranked_pairs = [pairs[c] for c in ranked]
    themes_column: list[list[str]] = []
    evidence_column: list[dict[str, list[str]]] = []
    indptr, indices = hits.indptr, hits.indices
    weak = taxonomy.weak
    flags = np.zeros((corpus.n_texts, len(order)), dtype=bool)
    for row in range(corpus.n_texts):
        evidence: dict[str, list[str]] = {}
        for column in indices[indptr[row]:indptr[row + 1]].tolist():
            theme, term = ranked_pairs[column]
            evidence.setdefault(theme, []).append(term)
        if weak:
            evidence = {theme: terms for theme, terms in evidence.items()
                        if len(terms) > 1 or (theme, terms[0]) not in weak}
        themes_column.append(list(evidence))
        evidence_column.append(evidence)
        for theme in evidence:
            flags[row, order[theme]] = True
    frame = pd.DataFrame({"themes": themes_column, "evidence": evidence_column})
    return pd.concat([frame, pd.DataFrame(flags, columns=taxonomy.keys)], axis=1)


def _phrase_hits(corpus: Corpus, taxonomy: Taxonomy, term_index: Mapping[tuple[str, str], int],
                 n_terms: int) -> sparse.csr_matrix | None:
    if not taxonomy.phrases or len(corpus.token_ids) == 0:
        return None
    keys = [word_key(w) for w in corpus.vocabulary]
    key_ids: dict[str, int] = {}
    vocab_key = np.asarray([key_ids.setdefault(k, len(key_ids)) for k in keys], dtype=np.int64)
    sequence = vocab_key[corpus.token_ids]
    docs = corpus.doc_of_position()
    rows, columns = [], []
    for phrase, pairs in taxonomy.phrases.items():
        ids = [key_ids.get(k) for k in phrase]
        if any(i is None for i in ids):
            continue
        length = len(ids)
        if len(sequence) < length:
            continue
        span = len(sequence) - length + 1
        mask = docs[:span] == docs[length - 1:]
        for offset, wanted in enumerate(ids):
            mask &= sequence[offset:offset + span] == wanted
        matched_docs = np.unique(docs[:span][mask])
        for pair in pairs:
            rows.extend(matched_docs.tolist())
            columns.extend([term_index[pair]] * len(matched_docs))
    if not rows:
        return None
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, columns)),
                             shape=(corpus.n_texts, n_terms))


def assign_themes(items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Convenience: :func:`match_themes` on the items' titles and texts (same index)."""
    frame = match_themes(build_corpus(item_texts(items)), taxonomy)
    frame.index = items.index
    return frame


def format_evidence(evidence: Mapping[str, Sequence[str]], taxonomy: Taxonomy) -> str:
    """Evidence as plain Swedish text: ``"Avhoppare: avhopp, exitprogram"``."""
    return "; ".join(f"{taxonomy.label(k)}: {', '.join(v)}" for k, v in evidence.items())


# ---------------------------------------------------------------------------------------
# near-duplicate story groups


def minhash_signatures(corpus: Corpus, *, num_perm: int = 64, shingle_size: int = 2,
                       max_tokens: int = 120, seed: int = 1) -> np.ndarray:
    """MinHash signatures (texts × ``num_perm``, uint32) over word shingles.

    Shingles are ``shingle_size`` consecutive words among the first ``max_tokens`` words
    of each text (a text shorter than that uses single words). Word hashes are CRC-32,
    so signatures are the same in every process; permutations are ``(a·h + b) mod p``
    with ``p = 2³¹ − 1`` and ``a, b`` drawn from ``seed``. Texts without words get the
    maximum value everywhere.
    """
    n = corpus.n_texts
    signature = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if n == 0 or len(corpus.token_ids) == 0:
        return signature
    word_hash = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in corpus.vocabulary),
                            dtype=np.uint64, count=len(corpus.vocabulary))
    hashes = word_hash[corpus.token_ids]
    docs = corpus.doc_of_position()
    position = np.arange(len(hashes)) - corpus.offsets[docs]
    lengths = np.diff(corpus.offsets)
    keep = position < max_tokens
    k = max(int(shingle_size), 1)
    parts, owner_parts = [], []
    if k > 1 and len(hashes) >= k:
        span = len(hashes) - k + 1
        combined = hashes[:span].copy()
        for offset in range(1, k):
            combined = combined * np.uint64(0x9E3779B97F4A7C15) + hashes[offset:offset + span]
        ok = (docs[:span] == docs[k - 1:]) & keep[:span]
        parts.append(combined[ok])
        owner_parts.append(docs[:span][ok])
    single = keep & (lengths[docs] < k) if k > 1 else keep
    parts.append(hashes[single])
    owner_parts.append(docs[single])
    values, owners = np.concatenate(parts), np.concatenate(owner_parts)
    order = np.argsort(owners, kind="stable")
    values, owners = values[order], owners[order]
    if len(values) == 0:
        return signature
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    present = owners[starts]
    generator = np.random.default_rng(seed)
    a = generator.integers(1, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = generator.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    shift = np.uint64(32)
    buffer = np.empty_like(values)
    columns = np.empty((num_perm, len(starts)), dtype=np.uint32)
    for column in range(num_perm):
        # multiply-shift hashing: (a·h + b mod 2⁶⁴) >> 32, a odd — no division needed
        np.multiply(values, a[column], out=buffer)
        buffer += b[column]
        buffer >>= shift
        columns[column] = np.minimum.reduceat(buffer, starts)
    signature[present] = columns.T
    return signature


def estimated_jaccard(signature: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of text pairs from their MinHash signatures."""
    return (signature[first] == signature[second]).mean(axis=1)


def group_stories(corpus: Corpus, *, threshold: float = 0.5, num_perm: int = 64,
                  bands: int = 16, shingle_size: int = 2, seed: int = 1,
                  dates: pd.Series | np.ndarray | None = None,
                  max_gap_days: float = 14.0) -> np.ndarray:
    """Group near-duplicate texts; returns a group number per text (0, 1, …).

    LSH banding: signatures are cut into ``bands`` bands of ``num_perm // bands`` rows;
    texts sharing a band are candidates, and a candidate joins its bucket's first text
    when their estimated Jaccard similarity is at least ``threshold``. Groups are the
    connected components. Cost grows with the number of texts and bucket sizes, not with
    all pairs.
    """
    if num_perm % bands:
        raise ParameterError("num_perm must be a multiple of bands.", parameter="bands")
    n = corpus.n_texts
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    signature = minhash_signatures(corpus, num_perm=num_perm, shingle_size=shingle_size,
                                   seed=seed)
    empty = np.diff(corpus.offsets) == 0
    rows = num_perm // bands
    multipliers = np.random.default_rng(seed + 7).integers(
        1, 1 << 62, size=rows, dtype=np.uint64) | np.uint64(1)
    first_all, second_all = [], []
    for band in range(bands):
        block = signature[:, band * rows:(band + 1) * rows].astype(np.uint64)
        keys = (block * multipliers).sum(axis=1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        leader = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
        members = ~starts
        if members.any():
            first_all.append(leader[members])
            second_all.append(order[members])
    if not first_all:
        return np.arange(n, dtype=np.int64)
    # duplicate pairs (found in several bands) are harmless: no np.unique needed
    pairs = np.stack([np.concatenate(first_all), np.concatenate(second_all)], axis=1)
    keep = np.zeros(len(pairs), dtype=bool)
    for chunk in range(0, len(pairs), 100_000):  # bounded memory for big buckets
        part = pairs[chunk:chunk + 100_000]
        keep[chunk:chunk + 100_000] = estimated_jaccard(signature, part[:, 0], part[:, 1]) \
            >= threshold
    keep &= ~empty[pairs[:, 0]] & ~empty[pairs[:, 1]]
    if dates is not None:
        days = pd.to_datetime(pd.Series(np.asarray(dates)), utc=True)
        days = ((days - pd.Timestamp(0, tz="UTC")).dt.total_seconds() / 86400.0).to_numpy()
        gap = np.abs(days[pairs[:, 0]] - days[pairs[:, 1]])
        keep &= ~(gap > max_gap_days)
    pairs = pairs[keep]
    graph = sparse.coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                              shape=(n, n))
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def story_ids(items: pd.DataFrame, groups: np.ndarray) -> pd.Series:
    """Stable story ids: ``"s-"`` + the item id of each group's earliest item."""
    frame = pd.DataFrame({"group": groups, "item_id": items["item_id"].to_numpy(),
                          "published": items["published"].to_numpy()})
    first = frame.sort_values(["published", "item_id"], na_position="last") \
        .groupby("group")["item_id"].first()
    return pd.Series("s-" + frame["group"].map(first).to_numpy(), index=items.index)


# ---------------------------------------------------------------------------------------
# emerging themes and terms


def log_likelihood(current: np.ndarray, current_total: int, baseline: np.ndarray,
                   baseline_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Dunning's G² and its χ²(1) p-value for counts in two periods (vectorised).

    Each count is the number of items *with* a feature among ``current_total`` and
    ``baseline_total`` items; the 2×2 table compares the shares. Matches
    ``scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")``.
    """
    a = np.asarray(current, dtype=float)
    b = np.asarray(baseline, dtype=float)
    c = current_total - a
    d = baseline_total - b
    total = current_total + baseline_total
    observed = np.stack([a, b, c, d])
    with_feature = a + b
    without = c + d
    expected = np.stack([with_feature * current_total, with_feature * baseline_total,
                         without * current_total, without * baseline_total]) / max(total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    g2 = np.maximum(2.0 * terms.sum(axis=0), 0.0)
    return g2, chi2.sf(g2, 1)


@dataclass(frozen=True)
class Window:
    """The current period ``(start, end]`` and the baseline ``(baseline_start, start]``."""

    as_of: dt.date
    end: pd.Timestamp
    start: pd.Timestamp
    baseline_start: pd.Timestamp
    period_days: int
    baseline_days: int

    @classmethod
    def make(cls, as_of: object = None, period_days: int = 7, baseline_days: int = 84) -> Window:
        """Build a window; ``as_of`` empty means today."""
        if int(period_days) < 1:
            raise ParameterError(f"period_days must be at least 1, got {period_days}.",
                                 hint="use e.g. 7 for a weekly briefing", parameter="period_days")
        if int(baseline_days) < int(period_days):
            raise ParameterError(
                f"baseline_days ({baseline_days}) must be at least period_days ({period_days}).",
                hint="use e.g. baseline_days = 84 (twelve weeks)", parameter="baseline_days")
        if as_of is None or str(as_of).strip() == "":
            date = dt.date.today()
        else:
            try:
                date = to_date(as_of)
            except ValueError as exc:
                raise ParameterError(f"as_of {as_of!r} is not a date (YYYY-MM-DD).",
                                     hint="write e.g. as_of = \"2026-11-24\" or leave it empty",
                                     parameter="as_of") from exc
        end = pd.Timestamp(date, tz="UTC") + pd.Timedelta(days=1)
        start = end - pd.Timedelta(days=int(period_days))
        return cls(date, end, start, start - pd.Timedelta(days=int(baseline_days)),
                   int(period_days), int(baseline_days))

    def bins(self, dates: pd.Series) -> pd.Series:
        """Period number of each date: 0 = current period, 1 = the one before, …"""
        delta = (self.end - dates).dt.total_seconds() / 86400.0
        return np.floor((delta - 1e-9) / self.period_days).astype("Int64")


def theme_trends(themes: pd.DataFrame, dates: pd.Series, window: Window,
                 taxonomy: Taxonomy, *, alpha: float = 0.05, min_count: int = 3) -> pd.DataFrame:
    """Theme counts in the current period vs the baseline, with the G² test.

    Columns: ``theme`` (key), ``label``, ``current``, ``baseline``, ``expected`` (baseline
    count scaled to one period), ``change`` (ratio of the current to the baseline share,
    +0.5 smoothing), ``significance`` (p-value of G²), ``g2``, ``rising`` (share up,
    p below ``alpha`` / number of themes (Bonferroni), and at least ``min_count`` items).
    """
    current_mask = ((dates > window.start) & (dates <= window.end)).to_numpy()
    baseline_mask = ((dates > window.baseline_start) & (dates <= window.start)).to_numpy()
    keys = taxonomy.keys
    matrix = themes[keys].to_numpy(dtype=bool) if len(themes) else np.zeros((0, len(keys)), bool)
    current = matrix[current_mask].sum(axis=0)
    baseline = matrix[baseline_mask].sum(axis=0)
    return _trend_table(keys, current, int(current_mask.sum()), baseline,
                        int(baseline_mask.sum()), window, alpha, min_count,
                        labels=[taxonomy.label(k) for k in keys], name="theme")


def _trend_table(names: Sequence[str], current: np.ndarray, current_total: int,
                 baseline: np.ndarray, baseline_total: int, window: Window, alpha: float,
                 min_count: int, *, labels: Sequence[str] | None, name: str,
                 correction: str = "bonferroni") -> pd.DataFrame:
    g2, p = log_likelihood(current, current_total, baseline, baseline_total)
    share_now = (current + 0.5) / (current_total + 1)
    share_before = (baseline + 0.5) / (baseline_total + 1)
    change = share_now / share_before
    candidate = (change > 1) & (np.asarray(current) >= min_count)
    significant = np.zeros(len(p), dtype=bool)
    if candidate.any():
        # tested: every feature with enough items in the period (rising or not)
        tested = np.asarray(current) >= min_count
        if correction == "fdr_bh":
            from statsmodels.stats.multitest import multipletests

            significant[tested] = multipletests(p[tested], alpha=alpha, method="fdr_bh")[0]
        else:
            significant = p < alpha / max(int(tested.sum()), 1)
    rising = candidate & significant
    if current_total == 0 or baseline_total == 0:
        rising[:] = False
    frame = pd.DataFrame({
        name: list(names),
        "current": np.asarray(current, dtype=int),
        "baseline": np.asarray(baseline, dtype=int),
        "expected": np.asarray(baseline, dtype=float) * window.period_days / window.baseline_days,
        "change": np.round(change, 2),
        "significance": p,
        "g2": np.round(g2, 2),
        "rising": rising,
    })
    if labels is not None:
        frame.insert(1, "label", list(labels))
    return frame.sort_values(["rising", "g2", name], ascending=[False, False, True],
                             kind="stable").reset_index(drop=True)


def emerging_terms(corpus: Corpus, dates: pd.Series, window: Window, *, alpha: float = 0.05,
                   min_count: int = 5, top: int = 25, groups: np.ndarray | None = None,
                   correction: str = "bonferroni") -> pd.DataFrame:
    """Words (lemmas, stop words removed) whose share of items rose in the current period.

    Same G² test as :func:`theme_trends`, corrected over all words seen at least
    ``min_count`` times in the current period: Bonferroni by default, or
    ``correction="fdr_bh"`` (Benjamini–Hochberg false discovery rate). With ``groups`` (story numbers from
    :func:`group_stories`) the counting unit is the story, dated by its first item, so
    one story carried by many sources counts once (more robust, but with a few dozen
    stories a week it rarely reaches significance). Returns the rising words, strongest
    first (at most ``top``), with columns ``term``, ``current``, ``baseline``,
    ``expected``, ``change``, ``significance``, ``g2``, ``rising``.
    """
    lemma_ids: dict[str, int] = {}
    column = np.full(len(corpus.vocabulary), -1, dtype=np.int64)
    known = set(corpus.vocabulary)
    for position, word in enumerate(corpus.vocabulary):
        if len(word) > 2 and word not in STOP_WORDS:
            base = _merge_inflection(word, known)
            if base not in STOP_WORDS and len(base) > 2:
                column[position] = lemma_ids.setdefault(base, len(lemma_ids))
    keep = column >= 0
    mapping = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int32), (np.flatnonzero(keep), column[keep])),
        shape=(len(corpus.vocabulary), max(len(lemma_ids), 1)))
    presence = corpus.presence().astype(np.int32) @ mapping
    if groups is not None and len(groups):
        codes, inverse = np.unique(np.asarray(groups), return_inverse=True)
        member = sparse.csr_matrix((np.ones(len(inverse), dtype=np.int32),
                                    (inverse, np.arange(len(inverse)))),
                                   shape=(len(codes), len(inverse)))
        presence = member @ presence
        dates = pd.Series(np.asarray(dates)).groupby(inverse).min().reset_index(drop=True)
        dates = pd.to_datetime(dates, utc=True)
    presence = sparse.csr_matrix(presence)
    presence.data[:] = 1
    current_mask = ((dates > window.start) & (dates <= window.end)).to_numpy()
    baseline_mask = ((dates > window.baseline_start) & (dates <= window.start)).to_numpy()
    current = np.asarray(presence[current_mask].sum(axis=0)).ravel()
    baseline = np.asarray(presence[baseline_mask].sum(axis=0)).ravel()
    names = sorted(lemma_ids, key=lemma_ids.get)
    table = _trend_table(names, current[:len(names)], int(current_mask.sum()),
                         baseline[:len(names)], int(baseline_mask.sum()), window, alpha,
                         min_count, labels=None, name="term", correction=correction)
    return table[table["rising"]].head(top).reset_index(drop=True)


def _merge_inflection(word: str, known: set[str]) -> str:
    """Lemma of ``word``; for a word simplemma does not know, the lemma of its shortest
    form in ``known`` that differs only by a Swedish inflection ending
    ("spelplattformarna" → "spelplattformar" when both occur)."""
    base = lemma(word, "sv")
    if base != word:
        return base
    for cut in range(max(len(word) - 5, 4), len(word)):
        if word[cut:] in _INFLECTIONS and word[:cut] in known:
            return lemma(word[:cut], "sv")
    return base


def weekly_counts(themes: pd.DataFrame, dates: pd.Series, window: Window,
                  keys: Sequence[str]) -> pd.DataFrame:
    """Items per theme in each period of the window (oldest first), for the figures.

    Index: the end date of each period; columns: theme keys plus ``total``.
    """
    bins = window.bins(dates)
    n_bins = int(np.ceil((window.baseline_days + window.period_days) / window.period_days))
    inside = bins.notna() & (bins >= 0) & (bins < n_bins)
    frame = themes.loc[inside.to_numpy(), list(keys)].astype(int)
    frame["total"] = 1
    counts = frame.groupby(bins[inside].astype(int).to_numpy()).sum()
    counts = counts.reindex(range(n_bins), fill_value=0).sort_index(ascending=False)
    counts.index = [(window.end - pd.Timedelta(days=window.period_days * int(i) + 1)).date()
                    for i in counts.index]
    counts.index.name = "period_end"
    return counts


# ---------------------------------------------------------------------------------------
# the whole scan


@dataclass
class ScanResult:
    """Everything a briefing shows, from :func:`run_scan`."""

    window: Window
    taxonomy: Taxonomy
    run: RunRecord
    first_run: bool
    items: pd.DataFrame
    new_items: pd.DataFrame
    themes: pd.DataFrame
    emerging_terms: pd.DataFrame
    stories: pd.DataFrame
    sources: pd.DataFrame
    weekly: pd.DataFrame
    archive_size: int
    classifier: pd.DataFrame = field(default_factory=pd.DataFrame)


def analyse(items: pd.DataFrame, taxonomy: Taxonomy, window: Window, *,
            new_ids: Iterable[str] = (), seed: int = 1) -> dict[str, pd.DataFrame]:
    """Themes, stories, trends and emerging terms for archived items (pure function).

    ``items`` are the items of the baseline and current periods (``item_id``, ``title``,
    ``text``, ``source``, ``published``; ``first_seen`` used when ``published`` is empty).
    """
    items = items.reset_index(drop=True).copy()
    dates = pd.to_datetime(items["published"], utc=True)
    if "first_seen" in items:
        dates = dates.fillna(pd.to_datetime(items["first_seen"], utc=True))
    items["date"] = dates
    corpus = build_corpus(item_texts(items))
    matched = match_themes(corpus, taxonomy)
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


def run_scan(sources: str | Path, archive: str | Path, taxonomy: str | Path | None = None, *,
             as_of: object = None, period_days: int = 7, baseline_days: int = 84,
             classifier_labels: str | Path | None = None, timeout: float = 20.0,
             seed: int = 1) -> ScanResult:
    """Read all sources, store new items in the archive and analyse the window.

    "New" are the items this run stored for the first time. On the very first run (an
    empty archive) everything is new, so only those published in the current period are
    listed as new; the older ones form the baseline.

    With ``classifier_labels`` (a labelled CSV, see :func:`read_labelled_items`) a
    supervised classifier is cross-validated and its predictions are added to the items
    (``predicted_themes``) next to the taxonomy's themes.
    """
    window = Window.make(as_of, period_days, baseline_days)
    theme_taxonomy = load_taxonomy(taxonomy)
    source_list = load_sources(sources)
    with Archive(archive) as store:
        states = store.http_states()
        read, statuses = read_sources(source_list, http_states=states, timeout=timeout)
        new_states = {s.source: {"etag": s.etag, "last_modified": s.last_modified}
                      for s in statuses if s.etag or s.last_modified}
        run = store.record_run(read, as_of=window.as_of, http_states=new_states)
        first_run = run.previous_run_id is None
        window_items = store.items(published_from=window.baseline_start,
                                   published_to=window.end)
        size = store.count()
    # items without a published date are placed by first_seen
    analysed = analyse(window_items, theme_taxonomy, window, new_ids=run.new_ids, seed=seed)
    items = analysed["items"]
    items = items[(items["date"] > window.baseline_start) & (items["date"] <= window.end)]
    new_mask = items["is_new"] & (items["in_period"] if first_run else True)
    metrics, predicted = classifier_report(classifier_labels, items, theme_taxonomy, seed=seed)
    if predicted is not None:
        items = items.assign(predicted_themes=predicted)
    stories = story_table(items)
    return ScanResult(
        window=window, taxonomy=theme_taxonomy, run=run, first_run=first_run,
        items=items, new_items=new_items_table(items[new_mask], theme_taxonomy),
        themes=analysed["themes"], emerging_terms=analysed["emerging_terms"],
        stories=stories, sources=sources_table(statuses), weekly=analysed["weekly"],
        archive_size=size, classifier=metrics)


# ---------------------------------------------------------------------------------------
# briefing tables


def new_items_table(items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """``new_items.csv``: item_id, title, source, published, url, themes, story_id, evidence."""
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
    if "predicted_themes" in items:
        frame["predicted_themes"] = ["; ".join(t) for t in items["predicted_themes"]]
    return frame.sort_values(["published", "title"], ascending=[False, True]) \
        .reset_index(drop=True)


def new_items_by_theme(new_items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """New items listed under each of their themes, with Swedish column names.

    Items without a theme come last under "Övrigt (inget tema)". The URL column
    ``Länk`` is meant as the link target of ``Rubrik`` (it is hidden when shown that way).
    """
    if new_items.empty:
        return pd.DataFrame(columns=["Tema", "Rubrik", "Källa", "Publicerad", "Länk"])
    exploded = new_items.assign(theme=new_items["themes"].astype(str).str.split("; ")) \
        .explode("theme")
    exploded["theme"] = exploded["theme"].replace("", NO_THEME).fillna(NO_THEME)
    order = {k: i for i, k in enumerate([*taxonomy.keys, NO_THEME])}
    exploded["order"] = exploded["theme"].map(order).fillna(len(order))
    exploded = exploded.sort_values(["order", "published", "title"],
                                    ascending=[True, False, True])
    return pd.DataFrame({
        "Tema": exploded["theme"].map(taxonomy.label),
        "Rubrik": exploded["title"],
        "Källa": exploded["source"],
        "Publicerad": exploded["published"],
        "Länk": exploded["url"],
    }).reset_index(drop=True)


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


# ---------------------------------------------------------------------------------------
# summary


def summary(result: ScanResult, *, top: int = 3) -> tuple[list[str], dict[str, object]]:
    """The 'Sammanfattning': 3–5 plain Swedish findings and the key figures."""
    window = result.window
    current = result.items[result.items["in_period"]]
    findings: list[str] = []
    new_count = len(result.new_items)
    period = (f"{format_date(window.start.date())}–"
              f"{format_date((window.end - pd.Timedelta(days=1)).date())}")
    if result.first_run:
        findings.append(
            f"Arkivet var tomt före den här körningen: {format_number(len(result.run.new_ids))} "
            f"poster sparades, varav {format_number(new_count)} från perioden {period} "
            "visas som nya.")
    elif new_count:
        findings.append(f"{format_number(new_count)} nya poster sedan förra körningen.")
    else:
        findings.append("Inga nya poster sedan förra körningen.")
    outside = len(result.run.new_ids) - int(result.items["is_new"].sum()) if len(result.items) \
        else len(result.run.new_ids)
    if outside > 0 and not result.first_run:
        findings[-1] += (f" Ytterligare {format_number(outside)} nya poster i arkivet har "
                         "publiceringsdatum utanför perioden och baslinjen och visas inte.")
    counts = result.themes.sort_values("current", ascending=False)
    counts = counts[counts["current"] > 0].head(top)
    if len(counts):
        listed = ", ".join(f"{_lower_first(l)} ({format_number(c)})"
                           for l, c in zip(counts["label"], counts["current"]))
        findings.append(f"Vanligaste teman under perioden: {listed}.")
    rising = result.themes[result.themes["rising"]]
    if len(rising):
        listed = ", ".join(f"{_lower_first(l)} (×{format_number(ch, 1)})"
                           for l, ch in zip(rising["label"], rising["change"]))
        findings.append(f"Teman som ökar signifikant jämfört med baslinjen: {listed}.")
    else:
        findings.append("Inget tema ökar signifikant jämfört med baslinjen.")
    if len(result.emerging_terms):
        words = ", ".join(result.emerging_terms["term"].head(5))
        findings.append(f"Ord som blivit vanligare: {words}.")
    wide = result.stories[result.stories["current"].astype(bool)] if len(result.stories) \
        else result.stories
    if len(wide):
        top_story = wide.iloc[0]
        findings.append(
            f"{format_number(len(wide))} nyheter under perioden bärs av flera källor; mest "
            f"spridd: ”{top_story['title']}” ({format_number(top_story['sources'])} källor).")
    failed = result.sources[result.sources["status"] == "error"]
    if len(failed):
        what = "källa eller fil" if len(failed) == 1 else "källor eller filer"
        findings.append(f"{format_number(len(failed))} {what} kunde inte läsas: "
                        f"{', '.join(failed['source'].head(4))}.")
    key_figures = {
        "Nya poster": new_count,
        "Poster i perioden": len(current),
        "Teman som ökar": int(result.themes["rising"].sum()),
        "Nyheter i flera källor": len(wide),
        "Källor med fel": len(failed),
    }
    return findings[:6], key_figures


# ---------------------------------------------------------------------------------------
# figures


def plot_rising_themes(result: ScanResult, *, fallback: int = 2) -> Any:
    """Weekly items per rising theme (one panel each), the current period marked.

    Without a rising theme, the ``fallback`` themes with most items are drawn and the
    alt text says that none rose significantly.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rising = result.themes[result.themes["rising"]]
    chosen = rising if len(rising) else result.themes.sort_values(
        "current", ascending=False).head(fallback)
    keys = list(chosen["theme"])
    weekly = result.weekly
    panels = max(len(keys), 1)
    fig, axes = plt.subplots(panels, 1, figsize=(7.5, 2.3 * panels + 0.6), sharex=True,
                             squeeze=False)
    labels = [f"v. {d.isocalendar()[1]}" for d in weekly.index]
    x = np.arange(len(weekly))
    sentences = []
    for number, (axis, key) in enumerate(zip(axes[:, 0], keys)):
        values = weekly[key].to_numpy() if key in weekly else np.zeros(len(x))
        color = OKABE_ITO[number % len(OKABE_ITO)]
        axis.plot(x, values, marker=MARKERS[number % len(MARKERS)], color=color, linewidth=2,
                  label=result.taxonomy.label(key))
        axis.axvspan(x[-1] - 0.5, x[-1] + 0.5, color="#999999", alpha=0.25, hatch="//",
                     label="Aktuell period")
        baseline_mean = values[:-1].mean() if len(values) > 1 else 0.0
        axis.axhline(baseline_mean, color="#000000", linestyle="--", linewidth=1,
                     label="Snitt i baslinjen")
        axis.set_title(result.taxonomy.label(key), loc="left", fontsize=11)
        axis.set_ylabel("Poster")
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(axis="y", alpha=0.3)
        axis.legend(loc="upper left", fontsize=8, frameon=False)
        sentences.append(f"{result.taxonomy.label(key)}: {format_number(values[-1])} poster "
                         f"den senaste perioden mot i snitt {format_number(baseline_mean, 1)} "
                         "per period i baslinjen")
    axes[-1, 0].set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    fig.tight_layout()
    if len(rising):
        alt = "Antal poster per vecka för teman som ökar. " + "; ".join(sentences) + "."
    else:
        alt = ("Inget tema ökar signifikant. Diagrammet visar de största temana per vecka: "
               + "; ".join(sentences) + ".")
    return attach_alt(fig, alt)


def plot_theme_overview(result: ScanResult) -> Any:
    """Horizontal bars: items per theme this period vs the baseline's average per period."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    table = result.themes.sort_values("current")
    fig, axis = plt.subplots(figsize=(7.5, 0.42 * len(table) + 1.2))
    y = np.arange(len(table))
    axis.barh(y + 0.2, table["current"], height=0.4, color=OKABE_ITO[4], label="Perioden")
    axis.barh(y - 0.2, table["expected"], height=0.4, color=OKABE_ITO[0], hatch="///",
              edgecolor="white", label="Snitt per period i baslinjen")
    axis.set_yticks(y, table["label"], fontsize=9)
    for position, (value, rising) in enumerate(zip(table["current"], table["rising"])):
        axis.text(value + 0.2, position + 0.2, f"{value}{' ▲ ökar' if rising else ''}",
                  va="center", fontsize=8)
    axis.set_xlabel("Poster")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout()
    top = result.themes.sort_values("current", ascending=False).iloc[0] if len(table) else None
    rising = result.themes[result.themes["rising"]]["label"].tolist()
    alt = "Antal poster per tema under perioden jämfört med baslinjens snitt per period. "
    if top is not None:
        alt += (f"Störst är {_lower_first(top['label'])} med "
                f"{format_number(top['current'])} poster. ")
    alt += (f"Signifikant ökning: {', '.join(_lower_first(l) for l in rising)}." if rising
            else "Inget tema ökar signifikant.")
    return attach_alt(fig, alt)


def themes_csv(themes: pd.DataFrame) -> pd.DataFrame:
    """``themes.csv``: theme (key), current, baseline, change, significance, label."""
    return themes[["theme", "current", "baseline", "change", "significance", "label"]]


def period_text(result: ScanResult) -> str:
    """The period as Swedish text: ``"16 november 2026 – 22 november 2026"``."""
    window = result.window
    last = (window.end - pd.Timedelta(days=1)).date()
    return f"{format_date(window.start.date())} – {format_date(last)}"


def provenance_text(result: ScanResult) -> str:
    """One Swedish paragraph on what this run read and compared."""
    window = result.window
    baseline_last = (window.start - pd.Timedelta(days=1)).date()
    read = int(result.sources.loc[result.sources["status"] != "error", "items"].sum())
    return (
        f"Perioden är {period_text(result)} och baslinjen "
        f"{format_date(window.baseline_start.date())} – {format_date(baseline_last)}. "
        f"Körningen läste {format_number(read)} poster från "
        f"{format_number(len(result.sources))} "
        f"källor och filer; {format_number(len(result.run.new_ids))} av dem var nya för arkivet, "
        f"som nu har {format_number(result.archive_size)} poster (körning nummer "
        f"{format_number(result.run.run_id)}). Analysen omfattar "
        f"{format_number(len(result.items))} poster publicerade i perioden och baslinjen. "
        f"Taxonomin har {format_number(len(result.taxonomy.themes))} teman."
    )


# ---------------------------------------------------------------------------------------
# optional supervised theme classifier


def read_labelled_items(path: str | Path, taxonomy: Taxonomy) -> pd.DataFrame:
    """Read a labelled CSV of earlier items: ``title``, ``text`` (or ``summary``), ``themes``.

    ``themes`` holds theme keys separated by ``;`` (empty = no theme). UTF-8, UTF-8 with BOM
    and cp1252 are accepted; comma or semicolon separated.

    Raises
    ------
    SchemaError
        Missing columns, or an unknown theme key (naming the row and the key).
    """
    import io

    from ..errors import InputDataError, SchemaError
    from .sources import decode_bytes

    target = resolve(path)
    if not target.is_file():
        raise InputDataError(f"Labelled items not found: {target}",
                             hint="give a CSV with title, text and themes columns, or leave "
                                  "'classifier_labels' empty", file=str(target),
                             parameter="classifier_labels")
    text, _ = decode_bytes(target.read_bytes(), name=str(target))
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str,
                            keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        raise SchemaError(f"{target} is not a readable CSV file ({exc}).",
                          hint="save it as CSV with a header row", file=str(target)) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    body = "text" if "text" in frame.columns else "summary"
    for column in ("title", body, "themes"):
        if column not in frame.columns:
            raise SchemaError(f"{target} has no column '{column}'.",
                              hint="the labelled CSV needs the columns title, text, themes",
                              file=str(target), column=column)
    labels: list[list[str]] = []
    for row, value in enumerate(frame["themes"], start=2):
        keys = [k.strip() for k in str(value).replace(",", ";").split(";") if k.strip()]
        unknown = [k for k in keys if k not in taxonomy.themes]
        if unknown:
            raise SchemaError(f"{target}, row {row}: unknown theme key {unknown[0]!r}.",
                              hint=f"use the taxonomy's keys: {', '.join(taxonomy.keys)}",
                              file=str(target), row=row, column="themes")
        labels.append(keys)
    return pd.DataFrame({"text": (frame["title"] + ". " + frame[body]).tolist(),
                         "themes": labels})


class ThemeClassifier:
    """A supervised multi-label theme classifier (TF-IDF + one-vs-rest logistic regression).

    Parameters
    ----------
    keys
        The theme keys to learn (themes with fewer than ``min_examples`` positive examples
        are left out and reported).
    min_examples
        Fewest labelled items per theme needed to train and evaluate it.
    seed
        Random state of the cross-validation folds and the solver.
    """

    def __init__(self, keys: Sequence[str], *, min_examples: int = 5, seed: int = 1) -> None:
        self.keys = list(keys)
        self.min_examples = min_examples
        self.seed = seed

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(analyzer=_lemma_analyzer, sublinear_tf=True, min_df=1),
            OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=1000,
                                                   random_state=self.seed)))

    def _matrix(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        matrix = np.array([[k in set(row) for k in self.keys] for row in labels], dtype=int)
        counts = matrix.sum(axis=0)
        self.trained_keys_ = [k for k, c in zip(self.keys, counts)
                              if self.min_examples <= c <= len(labels) - self.min_examples]
        return matrix[:, [self.keys.index(k) for k in self.trained_keys_]]

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> ThemeClassifier:
        """Train on texts and their theme keys; returns ``self``."""
        target = self._matrix(labels)
        if not self.trained_keys_:
            raise ParameterError("No theme has enough labelled examples to train on.",
                                 hint=f"label at least {self.min_examples} items per theme",
                                 parameter="classifier_labels")
        self.model_ = self._pipeline().fit(list(texts), target)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Predicted theme keys per text."""
        predicted = np.asarray(self.model_.predict(list(texts)))
        return [[k for k, on in zip(self.trained_keys_, row) if on] for row in predicted]

    def cross_validate(self, texts: Sequence[str], labels: Sequence[Sequence[str]], *,
                       folds: int = 5) -> pd.DataFrame:
        """Cross-validated precision, recall and F1 per theme (stratification-free K-fold).

        Columns: theme, examples, precision, recall, f1.
        """
        from sklearn.metrics import precision_recall_fscore_support
        from sklearn.model_selection import KFold, cross_val_predict

        target = self._matrix(labels)
        if not self.trained_keys_:
            return pd.DataFrame(columns=["theme", "examples", "precision", "recall", "f1"])
        splitter = KFold(n_splits=min(folds, len(texts)), shuffle=True, random_state=self.seed)
        predicted = cross_val_predict(self._pipeline(), list(texts), target, cv=splitter)
        precision, recall, f1, support = precision_recall_fscore_support(
            target, predicted, average=None, zero_division=0)
        return pd.DataFrame({"theme": self.trained_keys_, "examples": support.astype(int),
                             "precision": precision.round(3), "recall": recall.round(3),
                             "f1": f1.round(3)})


def _lemma_analyzer(text: str) -> list[str]:
    return [word_key(t) for t in _tokens(text) if len(t) > 2 and t not in STOP_WORDS]


def classifier_report(path: str | Path | None, items: pd.DataFrame, taxonomy: Taxonomy, *,
                      seed: int = 1) -> tuple[pd.DataFrame, pd.Series | None]:
    """Train the classifier from a labelled CSV, cross-validate it and predict ``items``.

    Returns the per-theme metrics (with Swedish ``label``) and the predicted theme keys
    per item (``None`` when no path is given).
    """
    empty = pd.DataFrame(columns=["theme", "label", "examples", "precision", "recall", "f1"])
    if path is None or str(path).strip() == "":
        return empty, None
    labelled = read_labelled_items(path, taxonomy)
    classifier = ThemeClassifier(taxonomy.keys, seed=seed)
    metrics = classifier.cross_validate(labelled["text"].tolist(), labelled["themes"].tolist())
    metrics.insert(1, "label", [taxonomy.label(k) for k in metrics["theme"]])
    classifier.fit(labelled["text"].tolist(), labelled["themes"].tolist())
    predicted = pd.Series(classifier.predict(item_texts(items)) if len(items) else [],
                          index=items.index, dtype=object)
    return metrics, predicted


def swedish_classifier(metrics: pd.DataFrame) -> pd.DataFrame:
    """Classifier metrics with Swedish column names."""
    return pd.DataFrame({"Tema": metrics["label"], "Märkta exempel": metrics["examples"],
                         "Precision": metrics["precision"], "Täckning (recall)": metrics["recall"],
                         "F1": metrics["f1"]})


def classifier_note(result: ScanResult) -> str:
    """A Swedish note under the classifier table: what was trained, or why nothing was."""
    metrics = result.classifier
    if metrics is None or metrics.empty:
        return ("Ingen märkt data angavs (parametern classifier_labels), så ingen "
                "klassificerare tränades; teman kommer enbart från taxonomin.")
    return ("Klassificeraren (TF-IDF på grundformer och logistisk regression, ett tema i taget) "
            f"tränades på märkta poster och utvärderades med femfaldig korsvalidering för "
            f"{format_number(len(metrics))} teman med minst fem exempel. Dess förslag per post "
            "finns i kolumnen predicted_themes i new_items.csv, bredvid taxonomins teman.")
