"""CSRF on every state-changing route the app registers, and nothing changes on a refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests import factories
from tests.security.test_access import _samples

#: POST routes that take no CSRF token, and why. Each still refuses a forged request (the
#: sample token "x" is not signed by us) and changes nothing.
CSRF_EXEMPT = {
    "reminders.stop": "RFC 8058 one-click unsubscribe: a mail program posts without our form; "
                      "the signed token in the URL, which only the recipient has, is the proof",
}


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _row_counts(session) -> dict[str, int]:
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables}


def _post_routes(app, samples):
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and rule.endpoint != "static":
                missing = set(rule.arguments) - set(samples)
                assert not missing, f"add samples for {missing} in test_access._samples"
                yield rule, url_for(rule.endpoint, **{a: samples[a][0] for a in rule.arguments})


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_post_without_a_token_is_refused(csrf_app, session, signed_in):
    world = factories.build_world(session)
    client = csrf_app.test_client()
    if signed_in:
        page = client.get("/staff/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/staff/login", data={
            "csrf_token": token, "email": world.users["district_admin"].email,
            "password": factories.PASSWORD}).status_code == 302
    session.commit()
    before = _row_counts(session)
    samples = {**_samples(world), "page_id": ("home", "home"), "token": ("x", "x")}
    routes = list(_post_routes(csrf_app, samples))
    assert routes, "no POST routes found"
    for rule, url in routes:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            expected = 404 if rule.endpoint in CSRF_EXEMPT else 400
            assert response.status_code == expected, f"{rule.rule} accepted {data} ({response.status_code})"
    session.expire_all()
    assert _row_counts(session) == before


def _token(page: str) -> str:
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_a_form_shown_again_after_a_post_carries_the_checked_token(csrf_app, session,
                                                                    monkeypatch):
    """Tokens never expire here, so a re-shown form reuses the one just checked (no new
    signature per POST); it still works, and a forged one is still refused."""
    import flask_wtf.csrf
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class _LastYear(TimestampSigner):
        def get_timestamp(self) -> int:
            return 1_700_000_000

    class _Signed(URLSafeTimedSerializer):
        default_signer = _LastYear

    world = factories.build_world(session)
    session.commit()
    client = csrf_app.test_client()
    with monkeypatch.context() as m:  # a token signed long ago: a new one would differ
        m.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", _Signed)
        token = _token(client.get("/staff/login").get_data(as_text=True))
    email = world.users["district_admin"].email
    again = client.post("/staff/login", data={"csrf_token": token, "email": email,
                                              "password": "wrong"})
    assert again.status_code in (200, 400, 401)
    assert _token(again.get_data(as_text=True)) == token
    assert client.post("/staff/login", data={"csrf_token": token + "x", "email": email,
                                             "password": factories.PASSWORD}).status_code == 400
    assert client.post("/staff/login", data={"csrf_token": token, "email": email,
                                             "password": factories.PASSWORD}).status_code == 302
