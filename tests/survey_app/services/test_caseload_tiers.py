"""On a demo district: every student any rule flags is in exactly one tier of the caseload."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from relationships import flag_matrix
from relationships.tiers import TIERS
from survey_app.models import District, School
from survey_app.reading import loader
from survey_app.services import caseload

N = 600


@pytest.fixture
def demo_session(app, runner, session):
    result = runner.invoke(args=["demo", "--students", str(N), "--seed", "3"])
    assert result.exit_code == 0, result.output
    return session


@pytest.mark.slow  # builds a demo district
def test_every_flagged_student_is_listed_in_exactly_one_tier(app, demo_session):
    db = demo_session
    with app.test_request_context():
        district = db.exec(select(District)).first()
        ctx = loader.context(session=db, district_id=district.id)
        for school in db.exec(select(School)).all():
            st = caseload.cache.state(session=db, ctx=ctx, school_ids=[school.id])
            # Independently: who any rule flags, straight from the flag matrix.
            matrix = flag_matrix(st.evaluation.measures, ctx.rules)
            flagged = set(st.evaluation.measures["student_id"][matrix.any(axis=1)].astype(int))
            assert flagged, school.name
            listed: dict[int, str] = {}
            for tier in TIERS:
                page = caseload.caseload_page(
                    session=db, ctx=ctx, school_ids=[school.id],
                    filters=caseload.Filters(tier=tier), today=date.today(), per_page=10**6)
                assert page.total == page.tier_counts[tier] == len(page.rows)
                for row in page.rows:
                    assert row.student_id not in listed, (row.student_id, tier)
                    listed[row.student_id] = tier
            missing = flagged - set(listed)
            assert not missing, f"{school.name}: {len(missing)} flagged students in no tier"
            assert listed, school.name
            # The most urgent tier is the smallest of the three ranked ones on the demo.
            counts = page.tier_counts
            assert counts["connect_now"] < counts["strengthen"]
            db.rollback()
