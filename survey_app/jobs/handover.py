"""What every page that starts a job shares: refuse its form with the right status, or
record the job for the signed-in staff member, hand it to the queue and show its page.

Below the blueprints (the reminders page, the exports and upload pages use it; a
blueprint never imports another), beside the job page it sends the browser to.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app.db import get_session
from survey_app.jobs import queue, runs


def refused_status() -> int:
    """The status of a page showing a job's form: 400 when the form was sent and refused
    (the page shows why, with what was typed), 200 when it is only being shown."""
    return 400 if request.method == "POST" else 200


def start(kind: str, *, params: dict[str, Any] | None = None,
          files: dict[str, bytes] | None = None) -> Response:
    """Record a ``kind`` job started by the signed-in staff member (audited as
    ``job_started`` with its parameters), commit it with whatever the request wrote
    before, hand it to the workers and answer with its page (303: a reload does not
    start it twice)."""
    db = get_session()
    run = runs.create(session=db, kind=kind, district_id=current_user.district_id,
                      staff_id=current_user.id, params=params, files=files,
                      ip=request.remote_addr)
    db.commit()
    queue.submit(run.id)
    return redirect(url_for("jobs.show", job_id=run.id), 303)
