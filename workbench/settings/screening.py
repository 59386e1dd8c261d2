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

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from ..assess import roster
from ..assess.framework import Framework
from ..assess.ruleset import Trigger
from ..data.core import BranchData
from ..files import YamlError, atomic_path, safe_yaml_load, write_excel
from ..i18n import tr

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

#: Columns of :attr:`ScreeningResult.hits`, one row per branch and trigger that fired.
HIT_COLUMNS = ("branch_id", "trigger", "group", "value", "threshold", "evidence_zh", "evidence_en")
#: What a planner may decide about a branch.
DECISIONS = ("confirmed", "rejected", "exited")


class ScreeningError(ValueError):
    """A decision that cannot be taken, or a decisions file that cannot be read.

    ``str(err)`` is the English text; ``err.message(lang)`` the text in the
    user's language (catalogue key ``err.key`` with ``err.params``).

    >>> err = ScreeningError("decision_no_note", branch="B00001")
    >>> err.message("zh")
    'B00001：排除或退出须写明理由（note）'
    """

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(tr(key, "en", **params))

    def message(self, lang: str = "zh") -> str:
        return tr(self.key, lang, **self.params)


# ====================================================================== screen

@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of :func:`screen` for one period.

    ``hits``: one row per branch and trigger that fired (:data:`HIT_COLUMNS`),
    with the figure found, the limit it crossed and the evidence in both
    languages; a branch is proposed when ``min_reasons`` of them fired, or one
    marked ``alone``. ``candidates``: one row per proposed branch (index
    ``branch_id``): ``name, township, kind, reasons`` (triggers fired),
    ``triggers`` (their ids, ";"-joined), ``evidence_zh``, ``evidence_en``;
    sorted by township, most reasons first. ``branches``: every branch
    screened (index ``branch_id``: ``name, township, kind``).
    """

    period: int
    hits: pd.DataFrame
    candidates: pd.DataFrame
    branches: pd.DataFrame
    triggers: tuple[Trigger, ...]
    min_reasons: int
    framework_label: tuple[str, str] = ("", "")  # (Chinese, English) name of the framework

    def trigger(self, trigger_id: str) -> Trigger:
        for t in self.triggers:
            if t.id == trigger_id:
                return t
        raise KeyError(f"no trigger {trigger_id!r}; the triggers are {[t.id for t in self.triggers]}")

    def reasons(self, branch_id: str, lang: str = "zh") -> pd.DataFrame:
        """The triggers that fired for one branch: ``trigger, label, group, evidence``."""
        rows = self.hits[self.hits["branch_id"] == branch_id]
        return pd.DataFrame({
            "trigger": rows["trigger"].to_numpy(),
            "label": [self.trigger(t).label(lang) for t in rows["trigger"]],
            "group": [tr(f"screening_group_{g}", lang) for g in rows["group"]],
            "evidence": rows[f"evidence_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        })

    def by_township(self) -> pd.DataFrame:
        """Per township: ``branches`` screened, ``candidates``, ``share``; most candidates first.

        Every township is listed, with zero where nothing fired: quotas must
        not be spread evenly across townships (DOMAIN.md), so the planner sees
        where the candidates really are.
        """
        towns = self.branches["township"]
        total = towns.value_counts()
        found = self.candidates["township"].value_counts().reindex(total.index, fill_value=0)
        out = pd.DataFrame({"branches": total, "candidates": found})
        out["share"] = out["candidates"] / out["branches"]
        out.index.name = "township"
        order = np.lexsort((out.index.to_numpy().astype(str), -out["candidates"].to_numpy()))
        return out.iloc[order]

    def by_trigger(self) -> pd.DataFrame:
        """Per trigger (in list order): ``label_zh, label_en, group, branches`` it fired for."""
        counts = self.hits["trigger"].value_counts()
        return pd.DataFrame({
            "label_zh": [t.zh for t in self.triggers], "label_en": [t.en for t in self.triggers],
            "group": [t.group for t in self.triggers],
            "branches": [int(counts.get(t.id, 0)) for t in self.triggers],
        }, index=pd.Index([t.id for t in self.triggers], name="trigger"))

    def summary(self, lang: str = "zh") -> str:
        """One sentence: how many candidates, what share, in how many townships."""
        n = len(self.candidates)
        if not n:
            return tr("screening_none", lang, period=self.period)
        return tr("screening_summary", lang, period=self.period, n=n, share=n / max(len(self.branches), 1),
                  townships=self.candidates["township"].nunique())


def screen(data: BranchData, framework: Framework | None = None, period: int | None = None, *,
           result=None) -> ScreeningResult:
    """Propose weak-and-lax candidates for ``period``, with the reasons that fired and the evidence.

    Parameters
    ----------
    data : BranchData
    framework : Framework, optional
        Its ``screening`` list and ``rules`` (default: the built-in framework).
    period : int, optional
        The year screened (default: the latest year with records).
    result : Assessment, optional
        The period's assessment, for the ``low_score`` trigger; scored with
        the framework's own scheme when omitted and the list has that trigger.

    Returns
    -------
    ScreeningResult
        Never a label: candidates are proposals for the planner to confirm
        or reject (:class:`Decisions`).

    Examples
    --------
    >>> import workbench as wb
    >>> s = screen(wb.load("sample_data"), period=2025)
    >>> s.reasons(s.candidates.index[0], "en").columns.tolist()
    ['trigger', 'label', 'group', 'evidence']
    """
    framework = framework or Framework.default()
    if period is None:
        if not data.periods:
            raise ValueError("the data has no dated records; cannot choose a period to screen")
        period = data.periods[-1]
    period = int(period)
    config = framework.screening
    ctx = _Screen(data, framework, period, result)
    parts = []
    for trigger in config.triggers:
        mask, value, threshold, zh, en = _TESTS[trigger.test_name](ctx, trigger)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        parts.append(pd.DataFrame({
            "branch_id": ctx.ids[rows], "trigger": trigger.id, "group": trigger.group,
            "value": np.broadcast_to(np.asarray(value, dtype="float64"), mask.shape)[rows],
            "threshold": np.broadcast_to(np.asarray(threshold, dtype="float64"), mask.shape)[rows],
            "evidence_zh": _texts(zh, rows), "evidence_en": _texts(en, rows),
        }))
    order = {t.id: k for k, t in enumerate(config.triggers)}
    if parts:
        hits = pd.concat(parts, ignore_index=True)
        position = pd.Series(np.arange(ctx.n), index=ctx.ids)
        key = np.lexsort((hits["trigger"].map(order).to_numpy(), position.reindex(hits["branch_id"]).to_numpy()))
        hits = hits.iloc[key].reset_index(drop=True)
    else:
        hits = pd.DataFrame({c: pd.Series([], dtype="float64" if c in ("value", "threshold") else "object")
                             for c in HIT_COLUMNS})
    branches = data.branches.set_index("branch_id")[["name", "township", "kind"]].astype(
        {"kind": str}).copy()
    grouped = hits.groupby("branch_id", sort=False)
    counts = grouped.size()
    alone = {t.id for t in config.triggers if t.alone}
    decisive = set(hits.loc[hits["trigger"].isin(list(alone)), "branch_id"])
    chosen = counts[(counts >= config.min_reasons) | counts.index.isin(list(decisive))].index
    candidates = branches.loc[chosen].copy()
    candidates["reasons"] = counts.reindex(chosen).astype("int64").to_numpy()
    candidates["triggers"] = grouped["trigger"].agg(";".join).reindex(chosen).to_numpy()
    candidates["evidence_zh"] = grouped["evidence_zh"].agg("；".join).reindex(chosen).to_numpy()
    candidates["evidence_en"] = grouped["evidence_en"].agg("; ".join).reindex(chosen).to_numpy()
    sort = np.lexsort((candidates.index.to_numpy().astype(str), -candidates["reasons"].to_numpy(),
                       candidates["township"].astype(str).to_numpy()))
    candidates = candidates.iloc[sort]
    return ScreeningResult(period=period, hits=hits, candidates=candidates, branches=branches,
                           triggers=tuple(config.triggers), min_reasons=config.min_reasons,
                           framework_label=(framework.zh or framework.name, framework.en or framework.name))


def _texts(parts, rows: np.ndarray) -> np.ndarray:
    """Evidence strings of the fired rows: a callable (row -> text) or an array of texts."""
    if callable(parts):
        return np.asarray([parts(int(r)) for r in rows], dtype=object)
    return np.asarray(parts, dtype=object)[rows]


class _Screen:
    """The period's figures the tests share (computed once, on demand)."""

    def __init__(self, data: BranchData, framework: Framework, period: int, result):
        from ..assess.indicators import Context

        self.data, self.framework, self.period = data, framework, period
        self.rules = framework.rules
        self.end = roster.period_end(period)
        self.end64 = np.datetime64(self.end.date(), "D")
        self.ids = data.branches["branch_id"].to_numpy(dtype=object)
        self.n = len(self.ids)
        self.ctx = Context(data, period, self.rules)
        self.facts = self.ctx.facts
        self._result = result

    @property
    def result(self):
        if self._result is None:
            from ..assess.indicators import compute_indicators
            from ..assess.scoring import Scheme

            table = compute_indicators(self.data, self.framework, period=self.period, strict=False)
            self._result = Scheme(self.framework).score(table, groups=self.data)
        return self._result

    def existed(self, since: pd.Timestamp | None = None) -> np.ndarray:
        """Branches established by ``since`` (default: the period's start) that have members."""
        since = since if since is not None else pd.Timestamp(self.period, 1, 1)
        return ((self.data.branches["established"] <= since).to_numpy()
                & (self.facts["members"].to_numpy() > 0))


def _secretary_vacant(s: _Screen, t: Trigger):
    members = s.facts["members"].to_numpy()
    mask = (members > 0) & (s.facts["secretary"].to_numpy() == 0)
    return (mask, 0, 1, lambda r: tr("evidence_secretary_vacant", "zh", members=members[r]),
            lambda r: tr("evidence_secretary_vacant", "en", members=members[r]))


def _committee_incomplete(s: _Screen, t: Trigger):
    f, rules = s.facts, s.rules
    has, size = f["has_committee"].to_numpy(), f["committee"].to_numpy()
    formal = f["formal"].to_numpy()
    missing = f["committee_required"].to_numpy() & ~has
    small = has & (size < rules.committee_min)
    no_disc = has & (f["discipline"].to_numpy() == 0)

    def text(lang):
        def one(r):
            parts = []
            if missing[r]:
                parts.append(tr("evidence_no_committee", lang, formal=formal[r],
                                required=rules.committee_from_formal))
            if small[r]:
                parts.append(tr("evidence_committee_small", lang, size=size[r], min=rules.committee_min))
            if no_disc[r]:
                parts.append(tr("evidence_no_discipline_short" if small[r] else "evidence_no_discipline",
                                lang, size=size[r]))
            return ("，" if lang == "zh" else ", ").join(parts)
        return one

    return missing | small | no_disc, size, rules.committee_min, text("zh"), text("en")


def _election_overdue(s: _Screen, t: Trigger):
    ends, years = roster.term_ends(s.data.branches, s.rules)
    elected = s.data.branches["committee_elected"].to_numpy().astype("datetime64[D]")
    mask = ~np.isnat(ends) & (ends < s.end64)
    months = np.where(mask, (s.end64.astype("datetime64[M]") - ends.astype("datetime64[M]")).astype(np.int64), 0)

    def text(lang):
        return lambda r: tr("evidence_election_overdue", lang, elected=str(elected[r]), years=years[r],
                            ends=str(ends[r]), months=months[r])

    return mask, months, 0, text("zh"), text("en")


def _held(s: _Screen, kind: str) -> np.ndarray:
    counts = s.ctx.meeting_counts
    return counts[kind].to_numpy() if kind in counts else np.zeros(s.n, dtype=np.int64)


def _activity_detail(s: _Screen, kinds, lang: str, r: int, *, short_only: bool = True) -> str:
    parts = []
    for kind in kinds:
        held, required = int(_held(s, kind)[r]), s.rules.required_meetings[kind]
        if short_only and held >= required:
            continue
        label = tr(f"rule_activity_{kind}", lang)
        label = label.removesuffix("次数不足") if lang == "zh" else label.removeprefix("too few ")
        parts.append(tr("evidence_activity_held", lang, activity=label, held=held, required=required))
    return ("，" if lang == "zh" else ", ").join(parts)


def _three_meetings_low(s: _Screen, t: Trigger):
    from ..assess.indicators import DERIVATIONS

    below = t.param("below")
    # the indicator's own completion (the inspection page's completion matrix equals it)
    overall = np.asarray(DERIVATIONS["three_meetings_completion"].func(s.ctx), dtype="float64")
    mask = s.existed() & np.isfinite(overall) & (overall < below)
    applies = {"committee_meeting": s.facts["has_committee"].to_numpy(),
               "group_meeting": s.facts["groups"].to_numpy() > 0}

    def text(lang):
        def one(r):
            kinds = [k for k in s.rules.three_meetings_one_lesson if applies.get(k, np.ones(s.n, bool))[r]]
            return tr("evidence_three_meetings_low", lang, completion=overall[r], below=below,
                      detail=_activity_detail(s, kinds, lang, r))
        return one

    return mask, overall, below, text("zh"), text("en")


def _organizational_life_missing(s: _Screen, t: Trigger):
    kinds = s.rules.annual_activities
    short = np.zeros(s.n, dtype=bool)
    for kind in kinds:
        short |= _held(s, kind) < s.rules.required_meetings[kind]
    mask = s.existed() & short
    value = sum(_held(s, k) for k in kinds) if kinds else np.zeros(s.n)
    threshold = sum(s.rules.required_meetings[k] for k in kinds)

    def text(lang):
        return lambda r: tr("evidence_organizational_life_missing", lang,
                            detail=_activity_detail(s, kinds, lang, r))

    return mask, value, threshold, text("zh"), text("en")


def _no_new_members(s: _Screen, t: Trigger):
    years = int(t.param("years"))
    start = pd.Timestamp(s.period - years + 1, 1, 1)
    m = s.data.members
    codes = s.data.codes("members", "branch_id")
    joined = m["join_date"].to_numpy().astype("datetime64[D]")
    on = roster.on_roster(m["join_date"], s.end) & (codes >= 0)
    recent = on & (joined >= np.datetime64(start.date(), "D"))
    n_recent = np.bincount(codes[recent], minlength=s.n)
    never = np.iinfo(np.int64).min
    latest = np.full(s.n, never)
    np.maximum.at(latest, codes[on], joined[on].astype(np.int64))
    last = np.where(latest == never, np.datetime64("NaT"), latest.astype("datetime64[D]"))
    mask = s.existed(since=start) & (n_recent == 0)

    def text(lang):
        def one(r):
            if np.isnat(last[r]):
                return tr("evidence_no_new_members_never", lang, start=start.year, end=s.period)
            return tr("evidence_no_new_members", lang, start=start.year, end=s.period, last=str(last[r]))
        return one

    return mask, n_recent, 1, text("zh"), text("en")


def _satisfaction_low(s: _Screen, t: Trigger):
    below = t.param("below")
    value = s.ctx.outcomes["satisfaction"].to_numpy(dtype="float64")
    mask = np.isfinite(value) & (value < below)

    def text(lang):
        return lambda r: tr("evidence_satisfaction_low", lang, value=value[r], below=below)

    return mask, value, below, text("zh"), text("en")


def _income_low(s: _Screen, t: Trigger):
    share = t.param("share_of_median")
    income = s.ctx.outcomes["collective_income"].to_numpy(dtype="float64")
    village = (s.data.branches["kind"].astype(str) == "village").to_numpy()
    known = village & np.isfinite(income)
    median = float(np.median(income[known])) if known.any() else np.nan
    mask = known & (income < share * median)

    def text(lang):
        return lambda r: tr("evidence_income_low", lang, value=income[r], median=median, share=share)

    return mask, income, share * median, text("zh"), text("en")


def _problems_unrectified(s: _Screen, t: Trigger):
    need = t.param("min_overdue")
    p = s.data.problems
    codes = s.data.codes("problems", "branch_id")
    due = p["due"].to_numpy().astype("datetime64[D]")
    rectified = p["rectified"].to_numpy().astype("datetime64[D]")
    found = p["found"].to_numpy().astype("datetime64[D]")
    overdue = (found <= s.end64) & (due < s.end64) & (np.isnat(rectified) | (rectified > s.end64)) & (codes >= 0)
    count = np.bincount(codes[overdue], minlength=s.n)
    mask = count >= need
    rows = pd.DataFrame({"code": codes[overdue], "id": p["problem_id"].to_numpy()[overdue],
                         "days": (s.end64 - due[overdue]).astype(np.int64)})
    rows = rows[np.isin(rows["code"].to_numpy(), np.flatnonzero(mask))].sort_values(["code", "days"],
                                                                                    ascending=[True, False])
    ids = rows.groupby("code")["id"].agg(lambda x: "、".join(x.head(3)) + ("…" if len(x) > 3 else ""))
    longest = rows.groupby("code")["days"].max()

    def text(lang):
        return lambda r: tr("evidence_problems_unrectified", lang, count=count[r], days=int(longest[r]),
                            ids=ids[r] if lang == "zh" else ids[r].replace("、", ", "))

    return mask, count, need, text("zh"), text("en")


def _serious_violation(s: _Screen, t: Trigger):
    need = t.param("min_count")
    p = s.data.problems
    codes = s.data.codes("problems", "branch_id")
    serious = (s.ctx.in_period(p["found"]) & (p["severity"] == "serious").to_numpy()
               & (p["category"] == "discipline").to_numpy() & (codes >= 0))
    count = np.bincount(codes[serious], minlength=s.n)
    mask = count >= need
    ids = pd.Series(p["problem_id"].to_numpy()[serious]).groupby(codes[serious]).agg("、".join)

    def text(lang):
        return lambda r: tr("evidence_serious_violation", lang, count=count[r],
                            ids=ids[r] if lang == "zh" else ids[r].replace("、", ", "))

    return mask, count, need, text("zh"), text("en")


def _low_score(s: _Screen, t: Trigger):
    share = t.param("bottom_share")
    result = s.result
    total = result.total.reindex(s.ids).to_numpy(dtype="float64")
    rank = result.rank.reindex(s.ids).to_numpy(dtype="float64")
    scored = np.isfinite(total)
    n = int(scored.sum())
    cut = n - int(np.ceil(share * n))  # ranks above the cut are the bottom share
    mask = scored & (rank > cut)

    def text(lang):
        return lambda r: tr("evidence_low_score", lang, score=total[r], rank=int(rank[r]), n=n, share=share)

    return mask, total, np.nan, text("zh"), text("en")


_TESTS = {
    "secretary_vacant": _secretary_vacant,
    "committee_incomplete": _committee_incomplete,
    "election_overdue": _election_overdue,
    "three_meetings_low": _three_meetings_low,
    "organizational_life_missing": _organizational_life_missing,
    "no_new_members": _no_new_members,
    "satisfaction_low": _satisfaction_low,
    "income_low": _income_low,
    "problems_unrectified": _problems_unrectified,
    "serious_violation": _serious_violation,
    "low_score": _low_score,
}


# ================================================================== decisions

@dataclass(frozen=True)
class Decision:
    """One decision about one branch in one period, with the note that explains it."""

    branch_id: str
    period: int
    decision: str
    note: str = ""
    reasons: tuple[str, ...] = ()
    decided: str = ""
    by: str = ""

    def to_dict(self) -> dict:
        return {"branch_id": self.branch_id, "period": self.period, "decision": self.decision,
                "note": self.note, "reasons": list(self.reasons), "decided": self.decided, "by": self.by}


@dataclass(frozen=True)
class Decisions:
    """The planner's decisions on screening candidates: an immutable, append-only log.

    The latest decision about a branch in a period is the one that counts;
    earlier ones stay in the file as the record of how it was decided.

    >>> import workbench as wb
    >>> s = screen(wb.load("sample_data"), period=2025)
    >>> b = s.candidates.index[0]
    >>> d = Decisions().decide(s, b, "confirmed", note="书记空缺半年")
    >>> d.current(2025).loc[b, "decision"]
    'confirmed'
    """

    entries: tuple[Decision, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.entries)

    def decide(self, screening: ScreeningResult, branch_id: str, decision: str, *, note: str = "",
               by: str = "", when: dt.datetime | None = None, exit_result: pd.DataFrame | None = None,
               data: BranchData | None = None) -> Decisions:
        """A new Decisions with one more decision about ``branch_id`` in the screened period.

        ``confirmed`` and ``rejected`` apply to a candidate of ``screening``;
        ``exited`` to a branch on the list (confirmed before, or flagged in
        ``data``) that passes ``exit_result`` (:func:`exit_check`).
        Rejections and exits need a note. Errors are :class:`ScreeningError`.
        """
        period = screening.period
        if decision not in DECISIONS:
            raise ScreeningError("decision_unknown", value=decision)
        note = (note or "").strip()
        if decision in ("rejected", "exited") and not note:
            raise ScreeningError("decision_no_note", branch=branch_id)
        reasons: tuple[str, ...] = ()
        if decision in ("confirmed", "rejected"):
            if branch_id not in screening.candidates.index:
                raise ScreeningError("decision_not_candidate", branch=branch_id, period=period,
                                     action=decision)
            reasons = tuple(screening.candidates.loc[branch_id, "triggers"].split(";"))
        else:
            on_list = listed(self, period, data=data)
            if branch_id not in on_list:
                raise ScreeningError("decision_not_candidate", branch=branch_id, period=period, action=decision)
            if exit_result is None or branch_id not in exit_result.index:
                raise ScreeningError("decision_exit_failed", branch=branch_id,
                                     reason=tr("exit_unknown", "en"))
            row = exit_result.loc[branch_id]
            if row["passes"] is not True:
                raise ScreeningError("decision_exit_failed", branch=branch_id, reason=row["reason_en"])
        entry = Decision(branch_id=str(branch_id), period=int(period), decision=decision, note=note,
                         reasons=reasons, decided=(when or dt.datetime.now()).isoformat(timespec="seconds"),
                         by=by)
        return replace(self, entries=self.entries + (entry,))

    def current(self, period: int | None = None) -> pd.DataFrame:
        """The decision that counts per branch (and period): ``decision, note, reasons, decided, by``.

        With ``period``: decisions of that period only, indexed by branch_id.
        """
        rows = [e.to_dict() for e in self.entries if period is None or e.period == int(period)]
        columns = ["branch_id", "period", "decision", "note", "reasons", "decided", "by"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["reasons"] = frame["reasons"].map(lambda r: ";".join(r) if isinstance(r, list) else r)
        frame = frame.drop_duplicates(["branch_id", "period"], keep="last")
        return frame.set_index("branch_id") if period is not None else frame.reset_index(drop=True)

    # ----------------------------------------------------------------- files
    def to_dict(self) -> dict:
        return {"kind": "weak_lax_decisions", "version": 1, "decisions": [e.to_dict() for e in self.entries]}

    def to_yaml(self, path: str | os.PathLike) -> Path:
        """Save as YAML, atomically (a failed write leaves the previous file as it was)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, data: BranchData | None = None) -> Decisions:
        """Read a decisions file; with ``data``, every branch must be in it. Errors name the entry."""
        path = Path(path)
        try:
            raw = safe_yaml_load(path.read_bytes(), source=str(path))
        except OSError as exc:
            raise ScreeningError("decision_file_bad", path=str(path), problem=exc.strerror or str(exc)) from None
        except YamlError as exc:
            raise ScreeningError("decision_file_bad", path=str(path), problem=str(exc)) from None
        return cls.from_dict(raw, source=str(path), data=data)

    @classmethod
    def from_dict(cls, raw, *, source: str = "<decisions>", data: BranchData | None = None) -> Decisions:
        if not isinstance(raw, dict) or not isinstance(raw.get("decisions", []), list):
            raise ScreeningError("decision_file_bad", path=source,
                                 problem="expected a mapping with a 'decisions' list")
        known = set(data.branches["branch_id"]) if data is not None else None
        entries = []
        for k, item in enumerate(raw.get("decisions") or [], start=1):
            try:
                entry = Decision(branch_id=str(item["branch_id"]), period=int(item["period"]),
                                 decision=str(item["decision"]), note=str(item.get("note") or ""),
                                 reasons=tuple(item.get("reasons") or ()), decided=str(item.get("decided") or ""),
                                 by=str(item.get("by") or ""))
            except (KeyError, TypeError, ValueError) as exc:
                raise ScreeningError("decision_file_bad", path=source,
                                     problem=f"entry {k}: {type(exc).__name__} {exc}") from None
            if entry.decision not in DECISIONS:
                raise ScreeningError("decision_file_bad", path=source,
                                     problem=f"entry {k}: " + tr("decision_unknown", "en", value=entry.decision))
            if known is not None and entry.branch_id not in known:
                raise ScreeningError("decision_unknown_branch", path=source, row=k, branch=entry.branch_id)
            entries.append(entry)
        return cls(tuple(entries))


def listed(decisions: Decisions, period: int, *, data: BranchData | None = None) -> list[str]:
    """The branches on the weak-and-lax list of ``period``, sorted.

    For each branch the latest decision of this or an earlier period counts:
    ``confirmed`` puts it on the list (it stays there in later years until it
    exits), ``exited`` takes it off; a ``rejected`` of this period keeps it
    off even when ``data`` flags it; without a decision the ``weak_lax`` flag
    of ``data`` for the period counts.

    >>> listed(Decisions(), 2025)
    []
    """
    period = int(period)
    state: dict[str, tuple[int, str]] = {}
    for e in sorted((e for e in decisions.entries if e.period <= period), key=lambda e: (e.period, e.decided)):
        state[e.branch_id] = (e.period, e.decision)
    flagged = set()
    if data is not None:
        flags = data.outcomes_for(period)["weak_lax"]
        flagged = set(flags.index[flags.to_numpy(dtype=bool)])
    out = set()
    for b in flagged | set(state):
        last = state.get(b)
        if last is None:
            on = b in flagged
        elif last[1] == "confirmed":
            on = True
        elif last[1] == "exited":
            on = False
        else:  # rejected: only in its own year
            on = False if last[0] == period else b in flagged
        if on:
            out.add(b)
    return sorted(out)


def with_decisions(data: BranchData, decisions: Decisions, period: int) -> BranchData:
    """``data`` whose ``weak_lax`` flag of ``period`` is the decided list (:func:`listed`).

    The framework's weak-and-lax veto reads that flag, so scoring the result
    applies the veto to exactly the confirmed branches. ``data`` is unchanged.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> after = with_decisions(data, Decisions(), 2025)
    >>> bool(after.outcomes_for(2025)["weak_lax"].equals(data.outcomes_for(2025)["weak_lax"]))
    True
    """
    period = int(period)
    on = set(listed(decisions, period, data=data))
    year = data.outcomes_for(period).copy()
    year["weak_lax"] = year.index.isin(list(on))
    rows = year.reset_index().assign(year=period)[["branch_id", "year", "collective_income", "satisfaction",
                                                   "weak_lax"]]
    others = data.outcomes[data.outcomes["year"] != period]
    outcomes = pd.concat([others, rows.astype(others.dtypes.to_dict()) if len(others) else rows],
                         ignore_index=True)
    return data.replace(outcomes=outcomes)


# ================================================================= exit check

def exit_check(data: BranchData, framework: Framework | None = None, period: int | None = None,
               branch_ids: Iterable[str] | None = None, *, result=None,
               unsatisfied: Mapping[str, float] | pd.Series | None = None,
               decisions: Decisions | None = None) -> pd.DataFrame:
    """May a listed branch leave the weak-and-lax list after rectification?

    DOMAIN.md (configurable in ``framework.screening.exit``): the period's
    score is at least ``min_score`` (70) and not more than
    ``max_unsatisfied_share`` (half) of the satisfaction votes are
    "unsatisfied".

    Parameters
    ----------
    branch_ids : iterable of str, optional
        Branches to check (default: the list of the period, :func:`listed`).
    result : Assessment, optional
        The period's assessment (scored with the framework when omitted).
    unsatisfied : mapping or Series, optional
        Share of "unsatisfied" votes per branch from the exit survey (0-1).
        Without it, the satisfaction score stands in for the share of
        satisfied votes: a score of 50 or more settles the vote condition
        (unsatisfied votes are at most 100 minus the score); below that the
        answer is "cannot tell yet" until the votes are entered.

    Returns
    -------
    DataFrame
        Index ``branch_id``; ``total``, ``score_ok``, ``unsatisfied_share``
        (given or bound), ``votes_ok`` (True, False or None when unknown),
        ``passes`` (True, False or None), ``reason_zh``, ``reason_en``.

    Examples
    --------
    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> out = exit_check(data, period=2025, branch_ids=["B00001"], unsatisfied={"B00001": 0.1})
    >>> out.loc["B00001", "votes_ok"]
    True
    """
    framework = framework or Framework.default()
    if period is None:
        period = data.periods[-1]
    rule = framework.screening.exit
    if result is None:
        from ..assess.indicators import compute_indicators
        from ..assess.scoring import Scheme

        result = Scheme(framework).score(compute_indicators(data, framework, period=period, strict=False),
                                         groups=data)
    ids = list(branch_ids) if branch_ids is not None else listed(decisions or Decisions(), period, data=data)
    unknown = [b for b in ids if b not in result.total.index]
    if unknown:
        raise KeyError(f"exit check: unknown branch(es) {unknown[:5]}")
    votes = pd.Series(unsatisfied, dtype="float64") if unsatisfied is not None else pd.Series(dtype="float64")
    satisfaction = data.outcomes_for(period)["satisfaction"]
    rows = []
    for b in ids:
        total = float(result.total[b])
        score_ok = bool(np.isfinite(total) and total >= rule.min_score)
        reasons = {lang: [tr("exit_score", lang, score=total, min=rule.min_score) if np.isfinite(total)
                          else tr("exit_no_score", lang)] for lang in ("zh", "en")}
        if b in votes.index and np.isfinite(votes[b]):
            share = float(votes[b])
            votes_ok = share <= rule.max_unsatisfied_share
            for lang in ("zh", "en"):
                reasons[lang].append(tr("exit_votes", lang, share=share, max=rule.max_unsatisfied_share))
        else:
            sat = float(satisfaction.get(b, np.nan))
            bound = (100 - sat) / 100 if np.isfinite(sat) else np.nan
            if np.isfinite(bound) and bound <= rule.max_unsatisfied_share:
                share, votes_ok = bound, True
                for lang in ("zh", "en"):
                    reasons[lang].append(tr("exit_votes_from_satisfaction", lang, satisfaction=sat, share=bound))
            else:
                share, votes_ok = np.nan, None
                for lang in ("zh", "en"):
                    reasons[lang].append(tr("exit_votes_unknown", lang,
                                            satisfaction=f"{sat:.0f}" if np.isfinite(sat) else "—"))
        if not score_ok or votes_ok is False:
            passes = False
        elif votes_ok is None:
            passes = None
        else:
            passes = True
        rows.append({"branch_id": b, "total": total, "score_ok": score_ok, "unsatisfied_share": share,
                     "votes_ok": votes_ok, "passes": passes,
                     "reason_zh": "；".join(reasons["zh"]), "reason_en": "; ".join(reasons["en"])})
    columns = ["branch_id", "total", "score_ok", "unsatisfied_share", "votes_ok", "passes", "reason_zh",
               "reason_en"]
    out = pd.DataFrame(rows, columns=columns).set_index("branch_id")
    for col in ("votes_ok", "passes"):
        out[col] = out[col].astype(object)
    return out


# ===================================================================== export

def export_candidates(screening: ScreeningResult, path: str | os.PathLike, *, lang: str = "zh",
                      decisions: Decisions | None = None) -> Path:
    """The candidates by township as an Excel workbook, written atomically.

    Sheets: the candidates (sorted by township, with every reason and its
    evidence, and the decision and note when ``decisions`` are given), the
    count per township, the criteria with their parameters and how many
    branches each one found, and what the list is (a proposal, the period).

    >>> import tempfile, workbench as wb
    >>> s = screen(wb.load("sample_data"), period=2025)
    >>> p = export_candidates(s, Path(tempfile.mkdtemp()) / "c.xlsx", lang="en")
    >>> pd.read_excel(p).columns[:3].tolist()
    ['Township', 'Branch ID', 'Branch']
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ScreeningError("cli_xlsx_only", path=str(path))
    c = screening.candidates
    labels = {t.id: t.label(lang) for t in screening.triggers}
    current = decisions.current(screening.period) if decisions is not None else None

    def decided(b, column, default=""):
        if current is None or b not in current.index:
            return default
        return current.loc[b, column]

    col = lambda key: tr(f"screening_col_{key}", lang)  # noqa: E731
    frame = pd.DataFrame({
        col("township"): c["township"].to_numpy(),
        col("branch_id"): c.index.to_numpy(),
        col("name"): c["name"].to_numpy(),
        col("kind"): [tr(f"kind_{k}", lang) for k in c["kind"]],
        col("reasons"): c["reasons"].to_numpy(),
        col("triggers"): ["；".join(labels[t] for t in ts.split(";")) if lang == "zh"
                          else "; ".join(labels[t] for t in ts.split(";")) for ts in c["triggers"]],
        col("evidence"): c[f"evidence_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        col("decision"): [tr(f"decision_{decided(b, 'decision', 'pending')}", lang) for b in c.index],
        col("note"): [decided(b, "note") for b in c.index],
        col("decided"): [decided(b, "decided") for b in c.index],
    })
    towns = screening.by_township()
    confirmed = (current["decision"] == "confirmed") if current is not None else pd.Series(dtype=bool)
    confirmed_by_town = screening.branches["township"].reindex(confirmed[confirmed].index).value_counts()
    township_sheet = pd.DataFrame({
        col("township"): towns.index.to_numpy(), col("branches"): towns["branches"].to_numpy(),
        col("candidates"): towns["candidates"].to_numpy(), col("share"): towns["share"].round(3).to_numpy(),
        col("confirmed"): confirmed_by_town.reindex(towns.index, fill_value=0).to_numpy(),
    })
    by_trigger = screening.by_trigger()
    trigger_sheet = pd.DataFrame({
        col("trigger"): by_trigger[f"label_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        col("group"): [tr(f"screening_group_{g}", lang) for g in by_trigger["group"]],
        col("params"): [", ".join(f"{k}={v:g}" for k, v in
                                  {**_defaults(t), **t.params}.items()) for t in screening.triggers],
        col("fired"): by_trigger["branches"].to_numpy(),
    })
    about = pd.DataFrame({
        tr("export_about_key", lang): [tr("screening_about_period", lang), tr("screening_about_framework", lang),
                                       tr("screening_about_min_reasons", lang), tr("screening_candidates", lang),
                                       tr("screening_about_note", lang)],
        tr("export_about_value", lang): [str(screening.period),
                                         screening.framework_label[0 if lang == "zh" else 1],
                                         str(screening.min_reasons), screening.summary(lang),
                                         tr("screening_about_note_text", lang)],
    })
    sheets = ((frame, "screening_sheet_candidates", [10, 12, 30, 8, 10, 40, 80, 12, 30, 20]),
              (township_sheet, "screening_sheet_townships", [14, 10, 10, 8, 10]),
              (trigger_sheet, "screening_sheet_triggers", [44, 14, 28, 10]),
              (about, "screening_sheet_about", [28, 90]))
    # formula-safe texts (names and reasons come from the data), widths to the content, header frozen
    write_excel(path, {tr(key, lang)[:31]: table for table, key, _ in sheets})
    return path


def _defaults(trigger: Trigger) -> dict:
    from ..assess.ruleset import TRIGGER_TESTS

    return dict(TRIGGER_TESTS[trigger.test_name])

