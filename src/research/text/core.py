"""Swedish (and English) text normalisation shared by the domain modules.

Tokenising, stop words and lemmas (simplemma, which ships its dictionaries in the wheel:
nothing is downloaded).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import simplemma

__all__ = [
    "TOKEN",
    "STOP_WORDS_SV",
    "STOP_WORDS_EN",
    "STOP_WORDS",
    "normalise",
    "tokenize",
    "lemma",
    "is_known_word",
    "content_tokens",
    "guess_language",
]

TOKEN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)

# Common Swedish function words (our own list: pronouns, articles, prepositions,
# conjunctions, auxiliaries and frequent adverbs).
STOP_WORDS_SV = frozenset(
    """
    alla allt alltså andra andras annan annat att av bara bland blev bli blir blivit bäst
    bättre både båda dag de dem den denna dens deras dess dessa det detta dig din dina ditt
    du där därför då efter eftersom ej eller em en ett fanns finns fick flera fler fram
    från får för före förra ganska ge genom ger gick gjorde gjort gör hade han hans har
    hela helt hen henne hennes hit hon honom hur här i ibland icke idag igen in inför inga
    ingen inget innan inom inte ju just kan kanske kommer kunde kunna man med medan mellan
    men mer mest mig min mina mitt mot mycket många måste ned ner nu när någon något några
    och också om oss på redan samma samt se sedan sig sin sina sitt själv ska skall skulle
    slut som så sådan sådana sådant säger till tills tog tre två under upp ur ut utan vad
    var vara varför varit varje vars vart vem vi vid vilka vilken vilket vill än ännu är
    år åt över även enligt per cirka ca bl.a t.ex dvs osv också samtidigt inom kring
    """.split()
)

STOP_WORDS_EN = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves may might must shall within without per via among
    """.split()
)

STOP_WORDS = STOP_WORDS_SV | STOP_WORDS_EN


def normalise(text: object) -> str:
    """Lower-case, NFC-normalised text with folded white space."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    return " ".join(value.lower().split())


def tokenize(text: object) -> list[str]:
    """Split text into lower-case word tokens (letters only, inner hyphens kept)."""
    return TOKEN.findall(normalise(text))


@lru_cache(maxsize=200_000)
def lemma(token: str, lang: str = "sv") -> str:
    """Return the lemma of one lower-case token (Swedish by default)."""
    return simplemma.lemmatize(token, lang=lang).lower()


@lru_cache(maxsize=200_000)
def is_known_word(token: str, lang: str = "sv") -> bool:
    """Whether the lemma dictionary (simplemma's, as :func:`lemma` uses) knows the
    lower-case ``token`` as a word of ``lang``."""
    return simplemma.is_known(token, lang=lang)


def content_tokens(text: object, lang: str = "sv", *, lemmatize: bool = True) -> list[str]:
    """Tokens without stop words or one-letter words, optionally lemmatised."""
    tokens = [t for t in tokenize(text) if len(t) > 1 and t not in STOP_WORDS]
    return [lemma(t, lang) for t in tokens] if lemmatize else tokens


def guess_language(text: object) -> str:
    """Guess ``"sv"`` or ``"en"`` from stop-word frequencies (``"und"`` when unsure)."""
    tokens = tokenize(text)
    sv = sum(t in STOP_WORDS_SV for t in tokens)
    en = sum(t in STOP_WORDS_EN for t in tokens)
    if sv == en:
        return "und" if not any(ch in "åäö" for ch in normalise(text)) else "sv"
    return "sv" if sv > en else "en"
