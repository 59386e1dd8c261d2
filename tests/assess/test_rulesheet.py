"""County rule sheets: reading, the methods, totals checked by plain loops, assessor scores, standards by
kind, cascading quotas, manual grades, refusals at the cell, and the rest of the workbench on top."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.assess.sample_sheet import sample_scores
from workbench.assess.scores import assessor_scores
from workbench.files import write_excel

from ..conftest import SAMPLE

PERIOD = 2025

# A sheet as a county types it: Chinese headers (one with a line break and a unit), Chinese and English
# method names, full-width digits and commas, a blank method on an assessor item, items for some kinds only.
HAND_SHEET = """序号,维度,项目,名称,"分值
（分）",依据,计分方式,标准,每单位分值,适用类型
1,队伍建设,A1,后备干部,8,reserve_cadres,低于标准扣分,2,3,村，社区
2,队伍建设,A2,书记在岗,4,secretary_in_post,按比例,1,,
3,教育管理,B1,培训学时,6,training_hours,deduct_below,32,0.25,
4,督查整改,C1,三会一课,10,three_meetings_completion,proportional,0.9,,
5,督查整改,C2,发现问题,5,problems_found,每次扣分,,0.5,
6,督查整改,records_onsite,档案检查,5,assessor,考核打分,,,
7,督查整改,C4,现场督查得分,5,onsite_score,按比例,90,,
8,功能发挥,D1,满意度,10,satisfaction,按比例,９０,,
9,功能发挥,D2,集体收入,6,collective_income,按比例,30,,village
10,功能发挥,function_onsite,现场考核,5,assessor,,,,
11,功能发挥,E1,收入加分,3,collective_income,加分,,0.1,村
12,功能发挥,E2,发展党员加分,2,new_members,bonus,,0.5,
"""

#: The same items for the loops below: id, points, source, method, standard, per_unit, kinds
ITEMS = [
    ("a1", 8, "reserve_cadres", "deduct_below", 2, 3, ("village", "community")),
    ("a2", 4, "secretary_in_post", "proportional", 1, None, ()),
    ("b1", 6, "training_hours", "deduct_below", 32, 0.25, ()),
    ("c1", 10, "three_meetings_completion", "proportional", 0.9, None, ()),
    ("c2", 5, "problems_found", "deduct_each", None, 0.5, ()),
    ("records_onsite", 5, "assessor", "assessor", None, None, ()),
    ("c4", 5, "onsite_score", "proportional", 90, None, ()),
    ("d1", 10, "satisfaction", "proportional", 90, None, ()),
    ("d2", 6, "collective_income", "proportional", 30, None, ("village",)),
    ("function_onsite", 5, "assessor", "assessor", None, None, ()),
]
BONUS = [("e1", 3, "collective_income", 0.1, ("village",)), ("e2", 2, "new_members", 0.5, ())]


@pytest.fixture(scope="module")
def hand_sheet(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "细则.csv"
    path.write_text(HAND_SHEET, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hand(hand_sheet):
    return wb.Framework.from_rule_sheet(hand_sheet)


@pytest.fixture(scope="module")
def scored(sample, hand):
    table = wb.compute_indicators(sample, hand, period=PERIOD)
    return table, wb.Scheme(hand).score(table)


# ------------------------------------------------------------------ reading

def test_the_sheet_becomes_a_points_framework(hand):
    assert hand.points_based and hand.total_points == 64
    assert [i.id for i in hand.indicators][:2] == ["a1", "a2"]
    a1 = hand.indicator("a1")
    assert (a1.weight, a1.derivation, a1.applies_to) == (8, "reserve_cadres", ["village", "community"])
    assert a1.normalization.method == "deduct_below" and a1.normalization.per_unit == 3
    assert hand.indicator("d1").normalization.standard == 90          # full-width digits
    assert hand.indicator("function_onsite").normalization.method == "assessor"   # blank method, source assessor
    assert [(b.id, b.points, b.per_unit, b.applies_to) for b in hand.bonus] == [
        ("e1", 3, 0.1, ["village"]), ("e2", 2, 0.5, [])]
    assert {d.id: d.weight for d in hand.dimensions} == {"team": 12, "education": 6, "inspection": 25,
                                                        "functions": 21}
    # the base framework's grades, vetoes (satisfaction is an item here) and quota are kept
    assert hand.grade_ids == wb.Framework.default().grade_ids
    assert {v.column for v in hand.vetoes} == {"serious_violation", "weak_lax", "satisfaction"}


def test_a_veto_on_an_indicator_the_sheet_does_not_score_reads_it_as_a_flag(hand, scored):
    assert "satisfaction" in {f.id for f in hand.flags}
    table, result = scored
    low = table.index[table["satisfaction"] < 60]
    assert len(low) and (result.grade[low] <= "basic").all()


def test_the_sample_sheet_reads_and_scores(sample):
    fw = wb.Framework.from_rule_sheet(SAMPLE / "评分细则.xlsx")
    assert fw.total_points == 100 and fw.source == "评分细则.xlsx[评分细则]"
    result = wb.Scheme(fw).score(wb.compute_indicators(sample, fw, period=PERIOD))
    assert result.total.between(0, 100 + fw.max_bonus).all()
    assert set(result.grade.dropna()) <= set(fw.grade_ids)


# ------------------------------------------------------ totals by plain loops

def _loop_totals(data, table, kinds) -> dict[str, float]:
    """Every branch's total computed with plain Python loops from the raw values, as a clerk would."""
    raw = wb.compute_indicators(data, period=PERIOD)      # the default framework's raw values
    scores = data.scores[data.scores["year"] == PERIOD]
    assessor = {(b, i): s for b, i, s in zip(scores["branch_id"], scores["item"], scores["assessor_score"])}
    out = {}
    for branch in table.index:
        kind = kinds[branch]
        earned = applicable = bonus = 0.0
        for item, points, source, method, standard, per_unit, only in ITEMS:
            if only and kind not in only:
                continue
            applicable += points
            value = assessor.get((branch, item), math.nan) if source == "assessor" else raw.at[branch, source]
            if value is None or math.isnan(value):
                continue                                       # a missing value earns 0
            if method == "proportional":
                got = points * min(max(value / standard, 0.0), 1.0)
            elif method == "deduct_below":
                got = points - per_unit * max(0.0, standard - value)
            elif method == "deduct_each":
                got = points - per_unit * value
            else:
                got = value
            earned += min(max(got, 0.0), points)
        for item, points, source, per_unit, only in BONUS:
            if only and kind not in only:
                continue
            value = raw.at[branch, source]
            if not math.isnan(value):
                bonus += min(points, max(0.0, per_unit * value))
        out[branch] = 100.0 * earned / applicable + bonus
    return out


def test_totals_equal_plain_loops_to_1e9(sample, scored):
    table, result = scored
    kinds = sample.branches.set_index("branch_id")["kind"].astype(str)
    expected = pd.Series(_loop_totals(sample, table, kinds))
    assert np.abs(result.total.to_numpy() - expected.reindex(result.total.index).to_numpy()).max() < 1e-9
    # the cases the loops exercise are really there: items of other kinds, missing values, bonus, clipping
    assert (table["kind"] != "village").any() and table["c4"].isna().any()
    assert result.prepared.bonus.max() > 0 and (table["c2"] * 0.5 > 5).any()


def test_sub_totals_in_points_add_up(scored, hand):
    _, result = scored
    pts = result.points
    dims = [d.id for d in hand.dimensions]
    assert np.allclose(pts[dims].sum(axis=1), pts["earned"])
    assert np.allclose(100 * pts["earned"] / pts["applicable"] + pts["bonus"], result.total)
    village = result.prepared.kinds == "village"
    assert (pts["applicable"][village] == 64).all() and (pts["applicable"][~village] < 64).all()


def test_missing_values_earn_zero_and_are_listed_in_the_explanation(scored):
    table, result = scored
    branch = table.index[table["c4"].isna()][0]
    row = result.explain(branch, lang="zh").set_index("indicator").loc["c4"]
    assert row["earned"] == 0 and row["note"] == "无数据，计 0 分"
    missing = result.missing
    assert ((missing["branch_id"] == branch) & (missing["indicator"] == "c4")
            & (missing["action"] == "earns 0 (no value)")).any()
    # an item of another kind is not "missing" and not in the denominator
    enterprise = table.index[table["kind"] == "enterprise"][0]
    a1 = result.explain(enterprise, lang="en").set_index("indicator").loc["a1"]
    assert a1["note"] == "does not apply" and math.isnan(a1["points"])
    assert not ((missing["branch_id"] == enterprise) & (missing["indicator"] == "a1")).any()


# --------------------------------------------------------------- the methods

@pytest.mark.parametrize("method, params, values, expected", [
    ("proportional", {"standard": 4}, [0, 2, 4, 9, np.nan, -1], [0, 50, 100, 100, 0, 0]),
    ("deduct_below", {"standard": 12, "per_unit": 0.5, "points": 5}, [12, 14, 10, 0, np.nan], [100, 100, 80, 0, 0]),
    ("deduct_each", {"per_unit": 1, "points": 4}, [0, 1, 3, 10, np.nan], [100, 75, 25, 0, 0]),
    ("assessor", {"points": 5}, [5, 2.5, 0, 7, np.nan], [100, 50, 0, 100, 0]),
])
def test_each_method_gives_the_share_of_points_earned(method, params, values, expected):
    from workbench.assess.framework import Normalization
    from workbench.assess.normalize import normalize

    got = normalize(np.array(values, dtype="float64"), Normalization(method=method, **params))
    assert got.tolist() == pytest.approx(expected)


def test_a_method_without_its_parameter_is_refused_by_the_model():
    from workbench.assess.framework import Normalization

    with pytest.raises(ValueError, match="needs 'standard' and 'per_unit'"):
        Normalization(method="deduct_below", points=5, per_unit=1)


# ---------------------------------------------------------- property tests

def _property_framework(tmp_path_factory=None):
    sheet = ("维度,项目,分值,依据,计分方式,标准,每单位分值,适用类型\n"
             "team,p1,30,reserve_cadres,proportional,2,,\n"
             "team,p2,20,training_hours,deduct_below,30,1,village\n"
             "inspection,p3,40,problems_found,deduct_each,,2,\n"
             "inspection,p4,10,assessor,assessor,,,\n"
             "inspection,b1,5,new_members,bonus,,1,\n"
             "inspection,b2,5,red_sessions,bonus,,2,community\n")
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "p.csv"
    path.write_text(sheet, encoding="utf-8")
    return wb.Framework.from_rule_sheet(path)


PROPERTY_FW = _property_framework()
values = st.one_of(st.just(math.nan), st.floats(-5, 60, allow_nan=False))
rows = st.lists(st.tuples(values, values, values, values, values, values,
                          st.sampled_from(["village", "community", "enterprise"])), min_size=1, max_size=12)


def _table(rows_) -> pd.DataFrame:
    cols = ["p1", "p2", "p3", "p4", "b1", "b2", "kind"]
    table = pd.DataFrame(rows_, columns=cols, index=pd.Index([f"B{k}" for k in range(len(rows_))],
                                                               name="branch_id"))
    return table


@settings(max_examples=80, deadline=None)
@given(rows)
def test_totals_stay_within_zero_and_100_plus_the_bonus_cap(rows_):
    result = wb.Scheme(PROPERTY_FW).score(_table(rows_))
    assert PROPERTY_FW.max_bonus == 10
    assert ((result.total >= 0) & (result.total <= 100 + PROPERTY_FW.max_bonus + 1e-9)).all()


@settings(max_examples=80, deadline=None)
@given(rows, st.floats(0, 30), st.floats(0, 30))
def test_the_total_is_monotone_in_a_proportional_item_and_antitone_in_a_deduction(rows_, up, more):
    table = _table(rows_)
    base = wb.Scheme(PROPERTY_FW).score(table).total
    higher = table.assign(p1=table["p1"].fillna(0) + up)
    assert (wb.Scheme(PROPERTY_FW).score(higher).total >= base - 1e-9).all()
    worse = table.assign(p3=table["p3"].fillna(0).clip(lower=0) + more)
    base0 = wb.Scheme(PROPERTY_FW).score(table.assign(p3=table["p3"].fillna(0).clip(lower=0))).total
    assert (wb.Scheme(PROPERTY_FW).score(worse).total <= base0 + 1e-9).all()


# ------------------------------------------------------------ assessor scores

def test_assessor_items_take_the_assessors_score_and_the_gap_is_kept(sample, scored):
    table, _ = scored
    s = sample.scores[(sample.scores["year"] == PERIOD) & (sample.scores["item"] == "records_onsite")]
    expect = s.set_index("branch_id")["assessor_score"].reindex(table.index)
    assert table["records_onsite"].equals(expect.rename("records_onsite")) or \
        np.allclose(table["records_onsite"], expect, equal_nan=True)
    fw = wb.Framework.from_rule_sheet(SAMPLE / "评分细则.xlsx")
    gaps = assessor_scores(sample, fw, PERIOD)
    assert set(gaps["item"]) == {"records_onsite", "function_onsite"}
    assert np.allclose(gaps["gap"], gaps["self_score"] - gaps["assessor_score"], equal_nan=True)
    assert gaps["gap"].iloc[0] == gaps["gap"].max()


@pytest.fixture(scope="module")
def small_with_scores(small, tmp_path_factory):
    fw = wb.Framework.from_rule_sheet(SAMPLE / "评分细则.xlsx")
    scores = sample_scores(small, fw, seed=3)
    data = dataclasses.replace(small, scores=scores.astype(small.scores.dtypes.to_dict()))
    return data, fw


def test_bad_assessor_scores_are_refused_at_their_cells(small_with_scores, tmp_path):
    data, fw = small_with_scores
    scores = data.scores.copy()
    scores.loc[0, "item"] = "archives"                  # not an item of the sheet
    scores.loc[3, "assessor_score"] = 7.5               # above the item's 5 points
    book = dataclasses.replace(data, scores=scores).to_excel(tmp_path / "county.xlsx")
    loaded = wb.load(book)
    with pytest.raises(wb.DataError) as caught:
        wb.compute_indicators(loaded, fw, period=PERIOD)
    problems = caught.value.problems.set_index("cell")
    assert problems.loc["考核评分!C2", "key"] == "scores_unknown_item"
    assert "records_onsite" in problems.loc["考核评分!C2", "fix"]
    assert problems.loc["考核评分!E5", "key"] == "scores_above_points"
    zh = caught.value.in_language("zh").problems
    assert zh["message"].str.contains("满分 5 分").any()


def test_a_merged_branch_has_no_assessor_scores_of_its_own(small_with_scores):
    data, fw = small_with_scores
    villages = data.branches[data.branches["kind"] == "village"]["branch_id"].tolist()[:2]
    after = wb.Scenario(data).merge(villages, name="合并村").apply()
    assert not after.scores["branch_id"].isin(villages).any()
    assert len(after.scores) == len(data.scores) - data.scores["branch_id"].isin(villages).sum()
    assert not after.scores.duplicated(["branch_id", "year", "item"]).any()
    table = wb.compute_indicators(after, fw, period=PERIOD)
    new = table.index.difference(data.branches["branch_id"])
    assert len(new) == 1 and table.loc[new, "records_onsite"].isna().all()    # earns 0 until assessed


# ------------------------------------------------- standards and quotas

STANDARDS_YAML = """
rule_sheet: {sheet}
quota: null
quotas:
  - {{grade: strong, max_share: 0.1}}
  - {{grade: standardized, max_share: 0.4}}
  - {{grade: strong, max_share: 0.05, scope: community}}
standards:
  by: kind
  groups:
    - {{id: rural, zh: 农村, values: [village], grades: {{strong: 85, standardized: 70}}}}
    - {{id: urban, zh: 城市, values: [community, enterprise, institution, joint]}}
"""


@pytest.fixture(scope="module")
def standards_fw(hand_sheet, tmp_path_factory):
    path = tmp_path_factory.mktemp("standards") / "framework.yaml"
    path.write_text(STANDARDS_YAML.format(sheet=hand_sheet), encoding="utf-8")
    return wb.Framework.from_yaml(path)


def _loop_grades(fw, total: pd.Series, kinds: pd.Series, flags: pd.DataFrame) -> pd.Series:
    """Bands per group, veto caps, then each quota best grade first, cascading, strict at ties (plain loops)."""
    order = fw.grade_ids                     # best first
    groups = {v: g for g in fw.standards.groups for v in g.members}
    grade = {}
    for b in total.index:
        group = groups[kinds[b]]
        g = order[-1]
        for band in fw.grades:
            low = group.grades.get(band.id, band.min)
            if low is not None and total[b] >= low:
                g = band.id
                break
        for veto in fw.vetoes:
            value = flags.at[b, veto.column]
            holds = not math.isnan(value) and {"<": value < veto.value, ">=": value >= veto.value}[veto.op]
            if holds and order.index(g) < order.index(veto.cap):
                g = veto.cap
        grade[b] = g
    rules = sorted(fw.quota_rules, key=lambda r: order.index(r.grade))
    for rule in rules:
        members = [b for b in total.index if rule.scope is None or kinds[b] == rule.scope
                   or groups[kinds[b]].id == rule.scope]
        limit = math.floor(rule.max_share * len(members) + 1e-9)
        holders = sorted((b for b in members if grade[b] == rule.grade), key=lambda b: -total[b])
        if len(holders) > limit:
            cut = total[holders[limit]]
            for b in holders:
                if total[b] <= cut:
                    grade[b] = order[order.index(rule.grade) + 1]
    return pd.Series(grade)


def test_standards_by_kind_and_cascading_quotas_match_plain_loops(sample, standards_fw):
    fw = standards_fw
    assert [(q.grade, q.scope) for q in fw.quota_rules] == [("strong", None), ("standardized", None),
                                                            ("strong", "community")]
    table = wb.compute_indicators(sample, fw, period=PERIOD)
    result = wb.Scheme(fw).score(table)
    kinds = table["kind"]
    flags = table.reindex(columns=sorted({v.column for v in fw.vetoes}))
    expected = _loop_grades(fw, result.total, kinds, flags)
    assert (result.grade.astype(str) == expected.reindex(result.grade.index)).all()
    counts = result.grade.value_counts()
    assert counts["strong"] <= 0.1 * len(table) and counts["standardized"] <= 0.4 * len(table)
    community = kinds == "community"
    assert (result.grade[community] == "strong").sum() <= math.floor(0.05 * community.sum())
    assert len(result.quota_demoted) > 0
    # the rural band: a village at 85 reaches strong before quotas, a community branch needs 90
    capped = result.grade_computed.astype(str)
    bands = wb.Scheme(fw.model_copy(update={"quotas": [], "quota": None})).score(table).grade.astype(str)
    village_85 = (kinds == "village") & result.total.between(85, 90, inclusive="left")
    urban_85 = (kinds != "village") & result.total.between(85, 90, inclusive="left")
    assert village_85.any() and (bands[village_85] == "strong").all()
    assert urban_85.any() and (bands[urban_85] != "strong").all()
    assert (capped == result.grade.astype(str)).all()      # no manual decisions here


def test_quota_each_holds_within_every_group(sample, hand_sheet, tmp_path):
    path = tmp_path / "each.yaml"
    path.write_text(f"rule_sheet: {hand_sheet}\nquota: null\nquotas: [{{grade: strong, max_share: 0.1, "
                    f"scope: each}}]\nstandards: {{by: kind}}\n", encoding="utf-8")
    fw = wb.Framework.from_yaml(path)
    table = wb.compute_indicators(sample, fw, period=PERIOD)
    result = wb.Scheme(fw).score(table)
    for kind, grades in result.grade.groupby(table["kind"]):
        assert (grades == "strong").sum() <= math.floor(0.1 * len(grades) + 1e-9), kind


def test_rank_within_kind(scored):
    table, result = scored
    for kind, part in result.total.groupby(table["kind"]):
        best = part.idxmax()
        assert result.rank_within[best] == 1
        assert (result.rank_within[part.index] <= result.rank[part.index]).all()


def test_a_scope_that_is_neither_a_group_nor_a_kind_is_refused(hand_sheet, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"rule_sheet: {hand_sheet}\nquotas: [{{grade: strong, max_share: 0.1, scope: town}}]\n"
                    "standards: {by: kind}\n", encoding="utf-8")
    with pytest.raises(wb.FrameworkError, match="scope 'town' is neither a group"):
        wb.Framework.from_yaml(path)


# -------------------------------------------------------- manual grades

def test_overrides_are_applied_recorded_saved_and_shown(sample, scored, hand, tmp_path):
    table, result = scored
    top = result.total.idxmax()
    low = result.total.idxmin()
    scheme = wb.Scheme(hand).with_overrides({top: ("basic", "群众投诉查实"), low: ("strong", "县级先进基层党组织"),
                                             "B99999": ("strong", "已撤并")})
    again = scheme.score(table)
    assert again.grade[top] == "basic" and again.grade[low] == "strong"
    assert again.grade_computed[top] == result.grade[top]
    table_o = again.overrides.set_index("branch_id")
    assert table_o.loc[top, "reason"] == "群众投诉查实" and not table_o.loc["B99999", "applied"]
    assert again.frame().loc[low, "override"] == "县级先进基层党组织"
    # saved with the scheme and back
    back = wb.Scheme.from_yaml(scheme.to_yaml(tmp_path / "s.yaml"), hand)
    assert back.overrides == scheme.overrides
    # in the export and the publicity list, marked
    book = pd.read_excel(again.to_excel(tmp_path / "r.xlsx", data=sample), sheet_name=None)
    assert "直接评定 Overrides" in book
    pub = again.publicity_list(sample, lang="zh")
    marked = pub[pub["直接评定"] != ""]
    assert set(marked["支部编号"]) == {top, low}
    assert marked["直接评定"].str.startswith("直接评定：").all()
    sheets = pd.read_excel(again.publicity_to_excel(tmp_path / "公示.xlsx", sample), sheet_name=None)
    assert set(sheets) == set(sample.branches["township"])


def test_an_override_needs_a_grade_and_a_reason(hand):
    with pytest.raises(ValueError, match="needs its reason"):
        wb.Scheme(hand).with_overrides({"B00001": ("strong", " ")})
    with pytest.raises(ValueError, match="is not a grade"):
        wb.Scheme(hand).with_overrides({"B00001": ("gold", "x")})


# ------------------------------------------------------------------ refusals

def _sheet(tmp_path, rows, name="细则.xlsx"):
    headers = ["序号", "维度", "项目", "名称", "分值", "依据", "计分方式", "标准", "每单位分值", "适用类型"]
    frame = pd.DataFrame(rows, columns=headers)
    return write_excel(tmp_path / name, {"评分细则": frame})


def test_a_sheet_with_bad_rows_is_refused_with_every_cell_in_both_languages(tmp_path):
    path = _sheet(tmp_path, [
        [1, "队伍建设", "a1", "后备", 6, "reserve_cadre", "按比例", 2, None, ""],         # unknown indicator
        [2, "队伍建设", "a2", "书记", 4, "secretary_in_post", "按笔例", 1, None, ""],     # unknown method
        [3, "教育", "a3", "学历", 5, "committee_college_share", "按比例", 0.6, None, ""],  # unknown dimension
        [4, "教育管理", "a4", "培训", 5, "training_hours", "低于标准扣分", 32, None, ""],   # per_unit missing
        [5, "教育管理", "a1", "重复", 5, "young_cadre", "按比例", 1, None, "乡村"],        # id twice, bad kind
        [6, "教育管理", "a6", "分值", "五", "young_cadre", "按比例", 1, None, ""],          # points not a number
        [7, "教育管理", "a7", "现场", 5, "young_cadre", "考核打分", None, None, ""],       # assessor, not source
    ])
    with pytest.raises(wb.DataError) as caught:
        wb.Framework.from_rule_sheet(path)
    p = caught.value.problems
    where = dict(zip(p["cell"], p["key"]))
    assert where == {"评分细则!F2": "rules_unknown_source", "评分细则!G3": "rules_unknown_method",
                     "评分细则!B4": "rules_unknown_dimension", "评分细则!I5": "rules_needs",
                     "评分细则!C6": "rules_item_twice", "评分细则!J6": "rules_unknown_kind",
                     "评分细则!E7": "rules_bad_number", "评分细则!F8": "rules_assessor_pair"}
    source = p.set_index("cell").loc["评分细则!F2"]
    assert "reserve_cadres" in source["fix"] and source["value"] == "reserve_cadre"
    assert "按比例" in p.set_index("cell").loc["评分细则!G3", "fix"]
    zh = caught.value.in_language("zh")
    assert "不是可用的计分方式" in str(zh) and "评分细则!G3" in str(zh)
    assert "村 village" in zh.problems.set_index("cell").loc["评分细则!J6", "fix"]


def test_a_sheet_without_its_columns_or_items_is_refused(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("维度,项目,名称\nteam,a1,后备\n", encoding="utf-8")
    with pytest.raises(wb.DataError) as caught:
        wb.Framework.from_rule_sheet(bad, lang="zh")
    assert set(caught.value.problems["key"]) == {"rules_missing_column"}
    assert caught.value.problems["message"].str.contains("分值").any()
    only_bonus = tmp_path / "y.csv"
    only_bonus.write_text("维度,项目,分值,依据,计分方式,每单位分值\nteam,b1,5,new_members,加分,1\n",
                          encoding="utf-8")
    with pytest.raises(wb.DataError, match="no scored items"):
        wb.Framework.from_rule_sheet(only_bonus)


def test_a_gbk_csv_is_read(tmp_path, hand):
    path = tmp_path / "gbk.csv"
    path.write_bytes(HAND_SHEET.replace("９０", "90").encode("gbk"))
    assert wb.Framework.from_rule_sheet(path).indicator_ids == hand.indicator_ids


# ------------------------------------------------- the rest of the workbench

def test_monte_carlo_draws_reproduce_the_scheme_on_a_rule_sheet(scored, hand):
    table, result = scored
    run = wb.monte_carlo(wb.Scheme(hand), table, n=20, seed=1, progress=False)
    assert run.summary["total"].equals(result.total.rename("total")) or np.allclose(run.summary["total"],
                                                                                     result.total)
    for i in (0, 7):
        again = run.scheme_for(i).score(table)
        assert (again.rank.to_numpy() == run.ranks[i]).all()


def test_item_points_are_the_weights(hand, scored):
    table, result = scored
    scheme = wb.Scheme(hand)
    assert scheme.effective_weights["c1"] == pytest.approx(10 / 64)
    heavier = scheme.with_weights({"c1": 20}).score(table)    # ten more points on three meetings
    assert heavier.points["applicable"].max() == pytest.approx(64)   # points re-scaled to the sheet's total
    assert not np.allclose(heavier.total, result.total)


def test_scenarios_and_compare_run_on_a_rule_sheet(sample, hand, scored):
    _, before = scored
    villages = sample.branches[sample.branches["kind"] == "village"]["branch_id"].tolist()[:2]
    after_data = wb.Scenario(sample).merge(villages, name="合并村").apply()
    after = wb.Scheme(hand).score(wb.compute_indicators(after_data, hand, period=PERIOD))
    cmp = after.compare(before)
    assert len(cmp.table) == len(before.total) - 2      # the two merged branches are new ones


def test_cli_scores_a_rule_sheet_and_refuses_a_bad_one(tmp_path, capsys):
    from workbench.cli import main

    out, pub = tmp_path / "r.xlsx", tmp_path / "公示名单.xlsx"
    code = main(["score", "sample_data", "--framework", "sample_data/评分细则.xlsx", "-o", str(out),
                 "--publicity", str(pub), "--lang", "zh"])
    assert code == 0 and out.exists() and pub.exists()
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"分项得分 Points", "自评与考核 Self and assessor scores"} <= set(sheets)
    bad = tmp_path / "bad.csv"
    bad.write_text("维度,项目,分值,依据,计分方式\nteam,a1,10,reserve_cadre,按比例\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["score", "sample_data", "--framework", str(bad), "-o", str(tmp_path / "x.xlsx"), "--lang", "zh"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and "不是工作台能计算的指标" in err
    code = main(["robustness", "sample_data", "--framework", "sample_data/评分细则.xlsx", "-n", "20",
                 "--sobol", "0", "-o", str(tmp_path / "rob.xlsx"), "--no-progress"])
    assert code == 0


def test_a_rule_sheet_framework_saves_as_yaml_and_scores_the_same(hand, scored, tmp_path):
    table, result = scored
    back = wb.Framework.from_yaml(hand.to_yaml(tmp_path / "fw.yaml"))
    assert back == hand
    assert np.allclose(wb.Scheme(back).score(table).total, result.total)


def test_an_item_named_like_a_dimension_is_refused_at_its_cell(tmp_path):
    path = _sheet(tmp_path, [[1, "队伍建设", "team", "后备", 6, "reserve_cadres", "按比例", 2, None, ""]])
    with pytest.raises(wb.DataError) as caught:
        wb.Framework.from_rule_sheet(path, lang="zh")
    assert caught.value.problems.set_index("cell").loc["评分细则!C2", "key"] == "rules_item_reserved"
