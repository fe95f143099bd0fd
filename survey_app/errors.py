"""Error pages in the reader's language; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from survey_app.db import close_session

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something in that request was not right"),
          _l("Please go back and try again.")),
    403: (_l("This page is not open to you"),
          _l("Your role does not include this page. If you think it should, ask your district administrator.")),
    404: (_l("We could not find that page"),
          _l("The address may be mistyped, or the page may not be open to you.")),
    405: (_l("That action is not possible here"),
          _l("Please go back and use the buttons on the page.")),
    413: (_l("That file is too large"),
          _l("Please send a smaller file.")),
    429: (_l("Too many tries"),
          _l("Please wait a little and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you entered before this page was lost. Please try again in a moment.")),
    503: (_l("The service is busy for a moment"),
          _l("Nothing you saved was lost. Please try again in a minute.")),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)


def render_error(status: int, detail: str | None = None, *, hint: str | None = None,
                 bare: bool = False):
    """The error page; ``bare``: without what the page header reads from the database
    (the signed-in staff member). A page that needed the database and lost it is
    rendered bare, so an error page never fails in its turn (the server's own 500)."""
    title, message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    page = {"status": status, "title": title, "message": detail or message, "hint": hint}
    if not bare:
        try:
            return render_template("errors/error.html", bare=False, **page), status
        except SQLAlchemyError as error:
            log.warning("error page without the database: %s", error)
            close_session()
    if "_login_user" not in g:  # Flask-Login would load the signed-in user from the database
        g._login_user = current_app.login_manager.anonymous_user()  # noqa: SLF001
    return render_template("errors/error.html", bare=True, **page), status


def _http_error(error: HTTPException):
    status = error.code or 500
    # Our own aborts carry a translated description; Werkzeug's English defaults do not.
    detail = error.description if _is_ours(error) else None
    response = render_error(status, detail)
    if status == 429 and getattr(error, "retry_after", None):
        return response[0], status, {"Retry-After": str(error.retry_after)}
    return response


def _is_ours(error: HTTPException) -> bool:
    return bool(error.description) and error.description != type(error).description


def _csrf_error(error: CSRFError):
    log.info("CSRF failure on %s: %s", request.path, error.description)
    return render_error(
        400,
        str(_l("This form had expired or was sent from somewhere else, so nothing was changed.")),
        hint=str(_l("Please go back, reload the page and send it again.")),
    )


def _database_unavailable(error: OperationalError):
    log.warning("database unavailable: %s", error.orig)
    close_session()  # its transaction is lost; nothing on the page may use it
    return render_error(503, bare=True)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s", request.path, exc_info=error)
    return render_error(InternalServerError.code)
