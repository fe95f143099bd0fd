"""Staff rows of a roster against the accounts already there: one email, one account.

``staff_user.email`` and ``staff_user.sourced_id`` are unique. Accounts are also made
in the app (``init-district``, ``create-user``: no sourcedId), people change their
email, and a student information system may give a person a new sourcedId. So every
staff email of the file is set against the file and the database before anything is
written (emails compared without capital letters or spaces around them):

- two rows with one email: refused, naming both rows;
- the email of an account made in the app: linked to the row when the admin confirms
  (``link_accounts``); the account keeps its sign-in and role;
- the email of a roster account whose sourcedId the file removes (``tobedeleted``, or
  not listed in a bulk file): the account moves to the row's sourcedId when confirmed;
- the email of a roster account that stays: refused, naming the account;
- a row whose sourcedId already has an account, with another account's email: refused
  (two accounts are never merged);
- emails that move between people of the file (a swap): written in two steps, so the
  unique column never holds one address twice, even for a moment.

A blank email, or one that is not an address, never clears the email an account has.
Unconfirmed links are still made inside the import's transaction (so a check shows
every difference), and the report's problem keeps the import from being saved.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import func, update
from sqlmodel import select

from survey_app.models import StaffUser

__all__ = ["save_staff"]

FILE = "users.csv"
CHUNK = 900


class Account(NamedTuple):
    id: int
    sourced_id: str | None
    email: str | None
    name: str


def _accounts(session, column, keys: list[str]) -> list[Account]:
    found = []
    for start in range(0, len(keys), CHUNK):
        found += [Account(pk, sid, email, f"{given} {family}".strip()) for
                  pk, sid, email, given, family in session.execute(select(
                      StaffUser.id, StaffUser.sourced_id, StaffUser.email, StaffUser.given_name,
                      StaffUser.family_name).where(column.in_(keys[start:start + CHUNK])))]
    return found


def _key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def save_staff(store, staff: dict[str, dict[str, Any]], *, bulk: bool, link: bool) -> None:
    """Write the staff rows of the whole file (``sourcedId`` → values with ``_row``)."""
    report, session = store.report, store.session
    rows: dict[str, int] = {}
    claims: dict[str, str] = {}  # email → the sourcedId of the active row that gives it
    refused = False
    for sid, values in staff.items():
        rows[sid] = values.pop("_row")
        email = values.get("email")
        if email is None or not values["active"]:
            values.pop("email", None)  # no email here: the account keeps the one it has
        elif email in claims:
            report.problem("email_twice", file=FILE, row=rows[sid], column="email",
                           value=email[:80], first=rows[claims[email]], second=rows[sid])
            refused = True
        else:
            claims[email] = sid
    own = {a.sourced_id: a for a in _accounts(session, StaffUser.sourced_id, list(staff))}
    holders: dict[str, list[Account]] = {}
    for account in _accounts(session, func.lower(StaffUser.email), list(claims)):
        holders.setdefault(_key(account.email), []).append(account)
    links: list[tuple[Account, str]] = []
    for email, sid in claims.items():
        for holder in holders.get(email, []):
            if holder.sourced_id == sid:
                continue
            other = holder.sourced_id
            if other in staff and staff[other]["active"] and \
                    staff[other].get("email") not in (None, email):
                continue  # its own row gives it another email: it lets this one go
            where = {"file": FILE, "row": rows[sid], "column": "email", "value": email[:80],
                     "name": holder.name or "—"}
            leaving = other is not None and (
                (other in staff and not staff[other]["active"]) or (bulk and other not in staff))
            if sid in own:
                report.problem("email_two_accounts", sid=sid[:80],
                               mine=own[sid].email or own[sid].name, **where)
                refused = True
            elif other is None or leaving:
                if not link:
                    report.problem("link_moved" if leaving else "link_account",
                                   other=(other or "")[:80], sid=sid[:80], **where)
                links.append((holder, sid))
                own[sid] = holder
            else:
                report.problem("email_taken", other=other[:80], **where)
                refused = True
    if refused:
        return  # nothing of the staff is written: the import is refused anyway
    for holder, sid in links:
        store.record_update("staff_user", holder.id, {"sourced_id": holder.sourced_id})
        session.execute(update(StaffUser).where(StaffUser.id == holder.id).values(
            sourced_id=sid))
        staff.pop(holder.sourced_id, None)  # its old row (tobedeleted) is this row now
        if link:  # (unconfirmed, the problem says it instead)
            report.note("linked_account", row=rows[sid], email=holder.email or holder.name)
    _release(store, own, staff)
    for sid, values in staff.items():
        if not values["active"]:
            store.deleted.add(sid)
    defaults = {"district_id": store.district.id, "role": "staff", "languages": [],
                "language": "en", "email": None}
    store.staff_ids.update(store.upsert("staff", StaffUser, staff, defaults))


def _release(store, own: dict[str, Account], staff: dict[str, dict[str, Any]]) -> None:
    """Empty the emails that change before writing the new ones (a swap would otherwise
    meet the unique constraint halfway); the old ones are kept for undo."""
    moving = [a for sid, a in own.items() if sid in staff and staff[sid].get("email")
              and a.email is not None and a.email != staff[sid]["email"]]
    for account in moving:
        store.record_update("staff_user", account.id, {"email": account.email})
    ids = [a.id for a in moving]
    for start in range(0, len(ids), CHUNK):
        store.session.execute(update(StaffUser).where(
            StaffUser.id.in_(ids[start:start + CHUNK])).values(email=None))
