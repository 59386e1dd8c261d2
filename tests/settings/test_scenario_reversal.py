"""A scenario comparison warns when branches the scenario does not touch change places."""

from __future__ import annotations

import pytest

import workbench as wb

FW = wb.Framework.default()


@pytest.fixture(scope="module")
def dissolved():
    data = wb.load("sample_data")
    table = wb.compute_indicators(data, FW, period=2025)
    hours = table["training_hours"]
    best = hours.idxmax()                                     # the one branch best on training hours
    assert (hours == hours.max()).sum() == 1
    other = next(b for b in table.index if b != best and data.branches.set_index("branch_id").loc[b, "township"]
                 == data.branches.set_index("branch_id").loc[best, "township"])
    return wb.Scenario(data).dissolve(best, into=other), best, other


def test_min_max_normalization_reorders_untouched_branches_and_the_comparison_says_so(dissolved):
    scenario, best, other = dissolved
    comparison = scenario.compare(wb.Scheme(FW, normalization={"*": "minmax"}), 2025)
    reversal = comparison.reversal
    assert reversal is not None and reversal.n_pairs > 0
    touched = set(comparison.branches.index)
    assert {best, other} <= touched and not set(reversal.branches) & touched
    assert reversal.message("en") in comparison.to_text("en")
    assert "先后顺序发生了变化" in comparison.to_text("zh")


def test_the_default_framework_reorders_nobody_and_says_nothing(dissolved):
    scenario, _, _ = dissolved
    comparison = scenario.compare(wb.Scheme(FW), 2025)
    assert comparison.reversal is None
    assert "swapped places" not in comparison.to_text("en")
