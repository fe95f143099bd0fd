"""District settings: defaults and sources shown, validation, audit with before/after."""

from __future__ import annotations

from sqlmodel import select

from relationships.rules import CODES, DEFAULT_ENABLED, FlagRules
from relationships.tiers import TIER_CODES, TierRules
from survey_app.models import AuditEvent, DistrictSettings, SurveyWave


def _valid_form(**changes) -> dict:
    rules = FlagRules()
    data = {f"on_{c}": "y" for c in DEFAULT_ENABLED}
    data.update({
        "min_reliability": "3", "few_reliable_minimum": "3", "narrow_web_minimum": "2",
        "support_gap_types": list(rules.support_gap_types), "future_low": "9",
        "future_high": "12", "barrier_internet": list(rules.barrier_internet),
        "lost_adults_drop": "1", "anchor_load_minimum": "10", "five_adults_minimum": "5",
        "min_n": "10", "escalate": sorted(TierRules().escalate),
        "reminder_cap": "2", "reminder_gap_hours": "48",
    })
    data.update({f"tier_{c}": t for c, t in TierRules().tier_of.items()})
    data.update(changes)
    return data


def _stored(session, world):
    row = session.exec(select(DistrictSettings).where(
        DistrictSettings.district_id == world.district.id)
        .execution_options(populate_existing=True)).first()
    session.commit()
    return row


def test_page_shows_every_rule_default_source_and_kind(client, world, login_as):
    login_as(world.users["district_admin"])
    html = client.get("/admin/settings").get_data(as_text=True)
    for code in CODES:
        assert f'id="rule-{code}"' in html
    assert html.count("Published criterion") == 3
    assert "product choices" in html
    assert "Search Institute Developmental Asset #3" in html
    assert "Default: 10" in html
    assert "Default: 3" in html


def test_only_admins(client, world, login_as):
    for role in ("counselor", "staff", "analyst"):
        login_as(world.users[role])
        assert client.get("/admin/settings").status_code == 403
        assert client.post("/admin/settings", data=_valid_form()).status_code == 403
        client.post("/staff/logout")


def test_saving_defaults_changes_nothing_and_writes_no_event(client, world, login_as, session):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings", data=_valid_form(), follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    assert not session.exec(select(AuditEvent).where(
        AuditEvent.action == "settings_change")).all()
    session.commit()


def test_change_is_saved_and_audited_with_before_and_after(client, world, login_as, session):
    admin = world.users["district_admin"]
    login_as(admin)
    data = _valid_form(few_reliable_minimum="4", min_n="12", on_five_adults="y")
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 302
    row = _stored(session, world)
    rules = FlagRules.from_dict(row.flag_rules)
    assert rules.few_reliable_minimum == 4
    assert "five_adults" in rules.enabled
    assert row.min_n == 12
    assert row.updated_by_id == admin.id
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_change")).one()
    assert event.staff_id == admin.id
    assert event.detail["before"]["flag_rules"]["few_reliable_minimum"] == 3
    assert event.detail["after"]["flag_rules"]["few_reliable_minimum"] == 4
    assert event.detail["before"]["min_n"] == 10
    assert event.detail["after"]["min_n"] == 12
    assert "min_reliability" not in event.detail["after"]["flag_rules"]
    session.commit()


def test_invalid_settings_refused_in_page_language_nothing_changed(client, world, login_as,
                                                                   session):
    login_as(world.users["district_admin"])
    client.post("/admin/settings", data=_valid_form(min_n="12"))
    before = _stored(session, world).flag_rules
    bad = _valid_form(min_n="2", future_low="11", future_high="9", narrow_web_minimum="7",
                      few_reliable_minimum="")
    response = client.post("/admin/settings?lang=es", data=bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert 'value="7"' in html
    assert "Please give a whole number" not in html  # in Spanish, not English
    row = _stored(session, world)
    assert row.min_n == 12
    assert row.flag_rules == before
    assert len(session.exec(select(AuditEvent).where(
        AuditEvent.action == "settings_change")).all()) == 1
    session.commit()


def test_support_gap_on_needs_a_kind_of_help(client, world, login_as):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings", data=_valid_form(support_gap_types=[]))
    assert response.status_code == 400
    assert "at least one kind of help" in response.get_data(as_text=True)


def test_languages_only_among_complete_catalogs(client, world, login_as, app):
    login_as(world.users["district_admin"])
    html = client.get("/admin/settings").get_data(as_text=True)
    for code in app.config["OFFERED_LANGUAGES"]:
        assert f'value="{code}"' in html
    response = client.post("/admin/settings", data=_valid_form(languages=["xx"]))
    assert response.status_code == 400


def test_add_and_edit_a_wave_audited(client, world, login_as, session):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings/waves", data={
        "name": "Spring", "opens_on": "2027-03-01", "closes_on": "2027-04-01"})
    assert response.status_code == 302
    wave = session.exec(select(SurveyWave).where(SurveyWave.name == "Spring")).one()
    assert wave.ordinal == 2
    session.commit()  # end the read so the app can write (SQLite)
    bad = client.post(f"/admin/settings/waves/{wave.id}", data={
        f"wave{wave.id}-name": "Spring", f"wave{wave.id}-opens_on": "2027-03-01",
        f"wave{wave.id}-closes_on": "2027-02-01"})
    assert bad.status_code == 400
    assert "closing date" in bad.get_data(as_text=True)
    session.commit()
    client.post(f"/admin/settings/waves/{wave.id}", data={
        f"wave{wave.id}-name": "Spring 2027", f"wave{wave.id}-opens_on": "2027-03-01",
        f"wave{wave.id}-closes_on": "2027-04-15"})
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("wave_add") == 1
    assert actions.count("wave_change") == 1
    change = session.exec(select(AuditEvent).where(AuditEvent.action == "wave_change")).one()
    assert change.detail["before"]["name"] == "Spring"
    assert change.detail["after"]["closes_on"] == "2027-04-15"
    session.commit()


def test_empty_wave_name_refused(client, world, login_as):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings/waves", data={"name": ""})
    assert response.status_code == 400
    assert "Please give the survey window a name." in response.get_data(as_text=True)


def test_priorities_shown_with_defaults_and_sources(client, world, login_as):
    login_as(world.users["district_admin"])
    html = client.get("/admin/settings").get_data(as_text=True)
    for code in TIER_CODES:
        assert f'name="tier_{code}"' in html
    assert "Default: Connect now" in html
    assert "Harvard Center on the Developing Child" in html
    assert "they never hide anyone" in html


def test_priority_change_saved_and_audited_and_orders_the_caseload(client, world, login_as,
                                                                 session):
    admin = world.users["district_admin"]
    login_as(admin)
    data = _valid_form(tier_access_barrier="connect_now", escalate=["single_anchor"])
    assert client.post("/admin/settings", data=data).status_code == 302
    tiers = TierRules.from_dict(_stored(session, world).priority_tiers)
    assert tiers.tier_of["access_barrier"] == "connect_now"
    assert tiers.escalate == frozenset({"single_anchor"})
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_change")).one()
    assert event.detail["before"]["priority_tiers"]["tier_of"]["access_barrier"] == "watch"
    assert event.detail["after"]["priority_tiers"]["escalate"] == ["single_anchor"]
    assert "flag_rules" not in event.detail["after"]
    session.commit()


def test_unknown_priority_refused_nothing_changed(client, world, login_as, session):
    login_as(world.users["district_admin"])
    response = client.post("/admin/settings", data=_valid_form(tier_lost_adults="someday"))
    assert response.status_code == 400
    row = _stored(session, world)  # none was stored: the defaults still hold
    assert row is None or TierRules.from_dict(row.priority_tiers) == TierRules()


def test_reminder_limits_are_saved_and_audited(client, world, login_as, session):
    login_as(world.users["district_admin"])
    client.post("/admin/settings", data=_valid_form(reminder_cap="3", reminder_gap_hours="72",
                                                    remind_young_students="y"))
    row = _stored(session, world)
    assert (row.reminder_cap, row.reminder_gap_hours, row.remind_young_students) == (3, 72, True)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_change")).one()
    assert event.detail["before"]["reminder_cap"] == 2
    assert event.detail["after"]["reminder_cap"] == 3
    bad = client.post("/admin/settings", data=_valid_form(reminder_cap="11"))
    assert bad.status_code == 400
