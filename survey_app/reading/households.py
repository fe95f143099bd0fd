"""Household conditions as the library reads them: answers and decoded rows → tables.

The household items are decoded when answers are saved (:mod:`survey_app.models.conditions`);
this module reads them back per student and wave for :mod:`survey_app.reading.loader`
(the student's own answers win, the family's fill the gaps) and for the profile (the raw
answers). Only surveys that were sent back count: a started one is not data yet.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from relationships.input_tables import empty_frame
from survey_app.models import (
    Answer,
    HouseholdCondition,
    Invitation,
    Response,
    Student,
    SurveyWave,
    conditions,
)
from survey_app.models.enums import InvitationStatus, SurveyKind
from survey_app.reading.frames import json_values, read_frame, typed

CONDITION_ITEMS = conditions.ITEMS


def condition_answers(*, session: Session, where, waves=None) -> pd.DataFrame:
    """Current answers to the household items for the students matching ``where``.

    Returns columns ``student_id, wave, kind ("student" | "family"), item_id, value``:
    the student's own answers and their household's family-survey answers.
    """
    frames = []
    for kind, on in ((SurveyKind.STUDENT, Student.id == Invitation.student_id),
                     (SurveyKind.FAMILY, Student.household_id == Invitation.household_id)):
        stmt = (select(Student.id.label("student_id"), SurveyWave.ordinal.label("wave"),
                       Answer.item_id, Answer.value)
                .select_from(Answer)
                .join(Response, Response.id == Answer.response_id)
                .join(Invitation, Invitation.id == Response.invitation_id)
                .join(SurveyWave, SurveyWave.id == Invitation.wave_id)
                .join(Student, on)
                .where(where, Invitation.kind == kind, Answer.current.is_(True),
                       Answer.item_id.in_(CONDITION_ITEMS)))
        if waves is not None:
            stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
        frame = read_frame(session, stmt)
        frame["kind"] = str(kind)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = json_values(out["value"], session)
    return out[["student_id", "wave", "kind", "item_id", "value"]]


def household_conditions(session, where, waves) -> pd.DataFrame:
    """One conditions row per student and wave, from ``household_condition``.

    The student's own answers win, column by column; the family's fill the gaps
    (a family response reaches every current child of its household).
    """
    hc = HouseholdCondition
    cols = [getattr(hc, c) for c in conditions.COLUMNS]
    frames = []
    for rank, (kind, on) in enumerate(((SurveyKind.STUDENT, Student.id == hc.student_id),
                                       (SurveyKind.FAMILY, Student.household_id == hc.household_id))):
        stmt = (select(Student.id.label("student_id"), SurveyWave.ordinal.label("wave"),
                       hc.response_id, *cols)
                .select_from(hc)
                .join(SurveyWave, SurveyWave.id == hc.wave_id)
                .join(Student, on)
                .where(where, hc.source == kind,
                       sent_survey(hc, kind)))
        if waves is not None:
            stmt = stmt.where(SurveyWave.ordinal.in_(list(waves)))
        frame = read_frame(session, stmt)
        if len(frame):
            frames.append(frame.assign(_rank=rank))
    if not frames:
        return empty_frame("conditions")
    both = pd.concat(frames, ignore_index=True).sort_values(["_rank", "response_id"],
                                                            kind="stable")
    # SQLite gives booleans as 0/1: back to True/False (None stays missing).
    for column in conditions.DEVICES:
        values = both[column]
        both[column] = values.astype(object).where(values.isna(), values.astype(bool))
    merged = (both.drop(columns=["_rank", "response_id"])
              .groupby(["student_id", "wave"], sort=True).first())
    return typed("conditions", merged.reset_index())


def sent_survey(hc, kind):
    """The household answers' survey was sent back (a started one is not data yet)."""
    who = (Invitation.student_id == hc.student_id if kind == SurveyKind.STUDENT
           else Invitation.household_id == hc.household_id)
    return (select(Invitation.id).where(Invitation.wave_id == hc.wave_id, Invitation.kind == kind,
                                        who, Invitation.status == InvitationStatus.SUBMITTED)
            .exists())
