"""Rule checks: one hand-made case per rule and per threshold, plus cross-checks on generated data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.data.synth import generate
from workbench.settings.rules import RULES, VIOLATION_COLUMNS, RuleSet, branch_facts, check_rules

from tests.county_factory import FULL_COMMITTEE, PERIOD, SECRETARY_ONLY, branch, county


def rules_of(data, rules=None, period=PERIOD, **kw) -> pd.DataFrame:
    return check_rules(data, rules, period=period, **kw)


def hits(data, rule, rules=None, **kw) -> pd.DataFrame:
    v = rules_of(data, rules, **kw)
    return v[v["rule"] == rule]


# ------------------------------------------------------------------ the contract

def test_clean_county_has_no_violation_and_typed_empty_frame():
    data = county(branch("B1", formal=5), branch("B2", formal=9, roles=FULL_COMMITTEE))
    v = rules_of(data)
    assert v.empty
    assert tuple(v.columns) == VIOLATION_COLUMNS
    assert v["value"].dtype == "float64" and v["threshold"].dtype == "float64"
    assert all(pd.api.types.is_string_dtype(v[c]) for c in VIOLATION_COLUMNS[:6])


def test_rows_are_sorted_errors_first_then_rule_then_branch(sample):
    v = check_rules(sample, period=2025)
    assert len(v) > 50
    key = list(zip(v["severity"], v["rule"], v["branch_id"]))
    assert key == sorted(key)
    assert v["severity"].iloc[0] == "error" and v["severity"].iloc[-1] == "warning"
    assert set(v["category"]) == {"setting", "activity"}
    for rule, (category, severity, zh, en) in RULES.items():
        assert zh and en and zh != en
        rows = v[v["rule"] == rule]
        assert (rows["category"] == category).all() and (rows["severity"] == severity).all()


def test_every_message_is_bilingual_and_carries_the_figure(sample):
    v = check_rules(sample, period=2025)
    assert v["message_zh"].str.len().gt(3).all() and v["message_en"].str.len().gt(3).all()
    counted = v[~v["rule"].isin(["no_secretary", "no_discipline", "term_overdue", "term_due"])]
    figures = counted["value"].astype(int).astype(str)
    assert [f in zh for f, zh in zip(figures, counted["message_zh"])] == [True] * len(counted)
    assert [f in en for f, en in zip(figures, counted["message_en"])] == [True] * len(counted)


# --------------------------------------------------------------- formal members

def test_fewer_than_three_formal_members_is_an_error_probationary_do_not_count():
    data = county(branch("B1", formal=2, probationary=3), branch("B2", formal=3))
    rows = hits(data, "under_min_formal")
    assert rows["branch_id"].tolist() == ["B1"]
    row = rows.iloc[0]
    assert (row.severity, row.value, row.threshold) == ("error", 2.0, 3.0)
    assert row.message_en == "2 formal members, fewer than 3: should join a joint branch"
    assert "正式党员2名" in row.message_zh and "联合党支部" in row.message_zh


def test_min_formal_members_threshold_is_configurable():
    data = county(branch("B1", formal=2), branch("B2", formal=3))
    assert hits(data, "under_min_formal", RuleSet(min_formal_members=2)).empty
    assert hits(data, "under_min_formal", RuleSet(min_formal_members=4))["branch_id"].tolist() == ["B1", "B2"]


# -------------------------------------------------------------------- joint units

def test_joint_branch_over_five_units_warns_only_for_joint_branches():
    six = [f"公司{i % 6}" for i in range(12)]
    five = [f"公司{i % 5}" for i in range(12)]
    data = county(branch("J6", kind="joint", formal=12, units=six, roles=FULL_COMMITTEE),
                  branch("J5", kind="joint", formal=12, units=five, roles=FULL_COMMITTEE),
                  branch("V6", kind="village", formal=12, units=six, roles=FULL_COMMITTEE))
    rows = hits(data, "joint_units")
    assert rows["branch_id"].tolist() == ["J6"]
    assert (rows.iloc[0].severity, rows.iloc[0].value, rows.iloc[0].threshold) == ("warning", 6.0, 5.0)
    assert hits(data, "joint_units", RuleSet(max_joint_units=6)).empty
    assert hits(data, "joint_units", RuleSet(max_joint_units=4))["branch_id"].tolist() == ["J5", "J6"]


def test_units_ignore_empty_cells():
    units = ["甲公司", "", "乙公司", ""] + ["丙公司"] * 4
    data = county(branch("J", kind="joint", formal=8, units=units, roles=FULL_COMMITTEE))
    assert branch_facts(data).loc["J", "units"] == 3


# ------------------------------------------------------------------ branch size

def test_more_than_fifty_members_warns():
    data = county(branch("B51", formal=45, probationary=6, roles=FULL_COMMITTEE),
                  branch("B50", formal=50, roles=FULL_COMMITTEE))
    rows = hits(data, "over_max_members")
    assert rows["branch_id"].tolist() == ["B51"]
    assert (rows.iloc[0].value, rows.iloc[0].threshold, rows.iloc[0].severity) == (51.0, 50.0, "warning")
    assert hits(data, "over_max_members", RuleSet(max_members=51)).empty
    assert hits(data, "over_max_members", RuleSet(max_members=49))["branch_id"].tolist() == ["B50", "B51"]


# -------------------------------------------------------------------- committee

def test_seven_formal_members_without_committee_is_an_error():
    data = county(branch("B7", formal=7, roles=("secretary", "deputy_secretary")),
                  branch("B6", formal=6, probationary=3, roles=SECRETARY_ONLY),
                  branch("B8", formal=8, roles=FULL_COMMITTEE))
    rows = hits(data, "no_committee")
    assert rows["branch_id"].tolist() == ["B7"]
    assert rows.iloc[0].message_en == "7 formal members but no committee"
    assert rows.iloc[0].message_zh == "有7名正式党员但未设支委会"
    assert hits(data, "no_committee", RuleSet(committee_from_formal=8)).empty
    assert hits(data, "no_committee", RuleSet(committee_from_formal=6))["branch_id"].tolist() == ["B6", "B7"]


def test_secretary_with_one_deputy_is_not_a_committee_but_a_committee_post_is():
    data = county(branch("SD", formal=5, roles=("secretary", "deputy_secretary")),
                  branch("SO", formal=5, roles=("secretary", "organization")))
    facts = branch_facts(data)
    assert not facts.loc["SD", "has_committee"] and facts.loc["SO", "has_committee"]
    v = rules_of(data)
    assert v[v["branch_id"] == "SD"].empty
    # a secretary and an organization member are a committee, of two: too small, and no discipline member
    assert set(v.loc[v["branch_id"] == "SO", "rule"]) == {"committee_too_small", "no_discipline"}


@pytest.mark.parametrize("size, rule, threshold", [
    (2, "committee_too_small", 3), (3, None, None), (5, None, None), (6, "committee_size", 5),
    (7, "committee_size", 5), (8, "committee_too_large", 7),
])
def test_committee_size_bounds(size, rule, threshold):
    """DOMAIN.md: a committee of 3 to 5 (hard), normally at most 7 (soft): 2 is an error, 6 and 7 warn."""
    roles = ("secretary", "discipline", "organization", "propaganda", "deputy_secretary",
             "committee", "committee", "committee")[:size]
    data = county(branch("B", formal=12, roles=roles))
    v = rules_of(data)
    found = v[v["rule"].isin(["committee_too_small", "committee_size", "committee_too_large"])]
    if rule is None:
        assert found.empty
    else:
        assert found["rule"].tolist() == [rule]
        assert (found.iloc[0].value, found.iloc[0].threshold) == (size, threshold)
        assert found.iloc[0].severity == ("warning" if rule == "committee_size" else "error")


def test_committee_size_thresholds_are_configurable():
    roles = ("secretary", "discipline", "organization", "propaganda", "committee", "committee",
             "committee", "committee")
    data = county(branch("B", formal=12, roles=roles))
    assert hits(data, "committee_too_large", RuleSet(committee_max=8)).empty
    assert hits(data, "committee_size", RuleSet(committee_max=8))["threshold"].tolist() == [5.0]
    assert hits(data, "committee_size", RuleSet(committee_normal_max=8, committee_max=8)).empty
    small = county(branch("B", formal=12, roles=FULL_COMMITTEE))
    assert hits(small, "committee_too_small", RuleSet(committee_min=4))["threshold"].tolist() == [4.0]
    assert hits(small, "committee_too_small").empty
    with pytest.raises(ValueError, match="committee_min <= committee_normal_max"):
        RuleSet(committee_min=6)


def test_committee_without_discipline_member_is_an_error():
    data = county(branch("ND", formal=9, roles=("secretary", "organization", "propaganda")),
                  branch("OK", formal=9, roles=FULL_COMMITTEE))
    rows = hits(data, "no_discipline")
    assert rows["branch_id"].tolist() == ["ND"]
    assert rows.iloc[0].severity == "error"
    assert rows.iloc[0].message_en == "committee of 3 without a discipline inspection member"


def test_missing_secretary_is_an_error_except_in_an_empty_branch():
    data = county(branch("NS", formal=5, roles=()), branch("E", formal=0, roles=()),
                  branch("OK", formal=5))
    rows = hits(data, "no_secretary")
    assert rows["branch_id"].tolist() == ["NS"]
    assert rows.iloc[0].message_en == "no secretary among 5 members"
    assert hits(data, "under_min_formal")["branch_id"].tolist() == ["E"]


# ------------------------------------------------------------------------- terms

def test_term_overdue_and_due_soon_by_kind():
    data = county(
        branch("V_OVER", kind="village", elected="2020-06-01"),       # 5 y: ended 2025-06-01
        branch("V_SOON", kind="village", elected="2021-03-01"),       # ends 2026-03-01 (< 6 months)
        branch("V_LATER", kind="village", elected="2021-08-01"),      # ends 2026-08-01
        branch("E_OVER", kind="enterprise", elected="2022-06-01"),    # 3 y: ended 2025-06-01
        branch("E_OK", kind="enterprise", elected="2023-09-01"),      # ends 2026-09-01
        branch("NODATE", kind="village", elected=None),
    )
    v = rules_of(data)
    assert hits(data, "term_overdue")["branch_id"].tolist() == ["E_OVER", "V_OVER"]
    assert hits(data, "term_due")["branch_id"].tolist() == ["V_SOON"]
    over = hits(data, "term_overdue").set_index("branch_id")
    assert over.loc["V_OVER", "threshold"] == 5 and over.loc["E_OVER", "threshold"] == 3
    assert over.loc["V_OVER", "value"] == pytest.approx(5.6, abs=0.05)
    assert "2025-06-01" in over.loc["V_OVER", "message_en"] and "换届超期" in over.loc["V_OVER", "message_zh"]
    assert v[v["branch_id"] == "NODATE"].empty


def test_term_thresholds_are_configurable():
    data = county(branch("V", kind="village", elected="2021-03-01"),
                  branch("E", kind="enterprise", elected="2022-06-01"))
    longer = RuleSet(term_years={"village": 5, "community": 5, "enterprise": 4,
                                 "institution": 3, "joint": 3}, term_warning_months=0)
    assert hits(data, "term_overdue", longer).empty
    assert hits(data, "term_due", longer).empty  # V ends within 2 months, but no warning window
    assert hits(data, "term_due", RuleSet(term_warning_months=12))["branch_id"].tolist() == ["V"]


def test_terms_judged_as_of_today_without_period():
    data = county(branch("V", kind="village", elected="2021-03-01"))
    assert hits(data, "term_due", period=None, today=dt.date(2025, 12, 1))["branch_id"].tolist() == ["V"]
    assert hits(data, "term_overdue", period=None, today=dt.date(2026, 3, 2))["branch_id"].tolist() == ["V"]
    assert hits(data, "term_due", period=None, today=dt.date(2025, 6, 1)).empty
    assert hits(data, "term_overdue", period=2024).empty


# -------------------------------------------------------------------- activities

def test_each_activity_below_its_count_warns():
    data = county(branch("B", formal=9, roles=FULL_COMMITTEE,
                         meetings={"general_meeting": 3, "party_lesson": 4, "committee_meeting": 11}))
    v = rules_of(data)
    assert v["rule"].tolist() == ["activity_committee_meeting", "activity_general_meeting"]
    gm = v[v["rule"] == "activity_general_meeting"].iloc[0]
    assert (gm.value, gm.threshold, gm.category, gm.severity) == (3.0, 4.0, "activity", "warning")
    assert gm.message_en == "3 general membership meetings in 2025, 4 required"
    assert gm.message_zh == "2025年党员大会3次，应不少于4次"


def test_committee_and_group_meetings_only_where_they_apply():
    none_held = {"general_meeting": 4, "party_lesson": 4}
    groups = ["一组"] * 6 + ["二组"] * 6
    data = county(branch("SMALL", formal=5, meetings=none_held),
                  branch("COMM", formal=9, roles=FULL_COMMITTEE, meetings=none_held),
                  branch("GRP", formal=12, roles=FULL_COMMITTEE, groups=groups,
                         meetings={**none_held, "committee_meeting": 12}))
    v = rules_of(data)
    assert v[["branch_id", "rule"]].values.tolist() == [
        ["COMM", "activity_committee_meeting"], ["GRP", "activity_group_meeting"]]


def test_only_the_period_counts_and_period_defaults_to_latest_year():
    data = county(branch("B", formal=5, meetings={"general_meeting": 3, "party_lesson": 4}),
                  extra_meetings=[("B", "general_meeting", "2024-05-01")])
    assert hits(data, "activity_general_meeting")["value"].tolist() == [3.0]
    assert hits(data, "activity_general_meeting", period=None, today=dt.date(2026, 1, 1))["value"].tolist() == [3.0]
    in_2024 = hits(data, "activity_general_meeting", period=2024)
    assert in_2024["value"].tolist() == [1.0]
    assert hits(data, "activity_party_lesson", period=2024)["value"].tolist() == [0.0]


def test_activity_counts_and_list_are_configurable():
    data = county(branch("B", formal=5, meetings={"general_meeting": 3, "party_lesson": 4}))
    required = {**RuleSet().required_meetings, "general_meeting": 3, "themed_day": 2}
    assert hits(data, "activity_general_meeting", RuleSet(required_meetings=required)).empty
    with_days = RuleSet(required_meetings=required,
                        three_meetings_one_lesson=("general_meeting", "party_lesson", "themed_day"))
    rows = rules_of(data, with_days)
    assert rows["rule"].tolist() == ["activity_themed_day"]
    assert rows.iloc[0].message_en == "0 themed party days in 2025, 2 required"
    with pytest.raises(ValueError, match="without a count"):
        RuleSet(required_meetings={"general_meeting": 4}, three_meetings_one_lesson=("party_lesson",))
    with pytest.raises(ValueError, match="unknown meeting kinds"):
        RuleSet(three_meetings_one_lesson=("tea_party",))


def test_branch_without_members_is_not_asked_for_meetings():
    data = county(branch("E", formal=0, roles=(), meetings={}))
    assert rules_of(data)["rule"].tolist() == ["under_min_formal"]


# ------------------------------------------------- cross-check on generated data

def _naive(data, rules: RuleSet, period: int = 2025) -> pd.Series:
    """The setting counts again, the slow obvious way (groupby), for comparison."""
    end = pd.Timestamp(period, 12, 31)
    m = data.members[data.members["join_date"] <= end]
    # formal on 31 December: marked formal and joined a year or more before it
    m = m.assign(formal_then=(m["status"] == "formal") & (m["join_date"] <= end - pd.DateOffset(years=1)))
    g = m.groupby("branch_id", observed=True)
    ids = data.branches["branch_id"]
    formal = g["formal_then"].sum().reindex(ids, fill_value=0)
    size = g.size().reindex(ids, fill_value=0)
    on = m[m["role"] != "member"].groupby("branch_id").size().reindex(ids, fill_value=0)
    posts = m[m["role"].isin(["organization", "propaganda", "discipline", "committee"])]
    has = ids.isin(posts["branch_id"]).to_numpy() | (on.to_numpy() >= 3)
    disc = ids.isin(m.loc[m["role"] == "discipline", "branch_id"]).to_numpy()
    sec = ids.isin(m.loc[m["role"] == "secretary", "branch_id"]).to_numpy()
    return pd.Series({
        "under_min_formal": int((formal < rules.min_formal_members).sum()),
        "over_max_members": int((size > rules.max_members).sum()),
        "no_committee": int(((formal.to_numpy() >= rules.committee_from_formal) & ~has).sum()),
        "committee_too_large": int((has & (on.to_numpy() > rules.committee_max)).sum()),
        "committee_too_small": int((has & (on.to_numpy() < rules.committee_min)).sum()),
        "no_discipline": int((has & ~disc).sum()),
        "no_secretary": int(((size.to_numpy() > 0) & ~sec).sum()),
    })


GENERATED = generate(120, seed=5, years=(2025,), today=dt.date(2026, 3, 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(min_formal=st.integers(1, 8), max_members=st.integers(5, 80), from_formal=st.integers(1, 15),
       committee_max=st.integers(5, 9))
def test_counts_agree_with_a_naive_groupby(min_formal, max_members, from_formal, committee_max):
    rules = RuleSet(min_formal_members=min_formal, max_members=max_members,
                    committee_from_formal=from_formal, committee_max=committee_max)
    v = check_rules(GENERATED, rules, period=2025)
    got = v["rule"].value_counts().reindex(_naive(GENERATED, rules).index, fill_value=0)
    pd.testing.assert_series_equal(got.astype(int), _naive(GENERATED, rules), check_names=False)


def test_activity_values_are_the_meetings_held(sample):
    v = check_rules(sample, period=2025)
    held = sample.meetings[sample.meetings["date"].dt.year == 2025].groupby(
        ["branch_id", "kind"], observed=True).size()
    acts = v[v["category"] == "activity"]
    kinds = acts["rule"].str.removeprefix("activity_")
    expected = [held.get((b, k), 0) for b, k in zip(acts["branch_id"], kinds)]
    assert acts["value"].astype(int).tolist() == expected
    assert (acts["value"] < acts["threshold"]).all()


def test_large_province_is_vectorised():
    big = generate(3000, seed=2, validate=False)
    import time

    started = time.perf_counter()
    v = check_rules(big, period=2025)
    elapsed = time.perf_counter() - started
    # ~65 000 members: a per-branch Python loop takes seconds; the vectorised check ~50 ms.
    assert elapsed < 1.0, elapsed
    assert np.isin(v["branch_id"], big.branches["branch_id"]).all()


def test_branches_founded_after_the_period_are_not_asked_for_its_meetings():
    data = county(branch("B", formal=5, meetings={}))
    later = data.replace(branches=data.branches.assign(established=pd.Timestamp("2026-01-01")))
    assert hits(data, "activity_general_meeting")["branch_id"].tolist() == ["B"]
    assert hits(later, "activity_general_meeting").empty
    assert hits(later, "activity_general_meeting", period=2026)["branch_id"].tolist() == ["B"]


def test_a_term_from_29_february_ends_on_28_february():
    data = county(branch("V", kind="village", elected="2020-02-29"))
    rows = hits(data, "term_overdue")
    assert "ended 2025-02-28" in rows.iloc[0].message_en and "2025-02-28届满" in rows.iloc[0].message_zh
    assert hits(data, "term_overdue", period=None, today=dt.date(2025, 2, 28)).empty
    assert len(hits(data, "term_overdue", period=None, today=dt.date(2025, 3, 1))) == 1


def test_repeated_checks_give_equal_independent_tables():
    data = county(branch("B1", formal=2), branch("B2", formal=9, roles=("secretary",)))
    first = check_rules(data, period=PERIOD)
    first.loc[0, "rule"] = "tampered"
    second = check_rules(data, period=PERIOD)
    assert second["rule"].tolist() == ["no_committee", "under_min_formal"]
    assert check_rules(data, RuleSet(min_formal_members=2), period=PERIOD)["rule"].tolist() == ["no_committee"]
    assert check_rules(data, period=2024)["rule"].tolist()[:2] == ["no_committee", "under_min_formal"]
