"""The weight explorer, headless: each test builds its own app and acts through its widgets."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import workbench as wb
from workbench.views import build_weight_explorer


@pytest.fixture
def explorer(tmp_path):
    return build_weight_explorer("sample_data", lang="zh", schemes_folder=tmp_path / "schemes",
                                 state_dir=tmp_path / "state")


def test_moving_a_slider_rescores_and_changes_the_ranking(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    before = scoring.result
    ranking_text = list(explorer.views["ranking"].chart.figure.data[0].text)
    panel.sliders["team"].value = 60
    assert scoring.result is not before
    assert scoring.scheme.dimension_weights["team"] == pytest.approx(0.6, abs=1e-15)
    assert sum(scoring.percents[d] for d in scoring.framework.dimension_ids) == pytest.approx(100)
    assert scoring.comparison.table["shift"].abs().sum() > 0
    assert list(explorer.views["ranking"].chart.figure.data[0].text) != ranking_text
    assert "Kendall" in explorer.views["ranking"].summary.value
    # the others followed (auto-balance), show whole percents adding up to 100, and are not moves
    shown = [panel.sliders[d].value for d in scoring.framework.dimension_ids]
    assert sum(shown) == 100 and scoring.preset == "custom"
    assert panel.sliders["education"].value == scoring.shown_percent("education")


def test_the_browser_echoing_a_shown_value_changes_nothing(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.preset.value = "equal"
    exact = scoring.scheme.weights
    for d in scoring.framework.dimension_ids:  # the browser reports every slider as it shows it
        panel.sliders[d].value = panel.sliders[d].value
    assert scoring.scheme.weights == exact and scoring.preset == "equal"


def test_lock_and_renormalize(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.locks["inspection"].value = True
    assert panel.sliders["inspection"].disabled
    panel.sliders["team"].value = 40
    assert scoring.percents["inspection"] == pytest.approx(25)
    panel.sliders["inspection"].value = 3   # a disabled slider changed by a crafted message: refused
    assert scoring.percents["inspection"] == pytest.approx(25) and panel.sliders["inspection"].value == 25
    panel.auto.value = False
    panel.sliders["team"].value = 70
    assert scoring.group_total("team") > 100
    assert "wb-sum-bad" in panel.dim_sum.value
    panel.renormalize.click()
    assert scoring.group_total("team") == pytest.approx(100)
    assert scoring.percents["inspection"] == pytest.approx(25)


def test_presets_are_exact_and_named_in_the_export(explorer):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.preset.value = "equal"
    assert all(float(v) == 1 / 6 for v in scoring.scheme.dimension_weights)
    path = explorer.views["export"].export_excel()
    method = pd.read_excel(path, sheet_name="方法 Method").set_index("项目 Item")["值 Value"]
    assert method["方案 Scheme"] == "equal"
    weights = pd.read_excel(path, sheet_name="权重 Weights")
    assert weights["维度权重 Dimension weight"].round(12).eq(round(1 / 6, 12)).all()
    panel.preset.value = "default"
    assert scoring.percents["inspection"] == pytest.approx(25)


def test_an_inconsistent_ahp_matrix_is_explained_and_applied_only_when_confirmed(explorer):
    ahp, scoring = explorer.views["ahp"], explorer.scoring
    ahp.set_judgement(0, 1, 3)       # team 3x education
    ahp.set_judgement(1, 2, 3)       # education 3x organization
    ahp.set_judgement(0, 2, 1 / 5)   # yet organization 5x team
    cr = ahp.consistency()
    assert cr > 0.1 and "wb-bad" in ahp.cr.value and f"{cr:.3f}" in ahp.cr.value
    worst = ahp.worst()
    assert (int(worst["i"]), int(worst["j"])) in {(0, 1), (1, 2), (0, 2)}
    assert "最不一致" in ahp.diagnosis.value and ahp.fix.layout.display is None
    before = scoring.scheme
    ahp.apply.click()                # not applied: asked first
    assert scoring.scheme is before and ahp.asking.layout.display is None
    ahp.cancel.click()
    assert scoring.scheme is before and ahp.asking.layout.display == "none"
    ahp.fix.click()                  # take the suggestion: more consistent
    assert ahp.consistency() < cr
    ahp.apply.click()
    if ahp.consistency() > 0.1:
        ahp.confirm.click()
    w, _ = wb.weights.ahp(ahp.matrix(), warn=False)
    assert scoring.scheme.dimension_weights.to_numpy() == pytest.approx(w)
    assert scoring.preset == "ahp" and scoring.scheme.origin["cr"] == pytest.approx(ahp.consistency())


def test_ahp_headers_are_whole_in_english(explorer):
    explorer.state.lang = "en"
    ahp = explorer.views["ahp"]
    assert "Team and reserve cadres" in ahp.col_labels[0].value


def test_save_list_reload_and_download_a_scheme_exactly(explorer):
    store, panel, scoring = explorer.views["store"], explorer.views["panel"], explorer.scoring
    assert store.saved.options[0][0] == "尚无保存的方案"
    panel.preset.value = "equal"
    panel.sliders["red"].value = 30
    exact = scoring.scheme.weights
    store.name.value = "红色优先"
    store.note.value = "2025 年 11 月 常委会"
    path = store.save_scheme()
    assert path.exists() and path.name == "红色优先.yaml"
    assert [label for label, _ in store.saved.options][1:] == ["红色优先"] and store.saved.value == str(path)
    assert "download=" in store.download.value
    panel.preset.value = "default"
    store.saved.value = str(path)
    store.load.click()
    assert scoring.scheme.weights == exact
    assert scoring.scheme.name == "红色优先" and scoring.scheme.note == "2025 年 11 月 常委会"
    assert "红色优先" in store.status.widget.value
    exported = explorer.views["export"].export_excel()
    method = pd.read_excel(exported, sheet_name="方法 Method").set_index("项目 Item")["值 Value"]
    assert method["方案 Scheme"] == "红色优先" and method["方案说明 Note"] == "2025 年 11 月 常委会"


def test_a_write_in_progress_is_never_listed_and_a_bad_upload_is_refused(explorer, tmp_path):
    store = explorer.views["store"]
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / ".half.yaml.tmp.yaml").write_text("scheme: x")
    store.render()
    assert all(not label.startswith(".") for label, _ in store.saved.options)
    store.upload.value = ({"name": "evil.yaml", "type": "", "size": 9, "content": memoryview(b"a: [1, 2"),
                           "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)
    assert "wb-bad" in store.status.widget.value


def test_language_switch_changes_labels_and_status_lines(explorer):
    state, ranking = explorer.state, explorer.views["ranking"]
    explorer.views["export"].export_excel()
    state.lang = "en"
    assert "Weight explorer" in explorer.views["header"].title.value
    assert "Team" in explorer.views["panel"].labels["team"].value
    assert ranking.chart.figure.layout.title.text == "Top 10"
    assert '"text":"Top 10"' in ranking.chart.plot.figure_json  # what the page draws
    assert ranking.which.options[1][0] == "Bottom 10"
    assert "Exported" in explorer.views["export"].status.value
    assert explorer.views["panel"].preset.options[0][0] == "Framework default"
    state.lang = "zh"
    assert ranking.chart.figure.layout.title.text == "前 10 名"


def test_a_language_switch_draws_each_chart_once(explorer):
    ranking = explorer.views["ranking"].chart
    draws = ranking.draws
    explorer.state.lang = "en"
    assert ranking.draws == draws + 1


def test_period_switch_recomputes(explorer):
    scoring = explorer.scoring
    explorer.views["header"].period.value = 2024
    assert scoring.result.period == 2024 and scoring.baseline.period == 2024
    explorer.views["header"].period.value = 2025
    assert scoring.result.period == 2025


def test_the_branch_card_and_list_follow_every_new_result(explorer):
    profile, scoring = explorer.views["profile"], explorer.scoring
    branch = scoring.result.frame().index[-1]
    profile.branch.value = branch
    name = explorer.state.names[branch]
    assert name in profile.heading.value and f"{scoring.result.total[branch]:.1f}" in profile.heading.value
    explorer.views["panel"].sliders["functions"].value = 60
    total = scoring.result.total[branch]
    assert f"{total:.1f}" in profile.heading.value
    radar = profile.radar.figure
    assert list(radar.data[1].r[:-1]) == pytest.approx(list(scoring.result.dimensions.loc[branch]))
    label = dict((v, k) for k, v in profile.branch.options)[branch]
    assert label.startswith(f"{int(scoring.result.rank[branch])}. ")


def test_robustness_lists_the_branches_decided_by_the_weighting(explorer):
    view, model = explorer.views["robustness"], explorer.models["robustness"]
    model.n = 40
    view.run.click()
    result = model.result
    assert len(result.summary) == len(explorer.state.data.branches)
    assert view.chart.widget.layout.display is None and len(view.chart.figure.data) == 2
    decided = result.summary.index[result.summary["decided_by_weighting"]]
    assert len(view.table.model.frame) == len(decided) > 0
    assert set(view.table.model.frame["branch_id"]) == set(decided)
    assert str(len(decided)) in view.summary.value
    path = view.table.export()
    assert len(pd.read_excel(path)) == len(decided)
    explorer.views["panel"].sliders["team"].value = 30  # a new weighting makes the intervals stale
    assert model.result is None and view.chart.widget.layout.display == "none"


def test_exports_say_what_they_show(explorer):
    export = explorer.views["export"]
    assert [label for label, _ in export.chart.options][:2] == ["排名（前 / 后）", "等次分布"]
    xlsx = export.export_excel()
    assert xlsx.exists() and "结果 Results" in pd.ExcelFile(xlsx).sheet_names
    assert oct(xlsx.stat().st_mode & 0o777) == "0o600"
    assert "download=" in export.status.value
    export.chart.value = "ranking"
    html_file = export.export_chart(".html")
    text = html_file.read_text(encoding="utf-8")
    # offline (plotly.js inside), as wide as the window, and saying which year, scheme and data
    assert 'src="http' not in text and "Plotly.newPlot" in text and len(text) > 1_000_000
    assert json.dumps("2025 年度")[1:-1] in text and "sample_data" in text
    assert "width:100%" in text.replace(" ", "")
    png = export.export_chart(".png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
