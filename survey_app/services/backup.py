"""Backups of the whole database, and restoring one.

SQLite uses the online backup API (consistent while the app runs). PostgreSQL
uses ``pg_dump --format=custom`` and ``pg_restore --clean``, the tools every
managed PostgreSQL supports.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from survey_app.db import COUNTERS
from survey_app.models import DataVersion


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why."""


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for the command-line tools."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{args[0]} failed")


def backup(engine: Engine, out: Path) -> Path:
    """Write a backup of the database behind ``engine`` to ``out``."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(out)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out}",
              _libpq_url(url.render_as_string(hide_password=False))])
    return out


def restore(engine: Engine, source: Path) -> None:
    """Replace the database behind ``engine`` with the backup in ``source``."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    before = _versions(engine)
    engine.dispose()  # no pooled connection may hold the old data
    url = engine.url
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(url.database)
        with live:
            backup_db.backup(live)
        backup_db.close()
        live.close()
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url.render_as_string(hide_password=False))}", str(source)])
    _move_version_past(engine, before)


def _versions(engine: Engine) -> dict[int, int]:
    try:
        with engine.connect() as conn:
            return _versions_on(conn)
    except SQLAlchemyError:  # a database from before the counters
        return {}


def _move_version_past(engine: Engine, before: dict[int, int]) -> None:
    """The restored counters (data, staff, flags) are old ones: move each past every value
    caches and stored flags may hold."""
    try:
        with engine.begin() as conn:
            restored = _versions_on(conn)
            for row in sorted(set(before) | set(restored) | set(COUNTERS)):
                n = max(before.get(row, 0), restored.get(row, 0)) + 1
                if row in restored:
                    conn.execute(update(DataVersion).where(DataVersion.id == row).values(n=n))
                else:
                    conn.execute(insert(DataVersion).values(id=row, n=n))
    except SQLAlchemyError:
        pass


def _versions_on(conn) -> dict[int, int]:
    rows = conn.execute(select(DataVersion.id, DataVersion.n))
    return {int(i): int(n or 0) for i, n in rows}
