"""Fixtures: an app on a fresh database per test (SQLite, and PostgreSQL when asked).

``TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
adds PostgreSQL: every test that uses the database runs on both engines. Each test
session creates its own PostgreSQL database beside the given one, so parallel runs
never share tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import survey_app.models  # noqa: F401
from survey_app import create_app
from tests import factories
from tests._databases import scratch_postgres

# CI replays the same examples every run (a property that fails there fails for everyone,
# not by the luck of the draw); everyday runs draw new ones. HYPOTHESIS_PROFILE overrides.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

# Under pytest-xdist each worker takes a Redis database of its own (gw0: the given one,
# gw1: the one below it, ...): the job and scale tests empty theirs between tests.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and _WORKER[2:].isdigit():
    _base, _, _db = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15").rpartition("/")
    os.environ["REDIS_TEST_URL"] = f"{_base}/{max(int(_db or 15) - int(_WORKER[2:]), 0)}"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "SERVER_NAME": None,
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """One SQLite file with the schema, copied for each test (fast and isolated)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own on the server TEST_DATABASE_URL names, dropped at the end."""
    with scratch_postgres("test") as url:
        engine = create_engine(url)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        yield url


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def fresh_database(request, tmp_path, backend: str) -> str:
    """An empty database with the schema on ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    return fresh_database(request, tmp_path, request.param)


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """The test settings; a test may change them before asking for ``app``."""
    return {**TEST_CONFIG, "DATABASE_URL": database_url, "JOB_FOLDER": str(tmp_path)}


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    from survey_app.db import get_engine

    get_engine(app).dispose()


@pytest.fixture
def make_app(app_config):
    """Another app on the same database with some settings changed; its pool is closed after."""
    from survey_app.db import get_engine

    made = []

    def _make(**overrides):
        made.append(create_app({**app_config, **overrides}))
        return made[-1]

    yield _make
    for other in made:
        get_engine(other).dispose()


@pytest.fixture
def deferred_writes(app):
    """Statements that write inside a deferred SQLite transaction (a read request's), as
    (path, statement). Such a write is refused at once with "database is locked" when
    another connection committed since the transaction's first read (SQLite cannot
    upgrade a stale snapshot; the busy timeout does not apply): a teacher's class pages
    and a family's letter link answered 503 while others saved survey pages. A read
    request writes through ``write_next`` (a transaction begun IMMEDIATE: it waits)."""
    from flask import has_request_context, request
    from sqlalchemy import event

    from survey_app.db import IMMEDIATE, get_engine

    seen: list[tuple[str, str]] = []

    def check(conn, _cursor, statement, _params, _context, _many):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if (has_request_context() and conn.dialect.name == "sqlite"
                and verb in ("INSERT", "UPDATE", "DELETE")
                and not conn.get_execution_options().get(IMMEDIATE)):
            seen.append((request.path, statement[:60]))

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", check)
    yield seen
    event.remove(engine, "before_cursor_execute", check)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app) -> Iterator[Session]:
    """A database session outside any request (for arranging and checking data)."""
    from survey_app.db import get_engine

    with Session(get_engine(app), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def world(session) -> factories.World:
    """A district with two schools, a wave, and one user of each role."""
    return factories.build_world(session)


@pytest.fixture
def login_as(client):
    """Sign ``client`` in as a user made by the factories (password is factories.PASSWORD)."""

    def _login(user, *, follow_redirects=False):
        return client.post(
            "/staff/login",
            data={"email": user.email, "password": factories.PASSWORD},
            follow_redirects=follow_redirects,
        )

    return _login


# The figures the suites measure (tests/figures.py, tests/security/figures.py), after the
# run. Under pytest-xdist each worker gathers its own: they come back to the controller
# with the worker's output and are added up (counts) or joined (lines) there.

def _figure_lists() -> dict[str, list[str]]:
    from tests import figures

    return {"fault figures": figures.FAULTS, "browser figures": figures.BROWSER}


def pytest_sessionfinish(session):
    from tests.security.figures import COUNTED, FIGURES

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["security_figures"] = dict(FIGURES)
        workeroutput["security_counted"] = sorted(COUNTED)
        workeroutput["figure_lines"] = {k: list(v) for k, v in _figure_lists().items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    from tests.security.figures import FIGURES

    output = getattr(node, "workeroutput", {})
    counted = set(output.get("security_counted", ()))
    for name, value in output.get("security_figures", {}).items():
        FIGURES[name] = int(FIGURES.get(name, 0)) + value if name in counted else value
    lists = _figure_lists()
    for section, lines in output.get("figure_lines", {}).items():
        lists[section].extend(lines)


def pytest_terminal_summary(terminalreporter):
    from tests.security.figures import FIGURES

    for section, lines in _figure_lists().items():
        if lines:
            terminalreporter.section(section)
            for line in lines:
                terminalreporter.write_line(line)
    if FIGURES:
        terminalreporter.write_sep("-", "security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
