"""Settings: defaults in code, secrets and URLs from the environment, tests by override."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"

#: Every language the product ships a catalog for. A language is *offered* only
#: while its catalog is complete (see ``survey_app.i18n``).
LANGUAGES = ["en", "es", "ar", "zh_Hans", "vi", "pt", "ru", "ht", "so", "fa", "ko"]

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": DEV_SECRET_KEY,
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'survey.db'}",
    "SQL_ECHO": False,
    "LANGUAGES": LANGUAGES,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    # A family may take more than an hour over a survey: tokens live as long as the session.
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "REDIS_URL": None,
    "PROXY_FIX_HOPS": 0,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # The job queue (survey_app/jobs): RQ on REDIS_URL when set, else the job table.
    "JOB_QUEUE": "survey",
    "JOB_FOLDER": None,  # progress files without Redis (default: instance/)
    "JOB_STALE_SECONDS": 20,  # a running job silent this long has lost its worker
    # Exports covering this many students run as jobs (the page answers at once).
    "EXPORT_JOB_MIN_STUDENTS": 20_000,
    # Staff single sign-on (survey_app/sso.py): None reads OIDC_PROVIDERS and OIDC_<NAME>_*
    # from the environment; a mapping of name to settings overrides them (tests).
    "OIDC_PROVIDERS": None,
}

#: Environment variables read at start-up, with the type each becomes.
_ENV_VARS: dict[str, type] = {
    "ENV": str,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "PROXY_FIX_HOPS": int,
    "PUBLIC_BASE_URL": str,
    "SESSION_COOKIE_SECURE": bool,
    "SQL_ECHO": bool,
    "JOB_QUEUE": str,
    "JOB_FOLDER": str,
    "JOB_STALE_SECONDS": int,
    "EXPORT_JOB_MIN_STUDENTS": int,
}


def _parse(value: str, kind: type) -> Any:
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return kind(value)


def _from_environment() -> dict[str, Any]:
    found = {}
    for name, kind in _ENV_VARS.items():
        raw = os.environ.get(f"SURVEY_{name}", os.environ.get(name))
        if raw not in (None, ""):
            found[name] = _parse(raw, kind)
    return found


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config``: defaults, then the environment, then ``overrides``."""
    given = {**_from_environment(), **(overrides or {})}
    app.config.update(DEFAULTS)
    if given.get("ENV", DEFAULTS["ENV"]) == "development" or given.get("TESTING"):
        # Plain http on 127.0.0.1 while developing; production keeps Secure cookies.
        app.config["SESSION_COOKIE_SECURE"] = False
    app.config.update(given)
    check_production(app.config)


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with development settings."""
    if config.get("TESTING") or config.get("ENV") != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY) or len(config["SECRET_KEY"]) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
