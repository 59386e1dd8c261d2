"""Schemes (weights + methods) and Assessments (scores, ranks, grades).

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
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Mapping

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict
from scipy import stats

from . import aggregate as agg
from . import weights as wmethods
from ..data.core import BranchData
from ..files import atomic_path
from .framework import Aggregation, Framework, FrameworkError, Normalization, validate_model
from .._version import __version__
from .kernel import Grading, min_rank, rank_rows
from .labels import bilingual, both, column_label, method_sheet
from .normalize import normalize

__all__ = ["Scheme", "Prepared", "Assessment", "Comparison", "MissingPolicy", "results_table"]

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
        rows, cols = np.nonzero(~observed)
        ids = np.asarray(self.indicator_ids, dtype=object)
        action = np.where(self.imputed[rows, cols], "imputed by township mean",
                          "left out; weights re-normalized")
        return pd.DataFrame({
            "branch_id": self.index.to_numpy()[rows],
            "indicator": ids[cols],
            "action": action,
            "imputed_score": np.where(self.imputed[rows, cols], self.normalized[rows, cols], np.nan),
        })


# ===================================================================== scheme

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
        base = {d.id: float(d.weight) for d in framework.dimensions}
        base.update({i.id: float(i.weight) for i in framework.indicators})
        for key, value in (weights or {}).items():
            if key not in base:
                raise KeyError(f"weights: {key!r} is neither a dimension nor an indicator of "
                               f"framework {framework.name!r}")
            value = float(value)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weights: {key!r} must be a non-negative number, got {value}")
            base[key] = value
        self._weights = base
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
        self._check_levels()
        self._cache = _Cache()
        self._matrices = None
        self._statistics: dict[str, Mapping] = {}
        self._fill: Mapping[str, float] | None = None

    def __getstate__(self) -> dict:
        # The cache holds weak references (not picklable) and is only a speed-up.
        return {**self.__dict__, "_cache": _Cache(), "_matrices": None}

    def _check_levels(self) -> None:
        if not any(self._weights[d.id] > 0 for d in self.framework.dimensions):
            raise ValueError("every dimension weight is 0; give at least one dimension a positive weight")

    # ------------------------------------------------------------ derivation
    def _derive(self, **changes) -> Scheme:
        new = Scheme.__new__(Scheme)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        new._matrices = None
        new._check_levels()
        return new

    def with_weights(self, weights: Mapping[str, float], *, name: str | None = None) -> Scheme:
        """A new scheme with some dimension or indicator weights changed (others kept).

        >>> s = Scheme(Framework.default()).with_weights({"satisfaction": 0.0})
        >>> float(s.effective_weights["satisfaction"])
        0.0
        """
        merged = dict(self._weights)
        for key, value in weights.items():
            if key not in merged:
                raise KeyError(f"weights: {key!r} is neither a dimension nor an indicator of "
                               f"framework {self.framework.name!r}")
            value = float(value)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weights: {key!r} must be a non-negative number, got {value}")
            merged[key] = value
        for dim in self.framework.dimensions:
            if merged[dim.id] > 0 and not any(merged[i.id] > 0 for i in dim.indicators):
                raise ValueError(f"weights: every indicator of dimension {dim.id!r} would be 0 "
                                 "while the dimension keeps a weight")
        return self._derive(_weights=merged, name=name or self.name)

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

        ``entropy`` and ``critic`` derive weights from the normalized values of
        ``table`` under this scheme's normalization.
        """
        if preset == "default":
            return Scheme(self.framework, normalization=self._norms, aggregation=self.aggregation,
                          missing=self.missing, name="default")._share_cache(self)
        if preset == "equal":
            eq = {d.id: 1.0 for d in self.framework.dimensions}
            eq.update({i.id: 1.0 for i in self.framework.indicators})
            return self.with_weights(eq, name="equal")
        if preset in ("entropy", "critic"):
            if table is None:
                raise ValueError(f"the {preset!r} preset derives weights from data: pass the indicator table")
            prepared = table if isinstance(table, Prepared) else self.prepare(table, groups=groups)
            matrix = pd.DataFrame(prepared.normalized, columns=list(prepared.indicator_ids))
            if preset == "entropy":
                w = wmethods.entropy(matrix.clip(lower=0))
            else:
                w = wmethods.critic(matrix.fillna(matrix.mean()), normalize=True)
            return self.with_effective_weights(w, name=preset)
        raise ValueError(f"unknown preset {preset!r}; expected default, equal, entropy or critic")

    def _share_cache(self, other: Scheme) -> Scheme:
        if self._norms == other._norms and self.missing == other.missing:
            self._cache = other._cache
        return self

    def with_normalization(self, normalization: Mapping[str, Normalization | dict | str]) -> Scheme:
        """A scheme with other normalizations (``{"*": "rank"}`` for all indicators)."""
        new = Scheme(self.framework, weights=self._weights, normalization={**self._norms, **normalization},
                     aggregation=self.aggregation, missing=self.missing, name=self.name)
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
            normalized = np.where(imputed, fill, normalized)
            present = present | imputed
        flag_cols = [v.column for v in fw.vetoes]
        flags = table.reindex(columns=sorted(set(flag_cols)))
        return Prepared(index=table.index, indicator_ids=tuple(ids), raw=raw, normalized=normalized,
                        present=present, imputed=imputed, flags=flags, missing_policy=self.missing,
                        groups=None if groups is None else pd.Series(groups).reindex(table.index),
                        period=table.attrs.get("period"))

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
        total = agg.METHODS[self.aggregation.dimensions](dims, wd)
        return dims, total

    # ------------------------------------------------------------------- files
    def to_yaml(self, path: str | os.PathLike, *, note: str = "") -> Path:
        """Save the weights and methods (atomically)."""
        fw = self.framework
        defaults = {i.id: i.normalization for i in fw.indicators}
        doc = {
            "scheme": self.name,
            "framework": fw.name,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "note": note,
            "weights": {k: round(v, 10) for k, v in self._weights.items()},
            "normalization": {k: v.model_dump(exclude_defaults=True) for k, v in self._norms.items()
                              if v != defaults[k]},
            "aggregation": self.aggregation.model_dump(),
            "missing": self.missing,
        }
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
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FrameworkError(f"{path}: cannot read the scheme file: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise FrameworkError(f"{path}: not valid YAML: {exc}") from None
        doc = validate_model(_SchemeFile, raw if raw is not None else {}, str(path))
        if doc.framework and doc.framework != framework.name:
            raise FrameworkError(f"{path}: framework: the scheme was made for {doc.framework!r}, "
                                 f"not {framework.name!r}")
        try:
            return cls(framework, weights=doc.weights, normalization=doc.normalization,
                       aggregation=doc.aggregation, missing=doc.missing, name=doc.scheme)
        except (KeyError, ValueError) as exc:
            raise FrameworkError(f"{path}: {exc.args[0] if exc.args else exc}") from None

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


def _normalization_for(indicator_id: str, spec: dict, framework: Framework) -> Normalization:
    try:
        return Normalization(**spec)
    except Exception as exc:
        raise ValueError(f"normalization of {indicator_id!r}: {exc}") from None


# ================================================================ assessment

class Assessment:
    """The result of scoring: dimension scores, total, rank, grade, vetoes, quota.

    Attributes are Series / DataFrames indexed by branch_id: ``total``,
    ``rank`` (Int64, 1 = best, ties share the smallest rank), ``grade``
    (ordered Categorical, worst first), ``dimensions``.
    """

    def __init__(self, scheme: Scheme, prepared: Prepared, dims: np.ndarray, total: np.ndarray):
        self.scheme = scheme
        self.framework = scheme.framework
        self.prepared = prepared
        self.period = prepared.period
        self._dims = dims
        self._total = total
        # the work is done here, in numpy (the one-draw case of the kernel the Monte Carlo engine runs);
        # the pandas objects are built when first read
        ranking = rank_rows(total[None, :])
        self._ranks = min_rank(total, ranking)
        grading = Grading(self.framework, prepared.flags)
        self._grade_codes, self._veto_hits, self.quota_demoted = grading.grade_one(total, ranking)

    @cached_property
    def total(self) -> pd.Series:
        return pd.Series(self._total, index=self.prepared.index, name="total")

    @cached_property
    def rank(self) -> pd.Series:
        return pd.Series(self._ranks, index=self.prepared.index, name="rank")

    @cached_property
    def grade(self) -> pd.Series:
        return pd.Series(pd.Categorical.from_codes(self._grade_codes, dtype=self.grade_dtype),
                         index=self.prepared.index, name="grade")

    @property
    def grade_dtype(self) -> pd.CategoricalDtype:
        return _grade_dtype(tuple(self.framework.grade_ids))

    @cached_property
    def dimensions(self) -> pd.DataFrame:
        return pd.DataFrame(self._dims, index=self.prepared.index, columns=self.framework.dimension_ids)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Normalized indicator scores (after the missing policy)."""
        return self.prepared.frame()

    @property
    def missing(self) -> pd.DataFrame:
        """Branches and indicators without an observed value, and what the policy did."""
        return self.prepared.missing_report

    @cached_property
    def vetoes(self) -> pd.DataFrame:
        """Vetoes that lowered a grade: branch_id, veto, grade before the veto, grade after."""
        fw = self.framework
        cats = self.grade_dtype.categories
        rows = [{"branch_id": self.prepared.index[b], "veto": fw.vetoes[v].id,
                 "veto_zh": fw.vetoes[v].zh, "veto_en": fw.vetoes[v].en,
                 "grade_before": cats[before], "grade_after": cats[after]}
                for b, v, before, after in self._veto_hits]
        return pd.DataFrame(rows, columns=["branch_id", "veto", "veto_zh", "veto_en",
                                           "grade_before", "grade_after"])

    def grade_counts(self) -> pd.Series:
        """Branches per grade, best first."""
        return self.grade.value_counts().reindex(self.framework.grade_ids).fillna(0).astype(int)

    def frame(self, lang: str | None = None) -> pd.DataFrame:
        """Results per branch: total, rank, grade and the dimension scores, best first."""
        out = pd.concat([self.total, self.rank, self.grade, self.dimensions], axis=1)
        out = out.sort_values(["rank", "total"], na_position="last")
        if lang:
            out = out.rename(columns=lambda c: column_label(self.framework, c, lang))
        return out

    # ------------------------------------------------------------- comparison
    def compare(self, other: Assessment) -> Comparison:
        """Compare with ``other`` taken as the reference ("before"): rank shifts, grade transitions, tau, rho.

        ``shift`` is ``rank_before - rank_after``: positive when a branch moved up.
        """
        return Comparison.between(before=other, after=self)

    def explain(self, branch_id: str, *, lang: str = "en") -> pd.DataFrame:
        """Which indicators raise or lower this branch most.

        contribution = the branch's effective weight of the indicator x (its
        normalized score - the mean normalized score of all branches). With
        arithmetic aggregation and complete data the contributions add up to
        the branch's total minus the mean total. Sorted from the most raising
        to the most lowering.
        """
        if branch_id not in self.prepared.index:
            raise KeyError(f"no branch {branch_id!r} in this assessment")
        b = self.prepared.index.get_loc(branch_id)
        block, wd = self.scheme.matrices()
        present = self.prepared.present[b]
        within = block * present[:, None]
        sums = within.sum(axis=0)
        within = np.divide(within, sums, out=np.zeros_like(within), where=sums > 0)
        dims_present = sums > 0
        wd_b = np.where(dims_present, wd, 0.0)
        wd_b = wd_b / wd_b.sum() if wd_b.sum() > 0 else wd_b
        weight = within @ wd_b
        norm = self.prepared.normalized
        means = np.nanmean(np.where(self.prepared.present, norm, np.nan), axis=0)
        contribution = weight * (np.nan_to_num(norm[b]) - np.nan_to_num(means))
        contribution = np.where(present, contribution, 0.0)
        fw = self.framework
        out = pd.DataFrame({
            "indicator": fw.indicator_ids,
            "label": [i.label(lang) for i in fw.indicators],
            "dimension": [fw.dimension_of(i) for i in fw.indicator_ids],
            "value": self.prepared.raw.iloc[b].to_numpy(),
            "score": norm[b],
            "mean_score": means,
            "weight": weight,
            "contribution": contribution,
        })
        return out.sort_values("contribution", ascending=False, kind="stable").reset_index(drop=True)

    # ----------------------------------------------------------------- export
    def to_excel(self, path: str | os.PathLike, *, data: BranchData | None = None) -> Path:
        """Write results, dimension scores, indicator values, weights and methods to a workbook.

        Headers are Chinese and English ("总分 Total"); the weights and methods
        sheets hold everything needed to reproduce the numbers. ``data`` adds
        branch names and townships. The file is written atomically.
        """
        fw = self.framework
        results = self.frame()
        if data is not None:
            info = data.branches.set_index("branch_id")[["name", "township", "kind"]]
            results = info.reindex(results.index).join(results)
        vetoed = self.vetoes.groupby("branch_id")["veto_zh"].agg("、".join) if len(self.vetoes) else pd.Series(dtype=str)
        results["veto"] = vetoed.reindex(results.index).fillna("").astype(object)
        labels = {g.id: f"{g.zh} {g.en}" for g in fw.grades}
        results.insert(results.columns.get_loc("grade") + 1, "grade_label",
                       results["grade"].astype(object).map(labels))
        results.insert(0, "branch_id", results.index)
        sheets = {
            both("sheet_results"): bilingual(fw, results),
            both("sheet_dimensions"): bilingual(fw, self.dimensions.reset_index()),
            both("sheet_indicator_values"): bilingual(fw, self.prepared.raw.reset_index()),
            both("sheet_indicator_scores"): bilingual(fw, self.indicators.reset_index()),
            both("sheet_weights"): bilingual(fw, self.scheme.describe("zh").merge(
                self.scheme.describe("en")[["indicator", "dimension_label", "indicator_label"]],
                on="indicator", suffixes=("_zh", "_en"))),
            both("sheet_method"): self._method_sheet(),
            both("sheet_vetoes"): bilingual(fw, self.vetoes),
            both("sheet_missing"): bilingual(fw, self.missing),
        }
        path = Path(path)
        with atomic_path(path) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name[:31], index=False)
        return path

    def _method_sheet(self) -> pd.DataFrame:
        fw, s = self.framework, self.scheme
        quotas = "; ".join(f"{q.grade} ≤ {q.max_share:.0%}" + (f" ({q.scope})" if q.scope else "")
                           for q in fw.quota_rules)
        rows = [
            ("framework", f"{fw.name} v{fw.version} ({fw.zh} / {fw.en})"),
            ("scheme", s.name),
            ("period", self.period),
            ("indicator_aggregation", s.aggregation.indicators),
            ("dimension_aggregation", s.aggregation.dimensions),
            ("missing", s.missing),
            ("grades", "; ".join(f"{g.zh} {g.en} ≥ {g.min:g}" if g.min is not None else
                                 f"{g.zh} {g.en} (veto only)" for g in fw.grades)),
            ("vetoes", "; ".join(f"{v.zh}: {v.column} {v.op} {v.value:g} → ≤ {v.cap}" for v in fw.vetoes)),
            ("quota", quotas or "none"),
            ("software", f"workbench {__version__}"),
            ("created", dt.datetime.now().isoformat(timespec="seconds")),
        ]
        return method_sheet(rows)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.grade_counts().items())
        return f"Assessment(period={self.period}, branches={len(self.total)}, {counts})"


# ================================================================ results table

def results_table(total: pd.Series, rank: pd.Series, grade: pd.Series, dimensions: pd.DataFrame) -> pd.DataFrame:
    """The engine-neutral results table: branch_id, total, rank, grade, one column per dimension.

    What ``workbench score -o results.parquet`` writes, whether pandas or Dask scored.

    >>> idx = pd.Index(["B1", "B2"], name="branch_id")
    >>> results_table(pd.Series([90.0, 80.0], idx, name="total"), pd.Series([1, 2], idx, name="rank"),
    ...               pd.Series(["strong", "basic"], idx, name="grade"),
    ...               pd.DataFrame({"team": [1.0, 2.0]}, idx)).columns.tolist()
    ['branch_id', 'total', 'rank', 'grade', 'team']
    """
    out = pd.concat([total, rank, grade.astype(str), dimensions], axis=1)
    return out.reset_index()


# ================================================================ ranks, grades

@lru_cache(maxsize=64)
def _grade_dtype(grade_ids: tuple[str, ...]) -> pd.CategoricalDtype:
    """Grades worst first, ordered (built once per set of grades: a re-score must not rebuild it)."""
    return pd.CategoricalDtype(list(reversed(grade_ids)), ordered=True)


# ================================================================ comparison

@dataclass
class Comparison:
    """Rank shifts, grade transitions and rank correlations between two assessments."""

    table: pd.DataFrame
    transitions: pd.DataFrame
    kendall_tau: float
    spearman_rho: float
    mean_abs_shift: float
    grade_changes: int = field(default=0)

    @classmethod
    def between(cls, *, before: Assessment, after: Assessment) -> Comparison:
        common = before.total.index.intersection(after.total.index, sort=False)
        rb = before.rank.reindex(common)
        ra = after.rank.reindex(common)
        table = pd.DataFrame({
            "rank_before": rb, "rank_after": ra, "shift": (rb - ra).astype("Int64"),
            "total_before": before.total.reindex(common), "total_after": after.total.reindex(common),
            "grade_before": before.grade.reindex(common), "grade_after": after.grade.reindex(common),
        })
        both = table[["rank_before", "rank_after"]].dropna().astype("float64")
        if len(both) > 1:
            tau = float(stats.kendalltau(both["rank_before"], both["rank_after"]).statistic)
            rho = float(stats.spearmanr(both["rank_before"], both["rank_after"]).statistic)
        else:
            tau = rho = float("nan")
        grades_b = list(before.grade_dtype.categories)[::-1]
        grades_a = list(after.grade_dtype.categories)[::-1]
        transitions = pd.crosstab(table["grade_before"], table["grade_after"], dropna=False)
        transitions = transitions.reindex(index=grades_b, columns=grades_a, fill_value=0)
        transitions.index.name, transitions.columns.name = "before", "after"
        shift = table["shift"].astype("float64")
        changes = int((table["grade_before"].astype(object) != table["grade_after"].astype(object)).sum())
        return cls(table=table, transitions=transitions, kendall_tau=tau, spearman_rho=rho,
                   mean_abs_shift=float(np.nanmean(np.abs(shift))) if len(shift) else 0.0,
                   grade_changes=changes)

    def movers(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` branches that moved most (up or down)."""
        order = self.table["shift"].astype("float64").abs().sort_values(ascending=False, kind="stable")
        return self.table.loc[order.index[:n]]
