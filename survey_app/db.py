"""The database: one engine per app, one session per request.

SQLite is the embedded default. On *our* engine only (never the ``Engine``
class) we turn on WAL, a busy timeout and foreign keys, and we take over
``BEGIN`` from pysqlite so that write transactions start with ``BEGIN
IMMEDIATE``: a read that later upgrades to a write would otherwise fail at once
with "database is locked" instead of waiting for the busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

_EXT_KEY = "survey_db_engine"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Whether the next SQLite transaction on this context takes the write lock up front.
_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings its dialect needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def init_app(app: Flask) -> None:
    """Build the engine from ``DATABASE_URL`` and close the session after each request."""
    app.extensions[_EXT_KEY] = make_engine(
        app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False)
    )
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_EXT_KEY]


def get_session() -> Session:
    """Return this request's session, opening it on first use.

    Reads (GET/HEAD) begin deferred transactions so that readers never queue for
    SQLite's write lock; everything else begins immediately.
    """
    if "db_session" not in g:
        _immediate.set(not (has_request_context() and request.method in _READ_METHODS))
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def job_session(app: Flask | None = None) -> Iterator[Session]:
    """A session for CLI and batch jobs; the caller commits per batch."""
    _immediate.set(True)
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session
