"""Branch-setting scenarios: merge, split, move, dissolve, create, appoint, vacate.

A :class:`Scenario` is an ordered list of operations on a baseline
:class:`~workbench.data.BranchData`. Each operation is a small frozen object
with a pure ``apply(data) -> BranchData``; the scenario applies them in turn
to a working copy (arrays, copied only where an operation changes them), so
the baseline never changes and every member ends in exactly one branch. Scenarios are
immutable values, like the baseline: every builder method
(``merge``, ``move``, ...) and :meth:`Scenario.undo` return a *new* scenario,
which makes "a failed operation leaves the scenario as it was" automatic.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> s = Scenario(data).merge(["B00031", "B00032"], name="示范联合党支部").move(["M0000001"], to="B00003")
>>> len(s), s.created_ids
(2, ('B00301',))
>>> after = s.apply()
>>> "B00031" in set(after.branches["branch_id"]), data.equals(wb.load("sample_data"))
(False, True)

Choices, stated once (each operation's docstring repeats its own):

- Committee posts belong to a branch. A member who changes branch (``move``,
  ``dissolve``, the leaving parts of a ``split``, the non-lead parts of a
  ``merge``) arrives as an ordinary member; ``appoint`` gives posts.
- Records follow the organisation that answers for them: a merged (or
  absorbing) branch takes over the meetings, inspections and problems of its
  parts, so its indicators derive from the merged records; a split keeps every
  record with the part that keeps the branch id. Trainings belong to members
  and go where they go.
- New branch ids continue the baseline's numbering after the highest id ever
  used in the scenario (``B00300`` → ``B00301``), so they are deterministic
  and never reused, even after the branch that held one is dissolved.

One module per concept: :mod:`.operations` (the seven operations),
:mod:`.state` (the working arrays), :mod:`.ids` (new ids, the effective date),
:mod:`.scenario` (:class:`Scenario`), :mod:`.io` (YAML), :mod:`.compare`
(before / after), :mod:`.errors` and :mod:`.texts` (messages from the catalogue,
:mod:`workbench.i18n.settings`, in either language).
"""

from .compare import ScenarioComparison
from .errors import InvalidOperationError, ScenarioError, ScenarioFileError, UnknownIdError
from .operations import (OPERATIONS, SINGLE_POSTS, Appoint, Create, Dissolve, Merge, Move, Operation, Split,
                         Vacate)
from .scenario import Scenario

__all__ = [
    "Scenario",
    "ScenarioComparison",
    "ScenarioError",
    "UnknownIdError",
    "InvalidOperationError",
    "ScenarioFileError",
    "Operation",
    "Merge",
    "Split",
    "Move",
    "Dissolve",
    "Create",
    "Appoint",
    "Vacate",
    "OPERATIONS",
    "SINGLE_POSTS",
]
