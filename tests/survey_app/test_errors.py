"""Bad input gets a clear page in the reader's language, a 4xx, and changes nothing."""

from sqlmodel import select

from survey_app.models import AuditEvent


def test_unknown_page_is_a_translated_404(client):
    page = client.get("/no-such-page?lang=es")
    assert page.status_code == 404
    assert "No pudimos encontrar esa página".encode() in page.data
    assert b"Traceback" not in page.data


def test_wrong_password_is_401_and_signs_nobody_in(client, world, session):
    page = client.post("/staff/login?lang=es", data={"email": world.users["staff"].email,
                                                     "password": "wrong password 123"})
    assert page.status_code == 401
    assert b"no coinciden" in page.data
    assert client.get("/staff/").status_code == 302
    # the refusal is audited as such (no sign-in, no password kept)
    events = session.exec(select(AuditEvent)).all()
    assert [(e.action, e.outcome) for e in events] == [("sign_in_failed", "refused")]
    assert "wrong password 123" not in str(events[0].detail)


def test_forged_csrf_token_is_refused_in_the_users_language(make_app, world):

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/?lang=ar")
    page = client.post("/staff/login", data={"email": world.users["staff"].email,
                                             "password": "correct horse battery staple",
                                             "csrf_token": "forged"})
    assert page.status_code == 400
    assert 'dir="rtl"' in page.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still signed out


def test_another_schools_student_is_404_not_403(app, client, world, login_as):
    """Exercised on every scoped route by tests/security/test_access.py; here the page itself."""
    login_as(world.users["counselor"])
    page = client.get("/no-such-student/999999")
    assert page.status_code == 404


def test_unexpected_error_is_a_500_page_without_a_trace(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    page = client.get("/boom")
    assert page.status_code == 500
    assert b"secret detail" not in page.data
    assert b"Traceback" not in page.data


def test_database_down_is_a_503_page(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    @app.get("/db-down")
    def db_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    page = client.get("/db-down")
    assert page.status_code == 503


def test_the_database_lost_mid_request_still_gives_the_503_page(app, client, world, login_as,
                                                                monkeypatch):
    """The database drops while a signed-in staff member's request runs: everything that
    would ask it again (who is signed in, for the page header; the district's languages;
    the rollback of the lost transaction) fails too. The 503 page still renders, in the
    user's language, and no error escapes to the server's bare 500."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    from survey_app.db import get_session
    from survey_app.extensions import login_manager

    def lost(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    held = []

    @app.get("/db-lost")
    def db_lost():
        held.append(get_session())
        held[0].connection()  # the request's transaction has begun
        monkeypatch.setattr(login_manager, "_user_callback", lost)
        for name in ("rollback", "close", "connection"):
            monkeypatch.setattr(Session, name, lost)
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    login_as(world.users["counselor"])
    page = client.get("/db-lost?lang=es")
    monkeypatch.undo()
    held[0].close()  # the database is back: give its connection back to the pool
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)
    assert 'lang="es"' in page.get_data(as_text=True)
