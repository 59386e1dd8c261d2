"""Inspection and rectification (key point 5): completion, inspection scores, the problem list.

Pure functions of a :class:`~workbench.data.BranchData` and a period, used by
the inspection dashboard, the command line and researchers alike:

- :func:`completion_matrix`: three-meetings-one-lesson completion by branch
  and activity (held / required, capped at 1; NaN where the activity does not
  apply), with the branch's overall completion (the indicator
  ``three_meetings_completion``);
- :func:`inspection_scores`: mean inspection score by branch and method
  (platform, onsite, materials);
- :func:`problem_list`: the problems of a period with their status at its end
  (overdue first), :func:`filter_problems`, :func:`rectification_progress`
  (found vs closed off over time) and :func:`export_problems` (Excel, atomic).

Conventions are those of :mod:`workbench.assess.indicators`: a period is a calendar
year; a problem's status is taken at the period end ("as of").

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> m = completion_matrix(data, 2025)
>>> list(m.columns)
['general_meeting', 'committee_meeting', 'group_meeting', 'party_lesson', 'overall']
>>> problems = problem_list(data, period=2025)
>>> problems["status"].iloc[0]
'overdue'
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..assess import roster
from ..data.core import BranchData
from ..files import write_excel
from ..data.schema import INSPECTION_METHODS, PROBLEM_CATEGORIES, SEVERITIES
from ..i18n import tr
from ..assess.ruleset import RuleSet
from .about import filter_lines

__all__ = [
    "PROBLEM_STATUSES",
    "completion_matrix",
    "completion_by_township",
    "inspection_scores",
    "scores_by_township",
    "problem_list",
    "filter_problems",
    "rectification_progress",
    "export_problems",
    "period_end",
]

#: Status of a problem at the "as of" date, in the order the list shows them.
PROBLEM_STATUSES = ("overdue", "open", "closed_late", "closed")


def period_end(period: int) -> pd.Timestamp:
    """The last day of a period (the day statuses are taken on; :func:`workbench.assess.roster.period_end`)."""
    return roster.period_end(period)


# ================================================================ completion

def completion_matrix(data: BranchData, period: int, *, rules: RuleSet | None = None,
                      activities: Iterable[str] | None = None) -> pd.DataFrame:
    """Completion of each activity by branch: held / required in ``period``, capped at 1.

    Parameters
    ----------
    data : BranchData
    period : int
        The year.
    rules : RuleSet, optional
        Required counts (default: DOMAIN.md's).
    activities : iterable of str, optional
        Meeting kinds (default: the rules' three meetings and one lesson).

    Returns
    -------
    DataFrame
        Index ``branch_id``; a column per activity and ``overall``, the mean of
        the applicable activities. Committee meetings apply where a committee is
        formed, party group meetings where the branch has party groups (NaN
        elsewhere), exactly as the indicator ``three_meetings_completion``.
        ``attrs["held"]`` holds the counts held, ``attrs["required"]`` the
        required counts.

    >>> import workbench as wb
    >>> m = completion_matrix(wb.load("sample_data"), 2025)
    >>> bool(m["overall"].between(0, 1).all())
    True
    """
    from ..assess.indicators import Context  # the indicator engine imports this package's rules

    rules = rules or RuleSet()
    kinds = list(activities) if activities is not None else list(rules.three_meetings_one_lesson)
    unknown = [k for k in kinds if k not in rules.required_meetings]
    if unknown:
        raise ValueError(f"activities {unknown} have no required count; expected some of "
                         f"{list(rules.required_meetings)}")
    ctx = Context(data, period, rules)
    counts = ctx.meeting_counts
    out, held = {}, {}
    for kind in kinds:
        applies = np.ones(ctx.n, dtype=bool)
        if kind == "committee_meeting":
            applies = ctx.has_committee
        elif kind == "group_meeting":
            applies = ctx.has_groups
        out[kind] = np.where(applies, ctx.completion(kind), np.nan)
        held[kind] = counts[kind].to_numpy() if kind in counts else np.zeros(ctx.n, dtype=int)
    frame = pd.DataFrame(out, index=ctx.branch_ids)
    frame["overall"] = frame[kinds].mean(axis=1, skipna=True)
    frame.attrs["period"] = int(period)
    frame.attrs["held"] = pd.DataFrame(held, index=ctx.branch_ids)
    frame.attrs["required"] = {k: rules.required_meetings[k] for k in kinds}
    return frame


def completion_by_township(matrix: pd.DataFrame, townships: pd.Series) -> pd.DataFrame:
    """Mean completion per township and activity (branches where it applies), worst overall first.

    >>> m = pd.DataFrame({"a": [1.0, 0.5, np.nan], "overall": [1.0, 0.5, 0.2]}, index=["x", "y", "z"])
    >>> completion_by_township(m, pd.Series({"x": "T1", "y": "T1", "z": "T2"}))
                a  overall
    township
    T2        NaN     0.20
    T1       0.75     0.75
    """
    towns = pd.Series(townships).reindex(matrix.index).rename("township")
    means = matrix.groupby(towns).mean()
    return means.sort_values("overall", kind="stable")


# ================================================================ inspections

def inspection_scores(data: BranchData, period: int) -> pd.DataFrame:
    """Mean inspection score by branch and method in ``period`` (NaN: no inspection of that kind).

    Returns a frame indexed by ``branch_id`` over all branches with a column per
    method (platform, onsite, materials); ``attrs["counts"]`` holds the number
    of inspections behind each mean.

    >>> import workbench as wb
    >>> s = inspection_scores(wb.load("sample_data"), 2025)
    >>> list(s.columns), bool(s["platform"].notna().all())
    (['platform', 'onsite', 'materials'], True)
    """
    ins = data.inspections
    index = pd.Index(data.branches["branch_id"], name="branch_id")
    rows = ins[ins["date"].dt.year == int(period)]
    grouped = rows.groupby(["branch_id", "method"], observed=True)["score"]
    means = grouped.mean().unstack("method").reindex(index=index, columns=list(INSPECTION_METHODS))
    counts = grouped.size().unstack("method").reindex(index=index, columns=list(INSPECTION_METHODS))
    means.columns.name = None
    means.attrs["counts"] = counts.fillna(0).astype(int)
    means.attrs["period"] = int(period)
    return means


def scores_by_township(scores: pd.DataFrame, townships: pd.Series) -> pd.DataFrame:
    """Mean branch score per township and method, best platform score first."""
    towns = pd.Series(townships).reindex(scores.index).rename("township")
    return scores.groupby(towns).mean().sort_values("platform", ascending=False, kind="stable")


# =================================================================== problems

def _status(rectified: np.ndarray, due: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    closed = ~np.isnat(rectified) & (rectified <= as_of)
    with np.errstate(invalid="ignore"):
        late = closed & (rectified > due)
        overdue = ~closed & (due < as_of)
    return np.select([overdue, ~closed, late], ["overdue", "open", "closed_late"], "closed")


def problem_list(data: BranchData, *, period: int | None = None, as_of=None) -> pd.DataFrame:
    """The problem list with each problem's status, overdue problems first.

    Parameters
    ----------
    data : BranchData
    period : int, optional
        Keep the problems open at some time during this year (found by its end,
        not closed off before it starts) and take their status at its end.
    as_of : date-like, optional
        Without a period: the problems found by this day, status on this day
        (default: the latest date in the problem table).

    Returns
    -------
    DataFrame
        ``problem_id, branch_id, name, township, category, severity, found,
        due, rectified, status, days_overdue, days_open`` where ``status`` is
        one of :data:`PROBLEM_STATUSES` and ``days_overdue`` counts the days
        past the due date (to ``as_of`` while open, to the closing day when
        closed late; 0 otherwise). Sorted overdue (longest first), open
        (soonest due first), closed late, closed (latest closed first).
        ``rectified`` is empty for a problem closed off after ``as_of``.

    >>> import workbench as wb
    >>> p = problem_list(wb.load("sample_data"), period=2025)
    >>> bool((p.loc[p["status"] == "overdue", "days_overdue"] > 0).all())
    True
    """
    p = data.problems
    if period is not None:
        end = period_end(period)
        start = pd.Timestamp(int(period), 1, 1)
        keep = (p["found"] <= end) & (p["rectified"].isna() | (p["rectified"] >= start))
    else:
        if as_of is None:
            dates = pd.concat([p["found"], p["rectified"]]).dropna()
            end = dates.max() if len(dates) else pd.Timestamp(dt.date.today())
        else:
            end = pd.Timestamp(as_of)
        keep = p["found"] <= end
    rows = p[keep.to_numpy()]
    branches = data.branches.set_index("branch_id")
    as_of64 = end.to_datetime64()
    found = rows["found"].to_numpy()
    due = rows["due"].to_numpy()
    rectified = rows["rectified"].to_numpy()
    status = _status(rectified, due, as_of64)
    day = np.timedelta64(1, "D")
    closed = np.isin(status, ("closed", "closed_late"))
    stop = np.where(closed, rectified, as_of64)
    overdue_days = np.where(np.isin(status, ("overdue", "closed_late")), (stop - due) // day, 0)
    out = pd.DataFrame({
        "problem_id": rows["problem_id"].to_numpy(),
        "branch_id": rows["branch_id"].to_numpy(),
        "name": branches["name"].reindex(rows["branch_id"]).to_numpy(),
        "township": branches["township"].reindex(rows["branch_id"]).to_numpy(),
        "category": rows["category"].astype(str).to_numpy(),
        "severity": rows["severity"].astype(str).to_numpy(),
        # the list is a picture of the "as of" day: a closing after it is not known yet
        "found": found, "due": due, "rectified": np.where(closed, rectified, np.datetime64("NaT")),
        "status": status,
        "days_overdue": overdue_days.astype("int64"),
        "days_open": ((stop - found) // day).astype("int64"),
    })
    rank = pd.Categorical(out["status"], categories=list(PROBLEM_STATUSES)).codes
    # overdue: longest overdue first; open: soonest due first; closed: latest closed first
    due_key = out["due"].to_numpy().astype("datetime64[D]").astype("int64")
    closed_key = np.where(np.isnat(rectified), 0, rectified.astype("datetime64[D]").astype("int64"))
    key2 = np.where(out["status"] == "overdue", -out["days_overdue"].to_numpy(),
                    np.where(out["status"] == "open", due_key, -closed_key))
    order = np.lexsort((out["problem_id"].to_numpy(), key2, rank))
    out = out.iloc[order].reset_index(drop=True)
    out.attrs["as_of"] = end
    out.attrs["period"] = period
    return out


def _pick(values, allowed: Iterable[str], what: str) -> list[str] | None:
    if values is None:
        return None
    values = [values] if isinstance(values, str) else list(values)
    if not values:
        return None
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{what}: unknown value(s) {unknown}; expected some of {list(allowed)}")
    return values


def filter_problems(problems: pd.DataFrame, *, categories=None, severities=None, townships=None,
                    statuses=None, overdue_only: bool = False) -> pd.DataFrame:
    """The rows of a :func:`problem_list` that match every filter given (order kept).

    Each filter is a value or a list of values; ``None`` or an empty list means
    "all". ``overdue_only`` keeps the overdue problems (status ``overdue``).

    >>> import workbench as wb
    >>> p = problem_list(wb.load("sample_data"), period=2025)
    >>> set(filter_problems(p, overdue_only=True)["status"])
    {'overdue'}
    >>> filter_problems(p, severities="serious")["severity"].unique().tolist()
    ['serious']
    """
    mask = np.ones(len(problems), dtype=bool)
    cats = _pick(categories, PROBLEM_CATEGORIES, "categories")
    sevs = _pick(severities, SEVERITIES, "severities")
    stats = _pick(statuses, PROBLEM_STATUSES, "statuses")
    towns = None if townships is None else ([townships] if isinstance(townships, str) else list(townships))
    if cats:
        mask &= problems["category"].isin(cats).to_numpy()
    if sevs:
        mask &= problems["severity"].isin(sevs).to_numpy()
    if towns:
        mask &= problems["township"].isin(towns).to_numpy()
    if stats:
        mask &= problems["status"].isin(stats).to_numpy()
    if overdue_only:
        mask &= (problems["status"] == "overdue").to_numpy()
    out = problems[mask]
    out.attrs = dict(problems.attrs)
    return out


def rectification_progress(problems: pd.DataFrame, *, end=None, start=None, freq: str = "ME") -> pd.DataFrame:
    """Problems found and closed off over time (cumulative), open and overdue at each date.

    Parameters
    ----------
    problems : DataFrame
        Rows with ``found``, ``due`` and ``rectified`` (``data.problems``, or a
        :func:`problem_list`, filtered or not).
    end, start : date-like, optional
        The time span (default: the first date found to the latest date of the rows).
    freq : str
        pandas frequency of the dates (default month ends).

    Returns
    -------
    DataFrame
        Index ``date``; columns ``found`` and ``closed`` (cumulative counts up
        to that day), ``open`` (found, not yet closed) and ``overdue`` (open
        and past due on that day).

    >>> rows = pd.DataFrame({"found": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-03"]),
    ...                      "due": pd.to_datetime(["2025-01-31", "2025-03-31", "2025-02-10"]),
    ...                      "rectified": pd.to_datetime(["2025-02-15", None, "2025-02-08"])})
    >>> rectification_progress(rows, end="2025-03-31")
                found  closed  open  overdue
    date
    2025-01-31      2       0     2        0
    2025-02-28      3       2     1        0
    2025-03-31      3       2     1        0
    """
    found = problems["found"].to_numpy().astype("datetime64[ns]")
    due = problems["due"].to_numpy().astype("datetime64[ns]")
    rectified = problems["rectified"].to_numpy().astype("datetime64[ns]")
    if start is None:
        start = pd.Timestamp(found.min()) if len(found) else pd.Timestamp(dt.date.today())
    if end is None:
        known = np.concatenate([found, rectified[~np.isnat(rectified)]])
        end = pd.Timestamp(known.max()) if len(known) else pd.Timestamp(start)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    dates = pd.date_range(start, end, freq=freq)
    if len(dates) == 0 or dates[-1] < end.normalize():
        dates = dates.append(pd.DatetimeIndex([end.normalize()]))
    t = dates.to_numpy().astype("datetime64[ns]")
    closed_dates = np.sort(rectified[~np.isnat(rectified)])
    n_found = np.searchsorted(np.sort(found), t, side="right")
    n_closed = np.searchsorted(closed_dates, t, side="right")
    # overdue at t: found by t, past due at t, not closed by t
    overdue = np.array([
        int(((found <= x) & (due < x) & (np.isnat(rectified) | (rectified > x))).sum()) for x in t
    ], dtype="int64")
    out = pd.DataFrame({"found": n_found, "closed": n_closed, "open": n_found - n_closed, "overdue": overdue},
                       index=pd.DatetimeIndex(dates, name="date"))
    return out.astype("int64")


PROBLEM_COLUMNS = ("problem_id", "branch_id", "name", "township", "category", "severity", "found", "due",
                   "rectified", "status", "days_overdue", "days_open")


def export_problems(problems: pd.DataFrame, path: str | os.PathLike, *, lang: str = "zh",
                    filters: dict | None = None, context: Iterable[str] = ()) -> Path:
    """Write a problem list to an Excel workbook atomically (a failed write leaves no partial file).

    Headers and the category, severity and status values are in ``lang``; the
    second sheet says when the statuses were taken, how many rows there are and,
    for a filtered list, the filters that produced it (``filters``: the
    arguments of :func:`filter_problems`; an empty one is not listed) and the
    output context (``context``: :meth:`workbench.meeting.OutputContext.lines`),
    as every table download does (:mod:`workbench.studies.about`).

    >>> import tempfile, workbench as wb
    >>> p = problem_list(wb.load("sample_data"), period=2025)
    >>> path = export_problems(p.head(3), Path(tempfile.mkdtemp()) / "problems.xlsx", lang="en")
    >>> pd.read_excel(path).columns[0]
    'Problem'
    """
    path = Path(path)
    frame = problems.loc[:, list(PROBLEM_COLUMNS)].copy()
    frame["category"] = [tr(f"category_{v}", lang) for v in frame["category"]]
    frame["severity"] = [tr(f"severity_{v}", lang) for v in frame["severity"]]
    frame["status"] = [tr(f"status_{v}", lang) for v in frame["status"]]
    for col in ("found", "due", "rectified"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[us]")
    frame = frame.rename(columns={c: tr(f"problem_col_{c}", lang) for c in PROBLEM_COLUMNS})
    as_of = problems.attrs.get("as_of")
    keys = [tr("export_as_of", lang), tr("export_rows", lang)]
    values = [str(pd.Timestamp(as_of).date()) if as_of is not None else "", str(len(frame))]
    for key, value in _filter_lines(filters or {}, lang) + [(tr("about_context", lang), c) for c in context]:
        keys.append(key)
        values.append(value)
    about = pd.DataFrame({tr("export_about_key", lang): keys, tr("export_about_value", lang): values})
    # formula-safe texts (problem contents come from the data), dates as dates, widths, header frozen
    write_excel(path, {tr("problem_sheet", lang): frame, tr("export_about_sheet", lang): about})
    return path


def _filter_lines(filters: dict, lang: str) -> list[tuple[str, str]]:
    """The filters of a problem list as (what, chosen) rows in ``lang``, e.g. ("类别", "支部设置、组织生活").

    The arguments of :func:`filter_problems` named by their labels, their values translated;
    :func:`workbench.studies.about.filter_lines` writes the rows as every table download does.
    """
    named = {"categories": ("filter_category", "category"), "severities": ("filter_severity", "severity"),
             "statuses": ("filter_status", "status"), "townships": ("filter_township", None)}
    shown = {label: [tr(f"{prefix}_{v}", lang) if prefix else str(v) for v in filters.get(arg) or []]
             for arg, (label, prefix) in named.items()}
    shown["overdue_only"] = bool(filters.get("overdue_only"))
    return filter_lines(shown, lang)
