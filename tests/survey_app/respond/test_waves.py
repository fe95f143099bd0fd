"""Waves' life cycle at every door: codes, links, pages, saves, letters; reopening; purge.

A closed wave's code gets a kind page in the invitation's language and nothing is
written; a purged wave's codes are gone and so is every copy of its answers.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import String, cast, func, or_, select, text
from sqlmodel import SQLModel

from survey_app.models import (
    Answer,
    AuditEvent,
    FollowUp,
    Household,
    Invitation,
    Response,
    SurveyWave,
)
from survey_app.models.enums import InvitationStatus
from survey_app.services import retention, waves

TODAY = date.today()


def _set(session, wave, **dates):
    for name, value in dates.items():
        setattr(wave, name, value)
    session.add(wave)
    session.commit()


def _count(session, model, *where):
    session.rollback()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()[0]


def test_states_follow_the_dates():
    day = date(2026, 3, 1)
    assert waves.state_of(opens_on=None, closes_on=None, purged_at=None, today=day) == "open"
    assert waves.state_of(opens_on=day + timedelta(1), closes_on=None, purged_at=None,
                          today=day) == "draft"
    assert waves.state_of(opens_on=None, closes_on=day, purged_at=None, today=day) == "open"
    assert waves.state_of(opens_on=None, closes_on=day - timedelta(1), purged_at=None,
                          today=day) == "closed"
    assert waves.state_of(opens_on=None, closes_on=None, purged_at=object(),
                          today=day) == "purged"


@pytest.mark.parametrize("door", ["code", "link"])
def test_a_closed_waves_code_shows_a_kind_page_in_the_invitations_language(
        client, session, world, invite, door):
    _set(session, world.wave, opens_on=TODAY - timedelta(90), closes_on=TODAY - timedelta(60))
    inv = invite(language="es")
    r = client.post("/", data={"code": inv.code}) if door == "code" \
        else client.get(f"/r/{inv.token}")
    assert r.status_code == 410
    assert b'lang="es"' in r.data
    assert b"If you have a newer letter" not in r.data
    assert _count(session, Response) == 0  # nothing written: no response, still "sent"
    assert session.get(Invitation, inv.invitation.id).status == InvitationStatus.SENT
    assert b'id="survey"' not in client.get("/survey/home").data  # no survey on this device


def test_a_draft_waves_code_says_not_yet(client, session, world, invite):
    _set(session, world.wave, opens_on=TODAY + timedelta(3))
    r = client.post("/", data={"code": invite().code})
    assert r.status_code == 200
    assert b"This survey is not open yet" in r.data
    assert _count(session, Response) == 0


def test_a_survey_open_when_the_wave_closes_saves_nothing_more(client, session, world, started):
    inv = started()
    client.post("/survey/home", data={"home_internet": "none", "skip_ok": "1"})
    before = _count(session, Answer)
    _set(session, session.get(SurveyWave, world.wave.id), closes_on=TODAY - timedelta(1))
    r = client.post("/survey/after_school", data={"home_transport": "bus", "skip_ok": "1"})
    assert r.status_code == 410
    assert b"If you have a newer letter" in r.data
    assert _count(session, Answer) == before
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Rosa"})
    assert _count(session, Answer) == before
    assert session.get(Invitation, inv.invitation.id).status != InvitationStatus.SUBMITTED


def test_letters_list_only_open_waves_unsubmitted_invitations(
        client, session, world, invite, login_as):
    closed = SurveyWave(district_id=world.district.id, ordinal=2, name="Old",
                        closes_on=TODAY - timedelta(30))
    session.add(closed)
    session.commit()
    waiting, answered, old = invite("family"), invite("family"), invite("family")
    answered.invitation.status = InvitationStatus.SUBMITTED
    old.invitation.wave_id = closed.id
    session.add_all([answered.invitation, old.invitation])
    session.commit()
    login_as(world.users["district_admin"])
    r = client.get(f"/letters?kind=family&school={world.school.code}")
    assert r.status_code == 200
    page = r.data.decode()
    assert waiting.code in page
    assert answered.code not in page
    assert old.code not in page


def test_an_admin_reopens_a_closed_wave_and_it_is_audited(client, session, world, invite,
                                                           login_as):
    _set(session, world.wave, closes_on=TODAY - timedelta(5))
    inv = invite()
    assert client.post("/", data={"code": inv.code}).status_code == 410
    login_as(world.users["district_admin"])
    settings = client.get("/admin/settings").data
    assert b"Open this window again" in settings
    until = (TODAY + timedelta(7)).isoformat()
    r = client.post(f"/admin/settings/waves/{world.wave.id}/reopen",
                    data={f"reopen{world.wave.id}-closes_on": until})
    assert r.status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(SurveyWave, world.wave.id).closes_on.isoformat() == until
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "wave_reopen")).one()[0]
    assert event.detail["after"]["closes_on"] == until
    assert event.staff_id == world.users["district_admin"].id
    assert client.post("/", data={"code": inv.code}).status_code == 302


@pytest.mark.parametrize("typed", ["past", "2026-13-45"])
def test_a_refused_reopening_keeps_the_typed_day_and_says_why(client, session, world,
                                                             login_as, typed):
    """A closing day in the past or not a date: the page comes back (400) with the day as
    typed beside its message, not a redirect that forgets it; nothing is opened."""
    _set(session, world.wave, closes_on=TODAY - timedelta(5))
    login_as(world.users["district_admin"])
    value = (TODAY - timedelta(3)).isoformat() if typed == "past" else typed
    r = client.post(f"/admin/settings/waves/{world.wave.id}/reopen",
                    data={f"reopen{world.wave.id}-closes_on": value})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert f'value="{value}"' in page
    assert ("cannot be in the past" in page) if typed == "past" else ("as a date" in page
                                                                       or "valid date" in page)
    session.rollback()
    session.expire_all()
    assert session.get(SurveyWave, world.wave.id).closes_on == TODAY - timedelta(5)


def test_a_purged_wave_cannot_be_reopened_and_its_codes_are_gone(client, session, world,
                                                                  invite, login_as):
    inv = invite()
    _set(session, world.wave, closes_on=TODAY - timedelta(400))
    retention.purge_wave(session=session, district_id=world.district.id, ordinal=1)
    session.commit()
    assert client.post("/", data={"code": inv.code}).status_code == 400  # not found
    assert client.get(f"/r/{inv.token}").status_code == 404
    login_as(world.users["district_admin"])
    client.post(f"/admin/settings/waves/{world.wave.id}/reopen", data={})
    session.rollback()
    session.expire_all()
    assert session.get(SurveyWave, world.wave.id).closes_on == TODAY - timedelta(400)
    assert _count(session, AuditEvent, AuditEvent.action == "wave_reopen") == 0


def test_a_session_of_a_purged_wave_writes_nothing(client, session, world, started):
    started()
    client.post("/survey/home", data={"home_internet": "none", "skip_ok": "1"})
    _set(session, session.get(SurveyWave, world.wave.id), closes_on=TODAY - timedelta(400))
    retention.purge_wave(session=session, district_id=world.district.id, ordinal=1)
    session.commit()
    r = client.post("/survey/home", data={"home_internet": "works_well", "skip_ok": "1"})
    assert r.status_code == 410
    assert _count(session, Answer) == 0


# -- purge means gone ---------------------------------------------------------------

SECRET_WORDS = ("Zanzibar-quilt-7741", "Tuesdays after 19:40 only please", "Grandpa Oskarsson")


def _family_answers_everything(client, invite, world):
    inv = invite("family")
    assert client.get(f"/r/{inv.token}").status_code == 302
    steps = [
        ("contact", {"contact_language": "es", "contact_channels": ["text", "email"],
                     "contact_times": SECRET_WORDS[1], "contact_interpreter": "yes"}),
        ("home", {"home_internet": "works_well", "skip_ok": "1"}),
        ("adults", {"adults-0-entry": "", "adults-0-name": SECRET_WORDS[2],
                    "adults-0-relation": "grandparent", "adults-0-reliability": "4",
                    "family_emergency_pickup": SECRET_WORDS[2]}),
        ("school", {"school_trusted_person": "yes"}),
        ("help", {"help_requests": ["food", "other"], "help_other": SECRET_WORDS[0]}),
    ]
    for page, data in steps:
        r = client.post(f"/survey/{page}", data={**data, "skip_ok": "1"})
        assert r.status_code == 302, (page, r.data[:2000])
    return inv


def _everywhere(session, words) -> list[str]:
    """Every text-like cell of every table that holds one of ``words``."""
    found = []
    session.rollback()
    session.expire_all()
    for table in SQLModel.metadata.sorted_tables:
        columns = list(table.c)
        if not columns:
            continue
        clauses = [cast(c, String).contains(w) for c in columns for w in words]
        rows = session.execute(select(*columns).where(or_(*clauses))).all()
        found += [f"{table.name}: {tuple(row)}" for row in rows]
    return found


def test_purge_leaves_no_copy_of_the_answers_anywhere(client, session, world, invite):
    _family_answers_everything(client, invite, world)
    assert _everywhere(session, SECRET_WORDS)  # the search finds them before the purge
    note = session.exec(select(FollowUp).where(FollowUp.help_type == "other")).first()[0]
    assert note.note == SECRET_WORDS[0]
    household = session.get(Household, world.students[0].household_id)
    assert household.contact_times == SECRET_WORDS[1]
    _set(session, session.get(SurveyWave, world.wave.id), closes_on=TODAY - timedelta(400))
    report = retention.purge_wave(session=session, district_id=world.district.id, ordinal=1)
    session.commit()
    assert report.notes >= 1
    assert report.contact_preferences == 1
    assert _everywhere(session, SECRET_WORDS) == []
    session.expire_all()
    household = session.get(Household, world.students[0].household_id)
    assert household.contact_channels == []
    assert household.wants_interpreter is None
    # What retention keeps: the request itself (for the counselor's caseload).
    assert _count(session, FollowUp, FollowUp.help_type == "food") >= 1


def test_a_late_answer_of_an_old_wave_does_not_overwrite_newer_preferences(
        client, session, world, invite):
    newer = SurveyWave(district_id=world.district.id, ordinal=2, name="Spring")
    session.add(newer)
    session.commit()
    old = invite("family")
    spring = invite("family").invitation
    spring.wave_id, spring.status = newer.id, InvitationStatus.SUBMITTED
    session.add(spring)
    household = session.get(Household, world.students[0].household_id)
    household.contact_times = "spring answer"
    session.add(household)
    session.commit()
    assert client.get(f"/r/{old.token}").status_code == 302
    for page, data in [("contact", {"contact_times": "fall answer"}), ("home", {}),
                       ("adults", {}), ("school", {}), ("help", {})]:
        assert client.post(f"/survey/{page}", data={**data, "skip_ok": "1"}).status_code == 302
    session.expire_all()
    assert session.get(Household, world.students[0].household_id).contact_times \
        == "spring answer"


def test_the_search_would_find_text_in_json(session, world):
    """The whole-database search reads JSON columns too (else it could not fail)."""
    session.execute(text("SELECT 1"))
    household = session.get(Household, world.students[0].household_id)
    household.contact_channels = ["Zanzibar-quilt-7741"]
    session.add(household)
    session.commit()
    assert _everywhere(session, SECRET_WORDS)
