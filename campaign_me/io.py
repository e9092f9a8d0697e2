"""Compatibility alias of :mod:`campaign_me.intake` (the intake code moved there).

``from campaign_me.io import load_survey`` keeps working; new code imports from
:mod:`campaign_me.intake` (and :mod:`campaign_me.privacy` for :func:`find_pii`).
"""

from __future__ import annotations

from campaign_me.errors import IntakeWarning
from campaign_me.intake import PROBLEM_COLUMNS, format_problems, load_survey, summarize_problems
from campaign_me.privacy import find_pii

__all__ = ["PROBLEM_COLUMNS", "IntakeWarning", "find_pii", "format_problems", "load_survey", "summarize_problems"]
