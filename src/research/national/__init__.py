"""National synthesis: the national expert platform's briefing from the Kunskapshus bundles.

Reads what ``research import`` stored (:mod:`.inbox`); builds the national lägesbild with
honest ranges where municipalities hid cells (:mod:`.situation`); pools methods, survey
indices and rising themes across Kunskapshus (:mod:`.pooling`); :mod:`.briefing` holds the
Swedish wording and the notebook entry point :func:`analyse`.
"""

from .briefing import NationalSynthesis, analyse, range_text
from .inbox import Inbox, coverage, load_inbox
from .pooling import method_evaluations, rising_everywhere, stratified_estimate, survey_indices
from .situation import audit_union, national_table, theme_total_bounds

__all__ = ["NationalSynthesis", "analyse", "range_text", "Inbox", "coverage", "load_inbox",
           "method_evaluations", "rising_everywhere", "stratified_estimate", "survey_indices",
           "audit_union", "national_table", "theme_total_bounds"]
