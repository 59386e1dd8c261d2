"""The Scenario: an immutable, ordered list of operations on a baseline, applied on demand.

See :mod:`workbench.settings.scenario` for the choices every operation follows.
"""

from __future__ import annotations

import datetime as dt
import os
import weakref
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ...data.core import BranchData
from ...i18n import tr
from ..rules import RuleSet
from .compare import ScenarioComparison, comparison, evaluate
from .errors import InvalidOperationError, ScenarioError
from .ids import IdScheme, default_effective
from .io import FORMAT_VERSION, operations_from_doc, parse_yaml, read_doc, write_yaml
from .operations import Appoint, Create, Dissolve, Merge, Move, Operation, Split, Vacate
from .state import Baseline, State
from .texts import Term

__all__ = ["Scenario"]


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
                 effective: dt.date | str | None = None, _lookups: Baseline | None = None):
        if not isinstance(data, BranchData):
            raise TypeError(f"Scenario needs a BranchData (wb.load(...)), got {type(data).__name__}")
        self._base = data
        self._effective = (pd.Timestamp(effective).date() if effective is not None
                           else default_effective(data))
        self._shared: dict = {}  # baseline results, shared by the scenarios derived from this one
        self._parent: weakref.ref | None = None
        self._data: BranchData | None = None
        state = State.of(data, _lookups if _lookups is not None and _lookups.data is data else None)
        ids = IdScheme.of(state.ids)
        ops, texts = [], []
        for k, op in enumerate(operations):
            try:
                op, state, text, ids = self._step(state, op, ids)
            except ScenarioError as exc:
                name = getattr(op, "op", "?")
                raise exc.prefixed("scenario_at_step", k=k + 1, op=Term(name, "scenario_op_")) from exc
            ops.append(op)
            texts.append(text)
        self._ops: tuple[Operation, ...] = tuple(ops)
        self._texts: tuple[tuple[str, str], ...] = tuple(texts)
        self._state, self._ids = state, ids

    # --------------------------------------------------------------- building
    def _step(self, state: State, op: Operation, ids: IdScheme):
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
            raise InvalidOperationError("scenario_err_undo_empty")
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
            return tr("scenario_no_changes", lang)
        lines = []
        for k, (op, text) in enumerate(zip(self._ops, self._texts), start=1):
            reason = op.reason_zh if lang == "zh" else op.reason_en
            lines.append(f"{k}. {text[0] if lang == 'zh' else text[1]}")
            if reason:
                lines.append(f"   {tr('why', lang)}: {reason}")
        return "\n".join(lines)

    # ------------------------------------------------------------------- YAML
    def to_dict(self) -> dict:
        """The scenario as plain data (what :meth:`to_yaml` writes)."""
        return {
            "scenario": FORMAT_VERSION,
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
        return write_yaml(self.to_dict(), path)

    @classmethod
    def from_dict(cls, doc: dict, data: BranchData, *, source: str = "scenario") -> Scenario:
        """Build from :meth:`to_dict`'s output; every step is validated against ``data``."""
        ops, effective = operations_from_doc(doc, source=source)
        try:
            return cls(data, ops, effective=effective)
        except ScenarioError as exc:
            raise exc.prefixed("scenario_at_source", source=source) from exc

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, data: BranchData) -> Scenario:
        """Read a scenario saved by :meth:`to_yaml` and apply it to ``data``.

        A step that does not fit ``data`` raises a ScenarioError naming the
        file and the step.
        """
        text, source = read_doc(path)
        return cls.from_yaml_text(text, data, source=source)

    @classmethod
    def from_yaml_text(cls, text: str | bytes, data: BranchData, *, source: str = "scenario") -> Scenario:
        """:meth:`from_yaml` for text already read (an upload); ``source`` names it in messages.

        >>> import workbench as wb
        >>> try:
        ...     Scenario.from_yaml_text("steps: [", wb.load("sample_data"), source="up.yaml")
        ... except wb.ScenarioError as err:
        ...     print(err.message("zh").splitlines()[0])
        up.yaml：不是有效的YAML文件（第1行第9列附近）：while parsing a flow node
        """
        return cls.from_dict(parse_yaml(text, source=source), data, source=source)

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
            before = evaluate(self._base, scheme, rules, period, groups)
            self._shared["baseline"] = (key, scheme, before)
        after = evaluate(self.apply(), scheme, rules, before["period"], groups)
        return comparison(self._state, self.affected(), before, after, framework)


def _reason(reason) -> dict:
    if reason is None:
        return {}
    if isinstance(reason, str):
        return {"reason_zh": reason, "reason_en": reason}
    zh, en = reason
    return {"reason_zh": zh, "reason_en": en}
