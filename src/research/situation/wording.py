"""Swedish wording shared by the lägesbild's figures and briefing."""

from __future__ import annotations

import math

from ..privacy import TOTAL_LABEL
from ..report.formatting import format_number
from .picture import SituationPicture, unit_words
from .readers import WHOLE_MUNICIPALITY

__all__ = ["NO_CHANGES_TEXT", "largest_changes", "lower_first", "place", "change_sentence"]

NO_CHANGES_TEXT = ("Inga förändringar kan beskrivas utan att röja dolda celler eller så "
                   "saknas jämförbara perioder.")


def largest_changes(picture: SituationPicture, n: int = 3) -> list[str]:
    """The ``n`` largest changes against the previous period in plain Swedish.

    Only cells published in both periods (never a suppressed cell) are used; ranked by
    absolute change.
    """
    _, previous_word, _ = unit_words(picture.period)
    candidates = []
    for area in picture.areas:
        for theme in picture.themes:
            now = picture.total(picture.current, area, theme)
            before = picture.total(picture.previous, area, theme)
            if math.isnan(now) or math.isnan(before) or now == before:
                continue
            candidates.append((abs(now - before), now, before, area, theme))
    candidates.sort(key=lambda item: (-item[0], item[3], item[4]))
    sentences = []
    for _, now, before, area, theme in candidates[:n]:
        sentences.append(change_sentence(picture, area, theme, now, before, previous_word))
    return sentences


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym (\"IT\")."""
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def place(area: str) -> str:
    """\"i Centrum\", \"i hela kommunen\" …"""
    if area == WHOLE_MUNICIPALITY:
        return "som gäller hela kommunen"
    if area == TOTAL_LABEL:
        return "i hela kommunen"
    return f"i {area}"


def change_sentence(picture: SituationPicture, area: str, theme: str, now: float,
                     before: float, comparison: str) -> str:
    """One change in plain Swedish."""
    label = lower_first(picture.theme_labels.get(theme, theme))
    verb = "ökade" if now > before else "minskade"
    return (f"Rapporter om {label} {place(area)} {verb} från {format_number(before)} till "
            f"{format_number(now)} jämfört med {comparison}.")


