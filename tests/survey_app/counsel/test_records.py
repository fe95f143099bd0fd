"""services/records.py: rows → the documented tables, conditions, merges, neighbourhoods."""

from __future__ import annotations

from relationships import evaluate, validate_tables
from survey_app.models import Adult
from survey_app.services import records


def _ctx(session, story):
    return records.context(session=session, district_id=story.world.district.id)


def test_school_tables_follow_the_contract(app, session, story):
    with app.app_context():
        tables = records.load_school_tables(session=session, ctx=_ctx(session, story),
                                            school_ids=[story.world.school.id])
    validate_tables(tables)  # raises on any broken record
    st = tables.students.set_index("student_id")
    assert st.loc[story.flagged.id, "responded_student"]
    assert st.loc[story.connected.id, "responded_family"]  # same household as the flagged one
    assert not st.loc[story.silent.id, "responded_family"]
    assert st.loc[story.connected.id, "responded_student"]
    assert set(tables.ties["student_id"]) == {story.flagged.id, story.connected.id}
    staff = tables.adults.dropna(subset=["staff_id"])
    assert story.world.users["staff"].id in set(staff["staff_id"])
    assert staff["staff_id"].is_unique


def test_the_students_own_answers_win_and_the_family_fills_gaps(app, session, story):
    with app.app_context():
        tables = records.load_school_tables(session=session, ctx=_ctx(session, story),
                                            school_ids=[story.world.school.id])
    row = tables.conditions.set_index("student_id").loc[story.flagged.id]
    assert row["internet"] == "phone_only"  # the student's answer, not the family's
    assert row["quiet_place"] == "no"  # only the family answered
    assert row["device_phone"]
    assert not row["device_own"]


def test_a_merged_adult_counts_as_the_one_it_was_merged_into(app, session, story):
    uncle, nana = story.adults["uncle"], story.adults["nana"]
    session.get(Adult, uncle.id).merged_into_id = nana.id
    session.commit()
    with app.app_context():
        tables = records.load_school_tables(session=session, ctx=_ctx(session, story),
                                            school_ids=[story.world.school.id])
    ties = tables.ties.loc[tables.ties["student_id"] == story.flagged.id]
    assert uncle.id not in set(ties["adult_id"])
    assert (ties["adult_id"] == nana.id).sum() == 2  # student's and family's tie, one person


def test_neighbourhood_flags_equal_the_school_flags(app, session, story):
    ctx = _ctx(session, story)
    with app.app_context():
        school = records.load_school_tables(session=session, ctx=ctx,
                                            school_ids=[story.world.school.id])
        for student in (story.flagged, story.connected, story.silent):
            one = records.load_neighbourhood(session=session, ctx=ctx, student_id=student.id)
            mine = [(f.code, f.params) for f in evaluate(one, ctx.rules).flags
                    if f.student_id == student.id]
            theirs = [(f.code, f.params) for f in evaluate(school, ctx.rules).flags
                      if f.student_id == student.id]
            assert mine == theirs, student.id
