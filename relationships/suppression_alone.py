"""Suppression of groups each published alone: one row per group, no total, no sum.

A page may show one number per group where the groups are not parts of a
whole: a school leaders' row per teacher, where each row counts that teacher's
own families (a family may be in several teachers' classes) and that teacher's
own contacts and marks. No relation ties one row to another or to a total, so
each row is a table of its own; :func:`suppress_alone` decides every row as
:func:`relationships.suppression.suppress_published` decides a table of one
group (rules 1–3 of that module: small groups, small counts, top and bottom
coding; rule 4, the protection intervals, finds nothing to protect where nothing
adds up), in one pass instead of one linear-programming set per row.
"""

from __future__ import annotations

import pandas as pd

from relationships.rules import MIN_N
from relationships.suppression import PROTECTION, _frame, _row, _Set, _total

__all__ = ["suppress_alone"]


def suppress_alone(values: pd.DataFrame, *, measures, by: str, min_n: int = MIN_N,
                   protection: int = PROTECTION, low: float = 0.05, high: float = 0.95
                   ) -> dict:
    """Every group of ``by`` published alone.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per person and group (a person may be in several groups): ``by`` and the
        yes/no ``measures`` (NA where a measure says nothing about the person).
    measures : sequence of str
    by : str
    min_n, protection, low, high
        As for :func:`relationships.suppression.suppress_published`.

    Returns
    -------
    dict
        measure → DataFrame with one row per group (sorted by ``by``), shaped as
        ``suppress_published``'s tables without the total row.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1] * 12 + [2] * 4,
    ...                    "call": [True] * 5 + [False] * 7 + [True] * 4})
    >>> suppress_alone(df, measures=["call"], by="t")["call"][
    ...     ["t", "n", "count", "suppressed"]].to_dict("records")
    [{'t': 1, 'n': 12, 'count': 5, 'suppressed': None}, {'t': 2, 'n': None, 'count': None, 'suppressed': 'small_n'}]
    """
    if not 0 <= low < high <= 1:
        raise ValueError("need 0 <= low < high <= 1")
    s = _Set()
    out = {}
    for measure in measures:
        rows = []
        for group, part in values.groupby(by, sort=True):
            known = part[measure].dropna()
            pop = ("alone", measure, group)
            _total(s, pop, measure, group, len(known), int(known.astype(bool).sum()), min_n,
                   low, high, protection)
            rows.append(_row(s, ("n", pop, "total", group), s.cells[("c", measure, "total",
                                                                      group)], by, group))
        out[measure] = _frame(rows, by)
    return out
