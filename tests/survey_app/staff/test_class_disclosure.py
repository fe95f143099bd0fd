"""The class shares hide what they must: over random classes of 5–40 students, no hidden
number can be worked out from everything the class view publishes together.

The audit is an attacker's linear program (the standard "feasibility interval" audit of
statistical disclosure control): the unknowns are the class's full cross-table (number
of students and of each measure's "yes" per race × gender × English-learner cell, every
combination of the groups the tables name), constrained by every number shown, every
"fewer than min n", every "5 % or less / 95 % or more" and every group's existence. For
each hidden group size or count, HiGHS finds the smallest and largest value the
published tables allow. A hidden value is recovered when that interval is narrower than
one student, or when the group is forced to be all "yes" or all "no".
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from survey_app.services.families import GROUPS, MEASURES, class_shares

RACES = [None, "white", "black_african_american", "hispanic_latino", "asian",
         "two_or_more", "american_indian_alaska_native", "native_hawaiian_pacific_islander"]
GENDERS = [None, "f", "m", "x"]
EL = [None, True, False]
TOL = 1e-6


@st.composite
def classes(draw):
    """A class of 5–40 students with skewed group sizes and measure rates."""
    n = draw(st.integers(5, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weights = {k: rng.dirichlet(np.full(len(v), 0.6)) for k, v in
               (("race_ethnicity", RACES), ("gender", GENDERS), ("english_learner", EL))}
    frame = pd.DataFrame({
        "race_ethnicity": rng.choice(np.array(RACES, dtype=object), n, p=weights["race_ethnicity"]),
        "gender": rng.choice(np.array(GENDERS, dtype=object), n, p=weights["gender"]),
        "english_learner": rng.choice(np.array(EL, dtype=object), n, p=weights["english_learner"]),
    })
    for measure in MEASURES:
        frame[measure] = rng.random(n) < draw(st.sampled_from([0.0, 0.03, 0.3, 0.5, 0.8, 1.0]))
    return frame, draw(st.sampled_from([3, 5, 10]))


def _key(value):
    return "__none__" if value is None or (isinstance(value, float) and np.isnan(value)) \
        else value


class Audit:
    """The attacker's LP over the cross-table, built from the published tables only."""

    def __init__(self, shares: dict, min_n: int):
        self.min_n = min_n
        self.groups = [by for by in GROUPS if any(by in shares[m] for m in MEASURES)]
        levels = {by: next(shares[m][by] for m in MEASURES if by in shares[m])[by].iloc[:-1]
                  .tolist() for by in self.groups}  # groupings left out name no group
        self.cells = list(itertools.product(*(levels[by] for by in self.groups)))
        k = len(self.cells)
        self.size = k * (1 + len(MEASURES))  # N per cell, then a count per measure per cell
        self.a_ub, self.b_ub, self.a_eq, self.b_eq = [], [], [], []
        for m in range(len(MEASURES)):  # 0 <= count <= N
            for c in range(k):
                self._ub({self._count(m, c): 1, c: -1}, 0)
        self.hidden: list[tuple[str, dict, bool]] = []  # (what, coefficients, coded)
        for m, measure in enumerate(MEASURES):
            for by in ("all", *GROUPS):
                if by in shares[measure]:
                    self._table(shares[measure][by], by, m, first=m == 0)

    def _count(self, m: int, c: int) -> int:
        return len(self.cells) * (1 + m) + c

    def _ub(self, coef: dict, bound: float) -> None:
        self.a_ub.append(coef)
        self.b_ub.append(bound)

    def _table(self, table: pd.DataFrame, by: str, m: int, first: bool) -> None:
        position = self.groups.index(by) if by != "all" else None
        for row in table.to_dict("records"):
            members = [c for c, cell in enumerate(self.cells)
                       if row[by] == "total" or cell[position] == row[by]]
            n = dict.fromkeys(members, 1)
            count = dict.fromkeys((self._count(m, c) for c in members), 1)
            label = f"{by}={row[by]}"
            if pd.isna(row["n"]):
                self._ub({i: -v for i, v in n.items()}, -1)  # the group exists
                if row["suppressed"] == "small_n":  # shown as "fewer than min n"
                    self._ub(n, self.min_n - 1)
                if first:
                    self.hidden.append((f"n {label}", n, False))
            else:
                self.a_eq.append(n)
                self.b_eq.append(int(row["n"]))
            if not pd.isna(row["count"]):
                self.a_eq.append(count)
                self.b_eq.append(int(row["count"]))
                continue
            code = row["rate_code"]
            if code == "le5":  # count <= 0.05 N
                self._ub({**count, **{i: -0.05 for i in n}}, 0)
            elif code == "ge95":  # count >= 0.95 N
                self._ub({**{i: -v for i, v in count.items()}, **{i: 0.95 for i in n}}, 0)
            self.hidden.append((f"{MEASURES[m]} {label}", count, code is not None))
            if code is None:
                # everyone or no one "yes" in a hidden group is an attribute disclosure
                self.hidden.append((f"all-yes {MEASURES[m]} {label}",
                                    {**count, **{i: -1 for i in n}}, False))

    def _matrix(self, rows: list[dict]) -> np.ndarray:
        out = np.zeros((len(rows), self.size))
        for r, coef in enumerate(rows):
            for i, v in coef.items():
                out[r, i] += v
        return out

    def interval(self, coef: dict) -> tuple[float, float]:
        objective = self._matrix([coef])[0]
        args = {"A_ub": self._matrix(self.a_ub), "b_ub": self.b_ub,
                "A_eq": self._matrix(self.a_eq) if self.a_eq else None,
                "b_eq": self.b_eq or None, "bounds": (0, None), "method": "highs"}
        low = linprog(objective, **args)
        high = linprog(-objective, **args)
        assert low.status == 0, low.message  # the true class is always feasible
        assert high.status == 0, high.message
        return low.fun, -high.fun

    def recovered(self) -> list[str]:
        found = []
        for what, coef, coded in self.hidden:
            low, high = self.interval(coef)
            if what.startswith("all-yes"):  # count - N <= 0; its least value 0: all "yes"
                if low > -TOL:
                    found.append(what)
                continue
            if what.startswith(MEASURES) and not coded and high < TOL:
                found.append(f"all-no {what}")
            if not coded and high - low < 1 - TOL:
                found.append(f"{what} in [{low:.2f}, {high:.2f}]")
        return found


@pytest.mark.slow  # 60 classes, each audited by linear programmes
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes())
def test_nothing_hidden_is_recoverable_from_the_class_shares(case):
    frame, min_n = case
    shares = class_shares(frame, min_n=min_n)
    assert Audit(shares, min_n).recovered() == []


def test_the_audit_catches_a_table_published_without_suppression():
    """The audit is not blind: a lone hidden cell beside its total is found."""
    frame = pd.DataFrame({"race_ethnicity": ["white"] * 12 + ["asian"] * 3,
                          "gender": ["f"] * 15, "english_learner": [False] * 15,
                          "contact": [True] * 6 + [False] * 9, "trusted": [False] * 15})
    shares = class_shares(frame, min_n=10)
    leaky = shares["contact"]["race_ethnicity"].copy()
    leaky.loc[0, ["n", "count"]] = [3, 0]  # asian shown…
    leaky.loc[1, ["n", "count"]] = [pd.NA, pd.NA]  # …white hidden beside the total
    leaky.loc[2, ["n", "count"]] = [15, 6]
    shares["contact"]["race_ethnicity"] = leaky
    found = Audit(shares, min_n=10).recovered()
    assert any(f.startswith("n race_ethnicity=white") for f in found), found


@pytest.mark.parametrize("size", [5, 12, 35])
def test_a_uniform_class_shows_only_what_is_safe(size):
    """Every family contacted: the class total is coded (95 % or more), never a count."""
    frame = pd.DataFrame({"race_ethnicity": ["white"] * size, "gender": ["f"] * size,
                          "english_learner": [False] * size, "contact": [True] * size,
                          "trusted": [False] * size})
    shares = class_shares(frame, min_n=10)
    for measure in MEASURES:
        total = shares[measure]["all"].iloc[-1]
        assert pd.isna(total["count"]), (measure, total)
