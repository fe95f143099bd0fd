"""The route × role × school matrix, over every route the app registers.

Every view is either ``@public`` or declares a capability with
``@permission_required``; a new route is covered here automatically. Routes
with URL arguments take their sample values from ``SAMPLES``: one that belongs
to the user's own school and one from another school.
"""

from __future__ import annotations

import pytest

from survey_app.auth import POLICY
from tests.security.figures import add

ROLES = ["district_admin", "counselor", "staff", "analyst"]


def _samples(world, role: str = "district_admin") -> dict[str, tuple]:
    """URL argument → (value in the user's school, value in another school)."""
    # a finished export the user asked for (jobs are per person; see _finished_jobs)
    job = getattr(world, "job_ids", {}).get(role, 1)
    return {
        "job_id": (job, job),
        "student_id": (world.students[0].id, world.other_students[0].id),
        "school_id": (world.school.id, world.other_school.id),
        "household_id": (world.students[0].household_id,
                         getattr(world, "other_household_id", world.students[0].household_id)),
        "school_code": (world.school.code, world.other_school.code),
        # counselor side: ids that need not exist (the student decides 404 first)
        "followup_id": (1, 1),
        "keep": (1, 1),
        "merge": (2, 2),
        "wave_id": (world.wave.id, world.wave.id),  # district-wide; admin-only routes
        "staff_id": (world.users["staff"].id, world.users["other_staff"].id),  # likewise
        "section_id": getattr(world, "section_ids", (0, 0)),  # a class the staff user teaches
    }


@pytest.fixture(autouse=True)
def _finished_jobs(session, world):
    """One finished export job per user, with its file: each user's own job page and file."""
    from survey_app.jobs import runs
    from survey_app.models import JobFile

    world.job_ids = {}
    for role, user in world.users.items():
        run = runs.create(session=session, kind="export", district_id=world.district.id,
                          staff_id=user.id, params={"kind": "equity"})
        run.status, run.report = "done", {"filename": "equity.csv", "content_type": "text/csv"}
        session.add(JobFile(job_id=run.id, name="out", data=b"group,n\n"))
        world.job_ids[role] = run.id
    session.commit()


@pytest.fixture(autouse=True)
def _other_household(session, world):
    """A household whose only child is at the other school (cross-school household URLs)."""
    from survey_app.models import Household

    household = Household(district_id=world.district.id, language="en")
    session.add(household)
    session.flush()
    world.other_students[0].household_id = household.id
    session.add(world.other_students[0])
    session.commit()
    world.other_household_id = household.id
    world.section_ids = _classes(session, world)


def _classes(session, world) -> tuple[int, int]:
    """A class of the world's school taught by its staff user, and one of the other school."""
    from survey_app.models import Section, SectionStudent, SectionTeacher

    ids = []
    for school, teacher, kids in ((world.school, world.users["staff"], world.students),
                                  (world.other_school, world.users["other_staff"],
                                   world.other_students)):
        section = Section(school_id=school.id, title=f"Class of {school.code}")
        session.add(section)
        session.flush()
        session.add(SectionTeacher(section_id=section.id, staff_id=teacher.id))
        session.add_all(SectionStudent(section_id=section.id, student_id=k.id) for k in kids)
        ids.append(section.id)
    session.commit()
    return ids[0], ids[1]


def _views(app):
    """(rule, view function) for every non-static route."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_is_public_or_declares_a_capability(app):
    undeclared = [
        rule.rule for rule, view in _views(app)
        if not getattr(view, "public", False) and not hasattr(view, "required_capability")
    ]
    assert not undeclared, (
        f"routes without @public or @permission_required: {undeclared}"
    )


def _build(rule, samples, which: int) -> str | None:
    values = {}
    for arg in rule.arguments:
        if arg not in samples:
            pytest.fail(f"add a sample value for URL argument {arg!r} in {__file__}")
        values[arg] = samples[arg][which]
    from flask import url_for

    return url_for(rule.endpoint, **values)


def _protected(app):
    return [(r, v) for r, v in _views(app) if hasattr(v, "required_capability")]


def test_anonymous_is_sent_to_sign_in(app, client, world):
    samples = _samples(world)
    with app.test_request_context():
        urls = [(_build(r, samples, 0), r.methods) for r, _v in _protected(app)]
    for url, methods in urls:
        method = "GET" if "GET" in methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/staff/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client, world, login_as, role):
    """Own school: allowed roles get through, others get 403. Other school: 404."""
    login_as(world.users[role])
    samples = _samples(world, role)
    checked = 0
    for rule, view in _protected(app):
        allowed = role in POLICY[view.required_capability]
        with app.test_request_context():
            own, other = _build(rule, samples, 0), _build(rule, samples, 1)
        scoped = bool(set(rule.arguments) & {"student_id", "school_id", "school_code",
                                             "household_id"})
        if "GET" in rule.methods:
            status = client.get(own).status_code
            if allowed:
                assert status < 400, f"{role} should reach {own}, got {status}"
            else:
                assert status == 403, f"{role} must not reach {own}, got {status}"
            if allowed and scoped and role in ("counselor", "staff"):
                other_status = client.get(other).status_code
                assert other_status == 404, f"{role} reached another school's {other}"
        else:
            status = client.post(own).status_code
            if not allowed:
                assert status == 403, f"{role} must not post to {own}, got {status}"
            elif scoped and role in ("counselor", "staff"):
                assert client.post(other).status_code == 404, f"{role} wrote to {other}"
        checked += 1
    assert checked == len(_protected(app))
    add("routes x roles checked (own + other school)", checked)


def test_policy_names_only_known_roles():
    for capability, roles in POLICY.items():
        assert roles <= set(ROLES), capability


NAMES = ["Zorbulon", "Quixmara", "Vethrindel", "Ozymandra", "Kalthuzar"]


def test_analysts_never_see_a_name(app, client, session, world, login_as):
    """Every GET an analyst may open, on a world of distinctive names (with non-respondents,
    answers and wave pages): no given or family name in any body."""
    from survey_app.models.enums import SurveyKind
    from survey_app.services import invitations

    for student, name in zip(world.students + world.other_students, NAMES, strict=True):
        student.given_name, student.family_name = name, f"{name}son"
        session.add(student)
    invitations.create_for_wave(session=session, wave=world.wave, kind=SurveyKind.STUDENT,
                                secret="s" * 40)
    session.commit()
    login_as(world.users["analyst"])
    samples = _samples(world, "analyst")
    urls = []
    with app.test_request_context():
        for rule, view in _protected(app):
            if "GET" in rule.methods and "analyst" in POLICY[view.required_capability]:
                urls.append(_build(rule, samples, 0))
    urls += [f"/admin/responses?school={world.school.id}", f"/admin/responses?wave={world.wave.id}",
             "/counsel/equity?by=grade&measure=responded"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        shown = [n for n in NAMES if n in body]
        assert not shown, f"an analyst saw {shown} on {url}"
    assert len(urls) >= 5
    # every export an analyst can trigger holds no name; the others are refused
    from survey_app.exports import service

    for kind, (_title, _text, formats) in service.KINDS.items():
        for fmt in formats:
            response = client.post("/exports/download", data={
                "kind": kind, f"{kind}-fmt": fmt, f"{kind}-school": ""})
            if "analyst" in POLICY[service.capability(kind)]:
                assert response.status_code == 200, (kind, fmt)
                data = response.get_data()
                if fmt == "xlsx":
                    import io

                    import openpyxl

                    book = openpyxl.load_workbook(io.BytesIO(data))
                    data = "\n".join(str(c.value) for ws in book.worksheets
                                      for row in ws.iter_rows() for c in row).encode()
                assert not [n for n in NAMES if n.encode() in data], (kind, fmt)
                add("analyst exports checked for names")
            else:
                assert response.status_code == 403, (kind, fmt)
            response.close()
    add("analyst GET pages checked for names", len(urls))


@pytest.mark.parametrize("role", ROLES)
def test_export_kinds_by_role(client, world, login_as, session, role):
    """Each export kind needs its own capability: analysts take aggregates only, and
    every download that goes through is audited under the user's name."""
    from sqlmodel import select

    from survey_app.exports import service
    from survey_app.models import AuditEvent

    login_as(world.users[role])
    page = client.get("/exports/")
    if role not in POLICY["exports.aggregate"]:
        assert page.status_code == 403
    sent = []
    for kind, (_title, _text, formats) in service.KINDS.items():
        allowed = role in POLICY[service.capability(kind)]
        if page.status_code == 200:
            assert (f'name="{kind}-fmt"' in page.get_data(as_text=True)) == allowed, kind
        response = client.post("/exports/download",
                               data={"kind": kind, f"{kind}-fmt": formats[0],
                                     f"{kind}-school": ""})
        assert response.status_code == (200 if allowed else 403), (role, kind)
        response.close()
        if allowed:
            sent.append(kind)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(e.target_type for e in events) == sorted(sent)
    assert all(e.staff_id == world.users[role].id for e in events)


def test_only_aggregate_exports_are_open_to_analysts():
    from survey_app.exports import service

    assert "analyst" in POLICY["exports.aggregate"]
    assert "analyst" not in POLICY["exports.identifiable"]
    assert POLICY["exports.identifiable"] <= POLICY["exports.aggregate"]
    assert [k for k in service.KINDS if service.capability(k) == "exports.aggregate"] == [
        "equity"]
