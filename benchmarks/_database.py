"""The database a benchmark runs on: a throwaway SQLite file, or a scratch PostgreSQL database.

``--database-url`` (or ``BENCH_DATABASE_URL``) names a PostgreSQL server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``: the benchmark makes a
database of its own beside the one named (the tests' :func:`tests._databases.scratch_postgres`),
and drops it when it ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests._databases import scratch_postgres


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
    with scratch_postgres("bench", server_url) as url:
        yield url
