"""Reminders end to end: the staff page starts a job, the worker sends through a real SMTP
server on loopback (aiosmtpd), and the tests read what the server was given."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from sqlmodel import select

from survey_app.config import ROOT
from survey_app.jobs import worker
from survey_app.models import (
    AuditEvent,
    DistrictSettings,
    Invitation,
    JobRun,
    ReminderOptOut,
    ReminderSend,
)
from survey_app.services import invitations
from tests.survey_app.reminders.conftest import REFUSED


def _catalog(language: str) -> dict[str, str]:
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and isinstance(m.id, str)}


def _send(app, client, **filters) -> JobRun:
    """Press "Send the reminders" with ``filters``, then let a worker run the job."""
    answer = client.post("/reminders/", data={"wave": filters.pop("wave"), **filters})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert worker.work(app, burst=True) == 1
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "done", state
    return state


def _parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def _age_sends(session, hours: int) -> None:
    """As if the sends so far had happened ``hours`` ago (the gap between reminders)."""
    for send in session.exec(select(ReminderSend)):
        send.sent_at = send.sent_at - timedelta(hours=hours)
        session.add(send)
    session.commit()


def test_each_family_gets_its_language_with_code_link_and_stop_link(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    report = _send(app, client, wave=world.wave.id, audience="family")
    secret, base = app.config["SECRET_KEY"], app.config["PUBLIC_BASE_URL"]
    for name, language, rtl in (("es", "es", False), ("ar", "ar", True), ("zh", "zh_Hans", False)):
        [message] = smtp.to(_address(session, families, name))
        catalog = _catalog(language)
        assert message["Subject"] == catalog["A reminder: your family's survey"]
        assert message["Content-Language"] == language.replace("_", "-")
        text, html = _parts(message)
        access = invitations.access(families.invitation[name], secret=secret, base_url=base)
        assert access.code in text
        assert access.code in html
        assert access.url in text
        assert access.url in html
        assert catalog["Open the survey with this link:"] in text
        assert f'lang="{language.replace("_", "-")}"' in html
        assert ('dir="rtl"' in html) is rtl
        assert ('dir="ltr"' in html.split("<body")[0]) is not rtl
        stop = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
        assert stop in text
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The link in the message opens this family's survey.
        opened = client.get(urlsplit(access.url).path)
        assert opened.status_code == 302
        assert "/survey/" in opened.headers["Location"]
    assert report["report"]["sent"] == 4  # es, ar, zh, fa (Oak's family); not the answered one
    assert report["report"]["bounced"] == 1
    assert smtp.to("done@home.example") == []


def _address(session, families, name) -> str:
    from survey_app.models import Adult

    return session.exec(select(Adult.email).where(
        Adult.household_id == families.household[name].id)).first()


def test_a_refused_address_is_recorded_as_bounced_and_shown(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="family")
    session.commit()
    bounced = session.exec(select(ReminderSend).where(ReminderSend.status == "bounced")).all()
    assert len(bounced) == 1
    assert bounced[0].invitation_id == families.invitation["refused"].id
    assert bounced[0].detail.startswith("550")
    assert smtp.to(f"{REFUSED}@home.example") == []
    page = client.get(f"/admin/responses?wave={world.wave.id}").get_data(as_text=True)
    figures = page.split('id="reminders"')[1].split("</table>")[0]
    assert re.search(r"Sent</th><td>4<", figures)
    assert re.search(r"Refused by the mail server</th><td>1<", figures)


def test_the_send_is_audited_with_who_and_how_many(
        smtp, app, client, world, login_as, session, families):
    admin = world.users["district_admin"]
    login_as(admin)
    state = _send(app, client, wave=world.wave.id, audience="family")
    session.commit()
    started = session.exec(select(AuditEvent).where(AuditEvent.action == "job_started")).one()
    sent = session.exec(select(AuditEvent).where(AuditEvent.action == "reminders_sent")).one()
    assert started.staff_id == sent.staff_id == admin.id
    assert started.detail["kind"] == "reminders"
    assert sent.detail["sent"] == 4 == state["report"]["sent"] == len(smtp.messages)
    assert sent.detail["bounced"] == 1


def test_after_opting_out_no_message_goes_to_that_family_again(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="family")
    [message] = smtp.to("omar@usra.example")
    stop = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    path = stop.split("example", 1)[1]
    client.post("/staff/logout")
    asked = client.get(path)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert 'lang="ar"' in page
    assert 'dir="rtl"' in page
    assert _catalog("ar")["Stop the reminders"] in page
    assert session.exec(select(ReminderOptOut)).first() is None  # a GET (a link scanner) is not a yes
    assert client.post(path).status_code == 200
    session.commit()
    assert len(session.exec(select(ReminderOptOut)).all()) == 1
    # Days later, and in a new survey window, that address gets nothing; the others do.
    _age_sends(session, 24 * 30)
    login_as(world.users["district_admin"])
    smtp.messages.clear()
    _send(app, client, wave=world.wave.id, audience="family")
    assert smtp.to("omar@usra.example") == []
    assert smtp.to("ana@familia.example")
    preview = client.get(f"/reminders/?wave={world.wave.id}&audience=family&lang=en").get_data(
        as_text=True)
    assert "asked for no more reminders" in preview


def test_one_click_unsubscribe_from_the_mail_program(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="family")
    [message] = smtp.to("li@jia.example")
    stop = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    client.post("/staff/logout")
    answer = client.post(stop.split("example", 1)[1], data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    session.commit()
    [opted] = session.exec(select(ReminderOptOut)).all()
    assert opted.household_id == families.household["zh"].id


def test_a_tampered_stop_link_is_refused_kindly(
        smtp, client, world, families):
    page = client.get("/reminders/stop/eyJrIjoiMDAwIn0.forged?lang=es")
    assert page.status_code == 404
    assert _catalog("es")["This link does not work"] in page.get_data(as_text=True)
    assert client.post("/reminders/stop/x" * 3).status_code in (404, 405)


def test_never_more_than_the_cap_and_never_two_within_the_gap(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    first = _send(app, client, wave=world.wave.id, audience="family")
    assert first["report"]["sent"] == 4
    again = _send(app, client, wave=world.wave.id, audience="family")
    assert again["report"]["sent"] == 0
    assert again["report"]["skipped"]["too_soon"] == 5  # the four reached and the refused one
    _age_sends(session, 49)
    second = _send(app, client, wave=world.wave.id, audience="family")
    assert second["report"]["sent"] == 4
    _age_sends(session, 49)
    third = _send(app, client, wave=world.wave.id, audience="family")
    assert third["report"]["sent"] == 0
    assert third["report"]["skipped"]["cap"] == 5
    assert len(smtp.to("ana@familia.example")) == 2
    # The district may allow more.
    stored = session.exec(select(DistrictSettings)).first() or DistrictSettings(
        district_id=world.district.id)
    stored.reminder_cap = 3
    session.add(stored)
    session.commit()
    assert _send(app, client, wave=world.wave.id, audience="family")["report"]["sent"] == 4


def test_answered_invitations_are_left_out_and_answers_after_are_counted(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="family")
    assert smtp.to("done@home.example") == []
    invitation = session.get(Invitation, families.invitation["es"].id)
    invitation.status, invitation.submitted_at = "submitted", invitation.created_at + timedelta(
        days=400)
    session.add(invitation)
    session.commit()
    page = client.get(f"/admin/responses?wave={world.wave.id}").get_data(as_text=True)
    figures = page.split('id="reminders"')[1].split("</table>")[0]
    assert re.search(r"Answered after a reminder</th><td>1<", figures)
    _age_sends(session, 49)
    smtp.messages.clear()
    _send(app, client, wave=world.wave.id, audience="family")
    assert smtp.to("ana@familia.example") == []


def test_students_under_13_are_reminded_through_their_family(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="student")
    teen = smtp.to("teen@student.example")
    assert len(teen) == 1
    assert teen[0]["Subject"] == _catalog("fa")["A reminder: your survey"]
    assert 'dir="rtl"' in _parts(teen[0])[1]
    assert smtp.to("young@student.example") == []
    child = _catalog("es")["A reminder: your child's survey"]
    assert child in {m["Subject"] for m in smtp.to("ana@familia.example")}
    # A district that allows it writes to the younger student too.
    session.add(DistrictSettings(district_id=world.district.id, remind_young_students=True))
    session.commit()
    _age_sends(session, 49)
    smtp.messages.clear()
    _send(app, client, wave=world.wave.id, audience="student")
    assert len(smtp.to("young@student.example")) == 1


def test_a_counselor_reaches_only_their_own_schools(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["counselor"])  # Elm's counselor
    other = world.other_school.id
    assert client.get(f"/reminders/?wave={world.wave.id}&school={other}").status_code == 404
    refused = client.post("/reminders/", data={"wave": world.wave.id, "school": other,
                                               "audience": "both"})
    assert refused.status_code == 404
    session.commit()
    assert session.exec(select(JobRun)).first() is None
    _send(app, client, wave=world.wave.id, audience="both")
    assert smtp.messages
    assert smtp.to("teen@student.example") == []
    assert smtp.to("parent@khane.example") == []


@pytest.mark.parametrize("role", ["staff", "analyst"])
def test_staff_and_analysts_cannot_send(client, world, login_as, role):
    login_as(world.users[role])
    assert client.get("/reminders/").status_code == 403
    assert client.post("/reminders/", data={"wave": world.wave.id}).status_code == 403


def test_the_count_shown_is_what_is_sent(
        smtp, app, client, world, login_as, session, families):
    login_as(world.users["district_admin"])
    page = client.get(f"/reminders/?wave={world.wave.id}&audience=both").get_data(as_text=True)
    shown = int(re.search(r"(\d+) emails would be sent now", page).group(1))
    state = _send(app, client, wave=world.wave.id, audience="both")
    report = state["report"]
    assert report["bounced"] == 2  # the refused address: its family's survey and its child's
    assert shown == report["sent"] + report["bounced"] == len(smtp.messages) + 2


def test_without_a_mail_server_the_page_says_so_and_sends_nothing(client, world, login_as,
                                                                  session, families):
    login_as(world.users["district_admin"])
    page = client.get("/reminders/").get_data(as_text=True)
    assert "Email is not set up" in page
    assert client.post("/reminders/", data={"wave": world.wave.id}).status_code == 400


def test_a_server_that_stops_midway_fails_the_job_and_the_retry_sends_only_the_rest(
        smtp, app, client, world, login_as, session, families):
    """After two messages the server closes (421); what left is recorded, the job stops and
    says so; run again, it writes to the others, and nobody gets the same reminder twice."""
    closing = {"after": 2}
    real_data = smtp.handle_DATA

    async def closing_after_two(server, session_, envelope):
        if len(smtp.messages) >= closing["after"]:
            return "421 4.3.2 Service shutting down"
        return await real_data(server, session_, envelope)

    smtp.handle_DATA = closing_after_two
    login_as(world.users["district_admin"])
    answer = client.post("/reminders/", data={"wave": world.wave.id, "audience": "family"})
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        worker.work(app, burst=True)
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed"
    assert "writes only to those not reached yet" in client.get(f"/jobs/{job_id}").get_data(
        as_text=True)
    session.commit()
    recorded = session.exec(select(ReminderSend)).all()
    assert len([r for r in recorded if r.status == "sent"]) == 2
    stopped = session.exec(select(AuditEvent).where(AuditEvent.action == "reminders_sent")).one()
    assert stopped.outcome == "failed"
    assert stopped.detail["sent"] == 2
    smtp.handle_DATA = real_data
    assert client.post(f"/jobs/{job_id}/retry").status_code == 303
    with app.app_context():
        worker.work(app, burst=True)
    assert client.get(f"/jobs/{job_id}.json").get_json()["status"] == "done"
    delivered = [m["To"] for m in smtp.messages]
    assert len(delivered) == len(set(delivered)) == 4  # each family once; the refused one none
    session.commit()
    assert len(session.exec(select(ReminderSend).where(ReminderSend.status == "sent")).all()) == 4


def test_without_the_server_the_job_fails_and_sends_nothing(dead_smtp, app, client, world,
                                                            login_as, session, families):
    login_as(world.users["district_admin"])
    answer = client.post("/reminders/", data={"wave": world.wave.id, "audience": "family"})
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        worker.work(app, burst=True)
    assert client.get(f"/jobs/{job_id}.json").get_json()["status"] == "failed"
    session.commit()
    assert session.exec(select(ReminderSend)).first() is None


def test_the_filters_as_the_page_sends_them_count(smtp, app, client, world, login_as, families):
    """Every option the page offers comes back as a valid filter (no "None" values)."""
    login_as(world.users["district_admin"])
    page = client.get("/reminders/").get_data(as_text=True)
    assert 'value="None"' not in page
    args = "school=&grade=&language=&group=&audience=family"
    html = client.get(f"/reminders/?wave={world.wave.id}&{args}").get_data(as_text=True)
    assert "emails would be sent now" in html
    html = client.get(f"/reminders/?wave={world.wave.id}&grade=4&language=ar&group=&"
                      f"school={world.school.id}&audience=both").get_data(as_text=True)
    # the Arabic family only: its child's own survey was sent in English (the student's language)
    assert re.search(r"(\d+) emails? would be sent now", html).group(1) == "1"


def test_the_figures_count_only_the_readers_schools(smtp, app, client, world, login_as, session,
                                                    families):
    login_as(world.users["district_admin"])
    _send(app, client, wave=world.wave.id, audience="family")  # 4 sent: Elm 3, Oak 1
    client.post("/staff/logout")
    login_as(world.users["other_counselor"])  # Oak's counselor
    page = client.get(f"/admin/responses?wave={world.wave.id}").get_data(as_text=True)
    figures = page.split('id="reminders"')[1].split("</table>")[0]
    assert re.search(r"Sent</th><td>1<", figures)
    assert re.search(r"Refused by the mail server</th><td>0<", figures)
    client.post("/staff/logout")
    login_as(world.users["analyst"])  # counts only, as the rates beside them
    page = client.get(f"/admin/responses?wave={world.wave.id}").get_data(as_text=True)
    assert re.search(r"Sent</th><td>4<", page.split('id="reminders"')[1])
    assert "Send a reminder" not in page


def test_a_counselors_round_is_not_shown_to_another_counselor(smtp, app, client, world, login_as,
                                                              session, families):
    login_as(world.users["counselor"])
    answer = client.post("/reminders/", data={"wave": world.wave.id, "audience": "family"})
    job = answer.headers["Location"]
    client.post("/staff/logout")
    login_as(world.users["other_counselor"])
    assert client.get(job).status_code == 404
    client.post("/staff/logout")
    login_as(world.users["district_admin"])
    assert client.get(job).status_code == 200


def test_a_closed_window_sends_nothing_and_the_page_says_why(smtp, app, client, world, login_as,
                                                             session, families):
    from datetime import date

    from survey_app.models import SurveyWave

    wave = session.get(SurveyWave, world.wave.id)
    wave.closes_on = date(2020, 1, 1)
    session.add(wave)
    session.commit()
    login_as(world.users["district_admin"])
    page = client.get(f"/reminders/?wave={world.wave.id}").get_data(as_text=True)
    assert "is not taking answers now" in page
    assert "Send the reminders" not in page
    assert _send(app, client, wave=world.wave.id, audience="both")["report"]["sent"] == 0
    assert smtp.messages == []
