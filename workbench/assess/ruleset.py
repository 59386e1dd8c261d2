"""The thresholds a framework carries besides its indicators: setting and activity rules, screening.

Numbers here are DEFAULTS from DOMAIN.md (national regulations and the
published local lists); a framework file changes any of them under its
``rules:`` and ``screening:`` keys. The checks that read them live in
:mod:`workbench.settings.rules` and :mod:`workbench.settings.screening`; they are
declared here, below the framework, so that loading a framework needs nothing
above the assessment layer.

>>> rules = RuleSet()
>>> rules.min_formal_members, rules.term_years["village"]
(3, 5)
>>> [t.id for t in Screening().triggers][:3]
['secretary_vacant', 'committee_incomplete', 'election_overdue']
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..data.schema import MEETING_KINDS

__all__ = ["RuleSet", "Trigger", "ExitCheck", "Screening", "TRIGGER_TESTS", "TRIGGER_GROUPS",
           "DEFAULT_TRIGGERS"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSet(_Model):
    """Every threshold of the branch-setting and activity rules."""

    min_formal_members: int = Field(3, ge=1, description="formal members needed to form a branch")
    max_joint_units: int = Field(5, ge=1, description="units in one joint branch (warning above)")
    max_members: int = Field(50, ge=1, description="members in a branch (warning above)")
    committee_from_formal: int = Field(7, ge=1, description="formal members from which a committee is required")
    committee_min: int = Field(3, ge=1, description="smallest committee allowed (error below)")
    committee_normal_max: int = Field(5, ge=1, description="largest normal committee (warning above)")
    committee_max: int = Field(7, ge=1, description="largest committee allowed (error above)")
    term_years: dict[str, int] = Field(
        default_factory=lambda: {"village": 5, "community": 5, "enterprise": 3, "institution": 3, "joint": 3},
        description="committee term by branch kind",
    )
    term_warning_months: int = Field(6, ge=0, description="warn this many months before a term ends")
    required_meetings: dict[str, int] = Field(
        default_factory=lambda: {
            "general_meeting": 4,
            "committee_meeting": 12,
            "group_meeting": 12,
            "party_lesson": 4,
            "themed_day": 12,
            "organizational_life": 1,
            "democratic_review": 1,
        },
        description="per-year required counts of each meeting kind",
    )
    three_meetings_one_lesson: tuple[str, ...] = Field(
        ("general_meeting", "committee_meeting", "group_meeting", "party_lesson"),
        description="the activities that make up three meetings and one lesson (三会一课)",
    )
    annual_activities: tuple[str, ...] = Field(
        ("organizational_life", "democratic_review"),
        description="activities required once a year and checked besides three meetings and one lesson "
                    "(组织生活会, 民主评议党员)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        if not self.committee_min <= self.committee_normal_max <= self.committee_max:
            raise ValueError(
                "committee sizes must satisfy committee_min <= committee_normal_max <= committee_max, "
                f"got {self.committee_min}, {self.committee_normal_max}, {self.committee_max}")
        checked = (*self.three_meetings_one_lesson, *self.annual_activities)
        unknown = [k for k in (*self.required_meetings, *checked) if k not in MEETING_KINDS]
        if unknown:
            raise ValueError(f"unknown meeting kinds {unknown}; expected some of {list(MEETING_KINDS)}")
        missing = [k for k in checked if k not in self.required_meetings]
        if missing:
            raise ValueError(f"three_meetings_one_lesson or annual_activities lists {missing} "
                             "without a count in required_meetings")
        twice = sorted(set(self.three_meetings_one_lesson) & set(self.annual_activities))
        if twice:
            raise ValueError(f"{twice} listed in both three_meetings_one_lesson and annual_activities; "
                             "list each activity once")
        bad = {k: v for k, v in (*self.term_years.items(), *self.required_meetings.items()) if v < 0}
        if bad:
            raise ValueError(f"term_years and required_meetings must not be negative, got {bad}")
        return self

    @property
    def checked_activities(self) -> tuple[str, ...]:
        """Every activity :func:`~workbench.settings.rules.check_rules` counts, in order."""
        return (*self.three_meetings_one_lesson, *self.annual_activities)


# ================================================================ screening

#: The tests a weak-and-lax trigger can run, each with its parameters and their defaults.
#: The national list groups its criteria in three: the leadership, organizational life, and
#: the branch's functions; ``group`` of a trigger says which.
TRIGGER_TESTS: dict[str, dict[str, float]] = {
    "secretary_vacant": {},
    "committee_incomplete": {},
    "election_overdue": {},
    "three_meetings_low": {"below": 0.6},
    "organizational_life_missing": {},
    "no_new_members": {"years": 2},
    "satisfaction_low": {"below": 60},
    "income_low": {"share_of_median": 0.5},
    "problems_unrectified": {"min_overdue": 3},
    "serious_violation": {"min_count": 1},
    "low_score": {"bottom_share": 0.05},
}
TRIGGER_GROUPS = ("leadership", "organizational_life", "functions")


class Trigger(_Model):
    """One criterion of the weak-and-lax screening list: when its test fires, the branch is proposed.

    ``test`` names one of :data:`TRIGGER_TESTS` (default: the id); ``params``
    override the test's defaults (e.g. ``{below: 0.5}``). ``alone: true``
    proposes the branch on this criterion alone, whatever ``min_reasons`` says
    (a vacant secretary post, a serious violation).
    """

    id: str
    zh: str
    en: str
    test: str | None = None
    group: Literal["leadership", "organizational_life", "functions"] = "leadership"
    params: dict[str, float] = {}
    alone: bool = False

    @property
    def test_name(self) -> str:
        return self.test or self.id

    @model_validator(mode="after")
    def _known(self) -> Trigger:
        if self.test_name not in TRIGGER_TESTS:
            raise ValueError(f"trigger {self.id!r}: unknown test {self.test_name!r}; "
                             f"expected one of {list(TRIGGER_TESTS)}")
        allowed = TRIGGER_TESTS[self.test_name]
        unknown = sorted(set(self.params) - set(allowed))
        if unknown:
            raise ValueError(f"trigger {self.id!r}: unknown parameter(s) {unknown} of test "
                             f"{self.test_name!r}; it takes {sorted(allowed) or 'none'}")
        return self

    def param(self, name: str) -> float:
        """The parameter's value: the trigger's own, else the test's default."""
        return self.params.get(name, TRIGGER_TESTS[self.test_name][name])

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _trigger(id, zh, en, group, alone=False, **params) -> dict:
    return {"id": id, "zh": zh, "en": en, "group": group, "params": params, "alone": alone}


#: The default list (DOMAIN.md and the common published lists); framework files may change it.
DEFAULT_TRIGGERS = (
    _trigger("secretary_vacant", "书记空缺", "Secretary post vacant", "leadership", alone=True),
    _trigger("committee_incomplete", "班子不健全（未设支委会、人数不足或缺纪检委员）",
             "Committee incomplete (missing, too small or no discipline member)", "leadership"),
    _trigger("election_overdue", "换届超期", "Election overdue", "leadership"),
    _trigger("three_meetings_low", "三会一课不正常", "Three meetings and one lesson not held", "organizational_life",
             below=0.6),
    _trigger("organizational_life_missing", "未开组织生活会或民主评议党员",
             "No organizational life meeting or democratic review", "organizational_life"),
    _trigger("no_new_members", "连续两年未发展党员", "No new member for two years", "organizational_life",
             years=2),
    _trigger("satisfaction_low", "群众满意度低于60%", "Satisfaction below 60 %", "functions", alone=True,
             below=60),
    _trigger("income_low", "村集体经济收入远低于全县水平", "Collective income far below the county",
             "functions", share_of_median=0.5),
    _trigger("problems_unrectified", "问题逾期未整改", "Problems left unrectified", "functions", min_overdue=3),
    _trigger("serious_violation", "发生严重违纪问题", "Serious discipline violation", "functions",
             alone=True, min_count=1),
    _trigger("low_score", "年度考核排名末位", "Last places in the annual assessment", "functions",
             alone=True, bottom_share=0.05),
)


class ExitCheck(_Model):
    """Leaving the list after rectification: at least ``min_score`` points, and not more than
    ``max_unsatisfied_share`` of the satisfaction votes "unsatisfied" (DOMAIN.md)."""

    min_score: float = Field(70.0, ge=0)
    max_unsatisfied_share: float = Field(0.5, ge=0, le=1)


class Screening(_Model):
    """The weak-and-lax screening list: triggers, how many make a candidate, the exit check."""

    triggers: list[Trigger] = Field(default_factory=lambda: [Trigger(**t) for t in DEFAULT_TRIGGERS])
    min_reasons: int = Field(2, ge=1, description="triggers that must fire to propose a branch "
                                                  "(one is enough for a trigger marked alone)")
    exit: ExitCheck = ExitCheck()

    @model_validator(mode="after")
    def _unique(self) -> Screening:
        ids = [t.id for t in self.triggers]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"screening trigger ids must be unique: {twice}")
        return self
