"""The weak-and-lax screening of a period, the planner's decisions, the list they make and its effect.

:class:`ScreeningModel` runs :func:`~workbench.settings.screening.screen` on
the period shown, keeps the decisions of this data set and this user (a YAML
file in the user's state folder, written after every decision, read again
when the page opens), and derives what the page shows from them: the list of
the period (:func:`~workbench.settings.screening.listed`), what the list does
to grades through the weak-and-lax veto, and the exit check of the branches
on it. Screening proposes; only the planner's decision lists a branch.

>>> import tempfile
>>> from pathlib import Path
>>> from workbench.views.state import AppState
>>> model = ScreeningModel(AppState.from_source("sample_data"), folder=Path(tempfile.mkdtemp()))
>>> b = model.screening.candidates.index[0]
>>> model.branch = b; model.note = "书记空缺半年，经研究列入"
>>> model.decide("confirmed"), model.current_decision(b)
(True, 'confirmed')
>>> ScreeningModel(model.state, folder=model.folder).current_decision(b)  # kept for the next visit
'confirmed'
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable

import pandas as pd
import traitlets as t

from ...assess.indicators import compute_indicators
from ...assess.scoring import Scheme
from ...i18n import tr
from ...settings.screening import (
    Decision,
    Decisions,
    ScreeningError,
    exit_check,
    export_candidates,
    listed,
    screen,
    with_decisions,
)
from ..mvc import Model, checked_number
from ..state import AppState
from .controls import ALL

__all__ = ["ScreeningModel", "DECISION_FILTERS"]

#: What the decision filter offers.
DECISION_FILTERS = (ALL, "pending", "confirmed", "rejected")


class ScreeningModel(Model):
    """Candidates, decisions, the list and its effect for the period shown.

    Filters: ``township``, ``trigger``, ``decision`` (``ALL`` or a value).
    ``branch`` is the branch being looked at, ``note`` the note being written
    for it, ``votes`` the share of "unsatisfied" votes entered per branch for
    the exit check (0-1). ``status`` says what the last action did
    (``{"ok", "key", "zh": values, "en": values}``).
    """

    township = t.Unicode(ALL, allow_none=True)
    trigger = t.Unicode(ALL, allow_none=True)
    decision = t.Unicode(ALL, allow_none=True)
    branch = t.Unicode(None, allow_none=True)
    note = t.Unicode("")
    votes = t.Dict()
    status = t.Dict()
    decisions_revision = t.Int(0)

    def __init__(self, state: AppState, *, folder: Path | Callable[[], Path], user: str = "local"):
        super().__init__()
        self.state, self._folder, self.user = state, folder, user
        self.screening = None
        self.decisions = Decisions()
        self.problem: ScreeningError | None = None
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.observe(lambda _: self._exit(), names="votes")
        self.refresh()

    # ---------------------------------------------------------------- files
    @property
    def folder(self) -> Path:
        return Path(self._folder()) if callable(self._folder) else Path(self._folder)

    @property
    def path(self) -> Path:
        """The decisions file of this data set and user."""
        return self.folder / "decisions.yaml"

    def _read(self) -> Decisions:
        self.problem = None
        if not self.path.is_file():
            return Decisions()
        try:
            return Decisions.from_yaml(self.path, self.state.data)
        except ScreeningError as err:  # a file for other data, or damaged: say so, start empty, never overwrite
            self.problem = err
            return Decisions()

    def _write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.decisions.to_yaml(self.path)
        os.chmod(self.path, 0o600)

    # ---------------------------------------------------------------- state
    def refresh(self) -> None:
        """Screen the period again and read this data set's decisions."""
        s = self.state
        self.table = compute_indicators(s.data, s.framework, period=s.period, strict=False)
        self.scheme = Scheme(s.framework)
        self.result = self.scheme.score(self.table, groups=s.townships)
        self.screening = screen(s.data, s.framework, s.period, result=self.result)
        self.decisions = self._read()
        if self.problem is not None:
            self.status = {"ok": False, "key": self.problem.key, "zh": self.problem.params,
                           "en": self.problem.params}
        self._derive()
        offered = self.branches()
        if self.branch not in offered:
            self.branch = offered[0] if offered else None
        self.changed()

    def _derive(self) -> None:
        """The list of the period, the grades with and without it, and the exit check."""
        s = self.state
        period = s.period
        self.listed = listed(self.decisions, period, data=s.data)
        without = _without_list(s.data, period)
        with_list = with_decisions(s.data, self.decisions, period)
        score = self.scheme.score
        self.result_without = score(compute_indicators(without, s.framework, period=period, strict=False),
                                    groups=s.townships)
        self.result_with = score(compute_indicators(with_list, s.framework, period=period, strict=False),
                                 groups=s.townships)
        self._exit()
        self.decisions_revision += 1

    def _exit(self) -> None:
        s = self.state
        votes = {b: v for b, v in self.votes.items() if b in self.listed}
        self.exit = exit_check(s.data, s.framework, s.period, self.listed, result=self.result_without,
                               unsatisfied=votes or None)

    # ---------------------------------------------------------------- reading
    def current(self) -> pd.DataFrame:
        """The decisions of the period that count (one per branch)."""
        return self.decisions.current(self.state.period)

    def current_decision(self, branch_id: str) -> str:
        """``confirmed``, ``rejected``, ``exited`` or ``pending`` for this period."""
        current = self.current()
        return str(current.loc[branch_id, "decision"]) if branch_id in current.index else "pending"

    def candidates(self) -> pd.DataFrame:
        """The candidates that match the filters, with their decision and note of this period."""
        c = self.screening.candidates
        current = self.current()
        decision = pd.Series([self.current_decision(b) for b in c.index], index=c.index, dtype=object)
        note = current["note"].reindex(c.index).fillna("") if len(current) else pd.Series("", index=c.index)
        out = c.assign(decision=decision, note=note)
        if self.township not in (None, ALL):
            out = out[out["township"] == self.township]
        if self.trigger not in (None, ALL):
            out = out[out["triggers"].str.split(";").map(lambda ts: self.trigger in ts)]
        if self.decision not in (None, ALL):
            out = out[out["decision"] == self.decision]
        return out

    def branches(self) -> list[str]:
        """The branches a planner can decide about: the candidates (filtered), then the listed ones."""
        shown = list(self.candidates().index)
        return shown + [b for b in self.listed if b not in shown]

    def counts(self) -> dict[str, int]:
        """Candidates, their decisions this period, the list and the grades the veto changes."""
        c = self.screening.candidates
        decided = [self.current_decision(b) for b in c.index]
        changed = self.grade_changes()
        return {"candidates": len(c), "confirmed": decided.count("confirmed"), "rejected": decided.count("rejected"),
                "pending": decided.count("pending"), "listed": len(self.listed), "grade_changes": len(changed)}

    def grade_changes(self) -> pd.DataFrame:
        """Branches whose grade the list changes: ``total``, ``grade_without``, ``grade_with``, ``listed``."""
        a, b = self.result_without, self.result_with
        out = pd.DataFrame({"total": a.total, "grade_without": a.grade.astype(object),
                            "grade_with": b.grade.reindex(a.grade.index).astype(object)})
        out = out[out["grade_without"] != out["grade_with"]]
        out["listed"] = out.index.isin(self.listed)
        return out

    def list_table(self, lang: str) -> pd.DataFrame:
        """The branches on the list: why they are on it, their total and their grade without and with it."""
        fw = self.state.framework
        current = self.current()
        flags = self.state.data.outcomes_for(self.state.period)["weak_lax"].fillna(False).astype(bool)
        rows = []
        for b in self.listed:
            if b in current.index and current.loc[b, "decision"] == "confirmed":
                source, note = tr("list_source_confirmed", lang), current.loc[b, "note"]
            elif any(e.branch_id == b and e.decision == "confirmed" for e in self.decisions.entries):
                source, note = tr("list_source_earlier", lang), ""
            else:
                source, note = (tr("list_source_data", lang) if flags.get(b, False) else ""), ""
            rows.append({
                "branch_id": b, "name": self.state.names.get(b, b), "township": self.state.townships.get(b, ""),
                "source": source, "note": note, "total": round(float(self.result_without.total.get(b)), 1),
                "grade_without": fw.label(str(self.result_without.grade.get(b)), lang),
                "grade_with": fw.label(str(self.result_with.grade.get(b)), lang),
            })
        return pd.DataFrame(rows, columns=["branch_id", "name", "township", "source", "note", "total",
                                           "grade_without", "grade_with"])

    # ---------------------------------------------------------------- actions
    def _say(self, ok: bool, key: str, **values) -> None:
        self.status = {"ok": ok, "key": key, "zh": values, "en": values}

    def choose(self, branch_id: str) -> None:
        """Look at a branch (refused unless it is offered)."""
        if branch_id not in self.branches():
            raise ValueError(f"{branch_id!r} is neither a candidate shown nor on the list")
        self.branch = branch_id

    def set_votes(self, branch_id: str, percent) -> None:
        """The share of "unsatisfied" votes of a branch's exit survey, in percent (refused unless 0-100)."""
        share = checked_number(percent, low=0, high=100) / 100
        self.votes = {**self.votes, branch_id: share}

    def decide(self, decision: str) -> bool:
        """Confirm, reject or let exit the branch looked at, with the note written; saved at once."""
        b = self.branch
        if not b:
            self._say(False, "screening_pick_branch")
            return False
        try:
            decisions = self.decisions.decide(self.screening, b, decision, note=self.note, by=self.user,
                                              exit_result=self.exit, data=self.state.data)
        except ScreeningError as err:
            self.status = {"ok": False, "key": err.key, "zh": err.params, "en": err.params}
            return False
        previous, self.decisions = self.decisions, decisions
        try:
            self._write()
        except OSError as exc:
            self.decisions = previous
            self._say(False, "error", message=f"{exc.strerror or exc}: {self.path}")
            return False
        self._derive()
        self._say(True, f"screening_done_{decision}", name=self.state.names.get(b, b))
        self.note = ""
        self.changed()
        return True

    def withdraw(self) -> bool:
        """Take back this period's decisions about the branch looked at (it is pending again)."""
        b, period = self.branch, self.state.period
        keep = tuple(e for e in self.decisions.entries if not (e.branch_id == b and e.period == period))
        if not b or len(keep) == len(self.decisions.entries):
            self._say(False, "screening_nothing_to_withdraw")
            return False
        previous, self.decisions = self.decisions, Decisions(keep)
        try:
            self._write()
        except OSError as exc:
            self.decisions = previous
            self._say(False, "error", message=f"{exc.strerror or exc}: {self.path}")
            return False
        self._derive()
        self._say(True, "screening_withdrawn", name=self.state.names.get(b, b))
        self.changed()
        return True

    def export(self, folder: str | Path, *, lang: str | None = None) -> Path:
        """The candidates by township, with the decisions and notes, as an Excel workbook."""
        path = Path(folder) / f"screening-{self.state.period}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
        return export_candidates(self.screening, path, lang=lang or self.state.lang, decisions=self.decisions)


def _without_list(data, period: int):
    """``data`` with nobody on the weak-and-lax list of ``period``: every flag of the data rejected, nothing
    confirmed (:func:`~workbench.settings.screening.listed` then lists nobody), so the veto changes no grade."""
    flags = data.outcomes_for(period)["weak_lax"].fillna(False).astype(bool)
    none = Decisions(tuple(Decision(branch_id=str(b), period=int(period), decision="rejected", note="-")
                           for b in flags.index[flags.to_numpy()]))
    return with_decisions(data, none, period)
