"""A gunicorn worker killed with SIGKILL mid-traffic loses no acknowledged save."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests._servers import gunicorn
from tests.faults.conftest import FIGURES, Respondent, seed, server_env, stored, until

pytestmark = pytest.mark.slow

RESPONDENTS = 6
KILLS = 3
#: On a loaded machine a kill can land between requests; kill again (up to this many
#: times) until one has dropped a request in flight, which is what the test is about.
MAX_KILLS = 10
#: Seconds of traffic before, between and after the kills.
PAUSE = 1.5


def _answer_until(person: Respondent, base: str, stop: threading.Event) -> None:
    for k in until(60):
        if stop.is_set():
            return
        if person.save_adult(base, f"r{person.number}-save{k}") is None:
            time.sleep(0.1)  # the connection dropped: try again, as a phone would


def test_killed_worker_loses_no_acknowledged_save(sqlite_url, tmp_path):
    people = seed(sqlite_url, RESPONDENTS)
    with gunicorn(server_env(sqlite_url), tmp_path, workers=2) as server:
        for person in people:
            assert person.open(server.url) == 302
        stop = threading.Event()
        threads = [threading.Thread(target=_answer_until, args=(p, server.url, stop))
                   for p in people]
        for thread in threads:
            thread.start()
        killed = []
        for n in range(MAX_KILLS):
            time.sleep(PAUSE)
            victim = server.wait_workers(2)[n % 2]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            time.sleep(0.5)  # let the clients see the dropped connection
            if n + 1 >= KILLS and any(not e[:3].isdigit() for p in people for e in p.errors):
                break
        time.sleep(PAUSE)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        workers = server.wait_workers(2)
        # Each respondent comes back on a new device with the code and goes on.
        resumed = [Respondent(p.number, p.invitation_id, p.code) for p in people]
        for person in resumed:
            assert person.open(server.url) == 302
            assert person.save_adult(server.url, f"r{person.number}-resumed") == 302, person.errors
        log = server.output()
    db = stored(sqlite_url)
    acked = sum(len(p.acked) for p in people)
    found = sum(name in db.names.get(p.invitation_id, []) for p in people for name in p.acked)
    errors = [e for p in people for e in p.errors]
    dropped = sum(not e[:3].isdigit() for e in errors)
    FIGURES.append(f"SIGKILL ({len(killed)} workers killed, {RESPONDENTS} respondents): "
                   f"{sum(p.attempts for p in people)} saves sent, {acked} acknowledged, "
                   f"{found} found in the database; {dropped} connections dropped, "
                   f"{len(errors) - dropped} other failures")
    assert not set(killed) & set(workers), "the killed workers were replaced"
    assert "Traceback" not in log
    assert len(errors) == dropped, errors  # a dropped connection, never an error page
    assert dropped >= 1, "no request was in flight when the workers were killed"
    assert found == acked
    for person in people:
        names = db.names[person.invitation_id]
        # The acknowledged saves are stored in the order they were sent.
        assert [n for n in names if n in person.acked] == person.acked
        assert db.current[person.invitation_id] == f"r{person.number}-resumed"
        assert db.entries[person.invitation_id] == {0}, "a resend made a second adult"
        assert db.responses_per_invitation[person.invitation_id] == 1
    assert db.duplicate_current == 0
