"""Themes: a taxonomy of terms matched on Swedish/English word forms, with evidence.

Each vocabulary word is matched once against the taxonomy, by lemma (simplemma), by the
``-ism/-ist/-istisk`` word family ("extremister" → "extremism") and by compound parts
("extremistmiljöerna" → "extremism" + "miljö"); multi-word terms match as lemma
sequences. Every assigned theme carries the matched terms as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import ConfigError
from ..io.files import read_yaml, safe_load_limited
from ..paths import resolve
from ..text.core import is_known_word, lemma
from .corpus import Corpus, build_corpus, item_texts, tokens

__all__ = [
    "NO_THEME",
    "NO_THEME_LABEL",
    "INFLECTIONS",
    "word_key",
    "split_compound",
    "Theme",
    "Taxonomy",
    "load_taxonomy",
    "CONTEXT",
    "required_evidence",
    "match_themes",
    "assign_themes",
    "format_evidence",
]

NO_THEME = "ovrigt"
NO_THEME_LABEL = "Övrigt (inget tema)"
_FAMILY = re.compile(r"(?:istiska|istiskt|istisk|isterna|isten|ister|ismens|ismen|ismer|"
                     r"ism|ist|ists|isms)$")
_MIN_COMPOUND = 4
INFLECTIONS = frozenset(
    "a e n s t en et ar er or na ns ts ens ets ars ers ors arna erna orna arnas ernas ornas "
    "ande ende andet".split())



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
    "skola", "radikaliseringsprocess" → "radikalisering"; the dropped vowel only where
    the rest is a word the lemma dictionary knows: "pappersprodukt" is no "pappa"), and
    so is a known word with a Swedish inflection ending the lemmatiser does not know
    ("spelplattformarna", "exitprogrammet" with its doubled consonant).
    """
    known_keys = known if isinstance(known, (set, frozenset, dict)) else set(known)
    found: list[str] = []
    for cut in range(_MIN_COMPOUND, len(word)):
        # an inflected form the lemmatiser does not know: "spelplattformarna"
        if word[cut:] in INFLECTIONS:
            stem = word[:cut]
            forms = [stem, stem + "a", stem + "e"]
            if stem[-1] == stem[-2] and stem[-1] not in "aeiouyåäö":
                forms.append(stem[:-1])  # a doubled final consonant: "exitprogram|met"
            for form in forms:
                key = word_key(form)
                for candidate in (key, form):
                    if candidate in known_keys and candidate not in found:
                        found.append(candidate)
    for cut in range(_MIN_COMPOUND, len(word) - _MIN_COMPOUND + 1):
        head, tail = word[:cut], word[cut:]
        head_forms = [head]
        if is_known_word(tail):  # a dropped final vowel only before a word: "skol|ledning"
            head_forms += [head + "a", head + "e"]  # ("papp|ersprodukt" is no "pappa")
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
    """One theme: ASCII ``key``, Swedish ``label`` and its evidence.

    ``terms`` are strong evidence. A ``weak`` term (a common word such as "unga" or
    "samverkan") counts half and only next to strong evidence. ``together`` lists groups
    of words of which one from *every* group must occur ("hot" with "politiker"); such a
    combination is strong evidence. A theme with ``needs_context`` is assigned only in a
    text that is about the field: one with a word of the taxonomy's ``context`` list or
    with evidence of a theme that needs no context (a school text about school lunches is
    not about "Skola och unga" in prevention work). ``min_evidence`` multiplies the
    evidence the text's length requires (2 for a theme whose words are common in the
    field, so that one passing mention does not assign it). ``general`` terms are strong
    only in a text that no other theme claims, or when they occur twice as often as the
    length requires ("våldsbejakande extremism" names the field in a text about relatives'
    support, but is the subject of a text about the national centre's new helpline).
    ``combinations`` are further ``together`` combinations (any one of them is strong
    evidence). ``exclude`` words show the theme's words in another sense (a film, a hunt,
    a quarry); with one of them in the text the theme needs three times the evidence.
    They match whole words and their inflections, never parts of compounds
    ("propagandafilm" is no film review). ``absorbs`` names themes that this one's
    texts mention as their setting: a text about leaving a gang is about defectors, not
    about gangs; a text about militant antifascists names the nazis they fight. Where this
    theme is assigned, an absorbed theme needs three times the evidence. A ``setting``
    theme is often only where another theme's story happens (nazi leaflets outside a
    school, a report on shootings that mentions schools): beside a theme that is not a
    setting theme it needs evidence in the text's first sentence (its title or lead,
    where the subject is named) or three times the evidence.
    """

    key: str
    label: str
    terms: tuple[str, ...]
    weak: tuple[str, ...] = ()
    together: tuple[tuple[str, ...], ...] = ()
    needs_context: bool = False
    min_evidence: float = 1.0
    general: tuple[str, ...] = ()
    combinations: tuple[tuple[tuple[str, ...], ...], ...] = ()
    exclude: tuple[str, ...] = ()
    absorbs: tuple[str, ...] = ()
    setting: bool = False

    @cached_property
    def _combinations(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        return ((self.together,) if self.together else ()) + self.combinations

    def all_combinations(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """``together`` and every further ``combinations`` entry."""
        return self._combinations


_COMBINATION = "\x00"  # marks the index entry of a word of a further combination
#: Pseudo theme under which the taxonomy's context words are indexed.
CONTEXT = "@context"
#: Pseudo theme of the taxonomy's ``ignore`` words: names that match no theme, not even
#: through their parts ("Myndigheten för ungdoms- och civilsamhällesfrågor").
IGNORE = "@ignore"


@dataclass
class Taxonomy:
    """A theme taxonomy with its matching tables (built by :func:`load_taxonomy`).

    ``roles`` maps every indexed ``(theme, term)`` to ``"strong"``, ``"weak"``,
    ``"general"``, ``"context"``, ``"exclude"`` or ``("group", combination, number)`` (a
    word of group ``number`` of one of the theme's ``together`` combinations).
    """

    themes: dict[str, Theme]
    context: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: The taxonomy shipped with the package (``research/data/taxonomy.yaml``), the one the
    #: development corpus's fresh batch was written to measure.
    shipped: bool = False
    single: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    compound: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], list[tuple[str, str]]] = field(default_factory=dict)
    exact: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    roles: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for theme in self.themes.values():
            for term in theme.weak:
                self._index(theme.key, term, "weak")
            for term in theme.general:
                self._index(theme.key, term, "general")
            for combo, groups in enumerate(theme.all_combinations()):
                for number, group in enumerate(groups):
                    for term in group:
                        self._index(theme.key, term, ("group", combo, number))
            for term in theme.exclude:
                self._index(theme.key, term, "exclude")
            for term in theme.terms:  # strong last: a strong role wins over a weak one
                self._index(theme.key, term, "strong")
        for term in self.context:
            self._index(CONTEXT, term, "context")
        for term in self.ignore:
            self._index(IGNORE, term, "ignore")

    def _index(self, theme: str, term: str, role: Any) -> None:
        pair = (theme, term)
        if role == "exclude":
            pair = (theme, "!" + term)  # its own entry: a theme word may not exclude itself
        elif isinstance(role, tuple) and role[1] > 0:  # a word in several combinations
            pair = (theme, f"{term}{_COMBINATION}{role[1]}")
        known = pair in self.roles
        self.roles[pair] = role
        words = tokens(term)
        if known or not words:
            return
        if term.startswith("="):  # an exact word form: no lemma, no compounds
            self.exact.setdefault(term[1:], []).append(pair)
        elif len(words) == 1:
            for key in _word_keys(words[0]):
                self.single.setdefault(key, []).append(pair)
                if len(key) >= _MIN_COMPOUND and role not in ("exclude", "ignore"):
                    self.compound.setdefault(key, []).append(pair)
        else:
            entries = self.phrases.setdefault(tuple(word_key(w) for w in words), [])
            if not any(t == theme and self.roles[(t, other)] == role for t, other in entries):
                entries.append(pair)  # "kriminella nätverk", "kriminellt nätverk": one term

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
    hits: list[tuple[str, str]] = list(taxonomy.exact.get(word, ()))
    for key in _word_keys(word):
        hits.extend(taxonomy.single.get(key, ()))
    if not hits and len(word) >= 2 * _MIN_COMPOUND:
        for key in split_compound(word, taxonomy.compound):
            hits.extend(taxonomy.compound[key])
    result = _one_per_role(hits, taxonomy.roles)
    cache[word] = result
    return result


def _one_per_role(hits: Iterable[tuple[str, str]], roles: Mapping[tuple[str, str], Any]
                  ) -> tuple[tuple[str, str], ...]:
    """One ``(theme, term)`` per theme and role: a word counts once per theme ("nazister"
    matches the terms nazism and nazist, but is one piece of evidence)."""
    chosen: dict[tuple[str, Any], tuple[str, str]] = {}
    for pair in hits:
        chosen.setdefault((pair[0], roles[pair]), pair)
    return tuple(pair for (theme, role), pair in chosen.items()
                 if not (role == "weak" and (theme, "strong") in chosen))


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
        name = "research/data/taxonomy.yaml"
        text = resources.files("research").joinpath("data/taxonomy.yaml").read_text("utf-8")
        data = safe_load_limited(text, name=name, file=name)
    else:
        target = resolve(path)
        name = str(target)
        data = read_yaml(target, what="Taxonomy", parameter="taxonomy",
                         missing_hint="give the path of a taxonomy YAML, or leave 'taxonomy' "
                                      "empty for the shipped default")
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
        if not isinstance(entry, dict) or not entry.get("label") or not (
                entry.get("terms") or entry.get("together")):
            raise ConfigError(f"{name}: theme {key!r} needs a 'label' and a list of 'terms'.",
                              hint="e.g. label: Avhoppare, terms: [avhoppare, avhopp]",
                              file=name, column=str(key))
        groups = entry.get("together") or []
        _check_groups(groups, name, str(key), "together")
        combinations = entry.get("combinations") or []
        if not isinstance(combinations, list):
            combinations = [combinations]
        for combination in combinations:
            _check_groups(combination, name, str(key), "combinations")
        themes[str(key)] = Theme(str(key), str(entry["label"]), _term_list(entry.get("terms")),
                                 _term_list(entry.get("weak")),
                                 tuple(_term_list(g) for g in groups),
                                 bool(entry.get("needs_context", False)),
                                 float(entry.get("min_evidence", 1.0)),
                                 _term_list(entry.get("general")),
                                 tuple(tuple(_term_list(g) for g in c) for c in combinations),
                                 _term_list(entry.get("exclude")),
                                 _term_list(entry.get("absorbs")),
                                 bool(entry.get("setting", False)))
    for theme in themes.values():
        unknown = [k for k in theme.absorbs if k not in themes]
        if unknown:
            raise ConfigError(f"{name}: theme {theme.key!r} absorbs the unknown theme "
                              f"{unknown[0]!r}.", file=name, column=theme.key,
                              hint=f"use keys of this taxonomy: {', '.join(themes)}")
    return Taxonomy(themes, _term_list(data.get("context")), _term_list(data.get("ignore")),
                    shipped=path is None or str(path).strip() == "")


def _check_groups(groups: Any, name: str, key: str, field_name: str) -> None:
    if not isinstance(groups, list) or any(not isinstance(g, list) or not g
                                           for g in groups) or len(groups) == 1:
        hint = ("e.g. together: [[hot, hat], [politiker, förtroendevald]]"
                if field_name == "together" else
                "e.g. combinations: [[[skott, sköts], [gäng, nätverk]]] (a list of "
                "combinations, each a list of at least two lists of words)")
        raise ConfigError(f"{name}: theme {key!r}: '{field_name}' must be a list of at "
                          "least two lists of words.", file=name, column=key, hint=hint)


def _term_list(value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else list(value or [])
    return tuple(dict.fromkeys(str(t).strip().lower() for t in values if str(t).strip()))


# ---------------------------------------------------------------------------------------
# themes


_COUNT_CAP = 8


def required_evidence(n_words: int) -> float:
    """Evidence a theme needs in a text of ``n_words`` words: one strong hit up to 150
    words, two up to 600, three beyond (an incidental word in a long report is not enough).
    """
    return 1.0 + (n_words > 150) + (n_words > 600)


def match_themes(corpus: Corpus, taxonomy: Taxonomy) -> pd.DataFrame:
    """Assign themes to every text of ``corpus`` with the matched terms as evidence.

    Evidence of a theme in a text: every occurrence of a strong term counts 1, of a weak
    term ½; a ``together`` combination counts as often as its rarest group occurs. The
    theme is assigned when there is strong evidence (a strong term or a combination), the
    sum reaches :func:`required_evidence` for the text's length, and — for a theme that
    ``needs_context`` — the text is about the field (see :class:`Theme`).

    Returns
    -------
    DataFrame
        One row per text: ``themes`` (list of keys, taxonomy order), ``evidence``
        (``{key: [terms]}``, combinations written "hot + politiker") and one boolean column
        per theme key.
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
    n_terms = max(len(term_index), 1)
    word_terms = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, columns)),
                                   shape=(len(corpus.vocabulary), n_terms))
    lengths = np.diff(corpus.offsets)
    in_lead = _lead_positions(corpus, lengths)
    hits = (corpus.counts() @ word_terms).tocsr()
    lead_hits = _lead_counts(corpus, in_lead) @ word_terms
    phrase_hits = _phrase_hits(corpus, taxonomy, term_index, n_terms, in_lead)
    if phrase_hits is not None:
        hits = hits + phrase_hits[0]
        lead_hits = lead_hits + phrase_hits[1]
    hits = hits.tocsr()
    lead_hits = lead_hits.tocsr()
    hits.sum_duplicates()
    lead_hits.sum_duplicates()
    np.minimum(hits.data, _COUNT_CAP, out=hits.data)  # more never changes a decision
    pairs = sorted(term_index, key=term_index.get)
    order = {key: i for i, key in enumerate(taxonomy.keys)}
    themes_column: list[list[str]] = []
    evidence_column: list[dict[str, list[str]]] = []
    flags = np.zeros((corpus.n_texts, len(order)), dtype=bool)
    indptr, indices, data = hits.indptr, hits.indices, hits.data
    lead_indptr, lead_indices = lead_hits.indptr, lead_hits.indices
    required = [required_evidence(int(n)) for n in lengths.tolist()]
    seen: dict[tuple[Any, ...], dict[str, list[str]]] = {}  # texts with the same hits
    for row in range(corpus.n_texts):
        start, stop = indptr[row], indptr[row + 1]
        columns_, counts_ = indices[start:stop].tolist(), data[start:stop].tolist()
        lead_columns = lead_indices[lead_indptr[row]:lead_indptr[row + 1]].tolist()
        pattern = (required[row], *columns_, *counts_, -1, *lead_columns)
        evidence = seen.get(pattern)
        if evidence is None:
            found = {pairs[c]: n for c, n in zip(columns_, counts_)}
            in_title = {pairs[c][0] for c in lead_columns
                        if taxonomy.roles[pairs[c]] != "exclude"}
            evidence = _assign(found, taxonomy, required[row], in_title)
            evidence = {k: evidence[k] for k in sorted(evidence, key=order.get)}
            seen[pattern] = evidence
        themes_column.append(list(evidence))
        evidence_column.append(evidence)
        for theme in evidence:
            flags[row, order[theme]] = True
    frame = pd.DataFrame({"themes": themes_column, "evidence": evidence_column})
    return pd.concat([frame, pd.DataFrame(flags, columns=taxonomy.keys)], axis=1)


def _lead_positions(corpus: Corpus, lengths: np.ndarray) -> np.ndarray:
    """Whether each token position lies in its text's first sentence (all ``False`` when
    the corpus does not know its texts' leads)."""
    if corpus.leads is None:
        return np.zeros(len(corpus.token_ids), dtype=bool)
    starts = np.repeat(corpus.offsets[:-1], lengths)
    return (np.arange(len(corpus.token_ids)) - starts) < np.repeat(corpus.leads, lengths)


def _lead_counts(corpus: Corpus, in_lead: np.ndarray) -> sparse.csr_matrix:
    """Text × vocabulary counts of the words in each text's first sentence."""
    docs = corpus.doc_of_position()[in_lead]
    return sparse.csr_matrix((np.ones(len(docs), dtype=np.int32),
                              (docs, corpus.token_ids[in_lead])),
                             shape=(corpus.n_texts, len(corpus.vocabulary)))


def _assign(found: Mapping[tuple[str, str], int], taxonomy: Taxonomy,
            required: float, in_title: set[str] | frozenset[str] = frozenset()
            ) -> dict[str, list[str]]:
    """The themes one text's term counts support, with their evidence (see match_themes)."""
    per_theme: dict[str, dict[str, Any]] = {}
    context = False
    for (theme, term), count in found.items():
        role = taxonomy.roles[(theme, term)]
        if role == "ignore":
            continue
        if role == "context":
            context = True
            continue
        entry = per_theme.setdefault(theme, {"strong": {}, "weak": {}, "general": {},
                                             "groups": {}, "exclude": {}})
        if isinstance(role, tuple):
            entry["groups"].setdefault((role[1], role[2]), {})[term] = count
        else:
            entry[role][term] = count
    # a long text needs more evidence (an incidental word is likelier), except for a theme
    # its title or lead names: that is where its subject is
    supported = {theme: terms for theme, entry in per_theme.items()
                 if (terms := _supported(entry, taxonomy.themes[theme],
                                         min(required, 1.0) if theme in in_title
                                         else required))}
    absorbed = {a for t in supported for a in taxonomy.themes[t].absorbs if a != t}
    for theme in absorbed & set(supported):  # the setting of another theme's text
        if not _supported(per_theme[theme], taxonomy.themes[theme], 3 * required):
            del supported[theme]
    subjects = {t for t in supported if not taxonomy.themes[t].setting}
    for theme in [t for t in supported if taxonomy.themes[t].setting]:
        # only where another theme's story happens: not in the title or lead
        if subjects - {theme} and theme not in in_title and not _supported(
                per_theme[theme], taxonomy.themes[theme], 3 * required):
            del supported[theme]
    claimed = bool(supported)
    for theme, entry in per_theme.items():  # general terms: where no other theme is, or
        repeated = sum(entry["general"].values()) >= 2 * required  # repeated
        if theme not in supported and entry["general"] and (repeated or not claimed):
            entry["strong"].update(entry["general"])
            # a theme another assigned theme absorbs needs three times as much here too
            # (a text on leaving "en våldsbejakande miljö" is about defectors)
            if terms := _supported(entry, taxonomy.themes[theme],
                                   3 * required if theme in absorbed else required):
                supported[theme] = terms
    context = context or any(not taxonomy.themes[t].needs_context for t in supported)
    return {t: terms for t, terms in supported.items()
            if context or not taxonomy.themes[t].needs_context}


def _supported(entry: Mapping[str, Any], theme: Theme, required: float) -> list[str]:
    """The evidence terms when one theme's hits in a text suffice, else ``[]``."""
    score = float(sum(entry["strong"].values()))
    terms = list(entry["strong"])
    found = entry["groups"]
    for combo, groups in enumerate(theme.all_combinations()):
        if all((combo, n) in found for n in range(len(groups))):
            score += min(sum(found[(combo, n)].values()) for n in range(len(groups)))
            terms.append(" + ".join(next(iter(found[(combo, n)])).split(_COMBINATION)[0]
                                    for n in range(len(groups))))
    if not terms:
        return []
    score += 0.5 * sum(entry["weak"].values())
    factor = 3.0 if entry.get("exclude") else 1.0  # the words in another sense
    if score < required * theme.min_evidence * factor:
        return []
    return [t.lstrip("=") for t in terms + list(entry["weak"])]


def _phrase_hits(corpus: Corpus, taxonomy: Taxonomy, term_index: Mapping[tuple[str, str], int],
                 n_terms: int, in_lead: np.ndarray
                 ) -> tuple[sparse.csr_matrix, sparse.csr_matrix] | None:
    """Text × term counts of the taxonomy's multi-word terms, in the whole texts and in
    their first sentences. An occurrence inside a longer term of the same theme counts
    once, as the longer term ("center mot våldsbejakande extremism" is not also
    "våldsbejakande extremism")."""
    if not taxonomy.phrases or len(corpus.token_ids) == 0:
        return None
    keys = [word_key(w) for w in corpus.vocabulary]
    key_ids: dict[str, int] = {}
    vocab_key = np.asarray([key_ids.setdefault(k, len(key_ids)) for k in keys], dtype=np.int64)
    sequence = vocab_key[corpus.token_ids]
    docs = corpus.doc_of_position()
    # positions of each first word, found once by sorting (not one pass per phrase)
    order = np.argsort(sequence, kind="stable")
    bounds = np.searchsorted(sequence[order], np.arange(len(key_ids) + 1))
    found: dict[tuple[str, ...], np.ndarray] = {}
    for phrase in taxonomy.phrases:
        ids = [key_ids.get(k) for k in phrase]
        if any(i is None for i in ids):
            continue
        starts = order[bounds[ids[0]]:bounds[ids[0] + 1]]
        starts = starts[starts + len(ids) <= len(sequence)]
        for offset, wanted in enumerate(ids[1:], start=1):
            starts = starts[(sequence[starts + offset] == wanted)
                            & (docs[starts + offset] == docs[starts])]
        if len(starts):
            found[phrase] = starts
    rows, columns, lead = [], [], []
    for phrase, starts in found.items():
        for pair in taxonomy.phrases[phrase]:
            kept = starts
            for longer, offset in _containing(taxonomy, phrase, pair[0]):
                if longer in found:
                    kept = np.setdiff1d(kept, found[longer] + offset)
            rows.extend(docs[kept].tolist())  # one entry per occurrence: summed into counts
            columns.extend([term_index[pair]] * len(kept))
            lead.extend(in_lead[kept].tolist())
    if not rows:
        return None
    rows_, columns_ = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    lead_ = np.asarray(lead, dtype=bool)
    shape = (corpus.n_texts, n_terms)
    return (sparse.csr_matrix((np.ones(len(rows_), dtype=np.int32), (rows_, columns_)),
                              shape=shape),
            sparse.csr_matrix((np.ones(int(lead_.sum()), dtype=np.int32),
                               (rows_[lead_], columns_[lead_])), shape=shape))


def _containing(taxonomy: Taxonomy, phrase: tuple[str, ...], theme: str
                ) -> list[tuple[tuple[str, ...], int]]:
    """Longer multi-word terms of ``theme`` that contain ``phrase``, with its offset."""
    cache = taxonomy.__dict__.setdefault("_containing_cache", {})
    if (phrase, theme) not in cache:
        n = len(phrase)
        cache[(phrase, theme)] = [
            (longer, offset) for longer, pairs in taxonomy.phrases.items()
            if len(longer) > n and any(t == theme for t, _ in pairs)
            for offset in range(len(longer) - n + 1) if longer[offset:offset + n] == phrase]
    return cache[(phrase, theme)]


def assign_themes(items: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Convenience: :func:`match_themes` on the items' titles and texts (same index)."""
    frame = match_themes(build_corpus(item_texts(items)), taxonomy)
    frame.index = items.index
    return frame


def format_evidence(evidence: Mapping[str, Sequence[str]], taxonomy: Taxonomy) -> str:
    """Evidence as plain Swedish text: ``"Avhoppare: avhopp, exitprogram"``."""
    return "; ".join(f"{taxonomy.label(k)}: {', '.join(v)}" for k, v in evidence.items())

