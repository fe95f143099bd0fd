"""The public front door and the health check (a typed code goes to ``respond.enter_code``)."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import literal, select

from survey_app import throttle
from survey_app.auth import public
from survey_app.db import get_session
from survey_app.forms import CodeForm

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Show the code form and the language choice."""
    return render_template("main/home.html", form=CodeForm())


@bp.get("/healthz")
@public
def healthz():
    """Say whether the app and its database answer, and where rate limits are counted.

    Redis down is ``"redis": "degraded"`` with 200: limits are counted per process
    meanwhile (``survey_app.throttle``), and the app serves; the database down is 503.
    """
    try:
        get_session().execute(select(literal(1))).one()
        database = "up"
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        database = "down"
    status = 200 if database == "up" else 503
    return jsonify(app="up", database=database, redis=throttle.counters().state()), status
