"""A district whose every free-text field holds a hostile payload, written through the real
write paths: the OneRoster and context importers, the survey service (save + submit), the
engagement, follow-up and wave services.

Record ``i`` carries payload ``i`` everywhere: student ``i``'s given name, teacher ``i``'s
name, class ``i``'s title, the adult that student ``i`` named in the survey, household
``i``'s answers (help.other, family.emergency_pickup, contact.times), the family contact
logged with household ``i``, the follow-up of student ``i`` and wave ``i``'s name.
Student names take the ``alert(1)`` form (a dialog would open); adults named in surveys
take the ``window.__pwned=1`` form (a flag the test reads), so both ways a script could
announce itself are watched.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel, select

from survey_app import create_app
from survey_app.imports.context import import_context
from survey_app.imports.oneroster import import_roster
from survey_app.imports.package import open_package
from survey_app.models import FollowUp, Household, Invitation, School, StaffUser, Student
from survey_app.models.enums import Role, SurveyKind
from survey_app.services import engagement, followups, invitations, responses, waves
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, PASSWORD_HASH  # noqa: F401  (PASSWORD: the sign-in of the browser test)
from tests.security.payloads import XSS

SECRET = "test-secret-key-that-is-long-enough-0123456789"
#: The same payloads, announcing themselves with a flag instead of a dialog.
PWNED = [p.replace("alert(1)", "window.__pwned=1") for p in XSS]


@dataclass
class Hostile:
    school_id: int
    district_id: int
    student_ids: list[int] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # role → email
    fields: list[str] = field(default_factory=list)


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_roster(folder: Path, texts: list[str] = XSS) -> Path:
    """One school named with a payload; a student, a parent, a teacher and a class per payload."""
    folder.mkdir(parents=True, exist_ok=True)
    n = len(texts)
    orgs = [["d1", "active", "", "Hostile District", "district", "", ""],
            ["s1", "active", "", texts[0], "school", "HOS1", "d1"]]
    users = []
    for i, text in enumerate(texts):
        users.append([f"u{i}", "active", "TRUE", "s1", "student", text, f"Fam{i}", f"{5000 + i}",
                      f"p{i}", "05", ""])
        users.append([f"p{i}", "active", "TRUE", "s1", "parent", text, f"Parent{i}", "",
                      f"u{i}", "", ""])
        users.append([f"t{i}", "active", "TRUE", "s1", "teacher", text, f"Teach{i}", "", "", "",
                      f"t{i}@example.org"])
    classes = [[f"c{i}", "active", texts[i], "s1"] for i in range(n)]
    enrollments = ([[f"es{i}", f"c{i}", "s1", f"u{i}", "student", "true"] for i in range(n)]
                   + [[f"et{i}", f"c{i}", "s1", f"t{i}", "teacher", "true"] for i in range(n)])
    files = {
        "orgs": _csv(["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                      "parentSourcedId"], orgs),
        "users": _csv(["sourcedId", "status", "enabledUser", "orgSourcedIds", "role", "givenName",
                       "familyName", "identifier", "agentSourcedIds", "grades", "email"], users),
        "classes": _csv(["sourcedId", "status", "title", "schoolSourcedId"], classes),
        "enrollments": _csv(["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId",
                             "role", "primary"], enrollments),
    }
    for stem, text in files.items():
        (folder / f"{stem}.csv").write_text(text, encoding="utf-8")
    return folder


def _import(session: Session, folder: Path, texts: list[str]) -> None:
    # Line breaks inside quoted roster fields split the row in the package reader (reported);
    # the formula world keeps its CR/LF payloads for the survey and staff paths.
    texts = [t.replace("\r", " ").replace("\n", " ") for t in texts]
    report = import_roster(session=session, package=open_package(write_roster(folder, texts)))
    assert report.ok, report.problems
    context = _csv(["sourcedId", "term", "attendance_rate"],
                   [[f"u{i}", text[:40], "0.5"] for i, text in enumerate(texts)])
    report = import_context(session=session, raw=io.BytesIO(context.encode()), name="context.csv")
    assert report.ok, report.problems
    session.commit()


def _users(session: Session, school: School, hostile: Hostile, adult_texts: list[str]) -> None:
    """Sign-in accounts of each role (teacher 0 becomes the staff member who signs in)."""
    hashed = PASSWORD_HASH
    for role in Role:
        email = f"{role.value}@hostile.example"
        user = StaffUser(district_id=school.district_id, role=role, email=email,
                         password_hash=hashed, given_name=adult_texts[1], family_name=role.value,
                         school_id=None if role == Role.DISTRICT_ADMIN else school.id)
        session.add(user)
        session.flush()
        if role == Role.COUNSELOR:
            from survey_app.models import CounselorSchool

            session.add(CounselorSchool(staff_id=user.id, school_id=school.id))
        hostile.users[role.value] = email
    session.commit()


def _surveys(session: Session, wave, students: list[Student], texts: list[str],
             adult_texts: list[str]) -> None:
    """Each student names one adult; each household answers the free-text items."""
    made = invitations.create_for_wave(session=session, wave=wave, kind=SurveyKind.STUDENT,
                                       secret=SECRET)
    made += invitations.create_for_wave(session=session, wave=wave, kind=SurveyKind.FAMILY,
                                        secret=SECRET)
    index = {s.id: i for i, s in enumerate(students)}
    by_household = {s.household_id: i for i, s in enumerate(students)}
    for inv in made:
        i = index[inv.student_id] if inv.student_id else by_household[inv.household_id]
        if inv.student_id and i % 4 == 3:
            continue  # some students never answer: the non-respondent list shows them
        resp = responses.start_or_resume(session=session, invitation=inv, survey=inv.kind,
                                          version="1", language="en")
        adult = {"name": adult_texts[i], "relation": "grandparent", "lives_with": True,
                 "support": ["emotional"], "reliability": 4, "frequency": "daily"}
        values = {}
        if inv.kind == SurveyKind.FAMILY:
            values = {"help.requests": ["other"], "help.other": texts[i],
                      "family.emergency_pickup": texts[i], "contact.times": texts[i]}
            adult = {**adult, "relation": "aunt_uncle"}
        responses.save_page(session=session, response=resp, language="en", page_id="adults",
                            values=values, adults=[(None, adult)])
        assert responses.submit(session=session, response=resp, invitation=inv)
    session.commit()


def _staff_writes(session: Session, school: School, students: list[Student], texts: list[str],
                  adult_texts: list[str]) -> None:
    counselor = session.exec(select(StaffUser).where(StaffUser.role == Role.COUNSELOR)).one()
    for i, student in enumerate(students):
        engagement.log_contact(session=session, household_id=student.household_id,
                               school_id=school.id, staff_id=counselor.id,
                               data={"contacted_on": date(2025, 10, 1), "channel": "call",
                                     "started_by": "school", "note": texts[i]})
        row = followups.create(session=session, student=student, created_by_id=counselor.id,
                               owner_id=counselor.id, note=adult_texts[i], due_on=None)
        followups.update(session=session, followup=row, status="in_progress", outcome=texts[i])
    for i, text in enumerate(texts):  # future waves: the current wave stays the first
        waves.add_wave(session=session, district_id=school.district_id, name=text,
                       opens_on=date(2090, 1, 1 + i % 28), closes_on=date(2090, 12, 31))
    session.commit()


def build_on_file(folder: Path, texts: list[str] = XSS, adult_texts: list[str] = PWNED):
    """The hostile district on a new SQLite file in ``folder``: ``(app, engine, world)``.

    The caller disposes of the engine."""
    url = f"sqlite:///{folder}/hostile.db"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        world = build(session, folder / "roster", texts, adult_texts)
    return app, engine, world


def build(session: Session, folder: Path, texts: list[str] = XSS,
          adult_texts: list[str] = PWNED) -> Hostile:
    """The district, with ``texts[i]`` in record ``i``'s fields (``adult_texts[i]`` for the
    adults named in surveys, the follow-up notes and the staff names)."""
    _import(session, folder, texts)
    school = session.exec(select(School)).one()
    hostile = Hostile(school_id=school.id, district_id=school.district_id)
    _users(session, school, hostile, adult_texts)
    wave = waves.add_wave(session=session, district_id=school.district_id, name=texts[1],
                          opens_on=date(2020, 1, 1), closes_on=None)
    session.commit()
    students = list(session.exec(select(Student).order_by(Student.sourced_id)))
    students.sort(key=lambda s: int(s.sourced_id[1:]))
    assert all(isinstance(s.household_id, int) for s in students)
    _surveys(session, wave, students, texts, adult_texts)
    _staff_writes(session, school, students, texts, adult_texts)
    hostile.student_ids = [s.id for s in students]
    hostile.household_ids = [s.household_id for s in students]
    hostile.fields = [
        "student given name (OneRoster)", "parent given name (OneRoster)",
        "teacher given name (OneRoster)", "school name (OneRoster)", "class title (OneRoster)",
        "context term (context CSV)", "adult name (student survey)",
        "adult name (family survey)", "help.other", "family.emergency_pickup", "contact.times",
        "engagement note", "follow-up note", "follow-up outcome", "wave name",
        "staff display name",
    ]
    assert session.exec(select(FollowUp)).first() is not None
    assert session.exec(select(Household)).first() is not None
    assert session.exec(select(Invitation)).first() is not None
    return hostile
