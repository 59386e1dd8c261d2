"""The working state of a scenario: arrays over members and branch codes, and the baseline's look-ups.

Operations derive a new :class:`State` from the previous one, copying only what
they change; the BranchData is built once, by :meth:`State.to_data`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from ...data.core import BranchData
from ...data.schema import ROLES
from ...data.validate import TEXT_DTYPE
from ..rules import key_codes
from .errors import UnknownIdError
from .texts import Items, Label

__all__ = ["Baseline", "State", "MEMBER", "as_day"]

#: The code of an ordinary member (no post) in ``State.member_role``.
MEMBER = np.int8(ROLES.index("member"))


def _ids_series(ids: list[str], codes: np.ndarray) -> pd.Series:
    """``ids[codes]`` as a ``str`` Series, through Arrow (no Python string objects per row)."""
    taken = pa.array(ids, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.Series(pd.array(taken, dtype=TEXT_DTYPE))


class Baseline:
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
class State:
    """The scenario's working state: arrays over members and branch codes.

    Operations derive a new state, copying only what they change (an array of
    member codes, a list of branch attributes); BranchData is built once, by
    :meth:`to_data`, when asked for. Branch codes index the attribute lists:
    baseline branches first, new branches appended; codes are never reused.
    """

    base: Baseline
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
    def of(cls, data: BranchData, base: Baseline | None = None) -> State:
        base = base or Baseline(data)
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

    def codes(self, ids: Sequence[str], what: str) -> list[int]:
        """Codes of branches ``ids``; ``what`` (a catalogue key) names the operation in the error."""
        found = [self.code(i) for i in ids]
        missing = [i for i, c in zip(ids, found) if c is None]
        if missing:
            raise UnknownIdError("scenario_err_no_branch", what=Label(what), ids=Items(missing),
                                 n=int(self.alive.sum()))
        return found

    def rows(self, member_ids: Sequence[str], what: str) -> np.ndarray:
        """Rows of members ``member_ids``; ``what`` (a catalogue key) names the operation in the error."""
        index = self.base.member_index
        found = [index.get(i) for i in member_ids]
        missing = [i for i, r in zip(member_ids, found) if r is None]
        if missing:
            raise UnknownIdError("scenario_err_no_member", what=Label(what), ids=Items(missing))
        return np.asarray(found, dtype=np.int64)

    def members_of(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.member_branch == code)

    def counts(self) -> np.ndarray:
        return np.bincount(self.member_branch, minlength=len(self.ids))

    def label(self, code: int) -> Label:
        """A branch as descriptions name it: ``B00031「名称」`` / ``B00031 “name”``."""
        return Label("scenario_branch_label", id=self.ids[code], name=self.name[code])

    def member_names(self, rows: np.ndarray) -> list[str]:
        return self.base.member_names[rows].tolist()

    def taken(self, bid: str) -> bool:
        return self.code(bid) is not None

    # ------------------------------------------------------------- changes
    def moved(self, rows: np.ndarray, to: int, *, lapse: np.ndarray | None = None) -> State:
        """Members ``rows`` join branch ``to``; posts of ``lapse`` rows (default: all moved) lapse.

        Entering a joint branch, a member from a single-unit branch (enterprise,
        village, ...) gets that branch's name as unit: a joint branch counts its
        units as the distinct units of its members.
        """
        branch = self.member_branch.copy()
        role = self.member_role
        lapse = rows if lapse is None else lapse
        if len(lapse) and (role[lapse] != MEMBER).any():
            role = role.copy()
            role[lapse] = MEMBER
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
              income: float, satisfaction: float) -> tuple[State, int]:
        code = len(self.ids)
        state = dataclasses.replace(
            self, ids=[*self.ids, new_id], new_index={**self.new_index, new_id: code},
            alive=np.append(self.alive, True), name=[*self.name, name], township=[*self.township, township],
            kind=[*self.kind, kind], established=np.append(self.established, as_day(established)),
            elected=np.append(self.elected, as_day(elected)),
            income=np.append(self.income, income), satisfaction=np.append(self.satisfaction, satisfaction),
            outcomes=None if self.outcomes is None else {
                y: {k: np.append(a, False if a.dtype == bool else np.nan) for k, a in arrays.items()}
                for y, arrays in self.outcomes.items()})
        return state, code

    def removed(self, codes: Sequence[int], into: int) -> State:
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

    def folded(self, codes: Sequence[int], into: int) -> State:
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

    def copied(self, source: int, targets: Sequence[int]) -> State:
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
            # the assessors scored the old organization on site: a branch merged, split or dissolved
            # into another has no score of its own (and the receiver keeps its own, one per item)
            codes = base.record_codes("scores")
            if len(codes) and (self.forward[codes] != codes).any():
                changes["scores"] = data.scores[self.forward[codes] == codes].reset_index(drop=True)

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


def as_day(value) -> np.ndarray:
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
