"""Property tests: corrupted files raise DataError and nothing else; the generator is sound."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.data.schema import TABLES
from workbench.data.synth import generate

TINY = generate(8, seed=11, years=(2025,))
TINY_TEXT = {}


def _tiny_texts(tmp_path_factory=None):
    if not TINY_TEXT:
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp()) / "tiny"
        TINY.to_csv(folder)
        for p in folder.iterdir():
            TINY_TEXT[p.name] = p.read_bytes()
    return TINY_TEXT


corruption = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 10**6), st.integers(0, 20),
              st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.floats(0, 1), st.just("")),
    st.tuples(st.just("drop_column"), st.integers(0, 10**6), st.integers(0, 20), st.just("")),
    st.tuples(st.just("bytes"), st.integers(0, 10**6), st.integers(0, 10**6), st.binary(max_size=8)),
    st.tuples(st.just("duplicate_row"), st.integers(0, 10**6), st.integers(0, 10**6), st.just("")),
)


def _apply(texts: dict[str, bytes], op) -> dict[str, bytes]:
    kind, a, b, payload = op
    names = sorted(texts)
    name = names[a % len(names)]
    raw = texts[name]
    out = dict(texts)
    if kind == "truncate":
        out[name] = raw[: int(len(raw) * b)]
    elif kind == "bytes":
        pos = b % max(len(raw), 1)
        out[name] = raw[:pos] + payload + raw[pos + len(payload):]
    else:
        lines = raw.decode("utf-8", errors="replace").split("\n")
        header = lines[0].split(",")
        if kind == "drop_column":
            i = b % len(header)
            lines = [",".join(f for j, f in enumerate(line.split(",")) if j != i) if line else line
                     for line in lines]
        elif kind == "duplicate_row" and len(lines) > 2:
            lines.insert(1, lines[1 + b % (len(lines) - 2)])
        elif kind == "cell" and len(lines) > 2:
            r = 1 + b % (len(lines) - 2)
            fields = lines[r].split(",")
            fields[b % len(fields)] = payload.replace(",", "").replace("\n", "").replace('"', "")
            lines[r] = ",".join(fields)
        out[name] = "\n".join(lines).encode("utf-8")
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(corruption, min_size=1, max_size=3))
def test_corrupted_tables_raise_only_data_error(tmp_path_factory, ops):
    texts = _tiny_texts()
    for op in ops:
        texts = _apply(texts, op)
    folder = tmp_path_factory.mktemp("corrupt")
    for name, raw in texts.items():
        (folder / name).write_bytes(raw)
    try:
        data = wb.load(folder)
    except wb.DataError as err:
        assert len(err.problems) > 0
        assert list(err.problems.columns)[:5] == ["file", "row", "column", "value", "message"]
        assert err.problems["message"].str.len().gt(0).all()
        return
    assert isinstance(data, wb.BranchData)  # harmless corruption (e.g. a changed name)


def test_generator_is_seeded_and_valid():
    a = generate(40, seed=5)
    b = generate(40, seed=5)
    c = generate(40, seed=6)
    assert a.equals(b)
    assert not a.equals(c)
    # valid by construction: from_frames re-validates everything
    assert wb.BranchData.from_frames(**a.tables()).equals(a)


def test_generator_matches_domain_numbers():
    data = generate(4000, seed=3)
    m, b = data.members, data.branches
    sizes = m.groupby("branch_id").size().reindex(b["branch_id"], fill_value=0)
    assert 19 <= sizes.mean() <= 25
    assert 0.005 <= (sizes < 3).mean() <= 0.05
    assert 0.01 <= (sizes > 50).mean() <= 0.06
    village_sizes = sizes[b.set_index("branch_id")["kind"] == "village"]
    assert 15 <= village_sizes.median() <= 40
    sec = m[m["role"] == "secretary"]
    age = 2025 - sec["birth_year"]
    assert 43 <= age.mean() <= 48 and 5 <= age.std() <= 9 and age.between(25, 60).all()
    assert 0.02 <= (sec["gender"] == "female").mean() <= 0.10
    assert 0.35 <= sec["wealth_leader"].mean() <= 0.6
    assert 0.22 <= ((2025 - m["birth_year"]) >= 61).mean() <= 0.34
    village = b.loc[b["kind"] == "village", "branch_id"]
    reserve = m[m["reserve_cadre"]].groupby("branch_id").size().reindex(village, fill_value=0)
    assert 1.5 <= reserve.mean() <= 3
    assert (2025 - m.loc[m["reserve_cadre"], "birth_year"]).max() <= 35
    flagged = data.outcomes.query("year == 2025")["weak_lax"].mean()
    assert 0.07 <= flagged <= 0.15
    # committees where 7+ formal members, nearly always
    formal = m[m["status"] == "formal"].groupby("branch_id").size()
    committee = m[~m["role"].isin(["member", "secretary", "deputy_secretary"])].groupby("branch_id").size()
    big = formal[formal >= 7].index
    assert committee.reindex(big, fill_value=0).gt(0).mean() > 0.9
    # some problems overdue at the end of 2025, most closed
    p = data.problems
    end = pd.Timestamp("2025-12-31")
    overdue = (p["due"] < end) & (p["rectified"].isna() | (p["rectified"] > end))
    assert 0.03 <= overdue.mean() <= 0.3


def test_weak_branches_show_in_their_records():
    data = generate(2000, seed=4)
    flagged = data.outcomes.query("year == 2025 and weak_lax")["branch_id"]
    meetings = data.meetings[data.meetings["date"].dt.year == 2025].groupby("branch_id").size()
    meetings = meetings.reindex(data.branches["branch_id"], fill_value=0)
    weak = meetings.index.isin(flagged)
    assert meetings[weak].mean() < 0.8 * meetings[~weak].mean()
    sat = data.outcomes.query("year == 2025").set_index("branch_id")["satisfaction"]
    assert sat[sat.index.isin(flagged)].mean() < sat[~sat.index.isin(flagged)].mean() - 10


def test_generator_scales(tmp_path):
    data = generate(5000, seed=1, validate=False)
    assert len(data.branches) == 5000 and data.members["member_id"].is_unique
    assert data.trainings["training_id"].str.len().nunique() == 1


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_check_ok_and_bad(tmp_path, small_csv):
    ok = _run_cli("check", str(small_csv))
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout and "members" in ok.stdout
    (small_csv / "members.csv").write_bytes(b"\x00\x01binary")
    bad = _run_cli("check", str(small_csv))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert "members.csv" in bad.stderr and "binary" in bad.stderr


def test_cli_sample_writes_loadable_folder_and_workbook(tmp_path):
    out = _run_cli("sample", "--branches", "20", "--seed", "3", "--out", str(tmp_path / "c"),
                   "--xlsx", str(tmp_path / "c.xlsx"))
    assert out.returncode == 0, out.stderr
    assert wb.load(tmp_path / "c").equals(wb.load(tmp_path / "c.xlsx"))
    assert wb.load(tmp_path / "c").equals(generate(20, seed=3))


@pytest.mark.parametrize("table", list(TABLES))
def test_loaded_dtypes_are_canonical(sample, table):
    from workbench.data.validate import canonical_dtype

    frame = getattr(sample, table)
    for col in TABLES[table].columns:
        assert frame[col.name].dtype == canonical_dtype(col), (table, col.name)
    assert np.all(frame.columns == [c.name for c in TABLES[table].columns])
