"""Issue 12: the workbooks township clerks send, accepted when unambiguous, refused with a fix.

Each accepted case builds the sample-like county the way a clerk would lay it out
(openpyxl) and asserts that it loads EQUAL to the clean data; each refused case
asserts the message a clerk needs (workbook, sheet, cell, header as written, value,
expected values in the clerk's spelling, the fix), in Chinese and English.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.data import write_problem_report, write_template
from workbench.data.synth import SynthConfig, generate

from .clerk import Sheet, as_serial, sheets_of, sorted_tables, write_book

TODAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def county() -> wb.BranchData:
    """A small county (14 branches in three townships, one year)."""
    return generate(14, seed=21, years=(2025,), today=TODAY, config=SynthConfig(branches_per_township=5))


@pytest.fixture()
def clean(county):
    return sheets_of(county)


def load(path, **kw):
    return wb.load(path, today=TODAY, **kw)


def problems(path, lang="en", **kw) -> pd.DataFrame:
    with pytest.raises(wb.DataError) as info:
        load(path, lang=lang, **kw)
    return info.value.problems


def col(sheet: Sheet, header: str) -> int:
    return sheet.headers.index(header)


def test_clean_clerk_workbook_loads_equal(tmp_path, county, clean):
    path = write_book(tmp_path / "county.xlsx", list(clean.values()))
    assert load(path).equals(county)


# ------------------------------------------------------------------- accepted

def test_merged_title_and_note_rows_above_the_header(tmp_path, county, clean):
    for sheet in clean.values():
        sheet.above = [[f"2025年度{sheet.name}信息表"], ["填报单位：县委组织部", None, "填报日期：2025年12月31日"], []]
        sheet.merge_title = True
    path = write_book(tmp_path / "titled.xlsx", list(clean.values()))
    data = load(path)
    assert data.equals(county)
    # rows are named as Excel shows them: the first record of 党员 is row 5
    assert data.intake.tables.set_index("table").loc["members", "rows"] == len(county.members)


def test_blank_rows_and_totals_rows_are_skipped_and_reported(tmp_path, county, clean):
    members = clean["members"]
    for at in (3, 10, 10, len(members.rows) - 1):
        members.rows.insert(at, [None] * len(members.headers))
    members.rows.insert(5, ["", "  ", None] + [None] * (len(members.headers) - 3))  # spaces only
    clean["branches"].below = [["合计", f"共{len(county.branches)}个支部"]]
    meetings = clean["meetings"]
    meetings.below = [[None, None, None, "共计", int(county.meetings["attendees"].sum())],
                      [f"共{len(meetings.rows)}条"]]
    clean["trainings"].below = [[], ["填表人：张三", None, "审核人：李四"]]
    path = write_book(tmp_path / "blank.xlsx", list(clean.values()))
    data = load(path)
    assert data.equals(county)
    summary = data.intake.tables.set_index("table")
    assert summary.loc["members", "blank"] == 5
    assert summary.loc["branches", "totals"] == 1 and summary.loc["meetings", "totals"] == 2
    notes = data.intake.warnings("zh")
    assert notes["message"].str.contains("跳过了 5 个空行").any()
    assert notes["message"].str.contains("合计行").any()


def test_full_width_characters_and_odd_spaces_in_ids_and_numbers(tmp_path, county, clean):
    wide = str.maketrans("0123456789BMTIP", "０１２３４５６７８９ＢＭＴＩＰ")
    members = clean["members"]
    for i, row in enumerate(members.rows):
        j = col(members, "支部编号")
        row[j] = row[j].translate(wide) if i % 2 else f"\u3000{row[j]} "
        k = col(members, "出生年份")
        row[k] = str(row[k]).translate(wide) + ("\u3000" if i % 3 == 0 else "")
    meetings = clean["meetings"]
    for row in meetings.rows[::3]:
        row[0] = row[0] + "\u00a0"
        row[col(meetings, "参会人数")] = str(row[col(meetings, "参会人数")]).translate(wide)
    path = write_book(tmp_path / "wide.xlsx", list(clean.values()))
    assert load(path).equals(county)


def test_yes_no_spellings(tmp_path, county, clean):
    yes = ["是", "√", "✓", "Y", "有", 1, "yes", True]
    no = ["否", "×", "✗", "N", "无", 0, "no", False]
    members = clean["members"]
    for header in ("村干部", "后备干部", "致富带头人", "流动党员"):
        j = col(members, header)
        for i, row in enumerate(members.rows):
            row[j] = (yes if row[j] == "是" else no)[i % len(yes)]
    path = write_book(tmp_path / "yesno.xlsx", list(clean.values()))
    assert load(path).equals(county)


def test_header_variants_line_breaks_stars_units_and_extra_columns(tmp_path, county, clean):
    for sheet in clean.values():
        sheet.headers = [h[:2] + "\n" + h[2:] if len(h) > 3 else h + "*" for h in sheet.headers]
        sheet.headers = ["序号"] + sheet.headers + ["备注"]
        sheet.rows = [[i + 1] + row + ["" if i % 2 else "已核实"] for i, row in enumerate(sheet.rows)]
    branches = clean["branches"]
    branches.headers = [h.replace("村集\n体经济收入", "村集体经济收入（万元）").replace("满意\n度", "满意度(%)")
                        for h in branches.headers]
    assert "村集体经济收入（万元）" in branches.headers
    path = write_book(tmp_path / "headers.xlsx", list(clean.values()))
    data = load(path)
    assert data.equals(county)
    assert not data.intake.warnings()["key"].eq("data_unknown_header").any()


def _with_thousands(value: float) -> str:
    whole, _, frac = repr(float(value)).partition(".")
    return f"{int(whole):,}" + ("." + frac if frac and frac != "0" else "")


def test_numbers_as_text_thousands_and_date_spellings(tmp_path, county, clean):
    branches = clean["branches"]
    j = col(branches, "村集体经济收入")
    for row in branches.rows:
        if row[j] is not None:
            row[j] = _with_thousands(row[j] * 1000) if False else _with_thousands(row[j])
    meetings = clean["meetings"]
    a, d = col(meetings, "参会人数"), col(meetings, "日期")
    spell = [lambda x: f"{x.year}.{x.month}.{x.day}", lambda x: f"{x.year}年{x.month}月{x.day}日",
             lambda x: f"{x.year}/{x.month}/{x.day}", as_serial]
    for i, row in enumerate(meetings.rows):
        row[a] = str(row[a])
        row[d] = spell[i % 4](row[d])
    members = clean["members"]
    k = col(members, "入党日期")
    for row in members.rows:
        row[k] = as_serial(row[k])  # an unformatted number: the date's serial
    path = write_book(tmp_path / "numbers.xlsx", list(clean.values()))
    assert load(path).equals(county)


def test_thousands_separators_read_as_one_number(tmp_path, county, clean):
    big = county.branches.assign(collective_income=county.branches["collective_income"] * 1000 + 0.5)
    bigger = county.replace(branches=big)
    sheets = sheets_of(bigger)
    j = col(sheets["branches"], "村集体经济收入")
    written = []
    for row in sheets["branches"].rows:
        if row[j] is not None:
            row[j] = _with_thousands(row[j])
            written.append(row[j])
    assert any("," in w for w in written)
    path = write_book(tmp_path / "thousands.xlsx", list(sheets.values()))
    assert load(path).equals(bigger)


def test_one_sheet_per_township(tmp_path, county, clean):
    towns = county.branches["township"]
    branch_town = dict(zip(county.branches["branch_id"], towns))
    sheets = []
    for name in ("branches", "members"):
        sheet = clean[name]
        j = col(sheet, "支部编号")
        for town in sorted(towns.unique()):
            rows = [r for r in sheet.rows if branch_town[r[j]] == town]
            title = town if name == "branches" else f"{town}党员"
            sheets.append(Sheet(title, sheet.headers, rows, above=[[f"{town}{sheet.name}表"]]))
    sheets += [clean[n] for n in clean if n not in ("branches", "members")]
    path = write_book(tmp_path / "towns.xlsx", sheets)
    data = load(path)
    assert sorted_tables(data).equals(sorted_tables(county))
    sources = data.intake.tables.set_index("table").loc["branches", "source"]
    assert sorted(towns.unique())[0] in sources


def _township_books(folder, county, clean):
    branch_town = dict(zip(county.branches["branch_id"], county.branches["township"]))
    member_branch = dict(zip(county.members["member_id"], county.members["branch_id"]))
    folder.mkdir()
    for town in sorted(set(branch_town.values())):
        sheets = []
        for name, sheet in clean.items():
            if "支部编号" in sheet.headers:
                j = col(sheet, "支部编号")
                rows = [r for r in sheet.rows if branch_town[r[j]] == town]
            else:  # trainings: through the member
                j = col(sheet, "党员编号")
                rows = [r for r in sheet.rows if branch_town[member_branch[r[j]]] == town]
            sheets.append(Sheet(sheet.name, sheet.headers, rows))
        write_book(folder / f"{town}.xlsx", sheets)
    return folder


def test_folder_of_township_workbooks_combined(tmp_path, county, clean):
    folder = _township_books(tmp_path / "towns", county, clean)
    data = load(folder)
    assert sorted_tables(data).equals(sorted_tables(county))


def test_folder_of_workbooks_names_the_workbook_of_a_bad_cell(tmp_path, county, clean):
    folder = _township_books(tmp_path / "towns", county, clean)
    town = sorted(county.branches["township"].unique())[1]
    book = openpyxl.load_workbook(folder / f"{town}.xlsx")
    book["党员"]["F3"] = "幼儿园"
    book.save(folder / f"{town}.xlsx")
    probs = problems(folder, lang="zh")
    row = probs.iloc[0]
    assert (row["workbook"], row["sheet"], row["cell"]) == (f"{town}.xlsx", "党员", "党员!F3")
    assert row["header"] == "学历" and row["value"] == "幼儿园"
    assert "本科" in row["expected"] and "bachelor" not in row["expected"]


def test_merged_cells_in_the_records_read_as_each_rows_value(tmp_path, county, clean):
    branches = clean["branches"]
    t = col(branches, "乡镇")
    order = sorted(range(len(branches.rows)), key=lambda i: branches.rows[i][t])
    branches.rows = [branches.rows[i] for i in order]
    letter = openpyxl.utils.get_column_letter(t + 1)
    start = 0
    for i in range(1, len(branches.rows) + 1):
        if i == len(branches.rows) or branches.rows[i][t] != branches.rows[start][t]:
            if i - start > 1:
                branches.merges.append(f"{letter}{start + 2}:{letter}{i + 1}")
                for r in branches.rows[start + 1:i]:
                    r[t] = None
            start = i
    assert branches.merges
    path = write_book(tmp_path / "merged.xlsx", list(clean.values()))
    data = load(path)
    assert sorted_tables(data).equals(sorted_tables(county))
    assert data.intake.warnings()["key"].eq("data_merged_cells").any()


def test_optional_columns_may_be_blank(tmp_path, county, clean):
    meetings = clean["meetings"]
    j = col(meetings, "决议事项数")
    for row in meetings.rows[::4]:
        row[j] = None
    path = write_book(tmp_path / "blank_optional.xlsx", list(clean.values()))
    data = load(path)
    expected = county.meetings["decisions"].copy()
    expected.iloc[::4] = 0
    assert data.meetings["decisions"].tolist() == expected.tolist()


def test_unrecognised_optional_header_is_warned_not_dropped_silently(tmp_path, county, clean):
    members = clean["members"]
    members.headers.append("联系电话")
    for row in members.rows:
        row.append("13800000000")
    path = write_book(tmp_path / "extra.xlsx", list(clean.values()))
    data = load(path)
    assert data.equals(county)
    warned = data.intake.warnings("zh")
    hit = warned[warned["key"] == "data_unknown_header"]
    assert len(hit) == 1 and hit["value"].iloc[0] == "联系电话"
    letter = openpyxl.utils.get_column_letter(len(members.headers))
    assert hit["cell"].iloc[0] == f"党员!{letter}1"


def test_hidden_sheet_is_ignored_and_named(tmp_path, county, clean):
    stale = Sheet("党员", clean["members"].headers, clean["members"].rows[:5], state="hidden")
    fresh = clean["members"]
    fresh.name = "党员(新)"
    sheets = [clean["branches"], stale, fresh] + [clean[n] for n in clean if n not in ("branches", "members")]
    path = write_book(tmp_path / "hidden.xlsx", sheets)
    data = load(path)
    assert data.equals(county)
    warned = data.intake.warnings("zh")
    assert warned["message"].str.contains("隐藏的工作表“党员”未读取").any()
    # asked for, the hidden sheet is read too: then 党员 is given twice
    with pytest.raises(wb.DataError, match="several|twice|同一"):
        load(path, include_hidden=True)


# -------------------------------------------------------------------- refused

def test_bad_value_is_named_at_its_cell_in_chinese_and_english(tmp_path, county, clean):
    branches = clean["branches"]
    branches.above = [["2025年度支部基本信息表"]]
    branches.rows[2][col(branches, "支部类型")] = "乡村"
    path = write_book(tmp_path / "bad.xlsx", list(clean.values()))
    zh = problems(path, lang="zh")
    row = zh.iloc[0]
    assert (row["workbook"], row["sheet"], row["cell"], row["row"]) == ("bad.xlsx", "支部", "支部!D5", 5)
    assert row["header"] == "支部类型" and row["value"] == "乡村"
    assert row["expected"] == "村、社区、企业、机关事业单位、联合"
    assert "不是允许的值" in row["message"] and row["fix"]
    en = problems(path, lang="en").iloc[0]
    assert "not an allowed value" in en["message"] and en["expected"] == row["expected"]
    with pytest.raises(wb.DataError) as info:
        load(path)
    assert "bad.xlsx[支部], row 5, column '支部类型' (cell 支部!D5)" in str(info.value)
    assert "单元格 支部!D5" in info.value.in_language("zh").render()


def test_expected_values_follow_the_clerks_spelling(tmp_path, county):
    folder = county.to_csv(tmp_path / "en", lang="en")
    frame = pd.read_csv(folder / "branches.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "kind"] = "town"
    frame.to_csv(folder / "branches.csv", index=False)
    row = problems(folder).iloc[0]
    assert row["expected"] == "village、community、enterprise、institution、joint"
    assert (row["file"], row["row"], row["cell"]) == ("branches.csv", 4, "D4")


def test_root_cause_a_branch_id_written_differently_is_reported_in_branches(tmp_path, county, clean):
    branches = clean["branches"]
    bid = branches.rows[2][0]
    branches.rows[2][0] = bid.lower()
    path = write_book(tmp_path / "rootcause.xlsx", list(clean.values()))
    probs = problems(path, lang="zh")
    assert len(probs) == 1, probs[["cell", "message"]]
    row = probs.iloc[0]
    assert (row["sheet"], row["cell"], row["value"]) == ("支部", "支部!A4", bid.lower())
    n = sum(int((frame["branch_id"] == bid).sum()) for name, frame in county.tables().items()
            if name != "branches" and "branch_id" in frame)
    assert f"{n} 行" in row["message"] and "党员、会议" in row["message"] and bid in row["fix"]


def test_unknown_reference_named_once_per_cell_with_the_table(tmp_path, county, clean):
    members = clean["members"]
    members.rows[0][col(members, "支部编号")] = "B99999"
    path = write_book(tmp_path / "unknown.xlsx", list(clean.values()))
    row = problems(path).iloc[0]
    assert row["cell"] == "党员!B2" and "not in 支部" not in row["message"]
    assert "unknown branch_id (not in branches)" in row["message"]


def test_formula_cells_without_a_result_are_reported_as_formulas(tmp_path, county, clean):
    meetings = clean["meetings"]
    meetings.rows[1][col(meetings, "参会人数")] = "=3+4"
    path = write_book(tmp_path / "formula.xlsx", list(clean.values()))
    probs = problems(path, lang="zh")
    assert len(probs) == 1
    row = probs.iloc[0]
    assert row["cell"] == "会议!E3" and "公式" in row["message"] and "粘贴为数值" in row["fix"]


def test_problem_report_marks_every_bad_cell(tmp_path, county, clean):
    members = clean["members"]
    members.rows[0][col(members, "学历")] = "幼儿园"
    members.rows[3][col(members, "出生年份")] = "一九八五"
    path = write_book(tmp_path / "report_in.xlsx", list(clean.values()))
    with pytest.raises(wb.DataError) as info:
        load(path)
    out = write_problem_report(info.value, tmp_path / "问题清单.xlsx", lang="zh")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "问题清单"
    for ref, text in (("F2", "学历"), ("E5", "出生年份")):
        cell = book["党员"][ref]
        assert cell.fill.fgColor.rgb.endswith("FFFF00")
        assert text in cell.comment.text
    listing = book["问题清单"]
    cells = [listing.cell(row=r, column=4).value for r in range(3, listing.max_row + 1)]
    assert {"党员!F2", "党员!E5"} <= set(cells)
    assert listing.cell(row=3, column=4).hyperlink is not None
    # the clerk's data is all still there
    assert book["党员"]["A2"].value == members.rows[0][0]


def test_problem_report_of_csv_tables(tmp_path, county):
    folder = county.to_csv(tmp_path / "csv", lang="zh")
    frame = pd.read_csv(folder / "党员.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "学历"] = "幼儿园"
    frame.to_csv(folder / "党员.csv", index=False)
    with pytest.raises(wb.DataError) as info:
        load(folder)
    out = write_problem_report(info.value, tmp_path / "report.xlsx", lang="en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Problems", "党员.csv"]
    assert book["党员.csv"]["F3"].comment is not None


def test_check_command_in_chinese_writes_the_report(tmp_path, county, clean, capsys):
    from workbench.cli import main

    clean["branches"].rows[0][col(clean["branches"], "成立日期")] = "去年"
    path = write_book(tmp_path / "cli.xlsx", list(clean.values()))
    report = tmp_path / "问题清单.xlsx"
    code = main(["check", str(path), "--lang", "zh", "--report", str(report)])
    captured = capsys.readouterr()
    assert code == 1
    assert "单元格 支部!E2" in captured.err and "不是日期" in captured.err
    assert "问题清单已写入" in captured.out and report.exists()
    code = main(["check", str(tmp_path / "missing.xlsx"), "--lang", "zh"])
    assert code == 1 and "找不到这个文件或文件夹" in capsys.readouterr().err


# ------------------------------------------------------------------ template

def test_template_filled_in_correctly_loads(tmp_path, county):
    path = write_template(tmp_path / "支部数据模板.xlsx")
    book = openpyxl.load_workbook(path)
    validations = {ws.title: [dv.sqref for dv in ws.data_validations.dataValidation] for ws in book.worksheets}
    assert validations["支部"] and validations["党员"]
    kinds = next(dv for dv in book["支部"].data_validations.dataValidation if "D2" in str(dv.sqref))
    assert kinds.formula1 == '"村,社区,企业,机关事业单位,联合"'
    for name, sheet in sheets_of(county).items():
        ws = book[sheet.name]
        headers = [c.value.rstrip("*") for c in ws[1]]
        for r, row in enumerate(sheet.rows, start=2):
            record = dict(zip(sheet.headers, row))
            for c, header in enumerate(headers, start=1):
                ws.cell(row=r, column=c, value=record.get(header))
    book.save(path)
    data = load(path)
    assert data.equals(county)
    assert data.intake.warnings().empty


def test_template_command(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(out), "--lang", "en"]) == 0
    assert "template written" in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Instructions" and book["党员"]["F1"].value == "学历*"


def test_load_summary_of_a_clean_load(county, tmp_path):
    folder = county.to_csv(tmp_path / "c")
    data = load(folder)
    summary = data.intake
    assert summary.tables["rows"].tolist() == [len(f) for n, f in county.tables().items()
                                               if n in set(summary.tables["table"])]
    assert "members" in summary.render("en") and "党员" in summary.render("zh")
    assert np.all(summary.tables[["blank", "totals"]].to_numpy() == 0)
