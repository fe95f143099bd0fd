"""The database: one engine per app, one session per request.

Three concerns, one module each: :mod:`~survey_app.db.sessions` (engines and
sessions), :mod:`~survey_app.db.writing` (SQLite's WAL, ``BEGIN IMMEDIATE`` and
the writers' lock file) and :mod:`~survey_app.db.versions` (the counters a write
moves, which the caches compare). ``from survey_app.db import X`` keeps working
for every name the rest of the code uses.
"""

from survey_app.db.sessions import (
    close_session,
    get_engine,
    get_session,
    get_writer,
    holds_write_lock,
    init_app,
    job_session,
    make_engine,
    read_first,
    write_next,
    write_session,
)
from survey_app.db.versions import (
    BUMP_ALL_SQL,
    COUNTERS,
    DATA_VERSION,
    FLAG_TABLES,
    FLAGS_VERSION,
    HOUSEHOLD_ROW,
    SCHOOL_ROW,
    STAFF_TABLES,
    STAFF_VERSION,
    STUDENT_ROW,
    VERSIONED_TABLES,
    counter,
    data_version,
    declare_schools,
    has_unsaved_writes,
    respondent_versions,
    school_versions,
    track_writes,
)
from survey_app.db.writing import IMMEDIATE

__all__ = [
    "BUMP_ALL_SQL", "COUNTERS", "DATA_VERSION", "FLAGS_VERSION", "FLAG_TABLES", "HOUSEHOLD_ROW",
    "IMMEDIATE", "SCHOOL_ROW", "STAFF_TABLES", "STAFF_VERSION", "STUDENT_ROW", "VERSIONED_TABLES",
    "close_session", "counter",
    "data_version", "declare_schools", "get_engine", "get_session", "get_writer", "has_unsaved_writes",
    "holds_write_lock", "init_app", "job_session", "make_engine", "read_first",
    "respondent_versions", "school_versions", "track_writes", "write_next", "write_session",
]
