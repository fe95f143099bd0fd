"""The database a benchmark runs on: a throwaway SQLite file, or a scratch PostgreSQL database.

``--database-url`` (or ``BENCH_DATABASE_URL``) names a PostgreSQL server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``: the benchmark makes a
database of its own beside the one named, and drops it when it ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def given_url(cli_value: str | None) -> str | None:
    return cli_value or os.environ.get("BENCH_DATABASE_URL") or None


def engine_name(url: str) -> str:
    return make_url(url).get_backend_name()


@contextmanager
def bench_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh, empty database's URL while the block runs."""
    if not server_url or engine_name(server_url) == "sqlite":
        yield server_url or f"sqlite:///{folder / 'bench.db'}"
        return
    base = make_url(server_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
