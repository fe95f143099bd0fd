"""Server time of the counselor pages on a ~3,000-student demo school.

Builds a throwaway SQLite database the way a deployment does: ``alembic
upgrade head``, then the ``demo`` command (``flask --app wsgi demo --students N
--seed 1``; 4,900 students give an elementary school of ~3,000 and a high
school of ~1,900). Signs in the counselor of the bigger school with the Flask
test client and times ≥ 30 requests each of the caseload, a flagged student's
profile, the school map data and the equity view, and (signed in as the school's demo
teacher) the classroom view of a 35-student class made for the run: wall and CPU
(``time.process_time``) milliseconds, p50/p95, and SQL statements per request,
warm (the school's tables cached, ``<page>_p50_ms``) and cold (``data_version``
moved before each request as any write does, ``<page>_cold_p50_ms``), and the
share of students in each caseload tier (``tier_shares``, district and per school);
then the caseload and profile again under a steady background of survey saves (about
20 a second, a quarter of them at the measured school: ``<page>_p50_under_saves_ms``;
the caseload is exact after every save, its school's cached state updated from the
save's log), and the caseload just after one survey save at its school, with no other
writes (``caseload_incremental_update_ms``: the update's own cost, beside
``caseload_cold_p50_ms``, a full load after any other write);
and the school map in Chromium: nodes drawn by default, the time to its first
drawing and the pairs of its labels that overlap (``school_map_nodes``,
``school_map_paint_ms``, ``school_map_label_overlaps``).
The last line is one JSON object (milliseconds).

Usage: python benchmarks/pages.py [--students 4900] [--requests 30] [--db PATH]
[--saves-only] [--undeclared-saves] [--database-url URL]
(``--db``: reuse that SQLite file (migrated to head), building it first if it does not exist;
``--saves-only``: caseload and profile warm, just after a save and under saves, nothing
else;
``--undeclared-saves``: the saves declare no school, the baseline before per-school
counters; ``--database-url`` or ``BENCH_DATABASE_URL``: run on a scratch database on
that PostgreSQL server instead, dropped at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
from survey_app.db import declare_schools, get_engine, get_writer  # noqa: E402
from survey_app.demo import DEMO_PASSWORD  # noqa: E402

SECRET = "bench-" * 8


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "DATABASE_URL": url})


def _migrations(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def build(url: str, n_students: int) -> None:
    """Migrate an empty database to head and load the demo district into it."""
    command.upgrade(_migrations(url), "head")
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


def _class_of_35(engine, school_id: int) -> tuple[str, int]:
    """A class of 35 students of the school (with context data) for its demo teacher:
    (teacher's email, section id). Made for the run; the demo's homerooms hold ~20."""
    with engine.begin() as conn:
        email, teacher = conn.execute(text(
            "SELECT email, id FROM staff_user WHERE school_id = :s AND role = 'staff' "
            "AND email LIKE 'teacher.%' ORDER BY id LIMIT 1"), {"s": school_id}).one()
        made = conn.execute(text("SELECT id FROM section WHERE sourced_id = 'bench-class-35'"))
        if (section := made.scalar()) is not None:  # a reused --db: made by an earlier run
            return email, int(section)
        section = conn.execute(text(
            "INSERT INTO section (school_id, sourced_id, title, active) "
            "VALUES (:s, 'bench-class-35', 'Bench class of 35', true) RETURNING id"),
            {"s": school_id}).scalar_one()
        conn.execute(text("INSERT INTO section_teacher (section_id, staff_id) VALUES (:c, :t)"),
                     {"c": section, "t": teacher})
        conn.execute(text(
            "INSERT INTO section_student (section_id, student_id) SELECT :c, s.id FROM student s "
            "WHERE s.school_id = :s AND s.active AND s.grade >= 3 AND EXISTS (SELECT 1 FROM "
            "context_measure m WHERE m.student_id = s.id) ORDER BY s.id LIMIT 35"),
            {"c": section, "s": school_id})
    return email, int(section)


def tier_shares(app) -> tuple[dict, dict]:
    """Share of the district's students in each caseload tier, and each school's
    (``relationships.tiers``; students no rule flags are in none)."""
    from datetime import date

    from sqlmodel import select

    from relationships.tiers import shares
    from survey_app.db import get_session
    from survey_app.models import District, School
    from survey_app.reading import loader
    from survey_app.services import caseload

    with app.test_request_context():
        db = get_session()
        district = db.exec(select(District)).first()
        ctx = loader.context(session=db, district_id=district.id)
        every, by_school, total = [], {}, 0
        for school in db.exec(select(School).order_by(School.name)).all():
            found = caseload.collect(
                session=db, ctx=ctx, school_ids=[school.id], today=date.today())
            rows, people = found.rows, found.people
            tiers = [r.tier for r in rows]
            by_school[school.name] = {**shares(tiers, len(people)), "students": len(people)}
            every += tiers
            total += len(people)
        db.rollback()
    return shares(every, total), by_school


def map_paint(app, email: str, school_id: int, runs: int = 3) -> tuple[int, float, int]:
    """Nodes drawn by default, the median milliseconds from asking for the school map
    to its first drawing in Chromium (``#map[data-drawn]``, set once drawn) and the pairs
    of label boxes that intersect, as measured in the browser (``data-overlaps``)."""
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get(
                "CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/staff/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url(f"{base}/staff/**")
            page.goto(f"{base}/counsel/map?school={school_id}")  # warm: kept map data
            page.wait_for_selector("#map[data-drawn]", timeout=120_000)
            times = []
            for _run in range(runs):
                start = time.perf_counter()
                page.goto(f"{base}/counsel/map?school={school_id}")
                page.wait_for_selector("#map[data-drawn]", timeout=120_000)
                times.append((time.perf_counter() - start) * 1000)
            nodes = int(page.get_attribute("#map", "data-drawn"))
            overlaps = int(page.get_attribute("#map", "data-overlaps") or -1)
            browser.close()
    finally:
        server.shutdown()
    return nodes, round(statistics.median(times), 1), overlaps


class Saves:
    """A steady background of survey saves (``rate`` a second, ``share`` of them by
    respondents of the measured school), each its own committed transaction on the app's
    engine that declares its respondent's schools and the respondent (student or
    household), so it moves the version counters exactly as a survey page save does
    (those schools' and that respondent's own counters)."""

    def __init__(self, engine, school_id: int, rate: float = 20.0, share: float = 0.25,
                 declared: bool = True):
        import random
        import threading

        self.engine, self.rate, self.share, self.declared = engine, rate, share, declared
        with engine.connect() as conn:
            rows = conn.execute(text(  # each response with the schools of its respondent
                "SELECT r.id, s.school_id, i.student_id, "
                "coalesce(i.household_id, s.household_id) FROM response r "
                "JOIN invitation i ON i.id = r.invitation_id "
                "JOIN student s ON s.id = i.student_id OR s.household_id = i.household_id"
            )).all()
        self.schools: dict[int, set[int]] = {}
        self.who: dict[int, tuple] = {}
        for response_id, school, student, household in rows:
            self.schools.setdefault(response_id, set()).add(school)
            self.who[response_id] = (student, household)
        self.here = [r for r, schools in self.schools.items() if school_id in schools]
        self.elsewhere = [r for r, schools in self.schools.items() if school_id not in schools]
        self.random = random.Random(1)
        self.done = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def save(self) -> None:
        """One save: a response here (``share``) or elsewhere, its own transaction."""
        pool = self.here if self.random.random() < self.share else self.elsewhere
        response_id = self.random.choice(pool)
        with self.engine.begin() as conn:
            if self.declared:  # as the survey's save does
                student, household = self.who[response_id]
                declare_schools(conn, self.schools[response_id],
                                students=[student] if student else [],
                                households=[household] if household else [])
            conn.execute(text("UPDATE response SET language = language WHERE id = :id"),
                         {"id": response_id})
        self.done += 1

    def _run(self) -> None:
        period, next_at = 1.0 / self.rate, time.perf_counter()
        while not self.stop.is_set():
            self.save()
            next_at += period
            self.stop.wait(max(0.0, next_at - time.perf_counter()))

    def __enter__(self):
        self.started = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join()
        self.per_second = round(self.done / (time.perf_counter() - self.started), 1)


def _bump(engine) -> None:
    """Move data_version as any write would: the next request finds no cached school."""
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE data_version SET n = n + 1 WHERE id = 1")


def _time(client, url: str, n: int, statements: list, engine=None, before=None) -> dict:
    """``engine``: cold — data_version moves before each request (outside the timing);
    ``before``: called before each request instead (outside the timing)."""
    client.get(url)  # warm-up (imports, caches of the interpreter)
    wall, cpu, sql = [], [], []
    for _unused in range(n):
        if engine is not None:
            _bump(engine)
        if before is not None:
            before()
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
    args.add_argument("--saves-only", action="store_true",
                      help="time the caseload and profile warm and under saves only (no "
                           "cold pages, tiers or Chromium)")
    args.add_argument("--undeclared-saves", action="store_true",
                      help="background saves declare no school (every save moves the shared "
                           "counter, as before per-school counters: the baseline)")
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
        else:  # a reused file: migrated to this checkout's head first (saves write its tables)
            command.upgrade(_migrations(url), "head")
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
        student = int(re.search(r'href="/counsel/students/(\d+)"', first).group(1))
        teacher_email, section = _class_of_35(engine, school_id)
        teacher = app.test_client()
        teacher.post("/staff/login", data={"email": teacher_email, "password": DEMO_PASSWORD})
        pages = {
            "caseload": (client, f"/counsel/students?school={school_id}"),
            "profile": (client, f"/counsel/students/{student}"),
            "school_map_data": (client, f"/counsel/map/data?school={school_id}"),
            "equity": (client, f"/counsel/equity?school={school_id}&measure=no_school_adult"
                       "&by=race_ethnicity"),
            "class_view": (teacher, f"/staff/classes/{section}"),
        }
        result = {"students": size, "requests": opts.requests, "cpus": os.cpu_count(),
                  "engine": engine_name(url)}
        if not opts.saves_only:
            result["tier_shares"], result["tier_shares_by_school"] = tier_shares(app)
            _log(f"tier shares: {result['tier_shares']}")
        for name, (who, page_url) in pages.items():
            if opts.saves_only and name not in ("caseload", "profile"):
                continue
            # warm: the school's tables cached (no write since); cold: a write before each.
            for kind, suffix, n, bump in (("warm", "", opts.requests, None),
                                          ("cold", "_cold", max(10, opts.requests // 3),
                                           engine))[:1 if opts.saves_only else 2]:
                t = _time(who, page_url, n, statements, bump)
                _log(f"{name:16s}{kind:5s} wall p50 {t['p50']:7.1f} ms  p95 {t['p95']:7.1f} ms"
                     f"   cpu p50 {t['cpu_p50']:7.1f} ms  p95 {t['cpu_p95']:7.1f} ms   "
                     f"{t['sql']:3d} SQL statements")
                key = f"{name}{suffix}"
                result[f"{key}_p50_ms"], result[f"{key}_p95_ms"] = t["p50"], t["p95"]
                result[f"{key}_cpu_p50_ms"], result[f"{key}_cpu_p95_ms"] = (t["cpu_p50"],
                                                                            t["cpu_p95"])
                result[f"{key}_sql"] = t["sql"]
        if not opts.saves_only:
            (result["school_map_nodes"], result["school_map_paint_ms"],
             result["school_map_label_overlaps"]) = map_paint(app, email, school_id)
            _log(f"school map: {result['school_map_nodes']} nodes, first paint "
                 f"{result['school_map_paint_ms']} ms, {result['school_map_label_overlaps']} "
                 "overlapping label pairs (Chromium)")
        # Just after one survey save at the school: the kept state's update, nothing else.
        one = Saves(get_writer(app), school_id, share=1.0, declared=not opts.undeclared_saves)
        t = _time(client, pages["caseload"][1], opts.requests, statements, before=one.save)
        _log(f"caseload        1save wall p50 {t['p50']:7.1f} ms  p95 {t['p95']:7.1f} ms"
             f"   cpu p50 {t['cpu_p50']:7.1f} ms   {t['sql']:3d} SQL statements")
        result["caseload_incremental_update_ms"] = t["p50"]
        result["caseload_incremental_update_p95_ms"] = t["p95"]
        result["caseload_incremental_update_cpu_ms"] = t["cpu_p50"]
        result["caseload_incremental_update_sql"] = t["sql"]
        # Under a steady background of survey saves (the survey window).
        for name in ("caseload", "profile"):
            with Saves(get_writer(app), school_id,
                       declared=not opts.undeclared_saves) as saves:
                t = _time(client, pages[name][1], opts.requests, statements)
            _log(f"{name:16s}saves wall p50 {t['p50']:7.1f} ms  p95 {t['p95']:7.1f} ms"
                 f"   cpu p50 {t['cpu_p50']:7.1f} ms"
                 f"   ({saves.per_second} saves/s, a quarter at this school)")
            result[f"{name}_p50_under_saves_ms"] = t["p50"]
            result[f"{name}_p95_under_saves_ms"] = t["p95"]
            result[f"{name}_cpu_p50_under_saves_ms"] = t["cpu_p50"]
            result["saves_per_s"] = saves.per_second
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
