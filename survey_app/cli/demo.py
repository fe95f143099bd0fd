"""``demo``: load a realistic synthetic district (the same for the same seed and secret)."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app

from survey_app import demo as demo_service
from survey_app.db import get_engine
from survey_app.demo import generate, load

_GENERATION_PHASES = ("students", "staff", "wave 1", "wave 2", "follow-ups")
_GEN_UNITS, _LOAD_UNITS = 300, 700


@click.command("demo")
@click.option("--students", type=click.IntRange(10, 2_000_000), default=3000, show_default=True,
              help="How many students (split between an elementary and a high school).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed (and SECRET_KEY) gives the same district.")
@click.option("--reset", is_flag=True, help="Delete every row of every table first.")
@click.option("--if-empty", is_flag=True,
              help="Load only into an empty database; otherwise just print the sign-ins.")
def demo(students: int, seed: int, reset: bool, if_empty: bool) -> None:
    """Build a synthetic demo district and print its sign-ins (demo data only)."""
    engine = get_engine(current_app)
    if reset:
        click.echo("Deleting every row…", err=True)
        load.reset(engine)
    with engine.connect() as conn:
        empty = load.is_empty(conn)
    if not empty and if_empty:
        _print_sign_ins(engine)
        return
    if not empty:
        raise click.ClickException(
            "the database already holds a district; run `demo --reset` to replace "
            "everything in it, or `demo --if-empty` to keep it")
    rows = _build_and_load(engine, students, seed)
    demo_service.set_demo_passwords(engine)
    click.echo(f"Loaded a demo district: {students} students, {rows} rows.")
    _print_sign_ins(engine)


def _build_and_load(engine, students: int, seed: int) -> int:
    with click.progressbar(length=_GEN_UNITS + _LOAD_UNITS, label="Demo district",
                           file=sys.stderr, show_eta=False) as bar:
        step = _GEN_UNITS // len(_GENERATION_PHASES)

        def generating(phase: str) -> None:
            bar.label = f"Generating {phase}"
            bar.update(step)

        tables = generate.build_district(
            students, seed, secret=current_app.config["SECRET_KEY"], today=date.today(),
            progress=generating)
        total = sum(len(frame) for frame in tables.values())
        done = {"rows": 0, "units": 0}

        def loading(table: str, rows: int) -> None:
            done["rows"] += rows
            units = _LOAD_UNITS * done["rows"] // total
            bar.label = f"Loading {table}"
            bar.update(units - done["units"])
            done["units"] = units

        bar.update(_GEN_UNITS - bar.pos)
        return load.load(engine, tables, loading)


def _print_sign_ins(engine) -> None:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with engine.connect() as conn:
        accounts = demo_service.sign_ins(conn)
        samples = demo_service.sample_codes(conn, current_app.config["SECRET_KEY"])
    click.echo("\nDemo sign-ins (demo data only; the password is public):")
    for role, email, school in accounts:
        click.echo(f"  {role:<15} {email:<28} {school}")
    click.echo(f"  password: {demo_service.DEMO_PASSWORD}")
    click.echo("Sample access codes (spring wave):")
    for kind, code, token in samples:
        click.echo(f"  {kind:<8} {code}   {base}/r/{token}")


COMMANDS = [demo]
