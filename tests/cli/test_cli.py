"""The ``workbench`` command: every command's happy path on sample data, and one bad input each.

A bad input exits 1 with one line on stderr, ``error: ...`` naming what is
wrong, and no traceback. (A data file with problems is the exception: the
loader's error lists every problem, one per line, under its first line.)
``serve`` and ``lab`` start servers: their happy path is tested in
``tests/serve`` against a real server on 127.0.0.1; here, their bad options.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import workbench as wb
from workbench.cli import build_parser, main

from ..conftest import ROOT


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str, start: str = "error: ") -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(start) and "Traceback" not in err, err
    return lines[0]


def test_every_command_is_covered_here():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert commands == {"sample", "check", "template", "score", "robustness", "simulate", "suggest", "screen",
                        "serve", "lab", "panel", "users",   # panel: tests/cli/test_panel_cli.py; users: tests/serve
                        "deck", "report"}                   # tests/meeting/test_cli_meeting.py


# -------------------------------------------------------------------- data

def test_sample_writes_a_county_that_loads(tmp_path, capsys):
    code, out, _ = run(capsys, "sample", "--branches", 12, "--seed", 1, "--out", tmp_path / "c")
    assert code == 0 and "generated" in out
    assert len(wb.load(tmp_path / "c").branches) == 12


def test_sample_refuses_no_branches(capsys):
    code, _, err = run(capsys, "sample", "--branches", 0)
    assert code == 1 and "n_branches must be at least 1, got 0" in one_error_line(err)


def test_check_summarises_a_valid_county(capsys):
    code, out, _ = run(capsys, "check", "sample_data")
    assert code == 0 and "OK: sample_data is valid." in out and "2024, 2025" in out


def test_check_names_a_missing_path(tmp_path, capsys):
    code, _, err = run(capsys, "check", tmp_path / "nowhere")
    assert code == 1 and "Traceback" not in err
    first, *problems = err.strip().splitlines()
    assert first.startswith("error: 1 problem found in") and "no such file or folder" in problems[0]


# ------------------------------------------------------------------ assess

@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_score_writes_results(tmp_path, capsys, suffix):
    out_file = tmp_path / f"results{suffix}"
    code, out, _ = run(capsys, "score", "sample_data", "--period", 2025, "-o", out_file)
    assert code == 0 and out_file.exists() and "300 branches scored" in out
    if suffix == ".parquet":
        results = pd.read_parquet(out_file)
        expected = wb.Scheme(wb.Framework.default()).score(
            wb.compute_indicators(wb.load("sample_data"), period=2025))
        assert results.set_index("branch_id")["rank"].tolist() == expected.rank.tolist()


def test_score_on_dask_writes_partitioned_results(tmp_path, capsys):
    code, _, _ = run(capsys, "sample", "--branches", 40, "--parquet", tmp_path / "ds", "--partitions", 2)
    assert code == 0
    code, out, _ = run(capsys, "score", tmp_path / "ds", "--engine", "dask", "--scheduler", "synchronous",
                       "-o", tmp_path / "r.parquet")
    assert code == 0 and "40 branches in 2 partitions" in out
    assert len(pd.read_parquet(tmp_path / "r.parquet")) == 40


def test_score_refuses_an_unknown_output_type(tmp_path, capsys):
    code, _, err = run(capsys, "score", "sample_data", "-o", tmp_path / "results.txt")
    assert code == 1 and "write .xlsx, .parquet or .csv" in one_error_line(err)


def test_robustness_writes_its_workbook(tmp_path, capsys):
    path = tmp_path / "robustness.xlsx"
    code, out, _ = run(capsys, "robustness", "sample_data", "-n", 30, "--sobol", 0, "--no-progress", "-o", path)
    assert code == 0 and f"written: {path}" in out
    assert "稳健性 Robustness" in pd.ExcelFile(path).sheet_names


def test_robustness_refuses_no_draws(tmp_path, capsys):
    code, _, err = run(capsys, "robustness", "sample_data", "-n", 0, "-o", tmp_path / "r.xlsx")
    assert code == 1 and "-n: expected at least 1 draw, got 0" in one_error_line(err)


# ---------------------------------------------------------------- settings

def test_suggest_then_simulate(tmp_path, capsys):
    plan = tmp_path / "plan.yaml"
    code, out, _ = run(capsys, "suggest", "sample_data", "-o", plan)
    assert code == 0 and plan.exists() and "violations (before -> after)" in out
    code, out, _ = run(capsys, "simulate", plan, "--data", "sample_data", "--lang", "zh")
    assert code == 0 and "全县汇总（调整前 -> 调整后）" in out and f"方案：{plan}" in out


def test_suggest_names_a_missing_path(tmp_path, capsys):
    code, _, err = run(capsys, "suggest", tmp_path / "nowhere")
    assert code == 1 and "Traceback" not in err and err.startswith("error: 1 problem found in")


def test_simulate_says_which_step_does_not_fit_in_the_chosen_language(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("steps:\n- {op: dissolve, branch_id: B09999, into: B00001}\n", encoding="utf-8")
    code, _, err = run(capsys, "simulate", path, "--data", "sample_data")
    assert code == 1 and "step 1 (dissolve): dissolve: no branch 'B09999'" in one_error_line(err)
    code, _, err = run(capsys, "simulate", path, "--data", "sample_data", "--lang", "zh")
    assert code == 1 and err.strip() == (f"错误：{path}：第1步（撤销）：撤销：当前状态中没有支部B09999（现有300个支部）")


# ----------------------------------------------------------------- studies

def test_screen_lists_candidates_with_reasons_and_writes_them(tmp_path, capsys):
    path = tmp_path / "candidates.xlsx"
    code, out, _ = run(capsys, "screen", "sample_data", "--period", 2025, "--lang", "en", "-o", path)
    assert code == 0 and "candidates in 2025" in out and path.exists()


def test_screen_names_the_years_there_are(capsys):
    code, _, err = run(capsys, "screen", "sample_data", "--period", 1990)
    assert code == 1 and "2024, 2025" in one_error_line(err, start="数据中没有 1990 年的记录")


# ------------------------------------------------------------------- serve

@pytest.mark.parametrize("command", ["serve", "lab"])
def test_servers_refuse_a_missing_data_path_before_starting(tmp_path, capsys, command):
    code, _, err = run(capsys, command, "--no-browser", "--data", tmp_path / "nowhere")
    assert code == 1 and "--data: no such file or folder" in one_error_line(err)


# ---------------------------------------------------------- the real command

def test_the_installed_command_prints_no_traceback():
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "score", "sample_data", "-o", "results.txt"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1 and done.stdout == ""
    assert one_error_line(done.stderr) == "error: -o results.txt: write .xlsx, .parquet or .csv"
