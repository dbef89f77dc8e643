"""The template briefing (mall): the Kunskapshus activity log.

``readers`` (the validated log), ``tables`` (pure summaries), ``figures`` (the figure
factory) and ``briefing`` (``analyse``, the notebook's entry point, with the Swedish wording).
"""

from .briefing import ActivityBriefing, analyse, findings
from .figures import HATCHES, plot_by_month
from .readers import ACTIVITY_LABELS, COLUMNS, read_activities
from .tables import by_activity, by_month, select_period

__all__ = ["ACTIVITY_LABELS", "COLUMNS", "HATCHES", "ActivityBriefing", "analyse", "by_activity",
           "by_month", "findings", "plot_by_month", "read_activities", "select_period"]
