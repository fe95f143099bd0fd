"""Two app instances (separate gunicorn processes) on one PostgreSQL and one Redis.

Needs ``TEST_DATABASE_URL`` (PostgreSQL) and a Redis at ``REDIS_TEST_URL``
(default ``redis://127.0.0.1:6379/15``); `.ci/run` provides both. Without
them these tests are skipped with the reason.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test-secret-key-0123456789-abcdefghijkl"
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shared_database():
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("scale-out needs PostgreSQL: set TEST_DATABASE_URL")
    if not _redis_up():
        pytest.skip(f"scale-out needs Redis at {REDIS_URL}")
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
        port = _free_port()
        logs.append((folder / f"instance{n}.log").open("wb"))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            _wait_healthy(url)
        yield urls
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=10)
        for log in logs:
            log.close()


def _wait_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the worker boots
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy")


class Browser:
    """A cookie-keeping HTTP client: cookies are per host, so both ports share them."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def request(self, url: str, data: dict | None = None, files: dict | None = None):
        body, headers = None, {}
        if files:
            body, headers = _multipart(data or {}, files)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    @staticmethod
    def csrf(page: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _multipart(fields: dict, files: dict) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.fixture
def browser_factory():
    return Browser
