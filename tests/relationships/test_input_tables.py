"""Bad input: a clear ValueError naming the record, or counted skips."""

import pandas as pd
import pytest

from relationships.flags import evaluate
from relationships.input_tables import (
    AdultRecord,
    StaffMarkRecord,
    StudentRecord,
    TieRecord,
    to_frames,
)
from relationships.metrics import school_measures, student_measures
from relationships.validation import validate_tables

STUDENTS = [StudentRecord(1, 10, 4, responded_student=True)]
ADULTS = [AdultRecord(7, "family", "grandparent"), AdultRecord(8, "staff", "teacher", staff_id=80)]


@pytest.mark.parametrize(("tie", "reason"), [
    (TieRecord(5, 99, 7, "student_survey", 1), "unknown_student"),
    (TieRecord(5, 1, 99, "student_survey", 1), "unknown_adult"),
    (TieRecord(5, 1, 7, "student_survey", 1, reliability=5), "reliability_out_of_range"),
    (TieRecord(5, 1, 7, "student_survey", 1, reliability=0), "reliability_out_of_range"),
    (TieRecord(1, 1, 8, "student_survey", 1), "duplicate_tie_id"),
    (TieRecord(5, 1, 7, "student_survey", 1), "duplicate_tie"),
    (TieRecord(5, 1, 8, "staff_mark", 1), "staff_mark_tie"),
])
def test_bad_tie_raises_naming_it_or_is_skipped(tie, reason):
    t = to_frames(STUDENTS, ADULTS, [TieRecord(1, 1, 7, "student_survey", 1, reliability=4), tie])
    with pytest.raises(ValueError, match=rf"ties: tie_id {tie.tie_id} is invalid \({reason}\)"):
        validate_tables(t)
    clean, skips = validate_tables(t, errors="skip")
    assert skips == {f"ties.{reason}": 1}
    assert len(clean.ties) == 1
    assert len(t.ties) == 2  # input untouched


def test_skips_come_back_with_the_evaluation():
    t = to_frames(STUDENTS, ADULTS, [TieRecord(1, 1, 7, "student_survey", 1, reliability=4),
                                     TieRecord(2, 99, 7, "student_survey", 1, reliability=4)])
    ev = evaluate(t, errors="skip")
    assert ev.skips == {"ties.unknown_student": 1}
    assert "single_anchor" in {f.code for f in ev.flags}


def test_unknown_staff_mark():
    t = to_frames(STUDENTS, ADULTS, staff_marks=[StaffMarkRecord(81, 1, 1, trusting=True)])
    with pytest.raises(ValueError, match="unknown_staff"):
        validate_tables(t)


def test_duplicate_student_always_raises():
    t = to_frames([*STUDENTS, *STUDENTS], ADULTS)
    with pytest.raises(ValueError, match="student_id 1 appears more than once"):
        validate_tables(t, errors="skip")


def test_missing_column_raises():
    t = to_frames(STUDENTS, ADULTS)
    with pytest.raises(ValueError, match="missing columns"):
        validate_tables(t.replace(ties=t.ties.drop(columns="wave")))


def test_empty_school_and_empty_district():
    t = to_frames([], ADULTS)
    assert evaluate(t).flags == []
    m = student_measures(t)
    assert len(m) == 0
    assert len(school_measures(m)) == 0


def test_frames_have_documented_dtypes():
    t = to_frames(STUDENTS, ADULTS, [TieRecord(1, 1, 7, "student_survey", 1)])
    assert str(t.ties["reliability"].dtype) == "Int64"
    assert pd.isna(t.ties.loc[0, "reliability"])
    assert isinstance(t.adults.loc[0, "languages"], tuple)
