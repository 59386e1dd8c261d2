"""Expert panel workbooks: the template, both layouts, every refusal named by sheet, cell and expert."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.assess.panel import (PanelError, dropdown_values, judgement_text, parse_judgement, read_panel,
                                    write_panel_template)

FW = wb.Framework.default()
DIMS = FW.dimension_ids
ZH = [FW.label(d, "zh") for d in DIMS]


def consistent(w) -> np.ndarray:
    w = np.asarray(w, dtype="float64")
    return w[:, None] / w[None, :]


def wide_book(path, sheets: dict, *, weights: dict | None = None, extra=None):
    """A workbook with one sheet per expert holding the dimension matrix at B2 (header row 2, labels in A)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for expert, matrix in sheets.items():
        ws = book.create_sheet(expert)
        ws["A1"] = "维度两两比较"
        for j, name in enumerate(ZH):
            ws.cell(row=2, column=j + 2, value=name)
        for i, name in enumerate(ZH):
            ws.cell(row=i + 3, column=1, value=name)
            for j in range(len(ZH)):
                value = matrix[i][j]
                if value is not None:
                    ws.cell(row=i + 3, column=j + 2, value=value)
    if weights is not None:
        ws = book.create_sheet("专家权重")
        ws.append(["专家", "权重"])
        for k, v in weights.items():
            ws.append([k, v])
    if extra:
        extra(book)
    book.save(path)
    return path


def upper(a) -> list[list]:
    """Only the upper triangle written, as text like a person writes it ("3", "1/4")."""
    n = len(a)
    return [[judgement_text(a[i][j]) if j > i else (1 if i == j else None) for j in range(n)] for i in range(n)]


W1 = [0.15, 0.15, 0.15, 0.10, 0.25, 0.20]
W2 = [0.30, 0.10, 0.10, 0.10, 0.20, 0.20]


def test_the_template_filled_in_gives_the_group_weights_of_its_matrices(tmp_path):
    path = write_panel_template(tmp_path / "专家打分表.xlsx", FW, experts=["张三", "李四", "王五"], example=True,
                                seed=1)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["填表说明", "张三", "李四", "王五", "专家权重"]
    ws = book["张三"]
    assert ws["B4"].value == ZH[0] and ws["A5"].value == ZH[0]
    cell = ws["C5"]                               # row team, column education: an input cell
    assert cell.number_format == "@" and cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert any("C5" in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    dv = ws.data_validations.dataValidation[0]
    assert dv.formula1.strip('"').split(",") == dropdown_values("zh") and dv.showErrorMessage
    panel = read_panel(path, FW)
    assert panel.experts == ["张三", "李四", "王五"]
    assert panel.ordered_levels() == ["dimensions"] + DIMS
    w, table = wb.weights.ahp_group(panel.levels["dimensions"], method="aip")
    assert panel.group("dimensions", method="aip")[0].to_numpy() == pytest.approx(w.to_numpy())
    scheme = panel.scheme(method="aip")
    assert scheme.dimension_weights.to_numpy() == pytest.approx(w.to_numpy())
    team_w, _ = panel.group("team", method="aip")
    assert scheme.indicator_weights[team_w.index].to_numpy() == pytest.approx(team_w.to_numpy())
    origin = scheme.origin
    assert origin["method"] == "ahp_group" and origin["panel"] == "专家打分表.xlsx" and origin["aggregation"] == "aip"
    assert set(origin["levels"]["dimensions"]["experts"]) == {"张三", "李四", "王五"}
    assert origin["levels"]["dimensions"]["experts"]["张三"]["cr"] == pytest.approx(table.loc["张三", "cr"], abs=1e-6)
    assert origin["levels"]["dimensions"]["consensus"] == pytest.approx(table.attrs["consensus"], abs=1e-6)
    assert len(origin["sha256"]) == 64


def test_the_scheme_keeps_its_origin_through_yaml_and_the_method_sheet_says_so(tmp_path):
    path = write_panel_template(tmp_path / "panel.xlsx", FW, experts=2, example=True, levels="dimensions")
    scheme = read_panel(path, FW).scheme()
    back = wb.Scheme.from_yaml(scheme.to_yaml(tmp_path / "s.yaml"), FW)
    assert back.origin == scheme.origin and back.weights == scheme.weights
    table = wb.compute_indicators(wb.load("sample_data"), FW, period=2025)
    out = back.score(table).to_excel(tmp_path / "results.xlsx")
    method = pd.read_excel(out, sheet_name="方法 Method").set_index("项目 Item")["值 Value"]
    line = method["权重来源 Origin of the weights"]
    assert line.startswith("ahp_group") and "panel.xlsx, 2 experts, AIJ" in line and "专家1" in line


def test_long_form_with_words_and_reciprocals_equals_the_wide_form(tmp_path):
    a, b = consistent(W1), consistent(W2)
    wide = read_panel(wide_book(tmp_path / "wide.xlsx", {"甲": upper(a), "乙": upper(b)}), FW)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "长表"
    ws.append(["专家", "指标A", "指标B", "判断"])
    words = {1: "同等重要", 3: "稍微重要", 5: "明显重要"}
    for expert, m in (("甲", a), ("乙", b)):
        for i in range(6):
            for j in range(i + 1, 6):
                v = m[i, j]
                if abs(v - round(v)) < 1e-9 and round(v) in words:
                    ws.append([expert, ZH[i], DIMS[j], words[round(v)]])      # a label and an id, a word
                elif v < 1:
                    ws.append([expert, FW.label(DIMS[j], "en"), ZH[i], judgement_text(1 / v)])  # swapped
                else:
                    ws.append([expert, ZH[i], ZH[j], float(v)])
    book.save(tmp_path / "long.xlsx")
    long = read_panel(tmp_path / "long.xlsx", FW)
    assert long.experts == ["甲", "乙"]
    for e in ("甲", "乙"):
        assert long.levels["dimensions"][e].to_numpy() == pytest.approx(wide.levels["dimensions"][e].to_numpy(),
                                                                         rel=1e-4)   # 1/0.6 written as 1.66667
    assert long.weights() == pytest.approx(wide.weights(), rel=1e-4)


def test_both_triangles_may_be_filled_when_reciprocal_and_expert_weights_count(tmp_path):
    a = consistent(W1)
    full = [[round(a[i][j], 2) for j in range(6)] for i in range(6)]   # 0.67 for 2/3: within 5 %
    path = wide_book(tmp_path / "p.xlsx", {"甲": full, "乙": upper(consistent(W2))}, weights={"甲": 3, "乙": 1})
    panel = read_panel(path, FW)
    assert panel.expert_weights == {"甲": 3.0, "乙": 1.0}
    _, table = panel.group("dimensions")
    assert table["expert_weight"].tolist() == [0.75, 0.25]
    assert panel.scheme().origin["expert_weights"] == {"甲": 3.0, "乙": 1.0}


def problems(path) -> pd.DataFrame:
    with pytest.raises(PanelError) as info:
        read_panel(path, FW)
    return info.value


def test_a_matrix_not_reciprocal_names_the_expert_sheet_and_both_cells(tmp_path):
    m = upper(consistent(W1))
    m[2][0] = 3          # organization against team: 3, yet team against organization is 1
    err = problems(wide_book(tmp_path / "p.xlsx", {"张三": m}))
    row = err.problems.iloc[0]
    assert (row["sheet"], row["row"], row["column"], row["expert"]) == ("张三", 5, "B", "张三")
    assert "not reciprocal" in row["message"] and "expected 1" in row["message"] and "D3" in row["message"]
    zh = err.render("zh")
    assert "单元格 B5" in zh and "不互为倒数" in zh and "专家 张三" in zh and "基础建设" in zh
    assert "Basic organization" in err.render("en")


def test_zero_date_and_words_out_of_scale_are_refused_at_their_cells(tmp_path):
    m = upper(consistent(W1))
    m[0][1] = 0
    m[0][2] = dt.datetime(2025, 1, 3)     # Excel's reading of 1/3
    m[0][3] = "12"
    m[0][4] = "很重要啊"
    err = problems(wide_book(tmp_path / "p.xlsx", {"甲": m}))
    t = err.table("zh").set_index("column")
    assert set(t.index) == {"C", "D", "E", "F"} and set(t["row"]) == {3}
    assert "不能为 0" in t.loc["C", "message"] and "日期" in t.loc["D", "message"]
    assert "1/9 到 9" in t.loc["E", "message"] and "无法识别" in t.loc["F", "message"]
    assert t.loc["D", "value"] == "2025-01-03"


def test_an_unknown_criterion_and_a_missing_pair_are_named(tmp_path):
    m = upper(consistent(W1))
    m[1][4] = None                          # education against inspection left empty

    def rename(book):
        book["甲"]["G2"] = "乡风文明"          # not a dimension
    err = problems(wide_book(tmp_path / "p.xlsx", {"甲": m}, extra=rename))
    t = err.problems
    unknown = t[t["message"].str.startswith("not a dimension")].iloc[0]
    assert (unknown["sheet"], unknown["row"], unknown["column"], unknown["value"]) == ("甲", 2, "G", "乡风文明")
    assert "Team and reserve cadres" in unknown["message"]
    missing = t[t["message"].str.contains("no judgement of 'Education and qualifications' against "
                                          "'Inspection and rectification'")]
    assert len(missing) == 1 and missing.iloc[0]["expert"] == "甲"
    assert "缺少“教育管理”与“督查整改”的比较" in err.render("zh")


def test_long_form_refusals(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "打分"
    ws.append(["专家", "指标A", "指标B", "判断"])
    ws.append(["甲", "队伍建设", "教育管理", "3"])
    ws.append(["甲", "队伍建设", "村级后备干部人数", "3"])       # across levels
    ws.append(["甲", "队伍建设", "队伍建设", "1"])                # itself
    ws.append(["甲", "队伍建设", "教育管理", "3"])                # the same pair again
    ws.append(["", "队伍建设", "红色教育", "3"])                  # no expert
    ws.append(["甲", "队伍建設x", "红色教育", "3"])               # unknown
    book.save(tmp_path / "long.xlsx")
    t = problems(tmp_path / "long.xlsx").problems.set_index("row")
    assert "not on one level" in t.loc[3, "message"] and t.loc[3, "column"] == "C"
    assert "not compared with itself" in t.loc[4, "message"]
    assert "given twice (first in 打分 D2)" in t.loc[5, "message"]
    assert "name is missing" in t.loc[6, "message"] and t.loc[6, "column"] == "A"
    assert "not a dimension or indicator" in t.loc[7, "message"] and t.loc[7, "value"] == "队伍建設x"


def test_an_expert_without_a_level_the_others_compared_is_named(tmp_path):
    def more(book):
        ws = book.create_sheet("长表")
        ws.append(["expert", "criterion A", "criterion B", "judgement"])
        ws.append(["甲", "red_sessions", "trained_share", 3])
        ws.append(["甲", "red_sessions", "themed_day_completion", 3])
        ws.append(["甲", "trained_share", "themed_day_completion", 1])
    a = upper(consistent(W1))
    err = problems(wide_book(tmp_path / "p.xlsx", {"甲": a, "乙": a}, extra=more))
    t = err.problems
    assert t["expert"].tolist() == ["乙"]
    assert "indicator weights of Red education and batch training" in t["message"].iloc[0]


def test_bad_expert_weights_and_files_that_are_not_workbooks(tmp_path):
    a = upper(consistent(W1))
    t = problems(wide_book(tmp_path / "p.xlsx", {"甲": a, "乙": a}, weights={"甲": 0, "丙": 1})).problems
    assert set(t["expert"]) == {"甲", "丙"}
    assert any("positive" in m for m in t["message"]) and any("no comparisons" in m for m in t["message"])
    (tmp_path / "x.xlsx").write_bytes(b"not a zip at all")
    err = problems(tmp_path / "x.xlsx")
    assert "not a readable Excel workbook" in str(err) and "不是可读取的 Excel 工作簿" in err.render("zh")
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    assert "no pairwise comparisons found" in str(problems(tmp_path / "empty.xlsx"))


@pytest.mark.parametrize("text, value", [("1/3", 1 / 3), ("１／５", 1 / 5), (" 7 ", 7.0), (9, 9.0), ("2.5", 2.5),
                                         ("稍微重要", 3.0), ("极端重要", 9.0), ("Very Strong", 7.0), ("同等重要", 1.0)])
def test_judgements_as_people_write_them(text, value):
    assert parse_judgement(text) == pytest.approx(value)


@pytest.mark.parametrize("text, key", [(0, "panel_err_zero"), ("1/0", "panel_err_zero"), ("10", "panel_err_scale"),
                                       (-3, "panel_err_scale"), ("x", "panel_err_judgement"),
                                       (True, "panel_err_judgement"), (dt.date(2025, 1, 3), "panel_err_date")])
def test_what_is_not_a_judgement(text, key):
    with pytest.raises(ValueError, match=key):
        parse_judgement(text)


def test_a_long_form_template_and_a_dimensions_only_template(tmp_path):
    path = write_panel_template(tmp_path / "long.xlsx", FW, experts=2, form="long", lang="en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Instructions", "Long form", "Expert weights"]
    ws = book["Long form"]
    pairs = 15 + sum(len(d.indicators) * (len(d.indicators) - 1) // 2 for d in FW.dimensions)
    assert ws.max_row == 1 + 2 * pairs
    assert [c.value for c in ws[1]][:4] == ["Expert", "Criterion A", "Criterion B", "Judgement"]
    # empty judgements: every one is reported missing, by row
    t = problems(path).problems
    assert len(t) == 2 * pairs and (t["column"] == "D").all()
    only = write_panel_template(tmp_path / "dims.xlsx", FW, experts=1, levels="dimensions")
    ws = openpyxl.load_workbook(only)["专家1"]
    assert ws.max_row == 3 + 1 + 6
    with pytest.raises(ValueError, match="sheet name"):
        write_panel_template(tmp_path / "x.xlsx", FW, experts=["a/b"])


def test_an_expert_named_like_a_formula_stays_text(tmp_path):
    path = write_panel_template(tmp_path / "t.xlsx", FW, experts=["=HYPERLINK(1)"], form="long",
                                levels="dimensions")
    book = openpyxl.load_workbook(path)
    assert book["长表"]["A2"].data_type == "s" and book["专家权重"]["A2"].value == "=HYPERLINK(1)"
    assert book["专家权重"]["A2"].data_type == "s"


def test_a_workbook_far_larger_than_a_panel_or_lying_about_its_zip_is_refused_before_reading(tmp_path):
    import zipfile

    path = write_panel_template(tmp_path / "p.xlsx", FW, experts=1, levels="dimensions", example=True)
    book = openpyxl.load_workbook(path)
    ws = book.create_sheet("padding")
    for r in range(1, 1101):
        ws.append(list(range(1000)))               # 1.1 million cells
    book.save(tmp_path / "big.xlsx")
    err = problems(tmp_path / "big.xlsx")
    assert "far larger than a panel" in str(err) and "过大" in err.render("zh")
    # a zip whose sheet does not match its CRC
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    raw[start] ^= 0xFF
    (tmp_path / "lying.xlsx").write_bytes(bytes(raw))
    assert "not a readable Excel workbook" in str(problems(tmp_path / "lying.xlsx"))
