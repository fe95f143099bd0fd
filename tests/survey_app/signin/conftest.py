"""A real OpenID Connect provider for the whole test session, and the app configured for it.

The provider knows: a teacher (``TEACHER_EMAIL``, verified), a stranger with a verified
address no account has, the teacher's address unverified under another subject, and a
second person the tests can re-address. Every test starts with these people.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.survey_app.signin import op

APP = {"client_id": "survey-app", "client_secret": "app-secret-0123456789abcdefghijklmnop",
       "redirect_uris": ["http://localhost/staff/sso/district/callback"]}
OTHER = {"client_id": "other-app", "client_secret": "other-secret-0123456789abcdefghijklm",
         "redirect_uris": ["http://other.example/callback"]}
TEACHER_EMAIL = "teacher.sso@example.org"
PEOPLE = {
    "teacher": {"email": TEACHER_EMAIL, "email_verified": True, "given_name": "Tess",
                "family_name": "Teacher"},
    "stranger": {"email": "nobody@elsewhere.example", "email_verified": True,
                 "given_name": "Sam", "family_name": "Stranger"},
    "unverified": {"email": TEACHER_EMAIL, "email_verified": False, "given_name": "Una",
                   "family_name": "Unverified"},
    "second": {"email": "second.sso@example.org", "email_verified": True,
               "given_name": "Sid", "family_name": "Second"},
}


def start_provider(folder, *, redirect_uris: tuple[str, ...] = ()):
    """The provider with ``PEOPLE``, this app (also sent back to ``redirect_uris``, e.g. a
    live server's callback) and another client; a context manager yielding it."""
    app = {**APP, "redirect_uris": [*APP["redirect_uris"], *redirect_uris]}
    return op.started(folder, clients=[app, OTHER], accounts=PEOPLE)


def district_sign_in(provider: op.Provider) -> dict:
    """The app's ``OIDC_PROVIDERS`` setting for ``provider``."""
    return {"district": {"issuer": provider.issuer, "client_id": APP["client_id"],
                         "client_secret": APP["client_secret"], "label": "Test District ID"}}


@pytest.fixture(scope="session")
def provider_started(tmp_path_factory):
    """The running provider (the browser test starts its own, knowing its live server)."""
    with start_provider(tmp_path_factory.mktemp("op")) as provider:
        yield provider


@pytest.fixture
def provider(provider_started):
    provider_started.set_accounts(PEOPLE)
    return provider_started


@pytest.fixture
def public_base_url() -> str:
    """The app's address as the provider sends the browser back to it."""
    return "http://localhost"


@pytest.fixture
def app_config(app_config, provider, public_base_url):
    return {**app_config, "PUBLIC_BASE_URL": public_base_url,
            "OIDC_PROVIDERS": district_sign_in(provider)}


@pytest.fixture
def teacher(session, world):
    from tests.factories import make_user

    user = make_user(session, world.district, "staff", world.school, email=TEACHER_EMAIL,
                     given_name="Tess", family_name="Teacher")
    session.commit()
    return user


@pytest.fixture
def sso(client, provider):
    """``sso(login)``: sign in through the provider as ``login``; the app's last response."""

    def _sign_in(login: str, *, next: str | None = None, tamper=None):
        start = client.get("/staff/sso/district" + (f"?next={next}" if next else ""))
        assert start.status_code == 302, start.data[:300]
        back = op.Person(provider, login).sign_in(start.headers["Location"])
        query = {k: v for k, v in back.items() if k != "url"}
        if tamper:
            query = tamper(query)
        return client.get("/staff/sso/district/callback?" + urlencode(query))

    return _sign_in
