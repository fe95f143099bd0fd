"""The Flask application: surveys for students and families, workspaces for staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands."""
    from survey_app import auth, cli, db, errors, i18n, security, sso, words
    from survey_app.config import load_config
    from survey_app.models import conditions

    app = Flask(__name__, instance_relative_config=True)
    _strict_inputs(app)
    load_config(app, config)
    _trust_proxy(app)
    db.init_app(app)
    conditions.listen()  # household_condition follows every ORM write of an answer
    i18n.init_app(app)
    words.init_app(app)
    auth.init_app(app)
    sso.init_app(app)
    security.init_app(app)
    _register_blueprints(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _strict_inputs(app: Flask) -> None:
    """Requests without control characters; ids in URLs bounded (``survey_app.inputs``)."""
    from survey_app.inputs import CleanRequest, IdConverter

    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter


def _trust_proxy(app: Flask) -> None:
    """Believe X-Forwarded-* only from as many proxies as the deployment says it has."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_blueprints(app: Flask) -> None:
    """Attach every blueprint; explicit, so a reader can grep for each URL prefix."""
    from survey_app import admin, counsel, exports, main, respond, staff
    from survey_app.jobs.views import bp as jobs_bp

    app.register_blueprint(main.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(counsel.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(jobs_bp)
