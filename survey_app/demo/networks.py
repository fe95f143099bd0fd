"""Adult entries of the survey's repeating block → Answer, Adult and SupportTie rows, and
staff relationship-mapping marks. Everything is vectorised except the JSON of each entry."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey_app.demo import catalog as C
from survey_app.demo.shared import maybe, pick

RELATIONS = np.asarray(C.RELATIONS, dtype=object)
REL = {name: i for i, name in enumerate(C.RELATIONS)}
_LIVES_P = np.array([C.LIVES_WITH_P.get(r, 0.0) for r in C.RELATIONS])
_STAFF_REL = np.array([r in C.STAFF_RELATIONS for r in C.RELATIONS])
_SUPPORT_LISTS = [[s for b, s in enumerate(C.SUPPORTS) if mask >> b & 1] for mask in range(64)]
_PARENT_NICK = np.array([r in C.NICKNAMES for r in C.RELATIONS])


@dataclass
class Entries:
    """One row per adult entry of one response (student or family survey)."""

    response_id: np.ndarray
    entry: np.ndarray
    student: np.ndarray  # student index (student survey) or -1 (family survey)
    household: np.ndarray  # household index of the respondent
    school: np.ndarray  # school whose staff list the respondent picks from
    relation: np.ndarray  # index into RELATIONS
    language: np.ndarray
    reported_on: np.ndarray  # datetime64[D]


def entry_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-response ``counts``: the owning response index and the entry number of each."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def draw_relations(rng, entry: np.ndarray, first_p, other_p) -> np.ndarray:
    rel = pick(rng, other_p, len(entry))
    first = entry == 0
    rel[first] = pick(rng, first_p, int(first.sum()))
    return rel


def pick_staff(rng, e: Entries, roster, teacher_of) -> np.ndarray:
    """The staff index each staff entry names (-1 for everyone else); no one named twice."""
    staff = np.full(len(e.relation), -1)
    title = roster.staff_title
    pools = {"counselor": roster.staff_kind == "counselor",
             "coach": (roster.staff_kind == "other") & (title == "Coach"),
             "school_staff": (roster.staff_kind == "other") & (title != "Coach"),
             "teacher": roster.staff_kind == "teacher"}
    for relation, pool_mask in pools.items():
        for s in (0, 1):
            where = np.flatnonzero((e.relation == REL[relation]) & (e.school == s))
            pool = np.flatnonzero(pool_mask & (roster.staff_school == s))
            if len(where) and len(pool):
                staff[where] = pool[rng.integers(len(pool), size=len(where))]
    # Students mostly name their own teachers.
    own = np.flatnonzero((e.relation == REL["teacher"]) & (e.student >= 0))
    start, count = teacher_of
    has = own[count[e.student[own]] > 0]
    stu = e.student[has]
    staff[has] = roster.pair_staff[start[stu] + (rng.random(len(has)) * count[stu]).astype(int)]
    key = e.response_id.astype(np.int64) * (len(roster.staff_kind) + 1) + staff
    dup = np.ones(len(key), bool)
    dup[np.unique(key, return_index=True)[1]] = False
    named = staff >= 0
    # A second mention of the same person, or no staff to pick, becomes a mentor outside school.
    redo = (dup & named) | (_STAFF_REL[e.relation] & ~named)
    e.relation[redo] = REL["mentor"]
    staff[redo] = -1
    return staff


def draw_details(rng, rel: np.ndarray) -> dict:
    """Per entry of relation ``rel``: supports, lives with, frequency, reliability and the
    name typed in the survey's box (drawn once; a survey wave may reuse them)."""
    n = len(rel)
    supports = rng.random((n, 6)) < C.SUPPORT_P[rel]
    none = ~supports.any(axis=1)
    supports[none, np.argmax(C.SUPPORT_P[rel[none]], axis=1)] = True
    lives = rng.random(n) < _LIVES_P[rel]
    freq = np.where(lives, pick(rng, C.HOME_FREQ_P, n), pick(rng, C.OTHER_FREQ_P, n))
    reliability = 4 - np.where(rel == REL["parent_guardian"],
                               pick(rng, C.PARENT_RELIABILITY_P, n),
                               pick(rng, C.OTHER_RELIABILITY_P, n))
    names = np.asarray(C.GIVEN_NAMES, dtype=object)[rng.integers(len(C.GIVEN_NAMES), size=n)]
    nick = _PARENT_NICK[rel] & (rng.random(n) < 0.7)
    for relation, options in C.NICKNAMES.items():
        where = np.flatnonzero(nick & (rel == REL[relation]))
        names[where] = np.asarray(options, dtype=object)[rng.integers(len(options),
                                                                      size=len(where))]
    return {"supports": supports, "lives": lives, "freq": freq, "reliability": reliability,
            "names": names}


def drift(rng, reliability: np.ndarray, p: float) -> np.ndarray:
    """The same adults a wave later: a share ``p`` each way are a step more or less sure."""
    u = rng.random(len(reliability))
    return np.clip(reliability - (u < p) + (u > 1 - p), 1, 4)


def entry_rows(rng, e: Entries, staff: np.ndarray, staff_adult: np.ndarray,
               next_adult_id: int, *, strong: np.ndarray | None = None,
               details: dict | None = None) -> dict:
    """Details of each entry, its Adult (new unless staff) and its answer JSON.

    ``details``: per-entry draws of :func:`draw_details` to use (drawn here when None).
    """
    n = len(e.relation)
    rel = e.relation
    if details is None:
        details = draw_details(rng, rel)
    supports, lives, freq = details["supports"], details["lives"], details["freq"]
    reliability = details["reliability"].copy()
    names = details["names"].copy()
    if strong is not None:
        reliability[strong] = 4
    is_staff = staff >= 0
    relative = rel < 5
    setting = np.where(lives, "home", np.where(
        relative, "family_elsewhere", np.where(is_staff, "school", "community"))).astype(object)
    names[is_staff] = None
    adult_id = np.zeros(n, dtype=np.int64)
    adult_id[is_staff] = staff_adult[staff[is_staff]]
    new = np.flatnonzero(~is_staff)
    adult_id[new] = np.arange(next_adult_id, next_adult_id + len(new))
    adults = pd.DataFrame({
        "id": adult_id[new], "district_id": 1,
        "kind": np.where(relative[new], "family", "community").astype(object),
        "role": RELATIONS[rel[new]], "display_name": names[new],
        "household_id": maybe(e.household[new] + 1, relative[new])})
    return {"supports": supports, "lives": lives, "freq": freq, "reliability": reliability,
            "setting": setting, "names": names, "adult_id": adult_id, "adults": adults,
            "staff": staff}


def entry_json(d: dict, relation: np.ndarray, children: list | None = None) -> list[str]:
    """The ``adults`` answer of each entry (ITEMS.md), as JSON text."""
    masks = d["supports"] @ (1 << np.arange(6))
    rows = zip(d["names"].tolist(), d["staff"].tolist(), RELATIONS[relation].tolist(),
               masks.tolist(), np.asarray(C.FREQUENCIES)[d["freq"]].tolist(),
               d["reliability"].tolist(), d["lives"].tolist(), strict=True)
    out = []
    for i, (name, staff, rel, mask, freq, reliability, lives) in enumerate(rows):
        value = {"name": name, "staff_id": staff + 1 if staff >= 0 else None, "relation": rel,
                 "support": _SUPPORT_LISTS[mask], "frequency": freq,
                 "reliability": reliability, "lives_with": lives}
        if children is not None:
            value["children"] = children[i]
        out.append(json.dumps(value))
    return out


def tie_frame(d: dict, student: np.ndarray, rows: np.ndarray, e: Entries, wave_id: int,
              source: str) -> pd.DataFrame:
    """SupportTie rows: ``rows`` indexes the entries, ``student`` the students tied."""
    sup = d["supports"][rows]
    frame = {"student_id": student + 1, "adult_id": d["adult_id"][rows], "wave_id": wave_id,
             "source": source, "response_id": e.response_id[rows], "entry": e.entry[rows]}
    frame |= {name: sup[:, b] for b, name in enumerate(C.SUPPORTS)}
    frame |= {"frequency": np.asarray(C.FREQUENCIES, dtype=object)[d["freq"][rows]],
              "reliability": d["reliability"][rows], "setting": d["setting"][rows],
              "lives_with": d["lives"][rows], "reported_on": e.reported_on[rows].tolist()}
    return pd.DataFrame(frame)


def staff_marks(rng, roster, wave_id: int, maps: np.ndarray, named_keys: np.ndarray,
                anchor_keys: np.ndarray, *, excluded: np.ndarray,
                isolated: np.ndarray) -> pd.DataFrame:
    """Staff ✓ ◐ ★ for the students they teach and the students who count on them.

    ``maps``: per staff row, whether they did the mapping this wave. ``anchor_keys``: the
    (student, staff) pairs of a real school tie (student * (staff + 1) + staff, as
    ``named_keys``); the staff member ✓s most of them. Other ✓s are rare (they are the
    perception gaps); elementary teachers mark ◐ for most students they do not ✓.
    """
    k = len(roster.staff_kind) + 1
    pairs = np.unique(np.concatenate([roster.pair_student * k + roster.pair_staff,
                                      anchor_keys]))
    student, staff = np.divmod(pairs, k)
    keep = maps[staff] & ~excluded[student]
    pairs, student, staff = pairs[keep], student[keep], staff[keep]
    anchor = np.isin(pairs, anchor_keys)
    named = np.isin(pairs, named_keys)
    lonely = isolated[student]
    elementary = roster.school[student] == 0
    p_trust = np.where(anchor, np.where(elementary, 0.89, 0.95),
                       np.where(named, 0.3, np.where(elementary, 0.5, 0.03)))
    trusting = (rng.random(len(student)) < p_trust) & ~lonely
    may_benefit = rng.random(len(student)) < np.where(
        trusting, 0.02, np.where(lonely, 0.8, np.where(elementary, 0.85, 0.12)))
    mentor = rng.random(len(student)) < np.where(may_benefit, 0.3, 0.03)
    any_mark = trusting | may_benefit | mentor
    return pd.DataFrame({"staff_id": staff[any_mark] + 1, "student_id": student[any_mark] + 1,
                         "wave_id": wave_id, "trusting": trusting[any_mark],
                         "may_benefit": may_benefit[any_mark],
                         "willing_mentor": mentor[any_mark]})
