"""Pinned numbers of the sample county, like SALib's ``tests/test_regression.py``.

A change that moves scores, ranks or grades anywhere shows up here. When a
change is *meant* to move them (a fix of an indicator or a rule), regenerate
the pins and replace the ``PINS`` literal below, the one place they live:

    .venv/bin/python -m tests.assess.test_regression     # prints PINS as computed now

and say in the commit which numbers moved and why.
"""

from __future__ import annotations

import pprint

import pytest

import workbench as wb

BRANCHES = ("B00001", "B00003", "B00012", "B00066", "B00069", "B00100", "B00133", "B00149", "B00200",
            "B00216", "B00261", "B00300")
MC_BRANCHES = ("B00069", "B00073", "B00133", "B00216", "B00261")
MC = {"period": 2025, "n": 200, "seed": 0}
QUOTA = {"period": 2025, "max_share": 0.1}

# ---- the pins: (total, rank, grade) per branch; grade counts; vetoed branches; a tight quota; Monte Carlo
PINS = {2024: {'branches': {'B00001': (95.38099476911977, 7, 'strong'),
                            'B00003': (96.78119419642857, 3, 'strong'),
                            'B00012': (80.28578794629212, 219, 'weak'),
                            'B00066': (71.00087677368927, 270, 'basic'),
                            'B00069': (86.97726934523808, 121, 'standardized'),
                            'B00100': (81.35328158891174, 210, 'standardized'),
                            'B00133': (85.25649553571428, 155, 'standardized'),
                            'B00149': (98.59517857142856, 1, 'strong'),
                            'B00200': (82.29515618188825, 196, 'standardized'),
                            'B00216': (37.47139028795279, 300, 'weak'),
                            'B00261': (72.78400241278183, 260, 'basic'),
                            'B00300': (65.28536360432331, 274, 'basic')},
               'grade_counts': {'basic': 22, 'standardized': 183, 'strong': 68, 'weak': 27},
               'vetoed': ['B00012', 'B00025', 'B00096', 'B00246', 'B00291']},
        2025: {'branches': {'B00001': (93.1964880952381, 22, 'strong'),
                            'B00003': (89.23924988977072, 71, 'standardized'),
                            'B00012': (84.3728594924812, 158, 'standardized'),
                            'B00066': (75.01914754428341, 248, 'weak'),
                            'B00069': (98.97126116071428, 1, 'strong'),
                            'B00100': (85.2892824074074, 138, 'standardized'),
                            'B00133': (90.03125095059286, 56, 'strong'),
                            'B00149': (85.60142113095237, 134, 'standardized'),
                            'B00200': (82.75853491068432, 180, 'standardized'),
                            'B00216': (34.23715231390485, 300, 'weak'),
                            'B00261': (75.00035707957716, 249, 'standardized'),
                            'B00300': (68.3347860549944, 270, 'basic')},
               'grade_counts': {'basic': 26, 'standardized': 188, 'strong': 56, 'weak': 30},
               'vetoed': ['B00066', 'B00109', 'B00141', 'B00146', 'B00179', 'B00246']},
        'monte_carlo': {'B00069': (1, 1, 1, {'basic': 0.0, 'standardized': 0.0, 'strong': 1.0, 'weak': 0.0}),
                        'B00073': (51, 61, 78, {'basic': 0.0, 'standardized': 0.585, 'strong': 0.415, 'weak': 0.0}),
                        'B00133': (47, 58, 74, {'basic': 0.0, 'standardized': 0.455, 'strong': 0.545, 'weak': 0.0}),
                        'B00216': (300, 300, 300, {'basic': 0.0, 'standardized': 0.0, 'strong': 0.0, 'weak': 1.0}),
                        'B00261': (242, 249, 253, {'basic': 0.52, 'standardized': 0.48, 'strong': 0.0, 'weak': 0.0})},
        'quota': {'demoted': 26, 'grade_counts': {'basic': 26, 'standardized': 214, 'strong': 30, 'weak': 30}}}


def compute() -> dict:
    """The pinned quantities, computed now (what ``PINS`` must equal)."""
    data = wb.load("sample_data")
    fw = wb.Framework.default()
    scheme = wb.Scheme(fw)
    out: dict = {}
    for period in (2024, 2025):
        result = scheme.score(wb.compute_indicators(data, fw, period=period))
        out[period] = {
            "branches": {b: (float(result.total[b]), int(result.rank[b]), str(result.grade[b])) for b in BRANCHES},
            "grade_counts": {g: int(n) for g, n in sorted(result.grade_counts().items())},
            "vetoed": sorted(result.vetoes["branch_id"].unique().tolist()),
        }
    tight = fw.model_copy(update={"quota": fw.quota.model_copy(update={"max_share": QUOTA["max_share"]})})
    result = wb.Scheme(tight).score(wb.compute_indicators(data, tight, period=QUOTA["period"]))
    out["quota"] = {"demoted": len(result.quota_demoted),
                    "grade_counts": {g: int(n) for g, n in sorted(result.grade_counts().items())}}
    table = wb.compute_indicators(data, fw, period=MC["period"])
    summary = wb.monte_carlo(scheme, table, n=MC["n"], seed=MC["seed"], progress=False).summary
    out["monte_carlo"] = {
        b: (int(summary.at[b, "rank_p5"]), int(summary.at[b, "rank_median"]), int(summary.at[b, "rank_p95"]),
            {g: float(summary.at[b, f"p_{g}"]) for g in sorted(fw.grade_ids)})
        for b in MC_BRANCHES}
    return out


@pytest.fixture(scope="module")
def now() -> dict:
    return compute()


@pytest.mark.parametrize("period", [2024, 2025])
def test_scores_ranks_and_grades_of_pinned_branches(now, period):
    for branch, (total, rank, grade) in PINS[period]["branches"].items():
        got_total, got_rank, got_grade = now[period]["branches"][branch]
        assert got_total == pytest.approx(total, abs=1e-9), branch
        assert (got_rank, got_grade) == (rank, grade), branch


@pytest.mark.parametrize("period", [2024, 2025])
def test_grade_counts_and_vetoes(now, period):
    assert now[period]["grade_counts"] == PINS[period]["grade_counts"]
    assert now[period]["vetoed"] == PINS[period]["vetoed"]


def test_a_tight_quota_demotes_the_pinned_number(now):
    assert now["quota"] == PINS["quota"]
    assert now["quota"]["grade_counts"]["strong"] == int(QUOTA["max_share"] * 300)


def test_seeded_monte_carlo_summary(now):
    for branch, (p5, p50, p95, probabilities) in PINS["monte_carlo"].items():
        got = now["monte_carlo"][branch]
        assert got[:3] == (p5, p50, p95), branch
        assert got[3] == pytest.approx(probabilities, abs=1e-12), branch


if __name__ == "__main__":  # print the pins as computed now, to paste over PINS
    pprint.pprint(compute(), width=118, sort_dicts=True)
