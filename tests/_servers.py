"""Real servers for tests: gunicorn processes on 127.0.0.1, an app served in a thread for
the browser tests, and a cookie-keeping client.

Shared by ``tests/scale`` (two instances), ``tests/faults`` (killed workers, load,
database restarts), ``tests/browser`` and the browser XSS suite. Every wait here is
bounded in time.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def served_in_thread(app) -> Iterator[str]:
    """Serve ``app`` with Werkzeug's threaded server on a free port; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class Switch:
    """A WSGI app that hands each request to whichever app is ``current`` (503 while none
    is): one server, on one port, for every test of a process, each with its own app."""

    def __init__(self):
        self.current = None

    def __call__(self, environ, start_response):
        app = self.current
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app is being served between tests"]
        return app(environ, start_response)


def _closing(app):
    """Close each response (a static file's handle) as soon as it is sent.

    Werkzeug's development server closes a response only after draining the socket,
    which raises when Chromium has already reset the connection (a cancelled favicon):
    the file is then left to the garbage collector, and its ResourceWarning fails
    whichever test happens to be running.
    """

    def wrapped(environ, start_response):
        inner = app(environ, start_response)

        def chunks():
            try:
                yield from inner
            finally:
                close = getattr(inner, "close", None)
                if close is not None:
                    close()

        return chunks()

    return wrapped
#: What a dropped connection looks like to the client (a killed worker, a restart).
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema with Alembic."""
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True,
                   timeout=120)


def wait_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the worker boots
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy")


@dataclass
class Server:
    """One gunicorn master serving ``wsgi:app``; its output goes to ``log``."""

    url: str
    process: subprocess.Popen
    log: Path

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), read from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def wait_workers(self, count: int, timeout: float = 30) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count:
                return pids
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not reach {count} workers")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(env: dict[str, str], folder: Path, *, workers: int = 1, threads: int = 1,
             name: str = "gunicorn") -> Iterator[Server]:
    """Serve the app with ``env`` (DATABASE_URL, SECRET_KEY, …) until the block ends."""
    port = free_port()
    log_path = folder / f"{name}.log"
    args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "wsgi:app"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                   stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            wait_healthy(server.url)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


class Browser:
    """A cookie-keeping HTTP client: cookies are per host, so every port shares them."""

    def __init__(self, timeout: float = 30):
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def request(self, url: str, data: dict | None = None, files: dict | None = None):
        body, headers = None, {}
        if files:
            body, headers = _multipart(data or {}, files)
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        req = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as r:
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
