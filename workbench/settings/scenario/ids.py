"""New branch ids and the date changes take effect.

New ids continue the baseline's numbering after the highest id ever used in the
scenario (``B00300`` → ``B00301``): deterministic, and never reused, even after
the branch that held one is dissolved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from ...data.core import BranchData

if TYPE_CHECKING:  # pragma: no cover
    from .state import State

__all__ = ["IdScheme", "default_effective"]

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class IdScheme:
    """How new branch ids are spelled: ``prefix`` + a number of at least ``width`` digits."""

    prefix: str
    width: int
    next: int

    @classmethod
    def of(cls, ids: Iterable[str]) -> IdScheme:
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

    def take(self, n: int, state: State) -> tuple[tuple[str, ...], IdScheme]:
        out, k = [], self.next
        while len(out) < n:
            candidate = f"{self.prefix}{k:0{self.width}d}"
            if candidate not in state.base.branch_index and candidate not in state.new_index:
                out.append(candidate)
            k += 1
        return tuple(out), dataclasses.replace(self, next=k)

    def after(self, ids: Iterable[str]) -> IdScheme:
        """Advance past ``ids`` (ids given explicitly, e.g. read from YAML)."""
        k = self.next
        for i in ids:
            match = _NUMBERED.match(i)
            if match and match.group(1) == self.prefix:
                k = max(k, int(match.group(2)) + 1)
        return dataclasses.replace(self, next=k)


def default_effective(data: BranchData) -> dt.date:
    """The day after the latest record: when a change planned on this data takes effect."""
    latest = [frame[col].max() for frame, col in ((data.meetings, "date"), (data.inspections, "date"),
                                                  (data.trainings, "date"), (data.branches, "committee_elected"))
              if len(frame) and frame[col].notna().any()]
    if not latest:
        return dt.date.today()
    return (max(latest) + pd.Timedelta(days=1)).date()
