"""National scale: the Dask engine gives the pandas engine's numbers (to 1e-9).

Most tests run Dask's synchronous scheduler (fast, deterministic); one runs a
real ``distributed.LocalCluster`` with worker processes, which also proves that
everything the tasks carry pickles.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import workbench as wb
from workbench.assess import normalize as nz
from workbench.assess.scoring import results_table
from workbench.cli import main
from workbench.scale import (load_partition, read_manifest, robustness_dataset, score_dataset, township_groups,
                             write_partitioned, write_synthetic)
from workbench.cli.scale import scheduler, summary_path
from workbench.scale import robustness as scale_robustness
from workbench.scale.dataset import partition_path
from workbench.scale.stats import ColumnSummary, finish, merge, partition_summary

pytestmark = pytest.mark.filterwarnings("ignore::workbench.assess.aggregate.GeometricZeroWarning")

TODAY = dt.date(2026, 3, 1)
FLOATS = ["total", "team", "education", "organization", "red", "inspection", "functions"]

# A quota that binds: the default framework with at most 10 % "strong".
TIGHT = wb.Framework.from_yaml_text("base: default\nquota: {grade: strong, max_share: 0.1}")


def schemes(fw: wb.Framework) -> dict[str, wb.Scheme]:
    """Schemes whose normalizations need national statistics, and the other global steps."""
    mixed = {"reserve_cadres": "minmax", "committee_mean_age": "zscore", "training_hours": "rank",
             "satisfaction": "rank", "platform_score": "zscore", "income_growth": "minmax",
             "problems_found": {"method": "target", "target": 0}}
    return {
        "default": wb.Scheme(fw),
        "minmax": wb.Scheme(fw, normalization={"*": "minmax"}),
        "zscore": wb.Scheme(fw, normalization={"*": "zscore"}, aggregation={"dimensions": "topsis"}),
        "rank": wb.Scheme(fw, normalization={"*": "rank"}, missing="impute_township"),
        "mixed_geometric": wb.Scheme(fw, normalization=mixed, missing="impute_township",
                                     aggregation={"indicators": "geometric", "dimensions": "geometric"}),
    }


def pandas_engine(data: wb.BranchData, scheme: wb.Scheme, period=None):
    table = wb.compute_indicators(data, scheme.framework, period=period)
    result = scheme.score(table, groups=data)
    return results_table(result.total, result.rank, result.grade, result.dimensions), result


def assert_same(dask_frame: pd.DataFrame, pandas_frame: pd.DataFrame) -> None:
    a = dask_frame.sort_values("branch_id").reset_index(drop=True)
    b = pandas_frame.sort_values("branch_id").reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert a["branch_id"].tolist() == b["branch_id"].tolist()
    assert a["rank"].tolist() == b["rank"].tolist()
    assert a["grade"].tolist() == b["grade"].tolist()
    np.testing.assert_allclose(a[FLOATS].to_numpy(), b[FLOATS].to_numpy(), rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def sample_parts(tmp_path_factory, sample):
    return write_partitioned(sample, tmp_path_factory.mktemp("sample_parts"), partitions=4)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """10^4 generated branches in 8 partitions (written part by part), and the same loaded whole."""
    folder = write_synthetic(tmp_path_factory.mktemp("province"), 10_000, partitions=8, seed=11, today=TODAY)
    return folder, wb.load(folder, today=TODAY)


# ------------------------------------------------------------------ the dataset

def test_write_partitioned_keeps_every_row_and_whole_townships(sample, sample_parts):
    info = read_manifest(sample_parts)
    assert info.partitions == 4 and info.periods == tuple(sample.periods)
    assert info.n_branches == len(sample.branches)
    whole = wb.load(sample_parts)  # the pandas loader reads the partitioned layout as one dataset
    for name, frame in sample.tables().items():
        key = frame.columns[0]
        pd.testing.assert_frame_equal(getattr(whole, name).sort_values(key).reset_index(drop=True),
                                      frame.sort_values(key).reset_index(drop=True))
    seen: dict[str, int] = {}
    for i in range(info.partitions):
        part = load_partition(sample_parts, i)
        assert part.equals(load_partition(sample_parts, i, validate=False))
        for town in part.branches["township"].unique():
            assert seen.setdefault(town, i) == i, f"township {town} in partitions {seen[town]} and {i}"
        assert sorted(part.branches["township"].unique()) == info.townships(i)
        assert set(part.members["branch_id"]) <= set(part.branches["branch_id"])
        assert set(part.trainings["member_id"]) <= set(part.members["member_id"])
    assert len(seen) == sample.branches["township"].nunique()


def test_township_groups_are_contiguous_balanced_and_never_empty():
    b = pd.DataFrame({"township": list("a" * 9 + "bbc")})
    assert township_groups(b, 3).to_dict() == {"a": 0, "b": 1, "c": 2}
    many = pd.DataFrame({"township": np.repeat([f"t{i:03d}" for i in range(200)], 25)})
    groups = township_groups(many, 7)
    assert groups.is_monotonic_increasing and set(groups) == set(range(7))
    sizes = many["township"].map(groups).value_counts()
    assert sizes.max() - sizes.min() <= 25
    with pytest.raises(ValueError, match="only 3 townships"):
        township_groups(b, 4)


def test_write_synthetic_streams_unique_ids_and_is_reproducible(tmp_path, province):
    folder, whole = province
    info = read_manifest(folder)
    assert info.n_branches == 10_000 and info.periods == (2024, 2025)
    for name, key in (("branches", "branch_id"), ("members", "member_id"), ("meetings", "meeting_id"),
                      ("trainings", "training_id"), ("inspections", "inspection_id"),
                      ("problems", "problem_id")):
        assert getattr(whole, name)[key].is_unique, name
        assert sum(info.rows(name)) == len(getattr(whole, name))
    towns = [set(info.townships(i)) for i in range(info.partitions)]
    assert sum(map(len, towns)) == len(set().union(*towns)) == whole.branches["township"].nunique()
    # the same seed gives the same files; another seed another country
    one = write_synthetic(tmp_path / "one", 900, partitions=3, seed=11, today=TODAY)
    again = write_synthetic(tmp_path / "again", 900, partitions=3, seed=11, today=TODAY)
    other = write_synthetic(tmp_path / "other", 900, partitions=3, seed=12, today=TODAY)
    for i in range(3):
        assert load_partition(one, i, validate=False).equals(load_partition(again, i, validate=False))
        assert not load_partition(one, i, validate=False).equals(load_partition(other, i, validate=False))


def test_sample_cli_writes_a_partitioned_dataset(tmp_path, capsys):
    assert main(["sample", "--branches", "400", "--parquet", str(tmp_path / "p"), "--partitions", "3",
                 "--seed", "2"]) == 0
    assert "3/3 partitions written" in capsys.readouterr().out
    info = read_manifest(tmp_path / "p")
    assert info.partitions == 3 and info.n_branches == 400
    assert len(wb.load(tmp_path / "p").branches) == 400


# ------------------------------------------------------------ national statistics

@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.one_of(hs.integers(-5, 30).map(float), hs.floats(-1e3, 1e3), hs.just(np.nan)),
                min_size=1, max_size=60),
       hs.lists(hs.integers(0, 60), max_size=4), hs.sampled_from(["higher", "lower"]))
def test_statistics_merged_over_parts_normalize_like_the_whole_column(values, cuts, direction):
    x = np.array(values)
    pieces = np.split(x, sorted(set(c for c in cuts if c <= len(x))))
    needs = {"x": {"bounds", "moments", "reference"}}
    merged = merge(*[partition_summary(pd.DataFrame({"x": p}), needs) for p in pieces])
    stats = finish(merged)["x"]
    for method, kwargs in (("minmax", {}), ("zscore", {}), ("rank", {}),
                           ("target", {"target": 2.0}) if direction == "lower" else ("minmax", {})):
        spec = wb.assess.framework.Normalization(method=method, **kwargs)
        whole = nz.normalize(x, spec, direction)
        parts = np.concatenate([nz.normalize(p, spec, direction, stats=stats) for p in pieces])
        np.testing.assert_allclose(parts, whole, rtol=0, atol=1e-9 * max(1.0, np.nanmax(np.abs(whole), initial=0)))


def test_column_summary_moments_agree_with_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(70, 12, 100_000)
    parts = np.array_split(x, 37)
    total = ColumnSummary.of(parts[0])
    for p in parts[1:]:
        total = total.merge(ColumnSummary.of(p))
    mean, sd = total.statistics({"moments"})["moments"]
    assert abs(mean - x.mean()) < 1e-10 and abs(sd - x.std()) < 1e-10


# ------------------------------------------------- the Dask engine equals pandas

@pytest.mark.parametrize("name", ["default", "minmax", "zscore", "rank", "mixed_geometric"])
def test_dask_engine_equals_pandas_on_the_sample_county(sample, sample_parts, name):
    scheme = schemes(TIGHT)[name]
    expected, assessment = pandas_engine(sample, scheme, period=2025)
    with dask.config.set(scheduler="synchronous"):
        result = score_dataset(sample_parts, scheme=scheme, period=2025)
    assert_same(result.compute(), expected)
    assert result.national["quota_demoted"] == len(assessment.quota_demoted)
    assert result.national["vetoes"] == len(assessment.vetoes)
    assert result.grade_counts().to_dict() == assessment.grade_counts().to_dict()


@pytest.mark.parametrize("name", ["default", "mixed_geometric"])
def test_dask_engine_equals_pandas_on_10k_generated_branches(province, name):
    folder, whole = province
    scheme = schemes(TIGHT)[name]
    expected, assessment = pandas_engine(whole, scheme)
    if name == "default":
        assert len(assessment.quota_demoted) > 0  # the quota binds: its cut needs the national order
    with dask.config.set(scheduler="threads"):
        result = score_dataset(folder, scheme=scheme, validate=False)
    assert result.frame.npartitions == 8 and result.period == 2025
    assert_same(result.compute(), expected)
    assert result.national["quota_demoted"] == len(assessment.quota_demoted)
    # grade counts by township add up to the pandas engine's
    town = whole.branches.set_index("branch_id")["township"]
    by_town = expected.assign(township=expected["branch_id"].map(town)).groupby(["township", "grade"]).size()
    got = result.summary.droplevel("partition").stack()
    assert got[got > 0].sort_index().to_dict() == by_town.sort_index().to_dict()


def test_partitions_scored_alone_would_differ(sample, sample_parts):
    """The national statistics and order matter: scoring one partition on its own gives other numbers."""
    scheme = schemes(TIGHT)["rank"]
    expected, _ = pandas_engine(sample, scheme, period=2025)
    part = load_partition(sample_parts, 0)
    alone, _ = pandas_engine(part, scheme, period=2025)
    mine = expected.set_index("branch_id").loc[alone["branch_id"]]
    assert not np.allclose(mine["total"].to_numpy(), alone["total"].to_numpy())
    assert (mine["rank"].to_numpy() != alone["rank"].to_numpy()).any()


def test_real_local_cluster_with_worker_processes(sample, sample_parts, tmp_path):
    scheme = schemes(TIGHT)["zscore"]
    expected, _ = pandas_engine(sample, scheme)
    with scheduler(None, n_workers=2, threads_per_worker=1, processes=True) as client:
        result = score_dataset(sample_parts, scheme=scheme, client=client)
        out = result.to_parquet(tmp_path / "national.parquet")
    assert sorted(p.name for p in out.iterdir()) == [f"part.{i:05d}.parquet" for i in range(4)]
    assert_same(pd.read_parquet(out), expected)


# ------------------------------------------------------------------- command line

def test_score_cli_pandas_and_dask_write_the_same_table(sample, sample_parts, tmp_path, capsys):
    a, b = tmp_path / "A.parquet", tmp_path / "B.parquet"
    assert main(["score", str(sample_parts), "--engine", "pandas", "-o", str(a)]) == 0
    b.mkdir()
    (b / "part.00099.parquet").write_bytes(b"stale")  # an older run's output is replaced, not mixed in
    assert main(["score", str(sample_parts), "--engine", "dask", "--scheduler", "synchronous",
                 "-o", str(b)]) == 0
    out = capsys.readouterr().out
    assert "300 branches in 4 partitions" in out and "Completed" in out
    assert a.is_file() and sorted(p.name for p in b.iterdir()) == [f"part.{i:05d}.parquet" for i in range(4)]
    assert_same(pd.read_parquet(b), pd.read_parquet(a))
    summary = pd.read_csv(summary_path(b), encoding="utf-8-sig")
    assert summary["branches"].sum() == 300
    assert summary["township"].is_unique and set(summary["township"]) == set(sample.branches["township"])
    grades = pd.read_parquet(a)["grade"].value_counts()
    assert summary[list(grades.index)].sum().to_dict() == grades.to_dict()


def test_score_cli_dask_needs_a_parquet_folder(sample_parts, tmp_path, capsys):
    assert main(["score", str(sample_parts), "--engine", "dask", "--scheduler", "synchronous",
                 "-o", str(tmp_path / "r.xlsx")]) == 1
    assert "partitioned Parquet dataset" in capsys.readouterr().err


# --------------------------------------------------------- national Monte Carlo

def assert_robustness_matches(national: pd.DataFrame, memory: pd.DataFrame) -> None:
    """The national summary is the in-memory one: every column equal (totals to 1e-9: other products)."""
    national = national.reindex(memory.index)
    assert list(national.columns) == list(memory.columns)
    np.testing.assert_allclose(national["total"].to_numpy(float), memory["total"].to_numpy(float),
                               rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(national.drop(columns="total"), memory.drop(columns="total"),
                                  check_exact=True)


@pytest.fixture(scope="module")
def sample_three(tmp_path_factory, sample):
    """The sample county in 3 partitions."""
    return write_partitioned(sample, tmp_path_factory.mktemp("sample_three"), partitions=3)


@pytest.mark.parametrize("name", ["tight", "rank_impute", "geometric", "dimension_weights"])
def test_national_monte_carlo_equals_the_in_memory_one_exactly(sample, sample_three, monkeypatch, name):
    # small draw tasks and groups: several of each, so pieces cross tasks and groups
    monkeypatch.setattr(scale_robustness, "GROUP_CELLS", 120 * 200)
    schemes = {"tight": wb.Scheme(TIGHT),
               "rank_impute": wb.Scheme(TIGHT, normalization={"*": "rank"}, missing="impute_township"),
               "geometric": wb.Scheme(TIGHT, aggregation={"indicators": "geometric", "dimensions": "geometric"}),
               "dimension_weights": wb.Scheme(TIGHT, normalization={"satisfaction": "zscore"})}
    scheme = schemes[name]
    vary = "dimension_weights" if name == "dimension_weights" else ("weights",)
    table = wb.compute_indicators(sample, TIGHT, period=2025)
    memory = wb.monte_carlo(scheme, table, n=200, seed=4, spread=0.3, vary=vary, groups=sample, progress=False)
    if name == "tight":   # the quota on "strong" binds: which branches keep it depends on the draw
        assert len(memory.nominal.quota_demoted) > 0
        assert memory.summary["p_strong"].between(0, 1, inclusive="neither").sum() > 5
    assert memory.summary["decided_by_weighting"].sum() > 3
    with dask.config.set(scheduler="synchronous"):
        national = robustness_dataset(sample_three, scheme=scheme, n=200, seed=4, spread=0.3, vary=vary,
                                      period=2025, task_cells=300 * 7)
    assert national.settings["draw_tasks"] == 29 and national.settings["groups"] == 3
    assert_robustness_matches(national.compute(), memory.summary)
    np.testing.assert_array_equal(national.samples.dimension_weights, memory.samples.dimension_weights)


def test_national_monte_carlo_cascades_several_quota_rules_like_the_in_memory_one(sample, sample_parts,
                                                                                monkeypatch):
    from workbench.assess.kernel import QuotaRule

    rules = (QuotaRule("strong", 0.1), QuotaRule("standardized", 0.55))
    monkeypatch.setattr(wb.Framework, "quota_rules", property(lambda self: rules))
    scheme = wb.Scheme(wb.Framework.default())
    table = wb.compute_indicators(sample, period=2025)
    memory = wb.monte_carlo(scheme, table, n=80, seed=6, spread=0.3, progress=False)
    assert memory.summary["p_standardized"].between(0, 1, inclusive="neither").sum() > 10
    with dask.config.set(scheduler="synchronous"):
        national = robustness_dataset(sample_parts, scheme=scheme, n=80, seed=6, spread=0.3, period=2025)
    assert_robustness_matches(national.compute(), memory.summary)


def test_national_monte_carlo_on_10k_branches(province):
    folder, whole = province
    scheme = wb.Scheme(TIGHT, normalization={"satisfaction": "rank", "committee_mean_age": "zscore"})
    table = wb.compute_indicators(whole, TIGHT)
    memory = wb.monte_carlo(scheme, table, n=60, seed=9, groups=whole, progress=False)
    with dask.config.set(scheduler="threads"):
        national = robustness_dataset(folder, scheme=scheme, n=60, seed=9, validate=False)
    assert_robustness_matches(national.compute(), memory.summary)
    assert (memory.summary["rank_p95"] - memory.summary["rank_p5"]).max() > 100   # the draws do move ranks


def test_national_monte_carlo_without_spread_collapses_to_the_nominal(sample_parts, tmp_path):
    with dask.config.set(scheduler="synchronous"):
        national = robustness_dataset(sample_parts, n=20, seed=1, spread=0)
        out = national.to_parquet(tmp_path / "mc.parquet")
    got = pd.read_parquet(out).set_index("branch_id")
    assert (got["p_grade"] == 1).all() and not got["decided_by_weighting"].any()
    for column in ("rank_p5", "rank_median", "rank_p95"):
        assert (got[column] == got["rank"]).all()
    assert "exact national ranks" in repr(national)


def test_national_monte_carlo_varies_weights_only(sample_parts):
    with pytest.raises(ValueError, match="only weights vary"):
        robustness_dataset(sample_parts, n=10, vary=("weights", "normalization"))
    with pytest.raises(ValueError, match="TOPSIS"):
        robustness_dataset(sample_parts, scheme=wb.Scheme(TIGHT, aggregation={"dimensions": "topsis"}), n=10)
    with pytest.raises(ValueError, match="task_cells"):
        robustness_dataset(sample_parts, n=10, task_cells=0)


def test_robustness_cli_dask_writes_what_monte_carlo_gives(sample, sample_three, tmp_path, capsys):
    out = tmp_path / "mc.parquet"
    assert main(["robustness", str(sample_three), "--engine", "dask", "--scheduler", "synchronous",
                 "-n", "60", "--seed", "2", "--spread", "0.3", "--period", "2025", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "300 branches, 60 draws" in printed and "ranks: exact" in printed and "Completed" in printed
    got = pd.read_parquet(out).set_index("branch_id")
    table = wb.compute_indicators(sample, period=2025)
    memory = wb.monte_carlo(wb.Scheme(wb.Framework.default()), table, n=60, seed=2, spread=0.3, progress=False)
    got["grade"] = got["grade"].astype(memory.summary["grade"].dtype)
    assert_robustness_matches(got, memory.summary)
    summary = pd.read_csv(summary_path(out), encoding="utf-8-sig").set_index("grade")
    s = memory.summary
    assert summary["branches"].to_dict() == {g: int((s["grade"] == g).sum()) for g in summary.index}
    assert summary["decided_by_weighting_p<0.8"].sum() == int(s["decided_by_weighting"].sum())
    np.testing.assert_allclose(summary["expected_over_draws"].sum(), 300, atol=0.3)


@pytest.mark.parametrize("options, message", [
    (["-o", "mc.xlsx"], "partitioned Parquet dataset"),
    (["--sobol", "64", "-o", "mc.parquet"], "--sobol"),
    (["--threads", "2", "-o", "mc.parquet"], "--threads"),
    (["--vary", "aggregation", "-o", "mc.parquet"], "only weights vary"),
])
def test_robustness_cli_dask_refuses_what_it_cannot_do(sample_parts, tmp_path, capsys, options, message):
    options = [str(tmp_path / o) if o.startswith("mc.") else o for o in options]
    assert main(["robustness", str(sample_parts), "--engine", "dask", "--scheduler", "synchronous", "-n", "5",
                 *options]) == 1
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------------ errors

def test_errors_name_the_problem(sample_parts, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a partitioned dataset"):
        score_dataset("sample_data")
    with pytest.raises(ValueError, match="no records for period 2019"):
        score_dataset(sample_parts, period=2019)
    broken = tmp_path / "dup"
    shutil.copytree(sample_parts, broken)
    manifest = json.loads((broken / "dataset.json").read_text(encoding="utf-8"))
    for table in manifest["tables"]:  # partition 4: a copy of partition 0
        shutil.copy(partition_path(broken, table, 0), partition_path(broken, table, 4))
    manifest["parts"].append(manifest["parts"][0])
    manifest["partitions"] = 5
    (broken / "dataset.json").write_text(json.dumps(manifest), encoding="utf-8")
    with dask.config.set(scheduler="synchronous"), pytest.raises(ValueError, match="more than one partition"):
        score_dataset(broken)
