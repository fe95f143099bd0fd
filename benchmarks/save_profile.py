"""Where a page save spends its time, in-process: SQL statements and CPU ms per save.

Builds the same small district as ``respond_load.py`` on a fresh SQLite file,
opens one student invitation with the Flask test client (CSRF on, as served),
a school of 60 staff, then saves the first page and the adult page (one typed adult, one staff adult)
``BENCH_SAVES`` times each with answers that change every time, and asks for
the trivial page of ``respond_load.py`` as often. Prints statements and CPU ms
per request for each; ``--profile`` adds a cProfile listing of the slowest
functions. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _respond_data import SECRET, build  # noqa: E402
from _respond_wsgi import with_hello  # noqa: E402
from sqlalchemy import event  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.db import get_engine  # noqa: E402

SAVES = int(os.environ.get("BENCH_SAVES", "300"))
STAFF = 60  # a middle school's staff list (the adult page's picker)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ANSWERS = ["works_well", "unreliable", "phone_only", "none"]


def home_body(token: str, i: int) -> dict:
    return {"csrf_token": token, "home_internet": ANSWERS[i % 4], "home_devices": "phone",
            "home_quiet_place": "always"}


def adults_body(token: str, i: int, staff_id: int) -> dict:
    """Two existing adults (typed and from school), one answer changed each time."""
    return {"csrf_token": token,
            "adults-0-entry": "0", "adults-0-name": "Rosa", "adults-0-relation": "aunt_uncle",
            "adults-0-support": ["emotional", "practical"],
            "adults-0-frequency": ["daily", "weekly"][i % 2], "adults-0-reliability": "4",
            "adults-0-lives_with": "no",
            "adults-1-entry": "1", "adults-1-staff_id": str(staff_id),
            "adults-1-relation": "teacher", "adults-1-support": ["academic"],
            "adults-1-frequency": "weekly", "adults-1-reliability": str(3 + i % 2),
            "adults-1-lives_with": "no"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", action="store_true", help="print a cProfile listing")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="save-profile-")
    url = f"sqlite:///{folder}/bench.db"
    access = build(url, students=4, staff=STAFF)
    app = with_hello(create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET,
                                 "ENV": "development"}))
    statements = [0]

    @event.listens_for(get_engine(app), "before_cursor_execute")
    def _count(*_args):
        statements[0] += 1

    client = app.test_client()
    client.get(access["student"][0].url)
    token = CSRF.search(client.get("/survey/home").get_data(as_text=True)).group(1)
    staff_id = access["staff"][0]
    first = adults_body(token, 0, staff_id)
    for key in ("adults-0-entry", "adults-1-entry"):
        first[key] = ""
    assert client.post("/survey/adults", data=first).status_code == 302

    results = {}
    profiler = cProfile.Profile() if args.profile else None
    for name, body in (("home", lambda i: home_body(token, i)),
                       ("adults", lambda i: adults_body(token, i + 1, staff_id)),
                       ("hello", None)):
        path, expect = (f"/survey/{name}", 302) if body else ("/bench/hello", 200)

        def send(i, path=path, body=body):
            return client.post(path, data=body(i)) if body else client.get(path)

        for i in range(20):  # warm up caches and the connection pool
            send(i)
        statements[0] = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler and body:
            profiler.enable()
        for i in range(SAVES):
            r = send(i)
            if r.status_code != expect:
                raise SystemExit(f"{path}: {r.status_code} {r.get_data(as_text=True)[:400]}")
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        results[name] = {"sql_per_save": round(statements[0] / SAVES, 2),
                         "cpu_ms_per_save": round(cpu / SAVES * 1000, 3),
                         "wall_ms_per_save": round(wall / SAVES * 1000, 3)}
        print(f"{name}: {results[name]['sql_per_save']} SQL statements, "
              f"{results[name]['cpu_ms_per_save']} CPU ms, "
              f"{results[name]['wall_ms_per_save']} wall ms per request")
    hello = results["hello"]["cpu_ms_per_save"]
    results["cpu_ratio"] = {k: round(hello / results[k]["cpu_ms_per_save"], 3)
                            for k in ("home", "adults")}
    print(f"CPU ratio hello/save: {results['cpu_ratio']}")
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
