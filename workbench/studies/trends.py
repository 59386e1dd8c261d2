"""Year over year: grade transitions, rank shifts, township trends, and why branches moved.

Counties compare every year with the last. :func:`year_over_year` scores both
years with one scheme and returns a :class:`YearOverYear`:

- ``transitions``: a grade x grade matrix (rows last year's grade, columns
  this year's, best first): how many 规范 became 三强, how many fell;
- ``branches``: per branch both totals, ranks and grades, the change and the
  rank shift (positive: moved up), the grade move (+1 up, -1 down);
- ``townships``: the mean score of each dimension per township in both
  years and its change (long format: township, dimension, before, after, change);
- ``movers``: the branches that moved most, each with the indicators that
  explain it (:meth:`YearOverYear.why`: the change of each indicator's
  contribution, ``Assessment.explain`` of both years).

:func:`branch_changes` is the per-branch core both this module and the
research page's movers view (:func:`workbench.studies.research.movers`) use.

A value missing this year may be carried forward from last year
(``carry_forward=True``, :func:`workbench.assess.indicators.carry_forward`):
an explicit option, and the carried cells are listed in ``carried``.

>>> import workbench as wb
>>> y = year_over_year(wb.load("sample_data"), before=2024, after=2025)
>>> int(y.transitions.to_numpy().sum()) == len(y.branches)
True
>>> y.movers.columns[:4].tolist()
['name', 'township', 'total_before', 'total_after']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..assess.framework import Framework
from ..assess.indicators import carry_forward as _carry, compute_indicators
from ..data.core import BranchData
from ..i18n import tr

__all__ = ["YearOverYear", "year_over_year", "compare_years", "branch_changes", "why_moved"]


def branch_changes(before, after) -> pd.DataFrame:
    """Per branch scored in both assessments: totals, ranks, grades, and every change.

    Columns ``total_before, total_after, change, rank_before, rank_after,
    shift`` (rank before minus rank after: positive when the branch moved
    up), ``grade_before, grade_after``, ``grade_move`` (+1 a better grade, -1
    a worse one, 0 the same), then ``dim:<id>`` (change of each dimension
    score) and ``ind:<id>`` (change of each indicator's normalized score).

    >>> import workbench as wb
    >>> data, fw = wb.load("sample_data"), wb.Framework.default()
    >>> r24, r25 = (wb.Scheme(fw).score(wb.compute_indicators(data, fw, period=p)) for p in (2024, 2025))
    >>> c = branch_changes(r24, r25)
    >>> bool((c["change"] == c["total_after"] - c["total_before"]).all())
    True
    """
    common = before.total.index.intersection(after.total.index, sort=False)
    cmp = after.compare(before).table.reindex(common)
    order = {g: k for k, g in enumerate(after.framework.grade_ids[::-1])}  # worst 0 ... best
    gb = cmp["grade_before"].astype(object).map(order)
    ga = cmp["grade_after"].astype(object).map(order)
    out = pd.DataFrame({
        "total_before": cmp["total_before"].astype("float64"),
        "total_after": cmp["total_after"].astype("float64"),
        "change": (cmp["total_after"] - cmp["total_before"]).astype("float64"),
        "rank_before": cmp["rank_before"], "rank_after": cmp["rank_after"], "shift": cmp["shift"],
        "grade_before": cmp["grade_before"].astype(object), "grade_after": cmp["grade_after"].astype(object),
        "grade_move": np.sign(ga - gb).astype("Int64"),
    }, index=common)
    dims = after.dimensions.reindex(common) - before.dimensions.reindex(common)
    inds = after.indicators.reindex(common) - before.indicators.reindex(common)
    out = pd.concat([out, dims.add_prefix("dim:"), inds.add_prefix("ind:")], axis=1)
    out.index.name = "branch_id"
    return out


def why_moved(before, after, branch_id: str, *, lang: str = "zh", top: int | None = None) -> pd.DataFrame:
    """The indicators behind one branch's move: ``Assessment.explain`` of both years, side by side.

    Columns ``indicator, label, dimension, value_before, value_after,
    contribution_before, contribution_after, change`` (after minus before),
    largest ``|change|`` first. Contributions are measured against each
    year's county mean, so the changes add up to the branch's change of
    total minus the county's mean change (arithmetic aggregation, complete data).

    >>> import workbench as wb
    >>> data, fw = wb.load("sample_data"), wb.Framework.default()
    >>> r24, r25 = (wb.Scheme(fw).score(wb.compute_indicators(data, fw, period=p)) for p in (2024, 2025))
    >>> why_moved(r24, r25, "B00001", lang="en").columns[:4].tolist()
    ['indicator', 'label', 'dimension', 'value_before']
    """
    eb = before.explain(branch_id, lang=lang).set_index("indicator")
    ea = after.explain(branch_id, lang=lang).set_index("indicator")
    ids = [i for i in after.framework.indicator_ids if i in eb.index]
    out = pd.DataFrame({
        "indicator": ids,
        "label": ea.loc[ids, "label"].to_numpy(),
        "dimension": ea.loc[ids, "dimension"].to_numpy(),
        "value_before": eb.loc[ids, "value"].to_numpy(dtype="float64"),
        "value_after": ea.loc[ids, "value"].to_numpy(dtype="float64"),
        "contribution_before": eb.loc[ids, "contribution"].to_numpy(),
        "contribution_after": ea.loc[ids, "contribution"].to_numpy(),
    })
    out["change"] = out["contribution_after"] - out["contribution_before"]
    out = out.reindex(out["change"].abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)
    return out.head(top) if top else out


@dataclass(frozen=True)
class YearOverYear:
    """Two assessments of the same county compared (see the module docstring)."""

    before: object          # Assessment of the earlier year
    after: object           # Assessment of the later year
    branches: pd.DataFrame
    transitions: pd.DataFrame
    townships: pd.DataFrame
    movers: pd.DataFrame
    kendall_tau: float
    carried: pd.DataFrame | None = None   # (branch, indicator) cells carried forward into ``after``

    @property
    def periods(self) -> tuple[int, int]:
        return int(self.before.period), int(self.after.period)

    def why(self, branch_id: str, *, lang: str = "zh", top: int | None = 5) -> pd.DataFrame:
        """:func:`why_moved` for one branch."""
        return why_moved(self.before, self.after, branch_id, lang=lang, top=top)

    def grade_moves(self) -> dict[str, int]:
        """How many branches moved ``up`` a grade, ``down``, or stayed (``same``)."""
        move = self.branches["grade_move"].dropna().astype(int)
        return {"up": int((move > 0).sum()), "down": int((move < 0).sum()), "same": int((move == 0).sum())}

    def transition_labels(self, lang: str = "zh") -> pd.DataFrame:
        """The transition matrix with grade labels in ``lang`` (rows: before, columns: after)."""
        fw = self.after.framework
        out = self.transitions.copy()
        out.index = [fw.label(g, lang) for g in out.index]
        out.columns = [fw.label(g, lang) for g in out.columns]
        out.index.name = tr("yoy_before", lang, year=self.periods[0])
        out.columns.name = tr("yoy_after", lang, year=self.periods[1])
        return out

    def summary(self, lang: str = "zh") -> str:
        """One sentence: grade moves up / down / same and the mean rank movement."""
        m = self.grade_moves()
        shift = self.branches["shift"].astype("float64").abs().mean()
        return tr("yoy_summary", lang, up=m["up"], down=m["down"], same=m["same"], shift=shift)


def compare_years(before, after, *, data: BranchData | None = None, n_movers: int = 10,
                  by: str = "rank", lang: str = "zh", carried: pd.DataFrame | None = None) -> YearOverYear:
    """Compare two assessments (same framework; ``before`` the earlier year).

    ``data`` gives names and townships (without it the township trends are
    empty). ``n_movers`` branches that moved most are listed, by rank shift
    (``by="rank"``) or by change of total (``by="total"``), each with its top
    three reasons in both languages (``why_zh``, ``why_en``).
    """
    if by not in ("rank", "total"):
        raise ValueError(f"by must be 'rank' or 'total', got {by!r}")
    changes = branch_changes(before, after)
    info = (data.branches.set_index("branch_id")[["name", "township"]].reindex(changes.index)
            if data is not None else pd.DataFrame({"name": changes.index, "township": ""}, index=changes.index))
    branches = pd.concat([info, changes], axis=1)
    cmp = after.compare(before)
    key = branches["shift"].astype("float64").abs() if by == "rank" else branches["change"].abs()
    order = np.lexsort((branches.index.to_numpy().astype(str), -branches["change"].abs().to_numpy(),
                        -key.to_numpy()))
    top = branches.iloc[order[:n_movers]]
    movers = top[["name", "township", "total_before", "total_after", "change", "rank_before", "rank_after",
                  "shift", "grade_before", "grade_after"]].copy()
    # the reasons once per branch (explain is the cost), their labels in each language
    reasons = [why_moved(before, after, b, lang="zh", top=3) for b in movers.index]
    fw = after.framework
    for lng in ("zh", "en"):
        movers[f"why_{lng}"] = [_why_text(rows.assign(label=[fw.label(i, lng) for i in rows["indicator"]]), lng)
                                for rows in reasons]
    return YearOverYear(before=before, after=after, branches=branches, transitions=cmp.transitions,
                        townships=_township_trends(before, after, info["township"]) if data is not None
                        else pd.DataFrame(columns=["township", "dimension", "before", "after", "change"]),
                        movers=movers, kendall_tau=cmp.kendall_tau, carried=carried)


def _why_text(rows: pd.DataFrame, lang: str) -> str:
    def fmt(x):
        if not np.isfinite(x):
            return "—"
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")

    parts = [f"{r.label} {fmt(r.value_before)}→{fmt(r.value_after)}（{r.change:+.1f}）" if lang == "zh"
             else f"{r.label} {fmt(r.value_before)}→{fmt(r.value_after)} ({r.change:+.1f})"
             for r in rows.itertuples(index=False)]
    return ("；" if lang == "zh" else "; ").join(parts)


def _township_trends(before, after, townships: pd.Series) -> pd.DataFrame:
    rows = []
    for label, result in (("before", before), ("after", after)):
        dims = result.dimensions.copy()
        dims["township"] = townships.reindex(dims.index).to_numpy()
        means = dims.groupby("township").mean()
        means["total"] = result.total.groupby(townships.reindex(result.total.index)).mean()
        rows.append(means.stack().rename(label))
    out = pd.concat(rows, axis=1).reset_index()
    out.columns = ["township", "dimension", "before", "after"]
    out["change"] = out["after"] - out["before"]
    return out


def year_over_year(data: BranchData, framework: Framework | None = None, *, before: int | None = None,
                   after: int | None = None, scheme=None, n_movers: int = 10, by: str = "rank",
                   carry_forward: bool | list[str] = False) -> YearOverYear:
    """Score ``before`` and ``after`` (default: the last two years with records) and compare them.

    Parameters
    ----------
    scheme : Scheme, optional
        The weights and methods used for both years (default: the framework's).
    carry_forward : bool or list of str
        Fill a value missing in ``after`` with the branch's ``before`` value
        (True: the indicators whose gaps are missing records, see
        :func:`workbench.assess.indicators.carry_forward`; or a list of
        indicator ids). The carried cells are in ``YearOverYear.carried``.

    >>> import workbench as wb
    >>> y = year_over_year(wb.load("sample_data"))
    >>> y.periods
    (2024, 2025)
    """
    from ..assess.scoring import Scheme

    framework = framework or (scheme.framework if scheme is not None else Framework.default())
    scheme = scheme or Scheme(framework)
    periods = data.periods
    if after is None:
        if not periods:
            raise ValueError("the data has no dated records; cannot choose the years to compare")
        after = periods[-1]
    if before is None:
        before = after - 1
    if before >= after:
        raise ValueError(f"before ({before}) must be an earlier year than after ({after})")
    t_before = compute_indicators(data, framework, period=before)
    t_after = compute_indicators(data, framework, period=after)
    carried = None
    if carry_forward:
        t_after = _carry(t_after, t_before, indicators=None if carry_forward is True else carry_forward)
        carried = t_after.attrs["carried"]
    r_before = scheme.score(t_before, groups=data)
    r_after = scheme.score(t_after, groups=data)
    return compare_years(r_before, r_after, data=data, n_movers=n_movers, by=by, carried=carried)
