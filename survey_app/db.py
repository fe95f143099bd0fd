"""The database: one engine per app, one session per request.

SQLite is the embedded default. On *our* engine only (never the ``Engine``
class) we turn on WAL, a busy timeout and foreign keys, and we take over
``BEGIN`` from pysqlite so that write transactions start with ``BEGIN
IMMEDIATE``: a read that later upgrades to a write would otherwise fail at once
with "database is locked" instead of waiting for the busy timeout.

Writers queue on a lock file beside the database (:func:`_take_writer_lock`)
before their ``BEGIN IMMEDIATE``: SQLite's busy handler polls with sleeps
(1, 2, 5, 10 … 100 ms), so a writer that finds the lock taken sleeps past the
moment it is free; one blocked in ``flock`` wakes when the writer before it
commits. It changes who waits how, not what is written or how durably.
"""

from __future__ import annotations

import fcntl
import functools
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

_EXT_KEY = "survey_db_engine"
_WRITER_KEY = "survey_db_writer"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Execution option that makes a SQLite transaction take the write lock up front.
IMMEDIATE = "sqlite_begin_immediate"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings its dialect needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
    memory = not parsed.database or parsed.database == ":memory:"
    _configure_sqlite(engine, None if memory else f"{Path(parsed.database).resolve()}-writer.lock")
    return engine


_LOCK_INFO = "survey_writer_lock"
_held = threading.local()  # lock files this thread holds (its ``paths`` set)


def _take_writer_lock(path: str) -> int | None:
    """Wait for, then hold, the writer lock of one database; return its descriptor.

    ``flock`` on a descriptor of our own (opened here, closed on release): it excludes
    the other threads of this process and the other processes alike, the kernel drops
    it if the process dies, and a forked worker inherits nothing. None when this thread
    already holds it (a second writer connection in the same thread): waiting for
    ourselves would never end, so that one is left to SQLite's busy timeout, as before.
    """
    paths = _held.__dict__.setdefault("paths", set())
    if path in paths:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
    except BaseException:
        os.close(fd)
        raise
    paths.add(path)
    return fd


def _release_writer_lock(info: dict | None) -> None:
    held = info.pop(_LOCK_INFO, None) if info is not None else None
    if held is not None:
        path, fd = held
        _held.__dict__.get("paths", set()).discard(path)
        os.close(fd)  # closing the only descriptor releases the flock


def _info(pooled) -> dict | None:
    """The pool record's ``info`` of a pooled connection (None for the engine's first-connect
    probe, which has none: it never begins a transaction of ours)."""
    try:
        return pooled.info
    except (AttributeError, NotImplementedError):
        return None


def _configure_sqlite(engine: Engine, lock_path: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        fd = _take_writer_lock(lock_path) if lock_path else None
        if fd is not None:
            connection.info[_LOCK_INFO] = (lock_path, fd)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_writer_lock(connection.info)
            raise

    if lock_path is None:
        return
    # Released once SQLite has let go of its own lock: after the COMMIT or ROLLBACK
    # (the pool's reset on return rolls back through the dialect too), or with the connection.
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection):
        try:
            commit(dbapi_connection)
        finally:
            _release_writer_lock(_info(dbapi_connection))

    def do_rollback(dbapi_connection):
        try:
            rollback(dbapi_connection)
        finally:
            _release_writer_lock(_info(dbapi_connection))

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection, record):
        _release_writer_lock(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection, record, _exc):
        _release_writer_lock(record.info)


#: Tables the counselor pages read (directly or through records.py): a write to any of
#: them bumps ``data_version`` in the same transaction (see :func:`track_writes`).
VERSIONED_TABLES = frozenset({
    "support_tie", "staff_mark", "answer", "household_condition", "student", "adult",
    "adult_match", "household", "section", "section_student", "section_teacher",
    "survey_wave", "district_settings", "follow_up", "engagement", "context_measure",
    "invitation", "response", "staff_user", "school", "counselor_school", "district",
    "family_trust_mark",
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
        _bump(conn)

    @event.listens_for(engine, "rollback")
    def _rollback(conn):
        if not conn.invalidated:  # an invalidated connection's info goes with it
            conn.info.pop(_DIRTY, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record):
        record.info.pop(_DIRTY, None)  # nothing carries over to the next checkout


def has_unsaved_writes(session: Session) -> bool:
    """This session's transaction wrote a versioned table it has not committed yet."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(_DIRTY))


def _bump(conn) -> None:
    """Move the counters this transaction's writes moved: one statement for all of them."""
    rows = conn.info.pop(_DIRTY, None)
    if not rows:
        return
    rows = tuple(sorted(rows))
    if conn.exec_driver_sql(_bump_sql(rows)).rowcount < len(rows):
        present = {r[0] for r in conn.exec_driver_sql("SELECT id FROM data_version")}
        for row in rows:
            if row not in present:  # a database from before this counter's migration
                conn.exec_driver_sql(f"INSERT INTO data_version (id, n) VALUES ({row:d}, 1)")


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
        _bump(conn[0])


def data_version(session: Session) -> int:
    """The shared counter of writes to the tables the counselor pages read."""
    return counter(session, DATA_VERSION)


def counter(session: Session, row: int) -> int:
    """One counter of :data:`COUNTERS` as ``session``'s transaction sees it (0 if never moved)."""
    found = session.connection().exec_driver_sql(
        f"SELECT n FROM data_version WHERE id = {int(row):d}").first()
    return int(found[0]) if found else 0


def init_app(app: Flask) -> None:
    """Build the engine from ``DATABASE_URL`` and close the session after each request."""
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    track_writes(engine)
    app.extensions[_EXT_KEY] = engine
    # Same pool and events; its transactions begin IMMEDIATE on SQLite (ignored elsewhere).
    app.extensions[_WRITER_KEY] = engine.execution_options(**{IMMEDIATE: True})
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_EXT_KEY]


def get_writer(app: Flask | None = None) -> Engine:
    """The engine whose transactions take SQLite's write lock when they begin."""
    return (app or current_app).extensions[_WRITER_KEY]


def get_session() -> Session:
    """Return this request's session, opening it on first use.

    Reads (GET/HEAD) begin deferred transactions so that readers never queue for
    SQLite's write lock; everything else begins immediately.
    """
    if "db_session" not in g:
        reading = has_request_context() and request.method in _READ_METHODS
        g.db_session = Session(get_engine() if reading else get_writer(), expire_on_commit=False)
    return g.db_session


def read_first(session: Session) -> None:
    """Begin ``session``'s transaction without taking SQLite's write lock.

    For a request that reads and checks a while before it writes: it reads in a
    deferred transaction, then calls ``session.commit()`` before its first write,
    so the next transaction begins IMMEDIATE and holds the lock only for the
    writes. Whatever the writes depend on must be read again after that commit.
    A no-op on other databases and once a transaction has begun.
    """
    if not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: False})


def write_next(session: Session) -> None:
    """End what ``session`` has read and begin a transaction that holds SQLite's write lock.

    For a read request (deferred transactions) that turns out to need a small
    write: a deferred read transaction that later writes can be refused at once
    with "database is locked" when another connection wrote in between; a new
    IMMEDIATE one waits its turn instead. A plain commit + begin elsewhere.
    """
    session.commit()
    session.connection(execution_options={IMMEDIATE: True})


def holds_write_lock(session: Session) -> bool:
    """``session``'s transaction took SQLite's write lock (a writer begun IMMEDIATE).

    Another connection of this thread that wants to write would then wait for it
    until SQLite's busy timeout. Always False on other databases.
    """
    conn = session.connection()
    return conn.dialect.name == "sqlite" and bool(conn.get_execution_options().get(IMMEDIATE))


def write_session(session: Session) -> Session:
    """A new session on ``session``'s database whose transactions take the write lock."""
    return Session(session.get_bind().execution_options(**{IMMEDIATE: True}),
                   expire_on_commit=False)


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def job_session(app: Flask | None = None) -> Iterator[Session]:
    """A session for CLI and batch jobs; the caller commits per batch."""
    with Session(get_writer(app), expire_on_commit=False) as session:
        yield session
