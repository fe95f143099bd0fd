"""How a teacher is doing with their students' families (Flamboyan's classroom measures).

Per family: this school year's contacts by the teacher, of which kind (two-way,
positive news, concern), the last one, and the teacher's own answer to "Do I
have a trusting relationship with this family?" (``FamilyTrustMark``, per
teacher and wave). Per class: the share of students whose family had at least
one two-way positive contact with the teacher, and the share whose family the
teacher trusts, overall and by group.

Every published share goes through :func:`suppressed`, the one call of the
equity view's suppression (:func:`relationships.equity_breakdown`), so a
stronger algorithm for tables published together drops in there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, case
from sqlmodel import Session, func, select

from relationships import equity_breakdown
from survey_app.models import Engagement, FamilyTrustMark, Student
from survey_app.models.base import utcnow
from survey_app.services.mapping import display_name

TRUST = ("yes", "not_yet", "dont_know")
MEASURES = ("contact", "trusted")
GROUPS = ("race_ethnicity", "gender", "english_learner")


def school_year_start(today: date) -> date:
    """1 August of the school year ``today`` falls in."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


@dataclass(frozen=True)
class FamilyRow:
    household_id: int
    children: list[str]
    contacts: int
    two_way: int
    positive: int
    concern: int
    two_way_positive: bool
    last_contact: date | None
    trust: str | None


def _contact_counts(session: Session, household_ids: list[int], staff_ids: Iterable[int],
                    since: date) -> dict[int, tuple]:
    def flag(*conds):
        return func.sum(case((and_(*conds), 1), else_=0))

    rows = session.exec(
        select(Engagement.household_id, func.count(Engagement.id),
               flag(Engagement.two_way.is_(True)), flag(Engagement.positive.is_(True)),
               flag(Engagement.concern.is_(True)),
               flag(Engagement.two_way.is_(True), Engagement.positive.is_(True)),
               func.max(Engagement.contacted_on))
        .where(Engagement.household_id.in_(household_ids),
               Engagement.staff_id.in_(list(staff_ids)), Engagement.contacted_on >= since)
        .group_by(Engagement.household_id)).all()
    # SQLite gives max() of a date column back as text.
    return {r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), bool(r[5]),
                   date.fromisoformat(r[6]) if isinstance(r[6], str) else r[6]) for r in rows}


def trust_marks(*, session: Session, household_ids: list[int], staff_ids: Iterable[int],
                wave_id: int | None) -> dict[int, str]:
    """household → "yes" when any of ``staff_ids`` trusts it this wave, else their mark."""
    if wave_id is None or not household_ids:
        return {}
    marks = session.exec(select(FamilyTrustMark.household_id, FamilyTrustMark.trust).where(
        FamilyTrustMark.household_id.in_(household_ids), FamilyTrustMark.wave_id == wave_id,
        FamilyTrustMark.staff_id.in_(list(staff_ids)))).all()
    out: dict[int, str] = {}
    for household_id, trust in marks:
        if out.get(household_id) != "yes":
            out[household_id] = trust
    return out


def family_rows(*, session: Session, student_ids: list[int], staff_id: int,
                wave_id: int | None, since: date) -> list[FamilyRow]:
    """The families of ``student_ids`` with ``staff_id``'s contacts since ``since`` and mark."""
    kids = session.exec(select(Student).where(
        Student.id.in_(student_ids), Student.household_id.is_not(None))
        .order_by(Student.family_name, Student.given_name)).all()
    names: dict[int, list[str]] = {}
    for s in kids:
        names.setdefault(s.household_id, []).append(
            display_name(s.given_name, s.family_name, s.preferred_name))
    ids = list(names)
    counts = _contact_counts(session, ids, [staff_id], since) if ids else {}
    marks = trust_marks(session=session, household_ids=ids, staff_ids=[staff_id],
                        wave_id=wave_id)
    return [FamilyRow(h, names[h], *counts.get(h, (0, 0, 0, 0, False, None)), marks.get(h))
            for h in ids]


def set_trust(*, session: Session, staff_id: int, household_id: int, wave_id: int,
              trust: str) -> FamilyTrustMark:
    """Store the staff member's mark for the family in the wave (one row, replaced)."""
    if trust not in TRUST:
        raise ValueError(trust)
    mark = session.exec(select(FamilyTrustMark).where(
        FamilyTrustMark.staff_id == staff_id, FamilyTrustMark.household_id == household_id,
        FamilyTrustMark.wave_id == wave_id)).first()
    if mark is None:
        mark = FamilyTrustMark(staff_id=staff_id, household_id=household_id, wave_id=wave_id,
                               trust=trust)
    mark.trust, mark.updated_at = trust, utcnow()
    session.add(mark)
    session.flush()
    return mark


def share_frame(*, session: Session, student_ids: list[int], staff_ids: Iterable[int],
                wave_id: int | None, since: date) -> pd.DataFrame:
    """One row per student with a household: the groups and the two yes/no measures.

    ``contact``: the family had a two-way contact with good news from ``staff_ids`` since
    ``since``; ``trusted``: one of ``staff_ids`` marked "yes" for the family this wave.
    """
    staff_ids = list(staff_ids)
    rows = session.exec(select(Student.id, Student.household_id, *(getattr(Student, g)
                                                                   for g in GROUPS)).where(
        Student.id.in_(student_ids), Student.household_id.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=["student_id", "household_id", *GROUPS])
    ids = [int(h) for h in frame["household_id"].unique()]
    counts = _contact_counts(session, ids, staff_ids, since) if ids else {}
    marks = trust_marks(session=session, household_ids=ids, staff_ids=staff_ids,
                        wave_id=wave_id)
    frame["contact"] = [bool(counts.get(h, (0, 0, 0, 0, False))[4])
                        for h in frame["household_id"]]
    frame["trusted"] = [marks.get(h) == "yes" for h in frame["household_id"]]
    return frame


def suppressed(frame: pd.DataFrame, *, by: str, measure: str, min_n: int) -> pd.DataFrame:
    """The one place this module publishes a share: the equity view's suppression.

    Missing group values become their own group (``"__none__"``), as in the equity view.
    Returns ``relationships.equity_breakdown``'s table (last row: the total).
    """
    data = frame[[by, measure]].copy()
    data[by] = data[by].astype(object).where(data[by].notna(), "__none__")
    data[measure] = data[measure].astype("boolean")
    return equity_breakdown(data, by=[by], measure=measure, min_n=min_n)


def link_totals(tables: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Tables of one measure over the same students share their total row: where one table
    had to hide its total (to protect its own small cells), every table hides it, or the
    total shown beside would undo that table's suppression. (Small and local until the
    equity module suppresses tables published together.)"""
    last = [t.iloc[-1] for t in tables]
    hide_n = any(pd.isna(r["n"]) for r in last)
    hide_count = any(pd.isna(r["count"]) and r["rate_code"] is None for r in last)
    out = []
    for t in tables:
        t = t.copy()
        i = t.index[-1]
        if hide_n and not pd.isna(t.at[i, "n"]):
            t.at[i, "n"] = pd.NA
            t.at[i, "suppressed"] = t.at[i, "suppressed"] or "complementary"
        if hide_count and not pd.isna(t.at[i, "count"]):
            t.at[i, "count"], t.at[i, "rate"], t.at[i, "rate_code"] = pd.NA, pd.NA, None
            t.at[i, "suppressed"] = "complementary"
        out.append(t)
    return out


def class_shares(frame: pd.DataFrame, *, min_n: int) -> dict[str, dict[str, pd.DataFrame]]:
    """measure → grouping (``"all"``, then each of :data:`GROUPS`) → suppressed table; the
    ``"all"`` table is the one total row the group tables share."""
    out = {}
    for m in MEASURES:
        tables = link_totals([suppressed(frame, by=by, measure=m, min_n=min_n) for by in GROUPS])
        whole = tables[0].iloc[[-1]].drop(columns=[GROUPS[0]]).assign(all="total")
        out[m] = {"all": whole, **dict(zip(GROUPS, tables, strict=True))}
    return out


def reading(shares: dict[str, dict[str, pd.DataFrame]], *, gap: float = 0.10
            ) -> tuple[str, str, object] | None:
    """The shown group furthest below the class overall (by at least ``gap``), as
    (measure, grouping, group value); None when no shown group lags."""
    worst = None
    for measure, tables in shares.items():
        for by in GROUPS:
            table = tables[by]
            overall = table.iloc[-1]["rate"]
            if pd.isna(overall):
                continue
            for row in table.iloc[:-1].to_dict("records"):
                if pd.isna(row["rate"]) or row[by] == "__none__":
                    continue
                lag = float(overall) - float(row["rate"])
                if lag >= gap and (worst is None or lag > worst[0]):
                    worst = (lag, measure, by, row[by])
    return None if worst is None else worst[1:]
