"""``workbench panel template`` and ``workbench panel weights``: a panel from template to scheme, and refusals."""

from __future__ import annotations

import openpyxl
import pytest

import workbench as wb
from workbench.assess.panel import read_panel
from workbench.cli import main

FW = wb.Framework.default()


def test_template_then_weights_then_a_scheme_that_says_where_its_weights_came_from(tmp_path, capsys):
    book = tmp_path / "专家打分表.xlsx"
    assert main(["panel", "template", "-o", str(book), "--experts", "张三，李四,王五", "--example"]) == 0
    assert "已写出专家打分表" in capsys.readouterr().out
    assert openpyxl.load_workbook(book).sheetnames == ["填表说明", "张三", "李四", "王五", "专家权重"]
    out = tmp_path / "县委组织部2025.yaml"
    assert main(["panel", "weights", str(book), "-o", str(out), "--method", "aip", "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "3 位专家（张三、李四、王五），合成方法 AIP" in printed and "专家共识 S*" in printed
    assert "队伍建设的指标权重" in printed and "已写出权重方案" in printed
    scheme = wb.Scheme.from_yaml(out, FW)
    expected = read_panel(book, FW).scheme(method="aip")
    assert scheme.weights == pytest.approx(expected.weights) and scheme.name == "县委组织部2025"
    assert scheme.origin["panel"] == "专家打分表.xlsx" and scheme.origin["aggregation"] == "aip"
    crs = scheme.origin["levels"]["dimensions"]["experts"]
    assert set(crs) == {"张三", "李四", "王五"} and all(0 <= v["cr"] < 1 for v in crs.values())
    # inconsistent experts are flagged with the comparison to revise, in English too
    assert main(["panel", "weights", str(book), "--lang", "en"]) == 0
    english = capsys.readouterr().out
    assert "inconsistent (> 0.1)" in english and "most inconsistent:" in english


def test_an_inconsistent_panel_is_not_written_unless_accepted(tmp_path, capsys):
    book = tmp_path / "p.xlsx"
    wb_ = openpyxl.Workbook()
    ws = wb_.active
    ws.title = "长表"
    ws.append(["专家", "指标A", "指标B", "判断"])
    for expert in ("甲", "乙"):
        ws.append([expert, "红色教育次数", "参加轮训党员比例", "9"])
        ws.append([expert, "参加轮训党员比例", "主题党日完成率", "9"])
        ws.append([expert, "主题党日完成率", "红色教育次数", "9"])   # a circle: 9, 9 and yet 9 back
    wb_.save(book)
    out = tmp_path / "s.yaml"
    assert main(["panel", "weights", str(book), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "红色教育的指标权重的组合判断不一致" in err and "--accept-inconsistent" in err and not out.exists()
    assert main(["panel", "weights", str(book), "-o", str(out), "--accept-inconsistent"]) == 0
    scheme = wb.Scheme.from_yaml(out, FW)
    assert scheme.origin["levels"]["red"]["group_cr"] > 0.1
    assert scheme.dimension_weights.equals(wb.Scheme(FW).dimension_weights)   # levels not compared are kept


@pytest.mark.parametrize("lang, words", [("zh", ["单元格 C5", "专家 甲", "判断为 0"]),
                                          ("en", ["cell C5", "expert 甲", "a judgement of 0"])])
def test_a_bad_workbook_is_a_list_of_problems_in_the_chosen_language(tmp_path, capsys, lang, words):
    book = tmp_path / "bad.xlsx"
    assert main(["panel", "template", "-o", str(book), "--experts", "甲", "--levels", "dimensions",
                 "--example"]) == 0
    w = openpyxl.load_workbook(book)
    w["甲"]["C5"] = "0"
    w.save(book)
    capsys.readouterr()
    assert main(["panel", "weights", str(book), "--lang", lang]) == 1
    err = capsys.readouterr().err
    assert all(word in err for word in words) and "Traceback" not in err


def test_missing_files_and_bad_options_are_one_line(tmp_path, capsys):
    assert main(["panel", "weights", str(tmp_path / "none.xlsx"), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "cannot read the file" in err and "Traceback" not in err
    assert main(["panel", "template", "-o", str(tmp_path / "t.xlsx"), "--experts", "0"]) == 1
    assert "--experts" in capsys.readouterr().err
