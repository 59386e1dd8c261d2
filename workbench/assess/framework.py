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
from ..data.schema import BRANCH_KINDS
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
    "Bonus",
    "Standards",
    "StandardGroup",
    "Aggregation",
    "FrameworkError",
    "RULE_METHODS",
]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

#: The scoring methods of a county rule sheet that are normalizations, with the parameters each needs.
RULE_METHODS: dict[str, tuple[str, ...]] = {
    "proportional": ("standard",),
    "deduct_below": ("standard", "per_unit", "points"),
    "deduct_each": ("per_unit", "points"),
    "assessor": ("points",),
}


class FrameworkError(ValueError):
    """A framework (or scheme) file that is not valid; the message names the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an identifier (lower-case letters, digits and _ ; "
                         "starting with a letter)")
    return value


def _check_kinds(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in BRANCH_KINDS]
    if unknown:
        raise ValueError(f"applies_to: {unknown} are not branch kinds (kinds: {list(BRANCH_KINDS)})")
    if len(set(values)) != len(values):
        raise ValueError(f"applies_to: a kind is named twice in {values}")
    return values


class Normalization(_Model):
    """How raw indicator values become 0-100 scores (higher is better after normalization).

    - ``minmax``: (x - min) / (max - min) * 100 over the branches assessed.
    - ``zscore``: center + scale * (x - mean) / sd (center 50, scale 10: a T-score).
    - ``rank``: percentile rank * 100 (ties share the mean rank).
    - ``target``: distance to a target: 100 at ``target`` or better, 0 at ``worst``
      (default 0), linear between.
    - ``goalposts``: fixed bounds ``low`` and ``high`` (absolute min-max), clipped.

    The methods of a county rule sheet (评分细则) give the share of an item's
    full ``points`` earned, times 100; a missing value earns 0:

    - ``proportional``: clip(x / standard, 0, 1);
    - ``deduct_below``: (points - per_unit * max(0, standard - x)) / points, clipped to [0, 1];
    - ``deduct_each``: (points - per_unit * x) / points, clipped to [0, 1];
    - ``assessor``: the assessors' score x / points, clipped to [0, 1].

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
    standard: float | None = None
    per_unit: float | None = None
    points: float | None = None

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
        needs = RULE_METHODS.get(self.method, ())
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"method {self.method!r} needs {' and '.join(map(repr, needs))}")
        if "points" in needs and not self.points > 0:
            raise ValueError(f"method {self.method!r}: 'points' must be positive (got {self.points})")
        if "per_unit" in needs and not self.per_unit > 0:
            raise ValueError(f"method {self.method!r}: 'per_unit' must be positive (got {self.per_unit})")
        if self.method == "proportional" and not self.standard > 0:
            raise ValueError(f"method 'proportional': 'standard' must be positive (got {self.standard})")
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
    #: branch kinds the indicator applies to (empty: all); elsewhere it is left out, never counted missing
    applies_to: list[str] = []

    _id = field_validator("id")(_check_id)
    _kinds = field_validator("applies_to")(_check_kinds)

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
    """At most ``max_share`` of the branches assessed may hold ``grade``.

    ``scope``: None (county-wide), a group of the framework's standards (an id
    of ``standards.groups``, or a value of its ``by`` column such as ``village``),
    or ``each`` (the quota holds within every group separately).
    """

    grade: str
    max_share: float = Field(gt=0, le=1)
    scope: str | None = None


class Bonus(_Model):
    """A bonus item of a rule sheet: ``min(points, per_unit * value)`` added on top of the total."""

    id: str
    zh: str
    en: str = ""
    dimension: str
    points: float = Field(gt=0)
    per_unit: float = Field(1.0, gt=0)
    derive: str | None = None
    applies_to: list[str] = []
    description: str = ""

    _id = field_validator("id")(_check_id)
    _kinds = field_validator("applies_to")(_check_kinds)

    @property
    def derivation(self) -> str:
        return self.derive or self.id

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" or not self.en else self.en


class StandardGroup(_Model):
    """A group of branches with their own grade bands (分类定标): ``grades`` maps grade ids to minimums."""

    id: str
    zh: str = ""
    en: str = ""
    values: list[str] = []          # values of the ``by`` column; default: [id]
    grades: dict[str, float] = {}

    def label(self, lang: str = "zh") -> str:
        text = self.zh if lang == "zh" else self.en
        return text or self.id

    @property
    def members(self) -> list[str]:
        return self.values or [self.id]


class Standards(_Model):
    """Standards by type (分类定标): which column of ``branches`` groups the branches (the kind),
    and the groups with their own grade bands.

    The assessment ranks within these groups too; a quota's ``scope`` names one.
    Items that differ by kind are items with ``applies_to``.
    """

    by: Literal["kind"] = "kind"
    groups: list[StandardGroup] = []


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
    #: ``points``: the total is the points earned over the points of the items that apply to the
    #: branch (one weighted mean over every item, x 100): the arithmetic of a county rule sheet
    dimensions: Literal["arithmetic", "geometric", "topsis", "points"] = "arithmetic"

    @model_validator(mode="after")
    def _points_arithmetic(self):
        if self.dimensions == "points" and self.indicators != "arithmetic":
            raise ValueError("aggregation 'points' sums points: indicators must be 'arithmetic'")
        return self


class Framework(_Model):
    """Dimensions -> indicators, grade bands, vetoes, quotas, the rules and the
    weak-and-lax screening list (``screening``: triggers and the exit check).

    Build one from YAML (:meth:`from_yaml`), from a county rule sheet
    (:meth:`from_rule_sheet`) or take :meth:`default`. ``quota`` (one) and
    ``quotas`` (several, county-wide or per group) both hold; ``standards``
    groups the branches by kind (or class) for their own grade bands, quotas
    and a rank within the group; ``bonus`` items add points on top of the total.
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
    quotas: list[Quota] = []
    standards: Standards | None = None
    bonus: list[Bonus] = []
    #: the most bonus points a branch can add (加分最多不超过 ...); None: the sum of the bonus items' points
    bonus_cap: float | None = Field(None, ge=0)
    aggregation: Aggregation = Aggregation()
    missing: Literal["renormalize", "impute_township"] = "renormalize"
    rules: RuleSet = RuleSet()
    screening: Screening = Screening()
    #: where the items came from (a rule sheet's file and sheet), for exports; informational
    source: str = ""

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
        for where, quota in ([("quota", self.quota)] if self.quota else []) + [
                (f"quotas[{k}]", q) for k, q in enumerate(self.quotas)]:
            if quota.grade not in grade_ids:
                raise ValueError(f"{where}: grade {quota.grade!r} is not a grade (grades: {grade_ids})")
            if quota.scope is not None and self.standards is None:
                raise ValueError(f"{where}: scope {quota.scope!r} needs standards (standards: {{by: kind}})")
            if quota.scope is not None and quota.scope != "each":
                self._check_scope(where, quota.scope)
        bonus_ids = [b.id for b in self.bonus]
        twice = sorted({x for x in bonus_ids if bonus_ids.count(x) > 1} | (set(bonus_ids) & set(ids)))
        if twice:
            raise ValueError(f"bonus items must have ids of their own: {twice}")
        for b in self.bonus:
            if b.dimension not in self.dimension_ids:
                raise ValueError(f"bonus {b.id!r}: dimension {b.dimension!r} is not a dimension "
                                 f"(dimensions: {self.dimension_ids})")
        if self.standards is not None:
            self._check_standards(grade_ids)
            taken = set(ids) | set(bonus_ids)
            if self.standards.by in taken:
                raise ValueError(f"standards.by {self.standards.by!r} is also an indicator, flag or bonus id")
        return self

    def _check_scope(self, where: str, scope: str) -> None:
        groups = [g.id for g in self.standards.groups]
        if scope in groups:
            return
        if self.standards.by == "kind" and scope not in BRANCH_KINDS:
            raise ValueError(f"{where}: scope {scope!r} is neither a group ({groups}) nor a branch kind "
                             f"({list(BRANCH_KINDS)}) nor 'each'")

    def _check_standards(self, grade_ids: list[str]) -> None:
        seen: dict[str, str] = {}
        for group in self.standards.groups:
            for value in group.members:
                if self.standards.by == "kind" and value not in BRANCH_KINDS:
                    raise ValueError(f"standards group {group.id!r}: {value!r} is not a branch kind "
                                     f"({list(BRANCH_KINDS)})")
                if value in seen:
                    raise ValueError(f"standards: {value!r} is in groups {seen[value]!r} and {group.id!r}")
                seen[value] = group.id
            unknown = [g for g in group.grades if g not in grade_ids]
            if unknown:
                raise ValueError(f"standards group {group.id!r}: {unknown} are not grades (grades: {grade_ids})")
            mins = [group.grades.get(g.id, g.min) for g in self.grades if g.min is not None]
            if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
                raise ValueError(f"standards group {group.id!r}: its grade minimums {mins} must decrease "
                                 "strictly, best grade first")

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
        """The label of a dimension, indicator, grade, flag, veto, bonus item or standards group id."""
        for item in (*self.dimensions, *self.indicators, *self.grades, *self.flags, *self.vetoes):
            if item.id == key:
                return item.zh if lang == "zh" else item.en
        for item in (*self.bonus, *(self.standards.groups if self.standards else ())):
            if item.id == key:
                return item.label(lang)
        raise KeyError(key)

    @property
    def quota_rules(self) -> tuple[QuotaRule, ...]:
        """The quota rules grading applies (:class:`~workbench.assess.kernel.Grading`): ``quota``, then ``quotas``.

        >>> Framework.default().quota_rules
        (QuotaRule(grade='strong', max_share=0.3, scope=None),)
        """
        given = ([self.quota] if self.quota else []) + list(self.quotas)
        return tuple(QuotaRule(q.grade, q.max_share, q.scope) for q in given)

    @property
    def points_based(self) -> bool:
        """True for a points framework (a county rule sheet): item weights are points, the total sums them."""
        return self.aggregation.dimensions == "points"

    @property
    def group_column(self) -> str | None:
        """The column of ``branches`` that groups branches for standards by type (None: no standards)."""
        return self.standards.by if self.standards is not None else None

    @property
    def needs_kind(self) -> bool:
        """Whether some indicator or bonus item applies to certain branch kinds only."""
        return any(i.applies_to for i in self.indicators) or any(b.applies_to for b in self.bonus)

    @property
    def branch_columns(self) -> list[str]:
        """Columns of ``branches`` an indicator table of this framework carries (besides the values)."""
        out = []
        if self.needs_kind or self.points_based:
            out.append("kind")   # a rule sheet ranks within kind too
        if self.group_column and self.group_column not in out:
            out.append(self.group_column)
        return out

    @property
    def total_points(self) -> float:
        """The full points of the items (a points framework's weights, bonus items not counted)."""
        return float(sum(i.weight for i in self.indicators))

    @property
    def max_bonus(self) -> float:
        """The most bonus points a branch can add: ``bonus_cap``, else the sum of the bonus items' points."""
        total = float(sum(b.points for b in self.bonus))
        return total if self.bonus_cap is None else min(total, float(self.bonus_cap))

    def bonus_item(self, bonus_id: str) -> Bonus:
        for b in self.bonus:
            if b.id == bonus_id:
                return b
        raise KeyError(f"no bonus item {bonus_id!r} in framework {self.name!r}")

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
        """A framework from YAML text; ``base: default`` starts from the default, ``rule_sheet: FILE``
        takes the items from a county rule sheet (a path relative to the YAML file) and the rest
        (grades, vetoes, quotas, standards) from the YAML."""
        raw = _parse_yaml(text, source)
        sheet = raw.pop("rule_sheet", None) if isinstance(raw, dict) else None
        if sheet is not None:
            raw.setdefault("base", "default")
        if isinstance(raw, dict) and "base" in raw:
            raw = _extend(raw, source)
        framework = validate_model(cls, raw, source)
        if sheet is None:
            return framework
        if not isinstance(sheet, str) or not sheet.strip():
            raise FrameworkError(f"{source}: rule_sheet: expected the path of a rule sheet (.xlsx or .csv)")
        path = Path(sheet)
        if not path.is_absolute() and not source.startswith("<"):
            path = Path(source).parent / path
        return cls.from_rule_sheet(path, base=framework)

    @classmethod
    def from_rule_sheet(cls, path: str | os.PathLike, *, base: Framework | None = None, sheet: str | None = None,
                        lang: str = "en") -> Framework:
        """A framework from a county rule sheet (评分细则): one row per item with its points and how it scores.

        ``path`` is an .xlsx workbook (the sheet 评分细则, else the first; or
        ``sheet``) or a .csv file. Grades, vetoes, quotas and standards come
        from ``base`` (default: the default framework's), the items from the
        sheet. A sheet that cannot be read is refused with every problem at its
        row and column (a :class:`~workbench.data.errors.DataError` with the
        sheet's cells; ``lang`` "zh" for Chinese messages). The format:
        :mod:`workbench.assess.rulesheet`.

        >>> fw = Framework.from_rule_sheet("sample_data/评分细则.xlsx")
        >>> fw.points_based, fw.total_points
        (True, 100.0)
        """
        from .rulesheet import read_rule_sheet

        base = base or cls.default()
        raw = read_rule_sheet(path, base=base.model_dump(mode="json"), sheet=sheet, lang=lang)
        return validate_model(cls, raw, str(path))

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, lang: str = "en") -> Framework:
        """A framework from a YAML file or a rule sheet (.xlsx, .xlsm, .csv), by the file's suffix.

        >>> Framework.from_file("sample_data/评分细则.xlsx").points_based
        True
        """
        if Path(path).suffix.lower() in (".xlsx", ".xlsm", ".csv"):
            return cls.from_rule_sheet(path, lang=lang)
        return cls.from_yaml(path)

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
