"""Staff single sign-on: send the browser to the district's provider, take it back, and
sign in the staff account it names (``survey_app.sso`` checks the answer,
``survey_app.services.identities`` finds the account, ``survey_app.signin`` opens the
session).

A refused sign-in is audited (``sign_in_failed`` with the reason) and counted per
address like a wrong password: past ``signin.ADDRESS_LIMITS`` the refusal is a 429.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from survey_app import signin, sso, throttle
from survey_app.auth import public
from survey_app.db import get_session
from survey_app.services import audit, identities
from survey_app.staff.views import _safe_next, bp

NEXT_KEY = "_sso_next"

#: What the person is told, by reason (the audit log keeps the exact reason).
MESSAGES = {
    "unknown": _l("There is no staff account for you in this app. Your district's "
                  "administrator adds staff accounts: please ask them."),
    "unverified": _l("Your sign-in provider has not confirmed your email address, so we "
                     "cannot tell which staff account is yours. Please confirm your email "
                     "there, or ask your district's administrator."),
    "inactive": _l("Your staff account here is turned off. Please ask your district's "
                   "administrator."),
    "linked_elsewhere": _l("Your staff account is already linked to another person at this "
                           "sign-in provider. Please ask your district's administrator."),
    "provider_error": _l("The sign-in was cancelled or did not finish. Please try again."),
}
CHECK_FAILED = _l("The answer from your sign-in provider could not be checked, so you were "
                  "not signed in. Please start again from the sign-in page.")


def _provider_or_404(name: str) -> sso.Provider:
    found = sso.provider(name) if sso.NAME.match(name or "") else None
    return found or abort(404)


@bp.get("/sso/<name>")
@public
def sso_start(name: str):
    """Send the browser to the provider's sign-in page."""
    _provider_or_404(name)
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    # One sign-in in flight per browser: each start's state, nonce and verifier (~0.7 kB)
    # would otherwise pile up in the cookie until the browser drops it (4 kB).
    for key in [k for k in session if k.startswith("_state_")]:
        session.pop(key)
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        return sso.start(name)
    except sso.Unreachable:
        return _unreachable()
    except sso.Refused as refused:
        return _refuse(name, refused.reason, detail={"why": refused.detail})


@bp.get("/sso/<name>/callback")
@public
def sso_callback(name: str):
    """Check the provider's answer and sign in the account it names."""
    provider = _provider_or_404(name)
    try:
        claims = sso.verified_claims(name)
    except sso.Unreachable:
        return _unreachable()
    except sso.Refused as refused:
        return _refuse(name, refused.reason, detail={"why": refused.detail})
    db = get_session()
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    try:
        found = identities.resolve(session=db, issuer=provider.issuer, subject=str(claims["sub"]),
                                   email=email, email_verified=provider.email_verified(claims))
    except IntegrityError:  # two first sign-ins of one person at once: the other one won
        db.rollback()
        return _refuse(name, "link_race", email=email)
    if found.user is None:
        return _refuse(name, found.reason, email=email, known_id=found.known_id)
    target = session.get(NEXT_KEY) or _safe_next(None)
    signin.open_session(found.user, method="oidc", provider=name,
                        **({"linked": "first sign-in"} if found.linked else {}))
    db.commit()
    return redirect(_safe_next(target))


def _unreachable():
    message = _("Your sign-in provider did not answer. Please try again in a few minutes.")
    return render_template("staff/sso_refused.html", message=message), 503


def _refuse(name: str, reason: str, *, email: str | None = None, known_id: int | None = None,
            detail: dict | None = None):
    """Audit the refusal, count it against the address, and say why in the user's words."""
    db = get_session()
    audit.record(session=db, staff_id=None, action="sign_in_failed", target_type="staff_user",
                 target_id=known_id, outcome="refused", ip=request.remote_addr,
                 detail={"method": "oidc", "provider": name, "reason": reason,
                         **({"email": email.strip().lower()[:320]} if email else {}),
                         **{k: v for k, v in (detail or {}).items() if v}})
    db.commit()
    session.pop(NEXT_KEY, None)
    wait = throttle.counters().refuse_wrong(signin.ADDRESS_LIMITS, f"sso-ip:{request.remote_addr}")
    message = str(MESSAGES.get(reason, CHECK_FAILED))
    if wait:
        return render_template("staff/sso_refused.html",
                               message=_("Please wait a little and try again.")), 429, \
            {"Retry-After": str(wait)}
    return render_template("staff/sso_refused.html", message=message), 403
