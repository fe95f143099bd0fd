"""The public front door and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from survey_app.auth import public
from survey_app.db import get_session
from survey_app.main.forms import CodeForm

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """Show the code form and the language choice."""
    return render_template("main/home.html", form=CodeForm())


@bp.get("/healthz")
@public
def healthz():
    """Say whether the app and its database answer."""
    try:
        get_session().exec(text("SELECT 1")).one()
        database = "up"
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        database = "down"
    status = 200 if database == "up" else 503
    return jsonify(app="up", database=database), status


@bp.post("/")
@public
def enter_code():
    """Check a typed code; the survey itself opens from the respond blueprint."""
    from flask import current_app, flash, redirect, url_for
    from flask_babel import gettext as _
    from sqlmodel import select

    from survey_app.models import Invitation
    from survey_app.services import codes

    form = CodeForm()
    if form.validate_on_submit():
        code = codes.normalize_code(form.code.data)
        secret = current_app.config["SECRET_KEY"]
        found = codes.looks_like_code(code) and get_session().exec(
            select(Invitation.id).where(Invitation.code_hash == codes.hash_secret(secret, code))
        ).first()
        if found:
            flash(_("Thank you. Your code is right."), "success")
            return redirect(url_for("main.home"))
        form.code.errors.append(_("We could not find that code. Please check it and try again."))
    return render_template("main/home.html", form=form), 400
