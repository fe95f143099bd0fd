"""Alembic environment: the metadata of every SQLModel table, the URL from the environment."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import survey_app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from survey_app.config import DEFAULTS
from survey_app.db import BUMP_ALL_SQL, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    return (
        config.attributes.get("database_url")
        or os.environ.get("SURVEY_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or DEFAULTS["DATABASE_URL"]
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(), target_metadata=target_metadata, literal_binds=True,
        dialect_opts={"paramstyle": "named"}, render_as_batch=True, compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata,
            render_as_batch=True, compare_type=True,
        )
        with context.begin_transaction():
            before = context.get_context().get_current_revision()
            context.run_migrations()
            moved = context.get_context().get_current_revision() != before
        # Migrations may rewrite data the running app caches: move its versions. Committed
        # here: on SQLite (no transactional DDL) the block above leaves no transaction of
        # its own to commit, and a bump made inside it was rolled back with the connection.
        if moved and inspect(connection).has_table("data_version"):
            connection.execute(text(BUMP_ALL_SQL))
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
