"""Every table download says what it shows: the "说明 About" sheet beside the "结果 Results" rows.

Each test sets real filters through the page's widgets, clicks the table's download as a person does,
opens the workbook and checks that its About sheet names those filters (in Chinese and in English),
the sort order, a row count equal to the rows written, and the year, scheme and data of the output.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.settings.screening import screen
from workbench.views import build_overview_app, build_screening_app, build_weight_explorer

RESULTS, ABOUT = "结果 Results", "说明 About"
FORMULA_TOWN = "=HYPERLINK(\"http://x\",\"镇\")"


def download(table):
    """Click the table's download as a person does; the path of the workbook it wrote and offered."""
    written, export_to = [], table.export_to
    table.export_to = lambda frame, about: written.append(export_to(frame, about)) or written[-1]
    try:
        table.download.click()
    finally:
        table.export_to = export_to
    assert len(written) == 1 and written[0].name in table.link.value, "the download offered no file"
    return written[0]


def about_of(path) -> dict[str, list[str]]:
    """The About sheet as {item: [values]} (the context has several lines under one item)."""
    sheet = openpyxl.load_workbook(path)[ABOUT]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("项目 Item", "内容 Value")
    out: dict[str, list[str]] = {}
    for item, value in rows[1:]:
        out.setdefault(item, []).append(value)
    return out


def results_rows(path) -> int:
    return len(pd.read_excel(path, sheet_name=RESULTS))


# ------------------------------------------------------------------ screening (06)

@pytest.fixture
def formula_county(tmp_path) -> wb.BranchData:
    """The sample county with the township of the first 2025 candidate renamed to a formula-looking text."""
    data = wb.load("sample_data")
    town = screen(data, period=2025).candidates["township"].iloc[0]
    branches = data.branches.copy()
    branches["township"] = branches["township"].replace(town, FORMULA_TOWN)
    data.replace(branches=branches).to_csv(tmp_path / "county")
    return wb.load(tmp_path / "county")


def test_the_candidates_download_names_township_criterion_and_decision(formula_county, tmp_path):
    app = build_screening_app(formula_county, lang="zh", state_dir=tmp_path / "state")
    view, model = app.views["candidates"], app.models["screening"]
    view.township.value = FORMULA_TOWN
    trigger = next(t for t in model.screening.triggers
                   if model.candidates()["triggers"].str.split(";").map(lambda ts: t.id in ts).any())
    view.trigger.value = trigger.id
    view.decision.value = "pending"
    view.table.sort.value = "reasons"
    view.table.direction.value = True
    shown = len(view.table.model.frame)
    assert 0 < shown < len(model.screening.candidates)           # the filters narrowed the list

    path = download(view.table)
    about = about_of(path)
    assert about["表格"] == ["软弱涣散候选支部"]
    assert about["乡镇"] == [FORMULA_TOWN]
    assert about["排查条件"] == [trigger.label("zh")]
    assert about["研究结果"] == ["待研究"]
    assert about["排序"] == ["触发条件数 降序"]
    assert about["行数"] == [str(shown)] == [str(results_rows(path))]
    assert "2025 年度" in about["背景"] and any(line.startswith("方案 default") for line in about["背景"])
    assert any("county" in line for line in about["背景"])       # the data file the rows come from
    # the township that looks like a formula stays text (in the About sheet and in the rows)
    book = openpyxl.load_workbook(path)
    cell = next(c for row in book[ABOUT].iter_rows() for c in row if c.value == FORMULA_TOWN)
    assert cell.data_type == "s"
    assert all(c.data_type == "s" for row in book[RESULTS].iter_rows(min_row=2) for c in row
               if isinstance(c.value, str) and c.value.startswith("="))

    app.state.lang = "en"
    about = about_of(download(view.table))
    assert about["Table"] == ["Weak-and-lax candidates"]
    assert about["Township"] == [FORMULA_TOWN]
    assert about["Criterion"] == [trigger.label("en")]
    assert about["Decision"] == ["Pending"]
    assert about["Rows"] == [str(shown)]
    assert "Year 2025" in about["Context"]


def test_the_candidates_download_says_all_when_nothing_is_filtered(tmp_path):
    app = build_screening_app("sample_data", lang="zh", state_dir=tmp_path / "state")
    table = app.views["candidates"].table
    about = about_of(download(table))
    assert about["乡镇"] == about["研究结果"] == ["全部"]
    assert about["排序"] == ["原顺序"]
    assert about["行数"] == [str(len(app.models["screening"].screening.candidates))]


def test_the_weak_lax_list_download_says_which_list(tmp_path):
    app = build_screening_app("sample_data", lang="en", state_dir=tmp_path / "state")
    model, decide = app.models["screening"], app.views["decide"]
    decide.branch.value = model.screening.candidates.index[0]
    decide.note.value = "Secretary post vacant"
    decide.confirm.click()
    table = app.views["list"].table
    path = download(table)
    about = about_of(path)
    assert about["Table"] == ["Weak-and-lax list and its effect on grades"]
    assert about["Rows"] == [str(len(model.listed))] == [str(results_rows(path))]
    assert "Year 2025" in about["Context"]


# ------------------------------------------------------------------ year over year (01)

@pytest.fixture
def overview(tmp_path):
    return build_overview_app("sample_data", lang="zh", state_dir=tmp_path / "state")


def test_the_movers_and_carried_downloads_name_the_years_and_the_carry_forward(overview):
    view, model = overview.views["yoy"], overview.models["yoy"]
    about = about_of(download(view.table))
    assert about["表格"] == ["变化最大的支部"]
    assert about["对比年度"] == ["2024 → 2025"]
    assert about["缺失值沿用上年"] == ["否"]
    view.carry.value = True
    path = download(view.carried)
    about = about_of(path)
    assert about["表格"] == ["沿用上年的指标值"]
    assert about["缺失值沿用上年"] == ["是"]
    assert about["行数"] == [str(model.carried_count())] == [str(results_rows(path))]
    assert "2025 年度" in about["背景"]
    overview.state.lang = "en"
    path = download(view.table)
    about = about_of(path)
    assert about["Years compared"] == ["2024 → 2025"]
    assert about["Missing values carried from last year"] == ["yes"]
    assert about["Rows"] == [str(len(model.result.movers))] == [str(results_rows(path))]


# ------------------------------------------------------------------ weights robustness (02)

def test_the_robustness_download_names_scheme_and_draws(tmp_path):
    explorer = build_weight_explorer("sample_data", lang="zh", schemes_folder=tmp_path / "schemes",
                                     state_dir=tmp_path / "state")
    explorer.views["panel"].preset.value = "equal"
    view, model = explorer.views["robustness"], explorer.models["robustness"]
    model.n = 40
    view.run.click()
    path = download(view.table)
    about = about_of(path)
    scheme = explorer.scoring.scheme
    assert about["表格"] == ["等次取决于权重的支部（排名区间）"]
    assert about["权重方案"] == [scheme.name] and scheme.name != "default"
    assert about["随机抽样次数"] == ["40"]
    assert about["行数"] == [str(len(model.decided("zh")))] == [str(results_rows(path))]
    assert any(line.startswith(f"方案 {scheme.name}") for line in about["背景"])
    explorer.state.lang = "en"
    about = about_of(download(view.table))
    assert about["Weighting scheme"] == [scheme.name] and about["Random draws"] == ["40"]


# ------------------------------------------------------------------ data picker

def _upload(picker, files: dict[str, bytes]) -> None:
    picker.mode.value = "upload"
    picker.upload.value = tuple(
        {"name": name, "type": "text/csv", "size": len(raw), "content": memoryview(raw),
         "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)} for name, raw in files.items())


def test_the_problems_download_of_a_refused_load_names_the_files(overview, small):
    picker = overview.views["picker"]
    files = {f"{name}.csv": frame.to_csv(index=False).encode() for name, frame in small.tables().items()}
    files["members.csv"] = files["members.csv"].replace(b"formal", b"honorary", 2)
    _upload(picker, files)
    table = picker.problems.table
    path = download(table)
    about = about_of(path)
    assert about["表格"] == ["数据未能加载的问题"]
    assert about["数据集"] == [", ".join(sorted(files))]
    assert about["行数"] == [str(len(table.model.frame))]
    assert about["行数"] == [str(len(pd.read_excel(path, sheet_name=0)))]
    assert "背景" not in about  # the year and data loaded are not those of the refused files
    overview.state.lang = "en"
    assert about_of(download(table))["Data set"] == [", ".join(sorted(files))]
