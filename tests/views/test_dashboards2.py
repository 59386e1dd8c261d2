"""Headless tests of the dashboards II: set widget values as a user would; check models, tables, charts.

Branch settings (03), inspection and rectification (04), research (05).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re

import numpy as np
import pandas as pd
import pytest
import yaml

import workbench as wb
from workbench.views.apps import build_inspection_app, build_research_app, build_settings_app
from workbench.studies.inspection import problem_list
from workbench.studies.research import cronbach_alpha

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _texts(widget) -> str:
    """Every text a widget tree (or an app's widget) shows (HTML values, descriptions, options)."""
    out = []
    stack = [getattr(widget, "widget", widget)]
    while stack:
        x = stack.pop()
        for attr in ("value", "description", "placeholder"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                out.append(v)
        for label in getattr(x, "_options_labels", ()) or ():
            out.append(str(label))
        stack.extend(getattr(x, "children", ()) or ())
    return "\n".join(out)


def _values(data) -> np.ndarray:
    """A trace attribute as an array (plotly stores numeric arrays base64-encoded: {dtype, bdata, shape})."""
    if isinstance(data, dict) and "bdata" in data:
        out = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        if "shape" in data:
            shape = data["shape"]
            out = out.reshape([int(n) for n in (shape.split(",") if isinstance(shape, str) else shape)])
        return out
    return np.asarray(data, dtype=object)


def _rows(html: str) -> int:
    return html.count("<tr") - html.count("<thead><tr")


def _cards(html: str) -> dict[str, str]:
    """KPI cards as {label: value}."""
    return dict(re.findall(r"<div class='wb-kpi-label'>([^<]*)</div><div class='wb-kpi-value'>([^<]*)</div>", html))


# =================================================================== settings

@pytest.fixture(scope="module")
def settings_app(tmp_path_factory):
    return build_settings_app("sample_data", lang="zh", scenarios_folder=tmp_path_factory.mktemp("scenarios"))


@pytest.fixture
def settings(settings_app):
    app = settings_app
    app.state.lang = "zh"
    app.models["scenario"].start_over()
    editor = app.views["editor"]
    editor.township.value = "__all__"
    return app


def _branches_with(data, rule: str, period: int = 2025) -> list[str]:
    v = wb.check_rules(data, period=period)
    return v.loc[v["rule"] == rule, "branch_id"].tolist()


def test_violation_views_and_filters(settings, sample):
    view = settings.views["violations"]
    v = wb.check_rules(sample, period=2025)
    assert _cards(view.summary.value)["规则问题"] == f"{len(v):,}"   # the overview's label and number
    bars = view.chart.figure.data[0]
    assert _values(bars.x).sum() == len(v) and len(bars.y) == v["rule"].nunique()
    view.rule.value = "no_discipline"
    expected = int((v["rule"] == "no_discipline").sum())
    assert f"筛选后 {expected} 条" in view.shown.value
    assert _rows(view.table.value) == expected and "未设纪检委员" in view.table.value
    town = sample.branches["township"].iloc[0]
    view.township.value = town
    here = v[(v["rule"] == "no_discipline") & v["branch_id"].isin(
        sample.branches.loc[sample.branches["township"] == town, "branch_id"])]
    assert _rows(view.table.value) == len(here)
    view.rule.value = "__all__"
    view.township.value = "__all__"
    view.severity.value = "error"
    assert _rows(view.table.value) == int((v["severity"] == "error").sum())
    assert view.table.value.count("wb-row-bad") == _rows(view.table.value)
    view.severity.value = "__all__"
    view.category.value = "activity"
    assert "错误" not in re.sub(r"<th>.*?</th>", "", view.table.value)
    view.category.value = "__all__"


def test_merge_changes_the_before_after_and_never_the_baseline(settings, sample):
    editor, model, ba = settings.views["editor"], settings.models["scenario"], settings.views["before_after"]
    baseline = settings.state.data
    totals_before = ba.totals.value
    town = "石明乡"
    editor.township.value = town
    ids = [v for _, v in editor.merge_branches.options][:2]
    assert all(sample.branches.set_index("branch_id").loc[i, "township"] == town for i in ids)
    editor.operation.value = "merge"
    editor.merge_branches.value = tuple(ids)
    assert editor.merge_name.value == "石明乡联合党支部"  # suggested from the township
    editor.merge_do.click()
    assert len(model.scenario) == 1 and model.status["ok"]
    assert model.comparison.totals.loc["branches", "after"] == len(sample.branches) - 1
    assert ba.totals.value != totals_before
    assert "<td>支部数</td><td class=\"wb-num\">300</td><td class=\"wb-num\">299</td>" in ba.totals.value
    status = list(model.comparison.branches["status"])
    assert status.count("removed") == 2 and status.count("new") == 1
    assert ba.affected.value.count("撤销") == 2 and "新设" in ba.affected.value
    assert "石明乡联合党支部" in ba.affected.value
    # the new branch is offered for the next operation; the merged ones are gone
    editor.township.value = "__all__"
    offered = [v for _, v in editor.merge_branches.options]
    assert model.scenario.created_ids[0] in offered and ids[0] not in offered
    # the baseline is untouched
    assert settings.state.data is baseline
    assert set(ids) <= set(settings.state.data.branches["branch_id"])
    assert settings.state.data.equals(sample)
    assert "已执行" in editor.status.value and "wb-ok" in editor.status.value


def test_split_by_party_group_by_unit_and_by_members(settings, sample):
    editor, model = settings.views["editor"], settings.models["scenario"]
    editor.operation.value = "split"
    groups = sample.members.groupby("branch_id")["party_group"].nunique()
    big = groups[groups >= 3].index[0]
    editor.split_branch.value = big
    editor.split_by.value = "party_group"
    assert "按党小组分为" in editor.split_preview.value
    editor.split_do.click()
    assert len(model.scenario) == 1
    assert len(model.scenario.created_ids) == groups[big] - 1
    assert model.comparison.totals.loc["branches", "change"] == groups[big] - 1
    # a village has no units: refused, with the reason, and the scenario stays as it was
    editor.split_branch.value = big
    editor.split_by.value = "unit"
    assert "没有可用于拆分" in editor.split_preview.value
    editor.split_do.click()
    assert len(model.scenario) == 1 and not model.status["ok"]
    assert "wb-bad" in editor.status.value and "Traceback" not in editor.status.value
    # by chosen members
    editor.split_by.value = "members"
    members = [v for _, v in editor.split_members.options][-3:]
    editor.split_members.value = tuple(members)
    editor.split_do.click()
    assert len(model.scenario) == 2
    after = model.current().members.set_index("member_id")
    assert after.loc[members, "branch_id"].nunique() == 1
    assert after.loc[members[0], "branch_id"] == model.scenario.created_ids[-1]


def test_move_members(settings):
    editor, model, ba = settings.views["editor"], settings.models["scenario"], settings.views["before_after"]
    editor.operation.value = "move"
    editor.move_from.value = "B00010"
    moving = tuple(v for _, v in editor.move_members.options[-2:])
    editor.move_members.value = moving
    editor.move_to.value = "B00003"
    editor.move_do.click()
    assert len(model.scenario) == 1
    rows = model.comparison.branches
    assert rows.loc["B00010", "members_after"] == rows.loc["B00010", "members_before"] - 2
    assert rows.loc["B00003", "members_after"] == rows.loc["B00003", "members_before"] + 2
    assert model.comparison.totals.loc["members", "change"] == 0
    assert "B00010" in ba.affected.value and "B00003" in ba.affected.value
    # moving to the branch they are in is refused; the scenario is unchanged
    editor.move_from.value = "B00003"
    editor.move_members.value = (moving[0],)
    editor.move_to.value = "B00003"
    editor.move_do.click()
    assert len(model.scenario) == 1 and not model.status["ok"]
    assert "操作未执行，方案保持不变" in editor.status.value


def test_appoint_a_discipline_member_removes_the_violation(settings, sample):
    editor, model = settings.views["editor"], settings.models["scenario"]
    branch = _branches_with(sample, "no_discipline")[0]
    editor.operation.value = "appoint"
    editor.appoint_branch.value = branch
    assert editor.appoint_role.value == "discipline"
    ordinary = [v for label, v in editor.appoint_member.options if label.endswith("· 党员")]
    editor.appoint_member.value = ordinary[0]
    editor.appoint_do.click()
    assert model.status["ok"], model.status
    totals = model.comparison.totals
    assert totals.loc["rule:no_discipline", "after"] == totals.loc["rule:no_discipline", "before"] - 1
    row = model.comparison.branches.loc[branch]
    assert row["errors_after"] < row["errors_before"]
    assert model.current().members.set_index("member_id").loc[ordinary[0], "role"] == "discipline"


def test_undo_suggest_and_reset(settings, sample):
    model, steps = settings.models["scenario"], settings.views["steps"]
    assert steps.undo.disabled
    model.appoint("M0000018", "discipline")
    model.move(["M0000001"], to="B00003")
    assert len(model.scenario) == 2 and steps.steps.value.count("<li>") == 2
    steps.undo.click()
    assert len(model.scenario) == 1 and model.status["key"] == "step_undone"
    assert "已撤销" in settings.views["editor"].status.value
    assert model.comparison.totals.loc["members", "change"] == 0
    steps.suggest.click()
    suggested = model.scenario
    assert len(suggested) >= 10 and model.status["key"] == "suggested"
    # it replaced the one step: the page says so, and undo takes it back
    assert "替换了原有 1 步" in settings.views["editor"].status.value
    assert steps.undo.tooltip == "撤销：载入建议方案"
    totals = model.comparison.totals
    assert totals.loc["errors", "after"] < totals.loc["errors", "before"]
    assert "理由" in steps.steps.value  # the suggested steps carry their reasons
    steps.reset.click()
    assert len(model.scenario) == 0 and model.comparison.totals["change"].abs().sum() == 0
    assert "替换了原有" in settings.views["editor"].status.value
    steps.undo.click()   # clearing is undone: the suggested steps are back
    assert model.scenario == suggested and model.status["key"] == "replace_undone"
    assert f"恢复为原来的 {len(suggested)} 步" in settings.views["editor"].status.value
    steps.undo.click()   # loading the suggestion is undone: the one step is back
    assert [op.op for op in model.scenario.operations] == ["appoint"]
    steps.undo.click()
    assert len(model.scenario) == 0 and steps.undo.disabled
    steps.undo.click()
    assert model.status["key"] == "nothing_to_undo" and not model.status["ok"]


def test_save_and_load_yaml(settings, tmp_path):
    model, steps = settings.models["scenario"], settings.views["steps"]
    model.merge(["B00031", "B00032"], name="示范联合党支部")
    model.appoint("M0000018", "discipline")
    ops = model.scenario.operations
    steps.name.value = "两步方案"
    path = steps.save_scenario()
    assert path.exists() and path.name == "两步方案.yaml"
    assert "download=" in steps.link.value and steps.saved.value == str(path)
    steps.reset.click()
    assert len(model.scenario) == 0
    steps.load.click()
    assert model.scenario.operations == ops and model.status["key"] == "scenario_loaded"
    assert model.status["zh"]["n"] == 2
    comparison = model.comparison
    # an uploaded file does the same
    steps.reset.click()
    raw = path.read_bytes()
    steps.upload.value = ({"name": "up.yaml", "type": "application/x-yaml", "size": len(raw),
                           "content": memoryview(raw), "last_modified": NOW},)
    assert model.scenario.operations == ops
    pd.testing.assert_frame_equal(model.comparison.totals, comparison.totals)
    # a broken file is refused and leaves the scenario as it was
    bad = yaml.safe_dump({"steps": [{"op": "merge", "branch_ids": ["B00031", "NOPE"], "name": "x"}]}).encode()
    steps.upload.value = ({"name": "bad.yaml", "type": "application/x-yaml", "size": len(bad),
                           "content": memoryview(bad), "last_modified": NOW},)
    assert model.scenario.operations == ops and not model.status["ok"]
    assert "bad.yaml" in settings.views["editor"].status.value
    assert model.load_text(b"steps: [", name="broken.yaml") is False
    assert "not valid YAML" in model.status["en"]["message"]
    assert "broken.yaml：不是有效的YAML文件（第1行第9列附近）" in model.status["zh"]["message"]


def test_failed_operation_shows_the_scenario_error_in_the_current_language(settings):
    model, editor = settings.models["scenario"], settings.views["editor"]
    editor.operation.value = "move"
    editor.move_from.value = "B00003"
    member = editor.move_members.options[0][1]
    editor.move_members.value = (member,)
    editor.move_to.value = "B00003"
    editor.move_do.click()
    assert not model.status["ok"] and len(model.scenario) == 0
    zh = f"转移：党员{member}已在支部B00003中；党员不能转移到其所在的支部"
    en = f"move: member '{member}' is already in 'B00003'; a member cannot move to its own branch"
    shown = html.unescape(editor.status.value)
    assert "操作未执行，方案保持不变。原因：" + zh in shown and "already in" not in shown
    settings.state.lang = "en"  # the same refusal re-renders in English
    shown = html.unescape(editor.status.value)
    assert "Not done; the scenario is unchanged. Reason: " + en in shown and "转移" not in shown
    settings.state.lang = "zh"
    assert zh in html.unescape(editor.status.value)


def test_refusals_are_bilingual_messages_not_tracebacks(settings):
    model, editor = settings.models["scenario"], settings.views["editor"]
    assert model.merge(["B00031"], name="x") is False and model.status["key"] == "need_two_branches"
    assert "请至少选择两个支部" in editor.status.value
    assert model.merge(["B00001", "B00100"], name="x") is False and model.status["key"] == "need_same_township"
    assert model.merge(["B00031", "B00032"], name=" ") is False and model.status["key"] == "need_name"
    assert model.appoint(None) is False and model.status["key"] == "need_members"
    assert model.move(["M0000001"], to=None) is False and model.status["key"] == "need_target"
    assert len(model.scenario) == 0
    settings.state.lang = "en"
    assert "Pick a branch to move to" in editor.status.value
    settings.state.lang = "zh"


def test_language_toggle_relabels_the_settings_app(settings):
    app = settings
    model = app.models["scenario"]
    model.merge(["B00031", "B00032"], name="联合")
    app.state.lang = "en"
    text = _texts(app)
    for label in ("Rule violations in the county", "Merge", "Split", "Move members", "Appoint",
                  "Undo last step", "Load suggested scenario", "Before and after", "County totals", "Branches touched"):
        assert label in text, label
    assert "Done: merge 2 branches" in app.views["editor"].status.value
    assert app.views["violations"].chart.figure.layout.annotations[0].text == "By rule"
    assert app.views["before_after"].chart.figure.layout.annotations[0].text == "Grades"
    assert not re.search(r"[\u4e00-\u9fff]", app.views["editor"].operation.options[0][0])
    app.state.lang = "zh"
    assert "调整前后对比" in _texts(app)


# ================================================================= inspection

@pytest.fixture(scope="module")
def inspection_app(tmp_path_factory):
    return build_inspection_app("sample_data", lang="zh", exports_folder=tmp_path_factory.mktemp("exports"))


@pytest.fixture
def inspection(inspection_app):
    view = inspection_app.views["problems"]
    for control in (view.category, view.severity, view.township, view.status):
        control.value = "__all__"
    view.overdue.value = False
    inspection_app.state.lang = "zh"
    return inspection_app


def _statuses(html: str) -> list[str]:
    return re.findall(r"<span class='wb-pill'[^>]*>([^<]+)</span>", html)


def test_overdue_only_shows_only_overdue_rows(inspection, sample):
    view, model = inspection.views["problems"], inspection.models["inspection"]
    assert set(model.filtered["status"]) == {"overdue", "open", "closed_late", "closed"}
    view.status.value = "closed"
    assert set(_statuses(view.table.value)) == {"已销号"}
    view.status.value = "__all__"
    view.overdue.value = True
    shown = _statuses(view.table.value)
    assert shown and set(shown) == {"逾期未整改"}
    expected = int((problem_list(sample, period=2025)["status"] == "overdue").sum())
    assert len(model.filtered) == expected and (model.filtered["status"] == "overdue").all()
    assert f"共 {expected} 个问题，其中逾期 {expected} 个" in view.summary.value
    assert view.table.value.count("wb-row-bad") == min(expected, 100)
    # the longest overdue first
    days = model.filtered["days_overdue"].tolist()
    assert days == sorted(days, reverse=True)


def test_problem_filters_combine(inspection):
    view, model = inspection.views["problems"], inspection.models["inspection"]
    view.category.value = "records"
    view.severity.value = "general"
    town = model.problems["township"].iloc[0]
    view.township.value = town
    f = model.filtered
    assert len(f) > 0
    assert set(f["category"]) == {"records"} and set(f["severity"]) == {"general"} and set(f["township"]) == {town}
    assert _rows(view.table.value) == len(f)
    assert all(c == "台账资料" for c in re.findall(r"<td>(台账资料|组织生活|教育管理|其他)</td>", view.table.value))
    # the progress chart follows the category, severity and township filters
    history = model.history
    expected = history[(history["category"] == "records") & (history["severity"] == "general")
                       & (history["township"] == town)]
    assert model.progress["found"].iloc[-1] == len(expected)
    assert _values(view.chart.figure.data[2].y)[-1] == len(expected)
    view.status.value = "closed"
    assert set(model.filtered["status"]) <= {"closed"}


def test_export_of_the_filtered_list(inspection):
    view, model = inspection.views["problems"], inspection.models["inspection"]
    view.overdue.value = True
    path = view.export_excel()
    frame = pd.read_excel(path)
    assert len(frame) == len(model.filtered) and set(frame["状态"]) == {"逾期未整改"}
    about = pd.read_excel(path, sheet_name=1)
    assert ["只看逾期", "✓"] in about.astype(str).to_numpy().tolist(), about  # the filter that made the list
    assert ["背景", "2025 年度"] in about.astype(str).to_numpy().tolist(), about  # and the year, scheme, data
    assert "download=" in view.export_status.value and path.name in view.export_status.value
    assert not list(path.parent.glob(".*.xlsx")), "no temporary file left behind"


def test_completion_heat_map_by_township_and_branch(inspection, sample):
    view, model = inspection.views["completion"], inspection.models["inspection"]
    fig = view.chart.figure
    towns = sample.branches["township"].nunique()
    assert len(fig.data[0].y) == towns and len(fig.data[0].x) == 5
    view.scope.value = "石明乡"
    fig = view.chart.figure  # the chart shows a new figure
    names = sample.branches.set_index("branch_id")
    here = names[names["township"] == "石明乡"]
    assert sorted(fig.data[0].y) == sorted(here["name"])
    # the weakest branch is on top (plotly draws the last row on top)
    overall = model.matrix.loc[here.index, "overall"]
    assert fig.data[0].y[-1] == names.loc[overall.idxmin(), "name"]
    assert _values(fig.data[0].z)[-1][-1] == pytest.approx(overall.min())
    view.scope.value = "__all__"


def test_scores_kpis_period_and_language(inspection, sample):
    kpis, scores = inspection.views["kpis"], inspection.views["scores"]
    assert "558" in kpis.widget.value and "143" in kpis.widget.value
    assert [t.name for t in scores.chart.figure.data] == ["平台检查", "现场检查", "资料抽查"]
    inspection.state.period = 2024
    assert "558" not in kpis.widget.value
    assert "2024-12-31" in inspection.views["problems"].summary.value
    inspection.state.period = 2025
    inspection.state.lang = "en"
    text = _texts(inspection)
    for label in ("Problems found", "Overdue only", "Problem list", "Export problem list (Excel)",
                  "Three meetings and one lesson: completion", "Rectification over time"):
        assert label in text, label
    assert [t.name for t in scores.chart.figure.data] == ["Platform", "On-site", "Records"]
    assert "Overdue" in _statuses(inspection.views["problems"].table.value)


# =================================================================== research

@pytest.fixture(scope="module")
def research_app(tmp_path_factory):
    return build_research_app("sample_data", lang="zh", key="test-key",
                              exports_folder=tmp_path_factory.mktemp("exports"))


def test_correlation_sets(research_app):
    view, model = research_app.views["correlations"], research_app.models["research"]
    z = _values(view.chart.figure.data[0].z)
    assert z.shape == (5, 5) and np.allclose(np.diag(z), 1)
    view.set.value = "dimensions"
    assert _values(view.chart.figure.data[0].z).shape == (9, 9)
    view.set.value = "dim:red"
    z = _values(view.chart.figure.data[0].z)
    red = model.result.indicators[["red_sessions", "trained_share", "themed_day_completion"]]
    assert z[0, 1] == pytest.approx(red.corr().iloc[0, 1])
    view.method.value = "spearman"
    assert _values(view.chart.figure.data[0].z)[0, 1] == pytest.approx(
        red.corr(method="spearman").iloc[0, 1])
    view.set.value, view.method.value = "functions", "pearson"


def test_scatter_fit_and_pseudonyms(research_app, sample):
    view, model = research_app.views["scatter"], research_app.models["research"]
    view.x.value = "three_meetings_completion"
    view.y.value = "satisfaction"
    fig = view.chart.figure
    assert [t.mode for t in fig.data] == [None, "markers", "lines"]  # band, branches, line
    points = fig.data[1]
    assert len(_values(points.x)) == model.frame[["three_meetings_completion", "satisfaction"]].dropna().shape[0]
    assert all(str(t).startswith("B-") for t in points.text)
    assert not set(points.text) & set(sample.branches["name"])
    fit = model.fit()
    assert f"n = {fit.n}" in view.summary.value and fit.slope > 0


def test_regression_table(research_app):
    view, model = research_app.views["regression"], research_app.models["research"]
    view.outcome.value = "satisfaction"
    view.predictors.value = ("attendance_rate", "committee_meetings")
    assert _rows(view.table.value) == 3
    assert "常数项" in view.table.value and "党员大会参会率" in view.table.value
    reg = model.regression()
    assert f"n = {reg.n}" in view.summary.value
    view.standardize.value = True
    view.predictors.value = ("attendance_rate",)
    pair = model.frame[["attendance_rate", "satisfaction"]].dropna()
    assert model.regression().table.loc["attendance_rate", "coef"] == pytest.approx(pair.corr().iloc[0, 1])
    view.predictors.value = ()
    assert "wb-bad" in view.summary.value and view.table.value == ""
    view.standardize.value = False
    view.predictors.value = ("general_meeting_decisions", "committee_meetings", "attendance_rate")


def test_clusters_and_coherence(research_app):
    clusters, coh, model = research_app.views["clusters"], research_app.views["coherence"], \
        research_app.models["research"]
    clusters.k.value = 3
    assert len(clusters.chart.figure.data) == 4  # county mean + 3 clusters
    assert _rows(clusters.table.value) == 3
    sizes = [int(s) for s in re.findall(r"<tr><td class=\"wb-num\">\d</td><td class=\"wb-num\">(\d+)</td>",
                                        clusters.table.value)]
    assert sum(sizes) == len(model.frame)
    clusters.k.value = 4
    # Cronbach's alpha of "red" against the formula on the normalized scores
    items = model.result.indicators[["red_sessions", "trained_share", "themed_day_completion"]].dropna().to_numpy()
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert model.coherence.dimensions.loc["red", "alpha"] == pytest.approx(alpha)
    assert f"{alpha:.2f}" in coh.dimensions.value
    assert cronbach_alpha(model.result.indicators[["red_sessions", "trained_share", "themed_day_completion"]]) \
        == pytest.approx(alpha)


def test_movers_and_no_names_anywhere(research_app, sample):
    view, model = research_app.views["movers"], research_app.models["research"]
    mv = model.movers()
    assert f"{len(mv.branches)} 个支部由规范升为三强" in view.summary.value
    assert view.branches.value.count("<td>B-") == len(mv.branches)
    text = _texts(research_app)
    for name in list(sample.branches["name"]) + list(sample.members["name"].head(500)):
        assert name not in text
    research_app.state.period = 2024
    assert "需要前一年度的数据" in view.summary.value and view.chart.widget.layout.display == "none"
    research_app.state.period = 2025
    assert view.chart.widget.layout.display is None


def test_research_export_and_language(research_app):
    export = research_app.views["export"]
    path = export.export()
    sheets = pd.read_excel(path, sheet_name=None)
    # sheets and the headers of indicators in the reader's language; branches pseudonymised
    assert {"相关系数", "回归", "聚类", "维度一致性", "变动最大的支部"} <= set(sheets)
    assert sheets["变动最大的支部"]["code"].str.startswith("B-").all()
    fw = research_app.state.framework
    labels = {fw.label(i, "zh") for i in fw.indicator_ids}
    assert labels & set(sheets["相关系数"].columns) and not set(fw.indicator_ids) & set(sheets["相关系数"].columns)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    research_app.state.lang = "en"
    assert {"Correlations", "Movers"} <= set(pd.read_excel(export.export(), sheet_name=None))
    text = _texts(research_app)
    for label in ("Correlation matrix", "Regression (OLS, HC3 robust errors)", "Indicator coherence",
                  "Pseudonymised", "From Standardized to Strong"):
        assert label in text, label
    research_app.state.lang = "zh"


def test_the_research_page_carries_the_diagnostics_of_its_data(research_app):
    from workbench.studies.diagnostics import weight_importance

    model, view = research_app.models["diagnostics"], research_app.views["diagnostics"]
    assert view.widget in research_app.widget.children
    state = research_app.state
    assert model.result.total.index.equals(research_app.models["research"].result.total.index)
    expected = weight_importance(model.result)
    assert list(view.imp_chart.figure.data[1].x) == pytest.approx(expected["s1_share"].tolist())
    assert "名义权重与实际影响" in view.imp_title.value
    state.lang = "en"
    try:
        assert "名义权重" not in view.imp_title.value and view.imp_title.value
    finally:
        state.lang = "zh"
