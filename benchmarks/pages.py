"""Server time of the counselor pages on a ~3,000-student demo school.

Builds a throwaway SQLite database the way a deployment does: ``alembic
upgrade head``, then the ``demo`` command (``flask --app wsgi demo --students N
--seed 1``; 4,900 students give an elementary school of ~3,000 and a high
school of ~1,900). Signs in the counselor of the bigger school with the Flask
test client and times ≥ 30 requests each of the caseload, a flagged student's
profile, the school map data and the equity view: wall and CPU
(``time.process_time``) milliseconds, p50/p95, and SQL statements per request,
warm (the school's tables cached, ``<page>_p50_ms``) and cold (``data_version``
moved before each request as any write does, ``<page>_cold_p50_ms``).
The last line is one JSON object (milliseconds).

Usage: python benchmarks/pages.py [--students 4900] [--requests 30] [--db PATH]
[--database-url URL] (``--db``: reuse that SQLite file, building it first if it does
not exist; ``--database-url`` or ``BENCH_DATABASE_URL``: run on a scratch database
on that PostgreSQL server instead, dropped at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import bench_database, engine_name, given_url  # noqa: E402  (benchmarks/)
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.cli.demo import demo  # noqa: E402
from survey_app.db import get_engine  # noqa: E402
from survey_app.demo import DEMO_PASSWORD  # noqa: E402

SECRET = "bench-" * 8


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "DATABASE_URL": url})


def build(url: str, n_students: int) -> None:
    """Migrate an empty database to head and load the demo district into it."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    app = _app(url)
    with app.app_context():
        result = CliRunner().invoke(demo, ["--students", str(n_students), "--seed", "1"],
                                    catch_exceptions=False)
    if result.exit_code:
        raise SystemExit(result.output)
    get_engine(app).dispose()


def _counselor(engine) -> tuple[str, int, int]:
    """The counselor of the school with the most active students: (email, school, size)."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT u.email, s.school_id, s.n FROM staff_user u "
            "JOIN counselor_school c ON c.staff_id = u.id "
            "JOIN (SELECT school_id, count(*) AS n FROM student WHERE active "
            "      AND deleted_at IS NULL GROUP BY school_id) s ON s.school_id = c.school_id "
            "WHERE u.email IS NOT NULL AND u.role = 'counselor' "
            "ORDER BY s.n DESC, u.id LIMIT 1")).one()
    return row.email, int(row.school_id), int(row.n)


def _bump(engine) -> None:
    """Move data_version as any write would: the next request finds no cached school."""
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE data_version SET n = n + 1 WHERE id = 1")


def _time(client, url: str, n: int, statements: list, engine=None) -> dict:
    """``engine``: cold — data_version moves before each request (outside the timing)."""
    client.get(url)  # warm-up (imports, caches of the interpreter)
    wall, cpu, sql = [], [], []
    for _unused in range(n):
        if engine is not None:
            _bump(engine)
        statements[0] = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        sql.append(statements[0])
        assert response.status_code == 200, (url, response.status_code)

    def pct(values, q):
        values = sorted(values)
        return round(values[int(q * (len(values) - 1))], 1)

    return {"p50": round(statistics.median(wall), 1), "p95": pct(wall, 0.95),
            "cpu_p50": round(statistics.median(cpu), 1), "cpu_p95": pct(cpu, 0.95),
            "sql": max(sql)}


def main(argv=None) -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--students", type=int, default=4900,
                      help="district size (4,900 → a ~3,000-student elementary school)")
    args.add_argument("--requests", type=int, default=30)
    args.add_argument("--db", type=Path, default=None,
                      help="database file to reuse (built first when missing)")
    args.add_argument("--database-url", default=None,
                      help="a PostgreSQL server to run on (a scratch database, dropped after)")
    opts = args.parse_args(argv)
    server = given_url(opts.database_url)
    with tempfile.TemporaryDirectory() as tmp, bench_database(server, Path(tmp)) as url:
        if opts.db and not server:
            url = f"sqlite:///{opts.db}"
        if server or not opts.db or not opts.db.exists():
            start = time.perf_counter()
            build(url, opts.students)
            _log(f"built the demo district ({opts.students} students) "
                 f"in {time.perf_counter() - start:.1f}s")
        app = _app(url)
        engine = get_engine(app)
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

        email, school_id, size = _counselor(engine)
        client = app.test_client()
        client.post("/staff/login", data={"email": email, "password": DEMO_PASSWORD})
        first = client.get(f"/counsel/students?school={school_id}").get_data(as_text=True)
        marker = 'href="/counsel/students/'
        student = int(first.split(marker, 1)[1].split('"', 1)[0])
        pages = {
            "caseload": f"/counsel/students?school={school_id}",
            "profile": f"/counsel/students/{student}",
            "school_map_data": f"/counsel/map/data?school={school_id}",
            "equity": f"/counsel/equity?school={school_id}&measure=no_school_adult"
                      "&by=race_ethnicity",
        }
        result = {"students": size, "requests": opts.requests, "cpus": os.cpu_count(),
                  "engine": engine_name(url)}
        for name, url in pages.items():
            # warm: the school's tables cached (no write since); cold: a write before each.
            for kind, suffix, n, bump in (("warm", "", opts.requests, None),
                                          ("cold", "_cold", max(10, opts.requests // 3),
                                           engine)):
                t = _time(client, url, n, statements, bump)
                _log(f"{name:16s}{kind:5s} wall p50 {t['p50']:7.1f} ms  p95 {t['p95']:7.1f} ms"
                     f"   cpu p50 {t['cpu_p50']:7.1f} ms  p95 {t['cpu_p95']:7.1f} ms   "
                     f"{t['sql']:3d} SQL statements")
                key = f"{name}{suffix}"
                result[f"{key}_p50_ms"], result[f"{key}_p95_ms"] = t["p50"], t["p95"]
                result[f"{key}_cpu_p50_ms"], result[f"{key}_cpu_p95_ms"] = (t["cpu_p50"],
                                                                            t["cpu_p95"])
                result[f"{key}_sql"] = t["sql"]
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
