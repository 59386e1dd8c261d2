"""Schemes: weights and methods applied to an indicator table (:meth:`Scheme.score` -> an Assessment).

A :class:`Scheme` is immutable: ``with_weights`` and friends return new
schemes. Normalization does not depend on weights, so a scheme and every
scheme derived from it by a weight change share the normalized matrix of the
last table they scored: re-scoring after a weight change is a couple of
matrix products plus ranking (the speed a planner dragging a slider needs).

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> table = wb.compute_indicators(data, period=2025)
>>> result = wb.Scheme(wb.Framework.default()).score(table)
>>> result.rank.min(), result.grade.dtype.ordered
(1, True)
>>> heavier = wb.Scheme(wb.Framework.default()).with_weights({"team": 0.3}).score(table)
>>> round(heavier.compare(result).kendall_tau, 2) > 0.5
True
"""

from __future__ import annotations

import datetime as dt
import math
import os
import weakref
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal, Mapping

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

from . import aggregate as agg
from . import weights as wmethods
from ..data.core import BranchData
from ..files import YamlError, atomic_path, safe_yaml_load
from .framework import Aggregation, Framework, FrameworkError, Normalization, validate_model
from .assessment import Assessment, Comparison, results_table
from .labels import plain_data
from .normalize import MISSING_EARNS_ZERO, normalize

__all__ = ["Scheme", "Prepared", "Assessment", "Comparison", "MissingPolicy", "WEIGHT_PRESETS", "results_table"]

MissingPolicy = Literal["renormalize", "impute_township"]


# ============================================================ prepared matrix

@dataclass(frozen=True, eq=False)
class Prepared:
    """A table normalized under one set of normalization choices and missing policy.

    ``normalized`` is branches x indicators (0-100 for the 0-100 methods;
    NaN where a value is missing and the policy is to re-normalize weights).
    """

    index: pd.Index
    indicator_ids: tuple[str, ...]
    raw: pd.DataFrame
    normalized: np.ndarray
    present: np.ndarray          # bool: a value (observed or imputed) is there
    imputed: np.ndarray          # bool: the value was imputed
    flags: pd.DataFrame          # veto columns (raw)
    missing_policy: str
    groups: pd.Series | None
    period: int | None
    #: the branch kind of each row (a rule sheet's items apply by kind; standards group by it), or None
    kinds: np.ndarray | None = None
    #: bool, branches x indicators: the item applies to the branch (None: every item applies everywhere)
    applicable: np.ndarray | None = None
    #: bool per indicator: a missing value earns 0 (the methods of a rule sheet) instead of being left out
    zero_missing: np.ndarray | None = None
    #: bonus points earned per branch and bonus item (a rule sheet's 加分), or None
    bonus_items: pd.DataFrame | None = None
    #: bonus points added to each branch's total (the items' sum, within the framework's cap), or None
    bonus: np.ndarray | None = None

    @cached_property
    def complete(self) -> bool:
        return bool(self.present.all())

    @cached_property
    def filled(self) -> np.ndarray:
        """normalized with NaN as 0 (for the masked matrix products)."""
        return np.where(self.present, self.normalized, 0.0)

    @cached_property
    def present_float(self) -> np.ndarray:
        return self.present.astype("float64")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.normalized, index=self.index, columns=list(self.indicator_ids))

    @cached_property
    def missing_report(self) -> pd.DataFrame:
        """One row per branch and indicator without an observed value, and what was done."""
        observed = self.raw.notna().to_numpy()
        if self.applicable is not None:
            observed = observed | ~self.applicable   # an item of other kinds is not missing
        rows, cols = np.nonzero(~observed)
        ids = np.asarray(self.indicator_ids, dtype=object)
        zero = self.zero_missing[cols] if self.zero_missing is not None else np.zeros(len(cols), bool)
        action = np.where(self.imputed[rows, cols], "imputed by township mean",
                          np.where(zero, "earns 0 (no value)", "left out; weights re-normalized"))
        return pd.DataFrame({
            "branch_id": self.index.to_numpy()[rows],
            "indicator": ids[cols],
            "action": action,
            "imputed_score": np.where(self.imputed[rows, cols], self.normalized[rows, cols], np.nan),
        })


# ===================================================================== scheme

class _Override(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: str
    reason: str


class _SchemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme: str = "custom"
    framework: str | None = None
    weights: dict[str, float] = {}
    normalization: dict[str, Normalization] = {}
    aggregation: Aggregation | None = None
    missing: MissingPolicy | None = None
    created: str | None = None
    note: str = ""
    origin: dict = {}
    overrides: dict[str, _Override] = {}


class _Cache:
    """The last prepared table, shared by schemes that normalize the same way."""

    def __init__(self):
        self.table_ref = None
        self.groups_ref = None
        self.prepared: Prepared | None = None


class Scheme:
    """Weights and methods applied to an indicator table of a framework.

    Parameters
    ----------
    framework : Framework
    weights : mapping, optional
        Overrides of dimension weights and indicator weights (within their
        dimension), by id. Weights need not sum to 1: each level is
        normalized when scoring.
    normalization : mapping, optional
        Per-indicator overrides (a :class:`Normalization`, a dict, or a method
        name such as ``"minmax"``), or ``{"*": "rank"}`` for all indicators.
    aggregation : Aggregation or dict, optional
        ``{"indicators": "arithmetic"|"geometric", "dimensions": "arithmetic"|"geometric"|"topsis"}``.
    missing : "renormalize" or "impute_township", optional

    >>> s = Scheme(Framework.default()).with_weights({"team": 0.5})   # others keep 0.85 in all
    >>> round(float(s.dimension_weights["team"]), 2)
    0.37
    """

    def __init__(self, framework: Framework, *, weights: Mapping[str, float] | None = None,
                 normalization: Mapping[str, Normalization | dict | str] | None = None,
                 aggregation: Aggregation | Mapping | None = None,
                 missing: MissingPolicy | None = None, name: str = "default"):
        self.framework = framework
        self.name = name
        self.note = ""
        self.origin: dict = {}
        #: manual grade decisions: branch_id -> (grade, reason); applied after bands, vetoes and quotas
        self.overrides: dict[str, tuple[str, str]] = {}
        base = {d.id: float(d.weight) for d in framework.dimensions}
        base.update({i.id: float(i.weight) for i in framework.indicators})
        self._weights = _checked_weights(framework, base, weights or {})
        norms = {i.id: i.normalization for i in framework.indicators}
        for key, spec in (normalization or {}).items():
            targets = list(norms) if key == "*" else [key]
            if key != "*" and key not in norms:
                raise KeyError(f"normalization: {key!r} is not an indicator of framework {framework.name!r}")
            if isinstance(spec, str):
                spec = {"method": spec}
            for t in targets:
                if isinstance(spec, dict):
                    merged = {**(norms[t].model_dump() if spec.get("method") in (None, norms[t].method) else {}),
                              **spec}
                    norms[t] = _normalization_for(t, merged, framework)
                else:
                    norms[t] = spec
        self._norms = norms
        if aggregation is None:
            aggregation = framework.aggregation
        elif not isinstance(aggregation, Aggregation):
            aggregation = Aggregation(**{**framework.aggregation.model_dump(), **dict(aggregation)})
        self.aggregation = aggregation
        self.missing = missing or framework.missing
        if self.missing not in ("renormalize", "impute_township"):
            raise ValueError(f"missing must be 'renormalize' or 'impute_township', got {self.missing!r}")
        self._cache = _Cache()
        self._matrices = None
        self._statistics: dict[str, Mapping] = {}
        self._fill: Mapping[str, float] | None = None

    def __getstate__(self) -> dict:
        # The cache holds weak references (not picklable) and is only a speed-up.
        return {**self.__dict__, "_cache": _Cache(), "_matrices": None}

    # ------------------------------------------------------------ derivation
    def _derive(self, **changes) -> Scheme:
        new = Scheme.__new__(Scheme)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        new._matrices = None
        return new

    def with_weights(self, weights: Mapping[str, float], *, name: str | None = None) -> Scheme:
        """A new scheme with some dimension or indicator weights changed (others kept).

        >>> s = Scheme(Framework.default()).with_weights({"satisfaction": 0.0})
        >>> float(s.effective_weights["satisfaction"])
        0.0
        """
        return self._derive(_weights=_checked_weights(self.framework, self._weights, weights),
                            name=name or self.name)

    def with_origin(self, *, note: str | None = None, origin: Mapping | None = None, name: str | None = None
                    ) -> Scheme:
        """The same weights with a note and a record of where they came from.

        ``origin`` is plain data saved with the scheme and shown in exports, e.g.
        ``{"method": "ahp", "matrix": [[1, 3], [1/3, 1]], "cr": 0.0}``.

        >>> s = Scheme(Framework.default()).with_origin(note="county board, 2025", origin={"method": "equal"})
        >>> s.note, s.origin["method"]
        ('county board, 2025', 'equal')
        """
        changes = {}
        if note is not None:
            changes["note"] = str(note)
        if origin is not None:
            changes["origin"] = dict(origin)
        if name is not None:
            changes["name"] = name
        return self._derive(**changes)

    def with_overrides(self, overrides: Mapping[str, tuple[str, str] | Mapping], *, replace: bool = False
                       ) -> Scheme:
        """A scheme with manual grade decisions (直接评定): ``{branch_id: (grade, reason)}``.

        A decision sets the branch's final grade after bands, vetoes and quotas
        (an honour graded directly, a downgrade after a complaint); it needs a
        reason, is saved with the scheme and is listed in every result and export
        as an override, never silently. ``replace`` drops the earlier decisions;
        a grade of None removes one branch's decision.

        >>> s = Scheme(Framework.default()).with_overrides({"B001": ("strong", "县级先进党组织")})
        >>> s.overrides["B001"]
        ('strong', '县级先进党组织')
        """
        grades = self.framework.grade_ids
        merged = {} if replace else dict(self.overrides)
        for branch, decision in overrides.items():
            if isinstance(decision, Mapping):
                decision = (decision.get("grade"), decision.get("reason", ""))
            grade, reason = decision
            if grade is None:
                merged.pop(str(branch), None)
                continue
            if grade not in grades:
                raise ValueError(f"override of {branch!r}: {grade!r} is not a grade (grades: {grades})")
            if not str(reason or "").strip():
                raise ValueError(f"override of {branch!r}: a manual grade needs its reason "
                                 "(e.g. 'county honour 2025', 'complaint upheld')")
            merged[str(branch)] = (grade, str(reason).strip())
        return self._derive(overrides=merged)

    def with_effective_weights(self, weights: Mapping[str, float] | pd.Series, *, name: str | None = None
                               ) -> Scheme:
        """A scheme whose index-level (effective) indicator weights are ``weights``.

        Dimension weights become the sums of their indicators' weights; the
        weights within a dimension their shares. Used for data-derived weights
        (entropy, CRITIC) computed per indicator.
        """
        w = pd.Series(weights, dtype="float64")
        unknown = set(w.index) - set(self.framework.indicator_ids)
        if unknown:
            raise KeyError(f"not indicators of framework {self.framework.name!r}: {sorted(unknown)}")
        w = w.reindex(self.framework.indicator_ids).fillna(0.0)
        new: dict[str, float] = {}
        for dim in self.framework.dimensions:
            ids = [i.id for i in dim.indicators]
            total = float(w[ids].sum())
            new[dim.id] = total
            for i in ids:
                new[i] = float(w[i] / total) if total > 0 else self._weights[i]
        return self.with_weights(new, name=name)

    def with_preset(self, preset: str, table: pd.DataFrame | Prepared | None = None, *, groups=None
                    ) -> Scheme:
        """Weights by a named method: ``default`` (the framework's), ``equal``, ``entropy`` or ``critic``.

        The names are :data:`WEIGHT_PRESETS`. ``entropy`` and ``critic`` derive weights from the normalized values of
        ``table`` under this scheme's normalization.

        >>> s = Scheme(Framework.default()).with_preset("equal")
        >>> s.name, round(float(s.dimension_weights["team"]), 4)
        ('equal', 0.1667)
        """
        try:
            make = _PRESETS[preset]
        except KeyError:
            raise ValueError(f"unknown preset {preset!r}; expected one of {list(WEIGHT_PRESETS)}") from None
        return make(self, table, groups)

    def _share_cache(self, other: Scheme) -> Scheme:
        if self._norms == other._norms and self.missing == other.missing:
            self._cache = other._cache
        return self

    def with_normalization(self, normalization: Mapping[str, Normalization | dict | str]) -> Scheme:
        """A scheme with other normalizations (``{"*": "rank"}`` for all indicators)."""
        new = Scheme(self.framework, weights=self._weights, normalization={**self._norms, **normalization},
                     aggregation=self.aggregation, missing=self.missing, name=self.name)
        new.overrides = dict(self.overrides)
        return new

    def with_aggregation(self, *, indicators: str | None = None, dimensions: str | None = None) -> Scheme:
        """A scheme with other aggregation methods (shares the normalized matrix)."""
        current = self.aggregation.model_dump()
        if indicators:
            current["indicators"] = indicators
        if dimensions:
            current["dimensions"] = dimensions
        try:
            aggregation = Aggregation(**current)
        except Exception as exc:
            raise ValueError(f"aggregation: {exc}") from None
        return self._derive(aggregation=aggregation)

    def with_statistics(self, statistics: Mapping[str, Mapping], *,
                        fill: Mapping[str, float] | None = None) -> Scheme:
        """A scheme that normalizes against the statistics of a larger population.

        ``statistics`` maps indicator ids to the population statistics their
        normalization needs (``bounds``, ``moments`` or ``reference``: see
        :func:`workbench.assess.normalize.normalize`); ``fill`` is the mean normalized
        score per indicator that ``missing="impute_township"`` uses where a
        township has no value. ``workbench.scale`` computes both over a whole
        country and scores each partition with the scheme returned, so that
        every partition is normalized as if the country were one table.
        """
        new = self._derive(_statistics=dict(statistics), _fill=None if fill is None else dict(fill))
        new._cache = _Cache()
        return new

    def with_missing(self, policy: MissingPolicy) -> Scheme:
        """A scheme with another missing-value policy."""
        if policy not in ("renormalize", "impute_township"):
            raise ValueError(f"missing must be 'renormalize' or 'impute_township', got {policy!r}")
        new = self._derive(missing=policy)
        new._cache = _Cache()
        return new

    # ----------------------------------------------------------------- weights
    @property
    def weights(self) -> dict[str, float]:
        """The weights as given, by dimension and indicator id (not normalized)."""
        return dict(self._weights)

    @property
    def normalizations(self) -> dict[str, Normalization]:
        return dict(self._norms)

    @property
    def dimension_weights(self) -> pd.Series:
        """Dimension weights, summing to 1."""
        w = pd.Series({d.id: self._weights[d.id] for d in self.framework.dimensions}, dtype="float64")
        return w / w.sum()

    @property
    def indicator_weights(self) -> pd.Series:
        """Indicator weights within their dimension (each dimension's sum to 1)."""
        out = {}
        for dim in self.framework.dimensions:
            total = sum(self._weights[i.id] for i in dim.indicators)
            for i in dim.indicators:
                out[i.id] = self._weights[i.id] / total if total > 0 else 0.0
        return pd.Series(out, dtype="float64")

    @property
    def effective_weights(self) -> pd.Series:
        """Index-level weight of each indicator (dimension weight x weight within), summing to 1."""
        dims = self.dimension_weights
        within = self.indicator_weights
        return pd.Series({i: dims[self.framework.dimension_of(i)] * within[i] for i in within.index},
                         dtype="float64")

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """(indicator x dimension block of within-dimension weights, dimension weights)."""
        if self._matrices is None:
            # plain arrays, not the Series properties: this runs on every slider move
            fw = self.framework
            block = np.zeros((len(fw.indicator_ids), len(fw.dimensions)))
            dims = np.array([self._weights[d.id] for d in fw.dimensions], dtype="float64")
            k = 0
            for j, dim in enumerate(fw.dimensions):
                raw = np.array([self._weights[i.id] for i in dim.indicators], dtype="float64")
                total = raw.sum()
                block[k:k + len(raw), j] = raw / total if total > 0 else 0.0
                k += len(raw)
            self._matrices = (block, dims / dims.sum())
        return self._matrices

    # ---------------------------------------------------------------- scoring
    def prepare(self, table: pd.DataFrame, *, groups: pd.Series | BranchData | None = None) -> Prepared:
        """Normalize ``table`` (cached: a weight change re-uses the result)."""
        if isinstance(groups, BranchData):
            groups = groups.branches.set_index("branch_id")["township"]
        cache = self._cache
        if (cache.prepared is not None and cache.table_ref is not None and cache.table_ref() is table
                and (cache.groups_ref() if cache.groups_ref else None) is groups):
            return cache.prepared
        prepared = self._prepare(table, groups)
        cache.table_ref = weakref.ref(table)
        cache.groups_ref = weakref.ref(groups) if groups is not None else None
        cache.prepared = prepared
        return prepared

    def _prepare(self, table: pd.DataFrame, groups) -> Prepared:
        fw = self.framework
        ids = fw.indicator_ids
        missing_cols = [c for c in ids if c not in table.columns]
        if missing_cols:
            raise ValueError(f"the indicator table lacks {missing_cols}; compute it with the same "
                             f"framework ({fw.name!r})")
        raw = table[ids].astype("float64")
        values = raw.to_numpy()
        normalized = np.empty_like(values)
        for k, ind in enumerate(fw.indicators):
            normalized[:, k] = normalize(values[:, k], self._norms[ind.id], ind.direction,
                                         stats=self._statistics.get(ind.id))
        kinds = table["kind"].astype(str).to_numpy() if "kind" in table.columns else None
        applicable = None
        if any(i.applies_to for i in fw.indicators):
            if kinds is None:
                raise ValueError("the indicator table lacks the branch kinds some items apply to; compute it "
                                 f"with the same framework ({fw.name!r})")
            applicable = np.column_stack([np.isin(kinds, i.applies_to) if i.applies_to
                                          else np.ones(len(kinds), dtype=bool) for i in fw.indicators])
            normalized = np.where(applicable, normalized, np.nan)
        present = ~np.isnan(normalized)
        imputed = np.zeros_like(present)
        if self.missing == "impute_township" and not present.all():
            if groups is None:
                raise ValueError("missing='impute_township' needs groups: the township of each branch, "
                                 "e.g. groups=data (a BranchData) or data.branches.set_index('branch_id')['township']")
            g = pd.Series(groups).reindex(table.index)
            if g.isna().any():
                raise ValueError(f"groups lacks the township of {int(g.isna().sum())} branch(es), "
                                 f"e.g. {g[g.isna()].index[0]!r}")
            frame = pd.DataFrame(normalized, index=table.index, columns=ids)
            town_mean = frame.groupby(g.to_numpy()).transform("mean")
            county_mean = frame.mean() if self._fill is None else pd.Series(self._fill).reindex(ids)
            fill = town_mean.fillna(county_mean).to_numpy()
            imputed = ~present & ~np.isnan(fill)
            if applicable is not None:
                imputed &= applicable
            normalized = np.where(imputed, fill, normalized)
            present = present | imputed
        flag_cols = [v.column for v in fw.vetoes]
        flags = table.reindex(columns=sorted(set(flag_cols)))
        bonus_items, bonus = _bonus(fw, table, kinds)
        zero_missing = np.array([self._norms[i].method in MISSING_EARNS_ZERO for i in ids], dtype=bool)
        return Prepared(index=table.index, indicator_ids=tuple(ids), raw=raw, normalized=normalized,
                        present=present, imputed=imputed, flags=flags, missing_policy=self.missing,
                        groups=None if groups is None else pd.Series(groups).reindex(table.index),
                        period=table.attrs.get("period"), kinds=kinds, applicable=applicable,
                        zero_missing=zero_missing, bonus_items=bonus_items, bonus=bonus)

    def score(self, table: pd.DataFrame | Prepared, *, groups: pd.Series | BranchData | None = None
              ) -> Assessment:
        """Score every branch: dimension scores, total, rank, grade (with vetoes and quota)."""
        prepared = table if isinstance(table, Prepared) else self.prepare(table, groups=groups)
        dims, total = self.aggregate(prepared)
        return Assessment(self, prepared, dims, total)

    def aggregate(self, prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
        """Dimension scores (branches x dimensions) and totals for a prepared table."""
        block, wd = self.matrices()
        how = self.aggregation.indicators
        if how == "arithmetic":
            if prepared.complete:
                dims = prepared.normalized @ block
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    den = prepared.present_float @ block
                    dims = np.where(den > 0, (prepared.filled @ block) / np.where(den > 0, den, 1), np.nan)
        else:
            dims = np.column_stack([
                agg.geometric(prepared.normalized[:, block[:, j] > 0], block[block[:, j] > 0, j])
                for j in range(block.shape[1])])
        if self.aggregation.dimensions == "points":
            total = points_total(prepared, block @ wd)
        else:
            total = agg.METHODS[self.aggregation.dimensions](dims, wd)
        return dims, total

    # ------------------------------------------------------------------- files
    def to_yaml(self, path: str | os.PathLike, *, note: str | None = None) -> Path:
        """Save the weights and methods (atomically); reloading gives exactly the same weights.

        >>> import tempfile
        >>> s = Scheme(Framework.default()).with_weights({"team": 1 / 3}, name="thirds")
        >>> back = Scheme.from_yaml(s.to_yaml(Path(tempfile.mkdtemp()) / "s.yaml"))
        >>> back.weights == s.weights and back.name == "thirds"
        True
        """
        fw = self.framework
        defaults = {i.id: i.normalization for i in fw.indicators}
        doc = {
            "scheme": self.name,
            "framework": fw.name,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "note": self.note if note is None else note,
            "origin": plain_data(self.origin),
            # full precision (yaml writes a float's repr): a scheme reloads to exactly its weights
            "weights": {k: float(v) for k, v in self._weights.items()},
            "normalization": {k: v.model_dump(exclude_defaults=True) for k, v in self._norms.items()
                              if v != defaults[k]},
            "aggregation": self.aggregation.model_dump(),
            "missing": self.missing,
        }
        if self.overrides:
            doc["overrides"] = {b: {"grade": g, "reason": r} for b, (g, r) in self.overrides.items()}
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    @classmethod
    def from_yaml(cls, path: str | os.PathLike, framework: Framework | None = None) -> Scheme:
        """Load a scheme saved by :meth:`to_yaml` (validated; errors name the key)."""
        framework = framework or Framework.default()
        path = Path(path)
        try:
            raw = safe_yaml_load(path.read_bytes(), source=str(path))
        except OSError as exc:
            raise FrameworkError(f"{path}: cannot read the scheme file: {exc.strerror or exc}") from None
        except YamlError as exc:
            raise FrameworkError(str(exc)) from None
        doc = validate_model(_SchemeFile, raw if raw is not None else {}, str(path))
        if doc.framework and doc.framework != framework.name:
            raise FrameworkError(f"{path}: framework: the scheme was made for {doc.framework!r}, "
                                 f"not {framework.name!r}")
        try:
            scheme = cls(framework, weights=doc.weights, normalization=doc.normalization,
                         aggregation=doc.aggregation, missing=doc.missing, name=doc.scheme)
            if doc.overrides:
                scheme = scheme.with_overrides({b: (o.grade, o.reason) for b, o in doc.overrides.items()})
        except (KeyError, ValueError) as exc:
            raise FrameworkError(f"{path}: {exc.args[0] if exc.args else exc}") from None
        return scheme.with_origin(note=doc.note, origin=doc.origin)

    def __repr__(self) -> str:
        dims = ", ".join(f"{k}={v:.2f}" for k, v in self.dimension_weights.items())
        return (f"Scheme({self.name!r}, {dims}; indicators={self.aggregation.indicators}, "
                f"dimensions={self.aggregation.dimensions}, missing={self.missing})")

    def describe(self, lang: str = "en") -> pd.DataFrame:
        """Weights and methods per indicator (what to_excel writes)."""
        fw = self.framework
        dims = self.dimension_weights
        within = self.indicator_weights
        eff = self.effective_weights
        rows = []
        for dim in fw.dimensions:
            for ind in dim.indicators:
                spec = self._norms[ind.id]
                params = {k: v for k, v in spec.model_dump(exclude_defaults=True).items() if k != "method"}
                rows.append({
                    "dimension": dim.id, "dimension_label": dim.label(lang),
                    "indicator": ind.id, "indicator_label": ind.label(lang),
                    "unit": ind.unit_zh if lang == "zh" and ind.unit_zh else ind.unit,
                    "derivation": ind.derivation, "direction": ind.direction,
                    "normalization": spec.method,
                    "parameters": ", ".join(f"{k}={v:g}" for k, v in params.items()),
                    "dimension_weight": dims[dim.id], "weight_within_dimension": within[ind.id],
                    "effective_weight": eff[ind.id],
                })
        return pd.DataFrame(rows)


def points_total(prepared: Prepared, effective: np.ndarray) -> np.ndarray:
    """The total of a points framework: 100 x points earned / points of the items that apply, + bonus.

    ``effective`` are the index-level weights of the items (their points as
    shares); the normalized scores are the shares of each item's points earned
    (x 100). Items that do not apply to a branch are not present and leave its
    denominator; a missing value on an item that applies scores 0.

    >>> p = Prepared(pd.Index(["a"]), ("x", "y"), pd.DataFrame(), np.array([[50.0, np.nan]]),
    ...              np.array([[True, False]]), np.zeros((1, 2), bool), pd.DataFrame(), "renormalize", None, None,
    ...              bonus=np.array([2.0]))
    >>> points_total(p, np.array([0.25, 0.75])).tolist()     # only x applies: 50 % of it, + 2 bonus points
    [52.0]
    """
    if prepared.complete:
        total = prepared.normalized @ effective
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            den = prepared.present_float @ effective
            total = np.where(den > 0, (prepared.filled @ effective) / np.where(den > 0, den, 1), np.nan)
    if prepared.bonus is not None:
        total = total + prepared.bonus
    return total


def _bonus(framework: Framework, table: pd.DataFrame, kinds) -> tuple[pd.DataFrame | None, np.ndarray | None]:
    """Bonus points per branch and item (min(points, per_unit x value), 0 when missing or not applicable)."""
    if not framework.bonus:
        return None, None
    lacking = [b.id for b in framework.bonus if b.id not in table.columns]
    if lacking:
        raise ValueError(f"the indicator table lacks the bonus items {lacking}; compute it with the same "
                         f"framework ({framework.name!r})")
    earned = {}
    for b in framework.bonus:
        value = table[b.id].to_numpy(dtype="float64")
        points = np.nan_to_num(np.clip(b.per_unit * value, 0.0, b.points), nan=0.0)
        if b.applies_to:
            if kinds is None:
                raise ValueError(f"the indicator table lacks the branch kinds bonus item {b.id!r} applies to")
            points = np.where(np.isin(kinds, b.applies_to), points, 0.0)
        earned[b.id] = points
    items = pd.DataFrame(earned, index=table.index)
    return items, np.minimum(items.to_numpy().sum(axis=1), framework.max_bonus)


def _checked_weights(framework: Framework, weights: Mapping[str, float], changes: Mapping[str, float]
                     ) -> dict[str, float]:
    """``weights`` with ``changes`` applied, every rule of a valid weighting checked once (the one place).

    Ids are dimensions or indicators of ``framework``; weights are finite and
    non-negative; some dimension keeps a weight; a dimension that keeps a
    weight keeps a weighted indicator.
    """
    merged = dict(weights)
    for key, value in changes.items():
        if key not in merged:
            raise KeyError(f"weights: {key!r} is neither a dimension nor an indicator of "
                           f"framework {framework.name!r}")
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weights: {key!r} must be a non-negative number, got {value}")
        merged[key] = value
    if not any(merged[d.id] > 0 for d in framework.dimensions):
        raise ValueError("every dimension weight is 0; give at least one dimension a positive weight")
    for dim in framework.dimensions:
        if merged[dim.id] > 0 and not any(merged[i.id] > 0 for i in dim.indicators):
            raise ValueError(f"weights: every indicator of dimension {dim.id!r} would be 0 "
                             "while the dimension keeps a weight")
    return merged


# ------------------------------------------------------------------ presets

def _framework_preset(scheme: Scheme, table, groups) -> Scheme:
    new = Scheme(scheme.framework, normalization=scheme._norms, aggregation=scheme.aggregation,
                 missing=scheme.missing, name="default")._share_cache(scheme)
    new.overrides = dict(scheme.overrides)
    return new


def _equal_preset(scheme: Scheme, table, groups) -> Scheme:
    equal = {d.id: 1.0 for d in scheme.framework.dimensions}
    equal.update({i.id: 1.0 for i in scheme.framework.indicators})
    return scheme.with_weights(equal, name="equal")


def _derived_preset(name: str, derive):
    """A preset of weights derived from the normalized table (entropy, CRITIC)."""
    def preset(scheme: Scheme, table, groups) -> Scheme:
        if table is None:
            raise ValueError(f"the {name!r} preset derives weights from data: pass the indicator table")
        prepared = table if isinstance(table, Prepared) else scheme.prepare(table, groups=groups)
        matrix = pd.DataFrame(prepared.normalized, columns=list(prepared.indicator_ids))
        return scheme.with_effective_weights(derive(matrix), name=name)
    return preset


#: Named weightings, by name: ``Scheme.with_preset(name)``. A new preset is a function and an entry here.
_PRESETS = {
    "default": _framework_preset,
    "equal": _equal_preset,
    "entropy": _derived_preset("entropy", lambda m: wmethods.entropy(m.clip(lower=0))),
    "critic": _derived_preset("critic", lambda m: wmethods.critic(m.fillna(m.mean()), normalize=True)),
}

#: The names :meth:`Scheme.with_preset` takes, in the order a picker lists them.
WEIGHT_PRESETS: tuple[str, ...] = tuple(_PRESETS)


def _normalization_for(indicator_id: str, spec: dict, framework: Framework) -> Normalization:
    try:
        return Normalization(**spec)
    except Exception as exc:
        raise ValueError(f"normalization of {indicator_id!r}: {exc}") from None
