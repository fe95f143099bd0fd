"""50 respondents at once for a while, on SQLite and on PostgreSQL: not one error.

``FAULTS_LOAD_SECONDS`` sets how long the load runs on each engine (30 s by
default, as in CI). gunicorn runs 2 workers with 4 threads each (the gthread
worker): the machines have 2 cores, and threads let a worker keep answering
while another request waits for SQLite's write lock.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests._servers import gunicorn
from tests.faults.conftest import FIGURES, Respondent, seed, server_env, stored, until

pytestmark = pytest.mark.slow

RESPONDENTS = 50
SECONDS = float(os.environ.get("FAULTS_LOAD_SECONDS", "30"))
FINAL = {"school_trusted_adult": "yes", "school_wants_mentor": "maybe"}


def _answer(person: Respondent, base: str, seconds: float) -> None:
    if person.open(base) != 302:
        person.errors.append("could not open the survey")
        return
    for k in until(seconds):
        person.step(base, k)
    person.send(base, "school", FINAL)  # the last page submits


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_fifty_respondents_at_once(engine, request, tmp_path):
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "postgres_db")
    people = seed(url, RESPONDENTS)
    with gunicorn(server_env(url), tmp_path, workers=2, threads=4) as server:
        started = time.monotonic()
        threads = [threading.Thread(target=_answer, args=(p, server.url, SECONDS))
                   for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        elapsed = time.monotonic() - started
        log = server.output()
    errors = [e for p in people for e in p.errors]
    saves = sum(p.attempts for p in people)
    requests = 2 * saves + 2 * len(people)  # each save loads the page first; opening is 2
    FIGURES.append(f"concurrency on {engine}: {RESPONDENTS} respondents, {SECONDS:g} s of load "
                   f"({elapsed:.0f} s in all): {requests} requests ({saves} page saves, "
                   f"{requests / elapsed:.0f}/s), {len(errors)} errors; server log: "
                   f"{log.count('database is locked')} 'database is locked', "
                   f"{log.count('Traceback')} tracebacks")
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert "database is locked" not in log
    assert "Traceback" not in log
    db = stored(url)
    assert set(db.responses_per_invitation.values()) == {1}
    assert db.duplicate_current == 0
    assert all(db.current[p.invitation_id] == p.acked[-1] for p in people)
