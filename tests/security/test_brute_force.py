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
