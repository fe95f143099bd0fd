"""Backup → wipe → restore gives the same data; purge respects the retention period."""

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func
from sqlmodel import SQLModel, select

from survey_app.models import (
    Adult,
    Answer,
    AuditEvent,
    HouseholdCondition,
    Invitation,
    Response,
    Student,
    SupportTie,
    SurveyWave,
)
from survey_app.services import retention


def _snapshot(session) -> dict:
    return {
        "students": sorted(session.exec(select(Student.sourced_id, Student.given_name)).all()),
        "waves": sorted(session.exec(select(SurveyWave.ordinal, SurveyWave.name)).all()),
    }


def _wipe(session):
    session.rollback()  # end the read snapshot: SQLite cannot upgrade a stale one to a write
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.exec(delete(table))
    session.commit()


def _versions(session) -> dict:
    rows = session.connection().exec_driver_sql("SELECT id, n FROM data_version").all()
    session.rollback()
    return dict(rows)


def test_backup_wipe_restore_round_trip(runner, world, session, tmp_path):
    before = _snapshot(session)
    versions = _versions(session)
    assert set(versions) >= {1, 2}  # data and staff (the world's staff were written)
    out = tmp_path / "backup.bin"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    _wipe(session)
    assert _snapshot(session)["students"] == []
    session.close()
    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert _snapshot(session) == before
    restored = _versions(session)
    # The restored counters are moved past every value a worker may have cached under.
    assert all(restored[row] > n for row, n in versions.items()), (versions, restored)
    actions = session.exec(select(AuditEvent.action)).all()
    assert "restore" in actions


def test_restore_of_a_missing_file_is_refused(runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "nope.db"), "--yes"])
    assert result.exit_code != 0


def _answered(session, world):
    student = world.students[0]
    invitation = Invitation(wave_id=world.wave.id, kind="student", student_id=student.id,
                            nonce="n1", code_hash="c1", token_hash="t1")
    session.add(invitation)
    session.flush()
    response = Response(invitation_id=invitation.id, survey="student", version="1", language="es")
    session.add(response)
    session.flush()
    adult = Adult(district_id=world.district.id, kind="family", role="grandparent",
                  display_name="Abuela Rosa")
    session.add(adult)
    session.flush()
    session.add(Answer(response_id=response.id, item_id="adults", entry=0, language="es",
                       value={"name": "Abuela Rosa", "relation": "grandparent"}))
    session.add(Answer(response_id=response.id, item_id="home.internet", entry=0, language="es",
                       value="works_well"))
    session.add(SupportTie(student_id=student.id, adult_id=adult.id, wave_id=world.wave.id,
                           source="student_survey", response_id=response.id, entry=0,
                           reliability=4, setting="family_elsewhere"))
    session.commit()
    return response


def test_purge_refuses_before_the_retention_period(runner, world, session):
    _answered(session, world)
    world.wave.closes_on = date.today() - timedelta(days=10)
    session.add(world.wave)
    session.commit()
    result = runner.invoke(args=["purge", "--wave", "1", "--yes"])
    assert result.exit_code != 0
    assert "kept for 365 days" in result.output
    assert session.exec(select(func.count(Answer.id))).one() == 2


def test_purge_deletes_answers_ties_and_typed_adults_and_is_audited(runner, world, session):
    response = _answered(session, world)
    world.wave.closes_on = date.today() - timedelta(days=400)
    session.add(world.wave)
    session.commit()
    result = runner.invoke(args=["purge", "--wave", "1", "--yes"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.exec(select(func.count(Answer.id))).one() == 0
    assert session.exec(select(func.count(HouseholdCondition.id))).one() == 0
    assert session.exec(select(func.count(SupportTie.id))).one() == 0
    assert session.exec(select(Adult).where(Adult.display_name == "Abuela Rosa")).first() is None
    assert session.get(Response, response.id) is not None  # response-rate history stays
    assert session.get(SurveyWave, world.wave.id).purged_at is not None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "purge_wave")).one()
    assert event.detail["answers"] == 2


def test_purge_of_an_unknown_wave(session, world):
    with pytest.raises(retention.RetentionError, match="no wave 9"):
        retention.purge_wave(session=session, district_id=world.district.id, ordinal=9)


@pytest.mark.parametrize("command", ["backup", "restore", "purge"])
def test_ops_commands_have_help(runner, command):
    assert runner.invoke(args=[command, "--help"]).exit_code == 0
