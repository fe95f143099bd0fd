"""Fixtures for the import and export tests: roster folders written from text, surveyed students."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app.models import Adult, Answer, FollowUp, Invitation, Response, SupportTie
from tests.paths import ONEROSTER_SAMPLE

#: The public oat-sa sample (kept beside the project, not in it: its licence is the
#: sample's own). Tests that need it skip when it is absent.
SAMPLE = ONEROSTER_SAMPLE

ORGS = """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,active,,Riverside District,district,,
s1,active,,Elm Elementary,school,ELM1,d1
s2,active,,Oak High,school,OAK1,d1
"""
USERS = """sourcedId,status,enabledUser,orgSourcedIds,role,givenName,familyName,identifier,agentSourcedIds,grades,email
u1,active,TRUE,s1,student,Ana,Reyes,1001,p1,03,
u2,active,TRUE,s1,student,Luis,Reyes,1002,p1,05,
u3,active,TRUE,s2,student,Mai,Nguyễn,1003,p2,10,
u4,active,TRUE,s2,student,Omar,حسن,1004,,11,
p1,active,TRUE,s1,parent,Rosa,Reyes,,u1,,
p2,active,TRUE,s2,guardian,Thu,Nguyễn,,,,
t1,active,TRUE,s1,teacher,Jo,Park,,,,jo@example.org
"""
CLASSES = """sourcedId,status,title,schoolSourcedId
c1,active,Grade 3 Homeroom,s1
c2,active,Biology,s2
"""
ENROLLMENTS = """sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,primary
e1,c1,s1,u1,student,true
e2,c1,s1,t1,teacher,true
e3,c2,s2,u3,student,true
"""
DEMOGRAPHICS = """userSourcedId,birthdate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslanders,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity
u1,2016-04-02,female,FALSE,FALSE,FALSE,FALSE,TRUE,FALSE,TRUE
u3,2010-01-09,male,false,true,false,false,false,false,false
u4,,male,false,false,true,false,true,false,false
"""
EXTRA = """sourcedId,english_learner,disability,econ_disadvantaged,consent,preferred_language
u1,yes,no,true,consented,es
u3,true,false,false,opted_out,vi
"""


def write_roster(folder: Path, **files: str) -> Path:
    """A roster folder: the small district above, with any file replaced or left out."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"orgs": ORGS, "users": USERS, "classes": CLASSES, "enrollments": ENROLLMENTS,
                "demographics": DEMOGRAPHICS} | files
    for stem, text in contents.items():
        if text is not None:
            (folder / f"{stem}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def roster(tmp_path) -> Path:
    return write_roster(tmp_path / "roster")


@pytest.fixture
def extra_csv(tmp_path) -> Path:
    path = tmp_path / "extra.csv"
    path.write_text(EXTRA, encoding="utf-8")
    return path


EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture
def surveyed(session, world):
    """Two students who answered: one names a single adult, one with a hostile name."""
    first, second = world.students[0], world.students[1]
    second.given_name, second.family_name = EVIL, "ليلى"
    session.add(second)
    adult = Adult(district_id=world.district.id, role="coach", display_name="+Coach Zoë",
                  kind="community")
    session.add(adult)
    session.flush()
    for n, student in enumerate((first, second)):
        invitation = Invitation(wave_id=world.wave.id, kind="student", student_id=student.id,
                                nonce=f"n{n}", code_hash=f"c{n}", token_hash=f"t{n}",
                                status="submitted")
        session.add(invitation)
        session.flush()
        response = Response(invitation_id=invitation.id, survey="student", version="2025.1",
                            language="es", status="submitted")
        session.add(response)
        session.flush()
        session.add_all([
            Answer(response_id=response.id, item_id="home.internet", value="phone_only",
                   language="es"),
            Answer(response_id=response.id, item_id="home.devices", value=["phone"],
                   language="es"),
            Answer(response_id=response.id, item_id="adults", entry=0, language="es",
                   value={"name": "@Coach", "staff_id": None, "relation": "coach",
                          "support": ["academic", "emotional"], "frequency": "weekly",
                          "reliability": 4, "lives_with": False}),
            SupportTie(student_id=student.id, adult_id=adult.id, wave_id=world.wave.id,
                       source="student_survey", response_id=response.id, entry=0,
                       academic=True, emotional=True, reliability=4, setting="community",
                       frequency="weekly", lives_with=False),
        ])
    session.add(FollowUp(student_id=second.id, owner_id=world.users["counselor"].id,
                         note="-call"))
    session.commit()
    return world
