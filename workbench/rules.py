"""Branch-setting and organisational-life rules, as data.

The thresholds come from the Regulations on the Work of Party Branches (2018)
and the rural rules (2019), see DOMAIN.md. They are defaults: a framework file
can change every one of them under its ``rules:`` key.

>>> rules = RuleSet()
>>> rules.min_formal_members, rules.term_years["village"]
(3, 5)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RuleSet"]


class RuleSet(BaseModel):
    """Every threshold of the branch-setting and activity rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_formal_members: int = Field(3, ge=1, description="formal members needed to form a branch")
    max_joint_units: int = Field(5, ge=1, description="units in one joint branch (warning above)")
    max_members: int = Field(50, ge=1, description="members in a branch (warning above)")
    committee_from_formal: int = Field(7, ge=1, description="formal members from which a committee is required")
    committee_min: int = Field(3, ge=1, description="smallest normal committee")
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
