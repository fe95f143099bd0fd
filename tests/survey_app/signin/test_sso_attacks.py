"""What an attacker can do to a single sign-on, refused: a forged or replayed state, a
changed nonce, an ID token with a flipped signature byte, signed with another key, with
no signature, or issued to another client; and the refusals are audited and throttled.

The tokens are real ones from the provider; a test changes what the token endpoint's
answer carries before the app checks it (as a man in the middle would).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlmodel import select

from survey_app.models import AuditEvent, StaffIdentity
from tests.survey_app.signin import op
from tests.survey_app.signin.conftest import OTHER

CHECK_FAILED = "could not be checked"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _refusals(session) -> list[dict]:
    session.rollback()
    return [e.detail for e in session.exec(select(AuditEvent).where(
        AuditEvent.action == "sign_in_failed").order_by(AuditEvent.id))]


def _signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


@pytest.fixture
def token_answer(monkeypatch):
    """``token_answer(change)``: the app's token response passes through ``change(token)``."""

    def _install(change):
        real = FlaskOAuth2App.fetch_access_token

        def fetch(self, *args, **kwargs):
            return change(dict(real(self, *args, **kwargs)))

        monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", fetch)

    return _install


def _refused_as(response, session, reason, why=None):
    assert response.status_code == 403, response.data[:300]
    assert CHECK_FAILED in response.get_data(as_text=True)
    detail = _refusals(session)[-1]
    assert detail["reason"] == reason, detail
    if why:
        assert why in detail.get("why", ""), detail


def test_a_forged_state_is_refused(client, session, teacher, sso):
    response = sso("teacher", tamper=lambda q: {**q, "state": q["state"][:-2] + "xy"})
    _refused_as(response, session, "state_mismatch")
    assert not _signed_in(client)
    assert session.exec(select(StaffIdentity)).all() == []


def test_a_callback_nobody_started_is_refused(client, session, teacher, provider):
    """Login CSRF: a code and state made in the attacker's browser, sent to the victim's."""
    attacker = client.application.test_client()
    start = attacker.get("/staff/sso/district")
    back = op.Person(provider, "teacher").sign_in(start.headers["Location"])
    response = client.get("/staff/sso/district/callback?" + urlencode(
        {k: back[k] for k in ("code", "state", "iss")}))
    _refused_as(response, session, "state_mismatch")
    assert not _signed_in(client)


def test_a_changed_nonce_is_refused(client, session, teacher, provider):
    start = client.get("/staff/sso/district")
    back = op.Person(provider, "teacher").sign_in(start.headers["Location"])
    with client.session_transaction() as s:
        [key] = [k for k in s if k.startswith("_state_district_")]
        s[key] = {**s[key], "data": {**s[key]["data"], "nonce": secrets.token_urlsafe(20)}}
    response = client.get("/staff/sso/district/callback?" + urlencode(
        {k: back[k] for k in ("code", "state", "iss")}))
    _refused_as(response, session, "id_token_invalid", "nonce")
    assert not _signed_in(client)


def test_the_code_cannot_be_redeemed_without_the_pkce_verifier(client, session, teacher,
                                                              provider):
    """The code stolen from the redirect is useless alone: the provider wants the verifier."""
    start = client.get("/staff/sso/district")
    back = op.Person(provider, "teacher").sign_in(start.headers["Location"])
    from tests.survey_app.signin.conftest import APP

    stolen = requests.post(provider.metadata()["token_endpoint"], timeout=10,
                           auth=(APP["client_id"], APP["client_secret"]),
                           data={"grant_type": "authorization_code", "code": back["code"],
                                 "redirect_uri": APP["redirect_uris"][0]})
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


def test_a_flipped_signature_byte_is_refused(client, session, teacher, sso, token_answer):
    def flip(token):
        head, body, sig = token["id_token"].split(".")
        raw = bytearray(_unb64(sig))
        raw[len(raw) // 2] ^= 0x01
        return {**token, "id_token": f"{head}.{body}.{_b64(bytes(raw))}"}

    token_answer(flip)
    _refused_as(sso("teacher"), session, "id_token_invalid", "BadSignature")
    assert not _signed_in(client)


def test_a_token_signed_with_another_key_is_refused(client, session, teacher, sso,
                                                   token_answer):
    forger = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})

    def resign(token):
        header, body, _sig = token["id_token"].split(".")
        claims = json.loads(_unb64(body))
        claims["sub"] = "someone-else"
        forged = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, forger)
        return {**token, "id_token": forged}

    token_answer(resign)
    _refused_as(sso("teacher"), session, "id_token_invalid", "BadSignature")
    assert not _signed_in(client)


def test_an_unsigned_token_is_refused(client, session, teacher, sso, token_answer):
    def unsign(token):
        _header, body, _sig = token["id_token"].split(".")
        header = _b64(json.dumps({"alg": "none"}).encode())
        return {**token, "id_token": f"{header}.{body}."}

    token_answer(unsign)
    _refused_as(sso("teacher"), session, "id_token_invalid")
    assert not _signed_in(client)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, _b64(hashlib.sha256(verifier.encode()).digest())


def _tokens_for_other_client(provider, nonce: str) -> dict:
    """A real, valid token answer the provider gave another client (same person, nonce)."""
    verifier, challenge = _pkce()
    metadata = provider.metadata()
    url = metadata["authorization_endpoint"] + "?" + urlencode({
        "client_id": OTHER["client_id"], "response_type": "code", "scope": "openid email",
        "redirect_uri": OTHER["redirect_uris"][0], "state": "s" * 20, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    back = op.Person(provider, "teacher").sign_in(url)
    answer = requests.post(metadata["token_endpoint"], timeout=10,
                           auth=(OTHER["client_id"], OTHER["client_secret"]),
                           data={"grant_type": "authorization_code", "code": back["code"],
                                 "redirect_uri": OTHER["redirect_uris"][0],
                                 "code_verifier": verifier})
    answer.raise_for_status()
    return answer.json()


def test_a_token_issued_to_another_client_is_refused(client, session, teacher, provider,
                                                    token_answer):
    """Valid signature, issuer, nonce and access-token hash: only the audience is wrong."""
    start = client.get("/staff/sso/district")
    nonce = parse_qs(urlsplit(start.headers["Location"]).query)["nonce"][0]
    other = _tokens_for_other_client(provider, nonce)
    claims = json.loads(_unb64(other["id_token"].split(".")[1]))
    assert claims["aud"] == "other-app"
    assert claims["nonce"] == nonce
    token_answer(lambda token: {**token, "id_token": other["id_token"],
                                "access_token": other["access_token"]})
    back = op.Person(provider, "teacher").sign_in(start.headers["Location"])
    response = client.get("/staff/sso/district/callback?" + urlencode(
        {k: back[k] for k in ("code", "state", "iss")}))
    _refused_as(response, session, "id_token_invalid", "aud")
    assert not _signed_in(client)


def test_a_response_naming_another_issuer_is_refused(client, session, teacher, sso):
    response = sso("teacher", tamper=lambda q: {**q, "iss": "https://evil.example"})
    _refused_as(response, session, "issuer_mismatch")
    assert not _signed_in(client)


def test_refusals_from_one_address_are_throttled(make_app, session, teacher):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    guesser = app.test_client()
    statuses = [guesser.get(f"/staff/sso/district/callback?code=c{i}&state=s{i}").status_code
                for i in range(31)]
    assert statuses[:30] == [403] * 30
    assert statuses[30] == 429
    last = guesser.get("/staff/sso/district/callback?code=c&state=s")
    assert int(last.headers["Retry-After"]) >= 1
    assert len(_refusals(session)) == 32


def test_an_expired_token_is_refused(client, session, teacher, sso, monkeypatch):
    """The ID token (an hour's life at this provider) checked two hours later: the token
    checker's clock is moved, nothing else."""
    import time as real_time

    from joserfc._rfc7519 import claims as jwt_claims

    monkeypatch.setattr(jwt_claims, "_generate_now", lambda: int(real_time.time()) + 7200)
    _refused_as(sso("teacher"), session, "id_token_invalid", "Expired")
    assert not _signed_in(client)
