"""Property: a mutated roster package never gives a traceback and never half-imports.

Each example starts from the valid fixture package, applies a few of the
mutations real exports suffer (a file left out, columns in another order, roles
renamed, control characters, rows marked ``tobedeleted``, repeated rows, blank
cells) and imports it. Either the import succeeds and no control character
reached the database, or it is refused and the roster tables are exactly as
they were.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from survey_app.imports import roster_import
from survey_app.models import StaffUser, Student
from tests.survey_app.exports.conftest import CLASSES, DEMOGRAPHICS, ENROLLMENTS, ORGS, USERS

FILES = {"orgs": ORGS, "users": USERS, "classes": CLASSES, "enrollments": ENROLLMENTS,
         "demographics": DEMOGRAPHICS}
TABLES = ("school", "student", "staff_user", "household", "adult", "section",
          "section_student", "section_teacher")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_runs = itertools.count()

mutation = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(sorted(FILES))),
    st.tuples(st.just("shuffle"), st.sampled_from(sorted(FILES)), st.randoms()),
    st.tuples(st.just("role"), st.integers(1, 7),
              st.sampled_from(["Student", "TEACHER", "guardian", "aide", "banana", "",
                               "student,teacher"])),
    st.tuples(st.just("control"), st.sampled_from(sorted(FILES)), st.integers(0, 10),
              st.integers(0, 12), st.sampled_from(["\x00", "\x01", "\x0b", "\x1b", "\x7f",
                                                   "\x85", "\x9b", "\r", "\t"])),
    st.tuples(st.just("name"), st.integers(1, 7), st.sampled_from(["givenName", "familyName"]),
              st.sampled_from(["\x00", "\x0b", "\x1b", "\x9b", "\x7f"])),
    st.tuples(st.just("tobedeleted"), st.sampled_from(sorted(FILES)), st.integers(0, 10)),
    st.tuples(st.just("duplicate"), st.sampled_from(sorted(FILES)), st.integers(0, 10)),
    st.tuples(st.just("blank"), st.sampled_from(sorted(FILES)), st.integers(0, 10),
              st.integers(0, 12)),
)


def _table(text_: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_)))


def _mutate(files: dict[str, list[list[str]]], op: tuple) -> None:
    kind, name = op[0], op[1]
    rows = files.get(name) if isinstance(name, str) else files.get("users")
    if kind == "drop":
        files.pop(name, None)
    elif rows is None:
        return
    elif kind == "shuffle":
        order = list(range(len(rows[0])))
        op[2].shuffle(order)
        files[name] = [[row[i] if i < len(row) else "" for i in order] for row in rows]
    elif kind == "role":
        column = rows[0].index("role")
        if op[1] < len(rows):
            rows[op[1]][column] = op[2]
    elif kind in ("control", "blank"):
        if len(rows) > 1:
            row = rows[1 + op[2] % (len(rows) - 1)]
            at = op[3] % len(row)
            row[at] = row[at][:1] + op[4] + row[at][1:] if kind == "control" else ""
    elif kind == "name":
        column = rows[0].index(op[2])
        if op[1] < len(rows):
            rows[op[1]][column] = op[3] + rows[op[1]][column] + op[3]
    elif kind == "tobedeleted":
        if "status" in rows[0] and len(rows) > 1:
            rows[1 + op[2] % (len(rows) - 1)][rows[0].index("status")] = "tobedeleted"
    elif kind == "duplicate" and len(rows) > 1:
        rows.append(list(rows[1 + op[2] % (len(rows) - 1)]))


def _snapshot(session) -> dict[str, list]:
    return {t: sorted(map(tuple, session.execute(text(f"SELECT * FROM {t}")).all()), key=repr)
            for t in TABLES}


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(mutation, min_size=1, max_size=4), allow=st.booleans())
def test_a_mutated_package_imports_whole_or_not_at_all(app, session, tmp_path, ops, allow):
    files = {name: _table(body) for name, body in FILES.items()}
    for op in ops:
        _mutate(files, op)
    folder = tmp_path / f"p{next(_runs)}"
    folder.mkdir()
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(rows)
    before = _snapshot(session)
    with app.test_request_context():
        report = roster_import.run(session=session, path=folder, allow_removals=allow)
    session.expire_all()
    if not report.ok:
        assert _snapshot(session) == before, [p.code for p in report.problems]
        return
    for person in [*session.exec(select(Student)), *session.exec(select(StaffUser))]:
        for value in (person.given_name, person.family_name, person.sourced_id):
            assert not CONTROL.search(value or ""), repr(value)
