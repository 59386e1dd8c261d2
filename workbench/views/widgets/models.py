"""Models: the state of a dashboard, in traitlets, calling the core for every number.

``AppState`` holds the data, the period and the language; ``ScoringModel``
holds the weights a planner is trying and the assessments they produce.
Views observe these models and render; they never compute a score.

>>> state = AppState.from_source("sample_data")
>>> model = ScoringModel(state)
>>> model.set_weight("team", 40)
>>> round(model.scheme.dimension_weights["team"], 2)
0.4
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import traitlets as t

from ...data import BranchData, DataError, load, load_files
from ...assess.framework import Framework
from ...assess.indicators import compute_indicators
from ...assess.scoring import Scheme
from ...assess.weights import ahp

__all__ = ["AppState", "ScoringModel", "rebalance", "PRESETS"]

PRESETS = ("default", "equal", "entropy", "critic", "ahp")


def rebalance(values: dict[str, float], changed: str, value: float, locked=frozenset()) -> dict[str, float]:
    """Set ``values[changed] = value`` and spread the difference over the unlocked others.

    ``values`` are percentages of one group (dimensions, or the indicators of
    one dimension) summing to 100. Locked entries never move; the changed one
    is clamped so that the total can stay 100. Others keep their proportions
    (equal shares when they are all zero).

    >>> rebalance({"a": 50, "b": 30, "c": 20}, "a", 60)
    {'a': 60.0, 'b': 24.0, 'c': 16.0}
    >>> rebalance({"a": 50, "b": 30, "c": 20}, "a", 90, locked={"c"})
    {'a': 80.0, 'b': 0.0, 'c': 20.0}
    """
    if changed not in values:
        raise KeyError(changed)
    fixed = sum(v for k, v in values.items() if k in locked and k != changed)
    free = [k for k in values if k not in locked and k != changed]
    if not free:  # nothing can absorb the change
        return {k: float(v) for k, v in values.items()}
    value = min(max(float(value), 0.0), 100.0 - fixed)
    remainder = 100.0 - fixed - value
    current = sum(values[k] for k in free)
    out = {k: float(v) for k, v in values.items()}
    out[changed] = value
    for k in free:
        out[k] = remainder * (values[k] / current if current > 0 else 1 / len(free))
    return out


def _percent(weights: dict[str, float], keys: list[str]) -> dict[str, float]:
    total = sum(weights[k] for k in keys)
    return {k: (100.0 * weights[k] / total if total > 0 else 100.0 / len(keys)) for k in keys}


class AppState(t.HasTraits):
    """Data, period, language and theme of one dashboard.

    ``data`` is replaced only by a load that succeeded; a failed load sets
    ``problems`` (the DataError table) and keeps the previous data.
    """

    lang = t.Unicode("zh")
    theme = t.Unicode("light")
    period = t.Int(allow_none=True)
    periods = t.List(t.Int())
    revision = t.Int(0)          # bumped whenever ``data`` changes
    source = t.Unicode("")
    problems = t.Any(None)       # DataFrame of the last failed load, else None
    message = t.Unicode("")

    def __init__(self, data: BranchData, *, framework: Framework | None = None, lang: str = "zh",
                 theme: str = "light", period: int | None = None, source: str = ""):
        super().__init__(lang=lang, theme=theme)
        self.framework = framework or Framework.default()
        self.data = data
        self._lookups()
        self.source = source or data.source
        self.periods = data.periods
        self.period = period if period in data.periods else (data.periods[-1] if data.periods else None)

    @classmethod
    def from_source(cls, source: str | Path | BranchData, **kwargs) -> AppState:
        data = source if isinstance(source, BranchData) else load(source)
        return cls(data, source=str(getattr(data, "source", source)), **kwargs)

    def _lookups(self) -> None:
        # one object per data revision: the scheme's cache of normalized values keys on it
        branches = self.data.branches.set_index("branch_id")
        self.townships = branches["township"]
        self.names = branches["name"]

    def replace_data(self, data: BranchData, source: str) -> None:
        self.data = data
        self._lookups()
        self.source = source
        self.problems = None
        with self.hold_trait_notifications():
            self.periods = data.periods
            if self.period not in data.periods:
                self.period = data.periods[-1] if data.periods else None
        self.revision += 1

    def load(self, source: str | Path) -> bool:
        """Load a folder or workbook; on bad input keep the current data and set ``problems``."""
        try:
            data = load(source)
        except DataError as err:
            self.problems = err.problems
            return False
        self.replace_data(data, str(source))
        return True

    def load_uploaded(self, files: dict[str, bytes]) -> bool:
        """Load uploaded CSV files or one workbook; same guarantees as :meth:`load`."""
        try:
            data = load_files(files, source=", ".join(sorted(files)))
        except DataError as err:
            self.problems = err.problems
            return False
        self.replace_data(data, ", ".join(sorted(files)))
        return True


class ScoringModel(t.HasTraits):
    """The weights being tried, the assessment they give, and the baseline to compare with.

    ``percents`` are the slider values: dimension weights in percent of the
    total, indicator weights in percent of their dimension. ``result`` is
    re-scored on every change (the normalized matrix is re-used), ``baseline``
    is the framework's default weighting of the same period.
    """

    percents = t.Dict()
    locked = t.List(t.Unicode())
    auto_balance = t.Bool(True)
    preset = t.Unicode("default")
    result = t.Any(None)
    baseline = t.Any(None)
    comparison = t.Any(None)
    revision = t.Int(0)

    def __init__(self, state: AppState, *, scheme: Scheme | None = None):
        super().__init__()
        self.state = state
        self.framework = state.framework
        self._base_scheme = scheme or Scheme(self.framework)
        self.scheme = self._base_scheme
        self.table = None
        self.percents = self._percents_of(self.scheme)
        state.observe(self._on_data, names=["revision", "period"])
        self.observe(self._on_percents, names="percents")
        self._refresh_table()

    # -------------------------------------------------------------- weights
    def _group(self, key: str) -> list[str]:
        fw = self.framework
        if key in fw.dimension_ids:
            return fw.dimension_ids
        return [i.id for i in fw.dimension(fw.dimension_of(key)).indicators]

    def _percents_of(self, scheme: Scheme) -> dict[str, float]:
        fw = self.framework
        out = _percent(scheme.weights, fw.dimension_ids)
        for dim in fw.dimensions:
            out.update(_percent(scheme.weights, [i.id for i in dim.indicators]))
        return out

    def set_weight(self, key: str, value: float) -> None:
        """Move one slider (percent); with auto-balance the others of its group follow."""
        group = self._group(key)
        current = {k: self.percents[k] for k in group}
        if self.auto_balance:
            new = rebalance(current, key, value, locked=set(self.locked))
        else:
            new = {**current, key: max(0.0, float(value))}
        if all(math.isclose(new[k], current[k], abs_tol=1e-9) for k in group):
            return
        self.percents = {**self.percents, **new}
        self.preset = "custom"

    def renormalize(self) -> None:
        """Scale each group's unlocked weights so the group sums to 100 %."""
        fw = self.framework
        out = dict(self.percents)
        groups = [fw.dimension_ids] + [[i.id for i in d.indicators] for d in fw.dimensions]
        for group in groups:
            fixed = sum(out[k] for k in group if k in self.locked)
            free = [k for k in group if k not in self.locked]
            total = sum(out[k] for k in free)
            room = max(100.0 - fixed, 0.0)
            for k in free:
                out[k] = room * out[k] / total if total > 0 else room / len(free)
        self.percents = out

    def group_total(self, key: str) -> float:
        return sum(self.percents[k] for k in self._group(key))

    def toggle_lock(self, key: str, locked: bool) -> None:
        keep = [k for k in self.locked if k != key]
        self.locked = keep + [key] if locked else keep

    def apply_preset(self, name: str) -> None:
        """Weights from the framework, equal, entropy or CRITIC (data-derived on the current table)."""
        if name not in ("default", "equal", "entropy", "critic"):
            raise ValueError(f"unknown preset {name!r}")
        scheme = self._base_scheme.with_preset(name, self.table, groups=self.state.townships)
        self.percents = self._percents_of(scheme)
        self.preset = name

    def apply_ahp(self, matrix) -> float:
        """Dimension weights from a Saaty pairwise matrix (dimensions in framework order); returns CR."""
        w, cr = ahp(matrix, warn=False)
        values = dict(zip(self.framework.dimension_ids, 100.0 * pd.Series(w).to_numpy()))
        self.percents = {**self.percents, **values}
        self.preset = "ahp"
        return cr

    def use_scheme(self, scheme: Scheme) -> None:
        """Show a saved scheme (its methods become the scheme the sliders change)."""
        self._base_scheme = scheme
        self.percents = self._percents_of(scheme)
        self.preset = scheme.name
        self._rescore()

    # ---------------------------------------------------------------- scoring
    def current_scheme(self) -> Scheme:
        return self._base_scheme.with_weights({k: v / 100.0 for k, v in self.percents.items()},
                                              name=self.preset)

    def _refresh_table(self) -> None:
        state = self.state
        if state.period is None:
            self.table = None
            self.baseline = self.result = self.comparison = None
            return
        self.table = compute_indicators(state.data, self.framework, period=state.period)
        self.baseline = Scheme(self.framework).score(self.table, groups=state.townships)
        self._rescore()

    def _on_data(self, change) -> None:
        self._refresh_table()

    def _on_percents(self, change) -> None:
        self._rescore()

    def _rescore(self) -> None:
        if self.table is None:
            return
        self.scheme = self.current_scheme()
        result = self.scheme.score(self.table, groups=self.state.townships)
        self.comparison = result.compare(self.baseline)
        self.result = result
        self.revision += 1
