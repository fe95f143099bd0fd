"""data_version: every committed write to a table the counselor pages read moves it; reads do not.

The counselor pages cache a school's tables keyed on this counter
(services/cache.py), so a write that forgot to move it would show stale flags.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import delete, event, insert, text, update
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.demo import load as demo_load
from survey_app.models import FollowUp, StaffMark, Student
from survey_app.reading import cache, loader
from survey_app.services import caseload


def _version(app) -> int:
    with get_engine(app).connect() as conn:
        return conn.execute(text("SELECT n FROM data_version WHERE id = 1")).scalar() or 0


def test_orm_add_update_delete_each_move_it(app, session, world):
    before = _version(app)
    mark = StaffMark(staff_id=world.users["staff"].id, student_id=world.students[0].id,
                     wave_id=world.wave.id, trusting=True)
    session.add(mark)
    session.commit()
    added = _version(app)
    assert added == before + 1
    mark.trusting = False
    session.add(mark)
    session.commit()
    assert _version(app) == added + 1
    session.delete(mark)
    session.commit()
    assert _version(app) == added + 2


def test_core_insert_executemany_update_delete_move_it(app, world):
    engine = get_engine(app)
    before = _version(app)
    with engine.begin() as conn:
        conn.execute(insert(FollowUp), [
            {"student_id": s.id, "kind": "flag", "status": "open", "note": "n"}
            for s in world.students[:3]])
    assert _version(app) == before + 1  # one transaction, one step
    with engine.begin() as conn:
        conn.execute(update(Student).where(Student.id == world.students[0].id)
                     .values(grade=4))
    with engine.begin() as conn:
        conn.execute(delete(FollowUp))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE engagement SET two_way = two_way WHERE id = -1")
    assert _version(app) == before + 4


def test_rollback_and_reads_and_other_tables_leave_it(app, session, world, client, login_as):
    before = _version(app)
    session.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
    session.flush()
    session.rollback()
    assert _version(app) == before
    login_as(world.users["counselor"])
    after_login = _version(app)
    for url in ("/counsel/students", f"/counsel/students/{world.students[0].id}",
                f"/counsel/equity?school={world.school.id}"):
        assert client.get(url).status_code in (200, 404)
    assert _version(app) == after_login  # the views' audit events are not versioned


def test_demo_loader_moves_it(app, world):
    before = _version(app)
    frame = pd.DataFrame({"id": [990001], "student_id": [world.students[0].id],
                          "kind": ["flag"], "status": ["open"], "note": ["n"]})
    demo_load.load(get_engine(app), {"follow_up": frame})
    assert _version(app) > before


def test_roster_import_moves_it(app, session, tmp_path):
    from survey_app.imports import oneroster
    from survey_app.imports.package import open_package
    from tests.survey_app.exports.conftest import write_roster

    before = _version(app)
    with app.test_request_context():
        report = oneroster.import_roster(session=session,
                                         package=open_package(write_roster(tmp_path)))
    assert report.ok
    session.commit()
    assert _version(app) > before


def test_cached_caseload_follows_every_write(app, session, world):
    cache.clear()
    today = date(2025, 3, 3)

    def page():
        with app.test_request_context():
            ctx = loader.context(session=session, district_id=world.district.id)
            out = caseload.caseload_page(session=session, ctx=ctx,
                                         school_ids=[world.school.id],
                                         filters=caseload.Filters(has_followup="yes"),
                                         today=today)
            session.commit()  # end the read transaction, as a request does
            return out

    assert page().total == 0
    assert page().total == 0
    assert len(cache.peek(session)) == 1  # second time from the cache
    with Session(get_engine(app)) as other:  # another worker's write
        other.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
        other.commit()
    assert page().total == 1


def test_the_cache_reads_the_counter_once_per_transaction(app, session, world):
    cache.clear()
    engine, reads, made = get_engine(app), [], []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "data_version" in statement:
            reads.append(statement)

    def kept(key):
        return cache.memo(session, ("test", key), lambda: made.append(key) or len(made),
                                 school_ids=[world.school.id])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert [kept("a"), kept("b"), kept("a")] == [1, 2, 1]
        assert len(reads) == 1  # one transaction, one read
        session.commit()
        with Session(engine) as other:  # another worker's write
            other.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
            other.commit()
        assert kept("a") == 3  # a new transaction sees the new version: made again
        assert len(reads) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_each_kind_of_kept_result_has_its_own_bound(app, session, world):
    cache.clear()
    cache.memo(session, ("school_map", 1), lambda: "map", school_ids=[1])
    for student_id in range(cache.MAX_MEMOS + 3):  # many profiles
        cache.memo(session, ("profile", student_id), lambda: "profile",
                          school_ids=[1])
    kept = [k[1:-1] for k in cache.peek(session)]
    assert ("school_map", 1) in kept  # not pushed out by the profiles
    profiles = [k for k in kept if k[0] == "profile"]
    assert len(profiles) == cache.MAX_MEMOS
    assert ("profile", cache.MAX_MEMOS + 2) in profiles  # the last ones kept
    assert ("profile", 0) not in profiles


def _staff_version(app) -> int:
    return _counter(app, 2)


def _counter(app, row: int) -> int:
    with get_engine(app).connect() as conn:
        return conn.execute(text(f"SELECT n FROM data_version WHERE id = {row}")).scalar() or 0


def test_the_staff_version_moves_with_staff_writes_only(app, session, world):
    """Row 2 moves with every committed write to staff_user (ORM, Core, driver SQL) and with
    no other write; row 1 moves with both."""
    from survey_app.db import STAFF_TABLES, VERSIONED_TABLES

    assert STAFF_TABLES <= VERSIONED_TABLES
    staff, data = _staff_version(app), _version(app)
    session.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
    session.commit()
    assert (_staff_version(app), _version(app)) == (staff, data + 1)
    user = world.users["staff"]
    user.given_name = "Renamed"
    session.add(user)
    session.commit()
    assert (_staff_version(app), _version(app)) == (staff + 1, data + 2)
    with get_engine(app).begin() as conn:
        conn.execute(insert(FollowUp).values(student_id=world.students[0].id, kind="flag",
                                             status="open"))
        conn.exec_driver_sql("UPDATE staff_user SET active = active WHERE id = -1")
    assert (_staff_version(app), _version(app)) == (staff + 2, data + 3)
    session.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
    session.flush()
    user.given_name = "Rolled back"
    session.add(user)
    session.flush()
    session.rollback()
    assert (_staff_version(app), _version(app)) == (staff + 2, data + 3)


def test_the_flags_version_moves_with_what_the_flags_read_only(app, session, world):
    """Row 3 moves with writes to the tables the flags are worked out from, in one statement
    with row 1; follow-ups (read live by exports) move row 1 only."""
    from survey_app.db import FLAG_TABLES, FLAGS_VERSION, VERSIONED_TABLES

    assert FLAG_TABLES <= VERSIONED_TABLES
    assert {"follow_up", "engagement", "context_measure", "answer"}.isdisjoint(FLAG_TABLES)
    flags, data = _counter(app, FLAGS_VERSION), _version(app)
    session.add(FollowUp(student_id=world.students[0].id, kind="flag", status="open"))
    session.commit()
    assert (_counter(app, FLAGS_VERSION), _version(app)) == (flags, data + 1)
    seen = []
    event.listen(get_engine(app), "before_cursor_execute",
                 lambda *args: seen.append(args[2]) if "data_version" in args[2] else None)
    session.add(StaffMark(staff_id=world.users["staff"].id, student_id=world.students[0].id,
                          wave_id=world.wave.id, trusting=True))
    session.commit()
    assert (_counter(app, FLAGS_VERSION), _version(app)) == (flags + 1, data + 2)
    assert len([sql for sql in seen if sql.startswith("UPDATE")]) == 1  # both rows at once
    with get_engine(app).begin() as conn:
        conn.exec_driver_sql("DELETE FROM data_version WHERE id = 3")  # before its migration
        conn.exec_driver_sql("UPDATE student SET grade = grade WHERE id = -1")
    assert _counter(app, FLAGS_VERSION) == 1  # the row comes back
