"""The demo district as column tables: pure and deterministic (numpy ``default_rng(seed)``).

``build_district`` returns ``{table name: DataFrame}`` with explicit ids (1, 2, …), so rows
refer to each other before anything touches a database. JSON columns hold JSON text
(serialised once here, not per row by the driver); timestamps the loader fills in.

Last, ``plans`` adds what the schools are already doing (mentor matches and teachers'
check-ins, so the demo teachers' "my students" has cards) and the roster emails reminders
reach (``example.org``); its module docstring gives the shares and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from relationships.rules import MIN_N
from survey_app.demo import catalog as C
from survey_app.demo import plans, surveys
from survey_app.demo.shared import maybe, pick

SCHOOLS = (  # code, name, grade_low, grade_high
    ("ELM", "Elm Street Elementary", 0, 5),
    ("RIV", "Riverside High School", 9, 12),
)
GRADES = np.array([0, 1, 2, 3, 4, 5, 9, 10, 11, 12])
DEMO_EMAIL_DOMAIN = "demo.example"


@dataclass
class Roster:
    """What the survey generator needs to know about the people (index = id - 1)."""

    school: np.ndarray  # per student: 0 elementary, 1 high
    grade: np.ndarray
    household: np.ndarray  # per student: household index
    consent: np.ndarray  # per student: 0 consented, 1 no answer, 2 opted out
    language: np.ndarray  # per student: preferred language code (object)
    hh_language: np.ndarray  # per household: code (object)
    staff_school: np.ndarray  # per staff row: school index, -1 for district accounts
    staff_kind: np.ndarray  # per staff row: "teacher" | "counselor" | "other" | "district"
    staff_title: np.ndarray
    pair_student: np.ndarray  # section rosters: (student, teacher) pairs, by index
    pair_staff: np.ndarray
    staff_name: np.ndarray | None = None  # per staff row: display name ("Given Family")


def build_district(n_students: int, seed: int, *, secret: str, today: date,
                   progress: Callable[[str], None] = lambda _phase: None) -> dict:
    """All demo tables for ``n_students`` students; the same seed gives the same tables.

    ``progress(phase)`` is called as each phase starts (for a progress bar).
    """
    rng = np.random.default_rng(seed)
    tables: dict[str, pd.DataFrame] = {
        "district": pd.DataFrame({"id": [1], "name": ["Demo Unified School District"],
                                  "code": ["DEMO"]}),
        "school": pd.DataFrame({
            "id": [1, 2], "district_id": [1, 1], "code": [s[0] for s in SCHOOLS],
            "sourced_id": [f"demo-sch-{s[0].lower()}" for s in SCHOOLS],
            "name": [s[1] for s in SCHOOLS], "grade_low": [s[2] for s in SCHOOLS],
            "grade_high": [s[3] for s in SCHOOLS], "timezone": ["America/New_York"] * 2,
            "active": [True, True]}),
        "district_settings": pd.DataFrame({
            "id": [1], "district_id": [1], "flag_rules": ["{}"], "priority_tiers": ["{}"],
            "min_n": [MIN_N], "languages": ["[]"], "retention_days": [365]}),
    }
    progress("students")
    roster = _students(rng, n_students, tables, today)
    progress("staff")
    _staff(rng, tables, roster)
    _sections(rng, tables, roster)
    surveys.add_surveys(rng, tables, roster, secret=secret, today=today, progress=progress)
    plans.add(rng, tables, roster, today)  # last: its draws move no other table
    return tables


def _households(rng, n: int) -> np.ndarray:
    sizes = np.asarray(C.HOUSEHOLD_SIZE)[pick(rng, C.HOUSEHOLD_SIZE_P, n)]
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= ends[count - 1] - n
    return np.repeat(np.arange(count), sizes)


def _race_flags(rng, race: np.ndarray) -> np.ndarray:
    """OneRoster flags consistent with each federal category (JSON text per student)."""
    flags = C.ONEROSTER_RACE_FLAGS
    variants = {
        "hispanic_latino": ([("white",), (), ("blackOrAfricanAmerican",),
                             ("americanIndianOrAlaskaNative",)], [0.6, 0.3, 0.05, 0.05]),
        "two_or_more": ([("white", "blackOrAfricanAmerican"), ("white", "asian"),
                         ("white", "americanIndianOrAlaskaNative"),
                         ("blackOrAfricanAmerican", "americanIndianOrAlaskaNative")],
                        [0.4, 0.3, 0.2, 0.1]),
    }
    single = {"white": "white", "black_african_american": "blackOrAfricanAmerican",
              "asian": "asian", "american_indian_alaska_native": "americanIndianOrAlaskaNative",
              "native_hawaiian_pacific_islander": "nativeHawaiianOrOtherPacificIslander"}
    out = np.empty(len(race), dtype=object)
    for code in C.RACES:
        where = np.flatnonzero(race == code)
        options, p = variants.get(code, ([(single.get(code),)], [1.0]))
        chosen = pick(rng, p, len(where))
        texts = []
        for races in options:
            value = {flag: flag in races for flag in flags}
            value["demographicRaceTwoOrMoreRaces"] = len(races) > 1
            value["hispanicOrLatinoEthnicity"] = code == "hispanic_latino"
            texts.append(json.dumps(value))
        out[where] = np.array(texts, dtype=object)[chosen]
    return out


def _students(rng, n: int, tables: dict, today: date) -> Roster:
    household = _households(rng, n)
    n_hh = int(household[-1]) + 1 if n else 0
    race_index = pick(rng, C.RACE_P, n_hh)
    hh_race = np.asarray(C.RACES, dtype=object)[race_index]
    u = rng.random(n_hh)[:, None]
    hh_lang_idx = (u > np.cumsum(C.LANGUAGE_P[race_index], axis=1)).sum(axis=1)
    hh_language = np.asarray(C.LANGUAGES, dtype=object)[np.minimum(hh_lang_idx, 10)]
    hh_econ = rng.random(n_hh) < np.where(hh_language == "en", 0.40, 0.55)
    hh_names = np.asarray(C.FAMILY_NAMES, dtype=object)[rng.integers(len(C.FAMILY_NAMES),
                                                                     size=n_hh)]
    grade = GRADES[rng.integers(len(GRADES), size=n)]
    school = (grade >= 9).astype(np.int64)
    home = hh_language[household]
    preferred = np.where((home != "en") & (rng.random(n) < 0.55), home, "en").astype(object)
    el = rng.random(n) < np.where(home == "en", 0.01, np.where(school == 0, 0.34, 0.24))
    consent = pick(rng, (0.88, 0.10, 0.02), n)
    ids = np.arange(1, n + 1)
    sy = today.year if today.month >= 8 else today.year - 1
    born = (np.array([f"{sy - 6}-09-01"], dtype="datetime64[D]") - (grade * 365)
            + rng.integers(0, 365, size=n))
    tables["household"] = pd.DataFrame({
        "id": np.arange(1, n_hh + 1), "district_id": 1,
        "sourced_id": [f"demo-hh-{i:06d}" for i in range(1, n_hh + 1)],
        "language": hh_language, "contact_channels": "[]"})
    tables["student"] = pd.DataFrame({
        "id": ids, "school_id": school + 1, "household_id": household + 1,
        "sourced_id": [f"demo-stu-{i:06d}" for i in ids], "sis_id": [f"S{i:06d}" for i in ids],
        "given_name": np.asarray(C.GIVEN_NAMES, dtype=object)[
            rng.integers(len(C.GIVEN_NAMES), size=n)],
        "family_name": hh_names[household], "grade": grade, "birth_date": born.tolist(),
        "preferred_language": preferred, "home_language": home,
        "race_ethnicity": hh_race[household], "race_flags": _race_flags(rng, hh_race[household]),
        "gender": np.asarray(C.GENDERS, dtype=object)[pick(rng, C.GENDER_P, n)],
        "english_learner": el, "econ_disadvantaged": hh_econ[household],
        "disability": rng.random(n) < 0.14,
        "consent": np.array(["consented", "no_answer", "opted_out"], dtype=object)[consent],
        "active": True})
    return Roster(school=school, grade=grade, household=household, consent=consent,
                  language=preferred, hh_language=hh_language, staff_school=None,
                  staff_kind=None, staff_title=None, pair_student=None, pair_staff=None)


def _staff(rng, tables: dict, roster: Roster) -> None:
    """Teachers (≈1 per 20 students), counselors, other school adults, district accounts."""
    school_l, kind_l, title_l, email_l = [], [], [], []
    for s, (code, _name, _lo, _hi) in enumerate(SCHOOLS):
        n_s = int((roster.school == s).sum())
        counts = {"counselor": max(1, round(n_s / 450)), "teacher": max(2, round(n_s / 20)),
                  "other": max(2, round(n_s / 60))}
        for kind, count in counts.items():
            for k in range(count):
                school_l.append(s)
                kind_l.append(kind)
                if kind == "teacher":
                    title_l.append("Teacher" if s == 0 else
                                   f"{C.STAFF_SUBJECTS[k % len(C.STAFF_SUBJECTS)]} Teacher")
                else:
                    title_l.append("Counselor" if kind == "counselor" else
                                   C.OTHER_STAFF_TITLES[k % len(C.OTHER_STAFF_TITLES)])
                demo = k == 0 and kind in ("counselor", "teacher")
                email_l.append(f"{kind}.{code.lower()}@{DEMO_EMAIL_DOMAIN}" if demo else None)
    for role in ("admin", "analyst"):
        school_l.append(-1)
        kind_l.append("district")
        title_l.append("District Administrator" if role == "admin" else "Data Analyst")
        email_l.append(f"{role}@{DEMO_EMAIL_DOMAIN}")
    n = len(kind_l)
    ids = np.arange(1, n + 1)
    kind = np.asarray(kind_l, dtype=object)
    email = np.asarray(email_l, dtype=object)
    email[email == None] = [f"staff{i}@{DEMO_EMAIL_DOMAIN}" for i in ids[email == None]]  # noqa: E711
    role = np.where(kind == "counselor", "counselor", "staff").astype(object)
    role[kind == "district"] = ["district_admin", "analyst"]
    school = np.asarray(school_l)
    tables["staff_user"] = pd.DataFrame({
        "id": ids, "district_id": 1,
        "school_id": maybe(school + 1, school >= 0),
        "sourced_id": [f"demo-staff-{i:05d}" for i in ids], "email": email,
        "given_name": np.asarray(C.GIVEN_NAMES, dtype=object)[
            rng.integers(len(C.GIVEN_NAMES), size=n)],
        "family_name": np.asarray(C.FAMILY_NAMES, dtype=object)[
            rng.integers(len(C.FAMILY_NAMES), size=n)],
        "title": np.asarray(title_l, dtype=object), "role": role,
        "honorific": _honorifics(ids, np.asarray(title_l, dtype=object), kind),
        "languages": "[]", "language": "en", "active": True})
    counselors = np.flatnonzero(kind == "counselor")
    tables["counselor_school"] = pd.DataFrame({
        "id": np.arange(1, len(counselors) + 1), "staff_id": counselors + 1,
        "school_id": school[counselors] + 1})
    roster.staff_school, roster.staff_kind = school, kind
    frame = tables["staff_user"]
    roster.staff_name = (frame.given_name + " " + frame.family_name).to_numpy(dtype=object)
    roster.staff_title = np.asarray(title_l, dtype=object)


def _honorifics(ids, titles, kind) -> np.ndarray:
    """How children address each staff member: coaches "Coach", the others a title by
    turns, every seventh none (the picker then shows the full name); district accounts
    none. From the id, not the random stream, so the rest of the district is unchanged."""
    cycle = np.asarray(C.STAFF_HONORIFICS, dtype=object)
    out = cycle[ids % len(cycle)]
    out[titles == "Coach"] = "coach"
    out[kind == "district"] = None
    return out


def _sections(rng, tables: dict, roster: Roster) -> None:
    """Elementary: one homeroom per teacher. High school: five periods, one section each."""
    titles, sec_school, sec_teacher, st_section, st_student = [], [], [], [], []
    for s in (0, 1):
        teachers = np.flatnonzero((roster.staff_kind == "teacher") & (roster.staff_school == s))
        students = np.flatnonzero(roster.school == s)
        periods = 1 if s == 0 else 5
        for period in range(periods):
            base = len(titles)
            if s == 0:
                order = students[np.lexsort((rng.random(len(students)), roster.grade[students]))]
            else:
                order = rng.permutation(students)
            slot = (np.arange(len(order)) * len(teachers)) // max(len(order), 1)
            st_section.append(base + slot)
            st_student.append(order)
            for k, teacher in enumerate(teachers):
                members = order[slot == k]
                grade = int(roster.grade[members[0]]) if len(members) else 0
                titles.append(f"Homeroom {'K' if grade == 0 else grade}-{k + 1}" if s == 0 else
                              f"{tables['staff_user'].title[teacher].replace(' Teacher', '')}"
                              f" P{period + 1} ({k + 1})")
                sec_school.append(s + 1)
                sec_teacher.append(teacher)
    n_sec = len(titles)
    tables["section"] = pd.DataFrame({
        "id": np.arange(1, n_sec + 1), "school_id": sec_school,
        "sourced_id": [f"demo-class-{i:05d}" for i in range(1, n_sec + 1)],
        "title": titles, "active": True})
    sec_teacher = np.asarray(sec_teacher)
    tables["section_teacher"] = pd.DataFrame({
        "id": np.arange(1, n_sec + 1), "section_id": np.arange(1, n_sec + 1),
        "staff_id": sec_teacher + 1})
    section = np.concatenate(st_section)
    student = np.concatenate(st_student)
    tables["section_student"] = pd.DataFrame({
        "id": np.arange(1, len(section) + 1), "section_id": section + 1,
        "student_id": student + 1})
    pairs = np.unique(student * (len(roster.staff_kind) + 1) + sec_teacher[section])
    roster.pair_student, roster.pair_staff = np.divmod(pairs, len(roster.staff_kind) + 1)
