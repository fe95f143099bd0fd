"""Household conditions decoded once, when answers are written, not on every page view.

The counselor pages need, per student and wave, the household items of the
student's own survey and of their family's (``relationships``' ``conditions``
table). Decoding every JSON answer of a school on each request cost most of a
page's time, so each response's current answers to these items are kept decoded
in ``household_condition`` (one row per response):

- :func:`write` when ``responses.save_page`` changes one of :data:`ITEMS` (it writes
  answers with Core, from the current answers it already holds);
- :func:`refresh` after any ORM flush that wrote an answer to one of :data:`ITEMS`
  (a session event that the app factory turns on with :func:`listen`: imports,
  scripts, tests);
- :func:`frame` for the demo loader and the migration that made the table
  (vectorised: each distinct answer text is decoded once);
- the retention purge deletes the rows with the answers.

A response has a row exactly when it has at least one current answer to one of
:data:`ITEMS` (a value that decodes to nothing gives a row of nulls, as before).

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): survey
save: household conditions decoded in the save's flush.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import bindparam, delete, event, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession

from survey_app.models.survey import Answer, HouseholdCondition, Invitation, Response

ITEMS = ("home.internet", "home.devices", "home.quiet_place", "home.adult_after_school")
ITEMS_SET = frozenset(ITEMS)
DEVICES = {"device_own": "own_computer", "device_shared": "shared_computer",
           "device_phone": "phone", "device_none": "nothing"}
COLUMNS = ("internet", *DEVICES, "quiet_place", "adult_home")
_INTERNET = {"works_well", "unreliable", "phone_only", "none"}
_QUIET = {"always", "sometimes", "no"}
_AFTER = {"yes", "sometimes", "no"}


def _one(value, allowed, aliases=None):
    if not isinstance(value, str):
        return None
    value = (aliases or {}).get(value, value)
    return value if value in allowed else None


def decode(answers: dict) -> dict:
    """Item id → decoded answer value, to the columns of ``household_condition``."""
    devices = answers.get("home.devices")
    out = {"internet": _one(answers.get("home.internet"), _INTERNET, {"need_help": "none"})}
    for column, code in DEVICES.items():
        out[column] = (code in devices) if isinstance(devices, list) else None
    out["quiet_place"] = _one(answers.get("home.quiet_place"), _QUIET)
    out["adult_home"] = _one(answers.get("home.adult_after_school"), _AFTER)
    return out


def refresh(conn, response_ids) -> None:
    """Rewrite the rows of ``response_ids`` from their current answers (Core, on ``conn``).

    A response with no current answer to :data:`ITEMS` is left without a row.
    """
    ids = sorted(set(response_ids))
    if not ids:
        return
    rows = conn.execute(
        select(Answer.response_id, Invitation.wave_id, Invitation.kind, Invitation.student_id,
               Invitation.household_id, Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Answer.response_id.in_(ids), Answer.current.is_(True),
               Answer.item_id.in_(ITEMS))
        .order_by(Answer.response_id, Answer.item_id)).all()
    conn.execute(delete(HouseholdCondition).where(HouseholdCondition.response_id.in_(ids)))
    by_response: dict = {}
    for r in rows:
        head, answers = by_response.setdefault(r[0], (r[:5], {}))
        answers.setdefault(r[5], r[6])
    values = [{"response_id": head[0], "wave_id": head[1], "source": str(head[2]),
               "student_id": head[3], "household_id": head[4], **decode(answers)}
              for head, answers in by_response.values()]
    if values:
        conn.execute(insert(HouseholdCondition), values)


_HC = HouseholdCondition.__table__
_INV = Invitation.__table__.c
_COPIED = ("wave_id", "source", "student_id", "household_id", *COLUMNS)


def _upsert(dialect_insert):
    """One response's row from its invitation and decoded answers, inserted or replaced
    in one statement (``response_id`` is unique), built once per dialect."""
    statement = dialect_insert(_HC).from_select(
        ["response_id", *_COPIED],
        select(bindparam("response_id", type_=_HC.c.response_id.type), _INV.wave_id, _INV.kind,
               _INV.student_id, _INV.household_id,
               *[bindparam(f"v_{k}", type_=_HC.c[k].type) for k in COLUMNS])
        .where(_INV.id == bindparam("invitation_id")))  # SQLite's upsert needs this WHERE
    return statement.on_conflict_do_update(
        index_elements=[_HC.c.response_id],
        set_={k: statement.excluded[k] for k in _COPIED})


_UPSERT = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(postgresql_insert)}
_DELETE = delete(_HC).where(_HC.c.response_id == bindparam("response_id"))


def write(conn, *, response_id: int, invitation_id: int, answers: dict) -> None:
    """Replace one response's row from its current household ``answers`` (item → value),
    with no read: one statement on ``conn`` (responses.save_page, Core writes)."""
    if not answers:
        conn.execute(_DELETE, {"response_id": response_id})
        return
    params = {f"v_{k}": v for k, v in decode(answers).items()}
    conn.execute(_UPSERT[conn.dialect.name],
                 {"response_id": response_id, "invitation_id": invitation_id, **params})


def listen() -> None:
    """Keep ``household_condition`` in step on every ORM flush from now on (once per
    process; the app factory calls it)."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)


def _after_flush(session, _flush_context) -> None:
    """Keep ``household_condition`` in step with every ORM write of a household answer."""
    touched = {obj.response_id for group in (session.new, session.dirty, session.deleted)
               for obj in group
               if isinstance(obj, Answer) and obj.item_id in ITEMS_SET}
    if touched:
        refresh(session.connection(), touched)


def decode_json_texts(values: list) -> list:
    """Decode JSON texts, each distinct text once (answers repeat a handful of codes).

    Values that are not ``str`` pass through; the decoded objects are shared, so
    callers only read them.
    """
    seen: dict = {}
    out = []
    for v in values:
        if isinstance(v, str):
            if v not in seen:
                seen[v] = json.loads(v)
            v = seen[v]
        out.append(v)
    return out


def frame(answers: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """``household_condition`` rows (without ids) for many responses at once.

    ``answers``: ``response_id, item_id, current, value`` (value as JSON text or
    decoded); ``responses``: ``response_id, wave_id, source, student_id,
    household_id``. Each distinct answer text is decoded once.
    """
    a = answers.loc[answers["current"].astype(bool) & answers["item_id"].isin(ITEMS),
                    ["response_id", "item_id", "value"]]
    a = a.drop_duplicates(["response_id", "item_id"])
    if a.empty:
        return pd.DataFrame(columns=["response_id", "wave_id", "source", "student_id",
                                     "household_id", *COLUMNS])
    parsed = decode_json_texts(a["value"].tolist())
    wide = pd.DataFrame({"response_id": a["response_id"].to_numpy(),
                         "item_id": a["item_id"].to_numpy(),
                         "value": pd.Series(parsed, dtype=object).to_numpy()})
    wide = wide.pivot(index="response_id", columns="item_id", values="value")
    # Decode per distinct value of each item (a handful), then map.
    out = pd.DataFrame(index=wide.index)
    for item, column, allowed, aliases in (
            ("home.internet", "internet", _INTERNET, {"need_help": "none"}),
            ("home.quiet_place", "quiet_place", _QUIET, None),
            ("home.adult_after_school", "adult_home", _AFTER, None)):
        values = wide[item].tolist() if item in wide else [None] * len(wide)
        out[column] = pd.Series([_one(v, allowed, aliases) for v in values],
                                index=wide.index, dtype=object)
    devices = wide["home.devices"].tolist() if "home.devices" in wide else [None] * len(wide)
    for column, code in DEVICES.items():
        out[column] = pd.Series([(code in v) if isinstance(v, list) else None for v in devices],
                                index=wide.index, dtype=object)
    out = out.reset_index()
    out = out.merge(responses[["response_id", "wave_id", "source", "student_id",
                               "household_id"]], on="response_id", how="inner")
    return out[["response_id", "wave_id", "source", "student_id", "household_id", *COLUMNS]]
