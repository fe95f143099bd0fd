"""Adult reconciliation: propose, never perform silently, merges of the same person.

A student and their family often name the same adult ("Grandma Rosa" and
"Rosa M."). :func:`propose_merges` scores candidate pairs with rapidfuzz; a
person confirms them; :func:`apply_merges` takes only the confirmed pairs.
"""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, utils

__all__ = ["COMPATIBLE_ROLES", "apply_merges", "propose_merges", "roles_compatible"]

_RELATIVES = {"grandparent", "aunt_uncle", "sibling_adult", "other_relative"}
_NEIGHBOURS = {"family_friend", "neighbour", "other"}
_GUIDES = {"coach", "mentor", "faith_leader", "employer", "other"}
#: Role pairs that may describe the same person (besides equal roles).
COMPATIBLE_ROLES = [_RELATIVES | {"other"}, _NEIGHBOURS, _GUIDES]


def roles_compatible(a, b):
    """Return True when two role codes could describe the same person.

    Examples
    --------
    >>> roles_compatible("grandparent", "other_relative"), roles_compatible("coach", "grandparent")
    (True, False)
    """
    return a == b or any(a in group and b in group for group in COMPATIBLE_ROLES)


def _named(tables):
    ties = tables.ties.loc[tables.ties["source"].isin(["student_survey", "family_survey"]),
                           ["student_id", "adult_id", "source"]]
    adults = tables.adults.loc[tables.adults["staff_id"].isna(),
                               ["adult_id", "role", "household_id", "name"]]
    return ties.merge(adults, on="adult_id")


def propose_merges(tables, *, threshold=85.0):
    """Return candidate (student-named, family-named) adult pairs that may be one person.

    A pair is proposed when the same student's survey and family survey name
    two different non-staff adults with compatible roles and a name score
    (``rapidfuzz.fuzz.token_sort_ratio`` after default processing) of at
    least ``threshold``. Nothing is merged here.

    Returns
    -------
    list of dict
        ``{"keep", "merge", "score", "student_id", "same_household", "roles"}``,
        highest score first; ``keep`` is the family-named adult.

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(students=[StudentRecord(1, 10, 4, household_id=5)],
    ...     adults=[AdultRecord(7, "family", "grandparent", household_id=5, name="Rosa Díaz"),
    ...             AdultRecord(8, "family", "other_relative", household_id=5, name="rosa diaz")],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1), TieRecord(2, 1, 7, "family_survey", 1)])
    >>> [(p["keep"], p["merge"], p["score"] >= 85) for p in propose_merges(t)]
    [(7, 8, True)]
    """
    named = _named(tables)
    left = named.loc[named["source"] == "student_survey"]
    right = named.loc[named["source"] == "family_survey"]
    pairs = left.merge(right, on="student_id", suffixes=("_s", "_f"))
    pairs = pairs.loc[pairs["adult_id_s"] != pairs["adult_id_f"]]
    out, seen = [], set()
    for row in pairs.itertuples(index=False):
        key = (row.adult_id_f, row.adult_id_s)
        if key in seen or not roles_compatible(row.role_s, row.role_f):
            continue
        score = fuzz.token_sort_ratio(str(row.name_s or ""), str(row.name_f or ""),
                                      processor=utils.default_process)
        if score < threshold:
            continue
        seen.add(key)
        same = (not pd.isna(row.household_id_s)) and row.household_id_s == row.household_id_f
        out.append({"keep": int(row.adult_id_f), "merge": int(row.adult_id_s),
                    "score": round(float(score), 1), "student_id": int(row.student_id),
                    "same_household": bool(same), "roles": [row.role_f, row.role_s]})
    return sorted(out, key=lambda p: (-p["score"], p["keep"], p["merge"]))


def apply_merges(tables, merges):
    """Return new tables where each confirmed ``(keep, merge)`` pair is one adult.

    Ties of ``merge`` move to ``keep``; the ``merge`` adult row is dropped.
    The input is not changed. Raises ``ValueError`` for unknown adults,
    staff adults, or a chain (an adult both kept and merged).

    Examples
    --------
    >>> from relationships.input_tables import StudentRecord, AdultRecord, TieRecord, to_frames
    >>> t = to_frames(students=[StudentRecord(1, 10, 4)],
    ...     adults=[AdultRecord(7, "family", "grandparent"), AdultRecord(8, "family", "grandparent")],
    ...     ties=[TieRecord(1, 1, 8, "student_survey", 1), TieRecord(2, 1, 7, "family_survey", 1)])
    >>> merged = apply_merges(t, [(7, 8)])
    >>> merged.ties["adult_id"].tolist(), merged.adults["adult_id"].tolist()
    ([7, 7], [7])
    """
    mapping = {int(m): int(k) for k, m in merges}
    adults = tables.adults.set_index("adult_id")
    for merge, keep in mapping.items():
        for adult in (merge, keep):
            if adult not in adults.index:
                raise ValueError(f"merge ({keep}, {merge}): unknown adult {adult}")
            if not pd.isna(adults.at[adult, "staff_id"]):
                raise ValueError(f"merge ({keep}, {merge}): adult {adult} is staff")
        if keep in mapping:
            raise ValueError(f"merge ({keep}, {merge}): adult {keep} is itself merged away")
    ties = tables.ties.assign(adult_id=tables.ties["adult_id"].replace(mapping))
    kept = tables.adults.loc[~tables.adults["adult_id"].isin(list(mapping))]
    return tables.replace(ties=ties, adults=kept.reset_index(drop=True))
