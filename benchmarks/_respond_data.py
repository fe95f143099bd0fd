"""A small district on a fresh SQLite file, with invitations made by our own services."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel

import survey_app.models  # noqa: F401
from survey_app.models import District, Household, School, StaffUser, Student, SurveyWave
from survey_app.services import invitations

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"


GIVEN = ["Ana", "Bo", "Carmen", "Dmitri", "Esi", "Farah", "Gus", "Hoa", "Ines", "Jamal"]
FAMILY = ["Rivera", "Lee", "Nguyễn", "Okafor", "Petrov", "Haddad", "Kim", "Silva"]


def build(url: str, *, students: int = 200, staff: int = 2) -> dict[str, list]:
    """Schema + one school with ``staff`` staff + ``students`` students in households of two.

    Returns access data per kind (``student``, ``family``) and the staff ids (``staff``).
    """
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        district = District(name="Bench", code="BENCH")
        s.add(district)
        s.flush()
        school = School(district_id=district.id, code="B1", name="Bench Middle", grade_low=6,
                        grade_high=8)
        wave = SurveyWave(district_id=district.id, ordinal=1, name="Fall")
        s.add_all([school, wave])
        s.flush()
        people = [StaffUser(district_id=district.id, school_id=school.id,
                            given_name=GIVEN[n % len(GIVEN)],
                            family_name=FAMILY[n % len(FAMILY)] + ("" if n < 10 else f"-{n}"))
                  for n in range(staff)]
        s.add_all(people)
        for n in range(students):
            if n % 2 == 0:
                household = Household(district_id=district.id, language="es")
                s.add(household)
                s.flush()
            s.add(Student(school_id=school.id, household_id=household.id, sourced_id=f"b{n}",
                          given_name=f"Kid{n}", family_name="Bench", grade=6 + n % 3))
        s.flush()
        made = {k: invitations.create_for_wave(session=s, wave=wave, kind=k, secret=SECRET)
                for k in ("student", "family")}
        s.commit()
        out = {k: [invitations.access(i, secret=SECRET, base_url="") for i in v]
               for k, v in made.items()}
        out["staff"] = [p.id for p in people]
    engine.dispose()
    return out
