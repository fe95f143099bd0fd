"""A real SMTP server on loopback (aiosmtpd) that keeps what it is given, and a small
district whose families have not answered, in several languages."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from datetime import date
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from survey_app.models import Adult, Household, SurveyWave
from survey_app.services import invitations
from tests.factories import make_student

#: Any recipient containing this is refused at RCPT, as a real server refuses an unknown user.
REFUSED = "nobody-here"


class Inbox:
    """aiosmtpd handler: refuses ``REFUSED`` recipients, keeps every delivered message."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if REFUSED in address:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for _rcpt in envelope.rcpt_tos:
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app_config):
    """The SMTP server, started on loopback for this test; the app is pointed at it (ask for
    it before ``app``, which reads the settings when it is made)."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app_config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none",
                      MAIL_FROM="Test District <surveys@district.example>",
                      PUBLIC_BASE_URL="https://surveys.district.example")
    inbox.controller = controller
    yield inbox
    controller.stop()


@pytest.fixture
def dead_smtp(app_config) -> int:
    """A loopback port where no mail server listens (the server is down)."""
    port = _free_port()
    app_config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none")
    return port


@dataclass
class Families:
    """Who is waiting for a reminder, by name; ``invitation`` maps a name to its invitation."""

    invitation: dict = field(default_factory=dict)
    household: dict = field(default_factory=dict)
    student: dict = field(default_factory=dict)


def _household(session, world, language, *emails):
    household = Household(district_id=world.district.id, language=language)
    session.add(household)
    session.flush()
    for i, address in enumerate(emails):
        session.add(Adult(district_id=world.district.id, kind="family", role="parent_guardian",
                          display_name=f"Parent {i}", household_id=household.id, email=address))
    return household


@pytest.fixture
def families(app, session, world) -> Families:
    """Families of Elm in Spanish, Arabic and Chinese, one that answered, one whose address a
    server refuses; a 16-year-old at Oak with her own address (Persian), and a 10-year-old
    at Elm with one (reminded through the family)."""
    made = Families()
    spec = {"es": ("es", "ana@familia.example"), "ar": ("ar", "omar@usra.example"),
            "zh": ("zh_Hans", "li@jia.example"), "answered": ("en", "done@home.example"),
            "refused": ("vi", f"{REFUSED}@home.example")}
    for name, (language, address) in spec.items():
        household = _household(session, world, language, address)
        made.student[name] = make_student(session, world.school, household=household, grade=4)
        made.household[name] = household
    teen_home = made.household["teen"] = _household(session, world, "fa", "parent@khane.example")
    made.student["teen"] = make_student(session, world.other_school, household=teen_home,
                                        grade=10, birth_date=date(2010, 1, 1),
                                        preferred_language="fa", email="teen@student.example")
    made.student["young"] = make_student(session, world.school,
                                         household=made.household["es"], grade=5,
                                         birth_date=date(2016, 3, 3), preferred_language="es",
                                         email="young@student.example")
    session.flush()
    wave = session.get(SurveyWave, world.wave.id)
    secret = app.config["SECRET_KEY"]
    for inv in invitations.create_for_wave(session=session, wave=wave, kind="family",
                                           secret=secret):
        name = next((k for k, h in made.household.items() if h.id == inv.household_id), None)
        if name:
            made.invitation[name] = inv
    for inv in invitations.create_for_wave(session=session, wave=wave, kind="student",
                                           secret=secret):
        name = next((k for k in ("teen", "young") if made.student[k].id == inv.student_id),
                    None)
        if name:
            made.invitation[name + "_student"] = inv
    done = made.invitation["answered"]
    done.status, done.submitted_at = "submitted", done.created_at
    session.add(done)
    session.commit()
    return made
