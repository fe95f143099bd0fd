"""``export``: write a flagged list, survey answers or the support network to a file;
``refresh-flags``: store the flags exports read."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from sqlmodel import select

from survey_app.db import job_session, read_first
from survey_app.exports import service
from survey_app.models import District, School
from survey_app.reading import loader, stored_flags


@click.command("export")
@click.argument("kind", type=click.Choice(sorted(service.KINDS)))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "graphml"]), default="csv",
              show_default=True, help="csv (a ZIP of CSVs for several tables), xlsx, graphml.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write.")
@click.option("--school", "school_code", metavar="CODE", help="One school (default: all).")
@click.option("--lang", default="en", show_default=True,
              help="Language of headers, labels and reasons.")
@click.option("--deidentify", is_flag=True,
              help="network: salted hashes instead of ids; no names or free text.")
@click.option("--all-waves", is_flag=True,
              help="network: every wave, each tie with its own wave's attributes "
              "(default: the current wave only).")
@click.option("--salt", envvar="EXPORT_SALT", help="Salt for --deidentify (default: random; "
              "give the same salt to link exports).")
def export(kind: str, fmt: str, out: Path, school_code: str | None, lang: str,
           deidentify: bool, all_waves: bool, salt: str | None) -> None:
    """Export KIND (flagged, responses, network); the export is written to the audit log."""
    if lang not in current_app.config["LANGUAGES"]:
        raise click.UsageError(f"--lang must be one of {', '.join(current_app.config['LANGUAGES'])}")
    with job_session(current_app) as session:
        district, schools = _district_schools(session, school_code)
        req = service.ExportRequest(kind=kind, fmt=fmt, district_id=district.id,
                                    school_ids=tuple(s.id for s in schools),
                                    school_code=school_code, deidentify=deidentify, salt=salt,
                                    all_waves=all_waves)
        try:
            req.check()
        except service.ExportError as error:
            raise click.UsageError(str(error)) from error
        service.record(session=session, req=req, staff_id=None, ip="cli")
        session.commit()
        with force_locale(lang), out.open("wb") as handle:
            service.write_export(session=session, req=req, out=handle)
    click.echo(f"Wrote {out} ({out.stat().st_size:,} bytes).")


def _district_schools(session, school_code: str | None) -> tuple[District, list[School]]:
    district = session.exec(select(District).order_by(District.id)).first()
    if district is None:
        raise click.ClickException("no district yet: import a roster first")
    query = select(School).where(School.district_id == district.id).order_by(School.id)
    if school_code:
        query = query.where(School.code == school_code)
    schools = session.exec(query).all()
    if not schools:
        raise click.ClickException(f"no school with code {school_code!r}")
    return district, schools


@click.command("refresh-flags")
@click.option("--school", "school_code", metavar="CODE", help="One school (default: all).")
def refresh_flags(school_code: str | None) -> None:
    """Work out and store each school's flags now, so the next export need not.

    Exports store the flags they work out and reuse them until anything the flags
    read is written. Run this when a survey window closes, or nightly, so the
    first export after it is quick. Schools whose stored flags are current are
    left as they are.
    """
    with job_session(current_app) as session:
        district, schools = _district_schools(session, school_code)
        session.commit()
        read_first(session)  # read without SQLite's write lock; each school stores on its own
        ctx = loader.context(session=session, district_id=district.id, today=date.today())
        worked_out = 0
        with click.progressbar(schools, label="Flags", file=sys.stderr,
                               item_show_func=lambda s: s.code if s else None) as bar:
            for school in bar:
                worked_out += stored_flags.refresh(session=session, ctx=ctx, school_id=school.id)
    click.echo(f"Flags worked out and stored: {worked_out} school(s); "
               f"already current: {len(schools) - worked_out}.")


COMMANDS = [export, refresh_flags]
