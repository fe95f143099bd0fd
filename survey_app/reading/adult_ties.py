"""Adults and their support ties, as the tables of :mod:`relationships` read them.

An adult merged into another (``Adult.merged_into_id``) counts as that other adult; a
named adult who is a staff member is that staff member's one adult row; one source naming
one adult twice in a wave is one tie, the surer (:func:`surest_ties`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from relationships.input_tables import COLUMNS, SUPPORT_TYPES
from survey_app.models import Adult, SectionTeacher, StaffUser, Student, SupportTie, SurveyWave
from survey_app.models.enums import Role
from survey_app.reading.frames import json_values, read_frame


def effective_adult():
    return func.coalesce(Adult.merged_into_id, Adult.id)


def is_staff(adult):
    """The adult counts as school staff (as ``relationships`` reads ``kind`` and ``staff_id``)."""
    return or_(adult.kind == "staff", adult.staff_id.is_not(None))


def load_ties(session, where, waves, staff_only=False) -> pd.DataFrame:
    stmt = (
        select(SupportTie.id.label("tie_id"), SupportTie.student_id,
               effective_adult().label("adult_id"), SupportTie.source,
               SurveyWave.ordinal.label("wave"),
               *[getattr(SupportTie, t) for t in SUPPORT_TYPES],
               SupportTie.frequency, SupportTie.reliability, SupportTie.setting,
               SupportTie.lives_with)
        .join(Adult, Adult.id == SupportTie.adult_id)
        .join(SurveyWave, SurveyWave.id == SupportTie.wave_id)
        .join(Student, Student.id == SupportTie.student_id)
        .where(where)
    )
    if waves is not None:
        stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
    if staff_only:
        effective = aliased(Adult)
        stmt = stmt.join(effective, effective.id == effective_adult()).where(
            is_staff(effective))
    frame = read_frame(session, stmt)
    if frame.empty:
        return frame
    return surest_ties(frame).sort_values("tie_id")


#: A tie is one student, one adult, one source and one wave.
TIE_KEY = ["student_id", "adult_id", "source", "wave"]


def surest_ties(ties: pd.DataFrame) -> pd.DataFrame:
    """One tie per ``TIE_KEY``: the surest (the first by tie id among equals).

    Two records of one adult named by the same source in one wave — merged adults, or one
    staff member picked twice — are one tie, and the surer answer is the one that counts.
    """
    if not ties.duplicated(TIE_KEY).any():
        return ties
    return (ties.sort_values(["reliability", "tie_id"], ascending=[False, True],
                             na_position="last")
            .drop_duplicates(TIE_KEY).sort_values("tie_id"))


def named_adults(session, where, staff_only=False) -> pd.DataFrame:
    named = aliased(Adult)
    stmt = (select(Adult.id.label("adult_id"), Adult.kind, Adult.role, Adult.staff_id,
                   Adult.household_id, Adult.display_name.label("name"))
            .select_from(SupportTie)
            .join(Student, Student.id == SupportTie.student_id)
            .join(named, named.id == SupportTie.adult_id)
            .join(Adult, Adult.id == func.coalesce(named.merged_into_id, named.id))
            .where(where).distinct())
    return read_frame(session, stmt.where(is_staff(Adult)) if staff_only else stmt)


def staff_adults(session, school_ids, extra_ids) -> pd.DataFrame:
    """Every staff member of the schools, and any other who marked or teaches the students."""
    teaches_any = exists().where(SectionTeacher.staff_id == StaffUser.id)
    role = case((StaffUser.role == Role.COUNSELOR, literal("counselor")),
                (teaches_any, literal("teacher")), else_=literal("school_staff"))
    cond = StaffUser.school_id.in_(list(school_ids))
    if extra_ids:
        cond = or_(cond, StaffUser.id.in_(sorted(extra_ids)))
    stmt = select(
        StaffUser.id.label("staff_id"), role.label("staff_role"),
        (StaffUser.given_name + literal(" ") + StaffUser.family_name).label("staff_name"),
        StaffUser.languages,
    ).where(cond)
    staff = read_frame(session, stmt)
    staff["languages"] = json_values(staff["languages"], session)
    own = read_frame(session, select(Adult.id.label("adult_id"), Adult.staff_id, Adult.role)
                 .join(StaffUser, StaffUser.id == Adult.staff_id)
                 .where(cond, Adult.merged_into_id.is_(None)))
    own = own.sort_values("adult_id").drop_duplicates("staff_id")
    return staff.merge(own, on="staff_id", how="left")


def combine_adults(named: pd.DataFrame, staff: pd.DataFrame, ties: pd.DataFrame):
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
        ties = surest_ties(ties)
    others = named.loc[~is_staff | ~named["adult_id"].isin(remap.index)]
    others = others.loc[~others["staff_id"].isin(staff["staff_id"])].copy()
    others["languages"] = [() for _unused in range(len(others))]
    cols = list(COLUMNS["adults"])
    adults = pd.concat([others[cols], staff[cols]], ignore_index=True)
    return adults.drop_duplicates("adult_id"), ties
