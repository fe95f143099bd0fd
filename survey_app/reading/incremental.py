"""A school's cached tables follow its survey saves by reloading only who answered.

Why: while a survey window is open a large school gets several saves a second, and
each moves the school's counter (:func:`survey_app.db.declare_schools`). Loading the
whole school again for each (~250 ms for 3,000 students on an idle machine, far more
on a busy one) would keep every counselor page cold. A declared save logs whose answers
it changed (``respondent_change``, written in the same transaction as its counter bump,
numbered by the school's new counter: :mod:`survey_app.db.versions`), so the tables kept
at counter ``k`` become the tables at ``n`` by reloading the rows of those students
only (a few indexed queries), putting them in place of their old rows in a copy of the
kept tables, and evaluating again (~20 ms): :func:`follow`.

Anything it cannot vouch for returns None and the caller loads the school in full: the
shared counter moved (a staff write, an import: anything undeclared), a log row is
missing (pruned, or a counter moved by something that logs nothing), a save named
nobody, or more than :data:`MAX_STUDENTS` students changed. Nothing kept is ever changed in place: other requests may be
reading it.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from relationships import Evaluation, Tables, evaluate
from survey_app.models import RespondentChange
from survey_app.reading import loader
from survey_app.reading.frames import typed

#: More changed students than this (households counted as their students at these
#: schools) and a full load is as quick: the partial loaders stop filtering by id.
MAX_STUDENTS = 200
#: The per-student tables a survey save writes, and the columns their rows are kept in
#: order by (as a full load).
_ANSWERED = {"students": ["student_id"], "ties": ["tie_id"], "conditions": ["student_id", "wave"]}


def changed_students(session: Session, school_ids, since: tuple[int, ...],
                     now: tuple[int, ...], students: pd.DataFrame) -> set[int] | None:
    """The students of ``school_ids`` whose survey data changed between the schools'
    counters ``since`` and ``now`` (both sorted by school id, as
    :func:`survey_app.db.school_versions` gives them), or None when the log cannot say.

    ``students``: the kept students table, to find the households' students.
    """
    ids = sorted({int(s) for s in school_ids})
    if len(since) != len(ids) or len(now) != len(ids) or any(
            b > a for b, a in zip(since, now, strict=True)):
        return None
    moved = [(s, b, a) for s, b, a in zip(ids, since, now, strict=True) if a > b]
    if not moved:
        return set()
    rc = RespondentChange
    rows = session.execute(select(rc.school_id, rc.n, rc.student_id, rc.household_id).where(
        or_(*[and_(rc.school_id == s, rc.n > b, rc.n <= a) for s, b, a in moved]))).all()
    seen: dict[int, set[int]] = {}
    changed, households = set(), set()
    for school, n, student, household in rows:
        if student is None and household is None:
            return None  # a save that named nobody
        seen.setdefault(int(school), set()).add(int(n))
        if student is not None:
            changed.add(int(student))
        if household is not None:
            households.add(int(household))
    if any(len(seen.get(s, ())) != a - b for s, b, a in moved):
        return None  # pruned, or moved by a write that logged nothing
    if households:
        siblings = students.loc[students["household_id"].isin(households), "student_id"]
        changed |= {int(s) for s in siblings}
    return changed if len(changed) <= MAX_STUDENTS else None


def follow(session: Session, ctx: loader.Context, school_ids, tables: Tables,
           since, version) -> tuple[Tables, Evaluation, set[int]] | None:
    """The schools' tables and evaluation at ``version``, from ``tables`` kept at ``since``
    (versions as :func:`survey_app.db.school_versions` gives them), and the students whose
    rows changed; or None: load in full."""
    if since[0] != version[0]:
        return None
    changed = changed_students(session, school_ids, since[1], version[1], tables.students)
    if changed is None:
        return None
    if changed:
        fresh = loader.load_student_answers(session=session, ctx=ctx, school_ids=school_ids,
                                            student_ids=sorted(changed),
                                            waves=loader.waves_for_flags(ctx))
        tables = splice(tables, fresh, changed)
    return (tables, evaluate(tables, ctx.rules, wave=ctx.wave, errors="skip", student_ids=()),
            changed)


def splice(kept: Tables, fresh: Tables, changed) -> Tables:
    """A copy of ``kept`` with the ``changed`` students' rows of the tables a survey save
    writes (students, ties, conditions) replaced by ``fresh``'s (their reload by
    :func:`survey_app.reading.loader.load_student_answers`: a student absent from it has
    left these schools' tables). Staff marks and teaching stay as kept.

    Adults: the fresh rows (the adults the students name, and the schools' staff, whose
    adult row a save may have made) and the kept rows of everyone else.
    """
    changed = list(changed)
    out = {}
    for name, order in _ANSWERED.items():
        old, new = getattr(kept, name), getattr(fresh, name)
        rest = old.loc[~old["student_id"].isin(changed)]
        if len(new):  # documented dtypes, fixed categories: the concatenation keeps them
            rest = pd.concat([rest, typed(name, new)], ignore_index=True).sort_values(
                order, kind="stable")
        out[name] = rest.reset_index(drop=True)
    adults = kept.adults
    if len(fresh.adults):
        new = typed("adults", fresh.adults)
        staff = new["staff_id"].dropna()
        rest = adults.loc[~adults["adult_id"].isin(new["adult_id"])
                          & ~adults["staff_id"].isin(staff).fillna(False).astype(bool)]
        adults = pd.concat([rest, new], ignore_index=True)
    return kept.replace(adults=adults, **out)
