"""``invitations``: create a wave's invitations and export them for mail merge."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import current_app
from sqlmodel import select

from survey_app.db import job_session
from survey_app.models import School, SurveyWave
from survey_app.models.enums import SurveyKind
from survey_app.services import invitations, waves

KINDS = click.Choice([k.value for k in SurveyKind])
COLUMNS = ["code", "url", "kind", "school", "grade", "language", "invitation_id", "student_ids",
           "household_id", "sis_ids"]


@click.group("invitations")
def group() -> None:
    """Survey invitations: codes, links and letters."""


def _wave(session, ordinal: int | None) -> SurveyWave:
    query = select(SurveyWave).order_by(SurveyWave.ordinal.desc())
    if ordinal is not None:
        query = select(SurveyWave).where(SurveyWave.ordinal == ordinal)
    wave = session.exec(query).first()
    if wave is None:
        raise click.ClickException("no survey wave yet: import a roster or run `demo` first")
    return wave


def _school_id(session, code: str | None) -> int | None:
    if code is None:
        return None
    school = session.exec(select(School).where(School.code == code)).first()
    if school is None:
        raise click.ClickException(f"no school with code {code!r}")
    return school.id


@group.command("create")
@click.option("--kind", type=KINDS, multiple=True, help="student and/or family (default both).")
@click.option("--school", "school_code", metavar="CODE", help="Only this school.")
@click.option("--wave", "wave_ordinal", type=int, help="Wave number (default the latest).")
def create(kind: tuple[str, ...], school_code: str | None, wave_ordinal: int | None) -> None:
    """Invite every student (grades 3–12) and household not yet invited in the wave."""
    with job_session(current_app) as session:
        wave = _wave(session, wave_ordinal)
        school_id = _school_id(session, school_code)
        for k in kind or [k.value for k in SurveyKind]:
            made = invitations.create_for_wave(session=session, wave=wave, kind=k,
                                               secret=current_app.config["SECRET_KEY"],
                                               school_id=school_id)
            session.commit()
            click.echo(f"{len(made)} {k} invitations created in wave {wave.ordinal}.")


@group.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--kind", type=KINDS, help="Only student or only family invitations.")
@click.option("--school", "school_code", metavar="CODE", help="Only this school.")
def export(out: Path, kind: str | None, school_code: str | None) -> None:
    """Write a mail-merge CSV: code, url, kind, school, grade, language, ids.

    Only the open waves' invitations not answered yet (as the letters page).
    """
    secret = current_app.config["SECRET_KEY"]
    base = current_app.config["PUBLIC_BASE_URL"]
    with job_session(current_app) as session:
        _school_id(session, school_code)
        rows = invitations.listing(session=session, kind=kind, school_code=school_code,
                                   wave_ids=waves.open_wave_ids(session=session),
                                   unsubmitted=True)
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for row in rows:
                inv = row["invitation"]
                access = invitations.access(inv, secret=secret, base_url=base)
                writer.writerow([
                    access.code, access.url, inv.kind, row["school"], row["grade"], inv.language,
                    inv.id, ";".join(str(k.id) for k in row["children"]),
                    inv.household_id or "", row["sis_ids"],
                ])
    click.echo(f"{len(rows)} invitations written to {out}.")


COMMANDS = [group]
