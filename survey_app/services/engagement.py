"""The family engagement log: contacts between staff and families (Flamboyan-style measures).

A household is reachable by a user when at least one of its active students is in
one of the user's schools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case
from sqlmodel import Session, func, select

from survey_app.models import Engagement, Household, StaffUser, Student
from survey_app.services.mapping import display_name, like_pattern

PAGE_SIZE = 50


def children(*, session: Session, household_id: int, school_ids: Iterable[int]
             ) -> list[tuple[int, str, int, int]]:
    """The household's students in ``school_ids`` as (id, name, grade, school id)."""
    rows = session.exec(select(Student).where(
        Student.household_id == household_id, Student.school_id.in_(list(school_ids)),
        Student.active.is_(True)).order_by(Student.grade.desc(), Student.given_name)).all()
    return [(s.id, display_name(s.given_name, s.family_name, s.preferred_name), s.grade,
             s.school_id) for s in rows]


@dataclass(frozen=True)
class FamilyRow:
    household_id: int
    children: list[str]
    language: str
    contacts: int
    two_way_positive: bool
    last_contact: date | None


def family_page(*, session: Session, school_ids: Iterable[int], query: str = "",
                page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[FamilyRow], int]:
    """A page of reachable families (found by a child's name) with their counts; and the total."""
    school_ids = list(school_ids)
    stmt = select(Student.household_id).where(
        Student.school_id.in_(school_ids), Student.household_id.is_not(None),
        Student.active.is_(True))
    for word in query.split()[:4]:
        pattern = like_pattern(word)
        stmt = stmt.where(func.lower(Student.given_name).like(pattern, escape="\\")
                          | func.lower(Student.family_name).like(pattern, escape="\\")
                          | func.lower(Student.preferred_name).like(pattern, escape="\\"))
    sortkey = func.min(func.lower(Student.family_name))
    ids_q = stmt.group_by(Student.household_id).order_by(sortkey, Student.household_id)
    total = session.exec(select(func.count()).select_from(ids_q.subquery())).one()
    page_ids = list(session.exec(ids_q.limit(per_page).offset((max(page, 1) - 1) * per_page)))
    if not page_ids:
        return [], total
    kids = session.exec(select(Student).where(
        Student.household_id.in_(page_ids), Student.school_id.in_(school_ids),
        Student.active.is_(True)).order_by(Student.given_name)).all()
    names: dict[int, list[str]] = {}
    for s in kids:
        names.setdefault(s.household_id, []).append(
            display_name(s.given_name, s.family_name, s.preferred_name))
    langs = dict(session.exec(select(Household.id, Household.language)
                              .where(Household.id.in_(page_ids))).all())
    counts = _counts_for(session=session, household_ids=page_ids)
    rows = [FamilyRow(hid, names.get(hid, []), langs.get(hid, ""), *counts.get(hid, (0, False,
                                                                                   None)))
            for hid in page_ids]
    return rows, total


def _counts_for(*, session: Session, household_ids: list[int]
                ) -> dict[int, tuple[int, bool, date | None]]:
    positive = case((and_(Engagement.two_way.is_(True), Engagement.positive.is_(True)), 1),
                    else_=0)
    rows = session.exec(
        select(Engagement.household_id, func.count(Engagement.id), func.max(positive),
               func.max(Engagement.contacted_on))
        .where(Engagement.household_id.in_(household_ids)).group_by(Engagement.household_id)
    ).all()
    return {hid: (n, bool(pos), last) for hid, n, pos, last in rows}


@dataclass(frozen=True)
class ContactRow:
    contacted_on: date
    channel: str
    started_by: str
    positive: bool
    concern: bool
    two_way: bool
    note: str | None
    staff_name: str


def contacts(*, session: Session, household_id: int, school_ids: Iterable[int],
             viewer_id: int) -> list[ContactRow]:
    """A family's contacts, newest first, with who made them.

    Every contact is listed (a family is one family across the district), but a note is
    shown only to staff of the school it was written for, to its author, or to everyone
    when its author shared it district-wide: a family with children at two schools tells
    each school's staff different things.
    """
    school_ids = set(school_ids)
    rows = session.exec(
        select(Engagement, StaffUser.given_name, StaffUser.family_name)
        .join(StaffUser, StaffUser.id == Engagement.staff_id)
        .where(Engagement.household_id == household_id)
        .order_by(Engagement.contacted_on.desc(), Engagement.id.desc())).all()
    return [ContactRow(e.contacted_on, e.channel, e.started_by, e.positive, e.concern,
                       e.two_way,
                       e.note if (e.school_id in school_ids or e.district_wide
                                  or e.staff_id == viewer_id) else None,
                       f"{g} {f}".strip()) for e, g, f in rows]


def log_contact(*, session: Session, household_id: int, school_id: int, staff_id: int,
                data: dict) -> Engagement:
    """Record one contact; ``data`` is validated form data (date, channel, who started it…)."""
    engagement = Engagement.model_validate({
        "household_id": household_id, "school_id": school_id, "staff_id": staff_id,
        "contacted_on": data["contacted_on"], "channel": data["channel"],
        "started_by": data["started_by"], "positive": bool(data.get("positive")),
        "concern": bool(data.get("concern")), "two_way": bool(data.get("two_way")),
        "note": (data.get("note") or "").strip() or None,
        "district_wide": bool(data.get("district_wide")),
    })
    session.add(engagement)
    session.flush()
    return engagement
