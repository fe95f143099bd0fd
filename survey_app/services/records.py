"""Database rows → the plain tables of :mod:`relationships` (the one seam).

Everything is loaded with set-based SQL (``pandas.read_sql`` over SQLAlchemy
selects): a handful of queries per call, none per student or per tie. Nothing
is cached between requests — flags must follow every new answer and mark at
once — so a caller that needs the tables twice in one request passes them on.

Conventions (see ``ITEMS.md`` and :mod:`relationships.records`):

- waves are the district's ``SurveyWave.ordinal`` (1, 2, …); the *current*
  wave is the latest that has opened;
- an adult merged into another by a counselor (``Adult.merged_into_id``) is
  counted as that other adult;
- every staff member of the loaded schools is an adult (``staff_id`` set),
  whether or not anyone named them: staff marks and teaching rosters refer to
  them, and so do mentor suggestions. Staff without an ``Adult`` row get the
  stand-in id ``-staff_id``;
- household conditions per student and wave: the student's own answers win,
  the family's answers fill the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlmodel import Session

from relationships import FlagRules, Tables
from relationships.records import COLUMNS, SUPPORT_TYPES, empty_frame
from survey_app.models import (
    Adult,
    Answer,
    DistrictSettings,
    Invitation,
    Response,
    School,
    SectionStudent,
    SectionTeacher,
    StaffMark,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
)
from survey_app.models.enums import InvitationStatus, Role, SurveyKind

CONDITION_ITEMS = ("home.internet", "home.devices", "home.quiet_place", "home.adult_after_school")
_DEVICES = {"device_own": "own_computer", "device_shared": "shared_computer",
            "device_phone": "phone", "device_none": "nothing"}
#: Stand-in student id that carries the school's mapping participation (see ``load_neighbourhood``).
STAND_IN = -1


@dataclass(frozen=True)
class Context:
    """What every loader needs about the district: its current wave and rules."""

    district_id: int
    wave: int  # ordinal of the current wave (1 when none has opened)
    wave_id: int | None
    rules: FlagRules
    min_n: int


def context(*, session: Session, district_id: int, today: date | None = None) -> Context:
    """Return the district's current wave, flag rules and smallest group shown."""
    today = today or date.today()
    wave = session.exec(
        select(SurveyWave.id, SurveyWave.ordinal)
        .where(SurveyWave.district_id == district_id,
               or_(SurveyWave.opens_on.is_(None), SurveyWave.opens_on <= today))
        .order_by(SurveyWave.ordinal.desc()).limit(1)
    ).first()
    settings = session.exec(
        select(DistrictSettings).where(DistrictSettings.district_id == district_id)
    ).scalars().first()
    rules = FlagRules.from_dict(settings.flag_rules or {}) if settings else FlagRules()
    return Context(district_id=district_id, wave=wave.ordinal if wave else 1,
                   wave_id=wave.id if wave else None, rules=rules,
                   min_n=settings.min_n if settings else 10)


def _frame(session: Session, stmt) -> pd.DataFrame:
    return pd.read_sql(stmt, session.connection())


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Cast ``frame`` to the documented columns of ``table`` (in their order)."""
    if frame.empty:
        return empty_frame(table)
    out = {}
    for column, dtype in COLUMNS[table].items():
        values = frame[column]
        if dtype == "object":
            out[column] = values.astype(object)
        elif dtype in ("bool",):
            out[column] = values.fillna(False).astype(bool)
        elif dtype == "boolean":
            out[column] = values.astype(object).where(values.notna(), pd.NA).astype("boolean")
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out)


# --- students ---------------------------------------------------------------------------

def _student_filter(school_ids, student_ids):
    cond = [Student.active.is_(True), Student.deleted_at.is_(None)]
    if school_ids is not None:
        cond.append(Student.school_id.in_(list(school_ids)))
    if student_ids is not None:
        cond.append(Student.id.in_(list(student_ids)))
    return and_(*cond)


def _students(session, where, ctx: Context) -> pd.DataFrame:
    submitted = Invitation.status == InvitationStatus.SUBMITTED
    by_student = exists().where(Invitation.student_id == Student.id,
                                Invitation.wave_id == ctx.wave_id, submitted,
                                Invitation.kind == SurveyKind.STUDENT)
    by_family = exists().where(Invitation.household_id == Student.household_id,
                               Invitation.wave_id == ctx.wave_id, submitted,
                               Invitation.kind == SurveyKind.FAMILY)
    stmt = select(
        Student.id.label("student_id"), Student.school_id, Student.grade,
        Student.household_id,
        func.coalesce(Student.home_language, Student.preferred_language).label("language"),
        Student.race_ethnicity, Student.gender, Student.english_learner,
        Student.econ_disadvantaged, Student.disability,
        by_student.label("responded_student"), by_family.label("responded_family"),
    ).where(where).order_by(Student.id)
    return _frame(session, stmt)


# --- adults and ties ----------------------------------------------------------------------

def _effective_adult():
    return func.coalesce(Adult.merged_into_id, Adult.id)


def _ties(session, student_ids_sql, waves) -> pd.DataFrame:
    stmt = (
        select(SupportTie.id.label("tie_id"), SupportTie.student_id,
               _effective_adult().label("adult_id"), SupportTie.source,
               SurveyWave.ordinal.label("wave"),
               *[getattr(SupportTie, t) for t in SUPPORT_TYPES],
               SupportTie.frequency, SupportTie.reliability, SupportTie.setting,
               SupportTie.lives_with)
        .join(Adult, Adult.id == SupportTie.adult_id)
        .join(SurveyWave, SurveyWave.id == SupportTie.wave_id)
        .where(SupportTie.student_id.in_(student_ids_sql))
    )
    if waves is not None:
        stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
    frame = _frame(session, stmt)
    if frame.empty:
        return frame
    # Two merged adults named by the same source in one wave are one tie: keep the surest.
    frame = frame.sort_values(["reliability", "tie_id"], ascending=[False, True],
                              na_position="last")
    frame = frame.drop_duplicates(["student_id", "adult_id", "source", "wave"])
    return frame.sort_values("tie_id")


def _named_adults(session, student_ids_sql) -> pd.DataFrame:
    effective = (select(_effective_adult())
                 .join(SupportTie, SupportTie.adult_id == Adult.id)
                 .where(SupportTie.student_id.in_(student_ids_sql)))
    stmt = select(Adult.id.label("adult_id"), Adult.kind, Adult.role, Adult.staff_id,
                  Adult.household_id, Adult.display_name.label("name")).where(
        Adult.id.in_(effective))
    return _frame(session, stmt)


def _staff(session, school_ids_sql, student_ids_sql) -> pd.DataFrame:
    """Every staff member of the schools, and any other who marked or teaches the students."""
    marked = select(StaffMark.staff_id).where(StaffMark.student_id.in_(student_ids_sql))
    teaching = (select(SectionTeacher.staff_id)
                .join(SectionStudent, SectionStudent.section_id == SectionTeacher.section_id)
                .where(SectionStudent.student_id.in_(student_ids_sql)))
    teaches_any = exists().where(SectionTeacher.staff_id == StaffUser.id)
    role = case((StaffUser.role == Role.COUNSELOR, literal("counselor")),
                (teaches_any, literal("teacher")), else_=literal("school_staff"))
    stmt = select(
        StaffUser.id.label("staff_id"), role.label("staff_role"),
        (StaffUser.given_name + literal(" ") + StaffUser.family_name).label("staff_name"),
        StaffUser.languages,
    ).where(or_(StaffUser.school_id.in_(school_ids_sql), StaffUser.id.in_(marked),
                StaffUser.id.in_(teaching)))
    staff = _frame(session, stmt)
    own = _frame(session, select(Adult.id.label("adult_id"), Adult.staff_id, Adult.role)
                 .where(Adult.staff_id.in_(stmt.with_only_columns(StaffUser.id)),
                        Adult.merged_into_id.is_(None)))
    own = own.sort_values("adult_id").drop_duplicates("staff_id")
    return staff.merge(own, on="staff_id", how="left")


def _adults(named: pd.DataFrame, staff: pd.DataFrame, ties: pd.DataFrame):
    """Combine named adults and staff into one adults table; remap ties to canonical staff."""
    staff = staff.copy()
    staff["adult_id"] = staff["adult_id"].fillna(-staff["staff_id"]).astype("int64")
    staff["role"] = staff["role"].fillna(staff["staff_role"])
    staff["kind"], staff["household_id"] = "staff", pd.NA
    staff = staff.rename(columns={"staff_name": "name"})
    staff["languages"] = [tuple(v or ()) for v in staff["languages"]]
    # A named adult that is a staff member is the staff row (one adult per staff member).
    is_staff = named["staff_id"].notna()
    canon = pd.Series(staff["adult_id"].to_numpy(), index=staff["staff_id"].to_numpy())
    remap = pd.Series(canon.reindex(named.loc[is_staff, "staff_id"].to_numpy()).to_numpy(),
                      index=named.loc[is_staff, "adult_id"].to_numpy()).dropna()
    if len(remap) and len(ties):
        ties = ties.copy()
        mapped = ties["adult_id"].map(remap)
        ties["adult_id"] = mapped.fillna(ties["adult_id"]).astype("int64")
        ties = ties.drop_duplicates(["student_id", "adult_id", "source", "wave"])
    others = named.loc[~is_staff | ~named["adult_id"].isin(remap.index)]
    others = others.loc[~others["staff_id"].isin(staff["staff_id"])].copy()
    others["languages"] = [() for _unused in range(len(others))]
    cols = list(COLUMNS["adults"])
    adults = pd.concat([others[cols], staff[cols]], ignore_index=True)
    return adults.drop_duplicates("adult_id"), ties


# --- marks, teaching, conditions -----------------------------------------------------------

def _marks(session, student_ids_sql, waves) -> pd.DataFrame:
    stmt = (select(StaffMark.staff_id, StaffMark.student_id, SurveyWave.ordinal.label("wave"),
                   StaffMark.trusting, StaffMark.may_benefit, StaffMark.willing_mentor)
            .join(SurveyWave, SurveyWave.id == StaffMark.wave_id)
            .where(StaffMark.student_id.in_(student_ids_sql)))
    if waves is not None:
        stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
    return _frame(session, stmt)


def _teaching(session, student_ids_sql) -> pd.DataFrame:
    stmt = (select(SectionTeacher.staff_id, SectionStudent.student_id)
            .join(SectionStudent, SectionStudent.section_id == SectionTeacher.section_id)
            .where(SectionStudent.student_id.in_(student_ids_sql)).distinct())
    return _frame(session, stmt)


def condition_answers(*, session: Session, students: pd.DataFrame, waves=None) -> pd.DataFrame:
    """Current answers to the household items for these students (student's and family's).

    Returns columns ``student_id, wave, kind ("student" | "family"), item_id, value``.
    """
    ids = students["student_id"].tolist()
    households = students["household_id"].dropna().astype("int64").unique().tolist()
    stmt = (select(Answer.item_id, Answer.value, Invitation.kind, Invitation.student_id,
                   Invitation.household_id, SurveyWave.ordinal.label("wave"))
            .join(Response, Response.id == Answer.response_id)
            .join(Invitation, Invitation.id == Response.invitation_id)
            .join(SurveyWave, SurveyWave.id == Invitation.wave_id)
            .where(Answer.current.is_(True), Answer.item_id.in_(CONDITION_ITEMS),
                   or_(Invitation.student_id.in_(ids), Invitation.household_id.in_(households))))
    if waves is not None:
        stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
    rows = _frame(session, stmt)
    cols = ["student_id", "wave", "kind", "item_id", "value"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    own = rows.loc[rows["kind"] == SurveyKind.STUDENT]
    fam = rows.loc[rows["kind"] == SurveyKind.FAMILY].drop(columns="student_id").merge(
        students[["student_id", "household_id"]].dropna(), on="household_id")
    both = pd.concat([own, fam], ignore_index=True)
    both = both.loc[both["student_id"].isin(ids)]
    return both[cols].astype({"student_id": "int64", "wave": "int64"})


def _one_choice(values, allowed, *, aliases=None):
    aliases = aliases or {}
    return [aliases.get(v, v) if isinstance(v, str) and aliases.get(v, v) in allowed else None
            for v in values]


def _conditions(answers: pd.DataFrame) -> pd.DataFrame:
    """Pivot answers to one conditions row per student and wave; the student's own win."""
    if answers.empty:
        return empty_frame("conditions")
    parts = []
    for kind, rank in ((SurveyKind.STUDENT, 0), (SurveyKind.FAMILY, 1)):
        a = answers.loc[answers["kind"] == kind]
        wide = a.pivot_table(index=["student_id", "wave"], columns="item_id", values="value",
                             aggfunc="first")
        wide = wide.reindex(columns=list(CONDITION_ITEMS))
        parts.append(_decode(wide).assign(_rank=rank))
    both = pd.concat(parts).sort_values("_rank")
    # First non-missing value per column, student (rank 0) before family (rank 1).
    merged = both.drop(columns="_rank").groupby(level=["student_id", "wave"]).first()
    return _typed("conditions", merged.reset_index())


def _decode(wide: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=wide.index)
    out["internet"] = _one_choice(wide["home.internet"], {"works_well", "unreliable",
                                  "phone_only", "none"}, aliases={"need_help": "none"})
    devices = wide["home.devices"].tolist()
    for column, code in _DEVICES.items():
        out[column] = [code in v if isinstance(v, list) else None for v in devices]
    out["quiet_place"] = _one_choice(wide["home.quiet_place"], {"always", "sometimes", "no"})
    out["adult_home"] = _one_choice(wide["home.adult_after_school"], {"yes", "sometimes", "no"})
    return out


# --- public loaders -----------------------------------------------------------------------------

def load_school_tables(*, session: Session, ctx: Context, school_ids, waves=None) -> Tables:
    """Tables for every active student of ``school_ids`` (ties of ``waves``, default all)."""
    return _load(session, ctx, school_ids=list(school_ids), student_ids=None, waves=waves)


def load_neighbourhood(*, session: Session, ctx: Context, student_id: int) -> Tables:
    """Tables for one student and the adults around them, every wave.

    Two school-level facts decide staff-view flags: whether the school's staff
    mapped this wave, and which staff took part. So that the student's flags
    here equal their flags in the school's caseload, a stand-in student
    (``STAND_IN``) of the same school carries one mark per participating
    staff member and wave; its own flags mean nothing and are never shown.
    """
    tables = _load(session, ctx, school_ids=None, student_ids=[student_id], waves=None)
    if tables.students.empty:
        return tables
    school_id = int(tables.students["school_id"].iloc[0])
    stmt = (select(StaffMark.staff_id, SurveyWave.ordinal.label("wave"),
                   func.max(case((StaffMark.trusting, 1), else_=0)).label("trusting"))
            .join(Student, Student.id == StaffMark.student_id)
            .join(SurveyWave, SurveyWave.id == StaffMark.wave_id)
            .where(Student.school_id == school_id, StaffMark.student_id != student_id)
            .group_by(StaffMark.staff_id, SurveyWave.ordinal))
    taking_part = _frame(session, stmt)
    taking_part = taking_part.loc[taking_part["staff_id"].isin(tables.adults["staff_id"])]
    if taking_part.empty:
        return tables
    stand_in = tables.students.iloc[[0]].assign(
        student_id=STAND_IN, responded_student=False, responded_family=False)
    marks = taking_part.assign(student_id=STAND_IN, trusting=taking_part["trusting"] > 0,
                               may_benefit=False, willing_mentor=False)
    return tables.replace(
        students=pd.concat([tables.students, _typed("students", stand_in)], ignore_index=True),
        staff_marks=pd.concat([tables.staff_marks, _typed("staff_marks", marks)],
                              ignore_index=True))


def _load(session, ctx, *, school_ids, student_ids, waves) -> Tables:
    where = _student_filter(school_ids, student_ids)
    students = _students(session, where, ctx)
    if students.empty:
        return Tables(empty_frame("students"), empty_frame("adults"), empty_frame("ties"))
    ids_sql = select(Student.id).where(where).scalar_subquery()
    schools_sql = select(School.id).where(
        School.id.in_(students["school_id"].unique().tolist())).scalar_subquery()
    ties = _ties(session, ids_sql, waves)
    adults, ties = _adults(_named_adults(session, ids_sql), _staff(session, schools_sql, ids_sql),
                           ties if len(ties) else empty_frame("ties"))
    answers = condition_answers(session=session, students=students, waves=waves)
    return Tables(
        students=_typed("students", students),
        adults=_typed("adults", adults),
        ties=_typed("ties", ties),
        staff_marks=_typed("staff_marks", _marks(session, ids_sql, waves)),
        conditions=_conditions(answers),
        teaching=_typed("teaching", _teaching(session, ids_sql)),
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
    frame = _frame(session, stmt)
    first = frame["preferred_name"].where(frame["preferred_name"].notna(), frame["given_name"])
    frame["name"] = (first.fillna("") + " " + frame["family_name"].fillna("")).str.strip()
    return frame


def bool_array(values) -> np.ndarray:
    """NA-safe boolean array."""
    return pd.Series(values).astype("boolean").fillna(False).to_numpy(dtype=bool)
