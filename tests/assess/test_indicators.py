"""Indicators from records: hand-made cases, cross-checks against plain pandas, the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.data.synth import generate
from workbench.assess.indicators import DERIVATIONS, register_derivation

FW = wb.Framework.default()


@pytest.fixture(scope="module")
def county():
    return generate(40, seed=21)


def _committee_branch(data) -> str:
    roles = data.members[data.members["role"] != "member"].groupby("branch_id").size()
    return roles[roles >= 3].index[0]


def test_three_meetings_completion_by_hand(county):
    b = _committee_branch(county)
    mt = county.meetings
    keep = mt[~((mt["branch_id"] == b) & (mt["date"].dt.year == 2025))]
    mine = pd.DataFrame({
        "meeting_id": [f"X{i:03d}" for i in range(12)],
        "branch_id": b,
        "date": pd.to_datetime(["2025-01-10", "2025-04-10", "2025-07-10", "2025-10-10",  # 4 general
                                "2025-03-01", "2025-09-01",                              # 2 lessons
                                *[f"2025-{m:02d}-20" for m in range(1, 7)]]),            # 6 committee
        "kind": ["general_meeting"] * 4 + ["party_lesson"] * 2 + ["committee_meeting"] * 6,
        "attendees": 5, "decisions": [1, 2, 0, 3] + [0] * 8,
    })
    members = county.members.copy()
    members.loc[members["branch_id"] == b, "party_group"] = np.nan  # no groups: group meetings don't apply
    data = wb.BranchData.from_frames(**{**county.tables(), "meetings": pd.concat([keep, mine]),
                                        "members": members})
    t = wb.compute_indicators(data, FW, period=2025)
    assert t.loc[b, "three_meetings_completion"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert t.loc[b, "committee_meetings"] == 6
    assert t.loc[b, "general_meeting_decisions"] == 6
    assert t.loc[b, "themed_day_completion"] == 0


def test_rectification_and_overdue_as_of_period_end(county):
    b = county.branches["branch_id"].iloc[3]
    insp = county.inspections[county.inspections["branch_id"] == b]["inspection_id"].iloc[0]
    others = county.problems[county.problems["branch_id"] != b]
    mine = pd.DataFrame({
        "problem_id": ["Q1", "Q2", "Q3", "Q4"], "inspection_id": insp, "branch_id": b,
        "category": "records", "severity": "general",
        "found": pd.to_datetime(["2025-02-01", "2025-05-01", "2025-11-01", "2024-03-01"]),
        "due": pd.to_datetime(["2025-03-01", "2025-06-01", "2026-01-31", "2024-04-01"]),
        "rectified": pd.to_datetime(["2025-02-20", "2026-01-15", None, "2024-05-01"]),
    })
    # the inspection date must not be after the problems it found
    inspections = county.inspections.copy()
    inspections.loc[inspections["inspection_id"] == insp, "date"] = pd.Timestamp("2024-01-02")
    data = wb.BranchData.from_frames(**{**county.tables(), "problems": pd.concat([others, mine]),
                                        "inspections": inspections})
    t25 = wb.compute_indicators(data, FW, period=2025)
    assert t25.loc[b, "problems_found"] == 3
    assert t25.loc[b, "rectification_rate"] == pytest.approx(1 / 3)
    assert t25.loc[b, "overdue_problems"] == 1
    t24 = wb.compute_indicators(data, FW, period=2024)
    assert t24.loc[b, "problems_found"] == 1
    assert t24.loc[b, "rectification_rate"] == 1
    assert t24.loc[b, "overdue_problems"] == 0


def test_counts_only_the_period(county):
    t24 = wb.compute_indicators(county, FW, period=2024)
    t25 = wb.compute_indicators(county, FW, period=2025)
    mt = county.meetings
    expected = mt[(mt["kind"] == "committee_meeting") & (mt["date"].dt.year == 2024)].groupby("branch_id").size()
    got = t24["committee_meetings"].dropna()
    assert (got == expected.reindex(got.index, fill_value=0)).all()
    assert not t24["committee_meetings"].equals(t25["committee_meetings"])


def test_cross_check_with_plain_pandas(sample):
    t = wb.compute_indicators(sample, FW, period=2025)
    m = sample.members[sample.members["join_date"] < "2026-01-01"]
    tr = sample.trainings[sample.trainings["date"].dt.year == 2025].merge(m[["member_id", "branch_id"]])
    hours = (tr.groupby("branch_id")["hours"].sum() / m.groupby("branch_id").size()).fillna(0)
    pd.testing.assert_series_equal(t["training_hours"], hours.reindex(t.index).fillna(0),
                                   check_names=False)
    committee = m[m["role"] != "member"]
    age = (2025 - committee["birth_year"]).groupby(committee["branch_id"]).mean()
    pd.testing.assert_series_equal(t["committee_mean_age"].dropna(), age.reindex(t.index).dropna(),
                                   check_names=False)
    ins = sample.inspections[(sample.inspections["date"].dt.year == 2025)
                             & (sample.inspections["method"] == "platform")]
    platform = ins.groupby("branch_id")["score"].mean()
    pd.testing.assert_series_equal(t["platform_score"].dropna(), platform.reindex(t.index).dropna(),
                                   check_names=False)
    new = m[m["join_date"].dt.year == 2025].groupby("branch_id").size()
    assert (t["new_members"] == new.reindex(t.index, fill_value=0)).all()
    red = tr[tr["kind"] == "red_education"].groupby("branch_id")["date"].nunique()
    assert (t["red_sessions"] == red.reindex(t.index, fill_value=0)).all()


def test_applicability_gives_nan(sample):
    t = wb.compute_indicators(sample, FW, period=2025)
    kind = sample.branches.set_index("branch_id")["kind"]
    non_village = kind.isin(["enterprise", "institution", "joint"])
    assert t.loc[non_village, "collective_income"].isna().all()
    assert t.loc[non_village, "reserve_cadres"].isna().all()
    assert t.loc[kind == "village", "collective_income"].notna().all()


def test_setting_compliance_follows_the_rules(sample):
    t = wb.compute_indicators(sample, FW, period=2025)
    from workbench.settings.rules import check_rules

    found = check_rules(sample, FW.rules, period=2025)
    setting = found[found["category"] == "setting"]
    clean = set(t.index) - set(setting["branch_id"])
    assert (t.loc[sorted(clean), "setting_compliance"] == 1).all()
    errors = setting[setting["severity"] == "error"]["branch_id"].unique()
    assert (t.loc[errors, "setting_compliance"] <= 0.75).all()


def test_register_a_custom_derivation(sample):
    @register_derivation("members_over_60", replace=True)
    def _over_60(ctx):
        return ctx.per_branch(ctx.age >= 60)

    doc = FW.model_dump(mode="json")
    doc["dimensions"][0]["indicators"].append(
        {"id": "old_members", "zh": "60岁以上党员", "en": "Members over 60", "derive": "members_over_60",
         "direction": "lower", "normalization": {"method": "minmax"}})
    fw = wb.Framework.model_validate(doc)
    t = wb.compute_indicators(sample, fw, period=2025)
    m = sample.members[sample.members["join_date"] < "2026-01-01"]
    expected = (2025 - m["birth_year"] >= 60).groupby(m["branch_id"]).sum()
    assert (t["old_members"] == expected.reindex(t.index, fill_value=0)).all()
    with pytest.raises(ValueError, match="already registered"):
        register_derivation("members_over_60", lambda ctx: 0)
    del DERIVATIONS["members_over_60"]


def test_bad_derivations_and_periods(sample):
    doc = FW.model_dump(mode="json")
    doc["dimensions"][0]["indicators"][0]["derive"] = "no_such_thing"
    with pytest.raises(ValueError, match="indicator 'reserve_cadres': unknown derivation 'no_such_thing'"):
        wb.compute_indicators(sample, wb.Framework.model_validate(doc), period=2025)
    register_derivation("wrong_shape", lambda ctx: np.zeros(3), replace=True)
    doc["dimensions"][0]["indicators"][0]["derive"] = "wrong_shape"
    with pytest.raises(ValueError, match="returned shape"):
        wb.compute_indicators(sample, wb.Framework.model_validate(doc), period=2025)
    del DERIVATIONS["wrong_shape"]
    with pytest.raises(ValueError, match="no records for period 2019; years with records: 2024, 2025"):
        wb.compute_indicators(sample, FW, period=2019)
    assert wb.compute_indicators(sample, FW).attrs["period"] == 2025


def test_activity_measures_do_not_apply_to_branches_founded_during_the_period(county):
    branches = county.branches.copy()
    b = branches["branch_id"].iloc[5]
    branches.loc[branches["branch_id"] == b, "established"] = pd.Timestamp("2025-03-01")
    data = county.replace(branches=branches)
    t25 = wb.compute_indicators(data, FW, period=2025)
    t24 = wb.compute_indicators(county, FW, period=2024)
    assert np.isnan(t25.loc[b, "three_meetings_completion"]) and np.isnan(t25.loc[b, "training_hours"])
    assert not np.isnan(t25.loc[b, "committee_mean_age"])  # composition still applies
    assert not np.isnan(t24.loc[b, "three_meetings_completion"])
    others = t25.drop(index=b)
    assert others["three_meetings_completion"].notna().all()
