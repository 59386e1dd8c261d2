"""The panel editor of the weight explorer, headless: experts entered or uploaded, flagged, confirmed, applied."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.assess.panel import read_panel, write_panel_template
from workbench.views import build_weight_explorer


@pytest.fixture
def explorer(tmp_path):
    return build_weight_explorer("sample_data", lang="zh", schemes_folder=tmp_path / "schemes",
                                 state_dir=tmp_path / "state")


def upload(editor, path, name=None):
    content = path.read_bytes()
    editor.upload.value = ({"name": name or path.name, "type": "", "size": len(content),
                            "content": memoryview(content),
                            "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)


def test_two_experts_make_a_panel_whose_weights_and_spread_are_the_cores(explorer):
    ahp = explorer.views["ahp"]
    assert ahp.panel_box.layout.display == "none"           # one expert: no panel yet
    ahp.set_judgement(0, 1, 3)
    ahp.set_judgement(0, 4, 1 / 2)
    ahp.add_expert.click()
    assert ahp.expert.value == "专家2" and ahp.matrix()[0, 1] == 1     # a new expert starts from scratch
    ahp.set_judgement(0, 1, 5)
    ahp.set_judgement(4, 5, 2)
    assert ahp.panel_box.layout.display is None
    model = ahp.model
    expected, table = wb.weights.ahp_group({e: model.matrix(expert=e) for e in ("专家1", "专家2")})
    w, _ = model.group()
    assert w.to_numpy() == pytest.approx(expected)
    assert "已录入 2/2 位专家" in ahp.summary.value and f"{table.attrs['group_cr']:.3f}" in ahp.summary.value
    assert "专家1" in ahp.table.value and "专家2" in ahp.table.value
    fig = ahp.spread.figure
    assert [t.name for t in fig.data] == ["专家组", "专家1", "专家2"]
    assert list(fig.data[0].x) == pytest.approx(expected.tolist())
    assert list(fig.data[1].x) == pytest.approx(table.loc["专家1", list(range(6))].tolist())
    ahp.method.value = "aip"
    aip, _ = wb.weights.ahp_group({e: model.matrix(expert=e) for e in ("专家1", "专家2")}, method="aip")
    assert list(ahp.spread.figure.data[0].x) == pytest.approx(aip.tolist())


def test_an_inconsistent_expert_is_flagged_and_applying_asks_first(explorer):
    ahp, scoring = explorer.views["ahp"], explorer.scoring
    ahp.set_judgement(0, 1, 2)
    ahp.add_expert.click()
    ahp.name.value = "李四"
    ahp.rename.click()
    ahp.set_judgement(0, 1, 3)      # team 3x education
    ahp.set_judgement(1, 2, 3)      # education 3x organization
    ahp.set_judgement(0, 2, 1 / 5)  # yet organization 5x team
    assert ahp.model.experts == ["专家1", "李四"]
    assert "wb-row-bad" in ahp.table.value and "不一致" in ahp.table.value
    assert any("李四" in label and "⚠" in label for label, _ in ahp.expert.options)
    before = scoring.scheme
    ahp.apply.click()
    assert scoring.scheme is before and ahp.asking.layout.display is None
    assert "判断不一致的专家：李四" in ahp.question.value
    ahp.cancel.click()
    assert scoring.scheme is before
    ahp.apply.click()
    ahp.confirm.click()
    w, table = ahp.model.group()
    assert scoring.scheme.dimension_weights.to_numpy() == pytest.approx(w.to_numpy())
    origin = scoring.scheme.origin
    assert origin["method"] == "ahp_group" and origin["experts"] == ["专家1", "李四"]
    assert origin["levels"]["dimensions"]["experts"]["李四"]["cr"] == pytest.approx(table.loc["李四", "cr"], abs=1e-6)
    assert scoring.preset == "ahp" and "已应用层次分析法权重" in ahp.status.widget.value


def test_indicator_weights_of_a_dimension_and_levels_that_accumulate(explorer):
    ahp, scoring = explorer.views["ahp"], explorer.scoring
    dims_before = scoring.scheme.dimension_weights.copy()
    ahp.level.value = "team"
    assert len(ahp.cells) == 6 and "村级后备干部人数" in ahp.col_labels[0].value
    ahp.set_judgement(0, 1, 2)
    ahp.add_expert.click()
    ahp.set_judgement(0, 1, 4)
    ahp.set_judgement(2, 3, 3)
    ahp.apply.click()
    assert ahp.asking.layout.display is None and "队伍建设内的指标中判断不一致的专家：专家2" in ahp.question.value
    ahp.confirm.click()
    w, _ = ahp.model.group("team")
    assert scoring.scheme.indicator_weights[w.index].to_numpy() == pytest.approx(w.to_numpy())
    assert scoring.scheme.dimension_weights.to_numpy() == pytest.approx(dims_before.to_numpy())
    ahp.level.value = "dimensions"
    assert len(ahp.cells) == 15
    ahp.expert.value = "专家1"
    ahp.set_judgement(4, 0, 3)
    ahp.expert.value = "专家2"
    ahp.set_judgement(4, 0, 2)
    ahp.apply.click()
    levels = scoring.scheme.origin["levels"]
    assert set(levels) == {"team", "dimensions"}
    assert scoring.scheme.indicator_weights[w.index].to_numpy() == pytest.approx(w.to_numpy())
    assert " | team:" in scoring.scheme.origin["summary"] and " | dimensions:" in scoring.scheme.origin["summary"]


def test_an_uploaded_panel_applies_every_level_and_the_export_says_where_the_weights_came_from(explorer, tmp_path):
    ahp, scoring = explorer.views["ahp"], explorer.scoring
    path = write_panel_template(tmp_path / "专家打分表.xlsx", scoring.framework, experts=["张三", "李四", "王五"],
                                example=True, seed=4)
    upload(ahp, path)
    assert ahp.upload.value == ()
    assert ahp.model.experts == ["张三", "李四", "王五"] and ahp.model.source == "专家打分表.xlsx"
    assert "已读取 专家打分表.xlsx：3 位专家，7 组比较" in ahp.file_status.widget.value
    assert ahp.apply_all.layout.display is None
    expected = read_panel(path, scoring.framework).scheme(scoring.scheme)
    ahp.apply_all.click()
    if ahp.asking.layout.display is None:                   # inconsistent experts in the example: asked
        assert "不一致" in ahp.question.value
        ahp.confirm.click()
    assert scoring.scheme.weights == pytest.approx(expected.weights)
    assert scoring.scheme.origin["panel"] == "专家打分表.xlsx"
    assert set(scoring.scheme.origin["levels"]) == {"dimensions", *scoring.framework.dimension_ids}
    exported = explorer.views["export"].export_excel()
    method = pd.read_excel(exported, sheet_name="方法 Method").set_index("项目 Item")["值 Value"]
    assert method["权重来源 Origin of the weights"].startswith("ahp_group; summary=专家打分表.xlsx, 3 experts, AIJ")


def test_a_bad_upload_lists_its_problems_and_keeps_what_was_entered(explorer, tmp_path):
    ahp = explorer.views["ahp"]
    ahp.set_judgement(0, 1, 3)
    path = write_panel_template(tmp_path / "bad.xlsx", ahp.scoring.framework, experts=["甲"], example=True,
                                levels="dimensions")
    book = openpyxl.load_workbook(path)
    book["甲"]["C5"] = "0"
    book["甲"]["D5"] = "十"
    book.save(path)
    upload(ahp, path)
    assert ahp.model.experts == ["专家1"] and ahp.matrix()[0, 1] == 3
    assert "bad.xlsx 有 2 个问题" in ahp.file_status.widget.value
    assert "C5" in ahp.problems.value and "D5" in ahp.problems.value and "不能为 0" in ahp.problems.value
    explorer.state.lang = "en"
    assert "a judgement of 0" in ahp.problems.value and "2 problem(s)" in ahp.file_status.widget.value
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"0" * 5_000_001)
    upload(ahp, big)
    assert "too large" in ahp.file_status.widget.value


def test_the_template_downloads_with_the_experts_named_here(explorer):
    ahp = explorer.views["ahp"]
    ahp.add_expert.click()
    ahp.name.value = "王五"
    ahp.rename.click()
    path = ahp.download_template()
    assert path.suffix == ".xlsx" and "download=" in ahp.download.value
    assert openpyxl.load_workbook(path).sheetnames == ["填表说明", "专家1", "王五", "专家权重"]


def test_experts_come_and_go_and_the_last_one_stays(explorer):
    ahp = explorer.views["ahp"]
    assert ahp.remove_expert.disabled
    ahp.add_expert.click()
    ahp.set_judgement(0, 1, 7)
    ahp.remove_expert.click()
    assert ahp.model.experts == ["专家1"] and "专家2" not in ahp.model.matrices.get("dimensions", {})
    ahp.add_expert.click()
    ahp.name.value = "专家1"       # a name that is taken
    ahp.rename.click()
    assert "已有名为“专家1”的专家" in ahp.file_status.widget.value


def test_the_editor_speaks_both_languages(explorer):
    ahp = explorer.views["ahp"]
    assert ahp.level.options[1][0] == "队伍建设内的指标" and ahp.add_expert.description == "添加专家"
    explorer.state.lang = "en"
    assert ahp.level.options[0][0] == "Dimensions"
    assert ahp.level.options[1][0] == "Indicators of Team and reserve cadres"
    assert ahp.upload.description == "Upload panel workbook" and "Team and reserve cadres" in ahp.col_labels[0].value
    assert np.allclose(ahp.matrix(), 1)
