"""Mentor suggestions on the profile count each staff member's load across the whole school."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.models import FollowUp, SupportTie
from survey_app.models.enums import Role
from survey_app.reading import cache
from tests.factories import make_student, make_user
from tests.survey_app.counsel.builders import make_adult, mark, tie

ANCHOR_REASON = "Already the only school adult for 10 students."


@pytest.fixture
def busy(session, world):
    """Staff X is the sole reliable school adult of 10 students; X and an equal peer Y both
    volunteered to mentor ``world.students[0]``, who is not one of the 10."""
    w = world
    x = make_user(session, w.district, Role.STAFF, w.school, given_name="Xavier",
                  family_name="Busy")
    y = make_user(session, w.district, Role.STAFF, w.school, given_name="Yara",
                  family_name="Free")
    x_adult = make_adult(session, w.district.id, staff=x, role="teacher")
    make_adult(session, w.district.id, staff=y, role="teacher")
    for _i in range(10):
        tie(session, make_student(session, w.school), x_adult, w.wave, setting="school")
    target = w.students[0]
    for staff in (x, y):
        mark(session, staff, target, w.wave, willing_mentor=True)
    session.commit()
    return w, target, x, y


def _mentors(html: str) -> str:
    """The suggested-mentors section, CSRF tokens left out (they carry a timestamp)."""
    start = html.index("Suggested mentors")
    return re.sub(r'name="csrf_token" value="[^"]*"', "",
                  html[start:html.index("</section>", start)])


def _profile(client, student) -> str:
    response = client.get(f"/counsel/students/{student.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_profile_ranks_an_overloaded_staff_member_below_an_equal_peer(client, login_as, busy,
                                                                     session):
    cache.clear()
    w, target, x, y = busy
    login_as(w.users["counselor"])
    html = _profile(client, target)
    assert ANCHOR_REASON in html
    assert html.index("Make Yara Free the mentor") < html.index("Make Xavier Busy the mentor")
    assert "Make Yara Free the mentor" in _mentors(html)
    assert _mentors(_profile(client, target)) == _mentors(html)  # kept between views
    # The mentor POST accepts the same suggestions the page showed.
    assert client.post(f"/counsel/students/{target.id}/mentor",
                       data={"staff_id": x.id}).status_code == 302
    assert session.exec(FollowUp.__table__.select().where(
        FollowUp.mentor_staff_id == x.id)).first() is not None


def test_school_wide_load_follows_a_write_made_elsewhere(app, client, login_as, busy):
    cache.clear()
    w, target, x, _y = busy
    login_as(w.users["counselor"])
    assert ANCHOR_REASON in _profile(client, target)
    with Session(get_engine(app)) as other:  # another worker's write: one tie fewer
        first = other.exec(SupportTie.__table__.select().where(
            SupportTie.student_id != target.id).order_by(SupportTie.id)).first()
        other.execute(delete(SupportTie).where(SupportTie.id == first.id))
        other.commit()
    html = _profile(client, target)
    assert ANCHOR_REASON not in html
    assert "Already the only school adult" not in html  # 9 is below the minimum of 10
    assert "Make Xavier Busy the mentor" in html
