"""Context data (attendance, assignment completion) as equity measures: view, export, suppression."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from flask_babel import force_locale

from survey_app.exports import service
from survey_app.models import ContextMeasure
from survey_app.reading import loader
from survey_app.services import equity
from survey_app.words import labels
from tests.factories import make_student

OLD, NEW = datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 9, 1, tzinfo=UTC)


@pytest.fixture
def context_world(session, world):
    """24 students with context data: 12 English learners, 12 not, 3 with a disability.

    The newest term is labelled "2025-fall" and an older one "2025-spring" (which
    sorts later as text): the newest import wins, not the label.
    """
    attendance = [0.85] * 6 + [0.95] * 6 + [0.98] * 10 + [0.80] * 2
    completion = [0.70] * 3 + [0.90] * 21
    for i, (rate, done) in enumerate(zip(attendance, completion, strict=True)):
        student = make_student(session, world.school, english_learner=i < 12,
                               disability=i >= 21)
        session.add(ContextMeasure(student_id=student.id, term="2025-spring", attendance_rate=0.5,
                                   assignment_completion=0.5, imported_at=OLD))
        session.add(ContextMeasure(student_id=student.id, term="2025-fall", attendance_rate=rate,
                                   assignment_completion=done, imported_at=NEW))
    session.commit()
    return world


def _values(session, world):
    ctx = loader.context(session=session, district_id=world.district.id,
                          today=datetime(2025, 10, 1).date())
    return equity.student_values(session=session, ctx=ctx, school_ids=[world.school.id]), ctx


def _by_group(table, by):
    return {row[by]: row for row in table.to_dict("records")}


def test_chronic_absence_uses_the_latest_term_and_suppresses_small_groups(session,
                                                                          context_world):
    values, ctx = _values(session, context_world)
    rows = _by_group(equity.breakdown(values, by="english_learner", measure="chronic_absent",
                                      min_n=ctx.min_n), "english_learner")
    # 2 of 12 is a count NCES 2011-603 says identifies people: hidden, and the 6 of the
    # other 12 with it (the total, 8 of 24, would give it back)
    assert (rows[False]["n"], rows[False]["suppressed"]) == (12, "small_count")
    assert pd.isna(rows[False]["count"])
    assert (rows[True]["n"], rows[True]["suppressed"]) == (12, "complementary")
    assert pd.isna(rows[True]["count"])
    assert (rows["total"]["n"], rows["total"]["count"]) == (24, 8)
    assert "__none__" not in rows  # the three students without context data count nowhere
    rows = _by_group(equity.breakdown(values, by="disability", measure="chronic_absent",
                                      min_n=ctx.min_n), "disability")
    assert rows[True]["suppressed"] == "small_n"
    assert pd.isna(rows[True]["rate"])


def test_low_completion(session, context_world):
    values, ctx = _values(session, context_world)
    table = equity.breakdown(values, by="grade", measure="low_completion", min_n=ctx.min_n)
    total = table.iloc[-1]
    assert (total["n"], total["count"]) == (24, 3)


def test_average_attendance_is_hidden_where_the_group_size_is(session, context_world):
    values, ctx = _values(session, context_world)
    rows = _by_group(equity.breakdown(values, by="english_learner", measure="attendance_avg",
                                      min_n=ctx.min_n), "english_learner")
    assert rows[True]["rate"] == pytest.approx(0.90)
    assert rows[False]["rate"] == pytest.approx(0.95)
    assert rows["total"]["rate"] == pytest.approx(0.925)
    assert rows[True]["gap"] == pytest.approx(-0.025)
    rows = _by_group(equity.breakdown(values, by="disability", measure="completion_avg",
                                      min_n=ctx.min_n), "disability")
    assert rows[True]["suppressed"] == "small_n"
    assert pd.isna(rows[True]["rate"])
    # the other group alone would give the small one away from the total
    assert rows[False]["suppressed"] == "complementary"
    assert pd.isna(rows[False]["rate"])


def test_without_context_data_the_measures_are_empty(session, world):
    values, ctx = _values(session, world)
    table = equity.breakdown(values, by="grade", measure="attendance_avg", min_n=ctx.min_n)
    assert pd.isna(table.iloc[-1]["rate"])


def _equity(client, query: str) -> str:
    return client.get(f"/counsel/equity?{query}").get_data(as_text=True)


def test_analyst_sees_attendance_measures_in_the_equity_view(client, login_as,
                                                            context_world):
    login_as(context_world.users["analyst"])
    html = _equity(client, "measure=attendance_avg&by=english_learner")
    assert "Average attendance (latest term)" in html
    assert "<svg" in html
    assert ">90%<" in html
    assert ">95%<" in html
    assert '<th scope="col">Average</th>' in html  # an average, not a rate
    assert '<th scope="col">Rate</th>' not in html
    assert "the dashed line is the average for all students." in html
    assert "The dashed line is the rate" not in html
    html = _equity(client, "measure=chronic_absent&by=english_learner")
    assert "chronically absent (attendance below 90%)" in html
    assert ">33%<" in html  # the total (8 of 24); both groups are hidden
    assert ">50%<" not in html
    assert '<th scope="col">Rate</th>' in html
    assert "The dashed line is the rate for all students." in html
    html = _equity(client, "measure=attendance_avg&by=english_learner&lang=es")
    assert '<th scope="col">Promedio</th>' in html
    for student in context_world.students:
        assert student.sis_id not in html


def test_equity_export_holds_the_context_measures(app, session, context_world):
    req = service.ExportRequest(kind="equity", fmt="csv", district_id=context_world.district.id,
                                school_ids=(context_world.school.id,))
    out = io.BytesIO()
    with app.test_request_context():
        service.write_export(session=session, req=req, out=out)
    frame = pd.read_csv(io.BytesIO(out.getvalue()), encoding="utf-8-sig")
    rows = frame.loc[(frame["Measure"] == "Average attendance (latest term)")
                     & (frame["Grouped by"] == "English learner")]
    assert rows["Shown as"].tolist() == ["95%", "90%", "92%"] or \
        sorted(rows["Shown as"].tolist()) == ["90%", "92%", "95%"]
    low = frame.loc[frame["Measure"].str.startswith("Students who complete fewer than 80%")]
    assert not low.empty


@pytest.mark.parametrize(("lang", "gap", "shown"), [
    ("en", 1, "+1 point"), ("en", -1, "-1 point"), ("en", 13, "+13 points"),
    ("en", 0, "+0 points"), ("es", 1, "+1 punto"), ("es", -2, "-2 puntos"),
    ("ru", 1, "+1 пункт"), ("ru", -3, "-3 пункта"), ("ru", 11, "+11 пунктов"),
    ("ar", 3, "+3 نقاط"),
])
def test_the_gap_to_all_students_is_counted_in_points(app, lang, gap, shown):
    """The sign is shown, and the plural follows the size of the gap, not its sign."""
    with app.test_request_context(), force_locale(lang):
        assert labels.gap_points(gap) == shown
