"""The scoring kernel: ranks, grades (bands, vetoes, cascading quotas), TOPSIS, the geometric floor.

Every engine calls these functions, so they are checked here against plain Python
references written from the rules' wording, one branch at a time.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

import workbench as wb
from workbench.assess import aggregate
from workbench.assess.kernel import (GEOMETRIC_FLOOR, Grading, QuotaRule, closeness, floored_log, min_rank,
                                     rank_rows, sort_rows, topsis_terms)


def five_grades(quota=None) -> wb.Framework:
    """Bands 90/80/70/60/0, a veto-only lowest grade, a veto capping at 'c'."""
    ind = [{"id": "x", "zh": "x", "en": "x"}]
    return wb.Framework.model_validate({
        "name": "five", "dimensions": [{"id": "d", "zh": "d", "en": "d", "indicators": ind}],
        "flags": [{"id": "flag", "zh": "否决", "en": "flag"}],
        "grades": [{"id": "a", "zh": "甲", "en": "A", "min": 90}, {"id": "b", "zh": "乙", "en": "B", "min": 80},
                   {"id": "c", "zh": "丙", "en": "C", "min": 70}, {"id": "d", "zh": "丁", "en": "D", "min": 0},
                   {"id": "z", "zh": "否", "en": "Z"}],
        "vetoes": [{"id": "v", "zh": "否决", "en": "veto", "column": "flag", "op": ">=", "value": 1, "cap": "c"}],
        "quota": quota,
    })


FW = five_grades()
CATEGORIES = list(reversed(FW.grade_ids))           # worst first: z d c b a


def reference_grades(total, flag, rules, scopes=None) -> list[int]:
    """Grades of one row as the rules read: band, veto cap, then each quota best grade first."""
    scopes = scopes or {}
    codes = []
    for t, f in zip(total, flag):
        if math.isnan(t):
            codes.append(-1)
            continue
        band = next((g.id for g in FW.grades if g.min is not None and t >= g.min), "d")
        code = CATEGORIES.index(band)
        if f >= 1:
            code = min(code, CATEGORIES.index("c"))
        codes.append(code)
    for rule in sorted(rules, key=lambda r: -CATEGORIES.index(r.grade)):
        grade = CATEGORIES.index(rule.grade)
        scope = scopes.get(rule.scope, [True] * len(total))
        assessed = sum(1 for t, s in zip(total, scope) if s and not math.isnan(t))
        limit = math.floor(rule.max_share * assessed + 1e-9)
        holders = sorted((b for b, c in enumerate(codes) if c == grade and scope[b]), key=lambda b: -total[b])
        if len(holders) > limit:
            cut = total[holders[limit]]        # the first holder left out; its equals go with it
            for b in holders:
                if total[b] <= cut:
                    codes[b] = grade - 1
    return codes


LEVELS = st.sampled_from([95.0, 95.0, 91.0, 90.0, 85.0, 80.0, 80.0, 75.0, 70.0, 50.0, np.nan])
RULES = st.lists(st.builds(QuotaRule, st.sampled_from(["a", "b", "c"]), st.sampled_from([0.1, 0.25, 0.5, 1.0]),
                           st.sampled_from([None, "villages"])), max_size=3)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rules=RULES, rows=st.integers(1, 4), n=st.integers(1, 16))
def test_block_grading_equals_the_rules_read_branch_by_branch(data, rules, rows, n):
    total = np.array(data.draw(st.lists(st.lists(LEVELS, min_size=n, max_size=n), min_size=rows, max_size=rows)))
    flag = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=n, max_size=n)))
    villages = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    grading = Grading(FW, pd.DataFrame({"flag": flag}), quotas=rules, scopes={"villages": villages})
    codes = grading.grade(total, rank_rows(total, np.uint16))
    for row, got in zip(total, codes):
        assert got.tolist() == reference_grades(row, flag, rules, {"villages": villages.tolist()})
    # the one-assessment path is the same function on one row
    one, _, demoted = grading.grade_one(total[0])
    assert one.tolist() == codes[0].tolist()
    before = grading.capped_bands(total[:1])[0]
    assert demoted.tolist() == np.flatnonzero(before != one).tolist()


def test_a_cascade_holds_each_grade_to_its_own_quota():
    # ten branches: four reach A, four B, two C; A <= 20 %, B <= 30 %
    total = np.array([[99.0, 97.0, 95.0, 93.0, 88.0, 86.0, 84.0, 82.0, 75.0, 72.0]])
    grading = Grading(FW, pd.DataFrame(index=range(10)), quotas=[QuotaRule("b", 0.3), QuotaRule("a", 0.2)])
    got = [CATEGORIES[c] for c in grading.grade(total, rank_rows(total))[0]]
    # two keep A; the two cut from A join the four B holders: six for three places, the lowest three go to C
    assert got == ["a", "a", "b", "b", "b", "c", "c", "c", "c", "c"]


def test_a_scoped_quota_counts_and_cuts_within_its_scope_only():
    total = np.array([[99.0, 98.0, 97.0, 96.0]])
    villages = np.array([True, False, True, True])
    grading = Grading(FW, pd.DataFrame(index=range(4)), quotas=[QuotaRule("a", 0.34, scope="villages")],
                      scopes={"villages": villages})
    got = [CATEGORIES[c] for c in grading.grade(total, rank_rows(total))[0]]
    assert got == ["a", "a", "b", "b"]           # one of three villages; the enterprise is not counted
    with pytest.raises(ValueError, match="scope 'villages' needs its branches"):
        Grading(FW, pd.DataFrame(index=range(4)), quotas=[QuotaRule("a", 0.34, scope="villages")])


def test_the_framework_quota_is_a_one_rule_list():
    fw = five_grades({"grade": "a", "max_share": 0.25})
    assert fw.quota_rules == (QuotaRule("a", 0.25),) and FW.quota_rules == ()
    with pytest.raises(ValueError, match="max_share"):
        QuotaRule("a", 0.0)


def test_vetoes_report_each_lowering_in_order():
    total = np.array([95.0, 75.0, np.nan])
    grading = Grading(FW, pd.DataFrame({"flag": [1.0, 1.0, 1.0]}))
    codes, hits, demoted = grading.grade_one(total)
    assert [CATEGORIES[c] for c in codes[:2]] == ["c", "c"] and codes[2] == -1
    assert hits == [(0, 0, CATEGORIES.index("a"), CATEGORIES.index("c"))] and len(demoted) == 0


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.0, 5.0, -3.0, np.nan]), min_size=7, max_size=7),
                       min_size=1, max_size=6))
def test_ranks_are_scipy_min_ranks_with_missing_left_out(values):
    total = np.array(values)
    ranking = rank_rows(total, np.uint16)
    for row, got in zip(total, ranking.ranks):
        ok = ~np.isnan(row)
        expected = np.zeros(len(row))
        expected[ok] = rankdata(-row[ok], method="min")
        np.testing.assert_array_equal(got, expected)
    assert min_rank(total[0]).tolist() == [int(r) if r else pd.NA for r in ranking.ranks[0]]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), rows=st.integers(1, 3), n=st.integers(1, 300), dtype=st.sampled_from(["float64", "float32"]),
       base=st.sampled_from([0.0, 1.0, -2.5, 77.0, 1e-300, -5e300]))
def test_sort_rows_is_the_exact_ascending_order(data, rows, n, dtype, base):
    """Values a few ulps apart share a shortened float64 key: those runs must still come out sorted."""
    steps = np.array(data.draw(st.lists(st.lists(st.integers(-20, 20), min_size=n, max_size=n),
                                        min_size=rows, max_size=rows)), dtype="float64")
    scale = data.draw(st.sampled_from([1.0, 1e3, 1e9]))
    values = base + steps * np.spacing(base if base else 1.0) * scale
    holes = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n),
                                        min_size=rows, max_size=rows)))
    values[holes & (steps > 15)] = np.nan
    values[holes & (steps < -15)] = -0.0
    with np.errstate(over="ignore"):
        values = values.astype(dtype)
    order, ordered = sort_rows(values)
    np.testing.assert_array_equal(ordered, np.sort(values, axis=1))           # NaN last, as np.sort
    np.testing.assert_array_equal(np.take_along_axis(values, order, axis=1), ordered)
    np.testing.assert_array_equal(np.sort(order, axis=1), np.broadcast_to(np.arange(n), (rows, n)))


def test_sort_rows_resorts_a_run_of_one_shortened_key():
    values = 1.0 + np.arange(1000)[::-1] * np.spacing(1.0)     # all share the key without its 10 low bits
    order, ordered = sort_rows(values[None, :])
    assert order[0, :3].tolist() == [999, 998, 997] and (np.diff(ordered[0]) > 0).all()
    ranks = rank_rows(-values[None, :]).ranks[0]
    assert ranks.tolist() == list(range(1000, 0, -1))


def test_topsis_terms_reproduce_the_published_example_and_reweight_by_products():
    # Hwang & Yoon (1981), the fighter aircraft: closeness 0.64, 0.27, 0.61, 0.31
    x = np.array([[2.0, 1500, 20000, 5.5, 5, 9], [2.5, 2700, 18000, 6.5, 3, 5],
                  [1.8, 2000, 21000, 4.5, 7, 7], [2.2, 1800, 20000, 5.0, 5, 5]])
    w = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.3])
    benefit = np.array([True, True, True, False, True, True])
    a, b = topsis_terms(x, w, axis=0, benefit=benefit)
    c = closeness(np.sqrt(a.sum(axis=1)), np.sqrt(b.sum(axis=1)), scale=1)
    np.testing.assert_allclose(c, [0.64, 0.27, 0.61, 0.31], atol=0.005)
    # unweighted terms times w^2 give the weighted distances (the Monte Carlo engine's shortcut)
    ua, ub = topsis_terms(x, 1.0, axis=0, benefit=benefit)
    np.testing.assert_allclose(np.sqrt(ua @ w**2), np.sqrt(a.sum(axis=1)))
    np.testing.assert_allclose(aggregate.topsis(x, w, benefit=benefit, scale=1), c)


def test_geometric_floor_counts_what_it_raises():
    x = np.array([[0.0, 50.0], [np.nan, 0.5]])
    logs, raised = floored_log(x)
    assert raised == 2 and logs[1, 0] == 0.0 and logs[0, 0] == math.log(GEOMETRIC_FLOOR)
    with pytest.warns(aggregate.GeometricZeroWarning, match="2 score"):
        aggregate.geometric(x, [1.0, 1.0])


def test_a_second_quota_rule_is_one_edit_that_every_engine_follows(monkeypatch):
    """Change the framework's rules in the one place (``quota_rules``): Scheme.score, the Monte Carlo
    engine and the national engine all cascade them the same way."""
    rules = (QuotaRule("strong", 0.1), QuotaRule("standardized", 0.5))
    monkeypatch.setattr(wb.Framework, "quota_rules", property(lambda self: rules))
    data = wb.load("sample_data")
    scheme = wb.Scheme(wb.Framework.default())
    table = wb.compute_indicators(data, period=2025)
    result = scheme.score(table)
    counts = result.grade_counts()
    assert counts["strong"] == 30 and counts["standardized"] <= 150
    assert counts["standardized"] + counts["strong"] < (result.total >= 75).sum()   # the cascade bit
    mc = wb.monte_carlo(scheme, table, n=8, seed=3, spread=0.3, progress=False)
    for i in range(len(mc.samples)):
        again = mc.scheme_for(i).score(table)
        assert (again.grade.cat.codes.to_numpy() == mc.grades[i]).all()
    from workbench.scale import score_dataset, write_partitioned

    national = score_dataset(write_partitioned(data, Path(tempfile.mkdtemp()), partitions=2), period=2025)
    assert national.grade_counts().to_dict() == counts.to_dict()
