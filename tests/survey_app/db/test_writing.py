"""The SQLite transaction discipline: reads deferred, writes immediate, no upgrade surprises."""

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from survey_app.db import get_engine, get_writer, write_next


def test_reads_are_deferred_and_writer_transactions_take_the_lock(app):
    if get_engine(app).dialect.name != "sqlite":
        return
    path = get_engine(app).url.database
    with get_engine(app).connect() as reader:
        reader.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0.1)
        other.execute("BEGIN IMMEDIATE")  # a deferred reader does not block a writer
        other.rollback()
    with get_writer(app).connect() as writer:
        writer.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_write_next_turns_a_stale_read_into_a_waiting_write(app):
    """A read transaction, another writer commits, then we write: no 'database is locked'."""
    from sqlmodel import Session

    if get_engine(app).dialect.name != "sqlite":
        return
    with Session(get_engine(app)) as session:
        session.execute(text("SELECT count(*) FROM district")).one()
        other = sqlite3.connect(get_engine(app).url.database)
        other.execute("INSERT INTO district (name, code, created_at) VALUES ('x', 'x1', '2026-01-01')")
        other.commit()
        other.close()
        write_next(session)
        session.execute(text("INSERT INTO district (name, code, created_at) "
                             "VALUES ('y', 'y1', '2026-01-01')"))
        session.commit()


def _writer_lock_free(path: str) -> bool:
    import fcntl
    import os

    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also drops the lock if we got it
    return True


def test_writers_queue_on_the_lock_file_beside_the_database(app):
    """A writer transaction holds the lock file from BEGIN IMMEDIATE to COMMIT/ROLLBACK;
    a second writer in the same thread is not made to wait for itself."""
    if get_engine(app).dialect.name != "sqlite":
        return
    lock = get_engine(app).url.database + "-writer.lock"
    with get_writer(app).connect() as writer:
        writer.execute(text("SELECT 1"))
        assert not _writer_lock_free(lock)
        writer.commit()
        assert _writer_lock_free(lock)
        writer.execute(text("SELECT 1"))
        assert not _writer_lock_free(lock)
        with get_writer(app).connect() as nested:
            nested.connection.driver_connection.execute("PRAGMA busy_timeout=50")
            with pytest.raises(OperationalError, match="locked"):  # SQLite's busy timeout
                nested.exec_driver_sql("SELECT 1")
        assert not _writer_lock_free(lock)  # still the first writer's
        writer.rollback()
        assert _writer_lock_free(lock)
    with get_engine(app).connect() as reader:  # deferred readers never take it
        reader.execute(text("SELECT 1"))
        assert _writer_lock_free(lock)
