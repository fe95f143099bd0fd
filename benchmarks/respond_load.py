"""Page saves per second under concurrent clients: gunicorn (2 workers) on SQLite or PostgreSQL.

Each client opens its own student invitation by link, names two adults (one
typed, one from a school of 60 staff), then for ~20 s saves the survey's pages
in turn — "About home", "After school" and the adult page with both adults —
with answers that change every time (so every save writes new answer versions),
pressing "Next" as a student does; a save counts only when it answers with the
redirect to the following page. In the same run and against the same gunicorn
and app, the same clients ask for a trivial page (``/bench/hello``: a short
text, no database) for ~20 s. The ratio is saves/s ÷ trivial req/s. Both
~20 s are cut into ``BENCH_ROUNDS`` alternating slices (saves, trivial, saves,
…) so that both see the same machine: on a shared machine a load spike during
one whole phase would otherwise move the ratio more than any change to the app.

gunicorn runs as the README recommends: 2 workers of the default ``sync`` class
(``BENCH_WORKER_CLASS=gthread BENCH_THREADS=2`` to compare threaded workers). Only 127.0.0.1,
bounded loops. Targets: ratio ≥ 0.25, ≥ 300 saves/s, 0 errors.
``--database-url URL`` (or ``BENCH_DATABASE_URL``) runs on a scratch database on that
PostgreSQL server (made beside the one named, dropped at the end); SQLite otherwise.
Last line: one JSON object (saves_per_s, p95_ms, errors, ratio, hello_per_s, engine, …).
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

import _cli  # noqa: E402  (benchmarks/ is the script's own folder)
from _database import bench_database, engine_name, given_url  # noqa: E402
from _respond_data import SECRET, build  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "4")))
WORKERS = 2  # the setting
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
STAFF = 60
MAX_REQUESTS = 200_000  # a hard bound on each phase
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
INTERNET = ["works_well", "unreliable", "phone_only", "none"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One respondent with a keep-alive connection and its own cookies."""

    def __init__(self, port: int, path: str, staff_id: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.staff_id = staff_id
        self.request("GET", path)
        page = self.request("GET", "/survey/home")[1]
        self.token = CSRF.search(page.decode()).group(1)
        # Name the two adults once; every later save of the adult page changes them.
        status, _data, location = self.request("POST", "/survey/adults",
                                               urlencode(self.adults(0, new=True), doseq=True))
        if status != 302 or not location.endswith("/survey/school"):
            raise SystemExit(f"could not name the adults: {status} {location}")

    def adults(self, i: int, *, new: bool = False) -> dict:
        return {"csrf_token": self.token,
                "adults-0-entry": "" if new else "0", "adults-0-name": "Rosa",
                "adults-0-relation": "aunt_uncle", "adults-0-support": ["emotional", "practical"],
                "adults-0-frequency": ["daily", "weekly"][i % 2], "adults-0-reliability": "4",
                "adults-0-lives_with": "no",
                "adults-1-entry": "" if new else "1", "adults-1-staff_id": str(self.staff_id),
                "adults-1-relation": "teacher", "adults-1-support": ["academic"],
                "adults-1-frequency": "weekly", "adults-1-reliability": str(3 + i % 2),
                "adults-1-lives_with": "no"}

    def save(self, i: int) -> tuple[str, str, str]:
        """The i-th save: (path, body, where "Next" must lead)."""
        page = ("home", "after_school", "adults")[i % 3]
        if page == "home":
            data = {"csrf_token": self.token, "home_internet": INTERNET[i % 4],
                    "home_devices": ["phone", "shared_computer"][: 1 + i % 2], "home_quiet_place": "always"}
            following = "after_school"
        elif page == "after_school":
            data = {"csrf_token": self.token, "home_adult_after_school": ["yes", "no"][i % 2],
                    "home_transport": "bus", "home_caregiving": "sometimes"}
            following = "adults"
        else:
            data, following = self.adults(i), "school"
        return f"/survey/{page}", urlencode(data, doseq=True), f"/survey/{following}"

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
        return response.status, data, response.getheader("Location") or ""


def _phase(clients, make_request, seconds: float, first: int = 0
           ) -> tuple[float, list[float], int]:
    """Every client sends requests back to back for ``seconds``; (seconds, latencies, errors).
    ``first`` numbers the requests on from an earlier slice."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(client: Client) -> None:
        local, bad, i = [], 0, first
        while time.monotonic() < stop and i < first + MAX_REQUESTS // len(clients):
            method, path, body, ok = make_request(client, i)
            t0 = time.perf_counter()
            try:
                answer = client.request(method, path, body)
            except OSError:
                answer = (0, b"", "")
            local.append(time.perf_counter() - t0)
            bad += not ok(*answer)
            i += 1
        with lock:
            latencies.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start, latencies, errors[0]


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn and its workers (Linux /proc; 0 elsewhere).

    Less at the mercy of other work on a shared machine than requests per second."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else 0.0


def _save(client: Client, i: int):
    path, body, following = client.save(i)
    return "POST", path, body, \
        lambda status, _data, location: status == 302 and location.endswith(following)


def _hello(_client: Client, _i: int):
    return "GET", "/bench/hello", None, lambda status, data, _location: (
        status == 200 and data == b"hello")


def main() -> None:
    opts = _cli.parse(__doc__, {'BENCH_CLIENTS': 'concurrent clients (8)', 'BENCH_SECONDS': 'seconds per phase (20)', 'BENCH_ROUNDS': 'alternating slices (4)', 'BENCH_WORKER_CLASS': 'gunicorn worker class (sync)', 'BENCH_THREADS': 'threads per gthread worker (2)', 'BENCH_DATABASE_URL': 'a PostgreSQL server (SQLite otherwise)'},
                      database_url=True)
    folder = Path(tempfile.mkdtemp(prefix="respond-load-"))
    with bench_database(given_url(opts.database_url), folder) as url:
        _run(url)


def _run(url: str) -> None:
    access = build(url, students=2 * CLIENTS, staff=STAFF)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENV": "development",
           "SESSION_COOKIE_SECURE": "0"}
    workers = ["-w", str(WORKERS), "-k", WORKER_CLASS]
    if WORKER_CLASS == "gthread":
        workers += ["--threads", str(THREADS)]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *workers, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "benchmarks._respond_wsgi:app"], cwd=ROOT, env=env)
    try:
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        staff = access["staff"]
        clients = [Client(port, a.url, staff[n % len(staff)])
                   for n, a in enumerate(access["student"][:CLIENTS])]
        took = took_h = 0.0
        lat: list[float] = []
        lat_h: list[float] = []
        errors = errors_h = 0
        cpu = cpu_h = 0.0
        for _round in range(ROUNDS):
            c0 = _server_cpu(server.pid)
            t, la, e = _phase(clients, _save, SECONDS / ROUNDS, first=len(lat) // len(clients))
            c1 = _server_cpu(server.pid)
            took, errors, cpu = took + t, errors + e, cpu + c1 - c0
            lat += la
            t, la, e = _phase(clients, _hello, SECONDS / ROUNDS)
            took_h, errors_h, cpu_h = took_h + t, errors_h + e, cpu_h + _server_cpu(server.pid) - c1
            lat_h += la
        saves = len(lat) / took
        print(f"saves: {len(lat)} in {took:.1f} s = {saves:.0f}/s, p95 {_p95(lat):.1f} ms, "
              f"errors {errors}")
        hello = len(lat_h) / took_h
        print(f"hello: {len(lat_h)} in {took_h:.1f} s = {hello:.0f}/s, p95 {_p95(lat_h):.1f} ms, "
              f"errors {errors_h}")
        ratio = saves / hello if hello else 0.0
        server_args = " ".join(workers)
        print(f"ratio saves/hello: {ratio:.2f} (clients {CLIENTS}, gunicorn {server_args})")
        cpu_save = cpu / len(lat) * 1000 if lat else 0.0
        cpu_hello = cpu_h / len(lat_h) * 1000 if lat_h else 0.0
        cpu_ratio = cpu_hello / cpu_save if cpu_save else 0.0
        print(f"server CPU: {cpu_save:.2f} ms per save, {cpu_hello:.2f} ms per hello "
              f"(ratio by CPU {cpu_ratio:.2f})")
        print(json.dumps({"saves_per_s": round(saves, 1), "p95_ms": round(_p95(lat), 1),
                          "errors": errors + errors_h, "ratio": round(ratio, 3),
                          "hello_per_s": round(hello, 1), "hello_p95_ms": round(_p95(lat_h), 1),
                          "server_cpu_ms_per_save": round(cpu_save, 2),
                          "server_cpu_ms_per_hello": round(cpu_hello, 2),
                          "cpu_ratio": round(cpu_ratio, 3),
                          "clients": CLIENTS, "gunicorn": server_args,
                          "engine": engine_name(url)}))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
