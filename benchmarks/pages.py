"""Server time of the counselor pages on a 3,000-student school.

Builds a throwaway SQLite database from the seeded synthetic district of
``benchmarks/_synthetic.py`` (school 0: 3,000 students, two waves, ~7 ties a
student, staff marks, household answers) with bulk inserts, signs a counselor
in with the Flask test client, and times ≥ 30 requests each of the caseload, a
flagged student's profile, the school map data and the equity view. The last
line is one JSON object (milliseconds).

Usage: python benchmarks/pages.py [--students 3000] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import survey_app.models as M  # noqa: E402
from benchmarks._synthetic import make_district  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.db import get_engine  # noqa: E402
from survey_app.services.users import hash_password  # noqa: E402

PASSWORD = "benchmark password 123"
SUPPORT = ("emotional", "academic", "practical", "appraisal", "future", "emergency")


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")


def _none(v):
    return None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)


def build(conn, n_students: int) -> dict:
    """Insert one district with one school of ``n_students`` (school 0 of the synthetic data)."""
    t = make_district(n_students)
    st = t.students.loc[t.students["school_id"] == 0]
    ids = set(st["student_id"].tolist())
    conn.execute(insert(M.District), [{"id": 1, "name": "Bench", "code": "B"}])
    conn.execute(insert(M.School), [{"id": 1, "district_id": 1, "code": "S1", "name": "Bench High"}])
    conn.execute(insert(M.SurveyWave), [{"id": w, "district_id": 1, "ordinal": w, "name": f"W{w}"}
                                        for w in (1, 2)])
    staff = t.adults.loc[t.adults["kind"] == "staff"]
    staff = staff.loc[staff["staff_id"] <= 150]  # school 0's staff
    conn.execute(insert(M.StaffUser), [
        {"id": int(s), "district_id": 1, "school_id": 1, "given_name": "Staff", "family_name": str(s),
         "role": "staff", "languages": ["en", "es"] if s % 4 == 0 else ["en"]}
        for s in staff["staff_id"].tolist()])
    conn.execute(insert(M.StaffUser), [{"id": 10_000, "district_id": 1, "school_id": 1,
                                        "email": "counselor@bench.org", "given_name": "Cara",
                                        "family_name": "Counselor", "role": "counselor", "languages": ["en"],
                                        "password_hash": hash_password(PASSWORD)}])
    conn.execute(insert(M.CounselorSchool), [{"staff_id": 10_000, "school_id": 1}])
    households = sorted({int(h) + 1 for h in st["household_id"].tolist()})
    conn.execute(insert(M.Household), [{"id": h, "district_id": 1, "contact_channels": []}
                                        for h in households])
    conn.execute(insert(M.Student), [
        {"id": int(r.student_id), "school_id": 1, "household_id": int(r.household_id) + 1,
         "sourced_id": f"s{r.student_id}", "sis_id": f"S{r.student_id:06d}",
         "given_name": f"Kid{r.student_id}", "family_name": "Bench", "grade": int(r.grade),
         "home_language": r.language, "race_flags": {}, "race_ethnicity": _none(r.race_ethnicity),
         "gender": r.gender, "english_learner": bool(r.english_learner),
         "econ_disadvantaged": bool(r.econ_disadvantaged), "disability": bool(r.disability)}
        for r in st.itertuples()])
    ties = t.ties.loc[t.ties["student_id"].isin(ids)]
    used = set(ties["adult_id"].tolist()) | set(staff["adult_id"].tolist())
    adults = t.adults.loc[t.adults["adult_id"].isin(used)]
    conn.execute(insert(M.Adult), [
        {"id": int(a.adult_id), "district_id": 1, "kind": a.kind, "role": a.role,
         "display_name": a.name or f"Adult {a.adult_id}",
         "staff_id": int(a.staff_id) if _none(a.staff_id) is not None else None}
        for a in adults.itertuples()])
    conn.execute(insert(M.SupportTie), [
        {"student_id": int(r.student_id), "adult_id": int(r.adult_id), "wave_id": int(r.wave),
         "source": r.source, **{k: bool(getattr(r, k)) for k in SUPPORT},
         "frequency": _none(r.frequency), "reliability": _none(r.reliability),
         "setting": r.setting, "lives_with": _none(r.lives_with)}
        for r in ties.itertuples()])
    marks = t.staff_marks.loc[t.staff_marks["student_id"].isin(ids)
                              & t.staff_marks["staff_id"].isin(staff["staff_id"])]
    conn.execute(insert(M.StaffMark), [
        {"staff_id": int(m.staff_id), "student_id": int(m.student_id), "wave_id": int(m.wave),
         "trusting": bool(m.trusting), "may_benefit": bool(m.may_benefit),
         "willing_mentor": bool(m.willing_mentor)} for m in marks.itertuples()])
    _surveys(conn, st, t.conditions.loc[t.conditions["student_id"].isin(ids)])
    return {"students": len(st), "ties": len(ties), "marks": len(marks)}


def _surveys(conn, st, cond) -> None:
    """Submitted student invitations with household answers, both waves."""
    responded = st.loc[st["responded_student"], "student_id"].tolist()
    invitations, responses, answers = [], [], []
    for w in (1, 2):
        for sid in responded:
            n = len(invitations) + 1
            invitations.append({"id": n, "wave_id": w, "kind": "student", "student_id": int(sid),
                                "nonce": f"n{n}", "code_hash": f"c{n}", "token_hash": f"t{n}",
                                "status": "submitted"})
            responses.append({"id": n, "invitation_id": n, "survey": "student", "version": "1",
                              "language": "en", "status": "submitted"})
    by_key = {(inv["student_id"], inv["wave_id"]): inv["id"] for inv in invitations}
    for c in cond.itertuples():
        rid = by_key.get((int(c.student_id), int(c.wave)))
        if rid is None:
            continue
        devices = [k for k, col in (("own_computer", c.device_own),
                                    ("shared_computer", c.device_shared),
                                    ("phone", c.device_phone)) if col] or ["nothing"]
        answers += [{"response_id": rid, "item_id": "home.internet", "value": c.internet,
                     "language": "en"},
                    {"response_id": rid, "item_id": "home.devices", "value": devices,
                     "language": "en"}]
    conn.execute(insert(M.Invitation), invitations)
    conn.execute(insert(M.Response), responses)
    conn.execute(insert(M.Answer), answers)


def _time(client, url: str, n: int) -> dict:
    client.get(url)  # warm-up (imports, caches of the interpreter)
    times = []
    for _unused in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {"p50": round(statistics.median(times), 1),
            "p95": round(times[int(0.95 * (len(times) - 1))], 1)}


def main(argv=None) -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--students", type=int, default=3000)
    args.add_argument("--requests", type=int, default=30)
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-" * 8, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "DATABASE_URL": f"sqlite:///{tmp}/bench.db"})
        engine = get_engine(app)
        SQLModel.metadata.create_all(engine)
        start = time.perf_counter()
        with engine.begin() as conn:
            sizes = build(conn, opts.students)
        _log(f"built {sizes} in {time.perf_counter() - start:.1f}s")
        client = app.test_client()
        client.post("/staff/login", data={"email": "counselor@bench.org", "password": PASSWORD})
        first = client.get("/counsel/students").get_data(as_text=True)
        marker = 'href="/counsel/students/'
        student = int(first.split(marker, 1)[1].split('"', 1)[0])
        pages = {
            "caseload": "/counsel/students",
            "profile": f"/counsel/students/{student}",
            "school_map_data": "/counsel/map/data",
            "equity": "/counsel/equity?measure=no_school_adult&by=race_ethnicity",
        }
        result = {"students": sizes["students"], "ties": sizes["ties"],
                  "requests": opts.requests}
        for name, url in pages.items():
            timing = _time(client, url, opts.requests)
            _log(f"{name:16s} p50 {timing['p50']:7.1f} ms   p95 {timing['p95']:7.1f} ms")
            result[f"{name}_p50_ms"], result[f"{name}_p95_ms"] = timing["p50"], timing["p95"]
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
