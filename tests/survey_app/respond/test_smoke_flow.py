from sqlmodel import select

from survey_app.models import Answer


def test_link_opens_first_page(client, started):
    started()
    page = client.get("/survey/home")
    assert page.status_code == 200
    assert b"Do you have internet at home?" in page.data


def test_whole_student_survey(client, started, session, school_staff):
    started()
    r = client.post("/survey/home", data={"home_internet": "works_well", "home_devices": ["phone"],
                                          "home_quiet_place": "always"})
    assert r.status_code == 302, r.data.decode()
    r = client.post("/survey/after_school", data={"home_adult_after_school": "yes",
                                                  "home_caregiving": "no"})
    assert r.status_code == 302, r.data.decode()
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Tía Rosa",
                                            "adults-0-relation": "aunt_uncle",
                                            "adults-0-support": ["emotional", "practical"],
                                            "adults-0-reliability": "4"})
    assert r.status_code == 302, r.data.decode()
    page = client.get("/survey/adults")
    assert "Tía Rosa".encode() in page.data
    r = client.post("/survey/school", data={"school_trusted_adult": "yes",
                                            "school_trusted_adult_entry": "0"})
    assert r.headers["Location"].endswith("/survey/done")
    assert client.get("/survey/done").status_code == 200
    rows = session.exec(select(Answer)).all()
    assert {a.item_id for a in rows} >= {"home.internet", "adults", "school.trusted_adult_entry"}
