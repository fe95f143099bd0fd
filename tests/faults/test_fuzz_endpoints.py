"""Every endpoint the app registers (``app.url_map``), fuzzed with hypothesis: random
forms and query strings, sent as the user each endpoint is for. Never a 500.

Field names come from the app's own pages (every ``name=`` a page shows) plus the
query parameters the views read; values are any text, control characters and NUL,
blanks and spaces, superscript and Arabic-Indic digits, signs and huge numbers, and
the ids of real rows. URL arguments are real ids, random numbers or random text.

Nothing half-written: after every request the app refused (a 4xx, form error pages
included), every table holds exactly the rows it held before, column for column, read
through a connection of its own (what another worker would see), so a refused form
that wrote part of itself before failing is caught on either engine.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel

from survey_app.db import get_engine
from survey_app.models import FollowUp
from survey_app.services import invitations
from tests.conftest import TEST_CONFIG
from tests.faults.conftest import FIGURES

pytestmark = pytest.mark.slow

EXAMPLES = 25
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
TRICKY = ["", " ", "0", "1", "2", "-1", "²", "٣", "1e3", "99999999999999999999", "2147483648",
          "\x00", "a\x00b", "\x1b[31m", "yes", "no", "prefer_not", "ELM", "csv", "xlsx",
          "2026-13-45", "2026-01-01", "next", "add", "back", "later", "x" * 5000]
QUERY_NAMES = ["page", "school", "grade", "section", "wave", "q", "find", "add", "lang", "kind",
               "flag", "group", "followup", "sort", "user", "action", "date_from", "date_to",
               "next", "student", "format", "missing"]
_NAME = re.compile(rb'name="([^"]{1,60})"')
#: Who each blueprint is for (the respondent pages get a survey opened by link).
USER_FOR = {"counsel": "counselor", "staff": "staff", "admin": "district_admin",
            "exports": "district_admin", "jobs": "district_admin", "reminders": "counselor", "respond": None,
            "main": None}
RUNS: dict[str, dict] = {}

values = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
                   st.sampled_from(TRICKY))


def _endpoints():
    from survey_app import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})
    return sorted((rule.rule, method, rule.endpoint)
                  for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))


ENDPOINTS = _endpoints()


@pytest.fixture
def arranged(app, client, session, world, login_as):
    """Rows for the ids to point at, a signed-in user or an opened survey, and the field
    names the app's pages show."""
    student = world.students[0]
    session.add(FollowUp(student_id=student.id, note="n", due_on=date.today()))
    inv = invitations._new_invitation(secret=TEST_CONFIG["SECRET_KEY"], wave_id=world.wave.id,
                                      kind="family", household_id=student.household_id,
                                      language="en")
    session.add(inv)
    session.commit()
    token = invitations.access(inv, secret=TEST_CONFIG["SECRET_KEY"], base_url="x").token
    return {"world": world, "token": token, "ids": [1, 2, student.id, world.wave.id]}


def _names(client, pages) -> list[str]:
    found = set()
    for page in pages:
        found.update(n.decode() for n in _NAME.findall(client.get(page).data))
    return sorted(found | set(QUERY_NAMES))


def _snapshot(engine) -> dict[str, list[str]]:
    """Every row of every table, as text (compared, never parsed)."""
    with engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(table.select()))
                for table in SQLModel.metadata.sorted_tables}


def _changes(before: dict, after: dict) -> dict[str, dict]:
    """Tables whose rows differ, with the rows that appeared and went."""
    return {name: {"added": sorted(set(after[name]) - set(before[name]))[:3],
                   "removed": sorted(set(before[name]) - set(after[name]))[:3]}
            for name in before if before[name] != after[name]}


def _url(rule: str, draw, ids) -> str:
    def arg(match):
        kind, _name = match.group(1), match.group(2)
        if kind == "int":
            return str(draw(st.one_of(st.sampled_from(ids), st.integers(0, 2**40))))
        text = draw(st.one_of(st.sampled_from(["home", "adults", "contact", "help", "school",
                                               "x", "..", "%00"]),
                              st.text(st.characters(exclude_categories=("Cs",),
                                                    exclude_characters="/?#%"),
                                      min_size=1, max_size=20)))
        return text

    return re.sub(r"<(?:(\w+):)?(\w+)>", arg, rule)


@pytest.mark.parametrize(("rule", "method", "endpoint"), ENDPOINTS)
def test_no_input_gives_a_500(client, session, arranged, login_as, database_url, rule, method,
                              endpoint):
    world = arranged["world"]
    role = USER_FOR[endpoint.split(".")[0]]
    if role:
        login_as(world.users[role])
    else:
        assert client.get(f"/r/{arranged['token']}").status_code == 302
    names = _names(client, ["/", "/survey/contact", "/survey/adults", "/staff/mapping",
                            "/counsel/students", "/admin/settings", "/admin/audit",
                            "/exports/", "/staff/engagement", "/staff/account", "/admin/staff"])
    engine = database_url.split(":")[0].split("+")[0]
    runs = RUNS.setdefault(engine, {"requests": 0, "endpoints": set(), "errors": [],
                                    "refused": 0})
    database = get_engine(client.application)
    state = {"rows": _snapshot(database)}

    @FUZZ
    @given(data=st.data())
    def send(data):
        url = _url(rule, data.draw, arranged["ids"])
        fields = data.draw(st.dictionaries(st.sampled_from(names),
                                           st.one_of(values, st.lists(values, max_size=3)),
                                           max_size=8))
        try:
            if method == "GET":
                result = client.get(url, query_string=fields)
            else:
                result = client.open(url, method=method, data=fields,
                                     query_string=data.draw(st.dictionaries(
                                         st.sampled_from(QUERY_NAMES), values, max_size=2)))
            status = result.status_code
            result.close()
        except Exception as error:  # TESTING propagates what would be a 500
            status = 500
            runs["errors"].append(f"{method} {url}: {error!r}"[:300])
            raise
        runs["requests"] += 1
        assert status < 500, f"{method} {url} {fields!r}: {status}"
        before, state["rows"] = state["rows"], _snapshot(database)
        if status >= 400:
            runs["refused"] += 1
            changed = _changes(before, state["rows"])
            assert not changed, f"{method} {url} {fields!r}: {status}, half-written: {changed}"

    send()
    runs["endpoints"].add((rule, method))


def teardown_module(_module):
    for engine, runs in RUNS.items():
        FIGURES.append(f"fuzz every endpoint on {engine}: {len(runs['endpoints'])} endpoints "
                       f"(rule × method) × up to {EXAMPLES} requests = {runs['requests']} "
                       f"requests, {len(runs['errors'])} server errors; {runs['refused']} "
                       f"refused (4xx), each leaving every table as it was")


@pytest.mark.parametrize("write", ["insert", "update", "delete"])
def test_the_half_written_check_sees_any_committed_change(app, session, world, write):
    """The check the fuzz relies on: a row added, a cell changed or a row removed by a
    request (committed, so another worker would see it) shows as a change of that table."""
    from sqlalchemy import text

    database = get_engine(app)
    before = _snapshot(database)
    assert _changes(before, _snapshot(database)) == {}
    statement = {
        "insert": "INSERT INTO follow_up_note (follow_up_id, note, created_at) "
                  "SELECT id, 'half', CURRENT_TIMESTAMP FROM follow_up",
        "update": "UPDATE staff_user SET honorific = 'dr' WHERE id = :id",
        "delete": "DELETE FROM counselor_school WHERE staff_id = :id",
    }[write]
    if write == "insert":
        session.add(FollowUp(student_id=world.students[0].id, note="n", due_on=date.today()))
        session.commit()
        before = _snapshot(database)
    with database.begin() as conn:
        conn.execute(text(statement), {"id": world.users["counselor"].id})
    changed = _changes(before, _snapshot(database))
    table = {"insert": "follow_up_note", "update": "staff_user",
             "delete": "counselor_school"}[write]
    assert table in changed  # (beside the data version counters the write moved)
    assert changed[table]["added" if write != "delete" else "removed"]
