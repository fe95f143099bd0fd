"""PostgreSQL restarted mid-traffic: a clean, translated 503 for a moment, then service again.

The shared server on 127.0.0.1:5432 is never touched: the test starts a
throwaway cluster of its own (``initdb`` as the ``postgres`` user, a free port,
trust authentication on loopback), serves the app on it with gunicorn, stops
and starts the cluster while respondents save pages, and removes it at the end.
``PG_BIN`` names the PostgreSQL programs (default ``/usr/lib/postgresql/15/bin``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests._servers import CONNECTION_ERRORS, free_port, gunicorn, migrate
from tests.faults.conftest import CHOICES, FIGURES, Respondent, seed, server_env, stored, until

pytestmark = pytest.mark.slow

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RESPONDENTS = 4
OUTAGE = 3.0
#: After the cluster is back, requests may take this long to find it again.
GRACE = 5.0
BUSY_ES = "El servicio está ocupado por un momento"


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/survey"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "30",
                     *args)

    def start(self) -> None:
        self.pg_ctl("-l", str(self.folder / "server.log"), "-o",
                    f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "stop")


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True,
                   timeout=60)


def _why_no_cluster() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"no initdb in {PG_BIN} (set PG_BIN)"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "starting a throwaway cluster needs root and runuser (initdb refuses to run as root)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres system user to own a throwaway cluster"
    return None


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of our own in a temporary folder owned by postgres."""
    reason = _why_no_cluster()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    made = Cluster(folder, free_port())
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
                     "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
        made.start()
        admin = create_engine(made.url.replace("/survey", "/postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "survey"'))
        admin.dispose()
        yield made
    finally:
        try:
            made.stop("immediate")
        except subprocess.SubprocessError:  # never started, or already down
            pass
        shutil.rmtree(folder, ignore_errors=True)


def _save_until(person: Respondent, base: str, stop: threading.Event, seen: list) -> None:
    for k in until(90):
        if stop.is_set():
            return
        page_id = ("home", "after_school", "adults")[k % 3]
        name = f"r{person.number}-save{k}"
        values = {"adults-0-name": name, "adults-0-relation": "aunt_uncle"} \
            if page_id == "adults" else CHOICES[page_id](k // 3)
        try:
            status, body = person.save(base, page_id, values)
        except CONNECTION_ERRORS as error:
            status, body = type(error).__name__, ""
        if status == 302 and page_id == "adults":
            person.acked.append(name)
        seen.append((time.monotonic(), person.number, status, body))
        time.sleep(0.05)


def test_database_restart_gives_clean_503_then_recovers(cluster, tmp_path):
    migrate(cluster.url)
    people = seed(cluster.url, RESPONDENTS)
    seen: list[tuple[float, int, object, str]] = []
    with gunicorn(server_env(cluster.url), tmp_path, workers=2, threads=2) as server:
        workers = server.wait_workers(2)
        for person in people:
            assert person.open(server.url) == 302
            status, _h, body = person.browser.request(f"{server.url}/survey/home?lang=es")
            assert status == 200, body[:2000]
        stop = threading.Event()
        threads = [threading.Thread(target=_save_until, args=(p, server.url, stop, seen))
                   for p in people]
        for thread in threads:
            thread.start()
        time.sleep(2)
        down = time.monotonic()
        cluster.stop("fast")
        time.sleep(OUTAGE)
        cluster.start()
        up = time.monotonic()
        time.sleep(GRACE + 3)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert server.wait_workers(2) == workers, "the app was restarted"
        log = server.output()
    during = [s for s in seen if down <= s[0] < up + GRACE]
    after = [s for s in seen if s[0] >= up + GRACE]
    before = [s for s in seen if s[0] < down]
    refused = [s for s in seen if s[2] != 302]
    back = min((s[0] for s in seen if s[0] >= up and s[2] == 302), default=float("nan")) - up
    FIGURES.append(
        f"PostgreSQL restart ({OUTAGE:g} s down): {len(before)} saves before, all 302; "
        f"{len(during)} during the outage and {GRACE:g} s grace: "
        f"{sum(s[2] == 503 for s in during)} clean 503, "
        f"{sum(s[2] == 302 for s in during)} 302 (first {back:.2f} s after the start); "
        f"{len(after)} after, {sum(s[2] == 302 for s in after)} 302; same gunicorn workers")
    assert {s[2] for s in before} == {302}
    assert any(s[2] == 503 for s in during), "the outage was not seen"
    for _t, _n, status, body in refused:
        assert status == 503, (status, body[:500])
        assert BUSY_ES in body  # the translated page, in the respondent's language
        assert "Traceback" not in body
        assert "psycopg" not in body
    assert after
    assert {s[2] for s in after} == {302}
    assert {s[1] for s in after} == {p.number for p in people}
    db = stored(cluster.url)
    for person in people:
        assert all(name in db.names[person.invitation_id] for name in person.acked)
    assert "Traceback" not in log
