"""The assessment framework: dimensions, indicators, grades, vetoes, quota, rules and screening.

A framework is data (YAML). ``Framework.default()`` is the six key points of the
"double transformation, double strength" work with 29 indicators, all derived
from the workbench tables (``workbench.assess.indicators``). Loading validates every
key and names the one that is wrong.

>>> fw = Framework.default()
>>> [d.id for d in fw.dimensions]
['team', 'education', 'organization', 'red', 'inspection', 'functions']
>>> fw.indicator("satisfaction").direction
'higher'
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..files import YamlError, atomic_path, safe_yaml_load
from .kernel import QuotaRule
from .normalize import METHODS as NORMALIZATIONS
from .ruleset import RuleSet, Screening

__all__ = [
    "Framework",
    "Dimension",
    "Indicator",
    "Normalization",
    "GradeBand",
    "Veto",
    "Quota",
    "Flag",
    "Aggregation",
    "FrameworkError",
]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class FrameworkError(ValueError):
    """A framework (or scheme) file that is not valid; the message names the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an identifier (lower-case letters, digits and _ ; "
                         "starting with a letter)")
    return value


class Normalization(_Model):
    """How raw indicator values become 0-100 scores (higher is better after normalization).

    - ``minmax``: (x - min) / (max - min) * 100 over the branches assessed.
    - ``zscore``: center + scale * (x - mean) / sd (center 50, scale 10: a T-score).
    - ``rank``: percentile rank * 100 (ties share the mean rank).
    - ``target``: distance to a target: 100 at ``target`` or better, 0 at ``worst``
      (default 0), linear between.
    - ``goalposts``: fixed bounds ``low`` and ``high`` (absolute min-max), clipped.

    ``direction="lower"`` of the indicator reverses minmax, zscore, rank and
    goalposts; ``target`` uses target and worst as given (worst above target
    for lower-is-better indicators).
    """

    method: str = "minmax"
    target: float | None = None
    worst: float | None = None
    low: float | None = None
    high: float | None = None
    center: float = 50.0
    scale: float = 10.0

    @field_validator("method")
    @classmethod
    def _registered(cls, method: str) -> str:
        if method not in NORMALIZATIONS:
            raise ValueError(f"unknown normalization method {method!r}; expected one of {list(NORMALIZATIONS)}")
        return method

    @model_validator(mode="after")
    def _parameters(self):
        if self.method == "target" and self.target is None:
            raise ValueError("method 'target' needs a 'target' value")
        if self.method == "goalposts":
            if self.low is None or self.high is None:
                raise ValueError("method 'goalposts' needs 'low' and 'high'")
            if not self.high > self.low:
                raise ValueError(f"goalposts need high > low (got low={self.low}, high={self.high})")
        if self.method == "target" and self.worst is not None and self.worst == self.target:
            raise ValueError("'worst' must differ from 'target'")
        if self.scale <= 0:
            raise ValueError("'scale' must be positive")
        return self


class Indicator(_Model):
    """One indicator: how it is derived, which way is better, how it is normalized, its weight."""

    id: str
    zh: str
    en: str
    unit: str = ""
    unit_zh: str = ""
    derive: str | None = None  # name of the derivation; defaults to the id
    direction: Literal["higher", "lower"] = "higher"
    normalization: Normalization = Normalization()
    weight: float = Field(1.0, ge=0)
    description: str = ""

    _id = field_validator("id")(_check_id)

    @property
    def derivation(self) -> str:
        return self.derive or self.id

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @model_validator(mode="after")
    def _direction_matches_target(self):
        n = self.normalization
        if n.method == "target" and n.worst is not None:
            better_is_higher = n.target > n.worst
            if better_is_higher != (self.direction == "higher"):
                raise ValueError(
                    f"direction {self.direction!r} but target {n.target} is "
                    f"{'above' if better_is_higher else 'below'} worst {n.worst}")
        return self


class Dimension(_Model):
    id: str
    zh: str
    en: str
    weight: float = Field(1.0, ge=0)
    indicators: list[Indicator] = Field(min_length=1)
    description: str = ""

    _id = field_validator("id")(_check_id)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @model_validator(mode="after")
    def _some_weight(self):
        if not any(i.weight > 0 for i in self.indicators):
            raise ValueError(f"dimension {self.id!r}: every indicator weight is 0")
        return self


class GradeBand(_Model):
    """A grade reached at ``min`` points or more; ``min: null`` = reached only through a veto."""

    id: str
    zh: str
    en: str
    min: float | None = None

    _id = field_validator("id")(_check_id)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class Veto(_Model):
    """One-vote veto: when ``column op value`` holds, the grade is at most ``cap``."""

    id: str
    zh: str
    en: str
    column: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float
    cap: str

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class Quota(_Model):
    """At most ``max_share`` of the branches assessed may hold ``grade``."""

    grade: str
    max_share: float = Field(gt=0, le=1)


class Flag(_Model):
    """A derived column used by vetoes but not scored (e.g. listed as weak and lax)."""

    id: str
    zh: str
    en: str
    derive: str | None = None

    _id = field_validator("id")(_check_id)

    @property
    def derivation(self) -> str:
        return self.derive or self.id


class Aggregation(_Model):
    """How indicators combine into a dimension, and dimensions into the total."""

    indicators: Literal["arithmetic", "geometric"] = "arithmetic"
    dimensions: Literal["arithmetic", "geometric", "topsis"] = "arithmetic"


class Framework(_Model):
    """Dimensions -> indicators, grade bands, vetoes, an optional quota, the rules and the
    weak-and-lax screening list (``screening``: triggers and the exit check).

    Build one from YAML (:meth:`from_yaml`) or take :meth:`default`.
    """

    name: str
    zh: str = ""
    en: str = ""
    version: str = "1"
    dimensions: list[Dimension] = Field(min_length=1)
    flags: list[Flag] = []
    grades: list[GradeBand] = Field(min_length=2)
    vetoes: list[Veto] = []
    quota: Quota | None = None
    aggregation: Aggregation = Aggregation()
    missing: Literal["renormalize", "impute_township"] = "renormalize"
    rules: RuleSet = RuleSet()
    screening: Screening = Screening()

    @model_validator(mode="after")
    def _consistent(self):
        ids = [d.id for d in self.dimensions] + [i.id for i in self.indicators] + [f.id for f in self.flags]
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise ValueError(f"identifiers must be unique across dimensions, indicators and flags: {dup}")
        if not any(d.weight > 0 for d in self.dimensions):
            raise ValueError("every dimension weight is 0")
        scored = [g for g in self.grades if g.min is not None]
        mins = [g.min for g in scored]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("grades must be listed best first with strictly decreasing 'min'")
        if not scored:
            raise ValueError("at least one grade needs a 'min'")
        if any(g.min is None for g in self.grades[: len(scored)]):
            raise ValueError("grades reached only by a veto (min: null) must come last")
        grade_ids = [g.id for g in self.grades]
        if len(set(grade_ids)) != len(grade_ids):
            raise ValueError("grade ids must be unique")
        columns = {i.id for i in self.indicators} | {f.id for f in self.flags}
        for k, veto in enumerate(self.vetoes):
            if veto.column not in columns:
                raise ValueError(f"vetoes[{k}] ({veto.id}): column {veto.column!r} is neither an "
                                 f"indicator nor a flag")
            if veto.cap not in grade_ids:
                raise ValueError(f"vetoes[{k}] ({veto.id}): cap {veto.cap!r} is not a grade "
                                 f"(grades: {grade_ids})")
        if self.quota and self.quota.grade not in grade_ids:
            raise ValueError(f"quota grade {self.quota.grade!r} is not a grade (grades: {grade_ids})")
        return self

    # ------------------------------------------------------------------ lookups
    @property
    def indicators(self) -> list[Indicator]:
        return [i for d in self.dimensions for i in d.indicators]

    @property
    def indicator_ids(self) -> list[str]:
        return [i.id for d in self.dimensions for i in d.indicators]

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def grade_ids(self) -> list[str]:
        """Grades best first."""
        return [g.id for g in self.grades]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(f"no indicator {indicator_id!r} in framework {self.name!r}")

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(f"no dimension {dimension_id!r} in framework {self.name!r}")

    def dimension_of(self, indicator_id: str) -> str:
        for dim in self.dimensions:
            if any(i.id == indicator_id for i in dim.indicators):
                return dim.id
        raise KeyError(f"no indicator {indicator_id!r} in framework {self.name!r}")

    def label(self, key: str, lang: str = "zh") -> str:
        """The label of a dimension, indicator, grade, flag or veto id."""
        for item in (*self.dimensions, *self.indicators, *self.grades, *self.flags, *self.vetoes):
            if item.id == key:
                return item.zh if lang == "zh" else item.en
        raise KeyError(key)

    @property
    def quota_rules(self) -> tuple[QuotaRule, ...]:
        """The quota rules grading applies (:class:`~workbench.assess.kernel.Grading`): today ``quota`` alone.

        >>> Framework.default().quota_rules
        (QuotaRule(grade='strong', max_share=0.3, scope=None),)
        """
        return (QuotaRule(self.quota.grade, self.quota.max_share),) if self.quota else ()

    # ---------------------------------------------------------------- building
    @classmethod
    def default(cls, grades: Literal["four_level", "five_star"] = "four_level") -> Framework:
        """The six-point framework of the "double transformation, double strength" work.

        ``grades="five_star"`` gives the five-to-one star scheme (>= 90, 80, 70, 60,
        below 60; satisfaction below 60 caps at two stars, below 50 at no star).

        >>> len(Framework.default().indicators) >= 25
        True
        >>> Framework.default("five_star").grade_ids[0]
        'five_star'
        """
        name = "default.yaml" if grades == "four_level" else "default_five_star.yaml"
        text = resources.files("workbench.assess").joinpath("frameworks", name).read_text(encoding="utf-8")
        return cls.from_yaml_text(text, source=f"workbench/assess/frameworks/{name}")

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Framework:
        """Load and validate a framework file; errors name the file and the key."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FrameworkError(f"{path}: cannot read the framework file: {exc.strerror or exc}") from None
        return cls.from_yaml_text(text, source=str(path))

    @classmethod
    def from_yaml_text(cls, text: str, *, source: str = "<framework>") -> Framework:
        raw = _parse_yaml(text, source)
        if isinstance(raw, dict) and "base" in raw:
            raw = _extend(raw, source)
        return validate_model(cls, raw, source)

    def to_yaml(self, path: str | os.PathLike) -> Path:
        """Save as YAML (atomically: a failed save leaves the old file intact)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.to_yaml_text(), encoding="utf-8")
        return path

    def to_yaml_text(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", exclude_defaults=False),
                              allow_unicode=True, sort_keys=False, width=100)


def _parse_yaml(text: str, source: str):
    try:
        raw = safe_yaml_load(text, source=source)  # no aliases, bounded size, messages never quote it
    except YamlError as exc:
        raise FrameworkError(str(exc)) from None
    if not isinstance(raw, dict):
        raise FrameworkError(f"{source}: expected a mapping of keys (name, dimensions, grades ...), "
                             f"got {type(raw).__name__}")
    return raw


def _extend(raw: dict, source: str) -> dict:
    """``base: default`` (or five_star) + overrides: a short framework file that changes a few keys."""
    base_name = raw.pop("base")
    if base_name not in ("default", "five_star"):
        raise FrameworkError(f"{source}: base: expected 'default' or 'five_star', got {base_name!r}")
    base = Framework.default("four_level" if base_name == "default" else "five_star")
    merged = base.model_dump(mode="json")
    merged.update(raw)
    return merged


def validate_model(model: type[BaseModel], raw, source: str):
    """Validate ``raw`` against a pydantic model; one FrameworkError listing every wrong key."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{source}: {exc.error_count()} problem(s):"]
        for err in exc.errors():
            loc = _format_loc(err["loc"], raw)
            got = err.get("input")
            got_text = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  - {loc}: {msg}{got_text}")
        raise FrameworkError("\n".join(lines)) from None


def _format_loc(loc, raw) -> str:
    parts = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            ident = node[key].get("id") if isinstance(node, list) and key < len(node) and isinstance(node[key], dict) else None
            parts.append(f"[{key}]" + (f"({ident})" if ident else ""))
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            if key in ("function-after", "function-before"):
                continue
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"
