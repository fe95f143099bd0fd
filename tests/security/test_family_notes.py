"""Family notes stay with the school they were written for, unless their author shared
them district-wide. Before: a teacher at one school read a contact note written at
another school about a family with children at both."""

from __future__ import annotations

from survey_app.models import Student


def _two_school_family(session, world):
    """Move one of the first school's household's children to the other school."""
    household = world.students[0].household_id
    other_child = Student(school_id=world.other_school.id, household_id=household,
                          sourced_id="two-schools", sis_id="T1", given_name="Sib",
                          family_name="Ling", grade=10)
    session.add(other_child)
    session.commit()
    return household


def _log(client, household, note, *, shared=False):
    data = {"contacted_on": "2026-10-01", "channel": "call", "started_by": "school",
            "note": note}
    if shared:
        data["district_wide"] = "y"
    assert client.post(f"/staff/engagement/households/{household}", data=data
                       ).status_code == 302


def test_a_note_is_read_only_at_its_school_unless_shared(app, session, world, login_as,
                                                         client):
    household = _two_school_family(session, world)
    login_as(world.users["staff"])  # first school
    _log(client, household, "Mum works nights; call after 4")
    _log(client, household, "Moving house in May", shared=True)
    own = client.get(f"/staff/engagement/households/{household}").get_data(as_text=True)
    assert "Mum works nights" in own
    other = app.test_client()
    other.post("/staff/login", data={"email": world.users["other_staff"].email,
                                     "password": "correct horse battery staple"})
    page = other.get(f"/staff/engagement/households/{household}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Mum works nights" not in body  # written for the first school
    assert "Moving house in May" in body  # its author shared it
    assert body.count("<tr") == own.count("<tr")  # the contacts themselves still count


def test_migration_keeps_events_and_notes_with_their_defaults(tmp_path):
    """Upgrading a database that holds audit events and contact notes: events become
    "ok", notes stay with their own school."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from tests.test_migrations import _config

    url = f"sqlite:///{tmp_path}/m.db"
    cfg = _config(url)
    command.upgrade(cfg, "e5f6a7b8c9d0")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO district (name, code, created_at) "
                          "VALUES ('Kept', 'K1', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO school (district_id, code, name, grade_low, grade_high, "
                          "timezone, active, created_at) SELECT id, 'S', 'S', 0, 5, "
                          "'America/New_York', true, CURRENT_TIMESTAMP FROM district"))
        conn.execute(text("INSERT INTO staff_user (district_id, given_name, family_name, role, "
                          "languages, language, active, created_at, session_generation) "
                          "SELECT id, 'Ana', 'Ruiz', 'staff', '[]', 'en', true, "
                          "CURRENT_TIMESTAMP, 0 FROM district"))
        conn.execute(text("INSERT INTO household (district_id, language, contact_channels, "
                          "created_at) SELECT id, 'es', '[]', CURRENT_TIMESTAMP FROM district"))
        conn.execute(text("INSERT INTO audit_event (at, staff_id, action, detail) "
                          "SELECT CURRENT_TIMESTAMP, id, 'view_student', '{}' FROM staff_user"))
        conn.execute(text("INSERT INTO engagement (household_id, school_id, staff_id, "
                          "contacted_on, channel, started_by, positive, concern, two_way, note, "
                          "created_at) SELECT h.id, s.id, u.id, '2026-10-01', 'call', 'school', "
                          "false, false, true, 'kept note', CURRENT_TIMESTAMP "
                          "FROM household h, school s, staff_user u"))
    command.upgrade(cfg, "a16c0ffee016")
    with engine.connect() as conn:
        event = conn.execute(text("SELECT action, outcome FROM audit_event")).one()
        note = conn.execute(text("SELECT note, district_wide FROM engagement")).one()
    assert tuple(event) == ("view_student", "ok")
    assert (note[0], bool(note[1])) == ("kept note", False)
    engine.dispose()
