"""A password guesser is slowed to a crawl; colleagues signing in correctly are not.

The attacker's moves (tests fail before survey_app.throttle): one account guessed from
many addresses; one address guessing many accounts, then a colleague with the right
password behind it."""

import pytest

from tests import factories


@pytest.fixture
def limited_client(make_app, world):
    return make_app(RATELIMIT_ENABLED=True).test_client()


def test_guessing_one_account_is_stopped_after_ten_tries(limited_client, world):
    email = world.users["staff"].email
    statuses = [limited_client.post("/staff/login", data={"email": email,
                                                          "password": f"guess-{n}"}).status_code
                for n in range(15)]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    # Even the right password waits now: the guesser cannot tell which try was right.
    right = limited_client.post("/staff/login", data={"email": email,
                                                      "password": factories.PASSWORD})
    assert right.status_code == 429


@pytest.mark.slow
def test_guessing_across_accounts_from_one_address_is_stopped(limited_client, world):
    statuses = [limited_client.post("/staff/login", data={"email": f"user{n}@example.org",
                                                          "password": "guess"}).status_code
                for n in range(35)]
    assert statuses[:30] == [401] * 30
    assert set(statuses[30:]) == {429}
    # A colleague behind the same (school) address, with the right password, signs in.
    right = limited_client.post("/staff/login", data={"email": world.users["counselor"].email,
                                                      "password": factories.PASSWORD})
    assert right.status_code == 302


def test_one_account_guessed_from_many_addresses_is_stopped(limited_client, world):
    """The per-account count does not depend on the address (NIST SP 800-63B 5.2.2)."""
    email = world.users["staff"].email
    statuses = [limited_client.post("/staff/login", data={"email": email, "password": f"g{n}"},
                                    environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
                for n in range(15)]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    # The guessed account waits; another account from those addresses does not.
    assert limited_client.post("/staff/login", data={
        "email": world.users["counselor"].email, "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.3"}).status_code == 302


def test_failed_sign_ins_are_audited_as_refused(limited_client, world, session):
    from sqlmodel import select

    from survey_app.models import AuditEvent

    email = world.users["staff"].email
    limited_client.post("/staff/login", data={"email": email, "password": "wrong one"},
                        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).one()
    assert (event.outcome, event.ip, event.target_type, event.target_id) == (
        "refused", "198.51.100.7", "staff_user", str(world.users["staff"].id))
    assert event.staff_id is None
    assert "wrong one" not in str(event.detail)


def test_many_correct_sign_ins_from_one_address_are_never_limited(limited_client, world):
    for _n in range(40):
        response = limited_client.post("/staff/login", data={
            "email": world.users["counselor"].email, "password": factories.PASSWORD})
        assert response.status_code == 302
        limited_client.post("/staff/logout")


#: Wrong answers are counted after the answer is checked (survey_app.throttle), so no
#: view carries a Flask-Limiter limit: one checked before the view refused right answers.
LIMITED: set[str] = set()


def _carries_a_limit(view) -> bool:
    """Flask-Limiter marks the wrapper its ``limit`` decorator makes (and ``functools.wraps``
    copies the mark onto every wrapper around it)."""
    while view is not None:
        if getattr(view, "__wrapper-limiter-instance", None) is not None:
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def _filtered(app, rule, method) -> bool:
    from survey_app.security import _no_limit_applies

    with app.test_request_context("/", method=method) as ctx:
        ctx.request.url_rule = rule
        return _no_limit_applies()


def test_no_endpoint_with_a_limit_is_ever_filtered_out(make_app):
    """The request filter that spares unlimited pages Flask-Limiter's work never spares a
    limited one (a filtered request is exempt from every limit), for any method."""
    app = make_app(RATELIMIT_ENABLED=True)
    limited = {rule.endpoint for rule in app.url_map.iter_rules()
               if _carries_a_limit(app.view_functions[rule.endpoint])}
    assert limited == LIMITED
    for rule in app.url_map.iter_rules():
        for method in rule.methods:
            assert _filtered(app, rule, method) is (rule.endpoint not in LIMITED), \
                (rule.endpoint, method)


def test_a_limit_for_every_page_turns_the_filter_off(make_app, monkeypatch):
    """A default, application or blueprint limit may apply anywhere: nothing is filtered;
    nor is a page that ran a function with a limit of its own (Flask-Limiter's hint)."""
    from survey_app.security import limiter

    app = make_app(RATELIMIT_ENABLED=True)
    page = next(r for r in app.url_map.iter_rules() if r.endpoint == "respond.page")
    assert _filtered(app, page, "POST") is True
    manager = limiter.limit_manager
    for name, value in (("_default_limits", ["anything"]), ("_application_limits", ["anything"]),
                        ("_blueprint_limits", {"respond": ["anything"]}),
                        ("_endpoint_hints", {"respond.page": ["views.helper"]})):
        with monkeypatch.context() as patch:
            patch.setattr(manager, name, value)
            assert _filtered(app, page, "POST") is False, name


def test_code_entry_is_limited_with_the_filter_in_place(make_app, world):
    client = make_app(RATELIMIT_ENABLED=True, RESPOND_CODE_LIMITS="2 per minute").test_client()
    statuses = [client.post("/", data={"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code for _n in range(3)]
    assert statuses == [400, 400, 429]
    assert client.get("/r/not-a-token").status_code == 404
