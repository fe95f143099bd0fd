"""A survey save updates its school's kept state (``reading/incremental.py``) instead of
loading the school again, and the update is exact: for any sequence of saves through the
survey pages, the updated state's flags, measures, tiers and caseload rows are what a
full fresh load of the school gives."""

from __future__ import annotations

import threading
from datetime import date
from types import SimpleNamespace

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationships import evaluate, flag_matrix
from survey_app.db import declare_schools, get_engine, get_session, versions
from survey_app.models import Household
from survey_app.reading import cache, incremental, loader
from survey_app.services import caseload
from tests.factories import make_student
from tests.survey_app.respond.conftest import counting_loads

RESPONDENTS = ("a1", "b1", "a2", "w0", "fam_h", "fam_w")  # students, then families
ACTIONS = st.lists(st.tuples(st.sampled_from(RESPONDENTS),
                             st.sampled_from(("home", "adults", "submit")),
                             st.integers(0, 3)), min_size=1, max_size=6)
INTERNET = ("works_well", "none", "phone_only", "unreliable")


def _summary(db, ctx, school_id, school: cache.SchoolState, rows, no_data):
    """What a counselor sees of a school state: measures, flags, caseload rows."""
    measures = school.evaluation.measures.sort_values("student_id").reset_index(drop=True)
    flags = flag_matrix(school.evaluation.measures, ctx.rules)
    flags.index = school.evaluation.measures["student_id"].to_numpy()
    return (measures, flags.sort_index(),
            {r.student_id: (tuple(r.codes), r.tier, r.reliable, tuple(r.help_types))
             for r in rows}, no_data)


def check_state_is_exact(app, world, school_id):
    """The kept (updated) state of ``school_id`` equals a fresh full load's."""
    with app.test_request_context():
        db = get_session()
        ctx = loader.context(session=db, district_id=world.district.id)
        kept = cache.state(session=db, ctx=ctx, school_ids=[school_id])
        made = loader.load_school_tables(session=db, ctx=ctx, school_ids=[school_id],
                                         waves=loader.waves_for_flags(ctx))
        fresh = cache.SchoolState(version=-1, tables=made, evaluation=evaluate(
            made, ctx.rules, wave=ctx.wave, errors="skip", student_ids=()))
        listed = caseload.collect(session=db, ctx=ctx, school_ids=[school_id],
                                  today=date.today())  # the kept state's rows
        assert listed.school is kept
        key = ("caseload_rows", date.today(), ctx.tiers)
        rows, no_data, _people = caseload._rows(db, ctx, [school_id], date.today(), fresh, key)
        got = _summary(db, ctx, school_id, kept, listed.rows, listed.no_data)
        want = _summary(db, ctx, school_id, fresh, rows, no_data)
        pd.testing.assert_frame_equal(got[0], want[0], check_dtype=False)
        pd.testing.assert_frame_equal(got[1], want[1])
        assert got[2] == want[2]
        assert got[3] == want[3]
        assert len(kept.tables.students) == len(made.students)
        assert sorted(kept.tables.ties["tie_id"]) == sorted(made.ties["tie_id"])
        db.rollback()


def _arrange(app, session, world, invite):
    """Fresh respondents: a household with a child at each school (h), a child of school A
    with a household of its own (a2), world's first student (w0, whose household has two
    more children at school A), and the two households' family surveys; every survey opened
    (opening writes; it is not what is measured)."""
    h = Household(district_id=world.district.id, language="en")
    own = Household(district_id=world.district.id, language="en")
    session.add_all([h, own])
    session.flush()
    a1 = make_student(session, world.school, household=h, grade=5)
    b1 = make_student(session, world.other_school, household=h, grade=10)
    a2 = make_student(session, world.school, household=own, grade=4)
    session.commit()
    kids = {"fam_h": [a1.id, b1.id], "fam_w": [s.id for s in world.students]}
    who = {}
    for name, student in (("a1", a1), ("b1", b1), ("a2", a2), ("w0", world.students[0])):
        who[name] = (invite(student=student), None)
    who["fam_h"] = (invite("family", household_id=h.id), kids["fam_h"])
    who["fam_w"] = (invite("family", household_id=world.students[0].household_id),
                    kids["fam_w"])
    clients = {}
    for name, (inv, children) in who.items():
        client = app.test_client()
        opened = client.get(f"/r/{inv.token}")
        clients[name] = SimpleNamespace(client=client, opened=opened.status_code,
                                        family=children is not None, children=children or [])
    return clients


def _save(respondent, what: str, variant: int, staff_id: int) -> None:
    """One save of a survey page, as a respondent's browser posts it."""
    c = respondent.client
    if what == "home":
        data = {"home_internet": INTERNET[variant], "skip_ok": "1"}
        if not respondent.family:
            data["home_quiet_place"] = ("always", "sometimes", "no", "always")[variant]
        r = c.post("/survey/home", data=data)
    elif what == "adults":
        if variant == 3 and not respondent.family:  # a staff member of school A
            data = {"adults-0-entry": "", "adults-0-staff_id": str(staff_id),
                    "adults-0-relation": "teacher", "adults-0-reliability": "4"}
        else:
            data = {"adults-0-entry": "", "adults-0-name": f"Nana {variant}",
                    "adults-0-relation": ("grandparent", "coach", "aunt_uncle")[variant % 3],
                    "adults-0-reliability": str(1 + variant)}
            if respondent.family:
                data["adults-0-children"] = [str(k) for k in
                                             respondent.children[: 1 + variant % 2]]
                data["adults-0-lives_with"] = "yes" if variant % 2 else "no"
        r = c.post("/survey/adults", data=data)
    elif respondent.family:
        r = c.post("/survey/help", data={"help_requests": ["food"]} if variant % 2 else {})
    else:
        r = c.post("/survey/school", data={"school_wants_mentor": "yes"})
    assert r.status_code < 500, r.data[-500:]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_an_updated_state_equals_a_fresh_load(app, session, world, invite, monkeypatch,
                                             actions):
    """Random saves by students and families (households with children at both schools,
    new adults, a staff member named, answers changed, surveys sent): each school's kept
    state, brought up to date from the saves' log, is what a full load gives — and no
    full load happened to get it."""
    people = _arrange(app, session, world, invite)
    check_state_is_exact(app, world, world.school.id)  # warm both schools (full loads)
    check_state_is_exact(app, world, world.other_school.id)
    loads = counting_loads(monkeypatch)
    for who, what, variant in actions:
        _save(people[who], what, variant, world.users["staff"].id)
        if variant == 2:  # sometimes a counselor looks between two saves
            check_state_is_exact(app, world, world.school.id)
    check_state_is_exact(app, world, world.school.id)
    check_state_is_exact(app, world, world.other_school.id)
    assert not loads, loads  # only survey saves: every state followed them


def _declared_write(app, school_id, *, students=(), households=()) -> None:
    """A write declared like a survey save's (the student's grade rewritten as it was)."""
    with get_engine(app).begin() as conn:
        declare_schools(conn, [school_id], students=students, households=households)
        conn.exec_driver_sql("UPDATE student SET grade = grade WHERE id IN "
                             f"({', '.join(str(int(s)) for s in students) or 'NULL'})")


def _state(app, world, school_id) -> cache.SchoolState:
    with app.test_request_context():
        db = get_session()
        ctx = loader.context(session=db, district_id=world.district.id)
        found = cache.state(session=db, ctx=ctx, school_ids=[school_id])
        db.rollback()
        return found


def _submit_student(app, invite, student) -> None:
    survey = app.test_client()
    assert survey.get(f"/r/{invite(student=student).token}").status_code == 302
    assert survey.post("/survey/adults", data={
        "adults-0-entry": "", "adults-0-name": "Rosalind", "adults-0-reliability": "4",
        "adults-0-relation": "coach"}).status_code == 302
    assert survey.post("/survey/school", data={"school_wants_mentor": "yes"}).status_code == 302


def test_a_save_leaves_the_other_schools_state_as_it_was(app, world, invite):
    cache.clear()
    a, b = _state(app, world, world.school.id), _state(app, world, world.other_school.id)
    _declared_write(app, world.school.id, students=[world.students[0].id])
    assert _state(app, world, world.other_school.id) is b  # the very same, untouched
    assert _state(app, world, world.school.id) is not a


def test_a_staff_write_after_saves_loads_in_full(app, world, monkeypatch):
    cache.clear()
    _state(app, world, world.school.id)
    loads = counting_loads(monkeypatch)
    _declared_write(app, world.school.id, students=[world.students[0].id])
    _state(app, world, world.school.id)
    assert loads == []  # the save: followed
    _declared_write(app, world.school.id, students=[world.students[1].id])
    with get_engine(app).begin() as conn:  # a staff write (undeclared): the shared counter
        conn.exec_driver_sql("UPDATE student SET grade = grade")
    _state(app, world, world.school.id)
    assert loads == [(world.school.id,)]
    check_state_is_exact(app, world, world.school.id)


def test_a_missing_log_row_loads_in_full_and_stays_exact(app, world, invite, monkeypatch):
    """A pruned (or never written) change row: the state cannot know whom the save
    changed, so it loads the school in full — and shows the save."""
    cache.clear()
    kid = world.students[1]
    _state(app, world, world.school.id)
    loads = counting_loads(monkeypatch)
    _submit_student(app, invite, kid)
    with get_engine(app).begin() as conn:
        conn.exec_driver_sql("DELETE FROM respondent_change")
    kept = _state(app, world, world.school.id)
    assert loads == [(world.school.id,)]
    assert kid.id in set(kept.tables.ties["student_id"])  # the save is there
    check_state_is_exact(app, world, world.school.id)


def test_a_save_that_names_nobody_or_too_many_loads_in_full(app, world, monkeypatch):
    cache.clear()
    _state(app, world, world.school.id)
    loads = counting_loads(monkeypatch)
    with get_engine(app).begin() as conn:
        declare_schools(conn, [world.school.id])  # no respondent named
        conn.exec_driver_sql("UPDATE student SET grade = grade")
    _state(app, world, world.school.id)
    assert loads == [(world.school.id,)]
    monkeypatch.setattr(incremental, "MAX_STUDENTS", 2)
    _declared_write(app, world.school.id, households=[world.students[0].household_id])
    _state(app, world, world.school.id)  # three children in the household: more than 2
    assert loads == [(world.school.id,)] * 2
    _declared_write(app, world.school.id, students=[world.students[0].id])
    _state(app, world, world.school.id)
    assert loads == [(world.school.id,)] * 2  # one: followed


def test_the_log_keeps_each_schools_last_changes(app, world, monkeypatch):
    monkeypatch.setattr(versions, "KEEP_CHANGES", 3)
    monkeypatch.setattr(versions, "PRUNE_EVERY", 2)
    for _n in range(7):
        _declared_write(app, world.school.id, students=[world.students[0].id])
    _declared_write(app, world.other_school.id, students=[world.other_students[0].id])
    with get_engine(app).connect() as conn:
        kept = conn.exec_driver_sql(
            "SELECT school_id, n, student_id, household_id FROM respondent_change "
            "ORDER BY school_id, n").all()
    here = [tuple(r) for r in kept if r[0] == world.school.id]
    # pruned at n = 6 (n <= 3 deleted); 7 came after
    assert here == [(world.school.id, n, world.students[0].id, None) for n in (4, 5, 6, 7)]
    assert [tuple(r) for r in kept if r[0] == world.other_school.id] == [
        (world.other_school.id, 1, world.other_students[0].id, None)]


def test_concurrent_saves_never_leave_a_stale_state(app, world, session, invite):
    """Two respondents save at once, again and again, while counselors read: whatever
    order the commits and reads take, the state kept at the end is a fresh load's."""
    cache.clear()
    kids = [make_student(session, world.school, grade=6) for _n in range(2)]
    session.commit()
    clients = []
    for kid in kids:
        survey = app.test_client()
        assert survey.get(f"/r/{invite(student=kid).token}").status_code == 302
        clients.append(survey)
    _state(app, world, world.school.id)
    failures = []

    def answer(survey):
        try:
            for n in range(6):
                r = survey.post("/survey/adults", data={
                    "adults-0-entry": "", "adults-0-name": f"Coach {n}",
                    "adults-0-reliability": str(1 + n % 4), "adults-0-relation": "coach"})
                assert r.status_code == 302, r.status_code
            assert survey.post("/survey/school", data={}).status_code == 302
        except Exception as exc:  # noqa: BLE001  (reported by the main thread)
            failures.append(exc)

    threads = [threading.Thread(target=answer, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        _state(app, world, world.school.id)
    for t in threads:
        t.join()
    assert not failures, failures
    check_state_is_exact(app, world, world.school.id)
    assert set(kids_id.id for kids_id in kids) <= set(
        _state(app, world, world.school.id).tables.ties["student_id"])
