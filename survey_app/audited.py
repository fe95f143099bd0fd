"""What each staff route audits, declared on the route (like ``permission_required``).

Every route that is not ``@public`` carries ``@audited(...)``: the actions it records, by
method, or ``audited.nothing(reason)`` for a page that shows no one's data. The
decorator does the recording, so a declared route cannot forget it: after a request
that succeeded (status below 400) it writes one audit event with the signed-in user,
the address, the target (a URL argument such as ``student_id``, or what the view put in
``g.audit``), the school and the outcome "ok". A refused or missing record (403, 404, a
form sent back with 400) discloses nothing and records nothing; a route may name an
action for failures too (``failed=``: a download that could not be built is recorded
as a failed export). tests/security/test_audit_coverage.py walks ``app.url_map`` with
every role against these declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import g, make_response, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from survey_app.db import get_session, write_next
from survey_app.services import audit

#: URL argument → the audit target type it names.
TARGETS = {"student_id": "student", "household_id": "household", "wave_id": "wave"}


def audited(actions: str | Mapping[str, str], *, failed: str | None = None) -> Callable:
    """Record ``actions`` (one action for GET, or method → action) after each success."""
    by_method = {"GET": actions} if isinstance(actions, str) else dict(actions)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.audit = {}
            try:
                response = make_response(view(*args, **kwargs))
            except HTTPException:
                raise  # refused or not found: nothing was disclosed
            except Exception:
                if failed and request.method in by_method:
                    _record(failed, kwargs, outcome="failed")
                raise
            action = by_method.get(request.method)
            if action and not g.audit.get("skip"):
                if response.status_code < 400:
                    _record(action, kwargs, outcome="ok")
                elif failed and response.status_code >= 500:
                    _record(failed, kwargs, outcome="failed")
            return response

        wrapped.audits = by_method  # read by the audit-coverage test
        wrapped.audits_failed = failed
        return wrapped

    return decorator


def nothing(reason: str) -> Callable:
    """Declare that a route shows or changes no one's identifiable data (and why)."""

    def decorator(view: Callable) -> Callable:
        view.audits = {}
        view.audits_reason = reason
        return view

    return decorator


def by_view(actions: Mapping[str, str], *, when: str) -> Callable:
    """Declare actions a view records in its own code, with details only it knows
    (``when``: on what condition). The coverage test checks them like the others."""

    def decorator(view: Callable) -> Callable:
        view.audits = dict(actions)
        view.audits_by_view = when
        return view

    return decorator


audited.nothing = nothing
audited.by_view = by_view


def _record(action: str, kwargs: dict, *, outcome: str) -> None:
    if not current_user.is_authenticated:
        return
    db = get_session()
    if outcome == "failed":
        db.rollback()
    noted = dict(g.get("audit") or {})
    target_type = noted.pop("target_type", None)
    target_id = noted.pop("target_id", None)
    if target_type is None:
        named = next((k for k in TARGETS if k in kwargs), None)
        if named:
            target_type, target_id = TARGETS[named], kwargs[named]
    write_next(db)  # a read request's small write: its own transaction, holding the lock
    audit.record(session=db, staff_id=current_user.id, action=action, target_type=target_type,
                 target_id=target_id, school_id=noted.pop("school_id", None),
                 detail=noted.pop("detail", None) or {}, ip=request.remote_addr,
                 outcome=outcome)
    db.commit()


def read_event(action: str, *, target_type: str, target_id: Any = None,
               school_id: int | None = None, **detail: Any) -> None:
    """Record a read request's own audit event now (for ``by_view`` GET routes), in a
    transaction of its own begun with the write lock (``write_next``), and commit it.

    A read request reads in a deferred transaction; an audit row written straight into it
    is refused at once with "database is locked" on SQLite whenever another connection
    committed since its first read (a family saving a survey page): the class pages
    answered 503 so. Whatever the view shows after this was read before it."""
    db = get_session()
    write_next(db)
    audit.record(session=db, staff_id=current_user.id, action=action, target_type=target_type,
                 target_id=target_id, school_id=school_id, detail=detail,
                 ip=request.remote_addr)
    db.commit()


audited.read_event = read_event


def note(**fields: Any) -> None:
    """What this request's audit event is about (``target_type``, ``target_id``,
    ``school_id``, ``detail``), when the URL arguments do not say it all."""
    g.audit = {**g.get("audit", {}), **fields}


audited.note = note
