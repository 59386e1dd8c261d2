"""Suggested branch settings: a scenario that removes hard rule violations with few changes.

:func:`suggest_settings` reads the violations of :func:`~workbench.settings.rules.check_rules`
and proposes, in three passes over the data,

1. merges: branches with too few formal members join a neighbour of the same
   township and family (enterprises and institutions into joint branches of
   at most ``max_joint_units`` units; villages and communities into a
   neighbouring branch of their kind);
2. splits: branches over ``max_members`` split along whole party groups (or
   units / natural villages) into as few parts as the limit needs;
3. posts: a secretary where there is none (the deputy when there is one), a
   provisional committee where seven or more formal members have none, and a
   discipline member where a committee lacks one.

Every step carries its reason in Chinese and English (texts of the catalogue,
``suggest_*`` in :mod:`workbench.i18n.settings`). It is a starting point
for the planner to edit, not a decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.core import BranchData
from ..data.schema import COMMITTEE_ROLES
from .rules import RuleSet, branch_facts
from .scenario import Scenario
from .scenario.texts import Items, Label, Term, both

__all__ = ["suggest_settings"]

_ENTERPRISE_LIKE = ("enterprise", "institution", "joint")
_VILLAGE_LIKE = ("village", "community")
_CN_NUM = "一二三四五六七八九十"


def suggest_settings(data: BranchData, rules: RuleSet | None = None, *, effective=None) -> Scenario:
    """Propose a scenario that removes hard branch-setting violations with few changes.

    Parameters
    ----------
    data : BranchData
        The county as it is.
    rules : RuleSet, optional
        Thresholds (default: those of DOMAIN.md).
    effective : datetime.date, optional
        When the changes take effect (see :class:`~workbench.settings.scenario.Scenario`).

    Returns
    -------
    Scenario
        Merges, then splits, then appointments, each with ``reason_zh`` /
        ``reason_en``. Branches for which no partner exists (a lone small
        enterprise in its township) are left as they are: nothing nearby can fix
        them. The committee size and term rules are left to the planner
        (removing elected members or calling elections is not a setting change).

    Examples
    --------
    >>> import workbench as wb
    >>> s = suggest_settings(wb.load("sample_data"))
    >>> sorted(set(s.summary()["op"]))
    ['appoint', 'dissolve', 'split']
    """
    rules = rules or RuleSet()
    scenario = Scenario(data, effective=effective)
    scenario = _merges(scenario, rules)
    scenario = _splits(scenario, rules)
    return _posts(scenario, rules)


# ------------------------------------------------------------------ 1. merges

def _merges(scenario: Scenario, rules: RuleSet) -> Scenario:
    data = scenario.apply()
    facts = branch_facts(data).join(data.branches.set_index("branch_id")[["name", "township", "kind"]])
    facts["kind"] = facts["kind"].astype(str)
    facts["unit_count"] = np.where(facts["kind"] == "joint", facts["units"].clip(lower=1), 1)
    small = facts[facts["formal"] < rules.min_formal_members]
    names = set(data.branches["name"])
    towns = facts[facts["township"].isin(small["township"].unique())]
    for township, here in towns.groupby("township", sort=True):
        tiny = small[small["township"] == township]
        for family in (_ENTERPRISE_LIKE, _VILLAGE_LIKE):
            group = tiny[tiny["kind"].isin(family)]
            if len(group):
                scenario = _merge_family(scenario, rules, here, group, family, names)
    return scenario


def _merge_family(scenario, rules, here, group, family, names) -> Scenario:
    min_formal = rules.min_formal_members
    # Largest first, and branches with a secretary lead: the lead's committee carries over.
    group = group.assign(has_sec=group["secretary"] > 0).sort_values(
        ["has_sec", "formal", "members"], ascending=False, kind="stable")
    healthy = here[(here["formal"] >= min_formal) & here["kind"].isin(family)].copy()
    if family == _ENTERPRISE_LIKE:
        chunks, chunk = [], []
        for bid in group.index:
            units = sum(group.loc[b, "unit_count"] for b in chunk) + group.loc[bid, "unit_count"]
            if chunk and units > rules.max_joint_units:
                chunks.append(chunk)
                chunk = []
            chunk.append(bid)
            if group.loc[chunk, "formal"].sum() >= min_formal:
                chunks.append(chunk)
                chunk = []
        leftover = chunk
        for chunk in chunks:
            if len(chunk) < 2:
                leftover = leftover + chunk
                continue
            scenario = _merge_chunk(scenario, group.loc[chunk], None, names, rules)
        if leftover:
            scenario = _place_leftover(scenario, rules, group.loc[leftover], healthy, names)
        return scenario
    for bid in group.index:
        row = group.loc[bid]
        same = healthy[(healthy["kind"] == row["kind"])
                       & (healthy["members"] + row["members"] <= rules.max_members)]
        if not len(same):
            same = healthy[healthy["members"] + row["members"] <= rules.max_members]
        if not len(same):
            continue
        target = same.sort_values(["members"], kind="stable").index[0]
        healthy.loc[target, "members"] += row["members"]
        scenario = scenario.dissolve(bid, into=target, reason=both(
            "suggest_join_smallest", formal=row["formal"], min=rules.min_formal_members,
            name=healthy.loc[target, "name"], target=target, kind=Term(row["kind"], "scenario_kind_")))
    return scenario


def _merge_chunk(scenario, parts: pd.DataFrame, partner, names, rules) -> Scenario:
    township = parts["township"].iloc[0]
    frames = [parts] if partner is None else [partner.to_frame().T, parts]
    ids = [i for f in frames for i in f.index]
    kinds = {k for f in frames for k in f["kind"]}
    name = _unique_name(f"{township}{'非公企业' if kinds <= {'enterprise', 'joint'} else ''}联合党支部", names)
    counts = Items([Label("suggest_formal_count", id=i, n=int(parts.loc[i, "formal"])) for i in parts.index],
                   quote=False, limit=None)
    if partner is None:
        reason = both("suggest_form_joint", min=rules.min_formal_members, counts=counts)
    else:
        reason = both("suggest_form_joint_with", min=rules.min_formal_members, counts=counts, partner=partner.name,
                      name=partner["name"])
    return scenario.merge(ids, name=name, kind="joint", reason=reason)


def _place_leftover(scenario, rules, left: pd.DataFrame, healthy: pd.DataFrame, names) -> Scenario:
    units = int(left["unit_count"].sum())
    size = int(left["members"].sum())
    joint = healthy[(healthy["kind"] == "joint") & (healthy["unit_count"] + units <= rules.max_joint_units)
                    & (healthy["members"] + size <= rules.max_members)]
    if len(joint):
        target = joint.sort_values(["unit_count", "members"], kind="stable").index[0]
        healthy.loc[target, ["unit_count", "members"]] += [units, size]
        for bid in left.index:
            row = left.loc[bid]
            scenario = scenario.dissolve(bid, into=target, reason=both(
                "suggest_join_joint", formal=row["formal"], min=rules.min_formal_members,
                name=healthy.loc[target, "name"], target=target))
        return scenario
    partners = healthy[(healthy["kind"] != "joint") & (healthy["members"] + size <= rules.max_members)]
    if not len(partners):
        return scenario  # nothing in this township can take them: the planner decides
    partner_id = partners.sort_values(["members"], kind="stable").index[0]
    return _merge_chunk(scenario, left, healthy.loc[partner_id], names, rules)


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}（{_CN_NUM[k - 1] if k <= 10 else k}）"
    taken.add(candidate)
    return candidate


# ------------------------------------------------------------------ 2. splits

def _splits(scenario: Scenario, rules: RuleSet) -> Scenario:
    data = scenario.apply()
    facts = branch_facts(data)
    big = facts[facts["members"] > rules.max_members]
    if not len(big):
        return scenario
    m = data.members
    names = data.branches.set_index("branch_id")["name"]
    members = m.loc[m["branch_id"].isin(big.index).to_numpy(), ["member_id", "branch_id", "role", "party_group", "unit"]]
    for bid, own in members.groupby("branch_id", sort=True):
        column = "party_group" if facts.loc[bid, "groups"] >= 2 else "unit" if facts.loc[bid, "units"] >= 2 else None
        if column is None:
            continue
        groups = _pack(own, column, rules)
        if not groups:
            continue
        n = len(own)
        labels = ["、".join(values) for values, _ in groups]
        scenario = scenario.split(
            bid, groups=[rows for _, rows in groups],
            names=[f"{names[bid]}（{label}）" for label in labels],
            reason=both("suggest_split", n=n, max=rules.max_members, by=Label(f"suggest_by_{column}"),
                        parts=len(groups) + 1))
    return scenario


def _pack(own: pd.DataFrame, column: str, rules: RuleSet) -> list[tuple[list[str], list[str]]]:
    """Whole groups packed into as few parts as ``max_members`` needs (largest first, fullest bin last).

    The part with the secretary's group and the members without a group stays;
    returns the leaving parts as (group values, member ids).
    """
    values = own[column].astype("str").where(own[column].notna(), "").str.strip()
    sizes = values[values != ""].value_counts()
    sizes = sizes.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    secretary = values[(own["role"] == "secretary").to_numpy()]
    stay_value = secretary.iloc[0] if len(secretary) and secretary.iloc[0] != "" else sizes.index[0]
    unassigned = int((values == "").sum())
    n = len(own)
    for k in range(max(2, math.ceil(n / rules.max_members)), len(sizes) + 2):
        bins: list[list[str]] = [[stay_value]] + [[] for _ in range(k - 1)]
        load = [int(sizes[stay_value]) + unassigned] + [0] * (k - 1)
        for value, size in sizes.items():
            if value == stay_value:
                continue
            target = int(np.argmin(load))
            bins[target].append(value)
            load[target] += int(size)
        if max(load) <= rules.max_members:
            break
    leaving = [(sorted(vals), own.loc[values.isin(vals).to_numpy(), "member_id"].tolist())
               for vals in bins[1:] if vals]
    return leaving


# ------------------------------------------------------------------- 3. posts

def _posts(scenario: Scenario, rules: RuleSet) -> Scenario:
    data = scenario.apply()
    facts = branch_facts(data)
    m = data.members
    need_secretary = set(facts.index[(facts["members"] > 0) & (facts["secretary"] == 0)])
    need_committee = set(facts.index[(facts["formal"] >= rules.committee_from_formal) & ~facts["has_committee"]])
    need_discipline = set(facts.index[facts["has_committee"] & (facts["discipline"] == 0)])
    todo = need_secretary | need_committee | need_discipline
    if not todo:
        return scenario
    # Plain records per branch, best candidates first: thousands of small pandas filters
    # would cost seconds on a province.
    ranked = _ranked(m[m["branch_id"].isin(sorted(todo)).to_numpy()])
    by_branch: dict[str, list[_Candidate]] = {}
    for rec in zip(ranked["member_id"], ranked["branch_id"], ranked["name"], ranked["role"], ranked["formal"]):
        by_branch.setdefault(rec[1], []).append(_Candidate(rec[0], rec[2], rec[3], bool(rec[4])))
    for bid in sorted(todo):
        own = by_branch.get(bid, [])
        taken: set[str] = set()
        if bid in need_secretary:
            deputies = [c for c in own if c.role == "deputy_secretary"]
            # Not the discipline member: moving them would open the next gap.
            pool = deputies or [c for c in own if c.formal and c.role != "discipline"]
            if pool:
                pick = pool[0]
                taken.add(pick.member_id)
                how = Label("suggest_secretary_deputy" if deputies else "suggest_secretary_formal")
                scenario = scenario.appoint(pick.member_id, "secretary",
                                            reason=both("suggest_secretary", how=how, name=pick.name))
        if bid in need_committee:
            formal = int(facts.loc[bid, "formal"])
            pool = [c for c in own if c.formal and c.role == "member" and c.member_id not in taken]
            for role, pick in zip(("organization", "discipline"), pool):
                scenario = scenario.appoint(pick.member_id, role, reason=both(
                    "suggest_committee", formal=formal, name=pick.name, post=Label(f"suggest_post_{role}"),
                    size=rules.committee_min))
                taken.add(pick.member_id)
        elif bid in need_discipline:
            scenario = _discipline(scenario, rules, own, int(facts.loc[bid, "committee"]), taken)
    return scenario


@dataclass(frozen=True)
class _Candidate:
    member_id: str
    name: str
    role: str
    formal: bool


def _discipline(scenario, rules, own: list[_Candidate], committee: int, taken: set[str]) -> Scenario:
    free = [c for c in own if c.member_id not in taken]
    plain = [c for c in free if c.role == "committee"]
    if plain:
        pool, how = plain, "suggest_discipline_committee"
    elif committee < rules.committee_normal_max:
        pool = [c for c in free if c.formal and c.role == "member"]
        how = "suggest_discipline_formal"
    else:
        pool = [c for c in free if c.role in ("propaganda", "deputy_secretary")]
        how = "suggest_discipline_committee"
    if not pool:
        return scenario
    pick = pool[0]
    return scenario.appoint(pick.member_id, "discipline", reason=both(
        "suggest_discipline", committee=committee, how=Label(how), name=pick.name))


def _ranked(members: pd.DataFrame) -> pd.DataFrame:
    """Members best suited to a post first: reserve cadres, village cadres, education, seniority."""
    out = members[["member_id", "branch_id", "name", "reserve_cadre", "village_cadre", "join_date"]].assign(
        role=members["role"].astype(str).to_numpy(),
        formal=(members["status"] == "formal").to_numpy(),
        _edu=members["education"].cat.codes.to_numpy(),
        _on=members["role"].isin(COMMITTEE_ROLES).to_numpy(),
    )
    return out.sort_values(["_on", "reserve_cadre", "village_cadre", "_edu", "join_date", "member_id"],
                           ascending=[False, False, False, False, True, True], kind="stable")
