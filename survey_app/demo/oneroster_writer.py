"""Write the district's roster as a OneRoster 1.2 bulk package (plus the extra CSV).

Used as a round-trip fixture for the importer and by ``benchmarks/exports.py``.
Households become guardians: a household's parent adults when they came from a
roster, otherwise one stand-in guardian per household, so the import rebuilds
the same sibling groups. Values are written raw: this is machine-to-machine
data, not a spreadsheet, so no formula escaping.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import IO

from sqlmodel import Session, select

from survey_app.imports.fields import RACE_FLAGS
from survey_app.models import (
    Adult,
    District,
    School,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
)

__all__ = ["write_oneroster"]

_USERS = ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds",
          "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
          "agentSourcedIds", "grades", "password", "userMasterIdentifier",
          "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
          "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]
_ROLES = ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
          "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"]
_DEMOGRAPHICS = ["sourcedId", "status", "dateLastModified", "birthDate", "sex", *RACE_FLAGS]
_EXTRA = ["sourcedId", "english_learner", "disability", "econ_disadvantaged", "consent",
          "preferred_language", "home_language"]
_FILES = ["orgs", "users", "roles", "demographics", "classes", "enrollments"]


def _grade(grade: int) -> str:
    return {-1: "PK", 0: "KG"}.get(grade, f"{grade:02d}")


def _flag(value: object) -> str:
    return "" if value is None else str(bool(value)).lower()


class _Zip:
    """Each member is written as a stream of CSV rows (constant memory).

    A ZIP takes one write handle at a time, so files written side by side go
    to temporary files first and are copied in by :meth:`close`.
    """

    def __init__(self, target: Path | IO[bytes]):
        self.archive = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.pending: list[tuple[str, IO[bytes]]] = []

    def writer(self, name: str, header: list[str]):
        raw = tempfile.TemporaryFile()
        self.pending.append((name, raw))
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        out = csv.writer(text)
        out.writerow(header)
        return _Detaching(text), out

    def close(self) -> None:
        for name, raw in self.pending:
            raw.seek(0)
            with self.archive.open(name, "w", force_zip64=True) as member:
                shutil.copyfileobj(raw, member, 1024 * 1024)
            raw.close()
        self.archive.close()


class _Detaching:
    """Closing the CSV text flushes it and leaves the temporary file for the ZIP."""

    def __init__(self, text: io.TextIOWrapper):
        self._text = text

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def write_oneroster(*, session: Session, target: Path | IO[bytes],
                    extra: Path | IO[bytes]) -> None:
    """Write the whole district to ``target`` (a ZIP) and its extra CSV to ``extra``."""
    package = _Zip(target)
    manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
    manifest += [(f"file.{name}", "bulk") for name in _FILES]
    text, out = package.writer("manifest.csv", ["propertyName", "value"])
    out.writerows(manifest)
    text.close()
    _orgs(session, package)
    _people(session, package, extra)
    _classes(session, package)
    package.close()


def _orgs(session: Session, package: _Zip) -> None:
    text, out = package.writer("orgs.csv", ["sourcedId", "status", "dateLastModified", "name",
                                            "type", "identifier", "parentSourcedId"])
    for district in session.exec(select(District)):
        out.writerow([district.code, "active", "", district.name, "district", "", ""])
        for school in session.exec(select(School).where(School.district_id == district.id)):
            out.writerow([_school_sid(school), "active" if school.active else "tobedeleted", "",
                          school.name, "school", school.code, district.code])
    text.close()


def _school_sid(school: School) -> str:
    return school.sourced_id or f"school-{school.id}"


def _guardians(session: Session) -> dict[int, list[tuple[str, str, str]]]:
    """household id → [(sourcedId, given, family)] of its roster parents (or a stand-in)."""
    found: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    rows = session.exec(select(Adult.household_id, Adult.sourced_id, Adult.display_name).where(
        Adult.household_id.is_not(None), Adult.sourced_id.is_not(None), Adult.kind == "family"))
    for household_id, sid, name in rows:
        given, _sep, family = name.partition(" ")
        found[household_id].append((sid, given, family or "-"))
    return found


def _people(session: Session, package: _Zip, extra_target: Path | IO[bytes]) -> None:
    schools = {s.id: _school_sid(s) for s in session.exec(select(School))}
    guardians = _guardians(session)
    users_text, users = package.writer("users.csv", _USERS)
    roles_text, roles = package.writer("roles.csv", _ROLES)
    demo_text, demographics = package.writer("demographics.csv", _DEMOGRAPHICS)
    extra_file = open(extra_target, "wb") if isinstance(extra_target, Path) else extra_target
    extra_text = io.TextIOWrapper(extra_file, encoding="utf-8", newline="")
    extra = csv.writer(extra_text)
    extra.writerow(_EXTRA)
    written_guardians: set[str] = set()
    query = select(Student).where(Student.active).order_by(Student.id)
    for student in session.exec(query.execution_options(yield_per=1000)):
        agents = []
        if student.household_id is not None:
            family = guardians.get(student.household_id) or [
                (f"guardian-{student.household_id}", "Guardian", str(student.household_id))]
            agents = [sid for sid, _g, _f in family]
            for sid, given, family_name in family:
                if sid not in written_guardians:
                    written_guardians.add(sid)
                    users.writerow(_user_row(sid, given, family_name, ""))
                    roles.writerow([f"r-{sid}", "active", "", sid, "primary", "guardian", "", "",
                                    schools[student.school_id], ""])
        users.writerow(_user_row(student.sourced_id, student.given_name, student.family_name,
                                 student.sis_id or "", agents=",".join(agents),
                                 grades=_grade(student.grade),
                                 preferred=student.preferred_name or ""))
        roles.writerow([f"r-{student.sourced_id}", "active", "", student.sourced_id, "primary",
                        "student", "", "", schools[student.school_id], ""])
        flags = student.race_flags or {}
        demographics.writerow([student.sourced_id, "active", "",
                               student.birth_date.isoformat() if student.birth_date else "",
                               student.gender or "", *(_flag(flags.get(f)) for f in RACE_FLAGS)])
        extra.writerow([student.sourced_id, _flag(student.english_learner),
                        _flag(student.disability), _flag(student.econ_disadvantaged),
                        student.consent, student.preferred_language,
                        student.home_language or ""])
    for staff in session.exec(select(StaffUser).where(StaffUser.active)):
        sid = staff.sourced_id or f"staff-{staff.id}"
        users.writerow(_user_row(sid, staff.given_name, staff.family_name, "",
                                 email=staff.email or ""))
        roles.writerow([f"r-{sid}", "active", "", sid, "primary", "teacher", "", "",
                        schools.get(staff.school_id, ""), ""])
    for text in (users_text, roles_text, demo_text):
        text.close()
    if isinstance(extra_target, Path):
        extra_text.close()
    else:  # the caller owns the stream
        extra_text.flush()
        extra_text.detach()


def _user_row(sid: str, given: str, family: str, identifier: str, *, agents: str = "",
              grades: str = "", preferred: str = "", email: str = "") -> list[str]:
    values = dict.fromkeys(_USERS, "")
    values.update(sourcedId=sid, status="active", enabledUser="true", givenName=given,
                  familyName=family, identifier=identifier, agentSourcedIds=agents,
                  grades=grades, preferredGivenName=preferred, email=email)
    return list(values.values())


def _classes(session: Session, package: _Zip) -> None:
    schools = {s.id: _school_sid(s) for s in session.exec(select(School))}
    text, out = package.writer("classes.csv", ["sourcedId", "status", "dateLastModified",
                                               "title", "schoolSourcedId"])
    sections = {}
    for section in session.exec(select(Section).where(Section.active)):
        sections[section.id] = (section.sourced_id or f"class-{section.id}", section.school_id)
        out.writerow([sections[section.id][0], "active", "", section.title,
                      schools[section.school_id]])
    text.close()
    text, out = package.writer("enrollments.csv", ["sourcedId", "status", "dateLastModified",
                                                   "classSourcedId", "schoolSourcedId",
                                                   "userSourcedId", "role", "primary"])
    students = dict(session.exec(select(Student.id, Student.sourced_id)).all())
    staff = {pk: sid or f"staff-{pk}" for pk, sid in
             session.exec(select(StaffUser.id, StaffUser.sourced_id)).all()}
    for model, person, ids, role in ((SectionStudent, "student_id", students, "student"),
                                     (SectionTeacher, "staff_id", staff, "teacher")):
        for member in session.exec(select(model)):
            if member.section_id not in sections or getattr(member, person) not in ids:
                continue
            class_sid, school_id = sections[member.section_id]
            out.writerow([f"e-{member.id}-{role}", "active", "", class_sid, schools[school_id],
                          ids[getattr(member, person)], role, "true"])
    text.close()
