"""The diagnostics section, headless: its numbers are the core's, its words follow the language."""

from __future__ import annotations

import pytest

from workbench.studies.diagnostics import factor_structure, weight_importance
from workbench.views.diagnostics import DiagnosticsModel, DiagnosticsView
from workbench.views.state import AppState


@pytest.fixture(scope="module")
def section():
    state = AppState.from_source("sample_data", lang="zh")
    model = DiagnosticsModel(state, reps=20, trials=5)
    return state, model, DiagnosticsView(state, model)


def test_importance_chart_and_flags_are_the_cores(section):
    state, model, view = section
    expected = weight_importance(model.result)
    fig = view.imp_chart.figure
    assert list(fig.data[0].x) == pytest.approx(expected["weight"].tolist())
    assert list(fig.data[1].x) == pytest.approx(expected["s1_share"].tolist())
    assert "基础建设：权重 15%，只解释了总分差异的" in view.imp_note.value
    view.level.value = "indicators"
    assert len(view.imp_chart.figure.data[0].x) == len(state.framework.indicator_ids)
    view.level.value = "dimensions"


def test_factor_structure_names_the_dimensions_that_share_a_component(section):
    _, model, view = section
    fs = factor_structure(model.result, reps=20)
    assert view.fac_chart.figure.data[0].z.shape == fs.loadings.shape
    assert f"保留 {fs.n_components} 个主成分" in view.fac_note.value
    assert "红色教育、督查整改、功能发挥" in view.fac_note.value
    assert "支委大专以上学历比例" in view.fac_table.value


def test_rank_reversal_on_request_and_in_english(section):
    state, model, view = section
    assert view.rev_table.value == "" and "运行" in view.run.description
    view.variant.value = "minmax"
    view.run.click()
    assert model.reversal is not None and "新增一个支部" in view.rev_table.value
    assert "其他支部的先后会因增减或合并支部而改变" in view.rev_note.value
    view.variant.value = "framework"                  # another scheme: the old study no longer applies
    assert model.reversal is None and view.rev_table.value == ""
    view.run.click()
    assert "不改变其他支部的先后" in view.rev_note.value
    state.lang = "en"
    assert "leaves the order of the others as it was" in view.rev_note.value
    assert view.level.options[0][0] == "Dimensions" and "Rank reversal" in view.rev_title.value
    state.lang = "zh"
