"""Data retention: a wave's identifiable survey answers are deleted once kept long enough."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from survey_app.models import (
    Adult,
    AdultMatch,
    Answer,
    DistrictSettings,
    FollowUp,
    Household,
    HouseholdCondition,
    Invitation,
    LanguageSwitch,
    PageSubmission,
    Response,
    School,
    SupportTie,
    SurveyWave,
)
from survey_app.models.base import utcnow
from survey_app.models.enums import AdultKind, FollowUpKind, InvitationStatus, SurveyKind
from survey_app.reading import stored_flags


class RetentionError(ValueError):
    """The wave cannot be purged (yet); the message says why."""


@dataclass(frozen=True)
class PurgeReport:
    wave: int
    answers: int
    language_switches: int
    ties: int
    adults: int
    notes: int = 0
    contact_preferences: int = 0


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
    """Delete the answers, survey ties and typed adults of wave ``ordinal``, every copy of
    its answers (help-request notes, contact preferences) and its codes.

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
    session.execute(delete(PageSubmission).where(PageSubmission.response_id.in_(responses)))
    session.execute(delete(HouseholdCondition).where(  # decoded from those answers
        HouseholdCondition.response_id.in_(responses)))
    switches = session.execute(
        delete(LanguageSwitch).where(LanguageSwitch.response_id.in_(responses))).rowcount
    ties = session.execute(delete(SupportTie).where(
        SupportTie.wave_id == wave.id, SupportTie.response_id.is_not(None))).rowcount
    # Copies of answers outside the answer table: a family's own words in the follow-ups
    # its help requests made (the request and what staff did about it stay), and the
    # contact preferences households gave in this wave.
    notes = session.execute(update(FollowUp).where(
        FollowUp.response_id.in_(responses), FollowUp.kind == FollowUpKind.HELP_REQUEST,
        FollowUp.note.is_not(None)).values(note=None)).rowcount
    contacts = _forget_contact_preferences(session, wave)
    _forget_codes(session, wave)
    orphans = _delete_orphan_adults(session)
    # Stored flags hold reasons and adults' names worked out from what was just deleted.
    stored_flags.forget(session, session.execute(
        select(School.id).where(School.district_id == district_id)).scalars().all())
    session.execute(update(SurveyWave).where(SurveyWave.id == wave.id).values(purged_at=utcnow()))
    session.flush()
    return PurgeReport(wave=ordinal, answers=answers, language_switches=switches, ties=ties,
                       adults=orphans, notes=notes, contact_preferences=contacts)


def _forget_contact_preferences(session: Session, wave: SurveyWave) -> int:
    """Clear the contact channels, times and interpreter wish of the households whose
    latest sent family survey is in ``wave`` (those are the preferences it gave). The
    letter language stays: it came with the roster too, and letters must still reach them.
    """
    sent = (select(Invitation.household_id, SurveyWave.ordinal, Invitation.submitted_at)
            .join(SurveyWave, SurveyWave.id == Invitation.wave_id)
            .where(Invitation.kind == SurveyKind.FAMILY,
                   Invitation.status == InvitationStatus.SUBMITTED,
                   Invitation.household_id.is_not(None)))
    latest: dict[int, tuple] = {}
    for household_id, ordinal, at in session.execute(sent):
        key = (at is not None, at, ordinal)
        if household_id not in latest or key > latest[household_id][0]:
            latest[household_id] = (key, ordinal)
    ids = [h for h, (_key, ordinal) in latest.items() if ordinal == wave.ordinal]
    if not ids:
        return 0
    return session.execute(update(Household).where(Household.id.in_(ids)).values(
        contact_channels=[], contact_times=None, wants_interpreter=None)).rowcount


def _forget_codes(session: Session, wave: SurveyWave) -> None:
    """The wave's codes and links are gone: new nonces and hashes that nothing derives."""
    ids = list(session.execute(select(Invitation.id).where(Invitation.wave_id == wave.id))
               .scalars())
    if not ids:
        return
    session.execute(update(Invitation), [
        {"id": i, "nonce": secrets.token_hex(16), "code_hash": secrets.token_hex(32),
         "token_hash": secrets.token_hex(32)} for i in ids])
