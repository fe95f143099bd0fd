"""A password guesser is slowed to a crawl; colleagues signing in correctly are not."""

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
    assert statuses.count(429) >= 5


def test_many_correct_sign_ins_from_one_address_are_never_limited(limited_client, world):
    for _n in range(40):
        response = limited_client.post("/staff/login", data={
            "email": world.users["counselor"].email, "password": factories.PASSWORD})
        assert response.status_code == 302
        limited_client.post("/staff/logout")


LIMITED = {"respond.enter_code", "respond.open_link", "staff.login"}


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
