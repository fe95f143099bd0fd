"""Staff sign-in through a real OpenID Connect provider (oidc-provider on loopback):
the authorization code flow with PKCE, and who it lets in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from survey_app.models import AuditEvent, StaffIdentity, StaffUser
from tests.survey_app.signin.conftest import TEACHER_EMAIL


def _events(session, action):
    session.rollback()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id)))


def test_the_sign_in_page_offers_the_provider(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert "Sign in with Test District ID" in page
    assert 'href="/staff/sso/district' in page


def test_the_request_to_the_provider_carries_pkce_state_and_nonce(client, provider):
    start = client.get("/staff/sso/district")
    url = urlsplit(start.headers["Location"])
    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "survey-app"
    assert query["redirect_uri"] == "http://localhost/staff/sso/district/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 20
    assert len(query["nonce"]) >= 20
    assert "openid" in query["scope"].split()
    assert "email" in query["scope"].split()
    again = parse_qs(urlsplit(client.get("/staff/sso/district").headers["Location"]).query)
    assert again["state"][0] != query["state"]
    assert again["nonce"][0] != query["nonce"]
    assert again["code_challenge"][0] != query["code_challenge"]


def test_a_teacher_signs_in_and_is_linked_by_issuer_and_subject(client, session, teacher,
                                                                  provider, sso):
    response = sso("teacher")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "Tess Teacher" in home.get_data(as_text=True)
    session.rollback()
    link = session.exec(select(StaffIdentity)).one()
    assert (link.user_id, link.issuer, link.subject) == (teacher.id, provider.issuer, "teacher")
    assert link.email == TEACHER_EMAIL
    [event] = _events(session, "sign_in")
    assert event.staff_id == teacher.id
    assert event.detail == {"method": "oidc", "provider": "district", "linked": "first sign-in"}
    assert session.get(StaffUser, teacher.id).last_login_at is not None


def test_next_page_is_kept_through_the_provider(client, teacher, sso):
    response = sso("teacher", next="/staff/mapping")
    assert response.headers["Location"] == "/staff/mapping"


def test_next_page_off_site_is_not_followed(client, teacher, sso):
    response = sso("teacher", next="//evil.example/")
    assert response.headers["Location"] == "/staff/"


def test_a_cancelled_sign_in_says_so(client, session, teacher, sso):
    response = sso("teacher", tamper=lambda q: {"error": "access_denied", "state": q["state"]})
    assert response.status_code == 403
    assert "cancelled or did not finish" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_a_provider_that_does_not_answer_is_a_clear_page_not_an_error(make_app):
    from tests._servers import free_port

    app = make_app(OIDC_PROVIDERS={"down": {
        "issuer": f"http://127.0.0.1:{free_port()}", "client_id": "a", "client_secret": "b"}})
    response = app.test_client().get("/staff/sso/down")
    assert response.status_code == 503
    assert "did not answer" in response.get_data(as_text=True)


def test_an_unknown_provider_name_is_not_found(client):
    assert client.get("/staff/sso/nobody").status_code == 404
    assert client.get("/staff/sso/nobody/callback?code=x&state=y").status_code == 404


def test_provider_settings_are_read_from_the_environment():
    from survey_app.sso import ConfigError, providers_from

    env = {"OIDC_PROVIDERS": "google, Entra", "OIDC_GOOGLE_ISSUER": "https://accounts.google.com/",
           "OIDC_GOOGLE_CLIENT_ID": "g-id", "OIDC_GOOGLE_CLIENT_SECRET": "g-secret",
           "OIDC_ENTRA_ISSUER": "https://login.microsoftonline.com/t/v2.0",
           "OIDC_ENTRA_CLIENT_ID": "e-id", "OIDC_ENTRA_CLIENT_SECRET": "e-secret",
           "OIDC_ENTRA_LABEL": "Microsoft", "OIDC_ENTRA_EMAIL_DOMAINS": "district.org"}
    found = providers_from(None, env)
    assert list(found) == ["google", "entra"]
    assert found["google"].issuer == "https://accounts.google.com"
    assert found["google"].label == "Google"
    assert found["entra"].label == "Microsoft"
    assert found["entra"].email_domains == {"district.org"}
    assert providers_from(None, {}) == {}
    for broken in ({**env, "OIDC_ENTRA_CLIENT_SECRET": ""},
                   {**env, "OIDC_GOOGLE_ISSUER": "http://accounts.google.com"},
                   {**env, "OIDC_PROVIDERS": "bad-name"}):
        with pytest.raises(ConfigError):
            providers_from(None, broken)


def test_starting_again_keeps_one_sign_in_in_flight(client, teacher, provider):
    """Each start replaces the last one's state in the cookie, which stays small; the
    newest start completes, an older one is refused."""
    from tests.survey_app.signin import op

    starts = [client.get("/staff/sso/district").headers["Location"] for _ in range(8)]
    cookie = client.get_cookie("session")
    assert len(cookie.value) < 2000
    with client.session_transaction() as s:
        assert len([k for k in s if k.startswith("_state_")]) == 1
    old = op.Person(provider, "teacher").sign_in(starts[0])
    assert client.get(f"/staff/sso/district/callback?code={old['code']}&state={old['state']}"
                      ).status_code == 403
    starts.append(client.get("/staff/sso/district").headers["Location"])
    new = op.Person(provider, "teacher").sign_in(starts[-1])
    assert client.get(f"/staff/sso/district/callback?code={new['code']}&state={new['state']}"
                      ).headers["Location"] == "/staff/"
