"""A survey save updates its school's kept state (``reading/incremental.py``) instead of
loading the school again, and the update is exact: for any sequence of saves through the
survey pages, the updated state's flags, measures, tiers and caseload rows are what a
full fresh load of the school gives."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationships import evaluate, flag_matrix
from survey_app.db import get_session
from survey_app.models import Household
from survey_app.reading import cache, loader
from survey_app.services import caseload
from tests.factories import make_student

RESPONDENTS = ("a1", "b1", "a2", "w0", "fam_h", "fam_w")  # students, then families
ACTIONS = st.lists(st.tuples(st.sampled_from(RESPONDENTS),
                             st.sampled_from(("home", "adults", "submit")),
                             st.integers(0, 3)), min_size=1, max_size=6)
INTERNET = ("works_well", "none", "phone_only", "unreliable")


def _counting_loads(monkeypatch) -> list:
    loads, load = [], cache._load

    def counted(session, ctx, school_ids, version):
        loads.append(tuple(sorted(school_ids)))
        return load(session, ctx, school_ids, version)

    monkeypatch.setattr(cache, "_load", counted)
    return loads


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
    loads = _counting_loads(monkeypatch)
    for who, what, variant in actions:
        _save(people[who], what, variant, world.users["staff"].id)
        if variant == 2:  # sometimes a counselor looks between two saves
            check_state_is_exact(app, world, world.school.id)
    check_state_is_exact(app, world, world.school.id)
    check_state_is_exact(app, world, world.other_school.id)
    assert not loads, loads  # only survey saves: every state followed them
