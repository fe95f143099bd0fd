"""The demo district: deterministic, loadable, and rich enough for every flag rule."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
from sqlalchemy import DateTime, create_engine, select
from sqlmodel import SQLModel

from survey_app import create_app
from survey_app.db import get_engine
from survey_app.services import codes
from tests._databases import scratch_postgres
from tests.conftest import BACKENDS, TEST_CONFIG

N = 300
# Columns that hold "now" or a fresh salt: everything else must repeat exactly.
_VOLATILE = {("staff_user", "password_hash")}


def _run(runner, *args):
    return runner.invoke(args=["demo", "--students", str(N), "--seed", "7", *args])


def _frames(app) -> dict[str, pd.DataFrame]:
    out = {}
    with get_engine(app).connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.columns if (table.name, c.name) not in _VOLATILE
                    and not isinstance(getattr(c.type, "impl", c.type), DateTime)]
            rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = pd.DataFrame(rows, columns=[c.name for c in cols])
    return out


@contextmanager
def _empty_database(engine: str, folder, sqlite_template: str) -> Iterator[str]:
    """A database with the schema and nothing else, of this module's own."""
    if engine == "sqlite":
        shutil.copy(sqlite_template, folder / "demo.db")
        yield f"sqlite:///{folder / 'demo.db'}"
        return
    with scratch_postgres("demo") as url:
        made = create_engine(url)
        SQLModel.metadata.create_all(made)
        made.dispose()
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def demo_app(request, tmp_path_factory, sqlite_template) -> Iterator:
    """An app on the district, built once per engine for the tests that only read it."""
    folder = tmp_path_factory.mktemp("demo")
    with _empty_database(request.param, folder, sqlite_template) as url:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "JOB_FOLDER": str(folder)})
        try:
            result = _run(app.test_cli_runner())
            assert result.exit_code == 0, result.output
            yield app
        finally:
            get_engine(app).dispose()


@pytest.fixture(scope="module")
def demo(demo_app) -> dict[str, pd.DataFrame]:
    """The district's tables (of :func:`demo_app`)."""
    return _frames(demo_app)


@pytest.mark.slow  # builds the district a second time
def test_same_seed_same_district(demo, sqlite_template, tmp_path):
    path = tmp_path / "second.db"
    shutil.copy(sqlite_template, path)
    other = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}",
                        "JOB_FOLDER": str(tmp_path)})
    try:
        assert _run(other.test_cli_runner()).exit_code == 0
        again = _frames(other)
    finally:
        get_engine(other).dispose()
    for name, frame in demo.items():
        pd.testing.assert_frame_equal(frame, again[name], check_dtype=False, obj=name)
    assert len(demo["student"]) == N
    assert len(demo["answer"]) > 0


def test_refuses_a_database_with_data(runner):
    assert _run(runner).exit_code == 0
    refused = _run(runner)
    assert refused.exit_code != 0
    assert "--reset" in refused.output
    kept = _run(runner, "--if-empty")
    assert kept.exit_code == 0
    assert "demo-district-only" in kept.output
    assert _run(runner, "--reset").exit_code == 0


def test_prints_sign_ins_and_working_codes(app, runner):
    result = _run(runner)
    assert "admin@demo.example" in result.output
    assert "/r/" in result.output
    secret = app.config["SECRET_KEY"]
    with get_engine(app).connect() as conn:
        invitations = conn.execute(select(SQLModel.metadata.tables["invitation"])).all()
    for inv in invitations[:50] + invitations[-50:]:
        code = codes.derive_code(secret, inv.nonce)
        assert codes.hash_secret(secret, codes.normalize_code(codes.format_code(code))) \
            == inv.code_hash
        assert codes.hash_secret(secret, codes.derive_token(secret, inv.nonce)) == inv.token_hash


def test_roster_is_whole(demo):
    students, households = demo["student"], demo["household"]
    assert students.school_id.isin(demo["school"].id).all()
    assert set(households.id) == set(students.household_id)
    assert (students.groupby("household_id").size() > 1).any()  # siblings
    across = students.groupby("household_id").school_id.nunique()
    assert (across > 1).any()  # siblings in both schools


def _reliable(demo) -> pd.DataFrame:
    """(student, wave, adult) the student can count on: reliability ≥ 3 or a staff ✓."""
    ties = demo["support_tie"]
    reliable = ties[ties.reliability >= 3][["student_id", "wave_id", "adult_id"]]
    adults = demo["adult"].dropna(subset=["staff_id"])
    marks = demo["staff_mark"][demo["staff_mark"].trusting].merge(
        adults[["id", "staff_id"]].rename(columns={"id": "adult_id"}), on="staff_id")
    return pd.concat([reliable, marks[["student_id", "wave_id", "adult_id"]]]).drop_duplicates()


def test_every_flag_has_cases(demo):
    students, ties, marks = demo["student"], demo["support_tie"], demo["staff_mark"]
    responses = demo["response"].merge(demo["invitation"], left_on="invitation_id",
                                       right_on="id", suffixes=("", "_inv"))
    responded = responses[responses.kind == "student"][["student_id", "wave_id"]]
    reliable = _reliable(demo)
    count = reliable.groupby(["student_id", "wave_id"]).size()
    count = responded.set_index(["student_id", "wave_id"]).index.to_frame(index=False).merge(
        count.rename("n").reset_index(), how="left").fillna({"n": 0})
    assert (count.n == 0).any(), "no_reliable_adult"
    assert (count.n == 1).any(), "single_anchor"
    wide = count.pivot(index="student_id", columns="wave_id", values="n").dropna()
    assert (wide[1] > wide[2]).any(), "lost_adults"
    school_ties = ties[(ties.setting == "school") & (ties.reliability >= 3)]
    with_school = set(school_ties.student_id) | set(marks[marks.trusting].student_id)
    assert set(responded.student_id) - with_school, "no_school_adult"
    staff_adult = demo["adult"].dropna(subset=["staff_id"]).set_index("staff_id").id
    trusted = marks[marks.trusting].assign(adult_id=lambda m: m.staff_id.map(staff_adult))
    named = set(zip(ties.student_id, ties.adult_id, ties.wave_id, strict=True))
    assert any((s, a, w) not in named for s, a, w in zip(
        trusted.student_id, trusted.adult_id, trusted.wave_id, strict=True)), "perception_gap"
    answers = demo["answer"]
    assert (answers[answers.item_id == "home.internet"].value == "none").any()
    assert answers[answers.item_id == "home.devices"].value.map(lambda v: v == ["nothing"]).any()
    high = set(students[students.grade >= 9].id)
    guides = set(ties[ties.future].student_id)
    assert (set(responded.student_id) & high) - guides, "no_future_guide"
    seen = set(responded.student_id) | set(ties.student_id) | set(marks.student_id)
    assert set(students.id) - seen, "no_data"


def test_opted_out_students_give_no_answers(demo):
    opted = set(demo["student"][demo["student"].consent == "opted_out"].id)
    assert opted
    invitations = demo["invitation"]
    answered = invitations[invitations.id.isin(demo["response"].invitation_id)]
    assert not opted & set(answered.student_id.dropna().astype(int))
    assert not opted & set(demo["support_tie"].student_id)


def test_staff_adults_carry_the_staff_members_names(demo):
    adults = demo["adult"].dropna(subset=["staff_id"])
    staff = demo["staff_user"].set_index("id")
    names = staff.given_name + " " + staff.family_name
    assert len(adults)
    assert (adults.display_name.to_numpy() == names.loc[adults.staff_id.astype(int)].to_numpy()).all()


def test_staff_have_the_titles_children_use(demo):
    """Most school staff have a title (the picker shows "Ms. Brown"), some none (it shows the
    full name), coaches are "Coach", district accounts have none; every code is known."""
    from survey_app.models.enums import Honorific

    staff = demo["staff_user"]
    school = staff[staff.school_id.notna()]
    titled = school.honorific.notna()
    assert 0.7 < titled.mean() < 0.95, titled.mean()
    assert set(school.honorific.dropna()) <= set(Honorific)
    assert (school[school.title == "Coach"].honorific == "coach").all()
    assert staff[staff.school_id.isna()].honorific.isna().all()


def test_demo_teachers_see_their_students_with_check_ins_due_this_week(demo_app, demo):
    """After `make run` each demo teacher account's "my students" has cards: students they
    mentor or check in with, something due this week; other teachers have plans too."""
    from datetime import date

    from sqlmodel import Session

    from survey_app.services import my_students

    staff = demo["staff_user"]
    plans = demo["follow_up"]
    open_ = plans[plans.status.isin(["open", "in_progress"])]
    with Session(get_engine(demo_app)) as session:
        for email in ("teacher.elm@demo.example", "teacher.riv@demo.example"):
            row = staff[staff.email == email].iloc[0]
            found = my_students.my_students(session=session, staff_id=int(row.id),
                                            school_ids=[int(row.school_id)], today=date.today())
            assert len(found) >= 3, email
            assert any(s.mentor for s in found), email
            assert sum(i.due_this_week for s in found for i in s.items) >= 2, email
    teachers = set(staff[staff.email.str.startswith("staff")].id)
    owners = set(open_.owner_id.dropna()) | set(open_.mentor_staff_id.dropna())
    assert len(owners & teachers) >= 3  # not only the demo accounts
    assert {"mentor", "check_in"} <= set(open_.kind)
    assert len(demo["follow_up_note"]) > 0
    assert set(demo["follow_up_note"].follow_up_id) <= set(plans[plans.kind == "mentor"].id)


def test_reminders_have_an_audience_of_example_org_addresses(demo_app, demo):
    """About 7 in 10 guardians have a roster email, high-school students a district one,
    elementary students none; all at example.org; the open window's reminders reach some."""
    from sqlmodel import Session

    from survey_app.services import reminder_audience

    adults, students = demo["adult"], demo["student"]
    guardians = adults[(adults.kind == "family") & (adults.role == "parent_guardian")]
    share = guardians.email.notna().mean()
    assert 0.55 < share < 0.85, share
    assert adults[adults.role != "parent_guardian"].email.isna().all()
    assert guardians.email.dropna().str.endswith("@example.org").all()
    high = students.grade >= 9
    assert students[high].email.notna().mean() > 0.85
    assert students[~high].email.isna().all()
    assert students.email.dropna().str.endswith("@students.example.org").all()
    waves = demo["survey_wave"].sort_values("ordinal")
    with Session(get_engine(demo_app)) as session:
        plan = reminder_audience.plan(session=session, limits=reminder_audience.Limits(),
                                      filters=reminder_audience.Filters(
                                          wave_id=int(waves.id.iloc[-1]),
                                          school_ids=tuple(demo["school"].id)))
    assert not plan.closed
    assert plan.households > 0
    assert plan.students > 0
