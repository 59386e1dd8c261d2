"""Branch-setting and organisational-life rules, as data, and the check that applies them.

The thresholds come from the Regulations on the Work of Party Branches (2018)
and the rural rules (2019), see DOMAIN.md. They are defaults: a framework file
can change every one of them under its ``rules:`` key (:class:`RuleSet`).

:func:`check_rules` turns a :class:`~workbench.data.BranchData` into a tidy
table of violations, one row per branch and rule; :func:`branch_facts` gives
the per-branch counts the rules are computed from. Both read the roster, the
committee and the term the way :mod:`workbench.assess.roster` defines them,
exactly as the indicators and the inspection tables do.

>>> rules = RuleSet()
>>> rules.min_formal_members, rules.term_years["village"]
(3, 5)
"""

from __future__ import annotations

import datetime as dt
import weakref

import numpy as np
import pandas as pd
import pyarrow as pa

from ..assess import roster
from ..assess.roster import key_codes
from ..assess.ruleset import RuleSet
from ..data.schema import MEETING_KINDS
from ..i18n import tr

__all__ = ["RuleSet", "check_rules", "branch_facts", "rule_label", "VIOLATION_COLUMNS", "RULES", "key_codes"]


#: Columns of the table :func:`check_rules` returns, in order.
VIOLATION_COLUMNS = ("branch_id", "rule", "category", "severity", "message_zh", "message_en",
                     "value", "threshold")

_KINDS = {
    "under_min_formal": ("setting", "error"),
    "joint_units": ("setting", "warning"),
    "over_max_members": ("setting", "warning"),
    "no_committee": ("setting", "error"),
    "committee_too_small": ("setting", "error"),
    "committee_size": ("setting", "warning"),
    "committee_too_large": ("setting", "error"),
    "no_discipline": ("setting", "error"),
    "no_secretary": ("setting", "error"),
    "term_overdue": ("setting", "error"),
    "term_due": ("setting", "warning"),
    **{f"activity_{k}": ("activity", "warning")
       for k in ("general_meeting", "committee_meeting", "group_meeting", "party_lesson", "themed_day",
                 "organizational_life", "democratic_review")},
}


def rule_label(rule: str, lang: str = "zh") -> str:
    """The short name of a rule in ``lang`` ("zh" or "en"), from the catalogue (``rule_<id>``).

    >>> rule_label("no_discipline", "en")
    'no discipline inspection member'
    """
    return tr(f"rule_{rule}", lang) if rule in _KINDS else rule


#: The rules: id -> (category, severity, short Chinese name, short English name).
#: The names come from the message catalogue (``workbench/i18n/rules.py``).
RULES: dict[str, tuple[str, str, str, str]] = {
    rule: (category, severity, rule_label(rule, "zh"), rule_label(rule, "en"))
    for rule, (category, severity) in _KINDS.items()
}


def branch_facts(data, rules: RuleSet | None = None, *, period: int | None = None,
                 today: dt.date | None = None) -> pd.DataFrame:
    """Per-branch counts that the setting rules read, one row per branch.

    The roster is taken at the end of ``period`` (or on ``today`` when given
    without a period; with neither, every member in the data with the status
    recorded). Columns and the definition of a committee:
    :func:`workbench.assess.roster.branch_facts`.

    >>> import workbench as wb
    >>> facts = branch_facts(wb.load("sample_data"), period=2025)
    >>> facts.columns.tolist()[:4]
    ['members', 'formal', 'committee', 'has_committee']
    >>> bool((facts["formal"] <= facts["members"]).all())
    True
    """
    as_of = roster.as_of_date(period, today) if (period is not None or today is not None) else None
    return roster.branch_facts(data, rules, as_of=as_of)


def check_rules(data, rules: RuleSet | None = None, *, period: int | None = None,
                today: dt.date | None = None) -> pd.DataFrame:
    """Check every branch against the branch-setting and activity rules.

    Parameters
    ----------
    data : BranchData
        The county (or province) to check.
    rules : RuleSet, optional
        Thresholds; the defaults of DOMAIN.md when omitted
        (``Framework.rules`` holds a framework file's own).
    period : int, optional
        Assessment year. Everything is judged on the roster, the terms and the
        meetings of that year, as they stood on 31 December of it (see
        :mod:`workbench.assess.roster`: members who had joined by then; formal
        when marked formal and one year past joining). Without it, the roster
        and the terms are taken on ``today`` and activities are counted in the
        latest year that has meetings.
    today : datetime.date, optional
        "As of" date for terms when ``period`` is not given (default: the
        current date).

    Returns
    -------
    pandas.DataFrame
        One row per violation, columns ``branch_id, rule, category
        ("setting" | "activity"), severity ("error" | "warning"), message_zh,
        message_en, value, threshold`` (the figure found and the limit it
        broke, as floats), sorted by severity (errors first), rule and branch.
        Empty (with these columns) when nothing is violated.

    Notes
    -----
    The rules (ids in ``RULES``):

    - ``under_min_formal`` (error): fewer than ``min_formal_members`` formal
      members; the branch should join a joint branch.
    - ``joint_units`` (warning): a joint branch whose members come from more
      than ``max_joint_units`` units (distinct ``unit`` values).
    - ``over_max_members`` (warning): more than ``max_members`` members.
    - ``no_committee`` (error): ``committee_from_formal`` or more formal
      members but no committee (see :func:`workbench.assess.roster.has_committee`
      for what counts as a committee: a secretary with at most one deputy does
      not; a secretary with an organization member does).
    - ``committee_too_small`` (error): a committee smaller than
      ``committee_min`` (DOMAIN.md: 3 to 5, a hard rule; a committee of two
      cannot take a majority decision without the secretary deciding alone).
    - ``committee_size`` (warning): a committee larger than
      ``committee_normal_max`` but not above ``committee_max``;
      ``committee_too_large`` (error) above ``committee_max``.
    - ``no_discipline`` (error): a committee without a discipline member.
    - ``no_secretary`` (error): a branch with members but no secretary.
    - ``term_overdue`` (error) / ``term_due`` (warning): the leadership elected
      on ``branches.committee_elected`` (the committee, or the secretary where
      there is none: both serve the same term) has served its
      ``term_years[kind]`` / will have within ``term_warning_months``, the
      term ending on :func:`workbench.assess.roster.term_ends` (calendar years;
      a term ending on the period's last day is due, not overdue). Branches
      without an election date are not judged.
    - ``activity_<kind>`` (warning), for each kind of
      ``three_meetings_one_lesson`` and of ``annual_activities`` (the
      organizational life meeting and the democratic review of members, once
      a year): fewer meetings of that kind in the period than
      ``required_meetings[kind]``. Committee meetings are required only of
      branches with a committee, party group meetings only of branches with
      party groups; branches without members, or established after the
      period, are not judged.

    The last result is kept: checking the same BranchData object again with
    the same arguments returns it without recomputing.

    Examples
    --------
    >>> import workbench as wb
    >>> v = check_rules(wb.load("sample_data"), period=2025)
    >>> v.columns.tolist()[:4]
    ['branch_id', 'rule', 'category', 'severity']
    >>> v[v.rule == "no_committee"].message_en.iloc[0]  # doctest: +SKIP
    '9 formal members but no committee'
    """
    rules = rules or RuleSet()
    as_of = roster.as_of_date(period, today)
    # The same data is often checked twice in a row (the setting indicator, then a
    # scenario's comparison): keep the last answer. BranchData is immutable by
    # convention; callers get a copy-on-write view, so they cannot change the kept one.
    key = (rules, period, as_of)
    last = _LAST.get("entry")
    if last is not None and last[0]() is data and last[1] == key:
        return last[2].copy(deep=False)
    result = _check(data, rules, period, as_of)
    _LAST["entry"] = (weakref.ref(data), key, result)
    return result.copy(deep=False)


_LAST: dict = {}


def _check(data, rules: RuleSet, period: int | None, as_of: pd.Timestamp) -> pd.DataFrame:
    facts = roster.branch_facts(data, rules, as_of=as_of)
    branches = data.branches
    parts: list[dict] = []
    ids = facts.index.to_numpy()

    def add(rule: str, mask, value, threshold, zh, en) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        category, severity, _, _ = RULES[rule]
        size = int(mask.sum())

        def pick(x):
            return np.asarray(x)[mask] if np.ndim(x) else np.full(size, x)

        # Plain arrays here, one DataFrame at the end: a frame per rule costs more than the rule.
        parts.append({
            "row": np.flatnonzero(mask),
            "rule": np.full(size, _RULE_IDS.index(rule), dtype=np.int64),
            "message_zh": _text(zh, pick),
            "message_en": _text(en, pick),
            "value": pick(value).astype("float64"),
            "threshold": pick(threshold).astype("float64"),
        })

    members = facts["members"].to_numpy()
    formal = facts["formal"].to_numpy()
    committee = facts["committee"].to_numpy()
    has_committee = facts["has_committee"].to_numpy()
    kind = branches["kind"].astype(str).to_numpy()

    t = rules.min_formal_members
    add("under_min_formal", formal < t, formal, t,
        ("正式党员", formal, f"名，不足{t}名，应与邻近单位组建联合党支部"),
        (formal, f" formal members, fewer than {t}: should join a joint branch"))

    t = rules.max_joint_units
    units = facts["units"].to_numpy()
    add("joint_units", (kind == "joint") & (units > t), units, t,
        ("联合党支部涵盖", units, f"个单位，超过{t}个"),
        ("joint branch of ", units, f" units, more than {t}"))

    t = rules.max_members
    add("over_max_members", members > t, members, t,
        ("党员", members, f"名，超过{t}名，宜分设支部、划分党小组或成立党总支"),
        (members, f" members, more than {t}: split, form party groups or a general branch"))

    t = rules.committee_from_formal
    add("no_committee", (formal >= t) & ~has_committee, formal, t,
        ("有", formal, "名正式党员但未设支委会"),
        (formal, " formal members but no committee"))

    lo, hi, top = rules.committee_min, rules.committee_normal_max, rules.committee_max
    add("committee_too_small", has_committee & (committee < lo), committee, lo,
        ("支委会仅", committee, f"人，少于{lo}人"),
        ("committee of ", committee, f", fewer than {lo}"))
    add("committee_size", has_committee & (committee > hi) & (committee <= top), committee, hi,
        ("支委会", committee, f"人，超过常规的{hi}人"),
        ("committee of ", committee, f", more than the normal {hi}"))
    add("committee_too_large", has_committee & (committee > top), committee, top,
        ("支委会", committee, f"人，超过{top}人"),
        ("committee of ", committee, f", more than {top}"))

    add("no_discipline", has_committee & (facts["discipline"].to_numpy() == 0), 0, 1,
        ("支委会", committee, "人，未设纪检委员"),
        ("committee of ", committee, " without a discipline inspection member"))

    add("no_secretary", (members > 0) & (facts["secretary"].to_numpy() == 0), 0, 1,
        (members, "名党员中无书记"),
        ("no secretary among ", members, " members"))

    _add_terms(add, branches, rules, as_of)
    _add_activities(add, data, facts, rules, period)

    if not parts:
        return _empty()
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    # Sort on integer keys: the rule ids are in alphabetical order, errors sort before warnings.
    branch_rank = np.empty(len(ids), dtype=np.int64)
    branch_rank[np.argsort(facts.index.to_numpy(dtype=object), kind="stable")] = np.arange(len(ids))
    severity = np.asarray([RULES[r][1] == "warning" for r in _RULE_IDS])[cols["rule"]]
    order = np.lexsort((branch_rank[cols["row"]], cols["rule"], severity))
    rule = cols["rule"][order]
    return pd.DataFrame({
        "branch_id": pd.array(pa.array(facts.index.to_numpy(dtype=object)).take(pa.array(cols["row"][order])),
                              dtype="str"),
        "rule": _labels(rule, _RULE_IDS),
        "category": _labels(rule, [RULES[r][0] for r in _RULE_IDS]),
        "severity": _labels(rule, [RULES[r][1] for r in _RULE_IDS]),
        "message_zh": pd.array(cols["message_zh"][order], dtype="str"),
        "message_en": pd.array(cols["message_en"][order], dtype="str"),
        "value": cols["value"][order],
        "threshold": cols["threshold"][order],
    })


_RULE_IDS = sorted(RULES)


def _labels(codes: np.ndarray, labels: list[str]) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a ``str`` array, decoded by Arrow from a dictionary."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(labels))
    return pd.array(dictionary.cast(pa.large_string()), dtype="str")


def _add_terms(add, branches: pd.DataFrame, rules: RuleSet, as_of: pd.Timestamp) -> None:
    due, years = roster.term_ends(branches, rules)
    elected = branches["committee_elected"].to_numpy().astype("datetime64[D]")
    judged = ~np.isnat(due)
    end = np.datetime64(as_of.date(), "D")
    soon = np.datetime64((as_of + pd.DateOffset(months=rules.term_warning_months)).date(), "D")
    overdue = judged & (due < end)
    upcoming = judged & (due >= end) & (due < soon)
    flagged = overdue | upcoming
    if not flagged.any():
        return
    served = np.round((end - elected).astype("float64") / 365.25, 1)
    # Dates as text only for the flagged rows.
    e_txt = np.full(len(due), "", dtype=object)
    d_txt = np.full(len(due), "", dtype=object)
    e_txt[flagged] = np.datetime_as_string(elected[flagged], unit="D")
    d_txt[flagged] = np.datetime_as_string(due[flagged], unit="D")
    months = rules.term_warning_months
    add("term_overdue", overdue, served, years,
        ("班子于", e_txt, "选举，", years, "年任期已于", d_txt, "届满，换届超期"),
        ("leadership elected ", e_txt, ": the ", years, "-year term ended ", d_txt, ", election overdue"))
    add("term_due", upcoming, served, years,
        ("班子于", e_txt, "选举，", years, "年任期将于", d_txt, f"届满（{months}个月内），应做好换届准备"),
        ("leadership elected ", e_txt, ": the ", years, "-year term ends ", d_txt, f", within {months} months"))


def _add_activities(add, data, facts: pd.DataFrame, rules: RuleSet, period: int | None) -> None:
    meetings = data.meetings
    year_of = meetings["date"].dt.year
    if period is None:
        if year_of.notna().any():
            period = int(year_of.max())
        elif data.periods:
            period = data.periods[-1]
        else:
            return
    n = len(facts)
    kinds = list(MEETING_KINDS)
    in_period = (year_of == period).to_numpy()
    codes = key_codes(meetings["branch_id"], data.branches["branch_id"])
    kind_codes = pd.Categorical(meetings["kind"], categories=kinds).codes
    ok = in_period & (codes >= 0) & (kind_codes >= 0)
    counts = np.bincount(codes[ok].astype(np.int64) * len(kinds) + kind_codes[ok],
                         minlength=n * len(kinds)).reshape(n, len(kinds))
    # A branch founded after the period (a scenario's new branch) had no meetings to hold.
    existed = (data.branches["established"] <= pd.Timestamp(period, 12, 31)).to_numpy()
    has_members = (facts["members"].to_numpy() > 0) & existed
    applies = {
        "committee_meeting": facts["has_committee"].to_numpy(),
        "group_meeting": facts["groups"].to_numpy() > 0,
    }
    for k in rules.checked_activities:
        required = rules.required_meetings[k]
        held = counts[:, kinds.index(k)]
        mask = has_members & applies.get(k, True) & (held < required)
        zh_label = rule_label(f"activity_{k}", "zh").removesuffix("次数不足")
        en_label = rule_label(f"activity_{k}", "en").removeprefix("too few ")
        add(f"activity_{k}", mask, held, required,
            (f"{period}年{zh_label}", held, f"次，应不少于{required}次"),
            (held, f" {en_label} in {period}, {required} required"))


def _text(parts: tuple, pick) -> np.ndarray:
    """Concatenate literal strings and per-row values (already masked by ``pick``)."""
    out = None
    for p in parts:
        if isinstance(p, str):
            piece = p
        else:
            arr = pick(p)
            if arr.dtype.kind == "f":
                whole = np.isclose(arr, np.round(arr))
                arr = np.where(whole, np.round(arr).astype(np.int64).astype(str), np.char.mod("%.1f", arr))
            piece = arr.astype(np.dtypes.StringDType())
        out = piece if out is None else np.strings.add(out, piece)
    return np.asarray(out, dtype=object)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        **{c: pd.Series([], dtype="str") for c in VIOLATION_COLUMNS[:6]},
        "value": pd.Series([], dtype="float64"),
        "threshold": pd.Series([], dtype="float64"),
    })
