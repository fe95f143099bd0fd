"""Turning OneRoster user rows into the values of our tables (no database here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from survey_app.imports.fields import BAD, parse_grade, parse_text
from survey_app.imports.package import Package, Row
from survey_app.imports.report import ImportReport
from survey_app.models.enums import Relation

__all__ = ["PARENT_ROLES", "STAFF_ROLES", "Roles", "link_households", "read_roles", "role_of",
           "split_users"]

STAFF_ROLES = {"teacher", "aide", "administrator", "counselor", "proctor", "principal",
               "siteadministrator", "districtadministrator", "systemadministrator"}
PARENT_ROLES = {"parent": Relation.PARENT_GUARDIAN.value,
                "guardian": Relation.PARENT_GUARDIAN.value,
                "relative": Relation.OTHER_RELATIVE.value}
FILE = "users.csv"


@dataclass
class Roles:
    """A user's role and orgs, and where the file says so (for messages)."""

    role: str  # the primary role, lower-case
    orgs: list[str]  # the primary org first
    file: str = FILE  # users.csv (1.1 columns) or roles.csv (1.2)
    rows: dict[str, int] = field(default_factory=dict)  # org → roles.csv row naming it
    others: list[str] = field(default_factory=list)  # other roles, not imported

    def where(self, org: str, row: Row) -> tuple[str, int, str]:
        """(file, row, column) of the place that names ``org`` for this user."""
        if self.file == FILE:
            column = "orgSourcedIds" if row.get("orgSourcedIds") else "primaryOrgSourcedId"
            return FILE, row.number, column
        return self.file, self.rows.get(org, row.number), "orgSourcedId"


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def read_roles(package: Package, report: ImportReport) -> dict[str, Roles]:
    """OneRoster 1.2 ``roles.csv``: user → roles, the primary one first."""
    roles: dict[str, Roles] = {}
    for row in package.rows("roles.csv", "roles", report,
                            required=("userSourcedId", "role", "orgSourcedId")):
        if row.get("status").lower() == "tobedeleted":
            continue
        user, role, org = row.get("userSourcedId"), row.get("role").lower(), row.get("orgSourcedId")
        primary = row.get("roleType").lower() == "primary"
        found = roles.get(user)
        if found is None:
            roles[user] = Roles(role, [org], "roles.csv", {org: row.number})
            continue
        found.rows.setdefault(org, row.number)
        if primary and role != found.role:
            found.others.append(found.role)
            found.role = role
        elif role != found.role and role not in found.others:
            found.others.append(role)
        if org not in found.orgs:
            found.orgs.insert(0, org) if primary else found.orgs.append(org)
    return roles


def role_of(row: Row, roles: dict[str, Roles]) -> Roles:
    """The role and orgs of a user: 1.2 ``roles.csv``, or the 1.1 columns."""
    found = roles.get(row.get("sourcedId"))
    if found is not None:
        return found
    orgs = _ids(row.get("orgSourcedIds")) or _ids(row.get("primaryOrgSourcedId"))
    listed = _ids(row.get("role").lower())  # some 1.1 exports list several roles
    return Roles(listed[0] if listed else "", orgs, others=listed[1:])


def link_households(users: Iterable[Row], roles: dict[str, Roles],
                    report: ImportReport) -> dict[str, str]:
    """Student and parent sourcedId → household key, joining siblings who share a parent.

    Students and parents linked through ``agentSourcedIds`` (in either
    direction) form one household, keyed by the smallest parent sourcedId in it.
    An agent who is staff (a teacher named as a student's agent) or who is not in
    the file joins no household: each is counted in a note.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    parents, students, staff = set(), set(), set()
    links: list[tuple[str, str, int]] = []
    for row in users:
        sid, role = row.get("sourcedId"), role_of(row, roles).role
        if row.get("status").lower() == "tobedeleted":
            continue
        if role in PARENT_ROLES:
            parents.add(sid)
        elif role == "student":
            students.add(sid)
        else:
            staff.add(sid)
            continue
        links += [(sid, agent, row.number) for agent in _ids(row.get("agentSourcedIds"))]
    family = parents | students
    for sid, agent, number in links:
        if agent in family:
            parent.setdefault(sid, sid)
            parent.setdefault(agent, agent)
            parent[find(agent)] = find(sid)
        elif agent in staff:
            report.tally("agent_is_staff", FILE, number, "agentSourcedIds")
        else:
            report.tally("agent_unknown", FILE, number, "agentSourcedIds")
    key: dict[str, str] = {}
    for p in parents:
        root = find(p)
        key[root] = min(key.get(root, p), p)
    return {s: key[find(s)] for s in family if find(s) in key}


def split_users(batch: list[tuple[Row, Roles]], report: ImportReport,
                school_ids: dict[str, int], households: dict[str, str], seen: dict[str, int],
                tally: Counter, kinds: dict[str, tuple[str, int]]) -> tuple[dict, dict, dict]:
    """Values for students, staff and parents, keyed by sourcedId; problems reported;
    ``kinds`` is told each person's kind and row."""
    students: dict[str, dict[str, Any]] = {}
    staff: dict[str, dict[str, Any]] = {}
    parents: dict[str, dict[str, Any]] = {}
    for row, roles in batch:
        sid = parse_text(row, "sourcedId", report, FILE, limit=255, required=True)
        if sid is BAD:
            continue
        same = hash(tuple(sorted(row.values.items())))
        if sid in seen:
            if seen[sid] == same:
                report.tally("duplicate_row", FILE, row.number, "sourcedId")
            else:
                report.problem("duplicate", file=FILE, row=row.number, column="sourcedId",
                               value=sid[:80])
            continue
        seen[sid] = same
        active = row.get("status").lower() != "tobedeleted"
        role = roles.role
        for other in roles.others:
            tally[("other_role", other)] += 1
        if role == "student":
            values = _student(row, roles, report, school_ids, tally, active)
            target = students
        elif role in STAFF_ROLES:
            values, target = _staff(row, role, roles, report, school_ids, active), staff
        elif role in PARENT_ROLES:
            values, target = _parent(row, role, report, active), parents
        else:
            tally[("role", role or "?")] += 1
            continue
        if values is not None:
            kinds[sid] = ("student" if target is students else "staff" if target is staff
                          else "parent", row.number)
            if sid in households and target is not staff:
                values["household"] = households[sid]
            target[sid] = values
    return students, staff, parents


def _names(row: Row, report: ImportReport) -> dict[str, Any]:
    return {
        "given_name": parse_text(row, "givenName", report, FILE, limit=200, required=True),
        "family_name": parse_text(row, "familyName", report, FILE, limit=200, required=True),
    }


def _school(row: Row, roles: Roles, report: ImportReport, school_ids: dict[str, int],
            *, required: bool) -> Any:
    for org in roles.orgs:
        if org in school_ids:
            return school_ids[org]
    if required:
        if roles.orgs:
            file, number, column = roles.where(roles.orgs[0], row)
            report.problem("unknown_school", file=file, row=number, column=column,
                           value=roles.orgs[0][:80])
        else:
            report.problem("no_school", file=FILE, row=row.number, column="orgSourcedIds")
        return BAD
    return None


def _student(row, roles, report, school_ids, tally, active) -> dict[str, Any] | None:
    values = _names(row, report) | {
        "preferred_name": parse_text(row, "preferredGivenName", report, FILE, limit=200),
        "sis_id": parse_text(row, "identifier", report, FILE, limit=64),
        "email": contact_email(row),
        "school_id": _school(row, roles, report, school_ids, required=active),
        "active": active,
    }
    grade = parse_grade(row, "grades", report, FILE)
    if grade is None:
        tally[("no_grade",)] += 1  # a new student's grade is then unknown, never kindergarten
    else:
        values["grade"] = grade
    if not active and values["school_id"] is None:
        values.pop("school_id")
    return None if BAD in values.values() else values


def _staff(row, role, roles, report, school_ids, active) -> dict[str, Any] | None:
    email = contact_email(row)
    if email is None and row.get("email"):
        report.tally("staff_email_invalid", FILE, row.number, "email")
    values = _names(row, report) | {
        "email": email,
        "title": role[:100],
        "school_id": _school(row, roles, report, school_ids, required=False),
        "active": active,
        "_row": row.number,
    }
    return None if BAD in values.values() else values


def _parent(row, role, report, active) -> dict[str, Any] | None:
    names = _names(row, report)
    if BAD in names.values() or not active:
        return None
    return {"display_name": f"{names['given_name']} {names['family_name']}"[:200],
            "role": PARENT_ROLES[role], "kind": "family", "email": contact_email(row)}


def contact_email(row: Row) -> str | None:
    """A student's or guardian's email, kept only to send survey reminders: one that
    cannot be an address (no ``@``, spaces, too long) is left out, never a problem that
    stops the import (the roster is about enrolment, not mail)."""
    value = (row.get("email") or "").strip().lower()
    name, at, domain = value.rpartition("@")
    if not (at and name and "." in domain) or len(value) > 320 or any(c.isspace() for c in value):
        return None
    return value
