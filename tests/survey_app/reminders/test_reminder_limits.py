"""The cap and the gap against an independent reading of the send history (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import delete, select

from survey_app.models import Adult, Household, Invitation, JobRun, ReminderSend
from survey_app.models.base import utcnow
from survey_app.services.reminder_audience import Filters, Limits, address_key, plan
from tests.factories import make_student

#: (job number or None for a send outside a job, hours ago, status)
HISTORY = st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.integers(0, 200),
                             st.sampled_from(["sent", "bounced"])), max_size=6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=HISTORY, cap=st.integers(0, 4), gap=st.integers(1, 120))
def test_an_invitation_is_reminded_only_under_the_cap_and_after_the_gap(
        session, world, history, cap, gap):
    session.exec(delete(ReminderSend))
    invitation = _one_family(session, world)
    jobs = _jobs(session, world)
    now = utcnow()
    for job, hours, status in history:
        session.add(ReminderSend(wave_id=world.wave.id, invitation_id=invitation.id,
                                 job_id=None if job is None else jobs[job],
                                 address_key=address_key("p@home.example"), language="es",
                                 status=status, sent_at=now - timedelta(hours=hours)))
    session.commit()
    rounds = len({j for j, _h, _s in history if j is not None}) + sum(
        1 for j, _h, _s in history if j is None)
    latest = min((h for _j, h, _s in history), default=None)
    expected = rounds < cap and (latest is None or latest >= gap)
    found = plan(session=session, filters=Filters(world.wave.id, (world.school.id,),
                                                  audience="family"),
                 limits=Limits(cap=cap, gap_hours=gap), now=now)
    session.rollback()
    assert bool(found.recipients) is expected
    if not expected:
        assert found.skipped == {"cap" if rounds >= cap else "too_soon": 1}


def _one_family(session, world) -> Invitation:
    found = session.exec(select(Invitation).where(Invitation.kind == "family")).first()
    if found:
        return found
    home = Household(district_id=world.district.id, language="es")
    session.add(home)
    session.flush()
    make_student(session, world.school, household=home, grade=4)
    session.add(Adult(district_id=world.district.id, kind="family", role="parent_guardian",
                      display_name="P", household_id=home.id, email="p@home.example"))
    found = Invitation(wave_id=world.wave.id, kind="family", household_id=home.id, nonce="n",
                       code_hash="c", token_hash="t", language="es")
    session.add(found)
    session.commit()
    return found


def _jobs(session, world) -> list[int]:
    ids = list(session.exec(select(JobRun.id).order_by(JobRun.id)))
    while len(ids) < 4:
        run = JobRun(kind="reminders", district_id=world.district.id)
        session.add(run)
        session.flush()
        ids.append(run.id)
    session.commit()
    return ids
