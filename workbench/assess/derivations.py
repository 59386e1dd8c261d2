"""The registry of derivations: how an indicator's raw value is computed from the data of a period.

The registry is declared here, below the framework, so that reading a
framework (a county rule sheet names the indicators it scores) can check the
names without the indicator code; :mod:`workbench.assess.indicators` registers
the built-in derivations and computes them. A user adds one with
:func:`register_derivation`.

>>> "my_measure" in DERIVATIONS
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Derivation", "DERIVATIONS", "register_derivation", "ASSESSOR"]

#: The source of an item the assessors score on site (the ``scores`` table), not derived from records.
ASSESSOR = "assessor"


@dataclass(frozen=True)
class Derivation:
    name: str
    func: Callable
    description: str = ""
    #: counts or rates of the period's records: not applicable to a branch founded after the period began
    activity: bool = False
    #: a missing value is a missing record (a survey not taken, an inspection not made), not "does
    #: not apply": ``carry_forward`` may fill it with last year's value
    recorded: bool = False


#: The registry of derivations by name.
DERIVATIONS: dict[str, Derivation] = {}


def register_derivation(name: str, func: Callable | None = None, *, description: str = "",
                        activity: bool = False, recorded: bool = False, replace: bool = False):
    """Register ``func(ctx) -> values per branch`` under ``name`` (usable as a decorator).

    The function returns a numpy array aligned with ``ctx.branch_ids`` or a
    Series indexed by branch_id (missing branches become NaN). ``activity=True``
    marks a measure of the period's records (meetings, trainings, inspections):
    it is NaN for branches established after the period began, whose year of
    records is partial or empty (new branches of a split, a created branch).
    ``recorded=True`` says a NaN is a missing record that
    :func:`~workbench.assess.indicators.carry_forward` may fill from last year.
    ``assessor`` is reserved: items of that source take the assessors' scores.

    >>> @register_derivation("members_over_60", replace=True)
    ... def _old(ctx):
    ...     return ctx.per_branch(ctx.age >= 60)
    >>> del DERIVATIONS["members_over_60"]
    """
    if name == ASSESSOR:
        raise ValueError(f"{ASSESSOR!r} is reserved for the items the assessors score (the scores table)")

    def decorate(f):
        if name in DERIVATIONS and not replace:
            raise ValueError(f"a derivation named {name!r} is already registered; pass replace=True")
        DERIVATIONS[name] = Derivation(name, f, description or (f.__doc__ or "").strip(), activity, recorded)
        return f
    return decorate(func) if func is not None else decorate
