"""SQLite's writers: WAL, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` behind a lock file.

On *our* engine only (never the ``Engine`` class) we turn on WAL, a busy timeout
and foreign keys, and we take over ``BEGIN`` from pysqlite so that write
transactions start with ``BEGIN IMMEDIATE``: a read that later upgrades to a
write would otherwise fail at once with "database is locked" instead of waiting
for the busy timeout.

Writers queue on a lock file beside the database (:func:`_take_writer_lock`)
before their ``BEGIN IMMEDIATE``: SQLite's busy handler polls with sleeps
(1, 2, 5, 10 … 100 ms), so a writer that finds the lock taken sleeps past the
moment it is free; one blocked in ``flock`` wakes when the writer before it
commits. It changes who waits how, not what is written or how durably.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): the
database layer: SQLite's BEGIN IMMEDIATE.
"""

from __future__ import annotations

import fcntl
import os
import threading

from sqlalchemy import Engine, event

#: Execution option that makes a SQLite transaction take the write lock up front.
IMMEDIATE = "sqlite_begin_immediate"

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


def configure_sqlite(engine: Engine, lock_path: str | None) -> None:
    """Set our pragmas on each new connection and begin transactions ourselves; with a
    ``lock_path``, writers queue on that lock file before their ``BEGIN IMMEDIATE``."""
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
