"""A roster import worked out beside the database, so that SQLite's other writers never wait.

On SQLite the import (:func:`survey_app.imports.roster_import.run`) runs on a
private copy of the database (:mod:`survey_app.db.snapshot`): reading the file and
working out the changes take seconds, and on the database itself they held the
write lock all that time, so every survey save in the district waited. A check
(``dry_run``) needs nothing more. An import then copies what it changed back in
one short transaction (:func:`_copy_back`): the rows it created (those above each
table's highest id when the copy was made) and the columns it changed of the
rows it updated (``report.changes``, the undo record), and the class members as
the copy has them (members are deleted, not deactivated, so their ids come again). That is the same as importing on the database only when the
roster has not changed since the copy was made: each roster table's fingerprint
(:data:`FINGERPRINTS`) is compared under the write lock, and if any moved the
import runs again the ordinary way. The family adults that survey answers add
meanwhile are no conflict: the adults the file created are numbered after them.

Other databases import the ordinary way: PostgreSQL's writers do not wait for
each other's rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from survey_app.db.snapshot import attached, copy_of, database_file
from survey_app.imports import oneroster, roster_import
from survey_app.imports.package import Package
from survey_app.imports.report import ImportReport

__all__ = ["FINGERPRINTS", "run"]

#: Roster tables in the order rows are created (each only points at tables before it).
CREATED = ("school", "household", "student", "staff_user", "section", "adult")
#: Unique columns an import may move from one row to another (emails, re-keyed ids).
UNIQUE = {"staff_user": ("email", "sourced_id"), "school": ("sourced_id",)}
MEMBERS = {"section_student": "student_id", "section_teacher": "staff_id"}
#: What must not have moved between the copy and the copying back (SQL per table).
FINGERPRINTS = {
    **{t: f"SELECT count(*), coalesce(max(id), 0) FROM {{db}}{t}"
       for t in ("district", "school", "household", "staff_user", "section", *MEMBERS)},
    "student": "SELECT count(*), coalesce(max(id), 0), max(updated_at) FROM {db}student",
    "adult": "SELECT count(*), coalesce(max(id), 0) FROM {db}adult "
             "WHERE sourced_id IS NOT NULL",
    "import_run": "SELECT count(*), coalesce(max(id), 0), count(undone_at) "
                  "FROM {db}import_run",
}


class _Moved(Exception):
    """The roster changed since the copy was made: import the ordinary way."""


def run(*, session: Session, path: Path, extra: Path | None = None, dry_run: bool = False,
        allow_removals: bool = False, link_accounts: bool = False,
        staff_id: int | None = None, progress: Callable[[int], None] | None = None,
        on_open: Callable[[Package], None] | None = None,
        saving: Callable[[], None] | None = None) -> ImportReport:
    """:func:`roster_import.run`, worked out on a copy when the database is a SQLite file
    (``saving`` is called before the write lock is taken to copy the result back)."""
    args = {"path": path, "extra": extra, "dry_run": dry_run,
            "allow_removals": allow_removals, "link_accounts": link_accounts,
            "staff_id": staff_id}
    database = database_file(session.get_bind())
    if database is None:
        return roster_import.run(session=session, progress=progress, on_open=on_open, **args)
    session.rollback()  # nothing of ours is open while the copy is made
    with copy_of(database) as copy:
        engine = create_engine(f"sqlite:///{copy}")
        try:
            with Session(engine, expire_on_commit=False) as work:
                before = _fingerprints(work, "")
                highest = {t: _highest(work, "", t) for t in CREATED}
                report = roster_import.run(session=work, progress=progress, on_open=on_open,
                                           keep_open=True, **args)
                if dry_run or not report.ok:
                    work.rollback()
                    return report
                work.commit()
        finally:
            engine.dispose()
        if saving is not None:
            saving()
        with attached(session.get_bind(), copy) as conn:
            try:
                _copy_back(conn, report, before, highest)
            except _Moved:
                conn.rollback()
                moved = True
            except (IntegrityError, DataError) as error:
                conn.rollback()
                return roster_import.refused(error, dry_run=dry_run)
            else:
                moved = False
                with Session(bind=conn, expire_on_commit=False) as own:
                    roster_import.save_run(session=own, report=report, staff_id=staff_id)
                conn.commit()  # the session joined conn's transaction: it ends here
    if moved:
        return roster_import.run(session=session, **args)
    oneroster.refresh_statistics(session)
    return report


def _fingerprints(conn, db: str) -> dict[str, list]:
    return {t: list(conn.execute(text(sql.format(db=db))).one())
            for t, sql in FINGERPRINTS.items()}


def _highest(conn, db: str, table: str) -> int:
    return int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {db}{table}")).scalar_one())


def _columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(text(f"PRAGMA main.table_info({table})"))]


def _copy_back(conn: Connection, report: ImportReport, before: dict[str, list],
               highest: dict[str, int]) -> None:
    """Write what the import changed on the copy (attached as ``snap``) into the database,
    in ``conn``'s transaction (the writer's: it takes the write lock); not committed."""
    if _fingerprints(conn, "main.") != before:
        raise _Moved
    districts = "SELECT id FROM {db}district ORDER BY id"
    if conn.execute(text(districts.format(db="snap."))).scalars().all() != \
            conn.execute(text(districts.format(db="main."))).scalars().all():
        raise _Moved  # the file made the district: nothing to keep waiting for
    renamed = "(SELECT s.name FROM snap.district s WHERE s.id = district.id)"
    conn.execute(text(f"UPDATE district SET name = {renamed} WHERE name <> {renamed}"))
    for table in CREATED:
        change = report.changes.get(table, {})
        shift = _highest(conn, "main.", table) - highest[table] if table == "adult" else 0
        _release(conn, table, change.get("updated", {}))
        columns = _columns(conn, table)
        listed = ", ".join(columns)
        taken = listed.replace("id, ", "id + :shift, ", 1) if columns[0] == "id" else listed
        conn.execute(text(f"INSERT INTO {table} ({listed}) SELECT {taken} FROM snap.{table} "
                          f"WHERE id > :highest ORDER BY id"),
                     {"shift": shift, "highest": highest[table]})
        if shift and change.get("created"):
            change["created"] = [pk + shift for pk in change["created"]]
        _update(conn, table, change.get("updated", {}), "updated_at" in columns)
    for table, person in MEMBERS.items():  # deleted for good: ids are used again
        same = (f"SELECT 1 FROM snap.{table} s WHERE s.id = {table}.id AND "
                f"s.section_id = {table}.section_id AND s.{person} = {table}.{person}")
        conn.execute(text(f"DELETE FROM {table} WHERE NOT EXISTS ({same})"))
        conn.execute(text(f"INSERT INTO {table} (id, section_id, {person}) SELECT id, "
                          f"section_id, {person} FROM snap.{table} s WHERE NOT EXISTS "
                          f"(SELECT 1 FROM main.{table} m WHERE m.id = s.id) ORDER BY id"))
    now, made = _fingerprints(conn, "main."), _fingerprints(conn, "snap.")
    if any(now[t][0] != made[t][0] for t in FINGERPRINTS if t != "import_run"):
        raise _Moved  # a safety net: the copy and the database must now agree


def _release(conn, table: str, updated: dict[str, dict[str, Any]]) -> None:
    """Empty the unique columns that change before rows are copied in or back, so that
    an email two people swapped, or one a new account takes, is never held twice."""
    for column in UNIQUE.get(table, ()):
        ids = [int(pk) for pk, old in updated.items() if column in old]
        if ids:
            conn.execute(text(f"UPDATE {table} SET {column} = NULL WHERE id IN "
                              f"(SELECT value FROM json_each(:ids))"), {"ids": json.dumps(ids)})


def _update(conn, table: str, updated: dict[str, dict[str, Any]], stamped: bool) -> None:
    """Copy the changed columns of updated rows, grouped by which columns changed."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for pk, old in updated.items():
        columns = tuple(sorted(old)) + (("updated_at",) if stamped else ())
        groups.setdefault(columns, []).append(int(pk))
    for columns, ids in groups.items():
        listed = ", ".join(columns)
        conn.execute(text(f"UPDATE {table} SET ({listed}) = (SELECT {listed} FROM snap.{table} "
                          f"s WHERE s.id = {table}.id) WHERE id IN "
                          f"(SELECT value FROM json_each(:ids))"), {"ids": json.dumps(ids)})
