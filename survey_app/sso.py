"""Staff single sign-on with OpenID Connect: the configured providers and their clients.

Providers come from the environment (or ``OIDC_PROVIDERS`` in the app's config, as a
mapping of name to settings)::

    OIDC_PROVIDERS=google,entra
    OIDC_GOOGLE_ISSUER=https://accounts.google.com
    OIDC_GOOGLE_CLIENT_ID=...            OIDC_GOOGLE_CLIENT_SECRET=...
    OIDC_GOOGLE_LABEL=Google             (the button reads "Sign in with Google")
    OIDC_ENTRA_EMAIL_DOMAINS=district.org   (no email_verified claim: trust these domains)

Each client is Authlib's (``authlib.integrations.flask_client``): the endpoints and signing
keys come from the issuer's ``/.well-known/openid-configuration``; the authorization code
flow always sends a PKCE challenge (S256), a state and a nonce, kept in the signed session
cookie until the provider sends the browser back. ``verified_claims`` checks what comes
back: the state, the ``iss`` of the response (RFC 9207), the ID token's signature against
the provider's published keys, its issuer, audience, expiry and nonce.

The redirect URI to register at the provider is ``PUBLIC_BASE_URL`` followed by
``/staff/sso/<name>/callback``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, url_for
from joserfc.errors import JoseError
from requests import RequestException

EXTENSION = "survey_sso"
NAME = re.compile(r"^[a-z0-9_]{1,40}$")
#: Seconds to wait for the provider (discovery, keys, token, userinfo).
TIMEOUT = 10
#: Clock skew allowed on the ID token's times.
LEEWAY_SECONDS = 60


class ConfigError(RuntimeError):
    """The provider settings are incomplete; the message says which variable."""


class Refused(Exception):
    """The provider's answer is not trusted; ``reason`` is a short code for the audit log."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:300]


class Unreachable(Exception):
    """The provider did not answer (discovery, keys, token or userinfo)."""


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    label: str
    scope: str = "openid email profile"
    #: Domains whose addresses count as verified when the provider sends no
    #: ``email_verified`` claim at all (Microsoft Entra ID: a tenant's verified domains).
    email_domains: frozenset[str] = frozenset()

    def email_verified(self, claims: Mapping[str, Any]) -> Any:
        """The ``email_verified`` claim, or, when the provider sends none, whether the
        address is in one of ``email_domains``. A provider's explicit "false" stands."""
        if "email_verified" in claims:
            return claims["email_verified"]
        email = claims.get("email")
        return isinstance(email, str) and email.rsplit("@", 1)[-1].lower() in self.email_domains


def providers_from(settings: Mapping[str, Any] | None,
                   environ: Mapping[str, str] = os.environ) -> dict[str, Provider]:
    """The configured providers by name: from ``settings`` when given, else ``environ``."""
    if settings is None:
        names = [n.strip().lower() for n in environ.get("OIDC_PROVIDERS", "").split(",")]
        settings = {}
        for name in filter(None, names):
            prefix = f"OIDC_{name.upper()}_"
            settings[name] = {key: environ.get(prefix + key.upper(), "")
                              for key in ("issuer", "client_id", "client_secret", "label",
                                          "scope", "email_domains")}
    found = {}
    for name, values in settings.items():
        if not NAME.match(name):
            raise ConfigError(f"OIDC provider name {name!r}: use a-z, 0-9 and _ only")
        for key in ("issuer", "client_id", "client_secret"):
            if not values.get(key):
                raise ConfigError(f"OIDC_{name.upper()}_{key.upper()} is not set")
        issuer = values["issuer"].rstrip("/")
        if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError(f"OIDC_{name.upper()}_ISSUER must be an https:// address")
        found[name] = Provider(name=name, issuer=issuer, client_id=values["client_id"],
                               client_secret=values["client_secret"],
                               label=values.get("label") or name.capitalize(),
                               scope=values.get("scope") or "openid email profile",
                               email_domains=frozenset(
                                   d.strip().lower().lstrip("@")
                                   for d in (values.get("email_domains") or "").split(",")
                                   if d.strip()))
    return found


def init_app(app: Flask) -> None:
    providers = providers_from(app.config.get("OIDC_PROVIDERS"))
    oauth = OAuth(app)
    for p in providers.values():
        oauth.register(
            p.name, client_id=p.client_id, client_secret=p.client_secret,
            server_metadata_url=p.issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": p.scope, "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_basic",
                           "default_timeout": TIMEOUT})
    app.extensions[EXTENSION] = (providers, oauth)


def providers() -> dict[str, Provider]:
    """The configured providers, by name (empty: single sign-on is off)."""
    return current_app.extensions[EXTENSION][0]


def provider(name: str) -> Provider | None:
    return providers().get(name)


def redirect_uri(name: str) -> str:
    """Where the provider sends the browser back: the address to register there."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("staff.sso_callback", name=name)


def _client(name: str):
    return current_app.extensions[EXTENSION][1].create_client(name)


def start(name: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE verifier kept in
    the session)."""
    client = _client(name)
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError) as error:
        raise Unreachable(str(error)) from error
    if metadata.get("issuer", "").rstrip("/") != provider(name).issuer:
        raise Refused("issuer_mismatch", "discovery document names another issuer")
    return client.authorize_redirect(redirect_uri(name))


def verified_claims(name: str) -> dict[str, Any]:
    """The claims of this callback's ID token, once every check has passed; with ``email``
    and ``email_verified`` from the userinfo endpoint when the ID token lacks them."""
    p, client = provider(name), _client(name)
    if request.args.get("error"):
        raise Refused("provider_error", request.args.get("error", ""))
    returned_iss = request.args.get("iss")
    if returned_iss is not None and returned_iss.rstrip("/") != p.issuer:
        raise Refused("issuer_mismatch", "the response names another issuer")
    options = {"iss": {"essential": True, "values": [p.issuer, p.issuer + "/"]},
               "sub": {"essential": True}, "aud": {"essential": True, "values": [p.client_id]},
               "exp": {"essential": True}, "nonce": {"essential": True}}
    try:
        token = client.authorize_access_token(claims_options=options, leeway=LEEWAY_SECONDS)
    except MismatchingStateError as error:
        raise Refused("state_mismatch") from error
    except OAuthError as error:
        raise Refused("token_refused", f"{error.error}: {error.description}") from error
    except (JoseError, AuthlibBaseError) as error:  # joserfc's, or older Authlib's own
        raise Refused("id_token_invalid", f"{type(error).__name__}: {error}") from error
    except (RequestException, ValueError) as error:
        raise Unreachable(str(error)) from error
    claims = token.get("userinfo")
    if not claims:
        raise Refused("no_id_token")
    claims = dict(claims)
    if "email" not in claims:
        claims.update(_userinfo_email(client, token, claims["sub"]))
    return claims


def _userinfo_email(client, token, subject: str) -> dict[str, Any]:
    """``email`` and ``email_verified`` from the userinfo endpoint (same subject only)."""
    try:
        info = client.userinfo(token=token)
    except (RequestException, OAuthError, ValueError) as error:
        raise Unreachable(str(error)) from error
    if info.get("sub") != subject:
        raise Refused("userinfo_subject_mismatch")
    return {k: info[k] for k in ("email", "email_verified") if k in info}
