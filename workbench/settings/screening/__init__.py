"""Weak-and-lax screening (软弱涣散基层党组织排查): candidates, decisions, the exit check.

Counties screen every branch once a year against a published list of
criteria. The list is data, in the framework (``screening.triggers``, see
:class:`workbench.assess.ruleset.Screening`): each trigger runs one of the
tests below with its parameters. Screening only *proposes*:

1. :func:`screen` runs every trigger on one period and returns the
   candidates with the reasons that fired and the evidence (figures, dates,
   problem ids) behind each;
2. the planner confirms or rejects each candidate, with a note
   (:meth:`Decisions.decide`; the decisions are a small YAML file written
   atomically, :meth:`Decisions.to_yaml`);
3. :func:`with_decisions` turns the confirmed list into the ``weak_lax`` flag
   of the period, which the framework's weak-and-lax veto reads;
4. :func:`exit_check` says whether a listed branch may leave the list
   (DOMAIN.md: at least 70 points, and not more than half of the satisfaction
   votes "unsatisfied").

The tests (``TRIGGER_TESTS``), all on the roster, the terms and the records
of the period as :mod:`workbench.assess.roster` reads them:

- ``secretary_vacant``: no secretary on the roster at the period's end (the
  data holds no vacancy dates, so "for more than three months" cannot be told);
- ``committee_incomplete``: a committee required but missing, smaller than
  ``rules.committee_min``, or without a discipline member;
- ``election_overdue``: the leadership's term ended before the period's end;
- ``three_meetings_low``: three-meetings-one-lesson completion below ``below``;
- ``organizational_life_missing``: an activity of ``rules.annual_activities``
  (organizational life meeting, democratic review) held fewer times than required;
- ``no_new_members``: nobody joined in the last ``years`` years up to the
  period's end (branches founded within that window are not judged);
- ``satisfaction_low``: satisfaction of the period below ``below``;
- ``income_low``: a village's collective income below ``share_of_median`` x
  the median of the county's villages that year;
- ``problems_unrectified``: ``min_overdue`` or more problems past their
  deadline and still open at the period's end;
- ``serious_violation``: ``min_count`` or more serious discipline problems found
  in the period;
- ``low_score``: in the bottom ``bottom_share`` of the period's assessment
  (total score; the weak-and-lax veto changes grades, never totals).

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> s = screen(data, period=2025)
>>> bool(s.candidates["reasons"].ge(1).all()), list(s.hits.columns[:3])
(True, ['branch_id', 'trigger', 'group'])
"""

from __future__ import annotations

from .core import DECISIONS, HIT_COLUMNS, ScreeningError, ScreeningResult, screen
from .decisions import Decision, Decisions, listed, with_decisions
from .exit import exit_check
from .export import export_candidates

__all__ = [
    "screen",
    "ScreeningResult",
    "ScreeningError",
    "Decision",
    "Decisions",
    "DECISIONS",
    "listed",
    "with_decisions",
    "exit_check",
    "export_candidates",
    "HIT_COLUMNS",
]
