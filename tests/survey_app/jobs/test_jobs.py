"""Jobs through their public interface: the upload page, the job page, the worker."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from survey_app.jobs import kinds, runs, worker
from survey_app.jobs.worker import progress_store
from survey_app.models import AuditEvent, ContextMeasure, District, JobRun, Student
from survey_app.models.enums import Role
from tests import factories
from tests._servers import ROOT
from tests.survey_app.exports.conftest import USERS, write_roster
from tests.survey_app.jobs.conftest import check, hand_in, upload, zip_of


def _students(session) -> int:
    session.commit()  # a new snapshot: what the workers and requests committed since
    return session.exec(select(func.count()).select_from(Student)).one()


def test_upload_answers_at_once_and_waits_for_a_worker(app, client, world, login_as, session,
                                                      roster):
    login_as(world.users["district_admin"])
    before = _students(session)
    handed = upload(client, app, zip_of(roster))
    assert handed.status_code == 303
    page = client.get(handed.headers["Location"])
    assert page.status_code == 200
    assert "Waiting for its turn" in page.get_data(as_text=True)
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)
    assert _students(session) == before  # the request imported nothing itself
    started = session.exec(select(AuditEvent).where(AuditEvent.action == "job_started")
                           .order_by(AuditEvent.id)).all()
    assert [(e.staff_id, e.detail["kind"]) for e in started] == [
        (world.users["district_admin"].id, "roster_check"),
        (world.users["district_admin"].id, "roster_import")]
    checked = session.exec(select(AuditEvent).where(AuditEvent.action == "roster_check")).one()
    assert checked.staff_id == world.users["district_admin"].id


def test_job_page_says_when_no_worker_takes_the_job(app, client, world, login_as, session,
                                                    roster, monkeypatch):
    login_as(world.users["district_admin"])
    location = hand_in(client, zip_of(roster)).headers["Location"]
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 60)
    assert "flask --app wsgi jobs work" in client.get(location).get_data(as_text=True)


@pytest.mark.slow  # starts `flask jobs work` as its own process and waits for it
def test_rq_worker_runs_the_import_and_reports_progress(redis_queue, app, client, world,
                                                         login_as, session, roster):
    login_as(world.users["district_admin"])
    handed = upload(client, app, zip_of(roster))
    job_id = int(handed.headers["Location"].rsplit("/", 1)[1])
    # The worker as deployed: its own process, `flask jobs work`, on the same Redis queue.
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
           "SECRET_KEY": app.config["SECRET_KEY"], "REDIS_URL": app.config["REDIS_URL"],
           "JOB_QUEUE": redis_queue, "JOB_FOLDER": app.config["JOB_FOLDER"]}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work",
                           "--burst"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Ran 1 job(s)." in done.stderr
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["rows"] > 0
    assert state["percent"] == 100
    with app.app_context():
        assert progress_store(app).read(job_id)["stage"] == "done"  # kept in Redis
    session.commit()
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one()
    assert "The roster is imported" in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_job_that_dies_keeps_nothing_and_runs_again(app, client, world, login_as, session,
                                                      roster, monkeypatch):
    login_as(world.users["district_admin"])
    real = kinds.KINDS["roster_import"]

    def dies_after_writing(**kwargs):
        kwargs["session"].add(Student(district_id=world.district.id, school_id=world.school.id,
                                      sourced_id="half-written", given_name="x",
                                      family_name="y", grade=3))
        kwargs["session"].flush()
        raise MemoryError("worker ran out of memory")

    monkeypatch.setitem(kinds.KINDS, "roster_import", dies_after_writing)
    before = _students(session)
    location = upload(client, app, zip_of(roster)).headers["Location"]
    worker.work(app, burst=True)
    page = client.get(location).get_data(as_text=True)
    assert "The work did not finish" in page
    assert "Run it again" in page
    assert "MemoryError" not in page
    assert "Traceback" not in page
    assert _students(session) == before
    monkeypatch.setitem(kinds.KINDS, "roster_import", real)
    assert client.post(f"{location}/retry").status_code == 303
    assert worker.work(app, burst=True) == 1
    state = client.get(f"{location}.json").get_json()
    assert state["status"] == "done"
    assert state["attempts"] == 2
    session.commit()
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one()
    assert session.exec(select(Student).where(Student.sourced_id == "half-written")).first() \
        is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "job_retried")).one()


def test_a_running_job_without_a_heartbeat_is_stopped_and_may_run_again():
    run = JobRun(id=1, kind="roster_import", status="running", district_id=1)
    beating = runs.state(run, {"beat": 100.0, "done": 5, "total": 10}, now=105.0)
    assert (beating.status, beating.percent) == ("running", 50)
    lost = runs.state(run, {"beat": 100.0}, now=100.0 + runs.STALE_SECONDS + 1)
    assert lost.status == "stopped"
    assert runs.state(run, {}, now=1e9).status == "stopped"  # never started beating
    # Claimed, its worker not yet beating (the page polled in between): running, for now.
    claimed = JobRun(id=2, kind="roster_import", status="running", district_id=1,
                     started_at=datetime.fromtimestamp(100.0, UTC))
    assert runs.state(claimed, {}, now=101.0).status == "running"
    assert runs.state(claimed, {}, now=100.0 + runs.STALE_SECONDS + 1).status == "stopped"


def test_broken_roster_is_refused_at_the_check_and_a_job_given_one_fails(app, client, world,
                                                                        login_as, session,
                                                                        tmp_path):
    admin = world.users["district_admin"]
    login_as(admin)
    folder = write_roster(tmp_path / "b", users=USERS.replace(",03,", ",ZZ,"))
    checked = check(client, app, zip_of(folder))
    assert "Nothing was imported" in checked.get_data(as_text=True)
    assert "Save these changes" not in checked.get_data(as_text=True)
    assert client.post(f"{checked.request.path}/save").status_code == 303  # nothing to save
    session.commit()
    assert [r.kind for r in session.exec(select(JobRun))] == ["roster_check"]
    check_id = int(checked.request.path.rsplit("/", 1)[1])
    assert not runs.waiting_files(session=session, job_id=check_id)  # its upload is gone
    # A job whose file fails anyway (the roster changed since its check) keeps nothing.
    run = runs.create(session=session, kind="roster_import", district_id=admin.district_id,
                      staff_id=admin.id, params={}, files={"package.zip": zip_of(folder).read()})
    session.commit()
    assert worker.work(app, burst=True) == 1
    state = client.get(f"/jobs/{run.id}.json").get_json()
    assert state["status"] == "failed"
    assert state["report"]["problems"][0]["column"] == "grades"
    session.commit()
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).first() is None


def test_only_the_starter_and_those_allowed_see_a_job(app, client, world, login_as, session,
                                                     roster):
    login_as(world.users["district_admin"])
    location = upload(client, app, zip_of(roster)).headers["Location"]
    client.post("/staff/logout")
    login_as(world.users["counselor"])
    assert client.get(location).status_code == 404
    assert client.post(f"{location}/retry").status_code == 404
    client.post("/staff/logout")
    district = District(name="Other District", code="OD")
    session.add(district)
    session.flush()
    other = factories.make_user(session, district, Role.DISTRICT_ADMIN, None)
    session.commit()
    login_as(other)
    assert client.get(location).status_code == 404


@pytest.mark.parametrize("kind", ["refresh_flags", "context_import"])
def test_other_kinds_run_as_jobs(app, world, session, kind):
    files = {"context.csv": f"sourcedId,term,attendance_rate\n"
                            f"{world.students[0].sourced_id},2025-fall,0.9\n".encode()}
    run = runs.create(session=session, kind=kind, district_id=world.district.id,
                      staff_id=world.users["district_admin"].id,
                      files=files if kind == "context_import" else None)
    session.commit()
    assert worker.work(app, burst=True) == 1
    session.refresh(run)
    assert run.status == "done", (run.error, run.report)
    if kind == "refresh_flags":
        assert run.report == {"schools": 2, "worked_out": 2}
    else:
        assert run.report["counts"]


def test_large_export_runs_as_a_job_and_gives_the_same_file(app, make_app, world, session):
    from tests.factories import PASSWORD

    def signed_in(client):
        client.post("/staff/login", data={"email": world.users["district_admin"].email,
                                          "password": PASSWORD})
        return client

    form = {"kind": "flagged", "flagged-fmt": "csv", "flagged-school": ""}
    direct = signed_in(app.test_client()).post("/exports/download", data=form)
    assert direct.status_code == 200
    expected = direct.data
    direct.close()
    queued = make_app(EXPORT_JOB_MIN_STUDENTS=1)
    client = signed_in(queued.test_client())
    handed = client.post("/exports/download", data=form)
    assert handed.status_code == 303
    location = handed.headers["Location"]
    assert worker.work(queued, burst=True) == 1
    assert "Download the file" in client.get(location).get_data(as_text=True)
    file = client.get(f"{location}/file")
    assert file.status_code == 200
    assert file.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
    assert file.data == expected
    other = signed_in(app.test_client())  # the same role, but not the one who asked
    other.post("/staff/logout")
    other.post("/staff/login", data={"email": world.users["counselor"].email,
                                     "password": PASSWORD})
    assert other.get(f"{location}/file").status_code == 404


def test_refresh_flags_button_runs_a_job(app, client, world, login_as, session):
    login_as(world.users["district_admin"])
    assert "Work out flags now" in client.get("/exports/").get_data(as_text=True)
    location = client.post("/exports/refresh-flags").headers["Location"]
    assert worker.work(app, burst=True) == 1
    assert "Flags worked out for 2 schools." in client.get(location).get_data(as_text=True)


def test_an_upload_with_redis_down_is_kept_and_says_no_worker_took_it(make_app, world, session,
                                                                     roster, monkeypatch):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    client = app.test_client()
    client.post("/staff/login", data={"email": world.users["district_admin"].email,
                                      "password": factories.PASSWORD})
    handed = hand_in(client, zip_of(roster))
    assert handed.status_code == 303
    session.commit()
    assert session.exec(select(JobRun)).one().status == "queued"
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 60)
    page = client.get(handed.headers["Location"])
    assert page.status_code == 200
    assert "No job worker has taken this job yet" in page.get_data(as_text=True)


def test_context_upload_page_hands_the_file_to_a_job(app, client, world, login_as, session):
    login_as(world.users["district_admin"])
    assert "Import context data" in client.get("/exports/roster").get_data(as_text=True)
    sid = world.students[0].sourced_id
    csv = f"sourcedId,term,attendance_rate\n{sid},2025-fall,93%\n".encode()
    handed = client.post("/exports/context", data={"csv_file": (io.BytesIO(csv), "ctx.csv")},
                         content_type="multipart/form-data")
    assert handed.status_code == 303
    assert worker.work(app, burst=True) == 1
    page = client.get(handed.headers["Location"]).get_data(as_text=True)
    assert "The context data is imported" in page
    assert "Context data" in page
    session.commit()
    assert session.exec(select(ContextMeasure)).one().attendance_rate == pytest.approx(0.93)
    wrong = client.post("/exports/context", data={"csv_file": (io.BytesIO(b"x"), "ctx.txt")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 400
    assert "Please choose a .csv file." in wrong.get_data(as_text=True)
