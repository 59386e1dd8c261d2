"""Summaries of rule violations: by rule, by township, filters."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.settings.violations import (
    filter_violations,
    rule_label,
    violation_list,
    violations_by_rule,
    violations_by_township,
)


@pytest.fixture(scope="module")
def vlist(sample):
    return violation_list(wb.check_rules(sample, period=2025), sample)


def test_list_has_names_and_errors_first(vlist, sample):
    assert len(vlist) == len(wb.check_rules(sample, period=2025))
    names = sample.branches.set_index("branch_id")["name"]
    assert (vlist["name"] == names.reindex(vlist["branch_id"]).to_numpy()).all()
    first_warning = (vlist["severity"] == "warning").to_numpy().argmax()
    assert (vlist["severity"].iloc[:first_warning] == "error").all()
    assert (vlist["severity"].iloc[first_warning:] == "warning").all()


def test_by_rule_counts(vlist):
    by = violations_by_rule(vlist)
    assert by["count"].sum() == len(vlist)
    counts = vlist["rule"].value_counts()
    for rule, row in by.iterrows():
        assert row["count"] == counts[rule]
        assert row["branches"] == vlist.loc[vlist["rule"] == rule, "branch_id"].nunique()
    assert (by["severity"].iloc[: (by["severity"] == "error").sum()] == "error").all()
    assert violations_by_rule(vlist.iloc[0:0]).empty


def test_by_township_covers_every_township(vlist, sample):
    towns = sample.branches.set_index("branch_id")["township"]
    by = violations_by_township(vlist, towns)
    assert set(by.index) == set(towns)
    assert by["error"].sum() == (vlist["severity"] == "error").sum()
    assert by["warning"].sum() == (vlist["severity"] == "warning").sum()
    assert by["error"].is_monotonic_decreasing
    t = by.index[0]
    assert by.loc[t, "branches"] == vlist.loc[vlist["township"] == t, "branch_id"].nunique()


def test_filters(vlist):
    town = vlist["township"].iloc[0]
    some = filter_violations(vlist, rules=["no_discipline", "term_overdue"], townships=town)
    assert set(some["rule"]) <= {"no_discipline", "term_overdue"} and set(some["township"]) == {town}
    assert filter_violations(vlist, rules=[], severities=None).equals(vlist)
    assert set(filter_violations(vlist, categories="activity")["category"]) == {"activity"}
    with pytest.raises(KeyError, match="no such column"):
        filter_violations(vlist[["rule"]], townships="x")


def test_rule_labels():
    assert rule_label("no_secretary", "zh") == "书记空缺"
    assert rule_label("no_secretary", "en") == "no secretary"
    assert rule_label("made_up", "en") == "made_up"
