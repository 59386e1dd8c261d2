"""Branch-setting scenarios: merge, split, move, dissolve, create, appoint, vacate.

A :class:`Scenario` is an ordered list of operations on a baseline
:class:`~workbench.data.BranchData`. Each operation is a small frozen object
with a pure ``apply(data) -> BranchData``; the scenario applies them in turn
to a working copy (arrays, copied only where an operation changes them), so
the baseline never changes and every member ends in exactly one branch. Scenarios are immutable values, like the baseline: every builder method
(``merge``, ``move``, ...) and :meth:`Scenario.undo` return a *new* scenario,
which makes "a failed operation leaves the scenario as it was" automatic.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> s = Scenario(data).merge(["B00031", "B00032"], name="示范联合党支部").move(["M0000001"], to="B00003")
>>> len(s), s.created_ids
(2, ('B00301',))
>>> after = s.apply()
>>> "B00031" in set(after.branches["branch_id"]), data.equals(wb.load("sample_data"))
(False, True)

Choices, stated once (each operation's docstring repeats its own):

- Committee posts belong to a branch. A member who changes branch (``move``,
  ``dissolve``, the leaving parts of a ``split``, the non-lead parts of a
  ``merge``) arrives as an ordinary member; ``appoint`` gives posts.
- Records follow the organisation that answers for them: a merged (or
  absorbing) branch takes over the meetings, inspections and problems of its
  parts, so its indicators derive from the merged records; a split keeps every
  record with the part that keeps the branch id. Trainings belong to members
  and go where they go.
- New branch ids continue the baseline's numbering after the highest id ever
  used in the scenario (``B00300`` → ``B00301``), so they are deterministic
  and never reused, even after the branch that held one is dissolved.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import errno
import os
import re
import weakref
from functools import cached_property
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from ..data.core import BranchData

from ..files import atomic_path
from ..data.schema import BRANCH_KINDS, ROLES
from ..data.validate import TEXT_DTYPE
from .rules import RULES, RuleSet, check_rules, key_codes

__all__ = [
    "Scenario",
    "ScenarioComparison",
    "ScenarioError",
    "UnknownIdError",
    "InvalidOperationError",
    "ScenarioFileError",
    "Operation",
    "Merge",
    "Split",
    "Move",
    "Dissolve",
    "Create",
    "Appoint",
    "Vacate",
    "OPERATIONS",
    "SINGLE_POSTS",
]


# ====================================================================== errors

class ScenarioError(ValueError):
    """An operation that cannot be applied to the scenario's current state.

    It carries its message in English and Chinese: ``str(err)`` is the English
    text (the CLI, logs and tests read it), ``err.message(lang)`` the text a
    dashboard shows in the user's language.

    >>> err = ScenarioError("move: no members given", zh="转移：未选择党员")
    >>> str(err), err.message("zh"), err.message("en")
    ('move: no members given', '转移：未选择党员', 'move: no members given')
    >>> str(err.prefixed("step 2 (move)", "第2步（转移）")), err.prefixed("step 2 (move)", "第2步（转移）").zh
    ('step 2 (move): move: no members given', '第2步（转移）：转移：未选择党员')
    """

    def __init__(self, en: str, *, zh: str | None = None):
        super().__init__(en)
        self.en = str(en)
        # A subclass raised without a translation (outside this module) still shows something.
        self.zh = str(zh) if zh else self.en

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
        return self.zh if lang == "zh" else self.en

    def prefixed(self, en: str, zh: str) -> ScenarioError:
        """The same error (same type) with where it happened put in front, in both languages."""
        return type(self)(f"{en}: {self.en}", zh=f"{zh}：{self.zh}")


class UnknownIdError(ScenarioError):
    """A branch or member id that is not in the current state."""


class InvalidOperationError(ScenarioError):
    """A well-formed operation that makes no sense here (e.g. moving a member to its own branch)."""


class ScenarioFileError(ScenarioError):
    """A scenario YAML file that cannot be read; the message names the step and key."""


#: Posts held by one member at a time: appointing a new holder makes the previous one an
#: ordinary member. Deputy secretaries and plain committee members may be several.
SINGLE_POSTS = ("secretary", "organization", "propaganda", "discipline")

ROLE_ZH = {"secretary": "书记", "deputy_secretary": "副书记", "organization": "组织委员",
           "propaganda": "宣传委员", "discipline": "纪检委员", "committee": "支委", "member": "普通党员"}
ROLE_EN = {"secretary": "secretary", "deputy_secretary": "deputy secretary",
           "organization": "organization member", "propaganda": "propaganda member",
           "discipline": "discipline inspection member", "committee": "committee member",
           "member": "ordinary member"}
#: Chinese names of the member columns a split goes by (the descriptions use them).
BY_ZH = {"party_group": "党小组", "unit": "所在单位", "gender": "性别", "education": "学历", "status": "党员类别"}
KIND_ZH = {"village": "村党支部", "community": "社区党支部", "enterprise": "企业党支部",
           "institution": "机关事业单位党支部", "joint": "联合党支部"}
#: Chinese names of the operations (error messages name the step's operation with them).
OP_ZH = {"merge": "合并", "split": "拆分", "move": "转移", "dissolve": "撤销", "create": "新建",
         "appoint": "任命", "vacate": "免去职务"}


# ================================================================ the state

def _ids_series(ids: list[str], codes: np.ndarray) -> pd.Series:
    """``ids[codes]`` as a ``str`` Series, through Arrow (no Python string objects per row)."""
    taken = pa.array(ids, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.Series(pd.array(taken, dtype=TEXT_DTYPE))


class _Base:
    """Look-ups of one baseline, built once and shared by every state derived from it."""

    def __init__(self, data: BranchData):
        self.data = data
        b, m = data.branches, data.members
        self.branch_ids: list[str] = b["branch_id"].tolist()
        self.branch_index: dict[str, int] = {bid: k for k, bid in enumerate(self.branch_ids)}
        self.member_codes = key_codes(m["branch_id"], b["branch_id"]).astype(np.int64)
        role = m["role"]
        if isinstance(role.dtype, pd.CategoricalDtype) and list(role.cat.categories) == list(ROLES):
            codes = role.cat.codes.to_numpy()  # the loader's dtype: no re-coding needed
        else:
            codes = pd.Categorical(role, categories=list(ROLES)).codes
        self.role_codes = codes.astype(np.int8)
        self._member_index: dict[str, int] | None = None
        self._record_codes: dict[str, np.ndarray] = {}
        self._outcomes: dict | None = None
        self._columns: dict[str, np.ndarray] = {}

    @cached_property
    def member_names(self) -> np.ndarray:
        return self.column("name")

    def column(self, name: str) -> np.ndarray:
        """A member column as an object array, converted once per baseline (splits read them)."""
        if name not in self._columns:
            self._columns[name] = self.data.members[name].to_numpy(dtype=object)
        return self._columns[name]

    @property
    def member_index(self) -> dict[str, int]:
        if self._member_index is None:
            ids = self.data.members["member_id"].tolist()
            self._member_index = dict(zip(ids, range(len(ids))))
        return self._member_index

    def record_codes(self, table: str) -> np.ndarray:
        if table not in self._record_codes:
            frame = getattr(self.data, table)
            self._record_codes[table] = key_codes(frame["branch_id"], self.data.branches["branch_id"])
        return self._record_codes[table]

    @property
    def outcomes(self) -> dict[int, dict[str, np.ndarray]]:
        """Per year: income, satisfaction, weak_lax and present, as arrays over baseline branch codes."""
        if self._outcomes is None:
            out = self.data.outcomes
            n = len(self.branch_ids)
            codes = key_codes(out["branch_id"], self.data.branches["branch_id"])
            years = out["year"].to_numpy()
            result = {}
            for year in sorted(set(years.tolist())):
                sel = (years == year) & (codes >= 0)
                arrays = {"income": np.full(n, np.nan), "satisfaction": np.full(n, np.nan),
                          "weak_lax": np.zeros(n, dtype=bool), "present": np.zeros(n, dtype=bool)}
                at = codes[sel]
                arrays["income"][at] = out["collective_income"].to_numpy(dtype="float64")[sel]
                arrays["satisfaction"][at] = out["satisfaction"].to_numpy(dtype="float64")[sel]
                arrays["weak_lax"][at] = out["weak_lax"].to_numpy(dtype=bool)[sel]
                arrays["present"][at] = True
                result[int(year)] = arrays
            self._outcomes = result
        return self._outcomes


@dataclass(frozen=True)
class _State:
    """The scenario's working state: arrays over members and branch codes.

    Operations derive a new state, copying only what they change (an array of
    member codes, a list of branch attributes); BranchData is built once, by
    :meth:`to_data`, when asked for. Branch codes index the attribute lists:
    baseline branches first, new branches appended; codes are never reused.
    """

    base: _Base
    member_branch: np.ndarray      # branch code of each member (members keep their baseline row order)
    member_role: np.ndarray        # code into ROLES
    units: dict                    # member row -> unit, where an operation set one
    ids: list                      # branch code -> id
    new_index: dict                # id -> code, for branches the scenario created
    alive: np.ndarray              # branch code -> still exists
    name: list
    township: list
    kind: list
    established: np.ndarray        # datetime64[us] by branch code
    elected: np.ndarray
    income: np.ndarray
    satisfaction: np.ndarray
    forward: np.ndarray            # baseline branch code -> code of the branch that holds its records
    outcomes: dict | None          # None: unchanged from the baseline

    @classmethod
    def of(cls, data: BranchData, base: _Base | None = None) -> _State:
        base = base or _Base(data)
        b = data.branches
        n = len(b)
        return cls(base=base, member_branch=base.member_codes, member_role=base.role_codes, units={},
                   ids=base.branch_ids, new_index={}, alive=np.ones(n, dtype=bool),
                   name=b["name"].tolist(), township=b["township"].tolist(),
                   kind=b["kind"].astype(str).tolist(), established=b["established"].to_numpy(dtype="datetime64[us]"),
                   elected=b["committee_elected"].to_numpy(dtype="datetime64[us]"),
                   income=b["collective_income"].to_numpy(dtype="float64"),
                   satisfaction=b["satisfaction"].to_numpy(dtype="float64"),
                   forward=np.arange(n), outcomes=None)

    # ------------------------------------------------------------- look-ups
    def code(self, bid: str) -> int | None:
        code = self.new_index.get(bid)
        if code is None:
            code = self.base.branch_index.get(bid)
        return code if code is not None and self.alive[code] else None

    def codes(self, ids: Sequence[str], what: str, what_zh: str) -> list[int]:
        found = [self.code(i) for i in ids]
        missing = [i for i, c in zip(ids, found) if c is None]
        if missing:
            n = int(self.alive.sum())
            raise UnknownIdError(f"{what}: no branch {_list(missing)} in the current state ({n} branches)",
                                 zh=f"{what_zh}：当前状态中没有支部{_list_zh(missing)}（现有{n}个支部）")
        return found

    def rows(self, member_ids: Sequence[str], what: str, what_zh: str) -> np.ndarray:
        index = self.base.member_index
        found = [index.get(i) for i in member_ids]
        missing = [i for i, r in zip(member_ids, found) if r is None]
        if missing:
            raise UnknownIdError(f"{what}: no member {_list(missing)} in the current state",
                                 zh=f"{what_zh}：当前状态中没有党员{_list_zh(missing)}")
        return np.asarray(found, dtype=np.int64)

    def members_of(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.member_branch == code)

    def counts(self) -> np.ndarray:
        return np.bincount(self.member_branch, minlength=len(self.ids))

    def label(self, code: int) -> str:
        return f"{self.ids[code]}「{self.name[code]}」"

    def label_en(self, code: int) -> str:
        return f"{self.ids[code]} “{self.name[code]}”"

    def member_names(self, rows: np.ndarray) -> list[str]:
        return self.base.member_names[rows].tolist()

    def taken(self, bid: str) -> bool:
        return self.code(bid) is not None

    # ------------------------------------------------------------- changes
    def moved(self, rows: np.ndarray, to: int, *, lapse: np.ndarray | None = None) -> _State:
        """Members ``rows`` join branch ``to``; posts of ``lapse`` rows (default: all moved) lapse.

        Entering a joint branch, a member from a single-unit branch (enterprise,
        village, ...) gets that branch's name as unit: a joint branch counts its
        units as the distinct units of its members.
        """
        branch = self.member_branch.copy()
        role = self.member_role
        lapse = rows if lapse is None else lapse
        if len(lapse) and (role[lapse] != _MEMBER).any():
            role = role.copy()
            role[lapse] = _MEMBER
        units = self.units
        if self.kind[to] == "joint" and len(rows):
            sources = branch[rows]
            single = np.asarray([self.kind[c] != "joint" for c in sources], dtype=bool)
            if single.any():
                units = dict(units)
                for r, c in zip(rows[single].tolist(), sources[single].tolist()):
                    units[r] = self.name[c]
        branch[rows] = to
        return dataclasses.replace(self, member_branch=branch, member_role=role, units=units)

    def added(self, new_id: str, *, name: str, township: str, kind: str, established, elected,
              income: float, satisfaction: float) -> tuple[_State, int]:
        code = len(self.ids)
        state = dataclasses.replace(
            self, ids=[*self.ids, new_id], new_index={**self.new_index, new_id: code},
            alive=np.append(self.alive, True), name=[*self.name, name], township=[*self.township, township],
            kind=[*self.kind, kind], established=np.append(self.established, _day(established)),
            elected=np.append(self.elected, _day(elected)),
            income=np.append(self.income, income), satisfaction=np.append(self.satisfaction, satisfaction),
            outcomes=None if self.outcomes is None else {
                y: {k: np.append(a, False if a.dtype == bool else np.nan) for k, a in arrays.items()}
                for y, arrays in self.outcomes.items()})
        return state, code

    def removed(self, codes: Sequence[int], into: int) -> _State:
        """Branches ``codes`` cease; the branch ``into`` holds their records from now on."""
        alive = self.alive.copy()
        alive[list(codes)] = False
        forward = self.forward.copy()
        forward[np.isin(forward, list(codes))] = into
        return dataclasses.replace(self, alive=alive, forward=forward)

    def _outcome_arrays(self) -> dict:
        if self.outcomes is not None:
            return self.outcomes
        n, base = len(self.ids), self.base.outcomes
        extra = n - len(self.base.branch_ids)
        return {y: {k: np.append(a, np.zeros(extra, bool) if a.dtype == bool else np.full(extra, np.nan))
                    for k, a in arrays.items()} for y, arrays in base.items()}

    def folded(self, codes: Sequence[int], into: int) -> _State:
        """Income, satisfaction and outcomes of ``codes`` folded into branch ``into``.

        Collective income adds up (the collectives pool); satisfaction is the
        mean weighted by members (the surveyed population is the union);
        weak-and-lax holds if it held for any part: a merger alone does not
        rectify a weak organisation.
        """
        codes = list(codes)
        weights = self.counts()[codes].astype("float64")
        income = self.income.copy()
        satisfaction = self.satisfaction.copy()
        income[into] = _sum(self.income[codes])
        satisfaction[into] = _weighted(self.satisfaction[codes], weights)
        arrays = self._outcome_arrays()
        outcomes = {}
        for year, a in arrays.items():
            a = {k: v.copy() for k, v in a.items()}
            present = a["present"][codes]
            if present.any():
                a["income"][into] = _sum(np.where(present, a["income"][codes], np.nan))
                a["satisfaction"][into] = _weighted(np.where(present, a["satisfaction"][codes], np.nan), weights)
                a["weak_lax"][into] = bool((a["weak_lax"][codes] & present).any())
                a["present"][into] = True
            outcomes[year] = a
        return dataclasses.replace(self, income=income, satisfaction=satisfaction, outcomes=outcomes)

    def copied(self, source: int, targets: Sequence[int]) -> _State:
        """New parts of a split copy the original's satisfaction and weak-and-lax flag, not its income."""
        arrays = self._outcome_arrays()
        outcomes = {}
        for year, a in arrays.items():
            a = {k: v.copy() for k, v in a.items()}
            for t in targets:
                a["present"][t] = a["present"][source]
                a["satisfaction"][t] = a["satisfaction"][source]
                a["weak_lax"][t] = a["weak_lax"][source]
                a["income"][t] = np.nan
            outcomes[year] = a
        return dataclasses.replace(self, outcomes=outcomes)

    # ------------------------------------------------------------- building
    def to_data(self) -> BranchData:
        """The BranchData of this state; tables nothing touched are the baseline's own objects."""
        base = self.base
        data = base.data
        n_base = len(base.branch_ids)
        changes: dict[str, pd.DataFrame] = {}

        m = data.members
        cols = {}
        if not np.array_equal(self.member_branch, base.member_codes):
            cols["branch_id"] = _ids_series(self.ids, self.member_branch)
        if not np.array_equal(self.member_role, base.role_codes):
            cols["role"] = pd.Categorical.from_codes(self.member_role, dtype=m["role"].dtype)
        if self.units:
            unit = m["unit"].copy()
            rows = np.fromiter(self.units.keys(), dtype=np.int64, count=len(self.units))
            unit.iloc[rows] = pd.array(list(self.units.values()), dtype=TEXT_DTYPE)
            cols["unit"] = unit
        if cols:
            changes["members"] = m.assign(**cols)

        b = data.branches
        alive_base = self.alive[:n_base]
        if len(self.ids) > n_base or not alive_base.all() or not _same(self.income[:n_base], b["collective_income"]) \
                or not _same(self.satisfaction[:n_base], b["satisfaction"]):
            kept = b.assign(collective_income=self.income[:n_base],
                            satisfaction=self.satisfaction[:n_base])[alive_base]
            new = np.flatnonzero(self.alive[n_base:]) + n_base
            if len(new):
                rows = pd.DataFrame({
                    "branch_id": pd.array([self.ids[c] for c in new], dtype=TEXT_DTYPE),
                    "name": pd.array([self.name[c] for c in new], dtype=TEXT_DTYPE),
                    "township": pd.array([self.township[c] for c in new], dtype=TEXT_DTYPE),
                    "kind": pd.Categorical([self.kind[c] for c in new], dtype=b["kind"].dtype),
                    "established": pd.array(self.established[new], dtype=b["established"].dtype),
                    "committee_elected": pd.array(self.elected[new], dtype=b["committee_elected"].dtype),
                    "collective_income": self.income[new],
                    "satisfaction": self.satisfaction[new],
                })
                kept = pd.concat([kept, rows[b.columns]], ignore_index=True)
            changes["branches"] = kept.reset_index(drop=True)

        if not np.array_equal(self.forward, np.arange(n_base)):
            for table in ("meetings", "inspections", "problems"):
                codes = base.record_codes(table)
                owner = self.forward[codes]
                if (owner != codes).any():
                    changes[table] = getattr(data, table).assign(branch_id=_ids_series(self.ids, owner))

        if self.outcomes is not None:
            changes["outcomes"] = self._outcomes_frame(data.outcomes)
        return data.replace(**changes) if changes else data

    def _outcomes_frame(self, template: pd.DataFrame) -> pd.DataFrame:
        parts = []
        for year, a in self.outcomes.items():
            codes = np.flatnonzero(a["present"] & self.alive)
            parts.append(pd.DataFrame({
                "branch_id": _ids_series(self.ids, codes), "year": np.full(len(codes), year, dtype="int64"),
                "collective_income": a["income"][codes], "satisfaction": a["satisfaction"][codes],
                "weak_lax": a["weak_lax"][codes]}))
        if not parts:
            return template
        return pd.concat(parts, ignore_index=True).astype(template.dtypes.to_dict())


_MEMBER = np.int8(ROLES.index("member"))


def _day(value) -> np.ndarray:
    """A date (or None) as a one-element datetime64[us] array, for appending to the state's dates."""
    if value is None or pd.isna(value):
        return np.array(["NaT"], dtype="datetime64[us]")
    return np.array([pd.Timestamp(value).to_datetime64()], dtype="datetime64[us]")


def _same(values: np.ndarray, column: pd.Series) -> bool:
    return np.array_equal(values, column.to_numpy(dtype="float64"), equal_nan=True)


def _sum(values: np.ndarray) -> float:
    return float(np.nansum(values)) if np.isfinite(values).any() else np.nan


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if ok.any():
        return float((values[ok] * weights[ok]).sum() / weights[ok].sum())
    finite = np.isfinite(values)
    return float(values[finite].mean()) if finite.any() else np.nan


def _as_tuple(ids, what: str, what_zh: str) -> tuple[str, ...]:
    if isinstance(ids, str):
        return (ids,)
    try:
        return tuple(str(i) for i in ids)
    except TypeError:
        raise InvalidOperationError(f"{what} must be a list of ids, got {ids!r}",
                                    zh=f"{what_zh}应为编号列表，实际为{ids!r}") from None


def _duplicates(ids: Sequence[str]) -> list[str]:
    seen, dup = set(), []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


def _list(ids: Sequence[str], limit: int = 6) -> str:
    ids = list(ids)
    shown = ", ".join(map(repr, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


_PLAIN_ID = re.compile(r"[\w.\-]+")


def _id_zh(value) -> str:
    """An id as Chinese text shows it: bare when it is one word (B00031), quoted when it is not ('', ' x')."""
    text = str(value)
    return text if _PLAIN_ID.fullmatch(text) else repr(value)


def _list_zh(ids: Sequence[str], limit: int = 6) -> str:
    """:func:`_list` for Chinese messages: ``B00031、B00032等（另有3个）``."""
    ids = list(ids)
    shown = "、".join(map(_id_zh, ids[:limit]))
    return shown + (f"等（另有{len(ids) - limit}个）" if len(ids) > limit else "")


def _named_zh(values: Iterable[str], names: dict[str, str]) -> str:
    """``village（村党支部）、community（社区党支部）``: the identifiers a file uses, with their Chinese names."""
    return "、".join(f"{v}（{names[v]}）" if v in names else str(v) for v in values)


def _check_kind(kind: str) -> None:
    if kind not in BRANCH_KINDS:
        raise InvalidOperationError(f"kind must be one of {list(BRANCH_KINDS)}, got {kind!r}",
                                    zh=f"支部类型（kind）须为{_named_zh(BRANCH_KINDS, KIND_ZH)}之一，实际为{kind!r}")


def _check_new_id(state: _State, new_id: str) -> None:
    if state.taken(new_id) or (new_id in state.new_index) or (new_id in state.base.branch_index):
        raise InvalidOperationError(f"new branch id {new_id!r} is already taken (ids are never reused)",
                                    zh=f"新支部编号{_id_zh(new_id)}已被占用（编号不重复使用）")


# ====================================================================== ids

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class _IdScheme:
    """How new branch ids are spelled: ``prefix`` + a number of at least ``width`` digits."""

    prefix: str
    width: int
    next: int

    @classmethod
    def of(cls, ids: Iterable[str]) -> _IdScheme:
        best: dict[str, tuple[int, int, int]] = {}  # prefix -> (count, width, max)
        for i in ids:
            match = _NUMBERED.match(str(i))
            if not match:
                continue
            prefix, digits = match.groups()
            count, width, top = best.get(prefix, (0, 0, -1))
            best[prefix] = (count + 1, max(width, len(digits)), max(top, int(digits)))
        if not best:
            return cls("N", 4, 1)
        prefix = max(best, key=lambda p: (best[p][0], p))  # the dominant spelling
        _, width, top = best[prefix]
        return cls(prefix, width, top + 1)

    def take(self, n: int, state: _State) -> tuple[tuple[str, ...], _IdScheme]:
        out, k = [], self.next
        while len(out) < n:
            candidate = f"{self.prefix}{k:0{self.width}d}"
            if candidate not in state.base.branch_index and candidate not in state.new_index:
                out.append(candidate)
            k += 1
        return tuple(out), dataclasses.replace(self, next=k)

    def after(self, ids: Iterable[str]) -> _IdScheme:
        """Advance past ``ids`` (ids given explicitly, e.g. read from YAML)."""
        k = self.next
        for i in ids:
            match = _NUMBERED.match(i)
            if match and match.group(1) == self.prefix:
                k = max(k, int(match.group(2)) + 1)
        return dataclasses.replace(self, next=k)


def _default_effective(data: BranchData) -> dt.date:
    """The day after the latest record: when a change planned on this data takes effect."""
    latest = [frame[col].max() for frame, col in ((data.meetings, "date"), (data.inspections, "date"),
                                                  (data.trainings, "date"), (data.branches, "committee_elected"))
              if len(frame) and frame[col].notna().any()]
    if not latest:
        return dt.date.today()
    return (max(latest) + pd.Timedelta(days=1)).date()


# =============================================================== operations

@dataclass(frozen=True, kw_only=True)
class Operation(abc.ABC):
    """One change of branch settings, with a pure ``apply(data) -> BranchData``.

    ``reason_zh`` / ``reason_en`` say why (suggest_settings fills them); they
    travel with the operation into YAML and summaries. Subclasses implement
    ``_run(state) -> state`` on the scenario's working arrays and
    ``_describe(state) -> (zh, en)``; ``apply`` and the Scenario both go
    through them, so there is one implementation of each operation.
    """

    op: ClassVar[str] = ""
    reason_zh: str = ""
    reason_en: str = ""

    def apply(self, data: BranchData) -> BranchData:
        """The data after this operation (a new BranchData; ``data`` is unchanged).

        New branch ids, when not given, continue the numbering of ``data``;
        the establishment date defaults to the day after its latest record.
        """
        state = _State.of(data)
        op, _ = self._prepared(state, _IdScheme.of(state.ids), None)
        return op._run(state).to_data()

    def describe(self, data: BranchData) -> tuple[str, str]:
        """(Chinese, English) description of this operation on ``data``."""
        state = _State.of(data)
        op, _ = self._prepared(state, _IdScheme.of(state.ids), None)
        return op._describe(state)

    @property
    def created_ids(self) -> tuple[str, ...]:
        """Branch ids this operation creates."""
        return ()

    def _prepared(self, state: _State, ids: _IdScheme, effective: dt.date | None
                  ) -> tuple[Operation, _IdScheme]:
        """The operation with its new ids and establishment date filled in."""
        return self, ids

    @abc.abstractmethod
    def _run(self, state: _State) -> _State:
        """The state after this operation (each subclass implements it)."""

    @abc.abstractmethod
    def _describe(self, state: _State) -> tuple[str, str]:
        """What this operation does, in Chinese and English (each subclass implements it)."""

    def to_dict(self) -> dict:
        out = {"op": self.op}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("reason_zh", "reason_en") or value is None:
                continue
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            if isinstance(value, dt.date):
                value = value.isoformat()
            out[f.name] = value
        if self.reason_zh or self.reason_en:
            out["reason"] = {"zh": self.reason_zh, "en": self.reason_en}
        return out


def _fill_established(op, state: _State, effective: dt.date | None):
    if op.established is None:
        return dataclasses.replace(op, established=effective or _default_effective(state.base.data))
    return op


@dataclass(frozen=True, kw_only=True)
class Merge(Operation):
    """Merge two or more branches into a new one (by default a joint branch, 联合党支部).

    - The new branch takes the committee of the *first* branch listed (the
      lead) and its election date; posts in the other parts lapse (their
      holders become ordinary members) until the merged branch elects anew.
    - Meetings, inspections and problems of all parts are re-keyed to the new
      branch, so its indicators derive from the merged records; trainings stay
      with their members.
    - Income, satisfaction and outcomes fold together: collective income adds
      up, satisfaction is member-weighted, weak-and-lax holds if it held for
      any part.
    - Into a joint branch, members from a single-unit branch (enterprise,
      village, ...) get that branch's name as their ``unit``.
    - ``township`` defaults to the parts' common township; parts from several
      townships need it given. ``established`` defaults to the earliest
      establishment of the parts: the merged branch continues their
      organisations, records and the lead's committee.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> after = Merge(branch_ids=["B00031", "B00032"], name="联合党支部").apply(data)
    >>> after.branches["branch_id"].iloc[-1], len(after.branches)
    ('B00301', 299)
    """

    op: ClassVar[str] = "merge"
    branch_ids: tuple[str, ...]
    name: str
    kind: str = "joint"
    township: str | None = None
    new_id: str | None = None
    established: dt.date | None = None

    def __post_init__(self):
        object.__setattr__(self, "branch_ids", _as_tuple(self.branch_ids, "merge: branch_ids",
                                                         "合并：branch_ids（参与合并的支部编号）"))

    @property
    def created_ids(self) -> tuple[str, ...]:
        return (self.new_id,) if self.new_id else ()

    def _prepared(self, state, ids, effective):
        if self.new_id:
            return self, ids.after([self.new_id])
        (new,), ids = ids.take(1, state)
        return dataclasses.replace(self, new_id=new), ids

    def _validate(self, state: _State) -> list[int]:
        ids = self.branch_ids
        if _duplicates(ids):
            raise InvalidOperationError(f"merge: branch {_list(_duplicates(ids))} listed twice",
                                        zh=f"合并：支部{_list_zh(_duplicates(ids))}重复列出")
        if len(ids) < 2:
            raise InvalidOperationError(f"merge needs at least 2 branches, got {len(ids)} ({_list(ids)})",
                                        zh=f"合并至少需要2个支部，实际为{len(ids)}个（{_list_zh(ids)}）")
        if not str(self.name).strip():
            raise InvalidOperationError("merge: the new branch needs a name", zh="合并：请为合并后的新支部命名")
        _check_kind(self.kind)
        codes = state.codes(ids, "merge", "合并")
        towns = sorted({state.township[c] for c in codes})
        if self.township is None and len(towns) > 1:
            raise InvalidOperationError(
                f"merge: the branches lie in {len(towns)} townships ({', '.join(towns)}); "
                "give township=... for the merged branch",
                zh=f"合并：这些支部分属{len(towns)}个乡镇（{'、'.join(towns)}），"
                   "请为合并后的支部指定乡镇（township=...）")
        _check_new_id(state, self.new_id)
        elected = state.elected[codes[0]]
        if self.established is not None and not np.isnat(elected) and _day(self.established) > elected:
            when = pd.Timestamp(elected).date()
            raise InvalidOperationError(
                f"merge: established {self.established} is after the election of the committee it keeps "
                f"({self.branch_ids[0]}: {when}); leave established empty or give "
                "an earlier date",
                zh=f"合并：成立日期（established）{self.established}晚于所沿用支委会的选举日期"
                   f"（{self.branch_ids[0]}：{when}）；请不填成立日期或填写更早的日期")
        return codes

    def _run(self, state):
        codes = self._validate(state)
        lead = codes[0]
        established = self.established or state.established[codes].min()
        state, new = state.added(
            self.new_id, name=self.name, kind=self.kind,
            township=self.township if self.township is not None else state.township[lead],
            established=established, elected=state.elected[lead], income=np.nan, satisfaction=np.nan)
        inside = np.flatnonzero(np.isin(state.member_branch, codes))
        others = inside[state.member_branch[inside] != lead]
        state = state.folded(codes, new)
        state = state.moved(inside, new, lapse=others)
        return state.removed(codes, new)

    def _describe(self, state):
        codes = self._validate(state)
        parts_zh = "、".join(state.label(c) for c in codes)
        parts_en = ", ".join(state.label_en(c) for c in codes)
        return (f"将{len(codes)}个支部（{parts_zh}）合并为{KIND_ZH.get(self.kind, self.kind)}「{self.name}」"
                f"（{self.new_id}），沿用{self.branch_ids[0]}的支委会",
                f"merge {len(codes)} branches ({parts_en}) into the {self.kind} branch “{self.name}” "
                f"({self.new_id}), keeping the committee of {self.branch_ids[0]}")


@dataclass(frozen=True, kw_only=True)
class Split(Operation):
    """Split a branch: some of its members form one or more new branches.

    Give either ``by`` (a member column such as ``party_group`` or ``unit``)
    or ``groups`` (lists of member ids):

    - ``by``: each distinct non-empty value forms a part. The part holding the
      secretary stays (with no secretary, or a secretary without a value: the
      largest part, ties by value); members with an empty value stay too. The
      other parts leave, in order of their value.
    - ``groups``: each list leaves as a new branch; members not listed stay.

    The staying part keeps the branch id, name, committee and every record
    (meetings, inspections, problems, outcomes): those are the records of the
    organisation that continues. Leaving parts start without records, without a
    committee (posts of leaving members lapse) and without an election date;
    they copy the original's township, kind, satisfaction (the same surveyed
    population) and weak-and-lax flag, but not its collective income, which
    stays with the continuing collective. ``names`` default to
    ``"{name}（{value}）"`` (``by``) or ``"{name}（{k}）"`` (``groups``, k = 2, 3, ...).

    >>> import workbench as wb
    >>> after = Split(branch_id="B00012", by="party_group").apply(wb.load("sample_data"))
    >>> len(after.branches) > 300
    True
    """

    op: ClassVar[str] = "split"
    branch_id: str
    by: str | None = None
    groups: tuple[tuple[str, ...], ...] | None = None
    names: tuple[str, ...] | None = None
    new_ids: tuple[str, ...] | None = None
    established: dt.date | None = None

    def __post_init__(self):
        object.__setattr__(self, "branch_id", str(self.branch_id))
        if self.groups is not None:
            if isinstance(self.groups, str):
                raise InvalidOperationError("split: groups must be a list of member-id lists",
                                            zh="拆分：groups（分组）应为由党员编号列表组成的列表")
            object.__setattr__(self, "groups", tuple(_as_tuple(g, "split: each group", "拆分：每个分组")
                                                     for g in self.groups))
        if self.names is not None:
            object.__setattr__(self, "names", _as_tuple(self.names, "split: names", "拆分：names（新支部名称）"))
        if self.new_ids is not None:
            object.__setattr__(self, "new_ids", _as_tuple(self.new_ids, "split: new_ids",
                                                          "拆分：new_ids（新支部编号）"))

    @property
    def created_ids(self) -> tuple[str, ...]:
        return self.new_ids or ()

    def _parts(self, state: _State) -> tuple[int, int, list[np.ndarray], list[str]]:
        """(branch code, members staying, member rows of each leaving part, labels)."""
        if (self.by is None) == (self.groups is None):
            raise InvalidOperationError("split: give either by=<member column> or groups=[[member ids], ...]",
                                        zh="拆分：请在 by=<党员信息列> 和 groups=[[党员编号], ...] 中指定且只指定一个")
        (code,) = state.codes([self.branch_id], "split", "拆分")
        own = state.members_of(code)
        bid_zh = _id_zh(self.branch_id)
        if self.groups is not None:
            if not self.groups:
                raise InvalidOperationError("split: groups is empty; list the members of each new branch",
                                            zh="拆分：分组为空；请列出每个新支部的党员")
            for k, g in enumerate(self.groups):
                if not g:
                    raise InvalidOperationError(f"split: group {k + 1} is empty; every new branch needs members",
                                                zh=f"拆分：第{k + 1}组为空；每个新支部都需要党员")
            flat = [i for g in self.groups for i in g]
            if _duplicates(flat):
                raise InvalidOperationError(f"split: member {_list(_duplicates(flat))} is in more than one group",
                                            zh=f"拆分：党员{_list_zh(_duplicates(flat))}出现在多个分组中")
            rows = state.rows(flat, "split", "拆分")
            strangers = [i for i, r in zip(flat, rows) if state.member_branch[r] != code]
            if strangers:
                raise InvalidOperationError(f"split: member {_list(strangers)} is not in branch {self.branch_id!r}",
                                            zh=f"拆分：党员{_list_zh(strangers)}不在支部{bid_zh}中")
            if len(flat) >= len(own):
                raise InvalidOperationError(
                    f"split: the groups take all {len(own)} members of {self.branch_id!r}; leave at least "
                    "one member in the original branch (it keeps the records)",
                    zh=f"拆分：分组包含了支部{bid_zh}的全部{len(own)}名党员；原支部至少要保留1名党员"
                       "（各项记录留在原支部）")
            bounds = np.cumsum([0, *[len(g) for g in self.groups]])
            parts = [rows[bounds[k]:bounds[k + 1]] for k in range(len(self.groups))]
            return code, len(own) - len(flat), parts, [str(k + 2) for k in range(len(self.groups))]
        members = state.base.data.members
        if self.by not in members.columns or self.by in ("member_id", "branch_id"):
            usable = [c for c in members.columns if c not in ("member_id", "branch_id")]
            raise InvalidOperationError(f"split: by={self.by!r} is not a member column; use one of {usable}",
                                        zh=f"拆分：by={self.by!r}不是党员信息列；可用的列：{_named_zh(usable, BY_ZH)}")
        values = state.base.column(self.by)[own]
        if self.by == "unit" and state.units:
            values = np.asarray([state.units.get(r, v) for r, v in zip(own.tolist(), values)], dtype=object)
        text = np.asarray(["" if pd.isna(v) else str(v).strip() for v in values], dtype=object)
        distinct = sorted(set(text.tolist()) - {""})
        if len(distinct) < 2:
            raise InvalidOperationError(
                f"split: branch {self.branch_id!r} has {len(distinct)} distinct {self.by!r} value(s) "
                f"among its {len(own)} members; nothing to split by",
                zh=f"拆分：支部{bid_zh}的{len(own)}名党员中，{_named_zh([self.by], BY_ZH)}只有"
                   f"{len(distinct)}种取值，无法据此拆分")
        sizes = {v: int((text == v).sum()) for v in distinct}
        secretary = own[state.member_role[own] == ROLES.index("secretary")]
        stay = text[own.tolist().index(secretary[0])] if len(secretary) else ""
        if stay not in sizes:
            stay = max(distinct, key=lambda v: (sizes[v], -distinct.index(v)))
        leaving = [v for v in distinct if v != stay]
        parts = [own[text == v] for v in leaving]
        return code, len(own) - sum(len(p) for p in parts), parts, leaving

    def _prepared(self, state, ids, effective):
        op = _fill_established(self, state, effective)
        if self.new_ids:
            return op, ids.after(self.new_ids)
        _, _, parts, _ = self._parts(state)
        new, ids = ids.take(len(parts), state)
        return dataclasses.replace(op, new_ids=new), ids

    def _names(self, state: _State, code: int, labels: list[str]) -> tuple[str, ...]:
        if self.names is not None:
            if len(self.names) != len(labels):
                raise InvalidOperationError(
                    f"split: {len(labels)} new branch(es) ({_list(labels)}) but {len(self.names)} name(s)",
                    zh=f"拆分：将新设{len(labels)}个支部（{_list_zh(labels)}），但给出了{len(self.names)}个名称")
            return self.names
        return tuple(f"{state.name[code]}（{label}）" for label in labels)

    def _checked(self, state):
        code, stay, parts, labels = self._parts(state)
        if len(self.new_ids) != len(parts):
            raise InvalidOperationError(
                f"split: {len(parts)} part(s) leave {self.branch_id!r} but {len(self.new_ids)} new id(s) are "
                f"given ({_list(self.new_ids)}); the data differ from those the scenario was made on",
                zh=f"拆分：支部{_id_zh(self.branch_id)}将分出{len(parts)}个部分，但给出了{len(self.new_ids)}个"
                   f"新支部编号（{_list_zh(self.new_ids)}）；当前数据与制定方案时所用的数据不一致")
        for new_id in self.new_ids:
            _check_new_id(state, new_id)
        return code, stay, parts, self._names(state, code, labels)

    def _run(self, state):
        code, _, parts, names = self._checked(state)
        new_codes = []
        for new_id, name, part in zip(self.new_ids, names, parts):
            state, new = state.added(new_id, name=name, township=state.township[code], kind=state.kind[code],
                                     established=self.established, elected=None, income=np.nan,
                                     satisfaction=state.satisfaction[code])
            state = state.moved(part, new)
            new_codes.append(new)
        return state.copied(code, new_codes)

    def _describe(self, state):
        code, stay, parts, names = self._checked(state)
        created_zh = "、".join(f"「{n}」（{i}，{len(p)}人）" for n, i, p in zip(names, self.new_ids, parts))
        created_en = ", ".join(f"“{n}” ({i}, {len(p)} members)" for n, i, p in zip(names, self.new_ids, parts))
        how_zh = f"按{BY_ZH.get(self.by, self.by)}" if self.by else "按名单"
        how_en = f"by {self.by}" if self.by else "by member lists"
        return (f"将{state.label(code)}{how_zh}拆分：分设{created_zh}，原支部保留{stay}人及全部记录",
                f"split {state.label_en(code)} {how_en}: new {created_en}; {stay} members and all records stay")


@dataclass(frozen=True, kw_only=True)
class Move(Operation):
    """Move members to another branch; their posts lapse (they arrive as ordinary members).

    Their trainings go with them; meetings stay with the branch that held them.
    Into a joint branch, a member from a single-unit branch gets that branch's
    name as ``unit``. The branches they leave may become small, or empty:
    :func:`~workbench.settings.rules.check_rules` reports it.

    >>> import workbench as wb
    >>> after = Move(member_ids=["M0000001"], to="B00003").apply(wb.load("sample_data"))
    >>> after.members.set_index("member_id").loc["M0000001", ["branch_id", "role"]].tolist()
    ['B00003', 'member']
    """

    op: ClassVar[str] = "move"
    member_ids: tuple[str, ...]
    to: str

    def __post_init__(self):
        object.__setattr__(self, "member_ids", _as_tuple(self.member_ids, "move: member_ids",
                                                         "转移：member_ids（转移的党员编号）"))
        object.__setattr__(self, "to", str(self.to))

    def _validate(self, state):
        ids = self.member_ids
        if not ids:
            raise InvalidOperationError("move: no members given", zh="转移：未指定要转移的党员")
        if _duplicates(ids):
            raise InvalidOperationError(f"move: member {_list(_duplicates(ids))} listed twice",
                                        zh=f"转移：党员{_list_zh(_duplicates(ids))}重复列出")
        (to,) = state.codes([self.to], "move: to", "转移（目标支部）")
        rows = state.rows(ids, "move", "转移")
        already = state.member_branch[rows] == to
        if already.any():
            inside = [i for i, a in zip(ids, already) if a]
            raise InvalidOperationError(
                f"move: member {_list(inside)} is already in {self.to!r}; "
                "a member cannot move to its own branch",
                zh=f"转移：党员{_list_zh(inside)}已在支部{_id_zh(self.to)}中；党员不能转移到其所在的支部")
        return rows, to

    def _run(self, state):
        rows, to = self._validate(state)
        return state.moved(rows, to)

    def _describe(self, state):
        rows, to = self._validate(state)
        names = state.member_names(rows[:5])
        who_zh = "、".join(f"{n}（{i}）" for n, i in zip(names, self.member_ids))
        who_en = ", ".join(f"{n} ({i})" for n, i in zip(names, self.member_ids))
        more_zh = f"等{len(rows)}名党员" if len(rows) > 5 else ""
        more_en = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        sources = sorted({state.ids[c] for c in state.member_branch[rows].tolist()})
        return (f"将{who_zh}{more_zh}从{'、'.join(sources)}转入{state.label(to)}",
                f"move {who_en}{more_en} from {', '.join(sources)} to {state.label_en(to)}")


@dataclass(frozen=True, kw_only=True)
class Dissolve(Operation):
    """Dissolve a branch into another: its members join ``into`` as ordinary members.

    ``into`` keeps its id, name and committee and takes over the dissolved
    branch's meetings, inspections and problems (it answers for them now);
    income, satisfaction and outcomes fold into ``into``'s as in :class:`Merge`.

    >>> import workbench as wb
    >>> after = Dissolve(branch_id="B00031", into="B00030").apply(wb.load("sample_data"))
    >>> "B00031" in set(after.meetings["branch_id"])
    False
    """

    op: ClassVar[str] = "dissolve"
    branch_id: str
    into: str

    def __post_init__(self):
        object.__setattr__(self, "branch_id", str(self.branch_id))
        object.__setattr__(self, "into", str(self.into))

    def _validate(self, state):
        if self.branch_id == self.into:
            raise InvalidOperationError(f"dissolve: a branch cannot be dissolved into itself ({self.into!r})",
                                        zh=f"撤销：支部不能撤销后并入自身（{_id_zh(self.into)}）")
        return state.codes([self.branch_id, self.into], "dissolve", "撤销")

    def _run(self, state):
        source, into = self._validate(state)
        state = state.folded([into, source], into)
        state = state.moved(state.members_of(source), into)
        return state.removed([source], into)

    def _describe(self, state):
        source, into = self._validate(state)
        n = len(state.members_of(source))
        return (f"撤销{state.label(source)}，其{n}名党员及记录并入{state.label(into)}",
                f"dissolve {state.label_en(source)}: its {n} members and records join {state.label_en(into)}")


@dataclass(frozen=True, kw_only=True)
class Create(Operation):
    """Create a branch, optionally moving members into it (as ordinary members).

    It starts with no records, no committee, no election date and no outcomes;
    ``established`` defaults to the scenario's effective date.

    >>> import workbench as wb
    >>> op = Create(name="新建党支部", township="石明乡", kind="enterprise", members=["M0000001"])
    >>> op.apply(wb.load("sample_data")).branches["name"].iloc[-1]
    '新建党支部'
    """

    op: ClassVar[str] = "create"
    name: str
    township: str
    kind: str
    members: tuple[str, ...] = ()
    new_id: str | None = None
    established: dt.date | None = None

    def __post_init__(self):
        object.__setattr__(self, "members", _as_tuple(self.members, "create: members",
                                                      "新建：members（转入的党员编号）"))

    @property
    def created_ids(self) -> tuple[str, ...]:
        return (self.new_id,) if self.new_id else ()

    def _prepared(self, state, ids, effective):
        op = _fill_established(self, state, effective)
        if self.new_id:
            return op, ids.after([self.new_id])
        (new,), ids = ids.take(1, state)
        return dataclasses.replace(op, new_id=new), ids

    def _validate(self, state):
        if not str(self.name).strip():
            raise InvalidOperationError("create: the new branch needs a name", zh="新建：请为新支部命名")
        if not str(self.township).strip():
            raise InvalidOperationError("create: the new branch needs a township", zh="新建：请指定新支部所在的乡镇")
        _check_kind(self.kind)
        if _duplicates(self.members):
            raise InvalidOperationError(f"create: member {_list(_duplicates(self.members))} listed twice",
                                        zh=f"新建：党员{_list_zh(_duplicates(self.members))}重复列出")
        _check_new_id(state, self.new_id)
        return state.rows(self.members, "create", "新建") if self.members else np.array([], dtype=np.int64)

    def _run(self, state):
        rows = self._validate(state)
        state, new = state.added(self.new_id, name=self.name, township=self.township, kind=self.kind,
                                 established=self.established, elected=None, income=np.nan,
                                 satisfaction=np.nan)
        return state.moved(rows, new) if len(rows) else state

    def _describe(self, state):
        self._validate(state)
        return (f"在{self.township}新建{KIND_ZH.get(self.kind, self.kind)}「{self.name}」（{self.new_id}），"
                f"转入{len(self.members)}名党员",
                f"create the {self.kind} branch “{self.name}” ({self.new_id}) in {self.township} "
                f"with {len(self.members)} member(s)")


@dataclass(frozen=True, kw_only=True)
class Appoint(Operation):
    """Give a member a post in their branch.

    For the posts one member holds (``SINGLE_POSTS``: secretary,
    organization, propaganda, discipline) the previous holder in that branch
    steps down to an ordinary member: appointing a new secretary replaces the
    old one (appoint them again to keep them on the committee). Deputy
    secretaries and plain committee members may be several.

    >>> import workbench as wb
    >>> after = Appoint(member_id="M0000002", role="secretary").apply(wb.load("sample_data"))
    >>> after.members.set_index("member_id").loc[["M0000001", "M0000002"], "role"].tolist()
    ['member', 'secretary']
    """

    op: ClassVar[str] = "appoint"
    member_id: str
    role: str

    def __post_init__(self):
        object.__setattr__(self, "member_id", str(self.member_id))

    def _validate(self, state):
        if self.role not in ROLES or self.role == "member":
            posts = [r for r in ROLES if r != "member"]
            hint = "; use vacate to make a member an ordinary member" if self.role == "member" else ""
            hint_zh = "；改为普通党员请用免去职务（vacate）" if self.role == "member" else ""
            raise InvalidOperationError(f"appoint: role must be one of {posts}, got {self.role!r}{hint}",
                                        zh=f"任命：职务须为{_named_zh(posts, ROLE_ZH)}之一，"
                                           f"实际为{self.role!r}{hint_zh}")
        (row,) = state.rows([self.member_id], "appoint", "任命")
        if state.member_role[row] == ROLES.index(self.role):
            raise InvalidOperationError(f"appoint: member {self.member_id!r} already is {self.role}",
                                        zh=f"任命：党员{_id_zh(self.member_id)}已担任{ROLE_ZH[self.role]}")
        previous = np.array([], dtype=np.int64)
        if self.role in SINGLE_POSTS:
            own = state.members_of(state.member_branch[row])
            previous = own[state.member_role[own] == ROLES.index(self.role)]
        return row, previous

    def _run(self, state):
        row, previous = self._validate(state)
        role = state.member_role.copy()
        role[previous] = _MEMBER
        role[row] = ROLES.index(self.role)
        return dataclasses.replace(state, member_role=role)

    def _describe(self, state):
        row, previous = self._validate(state)
        (name,) = state.member_names(np.array([row]))
        branch = state.ids[state.member_branch[row]]
        zh = f"任命{branch}的{name}（{self.member_id}）为{ROLE_ZH[self.role]}"
        en = f"appoint {name} ({self.member_id}) of {branch} as {ROLE_EN[self.role]}"
        if len(previous):
            prev = state.member_names(previous)
            zh += f"（原{ROLE_ZH[self.role]}{'、'.join(prev)}改为普通党员）"
            en += f" (the previous {ROLE_EN[self.role]}, {', '.join(prev)}, steps down)"
        return zh, en


@dataclass(frozen=True, kw_only=True)
class Vacate(Operation):
    """Remove a member's post: they stay in the branch as an ordinary member.

    >>> import workbench as wb
    >>> after = Vacate(member_id="M0000002").apply(wb.load("sample_data"))
    >>> after.members.set_index("member_id").loc["M0000002", "role"]
    'member'
    """

    op: ClassVar[str] = "vacate"
    member_id: str

    def __post_init__(self):
        object.__setattr__(self, "member_id", str(self.member_id))

    def _validate(self, state):
        (row,) = state.rows([self.member_id], "vacate", "免去职务")
        if state.member_role[row] == _MEMBER:
            raise InvalidOperationError(f"vacate: member {self.member_id!r} holds no post",
                                        zh=f"免去职务：党员{_id_zh(self.member_id)}未担任任何职务")
        return row

    def _run(self, state):
        row = self._validate(state)
        role = state.member_role.copy()
        role[row] = _MEMBER
        return dataclasses.replace(state, member_role=role)

    def _describe(self, state):
        row = self._validate(state)
        (name,) = state.member_names(np.array([row]))
        post = ROLES[state.member_role[row]]
        branch = state.ids[state.member_branch[row]]
        return (f"免去{branch}的{name}（{self.member_id}）的{ROLE_ZH[post]}职务",
                f"remove {name} ({self.member_id}) of {branch} from the post of {ROLE_EN[post]}")


#: Operation classes by their YAML name.
OPERATIONS: dict[str, type[Operation]] = {c.op: c for c in (Merge, Split, Move, Dissolve, Create, Appoint, Vacate)}


# ================================================================ scenario

class Scenario:
    """An ordered list of branch-setting operations on a baseline, immutable.

    Parameters
    ----------
    data : BranchData
        The baseline. It is never changed.
    operations : sequence of Operation, optional
        Operations to apply in order, each validated against the state the
        previous ones leave.
    effective : datetime.date, optional
        When the changes take effect: the establishment date of the branches
        the scenario creates. Default: the day after the latest record of the
        baseline.

    Every builder method (:meth:`merge`, :meth:`split`, :meth:`move`,
    :meth:`dissolve`, :meth:`create`, :meth:`appoint`, :meth:`vacate`,
    :meth:`then`) validates the operation against the current state and returns
    a new Scenario; on failure it raises a :class:`ScenarioError` and the
    scenario it was called on is unchanged. :meth:`undo` returns the scenario
    without its last operation.

    Operations work on arrays (member -> branch code, member -> post, branch
    attributes), copying only what they change; the BranchData is built once,
    when :meth:`apply` (or :meth:`compare`) asks for it.

    Examples
    --------
    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> s = Scenario(data).dissolve("B00031", into="B00030").appoint("M0000002", "discipline")
    >>> [op.op for op in s.operations]
    ['dissolve', 'appoint']
    >>> s.undo().operations[0].op
    'dissolve'
    """

    def __init__(self, data: BranchData, operations: Iterable[Operation] = (), *,
                 effective: dt.date | str | None = None, _lookups: _Base | None = None):
        if not isinstance(data, BranchData):
            raise TypeError(f"Scenario needs a BranchData (wb.load(...)), got {type(data).__name__}")
        self._base = data
        self._effective = (pd.Timestamp(effective).date() if effective is not None
                           else _default_effective(data))
        self._shared: dict = {}  # baseline results, shared by the scenarios derived from this one
        self._parent: weakref.ref | None = None
        self._data: BranchData | None = None
        state = _State.of(data, _lookups if _lookups is not None and _lookups.data is data else None)
        ids = _IdScheme.of(state.ids)
        ops, texts = [], []
        for k, op in enumerate(operations):
            try:
                op, state, text, ids = self._step(state, op, ids)
            except ScenarioError as exc:
                name = getattr(op, "op", "?")
                raise exc.prefixed(f"step {k + 1} ({name})", f"第{k + 1}步（{OP_ZH.get(name, name)}）") from exc
            ops.append(op)
            texts.append(text)
        self._ops: tuple[Operation, ...] = tuple(ops)
        self._texts: tuple[tuple[str, str], ...] = tuple(texts)
        self._state, self._ids = state, ids

    # --------------------------------------------------------------- building
    def _step(self, state: _State, op: Operation, ids: _IdScheme):
        if not isinstance(op, Operation):
            raise TypeError(f"expected an Operation (Merge, Split, ...), got {type(op).__name__}")
        op, ids = op._prepared(state, ids, self._effective)
        text = op._describe(state)
        return op, op._run(state), text, ids

    def then(self, op: Operation) -> Scenario:
        """A new scenario with ``op`` appended (validated against the current state)."""
        op, state, text, ids = self._step(self._state, op, self._ids)
        new = object.__new__(Scenario)
        new._base, new._effective, new._shared, new._data = self._base, self._effective, self._shared, None
        new._ops, new._texts, new._state, new._ids = self._ops + (op,), self._texts + (text,), state, ids
        new._parent = weakref.ref(self)
        return new

    def merge(self, branch_ids: Sequence[str], *, name: str, kind: str = "joint",
              township: str | None = None, reason: tuple[str, str] | None = None) -> Scenario:
        """Merge branches into a new one (see :class:`Merge`).

        >>> import workbench as wb
        >>> s = Scenario(wb.load("sample_data")).merge(["B00031", "B00032"], name="联合党支部")
        >>> s.created_ids
        ('B00301',)
        """
        return self.then(Merge(branch_ids=branch_ids, name=name, kind=kind, township=township,
                               **_reason(reason)))

    def split(self, branch_id: str, *, by: str | None = None, groups: Sequence[Sequence[str]] | None = None,
              names: Sequence[str] | None = None, reason: tuple[str, str] | None = None) -> Scenario:
        """Split a branch by a member column or by member lists (see :class:`Split`).

        >>> import workbench as wb
        >>> s = Scenario(wb.load("sample_data")).split("B00012", by="party_group")
        >>> len(s.created_ids) >= 1
        True
        """
        return self.then(Split(branch_id=branch_id, by=by, groups=groups, names=names, **_reason(reason)))

    def move(self, member_ids: Sequence[str] | str, *, to: str, reason: tuple[str, str] | None = None
             ) -> Scenario:
        """Move members to branch ``to`` (see :class:`Move`)."""
        return self.then(Move(member_ids=member_ids, to=to, **_reason(reason)))

    def dissolve(self, branch_id: str, *, into: str, reason: tuple[str, str] | None = None) -> Scenario:
        """Dissolve a branch into another (see :class:`Dissolve`)."""
        return self.then(Dissolve(branch_id=branch_id, into=into, **_reason(reason)))

    def create(self, name: str, *, township: str, kind: str, members: Sequence[str] = (),
               reason: tuple[str, str] | None = None) -> Scenario:
        """Create a branch, optionally with members (see :class:`Create`)."""
        return self.then(Create(name=name, township=township, kind=kind, members=members, **_reason(reason)))

    def appoint(self, member_id: str, role: str, *, reason: tuple[str, str] | None = None) -> Scenario:
        """Give a member a post; a single post's previous holder steps down (see :class:`Appoint`)."""
        return self.then(Appoint(member_id=member_id, role=role, **_reason(reason)))

    def vacate(self, member_id: str, *, reason: tuple[str, str] | None = None) -> Scenario:
        """Make a post holder an ordinary member (see :class:`Vacate`)."""
        return self.then(Vacate(member_id=member_id, **_reason(reason)))

    def undo(self) -> Scenario:
        """The scenario without its last operation.

        Free when the previous scenario object is still alive (a chain of
        builder calls keeps it); otherwise the remaining operations are re-applied.
        """
        if not self._ops:
            raise InvalidOperationError("undo: the scenario has no operation to undo",
                                        zh="撤销上一步：方案中没有可撤销的步骤")
        parent = self._parent() if self._parent is not None else None
        if parent is not None and parent._ops == self._ops[:-1] and parent._base is self._base:
            return parent
        new = Scenario(self._base, self._ops[:-1], effective=self._effective, _lookups=self._state.base)
        new._shared = self._shared
        return new

    # ---------------------------------------------------------------- reading
    @property
    def base(self) -> BranchData:
        """The baseline data (never changed)."""
        return self._base

    @property
    def operations(self) -> tuple[Operation, ...]:
        """The operations, with their new branch ids and dates filled in."""
        return self._ops

    @property
    def effective(self) -> dt.date:
        """When the changes take effect (establishment date of new branches)."""
        return self._effective

    @property
    def created_ids(self) -> tuple[str, ...]:
        """Ids of the branches the operations create, in order."""
        return tuple(i for op in self._ops for i in op.created_ids)

    def apply(self) -> BranchData:
        """The data after every operation: a new BranchData (the baseline is unchanged).

        Built on the first call and kept: BranchData is immutable by convention.
        """
        if self._data is None:
            self._data = self._state.to_data() if self._ops else self._base
        return self._data

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self):
        return iter(self._ops)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Scenario) and other._base is self._base and other._ops == self._ops
                and other._effective == self._effective)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        ops = ", ".join(op.op for op in self._ops[:8]) + (", ..." if len(self._ops) > 8 else "")
        return f"Scenario({len(self._ops)} operations: {ops or 'none'}; effective {self._effective})"

    def summary(self) -> pd.DataFrame:
        """One row per step: ``step, op, description_zh, description_en, reason_zh, reason_en``.

        >>> import workbench as wb
        >>> s = Scenario(wb.load("sample_data")).vacate("M0000002")
        >>> s.summary().loc[0, "description_en"].startswith("remove")
        True
        """
        return pd.DataFrame({
            "step": np.arange(1, len(self._ops) + 1),
            "op": [op.op for op in self._ops],
            "description_zh": [t[0] for t in self._texts],
            "description_en": [t[1] for t in self._texts],
            "reason_zh": [op.reason_zh for op in self._ops],
            "reason_en": [op.reason_en for op in self._ops],
        })

    def to_text(self, lang: str = "zh") -> str:
        """The steps as numbered lines, with their reasons, in ``lang`` ("zh" or "en")."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
        if not self._ops:
            return "（无调整）" if lang == "zh" else "(no changes)"
        lines = []
        for k, (op, text) in enumerate(zip(self._ops, self._texts), start=1):
            reason = op.reason_zh if lang == "zh" else op.reason_en
            lines.append(f"{k}. {text[0] if lang == 'zh' else text[1]}")
            if reason:
                lines.append(f"   {'理由' if lang == 'zh' else 'why'}: {reason}")
        return "\n".join(lines)

    # ------------------------------------------------------------------- YAML
    def to_dict(self) -> dict:
        """The scenario as plain data (what :meth:`to_yaml` writes)."""
        return {
            "scenario": 1,
            "effective": self._effective.isoformat(),
            "baseline": {"source": self._base.source, "branches": len(self._base.branches),
                         "members": len(self._base.members)},
            "steps": [op.to_dict() for op in self._ops],
        }

    def to_yaml(self, path: str | os.PathLike) -> Path:
        """Save the operations as YAML, atomically (a failed write leaves the old file).

        >>> import tempfile, pathlib, workbench as wb
        >>> data = wb.load("sample_data")
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.yaml"
        >>> _ = Scenario(data).vacate("M0000002").to_yaml(path)
        >>> Scenario.from_yaml(path, data).apply().equals(Scenario(data).vacate("M0000002").apply())
        True
        """
        path = Path(path)
        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, doc: dict, data: BranchData, *, source: str = "scenario") -> Scenario:
        """Build from :meth:`to_dict`'s output; every step is validated against ``data``."""
        if not isinstance(doc, dict) or "steps" not in doc:
            raise ScenarioFileError(f"{source}: expected a mapping with a 'steps' list",
                                    zh=f"{source}：内容应为含有“steps”（步骤）列表的映射")
        steps = doc["steps"] or []
        if not isinstance(steps, list):
            raise ScenarioFileError(f"{source}: 'steps' must be a list, got {type(steps).__name__}",
                                    zh=f"{source}：“steps”（步骤）应为列表，实际为{type(steps).__name__}")
        ops = [_op_from_dict(step, k + 1, source) for k, step in enumerate(steps)]
        try:
            effective = doc.get("effective")
            effective = pd.Timestamp(effective).date() if effective is not None else None
        except (ValueError, TypeError):
            raise ScenarioFileError(f"{source}: effective: not a date: {doc.get('effective')!r}",
                                    zh=f"{source}：effective（生效日期）不是有效日期：{doc.get('effective')!r}") from None
        try:
            return cls(data, ops, effective=effective)
        except ScenarioError as exc:
            raise exc.prefixed(source, source) from exc

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, data: BranchData) -> Scenario:
        """Read a scenario saved by :meth:`to_yaml` and apply it to ``data``.

        A step that does not fit ``data`` raises a ScenarioError naming the
        file and the step.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioFileError(f"{path}: cannot read the scenario file: {exc.strerror or exc}",
                                    zh=f"{path}：无法读取方案文件：{_os_reason_zh(exc)}") from None
        return cls.from_yaml_text(text, data, source=str(path))

    @classmethod
    def from_yaml_text(cls, text: str | bytes, data: BranchData, *, source: str = "scenario") -> Scenario:
        """:meth:`from_yaml` for text already read (an upload); ``source`` names it in messages.

        >>> import workbench as wb
        >>> try:
        ...     Scenario.from_yaml_text("steps: [", wb.load("sample_data"), source="up.yaml")
        ... except ScenarioFileError as err:
        ...     print(err.message("zh").splitlines()[0])
        up.yaml：不是有效的YAML文件（第1行第9列附近）：while parsing a flow node
        """
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"（第{mark.line + 1}行第{mark.column + 1}列附近）" if mark is not None else ""
            # PyYAML's detail stays in English after the Chinese summary: it quotes the offending text.
            raise ScenarioFileError(f"{source}: not valid YAML: {exc}",
                                    zh=f"{source}：不是有效的YAML文件{where}：{exc}") from None
        return cls.from_dict(doc, data, source=source)

    # ----------------------------------------------------------------- compare
    def affected(self) -> pd.Series:
        """Branches the scenario touches: ``status`` by branch id ("changed", "removed", "new").

        "changed": a baseline branch that still exists and gained or lost
        members, posts or records.
        """
        state, base = self._state, self._state.base
        n_base = len(base.branch_ids)
        n = len(state.ids)
        touched = np.zeros(n, dtype=bool)
        moved = (state.member_branch != base.member_codes) | (state.member_role != base.role_codes)
        touched[state.member_branch[moved]] = True
        touched[base.member_codes[moved]] = True
        touched[state.forward[state.forward != np.arange(n_base)]] = True
        codes = np.arange(n)
        changed = codes[:n_base][touched[:n_base] & state.alive[:n_base]]
        removed = codes[:n_base][~state.alive[:n_base]]
        new = codes[n_base:][state.alive[n_base:]]
        order = np.concatenate([changed, removed, new])
        status = ["changed"] * len(changed) + ["removed"] * len(removed) + ["new"] * len(new)
        return pd.Series(status, index=pd.Index([state.ids[c] for c in order], name="branch_id"),
                         name="status", dtype="str")

    def compare(self, scheme, period: int | None = None, *, rules: RuleSet | None = None,
                groups: bool = False) -> ScenarioComparison:
        """Before and after: members, violations, indicators, scores, grades and ranks.

        Parameters
        ----------
        scheme : Scheme
            How to score (its framework computes the indicators).
        period : int, optional
            Assessment year (default: the latest with records).
        rules : RuleSet, optional
            Rules for the violation counts (default: the framework's).
        groups : bool
            Normalize within townships (passes each branch's township as ``groups``).

        Returns
        -------
        ScenarioComparison
            ``branches`` (one row per affected branch), ``indicators``,
            ``violations`` and ``totals`` (county figures before / after).
            The baseline's results are computed once per scheme and period and
            shared by every scenario derived from this one.

        Examples
        --------
        >>> import workbench as wb
        >>> data = wb.load("sample_data")
        >>> c = Scenario(data).dissolve("B00031", into="B00030").compare(wb.Scheme(wb.Framework.default()), 2025)
        >>> c.totals.loc["branches"].tolist()
        [300.0, 299.0, -1.0]
        """
        framework = scheme.framework
        rules = rules or framework.rules
        key = (period, rules, groups)
        cached = self._shared.get("baseline")
        if cached is not None and cached[0] == key and cached[1] is scheme:
            before = cached[2]
        else:
            before = _evaluate(self._base, scheme, rules, period, groups)
            self._shared["baseline"] = (key, scheme, before)
        after = _evaluate(self.apply(), scheme, rules, before["period"], groups)
        return _comparison(self._state, self.affected(), before, after, framework)


def _os_reason_zh(exc: OSError) -> str:
    """Why a file could not be read, in Chinese for the usual causes (the system's text otherwise)."""
    known = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EISDIR: "这是一个文件夹，不是文件"}
    return known.get(exc.errno, exc.strerror or str(exc))


def _reason(reason) -> dict:
    if reason is None:
        return {}
    if isinstance(reason, str):
        return {"reason_zh": reason, "reason_en": reason}
    zh, en = reason
    return {"reason_zh": zh, "reason_en": en}


def _op_from_dict(step, k: int, source: str) -> Operation:
    where, where_zh = f"{source}: step {k}", f"{source}：第{k}步"
    if not isinstance(step, dict) or "op" not in step:
        raise ScenarioFileError(f"{where}: expected a mapping with an 'op' key, got {step!r}",
                                zh=f"{where_zh}：应为含有“op”（操作）键的映射，实际为{step!r}")
    name = step["op"]
    cls = OPERATIONS.get(name)
    if cls is None:
        raise ScenarioFileError(f"{where}: unknown op {name!r}; expected one of {list(OPERATIONS)}",
                                zh=f"{where_zh}：未知操作{name!r}；可用的操作：{_named_zh(OPERATIONS, OP_ZH)}")
    where_zh = f"{where_zh}（{OP_ZH[name]}）"
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("reason_zh", "reason_en")}
    kwargs = {}
    for key, value in step.items():
        if key == "op":
            continue
        if key == "reason":
            if not isinstance(value, dict):
                raise ScenarioFileError(f"{where} ({name}): reason must be a mapping with zh and en",
                                        zh=f"{where_zh}：reason（理由）应为含有 zh 和 en 的映射")
            kwargs["reason_zh"] = str(value.get("zh", ""))
            kwargs["reason_en"] = str(value.get("en", ""))
            continue
        if key not in fields:
            raise ScenarioFileError(f"{where} ({name}): unknown key {key!r}; allowed: {[*fields, 'reason']}",
                                    zh=f"{where_zh}：未知字段{key!r}；可用的字段：{'、'.join([*fields, 'reason'])}")
        if key == "established" and value is not None:
            try:
                value = pd.Timestamp(value).date()
            except (ValueError, TypeError):
                raise ScenarioFileError(f"{where} ({name}): established: not a date: {value!r}",
                                        zh=f"{where_zh}：established（成立日期）不是有效日期：{value!r}") from None
        kwargs[key] = value
    missing = [f for f, spec in fields.items() if spec.default is dataclasses.MISSING
               and spec.default_factory is dataclasses.MISSING and f not in kwargs]
    if missing:
        raise ScenarioFileError(f"{where} ({name}): missing {missing}", zh=f"{where_zh}：缺少字段{'、'.join(missing)}")
    try:
        return cls(**kwargs)
    except ScenarioError as exc:
        raise ScenarioFileError(f"{where} ({name}): {exc.en}", zh=f"{where_zh}：{exc.zh}") from None


# ============================================================== comparison

@dataclass(frozen=True)
class ScenarioComparison:
    """Before / after of a scenario, as DataFrames (:meth:`to_text` renders them).

    - ``branches``: one row per affected branch (index ``branch_id``):
      ``status`` ("changed", "removed", "new"), ``name``, and before / after
      pairs of ``members``, ``errors``, ``warnings``, ``score``, ``grade``,
      ``rank``; plus ``rank_change`` (positive = moved up).
    - ``indicators``: long table ``branch_id, indicator, before, after`` of the
      affected branches.
    - ``violations``: the violations of the affected branches (the columns of
      :func:`~workbench.settings.rules.check_rules`) with ``when`` ("before" / "after").
    - ``totals``: rows ``branches``, ``members``, ``errors``, ``warnings``,
      ``rule:<id>``, ``grade:<id>``, ``mean_score``; columns ``before, after,
      change``.
    """

    period: int
    branches: pd.DataFrame
    indicators: pd.DataFrame
    violations: pd.DataFrame
    totals: pd.DataFrame

    def to_text(self, lang: str = "en", *, limit: int = 40) -> str:
        """A printable report (what ``workbench simulate`` prints)."""
        zh = lang == "zh"
        lines = [f"{'考评年度' if zh else 'period'} {self.period}", "",
                 "全县汇总（调整前 -> 调整后）" if zh else "county totals (before -> after)"]
        for key, row in self.totals.iterrows():
            if key.startswith("rule:") and row["before"] == row["after"]:
                continue
            fmt = "{:.1f}" if key == "mean_score" else "{:.0f}"
            lines.append(f"  {key:<32} {fmt.format(row['before']):>8} -> {fmt.format(row['after']):>8}"
                         f"  ({row['change']:+.1f})")
        lines += ["", f"{'受影响的支部' if zh else 'affected branches'} ({len(self.branches)})"]
        cols = ["status", "name", "members_before", "members_after", "errors_before", "errors_after",
                "score_before", "score_after", "grade_before", "grade_after", "rank_before", "rank_after"]
        with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 24,
                               "display.float_format", "{:.1f}".format):
            lines.append(self.branches.head(limit)[cols].to_string() if len(self.branches) else "  -")
        if len(self.branches) > limit:
            lines.append(f"  ... {len(self.branches) - limit} more")
        return "\n".join(lines)


def _evaluate(data: BranchData, scheme, rules: RuleSet, period: int | None, groups: bool) -> dict:
    from ..assess.indicators import compute_indicators  # the engine imports rules; import it late

    table = compute_indicators(data, scheme.framework, period=period)
    period = int(table.attrs.get("period", period))
    towns = data.branches.set_index("branch_id")["township"] if groups else None
    return {"period": period, "table": table, "result": scheme.score(table, groups=towns),
            "violations": check_rules(data, rules, period=period)}


def _comparison(state: _State, status: pd.Series, before: dict, after: dict, framework) -> ScenarioComparison:
    base = state.base
    ids = status.index
    n_base = len(base.branch_ids)
    # Codes of the affected branches: they index the state's arrays, old and new alike.
    codes = np.asarray([base.branch_index[i] if i in base.branch_index else state.new_index[i] for i in ids],
                       dtype=np.int64)
    was = codes < n_base
    now = state.alive[codes]
    size_b = np.bincount(base.member_codes, minlength=len(state.ids))[codes]
    size_a = state.counts()[codes]
    rb, ra = before["result"], after["result"]
    vb, va = before["violations"], after["violations"]
    vb_here = vb[vb["branch_id"].isin(ids).to_numpy()]
    va_here = va[va["branch_id"].isin(ids).to_numpy()]

    def count(v, severity, mask):
        found = v.loc[(v["severity"] == severity).to_numpy(), "branch_id"].value_counts()
        return pd.array(np.where(mask, found.reindex(ids, fill_value=0).to_numpy(), pd.NA), dtype="Int64")

    def masked(values, mask):
        return pd.array(np.where(mask, values, pd.NA), dtype="Int64")

    branches = pd.DataFrame({
        "status": status,
        "name": [state.name[c] for c in codes],
        "members_before": masked(size_b, was), "members_after": masked(size_a, now),
        "errors_before": count(vb_here, "error", was), "errors_after": count(va_here, "error", now),
        "warnings_before": count(vb_here, "warning", was), "warnings_after": count(va_here, "warning", now),
        "score_before": rb.total.reindex(ids), "score_after": ra.total.reindex(ids),
        "grade_before": rb.grade.astype("str").reindex(ids), "grade_after": ra.grade.astype("str").reindex(ids),
        "rank_before": rb.rank.reindex(ids).astype("Int64"), "rank_after": ra.rank.reindex(ids).astype("Int64"),
    }, index=ids)
    branches["rank_change"] = branches["rank_before"] - branches["rank_after"]

    ind_ids = list(framework.indicator_ids)
    lb = before["table"].reindex(ids)[ind_ids].stack(future_stack=True).rename("before")
    la = after["table"].reindex(ids)[ind_ids].stack(future_stack=True).rename("after")
    indicators = pd.concat([lb, la], axis=1).rename_axis(["branch_id", "indicator"]).reset_index()
    violations = pd.concat([vb_here.assign(when="before"), va_here.assign(when="after")], ignore_index=True)

    def severity(v, s):
        return int((v["severity"] == s).to_numpy().sum())

    rows = {
        "branches": (n_base, int(state.alive.sum())),
        "members": (len(base.member_codes), len(state.member_branch)),
        "errors": (severity(vb, "error"), severity(va, "error")),
        "warnings": (severity(vb, "warning"), severity(va, "warning")),
    }
    rule_b, rule_a = vb["rule"].value_counts(), va["rule"].value_counts()
    for rule in RULES:
        if rule in rule_b.index or rule in rule_a.index:
            rows[f"rule:{rule}"] = (int(rule_b.get(rule, 0)), int(rule_a.get(rule, 0)))
    grades = list(framework.grade_ids)
    gb, ga = _grade_counts(rb.grade, grades), _grade_counts(ra.grade, grades)
    for k, grade in enumerate(grades):
        rows[f"grade:{grade}"] = (gb[k], ga[k])
    rows["mean_score"] = (float(rb.total.mean()), float(ra.total.mean()))
    totals = pd.DataFrame(rows, index=["before", "after"]).T.astype("float64")
    totals["change"] = totals["after"] - totals["before"]
    return ScenarioComparison(period=before["period"], branches=branches, indicators=indicators,
                              violations=violations, totals=totals)


def _grade_counts(grade: pd.Series, grades: list[str]) -> list[int]:
    """Branches per grade, in ``grades`` order (best first)."""
    at = pd.Categorical(grade, categories=grades).codes
    return np.bincount(at[at >= 0], minlength=len(grades)).tolist()
