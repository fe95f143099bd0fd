"""Handing jobs to workers: RQ on Redis when ``REDIS_URL`` is set, else the job table.

RQ (python-rq) rather than Celery or Dramatiq: it needs only the Redis the
deployment already has, a job is a plain function call, and its worker forks a
fresh process per job, so a job that dies cannot poison the next. Our own
``job_run`` row, not RQ's entry, is the record people see: RQ only carries the
row's id to a worker.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from redis import Redis, RedisError
from rq import Queue

log = logging.getLogger(__name__)

#: Longest a job may run before RQ stops it (a 100,000-student district imports in ~25 s).
JOB_TIMEOUT = 3600


def redis_url(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("REDIS_URL") or None


def rq_queue(app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(app.config.get("JOB_QUEUE", "survey"),
                 connection=Redis.from_url(redis_url(app)))


def submit(job_id: int, *, app: Flask | None = None) -> bool:
    """Give a committed job to the workers (without Redis they find it in the table).

    False when Redis cannot be reached: the job stays queued in the table and its
    page says that no worker has taken it (never an error page for the upload).
    """
    if redis_url(app) is None:
        return True
    try:
        rq_queue(app).enqueue("survey_app.jobs.worker.run_queued", job_id,
                              job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=7 * 86400)
    except RedisError:
        log.warning("job %s recorded but not queued: Redis is unreachable", job_id, exc_info=True)
        return False
    return True
