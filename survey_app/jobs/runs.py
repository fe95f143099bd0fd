"""Job records: create (audited, with who asked), claim, finish, retry, and what a page shows.

Services in the house style: keyword-only ``session``, flush only; the caller
commits. ``claim`` and ``finish`` are the worker's own short transactions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, select

from survey_app.models import JobFile, JobRun
from survey_app.models.base import utcnow
from survey_app.services import audit

#: A running job whose worker has not beaten for this long has lost its worker
#: (``JOB_STALE_SECONDS``; the worker beats every 2 s).
STALE_SECONDS = 20
ACTIVE = ("queued", "running")
#: Kinds whose uploads outlive the job: a roster check's files are what its save imports.
KEEPS_FILES = frozenset({"roster_check"})


def create(*, session: Session, kind: str, district_id: int, staff_id: int | None,
           params: dict[str, Any] | None = None, files: dict[str, bytes] | None = None,
           ip: str | None = None) -> JobRun:
    """Record a job and the files it reads; audit who started it."""
    run = JobRun(kind=kind, district_id=district_id, started_by=staff_id, params=params or {})
    session.add(run)
    session.flush()
    for name, data in (files or {}).items():
        session.add(JobFile(job_id=run.id, name=name, data=data))
    audit.record(session=session, staff_id=staff_id, action="job_started", target_type="job",
                 target_id=run.id, detail={"kind": kind, **(params or {})}, ip=ip)
    session.flush()
    return run


def files(*, session: Session, job_id: int) -> dict[str, bytes]:
    rows = session.exec(select(JobFile.name, JobFile.data).where(JobFile.job_id == job_id))
    return {name: bytes(data) for name, data in rows}


def waiting_files(*, session: Session, job_id: int) -> bool:
    """Whether the job still holds its uploads (a check not yet saved)."""
    return session.exec(select(JobFile.id).where(JobFile.job_id == job_id,
                                                 JobFile.name != "out").limit(1)).first() \
        is not None


def hand_over(*, session: Session, source: JobRun, target: JobRun) -> bool:
    """Give ``source``'s uploads to ``target`` (a check's files to the save that imports
    them), in the caller's transaction; False when another request took them first (a
    check is saved once, by one job: the caller rolls back)."""
    moved = session.exec(update(JobFile).where(JobFile.job_id == source.id,
                                               JobFile.name != "out").values(job_id=target.id))
    if moved.rowcount == 0:
        return False
    source.report = {**(source.report or {}), "saved_as": target.id}
    session.add(source)
    session.flush()
    return True


def drop_files(*, session: Session, job_id: int) -> None:
    session.exec(delete(JobFile).where(JobFile.job_id == job_id, JobFile.name != "out"))
    session.flush()


def forget_checks(*, session: Session, staff_id: int) -> None:
    """Drop the uploads of this person's earlier roster checks that were never saved: one
    upload waits per person, as when the upload was kept in the session."""
    done = select(JobRun.id).where(JobRun.kind.in_(KEEPS_FILES), JobRun.started_by == staff_id,
                                   JobRun.status.not_in(ACTIVE))
    session.exec(delete(JobFile).where(JobFile.job_id.in_(done)))
    session.flush()


def claim(*, session: Session, job_id: int) -> bool:
    """Mark a queued job running; False when another worker has it or it is finished."""
    moved = session.exec(update(JobRun).where(JobRun.id == job_id, JobRun.status == "queued")
                         .values(status="running", attempts=JobRun.attempts + 1,
                                 started_at=utcnow(), error=None))
    return moved.rowcount == 1


def finish(*, session: Session, job_id: int, report: dict[str, Any], ok: bool) -> None:
    """Record the outcome; a succeeded job's uploads are no longer needed (but a roster
    check's, which wait for "Save these changes": :func:`hand_over`)."""
    run = session.get(JobRun, job_id)
    run.status, run.report, run.finished_at = ("done" if ok else "failed"), report, utcnow()
    if ok and run.kind not in KEEPS_FILES:
        for row in session.exec(select(JobFile).where(JobFile.job_id == job_id,
                                                      JobFile.name != "out")):
            session.delete(row)
    session.flush()


def fail(*, session: Session, job_id: int, error: str) -> None:
    run = session.get(JobRun, job_id)
    run.status, run.error, run.finished_at = "failed", error[:400], utcnow()
    session.flush()


def next_queued(*, session: Session) -> int | None:
    return session.exec(select(JobRun.id).where(JobRun.status == "queued")
                        .order_by(JobRun.id).limit(1)).first()


@dataclass(frozen=True)
class JobState:
    """What the job's page shows."""

    run: JobRun
    status: str  # queued, running, stopped (the worker died), done, failed
    stage: str
    percent: int | None
    done: int
    rows: int
    waited: float  # seconds since it was created

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def state(run: JobRun, progress: dict[str, Any], *, now: float | None = None,
          stale: float = STALE_SECONDS) -> JobState:
    """The job's status with its progress; a running job without a recent beat is stopped."""
    now = time.time() if now is None else now
    status = run.status
    # Until its worker's first beat, a job counts from when it was claimed.
    beat = progress.get("beat") or (run.started_at.timestamp() if run.started_at else 0)
    if status == "running" and now - float(beat) > stale:
        status = "stopped"
    total, done = int(progress.get("total") or 0), int(progress.get("done") or 0)
    percent = min(100, done * 100 // total) if total and status == "running" else None
    if status == "done":
        percent = 100
    return JobState(run, status, str(progress.get("stage", "")), percent, done,
                    int(progress.get("rows") or 0), now - run.created_at.timestamp())


def retry(*, session: Session, run: JobRun, job_state: JobState, staff_id: int,
          ip: str | None = None) -> bool:
    """Queue a failed or stopped job again (its files are still there); audited."""
    if job_state.status not in ("failed", "stopped"):
        return False
    run.status, run.error, run.finished_at = "queued", None, None
    audit.record(session=session, staff_id=staff_id, action="job_retried", target_type="job",
                 target_id=run.id, detail={"kind": run.kind}, ip=ip)
    session.flush()
    return True
