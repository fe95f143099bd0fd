"""Each school's flags, stored once worked out (``student_flags``), for exports.

Working out a school's flags means loading every tie, mark and household
condition (:mod:`flag_tables`) and evaluating every rule: seconds for a large
school. What an export needs of them per student is small — the codes, the
parameters of each reason, the names those reasons show, the reliable-adult
counts — so it is stored per school with the flags version and the wave and
rules it was worked out for (:class:`~survey_app.models.FlagSnapshot`).

:func:`school_flags` uses the stored rows while that version is still the
database's: the flags version (row ``FLAGS_VERSION`` of ``data_version``) moves
in the same transaction as any write to a table the flags are worked out from
(:data:`survey_app.db.FLAG_TABLES`, :func:`survey_app.db.track_writes`), and not
with follow-ups, contacts or context data, which exports read live. Otherwise
the school is worked out again. New rows are stored in a short write
transaction of their own, never in the reading one: an export never holds the
write lock while it reads. The rows are a cache: a store that fails loses time,
not data, and they may be deleted at any moment (:func:`forget`).

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): exports:
a school's stored flags inserted in bulk.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from relationships import evaluate, flag_matrix
from survey_app.db import (
    FLAGS_VERSION,
    counter,
    has_unsaved_writes,
    holds_write_lock,
    write_session,
)
from survey_app.models import FlagSnapshot, StudentFlags
from survey_app.models.base import utcnow
from survey_app.reading import flag_tables, loader
from survey_app.words import reasons as reason_words

__all__ = ["NONE", "StoredFlags", "forget", "reasons", "refresh", "school_flags",
           "snapshot_key"]

log = logging.getLogger(__name__)
_STRENGTHS = ("setting_family", "setting_school", "setting_community")


@dataclass(frozen=True, slots=True)
class StoredFlags:
    """What an export needs of one student's flags, as stored."""

    codes: str  # flag codes in report order, space-separated
    reasons: str  # JSON (see :func:`reasons`): equal texts make equal sentences
    reliable: int
    strengths: tuple[int, int, int] | None  # reliable adults: family, school, community


NONE = StoredFlags("", "[]", 0, None)


def reasons(text: str) -> list[tuple[str, dict, dict[int, str]]]:
    """The (code, parameters, names shown) of each reason in a stored ``reasons`` text."""
    return [(r[0], r[1], {int(a): name for a, name in r[2].items()} if len(r) > 2 else {})
            for r in json.loads(text)]


def snapshot_key(ctx: loader.Context) -> str:
    """What stored flags were worked out for: the wave, the waves read and the rules."""
    text = json.dumps([ctx.district_id, ctx.wave, ctx.wave_id, loader.waves_for_flags(ctx),
                       ctx.rules.to_dict()], sort_keys=True)  # not repr: sets vary by process
    return hashlib.sha256(text.encode()).hexdigest()


def school_flags(*, session: Session, ctx: loader.Context,
                 school_id: int) -> dict[int, StoredFlags]:
    """Every active student of ``school_id`` → their flags, stored or worked out now."""
    if has_unsaved_writes(session):  # the counter has not moved for our own writes yet
        session.flush()
        return _work_out(session, ctx, school_id)
    key, version, current = _stamp(session, ctx, school_id)
    if current:
        return _read(session, school_id)
    flags = _work_out(session, ctx, school_id)
    if not holds_write_lock(session):  # else the store would wait on our own lock
        _store(session, school_id, key, version, flags)
    return flags


def refresh(*, session: Session, ctx: loader.Context, school_id: int) -> bool:
    """Work out and store the school's flags unless those stored are current; True if it did.

    ``session`` must not hold the write lock (see :func:`survey_app.db.read_first`).
    """
    key, version, current = _stamp(session, ctx, school_id)
    if current:
        return False
    _store(session, school_id, key, version, _work_out(session, ctx, school_id))
    return True


def _stamp(session: Session, ctx: loader.Context, school_id: int) -> tuple[str, int, bool]:
    """What the school's flags would be stored under now, and whether those stored are."""
    key, version = snapshot_key(ctx), counter(session, FLAGS_VERSION)
    stored = session.execute(select(FlagSnapshot.key, FlagSnapshot.data_version)
                             .where(FlagSnapshot.school_id == school_id)).first()
    return key, version, stored is not None and tuple(stored) == (key, version)


def forget(session: Session, school_ids=None) -> None:
    """Delete stored flags (of ``school_ids``, or all), in ``session``'s transaction."""
    for model in (StudentFlags, FlagSnapshot):
        stmt = delete(model)
        if school_ids is not None:
            stmt = stmt.where(model.school_id.in_(list(school_ids)))
        session.execute(stmt)


def _work_out(session: Session, ctx: loader.Context, school_id: int) -> dict[int, StoredFlags]:
    tables = flag_tables.load_school(session=session, ctx=ctx, school_id=school_id,
                                     waves=loader.waves_for_flags(ctx))
    if tables.students.empty:
        return {}
    evaluation = evaluate(tables, ctx.rules, wave=ctx.wave, errors="skip")
    measures = evaluation.measures
    ids = measures["student_id"].tolist()
    fired = flag_matrix(measures, ctx.rules)
    matrix = fired.to_numpy()
    codes: dict[int, list[str]] = {}
    for j, code in enumerate(fired.columns):  # column by column: each list in column order
        for i in np.flatnonzero(matrix[:, j]).tolist():
            codes.setdefault(ids[i], []).append(code)
    reliable = measures["reliable"].tolist()
    strengths = dict(zip(evaluation.strengths["student_id"].tolist(),
                         zip(*(evaluation.strengths[c].tolist() for c in _STRENGTHS), strict=True),
                         strict=True))
    flags: dict[int, list] = {}
    shown: dict[int, list] = {}
    for flag in evaluation.flags:
        if flag.student_id is not None:
            sid = int(flag.student_id)
            flags.setdefault(sid, []).append((flag.code, flag.params))
            named = reason_words.named_adults(flag.code, flag.params)
            if named:
                shown.setdefault(sid, []).extend(named)
    names = flag_tables.adult_names(session, tables.adults,
                                    {i for adults in shown.values() for i in adults})
    del tables, evaluation, fired, matrix
    out = {}
    for i, sid in enumerate(ids):
        counts = strengths.get(sid)
        out[sid] = StoredFlags(
            codes=" ".join(codes.get(sid, ())),
            reasons=_reasons_text(flags.get(sid, ()), names),
            reliable=int(reliable[i] or 0),
            strengths=None if counts is None else tuple(int(c or 0) for c in counts))
    return out


def _reasons_text(flags, names: dict[int, str]) -> str:
    if not flags:
        return "[]"
    found = []
    for code, params in flags:
        shown = {str(a): names[a] for a in reason_words.named_adults(code, params)
                 if a in names}
        found.append([code, params, shown] if shown else [code, params])
    return json.dumps(found, separators=(",", ":"))


def _read(session: Session, school_id: int) -> dict[int, StoredFlags]:
    stmt = select(StudentFlags.student_id, StudentFlags.codes, StudentFlags.reasons,
                  StudentFlags.reliable, StudentFlags.family, StudentFlags.school,
                  StudentFlags.community).where(StudentFlags.school_id == school_id)
    _names, rows = flag_tables.fetch_rows(session, stmt)
    return {sid: StoredFlags(codes, text, reliable,
                             None if family is None else (family, school, community))
            for sid, codes, text, reliable, family, school, community in rows}


def _row(school_id: int, sid: int, flags: StoredFlags) -> dict:
    family, school, community = flags.strengths or (None, None, None)
    return {"school_id": school_id, "student_id": sid, "codes": flags.codes,
            "reasons": flags.reasons, "reliable": flags.reliable, "family": family,
            "school": school, "community": community}


def _store(session: Session, school_id: int, key: str, version: int,
           flags: dict[int, StoredFlags]) -> None:
    """Replace the school's stored flags, unless newer ones were stored meanwhile."""
    rows = [_row(school_id, sid, f) for sid, f in flags.items()]
    try:
        with write_session(session) as writer:
            newer = writer.execute(select(FlagSnapshot.data_version)
                                   .where(FlagSnapshot.school_id == school_id,
                                          FlagSnapshot.data_version > version)).first()
            if newer is not None:
                return
            forget(writer, [school_id])
            conn, table = writer.connection(), StudentFlags.__table__  # Core: no ORM bulk work
            for start in range(0, len(rows), _CHUNK):
                conn.execute(insert(table), rows[start:start + _CHUNK])
            writer.execute(insert(FlagSnapshot), [{
                "school_id": school_id, "key": key, "data_version": version,
                "computed_at": utcnow()}])
            writer.commit()
    except SQLAlchemyError:  # e.g. two exports storing the same school at once
        log.warning("flags of school %s not stored", school_id, exc_info=True)


_CHUNK = 10_000
