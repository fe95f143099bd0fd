"""``create-user``: make a staff account from the command line."""

from __future__ import annotations

import os

import click
from flask import current_app
from sqlmodel import select

from survey_app.db import job_session
from survey_app.models import District, School
from survey_app.models.enums import Role
from survey_app.services import users


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="district_admin, counselor, staff or analyst.")
@click.option("--school", "school_codes", multiple=True, metavar="CODE",
              help="School code; repeat for a counselor serving several schools.")
@click.option("--name", default="", help='Full name, e.g. "Ana Reyes".')
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of a prompt.")
def create_user(email: str, role: str, school_codes: tuple[str, ...], name: str,
                password_env: str | None) -> None:
    """Create a staff account that can sign in."""
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or unset")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    given, _sep, family = name.partition(" ")
    with job_session(current_app) as session:
        district = session.exec(select(District)).first()
        if district is None:
            raise click.ClickException("no district yet: import a roster or run `demo` first")
        school_ids = []
        for code in school_codes:
            school = session.exec(select(School).where(School.code == code)).first()
            if school is None:
                raise click.ClickException(f"no school with code {code!r}")
            school_ids.append(school.id)
        try:
            user = users.create_user(
                session=session, district_id=district.id, email=email, password=password,
                role=role, given_name=given or email.split("@")[0], family_name=family,
                school_ids=school_ids,
            )
        except users.UserError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")


COMMANDS = [create_user]
