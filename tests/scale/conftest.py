"""Two app instances (separate gunicorn processes) on one PostgreSQL and one Redis.

Needs ``TEST_DATABASE_URL`` (PostgreSQL) and a Redis at ``REDIS_TEST_URL``
(default ``redis://127.0.0.1:6379/15``); `.ci/run` provides both. Without
them these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests._databases import scratch_postgres
from tests._servers import Browser, free_port, migrate, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test-secret-key-0123456789-abcdefghijkl"
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def shared_database():
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("scale-out needs PostgreSQL: set TEST_DATABASE_URL")
    if not _redis_up():
        pytest.skip(f"scale-out needs Redis at {REDIS_URL}")
    with scratch_postgres("scale") as url:
        migrate(url)
        yield url


def _flush_redis() -> None:
    redis.Redis.from_url(REDIS_URL, socket_timeout=2).flushdb()


@pytest.fixture(scope="module")
def instances(shared_database, tmp_path_factory):
    """Start two gunicorn processes on different ports; yield their base URLs."""
    _flush_redis()
    env = {**os.environ, "DATABASE_URL": shared_database, "SECRET_KEY": SECRET,
           "REDIS_URL": REDIS_URL, "ENV": "development"}
    procs, urls, logs = [], [], []
    folder = tmp_path_factory.mktemp("gunicorn")
    for n in range(2):
        port = free_port()
        logs.append((folder / f"instance{n}.log").open("wb"))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_healthy(url)
        yield urls
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=10)
        for log in logs:
            log.close()


@pytest.fixture
def browser_factory():
    return Browser
