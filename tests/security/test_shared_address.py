"""One device cannot lock a school out: right codes and links always open, whatever the
address did; wrong ones are slowed per address and per code prefix.

Every test here failed before survey_app.throttle (Flask-Limiter refused the address
before the code was looked at).
"""

from __future__ import annotations

import time

import pytest

from survey_app.models import Student
from survey_app.services import invitations
from tests.conftest import TEST_CONFIG
from tests.security.figures import FIGURES

SCHOOL_NAT = {"REMOTE_ADDR": "192.0.2.10"}


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True)


def _codes(session, world, n: int) -> list[tuple[str, str]]:
    """``n`` student invitations at the first school, as (typed code, link token)."""
    made = []
    secret = TEST_CONFIG["SECRET_KEY"]
    for i in range(n):
        student = Student(school_id=world.school.id, sourced_id=f"nat-{i}", sis_id=f"N{i:05d}",
                          given_name=f"Kid{i}", family_name="Nat", grade=5)
        session.add(student)
        session.flush()
        invitation = invitations._new_invitation(secret=secret, wave_id=world.wave.id,  # noqa: SLF001
                                                 kind="student", student_id=student.id,
                                                 language="en")
        session.add(invitation)
        access = invitations.access(invitation, secret=secret, base_url="http://x")
        made.append((access.code, access.token))
    session.commit()
    return made


def _guess(n: int) -> str:
    return f"ZZZ{n % 10}-ZZZZ-{n:04d}"[:14].replace("0", "2").replace("1", "3")


def test_right_code_opens_after_the_address_is_over_its_limit(limited, session, world):
    [(code, _token)] = _codes(session, world, 1)
    client = limited.test_client()
    statuses = [client.post("/", data={"code": _guess(n)}, environ_base=SCHOOL_NAT).status_code
                for n in range(25)]
    assert statuses[:20] == [400] * 20
    assert set(statuses[20:]) == {429}
    student = limited.test_client()
    response = student.post("/", data={"code": code}, environ_base=SCHOOL_NAT)
    assert response.status_code == 302
    assert "/survey/" in response.headers["Location"]
    # and a wrong one from the same address still waits, with a Retry-After
    refused = student.post("/", data={"code": _guess(99)}, environ_base=SCHOOL_NAT)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "We could not find that code" in refused.get_data(as_text=True)


def test_right_link_opens_after_the_address_is_over_its_limit(limited, session, world):
    [(_code, token)] = _codes(session, world, 1)
    client = limited.test_client()
    statuses = [client.get(f"/r/not-a-token-{n}", environ_base=SCHOOL_NAT).status_code
                for n in range(22)]
    assert statuses[:20] == [404] * 20
    assert set(statuses[20:]) == {429}
    assert client.get(f"/r/{token}", environ_base=SCHOOL_NAT).status_code == 302


def test_wrong_codes_sharing_a_prefix_are_slowed_from_any_address(limited, session, world):
    """A guesser who knows the first symbols of a code (seen over a shoulder) and spreads
    the rest over many addresses is counted by the prefix."""
    client = limited.test_client()
    statuses = [client.post("/", data={"code": f"ABCD-EFGH-{n:04d}".replace("0", "2")
                                       .replace("1", "3")},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
                for n in range(8)]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    # another prefix from those addresses is not slowed
    assert client.post("/", data={"code": "WXYZ-EFGH-2345"},
                       environ_base={"REMOTE_ADDR": "198.51.100.3"}).status_code == 400


@pytest.mark.slow
def test_five_hundred_students_behind_one_address_get_in_while_a_guesser_hammers(
        limited, session, world):
    """The school's NAT: between every two students the guesser sends ten wrong codes
    (5,000 in all, far past every window of the address); each student opens the
    survey with the right code and sees its first page."""
    students = _codes(session, world, 500)
    guesser = limited.test_client()
    refused = wrong = 0
    got_in, slowest = 0, 0.0
    for n, (code, _token) in enumerate(students):
        for k in range(10):
            status = guesser.post("/", data={"code": _guess(n * 10 + k)},
                                  environ_base=SCHOOL_NAT).status_code
            refused += status == 429
            wrong += status == 400
        client = limited.test_client()
        started = time.perf_counter()
        entry = client.post("/", data={"code": code}, environ_base=SCHOOL_NAT)
        first = client.get(entry.headers.get("Location", "/"), environ_base=SCHOOL_NAT)
        slowest = max(slowest, time.perf_counter() - started)
        got_in += entry.status_code == 302 and first.status_code == 200
    FIGURES["shared address: students in (of 500)"] = got_in
    FIGURES["shared address: slowest entry + first page (ms)"] = round(slowest * 1000)
    FIGURES["shared address: guesses refused 429 / answered 400"] = f"{refused} / {wrong}"
    assert got_in == 500
    assert wrong == 20  # the address's first minute; every later guess waits (its prefix too)
    assert refused == 5000 - wrong
