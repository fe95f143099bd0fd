"""Writing roster rows: upserts by ``sourcedId`` in bulk statements, soft-deletes, rosters.

Only roster tables are written here (schools, students, staff, households,
parents as family adults, classes and their members). Survey tables are never
read or written, so a re-import cannot change an answer or a tie.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): bulk:
roster import, Core executemany.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from survey_app.imports.fields import BAD, parse_text
from survey_app.imports.package import Row
from survey_app.imports.report import ImportReport
from survey_app.models import (
    Adult,
    District,
    Household,
    School,
    Section,
    StaffUser,
    Student,
)
from survey_app.models.base import utcnow

__all__ = ["Store"]

CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (...)

_STUDENT_DEFAULTS = {
    "grade": None, "birth_date": None, "gender": None, "race_flags": {}, "race_ethnicity": None,
    "english_learner": None, "econ_disadvantaged": None, "disability": None,
    "consent": "no_answer", "preferred_language": "en", "home_language": None,
    "household_id": None, "preferred_name": None, "sis_id": None, "deleted_at": None,
    "email": None,
}


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Store:
    def __init__(self, session: Session, report: ImportReport, district: District,
                 school_rows: list[Row], *, bulk_orgs: bool = True):
        self.session, self.report, self.district = session, report, district
        self.now: datetime = utcnow()
        self.seen_users: dict[str, int] = {}  # sourcedId → hash of its row (duplicates)
        #: sourcedId → (student/staff/parent, its row) of each person of users.csv.
        self.kinds: dict[str, tuple[str, int]] = {}
        self.student_ids: dict[str, int] = {}
        self.staff_ids: dict[str, int] = {}
        self.section_ids: dict[str, int] = {}
        self.household_ids: dict[str, int] = {}
        self.deleted: set[str] = set()
        self.deleted_classes: set[str] = set()
        #: What this import changed, table by table, for "undo the last import"
        #: (:mod:`survey_app.imports.undo`): created ids, and each updated row's old values.
        self.changes: dict[str, dict[str, Any]] = {}
        self.school_ids = self._save_schools(school_rows, bulk_orgs)

    # -- schools -----------------------------------------------------------------------------

    def _save_schools(self, rows: list[Row], bulk: bool) -> dict[str, int]:
        existing = {s.sourced_id: s for s in self.session.exec(
            select(School).where(School.district_id == self.district.id))}
        codes = {s.code for s in self.session.exec(select(School))}
        self._known_schools = {s.id for s in existing.values()}
        listed = {row.get("sourcedId") for row in rows}
        elsewhere = self._schools_elsewhere(listed)
        seen: dict[str, int] = {}  # sourcedId → hash of its row (duplicates)
        for row in rows:
            sid = parse_text(row, "sourcedId", self.report, "orgs.csv", limit=255, required=True)
            name = parse_text(row, "name", self.report, "orgs.csv", limit=200, required=True)
            if BAD in (sid, name) or self._repeated(seen, row, sid, "orgs.csv"):
                continue
            if sid in elsewhere:
                self.report.problem("school_elsewhere", file="orgs.csv", row=row.number,
                                    column="sourcedId", value=sid[:80], name=elsewhere[sid])
                continue
            active = row.get("status").lower() != "tobedeleted"
            school = existing.get(sid)
            moved = school is None and \
                (school := self._moved_school(existing, listed, row, sid, bulk)) is not None
            if school is None:
                code = (row.get("identifier") or sid)[:64]
                for n in range(1, len(codes) + 2):
                    if code not in codes:
                        break
                    code = f"{sid[:56]}~{n}" if n > 1 else sid[:64]
                codes.add(code)
                school = existing[sid] = School(district_id=self.district.id, code=code,
                                                sourced_id=sid, name=name, active=active)
                self.report.count("schools", "created")
            elif (school.name, school.active) == (name, active) and not moved:
                self.report.count("schools", "unchanged")
                continue
            else:
                self.report.count("schools", "updated" if active else "deleted")
                self.record_update("school", school.id,
                                   {"name": school.name, "active": school.active})
            school.name, school.active = name, active
            self.session.add(school)
        if bulk and rows:
            for sid, school in existing.items():
                if sid and sid not in listed and school.active:
                    self.record_update("school", school.id, {"active": True})
                    school.active = False
                    self.session.add(school)
                    self.report.count("schools", "deleted")
        self.session.flush()
        made = [s.id for sid, s in existing.items() if s.id not in self._known_schools]
        self._changed("school")["created"] += made
        return {sid: s.id for sid, s in existing.items() if sid and s.active}

    def _repeated(self, seen: dict[str, int], row: Row, sid: str, file: str) -> bool:
        """A sourcedId already read in this file: the same row again is a note, another
        row with it a problem (which of the two is right cannot be known)."""
        same = hash(tuple(sorted(row.values.items())))
        if sid not in seen:
            seen[sid] = same
            return False
        if seen[sid] == same:
            self.report.tally("duplicate_row", file, row.number, "sourcedId")
        else:
            self.report.problem("duplicate", file=file, row=row.number, column="sourcedId",
                                value=sid[:80])
        return True

    def _schools_elsewhere(self, sids: set[str]) -> dict[str, str]:
        """The file's school sourcedIds that are another district's schools here."""
        found: dict[str, str] = {}
        for part in _chunks(sorted(sids)):
            found.update(self.session.execute(select(School.sourced_id, School.name).where(
                School.sourced_id.in_(part), School.district_id != self.district.id)).all())
        return found

    def _moved_school(self, existing: dict[str, School], listed: set[str], row: Row, sid: str,
                      bulk: bool) -> School | None:
        """A school the bulk file gives a new sourcedId: its identifier is the code of a
        school whose old sourcedId the file no longer lists. It keeps its people and data."""
        code = row.get("identifier")[:64]
        if not (bulk and code):
            return None
        for old, school in existing.items():
            if school.code == code and old and old not in listed:
                self.record_update("school", school.id, {"sourced_id": old})
                school.sourced_id = sid
                existing[sid] = existing.pop(old)
                self.report.note("school_moved", row=row.number, value=sid[:80],
                                 old=old[:80])
                return school
        return None

    # -- what changed --------------------------------------------------------------------------

    def _changed(self, table: str) -> dict[str, Any]:
        return self.changes.setdefault(table, {"created": [], "updated": {}})

    def record_update(self, table: str, pk: int, old: dict[str, Any]) -> None:
        before = self._changed(table)["updated"].setdefault(str(pk), {})
        for column, value in old.items():
            before.setdefault(column, value.isoformat() if hasattr(value, "isoformat")
                              else value)

    # -- generic upsert ----------------------------------------------------------------------

    def upsert(self, kind: str, model: Any, rows: dict[str, dict[str, Any]],
                defaults: dict[str, Any]) -> dict[str, int]:
        """Insert new rows and update changed ones, keyed by ``sourced_id``."""
        ids: dict[str, int] = {}
        if not rows:
            return ids
        columns = sorted({c for values in rows.values() for c in values})
        has_active = "active" in columns
        selected = [model.id, model.sourced_id, *(getattr(model, c) for c in columns)]
        updates: dict[frozenset, list[dict]] = {}
        for part in _chunks(list(rows)):
            for record in self.session.execute(select(*selected).where(
                    model.sourced_id.in_(part))):
                old = record._mapping
                new = rows.pop(record.sourced_id)
                ids[record.sourced_id] = record.id
                if has_active and not new["active"] and not old["active"]:
                    new.pop("deleted_at", None)  # already deleted: keep the first date
                changed = {c: v for c, v in new.items() if old[c] != v}
                if not changed:
                    self.report.count(kind, "unchanged")
                    continue
                deleting = has_active and old["active"] and not new["active"]
                self.report.count(kind, "deleted" if deleting else "updated")
                self.record_update(model.__tablename__, record.id,
                                    {c: old[c] for c in changed})
                if hasattr(model, "updated_at"):
                    changed["updated_at"] = self.now
                updates.setdefault(frozenset(changed), []).append({"id": record.id, **changed})
        for group in updates.values():
            self.session.execute(update(model), group)
        new_rows = [{**defaults, **values, "sourced_id": sid} for sid, values in rows.items()
                    if values.get("active", True)]
        table = model.__table__  # Core executemany: far fewer Python objects per row
        for part in _chunks(new_rows, 500):
            result = self.session.execute(
                insert(table).returning(table.c.id, table.c.sourced_id), part)
            made = {sid: pk for pk, sid in result}
            ids.update(made)
            self._changed(model.__tablename__)["created"] += list(made.values())
        self.report.count(kind, "created", len(new_rows))
        return ids

    # -- people ------------------------------------------------------------------------------

    def save_households(self, households: dict[str, str]) -> None:
        keys = sorted({k for k in households.values() if len(k) <= 255})
        for part in _chunks(keys):
            self.household_ids.update(self.session.execute(
                select(Household.sourced_id, Household.id).where(
                    Household.sourced_id.in_(part))).all())
        new = [{"district_id": self.district.id, "sourced_id": k, "language": "en",
                "contact_channels": []} for k in keys if k not in self.household_ids]
        for part in _chunks(new, 500):
            result = self.session.execute(
                insert(Household).returning(Household.sourced_id, Household.id), part).all()
            self.household_ids.update(result)
            self._changed("household")["created"] += [pk for _sid, pk in result]
        self.report.count("households", "created", len(new))
        self.report.count("households", "unchanged", len(keys) - len(new))

    def _resolve_household(self, values: dict[str, Any]) -> None:
        key = values.pop("household", None)
        if key is not None:  # none for a key too long to keep (its row is a problem)
            values["household_id"] = self.household_ids.get(key)

    def save_students(self, students: dict[str, dict[str, Any]]) -> None:
        for sid, values in students.items():
            self._resolve_household(values)
            values["deleted_at"] = None if values["active"] else self.now
            if not values["active"]:
                self.deleted.add(sid)
        self.student_ids.update(self.upsert("students", Student, students, _STUDENT_DEFAULTS))

    def save_parents(self, parents: dict[str, dict[str, Any]]) -> None:
        for values in parents.values():
            self._resolve_household(values)
        self.upsert("parents", Adult, parents,
                     {"district_id": self.district.id, "household_id": None})

    # -- classes -----------------------------------------------------------------------------

    def save_classes(self, rows: Iterable[Row], *, bulk: bool) -> None:
        sections: dict[str, dict[str, Any]] = {}
        seen: dict[str, int] = {}
        for row in rows:
            sid = parse_text(row, "sourcedId", self.report, "classes.csv", limit=255,
                             required=True)
            title = parse_text(row, "title", self.report, "classes.csv", limit=200,
                               required=True)
            if sid is not BAD and self._repeated(seen, row, sid, "classes.csv"):
                continue
            school = row.get("schoolSourcedId")
            if row.get("status").lower() == "tobedeleted":
                self.deleted_classes.add(row.get("sourcedId"))
                if school not in self.school_ids:
                    continue  # a removal: its school may be gone too
            if school not in self.school_ids:
                self.report.problem("unknown_school", file="classes.csv", row=row.number,
                                    column="schoolSourcedId", value=school[:80])
                continue
            if BAD not in (sid, title):
                sections[sid] = {"school_id": self.school_ids[school], "title": title,
                                 "active": row.get("status").lower() != "tobedeleted"}
        seen = set(sections)
        if not seen:
            return
        self.section_ids = self.upsert("classes", Section, sections, {})
        if bulk:
            school_ids = list(self.school_ids.values())
            stale = self.session.execute(select(Section.id, Section.sourced_id).where(
                Section.school_id.in_(school_ids), Section.active)).all()
            gone = [pk for pk, sid in stale if sid not in seen]
            for pk in gone:
                self.record_update("section", pk, {"active": True})
            for part in _chunks(gone):
                self.session.execute(update(Section).where(Section.id.in_(part))
                                     .values(active=False))
            self.report.count("classes", "deleted", len(gone))

    # -- the end -----------------------------------------------------------------------------

    def finish(self, *, bulk_users: bool) -> None:
        """Soft-delete students and roster staff a bulk users.csv no longer lists, and the
        old record of each person the file gives another role."""
        self._old_roles()
        if not bulk_users or not self.seen_users:
            return
        school_ids = list(self.school_ids.values())
        students = self.session.execute(select(Student.id, Student.sourced_id).where(
            Student.school_id.in_(school_ids), Student.active)).all()
        gone = [pk for pk, sid in students if sid not in self.seen_users]
        for pk in gone:
            self.record_update("student", pk, {"active": True, "deleted_at": None})
        for part in _chunks(gone):
            self.session.execute(update(Student).where(Student.id.in_(part)).values(
                active=False, deleted_at=self.now, updated_at=self.now))
        self.report.count("students", "deleted", len(gone))
        staff = self.session.execute(select(StaffUser.id, StaffUser.sourced_id).where(
            StaffUser.district_id == self.district.id, StaffUser.active,
            StaffUser.sourced_id.is_not(None))).all()
        gone = [pk for pk, sid in staff if sid not in self.seen_users]
        for pk in gone:
            self.record_update("staff_user", pk, {"active": True})
        for part in _chunks(gone):
            self.session.execute(update(StaffUser).where(StaffUser.id.in_(part)).values(
                active=False))
        self.report.count("staff", "deleted", len(gone))

    def _old_roles(self) -> None:
        """A student who is staff now (or the reverse) keeps one active record: the new."""
        for model, kind, counted in ((Student, "student", "students"),
                                     (StaffUser, "staff", "staff")):
            # One read of the active ids (a few MB at 100,000 students), not one IN (...) per
            # 900 people of the other kinds (some 55 statements at 50,000 users).
            gone = [(pk, sid) for pk, sid in self.session.execute(
                select(model.id, model.sourced_id).where(model.active))
                if sid in self.kinds and self.kinds[sid][0] != kind]
            for pk, sid in gone:
                old = {"active": True, **({"deleted_at": None} if model is Student else {})}
                self.record_update(model.__tablename__, pk, old)
                self.report.tally("role_changed", "users.csv", self.kinds[sid][1], "role")
            values = {"active": False} | ({"deleted_at": self.now, "updated_at": self.now}
                                          if model is Student else {})
            for part in _chunks([pk for pk, _sid in gone]):
                self.session.execute(update(model).where(model.id.in_(part)).values(**values))
            self.report.count(counted, "deleted", len(gone))

    def remove_members(self, model: Any, ids: list[int]) -> None:
        for part in _chunks(ids):
            gone = self.session.execute(delete(model).where(model.id.in_(part)).returning(
                model.section_id, *(c for c in model.__table__.c
                                    if c.name in ("student_id", "staff_id")))).all()
            self._changed(model.__tablename__).setdefault("removed", []).extend(
                [list(pair) for pair in gone])

    def members_of_sections(self, model: Any, person: Any) -> list[tuple[int, int, int]]:
        found = []
        for part in _chunks(list(self.section_ids.values())):
            found += self.session.execute(select(model.id, model.section_id, person).where(
                model.section_id.in_(part))).all()
        return found

    def people(self, sids: Iterable[str]) -> None:
        """Look up students and staff that this file did not list (delta files)."""
        missing = [s for s in sids if s not in self.student_ids and s not in self.staff_ids]
        for part in _chunks(missing):
            self.student_ids.update(self.session.execute(select(
                Student.sourced_id, Student.id).where(Student.sourced_id.in_(part))).all())
            self.staff_ids.update(self.session.execute(select(
                StaffUser.sourced_id, StaffUser.id).where(
                    StaffUser.sourced_id.in_(part))).all())
