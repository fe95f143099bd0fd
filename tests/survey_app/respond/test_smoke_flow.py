from sqlmodel import select

from survey_app.models import Answer


def test_link_opens_first_page(client, started):
    started()
    page = client.get("/survey/home")
    assert page.status_code == 200
    assert b"Do you have internet at home?" in page.data


def test_opening_a_letter_link_writes_with_the_write_lock(client, invite, session,
                                                        deferred_writes):
    """The first open of a link starts the response: a read request's write, which must
    wait its turn (``write_next``), not upgrade its read (refused at once, a 503, when a
    family elsewhere saved a page in between). Again from a second device: a resume."""
    link = invite()
    for _ in range(2):
        assert client.get(f"/r/{link.token}").status_code == 302
    assert deferred_writes == []


def test_whole_student_survey(client, started, session, school_staff, deferred_writes):
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
    # A language switch on a page's GET is recorded (a read request's write).
    assert client.get("/survey/adults?lang=es").status_code == 200
    r = client.post("/survey/school", data={"school_trusted_adult": "yes",
                                            "school_trusted_adult_entry": "0"})
    assert r.headers["Location"].endswith("/survey/done")
    assert client.get("/survey/done").status_code == 200
    assert deferred_writes == []
    rows = session.exec(select(Answer)).all()
    assert {a.item_id for a in rows} >= {"home.internet", "adults", "school.trusted_adult_entry"}
