"""jobs/handover.py: the one way a page refuses a job's form or starts the job."""

from __future__ import annotations

import ast
from pathlib import Path

from flask_login import login_user
from sqlmodel import select

from survey_app.auth import SignedInStaff
from survey_app.jobs import handover
from survey_app.models import AuditEvent, JobRun

ROOT = Path(__file__).resolve().parents[3] / "survey_app"
#: The pages that start jobs. The job page itself (jobs/views.py) saves a check into a new
#: job and runs one again: steps of a job already started, with their own rules.
PAGES = ("reminders/views.py", "exports/views.py")


def _calls(path: Path) -> set[str]:
    """Dotted names this module calls (``runs.create``, ``queue.submit``, …)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            out.add(f"{node.func.value.id}.{node.func.attr}")
    return out


def test_pages_start_jobs_and_refuse_forms_through_the_helper():
    """The block that recorded a job, committed, queued it and redirected was written out
    five times in two blueprints, and "400 if posted else 200" twice: one helper now."""
    for page in PAGES:
        source = (ROOT / page).read_text()
        calls = _calls(ROOT / page)
        assert not calls & {"runs.create", "queue.submit"}, page
        assert "handover.start" in calls, page
        assert 'request.method == "POST" else 200' not in source, page


def test_start_records_audits_queues_and_shows_the_job(app, world, session):
    admin = world.users["district_admin"]
    with app.test_request_context("/exports/refresh-flags", method="POST",
                                  environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        login_user(SignedInStaff(admin, frozenset()))
        assert handover.refused_status() == 400
        answer = handover.start("refresh_flags", params={"why": "test"},
                                files={"a.csv": b"x"})
    run = session.exec(select(JobRun)).one()  # committed: another session sees it
    assert (run.kind, run.district_id, run.started_by, run.params) == (
        "refresh_flags", admin.district_id, admin.id, {"why": "test"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/jobs/{run.id}"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "job_started")).one()
    assert (event.staff_id, event.target_id, event.ip) == (admin.id, str(run.id), "192.0.2.7")
    with app.test_request_context("/exports/roster"):
        assert handover.refused_status() == 200
