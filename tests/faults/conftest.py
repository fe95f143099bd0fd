"""Fault tests: real gunicorn processes on 127.0.0.1 and respondents that keep count.

A :class:`Respondent` answers the student survey over HTTP the way a phone
does (open by code, load a page, send it) and records which saves the server
acknowledged. The figures each test measures are printed in the terminal
summary ("fault figures", by tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from survey_app import create_app
from survey_app.db import get_engine
from survey_app.models import Answer, Response
from survey_app.models.enums import SurveyKind
from survey_app.services import invitations
from tests import factories, figures
from tests._databases import scratch_postgres
from tests._servers import CONNECTION_ERRORS, Browser, migrate

SECRET = "faults-test-secret-key-0123456789-abcdefghijkl"
FIGURES = figures.FAULTS  # printed after the run by tests/conftest.py
_INPUT = re.compile(r"<input[^>]*>")
_VALUE = re.compile(r'value="([^"]*)"')
CHOICES = {
    "home": lambda k: {"home_internet": ("works_well", "unreliable", "phone_only")[k % 3],
                       "home_devices": ["phone"] if k % 2 else ["phone", "shared_computer"],
                       "home_quiet_place": ("always", "sometimes", "no")[k % 3]},
    "after_school": lambda k: {"home_adult_after_school": ("yes", "sometimes", "no")[k % 3],
                               "home_transport": ("walk", "bus", "car")[k % 3],
                               "home_caregiving": ("often", "sometimes", "no")[k % 3]},
}


def server_env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET, "ENV": "development",
            "REDIS_URL": ""}


@dataclass
class Respondent:
    """One student answering on a phone; ``acked`` holds the adult names the server confirmed."""

    number: int
    invitation_id: int
    code: str
    browser: Browser = field(default_factory=lambda: Browser(timeout=60))
    acked: list[str] = field(default_factory=list)
    attempts: int = 0
    errors: list[str] = field(default_factory=list)

    def open(self, base: str) -> int:
        """Type the code on the start page; 302 to the survey page when it works."""
        _s, _h, page = self.browser.request(f"{base}/")
        status, _h, _p = self.browser.request(f"{base}/", {
            "csrf_token": Browser.csrf(page), "code": self.code})
        return status

    def save(self, base: str, page_id: str, values: dict) -> tuple[int, str]:
        """Load the page (as a phone would), then send it; return the POST's status and body."""
        status, _h, page = self.browser.request(f"{base}/survey/{page_id}")
        if status != 200:
            return status, page
        form = {"csrf_token": Browser.csrf(page), "action": "next", **values}
        if page_id == "adults":
            form["adults-0-entry"] = input_value(page, "adults-0-entry")
        status, _h, body = self.browser.request(f"{base}/survey/{page_id}", form)
        return status, body

    def save_adult(self, base: str, name: str) -> int | None:
        """Save the adults page with ``name``; None when the connection dropped."""
        status = self.send(base, "adults", {
            "adults-0-name": name, "adults-0-relation": "aunt_uncle",
            "adults-0-support": ["emotional"], "adults-0-reliability": "4"})
        if status == 302:  # saved and sent on to the next page
            self.acked.append(name)
        return status

    def step(self, base: str, k: int) -> int | None:
        """The ``k``-th save of a respondent going round the first three pages."""
        page_id = ("home", "after_school", "adults")[k % 3]
        if page_id == "adults":
            return self.save_adult(base, f"r{self.number}-save{k}")
        return self.send(base, page_id, CHOICES[page_id](k // 3))

    def send(self, base: str, page_id: str, values: dict) -> int | None:
        """Save a page and count it; anything but a redirect onwards is an error."""
        self.attempts += 1
        try:
            status, body = self.save(base, page_id, values)
        except CONNECTION_ERRORS as error:
            self.errors.append(type(error).__name__)
            return None
        if status != 302:
            self.errors.append(f"{status} on {page_id}: {body[:300]}")
        return status


def input_value(page: str, name: str) -> str:
    for tag in _INPUT.findall(page):
        if f'name="{name}"' in tag:
            match = _VALUE.search(tag)
            return match.group(1) if match else ""
    return ""


def seed(url: str, count: int) -> list[Respondent]:
    """A district with ``count`` grade-5 students, each invited to the student survey."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    with Session(get_engine(app), expire_on_commit=False) as session:
        world = factories.build_world(session)
        for _n in range(count - len(world.students)):
            factories.make_student(session, world.school)
        made = invitations.create_for_wave(session=session, wave=world.wave,
                                           kind=SurveyKind.STUDENT, secret=SECRET,
                                           school_id=world.school.id)
        session.commit()
        people = [Respondent(n, inv.id, invitations.access(
            inv, secret=SECRET, base_url="http://x").code) for n, inv in enumerate(made)]
    get_engine(app).dispose()
    return people


@dataclass
class Stored:
    """What the database holds for the respondents: names per invitation, and duplicates."""

    names: dict[int, list[str]]
    current: dict[int, str | None]
    entries: dict[int, set[int]]
    responses_per_invitation: dict[int, int]
    duplicate_current: int


def stored(url: str) -> Stored:
    engine = create_engine(url)
    with Session(engine) as session:
        by_response = {r.id: r.invitation_id for r in session.exec(select(Response))}
        per_invitation = dict(session.exec(select(Response.invitation_id, func.count())
                                           .group_by(Response.invitation_id)).all())
        names: dict[int, list[str]] = {}
        current: dict[int, str | None] = {}
        entries: dict[int, set[int]] = {}
        for a in session.exec(select(Answer).where(Answer.item_id == "adults")
                              .order_by(Answer.id)):
            inv = by_response[a.response_id]
            name = (a.value or {}).get("name")
            names.setdefault(inv, []).append(name)
            entries.setdefault(inv, set()).add(a.entry)
            if a.current:
                current[inv] = name
        duplicate_current = session.exec(text(
            "SELECT count(*) FROM (SELECT response_id, item_id, entry FROM answer "
            "WHERE current GROUP BY response_id, item_id, entry HAVING count(*) > 1) d")).one()[0]
    engine.dispose()
    return Stored(names, current, entries, per_invitation, duplicate_current)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    migrate(url)
    return url


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A database of our own on the server TEST_DATABASE_URL names, dropped at the end."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    with scratch_postgres("faults") as url:
        migrate(url)
        yield url


def until(seconds: float) -> Iterator[int]:
    """Count iterations until ``seconds`` have passed (a bounded loop)."""
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and n < 100_000:
        yield n
        n += 1
