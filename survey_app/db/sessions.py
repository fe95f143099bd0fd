"""Engines and sessions: one engine per app, one session per request, one per job.

Reads (GET/HEAD) begin deferred transactions; everything else begins IMMEDIATE on
SQLite (:mod:`survey_app.db.writing`), so readers never queue for the write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from survey_app.db.versions import track_writes
from survey_app.db.writing import IMMEDIATE, configure_sqlite

_EXT_KEY = "survey_db_engine"
_WRITER_KEY = "survey_db_writer"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings its dialect needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
    memory = not parsed.database or parsed.database == ":memory:"
    configure_sqlite(engine, None if memory else f"{Path(parsed.database).resolve()}-writer.lock")
    return engine


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
    """End this request's session (teardown, and the error pages of a lost database).

    Never raises: closing rolls back on a connection the database may have dropped
    mid-request, and an error here would escape every error page to the server's bare
    500. The pool discards a connection it could not reset.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except SQLAlchemyError as error:
        log.warning("closing a session after a database error: %s", error)


@contextmanager
def job_session(app: Flask | None = None) -> Iterator[Session]:
    """A session for CLI and batch jobs; the caller commits per batch."""
    with Session(get_writer(app), expire_on_commit=False) as session:
        yield session
