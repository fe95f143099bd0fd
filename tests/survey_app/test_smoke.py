def test_home_answers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="en" dir="ltr">' in response.data


def test_healthz_says_database_is_up(client):
    assert client.get("/healthz").get_json() == {"app": "up", "database": "up",
                                                 "redis": "memory"}  # no REDIS_URL in tests


def test_login_and_landing(client, world, login_as):
    response = login_as(world.users["counselor"], follow_redirects=True)
    assert response.status_code == 200
    assert b"Hello" in response.data
