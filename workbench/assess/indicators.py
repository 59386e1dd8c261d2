"""Indicators derived from the records of one period (a calendar year).

Each indicator of a framework names a *derivation*: a function of a
:class:`Context` (the data, the period, and shared intermediate arrays) that
returns one value per branch. Derivations are vectorised: per-branch sums,
counts and means are ``numpy.bincount`` over integer branch codes, never a
Python loop over branches. Users register their own with
:func:`register_derivation`.

Conventions (stated once, used everywhere):

- The roster, the committee and the term are read as :mod:`workbench.assess.roster`
  defines them, exactly as the rules (``check_rules``) and the inspection
  tables read them: the members of a branch in a period are those who had
  joined by the period's last day; a member is formal then if marked formal
  and a year past joining; ages are ``period - birth_year``.
- A branch *has a committee* by :func:`workbench.assess.roster.has_committee`
  (a committee-only post is held, or more than a secretary and one deputy
  lead); the committee-based measures (discipline member, committee
  meetings, their share of three meetings and one lesson) apply there. The
  leadership measures (mean age, education, a member under 35) read every
  holder of a committee role, which in a branch without a committee is its
  secretary and deputy.
- Counts of meetings, trainings, inspections and problems include only records
  dated within the period; rectification and overdue problems are as of the
  period end.
- "Not applicable" is NaN (e.g. collective income of an enterprise branch,
  committee meetings of a branch without a committee, the activity measures
  of a branch established after the period began); the scheme's missing
  policy decides what NaN does to a score, and reports it.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> table = compute_indicators(data, wb.Framework.default(), period=2025)
>>> table.loc[:, "three_meetings_completion"].between(0, 1).all()
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.core import BranchData
from .context import Context
from .derivations import ASSESSOR, DERIVATIONS, Derivation, register_derivation
from .framework import Framework
from .scores import check_scores

__all__ = ["compute_indicators", "carry_forward", "register_derivation", "DERIVATIONS", "Context", "Derivation"]


def compute_indicators(data: BranchData, framework: Framework | None = None, period: int | None = None,
                       *, strict: bool = True, carry_forward: bool | list[str] = False) -> pd.DataFrame:
    """The raw indicator table of one period: index branch_id, a column per indicator id.

    The framework's veto flags follow as extra columns. ``period`` defaults to
    the latest year with records. The table carries ``attrs["period"]``.
    ``strict=False`` computes a period without records (a partition of a
    country where nothing was recorded that year) instead of refusing it.
    ``carry_forward`` (an explicit missing-value option, off by default)
    fills a missing value with the branch's value of the year before
    (:func:`carry_forward`; True: every indicator whose gaps are missing
    records, or a list of indicator ids); the filled cells are listed in
    ``attrs["carried"]``.

    >>> import workbench as wb
    >>> t = wb.compute_indicators(wb.load("sample_data"), period=2024)
    >>> t.attrs["period"], t.shape[1] >= 25
    (2024, True)
    """
    framework = framework or Framework.default()
    periods = data.periods
    if period is None:
        if not periods:
            raise ValueError("the data has no dated records (meetings, trainings, inspections); "
                             "cannot choose a period")
        period = periods[-1]
    if strict and periods and period not in periods:
        raise ValueError(f"no records for period {period}; years with records: "
                         + ", ".join(map(str, periods)))
    ctx = Context(data, period, framework.rules)
    founded_during = (data.branches["established"] > ctx.start).to_numpy()
    columns: dict[str, np.ndarray] = {}
    items = [(f"indicator {i.id!r}", i.id, i.derivation) for i in framework.indicators]
    items += [(f"flag {f.id!r}", f.id, f.derivation) for f in framework.flags]
    items += [(f"bonus item {b.id!r}", b.id, b.derivation) for b in framework.bonus]
    if any(name == ASSESSOR for _w, _c, name in items):
        check_scores(data, framework)   # unknown items, scores above the points: refused at their cells
    kinds = data.branches["kind"].astype(object).to_numpy()
    applies = {i.id: i.applies_to for i in framework.indicators}
    applies.update({b.id: b.applies_to for b in framework.bonus})
    for what, column, name in items:
        if name == ASSESSOR:
            # the assessors' score of this item (table scores), NaN where the branch has none
            scores = data.scores
            mine = scores[(scores["year"] == period) & (scores["item"] == column)]
            columns[column] = (mine.groupby("branch_id")["assessor_score"].max()
                               .reindex(ctx.branch_ids).to_numpy(dtype="float64"))
            if applies.get(column):
                columns[column] = np.where(np.isin(kinds, applies[column]), columns[column], np.nan)
            continue
        if name not in DERIVATIONS:
            raise ValueError(f"{what}: unknown derivation {name!r}; registered: "
                             + ", ".join(sorted(DERIVATIONS)))
        values = DERIVATIONS[name].func(ctx)
        if isinstance(values, pd.Series):
            values = values.reindex(ctx.branch_ids).to_numpy(dtype="float64")
        values = np.asarray(values, dtype="float64")
        if values.shape != (ctx.n,):
            raise ValueError(f"{what}: derivation {name!r} returned shape {values.shape}, "
                             f"expected ({ctx.n},)")
        if DERIVATIONS[name].activity and founded_during.any():
            values = np.where(founded_during, np.nan, values)
        if applies.get(column):
            # an item of other kinds of branch: no value (the scheme leaves it out, never counts it missing)
            values = np.where(np.isin(kinds, applies[column]), values, np.nan)
        columns[column] = values
    table = pd.DataFrame(columns, index=ctx.branch_ids)
    for column in framework.branch_columns:
        # which items apply, and the groups of standards by kind, are read from the table by the scheme
        table[column] = data.branches[column].astype(str).to_numpy()
    table.attrs["period"] = int(period)
    if carry_forward:
        previous = compute_indicators(data, framework, period - 1, strict=False)
        table = globals()["carry_forward"](table, previous, framework=framework,
                                           indicators=None if carry_forward is True else carry_forward)
    return table


#: Columns of ``attrs["carried"]``: what :func:`carry_forward` filled.
CARRIED_COLUMNS = ("branch_id", "indicator", "value", "from_period")


def carry_forward(table: pd.DataFrame, previous: pd.DataFrame, *, indicators: list[str] | None = None,
                  framework: Framework | None = None) -> pd.DataFrame:
    """``table`` with its missing values filled from ``previous`` (last year's table), flagged.

    Only an explicit option: a value is carried where this year's is NaN and
    last year's is known, for ``indicators`` (default: the framework's
    indicators whose derivation marks a NaN as a missing record, e.g.
    satisfaction, collective income, inspection scores; never a "does not
    apply" NaN such as the committee meetings of a branch without a
    committee). Returns a new table; ``attrs["carried"]`` lists every filled
    cell (``branch_id, indicator, value, from_period``), earlier carries included.

    >>> this = pd.DataFrame({"satisfaction": [80.0, np.nan]}, index=pd.Index(["a", "b"], name="branch_id"))
    >>> last = pd.DataFrame({"satisfaction": [70.0, 75.0]}, index=this.index)
    >>> last.attrs["period"] = 2024
    >>> out = carry_forward(this, last)
    >>> out["satisfaction"].tolist(), out.attrs["carried"]["branch_id"].tolist()
    ([80.0, 75.0], ['b'])
    """
    if indicators is None:
        framework = framework or Framework.default()
        indicators = [i.id for i in framework.indicators if i.id in table.columns
                      and i.derivation in DERIVATIONS and DERIVATIONS[i.derivation].recorded]
    unknown = [i for i in indicators if i not in table.columns]
    if unknown:
        raise ValueError(f"carry_forward: {unknown} are not columns of the table; columns: {list(table.columns)}")
    out = table.copy()
    before = previous.reindex(index=table.index)
    rows = []
    for ind in indicators:
        if ind not in before.columns:
            continue
        fill = table[ind].isna() & before[ind].notna()
        if fill.any():
            out.loc[fill, ind] = before.loc[fill, ind]
            rows.append(pd.DataFrame({"branch_id": table.index[fill.to_numpy()], "indicator": ind,
                                      "value": before.loc[fill, ind].to_numpy(dtype="float64"),
                                      "from_period": previous.attrs.get("period")}))
    earlier = table.attrs.get("carried")
    carried = pd.concat(([earlier] if earlier is not None else []) + rows, ignore_index=True) if (
        rows or earlier is not None) else pd.DataFrame(columns=list(CARRIED_COLUMNS))
    out.attrs = {**table.attrs, "carried": carried}
    return out
