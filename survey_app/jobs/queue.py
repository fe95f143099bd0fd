"""Handing jobs to workers: RQ on Redis when ``REDIS_URL`` is set, else the job table.

RQ (python-rq) rather than Celery or Dramatiq: it needs only the Redis the
deployment already has, a job is a plain function call, and its worker forks a
fresh process per job, so a job that dies cannot poison the next. Our own
``job_run`` row, not RQ's entry, is the record people see: RQ only carries the
row's id to a worker.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

#: Longest a job may run before RQ stops it (a 100,000-student district imports in ~25 s).
JOB_TIMEOUT = 3600


def redis_url(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("REDIS_URL") or None


def rq_queue(app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(app.config.get("JOB_QUEUE", "survey"),
                 connection=Redis.from_url(redis_url(app)))


def submit(job_id: int, *, app: Flask | None = None) -> None:
    """Give a committed job to the workers (without Redis they find it in the table)."""
    if redis_url(app) is None:
        return
    rq_queue(app).enqueue("survey_app.jobs.worker.run_queued", job_id,
                          job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=7 * 86400)
