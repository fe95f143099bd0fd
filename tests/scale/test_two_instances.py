"""Scale-out: consecutive requests may land on either instance; limits and data are shared."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import Session, select

from survey_app import create_app
from survey_app.db import get_engine
from survey_app.models import Invitation, Response
from survey_app.services import codes
from tests import factories
from tests.scale.conftest import REDIS_URL, ROOT, SECRET

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(shared_database):
    """A district with users of every role and one student invitation with a known token."""
    app = create_app({"TESTING": True, "DATABASE_URL": shared_database, "SECRET_KEY": SECRET})
    with Session(get_engine(app), expire_on_commit=False) as session:
        world = factories.build_world(session)
        nonce = codes.new_nonce()
        invitation = Invitation(
            wave_id=world.wave.id, kind="student", student_id=world.students[0].id, nonce=nonce,
            code_hash=codes.hash_secret(SECRET, codes.derive_code(SECRET, nonce)),
            token_hash=codes.hash_secret(SECRET, codes.derive_token(SECRET, nonce)), language="es")
        session.add(invitation)
        session.commit()
        token = codes.derive_token(SECRET, nonce)
    get_engine(app).dispose()
    return {"world": world, "token": token, "invitation_id": invitation.id, "app": app}


def _sign_in(browser, base: str, email: str) -> int:
    _status, _h, page = browser.request(f"{base}/staff/login")
    status, _h, _p = browser.request(f"{base}/staff/login", {
        "csrf_token": browser.csrf(page), "email": email,
        "password": factories.PASSWORD})
    return status


def test_staff_session_works_on_either_instance(instances, seeded, browser_factory):
    a, b = instances
    browser = browser_factory()
    assert _sign_in(browser, a, seeded["world"].users["counselor"].email) == 302
    for base in (b, a, b):
        status, _h, page = browser.request(f"{base}/staff/")
        assert status == 200, base
        assert "Hello" in page
    # A form rendered by one instance is accepted by the other (same secret, same CSRF).
    _s, _h, page = browser.request(f"{a}/staff/")
    status, headers, _p = browser.request(f"{b}/staff/logout", {"csrf_token": browser.csrf(page)})
    assert status == 302
    assert browser.request(f"{a}/staff/")[0] == 302  # signed out everywhere


def test_respondent_alternates_instances_and_answers_land_once(instances, seeded,
                                                               browser_factory):
    a, b = instances
    browser = browser_factory()
    status, headers, _p = browser.request(f"{a}/r/{seeded['token']}")
    assert status == 302
    first_page = headers["Location"]
    status, _h, page = browser.request(f"{b}{first_page}")
    assert status == 200
    assert 'name="action"' in page  # the survey page itself, not the lost-session page
    status, _h, _p = browser.request(f"{a}{first_page}",
                                     {"csrf_token": browser.csrf(page), "action": "later"})
    assert status == 200
    app = seeded["app"]
    with Session(get_engine(app)) as session:
        responses = session.exec(select(Response).where(
            Response.invitation_id == seeded["invitation_id"])).all()
    get_engine(app).dispose()
    assert len(responses) == 1


def test_rate_limit_is_shared_between_instances(instances, seeded, browser_factory):
    a, b = instances
    browser = browser_factory()
    email = seeded["world"].users["staff"].email
    statuses = []
    for n in range(12):
        base = (a, b)[n % 2]
        _s, _h, page = browser.request(f"{base}/staff/login")
        status, _h, _p = browser.request(f"{base}/staff/login", {
            "csrf_token": browser.csrf(page), "email": email, "password": f"wrong-{n}"})
        statuses.append(status)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429], statuses  # 10 per minute, counted across both


def _sample_zip() -> bytes:
    import io
    import zipfile

    from tests.paths import ONEROSTER_SAMPLE as folder

    if not folder.exists():
        pytest.skip(f"no OneRoster sample at {folder}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.glob("*.csv"):
            archive.write(path, path.name)
    return buffer.getvalue()


def test_an_import_on_one_instance_is_seen_by_the_other(instances, seeded, browser_factory,
                                                         shared_database):
    a, b = instances
    instance_env = {**os.environ, "DATABASE_URL": shared_database, "SECRET_KEY": SECRET,
                    "REDIS_URL": REDIS_URL, "ENV": "development"}
    browser = browser_factory()
    admin = seeded["world"].users["district_admin"].email
    assert _sign_in(browser, a, admin) == 302
    _s, _h, page = browser.request(f"{a}/exports/roster")
    status, headers, body = browser.request(f"{a}/exports/roster",
                                            {"csrf_token": browser.csrf(page)},
                                            files={"package": ("roster.zip", _sample_zip())})
    assert status == 303, body[:500]  # a job checks it; its page has "Save these changes"
    work = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work", "--burst"]
    # A job worker (on the same Redis queue) runs the check, then the import; instance b
    # shows their pages.
    subprocess.run(work, cwd=ROOT, env=instance_env, check=True, capture_output=True,
                   timeout=300)
    status, _h, checked = browser.request(f"{b}{headers['Location']}")
    assert status == 200
    assert "Save these changes" in checked
    status, headers, body = browser.request(f"{b}{headers['Location']}/save",
                                            {"csrf_token": browser.csrf(checked)})
    assert status == 303, body[:500]
    subprocess.run(work, cwd=ROOT, env=instance_env, check=True, capture_output=True,
                   timeout=300)
    status, _h, report = browser.request(f"{b}{headers['Location']}")
    assert status == 200
    assert "The roster is imported" in report
    app = seeded["app"]
    from survey_app.models import Student

    with Session(get_engine(app)) as session:
        imported = session.exec(select(Student).where(Student.sourced_id == "user1")).first()
    get_engine(app).dispose()
    assert imported is not None
    # The other instance sees the new school at once (no cache to warm, no restart).
    admin_b = browser_factory()
    assert _sign_in(admin_b, b, admin) == 302
    status, _h, page = admin_b.request(f"{b}/staff/")
    assert status == 200
