"""A page form saves once per submission key: double taps, resends and two at once.

Every page of both surveys and every entry type (plain answers, a new adult block, an
added block, a removed one) is sent twice with one key: the second changes nothing.
Two copies sent at the same moment (two threads, the first held inside its save) store
one set of answers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select

from survey_app.models import Adult, Answer, PageSubmission, SupportTie
from survey_app.services import submissions

KEY = re.compile(rb'name="submission" value="([^"]+)"')

STUDENT = [
    ("home", {"home_internet": "works_well", "home_devices": ["phone"],
              "home_quiet_place": "always"}),
    ("after_school", {"home_adult_after_school": "yes", "home_transport": "bus",
                      "home_caregiving": "no"}),
    ("adults", {"adults-0-entry": "", "adults-0-name": "Rosa", "adults-0-relation": "aunt_uncle",
                "adults-0-reliability": "4"}),
    ("school", {"school_trusted_adult": "yes", "school_wants_mentor": "maybe"}),
]
FAMILY = [
    ("contact", {"contact_channels": ["text"], "contact_times": "evenings"}),
    ("home", {"home_internet": "works_well", "home_devices": ["phone"],
              "home_adult_after_school": "yes"}),
    ("adults", {"adults-0-entry": "", "adults-0-name": "Tío Pepe",
                "adults-0-relation": "aunt_uncle", "adults-0-reliability": "3",
                "family_emergency_pickup": "Tío Pepe"}),
    ("school", {"school_trusted_person": "yes"}),
    ("help", {"help_requests": ["food"]}),
]


def _key(client, page: str) -> str:
    found = KEY.search(client.get(f"/survey/{page}").data)
    assert found, f"page {page} carries no submission key"
    return found.group(1).decode()


def _counts(session):
    session.rollback()
    return tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                 for m in (Answer, Adult, SupportTie, PageSubmission))


@pytest.mark.parametrize(('kind', 'steps'), [("student", STUDENT), ("family", FAMILY)])
def test_every_page_sent_twice_with_one_key_saves_once(client, session, invite, kind, steps):
    inv = invite(kind)
    assert client.get(f"/r/{inv.token}").status_code == 302
    for page, data in steps:
        form = {**data, "skip_ok": "1", "submission": _key(client, page)}
        first = client.post(f"/survey/{page}", data=form)
        assert first.status_code == 302, (page, first.data[-1500:])
        after_first = _counts(session)
        again = client.post(f"/survey/{page}", data=form)
        assert again.status_code == 302
        assert again.headers["Location"] == first.headers["Location"], page
        assert _counts(session) == after_first, page
    _answers, adults, _ties, keys = _counts(session)
    assert adults == 1
    assert keys == len(steps)


def test_added_and_removed_blocks_repeat_harmlessly(client, session, started):
    started()
    add = {"adults-0-entry": "", "adults-0-name": "Rosa", "action": "add",
           "submission": _key(client, "adults")}
    client.post("/survey/adults", data=add)
    client.post("/survey/adults", data=add)
    assert _counts(session)[0] == 1  # one adult block saved
    remove = {"adults-0-entry": "0", "adults-0-name": "Rosa", "remove": "0",
              "submission": _key(client, "adults")}
    client.post("/survey/adults", data=remove)
    removed = _counts(session)
    client.post("/survey/adults", data=remove)
    assert _counts(session) == removed
    page = client.get("/survey/adults").data
    assert b'value="Rosa"' not in page


def test_a_new_key_saves_again(client, session, started):
    """The key is what makes a repeat: the same words sent from a fresh page are a new save
    (here an identical resend, so versions do not change either)."""
    started()
    block = {"adults-0-entry": "", "adults-0-name": "Rosa"}
    client.post("/survey/adults", data={**block, "submission": _key(client, "adults")})
    client.post("/survey/adults", data={**block, "submission": _key(client, "adults")})
    assert _counts(session)[0] == 2  # without the key a new block is a second adult


@pytest.mark.parametrize("junk", ["", "short", "x" * 65, "bad key with spaces!!", "é" * 20])
def test_a_malformed_key_is_no_key(client, session, started, junk):
    started()
    r = client.post("/survey/home", data={"home_internet": "none", "skip_ok": "1",
                                          "submission": junk})
    assert r.status_code == 302
    assert _counts(session)[3] == 0


def test_two_copies_sent_at_the_same_moment_save_once(app, client, session, started,
                                                      monkeypatch):
    """Two threads post one form at once; the first is held inside its transaction (after
    taking the key, before its answers) until the second has been sent."""
    started()
    form = {"adults-0-entry": "", "adults-0-name": "Rosa", "adults-0-reliability": "4",
            "submission": _key(client, "adults")}
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    real_claim = submissions.claim
    times: dict[str, list[float]] = {}
    first_in = threading.Event()

    def slow_claim(**kwargs):
        taken = real_claim(**kwargs)
        if taken and not first_in.is_set():
            first_in.set()
            time.sleep(1.0)  # hold the transaction open: the twin arrives meanwhile
        return taken

    monkeypatch.setattr(submissions, "claim", slow_claim)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def send(name, c):
        barrier.wait()
        start = time.monotonic()
        results[name] = c.post("/survey/adults", data=form).status_code
        times[name] = [start, time.monotonic()]

    threads = [threading.Thread(target=send, args=(n, c))
               for n, c in (("a", client), ("b", twin))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {"a": 302, "b": 302}
    (a0, a1), (b0, b1) = times["a"], times["b"]
    assert max(a0, b0) < min(a1, b1), "the two posts did not overlap"
    answers, adults, _ties, keys = _counts(session)
    assert (answers, keys) == (1, 1)
