"""The context-data import: attendance, completion, grade average per student and term."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from survey_app.imports.context import import_context
from survey_app.models import ContextMeasure


def _run(app, session, text: str):
    with app.test_request_context():
        report = import_context(session=session, raw=io.BytesIO(text.encode("utf-8-sig")),
                                name="context.csv")
    if report.ok:
        session.commit()
    else:
        session.rollback()
    return report


def test_imports_and_updates_by_student_and_term(app, session, world):
    a, b = world.students[0], world.students[1]
    report = _run(app, session, "sourcedId,term,attendance_rate,assignment_completion,"
                  f"grade_average\n{a.sourced_id},2025-fall,0.93,81%,78.5\n"
                  f"{b.sourced_id},2025-fall,,,\n")
    assert report.ok, report.problems
    measure = session.exec(select(ContextMeasure).where(ContextMeasure.student_id == a.id)).one()
    assert (measure.attendance_rate, measure.assignment_completion,
            measure.grade_average) == (0.93, pytest.approx(0.81), 78.5)
    report = _run(app, session, "userSourcedId,Term,attendanceRate\n"
                  f"{a.sourced_id},2025-fall,0.5\n")
    assert report.counts["context measures"]["updated"] == 1
    session.expire_all()
    assert session.get(ContextMeasure, measure.id).attendance_rate == 0.5
    assert len(session.exec(select(ContextMeasure)).all()) == 2


def test_bad_rows_import_nothing_and_name_row_and_column(app, session, world):
    a = world.students[0]
    report = _run(app, session, "sourcedId,term,attendance_rate,grade_average\n"
                  f"{a.sourced_id},t1,0.9,80\n"
                  f"{a.sourced_id},t2,1.7,80\n"
                  f"nobody,t1,0.9,80\n"
                  f"{a.sourced_id},t3,0.9,abc\n")
    assert not report.ok
    where = {(p.row, p.column, p.code) for p in report.problems}
    assert where == {(3, "attendance_rate", "bad_number"), (4, "sourcedId", "unknown_student"),
                     (5, "grade_average", "bad_number")}
    assert session.exec(select(ContextMeasure)).all() == []


def test_cli(runner, world, tmp_path):
    path = tmp_path / "context.csv"
    path.write_text(f"sourcedId,term,attendance_rate\n{world.students[0].sourced_id},t,0.9\n")
    result = runner.invoke(args=["import-context", str(path)])
    assert result.exit_code == 0, result.output
    assert "context measures: 1 created" in result.output
