"""The weight explorer on a county rule sheet, headless: item points are the weights."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.views import build_weight_explorer
from workbench.views.environment import dashboard_settings

from ..conftest import SAMPLE

SHEET = SAMPLE / "评分细则.xlsx"


@pytest.fixture(scope="module")
def rules():
    return wb.Framework.from_rule_sheet(SHEET)


@pytest.fixture
def explorer(tmp_path, rules):
    return build_weight_explorer("sample_data", lang="zh", framework=rules, schemes_folder=tmp_path / "schemes",
                                 state_dir=tmp_path / "state")


def test_the_sliders_start_at_the_sheets_points(explorer, rules):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    assert scoring.framework is rules
    points = {d.id: d.weight for d in rules.dimensions}            # a 100-point sheet: percents are points
    assert {d: panel.sliders[d].value for d in rules.dimension_ids} == points
    assert "20 分" in panel.labels["team"].value and "6 分" in panel.labels["reserve_cadres"].value
    table = wb.compute_indicators(wb.load(SAMPLE), rules, period=scoring.state.period)
    expected = wb.Scheme(rules).score(table)
    assert np.allclose(scoring.result.total.to_numpy(), expected.total.to_numpy(), atol=1e-9)


def test_moving_a_slider_gives_the_cores_numbers_and_relabels_the_points(explorer, rules):
    scoring, panel = explorer.scoring, explorer.views["panel"]
    panel.sliders["inspection"].value = 40
    assert scoring.scheme.dimension_weights["inspection"] == pytest.approx(0.4, abs=1e-12)
    assert "40 分" in panel.labels["inspection"].value
    table = wb.compute_indicators(wb.load(SAMPLE), rules, period=scoring.state.period)
    core = scoring.scheme.score(table)
    assert np.allclose(scoring.result.total.to_numpy(), core.total.to_numpy(), atol=1e-9)
    assert core.points["applicable"].max() == pytest.approx(100)    # the points still add up to the sheet's
    assert scoring.comparison.table["shift"].abs().sum() > 0


def test_the_server_setting_names_the_framework(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_FRAMEWORK", str(SHEET))
    assert dashboard_settings().framework_path == SHEET.absolute()
    app = build_weight_explorer("sample_data", lang="en", state_dir=tmp_path / "state")
    assert app.scoring.framework.points_based


def test_a_bad_rule_sheet_on_the_server_shows_its_cells(tmp_path, monkeypatch):
    bad = tmp_path / "评分细则.csv"
    bad.write_text("维度,项目,分值,依据,计分方式\nteam,a1,10,reserve_cadre,按比例\n", encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_FRAMEWORK", str(bad))
    app = build_weight_explorer("sample_data", lang="zh", state_dir=tmp_path / "state")
    assert type(app).__name__ == "DataProblemApp"
    assert app.error.problems["key"].eq("rules_unknown_source").any()


def test_serve_passes_the_framework_to_its_kernels(tmp_path):
    from workbench.serve.server import serve_options, server_environment

    opts = serve_options(notebooks=tmp_path, framework=SHEET, state_dir=tmp_path / "state")
    assert server_environment(opts)["WORKBENCH_FRAMEWORK"] == str(SHEET.absolute())
    assert server_environment(serve_options(notebooks=tmp_path))["WORKBENCH_FRAMEWORK"] == ""
    with pytest.raises(FileNotFoundError, match="--framework: no such file"):
        serve_options(notebooks=tmp_path, framework=tmp_path / "missing.xlsx")
