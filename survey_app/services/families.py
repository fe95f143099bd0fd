"""How a teacher is doing with their students' families (Flamboyan's classroom measures).

Per family: this school year's contacts by the teacher, of which kind (two-way,
positive news, concern), the last one, and the teacher's own answer to "Do I
have a trusting relationship with this family?" (``FamilyTrustMark``, per
teacher and wave). Per class (and over all my classes): the share of families
with at least one two-way positive contact with the teacher, and the share the
teacher trusts, overall and by group. The unit is the family (the household):
two sisters in one class are one family (:func:`per_family` says in which group
a family with children in different groups is counted).

Every table of one page is suppressed together by the equity view's rules
(:func:`relationships.suppress_published`, via :func:`published`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, case
from sqlmodel import Session, func, select

from relationships.equity import ALL, suppress_published
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


#: The group of a family whose children in the table are in different groups of a breakdown.
SEVERAL = "__several__"


def per_family(students: pd.DataFrame, groupings: Iterable[str]) -> pd.DataFrame:
    """One row per household (``household_id``) from one row per student: each table
    counts families, never children, so two brothers in one class are one family.

    A family's group in each breakdown is what its children there (the class, my
    classes, the school) have in common, unknown values set aside. Children in
    different groups: for ``english_learner`` the family is a family of an English
    learner (one is enough: what matters is whether the family may need help in
    another language); for any other breakdown (race/ethnicity, gender, grade) it is
    counted in a group of its own, :data:`SEVERAL` ("children in more than one
    group"). Each family is so counted in exactly one group of every breakdown, and
    the groups add up to the families of the table, as the suppression expects.
    """
    households = pd.Index(pd.unique(students["household_id"]), name="household_id")
    out = pd.DataFrame(index=households)
    for by in groupings:
        known = students[["household_id", by]].dropna().drop_duplicates()
        values = known.groupby("household_id")[by]
        kinds = values.nunique()
        first = values.first()
        if by == "english_learner":
            several: object = True
        else:
            several = SEVERAL
        column = first.astype(object).where(kinds <= 1, several)
        out[by] = column.reindex(households).astype(object)
        out[by] = out[by].where(out[by].notna(), None)
    return out.reset_index()


def share_frame(*, session: Session, student_ids: list[int], staff_ids: Iterable[int],
                wave_id: int | None, since: date) -> pd.DataFrame:
    """One row per family of ``student_ids`` (see :func:`per_family`): its groups and
    the two yes/no measures.

    ``contact``: the family had a two-way contact with good news from ``staff_ids`` since
    ``since``; ``trusted``: one of ``staff_ids`` marked "yes" for the family this wave.
    """
    staff_ids = list(staff_ids)
    rows = session.exec(select(Student.id, Student.household_id, *(getattr(Student, g)
                                                                   for g in GROUPS)).where(
        Student.id.in_(student_ids), Student.household_id.is_not(None))).all()
    frame = per_family(pd.DataFrame(rows, columns=["student_id", "household_id", *GROUPS]),
                       GROUPS)
    ids = [int(h) for h in frame["household_id"]]
    counts = _contact_counts(session, ids, staff_ids, since) if ids else {}
    marks = trust_marks(session=session, household_ids=ids, staff_ids=staff_ids,
                        wave_id=wave_id)
    frame["contact"] = [bool(counts.get(h, (0, 0, 0, 0, False))[4]) for h in ids]
    frame["trusted"] = [marks.get(h) == "yes" for h in ids]
    return frame


def published(frame: pd.DataFrame, *, groupings: Iterable[str], min_n: int) -> dict:
    """Every share of one page (both measures by each of ``groupings``) suppressed together
    by the equity view's rules (:func:`relationships.suppress_published`): ``(measure,
    grouping) →`` its table (the total last, the same in every grouping). The tables are
    shared by every call on the same rows: read them, never change them."""
    groupings = tuple(groupings)
    rows = tuple(frame[[*groupings, *MEASURES]].astype(object)
                 .where(frame[[*groupings, *MEASURES]].notna(), None)
                 .itertuples(index=False, name=None))
    # repr keeps apart what == does not (True and 1 in one column).
    return _decided(repr(rows), rows, groupings, min_n)


@functools.lru_cache(maxsize=128)
def _decided(_text: str, rows: tuple, groupings: tuple, min_n: int) -> dict:
    """:func:`published` for rows as tuples, kept by what they hold: a class's linear
    programmes take a few hundred milliseconds, and most writes that move a page's cache
    (a survey saved elsewhere) leave its families as they were."""
    data = pd.DataFrame(list(rows), columns=[*groupings, *MEASURES], dtype=object)
    for by in groupings:
        data[by] = data[by].where(data[by].notna(), "__none__")
    for m in MEASURES:
        data[m] = data[m].astype("boolean")
    tables = suppress_published(data, measures=MEASURES, groupings=list(groupings),
                                min_n=min_n)
    return {(m, by): tables[(m, by, ALL)] for m in MEASURES for by in groupings}


def shown(tables: dict, groupings: Iterable[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """measure → ``"all"`` (the total row) and each grouping with a share to show.

    Decided after the suppression, so it only publishes less: a grouping none of whose
    groups shows a share is left out, as is one with a single group (the whole again),
    and none is shown when the number of families is hidden (every group of fewer than
    ``min_n`` families is)."""
    groupings = list(groupings)
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for m in MEASURES:
        total = tables[(m, groupings[0])].iloc[-1:].rename(columns={groupings[0]: "all"})
        out[m] = {"all": total.reset_index(drop=True)}
        if pd.isna(total.iloc[0]["n"]):
            continue
        for by in groupings:
            table = tables[(m, by)]
            groups = table.iloc[:-1]
            if len(groups) > 1 and (groups["rate"].notna().any()
                                    or groups["rate_code"].notna().any()):
                out[m][by] = table
    return out


def class_shares(frame: pd.DataFrame, *, min_n: int) -> dict[str, dict[str, pd.DataFrame]]:
    """The shares of one teacher page (a class, or all my families): measure → ``"all"``,
    then each of :data:`GROUPS` shown (see :func:`published` and :func:`shown`)."""
    return shown(published(frame, groupings=GROUPS, min_n=min_n), GROUPS)


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
                if pd.isna(row["rate"]) or row[by] in ("__none__", SEVERAL):
                    continue
                lag = float(overall) - float(row["rate"])
                if lag >= gap and (worst is None or lag > worst[0]):
                    worst = (lag, measure, by, row[by])
    return None if worst is None else worst[1:]
