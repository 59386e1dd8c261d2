"""Scheme and Assessment: hand-computed scores, grades with veto and quota, missing values,
comparisons, explanations, export, saving, and properties."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.assess.aggregate import GeometricZeroWarning

MINI = {
    "name": "mini",
    "dimensions": [
        {"id": "a", "zh": "甲", "en": "A", "weight": 0.6, "indicators": [
            {"id": "x1", "zh": "x1", "en": "x1", "weight": 1,
             "normalization": {"method": "goalposts", "low": 0, "high": 10}},
            {"id": "x2", "zh": "x2", "en": "x2", "weight": 3, "direction": "lower",
             "normalization": {"method": "goalposts", "low": 0, "high": 10}},
        ]},
        {"id": "b", "zh": "乙", "en": "B", "weight": 0.4, "indicators": [
            {"id": "y1", "zh": "y1", "en": "y1", "normalization": {"method": "target", "target": 5, "worst": 0}},
        ]},
    ],
    "flags": [{"id": "f", "zh": "f", "en": "f"}],
    "grades": [{"id": "top", "zh": "优", "en": "Top", "min": 80},
               {"id": "mid", "zh": "中", "en": "Mid", "min": 50},
               {"id": "low", "zh": "差", "en": "Low", "min": 0}],
    "vetoes": [{"id": "v", "zh": "否", "en": "Veto", "column": "f", "op": ">=", "value": 1, "cap": "mid"}],
    "quota": {"grade": "top", "max_share": 0.5},
}


def mini(**changes) -> wb.Framework:
    return wb.Framework.model_validate({**MINI, **changes})


def table(rows: dict[str, tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, index=["x1", "x2", "y1", "f"]).T.astype(float)
    frame.index.name = "branch_id"
    return frame


BASE = table({"B1": (10, 0, 5, 0), "B2": (5, 5, 5, 0), "B3": (10, 0, 2.5, 1), "B4": (8, 2, 5, 0)})


def test_hand_computed_scores_ranks_grades():
    r = wb.Scheme(mini()).score(BASE)
    np.testing.assert_allclose(r.dimensions["a"], [100, 50, 100, 80])
    np.testing.assert_allclose(r.dimensions["b"], [100, 100, 50, 100])
    np.testing.assert_allclose(r.total, [100, 70, 80, 88])
    assert r.rank.tolist() == [1, 4, 3, 2]
    # B3 scores 80 (top) but the veto caps it at mid
    assert r.grade.tolist() == ["top", "mid", "mid", "top"]
    assert r.vetoes[["branch_id", "veto", "grade_before", "grade_after"]].values.tolist() == \
        [["B3", "v", "top", "mid"]]
    assert r.grade.cat.categories.tolist() == ["low", "mid", "top"] and r.grade.cat.ordered


def test_quota_demotes_the_lowest_holders():
    r = wb.Scheme(mini(quota={"grade": "top", "max_share": 0.25})).score(BASE)
    assert r.grade["B1"] == "top" and r.grade["B4"] == "mid"
    assert list(r.quota_demoted) == [3]


def test_quota_never_exceeded_with_ties():
    t = table({"B1": (10, 0, 5, 0), "B2": (10, 0, 5, 0), "B3": (10, 0, 5, 0), "B4": (0, 10, 0, 0)})
    r = wb.Scheme(mini(quota={"grade": "top", "max_share": 0.5})).score(t)
    # three tied at 100 for two places: none can be preferred, so none keeps the top grade
    assert (r.grade == "top").sum() == 0
    assert sorted(r.quota_demoted.tolist()) == [0, 1, 2]
    assert r.rank.tolist() == [1, 1, 1, 4]


def test_ties_share_the_min_rank():
    t = pd.concat([BASE, table({"B5": (8, 2, 5, 0)})])
    r = wb.Scheme(mini(quota=None)).score(t)
    assert r.rank.tolist() == [1, 5, 4, 2, 2]


def test_missing_values_renormalize_and_are_reported():
    t = pd.concat([BASE, table({"B6": (np.nan, 0, 5, 0)})])
    r = wb.Scheme(mini()).score(t)
    assert r.dimensions.loc["B6", "a"] == pytest.approx(100)  # only x2 (weight 3 of 3)
    report = r.missing
    assert report[["branch_id", "indicator", "action"]].values.tolist() == \
        [["B6", "x1", "left out; weights re-normalized"]]
    assert report["imputed_score"].isna().all()
    y_missing = pd.concat([BASE, table({"B7": (10, 0, np.nan, 0)})])
    r2 = wb.Scheme(mini()).score(y_missing)
    assert r2.total["B7"] == pytest.approx(100)  # dimension b missing: total over a alone


def test_impute_by_township_mean():
    t = pd.concat([BASE, table({"B6": (np.nan, 0, 5, 0)})])
    towns = pd.Series({"B1": "T1", "B2": "T2", "B3": "T1", "B4": "T2", "B6": "T1"})
    scheme = wb.Scheme(mini(), missing="impute_township")
    with pytest.raises(ValueError, match="needs groups"):
        scheme.score(t)
    r = scheme.score(t, groups=towns)
    # township T1 has x1 = 10 (B1) and 10 (B3): normalized mean 100
    assert r.indicators.loc["B6", "x1"] == pytest.approx(100)
    rep = r.missing
    assert rep.loc[0, "action"] == "imputed by township mean" and rep.loc[0, "imputed_score"] == 100


def test_with_weights_is_immutable_and_renormalizes():
    s = wb.Scheme(mini())
    s2 = s.with_weights({"a": 1, "b": 1, "x2": 1})
    assert s.weights["a"] == 0.6 and s2.dimension_weights.tolist() == [0.5, 0.5]
    assert s2.indicator_weights["x2"] == 0.5
    assert s2.effective_weights.sum() == pytest.approx(1)
    with pytest.raises(KeyError, match="neither"):
        s.with_weights({"nope": 1})
    with pytest.raises(ValueError, match="non-negative"):
        s.with_weights({"a": -0.1})
    with pytest.raises(ValueError, match="every indicator of dimension 'a'"):
        s.with_weights({"x1": 0, "x2": 0})


def test_weight_change_reuses_the_normalized_matrix():
    s = wb.Scheme(mini())
    p1 = s.prepare(BASE)
    s2 = s.with_weights({"a": 0.1})
    assert s2.prepare(BASE) is p1
    assert s.with_normalization({"x1": "minmax"}).prepare(BASE) is not p1


def test_aggregation_choices():
    s = wb.Scheme(mini())
    geo = s.with_aggregation(indicators="geometric", dimensions="geometric").score(BASE)
    # B2: a = 50 (both 50), b = 100: total = 50^0.6 * 100^0.4
    assert geo.total["B2"] == pytest.approx(50 ** 0.6 * 100 ** 0.4)
    top = s.with_aggregation(dimensions="topsis").score(BASE)
    assert top.rank["B1"] == 1 and top.total.between(0, 100).all()
    with pytest.raises(ValueError, match="aggregation"):
        s.with_aggregation(dimensions="median")


def test_compare_rank_shift_transitions_and_correlations():
    s = wb.Scheme(mini())
    before = s.score(BASE)
    after = s.with_weights({"a": 0.1, "b": 0.9}).score(BASE)
    cmp = after.compare(before)
    assert cmp.table.loc["B3", "rank_before"] == 3
    shift = (cmp.table["rank_before"] - cmp.table["rank_after"]).tolist()
    assert cmp.table["shift"].tolist() == shift
    assert cmp.transitions.values.sum() == 4
    assert cmp.transitions.index.tolist() == ["top", "mid", "low"]
    same = before.compare(before)
    assert same.kendall_tau == pytest.approx(1) and same.spearman_rho == pytest.approx(1)
    assert same.mean_abs_shift == 0 and same.grade_changes == 0


def test_explain_contributions_add_up():
    r = wb.Scheme(mini(quota=None)).score(BASE)
    for b in BASE.index:
        ex = r.explain(b)
        assert ex["contribution"].sum() == pytest.approx(r.total[b] - r.total.mean())
        assert ex["contribution"].is_monotonic_decreasing
    ex = r.explain("B2")
    assert ex.iloc[-1]["indicator"] == "x2"  # B2's worst: x2 = 5 (lower is better), weight 0.45
    with pytest.raises(KeyError):
        r.explain("B99")


def test_scheme_yaml_round_trip_and_errors(tmp_path):
    s = wb.Scheme(mini()).with_weights({"a": 0.25}).with_aggregation(indicators="geometric")
    s = s.with_normalization({"x1": {"method": "minmax"}})
    path = s.to_yaml(tmp_path / "s.yaml")
    back = wb.Scheme.from_yaml(path, mini())
    assert back.weights == s.weights and back.aggregation == s.aggregation
    assert back.normalizations == s.normalizations
    with pytest.warns(GeometricZeroWarning):  # BASE has a minmax score of 0: floored, and said so
        pd.testing.assert_series_equal(back.score(BASE).total, s.score(BASE).total)
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: {a: -1}\n", encoding="utf-8")
    with pytest.raises(wb.FrameworkError, match="'a' must be a non-negative number"):
        wb.Scheme.from_yaml(bad, mini())
    bad.write_text("weights: {zz: 1}\n", encoding="utf-8")
    with pytest.raises(wb.FrameworkError, match="'zz' is neither"):
        wb.Scheme.from_yaml(bad, mini())
    bad.write_text("framework: other\n", encoding="utf-8")
    with pytest.raises(wb.FrameworkError, match="made for 'other'"):
        wb.Scheme.from_yaml(bad, mini())


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = wb.Scheme(mini()).to_yaml(tmp_path / "s.yaml")
    before = path.read_text(encoding="utf-8")

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("yaml.safe_dump", explode)
    with pytest.raises(OSError, match="disk full"):
        wb.Scheme(mini()).with_weights({"a": 0.9}).to_yaml(path)
    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]  # no temporary left behind


def test_presets():
    fw = wb.Framework.default()
    data = wb.load("sample_data")
    t = wb.compute_indicators(data, fw, period=2025)
    s = wb.Scheme(fw)
    for preset in ("equal", "entropy", "critic", "default"):
        p = s.with_preset(preset, t)
        assert p.effective_weights.sum() == pytest.approx(1)
        assert (p.effective_weights >= 0).all()
    assert s.with_preset("equal").dimension_weights.nunique() == 1
    assert not s.with_preset("entropy", t).effective_weights.equals(s.effective_weights)
    with pytest.raises(ValueError, match="pass the indicator table"):
        s.with_preset("critic")
    with pytest.raises(ValueError, match=r"unknown preset 'ahp'; expected one of \['default', 'equal', 'entropy', "
                                         r"'critic'\]"):
        s.with_preset("ahp")


def test_every_listed_preset_is_one_with_preset_takes():
    from workbench.assess.scoring import WEIGHT_PRESETS

    t = wb.compute_indicators(wb.load("sample_data"), period=2025)
    s = wb.Scheme(wb.Framework.default())
    assert WEIGHT_PRESETS == ("default", "equal", "entropy", "critic")
    assert [s.with_preset(p, t).name for p in WEIGHT_PRESETS] == list(WEIGHT_PRESETS)


@pytest.mark.parametrize("build", [
    lambda fw, w: wb.Scheme(fw, weights=w),
    lambda fw, w: wb.Scheme(fw).with_weights(w),
], ids=["constructor", "with_weights"])
def test_weights_are_checked_the_same_way_however_they_are_given(build):
    fw = mini()
    with pytest.raises(KeyError, match="'zz' is neither a dimension nor an indicator"):
        build(fw, {"zz": 1})
    with pytest.raises(ValueError, match="'x1' must be a non-negative number, got -1.0"):
        build(fw, {"x1": -1})
    with pytest.raises(ValueError, match="every dimension weight is 0"):
        build(fw, {"a": 0, "b": 0})
    with pytest.raises(ValueError, match="every indicator of dimension 'a' would be 0"):
        build(fw, {"x1": 0, "x2": 0})
    assert build(fw, {"x1": 0, "x2": 0, "a": 0}).dimension_weights.tolist() == [0.0, 1.0]


# ----------------------------------------------------------------- properties

rows = st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10), st.floats(0, 5)), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(rows, st.integers(0, 100), st.floats(0.1, 5))
def test_raising_a_higher_is_better_value_never_lowers_the_score(values, pick, bump):
    t = table({f"B{i}": (*v, 0) for i, v in enumerate(values)})
    s = wb.Scheme(mini(quota=None))
    before = s.score(t).total
    b = t.index[pick % len(t)]
    t2 = t.copy()
    t2.loc[b, "x1"] += bump  # x1: higher is better
    after = s.score(t2).total
    assert after[b] >= before[b] - 1e-9


@settings(max_examples=40, deadline=None)
@given(rows, st.floats(0.01, 100))
def test_scaling_all_weights_leaves_ranks_unchanged(values, factor):
    t = table({f"B{i}": (*v, 0) for i, v in enumerate(values)})
    s = wb.Scheme(mini(quota=None))
    scaled = s.with_weights({k: v * factor for k, v in s.weights.items()})
    assert s.score(t).rank.tolist() == scaled.score(t).rank.tolist()


# ------------------------------------------------------------ real data, export

def test_sample_county_assessment(sample):
    fw = wb.Framework.default()
    r = wb.Scheme(fw).score(wb.compute_indicators(sample, fw, period=2025), groups=sample)
    counts = r.grade_counts()
    assert counts.sum() == len(sample.branches)
    assert counts["strong"] <= 0.3 * len(sample.branches)
    assert all(counts > 0), counts  # every grade occurs in a realistic county
    assert r.total.between(0, 100).all()
    assert r.rank.min() == 1


def test_to_excel_has_everything_to_reproduce(tmp_path, sample):
    fw = wb.Framework.default()
    r = wb.Scheme(fw).score(wb.compute_indicators(sample, fw, period=2025))
    path = r.to_excel(tmp_path / "results.xlsx", data=sample)
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) >= {"结果 Results", "维度得分 Dimensions", "指标原始值 Indicator values",
                           "权重 Weights", "方法 Method"}
    res = sheets["结果 Results"].set_index("支部编号 Branch id")
    assert res["总分 Total"].to_dict() == pytest.approx(r.total.to_dict())
    assert "三强 Strong" in set(res["等次名称 Grade label"])
    kind = next(c for c in res.columns if c.startswith("类型") or c.endswith("Kind"))
    assert set(res[kind]) <= {"村 village", "社区 community", "企业 enterprise", "机关事业单位 institution",
                              "联合 joint"} and "村 village" in set(res[kind])
    weights = sheets["权重 Weights"]
    assert weights["综合权重 Effective weight"].sum() == pytest.approx(1)
    # the weights and indicator scores sheets reproduce the totals
    scores = sheets["指标得分 Indicator scores"].set_index("支部编号 Branch id")
    scores.columns = fw.indicator_ids
    w = weights.set_index("指标 Indicator")
    rebuilt = wb.Scheme(fw, weights={**w["维度内权重 Weight within dimension"].to_dict(),
                                     **w.groupby("维度 Dimension")["维度权重 Dimension weight"].first().to_dict()})
    block, wd = rebuilt.matrices()
    present = scores.notna().to_numpy()
    dims = (np.nan_to_num(scores.to_numpy()) @ block) / (present @ block)
    np.testing.assert_allclose(dims @ wd / (~np.isnan(dims) @ wd), r.total.to_numpy(), rtol=1e-9)


def test_cli_score(tmp_path):
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "score", "sample_data",
                          "-o", str(tmp_path / "r.parquet"), "--period", "2024"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    frame = pd.read_parquet(tmp_path / "r.parquet")
    assert list(frame.columns[:4]) == ["branch_id", "total", "rank", "grade"]
    assert "三强 Strong" in out.stdout
    bad = tmp_path / "fw.yaml"
    bad.write_text("base: default\nname: x\nmissing: guess\n", encoding="utf-8")
    err = subprocess.run([sys.executable, "-m", "workbench.cli", "score", "sample_data", "--framework",
                          str(bad), "-o", str(tmp_path / "r.xlsx")], capture_output=True, text=True, timeout=300)
    assert err.returncode == 1 and "missing" in err.stderr and "Traceback" not in err.stderr
