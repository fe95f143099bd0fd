"""Benchmark: counting and sending a round of survey reminders through a real SMTP server.

Run from the repository root::

    .venv/bin/python benchmarks/reminders.py --households 2000
    .venv/bin/python benchmarks/reminders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a district of ``--households`` families (one child, one guardian email, a family
invitation each, in eleven languages round robin), then times the staff page's count
(``reminder_audience.plan``) and a whole round (``reminders.send_round``: render each
message in its language, send it to an aiosmtpd server on loopback, record it). Progress
goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from benchmarks._database import bench_database, engine_name, given_url  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.config import LANGUAGES  # noqa: E402
from survey_app.db import get_engine  # noqa: E402
from survey_app.models import Adult, District, Household, School, Student, SurveyWave  # noqa: E402
from survey_app.services import invitations, reminders  # noqa: E402
from survey_app.services.reminder_audience import Filters, Limits, plan  # noqa: E402
from survey_app.services.senders import EmailSender, SmtpSettings  # noqa: E402


class _Count:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _district(session: Session, households: int, secret: str) -> tuple[int, int]:
    district = District(name="Bench", code="B")
    session.add(district)
    session.flush()
    school = School(district_id=district.id, code="S", name="Bench School")
    wave = SurveyWave(district_id=district.id, ordinal=1, name="Fall")
    session.add_all([school, wave])
    session.flush()
    homes = [Household(district_id=district.id, language=LANGUAGES[i % len(LANGUAGES)])
             for i in range(households)]
    session.add_all(homes)
    session.flush()
    session.add_all([Student(school_id=school.id, household_id=h.id, sourced_id=f"s{i}",
                             given_name="Kid", family_name=str(i), grade=1 + i % 12)
                     for i, h in enumerate(homes)])
    session.add_all([Adult(district_id=district.id, kind="family", role="parent_guardian",
                           display_name=f"Parent {i}", household_id=h.id,
                           email=f"parent{i}@bench.example") for i, h in enumerate(homes)])
    session.flush()
    invitations.create_for_wave(session=session, wave=wave, kind="family", secret=secret)
    session.commit()
    return wave.id, school.id


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, \
            bench_database(given_url(args.database_url), Path(folder)) as url:
        inbox = _Count()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "b" * 48,
                          "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none",
                          "JOB_FOLDER": folder})
        try:
            SQLModel.metadata.create_all(get_engine(app))
            with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
                _log(f"building {args.households} households on {engine_name(url)} ...")
                wave_id, school_id = _district(session, args.households, app.config["SECRET_KEY"])
                filters = Filters(wave_id=wave_id, school_ids=(school_id,), audience="family")
                start = time.perf_counter()
                counted = plan(session=session, filters=filters, limits=Limits())
                count_s = time.perf_counter() - start
                session.rollback()
                _log(f"  count: {len(counted.recipients)} in {count_s:.3f} s; sending ...")
                sender = EmailSender(SmtpSettings.from_config(app.config))
                start = time.perf_counter()
                outcome = reminders.send_round(app=app, session=session, sender=sender,
                                               filters=filters, limits=Limits(), job_id=None,
                                               started_by=None)
                send_s = time.perf_counter() - start
        finally:
            get_engine(app).dispose()
            controller.stop()
    _log(f"  sent {outcome.sent} ({inbox.n} delivered) in {send_s:.1f} s")
    print(json.dumps({"benchmark": "reminders", "engine": engine_name(url),
                      "households": args.households, "count_s": round(count_s, 3),
                      "sent": outcome.sent, "delivered": inbox.n, "send_s": round(send_s, 2),
                      "messages_per_s": round(outcome.sent / send_s, 1)}))


if __name__ == "__main__":
    main()
