"""Data retention: a wave's identifiable survey answers are deleted once kept long enough."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from survey_app.models import (
    Adult,
    AdultMatch,
    Answer,
    DistrictSettings,
    HouseholdCondition,
    Invitation,
    LanguageSwitch,
    Response,
    School,
    SupportTie,
    SurveyWave,
)
from survey_app.models.base import utcnow
from survey_app.models.enums import AdultKind
from survey_app.services import flag_store


class RetentionError(ValueError):
    """The wave cannot be purged (yet); the message says why."""


@dataclass(frozen=True)
class PurgeReport:
    wave: int
    answers: int
    language_switches: int
    ties: int
    adults: int


def purge_allowed_on(wave: SurveyWave, retention_days: int) -> date | None:
    """The first day the wave may be purged, or None while it has no closing date."""
    return wave.closes_on + timedelta(days=retention_days) if wave.closes_on else None


def _delete_orphan_adults(session: Session) -> int:
    """Typed adults (not staff, not from the roster) that no tie mentions any more."""
    orphan_ids = list(session.execute(select(Adult.id).where(
        Adult.kind != AdultKind.STAFF, Adult.sourced_id.is_(None),
        ~exists().where(SupportTie.adult_id == Adult.id),
    )).scalars())
    if not orphan_ids:
        return 0
    session.execute(delete(AdultMatch).where(
        AdultMatch.adult_a_id.in_(orphan_ids) | AdultMatch.adult_b_id.in_(orphan_ids)))
    session.execute(update(Adult).where(Adult.merged_into_id.in_(orphan_ids))
                    .values(merged_into_id=None))
    return session.execute(delete(Adult).where(Adult.id.in_(orphan_ids))).rowcount


def purge_wave(*, session: Session, district_id: int, ordinal: int, today: date | None = None,
               force: bool = False) -> PurgeReport:
    """Delete the answers, survey ties and typed adults of wave ``ordinal``.

    Response rows stay (with their status and dates) so response-rate history
    survives; staff marks stay. Refuses before the retention period has passed
    unless ``force``.
    """
    wave = session.execute(select(SurveyWave).where(
        SurveyWave.district_id == district_id, SurveyWave.ordinal == ordinal)).scalars().first()
    if wave is None:
        raise RetentionError(f"no wave {ordinal}")
    settings = session.execute(select(DistrictSettings).where(
        DistrictSettings.district_id == district_id)).scalars().first()
    days = settings.retention_days if settings else 365
    allowed = purge_allowed_on(wave, days)
    today = today or utcnow().date()
    if not force and (allowed is None or today < allowed):
        when = allowed.isoformat() if allowed else "after the wave has a closing date"
        raise RetentionError(f"wave {ordinal} is kept for {days} days after it closes: "
                             f"it may be purged from {when}")
    responses = select(Response.id).join(Invitation, Invitation.id == Response.invitation_id)
    responses = responses.where(Invitation.wave_id == wave.id)
    answers = session.execute(delete(Answer).where(Answer.response_id.in_(responses))).rowcount
    session.execute(delete(HouseholdCondition).where(  # decoded from those answers
        HouseholdCondition.response_id.in_(responses)))
    switches = session.execute(
        delete(LanguageSwitch).where(LanguageSwitch.response_id.in_(responses))).rowcount
    ties = session.execute(delete(SupportTie).where(
        SupportTie.wave_id == wave.id, SupportTie.response_id.is_not(None))).rowcount
    orphans = _delete_orphan_adults(session)
    # Stored flags hold reasons and adults' names worked out from what was just deleted.
    flag_store.forget(session, session.execute(
        select(School.id).where(School.district_id == district_id)).scalars().all())
    session.execute(update(SurveyWave).where(SurveyWave.id == wave.id).values(purged_at=utcnow()))
    session.flush()
    return PurgeReport(wave=ordinal, answers=answers, language_switches=switches, ties=ties,
                       adults=orphans)
