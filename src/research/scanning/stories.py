"""Story groups: the same story from several sources, found with MinHash and LSH.

Near-duplicates — the same story, lightly edited — are found with MinHash signatures over
word shingles and locality-sensitive hashing (banding), which is sub-quadratic; items
published more than 14 days apart are not joined. Signatures are computed for all items at
once with NumPy — the same estimator as ``datasketch.MinHash`` (the tests compare them),
whose per-item Python loop took ≈ 7 s for 100,000 items where a TF-IDF fit of the same
texts took ≈ 2 s (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..errors import ParameterError
from .corpus import Corpus

__all__ = ["minhash_signatures", "estimated_jaccard", "group_stories", "story_ids"]


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
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def story_ids(items: pd.DataFrame, groups: np.ndarray) -> pd.Series:
    """Stable story ids: ``"s-"`` + the item id of each group's earliest item."""
    frame = pd.DataFrame({"group": groups, "item_id": items["item_id"].to_numpy(),
                          "published": items["published"].to_numpy()})
    first = frame.sort_values(["published", "item_id"], na_position="last") \
        .groupby("group")["item_id"].first()
    return pd.Series("s-" + frame["group"].map(first).to_numpy(), index=items.index)

