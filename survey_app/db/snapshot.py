"""A private copy of a SQLite database, to work out long changes without its write lock.

SQLite has one writer at a time: a roster import that held the write lock while it
read a 30,000-student file kept every survey save waiting for seconds. Worked out on
a copy (:func:`copy_of`, SQLite's online backup, which in WAL mode keeps no writer
waiting), it holds the lock only while the result is copied back, with the copy
attached to the writer's connection (:func:`attached`).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

__all__ = ["attached", "copy_of", "database_file"]


def database_file(engine: Engine) -> Path | None:
    """The SQLite file behind ``engine``; None for other databases and in-memory ones."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


#: A copy left this long by a worker that was killed is deleted by the next one.
LEFT_SECONDS = 6 * 3600


@contextmanager
def copy_of(path: Path) -> Iterator[Path]:
    """A consistent copy of the database at ``path`` (deleted at the end), beside it so
    that it is on the same disk."""
    for left in path.parent.glob(".snapshot-*"):
        try:
            if time.time() - left.stat().st_mtime > LEFT_SECONDS:
                shutil.rmtree(left, ignore_errors=True)
        except OSError:
            continue
    with tempfile.TemporaryDirectory(prefix=".snapshot-", dir=path.parent) as folder:
        copy = Path(folder) / path.name
        source, target = sqlite3.connect(path), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        yield copy


@contextmanager
def attached(engine: Engine, copy: Path, name: str = "snap") -> Iterator[Connection]:
    """A connection of ``engine`` with ``copy`` attached as ``name``, before its transaction
    begins (SQLite refuses ATTACH inside one); detached before it returns to the pool."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute(f"ATTACH DATABASE ? AS {name}", (str(copy),))
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            raw.execute(f"DETACH DATABASE {name}")
