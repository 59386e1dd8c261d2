"""The data of one period (:class:`Context`) and the built-in derivations that read it.

Each derivation is a function of a :class:`Context` returning one value per
branch, registered by name in :data:`~workbench.assess.derivations.DERIVATIONS`
(the conventions are stated in :mod:`workbench.assess.indicators`). This module
sits below the framework so that reading a county rule sheet can check the
indicator names it gives; :func:`~workbench.assess.indicators.compute_indicators`
computes them.

>>> "three_meetings_completion" in DERIVATIONS
True
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..data.core import BranchData
from ..data.schema import COMMITTEE_ROLES, EDUCATION_COLLEGE
from . import roster
from .derivations import DERIVATIONS, register_derivation
from .ruleset import RuleSet

__all__ = ["Context"]


class Context:
    """The data of one period, with intermediate arrays shared by the derivations.

    Arrays over members are restricted to the members of the period (joined by
    its end); ``m_branch`` gives each one's branch code (position in
    ``branch_ids``).
    """

    def __init__(self, data: BranchData, period: int, rules: RuleSet):
        self.data = data
        self.period = int(period)
        self.rules = rules
        self.start = pd.Timestamp(self.period, 1, 1)
        self.end = pd.Timestamp(self.period, 12, 31)
        self.next_start = pd.Timestamp(self.period + 1, 1, 1)
        self.branch_ids = pd.Index(data.branches["branch_id"], name="branch_id")
        self.n = len(self.branch_ids)

    # ---------------------------------------------------------------- helpers
    def per_branch(self, values, codes=None, *, how: str = "sum") -> np.ndarray:
        """Aggregate member-level (default) or other per-record values by branch code.

        ``how``: sum, count, mean (NaN where no records), any (0/1), max.
        """
        codes = self.m_branch if codes is None else codes
        values = np.asarray(values, dtype="float64")
        if how == "count":
            return np.bincount(codes, minlength=self.n).astype("float64")
        sums = np.bincount(codes, weights=values, minlength=self.n)
        if how == "sum":
            return sums
        counts = np.bincount(codes, minlength=self.n)
        if how == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        if how == "any":
            return (sums > 0).astype("float64")
        if how == "max":
            out = np.full(self.n, -np.inf)
            np.maximum.at(out, codes, values)
            return np.where(counts > 0, out, np.nan)
        raise ValueError(f"how must be sum, count, mean, any or max; got {how!r}")

    def share(self, mask, within=None) -> np.ndarray:
        """Share of members (``within`` a subset) for whom ``mask`` holds; NaN where none."""
        within = np.ones(len(self.m_branch), dtype=bool) if within is None else np.asarray(within)
        num = self.per_branch(np.asarray(mask) & within)
        den = self.per_branch(within)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    def _codes(self, ids: pd.Series) -> np.ndarray:
        return self.branch_ids.get_indexer(ids)

    def records(self, table: str, mask) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows of ``table`` where ``mask`` holds, and their branch codes (cached lookups)."""
        mask = np.asarray(mask, dtype=bool)
        return getattr(self.data, table)[mask], self.data.codes(table, "branch_id")[mask]

    def in_period(self, dates: pd.Series) -> np.ndarray:
        values = dates.to_numpy()
        return (values >= self.start.to_datetime64()) & (values < self.next_start.to_datetime64())

    # --------------------------------------------------------------- members
    @cached_property
    def _member_mask(self) -> np.ndarray:
        return roster.on_roster(self.data.members["join_date"], self.end)

    @cached_property
    def facts(self) -> pd.DataFrame:
        """Per-branch counts of the period's roster (:func:`workbench.assess.roster.branch_facts`)."""
        return roster.branch_facts(self.data, self.rules, as_of=self.end)

    @cached_property
    def members(self) -> pd.DataFrame:
        return self.data.members[self._member_mask]

    @cached_property
    def m_branch(self) -> np.ndarray:
        return self.data.codes("members", "branch_id")[self._member_mask]

    @cached_property
    def age(self) -> np.ndarray:
        return self.period - self.members["birth_year"].to_numpy()

    @cached_property
    def role(self) -> np.ndarray:
        return self.members["role"].to_numpy()

    @cached_property
    def on_committee(self) -> np.ndarray:
        return np.isin(self.role, COMMITTEE_ROLES)

    @cached_property
    def college(self) -> np.ndarray:
        return self.members["education"].isin(EDUCATION_COLLEGE).to_numpy()

    @cached_property
    def n_members(self) -> np.ndarray:
        return self.per_branch(None, how="count")

    @cached_property
    def formal(self) -> np.ndarray:
        """Members of the period who were formal on its last day."""
        m = self.members
        return roster.formal_at(m["status"], m["join_date"], self.end)

    @cached_property
    def committee_size(self) -> np.ndarray:
        return self.facts["committee"].to_numpy().astype("float64")

    @cached_property
    def has_committee(self) -> np.ndarray:
        return self.facts["has_committee"].to_numpy()

    @cached_property
    def has_groups(self) -> np.ndarray:
        return self.facts["groups"].to_numpy() > 0

    # ---------------------------------------------------------------- records
    @cached_property
    def general_meetings(self) -> tuple[pd.DataFrame, np.ndarray]:
        """General membership meetings of the period and their branch codes."""
        mt = self.data.meetings
        return self.records("meetings", self.in_period(mt["date"]) & (mt["kind"] == "general_meeting").to_numpy())

    @cached_property
    def meeting_counts(self) -> pd.DataFrame:
        """Meetings held per branch and kind in the period (branches x kinds)."""
        mt = self.data.meetings
        in_period = self.in_period(mt["date"])
        codes = self.data.codes("meetings", "branch_id")[in_period]
        kinds = mt["kind"].cat.codes.to_numpy()[in_period]
        k = len(mt["kind"].cat.categories)
        flat = np.bincount(codes * k + kinds, minlength=self.n * k).reshape(self.n, k)
        return pd.DataFrame(flat, index=self.branch_ids, columns=list(mt["kind"].cat.categories))

    @cached_property
    def trainings(self) -> pd.DataFrame:
        """Trainings of the period by members of the period, with the member's branch code."""
        tr = self.data.trainings
        member = self.data.codes("trainings", "member_id")
        # position of each member among the members of the period (-1: joined later)
        position = np.where(self._member_mask, np.cumsum(self._member_mask) - 1, -1)
        pos = position[member]
        keep = self.in_period(tr["date"]) & (pos >= 0)
        # numeric columns only: copying millions of id strings buys nothing here
        return pd.DataFrame({
            "date": tr["date"].to_numpy()[keep], "hours": tr["hours"].to_numpy()[keep],
            "kind": pd.Categorical.from_codes(tr["kind"].cat.codes.to_numpy()[keep], dtype=tr["kind"].dtype),
            "_branch": self.m_branch[pos[keep]], "_member": pos[keep],
        })

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        return self.data.outcomes_for(self.period).reindex(self.branch_ids)

    @cached_property
    def outcomes_before(self) -> pd.DataFrame:
        return self.data.outcomes_for(self.period - 1).reindex(self.branch_ids)

    def completion(self, kind: str) -> np.ndarray:
        required = self.rules.required_meetings[kind]
        held = self.meeting_counts[kind].to_numpy() if kind in self.meeting_counts else np.zeros(self.n)
        return np.minimum(held / required, 1.0)


# =========================================================== the derivations

def _register(name, *, activity: bool = False, recorded: bool = False):
    return register_derivation(name, activity=activity, recorded=recorded, replace=True)


# ---- team -------------------------------------------------------------------

@_register("reserve_cadres")
def _reserve_cadres(ctx: Context):
    """Reserve cadres of village and community branches (the village-level reserve team)."""
    count = ctx.per_branch(ctx.members["reserve_cadre"].to_numpy())
    return np.where(_village_like(ctx), count, np.nan)


@_register("capable_cadres")
def _capable_cadres(ctx: Context):
    """Share of village cadres who lead local prosperity or have college education."""
    cadre = ctx.members["village_cadre"].to_numpy()
    capable = ctx.members["wealth_leader"].to_numpy() | ctx.college
    return ctx.share(capable, within=cadre)


def _village_like(ctx: Context) -> np.ndarray:
    return ctx.data.branches["kind"].isin(["village", "community"]).to_numpy()


@_register("secretary_wealth_leader")
def _secretary_wealth_leader(ctx: Context):
    """1 when the secretary leads local prosperity (village and community branches)."""
    sec = ctx.role == "secretary"
    value = ctx.per_branch(sec & ctx.members["wealth_leader"].to_numpy(), how="any")
    return np.where(_village_like(ctx), value, np.nan)


@_register("secretary_in_post")
def _secretary_in_post(ctx: Context):
    """1 when the branch has a secretary."""
    return ctx.per_branch(ctx.role == "secretary", how="any")


# ---- education ---------------------------------------------------------------

@_register("committee_college_share")
def _committee_college_share(ctx: Context):
    """Share of committee members with college education or above."""
    return ctx.share(ctx.college, within=ctx.on_committee)


@_register("committee_mean_age")
def _committee_mean_age(ctx: Context):
    """Mean age of committee members."""
    codes = ctx.m_branch[ctx.on_committee]
    return ctx.per_branch(ctx.age[ctx.on_committee], codes, how="mean")


@_register("training_hours", activity=True)
def _training_hours(ctx: Context):
    """Training hours in the period per member."""
    tr = ctx.trainings
    hours = ctx.per_branch(tr["hours"].to_numpy(), tr["_branch"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ctx.n_members > 0, hours / np.maximum(ctx.n_members, 1), np.nan)


@_register("young_cadre")
def _young_cadre(ctx: Context):
    """1 when a committee member is under 35."""
    young = ctx.per_branch(ctx.on_committee & (ctx.age < 35), how="any")
    return np.where(ctx.committee_size > 0, young, np.nan)


# ---- organization ------------------------------------------------------------

@_register("setting_compliance")
def _setting_compliance(ctx: Context):
    """1 minus 0.25 per branch-setting error and 0.1 per warning (rules.check_rules), at least 0."""
    from ..settings.rules import check_rules

    found = check_rules(ctx.data, ctx.rules, period=ctx.period)
    found = found[found["category"] == "setting"]
    codes = ctx._codes(found["branch_id"])
    penalty = np.where(found["severity"].to_numpy() == "error", 0.25, 0.1)
    return np.clip(1.0 - ctx.per_branch(penalty, codes), 0.0, 1.0)


@_register("discipline_member")
def _discipline_member(ctx: Context):
    """1 when a discipline member is in place; NaN where no committee is formed."""
    has = ctx.per_branch(ctx.role == "discipline", how="any")
    return np.where(ctx.has_committee | (has > 0), has, np.nan)


@_register("new_members", activity=True)
def _new_members(ctx: Context):
    """Members who joined during the period."""
    return ctx.per_branch(ctx.in_period(ctx.members["join_date"]))


@_register("young_member_share")
def _young_member_share(ctx: Context):
    """Share of members under 35."""
    return ctx.share(ctx.age < 35)


@_register("election_on_time")
def _election_on_time(ctx: Context):
    """1 when the leadership's term has not run out before the period's last day (village and
    community 5 years, others 3; calendar years, as ``check_rules`` counts them)."""
    ends, _ = roster.term_ends(ctx.data.branches, ctx.rules)
    on_time = (ends >= np.datetime64(ctx.end.date(), "D")).astype("float64")
    return np.where(np.isnat(ends), np.nan, on_time)


# ---- red education -----------------------------------------------------------

@_register("red_sessions", activity=True)
def _red_sessions(ctx: Context):
    """Red-education sessions in the period (distinct dates among the branch's members)."""
    tr = ctx.trainings
    red = tr[(tr["kind"] == "red_education").to_numpy()]
    day = red["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    key = np.unique(red["_branch"].to_numpy().astype(np.int64) * 100_000 + (day - day.min(initial=0)))
    return ctx.per_branch(None, key // 100_000, how="count")


@_register("trained_share", activity=True)
def _trained_share(ctx: Context):
    """Share of members who took part in batch training in the period."""
    tr = ctx.trainings
    batch = tr[(tr["kind"] == "batch_training").to_numpy()]
    trained = np.zeros(len(ctx.members), dtype=bool)
    trained[batch["_member"].to_numpy()] = True
    return ctx.share(trained)


@_register("themed_day_completion", activity=True)
def _themed_day_completion(ctx: Context):
    """Themed party days held / required (capped at 1)."""
    return ctx.completion("themed_day")


# ---- inspection and rectification -------------------------------------------

@_register("three_meetings_completion", activity=True)
def _three_meetings_completion(ctx: Context):
    """Mean completion (held / required, capped at 1) of the applicable three-meetings-one-lesson activities.

    Committee meetings apply where a committee is formed, group meetings where
    the branch has party groups.
    """
    total = np.zeros(ctx.n)
    count = np.zeros(ctx.n)
    for kind in ctx.rules.three_meetings_one_lesson:
        applies = np.ones(ctx.n, dtype=bool)
        if kind == "committee_meeting":
            applies = ctx.has_committee
        elif kind == "group_meeting":
            applies = ctx.has_groups
        total += np.where(applies, ctx.completion(kind), 0.0)
        count += applies
    return total / np.maximum(count, 1)


def _inspection_score(method: str):
    def derive(ctx: Context):
        ins = ctx.data.inspections
        rows, codes = ctx.records("inspections", ctx.in_period(ins["date"]) & (ins["method"] == method).to_numpy())
        return ctx.per_branch(rows["score"].to_numpy(), codes, how="mean")
    derive.__doc__ = f"Mean score of {method} inspections in the period."
    return derive


for _method in ("platform", "onsite", "materials"):
    register_derivation(f"{_method}_score", _inspection_score(_method), activity=True, recorded=True,
                        replace=True)


@_register("problems_found", activity=True)
def _problems_found(ctx: Context):
    """Problems found in the period."""
    _, codes = ctx.records("problems", ctx.in_period(ctx.data.problems["found"]))
    return ctx.per_branch(None, codes, how="count")


def _open_in_period(ctx: Context) -> tuple[pd.DataFrame, np.ndarray]:
    p = ctx.data.problems
    found = p["found"] <= ctx.end
    open_during = p["rectified"].isna() | (p["rectified"] >= ctx.start)
    return ctx.records("problems", (found & open_during).to_numpy())


@_register("rectification_rate", activity=True)
def _rectification_rate(ctx: Context):
    """Share of the problems open during the period that were rectified by its end (1 when none)."""
    p, codes = _open_in_period(ctx)
    done = (p["rectified"] <= ctx.end).fillna(False).to_numpy()
    n_open = ctx.per_branch(None, codes, how="count")
    n_done = ctx.per_branch(done, codes)
    return np.where(n_open > 0, n_done / np.maximum(n_open, 1), 1.0)


@_register("overdue_problems", activity=True)
def _overdue_problems(ctx: Context):
    """Problems past their due date and not rectified at the period end."""
    p, codes = _open_in_period(ctx)
    overdue = ((p["due"] < ctx.end) & (p["rectified"].isna() | (p["rectified"] > ctx.end))).to_numpy()
    return ctx.per_branch(overdue, codes)


# ---- functions ----------------------------------------------------------------

@_register("general_meeting_decisions", activity=True)
def _general_meeting_decisions(ctx: Context):
    """Decisions taken by general membership meetings in the period."""
    general, codes = ctx.general_meetings
    return ctx.per_branch(general["decisions"].to_numpy(), codes)


@_register("committee_meetings", activity=True)
def _committee_meetings(ctx: Context):
    """Committee meetings held in the period; NaN where no committee is formed."""
    held = ctx.meeting_counts["committee_meeting"].to_numpy(dtype="float64")
    return np.where(ctx.has_committee, held, np.nan)


@_register("attendance_rate", activity=True)
def _attendance_rate(ctx: Context):
    """Mean attendance of general meetings (attendees / members, capped at 1)."""
    general, codes = ctx.general_meetings
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.minimum(general["attendees"].to_numpy() / np.maximum(ctx.n_members[codes], 1), 1.0)
    return ctx.per_branch(rate, codes, how="mean")


@_register("collective_income", recorded=True)
def _collective_income(ctx: Context):
    """Collective income of the village in the period (10k yuan)."""
    return ctx.outcomes["collective_income"].to_numpy(dtype="float64")


@_register("income_growth", activity=True)
def _income_growth(ctx: Context):
    """Growth of collective income over the previous year."""
    now = ctx.outcomes["collective_income"].to_numpy(dtype="float64")
    before = ctx.outcomes_before["collective_income"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > 0, now / before - 1.0, np.nan)


@_register("satisfaction", recorded=True)
def _satisfaction(ctx: Context):
    """Residents' satisfaction survey (0-100) of the period."""
    return ctx.outcomes["satisfaction"].to_numpy(dtype="float64")


# ---- flags used by vetoes ----------------------------------------------------

@_register("weak_lax")
def _weak_lax(ctx: Context):
    """1 when the department listed the branch as weak and lax for the period."""
    return ctx.outcomes["weak_lax"].fillna(False).to_numpy(dtype="float64")


@_register("serious_violation")
def _serious_violation(ctx: Context):
    """Serious discipline problems found in the period."""
    p = ctx.data.problems
    _, codes = ctx.records("problems", ctx.in_period(p["found"]) & (p["severity"] == "serious").to_numpy()
                           & (p["category"] == "discipline").to_numpy())
    return ctx.per_branch(None, codes, how="count")
