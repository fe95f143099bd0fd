"""SQL rows → DataFrames: the plain, fast way every loader reads the database."""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from relationships.input_tables import COLUMNS, empty_frame
from survey_app.models import conditions

__all__ = ["json_values", "read_frame", "typed"]


def read_frame(session: Session, stmt) -> pd.DataFrame:
    """Run a select and return the driver's rows as a DataFrame.

    ``pandas.read_sql`` on a select runs SQLAlchemy's per-value result processing
    (about 20 µs a row here); the driver's own values are all we need, so the rows
    are read from the DB-API cursor and JSON/booleans are decoded per column. The
    statement still goes through ``Connection.execute``, so its compiled form comes
    from the engine's statement cache (compiling a wide select costs a millisecond
    or more, every time, when done by hand).
    """
    result = session.connection().execute(stmt)
    columns = list(result.keys())
    # The DB-API cursor's plain tuples: pandas probes each SQLAlchemy Row for
    # ``.dtype`` (a failed key lookup, ~10 µs a row), a tuple it takes as is.
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows, columns=columns)


def json_values(values, session: Session) -> list:
    """JSON columns come back as text from SQLite and already decoded from PostgreSQL.

    (On PostgreSQL a decoded JSON string is a ``str`` too, so the dialect decides,
    not the value's type.) Answers repeat a handful of codes thousands of times:
    each distinct text is decoded once and the decoded value shared (callers only
    read it).
    """
    values = values.tolist() if hasattr(values, "tolist") else list(values)  # not per item
    if session.get_bind().dialect.name != "sqlite":
        return values
    return conditions.decode_json_texts(values)


def typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Cast ``frame`` to the documented columns of ``table`` (in their order)."""
    if frame.empty:
        return empty_frame(table)
    out = {}
    for column, dtype in COLUMNS[table].items():
        values = frame[column]
        if values.dtype == dtype:  # already right (most columns): no copy
            out[column] = values
        elif dtype == "object":
            out[column] = values.astype(object)
        elif dtype in ("bool",):
            out[column] = values.fillna(False).astype(bool)
        elif dtype == "boolean":
            out[column] = values.astype(object).where(values.notna(), pd.NA).astype("boolean")
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out)
