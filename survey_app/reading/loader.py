"""Database rows → the plain tables of :mod:`relationships` (the one seam).

Everything is loaded with set-based SQL (SQLAlchemy selects whose driver rows
become DataFrames, see :func:`read_frame`): a handful of queries per call,
none per student or per tie. Nothing
is cached between requests — flags must follow every new answer and mark at
once — so a caller that needs the tables twice in one request passes them on.

Conventions (see ``ITEMS.md`` and :mod:`relationships.input_tables`):

- waves are the district's ``SurveyWave.ordinal`` (1, 2, …); the *current*
  wave is the latest that has opened;
- an adult merged into another by a counselor (``Adult.merged_into_id``) is
  counted as that other adult;
- every staff member of the loaded schools is an adult (``staff_id`` set),
  whether or not anyone named them: staff marks and teaching rosters refer to
  them, and so do mentor suggestions. Staff without an ``Adult`` row get the
  stand-in id ``-staff_id``;
- the SQL → DataFrame reading is :mod:`survey_app.reading.frames`; adults and ties
  (merges, staff, the surest of duplicate ties) are :mod:`survey_app.reading.adult_ties`;
- household conditions per student and wave (decoded when answers are saved, see
  :mod:`survey_app.models.conditions`): the student's own answers win, the
  family's answers fill the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, or_, select, union
from sqlmodel import Session

from relationships import FlagRules, Tables
from relationships.input_tables import empty_frame
from relationships.tiers import TierRules
from survey_app.models import (
    DistrictSettings,
    Invitation,
    School,
    SectionStudent,
    SectionTeacher,
    StaffMark,
    Student,
    SurveyWave,
)
from survey_app.models.enums import Consent, InvitationStatus, SurveyKind
from survey_app.reading.adult_ties import (
    combine_adults,
    load_ties,
    named_adults,
    staff_adults,
)
from survey_app.reading.frames import read_frame, typed
from survey_app.reading.households import household_conditions
from survey_app.services.settings import DEFAULT_MIN_N, flag_rules, tier_rules

#: Stand-in student id that carries the school's mapping participation (see ``load_neighbourhood``).
STAND_IN = -1
#: Up to this many students, loaders filter the other tables by their ids too.
_FEW = 50


@dataclass(frozen=True)
class Context:
    """What every loader needs about the district: its current wave and rules."""

    district_id: int
    wave: int  # ordinal of the current wave (1 when none has opened)
    wave_id: int | None
    rules: FlagRules
    min_n: int
    tiers: TierRules = field(default_factory=TierRules)  # how the caseload is ordered


def context(*, session: Session, district_id: int, today: date | None = None,
            wave_id: int | None = None) -> Context:
    """Return the district's current wave (or the wave ``wave_id`` of the district, as an
    export asks), flag rules and smallest group shown."""
    today = today or date.today()
    chosen = (SurveyWave.id == wave_id if wave_id is not None
              else or_(SurveyWave.opens_on.is_(None), SurveyWave.opens_on <= today))
    wave = session.exec(
        select(SurveyWave.id, SurveyWave.ordinal)
        .where(SurveyWave.district_id == district_id, chosen)
        .order_by(SurveyWave.ordinal.desc()).limit(1)
    ).first()
    settings = session.exec(
        select(DistrictSettings).where(DistrictSettings.district_id == district_id)
    ).scalars().first()
    rules = flag_rules(settings) if settings else FlagRules()
    tiers = tier_rules(settings) if settings else TierRules()
    return Context(district_id=district_id, wave=wave.ordinal if wave else 1,
                   wave_id=wave.id if wave else None, rules=rules,
                   min_n=settings.min_n if settings else DEFAULT_MIN_N, tiers=tiers)


# --- students ---------------------------------------------------------------------------

def _student_filter(school_ids, student_ids):
    cond = [Student.active.is_(True), Student.deleted_at.is_(None)]
    if school_ids is not None:
        cond.append(Student.school_id.in_(list(school_ids)))
    if student_ids is not None:
        cond.append(Student.id.in_(list(student_ids)))
    return and_(*cond)


def _students(session, where, ctx: Context) -> pd.DataFrame:
    stmt = select(
        Student.id.label("student_id"), Student.school_id, Student.grade,
        Student.household_id,
        func.coalesce(Student.home_language, Student.preferred_language).label("language"),
        Student.race_ethnicity, Student.gender, Student.english_learner,
        Student.econ_disadvantaged, Student.disability, Student.consent,
    ).where(where).order_by(Student.id)
    frame = read_frame(session, stmt)
    students = frame["student_id"].tolist() if len(frame) <= _FEW else None
    households = frame["household_id"].dropna().astype(int).tolist() if students else None
    return with_answered(session, ctx, frame, students=students, households=households)


def with_answered(session, ctx: Context, frame: pd.DataFrame, *, students=None,
                  households=None) -> pd.DataFrame:
    """``frame`` (``student_id``, ``household_id``, ``consent``) with who sent a survey back.

    Adds ``responded_student``/``responded_family`` (this wave),
    ``previous_student``/``previous_family`` (the wave before) and
    ``opted_out``; drops ``consent``. Only a *submitted* survey counts: one
    started and not sent is not data yet (the one rule for started responses,
    see :mod:`relationships.input_tables`). ``students``/``households``: the ids to
    ask about when they are few (otherwise every answered invitation of the
    waves is read, two small set queries instead of a correlated EXISTS per row).
    """
    waves = dict(session.execute(select(SurveyWave.id, SurveyWave.ordinal).where(
        SurveyWave.district_id == ctx.district_id,
        SurveyWave.ordinal.in_([ctx.wave, ctx.wave - 1]))).all())
    answered = select(Invitation.kind, Invitation.student_id, Invitation.household_id,
                      Invitation.wave_id).where(
        Invitation.wave_id.in_(list(waves)), Invitation.status == InvitationStatus.SUBMITTED)
    if students is not None:  # two indexed lookups (one OR would scan the wave's invitations)
        answered = union(answered.where(Invitation.student_id.in_(students)),
                         answered.where(Invitation.household_id.in_(households or [])))
    else:
        answered = answered.distinct()
    answered = read_frame(session, answered)
    ordinal = answered["wave_id"].map(waves)
    for when, wave in (("responded", ctx.wave), ("previous", ctx.wave - 1)):
        sent = answered.loc[ordinal == wave]
        own = set(sent.loc[sent["kind"] == SurveyKind.STUDENT, "student_id"].dropna())
        fam = set(sent.loc[sent["kind"] == SurveyKind.FAMILY, "household_id"].dropna())
        frame[f"{when}_student"] = frame["student_id"].isin(own).to_numpy(bool)
        frame[f"{when}_family"] = frame["household_id"].isin(fam).to_numpy(
            dtype=bool, na_value=False)
    frame["opted_out"] = (frame.pop("consent") == Consent.OPTED_OUT).to_numpy(bool)
    return frame


# --- marks, teaching, conditions -----------------------------------------------------------

def _marks(session, where, waves) -> pd.DataFrame:
    stmt = (select(StaffMark.staff_id, StaffMark.student_id, SurveyWave.ordinal.label("wave"),
                   StaffMark.trusting, StaffMark.may_benefit, StaffMark.willing_mentor)
            .join(SurveyWave, SurveyWave.id == StaffMark.wave_id)
            .join(Student, Student.id == StaffMark.student_id)
            .where(where))
    if waves is not None:
        stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
    return read_frame(session, stmt)


def _teaching(session, where) -> pd.DataFrame:
    stmt = (select(SectionTeacher.staff_id, SectionStudent.student_id)
            .join(SectionStudent, SectionStudent.section_id == SectionTeacher.section_id)
            .join(Student, Student.id == SectionStudent.student_id)
            .where(where).distinct())
    return read_frame(session, stmt)


# --- public loaders -----------------------------------------------------------------------------

def load_school_tables(*, session: Session, ctx: Context, school_ids, waves=None) -> Tables:
    """Tables for every active student of ``school_ids`` (ties of ``waves``, default all)."""
    return _load(session, ctx, school_ids=list(school_ids), student_ids=None, waves=waves)


def load_student_answers(*, session: Session, ctx: Context, school_ids, student_ids,
                         waves=None) -> Tables:
    """What a survey save can change of the ``student_ids`` of ``school_ids``, as a
    whole-school load holds it: the students (who answered), their ties, the adults they
    name, their household conditions, and the schools' staff (naming a staff member may
    make the staff member's adult row). No staff marks or teaching (no survey writes them).
    What a cached school puts in place of those students' rows
    (:mod:`survey_app.reading.incremental`)."""
    return _load(session, ctx, school_ids=list(school_ids), student_ids=list(student_ids),
                 waves=waves, answers_only=True)


def load_school_staff_ties(*, session: Session, ctx: Context, school_ids, waves) -> Tables:
    """Like :func:`load_school_tables`, but only ties to school staff and no household
    conditions: all that :func:`relationships.sole_anchors` reads, at a fraction of the cost."""
    return _load(session, ctx, school_ids=list(school_ids), student_ids=None, waves=waves,
                 staff_only=True)


def load_neighbourhood(*, session: Session, ctx: Context, student_id: int,
                       marking: pd.DataFrame | None = None) -> Tables:
    """Tables for one student and the adults around them, every wave.

    Two school-level facts decide staff-view flags: whether the school's staff
    mapped this wave, and which staff took part. So that the student's flags
    here equal their flags in the school's caseload, a stand-in student
    (``STAND_IN``) of the same school carries one mark per participating
    staff member and wave; its own flags mean nothing and are never shown.
    ``marking``: the school's :func:`staff_marking`, when the caller keeps it
    (it reads every mark of the school; the student's own are taken out here).
    """
    tables = _load(session, ctx, school_ids=None, student_ids=[student_id], waves=None)
    if tables.students.empty:
        return tables
    if marking is None:
        marking = staff_marking(session=session,
                                school_id=int(tables.students["school_id"].iloc[0]))
    own = tables.staff_marks.assign(n=1, n_trusting=tables.staff_marks["trusting"].astype(int))
    own = own.groupby(["staff_id", "wave"])[["n", "n_trusting"]].sum()
    others = marking.set_index(["staff_id", "wave"])[["n", "n_trusting"]]
    others = others.sub(own.reindex(others.index, fill_value=0)).reset_index()
    taking_part = others.loc[others["n"] > 0].assign(trusting=others["n_trusting"] > 0)
    taking_part = taking_part.loc[taking_part["staff_id"].isin(tables.adults["staff_id"]),
                                  ["staff_id", "wave", "trusting"]]
    return _with_stand_in(tables, taking_part)


def staff_marking(*, session: Session, school_id: int) -> pd.DataFrame:
    """Marks on the school's students per staff member and wave: ``staff_id, wave, n,
    n_trusting`` (which staff mapped; see :func:`load_neighbourhood`)."""
    stmt = (select(StaffMark.staff_id, SurveyWave.ordinal.label("wave"),
                   func.count().label("n"),
                   func.sum(case((StaffMark.trusting, 1), else_=0)).label("n_trusting"))
            .join(Student, Student.id == StaffMark.student_id)
            .join(SurveyWave, SurveyWave.id == StaffMark.wave_id)
            .where(Student.school_id == school_id)
            .group_by(StaffMark.staff_id, SurveyWave.ordinal))
    frame = read_frame(session, stmt)
    if frame.empty:
        return pd.DataFrame({"staff_id": pd.Series(dtype="int64"),
                             "wave": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64"),
                             "n_trusting": pd.Series(dtype="int64")})
    return frame.astype("int64")


def student_where(student_id: int):
    """The filter of one student, for :func:`survey_app.reading.households.condition_answers`."""
    return _student_filter(None, [student_id])


def restrict(tables: Tables, student_ids) -> Tables:
    """The school's tables cut down to ``student_ids``, flags unchanged (in memory).

    Like :func:`load_neighbourhood`, a stand-in student carries which staff
    mapped in each wave, so staff-view flags stay those of the whole school.
    """
    ids = set(student_ids)
    shown = tables.students
    keep = shown["student_id"].isin(ids)
    marks = tables.staff_marks
    others = marks.loc[~marks["student_id"].isin(ids)]
    taking_part = others.groupby(["staff_id", "wave"], as_index=False)["trusting"].any()
    sub = Tables(
        students=shown.loc[keep].reset_index(drop=True),
        adults=tables.adults,
        ties=tables.ties.loc[tables.ties["student_id"].isin(ids)].reset_index(drop=True),
        staff_marks=marks.loc[marks["student_id"].isin(ids)].reset_index(drop=True),
        conditions=tables.conditions.loc[tables.conditions["student_id"].isin(ids)],
        teaching=tables.teaching.loc[tables.teaching["student_id"].isin(ids)])
    return _with_stand_in(sub, taking_part)


def _with_stand_in(tables: Tables, taking_part: pd.DataFrame) -> Tables:
    if taking_part.empty or tables.students.empty:
        return tables
    stand_in = tables.students.iloc[[0]].assign(
        student_id=STAND_IN, responded_student=False, responded_family=False,
        previous_student=False, previous_family=False, opted_out=False)
    marks = taking_part.assign(student_id=STAND_IN, trusting=taking_part["trusting"] > 0,
                               may_benefit=False, willing_mentor=False)
    return tables.replace(
        students=pd.concat([tables.students, typed("students", stand_in)], ignore_index=True),
        staff_marks=pd.concat([tables.staff_marks, typed("staff_marks", marks)],
                              ignore_index=True))


def _load(session, ctx, *, school_ids, student_ids, waves, staff_only=False,
          answers_only=False) -> Tables:
    where = _student_filter(school_ids, student_ids)
    students = _students(session, where, ctx)
    if students.empty:
        return Tables(empty_frame("students"), empty_frame("adults"), empty_frame("ties"))
    ties = load_ties(session, where, waves, staff_only)
    if answers_only:
        marks, teaching = empty_frame("staff_marks"), empty_frame("teaching")
    else:
        marks, teaching = _marks(session, where, waves), _teaching(session, where)
    extra = set(marks["staff_id"].tolist()) | set(teaching["staff_id"].tolist())
    staff = staff_adults(session, students["school_id"].unique().tolist(), extra)
    extra -= set(staff["staff_id"].tolist())
    if extra:
        staff = staff_adults(session, students["school_id"].unique().tolist(), extra)
    adults, ties = combine_adults(named_adults(session, where, staff_only), staff,
                           ties if len(ties) else empty_frame("ties"))
    return Tables(
        students=typed("students", students),
        adults=typed("adults", adults),
        ties=typed("ties", ties),
        staff_marks=typed("staff_marks", marks),
        conditions=empty_frame("conditions") if staff_only else household_conditions(session, where, waves),
        teaching=typed("teaching", teaching),
    )


def waves_for_flags(ctx: Context) -> tuple[int, ...]:
    """The waves the flags read: the current one and the one before (``lost_adults``)."""
    return tuple(w for w in (ctx.wave - 1, ctx.wave) if w >= 1)


def student_directory(*, session: Session, school_ids=None, student_ids=None) -> pd.DataFrame:
    """Names and identifiers to show beside the tables (never passed to relationships)."""
    stmt = (select(Student.id.label("student_id"), Student.given_name, Student.family_name,
                   Student.preferred_name, Student.sis_id, Student.grade, Student.school_id,
                   School.name.label("school_name"), Student.household_id,
                   Student.english_learner, Student.econ_disadvantaged, Student.disability,
                   Student.race_ethnicity)
            .join(School, School.id == Student.school_id)
            .where(_student_filter(school_ids, student_ids)))
    frame = read_frame(session, stmt)
    first = frame["preferred_name"].where(frame["preferred_name"].notna(), frame["given_name"])
    frame["name"] = (first.fillna("") + " " + frame["family_name"].fillna("")).str.strip()
    return frame


def bool_array(values) -> np.ndarray:
    """NA-safe boolean array."""
    return pd.Series(values).astype("boolean").fillna(False).to_numpy(dtype=bool)
