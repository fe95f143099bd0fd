"""Survey waves (windows): which one is current, and adding or changing one."""

from __future__ import annotations

from datetime import date

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
