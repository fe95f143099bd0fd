"""``import-roster`` and ``import-context``: load OneRoster packages and context data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from survey_app.db import job_session
from survey_app.imports import context, roster_import, undo
from survey_app.imports.report import (
    LINK_PROBLEMS,
    REMOVAL_PROBLEMS,
    ImportReport,
    describe,
)


def echo_report(report: ImportReport, *, as_json: bool = False) -> None:
    """Counts, notes and problems, for an operator (English is fine here)."""
    with force_locale("en"):
        if as_json:
            click.echo(json.dumps(report.as_dict(limit=None), ensure_ascii=False, default=str))
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
@click.option("--allow-removals", is_flag=True,
              help="Confirm a bulk file that removes more than the district's share "
                   "(10%% by default) of its active students or staff.")
@click.option("--link-accounts", is_flag=True,
              help="Confirm that staff rows take over the existing accounts with their "
                   "emails (accounts made in the app, or whose sourcedId the file removes).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the whole report (every problem and note with its file, row and "
                   "column) as one JSON object, and nothing else, on stdout.")
def import_roster(path: Path, extra: Path | None, dry_run: bool, allow_removals: bool,
                  link_accounts: bool, as_json: bool) -> None:
    """Import a OneRoster 1.1/1.2 package (folder or ZIP, bulk or delta) in one transaction."""
    size = path.stat().st_size if path.is_file() else sum(
        p.stat().st_size for p in path.glob("*.csv"))
    with job_session(current_app) as session, _Bar(
            size * 2 + (extra.stat().st_size if extra else 0)) as progress:
        report = roster_import.run(session=session, path=path, extra=extra, dry_run=dry_run,
                                   allow_removals=allow_removals,
                                   link_accounts=link_accounts, progress=progress)
    echo_report(report, as_json=as_json)
    if not report.ok:
        hint = ""
        if report.confirmable:
            flags = [flag for flag, codes in (("--allow-removals", REMOVAL_PROBLEMS),
                                              ("--link-accounts", LINK_PROBLEMS))
                     if report.asks(codes)]
            hint = f" (if the file is right, confirm with {' and '.join(flags)})"
        raise click.ClickException(
            f"{report.problem_count} problems: nothing was imported{hint}")
    if not as_json:
        click.echo("Dry run: nothing was saved." if dry_run else "Imported.")


@click.command("undo-import")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def undo_import(yes: bool) -> None:
    """Undo the last roster import: restore what it removed or changed."""
    with job_session(current_app) as session:
        last = undo.last_run(session)
        if last is None:
            raise click.ClickException("no import to undo")
        if not yes:
            click.confirm(f"Undo the import of {last.created_at:%Y-%m-%d %H:%M} UTC?",
                          abort=True)
        try:
            counts = undo.undo(session=session, run=last, staff_id=None)
        except undo.UndoBlocked as blocked:
            raise click.ClickException(
                f"the import cannot be undone: the email {blocked.email} belongs to the "
                f"account of {blocked.name} now; change that account's email first") from None
        session.commit()
    click.echo(f"Undone: {counts['restored']} rows put back as they were, "
               f"{counts['removed']} rows the import had added taken out.")


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


COMMANDS = [import_roster, undo_import, import_context]
