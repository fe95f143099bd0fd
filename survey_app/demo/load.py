"""Bulk loading of the demo tables with SQLAlchemy Core (SQLite and PostgreSQL).

Rows go in with ``insert()`` executemany in batches, one commit per batch. Ids come from
the generator, so on PostgreSQL the id sequences are moved past them afterwards. JSON
columns arrive as JSON text and pass through untouched (the generator serialised each
distinct value once instead of once per row).

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): bulk:
the demo district's load (COPY-sized inserts, TRUNCATE).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Integer,
    column,
    func,
    select,
    table,
    text,
)
from sqlmodel import SQLModel

import survey_app.models  # noqa: F401  (every table on the metadata)
from survey_app.models import conditions
from survey_app.models.base import utcnow

BATCH_ROWS = 50_000
#: The order rows can go in (parents first); ``reset`` deletes in the reverse order.
LOAD_ORDER = (
    "district", "school", "district_settings", "staff_user", "counselor_school", "household",
    "student", "section", "section_teacher", "section_student", "context_measure",
    "survey_wave", "invitation", "response", "answer", "household_condition", "adult", "support_tie", "staff_mark",
    "engagement", "family_trust_mark", "follow_up", "follow_up_note",
)


def is_empty(conn: Connection) -> bool:
    """No district and no student yet (a fresh or reset database)."""
    meta = SQLModel.metadata.tables
    for name in ("district", "student", "staff_user"):
        if conn.execute(select(func.count()).select_from(meta[name])).scalar():
            return False
    return True


def reset(engine: Engine) -> None:
    """Delete every row of every table (TRUNCATE … CASCADE on PostgreSQL)."""
    # data_version stays: it only ever grows, so no cache keyed on it can come back to life.
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "data_version"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for t in reversed(tables):
            conn.execute(t.delete())


def _values(series: pd.Series, integer: bool) -> list:
    """Python values of a column (numpy scalars and NaN are not bindable).

    ``integer``: the column is an integer one that pandas widened to float for its NaNs.
    """
    if series.dtype.kind in "iub":
        return series.to_numpy().tolist()
    if series.dtype.kind == "f":
        arr = series.to_numpy()
        values = np.nan_to_num(arr).astype(np.int64) if integer else arr
        return np.where(np.isnan(arr), None, values).tolist()
    if series.dtype.kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        return [None if pd.isna(v) else v.to_pydatetime() for v in series.tolist()]
    missing = series.isna().to_numpy()
    if missing.any():  # a column absent from some concatenated frames holds NaN there
        return series.astype(object).where(~missing, None).tolist()
    return series.tolist()


def _timestamps(name: str, frame: pd.DataFrame) -> list[str]:
    """Required timestamp columns the generator left out (the models default them)."""
    real = SQLModel.metadata.tables[name]
    return [c.name for c in real.columns if c.name not in frame.columns
            and not c.nullable and isinstance(getattr(c.type, "impl", c.type), DateTime)]


def _processor(name: str, col: str, dialect):
    """The driver-level conversion SQLAlchemy would apply to this column, or None."""
    type_ = SQLModel.metadata.tables[name].c[col].type
    if isinstance(type_, JSON | Boolean):
        return None  # JSON: already JSON text; bool: both drivers bind it as it is
    return type_.dialect_impl(dialect).bind_processor(dialect)


class _Insert:
    """``insert()`` of one table compiled once, run with executemany on the driver.

    SQLAlchemy's per-row parameter handling costs more than SQLite's own insert, so the
    bind processors run here, once per column (once in all for the filled-in timestamps).
    """

    def __init__(self, conn: Connection, name: str, frame: pd.DataFrame, now: datetime):
        self.stamped = _timestamps(name, frame)
        self.columns = [*frame.columns, *self.stamped]
        target = table(name, *[column(c) for c in self.columns])
        dialect = conn.dialect
        self.compiled = target.insert().compile(
            dialect=dialect, column_keys=self.columns)
        self.procs = {c: _processor(name, c, dialect) for c in frame.columns}
        real = SQLModel.metadata.tables[name]
        self.integer = {c: isinstance(real.c[c].type, Integer) for c in frame.columns}
        stamp = _processor(name, self.stamped[0], dialect) if self.stamped else None
        self.now = stamp(now) if stamp else now

    def rows(self, part: pd.DataFrame) -> list:
        cols = []
        for c in part.columns:
            values, proc = _values(part[c], self.integer[c]), self.procs[c]
            cols.append([proc(v) for v in values] if proc else values)
        cols += [[self.now] * len(part)] * len(self.stamped)
        if self.compiled.positional:
            order = [self.columns.index(k) for k in self.compiled.positiontup]
            return list(zip(*[cols[i] for i in order], strict=True))
        return [dict(zip(self.columns, row, strict=True)) for row in zip(*cols, strict=True)]


def with_conditions(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Add the decoded ``household_condition`` rows of the answers (unless given)."""
    answers, responses = tables.get("answer"), tables.get("response")
    invitations = tables.get("invitation")
    if "household_condition" in tables or answers is None or responses is None \
            or invitations is None or answers.empty:
        return tables
    inv = invitations[["id", "wave_id", "kind", "student_id", "household_id"]].rename(
        columns={"id": "invitation_id", "kind": "source"})
    resp = responses[["id", "invitation_id"]].rename(columns={"id": "response_id"}).merge(
        inv, on="invitation_id")
    rows = conditions.frame(answers, resp)
    return {**tables, "household_condition": rows.assign(id=np.arange(1, len(rows) + 1))}


def _pragmas(conn: Connection, *pragmas: str) -> None:
    """Set SQLite pragmas outside a transaction (the engine begins them itself)."""
    raw = conn.connection.driver_connection
    for pragma in pragmas:
        raw.execute(f"PRAGMA {pragma}")


def load(engine: Engine, tables: dict[str, pd.DataFrame],
         progress: Callable[[str, int], None] = lambda _name, _rows: None) -> int:
    """Insert every table in dependency order; ``progress(table, rows)`` after each batch."""
    now = utcnow()
    total = 0
    tables = with_conditions(tables)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Demo data can be made again: trade durability for speed on this connection.
            _pragmas(conn, "synchronous=OFF", "cache_size=-131072")
        for name in LOAD_ORDER:
            frame = tables.get(name)
            if frame is None or frame.empty:
                continue
            insert = _Insert(conn, name, frame, now)
            for start in range(0, len(frame), BATCH_ROWS):
                part = frame.iloc[start:start + BATCH_ROWS]
                conn.exec_driver_sql(insert.compiled.string, insert.rows(part))
                conn.commit()
                total += len(part)
                progress(name, len(part))
        if engine.dialect.name == "postgresql":
            _advance_sequences(conn)
        else:
            _pragmas(conn, "synchronous=NORMAL", "cache_size=-2000")
    return total


def _advance_sequences(conn: Connection) -> None:
    for name in LOAD_ORDER:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)"))
    conn.commit()
