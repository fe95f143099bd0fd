"""Redis lost: rate limits fall back to this process's memory, said in the log, and the
health check reports Redis degraded with a status a load balancer still passes.

The test starts a Redis server of its own (redis-server on a port of this suite's range)
and stops it; before survey_app.throttle, code entry and sign-in answered 500 here.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest

from tests import factories

PORT = 5611  # issue 16's range (5600-5699)


def _start_redis(tmp_path) -> subprocess.Popen:
    server = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(PORT), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("redis-server did not start")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = _start_redis(tmp_path)
    yield server
    if server.poll() is None:
        _stop(server)


def test_limits_fall_back_to_memory_when_redis_stops(make_app, world, redis_server, tmp_path,
                                                     caplog):
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL=f"redis://127.0.0.1:{PORT}/0",
                   RATELIMIT_RETRY_SECONDS=1)
    client = app.test_client()
    health = client.get("/healthz")
    assert (health.status_code, health.json["redis"]) == (200, "up")
    assert client.post("/", data={"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 400

    _stop(redis_server)
    with caplog.at_level(logging.WARNING, logger="survey_app.throttle"):
        statuses = [client.post("/", data={"code": f"ZZZZ-ZZZZ-ZZ{n:02d}".replace("0", "Z")
                                           .replace("1", "Y")}).status_code
                    for n in range(25)]
        signed_in = client.post("/staff/login", data={"email": world.users["staff"].email,
                                                      "password": factories.PASSWORD})
        health = client.get("/healthz")
    assert 500 not in statuses
    assert statuses.count(400) >= 4
    assert statuses[-1] == 429
    assert signed_in.status_code == 302
    assert (health.status_code, health.json["redis"], health.json["database"]) == (
        200, "degraded", "up")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Redis unreachable" in w and "memory" in w for w in warnings)
    assert len(warnings) <= 3  # said once per retry period, not once per request

    restarted = _start_redis(tmp_path)
    try:
        time.sleep(1.2)
        assert client.get("/healthz").json["redis"] == "up"
    finally:
        _stop(restarted)


def test_health_says_when_no_redis_is_configured(client):
    assert client.get("/healthz").json["redis"] == "memory"
