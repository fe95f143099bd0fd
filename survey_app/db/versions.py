"""The version counters: every transaction that writes a table a cache reads moves a counter.

The counters are rows of ``data_version``; :data:`COUNTERS` says which tables move
which row. Caches compare the counter they were built at with the current one.

A declared write (a survey save) also logs whose answers it changed in ``respondent_change``,
numbered by its schools' new counters (:func:`_log_changes`): what lets a cached school
state follow the save by reloading those respondents only.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): the
database layer: counters bumped inside every write.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

#: Tables the counselor pages read (directly or through survey_app/reading/): a write to any of
#: them bumps ``data_version`` in the same transaction (see :func:`track_writes`).
VERSIONED_TABLES = frozenset({
    "support_tie", "staff_mark", "answer", "household_condition", "student", "adult",
    "adult_match", "household", "section", "section_student", "section_teacher",
    "survey_wave", "district_settings", "follow_up", "follow_up_note", "engagement",
    "context_measure", "invitation", "response", "staff_user", "school", "counselor_school",
    "district", "family_trust_mark",
})
#: Tables the staff picker of the survey's adult page reads: a write to one bumps the
#: staff version (row ``STAFF_VERSION`` of ``data_version``), which every save does not.
STAFF_TABLES = frozenset({"staff_user"})
#: Tables the flags are worked out from (``services/flag_tables.py``): a write to one bumps
#: the flags version (row ``FLAGS_VERSION``), which follow-ups, contacts, context data and
#: answers alone do not (answers reach the flags through ``household_condition`` and ties).
FLAG_TABLES = frozenset({
    "support_tie", "staff_mark", "household_condition", "student", "adult", "adult_match",
    "household", "section", "section_student", "section_teacher", "survey_wave",
    "district_settings", "invitation", "staff_user", "school", "district",
})
DATA_VERSION, STAFF_VERSION, FLAGS_VERSION = 1, 2, 3  # the counters' rows in ``data_version``
#: A school's own counter is row ``SCHOOL_ROW + school id`` of ``data_version`` (made by its
#: first declared write, 0 until then): a transaction that declares the schools its writes
#: concern (:func:`declare_schools`, e.g. a survey save) moves their rows instead of the shared
#: ``DATA_VERSION``, so another school's cached pages stay warm (:func:`school_versions`).
SCHOOL_ROW = 1_000_000
#: A respondent's own counters: rows ``STUDENT_ROW + student id`` and ``HOUSEHOLD_ROW +
#: household id`` (0 until moved). A declared survey save moves its respondent's row with
#: its schools' rows, so what one student's profile shows (their answers and their
#: household's) stays cached while classmates answer (:func:`respondent_versions`).
#: Within a 32-bit integer id: students below 500 million, households below 647 million.
STUDENT_ROW, HOUSEHOLD_ROW = 1_000_000_000, 1_500_000_000
#: ``respondent_change`` keeps each school's last ``KEEP_CHANGES`` counter moves, pruned
#: every ``PRUNE_EVERY`` moves (a state further behind is loaded in full anyway: that many
#: saves name more students than an incremental update is worth).
KEEP_CHANGES, PRUNE_EVERY = 1000, 100
_DECLARED = "survey_declared_schools"  # session/connection info: the schools writes concern
#: Each counter's row and the tables whose writes move it.
COUNTERS = {DATA_VERSION: VERSIONED_TABLES, STAFF_VERSION: STAFF_TABLES,
            FLAGS_VERSION: FLAG_TABLES}
_DIRTY = "survey_counters_moved"  # connection info: the counters this transaction moves
_DML = re.compile(r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"
                  r"(?:TABLE\s+)?[\"`\[]?(\w+)", re.IGNORECASE)
#: Moves every counter (a migration may rewrite anything a cache holds).
BUMP_ALL_SQL = "UPDATE data_version SET n = n + 1"


def _written_tables(statement: str, context) -> set[str]:
    compiled = getattr(context, "compiled", None) if context is not None else None
    stmt = getattr(compiled, "statement", None)
    table = getattr(stmt, "table", None)
    if table is not None and (context.isinsert or context.isupdate or context.isdelete):
        return {table.name}
    match = _DML.match(statement)  # driver SQL (bulk loaders), text(), TRUNCATE
    if match is None:
        return set()
    if statement.lstrip()[:8].upper() == "TRUNCATE":
        return set(re.findall(r"\"?(\w+)\"?\s*(?:,|$|\s)", statement[8:]))
    return {match.group(1)}


def track_writes(engine: Engine) -> None:
    """Move each counter of :data:`COUNTERS` in every transaction on ``engine`` that writes
    one of its tables (``data_version`` for any versioned table, the staff and flags
    versions for theirs).

    Engine level, so no write path can forget it: ORM flushes, Core inserts and
    executemany, ``text()`` and driver SQL all pass ``after_cursor_execute``; the bump
    runs on the same connection just before its COMMIT (the ``commit`` event, which
    ORM sessions reach too), so the counter and the data change together or not at all.
    """

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, _cursor, statement, _parameters, context, _executemany):
        info = conn.info
        moved = info.get(_DIRTY)
        if moved is not None and len(moved) == len(COUNTERS):
            return  # every counter moves already
        head = statement.lstrip()[:8].upper()
        if not head.startswith(("INSERT", "UPDATE", "DELETE", "TRUNCATE")):
            return
        tables = _written_tables(statement, context)
        rows = {row for row, watched in COUNTERS.items() if tables & watched}
        if rows:
            info[_DIRTY] = rows if moved is None else moved | rows

    @event.listens_for(engine, "commit")
    def _commit(conn):  # Core jobs (connect()/begin()); ORM sessions bumped already
        _bump(conn, conn.info.pop(_DECLARED, None))

    @event.listens_for(engine, "rollback")
    def _rollback(conn):
        if not conn.invalidated:  # an invalidated connection's info goes with it
            conn.info.pop(_DIRTY, None)
            conn.info.pop(_DECLARED, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record):
        record.info.pop(_DIRTY, None)  # nothing carries over to the next checkout
        record.info.pop(_DECLARED, None)


def declare_schools(target, school_ids, *, students=(), households=()) -> None:
    """Promise that what ``target`` writes (an ORM session: for the rest of its life; a Core
    connection: its current transaction) changes what the counselor pages of ``school_ids``
    show and nothing of any other school's: its commits move those schools' own counters
    instead of the shared ``DATA_VERSION`` (the staff and flags versions move as before).

    ``students``, ``households``: the respondents whose answers the writes change, and
    nobody else's (a survey save: its student or its household); their own counters
    move too, which is what a student's profile keys on (:func:`respondent_versions`).

    A survey save declares the schools of its student or household. Writes nobody
    declared move the shared counter, which every cache keys on: forgetting to declare
    costs time, never a stale page. An empty ``school_ids`` declares nothing.
    """
    ids = frozenset(int(s) for s in school_ids)
    if ids:
        target.info[_DECLARED] = (frozenset(SCHOOL_ROW + s for s in ids)
                                  | {STUDENT_ROW + int(s) for s in students}
                                  | {HOUSEHOLD_ROW + int(h) for h in households})


def has_unsaved_writes(session: Session) -> bool:
    """This session's transaction wrote a versioned table it has not committed yet."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(_DIRTY))


def _bump(conn, declared: frozenset[int] | None = None) -> None:
    """Move the counters this transaction's writes moved: one statement for all of them
    (and one for the ``declared`` rows: schools' and respondents' own, which then stand
    for ``DATA_VERSION``)."""
    rows = conn.info.pop(_DIRTY, None)
    if not rows:
        return
    if declared and DATA_VERSION in rows:
        rows = rows - {DATA_VERSION}
        moved = conn.exec_driver_sql(
            "INSERT INTO data_version (id, n) VALUES "
            + ", ".join(f"({row:d}, 1)" for row in sorted(declared))
            + " ON CONFLICT (id) DO UPDATE SET n = data_version.n + 1 RETURNING id, n").all()
        _log_changes(conn, declared, {int(i) - SCHOOL_ROW: int(n) for i, n in moved
                                      if SCHOOL_ROW <= i < STUDENT_ROW})
        if not rows:
            return
    rows = tuple(sorted(rows))
    if conn.exec_driver_sql(_bump_sql(rows)).rowcount < len(rows):
        present = {r[0] for r in conn.exec_driver_sql("SELECT id FROM data_version")}
        for row in rows:
            if row not in present:  # a database from before this counter's migration
                conn.exec_driver_sql(f"INSERT INTO data_version (id, n) VALUES ({row:d}, 1)")


def _log_changes(conn, declared: frozenset[int], schools: dict[int, int]) -> None:
    """Write whose answers this save changed (``respondent_change``), numbered by each
    school's counter as this transaction moved it (``schools``: school id -> new counter):
    what a cached school state reloads to follow the save (:mod:`survey_app.reading.incremental`).

    One row per school and respondent; none named: one row with neither (a full load).
    Every :data:`PRUNE_EVERY`-th move of a school's counter deletes its rows older than the
    last :data:`KEEP_CHANGES` (by counter, so the table stays small and the pruning costs one
    indexed statement now and then).
    """
    who = ([f"{row - STUDENT_ROW:d}, NULL" for row in sorted(declared)
            if STUDENT_ROW <= row < HOUSEHOLD_ROW]
           + [f"NULL, {row - HOUSEHOLD_ROW:d}" for row in sorted(declared)
              if row >= HOUSEHOLD_ROW]) or ["NULL, NULL"]
    if not schools:
        return
    conn.exec_driver_sql(
        "INSERT INTO respondent_change (school_id, n, student_id, household_id) VALUES "
        + ", ".join(f"({school:d}, {n:d}, {one})" for school, n in sorted(schools.items())
                    for one in who))
    for school, n in sorted(schools.items()):
        if n % PRUNE_EVERY == 0:
            conn.exec_driver_sql(f"DELETE FROM respondent_change WHERE school_id = {school:d} "
                                 f"AND n <= {n - KEEP_CHANGES:d}")


@functools.cache
def _bump_sql(rows: tuple[int, ...]) -> str:
    return f"UPDATE data_version SET n = n + 1 WHERE id IN ({', '.join(map(str, rows))})"


@event.listens_for(OrmSession, "before_commit")
def _before_session_commit(session) -> None:
    """Bump while the session's transaction is still whole: a failure here (a lost
    database) is an ordinary error the request's rollback cleans up (a clean 503),
    where one inside the connection's COMMIT would leave it half-closed."""
    if not session.in_transaction():
        return
    session.flush()
    for conn in session.get_transaction()._connections.values():  # noqa: SLF001
        _bump(conn[0], session.info.get(_DECLARED))


def data_version(session: Session) -> int:
    """The shared counter of writes to the tables the counselor pages read."""
    return counter(session, DATA_VERSION)


def counter(session: Session, row: int) -> int:
    """One counter of :data:`COUNTERS` as ``session``'s transaction sees it (0 if never moved)."""
    found = session.connection().exec_driver_sql(
        f"SELECT n FROM data_version WHERE id = {int(row):d}").first()
    return int(found[0]) if found else 0


def school_versions(session: Session, school_ids) -> tuple[int, tuple[int, ...]]:
    """The shared counter and each of ``school_ids``' own counters (sorted by school), read
    together in ``session``'s transaction: what a cache of those schools' pages keys on."""
    ids = sorted({int(s) for s in school_ids})
    wanted = ", ".join(str(r) for r in (DATA_VERSION, *(SCHOOL_ROW + s for s in ids)))
    found = dict(session.connection().exec_driver_sql(
        f"SELECT id, n FROM data_version WHERE id IN ({wanted})").all())
    return (int(found.get(DATA_VERSION, 0)),
            tuple(int(found.get(SCHOOL_ROW + s, 0)) for s in ids))


def respondent_versions(session: Session, student_id: int, household_id: int | None
                        ) -> tuple[int, tuple[int, int]]:
    """The shared counter and the counters of one student and their household, read
    together in ``session``'s transaction: what a cache of that student's own page keys on
    (a survey save by anyone else moves neither)."""
    student, household = STUDENT_ROW + int(student_id), (
        HOUSEHOLD_ROW + int(household_id) if household_id is not None else None)
    wanted = ", ".join(str(r) for r in (DATA_VERSION, student, household) if r is not None)
    found = dict(session.connection().exec_driver_sql(
        f"SELECT id, n FROM data_version WHERE id IN ({wanted})").all())
    return (int(found.get(DATA_VERSION, 0)),
            (int(found.get(student, 0)), int(found.get(household, 0))))
