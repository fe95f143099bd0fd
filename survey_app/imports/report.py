"""What an import did or would do: counts, notes on what it skipped, and problems.

Problems and notes are codes with parameters; :func:`describe` turns them into
words in the reader's language at the moment they are shown (the command line
shows them in English, the upload page in the admin's language).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

__all__ = ["LINK_PROBLEMS", "MESSAGES", "MAX_PROBLEMS", "REMOVAL_PROBLEMS", "ImportReport",
           "Note", "PackageError", "Problem", "describe"]

#: The report lists this many problems; the rest are counted.
MAX_PROBLEMS = 200

MESSAGES = {
    # Problems: the import stops and nothing is saved.
    "not_utf8": _l("This file is not UTF-8 text (near line %(line)s). Save it as “CSV UTF-8” and try again."),
    "field_too_long": _l("A value is longer than %(limit)s characters."),
    "value_too_long": _l("This value is longer than %(limit)s characters."),
    "bad_csv": _l("This line cannot be read as CSV: %(error)s."),
    "missing_column": _l("The file has no “%(name)s” column, which it needs."),
    "required": _l("This value is missing."),
    "bad_boolean": _l("“%(value)s” is not true or false."),
    "bad_date": _l("“%(value)s” is not a date like 2015-09-30."),
    "bad_grade": _l("“%(value)s” is not a grade (KG, 01 … 12)."),
    "bad_number": _l("“%(value)s” is not a number between %(low)s and %(high)s."),
    "bad_consent": _l("“%(value)s” is not consented, opted_out or no_answer."),
    "unknown_school": _l("No school has the sourcedId “%(value)s”."),
    "unknown_user": _l("No student or staff member has the sourcedId “%(value)s”."),
    "unknown_student": _l("No student has the sourcedId “%(value)s”."),
    "unknown_class": _l("No class has the sourcedId “%(value)s”."),
    "no_school": _l("This person belongs to no school in the file."),
    "duplicate": _l("The sourcedId “%(value)s” appears twice."),
    "email_taken": _l("The email “%(value)s” belongs to the account of %(name)s (sourcedId “%(other)s”), who stays on the roster. Give each person an email of their own and import again."),
    "school_elsewhere": _l("The sourcedId “%(value)s” is already a school of another district in this app (%(name)s)."),
    "email_twice": _l("Rows %(first)s and %(second)s both give the email “%(value)s” (capital letters and spaces do not count). Each staff member needs an email of their own: this is how they sign in."),
    "email_two_accounts": _l("The sourcedId “%(sid)s” already has an account (%(mine)s), but the email “%(value)s” belongs to another account, %(name)s. Two accounts are never merged: change one of the two emails and import again."),
    "link_account": _l("The email “%(value)s” belongs to the account of %(name)s, which was made in the app, not by a roster. Confirm to link this row to it: the account keeps its sign-in and role, and the roster keeps it up to date from now on."),
    "link_moved": _l("The email “%(value)s” belongs to the account of %(name)s, whose sourcedId “%(other)s” this file removes. Confirm to move the account to the new sourcedId “%(sid)s”: it keeps its sign-in, marks and follow-ups."),
    "database_refused": _l("The database refused to save this roster (%(detail)s). Nothing was saved. Please send this message to whoever supports the app."),
    "no_users": _l("The package has no users.csv."),
    "no_orgs": _l("The package has no orgs.csv, and the database has no schools yet."),
    "no_school_org": _l("orgs.csv lists no school (only: %(kinds)s), and the database has no schools yet."),
    "unsafe_name": _l("The ZIP holds a file named “%(name)s”, which points outside the package. Nothing was read."),
    "zip_too_big": _l("The ZIP unpacks to more than %(limit)s MB. Split it or ask for help."),
    "zip_ratio": _l("The file “%(name)s” unpacks to far more than its packed size, as a ZIP bomb does. Nothing was read."),
    "zip_too_many": _l("The ZIP holds more than %(limit)s files."),
    "not_zip": _l("This is not a ZIP file or a folder of CSV files."),
    "zip_damaged": _l("The ZIP file is damaged or incomplete at “%(name)s” (perhaps a download or copy was cut short). Nothing was saved: make the ZIP again and retry."),
    "zip_encrypted": _l("“%(name)s” in the ZIP is protected by a password. Nothing was saved: make the ZIP again without a password."),
    "zip_method": _l("“%(name)s” in the ZIP is compressed in a way this app cannot unpack (method %(method)s). Nothing was saved: make the ZIP again with ordinary compression (“Deflate”)."),
    "duplicate_file": _l("The package holds two files named “%(name)s”."),
    "too_many_students_removed": _l("This bulk file would remove %(removed)s of the %(active)s active students (%(share)s), more than the %(limit)s the district allows at once. Nothing was changed. If the file is complete and right, confirm the removals."),
    "too_many_staff_removed": _l("This bulk file would remove %(removed)s of the %(active)s active staff members (%(share)s), more than the %(limit)s the district allows at once. Nothing was changed. If the file is complete and right, confirm the removals."),
    # Notes: what the import skipped or assumed, shown beside a successful import.
    "ignored_columns": _l("Ignored the columns %(columns)s in %(name)s: the app does not use them."),
    "absent_file": _l("The manifest lists %(name)s, but the package does not contain it."),
    "ignored_file": _l("Did not read %(name)s: the app does not use it."),
    "empty_file": _l("%(name)s has no rows."),
    "skipped_role": _l("Skipped %(count)s rows with the role “%(role)s”."),
    "skipped_org": _l("%(count)s organisations in %(name)s are above the schools (local, state or national; the first in row %(row)s): nobody is attached to them here."),
    "department": _l("%(count)s departments in %(name)s (the first in row %(row)s): their people and classes belong to the school above them."),
    "department_as_school": _l("%(count)s departments in %(name)s have no school above them in the file (the first in row %(row)s): each was imported as a school."),
    "agent_unknown": _l("%(count)s parents or guardians named in %(name)s are not in the file (the first in row %(row)s, column %(column)s): those students have no household from the file."),
    "agent_is_staff": _l("%(count)s agents named in %(name)s are staff, not family (the first in row %(row)s, column %(column)s): they were not added to a household."),
    "other_role": _l("%(count)s people also have the role “%(role)s”: only their primary role was imported."),
    "duplicate_row": _l("%(count)s rows of %(name)s repeat an earlier row (the first in row %(row)s, column %(column)s): each was read once."),
    "enrolled_other_role": _l("%(count)s enrollments in %(name)s name a person under a role they do not have in the file (the first in row %(row)s, column %(column)s): they were left out."),
    "demographics_not_student": _l("%(count)s rows of %(name)s describe staff or parents (the first in row %(row)s): only students' demographics are kept."),
    "demographics_unknown": _l("%(count)s rows of %(name)s name people who are not in the file (the first in row %(row)s): they were not used."),
    "stripped": _l("Removed invisible control characters (such as tabs or NUL) from %(count)s values in %(name)s (the first in row %(row)s, column %(column)s)."),
    "no_grade": _l("%(count)s students have no grade in the file: a new student's grade is unknown (shown as “—”), never kindergarten, and a grade already known is kept."),
    "kept_account": _l("The account %(email)s stays active: an import never removes the person importing or the last district admin."),
    "no_district": _l("The file has no district; the schools were added to “%(name)s”."),
    "staff_email_invalid": _l("%(count)s staff emails in %(name)s are not email addresses (the first in row %(row)s, column %(column)s): they were left out, and an email the account already has is kept."),
    "linked_account": _l("Row %(row)s of users.csv is now linked to the existing account %(email)s."),
    "role_changed": _l("%(count)s people in %(name)s have another role than before (the first in row %(row)s): the record of their old role was removed."),
    "school_moved": _l("The school in row %(row)s of orgs.csv has a new sourcedId, “%(value)s”, and the identifier of the school listed before as “%(old)s”, which the file no longer lists: it is taken as the same school and keeps its people and data."),
    "delta_file": _l("%(name)s is a delta file: rows missing from it were left as they were."),
}


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input, with where it is (row 1 is the header)."""

    code: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Note:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class PackageError(Exception):
    """The package cannot be read at all (unsafe ZIP, not a ZIP)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


#: Problems that a confirmation answers: the file would remove more people than allowed.
REMOVAL_PROBLEMS = frozenset({"too_many_students_removed", "too_many_staff_removed"})
#: Problems that a confirmation answers: a roster row would take over an existing account.
LINK_PROBLEMS = frozenset({"link_account", "link_moved"})


@dataclass
class ImportReport:
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    notes: list[Note] = field(default_factory=list)
    #: kind ("schools", "students", …) → Counter of created/updated/deleted/unchanged
    counts: dict[str, Counter] = field(default_factory=dict)
    #: (note code, file) → how many times; and the first (row, column) of each
    tallies: Counter = field(default_factory=Counter)
    first: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    stripped_at: set[tuple[str, int, str]] = field(default_factory=set)
    #: What a saved import changed (see ``roster_store.Store.changes``), for undo.
    changes: dict[str, Any] = field(default_factory=dict)
    #: Names of the people the import deactivates (see ``roster_import``), and how many.
    removed: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def confirmable(self) -> bool:
        """Refused only for what the importing admin may confirm: removing too many people
        (``allow_removals``) or linking rows to existing accounts (``link_accounts``)."""
        return bool(self.problems) and self.problem_count == len(self.problems) and \
            {p.code for p in self.problems} <= REMOVAL_PROBLEMS | LINK_PROBLEMS

    def asks(self, codes: frozenset) -> bool:
        """Whether a confirmable report asks to confirm one of ``codes``."""
        return any(p.code in codes for p in self.problems)

    def problem(self, code: str, *, file: str | None = None, row: int | None = None,
                column: str | None = None, **params: Any) -> None:
        problem = Problem(code, file, row, column, params)
        if problem in self.problems:  # users.csv is read twice
            return
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def note(self, code: str, **params: Any) -> None:
        note = Note(code, params)
        if note not in self.notes:  # users.csv is read twice
            self.notes.append(note)

    def stripped(self, file: str, row: int, column: str) -> None:
        """Control characters were removed from one value (files read twice count once)."""
        if (file, row, column) not in self.stripped_at:
            self.stripped_at.add((file, row, column))
            self.tally("stripped", file, row, column)

    def tally(self, code: str, file: str, row: int, column: str | None = None) -> None:
        """One more of a repeated note (a duplicate row, …), the first one located."""
        self.tallies[(code, file)] += 1
        self.first.setdefault((code, file), (row, column))

    def tally_notes(self) -> None:
        """Turn the tallies into notes: how many, and where the first one is."""
        for (code, file), n in sorted(self.tallies.items()):
            row, column = self.first[(code, file)]
            self.note(code, count=n, name=file, row=row, column=column or "")
        self.tallies.clear()

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts.setdefault(kind, Counter())[outcome] += n

    def as_dict(self, *, limit: int | None = 20) -> dict[str, Any]:
        """Plain data: for the audit log (the first ``limit`` problems), and with
        ``limit=None`` for ``--json`` (every problem and note, located, in words)."""
        shown = self.problems if limit is None else self.problems[:limit]
        out = {
            "ok": self.ok, "dry_run": self.dry_run, "problem_count": self.problem_count,
            "counts": {kind: dict(c) for kind, c in self.counts.items()},
            "problems": [describe(p) for p in shown],
        }
        if limit is None:
            out["problems"] = [_located(p) for p in shown]
            out["notes"] = [{"code": n.code, "message": describe(n),
                             **{k: n.params[k] for k in ("name", "row", "column")
                                if n.params.get(k) not in (None, "")}}
                            for n in self.notes]
        return out


def _located(problem: Problem) -> dict[str, Any]:
    return {"code": problem.code, "file": problem.file, "row": problem.row,
            "column": problem.column, "message": describe(problem)}


def describe(item: Problem | Note) -> str:
    """The problem or note in words, in the current locale."""
    text = str(MESSAGES[item.code])
    params = {k: (", ".join(v) if isinstance(v, list | tuple) else v)
              for k, v in item.params.items()}
    return text % params if params else text.replace("%%", "%")
