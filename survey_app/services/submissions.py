"""Submission keys: each survey page form carries one, and a page is saved once per key.

The key is written in the save's own transaction, before its answers. A repeat of the
same form (a double tap, a resend after a timeout, back and send again) finds its key
taken and changes nothing. Two copies sent at the same moment meet at the unique
constraint: on SQLite the second waits for the write lock and then sees the key; on
PostgreSQL its INSERT waits for the first transaction and then inserts nothing.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): survey
save: the page's submission key, one Core insert per save.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from survey_app.models import PageSubmission
from survey_app.models.base import utcnow

#: What a key looks like (``new_key``); anything else is no key at all.
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TABLE = PageSubmission.__table__
_CLAIM = {
    name: insert(_TABLE).on_conflict_do_nothing(index_elements=["response_id", "key"])
    .returning(_TABLE.c.id)
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


def new_key() -> str:
    """A fresh key for a page form (128 bits)."""
    return secrets.token_urlsafe(16)


def valid_key(value: object) -> str | None:
    """The sent key, or None when there is none or it is not one of ours."""
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None


def claim(*, session: Session, response_id: int, key: str, page_id: str) -> bool:
    """Take ``key`` for this save: True the first time, False for a repeat."""
    connection = session.connection()
    statement = _CLAIM[connection.dialect.name]
    row = connection.execute(statement, {"response_id": response_id, "key": key,
                                         "page": page_id, "at": utcnow()}).first()
    return row is not None
