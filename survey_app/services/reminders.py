"""Survey reminders: send a round, record each message, honour opt-outs, count the outcome.

A round runs as a job (``jobs.kinds.reminders``). Unlike the other jobs, it cannot
write everything in one transaction at the end: a message that left cannot be called
back. So each message's row is committed as soon as the server has answered, and a
run that stops midway (the mail server went away, the worker died) is retried from
where it stopped: whoever was reached in this round is skipped by the gap between
reminders, and the run still counts as one round against the cap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import func
from sqlmodel import Session, col, select

from survey_app.models import Household, Invitation, ReminderOptOut, ReminderSend, School
from survey_app.models.base import utcnow
from survey_app.services import audit, invitations, reminder_mail
from survey_app.services.reminder_audience import Filters, Limits, Plan, Recipient, plan
from survey_app.services.senders import Sender, SenderUnavailable

Tick = Callable[[int], None]


@dataclass(frozen=True)
class Outcome:
    sent: int
    bounced: int
    skipped: dict[str, int]

    def as_dict(self) -> dict:
        return {"sent": self.sent, "bounced": self.bounced, "skipped": dict(self.skipped)}


def filters_from(params: dict, school_ids: tuple[int, ...]) -> Filters:
    return Filters(wave_id=int(params["wave_id"]), school_ids=school_ids,
                   grade=params.get("grade"), language=params.get("language") or None,
                   group=params.get("group") or None, audience=params.get("audience") or "both")


def send_round(*, app: Flask, session: Session, sender: Sender, filters: Filters,
               limits: Limits, job_id: int | None, started_by: int | None,
               on_planned: Tick = lambda n: None, on_sent: Tick = lambda n: None,
               now: datetime | None = None) -> Outcome:
    """Send one round of reminders; every message is recorded (and committed) as it goes.

    The round is audited (``reminders_sent``, with the counts) even when the channel fails
    midway; :class:`~survey_app.services.senders.SenderUnavailable` is raised after that.
    """
    planned: Plan = plan(session=session, filters=filters, limits=limits, now=now,
                         job_id=job_id)
    session.rollback()  # the plan only read; each send below commits on its own
    on_planned(len(planned.recipients))
    counts: Counter = Counter()
    try:
        with sender:
            _send_all(app, session, sender, planned.recipients, filters.wave_id, job_id,
                      counts, on_sent)
    except SenderUnavailable as error:
        counts["stopped"] += 1
        _audit(session, started_by, filters, job_id, _outcome(planned, counts),
               stopped=str(error))
        raise
    outcome = _outcome(planned, counts)
    _audit(session, started_by, filters, job_id, outcome)
    return outcome


def _send_all(app: Flask, session: Session, sender: Sender, recipients: list[Recipient],
              wave_id: int, job_id: int | None, counts: Counter, on_sent: Tick) -> None:
    secret, base = app.config["SECRET_KEY"], app.config["PUBLIC_BASE_URL"]
    schools = dict(session.exec(select(School.id, School.name)).all())
    for recipient in recipients:
        invitation = session.get(Invitation, recipient.invitation_id)
        if invitation is None or invitation.submitted_at is not None:
            counts["answered_meanwhile"] += 1
            continue
        result = sender.send(_message(app, recipient, invitation, secret, base,
                                      schools.get(recipient.school_id, "")))
        if result.temporary:
            counts["deferred"] += 1
            continue
        session.add(ReminderSend(
            wave_id=wave_id, invitation_id=recipient.invitation_id, job_id=job_id,
            school_id=recipient.school_id, household_id=recipient.household_id,
            channel=recipient.channel, address_key=recipient.key, language=recipient.language,
            status="sent" if result.sent else "bounced", detail=result.detail))
        session.commit()
        counts["sent" if result.sent else "bounced"] += 1
        on_sent(1)


def _outcome(planned: Plan, counts: Counter) -> Outcome:
    later = {k: counts[k] for k in ("answered_meanwhile", "deferred") if counts[k]}
    return Outcome(counts["sent"], counts["bounced"], {**dict(planned.skipped), **later})


def _audit(session: Session, started_by: int | None, filters: Filters, job_id: int | None,
           outcome: Outcome, stopped: str | None = None) -> None:
    session.rollback()
    detail = {**outcome.as_dict(), "job": job_id, "schools": list(filters.school_ids),
              "grade": filters.grade, "language": filters.language, "group": filters.group,
              "audience": filters.audience}
    if stopped:
        detail["stopped"] = stopped[:200]
    audit.record(session=session, staff_id=started_by, action="reminders_sent",
                 target_type="wave", target_id=filters.wave_id, detail=detail,
                 outcome="failed" if stopped else "ok")
    session.commit()


def _message(app: Flask, recipient: Recipient, invitation: Invitation, secret: str, base: str,
             school_name: str):
    token = reminder_mail.opt_out_token(secret=secret, key=recipient.key,
                                        household_id=recipient.household_id,
                                        language=recipient.language)
    return reminder_mail.build(
        app, recipient, invitations.access(invitation, secret=secret, base_url=base),
        stop_url=reminder_mail.opt_out_url(base, token, recipient.language),
        school_name=school_name)


def opt_out(*, session: Session, key: str, household_id: int | None, language: str) -> bool:
    """Record that an address (and its household) wants no more reminders; False if it had."""
    if session.exec(select(ReminderOptOut).where(ReminderOptOut.address_key == key)).first():
        return False
    if household_id is not None and session.get(Household, household_id) is None:
        household_id = None  # the household has gone from the roster; the address stays out
    session.add(ReminderOptOut(address_key=key, household_id=household_id,
                               language=language[:16]))
    session.flush()
    return True


def is_opted_out(*, session: Session, key: str) -> bool:
    return session.exec(select(ReminderOptOut.id).where(
        ReminderOptOut.address_key == key)).first() is not None


@dataclass(frozen=True)
class Figures:
    sent: int
    bounced: int
    reminded: int  # invitations reminded at least once
    answered_after: int  # of those, answered after their first reminder


def figures(*, session: Session, wave_id: int, school_ids) -> Figures:
    """What the wave's reminders did, for the schools ``school_ids`` (the reader's)."""
    where = (ReminderSend.wave_id == wave_id, col(ReminderSend.school_id).in_(list(school_ids)))
    by_status = dict(session.exec(select(ReminderSend.status, func.count())
                                  .where(*where).group_by(ReminderSend.status)).all())
    first = (select(ReminderSend.invitation_id, func.min(ReminderSend.sent_at).label("first"))
             .where(*where, ReminderSend.status == "sent")
             .group_by(ReminderSend.invitation_id).subquery())
    rows = session.exec(select(first.c.first, Invitation.submitted_at)
                        .join(Invitation, Invitation.id == first.c.invitation_id)).all()
    answered = sum(1 for sent_at, done in rows if done is not None and _utc(done) > _utc(sent_at))
    return Figures(by_status.get("sent", 0), by_status.get("bounced", 0), len(rows), answered)


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=utcnow().tzinfo)
