"""What a school is already doing in the demo district, and the roster emails reminders reach.

**Plans.** A term in, counselors have matched some of the students with no adult at school
(no reliable school tie and no staff ✓ in the spring wave, grade 3 and up, not opted out)
with a mentor among their own teachers, as the profile's "Make … the mentor" does: a mentor
plan (every two weeks, in progress) and the counselor's check-in with the mentor four weeks
after the match; and they have asked some teachers to check in every week with a student
they teach (a check-in plan the teacher owns). Shares of those students: ``MENTOR_SHARE``
matched, ``CHECK_IN_SHARE`` with a teacher's check-ins. Each demo teacher account (the first
teacher of each school, ``teacher.<school>@demo.example``) mentors ``DEMO_MENTEES`` of their
own students and checks in with ``DEMO_CHECK_INS`` more, most of it due this week and one
meeting overdue, so their "my students" page has cards after ``make run``. Some plans carry
a progress note from the mentor.

**Emails** (``example.org``, a domain reserved for examples: nothing is ever delivered).
Assumptions, not published figures: the roster carries an email for about
``GUARDIAN_EMAIL_SHARE`` (7 in 10) of parents and guardians (the survey's
``parent_guardian`` adults of a household stand for the roster's guardians; the same person
named in both waves keeps one address), and high-school students have a district account
(``STUDENT_EMAIL_SHARE``, 95 %); elementary students have none. With these the reminders
page of the demo's open spring window has an audience, and families without an address
are counted apart, as on a real roster.

Runs after everything else on the same random stream: its draws move no other table.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

MENTOR_SHARE = 0.15
CHECK_IN_SHARE = 0.08
DEMO_MENTEES = 3
DEMO_CHECK_INS = 2
GUARDIAN_EMAIL_SHARE = 0.7
STUDENT_EMAIL_SHARE = 0.95
EMAIL_DOMAIN = "example.org"
STUDENT_EMAIL_DOMAIN = "students.example.org"
MENTOR_GOAL = ("Meet every two weeks and become an adult at school the student can count "
               "on.")
CHECK_IN_GOAL = "A short check-in each week: how school and home are going, what would help."
NOTES = ("Met at lunch; talked about joining the robotics club.",
         "Walked over to the library together; planning a second visit.",
         "Short talk after class. Doing better with homework this week.",
         "Missed our meeting (absent); rescheduled for Thursday.")
SPRING_WAVE = 2


def add(rng: np.random.Generator, tables: dict, roster, today: date) -> None:
    """Mentor matches and check-in plans (with a few notes), then roster emails."""
    _plans(rng, tables, roster, today)
    _emails(rng, tables, roster)


def _without_school_adult(tables: dict, roster) -> np.ndarray:
    """Student indices with no reliable school tie and no staff ✓ in the spring wave."""
    ties = tables["support_tie"]
    school = ties[(ties.wave_id == SPRING_WAVE) & (ties.setting == "school")
                  & (ties.reliability >= 3)].student_id.to_numpy() - 1
    marks = tables["staff_mark"]
    marked = marks[(marks.wave_id == SPRING_WAVE) & marks.trusting].student_id.to_numpy() - 1
    n = len(roster.grade)
    alone = np.ones(n, bool)
    alone[school] = False
    alone[marked] = False
    return np.flatnonzero(alone & (roster.grade >= 3) & (roster.consent != 2))


def _plans(rng, tables: dict, roster, today: date) -> None:
    need = _without_school_adult(tables, roster)
    teachers = roster.staff_kind == "teacher"
    demo = [int(np.flatnonzero(teachers & (roster.staff_school == s))[0]) for s in (0, 1)]
    counselor = {s: int(np.flatnonzero((roster.staff_kind == "counselor")
                                       & (roster.staff_school == s))[0]) for s in (0, 1)}
    # A random own teacher of each student (students without a class have none).
    start = np.searchsorted(roster.pair_student, np.arange(len(roster.grade)))
    count = np.bincount(roster.pair_student, minlength=len(roster.grade))
    need = need[count[need] > 0]
    own = roster.pair_staff[start[need] + (rng.random(len(need)) * count[need]).astype(int)]
    u = rng.random(len(need))
    mentor = u < MENTOR_SHARE
    check_in = (u >= MENTOR_SHARE) & (u < MENTOR_SHARE + CHECK_IN_SHARE)
    students, staff = list(need[mentor | check_in]), list(own[mentor | check_in])
    kinds = np.where(mentor, "mentor", "check_in")[mentor | check_in].tolist()
    due = list(today + timedelta(days=int(d)) for d in rng.integers(-5, 14, len(students)))
    for t in demo:  # the demo accounts: their own students, most of it due this week
        taught = roster.pair_student[roster.pair_staff == t]
        taken = set(students)
        mine = [int(s) for s in taught[np.isin(taught, need)] if s not in taken]
        mine += [int(s) for s in rng.permutation(taught) if s not in taken and s not in mine
                 and roster.consent[s] != 2]
        for k, s in enumerate(mine[:DEMO_MENTEES + DEMO_CHECK_INS]):
            students.append(s)
            staff.append(t)
            kinds.append("mentor" if k < DEMO_MENTEES else "check_in")
            due.append(today + timedelta(days=-2 if k == 0 else k))
    students, staff = np.asarray(students, dtype=np.int64), np.asarray(staff, dtype=np.int64)
    kinds = np.asarray(kinds, dtype=object)
    m = len(students)
    by = np.asarray([counselor[int(roster.school[s])] for s in students], dtype=np.int64) + 1
    weeks = rng.integers(2, 9, m)
    made = [pd.Timestamp(datetime.combine(today - timedelta(weeks=int(w)), time(15)), tz="UTC")
            for w in weeks]
    is_mentor = kinds == "mentor"
    first = _next_id(tables, "follow_up")
    plans = pd.DataFrame({
        "id": np.arange(first, first + m), "student_id": students + 1, "kind": kinds,
        "mentor_staff_id": np.where(is_mentor, staff + 1, None).astype(object),
        "created_by_id": by, "owner_id": np.where(is_mentor, by, staff + 1),
        "goal": np.where(is_mentor, MENTOR_GOAL, CHECK_IN_GOAL).astype(object),
        "frequency": np.where(is_mentor, "two_weeks", "weekly").astype(object),
        "due_on": due, "status": np.where(is_mentor, "in_progress", "open").astype(object),
        "created_at": made, "updated_at": made})
    # The counselor's check-in with each mentor, four weeks after the match.
    mentors = plans[is_mentor]
    checked = [d.date() + timedelta(weeks=4) for d in mentors.created_at]
    followed = pd.DataFrame({
        "id": np.arange(first + m, first + m + len(mentors)),
        "student_id": mentors.student_id.to_numpy(), "kind": "check_in",
        "mentor_staff_id": mentors.mentor_staff_id.to_numpy(),
        "created_by_id": mentors.created_by_id.to_numpy(),
        "owner_id": mentors.created_by_id.to_numpy(),
        "due_on": checked,
        "status": np.where(np.asarray(checked) < today, "done", "open").astype(object),
        "created_at": mentors.created_at.to_list(),
        "updated_at": mentors.created_at.to_list()})
    both = pd.concat([tables["follow_up"], plans, followed], ignore_index=True)
    stamp = pd.Timestamp(today, tz="UTC")  # the other follow-ups: made "today", not at load
    tables["follow_up"] = both.assign(created_at=both.created_at.fillna(stamp),
                                      updated_at=both.updated_at.fillna(stamp))
    noted = mentors[rng.random(len(mentors)) < 0.5]
    tables["follow_up_note"] = pd.DataFrame({
        "id": np.arange(1, len(noted) + 1), "follow_up_id": noted.id.to_numpy(),
        "staff_id": noted.mentor_staff_id.to_numpy(),
        "note": np.asarray(NOTES, dtype=object)[rng.integers(len(NOTES), size=len(noted))],
        "created_at": [max(d, pd.Timestamp(datetime.combine(today - timedelta(days=3),
                                                            time(12)), tz="UTC"))
                       for d in noted.created_at]})


def _next_id(tables: dict, name: str) -> int:
    frame = tables.get(name)
    return int(frame.id.max()) + 1 if frame is not None and len(frame) else 1


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "family"


def _emails(rng, tables: dict, roster) -> None:
    students = tables["student"]
    given = students.given_name.map(_ascii)
    family = students.family_name.map(_ascii)
    has = (roster.school == 1) & (rng.random(len(students)) < STUDENT_EMAIL_SHARE)
    local = given + "." + family + students.id.astype(str)
    tables["student"] = students.assign(
        email=np.where(has, local + "@" + STUDENT_EMAIL_DOMAIN, None).astype(object))
    adults = tables["adult"]
    guardian = ((adults.kind == "family") & (adults.role == "parent_guardian")
                & adults.household_id.notna()).to_numpy()
    rows = adults[guardian]
    household = rows.household_id.astype(np.int64)
    # One address per person: the same household and name in both waves.
    person, people = pd.factorize(household.astype(str) + "|" + rows.display_name.astype(str))
    chosen = (rng.random(len(people)) < GUARDIAN_EMAIL_SHARE)[person]
    surname = family.groupby(students.household_id).first().reindex(household).to_numpy()
    address = pd.Series(surname, dtype=object) + "." + pd.Series(person + 1).astype(str) \
        + "@" + EMAIL_DOMAIN
    email = np.full(len(adults), None, dtype=object)
    email[np.flatnonzero(guardian)[chosen]] = address.to_numpy()[chosen]
    tables["adult"] = adults.assign(email=email)
