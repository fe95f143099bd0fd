"""Groups published alone get exactly the decisions of a one-group table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationships.suppression import ALL, suppress_published
from relationships.suppression_alone import suppress_alone

COLUMNS = ["n", "count", "rate", "rate_code", "suppressed"]


def _cells(row) -> list:
    return [None if not isinstance(row[c], str) and pd.isna(row[c]) else row[c]
            for c in COLUMNS]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), groups=st.integers(1, 8), size=st.integers(0, 400),
       min_n=st.sampled_from([1, 3, 5, 10]))
def test_each_group_is_decided_as_a_table_of_its_own(seed, groups, size, min_n):
    rng = np.random.default_rng(seed)
    rates = rng.choice([0.0, 0.02, 0.3, 0.9, 0.97, 1.0], groups)
    group = rng.integers(0, groups, size)
    values = pd.DataFrame({"g": group, "call": rng.random(size) < rates[group],
                           "mark": pd.array(np.where(rng.random(size) < 0.8,
                                                     rng.random(size) < 0.5, None),
                                            dtype="boolean")})
    alone = suppress_alone(values, measures=["call", "mark"], by="g", min_n=min_n)
    for measure in ("call", "mark"):
        assert alone[measure]["g"].tolist() == sorted(set(group.tolist()))
        for row in alone[measure].to_dict("records"):
            own = values.loc[values["g"] == row["g"]]
            table = suppress_published(own, measures=[measure], groupings=["g"],
                                       min_n=min_n)[(measure, "g", ALL)]
            expected = table.iloc[0]
            assert _cells(row) == _cells(expected), (measure, row, table)
