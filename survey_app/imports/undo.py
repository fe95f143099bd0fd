"""Undo the last roster import: put back every roster row it removed or changed.

A saved import keeps what it changed (:class:`~survey_app.models.ImportRun`):
the ids it created and, for each row it updated or deactivated, the values
before. Undoing restores those values, deactivates what it created (softly:
students and staff keep their ids, in case anything points at them), removes
the class members it added and puts back the ones it removed. Only the newest
import can be undone, once: the ones before it are what it built on.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Date, DateTime, delete, exists, func, insert, inspect, update
from sqlmodel import Session, select

from survey_app.models import (
    Adult,
    Household,
    ImportRun,
    School,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
    SupportTie,
)
from survey_app.models.base import utcnow

__all__ = ["UndoBlocked", "last_run", "undo"]

_MODELS = {"student": Student, "staff_user": StaffUser, "school": School, "section": Section,
           "household": Household, "adult": Adult}
_MEMBERS = {"section_student": (SectionStudent, "student_id"),
            "section_teacher": (SectionTeacher, "staff_id")}
_CHUNK = 900
#: Unique columns an import may have moved between rows (see ``roster_staff``).
_UNIQUE = {"staff_user": ("email", "sourced_id"), "school": ("sourced_id",)}


def last_run(session: Session) -> ImportRun | None:
    """The newest saved import, if it has not been undone yet."""
    run = session.exec(select(ImportRun).order_by(ImportRun.id.desc())).first()
    return run if run is not None and run.undone_at is None else None


class UndoBlocked(Exception):
    """An email the undo would put back belongs to an account made or changed since."""

    def __init__(self, email: str, name: str):
        super().__init__(email)
        self.email, self.name = email, name


def undo(*, session: Session, run: ImportRun, staff_id: int | None) -> Counter:
    """Restore what ``run`` changed; the caller commits. Returns what was put back.
    Raises :class:`UndoBlocked`, having changed nothing, when an email to put back is
    another account's now."""
    _check_emails(session, run.changes)
    done: Counter = Counter()
    now = utcnow()
    _release(session, run.changes)
    for table, model in _MODELS.items():
        change = run.changes.get(table, {})
        for pk, old in change.get("updated", {}).items():
            values = {c: _typed(model, c, v) for c, v in old.items()}
            if "updated_at" in inspect(model).columns:
                values["updated_at"] = now
            session.execute(update(model).where(model.id == int(pk)).values(**values))
            done["restored"] += 1
        created = [int(pk) for pk in change.get("created", [])]
        for start in range(0, len(created), _CHUNK):
            part = created[start:start + _CHUNK]
            if model is Student:
                session.execute(update(Student).where(Student.id.in_(part)).values(
                    active=False, deleted_at=now, updated_at=now))
            elif model is Adult:  # parents from the file, unless a tie names them since
                session.execute(delete(Adult).where(Adult.id.in_(part), ~exists().where(
                    SupportTie.adult_id == Adult.id)))
            elif "active" in inspect(model).columns:
                session.execute(update(model).where(model.id.in_(part)).values(active=False))
            done["removed"] += len(part) if model is not Household else 0
    for table, (model, person) in _MEMBERS.items():
        change = run.changes.get(table, {})
        for section, who in change.get("added", []):
            session.execute(delete(model).where(model.section_id == section,
                                                getattr(model, person) == who))
        back = [{"section_id": s, person: p} for s, p in change.get("removed", [])]
        if back:
            session.execute(insert(model), back)
    run.undone_at, run.undone_by_id = now, staff_id
    session.add(run)
    session.flush()
    return done


def _check_emails(session: Session, changes: dict) -> None:
    change = changes.get("staff_user", {})
    back = {old["email"].lower(): old["email"] for old in change.get("updated", {}).values()
            if old.get("email")}
    ours = {int(pk) for pk in change.get("updated", {})} | set(change.get("created", []))
    found = []
    keys = sorted(back)
    for start in range(0, len(keys), _CHUNK):
        found += session.execute(select(
            StaffUser.id, StaffUser.email, StaffUser.given_name, StaffUser.family_name).where(
            func.lower(StaffUser.email).in_(keys[start:start + _CHUNK]))).all()
    for pk, email, given, family in found:
        if pk not in ours:
            raise UndoBlocked(email, f"{given} {family}".strip())


def _release(session: Session, changes: dict) -> None:
    """Empty the unique columns about to be put back first (an email two people swapped,
    an account linked to a new sourcedId), and the emails of the accounts the import made
    that an old value takes back: no address or sourcedId is ever held twice on the way."""
    back: dict[str, set] = {}
    for table, columns in _UNIQUE.items():
        model = _MODELS[table]
        updated = changes.get(table, {}).get("updated", {})
        for column in columns:
            ids = [int(pk) for pk, old in updated.items() if column in old]
            back[column] = {old[column] for old in updated.values()
                            if old.get(column) is not None}
            for start in range(0, len(ids), _CHUNK):
                session.execute(update(model).where(model.id.in_(ids[start:start + _CHUNK]))
                                .values({column: None}))
        if table == "staff_user" and back.get("email"):
            made = [int(pk) for pk in changes.get(table, {}).get("created", [])]
            for start in range(0, len(made), _CHUNK):
                session.execute(update(StaffUser).where(
                    StaffUser.id.in_(made[start:start + _CHUNK]),
                    StaffUser.email.in_(sorted(back["email"]))).values(email=None))


def _typed(model, column: str, value):
    """A stored old value as its column wants it (dates were kept as ISO text)."""
    kind = inspect(model).columns[column].type
    if isinstance(value, str) and isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and isinstance(kind, Date):
        return date.fromisoformat(value)
    return value
