"""Kindergarten and other grades read the same on every page that shows a grade."""

from __future__ import annotations

import pytest

from survey_app.counsel.equity_views import _rows
from survey_app.reading import loader
from survey_app.services import equity
from survey_app.words import labels
from tests.factories import make_student


@pytest.mark.parametrize(("grade", "shown"), [(0, "Kindergarten"), (5, "Grade 5"),
                                              (12, "Grade 12"), (None, "—")])
def test_grade_name(app, grade, shown):
    with app.test_request_context():
        assert labels.grade_name(grade) == shown


def test_kindergarten_is_named_in_the_caseload_profile_grid_and_equity(
        app, client, login_as, story, session):
    world, kid = story.world, story.flagged
    kid.grade = 0
    session.add(kid)
    for _i in range(11):
        make_student(session, world.school, grade=0)
    session.commit()
    login_as(world.users["counselor"])
    caseload = client.get("/counsel/students").get_data(as_text=True)
    assert '<span class="muted small">Kindergarten</span>' in caseload
    assert "<td>0</td>" not in caseload
    profile = client.get(f"/counsel/students/{kid.id}").get_data(as_text=True)
    assert "<dd>Kindergarten</dd>" in profile
    grid = client.get("/staff/mapping?grade=0").get_data(as_text=True)
    assert 'class="muted grade">Kindergarten<' in grid
    ctx = loader.context(session=session, district_id=world.district.id)
    values = equity.student_values(session=session, ctx=ctx, school_ids=[world.school.id])
    with app.test_request_context():
        table = equity.breakdown(values, by="grade", measure="responded", min_n=ctx.min_n)
        assert [r["label"] for r in _rows(table, "grade", ctx.min_n)] == [
            "Kindergarten", "Grade 5", "All students"]
