"""Running an import on files uploaded through the browser."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from survey_app.imports import oneroster
from survey_app.imports.package import open_package
from survey_app.imports.report import ImportReport, PackageError

__all__ = ["import_uploaded_roster"]


def import_uploaded_roster(*, session: Session, package: FileStorage,
                           extra: FileStorage | None = None,
                           dry_run: bool = False) -> ImportReport:
    """Save the uploads to a private temporary folder, import, and forget them.

    The upload's own file name is never used for the path on disk.
    """
    with tempfile.TemporaryDirectory(prefix="roster-") as folder:
        zip_path = Path(folder) / "package.zip"
        package.save(zip_path)
        extra_path = None
        if extra is not None and extra.filename:
            extra_path = Path(folder) / "extra.csv"
            extra.save(extra_path)
        try:
            opened = open_package(zip_path)
        except PackageError as error:
            report = ImportReport(dry_run=dry_run)
            report.problem(error.problem.code, **error.problem.params)
            return report
        return oneroster.import_roster(session=session, package=opened, extra=extra_path,
                                       dry_run=dry_run)
