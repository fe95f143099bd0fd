"""The caseload taken away: filtered CSV/XLSX and the staff-meeting sheet, audited."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlmodel import select

from survey_app.models import AuditEvent, StaffMark
from tests.survey_app.counsel.builders import make_adult, tie
from tests.survey_app.counsel.conftest import XSS_NAMES


def _ids_on_page(html: str) -> list[int]:
    return [int(p.split('"', 1)[0]) for p in html.split('href="/counsel/students/')[1:]
            if p.split('"', 1)[0].isdigit()]


def test_csv_matches_the_filtered_page_and_is_audited(client, login_as, story, session):
    login_as(story.world.users["counselor"])
    for query in ("tier=all", "tier=connect_now", "tier=no_data", "flag=single_anchor"):
        page = client.get(f"/counsel/students?{query}").get_data(as_text=True)
        response = client.post(f"/counsel/students/download?{query}", data={"fmt": "csv"})
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert rows[0][:2] == ["Name", "SIS id"]
        names_in_file = [r[0] for r in rows[1:]]
        assert len(names_in_file) == len(_ids_on_page(page)), query
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(events) == 4
    assert {e.detail["kind"] for e in events} == {"caseload"}
    assert events[1].detail["filters"]["tier"] == "connect_now"


def test_download_is_formula_safe_in_csv_and_xlsx(client, login_as, story, session):
    """The family typed markup and formulas as an adult's name: text in every format."""
    coach = make_adult(session, story.world.district.id, kind="community", role="coach",
                       name='=HYPERLINK("http://evil.example","x")')
    tie(session, story.flagged, coach, story.world.wave, reliability=4, setting="community")
    session.commit()
    login_as(story.world.users["counselor"])
    body = client.post("/counsel/students/download?tier=all", data={"fmt": "csv"}).get_data()
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")) or value.startswith("'"), value
    assert XSS_NAMES[0] in body.decode("utf-8-sig")  # as text, in the strengths
    assert "'=HYPERLINK(" in body.decode("utf-8-sig")  # the formula neutralised
    response = client.post("/counsel/students/download?tier=all", data={"fmt": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "Name"
    for row in sheet.iter_rows(min_row=2, values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith("=")), value


def test_download_refuses_a_bad_format_and_other_roles(client, login_as, story):
    login_as(story.world.users["counselor"])
    assert client.post("/counsel/students/download", data={"fmt": "exe"}).status_code == 400
    client.post("/staff/logout")
    login_as(story.world.users["staff"])
    assert client.post("/counsel/students/download", data={"fmt": "csv"}).status_code == 403


def test_meeting_sheet_lists_students_no_one_marked(client, login_as, story, session):
    marked = {m.student_id for m in session.exec(select(StaffMark)).all() if m.trusting}
    session.commit()
    login_as(story.world.users["counselor"])
    response = client.get("/counsel/students/meeting-sheet")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for student in story.world.students:
        shown = f"<bdi>{student.preferred_name or student.given_name}" in html
        assert shown is (student.id not in marked), student.id
    assert 'class="write-in"' in html
    event = session.exec(select(AuditEvent).where(
        AuditEvent.action == "print_meeting_sheet")).one()
    assert event.detail["students"] == len(set(s.id for s in story.world.students) - marked)
