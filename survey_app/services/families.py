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

import numpy as np
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


def _pinned(values, lower, upper, rest) -> bool:
    """Whether the hidden cells of one column (bounds ``lower``/``upper``, summing to
    ``rest``) leave any of them a range narrower than one student."""
    for i in range(len(values)):
        others_low = sum(lower[:i] + lower[i + 1:])
        others_high = sum(upper[:i] + upper[i + 1:])
        low, high = max(lower[i], rest - others_high), min(upper[i], rest - others_low)
        if high - low < 1:
            return True
    return False


def table_safe(table: pd.DataFrame, min_n: int) -> bool:
    """Check one suppressed table against what its reader knows: the shown total, every
    shown cell, "fewer than min n" on small groups, the 5 %/95 % codes, and that every
    listed group has someone in it. Unsafe when the total is hidden (another table shows
    it), or a hidden size or count is pinned, or a hidden group must be all "yes" or all
    "no"."""
    cells, total = table.iloc[:-1], table.iloc[-1]
    if pd.isna(total["n"]) or (pd.isna(total["count"]) and total["rate_code"] is None):
        return False
    hidden_n = cells.loc[cells["n"].isna()]
    n_low = [1 if r == "small_n" else min_n for r in hidden_n["suppressed"]]
    n_high = [min_n - 1 if r == "small_n" else int(total["n"]) for r in hidden_n["suppressed"]]
    if len(hidden_n) and _pinned(list(hidden_n.index), n_low, n_high,
                                 int(total["n"]) - int(cells["n"].sum())):
        return False
    if pd.isna(total["count"]):
        return True  # a coded total: every group's count is only bounded, never shown
    hidden = cells.loc[cells["count"].isna()]
    if not len(hidden):
        return True
    sizes = [int(n) if not pd.isna(n) else (min_n - 1 if r == "small_n" else int(total["n"]))
             for n, r in zip(hidden["n"], hidden["suppressed"], strict=True)]
    low = [int(np.ceil(0.95 * s)) if c == "ge95" else 0 for s, c in zip(sizes, hidden["rate_code"], strict=True)]
    high = [int(np.floor(0.05 * s)) if c == "le5" else s for s, c in zip(sizes, hidden["rate_code"], strict=True)]
    rest = int(total["count"]) - int(cells["count"].sum())
    free = [i for i, c in enumerate(hidden["rate_code"]) if c is None]
    # The hidden sizes add up to what the total leaves, so the hidden counts can reach
    # at most the shown sizes plus that: at either end every hidden group is all one way.
    n_rest = int(total["n"]) - int(cells["n"].sum())
    reach = sum(int(n) for n in hidden["n"] if not pd.isna(n)) + n_rest
    if rest <= 0 or rest >= min(sum(high), reach):
        return False
    return not _pinned(free, [low[i] for i in free], [high[i] for i in free],
                       rest - sum(low[i] for i in range(len(low)) if i not in free))


def class_shares(frame: pd.DataFrame, *, min_n: int) -> dict[str, dict[str, pd.DataFrame]]:
    """measure → grouping (``"all"``, then each of :data:`GROUPS` that is safe to show) →
    suppressed table; ``"all"`` is the whole class's row.

    The group tables of one class are published together, so beyond each table's own
    suppression (small and local, until the equity module suppresses tables published
    together): with fewer than ``min_n`` families no grouping is shown at all; with a
    coded total (5 % or less, 95 % or more) none for that measure; and a grouping whose
    table fails :func:`table_safe` is left out whole (its groups are not even listed).
    """
    tables = {m: {by: suppressed(frame, by=by, measure=m, min_n=min_n) for by in GROUPS}
              for m in MEASURES}
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for m in MEASURES:
        whole = _whole(frame, m, min_n)
        out[m] = {"all": whole}
        if not pd.isna(whole.iloc[0]["count"]):  # a shown count: groups may follow
            out[m].update({by: tables[m][by] for by in GROUPS
                           if table_safe(tables[m][by], min_n)})
    return out


def _whole(frame: pd.DataFrame, measure: str, min_n: int, *, low: float = 0.05,
           high: float = 0.95) -> pd.DataFrame:
    """The whole class's row, by the rule the equity view applies to a total: nothing
    below ``min_n`` families, only "5 % or less" / "95 % or more" at the extremes."""
    n, count = len(frame), int(frame[measure].astype(bool).sum())
    rate = count / n if n else 0.0
    small, coded = n < min_n, n >= min_n and (rate <= low or rate >= high)
    row = {"all": "total", "n": pd.NA if small else n,
           "count": pd.NA if small or coded else count,
           "rate": pd.NA if small or coded else rate,
           "rate_code": ("le5" if rate <= low else "ge95") if coded else None,
           "suppressed": "small_n" if small else "coded" if coded else None}
    table = pd.DataFrame([row])
    table["n"], table["count"] = table["n"].astype("Int64"), table["count"].astype("Int64")
    table["rate"] = table["rate"].astype("Float64")
    return table


def reading(shares: dict[str, dict[str, pd.DataFrame]], *, gap: float = 0.10
            ) -> tuple[str, str, object] | None:
    """The shown group furthest below the class overall (by at least ``gap``), as
    (measure, grouping, group value); None when no shown group lags."""
    worst = None
    for measure, tables in shares.items():
        for by in GROUPS:
            if by not in tables:
                continue
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
