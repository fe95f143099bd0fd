"""Every flag rule at its boundary."""

import pandas as pd
import pytest

from relationships.flags import FlagRules, evaluate, evaluate_flags
from relationships.input_tables import StaffMarkRecord, StudentRecord, to_frames


def codes(flags, student_id=1):
    return {f.code for f in flags if f.student_id == student_id}


def flag(flags, code):
    return next(f for f in flags if f.code == code)


@pytest.mark.parametrize(("n", "fires"), [(2, True), (3, False)])
def test_few_reliable_adults_two_vs_three(make_tables, n, fires):
    t = make_tables([(100 + i, "student_survey", 4) for i in range(n)])
    flags = evaluate_flags(t)
    assert ("few_reliable_adults" in codes(flags)) is fires
    if fires:
        assert flag(flags, "few_reliable_adults").params == {"count": 2, "minimum": 3}


def test_parents_do_not_count_as_non_parent(make_tables):
    t = make_tables([(200, "student_survey", 4), (100, "student_survey", 4),
                     (101, "student_survey", 4)])
    assert flag(evaluate_flags(t), "few_reliable_adults").params["count"] == 2


@pytest.mark.parametrize(("rel", "reliable"), [(2, False), (3, True), (None, False)])
def test_reliability_two_vs_three(make_tables, rel, reliable):
    flags = evaluate_flags(make_tables([(100, "student_survey", rel)]))
    assert ("no_reliable_adult" in codes(flags)) is not reliable
    assert ("single_anchor" in codes(flags)) is reliable


def test_threshold_is_configurable(make_tables):
    t = make_tables([(100, "student_survey", 3)])
    assert "no_reliable_adult" in codes(evaluate_flags(t, FlagRules(min_reliability=4)))


def test_same_adult_in_two_sources_counts_once(make_tables):
    t = make_tables([(100, "student_survey", 4), (100, "family_survey", 4)], family=True)
    ev = evaluate(t)
    assert flag(ev.flags, "single_anchor").params["adult_id"] == 100
    assert ev.strengths.loc[0, "sources_agreeing"] == 1


def test_staff_only_mark_is_not_reliable(make_tables):
    t = make_tables([], marks=[(90, 1, 1, True)])
    flags = evaluate_flags(t)
    assert "no_reliable_adult" in codes(flags)
    gap = flag(flags, "perception_gap")
    assert gap.params == {"marked_not_named": [900], "named_not_marked": []}
    assert flag(flags, "no_school_adult").params["view"] == "student"


def test_staff_mark_meets_student_naming_makes_it_reliable(make_tables):
    t = make_tables([(900, "student_survey", 2)], marks=[(90, 1, 1, True)])
    flags = evaluate_flags(t)
    assert "no_reliable_adult" not in codes(flags)
    assert "no_school_adult" not in codes(flags)
    assert "perception_gap" not in codes(flags)


def test_named_staff_who_did_not_mark(make_tables):
    # staff 91 took part (marked someone else) but did not mark student 1
    t = make_tables([(901, "student_survey", 4)], marks=[(91, 2, 1, True)],
                    extra_students=[StudentRecord(2, 10, 4)])
    flags = evaluate_flags(t)
    assert flag(flags, "perception_gap").params["named_not_marked"] == [901]
    # The student named their teacher at reliability 4: a reliable school tie,
    # whatever the staff marks say (issue 13: 170 such students were flagged).
    assert "no_school_adult" not in codes(flags)


@pytest.mark.parametrize(("responded", "marks", "view"), [
    (True, [], ["student"]),  # no mapping in the school: the staff view is silent
    (True, [(91, 2, 1, True)], ["both"]),
    (False, [(91, 2, 1, True)], ["staff"]),
    (False, [(91, 1, 1, True)], []),
])
def test_no_school_adult_view(make_tables, responded, marks, view):
    t = make_tables([(100, "family_survey", 4)], responded=responded, family=True, marks=marks,
                    extra_students=[StudentRecord(2, 10, 4)])
    got = [f.params["view"] for f in evaluate_flags(t) if f.code == "no_school_adult"
           and f.student_id == 1]
    assert got == view


def test_narrow_web_and_support_gap(make_tables):
    t = make_tables([(100, "student_survey", 4, {"emotional": True}),
                     (900, "student_survey", 4, {"practical": True})])
    flags = evaluate_flags(t)
    assert "narrow_web" not in codes(flags)
    assert "support_gap" not in codes(flags)
    t = make_tables([(100, "student_survey", 4, {"emotional": True})])
    flags = evaluate_flags(t)
    assert flag(flags, "narrow_web").params == {"settings": ["family"], "count": 1, "minimum": 2}
    assert flag(flags, "support_gap").params == {"missing": ["practical"]}


@pytest.mark.parametrize(("grade", "fires"), [(8, False), (9, True), (12, True)])
def test_no_future_guide_only_grades_9_to_12(make_tables, grade, fires):
    t = make_tables([(100, "student_survey", 4)], grade=grade)
    assert ("no_future_guide" in codes(evaluate_flags(t))) is fires


def test_future_support_clears_no_future_guide(make_tables):
    t = make_tables([(100, "student_survey", 4, {"future": True})], grade=10)
    assert "no_future_guide" not in codes(evaluate_flags(t))


def test_lost_adults_across_waves(make_tables):
    ties = [(100, "student_survey", 4, {"wave": 1}), (101, "student_survey", 4, {"wave": 1}),
            (100, "student_survey", 4, {"wave": 2})]
    both = [StudentRecord(1, 10, 4, responded_student=True, previous_student=True)]

    def tables(ties, **kw):
        return make_tables(ties, **kw).replace(students=to_frames(students=both).students)

    flags = evaluate_flags(tables(ties))
    assert flag(flags, "lost_adults").params == {"count": 1, "previous": 2, "wave": 2,
                                                 "previous_wave": 1}
    same = [(100, "student_survey", 4, {"wave": 1}), (100, "student_survey", 4, {"wave": 2})]
    assert "lost_adults" not in codes(evaluate_flags(tables(same)))


def test_lost_adults_needs_the_same_sources_in_both_waves(make_tables):
    """Issue 13: 72 of 168 fired because a family answered the first wave and not the second."""
    ties = [(100, "family_survey", 4, {"wave": 1}), (101, "student_survey", 4, {"wave": 1}),
            (101, "student_survey", 4, {"wave": 2})]
    not_again = make_tables(ties, extra_students=[])
    students = to_frames(students=[StudentRecord(1, 10, 4, responded_student=True,
                                                 previous_student=True, previous_family=True)])
    t = not_again.replace(students=students.students)
    ev = evaluate(t)
    assert "lost_adults" not in codes(ev.flags)
    row = ev.measures.loc[0]
    assert (row["previous"], row["compared"], bool(row["both_waves"])) == (1, 1, True)
    # Nobody answered both waves: the change is missing, not a loss.
    students = to_frames(students=[StudentRecord(1, 10, 4, responded_student=True,
                                                 previous_family=True)])
    t = not_again.replace(students=students.students)
    ev = evaluate(t)
    assert "lost_adults" not in codes(ev.flags)
    assert pd.isna(ev.measures.loc[0, "change"])


def test_no_data_replaces_the_other_rules(make_tables):
    flags = evaluate_flags(make_tables([], responded=False))
    assert codes(flags) == {"no_data"}


def test_marks_alone_are_data(make_tables):
    t = make_tables([], responded=False, marks=[StaffMarkRecord(90, 1, 1, may_benefit=True)])
    assert "no_data" not in codes(evaluate_flags(t))


@pytest.mark.parametrize(("cond", "fires"), [
    ({"internet": "works_well", "device_own": True}, False),
    ({"internet": "none", "device_own": True}, True),
    ({"internet": "works_well", "device_phone": True}, True),
    ({}, False),
])
def test_access_barrier(make_tables, cond, fires):
    t = make_tables([(100, "student_survey", 4)], conditions=[cond])
    assert ("access_barrier" in codes(evaluate_flags(t))) is fires


def test_five_adults_off_by_default(make_tables):
    t = make_tables([(100, "student_survey", 4)])
    assert "five_adults" not in codes(evaluate_flags(t))
    rules = FlagRules(enabled=FlagRules().enabled | {"five_adults"})
    assert flag(evaluate_flags(t, rules), "five_adults").params == {"count": 1, "minimum": 5}


def test_anchor_load_is_staff_level(make_tables):
    extra = [StudentRecord(s, 10, 4, responded_student=True) for s in range(2, 12)]
    t = make_tables([(900, "student_survey", 4)], extra_students=extra)
    from relationships.input_tables import TieRecord
    more = [TieRecord(100 + s, s, 900, "student_survey", 1, reliability=4, setting="school")
            for s in range(2, 11)]
    import pandas as pd

    from relationships.input_tables import to_frames
    t = t.replace(ties=pd.concat([t.ties, to_frames(ties=more).ties], ignore_index=True))
    loads = [f for f in evaluate_flags(t) if f.code == "anchor_load"]
    assert len(loads) == 1
    assert loads[0].student_id is None
    assert loads[0].params["staff_id"] == 90
    assert loads[0].params["students"] == 10


def test_evidence_and_params_are_plain(make_tables):
    import json
    t = make_tables([(100, "student_survey", 4)], marks=[(90, 1, 1, True)])
    for f in evaluate_flags(t):
        json.dumps(f.params)
        assert all(isinstance(e, int) for e in f.evidence)


def test_flag_rules_round_trip_and_validation():
    rules = FlagRules(few_reliable_minimum=4)
    assert FlagRules.from_dict(rules.to_dict()) == rules
    for bad in ({"few_reliable_minimum": 0}, {"enabled": ["nope"]}, {"colour": 1},
                {"future_grades": [12, 9]}, {"barrier_internet": ["wifi"]}):
        with pytest.raises(ValueError, match=r"\w"):
            FlagRules.from_dict(bad)


def test_inputs_are_not_mutated(make_tables):
    t = make_tables([(100, "student_survey", 4)])
    before = {k: getattr(t, k).copy() for k in ("students", "adults", "ties")}
    evaluate(t)
    for k, frame in before.items():
        assert getattr(t, k).equals(frame)


def test_opted_out_students_flags_say_they_come_from_the_family(make_tables):
    """Issue 13: an opted-out student named nothing; "Named no adult…" from the family
    survey alone misread them. Their flags are the family's and say so."""
    t = make_tables([(100, "family_survey", 2)], responded=False, family=True)
    t = t.replace(students=to_frames(students=[StudentRecord(
        1, 10, 4, responded_family=True, opted_out=True)]).students)
    flags = evaluate_flags(t)
    assert flag(flags, "no_reliable_adult").params == {"count": 0, "opted_out": True}
    assert all(f.params.get("opted_out") for f in flags)


def test_a_started_survey_is_not_data(make_tables):
    """Issue 13: ties of a survey started and not sent counted in the strengths while the
    student was "no survey"; now they count nowhere and the student is no_data alone."""
    ev = evaluate(make_tables([(100, "student_survey", 4), (900, "student_survey", 4)],
                              responded=False, conditions=[{"internet": "none"}]))
    assert codes(ev.flags) == {"no_data"}
    assert ev.strengths.loc[0, "reliable"] == 0
