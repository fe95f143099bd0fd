"""Counselor pages through the Flask client: every page, every role, scoping, escaping."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.models import Adult, AuditEvent, FollowUp, Student, SurveyWave
from survey_app.reading import cache
from tests.survey_app.counsel.builders import make_adult, tie
from tests.survey_app.counsel.conftest import XSS_NAMES


def _get(client, url):
    response = client.get(url)
    return response, response.get_data(as_text=True)



def _another_worker_adds_ms_newcomer(app, story) -> None:
    """A tie to a new community adult, written and committed by another connection."""
    with Session(get_engine(app)) as other:
        newcomer = make_adult(other, story.world.district.id, name="Ms Newcomer",
                              kind="community", role="coach")
        tie(other, other.get(Student, story.silent.id), newcomer,
            other.get(SurveyWave, story.world.wave.id), setting="community")
        other.commit()

def test_counselor_sees_the_caseload_with_reasons(client, login_as, story):
    login_as(story.world.users["counselor"])
    response, html = _get(client, "/counsel/students")
    assert response.status_code == 200
    assert "Students to connect with" in html
    assert "All their support runs through one adult" in html
    assert "(Grandparent) is sure to help." in html  # the adult by name, escaped
    assert 'aria-current="page">Connect now' in html  # opens on the most urgent tier
    assert "1 student has no survey or staff marks yet" in html
    for name in XSS_NAMES:
        assert name not in html  # never raw markup


@pytest.mark.parametrize(("query", "shown_open"), [
    ("", False), ("?tier=all", False), ("?tier=watch&page=1", False),
    ("?grade=0", True), ("?flag=single_anchor", True), ("?group=disability", True),
    ("?followup=no", True), ("?sort=name", True), ("?sort=priority", False),
    ("?sort=nonsense", False)])
def test_caseload_filters_fold_away_unless_something_is_chosen(client, login_as, story, query,
                                                               shown_open):
    """Folded, the first students show on the first screen; a counselor who chose a grade,
    a reason, a group, a follow-up or an order of their own sees what they chose."""
    login_as(story.world.users["counselor"])
    _r, html = _get(client, f"/counsel/students{query}")
    box = re.search(r'<details class="filters-box"[^>]*>', html).group(0)
    assert (" open" in box) is shown_open, box


def test_caseload_tiers_cover_every_flagged_student(client, login_as, story):
    """The tier tabs add up to everyone any rule finds; each tab lists its own."""
    login_as(story.world.users["counselor"])
    _r, everyone = _get(client, "/counsel/students?tier=all")
    listed = set()
    for tier in ("connect_now", "strengthen", "watch", "no_data"):
        _r, html = _get(client, f"/counsel/students?tier={tier}")
        ids = {int(p.split('"', 1)[0]) for p in html.split('href="/counsel/students/')[1:]
               if p.split('"', 1)[0].isdigit()}
        assert not ids & listed  # one tier each
        listed |= ids
    _r, html = _get(client, "/counsel/students?tier=all")
    all_ids = {int(p.split('"', 1)[0]) for p in everyone.split('href="/counsel/students/')[1:]
               if p.split('"', 1)[0].isdigit()}
    assert all_ids <= listed
    assert story.silent.id in listed  # no data yet is listed, in a tier of its own


def test_profile_shows_adults_by_source_map_and_audits(client, login_as, story, session):
    login_as(story.world.users["counselor"])
    response, html = _get(client, f"/counsel/students/{story.flagged.id}")
    assert response.status_code == 200
    assert 'type="application/json" id="map-data"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # table: escaped text
    assert "<img src=x" not in html
    assert "</script><script>alert(1)" not in html  # JSON block cannot be closed by a name
    assert "\\u003c/script\\u003e" in html
    assert "Sources disagree" in html
    assert "Offered to mentor this student." in html  # ★ mark of the teacher
    events = session.exec(AuditEvent.__table__.select().where(
        AuditEvent.action == "view_student")).all()
    assert len(events) == 1


@pytest.mark.parametrize("role", ["staff", "analyst"])
def test_staff_and_analysts_cannot_reach_a_profile(client, login_as, story, role):
    login_as(story.world.users[role])
    assert client.get(f"/counsel/students/{story.flagged.id}").status_code == 403
    assert client.get("/counsel/students").status_code == 403


def test_another_schools_student_is_not_found(client, login_as, story):
    login_as(story.world.users["other_counselor"])
    assert client.get(f"/counsel/students/{story.flagged.id}").status_code == 404
    assert client.get(f"/counsel/students?school={story.world.school.id}").status_code == 404


def test_analyst_sees_the_equity_view_without_names(client, login_as, story):
    login_as(story.world.users["analyst"])
    response, html = _get(client, "/counsel/equity?measure=responded&by=grade")
    assert response.status_code == 200
    assert "<svg" in html
    assert "fewer than 10" in html
    assert story.flagged.given_name not in html
    assert "Students to connect with" not in html  # no caseload link for analysts


def test_equity_chart_is_mirrored_on_right_to_left_pages(client, login_as, story):
    """Arabic: labels on the right next to the bars, bars growing leftwards; English as before."""
    login_as(story.world.users["analyst"])
    anchors = {}
    for lang in ("en", "ar"):
        html = _get(client, f"/counsel/equity?measure=responded&by=grade&lang={lang}")[1]
        chart = html[html.index('<svg id="equity-chart"'):html.index("</svg>")]
        assert 'direction="ltr"' in chart  # anchors mean the same in every language
        anchors[lang] = re.findall(r'<text x="[\d.]+" y="19" text-anchor="(\w+)"', chart)
    assert set(anchors["en"][::2]) == {"end"}
    assert set(anchors["en"][1::2]) == {"start"}
    assert set(anchors["ar"][::2]) == {"start"}
    assert set(anchors["ar"][1::2]) == {"end"}


def test_school_map_page_and_data(client, login_as, story):
    login_as(story.world.users["counselor"])
    response, html = _get(client, "/counsel/map")
    assert response.status_code == 200
    data = client.get("/counsel/map/data?adults=all").get_json()
    assert data["options"]["physics"]["enabled"] is False
    assert all("x" in n for n in data["nodes"])
    assert any(n["title"] == XSS_NAMES[0] + " — Grandparent" for n in data["nodes"])


def test_school_map_shows_students_and_staff_and_who_has_no_school_adult(client, login_as,
                                                                         story):
    """By default: students and school staff only, family and community as counts; the
    students with no school adult in one labelled group; the same people in a table."""
    login_as(story.world.users["counselor"])
    data = client.get("/counsel/map/data").get_json()
    assert data["group_by"] == "staff"
    assert data["label_overlaps"] == 0
    assert {n["group"] for n in data["nodes"]} <= {"student", "staff", "label"}
    assert all("x" in n for n in data["nodes"] if n["group"] != "label")
    assert all("lx" in n for n in data["nodes"] if n.get("label"))
    students = [n for n in data["nodes"] if n["group"] == "student"]
    assert len(students) == 3
    assert not any("label" in n for n in students)  # named on hover, in the table, by search
    flagged = next(n for n in students if n["title"].startswith(story.flagged.given_name))
    assert re.search(r" — 0 at school, [1-9] in the family, 0 in the community$", flagged["title"])
    alone = [n for n in students if n.get("alone")]
    assert flagged in alone
    titles = [n["label"] for n in data["nodes"] if n["group"] == "label"]
    assert titles[0] == f"No adult at school ({len(alone)})"
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    html = client.get("/counsel/map").get_data(as_text=True)
    assert 'id="map-find"' in html
    assert "school_map.js" in html
    assert "vis-network" not in html  # drawn by our own script, from the server's layout
    table = client.get("/counsel/map?view=table").get_data(as_text=True)
    assert table.count("<tr>") >= 3 + 1
    assert "No adult at school" in table
    assert table.index(story.flagged.given_name) < table.rindex("</tr>")
    by_grade = client.get("/counsel/map/data?group=grade").get_json()
    assert by_grade["group_by"] == "grade"
    assert by_grade["label_overlaps"] == 0
    grade_titles = [n["label"] for n in by_grade["nodes"] if n["group"] == "label"]
    assert grade_titles[-1].startswith("School staff (")
    assert any(": no adult at school (" in t for t in grade_titles)
    assert client.get("/counsel/map/data?group=nonsense").get_json()["group_by"] == "staff"


def _embedded_map(html: str) -> dict:
    start = html.index('<script type="application/json" id="map-data">') + 46
    return json.loads(html[start:html.index("</script>", start)])


def test_school_map_page_embeds_the_kept_data_and_follows_a_write(app, client, login_as, story,
                                                                  session):
    cache.clear()
    login_as(story.world.users["counselor"])
    html = _get(client, "/counsel/map?adults=all")[1]
    assert XSS_NAMES[1] not in html
    assert "\\u003c/script\\u003e" in html  # the JSON block stays shut
    kept = [k for k in cache.peek(session) if k[:2] == ("memo", "school_map_json")]
    assert len(kept) == 1  # the page and the JSON endpoint share one encoded body
    assert _embedded_map(html) == client.get("/counsel/map/data?adults=all").get_json()
    assert [k for k in cache.peek(session) if k[:2] == ("memo", "school_map_json")] == kept
    assert "Ms Newcomer" not in html
    _another_worker_adds_ms_newcomer(app, story)
    after = _get(client, "/counsel/map?adults=all")[1]
    assert any("Ms Newcomer" in n["title"] for n in _embedded_map(after)["nodes"])
    events = session.exec(AuditEvent.__table__.select().where(
        AuditEvent.action == "view_school_map")).all()
    assert len(events) == 3  # every view is audited, kept data or not


def test_vis_network_comes_from_the_app_with_a_long_cache(client):
    with client.get("/counsel/vendor/vis-network.min.js") as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert client.get("/counsel/vendor/..%2Fnetwork.py").status_code == 404


def test_follow_up_lifecycle(client, login_as, story, session):
    counselor = story.world.users["counselor"]
    login_as(counselor)
    url = f"/counsel/students/{story.flagged.id}"
    response = client.post(f"{url}/followups", data={
        "new-about": "flag:single_anchor", "new-owner_id": counselor.id,
        "new-due_on": "2020-01-01", "new-note": "Meet with the student"})
    assert response.status_code == 302
    row = session.exec(FollowUp.__table__.select()).one()
    assert row.flag_code == "single_anchor"
    html = client.get(url).get_data(as_text=True)
    assert "Overdue" in html
    assert "Overdue" in client.get("/counsel/students").get_data(as_text=True)
    client.post(f"{url}/followups/{row.id}", data={f"f{row.id}-status": "done",
                                                  f"f{row.id}-outcome": "Met twice"})
    session.rollback()  # a fresh snapshot: the request wrote in its own transaction
    done = session.get(FollowUp, row.id)
    assert done.status == "done"
    assert done.closed_at is not None


def test_mentor_assignment_books_check_ins(client, login_as, story, session):
    login_as(story.world.users["counselor"])
    teacher = story.world.users["staff"]
    url = f"/counsel/students/{story.flagged.id}/mentor"
    assert client.post(url, data={"staff_id": "999999"}).status_code == 400
    assert client.post(url, data={"staff_id": teacher.id}).status_code == 302
    kinds = sorted(r.kind for r in session.exec(FollowUp.__table__.select()).all())
    assert kinds == ["check_in", "check_in", "mentor"]
    plan = session.exec(FollowUp.__table__.select().where(FollowUp.kind == "mentor")).one()
    assert plan.frequency == "two_weeks"  # a plan in one step: goal and check-ins
    assert plan.goal


def test_a_plan_with_an_owner_from_the_staff_goal_and_progress(client, login_as, story,
                                                               session):
    """Any staff member may own a plan; a progress note books the next check-in."""
    login_as(story.world.users["counselor"])
    teacher = story.world.users["staff"]
    url = f"/counsel/students/{story.flagged.id}"
    assert f'<option value="{teacher.id}">' in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/followups", data={
        "new-about": "kind:check_in", "new-owner_id": teacher.id, "new-goal": "Feels at home",
        "new-frequency": "weekly", "new-due_on": "2030-01-01", "new-note": "Lunch chats"})
    assert response.status_code == 302
    row = session.exec(FollowUp.__table__.select()).one()
    assert (row.kind, row.owner_id, row.goal, row.frequency) == (
        "check_in", teacher.id, "Feels at home", "weekly")
    client.post(f"{url}/followups/{row.id}", data={
        f"f{row.id}-status": "in_progress", f"f{row.id}-progress": "Talked about the team"})
    session.rollback()
    moved = session.get(FollowUp, row.id)
    assert moved.due_on == date.today() + timedelta(weeks=1)
    html = client.get(url).get_data(as_text=True)
    assert "Talked about the team" in html
    assert html.index("Plans and what is due") < html.index("Why connect")  # due first
    client.post(f"{url}/followups", data={
        "new-about": "kind:mentor", "new-owner_id": teacher.id, "new-note": "x"})
    session.rollback()
    kinds = {r.kind for r in session.exec(FollowUp.__table__.select()).all()}
    assert "mentor" not in kinds  # mentors come from the suggestions only


def test_profile_kept_between_views_follows_a_write_made_elsewhere(app, client, login_as,
                                                                   story, session):
    cache.clear()
    login_as(story.world.users["counselor"])
    url = f"/counsel/students/{story.silent.id}"
    assert "Coach Rivera" not in _get(client, url)[1]
    assert "Coach Rivera" not in _get(client, url)[1]
    kept = {k[1] for k in cache.peek(session) if k[0] == "memo"}
    assert {"profile", "mentors", "matches"} <= kept  # the second view came from the cache
    with Session(get_engine(app)) as other:  # another worker's write
        tie(other, other.get(Student, story.silent.id), other.get(Adult, story.adults["coach"].id),
            other.get(SurveyWave, story.world.wave.id), setting="community")
        other.commit()
    assert "Coach Rivera" in _get(client, url)[1]


def test_school_map_data_kept_per_language_follows_a_write(app, client, login_as, story,
                                                           session):
    cache.clear()
    login_as(story.world.users["counselor"])
    en = client.get("/counsel/map/data?lang=en&adults=all").get_json()
    es = client.get("/counsel/map/data?lang=es&adults=all").get_json()
    assert en["legend"] != es["legend"]  # one kept body per language
    assert client.get("/counsel/map/data?lang=en&adults=all").get_json() == en
    kept = [k for k in cache.peek(session) if k[:2] == ("memo", "school_map_json")]
    assert len(kept) == 2
    assert not any("Ms Newcomer" in n["title"] for n in en["nodes"])
    _another_worker_adds_ms_newcomer(app, story)
    after = client.get("/counsel/map/data?lang=en&adults=all").get_json()
    assert any("Ms Newcomer" in n["title"] for n in after["nodes"])
    assert client.get("/counsel/map/data").headers["Content-Type"] == "application/json"


def test_the_maps_no_school_adult_block_is_the_caseloads_number(client, login_as, story):
    """The map's first block and the caseload filtered on "no adult at school" count the
    same students (the map once counted every student without a tie of their own on it:
    2,014 of 2,985 at the largest demo school, against the caseload's 660)."""
    login_as(story.world.users["counselor"])
    data = client.get("/counsel/map/data").get_json()
    _r, html = _get(client, "/counsel/students?flag=no_school_adult")
    listed = re.search(r"(\d[\d,]*) students? to connect with", html)
    assert listed, html
    assert data["no_school_adult"] == int(listed.group(1).replace(",", ""))
    alone = {n["title"].split(" — ")[0] for n in data["nodes"] if n.get("alone")}
    assert story.flagged.given_name in " ".join(alone)


def test_a_student_with_no_adults_has_no_strengths_spelled_as_zeros(client, login_as, story,
                                                                     session):
    """A student who answered and named no one: the reasons say so; the strengths column
    says nothing ("—"), never "none in the family, none at school, none in the community",
    and the profile neither counts zeros nor claims there are no answers."""
    from tests.survey_app.counsel import builders as b

    answered = b.invite(session, story.world.wave, student=story.silent)
    b.answer(session, answered, "home.internet", "works_well")
    session.commit()
    login_as(story.world.users["counselor"])
    _r, html = _get(client, "/counsel/students?tier=all")
    row = re.search(rf'href="/counsel/students/{story.silent.id}".*?</tr>', html, re.S).group(0)
    assert "Named no adult they are sure would help." in row
    strengths = re.findall(r'<td data-label="Strengths">(.*?)</td>', row, re.S)
    assert strengths == ["—"]
    _r, profile = _get(client, f"/counsel/students/{story.silent.id}")
    assert "none in" not in profile
    assert "none at school" not in profile
    assert "No answers yet" not in profile
