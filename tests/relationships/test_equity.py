"""Equity breakdowns: suppression that cannot be undone by subtraction."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationships.equity import equity_breakdown, federal_race_category


def frame(groups):
    rows = []
    for i, (n, k) in enumerate(groups):
        rows += [{"g": f"g{i}", "m": j < k} for j in range(n)]
    return pd.DataFrame(rows)


def recoverable(table):
    """Return True if a hidden n or count equals total minus shown cells (or is pinned)."""
    cells, total = table.iloc[:-1], table.iloc[-1]
    for col, low in (("n", 1), ("count", 0)):
        if pd.isna(total[col]):
            continue
        hidden = cells[col].isna()
        if hidden.sum() == 1:
            return True
        if hidden.sum() > 1:
            rest = total[col] - cells.loc[~hidden, col].sum()
            if rest == low * hidden.sum():
                return True
            if col == "count" and cells.loc[hidden, "n"].notna().all() and \
                    rest == cells.loc[hidden, "n"].sum():
                return True
    return False


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.floats(0, 1)), min_size=1, max_size=6),
       st.integers(2, 15))
def test_no_suppressed_value_can_be_recovered(groups, min_n):
    groups = [(n, round(n * p)) for n, p in groups]
    table = equity_breakdown(frame(groups), by=["g"], measure="m", min_n=min_n)
    assert not recoverable(table)
    shown = table.loc[table["count"].notna() & table["n"].notna()]
    assert ((shown["count"] / shown["n"]).between(0.05, 0.95, inclusive="neither")).all()


def test_small_cells_and_coding():
    table = equity_breakdown(frame([(30, 1), (30, 15), (30, 29)]), by=["g"], measure="m")
    assert table["suppressed"].tolist() == ["coded", None, "coded", None]
    assert table["rate_code"].tolist() == ["le5", None, "ge95", None]
    assert table["n"].tolist() == [30, 30, 30, 90]
    table = equity_breakdown(frame([(30, 10), (40, 15), (5, 2)]), by=["g"], measure="m")
    assert table["suppressed"].tolist() == ["complementary", None, "small_n", None]


def test_many_columns():
    df = pd.DataFrame({"a": ["x", "y"] * 30, "b": ["p"] * 30 + ["q"] * 30,
                       "m": [True, False, False] * 20})
    table = equity_breakdown(df, by=["a", "b"], measure="m", min_n=10)
    assert list(table.columns[:2]) == ["a", "b"]
    assert table.iloc[-1]["a"] == "total"


@pytest.mark.parametrize(("flags", "expected"), [
    ({"hispanicOrLatinoEthnicity": "true", "asian": "true"}, "hispanic_latino"),
    ({"blackOrAfricanAmerican": "TRUE"}, "black_african_american"),
    ({"white": "true", "asian": "true"}, "two_or_more"),
    ({"demographicRaceTwoOrMoreRaces": "true"}, "two_or_more"),
    ({"white": "false", "hispanicOrLatinoEthnicity": ""}, None),
    ({}, None),
])
def test_federal_race_category(flags, expected):
    assert federal_race_category(flags) == expected
