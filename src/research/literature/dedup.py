"""De-duplication a reviewer can trust.

Every candidate pair (similar titles, blocked by year, or a shared DOI or main title) is
judged field by field:

- **title similarity** (rapidfuzz ``ratio`` on normalised titles, also against a translated
  title in square brackets) is always required; a dropped subtitle or a replaced word ("…
  from Lövåsa" / "… from Bergsala") counts as just under 90;
- **independent evidence**: authors (surname overlap, spelling variants and swapped names
  allowed), year, pages, volume, journal — each agrees, conflicts or is unknown; a shared DOI
  supports but is never enough;
- **conflicts** keep records apart: a different DOI, page range, volume or journal, years
  more than one apart, no author in common, a serial title that differs in a number or month
  ("Gateways to clinical trials: March" / "… April"), and a conference contribution against a
  journal article (kept apart unless ``merge_conference=True``); editorials and other generic
  titles need the same pages.

A pair is merged automatically, without any conflict, with a title score ≥ 95 and one agreeing
independent field (short titles: two, one of them not the year), ≥ 90 and two fields, or ≥ 85
with the authors and two more fields (the DOI counting as one). Other pairs with similar titles
and some support — or one soft conflict — are **uncertain**: they go to the review table for
the researcher, whose decisions (see :mod:`research.literature.dedup_review`) are re-applied on
every run.

Groups are not transitive by accident: a record joins a group only when it is a confirmed
duplicate of the group's representative, and two groups join only when every member of one
matches the other's representative. The most complete record of a group is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, ParameterError
from .fields import clean, join_unique, normalise_doi, normalise_title, parse_authors, surname_key

__all__ = [
    "MAX_SAME_TITLE",
    "DedupOptions",
    "PAIR_COLUMNS",
    "GROUP_COLUMNS",
    "publication_kind",
    "compare_records",
    "candidate_pairs",
    "duplicate_pairs",
    "DedupResult",
    "deduplicate",
]

PREFIX_SCORE = 89.95  # a dropped subtitle: weaker than a full match, needs authors
PAIR_COLUMNS = ["left", "right", "left_id", "right_id", "title_score", "agree", "conflict",
                "verdict", "reason"]
GROUP_COLUMNS = ["group", "record_id", "kept", "kept_record_id", "rule", "score", "title",
                 "year", "database", "doi"]
_MONTHS = set("""january february march april may june july august september october
november december januari februari mars maj juni juli augusti oktober jan feb mar apr jun
jul aug sep sept oct okt nov dec spring summer autumn fall winter var sommar host vinter
""".split())
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_CONFERENCE_TYPES = {"inproceedings", "conference", "proceedings", "conf", "cpaper", "abst",
                     "conference paper", "conference review", "meeting abstract",
                     "proceedings paper", "conferencepaper", "konferensbidrag",
                     "paper in proceeding", "conference proceedings", "cp", "kon"}
_JOURNAL_TYPES = {"article", "jour", "journal article", "journalarticle", "review", "ar", "re",
                  "artikel i tidskrift", "artikel", "tidskriftsartikel", "ejour",
                  "article in journal", "letter", "editorial", "note", "art"}
_GENERIC_WORDS = set("""editorial editor editors introduction preface foreword erratum errata
corrigendum addendum retraction commentary reply response rejoinder review reviews news
announcement announcements obituary index contents letter letters issue""".split())
_STRONG_CONFLICTS = {"DOI", "volym", "titelns nummer"}
_CONFERENCE_SOURCE = re.compile(r"\b(conference|congress|symposium|workshop|meeting|konferens|"
                                r"proceedings)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DedupOptions:
    """Thresholds of :func:`deduplicate` (title scores are rapidfuzz ratios, 0–100).

    ``auto_title`` with one agreeing field (or ``strong_title`` … see the module docstring)
    merges; pairs from ``review_title`` up go to review; ``merge_conference`` merges a
    conference contribution with the journal article of the same title.
    """

    auto_title: float = 95.0
    strong_title: float = 90.0
    review_title: float = 85.0
    merge_conference: bool = False

    def __post_init__(self) -> None:
        for name in ("auto_title", "strong_title", "review_title"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value <= 100:
                raise ParameterError(f"{name} must be a number in (0, 100], got {value!r}.",
                                     parameter=name)
        if not self.review_title <= self.strong_title <= self.auto_title:
            raise ParameterError("Title thresholds must satisfy review ≤ strong ≤ auto.",
                                 parameter="review_title")


def publication_kind(kind: object, source: object = "", volume: object = "") -> str:
    """``"conference"``, ``"journal"`` or ``""`` (unknown) from the type, source and volume."""
    key = clean(kind).lower()
    if key in _CONFERENCE_TYPES:
        return "conference"
    text = clean(source)
    if _CONFERENCE_SOURCE.search(text) and "national academy" not in text.lower():
        return "conference"
    if re.search(r"\bsuppl", clean(volume), re.IGNORECASE):
        return "conference"
    if key in _JOURNAL_TYPES:
        return "journal"
    return ""


def _digits(value: object) -> str:
    match = re.search(r"\d+", clean(value))
    return match.group(0).lstrip("0") if match else ""


_PAGE = r"([A-Za-z]?\d+|[ivxlcIVXLC]+\b)"


def _page_range(value: object) -> str:
    """``"first-last"`` (or ``"first"``) in a comparable form: "0160 -- 178" → "160-178"."""
    match = re.match(rf"\s*{_PAGE}(?:\s*[-–—]+\s*{_PAGE})?", clean(value))
    if not match:
        return ""
    first = match.group(1).lower().lstrip("0")
    return f"{first}-{match.group(2).lower().lstrip('0')}" if match.group(2) else first


def _pages_evidence(x: str, y: str) -> str:
    """Agree on the same first page (and last page when both have one), else conflict."""
    first_x, _, last_x = x.partition("-")
    first_y, _, last_y = y.partition("-")
    if first_x != first_y or (last_x and last_y and last_x != last_y):
        return "conflict"
    return "agree"


def _journal_key(value: object) -> str:
    words = [w for w in normalise_title(value).split() if w not in ("the", "of", "and", "for",
                                                                  "in", "on", "a", "an")]
    return " ".join(words)


def _title_variants(title: str) -> list[str]:
    """Normalised title, and for "English [Original]" both parts."""
    variants = [normalise_title(title)]
    inner = re.findall(r"\[([^\]]{8,})\]", title)
    if inner:
        variants.append(normalise_title(re.sub(r"\[[^\]]*\]", " ", title)))
        variants.extend(normalise_title(part) for part in inner)
    return [v for v in dict.fromkeys(variants) if v]


@dataclass
class _Prepared:
    """Per-record comparison keys."""

    titles: list[list[str]]
    words: list[set[str]]
    authors: list[list[str]]
    name_tokens: list[set[str]]
    first_tokens: list[set[str]]
    years: list[int | None]
    pages: list[str]
    volumes: list[str]
    journals: list[str]
    dois: list[str]
    kinds: list[str]
    ids: list[str]


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [""] * len(frame)


def _prepare(frame: pd.DataFrame) -> _Prepared:
    authors_raw = [parse_authors(a) for a in _column(frame, "authors")]
    years = []
    for value in _column(frame, "year"):
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        years.append(None if pd.isna(number) else int(number))
    titles = [_title_variants(clean(t)) for t in _column(frame, "title")]
    return _Prepared(
        titles=titles,
        words=[set(t[0].split()) if t else set() for t in titles],
        authors=[[k for k in (surname_key(a) for a in names) if k] for names in authors_raw],
        name_tokens=[{w.replace(" ", "") for a in names for w in normalise_title(a).split()
                      if len(w) > 1} for names in authors_raw],
        first_tokens=[set(normalise_title(names[0]).split()) if names else set()
                      for names in authors_raw],
        years=years,
        pages=[_page_range(p) for p in _column(frame, "pages")],
        volumes=[("" if _digits(v) == str(y) else _digits(v))
                 for v, y in zip(_column(frame, "volume"), years)],
        journals=[_journal_key(s) for s in _column(frame, "source")],
        dois=[normalise_doi(d) for d in _column(frame, "doi")],
        kinds=[publication_kind(t, s, v) for t, s, v in zip(_column(frame, "type"),
                                                            _column(frame, "source"),
                                                            _column(frame, "volume"))],
        ids=[str(r) for r in _column(frame, "record_id")],
    )


def _title_score(a: list[str], b: list[str]) -> float:
    """Best rapidfuzz ratio over the title variants; 90 for a dropped subtitle (the shorter
    title, of four words or more, starts the longer one), which is marked by ``.0``-score
    :data:`PREFIX_SCORE`."""
    from rapidfuzz import fuzz

    best = 0.0
    for x in a:
        for y in b:
            score = float(fuzz.ratio(x, y))
            shorter, longer = sorted((x, y), key=len)
            if score < 90 and len(shorter.split()) >= 4 and longer.startswith(shorter + " "):
                score = PREFIX_SCORE  # a dropped subtitle
            best = max(best, score)
    return best


def _serial_conflict(a: set[str], b: set[str]) -> bool:
    """Titles that differ in a number, month, roman numeral or part ("… : March" / "April")."""
    def marked(words: set[str]) -> bool:
        return any(w.isdigit() or w in _MONTHS or _ROMAN.match(w) for w in words)

    only_a, only_b = a - b, b - a
    return marked(only_a) and marked(only_b) and len(only_a | only_b) <= 6


def _same_surname(x: str, y: str) -> bool:
    from rapidfuzz.distance import JaroWinkler

    if x == y:
        return True
    x, y = (re.sub(r"(?<=[aou])e", "", k) for k in (x, y))  # Schoerpf = Schörpf → schorpf
    return x == y or (min(len(x), len(y)) >= 4 and JaroWinkler.similarity(x, y) >= 0.92)


def _author_evidence(p: _Prepared, i: int, j: int) -> str:
    """Authors agree when at least half of the longer list is matched (surnames, spelling
    variants and a swapped given/family name allowed) and either the first authors or every
    author of the shorter list match; they conflict when no author matches."""
    a, b = p.authors[i], p.authors[j]
    if not a or not b:
        return ""
    tokens_b, tokens_a = p.name_tokens[j], p.name_tokens[i]
    matched = sum(any(_same_surname(x, y) for y in b) or x in tokens_b for x in set(a))
    if not matched:
        matched = sum(y in tokens_a for y in set(b))
    if not matched:
        return "conflict"
    first = _same_surname(a[0], b[0]) or a[0] in p.first_tokens[j] or \
        b[0] in p.first_tokens[i]
    shorter = min(len(set(a)), len(set(b)))
    if matched / max(len(set(a)), len(set(b))) >= 0.5 and (first or matched >= shorter):
        return "agree"
    return ""


def _changed_word(a: set[str], b: set[str]) -> bool:
    """Each title has a word of four letters or more that the other lacks and that is not a
    spelling variant of one of its words ("Lövåsa" / "Bergsala"; not "labour" / "labor")."""
    from rapidfuzz import fuzz

    only_a = [w for w in a - b if len(w) >= 4 and not w.isdigit()]
    only_b = [w for w in b - a if len(w) >= 4 and not w.isdigit()]
    if not only_a or not only_b:
        return False
    def split_word(w: str, others: list[str]) -> bool:  # "crowdbuild" = "crowd" + "build"
        return any(w == x + y for x in others for y in others if x != y)

    b_all, a_all = sorted(b - a), sorted(a - b)
    return any(max(fuzz.ratio(w, v) for v in only_b) < 75 and not split_word(w, b_all)
               for w in only_a) and not any(split_word(v, a_all) for v in only_b)


def _abbreviates(short: list[str], long_: list[str]) -> bool:
    """Every word of ``short`` starts a word of ``long_``, in order ("j inf technol")."""
    position = 0
    for word in short:
        while position < len(long_) and not long_[position].startswith(word):
            position += 1
        if position == len(long_):
            return False
        position += 1
    return True


def _journal_evidence(x: str, y: str) -> str:
    from rapidfuzz import fuzz

    if not x or not y:
        return ""
    if x == y or fuzz.ratio(x, y) >= 90 or x.startswith(y + " ") or y.startswith(x + " "):
        return "agree"
    short, long_ = sorted((x.split(), y.split()), key=len)
    if len(short) >= 2 and _abbreviates(short, long_):
        return "agree"
    if len(short) >= 2 and fuzz.token_set_ratio(x, y) < 50:
        return "conflict"
    return ""


def _generic_title(words: set[str], n_words: int) -> bool:
    """Editorials, errata, book reviews …: identical titles that say nothing."""
    return n_words <= 8 and bool(words & _GENERIC_WORDS)


def compare_records(p: _Prepared, i: int, j: int, options: DedupOptions
                    ) -> tuple[float, list[str], list[str], str, str]:
    """Title score, agreeing fields, conflicting fields, verdict and reason for one pair.

    The verdict is ``"duplicate"``, ``"uncertain"`` or ``"different"``.
    """
    score = _title_score(p.titles[i], p.titles[j])
    if score >= options.strong_title and _changed_word(p.words[i], p.words[j]):
        score = min(score, PREFIX_SCORE)  # a word replaced, not misspelt
    agree: list[str] = []
    conflict: list[str] = []
    authors = _author_evidence(p, i, j)
    if authors:
        (agree if authors == "agree" else conflict).append("författare")
    if p.years[i] is not None and p.years[j] is not None:
        gap = abs(p.years[i] - p.years[j])
        if gap == 0:
            agree.append("år")
        elif gap > 1:
            conflict.append("år")
    if p.pages[i] and p.pages[j]:
        (agree if _pages_evidence(p.pages[i], p.pages[j]) == "agree" else conflict
         ).append("sidor")
    if p.volumes[i] and p.volumes[j]:
        (agree if p.volumes[i] == p.volumes[j] else conflict).append("volym")
    journal = _journal_evidence(p.journals[i], p.journals[j])
    if journal:
        (agree if journal == "agree" else conflict).append("tidskrift")
    same_doi = bool(p.dois[i]) and p.dois[i] == p.dois[j]
    if p.dois[i] and p.dois[j] and not same_doi:
        conflict.append("DOI")
    if _serial_conflict(p.words[i], p.words[j]):
        return score, agree, conflict + ["titelns nummer"], "different", \
            "titlar i en serie (olika nummer eller månad)"
    kinds = {p.kinds[i], p.kinds[j]}
    if kinds == {"conference", "journal"} and not options.merge_conference:
        return score, agree, conflict, "different", \
            "konferensbidrag och tidskriftsartikel hålls isär"
    generic = _generic_title(p.words[i], len(p.titles[i][0].split()) if p.titles[i] else 0)
    if generic and "sidor" not in agree:
        verdict = "uncertain" if score >= options.auto_title and not conflict and \
            len(agree) >= 3 else "different"
        return score, agree, conflict, verdict, "allmän titel (t.ex. ledare) utan samma sidor"
    return (score, agree + (["DOI"] if same_doi else []), conflict,
            *_verdict(score, agree, conflict, same_doi, len(p.words[i]), options))


def _verdict(score: float, agree: list[str], conflict: list[str], same_doi: bool,
             n_words: int, options: DedupOptions) -> tuple[str, str]:
    independent = len(agree)
    beyond_year = len([a for a in agree if a != "år"])
    if score < options.review_title:
        return "different", "olika titlar"
    if conflict:
        if conflict == ["sidor"] and same_doi and independent >= 3 and \
                score >= options.auto_title:  # article number against page range
            return "duplicate", "lika titel, DOI och " + ", ".join(agree)
        if score >= options.auto_title and independent >= 2 and len(conflict) == 1 and \
                not _STRONG_CONFLICTS & set(conflict):
            return "uncertain", "lika titel men " + ", ".join(conflict) + " skiljer sig"
        return "different", ", ".join(conflict) + " skiljer sig"
    if score >= options.review_title and "författare" in agree and \
            independent + same_doi >= 3:
        return "duplicate", "likartad titel och " + ", ".join(agree + ["DOI"] * same_doi)
    short = n_words < 4
    if score >= options.auto_title and independent >= (2 if short else 1) and \
            (beyond_year >= 1 or not short):
        return "duplicate", "lika titel och " + ", ".join(agree)
    if score >= options.strong_title and independent >= 2 and beyond_year >= 1:
        return "duplicate", "likartad titel och " + ", ".join(agree)
    if independent or same_doi or score >= options.auto_title:
        support = ", ".join(agree + (["DOI"] if same_doi else [])) or "inget annat fält"
        return "uncertain", f"titel (likhet {score:.0f}) och {support}"
    return "different", "inget oberoende fält stämmer"


MAX_SAME_TITLE = 50  # a title more frequent than this is boiler-plate ("Editorial", "Untitled")
_CHUNK = 1000        # rows per rapidfuzz cdist call (bounds memory: 1,000 × block size bytes)


def candidate_pairs(p: _Prepared, review_title: float = 85.0) -> set[tuple[int, int]]:
    """Pairs worth comparing: similar titles in the same or next year (every record without a
    year against all), a shared DOI, or the same first four title words.

    A normalised title that occurs more than :data:`MAX_SAME_TITLE` times is boiler-plate and
    makes no candidates (such records are never merged automatically anyway), so a hostile or
    odd export cannot make the number of pairs explode; title comparisons run in chunks.
    """
    from collections import Counter

    from rapidfuzz import fuzz, process

    n = len(p.ids)
    frequency = Counter(v for variants in p.titles for v in variants)
    rows = [(i, v) for i in range(n) for v in p.titles[i] if frequency[v] <= MAX_SAME_TITLE]
    owners = np.array([i for i, _ in rows], dtype=int)
    texts = [v for _, v in rows]
    pairs: set[tuple[int, int]] = set()
    blocks: dict[int | None, list[int]] = {}
    for position, (owner, _) in enumerate(rows):
        blocks.setdefault(p.years[owner], []).append(position)
    missing = blocks.pop(None, [])
    comparisons = [(rows_, rows_ + blocks.get(year + 1, [])) for year, rows_ in blocks.items()]
    if missing:
        comparisons.append((missing, list(range(len(rows)))))
    cutoff = max(0.0, review_title - 5)
    for left_all, right in comparisons:
        right_texts = [texts[k] for k in right]
        for start in range(0, len(left_all), _CHUNK):
            left = left_all[start:start + _CHUNK]
            scores = process.cdist([texts[k] for k in left], right_texts, scorer=fuzz.ratio,
                                   score_cutoff=cutoff, workers=1, dtype=np.uint8)
            for r, c in zip(*np.nonzero(scores)):
                i, j = int(owners[left[r]]), int(owners[right[c]])
                if i != j:
                    pairs.add((min(i, j), max(i, j)))
    for key_of in (lambda i: p.dois[i], lambda i: " ".join(p.titles[i][0].split()[:4])
                   if p.titles[i] and len(p.titles[i][0].split()) >= 4 else ""):
        groups: dict[str, list[int]] = {}
        for i in range(n):
            key = key_of(i)
            if key:
                groups.setdefault(key, []).append(i)
        for members in groups.values():
            if len(members) > MAX_SAME_TITLE:  # a supplement DOI or boiler-plate: by title only
                continue
            pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    return pairs


def duplicate_pairs(records: pd.DataFrame, options: DedupOptions | None = None) -> pd.DataFrame:
    """Every candidate pair with its evidence and verdict (:data:`PAIR_COLUMNS`)."""
    options = options or DedupOptions()
    frame = _checked(records)
    prepared = _prepare(frame)
    rows = []
    for i, j in sorted(candidate_pairs(prepared, options.review_title)):
        score, agree, conflict, verdict, reason = compare_records(prepared, i, j, options)
        if verdict == "different" and score < options.review_title:
            continue
        rows.append((i, j, prepared.ids[i], prepared.ids[j], round(score, 1),
                     ", ".join(agree), ", ".join(conflict), verdict, reason))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


@dataclass
class DedupResult:
    """Unique records (the kept record of each group), the merged groups, every judged
    candidate pair and the uncertain pairs left for the researcher."""

    records: pd.DataFrame
    groups: pd.DataFrame
    n_removed: int
    pairs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAIR_COLUMNS))
    review: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAIR_COLUMNS))


def _checked(records: pd.DataFrame) -> pd.DataFrame:
    for required in ("record_id", "title"):
        if required not in records.columns:
            raise InputDataError(f"The records have no {required!r} column.",
                                 hint="de-duplication needs at least record_id and title",
                                 column=required)
    return records.reset_index(drop=True)


def _completeness(row: Mapping[str, Any]) -> int:
    filled = sum(bool(clean(row.get(c))) for c in ("abstract", "doi", "authors", "keywords",
                                                    "source", "language", "pages", "volume"))
    year = row.get("year")
    return filled + int(year is not None and not pd.isna(year))


def _cluster(n: int, confirmed: list[tuple[int, int, float]]) -> list[list[int]]:
    """Groups where every member is a confirmed duplicate of the group's representative."""
    linked = {(min(i, j), max(i, j)) for i, j, _ in confirmed}

    def matches(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in linked

    group_of: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for i, j, _ in sorted(confirmed, key=lambda t: (-t[2], t[0], t[1])):
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is None and gj is None:
            groups[i] = [i, j]
            group_of[i] = group_of[j] = i
        elif gi is not None and gj is None:
            if matches(j, gi):
                groups[gi].append(j)
                group_of[j] = gi
        elif gj is not None and gi is None:
            if matches(i, gj):
                groups[gj].append(i)
                group_of[i] = gj
        elif gi != gj:
            small, large = sorted((gi, gj), key=lambda g: len(groups[g]))
            if all(matches(m, large) for m in groups[small]):
                for m in groups.pop(small):
                    groups[large].append(m)
                    group_of[m] = large
    grouped = set(group_of)
    return list(groups.values()) + [[i] for i in range(n) if i not in grouped]


def deduplicate(records: pd.DataFrame, options: DedupOptions | None = None, *,
                decisions: Mapping[frozenset[str], str] | None = None,
                **settings: Any) -> DedupResult:
    """Merge duplicate records across databases.

    Parameters
    ----------
    records
        Records with ``record_id`` and ``title``; every other column (authors, year, doi,
        source, pages, volume, type, database …) is optional.
    options
        Thresholds (:class:`DedupOptions`); keyword ``settings`` build one instead.
    decisions
        The researcher's decisions ``{frozenset({id_a, id_b}): "same" | "different"}`` (from
        :func:`research.literature.dedup_review.read_dedup_decisions`): "same" confirms a
        pair, "different" keeps it apart whatever the rules say.

    Kept records get ``duplicates`` (ids of the removed records) and ``databases``.
    ``groups`` lists every record of every merged group (``GROUP_COLUMNS``); ``review`` the
    uncertain pairs without a decision.
    """
    options = options or DedupOptions(**settings)
    frame = _checked(records)
    if "database" not in frame.columns:
        frame = frame.assign(database="")
    pairs = duplicate_pairs(frame, options)
    decided = {k: v for k, v in (decisions or {}).items()}
    confirmed: list[tuple[int, int, float]] = []
    rule_of: dict[tuple[int, int], tuple[str, float]] = {}
    open_rows = []
    for row in pairs.itertuples(index=False):
        decision = decided.get(frozenset((row.left_id, row.right_id)))
        if decision == "different":
            continue
        if row.verdict == "duplicate" or decision == "same":
            confirmed.append((row.left, row.right, row.title_score))
            rule_of[(row.left, row.right)] = (
                "granskad: samma" if decision == "same" else row.reason, row.title_score)
        elif row.verdict == "uncertain":
            open_rows.append(row)
    review = pd.DataFrame(open_rows, columns=PAIR_COLUMNS)
    return _result(frame, _cluster(len(frame), confirmed), rule_of, pairs, review)


def _result(frame: pd.DataFrame, clusters: list[list[int]],
            rule_of: Mapping[tuple[int, int], tuple[str, float]], pairs: pd.DataFrame,
            review: pd.DataFrame) -> DedupResult:
    keep = np.zeros(len(frame), dtype=bool)
    unique = frame.copy()
    unique["duplicates"] = ""
    unique["databases"] = unique["database"].fillna("").astype(str)
    rows_ = frame.to_dict("records")
    group_rows = []
    for number, members in enumerate(sorted((sorted(m) for m in clusters if len(m) > 1)),
                                     start=1):
        best = max(members, key=lambda i: (_completeness(rows_[i]), -i))
        others = [i for i in members if i != best]
        unique.at[best, "duplicates"] = "; ".join(str(rows_[i]["record_id"]) for i in others)
        unique.at[best, "databases"] = join_unique(str(rows_[i]["database"]) for i in members)
        for i in members:
            rule, score = next((rule_of[(min(i, k), max(i, k))] for k in members
                                if (min(i, k), max(i, k)) in rule_of), ("", np.nan))
            group_rows.append({
                "group": number, "record_id": rows_[i]["record_id"], "kept": i == best,
                "kept_record_id": rows_[best]["record_id"], "rule": rule, "score": score,
                "title": rows_[i]["title"], "year": rows_[i].get("year"),
                "database": rows_[i].get("database", ""), "doi": rows_[i].get("doi", "")})
    grouped = {i for m in clusters if len(m) > 1 for i in m}
    for i in range(len(frame)):
        if i not in grouped:
            keep[i] = True
    for members in clusters:
        if len(members) > 1:
            keep[max(members, key=lambda i: (_completeness(rows_[i]), -i))] = True
    groups = pd.DataFrame(group_rows, columns=GROUP_COLUMNS)
    result = unique[keep].reset_index(drop=True)
    return DedupResult(records=result, groups=groups, n_removed=int((~keep).sum()),
                       pairs=pairs, review=review)
