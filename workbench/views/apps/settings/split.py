"""Planning a split: how many branches, which party groups (or units) go where, and what it would give.

A split by party group used to make one branch per group (a 60-member
village became six branches, none with a committee). The planner chooses the
number of branches and the branch each group joins; :func:`split_preview`
tries the split on the current scenario and shows, per resulting branch, its
members, its committee and the rules it would break, before anything is
applied. Pure functions of the data (no widgets).

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> groups = member_groups(data, "B00012", "party_group")
>>> len(groups), groups["secretary"].sum()
(5, 1)
>>> plan = default_assignment(groups, 2)
>>> sorted(set(plan.values()))
[0, 1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ....assess import roster
from ....i18n import tr
from ....settings.rules import check_rules
from ....settings.scenario import Scenario, ScenarioError
from ....settings.violations import rule_label

__all__ = ["member_groups", "default_assignment", "is_one_per_group", "plan_groups", "split_preview"]


def member_groups(data, branch_id: str, by: str) -> pd.DataFrame:
    """The members of a branch grouped by ``by`` (``party_group`` or ``unit``).

    Index: the non-empty values, sorted; columns ``members``, ``formal``,
    ``secretary`` (1 when the secretary is in it), ``posts`` (committee posts in
    it). Members without a value stay in the original branch and are not listed.
    """
    m = data.members[data.members["branch_id"] == branch_id]
    if by not in m.columns:
        return pd.DataFrame(columns=["members", "formal", "secretary", "posts"])
    values = m[by].astype("string").str.strip()
    m = m.assign(_value=values)[values.notna() & (values != "")]
    if m.empty:
        return pd.DataFrame(columns=["members", "formal", "secretary", "posts"])
    role = m["role"].astype(str)
    grouped = m.groupby("_value", sort=True)
    out = pd.DataFrame({
        "members": grouped.size(),
        "formal": grouped["status"].agg(lambda s: int((s.astype(str) == "formal").sum())),
        "secretary": (role == "secretary").groupby(m["_value"]).sum().astype(int),
        "posts": (role != "member").groupby(m["_value"]).sum().astype(int),
    })
    out.index.name = "value"
    return out


def default_assignment(groups: pd.DataFrame, parts: int) -> dict[str, int]:
    """Which part each group joins (0 = stays in the original branch) for ``parts`` branches.

    The secretary's group (else the largest) stays. With as many parts as
    groups, each group becomes a branch (in order of value, like a split by
    value); with fewer, the largest groups found the new branches and the rest
    join whichever branch is smallest, so the branches come out of similar size.

    >>> g = pd.DataFrame({"members": [20, 12, 11, 9], "secretary": [0, 1, 0, 0]}, index=["a", "b", "c", "d"])
    >>> default_assignment(g, 2)
    {'a': 1, 'b': 0, 'c': 0, 'd': 1}
    """
    values = list(groups.index)
    if not values:
        return {}
    parts = int(min(max(parts, 1), len(values)))
    sizes = groups["members"].astype(int).to_dict()
    with_secretary = [v for v in values if groups.loc[v, "secretary"] > 0]
    stay = with_secretary[0] if with_secretary else max(values, key=lambda v: (sizes[v], -values.index(v)))
    others = [v for v in values if v != stay]
    if parts == len(values):
        return {stay: 0, **{v: k + 1 for k, v in enumerate(others)}}
    plan = {stay: 0}
    totals = [sizes[stay]] + [0] * (parts - 1)
    by_size = sorted(others, key=lambda v: (-sizes[v], values.index(v)))
    for k, v in enumerate(by_size):
        part = k + 1 if k < parts - 1 else int(np.argmin(totals))
        plan[v] = part
        totals[part] += sizes[v]
    return {v: plan[v] for v in values}


def is_one_per_group(groups: pd.DataFrame, plan: dict[str, int]) -> bool:
    """Whether ``plan`` is the split by value itself (each group its own branch, the default one stays)."""
    return plan == default_assignment(groups, len(groups))


def plan_groups(data, branch_id: str, by: str, plan: dict[str, int]) -> list[tuple[list[str], list[str]]]:
    """The new branches of a plan: ``(member ids, group values)`` of each part 1, 2, ... that has members."""
    m = data.members[data.members["branch_id"] == branch_id]
    values = m[by].astype("string").str.strip()
    out = []
    for part in sorted({p for p in plan.values() if p > 0}):
        chosen = [v for v, p in plan.items() if p == part]
        ids = m.loc[values.isin(chosen).fillna(False).to_numpy(), "member_id"].astype(str).tolist()
        if ids:
            out.append((ids, chosen))
    return out


def _committee_text(row: pd.Series, rules, lang: str) -> str:
    if row["has_committee"]:
        text = tr("preview_committee", lang, n=int(row["committee"]))
        if not row["discipline"]:
            text += tr("preview_no_discipline", lang)
        return text
    if row["committee_required"]:
        return tr("preview_committee_needed", lang, formal=int(row["formal"]))
    return tr("preview_committee_not_needed", lang, formal=int(row["formal"]), required=rules.committee_from_formal)


def split_preview(scenario: Scenario, branch_id: str, *, groups=None, names=None, by: str | None = None,
                  rules, period: int, lang: str = "zh") -> tuple[pd.DataFrame | None, str]:
    """Try a split on the scenario: one row per resulting branch, or why it cannot be done.

    Returns ``(table, message)``: the table (columns ``branch_id, name, status,
    members, formal, secretary, committee, errors, warnings, rules``; the
    original branch first) and an empty message, or None and the core's reason
    in ``lang``.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> table, why = split_preview(Scenario(data), "B00012", by="party_group", rules=wb.Framework.default().rules,
    ...                            period=2025, lang="en")
    >>> len(table), table["errors"].sum() > 0
    (5, True)
    """
    try:
        if groups is not None:
            trial = scenario.split(branch_id, groups=groups, names=names)
        else:
            trial = scenario.split(branch_id, by=by)
    except ScenarioError as exc:
        return None, exc.message(lang)
    except (ValueError, KeyError, TypeError) as exc:
        return None, str(exc)
    data = trial.apply()
    ids = [branch_id, *trial.operations[-1].created_ids]
    facts = roster.branch_facts(data, rules, as_of=roster.period_end(period)).reindex(ids)
    v = check_rules(data, rules, period=period)
    v = v[v["branch_id"].isin(ids)]
    names_of = data.branches.set_index("branch_id")["name"]
    rows = []
    for k, bid in enumerate(ids):
        f = facts.loc[bid]
        mine = v[v["branch_id"] == bid]
        sev = mine["severity"].astype(str)
        rows.append({
            "branch_id": bid, "name": names_of.get(bid, bid),
            "status": tr("preview_stays" if k == 0 else "preview_new", lang),
            "members": int(f["members"]), "formal": int(f["formal"]),
            "secretary": tr("preview_yes" if f["secretary"] else "preview_no", lang),
            "committee": _committee_text(f, rules, lang),
            "errors": int((sev == "error").sum()), "warnings": int((sev == "warning").sum()),
            "rules": ("、" if lang == "zh" else ", ").join(rule_label(r, lang) for r in mine["rule"]),
        })
    return pd.DataFrame(rows), ""
