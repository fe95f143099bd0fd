"""Every export kind and format works on a district that has students and nothing else yet:
no survey window, no ties, no staff, no answers (the first thing a new district does)."""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import pandas as pd
import pytest

from tests.survey_app.imports.test_real_rosters import DATA

SAMPLE = DATA / "lepo-roster-hub" / "sample_csv_en"  # 20 students; no staff, families, grades
FORMATS = [("flagged", "csv"), ("flagged", "xlsx"), ("responses", "csv"), ("responses", "xlsx"),
           ("network", "csv"), ("network", "xlsx"), ("network", "graphml"), ("equity", "csv"),
           ("equity", "xlsx")]


@pytest.fixture
def imported(runner):
    result = runner.invoke(args=["import-roster", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    return runner


@pytest.mark.parametrize(("kind", "fmt"), FORMATS)
def test_every_export_works_before_the_first_wave(imported, tmp_path, kind, fmt):
    out = tmp_path / f"{kind}.{fmt}"
    result = imported.invoke(args=["export", kind, "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if fmt == "graphml":
        nx.read_graphml(out)  # well-formed XML
    elif fmt == "xlsx":
        pd.read_excel(out, sheet_name=None)
    if kind == "flagged":
        frame = (pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv"
                 else pd.read_excel(out))
        assert len(frame) == 20
        assert (frame["Flag codes"] == "no_data").all()
        assert frame["Grade"].isna().all()


def test_network_csv_zip_opens(imported, tmp_path):
    out = tmp_path / "network.zip"
    result = imported.invoke(args=["export", "network", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    if zipfile.is_zipfile(out):
        with zipfile.ZipFile(out) as archive:
            for name in archive.namelist():
                pd.read_csv(io.BytesIO(archive.read(name)), encoding="utf-8-sig")


def test_the_caseload_counts_and_lists_students_with_no_data(imported, client, login_as,
                                                             session):
    from sqlmodel import select

    from survey_app.models import District, School
    from tests.factories import make_user

    district, school = session.exec(select(District)).one(), session.exec(select(School)).one()
    counselor = make_user(session, district, "counselor", school)  # serves the school
    session.commit()
    login_as(counselor)
    page = client.get("/counsel/students").get_data(as_text=True)
    assert "20 students have no survey or staff marks yet" in page
    listed = client.get("/counsel/students?flag=no_data").get_data(as_text=True)
    assert "20 students to connect with" in listed
    assert listed.count("Unknown: no answers yet") == 20
    assert "none in the family" not in listed
