"""Class rosters from ``enrollments.csv``: who is in which class, who teaches it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert

from survey_app.imports.package import Row
from survey_app.imports.roster_store import Store
from survey_app.models import SectionStudent, SectionTeacher

__all__ = ["sync_members"]

FILE = "enrollments.csv"
TEACHING_ROLES = {"teacher", "aide"}


def sync_members(store: Store, rows: Iterable[Row], *, bulk: bool) -> None:
    """Add the enrolments in ``rows``; a bulk file also removes those it no longer lists."""
    wanted = {"student": set(), "teacher": set()}
    dropped = {"student": set(), "teacher": set()}
    # Small tuples only, never the rows themselves: a district has ~6 enrolments a student.
    pending: list[tuple[int, bool, int, str, str]] = []
    report = store.report
    for row in rows:
        role = row.get("role").lower()
        kind = "student" if role == "student" else "teacher" if role in TEACHING_ROLES else None
        if kind is None:
            continue
        active = row.get("status").lower() != "tobedeleted"
        class_id = row.get("classSourcedId")
        section = store.section_ids.get(class_id)
        if class_id in store.deleted_classes:
            continue  # the class is removed, and its members with it
        if section is None:
            if active:
                report.problem("unknown_class", file=FILE, row=row.number,
                               column="classSourcedId", value=class_id[:80])
            continue
        pending.append((row.number, active, section, row.get("userSourcedId"), kind))
    store.people(user for _n, _a, _s, user, _k in pending)
    for number, active, section, user, kind in pending:
        person = (store.student_ids if kind == "student" else store.staff_ids).get(user)
        if person is None:
            other = (store.staff_ids if kind == "student" else store.student_ids).get(user)
            if other is not None:
                # A student enrolled as a teacher (or the reverse): the roles disagree, so
                # the enrolment is left out rather than guessed, and said so.
                report.tally("enrolled_other_role", FILE, number, "role")
            elif user not in store.deleted and user not in store.kinds and active:
                # (a person of users.csv who was not saved has a problem of their own there)
                report.problem("unknown_user", file=FILE, row=number,
                               column="userSourcedId", value=user[:80])
            continue
        pair = (section, person)
        if pair in wanted[kind] or pair in dropped[kind]:
            report.tally("duplicate_row", FILE, number, "userSourcedId")
        (wanted if active else dropped)[kind].add(pair)
    if not store.report.ok:
        return
    _apply(store, SectionStudent, SectionStudent.student_id, "student_id", wanted["student"],
           dropped["student"], bulk)
    _apply(store, SectionTeacher, SectionTeacher.staff_id, "staff_id", wanted["teacher"],
           dropped["teacher"], bulk)


def _apply(store: Store, model, person_column, person_key: str, wanted: set, dropped: set,
           bulk: bool) -> None:
    existing = {(section, person): pk for pk, section, person in
                store.members_of_sections(model, person_column)}
    remove = [pk for pair, pk in existing.items()
              if pair in dropped or (bulk and pair not in wanted)]
    store.remove_members(model, remove)
    new = [{"section_id": s, person_key: p} for s, p in wanted if (s, p) not in existing]
    for start in range(0, len(new), 1000):
        store.session.execute(insert(model), new[start:start + 1000])
    store.changes.setdefault(model.__tablename__, {"created": [], "updated": {}}).setdefault(
        "added", []).extend([s, p] for s, p in wanted if (s, p) not in existing)
    kind = "class members" if model is SectionStudent else "class teachers"
    store.report.count(kind, "created", len(new))
    store.report.count(kind, "deleted", len(remove))
    store.report.count(kind, "unchanged", len(existing) - len(remove))
