"""``import-roster`` and ``import-context``: load OneRoster packages and context data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from survey_app.db import job_session
from survey_app.imports import context, oneroster
from survey_app.imports.package import open_package
from survey_app.imports.report import ImportReport, PackageError, describe


def echo_report(report: ImportReport, *, as_json: bool = False) -> None:
    """Counts, notes and problems, for an operator (English is fine here)."""
    with force_locale("en"):
        if as_json:
            click.echo(json.dumps(report.as_dict()))
        else:
            _echo_lines(report)


def _echo_lines(report: ImportReport) -> None:
    for kind, counts in report.counts.items():
        shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()) if n)
        click.echo(f"{kind}: {shown or 'nothing'}")
    for note in report.notes:
        click.echo(f"note: {describe(note)}")
    for problem in report.problems:
        where = ":".join(str(p) for p in (problem.file, problem.row) if p is not None)
        column = f" [{problem.column}]" if problem.column else ""
        click.echo(f"error: {where}{column}: {describe(problem)}", err=True)
    if report.problem_count > len(report.problems):
        click.echo(f"… and {report.problem_count - len(report.problems)} more problems", err=True)


class _Bar:
    """A progress bar on stderr fed with byte counts."""

    def __init__(self, total: int):
        self._bar = click.progressbar(length=max(total, 1), label="Reading", file=sys.stderr,
                                      show_pos=False, show_percent=True)

    def __enter__(self):
        self._bar.__enter__()
        return self._bar.update

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc)


@click.command("import-roster")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--extra", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV keyed by sourcedId: english_learner, disability, econ_disadvantaged, "
                   "consent (consented/opted_out/no_answer), preferred_language, home_language.")
@click.option("--dry-run", is_flag=True, help="Report what would change; save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def import_roster(path: Path, extra: Path | None, dry_run: bool, as_json: bool) -> None:
    """Import a OneRoster 1.1/1.2 bulk package (folder or ZIP) in one transaction."""
    try:
        package = open_package(path)
    except PackageError as error:
        with force_locale("en"):
            raise click.ClickException(describe(error.problem)) from error
    with job_session(current_app) as session, _Bar(
            oneroster.planned_bytes(package, extra)) as progress:
        package.progress = progress
        report = oneroster.import_roster(session=session, package=package, extra=extra,
                                         dry_run=dry_run)
        if report.ok and not dry_run:
            session.commit()
            oneroster.refresh_statistics(session)
        else:
            session.rollback()
    echo_report(report, as_json=as_json)
    if not report.ok:
        raise click.ClickException(f"{report.problem_count} problems: nothing was imported")
    click.echo("Dry run: nothing was saved." if dry_run else "Imported.")


@click.command("import-context")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; save nothing.")
def import_context(path: Path, dry_run: bool) -> None:
    """Import attendance, completion and grade average per student and term (see imports/context.py)."""
    with job_session(current_app) as session, _Bar(path.stat().st_size) as progress, \
            path.open("rb") as raw:
        report = context.import_context(session=session, raw=raw, name=path.name,
                                        dry_run=dry_run, progress=progress)
        if report.ok and not dry_run:
            session.commit()
        else:
            session.rollback()
    echo_report(report)
    if not report.ok:
        raise click.ClickException(f"{report.problem_count} problems: nothing was imported")
    click.echo("Dry run: nothing was saved." if dry_run else "Imported.")


COMMANDS = [import_roster, import_context]
