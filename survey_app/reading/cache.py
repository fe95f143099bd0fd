"""The read side's one cache: results kept per worker process until the data they read changes.

:func:`at_version` is the caching helper everything cached on the read side goes
through: a result is made once per version of the database's counters and kept per
worker process and database until that version moves. The versions are the counters
of ``data_version`` (:data:`survey_app.db.COUNTERS`), which every process reads from
the same database, so no worker serves what another has already changed. Results are
grouped by kind (school states, school maps, profiles, staff lists…) and each kind
keeps its newest few, so many small results never push another kind out.

On top of it, the loaded tables, measures and flag matrix of a school
(:func:`state`) and results that read some schools' data (:func:`memo`). Loading a
school from the database and evaluating every rule costs most of a counselor page.
They are keyed on the schools, the wave, the flag rules and the database's counters
of the schools they show: the shared ``data_version``, which our engine bumps in the
same transaction as any write to the tables these pages read
(:func:`survey_app.db.track_writes`), and each school's own counter, which a write
declared to concern only some schools (a survey save:
:func:`survey_app.db.declare_schools`) moves instead of the shared one. So a save
at one school never makes another school's pages cold. A request reads the
counters (one tiny SELECT per school set and transaction) in its own transaction,
so what it gets is never older than what that transaction could read when it
began; every process keys on the same counters, so no worker serves another's
stale copy.

Cached values are shared between requests: callers must not modify them (rows are
copied before sentences are written into them). The flags stored for exports are
kept in the database instead (:mod:`survey_app.reading.stored_flags`).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlmodel import Session

from relationships import Evaluation, Tables, evaluate
from survey_app.db import has_unsaved_writes, school_versions
from survey_app.reading import loader

#: Schools (or school sets) kept per process and database (kind ``school state`` of :func:`at_version`).
MAX_ENTRIES = 4
#: Memoised results (pages' flags, rows per day, map data…) per cached school.
MAX_EXTRAS = 64
#: Results of :func:`memo` kept per process, database and kind of result (apart from
#: the schools, so that many small results never push a school's tables out).
MAX_MEMOS = 8
#: Seconds the caseload list may lag the survey saves at its own school (while a survey
#: window is open, a large school gets several saves a second; recomputing it for each
#: would keep the list cold). Profiles, maps, downloads and every staff write never lag.
CASELOAD_LAG = 10.0
_SEEN = "reading.cache.versions"  # session.info: (transaction, {schools: versions read in it})


_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> {kind: OrderedDict}


def at_version(session: Session, kind: str, key: tuple, version,
               make: Callable[[], Any], *, limit: int, lag: float = 0.0) -> Any:
    """``make()`` once per ``version`` for ``key``; the newest ``limit`` of ``kind`` are kept.

    ``version`` is one a transaction of ``session`` read: a counter, or the shared counter
    and a tuple of per-school counters (``survey_app.db.school_versions``). Once a newer
    one is made, the same key's other versions are dropped, and so is every result of
    the kind made at an older shared counter.

    ``lag`` (seconds; per-school versions only): a result of the same key made at the same
    shared counter less than ``lag`` seconds ago is still good, though its schools'
    counters have moved since (declared survey saves at those schools).
    """
    full = (*key, version)
    with _lock:
        cache = _kept.setdefault(session.get_bind().pool, {}).setdefault(kind, OrderedDict())
        if full in cache:
            cache.move_to_end(full)
            return cache[full][0]
        if lag > 0 and isinstance(version, tuple):
            now = time.monotonic()
            for k, (value, made_at) in cache.items():
                if k[:-1] == key and k[-1][0] == version[0] and now - made_at < lag:
                    return value
    made = make()
    with _lock:
        cache[full] = (made, time.monotonic())
        shared = _shared(version)
        for old in [k for k in cache
                    if _shared(k[-1]) < shared or (k[:-1] == key and k[-1] != version)]:
            del cache[old]
        while len(cache) > limit:
            cache.popitem(last=False)
    return made


def _shared(version) -> int:
    return version[0] if isinstance(version, tuple) else version


def _keys(session: Session) -> list[tuple]:
    """The keys kept for this database, each ending with its version (tests, diagnostics)."""
    with _lock:
        kinds = _kept.get(session.get_bind().pool, {})
        return [k for cache in kinds.values() for k in cache]


@dataclass
class SchoolState:
    """One school set's tables (flag waves) and their evaluation; ``extras`` memoises more."""

    version: object  # the counters it was loaded at (-1: this transaction's own writes)
    tables: Tables
    evaluation: Evaluation
    people: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key, make):
        """``make()`` once per state (per ``key``), shared by later requests."""
        with self.lock:
            if key not in self.extras:
                if len(self.extras) >= MAX_EXTRAS:  # e.g. many distinct pages: start again
                    self.extras.clear()
                self.extras[key] = make()
            return self.extras[key]


def _version(session: Session, school_ids) -> tuple[int, tuple[int, ...]]:
    """The shared and the schools' counters (:func:`survey_app.db.school_versions`), read
    once per transaction of ``session`` and school set (a page asks for several cached
    results; what it then reads is never older than the first answer)."""
    ids = tuple(sorted({int(s) for s in school_ids}))
    seen = session.info.get(_SEEN)
    if seen is not None and seen[0] is session.get_transaction() and ids in seen[1]:
        return seen[1][ids]
    version = school_versions(session, ids)  # begins the transaction if none has begun
    if seen is None or seen[0] is not session.get_transaction():
        seen = (session.get_transaction(), {})
        session.info[_SEEN] = seen
    seen[1][ids] = version
    return version


def state(*, session: Session, ctx: loader.Context, school_ids, lag: float = 0.0
          ) -> SchoolState:
    """The schools' tables and evaluation at the database's current data version.

    ``lag`` (seconds): a state that misses only the last ``lag`` seconds of survey saves
    at these schools will do (the caseload list: :data:`CASELOAD_LAG`); any other write
    (a follow-up, a mark, an import) is never lagged.
    """
    if has_unsaved_writes(session):
        # Our own uncommitted writes: the counter has not moved yet, so load them fresh.
        session.flush()
        return _load(session, ctx, school_ids, -1)
    key = (tuple(sorted(int(s) for s in school_ids)), ctx.district_id, ctx.wave, ctx.wave_id,
           repr(ctx.rules))
    version = _version(session, school_ids)
    return at_version(session, "school state", ("school", *key), version,
                           lambda: _load(session, ctx, school_ids, version), limit=MAX_ENTRIES,
                           lag=lag)


def memo(session: Session, key: tuple, make, *, school_ids):
    """``make()`` once per version of ``school_ids`` (every school whose data the result
    reads) for ``key`` (a result that needs no school state).

    Each kind of result (``key[0]``: school maps, profiles…) keeps its last
    ``MAX_MEMOS``, so many profiles never push a school's map out.
    """
    if has_unsaved_writes(session):
        session.flush()
        return make()
    return at_version(session, key[0], ("memo", *key), _version(session, school_ids), make,
                           limit=MAX_MEMOS)


def _load(session: Session, ctx: loader.Context, school_ids, version) -> SchoolState:
    tables = loader.load_school_tables(session=session, ctx=ctx, school_ids=school_ids,
                                        waves=loader.waves_for_flags(ctx))
    # Count for everyone (vectorised); Flag objects for sentences are made per page later.
    evaluation = evaluate(tables, ctx.rules, wave=ctx.wave, errors="skip", student_ids=())
    return SchoolState(version=version, tables=tables, evaluation=evaluation)


def clear() -> None:
    """Forget everything kept: schools, memos and every other kind (tests)."""
    with _lock:
        _kept.clear()


def peek(session: Session) -> list[Any]:
    """The keys kept for this database, schools (``"school", …``) and memos (``"memo", …``),
    each ending with its data version (tests, diagnostics)."""
    return [k for k in _keys(session) if k[0] in ("school", "memo")]
