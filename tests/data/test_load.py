"""Loading: every format, Chinese headers, encodings, and every kind of bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.data.schema import TABLES, header_aliases

from tests.conftest import SAMPLE


def problems_of(path, **kw) -> pd.DataFrame:
    with pytest.raises(wb.DataError) as info:
        wb.load(path, **kw)
    return info.value.problems


def edit_csv(folder, table, edit):
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = edit(frame)
    frame.to_csv(path, index=False)


# ----------------------------------------------------------------- good input

def test_sample_csv_and_workbook_load_to_equal_data(sample):
    workbook = wb.load(SAMPLE / "county.xlsx")
    assert workbook.equals(sample)
    assert 250 <= len(sample.branches) <= 350
    assert sample.branches["township"].nunique() == 12
    assert sample.periods == [2024, 2025]
    assert set(sample.branches["kind"]) == {"village", "community", "enterprise", "institution", "joint"}


def test_parquet_round_trip(tmp_path, small):
    small.to_parquet(tmp_path / "pq")
    assert wb.load(tmp_path / "pq").equals(small)


def test_chinese_headers_and_values(tmp_path, small):
    folder = small.to_csv(tmp_path / "zh", lang="zh")
    assert (folder / "党员.csv").exists()
    header = (folder / "党员.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "出生年份" in header and "入党日期" in header
    assert wb.load(folder).equals(small)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_csv_encodings(tmp_path, small, encoding):
    folder = small.to_csv(tmp_path / encoding, lang="zh", encoding=encoding)
    raw = (folder / "支部.csv").read_bytes()
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert wb.load(folder).equals(small)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_delimiters(small_csv, small, sep):
    for table in TABLES:
        path = small_csv / f"{table}.csv"
        if not path.exists() and not TABLES[table].required:
            continue   # an optional table the county does not keep (assessor scores)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.to_csv(path, index=False, sep=sep)
    assert wb.load(small_csv).equals(small)


def test_people_typed_dates_and_flags(small_csv, small):
    def loosen(frame):
        frame["join_date"] = pd.to_datetime(frame["join_date"]).dt.strftime("%Y/%-m/%-d")
        frame["mobile"] = np.where(frame["mobile"].str.lower() == "true", "是", "否")
        frame["education"] = frame["education"].str.upper()
        return frame
    edit_csv(small_csv, "members", loosen)
    assert wb.load(small_csv).equals(small)


def test_every_chinese_header_maps_back():
    for name, schema in TABLES.items():
        aliases = header_aliases(name)
        for col in schema.columns:
            assert aliases[col.zh] == col.name


def test_readme_documents_the_header_mapping():
    readme = (SAMPLE.parent / "README.md").read_text(encoding="utf-8")
    for schema in TABLES.values():
        for col in schema.columns:
            assert f"| {col.zh} | `{col.name}` |" in readme, f"README lacks {col.zh} -> {col.name}"


def test_optional_outcomes_fall_back_to_branch_columns(small_csv, small):
    (small_csv / "outcomes.csv").unlink()
    data = wb.load(small_csv)
    assert data.outcomes.empty
    out = data.outcomes_for(2025)
    assert out["satisfaction"].equals(small.branches.set_index("branch_id")["satisfaction"])


# ------------------------------------------------------------------ bad input

def test_missing_file(small_csv):
    (small_csv / "meetings.csv").unlink()
    probs = problems_of(small_csv)
    assert "missing table 'meetings'" in probs["message"].iloc[0]


def test_missing_sheet(tmp_path, small):
    path = small.to_excel(tmp_path / "c.xlsx")
    with pd.ExcelWriter(path, engine="openpyxl", mode="a") as w:
        w.book.remove(w.book["问题"])
    probs = problems_of(path)
    assert probs["message"].str.contains("missing sheet for table 'problems'").any()


def test_missing_required_column_names_it(small_csv):
    edit_csv(small_csv, "members", lambda f: f.drop(columns=["education"]))
    probs = problems_of(small_csv)
    row = probs.iloc[0]
    assert row["file"] == "members.csv" and row["column"] == "education"
    assert "学历" in row["message"]


def test_collects_every_problem_not_only_the_first(small_csv):
    def damage(frame):
        frame.loc[3, "birth_year"] = "nineteen"
        frame.loc[5, "education"] = "kindergarten"
        frame.loc[7, "status"] = "honorary"
        return frame
    edit_csv(small_csv, "members", damage)
    edit_csv(small_csv, "meetings", lambda f: f.assign(attendees=f["attendees"].where(f.index != 2, "-4")))
    probs = problems_of(small_csv)
    got = {(r.file, r.row, r.column) for r in probs.itertuples()}
    assert {("members.csv", 5, "birth_year"), ("members.csv", 7, "education"),
            ("members.csv", 9, "status"), ("meetings.csv", 4, "attendees")} <= got
    assert probs.loc[probs["column"] == "attendees", "message"].str.contains("negative").all()
    assert probs.loc[probs["column"] == "education", "value"].iloc[0] == "kindergarten"


def test_duplicate_key(small_csv):
    edit_csv(small_csv, "branches", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    probs = problems_of(small_csv)
    dup = probs[probs["message"].str.contains("duplicate")]
    assert set(dup["row"]) == {2, 32}


def test_unknown_references(small_csv, small):
    edit_csv(small_csv, "members", lambda f: f.assign(branch_id=f["branch_id"].where(f.index != 0, "B99999")))
    edit_csv(small_csv, "problems", lambda f: f.assign(inspection_id=f["inspection_id"].where(f.index != 1, "I-none")))
    probs = problems_of(small_csv)
    assert ((probs["column"] == "branch_id") & (probs["value"] == "B99999")
            & probs["message"].str.contains("unknown branch_id")).any()
    assert ((probs["file"] == "problems.csv") & (probs["column"] == "inspection_id")).any()


def test_impossible_dates(small_csv):
    edit_csv(small_csv, "members", lambda f: f.assign(join_date=f["join_date"].where(f.index != 0, "1901-01-01")))
    def rectify_early(frame):
        frame.loc[0, "rectified"] = "2000-01-01"
        return frame
    edit_csv(small_csv, "problems", rectify_early)
    edit_csv(small_csv, "meetings", lambda f: f.assign(date=f["date"].where(f.index != 0, "2099-05-01")))
    probs = problems_of(small_csv)
    msgs = " | ".join(probs["message"])
    assert "before being born" in msgs
    assert "rectified before the problem was found" in msgs
    assert "in the future" in msgs


def test_future_is_relative_to_today(small_csv):
    with pytest.raises(wb.DataError, match="in the future"):
        wb.load(small_csv, today=pd.Timestamp("2024-06-30").date())


def test_two_secretaries(small_csv):
    def second(frame):
        branch = frame.loc[frame["role"] == "secretary", "branch_id"].iloc[0]
        other = frame.index[(frame["branch_id"] == branch) & (frame["role"] == "member")][0]
        frame.loc[other, "role"] = "secretary"
        return frame
    edit_csv(small_csv, "members", second)
    assert problems_of(small_csv)["message"].str.contains("second secretary").any()


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"\x00\x01\x02\x89PNG\x00\x00garbage", "binary"),
    (b"this is a letter, not a table\nDear comrades\n", "missing required column"),
    (b"just some words\nand more words\n", "single column"),
])
def test_files_that_are_not_tables(small_csv, content, expected):
    (small_csv / "branches.csv").write_bytes(content)
    probs = problems_of(small_csv)
    assert probs["file"].eq("branches.csv").any()
    assert probs["message"].str.contains(expected).any(), probs


def test_truncated_csv(small_csv):
    path = small_csv / "members.csv"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    probs = problems_of(small_csv)
    assert (probs["file"] == "members.csv").any() or probs["message"].str.contains("unknown").any()


def test_ragged_rows_named_by_line(small_csv):
    path = small_csv / "branches.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4] + ",extra,fields"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    probs = problems_of(small_csv)
    assert (probs["row"] == 5).any() and probs["message"].str.contains("fields").any()


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated zip", b"not a zip at all", b""])
def test_broken_workbook(tmp_path, content):
    path = tmp_path / "county.xlsx"
    path.write_bytes(content)
    probs = problems_of(path)
    assert probs["message"].str.contains("Excel workbook").all()


def test_truncated_real_workbook(tmp_path, small):
    path = small.to_excel(tmp_path / "c.xlsx")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])
    assert problems_of(path)["message"].str.contains("Excel workbook").any()


def test_wrong_paths(tmp_path):
    assert "no such file" in problems_of(tmp_path / "nowhere")["message"].iloc[0]
    single = tmp_path / "members.csv"
    single.write_text("a,b\n1,2\n")
    assert "give the folder" in problems_of(single)["fix"].iloc[0].lower()


def test_error_prints_file_row_column(small_csv):
    edit_csv(small_csv, "members", lambda f: f.assign(birth_year=f["birth_year"].where(f.index != 9, "abc")))
    with pytest.raises(wb.DataError) as info:
        wb.load(small_csv)
    text = str(info.value)
    assert "members.csv, row 11, column 'birth_year'" in text
    assert "should be a number" in text and "'abc'" in text


def test_many_bad_rows_are_summarised(tmp_path):
    folder = tmp_path / "many"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.xlsx"))
    edit_csv(folder, "trainings", lambda f: f.assign(hours="lots"))
    probs = problems_of(folder)
    assert len(probs) < 100
    assert probs["message"].str.contains(r"and \d+ more rows").any()


def test_upload_of_csv_files_and_workbook(small, tmp_path):
    folder = small.to_csv(tmp_path / "up")
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert wb.load_files(files).equals(small)
    book = small.to_excel(tmp_path / "c.xlsx")
    assert wb.load_files({"c.xlsx": book.read_bytes()}).equals(small)
    files.pop("members.csv")
    with pytest.raises(wb.DataError, match="missing table 'members'"):
        wb.load_files(files)


def test_empty_record_tables(small):
    tables = small.tables()
    tables["inspections"] = tables["inspections"].iloc[:0]
    tables["problems"] = tables["problems"].iloc[:0]
    data = wb.BranchData.from_frames(**tables)
    assert data.inspections.empty and data.problems.empty
    tables["problems"] = small.problems  # problems of inspections that are not there
    with pytest.raises(wb.DataError, match="unknown inspection_id"):
        wb.BranchData.from_frames(**tables)
