"""The counselor's caseload: students to connect with, their reasons and strengths.

One evaluation per request over the schools asked for (tables loaded by
:mod:`survey_app.reading.loader`); sentences are made only for the rows
shown (or for every row when an export asks for them).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from relationships import Evaluation, evaluate, flag_matrix
from relationships import tiers as tiering
from survey_app.models import FollowUp, School, Student
from survey_app.models.enums import FollowUpKind, FollowUpStatus
from survey_app.reading import cache, loader
from survey_app.reading.frames import read_frame
from survey_app.services import caseload_people
from survey_app.words import reasons

OPEN = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
PER_PAGE = 50
SORTS = ("priority", "name", "grade", "reliable")
GROUPS = ("english_learner", "econ_disadvantaged", "disability")


@dataclass(frozen=True)
class Filters:
    school_id: int | None = None
    grade: int | None = None
    flag: str | None = None
    group: str | None = None
    has_followup: str | None = None  # "yes" | "no"
    tier: str | None = None  # a tier of relationships.tiers.TIERS; None: every student
    sort: str = "priority"
    page: int = 1

    @property
    def chosen(self) -> bool:
        """Whether the reader chose anything in the filter form (a school, grade, reason,
        group, follow-up or an order of their own): the form then shows open."""
        return (self.grade is not None or any((self.school_id, self.flag, self.group,
                                               self.has_followup))
                or self.sort != SORTS[0])


@dataclass
class CaseloadRow:
    student_id: int
    name: str
    sis_id: str | None
    grade: int
    school_id: int
    school_name: str
    reliable: int
    codes: list[str]
    flags: list = field(default_factory=list)
    help_types: list[str] = field(default_factory=list)
    open_followups: int = 0
    next_due: date | None = None
    overdue: bool = False
    reasons: list[str] = field(default_factory=list)
    strengths: str = ""
    named: str = ""  # "Ms. Reyes (Coach) is sure to help."
    tier: str | None = None
    owner: str | None = None
    last_contact: date | None = None


@dataclass
class Page:
    rows: list[CaseloadRow]
    total: int
    page: int
    pages: int
    no_data: int
    students: int
    tier_counts: dict = field(default_factory=dict)


def _followups(session: Session, school_ids, today: date, students=None) -> pd.DataFrame:
    """Open follow-ups per student of the schools (``students``: of these only)."""
    which = [Student.school_id.in_(list(school_ids)), FollowUp.status.in_(OPEN)]
    if students is not None:
        which.append(FollowUp.student_id.in_(sorted(students)))
    stmt = (select(FollowUp.student_id, func.count().label("open_followups"),
                   func.min(FollowUp.due_on).label("next_due"))
            .join(Student, Student.id == FollowUp.student_id)
            .where(*which)
            .group_by(FollowUp.student_id))
    frame = read_frame(session, stmt)
    helps = read_frame(session,
        select(FollowUp.student_id, FollowUp.help_type)
        .join(Student, Student.id == FollowUp.student_id)
        .where(*which, FollowUp.kind == FollowUpKind.HELP_REQUEST))
    frame["next_due"] = pd.to_datetime(frame["next_due"]).dt.date
    frame["help_types"] = frame["student_id"].map(
        helps.groupby("student_id")["help_type"].agg(list)).apply(
        lambda v: v if isinstance(v, list) else [])
    return frame.set_index("student_id")


@dataclass(frozen=True)
class Caseload:
    """Every caseload row of some schools (no sentences yet) and what they were made from.

    Shared with later requests (see :mod:`survey_app.reading.cache`): copy a row before
    writing into it.
    """

    rows: list[CaseloadRow]  # every flagged or followed-up student
    no_data: int  # students with no survey data
    people: pd.DataFrame  # the schools' student directory (:func:`loader.student_directory`)
    school: cache.SchoolState  # the cached tables and evaluation the rows were made from


def collect(*, session: Session, ctx: loader.Context, school_ids, today: date) -> Caseload:
    """Every caseload row of ``school_ids`` and the count of students with no data."""
    school = cache.state(session=session, ctx=ctx, school_ids=school_ids)
    key = ("caseload_rows", today, ctx.tiers)
    rows, no_data, people = school.memo(
        key, lambda: _rows(session, ctx, school_ids, today, school, key))
    return Caseload(rows=rows, no_data=no_data, people=people, school=school)


def _rows(session: Session, ctx: loader.Context, school_ids, today: date,
          school: cache.SchoolState, key):
    """The rows (memo ``key`` of ``school``), made again after every survey save at these
    schools: its flags, and the help a family asked for, which opens a follow-up.

    After survey saves only (the state updated from a kept one, :meth:`cache.SchoolState.
    earlier`), the kept rows stand for every student whose flags and reliable count came
    out the same and whom the saves did not change (their follow-ups, owners and contacts
    only move with staff writes); the others are made again. The directory and the logged
    contacts, which no survey save writes, are kept through the saves.
    """
    evaluation = school.evaluation
    by_student = _codes(evaluation, ctx)
    people = school.memo(("directory",), lambda: loader.student_directory(
        session=session, school_ids=school_ids), survives_saves=True)
    listed = school.memo(("directory_rows",), lambda: list(  # plain tuples: 8 ms -> 1 ms
        people[list(_LISTED)].itertuples(index=False, name=None)), survives_saves=True)
    reliable = dict(zip(evaluation.measures["student_id"].tolist(),
                        evaluation.measures["reliable"].tolist(), strict=True))
    contacts = school.memo(("last_contacts",), lambda: caseload_people.last_contacts(
        session, school_ids), survives_saves=True)
    earlier = school.earlier(key)
    kept: dict[int, CaseloadRow | None] = {}
    again = None  # every student
    if earlier is not None:
        (old_rows, _no_data, _people), changed = earlier
        old = {r.student_id: r for r in old_rows}
        again = set(changed)
        for sid in old.keys() | by_student.keys():
            row, codes = old.get(sid), by_student.get(sid, [])
            if sid in again:
                continue
            if row is None and not codes:
                continue
            if row is None or row.codes != codes or row.reliable != int(reliable.get(sid, 0)):
                again.add(sid)
        kept = {sid: row for sid, row in old.items() if sid not in again}
    follow_rows = _followups(session, school_ids, today, again).to_dict("index")
    owners = caseload_people.owners(session, school_ids, again)
    rows, tiers = [], {}  # few distinct sets of reasons: each tiered once
    for sid, name, sis_id, grade, school_id, school_name, household in listed:
        if again is not None and sid not in again:
            if kept.get(sid) is not None:
                rows.append(kept[sid])
            continue
        codes = by_student.get(sid, [])
        followup = follow_rows.get(sid)
        if not codes and followup is None:
            continue
        due = (followup["next_due"]
               if followup is not None and not pd.isna(followup["next_due"]) else None)
        helps = list(followup["help_types"]) if followup is not None else []
        reasons_in = codes + (["help_request"] if helps else [])
        rows.append(CaseloadRow(
            student_id=sid, name=name, sis_id=sis_id, grade=grade,
            school_id=school_id, school_name=school_name,
            reliable=int(reliable.get(sid, 0)),
            codes=codes,
            tier=_tier(tiers, reasons_in, ctx.tiers), owner=owners.get(sid),
            last_contact=None if pd.isna(household) else contacts.get(int(household)),
            help_types=helps,
            open_followups=int(followup["open_followups"]) if followup is not None else 0,
            next_due=due, overdue=bool(due and due < today)))
    no_data = sum("no_data" in codes for codes in by_student.values())
    return rows, no_data, people


#: The directory's columns a caseload row shows, in the order :func:`_rows` reads them.
_LISTED = ("student_id", "name", "sis_id", "grade", "school_id", "school_name", "household_id")


def _tier(known: dict, reasons_in: list[str], rules) -> str | None:
    key = tuple(reasons_in)
    if key not in known:
        known[key] = tiering.tier(reasons_in, rules)
    return known[key]


def _codes(evaluation: Evaluation, ctx: loader.Context) -> dict[int, list[str]]:
    """Flag codes per student, from the vectorised flag matrix."""
    matrix = flag_matrix(evaluation.measures, ctx.rules)
    fired = matrix.to_numpy()
    columns = list(matrix.columns)
    ids = evaluation.measures["student_id"].to_numpy()
    return {int(ids[i]): [columns[j] for j in np.flatnonzero(fired[i])]
            for i in np.flatnonzero(fired.any(axis=1))}


def _keep(row: CaseloadRow, f: Filters, groups: dict) -> bool:
    return _keep_but_tier(row, f, groups) and (f.tier is None or row.tier == f.tier)


def _keep_but_tier(row: CaseloadRow, f: Filters, groups: dict) -> bool:
    if f.grade is not None and row.grade != f.grade:
        return False
    if f.flag == "help_request":
        if not row.help_types:
            return False
    elif f.flag and f.flag not in row.codes:
        return False
    if not f.flag and f.tier is None and row.codes == ["no_data"] and not row.open_followups:
        return False  # students with no data are counted apart, listed on request
    if f.group and not groups.get(row.student_id, False):
        return False
    if f.has_followup == "yes" and not row.open_followups:
        return False
    return not (f.has_followup == "no" and row.open_followups)


def _sort_key(sort: str):
    if sort == "name":
        return lambda r: (r.name.casefold(), r.student_id)
    if sort == "grade":
        return lambda r: (r.grade is None, r.grade or 0, r.name.casefold(), r.student_id)
    if sort == "reliable":
        return lambda r: (r.reliable, r.name.casefold(), r.student_id)
    rank = {t: i for i, t in enumerate(tiering.TIERS)}
    return lambda r: (rank.get(r.tier, len(rank)), not r.overdue,
                      -len(r.codes) - len(r.help_types), r.reliable, r.name.casefold(),
                      r.student_id)


def _group_members(people: pd.DataFrame, group: str | None) -> dict:
    if not group:
        return {}
    if group in GROUPS:
        values = loader.bool_array(people[group])
    elif group.startswith("race:"):
        values = (people["race_ethnicity"] == group[5:]).fillna(False).to_numpy(dtype=bool)
    else:
        values = [False] * len(people)
    return dict(zip(people["student_id"].tolist(), list(values), strict=True))


def explain(rows, school: cache.SchoolState, ctx: loader.Context) -> list:
    """Copies of ``rows`` with ``flags``, ``reasons`` and ``strengths`` in the reader's language.

    Flags (with their parameters) are evaluated again for these students only,
    on the school's tables cut down by :func:`loader.restrict` (same flags); the
    flags of a set of rows are kept with the cached school state.
    """
    if not rows:
        return []
    ids = tuple(r.student_id for r in rows)
    tables, evaluation = school.tables, school.evaluation

    def _flags():
        out: dict[int, list] = {}
        sub = loader.restrict(tables, ids)
        for flag in evaluate(sub, ctx.rules, wave=ctx.wave, errors="skip").flags:
            if flag.student_id is not None:
                out.setdefault(int(flag.student_id), []).append(flag)
        return out

    flags = school.memo(("flags", ids), _flags, students=ids)
    names = school.memo("adult_names", lambda: dict(zip(
        tables.adults["adult_id"].tolist(), tables.adults["name"].tolist(), strict=True)))
    strengths = school.memo("strengths", lambda: evaluation.strengths.set_index("student_id"))
    adults = school.memo(("reliable_adults", ids), lambda: caseload_people.reliable_adults(
        tables, ctx.wave, ctx.rules.min_reliability, ids), students=ids)
    out = []
    for shared in rows:
        row = copy.copy(shared)
        row.flags = flags.get(row.student_id, [])
        said: dict[str, list[str]] = {}
        for f in row.flags:
            said.setdefault(f.code, []).append(reasons.sentence(f.code, f.params, names))
        said["help_request"] = [reasons.help_request(h) for h in row.help_types]
        order = tiering.ordered([*row.codes, "help_request"], ctx.tiers)
        row.reasons = [text for code in order for text in said.get(code, [])]
        # The adults the student is sure of, by name (the page); the counts by part of
        # life stay in ``strengths`` (as the flagged export has them).
        row.named = reasons.strength_words(adults.get(row.student_id))
        if row.codes == ["no_data"]:
            row.strengths = str(reasons.UNKNOWN_STRENGTHS)  # not "none in the family, …"
        elif row.student_id in strengths.index:
            row.strengths = reasons.strengths(strengths.loc[row.student_id].to_dict())
        out.append(row)
    return out


def caseload_page(*, session: Session, ctx: loader.Context, school_ids, filters: Filters,
                  today: date, per_page: int = PER_PAGE) -> Page:
    """One page of the caseload, with sentences for the rows shown only."""
    caseload = collect(session=session, ctx=ctx, school_ids=school_ids, today=today)
    rows, people = caseload.rows, caseload.people
    groups = _group_members(people, filters.group)
    counts = dict.fromkeys(tiering.TIERS, 0)
    tiered = replace(filters, tier="any")  # every tier counted, no data included
    for r in rows:
        if r.tier is not None and _keep_but_tier(r, tiered, groups):
            counts[r.tier] += 1
    matching = sorted((r for r in rows if _keep(r, filters, groups)),
                      key=_sort_key(filters.sort))
    pages = max(1, math.ceil(len(matching) / per_page))
    page = min(max(filters.page, 1), pages)
    shown = explain(matching[(page - 1) * per_page: page * per_page], caseload.school, ctx)
    return Page(rows=shown, total=len(matching), page=page, pages=pages, no_data=caseload.no_data,
                students=len(people), tier_counts=counts)


def school_choices(*, session: Session, school_ids) -> list[tuple[int, str]]:
    """(id, name) of the schools, by name."""
    rows = session.exec(select(School.id, School.name).where(School.id.in_(list(school_ids)))
                        .order_by(School.name)).all()
    return [(r.id, r.name) for r in rows]
