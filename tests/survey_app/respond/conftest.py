"""Fixtures for the respondent pages: invitations with their codes, and a signed-in survey."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from survey_app.models import Invitation, StaffUser
from survey_app.reading import cache
from survey_app.services import invitations
from tests.conftest import TEST_CONFIG
from tests.factories import make_user


@dataclass
class Invite:
    invitation: Invitation
    code: str
    token: str
    url: str


@pytest.fixture
def invite(session, world):
    """Make an invitation (student by default) and return it with its code and link token."""

    def _invite(kind: str = "student", *, student=None, household_id=None, language="en"):
        if kind == "student":
            student = student or world.students[0]
            inv = invitations._new_invitation(
                secret=TEST_CONFIG["SECRET_KEY"], wave_id=world.wave.id, kind=kind,
                student_id=student.id, language=language)
        else:
            inv = invitations._new_invitation(
                secret=TEST_CONFIG["SECRET_KEY"], wave_id=world.wave.id, kind=kind,
                household_id=household_id or world.students[0].household_id, language=language)
        session.add(inv)
        session.commit()
        access = invitations.access(inv, secret=TEST_CONFIG["SECRET_KEY"], base_url="http://x")
        return Invite(inv, access.code, access.token, access.url)

    return _invite


@pytest.fixture
def school_staff(session, world) -> list[StaffUser]:
    """Two staff members on the roster of the first school (one not signing in)."""
    people = [make_user(session, world.district, "staff", world.school, given_name="Ana",
                        family_name="Rivera"),
              make_user(session, world.district, "staff", world.school, given_name="Bo",
                        family_name="Nguyễn")]
    session.commit()
    return people


@pytest.fixture
def started(client, invite):
    """A client that opened a student survey by its link; returns the Invite."""

    def _start(**kwargs):
        inv = invite(**kwargs)
        response = client.get(f"/r/{inv.token}")
        assert response.status_code == 302, response.data
        return inv

    return _start


@pytest.fixture
def fetch(session):
    """Run a query for a check, then end the transaction so the app can write again.

    Outside a request our SQLite engine begins with BEGIN IMMEDIATE; a test that kept that
    transaction open would make the next request wait for the lock.
    """

    def _fetch(query):
        try:
            return session.exec(query).all()
        finally:
            session.rollback()

    return _fetch


def counting_loads(monkeypatch) -> list:
    """Record the school sets each full school load (``cache._load``) is made for: a test
    of the cache asserts which saves cost a full load and which an incremental update."""
    loads, load = [], cache._load

    def counted(session, ctx, school_ids, version):
        loads.append(tuple(sorted(school_ids)))
        return load(session, ctx, school_ids, version)

    monkeypatch.setattr(cache, "_load", counted)
    return loads
