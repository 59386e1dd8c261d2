"""The seven operations on branch settings: merge, split, move, dissolve, create, appoint, vacate.

Each operation is a small frozen object with a pure ``apply(data) -> BranchData``;
``_run(state) -> state`` does the work on the scenario's working arrays
(:class:`~workbench.settings.scenario.state.State`) and ``_describe(state)``
says what it does, in Chinese and English, from the message catalogue. The
Scenario and ``apply`` both go through them: one implementation per operation.
A new operation is one class here plus its entry in :data:`OPERATIONS`.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np
import pandas as pd

from ...data.core import BranchData
from ...data.schema import BRANCH_KINDS, ROLES
from .errors import InvalidOperationError
from .ids import IdScheme, default_effective
from .state import MEMBER, State, as_day
from .texts import Id, Items, Label, Named, Term, both

__all__ = ["Operation", "Merge", "Split", "Move", "Dissolve", "Create", "Appoint", "Vacate", "OPERATIONS",
           "SINGLE_POSTS"]

#: Posts held by one member at a time: appointing a new holder makes the previous one an
#: ordinary member. Deputy secretaries and plain committee members may be several.
SINGLE_POSTS = ("secretary", "organization", "propaganda", "discipline")


def _as_tuple(ids, what: str) -> tuple[str, ...]:
    """``ids`` as a tuple of str; ``what`` is the catalogue key naming the field in the error."""
    if isinstance(ids, str):
        return (ids,)
    try:
        return tuple(str(i) for i in ids)
    except TypeError:
        raise InvalidOperationError("scenario_err_not_a_list", what=Label(what), value=repr(ids)) from None


def _duplicates(ids: Sequence[str]) -> list[str]:
    seen, dup = set(), []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


def _kind(kind: str) -> Term:
    """A branch kind in descriptions: ``joint`` in English ("the joint branch"), 联合党支部 in Chinese."""
    return Term(kind, "scenario_kind_")


def _check_kind(kind: str) -> None:
    if kind not in BRANCH_KINDS:
        raise InvalidOperationError("scenario_err_bad_kind", kinds=Named(list(BRANCH_KINDS), "scenario_kind_"),
                                    kind=repr(kind))


def _check_new_id(state: State, new_id: str) -> None:
    if state.taken(new_id) or (new_id in state.new_index) or (new_id in state.base.branch_index):
        raise InvalidOperationError("scenario_err_id_taken", id=Id(new_id))


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
        state = State.of(data)
        op, _ = self._prepared(state, IdScheme.of(state.ids), None)
        return op._run(state).to_data()

    def describe(self, data: BranchData) -> tuple[str, str]:
        """(Chinese, English) description of this operation on ``data``."""
        state = State.of(data)
        op, _ = self._prepared(state, IdScheme.of(state.ids), None)
        return op._describe(state)

    @property
    def created_ids(self) -> tuple[str, ...]:
        """Branch ids this operation creates."""
        return ()

    def _prepared(self, state: State, ids: IdScheme, effective: dt.date | None
                  ) -> tuple[Operation, IdScheme]:
        """The operation with its new ids and establishment date filled in."""
        return self, ids

    @abc.abstractmethod
    def _run(self, state: State) -> State:
        """The state after this operation (each subclass implements it)."""

    @abc.abstractmethod
    def _describe(self, state: State) -> tuple[str, str]:
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


def _fill_established(op, state: State, effective: dt.date | None):
    if op.established is None:
        return dataclasses.replace(op, established=effective or default_effective(state.base.data))
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
        object.__setattr__(self, "branch_ids", _as_tuple(self.branch_ids, "scenario_field_merge_branch_ids"))

    @property
    def created_ids(self) -> tuple[str, ...]:
        return (self.new_id,) if self.new_id else ()

    def _prepared(self, state, ids, effective):
        if self.new_id:
            return self, ids.after([self.new_id])
        (new,), ids = ids.take(1, state)
        return dataclasses.replace(self, new_id=new), ids

    def _validate(self, state: State) -> list[int]:
        ids = self.branch_ids
        if _duplicates(ids):
            raise InvalidOperationError("scenario_err_branches_twice", what=Label("scenario_op_merge"),
                                        ids=Items(_duplicates(ids)))
        if len(ids) < 2:
            raise InvalidOperationError("scenario_err_merge_too_few", n=len(ids), ids=Items(ids))
        if not str(self.name).strip():
            raise InvalidOperationError("scenario_err_merge_no_name")
        _check_kind(self.kind)
        codes = state.codes(ids, "scenario_op_merge")
        towns = sorted({state.township[c] for c in codes})
        if self.township is None and len(towns) > 1:
            raise InvalidOperationError("scenario_err_merge_townships", n=len(towns),
                                        towns=Items(towns, quote=False, limit=None))
        _check_new_id(state, self.new_id)
        elected = state.elected[codes[0]]
        if self.established is not None and not np.isnat(elected) and as_day(self.established) > elected:
            raise InvalidOperationError("scenario_err_merge_established", established=self.established,
                                        lead=self.branch_ids[0], elected=pd.Timestamp(elected).date())
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
        return both("scenario_describe_merge", n=len(codes),
                    parts=Items([state.label(c) for c in codes], quote=False, limit=None),
                    kind=_kind(self.kind), name=self.name, id=self.new_id, lead=self.branch_ids[0])


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
                raise InvalidOperationError("scenario_err_split_groups_type")
            object.__setattr__(self, "groups", tuple(_as_tuple(g, "scenario_field_split_group")
                                                     for g in self.groups))
        if self.names is not None:
            object.__setattr__(self, "names", _as_tuple(self.names, "scenario_field_split_names"))
        if self.new_ids is not None:
            object.__setattr__(self, "new_ids", _as_tuple(self.new_ids, "scenario_field_split_new_ids"))

    @property
    def created_ids(self) -> tuple[str, ...]:
        return self.new_ids or ()

    def _parts(self, state: State) -> tuple[int, int, list[np.ndarray], list[str]]:
        """(branch code, members staying, member rows of each leaving part, labels)."""
        if (self.by is None) == (self.groups is None):
            raise InvalidOperationError("scenario_err_split_by_or_groups")
        (code,) = state.codes([self.branch_id], "scenario_op_split")
        own = state.members_of(code)
        branch = Id(self.branch_id)
        if self.groups is not None:
            if not self.groups:
                raise InvalidOperationError("scenario_err_split_no_groups")
            for k, g in enumerate(self.groups):
                if not g:
                    raise InvalidOperationError("scenario_err_split_empty_group", k=k + 1)
            flat = [i for g in self.groups for i in g]
            if _duplicates(flat):
                raise InvalidOperationError("scenario_err_split_member_twice", ids=Items(_duplicates(flat)))
            rows = state.rows(flat, "scenario_op_split")
            strangers = [i for i, r in zip(flat, rows) if state.member_branch[r] != code]
            if strangers:
                raise InvalidOperationError("scenario_err_split_stranger", ids=Items(strangers), branch=branch)
            if len(flat) >= len(own):
                raise InvalidOperationError("scenario_err_split_takes_all", n=len(own), branch=branch)
            bounds = np.cumsum([0, *[len(g) for g in self.groups]])
            parts = [rows[bounds[k]:bounds[k + 1]] for k in range(len(self.groups))]
            return code, len(own) - len(flat), parts, [str(k + 2) for k in range(len(self.groups))]
        members = state.base.data.members
        if self.by not in members.columns or self.by in ("member_id", "branch_id"):
            usable = [c for c in members.columns if c not in ("member_id", "branch_id")]
            raise InvalidOperationError("scenario_err_split_not_column", by=repr(self.by),
                                        columns=Named(usable, "scenario_column_"))
        values = state.base.column(self.by)[own]
        if self.by == "unit" and state.units:
            values = np.asarray([state.units.get(r, v) for r, v in zip(own.tolist(), values)], dtype=object)
        text = np.asarray(["" if pd.isna(v) else str(v).strip() for v in values], dtype=object)
        distinct = sorted(set(text.tolist()) - {""})
        if len(distinct) < 2:
            raise InvalidOperationError("scenario_err_split_one_value", branch=branch, n=len(distinct),
                                        by=Named(self.by, "scenario_column_"), members=len(own))
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

    def _names(self, state: State, code: int, labels: list[str]) -> tuple[str, ...]:
        if self.names is not None:
            if len(self.names) != len(labels):
                raise InvalidOperationError("scenario_err_split_names", n=len(labels), labels=Items(labels),
                                            given=len(self.names))
            return self.names
        return tuple(f"{state.name[code]}（{label}）" for label in labels)

    def _checked(self, state):
        code, stay, parts, labels = self._parts(state)
        if len(self.new_ids) != len(parts):
            raise InvalidOperationError("scenario_err_split_new_ids", n=len(parts), branch=Id(self.branch_id),
                                        given=len(self.new_ids), ids=Items(self.new_ids))
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
        created = [Label("scenario_split_part", name=n, id=i, n=len(p)) for n, i, p in zip(names, self.new_ids, parts)]
        how = (Label("scenario_split_how_by", by=Term(self.by, "scenario_column_")) if self.by
               else Label("scenario_split_how_lists"))
        return both("scenario_describe_split", branch=state.label(code), how=how,
                    created=Items(created, quote=False, limit=None), stay=stay)


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
        object.__setattr__(self, "member_ids", _as_tuple(self.member_ids, "scenario_field_move_member_ids"))
        object.__setattr__(self, "to", str(self.to))

    def _validate(self, state):
        ids = self.member_ids
        if not ids:
            raise InvalidOperationError("scenario_err_move_none")
        if _duplicates(ids):
            raise InvalidOperationError("scenario_err_members_twice", what=Label("scenario_op_move"),
                                        ids=Items(_duplicates(ids)))
        (to,) = state.codes([self.to], "scenario_op_move_to")
        rows = state.rows(ids, "scenario_op_move")
        already = state.member_branch[rows] == to
        if already.any():
            inside = [i for i, a in zip(ids, already) if a]
            raise InvalidOperationError("scenario_err_move_already", ids=Items(inside), branch=Id(self.to))
        return rows, to

    def _run(self, state):
        rows, to = self._validate(state)
        return state.moved(rows, to)

    def _describe(self, state):
        rows, to = self._validate(state)
        names = state.member_names(rows[:5])
        who = [Label("scenario_member_label", name=n, id=i) for n, i in zip(names, self.member_ids)]
        more = Label("scenario_more_members", n=len(rows), extra=len(rows) - 5) if len(rows) > 5 else ""
        sources = sorted({state.ids[c] for c in state.member_branch[rows].tolist()})
        return both("scenario_describe_move", who=Items(who, quote=False, limit=None), more=more,
                    sources=Items(sources, quote=False, limit=None), to=state.label(to))


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
            raise InvalidOperationError("scenario_err_dissolve_itself", branch=Id(self.into))
        return state.codes([self.branch_id, self.into], "scenario_op_dissolve")

    def _run(self, state):
        source, into = self._validate(state)
        state = state.folded([into, source], into)
        state = state.moved(state.members_of(source), into)
        return state.removed([source], into)

    def _describe(self, state):
        source, into = self._validate(state)
        return both("scenario_describe_dissolve", branch=state.label(source), n=len(state.members_of(source)),
                    into=state.label(into))


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
        object.__setattr__(self, "members", _as_tuple(self.members, "scenario_field_create_members"))

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
            raise InvalidOperationError("scenario_err_create_no_name")
        if not str(self.township).strip():
            raise InvalidOperationError("scenario_err_create_no_township")
        _check_kind(self.kind)
        if _duplicates(self.members):
            raise InvalidOperationError("scenario_err_members_twice", what=Label("scenario_op_create"),
                                        ids=Items(_duplicates(self.members)))
        _check_new_id(state, self.new_id)
        return state.rows(self.members, "scenario_op_create") if self.members else np.array([], dtype=np.int64)

    def _run(self, state):
        rows = self._validate(state)
        state, new = state.added(self.new_id, name=self.name, township=self.township, kind=self.kind,
                                 established=self.established, elected=None, income=np.nan,
                                 satisfaction=np.nan)
        return state.moved(rows, new) if len(rows) else state

    def _describe(self, state):
        self._validate(state)
        return both("scenario_describe_create", township=self.township, kind=_kind(self.kind), name=self.name,
                    id=self.new_id, n=len(self.members))


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
            raise InvalidOperationError(
                "scenario_err_appoint_as_member" if self.role == "member" else "scenario_err_appoint_bad_role",
                roles=Named(posts, "scenario_role_"), role=repr(self.role))
        (row,) = state.rows([self.member_id], "scenario_op_appoint")
        if state.member_role[row] == ROLES.index(self.role):
            raise InvalidOperationError("scenario_err_appoint_already", member=Id(self.member_id),
                                        role=Term(self.role, "scenario_role_"))
        previous = np.array([], dtype=np.int64)
        if self.role in SINGLE_POSTS:
            own = state.members_of(state.member_branch[row])
            previous = own[state.member_role[own] == ROLES.index(self.role)]
        return row, previous

    def _run(self, state):
        row, previous = self._validate(state)
        role = state.member_role.copy()
        role[previous] = MEMBER
        role[row] = ROLES.index(self.role)
        return dataclasses.replace(state, member_role=role)

    def _describe(self, state):
        row, previous = self._validate(state)
        (name,) = state.member_names(np.array([row]))
        role = Label(f"scenario_role_{self.role}")
        zh, en = both("scenario_describe_appoint", branch=state.ids[state.member_branch[row]], name=name,
                      member=self.member_id, role=role)
        if len(previous):
            names = Items(state.member_names(previous), quote=False, limit=None)
            more_zh, more_en = both("scenario_describe_appoint_previous", role=role, names=names)
            zh, en = zh + more_zh, en + more_en
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
        (row,) = state.rows([self.member_id], "scenario_op_vacate")
        if state.member_role[row] == MEMBER:
            raise InvalidOperationError("scenario_err_vacate_no_post", member=Id(self.member_id))
        return row

    def _run(self, state):
        row = self._validate(state)
        role = state.member_role.copy()
        role[row] = MEMBER
        return dataclasses.replace(state, member_role=role)

    def _describe(self, state):
        row = self._validate(state)
        (name,) = state.member_names(np.array([row]))
        return both("scenario_describe_vacate", branch=state.ids[state.member_branch[row]], name=name,
                    member=self.member_id, role=Label(f"scenario_role_{ROLES[state.member_role[row]]}"))


#: Operation classes by their YAML name.
OPERATIONS: dict[str, type[Operation]] = {c.op: c for c in (Merge, Split, Move, Dissolve, Create, Appoint, Vacate)}
