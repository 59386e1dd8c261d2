"""Headless tests of this round's page features, acting through the widgets as a person does.

- the split planner of 03 (how many branches, which groups where, a preview), undo of replaced steps,
  the before/after workbook;
- the key figures agree on 01, 03 and 04 (same label, same number, same hover) for 2024 and 2025;
- the weak-and-lax screening page 06 (decisions with notes kept per data set and user, the list and its
  veto, the exit check, the export);
- the year-over-year section of the overview and the research movers' why;
- a language switch draws each chart of 03, 04, 05 and 06 once.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import workbench as wb
from workbench.settings.screening import Decisions, listed, screen
from workbench.studies.kpis import county_kpis, figure_definition, violation_figures
from workbench.studies.trends import why_moved
from workbench.views import (build_inspection_app, build_overview_app, build_research_app, build_screening_app,
                             build_settings_app)
from workbench.views.apps.research import why_text
from workbench.views.state import DataStore
from workbench.views.widgets.chart import ChartView

CARD = re.compile(r"<div class='wb-kpi'[^>]*?(?: title='([^']*)')?><div class='wb-kpi-label'>([^<]*)</div>"
                  r"<div class='wb-kpi-value'>([^<]*)</div>")


def cards(widget_html: str) -> dict[str, tuple[str, str]]:
    """KPI cards as {label: (value, hover)}."""
    return {html.unescape(label): (value, html.unescape(hover or ""))
            for hover, label, value in CARD.findall(widget_html)}


def charts_of(app) -> list[ChartView]:
    """Every ChartView the app's views hold (one level down)."""
    found = []
    for view in app.views.values():
        for value in vars(view).values():
            if isinstance(value, ChartView):
                found.append(value)
    return found


# ================================================================ settings (03)

@pytest.fixture
def settings(tmp_path):
    return build_settings_app("sample_data", lang="zh", state_dir=tmp_path / "state")


def test_the_split_planner_chooses_how_many_branches_and_previews_before_applying(settings, sample):
    editor, model = settings.views["editor"], settings.models["scenario"]
    editor.operation.value = "split"
    editor.split_branch.value = "B00012"                       # 57 members in 5 party groups
    assert editor.split_parts.value == 5                        # as before: one branch per group ...
    assert "拆分后共 5 个支部" in editor.split_preview.value      # ... and the preview says what that gives
    assert editor.split_preview.value.count("未设支委会") >= 4
    editor.split_parts.value = 2                                # a person chooses two branches
    groups = editor.model.groups
    plan = editor.model.split_plan
    assert sorted(set(plan.values())) == [0, 1]
    secretary = groups.index[groups["secretary"] > 0][0]
    assert plan[secretary] == 0                                 # the secretary's group stays
    rows = editor.split_groups.children
    assert len(rows) == len(groups)
    preview = editor.split_preview.value
    assert "拆分后共 2 个支部" in preview and len(model.scenario) == 0   # nothing applied yet
    # move one more group to the new branch with its dropdown
    staying = [v for v, p in plan.items() if p == 0 and v != secretary][0]
    row = rows[list(groups.index).index(staying)]
    row.children[1].value = 1
    assert editor.model.split_plan[staying] == 1 and editor.split_preview.value != preview
    with pytest.raises(ValueError):
        editor.model.assign(staying, 7)                          # a part that does not exist is refused
    leaving = [v for v, p in editor.model.split_plan.items() if p == 1]
    editor.split_do.click()
    assert model.status["ok"] and len(model.scenario) == 1
    new = model.scenario.created_ids
    assert len(new) == 1
    after = model.current()
    expected = sample.members[(sample.members["branch_id"] == "B00012")
                              & sample.members["party_group"].isin(leaving)]["member_id"]
    assert set(after.members.loc[after.members["branch_id"] == new[0], "member_id"]) == set(expected)
    name = after.branches.set_index("branch_id").loc[new[0], "name"]
    assert all(v in name for v in leaving)
    # the planner now offers the branch as it is after the split: the groups that stayed
    assert list(editor.model.groups.index) == [v for v in groups.index if v not in leaving]


def test_the_preview_speaks_the_page_language_and_members_mode_previews_too(settings):
    editor = settings.views["editor"]
    editor.operation.value = "split"
    editor.split_branch.value = "B00012"
    settings.state.lang = "en"
    assert "Preview of the split" in editor.split_preview.value and "Stays in the branch" in str(
        editor.split_groups.children[0].children[1].options)
    editor.split_by.value = "members"
    assert editor.split_plan_box.layout.display == "none" and editor.split_members.layout.display is None
    editor.split_members.value = tuple(v for _, v in editor.split_members.options[-4:])
    assert "After the split 2 branches" in editor.split_preview.value


def test_loading_a_file_replaces_the_steps_undoably(settings, tmp_path):
    model, steps = settings.models["scenario"], settings.views["steps"]
    model.appoint("M0000018", "discipline")
    saved = model.scenario.operations
    other = wb.Scenario(settings.state.data).merge(["B00031", "B00032"], name="联合")
    path = other.to_yaml(tmp_path / "other.yaml")
    raw = path.read_bytes()
    steps.upload.value = ({"name": "other.yaml", "type": "application/x-yaml", "size": len(raw),
                           "content": memoryview(raw), "last_modified": pd.Timestamp("2026-01-01").to_pydatetime()},)
    assert [op.op for op in model.scenario.operations] == ["merge"]
    assert "替换了原有 1 步" in settings.views["editor"].status.value
    assert steps.undo.tooltip == "撤销：载入方案"
    steps.undo.click()
    assert model.scenario.operations == saved


def test_the_before_after_exports_to_excel_with_the_steps(settings):
    model, ba = settings.models["scenario"], settings.views["before_after"]
    model.merge(["B00031", "B00032"], name="示范联合党支部")
    model.appoint("M0000018", "discipline")
    settings.state.lang = "en"
    ba.export.click()
    status = ba.export_status.widget.value
    assert "Exported" in status and "download=" in status
    path = next(settings.views["before_after"].folder.glob("scenario-2025-*.xlsx"))
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["About", "Steps", "County totals", "Branches touched", "Violations"]
    assert sheets["Steps"]["Step"].tolist() == [1, 2]
    assert sheets["Steps"]["Operation"].tolist() == ["Merge", "Appoint"]
    assert sheets["Steps"]["What it does"].str.len().gt(10).all()
    totals = sheets["County totals"].set_index("Item")
    assert totals.loc["Branches", "After"] == 299 and totals.loc["Branches", "Change"] == -1
    touched = sheets["Branches touched"]
    assert {"removed", "new"} <= set(touched["Status"]) and "Grade · After" in touched.columns
    assert touched["Score · After"].dropna().map(lambda x: round(x, 1) == x).all()   # one decimal


def test_scenarios_are_saved_per_data_set_and_user(tmp_path):
    app = build_settings_app("sample_data", state_dir=tmp_path / "state")
    model = app.models["scenario"]
    model.appoint("M0000018", "discipline")
    path = app.views["steps"].save_scenario()
    expected = DataStore(tmp_path / "state").work_folder(app.state.data, "scenarios")
    assert path.parent == expected and oct(path.stat().st_mode & 0o777) == "0o600"


# ====================================================== counts that agree (01, 03, 04)

@pytest.fixture(scope="module")
def three_pages(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    return (build_overview_app("sample_data", lang="zh", state_dir=state),
            build_settings_app("sample_data", lang="zh", state_dir=state),
            build_inspection_app("sample_data", lang="zh", state_dir=state))


@pytest.mark.parametrize("period", [2024, 2025])
def test_the_numbers_on_01_03_and_04_agree(three_pages, sample, period):
    overview, settings, inspection = three_pages
    for app in three_pages:
        app.state.period = period
    o = cards(overview.views["kpis"].widget.value)
    s = cards(settings.views["violations"].summary.value)
    i = cards(inspection.views["kpis"].widget.value)
    # the core's numbers
    fw = wb.Framework.default()
    table = wb.compute_indicators(sample, fw, period=period)
    k = county_kpis(sample, table, wb.Scheme(fw).score(table))
    assert violation_figures(wb.check_rules(sample, period=period))["violations"] == k["violations"]
    assert o["规则问题"] == s["规则问题"] == (f"{k['violations']:,}", figure_definition("violations", "zh"))
    assert o["整改完成率"] == i["整改完成率"] == (f"{k['rectification_rate']:.0%}",
                                                figure_definition("rectification_rate", "zh"))
    assert o["逾期未整改"] == i["逾期未整改"] == (f"{k['problems_overdue']:,}",
                                                figure_definition("problems_overdue", "zh"))
    assert i["本年发现问题"][0] == f"{k['problems_found']:,}"
    assert s["错误"][0] == f"{k['violation_errors']:,}" and s["提醒"][0] == f"{k['violation_warnings']:,}"
    # the overview's detail and the list's count say the same numbers
    assert f"错误 {k['violation_errors']} · 提醒 {k['violation_warnings']}" in overview.views["kpis"].widget.value
    listed_line = inspection.views["problems"].figures.value
    assert f"本年在办问题 {k['problems_in_year']:,}" in listed_line
    assert i["本年在办问题"][0] == f"{k['problems_in_year']:,}"
    assert f"共 {k['problems_in_year']} 个问题" in inspection.views["problems"].summary.value
    for app in three_pages:
        app.state.period = 2025


# ============================================================= screening (06)

@pytest.fixture
def screening(tmp_path):
    return build_screening_app("sample_data", lang="zh", state_dir=tmp_path / "state")


def test_candidates_by_township_with_reasons_and_filters(screening, sample):
    model, view = screening.models["screening"], screening.views["candidates"]
    s = screen(sample, period=2025)
    assert len(view.table.model.frame) == len(s.candidates)
    assert cards(screening.views["overview"].cards.value)["排查对象"][0] == str(len(s.candidates))
    town = s.by_township().index[0]
    view.township.value = town
    assert set(view.table.model.frame["township"]) == {town}
    assert len(view.table.model.frame) == s.by_township().loc[town, "candidates"]
    view.trigger.value = "no_new_members"
    assert view.table.model.frame["criteria"].str.contains("连续两年未发展党员").all()
    view.township.value = "__all__"
    view.trigger.value = "__all__"
    decide = screening.views["decide"]
    decide.branch.value = "B00143"
    reasons = s.reasons("B00143", "zh")
    for label, evidence in zip(reasons["label"], reasons["evidence"]):
        assert html.escape(label) in decide.reasons.value and html.escape(evidence) in decide.reasons.value
    fig = screening.views["overview"].towns.figure
    assert sum(fig.data[0].x) == len(s.candidates)


def test_a_confirmation_with_a_note_is_kept_for_the_user_and_the_data_set(screening, tmp_path, sample):
    model, decide = screening.models["screening"], screening.views["decide"]
    decide.branch.value = "B00143"
    decide.note.value = "经镇党委研究，组织生活长期不正常，列入整顿"
    decide.confirm.click()
    assert model.status["ok"] and model.current_decision("B00143") == "confirmed"
    assert "已确认" in decide.status.value and decide.note.value == ""
    assert "B00143" in model.listed
    path = DataStore(tmp_path / "state").work_folder(sample, "screening") / "decisions.yaml"
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert Decisions.from_yaml(path, sample).current(2025).loc["B00143", "note"].startswith("经镇党委研究")
    # the next visit of this user sees it; another user does not
    again = build_screening_app("sample_data", state_dir=tmp_path / "state")
    assert again.models["screening"].current_decision("B00143") == "confirmed"
    other = DataStore(tmp_path / "state", user="someone-else").work_folder(sample, "screening")
    assert other != path.parent
    # the list and its veto: the branch is capped at the lowest grade
    rows = screening.views["list"].table.model.frame.set_index("branch_id")
    assert rows.loc["B00143", "grade_with"] == "软弱涣散"
    assert rows.loc["B00143", "source"] == "本年确认列入"
    assert rows.loc["B00143", "note"].startswith("经镇党委研究")
    assert len(model.listed) == len(listed(Decisions(), 2025, data=sample)) + 1
    # the candidate list shows the decision and the note
    frame = screening.views["candidates"].table.model.frame.set_index("branch_id")
    assert frame.loc["B00143", "decision"] == "确认列入"


def test_a_rejection_needs_a_note_and_says_so_in_the_page_language(screening):
    model, decide = screening.models["screening"], screening.views["decide"]
    decide.branch.value = "B00136"
    decide.reject.click()
    assert not model.status["ok"] and model.current_decision("B00136") == "pending"
    assert "须写明理由" in decide.status.value
    screening.state.lang = "en"
    assert "needs a note" in decide.status.value
    decide.note.value = "New members joined in January 2026; the township checked the records"
    decide.reject.click()
    assert model.current_decision("B00136") == "rejected" and "rejected" in decide.status.value
    decide.withdraw.click()
    assert model.current_decision("B00136") == "pending"


def test_the_exit_check_lets_a_rectified_branch_leave_the_list(screening, sample):
    model, decide, exits = screening.models["screening"], screening.views["decide"], screening.views["exit"]
    flagged = listed(Decisions(), 2025, data=sample)
    e = model.exit
    passing = [b for b in flagged if e.loc[b, "total"] >= 70]
    b = passing[0]
    model.decision = "__all__"
    decide.branch.value = b
    assert exits.controls.layout.display is None
    exits.votes.value = 60.0                      # more than half unsatisfied: fails
    assert model.exit.loc[b, "passes"] is False and exits.exit.disabled
    exits.votes.value = 10.0
    assert model.exit.loc[b, "passes"] is True and not exits.exit.disabled
    decide.note.value = "整改验收合格，测评不满意票 10%"
    exits.exit.click()
    assert model.current_decision(b) == "exited" and b not in model.listed
    assert model.status["key"] == "screening_done_exited"


def test_the_screening_export_has_the_decisions(screening):
    model, decide = screening.models["screening"], screening.views["decide"]
    decide.branch.value = "B00143"
    decide.confirm.click()
    path = screening.views["export"].export()
    frame = pd.read_excel(path)
    row = frame.set_index("支部编号").loc["B00143"]
    assert row["研究结果"] == "确认列入"
    assert len(frame) == len(model.screening.candidates)
    assert "download=" in screening.views["export"].line.widget.value


def test_a_branch_not_offered_is_refused_and_snaps_back(screening):
    model, decide = screening.models["screening"], screening.views["decide"]
    shown = decide.branch.value
    with pytest.raises(ValueError):
        model.choose("B99999")
    assert decide.branch.value == shown and model.branch == shown


# ============================================================ year over year (01)

@pytest.fixture
def overview(tmp_path):
    return build_overview_app("sample_data", lang="zh", state_dir=tmp_path / "state")


def test_the_year_over_year_section_shows_the_core(overview):
    view, model = overview.views["yoy"], overview.models["yoy"]
    y = model.result
    assert y.periods == (2024, 2025)
    counts = view.transitions.figure.data[0].customdata
    assert int(pd.DataFrame(counts).to_numpy().sum()) == len(y.branches)
    assert y.summary("zh") in view.summary.value
    assert list(view.table.model.frame["branch_id"]) == list(y.movers.index)
    first, second = y.movers.index[:2]
    assert model.branch == first and y.branches.loc[first, "name"] in view.why.figure.layout.title.text
    view.branch.value = second
    assert y.branches.loc[second, "name"] in view.why.figure.layout.title.text
    assert list(view.why.figure.data[0].y)[::-1] == list(y.why(second, lang="zh", top=8)["label"])


def test_carry_forward_is_an_explicit_flagged_choice(overview):
    view, model = overview.views["yoy"], overview.models["yoy"]
    assert not model.carry_forward and model.carried_count() == 0
    assert "未沿用上年值" in view.flag.value and view.carried.widget.layout.display == "none"
    view.carry.value = True
    n = model.carried_count()
    assert n > 0 and f"已沿用 2024 年数值 {n} 项" in view.flag.value
    assert view.carried.widget.layout.display is None and len(view.carried.model.frame) == n
    assert "wb-bad" in view.flag.value           # flagged, not silent
    view.carry.value = False
    assert model.carried_count() == 0 and view.carried.widget.layout.display == "none"


def test_year_over_year_needs_the_year_before(overview):
    view = overview.views["yoy"]
    overview.state.period = 2024
    assert view.charts.layout.display == "none" and "需要前一年度的数据" in view.summary.value
    assert view.carry.disabled
    overview.state.period = 2025
    assert view.charts.layout.display is None


def test_the_research_movers_say_why_with_the_same_core():
    app = build_research_app("sample_data", lang="en", key="k")
    model, view = app.models["research"], app.views["movers"]
    mover = model.movers().branches.index[0]
    expected = why_text(why_moved(model.before, model.result, mover, lang="en", top=3), "en")
    assert html.escape(expected) in view.branches.value


# ============================================================ language switch

@pytest.mark.parametrize("build", [build_settings_app, build_inspection_app, build_research_app,
                                   build_screening_app, build_overview_app])
def test_a_language_switch_draws_each_chart_once(build, tmp_path):
    app = build("sample_data", lang="zh", state_dir=tmp_path / "state")
    views = [c for c in charts_of(app) if c.figure is not None]
    assert views
    before = {id(c): c.draws for c in views}
    app.state.lang = "en"
    assert all(c.draws == before[id(c)] + 1 for c in views), [(c.name, c.draws - before[id(c)]) for c in views]
