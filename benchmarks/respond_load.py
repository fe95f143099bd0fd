"""Page saves per second under concurrent clients: gunicorn (2 workers) on SQLite.

Each client opens its own invitation by link, then saves the first page over and
over with alternating answers (a real new answer version each time) for ~20 s;
then the same clients hit a trivial endpoint (/healthz) for ~20 s. Only
127.0.0.1, bounded loops. Targets: ratio ≥ 0.25, ≥ 300 saves/s, 0 errors.
Last line: one JSON object (saves_per_s, p95_ms, errors, ratio, hello_per_s).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _respond_data import SECRET, build  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
MAX_REQUESTS = 200_000  # a hard bound on each phase
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One respondent with a keep-alive connection and its own cookies."""

    def __init__(self, port: int, path: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.request("GET", path)
        page = self.request("GET", "/survey/home")[1]
        self.token = CSRF.search(page.decode()).group(1)

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _sep, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, data


def _phase(clients, make_request, ok_status) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def run(client: Client, n: int) -> None:
        local, bad, i = [], 0, 0
        while time.monotonic() < stop and i < MAX_REQUESTS // len(clients):
            method, path, body = make_request(client, n, i)
            t0 = time.perf_counter()
            try:
                status, _data = client.request(method, path, body)
            except OSError:
                status = 0
            local.append(time.perf_counter() - t0)
            bad += status not in ok_status
            i += 1
        with lock:
            latencies.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(c, n)) for n, c in enumerate(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start, latencies, errors[0]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else 0.0


def main() -> None:
    folder = tempfile.mkdtemp(prefix="respond-load-")
    url = f"sqlite:///{folder}/bench.db"
    access = build(url, students=2 * CLIENTS)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENV": "development",
           "SESSION_COOKIE_SECURE": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        clients = [Client(port, a.url) for a in access["student"][:CLIENTS]]
        answers = ["works_well", "unreliable", "phone_only", "none"]

        def save(client, n, i):
            body = urlencode({"csrf_token": client.token, "home_internet": answers[i % 4],
                              "home_devices": "phone", "home_quiet_place": "always"})
            return "POST", "/survey/home", body

        took, lat, errors = _phase(clients, save, {302})
        saves = len(lat) / took
        print(f"saves: {len(lat)} in {took:.1f} s = {saves:.0f}/s, p95 {_p95(lat):.1f} ms, "
              f"errors {errors}")
        took_h, lat_h, errors_h = _phase(clients, lambda c, n, i: ("GET", "/healthz", None),
                                         {200})
        hello = len(lat_h) / took_h
        print(f"hello: {len(lat_h)} in {took_h:.1f} s = {hello:.0f}/s, p95 {_p95(lat_h):.1f} ms, "
              f"errors {errors_h}")
        ratio = saves / hello if hello else 0.0
        print(f"ratio saves/hello: {ratio:.2f} (clients {CLIENTS})")
        print(json.dumps({"saves_per_s": round(saves, 1), "p95_ms": round(_p95(lat), 1),
                          "errors": errors + errors_h, "ratio": round(ratio, 3),
                          "hello_per_s": round(hello, 1), "clients": CLIENTS}))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
