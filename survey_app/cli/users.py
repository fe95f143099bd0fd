"""``init-district``, ``create-user`` and ``unlink-sso``: the first district and staff accounts,
and the single sign-on links of an account."""

from __future__ import annotations

import os
import re

import click
from flask import current_app
from sqlmodel import select

from survey_app.db import job_session
from survey_app.models import District, School
from survey_app.models.enums import Role
from survey_app.services import audit, identities, users


def _password(password_env: str | None) -> str:
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or unset")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _code(name: str) -> str:
    """A district code from its name: "Riverside Unified" → "riverside-unified"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "district"


@click.command("init-district")
@click.argument("name")
@click.option("--admin", "email", required=True, metavar="EMAIL",
              help="Email of the first district admin, who can then import the roster on the web.")
@click.option("--admin-name", default="", help='Full name of the admin, e.g. "Ana Reyes".')
@click.option("--password-env", metavar="VAR",
              help="Read the admin's password from this environment variable instead of a prompt.")
def init_district(name: str, email: str, admin_name: str, password_env: str | None) -> None:
    """Create the district NAME and its first admin, on a new install (before any roster)."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise click.UsageError("the district name must have 1 to 200 characters")
    password = _password(password_env)
    given, _sep, family = admin_name.partition(" ")
    with job_session(current_app) as session:
        if session.exec(select(District.id)).first() is not None:
            raise click.ClickException("a district exists already: use create-user to add staff")
        district = District(name=name, code=_code(name))
        session.add(district)
        session.flush()
        try:
            user = users.create_user(
                session=session, district_id=district.id, email=email, password=password,
                role=Role.DISTRICT_ADMIN, given_name=given or email.split("@")[0],
                family_name=family)
        except users.UserError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
        click.echo(f"Created the district {district.name} and its admin {user.email}. "
                   "Sign in to import the roster.")


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
    password = _password(password_env)
    given, _sep, family = name.partition(" ")
    with job_session(current_app) as session:
        district = session.exec(select(District)).first()
        if district is None:
            raise click.ClickException("no district yet: run `init-district NAME --admin EMAIL` "
                                     "(or import a roster, or run `demo`) first")
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


@click.command("unlink-sso")
@click.argument("email")
@click.option("--issuer", metavar="URL", help="Only the link at this provider's issuer.")
def unlink_sso(email: str, issuer: str | None) -> None:
    """Forget an account's single sign-on links (audited): its next sign-in through a
    provider is matched by verified email again. For a link made to the wrong person."""
    with job_session(current_app) as session:
        user = users.find_by_email(session=session, email=email)
        if user is None:
            raise click.ClickException(f"no account with email {email.strip().lower()}")
        gone = identities.unlink(session=session, user_id=user.id, issuer=issuer)
        if gone:
            audit.record(session=session, staff_id=None, action="sso_unlink",
                         target_type="staff_user", target_id=user.id,
                         detail={"issuers": gone})
        session.commit()
    click.echo(f"Unlinked {len(gone)} sign-in(s) of {user.email}: {', '.join(gone) or 'none'}.")


COMMANDS = [init_district, create_user, unlink_sso]
