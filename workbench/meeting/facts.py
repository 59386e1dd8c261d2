"""Everything a meeting output shows, computed once: the deck and every report read the same numbers.

:func:`gather` scores the year with a scheme and collects the key figures
(:func:`workbench.studies.kpis.county_kpis`, the numbers the overview shows),
rule violations, the problem list, last year's assessment and the comparison
with it, and the robustness of the grades to the weighting. :class:`MeetingFacts`
holds them with the :class:`~workbench.meeting.context.OutputContext`;
``standing`` is one row per branch with its ranks overall, within its
township and within its kind.

>>> import workbench as wb
>>> facts = gather(wb.load("sample_data"), period=2025, draws=50)
>>> row = facts.standing.loc["B00001"]
>>> int(row["rank"]) == int(facts.result.rank["B00001"])
True
>>> facts.kpis["branches"]
300
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..assess.framework import Framework
from ..assess.indicators import compute_indicators
from ..assess.robustness import monte_carlo
from ..assess.scoring import Scheme
from ..data.core import BranchData
from ..i18n import tr
from ..settings.rules import check_rules
from ..studies.inspection import problem_list
from ..studies.kpis import county_kpis
from ..studies.trends import compare_years
from .context import OutputContext

__all__ = ["MeetingFacts", "MeetingError", "gather", "group_ranks"]

#: Monte Carlo draws behind the robustness slide and the reports (seeded: the same file gives the same deck).
DEFAULT_DRAWS = 500


class MeetingError(ValueError):
    """A meeting output that cannot be made as asked; speaks both languages (``message(lang)``)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return tr(self.key, lang, **self.values)


@dataclass(frozen=True, eq=False)
class MeetingFacts:
    """One year's assessment and everything around it (see the module docstring)."""

    data: BranchData
    scheme: Scheme
    period: int
    table: pd.DataFrame
    result: object            # Assessment of ``period``
    violations: pd.DataFrame  # check_rules of the period
    problems: pd.DataFrame    # problem_list of the period
    kpis: dict
    previous: object | None   # Assessment of the year before, when the data have it
    years: object | None      # YearOverYear (previous -> result), when the data have the year before
    robustness: object        # RobustnessResult
    standing: pd.DataFrame
    context: OutputContext

    @property
    def framework(self) -> Framework:
        return self.scheme.framework

    def grade_label(self, grade, lang: str = "zh") -> str:
        """A grade id's label; "—" for a branch without a grade."""
        return self.framework.label(str(grade), lang) if isinstance(grade, str) and grade else "—"

    def branch_ids(self) -> list[str]:
        """Every branch, best rank first (those without a score last)."""
        return self.standing.index.tolist()


def group_ranks(total: pd.Series, groups: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank within each group (1 = best, ties share the smallest rank, as the overall rank) and group size.

    >>> t = pd.Series([90.0, 80.0, 85.0, np.nan], index=list("abcd"))
    >>> r, n = group_ranks(t, pd.Series(["x", "x", "y", "y"], index=list("abcd")))
    >>> r.tolist(), n.tolist()
    ([1, 2, 1, <NA>], [2, 2, 1, 1])
    """
    groups = groups.reindex(total.index)
    rank = total.groupby(groups, sort=False).rank(method="min", ascending=False).astype("Int64")
    size = total.groupby(groups, sort=False).transform("count").astype("int64")
    return rank, size


def _standing(data: BranchData, result) -> pd.DataFrame:
    info = data.branches.set_index("branch_id")[["name", "township", "kind"]].reindex(result.total.index)
    out = info.copy()
    out["total"] = result.total
    out["rank"] = result.rank
    out["of"] = int(result.total.notna().sum())
    out["rank_township"], out["of_township"] = group_ranks(result.total, info["township"])
    out["rank_kind"], out["of_kind"] = group_ranks(result.total, info["kind"])
    out["grade"] = result.grade.astype(object).where(result.grade.notna(), "")
    vetoes = result.vetoes
    out["veto"] = (vetoes.groupby("branch_id")["veto"].agg(",".join).reindex(out.index).fillna("")
                   if len(vetoes) else "")
    demoted = set(np.asarray(result.quota_demoted, dtype=object).ravel().tolist())
    out["quota_demoted"] = [b in demoted for b in out.index]
    order = np.lexsort((out.index.to_numpy().astype(str), out["rank"].astype("float64").fillna(np.inf).to_numpy()))
    out = out.iloc[order]
    out.index.name = "branch_id"
    return out


def gather(data: BranchData, scheme: Scheme | None = None, period: int | None = None, *, source: str | None = None,
           loaded_at=None, draws: int = DEFAULT_DRAWS, seed: int = 0) -> MeetingFacts:
    """Score ``period`` with ``scheme`` (default: the default framework's) and gather what a meeting shows.

    Parameters
    ----------
    data : BranchData
    scheme : Scheme, optional
    period : int, optional
        The year (default: the latest with records). A year without records is refused.
    source : str, optional
        The data's file or folder for the context (default: ``data.source``).
    loaded_at : str or datetime, optional
        When the data were loaded, for the context.
    draws, seed : int
        Monte Carlo draws of the weights (±20 %, Dirichlet) for the robustness of the grades.

    Raises
    ------
    MeetingError
        When the data hold no records of ``period`` (the message lists the years they do hold).

    >>> import workbench as wb
    >>> gather(wb.load("sample_data"), period=1990)
    Traceback (most recent call last):
    ...
    workbench.meeting.facts.MeetingError: the data hold no records of 1990; years with records: 2024, 2025
    """
    scheme = scheme or Scheme(Framework.default())
    years = data.periods
    if period is None:
        if not years:
            raise MeetingError("meeting_no_years")
        period = years[-1]
    period = int(period)
    if period not in years:
        raise MeetingError("meeting_period_unknown", period=period, years=", ".join(map(str, years)) or "—")
    fw = scheme.framework
    table = compute_indicators(data, fw, period=period)
    result = scheme.score(table, groups=data)
    violations = check_rules(data, fw.rules, period=period)
    problems = problem_list(data, period=period)
    kpis = county_kpis(data, table, result, violations)
    previous = comparison = None
    if period - 1 in years:
        previous = scheme.score(compute_indicators(data, fw, period=period - 1), groups=data)
        comparison = compare_years(previous, result, data=data)
    robust = monte_carlo(scheme, table, n=draws, seed=seed, groups=data, progress=False)
    context = OutputContext.of(scheme, period, source=data.source if source is None else source,
                               loaded_at=loaded_at)
    return MeetingFacts(data=data, scheme=scheme, period=period, table=table, result=result,
                        violations=violations, problems=problems, kpis=kpis, previous=previous, years=comparison,
                        robustness=robust, standing=_standing(data, result), context=context)
