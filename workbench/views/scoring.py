"""The weights a planner is trying, and the assessment they give.

:class:`ScoringModel` keeps one exact :class:`~workbench.assess.scoring.Scheme`
as its state. Sliders show whole percents (:meth:`ScoringModel.shown_percent`,
largest remainders so that a group's shown percents add up to 100), but a
slider move changes only the group it belongs to, and a preset, a saved scheme
or AHP weights are kept exactly as given: 等权 is 1/6 for each dimension, not
17 %, and a scheme saved and reloaded has exactly its weights.

>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data")
>>> model = ScoringModel(state)
>>> model.set_weight("team", 40)
>>> round(model.scheme.dimension_weights["team"], 12)
0.4
>>> model.apply_preset("equal")
>>> float(model.scheme.dimension_weights["team"]) == 1 / 6, model.shown_percent("team")
(True, 17)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import traitlets as t

from ..assess.indicators import compute_indicators
from ..assess.scoring import WEIGHT_PRESETS, Scheme
from ..assess.weights import ahp
from .mvc import Model
from .state import AppState

__all__ = ["ScoringModel", "rebalance", "shown_percents", "PRESETS"]

#: Weightings a planner can pick by name: the core's presets (``ahp`` comes from the AHP editor).
PRESETS = tuple(WEIGHT_PRESETS)


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


def shown_percents(values: dict[str, float]) -> dict[str, int]:
    """Whole percents to show for a group; they add up to 100 when the values do.

    Largest remainders: each value is rounded down, then the units still
    missing go to the largest fractional parts (earlier keys first on ties).

    >>> shown_percents({"a": 100 / 6, "b": 100 / 6, "c": 100 / 6, "d": 100 / 6, "e": 100 / 6, "f": 100 / 6})
    {'a': 17, 'b': 17, 'c': 17, 'd': 17, 'e': 16, 'f': 16}
    >>> shown_percents({"a": 60.4, "b": 60.4})  # a group that does not add up to 100: plain rounding
    {'a': 60, 'b': 60}
    """
    total = sum(values.values())
    if not math.isclose(total, 100.0, abs_tol=1e-6):
        return {k: int(round(v)) for k, v in values.items()}
    floors = {k: int(math.floor(v + 1e-9)) for k, v in values.items()}
    missing = 100 - sum(floors.values())
    order = sorted(values, key=lambda k: -(values[k] - floors[k]))  # stable: earlier keys first
    for k in order[:max(missing, 0)]:
        floors[k] += 1
    return floors


def _percent(weights: dict[str, float], keys: list[str]) -> dict[str, float]:
    total = sum(weights[k] for k in keys)
    return {k: (100.0 * weights[k] / total if total > 0 else 100.0 / len(keys)) for k in keys}


class ScoringModel(Model):
    """The scheme being tried, the assessment it gives, and the baseline to compare with.

    ``scheme`` is the state (exact weights, name, note, origin); ``percents``
    are its weights as slider values (dimension weights in percent of the total,
    indicator weights in percent of their dimension). ``result`` is re-scored on
    every change (the normalized matrix is re-used); ``baseline`` is the
    framework's default weighting of the same period. ``revision`` counts new
    results.
    """

    scheme = t.Instance(Scheme)
    locked = t.List(t.Unicode())
    auto_balance = t.Bool(True)
    preset = t.Unicode("default")
    result = t.Any(None)
    baseline = t.Any(None)
    comparison = t.Any(None)

    def __init__(self, state: AppState, *, scheme: Scheme | None = None):
        self.state = state
        self.framework = state.framework
        self.table = None
        super().__init__(scheme=scheme or Scheme(self.framework))
        self._moved: dict[str, float] | None = None
        self._percents = self._percents_of(self.scheme)
        self._shown = self._shown_of(self._percents)
        state.observe(self._on_data, names=["revision", "period"])
        self.observe(self._on_scheme, names="scheme")
        self._refresh_table()

    # -------------------------------------------------------------- weights
    @property
    def percents(self) -> dict[str, float]:
        """Weights as exact percents (dimensions of the total, indicators of their dimension)."""
        return dict(self._percents)

    def shown_percent(self, key: str) -> int:
        """The whole percent a slider shows for ``key``."""
        return self._shown[key]

    def groups(self) -> list[list[str]]:
        fw = self.framework
        return [fw.dimension_ids] + [[i.id for i in d.indicators] for d in fw.dimensions]

    def _group(self, key: str) -> list[str]:
        fw = self.framework
        if key in fw.dimension_ids:
            return fw.dimension_ids
        if key not in fw.indicator_ids:
            raise KeyError(f"{key!r} is neither a dimension nor an indicator of {fw.name!r}")
        return [i.id for i in fw.dimension(fw.dimension_of(key)).indicators]

    def _percents_of(self, scheme: Scheme) -> dict[str, float]:
        out: dict[str, float] = {}
        for group in self.groups():
            out.update(_percent(scheme.weights, group))
        return out

    def _shown_of(self, percents: dict[str, float]) -> dict[str, int]:
        out: dict[str, int] = {}
        for group in self.groups():
            out.update(shown_percents({k: percents[k] for k in group}))
        return out

    def group_total(self, key: str) -> float:
        return sum(self._percents[k] for k in self._group(key))

    def set_weight(self, key: str, value: float) -> None:
        """Move one slider (percent); with auto-balance the others of its group follow.

        Only ``key``'s group changes, and ``key`` gets exactly ``value`` (within
        what the locks leave). A locked weight cannot be moved.
        """
        group = self._group(key)
        if key in self.locked:
            raise ValueError(f"{key!r} is locked; unlock it to change its weight")
        value = float(value)
        if not math.isfinite(value) or not 0 <= value <= 100:
            raise ValueError(f"a weight is a percent from 0 to 100, got {value!r}")
        current = {k: self._percents[k] for k in group}
        if self.auto_balance:
            new = rebalance(current, key, value, locked=set(self.locked))
        else:
            new = {**current, key: value}
        if all(math.isclose(new[k], current[k], abs_tol=1e-9) for k in group):
            return
        self._set_group(new, preset="custom")

    def _set_group(self, new: dict[str, float], *, preset: str) -> None:
        weights = {k: v / 100.0 for k, v in new.items()}
        scheme = self.scheme.with_weights(weights, name=preset).with_origin(origin={"method": preset})
        # the sliders keep the percents as moved (without auto-balance a group may add up to more
        # than 100 % until renormalized); a scheme from elsewhere is shown normalized
        self._moved = {**self._percents, **new}
        with self.hold_trait_notifications():
            self.preset = preset
            self.scheme = scheme

    def renormalize(self) -> None:
        """Scale each group's unlocked weights so the group sums to 100 %."""
        out = dict(self._percents)
        for group in self.groups():
            fixed = sum(out[k] for k in group if k in self.locked)
            free = [k for k in group if k not in self.locked]
            total = sum(out[k] for k in free)
            room = max(100.0 - fixed, 0.0)
            for k in free:
                out[k] = room * out[k] / total if total > 0 else room / len(free)
        if any(not math.isclose(out[k], self._percents[k], abs_tol=1e-12) for k in out):
            self._set_group(out, preset=self.preset if self.preset != "default" else "custom")

    def toggle_lock(self, key: str, locked: bool) -> None:
        self._group(key)  # refuses unknown keys
        keep = [k for k in self.locked if k != key]
        self.locked = keep + [key] if locked else keep

    def apply_preset(self, name: str) -> None:
        """Weights from the framework, equal, entropy or CRITIC (data-derived on the current table)."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; expected one of {', '.join(PRESETS)}")
        base = Scheme(self.framework, normalization=self.scheme.normalizations, aggregation=self.scheme.aggregation,
                      missing=self.scheme.missing)
        scheme = base.with_preset(name, self.table, groups=self.state.townships)
        with self.hold_trait_notifications():
            self.preset = name
            self.scheme = scheme.with_origin(name=name, origin={"method": name}, note="")

    def apply_ahp(self, matrix, *, judgements: dict | None = None) -> float:
        """Dimension weights from a Saaty pairwise matrix (dimensions in framework order); returns CR.

        The matrix and its consistency ratio are recorded in the scheme's origin.
        """
        w, cr = ahp(matrix, warn=False)
        weights = dict(zip(self.framework.dimension_ids, pd.Series(w).to_numpy(dtype="float64")))
        origin = {"method": "ahp", "level": "dimensions", "cr": float(cr),
                  "criteria": list(self.framework.dimension_ids),
                  "matrix": np.asarray(matrix, dtype="float64").tolist()}
        if judgements:
            origin["judgements"] = judgements
        with self.hold_trait_notifications():
            self.preset = "ahp"
            self.scheme = self.scheme.with_weights(weights, name="ahp").with_origin(origin=origin)
        return float(cr)

    def use_scheme(self, scheme: Scheme) -> None:
        """Show a saved scheme exactly (its methods become the scheme the sliders change)."""
        if scheme.framework.name != self.framework.name:
            raise ValueError(f"the scheme was made for framework {scheme.framework.name!r}, "
                             f"not {self.framework.name!r}")
        with self.hold_trait_notifications():
            self.preset = scheme.name
            self.scheme = scheme

    def set_note(self, note: str) -> None:
        self.scheme = self.scheme.with_origin(note=note)

    def current_scheme(self) -> Scheme:
        return self.scheme

    # ---------------------------------------------------------------- scoring
    def _refresh_table(self) -> None:
        state = self.state
        if state.period is None:
            self.table = None
            self.baseline = self.result = self.comparison = None
            self.changed()
            return
        self.table = compute_indicators(state.data, self.framework, period=state.period)
        self.baseline = Scheme(self.framework).score(self.table, groups=state.townships)
        self._rescore()

    def _on_data(self, change) -> None:
        self._refresh_table()

    def _on_scheme(self, change) -> None:
        moved, self._moved = self._moved, None
        self._percents = moved if moved is not None else self._percents_of(self.scheme)
        self._shown = self._shown_of(self._percents)
        self._rescore()

    def _rescore(self) -> None:
        if self.table is None:
            return
        result = self.scheme.score(self.table, groups=self.state.townships)
        self.comparison = result.compare(self.baseline)
        self.result = result
        self.changed()
