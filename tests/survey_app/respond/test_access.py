"""Codes, links, consent, throttling, lost sessions, letters and the invitations CLI."""

import csv

import pytest
from sqlmodel import select

from survey_app.models import Invitation
from survey_app.models.enums import Consent
from survey_app.services import codes, invitations
from tests.conftest import TEST_CONFIG

SECRET = TEST_CONFIG["SECRET_KEY"]


def test_typed_code_opens_and_resumes_the_same_response(client, invite):
    inv = invite()
    r = client.post("/", data={"code": inv.code.lower().replace("-", " ")})
    assert r.headers["Location"].endswith("/survey/home")
    client.post("/survey/home", data={"home_internet": "none", "skip_ok": "1"})
    client.post("/survey/after_school", data={"action": "later", "skip_ok": "1"})
    assert b"Please open your survey again" in client.get("/survey/home").data
    again = client.post("/", data={"code": inv.code})
    assert again.headers["Location"].endswith("/survey/after_school")
    assert b'value="none" checked' in client.get("/survey/home").data


def test_wrong_code_says_so(client, world):
    r = client.post("/", data={"code": "ABCD-EFGH-JKMN"})
    assert r.status_code == 400
    assert b"We could not find that code" in r.data


def test_unknown_link_is_a_kind_404(client, world):
    r = client.get("/r/not-a-real-token")
    assert r.status_code == 404
    assert b"type the code from your letter" in r.data


def test_opted_out_student_sees_a_kind_message(client, invite, session, world):
    student = world.students[0]
    student.consent = Consent.OPTED_OUT
    session.add(student)
    session.commit()
    inv = invite(student=student)
    r = client.get(f"/r/{inv.token}")
    assert r.status_code == 200
    assert b"Your family asked that you do not take part" in r.data
    assert b"Please open your survey again" in client.get("/survey/home").data


def test_lost_session_on_post_shows_how_to_resume(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    r = app.test_client().post("/survey/home", data={"home_internet": "none"})
    assert r.status_code == 400
    assert b"type the code from your letter" in r.data


def test_codes_are_long_unambiguous_and_hashed(session, world):
    made = invitations.create_for_wave(session=session, wave=world.wave, kind="student",
                                       secret=SECRET)
    session.commit()
    assert len(made) == 5  # three grade-5 students at one school, two grade-10 at the other
    for inv in made:
        code = codes.derive_code(SECRET, inv.nonce)
        assert len(code) >= 10
        assert not set(code) & set("01OIL")
        assert code not in inv.code_hash
        assert len(codes.derive_token(SECRET, inv.nonce)) >= 22
    again = invitations.create_for_wave(session=session, wave=world.wave, kind="student",
                                        secret=SECRET)
    assert again == []


@pytest.fixture
def throttled(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    return app_config


@pytest.mark.slow
def test_throttling_blocks_a_guesser_but_not_a_school(throttled, app, session, world):
    wave = world.wave
    from tests.factories import make_student

    for _unused in range(500 - len(world.students)):
        make_student(session, world.school, grade=7)
    session.commit()
    made = invitations.create_for_wave(session=session, wave=wave, kind="student", secret=SECRET)
    session.commit()
    typed = [codes.format_code(codes.derive_code(SECRET, inv.nonce)) for inv in made]
    assert len(typed) >= 500
    school = app.test_client()
    for code in typed[:500]:
        r = school.post("/", data={"code": code})
        assert r.status_code == 302, code
    guesser = app.test_client()
    statuses = [guesser.post("/", data={"code": f"ZZZZ-ZZZZ-{n:04d}".replace("0", "A")}
                             ).status_code for n in range(40)]
    assert statuses[0] == 400
    assert 429 in statuses
    # A right code from the guesser's address (a student behind the same NAT) still opens:
    # wrong codes are counted and refused, right ones never (tests/security/test_shared_address).
    assert guesser.post("/", data={"code": typed[0]}).status_code == 302
    assert guesser.post("/", data={"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 429


def test_same_wrong_code_is_throttled_per_code(throttled, app, world):
    client = app.test_client()
    statuses = [client.post("/", data={"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code for _n in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429


def test_letters_for_counselors_only(client, world, login_as, invite):
    invite("family", language="es")
    login_as(world.users["staff"])
    assert client.get("/letters").status_code == 403
    client.post("/staff/logout")
    login_as(world.users["counselor"])
    r = client.get("/letters?kind=family&school=ELM")
    assert r.status_code == 200
    assert b"<svg" in r.data
    assert b'class="letter" lang="es"' in r.data


def test_cli_create_and_export(runner, world, tmp_path, session, fetch):
    r = runner.invoke(args=["invitations", "create"])
    assert r.exit_code == 0, r.output
    assert "5 student invitations" in r.output
    assert "1 family invitations" in r.output
    out = tmp_path / "letters.csv"
    r = runner.invoke(args=["invitations", "export", "--out", str(out), "--kind", "student",
                            "--school", "ELM"])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert set(rows[0]) >= {"code", "url", "kind", "school", "grade", "language"}
    found = invitations.find_by_code(session=session, secret=SECRET, typed=rows[0]["code"])
    assert found is not None
    assert rows[0]["url"].endswith(
        codes.derive_token(SECRET, found.nonce))
    session.rollback()
    assert len(fetch(select(Invitation))) == 6
