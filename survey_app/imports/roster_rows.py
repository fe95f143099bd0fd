"""Turning OneRoster user rows into the values of our tables (no database here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from survey_app.imports.fields import BAD, parse_grade, parse_text
from survey_app.imports.package import Package, Row
from survey_app.imports.report import ImportReport
from survey_app.models.enums import Relation

__all__ = ["PARENT_ROLES", "STAFF_ROLES", "link_households", "read_roles", "role_of",
           "split_users"]

STAFF_ROLES = {"teacher", "aide", "administrator", "counselor", "proctor", "principal",
               "siteadministrator", "districtadministrator", "systemadministrator"}
PARENT_ROLES = {"parent": Relation.PARENT_GUARDIAN.value,
                "guardian": Relation.PARENT_GUARDIAN.value,
                "relative": Relation.OTHER_RELATIVE.value}
FILE = "users.csv"


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def read_roles(package: Package, report: ImportReport) -> dict[str, tuple[str, list[str]]]:
    """OneRoster 1.2 ``roles.csv``: user → (primary role, orgs with the primary first)."""
    roles: dict[str, tuple[str, list[str]]] = {}
    for row in package.rows("roles.csv", "roles", report,
                            required=("userSourcedId", "role", "orgSourcedId")):
        if row.get("status").lower() == "tobedeleted":
            continue
        user, role, org = row.get("userSourcedId"), row.get("role").lower(), row.get("orgSourcedId")
        primary = row.get("roleType").lower() == "primary"
        if user not in roles:
            roles[user] = (role, [org])
        elif primary:
            roles[user] = (role, [org, *roles[user][1]])
        else:
            roles[user][1].append(org)
    return roles


def role_of(row: Row, roles: dict[str, tuple[str, list[str]]]) -> tuple[str, list[str]]:
    """The role and orgs of a user: 1.1 columns, or 1.2 ``roles.csv``."""
    sid = row.get("sourcedId")
    if sid in roles:
        return roles[sid]
    orgs = _ids(row.get("orgSourcedIds")) or _ids(row.get("primaryOrgSourcedId"))
    return row.get("role").lower(), orgs


def link_households(users: Iterable[Row], roles: dict[str, tuple[str, list[str]]],
                    report: ImportReport) -> dict[str, str]:
    """Student and parent sourcedId → household key, joining siblings who share a parent.

    Students and parents linked through ``agentSourcedIds`` (in either
    direction) form one household, keyed by the smallest parent sourcedId in it.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    parents, students = set(), set()
    for row in users:
        sid, role = row.get("sourcedId"), role_of(row, roles)[0]
        if row.get("status").lower() == "tobedeleted":
            continue
        (parents if role in PARENT_ROLES else students).add(sid)
        parent.setdefault(sid, sid)
        for agent in _ids(row.get("agentSourcedIds")):
            parent.setdefault(agent, agent)
            parent[find(agent)] = find(sid)
    key: dict[str, str] = {}
    for p in parents:
        root = find(p)
        key[root] = min(key.get(root, p), p)
    missing = {a for a in parent if a not in parents and a not in students}
    if missing:
        report.note("unknown_agents", count=len(missing))
    return {s: key[find(s)] for s in students | parents if find(s) in key}


def split_users(batch: list[tuple[Row, str, list[str]]], report: ImportReport,
                school_ids: dict[str, int], households: dict[str, str], seen: set[str],
                tally: Counter) -> tuple[dict, dict, dict]:
    """Values for students, staff and parents, keyed by sourcedId; problems reported."""
    students: dict[str, dict[str, Any]] = {}
    staff: dict[str, dict[str, Any]] = {}
    parents: dict[str, dict[str, Any]] = {}
    for row, role, orgs in batch:
        sid = parse_text(row, "sourcedId", report, FILE, limit=255, required=True)
        if sid is BAD:
            continue
        if sid in seen:
            report.problem("duplicate", file=FILE, row=row.number, column="sourcedId",
                           value=sid[:80])
            continue
        seen.add(sid)
        active = row.get("status").lower() != "tobedeleted"
        if role == "student":
            values = _student(row, orgs, report, school_ids, tally, active)
            target = students
        elif role in STAFF_ROLES:
            values, target = _staff(row, role, orgs, report, school_ids, active), staff
        elif role in PARENT_ROLES:
            values, target = _parent(row, role, report, active), parents
        else:
            tally[("role", role or "?")] += 1
            continue
        if values is not None:
            if sid in households:
                values["household"] = households[sid]
            target[sid] = values
    return students, staff, parents


def _names(row: Row, report: ImportReport) -> dict[str, Any]:
    return {
        "given_name": parse_text(row, "givenName", report, FILE, limit=200, required=True),
        "family_name": parse_text(row, "familyName", report, FILE, limit=200, required=True),
    }


def _school(row: Row, orgs: list[str], report: ImportReport, school_ids: dict[str, int],
            *, required: bool) -> Any:
    for org in orgs:
        if org in school_ids:
            return school_ids[org]
    if required:
        column = "orgSourcedIds" if orgs else None
        if orgs:
            report.problem("unknown_school", file=FILE, row=row.number, column=column,
                           value=orgs[0][:80])
        else:
            report.problem("no_school", file=FILE, row=row.number, column="orgSourcedIds")
        return BAD
    return None


def _student(row, orgs, report, school_ids, tally, active) -> dict[str, Any] | None:
    values = _names(row, report) | {
        "preferred_name": parse_text(row, "preferredGivenName", report, FILE, limit=200),
        "sis_id": parse_text(row, "identifier", report, FILE, limit=64),
        "school_id": _school(row, orgs, report, school_ids, required=active),
        "active": active,
    }
    grade = parse_grade(row, "grades", report, FILE)
    if grade is None:
        tally[("no_grade",)] += 1
    else:
        values["grade"] = grade
    if not active and values["school_id"] is None:
        values.pop("school_id")
    return None if BAD in values.values() else values


def _staff(row, role, orgs, report, school_ids, active) -> dict[str, Any] | None:
    email = parse_text(row, "email", report, FILE, limit=320)
    values = _names(row, report) | {
        "email": email.lower() if email not in (None, BAD) else email,
        "title": role[:100],
        "school_id": _school(row, orgs, report, school_ids, required=False),
        "active": active,
        "_row": row.number,
    }
    return None if BAD in values.values() else values


def _parent(row, role, report, active) -> dict[str, Any] | None:
    names = _names(row, report)
    if BAD in names.values() or not active:
        return None
    return {"display_name": f"{names['given_name']} {names['family_name']}"[:200],
            "role": PARENT_ROLES[role], "kind": "family"}
