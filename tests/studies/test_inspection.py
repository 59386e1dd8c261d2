"""Inspection and rectification core: completion matrix, scores, problem list, filters, progress, export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.studies.inspection import (
    PROBLEM_STATUSES,
    completion_by_township,
    completion_matrix,
    export_problems,
    filter_problems,
    inspection_scores,
    period_end,
    problem_list,
    rectification_progress,
    scores_by_township,
)
from workbench.studies.kpis import county_kpis, inspection_kpis

from tests.county_factory import FULL_COMMITTEE, branch, county


@pytest.fixture(scope="module")
def problems(sample):
    return problem_list(sample, period=2025)


# ------------------------------------------------------------------ completion

def test_completion_overall_is_the_indicator(sample):
    m = completion_matrix(sample, 2025)
    table = wb.compute_indicators(sample, period=2025)
    assert m.index.equals(table.index)
    np.testing.assert_allclose(m["overall"].to_numpy(), table["three_meetings_completion"].to_numpy())
    values = m.drop(columns="overall").to_numpy()
    assert ((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1)).all()
    assert np.isnan(values).any(), "activities that do not apply are NaN"


def test_completion_by_hand():
    data = county(
        branch("B1", formal=9, roles=FULL_COMMITTEE, groups=["一组"] * 9,
               meetings={"general_meeting": 2, "committee_meeting": 12, "group_meeting": 3, "party_lesson": 5}),
        branch("B2", formal=4, meetings={"general_meeting": 4, "party_lesson": 1}),
    )
    m = completion_matrix(data, 2025)
    assert m.loc["B1"].tolist() == pytest.approx([0.5, 1.0, 0.25, 1.0, 2.75 / 4])
    # B2: no committee and no party groups -> those activities do not apply
    assert np.isnan(m.loc["B2", "committee_meeting"]) and np.isnan(m.loc["B2", "group_meeting"])
    assert m.loc["B2", "overall"] == pytest.approx((1.0 + 0.25) / 2)
    assert m.attrs["held"].loc["B1", "group_meeting"] == 3
    assert m.attrs["required"]["general_meeting"] == 4
    towns = completion_by_township(m, data.branches.set_index("branch_id")["township"])
    assert towns.loc["东镇", "general_meeting"] == pytest.approx(0.75)


def test_completion_of_other_activities_and_unknown_ones(sample):
    m = completion_matrix(sample, 2025, activities=["themed_day", "organizational_life"])
    assert list(m.columns) == ["themed_day", "organizational_life", "overall"]
    table = wb.compute_indicators(sample, period=2025)
    np.testing.assert_allclose(m["themed_day"], table["themed_day_completion"])
    with pytest.raises(ValueError, match="no required count"):
        completion_matrix(sample, 2025, activities=["tea_party"])


# ------------------------------------------------------------------ inspection scores

def test_inspection_scores_are_means_of_the_period(sample):
    s = inspection_scores(sample, 2025)
    ins = sample.inspections
    rows = ins[(ins["branch_id"] == "B00001") & (ins["date"].dt.year == 2025)]
    for method in ("platform", "onsite", "materials"):
        got = rows.loc[rows["method"] == method, "score"]
        expected = got.mean() if len(got) else np.nan
        assert s.loc["B00001", method] == pytest.approx(expected, nan_ok=True)
        assert s.attrs["counts"].loc["B00001", method] == len(got)
    table = wb.compute_indicators(sample, period=2025)
    np.testing.assert_allclose(s["onsite"].to_numpy(), table["onsite_score"].to_numpy())
    towns = scores_by_township(s, sample.branches.set_index("branch_id")["township"])
    assert towns["platform"].is_monotonic_decreasing and len(towns) == sample.branches["township"].nunique()


# ------------------------------------------------------------------ problem list

def test_problem_status_and_order(problems, sample):
    assert set(problems["status"]) <= set(PROBLEM_STATUSES)
    rank = problems["status"].map({s: k for k, s in enumerate(PROBLEM_STATUSES)})
    assert rank.is_monotonic_increasing, "overdue first, then open, closed late, closed"
    overdue = problems[problems["status"] == "overdue"]
    assert overdue["days_overdue"].is_monotonic_decreasing and (overdue["days_overdue"] > 0).all()
    end = period_end(2025)
    assert (overdue["due"] < end).all() and overdue["rectified"].isna().all()
    opened = problems[problems["status"] == "open"]
    assert (opened["due"] >= end).all() and opened["due"].is_monotonic_increasing
    closed = problems[problems["status"].isin(["closed", "closed_late"])]
    assert (closed["rectified"] <= end).all()
    late = problems[problems["status"] == "closed_late"]
    assert ((late["rectified"] - late["due"]).dt.days == late["days_overdue"]).all()
    # the overdue count is the indicator's, and the overview's KPI
    table = wb.compute_indicators(sample, period=2025)
    assert len(overdue) == int(table["overdue_problems"].sum())
    assert problems["name"].notna().all() and problems["township"].notna().all()


def test_problem_as_of_a_day():
    data = county(branch("B1"))
    rows = pd.DataFrame({
        "problem_id": ["P1", "P2", "P3", "P4"], "inspection_id": "I-B1", "branch_id": "B1",
        "category": ["records", "settings", "other", "education"], "severity": ["minor", "serious", "general", "minor"],
        "found": pd.to_datetime(["2025-01-10", "2025-02-01", "2025-03-01", "2025-11-01"]),
        "due": pd.to_datetime(["2025-02-10", "2025-03-01", "2025-04-01", "2026-01-31"]),
        "rectified": pd.to_datetime(["2025-02-01", "2025-04-01", None, None]),
    })
    data = data.replace(problems=rows.astype({"category": data.problems["category"].dtype,
                                              "severity": data.problems["severity"].dtype}))
    p = problem_list(data, as_of="2025-12-31").set_index("problem_id")
    assert p["status"].to_dict() == {"P1": "closed", "P2": "closed_late", "P3": "overdue", "P4": "open"}
    assert p.loc["P3", "days_overdue"] == (pd.Timestamp("2025-12-31") - pd.Timestamp("2025-04-01")).days
    assert p.loc["P2", "days_overdue"] == 31
    # on an earlier day, P2 was still overdue and its closing is not known yet
    early = problem_list(data, as_of="2025-03-15").set_index("problem_id")
    assert early.loc["P2", "status"] == "overdue" and pd.isna(early.loc["P2", "rectified"])
    assert "P4" not in early.index


def test_filters(problems):
    overdue = filter_problems(problems, overdue_only=True)
    assert len(overdue) > 0 and set(overdue["status"]) == {"overdue"}
    assert len(overdue) == int((problems["status"] == "overdue").sum())
    town = problems["township"].iloc[0]
    both = filter_problems(problems, categories=["records", "settings"], severities="serious", townships=town)
    assert set(both["category"]) <= {"records", "settings"} and set(both["severity"]) <= {"serious"}
    assert set(both["township"]) <= {town}
    expected = problems[problems["category"].isin(["records", "settings"]) & (problems["severity"] == "serious")
                        & (problems["township"] == town)]
    assert both["problem_id"].tolist() == expected["problem_id"].tolist()
    assert filter_problems(problems, categories=[], severities=None).equals(problems)
    assert set(filter_problems(problems, statuses=["open", "closed"])["status"]) == {"open", "closed"}
    with pytest.raises(ValueError, match="unknown value"):
        filter_problems(problems, severities=["fatal"])


def test_rectification_progress_counts(sample):
    plist = problem_list(sample, as_of=period_end(2025))
    progress = rectification_progress(plist, end=period_end(2025))
    assert progress.index[-1] == period_end(2025)
    last = progress.iloc[-1]
    assert last["found"] == len(plist)
    assert last["closed"] == int(plist["status"].isin(["closed", "closed_late"]).sum())
    assert last["overdue"] == int((plist["status"] == "overdue").sum())
    assert (progress["open"] == progress["found"] - progress["closed"]).all()
    assert progress["found"].is_monotonic_increasing and progress["closed"].is_monotonic_increasing
    # a brute-force count at one month end
    day = progress.index[8]
    p = sample.problems
    found = p["found"] <= day
    closed = p["rectified"] <= day
    assert progress.loc[day, "found"] == found.sum() and progress.loc[day, "closed"] == closed.sum()
    assert progress.loc[day, "overdue"] == int((found & ~closed & (p["due"] < day)).sum())


def test_kpis_agree_with_the_overview(sample):
    k = inspection_kpis(sample, 2025)
    table = wb.compute_indicators(sample, period=2025)
    result = wb.Scheme(wb.Framework.default()).score(table)
    overview = county_kpis(sample, table, result)
    assert k["found"] == overview["problems_found"] and k["closed"] == overview["problems_done"]
    assert k["overdue"] == overview["overdue"]
    assert k["completion"] == pytest.approx(table["three_meetings_completion"].mean())
    assert sum(k["inspections"].values()) == int((sample.inspections["date"].dt.year == 2025).sum())


def test_export_is_bilingual_and_atomic(problems, tmp_path, monkeypatch):
    path = export_problems(problems.head(20), tmp_path / "p.xlsx", lang="zh")
    sheet = pd.read_excel(path, sheet_name=None)
    assert list(sheet) == ["问题清单", "说明"]
    frame = sheet["问题清单"]
    assert list(frame.columns[:3]) == ["问题编号", "支部编号", "支部"]
    assert frame["状态"].iloc[0] == "逾期未整改" and len(frame) == 20
    en = pd.read_excel(export_problems(problems.head(5), tmp_path / "e.xlsx", lang="en"))
    assert en["Status"].iloc[0] == "Overdue"
    # a failing write leaves the previous file as it was and no temporary file
    before = path.read_bytes()
    import openpyxl

    def disk_full(self, filename):  # the workbook is being saved when the disk fills up
        with open(filename, "wb") as handle:
            handle.write(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", disk_full)
    with pytest.raises(OSError, match="disk full"):
        export_problems(problems, path)
    assert path.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["e.xlsx", "p.xlsx"]
