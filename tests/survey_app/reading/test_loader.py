"""reading/loader.py: rows → the documented tables, conditions, merges, neighbourhoods."""

from __future__ import annotations

from sqlmodel import Session

from relationships import evaluate, sole_anchors, validate_tables
from survey_app.db import get_engine
from survey_app.models import Adult, StaffMark, Student
from survey_app.reading import cache, loader
from survey_app.services import students
from tests.factories import make_student
from tests.survey_app.counsel.builders import make_adult, tie


def _ctx(session, story):
    return loader.context(session=session, district_id=story.world.district.id)


def test_school_tables_follow_the_contract(app, session, story):
    with app.app_context():
        tables = loader.load_school_tables(session=session, ctx=_ctx(session, story),
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
        tables = loader.load_school_tables(session=session, ctx=_ctx(session, story),
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
        tables = loader.load_school_tables(session=session, ctx=_ctx(session, story),
                                            school_ids=[story.world.school.id])
    ties = tables.ties.loc[tables.ties["student_id"] == story.flagged.id]
    assert uncle.id not in set(ties["adult_id"])
    assert (ties["adult_id"] == nana.id).sum() == 2  # student's and family's tie, one person


def test_neighbourhood_flags_equal_the_school_flags(app, session, story):
    ctx = _ctx(session, story)
    with app.app_context():
        school = loader.load_school_tables(session=session, ctx=ctx,
                                            school_ids=[story.world.school.id])
        for student in (story.flagged, story.connected, story.silent):
            theirs = [(f.code, f.params) for f in evaluate(school, ctx.rules).flags
                      if f.student_id == student.id]
            for one in (loader.load_neighbourhood(session=session, ctx=ctx,
                                                   student_id=student.id),
                        students.neighbourhood(session=session, ctx=ctx, student=student)):
                mine = [(f.code, f.params) for f in evaluate(one, ctx.rules).flags
                        if f.student_id == student.id]
                assert mine == theirs, student.id


def _stand_in_marks(session, ctx, student) -> dict:
    tables = students.neighbourhood(session=session, ctx=ctx, student=student)
    session.commit()  # end the read transaction, as a request does
    marks = tables.staff_marks.loc[tables.staff_marks["student_id"] == loader.STAND_IN]
    return dict(zip(marks["staff_id"].tolist(), marks["trusting"].tolist(), strict=True))


def test_kept_staff_marking_follows_a_new_mark_and_leaves_out_the_students_own(
        app, session, story):
    cache.clear()
    ctx = _ctx(session, story)
    teacher, counselor = story.world.users["staff"], story.world.users["counselor"]
    # The teacher marked only these two: for each of them the other one shows it took part.
    assert _stand_in_marks(session, ctx, story.connected) == {teacher.id: False}
    assert _stand_in_marks(session, ctx, story.flagged) == {teacher.id: True}
    assert _stand_in_marks(session, ctx, story.silent) == {teacher.id: True}
    assert [k[:2] for k in cache.peek(session)] == [("memo", "staff_marking")]  # kept
    with Session(get_engine(app)) as other:  # another worker's write
        other.add(StaffMark(staff_id=counselor.id, student_id=story.connected.id,
                            wave_id=story.world.wave.id, trusting=True))
        other.commit()
    assert _stand_in_marks(session, ctx, story.silent) == {teacher.id: True, counselor.id: True}
    assert _stand_in_marks(session, ctx, story.connected) == {teacher.id: False}


def test_staff_ties_load_counts_the_same_sole_anchors_as_the_full_load(app, session, story):
    w, teacher = story.world, story.adults["teacher"]
    # A community adult merged into the teacher, and a second record of the teacher.
    dup = make_adult(session, w.district.id, name="T. (typed)", kind="community", role="coach")
    dup.merged_into_id = teacher.id
    tie(session, session.get(Student, story.silent.id), dup, w.wave, setting="school")
    again = make_adult(session, w.district.id, staff=w.users["staff"], role="teacher")
    tie(session, make_student(session, w.school), again, w.wave, setting="school")
    session.commit()
    with app.app_context():
        ctx = _ctx(session, story)
        args = {"session": session, "ctx": ctx, "school_ids": [w.school.id], "waves": [ctx.wave]}
        full, narrow = loader.load_school_tables(**args), loader.load_school_staff_ties(**args)
    anchors = [sole_anchors(t, wave=ctx.wave, min_reliability=ctx.rules.min_reliability)
               for t in (full, narrow)]
    assert anchors[0].equals(anchors[1])
    assert anchors[0].set_index("adult_id").loc[teacher.id, "students"] == 3  # all three ways
    assert len(narrow.ties) < len(full.ties)
    staff = set(narrow.adults.loc[narrow.adults["kind"] == "staff", "adult_id"])
    assert set(narrow.ties["adult_id"]) <= staff


def test_one_staff_member_named_twice_in_a_wave_is_one_tie_the_surest(app, session, story):
    """Two adult records of one staff member, named by one source in one wave: the surer tie
    counts (the student's first pick was 'not sure', the second 'very sure')."""
    w, flagged = story.world, story.flagged
    again = make_adult(session, w.district.id, staff=w.users["staff"], role="teacher")
    tie(session, session.get(Student, flagged.id), again, w.wave, reliability=4, setting="school")
    session.commit()
    with app.app_context():
        ctx = _ctx(session, story)
        args = {"session": session, "ctx": ctx, "school_ids": [w.school.id]}
        for tables in (loader.load_school_tables(**args),
                       loader.load_neighbourhood(session=session, ctx=ctx,
                                                  student_id=flagged.id)):
            staff = tables.adults.loc[tables.adults["staff_id"] == w.users["staff"].id,
                                      "adult_id"]
            ties = tables.ties.loc[(tables.ties["student_id"] == flagged.id)
                                   & tables.ties["adult_id"].isin(staff)
                                   & (tables.ties["source"] == "student_survey")]
            assert ties["reliability"].tolist() == [4]


def test_sent_back_is_looked_up_by_who_and_wave_not_by_wave(app, session):
    """A school's conditions ask once per row whether that survey was sent back. Searched
    by wave, each row read every invitation of the wave (20 s for a 3,000-student school);
    the plan must find the invitation by who and wave together, for both kinds."""
    from sqlalchemy import select

    from survey_app.models import HouseholdCondition
    from survey_app.models.enums import SurveyKind
    from survey_app.reading.households import sent_survey

    engine = session.get_bind()
    if engine.dialect.name != "sqlite":  # PostgreSQL plans from statistics of the data
        return
    hc = HouseholdCondition
    for kind, who in ((SurveyKind.STUDENT, "student_id"), (SurveyKind.FAMILY, "household_id")):
        stmt = select(hc.id).where(hc.source == kind, sent_survey(hc, kind))
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
        invitation = [step for step in plan if "invitation" in step]
        assert invitation, plan
        assert all(f"({who}=? AND wave_id=?)" in step for step in invitation), plan


def test_the_profiles_staff_loads_from_the_kept_state_are_the_staff_ties_count(
        app, session, story):
    """Mentor suggestions weigh staff loads counted on the school's kept state (which
    survey saves update cheaply): the same counts as the staff ties loaded alone."""
    from survey_app.db import get_session
    from survey_app.services import school_map

    with app.test_request_context():
        db = get_session()
        ctx = _ctx(db, story)
        school = story.world.school.id
        loads = school_map.anchor_loads(session=db, ctx=ctx, school_id=school)
        alone = sole_anchors(loader.load_school_staff_ties(
            session=db, ctx=ctx, school_ids=[school], waves=[ctx.wave]),
            wave=ctx.wave, min_reliability=ctx.rules.min_reliability)
        db.rollback()
    assert loads == dict(zip(alone["staff_id"].tolist(), alone["students"].tolist(),
                             strict=True))
    assert loads  # the story's coach is someone's only reliable school adult
