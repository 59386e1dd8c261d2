"""Suggested settings: a scenario that removes hard violations with few changes, each step with its reason."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

import workbench as wb
from workbench.data.synth import generate
from workbench.settings.rules import branch_facts, check_rules
from workbench.settings.scenario import Scenario
from workbench.settings.suggest import suggest_settings

from tests.county_factory import FULL_COMMITTEE, branch, county
from tests.settings.test_scenario import revalidate

CJK = re.compile(r"[\u4e00-\u9fff]")

FIXED_BY_POSTS = {"no_secretary", "no_committee", "no_discipline"}


def _fixable_left(data: wb.BranchData, rules=None) -> pd.DataFrame:
    """Violations left that a merge, split or appointment could still remove."""
    rules = rules or wb.RuleSet()
    v = check_rules(data, rules, period=2025)
    facts = branch_facts(data).join(data.branches.set_index("branch_id")[["township", "kind"]])
    facts["kind"] = facts["kind"].astype(str)
    family = np.where(facts["kind"].isin(["village", "community"]), "village", "enterprise")
    facts["family"] = family
    left = []
    for row in v.itertuples():
        if row.rule == "under_min_formal":
            me = facts.loc[row.branch_id]
            partners = facts[(facts["township"] == me["township"]) & (facts["family"] == me["family"])
                             & (facts.index != row.branch_id)]
            if len(partners):
                left.append(row)
        elif row.rule == "over_max_members":
            if facts.loc[row.branch_id, "groups"] >= 2 or facts.loc[row.branch_id, "units"] >= 2:
                left.append(row)
        elif row.rule in FIXED_BY_POSTS:
            left.append(row)
    return pd.DataFrame(left)


def test_suggestions_on_the_sample_leave_nothing_a_merge_split_or_post_can_fix(sample):
    before = check_rules(sample, period=2025)
    assert {"under_min_formal", "over_max_members", "no_discipline"} <= set(before["rule"])
    assert len(_fixable_left(sample)) > 30
    s = suggest_settings(sample)
    after = s.apply()
    assert _fixable_left(after).empty
    left = check_rules(after, period=2025)
    assert set(left.loc[left["severity"] == "error", "rule"]) <= {"committee_too_large", "term_overdue"}
    assert (left["severity"] == "error").sum() < (before["severity"] == "error").sum()
    summary = s.summary()
    assert (summary["reason_zh"].str.len() > 5).all() and (summary["reason_en"].str.len() > 5).all()
    # Few changes: only branches with a violation, and the branches that take them in, are touched.
    touched = set(s.affected().index)
    hard = set(before.loc[before["rule"].isin({"under_min_formal", "over_max_members"} | FIXED_BY_POSTS),
                          "branch_id"])
    hosts = {op.into for op in s.operations if op.op == "dissolve"}
    assert touched <= hard | hosts | set(s.created_ids)
    revalidate(after)


def test_suggestions_are_deterministic_and_round_trip(sample, tmp_path):
    s = suggest_settings(sample)
    assert suggest_settings(sample).operations == s.operations
    back = Scenario.from_yaml(s.to_yaml(tmp_path / "suggested.yaml"), sample)
    assert back.apply().equals(s.apply())


def test_suggestions_on_a_generated_province_part():
    data = generate(400, seed=9, years=(2025,), today=dt.date(2026, 3, 1))
    after = suggest_settings(data).apply()
    assert _fixable_left(after).empty


def test_small_enterprises_merge_into_a_joint_branch():
    data = county(branch("E1", kind="enterprise", formal=2), branch("E2", kind="institution", formal=2),
                  branch("V", kind="village", formal=20, roles=FULL_COMMITTEE))
    s = suggest_settings(data)
    assert [op.op for op in s.operations] == ["merge"]
    (merge,) = s.operations
    assert set(merge.branch_ids) == {"E1", "E2"} and merge.kind == "joint"
    assert merge.name == "东镇联合党支部"
    assert "不足3名" in merge.reason_zh and "fewer than 3" in merge.reason_en


def test_a_small_enterprise_joins_a_joint_branch_with_room_or_else_a_neighbour():
    joint = branch("J", kind="joint", formal=8, roles=FULL_COMMITTEE, units=["甲"] * 4 + ["乙"] * 4)
    s = suggest_settings(county(branch("E1", kind="enterprise", formal=1), joint))
    assert [(op.op, op.branch_id, op.into) for op in s.operations] == [("dissolve", "E1", "J")]
    full = branch("J", kind="joint", formal=10, roles=FULL_COMMITTEE, units=list("甲乙丙丁戊甲乙丙丁戊"))
    s = suggest_settings(county(branch("E1", kind="enterprise", formal=1), full,
                                branch("E9", kind="enterprise", formal=5)))
    (merge,) = s.operations
    assert merge.op == "merge" and merge.branch_ids == ("E9", "E1")  # the partner leads
    assert "E9" in merge.reason_en


def test_a_lone_small_branch_without_neighbours_is_left_alone():
    data = county(branch("E1", kind="enterprise", township="远乡", formal=2),
                  branch("V", kind="village", formal=20, roles=FULL_COMMITTEE))
    assert len(suggest_settings(data)) == 0


def test_small_village_joins_the_smallest_village_nearby():
    data = county(branch("V0", formal=2), branch("V1", formal=30, roles=FULL_COMMITTEE),
                  branch("V2", formal=12, roles=FULL_COMMITTEE), branch("C", kind="community", formal=8,
                                                                        roles=FULL_COMMITTEE))
    (op,) = suggest_settings(data).operations
    assert (op.op, op.branch_id, op.into) == ("dissolve", "V0", "V2")


def test_big_branch_splits_along_whole_groups_into_parts_within_the_limit():
    groups = ["甲组"] * 14 + ["乙组"] * 14 + ["丙组"] * 14 + ["丁组"] * 14 + [""] * 4
    data = county(branch("V", formal=60, roles=FULL_COMMITTEE, groups=groups))
    s = suggest_settings(data)
    split = s.operations[0]
    assert split.op == "split"
    after = s.apply()
    sizes = after.members["branch_id"].value_counts()
    assert (sizes <= 50).all() and len(sizes) == 2
    for gname in ("甲组", "乙组", "丙组", "丁组"):  # groups stay whole
        assert after.members.loc[after.members["party_group"] == gname, "branch_id"].nunique() == 1
    new = s.created_ids[0]
    posts = after.members.loc[after.members["branch_id"] == new, "role"].value_counts()
    assert posts[["secretary", "organization", "discipline"]].tolist() == [1, 1, 1]
    assert _fixable_left(after).empty


def test_posts_deputy_becomes_secretary_and_committee_member_takes_discipline():
    data = county(branch("A", formal=5, roles=("member", "deputy_secretary")),
                  branch("B", formal=9, roles=("secretary", "organization", "committee", "propaganda")))
    ops = suggest_settings(data).operations
    assert [(op.op, op.member_id, op.role) for op in ops] == [
        ("appoint", "A-M02", "secretary"), ("appoint", "B-M03", "discipline")]
    assert "副书记" in ops[0].reason_zh


def test_reasons_speak_each_language_and_the_data_stay_as_they_were(sample):
    before = sample.members.copy()
    s = suggest_settings(sample, effective=dt.date(2026, 1, 1))
    assert s.effective == dt.date(2026, 1, 1) and sample.members.equals(before)
    summary = s.summary()
    assert summary["reason_zh"].map(lambda t: bool(CJK.search(t))).all()
    assert summary["reason_en"].str.contains("formal members|members, more than|no secretary|committee of").all()
    # every figure of a reason appears in both languages
    for zh, en in zip(summary["reason_zh"], summary["reason_en"]):
        assert sorted(re.findall(r"\d+", zh)) == sorted(re.findall(r"\d+", en)), (zh, en)


def test_a_committee_is_proposed_where_seven_formal_members_have_none():
    s = suggest_settings(county(branch("C", formal=9, roles=("secretary",))))
    assert [(op.op, op.role) for op in s.operations] == [("appoint", "organization"), ("appoint", "discipline")]
    assert "有9名正式党员但未设支委会" in s.operations[0].reason_zh
    assert s.operations[1].reason_en.startswith("9 formal members but no committee")
    after = check_rules(s.apply(), period=2025)
    assert not {"no_committee", "no_discipline"} & set(after.loc[after["branch_id"] == "C", "rule"])
