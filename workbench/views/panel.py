"""The expert panel being entered or uploaded in the weight explorer, and its group weights.

:class:`PanelModel` keeps every expert's pairwise matrix per level (the
dimensions, or the indicators of one dimension) and computes the group
weights with the core (:func:`~workbench.assess.weights.ahp_group` through
:class:`~workbench.assess.panel.Panel`): the views only show them. An expert
counts for a level once one of their judgements of it is set (typed in, or read
from a workbook), so that a level nobody compared is never averaged in as
"all equal".

>>> from workbench.assess.framework import Framework
>>> model = PanelModel(Framework.default(), lang="en")
>>> model.set_judgement(0, 1, 3)               # Expert 1: team 3 x education
>>> model.add_expert()
'Expert 2'
>>> model.set_judgement(0, 1, 1 / 3)           # Expert 2: the other way round
>>> w, table = model.group()
>>> round(float(w["team"] / w["education"]), 6), table.index.tolist()
(1.0, ['Expert 1', 'Expert 2'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import traitlets as t

from ..assess.framework import Framework
from ..assess.panel import LEVEL_DIMENSIONS, Panel, panel_from_matrices
from ..assess.weights import consistency_ratio
from ..i18n import tr
from .mvc import Model

__all__ = ["PanelModel", "merged_origin"]


class PanelModel(Model):
    """Experts, their matrices per level, the level and expert on screen, and the aggregation.

    ``source`` names the workbook the panel came from ("" when typed in here).
    ``revision`` counts changes of the judgements.
    """

    level = t.Unicode(LEVEL_DIMENSIONS)
    expert = t.Unicode("")
    experts = t.List(t.Unicode())
    method = t.Unicode("aij")
    source = t.Unicode("")

    def __init__(self, framework: Framework, *, lang: str = "zh"):
        super().__init__()
        self.framework = framework
        self.lang = lang
        self.matrices: dict[str, dict[str, np.ndarray]] = {}
        self.expert_weights: dict[str, float] | None = None
        self.sha256 = ""
        self._groups: dict = {}
        first = tr("panel_tpl_expert", lang, k=1)
        self.experts = [first]
        self.expert = first

    # ------------------------------------------------------------------ levels
    def levels(self) -> list[str]:
        """Levels one can compare: the dimensions, and each dimension with two or more indicators."""
        fw = self.framework
        return [LEVEL_DIMENSIONS] + [d.id for d in fw.dimensions if len(d.indicators) > 1]

    def criteria(self, level: str | None = None) -> list[str]:
        level = level or self.level
        fw = self.framework
        return fw.dimension_ids if level == LEVEL_DIMENSIONS else [i.id for i in fw.dimension(level).indicators]

    @t.validate("level")
    def _valid_level(self, proposal):
        if proposal["value"] not in self.levels():
            raise t.TraitError(f"no level {proposal['value']!r}; expected one of {self.levels()}")
        return proposal["value"]

    @t.validate("method")
    def _valid_method(self, proposal):
        if proposal["value"] not in ("aij", "aip"):
            raise t.TraitError(f"method must be 'aij' or 'aip', got {proposal['value']!r}")
        return proposal["value"]

    @t.validate("expert")
    def _valid_expert(self, proposal):
        if proposal["value"] not in self.experts:
            raise t.TraitError(f"no expert {proposal['value']!r}")
        return proposal["value"]

    # ------------------------------------------------------------- judgements
    def matrix(self, level: str | None = None, expert: str | None = None) -> np.ndarray:
        """The matrix of ``expert`` at ``level`` (default: those on screen); all ones when not entered."""
        level, expert = level or self.level, expert or self.expert
        found = self.matrices.get(level, {}).get(expert)
        n = len(self.criteria(level))
        return found.copy() if found is not None else np.ones((n, n))

    def entered(self, level: str | None = None) -> list[str]:
        """The experts who compared ``level`` (in the panel's order)."""
        at = self.matrices.get(level or self.level, {})
        return [e for e in self.experts if e in at]

    def set_judgement(self, i: int, j: int, value: float, *, level: str | None = None) -> None:
        """Set a[i, j] (and a[j, i] = 1 / value) of the expert on screen at ``level`` (default: on screen)."""
        level = level or self.level
        value = float(value)
        if not np.isfinite(value) or not 1 / 9 - 1e-9 <= value <= 9 + 1e-9:
            raise ValueError(f"a judgement lies between 1/9 and 9, got {value!r}")
        n = len(self.criteria(level))
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ValueError(f"no comparison ({i}, {j}) among {n} criteria")
        a = self.matrix(level)
        if self.expert in self.entered(level) and np.isclose(a[i, j], value, rtol=1e-12):
            return
        a[i, j], a[j, i] = value, 1.0 / value
        self.matrices.setdefault(level, {})[self.expert] = a
        self._touch()

    def consistency(self, level: str | None = None, expert: str | None = None) -> float:
        return consistency_ratio(self.matrix(level, expert))

    # ---------------------------------------------------------------- experts
    def add_expert(self, name: str | None = None) -> str:
        """Add an expert (named 专家N / Expert N unless given) and put them on screen."""
        k = len(self.experts) + 1
        while name is None or name in self.experts:
            name = tr("panel_tpl_expert", self.lang, k=k)
            k += 1
        name = str(name).strip()
        if not name:
            raise ValueError("an expert needs a name")
        with self.hold_trait_notifications():
            self.experts = self.experts + [name]
            self.expert = name
        self._touch()
        return name

    def remove_expert(self, name: str | None = None) -> None:
        """Remove an expert and their judgements (the last one stays)."""
        name = name or self.expert
        if name not in self.experts or len(self.experts) == 1:
            raise ValueError("the panel keeps at least one expert")
        keep = [e for e in self.experts if e != name]
        for at in self.matrices.values():
            at.pop(name, None)
        if self.expert_weights:
            self.expert_weights.pop(name, None)
        with self.hold_trait_notifications():
            self.experts = keep
            self.expert = keep[0]
        self._touch()

    def rename_expert(self, new: str) -> None:
        new = str(new).strip()
        old = self.expert
        if not new or new == old:
            return
        if new in self.experts:
            raise ValueError(f"there is already an expert called {new!r}")
        for at in self.matrices.values():
            if old in at:
                at[new] = at.pop(old)
        if self.expert_weights and old in self.expert_weights:
            self.expert_weights[new] = self.expert_weights.pop(old)
        with self.hold_trait_notifications():
            self.experts = [new if e == old else e for e in self.experts]
            self.expert = new
        self._touch()

    def load(self, panel: Panel) -> None:
        """Take every expert's matrices from a panel read from a workbook (replacing what was here)."""
        levels = [lv for lv in panel.ordered_levels() if lv in self.levels()]
        self.matrices = {lv: {e: m.to_numpy(dtype="float64").copy() for e, m in panel.levels[lv].items()}
                         for lv in levels}
        self.expert_weights = dict(panel.expert_weights) if panel.expert_weights else None
        self.sha256 = panel.sha256
        with self.hold_trait_notifications():
            self.experts = list(panel.experts)
            self.expert = panel.experts[0]
            self.source = panel.source
            self.level = levels[0] if levels else LEVEL_DIMENSIONS
        self._touch()

    def _touch(self) -> None:
        self._groups.clear()
        self.changed()

    # ------------------------------------------------------------------ group
    def panel(self, levels: list[str] | None = None) -> Panel:
        """The core's Panel of the levels given (default: every level someone compared)."""
        levels = [lv for lv in (levels or self.levels()) if self.entered(lv)]
        by_level = {lv: {e: self.matrices[lv][e] for e in self.entered(lv)} for lv in levels}
        experts = [e for e in self.experts if any(e in by_level[lv] for lv in levels)]
        weights = ({e: self.expert_weights[e] for e in experts}
                   if self.expert_weights and all(e in self.expert_weights for e in experts) else None)
        panel = panel_from_matrices(self.framework, by_level, expert_weights=weights, source=self.source)
        return Panel(self.framework, experts, panel.levels, panel.expert_weights, source=self.source,
                     sha256=self.sha256)

    def group(self, level: str | None = None) -> tuple[pd.Series, pd.DataFrame]:
        """Group weights of ``level`` and the table per expert (only experts who compared it count).

        With nobody's judgements yet, the matrix on screen stands for the panel.
        """
        level = level or self.level
        key = (level, self.method)
        if key not in self._groups:
            if self.entered(level):
                self._groups[key] = self.panel([level]).group(level, method=self.method)
            else:
                single = panel_from_matrices(self.framework, {level: {self.expert: self.matrix(level)}})
                self._groups[key] = single.group(level, method=self.method)
        w, table = self._groups[key]
        return w.copy(), table.copy()

    def scheme_for(self, scheme, levels: list[str]):
        """``scheme`` with the group weights of ``levels`` and their origin merged into its own."""
        panel = self.panel(levels) if any(self.entered(lv) for lv in levels) else None
        if panel is None:   # nothing entered: the matrix on screen, as one expert
            panel = panel_from_matrices(self.framework, {lv: {self.expert: self.matrix(lv)} for lv in levels},
                                        source=self.source)
        new = panel.scheme(scheme, method=self.method, name="ahp")
        return new.with_origin(origin=merged_origin(scheme.origin, new.origin))


def merged_origin(old: dict, new: dict) -> dict:
    """The origin of weights applied level by level: levels of the same panel accumulate.

    >>> a = {"method": "ahp_group", "panel": "p.xlsx", "aggregation": "aij", "sha256": "x", "levels": {"dimensions": 1}}
    >>> b = {**a, "levels": {"team": 2}}
    >>> sorted(merged_origin(a, b)["levels"])
    ['dimensions', 'team']
    >>> sorted(merged_origin({"method": "equal"}, b)["levels"])
    ['team']
    """
    same = (old.get("method") in ("ahp", "ahp_group") and "levels" in old
            and all(old.get(k) == new.get(k) for k in ("panel", "aggregation", "sha256")))
    if not same:
        return dict(new)
    levels = {**old["levels"], **new["levels"]}
    experts = list(dict.fromkeys([*old.get("experts", []), *new.get("experts", [])]))
    parts = [p for p in str(old.get("summary", "")).split(" | ")[1:]
             if not any(p.startswith(f"{lv}:") for lv in new["levels"])]
    head, *rest = str(new.get("summary", "")).split(" | ")
    method = "ahp_group" if len(experts) > 1 else new["method"]
    return {**new, "method": method, "experts": experts, "summary": " | ".join([head, *parts, *rest]),
            "levels": levels}
