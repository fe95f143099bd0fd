"""Who is on it, and when: the people and dates beside each caseload row.

The owner of each student's next open follow-up, the last contact with the
student's family, and the adults the student can count on (for strengths in
words). Plain frames and dicts; the caseload caches them with the school.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from relationships import Tables
from survey_app.models import Engagement, FollowUp, StaffUser, Student
from survey_app.models.enums import FollowUpStatus
from survey_app.reading.frames import read_frame

OPEN = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
#: Where a reliable adult sits among a student's strengths: school first, then community,
#: family beyond the parents, then parents (the adults a counselor can build on first).
_KIND_ORDER = {"staff": 0, "community": 1, "family": 2}


def owners(session: Session, school_ids, students=None) -> dict[int, str]:
    """student id -> the name of whoever owns the student's next open follow-up
    (``students``: of these only)."""
    stmt = (select(FollowUp.student_id, FollowUp.due_on, FollowUp.id,
                   StaffUser.given_name, StaffUser.family_name)
            .join(Student, Student.id == FollowUp.student_id)
            .join(StaffUser, StaffUser.id == FollowUp.owner_id)
            .where(Student.school_id.in_(list(school_ids)), FollowUp.status.in_(OPEN)))
    if students is not None:
        stmt = stmt.where(FollowUp.student_id.in_(sorted(students)))
    frame = read_frame(session, stmt)
    if frame.empty:
        return {}
    frame["due"] = pd.to_datetime(frame["due_on"], errors="coerce")
    first = frame.sort_values(["due", "id"], na_position="last").drop_duplicates("student_id")
    names = (first["given_name"].fillna("") + " " + first["family_name"].fillna("")).str.strip()
    return dict(zip(first["student_id"].astype(int).tolist(), names.tolist(), strict=True))


def last_contacts(session: Session, school_ids) -> dict[int, date]:
    """household id -> the date of the school's last logged contact with the family."""
    stmt = (select(Engagement.household_id, func.max(Engagement.contacted_on).label("last"))
            .where(Engagement.school_id.in_(list(school_ids)))
            .group_by(Engagement.household_id))
    frame = read_frame(session, stmt)
    return {int(h): pd.Timestamp(d).date() for h, d in
            zip(frame["household_id"].tolist(), frame["last"].tolist(), strict=True)
            if d is not None and not pd.isna(d)}


def reliable_adults(tables: Tables, wave: int, min_reliability: int, student_ids,
                    limit: int = 2) -> dict[int, list[tuple[str, str, int]]]:
    """student id -> up to ``limit`` (name, role, reliability) of adults the student or
    family is sure of this wave: school adults first, parents last, surest first."""
    ties = tables.ties
    ties = ties[(ties["wave"] == wave) & ties["student_id"].isin(list(student_ids))
                & (ties["reliability"].fillna(0) >= min_reliability)]
    if ties.empty:
        return {}
    adults = tables.adults.set_index("adult_id")
    found = ties[["student_id", "adult_id", "reliability"]].join(
        adults[["kind", "role", "name"]], on="adult_id")
    found = found[found["name"].notna() & (found["name"].astype(str).str.strip() != "")]
    found = found.assign(
        place=found["kind"].astype(str).map(_KIND_ORDER).fillna(3)
        + (found["role"].astype(str) == "parent_guardian").astype(int),
        sure=-found["reliability"].astype(int))
    found = found.sort_values(["student_id", "place", "sure", "adult_id"]).drop_duplicates(
        ["student_id", "adult_id"])
    out: dict[int, list] = {}
    for rec in found.itertuples(index=False):
        kept = out.setdefault(int(rec.student_id), [])
        if len(kept) < limit:
            kept.append((str(rec.name), str(rec.role), int(rec.reliability)))
    return out
