"""Which account a provider's person reaches: only an existing, active staff account, found
by verified email the first time and by issuer + subject after; never a new account."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from survey_app.models import AuditEvent, StaffIdentity, StaffUser
from tests.survey_app.signin.conftest import PEOPLE, TEACHER_EMAIL


def _count(session, model) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def _last_refusal(session) -> AuditEvent:
    session.rollback()
    return session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")
                        .order_by(AuditEvent.id.desc())).first()


def _refused(response, words: str) -> None:
    assert response.status_code == 403, response.data[:300]
    assert words in response.get_data(as_text=True)


def test_an_unknown_person_is_refused_and_no_account_is_made(client, session, teacher, sso):
    staff_before = _count(session, StaffUser)
    response = sso("stranger")
    _refused(response, "There is no staff account for you in this app.")
    assert _count(session, StaffUser) == staff_before
    assert _count(session, StaffIdentity) == 0
    event = _last_refusal(session)
    assert event.detail["reason"] == "unknown"
    assert event.detail["email"] == "nobody@elsewhere.example"
    assert event.outcome == "refused"
    assert client.get("/staff/").status_code == 302


def test_an_unverified_email_reaches_no_account(client, session, teacher, sso):
    """Anyone can type the teacher's address at some providers: unconfirmed, it links nothing."""
    _refused(sso("unverified"), "has not confirmed your email address")
    assert _count(session, StaffIdentity) == 0
    assert _last_refusal(session).detail["reason"] == "unverified"


def test_an_email_verified_as_a_string_counts(client, session, teacher, provider, sso):
    provider.set_accounts({**PEOPLE, "teacher": {**PEOPLE["teacher"], "email_verified": "true"}})
    assert sso("teacher").headers["Location"] == "/staff/"


def test_a_roster_entry_without_access_is_refused(client, session, world, provider, sso):
    """On the roster (imported) but never given access: not an account that may sign in."""
    session.add(StaffUser(district_id=world.district.id, email=PEOPLE["second"]["email"],
                          given_name="Sid", family_name="Second"))
    session.commit()
    _refused(sso("second"), "There is no staff account for you in this app.")
    assert _count(session, StaffIdentity) == 0


def test_a_deactivated_account_is_refused_before_and_after_linking(client, session, teacher,
                                                                     sso):
    teacher.active = False
    session.add(teacher)
    session.commit()
    _refused(sso("teacher"), "Your staff account here is turned off.")
    assert _last_refusal(session).detail["reason"] == "inactive"
    teacher.active = True
    session.add(teacher)
    session.commit()
    assert sso("teacher").status_code == 302
    client.post("/staff/logout")
    teacher.active = False
    session.add(teacher)
    session.commit()
    _refused(sso("teacher"), "Your staff account here is turned off.")


def test_an_email_changed_at_the_provider_cannot_reach_another_account(
        client, session, world, teacher, provider, sso):
    """Linked once, the teacher stays the teacher: the provider later saying their address
    is a colleague's (a rename, a reassigned mailbox) reaches neither the colleague's account
    nor makes a second link."""
    from tests.factories import make_user

    colleague = make_user(session, world.district, "counselor", world.school,
                          email=PEOPLE["second"]["email"])
    session.commit()
    assert sso("teacher").status_code == 302
    client.post("/staff/logout")
    provider.set_accounts({**PEOPLE, "teacher": {**PEOPLE["teacher"],
                                                 "email": PEOPLE["second"]["email"]}})
    assert sso("teacher").headers["Location"] == "/staff/"
    session.rollback()
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in")
                           .order_by(AuditEvent.id.desc()).limit(1)).all()
    assert event.staff_id == teacher.id != colleague.id
    assert "linked" not in event.detail
    assert _count(session, StaffIdentity) == 1


def test_a_second_person_with_the_teachers_address_cannot_take_the_account(
        client, session, teacher, provider, sso):
    """The mailbox handed to someone new (a new subject at the same provider): refused."""
    assert sso("teacher").status_code == 302
    client.post("/staff/logout")
    provider.set_accounts({**PEOPLE, "second": {**PEOPLE["second"], "email": TEACHER_EMAIL}})
    _refused(sso("second"), "already linked to another person")
    assert _last_refusal(session).detail["reason"] == "linked_elsewhere"
    session.rollback()
    assert [i.subject for i in session.exec(select(StaffIdentity))] == ["teacher"]


def test_the_roles_and_schools_stay_the_apps(client, session, world, provider, sso):
    from tests.factories import make_user

    make_user(session, world.district, "counselor", world.other_school, email=TEACHER_EMAIL)
    session.commit()
    assert sso("teacher").status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert "Students to connect with" in page  # a counselor's section, from this app's role


def test_the_refusal_page_speaks_the_users_language(client, session, teacher, sso):
    client.get("/?lang=es")
    with client.session_transaction() as s:
        s["lang"] = "es"
    response = sso("stranger")
    assert response.status_code == 403
    assert "There is no staff account" not in response.get_data(as_text=True)
    assert 'lang="es"' in response.get_data(as_text=True)


NO_CLAIM = {"email": TEACHER_EMAIL, "given_name": "Tess", "family_name": "Teacher"}


def test_no_email_verified_claim_is_not_a_yes(client, session, teacher, provider, sso):
    provider.set_accounts({**PEOPLE, "teacher": NO_CLAIM})
    _refused(sso("teacher"), "has not confirmed your email address")


@pytest.fixture
def trusting(make_app, provider):
    """The app trusting example.org addresses when no email_verified comes (as for Entra)."""
    from tests.survey_app.signin.conftest import APP

    app = make_app(OIDC_PROVIDERS={"district": {
        "issuer": provider.issuer, "client_id": APP["client_id"],
        "client_secret": APP["client_secret"], "email_domains": "@Example.org, other.example"}})
    return app.test_client()


def _sign_in_with(client, provider, login):
    from urllib.parse import urlencode

    from tests.survey_app.signin import op

    start = client.get("/staff/sso/district")
    back = op.Person(provider, login).sign_in(start.headers["Location"])
    return client.get("/staff/sso/district/callback?" + urlencode(
        {k: back[k] for k in ("code", "state", "iss")}))


def test_a_trusted_domain_stands_in_for_a_missing_claim(trusting, session, teacher, provider):
    provider.set_accounts({**PEOPLE, "teacher": NO_CLAIM})
    assert _sign_in_with(trusting, provider, "teacher").headers["Location"] == "/staff/"


def test_a_trusted_domain_never_overrides_an_explicit_no(trusting, session, teacher, provider):
    response = _sign_in_with(trusting, provider, "unverified")
    assert response.status_code == 403
    assert _last_refusal(session).detail["reason"] == "unverified"


def test_unlink_sso_lets_the_next_sign_in_link_again(runner, client, session, teacher, provider,
                                                     sso):
    assert sso("teacher").status_code == 302
    client.post("/staff/logout")
    assert "Forget an account's single sign-on links" in runner.invoke(
        args=["unlink-sso", "--help"]).output
    result = runner.invoke(args=["unlink-sso", TEACHER_EMAIL.upper()])
    assert result.exit_code == 0, result.output
    assert f"Unlinked 1 sign-in(s) of {TEACHER_EMAIL}: {provider.issuer}." in result.output
    assert _count(session, StaffIdentity) == 0
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "sso_unlink")).all()
    assert (event.target_id, event.detail) == (str(teacher.id), {"issuers": [provider.issuer]})
    provider.set_accounts({**PEOPLE, "second": {**PEOPLE["second"], "email": TEACHER_EMAIL}})
    assert sso("second").headers["Location"] == "/staff/"  # the mailbox's new holder
    assert runner.invoke(args=["unlink-sso", "nobody@example.org"]).exit_code != 0
