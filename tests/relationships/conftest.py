"""Builders for small tables (no app needed)."""

import pytest

from relationships.input_tables import (
    AdultRecord,
    ConditionRecord,
    StaffMarkRecord,
    StudentRecord,
    TieRecord,
    to_frames,
)

STAFF = [AdultRecord(900 + i, "staff", "teacher", staff_id=90 + i, name=f"Staff {i}",
                     languages=("en",)) for i in range(3)]


@pytest.fixture
def make_tables():
    """Return a builder: ties given as (adult_id, source, reliability, extra) tuples."""

    def build(ties=(), *, grade=4, responded=True, family=False, marks=(), conditions=(),
              adults=(), wave=1, extra_students=()):
        family_adults = [AdultRecord(100 + i, "family", "grandparent", name=f"Rel {i}")
                         for i in range(6)]
        parents = [AdultRecord(200, "family", "parent_guardian", name="Mum")]
        community = [AdultRecord(300 + i, "community", "coach", name=f"Coach {i}")
                     for i in range(3)]
        records = []
        for i, tie in enumerate(ties):
            adult, source, rel, *rest = tie
            kw = rest[0] if rest else {}
            setting = kw.pop("setting", "school" if adult >= 900 else
                             "community" if adult >= 300 else "home")
            records.append(TieRecord(i + 1, 1, adult, source, kw.pop("wave", wave),
                                     reliability=rel, setting=setting, **kw))
        return to_frames(
            students=[StudentRecord(1, 10, grade, responded_student=responded,
                                    responded_family=family, language="es"),
                      *extra_students],
            adults=[*family_adults, *parents, *community, *STAFF, *adults],
            ties=records,
            staff_marks=[StaffMarkRecord(*m) if isinstance(m, tuple) else m for m in marks],
            conditions=[ConditionRecord(1, wave, **c) for c in conditions],
        )

    return build
