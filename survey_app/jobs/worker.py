"""Running jobs: one job in one transaction, then its outcome in a short one.

``run`` is the whole life of a job in a worker. ``run_queued`` is what RQ
calls, with the app ``work`` started; ``work`` is ``flask jobs work``: an RQ
worker, or without Redis a loop over the job table.

The RQ worker is RQ's ``SimpleWorker``: it runs each job in the worker's own
process instead of forking a work horse per job. One worker runs one job at a time with
the app and connection pool it started with (a forked horse would share the
parent's pooled connections); scale by starting more workers, and let the
service manager restart one that dies. A job that dies with its worker is
shown as stopped on its page and can be run again.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app
from rq import SimpleWorker

from survey_app.db import job_session
from survey_app.jobs import kinds, queue, runs
from survey_app.jobs.progress import ProgressStore, Reporter
from survey_app.models import JobRun

log = logging.getLogger(__name__)
_APP: Flask | None = None
_RAN = 0  # jobs run_queued ran in this process (SimpleWorker: the worker's own process)


def progress_store(app: Flask | None = None) -> ProgressStore:
    app = app or current_app
    return ProgressStore(database_url=app.config["DATABASE_URL"],
                         redis_url=queue.redis_url(app),
                         folder=Path(app.config.get("JOB_FOLDER") or app.instance_path) / "jobs")


def run(app: Flask, job_id: int) -> str | None:
    """Claim and run one job; its status afterwards (None when it was not ours to run)."""
    with job_session(app) as session:
        if not runs.claim(session=session, job_id=job_id):
            session.rollback()
            return None
        session.commit()
        job = session.get(JobRun, job_id)
        with Reporter(progress_store(app), job_id) as progress:
            try:
                report, ok = kinds.KINDS[job.kind](session=session, run=job, progress=progress)
            except Exception as error:  # the job's own writes go; the failure is recorded
                log.exception("job %s (%s) failed", job_id, job.kind)
                session.rollback()
                runs.fail(session=session, job_id=job_id, error=type(error).__name__)
                session.commit()
                return "failed"
            progress.stage("done")
        # The handler committed what it saves; whatever it left open (a read) ends here,
        # and the outcome is written in a transaction of its own.
        session.rollback()
        runs.finish(session=session, job_id=job_id, report=report, ok=ok)
        session.commit()
        return "done" if ok else "failed"


def run_queued(job_id: int) -> str | None:
    """RQ's entry point, in a worker started by ``work`` (``flask jobs work``), which keeps
    its app here: jobs need the app's settings, engine and catalogs."""
    global _RAN
    if _APP is None:
        raise RuntimeError("run jobs with `flask --app wsgi jobs work`, not RQ's own worker")
    _RAN += 1
    with _APP.app_context():
        return run(_APP, job_id)


def work(app: Flask, *, burst: bool = False, poll: float = 1.0) -> int:
    """Run jobs until stopped (or, with ``burst``, until none is waiting); how many ran."""
    global _APP
    if queue.redis_url(app):
        _APP = app
        before = _RAN
        worker = SimpleWorker([queue.rq_queue(app)], connection=queue.rq_queue(app).connection)
        worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
        # Counted here, not read back from RQ's worker hash in Redis (which the worker
        # marks to expire when it stops, and whose counts are written only after the
        # job's result is saved): the jobs this process itself ran.
        return _RAN - before
    ran = 0
    while True:
        with job_session(app) as session:
            job_id = runs.next_queued(session=session)
        if job_id is not None:
            ran += run(app, job_id) is not None
        elif burst:
            return ran
        else:
            time.sleep(poll)
