"""Suppression that survives arithmetic: the disclosure auditor on random districts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from relationships.equity import FEDERAL_RACE, equity_breakdown, federal_race_category
from relationships.suppression import ALL, PROTECTION, suppress_published
from tests.relationships.disclosure import audit

MEASURES = ("rare", "common", "almost_all", "everyone")
#: measures counted over the same people share their group sizes
POPULATIONS = {"rare": "surveyed", "common": "surveyed", "almost_all": "marked",
               "everyone": "all"}
GROUPINGS = ("race_ethnicity", "gender", "grade")


def district(seed, size, schools, skew):
    """A random district: skewed schools and groups, race from several race flags."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(schools, 1.0 / skew))
    school = rng.choice(schools, size=size, p=weights)
    race_p = rng.dirichlet(np.full(len(FEDERAL_RACE), 0.5 / skew))
    flags = rng.random((size, len(FEDERAL_RACE))) < race_p * 1.2
    hispanic = rng.random(size) < rng.uniform(0.05, 0.4)
    race = [federal_race_category({"hispanicOrLatinoEthnicity": h,
                                   **{k: bool(f[j]) for j, k in enumerate(FEDERAL_RACE)}})
            for h, f in zip(hispanic, flags, strict=True)]
    gender = rng.choice(["f", "m", "x"], size=size, p=[0.49, 0.49, 0.02])
    grade = rng.choice(np.arange(6, 13), size=size, p=rng.dirichlet(np.full(7, 2.0)))
    surveyed = rng.random(size) < 0.8
    marked = rng.random(size) < 0.6

    def yes_no(p, known):
        return pd.array(np.where(known, rng.random(size) < p, None), dtype="boolean")

    return pd.DataFrame({
        "school_id": school, "race_ethnicity": pd.array(race, dtype=object),
        "gender": gender, "grade": grade,
        "rare": yes_no(0.03, surveyed), "common": yes_no(0.3, surveyed),
        "almost_all": yes_no(0.97, marked), "everyone": yes_no(0.5, np.ones(size, bool))})


def published(values, min_n=10):
    return suppress_published(values, measures=MEASURES, groupings=GROUPINGS,
                              area="school_id", min_n=min_n)


def test_the_auditor_finds_what_one_table_at_a_time_gives_away():
    """Issue 13's cases, with the old per-table suppression: the auditor must catch them."""
    values = district(seed=4, size=400, schools=2, skew=2.0)
    old = {}
    for measure in MEASURES:
        for by in GROUPINGS:
            for area in (ALL, *sorted(values["school_id"].unique())):
                rows = values if area == ALL else values.loc[values["school_id"] == area]
                frame = rows[[by, measure]].copy()
                frame[by] = frame[by].astype(object).where(frame[by].notna(), "__none__")
                old[(measure, by, area)] = equity_breakdown(frame, by=[by], measure=measure)
    found = audit(old, populations=POPULATIONS)
    assert found.narrowest < 1  # a hidden value recovered exactly


def test_banded_small_group_is_not_a_complement():
    """"≤5 %" of 17 can only mean 0: such a band is never shown."""
    values = pd.DataFrame({"g": ["a"] * 17 + ["b"] * 30 + ["c"] * 4,
                           "flag": [False] * 17 + [True] * 10 + [False] * 20 + [True] * 2
                           + [False] * 2})
    table = suppress_published(values, measures=["flag"], groupings=["g"])[("flag", "g", ALL)]
    row = table.iloc[0]
    assert row["rate_code"] is None
    assert pd.isna(row["count"])
    assert audit({("flag", "g", ALL): table}).narrowest >= PROTECTION


def test_small_counted_cells_are_hidden():
    """A count of 1 or 2 in a group of 40 (NCES 2011-603) is not shown, nor 38 of 40."""
    values = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40 + ["c"] * 40,
                           "flag": [True] * 3 + [False] * 37 + [True] * 38 + [False] * 2
                           + [True] * 20 + [False] * 20})
    table = suppress_published(values, measures=["flag"], groupings=["g"])[("flag", "g", ALL)]
    counts = table["count"].tolist()
    assert pd.isna(counts[0])  # 3 of 40 is 7.5 %: shown? no: the band is too narrow at n=40
    assert pd.isna(counts[1])  # 38 of 40 leaves 2 out
    assert audit({("flag", "g", ALL): table}).narrowest >= PROTECTION


@pytest.mark.slow  # ~4 s of CPU: published() on three schools
def test_a_total_hidden_in_one_grouping_is_hidden_in_all():
    values = district(seed=7, size=120, schools=3, skew=3.0)
    tables = published(values)
    for measure in MEASURES:
        for area in (ALL, *values["school_id"].unique()):
            shown = {pd.isna(tables[(measure, by, area)].iloc[-1]["n"]) for by in GROUPINGS}
            assert len(shown) == 1


@pytest.mark.slow  # 7-20 s of CPU each: hundreds of linear programmes per district
@pytest.mark.parametrize(("seed", "size", "schools", "skew"), [
    (5, 273, 5, 2.0),  # a school with nobody surveyed
    (0, 50, 2, 1.5),  # bounds implied across schools
    (5, 275, 5, 2.0),  # only the exact ranges see it
    (332201542, 548, 4, 1.06),  # a chain of fully hidden relations
    (850624225, 782, 3, 0.64),
])
def test_no_hidden_value_has_a_narrow_range_in_these_districts(seed, size, schools, skew):
    result = audit(published(district(seed, size, schools, skew)), populations=POPULATIONS)
    assert result.narrowest >= PROTECTION - 1e-6, result.narrowest_key


# No shrinking: each example solves hundreds of linear programmes (about 50 s of CPU in
# all: `make test` runs it, `make test-fast` leaves it out), and the
# failing district (seed, size, schools, skew) is printed as it is.
@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@example(seed=5, size=273, schools=5, skew=2.0)  # a school with nobody surveyed
@example(seed=0, size=50, schools=2, skew=1.5)  # bounds implied across schools
@example(seed=536870912, size=364, schools=4, skew=1.3759321327335505)  # exact range only
@given(seed=st.integers(0, 2**31), size=st.integers(50, 3000), schools=st.integers(1, 5),
       skew=st.floats(0.5, 4.0))
def test_no_hidden_value_has_a_narrow_range(seed, size, schools, skew):
    values = district(seed, size, schools, skew)
    result = audit(published(values), populations=POPULATIONS)
    assert result.narrowest >= PROTECTION - 1e-6, (result.narrowest_key, result.ranges.get(
        result.narrowest_key))


@pytest.mark.parametrize("seed", [pytest.param(1, marks=pytest.mark.slow), 2,
                                  pytest.param(3, marks=pytest.mark.slow)])
def test_few_extra_cells_are_hidden(seed):
    """Secondary suppression hides fewer than half the cells (a bound, not yet "few")."""
    values = district(seed, 1500, 3, 1.5)
    tables = published(values)
    reasons = pd.concat([t["suppressed"] for t in tables.values()]).value_counts()
    cells = sum(len(t) for t in tables.values())
    # measured (extra of all cells; hidden or banded for their own sake): seed 1,
    # 87 of 282 (128); seed 2, 110 of 259 (99); seed 3, 119 of 273 (138)
    assert reasons.get("complementary", 0) < 0.5 * cells
