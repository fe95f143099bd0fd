"""The exports: flagged, responses and network, from the command line and the download page."""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import openpyxl
import pandas as pd
import pytest
from sqlmodel import select

from survey_app.exports import service
from survey_app.exports.safe import safe_cell
from survey_app.models import AuditEvent, DistrictSettings
from tests.survey_app.exports.conftest import EVIL


def _write(session, world, kind, fmt, **extra):
    req = service.ExportRequest(kind=kind, fmt=fmt, district_id=world.district.id,
                                school_ids=(world.school.id,), **extra)
    out = io.BytesIO()
    service.write_export(session=session, req=req, out=out)
    return out.getvalue()


def test_flagged_csv_is_safe_and_keeps_names(app, session, surveyed):
    session.add(DistrictSettings(district_id=surveyed.district.id, min_n=5,
                                 flag_rules={}))  # the district's own rules are read
    session.commit()
    with app.test_request_context():
        data = _write(session, surveyed, "flagged", "csv")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert "'" + EVIL + " ليلى" in frame["Name"].tolist()
    assert set(frame["SIS id"]) >= {surveyed.students[0].sis_id, surveyed.students[1].sis_id}
    row = frame.loc[frame["SIS id"] == surveyed.students[1].sis_id].iloc[0]
    assert row["Follow-up owner"] == surveyed.users["counselor"].display_name
    assert row["Reasons"]
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")["Grade"].dtype.kind == "i"


def test_flagged_xlsx_in_spanish_has_text_not_formulas(app, session, surveyed):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("es"):
        data = _write(session, surveyed, "flagged", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[2] == "Nombre"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    names = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert "'" + EVIL + " ليلى" in names


def test_responses_keep_adults_in_their_own_table(app, session, surveyed):
    with app.test_request_context():
        data = _write(session, surveyed, "responses", "csv")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["adults.csv", "answers.csv", "responses.csv"]
    responses = pd.read_csv(archive.open("responses.csv"), encoding="utf-8-sig")
    answers = pd.read_csv(archive.open("answers.csv"), encoding="utf-8-sig")
    adults = pd.read_csv(archive.open("adults.csv"), encoding="utf-8-sig")
    assert len(responses) == 2
    assert set(adults["Response id"]) == set(responses["Response id"])
    assert adults["Name"].tolist() == ["'@Coach", "'@Coach"]
    assert adults["How sure (1–4)"].tolist() == [4, 4]
    assert "adults" not in set(answers["Question id"])
    internet = answers.loc[answers["Question id"] == "home.internet"].iloc[0]
    assert internet["Answer codes"] == "phone_only"
    assert internet["Question"] == "Do you have internet at home?"
    assert internet["Answer"] == "Only on a phone"


@pytest.mark.parametrize("deidentify", [False, True])
def test_network_graphml_loads_back_with_the_same_nodes_and_edges(app, session, surveyed,
                                                                  deidentify):
    from survey_app.exports.graphml import network_graph

    with app.test_request_context():
        G = network_graph(session=session, district_id=surveyed.district.id,
                          school_ids=(surveyed.school.id,), deidentify=deidentify, salt="s")
        data = _write(session, surveyed, "network", "graphml", deidentify=deidentify,
                      salt="s")
    back = nx.read_graphml(io.BytesIO(data))
    assert set(back.nodes) == set(G.nodes)
    assert set(back.edges) == set(G.edges)
    assert back.number_of_edges() >= 2
    text = data.decode()
    assert ("Coach Zoë" in text) is (not deidentify)
    assert (surveyed.students[0].sis_id in text) is (not deidentify)
    for _u, _v, d in back.edges(data=True):
        assert d["reliable"] is True


def test_network_tables_are_ego_alters_edges(app, session, surveyed):
    with app.test_request_context():
        data = _write(session, surveyed, "network", "xlsx", deidentify=True, salt="s")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["egos", "alters", "edges"]
    egos = pd.read_excel(io.BytesIO(data), sheet_name="egos")
    assert "name" not in egos.columns
    assert all(str(e).startswith("s-") for e in egos["ego_id"])


def test_cli_export_writes_file_and_audits(runner, session, surveyed, tmp_path):
    out = tmp_path / "flagged.csv"
    result = runner.invoke(args=["export", "flagged", "--format", "csv", "--out", str(out),
                                 "--school", surveyed.school.code, "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.target_type == "flagged"
    result = runner.invoke(args=["export", "flagged", "--format", "graphml", "--out", str(out)])
    assert result.exit_code != 0


def test_download_page_for_counselors_not_staff(client, surveyed, login_as):
    login_as(surveyed.users["staff"])
    assert client.get("/exports/").status_code == 403
    client.post("/staff/logout")
    login_as(surveyed.users["counselor"])
    page = client.get("/exports/")
    assert page.status_code == 200
    assert b"flagged-fmt" in page.data


def test_download_is_audited_and_sent_as_attachment(client, session, surveyed, login_as):
    login_as(surveyed.users["counselor"])
    response = client.post("/exports/download",
                           data={"kind": "flagged", "flagged-fmt": "xlsx",
                                 "flagged-school": surveyed.school.code})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    openpyxl.load_workbook(io.BytesIO(response.data))
    response.close()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.staff_id == surveyed.users["counselor"].id


def test_download_of_another_schools_data_is_refused(client, surveyed, login_as):
    login_as(surveyed.users["counselor"])
    response = client.post("/exports/download",
                           data={"kind": "flagged", "flagged-fmt": "csv",
                                 "flagged-school": surveyed.other_school.code})
    assert response.status_code in (400, 404)
    response = client.post("/exports/download",
                           data={"kind": "flagged", "flagged-fmt": "graphml"})
    assert response.status_code == 400


def test_equity_export_suppresses_like_the_screen(app, session, surveyed):
    with app.test_request_context():
        data = _write(session, surveyed, "equity", "csv")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert set(frame.columns) >= {"Measure", "Group", "Students", "Rate", "Shown as"}
    # the test district is tiny: every group is hidden, no count or rate shows
    assert frame["Rate"].isna().all()
    # (a measure nobody has an answer for shows its 0 students: no one's secret)
    assert (frame["Students"].isna() | (frame["Students"] == 0)).all()
    assert frame.loc[frame["Students"].isna(), "Shown as"].str.startswith("fewer than").all()


def test_flagged_rows_are_the_caseloads_rows_in_its_order(app, session, surveyed):
    """The export builds its rows on its own (for speed): same students, order and words."""
    from datetime import date

    from survey_app.exports.flagged import flagged_table
    from survey_app.reading import loader
    from survey_app.services import caseload

    today = date.today()
    with app.test_request_context():
        table = flagged_table(session=session, district_id=surveyed.district.id,
                              school_ids=(surveyed.school.id,), today=today)
        everyone = [(r[0], r[2], r[6], r[7], r[8], r[9], r[10]) for r in table.rows]
        exported = [r for r in everyone if r[2] != "no_data" or r[6]]
        ctx = loader.context(session=session, district_id=surveyed.district.id, today=today)
        rows = caseload.caseload_page(session=session, ctx=ctx, school_ids=(surveyed.school.id,),
                                      filters=caseload.Filters(), today=today,
                                      per_page=10**6).rows  # every row
        # The export's rows are formula-safe already (the table is marked escaped).
        expected = [(safe_cell(r.sis_id), safe_cell(r.name), "; ".join(r.codes),
                     safe_cell("\n".join(r.reasons)), r.strengths, r.reliable,
                     r.open_followups) for r in rows]
        unknown = caseload.caseload_page(session=session, ctx=ctx,
                                         school_ids=(surveyed.school.id,),
                                         filters=caseload.Filters(flag="no_data"),
                                         today=today, per_page=10**6).rows
    assert exported == expected
    assert len(exported) >= 2
    # Students with no data are in the export too, as the caseload lists them on request.
    no_data = [r for r in everyone if r[2] == "no_data" and not r[6]]
    assert [r[1] for r in no_data] == [safe_cell(r.name) for r in unknown
                                       if not r.open_followups]
    assert no_data
    assert all(r[4] == "Unknown: no answers yet" and r[5] is None for r in no_data)


@pytest.mark.parametrize("code", ["EL\nM", "É\r\nL\tM", 'EL"; x=1', "../ELM"])
def test_any_school_code_gives_a_safe_download_header(client, session, surveyed, login_as,
                                                      code):
    """RFC 6266: a code with a line break, a tab, quotes or a path still downloads; the
    header has a plain-ASCII filename and the UTF-8 one in filename*. (A NUL cannot reach
    a code: PostgreSQL refuses it and staff forms drop it.)"""
    from email.message import Message

    surveyed.school.code = code
    session.add(surveyed.school)
    session.commit()
    login_as(surveyed.users["counselor"])
    response = client.post("/exports/download",
                           data={"kind": "flagged", "flagged-fmt": "csv", "flagged-school": code})
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    response.close()
    assert "\n" not in header
    assert "\r" not in header
    assert "\x00" not in header
    parsed = Message()
    parsed["Content-Disposition"] = header
    name = parsed.get_filename()
    assert name.startswith("flagged-")
    assert name.endswith(".csv")
    assert "/" not in name
    assert "\\" not in name
    assert set(parsed.get_param("filename", header="Content-Disposition")) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
