"""Scratch PostgreSQL databases for tests and benchmarks: one of our own per use, always dropped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(prefix: str, server_url: str | None = None) -> Iterator[str]:
    """A new, empty database beside the one ``server_url`` (by default TEST_DATABASE_URL)
    names; its URL while in use.

    Parallel runs never share tables, and the database is dropped (closing any
    connection a killed server left behind) however the block ends.
    """
    base = make_url(server_url or os.environ["TEST_DATABASE_URL"])
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
