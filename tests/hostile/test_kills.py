"""Issue 20: writes killed at random moments never leave a mix, and their temporaries never show.

``workbench sample`` is killed (SIGKILL) again and again while it replaces an
existing data set: after every kill the folder loads, and equals either the old
data set or the new one, never a mix of the two.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import workbench as wb
from workbench.data.synth import generate
from workbench.files import atomic_path, is_temporary, remove_stale_temporaries, saved_files
from workbench.scale.dataset import read_manifest

from .conftest import ROOT

pytestmark = pytest.mark.slow

OLD, NEW = 1, 2
N = 30


def _sample(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbench.cli", "sample", "--branches", str(N), *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _time_to_finish(args: list[str]) -> float:
    start = time.perf_counter()
    assert _sample(args).wait(timeout=120) == 0
    return time.perf_counter() - start


def _kill_loop(args_old, args_new, check, *, runs: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    assert _sample(args_old).wait(timeout=120) == 0
    total = _time_to_finish(args_new)
    assert _sample(args_old).wait(timeout=120) == 0
    outcomes = []
    for i in range(runs):
        proc = _sample(args_new if i % 2 == 0 else args_old)
        time.sleep(rng.uniform(0.5, 1.05) * total)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        outcomes.append(check())
    return outcomes


def test_killed_csv_writes_leave_the_old_or_the_new_data_set(tmp_path):
    folder = tmp_path / "county"
    old, new = generate(N, seed=OLD), generate(N, seed=NEW)

    def check() -> str:
        data = wb.load(folder)
        if data.equals(new):
            return "new"
        assert data.equals(old), "a mix of two data sets"
        return "old"

    outcomes = _kill_loop(["--seed", str(OLD), "--out", str(folder)], ["--seed", str(NEW), "--out", str(folder)],
                          check, runs=8, seed=0)
    assert set(outcomes) <= {"old", "new"}
    # what killed writers left beside the folder is temporary, never listed, and removed at the next start
    left = [p for p in tmp_path.iterdir() if is_temporary(p.name)]
    assert not any(is_temporary(p.name) for p in saved_files(tmp_path, ""))
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted(left)
    assert not [p for p in tmp_path.iterdir() if is_temporary(p.name)]


def test_killed_partitioned_writes_leave_a_complete_dataset(tmp_path):
    folder = tmp_path / "country"
    old = ["--seed", str(OLD), "--parquet", str(folder), "--partitions", "3"]
    new = ["--seed", str(NEW), "--parquet", str(folder), "--partitions", "3"]
    sources = set()

    def check() -> str:
        info = read_manifest(folder)
        data = wb.load(folder)
        assert sum(info.rows("members")) == len(data.members)
        sources.add(info.source)
        return info.source

    outcomes = _kill_loop(old, new, check, runs=6, seed=1)
    assert len(set(outcomes)) >= 1 and all("seed=" in s for s in outcomes)


def test_killed_single_file_saves_keep_the_old_file_and_hide_the_temporary(tmp_path):
    target = tmp_path / "scheme.yaml"
    target.write_text("weights: {team: 0.3}\n")
    code = ("import time, sys\nfrom workbench.files import atomic_path\n"
            f"with atomic_path({str(target)!r}) as tmp:\n"
            "    tmp.write_text('weights: {team: 0.9')\n    print('ready', flush=True)\n    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert target.read_text() == "weights: {team: 0.3}\n"
    assert [p.name for p in saved_files(tmp_path, ".yaml")] == ["scheme.yaml"]
    assert len(remove_stale_temporaries(tmp_path)) == 1
    with atomic_path(target) as tmp:  # a live writer's temporary is left alone
        tmp.write_text("x")
        assert remove_stale_temporaries(tmp_path) == []
    assert target.read_text() == "x"
