"""Mentor ranking and adult reconciliation."""

import pytest

from relationships.input_tables import (
    AdultRecord,
    StaffMarkRecord,
    StudentRecord,
    TeachingRecord,
    TieRecord,
    to_frames,
)
from relationships.mentors import suggest_mentors
from relationships.reconcile import apply_merges, propose_merges


def staff(i, langs=("en",)):
    return AdultRecord(i, "staff", "teacher", staff_id=i * 10, languages=langs)


def test_mentor_ranking_reasons_and_exclusions():
    students = [StudentRecord(1, 10, 9, language="es", responded_student=True)] + [
        StudentRecord(s, 10, 9, responded_student=True) for s in range(2, 14)]
    adults = [staff(1), staff(2, ("es",)), staff(3), staff(4), staff(5, ("es",))]
    ties = [TieRecord(1, 1, 3, "student_survey", 1, reliability=2, setting="school"),
            TieRecord(2, 1, 4, "student_survey", 1, reliability=4, setting="school")]
    ties += [TieRecord(10 + s, s, 5, "student_survey", 1, reliability=4, setting="school")
             for s in range(2, 14)]  # staff 5 is the sole anchor of 12 students
    t = to_frames(students, adults, ties,
                  staff_marks=[StaffMarkRecord(10, 1, 1, willing_mentor=True),
                               StaffMarkRecord(50, 1, 1, willing_mentor=True)],
                  teaching=[TeachingRecord(20, 1)])
    got = suggest_mentors(t, 1)
    order = [s["adult_id"] for s in got]
    assert 4 not in order  # already a reliable adult
    assert order == [1, 2, 5, 3]  # 5 ties with 2 on score, but carries a heavy load
    reasons = {s["adult_id"]: {r["code"]: r["params"] for r in s["reasons"]} for s in got}
    assert reasons[3] == {"weak_tie": {"reliability": 2}}
    assert reasons[2] == {"shares_language": {"languages": ["es"]}, "teaches_student": {}}
    assert reasons[5]["anchor_load"] == {"students": 12, "minimum": 10}
    with pytest.raises(ValueError, match="unknown student"):
        suggest_mentors(t, 99)


def test_mentor_loads_given_by_the_caller_replace_those_counted_in_the_tables():
    # The student's neighbourhood alone: staff 20 carries nobody here, 12 school-wide.
    t = to_frames([StudentRecord(1, 10, 9)], [staff(1), staff(2)], [],
                  staff_marks=[StaffMarkRecord(10, 1, 1, willing_mentor=True),
                               StaffMarkRecord(20, 1, 1, willing_mentor=True)])
    assert [s["staff_id"] for s in suggest_mentors(t, 1)] == [10, 20]
    got = suggest_mentors(t, 1, loads={20: 12, 10: 3})
    assert [(s["staff_id"], s["score"]) for s in got] == [(10, 4), (20, 1)]
    assert got[1]["reasons"][-1] == {"code": "anchor_load",
                                     "params": {"students": 12, "minimum": 10}}
    # Equal scores: the lighter school-wide load first.
    assert [s["staff_id"] for s in suggest_mentors(t, 1, loads={10: 5, 20: 1})] == [20, 10]


def family(i, role, name, household=5):
    return AdultRecord(i, "family", role, household_id=household, name=name)


def test_propose_merges_needs_similar_name_and_compatible_role():
    adults = [family(1, "grandparent", "Rosa Díaz"), family(2, "other_relative", "rosa  diaz"),
              family(3, "coach", "Rosa Diaz"), family(4, "grandparent", "Maria Lopez")]
    ties = [TieRecord(1, 1, 2, "student_survey", 1), TieRecord(2, 1, 3, "student_survey", 1),
            TieRecord(3, 1, 1, "family_survey", 1), TieRecord(4, 1, 4, "family_survey", 1)]
    t = to_frames([StudentRecord(1, 10, 4, household_id=5)], adults, ties)
    proposals = propose_merges(t)
    assert [(p["keep"], p["merge"]) for p in proposals] == [(1, 2)]
    assert proposals[0]["same_household"] is True
    assert proposals[0]["score"] >= 85
    assert len(t.adults) == 4  # nothing merged silently


def test_apply_merges_only_confirmed_and_checks():
    adults = [family(1, "grandparent", "A"), family(2, "grandparent", "A"), staff(9)]
    ties = [TieRecord(1, 1, 2, "student_survey", 1), TieRecord(2, 1, 1, "family_survey", 1)]
    t = to_frames([StudentRecord(1, 10, 4)], adults, ties)
    merged = apply_merges(t, [(1, 2)])
    assert merged.ties["adult_id"].tolist() == [1, 1]
    assert t.ties["adult_id"].tolist() == [2, 1]
    with pytest.raises(ValueError, match="staff"):
        apply_merges(t, [(1, 9)])
    with pytest.raises(ValueError, match="unknown adult 77"):
        apply_merges(t, [(1, 77)])
