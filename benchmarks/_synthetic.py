"""Demo-like synthetic district for the benchmarks (vectorised, seeded).

Per student and wave, about 2.2 student-survey ties, 1.1 family-survey ties
and 0.5 staff ✓ marks (half of them on a staff member the student named);
two waves, so about 7 ties a student in all. School 0 has 3,000 students.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships.input_tables import COLUMNS, ROLES, SUPPORT_TYPES, Tables

__all__ = ["make_district"]

_COMMUNITY, _STAFF = 300, 150
_RELATIVE_ROLES = ["grandparent", "aunt_uncle", "sibling_adult", "other_relative"]
_COMMUNITY_ROLES = ["family_friend", "neighbour", "coach", "mentor", "faith_leader", "employer"]
_STAFF_ROLES = ["teacher", "counselor", "school_staff", "coach"]


def _typed(name, data):
    spec = COLUMNS[name]
    return pd.DataFrame({c: pd.Series(data[c]).astype(spec[c] if spec[c] != "object" else object)
                         for c in spec})


def _students(rng, n):
    school = np.minimum(np.maximum(np.arange(n) - 3000, 0) // 2500 + (np.arange(n) >= 3000), 10**6)
    household = np.arange(n) * 2 // 3
    race = np.array(COLUMNS["students"]["race_ethnicity"].categories)
    data = {
        "student_id": np.arange(n) + 1, "school_id": school, "grade": rng.integers(0, 13, n),
        "household_id": household, "language": rng.choice(["en", "es", "vi", "ar"], n,
                                                          p=[.6, .3, .05, .05]),
        "race_ethnicity": rng.choice(race, n), "gender": rng.choice(["f", "m", "x"], n),
        "english_learner": rng.random(n) < .2, "econ_disadvantaged": rng.random(n) < .4,
        "disability": rng.random(n) < .12, "responded_student": rng.random(n) < .85,
        "responded_family": rng.random(n) < .6,
    }
    return _typed("students", data)


def _adults(rng, n_households, n_schools):
    parents = 2 * n_households
    relatives = 3 * n_households
    community = _COMMUNITY * n_schools
    staff = _STAFF * n_schools
    total = parents + relatives + community + staff
    kind = np.repeat(["family", "family", "community", "staff"],
                     [parents, relatives, community, staff])
    role = np.concatenate([
        np.repeat("parent_guardian", parents), rng.choice(_RELATIVE_ROLES, relatives),
        rng.choice(_COMMUNITY_ROLES, community), rng.choice(_STAFF_ROLES, staff)])
    staff_id = np.full(total, np.nan)
    staff_id[-staff:] = np.arange(staff) + 1
    household = np.full(total, np.nan)
    household[:parents] = np.arange(parents) // 2
    household[parents:parents + relatives] = np.arange(relatives) // 3
    options = [("en",), ("en", "es"), ("es",), ("en", "vi")]
    languages = [("en",)] * (total - staff) + [options[i] for i in rng.integers(0, 4, staff)]
    assert set(role) <= set(ROLES)
    data = {"adult_id": np.arange(total) + 1, "kind": kind, "role": role, "staff_id": staff_id,
            "household_id": household, "name": [f"Adult {i}" for i in range(total)],
            "languages": languages}
    return _typed("adults", data), (parents, relatives, community, staff)


def _pick_adults(rng, s_idx, students, sizes):
    parents, relatives, community, _staff = sizes
    school = students["school_id"].to_numpy()[s_idx]
    hh = students["household_id"].to_numpy(dtype=np.int64)[s_idx]
    kind = rng.choice(4, len(s_idx), p=[.3, .25, .2, .25])
    offsets = [0, parents, parents + relatives, parents + relatives + community]
    local = [hh * 2 + rng.integers(0, 2, len(s_idx)), hh * 3 + rng.integers(0, 3, len(s_idx)),
             school * _COMMUNITY + rng.integers(0, _COMMUNITY, len(s_idx)),
             school * _STAFF + rng.integers(0, _STAFF, len(s_idx))]
    adult = np.choose(kind, [o + loc for o, loc in zip(offsets, local, strict=True)]) + 1
    setting = np.choose(kind, [np.zeros(len(s_idx), int), np.ones(len(s_idx), int),
                               np.full(len(s_idx), 3), np.full(len(s_idx), 2)])
    return adult, kind, setting


def _ties(rng, students, sizes, waves):
    n = len(students)
    parts = []
    for wave in range(1, waves + 1):
        for source, mean, col in (("student_survey", 2.2, "responded_student"),
                                  ("family_survey", 1.1, "responded_family")):
            k = rng.poisson(mean / .72, n) * students[col].to_numpy()
            s_idx = np.repeat(np.arange(n), k)
            adult, kind, setting = _pick_adults(rng, s_idx, students, sizes)
            parts.append(pd.DataFrame({"s": s_idx, "adult_id": adult, "kind": kind,
                                       "setting": setting, "source": source, "wave": wave}))
    t = pd.concat(parts, ignore_index=True)
    t = t.drop_duplicates(["s", "adult_id", "source", "wave"], ignore_index=True)
    m = len(t)
    rel = rng.choice([1, 2, 3, 4, -1], m, p=[.08, .17, .35, .35, .05]).astype(float)
    rel[rel < 0] = np.nan
    data = {"tie_id": np.arange(m) + 1, "student_id": students["student_id"].to_numpy()[t["s"]],
            "adult_id": t["adult_id"], "source": t["source"], "wave": t["wave"],
            **{k: rng.random(m) < p for k, p in zip(SUPPORT_TYPES, (.5, .4, .4, .4, .25, .3),
                                                     strict=True)},
            "frequency": rng.choice(["daily", "weekly", "monthly", "less"], m),
            "reliability": pd.array(rel, dtype="Float64").astype("Int64"),
            "setting": np.array(["home", "family_elsewhere", "school", "community"])[t["setting"]],
            "lives_with": t["kind"].to_numpy() == 0}
    return _typed("ties", data), t


def _marks(rng, students, ties_raw, sizes, waves):
    staff_offset = sum(sizes[:3])
    n = len(students)
    parts = []
    for wave in range(1, waves + 1):
        named = ties_raw.loc[(ties_raw["kind"] == 3) & (ties_raw["wave"] == wave)
                             & (ties_raw["source"] == "student_survey")].sample(
            frac=.5, random_state=wave)
        k = rng.poisson(.5, n)
        s_rand = np.repeat(np.arange(n), k)
        school = students["school_id"].to_numpy()[s_rand]
        staff_rand = school * _STAFF + rng.integers(0, _STAFF, len(s_rand))
        s_idx = np.concatenate([named["s"].to_numpy(), s_rand])
        staff = np.concatenate([named["adult_id"].to_numpy() - 1 - staff_offset, staff_rand])
        parts.append(pd.DataFrame({"s": s_idx, "staff": staff, "wave": wave}))
    m = pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)
    size = len(m)
    data = {"staff_id": m["staff"].to_numpy() + 1,
            "student_id": students["student_id"].to_numpy()[m["s"]], "wave": m["wave"],
            "trusting": rng.random(size) < .7, "may_benefit": rng.random(size) < .2,
            "willing_mentor": rng.random(size) < .1}
    return _typed("staff_marks", data)


def make_district(n_students, *, waves=2, seed=0):
    """Return synthetic :class:`~relationships.input_tables.Tables` for ``n_students``."""
    rng = np.random.default_rng(seed)
    students = _students(rng, n_students)
    n_schools = int(students["school_id"].max()) + 1
    n_households = int(students["household_id"].max()) + 1
    adults, sizes = _adults(rng, n_households, n_schools)
    ties, raw = _ties(rng, students, sizes, waves)
    marks = _marks(rng, students, raw, sizes, waves)
    responded = students.loc[students["responded_student"] | students["responded_family"],
                             "student_id"].to_numpy()
    cond = pd.concat([pd.DataFrame({"student_id": responded, "wave": w}) for w in
                      range(1, waves + 1)], ignore_index=True)
    k = len(cond)
    cond = cond.assign(
        internet=rng.choice(["works_well", "unreliable", "phone_only", "none"], k,
                            p=[.75, .12, .08, .05]),
        device_own=rng.random(k) < .6, device_shared=rng.random(k) < .3,
        device_phone=rng.random(k) < .8, device_none=rng.random(k) < .03,
        quiet_place=rng.choice(["always", "sometimes", "no"], k),
        adult_home=rng.choice(["yes", "sometimes", "no"], k))
    staff = adults.loc[adults["kind"] == "staff"]
    teach = pd.DataFrame({"student_id": np.repeat(students["student_id"].to_numpy(), 3)})
    school = np.repeat(students["school_id"].to_numpy(), 3)
    teach["staff_id"] = school * _STAFF + rng.integers(0, _STAFF, len(teach)) + 1
    assert teach["staff_id"].isin(staff["staff_id"]).all()
    return Tables(students, adults, ties, marks, _typed("conditions", cond),
                  _typed("teaching", teach.drop_duplicates()))
