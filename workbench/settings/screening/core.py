"""The screening itself: the criteria's tests on one period, and what they found (see the package)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...assess import roster
from ...assess.framework import Framework
from ...assess.ruleset import Trigger
from ...data.core import BranchData
from ...i18n import tr

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
        from ...assess.indicators import Context

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
            from ...assess.indicators import compute_indicators
            from ...assess.scoring import Scheme

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
    from ...assess.indicators import DERIVATIONS

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
