"""Headless widget tests: set widget values as a user would and check the models and charts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.views.apps import build_overview_app, build_weight_explorer
from workbench.studies.kpis import county_kpis
from workbench.views.widgets import rebalance
from workbench.views.widgets.components import problems_html


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    return build_weight_explorer("sample_data", lang="zh", schemes_folder=tmp_path_factory.mktemp("schemes"))


@pytest.fixture(scope="module")
def overview():
    return build_overview_app("sample_data", lang="zh")


def _upload(picker, files: dict[str, bytes]):
    picker.mode.value = "upload"
    picker.upload.value = tuple(
        {"name": name, "type": "text/csv", "size": len(raw), "content": memoryview(raw),
         "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)} for name, raw in files.items())
    return picker.load()


# ------------------------------------------------------------------ weights

def test_moving_a_slider_rescores_and_changes_the_ranking(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    before = scoring.result
    ranking_text = list(explorer.views["ranking"].chart.figure.data[0].text)
    panel.sliders["team"].value = 60
    assert scoring.result is not before
    assert scoring.scheme.dimension_weights["team"] == pytest.approx(0.6)
    assert sum(scoring.percents[d] for d in scoring.framework.dimension_ids) == pytest.approx(100)
    assert scoring.comparison.table["shift"].abs().sum() > 0
    assert list(explorer.views["ranking"].chart.figure.data[0].text) != ranking_text
    assert "Kendall" in explorer.views["ranking"].summary.value
    # the other sliders followed (auto-balance) and show the model's values
    assert panel.sliders["education"].value == pytest.approx(scoring.percents["education"])
    explorer.views["panel"].preset.value = "default"
    assert scoring.percents["team"] == pytest.approx(15)


def test_lock_and_renormalize(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.locks["inspection"].value = True
    assert panel.sliders["inspection"].disabled
    panel.sliders["team"].value = 40
    assert scoring.percents["inspection"] == pytest.approx(25)
    panel.auto.value = False
    panel.sliders["team"].value = 70
    assert scoring.group_total("team") > 100
    assert "wb-sum-bad" in panel.dim_sum.value
    panel.renormalize.click()
    assert scoring.group_total("team") == pytest.approx(100)
    assert scoring.percents["inspection"] == pytest.approx(25)
    panel.auto.value = True
    panel.locks["inspection"].value = False
    panel.preset.value = "default"


def test_indicator_sliders_balance_within_their_dimension(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.sliders["satisfaction"].value = 60
    functions = [i.id for i in scoring.framework.dimension("functions").indicators]
    assert sum(scoring.percents[i] for i in functions) == pytest.approx(100)
    assert scoring.scheme.indicator_weights["satisfaction"] == pytest.approx(0.6)
    panel.preset.value = "default"


def test_presets_change_weights(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    for name in ("equal", "entropy", "critic"):
        panel.preset.value = name
        assert scoring.preset == name
        assert scoring.scheme.effective_weights.sum() == pytest.approx(1)
    panel.preset.value = "equal"
    assert scoring.percents["team"] == pytest.approx(100 / 6)
    panel.preset.value = "default"
    assert scoring.percents["inspection"] == pytest.approx(25)


def test_ahp_editor_reports_consistency_and_applies(explorer):
    ahp = explorer.views["ahp"]
    ahp.set_judgement(0, 1, 3)       # team 3x education
    ahp.set_judgement(1, 2, 3)       # education 3x organization
    ahp.set_judgement(0, 2, 1 / 5)   # but organization 5x team: inconsistent
    cr = ahp.consistency()
    assert cr == pytest.approx(wb.weights.consistency_ratio(ahp.matrix()))
    assert cr > 0.1 and "wb-bad" in ahp.cr.value and f"{cr:.3f}" in ahp.cr.value
    for cell in ahp.cells.values():
        cell.value = 1.0
    ahp.set_judgement(0, 1, 2)      # team twice as important as education, the rest equal
    assert ahp.consistency() < 0.1 and "wb-ok" in ahp.cr.value
    ahp.apply.click()
    w, _ = wb.weights.ahp(ahp.matrix())
    assert explorer.scoring.scheme.dimension_weights.to_numpy() == pytest.approx(w)
    assert explorer.scoring.preset == "ahp"
    explorer.views["panel"].preset.value = "default"


def test_save_and_load_a_named_scheme(explorer):
    store, panel, scoring = explorer.views["store"], explorer.views["panel"], explorer.scoring
    panel.sliders["red"].value = 30
    store.name.value = "红色优先"
    path = store.save_scheme()
    assert path.exists() and path.name == "红色优先.yaml"
    panel.preset.value = "default"
    assert scoring.percents["red"] == pytest.approx(10)
    store.saved.value = str(path)
    store.load.click()
    assert scoring.percents["red"] == pytest.approx(30)
    assert "红色优先" in store.status.value
    panel.preset.value = "default"


def test_language_switch_changes_labels(explorer):
    state, ranking = explorer.state, explorer.views["ranking"]
    state.lang = "en"
    assert "Weight explorer" in explorer.views["header"].title.value
    assert "Team" in explorer.views["panel"].labels["team"].value
    assert ranking.chart.figure.layout.title.text == "Top 10"
    assert '"text":"Top 10"' in ranking.chart.plot.figure_json  # what the page draws
    assert ranking.which.options[1][0] == "Bottom 10"
    state.lang = "zh"
    assert ranking.chart.figure.layout.title.text == "前 10 名"
    assert "队伍建设" in explorer.views["panel"].labels["team"].value


def test_period_switch_recomputes(explorer):
    scoring = explorer.scoring
    explorer.views["header"].period.value = 2024
    assert scoring.result.period == 2024 and scoring.baseline.period == 2024
    explorer.views["header"].period.value = 2025
    assert scoring.result.period == 2025


def test_profile_shows_the_chosen_branch(explorer):
    profile = explorer.views["profile"]
    branch = explorer.scoring.result.frame().index[-1]
    profile.branch.value = branch
    name = explorer.state.names[branch]
    fig = profile.chart.figure
    assert name in fig.layout.title.text
    assert fig.data[1].type == "scatterpolar" and len(fig.data[2].y) > 0


def test_robustness_view(explorer):
    view = explorer.views["robustness"]
    view.n = 40
    result = view.compute()
    assert len(result.summary) == len(explorer.state.data.branches)
    assert view.chart.widget.layout.display is None
    assert len(view.chart.figure.data) == 2
    explorer.views["panel"].sliders["team"].value = 30  # a new weighting makes the intervals stale
    assert view.result is None and view.chart.widget.layout.display == "none"
    explorer.views["panel"].preset.value = "default"


def test_exports(explorer, tmp_path):
    export = explorer.views["export"]
    export.folder = tmp_path
    assert [label for label, _ in export.chart.options][:2] == ["排名（前 / 后）", "等次分布"]
    explorer.state.lang = "en"
    assert [label for label, _ in export.chart.options][:2] == ["Ranking (top / bottom)", "Grades"]
    explorer.state.lang = "zh"
    xlsx = export.export_excel()
    assert xlsx.exists() and "结果 Results" in pd.ExcelFile(xlsx).sheet_names
    assert "download=" in export.status.value
    export.chart.value = "ranking"
    html_file = export.export_chart(".html")
    text = html_file.read_text(encoding="utf-8")
    # offline: plotly.js is inside the file, no script is fetched from elsewhere
    assert 'src="http' not in text and "Plotly.newPlot" in text and len(text) > 1_000_000
    png = export.export_chart(".png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=2, max_size=7), st.integers(0, 6), st.floats(-10, 120),
       st.sets(st.integers(0, 6), max_size=3))
def test_rebalance_keeps_the_sum_and_the_locks(raw, pick, value, locked_idx):
    total = sum(raw)
    if total == 0:
        return
    values = {f"k{i}": 100 * v / total for i, v in enumerate(raw)}
    keys = list(values)
    changed = keys[pick % len(keys)]
    locked = {keys[i] for i in locked_idx if i < len(keys)} - {changed}
    out = rebalance(values, changed, value, locked)
    for k in locked:
        assert out[k] == pytest.approx(values[k])
    assert all(v >= -1e-9 for v in out.values())
    if len(locked) < len(keys) - 1:
        assert sum(out.values()) == pytest.approx(100)


# ------------------------------------------------------------------ overview, data

def test_overview_kpis(overview):
    state, scoring = overview.state, overview.scoring
    k = county_kpis(state.data, scoring.table, scoring.result)
    html = overview.views["kpis"].widget.value
    assert f"{k['branches']:,}" in html and f"{k['members']:,}" in html
    assert f"{k['rectification_rate']:.0%}" in html
    assert k["grades"]["strong"] == int((scoring.result.grade == "strong").sum())
    grades = overview.views["grades"].figure
    assert list(grades.data[0].y) == list(scoring.result.grade_counts())
    towns = overview.views["townships"].figure
    assert set(towns.data[0].y) == set(state.data.branches["township"])


def test_bad_upload_shows_problems_and_keeps_the_data(overview, small):
    state, picker = overview.state, overview.views["picker"]
    before = state.data
    files = {f"{name}.csv": frame.to_csv(index=False).encode() for name, frame in small.tables().items()}
    files["members.csv"] = files["members.csv"].replace(b"formal", b"honorary", 1)
    assert _upload(picker, files) is False
    assert state.data is before
    assert "honorary" in picker.problems.value and "members.csv" in picker.problems.value
    assert "wb-bad" in picker.status.value
    # a good upload replaces the data and clears the problems; the charts follow
    files["members.csv"] = small.members.to_csv(index=False).encode()
    assert _upload(picker, files) is True
    assert len(state.data.branches) == len(small.branches)
    assert picker.problems.value == ""
    assert len(overview.scoring.result.total) == len(small.branches)
    # back to the sample county
    picker.mode.value = "sample"
    assert picker.load() is True and len(state.data.branches) == 300


def test_upload_over_the_limit_is_refused(overview):
    picker = overview.views["picker"]
    limit = picker.max_upload_bytes
    picker.max_upload_bytes = 1000
    try:
        before = overview.state.data
        assert _upload(picker, {"branches.csv": b"x" * 2000}) is False
        assert overview.state.data is before
        assert "1000" in picker.status.value or "KB" in picker.status.value
    finally:
        picker.max_upload_bytes = limit


def test_bad_server_path_keeps_the_data(overview, tmp_path):
    picker, state = overview.views["picker"], overview.state
    picker.mode.value = "path"
    picker.path.value = str(tmp_path / "nowhere")
    before = state.data
    assert picker.load() is False and state.data is before
    assert "no such file" in picker.problems.value
    picker.mode.value = "sample"
    picker.load()


def test_problems_table_is_bilingual_and_escaped():
    problems = pd.DataFrame([{"file": "m.csv", "row": 3, "column": "x", "value": "<b>", "message": "bad"}])
    problems["row"] = problems["row"].astype("Int64")
    zh = problems_html(problems, "zh")
    en = problems_html(problems, "en")
    assert "文件" in zh and "File" in en and "&lt;b&gt;" in zh and "<b>" not in zh.replace("<b>", "", 0)[40:]
    assert np.all([h in en for h in ("Row", "Column", "Value", "Problem")])
