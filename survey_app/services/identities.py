"""Which staff account a person signed in at an OpenID Connect provider is.

A person is known at a provider by its issuer and their subject there: the only pair the
provider promises never to give to anyone else. The first time, the account is found by
the email the provider says it has verified, and the pair is stored with it
(``StaffIdentity``). From then on the pair alone decides: an email changed at the
provider later (a renamed person, or an address handed to someone new) cannot reach
another account, and an account already linked at a provider cannot be linked to a
second person there.

No account is ever made here: roles and schools stay this app's. A person with no
account, a roster entry that cannot sign in (no password set: not given access), and a
deactivated account are refused alike to the caller, with distinct reasons for the audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from survey_app.models import StaffIdentity, StaffUser
from survey_app.models.base import utcnow
from survey_app.services import users


@dataclass(frozen=True)
class Resolved:
    """The account to sign in, or None with the reason (``unknown``, ``unverified``,
    ``inactive``, ``linked_elsewhere``); ``linked`` when this sign-in stored the link."""

    user: StaffUser | None
    reason: str = "ok"
    linked: bool = False
    known_id: int | None = None  # the account involved, for the audit, when refused


def _verified(value) -> bool:
    """Only a real yes: some providers send the claim as a string."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _may_sign_in(user: StaffUser) -> bool:
    return bool(user.active and user.password_hash)


def resolve(*, session: Session, issuer: str, subject: str, email: str | None,
            email_verified) -> Resolved:
    """The account for this person at ``issuer`` (stores the link on first use; the caller
    commits)."""
    link = session.exec(select(StaffIdentity).where(StaffIdentity.issuer == issuer,
                                                    StaffIdentity.subject == subject)).first()
    if link is not None:
        user = session.get(StaffUser, link.user_id)
        if user is None or not _may_sign_in(user):
            return Resolved(None, "inactive", known_id=link.user_id)
        link.last_used_at = utcnow()
        user.last_login_at = utcnow()
        session.add_all([link, user])
        return Resolved(user)
    if not isinstance(email, str) or not email.strip() or len(email) > 320:
        return Resolved(None, "unknown")
    if not _verified(email_verified):
        return Resolved(None, "unverified")
    user = users.find_by_email(session=session, email=email)
    if user is None or not user.password_hash:
        return Resolved(None, "unknown", known_id=user.id if user else None)
    if not user.active:
        return Resolved(None, "inactive", known_id=user.id)
    taken = session.exec(select(StaffIdentity.id).where(StaffIdentity.user_id == user.id,
                                                        StaffIdentity.issuer == issuer)).first()
    if taken is not None:
        return Resolved(None, "linked_elsewhere", known_id=user.id)
    session.add(StaffIdentity(user_id=user.id, issuer=issuer, subject=subject,
                              email=email.strip().lower(), last_used_at=utcnow()))
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    return Resolved(user, linked=True)


def links_of(*, session: Session, user_id: int) -> list[StaffIdentity]:
    """The provider sign-ins linked to an account."""
    return list(session.exec(select(StaffIdentity).where(StaffIdentity.user_id == user_id)
                             .order_by(StaffIdentity.issuer)))


def unlink(*, session: Session, user_id: int, issuer: str | None = None) -> list[str]:
    """Forget the account's links (at ``issuer`` only, when given): its next single sign-on
    is matched by verified email again. The issuers unlinked; the caller audits and commits."""
    query = select(StaffIdentity).where(StaffIdentity.user_id == user_id)
    if issuer:
        query = query.where(StaffIdentity.issuer == issuer.rstrip("/"))
    gone = list(session.exec(query))
    for link in gone:
        session.delete(link)
    session.flush()
    return [link.issuer for link in gone]
