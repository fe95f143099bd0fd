"""Sessions: a fresh session id at sign-in (no fixation); sign-out ends the session for good,
even for someone who kept a copy of the signed cookie."""

from __future__ import annotations

import pytest

from tests import factories


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def test_session_cookie_changes_at_sign_in(csrf_client, world):
    client = csrf_client
    page = client.get("/staff/login").get_data(as_text=True)  # an anonymous session (CSRF)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    before = _cookie(client)
    assert before
    assert client.post("/staff/login", data={"csrf_token": token,
                                             "email": world.users["counselor"].email,
                                             "password": factories.PASSWORD}).status_code == 302
    after = _cookie(client)
    assert after
    assert after != before
    # the session planted before sign-in does not carry the sign-in
    client.set_cookie("session", before)
    assert client.get("/staff/").status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_reaches_the_workspace(client, world,
                                                                          login_as):
    login_as(world.users["counselor"])
    assert client.get("/staff/").status_code == 200
    stolen = _cookie(client)
    client.post("/staff/logout")
    client.set_cookie("session", stolen)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_signing_in_again_after_sign_out_works(client, world, login_as):
    login_as(world.users["staff"])
    client.post("/staff/logout")
    assert login_as(world.users["staff"]).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_deactivated_account_loses_its_open_session(client, session, world, login_as):
    user = world.users["staff"]
    login_as(user)
    user.active = False
    session.add(user)
    session.commit()
    assert client.get("/staff/").status_code == 302
    assert factories.PASSWORD  # the password alone no longer opens it either
    assert login_as(user).status_code == 401


def test_migration_adds_the_generation_to_existing_staff(tmp_path):
    """Upgrading a database that holds staff keeps them and starts them at generation 0."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from tests.test_migrations import _config

    url = f"sqlite:///{tmp_path}/m.db"
    cfg = _config(url)
    command.upgrade(cfg, "461245ff5ae4")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO district (name, code, created_at) "
                          "VALUES ('Kept', 'K1', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO staff_user (district_id, given_name, family_name, role, "
                          "languages, language, active, created_at) SELECT id, 'Ana', 'Ruiz', "
                          "'staff', '[]', 'en', true, CURRENT_TIMESTAMP FROM district"))
    command.upgrade(cfg, "b7c1e2d3f4a5")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT given_name, session_generation FROM staff_user")).one()
    assert tuple(row) == ("Ana", 0)
    engine.dispose()


def test_a_staff_cookie_does_not_work_from_another_browser(client, world, login_as):
    """Flask-Login's "strong" protection binds the session to the address and browser it
    was signed in from (it skipped permanent sessions, and sign-in made them permanent)."""
    login_as(world.users["counselor"])
    assert client.get("/staff/").status_code == 200
    stolen = _cookie(client)
    for elsewhere in ({"REMOTE_ADDR": "203.0.113.9"},
                      {"HTTP_USER_AGENT": "Mozilla/5.0 (attacker)"}):
        client.set_cookie("session", stolen)
        response = client.get("/staff/", environ_base=elsewhere)
        assert response.status_code == 302, elsewhere
        assert "/staff/login" in response.headers["Location"]
    client.set_cookie("session", stolen)
    assert client.get("/staff/").status_code == 200  # the browser it belongs to keeps it
