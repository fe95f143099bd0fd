"""Security headers (flask-talisman), CSRF, and rate limits (Flask-Limiter).

The Content-Security-Policy allows nothing from outside the app and no inline
script: every script is a file under ``/static``. Wrong codes, links and
passwords are counted by ``survey_app.throttle`` (after the answer is checked, so a
right one is never refused for its address), in Redis when ``REDIS_URL`` is set so
every worker and instance shares them, in memory while Redis cannot be reached.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_talisman import Talisman

from survey_app import throttle
from survey_app.extensions import csrf

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


class _Limiter(Limiter):
    """Flask-Limiter, whose before-request check is skipped where no limit can apply.

    A request filter (``_no_limit_applies``) spares the limits' lookup but Flask-Limiter
    still evaluates an empty list of limits and builds its request context on every
    request; the same answer skips that too. The checks inside limited views (their
    decorators call this with ``in_middleware=False``) always run.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and _no_limit_applies():
            return None
        return super()._check_request_limit(callable_name=callable_name,
                                            in_middleware=in_middleware)


limiter = _Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_app(app: Flask) -> None:
    """CSRF on every POST, security headers on every response, shared rate limits."""
    csrf.init_app(app)
    app.before_request(_keep_checked_csrf_token)  # after CSRFProtect's check
    production = app.config.get("ENV") == "production" and not app.config.get("TESTING")
    talisman.init_app(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://"
    )
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "survey")
    # A limit declared with ``limiter.limit`` (none now: wrong answers are counted by
    # ``survey_app.throttle``) falls back to memory too when Redis is lost.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    throttle.init_app(app)
    app.extensions[_UNLIMITED] = {}
    if _no_limit_applies not in limiter._request_filters:  # noqa: SLF001 (one limiter, many apps)
        limiter.request_filter(_no_limit_applies)
    app.after_request(_no_store_for_private_pages)


_UNLIMITED = "survey_unlimited_endpoints"  # app.extensions: endpoint -> no limit applies


def _no_limit_applies() -> bool:
    """Flask-Limiter's request filter: True only for an endpoint that no limit can apply to.

    Flask-Limiter works out the limits of every request, limited or not (the view's
    name, its blueprint's limits and exemptions, the request context), a few percent of
    a survey page save; ``limiter.exempt`` does not skip that work, a request filter
    does. A filtered request is exempt from *every* limit, so this answers True only
    when the limiter has no default, application, meta or blueprint limit at all and the
    view was not decorated with a limit (nor ran a decorated function: Flask-Limiter's
    endpoint hints); tests/security/test_brute_force.py holds it to that. No view carries
    such a limit now (code entry, links and sign-in count wrong answers themselves,
    ``survey_app.throttle``), so today every request is filtered.
    """
    manager = limiter.limit_manager
    if (manager._default_limits or manager._application_limits  # noqa: SLF001
            or manager._blueprint_limits or limiter._meta_limits):  # noqa: SLF001
        return False  # set through configuration or on a blueprint: they may apply anywhere
    endpoint = request.endpoint
    if endpoint is None or manager.has_hints(endpoint):
        return False
    known = current_app.extensions.get(_UNLIMITED)
    if known is None:  # an app this module did not set up
        return False
    undecorated = known.get(endpoint)
    if undecorated is None:
        undecorated = known[endpoint] = _undecorated(endpoint)
    return undecorated


def _undecorated(endpoint: str) -> bool:
    """The endpoint's view carries no limit of its own (decorations are made at import)."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    name = get_qualified_name(view)
    return (name not in limiter._marked_for_limiting  # noqa: SLF001
            and name not in limiter.limit_manager._decorated_limits)  # noqa: SLF001


def _no_store_for_private_pages(response):
    """Answers and student data must not linger in a shared device's cache."""
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _keep_checked_csrf_token() -> None:
    """A form re-shown after a POST carries the token that POST sent, once it was checked.

    Flask-WTF signs a fresh token for every form it builds, and a page save builds
    one only to read the answers. Tokens here never expire (``WTF_CSRF_TIME_LIMIT``
    None: valid for the session), so the checked one is as good as a new one;
    with a time limit configured, a new one is signed as before.
    """
    if not g.get("csrf_valid") or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.form.get(name)  # what CSRFProtect checked first (form before headers)
    if token and name not in g:
        setattr(g, name, token)
