"""The family shares hide what they must: over random classes (5–40 students) and random
schools, no hidden number can be worked out from everything one page publishes together.

The attacker is the independent disclosure auditor (``tests/relationships/disclosure.py``,
the equity view's): written from the published tables alone, it finds by linear
programming the smallest and largest value every hidden size and count can take given
every shown number, every "fewer than", every "5 % or less / 95 % or more", that listed
groups have someone in them and that the groups of a breakdown add up to its total. A
hidden value is given away when that range is narrower than the protection level.

The classes and schools are drawn as children in households (brothers and sisters, in
different groups), so the tables count families as the pages do
(:func:`survey_app.services.families.per_family`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from relationships.suppression import ALL, PROTECTION
from survey_app.services.families import (
    GROUPS,
    MEASURES,
    class_shares,
    per_family,
    published,
)
from survey_app.services.school_engagement import SCHOOL_GROUPINGS, school_tables
from tests.relationships.disclosure import audit

RACES = [None, "white", "black_african_american", "hispanic_latino", "asian",
         "two_or_more", "american_indian_alaska_native", "native_hawaiian_pacific_islander"]
GENDERS = [None, "f", "m", "x"]
EL = [None, True, False]
#: both measures are counted over the same families: they share their group sizes
POPULATIONS = dict.fromkeys(MEASURES, "families")
RATES = [0.0, 0.03, 0.3, 0.5, 0.8, 1.0]


def children(rng, n: int, grades=(5,)) -> pd.DataFrame:
    """``n`` children with skewed groups; about one in five shares a household with the
    child before (a brother or sister, sometimes in another group or grade)."""
    weights = {k: rng.dirichlet(np.full(len(v), 0.6)) for k, v in
               (("race_ethnicity", RACES), ("gender", GENDERS), ("english_learner", EL))}
    sibling = rng.random(n) < 0.2
    sibling[0] = False
    household = np.cumsum(~sibling)
    frame = pd.DataFrame({
        "household_id": household,
        "grade": rng.choice(np.array(grades), n),
        **{by: rng.choice(np.array(values, dtype=object), n, p=weights[by])
           for by, values in (("race_ethnicity", RACES), ("gender", GENDERS),
                              ("english_learner", EL))}})
    same = sibling & (rng.random(n) < 0.7)  # most brothers and sisters share their race
    frame.loc[same, "race_ethnicity"] = frame["race_ethnicity"].shift(1)[same]
    return frame


def with_measures(rng, families: pd.DataFrame, rates) -> pd.DataFrame:
    for measure, rate in zip(MEASURES, rates, strict=True):
        families[measure] = rng.random(len(families)) < rate
    return families


def as_published(shares: dict, prefix: str = "", area=ALL) -> dict:
    """The page's tables as the auditor reads them: ``(measure, grouping, area) → table``.
    The whole-class row is the total of every grouping; shown alone, it is a table of one
    group that is its total."""
    out = {}
    for measure, tables in shares.items():
        groupings = [by for by in tables if by != "all"]
        for by in groupings:
            out[(prefix + measure, by, area)] = tables[by]
        if not groupings:
            total = tables["all"].iloc[-1]
            alone = pd.DataFrame([{**total, "all": "class"}, {**total, "all": "total"}])
            out[(prefix + measure, "all", area)] = alone
    return out


def assert_nothing_recoverable(published: dict, populations: dict) -> None:
    result = audit(published, populations=populations)
    assert result.narrowest >= PROTECTION - 1e-6, (
        result.narrowest_key, result.ranges.get(result.narrowest_key))


@pytest.mark.slow  # 40 classes, each audited by linear programmes
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(5, 40), seed=st.integers(0, 2**32 - 1),
       rates=st.tuples(*[st.sampled_from(RATES)] * len(MEASURES)),
       min_n=st.sampled_from([3, 5, 10]))
def test_nothing_hidden_is_recoverable_from_the_class_shares(size, seed, rates, min_n):
    rng = np.random.default_rng(seed)
    families = with_measures(rng, per_family(children(rng, size), GROUPS), rates)
    shares = class_shares(families, min_n=min_n)
    assert_nothing_recoverable(as_published(shares), POPULATIONS)


# Each example solves a few hundred linear programmes: few examples, no shrinking (the
# failing school is printed as drawn).
@pytest.mark.slow  # 12 schools, each audited by linear programmes
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(size=st.integers(20, 600), teachers=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       rates=st.tuples(*[st.sampled_from(RATES)] * len(MEASURES)),
       min_n=st.sampled_from([3, 5, 10]))
def test_nothing_hidden_is_recoverable_from_the_school_view(size, teachers, seed, rates,
                                                            min_n):
    """The leaders' page: the school's tables by grade and by group (one set), and each
    teacher's row (their own contacts and marks: a table of its own)."""
    rng = np.random.default_rng(seed)
    kids = children(rng, size, grades=(3, 4, 5))
    families = with_measures(rng, per_family(kids, SCHOOL_GROUPINGS), rates)
    # Every child is in one or two classes; a class has one teacher.
    pairs = pd.concat([kids.assign(teacher=rng.integers(0, teachers, size)),
                       kids.loc[rng.random(size) < 0.5].assign(
                           teacher=lambda f: rng.integers(0, teachers, len(f)))])
    pairs = with_measures(rng, pairs[["teacher", "household_id"]].drop_duplicates(), rates)
    per_teacher, grades, groups = school_tables(families, pairs, min_n=min_n)
    tables, populations = {}, dict(POPULATIONS)
    for measure in MEASURES:
        school = {"all": next(iter(groups[measure].values()), None)}
        school.update({by: t for by, t in groups[measure].items()})
        if grades[measure] is not None:
            school["grade"] = grades[measure]
        if school["all"] is None:
            school["all"] = grades[measure]
        if school["all"] is not None:
            tables.update(as_published({measure: school}))
        for row in per_teacher[measure].to_dict("records"):
            name = f"{measure}@{row['teacher']}"
            populations[name] = f"families@{row['teacher']}"
            tables[(name, "teacher", ALL)] = pd.DataFrame(
                [row, {**row, "teacher": "total"}])
    assert len(per_teacher["contact"]) == pairs["teacher"].nunique()
    assert_nothing_recoverable(tables, populations)


def test_the_auditor_catches_a_table_published_without_suppression():
    """The audit is not blind: a lone hidden cell beside its total is found."""
    families = pd.DataFrame({"race_ethnicity": ["white"] * 12 + ["asian"] * 3,
                             "gender": ["f"] * 15, "english_learner": [False] * 15,
                             "contact": [True] * 6 + [False] * 9, "trusted": [False] * 15})
    leaky = published(families, groupings=GROUPS, min_n=10)[("contact", "race_ethnicity")]
    leaky = leaky.copy()
    leaky.loc[0, ["n", "count"]] = [pd.NA, pd.NA]  # white hidden…
    leaky.loc[1, ["n", "count", "suppressed"]] = [3, 0, None]  # …beside asian shown
    leaky.loc[2, ["n", "count"]] = [15, 6]
    result = audit({("contact", "race_ethnicity", ALL): leaky}, populations=POPULATIONS)
    assert result.narrowest < 1, result.narrowest_key


def test_a_school_view_published_without_suppression_is_caught():
    """The school test's assembly is not blind either: the teachers' rows and the school's
    tables unsuppressed give the counts of small groups away."""
    rng = np.random.default_rng(3)
    kids = children(rng, 60, grades=(3, 4))
    families = with_measures(rng, per_family(kids, SCHOOL_GROUPINGS), (0.3, 0.5))
    table = families.groupby("grade")["contact"].agg(["size", "sum"]).reset_index()
    raw = pd.DataFrame({"grade": [*table["grade"], "total"],
                        "n": [*table["size"], len(families)],
                        "count": [*table["sum"], int(families["contact"].sum())],
                        "rate_code": None})
    raw.loc[0, ["n", "count"]] = [pd.NA, pd.NA]
    assert audit({("contact", "grade", ALL): raw}).narrowest < 1


@pytest.mark.parametrize("size", [5, 12, 35])
def test_a_uniform_class_shows_no_count(size):
    """Every family contacted: the class total is never shown as a count (a count that
    leaves fewer than 3 families out is hidden; 95 % or more is shown only as such)."""
    families = pd.DataFrame({"race_ethnicity": ["white"] * size, "gender": ["f"] * size,
                             "english_learner": [False] * size, "contact": [True] * size,
                             "trusted": [False] * size})
    shares = class_shares(families, min_n=10)
    for measure in MEASURES:
        total = shares[measure]["all"].iloc[-1]
        assert pd.isna(total["count"]), (measure, total)
