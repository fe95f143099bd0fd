"""Passwords after NIST SP 800-63B: the policy, create-user, and changing one's own
(old password required, every other session ended)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.services import passwords
from tests import factories

NEW = "quiet lantern orbit meadow"


@pytest.mark.parametrize(("password", "why"), [
    (" " * 12, passwords.ONE_CHARACTER), ("a" * 12, passwords.ONE_CHARACTER),
    ("password1234", passwords.LISTED), ("Password1234", passwords.LISTED),
    ("qwertyuiop123", passwords.LISTED), ("iloveyou1234", passwords.GUESSABLE),
    ("short", passwords.TOO_SHORT), ("x1" * 101, passwords.TOO_LONG),
])
def test_the_issue_s_weak_passwords_are_refused(password, why):
    assert passwords.problem(password) == why


@pytest.mark.parametrize("password", [factories.PASSWORD, NEW, "blue-kettle-forest-ninety",
                                      "ünïcödé pässwörd ök 🌵"])
def test_passphrases_pass_without_composition_rules(password):
    assert passwords.problem(password) is None


def test_the_person_s_own_name_makes_a_password_guessable():
    assert passwords.problem("anaruizanaruiz", context=("Ana", "Ruiz")) == passwords.GUESSABLE


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               min_size=0, max_size=11))
def test_anything_shorter_than_twelve_is_refused(password):
    assert passwords.problem(password) == passwords.TOO_SHORT


def test_create_user_refuses_the_issue_s_examples(runner, world):
    for weak in (" " * 12, "a" * 12, "password1234"):
        result = runner.invoke(args=["create-user", "new@example.org", "--role", "staff",
                                     "--school", world.school.code, "--name", "New Person",
                                     "--password-env", "PW"],
                               env={"PW": weak})
        assert result.exit_code != 0, weak
        assert "password" in result.output.lower(), result.output


def _change(client, old, new, again=None):
    return client.post("/staff/password", data={"current": old, "new": new,
                                                "again": new if again is None else again})


def test_changing_my_password_needs_the_old_one_and_ends_my_other_sessions(app, client,
                                                                            world, login_as):
    user = world.users["staff"]
    elsewhere = app.test_client()
    elsewhere.post("/staff/login", data={"email": user.email, "password": factories.PASSWORD})
    assert elsewhere.get("/staff/").status_code == 200
    login_as(user)
    assert _change(client, "not my password", NEW).status_code == 400
    assert _change(client, factories.PASSWORD, NEW, again="typo").status_code == 400
    assert _change(client, factories.PASSWORD, "password1234").status_code == 400
    assert elsewhere.get("/staff/").status_code == 200  # nothing changed yet
    done = _change(client, factories.PASSWORD, NEW)
    assert done.status_code == 302
    assert client.get("/staff/").status_code == 200  # this session goes on
    assert elsewhere.get("/staff/").status_code == 302  # the other one has ended
    fresh = app.test_client()
    assert fresh.post("/staff/login", data={"email": user.email,
                                            "password": factories.PASSWORD}).status_code == 401
    assert fresh.post("/staff/login", data={"email": user.email,
                                            "password": NEW}).status_code == 302


def test_a_refused_change_says_why_in_the_reader_s_language(client, world, login_as):
    login_as(world.users["staff"])
    page = client.post("/staff/password?lang=es", data={
        "current": factories.PASSWORD, "new": "password1234", "again": "password1234"})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'lang="es"' in body
    assert "That password is on a list" not in body  # translated, not English


def test_guessing_the_old_password_is_throttled_with_the_account(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    user = world.users["staff"]
    client.post("/staff/login", data={"email": user.email, "password": factories.PASSWORD})
    statuses = [_change(client, f"guess {n}", NEW).status_code for n in range(12)]
    assert statuses[:10] == [400] * 10
    assert set(statuses[10:]) == {429}
