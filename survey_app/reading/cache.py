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
at one school never makes another school's pages cold, and a save at the same school
costs an update of the kept state, not a new load: the save logs whose answers it
changed and the state reloads those students only (:mod:`survey_app.reading.incremental`),
so the caseload follows every save at once. A request reads the
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
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlmodel import Session

from relationships import Evaluation, Tables, evaluate
from survey_app.db import has_unsaved_writes, respondent_versions, school_versions
from survey_app.reading import incremental, loader

#: Schools (or school sets) kept per process and database (kind ``school state`` of :func:`at_version`).
MAX_ENTRIES = 4
#: Memoised results (pages' flags, rows per day, map data…) per cached school.
MAX_EXTRAS = 64
#: Results of :func:`memo` kept per process, database and kind of result (apart from
#: the schools, so that many small results never push a school's tables out).
MAX_MEMOS = 8
_SEEN = "reading.cache.versions"  # session.info: (transaction, {schools: versions read in it})


_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> {kind: OrderedDict}


def at_version(session: Session, kind: str, key: tuple, version,
               make: Callable[[], Any], *, limit: int,
               follow: Callable[[Any, Any], Any] | None = None) -> Any:
    """``make()`` once per ``version`` for ``key``; the newest ``limit`` of ``kind`` are kept.

    ``version`` is one a transaction of ``session`` read: a counter, or the shared counter
    and a tuple of per-school counters (``survey_app.db.school_versions``). Once a newer
    one is made, the same key's other versions are dropped, and so is every result of
    the kind made at an older shared counter.

    ``follow(kept, since)`` (per-school versions only): the result at ``version`` made from
    the one kept for the same key at ``since`` (the same shared counter, older school
    counters: survey saves at those schools since), or None to ``make()`` it after all.
    Cheaper than ``make()`` when few things changed; it must not change ``kept``.
    """
    full = (*key, version)
    base = None
    with _lock:
        cache = _kept.setdefault(session.get_bind().pool, {}).setdefault(kind, OrderedDict())
        if full in cache:
            cache.move_to_end(full)
            return cache[full]
        if follow is not None and isinstance(version, tuple):
            for k, value in reversed(cache.items()):
                if k[:-1] == key and _behind(k[-1], version):
                    base = (value, k[-1])
                    break
    made = follow(*base) if base is not None else None
    if made is None:
        made = make()
    with _lock:
        cache[full] = made
        shared = _shared(version)
        for old in [k for k in cache
                    if _shared(k[-1]) < shared or (k[:-1] == key and k[-1] != version)]:
            del cache[old]
        while len(cache) > limit:
            cache.popitem(last=False)
    return made


def _behind(kept, version) -> bool:
    """``kept`` is ``version``'s shared counter with school counters none newer."""
    return (isinstance(kept, tuple) and kept[0] == version[0] and len(kept[1]) == len(version[1])
            and all(k <= v for k, v in zip(kept[1], version[1], strict=True)))


def _shared(version) -> int:
    return version[0] if isinstance(version, tuple) else version


def _keys(session: Session) -> list[tuple]:
    """The keys kept for this database, each ending with its version (tests, diagnostics)."""
    with _lock:
        kinds = _kept.get(session.get_bind().pool, {})
        return [k for cache in kinds.values() for k in cache]


@dataclass
class SchoolState:
    """One school set's tables (flag waves) and their evaluation; ``extras`` memoises more.

    ``carried``: results that read nothing a survey save writes (the student directory,
    logged contacts), handed on to the state a survey save's update makes from this one
    (:func:`state`), where ``extras`` start again; ``by_students``: results that read some
    students' rows only (a page's flags), handed on while the saves change none of them.
    """

    version: object  # the counters it was loaded at (-1: this transaction's own writes)
    tables: Tables
    evaluation: Evaluation
    people: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)
    carried: dict = field(default_factory=dict)
    by_students: dict = field(default_factory=dict)  # key -> (student ids, result)
    #: Updated from a kept state by survey saves: that state's ``extras`` and the students
    #: whose rows changed since (:meth:`earlier`); None after a full load.
    before: tuple[dict, frozenset] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)  # memos nest

    def earlier(self, key) -> tuple[Any, frozenset] | None:
        """The result of :meth:`memo` ``key`` on the state this one was updated from, and the
        students whose rows changed between them (to remake only what they touch), or None."""
        if self.before is None or key not in self.before[0]:
            return None
        return self.before[0][key], self.before[1]

    def memo(self, key, make, *, survives_saves: bool = False, students=None):
        """``make()`` once per state (per ``key``), shared by later requests.

        ``survives_saves``: ``make()`` reads nothing a survey save writes, so the result
        is kept through survey saves at these schools (``carried``); any other write
        makes it again with the state. ``students``: ``make()`` reads these students' rows
        and nothing else a survey save writes, so it is kept through the saves that
        change none of them.
        """
        if students is not None:
            with self.lock:
                if key not in self.by_students:
                    if len(self.by_students) >= MAX_EXTRAS:
                        self.by_students.clear()
                    self.by_students[key] = (frozenset(students), make())
                return self.by_students[key][1]
        kept = self.carried if survives_saves else self.extras
        with self.lock:
            if key not in kept:
                if len(kept) >= MAX_EXTRAS:  # e.g. many distinct pages: start again
                    kept.clear()
                kept[key] = make()
            return kept[key]


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


def state(*, session: Session, ctx: loader.Context, school_ids) -> SchoolState:
    """The schools' tables and evaluation at the database's current data version.

    After survey saves at these schools (and nothing else) the state kept at their
    older counters is brought up to date by reloading the students those saves changed
    (:func:`survey_app.reading.incremental.follow`), not the whole school; anything else
    (a follow-up, a mark, an import) loads the schools in full.
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
                      follow=lambda kept, since: _follow(session, ctx, school_ids, kept,
                                                         since, version))


def _follow(session: Session, ctx: loader.Context, school_ids, kept: SchoolState, since,
            version) -> SchoolState | None:
    made = incremental.follow(session, ctx, school_ids, kept.tables, since, version)
    if made is None:
        return None
    tables, evaluation, changed = made
    with kept.lock:
        carried = dict(kept.carried)
        by_students = {k: v for k, v in kept.by_students.items() if v[0].isdisjoint(changed)}
        before = (dict(kept.extras), frozenset(changed))  # not kept.before: no chain of states
    return SchoolState(version=version, tables=tables, evaluation=evaluation, carried=carried,
                       by_students=by_students, before=before)


def memo(session: Session, key: tuple, make, *, school_ids=None, student=None):
    """``make()`` once per version of ``school_ids`` (every school whose data the result
    reads) for ``key`` (a result that needs no school state).

    ``student`` instead of ``school_ids``: a result that reads that student's own answers
    and their household's and nothing else any survey save writes (a profile): made once
    per version of the student's and household's counters
    (:func:`survey_app.db.respondent_versions`), so classmates' saves leave it warm.

    Each kind of result (``key[0]``: school maps, profiles…) keeps its last
    ``MAX_MEMOS``, so many profiles never push a school's map out.
    """
    if has_unsaved_writes(session):
        session.flush()
        return make()
    version = (_respondent_version(session, student) if student is not None
               else _version(session, school_ids))
    return at_version(session, key[0], ("memo", *key), version, make, limit=MAX_MEMOS)


def _respondent_version(session: Session, student) -> tuple[int, tuple[int, int]]:
    """:func:`survey_app.db.respondent_versions` of ``student`` (a Student), read once per
    transaction of ``session`` (beside the school sets of :func:`_version`)."""
    ids = ("respondent", int(student.id), student.household_id)
    seen = session.info.get(_SEEN)
    if seen is not None and seen[0] is session.get_transaction() and ids in seen[1]:
        return seen[1][ids]
    version = respondent_versions(session, student.id, student.household_id)
    if seen is None or seen[0] is not session.get_transaction():
        seen = (session.get_transaction(), {})
        session.info[_SEEN] = seen
    seen[1][ids] = version
    return version


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
