""""Same person?" through the profile page: accept merges the adults, reject keeps two;
who may decide, and what is recorded."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey_app.models import Adult, AdultMatch, AuditEvent
from survey_app.models.enums import MatchStatus
from tests.survey_app.counsel import builders as b

TWIN = "Grandma Rosalind"


@pytest.fixture
def proposal(session, story):
    """The family named TWIN; the student named Nana: a stored "same person?" question."""
    w, student = story.world, story.flagged
    twin = b.make_adult(session, w.district.id, name=TWIN, household_id=student.household_id)
    fam = b.invite(session, w.wave, household_id=student.household_id)
    b.tie(session, student, twin, w.wave, source="family_survey", reliability=4,
          setting="home", response=fam)
    keep = story.adults["nana"]
    session.add(AdultMatch(student_id=student.id, adult_a_id=keep.id, adult_b_id=twin.id,
                           score=0.9))
    session.commit()
    return story, keep, twin


def _url(student, keep, merge):
    return f"/counsel/students/{student.id}/matches/{keep.id}/{merge.id}"


def _match(session, keep, twin):
    session.expire_all()
    return session.exec(select(AdultMatch).where(AdultMatch.adult_a_id == keep.id,
                                                 AdultMatch.adult_b_id == twin.id)).one()


def test_the_question_shows_on_the_profile(client, login_as, proposal):
    story, keep, twin = proposal
    login_as(story.world.users["counselor"])
    html = client.get(f"/counsel/students/{story.flagged.id}").get_data(as_text=True)
    assert "The same person?" in html
    assert _url(story.flagged, keep, twin) in html
    assert TWIN in html


def test_accept_merges_the_adults(client, login_as, session, proposal):
    story, keep, twin = proposal
    counselor = story.world.users["counselor"]
    login_as(counselor)
    response = client.post(_url(story.flagged, keep, twin), data={"decision": "same"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#matches")
    match = _match(session, keep, twin)
    assert match.status == MatchStatus.CONFIRMED
    assert match.decided_by_id == counselor.id
    assert match.decided_at is not None
    assert session.get(Adult, twin.id).merged_into_id == keep.id
    html = client.get(f"/counsel/students/{story.flagged.id}").get_data(as_text=True)
    assert "The same person?" not in html  # answered: not asked again
    assert TWIN not in html  # one person now, shown under the kept name
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_reject_keeps_two_people(client, login_as, session, proposal):
    story, keep, twin = proposal
    login_as(story.world.users["counselor"])
    response = client.post(_url(story.flagged, keep, twin), data={"decision": "different"})
    assert response.status_code == 302
    match = _match(session, keep, twin)
    assert match.status == MatchStatus.REJECTED
    assert match.decided_by_id == story.world.users["counselor"].id
    assert session.get(Adult, twin.id).merged_into_id is None
    html = client.get(f"/counsel/students/{story.flagged.id}").get_data(as_text=True)
    assert "The same person?" not in html
    assert TWIN in html  # still their own row


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("analyst", 403),
                                              ("other_counselor", 404)])
def test_only_the_students_counselors_may_decide(client, login_as, session, proposal, role,
                                                 status):
    story, keep, twin = proposal
    login_as(story.world.users[role])
    response = client.post(_url(story.flagged, keep, twin), data={"decision": "same"})
    assert response.status_code == status
    match = _match(session, keep, twin)
    assert match.status == MatchStatus.PROPOSED
    assert match.decided_by_id is None
    assert session.get(Adult, twin.id).merged_into_id is None
    assert not session.exec(select(AuditEvent).where(
        AuditEvent.action.in_(["view_student", "decide_match"]))).all()  # a refusal: nothing


def test_unknown_pair_or_bad_decision(client, login_as, session, proposal):
    story, keep, twin = proposal
    login_as(story.world.users["counselor"])
    other = story.adults["coach"]
    assert client.post(_url(story.flagged, keep, other),
                       data={"decision": "same"}).status_code == 404
    assert client.post(_url(story.flagged, keep, twin),
                       data={"decision": "maybe"}).status_code == 400
    assert _match(session, keep, twin).status == MatchStatus.PROPOSED
    assert session.get(Adult, other.id).merged_into_id is None
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "decide_match")).all()


def test_each_profile_view_around_a_decision_is_audited(client, login_as, session, proposal):
    story, keep, twin = proposal
    login_as(story.world.users["counselor"])
    client.get(f"/counsel/students/{story.flagged.id}")
    client.post(_url(story.flagged, keep, twin), data={"decision": "same"})
    client.get(f"/counsel/students/{story.flagged.id}")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "view_student")).all()
    assert len(events) == 2
    assert {e.staff_id for e in events} == {story.world.users["counselor"].id}


@pytest.mark.parametrize("decision", ["same", "different"])
def test_each_decision_writes_its_own_audit_event(client, login_as, session, proposal, decision):
    story, keep, twin = proposal
    counselor = story.world.users["counselor"]
    login_as(counselor)
    assert client.post(_url(story.flagged, keep, twin),
                       data={"decision": decision}).status_code == 302
    session.expire_all()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "decide_match")).one()
    assert (event.staff_id, event.target_type, event.target_id, event.school_id) == (
        counselor.id, "student", str(story.flagged.id), story.world.school.id)
    assert event.detail == {"keep": keep.id, "merge": twin.id, "decision": decision}
