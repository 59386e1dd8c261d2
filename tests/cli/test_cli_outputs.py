"""Command-line outputs honour their suffix, and unreachable services are one clear line."""

from __future__ import annotations

import pandas as pd

from workbench.cli import main


def test_robustness_writes_what_the_suffix_says(tmp_path, capsys):
    csv = tmp_path / "rob.csv"
    assert main(["robustness", "sample_data", "-n", "20", "--sobol", "0", "--no-progress", "-o", str(csv)]) == 0
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(table) == 300 and {"rank_p5", "rank_p95", "decided_by_weighting"} <= set(table.columns)
    assert main(["robustness", "sample_data", "-n", "20", "--sobol", "0", "-o", str(tmp_path / "rob.txt")]) == 1
    err = capsys.readouterr().err
    assert err.strip().startswith("error: -o") and ".xlsx" in err and "Traceback" not in err


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    assert main(["score", str(tmp_path), "--engine", "dask", "--scheduler", "not-a-scheduler-address",
                 "-o", str(tmp_path / "r.parquet")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --scheduler not-a-scheduler-address") and "Traceback" not in err
