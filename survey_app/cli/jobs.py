"""``jobs work``: the worker that runs imports, large exports and refreshes for the web pages."""

from __future__ import annotations

import click
from flask import current_app

from survey_app.jobs import queue, worker


@click.group("jobs")
def jobs() -> None:
    """The job queue: long work the web pages hand over (imports, refreshes, exports)."""


@jobs.command("work")
@click.option("--burst", is_flag=True, help="Stop once no job is waiting (for scripts and tests).")
@click.option("--poll", type=float, default=1.0, show_default=True,
              help="Without Redis: seconds between looks at the job table.")
def work(burst: bool, poll: float) -> None:
    """Run jobs as they come: an RQ worker on REDIS_URL, or without Redis a worker that
    takes jobs from the database. Start as many as you like, on any machine that
    reaches the database (and Redis)."""
    where = f"RQ queue on {queue.redis_url()}" if queue.redis_url() else "the job table"
    click.echo(f"Job worker: taking jobs from {where}.", err=True)
    ran = worker.work(current_app._get_current_object(), burst=burst, poll=poll)
    if burst:
        click.echo(f"Ran {ran} job(s).", err=True)


COMMANDS = [jobs]
