"""Password sign-in turned off per district: only with a provider configured (never a
lock-out), audited, the form hidden and its POSTs refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey_app.models import AuditEvent, DistrictSettings
from tests import factories


def _turn(client, login_as, world, allowed: bool):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings/sign-in",
                           data={"password_sign_in": "on"} if allowed else {})
    client.post("/staff/logout")
    return response


def _stored(session, world) -> bool | None:
    session.rollback()
    row = session.exec(select(DistrictSettings).where(
        DistrictSettings.district_id == world.district.id)).first()
    return None if row is None else row.password_sign_in


def test_the_settings_page_offers_the_switch(client, login_as, world):
    login_as(world.users["district_admin"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Staff can sign in with: Test District ID." in page
    assert 'name="password_sign_in"' in page
    assert "checked" in page.split('id="password_sign_in"')[1][:60]


def test_turning_passwords_off_is_audited(client, session, login_as, world):
    response = _turn(client, login_as, world, allowed=False)
    assert response.status_code == 303
    assert _stored(session, world) is False
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_change")
                           ).all()
    assert event.staff_id == world.users["district_admin"].id
    assert event.detail == {"before": {"password_sign_in": True},
                            "after": {"password_sign_in": False}}


def test_with_passwords_off_the_form_is_gone_and_posts_are_refused(client, session, login_as,
                                                                   world):
    _turn(client, login_as, world, allowed=False)
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'name="password"' not in page
    assert "Sign in with Test District ID" in page
    response = login_as(world.users["staff"])
    assert response.status_code == 403
    assert "signs staff in through its sign-in provider" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_a_right_password_in_a_district_that_turned_them_off_is_refused(
        client, session, login_as, world):
    """Two districts, one with passwords off: the form stays for the other, and the right
    password of the first district's staff opens nothing (audited)."""
    other = factories.District(name="Other", code="OT")
    session.add(other)
    session.commit()
    _turn(client, login_as, world, allowed=False)
    assert 'name="password"' in client.get("/staff/login").get_data(as_text=True)
    response = login_as(world.users["staff"])
    assert response.status_code == 403
    assert client.get("/staff/").status_code == 302
    session.rollback()
    refused = session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")
                           ).all()
    assert [e.detail["reason"] for e in refused] == ["password_off"]


def test_passwords_back_on_by_an_admin_signed_in_through_the_provider(
        client, session, login_as, world, sso):
    from tests.survey_app.signin.conftest import PEOPLE

    factories.make_user(session, world.district, "district_admin", None,
                        email=PEOPLE["second"]["email"])
    session.commit()
    _turn(client, login_as, world, allowed=False)
    assert login_as(world.users["district_admin"]).status_code == 403
    assert sso("second").status_code == 302
    assert client.post("/admin/settings/sign-in", data={"password_sign_in": "on"}
                       ).status_code == 303
    assert _stored(session, world) is True
    client.post("/staff/logout")
    assert login_as(world.users["staff"]).status_code == 302


@pytest.fixture
def no_provider(make_app):
    return make_app(OIDC_PROVIDERS={}).test_client()


def test_without_a_provider_passwords_cannot_be_turned_off(no_provider, session, world):
    no_provider.post("/staff/login", data={"email": world.users["district_admin"].email,
                                           "password": factories.PASSWORD})
    page = no_provider.get("/admin/settings").get_data(as_text=True)
    assert 'type="checkbox" id="password_sign_in"' not in page
    response = no_provider.post("/admin/settings/sign-in", data={}, follow_redirects=True)
    assert "stays on until a single sign-on provider is configured" in response.get_data(
        as_text=True)
    assert _stored(session, world) in (None, True)


def test_a_stored_off_is_not_obeyed_once_the_provider_is_gone(no_provider, client, session,
                                                              login_as, world):
    """The provider's settings removed from the environment: staff can still sign in."""
    _turn(client, login_as, world, allowed=False)
    assert _stored(session, world) is False
    assert 'name="password"' in no_provider.get("/staff/login").get_data(as_text=True)
    response = no_provider.post("/staff/login", data={"email": world.users["staff"].email,
                                                      "password": factories.PASSWORD})
    assert response.status_code == 302
