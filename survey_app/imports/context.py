"""Context data: attendance, assignment completion and grade average per student and term.

The CSV (UTF-8, one row per student and term; headers matched through the alias table)::

    sourcedId,term,attendance_rate,assignment_completion,grade_average
    stu-1,2025-fall,0.93,81%,78.5

- ``sourcedId``: the student's OneRoster sourcedId (required).
- ``term``: any label up to 40 characters, e.g. ``2025-fall`` (required).
- ``attendance_rate`` and ``assignment_completion``: a fraction from 0 to 1, or a
  percentage with a ``%`` sign; empty when unknown.
- ``grade_average``: the average grade on a 0–100 scale; empty when unknown.

A row for a student and term already imported replaces its values. The whole
file is one transaction, with problems reported by row and column as for rosters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from survey_app.imports.fields import BAD, parse_number, parse_text
from survey_app.imports.package import Row, read_rows
from survey_app.imports.report import ImportReport
from survey_app.models import ContextMeasure, Student
from survey_app.models.base import utcnow

__all__ = ["import_context"]

BATCH = 2000
_MEASURES = ("attendance_rate", "assignment_completion", "grade_average")


def import_context(*, session: Session, raw: IO[bytes], name: str, dry_run: bool = False,
                   progress: Callable[[int], None] = lambda _n: None) -> ImportReport:
    """Import one context CSV; the caller commits when ``report.ok`` and not a dry run."""
    report = ImportReport(dry_run=dry_run)
    batch: dict[tuple[str, str], dict[str, Any]] = {}
    rows = read_rows(raw, name, "context", report, required=("sourcedId", "term"),
                     progress=progress)
    for row in rows:
        values = _values(row, report, name)
        if values is None:
            continue
        key = (row.get("sourcedId"), values.pop("term"))
        if key in batch:
            report.problem("duplicate", file=name, row=row.number, column="term",
                           value=" / ".join(key)[:80])
        batch[key] = values
        if len(batch) >= BATCH:
            _save(session, report, batch, name)
            batch = {}
    _save(session, report, batch, name)
    session.flush()
    return report


def _values(row: Row, report: ImportReport, name: str) -> dict[str, Any] | None:
    values = {"term": parse_text(row, "term", report, name, limit=40, required=True),
              "_row": row.number}
    for column in _MEASURES:
        percent = row.get(column).endswith("%")
        high = 100 if percent or column == "grade_average" else 1
        number = parse_number(row, column, report, name, low=0, high=high)
        values[column] = number / 100 if percent and number not in (None, BAD) else number
    if not row.get("sourcedId"):
        report.problem("required", file=name, row=row.number, column="sourcedId")
        return None
    return None if BAD in values.values() else values


def _save(session: Session, report: ImportReport, batch: dict, name: str) -> None:
    if not batch:
        return
    sids = sorted({sid for sid, _term in batch})
    students = dict(session.execute(select(Student.sourced_id, Student.id).where(
        Student.sourced_id.in_(sids))).all())
    existing = {(m.student_id, m.term): m.id for m in session.exec(select(ContextMeasure).where(
        ContextMeasure.student_id.in_(list(students.values()))))}
    new, changed = [], []
    for (sid, term), values in batch.items():
        number = values.pop("_row")
        if sid not in students:
            report.problem("unknown_student", file=name, row=number, column="sourcedId",
                           value=sid[:80])
            continue
        row = {**values, "imported_at": utcnow()}
        pk = existing.get((students[sid], term))
        if pk is None:
            new.append({**row, "student_id": students[sid], "term": term})
        else:
            changed.append({**row, "id": pk})
    if new:
        session.execute(insert(ContextMeasure), new)
    if changed:
        session.execute(update(ContextMeasure), changed)
    report.count("context measures", "created", len(new))
    report.count("context measures", "updated", len(changed))
