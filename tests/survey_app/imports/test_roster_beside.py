"""A roster import worked out on a copy of a SQLite database, then copied back.

Checked against what it stands in for: the same imports run the ordinary way on a
second copy of the same database must leave the same rows and the same report;
and while it works, another writer is not kept waiting.
"""

from __future__ import annotations

import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from survey_app.db import make_engine, write_session
from survey_app.imports import roster_beside, roster_import, undo
from survey_app.models import Adult, ImportRun, School
from survey_app.models.enums import AdultKind
from tests import factories
from tests.survey_app.exports.conftest import ENROLLMENTS, USERS, write_roster

ROSTER_TABLES = ("district", "school", "household", "student", "staff_user", "adult",
                 "section", "section_student", "section_teacher")
#: Stamped with the time of the import: they differ between any two runs.
CLOCK = {"created_at", "updated_at", "deleted_at", "last_login_at"}


def _zip(folder: Path) -> Path:
    path = folder.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        for member in sorted(folder.iterdir()):
            archive.write(member, member.name)
    return path


def _rows(engine) -> dict[str, list[tuple]]:
    """Every roster table's rows, in id order, without the clock columns."""
    out = {}
    with engine.connect() as conn:
        for table in ROSTER_TABLES:
            columns = [r[1] for r in conn.execute(text(f"PRAGMA table_info({table})"))
                       if r[1] not in CLOCK]
            out[table] = [tuple(r) for r in conn.execute(text(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"))]
    return out


@pytest.fixture
def twins(sqlite_template, tmp_path):
    """Two SQLite files holding the same district: (beside, ordinary) engines, and the world."""
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    shutil.copy(sqlite_template, first)
    engines = [make_engine(f"sqlite:///{first}")]
    with Session(engines[0], expire_on_commit=False) as session:
        world = factories.build_world(session)
    engines[0].dispose()
    shutil.copy(first, second)
    engines.append(make_engine(f"sqlite:///{second}"))
    yield engines, world
    for engine in engines:
        engine.dispose()


def _both(engines, package: Path, **kwargs):
    reports = []
    for engine, runner in zip(engines, (roster_beside.run, roster_import.run), strict=True):
        with write_session(Session(engine)) as session:
            reports.append(runner(session=session, path=package, **kwargs))
    return reports


def _changed_roster(tmp_path: Path, world) -> Path:
    """The second file: a student gone, one renamed, classes moved, and a teacher whose
    email is an account that had no roster id yet (linked, not duplicated)."""
    users = (USERS.replace("u4,active,TRUE,s2,student,Omar,حسن,1004,,11,\n", "")
             .replace("Luis,Reyes", "Luisa,Reyes")
             + f"t2,active,TRUE,s1,teacher,Kim,Lee,,,,{world.users['staff'].email}\n"
               "u5,active,TRUE,s2,student,Nia,Okafor,1005,p3,09,\n"
               "p3,active,TRUE,s2,parent,Ada,Okafor,,u5,,\n")
    enrollments = ENROLLMENTS.replace("e3,c2,s2,u3,student,true\n",
                                      "e4,c1,s1,u2,student,true\n")
    return _zip(write_roster(tmp_path / "second", users=users, enrollments=enrollments))


def test_it_leaves_what_the_ordinary_import_leaves(twins, tmp_path):
    engines, world = twins
    first = _zip(write_roster(tmp_path / "first"))
    for package, kwargs in ((first, {}), (_changed_roster(tmp_path, world),
                                          {"allow_removals": True, "link_accounts": True})):
        check, ordinary_check = _both(engines, package, dry_run=True, **kwargs)
        assert (check.counts, check.removed, check.problems) == \
            (ordinary_check.counts, ordinary_check.removed, ordinary_check.problems)
        beside, ordinary = _both(engines, package, **kwargs)
        assert beside.ok, beside.problems
        assert (beside.counts, beside.notes, beside.changes) == \
            (ordinary.counts, ordinary.notes, ordinary.changes)
        assert _rows(engines[0]) == _rows(engines[1])
    assert beside.counts["students"]["deleted"] == 1
    assert beside.changes["staff_user"]["updated"]  # the teacher's account, linked
    for engine in engines:  # and undone alike
        with write_session(Session(engine)) as session:
            undo.undo(session=session, run=undo.last_run(session), staff_id=None)
            session.commit()
    assert _rows(engines[0]) == _rows(engines[1])


def test_a_check_writes_nothing(twins, tmp_path):
    engines, _world = twins
    before = _rows(engines[0])
    report = _both(engines, _zip(write_roster(tmp_path / "r")), dry_run=True)[0]
    assert report.ok
    assert report.counts["students"]["created"] == 4
    assert _rows(engines[0]) == before


def test_other_writers_go_on_while_it_works(twins, tmp_path):
    """Mid-import (while the file is read), another thread saves and commits at once; on
    the ordinary path it waits for the whole import (SQLite's one writer).

    Beside, the writer is waited for as long as a loaded machine needs (it commits as soon
    as it runs); on the ordinary path 3 s is enough to see it held back, and load only
    makes that likelier, so neither wait can fail the test by the machine's speed."""
    engines, world = twins
    package = _zip(write_roster(tmp_path / "r"))
    finished, committed = {}, {}

    def save_meanwhile(engine, key):
        def write():
            with write_session(Session(engine)) as other:
                other.add(Adult(district_id=world.district.id, kind=AdultKind.FAMILY,
                                role="aunt_uncle", display_name=f"named {key}"))
                other.commit()
            committed[key] = True

        def progress(_n, started=[]):  # noqa: B006 - once per import
            if not started:
                started.append(threading.Thread(target=write, daemon=True))
                started[0].start()
                started[0].join(timeout=60 if key == "beside" else 3)
                # what had happened by the time the import went on (the held-back writer
                # commits later, once the ordinary import lets it)
                finished[key] = committed.get(key, False)
        return progress

    for engine, runner, key in ((engines[0], roster_beside.run, "beside"),
                                (engines[1], roster_import.run, "ordinary")):
        with write_session(Session(engine)) as session:
            report = runner(session=session, path=package, progress=save_meanwhile(engine, key))
        assert report.ok
    assert finished == {"beside": True, "ordinary": False}


def test_adults_named_meanwhile_are_kept_and_the_files_parents_numbered_after_them(
        twins, tmp_path):
    engines, world = twins
    engine = engines[0]
    package = _zip(write_roster(tmp_path / "r"))

    def named_meanwhile():  # a survey save between the copy and the copying back
        with write_session(Session(engine)) as other:
            other.add(Adult(district_id=world.district.id, kind=AdultKind.FAMILY,
                            role="aunt_uncle", display_name="named meanwhile"))
            other.commit()

    with write_session(Session(engine)) as session:
        report = roster_beside.run(session=session, path=package, saving=named_meanwhile)
        assert report.ok
        named = session.exec(select(Adult).where(Adult.display_name == "named meanwhile")).one()
        parents = session.exec(select(Adult).where(Adult.sourced_id.is_not(None))).all()
        assert sorted(a.sourced_id for a in parents) == ["p1", "p2"]
        assert all(a.id > named.id for a in parents)
        run = session.exec(select(ImportRun)).one()
        assert sorted(run.changes["adult"]["created"]) == sorted(a.id for a in parents)
        assert all(a.household_id is not None for a in parents if a.sourced_id == "p1")
        undo.undo(session=session, run=run, staff_id=None)
        session.commit()
        assert session.exec(select(Adult).where(Adult.sourced_id.is_not(None))).all() == []
        assert session.get(Adult, named.id) is not None


def test_a_roster_changed_meanwhile_is_imported_the_ordinary_way(twins, tmp_path):
    engines, world = twins
    first = _zip(write_roster(tmp_path / "first"))
    second = _changed_roster(tmp_path, world)

    def add_late(session):  # in a school the file lists, which the file does not name
        oak = session.exec(select(School).where(School.sourced_id == "s2")).one()
        factories.make_student(session, oak, sourced_id="late", sis_id="L1", given_name="Late")
        session.commit()

    def student_added_meanwhile():
        with write_session(Session(engines[0])) as other:
            add_late(other)

    for engine, runner in zip(engines, (roster_beside.run, roster_import.run), strict=True):
        with write_session(Session(engine)) as session:
            assert runner(session=session, path=first).ok
    with write_session(Session(engines[0])) as session:
        report = roster_beside.run(session=session, path=second, allow_removals=True,
                                   link_accounts=True, saving=student_added_meanwhile)
    with write_session(Session(engines[1])) as session:
        add_late(session)
        ordinary = roster_import.run(session=session, path=second, allow_removals=True,
                                     link_accounts=True)
    # Imported again on the database itself, it saw the new student and removed it (a bulk
    # file removes the students of its schools it does not list), as the ordinary import did;
    # copied back from the copy, which never saw it, the student would have stayed.
    assert report.counts["students"]["deleted"] == 2
    assert report.counts == ordinary.counts
    assert _rows(engines[0]) == _rows(engines[1])
