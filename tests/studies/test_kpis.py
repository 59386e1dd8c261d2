"""One definition per number: the overview, settings and inspection figures agree (issue 11)."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.i18n import MESSAGES
from workbench.settings.violations import filter_violations, violation_list
from workbench.studies.inspection import problem_list
from workbench.studies.kpis import inspection_kpis
from workbench.studies.kpis import (FIGURES, county_kpis, figure_definition, figure_label, problem_figures,
                                    violation_figures)

FW = wb.Framework.default()


@pytest.fixture(scope="module", params=[2024, 2025])
def period_data(request, sample):
    period = request.param
    table = wb.compute_indicators(sample, FW, period=period)
    result = wb.Scheme(FW).score(table, groups=sample)
    return sample, period, table, result


def test_every_figure_has_a_label_and_a_definition_in_both_languages():
    labels = set()
    for name in FIGURES:
        zh, en = figure_label(name, "zh"), figure_label(name, "en")
        assert zh and en and zh != en
        assert figure_definition(name, "zh").endswith("。") and figure_definition(name, "en").endswith(".")
        labels.add(zh)
        assert f"figure_{name}" in MESSAGES and f"figure_{name}_def" in MESSAGES
    assert len(labels) == len(FIGURES)  # one label, one number
    with pytest.raises(KeyError, match="no key figure"):
        figure_label("nothing")


def test_overview_and_settings_page_count_the_same_violations(period_data):
    data, period, table, result = period_data
    overview = county_kpis(data, table, result)
    # the settings page lists violation_list(check_rules(...)) for the period
    page = violation_list(wb.check_rules(data, FW.rules, period=period), data)
    assert violation_figures(page) == {k: overview[k] for k in violation_figures(page)}
    assert overview["violations"] == overview["violation_errors"] + overview["violation_warnings"]
    # the older keys the overview card reads are the same numbers
    assert (overview["errors"], overview["warnings"], overview["branches_with_errors"]) == (
        overview["violation_errors"], overview["violation_warnings"], overview["error_branches"])
    # a filter counts the same way
    errors_only = filter_violations(page, severities="error")
    assert violation_figures(errors_only)["violations"] == overview["violation_errors"]
    assert violation_figures(errors_only)["violation_branches"] == overview["error_branches"]


def test_overview_and_inspection_page_count_the_same_problems(period_data):
    data, period, table, result = period_data
    overview = county_kpis(data, table, result)
    inspection = inspection_kpis(data, period, rules=FW.rules)
    plist = problem_list(data, period=period)
    for name in ("problems_found", "problems_closed", "problems_in_year", "problems_carried",
                 "problems_open", "problems_overdue", "rectification_rate"):
        assert overview[name] == inspection[name], name
    assert (inspection["found"], inspection["closed"], inspection["overdue"], inspection["open"]) == (
        overview["problems_found"], overview["problems_closed"], overview["problems_overdue"],
        overview["problems_open"])
    # the list the inspection page shows has exactly "problems handled this year" rows
    assert len(plist) == overview["problems_in_year"]
    assert overview["problems_in_year"] == overview["problems_found"] + overview["problems_carried"]
    if period == 2025:  # the sample's first year has nothing to carry over
        assert overview["problems_carried"] > 0  # the two numbers the issue saw differ by these
    # and the indicators count the same problems
    assert table["problems_found"].sum() == overview["problems_found"]
    assert table["overdue_problems"].sum() == overview["problems_overdue"]
    assert overview["problems_overdue"] <= overview["problems_open"] <= overview["problems_in_year"]


def test_problem_figures_by_hand():
    from tests.county_factory import branch, county

    data = county(branch("B"))
    insp = data.inspections["inspection_id"].iloc[0]
    problems = pd.DataFrame({
        "problem_id": ["P1", "P2", "P3", "P4", "P5"], "inspection_id": insp, "branch_id": "B",
        "category": "records", "severity": "general",
        "found": pd.to_datetime(["2025-05-02", "2025-05-02", "2025-05-02", "2025-05-02", "2025-05-02"]),
        "due": pd.to_datetime(["2025-06-01", "2025-06-01", "2026-03-01", "2025-06-01", "2025-06-01"]),
        "rectified": pd.to_datetime(["2025-05-20", None, None, "2026-01-10", "2025-07-01"]),
    })
    data = wb.BranchData.from_frames(**{**data.tables(), "problems": problems}, today=data_today())
    f = problem_figures(data, 2025)
    assert f == {"problems_found": 5, "problems_closed": 2, "rectification_rate": 0.4, "problems_in_year": 5,
                 "problems_carried": 0, "problems_open": 3, "problems_overdue": 2}
    # in 2026 the three still open at the end of 2025 are carried over
    f26 = problem_figures(data, 2026)
    assert (f26["problems_found"], f26["problems_carried"], f26["problems_in_year"]) == (0, 3, 3)


def data_today():
    from tests.county_factory import TODAY

    return TODAY


def test_members_are_the_roster_of_the_year(period_data):
    data, period, table, result = period_data
    k = county_kpis(data, table, result)
    joined = data.members["join_date"] <= pd.Timestamp(period, 12, 31)
    assert k["members"] == int(joined.sum())
    assert k["formal_members"] < k["members"]
