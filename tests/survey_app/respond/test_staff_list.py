"""The adult page's staff list: kept per worker until a staff member changes, then read
afresh by every worker on its next page (services/invitations.py school_staff)."""

from __future__ import annotations

from sqlalchemy import event, update

from survey_app.db import get_engine
from survey_app.models import StaffUser
from tests.factories import make_user


def _search(client, query: str) -> str:
    r = client.post("/survey/adults", data={"adults-0-entry": "",
                                            "adults-0-staff_query": query, "find": "0"})
    assert r.status_code == 302, r.data
    return client.get(r.headers["Location"]).get_data(as_text=True)


def _second_worker(make_app, client):
    """Another app (a second gunicorn worker) on the same database, same respondent."""
    other = make_app().test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_staff_changes_show_on_the_next_page_in_every_worker(client, started, session, world,
                                                            school_staff, make_app):
    started()
    workers = [client, _second_worker(make_app, client)]
    for worker in workers:  # each keeps the list now
        assert "Ana Rivera" in _search(worker, "rive")
    make_user(session, world.district, "staff", world.school, given_name="Carla",
              family_name="Rivas")
    session.commit()
    for worker in workers:
        assert "Carla Rivas" in _search(worker, "riv")
    with get_engine(workers[1].application).begin() as conn:  # written by the other worker
        conn.execute(update(StaffUser).where(StaffUser.id == school_staff[0].id)
                     .values(given_name="Anita"))
    for worker in workers:
        page = _search(worker, "rive")
        assert "Anita Rivera" in page
        assert "Ana Rivera" not in page
    bo = school_staff[1]
    session.get(StaffUser, bo.id).active = False
    session.commit()
    for worker in workers:
        assert "Bo Nguyễn" not in _search(worker, "bo")
        refused = worker.post("/survey/adults", data={"adults-0-entry": "",
                                                      "adults-0-staff_id": str(bo.id)})
        assert refused.status_code == 400


def test_page_saves_reuse_the_list(app, client, started, school_staff):
    """A save moves the data version but not the staff version: no staff query after the first."""
    started()
    ana = school_staff[0]
    staff_reads = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM staff_user" in statement:
            staff_reads.append(statement)

    body = {"adults-0-entry": "", "adults-0-staff_id": str(ana.id), "adults-0-relation": "teacher"}
    assert client.post("/survey/adults", data=body).status_code == 302
    event.listen(get_engine(app), "before_cursor_execute", count)
    try:
        for relation in ("coach", "teacher", "coach"):
            body = {"adults-0-entry": "0", "adults-0-staff_id": str(ana.id),
                    "adults-0-relation": relation}
            assert client.post("/survey/adults", data=body).status_code == 302
            assert client.get("/survey/adults").status_code == 200
    finally:
        event.remove(get_engine(app), "before_cursor_execute", count)
    assert staff_reads == []
