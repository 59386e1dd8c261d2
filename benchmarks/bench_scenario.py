"""Issue 5: a scenario of 100 operations applied and re-scored; check_rules on a province.

What a planner's click costs: the scenario replays its operations on the
baseline (validation and the bilingual description of each step included),
builds the new BranchData once, and re-scores it (compute_indicators, Scheme.score
and check_rules on the result; the baseline's results are cached by the
scenario). Measured on the sample county (300 branches) and on a generated
province of 10^4 branches; then check_rules alone on 10^5 branches.

The 100 operations are a fixed, seeded mix: 30 moves, 20 appointments,
10 vacated posts, 15 merges, 10 dissolutions, 10 splits and 5 new branches.

Medians and minima of repeated runs: on a shared machine the minimum is the
best estimate of the cost itself, the median of what a user sees.

Run: .venv/bin/python benchmarks/bench_scenario.py [--skip-large]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, peak_rss_mb, table, timeit  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.data.synth import generate  # noqa: E402
from workbench.settings.rules import check_rules  # noqa: E402
from workbench.settings.scenario import (  # noqa: E402
    Appoint, Create, Dissolve, Merge, Move, Scenario, Split, Vacate)

MIX = ["move"] * 30 + ["appoint"] * 20 + ["vacate"] * 10 + ["merge"] * 15 + ["dissolve"] * 10 \
    + ["split"] * 10 + ["create"] * 5
POSTS = ["secretary", "deputy_secretary", "organization", "propaganda", "discipline", "committee"]


def plan(data: wb.BranchData, seed: int = 0) -> list:
    """100 valid operations, drawn against the state each leaves (not timed)."""
    rng = np.random.default_rng(seed)
    kinds = list(rng.permutation(MIX))
    s = Scenario(data)
    while kinds:
        kind = kinds.pop()
        state = s.apply()
        b, m = state.branches, state.members
        op = None
        if kind == "move":
            who = m["member_id"].iloc[rng.choice(len(m), 3, replace=False)]
            others = b["branch_id"][~b["branch_id"].isin(m.loc[who.index, "branch_id"])]
            op = Move(member_ids=who.tolist(), to=others.iloc[rng.integers(len(others))])
        elif kind in ("appoint", "vacate"):
            holders = m[m["role"] != "member"] if kind == "vacate" else m
            row = holders.iloc[rng.integers(len(holders))]
            if kind == "vacate":
                op = Vacate(member_id=row["member_id"])
            else:
                op = Appoint(member_id=row["member_id"], role=rng.choice([p for p in POSTS if p != row["role"]]))
        elif kind in ("merge", "dissolve"):
            town = b["township"].iloc[rng.integers(len(b))]
            here = b.loc[b["township"] == town, "branch_id"]
            if len(here) < 2:
                kinds.append(kind)
                continue
            pair = here.iloc[rng.choice(len(here), 2, replace=False)].tolist()
            op = (Merge(branch_ids=pair, name=f"{town}联合党支部") if kind == "merge"
                  else Dissolve(branch_id=pair[0], into=pair[1]))
        elif kind == "split":
            grouped = m.dropna(subset=["party_group"]).groupby("branch_id")["party_group"].nunique()
            candidates = grouped[grouped >= 2].index
            op = Split(branch_id=candidates[rng.integers(len(candidates))], by="party_group")
        else:
            who = m["member_id"].iloc[rng.choice(len(m), 4, replace=False)].tolist()
            op = Create(name="新建党支部", township=b["township"].iloc[0], kind="enterprise", members=who)
        s = s.then(op)
    return list(s.operations)


def measure(label: str, data: wb.BranchData, ops: list, scheme: wb.Scheme, period: int) -> list[dict]:
    rows = []
    scenario = Scenario(data)
    scenario.compare(scheme, period)  # the baseline is scored once, when the data is loaded

    def replay():
        return Scenario(data, ops)

    def end_to_end():
        s = Scenario(data, ops)
        s._shared = scenario._shared  # the cached baseline, as a dashboard's scenarios share it
        return s.compare(scheme, period)

    built = replay()
    t_ops = timeit(replay, repeat=5)
    t_apply = timeit(lambda: Scenario(data, ops).apply(), repeat=5)
    after = built.apply()
    t_ind = timeit(lambda: wb.compute_indicators(after, scheme.framework, period=period), repeat=3)
    # A fresh BranchData object each time: check_rules keeps its last result per object.
    t_rules = timeit(lambda: check_rules(after.replace(), period=period), repeat=3)
    t_total = timeit(end_to_end, repeat=9)
    n = len(ops)
    for step, t, per_op in ((f"{n} operations (validate + describe)", t_ops, True),
                            (f"{n} operations + build BranchData", t_apply, True),
                            ("compute_indicators (after)", t_ind, False),
                            ("check_rules (after)", t_rules, False),
                            ("END TO END: ops + build + re-score + compare", t_total, True)):
        rows.append({"data": label, "step": step, "median": fmt(t["median"]), "min": fmt(t["min"]),
                     "per op (median)": fmt(t["median"] / n) if per_op else ""})
    return rows


def per_kind(data: wb.BranchData, ops: list) -> list[dict]:
    """Time each operation appended to the scenario built so far (the interactive case)."""
    times = defaultdict(list)
    s = Scenario(data)
    for op in ops:
        start = time.perf_counter()
        s = s.then(op)
        times[op.op].append(time.perf_counter() - start)
    return [{"operation": k, "count": len(v), "mean": fmt(float(np.mean(v))), "max": fmt(float(np.max(v)))}
            for k, v in sorted(times.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-large", action="store_true", help="skip check_rules on 10^5 branches")
    args = parser.parse_args()
    scheme = wb.Scheme(wb.Framework.default())

    county = wb.load(Path(__file__).resolve().parents[1] / "sample_data")
    started = time.perf_counter()
    province = generate(10_000, seed=1, years=(2024, 2025), validate=False)
    print(f"generated a province of {len(province.branches)} branches, {len(province.members)} members "
          f"in {time.perf_counter() - started:.1f} s")
    rows, kinds = [], {}
    for label, data in (("county (300)", county), ("province (10^4)", province)):
        ops = plan(data)
        rows += measure(label, data, ops, scheme, 2025)
        kinds[label] = per_kind(data, ops)
    print()
    print(table(rows, ["data", "step", "median", "min", "per op (median)"]))
    for label, kind_rows in kinds.items():
        print(f"\nappending one operation, {label}:")
        print(table(kind_rows, ["operation", "count", "mean", "max"]))

    if not args.skip_large:
        started = time.perf_counter()
        large = generate(100_000, seed=2, years=(2025,), validate=False)
        print(f"\ngenerated {len(large.branches)} branches, {len(large.members)} members "
              f"in {time.perf_counter() - started:.1f} s")
        t = timeit(lambda: check_rules(large.replace(), period=2025), repeat=3)
        found = check_rules(large, period=2025)
        print(f"check_rules on 10^5 branches: median {fmt(t['median'])} (min {fmt(t['min'])}), "
              f"{len(found)} violations")
    print(f"\npeak memory {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
