"""Property: real OneRoster files, mutated into every kind of clash, never meet the database's
unique constraints.

Each example starts from a real public sample kept under ``tests/survey_app/imports_data``
(catalyst/moodle-enrol_oneroster's ``Test_full_data_set`` and ``v1p2_full_dataset``; their
source and licence are in that folder's README), optionally imported once, with accounts made
in the app (some with a single sign-on link) whose emails are the file's in another letter
case, and roster accounts an admin edited since. The files are then mutated the way real
exports clash: rows repeated, a sourcedId given to another row, emails copied, re-cased or
swapped, sourcedIds swapped between people, roles changed, the school given a new sourcedId,
enrollments naming another org, rows marked ``tobedeleted`` or left out, ids too long.

The check (dry run) and then the import run, confirmations chosen at random. Always: no
exception; the check names the same problems as the import, each with its file (and its
row, where a row is the cause), worded in every catalog; never the last-line
``database_refused``. A refused import leaves every table as it was; a saved one leaves a
consistent roster: one account per email in any letter case, nobody active as both student
and staff, every account made in the app still there with its sign-in and role, and linked
to a roster row only when that was confirmed.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import SQLModel, select

from survey_app.imports import roster_import
from survey_app.imports.report import REMOVAL_PROBLEMS, describe
from survey_app.models import District, StaffIdentity, StaffUser, Student
from tests.factories import make_user

DATA = Path(__file__).parents[1] / "imports_data" / "catalyst-moodle-enrol_oneroster"
SAMPLES = ("Test_full_data_set.zip", "v1p2_full_dataset.zip")
FILES = ("users", "orgs", "classes", "enrollments", "roles")
TABLES = ("district", "school", "student", "staff_user", "household", "adult", "section",
          "section_student", "section_teacher", "staff_identity")
LOCALES = sorted(p.parent.parent.name for p in
                 (Path(__file__).parents[3] / "translations").glob("*/LC_MESSAGES/messages.po"))
_runs = itertools.count()
STAFF = {"teacher", "administrator", "aide", "siteadministrator"}


def _sample(name: str) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(DATA / name) as archive:
        return {member.removesuffix(".csv").lower(): list(csv.reader(io.StringIO(
            archive.read(member).decode("utf-8-sig")))) for member in archive.namelist()}


BASE = {name: _sample(name) for name in SAMPLES}

variant = st.sampled_from(["same", "upper", "title", "spaces"])
index = st.integers(0, 40)
offset = st.integers(1, 3)  # the other row: a row after the first (Hypothesis likes zeros)
mutation = st.one_of(
    st.tuples(st.just("dup_row"), st.sampled_from(FILES), index),
    st.tuples(st.just("dup_sid"), st.sampled_from(["users", "orgs", "classes"]), index, offset),
    st.tuples(st.just("email_copy"), index, offset, variant),
    st.tuples(st.just("recase"), index, variant),
    st.tuples(st.just("swap_sid"), index, offset),
    st.tuples(st.just("swap_email"), index, offset),
    st.tuples(st.just("role"), index, st.sampled_from(["student", "teacher", "administrator",
                                                       "parent", "aide"])),
    st.tuples(st.just("school_sid"), st.sampled_from(["org-new-1", "ORG-SCH-222-456"])),
    st.tuples(st.just("enroll_school"), index),
    st.tuples(st.just("tobedeleted"), st.sampled_from(FILES), index),
    st.tuples(st.just("drop"), st.sampled_from(["users", "classes"]), index),
    st.tuples(st.just("long_id"), st.sampled_from(["users", "classes"]), index),
    st.tuples(st.just("staff_email"), index, offset, variant),
    st.tuples(st.just("staff_swap"), index, offset),
    st.tuples(st.just("staff_new_sid"), index, st.booleans()),
)
before_import = st.fixed_dictionaries({
    "first": st.booleans(),
    "premade": st.lists(st.tuples(index, variant, st.booleans()), max_size=3),
    "edits": st.lists(st.tuples(index, st.sampled_from(["email", "name", "inactive"])),
                      max_size=2),
})


def _vary(email: str, how: str) -> str:
    return {"same": email, "upper": email.upper(), "title": email.title(),
            "spaces": f"  {email} "}[how]


def _col(rows, name):
    return rows[0].index(name) if rows and name in rows[0] else None


def _body(rows, i):
    return rows[1 + i % (len(rows) - 1)] if len(rows) > 1 else None


def _staff_rows(files: dict[str, list[list[str]]]) -> list[list[str]]:
    """The users rows of staff (role in users.csv, or the 1.2 roles.csv)."""
    users, roles = files["users"], files.get("roles") or []
    named = {r[_col(roles, "userSourcedId")] for r in roles[1:]
             if r[_col(roles, "role")].lower() in STAFF} if roles else set()
    at = _col(users, "role")
    return [r for r in users[1:] if r[0] in named or (at is not None and r[at].lower() in STAFF)]


def _staff_op(files: dict[str, list[list[str]]], op: tuple) -> None:
    staff, users = _staff_rows(files), files["users"]
    email = _col(users, "email")
    if not staff or email is None:
        return
    a = staff[op[1] % len(staff)]
    if op[0] == "staff_email":
        staff[(op[1] + op[2]) % len(staff)][email] = _vary(a[email], op[3])
    elif op[0] == "staff_swap":
        b = staff[(op[1] + op[2]) % len(staff)]
        a[email], b[email] = b[email], a[email]
    else:  # the information system gave this person a new sourcedId
        old, new = a[0], "new-" + a[0]
        for name in ("enrollments", "roles"):
            at = _col(files.get(name) or [], "userSourcedId")
            for row in (files.get(name) or [])[1:]:
                if at is not None and row[at] == old:
                    row[at] = new
        if op[2] and _col(users, "status") is not None:
            gone = list(a)
            gone[_col(users, "status")] = "tobedeleted"
            users.append(gone)
        a[0] = new


def _mutate(files: dict[str, list[list[str]]], op: tuple) -> None:  # noqa: C901 - one per op
    kind = op[0]
    users = files["users"]
    email, sid = _col(users, "email"), _col(users, "sourcedId")
    if kind.startswith("staff_"):
        _staff_op(files, op)
    elif kind in ("dup_row", "tobedeleted", "drop", "long_id", "dup_sid"):
        rows = files.get(op[1]) or []
        row = _body(rows, op[2])
        if row is None:
            return
        if kind == "dup_row":
            rows.append(list(row))
        elif kind == "tobedeleted" and _col(rows, "status") is not None:
            row[_col(rows, "status")] = "tobedeleted"
        elif kind == "drop":
            rows.remove(row)
        elif kind == "long_id":
            row[_col(rows, "sourcedId")] = "x" * 300
        elif kind == "dup_sid":
            other = _body(rows, op[2] + op[3])
            at = _col(rows, "sourcedId")
            if at is not None:
                other[at] = row[at]
    elif kind in ("email_copy", "swap_email", "swap_sid", "recase", "role"):
        a = _body(users, op[1])
        if a is None:
            return
        if kind == "recase" and email is not None:
            a[email] = _vary(a[email], op[2])
        elif kind == "role" and _col(users, "role") is not None:
            a[_col(users, "role")] = op[2]
        elif kind in ("email_copy", "swap_email", "swap_sid"):
            b, at = _body(users, op[1] + op[2]), email if kind != "swap_sid" else sid
            if at is None:
                return
            if kind == "email_copy":
                b[at] = _vary(a[at], op[3])
            else:
                a[at], b[at] = b[at], a[at]
    elif kind == "school_sid":
        old = _body(files["orgs"], 0)[0]
        for rows in files.values():
            for row in rows[1:]:
                row[:] = [op[1] if cell == old else cell for cell in row]
    elif kind == "enroll_school":
        rows = files.get("enrollments") or []
        row, at = _body(rows, op[1]), _col(rows, "schoolSourcedId")
        if row is not None and at is not None:
            row[at] = "org-somewhere-else"


def _write(files: dict[str, list[list[str]]], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(rows)
    return folder


def _wipe(session) -> None:
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def _snapshot(session) -> dict[str, list]:
    return {t: sorted(map(tuple, session.execute(text(f"SELECT * FROM {t}")).all()), key=repr)
            for t in TABLES}


def _arrange(app, session, base, plan, folder: Path) -> list[tuple[int, str]]:
    """The database before the mutated import; the accounts made in the app (id, role)."""
    if plan["first"]:
        with app.test_request_context():
            assert roster_import.run(session=session, path=_write(base, folder / "first"),
                                     link_accounts=True, allow_removals=True).ok
    district = session.exec(select(District)).first()
    if district is None:
        district = District(name="Before any roster", code="before")
        session.add(district)
        session.flush()
    users, email = base["users"], _col(base["users"], "email")
    staff = _staff_rows(base)
    made = []
    for i, how, sso in plan["premade"]:  # most with a staff member's email
        row = staff[i % len(staff)] if staff and i % 4 else _body(users, i)
        address = (row or [""] * 99)[email] if email is not None else ""
        taken = {(e or "").lower() for e in session.exec(select(StaffUser.email))}
        if "@" not in address or address.lower() in taken:
            continue
        account = make_user(session, district, "district_admin", None,
                            email=_vary(address, how).strip())
        if sso:
            session.add(StaffIdentity(user_id=account.id, issuer="https://idp.example",
                                      subject=str(account.id), email=address.lower()))
        made.append((account.id, account.role))
    for i, edit in plan["edits"]:
        row = _body(users, i)
        account = session.exec(select(StaffUser).where(
            StaffUser.sourced_id == row[_col(users, "sourcedId")])).first() if row else None
        if account is not None:
            if edit == "email":
                account.email = f"edited.{account.id}@example.org"
            elif edit == "name":
                account.given_name = "Edited"
            else:
                account.active = False
            session.add(account)
    session.commit()
    return made


@pytest.mark.slow  # ~20 s on SQLite, ~35 s on PostgreSQL (loaded machine); the example
# tests of test_roster_clashes.py cover each clash in the everyday lane
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sample=st.sampled_from(SAMPLES), plan=before_import,
       ops=st.lists(mutation, min_size=1, max_size=3), link=st.booleans(), allow=st.booleans())
def test_clashes_are_merged_or_refused_never_a_database_error(app, session, tmp_path, sample,
                                                              plan, ops, link, allow):
    _wipe(session)
    folder = tmp_path / f"p{next(_runs)}"
    base = {name: [list(r) for r in rows] for name, rows in BASE[sample].items()}
    made = _arrange(app, session, base, plan, folder)
    files = {name: [list(r) for r in rows] for name, rows in base.items()}
    for op in ops:
        _mutate(files, op)
    package = _write(files, folder / "mutated")
    before = _snapshot(session)
    flags = {"link_accounts": link, "allow_removals": allow}
    with app.test_request_context():
        check = roster_import.run(session=session, path=package, dry_run=True, **flags)
        report = roster_import.run(session=session, path=package, **flags)
        for locale in LOCALES:
            with force_locale(locale):
                assert all(describe(p) for p in report.problems)
    session.expire_all()
    found = [(p.code, p.file, p.row, p.column) for p in report.problems]
    for code in sorted({p.code for p in report.problems} or {"saved"}):
        event(code)
    assert [(p.code, p.file, p.row, p.column) for p in check.problems] == found
    assert "database_refused" not in {p.code for p in report.problems}, found
    assert all(p.file for p in report.problems if p.code not in REMOVAL_PROBLEMS), found
    if not report.ok:
        assert _snapshot(session) == before, found
        return
    staff = session.exec(select(StaffUser)).all()
    emails = [u.email.strip().lower() for u in staff if u.email]
    assert len(emails) == len(set(emails))
    both = {s.sourced_id for s in session.exec(select(Student).where(Student.active))} & \
        {u.sourced_id for u in staff if u.active}
    assert not both
    for pk, role in made:
        account = session.get(StaffUser, pk)
        assert account.password_hash
        assert account.role == role
        assert link or account.sourced_id is None
