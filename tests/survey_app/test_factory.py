"""The app factory and its settings."""

import pytest

from survey_app import create_app
from survey_app.config import DEV_SECRET_KEY


def test_production_refuses_the_development_secret(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": DEV_SECRET_KEY,
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_production_starts_with_a_real_secret(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].endswith("env.db")


def test_csrf_tokens_do_not_expire_during_a_long_survey(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_is_new_at_sign_in(client, world, login_as):
    client.get("/?lang=es")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    login_as(world.users["staff"])
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["lang"] == "es"


def test_sign_out_forgets_the_user(client, world, login_as):
    login_as(world.users["staff"])
    assert client.get("/staff/").status_code == 200
    client.post("/staff/logout")
    assert client.get("/staff/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, world):
    response = client.post("/staff/login?next=//evil.example/x",
                           data={"email": world.users["staff"].email,
                                 "password": "correct horse battery staple"})
    assert response.headers["Location"] == "/staff/"
