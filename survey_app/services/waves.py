"""Survey waves (windows): which one is current, and adding or changing one."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, func, select

from survey_app.models import SurveyWave
from survey_app.models.base import utcnow


def current_wave(*, session: Session, district_id: int, today: date | None = None
                 ) -> SurveyWave | None:
    """The latest wave open today; else the latest wave that has opened; else the latest one."""
    today = today or utcnow().date()
    waves = session.exec(
        select(SurveyWave).where(SurveyWave.district_id == district_id)
        .order_by(SurveyWave.ordinal.desc())
    ).all()
    for wave in waves:
        if (wave.opens_on is None or wave.opens_on <= today) and (
                wave.closes_on is None or wave.closes_on >= today):
            return wave
    opened = [w for w in waves if w.opens_on is None or w.opens_on <= today]
    return (opened or waves or [None])[0]


def list_waves(*, session: Session, district_id: int) -> list[SurveyWave]:
    return list(session.exec(
        select(SurveyWave).where(SurveyWave.district_id == district_id)
        .order_by(SurveyWave.ordinal)
    ))


def add_wave(*, session: Session, district_id: int, name: str, opens_on: date | None,
             closes_on: date | None) -> SurveyWave:
    """Append a wave after the last one."""
    last = session.exec(
        select(func.max(SurveyWave.ordinal)).where(SurveyWave.district_id == district_id)
    ).one()
    wave = SurveyWave(district_id=district_id, ordinal=(last or 0) + 1, name=name.strip(),
                      opens_on=opens_on, closes_on=closes_on)
    session.add(wave)
    session.flush()
    return wave


def wave_dict(wave: SurveyWave) -> dict:
    """A wave as plain data for audit records."""
    return {"id": wave.id, "ordinal": wave.ordinal, "name": wave.name,
            "opens_on": wave.opens_on.isoformat() if wave.opens_on else None,
            "closes_on": wave.closes_on.isoformat() if wave.closes_on else None}


class WaveState(StrEnum):
    """Where a wave is in its life: answers are taken only while it is open."""

    DRAFT = "draft"  # not open yet (opens on a later day)
    OPEN = "open"
    CLOSED = "closed"  # its closing day has passed: its codes show a kind page, nothing is saved
    PURGED = "purged"  # its answers are deleted and its codes are gone, for good


def state_of(*, opens_on: date | None, closes_on: date | None, purged_at: datetime | None,
             today: date | None = None) -> WaveState:
    """The state of a wave with these dates (the columns, read with the respondent or not)."""
    today = today or utcnow().date()
    if purged_at is not None:
        return WaveState.PURGED
    if opens_on is not None and opens_on > today:
        return WaveState.DRAFT
    if closes_on is not None and closes_on < today:
        return WaveState.CLOSED
    return WaveState.OPEN


def state(wave: SurveyWave, today: date | None = None) -> WaveState:
    return state_of(opens_on=wave.opens_on, closes_on=wave.closes_on, purged_at=wave.purged_at,
                    today=today)


def open_wave_ids(*, session: Session, today: date | None = None) -> list[int]:
    """The waves taking answers today (all districts: one district is one deployment)."""
    return [w.id for w in session.exec(select(SurveyWave)) if state(w, today) == WaveState.OPEN]


class WaveError(ValueError):
    """The wave cannot be changed that way: ``reason`` is ``"purged"`` or ``"past"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reopen(*, session: Session, wave: SurveyWave, closes_on: date | None,
           today: date | None = None) -> SurveyWave:
    """Open a closed wave again until ``closes_on`` (None: until it is closed by hand).

    A purged wave's answers and codes are gone: it cannot be reopened.
    """
    today = today or utcnow().date()
    current = state(wave, today)
    if current == WaveState.PURGED:
        raise WaveError("purged")
    if closes_on is not None and closes_on < today:
        raise WaveError("past")
    wave.closes_on = closes_on
    if wave.opens_on is not None and wave.opens_on > today:
        wave.opens_on = today
    session.add(wave)
    session.flush()
    return wave
