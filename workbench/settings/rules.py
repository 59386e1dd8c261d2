"""Branch-setting and organisational-life rules, as data, and the check that applies them.

The thresholds come from the Regulations on the Work of Party Branches (2018)
and the rural rules (2019), see DOMAIN.md. They are defaults: a framework file
can change every one of them under its ``rules:`` key.

:func:`check_rules` turns a :class:`~workbench.data.BranchData` into a tidy
table of violations, one row per branch and rule; :func:`branch_facts` gives
the per-branch counts the rules are computed from.

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
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..data.schema import COMMITTEE_ROLES, MEETING_KINDS

__all__ = ["RuleSet", "check_rules", "branch_facts", "VIOLATION_COLUMNS", "RULES"]


class RuleSet(BaseModel):
    """Every threshold of the branch-setting and activity rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_formal_members: int = Field(3, ge=1, description="formal members needed to form a branch")
    max_joint_units: int = Field(5, ge=1, description="units in one joint branch (warning above)")
    max_members: int = Field(50, ge=1, description="members in a branch (warning above)")
    committee_from_formal: int = Field(7, ge=1, description="formal members from which a committee is required")
    committee_min: int = Field(3, ge=1, description="smallest normal committee")
    committee_normal_max: int = Field(5, ge=1, description="largest normal committee (warning above)")
    committee_max: int = Field(7, ge=1, description="largest committee allowed (error above)")
    term_years: dict[str, int] = Field(
        default_factory=lambda: {"village": 5, "community": 5, "enterprise": 3, "institution": 3, "joint": 3},
        description="committee term by branch kind",
    )
    term_warning_months: int = Field(6, ge=0, description="warn this many months before a term ends")
    required_meetings: dict[str, int] = Field(
        default_factory=lambda: {
            "general_meeting": 4,
            "committee_meeting": 12,
            "group_meeting": 12,
            "party_lesson": 4,
            "themed_day": 12,
            "organizational_life": 1,
            "democratic_review": 1,
        },
        description="per-year required counts of each meeting kind",
    )
    three_meetings_one_lesson: tuple[str, ...] = Field(
        ("general_meeting", "committee_meeting", "group_meeting", "party_lesson"),
        description="the activities that make up three meetings and one lesson (三会一课)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if not self.committee_min <= self.committee_normal_max <= self.committee_max:
            raise ValueError(
                "committee sizes must satisfy committee_min <= committee_normal_max <= committee_max, "
                f"got {self.committee_min}, {self.committee_normal_max}, {self.committee_max}")
        unknown = [k for k in (*self.required_meetings, *self.three_meetings_one_lesson)
                   if k not in MEETING_KINDS]
        if unknown:
            raise ValueError(f"unknown meeting kinds {unknown}; expected some of {list(MEETING_KINDS)}")
        missing = [k for k in self.three_meetings_one_lesson if k not in self.required_meetings]
        if missing:
            raise ValueError(f"three_meetings_one_lesson lists {missing} without a count in required_meetings")
        bad = {k: v for k, v in (*self.term_years.items(), *self.required_meetings.items()) if v < 0}
        if bad:
            raise ValueError(f"term_years and required_meetings must not be negative, got {bad}")
        return self


#: Columns of the table :func:`check_rules` returns, in order.
VIOLATION_COLUMNS = ("branch_id", "rule", "category", "severity", "message_zh", "message_en",
                     "value", "threshold")

#: The rules: id -> (category, severity, short Chinese name, short English name).
RULES: dict[str, tuple[str, str, str, str]] = {
    "under_min_formal": ("setting", "error", "正式党员不足", "too few formal members"),
    "joint_units": ("setting", "warning", "联合支部单位过多", "joint branch of too many units"),
    "over_max_members": ("setting", "warning", "党员人数过多", "too many members"),
    "no_committee": ("setting", "error", "未设支委会", "no committee"),
    "committee_size": ("setting", "warning", "支委会人数不在常规范围", "committee size outside the normal range"),
    "committee_too_large": ("setting", "error", "支委会人数过多", "committee too large"),
    "no_discipline": ("setting", "error", "未设纪检委员", "no discipline inspection member"),
    "no_secretary": ("setting", "error", "书记空缺", "no secretary"),
    "term_overdue": ("setting", "error", "换届超期", "committee term overdue"),
    "term_due": ("setting", "warning", "即将换届", "committee term ends soon"),
    **{f"activity_{k}": ("activity", "warning", f"{zh}次数不足", f"too few {en}")
       for k, (zh, en) in {
           "general_meeting": ("党员大会", "general membership meetings"),
           "committee_meeting": ("支委会", "committee meetings"),
           "group_meeting": ("党小组会", "party group meetings"),
           "party_lesson": ("党课", "party lessons"),
           "themed_day": ("主题党日", "themed party days"),
           "organizational_life": ("组织生活会", "organizational life meetings"),
           "democratic_review": ("民主评议党员", "democratic reviews of members"),
       }.items()},
}

# Posts that exist only on a committee: a secretary with at most one deputy is how
# a branch under the committee threshold is led, so those two posts alone are not
# a committee.
_COMMITTEE_ONLY = tuple(r for r in COMMITTEE_ROLES if r not in ("secretary", "deputy_secretary"))


def branch_facts(data) -> pd.DataFrame:
    """Per-branch counts that the setting rules read, one row per branch.

    Columns: ``members``, ``formal``, ``committee`` (members holding a committee
    role, see ``workbench.data.schema.COMMITTEE_ROLES``), ``has_committee``,
    ``secretary``, ``deputy``, ``discipline``, ``units`` (distinct non-empty
    ``unit`` values of the members), ``groups`` (distinct non-empty
    ``party_group`` values).

    A branch *has a committee* when one of its members holds a post that exists
    only on a committee (organization, propaganda, discipline or plain
    committee member), or when three or more members hold committee roles. A
    secretary alone, or a secretary with one deputy, is the leadership the
    regulations prescribe for branches under the committee threshold, not a
    committee: such a branch is judged by the secretary rule only.

    Counting is vectorised (``np.bincount`` over branch codes), so a province of
    10^5 branches and two million members takes a fraction of a second.

    >>> import workbench as wb
    >>> facts = branch_facts(wb.load("sample_data"))
    >>> facts.columns.tolist()[:4]
    ['members', 'formal', 'committee', 'has_committee']
    >>> bool((facts["formal"] <= facts["members"]).all())
    True
    """
    branches = data.branches["branch_id"]
    m = data.members
    n = len(branches)
    index = pd.Index(branches, name="branch_id")
    codes = key_codes(m["branch_id"], branches)
    known = codes >= 0  # members of unknown branches cannot occur in validated data

    def count(mask) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool) & known
        return np.bincount(codes[mask], minlength=n).astype("int64")

    role = m["role"]
    committee = count(role.isin(COMMITTEE_ROLES))
    committee_only = count(role.isin(_COMMITTEE_ONLY))
    facts = pd.DataFrame({
        "members": count(np.ones(len(m), dtype=bool)),
        "formal": count(m["status"] == "formal"),
        "committee": committee,
        "has_committee": (committee_only > 0) | (committee >= 3),
        "secretary": count(role == "secretary"),
        "deputy": count(role == "deputy_secretary"),
        "discipline": count(role == "discipline"),
        "units": _distinct(codes, m["unit"] if "unit" in m else None, n),
        "groups": _distinct(codes, m["party_group"] if "party_group" in m else None, n),
    }, index=index)
    return facts


def key_codes(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent), as int64.

    Arrow's hash lookup: for string columns it is several times faster than
    ``Index.get_indexer``, which converts the strings to Python objects first.
    """
    found = pc.index_in(pa.array(values, from_pandas=True),
                        value_set=pa.array(keys, from_pandas=True))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _distinct(codes: np.ndarray, values: pd.Series | None, n: int) -> np.ndarray:
    """Distinct non-empty values per branch code."""
    if values is None:
        return np.zeros(n, dtype="int64")
    vcodes, _ = pd.factorize(values)  # -1 for empty cells
    ok = (vcodes >= 0) & (codes >= 0)
    if not ok.any():
        return np.zeros(n, dtype="int64")
    pairs = np.unique(codes[ok].astype(np.int64) * (int(vcodes.max()) + 1) + vcodes[ok])
    return np.bincount(pairs // (int(vcodes.max()) + 1), minlength=n).astype("int64")


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
        Assessment year. Terms are judged as of 31 December of it and the
        activity rules count that year's meetings. Without it, terms are judged
        as of ``today`` and activities in the latest year that has meetings.
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
      members but no committee (see :func:`branch_facts` for what counts as a
      committee: a secretary with at most one deputy does not).
    - ``committee_size`` (warning): a committee smaller than ``committee_min``
      or larger than ``committee_normal_max``; ``committee_too_large`` (error)
      above ``committee_max`` (then instead of the warning).
    - ``no_discipline`` (error): a committee without a discipline member.
    - ``no_secretary`` (error): a branch with members but no secretary.
    - ``term_overdue`` (error) / ``term_due`` (warning): the leadership elected
      on ``branches.committee_elected`` (the committee, or the secretary where
      there is none: both serve the same term) has served its
      ``term_years[kind]`` / will have within ``term_warning_months``.
      Branches without an election date are not judged.
    - ``activity_<kind>`` (warning), for each kind of
      ``three_meetings_one_lesson``: fewer meetings of that kind in the period
      than ``required_meetings[kind]``. Committee meetings are required only of
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
    if period is not None:
        as_of = pd.Timestamp(int(period), 12, 31)
    else:
        as_of = pd.Timestamp(today or dt.date.today())
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
    facts = branch_facts(data)
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
    odd_size = has_committee & ((committee < lo) | (committee > hi)) & (committee <= top)
    add("committee_size", odd_size, committee, np.where(committee < lo, lo, hi),
        ("支委会", committee, f"人，不在{lo}至{hi}人的常规范围"),
        ("committee of ", committee, f", outside the normal {lo} to {hi}"))
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
    elected = branches["committee_elected"].to_numpy().astype("datetime64[D]")
    kind = branches["kind"].astype(str).to_numpy()
    years = np.full(len(kind), -1, dtype=np.int64)
    for k, y in rules.term_years.items():  # five kinds at most: a mask each, not a loop over branches
        years[kind == k] = y
    judged = (years >= 0) & ~np.isnat(elected)
    due = _add_years(elected, np.maximum(years, 0))
    end = np.datetime64(as_of.date(), "D")
    soon = np.datetime64((as_of + pd.DateOffset(months=rules.term_warning_months)).date(), "D")
    overdue = judged & (due < end)
    upcoming = judged & (due >= end) & (due < soon)
    flagged = overdue | upcoming
    if not flagged.any():
        return
    served = np.round((end - elected).astype("float64") / 365.25, 1)
    # Dates as text only for the flagged rows.
    e_txt = np.full(len(kind), "", dtype=object)
    d_txt = np.full(len(kind), "", dtype=object)
    e_txt[flagged] = np.datetime_as_string(elected[flagged], unit="D")
    d_txt[flagged] = np.datetime_as_string(due[flagged], unit="D")
    months = rules.term_warning_months
    add("term_overdue", overdue, served, years,
        ("班子于", e_txt, "选举，", years, "年任期已于", d_txt, "届满，换届超期"),
        ("leadership elected ", e_txt, ": the ", years, "-year term ended ", d_txt, ", election overdue"))
    add("term_due", upcoming, served, years,
        ("班子于", e_txt, "选举，", years, "年任期将于", d_txt, f"届满（{months}个月内），应做好换届准备"),
        ("leadership elected ", e_txt, ": the ", years, "-year term ends ", d_txt, f", within {months} months"))


def _add_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """``days`` plus whole ``years`` (29 February becomes 28 February), vectorised."""
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + (years * 12).astype("timedelta64[M]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


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
    for k in rules.three_meetings_one_lesson:
        required = rules.required_meetings[k]
        held = counts[:, kinds.index(k)]
        mask = has_members & applies.get(k, True) & (held < required)
        _, _, zh_short, en_short = RULES[f"activity_{k}"]
        zh_label = zh_short.removesuffix("次数不足")
        en_label = en_short.removeprefix("too few ")
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
