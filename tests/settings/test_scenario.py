"""Scenarios: each operation on hand-made cases, its validation, undo, YAML, compare, and properties."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.data.synth import generate
from workbench.settings.rules import branch_facts, check_rules
from workbench.settings.scenario import (
    Appoint,
    Create,
    Dissolve,
    InvalidOperationError,
    Merge,
    Move,
    Scenario,
    ScenarioError,
    ScenarioFileError,
    Split,
    UnknownIdError,
    Vacate,
)

from tests.county_factory import FULL_COMMITTEE, TODAY, branch, county


def tiny():
    """Three small enterprises, a joint branch and a village with party groups, in two townships."""
    return county(
        branch("E1", kind="enterprise", formal=2, roles=("secretary",)),
        branch("E2", kind="enterprise", formal=2, probationary=1, roles=("secretary", "deputy_secretary")),
        branch("E3", kind="enterprise", township="西乡", formal=4),
        branch("J1", kind="joint", formal=8, roles=FULL_COMMITTEE, units=["甲公司"] * 4 + ["乙公司"] * 4),
        branch("V1", kind="village", formal=12, roles=("secretary", "organization", "discipline"),
               groups=["张家组"] * 5 + ["李家组"] * 4 + [""] * 3,
               meetings={"general_meeting": 4, "party_lesson": 4, "committee_meeting": 12,
                         "group_meeting": 12}),
    )


def member(data, member_id):
    return data.members.set_index("member_id").loc[member_id]


def branch_of(data, branch_id):
    return data.branches.set_index("branch_id").loc[branch_id]


def revalidate(data: wb.BranchData) -> wb.BranchData:
    """The loader's checks (types, keys, references, one secretary per branch) on a scenario's result."""
    return wb.BranchData.from_frames(**data.tables(), today=TODAY + dt.timedelta(days=400))


# ---------------------------------------------------------------------- merge

def test_merge_makes_a_joint_branch_with_the_lead_committee_and_all_records():
    data = tiny()
    s = Scenario(data).merge(["E2", "E1"], name="东镇非公企业联合党支部")
    after = s.apply()
    (new,) = s.created_ids
    assert new == "E4"  # the most common spelling (E1, E2, E3) continues
    row = branch_of(after, new)
    assert (row["kind"], row["township"], row["name"]) == ("joint", "东镇", "东镇非公企业联合党支部")
    assert row["committee_elected"] == branch_of(data, "E2")["committee_elected"]
    assert row["established"] == data.branches["established"].iloc[:2].min()
    assert not {"E1", "E2"} & set(after.branches["branch_id"])
    moved = after.members[after.members["branch_id"] == new]
    assert sorted(moved["member_id"]) == sorted(data.members.loc[data.members["branch_id"].isin(["E1", "E2"]),
                                                                 "member_id"])
    # The lead's (E2) posts stay, E1's secretary becomes an ordinary member.
    assert member(after, "E2-M01")["role"] == "secretary" and member(after, "E2-M02")["role"] == "deputy_secretary"
    assert member(after, "E1-M01")["role"] == "member"
    # Units: each single-unit branch is one unit of the joint branch.
    assert set(moved["unit"]) == {"E1党支部", "E2党支部"}
    for table in ("meetings", "inspections"):
        frame = getattr(after, table)
        assert not frame["branch_id"].isin(["E1", "E2"]).any()
        assert (frame["branch_id"] == new).sum() == getattr(data, table)["branch_id"].isin(["E1", "E2"]).sum()
    assert check_rules(after, period=2025).query("branch_id == @new")["rule"].tolist() == []
    revalidate(after)


def test_merge_folds_income_satisfaction_and_outcomes():
    data = generate(12, seed=3, years=(2025,))
    ids = ["B00001", "B00002"]
    after = Scenario(data).merge(ids, name="合并村", kind="village").apply()
    new = after.branches["branch_id"].iloc[-1]
    sizes = data.members["branch_id"].value_counts()[ids].to_numpy()
    b = data.branches.set_index("branch_id").loc[ids]
    row = branch_of(after, new)
    assert row["collective_income"] == pytest.approx(b["collective_income"].sum())
    assert row["satisfaction"] == pytest.approx(np.average(b["satisfaction"], weights=sizes))
    out = after.outcomes[after.outcomes["branch_id"] == new].set_index("year")
    old = data.outcomes[data.outcomes["branch_id"].isin(ids)]
    for year, part in old.groupby("year"):
        assert out.loc[year, "collective_income"] == pytest.approx(part["collective_income"].sum())
        w = part["branch_id"].map(dict(zip(ids, sizes)))
        assert out.loc[year, "satisfaction"] == pytest.approx(np.average(part["satisfaction"], weights=w))
        assert out.loc[year, "weak_lax"] == part["weak_lax"].any()
    assert not after.outcomes["branch_id"].isin(ids).any()
    assert len(after.outcomes) == len(data.outcomes) - len(old) + old["year"].nunique()


def test_merged_branch_indicators_derive_from_the_merged_records():
    data = generate(12, seed=3, years=(2025,))
    ids = ["B00001", "B00002"]
    after = Scenario(data).merge(ids, name="合并村", kind="village").apply()
    table = wb.compute_indicators(after, period=2025)
    new = after.branches["branch_id"].iloc[-1]
    m = data.meetings
    held = ((m["kind"] == "committee_meeting") & m["branch_id"].isin(ids) & (m["date"].dt.year == 2025)).sum()
    assert table.loc[new, "committee_meetings"] == held


@pytest.mark.parametrize("ids, kwargs, error, match", [
    (["E1"], {}, InvalidOperationError, "at least 2 branches"),
    (["E1", "E1"], {}, InvalidOperationError, "listed twice"),
    (["E1", "NOPE"], {}, UnknownIdError, "no branch 'NOPE'"),
    (["E1", "E3"], {}, InvalidOperationError, "2 townships"),
    (["E1", "E2"], {"kind": "party_committee"}, InvalidOperationError, "kind must be one of"),
    (["E1", "E2"], {"name": " "}, InvalidOperationError, "needs a name"),
])
def test_merge_validation(ids, kwargs, error, match):
    s = Scenario(tiny())
    with pytest.raises(error, match=match):
        s.merge(ids, **{"name": "联合", **kwargs})
    assert len(s) == 0 and s.apply() is s.base


def test_merge_across_townships_with_a_township_given():
    s = Scenario(tiny()).merge(["E1", "E3"], name="跨乡联合", township="西乡")
    assert branch_of(s.apply(), s.created_ids[0])["township"] == "西乡"


# ---------------------------------------------------------------------- split

def test_split_by_party_group_keeps_the_secretary_part_and_the_records():
    data = tiny()
    s = Scenario(data, effective="2026-01-01").split("V1", by="party_group")
    after = s.apply()
    (new,) = s.created_ids
    # The secretary (V1-M01) is in 张家组: 李家组 leaves; members without a group stay.
    assert set(after.members.loc[after.members["branch_id"] == new, "member_id"]) == {
        f"V1-M{i:02d}" for i in range(6, 10)}
    assert (after.members["branch_id"] == "V1").sum() == 8
    row = branch_of(after, new)
    assert row["name"] == "V1党支部（李家组）" and row["kind"] == "village" and pd.isna(row["committee_elected"])
    assert (after.meetings["branch_id"] == "V1").sum() == (data.meetings["branch_id"] == "V1").sum()
    assert (after.meetings["branch_id"] == new).sum() == 0
    # Founded after 2025, the new branch is not asked for 2025's meetings; it needs a secretary.
    assert check_rules(after, period=2025).query("branch_id == @new")["rule"].tolist() == ["no_secretary"]
    assert branch_of(after, new)["established"] == pd.Timestamp("2026-01-01")
    revalidate(after)


def test_split_leavers_lose_their_posts_and_names_can_be_given():
    data = tiny()
    s = Scenario(data).split("V1", groups=[["V1-M03", "V1-M10"], ["V1-M11"]], names=["一支部", "二支部"])
    after = s.apply()
    a, b = s.created_ids
    assert member(after, "V1-M03")["role"] == "member"  # was the discipline member
    assert branch_of(after, a)["name"] == "一支部" and branch_of(after, b)["name"] == "二支部"
    assert member(after, "V1-M11")["branch_id"] == b
    facts = branch_facts(after)
    assert facts.loc["V1", "members"] == 9 and facts.loc["V1", "discipline"] == 0


def test_split_without_secretary_keeps_the_largest_group():
    data = county(branch("V", formal=9, roles=(), groups=["甲"] * 2 + ["乙"] * 4 + ["丙"] * 3))
    after = Scenario(data).split("V", by="party_group").apply()
    assert sorted(after.members.loc[after.members["branch_id"] == "V", "party_group"]) == ["乙"] * 4


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, InvalidOperationError, "either by="),
    ({"by": "party_group", "groups": [["V1-M01"]]}, InvalidOperationError, "either by="),
    ({"groups": []}, InvalidOperationError, "groups is empty"),
    ({"groups": [["V1-M02"], []]}, InvalidOperationError, "group 2 is empty"),
    ({"groups": [["V1-M02"], ["V1-M02"]]}, InvalidOperationError, "more than one group"),
    ({"groups": [["E1-M01"]]}, InvalidOperationError, "not in branch 'V1'"),
    ({"groups": [["NOBODY"]]}, UnknownIdError, "no member 'NOBODY'"),
    ({"groups": [[f"V1-M{i:02d}" for i in range(1, 13)]]}, InvalidOperationError, "take all 12 members"),
    ({"by": "shoe_size"}, InvalidOperationError, "not a member column"),
    ({"by": "unit"}, InvalidOperationError, "0 distinct 'unit'"),
    ({"by": "party_group", "names": ["a", "b"]}, InvalidOperationError, "1 new branch"),
])
def test_split_validation(kwargs, error, match):
    s = Scenario(tiny())
    with pytest.raises(error, match=match):
        s.split("V1", **kwargs)
    assert len(s) == 0


def test_split_of_an_unknown_branch():
    with pytest.raises(UnknownIdError, match="no branch 'X'"):
        Scenario(tiny()).split("X", by="party_group")


def test_split_copies_satisfaction_but_not_income():
    data = generate(12, seed=3, years=(2025,))
    s = Scenario(data).split("B00002", by="party_group")
    after = s.apply()
    original = data.outcomes[data.outcomes["branch_id"] == "B00002"].set_index("year")
    for new in s.created_ids:
        rows = after.outcomes[after.outcomes["branch_id"] == new].set_index("year")
        assert rows["satisfaction"].equals(original["satisfaction"])
        assert rows["collective_income"].isna().all()
    kept = after.outcomes[after.outcomes["branch_id"] == "B00002"].set_index("year")
    assert kept["collective_income"].equals(original["collective_income"])


# ------------------------------------------------------------------- move etc.

def test_move_member_loses_post_and_takes_trainings_along():
    data = generate(12, seed=3, years=(2025,))
    secretary = data.members[(data.members["branch_id"] == "B00001") & (data.members["role"] == "secretary")]
    mid = secretary["member_id"].iloc[0]
    after = Scenario(data).move([mid], to="B00008").apply()
    assert member(after, mid)[["branch_id", "role"]].tolist() == ["B00008", "member"]
    assert after.trainings is data.trainings  # keyed by member: nothing to change
    assert after.meetings is data.meetings
    assert branch_facts(after).loc["B00001", "secretary"] == 0


def test_move_into_a_joint_branch_sets_the_unit():
    after = Scenario(tiny()).move(["E3-M02"], to="J1").apply()
    assert member(after, "E3-M02")["unit"] == "E3党支部"
    assert branch_facts(after).loc["J1", "units"] == 3


@pytest.mark.parametrize("ids, to, error, match", [
    (["V1-M01"], "V1", InvalidOperationError, "already in 'V1'"),
    (["V1-M01", "E1-M01"], "E1", InvalidOperationError, "'E1-M01' is already in 'E1'"),
    (["GHOST"], "E1", UnknownIdError, "no member 'GHOST'"),
    (["V1-M01"], "NOWHERE", UnknownIdError, "no branch 'NOWHERE'"),
    ([], "E1", InvalidOperationError, "no members given"),
    (["V1-M01", "V1-M01"], "E1", InvalidOperationError, "listed twice"),
])
def test_move_validation(ids, to, error, match):
    s = Scenario(tiny())
    with pytest.raises(error, match=match):
        s.move(ids, to=to)
    assert len(s) == 0


def test_dissolve_moves_members_and_records():
    data = tiny()
    after = Scenario(data).dissolve("E1", into="J1").apply()
    assert "E1" not in set(after.branches["branch_id"])
    assert (after.members["branch_id"] == "J1").sum() == 10
    assert member(after, "E1-M01")["role"] == "member" and member(after, "J1-M01")["role"] == "secretary"
    assert (after.meetings["branch_id"] == "J1").sum() == data.meetings["branch_id"].isin(["E1", "J1"]).sum()
    assert branch_facts(after).loc["J1", "units"] == 3
    with pytest.raises(InvalidOperationError, match="into itself"):
        Scenario(data).dissolve("E1", into="E1")
    with pytest.raises(UnknownIdError, match="no branch 'Z'"):
        Scenario(data).dissolve("Z", into="E1")


def test_create_with_and_without_members():
    data = tiny()
    s = Scenario(data).create("新支部", township="东镇", kind="enterprise", members=["V1-M10", "V1-M11"])
    s = s.create("空支部", township="东镇", kind="institution")
    after = s.apply()
    a, b = s.created_ids
    assert (after.members["branch_id"] == a).sum() == 2 and (after.members["branch_id"] == b).sum() == 0
    assert check_rules(after, period=2025).query("branch_id == @b")["rule"].tolist() == ["under_min_formal"]
    with pytest.raises(InvalidOperationError, match="kind must be one of"):
        s.create("x", township="东镇", kind="cooperative")
    with pytest.raises(InvalidOperationError, match="needs a township"):
        s.create("x", township="", kind="joint")
    revalidate(after)


def test_appoint_secretary_replaces_the_previous_one():
    data = tiny()
    after = Scenario(data).appoint("V1-M05", "secretary").apply()
    assert member(after, "V1-M05")["role"] == "secretary"
    assert member(after, "V1-M01")["role"] == "member"
    assert branch_facts(after).loc["V1", "secretary"] == 1
    revalidate(after)


def test_appoint_deputies_may_be_several_and_discipline_fixes_the_rule():
    data = county(branch("B", formal=9, roles=("secretary", "organization", "propaganda")))
    s = Scenario(data).appoint("B-M04", "deputy_secretary").appoint("B-M05", "deputy_secretary")
    assert branch_facts(s.apply()).loc["B", "deputy"] == 2
    assert "no_discipline" in set(check_rules(data, period=2025)["rule"])
    fixed = Scenario(data).appoint("B-M04", "discipline").apply()
    assert "no_discipline" not in set(check_rules(fixed, period=2025)["rule"])


@pytest.mark.parametrize("mid, role, error, match", [
    ("V1-M01", "secretary", InvalidOperationError, "already is secretary"),
    ("V1-M05", "member", InvalidOperationError, "use vacate"),
    ("V1-M05", "chairman", InvalidOperationError, "role must be one of"),
    ("NOBODY", "discipline", UnknownIdError, "no member 'NOBODY'"),
])
def test_appoint_validation(mid, role, error, match):
    with pytest.raises(error, match=match):
        Scenario(tiny()).appoint(mid, role)


def test_vacate():
    after = Scenario(tiny()).vacate("V1-M03").apply()
    assert member(after, "V1-M03")["role"] == "member"
    with pytest.raises(InvalidOperationError, match="holds no post"):
        Scenario(tiny()).vacate("V1-M05")


# --------------------------------------------------------- scenario as a value

def test_builder_returns_new_scenarios_and_failures_change_nothing():
    data = tiny()
    s0 = Scenario(data)
    s1 = s0.move(["V1-M10"], to="E1")
    assert len(s0) == 0 and len(s1) == 1
    with pytest.raises(ScenarioError):
        s1.move(["V1-M10"], to="E1")  # already moved there
    assert len(s1) == 1 and s1.apply().equals(Scenario(data).move(["V1-M10"], to="E1").apply())
    assert s1.undo() is s0
    with pytest.raises(InvalidOperationError, match="no operation to undo"):
        s0.undo()


def test_undo_replays_when_the_parent_is_gone():
    data = tiny()
    s = Scenario(data, [Move(member_ids=["V1-M10"], to="E1"), Vacate(member_id="V1-M03")])
    back = s.undo()
    assert back.operations == s.operations[:1]
    assert back.apply().equals(Scenario(data).move(["V1-M10"], to="E1").apply())
    assert back.undo().apply() is data


def test_new_ids_continue_the_numbering_and_are_never_reused():
    data = generate(12, seed=3, years=(2025,))
    s = Scenario(data).merge(["B00001", "B00002"], name="甲", kind="village")
    assert s.created_ids == ("B00013",)
    s = s.dissolve("B00013", into="B00003").create("乙", township="北集镇", kind="village")
    assert s.created_ids == ("B00013", "B00014")
    again = Scenario(data).merge(["B00001", "B00002"], name="甲", kind="village")
    assert again.created_ids == ("B00013",)  # deterministic
    with pytest.raises(InvalidOperationError, match="already taken"):
        Scenario(data).then(Create(name="x", township="北集镇", kind="village", new_id="B00003"))


def test_operations_are_frozen_and_pure():
    data = tiny()
    pristine = copy.deepcopy(data)
    op = Move(member_ids=["V1-M10"], to="E1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.to = "E2"
    first, second = op.apply(data), op.apply(data)
    assert first.equals(second) and data.equals(pristine)


def test_summary_and_text_in_both_languages():
    s = (Scenario(tiny()).merge(["E1", "E2"], name="联合", reason=("人数不足", "too few members"))
         .appoint("V1-M05", "secretary"))
    table = s.summary()
    assert table.columns.tolist() == ["step", "op", "description_zh", "description_en", "reason_zh", "reason_en"]
    assert table["op"].tolist() == ["merge", "appoint"]
    assert "合并为联合党支部「联合」" in table.loc[0, "description_zh"]
    assert table.loc[1, "description_en"] == ("appoint 党员V15 (V1-M05) of V1 as secretary "
                                              "(the previous secretary, 党员V11, steps down)")
    zh, en = s.to_text("zh"), s.to_text("en")
    assert zh.startswith("1. 将2个支部") and "理由: 人数不足" in zh
    assert en.startswith("1. merge 2 branches") and "why: too few members" in en
    assert Scenario(tiny()).to_text("en") == "(no changes)"


# ------------------------------------------------------------------------ YAML

def test_yaml_round_trip(tmp_path):
    data = generate(12, seed=3, years=(2025,))
    s = (Scenario(data).merge(["B00001", "B00002"], name="甲", kind="village", reason=("理由", "why"))
         .split("B00005", by="party_group").move(["M0000001"], to="B00003")
         .create("乙", township="北集镇", kind="enterprise").appoint("M0000002", "discipline"))
    path = s.to_yaml(tmp_path / "plan.yaml")
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]  # no temporary file left
    back = Scenario.from_yaml(path, data)
    assert back.operations == s.operations and back.effective == s.effective
    assert back.apply().equals(s.apply())
    text = path.read_text(encoding="utf-8")
    assert "合并" not in text and "甲" in text and "reason:" in text  # readable, unescaped Chinese


@pytest.mark.parametrize("doc, match", [
    ("steps: [{op: teleport}]", "step 1: unknown op 'teleport'"),
    ("steps: [{op: move, member_ids: [M0000001], to: B00003, speed: 3}]", "unknown key 'speed'"),
    ("steps: [{op: move, member_ids: [M0000001]}]", r"missing \['to'\]"),
    ("steps: [{op: move, member_ids: [M0000001], to: B00001}]", "step 1 \\(move\\).*already in 'B00001'"),
    ("- just a list", "expected a mapping with a 'steps' list"),
    ("steps: [1]", "expected a mapping with an 'op' key"),
    ("steps: [{op: vacate, member_id: M0000001}]\neffective: someday", "effective: not a date"),
    ("steps: {op: vacate}", "'steps' must be a list"),
    ("steps: [{op: vacate, member_id: M0000001", "not valid YAML"),
])
def test_yaml_errors_name_the_step(tmp_path, doc, match):
    data = generate(12, seed=3, years=(2025,))
    path = tmp_path / "bad.yaml"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_yaml(path, data)


def test_missing_yaml_file(tmp_path):
    with pytest.raises(ScenarioFileError, match="cannot read"):
        Scenario.from_yaml(tmp_path / "nothing.yaml", tiny())


# ------------------------------------------------------------ bilingual errors

CJK = re.compile(r"[\u4e00-\u9fff]")


def _yaml_error(tmp_path, text):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return Scenario.from_yaml(path, tiny())


BAD_OPERATIONS = {
    "unknown branch": lambda s, tmp: s.merge(["E1", "NOPE"], name="x"),
    "unknown member": lambda s, tmp: s.move(["GHOST"], to="E1"),
    "move to its own branch": lambda s, tmp: s.move(["V1-M01"], to="V1"),
    "merge of one branch": lambda s, tmp: s.merge(["E1"], name="x"),
    "empty split group": lambda s, tmp: s.split("V1", groups=[["V1-M02"], []]),
    "split by no column": lambda s, tmp: s.split("V1", by="shoe_size"),
    "split takes everyone": lambda s, tmp: s.split("V1", groups=[[f"V1-M{i:02d}" for i in range(1, 13)]]),
    "unknown role": lambda s, tmp: s.appoint("V1-M05", "chairman"),
    "appoint as member": lambda s, tmp: s.appoint("V1-M05", "member"),
    "vacate a plain member": lambda s, tmp: s.vacate("V1-M05"),
    "dissolve into itself": lambda s, tmp: s.dissolve("E1", into="E1"),
    "unknown kind": lambda s, tmp: s.create("x", township="东镇", kind="party_committee"),
    "undo of an empty scenario": lambda s, tmp: s.undo(),
    "many unknown members": lambda s, tmp: s.move([f"X{i}" for i in range(9)], to="E1"),
    "failing step": lambda s, tmp: Scenario(tiny(), [Vacate(member_id="V1-M03"), Move(member_ids=["V1-M01"], to="V1")]),
    "broken YAML file": lambda s, tmp: _yaml_error(tmp, "steps: [{op: vacate, member_id: V1-M01"),
    "YAML step that does not fit": lambda s, tmp: _yaml_error(tmp, "steps: [{op: appoint, member_id: V1-M01, "
                                                                   "role: secretary}]"),
    "YAML unknown key": lambda s, tmp: _yaml_error(tmp, "steps: [{op: vacate, member_id: V1-M01, speed: 3}]"),
    "missing file": lambda s, tmp: Scenario.from_yaml(tmp / "nothing.yaml", tiny()),
}


@pytest.mark.parametrize("case", list(BAD_OPERATIONS))
def test_scenario_errors_say_the_same_in_chinese(case, tmp_path):
    with pytest.raises(ScenarioError) as info:
        BAD_OPERATIONS[case](Scenario(tiny()), tmp_path)
    err = info.value
    assert str(err) == err.en == err.message("en")
    assert err.message("zh") == err.zh and err.zh != err.en and CJK.search(err.zh), err.zh
    # Every quoted id, name and value of the English text, and every figure, appears in the Chinese one.
    for token in re.findall(r"'([^']*)'", err.en):
        assert token in err.zh, (token, err.zh)
    figures_en, figures_zh = Counter(re.findall(r"\d+", err.en)), Counter(re.findall(r"\d+", err.zh))
    assert not figures_en - figures_zh, (figures_en - figures_zh, err.zh)
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.en, back.zh) == (type(err), err.en, err.zh)


def test_step_and_file_prefixes_are_translated(tmp_path):
    with pytest.raises(InvalidOperationError) as info:
        Scenario(tiny(), [Vacate(member_id="V1-M03"), Move(member_ids=["V1-M01"], to="V1")])
    assert info.value.en.startswith("step 2 (move): move: member 'V1-M01' is already in 'V1'")
    assert info.value.zh == "第2步（转移）：转移：党员V1-M01已在支部V1中；党员不能转移到其所在的支部"
    with pytest.raises(ScenarioFileError) as info:
        _yaml_error(tmp_path, "steps: [{op: teleport}]")
    assert info.value.zh.startswith(f"{tmp_path / 'broken.yaml'}：第1步：未知操作'teleport'")
    with pytest.raises(ScenarioFileError) as info:
        Scenario.from_yaml(tmp_path / "nothing.yaml", tiny())
    assert info.value.zh.endswith("无法读取方案文件：文件不存在")


def test_scenario_error_defaults_and_language_check():
    err = UnknownIdError("no branch 'X'")  # raised elsewhere without a translation: Chinese falls back
    assert err.zh == err.en == "no branch 'X'"
    with pytest.raises(ValueError, match="lang must be"):
        err.message("fr")


# --------------------------------------------------------------------- compare

@pytest.fixture(scope="module")
def scheme():
    return wb.Scheme(wb.Framework.default())


def test_compare_before_after(sample, scheme):
    small = sample.members.groupby("branch_id").size()
    target = small[small > 5].index[0]
    s = Scenario(sample).dissolve("B00031", into=target)
    c = s.compare(scheme, 2025)
    assert c.period == 2025
    assert c.branches["status"].to_dict() == {target: "changed", "B00031": "removed"}
    row = c.branches.loc[target]
    assert row["members_after"] == row["members_before"] + small["B00031"]
    assert c.branches.loc["B00031", ["members_after", "score_after", "rank_after"]].isna().all()
    assert c.totals.loc["branches", ["before", "after", "change"]].tolist() == [300, 299, -1]
    assert c.totals.loc["members", "change"] == 0
    base = scheme.score(wb.compute_indicators(sample, period=2025))
    assert c.branches.loc[target, "score_before"] == pytest.approx(base.total[target])
    assert c.branches.loc[target, "rank_before"] == base.rank[target]
    grades = [k for k in c.totals.index if k.startswith("grade:")]
    assert c.totals.loc[grades, "before"].sum() == 300 and c.totals.loc[grades, "after"].sum() == 299
    assert c.totals.loc["rule:under_min_formal", "change"] <= -1
    assert set(c.violations["when"]) <= {"before", "after"}
    assert set(c.indicators["branch_id"]) == {target, "B00031"}
    text = c.to_text("en")
    assert "county totals" in text and "B00031" in text and "removed" in text


def test_compare_reuses_the_baseline_across_derived_scenarios(sample, scheme):
    s = Scenario(sample).vacate("M0000002")
    s.compare(scheme, 2025)
    cached = s._shared["baseline"][2]
    t = s.move(["M0000003"], to="B00005").compare(scheme, 2025)
    assert s._shared["baseline"][2] is cached
    assert set(t.branches.index) == {"B00001", "B00005"}


def test_empty_scenario_compares_to_itself(sample, scheme):
    c = Scenario(sample).compare(scheme, 2025)
    assert c.branches.empty and (c.totals["change"] == 0).all()


# --------------------------------------------------------------------- properties

POOL = generate(10, seed=4, years=(2025,), today=dt.date(2026, 3, 1))
ROLES = ("secretary", "deputy_secretary", "organization", "propaganda", "discipline", "committee")


def _random_op(draw, data: wb.BranchData):
    """One valid operation for ``data``, or None when the drawn kind is impossible here."""
    b, m = data.branches, data.members
    ids = b["branch_id"].tolist()
    kind = draw(st.sampled_from(["move", "merge", "split_groups", "split_by", "dissolve", "create",
                                 "appoint", "vacate"]))
    if kind == "move" and len(ids) >= 2:
        to = draw(st.sampled_from(ids))
        pool = m.loc[m["branch_id"] != to, "member_id"].tolist()
        if pool:
            who = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
            return Move(member_ids=who, to=to)
    if kind == "merge" and len(ids) >= 2:
        parts = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
        return Merge(branch_ids=parts, name="合并", kind=draw(st.sampled_from(["joint", "village"])),
                     township="北集镇")
    if kind in ("split_groups", "split_by"):
        sizes = m["branch_id"].value_counts()
        big = sizes[sizes >= 2].index.tolist()
        if not big:
            return None
        target = draw(st.sampled_from(sorted(big)))
        own = m.loc[m["branch_id"] == target, "member_id"].tolist()
        if kind == "split_by":
            if m.loc[m["branch_id"] == target, "party_group"].nunique() < 2:
                return None
            return Split(branch_id=target, by="party_group")
        leave = draw(st.lists(st.sampled_from(own), min_size=1, max_size=len(own) - 1, unique=True))
        cut = draw(st.integers(0, len(leave) - 1))
        groups = [leave[:cut], leave[cut:]] if cut else [leave]
        return Split(branch_id=target, groups=groups)
    if kind == "dissolve" and len(ids) >= 2:
        a, c = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        return Dissolve(branch_id=a, into=c)
    if kind == "create":
        who = draw(st.lists(st.sampled_from(m["member_id"].tolist()), max_size=3, unique=True))
        return Create(name="新建", township="北集镇", kind=draw(st.sampled_from(["joint", "enterprise"])),
                      members=who)
    if kind == "appoint":
        mid = draw(st.sampled_from(m["member_id"].tolist()))
        current = member(data, mid)["role"]
        role = draw(st.sampled_from([r for r in ROLES if r != current]))
        return Appoint(member_id=mid, role=role)
    if kind == "vacate":
        holders = m.loc[m["role"] != "member", "member_id"].tolist()
        if holders:
            return Vacate(member_id=draw(st.sampled_from(holders)))
    return None


@st.composite
def scenarios(draw, max_ops=6):
    s = Scenario(POOL)
    for _ in range(draw(st.integers(1, max_ops))):
        op = _random_op(draw, s.apply())
        if op is not None:
            s = s.then(op)
    return s


PRISTINE = copy.deepcopy(POOL)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_valid_sequence_keeps_every_member_in_exactly_one_branch(s):
    after = s.apply()
    m = after.members
    assert sorted(m["member_id"]) == sorted(POOL.members["member_id"])  # none lost, none duplicated
    assert m["member_id"].is_unique
    assert m["branch_id"].isin(after.branches["branch_id"]).all()
    assert after.branches["branch_id"].is_unique
    for table in ("meetings", "inspections", "problems", "outcomes"):
        assert getattr(after, table)["branch_id"].isin(after.branches["branch_id"]).all(), table
    assert len(after.meetings) == len(POOL.meetings) and after.trainings is POOL.trainings
    revalidate(after)  # types, references, one secretary per branch, problems follow inspections
    assert POOL.equals(PRISTINE)  # the baseline never changes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_undo_and_replay(s):
    assume(len(s) > 0)
    previous = Scenario(POOL, s.operations[:-1]).apply()
    assert s.undo().apply().equals(previous)
    back = s
    while len(back):
        back = back.undo()
    assert back.apply().equals(POOL)
    # Each operation applied on its own to the state before it gives the same state.
    state = POOL
    for op in s.operations:
        state = op.apply(state)
    assert state.equals(s.apply())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_yaml_round_trip_gives_the_same_result(tmp_path_factory, s):
    path = tmp_path_factory.mktemp("yaml") / "s.yaml"
    s.to_yaml(path)
    back = Scenario.from_yaml(path, POOL)
    assert back.operations == s.operations
    assert back.apply().equals(s.apply())


# ------------------------------------------------------------------ command line

def test_cli_suggest_then_simulate(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "plan.yaml"
    assert main(["suggest", "sample_data", "-o", str(out), "--period", "2025"]) == 0
    printed = capsys.readouterr().out
    assert "under_min_formal" in printed and f"-> {out}" in printed and out.exists()
    assert main(["simulate", str(out), "--data", "sample_data", "--period", "2025", "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "全县汇总" in printed and "理由" in printed and "rule:under_min_formal" in printed


def test_cli_simulate_reports_a_step_that_does_not_fit(tmp_path, capsys):
    from workbench.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text("steps:\n- {op: dissolve, branch_id: B09999, into: B00001}\n", encoding="utf-8")
    assert main(["simulate", str(path), "--data", "sample_data"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "step 1 (dissolve)" in err and "B09999" in err
