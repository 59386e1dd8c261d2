"""Rules, indicators and inspection read one roster, one committee and one term (issue 14).

Each case is a constructed county (tests/county_factory.py) where the old
readings disagreed: a committee of a secretary and an organization member, a
member who joined in the year assessed, one whose probation ended in it, a
term ending on 31 December, the once-a-year meetings.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.assess import roster
from workbench.settings.rules import branch_facts, check_rules
from workbench.studies.inspection import completion_matrix

from tests.county_factory import FULL_COMMITTEE, SECRETARY_ONLY, branch, county

FW = wb.Framework.default()
#: Every meeting of three meetings and one lesson held as required (the factory's default)
HELD = {"general_meeting": 4, "party_lesson": 4, "committee_meeting": 12}


def indicators(data, period):
    # the factory records only 2025: 2024 is computed from the roster and terms alone
    return wb.compute_indicators(data, FW, period=period, strict=False)


def rules_for(data, period):
    v = check_rules(data, FW.rules, period=period)
    return {b: sorted(g["rule"]) for b, g in v.groupby("branch_id")}


# ------------------------------------------------------------------- committee

def test_one_committee_definition_for_rules_indicators_and_inspection():
    two = ("secretary", "organization")           # the 11 sample branches of issue 14
    pair = ("secretary", "deputy_secretary")       # how a small branch is led: not a committee
    data = county(branch("TWO", formal=13, roles=two),
                  branch("PAIR", formal=5, roles=pair, meetings={"general_meeting": 4, "party_lesson": 4}),
                  branch("FULL", formal=9, roles=FULL_COMMITTEE))
    facts = branch_facts(data, period=2025)
    assert facts["has_committee"].to_dict() == {"TWO": True, "PAIR": False, "FULL": True}

    found = rules_for(data, 2025)
    assert found == {"TWO": ["committee_too_small", "no_discipline"]}

    t = indicators(data, 2025)
    # the committee exists, so its discipline post and its meetings are judged, not blank
    assert t.loc["TWO", "discipline_member"] == 0 and t.loc["FULL", "discipline_member"] == 1
    assert np.isnan(t.loc["PAIR", "discipline_member"])
    assert t.loc["TWO", "committee_meetings"] == 12 and np.isnan(t.loc["PAIR", "committee_meetings"])
    # two errors: compliance 1 - 2 x 0.25
    assert t.loc["TWO", "setting_compliance"] == pytest.approx(0.5)

    m = completion_matrix(data, 2025, rules=FW.rules)
    assert m["committee_meeting"].notna().to_dict() == {"TWO": True, "PAIR": False, "FULL": True}
    pd.testing.assert_series_equal(m["overall"], t["three_meetings_completion"], check_names=False)


def test_a_committee_of_two_that_skips_its_meetings_loses_completion():
    data = county(branch("TWO", formal=13, roles=("secretary", "organization"),
                         meetings={"general_meeting": 4, "party_lesson": 4, "committee_meeting": 0}))
    t = indicators(data, 2025)
    assert t.loc["TWO", "three_meetings_completion"] == pytest.approx(2 / 3)
    assert "activity_committee_meeting" in rules_for(data, 2025)["TWO"]


# ---------------------------------------------------------- the roster of a year

def test_a_member_who_joined_in_the_year_assessed_is_on_that_year_only():
    # 49 formal members and one who joined on 1 March 2025 (probationary)
    data = county(branch("B", formal=49, roles=FULL_COMMITTEE, joined=[("2025-03-01", "probationary")]),
                  branch("C", formal=50, roles=FULL_COMMITTEE, joined=[("2025-03-01", "probationary")]))
    f24, f25 = branch_facts(data, period=2024), branch_facts(data, period=2025)
    assert f24.loc["C", "members"] == 50 and f25.loc["C", "members"] == 51
    assert f25.loc["C", "formal"] == 50
    assert "over_max_members" not in rules_for(data, 2024).get("C", [])
    assert "over_max_members" in rules_for(data, 2025)["C"]
    t24 = indicators(data, 2024)
    t25 = indicators(data, 2025)
    assert t24.loc["B", "new_members"] == 0 and t25.loc["B", "new_members"] == 1
    # the setting indicator follows the year's roster too
    assert t24.loc["C", "setting_compliance"] == 1 and t25.loc["C", "setting_compliance"] == pytest.approx(0.9)


def test_a_member_whose_probation_ended_in_the_year_is_formal_only_at_its_end():
    # six formal members since 2000, one who joined on 1 June 2024 and is formal today
    data = county(branch("B", formal=6, roles=SECRETARY_ONLY, joined=[("2024-06-01", "formal")]))
    f24, f25 = branch_facts(data, period=2024), branch_facts(data, period=2025)
    assert (f24.loc["B", "members"], f24.loc["B", "formal"]) == (7, 6)   # still probationary on 31 Dec 2024
    assert (f25.loc["B", "members"], f25.loc["B", "formal"]) == (7, 7)   # probation ended on 1 June 2025
    # seven formal members need a committee: from 2025 on, not in 2024
    assert "no_committee" not in rules_for(data, 2024).get("B", [])
    assert "no_committee" in rules_for(data, 2025)["B"]


def test_a_member_still_marked_probationary_is_never_formal():
    data = county(branch("B", formal=2, joined=[("2019-05-01", "probationary")]))
    assert branch_facts(data, period=2025).loc["B", "formal"] == 2
    assert rules_for(data, 2025)["B"] == ["under_min_formal"]


def test_the_2024_check_of_the_sample_counts_the_2024_roster(sample):
    f24 = branch_facts(sample, period=2024)
    m = sample.members
    joined_2025 = int((m["join_date"].dt.year == 2025).sum())
    joined_2024 = int((m["join_date"].dt.year == 2024).sum())
    assert joined_2025 > 300 and joined_2024 > 300
    assert f24["members"].sum() == len(m) - joined_2025
    # those who joined in 2024 were still probationary at the end of 2024
    assert f24["formal"].sum() == int((m["status"] == "formal").sum()) - joined_2024
    v24 = check_rules(sample, period=2024)
    # the branches issue 14 names: the 2025 joiners made them look wrong for 2024
    assert not ((v24["branch_id"] == "B00242") & (v24["rule"] == "over_max_members")).any()
    assert not ((v24["branch_id"] == "B00092") & (v24["rule"] == "no_committee")).any()


def test_indicator_context_and_rules_share_the_roster(sample):
    from workbench.assess.indicators import Context

    for period in (2024, 2025):
        ctx = Context(sample, period, FW.rules)
        facts = branch_facts(sample, FW.rules, period=period)
        assert (ctx.n_members == facts["members"].to_numpy()).all()
        assert (ctx.per_branch(ctx.formal) == facts["formal"].to_numpy()).all()
        assert (ctx.has_committee == facts["has_committee"].to_numpy()).all()


# ------------------------------------------------------------------------ terms

@pytest.mark.parametrize("kind, elected, on_time, rule", [
    ("village", "2020-12-31", 1.0, "term_due"),        # ends 31 Dec 2025: due, not overdue
    ("enterprise", "2022-12-31", 1.0, "term_due"),     # 3 x 365.25 days would end on 30 Dec
    ("enterprise", "2022-12-30", 0.0, "term_overdue"),
    ("village", "2021-01-01", 1.0, "term_due"),
    ("village", "2020-02-29", 0.0, "term_overdue"),    # ended 28 Feb 2025
])
def test_term_end_is_one_date_for_rules_and_indicator(kind, elected, on_time, rule):
    data = county(branch("B", kind=kind, elected=elected))
    t = indicators(data, 2025)
    assert t.loc["B", "election_on_time"] == on_time
    assert rules_for(data, 2025)["B"] == [rule]


@settings(max_examples=60, deadline=None)
@given(days=st.integers(0, 3 * 366 + 5 * 366), kind=st.sampled_from(["village", "enterprise"]),
       period=st.sampled_from([2024, 2025]))
def test_overdue_rule_and_on_time_indicator_are_complements(days, kind, period):
    elected = dt.date(2018, 1, 1) + dt.timedelta(days=days)
    if elected > dt.date(period, 12, 31):
        return
    data = county(branch("B", kind=kind, elected=elected.isoformat()))
    t = indicators(data, period)
    overdue = "term_overdue" in rules_for(data, period).get("B", [])
    assert t.loc["B", "election_on_time"] == (0.0 if overdue else 1.0)


def test_term_ends_reads_calendar_years():
    b = pd.DataFrame({"kind": ["village", "joint", "other"],
                      "committee_elected": pd.to_datetime(["2020-02-29", "2022-12-31", "2022-01-01"])})
    ends, years = roster.term_ends(b, FW.rules)
    assert ends[:2].astype(str).tolist() == ["2025-02-28", "2025-12-31"]
    assert np.isnat(ends[2]) and years.tolist() == [5, 3, -1]


# --------------------------------------------------- once-a-year meetings

def test_organizational_life_and_democratic_review_are_checked_once_a_year():
    data = county(branch("OL", meetings={**HELD, "organizational_life": 0}),
                  branch("DR", meetings={**HELD, "democratic_review": 0}),
                  branch("BOTH", meetings={**HELD, "organizational_life": 2, "democratic_review": 1}),
                  branch("NEW", meetings={**HELD, "organizational_life": 0, "democratic_review": 0},
                         established="2026-01-05", elected=None))
    v = check_rules(data, FW.rules, period=2025)
    rows = v[v["rule"].isin(["activity_organizational_life", "activity_democratic_review"])]
    assert rows[["branch_id", "rule"]].values.tolist() == [["DR", "activity_democratic_review"],
                                                           ["OL", "activity_organizational_life"]]
    ol = rows[rows["branch_id"] == "OL"].iloc[0]
    assert (ol.value, ol.threshold, ol.severity, ol.category) == (0.0, 1.0, "warning", "activity")
    assert ol.message_zh == "2025年组织生活会0次，应不少于1次"
    assert ol.message_en == "0 organizational life meetings in 2025, 1 required"


def test_annual_activities_are_configurable():
    data = county(branch("OL", meetings={**HELD, "organizational_life": 0}))
    quiet = wb.RuleSet(annual_activities=())
    assert check_rules(data, quiet, period=2025).empty
    with pytest.raises(ValueError, match="listed in both"):
        wb.RuleSet(annual_activities=("party_lesson",))


def test_sample_branches_without_the_yearly_meetings_are_found(sample):
    v = check_rules(sample, period=2025)
    held = sample.meetings[sample.meetings["date"].dt.year == 2025].groupby(
        ["branch_id", "kind"], observed=True).size().unstack(fill_value=0)
    for kind in ("organizational_life", "democratic_review"):
        expected = set(held.index[held[kind] == 0]) | (set(sample.branches["branch_id"]) - set(held.index))
        assert set(v.loc[v["rule"] == f"activity_{kind}", "branch_id"]) == expected
        assert len(expected) > 20
