"""Operations: back up, restore, and purge a wave after its retention period."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlmodel import select

from survey_app.db import get_engine, job_session
from survey_app.models import District
from survey_app.services import audit, backup, retention


@click.command("backup")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it (default: instance/backup-YYYYmmdd-HHMMSS.db or .dump).")
def backup_command(out: Path | None) -> None:
    """Back up the whole database (SQLite backup API, or pg_dump for PostgreSQL)."""
    engine = get_engine(current_app)
    if out is None:
        suffix = ".db" if engine.url.get_backend_name() == "sqlite" else ".dump"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(current_app.instance_path) / f"backup-{stamp}{suffix}"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        backup.backup(engine, out)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    with job_session(current_app) as session:
        audit.record(session=session, staff_id=None, action="backup", detail={"file": str(out)})
        session.commit()
    click.echo(f"Backed up to {out} ({out.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the whole database with a backup made by `backup`."""
    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    try:
        backup.restore(get_engine(current_app), source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    with job_session(current_app) as session:
        audit.record(session=session, staff_id=None, action="restore",
                     detail={"file": str(source)})
        session.commit()
    click.echo(f"Restored from {source}.")


@click.command("purge")
@click.option("--wave", "ordinal", type=int, required=True, help="The wave number (1, 2, …).")
@click.option("--force", is_flag=True, help="Purge even before the retention period ends.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(ordinal: int, force: bool, yes: bool) -> None:
    """Delete a wave's identifiable survey answers once its retention period is over."""
    if not yes:
        click.confirm(f"Delete the answers of wave {ordinal} for good?", abort=True)
    with job_session(current_app) as session:
        district = session.exec(select(District)).first()
        if district is None:
            raise click.ClickException("no district in this database")
        try:
            report = retention.purge_wave(session=session, district_id=district.id,
                                          ordinal=ordinal, force=force)
        except retention.RetentionError as error:
            raise click.ClickException(str(error)) from error
        audit.record(session=session, staff_id=None, action="purge_wave",
                     target_type="wave", target_id=ordinal, detail=report.__dict__)
        session.commit()
    click.echo(f"Wave {ordinal}: deleted {report.answers} answers, {report.ties} survey ties, "
               f"{report.adults} typed adults, {report.language_switches} language switches.")


COMMANDS = [backup_command, restore_command, purge_command]
