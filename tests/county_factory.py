"""Tiny hand-made counties for the rule and scenario tests.

``county(branch("B1", formal=8, roles=SECRETARY_ONLY), ...)`` builds a
validated BranchData (through ``BranchData.from_frames``) where each branch is
described by the figures a rule reads: formal and probationary members, the
roles of the first members, units, party groups, the election date and the
meetings held in 2025. By default every branch holds exactly the required
meetings, so the activity rules are quiet unless a test asks otherwise; the
once-a-year organizational life meeting and democratic review are held unless
``meetings`` names them (``{"organizational_life": 0}`` to skip one).

``joined`` adds members by (join_date, status), e.g. a member who joined in
the year assessed, ``("2025-03-01", "probationary")``, or one whose probation
ended in it, ``("2024-06-01", "formal")``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

import workbench as wb
from workbench.data.validate import empty_table

TODAY = dt.date(2026, 6, 30)
PERIOD = 2025
FULL_COMMITTEE = ("secretary", "organization", "discipline")
SECRETARY_ONLY = ("secretary",)


def branch(bid: str, *, kind: str = "village", township: str = "东镇", name: str | None = None,
           elected: str | None = "2024-03-01", formal: int = 5, probationary: int = 0,
           roles: tuple[str, ...] = SECRETARY_ONLY, units: list | None = None,
           groups: list | None = None, meetings: dict[str, int] | None = None,
           joined: list[tuple[str, str]] = (), established: str = "2000-01-01") -> dict:
    """One branch: ``roles`` go to its first members (formal members come first, then the
    probationary ones, then those of ``joined``)."""
    return dict(bid=bid, kind=kind, township=township, name=name or f"{bid}党支部", elected=elected,
                formal=formal, probationary=probationary, roles=roles, units=units,
                groups=groups, meetings=meetings, joined=list(joined), established=established)


def county(*branches: dict, extra_meetings: list[tuple[str, str, str]] = ()) -> wb.BranchData:
    """Build validated BranchData from ``branch(...)`` descriptions.

    ``extra_meetings``: (branch_id, kind, date) records added as they are.
    """
    b_rows, m_rows, meet_rows, insp_rows = [], [], [], []
    for spec in branches:
        bid = spec["bid"]
        b_rows.append({"branch_id": bid, "name": spec["name"], "township": spec["township"],
                       "kind": spec["kind"], "established": spec["established"],
                       "committee_elected": spec["elected"] or ""})
        plain = spec["formal"] + spec["probationary"]
        n = plain + len(spec["joined"])
        for i in range(n):
            if i < plain:
                join, status = ("2000-01-01", "formal") if i < spec["formal"] else ("2025-06-01", "probationary")
            else:
                join, status = spec["joined"][i - plain]
            m_rows.append({
                "member_id": f"{bid}-M{i + 1:02d}", "branch_id": bid, "name": f"党员{bid}{i + 1}",
                "gender": "male", "birth_year": 1950 + i % 30, "education": "college",
                "join_date": join, "status": status,
                "role": spec["roles"][i] if i < len(spec["roles"]) else "member",
                "party_group": spec["groups"][i] if spec["groups"] else "",
                "unit": spec["units"][i] if spec["units"] else "",
            })
        held = spec["meetings"]
        if held is None:
            held = {"general_meeting": 4, "party_lesson": 4, "committee_meeting": 12,
                    "group_meeting": 12 if spec["groups"] else 0}
        held = {"organizational_life": 1, "democratic_review": 1, **held}
        for kind, count in held.items():
            for j in range(count):
                meet_rows.append({"meeting_id": f"{bid}-{kind}-{j}", "branch_id": bid,
                                  "date": f"{PERIOD}-{1 + j % 12:02d}-15", "kind": kind,
                                  "attendees": max(n, 1)})
        # The loader needs at least one inspection row (see the report on from_frames).
        insp_rows.append({"inspection_id": f"I-{bid}", "branch_id": bid, "date": f"{PERIOD}-05-01",
                          "method": "platform", "score": 90.0})
    for j, (bid, kind, date) in enumerate(extra_meetings):
        meet_rows.append({"meeting_id": f"X{j}", "branch_id": bid, "date": date, "kind": kind,
                          "attendees": 1})
    meetings = pd.DataFrame(meet_rows) if meet_rows else empty_table("meetings")
    members = pd.DataFrame(m_rows) if m_rows else empty_table("members")
    return wb.BranchData.from_frames(
        branches=pd.DataFrame(b_rows), members=members, meetings=meetings,
        trainings=empty_table("trainings"), inspections=pd.DataFrame(insp_rows),
        problems=empty_table("problems"), today=TODAY)
