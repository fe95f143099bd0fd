"""One roster import, start to end: open → check → work out the changes → save or not.

The one function the command line, the web page (and a background job) call, so
that each gets the same checks: :func:`run` opens the package (a refused ZIP is a
report with one problem, never an exception), imports it inside the session's
transaction, lists who would be removed, and then commits (keeping what changed,
so it can be undone: :mod:`survey_app.imports.undo`) or rolls back, when the
report has a problem or this is only a check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlmodel import Session

from survey_app.imports import oneroster
from survey_app.imports.package import Package, open_package
from survey_app.imports.report import ImportReport, PackageError
from survey_app.models import District, ImportRun, StaffUser, Student

__all__ = ["SHOWN_REMOVALS", "refused", "run", "save_run"]

log = logging.getLogger(__name__)

#: Names of removed people listed on the check page (the rest are counted).
SHOWN_REMOVALS = 200


def run(*, session: Session, path: Path, extra: Path | None = None, dry_run: bool = False,
        allow_removals: bool = False, link_accounts: bool = False,
        staff_id: int | None = None,
        progress: Callable[[int], None] | None = None,
        on_open: Callable[[Package], None] | None = None,
        keep_open: bool = False) -> ImportReport:
    """Import the package at ``path``; commit unless ``dry_run`` or a problem.

    ``progress`` is told the bytes read; ``on_open`` is given the opened package (a
    background job counts its rows with it). With ``keep_open`` the import's writes are
    left in the session's transaction, neither committed nor rolled back (the caller
    reads them: :mod:`survey_app.imports.roster_beside`)."""
    try:
        package = open_package(path)
    except PackageError as error:
        report = ImportReport(dry_run=dry_run)
        report.problem(error.problem.code, file=error.problem.file, **error.problem.params)
        return report
    if progress is not None:
        package.progress = progress
    if on_open is not None:
        on_open(package)
    try:
        report = oneroster.import_roster(session=session, package=package, extra=extra,
                                         dry_run=dry_run, staff_id=staff_id,
                                         allow_removals=allow_removals,
                                         link_accounts=link_accounts)
        report.removed = _removed_names(session, report.changes)
    except PackageError as error:  # a member of the ZIP fails while it is read
        session.rollback()
        report = ImportReport(dry_run=dry_run)
        report.problem(error.problem.code, file=error.problem.file, **error.problem.params)
        return report
    except (IntegrityError, DataError) as error:
        session.rollback()
        return refused(error, dry_run=dry_run)
    if keep_open:
        return report
    if not report.ok or dry_run:
        session.rollback()
        return report
    try:
        save_run(session=session, report=report, staff_id=staff_id)
    except (IntegrityError, DataError) as error:
        session.rollback()
        return refused(error, dry_run=dry_run)
    oneroster.refresh_statistics(session)
    return report


def refused(error: DBAPIError, *, dry_run: bool) -> ImportReport:
    """A last line: a constraint the checks above missed is a located refusal, never a
    traceback (the tests treat reaching it as a defect). Nothing was saved."""
    log.error("roster import refused by the database: %s", error.orig)
    report = ImportReport(dry_run=dry_run)
    detail = str(getattr(error, "orig", error)).splitlines()[0][:200]
    report.problem("database_refused", detail=detail)
    return report


def save_run(*, session: Session, report: ImportReport, staff_id: int | None) -> None:
    """Keep what the import changed (for undo) and commit it with the import."""
    district_id = session.execute(select(District.id).order_by(District.id)).scalars().first()
    session.add(ImportRun(district_id=district_id, staff_id=staff_id,
                          counts={k: dict(c) for k, c in report.counts.items()},
                          changes=report.changes))
    session.commit()


def _removed_names(session: Session, changes: dict) -> dict[str, list[str]]:
    """Who this import deactivates, by name (students, then staff); not the accounts
    the guard kept active."""
    out: dict[str, list[str]] = {}
    for table, model in (("student", Student), ("staff_user", StaffUser)):
        ids = [int(pk) for pk, old in changes.get(table, {}).get("updated", {}).items()
               if old.get("active") is True]
        still = set()
        for start in range(0, len(ids), 900):
            still.update(session.execute(select(model.id).where(
                model.id.in_(ids[start:start + 900]), model.active.is_(True))).scalars())
        ids = [pk for pk in ids if pk not in still]
        names = []
        for start in range(0, min(len(ids), SHOWN_REMOVALS), 900):
            part = ids[start:min(start + 900, SHOWN_REMOVALS)]
            names += [f"{g} {f}".strip() for g, f in session.execute(
                select(model.given_name, model.family_name).where(model.id.in_(part)))]
        if ids:
            out[table] = sorted(names, key=str.casefold)
            out[f"{table}_count"] = len(ids)
    return out
