"""The planner's decisions on screening candidates, and the weak-and-lax list they make (see the package)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from ...data.core import BranchData
from ...files import YamlError, atomic_path, safe_yaml_load
from ...i18n import tr
from .core import DECISIONS, ScreeningError, ScreeningResult, screen  # noqa: F401  (screen: the examples)

# ================================================================== decisions

@dataclass(frozen=True)
class Decision:
    """One decision about one branch in one period, with the note that explains it."""

    branch_id: str
    period: int
    decision: str
    note: str = ""
    reasons: tuple[str, ...] = ()
    decided: str = ""
    by: str = ""

    def to_dict(self) -> dict:
        return {"branch_id": self.branch_id, "period": self.period, "decision": self.decision,
                "note": self.note, "reasons": list(self.reasons), "decided": self.decided, "by": self.by}


@dataclass(frozen=True)
class Decisions:
    """The planner's decisions on screening candidates: an immutable, append-only log.

    The latest decision about a branch in a period is the one that counts;
    earlier ones stay in the file as the record of how it was decided.

    >>> import workbench as wb
    >>> s = screen(wb.load("sample_data"), period=2025)
    >>> b = s.candidates.index[0]
    >>> d = Decisions().decide(s, b, "confirmed", note="书记空缺半年")
    >>> d.current(2025).loc[b, "decision"]
    'confirmed'
    """

    entries: tuple[Decision, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.entries)

    def decide(self, screening: ScreeningResult, branch_id: str, decision: str, *, note: str = "",
               by: str = "", when: dt.datetime | None = None, exit_result: pd.DataFrame | None = None,
               data: BranchData | None = None) -> Decisions:
        """A new Decisions with one more decision about ``branch_id`` in the screened period.

        ``confirmed`` and ``rejected`` apply to a candidate of ``screening``;
        ``exited`` to a branch on the list (confirmed before, or flagged in
        ``data``) that passes ``exit_result`` (:func:`exit_check`).
        Rejections and exits need a note. Errors are :class:`ScreeningError`.
        """
        period = screening.period
        if decision not in DECISIONS:
            raise ScreeningError("decision_unknown", value=decision)
        note = (note or "").strip()
        if decision in ("rejected", "exited") and not note:
            raise ScreeningError("decision_no_note", branch=branch_id)
        reasons: tuple[str, ...] = ()
        if decision in ("confirmed", "rejected"):
            if branch_id not in screening.candidates.index:
                raise ScreeningError("decision_not_candidate", branch=branch_id, period=period,
                                     action=decision)
            reasons = tuple(screening.candidates.loc[branch_id, "triggers"].split(";"))
        else:
            on_list = listed(self, period, data=data)
            if branch_id not in on_list:
                raise ScreeningError("decision_not_candidate", branch=branch_id, period=period, action=decision)
            if exit_result is None or branch_id not in exit_result.index:
                raise ScreeningError("decision_exit_failed", branch=branch_id,
                                     reason=tr("exit_unknown", "en"))
            row = exit_result.loc[branch_id]
            if row["passes"] is not True:
                raise ScreeningError("decision_exit_failed", branch=branch_id, reason=row["reason_en"])
        entry = Decision(branch_id=str(branch_id), period=int(period), decision=decision, note=note,
                         reasons=reasons, decided=(when or dt.datetime.now()).isoformat(timespec="seconds"),
                         by=by)
        return replace(self, entries=self.entries + (entry,))

    def current(self, period: int | None = None) -> pd.DataFrame:
        """The decision that counts per branch (and period): ``decision, note, reasons, decided, by``.

        With ``period``: decisions of that period only, indexed by branch_id.
        """
        rows = [e.to_dict() for e in self.entries if period is None or e.period == int(period)]
        columns = ["branch_id", "period", "decision", "note", "reasons", "decided", "by"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["reasons"] = frame["reasons"].map(lambda r: ";".join(r) if isinstance(r, list) else r)
        frame = frame.drop_duplicates(["branch_id", "period"], keep="last")
        return frame.set_index("branch_id") if period is not None else frame.reset_index(drop=True)

    # ----------------------------------------------------------------- files
    def to_dict(self) -> dict:
        return {"kind": "weak_lax_decisions", "version": 1, "decisions": [e.to_dict() for e in self.entries]}

    def to_yaml(self, path: str | os.PathLike) -> Path:
        """Save as YAML, atomically (a failed write leaves the previous file as it was)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, data: BranchData | None = None) -> Decisions:
        """Read a decisions file; with ``data``, every branch must be in it. Errors name the entry."""
        path = Path(path)
        try:
            raw = safe_yaml_load(path.read_bytes(), source=str(path))
        except OSError as exc:
            raise ScreeningError("decision_file_bad", path=str(path), problem=exc.strerror or str(exc)) from None
        except YamlError as exc:
            raise ScreeningError("decision_file_bad", path=str(path), problem=str(exc)) from None
        return cls.from_dict(raw, source=str(path), data=data)

    @classmethod
    def from_dict(cls, raw, *, source: str = "<decisions>", data: BranchData | None = None) -> Decisions:
        if not isinstance(raw, dict) or not isinstance(raw.get("decisions", []), list):
            raise ScreeningError("decision_file_bad", path=source,
                                 problem="expected a mapping with a 'decisions' list")
        known = set(data.branches["branch_id"]) if data is not None else None
        entries = []
        for k, item in enumerate(raw.get("decisions") or [], start=1):
            try:
                entry = Decision(branch_id=str(item["branch_id"]), period=int(item["period"]),
                                 decision=str(item["decision"]), note=str(item.get("note") or ""),
                                 reasons=tuple(item.get("reasons") or ()), decided=str(item.get("decided") or ""),
                                 by=str(item.get("by") or ""))
            except (KeyError, TypeError, ValueError) as exc:
                raise ScreeningError("decision_file_bad", path=source,
                                     problem=f"entry {k}: {type(exc).__name__} {exc}") from None
            if entry.decision not in DECISIONS:
                raise ScreeningError("decision_file_bad", path=source,
                                     problem=f"entry {k}: " + tr("decision_unknown", "en", value=entry.decision))
            if known is not None and entry.branch_id not in known:
                raise ScreeningError("decision_unknown_branch", path=source, row=k, branch=entry.branch_id)
            entries.append(entry)
        return cls(tuple(entries))


def listed(decisions: Decisions, period: int, *, data: BranchData | None = None) -> list[str]:
    """The branches on the weak-and-lax list of ``period``, sorted.

    For each branch the latest decision of this or an earlier period counts:
    ``confirmed`` puts it on the list (it stays there in later years until it
    exits), ``exited`` takes it off; a ``rejected`` of this period keeps it
    off even when ``data`` flags it; without a decision the ``weak_lax`` flag
    of ``data`` for the period counts.

    >>> listed(Decisions(), 2025)
    []
    """
    period = int(period)
    state: dict[str, tuple[int, str]] = {}
    for e in sorted((e for e in decisions.entries if e.period <= period), key=lambda e: (e.period, e.decided)):
        state[e.branch_id] = (e.period, e.decision)
    flagged = set()
    if data is not None:
        flags = data.outcomes_for(period)["weak_lax"]
        flagged = set(flags.index[flags.to_numpy(dtype=bool)])
    out = set()
    for b in flagged | set(state):
        last = state.get(b)
        if last is None:
            on = b in flagged
        elif last[1] == "confirmed":
            on = True
        elif last[1] == "exited":
            on = False
        else:  # rejected: only in its own year
            on = False if last[0] == period else b in flagged
        if on:
            out.add(b)
    return sorted(out)


def with_decisions(data: BranchData, decisions: Decisions, period: int) -> BranchData:
    """``data`` whose ``weak_lax`` flag of ``period`` is the decided list (:func:`listed`).

    The framework's weak-and-lax veto reads that flag, so scoring the result
    applies the veto to exactly the confirmed branches. ``data`` is unchanged.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> after = with_decisions(data, Decisions(), 2025)
    >>> bool(after.outcomes_for(2025)["weak_lax"].equals(data.outcomes_for(2025)["weak_lax"]))
    True
    """
    period = int(period)
    on = set(listed(decisions, period, data=data))
    year = data.outcomes_for(period).copy()
    year["weak_lax"] = year.index.isin(list(on))
    rows = year.reset_index().assign(year=period)[["branch_id", "year", "collective_income", "satisfaction",
                                                   "weak_lax"]]
    others = data.outcomes[data.outcomes["year"] != period]
    outcomes = pd.concat([others, rows.astype(others.dtypes.to_dict()) if len(others) else rows],
                         ignore_index=True)
    return data.replace(outcomes=outcomes)
